"""uvloop's TLS close on pyssl (issue 17, part 1).

uvloop's SSL protocol, written in Cython, stops reading once
MemoryBIO.pending and SSLObject.pending() are both 0, to skip the cost of
an SSLWantReadError.  If pyssl's reading on swallowed the peer's
close_notify, the server side of every TLS close waited for
ssl_shutdown_timeout and reported "SSL shutdown timed out".

The program runs in a child interpreter with pyssl switched in before
uvloop is imported (uvloop keeps references to the ssl module's classes),
as `python -m pyssl run` does.
"""

import subprocess
import sys
import textwrap

import pytest

from conftest import MODULE_NAME, TIMEOUT

pytest.importorskip("uvloop", reason="uvloop is not installed (pip install uvloop)")

PROGRAM = textwrap.dedent("""
    import asyncio, logging, sys
    modname, cafile, certfile, keyfile, shutdown_timeout = sys.argv[1:]
    if modname == "pyssl":
        import pyssl
        pyssl.inject_into_stdlib()
    import ssl, uvloop
    assert ssl.SSLContext.__module__.startswith(modname), ssl.SSLContext.__module__
    problems = []

    class Catch(logging.Handler):
        def emit(self, record):
            problems.append(record.getMessage())
    logging.getLogger("asyncio").addHandler(Catch())

    async def main():
        sctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        sctx.load_cert_chain(certfile, keyfile)
        cctx = ssl.create_default_context(cafile=cafile)
        closed = asyncio.Event()

        async def handler(reader, writer):
            writer.write(b"x" * 1000)
            writer.close()
            await writer.wait_closed()
            closed.set()

        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda l, ctx: problems.append(ctx["message"]))
        server = await asyncio.start_server(handler, "127.0.0.1", 0, ssl=sctx,
                                            ssl_shutdown_timeout=float(shutdown_timeout))
        port = server.sockets[0].getsockname()[1]
        for _ in range(3):
            closed.clear()
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", port, ssl=cctx, server_hostname="localhost")
            data = await reader.read()          # to the end of the stream
            assert data == b"x" * 1000, len(data)
            writer.close()
            await writer.wait_closed()
            await closed.wait()
        server.close()
        await server.wait_closed()

    uvloop.run(main())
    print("problems:", problems)
    sys.exit(1 if problems else 0)
""")


def test_server_side_tls_close_completes_under_uvloop(certs, tmp_path):
    script = tmp_path / "uvloop_close.py"
    script.write_text(PROGRAM)
    # The shutdown timeout is longer than the bound on the whole run: a
    # close that waits for it cannot pass.
    bound = 6 * TIMEOUT
    try:
        proc = subprocess.run(
            [
                sys.executable,
                str(script),
                MODULE_NAME,
                certs.cafile,
                certs.server_certfile,
                certs.server_keyfile,
                str(bound * 2),
            ],
            capture_output=True,
            text=True,
            timeout=bound,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("a TLS close under uvloop hung (SSL shutdown never completed)")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "problems: []" in proc.stdout
