"""pyssl's SSLObject over the stdlib ssl's MemoryBIOs (src/pyssl/_stdlib_bio.py).

A program that does `import pyssl as ssl` without injecting pyssl hands its
contexts to asyncio (or trio), which make their MemoryBIOs with the stdlib's
ssl and catch the stdlib's exception classes.  That used to fail at once
with "_wrap_bio() argument 1 must be pyssl._ssl.MemoryBIO, not
_ssl.MemoryBIO".  These tests hold pyssl's SSLObject over the stdlib's BIOs
to what the stdlib's own SSLObject shows its caller: the bytes, the BIOs'
contents after each call, and exceptions of the stdlib's classes.
"""

import asyncio
import pickle
import random
import sys
import threading

import pytest

from conftest import HOST, TIMEOUT, UNDER_STDLIB, is_bad_record, ssl

pytestmark = pytest.mark.skipif(UNDER_STDLIB, reason="pyssl given the stdlib's MemoryBIOs")

stdlib = pytest.importorskip("_ssl", reason="this interpreter has no stdlib _ssl")


@pytest.fixture(autouse=True, params=["whole", "100 bytes at a time"])
def _foreign_bios(request, monkeypatch):
    import pyssl
    from pyssl import _stdlib_bio

    if stdlib.MemoryBIO is pyssl.MemoryBIO:
        pytest.skip("pyssl is this interpreter's _ssl: there is no other MemoryBIO")
    if request.param != "whole":
        # OpenSSL gets what the caller's BIO holds 100 bytes at a time, and
        # a call that wants more while more is there takes it and goes on.
        monkeypatch.setattr(_stdlib_bio, "_TAKE", 100)


class Pair(object):
    """A client over the stdlib's MemoryBIOs and a server over pyssl's."""

    def __init__(self, client_ctx, server_ctx, client_bios=None):
        self.c_in, self.c_out = client_bios or (stdlib.MemoryBIO(), stdlib.MemoryBIO())
        self.s_in, self.s_out = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.client = client_ctx.wrap_bio(self.c_in, self.c_out, server_hostname="localhost")
        self.server = server_ctx.wrap_bio(self.s_in, self.s_out, server_side=True)

    def pump(self):
        self.s_in.write(self.c_out.read())
        self.c_in.write(self.s_out.read())

    def handshake(self):
        done = set()
        for _ in range(20):
            for side in (self.client, self.server):
                try:
                    side.do_handshake()
                    done.add(side)
                except stdlib.SSLWantReadError:
                    # The client's, and only its, is also the stdlib's class.
                    assert side is self.client
                except ssl.SSLWantReadError:
                    pass
                self.pump()
            if len(done) == 2:
                return self
        raise AssertionError("the handshake did not finish")

    def read_all(self, obj, n):
        got = b""
        while len(got) < n:
            try:
                got += obj.read(n - len(got))
            except ssl.SSLWantReadError:
                self.pump()
        return got


@pytest.mark.parametrize("size", [1, 1000, 100000])
def test_data_both_ways_and_the_close(client_ctx, server_ctx, size):
    pair = Pair(client_ctx, server_ctx).handshake()
    assert pair.client.version() == pair.server.version()
    data = random.randbytes(size) if hasattr(random, "randbytes") else b"d" * size
    assert pair.client.write(data) == size
    pair.pump()
    assert pair.read_all(pair.server, size) == data
    pair.server.write(data[::-1])
    pair.pump()
    assert pair.read_all(pair.client, size) == data[::-1]
    # close_notify both ways: the client's reaches the stdlib's outgoing BIO.
    with pytest.raises(ssl.SSLWantReadError):
        pair.client.unwrap()
    assert pair.c_out.pending > 0
    pair.pump()
    pair.server.unwrap()
    pair.pump()
    pair.client.unwrap()


