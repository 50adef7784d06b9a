/* pyssl.h: the module state, the objects, and what the files of csrc/ share.
 *
 * One file per OpenSSL object it wraps:
 *   module.c        module init and state, constants, RAND_*, txt2obj/nid2obj
 *   errors.c        the OpenSSL error queue -> SSLError and its subclasses
 *   context.c       _SSLContext (SSL_CTX)
 *   debughelpers.c  _SSLContext._msg_callback and keylog_filename
 *   socket.c        _SSLSocket (SSL), including _SSLContext._wrap_socket/_wrap_bio
 *   bio.c           MemoryBIO
 *   sockbio.c       the never-blocking gate in front of an SSLSocket's socket BIO
 *   distrust.c      the distrusted CA keys every verification refuses
 *   session.c       SSLSession
 *   cert.c          Certificate, and X509 -> dict decoding
 *
 * Each file exports one  int pyssl_<file>_init(PyObject *module, pyssl_state *st)
 * that creates its types and adds them to the module.
 */
#ifndef PYSSL_H
#define PYSSL_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <pythread.h>

/* Deprecated OpenSSL calls must fail to compile (with -Werror). */
#define OPENSSL_API_COMPAT 0x10101000L
#define OPENSSL_NO_DEPRECATED 1

#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/rand.h>
#include <openssl/bio.h>
#include <openssl/pem.h>

#include "compat.h"

/* setup.py builds "pyssl._ssl"; an interpreter embedding csrc/ builds "_ssl".
 * The init function is PyInit__ssl either way. */
#ifndef PYSSL_MODULE_NAME
#  define PYSSL_MODULE_NAME "_ssl"
#endif
/* tp_name of the C types: "pyssl._ssl._SSLContext" or "_ssl._SSLContext" */
#define PYSSL_TYPE_NAME(name) PYSSL_MODULE_NAME "." name

/* The values CPython's _ssl gives these (ssl.SSL_ERROR_*). */
enum py_ssl_error {
    PY_SSL_ERROR_NONE,
    PY_SSL_ERROR_SSL,
    PY_SSL_ERROR_WANT_READ,
    PY_SSL_ERROR_WANT_WRITE,
    PY_SSL_ERROR_WANT_X509_LOOKUP,
    PY_SSL_ERROR_SYSCALL,
    PY_SSL_ERROR_ZERO_RETURN,
    PY_SSL_ERROR_WANT_CONNECT,
    PY_SSL_ERROR_EOF,
    PY_SSL_ERROR_NO_SOCKET,
    PY_SSL_ERROR_INVALID_ERROR_CODE
};

/* ssl.PROTOCOL_* */
enum py_ssl_version {
    PY_SSL_VERSION_SSL2,
    PY_SSL_VERSION_SSL3 = 1,
    PY_SSL_VERSION_TLS, /* SSLv23 */
    PY_SSL_VERSION_TLS1,
    PY_SSL_VERSION_TLS1_1,
    PY_SSL_VERSION_TLS1_2,
    PY_SSL_VERSION_TLS_CLIENT = 0x10,
    PY_SSL_VERSION_TLS_SERVER
};

/* ssl.PROTO_* (TLSVersion) */
enum py_proto_version {
    PY_PROTO_MINIMUM_SUPPORTED = -2,
    PY_PROTO_SSLv3 = SSL3_VERSION,
    PY_PROTO_TLSv1 = TLS1_VERSION,
    PY_PROTO_TLSv1_1 = TLS1_1_VERSION,
    PY_PROTO_TLSv1_2 = TLS1_2_VERSION,
    PY_PROTO_TLSv1_3 = 0x304,
    PY_PROTO_MAXIMUM_SUPPORTED = -1
};

/* ssl.CERT_* */
enum py_ssl_cert_requirements {
    PY_SSL_CERT_NONE,
    PY_SSL_CERT_OPTIONAL,
    PY_SSL_CERT_REQUIRED
};

