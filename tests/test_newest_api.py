"""The API CPython added in 3.14 and 3.15, and what 3.12 removed that pyssl
keeps, each exercised through a real handshake on every interpreter.

Every feature runs over both transports a user meets: an SSLObject pair over
MemoryBIOs (one thread) and an SSLSocket against a threaded loopback server.
Where the linked OpenSSL is too old for a call, the test asserts that the
call raises NotImplementedError naming the version it needs: never that it
quietly does nothing.
"""

import os
import socket
import struct
import sys
import warnings
from contextlib import contextmanager

import pytest

from conftest import (
    TIMEOUT,
    UNDER_STDLIB,
    BioPair,
    Server,
    connect,
    require_api,
    ssl,
)


def openssl_at_least(*version):
    return tuple(ssl.OPENSSL_VERSION_INFO[: len(version)]) >= version


def kept_api(name):
    """A name CPython 3.12 removed and pyssl keeps: against the stdlib of
    3.12 and later the test is skipped, against pyssl it must exist."""
    if UNDER_STDLIB and not hasattr(ssl, name):
        pytest.skip("the stdlib of Python %d.%d removed ssl.%s" % (sys.version_info[:2] + (name,)))
    return getattr(ssl, name)


# --------------------------------------------------------------------------
# Certificates: a root CA, an intermediate CA under it, and RSA leaves issued
# by the intermediate (RSA so that several signature algorithms are usable
# with the same key in TLS 1.3).
# --------------------------------------------------------------------------


class Pki(object):
    def __init__(self, directory):
        import trustme_proxy

        trustme = trustme_proxy.load()
        rsa = trustme.KeyType.RSA
        self.dir = directory
        self.root = trustme.CA(key_type=rsa)
        self.intermediate = self.root.create_child_ca(key_type=rsa)
        self.server = self.intermediate.issue_cert("localhost", "127.0.0.1", key_type=rsa)
        self.client = self.intermediate.issue_cert("client.example", key_type=rsa)
        self.root_der = self._der(self.root.cert_pem.bytes())
        self.intermediate_der = self._der(self.intermediate.cert_pem.bytes())
        self.server_der = self._der(self.server.cert_chain_pems[0].bytes())
        self.client_der = self._der(self.client.cert_chain_pems[0].bytes())
        self.root_file = self._write("root.pem", self.root.cert_pem.bytes())
        self.intermediate_pem = self.intermediate.cert_pem.bytes().decode("ascii")
        # Leaf, intermediate, then the key: what a server really serves.
        self.server_file = self._write(
            "server.pem", self.server.private_key_and_cert_chain_pem.bytes()
        )
        self.client_file = self._write(
            "client.pem", self.client.private_key_and_cert_chain_pem.bytes()
        )

    @staticmethod
    def _der(pem):
        return ssl.PEM_cert_to_DER_cert(pem.decode("ascii"))

    def _write(self, name, data):
        path = os.path.join(self.dir, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def client_context(self, cert=False):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(cafile=self.root_file)
        if cert:
            ctx.load_cert_chain(self.client_file)
        return ctx

    def server_context(self, require_client_cert=False):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.server_file)
        if require_client_cert:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(cafile=self.root_file)
        return ctx


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return Pki(str(tmp_path_factory.mktemp("pki")))


# --------------------------------------------------------------------------
# One handshake and one round trip, over either transport
# --------------------------------------------------------------------------


@pytest.fixture(params=["SSLObject", "SSLSocket"])
def transport(request):
    return request.param


@contextmanager
def tls_pair(transport, client_ctx, server_ctx, probe=None, server_hostname="localhost"):
    """Handshake client_ctx against server_ctx and echo one message.

    Yields (client end, what probe(server end) returned). The client end is
    an SSLObject or a connected SSLSocket; probe runs on the server end
    after its handshake, in the server's thread for sockets.
    """
    if transport == "SSLObject":
        pair = BioPair(client_ctx, server_ctx, server_hostname=server_hostname).handshake()
        assert isinstance(pair.client, ssl.SSLObject)
        info = probe(pair.server) if probe else None
        assert pair.send(pair.client, pair.server, b"ping") == b"ping"
        assert pair.send(pair.server, pair.client, b"pong") == b"pong"
        yield pair.client, info
        return

    def handler(conn):
        info = probe(conn) if probe else None
        conn.sendall(conn.recv(1024))
        return info

    with Server(server_ctx, handler) as srv:
        with connect(client_ctx, srv, server_hostname=server_hostname) as conn:
            assert isinstance(conn, ssl.SSLSocket)
            conn.sendall(b"ping")
            assert conn.recv(1024) == b"ping"
            srv.wait_handled()
            assert srv.errors == []
            yield conn, srv.results[0]


