/* context_load.c: the _SSLContext methods that load what a context hands
 * to its connections from files or memory: load_cert_chain (with its
 * password argument), load_pkcs12, load_verify_locations (cafile, capath,
 * cadata), set_default_verify_paths and load_dh_params.
 *
 * Apart from context.c, as CPython keeps certificate code in _ssl/cert.c,
 * because loading is the one part of a context that parses untrusted
 * input at length and gives up the GIL to do it.  Everything is parsed
 * away from the live SSL_CTX first (a scratch SSL_CTX for a chain and key,
 * a STACK_OF(X509) for CA data, a bare key for DH parameters) and then
 * moved in, briefly, under the context lock, so that a connection made on
 * another thread meanwhile sees the old set or the new one, never half of
 * each: certificate rotation on a live server.  The password callback runs
 * Python code, so it only ever sees the scratch context, never the lock
 * (the rules are at the top of context.c).  The memory parsers are in
 * credentials.c; the shared, cached trust store in store.c.
 */
#include "pyssl.h"

#include <errno.h>
#include <string.h>

#ifdef PYSSL_OPENSSL_3
#  include <openssl/evp.h>
#else
#  include <openssl/dh.h>
#endif

/* ------------------------------------------------------------------------ */
/* Passwords for load_cert_chain and load_pkcs12                            */

/* What the password callback needs; lives on the loader's stack. */
typedef struct {
    PyThreadState *tstate; /* saved while OpenSSL runs without the GIL */
    PyObject *callable; /* borrowed, or NULL */
    char *password; /* PyMem copy, NUL-terminated; NULL: none */
    int size;
    int error; /* a Python exception is set */
} password_info;

/* Our copy of a password is key material too: wiped before it is freed. */
static void
password_clear(password_info *pw)
{
    if (pw->password != NULL) {
        OPENSSL_cleanse(pw->password, (size_t)pw->size);
        PyMem_Free(pw->password);
        pw->password = NULL;
    }
    pw->size = 0;
}

/* Stores a copy of password (str, bytes or bytearray) in pw. A str is
 * read as its UTF-8 form in place: no temporary bytes object holds it. */
