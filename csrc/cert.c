/* cert.c: the Certificate type, and X509 -> the dict getpeercert() returns.
 *
 * The dict must be exactly what CPython's _ssl produces for the same
 * certificate (test_ssl compares literal dicts), so the formatting choices
 * below -- which OpenSSL printer, which separators, when a key is left out --
 * all follow CPython's observable output.
 */
#include "pyssl.h"

#include <stdio.h>
#include <string.h>

/* Not exported as a constant, but Certificate.public_bytes() accepts it as
 * CPython does: PEM with the trust settings ("TRUSTED CERTIFICATE"). */
#define PY_SSL_ENCODING_PEM_AUX (0x100 | PY_SSL_ENCODING_PEM)

/* ------------------------------------------------------------------------ */
/* Small helpers                                                            */

/* (tag, value) with value a new reference that may be NULL on error. */
static PyObject *
tagged(const char *tag, PyObject *value)
{
    if (value == NULL) {
        return NULL;
    }
    PyObject *pair = Py_BuildValue("(sO)", tag, value);
    Py_DECREF(value);
    return pair;
}

/* A list -> tuple, consuming the list. */
static PyObject *
list_to_tuple(PyObject *list)
{
    if (list == NULL) {
        return NULL;
    }
    PyObject *tuple = PyList_AsTuple(list);
    Py_DECREF(list);
    return tuple;
}

/* Append item (a new reference, may be NULL) to list; -1 on error. */
static int
append_new(PyObject *list, PyObject *item)
{
    if (item == NULL) {
        return -1;
    }
    int rc = PyList_Append(list, item);
    Py_DECREF(item);
    return rc;
}

/* d[key] = value unless value is None; consumes value (may be NULL). */
static int
set_unless_none(PyObject *dict, const char *key, PyObject *value)
{
    if (value == NULL) {
        return -1;
    }
    int rc = value == Py_None ? 0 : PyDict_SetItemString(dict, key, value);
    Py_DECREF(value);
    return rc;
}

/* The first line a printer wrote into bio, as str (without its newline,
 * which OpenSSL's printers used here never emit anyway). */
static PyObject *
bio_first_line(pyssl_state *st, BIO *bio)
{
    char buf[2048];
    buf[0] = '\0';
    int len = BIO_gets(bio, buf, sizeof(buf) - 1);
    if (len < 0) {
        return PYSSL_SET_SSL_ERROR(st, "cannot read from memory BIO");
    }
    return PyUnicode_FromStringAndSize(buf, len);
}

/* The whole content of a memory BIO, as bytes or (decoded) str. */
static PyObject *
bio_contents(BIO *bio, int as_text)
{
    char *data;
    long len = BIO_get_mem_data(bio, &data);
    if (len < 0) {
        len = 0;
    }
    if (as_text) {
        return PyUnicode_DecodeUTF8(data, len, "strict");
    }
    return PyBytes_FromStringAndSize(data, len);
}

/* A certificate's DER encoding as bytes (getpeercert(True),
 * get_ca_certs(True)); SSLError if OpenSSL cannot encode it. */
PyObject *
pyssl_cert_der(pyssl_state *st, X509 *cert)
{
    unsigned char *der = NULL;
    assert(cert != NULL);
    int len = i2d_X509(cert, &der);
    if (len < 0) {
        return PYSSL_SET_SSL_ERROR(st, "cannot encode certificate");
    }
    PyObject *res = PyBytes_FromStringAndSize((const char *)der, len);
    OPENSSL_free(der);
    return res;
}

/* What an OpenSSL printer writes, captured in a memory BIO: one place for
 * the BIO's life and its errors (cert.c had five copies, certgen.c one).
 * print returns > 0 on success; a failure raises SSLError(failure). */
PyObject *
pyssl_capture(pyssl_state *st, pyssl_printer print, const void *arg,
              enum pyssl_capture how, const char *failure)
{
    assert(print != NULL && arg != NULL); /* failure may be NULL */
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL) {
        return PYSSL_SET_SSL_ERROR(st, "failed to allocate BIO");
    }
    PyObject *res;
    if (print(bio, arg) <= 0) {
        res = PYSSL_SET_SSL_ERROR(st, failure);
    }
    else if (how == PYSSL_CAPTURE_LINE) {
        res = bio_first_line(st, bio);
    }
    else {
        res = bio_contents(bio, how == PYSSL_CAPTURE_TEXT);
    }
    BIO_free(bio);
    return res;
}

