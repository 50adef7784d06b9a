"""Soak: does pyssl's memory stay flat over many connections?

    PYTHONPATH=BUILD:src python tests/soak.py [-n 100000] [--every K]
                                              [--max-growth-mb 5] [--module ssl]

Each iteration makes fresh contexts, does a full handshake over loopback
sockets and echoes a few KB, then a handshake that fails (the client trusts
another CA), and closes everything. Every K iterations (default n/20) it
samples resident memory (VmRSS in /proc/self/status) after a gc.collect()
and prints it. It exits 1 if RSS grew by more than --max-growth-mb between
the first sample after warm-up (a tenth of the run) and the last one.
Certificates come from trustme; the server listens on 127.0.0.1 only, and
every wait is bounded by TIMEOUT.
"""

import argparse
import gc
import importlib
import os
import socket
import sys
import tempfile
import threading

import trustme

TIMEOUT = 10.0
PAYLOAD = os.urandom(4096)


def rss_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


class EchoServer(threading.Thread):
    """Accepts on 127.0.0.1, one connection at a time, with whatever server
    context the soak loop put in self.ctx; echoes until the client closes."""

    def __init__(self, ssl):
        super().__init__(daemon=True)
        self.ssl = ssl
        self.ctx = None
        self.stop = False
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.5)
        self.addr = self.sock.getsockname()

    def run(self):
        while not self.stop:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            conn.settimeout(TIMEOUT)
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                with self.ctx.wrap_socket(conn, server_side=True) as tls:
                    while True:
                        data = tls.recv(65536)
                        if not data:
                            break
                        tls.sendall(data)
            except (OSError, self.ssl.SSLError):
                pass  # the failed handshake, or the client's abrupt close
            finally:
                conn.close()
        self.sock.close()


def connect(addr):
    sock = socket.create_connection(addr, timeout=TIMEOUT)
    # Without it, delayed ACKs make each small exchange wait ~40 ms.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def iteration(ssl, server, files):
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(files["chain"])
    server.ctx = server_ctx
    good = ssl.create_default_context(cadata=files["ca"])
    wrong = ssl.create_default_context(cadata=files["other_ca"])
    sock = connect(server.addr)
    with good.wrap_socket(sock, server_hostname="localhost") as tls:
        tls.sendall(PAYLOAD)
        got = b""
        while len(got) < len(PAYLOAD):
            chunk = tls.recv(65536)
            if not chunk:
                raise AssertionError("server closed before echoing everything")
            got += chunk
        if got != PAYLOAD:
            raise AssertionError("echo differs from what was sent")
    sock = connect(server.addr)
    try:
        with wrong.wrap_socket(sock, server_hostname="localhost"):
            raise AssertionError("handshake against the wrong CA succeeded")
    except ssl.SSLCertVerificationError:
        pass
    finally:
        sock.close()


def make_files(tmp):
    ca, other = trustme.CA(), trustme.CA()
    leaf = ca.issue_cert("localhost")
    chain = os.path.join(tmp, "chain.pem")
    leaf.private_key_and_cert_chain_pem.write_to_path(chain)
    return {
        "chain": chain,
        "ca": ca.cert_pem.bytes().decode(),
        "other_ca": other.cert_pem.bytes().decode(),
    }


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("-n", type=int, default=100000, help="iterations")
    p.add_argument("--every", type=int, help="sample RSS every K iterations")
    p.add_argument("--max-growth-mb", type=float, default=5.0)
    p.add_argument("--module", default="pyssl", help="pyssl, or ssl to compare")
    args = p.parse_args(argv)
    ssl = importlib.import_module(args.module)
    every = args.every or max(args.n // 20, 1)
    warmup = max(args.n // 10, every)
    with tempfile.TemporaryDirectory() as tmp:
        files = make_files(tmp)
        server = EchoServer(ssl)
        server.start()
        samples = []
        try:
            for i in range(1, args.n + 1):
                iteration(ssl, server, files)
                if i % every == 0 or i == args.n:
                    gc.collect()
                    samples.append((i, rss_kb()))
                    print("iteration %7d  rss %8d kB" % samples[-1], flush=True)
        finally:
            server.stop = True
            server.join(TIMEOUT)
    after = [s for s in samples if s[0] >= warmup]
    base, last = after[0], after[-1]
    growth = (last[1] - base[1]) / 1024.0
    print(
        "rss growth from iteration %d to %d: %+.1f MB (bound %.1f MB)"
        % (base[0], last[0], growth, args.max_growth_mb)
    )
    if growth > args.max_growth_mb:
        print("FAIL: resident memory grew past the bound: a leak?")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
