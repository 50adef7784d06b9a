"""Wrong arguments to SSLContext and friends: a clear Python exception each time.

Every case names the exception the stdlib raises; pyssl must raise the same
class (or a subclass), never crash, never accept the value silently.
"""

import os

import pytest

from conftest import UNDER_STDLIB, require_api, ssl


def client():
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def server():
    return ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)


def bios():
    return ssl.MemoryBIO(), ssl.MemoryBIO()


# (id, callable, expected exception)
CALLS = [
    ("SSLContext(str)", lambda: ssl.SSLContext("x"), TypeError),
    ("SSLContext(99)", lambda: ssl.SSLContext(99), ValueError),
    ("load_verify_locations()", lambda: client().load_verify_locations(), TypeError),
    ("load_verify_locations(int)", lambda: client().load_verify_locations(1), TypeError),
    (
        "load_verify_locations(capath=int)",
        lambda: client().load_verify_locations(capath=1),
        TypeError,
    ),
    (
        "load_verify_locations(cadata=int)",
        lambda: client().load_verify_locations(cadata=1),
        TypeError,
    ),
    (
        "load_verify_locations(cadata=list)",
        lambda: client().load_verify_locations(cadata=[b"x"]),
        TypeError,
    ),
    (
        "load_verify_locations(cadata=b'')",
        lambda: client().load_verify_locations(cadata=b""),
        ValueError,
    ),
    (
        "load_verify_locations(cadata='')",
        lambda: client().load_verify_locations(cadata=""),
        ValueError,
    ),
    ("load_cert_chain(int)", lambda: client().load_cert_chain(1), TypeError),
    ("load_cert_chain(None)", lambda: client().load_cert_chain(None), TypeError),
    ("load_cert_chain(keyfile=int)", lambda: client().load_cert_chain(__file__, 1), TypeError),
    (
        "load_cert_chain(password=int)",
        lambda: client().load_cert_chain(__file__, password=1),
        TypeError,
    ),
    ("set_ciphers(int)", lambda: client().set_ciphers(1), TypeError),
    ("set_ciphers(nothing)", lambda: client().set_ciphers("NO-SUCH-CIPHER"), ssl.SSLError),
    ("set_ciphers(NUL)", lambda: client().set_ciphers("AES\0GCM"), ValueError),
    ("set_alpn_protocols(int)", lambda: client().set_alpn_protocols(1), TypeError),
    ("set_alpn_protocols([int])", lambda: client().set_alpn_protocols([1]), TypeError),
    (
        "set_alpn_protocols(256 bytes)",
        lambda: client().set_alpn_protocols(["x" * 256]),
        ssl.SSLError,
    ),
    ("set_alpn_protocols(empty name)", lambda: client().set_alpn_protocols([""]), ssl.SSLError),
    ("set_servername_callback(int)", lambda: server().set_servername_callback(1), TypeError),
    ("load_dh_params(int)", lambda: server().load_dh_params(1), TypeError),
    ("set_ecdh_curve(int)", lambda: server().set_ecdh_curve(1), TypeError),
    ("set_ecdh_curve(unknown)", lambda: server().set_ecdh_curve("no-such-curve"), ValueError),
    ("load_default_certs(int)", lambda: client().load_default_certs(1), TypeError),
    ("set_default_verify_paths(arg)", lambda: client().set_default_verify_paths(1), TypeError),
    ("cert_store_stats(arg)", lambda: client().cert_store_stats(1), TypeError),
    ("wrap_bio(int, int)", lambda: client().wrap_bio(1, 2, server_hostname="a"), TypeError),
    (
        "wrap_bio(bio, int)",
        lambda: client().wrap_bio(ssl.MemoryBIO(), b"x", server_hostname="a"),
        TypeError,
    ),
    (
        "wrap_bio(hostname NUL)",
        lambda: client().wrap_bio(*bios(), server_hostname="a\0b"),
        TypeError,
    ),
    (
        "wrap_bio(hostname empty)",
        lambda: client().wrap_bio(*bios(), server_hostname=""),
        ValueError,
    ),
    (
        "wrap_bio(hostname .leading)",
        lambda: client().wrap_bio(*bios(), server_hostname=".example.com"),
        ValueError,
    ),
    (
        "wrap_bio(hostname int)",
        lambda: client().wrap_bio(*bios(), server_hostname=1),
        (TypeError, AttributeError),
    ),
    (
        "wrap_socket(int)",
        lambda: client().wrap_socket(1, server_hostname="a"),
        (TypeError, AttributeError),
    ),
    ("MemoryBIO.write(str)", lambda: ssl.MemoryBIO().write("x"), TypeError),
    ("MemoryBIO.write(int)", lambda: ssl.MemoryBIO().write(1), TypeError),
    ("MemoryBIO.read(str)", lambda: ssl.MemoryBIO().read("x"), TypeError),
    ("SSLObject()", lambda: ssl.SSLObject(), TypeError),
    ("SSLSocket()", lambda: ssl.SSLSocket(), TypeError),
    ("DER_cert_to_PEM_cert(str)", lambda: ssl.DER_cert_to_PEM_cert("x"), TypeError),
    ("PEM_cert_to_DER_cert(junk)", lambda: ssl.PEM_cert_to_DER_cert("junk"), ValueError),
    ("RAND_bytes(-1)", lambda: ssl.RAND_bytes(-1), ValueError),
    ("RAND_bytes(str)", lambda: ssl.RAND_bytes("x"), TypeError),
    ("RAND_add(int)", lambda: ssl.RAND_add(1, 1.0), TypeError),
]


