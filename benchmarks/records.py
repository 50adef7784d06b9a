#!/usr/bin/env python3
"""Per-record SSLObject costs, pyssl against the stdlib, in one process.

    PYTHONPATH=/tmp/build python3 benchmarks/records.py [--stdlib-bios] [BLOCKS]

benchmarks/run.py times each side in its own process, and on a machine
whose speed drifts by 10-20% from one minute to the next a difference of
10% in a 1 us call drowns there.  Here both sides run in one interpreter,
in alternating blocks of 2,000 calls (CPU time), and each line is the
median, and the quartiles, of the stdlib/pyssl ratio over BLOCKS pairs
(default 55, after 5 to warm up): higher is better for pyssl.

  read64, read1k    one record fed to the incoming MemoryBIO, then
                    read(65536), as an event loop does (the records are
                    made outside the timed part)
  write64, write1k  write() of one record, then the outgoing BIO's read()
  wantread          read() on an empty incoming BIO: SSLWantReadError

With --stdlib-bios pyssl's side runs over the stdlib's MemoryBIOs, as
asyncio gives them to pyssl's contexts when pyssl is not switched in: each
call then carries the bytes between those and pyssl's own (the Shuttle,
csrc/stdlib_bio.c).

Both sides must run on the same OpenSSL for the ratio to be pyssl's own.
To compare on an OpenSSL the interpreter's _ssl was not built with, set
PYSSL_REFERENCE_SSL to a CPython _ssl extension built against it (ci/
build-reference-ssl.sh makes one for OpenSSL 3.5) and pyssl's build to the
same OpenSSL (and LD_LIBRARY_PATH to its lib/).
"""

import importlib.machinery
import importlib.util
import os
import statistics
import sys
import tempfile
import time

BLOCK = 2000
WARMUP = 5


def load_reference_ssl(path):
    """CPython's _ssl from path, in place of the interpreter's own."""
    loader = importlib.machinery.ExtensionFileLoader("_ssl", path)
    spec = importlib.util.spec_from_file_location("_ssl", path, loader=loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    sys.modules["_ssl"] = module


def make_certs(directory):
    import trustme

    ca = trustme.CA()
    ca.issue_cert("localhost").private_key_and_cert_chain_pem.write_to_path(
        os.path.join(directory, "server.pem")
    )
    ca.cert_pem.write_to_path(os.path.join(directory, "ca.pem"))
    return os.path.join(directory, "server.pem"), os.path.join(directory, "ca.pem")


def connected_pair(ssl, certs, bios=None):
    """A client and a server SSLObject after their handshake; returns the
    client, the server, the client's outgoing BIO and the server's incoming."""
    server_pem, ca_pem = certs
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(server_pem)
    cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    cctx.load_verify_locations(ca_pem)
    cin, cout, sin, sout = ((bios or ssl).MemoryBIO() for _ in range(4))
    client = cctx.wrap_bio(cin, cout, server_hostname="localhost")
    server = sctx.wrap_bio(sin, sout, server_side=True)
    for _ in range(20):
        done = 0
        for obj in (client, server):
            try:
                obj.do_handshake()
                done += 1
            except ssl.SSLWantReadError:
                pass
            sin.write(cout.read())
            cin.write(sout.read())
        if done == 2:
            return client, server, cout, sin
    raise RuntimeError("handshake did not finish")


def block_read(ssl, conn, size):
    client, server, cout, sin = conn
    data = b"x" * size
    records = []
    for _ in range(BLOCK):
        client.write(data)
        records.append(cout.read())
    feed, read = sin.write, server.read
    t0 = time.process_time()
    for record in records:
        feed(record)
        read(65536)
    return time.process_time() - t0


def block_write(ssl, conn, size):
    client, _, cout, _ = conn
    data = b"x" * size
    write, take = client.write, cout.read
    t0 = time.process_time()
    for _ in range(BLOCK):
        write(data)
        take()
    return time.process_time() - t0


def block_wantread(ssl, conn, size):
    read, want = conn[0].read, ssl.SSLWantReadError
    t0 = time.process_time()
    for _ in range(BLOCK):
        try:
            read(65536)
        except want:
            pass
    return time.process_time() - t0


CASES = (
    ("read64", block_read, 64),
    ("read1k", block_read, 1024),
    ("write64", block_write, 64),
    ("write1k", block_write, 1024),
    ("wantread", block_wantread, 0),
)


def main(argv):
    stdlib_bios = "--stdlib-bios" in argv
    argv = [a for a in argv if a != "--stdlib-bios"]
    blocks = int(argv[0]) if argv else 55
    reference = os.environ.get("PYSSL_REFERENCE_SSL")
    if reference:
        load_reference_ssl(reference)
    import ssl

    import pyssl

    print(
        "stdlib on %s; pyssl on %s%s"
        % (ssl.OPENSSL_VERSION, pyssl.OPENSSL_VERSION, ", over the stdlib's BIOs" * stdlib_bios)
    )
    with tempfile.TemporaryDirectory() as tmp:
        certs = make_certs(tmp)
        for name, block, size in CASES:
            std_conn = connected_pair(ssl, certs)
            our_conn = connected_pair(pyssl, certs, ssl if stdlib_bios else None)
            ratios = []
            for i in range(WARMUP + blocks):
                ratio = block(ssl, std_conn, size) / block(pyssl, our_conn, size)
                if i >= WARMUP:
                    ratios.append(ratio)
            low, _, high = statistics.quantiles(ratios, n=4)
            print(
                "%-9s %.2fx (quartiles %.2f-%.2f)" % (name, statistics.median(ratios), low, high)
            )


if __name__ == "__main__":
    main(sys.argv[1:])