def idiom_trace(client_ctx, server_ctx, client_bio_type, server_bio_type):
    """Two records and the close_notify arrive in one chunk; the client
    reads 100 bytes, then reads on as uvloop does, while its incoming
    BIO or pending() has something.  Returns what each read gave and what
    the incoming BIO and pending() said after it."""
    c_in, c_out = client_bio_type(), client_bio_type()
    s_in, s_out = server_bio_type(), server_bio_type()
    client = client_ctx.wrap_bio(c_in, c_out, server_hostname="localhost")
    server = server_ctx.wrap_bio(s_in, s_out, server_side=True)
    want_read = (stdlib.SSLWantReadError, ssl.SSLWantReadError)
    for _ in range(5):
        for side in (client, server):
            try:
                side.do_handshake()
            except want_read:
                pass
            s_in.write(c_out.read())
            c_in.write(s_out.read())
    server.write(b"a" * 100)
    server.write(b"b" * 100)
    with pytest.raises(want_read):
        server.unwrap()  # sends its close_notify, waits for the client's
    c_in.write(s_out.read())
    trace = [(client.read(100), c_in.pending, client.pending())]
    while c_in.pending or client.pending():
        trace.append((client.read(10), c_in.pending, client.pending()))
    return trace


def test_records_not_read_stay_in_the_callers_incoming_bio(client_ctx, server_ctx, certs):
    trace = idiom_trace(client_ctx, server_ctx, stdlib.MemoryBIO, ssl.MemoryBIO)
    assert trace[0][0] == b"a" * 100
    # What the stdlib's SSLObject leaves: the later records, in the BIO.
    assert trace[0][1] > 0
    # The idiom reads them all and comes to the close_notify, which read()
    # reports as a clean end of stream (b""), as the stdlib does.
    assert b"".join(t[0] for t in trace[1:]) == b"b" * 100
    assert trace[-1] == (b"", 0, 0)
    # Step for step what the stdlib's own SSLObject shows.
    import ssl as stdlib_ssl

    if stdlib_ssl.MemoryBIO is not stdlib.MemoryBIO:
        return  # pyssl is injected in this process: no stdlib to compare
    s_ctx = stdlib_ssl.SSLContext(stdlib_ssl.PROTOCOL_TLS_SERVER)
    s_ctx.load_cert_chain(certs.server_certfile, certs.server_keyfile)
    c_ctx = stdlib_ssl.SSLContext(stdlib_ssl.PROTOCOL_TLS_CLIENT)
    c_ctx.load_verify_locations(cafile=certs.cafile)
    assert trace == idiom_trace(c_ctx, s_ctx, stdlib.MemoryBIO, stdlib.MemoryBIO)


def test_half_a_record_is_kept_until_the_rest_comes(client_ctx, server_ctx):
    pair = Pair(client_ctx, server_ctx).handshake()
    pair.server.write(b"x" * 5000)
    record = pair.s_out.read()
    for cut in (1, 5, 6, 4000):
        pair.server.write(b"y" * 10)  # one more record behind the cut
        tail = pair.s_out.read()
        pair.c_in.write(record[:cut])
        with pytest.raises(stdlib.SSLWantReadError):
            pair.client.read(10000)
        pair.c_in.write(record[cut:] + tail)
        assert pair.read_all(pair.client, 5010) == b"x" * 5000 + b"y" * 10
        pair.server.write(b"x" * 5000)
        record = pair.s_out.read()


def test_a_large_read_returns_what_it_would_over_pyssls_own_bios(client_ctx, server_ctx):
    # Twelve full records, more than the Shuttle takes for other calls: a
    # read big enough for them all takes all, as pyssl's own BIOs give
    # OpenSSL all, and the caller's BIO keeps what they would keep.
    data = bytes(range(256)) * (12 * 64)
    shown = []
    for bios in (None, (ssl.MemoryBIO(), ssl.MemoryBIO())):
        pair = Pair(client_ctx, server_ctx, client_bios=bios).handshake()
        pair.server.write(data)
        pair.pump()
        got = pair.client.read(1 << 20)
        shown.append((len(got), pair.c_in.pending))
        assert got + pair.read_all(pair.client, len(data) - len(got)) == data
    assert shown[0] == shown[1]
    assert shown[0][0] > 128 * 1024


