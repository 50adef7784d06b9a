"""TLS features end to end: in memory (SSLObject pairs) and over loopback sockets."""

import os
import socket
import sys

import pytest

from conftest import UNDER_STDLIB, BioPair, Server, connect, require_api, ssl


def new_client(certs, **kw):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile=certs.cafile)
    for k, v in kw.items():
        setattr(ctx, k, v)
    return ctx


def new_server(certs, combined=None, **kw):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(combined or certs.server_combined)
    for k, v in kw.items():
        setattr(ctx, k, v)
    return ctx


# --- MemoryBIO / SSLObject ----------------------------------------------------


def test_memory_bio_pair_handshake_and_data(client_ctx, server_ctx):
    pair = BioPair(client_ctx, server_ctx).handshake()
    assert pair.client.server_side is False
    assert pair.server.server_side is True
    assert pair.client.server_hostname == "localhost"
    assert pair.send(pair.client, pair.server, b"ping") == b"ping"
    big = os.urandom(200000)
    assert pair.send(pair.server, pair.client, big) == big
    assert pair.client.version() == pair.server.version()
    assert pair.client.cipher() == pair.server.cipher()


def test_memory_bio_pair_shutdown(client_ctx, server_ctx):
    pair = BioPair(client_ctx, server_ctx).handshake()
    with pytest.raises(ssl.SSLWantReadError):
        pair.client.unwrap()  # sent close_notify, waits for the answer
    pair.pump()
    pair.server.unwrap()  # got it, answers
    pair.pump()
    pair.client.unwrap()  # done
    # After close_notify the peer reads EOF.
    with pytest.raises(ssl.SSLZeroReturnError):
        pair.server.read(1)


def test_memory_bio_basics():
    bio = ssl.MemoryBIO()
    assert bio.pending == 0 and bio.eof is False
    bio.write(b"abc")
    bio.write(bytearray(b"def"))
    bio.write(memoryview(b"ghi"))
    assert bio.pending == 9
    assert bio.read(2) == b"ab"
    assert bio.read() == b"cdefghi"
    assert bio.read() == b""
    assert bio.eof is False  # no write_eof yet
    bio.write_eof()
    assert bio.eof is True
    with pytest.raises(ssl.SSLError):
        bio.write(b"late")


def test_sslobject_write_before_handshake_drives_it(client_ctx):
    obj = client_ctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="localhost")
    with pytest.raises(ssl.SSLWantReadError):
        obj.write(b"early")


# --- certificates and verification --------------------------------------------


def test_getpeercert_dict_and_binary(certs, client_ctx, server_ctx):
    pair = BioPair(client_ctx, server_ctx).handshake()
    cert = pair.client.getpeercert()
    assert ("DNS", "localhost") in cert["subjectAltName"]
    assert ("IP Address", "127.0.0.1") in cert["subjectAltName"]
    for key in ("subject", "issuer", "notBefore", "notAfter", "serialNumber", "version"):
        assert key in cert
    assert cert["version"] == 3
    assert isinstance(cert["notAfter"], str)
    assert ssl.cert_time_to_seconds(cert["notAfter"]) > ssl.cert_time_to_seconds(cert["notBefore"])
    der = pair.client.getpeercert(binary_form=True)
    assert der == ssl.PEM_cert_to_DER_cert(certs.server_cert_pem)
    # The server asked for no client certificate.
    assert pair.server.getpeercert() is None
    assert pair.server.getpeercert(binary_form=True) is None


def test_getpeercert_no_verification_gives_empty_dict(certs, server_ctx):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    pair = BioPair(ctx, server_ctx).handshake()
    # Not verified: the dict form is empty, the binary form is still there.
    assert pair.client.getpeercert() == {}
    assert pair.client.getpeercert(binary_form=True) == ssl.PEM_cert_to_DER_cert(
        certs.server_cert_pem
    )


def test_unknown_ca_fails_with_verify_code(certs):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile=certs.other_cafile)
    pair = BioPair(ctx, new_server(certs))
    with pytest.raises(ssl.SSLCertVerificationError) as info:
        pair.handshake()
    err = info.value
    assert isinstance(err, ssl.SSLError) and isinstance(err, ValueError)
    assert err.verify_code == 20  # X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
    assert "issuer" in err.verify_message
    assert err.library == "SSL"
    assert err.reason == "CERTIFICATE_VERIFY_FAILED"