/* The printers of one value. Their own result is not checked, as CPython
 * does not: a malformed time or serial prints what OpenSSL managed. */
static int
time_printer(BIO *bio, const void *t)
{
    ASN1_TIME_print(bio, t);
    return 1;
}

static int
serial_printer(BIO *bio, const void *serial)
{
    i2a_ASN1_INTEGER(bio, serial);
    return 1;
}

static int
general_name_printer(BIO *bio, const void *gn)
{
    GENERAL_NAME_print(bio, (GENERAL_NAME *)gn);
    return 1;
}

/* Times as ASN1_TIME_print renders them: "Jan  5 09:34:43 2018 GMT". */
static PyObject *
print_time(pyssl_state *st, const ASN1_TIME *t)
{
    return pyssl_capture(st, time_printer, t, PYSSL_CAPTURE_LINE, NULL);
}

/* Serial numbers are rendered as OpenSSL's uppercase hex, no separators. */
static PyObject *
print_serial(pyssl_state *st, const ASN1_INTEGER *serial)
{
    return pyssl_capture(st, serial_printer, serial, PYSSL_CAPTURE_LINE, NULL);
}

/* ------------------------------------------------------------------------ */
/* Names                                                                    */

/* OBJ_obj2txt as a str: with no_name the dotted OID (None for an empty
 * one), without it the long name ("commonName") where OpenSSL has one.
 * A long OID gets a buffer that fits (CPython truncates at 255). For
 * certificate names and _ssl.txt2obj/nid2obj alike. */
PyObject *
pyssl_obj2txt(pyssl_state *st, const ASN1_OBJECT *obj, int no_name)
{
    char small[256];
    int len = OBJ_obj2txt(small, sizeof(small), obj, no_name);
    if (len < 0) {
        return PYSSL_SET_SSL_ERROR(st, "cannot render ASN.1 object");
    }
    if (len == 0 && no_name) {
        Py_RETURN_NONE;
    }
    if ((size_t)len < sizeof(small)) {
        return PyUnicode_FromStringAndSize(small, len);
    }
    char *big = PyMem_Malloc((size_t)len + 1);
    if (big == NULL) {
        return PyErr_NoMemory();
    }
    len = OBJ_obj2txt(big, len + 1, obj, no_name);
    PyObject *res = len < 0
                        ? PYSSL_SET_SSL_ERROR(st, "cannot render ASN.1 object")
                        : PyUnicode_FromStringAndSize(big, len);
    PyMem_Free(big);
    return res;
}

/* (name, value) for one name entry; the value as UTF-8 whatever its ASN.1
 * string type. */
static PyObject *
name_entry(pyssl_state *st, X509_NAME_ENTRY *entry)
{
    unsigned char *utf8 = NULL;
    int len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(entry));
    if (len < 0) {
        return PYSSL_SET_SSL_ERROR(st, "cannot decode name entry");
    }
    PyObject *name = pyssl_obj2txt(st, X509_NAME_ENTRY_get_object(entry), 0);
    PyObject *res = NULL;
    if (name != NULL) {
        res =
            Py_BuildValue("(Os#)", name, (const char *)utf8, (Py_ssize_t)len);
        Py_DECREF(name);
    }
    OPENSSL_free(utf8);
    return res;
}

/* The name as a tuple of RDNs, each a tuple of (name, value) pairs.
 * Entries sharing an X509_NAME_ENTRY_set() index form one (multi-valued)
 * RDN. */
