"""Broken peers, closed sockets, timeouts and non-blocking I/O.

Each case must end in the exception the stdlib raises, quickly: never a hang,
never a crash. Every wait is bounded (conftest.TIMEOUT, or a shorter socket
timeout where the test is about timeouts).
"""

import errno
import socket
import sys
import threading
import time

import pytest

from conftest import HOST, TIMEOUT, UNDER_STDLIB, connect, ssl


def _tls_client(client_ctx, srv, timeout=TIMEOUT, **kwargs):
    sock = socket.create_connection(srv.address, timeout=timeout)
    return client_ctx.wrap_socket(sock, server_hostname="localhost", **kwargs)


# --- closed sockets ---------------------------------------------------------


def test_closed_sslsocket_operations(server, server_ctx, client_ctx):
    srv = server(server_ctx)
    conn = connect(client_ctx, srv)
    conn.sendall(b"x")
    assert conn.recv(1) == b"x"
    conn.close()
    assert conn.fileno() == -1
    # The socket-level calls fail like on any closed socket: EBADF.
    for op in (
        lambda: conn.recv(1),
        lambda: conn.recv_into(bytearray(1)),
        lambda: conn.send(b"x"),
        lambda: conn.sendall(b"x"),
        lambda: conn.do_handshake(),
    ):
        with pytest.raises(OSError) as info:
            op()
        assert info.value.errno == errno.EBADF
    # The TLS-level calls say the socket is closed.
    with pytest.raises(ValueError):
        conn.read(1)
    with pytest.raises(ValueError):
        conn.write(b"x")
    with pytest.raises(ValueError):
        conn.unwrap()
    assert conn.version() is None
    assert conn.cipher() is None
    assert conn.pending() == 0
    conn.close()  # closing twice is harmless


def test_unconnected_sslsocket(client_ctx):
    conn = client_ctx.wrap_socket(socket.socket(), server_hostname="localhost")
    try:
        for op in (lambda: conn.recv(1), lambda: conn.getpeercert(), lambda: conn.do_handshake()):
            with pytest.raises(OSError) as info:
                op()
            assert info.value.errno == errno.ENOTCONN
        with pytest.raises(BrokenPipeError):
            conn.send(b"x")
        with pytest.raises(ValueError):
            conn.read(1)
        with pytest.raises(ValueError):
            conn.write(b"x")
        assert conn.version() is None
        assert conn.cipher() is None
    finally:
        conn.close()