def three_records_and_a_read(client_ctx, server_ctx, during):
    """Records 1 and 2 in the client's incoming BIO; the client reads, and
    while OpenSSL reads record 1, during(pair, record 3) runs, as another
    thread writing the BIO might.  Returns the pair after that read."""
    armed = [False]

    def callback(conn, direction, version, content_type, msg_type, data):
        if armed[0] and direction == "read":
            armed[0] = False
            during(pair, records[2])

    client_ctx._msg_callback = callback
    pair = Pair(client_ctx, server_ctx).handshake()
    records = []
    for digit in b"123":
        pair.server.write(bytes([digit]) * 50)
        records.append(pair.s_out.read())
    pair.c_in.write(records[0] + records[1])
    armed[0] = True
    assert pair.client.read(100) == b"1" * 50
    assert not armed[0], "the callback never ran"
    return pair, records


def test_a_write_drives_the_handshake_with_what_the_callers_bio_holds(client_ctx, server_ctx):
    pair = Pair(client_ctx, server_ctx)
    # The first write sends the client's hello and wants the answer.
    with pytest.raises(stdlib.SSLWantReadError):
        pair.client.write(b"hello")
    pair.s_in.write(pair.c_out.read())
    with pytest.raises(ssl.SSLWantReadError):
        pair.server.do_handshake()
    pair.c_in.write(pair.s_out.read())
    # The next one finds the answer in the caller's BIO, finishes the
    # handshake and sends the data.
    assert pair.client.write(b"hello") == 5
    assert pair.c_in.pending == 0
    pair.s_in.write(pair.c_out.read())
    assert pair.server.read(100) == b"hello"
    # Once it is up, a write leaves the caller's incoming BIO as it is.
    pair.server.write(b"not read yet")
    waiting = pair.s_out.read()
    pair.c_in.write(waiting)
    assert pair.client.write(b"more") == 4
    assert pair.c_in.read() == waiting


def test_a_write_mid_handshake_sees_the_callers_eof(client_ctx, server_ctx):
    pair = Pair(client_ctx, server_ctx)
    with pytest.raises(stdlib.SSLWantReadError):
        pair.client.write(b"hello")
    pair.c_in.write_eof()
    with pytest.raises(stdlib.SSLEOFError):
        pair.client.write(b"hello")


def test_bytes_written_during_a_call_stay_behind_those_it_left(client_ctx, server_ctx):
    pair, records = three_records_and_a_read(
        client_ctx, server_ctx, lambda pair, record: pair.c_in.write(record)
    )
    # Record 2, which the read left, is back in front of record 3.
    assert pair.c_in.pending == len(records[1]) + len(records[2])
    assert pair.client.read(100) == b"2" * 50
    assert pair.client.read(100) == b"3" * 50
    with pytest.raises(stdlib.SSLWantReadError):
        pair.client.read(100)


def test_an_eof_written_during_a_call_comes_after_what_it_left(client_ctx, server_ctx):
    pair, records = three_records_and_a_read(
        client_ctx, server_ctx, lambda pair, record: pair.c_in.write_eof()
    )
    # The caller's BIO takes no more writes: record 2 stays with pyssl,
    # and is still read before the EOF (no close_notify came: an error).
    assert pair.client.read(100) == b"2" * 50
    with pytest.raises(stdlib.SSLEOFError) as info:
        pair.client.read(100)
    assert isinstance(info.value, ssl.SSLEOFError)


