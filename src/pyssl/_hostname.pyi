# match_hostname() and its helpers, described with the package in __init__.pyi.
from . import (
    CertificateError as CertificateError,
    _dnsname_match as _dnsname_match,
    _inet_paton as _inet_paton,
    _ipaddress_match as _ipaddress_match,
    match_hostname as match_hostname,
)
