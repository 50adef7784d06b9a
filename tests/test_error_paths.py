"""Paths users reach rarely but must get right: an error that arrives
after data, a socket that is gone, a resumed session's chain, old protocol
constants.

Found unexercised by ci/coverage.sh; each test states what a user sees.
"""

import gc
import socket
import time
import warnings

import pytest

from conftest import TIMEOUT, BioPair, ssl


def tls_pair(client_ctx, server_ctx):
    """A connected SSLSocket pair over socketpair(), handshake done."""
    a, b = socket.socketpair()
    for s in (a, b):
        s.settimeout(TIMEOUT)
    server = server_ctx.wrap_socket(b, server_side=True, do_handshake_on_connect=False)
    client = client_ctx.wrap_socket(a, server_hostname="localhost", do_handshake_on_connect=False)
    import threading

    t = threading.Thread(target=server.do_handshake)
    t.start()
    client.do_handshake()
    t.join(TIMEOUT)
    return client, server


def test_error_after_data_keeps_the_data(client_ctx, server_ctx):
    """A good record, then garbage: the data is returned first, and the
    error comes with the next read, not instead of the data."""
    client_ctx.maximum_version = ssl.TLSVersion.TLSv1_2  # no session tickets
    client, server = tls_pair(client_ctx, server_ctx)
    try:
        server.sendall(b"good data")
        # A record whose body fails its MAC, straight on the raw socket, and
        # one byte more: both wait in the kernel behind the good record, so
        # a read that could go on decrypting meets the error after the data.
        raw = socket.socket(fileno=server.fileno())
        try:
            raw.sendall(b"\x17\x03\x03\x00\x20" + b"\x00" * 32 + b"\x17")
        finally:
            raw.detach()
        time.sleep(0.05)  # all of it in the client's kernel buffer
        assert client.recv(65536) == b"good data"
        with pytest.raises(ssl.SSLError) as info:
            client.recv(65536)
        # The reason is OpenSSL's own (bad record MAC on 3.0, record layer
        # failure on 3.5): what matters is a plain SSLError, not an EOF.
        assert type(info.value) is ssl.SSLError, info.value
    finally:
        client.close()
        server.close()


def calls_on(sslobj):
    """What each I/O call of a core object raises now: {name: (type, text)}."""
    seen = {}
    for name, args in (
        ("do_handshake", ()),
        ("shutdown", ()),
        ("read", (10,)),
        ("write", (b"x",)),
    ):
        with pytest.raises(Exception) as info:
            getattr(sslobj, name)(*args)
        seen[name] = (type(info.value), str(info.value))
    return seen


def test_core_object_outliving_its_socket(client_ctx):
    """The C object keeps only a weak reference to its socket: once the
    socket is collected, every call raises SSLError (as the stdlib's)."""
    a, b = socket.socketpair()
    sslobj = client_ctx._wrap_socket(a, False, "localhost")
    del a
    gc.collect()
    for name, (kind, text) in calls_on(sslobj).items():
        assert kind is ssl.SSLError and "socket connection gone" in text, name
    assert sslobj.pending() == 0
    b.close()


def test_core_object_over_a_closed_socket(client_ctx):
    """The socket closed under it: the handshake gets the OSError of the
    dead fd, shutdown says the connection is gone, and reads and writes
    report the EOF, as the stdlib's do."""
    a, b = socket.socketpair()
    sslobj = client_ctx._wrap_socket(a, False, "localhost")
    a.close()
    seen = calls_on(sslobj)
    assert seen["do_handshake"][0] is OSError
    assert seen["shutdown"][0] is ssl.SSLError
    assert "socket connection gone" in seen["shutdown"][1]
    assert seen["read"][0] is ssl.SSLEOFError
    assert seen["write"][0] is ssl.SSLEOFError
    b.close()


def test_resumed_session_server_sees_client_leaf(certs, client_ctx, server_ctx):
    """A server's unverified chain on a resumed session is the client's
    certificate alone (the chain is not kept in the session), not empty."""
    server_ctx.verify_mode = ssl.CERT_REQUIRED
    server_ctx.load_verify_locations(cafile=certs.cafile)
    client_ctx.load_cert_chain(certs.client_combined)
    client_ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    first = BioPair(client_ctx, server_ctx).handshake()
    session = first.client.session
    again = BioPair(client_ctx, server_ctx, session=session).handshake()
    assert again.client.session_reused
    if not hasattr(again.server, "get_unverified_chain"):
        pytest.skip("this ssl has no get_unverified_chain")
    chain = again.server.get_unverified_chain()
    assert chain is not None and len(chain) == 1
    assert chain[0] == again.server.getpeercert(True)


@pytest.mark.parametrize("name", ["PROTOCOL_TLSv1", "PROTOCOL_TLSv1_1"])
def test_old_protocol_constants_still_make_contexts(name):
    """Deprecated, warned about, and still a context for that protocol."""
    if not hasattr(ssl, name):
        pytest.skip("%s is not built in" % name)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ctx = ssl.SSLContext(getattr(ssl, name))
    assert any(
        issubclass(w.category, DeprecationWarning) and name in str(w.message) for w in caught
    ), [str(w.message) for w in caught]
    assert ctx.protocol == getattr(ssl, name)
