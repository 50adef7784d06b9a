"""Handshakes on shared SSLContexts while another thread changes them.

    python tests/stress_shared_context.py MODULE SCENARIO SECONDS [keep-going]

MODULE is pyssl or ssl. SCENARIO is one of:

  client   8 threads hand-shake SSLObject pairs over MemoryBIO; another
           thread calls every setter of the shared client context.
  server   the same, with the setters of the shared server context, which
           include load_cert_chain rotating between two certificates for
           "localhost" (both signed by the test CA), and loads that must
           fail and leave the context as it was.
  sockets  a few threads hand-shake over loopback sockets (127.0.0.1)
           while both contexts are changed.

Every handshake must end with the server's certificate one of the two,
byte for byte, and an ALPN protocol both sides offer, or none. Prints one
line of JSON with the counts; exits 0 if all was well, 1 on any error. A
crash kills the process with a signal, which is what tests/
test_shared_context.py runs it in a child process for. The run stops at
the first error, or with keep-going only after SECONDS, which gives an
implementation that errors (the stdlib) its full time to crash too. Every
wait is bounded.
"""

import faulthandler
import importlib
import json
import os
import socket
import sys
import tempfile
import threading
import time
import traceback

HOST = "127.0.0.1"
HANDSHAKE_THREADS = 8
SOCKET_THREADS = 3
TIMEOUT = 10.0
ALPN = (None, "h2", "http/1.1")


class Certs(object):
    """A CA and two certificates for localhost, as PEM files."""

    def __init__(self, ssl, directory):
        import trustme_proxy

        trustme = trustme_proxy.load()
        self.dir = directory
        ca = trustme.CA()
        a, b = ca.issue_cert("localhost"), ca.issue_cert("localhost")
        self.cafile = self._write("ca.pem", ca.cert_pem.bytes())
        self.ca_pem = ca.cert_pem.bytes().decode("ascii")
        self.chains, self.keys, self.ders = [], [], set()
        # The same pairs in memory, for load_cert_chain(certdata=, keydata=)
        self.chain_data, self.key_data = [], []
        for name, leaf in (("a", a), ("b", b)):
            pems = b"".join(blob.bytes() for blob in leaf.cert_chain_pems)
            self.chain_data.append(pems)
            self.key_data.append(leaf.private_key_pem.bytes())
            self.chains.append(self._write(name + ".crt", pems))
            self.keys.append(self._write(name + ".key", leaf.private_key_pem.bytes()))
            pem = leaf.cert_chain_pems[0].bytes().decode("ascii")
            self.ders.add(ssl.PEM_cert_to_DER_cert(pem))
        self.encrypted_key = self._encrypt(a, b"secret")

    def _write(self, name, data):
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def _encrypt(self, leaf, password):
        import trustme_proxy

        pem = trustme_proxy.encrypt_key(leaf.private_key_pem.bytes(), password)
        return self._write("a-encrypted.key", pem)


