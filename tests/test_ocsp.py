"""OCSP stapling (pyssl only): a client asks for and reads a stapled OCSP
response, may reject the handshake over it; a server staples one.

pyssl moves DER bytes and never parses them; these tests make real signed
responses with cryptography's ocsp module (trustme's own dependency) and
validate what arrives the way the README shows.
"""

import datetime
import gc
import socket
import weakref

import pytest

from conftest import HOST, TIMEOUT, UNDER_STDLIB, ssl
import peers as P

pytestmark = pytest.mark.skipif(
    UNDER_STDLIB, reason="OCSP stapling is pyssl's own; the stdlib has none"
)

x509 = pytest.importorskip("cryptography.x509")
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa  # noqa: E402
from cryptography.x509 import ocsp  # noqa: E402

VERSIONS = ["1.2", "1.3"]


class PKI(object):
    """A CA, a localhost server certificate, and OCSP responses for it."""

    def __init__(self, directory):
        import trustme

        self.ca = trustme.CA()
        self.server = self.ca.issue_cert("localhost")
        self.cafile = str(directory / "ca.pem")
        self.certfile = str(directory / "server.crt")
        self.keyfile = str(directory / "server.key")
        self.ca.cert_pem.write_to_path(self.cafile)
        with open(self.certfile, "wb") as f:
            f.write(b"".join(b.bytes() for b in self.server.cert_chain_pems))
        self.server.private_key_pem.write_to_path(self.keyfile)
        # the names tests/peers.py's s_server takes
        self.server_certfile, self.server_keyfile = self.certfile, self.keyfile
        self.ca_cert = x509.load_pem_x509_certificate(self.ca.cert_pem.bytes())
        self.ca_key = serialization.load_pem_private_key(
            self.ca.private_key_pem.bytes(), password=None
        )
        self.leaf = x509.load_pem_x509_certificate(self.server.cert_chain_pems[0].bytes())
        self.good = self.response(ocsp.OCSPCertStatus.GOOD)
        self.revoked = self.response(ocsp.OCSPCertStatus.REVOKED)

    def response(self, status):
        now = datetime.datetime.now(datetime.timezone.utc)
        revoked = status == ocsp.OCSPCertStatus.REVOKED
        builder = (
            ocsp.OCSPResponseBuilder()
            .add_response(
                cert=self.leaf,
                issuer=self.ca_cert,
                algorithm=hashes.SHA256(),
                cert_status=status,
                this_update=now - datetime.timedelta(minutes=5),
                next_update=now + datetime.timedelta(days=1),
                revocation_time=now - datetime.timedelta(days=1) if revoked else None,
                revocation_reason=None,
            )
            .responder_id(ocsp.OCSPResponderEncoding.HASH, self.ca_cert)
        )
        return builder.sign(self.ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def validate(self, der):
        """What a client does with a staple (the README's recipe): parse,
        check it is about this certificate, signed by its issuer, current.
        Returns the certificate status."""
        resp = ocsp.load_der_ocsp_response(der)
        assert resp.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
        assert resp.serial_number == self.leaf.serial_number
        key = self.ca_cert.public_key()
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(
                resp.signature,
                resp.tbs_response_bytes,
                padding.PKCS1v15(),
                resp.signature_hash_algorithm,
            )
        else:
            key.verify(
                resp.signature, resp.tbs_response_bytes, ec.ECDSA(resp.signature_hash_algorithm)
            )
        now = datetime.datetime.now(datetime.timezone.utc)
        this_update = getattr(resp, "this_update_utc", None) or resp.this_update.replace(
            tzinfo=datetime.timezone.utc
        )
        assert this_update <= now
        return resp.certificate_status


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return PKI(tmp_path_factory.mktemp("ocsp-pki"))


def contexts(pki, version):
    cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    cctx.load_verify_locations(cafile=pki.cafile)
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(pki.certfile, pki.keyfile)
    v = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}[version]
    for ctx in (cctx, sctx):
        ctx.minimum_version = ctx.maximum_version = v
    return cctx, sctx


def handshake(cctx, sctx):
    """Both ends over MemoryBIOs; returns (client, server) SSLObjects or
    raises what either end's do_handshake raised."""
    cin, cout, sin, sout = (ssl.MemoryBIO() for _ in range(4))
    client = cctx.wrap_bio(cin, cout, server_hostname="localhost")
    server = sctx.wrap_bio(sin, sout, server_side=True)
    done = {client: False, server: False}
    for _ in range(20):
        for end in (client, server):
            if not done[end]:
                try:
                    end.do_handshake()
                    done[end] = True
                except ssl.SSLWantReadError:
                    pass
        sin.write(cout.read())
        cin.write(sout.read())
        if all(done.values()):
            return client, server
    raise AssertionError("the handshake did not finish")


