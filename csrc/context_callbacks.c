/* context_callbacks.c: what OpenSSL calls back into during a handshake on
 * an _SSLContext's connections, and the attributes that install it.
 *
 *   SNI   servername_cb runs sni_callback(sslsocket, name, context), which
 *         may move the connection to another context;
 *   ALPN  alpn_select_cb picks the server's protocol from the list
 *         _set_alpn_protocols stores (read under the context lock);
 *   PSK   psk_client_cb / psk_server_cb run the callables that
 *         set_psk_client_callback / set_psk_server_callback install.
 *
 * Apart from context.c, as CPython keeps its callbacks apart from the
 * context type, because these run with no Python frame of their own: in
 * OpenSSL, on whichever thread drives the handshake, with the GIL taken
 * back for the call and the connection lock held (socket.c).  An exception
 * a callable raises cannot cross OpenSSL: it is parked on the socket
 * (pyssl_park_exception), the handshake aborts with an alert, and the
 * method that called OpenSSL re-raises it.  The message callback and the
 * keylog file are in debughelpers.c, the OCSP status callback in ocsp.c.
 * The context lock's rules are at the top of context.c: no Python code
 * runs with it held, so each setter swaps the callable in under the lock
 * and releases the old one after unlocking.
 */
#include "pyssl.h"

#include <string.h>

/* ------------------------------------------------------------------------ */
/* SNI: sni_callback                                                        */

/* Calls sni_callback(sslsocket, servername, ctx) for the SSL s. Returns the
 * callback's result (new reference) or NULL with an exception set. */
static PyObject *
call_sni_callback(PySSLContext *self, PyObject *callback, SSL *s)
{
    PySSLSocket *sslsock = SSL_get_app_data(s);
    const char *name = SSL_get_servername(s, TLSEXT_NAMETYPE_host_name);
    PyObject *owner, *name_obj, *result;

    if (sslsock == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "SSL without its _SSLSocket");
        return NULL;
    }
    owner = pyssl_socket_owner_or_self(sslsock);
    if (owner == NULL) {
        return NULL;
    }
    /* The client sent the name as an IDNA A-label; it stays one (as
     * CPython does since bpo-28414), only as str. */
    name_obj =
        name ? PyUnicode_DecodeASCII(name, (Py_ssize_t)strlen(name), "strict")
             : Py_NewRef(Py_None);
    if (name_obj == NULL) {
        Py_DECREF(owner);
        return NULL;
    }
    result = PyObject_CallFunctionObjArgs(callback, owner, name_obj,
                                          (PyObject *)self, NULL);
    Py_DECREF(name_obj);
    Py_DECREF(owner);
    return result;
}

/* Whether the SSLSocket/SSLObject the connection was made for has been
 * collected.  Its callback must not get the bare _SSLSocket instead
 * (CPython gh-146080): the handshake fails as if the callback had. */
static int
owner_is_gone(SSL *s)
{
    PySSLSocket *sslsock = SSL_get_app_data(s);
    PyObject *owner, *ref;
    if (sslsock == NULL) {
        return 0;
    }
    ref = pyssl_field_get((PyObject *)sslsock, &sslsock->owner);
    if (ref == NULL) {
        return 0;
    }
    int rc = PyWeakref_GetRef(ref, &owner);
    Py_DECREF(ref);
    if (rc > 0) {
        Py_DECREF(owner);
        return 0;
    }
    PyErr_Clear();
    return 1;
}

/* SSL_CTX servername callback. Result None: go on; an int: abort with that
 * alert; an exception: reported as unraisable, handshake_failure alert. */
