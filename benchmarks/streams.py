#!/usr/bin/env python3
"""Bulk over asyncio streams, pyssl's contexts against the stdlib's, in one
process.

    PYTHONPATH=/tmp/build python3 benchmarks/streams.py [--own-bios] [--write KIB] [BLOCKS]

Two connections, each a client and a server on one event loop: one with
the stdlib's contexts, one with pyssl's. They take turns sending a block
of 32 MiB (client writes of --write KiB, default 1024, each awaited with
drain(); the server reads 256 KiB at a time and answers one byte when the
block is in), CPU time per block. The line is the median, and the extremes,
of the stdlib/pyssl ratio over BLOCKS pairs (default 8, after 2 to warm
up): higher is better for pyssl.

By default pyssl's side is what a program that does `import pyssl as ssl`
without switching pyssl in gets: asyncio's SSLProtocol makes the stdlib's
MemoryBIOs, and pyssl's SSLObject carries the bytes between those and its
own (csrc/stdlib_bio.c). With --own-bios asyncio's SSLProtocol is bound to
pyssl around pyssl's blocks (as benchmarks/echo.py does), so it runs on
pyssl's MemoryBIOs: what PYSSL_ASYNCIO=0 gives when pyssl is switched in.
"""

import argparse
import asyncio
import os
import ssl as stdlib_ssl
import statistics
import tempfile
import time
from asyncio import sslproto

import trustme

import pyssl

BLOCK = 32 << 20


def contexts(module, cert_pem, ca_pem):
    server = module.SSLContext(module.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_pem)
    client = module.SSLContext(module.PROTOCOL_TLS_CLIENT)
    client.load_verify_locations(ca_pem)
    return server, client


class Side(object):
    def __init__(self, module, bind):
        self.module = module
        self.bind = bind

    def use(self):
        if self.bind:
            sslproto.ssl = self.module
            sslproto.SSLAgainErrors = (self.module.SSLWantReadError, self.module.SSLSyscallError)

    async def connect(self, certs):
        self.use()
        server_ctx, client_ctx = contexts(self.module, *certs)

        async def serve(reader, writer):
            while True:
                got = 0
                while got < BLOCK:
                    data = await reader.read(256 * 1024)
                    if not data:
                        return
                    got += len(data)
                writer.write(b"k")
                await writer.drain()

        self.server = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=server_ctx)
        port = self.server.sockets[0].getsockname()[1]
        self.reader, self.writer = await asyncio.open_connection(
            "127.0.0.1", port, ssl=client_ctx, server_hostname="localhost"
        )
        await asyncio.sleep(0.2)  # the server's side of the handshake

    async def block(self, chunk):
        self.use()
        t0 = time.process_time()
        for _ in range(BLOCK // len(chunk)):
            self.writer.write(chunk)
            await self.writer.drain()
        assert await self.reader.readexactly(1) == b"k"
        return time.process_time() - t0

    async def close(self):
        self.use()
        self.writer.close()
        self.server.close()
        await self.server.wait_closed()


async def measure(args, certs):
    chunk = b"x" * (args.write * 1024)
    stdlib_side = Side(stdlib_ssl, args.own_bios)
    pyssl_side = Side(pyssl, args.own_bios)
    for side in (stdlib_side, pyssl_side):
        await side.connect(certs)
    ratios = []
    for i in range(2 + args.blocks):
        ratio = await stdlib_side.block(chunk) / await pyssl_side.block(chunk)
        if i >= 2:
            ratios.append(ratio)
    for side in (stdlib_side, pyssl_side):
        await side.close()
    return ratios


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--own-bios", action="store_true")
    parser.add_argument("--write", type=int, default=1024, metavar="KIB")
    parser.add_argument("blocks", type=int, nargs="?", default=8)
    args = parser.parse_args()
    ca = trustme.CA()
    with tempfile.TemporaryDirectory() as tmp:
        certs = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "ca.pem")
        ca.issue_cert("localhost").private_key_and_cert_chain_pem.write_to_path(certs[0])
        ca.cert_pem.write_to_path(certs[1])
        ratios = asyncio.run(measure(args, certs))
    print(
        "stdlib on %s; pyssl on %s, %s"
        % (
            stdlib_ssl.OPENSSL_VERSION,
            pyssl.OPENSSL_VERSION,
            "pyssl's BIOs" if args.own_bios else "the stdlib's BIOs",
        )
    )
    print(
        "bulk, %d KiB writes: %.2fx (%.2f-%.2f)"
        % (args.write, statistics.median(ratios), min(ratios), max(ratios))
    )


if __name__ == "__main__":
    main()
