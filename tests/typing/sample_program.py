"""A program written against pyssl's whole public API, in ordinary style.

It is never run by the tests: tests/test_typing.py type-checks it with
``mypy --strict``, which is what a user of pyssl with a typed code base does.
Every call here must type-check as written, with no casts and no ignores.
"""

from __future__ import annotations

import os
import socket
from typing import Dict, List, Optional, Tuple

import pyssl as ssl
import pyssl.asyncio


# --------------------------------------------------------------------------
# Module facts
# --------------------------------------------------------------------------


def describe_build() -> Dict[str, object]:
    major, minor, fix, patch, status = ssl.OPENSSL_VERSION_INFO
    flags: Dict[str, bool] = {
        "SNI": ssl.HAS_SNI,
        "ALPN": ssl.HAS_ALPN,
        "NPN": ssl.HAS_NPN,
        "ECDH": ssl.HAS_ECDH,
        "TLSv1_3": ssl.HAS_TLSv1_3,
        "TLSv1_2": ssl.HAS_TLSv1_2,
        "PSK": ssl.HAS_PSK,
        "PSK_TLS13": ssl.HAS_PSK_TLS13,
        "PHA": ssl.HAS_PHA,
        "NEVER_CHECK_COMMON_NAME": ssl.HAS_NEVER_CHECK_COMMON_NAME,
    }
    paths: ssl.DefaultVerifyPaths = ssl.get_default_verify_paths()
    cafile: Optional[str] = paths.cafile
    return {
        "openssl": ssl.OPENSSL_VERSION,
        "number": ssl.OPENSSL_VERSION_NUMBER,
        "version": (major, minor, fix, patch, status),
        "flags": flags,
        "cafile": cafile,
        "openssl_capath_env": paths.openssl_capath_env,
        "channel_bindings": list(ssl.CHANNEL_BINDING_TYPES),
        "protocol": ssl.get_protocol_name(ssl.PROTOCOL_TLS_CLIENT),
    }


def random_material() -> bytes:
    ssl.RAND_add(b"extra entropy", 0.0)
    ssl.RAND_add("text entropy", 1.5)
    if not ssl.RAND_status():
        raise RuntimeError("the PRNG is not seeded")
    key: bytes = ssl.RAND_bytes(32)
    pseudo, strong = ssl.RAND_pseudo_bytes(16)
    if not strong:
        raise RuntimeError("weak randomness")
    return key + pseudo


def available_algorithms() -> Tuple[List[str], List[str]]:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        groups: List[str] = ctx.get_groups()
        aliases: List[str] = ctx.get_groups(include_aliases=True)
        groups = sorted(set(groups) | set(aliases))
    except NotImplementedError:
        groups = []
    try:
        sigalgs: List[str] = ssl.get_sigalgs()
    except NotImplementedError:
        sigalgs = []
    return groups, sigalgs


def enum_tour() -> List[int]:
    version: ssl.TLSVersion = ssl.TLSVersion.TLSv1_3
    options: ssl.Options = ssl.Options.OP_NO_COMPRESSION | ssl.OP_NO_TICKET
    mode: ssl.VerifyMode = ssl.VerifyMode.CERT_REQUIRED
    flags: ssl.VerifyFlags = ssl.VerifyFlags.VERIFY_X509_STRICT
    flags |= ssl.VERIFY_X509_PARTIAL_CHAIN | ssl.VERIFY_CRL_CHECK_LEAF
    alert: ssl.AlertDescription = ssl.AlertDescription.ALERT_DESCRIPTION_UNKNOWN_CA
    error_number: ssl.SSLErrorNumber = ssl.SSLErrorNumber.SSL_ERROR_WANT_READ
    method = ssl.PROTOCOL_TLS_SERVER
    purpose: ssl.Purpose = ssl.Purpose.CLIENT_AUTH
    oid: str = purpose.oid
    return [
        version,
        options,
        mode,
        flags,
        alert,
        error_number,
        method,
        ssl.CERT_NONE,
        ssl.CERT_OPTIONAL,
        ssl.OP_ALL,
        ssl.ALERT_DESCRIPTION_HANDSHAKE_FAILURE,
        ssl.SSL_ERROR_EOF,
        ssl.TLSVersion.MINIMUM_SUPPORTED,
        ssl.TLSVersion.MAXIMUM_SUPPORTED,
        len(oid),
    ]


# --------------------------------------------------------------------------
# Contexts and every setter
# --------------------------------------------------------------------------


