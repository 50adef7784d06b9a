#!/usr/bin/env python3
"""Heap an idle asyncio TLS connection pair keeps after bulk traffic.

    PYTHONPATH=/tmp/build python3 benchmarks/idle_after_bulk.py [PAIRS] [KIB]

Each side runs in its own process (switching pyssl in is process-wide):
PAIRS connection pairs (default 16) on one event loop each exchange 100
bytes, sit idle 2.5 s, then each end writes KIB KiB (default 1024) that
the other reads; after 2.5 s more of idleness (past pyssl.asyncio's
one-second sweeps), the line gives the heap in use (glibc's mallinfo2:
Python's and OpenSSL's allocations alike) per pair, less what it was
before the bulk traffic.

  stdlib            the stdlib's ssl under asyncio's SSLProtocol
  pyssl.asyncio     pyssl switched in (inject_into_stdlib)
  installed only    `import pyssl`, then pyssl.asyncio.install()
  stdlib BIOs       `import pyssl`, nothing installed: asyncio's protocol
                    over the stdlib's MemoryBIOs (csrc/stdlib_bio.c)
"""

import asyncio
import ctypes
import gc
import subprocess
import sys
import tempfile

from records import make_certs

SIDES = ("stdlib", "pyssl.asyncio", "installed only", "stdlib BIOs")


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost"
        ).split()
    ]


def heap_in_use():
    gc.collect()
    libc = ctypes.CDLL(None)
    libc.mallinfo2.restype = _MallInfo2
    info = libc.mallinfo2()
    return info.uordblks + info.hblkhd  # small blocks and mmap()ed ones


def load(side):
    if side == "stdlib":
        import ssl

        return ssl
    import pyssl
    import pyssl.asyncio

    if side == "pyssl.asyncio":
        pyssl.inject_into_stdlib()
    elif side == "installed only" and not pyssl.asyncio.install():
        sys.exit("pyssl.asyncio declines on this interpreter")
    return pyssl


async def measure(ssl, certs, pairs, size):
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(certs[0])
    cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    cctx.load_verify_locations(certs[1])
    accepted = []

    async def handler(reader, writer):
        accepted.append((reader, writer))

    server = await asyncio.start_server(handler, "127.0.0.1", 0, ssl=sctx)
    port = server.sockets[0].getsockname()[1]
    clients = [
        await asyncio.open_connection("127.0.0.1", port, ssl=cctx, server_hostname="localhost")
        for _ in range(pairs)
    ]
    while len(accepted) < pairs:
        await asyncio.sleep(0.01)
    ends = list(zip(clients, accepted))
    for (c_reader, c_writer), (s_reader, s_writer) in ends:
        c_writer.write(b"x" * 100)
        await s_reader.readexactly(100)
        s_writer.write(b"y" * 100)
        await c_reader.readexactly(100)
    await asyncio.sleep(2.5)
    before = heap_in_use()
    blob = b"z" * size
    for (c_reader, c_writer), (s_reader, s_writer) in ends:
        s_writer.write(blob)
        await s_writer.drain()
        await c_reader.readexactly(size)
        c_writer.write(blob)
        await c_writer.drain()
        await s_reader.readexactly(size)
    del blob
    await asyncio.sleep(2.5)
    after = heap_in_use()
    for _, writer in clients + accepted:
        writer.close()
    server.close()
    await server.wait_closed()
    return (after - before) / pairs


def one_side(side, pairs, kib):
    ssl = load(side)
    with tempfile.TemporaryDirectory() as tmp:
        per_pair = asyncio.run(measure(ssl, make_certs(tmp), pairs, kib * 1024))
    print("%-16s %+8.1f KiB per pair" % (side, per_pair / 1024))


def main(argv):
    if argv and argv[0] == "--side":
        return one_side(argv[1], int(argv[2]), int(argv[3]))
    pairs = int(argv[0]) if argv else 16
    kib = int(argv[1]) if len(argv) > 1 else 1024
    print("%d pairs, %d KiB written by each end, then idle:" % (pairs, kib))
    for side in SIDES:
        cmd = [sys.executable, __file__, "--side", side, str(pairs), str(kib)]
        subprocess.run(cmd, check=False)


if __name__ == "__main__":
    main(sys.argv[1:])