static PyObject *
decode_name(pyssl_state *st, const X509_NAME *xname)
{
    PyObject *dn = PyList_New(0);
    PyObject *rdn = PyList_New(0);
    int count = X509_NAME_entry_count(xname);
    int level = -1;
    if (dn == NULL || rdn == NULL) {
        goto error;
    }
    for (int i = 0; i < count; i++) {
        X509_NAME_ENTRY *entry = X509_NAME_get_entry(xname, i);
        int set = X509_NAME_ENTRY_set(entry);
        if (level >= 0 && set != level) {
            PyObject *done = rdn;
            rdn = NULL;
            if (append_new(dn, list_to_tuple(done)) < 0 ||
                (rdn = PyList_New(0)) == NULL) {
                goto error;
            }
        }
        level = set;
        if (append_new(rdn, name_entry(st, entry)) < 0) {
            goto error;
        }
    }
    if (PyList_GET_SIZE(rdn) > 0) {
        PyObject *done = rdn;
        rdn = NULL;
        if (append_new(dn, list_to_tuple(done)) < 0) {
            goto error;
        }
    }
    Py_XDECREF(rdn);
    return list_to_tuple(dn);
error:
    Py_XDECREF(rdn);
    Py_XDECREF(dn);
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* subjectAltName                                                           */

static PyObject *
ia5_str(const ASN1_STRING *s)
{
    /* Taken with its length: embedded NULs must survive (CVE-2013-4238). */
    return PyUnicode_FromStringAndSize((const char *)ASN1_STRING_get0_data(s),
                                       ASN1_STRING_length(s));
}

static PyObject *
ip_address_str(const ASN1_OCTET_STRING *ip)
{
    const unsigned char *p = ASN1_STRING_get0_data(ip);
    int len = ASN1_STRING_length(ip);
    if (len == 4) {
        return PyUnicode_FromFormat("%d.%d.%d.%d", p[0], p[1], p[2], p[3]);
    }
    if (len == 16) {
        /* Eight uppercase groups, no zero compression, as CPython prints. */
        char buf[48];
        int n = 0;
        for (int g = 0; g < 8; g++) {
            n += snprintf(buf + n, sizeof(buf) - n, g ? ":%X" : "%X",
                          (unsigned int)(p[2 * g] << 8 | p[2 * g + 1]));
        }
        assert(n > 0 && n < (int)sizeof(buf)); /* 39 at most: no truncation */
        return PyUnicode_FromStringAndSize(buf, n);
    }
    return PyUnicode_FromString("<invalid>");
}

static PyObject *
registered_id_str(pyssl_state *st, const ASN1_OBJECT *rid)
{
    char buf[2048];
    int len = i2t_ASN1_OBJECT(buf, sizeof(buf) - 1, rid);
    if (len < 0) {
        return PYSSL_SET_SSL_ERROR(st, "cannot render registered ID");
    }
    if (len >= (int)sizeof(buf)) {
        return PyUnicode_FromString("<INVALID>");
    }
    return PyUnicode_FromStringAndSize(buf, len);
}

/* The other kinds (othername, X400, EDI party) as OpenSSL prints them,
 * "<kind>:<value>" split at the first colon. */
static PyObject *
printed_general_name(pyssl_state *st, GENERAL_NAME *gn)
{
    int type = gn->type;
    if (type != GEN_OTHERNAME && type != GEN_X400 && type != GEN_EDIPARTY &&
        PyErr_WarnFormat(PyExc_RuntimeWarning, 1,
                         "Unknown general name type %d", type) < 0) {
        return NULL;
    }
    PyObject *line =
        pyssl_capture(st, general_name_printer, gn, PYSSL_CAPTURE_LINE, NULL);
    if (line == NULL) {
        return NULL;
    }
    /* "othername:<unsupported>": (kind, value) split at the first colon */
    Py_ssize_t len = PyUnicode_GET_LENGTH(line);
    Py_ssize_t colon = PyUnicode_FindChar(line, ':', 0, len, 1);
    PyObject *res = NULL;
    if (colon == -1) {
        PyErr_Format(PyExc_ValueError, "Invalid value %.200U", line);
    }
    else if (colon >= 0) {
        res = Py_BuildValue("(NN)", PyUnicode_Substring(line, 0, colon),
                            PyUnicode_Substring(line, colon + 1, len));
    }
    Py_DECREF(line);
    return res;
}

static PyObject *
decode_general_name(pyssl_state *st, GENERAL_NAME *gn)
{
    switch (gn->type) {
    case GEN_DIRNAME:
        return tagged("DirName", decode_name(st, gn->d.dirn));
    case GEN_EMAIL:
        return tagged("email", ia5_str(gn->d.rfc822Name));
    case GEN_DNS:
        return tagged("DNS", ia5_str(gn->d.dNSName));
    case GEN_URI:
        return tagged("URI", ia5_str(gn->d.uniformResourceIdentifier));
    case GEN_RID:
        return tagged("Registered ID", registered_id_str(st, gn->d.rid));
    case GEN_IPADD:
        return tagged("IP Address", ip_address_str(gn->d.iPAddress));
    default:
        return printed_general_name(st, gn);
    }
}

/* Tuple of (type, value), or None without the extension. */
static PyObject *
decode_alt_names(pyssl_state *st, X509 *cert)
{
    GENERAL_NAMES *names =
        X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    if (names == NULL) {
        ERR_clear_error(); /* absent or unparsable: both mean "no SAN" */
        Py_RETURN_NONE;
    }
    PyObject *list = PyList_New(0);
    for (int i = 0; list != NULL && i < sk_GENERAL_NAME_num(names); i++) {
        GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);
        if (append_new(list, decode_general_name(st, gn)) < 0) {
            Py_CLEAR(list);
        }
    }
    GENERAL_NAMES_free(names);
    return list_to_tuple(list);
}

