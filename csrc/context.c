/* context.c: _SSLContext, the wrapper of an SSL_CTX.
 *
 * A context holds everything connections share: protocol range, options,
 * verification settings, certificates and keys, and the Python callbacks
 * (SNI, PSK, ALPN selection) that OpenSSL calls during handshakes.
 *
 * Sections: the context lock; construction and lifetime; properties;
 * cipher, group and sigalg configuration; statistics and introspection;
 * type setup.  Loading certificates, keys, CA data and DH parameters is in
 * context_load.c; the handshake callbacks (SNI, ALPN, PSK) and their
 * setters are in context_callbacks.c; both follow the lock rules below.
 *
 * The context lock (self->lock)
 * -----------------------------
 * One context is shared by connections that other threads create and
 * hand-shake with the GIL released. SSL_new copies the context's cipher
 * lists, certificates and keys, groups, ALPN list, verify parameters and
 * options; the setters here free the old ones; the ALPN select callback
 * reads self->alpn_protocols mid-handshake. Without a lock that is a
 * use-after-free (issue 12). So:
 *  - a connection gets its own copy of what SSL_new would leave shared and
 *    the handshake would read from the context (the cipher list);
 *  - every change to the SSL_CTX, or to context data a handshake reads,
 *    happens with self->lock held;
 *  - SSL_new runs with it held (pyssl_context_new_ssl, called by socket.c
 *    and get_ciphers), as does alpn_select_cb while it reads the list.
 * Lock order: GIL -> connection lock (socket.c) -> context lock ->
 * OpenSSL's own locks (store.c's cache_lock, X509_STORE locks).
 *  - With the context lock held, a thread never waits for the GIL or a
 *    connection lock and runs no Python code: not even a Py_DECREF or an
 *    exception object, which could run a finalizer that uses this very
 *    context. Errors are raised, old objects released, after unlocking.
 *    So a holder always gets to its unlock.
 *  - With the GIL held the lock is only tried; if it is busy, the GIL is
 *    released for the wait, and the lock is not kept while the GIL is
 *    taken back (pyssl_context_lock). Callbacks that hold the GIL (SNI) may
 *    therefore call setters, and code that waits for the lock with the
 *    GIL held (a handshake run without releasing it) cannot deadlock.
 *  - Python callbacks never run under the lock: load_cert_chain's password
 *    callback runs while the files or data (credentials.c) are parsed
 *    into a scratch SSL_CTX, before the lock is taken; load_pkcs12 asks
 *    its callable before parsing; alpn_select_cb calls no Python.
 * Getters read under the GIL: writers that keep the GIL cannot run beside
 * them, and the loaders that give it up change only the store, the DH
 * parameters and (briefly, with the GIL) the certificates; the getters of
 * the store (get_ca_certs, cert_store_stats) take the lock too.
 * Free-threaded builds (compat.h, "Free-threading") have no GIL to lean
 * on: the Python objects setters replace (sni_callback, _msg_callback,
 * the PSK callbacks, keylog_filename) are swapped and read in the
 * context's critical section; the flags kept here (check_hostname, host
 * flags, post_handshake_auth) are relaxed atomics; the values getters
 * read from the SSL_CTX itself are plain integers, old or new, never
 * freed memory.
 */
#include "pyssl.h"

#include <string.h>

/* The session id context of server contexts, so they can resume sessions
 * of verified clients (OpenSSL refuses resumption without one then). */
#define PYSSL_SID_CTX "Python"

/* OpenSSL has no "lowest/highest available" version constant: work them out
 * from what this OpenSSL was built with. */
#if !defined(OPENSSL_NO_SSL3)
#  define PYSSL_MIN_AVAILABLE SSL3_VERSION
#elif !defined(OPENSSL_NO_TLS1)
#  define PYSSL_MIN_AVAILABLE TLS1_VERSION
#elif !defined(OPENSSL_NO_TLS1_1)
#  define PYSSL_MIN_AVAILABLE TLS1_1_VERSION
#else
#  define PYSSL_MIN_AVAILABLE TLS1_2_VERSION
#endif
#define PYSSL_MAX_AVAILABLE TLS1_3_VERSION

static void context_dealloc(PySSLContext *self);

/* ------------------------------------------------------------------------ */
/* The context lock                                                         */

/* Debug builds record the holder, for PYSSL_ASSERT_CTX_LOCKED (pyssl.h). */
static inline void
ctx_lock_note(PySSLContext *self, unsigned long who)
{
#ifndef NDEBUG
    PYSSL_STORE_FLAG(&self->lock_holder, who);
#else
    (void)self;
    (void)who;
#endif
}

/* Takes self->lock; the GIL must be held. Only ever tried with the GIL:
 * when it is busy, the wait for it to come free is done without the GIL,
 * and it is let go again before the GIL is taken back, since holding the
 * lock while waiting for the GIL would deadlock with a handshake callback
 * that waits for the lock with the GIL held. Then it is tried again. */
void
pyssl_context_lock(PySSLContext *self)
{
    PYSSL_ASSERT_GIL();
    while (!PyThread_acquire_lock(self->lock, NOWAIT_LOCK)) {
        Py_BEGIN_ALLOW_THREADS
        PyThread_acquire_lock(self->lock, WAIT_LOCK);
        PyThread_release_lock(self->lock);
        Py_END_ALLOW_THREADS
    }
    ctx_lock_note(self, PyThread_get_thread_ident());
}

/* Without the GIL nothing can wait on this thread: a plain wait. */
void
pyssl_context_lock_nogil(PySSLContext *self)
{
    PYSSL_ASSERT_NO_GIL();
    PyThread_acquire_lock(self->lock, WAIT_LOCK);
    ctx_lock_note(self, PyThread_get_thread_ident());
}

void
pyssl_context_unlock(PySSLContext *self)
{
    PYSSL_ASSERT_CTX_LOCKED(self); /* let go by the thread that took it */
    ctx_lock_note(self, 0);
    PyThread_release_lock(self->lock);
}

/* SSL_new copies most of the context, but shares its cipher list (TLS 1.2
 * and 1.3 suites in one): the connection reads the context's list live
 * during its handshake, long after the lock is released, and set_ciphers
 * and set_ciphersuites free it. SSL_set_ciphersuites with the context's
 * own TLS 1.3 suites gives the connection a private copy of the whole
 * list for a few microseconds (re-parsing the cipher string with
 * SSL_set_cipher_list would cost ~45). Context lock held. 1 on success. */
static int
own_cipher_lists(PySSLContext *ctx, SSL *ssl)
{
    STACK_OF(SSL_CIPHER) *all = SSL_get_ciphers(ssl);
    char names[1024];
    size_t used = 0;

    PYSSL_ASSERT_CTX_LOCKED(ctx);
    (void)ctx;

    if (all == NULL) {
        return 1; /* no list to share */
    }
    names[0] = '\0';
    /* OpenSSL keeps the TLS 1.3 suites at the front of the list. */
    for (int i = 0; i < sk_SSL_CIPHER_num(all); i++) {
        const SSL_CIPHER *c = sk_SSL_CIPHER_value(all, i);
        const char *name = SSL_CIPHER_get_name(c);
        size_t len = strlen(name);
        if (strcmp(SSL_CIPHER_get_version(c), "TLSv1.3") != 0) {
            break;
        }
        if (used + len + 2 > sizeof(names)) {
            return 0;
        }
        if (used > 0) {
            names[used++] = ':';
        }
        memcpy(names + used, name, len + 1);
        used += len;
    }
    return SSL_set_ciphersuites(ssl, names);
}

