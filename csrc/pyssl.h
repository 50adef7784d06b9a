/* pyssl.h: the module state, the objects, and what the files of csrc/ share.
 *
 * One file per OpenSSL object it wraps:
 *   module.c        module init and state, constants, RAND_*, txt2obj/nid2obj,
 *                   get_sigalgs
 *   compat.h        every interpreter/OpenSSL version check; pyssl_new_type
 *   errors.c        the OpenSSL error queue -> SSLError and its subclasses
 *   context.c       _SSLContext (SSL_CTX): the type, its options, versions,
 *                   verification, ciphers/groups, statistics; the context lock
 *   context_load.c  loading certificates/keys (and their passwords), PKCS#12,
 *                   CA data and locations, DH parameters
 *   context_callbacks.c  the handshake callbacks: SNI, ALPN selection, PSK
 *   debughelpers.c  _SSLContext._msg_callback and keylog_filename
 *   store.c         the X509_STORE shared by contexts that load the same CAs
 *   distrust.c      the distrusted CA keys every verification refuses
 *   socket.c        _SSLSocket (SSL), including _SSLContext._wrap_socket/_wrap_bio
 *   aioproto.c      _AioPipe: the per-record data path of pyssl's asyncio
 *                   TLS protocol (src/pyssl/asyncio.py) over an _SSLSocket
 *   aiotransport.c  _AioPipe's methods that stand in for asyncio's transport
 *                   methods while a connection is up
 *   sockbio.c       the never-blocking gate in front of an SSLSocket's socket BIO
 *   platform.h      POSIX vs Windows: waiting on a socket, the monotonic clock,
 *                   socket error codes (errno or WSAGetLastError) -> OSError,
 *                   the connection/MemoryBIO mutex (pyssl_mutex)
 *   bio.c           MemoryBIO
 *   stdlib_bio.c    _Shuttle: an SSLObject's _sslobj over the stdlib's
 *                   MemoryBIOs (src/pyssl/_stdlib_bio.py)
 *   session.c       SSLSession
 *   cert.c          Certificate, and X509 -> dict decoding
 *   ocsp.c          OCSP stapling: the status callback, its _SSLContext
 *                   attributes and _SSLSocket.get_ocsp_response
 *   certgen.c       _make_test_certs, throwaway certificates for the CLI
 *   credentials.c   a certificate chain and key from memory (PEM, DER, PKCS#12)
 *
 * The files that define types export  int pyssl_<file>_init(PyObject *module,
 * pyssl_state *st), called from module_exec; sockbio.c's init takes no
 * arguments (it builds a BIO_METHOD once), and store.c, distrust.c,
 * certgen.c and credentials.c have none.
 *
 * Where CPython's Modules/_ssl.c names are found here:
 *   PySSL_SetError                     errors.c   pyssl_set_socket_error
 *   _setSSLError, fill_and_set_sslerror  errors.c  pyssl_set_ssl_error, pyssl_raise
 *   PySSL_select                       socket.c   io_wait (+ run_io, the one I/O loop),
 *                                      platform.h pyssl_wait_socket
 *   _PySSLError.c/.ws, _PySSL_FIX_ERRNO  platform.h pyssl_socket_errno (one code)
 *   PySSL_BEGIN/END_ALLOW_THREADS      socket.c   run_op, conn_lock/conn_unlock
 *   newPySSLSocket                     socket.c   new_sslsock, wrap, finish_wrap
 *   _ssl__SSLSocket_read/write_impl    socket.c   sslsock_read, sslsock_write
 *   _ssl__SSLSocket_shutdown_impl      socket.c   sslsock_shutdown, shutdown_loop
 *   _ssl__SSLContext_impl              context.c  context_new, context_configure
 *   _ssl__SSLContext__wrap_socket/bio  socket.c   pyssl_context_wrap_socket/_bio
 *   load_cert_chain, _password_callback context_load.c
 *                                      pyssl_context_load_cert_chain, password_cb
 *   load_verify_locations, _add_ca_certs context_load.c
 *                                      pyssl_context_load_verify_locations,
 *                                                 add_ca_certs, load_cadata
 *   _servername_callback               context_callbacks.c  servername_cb,
 *                                                 call_sni_callback
 *   _selectALPN_callback               context_callbacks.c  alpn_select_cb
 *   psk_client/server_callback         context_callbacks.c  psk_client_cb,
 *                                                 psk_server_cb
 *   _ssl__SSLContext_load_dh_params    context_load.c  pyssl_context_load_dh_params
 *   _PySSL_msg_callback, _PySSL_keylog_callback  debughelpers.c
 *   _decode_certificate, _test_decode_cert  cert.c pyssl_decode_certificate,
 *                                                 pyssl_test_decode_cert
 *   _certificate_to_der                socket.c   der_bytes
 *   PySSLMemoryBIO                     bio.c      memorybio_* (and the BIO_METHOD
 *                                                 membio_*, no OpenSSL mem BIO)
 *   PySSLSession                       session.c
 *   _ssl_enum_certificates/enum_crls   src/pyssl/_wincerts.py (Python, ctypes)
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
#include "platform.h" /* pyssl_mutex, in the socket object */

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
#define PY_SSL_DEFAULT_CIPHER_STRING                        \
  "@SECLEVEL=2:ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:" \
  "!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM"