/* ssl.ENCODING_* */
#define PY_SSL_ENCODING_PEM 1
#define PY_SSL_ENCODING_DER 2

/* The cipher list every new context starts with (CPython 3.10+). */
#define PY_SSL_DEFAULT_CIPHER_STRING \
    "@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:" \
    "!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM"

/* ------------------------------------------------------------------------ */
/* Module state                                                             */

#define PYSSL_PLAIN_ERROR_SLOTS 32

typedef struct {
    /* types */
    PyTypeObject *context_type;
    PyTypeObject *socket_type;
    PyTypeObject *memorybio_type;
    PyTypeObject *session_type;
    PyTypeObject *certificate_type;
    /* _socket.socket: what _wrap_socket accepts */
    PyTypeObject *sock_type;
    /* exceptions */
    PyObject *SSLError;
    PyObject *SSLCertVerificationError;
    PyObject *SSLZeroReturnError;
    PyObject *SSLWantReadError;
    PyObject *SSLWantWriteError;
    PyObject *SSLSyscallError;
    PyObject *SSLEOFError;
    /* error tables, from errcodes.h: (lib, reason) -> name, lib -> name */
    PyObject *err_codes_to_names;
    PyObject *err_names_to_codes;
    PyObject *lib_codes_to_names;
    /* keylog lines from several threads must not interleave */
    PyThread_type_lock keylog_lock;
    /* method names socket.c calls on every read and write, interned once */
    PyObject *str_fileno;
    PyObject *str_gettimeout;
    /* The (errno, message) argument tuples of errors that carry no OpenSSL
     * code, such as the SSLWantReadError every non-blocking read that finds
     * no data raises: formatted once per call site, not once per raise.
     * Each slot is filled once and then only read (errors.c), so threads
     * read it without a lock; a few dozen call sites exist. */
    struct {
        const char *errstr;
        const char *file;
        int line;
        int py_errno;
        PyObject *args;
    } plain_error_args[PYSSL_PLAIN_ERROR_SLOTS];
    int plain_error_used;         /* slots filled */
    pyssl_mutex plain_error_lock; /* held to fill a slot (free-threaded) */
} pyssl_state;

static inline pyssl_state *
pyssl_get_state(PyObject *module)
{
    return (pyssl_state *)PyModule_GetState(module);
}

static inline pyssl_state *
pyssl_state_from_type(PyTypeObject *type)
{
    return (pyssl_state *)PyType_GetModuleState(type);
}

/* ------------------------------------------------------------------------ */
/* Objects                                                                  */

/* _SSLContext */
typedef struct {
    PyObject_HEAD
    SSL_CTX *ctx;
    /* Held while the SSL_CTX, or what callbacks read during a handshake
     * (alpn_protocols), changes, and while SSL_new copies from it: see
     * the top of context.c for the rules and the lock order. */
    PyThread_type_lock lock;
    pyssl_state *state;            /* borrowed: the types keep the module alive */
    int protocol;                  /* enum py_ssl_version */
    int check_hostname;
    int post_handshake_auth;
    unsigned int hostflags;        /* X509_CHECK_FLAG_*, see _host_flags */
    unsigned char *alpn_protocols; /* wire format, PyMem_Malloc'd */
    unsigned int alpn_protocols_len;
    PyObject *sni_callback;        /* callable or NULL */
    PyObject *msg_callback;        /* callable or NULL (debughelpers.c) */
    PyObject *keylog_filename;     /* str/bytes or NULL (debughelpers.c) */
    BIO *keylog_bio;
    PyObject *psk_client_callback; /* callable or NULL */
    PyObject *psk_server_callback;
    PyObject *weakreflist;
} PySSLContext;

/* The last error of an SSL_* call, read before the GIL is taken back. */
typedef struct {
    int ssl; /* SSL_get_error() */
    int c;   /* errno */
} pyssl_err;

