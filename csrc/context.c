/* context.c: _SSLContext, the wrapper of an SSL_CTX.
 *
 * A context holds everything connections share: protocol range, options,
 * verification settings, certificates and keys, and the Python callbacks
 * (SNI, PSK, ALPN selection) that OpenSSL calls during handshakes.
 *
 * Sections: construction and lifetime; properties; loading certificates,
 * keys and parameters; cipher, group and sigalg configuration; ALPN; the
 * OpenSSL callbacks (SNI, PSK); statistics and introspection; type setup.
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
 *    taken back (ctx_lock). Callbacks that hold the GIL (SNI) may
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

#include <errno.h>
#include <string.h>

#ifdef PYSSL_OPENSSL_3
#  include <openssl/evp.h>
#else
#  include <openssl/dh.h>
#endif

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

/* Takes self->lock; the GIL must be held. Only ever tried with the GIL:
 * when it is busy, the wait for it to come free is done without the GIL,
 * and it is let go again before the GIL is taken back, since holding the
 * lock while waiting for the GIL would deadlock with a handshake callback
 * that waits for the lock with the GIL held. Then it is tried again. */
static void
ctx_lock(PySSLContext *self)
{
    while (!PyThread_acquire_lock(self->lock, NOWAIT_LOCK)) {
        Py_BEGIN_ALLOW_THREADS
        PyThread_acquire_lock(self->lock, WAIT_LOCK);
        PyThread_release_lock(self->lock);
        Py_END_ALLOW_THREADS
    }
}

static void
ctx_unlock(PySSLContext *self)
{
    PyThread_release_lock(self->lock);
}

void
pyssl_context_lock(PySSLContext *self)
{
    ctx_lock(self);
}

void
pyssl_context_unlock(PySSLContext *self)
{
    ctx_unlock(self);
}

/* SSL_new copies most of the context, but shares its cipher list (TLS 1.2
 * and 1.3 suites in one): the connection reads the context's list live
 * during its handshake, long after the lock is released, and set_ciphers
 * and set_ciphersuites free it. SSL_set_ciphersuites with the context's
 * own TLS 1.3 suites gives the connection a private copy of the whole
 * list for a few microseconds (re-parsing the cipher string with
 * SSL_set_cipher_list would cost ~45). Context lock held. 1 on success. */
static int
own_cipher_lists(SSL *ssl)
{
    STACK_OF(SSL_CIPHER) *all = SSL_get_ciphers(ssl);
    char names[1024];
    size_t used = 0;

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
    PyThread_acquire_lock(ctx->lock, WAIT_LOCK);
    ssl = SSL_new(ctx->ctx);
    if (ssl != NULL && !own_cipher_lists(ssl)) {
        SSL_free(ssl);
        ssl = NULL;
    }
    PyThread_release_lock(ctx->lock);
    return ssl;
}

