# Type stubs for pyssl._ssl, the C core: CPython's _ssl interface (the union
# over 3.8-3.13) plus the 3.14/3.15 additions.
import sys
from collections.abc import Callable
from os import PathLike
from socket import socket
from typing import Any, Final, Literal, TypedDict, overload

from typing_extensions import Buffer, Self, TypeAlias

_ReadableBuffer: TypeAlias = Buffer
_StrOrBytesPath: TypeAlias = str | bytes | PathLike[str] | PathLike[bytes]
_PasswordType: TypeAlias = Callable[[], str | bytes | bytearray] | str | bytes | bytearray

# A decoded certificate: getpeercert(), get_info(), _test_decode_cert().
_PeerCertRetDictType: TypeAlias = dict[
    str,
    str | tuple[tuple[tuple[str, str], ...], ...] | tuple[tuple[str, str], ...],
]

class _Cipher(TypedDict):
    aead: bool
    alg_bits: int
    auth: str
    description: str
    digest: str | None
    id: int
    kea: str
    name: str
    protocol: str
    strength_bits: int
    symmetric: str

# Server name (SNI) callback: (connection, server name, context) -> alert.
_SNICallback: TypeAlias = Callable[[Any, str | None, _SSLContext], int | None]
# Message callback: (connection, direction, version, content type,
# message type, data).
_MsgCallback: TypeAlias = Callable[[Any, str, int, int, int, bytes], object]
# PSK: identity hint -> (identity, key) on the client, identity -> key on
# the server.
_PSKClientCallback: TypeAlias = Callable[[str | None], tuple[str | None, bytes]]
_PSKServerCallback: TypeAlias = Callable[[str | None], bytes]

# Versions and build facts
OPENSSL_VERSION: str
OPENSSL_VERSION_INFO: tuple[int, int, int, int, int]
OPENSSL_VERSION_NUMBER: int
_OPENSSL_API_VERSION: tuple[int, int, int, int, int]
_DEFAULT_CIPHERS: str

HAS_ALPN: bool
HAS_ECDH: bool
HAS_NPN: bool
HAS_MEMORY_CREDENTIALS: bool
HAS_OCSP_STAPLING: bool
HAS_PHA: bool
HAS_PSK: bool
HAS_PSK_TLS13: bool
HAS_SNI: bool
HAS_SSLv2: bool
HAS_SSLv3: bool
HAS_TLS_UNIQUE: bool
HAS_TLSv1: bool
HAS_TLSv1_1: bool
HAS_TLSv1_2: bool
HAS_TLSv1_3: bool

# Alert descriptions
ALERT_DESCRIPTION_ACCESS_DENIED: int
ALERT_DESCRIPTION_BAD_CERTIFICATE: int
ALERT_DESCRIPTION_BAD_CERTIFICATE_HASH_VALUE: int
ALERT_DESCRIPTION_BAD_CERTIFICATE_STATUS_RESPONSE: int
ALERT_DESCRIPTION_BAD_RECORD_MAC: int
ALERT_DESCRIPTION_CERTIFICATE_EXPIRED: int
ALERT_DESCRIPTION_CERTIFICATE_REVOKED: int
ALERT_DESCRIPTION_CERTIFICATE_UNKNOWN: int
ALERT_DESCRIPTION_CERTIFICATE_UNOBTAINABLE: int
ALERT_DESCRIPTION_CLOSE_NOTIFY: int
ALERT_DESCRIPTION_DECODE_ERROR: int
ALERT_DESCRIPTION_DECOMPRESSION_FAILURE: int
ALERT_DESCRIPTION_DECRYPT_ERROR: int
ALERT_DESCRIPTION_HANDSHAKE_FAILURE: int
ALERT_DESCRIPTION_ILLEGAL_PARAMETER: int
ALERT_DESCRIPTION_INSUFFICIENT_SECURITY: int
ALERT_DESCRIPTION_INTERNAL_ERROR: int
ALERT_DESCRIPTION_NO_RENEGOTIATION: int
ALERT_DESCRIPTION_PROTOCOL_VERSION: int
ALERT_DESCRIPTION_RECORD_OVERFLOW: int
ALERT_DESCRIPTION_UNEXPECTED_MESSAGE: int
ALERT_DESCRIPTION_UNKNOWN_CA: int
ALERT_DESCRIPTION_UNKNOWN_PSK_IDENTITY: int
ALERT_DESCRIPTION_UNRECOGNIZED_NAME: int
ALERT_DESCRIPTION_UNSUPPORTED_CERTIFICATE: int
ALERT_DESCRIPTION_UNSUPPORTED_EXTENSION: int
ALERT_DESCRIPTION_USER_CANCELLED: int

