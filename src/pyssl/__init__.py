"""pyssl: the ssl module of CPython 3.15, for CPython 3.8 and later.

``import pyssl as ssl`` gives the standard library's TLS API (SSLContext,
SSLSocket, SSLObject, the constants and helpers) running on pyssl's own C
core, ``pyssl._ssl``, and the OpenSSL that core was built with. It also keeps
what CPython 3.12 removed: match_hostname(), wrap_socket(),
RAND_pseudo_bytes().
"""

# The one place the version is written; pyproject.toml reads it from here.
__version__ = "0.1.0"

import base64  # noqa: E402
import os
import sys
import warnings
from collections import namedtuple as _namedtuple
from socket import (  # noqa: F401  (part of the ssl module's namespace)
    AF_INET,
    SO_TYPE,
    SOCK_STREAM,
    SOL_SOCKET,
    _GLOBAL_DEFAULT_TIMEOUT,
    create_connection,
    socket,
)

from . import _ssl
from ._ssl import (  # noqa: F401
    OPENSSL_VERSION,
    OPENSSL_VERSION_INFO,
    OPENSSL_VERSION_NUMBER,
    _DEFAULT_CIPHERS,
    _OPENSSL_API_VERSION,
    _SSLContext,
    MemoryBIO,
    SSLSession,
    SSLError,
    SSLZeroReturnError,
    SSLWantReadError,
    SSLWantWriteError,
    SSLSyscallError,
    SSLEOFError,
    SSLCertVerificationError,
    RAND_status,
    RAND_add,
    RAND_bytes,
    HAS_SNI,
    HAS_ECDH,
    HAS_NPN,
    HAS_ALPN,
    HAS_SSLv2,
    HAS_SSLv3,
    HAS_TLSv1,
    HAS_TLSv1_1,
    HAS_TLSv1_2,
    HAS_TLSv1_3,
)
from ._ssl import txt2obj as _txt2obj, nid2obj as _nid2obj  # noqa: F401
from ._enums import (  # noqa: F401
    _SSLMethod,
    Options,
    AlertDescription,
    SSLErrorNumber,
    VerifyFlags,
    VerifyMode,
    TLSVersion,
    _ASN1Object,
    Purpose,
    exported_members as _exported_members,
)
from ._context import SSLContext
from ._sslsocket import CHANNEL_BINDING_TYPES, SSLObject, SSLSocket

# OP_*, CERT_*, PROTOCOL_*, VERIFY_*, SSL_ERROR_*, ALERT_DESCRIPTION_*:
# module globals, as members of the enums above.
globals().update(_exported_members())

from ._ssl import HAS_PSK, HAS_PSK_TLS13, HAS_PHA  # noqa: E402,F401

# load_cert_chain(certdata=, keydata=) and load_pkcs12(), OCSP stapling:
# pyssl's own.
from ._ssl import HAS_MEMORY_CREDENTIALS, HAS_OCSP_STAPLING  # noqa: E402,F401

HAS_NEVER_CHECK_COMMON_NAME = True  # OpenSSL 1.1.1 and later have the flag

if sys.platform == "win32":
    # Python over the Windows API (ctypes), as CPython's C functions are.
    from ._wincerts import enum_certificates, enum_crls  # noqa: F401

from ._errors import register as _register_error_pickling  # noqa: E402

_register_error_pickling()

SSLContext.sslsocket_class = SSLSocket
SSLContext.sslobject_class = SSLObject

CertificateError = SSLCertVerificationError
socket_error = OSError
_RESTRICTED_SERVER_CIPHERS = _DEFAULT_CIPHERS
_PROTOCOL_NAMES = {member: name for name, member in _SSLMethod.__members__.items()}
_SSLv2_IF_EXISTS = getattr(_SSLMethod, "PROTOCOL_SSLv2", None)

PEM_HEADER = "-----BEGIN CERTIFICATE-----"
PEM_FOOTER = "-----END CERTIFICATE-----"


def RAND_pseudo_bytes(n):
    """Return (n random bytes, is_cryptographic). Deprecated; kept from
    CPython 3.11. OpenSSL's generator is always cryptographically strong
    once seeded, so this is RAND_bytes() with True."""
    return _ssl.RAND_pseudo_bytes(n)


def get_sigalgs():
    """Return the names of every TLS signature algorithm OpenSSL offers
    (needs OpenSSL 3.4 or later)."""
    return _ssl.get_sigalgs()


DefaultVerifyPaths = _namedtuple(
    "DefaultVerifyPaths",
    "cafile capath openssl_cafile_env openssl_cafile openssl_capath_env openssl_capath",
)
DefaultVerifyPaths.__module__ = __name__