/* _SSLSocket: an SSL over a socket fd or over two MemoryBIOs. */
typedef struct {
    PyObject_HEAD
    SSL *ssl;
    pyssl_state *state;       /* borrowed, as the context's; never changes */
    PySSLContext *ctx;        /* strong; changes when an SNI callback switches
                               * it: read and replaced in the object's
                               * critical section (free-threaded builds) */
    PyObject *sock;           /* weakref to the socket.socket, NULL for BIOs */
    PyObject *owner;          /* weakref to the SSLSocket/SSLObject, or NULL */
    PyObject *server_hostname;/* str or None */
    int server_side;
    char shutdown_seen_zero;
    char got_eof;             /* an SSLEOFError was raised: every later
                               * I/O call raises one too (gh-148292) */
    /* The connection lock: one thread at a time inside OpenSSL with this
     * SSL (socket.c, "Who owns what"); lock_owner is the holder's thread
     * ident, so that a callback that re-enters on the same thread does
     * not wait for itself. */
    PyThread_type_lock lock;
    unsigned long lock_owner;
    PyObject *exc;            /* an exception a callback parked, or NULL */
    PyObject *read_exc;       /* the error a read hit after it had data,
                               * raised by the next read; or NULL */
    PyObject *weakreflist;
} PySSLSocket;

/* MemoryBIO: the bytes and the end-of-stream flag live in the BIO (see
 * bio.c), which an SSL may keep after this object is gone. */
typedef struct {
    PyObject_HEAD
    BIO *bio;
} PySSLMemoryBIO;

/* SSLSession */
typedef struct {
    PyObject_HEAD
    SSL_SESSION *session;
    PySSLContext *ctx;        /* strong: sessions only make sense with it */
} PySSLSession;

/* Certificate */
typedef struct {
    PyObject_HEAD
    X509 *cert;
    Py_hash_t hash;           /* -1 until computed */
} PySSLCertificate;

/* ------------------------------------------------------------------------ */
/* What the files share                                                     */

/* A C string from OpenSSL as str, or None where OpenSSL has none. */
static inline PyObject *
pyssl_str_or_none(const char *s)
{
    if (s == NULL) {
        Py_RETURN_NONE;
    }
    return PyUnicode_FromString(s);
}

/* A PyObject* field that setters replace while other threads read it
 * (callbacks, a socket's context): read and replaced in the owner's
 * critical section, so a reader never gets an object already released
 * (free-threaded builds; under the GIL these are plain loads and stores).
 * pyssl_field_get returns a new reference or NULL; pyssl_field_swap stores
 * value (stolen) and returns the old one, for the caller to release. */
static inline PyObject *
pyssl_field_get(PyObject *owner, PyObject **field)
{
    PyObject *v;
    PYSSL_BEGIN_CS(owner);
    v = Py_XNewRef(*field);
    PYSSL_END_CS();
    return v;
}

static inline PyObject *
pyssl_field_swap(PyObject *owner, PyObject **field, PyObject *value)
{
    PyObject *old;
    PYSSL_BEGIN_CS(owner);
    old = *field;
    *field = value;
    PYSSL_END_CS();
    return old;
}

/* Takes what *field holds (the reference too), leaving NULL: for the
 * exceptions that wait on a socket, which are nearly always NULL, so the
 * hot path (every read and handshake step) only loads the pointer and
 * begins no critical section. */
static inline PyObject *
pyssl_field_take(PyObject *owner, PyObject **field)
{
#if defined(Py_GIL_DISABLED) && defined(__GNUC__)
    if (__atomic_load_n(field, __ATOMIC_RELAXED) == NULL) {
        return NULL;
    }
#else
    if (*field == NULL) {
        return NULL;
    }
#endif
    return pyssl_field_swap(owner, field, NULL);
}

/* The context an _SSLSocket currently belongs to (new reference). */
static inline PySSLContext *
pyssl_socket_ctx(PySSLSocket *sslsock)
{
    return (PySSLContext *)pyssl_field_get((PyObject *)sslsock,
                                           (PyObject **)&sslsock->ctx);
}

