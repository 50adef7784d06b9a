"""Credentials from memory (issue 14): load_cert_chain(certdata=, keydata=)
and load_pkcs12() -- pyssl's own API, beyond CPython's ssl.

Every form (PEM, DER, encrypted PEM/DER with each password form, PKCS#12)
is loaded from memory and then has to carry a real handshake: against pyssl
itself, and against openssl s_server/s_client. The server certificate comes
from an intermediate CA that the clients do not trust, so a handshake only
verifies if the chain was loaded from the data too. Bad data raises the
documented errors, and strace shows that loading opens no file.
"""

import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from conftest import BioPair, HOST, TIMEOUT, UNDER_STDLIB, ssl
import peers as P

if UNDER_STDLIB:
    pytest.skip("credentials from memory are pyssl's own API", allow_module_level=True)

from cryptography import x509  # noqa: E402  (trustme's dependency)
from cryptography.hazmat.primitives import serialization as ser  # noqa: E402
from cryptography.hazmat.primitives.serialization import pkcs12  # noqa: E402

OPENSSLS = P.openssl_binaries()
PASSWORD = "s3cret-\u00e9"  # non-ASCII: str passwords go as UTF-8
PASSWORD_BYTES = PASSWORD.encode("utf-8")
REQUEST = b"GET / HTTP/1.0\r\n\r\n"


def der_cert(pem_bytes):
    return x509.load_pem_x509_certificate(pem_bytes).public_bytes(ser.Encoding.DER)


class Creds(object):
    """A root CA the clients trust, an intermediate they do not, and a
    server and a client certificate issued by the intermediate, in every
    form load_cert_chain and load_pkcs12 take."""

    def __init__(self, directory):
        import trustme

        self.dir = directory
        self.ca = trustme.CA()
        self.intermediate = self.ca.create_child_ca()
        self.cafile = self.write("ca.pem", self.ca.cert_pem.bytes())
        self.ca_pem = self.ca.cert_pem.bytes().decode("ascii")
        self.server = self.intermediate.issue_cert(
            "localhost", "127.0.0.1", common_name="localhost"
        )
        self.client = self.intermediate.issue_cert("client.example", common_name="client.example")
        self.stranger = trustme.CA().issue_cert("localhost")

    def write(self, name, data):
        path = os.path.join(str(self.dir), name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    @staticmethod
    def chain_pem(leaf):
        """Leaf, then the intermediate: what a server sends."""
        return b"".join(blob.bytes() for blob in leaf.cert_chain_pems[:2])

    @staticmethod
    def key(leaf):
        return ser.load_pem_private_key(leaf.private_key_pem.bytes(), None)

    def forms(self, leaf):
        """name -> the keyword arguments of one load_cert_chain call."""
        chain = self.chain_pem(leaf)
        key_pem = leaf.private_key_pem.bytes()
        key = self.key(leaf)
        der_chain = b"".join(der_cert(blob.bytes()) for blob in leaf.cert_chain_pems[:2])
        enc = ser.BestAvailableEncryption(PASSWORD_BYTES)
        key_der = key.private_bytes(ser.Encoding.DER, ser.PrivateFormat.PKCS8, ser.NoEncryption())
        enc_pem = key.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.PKCS8, enc)
        enc_der = key.private_bytes(ser.Encoding.DER, ser.PrivateFormat.PKCS8, enc)
        # The traditional OpenSSL form: "Proc-Type: 4,ENCRYPTED" headers.
        enc_trad = key.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.TraditionalOpenSSL, enc)
        return {
            "pem-bytes": dict(certdata=chain, keydata=key_pem),
            "pem-str": dict(certdata=chain.decode(), keydata=key_pem.decode()),
            "pem-combined": dict(certdata=(key_pem + chain).decode()),
            "pem-bytearray-memoryview": dict(
                certdata=bytearray(chain), keydata=memoryview(key_pem)
            ),
            "der": dict(certdata=der_chain, keydata=key_der),
            "der-cert-pem-key": dict(certdata=der_chain, keydata=key_pem),
            "enc-pem-str": dict(certdata=chain, keydata=enc_pem, password=PASSWORD),
            "enc-pem-bytes": dict(certdata=chain, keydata=enc_pem, password=PASSWORD_BYTES),
            "enc-pem-bytearray": dict(
                certdata=chain, keydata=enc_pem, password=bytearray(PASSWORD_BYTES)
            ),
            "enc-pem-callable": dict(certdata=chain, keydata=enc_pem, password=lambda: PASSWORD),
            "enc-pem-traditional": dict(certdata=chain, keydata=enc_trad, password=PASSWORD),
            "enc-der-callable-bytes": dict(
                certdata=der_chain, keydata=enc_der, password=lambda: PASSWORD_BYTES
            ),
        }

    def p12(self, leaf, password=PASSWORD_BYTES):
        enc = ser.BestAvailableEncryption(password) if password else ser.NoEncryption()
        cas = [x509.load_pem_x509_certificate(self.intermediate.cert_pem.bytes())]
        return pkcs12.serialize_key_and_certificates(
            b"server",
            self.key(leaf),
            x509.load_pem_x509_certificate(leaf.cert_chain_pems[0].bytes()),
            cas,
            enc,
        )