def test_connect_refused(client_ctx):
    sock = socket.socket()
    sock.bind((HOST, 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    conn = client_ctx.wrap_socket(socket.socket(), server_hostname="localhost")
    conn.settimeout(TIMEOUT)
    try:
        with pytest.raises(ConnectionRefusedError):
            conn.connect((HOST, port))
    finally:
        conn.close()
    conn = client_ctx.wrap_socket(socket.socket(), server_hostname="localhost")
    conn.settimeout(TIMEOUT)
    try:
        assert conn.connect_ex((HOST, port)) == errno.ECONNREFUSED
    finally:
        conn.close()


# --- peers that do not speak TLS, or stop speaking it -------------------------


def _send_then_close(payload):
    def handler(conn):
        conn.recv(4096)  # the ClientHello
        conn.sendall(payload)
        conn.shutdown(socket.SHUT_RDWR)

    return handler


@pytest.mark.parametrize(
    "payload",
    [
        b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n",
        b"SSH-2.0-OpenSSH_9.0\r\n",
        bytes(range(256)) * 4,
        b"\x16\x03\x03\x00\x05\x02\x00\x00\x01\x00",  # a truncated ServerHello
    ],
    ids=["http", "ssh", "binary", "truncated-serverhello"],
)
def test_garbage_from_server(server, client_ctx, payload):
    srv = server(handler=_send_then_close(payload))
    start = time.monotonic()
    with pytest.raises(ssl.SSLError):
        _tls_client(client_ctx, srv)
    assert time.monotonic() - start < TIMEOUT


def test_garbage_from_client(server, server_ctx):
    srv = server(server_ctx)
    with socket.create_connection(srv.address, timeout=TIMEOUT) as sock:
        sock.sendall(b"GET / HTTP/1.0\r\n\r\n")
        # The server answers with an alert (or just closes) and gives up.
        try:
            sock.recv(4096)
        except ConnectionResetError:
            pass
    srv.wait_handled()
    assert len(srv.errors) == 1
    assert isinstance(srv.errors[0], ssl.SSLError)


def strict_eof(ctx):
    """Make an EOF without close_notify an error (the default since 3.10)."""
    ctx.options &= ~ssl.OP_IGNORE_UNEXPECTED_EOF
    return ctx


OLD_STDLIB_EOF = UNDER_STDLIB and sys.version_info < (3, 10)


def assert_eof_error(exc):
    """An EOF that breaks the protocol is SSLEOFError (since CPython 3.10)."""
    if OLD_STDLIB_EOF:
        # 3.8/3.9 on OpenSSL 3 report it as a plain SSLError.
        assert isinstance(exc, ssl.SSLError) and "EOF" in str(exc).upper()
    else:
        assert isinstance(exc, ssl.SSLEOFError), repr(exc)


def test_unexpected_eof_is_not_ignored_by_default(client_ctx, server_ctx):
    if UNDER_STDLIB and sys.version_info < (3, 10):
        pytest.skip("the stdlib before 3.10 sets OP_IGNORE_UNEXPECTED_EOF by default")
    assert not client_ctx.options & ssl.OP_IGNORE_UNEXPECTED_EOF
    assert not server_ctx.options & ssl.OP_IGNORE_UNEXPECTED_EOF


def test_server_closes_during_handshake(server, client_ctx):
    strict_eof(client_ctx)

    def handler(conn):
        conn.recv(4096)  # read the ClientHello, answer nothing
        conn.shutdown(socket.SHUT_RDWR)

    srv = server(handler=handler)
    with pytest.raises(OSError) as info:
        _tls_client(client_ctx, srv)
    # An EOF in the handshake is SSLEOFError; a reset is possible too if the
    # peer's kernel saw unread data. Both are OSErrors, never a hang.
    if not isinstance(info.value, ConnectionResetError):
        assert_eof_error(info.value)


def test_server_closes_during_handshake_sslobject(client_ctx):
    strict_eof(client_ctx)
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = client_ctx.wrap_bio(incoming, outgoing, server_hostname="localhost")
    with pytest.raises(ssl.SSLWantReadError):
        obj.do_handshake()
    assert outgoing.pending > 0  # the ClientHello
    incoming.write_eof()
    with pytest.raises(ssl.SSLError) as info:
        obj.do_handshake()
    assert_eof_error(info.value)


def _ragged_server(data):
    """Handshake, send *data*, then close the TCP connection without close_notify."""

    def handler(conn):
        conn.sendall(data)
        raw = socket.socket(fileno=conn.detach())
        raw.shutdown(socket.SHUT_RDWR)
        raw.close()

    return handler


def test_ragged_eof_suppressed(server, server_ctx, client_ctx):
    if OLD_STDLIB_EOF:
        pytest.skip("the stdlib before 3.10 does not suppress OpenSSL 3's EOF error")
    strict_eof(client_ctx)
    srv = server(server_ctx, _ragged_server(b"partial"))
    with _tls_client(client_ctx, srv) as conn:
        got = b""
        while len(got) < 7:
            chunk = conn.recv(100)
            assert chunk, "EOF before the data"
            got += chunk
        assert got == b"partial"
        # suppress_ragged_eofs=True (the default): EOF reads as b"".
        assert conn.recv(100) == b""


def test_ragged_eof_raised(server, server_ctx, client_ctx):
    strict_eof(client_ctx)
    srv = server(server_ctx, _ragged_server(b"partial"))
    with _tls_client(client_ctx, srv, suppress_ragged_eofs=False) as conn:
        got = b""
        with pytest.raises(ssl.SSLError) as info:
            for _ in range(100):
                got += conn.recv(100)
        assert_eof_error(info.value)
        assert got == b"partial"


def test_ragged_eof_ignored_by_option(server, server_ctx, client_ctx):
    # OpenSSL 3.0 added SSL_OP_IGNORE_UNEXPECTED_EOF; with 1.1.1 the constant
    # is 0, as in CPython, and a ragged EOF is still an error.
    has_option = ssl.OPENSSL_VERSION_INFO >= (3, 0)
    assert bool(ssl.OP_IGNORE_UNEXPECTED_EOF) == has_option
    client_ctx.options |= ssl.OP_IGNORE_UNEXPECTED_EOF
    srv = server(server_ctx, _ragged_server(b"partial"))
    with _tls_client(client_ctx, srv, suppress_ragged_eofs=False) as conn:
        got = b""
        for _ in range(100):
            chunk = conn.recv(100) if has_option else conn.recv(100 - len(got))
            if not chunk:
                break
            got += chunk
            if not has_option and got == b"partial":
                break
        assert got == b"partial"
        if has_option:
            assert conn.recv(100) == b""
        else:
            with pytest.raises(ssl.SSLEOFError):
                conn.recv(100)


def test_clean_shutdown_reads_empty(server, server_ctx, client_ctx):
    def handler(conn):
        conn.sendall(b"bye")
        conn.unwrap().close()  # close_notify, then close

    srv = server(server_ctx, handler)
    with _tls_client(client_ctx, srv, suppress_ragged_eofs=False) as conn:
        got = b""
        while True:
            chunk = conn.recv(100)
            if not chunk:
                break
            got += chunk
        assert got == b"bye"
        conn.unwrap()  # answer the close_notify
    srv.wait_handled()
    assert srv.errors == []


def test_unwrap_gives_back_plain_socket(server, server_ctx, client_ctx):
    def handler(conn):
        assert conn.recv(5) == b"hello"
        plain = conn.unwrap()
        plain.sendall(b"plain text")
        return plain.recv(6)

    srv = server(server_ctx, handler)
    conn = _tls_client(client_ctx, srv)
    conn.sendall(b"hello")
    plain = conn.unwrap()
    try:
        # Unwrapped: bytes go over the same TCP connection in the clear.
        assert plain.recv(100) == b"plain text"
        plain.sendall(b"thanks")
    finally:
        plain.close()
    srv.wait_handled()
    assert srv.errors == [] and srv.results == [b"thanks"]


# --- timeouts -----------------------------------------------------------------


def _silent(conn):
    """Accept and then say nothing until the client goes away."""
    try:
        while conn.recv(4096):
            pass
    except OSError:
        pass


def test_handshake_timeout(server, client_ctx):
    srv = server(handler=_silent)
    sock = socket.create_connection(srv.address, timeout=TIMEOUT)
    sock.settimeout(0.5)
    start = time.monotonic()
    try:
        with pytest.raises(socket.timeout):
            client_ctx.wrap_socket(sock, server_hostname="localhost")
        elapsed = time.monotonic() - start
        assert 0.3 < elapsed < 5
    finally:
        sock.close()


def test_recv_timeout_after_handshake(server, server_ctx, client_ctx):
    srv = server(server_ctx, _silent)
    with _tls_client(client_ctx, srv) as conn:
        conn.settimeout(0.5)
        start = time.monotonic()
        with pytest.raises(socket.timeout):
            conn.recv(10)
        assert 0.3 < time.monotonic() - start < 5
        # The connection is still usable after a timeout.
        conn.settimeout(TIMEOUT)
        conn.sendall(b"still here")


def test_sendall_timeout_when_peer_does_not_read(server, server_ctx, client_ctx):
    stop = threading.Event()

    def handler(conn):
        stop.wait(TIMEOUT)  # never reads

    srv = server(server_ctx, handler)
    with _tls_client(client_ctx, srv) as conn:
        conn.settimeout(0.5)
        start = time.monotonic()
        try:
            with pytest.raises(socket.timeout):
                conn.sendall(b"x" * (64 * 1024 * 1024))
        finally:
            stop.set()
        assert time.monotonic() - start < TIMEOUT


# --- non-blocking -------------------------------------------------------------


def test_nonblocking_handshake_wants_read(server, client_ctx):
    srv = server(handler=_silent)
    sock = socket.create_connection(srv.address, timeout=TIMEOUT)
    conn = client_ctx.wrap_socket(sock, server_hostname="localhost", do_handshake_on_connect=False)
    try:
        conn.setblocking(False)
        with pytest.raises(ssl.SSLWantReadError) as info:
            conn.do_handshake()
        assert info.value.errno == ssl.SSL_ERROR_WANT_READ
        # SSLWantReadError is an SSLError and an OSError.
        assert isinstance(info.value, ssl.SSLError)
    finally:
        conn.close()


def test_nonblocking_handshake_and_recv(server, server_ctx, client_ctx):
    import select

    def handler(conn):
        data = conn.recv(100)
        conn.sendall(data.upper())
        conn.recv(100)

    srv = server(server_ctx, handler)
    sock = socket.create_connection(srv.address, timeout=TIMEOUT)
    conn = client_ctx.wrap_socket(sock, server_hostname="localhost", do_handshake_on_connect=False)
    try:
        conn.setblocking(False)
        deadline = time.monotonic() + TIMEOUT
        while True:
            try:
                conn.do_handshake()
                break
            except ssl.SSLWantReadError:
                select.select([conn], [], [], 0.5)
            except ssl.SSLWantWriteError:
                select.select([], [conn], [], 0.5)
            assert time.monotonic() < deadline, "non-blocking handshake did not finish"
        with pytest.raises(ssl.SSLWantReadError):
            conn.recv(100)  # nothing sent yet
        conn.send(b"hello")
        got = b""
        while got != b"HELLO":
            try:
                got += conn.recv(100)
            except ssl.SSLWantReadError:
                select.select([conn], [], [], 0.5)
            assert time.monotonic() < deadline, "no reply"
        assert conn.pending() == 0
    finally:
        conn.close()


def test_sslobject_read_wants_read_not_block(bio_pair, client_ctx, server_ctx):
    pair = bio_pair(client_ctx, server_ctx).handshake()
    with pytest.raises(ssl.SSLWantReadError):
        pair.client.read(10)
    with pytest.raises(ssl.SSLWantReadError):
        pair.server.read(10)