static int
password_set(password_info *pw, PyObject *password, const char *type_error)
{
    const char *data;
    Py_ssize_t size;

    if (PyUnicode_Check(password)) {
        data = PyUnicode_AsUTF8AndSize(password, &size);
        if (data == NULL) {
            return -1;
        }
    }
    else if (PyBytes_Check(password)) {
        data = PyBytes_AS_STRING(password);
        size = PyBytes_GET_SIZE(password);
    }
    else if (PyByteArray_Check(password)) {
        data = PyByteArray_AS_STRING(password);
        size = PyByteArray_GET_SIZE(password);
    }
    else {
        PyErr_SetString(PyExc_TypeError, type_error);
        return -1;
    }
    if (size >= (Py_ssize_t)INT_MAX) {
        PyErr_Format(PyExc_ValueError,
                     "password cannot be longer than %d bytes", INT_MAX - 1);
        return -1;
    }
    password_clear(pw);
    pw->password = PyMem_Malloc((size_t)size + 1);
    if (pw->password == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    memcpy(pw->password, data, (size_t)size);
    pw->password[size] = '\0';
    pw->size = (int)size;
    return 0;
}

/* The password argument: None, a callable (asked when OpenSSL needs it),
 * or a str/bytes/bytearray copied now. */
static int
password_get(password_info *pw, PyObject *password)
{
    if (password == Py_None) {
        return 0;
    }
    if (PyCallable_Check(password)) {
        pw->callable = password;
        return 0;
    }
    return password_set(pw, password,
                        "password should be a string or callable");
}

/* pem_password_cb: runs while a loader has released the GIL, so it takes
 * the saved thread state back for the Python parts. No password at all
 * (the memory loaders pass this callback even then) fails the decryption
 * with OpenSSL's "bad password read" instead of prompting on a terminal. */
static int
password_cb(char *buf, int size, int rwflag, void *userdata)
{
    password_info *pw = userdata;
    PyObject *res;
    int ret = -1;

    /* Only the loaders that saved their thread state install this. */
    assert(pw != NULL && pw->tstate != NULL && buf != NULL && size >= 0);
    PYSSL_ASSERT_NO_GIL();
    PyEval_RestoreThread(pw->tstate);
    /* OpenSSL 3 may ask again after a failure: keep the first error. */
    if (pw->error) {
        goto done;
    }
    if (pw->callable != NULL) {
        res = PyObject_CallObject(pw->callable, NULL);
        if (res == NULL) {
            goto fail;
        }
        if (password_set(pw, res, "password callback must return a string") <
            0) {
            Py_DECREF(res);
            goto fail;
        }
        Py_DECREF(res);
    }
    if (pw->password == NULL) {
        goto done;
    }
    if (pw->size > size) {
        PyErr_Format(PyExc_ValueError,
                     "password cannot be longer than %d bytes", size);
        goto fail;
    }
    memcpy(buf, pw->password, (size_t)pw->size);
    ret = pw->size;
    goto done;
fail:
    pw->error = 1;
done:
    pw->tstate = PyEval_SaveThread();
    return ret;
}

/* The exception after a failed load: the password callback's own, an
 * OSError naming the file (path, if not NULL) that could not be opened,
 * or the SSLError from the queue. */
static void
raise_load_error(PySSLContext *self, password_info *pw, int err,
                 const char *path)
{
    if (pw != NULL && pw->error) {
        ERR_clear_error();
    }
    else if (err != 0) {
        ERR_clear_error();
        errno = err;
        if (path != NULL) {
            PyErr_SetFromErrnoWithFilename(PyExc_OSError, path);
        }
        else {
            PyErr_SetFromErrno(PyExc_OSError);
        }
    }
    else {
        PYSSL_SET_SSL_ERROR(self->state, "failed to load");
    }
}

/* filesystem path -> bytes (new reference), with CPython's message. */
static PyObject *
fspath_bytes(PyObject *path, const char *what)
{
    PyObject *bytes = NULL;
    if (!PyUnicode_FSConverter(path, &bytes)) {
        if (PyErr_ExceptionMatches(PyExc_TypeError)) {
            PyErr_Format(PyExc_TypeError,
                         "%s should be a valid filesystem path", what);
        }
        return NULL;
    }
    return bytes;
}

/* ------------------------------------------------------------------------ */
/* Where a certificate chain or key comes from: a file or memory            */

/* One of certfile/certdata (or keyfile/keydata). */
typedef struct {
    PyObject *path; /* bytes from fspath, or NULL */
    Py_buffer data; /* data.obj != NULL when given as data */
} cred_source;

/* certdata/keydata -> a view of the caller's memory, never a copy: a
 * bytes-like object through the buffer protocol (which also pins a
 * bytearray's size while OpenSSL reads it without the GIL), an ASCII str
 * through its own character data. */
static int
cred_data_get(PyObject *obj, const char *what, Py_buffer *view)
{
    if (PyUnicode_Check(obj)) {
        Py_ssize_t size;
        const char *text = PyUnicode_AsUTF8AndSize(obj, &size);
        if (text != NULL && size == PyUnicode_GET_LENGTH(obj)) {
            if (size > INT_MAX) { /* OpenSSL takes an int length */
                PyErr_Format(PyExc_OverflowError, "%s is too long", what);
                return -1;
            }
            return PyBuffer_FillInfo(view, obj, (void *)text, size, 1,
                                     PyBUF_SIMPLE);
        }
        PyErr_Clear();
    }
    else if (PyObject_CheckBuffer(obj)) {
        if (PyObject_GetBuffer(obj, view, PyBUF_SIMPLE) < 0) {
            return -1;
        }
        if (view->len > INT_MAX) {
            PyBuffer_Release(view);
            PyErr_Format(PyExc_OverflowError, "%s is too long", what);
            return -1;
        }
        return 0;
    }
    PyErr_Format(PyExc_TypeError,
                 "%s should be an ASCII string or a bytes-like object", what);
    return -1;
}

/* Fills src from the path or data argument: at most one of them; with
 * required, at least one. Returns 1 if one was given, 0 if none, -1. */
static int
cred_source_get(cred_source *src, PyObject *path, PyObject *data,
                const char *path_name, const char *data_name, int required)
{
    if (path != Py_None && data != Py_None) {
        PyErr_Format(PyExc_TypeError, "%s and %s cannot both be given",
                     path_name, data_name);
        return -1;
    }
    if (path != Py_None) {
        src->path = fspath_bytes(path, path_name);
        return src->path != NULL ? 1 : -1;
    }
    if (data != Py_None) {
        return cred_data_get(data, data_name, &src->data) < 0 ? -1 : 1;
    }
    if (required) {
        PyErr_Format(PyExc_TypeError, "%s or %s is required", path_name,
                     data_name);
        return -1;
    }
    return 0;
}

static void
cred_source_release(cred_source *src)
{
    Py_CLEAR(src->path);
    if (src->data.obj != NULL) {
        PyBuffer_Release(&src->data);
    }
}

/* ------------------------------------------------------------------------ */
/* load_cert_chain and load_pkcs12                                          */

/* A context to parse into, away from the live one: with the live one's
 * security level, so that the same certificates and keys pass or fail;
 * with the password callback for key files, which only ever sees this
 * one (the memory loaders hand it to OpenSSL themselves). NULL with an
 * exception set. */
static SSL_CTX *
scratch_context(PySSLContext *self, password_info *pw, int with_password)
{
    SSL_CTX *tmp;
    Py_BEGIN_ALLOW_THREADS
    tmp = SSL_CTX_new(TLS_method());
    Py_END_ALLOW_THREADS
    if (tmp == NULL) {
        PYSSL_SET_SSL_ERROR(self->state, "failed to allocate SSL context");
        return NULL;
    }
    SSL_CTX_set_security_level(tmp, SSL_CTX_get_security_level(self->ctx));
    if (with_password) {
        SSL_CTX_set_default_passwd_cb(tmp, password_cb);
        SSL_CTX_set_default_passwd_cb_userdata(tmp, pw);
    }
    return tmp;
}

/* The certificate chain (is_key 0) or the private key (1) from src into
 * the scratch context tmp, GIL released (key decryption and parsing are
 * expensive). The same SSL_CTX_use_* calls either way, so the same
 * errors. 0 or -1. */
static int
load_into_scratch(PySSLContext *self, SSL_CTX *tmp, password_info *pw,
                  cred_source *src, int is_key)
{
    const char *path = src->path ? PyBytes_AS_STRING(src->path) : NULL;
    const char *data = src->data.buf;
    assert((path != NULL) != (src->data.obj != NULL)); /* file or memory */
    assert(src->data.len <= INT_MAX); /* cred_data_get checked it */
    int len = (int)src->data.len;
    int r, err;

    errno = 0;
    pw->tstate = PyEval_SaveThread();
    if (path != NULL) {
        r = is_key ? SSL_CTX_use_PrivateKey_file(tmp, path, SSL_FILETYPE_PEM)
                   : SSL_CTX_use_certificate_chain_file(tmp, path);
    }
    else {
        r = is_key ? pyssl_cred_use_key(tmp, data, len, password_cb, pw)
                   : pyssl_cred_use_chain(tmp, data, len);
    }
    err = path != NULL ? errno : 0;
    PyEval_RestoreThread(pw->tstate);
    if (r != 1) {
        raise_load_error(self, pw, err, path);
        return -1;
    }
    return 0;
}

static int
check_key(PySSLContext *self, SSL_CTX *tmp)
{
    int r;
    Py_BEGIN_ALLOW_THREADS
    r = SSL_CTX_check_private_key(tmp);
    Py_END_ALLOW_THREADS
    if (r != 1) {
        PYSSL_SET_SSL_ERROR(self->state, "key values mismatch");
        return -1;
    }
    return 0;
}

/* Moves the certificate, key and chain tmp holds into the live context in
 * one step under the lock, so a handshake sees the old set or the new
 * one, never a mix. These calls only fail for lack of memory (the security
 * checks already passed at the same level in tmp). 0 or -1. */
static int
install_chain_and_key(PySSLContext *self, SSL_CTX *tmp)
{
    X509 *cert = SSL_CTX_get0_certificate(tmp);
    EVP_PKEY *key = SSL_CTX_get0_privatekey(tmp);
    STACK_OF(X509) *chain = NULL;
    int ok;

    if (cert == NULL || key == NULL ||
        !SSL_CTX_get0_chain_certs(tmp, &chain)) {
        PYSSL_RAISE_MSG(self->state, "failed to load");
        return -1;
    }
    pyssl_context_lock(self);
    /* Certificate first: it drops a key of its type that does not match
     * it, and the chain goes with the slot the certificate selects. */
    ok = SSL_CTX_use_certificate(self->ctx, cert) == 1 &&
         SSL_CTX_use_PrivateKey(self->ctx, key) == 1 &&
         SSL_CTX_set1_chain(self->ctx, chain) == 1;
    pyssl_context_unlock(self);
    if (!ok) {
        PYSSL_SET_SSL_ERROR(self->state, "cannot install the certificate");
        return -1;
    }
    return 0;
}

/* Chain, key, the check they match, then the swap into the live context;
 * the key comes from the chain's source when none of its own is given. */
static int
load_chain_and_key(PySSLContext *self, password_info *pw, int with_password,
                   cred_source *cert, cred_source *key)
{
    SSL_CTX *tmp = scratch_context(self, pw, with_password);
    int r;

    if (tmp == NULL) {
        return -1;
    }
    r = load_into_scratch(self, tmp, pw, cert, 0);
    if (r == 0) {
        r = load_into_scratch(self, tmp, pw, key, 1);
    }
    if (r == 0) {
        r = check_key(self, tmp);
    }
    if (r == 0) {
        r = install_chain_and_key(self, tmp);
    }
    /* tmp points at pw, which dies with the caller: tmp dies first. */
    SSL_CTX_free(tmp);
    return r;
}

PyObject *
pyssl_context_load_cert_chain(PySSLContext *self, PyObject *args,
                              PyObject *kwds)
{
    static char *kwlist[] = {"certfile", "keyfile", "password",
                             "certdata", "keydata", NULL};
    PyObject *certfile = Py_None, *keyfile = Py_None, *password = Py_None;
    PyObject *certdata = Py_None, *keydata = Py_None;
    cred_source cert = {NULL, {NULL}}, key = {NULL, {NULL}};
    password_info pw = {NULL, NULL, NULL, 0, 0};
    int r = -1, has_key = 0;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|OOO$OO:load_cert_chain",
                                     kwlist, &certfile, &keyfile, &password,
                                     &certdata, &keydata)) {
        return NULL;
    }
    ERR_clear_error();
    if (cred_source_get(&cert, certfile, certdata, "certfile", "certdata", 1) <
            0 ||
        (has_key = cred_source_get(&key, keyfile, keydata, "keyfile",
                                   "keydata", 0)) < 0 ||
        password_get(&pw, password) < 0) {
        goto done;
    }
    assert(cert.data.len <= INT_MAX);
    if (!has_key && cert.data.obj != NULL &&
        pyssl_cred_is_der(cert.data.buf, (int)cert.data.len)) {
        PyErr_SetString(PyExc_ValueError, "DER certdata holds no private key: "
                                          "give keydata or keyfile too");
        goto done;
    }
    r = load_chain_and_key(self, &pw, password != Py_None, &cert,
                           has_key ? &key : &cert);
