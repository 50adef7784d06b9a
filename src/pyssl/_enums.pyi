# The enumerations are built here at run time from the core's constants but
# belong to the package's API (their __module__ is "pyssl"); see __init__.pyi.
from . import (
    AlertDescription as AlertDescription,
    Options as Options,
    Purpose as Purpose,
    SSLErrorNumber as SSLErrorNumber,
    TLSVersion as TLSVersion,
    VerifyFlags as VerifyFlags,
    VerifyMode as VerifyMode,
    _ASN1Object as _ASN1Object,
    _SSLMethod as _SSLMethod,
)

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

# Name -> member for every OP_*, CERT_*, PROTOCOL_*, VERIFY_*, SSL_ERROR_*
# and ALERT_DESCRIPTION_* constant the package publishes as a global.
def exported_members() -> dict[
    str, _SSLMethod | Options | AlertDescription | SSLErrorNumber | VerifyFlags | VerifyMode
]: ...