/* ------------------------------------------------------------------------ */
/* Module state                                                             */

#define PYSSL_PLAIN_ERROR_SLOTS 32
/* How many names aiotransport.c interns (its enum aio_name). */
#define PYSSL_AIO_NAMES 24
#define PYSSL_SHUTTLE_NAMES 5

typedef struct {
    /* types */
    PyTypeObject *context_type;
    PyTypeObject *socket_type;
    PyTypeObject *memorybio_type;
    PyTypeObject *shuttle_type; /* stdlib_bio.c */
    PyTypeObject *session_type;
    PyTypeObject *certificate_type;
    PyTypeObject *sslobj_method_type; /* SSLObject's fast methods */
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
    /* method names socket.c calls on every read and write, interned once,
     * and _socket.socket's own methods of those names (module.c) */
    PyObject *str_fileno;
    PyObject *str_gettimeout;
    PyObject *sock_fileno;
    PyObject *sock_gettimeout;
    /* the asyncio attribute and method names aiotransport.c uses,
     * interned once (its enum says which is which) */
    PyObject *aio_names[PYSSL_AIO_NAMES];
    /* the same for stdlib_bio.c */
    PyObject *shuttle_names[PYSSL_SHUTTLE_NAMES];
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
    int plain_error_used; /* slots filled */
    pyssl_ft_mutex plain_error_lock; /* held to fill a slot (free-threaded) */
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
#ifndef NDEBUG
    unsigned long lock_holder; /* thread ident, for asserts (debug builds) */
#endif
    pyssl_state *state; /* borrowed: the types keep the module alive */
    int protocol; /* enum py_ssl_version */
    int check_hostname;
    int post_handshake_auth;
    unsigned int hostflags; /* X509_CHECK_FLAG_*, see _host_flags */
    unsigned char *alpn_protocols; /* wire format, PyMem_Malloc'd */
    unsigned int alpn_protocols_len;
    PyObject *sni_callback; /* callable or NULL */
    PyObject *msg_callback; /* callable or NULL (debughelpers.c) */
    PyObject *keylog_filename; /* str/bytes or NULL (debughelpers.c) */
    BIO *keylog_bio;
    PyObject *psk_client_callback; /* callable or NULL */
    PyObject *psk_server_callback;
    PyObject *ocsp_response_callback; /* client: callable or NULL (ocsp.c) */
    PyObject *ocsp_staple; /* server: bytes or NULL */
    PyObject *ocsp_staple_callback; /* server: callable or NULL */
    PyObject *weakreflist;
} PySSLContext;

/* The last error of an SSL_* call, read before the GIL is taken back. */
typedef struct {
    int ssl; /* SSL_get_error() */
    int c; /* errno, WSAGetLastError() on Windows (platform.h) */
} pyssl_err;