/* ------------------------------------------------------------------------ */
/* Authority information access, CRL distribution points                    */

/* A list of URIs -> tuple, or None when empty; consumes the list. */
static PyObject *
uris_or_none(PyObject *list)
{
    if (list == NULL) {
        return NULL;
    }
    if (PyList_GET_SIZE(list) == 0) {
        Py_DECREF(list);
        Py_RETURN_NONE;
    }
    return list_to_tuple(list);
}

/* URIs of the AIA entries whose method is nid (OCSP or caIssuers). */
static PyObject *
decode_aia(X509 *cert, int nid)
{
    AUTHORITY_INFO_ACCESS *info =
        X509_get_ext_d2i(cert, NID_info_access, NULL, NULL);
    if (info == NULL) {
        ERR_clear_error();
        Py_RETURN_NONE;
    }
    PyObject *list = PyList_New(0);
    for (int i = 0; list != NULL && i < sk_ACCESS_DESCRIPTION_num(info); i++) {
        ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(info, i);
        if (OBJ_obj2nid(ad->method) != nid || ad->location->type != GEN_URI) {
            continue;
        }
        if (append_new(list,
                       ia5_str(ad->location->d.uniformResourceIdentifier)) <
            0) {
            Py_CLEAR(list);
        }
    }
    AUTHORITY_INFO_ACCESS_free(info);
    return uris_or_none(list);
}

/* The URI full names of every distribution point. */
static PyObject *
decode_crl_dps(X509 *cert)
{
    STACK_OF(DIST_POINT) *dps =
        X509_get_ext_d2i(cert, NID_crl_distribution_points, NULL, NULL);
    if (dps == NULL) {
        ERR_clear_error();
        Py_RETURN_NONE;
    }
    PyObject *list = PyList_New(0);
    for (int i = 0; list != NULL && i < sk_DIST_POINT_num(dps); i++) {
        DIST_POINT *dp = sk_DIST_POINT_value(dps, i);
        if (dp->distpoint == NULL) {
            continue; /* an empty point is legal (CVE-2019-5010) */
        }
        GENERAL_NAMES *gns = dp->distpoint->name.fullname;
        for (int j = 0; list != NULL && j < sk_GENERAL_NAME_num(gns); j++) {
            GENERAL_NAME *gn = sk_GENERAL_NAME_value(gns, j);
            if (gn->type == GEN_URI &&
                append_new(list, ia5_str(gn->d.uniformResourceIdentifier)) <
                    0) {
                Py_CLEAR(list);
            }
        }
    }
    CRL_DIST_POINTS_free(dps);
    return uris_or_none(list);
}

/* ------------------------------------------------------------------------ */
/* The dict                                                                 */

