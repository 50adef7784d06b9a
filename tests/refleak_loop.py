#!/usr/bin/env python3
"""Reference-leak loop over pyssl's main operations, for debug interpreters.

    python tests/refleak_loop.py [--ssl pyssl|ssl] [--rounds 3] [--loops 100]

CPython's regrtest -R (ci/refleak.sh runs it over test_ssl) finds leaks in
what test_ssl exercises. This loop covers what a program does most, and what
pyssl has beyond CPython, in one process: each operation runs a warm-up,
then --rounds rounds of --loops calls, and sys.gettotalrefcount() and
sys.getallocatedblocks() are read around each round. An operation leaks
when every round grows the reference count, or the allocated blocks, by at
least one per call: a real leak grows on every call, while caches (type
caches, interned strings, OpenSSL's lazily loaded tables) fill during the
warm-up and stop.

--ssl ssl runs the same loop on the stdlib, so a leak both have is told
apart from one only pyssl has. Needs a --with-pydebug interpreter (exit 2
otherwise). Exit 1 if an operation leaks.
"""

import argparse
import gc
import importlib
import os
import pickle
import socket
import sys
import tempfile


def make_ops(ssl, certdir):
    """Return {name: zero-argument callable} for the module under test."""
    ca = os.path.join(certdir, "ca.pem")
    chain = os.path.join(certdir, "server.pem")
    with open(ca) as f:
        ca_pem = f.read()
    ca_der = ssl.PEM_cert_to_DER_cert(ca_pem)

    def server_ctx():
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(chain)
        return ctx

    def client_ctx():
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(cadata=ca_pem)
        return ctx

    sctx, cctx = server_ctx(), client_ctx()
    sctx.set_alpn_protocols(["h2", "http/1.1"])
    cctx.set_alpn_protocols(["http/1.1"])
    state = {}

    def pump(client, server, cin, cout, sin, sout):
        """Drive both ends of a MemoryBIO pair until both hand-shook."""
        done = [False, False]
        for _ in range(20):
            for i, obj in enumerate((client, server)):
                if not done[i]:
                    try:
                        obj.do_handshake()
                        done[i] = True
                    except ssl.SSLWantReadError:
                        pass
            sin.write(cout.read())
            cin.write(sout.read())
            if all(done):
                return
        raise RuntimeError("handshake did not finish")

    def pair(context=cctx, session=None):
        cin, cout, sin, sout = (ssl.MemoryBIO() for _ in range(4))
        client = context.wrap_bio(cin, cout, server_hostname="localhost", session=session)
        server = sctx.wrap_bio(sin, sout, server_side=True)
        return client, server, cin, cout, sin, sout

    def handshake_and_talk():
        client, server, cin, cout, sin, sout = pair()
        pump(client, server, cin, cout, sin, sout)
        client.write(b"ping" * 100)
        sin.write(cout.read())
        assert server.read(1000) == b"ping" * 100
        try:
            server.read(10)
        except ssl.SSLWantReadError:
            pass
        client.getpeercert()
        client.getpeercert(True)
        client.cipher(), client.version(), client.selected_alpn_protocol()
        server.shared_ciphers()
        if hasattr(client, "get_verified_chain"):  # 3.13+ and pyssl
            client.get_verified_chain(), server.get_unverified_chain()
            for cert in client._sslobj.get_verified_chain():  # Certificates
                cert.public_bytes(), cert.get_info()
        state["session"] = client.session
        try:
            client.unwrap()
        except ssl.SSLWantReadError:
            pass

    def resume():
        if "session" not in state:
            handshake_and_talk()
        client, server, cin, cout, sin, sout = pair(session=state["session"])
        pump(client, server, cin, cout, sin, sout)
        client.session_reused

    def failed_verify():
        other = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # trusts nothing
        client, server, cin, cout, sin, sout = pair(context=other)
        try:
            pump(client, server, cin, cout, sin, sout)
        except ssl.SSLCertVerificationError as e:
            e.verify_code, e.verify_message, str(e)
        else:
            raise AssertionError("verification should have failed")

    def garbage_on_the_wire():
        client, server, cin, cout, sin, sout = pair()
        sin.write(b"\x16\x03\x01\x00\x05hello" * 3)
        try:
            server.do_handshake()
        except ssl.SSLError as e:
            e.library, e.reason
        else:
            raise AssertionError("garbage should fail the handshake")

    def socket_round_trip():
        a, b = socket.socketpair()
        with cctx.wrap_socket(
            a, server_hostname="localhost", do_handshake_on_connect=False
        ) as c, sctx.wrap_socket(b, server_side=True, do_handshake_on_connect=False) as s:
            c.setblocking(False)
            s.setblocking(False)
            for _ in range(50):
                for end in (c, s):
                    try:
                        end.do_handshake()
                    except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                        pass
                if c.version() and s.version():
                    break
            c.setblocking(True)
            s.setblocking(True)
            c.sendall(b"x" * 5000)
            got = b""
            while len(got) < 5000:
                got += s.recv(8192)

    def contexts_and_loading():
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(cafile=ca)
        ctx.load_verify_locations(cadata=ca_der)
        ctx.get_ca_certs(), ctx.cert_store_stats()
        ctx.set_ciphers("ECDHE+AESGCM")
        ctx.options |= ssl.OP_NO_COMPRESSION
        ctx.verify_flags |= ssl.VERIFY_X509_STRICT
        ctx.load_cert_chain(chain)
        srv = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        srv.sni_callback = lambda *a: None
        srv.sni_callback = None

    def bad_input():
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        for call in (
            lambda: ctx.load_verify_locations(cadata="garbage"),
            lambda: ctx.load_verify_locations(cadata=b"\x30\x03junk"),
            lambda: ctx.load_cert_chain(ca),
            lambda: ctx.set_ciphers("nothing-at-all"),
            lambda: ctx.load_verify_locations("/nonexistent/x.pem"),
        ):
            try:
                call()
            except (ssl.SSLError, OSError, TypeError):
                pass
            else:
                raise AssertionError("bad input was accepted")

    def decode_and_pickle():
        ssl._ssl._test_decode_cert(ca)
        err = ssl.SSLError(1, "some failure")
        pickle.loads(pickle.dumps(err))

    ops = {
        "handshake_and_talk": handshake_and_talk,
        "resume": resume,
        "failed_verify": failed_verify,
        "garbage_on_the_wire": garbage_on_the_wire,
        "socket_round_trip": socket_round_trip,
        "contexts_and_loading": contexts_and_loading,
        "bad_input": bad_input,
        "decode_and_pickle": decode_and_pickle,
    }
    if hasattr(ssl._ssl, "_make_test_certs"):  # pyssl only
        ops["make_test_certs"] = lambda: ssl._ssl._make_test_certs("localhost")
    return ops