def assert_handshake_fails(transport, client_ctx, server_ctx, server_hostname="localhost"):
    """The handshake (or the first read, where TLS 1.3 reports a rejected
    client certificate) fails; the server end fails with an SSLError."""
    if transport == "SSLObject":
        pair = BioPair(client_ctx, server_ctx, server_hostname=server_hostname)
        with pytest.raises(ssl.SSLError):
            pair.handshake()
            pair.send(pair.client, pair.server, b"ping")
            pair.send(pair.server, pair.client, b"pong")
        return
    with Server(server_ctx) as srv:
        with pytest.raises(OSError):
            with connect(client_ctx, srv, server_hostname=server_hostname) as conn:
                conn.sendall(b"ping")
                if conn.recv(1024) == b"":
                    raise ConnectionResetError("server hung up")
        srv.wait_handled()
    assert len(srv.errors) == 1
    assert isinstance(srv.errors[0], ssl.SSLError), srv.errors


# --------------------------------------------------------------------------
# Feature flags and defaults
# --------------------------------------------------------------------------


def test_has_pha_and_psk_tls13_are_true():
    # Post-handshake auth is in every OpenSSL pyssl supports (1.1.1 on);
    # so are TLS 1.3 PSK callbacks.
    assert require_api(ssl, "HAS_PHA", (3, 14)) is True
    assert require_api(ssl, "HAS_PSK_TLS13", (3, 15)) is True
    assert require_api(ssl, "HAS_PSK", (3, 13)) is True


@pytest.mark.parametrize("purpose", ["SERVER_AUTH", "CLIENT_AUTH"])
def test_create_default_context_has_strict_and_partial_chain(purpose):
    if UNDER_STDLIB and sys.version_info < (3, 13):
        pytest.skip("the stdlib sets these flags from 3.13")
    ctx = ssl.create_default_context(getattr(ssl.Purpose, purpose))
    assert ctx.verify_flags & ssl.VERIFY_X509_STRICT
    assert ctx.verify_flags & ssl.VERIFY_X509_PARTIAL_CHAIN
    # A plain SSLContext stays lenient: the flags come from the factory.
    plain = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    assert not plain.verify_flags & ssl.VERIFY_X509_STRICT
    assert not plain.verify_flags & ssl.VERIFY_X509_PARTIAL_CHAIN


def test_partial_chain_trusts_an_intermediate(pki, transport):
    if UNDER_STDLIB and sys.version_info < (3, 13):
        pytest.skip("the stdlib sets VERIFY_X509_PARTIAL_CHAIN from 3.13")
    # Trusting only the intermediate is enough with the default context...
    client_ctx = ssl.create_default_context(cadata=pki.intermediate_pem)
    with tls_pair(transport, client_ctx, pki.server_context()) as (conn, _):
        chain = require_api(conn, "get_verified_chain", (3, 13))()
        # ...and the verified chain stops at that trust anchor.
        assert chain == [pki.server_der, pki.intermediate_der]
    # Without the flag the same trust store does not verify the server.
    strict_only = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    strict_only.load_verify_locations(cadata=pki.intermediate_pem)
    with pytest.raises(ssl.SSLCertVerificationError):
        BioPair(strict_only, pki.server_context()).handshake()


# --------------------------------------------------------------------------
# Pre-shared keys
# --------------------------------------------------------------------------

PSK = bytes.fromhex("c0ffee11" * 8)