@pytest.mark.parametrize("call,exc", [c[1:] for c in CALLS], ids=[c[0] for c in CALLS])
def test_bad_call_raises(call, exc):
    with pytest.raises(exc):
        call()


# (id, context factory, attribute, value, expected exception)
SETS = [
    ("verify_mode=str", client, "verify_mode", "x", TypeError),
    ("verify_mode=42", client, "verify_mode", 42, ValueError),
    ("verify_mode=None", client, "verify_mode", None, TypeError),
    ("verify_flags=str", client, "verify_flags", "x", TypeError),
    ("options=str", client, "options", "x", TypeError),
    ("minimum_version=str", client, "minimum_version", "x", TypeError),
    ("minimum_version=12345", client, "minimum_version", 12345, ValueError),
    ("maximum_version=-5", client, "maximum_version", -5, ValueError),
    ("keylog_filename=int", client, "keylog_filename", 1, TypeError),
    (
        "keylog_filename in missing dir",
        client,
        "keylog_filename",
        os.path.join(os.sep, "nonexistent-pyssl-dir", "keys.log"),
        FileNotFoundError,
    ),
    ("sni_callback=int", server, "sni_callback", 1, TypeError),
    ("num_tickets=str", server, "num_tickets", "x", TypeError),
    ("num_tickets=-1", server, "num_tickets", -1, ValueError),
    ("num_tickets on a client context", client, "num_tickets", 2, ValueError),
    ("protocol is read-only", client, "protocol", ssl.PROTOCOL_TLS_SERVER, AttributeError),
    ("_msg_callback=int", client, "_msg_callback", 1, TypeError),
]


@pytest.mark.parametrize("factory,attr,value,exc", [s[1:] for s in SETS], ids=[s[0] for s in SETS])
def test_bad_attribute_raises(factory, attr, value, exc):
    ctx = factory()
    before = getattr(ctx, attr)
    with pytest.raises(exc):
        setattr(ctx, attr, value)
    # A refused value leaves the old one in place.
    assert getattr(ctx, attr) == before


def test_security_level_is_read_only():
    ctx = client()
    level = require_api(ctx, "security_level", (3, 10))
    with pytest.raises(AttributeError):
        ctx.security_level = level + 1
    assert ctx.security_level == level


def test_verify_mode_accepts_the_enum_and_plain_ints():
    ctx = client()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    assert ctx.verify_mode == ssl.CERT_NONE
    assert isinstance(ctx.verify_mode, ssl.VerifyMode)
    ctx.verify_mode = 2
    assert ctx.verify_mode is ssl.CERT_REQUIRED


def test_check_hostname_requires_verification():
    ctx = client()
    assert ctx.check_hostname is True
    # CERT_NONE cannot be combined with hostname checking.
    with pytest.raises(ValueError):
        ctx.verify_mode = ssl.CERT_NONE
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    # Turning hostname checking back on turns verification on too.
    ctx.check_hostname = True
    assert ctx.verify_mode == ssl.CERT_REQUIRED


def test_tls_version_bounds_round_trip():
    ctx = client()
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    assert ctx.minimum_version is ssl.TLSVersion.TLSv1_2
    assert ctx.maximum_version is ssl.TLSVersion.TLSv1_2
    ctx.maximum_version = ssl.TLSVersion.MAXIMUM_SUPPORTED
    assert ctx.maximum_version is ssl.TLSVersion.MAXIMUM_SUPPORTED


def test_options_can_be_cleared_and_set():
    ctx = client()
    ctx.options |= ssl.OP_NO_TICKET
    assert ctx.options & ssl.OP_NO_TICKET
    ctx.options &= ~ssl.OP_NO_TICKET
    assert not ctx.options & ssl.OP_NO_TICKET
    assert isinstance(ctx.options, ssl.Options)


def test_wrap_socket_hostname_rules():
    import socket

    sock = socket.socket()
    try:
        # Hostname checking needs a name to check against.
        with pytest.raises(ValueError):
            client().wrap_socket(sock)
        # A server does not send SNI.
        with pytest.raises(ValueError):
            server().wrap_socket(sock, server_side=True, server_hostname="localhost")
    finally:
        sock.close()


def test_closed_sockets_are_refused_by_wrap_socket():
    import socket

    sock = socket.socket()
    sock.close()
    with pytest.raises(OSError):
        client().wrap_socket(sock, server_hostname="localhost")


def test_wrap_socket_refuses_datagram_sockets():
    import socket

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        with pytest.raises(NotImplementedError):
            client().wrap_socket(sock, server_hostname="localhost")
    finally:
        sock.close()


def test_get_ca_certs_empty_store():
    ctx = client()
    assert ctx.get_ca_certs() == []
    assert ctx.get_ca_certs(binary_form=True) == []
    assert ctx.cert_store_stats() == {"x509_ca": 0, "crl": 0, "x509": 0}


def test_session_stats_keys():
    stats = server().session_stats()
    for key in (
        "number",
        "connect",
        "connect_good",
        "accept",
        "accept_good",
        "hits",
        "misses",
        "timeouts",
        "cache_full",
    ):
        assert stats[key] == 0


def test_under_stdlib_flag_matches_module():
    # Guards against running the pyssl suite against the wrong module.
    import importlib

    mod = importlib.import_module(os.environ.get("PYSSL_TEST_MODULE", "pyssl"))
    assert ssl.SSLContext is mod.SSLContext
    assert UNDER_STDLIB == (mod.__name__ == "ssl")
    if not UNDER_STDLIB:
        # Not a re-export of the stdlib: its own classes over its own core.
        import ssl as stdlib_ssl

        assert mod.SSLContext is not stdlib_ssl.SSLContext
        assert not issubclass(mod.SSLContext, stdlib_ssl.SSLContext)