SSL *
pyssl_context_new_ssl(PySSLContext *ctx)
{
    SSL *ssl;
    assert(ctx->ctx != NULL);
    pyssl_context_lock_nogil(ctx);
    ssl = SSL_new(ctx->ctx);
    if (ssl != NULL && !own_cipher_lists(ctx, ssl)) {
        SSL_free(ssl);
        ssl = NULL;
    }
    pyssl_context_unlock(ctx);
    return ssl;
}

int
pyssl_context_move_ssl(PySSLContext *ctx, SSL *ssl)
{
    SSL_CTX *moved;
    assert(ssl != NULL && ctx->ctx != NULL);
    pyssl_context_lock(ctx);
    /* Copies the certificates and session id context, like SSL_new. */
    moved = SSL_set_SSL_CTX(ssl, ctx->ctx);
    pyssl_context_unlock(ctx);
    return moved != NULL;
}

/* ------------------------------------------------------------------------ */
/* Small helpers                                                            */

/* DeprecationWarning with the stack level CPython uses for these. */
static int
warn_deprecated(const char *msg)
{
    return PyErr_WarnEx(PyExc_DeprecationWarning, msg, 2);
}

/* Module state of `type`, or of the _SSLContext it derives from: Python
 * subclasses (ssl.SSLContext) carry no module of their own. */
static pyssl_state *
state_of_context_type(PyTypeObject *type)
{
    PyTypeObject *t = type;
    while (t != NULL && t->tp_dealloc != (destructor)context_dealloc) {
        t = t->tp_base;
    }
    if (t == NULL) {
        PyErr_SetString(PyExc_TypeError, "not an _SSLContext type");
        return NULL;
    }
    return pyssl_state_from_type(t);
}

/* Is this context pinned to one protocol version (PROTOCOL_TLSv1...)? */
static int
is_fixed_version(PySSLContext *self)
{
    return self->protocol != PY_SSL_VERSION_TLS &&
           self->protocol != PY_SSL_VERSION_TLS_CLIENT &&
           self->protocol != PY_SSL_VERSION_TLS_SERVER;
}

/* ------------------------------------------------------------------------ */
/* verify_mode                                                              */

/* ssl.CERT_* -> OpenSSL verify mode bits; -1 with ValueError if invalid. */
static int
verify_mode_bits(int n)
{
    switch (n) {
    case PY_SSL_CERT_NONE:
        return SSL_VERIFY_NONE;
    case PY_SSL_CERT_OPTIONAL:
        return SSL_VERIFY_PEER;
    case PY_SSL_CERT_REQUIRED:
        return SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    default:
        PyErr_SetString(PyExc_ValueError, "invalid value for verify_mode");
        return -1;
    }
}

/* The mode, with the distrusted-key check (distrust.c) as the verify
 * callback. Post-handshake auth flags are added per connection by
 * socket.c. No Python calls: runs under the context lock. */
static void
apply_verify_mode(SSL_CTX *ctx, int bits)
{
    SSL_CTX_set_verify(ctx, bits, pyssl_distrust_verify_cb);
}

static PyObject *
context_get_verify_mode(PySSLContext *self, void *c)
{
    int mode = SSL_CTX_get_verify_mode(self->ctx) &
               (SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT);
    switch (mode) {
    case SSL_VERIFY_NONE:
        return PyLong_FromLong(PY_SSL_CERT_NONE);
    case SSL_VERIFY_PEER:
        return PyLong_FromLong(PY_SSL_CERT_OPTIONAL);
    case SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT:
        return PyLong_FromLong(PY_SSL_CERT_REQUIRED);
    }
    return PYSSL_RAISE_MSG(
        self->state, "invalid return value from SSL_CTX_get_verify_mode");
}

