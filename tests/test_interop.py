"""pyssl against real TLS implementations on loopback.

The pyssl side is always the module under test (``pyssl`` unless
PYSSL_TEST_MODULE says otherwise, see conftest.py); the other side is a real
peer process: ``openssl s_server``/``s_client`` (the system's OpenSSL 3.0 and,
when built, 3.5), ``gnutls-serv``/``gnutls-cli``, ``curl`` and ``nginx``.
tests/peers.py starts them on free ports and kills them at teardown;
ci/install-peers.sh installs them for CI.
"""

import os
import select
import socket
import struct
import threading
import time

import pytest

from conftest import ssl, TIMEOUT, HOST
import peers as P

OPENSSLS = P.openssl_binaries()
OPENSSL_IDS = [name for name, _ in OPENSSLS]
OPENSSL_PATHS = [path for _, path in OPENSSLS]
VERSIONS = ["1.2", "1.3"]
BODY = b"static file served by nginx\n" * 10


class PKI(object):
    """Certificates with a common name, so a peer's printed subject says
    which one it got: localhost (also 127.0.0.1), other.example, a client."""

    def __init__(self, directory):
        import trustme_proxy

        trustme = trustme_proxy.load()
        self.dir = directory
        self.ca = trustme.CA()
        self.cafile = self._write("ca.pem", self.ca.cert_pem.bytes())
        server = self.ca.issue_cert("localhost", "127.0.0.1", common_name="localhost")
        self.server_certfile = self._write(
            "server.crt", b"".join(b.bytes() for b in server.cert_chain_pems)
        )
        self.server_keyfile = self._write("server.key", server.private_key_pem.bytes())
        other = self.ca.issue_cert("other.example", common_name="other.example")
        self.other_combined = self._write(
            "other.pem", other.private_key_and_cert_chain_pem.bytes()
        )
        client = self.ca.issue_cert("client.example", common_name="client.example")
        self.client_certfile = self._write(
            "client.crt", b"".join(b.bytes() for b in client.cert_chain_pems)
        )
        self.client_keyfile = self._write("client.key", client.private_key_pem.bytes())
        self.client_combined = self._write(
            "client.pem", client.private_key_and_cert_chain_pem.bytes()
        )

    def _write(self, name, data):
        path = os.path.join(str(self.dir), name)
        with open(path, "wb") as f:
            f.write(data)
        return path


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return PKI(tmp_path_factory.mktemp("interop-pki"))


@pytest.fixture
def peers(tmp_path, pki):
    p = P.Peers(tmp_path)
    p.pki = pki
    yield p
    p.stop()


def tls_version(version):
    return {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}[version]


def client_context(pki, version=None, cert=False):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile=pki.cafile)
    if version:
        ctx.minimum_version = ctx.maximum_version = tls_version(version)
    if cert:
        ctx.load_cert_chain(pki.client_certfile, pki.client_keyfile)
    return ctx


def server_context(pki, version=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki.server_certfile, pki.server_keyfile)
    if version:
        ctx.minimum_version = ctx.maximum_version = tls_version(version)
    return ctx


def read_all(tls):
    data = b""
    while True:
        chunk = tls.recv(65536)
        if not chunk:
            return data
        data += chunk


