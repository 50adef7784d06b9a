/* module.c: module init and state, constants, RAND_*, txt2obj/nid2obj,
 * get_default_verify_paths, get_sigalgs. */
#include "pyssl.h"

#include <openssl/objects.h>

#ifndef PYSSL_HAVE_MODULE_TYPES
void *pyssl_legacy_state = NULL;
#endif

/* ------------------------------------------------------------------------ */
/* RAND_*                                                                   */

static PyObject *
rand_bytes(PyObject *module, int n)
{
    if (n < 0) {
        PyErr_SetString(PyExc_ValueError, "num must be positive");
        return NULL;
    }
    PyObject *bytes = PyBytes_FromStringAndSize(NULL, n);
    if (bytes == NULL) {
        return NULL;
    }
    if (RAND_bytes((unsigned char *)PyBytes_AS_STRING(bytes), n) != 1) {
        Py_DECREF(bytes);
        return PYSSL_SET_SSL_ERROR(pyssl_get_state(module),
                                   "RAND_bytes failed");
    }
    return bytes;
}

static PyObject *
module_rand_bytes(PyObject *module, PyObject *arg)
{
    int n = PyLong_AsInt(arg);
    if (n == -1 && PyErr_Occurred()) {
        return NULL;
    }
    return rand_bytes(module, n);
}

/* Kept from CPython <= 3.11: the bytes now always come from the CSPRNG. */
static PyObject *
module_rand_pseudo_bytes(PyObject *module, PyObject *arg)
{
    int n = PyLong_AsInt(arg);
    if (n == -1 && PyErr_Occurred()) {
        return NULL;
    }
    PyObject *bytes = rand_bytes(module, n);
    return bytes ? Py_BuildValue("NO", bytes, Py_True) : NULL;
}

static PyObject *
module_rand_add(PyObject *module, PyObject *args)
{
    Py_buffer view;
    double entropy;
    if (!PyArg_ParseTuple(args, "s*d:RAND_add", &view, &entropy)) {
        return NULL;
    }
    const char *buf = view.buf;
    Py_ssize_t left = view.len;
    Py_BEGIN_ALLOW_THREADS
    /* RAND_add takes an int length: feed large buffers in pieces. */
    do {
        int chunk = left > INT_MAX ? INT_MAX : (int)left;
        RAND_add(buf, chunk, entropy);
        buf += chunk;
        left -= chunk;
    } while (left > 0);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    Py_RETURN_NONE;
}

static PyObject *
module_rand_status(PyObject *module, PyObject *unused)
{
    return PyBool_FromLong(RAND_status());
}

/* ------------------------------------------------------------------------ */
/* ASN.1 objects                                                            */

/* (nid, shortname, longname, oid), as _ssl.txt2obj/nid2obj return. An OID
 * OpenSSL has no NID for is an unknown object, as in CPython. */
static PyObject *
asn1obj_tuple(pyssl_state *st, const ASN1_OBJECT *obj)
{
    int nid = OBJ_obj2nid(obj);
    if (nid == NID_undef) {
        PyErr_SetString(PyExc_ValueError, "Unknown object");
        return NULL;
    }
    return Py_BuildValue("iNNN", nid, pyssl_str_or_none(OBJ_nid2sn(nid)),
                         pyssl_str_or_none(OBJ_nid2ln(nid)),
                         pyssl_obj2txt(st, obj, 1));
}

static PyObject *
module_txt2obj(PyObject *module, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"txt", "name", NULL};
    const char *txt;
    int name = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "s|p:txt2obj", kwlist, &txt,
                                     &name)) {
        return NULL;
    }
    ASN1_OBJECT *obj = OBJ_txt2obj(txt, name ? 0 : 1);
    if (obj == NULL) {
        ERR_clear_error();
        PyErr_Format(PyExc_ValueError, "unknown object '%.100s'", txt);
        return NULL;
    }
    PyObject *res = asn1obj_tuple(pyssl_get_state(module), obj);
    ASN1_OBJECT_free(obj);
    return res;
}