def test_errors_are_instances_of_both_modules_classes(client_ctx, certs):
    # A server whose certificate the client cannot verify.
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(certs.server_certfile, certs.server_keyfile)
    client_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client_ctx.load_default_certs()
    pair = Pair(client_ctx, server_ctx)
    with pytest.raises(stdlib.SSLCertVerificationError) as info:
        pair.handshake()
    exc = info.value
    assert isinstance(exc, ssl.SSLCertVerificationError)
    assert isinstance(exc, ssl.CertificateError) and isinstance(exc, ValueError)
    assert exc.verify_code != 0 and exc.verify_message
    assert exc.reason == "CERTIFICATE_VERIFY_FAILED"
    assert "certificate verify failed" in str(exc)
    # The alert the failure sent is in the caller's outgoing BIO.
    assert pair.c_out.pending > 0
    # Pickled, it comes back as pyssl's own class.
    again = pickle.loads(pickle.dumps(exc))
    assert type(again) is ssl.SSLCertVerificationError
    assert again.verify_code == exc.verify_code


def test_a_plain_sslerror_is_both_modules_class_with_its_attributes(client_ctx, server_ctx):
    # SSLError itself is an immutable type in both modules, so this one is
    # raised as a copy of the core's: everything on it must survive that.
    pair = Pair(client_ctx, server_ctx)
    pair.handshake()
    pair.server.write(b"data")
    records = bytearray(pair.s_out.read())
    records[-1] ^= 1  # the last byte of the data record's tag
    pair.c_in.write(bytes(records))
    with pytest.raises(stdlib.SSLError) as info:
        pair.client.read(100)
    exc = info.value
    assert isinstance(exc, ssl.SSLError) and type(exc).__name__ == "SSLError"
    assert is_bad_record(exc)
    assert (exc.errno, exc.strerror) == exc.args and exc.reason in str(exc)
    again = pickle.loads(pickle.dumps(exc))
    assert type(again) is ssl.SSLError and again.reason == exc.reason


def test_the_rest_of_the_sslobject_is_its_connections(client_ctx, server_ctx, certs):
    pair = Pair(client_ctx, server_ctx).handshake()
    client = pair.client
    assert client.server_hostname == "localhost" and not client.server_side
    assert client.cipher()[1] == client.version()
    assert client.getpeercert()["subjectAltName"]
    assert client.pending() == 0 and client.session is not None
    # The context can be switched (SNI callbacks do it), as with pyssl's BIOs.
    other = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.context = other
    assert client.context is other
    with pytest.raises(AttributeError):
        client._sslobj.no_such_attribute


def test_mixed_bios_and_bad_ones(client_ctx, server_ctx):
    pair = Pair(client_ctx, server_ctx, client_bios=(stdlib.MemoryBIO(), ssl.MemoryBIO()))
    pair.handshake()
    pair.client.write(b"ping")
    pair.pump()
    assert pair.read_all(pair.server, 4) == b"ping"
    for bad in (object(), b"bytes", None):
        with pytest.raises(TypeError):
            client_ctx.wrap_bio(bad, stdlib.MemoryBIO(), server_hostname="localhost")
        with pytest.raises(TypeError):
            client_ctx.wrap_bio(stdlib.MemoryBIO(), bad, server_hostname="localhost")