def measure(op, rounds, loops):
    """Per-round growth of (refcount, blocks) over `loops` calls."""
    for _ in range(max(10, loops // 5)):
        op()
    deltas = []
    for _ in range(rounds):
        gc.collect()
        refs, blocks = sys.gettotalrefcount(), sys.getallocatedblocks()
        for _ in range(loops):
            op()
        gc.collect()
        deltas.append((sys.gettotalrefcount() - refs, sys.getallocatedblocks() - blocks))
    return deltas


def write_certs(ssl, certdir):
    """CA and server chain, made by pyssl's certgen (no trustme needed)."""
    import pyssl._ssl

    ca, cert, key = pyssl._ssl._make_test_certs("localhost")
    with open(os.path.join(certdir, "ca.pem"), "w") as f:
        f.write(ca)
    with open(os.path.join(certdir, "server.pem"), "w") as f:
        f.write(cert + key)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ssl", default="pyssl", choices=("pyssl", "ssl"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--loops", type=int, default=100)
    ap.add_argument("--only", help="comma-separated operation names")
    args = ap.parse_args()
    if not hasattr(sys, "gettotalrefcount"):
        sys.exit("refleak_loop.py needs a --with-pydebug interpreter")
    ssl = importlib.import_module(args.ssl)
    leaked = []
    with tempfile.TemporaryDirectory() as certdir:
        write_certs(ssl, certdir)
        ops = make_ops(ssl, certdir)
        names = args.only.split(",") if args.only else sorted(ops)
        for name in names:
            deltas = measure(ops[name], args.rounds, args.loops)
            leaks = all(r >= args.loops for r, _ in deltas) or all(
                b >= args.loops for _, b in deltas
            )
            print(
                "%-22s %s  refs/blocks per round: %s"
                % (name, "LEAK" if leaks else "ok  ", " ".join("%+d/%+d" % d for d in deltas)),
                flush=True,
            )
            if leaks:
                leaked.append(name)
    if leaked:
        print("%s: leaking operations: %s" % (args.ssl, ", ".join(leaked)))
        return 1
    print("%s: no operation leaks" % args.ssl)
    return 0


if __name__ == "__main__":
    sys.exit(main())