done:
    password_clear(&pw);
    cred_source_release(&cert);
    cred_source_release(&key);
    if (r < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* load_pkcs12's password: PKCS12_parse wants it up front, so a callable is
 * asked now. A NUL would cut the C string short: refused. */
static int
pkcs12_password(password_info *pw, PyObject *password)
{
    int r;
    if (PyCallable_Check(password)) {
        PyObject *res = PyObject_CallObject(password, NULL);
        if (res == NULL) {
            return -1;
        }
        r = password_set(pw, res, "password callback must return a string");
        Py_DECREF(res);
    }
    else {
        r = password_get(pw, password);
    }
    if (r == 0 && pw->password != NULL &&
        memchr(pw->password, '\0', (size_t)pw->size) != NULL) {
        PyErr_SetString(PyExc_ValueError, "password must not contain NUL");
        return -1;
    }
    return r;
}

/* Parses the bundle into a scratch context (GIL released), checks the
 * key, and swaps the result in like load_cert_chain. 0 or -1. */
static int
load_pkcs12_data(PySSLContext *self, Py_buffer *view, const char *password)
{
    SSL_CTX *tmp = scratch_context(self, NULL, 0);
    int r;

    if (tmp == NULL) {
        return -1;
    }
    assert(view->len <= INT_MAX); /* the caller checked it */
    Py_BEGIN_ALLOW_THREADS
    r = pyssl_cred_use_pkcs12(tmp, view->buf, (int)view->len, password);
    Py_END_ALLOW_THREADS
    if (r == 1) {
        r = check_key(self, tmp) == 0 && install_chain_and_key(self, tmp) == 0;
    }
    else if (r == PYSSL_CRED_NO_CERT || r == PYSSL_CRED_NO_KEY) {
        PYSSL_RAISE_MSG(self->state,
                        r == PYSSL_CRED_NO_CERT
                            ? "PKCS#12 data holds no certificate"
                            : "PKCS#12 data holds no private key");
        r = 0;
    }
    else {
        PYSSL_SET_SSL_ERROR(self->state, "cannot load PKCS#12 data");
    }
    SSL_CTX_free(tmp);
    return r == 1 ? 0 : -1;
}

PyObject *
pyssl_context_load_pkcs12(PySSLContext *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"data", "password", NULL};
    PyObject *data, *password = Py_None;
    Py_buffer view = {NULL};
    password_info pw = {NULL, NULL, NULL, 0, 0};
    int r = -1;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|O:load_pkcs12", kwlist,
                                     &data, &password)) {
        return NULL;
    }
    ERR_clear_error();
    if (PyUnicode_Check(data) || !PyObject_CheckBuffer(data)) {
        PyErr_SetString(PyExc_TypeError,
                        "data should be a bytes-like object (DER PKCS#12)");
        return NULL;
    }
    if (PyObject_GetBuffer(data, &view, PyBUF_SIMPLE) < 0) {
        return NULL;
    }
    if (view.len > INT_MAX) {
        PyErr_SetString(PyExc_OverflowError, "data is too long");
    }
    else if (pkcs12_password(&pw, password) == 0) {
        r = load_pkcs12_data(self, &view, pw.password);
    }
    password_clear(&pw);
    PyBuffer_Release(&view);
    if (r < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------------------ */
/* load_verify_locations                                                    */

/* Did reading certificates stop at the clean end of the data? */
static int
at_clean_end(int filetype, int bio_eof)
{
    unsigned long err = ERR_peek_last_error();
    if (filetype == SSL_FILETYPE_ASN1) {
        return bio_eof;
    }
    return ERR_GET_LIB(err) == ERR_LIB_PEM &&
           ERR_GET_REASON(err) == PEM_R_NO_START_LINE;
}

/* Parses every certificate in data (PEM text or concatenated DER) into a
 * new stack, without touching the context. *parse_err: 0 if reading
 * stopped at the clean end of the data, else the OpenSSL error that
 * stopped it. NULL (exception set) only if out of memory. */
static STACK_OF(X509) * parse_ca_certs(PySSLContext *self, const char *data,
                                       int len, int filetype,
                                       unsigned long *parse_err)
{
    STACK_OF(X509) *certs = sk_X509_new_null();
    BIO *bio = certs != NULL ? BIO_new_mem_buf(data, len) : NULL;
    int bio_eof = 0;

    if (bio == NULL) {
        sk_X509_free(certs);
        PYSSL_SET_SSL_ERROR(self->state, "Can't allocate buffer");
        return NULL;
    }
    ERR_clear_error();
    for (;;) {
        X509 *cert;
        if (filetype == SSL_FILETYPE_ASN1 && BIO_eof(bio)) {
            bio_eof = 1;
            break;
        }
        cert = filetype == SSL_FILETYPE_ASN1
                   ? d2i_X509_bio(bio, NULL)
                   : PEM_read_bio_X509(bio, NULL, NULL, NULL);
        if (cert == NULL) {
            break;
        }
        if (!sk_X509_push(certs, cert)) {
            X509_free(cert);
            break;
        }
    }
    BIO_free(bio);
    *parse_err = at_clean_end(filetype, bio_eof) ? 0 : ERR_peek_last_error();
    ERR_clear_error();
    return certs;
}

/* Adds certs to the context's store, under the lock (the store may be
 * swapped for a private copy, store.c). A certificate already there is
 * not an error. NULL, or the message to raise with the OpenSSL error in
 * *err (0: none on the queue). */
static const char *
store_ca_certs(PySSLContext *self, STACK_OF(X509) * certs, unsigned long *err)
{
    const char *failed = NULL;
    X509_STORE *store;

    *err = 0;
    assert(certs != NULL);
    pyssl_context_lock(self);
    /* A store shared with other contexts (store.c) is copied first. */
    store = pyssl_store_for_write(self->ctx);
    if (store == NULL) {
        failed = "Can't allocate buffer";
        *err = ERR_peek_last_error();
    }
    for (int i = 0; store != NULL && i < sk_X509_num(certs); i++) {
        int ok = X509_STORE_add_cert(store, sk_X509_value(certs, i));
        if (!pyssl_store_add_ok(ok)) { /* a duplicate is fine */
            failed = "cannot load cadata";
            *err = ERR_peek_last_error();
            break;
        }
    }
    pyssl_context_unlock(self);
    return failed;
}

/* Adds every certificate in data to the store: parsed first, outside the
 * lock, then added under it. The certificates before a parse error are
 * added, and the error raised, as CPython does. 0 or -1. */
static int
add_ca_certs(PySSLContext *self, const char *data, Py_ssize_t len,
             int filetype)
{
    STACK_OF(X509) * certs;
    unsigned long parse_err, store_err = 0;
    const char *failed = NULL;
    int n;

    if (len <= 0) {
        PyErr_SetString(PyExc_ValueError, "Empty certificate data");
        return -1;
    }
    if (len > INT_MAX) {
        PyErr_SetString(PyExc_OverflowError, "Certificate data is too long.");
        return -1;
    }
    certs = parse_ca_certs(self, data, (int)len, filetype, &parse_err);
    if (certs == NULL) {
        return -1;
    }
    n = sk_X509_num(certs);
    if (n > 0) {
        failed = store_ca_certs(self, certs, &store_err);
    }
    sk_X509_pop_free(certs, X509_free);
    if (n == 0) {
        PYSSL_RAISE_MSG(
            self->state,
            filetype == SSL_FILETYPE_PEM
                ? "no start line: cadata does not contain a certificate"
                : "not enough data: cadata does not contain a certificate");
        return -1;
    }
    if (failed != NULL) {
        pyssl_set_ssl_error(self->state, failed, store_err, __FILE__,
                            __LINE__);
        return -1;
    }
    if (parse_err != 0) {
        pyssl_set_ssl_error(self->state, "cannot load cadata", parse_err,
                            __FILE__, __LINE__);
        return -1;
    }
    return 0;
}

/* cadata: str is PEM text (ASCII only), a bytes-like object DER. */
static int
load_cadata(PySSLContext *self, PyObject *cadata)
{
    int r;
    if (PyUnicode_Check(cadata)) {
        PyObject *ascii = PyUnicode_AsASCIIString(cadata);
        if (ascii == NULL) {
            if (PyErr_ExceptionMatches(PyExc_UnicodeEncodeError)) {
                goto invalid;
            }
            return -1;
        }
        r = add_ca_certs(self, PyBytes_AS_STRING(ascii),
                         PyBytes_GET_SIZE(ascii), SSL_FILETYPE_PEM);
        Py_DECREF(ascii);
        return r;
    }
    if (PyObject_CheckBuffer(cadata)) {
        Py_buffer view;
        if (PyObject_GetBuffer(cadata, &view, PyBUF_SIMPLE) < 0) {
            return -1;
        }
        r = add_ca_certs(self, view.buf, view.len, SSL_FILETYPE_ASN1);
        PyBuffer_Release(&view);
        return r;
    }
invalid:
    PyErr_Clear();
    PyErr_SetString(PyExc_TypeError,
                    "cadata should be an ASCII string or a bytes-like object");
    return -1;
}

/* cafile and/or capath, GIL released. OpenSSL also loads CRLs from cafile.
 * Under the lock: store.c may swap the context's store for a private copy,
 * and OpenSSL adds lookups to a store without locking it. */
static int
load_ca_paths(PySSLContext *self, PyObject *cafile_b, PyObject *capath_b)
{
    const char *cafile = cafile_b ? PyBytes_AS_STRING(cafile_b) : NULL;
    const char *capath = capath_b ? PyBytes_AS_STRING(capath_b) : NULL;
    int r, err;

    ERR_clear_error();
    Py_BEGIN_ALLOW_THREADS
    pyssl_context_lock_nogil(self);
    errno = 0;
    r = pyssl_store_load_locations(self->ctx, cafile, capath);
    err = errno;
    pyssl_context_unlock(self);
    Py_END_ALLOW_THREADS
    if (r != 1) {
        raise_load_error(self, NULL, err, NULL);
        return -1;
    }
    return 0;
}

PyObject *
pyssl_context_load_verify_locations(PySSLContext *self, PyObject *args,
                                    PyObject *kwds)
{
    static char *kwlist[] = {"cafile", "capath", "cadata", NULL};
    PyObject *cafile = Py_None, *capath = Py_None, *cadata = Py_None;
    PyObject *cafile_b = NULL, *capath_b = NULL;
    int r = -1;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|OOO:load_verify_locations",
                                     kwlist, &cafile, &capath, &cadata)) {
        return NULL;
    }
    if (cafile == Py_None && capath == Py_None && cadata == Py_None) {
        PyErr_SetString(PyExc_TypeError,
                        "cafile, capath and cadata cannot be all omitted");
        return NULL;
    }
    if (cafile != Py_None &&
        (cafile_b = fspath_bytes(cafile, "cafile")) == NULL) {
        goto done;
    }
    if (capath != Py_None &&
        (capath_b = fspath_bytes(capath, "capath")) == NULL) {
        goto done;
    }
    if (cadata != Py_None && load_cadata(self, cadata) < 0) {
        goto done;
    }
    r = (cafile_b || capath_b) ? load_ca_paths(self, cafile_b, capath_b) : 0;
