# The rules behind match_hostname(); the helpers are described with the
# package in __init__.pyi.
from . import (
    CertificateError as CertificateError,
    _dnsname_match as _dnsname_match,
    _inet_paton as _inet_paton,
    _ipaddress_match as _ipaddress_match,
    _PeerCertRetDictType,
)

def match(cert: _PeerCertRetDictType, hostname: str) -> None: ...