@pytest.fixture(scope="module")
def creds(tmp_path_factory):
    return Creds(tmp_path_factory.mktemp("memory-creds"))


FORMS = [
    "pem-bytes",
    "pem-str",
    "pem-combined",
    "pem-bytearray-memoryview",
    "der",
    "der-cert-pem-key",
    "enc-pem-str",
    "enc-pem-bytes",
    "enc-pem-bytearray",
    "enc-pem-callable",
    "enc-pem-traditional",
    "enc-der-callable-bytes",
]


def client_context(creds):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cadata=creds.ca_pem)
    return ctx


def server_context():
    return ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)


def peer_cn(sslobj):
    cert = sslobj.getpeercert()
    return dict(rdn[0] for rdn in cert["subject"])["commonName"]


def test_flag():
    assert ssl.HAS_MEMORY_CREDENTIALS is True
    assert ssl._ssl.HAS_MEMORY_CREDENTIALS is True


# --------------------------------------------------------------------------
# Every form carries a verified handshake, pyssl against pyssl
# --------------------------------------------------------------------------


@pytest.mark.parametrize("form", FORMS)
def test_server_from_memory_handshakes(creds, form):
    ctx = server_context()
    ctx.load_cert_chain(**creds.forms(creds.server)[form])
    pair = BioPair(client_context(creds), ctx).handshake()
    assert peer_cn(pair.client) == "localhost"
    # The intermediate came from the data: the client verified through it.
    assert len(pair.client.get_verified_chain()) == 3


@pytest.mark.parametrize("form", ["pem-bytes", "der", "enc-pem-callable"])
def test_client_cert_from_memory_handshakes(creds, form):
    srv = server_context()
    srv.load_cert_chain(**creds.forms(creds.server)["pem-bytes"])
    srv.verify_mode = ssl.CERT_REQUIRED
    srv.load_verify_locations(cadata=creds.ca_pem)
    cli = client_context(creds)
    cli.load_cert_chain(**creds.forms(creds.client)[form])
    pair = BioPair(cli, srv).handshake()
    pair.send(pair.client, pair.server, b"x")  # TLS 1.3: the cert is checked
    assert peer_cn(pair.server) == "client.example"


@pytest.mark.parametrize(
    "password",
    [
        PASSWORD,
        PASSWORD_BYTES,
        bytearray(PASSWORD_BYTES),
        lambda: PASSWORD,
        lambda: PASSWORD_BYTES,
    ],
    ids=["str", "bytes", "bytearray", "callable-str", "callable-bytes"],
)
def test_pkcs12_handshakes(creds, password):
    ctx = server_context()
    ctx.load_pkcs12(creds.p12(creds.server), password=password)
    pair = BioPair(client_context(creds), ctx).handshake()
    assert peer_cn(pair.client) == "localhost"
    assert len(pair.client.get_verified_chain()) == 3


def test_pkcs12_without_password(creds):
    ctx = server_context()
    ctx.load_pkcs12(memoryview(creds.p12(creds.server, password=None)))
    assert peer_cn(BioPair(client_context(creds), ctx).handshake().client) == "localhost"