def test_hostname_mismatch(certs, client_ctx, server_ctx):
    pair = BioPair(client_ctx, server_ctx, server_hostname="wrong.example")
    with pytest.raises(ssl.SSLCertVerificationError) as info:
        pair.handshake()
    assert info.value.verify_code == 62  # X509_V_ERR_HOSTNAME_MISMATCH
    assert "wrong.example" in info.value.verify_message


def test_ip_address_hostname(certs, client_ctx, server_ctx):
    pair = BioPair(client_ctx, server_ctx, server_hostname="127.0.0.1").handshake()
    assert pair.client.getpeercert()


def test_client_certificate(certs):
    server_ctx = new_server(certs, verify_mode=ssl.CERT_REQUIRED)
    server_ctx.load_verify_locations(cafile=certs.cafile)
    client_ctx = new_client(certs)
    client_ctx.load_cert_chain(certs.client_combined)
    pair = BioPair(client_ctx, server_ctx).handshake()
    pair.send(pair.client, pair.server, b"x")
    peer = pair.server.getpeercert()
    assert ("DNS", "client.example") in peer["subjectAltName"]


def test_client_certificate_missing(certs, client_ctx):
    server_ctx = new_server(certs, verify_mode=ssl.CERT_REQUIRED)
    server_ctx.load_verify_locations(cafile=certs.cafile)
    pair = BioPair(client_ctx, server_ctx)
    # The server refuses; with TLS 1.3 the client only learns it on its next
    # read, as an alert.
    with pytest.raises(ssl.SSLError):
        pair.handshake()
    pair.pump()
    with pytest.raises(ssl.SSLError) as info:
        pair.client.read(1)
    assert not isinstance(info.value, ssl.SSLWantReadError)


def test_post_handshake_auth(certs):
    server_ctx = new_server(certs, verify_mode=ssl.CERT_REQUIRED, post_handshake_auth=True)
    server_ctx.load_verify_locations(cafile=certs.cafile)
    client_ctx = new_client(certs, post_handshake_auth=True)
    client_ctx.load_cert_chain(certs.client_combined)
    pair = BioPair(client_ctx, server_ctx).handshake()
    # With PHA the server does not ask during the handshake.
    assert pair.server.getpeercert() is None
    pair.server.verify_client_post_handshake()
    assert pair.send(pair.server, pair.client, b"ping") == b"ping"
    assert pair.send(pair.client, pair.server, b"pong") == b"pong"
    peer = pair.server.getpeercert()
    assert ("DNS", "client.example") in peer["subjectAltName"]
    # Only a server can ask.
    with pytest.raises(ssl.SSLError):
        pair.client.verify_client_post_handshake()


def test_post_handshake_auth_not_offered_by_client(certs, client_ctx):
    server_ctx = new_server(certs, verify_mode=ssl.CERT_REQUIRED, post_handshake_auth=True)
    server_ctx.load_verify_locations(cafile=certs.cafile)
    client_ctx.post_handshake_auth = False
    pair = BioPair(client_ctx, server_ctx).handshake()
    # The client did not offer PHA: the server cannot ask for a certificate.
    with pytest.raises(ssl.SSLError):
        pair.server.verify_client_post_handshake()
    assert pair.server.getpeercert() is None


# --- negotiation ----------------------------------------------------------------


def test_version_cipher_shared_ciphers(client_ctx, server_ctx):
    pair = BioPair(client_ctx, server_ctx).handshake()
    assert pair.client.version() == "TLSv1.3"
    name, version, bits = pair.client.cipher()
    assert version == "TLSv1.3" and name.startswith("TLS_") and bits >= 128
    shared = pair.server.shared_ciphers()
    assert (name, version, bits) in shared
    assert all(len(c) == 3 for c in shared)
    assert pair.client.compression() is None


