/* certgen.c: throwaway certificates for `python -m pyssl selftest` and
 * `serve`, so neither needs anything beyond pyssl itself.
 *
 * _ssl._make_test_certs(hostname) -> (ca_pem, cert_pem, key_pem): a P-256
 * CA and a leaf it signed for hostname (a DNS name or an IP address), valid
 * from an hour ago for a day. Not part of CPython's _ssl.
 */
#include "pyssl.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

static EVP_PKEY *
new_p256_key(void)
{
    EVP_PKEY *key = NULL;
    EVP_PKEY_CTX *kctx = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, NULL);
    if (kctx != NULL && EVP_PKEY_keygen_init(kctx) == 1 &&
        EVP_PKEY_CTX_set_ec_paramgen_curve_nid(kctx, NID_X9_62_prime256v1) ==
            1) {
        EVP_PKEY_keygen(kctx, &key);
    }
    EVP_PKEY_CTX_free(kctx);
    return key;
}

static int
set_random_serial(X509 *x)
{
    BIGNUM *bn = BN_new();
    int ok = bn != NULL &&
             BN_rand(bn, 120, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) &&
             BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) != NULL;
    BN_free(bn);
    return ok;
}

static int
set_name(X509 *x, const char *cn)
{
    X509_NAME *name = X509_get_subject_name(x);
    return X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                      (const unsigned char *)"pyssl selftest",
                                      -1, -1, 0) &&
           X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                      (const unsigned char *)cn, -1, -1, 0);
}

static int
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, issuer, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    int ok = ext != NULL && X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    return ok;
}

/* A certificate for key, signed by issuer_key (issuer NULL: self-signed). */
static X509 *
new_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key)
{
    X509 *x = X509_new();
    if (x == NULL || !X509_set_version(x, 2) || !set_random_serial(x) ||
        !X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
        !X509_gmtime_adj(X509_getm_notAfter(x), 86400) ||
        !X509_set_pubkey(x, key) || !set_name(x, cn) ||
        !X509_set_issuer_name(x, X509_get_subject_name(issuer ? issuer : x))) {
        X509_free(x);
        return NULL;
    }
    return x;
}

static X509 *
make_ca(EVP_PKEY *key)
{
    X509 *x = new_cert(key, "pyssl selftest CA", NULL, key);
    if (x == NULL ||
        !add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE") ||
        !add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign") ||
        !add_ext(x, x, NID_subject_key_identifier, "hash") ||
        !X509_sign(x, key, EVP_sha256())) {
        X509_free(x);
        return NULL;
    }
    return x;
}

static X509 *
make_leaf(EVP_PKEY *key, const char *host, X509 *ca, EVP_PKEY *ca_key)
{
    ASN1_OCTET_STRING *ip = a2i_IPADDRESS(host);
    char san[300];
    ERR_clear_error();
    PyOS_snprintf(san, sizeof(san), "%s:%s", ip ? "IP" : "DNS", host);
    ASN1_OCTET_STRING_free(ip);
    X509 *x = new_cert(key, host, ca, ca_key);
    if (x == NULL ||
        !add_ext(x, ca, NID_basic_constraints, "critical,CA:FALSE") ||
        !add_ext(x, ca, NID_key_usage, "critical,digitalSignature") ||
        !add_ext(x, ca, NID_ext_key_usage, "serverAuth,clientAuth") ||
        !add_ext(x, ca, NID_subject_alt_name, san) ||
        !add_ext(x, ca, NID_authority_key_identifier, "keyid") ||
        !X509_sign(x, ca_key, EVP_sha256())) {
        X509_free(x);
        return NULL;
    }
    return x;
}

static int
cert_pem(BIO *bio, const void *cert)
{
    return PEM_write_bio_X509(bio, (X509 *)cert);
}

static int
key_pem(BIO *bio, const void *key)
{
    return PEM_write_bio_PrivateKey(bio, (EVP_PKEY *)key, NULL, NULL, 0, NULL,
                                    NULL);
}

static PyObject *
pem_triple(pyssl_state *st, X509 *ca, X509 *leaf, EVP_PKEY *key)
{
    const char *failure = "cannot write PEM";
    PyObject *ca_pem =
        pyssl_capture(st, cert_pem, ca, PYSSL_CAPTURE_TEXT, failure);
    PyObject *leaf_pem =
        ca_pem ? pyssl_capture(st, cert_pem, leaf, PYSSL_CAPTURE_TEXT, failure)
               : NULL;
    PyObject *key_text =
        leaf_pem ? pyssl_capture(st, key_pem, key, PYSSL_CAPTURE_TEXT, failure)
                 : NULL;
    if (key_text == NULL) {
        Py_XDECREF(ca_pem);
        Py_XDECREF(leaf_pem);
        return NULL;
    }
    return Py_BuildValue("NNN", ca_pem, leaf_pem, key_text);
}

static PyObject *
make_test_certs(PyObject *module, PyObject *arg)
{
    const char *host = PyUnicode_Check(arg) ? PyUnicode_AsUTF8(arg) : NULL;
    if (host == NULL) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_TypeError, "hostname must be a str");
        }
        return NULL;
    }
    if (host[0] == '\0' || strlen(host) > 253) {
        PyErr_SetString(PyExc_ValueError,
                        "hostname must be 1 to 253 characters");
        return NULL;
    }
    PyObject *res = NULL;
    X509 *ca = NULL, *leaf = NULL;
    EVP_PKEY *ca_key = NULL, *key = NULL;
    Py_BEGIN_ALLOW_THREADS
    ca_key = new_p256_key();
    key = new_p256_key();
    if (ca_key && key && (ca = make_ca(ca_key)) != NULL) {
        leaf = make_leaf(key, host, ca, ca_key);
    }
    Py_END_ALLOW_THREADS
    if (leaf != NULL) {
        res = pem_triple(pyssl_get_state(module), ca, leaf, key);
    }
    if (res == NULL && !PyErr_Occurred()) {
        PYSSL_SET_SSL_ERROR(pyssl_get_state(module),
                            "could not make a test certificate");
    }
    X509_free(ca);
    X509_free(leaf);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(key);
    return res;
}

PyMethodDef pyssl_certgen_methods[] = {
    {"_make_test_certs", make_test_certs, METH_O,
     "_make_test_certs($module, hostname, /)\n--\n\n"
     "Make a throwaway P-256 CA and a leaf certificate it signed for\n"
     "hostname; returns (ca_pem, cert_pem, key_pem). For selftest/serve."},
    {NULL, NULL, 0, NULL},
};