def test_pkcs12_made_by_openssl_command(creds, tmp_path):
    """A bundle as `openssl pkcs12 -export` writes it (the system OpenSSL's
    default algorithms), not only as cryptography does."""
    openssl = P.require("openssl")
    key = creds.write("p12.key", creds.server.private_key_pem.bytes())
    cert = creds.write("p12.crt", creds.server.cert_chain_pems[0].bytes())
    inter = creds.write("p12-ca.crt", creds.intermediate.cert_pem.bytes())
    out = str(tmp_path / "bundle.p12")
    subprocess.run(
        [
            openssl,
            "pkcs12",
            "-export",
            "-inkey",
            key,
            "-in",
            cert,
            "-certfile",
            inter,
            "-out",
            out,
            "-passout",
            "pass:pw",
        ],
        check=True,
        timeout=TIMEOUT,
        stdin=subprocess.DEVNULL,
    )
    with open(out, "rb") as f:
        data = f.read()
    ctx = server_context()
    ctx.load_pkcs12(data, "pw")
    pair = BioPair(client_context(creds), ctx).handshake()
    assert len(pair.client.get_verified_chain()) == 3


def test_file_certificate_with_key_from_memory(creds):
    ctx = server_context()
    certfile = creds.write("chain.pem", creds.chain_pem(creds.server))
    ctx.load_cert_chain(certfile, keydata=creds.server.private_key_pem.bytes())
    assert peer_cn(BioPair(client_context(creds), ctx).handshake().client) == "localhost"


def test_rotation_from_memory(creds):
    """Loading again replaces the credentials: the next handshake is served
    with the new certificate (the swap is the one load_cert_chain's files
    use, atomic for handshakes running meanwhile: test_shared_context)."""
    ctx = server_context()
    ctx.load_cert_chain(**creds.forms(creds.server)["pem-bytes"])
    ctx.load_cert_chain(certdata=creds.stranger.private_key_and_cert_chain_pem.bytes())
    with pytest.raises(ssl.SSLCertVerificationError):
        BioPair(client_context(creds), ctx).handshake()


# --------------------------------------------------------------------------
# Against openssl s_server / s_client
# --------------------------------------------------------------------------

INTEROP_FORMS = ["pem-bytes", "der", "enc-pem-callable", "pkcs12"]


def load(ctx, creds, leaf, form):
    if form == "pkcs12":
        ctx.load_pkcs12(creds.p12(leaf), PASSWORD)
    else:
        ctx.load_cert_chain(**creds.forms(leaf)[form])


@pytest.fixture
def peers(tmp_path):
    p = P.Peers(tmp_path)
    yield p
    p.stop()


@pytest.mark.parametrize("openssl", [p for _, p in OPENSSLS], ids=[n for n, _ in OPENSSLS])
@pytest.mark.parametrize("form", INTEROP_FORMS)
def test_s_client_verifies_server_from_memory(creds, peers, server, openssl, form):
    ctx = server_context()
    load(ctx, creds, creds.server, form)
    srv = server(ctx, http_handler)
    status, out = peers.run(
        [
            P.require(openssl),
            "s_client",
            "-connect",
            "%s:%d" % (HOST, srv.port),
            "-CAfile",
            creds.cafile,
            "-verify_return_error",
            "-ign_eof",
            "-servername",
            "localhost",
        ],
        stdin=REQUEST,
    )
    assert "hello from memory" in out, out
    assert "Verify return code: 0 (ok)" in out, out
    srv.wait_handled()
    assert not srv.errors


def http_handler(conn):
    request = b""
    while b"\r\n\r\n" not in request:
        chunk = conn.recv(4096)
        if not chunk:
            break
        request += chunk
    conn.sendall(b"HTTP/1.0 200 OK\r\n\r\nhello from memory\n")
    return request


@pytest.mark.parametrize("openssl", [p for _, p in OPENSSLS], ids=[n for n, _ in OPENSSLS])
@pytest.mark.parametrize("form", INTEROP_FORMS)
def test_s_server_verifies_client_from_memory(creds, peers, tmp_path, openssl, form):
    certfile = creds.write("s_server.crt", creds.server.cert_chain_pems[0].bytes())
    chainfile = creds.write("s_server-chain.crt", creds.intermediate.cert_pem.bytes())
    keyfile = creds.write("s_server.key", creds.server.private_key_pem.bytes())
    port = P.free_port()
    peers.server(
        [
            P.require(openssl),
            "s_server",
            "-accept",
            "%s:%d" % (HOST, port),
            "-cert",
            certfile,
            "-cert_chain",
            chainfile,
            "-key",
            keyfile,
            "-CAfile",
            creds.cafile,
            "-Verify",
            "3",
            "-verify_return_error",
            "-www",
        ],
        port,
    )
    ctx = client_context(creds)
    load(ctx, creds, creds.client, form)
    import socket

    with socket.create_connection((HOST, port), timeout=TIMEOUT) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
            tls.sendall(REQUEST)
            page = b""
            while True:
                chunk = tls.recv(65536)
                if not chunk:
                    break
                page += chunk
    # s_server -www prints the client certificate it verified.
    assert b"Client certificate" in page, page
    assert b"client.example" in page


