"""Windows system certificate stores, read through crypt32 with ctypes.

Used only when the C core was built without enum_certificates/enum_crls.
The results have the stdlib's shape: a list of ``(der_bytes, encoding,
trust)`` for certificates and ``(der_bytes, encoding)`` for CRLs, where
encoding is "x509_asn", "pkcs_7_asn" or the raw integer, and trust is True
(good for every purpose) or a set of extended key usage OIDs.
"""

import ctypes
from ctypes import wintypes

X509_ASN_ENCODING = 0x00000001
PKCS_7_ASN_ENCODING = 0x00010000
CERT_FIND_EXT_ONLY_ENHKEY_USAGE_FLAG = 0x2
CERT_FIND_PROP_ONLY_ENHKEY_USAGE_FLAG = 0x4
# HRESULT of "the object or property was not found", as an unsigned DWORD.
CRYPT_E_NOT_FOUND = 0x80092004


class _CERT_CONTEXT(ctypes.Structure):
    _fields_ = [
        ("dwCertEncodingType", wintypes.DWORD),
        ("pbCertEncoded", ctypes.POINTER(ctypes.c_ubyte)),
        ("cbCertEncoded", wintypes.DWORD),
        ("pCertInfo", ctypes.c_void_p),
        ("hCertStore", ctypes.c_void_p),
    ]


class _CRL_CONTEXT(ctypes.Structure):
    _fields_ = [
        ("dwCertEncodingType", wintypes.DWORD),
        ("pbCrlEncoded", ctypes.POINTER(ctypes.c_ubyte)),
        ("cbCrlEncoded", wintypes.DWORD),
        ("pCrlInfo", ctypes.c_void_p),
        ("hCertStore", ctypes.c_void_p),
    ]


class _CERT_ENHKEY_USAGE(ctypes.Structure):
    _fields_ = [
        ("cUsageIdentifier", wintypes.DWORD),
        ("rgpszUsageIdentifier", ctypes.POINTER(ctypes.c_char_p)),
    ]


_PCERT = ctypes.POINTER(_CERT_CONTEXT)
_PCRL = ctypes.POINTER(_CRL_CONTEXT)


def _load_crypt32():
    lib = ctypes.WinDLL("crypt32", use_last_error=True)
    lib.CertOpenSystemStoreW.argtypes = [ctypes.c_void_p, wintypes.LPCWSTR]
    lib.CertOpenSystemStoreW.restype = ctypes.c_void_p
    lib.CertCloseStore.argtypes = [ctypes.c_void_p, wintypes.DWORD]
    lib.CertCloseStore.restype = wintypes.BOOL
    lib.CertEnumCertificatesInStore.argtypes = [ctypes.c_void_p, _PCERT]
    lib.CertEnumCertificatesInStore.restype = _PCERT
    lib.CertEnumCRLsInStore.argtypes = [ctypes.c_void_p, _PCRL]
    lib.CertEnumCRLsInStore.restype = _PCRL
    lib.CertGetEnhancedKeyUsage.argtypes = [
        _PCERT,
        wintypes.DWORD,
        ctypes.c_void_p,
        ctypes.POINTER(wintypes.DWORD),
    ]
    lib.CertGetEnhancedKeyUsage.restype = wintypes.BOOL
    lib.CertFreeCertificateContext.argtypes = [_PCERT]
    lib.CertFreeCertificateContext.restype = wintypes.BOOL
    lib.CertFreeCRLContext.argtypes = [_PCRL]
    lib.CertFreeCRLContext.restype = wintypes.BOOL
    return lib


_crypt32 = None


def _lib():
    # Loaded on first use so that importing pyssl stays cheap.
    global _crypt32
    if _crypt32 is None:
        _crypt32 = _load_crypt32()
    return _crypt32


def _encoding_name(encoding):
    if encoding == X509_ASN_ENCODING:
        return "x509_asn"
    if encoding == PKCS_7_ASN_ENCODING:
        return "pkcs_7_asn"
    return encoding


def _last_error():
    return ctypes.WinError(ctypes.get_last_error())


def _key_usage(cert, flags):
    """The certificate's extended key usages: True if unrestricted."""
    lib = _lib()
    size = wintypes.DWORD(0)
    if not lib.CertGetEnhancedKeyUsage(cert, flags, None, ctypes.byref(size)):
        if ctypes.get_last_error() & 0xFFFFFFFF == CRYPT_E_NOT_FOUND:
            return True
        raise _last_error()
    buf = ctypes.create_string_buffer(size.value)
    if not lib.CertGetEnhancedKeyUsage(cert, flags, buf, ctypes.byref(size)):
        raise _last_error()
    usage = ctypes.cast(buf, ctypes.POINTER(_CERT_ENHKEY_USAGE)).contents
    oids = set()
    for i in range(usage.cUsageIdentifier):
        oid = usage.rgpszUsageIdentifier[i]
        if oid:
            oids.add(oid.decode("ascii"))
    return oids


def _trust(cert):
    # A usage set as a store property overrides the certificate's own
    # extension, so look at the property first.
    usage = _key_usage(cert, CERT_FIND_PROP_ONLY_ENHKEY_USAGE_FLAG)
    if usage is True:
        usage = _key_usage(cert, CERT_FIND_EXT_ONLY_ENHKEY_USAGE_FLAG)
    return usage


def _open_store(store_name):
    if not isinstance(store_name, str):
        raise TypeError("store_name must be str, not %s" % type(store_name).__name__)
    store = _lib().CertOpenSystemStoreW(None, store_name)
    if not store:
        raise _last_error()
    return store


def _walk(store_name, enum_func, free_func, describe):
    """Apply describe() to each context that enum_func yields from a store."""
    lib = _lib()
    store = _open_store(store_name)
    result = []
    context = None
    try:
        # Passing the previous context back frees it; the loop ends when
        # the store runs out, which also frees the last one.
        context = enum_func(store, None)
        while context:
            result.append(describe(context))
            context = enum_func(store, context)
    finally:
        if context:
            # describe() failed midway: release the context it was given.
            free_func(context)
        lib.CertCloseStore(store, 0)
    return result


def _describe_cert(context):
    cert = context.contents
    der = ctypes.string_at(cert.pbCertEncoded, cert.cbCertEncoded)
    return der, _encoding_name(cert.dwCertEncodingType), _trust(context)


def _describe_crl(context):
    crl = context.contents
    der = ctypes.string_at(crl.pbCrlEncoded, crl.cbCrlEncoded)
    return der, _encoding_name(crl.dwCertEncodingType)


def enum_certificates(store_name):
    """Return the certificates of a Windows system store ("CA", "ROOT",
    "MY", ...) as a list of (der_bytes, encoding, trust) tuples."""
    lib = _lib()
    return _walk(
        store_name, lib.CertEnumCertificatesInStore, lib.CertFreeCertificateContext, _describe_cert
    )


def enum_crls(store_name):
    """Return the CRLs of a Windows system store as a list of
    (der_bytes, encoding) tuples."""
    lib = _lib()
    return _walk(store_name, lib.CertEnumCRLsInStore, lib.CertFreeCRLContext, _describe_crl)
