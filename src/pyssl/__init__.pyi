# Type stubs for the pyssl package: CPython 3.15's ssl module API, plus what
# pyssl keeps from before 3.12 (match_hostname, wrap_socket,
# RAND_pseudo_bytes) and its own inject/extract helpers.
#
# The implementation builds much of the namespace at run time (enum classes
# from the core's constants, OP_*/CERT_*/... globals via globals().update(),
# methods filled in when an old core lacks them); this file states the
# result. The C core has its own stubs in _ssl.pyi, which this one builds on.
#
# Annotations follow what the Python layer really returns, which in a few
# places is more precise than typeshed's ssl.pyi (DefaultVerifyPaths.cafile
# may be None; SSLContext's enum-valued properties accept plain ints).
import enum
import ipaddress
import socket as _socket_module
import sys
from _typeshed import ReadableBuffer, StrOrBytesPath, WriteableBuffer
from collections.abc import Callable, Iterable
from socket import (
    AF_INET as AF_INET,
    SO_TYPE as SO_TYPE,
    SOCK_STREAM as SOCK_STREAM,
    SOL_SOCKET as SOL_SOCKET,
    create_connection as create_connection,
    socket as socket,
)
from typing import Any, Final, Literal, NamedTuple, overload, type_check_only

from typing_extensions import Never, Self, TypeAlias, deprecated

from . import _ssl as _ssl
from ._ssl import (
    HAS_ALPN as HAS_ALPN,
    HAS_ECDH as HAS_ECDH,
    HAS_NPN as HAS_NPN,
    HAS_SNI as HAS_SNI,
    HAS_SSLv2 as HAS_SSLv2,
    HAS_SSLv3 as HAS_SSLv3,
    HAS_TLSv1 as HAS_TLSv1,
    HAS_TLSv1_1 as HAS_TLSv1_1,
    HAS_TLSv1_2 as HAS_TLSv1_2,
    HAS_TLSv1_3 as HAS_TLSv1_3,
    OPENSSL_VERSION as OPENSSL_VERSION,
    OPENSSL_VERSION_INFO as OPENSSL_VERSION_INFO,
    OPENSSL_VERSION_NUMBER as OPENSSL_VERSION_NUMBER,
    RAND_add as RAND_add,
    RAND_bytes as RAND_bytes,
    RAND_status as RAND_status,
    MemoryBIO as MemoryBIO,
    SSLCertVerificationError as SSLCertVerificationError,
    SSLEOFError as SSLEOFError,
    SSLError as SSLError,
    SSLSession as SSLSession,
    SSLSyscallError as SSLSyscallError,
    SSLWantReadError as SSLWantReadError,
    SSLWantWriteError as SSLWantWriteError,
    SSLZeroReturnError as SSLZeroReturnError,
    _Cipher,
    _DEFAULT_CIPHERS as _DEFAULT_CIPHERS,
    _OPENSSL_API_VERSION as _OPENSSL_API_VERSION,
    _PasswordType as _PasswordType,
    _PeerCertRetDictType as _PeerCertRetDictType,
    _SSLContext as _SSLContext,
    nid2obj as _nid2obj,
    txt2obj as _txt2obj,
)

if sys.platform == "win32":
    from ._ssl import enum_certificates as enum_certificates, enum_crls as enum_crls

__version__: str

# The connection an SNI callback is given is the SSLSocket or SSLObject the
# handshake belongs to; it is Any so that a callback written for either kind
# fits (typeshed says SSLObject).
_SNICallback: TypeAlias = Callable[[Any, str | None, SSLContext], int | None]
_PeerCertRetType: TypeAlias = _PeerCertRetDictType | bytes | None

socket_error = OSError
CertificateError = SSLCertVerificationError

# --------------------------------------------------------------------------
# Build facts (absent from an old core: then False)
# --------------------------------------------------------------------------

HAS_PSK: bool
HAS_PSK_TLS13: bool
HAS_PHA: bool
HAS_MEMORY_CREDENTIALS: bool
HAS_OCSP_STAPLING: bool
HAS_NEVER_CHECK_COMMON_NAME: bool

CHANNEL_BINDING_TYPES: list[str]
PEM_HEADER: Final[str]
PEM_FOOTER: Final[str]
_RESTRICTED_SERVER_CIPHERS: str

# --------------------------------------------------------------------------
# Enumerations, and their members as module constants
# --------------------------------------------------------------------------

class VerifyMode(enum.IntEnum):
    CERT_NONE = 0
    CERT_OPTIONAL = 1
    CERT_REQUIRED = 2

CERT_NONE: Final = VerifyMode.CERT_NONE
CERT_OPTIONAL: Final = VerifyMode.CERT_OPTIONAL
CERT_REQUIRED: Final = VerifyMode.CERT_REQUIRED