static int
context_set_verify_mode(PySSLContext *self, PyObject *arg, void *c)
{
    int n, bits, refused;
    if (arg == NULL) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete verify_mode");
        return -1;
    }
    if (!PyArg_Parse(arg, "i", &n)) {
        return -1;
    }
    bits = verify_mode_bits(n);
    if (bits < 0) {
        return -1;
    }
    pyssl_context_lock(self);
    /* Checked under the lock: check_hostname may change meanwhile. */
    refused =
        (n == PY_SSL_CERT_NONE && PYSSL_LOAD_FLAG(&self->check_hostname));
    if (!refused) {
        apply_verify_mode(self->ctx, bits);
    }
    pyssl_context_unlock(self);
    if (refused) {
        PyErr_SetString(PyExc_ValueError,
                        "Cannot set verify_mode to CERT_NONE when "
                        "check_hostname is enabled.");
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Construction and lifetime                                                */

/* Protocol number -> a method and the version range to pin it to (0, 0 for
 * the flexible ones). The version-specific methods are deprecated in
 * OpenSSL 3.0, so those contexts use TLS_method() pinned to one version,
 * which negotiates exactly the same. Returns NULL if unsupported. */
static const SSL_METHOD *
method_for_protocol(int proto, int *pin)
{
    *pin = 0;
    switch (proto) {
    case PY_SSL_VERSION_TLS:
        return TLS_method();
    case PY_SSL_VERSION_TLS_CLIENT:
        return TLS_client_method();
    case PY_SSL_VERSION_TLS_SERVER:
        return TLS_server_method();
#if !defined(OPENSSL_NO_TLS1) && !defined(OPENSSL_NO_TLS1_METHOD)
    case PY_SSL_VERSION_TLS1:
        *pin = TLS1_VERSION;
        return TLS_method();
#endif
#if !defined(OPENSSL_NO_TLS1_1) && !defined(OPENSSL_NO_TLS1_1_METHOD)
    case PY_SSL_VERSION_TLS1_1:
        *pin = TLS1_1_VERSION;
        return TLS_method();
#endif
#if !defined(OPENSSL_NO_TLS1_2) && !defined(OPENSSL_NO_TLS1_2_METHOD)
    case PY_SSL_VERSION_TLS1_2:
        *pin = TLS1_2_VERSION;
        return TLS_method();
#endif
    default:
        return NULL;
    }
}

/* The DeprecationWarning CPython 3.13 emits for a protocol, or NULL. */
static const char *
protocol_deprecation(int proto)
{
    switch (proto) {
    case PY_SSL_VERSION_TLS:
        return "ssl.PROTOCOL_TLS is deprecated";
    case PY_SSL_VERSION_TLS1:
        return "ssl.PROTOCOL_TLSv1 is deprecated";
    case PY_SSL_VERSION_TLS1_1:
        return "ssl.PROTOCOL_TLSv1_1 is deprecated";
    case PY_SSL_VERSION_TLS1_2:
        return "ssl.PROTOCOL_TLSv1_2 is deprecated";
    default:
        return NULL;
    }
}

/* Version range, options, modes and verification defaults of a new
 * context: CPython 3.13's. Returns -1 with an exception set. */
static int
context_configure(PySSLContext *self, int pin)
{
    SSL_CTX *ctx = self->ctx;
    uint64_t options;
    X509_VERIFY_PARAM *params;

    if (pin != 0) {
        if (!SSL_CTX_set_min_proto_version(ctx, pin) ||
            !SSL_CTX_set_max_proto_version(ctx, pin)) {
            PYSSL_SET_SSL_ERROR(self->state, "cannot pin protocol version");
            return -1;
        }
    }
    else if (!SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION)) {
        PyErr_Format(PyExc_ValueError, "Failed to set minimum protocol 0x%x",
                     TLS1_2_VERSION);
        return -1;
    }
    /* Not shared with any other thread yet: no lock needed here. */
    self->check_hostname = (self->protocol == PY_SSL_VERSION_TLS_CLIENT);
    apply_verify_mode(ctx, verify_mode_bits(self->check_hostname
                                                ? PY_SSL_CERT_REQUIRED
                                                : PY_SSL_CERT_NONE));
    /* OP_ALL minus the empty-fragment workaround, which breaks too many
     * peers; compression off (CRIME); server picks the cipher. OpenSSL's
     * own default OP_ENABLE_MIDDLEBOX_COMPAT stays on. */
    options = (SSL_OP_ALL & ~SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS) |
              SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 | SSL_OP_NO_COMPRESSION |
              SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_SINGLE_DH_USE |
              SSL_OP_SINGLE_ECDH_USE;
    SSL_CTX_set_options(ctx, options);
    if (!SSL_CTX_set_cipher_list(ctx, PY_SSL_DEFAULT_CIPHER_STRING)) {
        PYSSL_RAISE_MSG(self->state, "No cipher can be selected.");
        return -1;
    }
    /* Partial writes retried from another buffer (Python may move it),
     * transparent renegotiation, and buffers freed while idle. */
    SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                              SSL_MODE_AUTO_RETRY | SSL_MODE_RELEASE_BUFFERS);
    /* Server contexts only: on a client, a TLS 1.3 external PSK session
     * (the PSK callbacks) has no id context, and OpenSSL would reject the
     * server accepting it as "reuse in a different context". */
    if (self->protocol == PY_SSL_VERSION_TLS_SERVER) {
        SSL_CTX_set_session_id_context(
            ctx, (const unsigned char *)PYSSL_SID_CTX, sizeof(PYSSL_SID_CTX));
    }
    /* Build chains from trusted certificates first: cross-signed
     * intermediates otherwise lead to expired roots. */
    params = SSL_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_flags(params, X509_V_FLAG_TRUSTED_FIRST);
    self->hostflags = X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS;
    X509_VERIFY_PARAM_set_hostflags(params, self->hostflags);
    self->post_handshake_auth = 0;
    SSL_CTX_set_post_handshake_auth(ctx, 0);
    return 0;
}