def get_default_verify_paths():
    """Where OpenSSL looks for CA certificates by default. cafile and capath
    honour the SSL_CERT_FILE/SSL_CERT_DIR environment variables and are
    None if what they name does not exist."""
    cafile_env, cafile, capath_env, capath = _ssl.get_default_verify_paths()
    cafile_in_use = os.environ.get(cafile_env, cafile)
    capath_in_use = os.environ.get(capath_env, capath)
    return DefaultVerifyPaths(
        cafile_in_use if os.path.isfile(cafile_in_use) else None,
        capath_in_use if os.path.isdir(capath_in_use) else None,
        cafile_env,
        cafile,
        capath_env,
        capath,
    )


def _strict_verify_flags():
    # CPython 3.13 made verification follow RFC 5280 more closely: stop at
    # the first trust anchor, and reject certificates that bend the rules.
    return VerifyFlags(_ssl.VERIFY_X509_STRICT | _ssl.VERIFY_X509_PARTIAL_CHAIN)


def _load_ca_certs(context, purpose, cafile, capath, cadata):
    """Trust the given CAs, or the system's if none are given and the
    context verifies at all."""
    if cafile or capath or cadata:
        context.load_verify_locations(cafile, capath, cadata)
    elif context.verify_mode != _ssl.CERT_NONE:
        context.load_default_certs(purpose)


def _apply_keylog_env(context):
    # Let tools such as Wireshark decrypt traffic when the user asks for it.
    keylogfile = os.environ.get("SSLKEYLOGFILE")
    if keylogfile and not sys.flags.ignore_environment:
        context.keylog_filename = keylogfile


def create_default_context(purpose=Purpose.SERVER_AUTH, *, cafile=None, capath=None, cadata=None):
    """Return a new SSLContext with secure defaults for purpose.

    For Purpose.SERVER_AUTH (a client checking servers) certificates and
    host names are verified against the given CAs or the system's. The
    defaults may become stricter in any release.
    """
    if not isinstance(purpose, _ASN1Object):
        raise TypeError(purpose)
    if purpose == Purpose.SERVER_AUTH:
        context = SSLContext(_ssl.PROTOCOL_TLS_CLIENT)
        context.verify_mode = _ssl.CERT_REQUIRED
        context.check_hostname = True
    elif purpose == Purpose.CLIENT_AUTH:
        context = SSLContext(_ssl.PROTOCOL_TLS_SERVER)
    else:
        raise ValueError(purpose)
    context.verify_flags |= _strict_verify_flags()
    _load_ca_certs(context, purpose, cafile, capath, cadata)
    _apply_keylog_env(context)
    return context


def _create_unverified_context(
    protocol=None,
    *,
    cert_reqs=_ssl.CERT_NONE,
    check_hostname=False,
    purpose=Purpose.SERVER_AUTH,
    certfile=None,
    keyfile=None,
    cafile=None,
    capath=None,
    cadata=None,
):
    """Return an SSLContext with the lenient settings the stdlib modules
    used by default: no certificate or host name checks unless asked for.
    """
    if not isinstance(purpose, _ASN1Object):
        raise TypeError(purpose)
    if purpose == Purpose.SERVER_AUTH:
        default_protocol = _ssl.PROTOCOL_TLS_CLIENT
    elif purpose == Purpose.CLIENT_AUTH:
        default_protocol = _ssl.PROTOCOL_TLS_SERVER
    else:
        raise ValueError(purpose)
    context = SSLContext(default_protocol if protocol is None else protocol)
    # check_hostname goes off before verify_mode may be lowered, and back
    # on only after verify_mode is set: the core refuses the other orders.
    context.check_hostname = check_hostname
    if cert_reqs is not None:
        context.verify_mode = cert_reqs
    if check_hostname:
        context.check_hostname = True
    if keyfile and not certfile:
        raise ValueError("certfile must be specified")
    if certfile or keyfile:
        context.load_cert_chain(certfile, keyfile)
    _load_ca_certs(context, purpose, cafile, capath, cadata)
    _apply_keylog_env(context)
    return context


# http.client uses this when given no context; tests may swap it out.
_create_default_https_context = create_default_context
# The name older stdlib modules call.
_create_stdlib_context = _create_unverified_context