class VerifyFlags(enum.IntFlag):
    VERIFY_DEFAULT = 0x0
    VERIFY_CRL_CHECK_LEAF = 0x4
    VERIFY_CRL_CHECK_CHAIN = 0xC
    VERIFY_X509_STRICT = 0x20
    VERIFY_ALLOW_PROXY_CERTS = 0x40
    VERIFY_X509_TRUSTED_FIRST = 0x8000
    VERIFY_X509_PARTIAL_CHAIN = 0x80000

VERIFY_DEFAULT: Final = VerifyFlags.VERIFY_DEFAULT
VERIFY_CRL_CHECK_LEAF: Final = VerifyFlags.VERIFY_CRL_CHECK_LEAF
VERIFY_CRL_CHECK_CHAIN: Final = VerifyFlags.VERIFY_CRL_CHECK_CHAIN
VERIFY_X509_STRICT: Final = VerifyFlags.VERIFY_X509_STRICT
VERIFY_ALLOW_PROXY_CERTS: Final = VerifyFlags.VERIFY_ALLOW_PROXY_CERTS
VERIFY_X509_TRUSTED_FIRST: Final = VerifyFlags.VERIFY_X509_TRUSTED_FIRST
VERIFY_X509_PARTIAL_CHAIN: Final = VerifyFlags.VERIFY_X509_PARTIAL_CHAIN

class _SSLMethod(enum.IntEnum):
    PROTOCOL_TLS = 2
    PROTOCOL_SSLv23 = 2  # the old name of PROTOCOL_TLS
    PROTOCOL_TLSv1 = 3
    PROTOCOL_TLSv1_1 = 4
    PROTOCOL_TLSv1_2 = 5
    PROTOCOL_TLS_CLIENT = 16
    PROTOCOL_TLS_SERVER = 17

PROTOCOL_TLS: Final = _SSLMethod.PROTOCOL_TLS
PROTOCOL_SSLv23: Final = _SSLMethod.PROTOCOL_SSLv23
PROTOCOL_TLSv1: Final = _SSLMethod.PROTOCOL_TLSv1
PROTOCOL_TLSv1_1: Final = _SSLMethod.PROTOCOL_TLSv1_1
PROTOCOL_TLSv1_2: Final = _SSLMethod.PROTOCOL_TLSv1_2
PROTOCOL_TLS_CLIENT: Final = _SSLMethod.PROTOCOL_TLS_CLIENT
PROTOCOL_TLS_SERVER: Final = _SSLMethod.PROTOCOL_TLS_SERVER

# Values are OpenSSL's (3.x shown); OP_ALL differs between versions.
class Options(enum.IntFlag):
    OP_ALL = ...
    OP_NO_SSLv2 = 0
    OP_SINGLE_DH_USE = 0
    OP_SINGLE_ECDH_USE = 0
    OP_LEGACY_SERVER_CONNECT = 0x4
    OP_ENABLE_KTLS = 0x8
    OP_IGNORE_UNEXPECTED_EOF = 0x80
    OP_NO_TICKET = 0x4000
    OP_NO_COMPRESSION = 0x20000
    OP_ENABLE_MIDDLEBOX_COMPAT = 0x100000
    OP_CIPHER_SERVER_PREFERENCE = 0x400000
    OP_NO_SSLv3 = 0x2000000
    OP_NO_TLSv1 = 0x4000000
    OP_NO_TLSv1_2 = 0x8000000
    OP_NO_TLSv1_1 = 0x10000000
    OP_NO_TLSv1_3 = 0x20000000
    OP_NO_RENEGOTIATION = 0x40000000

OP_ALL: Final = Options.OP_ALL
OP_NO_SSLv2: Final = Options.OP_NO_SSLv2
OP_SINGLE_DH_USE: Final = Options.OP_SINGLE_DH_USE
OP_SINGLE_ECDH_USE: Final = Options.OP_SINGLE_ECDH_USE
OP_LEGACY_SERVER_CONNECT: Final = Options.OP_LEGACY_SERVER_CONNECT
OP_ENABLE_KTLS: Final = Options.OP_ENABLE_KTLS
OP_IGNORE_UNEXPECTED_EOF: Final = Options.OP_IGNORE_UNEXPECTED_EOF
OP_NO_TICKET: Final = Options.OP_NO_TICKET
OP_NO_COMPRESSION: Final = Options.OP_NO_COMPRESSION
OP_ENABLE_MIDDLEBOX_COMPAT: Final = Options.OP_ENABLE_MIDDLEBOX_COMPAT
OP_CIPHER_SERVER_PREFERENCE: Final = Options.OP_CIPHER_SERVER_PREFERENCE
OP_NO_SSLv3: Final = Options.OP_NO_SSLv3
OP_NO_TLSv1: Final = Options.OP_NO_TLSv1
OP_NO_TLSv1_2: Final = Options.OP_NO_TLSv1_2
OP_NO_TLSv1_1: Final = Options.OP_NO_TLSv1_1
OP_NO_TLSv1_3: Final = Options.OP_NO_TLSv1_3
OP_NO_RENEGOTIATION: Final = Options.OP_NO_RENEGOTIATION

