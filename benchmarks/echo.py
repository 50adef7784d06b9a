#!/usr/bin/env python3
"""The 256-byte asyncio echo, pyssl against the stdlib, in one process.

    PYTHONPATH=/tmp/build python3 benchmarks/echo.py [BLOCKS]

benchmarks/run.py gives each side its own process, and on a machine whose
speed drifts by 10-20% from one minute to the next its echo ratio scattered
from 1.2x to 1.5x between runs.  Here three connections live on one event
loop, each a client and a server in this process, and take turns: blocks
of 1,000 round trips (a 256-byte write, then readexactly() of the echo),
CPU time, one block per side in turn.  Each line is the median, and the
quartiles, of the stdlib/pyssl ratio over BLOCKS rounds (default 60, after
a warm-up): higher is better for pyssl.

  pyssl.asyncio     pyssl's contexts under pyssl's asyncio protocol
  asyncio's own     pyssl's contexts under asyncio's SSLProtocol
                    (what PYSSL_ASYNCIO=0 gives)
  stdlib BIOs       pyssl's contexts under asyncio's SSLProtocol bound to
                    the stdlib's ssl, as a program that does `import pyssl
                    as ssl` without switching pyssl in gets: its SSLObjects
                    work over the stdlib's MemoryBIOs (csrc/stdlib_bio.c)
  installed only    the same program after pyssl.asyncio.install(): its
                    protocol moves each connection onto pyssl's own BIOs
  no TLS            plain TCP on the same loop: the ceiling, what a TLS
                    layer that cost nothing would reach

against the stdlib's contexts under asyncio's SSLProtocol.

asyncio.sslproto names the ssl module it was imported with (for its
MemoryBIOs and the exceptions it catches), so each block points those
names at its own side's module first.  Only one connection moves at a time,
and nothing arrives on the others between their blocks.

Both sides run on the same OpenSSL only if the interpreter's _ssl and
pyssl were built against the same one; the first line says which.
PYSSL_REFERENCE_SSL works as in benchmarks/records.py.
"""

import asyncio
import contextlib
import os
import statistics
import sys
import tempfile
import time

if sys.version_info < (3, 11):
    sys.exit("benchmarks/echo.py: pyssl.asyncio needs Python 3.11+")

if os.environ.get("PYSSL_REFERENCE_SSL"):
    from records import load_reference_ssl

    load_reference_ssl(os.environ["PYSSL_REFERENCE_SSL"])

import ssl as stdlib_ssl  # noqa: E402
from asyncio import sslproto  # noqa: E402

import pyssl  # noqa: E402
import pyssl.asyncio  # noqa: E402

ROUNDS = 1000
MESSAGE = b"x" * 256


def make_certs(directory):
    import trustme

    ca = trustme.CA()
    server_pem = os.path.join(directory, "server.pem")
    ca_pem = os.path.join(directory, "ca.pem")
    ca.issue_cert("localhost").private_key_and_cert_chain_pem.write_to_path(server_pem)
    ca.cert_pem.write_to_path(ca_pem)
    return server_pem, ca_pem


def use(module):
    """Point asyncio.sslproto's ssl names at module for what follows."""
    sslproto.ssl = module
    sslproto.SSLAgainErrors = (module.SSLWantReadError, module.SSLSyscallError)


async def echo(reader, writer):
    while True:
        data = await reader.read(65536)
        if not data:
            break
        writer.write(data)
    writer.close()


class Side:
    """One TLS connection over loopback, both of its ends on this loop."""

    def __init__(self, name, module, ours, asyncio_ssl=None):
        self.name, self.module, self.ours = name, module, ours
        # the ssl module asyncio.sslproto uses (MemoryBIOs, exceptions)
        self.asyncio_ssl = asyncio_ssl or module

    async def open(self, certs):
        if self.module is None:
            return await self.open_plain()
        use(self.asyncio_ssl)
        with pyssl.asyncio.installed() if self.ours else contextlib.nullcontext():
            sctx = self.module.SSLContext(self.module.PROTOCOL_TLS_SERVER)
            sctx.load_cert_chain(certs[0])
            cctx = self.module.SSLContext(self.module.PROTOCOL_TLS_CLIENT)
            cctx.load_verify_locations(certs[1])
            self.server = await asyncio.start_server(echo, "127.0.0.1", 0, ssl=sctx)
            port = self.server.sockets[0].getsockname()[1]
            self.reader, self.writer = await asyncio.open_connection(
                "127.0.0.1", port, ssl=cctx, server_hostname="localhost"
            )
        protocol = self.writer.transport._ssl_protocol
        if (type(protocol).__module__ == "pyssl.asyncio") != self.ours:
            raise RuntimeError("%s runs on %s" % (self.name, type(protocol)))
        if self.ours and protocol._pyssl_pipe is None:
            raise RuntimeError("%s runs without the C data path" % self.name)
        core = type(self.writer.get_extra_info("ssl_object")._sslobj)
        if (core is pyssl._ssl._Shuttle) != (self.asyncio_ssl is not self.module):
            raise RuntimeError("%s's SSLObject works over %s" % (self.name, core))
        await self.block(200)  # the session tickets, and a warm-up

    async def open_plain(self):
        self.server = await asyncio.start_server(echo, "127.0.0.1", 0)
        port = self.server.sockets[0].getsockname()[1]
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", port)
        await self.block(200)

    async def block(self, rounds=ROUNDS):
        use(self.asyncio_ssl)
        write, readexactly = self.writer.write, self.reader.readexactly
        t0 = time.process_time()
        for _ in range(rounds):
            write(MESSAGE)
            await readexactly(len(MESSAGE))
        return time.process_time() - t0

    async def close(self):
        use(self.asyncio_ssl)
        self.writer.close()
        await self.writer.wait_closed()
        self.server.close()
        await self.server.wait_closed()


async def run(certs, blocks):
    if not pyssl.asyncio.install():
        raise RuntimeError("pyssl.asyncio cannot hook this asyncio")
    pyssl.asyncio.uninstall()
    stdlib = Side("stdlib", stdlib_ssl, False)
    ours = Side("pyssl.asyncio", pyssl, True)
    plain = Side("asyncio's own", pyssl, False)
    foreign = Side("stdlib BIOs", pyssl, False, stdlib_ssl)
    explicit = Side("installed only", pyssl, True, stdlib_ssl)
    bare = Side("no TLS", None, False, stdlib_ssl)
    sides = (stdlib, ours, plain, foreign, explicit, bare)
    for side in sides:
        await side.open(certs)
    ratios = {side: [] for side in sides[1:]}
    try:
        for _ in range(blocks):
            base = await stdlib.block()
            for side in ratios:
                ratios[side].append(base / await side.block())
    finally:
        for side in sides:
            await side.close()
        use(stdlib_ssl)
    for side, values in ratios.items():
        q = statistics.quantiles(values, n=4)
        print(
            "%-16s %.2fx (quartiles %.2f-%.2f)"
            % (side.name, statistics.median(values), q[0], q[2])
        )


def main(argv):
    blocks = int(argv[0]) if argv else 60
    print("stdlib on %s; pyssl on %s" % (stdlib_ssl.OPENSSL_VERSION, pyssl.OPENSSL_VERSION))
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(make_certs(tmp), blocks))


if __name__ == "__main__":
    main(sys.argv[1:])