done:
    Py_XDECREF(cafile_b);
    Py_XDECREF(capath_b);
    if (r < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

PyObject *
pyssl_context_set_default_verify_paths(PySSLContext *self, PyObject *unused)
{
    int r;
    Py_BEGIN_ALLOW_THREADS
    pyssl_context_lock_nogil(self); /* as load_ca_paths */
    r = pyssl_store_set_default_paths(self->ctx); /* cached, shared */
    pyssl_context_unlock(self);
    Py_END_ALLOW_THREADS
    if (r != 1) {
        return PYSSL_SET_SSL_ERROR(self->state,
                                   "cannot set default verify paths");
    }
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------------------ */
/* load_dh_params                                                           */

#ifdef PYSSL_OPENSSL_3
typedef EVP_PKEY dh_params;
#else
typedef DH dh_params;
#endif

/* Reads DH parameters from bio. NULL with the error on the queue. */
static dh_params *
read_dh_params(BIO *bio)
{
#ifdef PYSSL_OPENSSL_3
    /* The PEM block is read by hand, not through PEM_read_bio_Parameters:
     * that goes through OSSL_DECODER, whose errors would hide the PEM
     * NO_START_LINE users (and CPython's tests) expect for a wrong file. */
    unsigned char *der = NULL;
    const unsigned char *p;
    char *name = NULL;
    long len;
    EVP_PKEY *params;
    int type;

    if (!PEM_bytes_read_bio(&der, &len, &name, PEM_STRING_DHPARAMS, bio, NULL,
                            NULL)) {
        return NULL;
    }
    type =
        strcmp(name, PEM_STRING_DHXPARAMS) == 0 ? EVP_PKEY_DHX : EVP_PKEY_DH;
    p = der;
    params = d2i_KeyParams(type, NULL, &p, len);
    OPENSSL_free(der);
    OPENSSL_free(name);
    return params;
#else
    return PEM_read_bio_DHparams(bio, NULL, NULL, NULL);
#endif
}

/* Installs params (consumed either way) in the context. 1 on success. */
static int
install_dh_params(PySSLContext *self, dh_params *params)
{
    int ok;
    pyssl_context_lock_nogil(self);
#ifdef PYSSL_OPENSSL_3
    ok = SSL_CTX_set0_tmp_dh_pkey(self->ctx, params) == 1;
    if (!ok) {
        EVP_PKEY_free(params); /* only taken over on success */
    }
#else
    ok = SSL_CTX_set_tmp_dh(self->ctx, params) == 1;
    DH_free(params);
#endif
    pyssl_context_unlock(self);
    return ok;
}

PyObject *
pyssl_context_load_dh_params(PySSLContext *self, PyObject *path)
{
    PyObject *path_b;
    BIO *bio;
    dh_params *params = NULL;
    int ok = 0, err;

    if (!PyUnicode_FSConverter(path, &path_b)) {
        return NULL;
    }
    ERR_clear_error();
    Py_BEGIN_ALLOW_THREADS
    errno = 0;
    bio = BIO_new_file(PyBytes_AS_STRING(path_b), "r");
    err = errno;
    if (bio != NULL) {
        params = read_dh_params(bio);
        BIO_free(bio);
    }
    /* Parsed outside the lock; only the swap is under it. */
    if (params != NULL) {
        ok = install_dh_params(self, params);
    }
    Py_END_ALLOW_THREADS
    Py_DECREF(path_b);
    if (bio == NULL && err != 0) {
        ERR_clear_error();
        errno = err;
        return PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, path);
    }
    if (!ok) {
        return PYSSL_SET_SSL_ERROR(self->state, "cannot load DH parameters");
    }
    Py_RETURN_NONE;
}
