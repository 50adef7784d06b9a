"""Full-duplex stress: one thread writes an SSLSocket while another reads it.

    python tests/stress_duplex.py MODULE CERTDIR MODE VERSION TRANSPORT SECONDS SEED

This is how every full-duplex client (websockets, chat, proxies) uses a TLS
socket.  A server thread echoes everything back; on the client, a writer
thread sends a known byte stream in chunks of 1 byte to 1 MiB while the main
thread reads with sizes from 1 byte to 1 MiB and checks every byte it gets
against the stream.  It exits 0 and prints a summary when the whole stream
came back intact, 1 on a wrong byte, a false end of stream or an exception,
and 2 when something hangs past its bound.  A crash kills the process, which
the caller (tests/test_threads.py) sees as a signal.

MODE is blocking, timeout or nonblocking (the client socket's mode; the
echo server always blocks); VERSION is 1.2 or 1.3; TRANSPORT is socketpair
or tcp.  Run by hand with a large SECONDS for a soak.
"""

import os
import random
import select
import socket
import sys
import threading
import time

BOUND = 30.0  # seconds any one wait may take before the run counts as hung
PERIOD = 65521  # the stream repeats with a prime period: no chunk size aligns
WRITE_SIZES = [1, 2, 7, 100, 1000, 4096, 16383, 16384, 16385, 65536, 300000, 1 << 20]
READ_SIZES = [1, 5, 100, 4096, 16384, 16385, 65536, 1 << 20]


class Stream(object):
    """The byte at offset i of the stream is PATTERN[i % PERIOD]."""

    def __init__(self, seed):
        rnd = random.Random(seed)
        block = bytes(rnd.getrandbits(8) for _ in range(PERIOD))
        reps = (max(WRITE_SIZES) + READ_SIZES[-1]) // PERIOD + 2
        self.data = block * reps

    def at(self, offset, size):
        start = offset % PERIOD
        return self.data[start : start + size]


def contexts(ssl, certdir, version):
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(
        os.path.join(certdir, "server.crt"), os.path.join(certdir, "server.key")
    )
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.load_verify_locations(os.path.join(certdir, "ca.pem"))
    v = ssl.TLSVersion.TLSv1_3 if version == "1.3" else ssl.TLSVersion.TLSv1_2
    client.minimum_version = client.maximum_version = v
    return server, client


def socket_pair(transport):
    if transport == "socketpair":
        return socket.socketpair()
    lsock = socket.create_server(("127.0.0.1", 0))
    a = socket.create_connection(lsock.getsockname())
    b, _ = lsock.accept()
    lsock.close()
    return a, b


def echo(sctx, raw, failures):
    try:
        raw.settimeout(BOUND)
        with sctx.wrap_socket(raw, server_side=True) as s:
            while True:
                data = s.recv(1 << 20)
                if not data:
                    return
                s.sendall(data)
    except Exception as exc:  # reported by the client's check
        failures.append("echo server: %r" % (exc,))


class Client(object):
    def __init__(self, ssl, tls, mode, stream, rnd, seconds):
        self.ssl, self.tls, self.mode = ssl, tls, mode
        self.stream, self.rnd, self.seconds = stream, rnd, seconds
        self.sent = None  # total bytes, once the writer is done
        self.failures = []

    def wait(self, want_write):
        """Non-blocking mode only: wait until the socket is ready."""
        r, w = ([], [self.tls]) if want_write else ([self.tls], [])
        if not any(select.select(r, w, [], BOUND)):
            raise TimeoutError("socket not ready within %s s" % BOUND)

    def send(self, chunk):
        if self.mode != "nonblocking":
            self.tls.sendall(chunk)
            return
        view = memoryview(chunk)
        while view:
            try:
                view = view[self.tls.send(view) :]
            except self.ssl.SSLWantWriteError:
                self.wait(True)
            except self.ssl.SSLWantReadError:
                self.wait(False)

    def recv(self, size):
        while True:
            try:
                return self.tls.recv(size)
            except self.ssl.SSLWantReadError:
                self.wait(False)
            except self.ssl.SSLWantWriteError:
                self.wait(True)

    def writer(self):
        offset, end = 0, time.monotonic() + self.seconds
        try:
            while time.monotonic() < end:
                size = self.rnd.choice(WRITE_SIZES)
                self.send(self.stream.at(offset, size))
                offset += size
            # The total is known before the last chunk goes out, so a reader
            # that finds `sent` unset always has bytes still on the way.
            self.sent = offset + 1
            self.send(self.stream.at(offset, 1))
        except Exception as exc:
            self.failures.append("writer at byte %d: %r" % (offset, exc))
            self.sent = offset

    def reader(self):
        """Read until the writer is done and all it sent is back."""
        got = 0
        while self.sent is None or got < self.sent:
            data = self.recv(self.rnd.choice(READ_SIZES))
            if not data:
                return got, "end of stream after %d bytes" % got
            if data != self.stream.at(got, len(data)):
                return got, "wrong bytes at offset %d" % got
            got += len(data)
        return got, None


def run(modname, certdir, mode, version, transport, seconds, seed):
    ssl = __import__(modname)
    sctx, cctx = contexts(ssl, certdir, version)
    a, b = socket_pair(transport)
    server_failures = []
    srv = threading.Thread(target=echo, args=(sctx, b, server_failures), daemon=True)
    srv.start()
    a.settimeout(BOUND)
    tls = cctx.wrap_socket(a, server_hostname="localhost")
    tls.settimeout({"blocking": None, "timeout": BOUND, "nonblocking": 0.0}[mode])
    client = Client(ssl, tls, mode, Stream(seed), random.Random(seed + 1), seconds)
    wr = threading.Thread(target=client.writer, daemon=True)
    t0 = time.monotonic()
    wr.start()
    try:
        got, problem = client.reader()
    except Exception as exc:
        got, problem = -1, "reader: %r" % (exc,)
    if problem is None:
        wr.join(BOUND)
        if wr.is_alive():
            print("HUNG: the writer did not finish")
            return 2
    problems = client.failures + server_failures + ([problem] if problem else [])
    if problems:
        print(
            "FAILED (%s %s %s seed %d) after %.1f s: %s"
            % (mode, version, transport, seed, time.monotonic() - t0, "; ".join(problems))
        )
        return 1
    tls.close()
    srv.join(BOUND)
    print(
        "ok: %s %s %s, %.1f MB both ways in %.1f s, %s"
        % (mode, version, transport, got / 1e6, time.monotonic() - t0, tls.version())
    )
    return 0


def main(argv):
    modname, certdir, mode, version, transport, seconds, seed = argv
    # Whatever hangs past every bound is a failure, not a stuck CI job.
    watchdog = threading.Timer(float(seconds) + 4 * BOUND, lambda: os._exit(2))
    watchdog.daemon = True
    watchdog.start()
    return run(modname, certdir, mode, version, transport, float(seconds), int(seed))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