class Stress(object):
    def __init__(self, ssl, certs, seconds, keep_going=False):
        self.ssl = ssl
        self.keep_going = keep_going
        self.error_count = 0
        self.certs = certs
        self.deadline = time.monotonic() + seconds
        self.lock = threading.Lock()
        self.errors = []
        self.handshakes = 0
        self.changes = 0
        self.certs_seen = {}
        self.clients_done = threading.Event()
        self.server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.server.load_cert_chain(certs.chains[0], certs.keys[0])
        self.server.set_alpn_protocols(["http/1.1", "h2"])
        self.client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self.client.load_verify_locations(cafile=certs.cafile)
        self.client.set_alpn_protocols(["h2", "http/1.1"])

    def running(self):
        return (self.keep_going or not self.errors) and time.monotonic() < self.deadline

    def fail(self, what):
        with self.lock:
            self.error_count += 1
            if len(self.errors) < 3:
                self.errors.append(what)

    def check(self, client, server_alpn):
        """A finished client connection: whole certificate, sane ALPN."""
        der = client.getpeercert(binary_form=True)
        alpn = client.selected_alpn_protocol()
        if der not in self.certs.ders:
            self.fail("peer certificate is neither of the two: %r" % (der,))
        elif alpn not in ALPN or alpn != server_alpn:
            self.fail("ALPN: client %r, server %r" % (alpn, server_alpn))
        else:
            with self.lock:
                self.handshakes += 1
                key = sorted(self.certs.ders).index(der)
                self.certs_seen[key] = self.certs_seen.get(key, 0) + 1

    # -- handshakes ------------------------------------------------------

    def bio_handshake(self):
        ssl = self.ssl
        c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
        client = self.client.wrap_bio(c_in, c_out, server_hostname="localhost")
        server = self.server.wrap_bio(s_in, s_out, server_side=True)
        done = [False, False]
        for _ in range(50):
            for i, (obj, out, peer_in) in enumerate(
                ((client, c_out, s_in), (server, s_out, c_in))
            ):
                if not done[i]:
                    try:
                        obj.do_handshake()
                        done[i] = True
                    except ssl.SSLWantReadError:
                        pass
                data = out.read()
                if data:
                    peer_in.write(data)
            if all(done):
                self.check(client, server.selected_alpn_protocol())
                return
        self.fail("handshake did not finish in 50 rounds")

    def bio_worker(self):
        while self.running():
            try:
                self.bio_handshake()
            except Exception:
                self.fail(traceback.format_exc())

    def socket_handshake(self, port):
        with socket.create_connection((HOST, port), TIMEOUT) as raw:
            with self.client.wrap_socket(raw, server_hostname="localhost") as conn:
                alpn = conn.recv(64).decode("ascii") or None
                self.check(conn, alpn)

    def socket_worker(self, port):
        while self.running():
            try:
                self.socket_handshake(port)
            except Exception:
                self.fail(traceback.format_exc())

    def serve_one(self, raw):
        try:
            raw.settimeout(TIMEOUT)
            with self.server.wrap_socket(raw, server_side=True) as conn:
                conn.sendall((conn.selected_alpn_protocol() or "").encode())
                conn.recv(1)  # the client's close
        except Exception:
            if self.running():
                self.fail(traceback.format_exc())

    def acceptor(self, listener):
        # Until every client is done, not until the deadline: a client
        # that connected just before it must still be served.
        listener.settimeout(0.2)
        while not self.clients_done.is_set():
            try:
                raw, _ = listener.accept()
            except socket.timeout:
                continue
            threading.Thread(target=self.serve_one, args=(raw,), daemon=True).start()

    # -- changes ---------------------------------------------------------

    def common_changes(self, ctx):
        """Setters both sides have; every value keeps the sides compatible
        (both cipher lists share AES-GCM, every group list has P-256)."""
        ssl = self.ssl
        yield lambda: ctx.set_ciphers("ECDHE+AESGCM")
        yield lambda: ctx.set_ciphers("ECDHE+CHACHA20:ECDHE+AESGCM")
        if hasattr(ctx, "set_ciphersuites"):
            yield lambda: ctx.set_ciphersuites("TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256")
            yield lambda: ctx.set_ciphersuites(
                "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256"
            )
        yield lambda: ctx.set_ecdh_curve("prime256v1")
        if hasattr(ctx, "set_groups"):
            yield lambda: ctx.set_groups("X25519:P-256")
        yield lambda: setattr(ctx, "options", ctx.options | ssl.OP_NO_TICKET)
        yield lambda: setattr(ctx, "options", ctx.options & ~ssl.OP_NO_TICKET)
        partial = getattr(ssl, "VERIFY_X509_PARTIAL_CHAIN", 0x80000)
        yield lambda: setattr(ctx, "verify_flags", ctx.verify_flags | partial)
        yield lambda: setattr(ctx, "verify_flags", ctx.verify_flags & ~partial)
        yield lambda: setattr(ctx, "maximum_version", ssl.TLSVersion.TLSv1_2)
        yield lambda: setattr(ctx, "maximum_version", ssl.TLSVersion.MAXIMUM_SUPPORTED)
        yield lambda: setattr(ctx, "minimum_version", ssl.TLSVersion.TLSv1_2)
        yield lambda: ctx.get_ciphers()

    def client_changes(self):
        ctx, ssl, certs = self.client, self.ssl, self.certs
        for change in self.common_changes(ctx):
            yield change
        yield lambda: ctx.set_alpn_protocols(["http/1.1"])
        yield lambda: ctx.set_alpn_protocols(["h2", "http/1.1"])
        yield lambda: setattr(ctx, "verify_mode", ssl.CERT_OPTIONAL)
        yield lambda: setattr(ctx, "verify_mode", ssl.CERT_REQUIRED)
        yield lambda: setattr(ctx, "check_hostname", True)
        yield lambda: ctx.load_verify_locations(cafile=certs.cafile)
        yield lambda: ctx.load_verify_locations(cadata=certs.ca_pem)
        yield lambda: ctx.get_ca_certs()

    def server_changes(self):
        ctx, ssl, certs = self.server, self.ssl, self.certs
        for change in self.common_changes(ctx):
            yield change
        yield lambda: ctx.load_cert_chain(certs.chains[1], certs.keys[1])
        yield lambda: ctx.load_cert_chain(certs.chains[0], certs.keys[0])
        yield lambda: self.must_fail(ctx.load_cert_chain, certs.chains[0], certs.keys[1])
        yield lambda: self.must_fail(
            ctx.load_cert_chain, certs.chains[0], certs.encrypted_key, b"wrong"
        )
        yield lambda: ctx.load_cert_chain(certs.chains[0], certs.encrypted_key, lambda: b"secret")
        if getattr(ssl, "HAS_MEMORY_CREDENTIALS", False):
            # Rotation from memory: the same scratch context and swap.
            yield lambda: ctx.load_cert_chain(
                certdata=certs.chain_data[1], keydata=certs.key_data[1]
            )
            yield lambda: ctx.load_cert_chain(
                certdata=certs.chain_data[0].decode("ascii"), keydata=memoryview(certs.key_data[0])
            )
            yield lambda: self.must_fail(
                lambda: ctx.load_cert_chain(
                    certdata=certs.chain_data[0], keydata=certs.key_data[1]
                )
            )
        yield lambda: ctx.set_alpn_protocols(["h2"])
        yield lambda: ctx.set_alpn_protocols(["http/1.1", "h2"])
        yield lambda: setattr(ctx, "sni_callback", lambda s, n, c: None)
        yield lambda: setattr(ctx, "sni_callback", None)
        yield lambda: setattr(ctx, "verify_mode", ssl.CERT_OPTIONAL)
        yield lambda: setattr(ctx, "verify_mode", ssl.CERT_NONE)

    def must_fail(self, load, *args):
        try:
            load(*args)
        except self.ssl.SSLError:
            return
        self.fail("load_cert_chain%r did not fail" % (args,))

    def changer(self, sides):
        while self.running():
            for side in sides:
                for change in side():
                    try:
                        change()
                    except Exception:
                        self.fail(traceback.format_exc())
                    with self.lock:
                        self.changes += 1

    # -- scenarios -------------------------------------------------------

    def run(self, scenario):
        threads, acceptor, listener = [], None, None
        if scenario == "sockets":
            listener = socket.socket()
            listener.bind((HOST, 0))
            listener.listen(32)
            port = listener.getsockname()[1]
            acceptor = threading.Thread(target=self.acceptor, args=(listener,), daemon=True)
            acceptor.start()
            threads += [
                threading.Thread(target=self.socket_worker, args=(port,))
                for _ in range(SOCKET_THREADS)
            ]
            sides = (self.client_changes, self.server_changes)
        else:
            threads += [threading.Thread(target=self.bio_worker) for _ in range(HANDSHAKE_THREADS)]
            sides = (self.client_changes,) if scenario == "client" else (self.server_changes,)
        threads.append(threading.Thread(target=self.changer, args=(sides,)))
        for t in threads:
            t.daemon = True
            t.start()
        for t in threads:
            self.join(t)
        self.clients_done.set()
        if acceptor is not None:
            self.join(acceptor)
            listener.close()
        if self.handshakes == 0 and not self.errors and not self.keep_going:
            self.fail("no handshake finished")

    def join(self, thread):
        thread.join(max(0.0, self.deadline - time.monotonic()) + 2 * TIMEOUT)
        if thread.is_alive():
            self.fail("a thread did not stop in time")
            faulthandler.dump_traceback(all_threads=True)


def main(argv):
    module, scenario, seconds = argv[0], argv[1], float(argv[2])
    keep_going = argv[3:] == ["keep-going"]
    if scenario not in ("client", "server", "sockets"):
        sys.exit("unknown scenario %r" % scenario)
    faulthandler.enable()
    ssl = importlib.import_module(module)
    with tempfile.TemporaryDirectory() as directory:
        stress = Stress(ssl, Certs(ssl, directory), seconds, keep_going)
        stress.run(scenario)
    print(
        json.dumps(
            {
                "module": module,
                "scenario": scenario,
                "handshakes": stress.handshakes,
                "changes": stress.changes,
                "error_count": stress.error_count,
                "per_certificate": sorted(stress.certs_seen.values()),
                "errors": stress.errors,
            }
        )
    )
    sys.stdout.flush()
    # Daemon threads still in OpenSSL must not race interpreter teardown.
    os._exit(1 if stress.errors else 0)


if __name__ == "__main__":
    main(sys.argv[1:])
