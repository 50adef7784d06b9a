"""Loading certificates, keys and CA data: good input works, bad input raises."""

import errno
import os

import pytest

from conftest import BioPair, ssl

GARBAGE_PEM = (
    "-----BEGIN CERTIFICATE-----\n!!!! this is not base64 !!!!\n-----END CERTIFICATE-----\n"
)
TRUNCATED_DER = b"\x30\x82\x03\x00\x30\x82\x02\xe8"  # a SEQUENCE header, then nothing


def client():
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def server():
    return ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)


# --- CA data ---------------------------------------------------------------


def test_cafile_loads_and_is_listed(certs):
    ctx = client()
    ctx.load_verify_locations(cafile=certs.cafile)
    assert ctx.cert_store_stats() == {"x509_ca": 1, "crl": 0, "x509": 1}
    cas = ctx.get_ca_certs()
    assert len(cas) == 1
    assert "subject" in cas[0] and "issuer" in cas[0]
    assert cas[0]["subject"] == cas[0]["issuer"]  # self-signed root
    der = ctx.get_ca_certs(binary_form=True)
    assert der == [ssl.PEM_cert_to_DER_cert(certs.ca_pem)]


def test_cadata_str_and_bytes(certs):
    ctx = client()
    ctx.load_verify_locations(cadata=certs.ca_pem)  # PEM str
    ctx.load_verify_locations(cadata=ssl.PEM_cert_to_DER_cert(certs.ca_pem))  # DER bytes
    # The same certificate twice is stored once.
    assert ctx.cert_store_stats()["x509_ca"] == 1
    ctx.load_verify_locations(cadata=certs.other_server.cert_chain_pems[0].bytes().decode())
    assert ctx.cert_store_stats() == {"x509_ca": 1, "crl": 0, "x509": 2}


def test_cadata_two_pems_in_one_string(certs):
    ctx = client()
    ctx.load_verify_locations(cadata=certs.ca_pem + certs.other_ca.cert_pem.bytes().decode())
    assert ctx.cert_store_stats()["x509_ca"] == 2


@pytest.mark.parametrize(
    "cadata",
    [
        "junk",
        GARBAGE_PEM,
        b"junk",
        TRUNCATED_DER,
        b"\x00" * 64,
    ],
    ids=["str-junk", "pem-bad-base64", "bytes-junk", "der-truncated", "der-zeros"],
)
def test_bad_cadata_raises_sslerror(cadata):
    ctx = client()
    with pytest.raises(ssl.SSLError):
        ctx.load_verify_locations(cadata=cadata)
    assert ctx.cert_store_stats()["x509_ca"] == 0


def test_cadata_non_ascii_str():
    with pytest.raises((ValueError, TypeError, ssl.SSLError)):
        client().load_verify_locations(cadata="\u00e9t\u00e9")


def test_der_garbage_after_good_cert(certs):
    # A good certificate followed by trailing junk: an error, not a silent
    # partial load that hides the corruption.
    der = ssl.PEM_cert_to_DER_cert(certs.ca_pem)
    with pytest.raises(ssl.SSLError):
        client().load_verify_locations(cadata=der + b"\x30\x03junk")


@pytest.mark.parametrize(
    "content", [b"", b"junk\n", GARBAGE_PEM.encode()], ids=["empty", "junk", "pem-bad-base64"]
)
def test_bad_cafile_raises_sslerror(certs, content):
    path = certs.write("bad-ca-%d.pem" % len(content), content)
    with pytest.raises(ssl.SSLError):
        client().load_verify_locations(cafile=path)


def test_missing_cafile(tmp_path):
    path = str(tmp_path / "missing.pem")
    with pytest.raises(FileNotFoundError) as info:
        client().load_verify_locations(cafile=path)
    assert info.value.errno == errno.ENOENT


def test_cafile_is_a_directory(tmp_path):
    with pytest.raises(IsADirectoryError) as info:
        client().load_verify_locations(cafile=str(tmp_path))
    assert info.value.errno == errno.EISDIR


def test_cafile_accepts_pathlike_and_bytes(certs):
    import pathlib

    ctx = client()
    ctx.load_verify_locations(cafile=pathlib.Path(certs.cafile))
    ctx.load_verify_locations(cafile=os.fsencode(certs.cafile))
    assert ctx.cert_store_stats()["x509_ca"] == 1


# --- certificate chains and keys ------------------------------------------


def test_load_cert_chain_combined_and_split(certs):
    server().load_cert_chain(certs.server_combined)
    server().load_cert_chain(certs.server_certfile, certs.server_keyfile)