def psk_contexts(version, client_key=PSK, server_key=PSK):
    """A client and a certificate-less server that can only agree through
    the PSK; the callbacks record what they were given."""
    seen = {"hint": [], "identity": []}

    def client_cb(hint):
        seen["hint"].append(hint)
        return "client-identity", client_key

    def server_cb(identity):
        seen["identity"].append(identity)
        return server_key

    client_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client_ctx.check_hostname = False
    client_ctx.verify_mode = ssl.CERT_NONE
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    for ctx in (client_ctx, server_ctx):
        ctx.minimum_version = version
        ctx.maximum_version = version
    if version == ssl.TLSVersion.TLSv1_2:
        client_ctx.set_ciphers("PSK")
        server_ctx.set_ciphers("PSK")
    require_api(client_ctx, "set_psk_client_callback", (3, 13))(client_cb)
    server_ctx.set_psk_server_callback(server_cb, "server-hint")
    return client_ctx, server_ctx, seen


@pytest.mark.parametrize("version", ["TLSv1_2", "TLSv1_3"])
def test_psk_handshake(transport, version):
    version = getattr(ssl.TLSVersion, version)
    if version == ssl.TLSVersion.TLSv1_3:
        require_api(ssl, "HAS_PSK_TLS13", (3, 15))
    client_ctx, server_ctx, seen = psk_contexts(version)
    with tls_pair(
        transport,
        client_ctx,
        server_ctx,
        server_hostname=None,
        probe=lambda s: (s.version(), s.cipher()[0]),
    ) as (conn, srv):
        assert (
            conn.version()
            == srv[0]
            == {ssl.TLSVersion.TLSv1_2: "TLSv1.2", ssl.TLSVersion.TLSv1_3: "TLSv1.3"}[version]
        )
        assert conn.cipher()[0] == srv[1]
        # The server has no certificate: the keys came from the PSK.
        assert conn.getpeercert(True) is None
    assert seen["identity"] == ["client-identity"]
    if version == ssl.TLSVersion.TLSv1_2:
        assert "PSK" in srv[1]
        assert seen["hint"] == ["server-hint"]
    else:
        # TLS 1.3 has no identity hint on the wire.
        assert seen["hint"] == [None]


@pytest.mark.parametrize("version", ["TLSv1_2", "TLSv1_3"])
def test_psk_wrong_key_fails_the_handshake(transport, version):
    version = getattr(ssl.TLSVersion, version)
    if version == ssl.TLSVersion.TLSv1_3:
        require_api(ssl, "HAS_PSK_TLS13", (3, 15))
    client_ctx, server_ctx, seen = psk_contexts(
        version, client_key=b"A" * 32, server_key=b"B" * 32
    )
    assert_handshake_fails(transport, client_ctx, server_ctx, server_hostname=None)
    assert seen["identity"] == ["client-identity"]


def test_psk_callback_can_be_removed():
    client_ctx, server_ctx, seen = psk_contexts(ssl.TLSVersion.TLSv1_2)
    client_ctx.set_psk_client_callback(None)
    # Without a PSK the client offers no usable cipher suite.
    with pytest.raises(ssl.SSLError):
        BioPair(client_ctx, server_ctx, server_hostname=None).handshake()
    assert seen["hint"] == []


# --------------------------------------------------------------------------
# Key exchange groups
# --------------------------------------------------------------------------


def group_name_for(name):
    # OpenSSL 1.1.1 spells the curve groups in capitals.
    if not openssl_at_least(3) and name == "x25519":
        return "X25519"
    return name


@pytest.mark.parametrize("forced", ["secp384r1", "x25519", "secp521r1"])
@pytest.mark.parametrize("side", ["client", "server"])
def test_set_groups_forces_the_group(pki, transport, forced, side):
    client_ctx, server_ctx = pki.client_context(), pki.server_context()
    ctx = client_ctx if side == "client" else server_ctx
    require_api(ctx, "set_groups", (3, 15))(group_name_for(forced))

    def server_group(s):
        try:
            return s.group()
        except NotImplementedError as exc:
            return exc

    with tls_pair(transport, client_ctx, server_ctx, probe=server_group) as (conn, srv_group):
        if openssl_at_least(3):
            assert conn.group() == forced
            assert srv_group == forced
        else:
            with pytest.raises(NotImplementedError, match="OpenSSL 3"):
                conn.group()
            assert isinstance(srv_group, NotImplementedError)