/* Type setup: PyType_FromModuleAndSpec plus what 3.8 lacks (tp_new = NULL
 * for DISALLOW_INSTANTIATION). Returns a new reference or NULL. (module.c) */
PyTypeObject *pyssl_new_type(PyObject *module, PyType_Spec *spec);

/* errors.c ---------------------------------------------------------------- */

/* The OpenSSL error queue -> SSLError (or a subclass picked by the error).
 * If errcode is 0 the last error on the queue is used; if the queue is empty
 * too, msg (or a generic text) is the message. Always clears the queue.
 * Returns NULL so callers can `return pyssl_set_ssl_error(...)`. */
PyObject *pyssl_set_ssl_error(pyssl_state *st, const char *msg,
                              unsigned long errcode,
                              const char *file, int line);
#define PYSSL_SET_SSL_ERROR(st, msg) \
    pyssl_set_ssl_error((st), (msg), 0, __FILE__, __LINE__)

/* After an SSL_* call on sslsock failed with return value ret and error
 * err (SSL_get_error() and errno, captured by the failing call itself, so
 * that threads sharing the object each raise their own): raises the
 * exception it says, with verification detail for certificate failures,
 * OSError for syscall errors, SSLEOFError for unexpected EOF. Clears the
 * queue. Returns NULL. */
PyObject *pyssl_set_socket_error(PySSLSocket *sslsock, const pyssl_err *err,
                                 int ret, const char *file, int line);
#define PYSSL_SET_SOCKET_ERROR(s, err, ret) \
    pyssl_set_socket_error((s), (err), (ret), __FILE__, __LINE__)

/* Raise st->SSLError (or type) with a fixed message, errno-style args. */
PyObject *pyssl_raise(pyssl_state *st, PyObject *type, int code,
                      const char *msg);

/* Callbacks that run inside OpenSSL cannot raise: they park the current
 * exception on the socket (pyssl_park_exception), abort the handshake, and
 * the method that called OpenSSL re-raises it, chained to whatever it
 * raised itself (pyssl_reraise_parked, returns -1 if it set an error). */
void pyssl_park_exception(PySSLSocket *sslsock);
int pyssl_reraise_parked(PySSLSocket *sslsock);

/* context.c --------------------------------------------------------------- */
/* _ssl.get_sigalgs() */
PyObject *pyssl_get_sigalgs(PyObject *module, PyObject *unused);
/* SSL_new(ctx->ctx) with the context lock held, so that no setter frees
 * what it copies. Call with the GIL released. NULL: error on the queue. */
SSL *pyssl_context_new_ssl(PySSLContext *ctx);
/* SSL_set_SSL_CTX(ssl, ctx->ctx) under the context lock, for an SNI
 * callback that moves a connection to ctx. Call with the GIL held. 1 on
 * success, 0 with the error on the queue. */
int pyssl_context_move_ssl(PySSLContext *ctx, SSL *ssl);

/* socket.c ---------------------------------------------------------------- */
PyObject *pyssl_context_wrap_socket(PySSLContext *self, PyObject *args,
                                    PyObject *kwds);
PyObject *pyssl_context_wrap_bio(PySSLContext *self, PyObject *args,
                                 PyObject *kwds);
/* The Python object callbacks pass to user code: the owner if it is alive,
 * else the _SSLSocket itself. New reference. */
PyObject *pyssl_socket_owner_or_self(PySSLSocket *sslsock);

/* cert.c ------------------------------------------------------------------ */
/* X509 -> the dict getpeercert() returns. */
PyObject *pyssl_decode_certificate(pyssl_state *st, X509 *cert);
/* X509 -> Certificate; takes its own reference (X509_up_ref). */
PyObject *pyssl_certificate_new(pyssl_state *st, X509 *cert);
/* STACK_OF(X509) -> list of Certificate. */
PyObject *pyssl_certificate_list(pyssl_state *st, STACK_OF(X509) *chain);
/* _ssl._test_decode_cert(path) */
PyObject *pyssl_test_decode_cert(PyObject *module, PyObject *path);