@pytest.mark.parametrize(
    "version,name",
    [
        ("TLSv1_2", "TLSv1.2"),
        ("TLSv1_3", "TLSv1.3"),
    ],
)
def test_maximum_version_caps_the_handshake(client_ctx, server_ctx, version, name):
    client_ctx.maximum_version = getattr(ssl.TLSVersion, version)
    pair = BioPair(client_ctx, server_ctx).handshake()
    assert pair.client.version() == name == pair.server.version()


def test_disjoint_version_bounds_fail(client_ctx, server_ctx):
    client_ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    server_ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    with pytest.raises(ssl.SSLError):
        BioPair(client_ctx, server_ctx).handshake()


def test_tls12_cipher_selection(client_ctx, server_ctx):
    client_ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    client_ctx.set_ciphers("ECDHE+AESGCM")
    server_ctx.set_ciphers("ECDHE+CHACHA20:ECDHE+AESGCM")
    pair = BioPair(client_ctx, server_ctx).handshake()
    name, version, _ = pair.client.cipher()
    assert version == "TLSv1.2" and "GCM" in name
    names = [c["name"] for c in client_ctx.get_ciphers()]
    assert all("GCM" in n or n.startswith("TLS_") for n in names)


def test_no_shared_cipher(client_ctx, server_ctx):
    client_ctx.maximum_version = server_ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    client_ctx.set_ciphers("ECDHE+AESGCM")
    server_ctx.set_ciphers("ECDHE+CHACHA20")
    with pytest.raises(ssl.SSLError):
        BioPair(client_ctx, server_ctx).handshake()


def test_security_level(client_ctx):
    level = require_api(client_ctx, "security_level", (3, 10))
    assert isinstance(level, int) and 0 <= level <= 5
    client_ctx.set_ciphers("DEFAULT:@SECLEVEL=3")
    assert client_ctx.security_level == 3
    client_ctx.set_ciphers("DEFAULT:@SECLEVEL=1")
    assert client_ctx.security_level == 1


def test_alpn(client_ctx, server_ctx):
    client_ctx.set_alpn_protocols(["h2", "http/1.1"])
    server_ctx.set_alpn_protocols(["http/1.1", "spdy/2"])
    pair = BioPair(client_ctx, server_ctx).handshake()
    assert pair.client.selected_alpn_protocol() == "http/1.1"
    assert pair.server.selected_alpn_protocol() == "http/1.1"


def test_alpn_no_overlap_or_not_offered(client_ctx, server_ctx):
    client_ctx.set_alpn_protocols(["h2"])
    server_ctx.set_alpn_protocols(["http/1.1"])
    pair = BioPair(client_ctx, server_ctx).handshake()
    assert pair.client.selected_alpn_protocol() is None
    assert pair.server.selected_alpn_protocol() is None


def test_sni_callback_switches_context(certs, client_ctx):
    seen = []
    other = new_server(certs, certs.other_server_combined)
    server_ctx = new_server(certs)

    def callback(sslobj, name, ctx):
        seen.append((name, ctx is server_ctx))
        if name == "other.example":
            sslobj.context = other
        return None

    server_ctx.sni_callback = callback
    pair = BioPair(client_ctx, server_ctx, server_hostname="other.example").handshake()
    assert seen == [("other.example", True)]
    assert ("DNS", "other.example") in pair.client.getpeercert()["subjectAltName"]
    assert pair.server.context is other
    # Without the switch the default certificate is served.
    pair = BioPair(client_ctx, server_ctx).handshake()
    assert ("DNS", "localhost") in pair.client.getpeercert()["subjectAltName"]
    assert seen[-1] == ("localhost", True)


def test_sni_switch_takes_the_new_contexts_msg_callback(certs, client_ctx):
    # A connection moved by the SNI callback reports its remaining handshake
    # messages to the message callback of the context it moved to.
    seen = []
    other = new_server(certs, certs.other_server_combined)
    other._msg_callback = lambda conn, direction, *rest: seen.append(direction)
    server_ctx = new_server(certs)

    def callback(sslobj, name, ctx):
        sslobj.context = other

    server_ctx.sni_callback = callback
    BioPair(client_ctx, server_ctx, server_hostname="other.example").handshake()
    assert "write" in seen  # the ServerHello and what follows it