static PyObject *
context_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"", NULL};
    int proto, pin;
    const SSL_METHOD *method;
    const char *deprecation;
    SSL_CTX *ctx;
    PySSLContext *self;
    pyssl_state *st = state_of_context_type(type);

    if (st == NULL || !PyArg_ParseTupleAndKeywords(args, kwds, "i:_SSLContext",
                                                   kwlist, &proto)) {
        return NULL;
    }
    method = method_for_protocol(proto, &pin);
    if (method == NULL) {
        PyErr_Format(PyExc_ValueError,
                     "invalid or unsupported protocol version %i", proto);
        return NULL;
    }
    deprecation = protocol_deprecation(proto);
    if (deprecation != NULL && warn_deprecated(deprecation) < 0) {
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    ctx = SSL_CTX_new(method);
    Py_END_ALLOW_THREADS
    if (ctx == NULL) {
        return PYSSL_SET_SSL_ERROR(st, "failed to allocate SSL context");
    }
    self = (PySSLContext *)type->tp_alloc(type, 0);
    if (self == NULL) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    self->ctx = ctx;
    self->state = st;
    self->protocol = proto;
    self->lock = PyThread_allocate_lock();
    if (self->lock == NULL) {
        Py_DECREF(self);
        PyErr_SetString(PyExc_MemoryError, "cannot allocate the context lock");
        return NULL;
    }
    if (context_configure(self, pin) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    pyssl_ocsp_setup(ctx);
    return (PyObject *)self;
}

static int
context_traverse(PySSLContext *self, visitproc visit, void *arg)
{
    Py_VISIT(self->sni_callback);
    Py_VISIT(self->msg_callback);
    /* A str subclass can hold the context (gh-142516): without this visit
     * such a cycle is never collected, and the keylog file stays open. */
    Py_VISIT(self->keylog_filename);
    Py_VISIT(self->psk_client_callback);
    Py_VISIT(self->psk_server_callback);
    Py_VISIT(self->ocsp_response_callback);
    Py_VISIT(self->ocsp_staple_callback);
    Py_VISIT(Py_TYPE(self));
    return 0;
}

static int
context_clear(PySSLContext *self)
{
    Py_CLEAR(self->sni_callback);
    Py_CLEAR(self->msg_callback);
    Py_CLEAR(self->keylog_filename);
    Py_CLEAR(self->psk_client_callback);
    Py_CLEAR(self->psk_server_callback);
    Py_CLEAR(self->ocsp_response_callback);
    Py_CLEAR(self->ocsp_staple);
    Py_CLEAR(self->ocsp_staple_callback);
    return 0;
}

static void
context_dealloc(PySSLContext *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    /* A holder of the lock holds a reference to self too. */
    assert(self->lock == NULL || PYSSL_LOAD_FLAG(&self->lock_holder) == 0);
    PyObject_GC_UnTrack(self);
    if (self->weakreflist != NULL) {
        PyObject_ClearWeakRefs((PyObject *)self);
    }
    context_clear(self);
    if (self->ctx != NULL) {
        /* The SSL_CTX may outlive us: a connection an SNI callback moved
         * to another context keeps this one as its session context, and
         * OpenSSL calls its servername callback again on a second
         * ClientHello (after a HelloRetryRequest). Nothing it calls may
         * find this object. */
        SSL_CTX_set_tlsext_servername_callback(self->ctx, NULL);
        SSL_CTX_set_tlsext_servername_arg(self->ctx, NULL);
        SSL_CTX_set_alpn_select_cb(self->ctx, NULL, NULL);
        SSL_CTX_free(self->ctx);
        self->ctx = NULL;
    }
    PyMem_Free(self->alpn_protocols);
    self->alpn_protocols = NULL;
    if (self->lock != NULL) {
        PyThread_free_lock(self->lock);
        self->lock = NULL;
    }
    if (self->keylog_bio != NULL) {
        BIO_free_all(self->keylog_bio);
        self->keylog_bio = NULL;
    }
    tp->tp_free(self);
    Py_DECREF(tp);
}

/* ------------------------------------------------------------------------ */
/* Properties                                                               */

static PyObject *
context_get_check_hostname(PySSLContext *self, void *c)
{
    return PyBool_FromLong(PYSSL_LOAD_FLAG(&self->check_hostname));
}

static int
context_set_check_hostname(PySSLContext *self, PyObject *arg, void *c)
{
    int check;
    if (pyssl_no_delete(arg, "check_hostname") < 0 ||
        !PyArg_Parse(arg, "p", &check)) {
        return -1;
    }
    pyssl_context_lock(self);
    /* Checking a name on an unverified certificate means nothing, so
     * turning the check on also asks for a certificate. */
    if (check && SSL_CTX_get_verify_mode(self->ctx) == SSL_VERIFY_NONE) {
        apply_verify_mode(self->ctx, verify_mode_bits(PY_SSL_CERT_REQUIRED));
    }
    PYSSL_STORE_FLAG(&self->check_hostname, check);
    pyssl_context_unlock(self);
    return 0;
}

static PyObject *
context_get_host_flags(PySSLContext *self, void *c)
{
    return PyLong_FromUnsignedLong(PYSSL_LOAD_FLAG(&self->hostflags));
}

static int
context_set_host_flags(PySSLContext *self, PyObject *arg, void *c)
{
    unsigned long flags;
    if (pyssl_no_delete(arg, "_host_flags") < 0 ||
        !PyArg_Parse(arg, "k", &flags)) {
        return -1;
    }
    /* OpenSSL cannot report hostflags back, so keep our own copy. */
    pyssl_context_lock(self);
    X509_VERIFY_PARAM_set_hostflags(SSL_CTX_get0_param(self->ctx),
                                    (unsigned int)flags);
    PYSSL_STORE_FLAG(&self->hostflags, (unsigned int)flags);
    pyssl_context_unlock(self);
    return 0;
}

static PyObject *
context_get_verify_flags(PySSLContext *self, void *c)
{
    X509_VERIFY_PARAM *param = SSL_CTX_get0_param(self->ctx);
    return PyLong_FromUnsignedLong(X509_VERIFY_PARAM_get_flags(param));
}

static int
context_set_verify_flags(PySSLContext *self, PyObject *arg, void *c)
{
    X509_VERIFY_PARAM *param = SSL_CTX_get0_param(self->ctx);
    unsigned long new_flags, flags, clear, set;
    const char *failed = NULL;
    if (pyssl_no_delete(arg, "verify_flags") < 0 ||
        !PyArg_Parse(arg, "k", &new_flags)) {
        return -1;
    }
    pyssl_context_lock(self);
    flags = X509_VERIFY_PARAM_get_flags(param);
    clear = flags & ~new_flags;
    set = ~flags & new_flags;
    if (clear && !X509_VERIFY_PARAM_clear_flags(param, clear)) {
        failed = "cannot clear verify flags";
    }
    else if (set && !X509_VERIFY_PARAM_set_flags(param, set)) {
        failed = "cannot set verify flags";
    }
    pyssl_context_unlock(self);
    if (failed != NULL) {
        PYSSL_SET_SSL_ERROR(self->state, failed);
        return -1;
    }
    return 0;
}

static PyObject *
context_get_options(PySSLContext *self, void *c)
{
    uint64_t opts = (uint64_t)SSL_CTX_get_options(self->ctx);
    return PyLong_FromUnsignedLongLong((unsigned long long)opts);
}

static int
context_set_options(PySSLContext *self, PyObject *arg, void *c)
{
    const uint64_t opt_no = SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 |
                            SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1 |
                            SSL_OP_NO_TLSv1_2 | SSL_OP_NO_TLSv1_3;
    unsigned long long value;
    uint64_t opts, clear, set;

    if (pyssl_no_delete(arg, "options") < 0) {
        return -1;
    }
    if (!PyLong_Check(arg)) {
        PyErr_Format(PyExc_TypeError, "options must be an int, not %.200s",
                     Py_TYPE(arg)->tp_name);
        return -1;
    }
#ifdef PYSSL_NEGATIVE_OPTIONS_VALUEERROR
    if (PyLong_IsNegative(arg) > 0) { /* public since 3.14 */
        PyErr_SetString(PyExc_ValueError, "options must not be negative");
        return -1;
    }
#endif
    value = PyLong_AsUnsignedLongLong(arg);
    if (value == (unsigned long long)-1 && PyErr_Occurred()) {
        return -1;
    }
    /* The warning may run Python code: decided before locking. */
    opts = (uint64_t)SSL_CTX_get_options(self->ctx);
    set = ~opts & (uint64_t)value;
    if ((set & opt_no) != 0 &&
        warn_deprecated("ssl.OP_NO_SSL*/ssl.OP_NO_TLS* options are "
                        "deprecated") < 0) {
        return -1;
    }
    /* OpenSSL only sets or clears bits: apply the difference to the
     * options as they are now, under the lock. */
    pyssl_context_lock(self);
    opts = (uint64_t)SSL_CTX_get_options(self->ctx);
    clear = opts & ~(uint64_t)value;
    set = ~opts & (uint64_t)value;
    if (clear) {
        SSL_CTX_clear_options(self->ctx, clear);
    }
    if (set) {
        SSL_CTX_set_options(self->ctx, set);
    }
    pyssl_context_unlock(self);
    return 0;
}

static PyObject *
context_get_min_version(PySSLContext *self, void *c)
{
    int v = is_fixed_version(self)
                ? 0
                : (int)SSL_CTX_get_min_proto_version(self->ctx);
    return PyLong_FromLong(v == 0 ? PY_PROTO_MINIMUM_SUPPORTED : v);
}

static PyObject *
context_get_max_version(PySSLContext *self, void *c)
{
    int v = is_fixed_version(self)
                ? 0
                : (int)SSL_CTX_get_max_proto_version(self->ctx);
    return PyLong_FromLong(v == 0 ? PY_PROTO_MAXIMUM_SUPPORTED : v);
}

/* Checks v and warns as CPython 3.13 does; -1 with an exception set. */
static int
check_proto_version(long v)
{
    switch (v) {
    case PY_PROTO_SSLv3:
        return warn_deprecated("ssl.TLSVersion.SSLv3 is deprecated");
    case PY_PROTO_TLSv1:
        return warn_deprecated("ssl.TLSVersion.TLSv1 is deprecated");
    case PY_PROTO_TLSv1_1:
        return warn_deprecated("ssl.TLSVersion.TLSv1_1 is deprecated");
    case PY_PROTO_MINIMUM_SUPPORTED:
    case PY_PROTO_MAXIMUM_SUPPORTED:
    case PY_PROTO_TLSv1_2:
    case PY_PROTO_TLSv1_3:
        return 0;
    default:
        PyErr_Format(PyExc_ValueError, "Unsupported TLS/SSL version 0x%x",
                     (unsigned int)v);
        return -1;
    }
}

static int
set_proto_version(PySSLContext *self, PyObject *arg, int is_max)
{
    long v;
    int ok;
    if (pyssl_no_delete(arg, is_max ? "maximum_version" : "minimum_version") <
            0 ||
        !PyArg_Parse(arg, "l", &v)) {
        return -1;
    }
    if (v > INT_MAX || v < INT_MIN) {
        PyErr_SetString(PyExc_OverflowError, "Option is too long");
        return -1;
    }
    if (is_fixed_version(self)) {
        PyErr_SetString(PyExc_ValueError,
                        "The context's protocol doesn't support modification "
                        "of highest and lowest version.");
        return -1;
    }
    if (check_proto_version(v) < 0) {
        return -1;
    }
    /* For OpenSSL 0 means "no limit"; the opposite end has to be spelled
     * out as the version this OpenSSL has at that end. */
    if (v == PY_PROTO_MINIMUM_SUPPORTED) {
        v = is_max ? PYSSL_MIN_AVAILABLE : 0;
    }
    else if (v == PY_PROTO_MAXIMUM_SUPPORTED) {
        v = is_max ? 0 : PYSSL_MAX_AVAILABLE;
    }
    pyssl_context_lock(self);
    ok = is_max ? SSL_CTX_set_max_proto_version(self->ctx, (int)v)
                : SSL_CTX_set_min_proto_version(self->ctx, (int)v);
    pyssl_context_unlock(self);
    if (!ok) {
        ERR_clear_error();
        PyErr_Format(PyExc_ValueError, "Unsupported protocol version 0x%x",
                     (unsigned int)v);
        return -1;
    }
    return 0;
}

static int
context_set_min_version(PySSLContext *self, PyObject *arg, void *c)
{
    return set_proto_version(self, arg, 0);
}

static int
context_set_max_version(PySSLContext *self, PyObject *arg, void *c)
{
    return set_proto_version(self, arg, 1);
}

static PyObject *
context_get_num_tickets(PySSLContext *self, void *c)
{
    return PyLong_FromSize_t(SSL_CTX_get_num_tickets(self->ctx));
}

static int
context_set_num_tickets(PySSLContext *self, PyObject *arg, void *c)
{
    long num;
    int ok;
    if (pyssl_no_delete(arg, "num_tickets") < 0 ||
        !PyArg_Parse(arg, "l", &num)) {
        return -1;
    }
    if (num < 0) {
        PyErr_SetString(PyExc_ValueError, "value must be non-negative");
        return -1;
    }
    /* Only servers send tickets. */
    if (self->protocol != PY_SSL_VERSION_TLS_SERVER) {
        PyErr_SetString(PyExc_ValueError,
                        "SSLContext is not a server context.");
        return -1;
    }
    pyssl_context_lock(self);
    ok = SSL_CTX_set_num_tickets(self->ctx, (size_t)num);
    pyssl_context_unlock(self);
    if (ok != 1) {
        PyErr_SetString(PyExc_ValueError, "failed to set num tickets.");
        return -1;
    }
    return 0;
}

static PyObject *
context_get_pha(PySSLContext *self, void *c)
{
    return PyBool_FromLong(PYSSL_LOAD_FLAG(&self->post_handshake_auth));
}

static int
context_set_pha(PySSLContext *self, PyObject *arg, void *c)
{
    int pha;
    if (pyssl_no_delete(arg, "post_handshake_auth") < 0) {
        return -1;
    }
    pha = PyObject_IsTrue(arg);
    if (pha < 0) {
        return -1;
    }
    /* Applied per connection by socket.c: clients announce it, servers
     * add SSL_VERIFY_POST_HANDSHAKE to their verify mode. */
    PYSSL_STORE_FLAG(&self->post_handshake_auth, pha);
    return 0;
}

static PyObject *
context_get_protocol(PySSLContext *self, void *c)
{
    return PyLong_FromLong(self->protocol);
}

static PyObject *
context_get_security_level(PySSLContext *self, void *c)
{
    return PyLong_FromLong(SSL_CTX_get_security_level(self->ctx));
}

/* ------------------------------------------------------------------------ */
/* Ciphers, groups, signature algorithms                                    */

/* A method taking one str that OpenSSL applies to the SSL_CTX with
 * setter, raising SSLError(failmsg) when OpenSSL rejects it. */
static PyObject *
set_string_config(PySSLContext *self, PyObject *args, const char *fmt,
                  int (*setter)(SSL_CTX *, const char *), const char *failmsg)
{
    const char *value;
    int ok;
    if (!PyArg_ParseTuple(args, fmt, &value)) {
        return NULL;
    }
    pyssl_context_lock(self);
    ok = setter(self->ctx, value);
    pyssl_context_unlock(self);
    if (!ok) {
        /* OpenSSL's queue only says "no match": our message says what. */
        return PYSSL_RAISE_MSG(self->state, failmsg);
    }
    Py_RETURN_NONE;
}

static int
do_set_cipher_list(SSL_CTX *ctx, const char *s)
{
    return SSL_CTX_set_cipher_list(ctx, s);
}

static int
do_set_ciphersuites(SSL_CTX *ctx, const char *s)
{
    return SSL_CTX_set_ciphersuites(ctx, s);
}

static int
do_set_groups(SSL_CTX *ctx, const char *s)
{
    return (int)SSL_CTX_set1_groups_list(ctx, s);
}

static int
do_set_client_sigalgs(SSL_CTX *ctx, const char *s)
{
    return (int)SSL_CTX_set1_client_sigalgs_list(ctx, s);
}

static int
do_set_server_sigalgs(SSL_CTX *ctx, const char *s)
{
    return (int)SSL_CTX_set1_sigalgs_list(ctx, s);
}

static PyObject *
context_set_ciphers(PySSLContext *self, PyObject *args)
{
    return set_string_config(self, args, "s:set_ciphers", do_set_cipher_list,
                             "No cipher can be selected.");
}

static PyObject *
context_set_ciphersuites(PySSLContext *self, PyObject *args)
{
    return set_string_config(self, args, "s:set_ciphersuites",
                             do_set_ciphersuites,
                             "No cipher suite can be selected.");
}

static PyObject *
context_set_groups(PySSLContext *self, PyObject *args)
{
    return set_string_config(self, args, "s:set_groups", do_set_groups,
                             "unrecognized group");
}

static PyObject *
context_set_client_sigalgs(PySSLContext *self, PyObject *args)
{
    return set_string_config(self, args, "s:set_client_sigalgs",
                             do_set_client_sigalgs,
                             "unrecognized signature algorithm");
}

static PyObject *
context_set_server_sigalgs(PySSLContext *self, PyObject *args)
{
    return set_string_config(self, args, "s:set_server_sigalgs",
                             do_set_server_sigalgs,
                             "unrecognized signature algorithm");
}

static PyObject *
context_get_groups(PySSLContext *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"include_aliases", NULL};
    int aliases = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|$p:get_groups", kwlist,
                                     &aliases)) {
        return NULL;
    }