class AlertDescription(enum.IntEnum):
    ALERT_DESCRIPTION_CLOSE_NOTIFY = 0
    ALERT_DESCRIPTION_UNEXPECTED_MESSAGE = 10
    ALERT_DESCRIPTION_BAD_RECORD_MAC = 20
    ALERT_DESCRIPTION_RECORD_OVERFLOW = 22
    ALERT_DESCRIPTION_DECOMPRESSION_FAILURE = 30
    ALERT_DESCRIPTION_HANDSHAKE_FAILURE = 40
    ALERT_DESCRIPTION_BAD_CERTIFICATE = 42
    ALERT_DESCRIPTION_UNSUPPORTED_CERTIFICATE = 43
    ALERT_DESCRIPTION_CERTIFICATE_REVOKED = 44
    ALERT_DESCRIPTION_CERTIFICATE_EXPIRED = 45
    ALERT_DESCRIPTION_CERTIFICATE_UNKNOWN = 46
    ALERT_DESCRIPTION_ILLEGAL_PARAMETER = 47
    ALERT_DESCRIPTION_UNKNOWN_CA = 48
    ALERT_DESCRIPTION_ACCESS_DENIED = 49
    ALERT_DESCRIPTION_DECODE_ERROR = 50
    ALERT_DESCRIPTION_DECRYPT_ERROR = 51
    ALERT_DESCRIPTION_PROTOCOL_VERSION = 70
    ALERT_DESCRIPTION_INSUFFICIENT_SECURITY = 71
    ALERT_DESCRIPTION_INTERNAL_ERROR = 80
    ALERT_DESCRIPTION_USER_CANCELLED = 90
    ALERT_DESCRIPTION_NO_RENEGOTIATION = 100
    ALERT_DESCRIPTION_UNSUPPORTED_EXTENSION = 110
    ALERT_DESCRIPTION_CERTIFICATE_UNOBTAINABLE = 111
    ALERT_DESCRIPTION_UNRECOGNIZED_NAME = 112
    ALERT_DESCRIPTION_BAD_CERTIFICATE_STATUS_RESPONSE = 113
    ALERT_DESCRIPTION_BAD_CERTIFICATE_HASH_VALUE = 114
    ALERT_DESCRIPTION_UNKNOWN_PSK_IDENTITY = 115