def test_sni_callback_alert(certs, client_ctx):
    server_ctx = new_server(certs)
    server_ctx.sni_callback = lambda sslobj, name, ctx: ssl.ALERT_DESCRIPTION_ACCESS_DENIED
    pair = BioPair(client_ctx, server_ctx)
    with pytest.raises(ssl.SSLError):
        pair.handshake()  # the server side refuses
    pair.pump()
    # The client gets the alert the callback chose.
    with pytest.raises(ssl.SSLError) as info:
        pair.client.do_handshake()
    assert info.value.reason == "TLSV1_ALERT_ACCESS_DENIED"


def test_sni_callback_exception_fails_handshake(certs, client_ctx):
    server_ctx = new_server(certs)

    def callback(sslobj, name, ctx):
        raise ZeroDivisionError("callback bug")

    server_ctx.sni_callback = callback
    pair = BioPair(client_ctx, server_ctx)
    old_hook = getattr(sys, "unraisablehook", None)
    unraisable = []
    if old_hook is not None:
        sys.unraisablehook = unraisable.append
    try:
        # The handshake fails (never succeeds silently), and the callback's
        # exception is reported, not lost: re-raised or sent to
        # sys.unraisablehook.
        with pytest.raises(Exception) as info:
            pair.handshake()
    finally:
        if old_hook is not None:
            sys.unraisablehook = old_hook
    reported = (
        isinstance(info.value, ZeroDivisionError)
        or isinstance(info.value.__context__, ZeroDivisionError)
        or any(isinstance(u.exc_value, ZeroDivisionError) for u in unraisable)
    )
    assert reported
    with pytest.raises(ssl.SSLError):
        pair.pump()
        pair.client.do_handshake()


def test_server_hostname_seen_by_sni(certs, client_ctx):
    names = []
    server_ctx = new_server(certs)
    server_ctx.sni_callback = lambda sslobj, name, ctx: names.append(name)
    BioPair(client_ctx, server_ctx, server_hostname="127.0.0.1").handshake()
    BioPair(client_ctx, server_ctx, server_hostname="LocalHost").handshake()
    # No SNI for an IP address; a name arrives as the client gave it.
    assert names == [None, "LocalHost"]


# --- sessions ---------------------------------------------------------------------


@pytest.mark.parametrize("version", ["TLSv1_2", "TLSv1_3"])
def test_session_reuse(client_ctx, server_ctx, version):
    client_ctx.maximum_version = getattr(ssl.TLSVersion, version)
    first = BioPair(client_ctx, server_ctx).handshake()
    # TLS 1.3 tickets come after the handshake: read once to take them in.
    first.send(first.server, first.client, b"x")
    session = first.client.session
    assert session is not None
    assert isinstance(session, ssl.SSLSession)
    assert first.client.session_reused is False
    assert session.has_ticket
    assert isinstance(session.id, bytes)
    assert session.time > 0 and session.timeout > 0
    second = BioPair(client_ctx, server_ctx, session=session).handshake()
    assert second.client.session_reused is True
    assert second.server.session_reused is True
    assert server_ctx.session_stats()["hits"] >= 1


def test_session_rules(certs, client_ctx, server_ctx):
    pair = BioPair(client_ctx, server_ctx).handshake()
    pair.send(pair.server, pair.client, b"x")
    session = pair.client.session
    # A session can only go to a connection of the same context...
    other_ctx = new_client(certs)
    fresh = other_ctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="localhost")
    with pytest.raises(ValueError):
        fresh.session = session
    # ...and only before the handshake.
    with pytest.raises(ValueError):
        pair.client.session = session
    with pytest.raises(TypeError):
        fresh.session = "not a session"
    # A server does not take a session.
    srv = server_ctx.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_side=True)
    with pytest.raises(ValueError):
        srv.session = session


def test_session_equality(client_ctx, server_ctx):
    pair = BioPair(client_ctx, server_ctx).handshake()
    pair.send(pair.server, pair.client, b"x")
    first = pair.client.session
    assert first == pair.client.session
    assert first != "not a session"
    other = BioPair(client_ctx, server_ctx).handshake()
    other.send(other.server, other.client, b"x")
    assert other.client.session != first


# --- channel binding, keylog, message callback --------------------------------------


