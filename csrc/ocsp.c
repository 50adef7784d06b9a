/* ocsp.c: OCSP stapling (RFC 6066 status_request), client and server.
 * Not in CPython's _ssl (gh-88946); pyssl carries the stapled response as
 * DER bytes and leaves parsing and validating it to the caller (the README
 * shows how with cryptography's ocsp module).
 *
 *   _SSLContext.ocsp_request            client: ask servers for a staple
 *   _SSLContext.ocsp_response_callback  client: (conn, der or None) -> a
 *                                       false value other than None fails
 *                                       the handshake
 *   _SSLContext.ocsp_staple             server: DER bytes stapled to every
 *                                       handshake that asks, or None
 *   _SSLContext.ocsp_staple_callback    server: (conn) -> DER bytes or None,
 *                                       per connection; wins over ocsp_staple
 *   _SSLSocket.get_ocsp_response()      the DER response the peer stapled
 *                                       (client) or we stapled (server)
 *
 * OpenSSL has one status callback per SSL_CTX for both roles, and calls the
 * one of the context the connection started on (its session context), even
 * after an SNI callback moved it to another. So every context gets the
 * callback when it is made (pyssl_ocsp_setup), and the callback reads its
 * settings from the connection's current context: an SNI callback that
 * picks a certificate also picks its staple. Without any setting it answers
 * "no staple" at once, and OpenSSL calls it only when a status_request was
 * sent or received.
 *
 * The callback runs mid-handshake without the GIL (like servername_cb in
 * context.c); it reads the connection's context and the Python objects
 * that setters replace through pyssl_field_get, which on free-threaded
 * builds holds the owner's critical section. An exception from a user
 * callback is parked on the connection and raised by the handshake call
 * (as _msg_callback's are).
 */
#include "pyssl.h"

#include <openssl/ocsp.h>

/* Server side: the staple for this connection, as a new reference to a
 * bytes-like object, Py_None, or NULL with an exception. */
static PyObject *
staple_for(PySSLSocket *sslsock)
{
    PySSLContext *ctx = pyssl_socket_ctx(sslsock);
    PyObject *cb =
        pyssl_field_get((PyObject *)ctx, &ctx->ocsp_staple_callback);
    if (cb == NULL) {
        PyObject *der = pyssl_field_get((PyObject *)ctx, &ctx->ocsp_staple);
        Py_DECREF(ctx);
        return der ? der : Py_NewRef(Py_None);
    }
    Py_DECREF(ctx);
    PyObject *owner = pyssl_socket_owner_or_self(sslsock);
    PyObject *res =
        owner ? PyObject_CallFunctionObjArgs(cb, owner, NULL) : NULL;
    Py_XDECREF(owner);
    Py_DECREF(cb);
    if (res != NULL && res != Py_None && !PyObject_CheckBuffer(res)) {
        PyErr_Format(
            PyExc_TypeError,
            "ocsp_staple_callback must return bytes or None, not %.100s",
            Py_TYPE(res)->tp_name);
        Py_CLEAR(res);
    }
    return res;
}

/* Hands OpenSSL its own copy of the staple: SSL_set_tlsext_status_ocsp_resp
 * takes an OPENSSL_malloc'd buffer and frees it with the connection. */
static int
set_staple(SSL *s, PyObject *der)
{
    Py_buffer view;
    if (PyObject_GetBuffer(der, &view, PyBUF_SIMPLE) < 0) {
        return -1;
    }
    unsigned char *copy =
        view.len > 0 ? OPENSSL_malloc((size_t)view.len) : NULL;
    int ok = copy != NULL;
    if (ok) {
        memcpy(copy, view.buf, (size_t)view.len);
        ok = SSL_set_tlsext_status_ocsp_resp(s, copy, (long)view.len) == 1;
        if (!ok) {
            OPENSSL_free(copy);
        }
    }
    PyBuffer_Release(&view);
    if (!ok) {
        PyErr_SetString(view.len > 0 ? PyExc_MemoryError : PyExc_ValueError,
                        view.len > 0 ? "cannot store the OCSP staple"
                                     : "an OCSP staple cannot be empty");
        return -1;
    }
    return 0;
}