static PyObject *
module_nid2obj(PyObject *module, PyObject *arg)
{
    int nid = PyLong_AsInt(arg);
    if (nid == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (nid < NID_undef) {
        PyErr_SetString(PyExc_ValueError, "NID must be positive.");
        return NULL;
    }
    ASN1_OBJECT *obj = OBJ_nid2obj(nid);
    if (obj == NULL) {
        ERR_clear_error();
        PyErr_Format(PyExc_ValueError, "unknown NID %i", nid);
        return NULL;
    }
    PyObject *res = asn1obj_tuple(pyssl_get_state(module), obj);
    ASN1_OBJECT_free(obj);
    return res;
}

/* ------------------------------------------------------------------------ */
/* Default verify paths                                                     */

static PyObject *
fs_str(const char *s)
{
    if (s == NULL) {
        Py_RETURN_NONE;
    }
    return PyUnicode_DecodeFSDefault(s);
}

static PyObject *
module_get_default_verify_paths(PyObject *module, PyObject *unused)
{
    return Py_BuildValue("NNNN", fs_str(X509_get_default_cert_file_env()),
                         fs_str(X509_get_default_cert_file()),
                         fs_str(X509_get_default_cert_dir_env()),
                         fs_str(X509_get_default_cert_dir()));
}

/* ------------------------------------------------------------------------ */

/* _ssl.get_sigalgs(): the signature algorithm names this OpenSSL can use
 * in TLS, from SSL_get1_builtin_sigalgs() (OpenSSL 3.4+, the same source
 * as CPython 3.15). Older OpenSSL has no public API for the full list
 * (SSL_get_sigalgs() only reports a peer's list after a handshake). */
static PyObject *
module_get_sigalgs(PyObject *module, PyObject *unused)
{
#ifdef PYSSL_HAS_BUILTIN_SIGALGS
    char *names = SSL_get1_builtin_sigalgs(NULL);
    PyObject *str, *sep, *list;
    if (names == NULL) {
        return PyErr_NoMemory();
    }
    if (names[0] == '\0') {
        OPENSSL_free(names);
        return PyList_New(0);
    }
    str = PyUnicode_DecodeFSDefault(names);
    OPENSSL_free(names);
    if (str == NULL) {
        return NULL;
    }
    sep = PyUnicode_FromString(":");
    list = sep ? PyUnicode_Split(str, sep, -1) : NULL;
    Py_XDECREF(sep);
    Py_DECREF(str);
    return list;
#else
    PyErr_SetString(PyExc_NotImplementedError,
                    "Getting signature algorithms requires OpenSSL 3.4 or "
                    "later.");
    return NULL;
#endif
}

static PyMethodDef module_methods[] = {
    {"RAND_add", module_rand_add, METH_VARARGS,
     "RAND_add($module, string, entropy, /)\n--\n\n"
     "Mix string into the OpenSSL PRNG state, entropy being a lower bound\n"
     "of the randomness it contains (see RFC 4086)."},
    {"RAND_bytes", module_rand_bytes, METH_O,
     "RAND_bytes($module, n, /)\n--\n\nGenerate n cryptographically strong "
     "pseudo-random bytes."},
    {"RAND_pseudo_bytes", module_rand_pseudo_bytes, METH_O,
     "RAND_pseudo_bytes($module, n, /)\n--\n\n"
     "Generate n pseudo-random bytes; returns (bytes, is_cryptographic),\n"
     "and is_cryptographic is always True (deprecated)."},
    {"RAND_status", module_rand_status, METH_NOARGS,
     "RAND_status($module, /)\n--\n\nTrue if the OpenSSL PRNG has been "
     "seeded with enough data."},
    {"txt2obj", (PyCFunction)(void (*)(void))module_txt2obj,
     METH_VARARGS | METH_KEYWORDS,
     "txt2obj($module, /, txt, name=False)\n--\n\n"
     "Look up an ASN.1 object by OID text (or by name if name is true);\n"
     "returns (nid, shortname, longname, oid)."},
    {"nid2obj", module_nid2obj, METH_O,
     "nid2obj($module, nid, /)\n--\n\nLook up an ASN.1 object by NID; "
     "returns (nid, shortname, longname, oid)."},
    {"get_default_verify_paths", module_get_default_verify_paths, METH_NOARGS,
     "get_default_verify_paths($module, /)\n--\n\n"
     "Return (cafile env var, cafile, capath env var, capath): the paths\n"
     "OpenSSL's default verification uses."},
    {"_test_decode_cert", pyssl_test_decode_cert, METH_O,
     "_test_decode_cert($module, path, /)\n--\n\n"
     "Decode the PEM certificate in the file at path into a dict."},
    {"get_sigalgs", module_get_sigalgs, METH_NOARGS,
     "get_sigalgs($module, /)\n--\n\n"
     "Return the names of the TLS signature algorithms OpenSSL supports."},
    {NULL, NULL, 0, NULL},
};

/* ------------------------------------------------------------------------ */
/* Constants                                                                */

typedef struct {
    const char *name;
    long value;
} int_constant;

#ifndef SSL_OP_NO_RENEGOTIATION
#  define SSL_OP_NO_RENEGOTIATION 0
#endif
#ifndef SSL_OP_IGNORE_UNEXPECTED_EOF
#  define SSL_OP_IGNORE_UNEXPECTED_EOF 0
#endif
#ifndef SSL_OP_ENABLE_KTLS
#  define SSL_OP_ENABLE_KTLS 0
#endif
#ifndef SSL_OP_ENABLE_MIDDLEBOX_COMPAT
#  define SSL_OP_ENABLE_MIDDLEBOX_COMPAT 0
#endif
#ifndef X509_V_FLAG_PARTIAL_CHAIN
#  define X509_V_FLAG_PARTIAL_CHAIN 0
#endif

static const int_constant int_constants[] = {
    /* SSLError.errno values */
    {"SSL_ERROR_ZERO_RETURN", PY_SSL_ERROR_ZERO_RETURN},
    {"SSL_ERROR_WANT_READ", PY_SSL_ERROR_WANT_READ},
    {"SSL_ERROR_WANT_WRITE", PY_SSL_ERROR_WANT_WRITE},
    {"SSL_ERROR_WANT_X509_LOOKUP", PY_SSL_ERROR_WANT_X509_LOOKUP},
    {"SSL_ERROR_SYSCALL", PY_SSL_ERROR_SYSCALL},
    {"SSL_ERROR_SSL", PY_SSL_ERROR_SSL},
    {"SSL_ERROR_WANT_CONNECT", PY_SSL_ERROR_WANT_CONNECT},
    {"SSL_ERROR_EOF", PY_SSL_ERROR_EOF},
    {"SSL_ERROR_INVALID_ERROR_CODE", PY_SSL_ERROR_INVALID_ERROR_CODE},
    /* verify_mode */
    {"CERT_NONE", PY_SSL_CERT_NONE},
    {"CERT_OPTIONAL", PY_SSL_CERT_OPTIONAL},
    {"CERT_REQUIRED", PY_SSL_CERT_REQUIRED},
    /* verify_flags */
    {"VERIFY_DEFAULT", 0},
    {"VERIFY_CRL_CHECK_LEAF", X509_V_FLAG_CRL_CHECK},
    {"VERIFY_CRL_CHECK_CHAIN",
     X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL},
    {"VERIFY_X509_STRICT", X509_V_FLAG_X509_STRICT},
    {"VERIFY_ALLOW_PROXY_CERTS", X509_V_FLAG_ALLOW_PROXY_CERTS},
    {"VERIFY_X509_TRUSTED_FIRST", X509_V_FLAG_TRUSTED_FIRST},
    {"VERIFY_X509_PARTIAL_CHAIN", X509_V_FLAG_PARTIAL_CHAIN},
    /* alerts */
    {"ALERT_DESCRIPTION_CLOSE_NOTIFY", SSL_AD_CLOSE_NOTIFY},
    {"ALERT_DESCRIPTION_UNEXPECTED_MESSAGE", SSL_AD_UNEXPECTED_MESSAGE},
    {"ALERT_DESCRIPTION_BAD_RECORD_MAC", SSL_AD_BAD_RECORD_MAC},
    {"ALERT_DESCRIPTION_RECORD_OVERFLOW", SSL_AD_RECORD_OVERFLOW},
    {"ALERT_DESCRIPTION_DECOMPRESSION_FAILURE", SSL_AD_DECOMPRESSION_FAILURE},
    {"ALERT_DESCRIPTION_HANDSHAKE_FAILURE", SSL_AD_HANDSHAKE_FAILURE},
    {"ALERT_DESCRIPTION_BAD_CERTIFICATE", SSL_AD_BAD_CERTIFICATE},
    {"ALERT_DESCRIPTION_UNSUPPORTED_CERTIFICATE",
     SSL_AD_UNSUPPORTED_CERTIFICATE},
    {"ALERT_DESCRIPTION_CERTIFICATE_REVOKED", SSL_AD_CERTIFICATE_REVOKED},
    {"ALERT_DESCRIPTION_CERTIFICATE_EXPIRED", SSL_AD_CERTIFICATE_EXPIRED},
    {"ALERT_DESCRIPTION_CERTIFICATE_UNKNOWN", SSL_AD_CERTIFICATE_UNKNOWN},
    {"ALERT_DESCRIPTION_ILLEGAL_PARAMETER", SSL_AD_ILLEGAL_PARAMETER},
    {"ALERT_DESCRIPTION_UNKNOWN_CA", SSL_AD_UNKNOWN_CA},
    {"ALERT_DESCRIPTION_ACCESS_DENIED", SSL_AD_ACCESS_DENIED},
    {"ALERT_DESCRIPTION_DECODE_ERROR", SSL_AD_DECODE_ERROR},
    {"ALERT_DESCRIPTION_DECRYPT_ERROR", SSL_AD_DECRYPT_ERROR},
    {"ALERT_DESCRIPTION_PROTOCOL_VERSION", SSL_AD_PROTOCOL_VERSION},
    {"ALERT_DESCRIPTION_INSUFFICIENT_SECURITY", SSL_AD_INSUFFICIENT_SECURITY},
    {"ALERT_DESCRIPTION_INTERNAL_ERROR", SSL_AD_INTERNAL_ERROR},
    {"ALERT_DESCRIPTION_USER_CANCELLED", SSL_AD_USER_CANCELLED},
    {"ALERT_DESCRIPTION_NO_RENEGOTIATION", SSL_AD_NO_RENEGOTIATION},
    {"ALERT_DESCRIPTION_UNSUPPORTED_EXTENSION", SSL_AD_UNSUPPORTED_EXTENSION},
    {"ALERT_DESCRIPTION_CERTIFICATE_UNOBTAINABLE",
     SSL_AD_CERTIFICATE_UNOBTAINABLE},
    {"ALERT_DESCRIPTION_UNRECOGNIZED_NAME", SSL_AD_UNRECOGNIZED_NAME},
    {"ALERT_DESCRIPTION_BAD_CERTIFICATE_STATUS_RESPONSE",
     SSL_AD_BAD_CERTIFICATE_STATUS_RESPONSE},
    {"ALERT_DESCRIPTION_BAD_CERTIFICATE_HASH_VALUE",
     SSL_AD_BAD_CERTIFICATE_HASH_VALUE},
    {"ALERT_DESCRIPTION_UNKNOWN_PSK_IDENTITY", SSL_AD_UNKNOWN_PSK_IDENTITY},
    /* PROTOCOL_* (SSLv2/SSLv3 methods are gone from OpenSSL) */
    {"PROTOCOL_SSLv23", PY_SSL_VERSION_TLS},
    {"PROTOCOL_TLS", PY_SSL_VERSION_TLS},
    {"PROTOCOL_TLS_CLIENT", PY_SSL_VERSION_TLS_CLIENT},
    {"PROTOCOL_TLS_SERVER", PY_SSL_VERSION_TLS_SERVER},
    {"PROTOCOL_TLSv1", PY_SSL_VERSION_TLS1},
    {"PROTOCOL_TLSv1_1", PY_SSL_VERSION_TLS1_1},
    {"PROTOCOL_TLSv1_2", PY_SSL_VERSION_TLS1_2},
    /* options */
    /* OP_ALL without the empty-fragment workaround, which breaks too much. */
    {"OP_ALL", (long)(SSL_OP_ALL & ~SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS)},
    {"OP_NO_SSLv2", (long)SSL_OP_NO_SSLv2},
    {"OP_NO_SSLv3", (long)SSL_OP_NO_SSLv3},
    {"OP_NO_TLSv1", (long)SSL_OP_NO_TLSv1},
    {"OP_NO_TLSv1_1", (long)SSL_OP_NO_TLSv1_1},
    {"OP_NO_TLSv1_2", (long)SSL_OP_NO_TLSv1_2},
    {"OP_NO_TLSv1_3", (long)SSL_OP_NO_TLSv1_3},
    {"OP_CIPHER_SERVER_PREFERENCE", (long)SSL_OP_CIPHER_SERVER_PREFERENCE},
    {"OP_SINGLE_DH_USE", (long)SSL_OP_SINGLE_DH_USE},
    {"OP_SINGLE_ECDH_USE", (long)SSL_OP_SINGLE_ECDH_USE},
    {"OP_NO_TICKET", (long)SSL_OP_NO_TICKET},
    {"OP_LEGACY_SERVER_CONNECT", (long)SSL_OP_LEGACY_SERVER_CONNECT},
    {"OP_NO_COMPRESSION", (long)SSL_OP_NO_COMPRESSION},
    {"OP_ENABLE_MIDDLEBOX_COMPAT", (long)SSL_OP_ENABLE_MIDDLEBOX_COMPAT},
    {"OP_NO_RENEGOTIATION", (long)SSL_OP_NO_RENEGOTIATION},
    {"OP_IGNORE_UNEXPECTED_EOF", (long)SSL_OP_IGNORE_UNEXPECTED_EOF},
    {"OP_ENABLE_KTLS", (long)SSL_OP_ENABLE_KTLS},
    /* hostname checks */
    {"HOSTFLAG_ALWAYS_CHECK_SUBJECT", X509_CHECK_FLAG_ALWAYS_CHECK_SUBJECT},
    {"HOSTFLAG_NEVER_CHECK_SUBJECT", X509_CHECK_FLAG_NEVER_CHECK_SUBJECT},
    {"HOSTFLAG_NO_WILDCARDS", X509_CHECK_FLAG_NO_WILDCARDS},
    {"HOSTFLAG_NO_PARTIAL_WILDCARDS", X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS},
    {"HOSTFLAG_MULTI_LABEL_WILDCARDS", X509_CHECK_FLAG_MULTI_LABEL_WILDCARDS},
    {"HOSTFLAG_SINGLE_LABEL_SUBDOMAINS",
     X509_CHECK_FLAG_SINGLE_LABEL_SUBDOMAINS},
    /* TLSVersion */
    {"PROTO_MINIMUM_SUPPORTED", PY_PROTO_MINIMUM_SUPPORTED},
    {"PROTO_MAXIMUM_SUPPORTED", PY_PROTO_MAXIMUM_SUPPORTED},
    {"PROTO_SSLv3", PY_PROTO_SSLv3},
    {"PROTO_TLSv1", PY_PROTO_TLSv1},
    {"PROTO_TLSv1_1", PY_PROTO_TLSv1_1},
    {"PROTO_TLSv1_2", PY_PROTO_TLSv1_2},
    {"PROTO_TLSv1_3", PY_PROTO_TLSv1_3},
    /* Certificate.public_bytes() */
    {"ENCODING_PEM", PY_SSL_ENCODING_PEM},
    {"ENCODING_DER", PY_SSL_ENCODING_DER},
    {NULL, 0},
};

#ifdef OPENSSL_NO_SSL3
#  define PYSSL_HAS_SSLv3 0
#else
#  define PYSSL_HAS_SSLv3 1
#endif
#ifdef OPENSSL_NO_TLS1
#  define PYSSL_HAS_TLSv1 0
#else
#  define PYSSL_HAS_TLSv1 1
#endif
#ifdef OPENSSL_NO_TLS1_1
#  define PYSSL_HAS_TLSv1_1 0
#else
#  define PYSSL_HAS_TLSv1_1 1
#endif
#ifdef OPENSSL_NO_TLS1_2
#  define PYSSL_HAS_TLSv1_2 0
#else
#  define PYSSL_HAS_TLSv1_2 1
#endif
#ifdef OPENSSL_NO_PSK
#  define PYSSL_HAS_PSK 0
#else
#  define PYSSL_HAS_PSK 1
#endif

static const int_constant bool_constants[] = {
    {"HAS_SNI", 1},
    {"HAS_TLS_UNIQUE", 1},
    {"HAS_ECDH", 1},
    {"HAS_NPN", 0}, /* NPN is gone from CPython since 3.10 */
    {"HAS_ALPN", 1},
    {"HAS_SSLv2", 0},
    {"HAS_SSLv3", PYSSL_HAS_SSLv3},
    {"HAS_TLSv1", PYSSL_HAS_TLSv1},
    {"HAS_TLSv1_1", PYSSL_HAS_TLSv1_1},
    {"HAS_TLSv1_2", PYSSL_HAS_TLSv1_2},
    {"HAS_TLSv1_3", 1},
    {"HAS_PSK", PYSSL_HAS_PSK},
    {"HAS_PSK_TLS13", PYSSL_HAS_PSK},
    {"HAS_PHA", 1},
    /* load_cert_chain(certdata=, keydata=) and load_pkcs12() */
    {"HAS_MEMORY_CREDENTIALS", PYSSL_HAS_MEMORY_CREDENTIALS},
    {"HAS_OCSP_STAPLING", 1}, /* ocsp.c; every supported OpenSSL has it */
    {NULL, 0},
};

/* (major, minor, fix, patch, status) from an OPENSSL_VERSION_NUMBER. */
static PyObject *
version_info(unsigned long v)
{
    unsigned int status = v & 0xF;
    unsigned int patch = (v >> 4) & 0xFF;
    unsigned int fix = (v >> 12) & 0xFF;
    unsigned int minor = (v >> 20) & 0xFF;
    unsigned int major = (v >> 28) & 0xFF;
    return Py_BuildValue("IIIII", major, minor, fix, patch, status);
}

static int
add_constants(PyObject *module)
{
    for (const int_constant *c = int_constants; c->name; c++) {
        if (PyModule_AddIntConstant(module, c->name, c->value) < 0) {
            return -1;
        }
    }
    for (const int_constant *c = bool_constants; c->name; c++) {
        if (PyModule_AddObjectRef(module, c->name,
                                  c->value ? Py_True : Py_False) < 0) {
            return -1;
        }
    }
    unsigned long libver = OpenSSL_version_num();
    PyObject *info = version_info(libver);
    PyObject *api = version_info(OPENSSL_VERSION_NUMBER);
    PyObject *num = PyLong_FromUnsignedLong(libver);
    int rc =
        (info && api && num &&
         PyModule_AddObjectRef(module, "OPENSSL_VERSION_INFO", info) == 0 &&
         PyModule_AddObjectRef(module, "_OPENSSL_API_VERSION", api) == 0 &&
         PyModule_AddObjectRef(module, "OPENSSL_VERSION_NUMBER", num) == 0)
            ? 0
            : -1;
    Py_XDECREF(info);
    Py_XDECREF(api);
    Py_XDECREF(num);
    if (rc < 0 ||
        PyModule_AddStringConstant(module, "OPENSSL_VERSION",
                                   OpenSSL_version(OPENSSL_VERSION)) < 0 ||
        PyModule_AddStringConstant(module, "_DEFAULT_CIPHERS",
                                   PY_SSL_DEFAULT_CIPHER_STRING) < 0) {
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Module lifecycle                                                         */

static int
import_socket_type(pyssl_state *st)
{
    PyObject *mod = PyImport_ImportModule("_socket");
    if (mod == NULL) {
        return -1;
    }
    PyObject *type = PyObject_GetAttrString(mod, "socket");
    Py_DECREF(mod);
    if (type == NULL) {
        return -1;
    }
    if (!PyType_Check(type)) {
        Py_DECREF(type);
        PyErr_SetString(PyExc_TypeError, "_socket.socket is not a type");
        return -1;
    }
    st->sock_type = (PyTypeObject *)type;
    /* socket.c calls these on every operation: looked up here once. */
    st->sock_fileno = PyObject_GetAttr(type, st->str_fileno);
    st->sock_gettimeout = PyObject_GetAttr(type, st->str_gettimeout);
    if (st->sock_fileno == NULL || st->sock_gettimeout == NULL) {
        return -1;
    }
    return 0;
}

static int
module_exec(PyObject *module)
{
    pyssl_state *st = pyssl_get_state(module);
#ifndef PYSSL_HAVE_MODULE_TYPES
    pyssl_legacy_state = st;
#endif
    if (!OPENSSL_init_ssl(0, NULL)) {
        PyErr_SetString(PyExc_ImportError, "OpenSSL failed to initialise");
        return -1;
    }
    st->str_fileno = PyUnicode_InternFromString("fileno");
    st->str_gettimeout = PyUnicode_InternFromString("gettimeout");
    if (st->str_fileno == NULL || st->str_gettimeout == NULL) {
        return -1;
    }
    st->keylog_lock = PyThread_allocate_lock();
    if (st->keylog_lock == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    if (import_socket_type(st) < 0 || pyssl_errors_init(module, st) < 0 ||
        pyssl_context_init(module, st) < 0 ||
        pyssl_socket_init(module, st) < 0 || pyssl_bio_init(module, st) < 0 ||
        pyssl_stdlib_bio_init(module, st) < 0 ||
        pyssl_aioproto_init(module, st) < 0 ||
        pyssl_session_init(module, st) < 0 ||
        pyssl_cert_init(module, st) < 0 ||
        PyModule_AddFunctions(module, pyssl_certgen_methods) < 0 ||
        PyModule_AddFunctions(module, pyssl_aioproto_functions) < 0 ||
        add_constants(module) < 0) {
        return -1;
    }
    return 0;
}

static int
module_traverse(PyObject *module, visitproc visit, void *arg)
{
    pyssl_state *st = pyssl_get_state(module);
    Py_VISIT(st->context_type);
    Py_VISIT(st->socket_type);
    Py_VISIT(st->sslobj_method_type);
    Py_VISIT(st->memorybio_type);
    Py_VISIT(st->shuttle_type);
    Py_VISIT(st->session_type);
    Py_VISIT(st->certificate_type);
    Py_VISIT(st->sock_type);
    Py_VISIT(st->SSLError);
    for (int i = 0; i < PYSSL_PLAIN_ERROR_SLOTS; i++) {
        Py_VISIT(st->plain_error_args[i].args);
    }
    Py_VISIT(st->SSLCertVerificationError);
    Py_VISIT(st->SSLZeroReturnError);
    Py_VISIT(st->SSLWantReadError);
    Py_VISIT(st->SSLWantWriteError);
    Py_VISIT(st->SSLSyscallError);
    Py_VISIT(st->SSLEOFError);
    Py_VISIT(st->err_codes_to_names);
    Py_VISIT(st->err_names_to_codes);
    Py_VISIT(st->lib_codes_to_names);
    Py_VISIT(st->sock_fileno);
    Py_VISIT(st->sock_gettimeout);
    return 0;
}

static int
module_clear(PyObject *module)
{
    pyssl_state *st = pyssl_get_state(module);
    Py_CLEAR(st->context_type);
    Py_CLEAR(st->socket_type);
    Py_CLEAR(st->sslobj_method_type);
    Py_CLEAR(st->memorybio_type);
    Py_CLEAR(st->shuttle_type);
    Py_CLEAR(st->session_type);
    Py_CLEAR(st->certificate_type);
    Py_CLEAR(st->sock_type);
    Py_CLEAR(st->SSLError);
    for (int i = 0; i < PYSSL_PLAIN_ERROR_SLOTS; i++) {
        Py_CLEAR(st->plain_error_args[i].args);
    }
    Py_CLEAR(st->SSLCertVerificationError);
    Py_CLEAR(st->SSLZeroReturnError);
    Py_CLEAR(st->SSLWantReadError);
    Py_CLEAR(st->SSLWantWriteError);
    Py_CLEAR(st->SSLSyscallError);
    Py_CLEAR(st->SSLEOFError);
    Py_CLEAR(st->err_codes_to_names);
    Py_CLEAR(st->err_names_to_codes);
    Py_CLEAR(st->lib_codes_to_names);
    Py_CLEAR(st->str_fileno);
    Py_CLEAR(st->str_gettimeout);
    Py_CLEAR(st->sock_fileno);
    Py_CLEAR(st->sock_gettimeout);
    for (int i = 0; i < PYSSL_AIO_NAMES; i++) {
        Py_CLEAR(st->aio_names[i]);
    }
    for (int i = 0; i < PYSSL_SHUTTLE_NAMES; i++) {
        Py_CLEAR(st->shuttle_names[i]);
    }
    return 0;
}

static void
module_free(void *module)
{
    pyssl_state *st = pyssl_get_state((PyObject *)module);
    module_clear((PyObject *)module);
    if (st->keylog_lock != NULL) {
        PyThread_free_lock(st->keylog_lock);
        st->keylog_lock = NULL;
    }
}

static PyModuleDef_Slot module_slots[] = {
    {Py_mod_exec, (void *)module_exec},
    PYSSL_MOD_GIL_SLOT{0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = PYSSL_MODULE_NAME,
    .m_doc = "Implementation module for SSL socket operations, over OpenSSL.",
    .m_size = sizeof(pyssl_state),
    .m_methods = module_methods,
    .m_slots = module_slots,
    .m_traverse = module_traverse,
    .m_clear = module_clear,
    .m_free = module_free,
};

/* Built with -fvisibility=hidden: the init function is the one symbol to
 * export, and 3.8's PyMODINIT_FUNC does not say so itself. */
#if defined(__GNUC__)
__attribute__((visibility("default")))
#endif
PyMODINIT_FUNC
PyInit__ssl(void)
{
    return PyModuleDef_Init(&module_def);
}