@pytest.mark.parametrize("version", VERSIONS)
def test_client_reads_the_servers_staple(pki, version):
    cctx, sctx = contexts(pki, version)
    cctx.ocsp_request = True
    sctx.ocsp_staple = pki.good
    client, server = handshake(cctx, sctx)
    assert client.get_ocsp_response() == pki.good
    assert pki.validate(client.get_ocsp_response()) == ocsp.OCSPCertStatus.GOOD
    assert server.get_ocsp_response() == pki.good


@pytest.mark.parametrize("version", VERSIONS)
def test_no_staple_unless_asked_or_given(pki, version):
    cctx, sctx = contexts(pki, version)
    sctx.ocsp_staple = pki.good  # offered, but the client does not ask
    client, _ = handshake(cctx, sctx)
    assert client.get_ocsp_response() is None
    cctx, sctx = contexts(pki, version)
    cctx.ocsp_request = True  # asked, but the server has none
    seen = []
    cctx.ocsp_response_callback = lambda conn, der: seen.append(der)
    client, _ = handshake(cctx, sctx)
    assert client.get_ocsp_response() is None
    assert seen == [None]


@pytest.mark.parametrize("version", VERSIONS)
def test_staple_callback_per_connection(pki, version):
    cctx, sctx = contexts(pki, version)
    cctx.ocsp_request = True
    sctx.ocsp_staple = pki.revoked  # the callback wins over this
    calls = []

    def staple(conn):
        calls.append(conn)
        return pki.good

    sctx.ocsp_staple_callback = staple
    client, server = handshake(cctx, sctx)
    assert calls == [server]  # the SSLObject, not the C object
    assert client.get_ocsp_response() == pki.good
    sctx.ocsp_staple_callback = lambda conn: None
    client, _ = handshake(cctx, sctx)
    assert client.get_ocsp_response() is None


@pytest.mark.parametrize("version", VERSIONS)
def test_client_callback_can_reject(pki, version):
    cctx, sctx = contexts(pki, version)
    cctx.ocsp_request = True
    sctx.ocsp_staple = pki.revoked
    seen = []

    def check(conn, der):
        seen.append(conn)
        # The README's recipe needs the verified chain here, mid-handshake.
        chain = conn.get_verified_chain()
        assert [x509.load_der_x509_certificate(c) for c in chain] == [pki.leaf, pki.ca_cert]
        return pki.validate(der) == ocsp.OCSPCertStatus.GOOD

    cctx.ocsp_response_callback = check
    with pytest.raises(ssl.SSLError) as info:
        handshake(cctx, sctx)
    assert isinstance(seen[0], ssl.SSLObject)
    assert "STATUS" in str(info.value).upper()
    sctx.ocsp_staple = pki.good
    client, _ = handshake(cctx, sctx)
    assert client.get_ocsp_response() == pki.good


@pytest.mark.parametrize("version", VERSIONS)
def test_callback_exceptions_reach_the_caller(pki, version):
    cctx, sctx = contexts(pki, version)
    cctx.ocsp_request = True
    sctx.ocsp_staple = pki.good

    def boom(conn, der):
        raise ZeroDivisionError("from the ocsp callback")

    cctx.ocsp_response_callback = boom
    # As for every callback: the handshake's SSLError, caused by the
    # callback's exception (its __context__, shown in the traceback).
    with pytest.raises(ssl.SSLError) as info:
        handshake(cctx, sctx)
    assert isinstance(info.value.__context__, ZeroDivisionError)
    assert "from the ocsp callback" in str(info.value.__context__)
    cctx.ocsp_response_callback = None
    sctx.ocsp_staple_callback = lambda conn: "not bytes"
    with pytest.raises(ssl.SSLError) as info:
        handshake(cctx, sctx)
    assert isinstance(info.value.__context__, TypeError)
    assert "bytes or None" in str(info.value.__context__)


def test_attribute_checks():
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    assert client.ocsp_request is False
    assert server.ocsp_staple is None and server.ocsp_staple_callback is None
    assert client.ocsp_response_callback is None
    assert ssl.HAS_OCSP_STAPLING is True
    with pytest.raises(ValueError):
        server.ocsp_request = True
    with pytest.raises(ValueError):
        client.ocsp_staple = b"\x30\x03\x0a\x01\x00"
    with pytest.raises(ValueError):
        client.ocsp_staple_callback = lambda conn: None
    with pytest.raises(ValueError):
        server.ocsp_response_callback = lambda conn, der: True
    with pytest.raises(TypeError):
        server.ocsp_staple = "not bytes"
    with pytest.raises(ValueError):
        server.ocsp_staple = b""
    with pytest.raises(TypeError):
        server.ocsp_staple_callback = 42
    with pytest.raises(TypeError):
        client.ocsp_response_callback = "nope"
    for ctx, name in (
        (client, "ocsp_request"),
        (server, "ocsp_staple"),
        (server, "ocsp_staple_callback"),
        (client, "ocsp_response_callback"),
    ):
        with pytest.raises(AttributeError):
            delattr(ctx, name)
    client.ocsp_request = True
    assert client.ocsp_request is True
    client.ocsp_request = False
    assert client.ocsp_request is False
    server.ocsp_staple = b"\x30\x03\x0a\x01\x00"
    server.ocsp_staple = None
    assert server.ocsp_staple is None