def test_disjoint_groups_fail(pki, transport):
    client_ctx, server_ctx = pki.client_context(), pki.server_context()
    require_api(client_ctx, "set_groups", (3, 15))("secp384r1")
    server_ctx.set_groups("%s:secp521r1" % group_name_for("x25519"))
    assert_handshake_fails(transport, client_ctx, server_ctx)


def test_group_before_handshake_is_none(pki):
    pair = BioPair(pki.client_context(), pki.server_context())
    group = require_api(pair.client, "group", (3, 15))
    if not openssl_at_least(3):
        with pytest.raises(NotImplementedError, match="OpenSSL 3"):
            group()
        return
    assert group() is None


@pytest.mark.parametrize("bad", ["no-such-group", "secp384r1:bogus"])
def test_set_groups_rejects_bad_names(bad):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    with pytest.raises(ssl.SSLError):
        require_api(ctx, "set_groups", (3, 15))(bad)


def test_get_groups():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    get_groups = require_api(ctx, "get_groups", (3, 15))
    with pytest.raises(TypeError):
        get_groups(True)  # include_aliases is keyword-only
    if not openssl_at_least(3, 5):
        with pytest.raises(NotImplementedError, match="3.5"):
            get_groups()
        with pytest.raises(NotImplementedError, match="3.5"):
            get_groups(include_aliases=True)
        return
    groups = get_groups()
    assert all(isinstance(name, str) for name in groups)
    for name in ("x25519", "secp256r1", "secp384r1", "ffdhe2048", "X25519MLKEM768"):
        assert name in groups
    assert "P-256" not in groups  # an alias of secp256r1
    with_aliases = get_groups(include_aliases=True)
    assert set(groups) <= set(with_aliases)
    assert "P-256" in with_aliases and "P-384" in with_aliases
    # Whatever get_groups() names, set_groups() accepts.
    for name in groups:
        ctx.set_groups(name)


def test_post_quantum_group_is_negotiated_with_openssl35(pki, transport):
    if not openssl_at_least(3, 5):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        with pytest.raises(ssl.SSLError):
            require_api(ctx, "set_groups", (3, 15))("X25519MLKEM768")
        return
    # OpenSSL 3.5 offers the hybrid group first by default...
    with tls_pair(
        transport, pki.client_context(), pki.server_context(), probe=lambda s: s.group()
    ) as (conn, srv_group):
        assert conn.group() == srv_group == "X25519MLKEM768"
    # ...and set_groups() can insist on it or refuse it.
    client_ctx, server_ctx = pki.client_context(), pki.server_context()
    client_ctx.set_groups("x25519")
    with tls_pair(transport, client_ctx, server_ctx) as (conn, _):
        assert conn.group() == "x25519"


# --------------------------------------------------------------------------
# TLS 1.3 cipher suites
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "suite", ["TLS_AES_128_GCM_SHA256", "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_256_GCM_SHA384"]
)
@pytest.mark.parametrize("side", ["client", "server"])
def test_set_ciphersuites_forces_the_suite(pki, transport, suite, side):
    client_ctx, server_ctx = pki.client_context(), pki.server_context()
    ctx = client_ctx if side == "client" else server_ctx
    require_api(ctx, "set_ciphersuites", (3, 15))(suite)
    with tls_pair(transport, client_ctx, server_ctx, probe=lambda s: s.cipher()) as (
        conn,
        srv_cipher,
    ):
        assert conn.cipher()[:2] == (suite, "TLSv1.3")
        assert srv_cipher[0] == suite
    # get_ciphers() lists the TLS 1.3 suites in force.
    tls13 = [c["name"] for c in ctx.get_ciphers() if c["protocol"] == "TLSv1.3"]
    assert tls13 == [suite]


def test_set_ciphersuites_leaves_tls12_alone(pki):
    client_ctx, server_ctx = pki.client_context(), pki.server_context()
    require_api(client_ctx, "set_ciphersuites", (3, 15))("TLS_AES_128_GCM_SHA256")
    client_ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    client_ctx.set_ciphers("ECDHE-RSA-AES256-GCM-SHA384")
    pair = BioPair(client_ctx, server_ctx).handshake()
    assert pair.client.cipher()[:2] == ("ECDHE-RSA-AES256-GCM-SHA384", "TLSv1.2")