/* _SSLSocket: an SSL over a socket fd or over two MemoryBIOs. */
typedef struct {
    PyObject_HEAD
    SSL *ssl;
    pyssl_state *state; /* borrowed, as the context's; never changes */
    PySSLContext *ctx; /* strong; changes when an SNI callback switches
                               * it: read and replaced in the object's
                               * critical section (free-threaded builds) */
    PyObject *sock; /* weakref to the socket.socket, NULL for BIOs */
    PyObject *owner; /* weakref to the SSLSocket/SSLObject, or NULL */
    PyObject *server_hostname; /* str or None */
    int server_side;
    char shutdown_seen_zero;
    char got_eof; /* an SSLEOFError was raised: every later
                               * I/O call raises one too (gh-148292) */
    char bufs_held; /* over memory BIOs: OpenSSL may hold record
                               * buffers, to give back once idle; only
                               * touched with the connection lock */
    char bufs_used; /* called OpenSSL since pyssl.asyncio's last
                               * sweep, and in the interval before; while
                               * both, keep_bufs: the buffers go back at a
                               * sweep, not at idle reads.  All three only
                               * with the connection lock */
    char bufs_used_before;
    char keep_bufs;
    /* The connection lock: one thread at a time inside OpenSSL with this
     * SSL (socket.c, "Who owns what"); lock_owner is the holder's thread
     * ident, so that a callback that re-enters on the same thread does
     * not wait for itself. */
    pyssl_mutex lock;
    unsigned long lock_owner;
    PyObject *exc; /* an exception a callback parked, or NULL */
    PyObject *read_exc; /* the error a read hit after it had data,
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
    PySSLContext *ctx; /* strong: sessions only make sense with it */
} PySSLSession;