ALERT_DESCRIPTION_CLOSE_NOTIFY: Final = AlertDescription.ALERT_DESCRIPTION_CLOSE_NOTIFY
ALERT_DESCRIPTION_UNEXPECTED_MESSAGE: Final = AlertDescription.ALERT_DESCRIPTION_UNEXPECTED_MESSAGE
ALERT_DESCRIPTION_BAD_RECORD_MAC: Final = AlertDescription.ALERT_DESCRIPTION_BAD_RECORD_MAC
ALERT_DESCRIPTION_RECORD_OVERFLOW: Final = AlertDescription.ALERT_DESCRIPTION_RECORD_OVERFLOW
ALERT_DESCRIPTION_DECOMPRESSION_FAILURE: Final = (
    AlertDescription.ALERT_DESCRIPTION_DECOMPRESSION_FAILURE
)
ALERT_DESCRIPTION_HANDSHAKE_FAILURE: Final = AlertDescription.ALERT_DESCRIPTION_HANDSHAKE_FAILURE
ALERT_DESCRIPTION_BAD_CERTIFICATE: Final = AlertDescription.ALERT_DESCRIPTION_BAD_CERTIFICATE
ALERT_DESCRIPTION_UNSUPPORTED_CERTIFICATE: Final = (
    AlertDescription.ALERT_DESCRIPTION_UNSUPPORTED_CERTIFICATE
)
ALERT_DESCRIPTION_CERTIFICATE_REVOKED: Final = (
    AlertDescription.ALERT_DESCRIPTION_CERTIFICATE_REVOKED
)
ALERT_DESCRIPTION_CERTIFICATE_EXPIRED: Final = (
    AlertDescription.ALERT_DESCRIPTION_CERTIFICATE_EXPIRED
)
ALERT_DESCRIPTION_CERTIFICATE_UNKNOWN: Final = (
    AlertDescription.ALERT_DESCRIPTION_CERTIFICATE_UNKNOWN
)
ALERT_DESCRIPTION_ILLEGAL_PARAMETER: Final = AlertDescription.ALERT_DESCRIPTION_ILLEGAL_PARAMETER
ALERT_DESCRIPTION_UNKNOWN_CA: Final = AlertDescription.ALERT_DESCRIPTION_UNKNOWN_CA
ALERT_DESCRIPTION_ACCESS_DENIED: Final = AlertDescription.ALERT_DESCRIPTION_ACCESS_DENIED
ALERT_DESCRIPTION_DECODE_ERROR: Final = AlertDescription.ALERT_DESCRIPTION_DECODE_ERROR
ALERT_DESCRIPTION_DECRYPT_ERROR: Final = AlertDescription.ALERT_DESCRIPTION_DECRYPT_ERROR
ALERT_DESCRIPTION_PROTOCOL_VERSION: Final = AlertDescription.ALERT_DESCRIPTION_PROTOCOL_VERSION
ALERT_DESCRIPTION_INSUFFICIENT_SECURITY: Final = (
    AlertDescription.ALERT_DESCRIPTION_INSUFFICIENT_SECURITY
)
ALERT_DESCRIPTION_INTERNAL_ERROR: Final = AlertDescription.ALERT_DESCRIPTION_INTERNAL_ERROR
ALERT_DESCRIPTION_USER_CANCELLED: Final = AlertDescription.ALERT_DESCRIPTION_USER_CANCELLED
ALERT_DESCRIPTION_NO_RENEGOTIATION: Final = AlertDescription.ALERT_DESCRIPTION_NO_RENEGOTIATION
ALERT_DESCRIPTION_UNSUPPORTED_EXTENSION: Final = (
    AlertDescription.ALERT_DESCRIPTION_UNSUPPORTED_EXTENSION
)
ALERT_DESCRIPTION_CERTIFICATE_UNOBTAINABLE: Final = (
    AlertDescription.ALERT_DESCRIPTION_CERTIFICATE_UNOBTAINABLE
)
ALERT_DESCRIPTION_UNRECOGNIZED_NAME: Final = AlertDescription.ALERT_DESCRIPTION_UNRECOGNIZED_NAME
ALERT_DESCRIPTION_BAD_CERTIFICATE_STATUS_RESPONSE: Final = (
    AlertDescription.ALERT_DESCRIPTION_BAD_CERTIFICATE_STATUS_RESPONSE
)
ALERT_DESCRIPTION_BAD_CERTIFICATE_HASH_VALUE: Final = (
    AlertDescription.ALERT_DESCRIPTION_BAD_CERTIFICATE_HASH_VALUE
)
ALERT_DESCRIPTION_UNKNOWN_PSK_IDENTITY: Final = (
    AlertDescription.ALERT_DESCRIPTION_UNKNOWN_PSK_IDENTITY
)

class SSLErrorNumber(enum.IntEnum):
    SSL_ERROR_SSL = 1
    SSL_ERROR_WANT_READ = 2
    SSL_ERROR_WANT_WRITE = 3
    SSL_ERROR_WANT_X509_LOOKUP = 4
    SSL_ERROR_SYSCALL = 5
    SSL_ERROR_ZERO_RETURN = 6
    SSL_ERROR_WANT_CONNECT = 7
    SSL_ERROR_EOF = 8
    SSL_ERROR_INVALID_ERROR_CODE = 10

SSL_ERROR_SSL: Final = SSLErrorNumber.SSL_ERROR_SSL
SSL_ERROR_WANT_READ: Final = SSLErrorNumber.SSL_ERROR_WANT_READ
SSL_ERROR_WANT_WRITE: Final = SSLErrorNumber.SSL_ERROR_WANT_WRITE
SSL_ERROR_WANT_X509_LOOKUP: Final = SSLErrorNumber.SSL_ERROR_WANT_X509_LOOKUP
SSL_ERROR_SYSCALL: Final = SSLErrorNumber.SSL_ERROR_SYSCALL
SSL_ERROR_ZERO_RETURN: Final = SSLErrorNumber.SSL_ERROR_ZERO_RETURN
SSL_ERROR_WANT_CONNECT: Final = SSLErrorNumber.SSL_ERROR_WANT_CONNECT
SSL_ERROR_EOF: Final = SSLErrorNumber.SSL_ERROR_EOF
SSL_ERROR_INVALID_ERROR_CODE: Final = SSLErrorNumber.SSL_ERROR_INVALID_ERROR_CODE