#ifdef PYSSL_HAS_IMPLEMENTED_GROUPS
    STACK_OF(OPENSSL_CSTRING) *names = sk_OPENSSL_CSTRING_new_null();
    PyObject *list = NULL;
    if (names == NULL) {
        return PyErr_NoMemory();
    }
    if (!SSL_CTX_get0_implemented_groups(self->ctx, aliases, names)) {
        sk_OPENSSL_CSTRING_free(names);
        return PYSSL_SET_SSL_ERROR(self->state, "cannot list groups");
    }
    list = PyList_New(sk_OPENSSL_CSTRING_num(names));
    for (int i = 0; list != NULL && i < sk_OPENSSL_CSTRING_num(names); i++) {
        PyObject *s =
            PyUnicode_DecodeFSDefault(sk_OPENSSL_CSTRING_value(names, i));
        if (s == NULL) {
            Py_CLEAR(list);
            break;
        }
        PyList_SET_ITEM(list, i, s);
    }
    sk_OPENSSL_CSTRING_free(names);
    return list;
#else
    PyErr_SetString(
        PyExc_NotImplementedError,
        "Getting implemented groups requires OpenSSL 3.5 or later.");
    return NULL;
#endif
}

static PyObject *
context_set_ecdh_curve(PySSLContext *self, PyObject *name)
{
    PyObject *name_b;
    int nid, ok;

    if (!PyUnicode_FSConverter(name, &name_b)) {
        return NULL;
    }
    nid = OBJ_sn2nid(PyBytes_AS_STRING(name_b));
    Py_DECREF(name_b);
    if (nid == NID_undef) {
        PyErr_Format(PyExc_ValueError, "unknown elliptic curve name %R", name);
        return NULL;
    }
    /* One curve: the group list replaces the deprecated tmp_ecdh key. */
    pyssl_context_lock(self);
    ok = (int)SSL_CTX_set1_groups(self->ctx, &nid, 1);
    pyssl_context_unlock(self);
    if (!ok) {
        return PYSSL_SET_SSL_ERROR(self->state, "cannot set curve");
    }
    Py_RETURN_NONE;
}

