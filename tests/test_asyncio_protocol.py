"""pyssl's asyncio TLS protocol (pyssl.asyncio, issue 17 part 4).

Every test runs real TLS connections over 127.0.0.1 on the default asyncio
loop with pyssl injected and its protocol installed, and checks that the
connection really went through the C data path (_AioPipe).
"""

import asyncio
import gc
import os
import socket
import struct
import subprocess
import sys
import textwrap
import time
import warnings
import weakref

import pytest

from conftest import HOST, TIMEOUT, UNDER_STDLIB, is_bad_record

pytestmark = pytest.mark.skipif(UNDER_STDLIB, reason="pyssl's own asyncio protocol")
# Before 3.11 asyncio's SSLProtocol is the older design, which install()
# does not hook (yet): there it must decline, which the last test checks.
NEEDS_311 = pytest.mark.skipif(sys.version_info < (3, 11), reason="install() declines before 3.11")


@pytest.fixture(scope="module")
def tls():
    import pyssl
    import pyssl.asyncio as pa

    if sys.version_info < (3, 11):
        pytest.skip("install() declines before 3.11 (test_declines_before_311)")
    pyssl.inject_into_stdlib()
    assert pa.install()
    try:
        yield pyssl
    finally:
        pa.uninstall()
        pyssl.extract_from_stdlib()


