"""Soak for asyncio over pyssl: many TLS connections opened and closed on
the default asyncio loop leave no transport, file descriptor or memory.

    PYTHONPATH=BUILD:src python tests/asyncio_soak.py [-n 10000]
        [--batch 10] [--max-growth-mb 4] [--module ssl]

pyssl is injected as a program would inject it, so on 3.11+ its asyncio TLS
protocol (pyssl.asyncio) carries every connection; --module ssl runs the
same loop on the stdlib, for comparison. One echo server (asyncio streams);
clients connect --batch at a time, each sends 1 KiB, reads it back, and
closes with close_notify (wait_closed). After a tenth of the run (the
warm-up) and at the end it samples, after gc.collect(): resident memory
(VmRSS), open file descriptors, and live SSLProtocol objects and
transports. It exits 1 if RSS grew by more than --max-growth-mb between
the two samples, if any descriptor or protocol object outlived its
connection, or if the TLS protocol in use is not the one expected.
"""

import argparse
import asyncio
import gc
import os
import sys
import tempfile

from soak import rss_kb  # tests/soak.py, beside this file

TIMEOUT = 20.0
PAYLOAD = os.urandom(1024)


def live_tls_objects():
    """SSLProtocol instances (asyncio's or pyssl's) and their transports."""
    gc.collect()
    names = ("SSLProtocol", "_SSLProtocolTransport")
    return sum(type(o).__name__ in names for o in gc.get_objects())


def sample():
    return {
        "rss_kb": rss_kb(),
        "fds": len(os.listdir("/proc/self/fd")),
        "tls_objects": live_tls_objects(),
    }


def make_contexts(ssl, tmp):
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("localhost")
    cafile = os.path.join(tmp, "ca.pem")
    pem = os.path.join(tmp, "server.pem")
    ca.cert_pem.write_to_path(cafile)
    cert.private_key_and_cert_chain_pem.write_to_path(pem)
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(pem)
    client = ssl.create_default_context(cafile=cafile)
    return server, client


async def echo(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    finally:
        writer.close()


async def one_client(port, client_ctx, used):
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", port, ssl=client_ctx, server_hostname="localhost"
    )
    used.add(type(writer.transport._ssl_protocol).__module__)
    writer.write(PAYLOAD)
    await writer.drain()
    if await reader.readexactly(len(PAYLOAD)) != PAYLOAD:
        raise AssertionError("echo differs")
    writer.close()
    await writer.wait_closed()


async def soak(args, server_ctx, client_ctx):
    srv = await asyncio.start_server(echo, "127.0.0.1", 0, ssl=server_ctx)
    port = srv.sockets[0].getsockname()[1]
    used = set()
    warm = max(args.batch, args.n // 10)
    samples = []
    done = 0
    while done < args.n:
        if not samples and done >= warm:
            await asyncio.sleep(0.05)  # let the server finish its closes
            samples.append(sample())
        count = min(args.batch, args.n - done)
        clients = [one_client(port, client_ctx, used) for _ in range(count)]
        await asyncio.wait_for(asyncio.gather(*clients), TIMEOUT)
        done += count
    srv.close()
    await srv.wait_closed()
    await asyncio.sleep(0.05)
    return used, samples


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=10000, help="connections (default 10000)")
    ap.add_argument("--batch", type=int, default=10, help="connections at a time")
    ap.add_argument("--max-growth-mb", type=float, default=4.0)
    ap.add_argument("--module", default="pyssl", choices=["pyssl", "ssl"])
    args = ap.parse_args()
    if args.module == "pyssl":
        import pyssl

        pyssl.inject_into_stdlib()  # and so, on 3.11+, pyssl.asyncio
    import ssl

    expected = "asyncio.sslproto"
    if args.module == "pyssl" and sys.version_info >= (3, 11):
        if os.environ.get("PYSSL_ASYNCIO") != "0":
            expected = "pyssl.asyncio"
    with tempfile.TemporaryDirectory() as tmp:
        server_ctx, client_ctx = make_contexts(ssl, tmp)
    before = sample()
    used, samples = asyncio.run(soak(args, server_ctx, client_ctx))
    samples.append(sample())
    warm, end = samples[0], samples[-1]
    growth_mb = (end["rss_kb"] - warm["rss_kb"]) / 1024.0
    print("module %s, protocol %s, %d connections" % (args.module, sorted(used), args.n))
    print("before %s" % before)
    print("warm   %s" % warm)
    print("end    %s" % end)
    print("RSS growth after warm-up: %.2f MB (bound %.1f)" % (growth_mb, args.max_growth_mb))
    failures = []
    if used != {expected}:
        failures.append("protocol in use %s, expected %s" % (sorted(used), expected))
    if growth_mb > args.max_growth_mb:
        failures.append("RSS grew %.2f MB" % growth_mb)
    if end["fds"] > before["fds"]:
        failures.append("%d file descriptors more than before" % (end["fds"] - before["fds"]))
    if end["tls_objects"]:
        failures.append("%d SSLProtocol objects still alive" % end["tls_objects"])
    for failure in failures:
        print("FAIL", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