def test_channel_binding(client_ctx, server_ctx):
    client_ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    pair = BioPair(client_ctx, server_ctx).handshake()
    c = pair.client.get_channel_binding("tls-unique")
    s = pair.server.get_channel_binding("tls-unique")
    assert isinstance(c, bytes) and len(c) == 12
    assert c == s
    assert pair.client.get_channel_binding() == c  # tls-unique is the default
    with pytest.raises(ValueError):
        pair.client.get_channel_binding("tls-server-end-point-nope")
    assert "tls-unique" in ssl.CHANNEL_BINDING_TYPES


def test_channel_binding_differs_between_connections(client_ctx, server_ctx):
    client_ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    a = BioPair(client_ctx, server_ctx).handshake().client.get_channel_binding()
    b = BioPair(client_ctx, server_ctx).handshake().client.get_channel_binding()
    assert a != b


def test_keylog_filename(tmp_path, client_ctx, server_ctx):
    path = str(tmp_path / "keys.log")
    client_ctx.keylog_filename = path
    assert client_ctx.keylog_filename == path
    BioPair(client_ctx, server_ctx).handshake()
    client_ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    BioPair(client_ctx, server_ctx).handshake()
    client_ctx.keylog_filename = None
    assert client_ctx.keylog_filename is None
    with open(path) as f:
        lines = [ln for ln in f.read().splitlines() if ln and not ln.startswith("#")]
    labels = {ln.split()[0] for ln in lines}
    assert {
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
        "SERVER_HANDSHAKE_TRAFFIC_SECRET",
        "CLIENT_TRAFFIC_SECRET_0",
        "SERVER_TRAFFIC_SECRET_0",
    } <= labels
    assert "CLIENT_RANDOM" in labels  # the TLS 1.2 connection
    for line in lines:
        label, client_random, secret = line.split()
        assert len(client_random) == 64
        int(client_random, 16), int(secret, 16)


def test_keylog_appends(tmp_path, client_ctx, server_ctx):
    path = tmp_path / "keys.log"
    path.write_text("# existing\n")
    client_ctx.keylog_filename = str(path)
    BioPair(client_ctx, server_ctx).handshake()
    text = path.read_text()
    assert text.startswith("# existing\n")
    assert "CLIENT_TRAFFIC_SECRET_0" in text


def test_msg_callback(client_ctx, server_ctx):
    calls = []

    def callback(conn, direction, version, content_type, msg_type, data):
        calls.append((conn, direction, version, content_type, msg_type, data))

    client_ctx._msg_callback = callback
    assert client_ctx._msg_callback is callback
    pair = BioPair(client_ctx, server_ctx).handshake()
    assert calls
    assert {c[1] for c in calls} == {"read", "write"}
    assert all(c[0] is pair.client for c in calls)
    assert all(isinstance(c[5], bytes) for c in calls)
    # The first message the client writes is its ClientHello.
    writes = [c for c in calls if c[1] == "write" and c[3] == ssl._TLSContentType.HANDSHAKE]
    assert writes[0][4] == ssl._TLSMessageType.CLIENT_HELLO
    client_ctx._msg_callback = None
    n = len(calls)
    BioPair(client_ctx, server_ctx).handshake()
    assert len(calls) == n


# --- PSK --------------------------------------------------------------------------


def test_psk_tls12():
    if UNDER_STDLIB and sys.version_info < (3, 13):
        pytest.skip("the stdlib has PSK callbacks from 3.13")
    # OpenSSL 3.0, which pyssl is built against here, has PSK: pyssl must say so.
    assert ssl.HAS_PSK is True
    psk = bytes.fromhex("c0ffee00" * 8)
    identities = []

    def client_cb(hint):
        return "client-id", psk

    def server_cb(identity):
        identities.append(identity)
        return psk

    client_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client_ctx.check_hostname = False
    client_ctx.verify_mode = ssl.CERT_NONE
    client_ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    client_ctx.set_ciphers("PSK")
    client_ctx.set_psk_client_callback(client_cb)
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    server_ctx.set_ciphers("PSK")
    server_ctx.set_psk_server_callback(server_cb, "server-hint")
    pair = BioPair(client_ctx, server_ctx, server_hostname=None).handshake()
    assert identities == ["client-id"]
    assert "PSK" in pair.client.cipher()[0]
    assert pair.send(pair.client, pair.server, b"psk works") == b"psk works"