/* session.c --------------------------------------------------------------- */
/* Takes ownership of session. */
PyObject *pyssl_session_new(PySSLContext *ctx, SSL_SESSION *session);

/* debughelpers.c ---------------------------------------------------------- */
/* The SSL message callback _msg_callback installs; an SSL that moves to
 * another context (SNI) takes that context's setting with it. */
void pyssl_msg_callback(int write_p, int version, int content_type,
                        const void *buf, size_t len, SSL *ssl, void *arg);
PyObject *pyssl_context_get_msg_callback(PySSLContext *self, void *c);
int pyssl_context_set_msg_callback(PySSLContext *self, PyObject *arg, void *c);
PyObject *pyssl_context_get_keylog_filename(PySSLContext *self, void *c);
int pyssl_context_set_keylog_filename(PySSLContext *self, PyObject *arg, void *c);

/* store.c ----------------------------------------------------------------- */
/* The shared, cached trust store; GIL released, no Python objects. Drop-in
 * for SSL_CTX_set_default_verify_paths and SSL_CTX_load_verify_locations
 * (same return values, errors on the queue, errno for files). Anything else
 * that changes a context's X509_STORE gets it from pyssl_store_for_write()
 * (NULL if out of memory), never from SSL_CTX_get_cert_store(). */
int pyssl_store_set_default_paths(SSL_CTX *ctx);
int pyssl_store_load_locations(SSL_CTX *ctx, const char *cafile,
                               const char *capath);
X509_STORE *pyssl_store_for_write(SSL_CTX *ctx);

/* distrust.c -------------------------------------------------------------- */
/* The verify callback of every context: fails a chain through a key on
 * CPython's list of distrusted CA keys with X509_V_ERR_CERT_REJECTED. */
int pyssl_distrust_verify_cb(int preverify_ok, X509_STORE_CTX *store);

/* bio.c ------------------------------------------------------------------- */
/* Whether bio, a MemoryBIO's, holds a whole TLS record and a byte more (0
 * for any other BIO): reading on may take a record only then.  No GIL
 * needed. */
int pyssl_membio_holds_record_and_more(BIO *bio);
/* Whether bio, a MemoryBIO's, is empty and not at EOF (0 for any other
 * BIO).  No GIL needed. */
int pyssl_membio_is_empty_and_open(BIO *bio);

/* sockbio.c --------------------------------------------------------------- */
/* pyssl_sockbio_set_fd: gives ssl a BIO over fd for both directions that
 * never blocks (a gate in front of OpenSSL's socket BIO), so that the
 * connection lock is never held while a thread waits for the network.
 * Returns 0 on failure (no memory), with OpenSSL's error queued.  Without
 * the gate (Windows) it is SSL_set_fd and PYSSL_HAVE_SOCKET_GATE is 0. */
#ifdef _WIN32
#  define PYSSL_HAVE_SOCKET_GATE 0
#else
#  define PYSSL_HAVE_SOCKET_GATE 1
#endif
int pyssl_sockbio_set_fd(SSL *ssl, int fd);
/* Whether the kernel holds a whole record for ssl's socket and a byte
 * more: reading on may take a record only then (see may_read_on). */
int pyssl_sockbio_holds_record_and_more(SSL *ssl);
int pyssl_sockbio_init(void);

/* certgen.c --------------------------------------------------------------- */
/* _make_test_certs(): throwaway certificates for selftest/serve */
extern PyMethodDef pyssl_certgen_methods[];

/* per-file init, called from module.c ------------------------------------- */
int pyssl_errors_init(PyObject *module, pyssl_state *st);
int pyssl_context_init(PyObject *module, pyssl_state *st);
int pyssl_socket_init(PyObject *module, pyssl_state *st);
int pyssl_bio_init(PyObject *module, pyssl_state *st);
int pyssl_session_init(PyObject *module, pyssl_state *st);
int pyssl_cert_init(PyObject *module, pyssl_state *st);

#endif /* PYSSL_H */
