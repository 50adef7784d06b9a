/* credentials.c: a certificate chain and private key from memory, for
 * load_cert_chain(certdata=..., keydata=...) and load_pkcs12().
 *
 * OpenSSL has SSL_CTX_use_certificate_chain_file and
 * SSL_CTX_use_PrivateKey_file but no "from a buffer" twins; these are
 * those twins. Each fills a scratch SSL_CTX (context.c makes it and moves
 * the result into the live context under its lock), so it goes through
 * the same SSL_CTX_use_* calls, and security-level checks, as the file
 * loaders do, and fails with the same OpenSSL errors.
 *
 * Pure OpenSSL: no Python objects, called with the GIL released. The
 * data is read where the caller's buffer holds it (d2i_* on the pointer,
 * or a read-only memory BIO over it): pyssl makes no copy of key bytes.
 * What OpenSSL decodes or decrypts on the way it frees with
 * OPENSSL_clear_free itself (PEM and PKCS#8 key buffers).
 *
 * Format: data that starts with an ASN.1 SEQUENCE tag (0x30) is DER,
 * anything else PEM text; a PEM file never starts with that byte unless it
 * carries explanatory text that begins with "0" before its first block.
 */
#include "pyssl.h"

#include <openssl/pkcs12.h>

int
pyssl_cred_is_der(const char *data, int len)
{
    assert(len >= 0 && (data != NULL || len == 0));
    return len > 0 && (unsigned char)data[0] == 0x30;
}

/* Did a PEM read loop stop at the clean end of the data? */
static int
pem_at_clean_end(void)
{
    unsigned long err = ERR_peek_last_error();
    return ERR_GET_LIB(err) == ERR_LIB_PEM &&
           ERR_GET_REASON(err) == PEM_R_NO_START_LINE;
}

/* Certificates are never encrypted; a block that claims to be must fail,
 * not make OpenSSL's default callback prompt on the process's terminal. */