def test_disjoint_ciphersuites_fail(pki, transport):
    client_ctx, server_ctx = pki.client_context(), pki.server_context()
    require_api(client_ctx, "set_ciphersuites", (3, 15))("TLS_AES_128_GCM_SHA256")
    server_ctx.set_ciphersuites("TLS_CHACHA20_POLY1305_SHA256")
    client_ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    assert_handshake_fails(transport, client_ctx, server_ctx)


@pytest.mark.parametrize("bad", ["TLS_NOPE", "ECDHE-RSA-AES128-GCM-SHA256"])
def test_set_ciphersuites_rejects_bad_lists(bad):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    with pytest.raises(ssl.SSLError):
        require_api(ctx, "set_ciphersuites", (3, 15))(bad)


# --------------------------------------------------------------------------
# Signature algorithms
# --------------------------------------------------------------------------


def test_get_sigalgs():
    get_sigalgs = require_api(ssl, "get_sigalgs", (3, 15))
    if not openssl_at_least(3, 4):
        with pytest.raises(NotImplementedError, match="3.4"):
            get_sigalgs()
        return
    sigalgs = get_sigalgs()
    assert all(isinstance(name, str) for name in sigalgs)
    for name in (
        "ecdsa_secp256r1_sha256",
        "rsa_pss_rsae_sha256",
        "rsa_pss_rsae_sha384",
        "rsa_pkcs1_sha256",
        "ed25519",
    ):
        assert name in sigalgs
    # Each name is one set_server_sigalgs() accepts.
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    for name in sigalgs:
        ctx.set_server_sigalgs(name)


def assert_sigalg(conn, which, expected):
    """conn.<which>_sigalg() reports expected on OpenSSL 3.5; older ones
    raise NotImplementedError naming 3.5."""
    method = require_api(conn, which + "_sigalg", (3, 15))
    if openssl_at_least(3, 5):
        assert method() == expected
    else:
        with pytest.raises(NotImplementedError, match="3.5"):
            method()


def sigalg_probe(server_end):
    try:
        return server_end.server_sigalg(), server_end.client_sigalg()
    except NotImplementedError:
        return None


@pytest.mark.parametrize(
    "forced,expected",
    [
        ("rsa_pss_rsae_sha384", "rsa_pss_rsae_sha384"),
        ("RSA-PSS+SHA512", "rsa_pss_rsae_sha512"),
        ("rsa_pss_rsae_sha256", "rsa_pss_rsae_sha256"),
    ],
)
@pytest.mark.parametrize("version", ["TLSv1_2", "TLSv1_3"])
def test_set_server_sigalgs_forces_the_server_signature(pki, transport, forced, expected, version):
    client_ctx, server_ctx = pki.client_context(), pki.server_context()
    client_ctx.maximum_version = getattr(ssl.TLSVersion, version)
    # The client offers only this algorithm: the server must sign with it.
    require_api(client_ctx, "set_server_sigalgs", (3, 15))(forced)
    with tls_pair(transport, client_ctx, server_ctx, probe=sigalg_probe) as (conn, srv):
        assert_sigalg(conn, "server", expected)
        # No client certificate, so no client signature.
        assert_sigalg(conn, "client", None)
    if openssl_at_least(3, 5):
        assert srv == (expected, None)


def test_server_sigalgs_the_key_cannot_make_fail(pki, transport):
    client_ctx, server_ctx = pki.client_context(), pki.server_context()
    # The server's key is RSA; an ECDSA-only client leaves it nothing.
    require_api(client_ctx, "set_server_sigalgs", (3, 15))("ECDSA+SHA256")
    assert_handshake_fails(transport, client_ctx, server_ctx)


def test_server_sigalgs_on_the_server_limit_its_choice(pki):
    client_ctx, server_ctx = pki.client_context(), pki.server_context()
    require_api(server_ctx, "set_server_sigalgs", (3, 15))("rsa_pss_rsae_sha512")
    pair = BioPair(client_ctx, server_ctx).handshake()
    assert_sigalg(pair.client, "server", "rsa_pss_rsae_sha512")