/* One cipher as the dict get_ciphers() returns. */
static PyObject *
cipher_to_dict(const SSL_CIPHER *cipher)
{
    char desc[512] = {0};
    int alg_bits, strength_bits, nid;
    size_t len;
    const char *sym, *digest, *kx, *auth;

    SSL_CIPHER_description(cipher, desc, sizeof(desc) - 1);
    len = strlen(desc);
    if (len > 0 && desc[len - 1] == '\n') {
        desc[len - 1] = '\0';
    }
    strength_bits = SSL_CIPHER_get_bits(cipher, &alg_bits);
    nid = SSL_CIPHER_get_cipher_nid(cipher);
    sym = nid != NID_undef ? OBJ_nid2ln(nid) : NULL;
    nid = SSL_CIPHER_get_digest_nid(cipher);
    digest = nid != NID_undef ? OBJ_nid2ln(nid) : NULL;
    nid = SSL_CIPHER_get_kx_nid(cipher);
    kx = nid != NID_undef ? OBJ_nid2ln(nid) : NULL;
    nid = SSL_CIPHER_get_auth_nid(cipher);
    auth = nid != NID_undef ? OBJ_nid2ln(nid) : NULL;
    return Py_BuildValue(
        "{sksssssssisisOszszszsz}", "id",
        (unsigned long)SSL_CIPHER_get_id(cipher), "name",
        SSL_CIPHER_get_name(cipher), "protocol",
        SSL_CIPHER_get_version(cipher), "description", desc, "strength_bits",
        strength_bits, "alg_bits", alg_bits, "aead",
        SSL_CIPHER_is_aead(cipher) ? Py_True : Py_False, "symmetric", sym,
        "digest", digest, "kea", kx, "auth", auth);
}

static PyObject *
context_get_ciphers(PySSLContext *self, PyObject *unused)
{
    /* The enabled list is what a new connection would offer. */
    SSL *ssl;
    STACK_OF(SSL_CIPHER) * sk;
    PyObject *list;

    Py_BEGIN_ALLOW_THREADS
    ssl = pyssl_context_new_ssl(self);
    Py_END_ALLOW_THREADS

    if (ssl == NULL) {
        return PYSSL_SET_SSL_ERROR(self->state, "cannot create SSL");
    }
    sk = SSL_get_ciphers(ssl);
    list = PyList_New(0);
    for (int i = 0; list != NULL && i < sk_SSL_CIPHER_num(sk); i++) {
        PyObject *d = cipher_to_dict(sk_SSL_CIPHER_value(sk, i));
        if (d == NULL || PyList_Append(list, d) < 0) {
            Py_XDECREF(d);
            Py_CLEAR(list);
            break;
        }
        Py_DECREF(d);
    }
    SSL_free(ssl);
    return list;
}

/* ------------------------------------------------------------------------ */
/* Statistics and the certificate store                                     */

static PyObject *
context_session_stats(PySSLContext *self, PyObject *unused)
{
    SSL_CTX *c = self->ctx;
    return Py_BuildValue(
        "{slslslslslslslslslslsl}", "number", SSL_CTX_sess_number(c),
        "connect", SSL_CTX_sess_connect(c), "connect_good",
        SSL_CTX_sess_connect_good(c), "connect_renegotiate",
        SSL_CTX_sess_connect_renegotiate(c), "accept", SSL_CTX_sess_accept(c),
        "accept_good", SSL_CTX_sess_accept_good(c), "accept_renegotiate",
        SSL_CTX_sess_accept_renegotiate(c), "hits", SSL_CTX_sess_hits(c),
        "misses", SSL_CTX_sess_misses(c), "timeouts", SSL_CTX_sess_timeouts(c),
        "cache_full", SSL_CTX_sess_cache_full(c));
}

/* What get_ca_certs and cert_store_stats need from the store: its CA
 * certificates (each with a reference of its own) and the counts. Taken
 * under the context lock, since a loader (which holds it) may be adding to
 * the store or swapping it, and the Python work is done after. */
typedef struct {
    STACK_OF(X509) * ca_certs; /* NULL if not asked for */
    int x509, crl, ca;
} store_summary;

static void
summarize_objects(STACK_OF(X509_OBJECT) * objs, store_summary *sum)
{
    for (int i = 0; i < sk_X509_OBJECT_num(objs); i++) {
        X509_OBJECT *obj = sk_X509_OBJECT_value(objs, i);
        X509 *cert;
        switch (X509_OBJECT_get_type(obj)) {
        case X509_LU_X509:
            sum->x509++;
            cert = X509_OBJECT_get0_X509(obj);
            if (!X509_check_ca(cert)) {
                break;
            }
            sum->ca++;
            if (sum->ca_certs != NULL && X509_up_ref(cert) &&
                !sk_X509_push(sum->ca_certs, cert)) {
                X509_free(cert);
            }
            break;
        case X509_LU_CRL:
            sum->crl++;
            break;
        default:
            break; /* lookup states, never stored */
        }
    }
}

/* Fills sum; with_certs: also the list of CA certificates. 0, or -1 with
 * an exception set. */
