"""Reading a stream of full 16 KiB records from an SSLSocket.

A read may return the plaintext of several records at once (pyssl decrypts
whatever has already arrived, blocking socket or not); whatever the
chunking, the bytes must come in order and complete, an error met after
some data must not swallow that data (it is raised by the next read), and a
read that has data must never wait for more.
"""

import os
import socket
import threading
import time

import pytest

from conftest import TIMEOUT, UNDER_STDLIB, connect, ssl

RECORD = 16384


def _sender(data, close_notify, sent):
    def handler(conn):
        conn.sendall(data)
        sent.set()
        if close_notify:
            conn.unwrap()
        else:
            # Drop TCP without close_notify: a ragged EOF for the reader.
            os.close(conn.detach())

    return handler


def _read_all(sock, bufsize):
    got = bytearray()
    buf = bytearray(bufsize)
    while True:
        n = sock.recv_into(buf)
        if n == 0:
            return bytes(got)
        got += buf[:n]


@pytest.mark.parametrize("bufsize", [65536, 3 * RECORD + 5, RECORD, 1000])
def test_queued_full_records_arrive_complete_and_in_order(server, server_ctx, client_ctx, bufsize):
    data = os.urandom(10 * RECORD + 123)
    sent = threading.Event()
    srv = server(server_ctx, _sender(data, True, sent))
    with connect(client_ctx, srv) as s:
        assert sent.wait(TIMEOUT)  # everything is queued before we read
        assert _read_all(s, bufsize) == data


@pytest.mark.parametrize("timeout", [TIMEOUT, None])
def test_ragged_eof_after_queued_records_keeps_the_data(server, server_ctx, client_ctx, timeout):
    data = os.urandom(6 * RECORD)
    sent = threading.Event()
    srv = server(server_ctx, _sender(data, False, sent))
    with connect(client_ctx, srv, suppress_ragged_eofs=False) as s:
        s.settimeout(timeout)
        assert sent.wait(TIMEOUT)
        srv.wait_handled()  # the TCP connection is gone too
        got = bytearray()
        buf = bytearray(65536)
        with pytest.raises(ssl.SSLEOFError):
            while True:
                n = s.recv_into(buf)
                assert n > 0
                got += buf[:n]
        assert bytes(got) == data


def test_blocking_socket_still_reads_everything(server, server_ctx, client_ctx):
    data = os.urandom(5 * RECORD + 7)
    sent = threading.Event()
    srv = server(server_ctx, _sender(data, True, sent))
    with connect(client_ctx, srv) as s:
        s.settimeout(None)  # a blocking fd: never read ahead
        assert sent.wait(TIMEOUT)
        assert _read_all(s, 65536) == data


# A server that encrypts with an SSLObject and writes the wire bytes to the
# raw TCP socket itself, so a test decides exactly which bytes have arrived.


def _bio_handshake(conn, obj, outgoing, incoming):
    while True:
        try:
            obj.do_handshake()
            break
        except ssl.SSLWantReadError:
            conn.sendall(outgoing.read())
            data = conn.recv(65536)
            if not data:
                raise ConnectionError("client left during the handshake")
            incoming.write(data)
    conn.sendall(outgoing.read())


def _wire_server(server_ctx, script):
    """A handler: handshake, then script(conn, encrypt) on the raw socket,
    where encrypt(data) returns the TLS records that carry data."""

    def handler(conn):
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        obj = server_ctx.wrap_bio(incoming, outgoing, server_side=True)
        _bio_handshake(conn, obj, outgoing, incoming)

        def encrypt(data):
            obj.write(data)
            return outgoing.read()

        return script(conn, encrypt)

    return handler


def _queued_bytes(sock):
    """How many bytes wait in sock's kernel receive queue."""
    raw = socket.socket(fileno=os.dup(sock.fileno()))
    try:
        return len(raw.recv(1 << 20, socket.MSG_PEEK | socket.MSG_DONTWAIT))
    except BlockingIOError:
        return 0
    finally:
        raw.close()


