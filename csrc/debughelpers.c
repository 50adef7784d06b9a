/* debughelpers.c: _SSLContext._msg_callback and keylog_filename.
 *
 * Both hook OpenSSL callbacks that fire in the middle of a handshake, on
 * whatever thread runs it, usually with the GIL released: they take the GIL
 * themselves and park any Python exception on the socket, which the
 * interrupted method re-raises.
 */
#include "pyssl.h"

#include <errno.h>
#include <stdio.h>
#ifndef _WIN32
#  include <fcntl.h>
#  include <unistd.h>
#endif

/* ------------------------------------------------------------------------ */
/* _msg_callback                                                            */

/* What CPython reports as msg_type for a record of content_type: the first
 * byte of handshake messages and TLS 1.3 inner content types, the alert
 * description of alerts, a pseudo type for ChangeCipherSpec. */
#define PYSSL_MT_CHANGE_CIPHER_SPEC 0x0101

static int
message_type(int content_type, const unsigned char *buf, size_t len,
             int *version)
{
    switch (content_type) {
    case SSL3_RT_CHANGE_CIPHER_SPEC:
        return PYSSL_MT_CHANGE_CIPHER_SPEC;
    case SSL3_RT_ALERT:
        return len >= 2 ? buf[1] : -1;
    case SSL3_RT_HANDSHAKE:
        return len >= 1 ? buf[0] : -1;
#ifdef SSL3_RT_HEADER
    case SSL3_RT_HEADER:
        /* A record header: type, then the record's version in bytes 1-2. */
        if (len >= 3) {
            *version = buf[1] << 8 | buf[2];
        }
        return len >= 1 ? buf[0] : -1;
#endif
#ifdef SSL3_RT_INNER_CONTENT_TYPE
    case SSL3_RT_INNER_CONTENT_TYPE:
        return len >= 1 ? buf[0] : -1;
#endif
    default:
        return -1;
    }
}

void
pyssl_msg_callback(int write_p, int version, int content_type, const void *buf,
                   size_t len, SSL *ssl, void *arg)
{
    PySSLSocket *sslsock = (PySSLSocket *)SSL_get_app_data(ssl);
    if (sslsock == NULL) {
        return; /* before _SSLSocket is attached: nobody to report to */
    }
    PYSSL_ASSERT_IN_SSL_CALL(sslsock, ssl);
    PyGILState_STATE gil = PyGILState_Ensure();
    PySSLContext *ctx = pyssl_socket_ctx(sslsock);
    PyObject *cb = pyssl_field_get((PyObject *)ctx, &ctx->msg_callback);
    Py_DECREF(ctx);
    if (cb != NULL) {
        int msg_type = message_type(content_type, buf, len, &version);
        PyObject *owner = pyssl_socket_owner_or_self(sslsock);
        PyObject *res =
            owner == NULL
                ? NULL
                : PyObject_CallFunction(cb, "Osiiiy#", owner,
                                        write_p ? "write" : "read", version,
                                        content_type, msg_type,
                                        (const char *)buf, (Py_ssize_t)len);
        if (res == NULL) {
            pyssl_park_exception(sslsock);
        }
        Py_XDECREF(res);
        Py_XDECREF(owner);
        Py_DECREF(cb);
    }
    PyGILState_Release(gil);
}

PyObject *
pyssl_context_get_msg_callback(PySSLContext *self, void *c)
{
    PyObject *cb = pyssl_field_get((PyObject *)self, &self->msg_callback);
    return cb ? cb : Py_NewRef(Py_None);
}

int
pyssl_context_set_msg_callback(PySSLContext *self, PyObject *arg, void *c)
{
    if (arg == NULL) {
        PyErr_SetString(PyExc_AttributeError,
                        "_msg_callback cannot be deleted");
        return -1;
    }
    /* A refused value leaves the callback as it was. */
    if (arg != Py_None && !PyCallable_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "not a callable object");
        return -1;
    }
    PyObject *old;
    PYSSL_BEGIN_CS(self);
    old = self->msg_callback;
    self->msg_callback = arg == Py_None ? NULL : Py_NewRef(arg);
    SSL_CTX_set_msg_callback(self->ctx,
                             arg == Py_None ? NULL : pyssl_msg_callback);
    PYSSL_END_CS();
    Py_XDECREF(old);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* keylog_filename                                                          */

/* Append line to the context's key log. The BIO is only freed under
 * st->keylog_lock (keylog_swap), and the lock is only ever waited for with
 * the GIL released, so holding it while writing keeps the BIO alive without
 * risking a deadlock. */
