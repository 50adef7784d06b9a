"""Enumerations of the ssl module, built from the C core's integer constants.

The families of constants the core exports (``OP_*``, ``CERT_*``, ...) become
IntEnum/IntFlag classes here, so that the module-level names are enum members
while staying plain integers for every other purpose.
"""

from collections import namedtuple
from enum import Enum, IntEnum, IntFlag

from . import _ssl

__all__ = [
    "_SSLMethod", "Options", "AlertDescription", "SSLErrorNumber",
    "VerifyFlags", "VerifyMode", "TLSVersion", "_TLSContentType",
    "_TLSAlertType", "_TLSMessageType", "_ASN1Object", "Purpose",
    "exported_members",
]

_MODULE = "pyssl"


def _from_core(kind, class_name, prefix, skip=()):
    """Make an enum class of every core constant whose name starts with prefix.

    Members are ordered by value (then name) so that when two names share a
    value the same one becomes canonical on every interpreter.
    """
    members = sorted(
        ((name, value) for name, value in vars(_ssl).items()
         if name.startswith(prefix) and name not in skip
         and isinstance(value, int)),
        key=lambda item: (item[1], item[0]))
    return kind(class_name, members, module=_MODULE, qualname=class_name)


_SSLMethod = _from_core(IntEnum, "_SSLMethod", "PROTOCOL_",
                        skip=("PROTOCOL_SSLv23",))
# The old spelling of PROTOCOL_TLS: an alias on the class, not a member.
_SSLMethod.PROTOCOL_SSLv23 = _SSLMethod.PROTOCOL_TLS
Options = _from_core(IntFlag, "Options", "OP_")
AlertDescription = _from_core(IntEnum, "AlertDescription",
                              "ALERT_DESCRIPTION_")
SSLErrorNumber = _from_core(IntEnum, "SSLErrorNumber", "SSL_ERROR_")
VerifyFlags = _from_core(IntFlag, "VerifyFlags", "VERIFY_")
VerifyMode = _from_core(IntEnum, "VerifyMode", "CERT_")


def exported_members():
    """The enum members that the ssl module publishes as module globals."""
    names = {}
    for cls in (_SSLMethod, Options, AlertDescription, SSLErrorNumber,
                VerifyFlags, VerifyMode):
        names.update(cls.__members__)
    names["PROTOCOL_SSLv23"] = _SSLMethod.PROTOCOL_TLS
    return names


class TLSVersion(IntEnum):
    """TLS protocol versions, for minimum_version and maximum_version."""
    MINIMUM_SUPPORTED = _ssl.PROTO_MINIMUM_SUPPORTED
    SSLv3 = _ssl.PROTO_SSLv3
    TLSv1 = _ssl.PROTO_TLSv1
    TLSv1_1 = _ssl.PROTO_TLSv1_1
    TLSv1_2 = _ssl.PROTO_TLSv1_2
    TLSv1_3 = _ssl.PROTO_TLSv1_3
    MAXIMUM_SUPPORTED = _ssl.PROTO_MAXIMUM_SUPPORTED


class _TLSContentType(IntEnum):
    """Record-layer content types (RFC 8446, appendix B.1), plus the two
    pseudo types OpenSSL reports to message callbacks."""
    CHANGE_CIPHER_SPEC = 20
    ALERT = 21
    HANDSHAKE = 22
    APPLICATION_DATA = 23
    HEADER = 0x100
    INNER_CONTENT_TYPE = 0x101


class _TLSAlertType(IntEnum):
    """Alert descriptions carried in ALERT records (RFC 8446, B.2)."""
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


class _TLSMessageType(IntEnum):
    """Handshake message types (RFC 8446, B.3) and a few older ones."""
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
    # OpenSSL reports ChangeCipherSpec through the handshake callback too.
    CHANGE_CIPHER_SPEC = 0x0101


for _cls in (TLSVersion, _TLSContentType, _TLSAlertType, _TLSMessageType):
    _cls.__module__ = _MODULE
del _cls


class _ASN1Object(namedtuple("_ASN1Object", "nid shortname longname oid")):
    """An ASN.1 object identifier, looked up in OpenSSL's object table."""
    __slots__ = ()

    def __new__(cls, oid):
        return super().__new__(cls, *_ssl.txt2obj(oid, name=False))

    @classmethod
    def fromnid(cls, nid):
        """Look the object up by OpenSSL's numeric id."""
        return super().__new__(cls, *_ssl.nid2obj(nid))

    @classmethod
    def fromname(cls, name):
        """Look the object up by short name, long name or dotted OID."""
        return super().__new__(cls, *_ssl.txt2obj(name, name=True))


_ASN1Object.__module__ = _MODULE


class Purpose(_ASN1Object, Enum):
    """What a context is for, as an X.509 extended key usage."""
    SERVER_AUTH = "1.3.6.1.5.5.7.3.1"
    CLIENT_AUTH = "1.3.6.1.5.5.7.3.2"


Purpose.__module__ = _MODULE