class TLSVersion(enum.IntEnum):
    MINIMUM_SUPPORTED = -2
    MAXIMUM_SUPPORTED = -1
    SSLv3 = 0x300
    TLSv1 = 0x301
    TLSv1_1 = 0x302
    TLSv1_2 = 0x303
    TLSv1_3 = 0x304

# What SSLContext._msg_callback reports (debugging aid, undocumented).
class _TLSContentType(enum.IntEnum):
    CHANGE_CIPHER_SPEC = 20
    ALERT = 21
    HANDSHAKE = 22
    APPLICATION_DATA = 23
    HEADER = 0x100
    INNER_CONTENT_TYPE = 0x101

class _TLSAlertType(enum.IntEnum):
    CLOSE_NOTIFY = 0
    UNEXPECTED_MESSAGE = 10
    BAD_RECORD_MAC = 20
    DECRYPTION_FAILED = 21
    RECORD_OVERFLOW = 22
    DECOMPRESSION_FAILURE = 30
    HANDSHAKE_FAILURE = 40
    NO_CERTIFICATE = 41
    BAD_CERTIFICATE = 42
    UNSUPPORTED_CERTIFICATE = 43
    CERTIFICATE_REVOKED = 44
    CERTIFICATE_EXPIRED = 45
    CERTIFICATE_UNKNOWN = 46
    ILLEGAL_PARAMETER = 47
    UNKNOWN_CA = 48
    ACCESS_DENIED = 49
    DECODE_ERROR = 50
    DECRYPT_ERROR = 51
    EXPORT_RESTRICTION = 60
    PROTOCOL_VERSION = 70
    INSUFFICIENT_SECURITY = 71
    INTERNAL_ERROR = 80
    INAPPROPRIATE_FALLBACK = 86
    USER_CANCELED = 90
    NO_RENEGOTIATION = 100
    MISSING_EXTENSION = 109
    UNSUPPORTED_EXTENSION = 110
    CERTIFICATE_UNOBTAINABLE = 111
    UNRECOGNIZED_NAME = 112
    BAD_CERTIFICATE_STATUS_RESPONSE = 113
    BAD_CERTIFICATE_HASH_VALUE = 114
    UNKNOWN_PSK_IDENTITY = 115
    CERTIFICATE_REQUIRED = 116
    NO_APPLICATION_PROTOCOL = 120

class _TLSMessageType(enum.IntEnum):
    HELLO_REQUEST = 0
    CLIENT_HELLO = 1
    SERVER_HELLO = 2
    HELLO_VERIFY_REQUEST = 3
    NEWSESSION_TICKET = 4
    END_OF_EARLY_DATA = 5
    HELLO_RETRY_REQUEST = 6
    ENCRYPTED_EXTENSIONS = 8
    CERTIFICATE = 11
    SERVER_KEY_EXCHANGE = 12
    CERTIFICATE_REQUEST = 13
    SERVER_DONE = 14
    CERTIFICATE_VERIFY = 15
    CLIENT_KEY_EXCHANGE = 16
    FINISHED = 20
    CERTIFICATE_URL = 21
    CERTIFICATE_STATUS = 22
    SUPPLEMENTAL_DATA = 23
    KEY_UPDATE = 24
    NEXT_PROTO = 67
    MESSAGE_HASH = 254
    CHANGE_CIPHER_SPEC = 0x0101

# At run time the base is collections.namedtuple("_ASN1Object", ...).
@type_check_only
class _ASN1ObjectBase(NamedTuple):
    nid: int
    shortname: str
    longname: str
    oid: str

class _ASN1Object(_ASN1ObjectBase):
    def __new__(cls, oid: str) -> Self: ...
    @classmethod
    def fromnid(cls, nid: int) -> Self: ...
    @classmethod
    def fromname(cls, name: str) -> Self: ...

class Purpose(_ASN1Object, enum.Enum):
    # As an Enum, Purpose's constructor looks members up by value.
    def __new__(cls, value: object) -> Self: ...
    SERVER_AUTH = (129, "serverAuth", "TLS Web Server Authentication", "1.3.6.1.5.5.7.3.1")
    CLIENT_AUTH = (130, "clientAuth", "TLS Web Client Authentication", "1.3.6.1.5.5.7.3.2")

_PROTOCOL_NAMES: dict[int, str]
_SSLv2_IF_EXISTS: _SSLMethod | None

# --------------------------------------------------------------------------
# Module functions
# --------------------------------------------------------------------------

class DefaultVerifyPaths(NamedTuple):
    # None when what the path (or its environment override) names is absent.
    cafile: str | None
    capath: str | None
    openssl_cafile_env: str
    openssl_cafile: str
    openssl_capath_env: str
    openssl_capath: str