def test_blocking_read_returns_its_record_while_the_next_is_half_there(
    server, server_ctx, client_ctx
):
    # After the first record, only part of the second has arrived.  The
    # read must return the first at once, not wait for the rest.
    first, second = os.urandom(RECORD), os.urandom(RECORD)
    returned = threading.Event()

    def script(conn, encrypt):
        wire = encrypt(first) + encrypt(second)
        conn.sendall(wire[:-100])
        waited_in_vain = not returned.wait(TIMEOUT)
        conn.sendall(wire[-100:])
        return waited_in_vain

    srv = server(None, _wire_server(server_ctx, script))
    with connect(client_ctx, srv) as s:
        s.settimeout(None)
        buf = bytearray(65536)
        n = s.recv_into(buf)
        returned.set()
        assert bytes(buf[:n]) == first
        assert _read_exactly(s, RECORD) == second
    srv.wait_handled()
    assert srv.errors == [] and srv.results == [False]


def _read_exactly(sock, size):
    got = bytearray()
    while len(got) < size:
        chunk = sock.recv(size - len(got))
        assert chunk
        got += chunk
    return bytes(got)


@pytest.mark.xfail(UNDER_STDLIB, strict=True, reason="the stdlib returns one record per read")
def test_blocking_read_takes_the_records_already_arrived_but_the_last(
    server, server_ctx, client_ctx
):
    # One read decrypts the records already in the kernel, except that it
    # leaves the last whole one there, so that the socket stays readable
    # for select() (test_select_sees_close_notify_after_full_records); the
    # next read takes it without waiting.
    records = [os.urandom(RECORD) for _ in range(4)]
    done = threading.Event()

    def script(conn, encrypt):
        wire = b"".join(encrypt(r) for r in records)
        conn.sendall(wire)
        done.wait(TIMEOUT)
        return len(wire)

    srv = server(None, _wire_server(server_ctx, script))
    with connect(client_ctx, srv) as s:
        s.settimeout(None)
        # Wait until the whole stream sits in the kernel: the session
        # tickets and the four records (each record adds 22 bytes).
        need = 4 * (RECORD + 22)
        for _ in range(int(TIMEOUT / 0.01)):
            if _queued_bytes(s) >= need:
                break
            time.sleep(0.01)
        buf = bytearray(4 * RECORD)
        n = s.recv_into(buf)
        assert n == 3 * RECORD
        import select

        assert select.select([s], [], [], 0)[0], "the last record must stay readable"
        m = s.recv_into(memoryview(buf)[n:])
        done.set()
        assert n + m == 4 * RECORD
        assert bytes(buf) == b"".join(records)


def _close_notify_without_fin(data, queued, client_done):
    """Send data, then our close_notify, and keep the TCP connection open."""

    def handler(conn):
        conn.sendall(data)
        conn.setblocking(False)
        try:
            conn.unwrap()  # sends close_notify, wants the peer's
        except ssl.SSLWantReadError:
            pass
        queued.set()
        # Keep TCP open past the client's select() bound: only the
        # close_notify, not our FIN, may make its socket readable.
        client_done.wait(3 * TIMEOUT)

    return handler


@pytest.mark.parametrize("size", [RECORD + 3616, 3 * RECORD])
def test_select_sees_close_notify_after_full_records(server, server_ctx, client_ctx, size):
    # A non-blocking socket read when select() says so: whatever a read has
    # not returned must keep the socket readable.  Reading on past full
    # records must not swallow the close_notify that follows them, or
    # select() never fires again and the end of the stream is never seen.
    import select

    data = os.urandom(size)
    queued, client_done = threading.Event(), threading.Event()
    srv = server(
        server_ctx, _close_notify_without_fin(data, queued, client_done), timeout=4 * TIMEOUT
    )
    with connect(client_ctx, srv) as s:
        assert queued.wait(TIMEOUT)  # data and close_notify both sent
        s.setblocking(False)
        got = bytearray()
        while True:
            if not s.pending():
                readable, _, _ = select.select([s], [], [], TIMEOUT)
                assert readable, "select() never saw the close_notify"
            try:
                chunk = s.recv(1 << 20)
            except ssl.SSLWantReadError:
                continue
            if not chunk:
                break
            got += chunk
        client_done.set()
        assert bytes(got) == data
