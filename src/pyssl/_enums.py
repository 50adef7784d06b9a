"""Enumerations of the ssl module, built from the C core's integer constants.

The families of constants the core exports (``OP_*``, ``CERT_*``, ...) become
IntEnum/IntFlag classes here, so that the module-level names are enum members
while staying plain integers for every other purpose. The enums only the
message callback uses are in _msgtypes, loaded when first needed.
"""

from collections import namedtuple
from enum import Enum, IntEnum, IntFlag

from . import _ssl

__all__ = [
    "_SSLMethod",
    "Options",
    "AlertDescription",
    "SSLErrorNumber",
    "VerifyFlags",
    "VerifyMode",
    "TLSVersion",
    "_ASN1Object",
    "Purpose",
    "exported_members",
]

# The package these enums belong to: their __module__, and the namespace
# their members are published in.
_MODULE = __name__.rpartition(".")[0]


def _from_core(kind, class_name, prefix, skip=()):
    """Make an enum class of every core constant whose name starts with prefix.

    This is the construction the stdlib's ssl uses, so classes and members
    behave (repr, str, pickling) exactly as the interpreter's own ssl's do.
    It is also the cheap one: from 3.11 on it skips the enum metaclass's
    per-member work, which is most of the cost of ``import pyssl``.

    It orders members by value (then name), so when two names share a value
    the same one becomes canonical on every interpreter, and it also makes
    the class and its members globals of the package.
    """
    return kind._convert_(
        class_name, _MODULE, lambda name: name.startswith(prefix) and name not in skip, source=_ssl
    )


_SSLMethod = _from_core(IntEnum, "_SSLMethod", "PROTOCOL_", skip=("PROTOCOL_SSLv23",))
# The old spelling of PROTOCOL_TLS: an alias on the class, not a member.
_SSLMethod.PROTOCOL_SSLv23 = _SSLMethod.PROTOCOL_TLS
Options = _from_core(IntFlag, "Options", "OP_")
AlertDescription = _from_core(IntEnum, "AlertDescription", "ALERT_DESCRIPTION_")
SSLErrorNumber = _from_core(IntEnum, "SSLErrorNumber", "SSL_ERROR_")
VerifyFlags = _from_core(IntFlag, "VerifyFlags", "VERIFY_")
VerifyMode = _from_core(IntEnum, "VerifyMode", "CERT_")


def exported_members():
    """The enum members that the ssl module publishes as module globals."""
    names = {}
    for cls in (_SSLMethod, Options, AlertDescription, SSLErrorNumber, VerifyFlags, VerifyMode):
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


TLSVersion.__module__ = _MODULE


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