def read_password() -> bytes:
    return os.environ.get("KEY_PASSWORD", "").encode()


def sni_callback(conn: ssl.SSLObject, name: Optional[str], ctx: ssl.SSLContext) -> Optional[int]:
    if name is not None and not name.endswith(".example"):
        return ssl.ALERT_DESCRIPTION_UNRECOGNIZED_NAME
    return None


def psk_for_identity(identity: Optional[str]) -> bytes:
    return b"\x01" * 32 if identity == "client" else b""


def psk_for_hint(hint: Optional[str]) -> Tuple[Optional[str], bytes]:
    return "client", b"\x01" * 32


def server_context(
    certfile: str, keyfile: str, cafile: str, dhfile: Optional[str] = None
) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(certfile, keyfile, password=read_password)
    ctx.load_cert_chain(certfile, keyfile=keyfile, password=b"secret")
    if ssl.HAS_MEMORY_CREDENTIALS:
        # Credentials from memory (pyssl's own): PEM text, DER bytes, PKCS#12.
        with open(certfile, "rb") as f:
            chain_pem = f.read()
        with open(keyfile, "rb") as f:
            key_pem = bytearray(f.read())
        ctx.load_cert_chain(certdata=chain_pem, keydata=key_pem, password=read_password)
        ctx.load_cert_chain(
            certdata=chain_pem.decode("ascii"), keydata=memoryview(key_pem), password="secret"
        )
        ctx.load_cert_chain(certfile, keydata=key_pem)
        ctx.load_pkcs12(b"", password=b"secret")
    ctx.load_verify_locations(cafile=cafile)
    ctx.verify_mode = ssl.CERT_OPTIONAL
    ctx.verify_flags = ssl.VERIFY_DEFAULT | ssl.VERIFY_X509_TRUSTED_FIRST
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.maximum_version = ssl.TLSVersion.MAXIMUM_SUPPORTED
    ctx.options |= ssl.OP_CIPHER_SERVER_PREFERENCE | ssl.OP_NO_RENEGOTIATION
    ctx.num_tickets = 2
    ctx.post_handshake_auth = True
    ctx.set_ciphers("ECDHE+AESGCM")
    ctx.set_ciphersuites("TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256")
    ctx.set_groups("X25519MLKEM768:x25519:secp384r1")
    ctx.set_ecdh_curve("prime256v1")
    ctx.set_server_sigalgs("ecdsa_secp256r1_sha256:rsa_pss_rsae_sha256")
    ctx.set_client_sigalgs("ECDSA+SHA256:RSA-PSS+SHA256")
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    ctx.sni_callback = sni_callback
    ctx.set_psk_server_callback(psk_for_identity, identity_hint="hint")
    ctx.set_psk_server_callback(None)
    if dhfile is not None:
        ctx.load_dh_params(dhfile)
    return ctx


def client_context(
    cafile: Optional[str], cadata: Optional[str] = None, capath: Optional[str] = None
) -> ssl.SSLContext:
    ctx = ssl.create_default_context(
        ssl.Purpose.SERVER_AUTH, cafile=cafile, capath=capath, cadata=cadata
    )
    ctx.check_hostname = True
    ctx.hostname_checks_common_name = False
    keylog = os.environ.get("SSLKEYLOGFILE")
    if keylog:
        ctx.keylog_filename = keylog
    ctx.load_default_certs(ssl.Purpose.SERVER_AUTH)
    ctx.set_default_verify_paths()
    ctx.load_verify_locations(cadata=b"")  # DER bytes are accepted too
    ctx.set_psk_client_callback(psk_for_hint)
    ctx.set_psk_client_callback(None)
    ctx.set_servername_callback(None)
    if ctx.security_level < 2 or ctx.protocol != ssl.PROTOCOL_TLS_CLIENT:
        raise RuntimeError("unexpected defaults")
    if not ctx.verify_flags & ssl.VerifyFlags.VERIFY_X509_STRICT:
        raise RuntimeError("strict verification is off")
    return ctx