def get_default_verify_paths() -> DefaultVerifyPaths: ...
def RAND_pseudo_bytes(n: int) -> tuple[bytes, bool]: ...
def get_sigalgs() -> list[str]: ...
def cert_time_to_seconds(cert_time: str) -> int: ...
def DER_cert_to_PEM_cert(der_cert_bytes: ReadableBuffer) -> str: ...
def PEM_cert_to_DER_cert(pem_cert_string: str) -> bytes: ...
def get_server_certificate(
    addr: tuple[str, int],
    ssl_version: int = ...,
    ca_certs: str | None = None,
    timeout: float | None = ...,
) -> str: ...
def get_protocol_name(protocol_code: int) -> str: ...
def create_default_context(
    purpose: Purpose = ...,
    *,
    cafile: StrOrBytesPath | None = None,
    capath: StrOrBytesPath | None = None,
    cadata: str | ReadableBuffer | None = None,
) -> SSLContext: ...
def _create_unverified_context(
    protocol: int | None = None,
    *,
    cert_reqs: int | None = ...,
    check_hostname: bool = False,
    purpose: Purpose = ...,
    certfile: StrOrBytesPath | None = None,
    keyfile: StrOrBytesPath | None = None,
    cafile: StrOrBytesPath | None = None,
    capath: StrOrBytesPath | None = None,
    cadata: str | ReadableBuffer | None = None,
) -> SSLContext: ...

_create_default_https_context = create_default_context
_create_stdlib_context = _create_unverified_context

@deprecated("ssl.wrap_socket() is deprecated, use SSLContext.wrap_socket()")
def wrap_socket(
    sock: socket,
    keyfile: StrOrBytesPath | None = None,
    certfile: StrOrBytesPath | None = None,
    server_side: bool = False,
    cert_reqs: int = ...,
    ssl_version: int = ...,
    ca_certs: StrOrBytesPath | None = None,
    do_handshake_on_connect: bool = True,
    suppress_ragged_eofs: bool = True,
    ciphers: str | None = None,
) -> SSLSocket: ...
@deprecated("ssl.match_hostname() is deprecated; OpenSSL checks the name during the handshake")
def match_hostname(cert: _PeerCertRetDictType, hostname: str) -> None: ...
def _dnsname_match(pattern: str, hostname: str) -> bool: ...
def _inet_paton(ipname: str) -> bytes: ...
def _ipaddress_match(
    cert_value: str, host_ip: ipaddress.IPv4Address | ipaddress.IPv6Address
) -> bool: ...

# pyssl's own: make ``import ssl`` give pyssl for the running program, and undo it.
def inject_into_stdlib() -> None: ...
def extract_from_stdlib() -> None: ...

# --------------------------------------------------------------------------
# SSLContext
# --------------------------------------------------------------------------

class SSLContext(_SSLContext):
    sslsocket_class: type[SSLSocket]
    sslobject_class: type[SSLObject]
    _windows_cert_stores: tuple[str, ...]
    # The core's callback type names _SSLContext; user callbacks are given
    # this class's instances.
    sni_callback: _SNICallback | None  # type: ignore[assignment]
    @overload
    def __new__(cls, protocol: int, *args: Any, **kwargs: Any) -> Self: ...
    @overload
    @deprecated("ssl.SSLContext() without protocol argument is deprecated.")
    def __new__(cls, protocol: None = None, *args: Any, **kwargs: Any) -> Self: ...
    # Read back as enums; set from any int (or enum member). mypy before 1.16
    # takes such an asymmetric property as an incompatible override of the
    # core's int attribute; newer ones accept it.
    @property
    def protocol(self) -> _SSLMethod: ...
    @property  # type: ignore[override, unused-ignore]
    def options(self) -> Options: ...  # type: ignore[override, unused-ignore]
    @options.setter
    def options(self, value: int, /) -> None: ...
    @property  # type: ignore[override, unused-ignore]
    def verify_flags(self) -> VerifyFlags: ...  # type: ignore[override, unused-ignore]
    @verify_flags.setter
    def verify_flags(self, value: int, /) -> None: ...
    @property  # type: ignore[override, unused-ignore]
    def verify_mode(self) -> VerifyMode: ...  # type: ignore[override, unused-ignore]
    @verify_mode.setter
    def verify_mode(self, value: int, /) -> None: ...
    @property  # type: ignore[override, unused-ignore]
    def minimum_version(self) -> TLSVersion: ...  # type: ignore[override, unused-ignore]
    @minimum_version.setter
    def minimum_version(self, value: int, /) -> None: ...
    @property  # type: ignore[override, unused-ignore]
    def maximum_version(self) -> TLSVersion: ...  # type: ignore[override, unused-ignore]
    @maximum_version.setter
    def maximum_version(self, value: int, /) -> None: ...
    @property
    def hostname_checks_common_name(self) -> bool: ...
    @hostname_checks_common_name.setter
    def hostname_checks_common_name(self, value: bool, /) -> None: ...
    def wrap_socket(
        self,
        sock: socket,
        server_side: bool = False,
        do_handshake_on_connect: bool = True,
        suppress_ragged_eofs: bool = True,
        server_hostname: str | bytes | None = None,
        session: SSLSession | None = None,
    ) -> SSLSocket: ...
    def wrap_bio(
        self,
        incoming: MemoryBIO,
        outgoing: MemoryBIO,
        server_side: bool = False,
        server_hostname: str | bytes | None = None,
        session: SSLSession | None = None,
    ) -> SSLObject: ...
    def set_alpn_protocols(self, alpn_protocols: Iterable[str]) -> None: ...
    @deprecated("ssl NPN is deprecated, use ALPN instead")
    def set_npn_protocols(self, npn_protocols: Iterable[str]) -> None: ...
    def set_servername_callback(self, server_name_callback: _SNICallback | None) -> None: ...
    def load_default_certs(self, purpose: Purpose = ...) -> None: ...
    def _encode_hostname(self, hostname: str | bytes | None) -> str | None: ...
    def _load_windows_store_certs(self, storename: str, purpose: Purpose) -> None: ...