def https_get(ctx, address, hostname="localhost", session=None, request=None):
    """GET / from *address* over a pyssl client; (facts, response bytes)."""
    raw = socket.create_connection(address, timeout=TIMEOUT)
    with ctx.wrap_socket(raw, server_hostname=hostname, session=session) as tls:
        tls.sendall(request or b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
        data = read_all(tls)
        facts = {
            "version": tls.version(),
            "alpn": tls.selected_alpn_protocol(),
            "session": tls.session,
            "reused": tls.session_reused,
            "peercert": tls.getpeercert(),
        }
    return facts, data


def subject_cn(cert):
    return dict(rdn[0] for rdn in cert["subject"])["commonName"]


def http_handler(conn):
    """The pyssl HTTPS server's handler: answer one request, report facts."""
    request = b""
    while b"\r\n\r\n" not in request:
        chunk = conn.recv(4096)
        if not chunk:
            break
        request += chunk
    body = b"hello from pyssl\n"
    conn.sendall(
        b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n"
        b"Connection: close\r\n\r\n%s" % (len(body), body)
    )
    return {
        "version": conn.version(),
        "alpn": conn.selected_alpn_protocol(),
        "peercert": conn.getpeercert(),
        "request": request,
    }


REQUEST = b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n"


def s_client(openssl, pki, port, *args):
    return [
        P.require(openssl),
        "s_client",
        "-connect",
        "%s:%d" % (HOST, port),
        "-CAfile",
        pki.cafile,
        "-verify_return_error",
        "-ign_eof",
    ] + list(args)


def only(version):
    return "-tls1_2" if version == "1.2" else "-tls1_3"


def gnutls_priority(version):
    return "NORMAL:-VERS-ALL:+VERS-TLS" + version


def expect_refused(version, reason, func, *args):
    """func(*args) must fail because the server refused our (missing)
    client certificate. TLS 1.2 fails in the handshake with an SSLError. A
    TLS 1.3 client has finished its handshake before the server decides:
    it gets the server's alert on its next read (SSLError), or, when its
    write races the server's close, EPIPE/ECONNRESET (OpenSSL 3.2+ reports
    those; pyssl raises them as OSError like CPython 3.12+)."""
    with pytest.raises(OSError) as info:
        func(*args)
    exc = info.value
    if version == "1.3" and isinstance(exc, (BrokenPipeError, ConnectionResetError)):
        return
    assert isinstance(exc, ssl.SSLError), repr(exc)
    assert reason in str(exc.reason)


# --------------------------------------------------------------------------
# pyssl client against openssl s_server
# --------------------------------------------------------------------------


@pytest.mark.parametrize("openssl", OPENSSL_PATHS, ids=OPENSSL_IDS)
@pytest.mark.parametrize("version", VERSIONS)
def test_client_s_server_versions(peers, pki, openssl, version):
    srv = peers.s_server(openssl, pki, "-www", only(version))
    facts, data = https_get(client_context(pki), srv.address)
    assert facts["version"] == "TLSv" + version
    assert data.startswith(b"HTTP/1.0 200 ok")
    # s_server -www prints the protocol it negotiated into the page
    assert ("Protocol  : TLSv" + version).encode() in data
    assert subject_cn(facts["peercert"]) == "localhost"


@pytest.mark.parametrize("openssl", OPENSSL_PATHS, ids=OPENSSL_IDS)
@pytest.mark.parametrize("version", VERSIONS)
def test_client_pinned_version_s_server_refuses(peers, pki, openssl, version):
    """A pyssl client pinned to one version against a server offering only
    the other fails the handshake with an SSLError, not a hang."""
    other = "1.3" if version == "1.2" else "1.2"
    srv = peers.s_server(openssl, pki, "-www", only(other))
    with pytest.raises(ssl.SSLError):
        https_get(client_context(pki, version), srv.address)


@pytest.mark.parametrize("openssl", OPENSSL_PATHS, ids=OPENSSL_IDS)
@pytest.mark.parametrize("version", VERSIONS)
def test_client_cert_accepted_by_s_server(peers, pki, openssl, version):
    srv = peers.s_server(
        openssl, pki, "-www", only(version), "-Verify", "1", "-CAfile", pki.cafile
    )
    facts, data = https_get(client_context(pki, cert=True), srv.address)
    assert facts["version"] == "TLSv" + version
    assert data.startswith(b"HTTP/1.0 200 ok")
    assert b"client.example" in srv.wait_output("client.example").encode()


@pytest.mark.parametrize("openssl", OPENSSL_PATHS, ids=OPENSSL_IDS)
@pytest.mark.parametrize("version", VERSIONS)
def test_client_without_cert_refused_by_s_server(peers, pki, openssl, version):
    srv = peers.s_server(
        openssl, pki, "-www", only(version), "-Verify", "1", "-CAfile", pki.cafile
    )
    expected = {"1.2": "HANDSHAKE_FAILURE", "1.3": "CERTIFICATE_REQUIRED"}[version]
    expect_refused(version, expected, https_get, client_context(pki), srv.address)


@pytest.mark.parametrize("openssl", OPENSSL_PATHS, ids=OPENSSL_IDS)
@pytest.mark.parametrize(
    "server_alpn, expected", [("h2,http/1.1", "h2"), ("http/1.1", "http/1.1"), ("h2", "h2")]
)
def test_client_alpn_with_s_server(peers, pki, openssl, server_alpn, expected):
    srv = peers.s_server(openssl, pki, "-www", "-alpn", server_alpn)
    ctx = client_context(pki)
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    facts, data = https_get(ctx, srv.address)
    assert facts["alpn"] == expected
    assert data.startswith(b"HTTP/1.0 200 ok")


@pytest.mark.parametrize("openssl", OPENSSL_PATHS, ids=OPENSSL_IDS)
def test_client_alpn_no_overlap_with_s_server(peers, pki, openssl):
    """s_server refuses a client that shares no ALPN protocol with it: the
    alert reaches the pyssl client as an SSLError naming it."""
    srv = peers.s_server(openssl, pki, "-www", "-alpn", "spdy/3")
    ctx = client_context(pki)
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    with pytest.raises(ssl.SSLError) as info:
        https_get(ctx, srv.address)
    if ssl.OPENSSL_VERSION_INFO >= (3, 0):
        assert "no application protocol" in str(info.value)
    else:
        # OpenSSL 1.1.1 has no reason string for alert 120 (CPython's _ssl
        # on 1.1.1 prints the same): the alert still fails the handshake.
        assert info.value.library == "SSL"


@pytest.mark.parametrize("openssl", OPENSSL_PATHS, ids=OPENSSL_IDS)
@pytest.mark.parametrize("version", VERSIONS)
def test_client_session_resumption_with_s_server(peers, pki, openssl, version):
    srv = peers.s_server(openssl, pki, "-www", only(version))
    ctx = client_context(pki)
    first, _ = https_get(ctx, srv.address)
    assert first["version"] == "TLSv" + version
    assert not first["reused"]
    session = first["session"]
    assert session is not None and session.has_ticket
    second, data = https_get(ctx, srv.address, session=session)
    assert second["reused"] is True
    assert data.startswith(b"HTTP/1.0 200 ok")
    # the server agrees: s_server -www reports resumed sessions in its page
    assert b"Reused, TLSv" + version.encode() in data


def _connected_to_interactive_s_server(peers, pki, openssl, version="1.3", **kwargs):
    # stdin kept open: s_server stays in its interactive mode, silent
    srv = peers.s_server(openssl, pki, only(version), stdin=True)
    raw = socket.create_connection(srv.address, timeout=TIMEOUT)
    tls = client_context(pki).wrap_socket(raw, server_hostname="localhost", **kwargs)
    return srv, tls


def kill_later(peer, delay=0.3):
    timer = threading.Timer(delay, peer.kill)
    timer.start()
    return timer


@pytest.mark.parametrize("openssl", OPENSSL_PATHS, ids=OPENSSL_IDS)
@pytest.mark.parametrize("version", VERSIONS)
def test_s_server_killed_mid_read_ragged_eof_suppressed(peers, pki, openssl, version):
    srv, tls = _connected_to_interactive_s_server(peers, pki, openssl, version)
    with tls:
        srv.send(b"first line\n")
        assert tls.recv(1024) == b"first line\n"
        timer = kill_later(srv)
        started = time.monotonic()
        assert tls.recv(1024) == b""  # suppress_ragged_eofs=True (default)
        assert time.monotonic() - started < TIMEOUT / 2
        timer.join(TIMEOUT)


@pytest.mark.parametrize("openssl", OPENSSL_PATHS, ids=OPENSSL_IDS)
@pytest.mark.parametrize("version", VERSIONS)
def test_s_server_killed_mid_read_raises_eof(peers, pki, openssl, version):
    srv, tls = _connected_to_interactive_s_server(
        peers, pki, openssl, version, suppress_ragged_eofs=False
    )
    with tls:
        srv.send(b"first line\n")
        assert tls.recv(1024) == b"first line\n"
        timer = kill_later(srv)
        started = time.monotonic()
        with pytest.raises(ssl.SSLEOFError):
            tls.recv(1024)
        assert time.monotonic() - started < TIMEOUT / 2
        timer.join(TIMEOUT)


class ResettingRelay(object):
    """A TCP relay between a client and a server peer that, on reset(),
    aborts the client's connection with an RST (SO_LINGER 0)."""

    def __init__(self, target):
        self.target = target
        self.listener = socket.socket()
        self.listener.bind((HOST, 0))
        self.listener.listen(1)
        self.listener.settimeout(TIMEOUT)
        self.address = self.listener.getsockname()
        self._reset = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        # One thread and select(): a socket closed while another thread sits
        # in recv() on it is only released (and reset) when that recv returns.
        client, _ = self.listener.accept()
        upstream = socket.create_connection(self.target, timeout=TIMEOUT)
        other = {client: upstream, upstream: client}
        try:
            while not self._reset.is_set():
                ready, _, _ = select.select([client, upstream], [], [], 0.05)
                for sock in ready:
                    data = sock.recv(65536)
                    if not data:
                        return
                    other[sock].sendall(data)
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        finally:
            client.close()
            upstream.close()

    def reset(self):
        self._reset.set()

    def close(self):
        self._reset.set()
        self.listener.close()
        self.thread.join(TIMEOUT)


@pytest.mark.parametrize("suppress", [True, False])
def test_connection_reset_mid_read(peers, pki, suppress):
    """An RST mid-read ends the read promptly, as the stdlib does: like a
    ragged EOF, b'' under suppress_ragged_eofs, else an exception
    (SSLEOFError or ConnectionResetError)."""
    srv = peers.s_server("openssl", pki, only("1.3"), stdin=True)
    relay = ResettingRelay(srv.address)
    try:
        raw = socket.create_connection(relay.address, timeout=TIMEOUT)
        with client_context(pki).wrap_socket(
            raw, server_hostname="localhost", suppress_ragged_eofs=suppress
        ) as tls:
            srv.send(b"before the reset\n")
            assert tls.recv(1024) == b"before the reset\n"
            timer = threading.Timer(0.3, relay.reset)
            timer.start()
            started = time.monotonic()
            if suppress:
                assert tls.recv(1024) == b""
            else:
                with pytest.raises(OSError) as info:
                    tls.recv(1024)
                assert isinstance(info.value, (ConnectionResetError, ssl.SSLEOFError)), info.value
            assert time.monotonic() - started < TIMEOUT / 2
            timer.join(TIMEOUT)
    finally:
        relay.close()


# --------------------------------------------------------------------------
# pyssl client against gnutls-serv
# --------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_client_gnutls_serv_versions(peers, pki, version):
    srv = peers.gnutls_serv(pki, "--http", "--priority", gnutls_priority(version))
    facts, data = https_get(client_context(pki), srv.address)
    assert facts["version"] == "TLSv" + version
    assert data.startswith(b"HTTP/1.0 200 OK")
    assert subject_cn(facts["peercert"]) == "localhost"


@pytest.mark.parametrize("version", VERSIONS)
def test_client_cert_gnutls_serv(peers, pki, version):
    srv = peers.gnutls_serv(
        pki,
        "--http",
        "--priority",
        gnutls_priority(version),
        "--require-client-cert",
        "--x509cafile",
        pki.cafile,
    )
    facts, data = https_get(client_context(pki, cert=True), srv.address)
    assert facts["version"] == "TLSv" + version
    assert data.startswith(b"HTTP/1.0 200 OK")
    expect_refused(version, "", https_get, client_context(pki), srv.address)


def test_client_alpn_gnutls_serv(peers, pki):
    srv = peers.gnutls_serv(pki, "--http", "--alpn", "http/1.1")
    ctx = client_context(pki)
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    facts, data = https_get(ctx, srv.address)
    assert facts["alpn"] == "http/1.1"
    assert data.startswith(b"HTTP/1.0 200 OK")


# --------------------------------------------------------------------------
# pyssl client against nginx
# --------------------------------------------------------------------------


@pytest.mark.parametrize("version", VERSIONS)
def test_client_nginx_static_file(peers, pki, version):
    srv = peers.nginx(pki, protocols="TLSv" + version, files={"index.txt": BODY})
    facts, data = https_get(
        client_context(pki),
        srv.address,
        request=b"GET /index.txt HTTP/1.0\r\nHost: localhost\r\n\r\n",
    )
    assert facts["version"] == "TLSv" + version
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK")
    assert body == BODY


@pytest.mark.parametrize("http2, expected", [(True, "h2"), (False, "http/1.1")])
def test_client_alpn_nginx(peers, pki, http2, expected):
    srv = peers.nginx(pki, files={"index.txt": BODY}, http2=http2)
    ctx = client_context(pki)
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    raw = socket.create_connection(srv.address, timeout=TIMEOUT)
    with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
        assert tls.selected_alpn_protocol() == expected
        if expected == "http/1.1":
            tls.sendall(b"GET /index.txt HTTP/1.0\r\nHost: localhost\r\n\r\n")
            assert read_all(tls).endswith(BODY)
        else:
            # the HTTP/2 preface and an empty SETTINGS frame; nginx answers
            # with its own SETTINGS frame (type 4)
            tls.sendall(
                b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00"
            )
            frame = b""
            while len(frame) < 9:
                chunk = tls.recv(9 - len(frame))
                assert chunk, "nginx closed the HTTP/2 connection"
                frame += chunk
            assert frame[3] == 4


def test_client_cert_nginx(peers, pki):
    srv = peers.nginx(
        pki,
        files={"index.txt": BODY},
        extra=("        ssl_verify_client on;\n        ssl_client_certificate %s;" % pki.cafile),
    )
    request = b"GET /index.txt HTTP/1.0\r\nHost: localhost\r\n\r\n"
    _, data = https_get(client_context(pki, cert=True), srv.address, request=request)
    assert data.startswith(b"HTTP/1.1 200 OK") and data.endswith(BODY)
    # nginx answers a missing certificate at the HTTP level: 400
    _, data = https_get(client_context(pki), srv.address, request=request)
    assert data.startswith(b"HTTP/1.1 400")
    assert b"No required SSL certificate was sent" in data


# --------------------------------------------------------------------------
# openssl s_client, gnutls-cli and curl against a pyssl server
# --------------------------------------------------------------------------


@pytest.mark.parametrize("openssl", OPENSSL_PATHS, ids=OPENSSL_IDS)
@pytest.mark.parametrize("version", VERSIONS)
def test_s_client_to_server(peers, pki, server, openssl, version):
    srv = server(server_context(pki), http_handler)
    status, out = peers.run(
        s_client(openssl, pki, srv.port, only(version), "-servername", "localhost"), stdin=REQUEST
    )
    assert "hello from pyssl" in out, out
    assert "Verify return code: 0 (ok)" in out
    srv.wait_handled()
    assert not srv.errors
    assert srv.results[0]["version"] == "TLSv" + version
    assert srv.results[0]["request"].startswith(b"GET / HTTP/1.0")


@pytest.mark.parametrize("openssl", OPENSSL_PATHS, ids=OPENSSL_IDS)
@pytest.mark.parametrize("version", VERSIONS)
def test_s_client_cert_required_by_server(peers, pki, server, openssl, version):
    ctx = server_context(pki)
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(cafile=pki.cafile)
    srv = server(ctx, http_handler)
    status, out = peers.run(
        s_client(
            openssl,
            pki,
            srv.port,
            only(version),
            "-cert",
            pki.client_certfile,
            "-key",
            pki.client_keyfile,
        ),
        stdin=REQUEST,
    )
    assert "hello from pyssl" in out, out
    srv.wait_handled()
    assert not srv.errors
    assert subject_cn(srv.results[0]["peercert"]) == "client.example"

    # without a certificate the server's handshake fails
    srv.handled.clear()
    status, out = peers.run(s_client(openssl, pki, srv.port, only(version)), stdin=REQUEST)
    assert "hello from pyssl" not in out
    srv.wait_handled()
    assert len(srv.errors) == 1 and isinstance(srv.errors[0], ssl.SSLError)
    assert "CERTIFICATE" in str(srv.errors[0].reason)


@pytest.mark.parametrize("openssl", OPENSSL_PATHS, ids=OPENSSL_IDS)
@pytest.mark.parametrize(
    "client_alpn, expected", [("http/1.1,h2", "h2"), ("http/1.1", "http/1.1"), ("spdy/3", None)]
)
def test_s_client_alpn_to_server(peers, pki, server, openssl, client_alpn, expected):
    ctx = server_context(pki)
    ctx.set_alpn_protocols(["h2", "http/1.1"])  # the server's preference wins
    srv = server(ctx, http_handler)
    status, out = peers.run(s_client(openssl, pki, srv.port, "-alpn", client_alpn), stdin=REQUEST)
    srv.wait_handled()
    assert not srv.errors
    assert srv.results[0]["alpn"] == expected
    if expected:
        assert "ALPN protocol: " + expected in out
    else:
        assert "No ALPN negotiated" in out


@pytest.mark.parametrize("openssl", OPENSSL_PATHS, ids=OPENSSL_IDS)
def test_s_client_sni_switches_context(peers, pki, server, openssl):
    """The sni_callback hands out another context (and certificate) by name:
    the client asks for two names and gets two certificates."""
    other = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    other.load_cert_chain(pki.other_combined)
    seen = []

    def sni(sslsock, server_name, initial):
        seen.append(server_name)
        if server_name == "other.example":
            sslsock.context = other
        return None

    ctx = server_context(pki)
    ctx.sni_callback = sni
    srv = server(ctx, http_handler)
    subjects = {}
    for name in ("localhost", "other.example"):
        srv.handled.clear()
        status, out = peers.run(
            s_client(openssl, pki, srv.port, "-servername", name), stdin=REQUEST
        )
        srv.wait_handled()
        assert "Verify return code: 0 (ok)" in out
        assert "hello from pyssl" in out
        subject = [line for line in out.splitlines() if line.startswith("subject=")]
        subjects[name] = subject[0].replace(" ", "")
    assert seen == ["localhost", "other.example"]
    assert subjects["localhost"].endswith("CN=localhost"), subjects
    assert subjects["other.example"].endswith("CN=other.example"), subjects
    assert not srv.errors


def test_curl_sni_switches_context(peers, pki, server):
    other = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    other.load_cert_chain(pki.other_combined)

    def sni(sslsock, server_name, initial):
        if server_name == "other.example":
            sslsock.context = other

    ctx = server_context(pki)
    ctx.sni_callback = sni
    srv = server(ctx, http_handler)
    for name in ("localhost", "other.example"):
        status, out = peers.run(
            [
                P.require("curl"),
                "-sSv",
                "--max-time",
                str(int(TIMEOUT)),
                "--cacert",
                pki.cafile,
                "--resolve",
                "%s:%d:%s" % (name, srv.port, HOST),
                "https://%s:%d/" % (name, srv.port),
            ]
        )
        assert status == 0, out
        assert "hello from pyssl" in out
        subject = [line for line in out.splitlines() if "subject:" in line]
        assert subject and subject[0].endswith("CN=%s" % name), out


@pytest.mark.parametrize("openssl", OPENSSL_PATHS, ids=OPENSSL_IDS)
def test_post_handshake_auth_with_s_client(peers, pki, server, openssl):
    """A TLS 1.3 pyssl server asks for the client certificate after the
    handshake; s_client -enable_pha sends it."""
    ctx = server_context(pki, "1.3")
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(cafile=pki.cafile)
    ctx.post_handshake_auth = True

    def handler(conn):
        before = conn.getpeercert()
        conn.verify_client_post_handshake()
        conn.sendall(b"send your certificate\n")  # carries the CertificateRequest
        data = conn.recv(1024)  # the client's answer comes first
        return {"before": before, "after": conn.getpeercert(), "data": data}

    srv = server(ctx, handler)
    client = peers.client(
        s_client(
            openssl,
            pki,
            srv.port,
            "-enable_pha",
            "-cert",
            pki.client_certfile,
            "-key",
            pki.client_keyfile,
        ),
        stdin=True,
    )
    client.wait_output("send your certificate")
    client.send(b"ping\n")
    srv.wait_handled()
    assert not srv.errors, srv.errors
    result = srv.results[0]
    assert result["before"] is None  # not asked for during the handshake
    assert result["data"] == b"ping\n"
    assert subject_cn(result["after"]) == "client.example"


@pytest.mark.parametrize("openssl", OPENSSL_PATHS, ids=OPENSSL_IDS)
def test_s_client_killed_mid_stream(peers, pki, server, openssl):
    """The client dies while the pyssl server waits in recv: the server sees
    the end (b'' with the default suppress_ragged_eofs), without hanging."""

    def handler(conn):
        conn.sendall(b"ready\n")
        started = time.monotonic()
        data = conn.recv(1024)
        return data, time.monotonic() - started

    srv = server(server_context(pki), handler)
    client = peers.client(s_client(openssl, pki, srv.port), stdin=True)
    client.wait_output("ready")
    client.kill()
    srv.wait_handled()
    assert not srv.errors, srv.errors
    data, waited = srv.results[0]
    assert data == b""
    assert waited < TIMEOUT / 2


def gnutls_cli(peers, srv, args):
    """gnutls-cli sends REQUEST; its stdin stays open until the answer came,
    since at end of input it closes the connection at once."""
    pki = peers.pki
    client = peers.client(
        [P.require("gnutls-cli"), "--x509cafile", pki.cafile, "-p", str(srv.port)]
        + args
        + ["localhost"],
        stdin=True,
    )
    client.send(REQUEST)
    out = client.wait_output("hello from pyssl")
    client.proc.stdin.close()
    client.wait()
    return out


@pytest.mark.parametrize("version", VERSIONS)
def test_gnutls_cli_to_server(peers, pki, server, version):
    ctx = server_context(pki)
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    srv = server(ctx, http_handler)
    out = gnutls_cli(
        peers, srv, ["--priority", gnutls_priority(version), "--alpn", "http/1.1", "--alpn", "h2"]
    )
    assert "hello from pyssl" in out, out
    assert "Application protocol: h2" in out
    srv.wait_handled()
    assert not srv.errors
    assert srv.results[0]["version"] == "TLSv" + version
    assert srv.results[0]["alpn"] == "h2"


@pytest.mark.parametrize("version", VERSIONS)
def test_gnutls_cli_client_cert(peers, pki, server, version):
    ctx = server_context(pki)
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(cafile=pki.cafile)
    srv = server(ctx, http_handler)
    out = gnutls_cli(
        peers,
        srv,
        [
            "--priority",
            gnutls_priority(version),
            "--x509certfile",
            pki.client_certfile,
            "--x509keyfile",
            pki.client_keyfile,
        ],
    )
    assert "hello from pyssl" in out, out
    srv.wait_handled()
    assert not srv.errors
    assert subject_cn(srv.results[0]["peercert"]) == "client.example"


@pytest.mark.parametrize("version", VERSIONS)
def test_curl_to_server(peers, pki, server, version):
    ctx = server_context(pki)
    ctx.set_alpn_protocols(["http/1.1"])
    srv = server(ctx, http_handler)
    pin = ["--tlsv1.2", "--tls-max", "1.2"] if version == "1.2" else ["--tlsv1.3"]
    status, out = peers.run(
        [P.require("curl"), "-sS", "--max-time", str(int(TIMEOUT)), "--cacert", pki.cafile]
        + pin
        + ["https://localhost:%d/" % srv.port]
    )
    assert status == 0, out
    assert out == "hello from pyssl\n"
    srv.wait_handled()
    assert not srv.errors
    assert srv.results[0]["version"] == "TLSv" + version
    # curl offers h2 and http/1.1; the server only knows http/1.1
    assert srv.results[0]["alpn"] == "http/1.1"


def test_curl_client_cert(peers, pki, server):
    ctx = server_context(pki)
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.load_verify_locations(cafile=pki.cafile)
    srv = server(ctx, http_handler)
    url = "https://localhost:%d/" % srv.port
    base = [P.require("curl"), "-sS", "--max-time", str(int(TIMEOUT)), "--cacert", pki.cafile]
    status, out = peers.run(
        base + ["--cert", pki.client_certfile, "--key", pki.client_keyfile, url]
    )
    assert status == 0, out
    assert out == "hello from pyssl\n"
    srv.wait_handled()
    assert subject_cn(srv.results[0]["peercert"]) == "client.example"
    srv.handled.clear()
    status, out = peers.run(base + [url])
    assert status != 0
    srv.wait_handled()
    assert srv.errors and isinstance(srv.errors[-1], ssl.SSLError)