static int
no_password_cb(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

/* The leaf, then each further certificate as chain, as
 * SSL_CTX_use_certificate_chain_file reads a PEM file. */
static int
use_chain_pem(SSL_CTX *ctx, const char *data, int len)
{
    BIO *bio = BIO_new_mem_buf(data, len);
    X509 *cert;
    int ok = 0;

    if (bio == NULL) {
        return 0;
    }
    cert = PEM_read_bio_X509_AUX(bio, NULL, no_password_cb, NULL);
    if (cert == NULL) {
        goto done; /* empty or garbage: PEM's "no start line" */
    }
    ok = SSL_CTX_use_certificate(ctx, cert) == 1 &&
         SSL_CTX_clear_chain_certs(ctx) == 1;
    X509_free(cert);
    while (ok && (cert = PEM_read_bio_X509(bio, NULL, no_password_cb, NULL)) !=
                     NULL) {
        if (!SSL_CTX_add0_chain_cert(ctx, cert)) {
            X509_free(cert);
            ok = 0;
        }
    }
    if (ok) {
        /* Only running out of blocks ends the chain; a damaged block
         * after the leaf is an error, not a shorter chain. */
        ok = pem_at_clean_end();
        if (ok) {
            ERR_clear_error();
        }
    }
done:
    BIO_free(bio);
    return ok;
}

/* Concatenated DER certificates: the leaf first. */
static int
use_chain_der(SSL_CTX *ctx, const char *data, int len)
{
    const unsigned char *p = (const unsigned char *)data;
    const unsigned char *end = p + len;
    int first = 1;

    while (p < end) {
        X509 *cert = d2i_X509(NULL, &p, (long)(end - p));
        int ok;
        if (cert == NULL) {
            return 0;
        }
        if (first) {
            ok = SSL_CTX_use_certificate(ctx, cert) == 1 &&
                 SSL_CTX_clear_chain_certs(ctx) == 1;
            X509_free(cert);
            first = 0;
        }
        else {
            ok = SSL_CTX_add0_chain_cert(ctx, cert);
            if (!ok) {
                X509_free(cert);
            }
        }
        if (!ok) {
            return 0;
        }
    }
    return 1;
}

int
pyssl_cred_use_chain(SSL_CTX *ctx, const char *data, int len)
{
    PYSSL_ASSERT_NO_GIL();
    assert(ctx != NULL);
    if (pyssl_cred_is_der(data, len)) {
        return use_chain_der(ctx, data, len);
    }
    return use_chain_pem(ctx, data, len);
}

/* A DER key: an encrypted PKCS#8 (EncryptedPrivateKeyInfo, decrypted with
 * the password callback), else PKCS#8 or a traditional RSA/EC/DSA key. */
static EVP_PKEY *
key_der(const char *data, int len, pem_password_cb *cb, void *u)
{
    const unsigned char *p = (const unsigned char *)data;
    X509_SIG *sig = d2i_X509_SIG(NULL, &p, len);
    EVP_PKEY *key = NULL;

    if (sig != NULL) {
        BIO *bio = BIO_new_mem_buf(data, len);
        X509_SIG_free(sig);
        if (bio != NULL) {
            key = d2i_PKCS8PrivateKey_bio(bio, NULL, cb, u);
            BIO_free(bio);
        }
        return key;
    }
    ERR_clear_error();
    p = (const unsigned char *)data;
    return d2i_AutoPrivateKey(NULL, &p, len);
}

/* The first private key in PEM data, skipping certificate blocks (so a
 * combined "cert + key" PEM works as it does as a file). */
static EVP_PKEY *
key_pem(const char *data, int len, pem_password_cb *cb, void *u)
{
    BIO *bio = BIO_new_mem_buf(data, len);
    EVP_PKEY *key;

    if (bio == NULL) {
        return NULL;
    }
    key = PEM_read_bio_PrivateKey(bio, NULL, cb, u);
    BIO_free(bio);
#ifdef PYSSL_OPENSSL_3
    /* OpenSSL 3's decoders report data without any key block as their
     * own "unsupported"; 1.1.1 says PEM "no start line", as for a chain
     * without a certificate. One answer for "there is no key here". */
    if (key == NULL &&
        ERR_GET_LIB(ERR_peek_last_error()) == ERR_LIB_OSSL_DECODER &&
        ERR_GET_REASON(ERR_peek_last_error()) == ERR_R_UNSUPPORTED) {
        ERR_clear_error();
        ERR_raise(ERR_LIB_PEM, PEM_R_NO_START_LINE);
    }
#endif
    return key;
}

int
pyssl_cred_use_key(SSL_CTX *ctx, const char *data, int len,
                   pem_password_cb *cb, void *u)
{
    PYSSL_ASSERT_NO_GIL();
    assert(ctx != NULL && len >= 0 && (data != NULL || len == 0));
    EVP_PKEY *key = pyssl_cred_is_der(data, len) ? key_der(data, len, cb, u)
                                                 : key_pem(data, len, cb, u);
    int ok;

    if (key == NULL) {
        return 0;
    }
    ok = SSL_CTX_use_PrivateKey(ctx, key) == 1;
    EVP_PKEY_free(key); /* the context holds its own reference */
    return ok;
}

int
pyssl_cred_use_pkcs12(SSL_CTX *ctx, const char *data, int len,
                      const char *password)
{
    PYSSL_ASSERT_NO_GIL();
    assert(ctx != NULL && len >= 0 && (data != NULL || len == 0));
    const unsigned char *p = (const unsigned char *)data;
    PKCS12 *p12 = d2i_PKCS12(NULL, &p, len);
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    STACK_OF(X509) *chain = NULL;
    int r;

    if (p12 == NULL) {
        return 0;
    }
    /* Checks the MAC first: a wrong password is "mac verify failure". */
    r = PKCS12_parse(p12, password, &key, &cert, &chain);
    PKCS12_free(p12);
    if (!r) {
        return 0;
    }
    if (cert == NULL || key == NULL) {
        r = cert == NULL ? PYSSL_CRED_NO_CERT : PYSSL_CRED_NO_KEY;
    }
    else {
        r = SSL_CTX_use_certificate(ctx, cert) == 1 &&
            SSL_CTX_use_PrivateKey(ctx, key) == 1 &&
            SSL_CTX_set1_chain(ctx, chain) == 1;
    }
    EVP_PKEY_free(key);
    X509_free(cert);
    sk_X509_pop_free(chain, X509_free);
    return r;
}