# --------------------------------------------------------------------------
# SSLObject and SSLSocket
# --------------------------------------------------------------------------

class SSLObject:
    # Instances come from SSLContext.wrap_bio(); calling the class raises.
    def __init__(self, *args: Any, **kwargs: Any) -> None: ...
    @classmethod
    def _create(
        cls,
        incoming: MemoryBIO,
        outgoing: MemoryBIO,
        server_side: bool = False,
        server_hostname: str | None = None,
        session: SSLSession | None = None,
        context: SSLContext | None = None,
    ) -> Self: ...
    @property
    def context(self) -> SSLContext: ...
    @context.setter
    def context(self, ctx: SSLContext) -> None: ...
    @property
    def session(self) -> SSLSession | None: ...
    @session.setter
    def session(self, session: SSLSession | None) -> None: ...
    @property
    def session_reused(self) -> bool: ...
    @property
    def server_side(self) -> bool: ...
    @property
    def server_hostname(self) -> str | None: ...
    @overload
    def read(self, len: int = 1024, buffer: None = None) -> bytes: ...
    @overload
    def read(self, len: int, buffer: WriteableBuffer) -> int: ...
    @overload
    def read(self, *, buffer: WriteableBuffer) -> int: ...
    def write(self, data: ReadableBuffer) -> int: ...
    @overload
    def getpeercert(self, binary_form: Literal[False] = False) -> _PeerCertRetDictType | None: ...
    @overload
    def getpeercert(self, binary_form: Literal[True]) -> bytes | None: ...
    @overload
    def getpeercert(self, binary_form: bool) -> _PeerCertRetType: ...
    def get_verified_chain(self) -> list[bytes]: ...
    def get_unverified_chain(self) -> list[bytes]: ...
    @deprecated("ssl NPN is deprecated, use ALPN instead")
    def selected_npn_protocol(self) -> str | None: ...
    def selected_alpn_protocol(self) -> str | None: ...
    def cipher(self) -> tuple[str, str, int] | None: ...
    def shared_ciphers(self) -> list[tuple[str, str, int]] | None: ...
    def compression(self) -> str | None: ...
    def pending(self) -> int: ...
    def do_handshake(self) -> None: ...
    def unwrap(self) -> None: ...
    def get_channel_binding(self, cb_type: str = "tls-unique") -> bytes | None: ...
    def get_ocsp_response(self) -> bytes | None: ...
    def version(self) -> str | None: ...
    def verify_client_post_handshake(self) -> None: ...
    def group(self) -> str | None: ...
    def client_sigalg(self) -> str | None: ...
    def server_sigalg(self) -> str | None: ...