@pytest.mark.parametrize(
    "content", [b"", b"junk\n", GARBAGE_PEM.encode()], ids=["empty", "junk", "pem-bad-base64"]
)
def test_bad_certfile_raises_sslerror(certs, content):
    path = certs.write("bad-cert-%d.pem" % len(content), content)
    with pytest.raises(ssl.SSLError):
        server().load_cert_chain(path, certs.server_keyfile)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"junk\n",
        b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    ],
    ids=["empty", "junk", "pem-truncated-key"],
)
def test_bad_keyfile_raises_sslerror(certs, content):
    path = certs.write("bad-key-%d.pem" % len(content), content)
    with pytest.raises(ssl.SSLError):
        server().load_cert_chain(certs.server_certfile, path)


def test_certfile_without_key(certs):
    with pytest.raises(ssl.SSLError):
        server().load_cert_chain(certs.server_certfile)


def test_key_not_matching_cert(certs):
    with pytest.raises(ssl.SSLError) as info:
        server().load_cert_chain(certs.server_certfile, certs.client_keyfile)
    assert "KEY_VALUES_MISMATCH" in str(info.value) or info.value.reason == "KEY_VALUES_MISMATCH"


def test_missing_certfile(tmp_path, certs):
    path = str(tmp_path / "missing.pem")
    with pytest.raises(FileNotFoundError) as info:
        server().load_cert_chain(path)
    assert info.value.errno == errno.ENOENT
    with pytest.raises(FileNotFoundError) as info:
        server().load_cert_chain(certs.server_certfile, path)
    assert info.value.errno == errno.ENOENT


def test_missing_dh_params(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        server().load_dh_params(str(tmp_path / "missing.pem"))
    assert info.value.errno == errno.ENOENT


def test_bad_dh_params(certs):
    with pytest.raises(ssl.SSLError):
        server().load_dh_params(certs.write("bad-dh.pem", b"junk\n"))


# --- passwords -------------------------------------------------------------

PASSWORD = b"correct horse"


@pytest.fixture(scope="module")
def encrypted_key(certs):
    return certs.encrypted_key(PASSWORD)


@pytest.mark.parametrize(
    "password",
    [
        PASSWORD,
        PASSWORD.decode(),
        bytearray(PASSWORD),
        lambda: PASSWORD,
        lambda: PASSWORD.decode(),
        lambda: bytearray(PASSWORD),
    ],
    ids=["bytes", "str", "bytearray", "callable-bytes", "callable-str", "callable-bytearray"],
)
def test_right_password(certs, encrypted_key, password):
    ctx = server()
    ctx.load_cert_chain(certs.server_certfile, encrypted_key, password=password)
    # The key really is loaded: a handshake works with it.
    client_ctx = client()
    client_ctx.load_verify_locations(certs.cafile)
    pair = BioPair(client_ctx, ctx).handshake()
    assert pair.client.version() is not None


@pytest.mark.parametrize(
    "password",
    [
        b"wrong",
        "wrong",
        lambda: b"wrong",
        lambda: "wrong",
    ],
    ids=["bytes", "str", "callable-bytes", "callable-str"],
)
def test_wrong_password(certs, encrypted_key, password):
    with pytest.raises(ssl.SSLError):
        server().load_cert_chain(certs.server_certfile, encrypted_key, password=password)


def test_no_password_for_encrypted_key(certs, encrypted_key):
    # No password and no terminal: OpenSSL must not prompt; it fails.
    with pytest.raises(ssl.SSLError):
        server().load_cert_chain(certs.server_certfile, encrypted_key, password=b"")


@pytest.mark.parametrize(
    "password", [lambda: 42, lambda: None, lambda: [b"x"]], ids=["int", "None", "list"]
)
def test_password_callable_wrong_type(certs, encrypted_key, password):
    with pytest.raises(TypeError):
        server().load_cert_chain(certs.server_certfile, encrypted_key, password=password)


def test_password_callable_raises(certs, encrypted_key):
    class Boom(Exception):
        pass

    def password():
        raise Boom("no password today")

    with pytest.raises(Boom):
        server().load_cert_chain(certs.server_certfile, encrypted_key, password=password)


@pytest.mark.parametrize(
    "password", [b"x" * 1025, "x" * 1025, lambda: b"x" * 1025], ids=["bytes", "str", "callable"]
)
def test_password_too_long(certs, encrypted_key, password):
    with pytest.raises(ValueError):
        server().load_cert_chain(certs.server_certfile, encrypted_key, password=password)


def test_password_not_called_for_plain_key(certs):
    calls = []

    def password():
        calls.append(1)
        return b"unused"

    server().load_cert_chain(certs.server_certfile, certs.server_keyfile, password=password)
    assert calls == []


def test_password_wrong_type(certs, encrypted_key):
    with pytest.raises(TypeError):
        server().load_cert_chain(certs.server_certfile, encrypted_key, password=3.14)