@pytest.mark.parametrize(
    "forced,expected",
    [
        ("rsa_pss_rsae_sha512", "rsa_pss_rsae_sha512"),
        ("RSA-PSS+SHA384", "rsa_pss_rsae_sha384"),
    ],
)
def test_set_client_sigalgs_forces_the_client_signature(pki, transport, forced, expected):
    client_ctx = pki.client_context(cert=True)
    server_ctx = pki.server_context(require_client_cert=True)
    # The server asks for client certificates signed with this alone.
    require_api(server_ctx, "set_client_sigalgs", (3, 15))(forced)
    with tls_pair(transport, client_ctx, server_ctx, probe=sigalg_probe) as (conn, srv):
        assert_sigalg(conn, "client", expected)
    if openssl_at_least(3, 5):
        assert srv[1] == expected


def test_client_sigalgs_the_client_key_cannot_make_fail(pki, transport):
    client_ctx = pki.client_context(cert=True)
    server_ctx = pki.server_context(require_client_cert=True)
    require_api(server_ctx, "set_client_sigalgs", (3, 15))("ECDSA+SHA256")
    assert_handshake_fails(transport, client_ctx, server_ctx)


@pytest.mark.parametrize("setter", ["set_client_sigalgs", "set_server_sigalgs"])
@pytest.mark.parametrize("bad", ["bogus", "RSA+NOHASH", "rsa_pss_rsae_sha256:x"])
def test_sigalgs_setters_reject_bad_lists(setter, bad):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    with pytest.raises(ssl.SSLError):
        require_api(ctx, setter, (3, 15))(bad)


# --------------------------------------------------------------------------
# Certificate chains
# --------------------------------------------------------------------------


def chain_probe(server_end):
    return (server_end.get_verified_chain(), server_end.get_unverified_chain())


def test_chains_of_the_server(pki, transport):
    require_api(ssl.SSLObject, "get_verified_chain", (3, 13))
    with tls_pair(transport, pki.client_context(), pki.server_context(), probe=chain_probe) as (
        conn,
        srv_chains,
    ):
        verified = require_api(conn, "get_verified_chain", (3, 13))()
        unverified = conn.get_unverified_chain()
        leaf = conn.getpeercert(True)
    assert all(isinstance(der, bytes) for der in verified + unverified)
    assert leaf == pki.server_der
    # As sent: the leaf, then the intermediate; the root stays home.
    assert unverified == [pki.server_der, pki.intermediate_der]
    # As verified: the same, ending at the trusted root.
    assert verified == [pki.server_der, pki.intermediate_der, pki.root_der]
    # The server saw no client certificate.
    assert srv_chains == ([], [])


def test_chains_of_the_client(pki, transport):
    client_ctx = pki.client_context(cert=True)
    server_ctx = pki.server_context(require_client_cert=True)
    require_api(ssl.SSLObject, "get_verified_chain", (3, 13))
    with tls_pair(transport, client_ctx, server_ctx, probe=chain_probe) as (conn, srv_chains):
        assert conn.getpeercert(True) == pki.server_der
    verified, unverified = srv_chains
    # OpenSSL leaves the leaf out of a server's peer chain; the API puts it
    # first, as on the client.
    assert unverified == [pki.client_der, pki.intermediate_der]
    assert verified == [pki.client_der, pki.intermediate_der, pki.root_der]


def test_unverified_chain_without_verification(pki, transport):
    client_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client_ctx.check_hostname = False
    client_ctx.verify_mode = ssl.CERT_NONE
    with tls_pair(transport, client_ctx, pki.server_context()) as (conn, _):
        unverified = require_api(conn, "get_unverified_chain", (3, 13))()
        verified = conn.get_verified_chain()
    assert unverified == [pki.server_der, pki.intermediate_der]
    # Nothing was verified: no chain was built up to a trust anchor.
    assert verified[0] == pki.server_der
    assert pki.root_der not in verified


def test_chains_before_the_handshake_are_empty(pki):
    pair = BioPair(pki.client_context(), pki.server_context())
    assert require_api(pair.client, "get_verified_chain", (3, 13))() == []
    assert pair.client.get_unverified_chain() == []