@pytest.fixture
def ctxs(tls, certs):
    server = tls.SSLContext(tls.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(certs.server_certfile, certs.server_keyfile)
    client = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
    client.load_verify_locations(cafile=certs.cafile)
    return server, client


def run(coro):
    async def bounded():
        return await asyncio.wait_for(coro, TIMEOUT)

    return asyncio.run(bounded())


def assert_ours(writer):
    proto = writer.transport._ssl_protocol
    assert type(proto).__module__ == "pyssl.asyncio"
    pipe = proto._pyssl_pipe
    assert pipe is not None
    # The data phase runs in C: the pipe takes the application's writes
    # and, over a socket, reads the socket itself.
    assert writer.transport.write == pipe.write
    if isinstance(proto._transport, asyncio.selector_events._SelectorSocketTransport):
        assert proto._transport._read_ready_cb == pipe.read_ready


async def echo_server(server_ctx, **kw):
    async def handle(reader, writer):
        while True:
            data = await reader.read(1 << 20)
            if not data:
                break
            writer.write(data)
            await writer.drain()
        writer.close()

    return await asyncio.start_server(handle, HOST, 0, ssl=server_ctx, **kw)


async def connect(srv, client_ctx, **kw):
    port = srv.sockets[0].getsockname()[1]
    return await asyncio.open_connection(
        HOST, port, ssl=client_ctx, server_hostname="localhost", **kw
    )


async def connect_protocol(srv, client_ctx, factory):
    """A client connection to srv, driven by a protocol from factory."""
    port = srv.sockets[0].getsockname()[1]
    return await asyncio.get_running_loop().create_connection(
        factory, HOST, port, ssl=client_ctx, server_hostname="localhost"
    )


SIZES = [1, 2, 255, 256, 1000, 16383, 16384, 16385, 65536, 100000, 1 << 20]


def test_echo_byte_exact(ctxs):
    server_ctx, client_ctx = ctxs

    async def main():
        srv = await echo_server(server_ctx)
        reader, writer = await connect(srv, client_ctx)
        assert_ours(writer)
        for n in SIZES:
            payload = os.urandom(n)
            writer.write(payload)
            await writer.drain()
            assert await reader.readexactly(n) == payload
        # Many small writes in one turn: one batch, every byte in order.
        parts = [os.urandom(i % 300 + 1) for i in range(500)]
        writer.writelines(parts)
        await writer.drain()
        total = b"".join(parts)
        assert await reader.readexactly(len(total)) == total
        writer.close()
        await writer.wait_closed()
        srv.close()
        await srv.wait_closed()

    run(main())


def test_server_side_uses_pipe_and_sees_eof(ctxs):
    server_ctx, client_ctx = ctxs
    seen = []

    async def main():
        done = asyncio.get_running_loop().create_future()

        async def handle(reader, writer):
            assert_ours(writer)
            seen.append(await reader.read())  # to the peer's close_notify
            writer.write(b"bye")
            await writer.drain()
            writer.close()
            done.set_result(None)

        srv = await asyncio.start_server(handle, HOST, 0, ssl=server_ctx)
        reader, writer = await connect(srv, client_ctx)
        writer.write(b"a" * 70000)
        await writer.drain()
        # TLS has no half close: the client closes, the server reads EOF.
        writer.close()
        await writer.wait_closed()
        await done
        srv.close()
        await srv.wait_closed()

    run(main())
    assert seen == [b"a" * 70000]


def test_server_close_notify_reaches_client(ctxs):
    server_ctx, client_ctx = ctxs

    async def main():
        async def handle(reader, writer):
            writer.write(b"x" * 1000)
            writer.close()
            await writer.wait_closed()

        srv = await asyncio.start_server(
            handle, HOST, 0, ssl=server_ctx, ssl_shutdown_timeout=TIMEOUT
        )
        reader, writer = await connect(srv, client_ctx)
        assert await reader.read() == b"x" * 1000  # ends at close_notify
        writer.close()
        await writer.wait_closed()
        srv.close()
        await srv.wait_closed()

    run(main())


class BufferedApp(asyncio.BufferedProtocol):
    """Collects plaintext through a small buffer of its own."""

    def __init__(self, bufsize):
        self.buf = bytearray(bufsize)
        self.got = bytearray()
        self.sizes = []
        self.eof = None
        self.made = None
        self.lost = None

    def connection_made(self, transport):
        self.transport = transport
        loop = asyncio.get_running_loop()
        self.eof = loop.create_future()
        self.made_fut = loop.create_future()
        self.made_fut.set_result(None)

    def get_buffer(self, sizehint):
        return self.buf

    def buffer_updated(self, nbytes):
        self.sizes.append(nbytes)
        self.got += self.buf[:nbytes]

    def eof_received(self):
        self.eof.set_result(bytes(self.got))

    def connection_lost(self, exc):
        if not self.eof.done():
            self.eof.set_exception(exc or ConnectionError("lost"))


def test_buffered_protocol_gets_plaintext_in_its_buffer(ctxs):
    server_ctx, client_ctx = ctxs
    payload = os.urandom(300000)

    async def main():
        async def handle(reader, writer):
            writer.write(payload)
            await writer.drain()
            writer.close()

        srv = await asyncio.start_server(handle, HOST, 0, ssl=server_ctx)
        transport, app = await connect_protocol(srv, client_ctx, lambda: BufferedApp(4096))
        assert transport._ssl_protocol._pyssl_pipe is not None
        got = await app.eof
        transport.close()
        srv.close()
        await srv.wait_closed()
        return got, app.sizes

    got, sizes = run(main())
    assert got == payload
    assert max(sizes) <= 4096


def test_pause_and_resume_writing_with_water_marks(ctxs):
    server_ctx, client_ctx = ctxs
    events = []

    class Writer(asyncio.Protocol):
        def connection_made(self, transport):
            self.transport = transport

        def pause_writing(self):
            events.append(("pause", self.transport.get_write_buffer_size()))

        def resume_writing(self):
            events.append(("resume", self.transport.get_write_buffer_size()))

    async def main():
        release = asyncio.Event()
        sent = [0]
        got = asyncio.get_running_loop().create_future()

        async def handle(reader, writer):
            await release.wait()  # nobody reads: the client's buffers fill
            total, n = sent[0], 0
            while n < total:
                data = await reader.read(1 << 16)
                if not data:
                    break
                n += len(data)
            got.set_result(n)
            writer.close()

        srv = await asyncio.start_server(handle, HOST, 0, ssl=server_ctx)
        transport, _ = await connect_protocol(srv, client_ctx, Writer)
        transport.set_write_buffer_limits(high=65536, low=16384)
        assert transport.get_write_buffer_limits() == (16384, 65536)
        # Write until the buffers are full: how much the kernel's loopback
        # buffers absorb first depends on the machine (autotuning).
        while not events and sent[0] < 256 << 20:
            transport.write(b"w" * 65536)
            sent[0] += 65536
            await asyncio.sleep(0)
        assert events and events[0][0] == "pause" and events[0][1] >= 65536
        for _ in range(8):  # and some more while paused
            transport.write(b"w" * 65536)
            sent[0] += 65536
        release.set()
        assert await got == sent[0]
        transport.close()
        srv.close()
        await srv.wait_closed()

    run(main())
    assert "resume" in [e[0] for e in events]
    resumed = [size for what, size in events if what == "resume"]
    assert all(size <= 16384 for size in resumed)


def test_writes_are_checked_and_sent_as_asyncios_protocol_does(ctxs, tls):
    import pyssl.asyncio as pa

    server_ctx, client_ctx = ctxs

    async def main():
        got = asyncio.get_running_loop().create_future()

        async def handle(reader, writer):
            got.set_result(await reader.read())
            writer.close()

        srv = await asyncio.start_server(handle, HOST, 0, ssl=server_ctx)
        reader, writer = await connect(srv, client_ctx)
        transport = writer.transport
        outcomes = []
        for bad in ("text", 7, None, [b"x"]):
            try:
                transport.write(bad)
            except TypeError as exc:
                outcomes.append(str(exc))
        transport.write(b"")
        transport.write(b"bytes,")
        transport.write(bytearray(b"bytearray,"))
        transport.write(memoryview(b"..memoryview")[2:])
        await writer.drain()
        writer.close()
        await writer.wait_closed()
        transport.write(b"after close")  # counted and dropped, no error
        srv.close()
        await srv.wait_closed()
        module = type(transport._ssl_protocol).__module__
        return module, outcomes, await got

    ours = run(main())
    pa.uninstall()
    try:
        theirs = run(main())
    finally:
        assert pa.install()
    assert ours[0] == "pyssl.asyncio" and theirs[0] == "asyncio.sslproto"
    assert ours[1:] == theirs[1:]
    assert ours[2] == b"bytes,bytearray,memoryview"
    assert ours[1][0] == "data: expecting a bytes-like instance, got str"


def test_the_context_goes_when_the_connection_does(ctxs, tls):
    # An application may keep its transport (in its protocol, say) after
    # the connection is closed; once asyncio's transport lets go of the
    # protocol (a second close() does), the SSL object and its context
    # must not stay with it.  CPython's test_asyncio checks the same,
    # without a gc.collect(): no reference cycle may hold them either.
    import pyssl.asyncio as pa

    server_ctx, _ = ctxs
    ca = ctxs[1]

    class Keeper(asyncio.Protocol):
        def connection_made(self, transport):
            self.transport = transport

        def data_received(self, data):
            self.got = data

    async def main():
        client_ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
        client_ctx.load_verify_locations(cadata=ca.get_ca_certs(binary_form=True)[0])

        async def handle(reader, writer):
            writer.write(b"hello")
            await reader.read()
            writer.close()

        srv = await asyncio.start_server(handle, HOST, 0, ssl=server_ctx)
        loop = asyncio.get_running_loop()
        transport, app = await connect_protocol(srv, client_ctx, Keeper)
        while not getattr(app, "got", None):
            await asyncio.sleep(0.01)
        transport.write(b"bye")
        lost = loop.create_future()
        app.connection_lost = lambda exc: lost.set_result(exc)
        transport.close()
        await lost
        transport.close()
        await asyncio.sleep(0.05)
        srv.close()
        await srv.wait_closed()
        return type(transport).__module__, weakref.ref(client_ctx), app

    gc.collect()
    gc.disable()
    try:
        results = [run(main())]
        pa.uninstall()
        try:
            results.append(run(main()))
        finally:
            assert pa.install()
    finally:
        gc.enable()
    for module, ref, app in results:
        assert app.transport is not None  # still kept
        assert ref() is None, module


def test_pause_reading_stops_delivery(ctxs):
    server_ctx, client_ctx = ctxs

    class Reader(asyncio.Protocol):
        def __init__(self):
            self.got = bytearray()

        def connection_made(self, transport):
            self.transport = transport

        def data_received(self, data):
            self.got += data

    async def main():
        async def handle(reader, writer):
            writer.write(b"1" * 1000)
            await writer.drain()
            await asyncio.sleep(0.1)
            writer.write(b"2" * 1000)
            await writer.drain()
            await reader.read()
            writer.close()

        srv = await asyncio.start_server(handle, HOST, 0, ssl=server_ctx)
        transport, app = await connect_protocol(srv, client_ctx, Reader)
        while len(app.got) < 1000:
            await asyncio.sleep(0.01)
        transport.pause_reading()
        assert not transport.is_reading()
        await asyncio.sleep(0.3)
        assert bytes(app.got) == b"1" * 1000
        transport.resume_reading()
        while len(app.got) < 2000:
            await asyncio.sleep(0.01)
        assert bytes(app.got) == b"1" * 1000 + b"2" * 1000
        transport.close()
        srv.close()
        await srv.wait_closed()

    run(main())


def test_start_tls_upgrades_a_plain_connection(ctxs):
    server_ctx, client_ctx = ctxs

    async def main():
        async def handle(reader, writer):
            assert await reader.readexactly(8) == b"STARTTLS"
            writer.write(b"OK")
            await writer.drain()
            await writer.start_tls(server_ctx)
            assert_ours(writer)
            data = await reader.readexactly(5)
            writer.write(data.upper())
            await writer.drain()
            writer.close()

        srv = await asyncio.start_server(handle, HOST, 0)
        port = srv.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection(HOST, port)
        writer.write(b"STARTTLS")
        assert await reader.readexactly(2) == b"OK"
        await writer.start_tls(client_ctx, server_hostname="localhost")
        assert_ours(writer)
        writer.write(b"hello")
        assert await reader.readexactly(5) == b"HELLO"
        writer.close()
        srv.close()
        await srv.wait_closed()

    if sys.version_info < (3, 11):
        pytest.skip("StreamWriter.start_tls is 3.11+")
    run(main())


def test_tls_over_tls(ctxs):
    server_ctx, client_ctx = ctxs

    async def main():
        async def handle(reader, writer):
            assert await reader.readexactly(5) == b"INNER"
            await writer.start_tls(server_ctx)
            data = await reader.readexactly(100000)
            writer.write(data[::-1])
            await writer.drain()
            writer.close()

        srv = await asyncio.start_server(handle, HOST, 0, ssl=server_ctx)
        reader, writer = await connect(srv, client_ctx)
        writer.write(b"INNER")
        await writer.drain()
        await writer.start_tls(client_ctx, server_hostname="localhost")
        assert_ours(writer)
        payload = os.urandom(100000)
        writer.write(payload)
        assert await reader.readexactly(100000) == payload[::-1]
        writer.close()
        srv.close()
        await srv.wait_closed()

    run(main())


def test_bad_certificate_reaches_the_caller(ctxs, tls):
    server_ctx, _ = ctxs
    untrusting = tls.create_default_context()  # does not know our test CA

    async def main():
        srv = await echo_server(server_ctx)
        try:
            with pytest.raises(tls.SSLCertVerificationError):
                await connect(srv, untrusting)
        finally:
            srv.close()
            await srv.wait_closed()

    run(main())


def test_handshake_timeout(ctxs):
    _, client_ctx = ctxs

    async def main():
        async def silent(reader, writer):
            await reader.read()  # never answers the ClientHello
            writer.close()

        srv = await asyncio.start_server(silent, HOST, 0)
        port = srv.sockets[0].getsockname()[1]
        with pytest.raises((ConnectionAbortedError, asyncio.TimeoutError, TimeoutError)):
            await asyncio.open_connection(
                HOST, port, ssl=client_ctx, server_hostname="localhost", ssl_handshake_timeout=0.3
            )
        srv.close()
        await srv.wait_closed()

    run(main())


def handshaken_peer(lsock, server_ctx, tls):
    """Accept one connection and do the server handshake over memory BIOs
    on the raw socket: returns (sock, sslobj, outgoing) for the test to
    send records, or half of one, by hand."""
    conn, _ = lsock.accept()
    conn.settimeout(TIMEOUT)
    inc, out = tls.MemoryBIO(), tls.MemoryBIO()
    obj = server_ctx.wrap_bio(inc, out, server_side=True)
    while True:
        try:
            obj.do_handshake()
            break
        except tls.SSLWantReadError:
            if out.pending:
                conn.sendall(out.read())
            data = conn.recv(65536)
            if not data:
                raise ConnectionError("client left during the handshake")
            inc.write(data)
    if out.pending:
        conn.sendall(out.read())
    return conn, obj, out


class Recorder(asyncio.Protocol):
    def __init__(self):
        self.got = bytearray()
        self.lost = asyncio.get_running_loop().create_future()

    def data_received(self, data):
        self.got += data

    def connection_lost(self, exc):
        self.lost.set_result(exc)


async def with_raw_peer(server_ctx, client_ctx, tls, peer_actions, app_class=Recorder, **kw):
    lsock = socket.socket()
    lsock.bind((HOST, 0))
    lsock.listen(1)
    loop = asyncio.get_running_loop()

    def peer():
        conn, obj, out = handshaken_peer(lsock, server_ctx, tls)
        return peer_actions(conn, obj, out)

    peer_fut = loop.run_in_executor(None, peer)
    try:
        transport, app = await loop.create_connection(
            app_class,
            HOST,
            lsock.getsockname()[1],
            ssl=client_ctx,
            server_hostname="localhost",
            **kw,
        )
        conn = await peer_fut
        return transport, app, conn
    finally:
        lsock.close()


def test_shutdown_timeout_when_peer_never_answers(ctxs, tls):
    server_ctx, client_ctx = ctxs

    async def main():
        transport, app, conn = await with_raw_peer(
            server_ctx, client_ctx, tls, lambda conn, obj, out: conn, ssl_shutdown_timeout=0.3
        )
        transport.close()  # sends close_notify; the peer never answers
        try:
            return await app.lost
        finally:
            conn.close()

    exc = run(main())
    assert isinstance(exc, TimeoutError), exc


def test_peer_vanishes_mid_record(ctxs, tls):
    server_ctx, client_ctx = ctxs

    def send_and_vanish(conn, obj, out):
        obj.write(b"complete")
        conn.sendall(out.read())
        obj.write(b"x" * 5000)
        record = out.read()
        conn.sendall(record[: len(record) // 2])
        conn.close()
        return conn

    async def main():
        transport, app, _ = await with_raw_peer(server_ctx, client_ctx, tls, send_and_vanish)
        exc = await app.lost
        transport.close()
        return bytes(app.got), exc, transport.is_closing()

    got, exc, closing = run(main())
    assert got == b"complete"
    assert closing


# After a good record, bytes that are not the peer's records: a forged
# application-data record (right header, random body: the MAC fails) and
# plain text where a record header should be.
GARBAGE = {
    "forged_record": b"\x17\x03\x03\x00\x40" + os.urandom(64),
    "not_tls": b"HTTP/1.1 400 Bad Request\r\n\r\n",
}


class BufferedRecorder(asyncio.BufferedProtocol):
    """Recorder for a BufferedProtocol application (read_into's path)."""

    def __init__(self):
        self.got = bytearray()
        self.buf = bytearray(100)
        self.lost = asyncio.get_running_loop().create_future()

    def get_buffer(self, sizehint):
        return self.buf

    def buffer_updated(self, nbytes):
        self.got += self.buf[:nbytes]

    def connection_lost(self, exc):
        self.lost.set_result(exc)


class EchoRecorder(Recorder):
    """Writes back whatever it receives, from data_received()."""

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        super().data_received(data)
        self.transport.write(data)


@pytest.mark.parametrize("app_class", [Recorder, BufferedRecorder, EchoRecorder])
@pytest.mark.parametrize("garbage", sorted(GARBAGE))
def test_garbage_after_good_data_fails_the_connection_cleanly(ctxs, tls, garbage, app_class):
    # The data before the garbage is delivered, then the connection ends
    # with an SSLError in connection_lost: no hang (the peer keeps its end
    # open), no crash, and the transport closes.  asyncio's own protocol
    # drops the plaintext read before the error in the same chunk; a
    # byte that was authenticated is delivered here, as a socket's recv()
    # would return it before raising.  EchoRecorder answers it, on a
    # connection OpenSSL has already failed: that write must report the
    # bad record too, not OpenSSL's SSLEOFError for a dead connection.
    server_ctx, client_ctx = ctxs

    def good_then_garbage(conn, obj, out):
        obj.write(b"complete")
        conn.sendall(out.read() + GARBAGE[garbage])
        return conn

    async def main():
        transport, app, conn = await with_raw_peer(
            server_ctx, client_ctx, tls, good_then_garbage, app_class=app_class
        )
        try:
            exc = await app.lost
        finally:
            conn.close()
        return bytes(app.got), exc, transport.is_closing()

    got, exc, closing = run(main())
    assert got == b"complete"
    assert type(exc) is tls.SSLError, repr(exc)
    if garbage == "forged_record":
        assert is_bad_record(exc), repr(exc)
    assert closing


def test_a_write_after_a_read_parked_a_bad_record_raises_that_record(tls, ctxs):
    client, _, c_out, pipe = pipe_pair(tls, ctxs)
    client.write(b"good")
    wire = c_out.read() + GARBAGE["forged_record"]
    buf = pipe.get_buffer(0)
    buf[: len(wire)] = wire
    data, flags = pipe.feed_read(len(wire))
    assert data == b"good" and flags & _ssl_flag("FAILED")
    with pytest.raises(tls.SSLError) as info:
        pipe.encrypt_seq([b"reply"])
    assert type(info.value) is tls.SSLError and is_bad_record(info.value)


# Wire scripts for a raw peer after the handshake: what the client's
# application sees must be what asyncio's own protocol makes it see.
# ("data", b) encrypts a record, ("garbage", b) appends raw bytes,
# ("notify",) a close_notify, ("cut",) drops the second half of what is
# pending, ("flush",) sends it all in one sendall, ("sleep", s), ("fin",)
# half-closes and ("close",) closes the socket.
_D = ("data", b"d" * 1000)
_BIG = ("data", b"b" * 100000)
WIRE_SCRIPTS = {
    "data_then_close_notify": [_D, ("flush",), ("sleep", 0.1), ("notify",), ("flush",)],
    "data_and_close_notify_in_one_chunk": [_D, ("notify",), ("flush",)],
    "garbage_after_close_notify": [_D, ("notify",), ("garbage", b"xxxx"), ("flush",)],
    "data_then_fin": [_D, ("flush",), ("sleep", 0.1), ("fin",)],
    "data_and_fin_at_once": [_D, ("flush",), ("fin",)],
    "data_then_close": [_D, ("flush",), ("close",)],
    "data_then_reset": [_D, ("flush",), ("sleep", 0.1), ("reset",)],
    "big_data_and_close_notify": [_BIG, ("notify",), ("flush",)],
    "close_notify_alone": [("notify",), ("flush",), ("sleep", 0.1), ("fin",)],
    "half_a_record_then_fin": [_D, ("cut",), ("flush",), ("sleep", 0.1), ("fin",)],
    "forged_record_alone": [("garbage", b"\x17\x03\x03\x00\x10" + bytes(16)), ("flush",)],
    "garbage_in_a_later_chunk": [
        _D,
        ("flush",),
        ("sleep", 0.1),
        ("garbage", b"GET / HTTP/1.0\r\n\r\n"),
        ("flush",),
    ],
    "two_big_records_then_close_notify": [
        _BIG,
        _BIG,
        ("flush",),
        ("sleep", 0.1),
        ("notify",),
        ("flush",),
    ],
}


def play(conn, obj, out, script, tls):
    pending = b""
    for step in script:
        kind = step[0]
        if kind == "data":
            obj.write(step[1])
            pending += out.read()
        elif kind == "garbage":
            pending += step[1]
        elif kind == "notify":
            try:
                obj.unwrap()
            except tls.SSLWantReadError:
                pass
            pending += out.read()
        elif kind == "cut":
            pending = pending[: len(pending) // 2]
        elif kind == "flush":
            conn.sendall(pending)
            pending = b""
        elif kind == "sleep":
            time.sleep(step[1])
        elif kind == "fin":
            conn.shutdown(socket.SHUT_WR)
        elif kind == "close":
            conn.close()
        elif kind == "reset":  # close with an RST
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()
    return conn


class EventRecorder(asyncio.Protocol):
    """What an application sees: data (merged), eof, and how it ended."""

    def __init__(self):
        self.events = []
        self.lost = asyncio.get_running_loop().create_future()

    def data_received(self, data):
        if self.events and self.events[-1][0] == "data":
            self.events[-1] = ("data", self.events[-1][1] + len(data))
        else:
            self.events.append(("data", len(data)))

    def eof_received(self):
        self.events.append(("eof",))

    def connection_lost(self, exc):
        reason = getattr(exc, "reason", None)
        self.events.append(("lost", type(exc).__name__ if exc else None, reason))
        self.lost.set_result(None)


def wire_events(ctxs, tls, script):
    server_ctx, client_ctx = ctxs

    async def main():
        transport, app, conn = await with_raw_peer(
            server_ctx,
            client_ctx,
            tls,
            lambda conn, obj, out: play(conn, obj, out, script, tls),
            app_class=EventRecorder,
            ssl_shutdown_timeout=TIMEOUT / 2,
        )
        try:
            await app.lost
        finally:
            conn.close()
        return type(transport._ssl_protocol).__module__, app.events

    return run(main())


@pytest.mark.parametrize("name", sorted(WIRE_SCRIPTS))
def test_the_application_sees_what_asyncios_protocol_shows(ctxs, tls, name):
    import pyssl.asyncio as pa

    by, ours = wire_events(ctxs, tls, WIRE_SCRIPTS[name])
    assert by == "pyssl.asyncio"
    pa.uninstall()
    try:
        by, theirs = wire_events(ctxs, tls, WIRE_SCRIPTS[name])
        assert by == "asyncio.sslproto"
    finally:
        assert pa.install()
    assert ours == theirs
    assert ours[-1][0] == "lost"


def test_many_connections_leak_no_fds(ctxs):
    server_ctx, client_ctx = ctxs
    fd_dir = "/proc/self/fd"
    if not os.path.isdir(fd_dir):
        pytest.skip("needs /proc/self/fd")

    async def main():
        srv = await echo_server(server_ctx)
        for _ in range(150):
            reader, writer = await connect(srv, client_ctx)
            writer.write(b"ping")
            assert await reader.readexactly(4) == b"ping"
            writer.close()
            await writer.wait_closed()
        srv.close()
        await srv.wait_closed()

    run(main())  # warm up: lazily opened files (urandom, the loop's)
    gc.collect()
    before = len(os.listdir(fd_dir))
    run(main())
    gc.collect()
    assert len(os.listdir(fd_dir)) <= before


def live_protocols():
    gc.collect()
    return [o for o in gc.get_objects() if type(o).__name__ == "SSLProtocol"]


def test_cancelling_at_every_step_leaks_nothing(ctxs, tls):
    """A client's whole life (handshake, write and drain, read, close and
    wait_closed) cancelled after 0, 1, 2, ... turns of the loop, until one
    run completes: each await point in turn receives the CancelledError.
    Afterwards no descriptor and no SSLProtocol is left."""
    server_ctx, client_ctx = ctxs
    fd_dir = "/proc/self/fd"
    if not os.path.isdir(fd_dir):
        pytest.skip("needs /proc/self/fd")
    payload = os.urandom(200000)

    async def life(srv):
        reader, writer = await connect(srv, client_ctx)
        try:
            writer.write(payload)
            await writer.drain()
            assert await reader.readexactly(len(payload)) == payload
        finally:
            writer.close()
            await writer.wait_closed()

    async def main():
        errors = []
        asyncio.get_running_loop().set_exception_handler(lambda loop, ctx: errors.append(ctx))
        srv = await echo_server(server_ctx)
        cancelled = 0
        for turns in range(10000):
            task = asyncio.ensure_future(life(srv))
            for _ in range(turns):
                await asyncio.sleep(0)
            task.cancel()
            try:
                await task
                break  # it finished before the cancel came
            except asyncio.CancelledError:
                cancelled += 1
            except tls.SSLError as exc:
                # Cancelled in readexactly(), the close_notify goes out
                # while the echo still comes in: wait_closed() reports
                # OpenSSL's error, as it does on the stdlib.
                assert "APPLICATION_DATA_AFTER_CLOSE_NOTIFY" in str(exc)
                cancelled += 1
        # Transports closed by a cancel finish their close_notify (or its
        # timeout) on their own: give them the turns they need.
        for _ in range(100):
            await asyncio.sleep(0.01)
            if not any(
                type(p).__module__ == "pyssl.asyncio" and p._transport for p in live_protocols()
            ):
                break
        srv.close()
        await srv.wait_closed()
        return cancelled, errors

    run(main())  # warm up: lazily opened files (urandom, the loop's)
    gc.collect()
    before = len(os.listdir(fd_dir))
    cancelled, _ = run(main())
    assert cancelled > 10  # the life has that many await points at least
    assert live_protocols() == []
    assert len(os.listdir(fd_dir)) <= before


def test_event_loops_in_several_threads(ctxs, monkeypatch):
    """Four threads, each with its own event loop and server, all on the
    same two contexts; each thread's clients talk to the next thread's
    server, so every connection has its ends in two loops on two threads.
    Each loop sweeps its connections' buffers every 5 ms, so that keeping
    and freeing them runs amid the traffic.
    Run under ASAN (ci/asan.sh) and on 3.13t (ci/ft-check.sh) too."""
    import threading

    import pyssl.asyncio as pa

    monkeypatch.setattr(pa, "_SWEEP_SECONDS", 0.005)
    server_ctx, client_ctx = ctxs
    n_threads, conns = 4, 12
    ports = [None] * n_threads
    servers_up = threading.Barrier(n_threads)
    clients_done = threading.Barrier(n_threads)
    errors = []

    async def client(i, port, k):
        reader, writer = await asyncio.open_connection(
            HOST, port, ssl=client_ctx, server_hostname="localhost"
        )
        assert_ours(writer)
        payload = os.urandom(1 + (k * 7919 + i * 104729) % 100000)
        writer.write(payload)
        await writer.drain()
        assert await reader.readexactly(len(payload)) == payload
        writer.close()
        await writer.wait_closed()

    async def life(i):
        srv = await echo_server(server_ctx)
        ports[i] = srv.sockets[0].getsockname()[1]
        await asyncio.to_thread(servers_up.wait, TIMEOUT)
        port = ports[(i + 1) % n_threads]
        for k in range(0, conns, 3):  # three at a time
            await asyncio.gather(*(client(i, port, k + j) for j in range(3)))
        # The next thread's clients may still need this server.
        await asyncio.to_thread(clients_done.wait, 3 * TIMEOUT)
        srv.close()
        await srv.wait_closed()

    def thread_main(i):
        try:
            asyncio.run(asyncio.wait_for(life(i), 4 * TIMEOUT))
        except BaseException as exc:  # reported by the test
            errors.append((i, repr(exc)))
            servers_up.abort()
            clients_done.abort()

    threads = [threading.Thread(target=thread_main, args=(i,)) for i in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(6 * TIMEOUT)
    assert not any(t.is_alive() for t in threads)
    assert errors == []


def test_install_is_idempotent_and_uninstall_restores(tls):
    import asyncio.sslproto as sslproto

    import pyssl.asyncio as pa

    ours = sslproto.SSLProtocol
    assert pa.install() is True
    assert sslproto.SSLProtocol is ours
    pa.uninstall()
    assert sslproto.SSLProtocol is ours.__bases__[0]
    with pa.installed() as ok:
        assert ok and sslproto.SSLProtocol is ours
    assert sslproto.SSLProtocol is ours.__bases__[0]
    pa.install()


def test_unknown_sslproto_falls_back_with_one_warning(tls, monkeypatch):
    import asyncio.sslproto as sslproto

    import pyssl.asyncio as pa

    pa.uninstall()
    try:

        class Other(sslproto.SSLProtocol):  # another library's, same shape
            pass

        monkeypatch.setattr(sslproto, "SSLProtocol", Other)
        monkeypatch.setattr(pa, "_warned", False)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert pa.install() is False
            assert pa.install() is False
        assert len(caught) == 1 and issubclass(caught[0].category, RuntimeWarning)
        assert sslproto.SSLProtocol is Other
        assert not pa.is_installed()
    finally:
        monkeypatch.undo()
        assert pa.install()


def test_pipe_refuses_what_it_cannot_drive(tls):
    from pyssl import _ssl

    with pytest.raises(TypeError):
        _ssl._AioPipe(object(), tls.MemoryBIO(), tls.MemoryBIO())
    ctx = tls.SSLContext(tls.PROTOCOL_TLS_CLIENT)
    inc, out = tls.MemoryBIO(), tls.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname="x")
    with pytest.raises(TypeError):
        _ssl._AioPipe(obj._sslobj, out, inc)  # swapped
    pipe = _ssl._AioPipe(obj._sslobj, inc, out)
    with pytest.raises(ValueError):
        pipe.feed(-1)
    with pytest.raises(ValueError):
        pipe.feed(len(pipe.get_buffer(0)) + 1)


@pytest.mark.skipif(sys.version_info >= (3, 11), reason="3.11+ is hooked")
def test_declines_before_311(monkeypatch):
    import asyncio.sslproto as sslproto

    import pyssl.asyncio as pa

    monkeypatch.setattr(pa, "_warned", False)
    before = sslproto.SSLProtocol
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert pa.install() is False
        assert pa.install() is False
    assert [w.category for w in caught] == [RuntimeWarning]
    assert "before 3.11" in str(caught[0].message)
    assert sslproto.SSLProtocol is before


def run_program(program, env_value, *args):
    """program in a fresh interpreter, PYSSL_ASYNCIO set to env_value (None:
    unset), warnings as errors; returns its stdout's lines."""
    env = dict(os.environ)
    env.pop("PYSSL_ASYNCIO", None)
    if env_value is not None:
        env["PYSSL_ASYNCIO"] = env_value
    proc = subprocess.run(
        [sys.executable, "-W", "error", "-c", textwrap.dedent(program), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=6 * TIMEOUT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stderr == ""
    return proc.stdout.splitlines()


# Injecting, then asyncio imported for the first time: an echo over
# asyncio's default loop, and which protocol class carried it.
INJECT_THEN_ASYNCIO = """
    import sys
    import pyssl
    pyssl.inject_into_stdlib()
    print("asyncio imported by inject:", "asyncio" in sys.modules)
    import asyncio, ssl
    import asyncio.sslproto as sslproto
    import pyssl.asyncio as pa
    cafile, certfile, keyfile = sys.argv[1:]

    async def main():
        sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        sctx.load_cert_chain(certfile, keyfile)
        cctx = ssl.create_default_context(cafile=cafile)
        async def handle(reader, writer):
            writer.write(await reader.read(100))
            await writer.drain()
            writer.close()
        srv = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=sctx)
        port = srv.sockets[0].getsockname()[1]
        r, w = await asyncio.open_connection("127.0.0.1", port, ssl=cctx,
                                             server_hostname="localhost")
        w.write(b"ping")
        got = await r.read()
        print("echo:", got, "pipe:", getattr(w.transport._ssl_protocol, "_pyssl_pipe", None) is not None)
        w.close()
        srv.close()
        await srv.wait_closed()

    asyncio.run(main())
    print("class:", sslproto.SSLProtocol.__module__, "installed:", pa.is_installed())
    print("loader restored:", type(sslproto.__loader__).__name__ == "SourceFileLoader"
          and sslproto.__spec__.loader is sslproto.__loader__)
    print("hooks left:", sum(type(f).__name__ == "_AfterImport" for f in sys.meta_path))
    pyssl.extract_from_stdlib()
    print("after extract:", sslproto.SSLProtocol.__module__, pa.is_installed())
"""


@NEEDS_311
def test_injecting_installs_it_when_asyncio_is_imported(certs):
    out = run_program(
        INJECT_THEN_ASYNCIO, None, certs.cafile, certs.server_certfile, certs.server_keyfile
    )
    assert out == [
        "asyncio imported by inject: False",
        "echo: b'ping' pipe: True",
        "class: pyssl.asyncio installed: True",
        "loader restored: True",
        "hooks left: 0",
        "after extract: asyncio.sslproto False",
    ]


def test_pyssl_asyncio_0_keeps_asyncios_protocol(certs):
    out = run_program(
        INJECT_THEN_ASYNCIO, "0", certs.cafile, certs.server_certfile, certs.server_keyfile
    )
    assert out == [
        "asyncio imported by inject: False",
        "echo: b'ping' pipe: False",
        "class: asyncio.sslproto installed: False",
        "loader restored: True",
        "hooks left: 0",
        "after extract: asyncio.sslproto False",
    ]


# A look-up of asyncio.sslproto that loads nothing (a tool probing the
# import system) must leave the hook armed for the real import.
LOOKUP_THEN_IMPORT = """
    import sys
    import pyssl
    pyssl.inject_into_stdlib()
    hooks = [f for f in sys.meta_path if type(f).__name__ == "_AfterImport"]
    print("hooks:", len(hooks))
    print("probe:", hooks[0].find_spec("asyncio.sslproto", None))
    print("still armed:", hooks[0] in sys.meta_path)
    import asyncio
    import pyssl.asyncio as pa
    print("installed:", pa.is_installed())
    print("hooks left:", sum(type(f).__name__ == "_AfterImport" for f in sys.meta_path))
"""


@pytest.mark.skipif(sys.version_info < (3, 11), reason="hooked on 3.11+ only")
def test_a_lookup_before_the_import_keeps_the_hook():
    assert run_program(LOOKUP_THEN_IMPORT, None) == [
        "hooks: 1",
        "probe: None",
        "still armed: True",
        "installed: True",
        "hooks left: 0",
    ]


@pytest.mark.skipif(sys.version_info >= (3, 11), reason="3.11+ is hooked")
def test_injecting_before_311_leaves_asyncio_alone_quietly(certs):
    # Nothing to hook there yet: no warning (-W error), no hook left behind.
    out = run_program(
        INJECT_THEN_ASYNCIO, None, certs.cafile, certs.server_certfile, certs.server_keyfile
    )
    assert out[1:4] == [
        "echo: b'ping' pipe: False",
        "class: asyncio.sslproto installed: False",
        "loader restored: True",
    ]
    assert out[4] == "hooks left: 0"


ASYNCIO_THEN_INJECT = """
    import asyncio.sslproto as sslproto
    import pyssl, pyssl.asyncio as pa
    mine = sys.argv[1] == "mine"
    if mine:
        assert pa.install()
    pyssl.inject_into_stdlib()
    print("injected:", sslproto.SSLProtocol.__module__)
    pyssl.extract_from_stdlib()
    print("extracted:", sslproto.SSLProtocol.__module__)
"""


@NEEDS_311
@pytest.mark.parametrize("who", ["inject", "mine"])
def test_asyncio_imported_first_and_extract_keeps_an_explicit_install(who):
    out = run_program("import sys\n" + textwrap.dedent(ASYNCIO_THEN_INJECT), None, who)
    # What inject installed, extract takes back; what the program installed
    # itself stays.
    after = "pyssl.asyncio" if who == "mine" else "asyncio.sslproto"
    assert out == ["injected: pyssl.asyncio", "extracted: " + after]


def pipe_pair(tls, ctxs):
    """A client SSLObject and, on the server side, an _AioPipe, handshaken."""
    from pyssl import _ssl

    server_ctx, client_ctx = ctxs
    c_in, c_out, s_in, s_out = (tls.MemoryBIO() for _ in range(4))
    client = client_ctx.wrap_bio(c_in, c_out, server_hostname="localhost")
    server = server_ctx.wrap_bio(s_in, s_out, server_side=True)
    for _ in range(10):
        for obj in (client, server):
            try:
                obj.do_handshake()
            except tls.SSLWantReadError:
                pass
        s_in.write(c_out.read())
        c_in.write(s_out.read())
    pipe = _ssl._AioPipe(server._sslobj, s_in, s_out)
    assert pipe.read() == (b"", False)  # the client's tickets ack, if any
    return client, c_in, c_out, pipe


def test_pipe_keeps_bytes_it_was_lent(tls, ctxs):
    client, _, c_out, pipe = pipe_pair(tls, ctxs)
    client.write(b"hello world " * 1000)
    wire = c_out.read()
    half = len(wire) // 2
    buf = pipe.get_buffer(0)
    buf[:half] = wire[:half]
    pipe.feed(half)  # lent to the incoming BIO, not read yet
    buf = pipe.get_buffer(0)  # takes the buffer back: the BIO copies its rest
    buf[: len(buf)] = b"\xff" * len(buf)  # the transport reuses it
    rest = len(wire) - half
    buf[:rest] = wire[half:]
    data, flags = pipe.feed_read(rest)
    assert data == b"hello world " * 1000
    assert flags == 0


def test_pipe_buffer_cannot_be_resized_while_lent(tls, ctxs):
    # asyncio keeps the pipe's view and its bytearray as _ssl_buffer_view
    # and _ssl_buffer.  Releasing the view once let the bytearray be
    # resized, and the incoming BIO then read the lent record out of
    # freed memory (found by tests/fuzz/fuzz_aio_pipe.py).
    client, _, c_out, pipe = pipe_pair(tls, ctxs)
    client.write(b"lent " * 200)
    wire = c_out.read()
    view = pipe.get_buffer(0)
    view[: len(wire)] = wire
    pipe.feed(len(wire))
    buf = view.obj
    view.release()
    with pytest.raises(BufferError):
        buf.clear()
    with pytest.raises(BufferError):
        buf.extend(b"more")
    data, flags = pipe.read()
    assert data == b"lent " * 200 and flags == 0


def test_pipe_reports_close_notify_and_encrypts_batches(tls, ctxs):
    import collections

    client, c_in, c_out, pipe = pipe_pair(tls, ctxs)
    backlog = collections.deque([b"a" * 10, bytearray(b"b" * 300000), memoryview(b"c" * 5)])
    written, chunks = pipe.encrypt(backlog, True)
    assert written == 300015 and not backlog
    assert len(chunks) > 1  # 256 KiB slices
    for chunk in chunks:
        c_in.write(chunk)
    got = b""
    while len(got) < written:
        got += client.read(1 << 20)
    assert got == b"a" * 10 + b"b" * 300000 + b"c" * 5
    try:
        client.unwrap()
    except tls.SSLWantReadError:
        pass
    wire = c_out.read()
    buf = pipe.get_buffer(0)
    buf[: len(wire)] = wire
    data, flags = pipe.feed_read(len(wire))
    assert data == b""
    assert flags & _ssl_flag("EOF")


def test_pipe_reads_from_two_threads_lose_no_byte(tls, ctxs):
    # read() decrypts into a buffer the pipe keeps between reads: two
    # threads reading one pipe at once must not decrypt into the same one.
    import collections
    import threading

    for _ in range(5):
        client, _, c_out, pipe = pipe_pair(tls, ctxs)
        for i in range(1000):
            client.write(bytes([i % 256]) * 1024)
        wire = c_out.read()
        got, errors, start = [], [], threading.Barrier(2)

        def reader():
            start.wait()
            try:
                while True:
                    data, eof = pipe.read()
                    if not data:
                        return
                    got.append(data)
            except Exception as exc:
                errors.append(exc)

        threads = [threading.Thread(target=reader) for _ in range(2)]
        for t in threads:
            t.start()
        for pos in range(0, len(wire), 16384):
            buf = pipe.get_buffer(0)  # the one feeder; readers race it
            piece = wire[pos : pos + 16384]
            buf[: len(piece)] = piece
            pipe.feed(len(piece))
        for t in threads:
            t.join(60)
            assert not t.is_alive()
        assert errors == []
        got.append(pipe.read()[0])
        expected = collections.Counter(bytes(i % 256 for i in range(1000)))
        assert collections.Counter(b"".join(got)) == {b: n * 1024 for b, n in expected.items()}


def test_pipe_reads_a_stream_fed_in_odd_pieces(tls, ctxs):
    # Records split across feeds: the pipe keeps its read buffer while
    # ciphertext waits and lets it go when none does; no byte is lost.
    client, _, c_out, pipe = pipe_pair(tls, ctxs)
    sent = bytes(range(256)) * 2000
    client.write(sent)
    wire = c_out.read()
    got, pos, step = [], 0, 1
    while pos < len(wire):
        buf = pipe.get_buffer(0)
        piece = wire[pos : pos + min(step, len(buf))]
        buf[: len(piece)] = piece
        data, flags = pipe.feed_read(len(piece))
        got.append(data)
        pos += len(piece)
        step = step * 3 + 7
    assert b"".join(got) == sent
    assert pipe.read() == (b"", False)


def test_pipe_finishes_a_big_record_from_a_small_chunk(tls, ctxs):
    # OpenSSL holds most of a 16 KiB record from the first chunk; the second
    # is a few bytes (its end and a short record), yet decrypts to more than
    # a small chunk's buffer holds.  All of it comes back, in order.
    client, _, c_out, pipe = pipe_pair(tls, ctxs)
    big = bytes(range(256)) * 64
    client.write(big)
    first = c_out.read()
    client.write(b"tail")
    wire = first + c_out.read()
    cut = len(first) - 100
    got = []
    for piece in (wire[:cut], wire[cut:]):
        buf = pipe.get_buffer(0)
        buf[: len(piece)] = piece
        data, flags = pipe.feed_read(len(piece))
        got.append(data)
    assert got == [b"", big + b"tail"]
    assert flags == 0
    assert pipe.read() == (b"", False)


def test_pipe_returns_the_data_before_a_bad_record_then_raises(tls, ctxs):
    client, _, c_out, pipe = pipe_pair(tls, ctxs)
    client.write(b"good")
    wire = c_out.read() + b"\x17\x03\x03\x00\x20" + bytes(32)
    buf = pipe.get_buffer(0)
    buf[: len(wire)] = wire
    data, flags = pipe.feed_read(len(wire))
    assert data == b"good"
    assert flags & _ssl_flag("FAILED")
    with pytest.raises(tls.SSLError) as info:
        pipe.read()
    # The forged record's error, as each OpenSSL names it (3.5: its new
    # record layer's).
    assert info.value.reason in ("DECRYPTION_FAILED_OR_BAD_RECORD_MAC", "RECORD_LAYER_FAILURE")


def test_pipe_keeps_its_buffers_while_busy_and_gives_them_back_once_quiet(tls, ctxs):
    client, c_in, c_out, pipe = pipe_pair(tls, ctxs)

    def exchange(n):
        client.write(b"q" * n)
        wire = c_out.read()
        buf = pipe.get_buffer(0)
        buf[: len(wire)] = wire
        assert pipe.feed_read(len(wire)) == (b"q" * n, 0)  # read to "no data yet"
        for chunk in pipe.encrypt_seq([b"r" * n])[0]:
            c_in.write(chunk)
        assert client.read(1 << 16) == b"r" * n
        assert pipe.read() == (b"", 0)  # the read that finds nothing

    exchange(10)
    assert not pipe.buffers_held()  # freed at the read that found nothing
    assert not pipe.sweep(False)
    exchange(100)
    assert not pipe.buffers_held()  # one busy interval is not enough
    assert not pipe.sweep(False)
    exchange(100)
    assert pipe.buffers_held()  # busy in two in a row: kept past that read
    assert pipe.sweep(False)  # and while it stays busy
    exchange(5000)
    assert pipe.buffers_held()
    assert pipe.sweep(False)
    assert not pipe.sweep(False)  # quiet for a whole interval: given back
    exchange(1)
    assert not pipe.buffers_held()  # and freed when idle again
    assert not pipe.sweep(False)
    exchange(20)
    assert not pipe.sweep(False)
    exchange(20)
    assert pipe.buffers_held()  # busy again
    assert not pipe.sweep(True)  # the connection is gone: at once
    exchange(20)
    assert not pipe.buffers_held()


def test_idle_connections_give_their_buffers_back_on_the_loops_timer(ctxs, monkeypatch):
    import pyssl.asyncio as pa

    if not hasattr(pa._ssl_module(), "_aio_sweep_timer"):
        pytest.skip("no timerfd: buffers go back at every idle read")
    monkeypatch.setattr(pa, "_SWEEP_SECONDS", 0.05)
    server_ctx, client_ctx = ctxs

    async def main():
        loop = asyncio.get_running_loop()
        srv = await echo_server(server_ctx)
        reader, writer = await connect(srv, client_ctx)
        assert_ours(writer)
        pipe = writer.transport._ssl_protocol._pyssl_pipe
        assert loop in pa._sweeps
        for _ in range(40):  # busy through several sweeps
            writer.write(b"ping")
            assert await reader.readexactly(4) == b"ping"
            await asyncio.sleep(0.01)
        assert pipe.buffers_held()  # kept after the exchange ...
        await asyncio.sleep(0.5)
        assert not pipe.buffers_held()  # ... until the loop's sweeps
        writer.write(b"pong")  # and the connection goes on as before
        assert await reader.readexactly(4) == b"pong"
        writer.close()
        await writer.wait_closed()
        srv.close()
        await srv.wait_closed()
        await asyncio.sleep(0)
        assert loop not in pa._sweeps  # the timer goes with the last one

    run(main())


def test_connections_work_when_the_loop_cannot_have_a_sweep_timer(ctxs, monkeypatch):
    import errno
    import types

    import pyssl.asyncio as pa

    def no_descriptor_left(seconds):
        raise OSError(errno.EMFILE, "Too many open files")

    fake = types.SimpleNamespace(_aio_sweep_timer=no_descriptor_left)
    monkeypatch.setattr(pa, "_ssl_module", lambda: fake)
    server_ctx, client_ctx = ctxs

    async def main():
        srv = await echo_server(server_ctx)
        reader, writer = await connect(srv, client_ctx)
        assert_ours(writer)
        assert asyncio.get_running_loop() not in pa._sweeps
        for n in (1, 1000, 100000):
            writer.write(b"z" * n)
            assert await reader.readexactly(n) == b"z" * n
        writer.close()
        await writer.wait_closed()
        srv.close()
        await srv.wait_closed()

    run(main())


def _ssl_flag(name):
    from pyssl import _ssl

    return getattr(_ssl, "_AIOPIPE_" + name)


AIOHTTP_PROGRAM = textwrap.dedent("""
    import asyncio, os, sys
    import pyssl
    pyssl.inject_into_stdlib()          # and so, on 3.11+, install()
    import pyssl.asyncio
    assert pyssl.asyncio.is_installed()
    import ssl
    from aiohttp import web, ClientSession
    cafile, certfile, keyfile = sys.argv[1:]
    body = os.urandom(300000)
    used = []

    async def handler(request):
        used.append(request.transport._ssl_protocol._pyssl_pipe is not None)
        data = await request.read()
        return web.Response(body=data[::-1] + body)

    async def main():
        sctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        sctx.load_cert_chain(certfile, keyfile)
        cctx = ssl.create_default_context(cafile=cafile)
        app = web.Application(client_max_size=4 << 20)
        app.router.add_post("/", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=sctx)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        async with ClientSession() as session:
            for size in (0, 1, 5000, 1 << 20):
                sent = os.urandom(size)
                async with session.post("https://localhost:%d/" % port, data=sent, ssl=cctx) as resp:
                    assert resp.status == 200
                    assert await resp.read() == sent[::-1] + body
        await runner.cleanup()
        print("pipe used:", all(used) and len(used) == 4)

    asyncio.run(main())
""")


@NEEDS_311
def test_aiohttp_client_and_server_over_it(certs, tmp_path):
    pytest.importorskip("aiohttp", reason="aiohttp is not installed")
    script = tmp_path / "aiohttp_tls.py"
    script.write_text(AIOHTTP_PROGRAM)
    proc = subprocess.run(
        [sys.executable, str(script), certs.cafile, certs.server_certfile, certs.server_keyfile],
        capture_output=True,
        text=True,
        timeout=6 * TIMEOUT,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "pipe used: True" in proc.stdout