static int
server_status(SSL *s, PySSLSocket *sslsock)
{
    PyObject *der = staple_for(sslsock);
    if (der == NULL) {
        pyssl_park_exception(sslsock);
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    int ret = SSL_TLSEXT_ERR_NOACK;
    if (der != Py_None) {
        ret = SSL_TLSEXT_ERR_OK;
        if (set_staple(s, der) < 0) {
            pyssl_park_exception(sslsock);
            ret = SSL_TLSEXT_ERR_ALERT_FATAL;
        }
    }
    Py_DECREF(der);
    return ret;
}

/* The stapled response as bytes, or None when the peer sent none. */
static PyObject *
response_bytes(SSL *s)
{
    const unsigned char *p = NULL;
    long len = SSL_get_tlsext_status_ocsp_resp(s, &p);
    if (p == NULL || len <= 0) {
        Py_RETURN_NONE;
    }
    return PyBytes_FromStringAndSize((const char *)p, (Py_ssize_t)len);
}

/* Client side: 1 accepts, 0 fails the handshake with the
 * bad_certificate_status_response alert, -1 with internal_error. */
static int
client_status(SSL *s, PySSLSocket *sslsock)
{
    PySSLContext *ctx = pyssl_socket_ctx(sslsock);
    PyObject *cb =
        pyssl_field_get((PyObject *)ctx, &ctx->ocsp_response_callback);
    Py_DECREF(ctx);
    if (cb == NULL) {
        return 1;
    }
    PyObject *owner = pyssl_socket_owner_or_self(sslsock);
    PyObject *der = owner ? response_bytes(s) : NULL;
    PyObject *res =
        der ? PyObject_CallFunctionObjArgs(cb, owner, der, NULL) : NULL;
    Py_XDECREF(der);
    Py_XDECREF(owner);
    Py_DECREF(cb);
    int ret = 1;
    if (res == NULL) {
        pyssl_park_exception(sslsock);
        ret = -1;
    }
    else if (res != Py_None) {
        int truth = PyObject_IsTrue(res);
        if (truth < 0) {
            pyssl_park_exception(sslsock);
        }
        ret = truth > 0 ? 1 : truth == 0 ? 0 : -1;
    }
    Py_XDECREF(res);
    return ret;
}

static int
status_cb(SSL *s, void *arg)
{
    PySSLSocket *sslsock = SSL_get_app_data(s);
    if (sslsock == NULL) {
        /* Not one of ours yet: nothing configured can apply. */
        return SSL_is_server(s) ? SSL_TLSEXT_ERR_NOACK : 1;
    }
    PYSSL_ASSERT_IN_SSL_CALL(sslsock, s);
    PyGILState_STATE gil = PyGILState_Ensure();
    int ret = SSL_is_server(s) ? server_status(s, sslsock)
                               : client_status(s, sslsock);
    PyGILState_Release(gil);
    return ret;
}

void
pyssl_ocsp_setup(SSL_CTX *ctx)
{
    SSL_CTX_set_tlsext_status_cb(ctx, status_cb);
    SSL_CTX_set_tlsext_status_arg(ctx, NULL);
}

/* ------------------------------------------------------------------------ */
/* _SSLContext attributes                                                   */

PyObject *
pyssl_context_get_ocsp_request(PySSLContext *self, void *c)
{
    return PyBool_FromLong(SSL_CTX_get_tlsext_status_type(self->ctx) ==
                           TLSEXT_STATUSTYPE_ocsp);
}

int
pyssl_context_set_ocsp_request(PySSLContext *self, PyObject *arg, void *c)
{
    if (pyssl_no_delete(arg, "ocsp_request") < 0) {
        return -1;
    }
    int on = PyObject_IsTrue(arg);
    if (on < 0) {
        return -1;
    }
    if (on && self->protocol == PY_SSL_VERSION_TLS_SERVER) {
        PyErr_SetString(PyExc_ValueError,
                        "ocsp_request is for client contexts; servers staple "
                        "with ocsp_staple or ocsp_staple_callback");
        return -1;
    }
    /* Copied into each SSL by SSL_new: under the context lock, as every
     * SSL_CTX change (see context.c). -1 is OpenSSL's "nothing". */
    pyssl_context_lock(self);
    SSL_CTX_set_tlsext_status_type(self->ctx,
                                   on ? TLSEXT_STATUSTYPE_ocsp : -1);
    pyssl_context_unlock(self);
    return 0;
}

/* The three object attributes share one setter shape: None (or deletion
 * refused) clears, otherwise the check decides. */
static int
replace_attr(PySSLContext *self, PyObject **slot, PyObject *arg,
             const char *name, int callable)
{
    if (pyssl_no_delete(arg, name) < 0) {
        return -1;
    }
    if (arg != Py_None) {
        if (callable && !PyCallable_Check(arg)) {
            PyErr_Format(PyExc_TypeError, "%s must be callable or None", name);
            return -1;
        }
        if (!callable && !PyBytes_Check(arg)) {
            PyErr_Format(PyExc_TypeError,
                         "%s must be bytes or None, not %.100s", name,
                         Py_TYPE(arg)->tp_name);
            return -1;
        }
        if (!callable && PyBytes_GET_SIZE(arg) == 0) {
            PyErr_Format(PyExc_ValueError, "%s cannot be empty", name);
            return -1;
        }
    }
    Py_XDECREF(pyssl_field_swap((PyObject *)self, slot,
                                arg == Py_None ? NULL : Py_NewRef(arg)));
    return 0;
}

static int
server_only(PySSLContext *self, PyObject *arg, const char *name)
{
    if (arg != NULL && arg != Py_None &&
        self->protocol == PY_SSL_VERSION_TLS_CLIENT) {
        PyErr_Format(PyExc_ValueError,
                     "%s cannot be set on a TLS_CLIENT context", name);
        return -1;
    }
    return 0;
}

static PyObject *
get_or_none(PySSLContext *self, PyObject **field)
{
    PyObject *v = pyssl_field_get((PyObject *)self, field);
    return v ? v : Py_NewRef(Py_None);
}

PyObject *
pyssl_context_get_ocsp_response_callback(PySSLContext *self, void *c)
{
    return get_or_none(self, &self->ocsp_response_callback);
}

int
pyssl_context_set_ocsp_response_callback(PySSLContext *self, PyObject *arg,
                                         void *c)
{
    if (arg != NULL && arg != Py_None &&
        self->protocol == PY_SSL_VERSION_TLS_SERVER) {
        PyErr_SetString(
            PyExc_ValueError,
            "ocsp_response_callback cannot be set on a TLS_SERVER context");
        return -1;
    }
    return replace_attr(self, &self->ocsp_response_callback, arg,
                        "ocsp_response_callback", 1);
}

PyObject *
pyssl_context_get_ocsp_staple(PySSLContext *self, void *c)
{
    return get_or_none(self, &self->ocsp_staple);
}

int
pyssl_context_set_ocsp_staple(PySSLContext *self, PyObject *arg, void *c)
{
    if (server_only(self, arg, "ocsp_staple") < 0) {
        return -1;
    }
    return replace_attr(self, &self->ocsp_staple, arg, "ocsp_staple", 0);
}

PyObject *
pyssl_context_get_ocsp_staple_callback(PySSLContext *self, void *c)
{
    return get_or_none(self, &self->ocsp_staple_callback);
}

int
pyssl_context_set_ocsp_staple_callback(PySSLContext *self, PyObject *arg,
                                       void *c)
{
    if (server_only(self, arg, "ocsp_staple_callback") < 0) {
        return -1;
    }
    return replace_attr(self, &self->ocsp_staple_callback, arg,
                        "ocsp_staple_callback", 1);
}

/* ------------------------------------------------------------------------ */
/* _SSLSocket.get_ocsp_response()                                           */

/* Like the other getters of a handshake's results (selected ALPN, the
 * cipher): what the handshake stored, read after it (pyssl refuses
 * renegotiation, so nothing replaces it later). */
PyObject *
pyssl_socket_get_ocsp_response(PySSLSocket *self, PyObject *unused)
{
    return response_bytes(self->ssl);
}