static int
servername_cb(SSL *s, int *al, void *arg)
{
    PySSLContext *self = arg;
    PyObject *callback, *result;
    int ret = SSL_TLSEXT_ERR_OK;
    assert(self != NULL); /* context_dealloc unhooks the callback first */
    assert(SSL_get_app_data(s) != NULL); /* new_sslsock sets it first */
    PYSSL_ASSERT_IN_SSL_CALL((PySSLSocket *)SSL_get_app_data(s), s);
    PyGILState_STATE gstate = PyGILState_Ensure();

    callback = pyssl_field_get((PyObject *)self, &self->sni_callback);
    if (callback == NULL) {
        /* Removed while the handshake was already under way. */
        PyGILState_Release(gstate);
        return SSL_TLSEXT_ERR_OK;
    }
    if (owner_is_gone(s)) {
        Py_DECREF(callback);
        PyGILState_Release(gstate);
        *al = SSL_AD_HANDSHAKE_FAILURE;
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    result = call_sni_callback(self, callback, s);
    if (result == NULL) {
        PyErr_WriteUnraisable(callback);
        *al = SSL_AD_HANDSHAKE_FAILURE;
        ret = SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    else if (result != Py_None) {
        *al = (int)PyLong_AsLong(result);
        if (PyErr_Occurred()) {
            PyErr_WriteUnraisable(result);
            *al = SSL_AD_INTERNAL_ERROR;
        }
        ret = SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    Py_XDECREF(result);
    Py_DECREF(callback);
    PyGILState_Release(gstate);
    return ret;
}

PyObject *
pyssl_context_get_sni_callback(PySSLContext *self, void *c)
{
    PyObject *cb = pyssl_field_get((PyObject *)self, &self->sni_callback);
    return cb ? cb : Py_NewRef(Py_None);
}

int
pyssl_context_set_sni_callback(PySSLContext *self, PyObject *arg, void *c)
{
    if (pyssl_no_delete(arg, "sni_callback") < 0) {
        return -1;
    }
    if (self->protocol == PY_SSL_VERSION_TLS_CLIENT) {
        PyErr_SetString(PyExc_ValueError,
                        "sni_callback cannot be set on TLS_CLIENT context");
        return -1;
    }
    if (arg != Py_None && !PyCallable_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "not a callable object");
        return -1;
    }
    PyObject *new_cb = arg == Py_None ? NULL : Py_NewRef(arg);
    PyObject *old_cb;
    PYSSL_BEGIN_CS(self);
    pyssl_context_lock(self);
    old_cb = self->sni_callback;
    self->sni_callback = new_cb;
    SSL_CTX_set_tlsext_servername_arg(self->ctx, self);
    if (new_cb != NULL) {
        SSL_CTX_set_tlsext_servername_callback(self->ctx, servername_cb);
    }
    else {
        SSL_CTX_set_tlsext_servername_callback(self->ctx, NULL);
    }
    pyssl_context_unlock(self);
    PYSSL_END_CS();
    /* Its finalizer may run Python code: only after unlocking. */
    Py_XDECREF(old_cb);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* ALPN                                                                     */

/* The first protocol of the wire-format list server that the list client
 * also has, as a pointer into client (which lives as long as the
 * handshake), or NULL. A malformed length ends a list. */
static const unsigned char *
alpn_pick(const unsigned char *server, unsigned int server_len,
          const unsigned char *client, unsigned int client_len)
{
    unsigned int i, j;
    for (i = 0; i < server_len && server[i] <= server_len - i - 1;
         i += 1u + server[i]) {
        for (j = 0; j < client_len && client[j] <= client_len - j - 1;
             j += 1u + client[j]) {
            if (server[i] != 0 && server[i] == client[j] &&
                memcmp(server + i + 1, client + j + 1, server[i]) == 0) {
                return client + j;
            }
        }
    }
    return NULL;
}

/* Server side: pick the first of our protocols the client also offers.
 * Runs mid-handshake without the GIL, while set_alpn_protocols may replace
 * our list: it is read under the context lock, and the answer points into
 * the client's list, not ours, since OpenSSL copies it only after we
 * return (and unlock). */
static int
alpn_select_cb(SSL *s, const unsigned char **out, unsigned char *outlen,
               const unsigned char *client, unsigned int client_len, void *arg)
{
    PySSLContext *self = arg;
    const unsigned char *pick = NULL;
    assert(self != NULL); /* context_dealloc unhooks the callback first */

    pyssl_context_lock_nogil(self);
    if (self->alpn_protocols != NULL && client != NULL) {
        pick = alpn_pick(self->alpn_protocols, self->alpn_protocols_len,
                         client, client_len);
    }
    pyssl_context_unlock(self);
    /* What OpenSSL copies out lies inside the client's list. */
    assert(pick == NULL ||
           (pick >= client && pick + 1 + pick[0] <= client + client_len));
    /* No overlap: carry on without ALPN rather than failing. */
    if (pick == NULL) {
        return SSL_TLSEXT_ERR_NOACK;
    }
    *out = pick + 1;
    *outlen = pick[0];
    return SSL_TLSEXT_ERR_OK;
}

PyObject *
pyssl_context_set_alpn_protocols(PySSLContext *self, PyObject *args)
{
    Py_buffer protos;
    unsigned char *copy, *old;
    unsigned int len;
    int failed;

    if (!PyArg_ParseTuple(args, "y*:_set_alpn_protocols", &protos)) {
        return NULL;
    }
    if ((size_t)protos.len > UINT_MAX) {
        PyBuffer_Release(&protos);
        PyErr_Format(PyExc_OverflowError, "protocols longer than %u bytes",
                     UINT_MAX);
        return NULL;
    }
    copy = PyMem_Malloc(protos.len ? (size_t)protos.len : 1);
    if (copy == NULL) {
        PyBuffer_Release(&protos);
        return PyErr_NoMemory();
    }
    memcpy(copy, protos.buf, (size_t)protos.len);
    len = (unsigned int)protos.len;
    PyBuffer_Release(&protos);

    /* Client contexts offer the list, server contexts select from it; a
     * PROTOCOL_TLS context may be either, so both are set. Note that
     * SSL_CTX_set_alpn_protos returns 0 on success. */
    pyssl_context_lock(self);
    old = self->alpn_protocols;
    self->alpn_protocols = copy;
    self->alpn_protocols_len = len;
    failed = SSL_CTX_set_alpn_protos(self->ctx, copy, len) != 0;
    SSL_CTX_set_alpn_select_cb(self->ctx, alpn_select_cb, self);
    pyssl_context_unlock(self);
    PyMem_Free(old);
    if (failed) {
        return PyErr_NoMemory();
    }
    Py_RETURN_NONE;
}

PyObject *
pyssl_context_set_npn_protocols(PySSLContext *self, PyObject *args)
{
    PyErr_SetString(PyExc_NotImplementedError,
                    "NPN is not supported (HAS_NPN is False); use ALPN");
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* PSK                                                                      */

#ifndef OPENSSL_NO_PSK
/* The context of the connection behind s, or NULL. */
static PyObject *
psk_callback(SSL *s, int server)
{
    PySSLSocket *sslsock = SSL_get_app_data(s);
    PYSSL_ASSERT_GIL();
    if (sslsock == NULL) {
        return NULL;
    }
    assert(sslsock->ssl == s && pyssl_socket_lock_held(sslsock));
    PySSLContext *ctx = pyssl_socket_ctx(sslsock);
    PyObject *cb =
        pyssl_field_get((PyObject *)ctx, server ? &ctx->psk_server_callback
                                                : &ctx->psk_client_callback);
    Py_DECREF(ctx);
    return cb;
}

/* A str from a NUL-terminated UTF-8 string, None for NULL or empty. */
static PyObject *
nonempty_str_or_none(const char *s)
{
    if (s == NULL || s[0] == '\0') {
        return Py_NewRef(Py_None);
    }
    return PyUnicode_DecodeUTF8(s, (Py_ssize_t)strlen(s), "strict");
}

/* Runs callback(hint) and copies identity and key out of its
 * (identity, psk) result. Returns the key length, 0 on failure (with a
 * Python exception set if Python raised). */
static unsigned int
psk_client_call(PyObject *callback, const char *hint, char *identity,
                unsigned int max_identity_len, unsigned char *psk,
                unsigned int max_psk_len)
{
    PyObject *hint_obj, *result;
    const char *id = NULL, *key;
    Py_ssize_t id_len = 0, key_len;
    unsigned int ret = 0;

    hint_obj = nonempty_str_or_none(hint);
    if (hint_obj == NULL) {
        /* A peer breaking the protocol with a non-UTF-8 hint: just fail. */
        PyErr_Clear();
        return 0;
    }
    result = PyObject_CallFunctionObjArgs(callback, hint_obj, NULL);
    Py_DECREF(hint_obj);
    if (result == NULL) {
        return 0;
    }
    if (!PyTuple_Check(result)) {
        /* PyArg_ParseTuple would call this a SystemError. */
        PyErr_Format(PyExc_TypeError,
                     "PSK client callback must return a tuple "
                     "(identity, psk), not %.200s",
                     Py_TYPE(result)->tp_name);
        goto done;
    }
    if (!PyArg_ParseTuple(result, "z#y#", &id, &id_len, &key, &key_len)) {
        goto done;
    }
    if ((size_t)id_len + 1 > max_identity_len ||
        (size_t)key_len > max_psk_len) {
        goto done; /* too long: the handshake fails */
    }
    if (id != NULL) {
        memcpy(identity, id, (size_t)id_len);
    }
    identity[id_len] = '\0';
    memcpy(psk, key, (size_t)key_len);
    ret = (unsigned int)key_len;
done:
    Py_DECREF(result);
    return ret;
}

static unsigned int
psk_client_cb(SSL *s, const char *hint, char *identity,
              unsigned int max_identity_len, unsigned char *psk,
              unsigned int max_psk_len)
{
    PYSSL_ASSERT_NO_GIL();
    PyGILState_STATE gstate = PyGILState_Ensure();
    PyObject *callback = psk_callback(s, 0); /* new reference */
    unsigned int ret = 0;

    if (callback != NULL) {
        ret = psk_client_call(callback, hint, identity, max_identity_len, psk,
                              max_psk_len);
        if (ret == 0 && PyErr_Occurred()) {
            PyErr_WriteUnraisable(callback);
        }
        Py_DECREF(callback);
    }
    PyGILState_Release(gstate);
    return ret;
}

/* Runs callback(identity) and copies the key it returns. */
static unsigned int
psk_server_call(PyObject *callback, const char *identity, unsigned char *psk,
                unsigned int max_psk_len)
{
    PyObject *id_obj, *result;
    char *key;
    Py_ssize_t key_len;
    unsigned int ret = 0;

    id_obj = nonempty_str_or_none(identity);
    if (id_obj == NULL) {
        PyErr_Clear();
        return 0;
    }
    result = PyObject_CallFunctionObjArgs(callback, id_obj, NULL);
    Py_DECREF(id_obj);
    if (result == NULL) {
        return 0;
    }
    if (PyBytes_AsStringAndSize(result, &key, &key_len) == 0 &&
        (size_t)key_len <= max_psk_len) {
        memcpy(psk, key, (size_t)key_len);
        ret = (unsigned int)key_len;
    }
    Py_DECREF(result);
    return ret;
}

static unsigned int
psk_server_cb(SSL *s, const char *identity, unsigned char *psk,
              unsigned int max_psk_len)
{
    PYSSL_ASSERT_NO_GIL();
    PyGILState_STATE gstate = PyGILState_Ensure();
    PyObject *callback = psk_callback(s, 1); /* new reference */
    unsigned int ret = 0;

    if (callback != NULL) {
        ret = psk_server_call(callback, identity, psk, max_psk_len);
        if (ret == 0 && PyErr_Occurred()) {
            PyErr_WriteUnraisable(callback);
        }
        Py_DECREF(callback);
    }
    PyGILState_Release(gstate);
    return ret;
}
/* callback -> new reference or NULL for None; -1 if not callable. */
static int
check_callback(PyObject *callback, PyObject **out)
{
    if (callback == Py_None) {
        *out = NULL;
        return 0;
    }
    if (!PyCallable_Check(callback)) {
        PyErr_SetString(PyExc_TypeError, "callback must be callable");
        return -1;
    }
    *out = Py_NewRef(callback);
    return 0;
}
#endif /* OPENSSL_NO_PSK */

PyObject *
pyssl_context_set_psk_client_callback(PySSLContext *self, PyObject *args,
                                      PyObject *kwds)
{
    static char *kwlist[] = {"callback", NULL};
    PyObject *callback;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O:set_psk_client_callback",
                                     kwlist, &callback)) {
        return NULL;
    }
#ifdef OPENSSL_NO_PSK
    PyErr_SetString(PyExc_NotImplementedError,
                    "TLS-PSK is not supported by your OpenSSL version.");
    return NULL;
#else
    if (self->protocol == PY_SSL_VERSION_TLS_SERVER) {
        return PYSSL_RAISE_MSG(self->state,
                               "Cannot add PSK client callback to a "
                               "PROTOCOL_TLS_SERVER context");
    }
    PyObject *cb;
    if (check_callback(callback, &cb) < 0) {
        return NULL;
    }
    PyObject *old;
    PYSSL_BEGIN_CS(self);
    pyssl_context_lock(self);
    old = self->psk_client_callback;
    self->psk_client_callback = cb;
    /* OpenSSL also runs this callback for TLS 1.3 (as an external PSK with
     * SHA-256) when no psk_use_session callback is set. */
    SSL_CTX_set_psk_client_callback(self->ctx, cb ? psk_client_cb : NULL);
    pyssl_context_unlock(self);
    PYSSL_END_CS();
    Py_XDECREF(old); /* may run Python code: not under the lock */
    Py_RETURN_NONE;
#endif
}

PyObject *
pyssl_context_set_psk_server_callback(PySSLContext *self, PyObject *args,
                                      PyObject *kwds)
{
    static char *kwlist[] = {"callback", "identity_hint", NULL};
    PyObject *callback;
    const char *hint = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O|z:set_psk_server_callback",
                                     kwlist, &callback, &hint)) {
        return NULL;
    }
#ifdef OPENSSL_NO_PSK
    PyErr_SetString(PyExc_NotImplementedError,
                    "TLS-PSK is not supported by your OpenSSL version.");
    return NULL;
#else
    if (self->protocol == PY_SSL_VERSION_TLS_CLIENT) {
        return PYSSL_RAISE_MSG(self->state,
                               "Cannot add PSK server callback to a "
                               "PROTOCOL_TLS_CLIENT context");
    }
    PyObject *cb;
    if (check_callback(callback, &cb) < 0) {
        return NULL;
    }
    PyObject *old = NULL;
    int ok;
    /* SSL_new copies the hint: replacing it frees the old one. */
    PYSSL_BEGIN_CS(self);
    pyssl_context_lock(self);
    ok = SSL_CTX_use_psk_identity_hint(self->ctx, hint) == 1;
    if (ok) {
        old = self->psk_server_callback;
        self->psk_server_callback = cb;
        SSL_CTX_set_psk_server_callback(self->ctx, cb ? psk_server_cb : NULL);
    }
    pyssl_context_unlock(self);
    PYSSL_END_CS();
    if (!ok) {
        Py_XDECREF(cb);
        ERR_clear_error();
        PyErr_SetString(PyExc_ValueError, "failed to set identity hint");
        return NULL;
    }
    Py_XDECREF(old); /* may run Python code: not under the lock */
    Py_RETURN_NONE;
#endif
}