def test_psk_mismatch_and_bad_callbacks():
    if UNDER_STDLIB and sys.version_info < (3, 13):
        pytest.skip("the stdlib has PSK callbacks from 3.13")
    assert ssl.HAS_PSK is True
    client_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client_ctx.check_hostname = False
    client_ctx.verify_mode = ssl.CERT_NONE
    client_ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    client_ctx.set_ciphers("PSK")
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    server_ctx.set_ciphers("PSK")
    with pytest.raises(TypeError):
        client_ctx.set_psk_client_callback(42)
    with pytest.raises(ssl.SSLError):
        server_ctx.set_psk_client_callback(lambda hint: ("id", b"k"))  # server context
    with pytest.raises(ssl.SSLError):
        client_ctx.set_psk_server_callback(lambda identity: b"k")  # client context
    client_ctx.set_psk_client_callback(lambda hint: ("id", b"A" * 32))
    server_ctx.set_psk_server_callback(lambda identity: b"B" * 32)
    with pytest.raises(ssl.SSLError):
        BioPair(client_ctx, server_ctx, server_hostname=None).handshake()


# --- sockets over loopback -------------------------------------------------------------


def test_socket_echo_and_properties(server, certs, client_ctx, server_ctx):
    srv = server(server_ctx)
    with connect(client_ctx, srv) as conn:
        assert isinstance(conn, ssl.SSLSocket)
        assert conn.context is client_ctx
        assert conn.server_hostname == "localhost"
        conn.sendall(b"hello")
        assert conn.recv(5) == b"hello"
        buf = bytearray(5)
        conn.sendall(b"world")
        assert conn.recv_into(buf) == 5 and buf == b"world"
        assert conn.version() == "TLSv1.3"
        assert ("DNS", "localhost") in conn.getpeercert()["subjectAltName"]
        with pytest.raises(ValueError):
            conn.recv(5, socket.MSG_PEEK)  # flags are not supported on TLS
    srv.wait_handled()
    assert srv.errors == []


def test_socket_makefile(server, client_ctx, server_ctx):
    srv = server(server_ctx)
    with connect(client_ctx, srv) as conn:
        f = conn.makefile("rwb")
        f.write(b"line one\nline two\n")
        f.flush()
        assert f.readline() == b"line one\n"
        assert f.readline() == b"line two\n"
        f.close()


def test_create_default_context_against_server(server, certs, server_ctx):
    ctx = ssl.create_default_context(cafile=certs.cafile)
    assert ctx.verify_mode == ssl.CERT_REQUIRED and ctx.check_hostname
    srv = server(server_ctx)
    with connect(ctx, srv) as conn:
        conn.sendall(b"ok")
        assert conn.recv(2) == b"ok"


def test_get_server_certificate(server, certs, server_ctx):
    srv = server(server_ctx, handler=lambda conn: None)
    pem = ssl.get_server_certificate(srv.address, ca_certs=certs.cafile)
    assert ssl.PEM_cert_to_DER_cert(pem) == ssl.PEM_cert_to_DER_cert(certs.server_cert_pem)


def test_interop_with_the_stdlib_in_one_process(certs):
    # pyssl and the stdlib's own _ssl (each with its libssl) load side by side
    # in one process and talk to each other both ways.
    import ssl as stdlib_ssl

    std_server = stdlib_ssl.SSLContext(stdlib_ssl.PROTOCOL_TLS_SERVER)
    std_server.load_cert_chain(certs.server_combined)
    std_client = stdlib_ssl.SSLContext(stdlib_ssl.PROTOCOL_TLS_CLIENT)
    std_client.load_verify_locations(certs.cafile)
    for server_ctx, client_ctx in (
        (std_server, new_client(certs)),
        (new_server(certs), std_client),
    ):
        with Server(server_ctx) as srv:
            with connect(client_ctx, srv) as conn:
                msg = b"across implementations"
                conn.sendall(msg)
                got = b""
                while len(got) < len(msg):
                    chunk = conn.recv(100)
                    assert chunk
                    got += chunk
                assert got == msg
                assert conn.version() == "TLSv1.3"
        assert srv.errors == []