# --------------------------------------------------------------------------
# Bad data: the documented errors, and the context keeps what it had
# --------------------------------------------------------------------------


def loaded_ctx(creds):
    ctx = server_context()
    ctx.load_cert_chain(**creds.forms(creds.server)["pem-bytes"])
    return ctx


def still_serves(creds, ctx):
    return peer_cn(BioPair(client_context(creds), ctx).handshake().client) == "localhost"


def bad_cases(creds):
    chain = creds.chain_pem(creds.server)
    forms = creds.forms(creds.server)
    enc_pem = forms["enc-pem-str"]["keydata"]
    enc_der = forms["enc-der-callable-bytes"]["keydata"]
    other_key = creds.client.private_key_pem.bytes()
    garbage_pem = b"-----BEGIN CERTIFICATE-----\n!!!! not base64 !!!!\n-----END CERTIFICATE-----\n"
    # Certificates are never encrypted: such a block fails, and OpenSSL's
    # default callback must not prompt on a terminal for its password.
    leaf = chain.split(b"-----END CERTIFICATE-----")[0]
    encrypted_cert = (
        leaf.replace(
            b"-----BEGIN CERTIFICATE-----\n",
            b"-----BEGIN CERTIFICATE-----\nProc-Type: 4,ENCRYPTED\n"
            b"DEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n",
        )
        + b"-----END CERTIFICATE-----\n"
    )
    return {
        # name: (kwargs, OpenSSL reason or None)
        "encrypted-cert-block": (
            dict(certdata=encrypted_cert, keydata=other_key),
            "BAD_PASSWORD_READ",
        ),
        "garbage-cert-str": (dict(certdata="junk", keydata=other_key), "NO_START_LINE"),
        "garbage-cert-bytes": (dict(certdata=b"\x00" * 64, keydata=other_key), "NO_START_LINE"),
        "garbage-pem-block": (dict(certdata=garbage_pem, keydata=other_key), None),
        "truncated-der": (dict(certdata=der_cert(chain)[:100], keydata=other_key), None),
        "garbage-key": (dict(certdata=chain, keydata=b"junk"), "NO_START_LINE"),
        "garbage-der-key": (dict(certdata=chain, keydata=b"\x30\x03\x02\x01\x00"), None),
        "empty-chain-bytes": (dict(certdata=b"", keydata=other_key), "NO_START_LINE"),
        "empty-chain-str": (dict(certdata=""), "NO_START_LINE"),
        "key-but-no-cert": (dict(certdata=other_key), "NO_START_LINE"),
        "cert-but-no-key": (dict(certdata=chain), "NO_START_LINE"),
        "key-mismatch": (dict(certdata=chain, keydata=other_key), "KEY_VALUES_MISMATCH"),
        "wrong-password-pem": (dict(certdata=chain, keydata=enc_pem, password="nope"), None),
        "wrong-password-der": (
            dict(certdata=chain, keydata=enc_der, password=lambda: b"nope"),
            None,
        ),
        "encrypted-no-password-pem": (dict(certdata=chain, keydata=enc_pem), "BAD_PASSWORD_READ"),
        "encrypted-no-password-der": (dict(certdata=chain, keydata=enc_der), "BAD_PASSWORD_READ"),
    }


BAD = [
    "encrypted-cert-block",
    "garbage-cert-str",
    "garbage-cert-bytes",
    "garbage-pem-block",
    "truncated-der",
    "garbage-key",
    "garbage-der-key",
    "empty-chain-bytes",
    "empty-chain-str",
    "key-but-no-cert",
    "cert-but-no-key",
    "key-mismatch",
    "wrong-password-pem",
    "wrong-password-der",
    "encrypted-no-password-pem",
    "encrypted-no-password-der",
]