int
pyssl_context_move_ssl(PySSLContext *ctx, SSL *ssl)
{
    SSL_CTX *moved;
    ctx_lock(ctx);
    /* Copies the certificates and session id context, like SSL_new. */
    moved = SSL_set_SSL_CTX(ssl, ctx->ctx);
    ctx_unlock(ctx);
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

/* An SSLError with a fixed message: the OpenSSL queue is dropped first so
 * that it is this message the user sees, not a stale queue entry. */
static PyObject *
raise_ssl_msg_at(PySSLContext *self, const char *msg, int line)
{
    ERR_clear_error();
    return pyssl_set_ssl_error(self->state, msg, 0, __FILE__, line);
}
#define raise_ssl_msg(self, msg) raise_ssl_msg_at((self), (msg), __LINE__)

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
    return raise_ssl_msg(self,
                         "invalid return value from SSL_CTX_get_verify_mode");
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
    ctx_lock(self);
    /* Checked under the lock: check_hostname may change meanwhile. */
    refused =
        (n == PY_SSL_CERT_NONE && PYSSL_LOAD_FLAG(&self->check_hostname));
    if (!refused) {
        apply_verify_mode(self->ctx, bits);
    }
    ctx_unlock(self);
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
        raise_ssl_msg(self, "No cipher can be selected.");
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

static int
no_delete(PyObject *arg, const char *name)
{
    if (arg == NULL) {
        PyErr_Format(PyExc_AttributeError, "cannot delete attribute '%s'",
                     name);
        return -1;
    }
    return 0;
}

static PyObject *
context_get_check_hostname(PySSLContext *self, void *c)
{
    return PyBool_FromLong(PYSSL_LOAD_FLAG(&self->check_hostname));
}

static int
context_set_check_hostname(PySSLContext *self, PyObject *arg, void *c)
{
    int check;
    if (no_delete(arg, "check_hostname") < 0 ||
        !PyArg_Parse(arg, "p", &check)) {
        return -1;
    }
    ctx_lock(self);
    /* Checking a name on an unverified certificate means nothing, so
     * turning the check on also asks for a certificate. */
    if (check && SSL_CTX_get_verify_mode(self->ctx) == SSL_VERIFY_NONE) {
        apply_verify_mode(self->ctx, verify_mode_bits(PY_SSL_CERT_REQUIRED));
    }
    PYSSL_STORE_FLAG(&self->check_hostname, check);
    ctx_unlock(self);
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
    if (no_delete(arg, "_host_flags") < 0 || !PyArg_Parse(arg, "k", &flags)) {
        return -1;
    }
    /* OpenSSL cannot report hostflags back, so keep our own copy. */
    ctx_lock(self);
    X509_VERIFY_PARAM_set_hostflags(SSL_CTX_get0_param(self->ctx),
                                    (unsigned int)flags);
    PYSSL_STORE_FLAG(&self->hostflags, (unsigned int)flags);
    ctx_unlock(self);
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
    if (no_delete(arg, "verify_flags") < 0 ||
        !PyArg_Parse(arg, "k", &new_flags)) {
        return -1;
    }
    ctx_lock(self);
    flags = X509_VERIFY_PARAM_get_flags(param);
    clear = flags & ~new_flags;
    set = ~flags & new_flags;
    if (clear && !X509_VERIFY_PARAM_clear_flags(param, clear)) {
        failed = "cannot clear verify flags";
    }
    else if (set && !X509_VERIFY_PARAM_set_flags(param, set)) {
        failed = "cannot set verify flags";
    }
    ctx_unlock(self);
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

    if (no_delete(arg, "options") < 0) {
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
    ctx_lock(self);
    opts = (uint64_t)SSL_CTX_get_options(self->ctx);
    clear = opts & ~(uint64_t)value;
    set = ~opts & (uint64_t)value;
    if (clear) {
        SSL_CTX_clear_options(self->ctx, clear);
    }
    if (set) {
        SSL_CTX_set_options(self->ctx, set);
    }
    ctx_unlock(self);
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
    if (no_delete(arg, is_max ? "maximum_version" : "minimum_version") < 0 ||
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
    ctx_lock(self);
    ok = is_max ? SSL_CTX_set_max_proto_version(self->ctx, (int)v)
                : SSL_CTX_set_min_proto_version(self->ctx, (int)v);
    ctx_unlock(self);
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
    if (no_delete(arg, "num_tickets") < 0 || !PyArg_Parse(arg, "l", &num)) {
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
    ctx_lock(self);
    ok = SSL_CTX_set_num_tickets(self->ctx, (size_t)num);
    ctx_unlock(self);
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
    if (no_delete(arg, "post_handshake_auth") < 0) {
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

static PyObject *
context_get_sni_callback(PySSLContext *self, void *c)
{
    PyObject *cb = pyssl_field_get((PyObject *)self, &self->sni_callback);
    return cb ? cb : Py_NewRef(Py_None);
}

static int
context_set_sni_callback(PySSLContext *self, PyObject *arg, void *c)
{
    if (no_delete(arg, "sni_callback") < 0) {
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
    ctx_lock(self);
    old_cb = self->sni_callback;
    self->sni_callback = new_cb;
    SSL_CTX_set_tlsext_servername_arg(self->ctx, self);
    if (new_cb != NULL) {
        SSL_CTX_set_tlsext_servername_callback(self->ctx, servername_cb);
    }
    else {
        SSL_CTX_set_tlsext_servername_callback(self->ctx, NULL);
    }
    ctx_unlock(self);
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

    PyThread_acquire_lock(self->lock, WAIT_LOCK);
    if (self->alpn_protocols != NULL && client != NULL) {
        pick = alpn_pick(self->alpn_protocols, self->alpn_protocols_len,
                         client, client_len);
    }
    PyThread_release_lock(self->lock);
    /* No overlap: carry on without ALPN rather than failing. */
    if (pick == NULL) {
        return SSL_TLSEXT_ERR_NOACK;
    }
    *out = pick + 1;
    *outlen = pick[0];
    return SSL_TLSEXT_ERR_OK;
}

static PyObject *
context_set_alpn_protocols(PySSLContext *self, PyObject *args)
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
    ctx_lock(self);
    old = self->alpn_protocols;
    self->alpn_protocols = copy;
    self->alpn_protocols_len = len;
    failed = SSL_CTX_set_alpn_protos(self->ctx, copy, len) != 0;
    SSL_CTX_set_alpn_select_cb(self->ctx, alpn_select_cb, self);
    ctx_unlock(self);
    PyMem_Free(old);
    if (failed) {
        return PyErr_NoMemory();
    }
    Py_RETURN_NONE;
}

static PyObject *
context_set_npn_protocols(PySSLContext *self, PyObject *args)
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
    if (sslsock == NULL) {
        return NULL;
    }
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

static PyObject *
context_set_psk_client_callback(PySSLContext *self, PyObject *args,
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
        return raise_ssl_msg(self, "Cannot add PSK client callback to a "
                                   "PROTOCOL_TLS_SERVER context");
    }
    PyObject *cb;
    if (check_callback(callback, &cb) < 0) {
        return NULL;
    }
    PyObject *old;
    PYSSL_BEGIN_CS(self);
    ctx_lock(self);
    old = self->psk_client_callback;
    self->psk_client_callback = cb;
    /* OpenSSL also runs this callback for TLS 1.3 (as an external PSK with
     * SHA-256) when no psk_use_session callback is set. */
    SSL_CTX_set_psk_client_callback(self->ctx, cb ? psk_client_cb : NULL);
    ctx_unlock(self);
    PYSSL_END_CS();
    Py_XDECREF(old); /* may run Python code: not under the lock */
    Py_RETURN_NONE;
#endif
}

static PyObject *
context_set_psk_server_callback(PySSLContext *self, PyObject *args,
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
        return raise_ssl_msg(self, "Cannot add PSK server callback to a "
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
    ctx_lock(self);
    ok = SSL_CTX_use_psk_identity_hint(self->ctx, hint) == 1;
    if (ok) {
        old = self->psk_server_callback;
        self->psk_server_callback = cb;
        SSL_CTX_set_psk_server_callback(self->ctx, cb ? psk_server_cb : NULL);
    }
    ctx_unlock(self);
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
        raise_ssl_msg(self, "failed to load");
        return -1;
    }
    ctx_lock(self);
    /* Certificate first: it drops a key of its type that does not match
     * it, and the chain goes with the slot the certificate selects. */
    ok = SSL_CTX_use_certificate(self->ctx, cert) == 1 &&
         SSL_CTX_use_PrivateKey(self->ctx, key) == 1 &&
         SSL_CTX_set1_chain(self->ctx, chain) == 1;
    ctx_unlock(self);
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

static PyObject *
context_load_cert_chain(PySSLContext *self, PyObject *args, PyObject *kwds)
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
    Py_BEGIN_ALLOW_THREADS
    r = pyssl_cred_use_pkcs12(tmp, view->buf, (int)view->len, password);
    Py_END_ALLOW_THREADS
    if (r == 1) {
        r = check_key(self, tmp) == 0 && install_chain_and_key(self, tmp) == 0;
    }
    else if (r == PYSSL_CRED_NO_CERT || r == PYSSL_CRED_NO_KEY) {
        raise_ssl_msg(self, r == PYSSL_CRED_NO_CERT
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

static PyObject *
context_load_pkcs12(PySSLContext *self, PyObject *args, PyObject *kwds)
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
    ctx_lock(self);
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
    ctx_unlock(self);
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
        raise_ssl_msg(
            self,
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
    PyThread_acquire_lock(self->lock, WAIT_LOCK);
    errno = 0;
    r = pyssl_store_load_locations(self->ctx, cafile, capath);
    err = errno;
    PyThread_release_lock(self->lock);
    Py_END_ALLOW_THREADS
    if (r != 1) {
        raise_load_error(self, NULL, err, NULL);
        return -1;
    }
    return 0;
}

static PyObject *
context_load_verify_locations(PySSLContext *self, PyObject *args,
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

static PyObject *
context_set_default_verify_paths(PySSLContext *self, PyObject *unused)
{
    int r;
    Py_BEGIN_ALLOW_THREADS
    PyThread_acquire_lock(self->lock, WAIT_LOCK); /* as load_ca_paths */
    r = pyssl_store_set_default_paths(self->ctx); /* cached, shared */
    PyThread_release_lock(self->lock);
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
    PyThread_acquire_lock(self->lock, WAIT_LOCK); /* called without the GIL */
#ifdef PYSSL_OPENSSL_3
    ok = SSL_CTX_set0_tmp_dh_pkey(self->ctx, params) == 1;
    if (!ok) {
        EVP_PKEY_free(params); /* only taken over on success */
    }
#else
    ok = SSL_CTX_set_tmp_dh(self->ctx, params) == 1;
    DH_free(params);
#endif
    PyThread_release_lock(self->lock);
    return ok;
}

static PyObject *
context_load_dh_params(PySSLContext *self, PyObject *path)
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
    ctx_lock(self);
    ok = setter(self->ctx, value);
    ctx_unlock(self);
    if (!ok) {
        /* OpenSSL's queue only says "no match": our message says what. */
        return raise_ssl_msg(self, failmsg);
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
    ctx_lock(self);
    ok = (int)SSL_CTX_set1_groups(self->ctx, &nid, 1);
    ctx_unlock(self);
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
    ctx_lock(self);
    store = SSL_CTX_get_cert_store(self->ctx);
    /* The store's own lock too: verification may add to it (capath). */
    X509_STORE_lock(store);
    objs = X509_STORE_get0_objects(store);
    if (objs != NULL) {
        summarize_objects(objs, sum);
    }
    X509_STORE_unlock(store);
    ctx_unlock(self);
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
    {"sni_callback", (getter)context_get_sni_callback,
     (setter)context_set_sni_callback,
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
    {"_set_alpn_protocols", (PyCFunction)context_set_alpn_protocols,
     METH_VARARGS, "_set_alpn_protocols($self, protos, /)\n--\n\n"},
    {"_set_npn_protocols", (PyCFunction)context_set_npn_protocols,
     METH_VARARGS, "_set_npn_protocols($self, protos, /)\n--\n\n"},
    {"load_cert_chain", (PyCFunction)(void (*)(void))context_load_cert_chain,
     KW,
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
    {"load_pkcs12", (PyCFunction)(void (*)(void))context_load_pkcs12, KW,
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
    {"load_dh_params", (PyCFunction)context_load_dh_params, METH_O,
     "load_dh_params($self, path, /)\n--\n\n"},
    {"load_verify_locations",
     (PyCFunction)(void (*)(void))context_load_verify_locations, KW,
     "load_verify_locations($self, /, cafile=None, capath=None, "
     "cadata=None)\n--\n\n"},
    {"session_stats", (PyCFunction)context_session_stats, METH_NOARGS,
     "session_stats($self, /)\n--\n\n"},
    {"set_default_verify_paths", (PyCFunction)context_set_default_verify_paths,
     METH_NOARGS, "set_default_verify_paths($self, /)\n--\n\n"},
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
     (PyCFunction)(void (*)(void))context_set_psk_client_callback, KW,
     "set_psk_client_callback($self, /, callback)\n--\n\n"},
    {"set_psk_server_callback",
     (PyCFunction)(void (*)(void))context_set_psk_server_callback, KW,
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
