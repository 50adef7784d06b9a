"""The rules behind match_hostname(), the Python-side certificate name check
CPython dropped in 3.12 (OpenSSL does the real check during the handshake
since 3.7). pyssl.match_hostname() loads this module on first use.

Rules, as in CPython 3.7-3.11 (RFC 6125 section 6.4.3):
- names compare case-insensitively; IDNs must already be A-labels;
- a wildcard is only the whole left-most label (``*.example.com``) and must
  match exactly one non-empty label; any other wildcard use is an error;
- an IP address hostname matches only ``IP Address`` subjectAltName entries;
- the subject's commonName is consulted only when subjectAltName has no
  dNSName (nor IP address) entry.
"""

import ipaddress

from ._ssl import SSLCertVerificationError as CertificateError


def _wildcard_error(pattern):
    """Return the reason a wildcard pattern is unsupported, or None."""
    if pattern.count("*") > 1:
        return "too many wildcards in certificate DNS name: %r." % pattern
    leftmost, dot, rest = pattern.partition(".")
    if "*" in rest:
        return "wildcard can only be present in the leftmost label: %r." % pattern
    if not dot:
        return "sole wildcard without additional labels are not support: %r." % pattern
    if leftmost != "*":
        return "partial wildcards in leftmost label are not supported: %r." % pattern
    return None


def _dnsname_match(pattern, hostname):
    """True if the certificate name pattern covers hostname."""
    if not pattern:
        return False
    if "*" not in pattern:
        return pattern.lower() == hostname.lower()
    reason = _wildcard_error(pattern)
    if reason:
        raise CertificateError(reason)
    host_first, dot, host_rest = hostname.partition(".")
    # The wildcard stands for exactly one label, which may not be empty.
    if not host_first or not dot:
        return False
    return pattern.partition(".")[2].lower() == host_rest.lower()


def _inet_paton(ipname):
    """Packed form of a strictly written IPv4 or IPv6 address; ValueError
    for anything else, including inet_aton's shorthands such as '127.1'."""
    try:
        return ipaddress.ip_address(ipname).packed
    except ValueError:
        raise ValueError("%r is neither an IPv4 nor an IPv6 address." % (ipname,)) from None


def _parse_ip(text):
    """Parse a strictly written IPv4/IPv6 address, or return None."""
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _ipaddress_match(cert_value, host_ip):
    # OpenSSL may leave a trailing newline on IP Address entries (IPv6).
    return _parse_ip(cert_value.rstrip()) == host_ip


def _candidate_names(cert, hostname, host_ip):
    """Yield (matched, name) for each name the certificate offers."""
    has_san_names = False
    for kind, value in cert.get("subjectAltName", ()):
        if kind == "DNS":
            has_san_names = True
            yield host_ip is None and _dnsname_match(value, hostname), value
        elif kind == "IP Address":
            has_san_names = True
            yield host_ip is not None and _ipaddress_match(value, host_ip), value
    if has_san_names:
        return
    for rdn in cert.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                yield _dnsname_match(value, hostname), value


def _mismatch(hostname, names):
    if len(names) > 1:
        return CertificateError(
            "hostname %r doesn't match either of %s" % (hostname, ", ".join(map(repr, names)))
        )
    if names:
        return CertificateError("hostname %r doesn't match %r" % (hostname, names[0]))
    return CertificateError("no appropriate commonName or subjectAltName fields were found")


def match(cert, hostname):
    """Check that cert (a dict from SSLSocket.getpeercert()) is valid for
    hostname; raise CertificateError if not, return None if it is."""
    if not cert:
        raise ValueError(
            "empty or no certificate, match_hostname needs a "
            "SSL socket or SSL context with either "
            "CERT_OPTIONAL or CERT_REQUIRED"
        )
    host_ip = _parse_ip(hostname)
    names = []
    for matched, name in _candidate_names(cert, hostname, host_ip):
        if matched:
            return
        names.append(name)
    raise _mismatch(hostname, names)