@pytest.mark.parametrize("case", BAD)
def test_bad_data_raises_sslerror(creds, case):
    kwargs, reason = bad_cases(creds)[case]
    ctx = loaded_ctx(creds)
    with pytest.raises(ssl.SSLError) as info:
        ctx.load_cert_chain(**kwargs)
    assert type(info.value) is ssl.SSLError
    if reason is not None:
        assert info.value.reason == reason, info.value
    assert still_serves(creds, ctx)


def test_bad_data_errors_match_bad_files(creds):
    """A garbage file and garbage data both raise a plain SSLError, so one
    except clause covers both; a wrong password too."""
    path = creds.write("garbage.pem", b"junk")
    with pytest.raises(ssl.SSLError) as from_file:
        server_context().load_cert_chain(path)
    with pytest.raises(ssl.SSLError) as from_data:
        server_context().load_cert_chain(certdata=b"junk")
    assert type(from_file.value) is type(from_data.value)


@pytest.mark.parametrize(
    "kwargs, error",
    [
        (dict(certdata=42), TypeError),
        (dict(certdata=object()), TypeError),
        (dict(certdata="caf\u00e9"), TypeError),  # PEM is ASCII
        (dict(certdata=b"x", keydata=3.5), TypeError),
        (dict(), TypeError),  # neither
        (dict(certfile="x.pem", certdata=b"x"), TypeError),  # both
        (dict(certdata=b"x", keyfile="x.key", keydata=b"x"), TypeError),
        (dict(certdata=b"x", password=42), TypeError),
    ],
    ids=[
        "int",
        "object",
        "non-ascii-str",
        "key-float",
        "neither",
        "cert-both",
        "key-both",
        "password-int",
    ],
)
def test_wrong_arguments(kwargs, error):
    with pytest.raises(error):
        server_context().load_cert_chain(**kwargs)


def test_memory_arguments_are_keyword_only(creds):
    with pytest.raises(TypeError):
        server_context().load_cert_chain(None, None, None, b"data")


def test_der_chain_without_key_says_so(creds):
    with pytest.raises(ValueError, match="keydata"):
        server_context().load_cert_chain(certdata=creds.forms(creds.server)["der"]["certdata"])


def test_password_callback_errors(creds):
    enc = creds.forms(creds.server)["enc-pem-str"]["keydata"]
    chain = creds.chain_pem(creds.server)

    def boom():
        raise ZeroDivisionError("from the callback")

    with pytest.raises(ZeroDivisionError):
        server_context().load_cert_chain(certdata=chain, keydata=enc, password=boom)
    with pytest.raises(TypeError):
        server_context().load_cert_chain(certdata=chain, keydata=enc, password=lambda: 42)
    with pytest.raises(ValueError):
        server_context().load_cert_chain(certdata=chain, keydata=enc, password=lambda: b"x" * 5000)


def test_buffer_is_released(creds):
    """The loaders read the caller's buffer in place and let go of it: a
    bytearray can be resized afterwards (a held export would forbid it)."""
    forms = creds.forms(creds.server)
    cert = bytearray(forms["pem-bytes"]["certdata"])
    key = bytearray(forms["pem-bytes"]["keydata"])
    bundle = bytearray(creds.p12(creds.server))
    ctx = server_context()
    ctx.load_cert_chain(certdata=cert, keydata=key)
    ctx.load_pkcs12(bundle, PASSWORD)
    with pytest.raises(ssl.SSLError):
        ctx.load_cert_chain(certdata=cert, keydata=b"junk")
    for buf in (cert, key, bundle):
        buf[:] = b"\0" * len(buf)  # the caller wipes its copy
        buf.extend(b"more")