def wrap_socket(
    sock,
    keyfile=None,
    certfile=None,
    server_side=False,
    cert_reqs=_ssl.CERT_NONE,
    ssl_version=_ssl.PROTOCOL_TLS,
    ca_certs=None,
    do_handshake_on_connect=True,
    suppress_ragged_eofs=True,
    ciphers=None,
):
    """Deprecated (removed from CPython in 3.12): wrap sock in TLS with a
    throwaway context. Use SSLContext.wrap_socket() instead."""
    warnings.warn(
        "ssl.wrap_socket() is deprecated, use SSLContext.wrap_socket()",
        category=DeprecationWarning,
        stacklevel=2,
    )
    if server_side and not certfile:
        raise ValueError("certfile must be specified for server-side operations")
    if keyfile and not certfile:
        raise ValueError("certfile must be specified")
    context = SSLContext(ssl_version)
    context.verify_mode = cert_reqs
    if ca_certs:
        context.load_verify_locations(ca_certs)
    if certfile:
        context.load_cert_chain(certfile, keyfile)
    if ciphers:
        context.set_ciphers(ciphers)
    return context.wrap_socket(
        sock=sock,
        server_side=server_side,
        do_handshake_on_connect=do_handshake_on_connect,
        suppress_ragged_eofs=suppress_ragged_eofs,
    )


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def cert_time_to_seconds(cert_time):
    """Convert a certificate's notBefore/notAfter text, such as
    "May  9 00:00:00 2027 GMT", to seconds since the Epoch (an int)."""
    from calendar import timegm
    from time import strptime

    rest_format = " %d %H:%M:%S %Y GMT"
    # The month is parsed by hand: strptime's %b depends on the locale.
    try:
        month = _MONTHS.index(cert_time[:3].title()) + 1
    except ValueError:
        raise ValueError('time data %r does not match format "%%b%s"' % (cert_time, rest_format))
    parsed = strptime(cert_time[3:], rest_format)
    return timegm((parsed[0], month) + tuple(parsed[2:6]))


def DER_cert_to_PEM_cert(der_cert_bytes):
    """Return a DER-encoded certificate as PEM text."""
    text = base64.standard_b64encode(der_cert_bytes).decode("ascii")
    lines = [PEM_HEADER]
    lines.extend(text[i : i + 64] for i in range(0, len(text), 64))
    lines.append(PEM_FOOTER + "\n")
    return "\n".join(lines)


def PEM_cert_to_DER_cert(pem_cert_string):
    """Return the DER bytes of a PEM-encoded certificate."""
    if not pem_cert_string.startswith(PEM_HEADER):
        raise ValueError("Invalid PEM encoding; must start with %s" % PEM_HEADER)
    stripped = pem_cert_string.strip()
    if not stripped.endswith(PEM_FOOTER):
        raise ValueError("Invalid PEM encoding; must end with %s" % PEM_FOOTER)
    body = stripped[len(PEM_HEADER) : -len(PEM_FOOTER)]
    return base64.decodebytes(body.encode("ascii"))


def get_server_certificate(
    addr, ssl_version=_ssl.PROTOCOL_TLS_CLIENT, ca_certs=None, timeout=_GLOBAL_DEFAULT_TIMEOUT
):
    """Connect to addr, a (host, port) pair, and return the server's
    certificate as PEM. The certificate is verified only if ca_certs (a CA
    file) is given."""
    host, _port = addr
    cert_reqs = _ssl.CERT_REQUIRED if ca_certs is not None else _ssl.CERT_NONE
    context = _create_stdlib_context(ssl_version, cert_reqs=cert_reqs, cafile=ca_certs)
    with create_connection(addr, timeout=timeout) as sock:
        with context.wrap_socket(sock, server_hostname=host) as sslsock:
            der = sslsock.getpeercert(True)
    return DER_cert_to_PEM_cert(der)


def match_hostname(cert, hostname):
    """Check that cert (a dict from SSLSocket.getpeercert()) is valid for
    hostname; raise CertificateError if not, return None if it is.

    Deprecated: let OpenSSL check the name during the handshake instead
    (SSLContext.check_hostname, on by default for client contexts).
    """
    warnings.warn("ssl.match_hostname() is deprecated", DeprecationWarning, stacklevel=2)
    from ._hostname import match

    match(cert, hostname)


def get_protocol_name(protocol_code):
    """The PROTOCOL_* name of a protocol constant, or '<unknown>'."""
    return _PROTOCOL_NAMES.get(protocol_code, "<unknown>")


# Names whose module is loaded on first use: most programs never switch the
# stdlib over, set a message callback or call match_hostname(), and import
# pyssl should cost what import ssl does.
_LAZY_NAMES = {
    "_dnsname_match": "_hostname",
    "_inet_paton": "_hostname",
    "_ipaddress_match": "_hostname",
    "_TLSContentType": "_msgtypes",
    "_TLSAlertType": "_msgtypes",
    "_TLSMessageType": "_msgtypes",
    "inject_into_stdlib": "_inject",
    "extract_from_stdlib": "_inject",
}


def __getattr__(name):
    submodule = _LAZY_NAMES.get(name)
    if submodule is None:
        raise AttributeError("module %r has no attribute %r" % (__name__, name))
    from importlib import import_module

    value = getattr(import_module("." + submodule, __name__), name)
    globals()[name] = value  # later lookups find it directly
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY_NAMES))