# Verification modes and flags
CERT_NONE: int
CERT_OPTIONAL: int
CERT_REQUIRED: int
VERIFY_ALLOW_PROXY_CERTS: int
VERIFY_CRL_CHECK_CHAIN: int
VERIFY_CRL_CHECK_LEAF: int
VERIFY_DEFAULT: int
VERIFY_X509_PARTIAL_CHAIN: int
VERIFY_X509_STRICT: int
VERIFY_X509_TRUSTED_FIRST: int

# Certificate.public_bytes() formats
ENCODING_PEM: Final = 1
ENCODING_DER: Final = 2

# Host name check flags (_SSLContext._host_flags)
HOSTFLAG_ALWAYS_CHECK_SUBJECT: int
HOSTFLAG_MULTI_LABEL_WILDCARDS: int
HOSTFLAG_NEVER_CHECK_SUBJECT: int
HOSTFLAG_NO_PARTIAL_WILDCARDS: int
HOSTFLAG_NO_WILDCARDS: int
HOSTFLAG_SINGLE_LABEL_SUBDOMAINS: int

# Options
OP_ALL: int
OP_CIPHER_SERVER_PREFERENCE: int
OP_ENABLE_KTLS: int
OP_ENABLE_MIDDLEBOX_COMPAT: int
OP_IGNORE_UNEXPECTED_EOF: int
OP_LEGACY_SERVER_CONNECT: int
OP_NO_COMPRESSION: int
OP_NO_RENEGOTIATION: int
OP_NO_SSLv2: int
OP_NO_SSLv3: int
OP_NO_TICKET: int
OP_NO_TLSv1: int
OP_NO_TLSv1_1: int
OP_NO_TLSv1_2: int
OP_NO_TLSv1_3: int
OP_SINGLE_DH_USE: int
OP_SINGLE_ECDH_USE: int

# Protocols (context methods) and protocol versions
PROTOCOL_SSLv23: int
PROTOCOL_TLS: int
PROTOCOL_TLS_CLIENT: int
PROTOCOL_TLS_SERVER: int
PROTOCOL_TLSv1: int
PROTOCOL_TLSv1_1: int
PROTOCOL_TLSv1_2: int
PROTO_MAXIMUM_SUPPORTED: int
PROTO_MINIMUM_SUPPORTED: int
PROTO_SSLv3: int
PROTO_TLSv1: int
PROTO_TLSv1_1: int
PROTO_TLSv1_2: int
PROTO_TLSv1_3: int

# SSL_get_error() results, as SSLError.args[0]
SSL_ERROR_EOF: int
SSL_ERROR_INVALID_ERROR_CODE: int
SSL_ERROR_SSL: int
SSL_ERROR_SYSCALL: int
SSL_ERROR_WANT_CONNECT: int
SSL_ERROR_WANT_READ: int
SSL_ERROR_WANT_WRITE: int
SSL_ERROR_WANT_X509_LOOKUP: int
SSL_ERROR_ZERO_RETURN: int

# OpenSSL error code tables
err_codes_to_names: dict[tuple[int, int], str]
err_names_to_codes: dict[str, tuple[int, int]]
lib_codes_to_names: dict[int, str]

class SSLError(OSError):
    library: str | None
    reason: str | None

class SSLZeroReturnError(SSLError): ...
class SSLWantReadError(SSLError): ...
class SSLWantWriteError(SSLError): ...
class SSLSyscallError(SSLError): ...
class SSLEOFError(SSLError): ...

class SSLCertVerificationError(SSLError, ValueError):
    verify_code: int
    verify_message: str

def RAND_add(string: str | _ReadableBuffer, entropy: float, /) -> None: ...
def RAND_bytes(n: int, /) -> bytes: ...
def RAND_pseudo_bytes(n: int, /) -> tuple[bytes, bool]: ...
def RAND_status() -> bool: ...
def get_default_verify_paths() -> tuple[str, str, str, str]: ...
def get_sigalgs() -> list[str]: ...
def nid2obj(nid: int, /) -> tuple[int, str, str, str]: ...
def txt2obj(txt: str, name: bool = False) -> tuple[int, str, str, str]: ...
def _test_decode_cert(path: _StrOrBytesPath, /) -> _PeerCertRetDictType: ...

if sys.platform == "win32":
    def enum_certificates(
        store_name: str,
    ) -> list[tuple[bytes, str | int, set[str] | Literal[True]]]: ...
    def enum_crls(store_name: str) -> list[tuple[bytes, str | int]]: ...