@pytest.mark.parametrize(
    "case", ["wrong-password", "no-password", "garbage", "truncated", "empty", "no-key", "no-cert"]
)
def test_bad_pkcs12_raises_sslerror(creds, case):
    good = creds.p12(creds.server)
    key_only = pkcs12.serialize_key_and_certificates(
        b"k", creds.key(creds.server), None, None, ser.BestAvailableEncryption(PASSWORD_BYTES)
    )
    cas = [x509.load_pem_x509_certificate(creds.ca.cert_pem.bytes())]
    certs_only = pkcs12.serialize_key_and_certificates(
        b"c", None, None, cas, ser.BestAvailableEncryption(PASSWORD_BYTES)
    )
    data, password, reason = {
        "wrong-password": (good, "nope", "MAC_VERIFY_FAILURE"),
        "no-password": (good, None, "MAC_VERIFY_FAILURE"),
        "garbage": (b"junk" * 10, PASSWORD, None),
        "truncated": (good[: len(good) // 2], PASSWORD, None),
        "empty": (b"", PASSWORD, None),
        "no-key": (certs_only, PASSWORD, None),
        "no-cert": (key_only, PASSWORD, None),
    }[case]
    ctx = loaded_ctx(creds)
    with pytest.raises(ssl.SSLError) as info:
        ctx.load_pkcs12(data, password)
    if reason is not None:
        assert info.value.reason == reason, info.value
    if case in ("no-key", "no-cert"):
        assert "PKCS#12 data holds no" in str(info.value)
    assert still_serves(creds, ctx)


@pytest.mark.parametrize(
    "args, error",
    [
        (("text",), TypeError),
        ((42,), TypeError),
        ((b"x", 42), TypeError),
        ((b"x", "a\0b"), ValueError),
        ((b"x", lambda: 42), TypeError),
    ],
    ids=["str-data", "int-data", "int-password", "nul-password", "callback-int"],
)
def test_pkcs12_wrong_arguments(args, error):
    with pytest.raises(error):
        server_context().load_pkcs12(*args)


# --------------------------------------------------------------------------
# No file is written or read while loading: strace watches the C library
# --------------------------------------------------------------------------

STRACE_CHILD = textwrap.dedent("""
    import os, sys, pickle
    import pyssl as ssl
    cases, p12, certfile = pickle.loads(sys.stdin.buffer.read())
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    os.path.exists("/pyssl-strace-mark-begin")      # ENOENT; strace logs it
    for kwargs in cases:
        ctx.load_cert_chain(**kwargs)
    ctx.load_pkcs12(p12, %(password)r)
    os.path.exists("/pyssl-strace-mark-files")
    ctx.load_cert_chain(certfile)             # the control: a real file
    os.path.exists("/pyssl-strace-mark-end")
""")


def test_loading_from_memory_opens_no_file(creds, tmp_path):
    import pickle

    strace = shutil.which("strace")
    if strace is None:
        msg = "strace is not installed (ci/install-peers.sh installs it)"
        if os.environ.get("PYSSL_REQUIRE_PEERS"):
            pytest.fail(msg)
        pytest.skip(msg)
    forms = creds.forms(creds.server)
    cases = [forms[name] for name in ("pem-bytes", "der", "enc-pem-str", "enc-der-callable-bytes")]
    cases[-1] = dict(cases[-1], password=PASSWORD_BYTES)  # picklable
    certfile = creds.write(
        "strace-combined.pem", creds.server.private_key_and_cert_chain_pem.bytes()
    )
    log = str(tmp_path / "strace.log")
    # A sanitizer the test run preloads (ci/asan.sh) goes to the traced
    # Python only, not into strace itself.
    env = dict(os.environ)
    preload = env.pop("LD_PRELOAD", None)
    preload = ["-E", "LD_PRELOAD=" + preload] if preload else []
    proc = subprocess.run(
        [strace, "-f", "-qq", "-o", log]
        + preload
        + [
            "-e",
            "trace=%file,%desc,memfd_create",
            sys.executable,
            "-c",
            STRACE_CHILD % {"password": PASSWORD},
        ],
        input=pickle.dumps((cases, creds.p12(creds.server), certfile)),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        timeout=120,
    )
    if b"ptrace" in proc.stdout and proc.returncode != 0:
        pytest.skip("ptrace is not permitted here: %s" % proc.stdout[-200:])
    assert proc.returncode == 0, proc.stdout.decode(errors="replace")
    with open(log) as f:
        lines = f.read().splitlines()

    def between(start, stop):
        begin = next(i for i, ln in enumerate(lines) if start in ln)
        end = next(i for i, ln in enumerate(lines) if stop in ln)
        return lines[begin + 1 : end]

    opening = ("open", "creat", "memfd_create", "mkdir", "link", "rename", "unlink", "truncate")
    memory = [
        ln
        for ln in between("mark-begin", "mark-files")
        if ln.split(" ", 1)[-1].lstrip().startswith(opening)
    ]
    assert memory == [], "loading from memory touched files:\n" + "\n".join(memory)
    # The control: strace does see the C library open the certificate file.
    files = between("mark-files", "mark-end")
    assert any("open" in ln and "strace-combined.pem" in ln for ln in files), files