static int
summarize_store(PySSLContext *self, store_summary *sum, int with_certs)
{
    STACK_OF(X509_OBJECT) * objs;
    X509_STORE *store;

    memset(sum, 0, sizeof(*sum));
    if (with_certs && (sum->ca_certs = sk_X509_new_null()) == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    pyssl_context_lock(self);
    store = SSL_CTX_get_cert_store(self->ctx);
    /* The store's own lock too: verification may add to it (capath). */
    X509_STORE_lock(store);
    objs = X509_STORE_get0_objects(store);
    if (objs != NULL) {
        summarize_objects(objs, sum);
    }
    X509_STORE_unlock(store);
    pyssl_context_unlock(self);
    if (objs == NULL) {
        sk_X509_free(sum->ca_certs);
        PYSSL_SET_SSL_ERROR(self->state, "cannot read the store");
        return -1;
    }
    return 0;
}

static PyObject *
context_cert_store_stats(PySSLContext *self, PyObject *unused)
{
    store_summary sum;
    if (summarize_store(self, &sum, 0) < 0) {
        return NULL;
    }
    return Py_BuildValue("{sisisi}", "x509", sum.x509, "crl", sum.crl,
                         "x509_ca", sum.ca);
}

static PyObject *
context_get_ca_certs(PySSLContext *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"binary_form", NULL};
    int binary = 0;
    store_summary sum;
    PyObject *list;

    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|p:get_ca_certs", kwlist,
                                     &binary)) {
        return NULL;
    }
    if (summarize_store(self, &sum, 1) < 0) {
        return NULL;
    }
    list = PyList_New(0);
    for (int i = 0; list != NULL && i < sk_X509_num(sum.ca_certs); i++) {
        X509 *cert = sk_X509_value(sum.ca_certs, i);
        PyObject *item = binary ? pyssl_cert_der(self->state, cert)
                                : pyssl_decode_certificate(self->state, cert);
        if (item == NULL) {
            Py_CLEAR(list);
            break;
        }
        if (PyList_Append(list, item) < 0) {
            Py_CLEAR(list);
        }
        Py_DECREF(item);
    }
    sk_X509_pop_free(sum.ca_certs, X509_free);
    return list;
}

/* ------------------------------------------------------------------------ */
/* The type                                                                 */

static PyGetSetDef context_getset[] = {
    {"check_hostname", (getter)context_get_check_hostname,
     (setter)context_set_check_hostname, NULL, NULL},
    {"_host_flags", (getter)context_get_host_flags,
     (setter)context_set_host_flags, NULL, NULL},
    {"minimum_version", (getter)context_get_min_version,
     (setter)context_set_min_version, NULL, NULL},
    {"maximum_version", (getter)context_get_max_version,
     (setter)context_set_max_version, NULL, NULL},
    {"keylog_filename", (getter)pyssl_context_get_keylog_filename,
     (setter)pyssl_context_set_keylog_filename, NULL, NULL},
    {"_msg_callback", (getter)pyssl_context_get_msg_callback,
     (setter)pyssl_context_set_msg_callback, NULL, NULL},
    {"ocsp_request", (getter)pyssl_context_get_ocsp_request,
     (setter)pyssl_context_set_ocsp_request,
     "Client contexts: ask the server for a stapled OCSP response.", NULL},
    {"ocsp_response_callback",
     (getter)pyssl_context_get_ocsp_response_callback,
     (setter)pyssl_context_set_ocsp_response_callback,
     "Client contexts: called as callback(conn, response) during the\n"
     "handshake, response being the stapled DER bytes or None; a false\n"
     "result other than None fails the handshake.",
     NULL},
    {"ocsp_staple", (getter)pyssl_context_get_ocsp_staple,
     (setter)pyssl_context_set_ocsp_staple,
     "Server contexts: the DER OCSP response stapled to every handshake\n"
     "that asks for one, or None.",
     NULL},
    {"ocsp_staple_callback", (getter)pyssl_context_get_ocsp_staple_callback,
     (setter)pyssl_context_set_ocsp_staple_callback,
     "Server contexts: called as callback(conn) when a client asks for a\n"
     "staple; returns DER bytes or None. Wins over ocsp_staple.",
     NULL},
    {"sni_callback", (getter)pyssl_context_get_sni_callback,
     (setter)pyssl_context_set_sni_callback,
     "Set a callback that will be called when a server name is provided by "
     "the SSL/TLS client in the SNI extension.\n\n"
     "If the argument is None then the callback is disabled. The method is "
     "called\nwith the SSLSocket, the server name as a string, and the "
     "SSLContext object.",
     NULL},
    {"num_tickets", (getter)context_get_num_tickets,
     (setter)context_set_num_tickets,
     "Control the number of TLSv1.3 session tickets.", NULL},
    {"options", (getter)context_get_options, (setter)context_set_options, NULL,
     NULL},
    {"post_handshake_auth", (getter)context_get_pha, (setter)context_set_pha,
     NULL, NULL},
    {"protocol", (getter)context_get_protocol, NULL, NULL, NULL},
    {"verify_flags", (getter)context_get_verify_flags,
     (setter)context_set_verify_flags, NULL, NULL},
    {"verify_mode", (getter)context_get_verify_mode,
     (setter)context_set_verify_mode, NULL, NULL},
    {"security_level", (getter)context_get_security_level, NULL,
     "The current security level.", NULL},
    {NULL},
};

#define KW (METH_VARARGS | METH_KEYWORDS)