class SSLSocket(socket):
    server_side: bool
    server_hostname: str | None
    do_handshake_on_connect: bool
    suppress_ragged_eofs: bool
    _closed: bool
    _connected: bool
    # Instances come from SSLContext.wrap_socket(); calling the class raises.
    def __init__(self, *args: Any, **kwargs: Any) -> None: ...
    @classmethod
    def _create(
        cls,
        sock: socket,
        server_side: bool = False,
        do_handshake_on_connect: bool = True,
        suppress_ragged_eofs: bool = True,
        server_hostname: str | bytes | None = None,
        context: SSLContext | None = None,
        session: SSLSession | None = None,
    ) -> Self: ...
    @property
    def context(self) -> SSLContext: ...
    @context.setter
    def context(self, ctx: SSLContext) -> None: ...
    @property
    def session(self) -> SSLSession | None: ...
    @session.setter
    def session(self, session: SSLSession | None) -> None: ...
    @property
    def session_reused(self) -> bool | None: ...
    def dup(self) -> Never: ...
    # socket.socket internals that typeshed does not declare; SSLSocket
    # inherits them and the ssl module's own code uses them.
    _io_refs: int
    def _accept(self) -> tuple[int, _socket_module._RetAddress]: ...
    def _decref_socketios(self) -> None: ...
    def _check_sendfile_params(
        self, file: _socket_module._SendableFile, offset: int, count: int | None
    ) -> None: ...
    def _sendfile_use_send(
        self, file: _socket_module._SendableFile, offset: int = 0, count: int | None = None
    ) -> int: ...
    def _sendfile_use_sendfile(
        self, file: _socket_module._SendableFile, offset: int = 0, count: int | None = None
    ) -> int: ...
    def _checkClosed(self, msg: str | None = None) -> None: ...
    def _check_connected(self) -> None: ...
    def _real_connect(self, addr: _socket_module._Address, connect_ex: bool) -> int | None: ...
    def _real_close(self) -> None: ...
    def connect(self, addr: _socket_module._Address) -> None: ...
    def connect_ex(self, addr: _socket_module._Address) -> int: ...
    def accept(self) -> tuple[SSLSocket, _socket_module._RetAddress]: ...
    @overload
    def read(self, len: int = 1024, buffer: None = None) -> bytes: ...
    @overload
    def read(self, len: int, buffer: WriteableBuffer) -> int: ...
    @overload
    def read(self, *, buffer: WriteableBuffer) -> int: ...
    def write(self, data: ReadableBuffer) -> int: ...
    def recv(self, buflen: int = 1024, flags: int = 0) -> bytes: ...
    def recv_into(
        self, buffer: WriteableBuffer, nbytes: int | None = None, flags: int = 0
    ) -> int: ...
    def recvfrom(
        self, buflen: int = 1024, flags: int = 0
    ) -> tuple[bytes, _socket_module._RetAddress]: ...
    def recvfrom_into(
        self, buffer: WriteableBuffer, nbytes: int | None = None, flags: int = 0
    ) -> tuple[int, _socket_module._RetAddress]: ...
    def send(self, data: ReadableBuffer, flags: int = 0) -> int: ...
    def sendall(self, data: ReadableBuffer, flags: int = 0) -> None: ...
    @overload
    def sendto(
        self, data: ReadableBuffer, flags_or_addr: _socket_module._Address, addr: None = None
    ) -> int: ...
    @overload
    def sendto(
        self, data: ReadableBuffer, flags_or_addr: int, addr: _socket_module._Address
    ) -> int: ...
    # Refused on TLS sockets: they always raise NotImplementedError.
    def sendmsg(self, *args: Never, **kwargs: Never) -> Never: ...  # type: ignore[override]
    def recvmsg(self, *args: Never, **kwargs: Never) -> Never: ...  # type: ignore[override]
    def recvmsg_into(self, *args: Never, **kwargs: Never) -> Never: ...  # type: ignore[override]
    def shutdown(self, how: int) -> None: ...
    def unwrap(self) -> socket: ...
    def do_handshake(self, block: bool = False) -> None: ...
    @overload
    def getpeercert(self, binary_form: Literal[False] = False) -> _PeerCertRetDictType | None: ...
    @overload
    def getpeercert(self, binary_form: Literal[True]) -> bytes | None: ...
    @overload
    def getpeercert(self, binary_form: bool) -> _PeerCertRetType: ...
    def get_verified_chain(self) -> list[bytes]: ...
    def get_unverified_chain(self) -> list[bytes]: ...
    @deprecated("ssl NPN is deprecated, use ALPN instead")
    def selected_npn_protocol(self) -> str | None: ...
    def selected_alpn_protocol(self) -> str | None: ...
    def cipher(self) -> tuple[str, str, int] | None: ...
    def shared_ciphers(self) -> list[tuple[str, str, int]] | None: ...
    def compression(self) -> str | None: ...
    def group(self) -> str | None: ...
    def client_sigalg(self) -> str | None: ...
    def server_sigalg(self) -> str | None: ...
    def pending(self) -> int: ...
    def get_channel_binding(self, cb_type: str = "tls-unique") -> bytes | None: ...
    def get_ocsp_response(self) -> bytes | None: ...
    def version(self) -> str | None: ...
    def verify_client_post_handshake(self) -> None: ...