# --------------------------------------------------------------------------
# sendfile() over TLS
# --------------------------------------------------------------------------


def receive_exactly(total):
    def handler(conn):
        got = bytearray()
        while len(got) < total:
            data = conn.recv(65536)
            if not data:
                break
            got += data
        conn.sendall(b"done")
        return bytes(got)

    return handler


@pytest.fixture(scope="module")
def payload(tmp_path_factory):
    # Not a multiple of any record or page size; no two 4-byte words alike,
    # so a shifted offset or a dropped chunk shows.
    data = b"".join(struct.pack(">I", i * 2654435761 % 2**32) for i in range(72001))
    data += b"tail"
    path = tmp_path_factory.mktemp("sendfile") / "payload.bin"
    path.write_bytes(data)
    return str(path), data


@pytest.mark.parametrize("ktls", [False, True], ids=["plain", "OP_ENABLE_KTLS"])
def test_sendfile(pki, payload, ktls):
    path, data = payload
    client_ctx, server_ctx = pki.client_context(), pki.server_context()
    if ktls:
        # Kernel TLS is used only if the kernel, OpenSSL and the cipher
        # allow it; AES-GCM is the suite every kTLS kernel supports.
        client_ctx.options |= getattr(ssl, "OP_ENABLE_KTLS", 0)
        require_api(client_ctx, "set_ciphersuites", (3, 15))("TLS_AES_128_GCM_SHA256")
    offset, count = 1000, 70001
    expected = data[offset : offset + count] + data
    with Server(server_ctx, receive_exactly(len(expected))) as srv:
        with connect(client_ctx, srv) as conn:
            uses_ktls = require_api(conn._sslobj, "uses_ktls_for_send", (3, 15))()
            assert isinstance(uses_ktls, bool)
            if not ktls:
                assert uses_ktls is False
            assert isinstance(conn._sslobj.uses_ktls_for_recv(), bool)
            with open(path, "rb") as f:
                f.seek(12345)  # sendfile starts at offset, not here
                assert conn.sendfile(f, offset, count) == count
                assert f.tell() == offset + count
                f.seek(0)
                assert conn.sendfile(f) == len(data)
                assert f.tell() == len(data)
            assert conn.recv(16) == b"done"
        srv.wait_handled()
    assert srv.errors == []
    assert srv.results == [expected]


def test_sendfile_past_the_end_and_empty(pki, payload, tmp_path):
    path, data = payload
    empty = tmp_path / "empty.bin"
    empty.write_bytes(b"")
    tail = data[-100:]
    with Server(pki.server_context(), receive_exactly(len(tail))) as srv:
        with connect(pki.client_context(), srv) as conn:
            with open(str(empty), "rb") as f:
                assert conn.sendfile(f) == 0
            with open(path, "rb") as f:
                # count beyond the end sends what there is.
                assert conn.sendfile(f, len(data) - 100, 10**6) == 100
            assert conn.recv(16) == b"done"
        srv.wait_handled()
    assert srv.results == [tail]


def test_sendfile_refuses_text_files(pki, payload):
    path, _ = payload
    with Server(pki.server_context()) as srv:
        with connect(pki.client_context(), srv) as conn:
            with open(path, "r", encoding="latin-1") as f:
                with pytest.raises(ValueError):
                    conn.sendfile(f)


# --------------------------------------------------------------------------
# Kept from before 3.12: match_hostname, CertificateError, wrap_socket,
# RAND_pseudo_bytes
# --------------------------------------------------------------------------


def match(cert, hostname):
    match_hostname = kept_api("match_hostname")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return match_hostname(cert, hostname)


DNS_CERT = {
    "subject": ((("commonName", "example.com"),),),
    "subjectAltName": (
        ("DNS", "example.com"),
        ("DNS", "*.example.net"),
        ("IP Address", "192.0.2.7"),
        ("IP Address", "2001:DB8:0:0:0:0:0:1\n"),
    ),
}


@pytest.mark.parametrize(
    "hostname",
    [
        "example.com",
        "EXAMPLE.com",
        "www.example.net",
        "192.0.2.7",
        "2001:db8::1",
    ],
)
def test_match_hostname_accepts(hostname):
    assert match(DNS_CERT, hostname) is None