def test_threads_feed_read_and_write_one_sslobject(client_ctx, server_ctx):
    """The stdlib's incoming BIO written by one thread in random pieces
    while another reads the SSLObject and a third writes it: every byte,
    in order, both ways."""
    pair = Pair(client_ctx, server_ctx).handshake()
    rng = random.Random(7)
    plain = bytes(rng.getrandbits(8) for _ in range(200000))
    sent = plain[::-1]
    for i in range(0, len(plain), 1500):
        pair.server.write(plain[i : i + 1500])
    wire = pair.s_out.read()
    failures = []

    def feed():
        i = 0
        while i < len(wire):
            n = rng.randint(1, 3000)
            pair.c_in.write(wire[i : i + n])
            i += n

    got = []

    def drain():
        total = 0
        while total < len(plain):
            try:
                data = pair.client.read(4096)
            except stdlib.SSLWantReadError:
                continue
            got.append(data)
            total += len(data)

    def send():
        for i in range(0, len(sent), 700):
            pair.client.write(sent[i : i + 700])

    def reporting(work):
        def run():
            try:
                work()
            except BaseException as exc:  # reported by the main thread
                failures.append(exc)

        return run

    works = [feed, drain, send]
    if not getattr(sys, "_is_gil_enabled", lambda: True)():
        # Free-threaded 3.13.5 lets go of a critical section taken again
        # on the same object, so a thread writing
        # the stdlib's BIO can get between the reads and writes that put
        # bytes back; the stdlib's own SSLObject cannot take such a writer
        # there at all. Everything is written first, then two threads read
        # and write the SSLObject.
        works.remove(feed)
        feed()
    threads = [threading.Thread(target=reporting(f)) for f in works]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT * 3)
        assert not t.is_alive()
    assert not failures
    assert b"".join(got) == plain
    # What the client wrote reached the stdlib's outgoing BIO in order.
    pair.s_in.write(pair.c_out.read())
    assert pair.read_all(pair.server, len(sent)) == sent


@pytest.mark.parametrize("protocol", ["asyncio's", "pyssl.asyncio installed"])
def test_asyncio_takes_pyssl_contexts_without_injection(server_ctx, client_ctx, protocol):
    import asyncio.sslproto

    import pyssl.asyncio

    if asyncio.sslproto.ssl.MemoryBIO is not stdlib.MemoryBIO:
        pytest.skip("asyncio is bound to pyssl in this process")
    if protocol != "asyncio's":
        if sys.version_info < (3, 11):
            pytest.skip("pyssl.asyncio declines before 3.11")
        # Installed without injecting, its subclass is given the stdlib's
        # BIOs, and moves the connection onto pyssl's for its C data path.
        with pyssl.asyncio.installed() as used:
            assert used
            return asyncio_echo_and_a_failure(server_ctx, client_ctx, "pyssl.asyncio")
    asyncio_echo_and_a_failure(server_ctx, client_ctx, "asyncio.sslproto")


def assert_data_path(writer, protocol_module):
    """The connection runs where protocol_module's protocol puts it: asyncio's
    own over the stdlib's BIOs, pyssl's over pyssl's, with its pipe."""
    import pyssl

    protocol = writer.transport._ssl_protocol
    assert type(protocol).__module__ == protocol_module
    ours = protocol_module == "pyssl.asyncio"
    # Before 3.11 asyncio's protocol keeps its BIOs in its _SSLPipe.
    holder = getattr(protocol, "_sslpipe", protocol)
    bios = (type(holder._incoming), type(holder._outgoing))
    assert bios == ((pyssl.MemoryBIO,) * 2 if ours else (stdlib.MemoryBIO,) * 2)
    assert (getattr(protocol, "_pyssl_pipe", None) is not None) == ours


def asyncio_echo_and_a_failure(server_ctx, client_ctx, protocol_module):

    async def main():
        async def handle(reader, writer):
            while True:
                data = await reader.read(1 << 16)
                if not data:
                    break
                writer.write(data)
            writer.close()

        server = await asyncio.start_server(handle, HOST, 0, ssl=server_ctx)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection(
            HOST, port, ssl=client_ctx, server_hostname="localhost"
        )
        sslobj = writer.get_extra_info("ssl_object")
        assert isinstance(sslobj, ssl.SSLObject)
        assert_data_path(writer, protocol_module)
        for size in (1, 1000, 100000):
            writer.write(b"e" * size)
            assert await reader.readexactly(size) == b"e" * size
        writer.close()
        await writer.wait_closed()

        # A client that cannot verify the server: pyssl's class catches it,
        # and so does the stdlib's, which asyncio's own code names.
        strict = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        with pytest.raises(ssl.SSLCertVerificationError) as caught:
            await asyncio.open_connection(HOST, port, ssl=strict, server_hostname="localhost")
        assert isinstance(caught.value, stdlib.SSLCertVerificationError)
        server.close()
        await server.wait_closed()

    async def bounded():
        await asyncio.wait_for(main(), TIMEOUT)

    asyncio.run(bounded())