static PyMethodDef context_methods[] = {
    {"_wrap_socket", (PyCFunction)(void (*)(void))pyssl_context_wrap_socket,
     KW,
     "_wrap_socket($self, /, sock, server_side, server_hostname=None, *,\n"
     "             owner=None, session=None)\n--\n\n"},
    {"_wrap_bio", (PyCFunction)(void (*)(void))pyssl_context_wrap_bio, KW,
     "_wrap_bio($self, /, incoming, outgoing, server_side,\n"
     "          server_hostname=None, *, owner=None, session=None)\n--\n\n"},
    {"set_ciphers", (PyCFunction)context_set_ciphers, METH_VARARGS,
     "set_ciphers($self, cipherlist, /)\n--\n\n"
     "Set the TLS 1.2 and older cipher list (OpenSSL cipher string)."},
    {"set_ciphersuites", (PyCFunction)context_set_ciphersuites, METH_VARARGS,
     "set_ciphersuites($self, ciphersuites, /)\n--\n\n"
     "Set the TLS 1.3 cipher suites (colon-separated names)."},
    {"set_groups", (PyCFunction)context_set_groups, METH_VARARGS,
     "set_groups($self, grouplist, /)\n--\n\n"
     "Set the key exchange groups (colon-separated names)."},
    {"get_groups", (PyCFunction)(void (*)(void))context_get_groups, KW,
     "get_groups($self, /, *, include_aliases=False)\n--\n\n"
     "The key exchange groups OpenSSL implements (OpenSSL 3.5+)."},
    {"set_client_sigalgs", (PyCFunction)context_set_client_sigalgs,
     METH_VARARGS,
     "set_client_sigalgs($self, sigalgslist, /)\n--\n\n"
     "Set the signature algorithms for client certificate authentication."},
    {"set_server_sigalgs", (PyCFunction)context_set_server_sigalgs,
     METH_VARARGS,
     "set_server_sigalgs($self, sigalgslist, /)\n--\n\n"
     "Set the signature algorithms servers use in the handshake."},
    {"_set_alpn_protocols", (PyCFunction)pyssl_context_set_alpn_protocols,
     METH_VARARGS, "_set_alpn_protocols($self, protos, /)\n--\n\n"},
    {"_set_npn_protocols", (PyCFunction)pyssl_context_set_npn_protocols,
     METH_VARARGS, "_set_npn_protocols($self, protos, /)\n--\n\n"},
    {"load_cert_chain",
     (PyCFunction)(void (*)(void))pyssl_context_load_cert_chain, KW,
     "load_cert_chain($self, /, certfile=None, keyfile=None, "
     "password=None, *, certdata=None, keydata=None)\n--\n\n"
     "Load a certificate chain and its private key, from files or memory.\n"
     "\n"
     "certfile/keyfile are paths, as in the stdlib. certdata/keydata are\n"
     "the same contents held in memory: PEM text (str or bytes) or DER\n"
     "bytes (data starting with byte 0x30 is DER; a DER chain is the\n"
     "certificates concatenated, leaf first). Give one of certfile and\n"
     "certdata, and at most one of keyfile and keydata; with neither, the\n"
     "key is read from the chain's PEM, as keyfile=None does. password (a\n"
     "str, bytes or a callable returning one) decrypts an encrypted key\n"
     "(PEM, or DER PKCS#8); in memory, an encrypted key without one fails\n"
     "with SSLError instead of prompting on a terminal. Bad data raises\n"
     "the SSLError a bad file would; the swap into the context is atomic\n"
     "for handshakes running on it (certificate rotation).\n"
     "\n"
     "Design (gh-60691, gh-118557, gh-129216): paths may already be bytes,\n"
     "so data cannot share certfile/keyfile; separate keyword-only names\n"
     "follow load_verify_locations(cadata=) and leave the positional\n"
     "signature untouched. Data, not file-like objects (gh-129216): a\n"
     "reader would have to be drained into a new Python object holding\n"
     "the key, and a MemoryBIO (the 2017 PR) keeps it in one. The data is\n"
     "read in place through the buffer protocol, so no Python object or\n"
     "C buffer of pyssl's holds a copy of the key; pyssl's copy of the\n"
     "password is wiped with OPENSSL_cleanse. HAS_MEMORY_CREDENTIALS says\n"
     "these keywords and load_pkcs12() are there."},
    {"load_pkcs12", (PyCFunction)(void (*)(void))pyssl_context_load_pkcs12, KW,
     "load_pkcs12($self, /, data, password=None)\n--\n\n"
     "Load the certificate, key and chain of a PKCS#12 bundle in memory.\n"
     "\n"
     "data is the DER bundle (.p12/.pfx) as a bytes-like object; password\n"
     "a str, bytes or a callable returning one, or None for a bundle\n"
     "without one. PKCS#12 is how key stores and secrets managers hand\n"
     "out credentials; a method of its own, not a format guessed inside\n"
     "load_cert_chain, because a bundle is one object with one password\n"
     "that covers the certificates too. A wrong password, a bundle without\n"
     "a certificate or key, or bad data raises SSLError. Algorithms that\n"
     "OpenSSL 3 moved to its legacy provider (RC2, as in old Windows\n"
     "exports) fail with OpenSSL's 'unsupported' SSLError; re-export with\n"
     "AES. Replaces the context's certificate and key like\n"
     "load_cert_chain."},
    {"load_dh_params", (PyCFunction)pyssl_context_load_dh_params, METH_O,
     "load_dh_params($self, path, /)\n--\n\n"},
    {"load_verify_locations",
     (PyCFunction)(void (*)(void))pyssl_context_load_verify_locations, KW,
     "load_verify_locations($self, /, cafile=None, capath=None, "
     "cadata=None)\n--\n\n"},
    {"session_stats", (PyCFunction)context_session_stats, METH_NOARGS,
     "session_stats($self, /)\n--\n\n"},
    {"set_default_verify_paths",
     (PyCFunction)pyssl_context_set_default_verify_paths, METH_NOARGS,
     "set_default_verify_paths($self, /)\n--\n\n"},
    {"set_ecdh_curve", (PyCFunction)context_set_ecdh_curve, METH_O,
     "set_ecdh_curve($self, name, /)\n--\n\n"},
    {"cert_store_stats", (PyCFunction)context_cert_store_stats, METH_NOARGS,
     "cert_store_stats($self, /)\n--\n\n"
     "Returns quantities of loaded X.509 certificates.\n\n"
     "X.509 certificates with a CA extension and certificate revocation "
     "lists\ninside the context's cert store.\n\n"
     "NOTE: Certificates in a capath directory aren't loaded unless they "
     "have\nbeen used at least once."},
    {"get_ca_certs", (PyCFunction)(void (*)(void))context_get_ca_certs, KW,
     "get_ca_certs($self, /, binary_form=False)\n--\n\n"
     "Returns a list of dicts with information of loaded CA certs.\n\n"
     "If the optional argument is True, returns a DER-encoded copy of the "
     "CA\ncertificate.\n\n"
     "NOTE: Certificates in a capath directory aren't loaded unless they "
     "have\nbeen used at least once."},
    {"get_ciphers", (PyCFunction)context_get_ciphers, METH_NOARGS,
     "get_ciphers($self, /)\n--\n\n"},
    {"set_psk_client_callback",
     (PyCFunction)(void (*)(void))pyssl_context_set_psk_client_callback, KW,
     "set_psk_client_callback($self, /, callback)\n--\n\n"},
    {"set_psk_server_callback",
     (PyCFunction)(void (*)(void))pyssl_context_set_psk_server_callback, KW,
     "set_psk_server_callback($self, /, callback, identity_hint=None)\n"
     "--\n\n"},
    {NULL, NULL},
};

static PyMemberDef context_members[] = {
    {"__weaklistoffset__", T_PYSSIZET, offsetof(PySSLContext, weakreflist),
     READONLY, NULL},
    {NULL},
};

static PyType_Slot context_slots[] = {
    {Py_tp_new, (void *)context_new},
    {Py_tp_dealloc, (void *)context_dealloc},
    {Py_tp_traverse, (void *)context_traverse},
    {Py_tp_clear, (void *)context_clear},
    {Py_tp_methods, context_methods},
    {Py_tp_getset, context_getset},
    {Py_tp_members, context_members},
    {0, NULL},
};

static PyType_Spec context_spec = {
    .name = PYSSL_TYPE_NAME("_SSLContext"),
    .basicsize = sizeof(PySSLContext),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_HAVE_GC |
             Py_TPFLAGS_IMMUTABLETYPE,
    .slots = context_slots,
};

int
pyssl_context_init(PyObject *module, pyssl_state *st)
{
    st->context_type = pyssl_new_type(module, &context_spec);
    if (st->context_type == NULL) {
        return -1;
    }
    return PyModule_AddObjectRef(module, "_SSLContext",
                                 (PyObject *)st->context_type);
}