class Certificate:
    def get_info(self) -> _PeerCertRetDictType: ...
    @overload
    def public_bytes(self) -> str: ...
    @overload
    def public_bytes(self, format: Literal[1] = 1, /) -> str: ...
    @overload
    def public_bytes(self, format: Literal[2], /) -> bytes: ...
    @overload
    def public_bytes(self, format: int, /) -> str | bytes: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

class MemoryBIO:
    def __init__(self) -> None: ...
    @property
    def eof(self) -> bool: ...
    @property
    def pending(self) -> int: ...
    def read(self, size: int = -1, /) -> bytes: ...
    def write(self, b: _ReadableBuffer, /) -> int: ...
    def write_eof(self) -> None: ...

# pyssl only: the data path of pyssl.asyncio's TLS protocol, over an
# _SSLSocket and its two MemoryBIOs.  feed_read()'s flags are _AIOPIPE_* bits.
_AIOPIPE_EOF: Final[int]
_AIOPIPE_OUTGOING: Final[int]
_AIOPIPE_INCOMING: Final[int]

class _AioPipe:
    def __new__(cls, sock: _SSLSocket, incoming: MemoryBIO, outgoing: MemoryBIO, /) -> Self: ...
    def get_buffer(self, sizehint: int, /) -> memoryview: ...
    def feed(self, nbytes: int, /) -> None: ...
    def read(self) -> tuple[bytes, bool]: ...
    def read_into(self, buffer: Buffer, /) -> tuple[int, bool]: ...
    def feed_read(self, nbytes: int, /) -> tuple[bytes, int]: ...
    def encrypt(self, backlog: Any, take: bool, /) -> tuple[int, list[bytes] | None]: ...
    def encrypt_seq(self, buffers: Any, /) -> tuple[list[bytes], int, int]: ...
    def take_outgoing(self) -> bytes: ...

# pyssl only: exc as an instance of its class in bridges (_stdlib_bio.py).
def _bridge_error(exc: BaseException, bridges: dict[type, type | None], /) -> BaseException: ...

# pyssl only: an SSLObject's _sslobj over the stdlib's MemoryBIOs
# (csrc/stdlib_bio.c); any attribute it lacks is its _SSLSocket's.
class _Shuttle:
    def __new__(
        cls,
        core: _SSLSocket,
        incoming: Any,
        outgoing: Any,
        own_in: MemoryBIO,
        own_out: MemoryBIO,
        bridges: dict[type, type | None],
        take: int,
        /,
    ) -> Self: ...
    def read(self, size: int, buffer: Buffer | None = None, /) -> Any: ...
    def write(self, data: _ReadableBuffer, /) -> int: ...
    def do_handshake(self) -> None: ...
    def shutdown(self) -> Any: ...
    @property
    def _core(self) -> _SSLSocket: ...
    @property
    def _own_in(self) -> MemoryBIO: ...
    @property
    def _own_out(self) -> MemoryBIO: ...
    def __getattr__(self, name: str) -> Any: ...

class SSLSession:
    @property
    def has_ticket(self) -> bool: ...
    @property
    def id(self) -> bytes: ...
    @property
    def ticket_lifetime_hint(self) -> int: ...
    @property
    def time(self) -> int: ...
    @property
    def timeout(self) -> int: ...
    def __eq__(self, value: object, /) -> bool: ...