/* Certificate */
typedef struct {
    PyObject_HEAD
    X509 *cert;
    Py_hash_t hash; /* -1 until computed */
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

/* A setter's refusal to delete its attribute (arg NULL): -1 with
 * AttributeError, else 0. */
static inline int
pyssl_no_delete(PyObject *arg, const char *name)
{
    if (arg == NULL) {
        PyErr_Format(PyExc_AttributeError, "cannot delete attribute '%s'",
                     name);
        return -1;
    }
    return 0;
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
    PYSSL_ASSERT_GIL();
    PYSSL_BEGIN_CS(owner);
    v = Py_XNewRef(*field);
    PYSSL_END_CS();
    return v;
}

static inline PyObject *
pyssl_field_swap(PyObject *owner, PyObject **field, PyObject *value)
{
    PyObject *old;
    PYSSL_ASSERT_GIL();
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
    if (PYSSL_LOAD_FLAG(field) == NULL) {
        return NULL;
    }
    return pyssl_field_swap(owner, field, NULL);
}

/* The context an _SSLSocket currently belongs to (new reference). */
static inline PySSLContext *
pyssl_socket_ctx(PySSLSocket *sslsock)
{
    return (PySSLContext *)pyssl_field_get((PyObject *)sslsock,
                                           (PyObject **)&sslsock->ctx);
}

/* errors.c ---------------------------------------------------------------- */

/* The OpenSSL error queue -> SSLError (or a subclass picked by the error).
 * If errcode is 0 the last error on the queue is used; if the queue is empty
 * too, msg (or a generic text) is the message. Always clears the queue.
 * Returns NULL so callers can `return pyssl_set_ssl_error(...)`. */
PyObject *pyssl_set_ssl_error(pyssl_state *st, const char *msg,
                              unsigned long errcode, const char *file,
                              int line);
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

/* Raise SSLWantReadError or SSLWantWriteError (which is PY_SSL_ERROR_WANT_
 * READ or _WRITE) for an operation that asked no OpenSSL function, so the
 * error queue holds nothing of it: the queue is not read.  Returns NULL. */
PyObject *pyssl_raise_want_at(PySSLSocket *sslsock, int which,
                              const char *file, int line);
#define pyssl_raise_want(s, which) \
  pyssl_raise_want_at((s), (which), __FILE__, __LINE__)

/* An SSLError with a fixed message: the OpenSSL queue is dropped first so
 * that it is this message the user sees, not a stale queue entry. */
static inline PyObject *
pyssl_raise_msg_at(pyssl_state *st, const char *msg, const char *file,
                   int line)
{
    ERR_clear_error();
    return pyssl_set_ssl_error(st, msg, 0, file, line);
}
#define PYSSL_RAISE_MSG(st, msg) \
  pyssl_raise_msg_at((st), (msg), __FILE__, __LINE__)

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
/* The context lock (see the top of context.c for its rules), for SSL_CTX
 * changes made in any file: pyssl_context_lock with the GIL held,
 * pyssl_context_lock_nogil without it (loaders, handshake callbacks);
 * pyssl_context_unlock either way. */
void pyssl_context_lock(PySSLContext *self);
void pyssl_context_lock_nogil(PySSLContext *self);
void pyssl_context_unlock(PySSLContext *self);
/* Asserts that this thread holds self's context lock (debug builds). */
#ifndef NDEBUG
#  define PYSSL_ASSERT_CTX_LOCKED(self)             \
    assert(PYSSL_LOAD_FLAG(&(self)->lock_holder) == \
           PyThread_get_thread_ident())
#else
#  define PYSSL_ASSERT_CTX_LOCKED(self) ((void)0)
#endif
/* SSL_new(ctx->ctx) with the context lock held, so that no setter frees
 * what it copies. Call with the GIL released. NULL: error on the queue. */
SSL *pyssl_context_new_ssl(PySSLContext *ctx);
/* SSL_set_SSL_CTX(ssl, ctx->ctx) under the context lock, for an SNI
 * callback that moves a connection to ctx. Call with the GIL held. 1 on
 * success, 0 with the error on the queue. */
int pyssl_context_move_ssl(PySSLContext *ctx, SSL *ssl);

/* context_load.c: the _SSLContext methods that load certificates, keys,
 * CA data and DH parameters. */
PyObject *pyssl_context_load_cert_chain(PySSLContext *self, PyObject *args,
                                        PyObject *kwds);
PyObject *pyssl_context_load_pkcs12(PySSLContext *self, PyObject *args,
                                    PyObject *kwds);
PyObject *pyssl_context_load_verify_locations(PySSLContext *self,
                                              PyObject *args, PyObject *kwds);
PyObject *pyssl_context_set_default_verify_paths(PySSLContext *self,
                                                 PyObject *unused);
PyObject *pyssl_context_load_dh_params(PySSLContext *self, PyObject *path);

/* context_callbacks.c: the handshake callbacks (SNI, ALPN, PSK) and the
 * _SSLContext attributes and methods that install them. */
PyObject *pyssl_context_get_sni_callback(PySSLContext *self, void *c);
int pyssl_context_set_sni_callback(PySSLContext *self, PyObject *arg, void *c);
PyObject *pyssl_context_set_alpn_protocols(PySSLContext *self, PyObject *args);
PyObject *pyssl_context_set_npn_protocols(PySSLContext *self, PyObject *args);
PyObject *pyssl_context_set_psk_client_callback(PySSLContext *self,
                                                PyObject *args,
                                                PyObject *kwds);
PyObject *pyssl_context_set_psk_server_callback(PySSLContext *self,
                                                PyObject *args,
                                                PyObject *kwds);

/* socket.c ---------------------------------------------------------------- */
/* Debug builds: whether this thread may use sslsock's SSL (it holds the
 * connection lock, or needs none), and the state every callback OpenSSL
 * runs for sslsock's SSL s finds: on the thread inside an SSL_* call, GIL
 * released (asserted before PyGILState_Ensure), connection lock held. */
#ifndef NDEBUG
int pyssl_socket_lock_held(PySSLSocket *sslsock);
#endif
#define PYSSL_ASSERT_IN_SSL_CALL(sslsock, s)                          \
  do {                                                                \
    PYSSL_ASSERT_NO_GIL();                                            \
    assert((sslsock)->ssl == (s) && pyssl_socket_lock_held(sslsock)); \
  } while (0)
PyObject *pyssl_context_wrap_socket(PySSLContext *self, PyObject *args,
                                    PyObject *kwds);
PyObject *pyssl_context_wrap_bio(PySSLContext *self, PyObject *args,
                                 PyObject *kwds);
/* For aioproto.c, over memory BIOs: read up to len decrypted bytes into
 * buf, as SSLObject.read(len, buf) does, but "no data yet" returns
 * PYSSL_READ_AGAIN without raising.  Else the count, 0 after the peer's
 * close_notify, or -1 with an exception. */
#define PYSSL_READ_AGAIN (-2)
Py_ssize_t pyssl_socket_read_some(PySSLSocket *self, void *buf, size_t len);
/* pyssl.asyncio's idle sweep of OpenSSL's record buffers (socket.c). */
int pyssl_socket_sweep_buffers(PySSLSocket *self, int now);
int pyssl_socket_buffers_held(PySSLSocket *self);
/* SSLObject.write(buf): the count written, or -1 with an exception. */
Py_ssize_t pyssl_socket_write_all(PySSLSocket *self, const void *buf,
                                  size_t len);
/* The Python object callbacks pass to user code: the owner if it is alive,
 * else the _SSLSocket itself. New reference. */
PyObject *pyssl_socket_owner_or_self(PySSLSocket *sslsock);

/* cert.c ------------------------------------------------------------------ */
/* cert.c: a certificate's DER encoding as bytes */
PyObject *pyssl_cert_der(pyssl_state *st, X509 *cert);
/* cert.c: an ASN.1 object's dotted OID (no_name) or name, as str */
PyObject *pyssl_obj2txt(pyssl_state *st, const ASN1_OBJECT *obj, int no_name);
/* cert.c: what an OpenSSL printer writes into a memory BIO, as a str (its
 * first line, or all of it) or bytes. */
typedef int (*pyssl_printer)(BIO *bio, const void *arg);
enum pyssl_capture {
    PYSSL_CAPTURE_LINE,
    PYSSL_CAPTURE_TEXT,
    PYSSL_CAPTURE_BYTES
};
PyObject *pyssl_capture(pyssl_state *st, pyssl_printer print, const void *arg,
                        enum pyssl_capture how, const char *failure);
/* X509 -> the dict getpeercert() returns. */
PyObject *pyssl_decode_certificate(pyssl_state *st, X509 *cert);
/* X509 -> Certificate; takes its own reference (X509_up_ref). */
PyObject *pyssl_certificate_new(pyssl_state *st, X509 *cert);
/* STACK_OF(X509) -> list of Certificate. */
PyObject *pyssl_certificate_list(pyssl_state *st, STACK_OF(X509) * chain);
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
int pyssl_context_set_keylog_filename(PySSLContext *self, PyObject *arg,
                                      void *c);

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
/* ok of X509_STORE_add_cert/add_crl, a duplicate counted as success. */
int pyssl_store_add_ok(int ok);

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
/* How many bytes bio, a MemoryBIO's, holds (0 for any other BIO).  No GIL
 * needed. */
size_t pyssl_membio_pending(BIO *bio);

/* A MemoryBIO's read(), write() and write_eof() (bio.c), and the
 * _SSLSocket's read, write, do_handshake and shutdown (socket.c), for the
 * Shuttle (stdlib_bio.c) to call directly. */
PyObject *pyssl_membio_read_all(PyObject *membio);
PyObject *pyssl_membio_read_upto(PyObject *membio, Py_ssize_t size);
int pyssl_membio_write(PyObject *membio, PyObject *data);
void pyssl_membio_write_eof(PyObject *membio);
enum {
    PYSSL_CALL_READ,
    PYSSL_CALL_WRITE,
    PYSSL_CALL_HANDSHAKE,
    PYSSL_CALL_SHUTDOWN
};
PyObject *pyssl_sslsock_call(PyObject *sock, int which, PyObject *const *args,
                             Py_ssize_t nargs);

/* stdlib_bio.c: the Shuttle's read and write, for SSLObject's fast
 * methods (socket.c), and the _SSLSocket it carries for (borrowed). */
PyObject *pyssl_shuttle_read(PyObject *op, PyObject *const *args,
                             Py_ssize_t nargs);
PyObject *pyssl_shuttle_write(PyObject *op, PyObject *data);
PyObject *pyssl_shuttle_core(PyObject *op);

/* For aioproto.c, with the GIL, on a MemoryBIO's bio: queue n bytes at
 * data, which owner keeps alive, without a copy when the queue is empty
 * (the queue then reads them where they are and holds a reference to
 * owner until it has), else by copying them.  Before the caller writes
 * into owner's memory again, pyssl_membio_reclaim copies what the queue
 * has not read of it yet.  Both return -1 when memory runs out. */
int pyssl_membio_lend(BIO *bio, PyObject *owner, const char *data, size_t n);
int pyssl_membio_reclaim(BIO *bio, PyObject *owner);

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

/* credentials.c ----------------------------------------------------------- */
/* load_cert_chain(certdata=, keydata=) and load_pkcs12() into a scratch
 * SSL_CTX. No Python objects, call with the GIL released. The data is
 * read in place (no copy): DER if it starts with 0x30, else PEM. 1 on
 * success, 0 with the error on OpenSSL's queue. A present flag for the
 * HAS_MEMORY_CREDENTIALS constant (module.c). */
#define PYSSL_HAS_MEMORY_CREDENTIALS 1
int pyssl_cred_is_der(const char *data, int len);
int pyssl_cred_use_chain(SSL_CTX *ctx, const char *data, int len);
/* cb/u decrypt an encrypted key (PEM or DER PKCS#8). */
int pyssl_cred_use_key(SSL_CTX *ctx, const char *data, int len,
                       pem_password_cb *cb, void *u);
/* password: NUL-terminated, or NULL for none. Also returns these two when
 * the bundle parsed but lacks a part, with the queue empty: */
#define PYSSL_CRED_NO_CERT (-1)
#define PYSSL_CRED_NO_KEY (-2)
int pyssl_cred_use_pkcs12(SSL_CTX *ctx, const char *data, int len,
                          const char *password);

/* certgen.c --------------------------------------------------------------- */
/* _make_test_certs(): throwaway certificates for selftest/serve */
extern PyMethodDef pyssl_certgen_methods[];

/* per-file init, called from module.c ------------------------------------- */
int pyssl_errors_init(PyObject *module, pyssl_state *st);
int pyssl_context_init(PyObject *module, pyssl_state *st);
int pyssl_socket_init(PyObject *module, pyssl_state *st);
int pyssl_bio_init(PyObject *module, pyssl_state *st);
int pyssl_stdlib_bio_init(PyObject *module, pyssl_state *st);
/* aioproto.c: _AioPipe, the data path of pyssl's asyncio TLS protocol;
 * aiotransport.c: its methods that stand in for asyncio's transports. */
struct scratch;
typedef struct {
    PyObject_HEAD
    PySSLSocket *sock; /* strong; over memory BIOs */
    PyObject *incoming; /* the MemoryBIOs, strong */
    PyObject *outgoing;
    PyObject *recv_buf; /* bytearray of PIPE_RECV_SIZE */
    PyObject *recv_view; /* memoryview of it, what get_buffer() returns */
    /* The pipe's own export of recv_buf, for its whole life: the incoming
     * BIO reads lent bytes in place and recv() writes there without the
     * GIL, so the bytearray must never be resized, and recv_view is no
     * guard (Python code may release() it). */
    Py_buffer recv_export;
    struct scratch *scratch; /* read()'s plaintext buffer, or NULL */
    pyssl_ft_mutex scratch_mutex;
    /* Set once by link(): a weak reference to the SSLProtocol the pipe
     * serves (it holds the pipe) and its SSLProtocolState.WRAPPED. */
    PyObject *protocol_ref;
    PyObject *wrapped;
    int fd; /* the socket's descriptor (set_fd), or -1 */
} PyAioPipe;
PyObject *pyssl_aiopipe_feed_read(PyAioPipe *self, PyObject *nbytes,
                                  long *flags);
PyObject *pyssl_aiopipe_encrypt(PyAioPipe *self, const char *buf,
                                Py_ssize_t len, Py_ssize_t *done, int *again);
PyObject *pyssl_aiopipe_link(PyObject *op, PyObject *const *args,
                             Py_ssize_t nargs);
PyObject *pyssl_aiopipe_set_fd(PyObject *op, PyObject *arg);
PyObject *pyssl_aiopipe_deliver(PyObject *op, PyObject *nbytes);
PyObject *pyssl_aiopipe_read_ready(PyObject *op, PyObject *unused);
PyObject *pyssl_aiopipe_write(PyObject *op, PyObject *data);
int pyssl_aiotransport_init(pyssl_state *st);
int pyssl_aioproto_init(PyObject *module, pyssl_state *st);
extern PyMethodDef pyssl_aioproto_functions[]; /* _aio_sweep_timer */
int pyssl_session_init(PyObject *module, pyssl_state *st);
int pyssl_cert_init(PyObject *module, pyssl_state *st);

/* ocsp.c */
void pyssl_ocsp_setup(SSL_CTX *ctx);
PyObject *pyssl_context_get_ocsp_request(PySSLContext *self, void *c);
int pyssl_context_set_ocsp_request(PySSLContext *self, PyObject *arg, void *c);
PyObject *pyssl_context_get_ocsp_response_callback(PySSLContext *self,
                                                   void *c);
int pyssl_context_set_ocsp_response_callback(PySSLContext *self, PyObject *arg,
                                             void *c);
PyObject *pyssl_context_get_ocsp_staple(PySSLContext *self, void *c);
int pyssl_context_set_ocsp_staple(PySSLContext *self, PyObject *arg, void *c);
PyObject *pyssl_context_get_ocsp_staple_callback(PySSLContext *self, void *c);
int pyssl_context_set_ocsp_staple_callback(PySSLContext *self, PyObject *arg,
                                           void *c);
PyObject *pyssl_socket_get_ocsp_response(PySSLSocket *self, PyObject *unused);

#endif /* PYSSL_H */