PyObject *
pyssl_decode_certificate(pyssl_state *st, X509 *cert)
{
    assert(cert != NULL);
    PyObject *d = PyDict_New();
    if (d == NULL) {
        return NULL;
    }
    /* Keys in CPython's insertion order: repr() of the dict is compared. */
    if (set_unless_none(d, "subject",
                        decode_name(st, X509_get_subject_name(cert))) < 0 ||
        set_unless_none(d, "issuer",
                        decode_name(st, X509_get_issuer_name(cert))) < 0 ||
        set_unless_none(d, "version",
                        PyLong_FromLong(X509_get_version(cert) + 1)) < 0 ||
        set_unless_none(d, "serialNumber",
                        print_serial(st, X509_get_serialNumber(cert))) < 0 ||
        set_unless_none(d, "notBefore",
                        print_time(st, X509_get0_notBefore(cert))) < 0 ||
        set_unless_none(d, "notAfter",
                        print_time(st, X509_get0_notAfter(cert))) < 0 ||
        set_unless_none(d, "subjectAltName", decode_alt_names(st, cert)) < 0 ||
        set_unless_none(d, "OCSP", decode_aia(cert, NID_ad_OCSP)) < 0 ||
        set_unless_none(d, "caIssuers", decode_aia(cert, NID_ad_ca_issuers)) <
            0 ||
        set_unless_none(d, "crlDistributionPoints", decode_crl_dps(cert)) <
            0) {
        Py_DECREF(d);
        return NULL;
    }
    return d;
}

PyObject *
pyssl_test_decode_cert(PyObject *module, PyObject *path)
{
    pyssl_state *st = pyssl_get_state(module);
    PyObject *fspath = NULL;
    if (!PyUnicode_FSConverter(path, &fspath)) {
        return NULL;
    }
    PyObject *res = NULL;
    BIO *bio = BIO_new_file(PyBytes_AS_STRING(fspath), "r");
    if (bio == NULL) {
        ERR_clear_error();
        PyErr_SetString(st->SSLError, "Can't open file");
        goto done;
    }
    X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    if (x == NULL) {
        ERR_clear_error();
        PyErr_SetString(st->SSLError, "Error decoding PEM-encoded file");
        goto done;
    }
    res = pyssl_decode_certificate(st, x);
    X509_free(x);
done:
    Py_DECREF(fspath);
    return res;
}

/* ------------------------------------------------------------------------ */
/* The Certificate type                                                     */

static pyssl_state *
cert_state(PyObject *self)
{
    return pyssl_state_from_type(Py_TYPE(self));
}

PyObject *
pyssl_certificate_new(pyssl_state *st, X509 *cert)
{
    PyTypeObject *type = st->certificate_type;
    assert(cert != NULL);
    PySSLCertificate *self = (PySSLCertificate *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    X509_up_ref(cert);
    self->cert = cert;
    self->hash = -1;
    return (PyObject *)self;
}

PyObject *
pyssl_certificate_list(pyssl_state *st, STACK_OF(X509) * chain)
{
    if (chain == NULL) {
        Py_RETURN_NONE;
    }
    int n = sk_X509_num(chain);
    PyObject *list = PyList_New(n);
    if (list == NULL) {
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        PyObject *c = pyssl_certificate_new(st, sk_X509_value(chain, i));
        if (c == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, c);
    }
    return list;
}

/* Certificate printers for pyssl_capture (OpenSSL's 1 or count on success). */
static int
der_printer(BIO *bio, const void *cert)
{
    return i2d_X509_bio(bio, (X509 *)cert);
}

static int
pem_printer(BIO *bio, const void *cert)
{
    return PEM_write_bio_X509(bio, (X509 *)cert);
}

static int
pem_aux_printer(BIO *bio, const void *cert)
{
    return PEM_write_bio_X509_AUX(bio, (X509 *)cert);
}

/* An empty subject prints nothing and returns 0: that is success too. */
static int
rfc2253_printer(BIO *bio, const void *cert)
{
    return X509_NAME_print_ex(bio, X509_get_subject_name((X509 *)cert), 0,
                              XN_FLAG_RFC2253) >= 0;
}

static PyObject *
cert_public_bytes(PyObject *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"format", NULL};
    int format = PY_SSL_ENCODING_PEM;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|i:public_bytes", kwlist,
                                     &format)) {
        return NULL;
    }
    X509 *cert = ((PySSLCertificate *)self)->cert;
    pyssl_state *st = cert_state(self);
    if (format != PY_SSL_ENCODING_PEM && format != PY_SSL_ENCODING_DER &&
        format != PY_SSL_ENCODING_PEM_AUX) {
        PyErr_SetString(PyExc_ValueError, "Unsupported format");
        return NULL;
    }
    pyssl_printer print = format == PY_SSL_ENCODING_DER   ? der_printer
                          : format == PY_SSL_ENCODING_PEM ? pem_printer
                                                          : pem_aux_printer;
    return pyssl_capture(st, print, cert,
                         format == PY_SSL_ENCODING_DER ? PYSSL_CAPTURE_BYTES
                                                       : PYSSL_CAPTURE_TEXT,
                         "cannot encode certificate");
}