def context_report(ctx: ssl.SSLContext) -> Dict[str, object]:
    ciphers = ctx.get_ciphers()
    names: List[str] = [c["name"] for c in ciphers]
    bits: List[int] = [c["alg_bits"] for c in ciphers]
    der_cas: List[bytes] = ctx.get_ca_certs(binary_form=True)
    stats: Dict[str, int] = ctx.cert_store_stats()
    sessions: Dict[str, int] = ctx.session_stats()
    minimum: ssl.TLSVersion = ctx.minimum_version
    options: ssl.Options = ctx.options
    mode: ssl.VerifyMode = ctx.verify_mode
    return {
        "ciphers": names,
        "bits": bits,
        "cas": len(der_cas),
        "x509_ca": stats["x509_ca"],
        "hits": sessions["hits"],
        "minimum": minimum.name,
        "options": int(options),
        "mode": mode.name,
        "ca_dicts": ctx.get_ca_certs(),
    }


def unverified_context() -> ssl.SSLContext:
    ctx = ssl._create_unverified_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


# --------------------------------------------------------------------------
# SSLSocket
# --------------------------------------------------------------------------


def describe_connection(tls: ssl.SSLSocket) -> Dict[str, object]:
    cert = tls.getpeercert()
    der: Optional[bytes] = tls.getpeercert(binary_form=True)
    cipher: Optional[Tuple[str, str, int]] = tls.cipher()
    shared = tls.shared_ciphers()
    verified: List[bytes] = tls.get_verified_chain()
    unverified: List[bytes] = tls.get_unverified_chain()
    pem_chain = [ssl.DER_cert_to_PEM_cert(c) for c in verified]
    binding: Optional[bytes] = tls.get_channel_binding("tls-unique")
    session: Optional[ssl.SSLSession] = tls.session
    info: Dict[str, object] = {
        "version": tls.version(),
        "cipher": cipher,
        "shared": shared,
        "alpn": tls.selected_alpn_protocol(),
        "compression": tls.compression(),
        "group": tls.group(),
        "binding": binding,
        "pending": tls.pending(),
        "reused": tls.session_reused,
        "server_side": tls.server_side,
        "server_hostname": tls.server_hostname,
        "context": tls.context.protocol,
        "chain": pem_chain,
        "sent_chain": len(unverified),
        "der": der,
    }
    try:
        info["client_sigalg"] = tls.client_sigalg()
        info["server_sigalg"] = tls.server_sigalg()
    except NotImplementedError:
        pass
    if cert:
        subject = cert["subject"]
        not_after = cert["notAfter"]
        if isinstance(not_after, str):
            info["expires"] = ssl.cert_time_to_seconds(not_after)
        info["subject"] = subject
    if session is not None:
        info["session"] = (
            session.id,
            session.time,
            session.timeout,
            session.ticket_lifetime_hint,
            session.has_ticket,
        )
    return info


def fetch(
    host: str, port: int, ctx: ssl.SSLContext, session: Optional[ssl.SSLSession] = None
) -> bytes:
    with socket.create_connection((host, port), timeout=10) as raw:
        with ctx.wrap_socket(
            raw,
            server_hostname=host,
            session=session,
            do_handshake_on_connect=True,
            suppress_ragged_eofs=True,
        ) as tls:
            tls.sendall(b"GET / HTTP/1.0\r\nHost: " + host.encode() + b"\r\n\r\n")
            tls.send(b"")
            tls.write(b"")
            chunks: List[bytes] = []
            buf = bytearray(4096)
            while True:
                count: int = tls.recv_into(buf)
                if not count:
                    break
                chunks.append(bytes(buf[:count]))
                chunks.append(tls.recv(1024))
                chunks.append(tls.read(1024))
            describe_connection(tls)
            plain: socket.socket = tls.unwrap()
            plain.close()
            return b"".join(chunks)


def upload(tls: ssl.SSLSocket, path: str) -> int:
    with open(path, "rb") as f:
        sent: int = tls.sendfile(f, offset=0, count=None)
        sent += tls.sendfile(f, 100, 1000)
    return sent


def serve_once(ctx: ssl.SSLContext, port: int) -> None:
    with socket.create_server(("127.0.0.1", port)) as listener:
        with ctx.wrap_socket(listener, server_side=True) as tls_listener:
            conn, address = tls_listener.accept()
            with conn:
                conn.do_handshake()
                if conn.version() == "TLSv1.3":
                    conn.verify_client_post_handshake()
                conn.sendall(repr(address).encode())


def nonblocking_handshake(tls: ssl.SSLSocket) -> bool:
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        return False
    except ssl.SSLWantWriteError:
        return False
    return True


# --------------------------------------------------------------------------
# SSLObject over MemoryBIO
# --------------------------------------------------------------------------