class _SSLContext:
    check_hostname: bool
    keylog_filename: str | None
    maximum_version: int
    minimum_version: int
    num_tickets: int
    options: int
    post_handshake_auth: bool
    sni_callback: _SNICallback | None
    verify_flags: int
    verify_mode: int
    _host_flags: int
    _msg_callback: _MsgCallback | None
    # OCSP stapling (pyssl only): DER bytes in, DER bytes out.
    ocsp_request: bool
    ocsp_response_callback: Callable[[Any, bytes | None], object] | None
    ocsp_staple: bytes | None
    ocsp_staple_callback: Callable[[Any], bytes | None] | None
    def __new__(cls, protocol: int, /) -> Self: ...
    @property
    def protocol(self) -> int: ...
    @property
    def security_level(self) -> int: ...
    def cert_store_stats(self) -> dict[str, int]: ...
    @overload
    def get_ca_certs(self, binary_form: Literal[False] = False) -> list[_PeerCertRetDictType]: ...
    @overload
    def get_ca_certs(self, binary_form: Literal[True]) -> list[bytes]: ...
    @overload
    def get_ca_certs(self, binary_form: bool = False) -> Any: ...
    def get_ciphers(self) -> list[_Cipher]: ...
    # certfile or certdata is required (a TypeError otherwise); certdata and
    # keydata are PEM (str or bytes) or DER (bytes), read in place.
    def load_cert_chain(
        self,
        certfile: _StrOrBytesPath | None = None,
        keyfile: _StrOrBytesPath | None = None,
        password: _PasswordType | None = None,
        *,
        certdata: str | _ReadableBuffer | None = None,
        keydata: str | _ReadableBuffer | None = None,
    ) -> None: ...
    def load_pkcs12(
        self, data: _ReadableBuffer, password: _PasswordType | None = None
    ) -> None: ...
    def load_dh_params(self, path: _StrOrBytesPath, /) -> None: ...
    def load_verify_locations(
        self,
        cafile: _StrOrBytesPath | None = None,
        capath: _StrOrBytesPath | None = None,
        cadata: str | _ReadableBuffer | None = None,
    ) -> None: ...
    def session_stats(self) -> dict[str, int]: ...
    def set_ciphers(self, cipherlist: str, /) -> None: ...
    def set_default_verify_paths(self) -> None: ...
    def set_ecdh_curve(self, name: str | bytes, /) -> None: ...
    def _set_alpn_protocols(self, protos: _ReadableBuffer, /) -> None: ...
    def _set_npn_protocols(self, protos: _ReadableBuffer, /) -> None: ...
    def _wrap_bio(
        self,
        incoming: MemoryBIO,
        outgoing: MemoryBIO,
        server_side: bool,
        server_hostname: str | bytes | None = None,
        *,
        owner: object = None,
        session: SSLSession | None = None,
    ) -> _SSLSocket: ...
    def _wrap_socket(
        self,
        sock: socket,
        server_side: bool,
        server_hostname: str | bytes | None = None,
        *,
        owner: object = None,
        session: SSLSession | None = None,
    ) -> _SSLSocket: ...
    # Pre-shared keys (TLS 1.2; TLS 1.3 when HAS_PSK_TLS13).
    def set_psk_client_callback(self, callback: _PSKClientCallback | None) -> None: ...
    def set_psk_server_callback(
        self, callback: _PSKServerCallback | None, identity_hint: str | None = None
    ) -> None: ...
    # 3.15: key exchange groups, TLS 1.3 cipher suites, signature algorithms.
    def set_groups(self, grouplist: str, /) -> None: ...
    def get_groups(self, *, include_aliases: bool = False) -> list[str]: ...
    def set_ciphersuites(self, ciphersuites: str, /) -> None: ...
    def set_client_sigalgs(self, sigalgslist: str, /) -> None: ...
    def set_server_sigalgs(self, sigalgslist: str, /) -> None: ...

class _SSLSocket:
    context: _SSLContext
    owner: Any
    session: SSLSession | None
    @property
    def server_side(self) -> bool: ...
    @property
    def server_hostname(self) -> str | None: ...
    @property
    def session_reused(self) -> bool: ...
    def cipher(self) -> tuple[str, str, int] | None: ...
    def compression(self) -> str | None: ...
    def do_handshake(self) -> None: ...
    def get_channel_binding(self, cb_type: str = "tls-unique") -> bytes | None: ...
    def get_ocsp_response(self) -> bytes | None: ...
    def get_unverified_chain(self) -> list[Certificate] | None: ...
    def get_verified_chain(self) -> list[Certificate] | None: ...
    @overload
    def getpeercert(self, der: Literal[False] = False, /) -> _PeerCertRetDictType | None: ...
    @overload
    def getpeercert(self, der: Literal[True], /) -> bytes | None: ...
    @overload
    def getpeercert(self, der: bool, /) -> _PeerCertRetDictType | bytes | None: ...
    def pending(self) -> int: ...
    @overload
    def read(self, size: int, /) -> bytes: ...
    @overload
    def read(self, size: int, buffer: Buffer, /) -> int: ...
    def selected_alpn_protocol(self) -> str | None: ...
    def shared_ciphers(self) -> list[tuple[str, str, int]] | None: ...
    def shutdown(self) -> socket | None: ...
    def verify_client_post_handshake(self) -> None: ...
    def version(self) -> str | None: ...
    def write(self, b: _ReadableBuffer, /) -> int: ...
    # 3.15
    def group(self) -> str | None: ...
    def client_sigalg(self) -> str | None: ...
    def server_sigalg(self) -> str | None: ...
    def sendfile(self, fd: int, offset: int, size: int, flags: int = 0, /) -> int: ...
    def uses_ktls_for_send(self) -> bool: ...
    def uses_ktls_for_recv(self) -> bool: ...