static PyObject *
cert_get_info(PyObject *self, PyObject *unused)
{
    return pyssl_decode_certificate(cert_state(self),
                                    ((PySSLCertificate *)self)->cert);
}

/* The subject in RFC 2253 form; non-ASCII is escaped, so ASCII decoding
 * cannot fail. */
static PyObject *
subject_rfc2253(pyssl_state *st, X509 *cert)
{
    return pyssl_capture(st, rfc2253_printer, cert, PYSSL_CAPTURE_TEXT,
                         "cannot print subject");
}

static PyObject *
cert_repr(PyObject *self)
{
    PyObject *subject =
        subject_rfc2253(cert_state(self), ((PySSLCertificate *)self)->cert);
    if (subject == NULL) {
        return NULL;
    }
    PyObject *res =
        PyUnicode_FromFormat("<%s '%U'>", Py_TYPE(self)->tp_name, subject);
    Py_DECREF(subject);
    return res;
}

static Py_hash_t
cert_hash(PyObject *self)
{
    PySSLCertificate *c = (PySSLCertificate *)self;
    if (c->hash == -1) {
        Py_hash_t h = (Py_hash_t)X509_subject_name_hash(c->cert);
        /* -1 means "error" to Python. */
        c->hash = h == -1 ? -2 : h;
    }
    return c->hash;
}

static PyObject *
cert_richcompare(PyObject *self, PyObject *other, int op)
{
    if (Py_TYPE(other) != cert_state(self)->certificate_type ||
        (op != Py_EQ && op != Py_NE)) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    int same = X509_cmp(((PySSLCertificate *)self)->cert,
                        ((PySSLCertificate *)other)->cert) == 0;
    return PyBool_FromLong(op == Py_EQ ? same : !same);
}

static void
cert_dealloc(PyObject *self)
{
    PyTypeObject *type = Py_TYPE(self);
    X509_free(((PySSLCertificate *)self)->cert);
    type->tp_free(self);
    Py_DECREF(type);
}

static PyMethodDef cert_methods[] = {
    {"public_bytes", (PyCFunction)(void (*)(void))cert_public_bytes,
     METH_VARARGS | METH_KEYWORDS,
     "public_bytes($self, /, format=Encoding.PEM)\n--\n\n"
     "The certificate encoded as PEM (str) or DER (bytes)."},
    {"get_info", cert_get_info, METH_NOARGS,
     "get_info($self, /)\n--\n\n"
     "The certificate decoded into a dict, as getpeercert() returns it."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot cert_slots[] = {
    {Py_tp_dealloc, (void *)cert_dealloc},
    {Py_tp_repr, (void *)cert_repr},
    {Py_tp_hash, (void *)cert_hash},
    {Py_tp_richcompare, (void *)cert_richcompare},
    {Py_tp_methods, cert_methods},
    {0, NULL},
};

static PyType_Spec cert_spec = {
    .name = PYSSL_TYPE_NAME("Certificate"),
    .basicsize = sizeof(PySSLCertificate),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_DISALLOW_INSTANTIATION |
             Py_TPFLAGS_IMMUTABLETYPE,
    .slots = cert_slots,
};

int
pyssl_cert_init(PyObject *module, pyssl_state *st)
{
    st->certificate_type = pyssl_new_type(module, &cert_spec);
    if (st->certificate_type == NULL) {
        return -1;
    }
    return PyModule_AddObjectRef(module, "Certificate",
                                 (PyObject *)st->certificate_type);
}