def memory_handshake(
    client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext
) -> Tuple[str, Optional[str]]:
    c_in, c_out = ssl.MemoryBIO(), ssl.MemoryBIO()
    s_in, s_out = ssl.MemoryBIO(), ssl.MemoryBIO()
    client: ssl.SSLObject = client_ctx.wrap_bio(c_in, c_out, server_hostname="localhost")
    server = server_ctx.wrap_bio(s_in, s_out, server_side=True)
    done = [False, False]
    for _ in range(20):
        for index, (obj, inbox, outbox, peer_inbox) in enumerate(
            ((client, c_in, c_out, s_in), (server, s_in, s_out, c_in))
        ):
            if not done[index]:
                try:
                    obj.do_handshake()
                    done[index] = True
                except ssl.SSLWantReadError:
                    pass
            peer_inbox.write(outbox.read())
            if inbox.eof:
                raise ConnectionError("peer went away")
    client.write(b"hello")
    s_in.write(c_out.read())
    data: bytes = server.read(5)
    buf = bytearray(5)
    count = server.read(5, buf)
    if s_out.pending:
        c_in.write(s_out.read())
    c_in.write_eof()
    chain: List[bytes] = client.get_verified_chain()
    sent: List[bytes] = client.get_unverified_chain()
    version = client.version() or "none"
    client.unwrap()
    return (
        version
        + repr(
            (
                data,
                count,
                len(chain),
                len(sent),
                client.cipher(),
                client.session_reused,
                client.server_side,
                client.pending(),
                client.shared_ciphers(),
                client.get_channel_binding(),
                client.session,
                client.context.check_hostname,
                server.server_hostname,
                client.selected_alpn_protocol(),
                client.compression(),
                client.getpeercert(),
                client.getpeercert(True),
            )
        )
    ), client.group()


def sigalgs_of(obj: ssl.SSLObject) -> Tuple[Optional[str], Optional[str]]:
    return obj.client_sigalg(), obj.server_sigalg()


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------


def explain(exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        code: int = exc.verify_code
        message: str = exc.verify_message
        return "certificate rejected (%d): %s" % (code, message)
    if isinstance(exc, ssl.CertificateError):
        return "host name mismatch: %s" % exc
    if isinstance(exc, ssl.SSLZeroReturnError):
        return "closed cleanly"
    if isinstance(exc, ssl.SSLEOFError):
        return "unexpected EOF"
    if isinstance(exc, ssl.SSLSyscallError):
        return "system error %s" % exc.errno
    if isinstance(exc, (ssl.SSLWantReadError, ssl.SSLWantWriteError)):
        return "would block"
    if isinstance(exc, ssl.SSLError):
        library: Optional[str] = exc.library
        reason: Optional[str] = exc.reason
        return "%s/%s: %s (%s)" % (library, reason, exc.strerror, exc.errno)
    return str(exc)


# --------------------------------------------------------------------------
# Module-level helpers, kept and current
# --------------------------------------------------------------------------


def legacy_helpers(host: str, port: int, cafile: str) -> str:
    pem: str = ssl.get_server_certificate((host, port), ca_certs=cafile, timeout=5.0)
    der: bytes = ssl.PEM_cert_to_DER_cert(pem)
    text = ssl.DER_cert_to_PEM_cert(der)
    with socket.create_connection((host, port)) as raw:
        tls = ssl.wrap_socket(raw, cert_reqs=ssl.CERT_REQUIRED, ca_certs=cafile)
        cert = tls.getpeercert()
        tls.close()
    if cert is None:
        raise RuntimeError("no certificate")
    try:
        ssl.match_hostname(cert, host)
    except ssl.CertificateError as exc:
        return explain(exc)
    return text


def with_pyssl_asyncio() -> bool:
    # The asyncio TLS protocol by hand: for a block, or for good.
    with pyssl.asyncio.installed() as ok:
        hooked = ok and pyssl.asyncio.is_installed()
    if pyssl.asyncio.install():
        pyssl.asyncio.uninstall()
    return hooked


def main() -> None:
    print(describe_build())
    print(len(random_material()), available_algorithms(), enum_tour())
    server = server_context("server.pem", "server.key", "ca.pem")
    client = client_context("ca.pem")
    print(context_report(client), unverified_context().verify_mode)
    print(memory_handshake(client, server))
    try:
        print(fetch("localhost", 8443, client))
    except (ssl.SSLError, OSError) as exc:
        print(explain(exc))
    print(legacy_helpers("localhost", 8443, "ca.pem"))
    print(with_pyssl_asyncio())


if __name__ == "__main__":
    main()