static void
keylog_callback(const SSL *ssl, const char *line)
{
    PySSLSocket *sslsock = (PySSLSocket *)SSL_get_app_data(ssl);
    if (sslsock == NULL) {
        return;
    }
    PYSSL_ASSERT_IN_SSL_CALL(sslsock, ssl);
    PyGILState_STATE gil = PyGILState_Ensure();
    /* Held across the GIL releases below, whatever happens to sslsock. */
    PySSLContext *ctx = pyssl_socket_ctx(sslsock);
    PyThread_type_lock lock = ctx->state->keylog_lock;
    Py_BEGIN_ALLOW_THREADS
    PyThread_acquire_lock(lock, WAIT_LOCK);
    Py_END_ALLOW_THREADS
    /* The pair only changes under the lock (keylog_swap). */
    BIO *bio = ctx->keylog_bio;
    PyObject *name = Py_XNewRef(ctx->keylog_filename);
    int ok = 1, saved_errno = 0;
    if (bio != NULL) {
        Py_BEGIN_ALLOW_THREADS
        ok = BIO_printf(bio, "%s\n", line) >= 0;
        saved_errno = errno;
        (void)BIO_flush(bio);
        Py_END_ALLOW_THREADS
    }
    PyThread_release_lock(lock);
    if (!ok) {
        errno = saved_errno;
        PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, name);
        pyssl_park_exception(sslsock);
    }
    Py_XDECREF(name);
    Py_DECREF(ctx);
    PyGILState_Release(gil);
}

PyObject *
pyssl_context_get_keylog_filename(PySSLContext *self, void *c)
{
    PyObject *name = pyssl_field_get((PyObject *)self, &self->keylog_filename);
    return name ? name : Py_NewRef(Py_None);
}

/* Open path for appending, not inherited by child processes; raises
 * OSError with the filename on failure. */
static FILE *
open_for_append(PyObject *path)
{
    PyObject *bytes = NULL;
    if (!PyUnicode_FSConverter(path, &bytes)) {
        return NULL;
    }
    if (PySys_Audit("open", "Osi", path, "a", 0) < 0) {
        Py_DECREF(bytes);
        return NULL;
    }
    const char *name = PyBytes_AS_STRING(bytes);
    FILE *fp = NULL;
    int saved_errno = 0;
    Py_BEGIN_ALLOW_THREADS
#ifdef _WIN32
    fp = fopen(name, "a");
#else
    int fd = open(name, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);
    if (fd >= 0) {
        fp = fdopen(fd, "a");
        if (fp == NULL) {
            saved_errno = errno;
            close(fd);
            errno = saved_errno;
        }
    }
#endif
    saved_errno = errno;
    Py_END_ALLOW_THREADS
    if (fp == NULL) {
        errno = saved_errno;
        PyErr_SetFromErrnoWithFilenameObject(PyExc_OSError, path);
    }
    Py_DECREF(bytes);
    return fp;
}

/* Install bio and name (a new reference, or both NULL to stop logging)
 * and free the ones they replace.  The pair only changes under
 * st->keylog_lock, which keylog_callback holds while it writes, so the old
 * BIO is no longer in use once the lock is let go; the name changes in the
 * context's critical section too, for the getter.  The OpenSSL callback
 * stays installed and finds no BIO: OpenSSL tests the callback pointer and
 * then calls it without a lock, so clearing it while another thread
 * handshakes on this context could make that thread call NULL. */
static void
keylog_swap(PySSLContext *self, BIO *bio, PyObject *name)
{
    PyThread_type_lock lock = self->state->keylog_lock;
    BIO *old_bio;
    PyObject *old_name;
    PYSSL_BEGIN_CS(self);
    Py_BEGIN_ALLOW_THREADS
    PyThread_acquire_lock(lock, WAIT_LOCK);
    Py_END_ALLOW_THREADS
    old_bio = self->keylog_bio;
    old_name = self->keylog_filename;
    self->keylog_bio = bio;
    self->keylog_filename = name;
    PyThread_release_lock(lock);
    PYSSL_END_CS();
    if (old_bio != NULL) {
        Py_BEGIN_ALLOW_THREADS
        BIO_free_all(old_bio);
        Py_END_ALLOW_THREADS
    }
    Py_XDECREF(old_name);
}

int
pyssl_context_set_keylog_filename(PySSLContext *self, PyObject *arg, void *c)
{
    if (arg == NULL) {
        PyErr_SetString(PyExc_AttributeError,
                        "keylog_filename cannot be deleted");
        return -1;
    }
    /* As CPython: the old file is closed even if the new one fails. */
    keylog_swap(self, NULL, NULL);
    if (arg == Py_None) {
        return 0;
    }
    FILE *fp = open_for_append(arg);
    if (fp == NULL) {
        return -1;
    }
    BIO *bio = BIO_new_fp(fp, BIO_CLOSE | BIO_FP_TEXT);
    if (bio == NULL) {
        fclose(fp);
        ERR_clear_error();
        PyErr_SetString(self->state->SSLError,
                        "Can't malloc memory for keylog file");
        return -1;
    }
    /* A new, seekable file gets the NSS key log header (pipes do not). */
    Py_BEGIN_ALLOW_THREADS
    if (BIO_tell(bio) == 0) {
        BIO_puts(bio,
                 "# TLS secrets log file, generated by OpenSSL / Python\n");
        (void)BIO_flush(bio);
    }
    Py_END_ALLOW_THREADS
    keylog_swap(self, bio, Py_NewRef(arg));
    SSL_CTX_set_keylog_callback(self->ctx, keylog_callback);
    return 0;
}