@pytest.mark.parametrize("protocol", ["asyncio's", "pyssl.asyncio installed"])
def test_a_bad_record_reaches_the_application_as_both_modules_error(
    server_ctx, client_ctx, protocol
):
    import asyncio.sslproto

    import pyssl.asyncio

    if asyncio.sslproto.ssl.MemoryBIO is not stdlib.MemoryBIO:
        pytest.skip("asyncio is bound to pyssl in this process")
    if protocol != "asyncio's" and sys.version_info < (3, 11):
        pytest.skip("pyssl.asyncio declines before 3.11")
    module = "asyncio.sslproto" if protocol == "asyncio's" else "pyssl.asyncio"

    async def main():
        accepted = asyncio.get_running_loop().create_future()

        async def handle(reader, writer):
            accepted.set_result(writer)
            await reader.read()

        server = await asyncio.start_server(handle, HOST, 0, ssl=server_ctx)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection(
            HOST, port, ssl=client_ctx, server_hostname="localhost"
        )
        assert_data_path(writer, module)
        server_writer = await accepted
        server_writer.write(b"good")
        assert await reader.readexactly(4) == b"good"
        # An application-data record whose tag cannot check out, sent past
        # the server's TLS layer on its socket transport.
        raw = server_writer.transport._ssl_protocol._transport
        raw.write(b"\x17\x03\x03\x00\x20" + b"\x00" * 32)
        with pytest.raises(ssl.SSLError) as caught:
            await reader.read(100)
        # What asyncio's own code and libraries written for the stdlib name.
        assert isinstance(caught.value, stdlib.SSLError)
        assert is_bad_record(caught.value)
        writer.close()
        server_writer.close()
        server.close()
        await server.wait_closed()

    async def bounded():
        await asyncio.wait_for(main(), TIMEOUT)

    if module == "asyncio.sslproto":
        return asyncio.run(bounded())
    with pyssl.asyncio.installed() as used:
        assert used
        asyncio.run(bounded())


def test_trio_takes_pyssl_contexts(server_ctx, client_ctx):
    trio = pytest.importorskip("trio")
    from trio.testing import memory_stream_pair

    data = bytes(range(256)) * 400

    async def echo(stream):
        got = b""
        while len(got) < len(data):
            got += await stream.receive_some(1 << 16)
        await stream.send_all(got)
        await stream.aclose()

    async def round_trip():
        near, far = memory_stream_pair()
        client = trio.SSLStream(near, client_ctx, server_hostname="localhost")
        server = trio.SSLStream(far, server_ctx, server_side=True)
        async with trio.open_nursery() as nursery:
            nursery.start_soon(echo, server)
            await client.send_all(data)
            got = b""
            while True:
                chunk = await client.receive_some(1 << 16)
                if not chunk:
                    break
                got += chunk
            assert got == data
            assert client.version() == server.version() and client.cipher()
            await client.aclose()

    async def verification_fails():
        # trio says the stream broke, from pyssl's error, which is of both
        # modules' classes.
        near, far = memory_stream_pair()
        strict = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        client = trio.SSLStream(near, strict, server_hostname="localhost")
        server = trio.SSLStream(far, server_ctx, server_side=True)
        broken = {}

        async def shake(stream):
            try:
                await stream.do_handshake()
            except trio.BrokenResourceError as exc:
                broken[stream] = exc
                await stream.transport_stream.aclose()

        async with trio.open_nursery() as nursery:
            nursery.start_soon(shake, server)
            nursery.start_soon(shake, client)
        cause = broken[client].__cause__
        assert isinstance(cause, ssl.SSLCertVerificationError)
        assert isinstance(cause, stdlib.SSLCertVerificationError)

    async def main():
        with trio.fail_after(TIMEOUT):
            await round_trip()
            await verification_fails()

    trio.run(main)