def test_callback_cycles_are_collected():
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.ocsp_response_callback = lambda conn, der, _ctx=client: True
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.ocsp_staple_callback = lambda conn, _ctx=server: None
    refs = weakref.ref(client), weakref.ref(server)
    del client, server
    gc.collect()
    assert refs[0]() is None and refs[1]() is None


def test_socket_round_trip(pki, tmp_path):
    """The same through SSLSocket over a real socket pair."""
    cctx, sctx = contexts(pki, "1.3")
    cctx.ocsp_request = True
    sctx.ocsp_staple = pki.good
    a, b = socket.socketpair()
    a.settimeout(TIMEOUT)
    b.settimeout(TIMEOUT)
    result = P.run_in_thread(lambda: sctx.wrap_socket(b, server_side=True).get_ocsp_response())
    with cctx.wrap_socket(a, server_hostname="localhost") as c:
        assert c.get_ocsp_response() == pki.good
    assert result(TIMEOUT) == pki.good


# -- real peers -------------------------------------------------------------


@pytest.fixture
def peers(tmp_path):
    p = P.Peers(tmp_path)
    yield p
    p.stop()


@pytest.mark.parametrize(
    "openssl", [b for _, b in P.openssl_binaries()], ids=[i for i, _ in P.openssl_binaries()]
)
def test_reads_openssl_s_server_staple(pki, peers, tmp_path, openssl):
    status_file = tmp_path / "ocsp.der"
    status_file.write_bytes(pki.good)
    server = peers.s_server(openssl, pki, "-status_file", str(status_file), "-www")
    cctx, _ = contexts(pki, "1.3")
    cctx.maximum_version = ssl.TLSVersion.MAXIMUM_SUPPORTED
    cctx.minimum_version = ssl.TLSVersion.TLSv1_2
    cctx.ocsp_request = True
    seen = []
    cctx.ocsp_response_callback = lambda conn, der: seen.append(der)
    raw = socket.create_connection(server.address, timeout=TIMEOUT)
    with cctx.wrap_socket(raw, server_hostname="localhost") as tls:
        assert tls.get_ocsp_response() == pki.good
    assert seen == [pki.good]
    assert pki.validate(seen[0]) == ocsp.OCSPCertStatus.GOOD
    # The callback's refusal ends the handshake with the matching alert.
    status_file.write_bytes(pki.revoked)
    server2 = peers.s_server(openssl, pki, "-status_file", str(status_file), "-www")
    cctx.ocsp_response_callback = lambda conn, der: pki.validate(der) == ocsp.OCSPCertStatus.GOOD
    raw = socket.create_connection(server2.address, timeout=TIMEOUT)
    with pytest.raises(ssl.SSLError):
        cctx.wrap_socket(raw, server_hostname="localhost").close()
    raw.close()


@pytest.mark.parametrize(
    "openssl", [b for _, b in P.openssl_binaries()], ids=[i for i, _ in P.openssl_binaries()]
)
def test_openssl_s_client_sees_our_staple(pki, peers, openssl):
    _, sctx = contexts(pki, "1.3")
    sctx.maximum_version = ssl.TLSVersion.MAXIMUM_SUPPORTED
    sctx.minimum_version = ssl.TLSVersion.TLSv1_2
    sctx.ocsp_staple = pki.good
    listener = socket.socket()
    listener.bind((HOST, 0))
    listener.listen(1)
    listener.settimeout(TIMEOUT)
    port = listener.getsockname()[1]

    def serve():
        conn, _ = listener.accept()
        conn.settimeout(TIMEOUT)
        with sctx.wrap_socket(conn, server_side=True) as tls:
            tls.sendall(b"hello\n")
            try:
                tls.recv(1)
            except (ssl.SSLError, OSError):
                pass

    t = P.run_in_thread(serve)
    status, out = peers.run(
        [
            P.require(openssl),
            "s_client",
            "-connect",
            "%s:%d" % (HOST, port),
            "-servername",
            "localhost",
            "-CAfile",
            pki.cafile,
            "-status",
        ],
        stdin=b"",
    )
    t(TIMEOUT)
    listener.close()
    assert "OCSP Response Status: successful" in out, out
    assert "Cert Status: good" in out, out