@pytest.mark.parametrize(
    "hostname",
    [
        "www.example.com",  # no wildcard for example.com
        "example.net",  # the wildcard needs a label
        "a.b.example.net",  # and matches one label only
        "192.0.2.8",
        "2001:db8::2",
        "example.org",
    ],
)
def test_match_hostname_rejects(hostname):
    certificate_error = kept_api("CertificateError")
    with pytest.raises(certificate_error) as info:
        match(DNS_CERT, hostname)
    assert isinstance(info.value, ValueError)
    assert repr(hostname) in str(info.value) or hostname in str(info.value)


def test_match_hostname_ip_is_not_a_dns_name():
    cert = {"subjectAltName": (("DNS", "192.0.2.7"),)}
    with pytest.raises(kept_api("CertificateError")):
        match(cert, "192.0.2.7")


def test_match_hostname_common_name_fallback_and_empty():
    cert = {"subject": ((("commonName", "legacy.example"),),)}
    assert match(cert, "legacy.example") is None
    with pytest.raises(kept_api("CertificateError")):
        match(cert, "other.example")
    with pytest.raises(ValueError):
        match({}, "legacy.example")


def test_match_hostname_warns_and_takes_a_real_peer_cert(certs, server, client_ctx, server_ctx):
    match_hostname = kept_api("match_hostname")
    srv = server(server_ctx)
    with connect(client_ctx, srv) as conn:
        cert = conn.getpeercert()
    if UNDER_STDLIB and sys.version_info < (3, 10):
        pytest.skip("the stdlib warns from 3.10")
    with pytest.warns(DeprecationWarning):
        assert match_hostname(cert, "localhost") is None
    with pytest.warns(DeprecationWarning):
        assert match_hostname(cert, "127.0.0.1") is None
    with pytest.raises(ssl.CertificateError):
        match(cert, "127.0.0.2")
    assert ssl.CertificateError is ssl.SSLCertVerificationError


def test_module_wrap_socket_warns_and_works(certs, server, server_ctx):
    wrap_socket = kept_api("wrap_socket")
    if UNDER_STDLIB and sys.version_info < (3, 10):
        pytest.skip("the stdlib warns from 3.10")
    srv = server(server_ctx)
    sock = socket.create_connection(srv.address, timeout=TIMEOUT)
    with pytest.warns(DeprecationWarning) as record:
        conn = wrap_socket(sock, cert_reqs=ssl.CERT_REQUIRED, ca_certs=certs.cafile)
    assert any("wrap_socket" in str(w.message) for w in record)
    with conn:
        assert isinstance(conn, ssl.SSLSocket)
        assert conn.version() in ("TLSv1.2", "TLSv1.3")
        # Verification was on: the server's certificate was checked.
        assert conn.getpeercert()["subjectAltName"]
        conn.sendall(b"old api")
        assert conn.recv(1024) == b"old api"


def test_module_wrap_socket_verifies_when_asked(certs, server):
    wrap_socket = kept_api("wrap_socket")
    untrusted = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    untrusted.load_cert_chain(certs.untrusted_combined)
    srv = server(untrusted)
    sock = socket.create_connection(srv.address, timeout=TIMEOUT)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            with pytest.raises(ssl.SSLCertVerificationError):
                wrap_socket(sock, cert_reqs=ssl.CERT_REQUIRED, ca_certs=certs.cafile)
    finally:
        sock.close()


def test_module_wrap_socket_argument_checks():
    wrap_socket = kept_api("wrap_socket")
    with socket.socket() as sock:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            with pytest.raises(ValueError, match="certfile"):
                wrap_socket(sock, server_side=True)
            with pytest.raises(ValueError, match="certfile"):
                wrap_socket(sock, keyfile="key.pem")


def test_rand_pseudo_bytes():
    rand_pseudo_bytes = kept_api("RAND_pseudo_bytes")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        first, strong = rand_pseudo_bytes(32)
        second, _ = rand_pseudo_bytes(32)
        assert rand_pseudo_bytes(0) == (b"", True)
        with pytest.raises(ValueError):
            rand_pseudo_bytes(-1)
    assert isinstance(first, bytes) and len(first) == 32
    assert strong is True
    assert first != second
