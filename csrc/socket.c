/* socket.c: _SSLSocket (SSL), and _SSLContext._wrap_socket/_wrap_bio.
 *
 * One _SSLSocket drives one SSL connection, either over a socket's fd
 * (SSLSocket) or over two MemoryBIOs (SSLObject).  Over a socket, every
 * operation reads the socket's timeout once, then loops: call OpenSSL with
 * the GIL released, and when OpenSSL wants to read or write, wait with
 * poll() (select() on Windows, platform.h) until the fd is ready or the
 * deadline passes.  Over memory BIOs nothing ever waits: "want read" is
 * the caller's cue to feed more bytes.
 *
 * Who owns what.  Programs read an SSLSocket in one thread while another
 * writes it (websockets, chat, proxies), and share an SSLObject between
 * threads.  OpenSSL's SSL is not made for that: SSL_read and SSL_write share
 * the record layer and its buffers, SSL_get_error reads state the other
 * side's call changes, and a TLS 1.3 read may itself write (a KeyUpdate
 * reply).  So the connection lock lets one thread at a time into OpenSSL
 * with a given SSL; the SSL, its BIOs and its buffers belong to the holder,
 * as they would to a one-threaded event loop:
 *  - it is held around every call that reads or changes the connection
 *    (handshake, read and its reading on, write, sendfile, shutdown,
 *    pending, post-handshake auth), together with the SSL_get_error that
 *    follows; it is taken without the GIL, or with it only if free;
 *  - it is never held while waiting for the network: over a socket the
 *    gate (sockbio.c) turns "would block" into WANT_*, and the wait in
 *    poll() happens unlocked, so a reader waiting for data never keeps a
 *    writer out, nor the other way round;
 *  - each call keeps the error it got in a local pyssl_err and raises
 *    from that; read_exc (readers') and exc (parked by callbacks) are
 *    swapped in and out in the object's critical section (see compat.h,
 *    "Free-threading"), as are the context and owner the setters change;
 *  - the getters (cipher, version, peer certificate...) read what the
 *    handshake settled, under the GIL, as CPython's do.
 * A critical section is never begun on an object whose critical section
 * this thread already holds: on 3.13 that suspends and re-takes it the
 * slow way (spinning with sched_yield), which cost a handshake ~200
 * yields when the raise path did so.
 * A Python callback that OpenSSL runs under the lock (SNI, PSK, message
 * callback) may call back into the same object on the same thread:
 * lock_owner lets it through, as if there were no lock.
 */
#include "pyssl.h"
#include "platform.h"

#include <limits.h>
#include <string.h>

#ifndef OPENSSL_NO_COMP
#  include <openssl/comp.h>
#endif

/* ------------------------------------------------------------------------ */
/* Reaching the socket                                                      */

enum io_mode { IO_UNKNOWN, IO_BLOCKING, IO_NONBLOCKING, IO_TIMEOUT };

/* What one operation knows about the socket underneath.  The fd and the
 * timeout only matter once OpenSSL would block, so they are read then
 * (io_learn), not before every call: a read or write that finds the socket
 * ready makes no Python calls.  CPython's _ssl, too, only looks at the fd
 * when it has to wait. */
typedef struct {
    PyObject *sock; /* strong reference; NULL over memory BIOs */
    int fd;
    int mode; /* enum io_mode */
    int64_t deadline; /* monotonic ns, for IO_TIMEOUT */
} io_ctx;

static PyObject *
raise_socket_gone(PySSLSocket *self)
{
    return pyssl_raise(self->state, NULL, PY_SSL_ERROR_NO_SOCKET,
                       "Underlying socket connection gone");
}

static PyObject *
raise_socket_closed(PySSLSocket *self)
{
    PyErr_SetString(self->state->SSLError,
                    "Underlying socket has been closed.");
    return NULL;
}

/* socket.timeout: an OSError subclass on 3.8/3.9, TimeoutError later. */
static PyObject *
raise_timeout(const char *msg)
{
    PyObject *mod = PyImport_ImportModule("_socket");
    if (mod == NULL) {
        return NULL;
    }
    PyObject *type = PyObject_GetAttrString(mod, "timeout");
    Py_DECREF(mod);
    if (type == NULL) {
        return NULL;
    }
    PyErr_SetString(type, msg);
    Py_DECREF(type);
    return NULL;
}

/* sock.fileno() or sock.gettimeout().  A socket.socket (any subclass) gets
 * _socket.socket's own method, called directly: the stdlib's _ssl reads
 * those two C fields without calling anything, so an override was never
 * seen there either, and the lookup through the instance and a Python
 * subclass's MRO cost a non-blocking write that would block half again
 * as much as the write itself.  Anything else: by name. */
static PyObject *
sock_call(pyssl_state *st, PyObject *sock, PyObject *method, PyObject *name)
{
    if (PyObject_TypeCheck(sock, st->sock_type)) {
#ifdef PYSSL_HAVE_VECTORCALL
        return PyObject_Vectorcall(method, &sock, 1, NULL);
#else
        return PyObject_CallFunctionObjArgs(method, sock, NULL);
#endif
    }
    return PyObject_CallMethodObjArgs(sock, name, NULL);
}

/* The socket's fd through its own fileno(); -1 without an error if closed. */
static int
socket_fileno(pyssl_state *st, PyObject *sock)
{
    PyObject *res = sock_call(st, sock, st->sock_fileno, st->str_fileno);
    if (res == NULL) {
        return -1;
    }
    int fd = PyLong_AsInt(res);
    Py_DECREF(res);
    return fd;
}

/* Take a reference to the socket for the length of one operation. */
static int
io_begin(PySSLSocket *self, io_ctx *io)
{
    io->sock = NULL;
    io->fd = -1;
    io->mode = IO_UNKNOWN;
    io->deadline = 0;
    if (self->sock == NULL) {
        io->mode = IO_NONBLOCKING;
        return 0;
    }
    if (PyWeakref_GetRef(self->sock, &io->sock) <= 0) {
        PyErr_Clear();
        raise_socket_gone(self);
        return -1;
    }
    return 0;
}

/* The socket's timeout mode, which starts the deadline, and its fd (which
 * must still be open).  A non-blocking socket's fd is only read if need_fd:
 * after a WANT_* it is not waited on, and a closed fd would have failed the
 * operation with EBADF before it got this far.  Returns -1 with an
 * exception. */
static int
io_learn(PySSLSocket *self, io_ctx *io, int need_fd)
{
    pyssl_state *st = self->state;
    PyObject *t =
        sock_call(st, io->sock, st->sock_gettimeout, st->str_gettimeout);
    if (t == NULL) {
        return -1;
    }
    int64_t deadline = 0;
    int mode = IO_NONBLOCKING;
    if (t == Py_None) {
        mode = IO_BLOCKING;
    }
    else {
        double secs = PyFloat_AsDouble(t);
        if (secs == -1.0 && PyErr_Occurred()) {
            Py_DECREF(t);
            return -1;
        }
        if (secs > 0) {
            /* Past ~30 years a deadline is as good as none; keep int64 sane. */
            if (secs > 1e9) {
                secs = 1e9;
            }
            mode = IO_TIMEOUT;
            deadline = pyssl_monotonic_ns() + (int64_t)(secs * 1e9);
        }
    }
    Py_DECREF(t);
    if (mode != IO_NONBLOCKING || need_fd) {
        io->fd = socket_fileno(st, io->sock);
        if (io->fd < 0) {
            if (!PyErr_Occurred()) {
                raise_socket_closed(self);
            }
            return -1;
        }
    }
    io->mode = mode;
    io->deadline = deadline;
    return 0;
}

static void
io_end(io_ctx *io)
{
    Py_CLEAR(io->sock);
}

/* ------------------------------------------------------------------------ */
/* The connection lock (see "Who owns what" at the top)                     */

/* lock_owner is read by threads that do not hold the lock; only the value
 * a thread stored itself can equal its own ident, so a relaxed load is
 * enough. */
static unsigned long
lock_owner(PySSLSocket *self)
{
    return PYSSL_LOAD_FLAG(&self->lock_owner);
}

static void
set_lock_owner(PySSLSocket *self, unsigned long ident)
{
    PYSSL_STORE_FLAG(&self->lock_owner, ident);
}

/* Whether this call must take the lock: not when this thread holds it
 * already (a callback re-entering), nor over a socket without the gate,
 * where OpenSSL itself may block. */
static int
needs_lock(PySSLSocket *self, unsigned long me)
{
    if (!PYSSL_HAVE_SOCKET_GATE && self->sock != NULL) {
        return 0;
    }
    return lock_owner(self) != me;
}

/* Take the lock without the GIL.  Returns whether it was taken, for
 * conn_unlock. */
static int
conn_lock(PySSLSocket *self)
{
    PYSSL_ASSERT_NO_GIL();
    unsigned long me = PyThread_get_thread_ident();
    if (!needs_lock(self, me)) {
        return 0;
    }
    pyssl_mutex_lock(&self->lock);
    set_lock_owner(self, me);
    return 1;
}

/* The same with the GIL held: it is let go only if another thread holds
 * the lock, which may need the GIL for a callback before it lets go. */
static int
conn_lock_gil(PySSLSocket *self)
{
    PYSSL_ASSERT_GIL();
    unsigned long me = PyThread_get_thread_ident();
    if (!needs_lock(self, me)) {
        return 0;
    }
    if (!pyssl_mutex_trylock(&self->lock)) {
        Py_BEGIN_ALLOW_THREADS
        pyssl_mutex_lock(&self->lock);
        Py_END_ALLOW_THREADS
    }
    set_lock_owner(self, me);
    return 1;
}

static void
conn_unlock(PySSLSocket *self, int taken)
{
    if (taken) {
        assert(lock_owner(self) == PyThread_get_thread_ident());
        set_lock_owner(self, 0);
        pyssl_mutex_unlock(&self->lock);
    }
}

/* Whether this thread may use self's SSL now: it holds the connection
 * lock, or the lock is not used for it (a callback re-entering on the
 * holder's thread; a socket without the gate).  For asserts; ssl_held
 * finds the _SSLSocket from the SSL's app data (set by new_sslsock). */
#ifndef NDEBUG
int
pyssl_socket_lock_held(PySSLSocket *self)
{
    return !needs_lock(self, PyThread_get_thread_ident());
}

static int
ssl_held(SSL *ssl)
{
    PySSLSocket *self = SSL_get_app_data(ssl);
    return self != NULL && self->ssl == ssl && pyssl_socket_lock_held(self);
}
#endif

enum wait_result { WAIT_READY, WAIT_TIMED_OUT, WAIT_NONBLOCKING, WAIT_ERROR };

/* Wait once with the GIL released (platform.h); returns the wait's result,
 * its socket error code in *e. */
static int
poll_fd(int fd, int writing, int ms, int *e)
{
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = pyssl_wait_socket(fd, writing, ms);
    *e = pyssl_socket_errno();
    Py_END_ALLOW_THREADS
    return rc;
}

/* Wait until the fd can be read (or written), within the deadline.
 * A signal interrupting poll() runs its Python handler, which may raise
 * (Ctrl-C); otherwise the wait goes on. */
static int
io_wait(PySSLSocket *self, io_ctx *io, int writing)
{
    if (io->mode == IO_UNKNOWN && io_learn(self, io, 0) < 0) {
        return WAIT_ERROR;
    }
    assert(io->mode != IO_UNKNOWN);
    assert(io->sock == NULL || io->mode == IO_NONBLOCKING || io->fd >= 0);
    if (io->sock == NULL || io->mode == IO_NONBLOCKING) {
        return WAIT_NONBLOCKING;
    }
    for (;;) {
        int ms = -1, e = 0;
        if (io->mode == IO_TIMEOUT) {
            int64_t left = io->deadline - pyssl_monotonic_ns();
            if (left <= 0) {
                return WAIT_TIMED_OUT;
            }
            int64_t lms = (left + 999999) / 1000000; /* round up */
            ms = lms > INT_MAX ? INT_MAX : (int)lms;
        }
        int rc = poll_fd(io->fd, writing, ms, &e);
        if (rc > 0) {
            return WAIT_READY;
        }
        if (rc == 0) {
            return WAIT_TIMED_OUT;
        }
        if (!pyssl_socket_eintr(e)) {
            pyssl_socket_oserror(e);
            return WAIT_ERROR;
        }
        if (PyErr_CheckSignals() < 0) {
            return WAIT_ERROR;
        }
    }
}

/* ------------------------------------------------------------------------ */
/* The retry loop shared by handshake, read, write and sendfile             */

/* One OpenSSL call, run without the GIL.  Returns the call's int result
 * and fills err when it failed. */
typedef int (*ssl_op)(SSL *ssl, void *arg, pyssl_err *err);

static void
capture_err(SSL *ssl, int ret, pyssl_err *err)
{
    assert(
        ssl_held(ssl)); /* SSL_get_error reads what the holder's call left */
    err->c = pyssl_socket_errno(); /* first: SSL_get_error may change it */
    err->ssl = SSL_get_error(ssl, ret);
}

/* After an SSL_* call ended in ssl_err: wait until the socket is ready
 * for what a WANT_READ or WANT_WRITE asks.  1: ready, call again; 0: done
 * (no WANT_*, or a non-blocking socket, for which the caller raises the
 * WANT_* error); -1 with an exception (timed out: timeout_msg, or the
 * direction's message if NULL; a signal; the socket gone). */
static int
wait_for_want(PySSLSocket *self, io_ctx *io, int ssl_err,
              const char *timeout_msg)
{
    int writing;
    if (ssl_err == SSL_ERROR_WANT_READ) {
        writing = 0;
    }
    else if (ssl_err == SSL_ERROR_WANT_WRITE) {
        writing = 1;
    }
    else {
        return 0;
    }
    switch (io_wait(self, io, writing)) {
    case WAIT_READY:
        return 1;
    case WAIT_NONBLOCKING:
        return 0;
    case WAIT_TIMED_OUT:
        assert(!PyErr_Occurred());
        if (timeout_msg == NULL) {
            timeout_msg = writing ? "The write operation timed out"
                                  : "The read operation timed out";
        }
        raise_timeout(timeout_msg);
        return -1;
    default:
        return -1;
    }
}

/* Run op until it is done, fails for good, or would wait past the socket's
 * timeout.  Returns -1 with an exception (timeout, signal, closed socket),
 * else 0 with op's last result in *pret and its error in *perr.  A
 * non-blocking socket returns after the first WANT_* for the caller to
 * raise.  Each call holds the connection lock; the waits do not. */
static int
run_op(PySSLSocket *self, io_ctx *io, ssl_op op, void *arg,
       const char *timeout_msg, int *pret, pyssl_err *perr)
{
    PYSSL_ASSERT_GIL();
    assert(self->ssl != NULL && io != NULL && op != NULL);
    for (;;) {
        pyssl_err err = {0, 0};
        int ret, taken;
        Py_BEGIN_ALLOW_THREADS
        taken = conn_lock(self);
        /* Any call may leave OpenSSL holding record buffers: over memory
         * BIOs they go back once the connection is idle (op_read_batch,
         * or pyssl_socket_sweep_buffers). */
        self->bufs_held = 1;
        self->bufs_used = 1;
        ret = op(self->ssl, arg, &err);
        conn_unlock(self, taken);
        Py_END_ALLOW_THREADS
        *perr = err;
        *pret = ret;
        if (PyErr_CheckSignals() < 0) {
            return -1;
        }
        int w = wait_for_want(self, io, err.ssl, timeout_msg);
        assert(w >= 0 || PyErr_Occurred());
        if (w <= 0) {
            return w;
        }
    }
}

/* ------------------------------------------------------------------------ */
/* do_handshake, read, write                                                */

/* One operation from start to end: take the socket, run op, let go. */
static int
run_io(PySSLSocket *self, ssl_op op, void *arg, const char *timeout_msg,
       int *pret, pyssl_err *perr)
{
    io_ctx io;
    if (PYSSL_LOAD_FLAG(&self->got_eof)) {
        /* The peer is gone for good; without kTLS SSL_sendfile would
         * report "uninitialized" instead. */
        pyssl_err eof = {SSL_ERROR_SYSCALL, 0};
        PYSSL_SET_SOCKET_ERROR(self, &eof, 0);
        return -1;
    }
    if (io_begin(self, &io) < 0) {
        return -1;
    }
    int rc = run_op(self, &io, op, arg, timeout_msg, pret, perr);
    io_end(&io);
    return rc;
}

/* How every operation ends: with the error of a failed op, or with an
 * exception a callback parked during it.  Returns -1 if one was raised. */
static int
io_result(PySSLSocket *self, int failed, int ret, const pyssl_err *err)
{
    if (failed) {
        PYSSL_SET_SOCKET_ERROR(self, err, ret);
        assert(PyErr_Occurred());
        return -1;
    }
    return pyssl_reraise_parked(self);
}

/* The ssl_op functions run inside run_op: GIL released, connection lock
 * held (or not needed), as their asserts say. */
static int
op_handshake(SSL *ssl, void *arg, pyssl_err *err)
{
    PYSSL_ASSERT_NO_GIL();
    assert(ssl_held(ssl));
    int ret = SSL_do_handshake(ssl);
    if (ret < 1) {
        capture_err(ssl, ret, err);
    }
    return ret;
}

static PyObject *
sslsock_do_handshake(PySSLSocket *self, PyObject *unused)
{
    int ret = 0;
    pyssl_err err = {0, 0};
    if (run_io(self, op_handshake, NULL, "The handshake operation timed out",
               &ret, &err) < 0 ||
        io_result(self, ret < 1, ret, &err) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

typedef struct {
    void *buf;
    size_t len;
    size_t done;
    PySSLSocket *owner; /* for its bufs_held and keep_bufs */
    int later_failed; /* a record after the first failed (op_read_batch) */
    pyssl_err later; /* ... and how */
} rw_arg;

/* Give back the record buffers once a read leaves nothing buffered.
 * Returns whether they went (or there were none).
 * Reading the server's session tickets after the handshake makes OpenSSL
 * allocate a 16 KiB write buffer too, which SSL_MODE_RELEASE_BUFFERS only
 * frees after the next write: every idle client that had read anything
 * kept it (7.3 KiB of RSS each, measured).  SSL_free_buffers itself keeps
 * a buffer with a write pending; SSL_has_pending keeps the read buffer
 * while it holds data not yet returned, which OpenSSL before 3.0.14 did
 * not check (CVE-2024-4741).  Nor does SSL_has_pending see a record whose
 * header has been read and whose body has not begun to arrive: there
 * OpenSSL before that fix (1.1.1w, 3.0.13) freed the buffer holding the
 * header and read the body after it, out of freed memory (a crash or "bad
 * record mac" under the OpenSSL matrix).  So no buffer goes back while the
 * record layer is in the middle of a record ("RB": reading its body).
 * Called with the connection lock only. */
static int
release_idle_buffers(SSL *ssl)
{
    assert(ssl_held(ssl));
    return !SSL_has_pending(ssl) &&
           strcmp(SSL_rstate_string(ssl), "RB") != 0 && SSL_free_buffers(ssl);
}

/* The connection has gone idle: its buffers go back, unless a busy spell
 * keeps them (keep_bufs, pyssl_socket_sweep_buffers).  With the
 * connection lock. */
static void
release_when_idle(PySSLSocket *self)
{
    if (self->bufs_held && !self->keep_bufs &&
        release_idle_buffers(self->ssl)) {
        self->bufs_held = 0;
    }
}

static int
op_read(SSL *ssl, void *arg, pyssl_err *err)
{
    rw_arg *a = arg;
    PYSSL_ASSERT_NO_GIL();
    assert(ssl_held(ssl) && a->buf != NULL);
    int ret = SSL_read_ex(ssl, a->buf, a->len, &a->done);
    if (ret == 0) {
        capture_err(ssl, ret, err);
    }
    assert(a->done <= a->len);
    return ret;
}

/* Over a socket the buffers go back after every read: a blocking reader
 * cannot tell the read that leaves the connection idle from the others,
 * and a recv() costs more than the allocation anyway. */
static int
op_read_sock(SSL *ssl, void *arg, pyssl_err *err)
{
    int ret = op_read(ssl, arg, err);
    release_idle_buffers(ssl);
    return ret;
}

/* Over memory BIOs, one hold of the lock reads the first record and then
 * those already queued behind it, while buf has room: one call (and one
 * release of the GIL) per batch of records.  A record is read on only if
 * bytes will still be waiting after it in the incoming BIO (see
 * pyssl_membio_holds_record_and_more), so nothing a call has not
 * returned becomes invisible.
 * The buffers stay for the next record: they go back when the connection
 * goes idle, at the read that finds nothing (nothing_to_read, or here on
 * WANT_READ), not after every record; with keep_bufs, at the sweep
 * instead.  How a record after the first failed is kept in a->later for
 * read_on_failed. */
static int
op_read_batch(SSL *ssl, void *arg, pyssl_err *err)
{
    rw_arg *a = arg;
    int ret = op_read(ssl, a, err);
    if (ret == 0) {
        if (err->ssl == SSL_ERROR_WANT_READ) {
            release_when_idle(a->owner);
        }
        return ret;
    }
    while (a->done < a->len &&
           pyssl_membio_holds_record_and_more(SSL_get_rbio(ssl))) {
        size_t got = 0;
        if (!SSL_read_ex(ssl, (char *)a->buf + a->done, a->len - a->done,
                         &got)) {
            capture_err(ssl, 0, &a->later);
            a->later_failed = 1;
            break;
        }
        a->done += got;
    }
    assert(a->done <= a->len);
    return ret;
}

/* Whether a read that got `got` bytes should try the next record too:
 * over a socket, only after a full record.  In a bulk transfer more are
 * then queued, while a small message is seldom followed by another and
 * would cost a recv() that finds nothing.  (Memory BIOs read on in
 * op_read_batch.) */
static int
wants_read_on(PySSLSocket *self, size_t got)
{
    return self->sock != NULL && PYSSL_HAVE_SOCKET_GATE &&
           got >= SSL3_RT_MAX_PLAIN_LENGTH;
}

/* A reading on that failed after the read had data: "want more bytes",
 * the peer's close_notify and its EOF all come back on the next read by
 * themselves; an error OpenSSL queued (a bad record) is kept in read_exc
 * for the next read to raise, so this one still returns its data. */
static void
read_on_failed(PySSLSocket *self, int ret, const pyssl_err *err)
{
    if (ret != 0 || err->ssl == SSL_ERROR_WANT_READ ||
        err->ssl == SSL_ERROR_WANT_WRITE ||
        err->ssl == SSL_ERROR_ZERO_RETURN || ERR_peek_error() == 0) {
        ERR_clear_error();
        return;
    }
    PYSSL_SET_SOCKET_ERROR(self, err, ret);
    Py_XDECREF(pyssl_field_swap((PyObject *)self, &self->read_exc,
                                PyErr_GetRaisedException()));
}

/* Over a socket with the gate, a read that filled a whole record goes on
 * decrypting the records already there until buf is full.  Nothing may
 * block here: the gate (sockbio.c) only takes what the kernel holds, and
 * a record is only started if it is there whole and more bytes follow it
 * (a readable socket stays readable).  The whole batch holds the
 * connection lock.  It stops at the first failure (read_on_failed). */
static void
read_more_records(PySSLSocket *self, rw_arg *a)
{
    pyssl_err err = {0, 0};
    int ret = 1, taken;
    Py_BEGIN_ALLOW_THREADS
    taken = conn_lock(self);
    while (ret != 0 && a->done < a->len &&
           pyssl_sockbio_holds_record_and_more(self->ssl)) {
        rw_arg rest = {(char *)a->buf + a->done, a->len - a->done, 0};
        ret = op_read_sock(self->ssl, &rest, &err);
        a->done += rest.done;
    }
    conn_unlock(self, taken);
    Py_END_ALLOW_THREADS
    read_on_failed(self, ret, &err);
}

/* Over memory BIOs, whether a read can only end in WANT_READ: the
 * handshake is done, nothing decrypted or half-read waits in OpenSSL, no
 * close_notify has come, and the incoming BIO is empty and open.  Event
 * loops read until SSLWantReadError, so this is half of all their reads,
 * and the stdlib spends as long on it as on decrypting a small record
 * (gh-123954): here OpenSSL is not asked and the GIL is kept.
 * nothing_to_read_idle is the part after the caller found the incoming
 * BIO empty. */
static int
nothing_to_read_idle(PySSLSocket *self)
{
    if (PYSSL_LOAD_FLAG(&self->read_exc) != NULL) {
        return 0;
    }
    SSL *ssl = self->ssl;
    int taken = conn_lock_gil(self);
    assert(ssl_held(ssl)); /* bufs_held is the lock holder's */
    int none = SSL_is_init_finished(ssl) && !SSL_has_pending(ssl) &&
               !(SSL_get_shutdown(ssl) & SSL_RECEIVED_SHUTDOWN) &&
               pyssl_membio_is_empty_and_open(SSL_get_rbio(ssl));
    if (none) {
        release_when_idle(self);
    }
    conn_unlock(self, taken);
    return none;
}

/* pyssl.asyncio's sweep (aioproto.c), once a second per event loop.  A
 * connection that called OpenSSL in this interval and the one before is
 * busy: until an interval passes without a call, it keeps its record
 * buffers from one record to the next (keep_bufs: neither its idle reads
 * nor SSL_MODE_RELEASE_BUFFERS free them), so an exchange no longer frees
 * and allocates them.  Any other connection frees them when idle, as
 * before, and a quiet one gives back what it kept.  So a connection that
 * only had its handshake and a request holds none, and an idle one none
 * a second or two on.  now: free them at once and stop keeping them (the
 * connection is gone).  Returns whether buffers may still be held. */
int
pyssl_socket_sweep_buffers(PySSLSocket *self, int now)
{
    int taken = conn_lock_gil(self);
    int used = self->bufs_used && !now;
    int keep = used && self->bufs_used_before;
    self->bufs_used_before = (char)used;
    self->bufs_used = 0;
    if (self->keep_bufs != keep) {
        self->keep_bufs = (char)keep;
        if (keep) {
            SSL_clear_mode(self->ssl, SSL_MODE_RELEASE_BUFFERS);
        }
        else {
            SSL_set_mode(self->ssl, SSL_MODE_RELEASE_BUFFERS);
        }
    }
    if (!used) {
        release_when_idle(self);
    }
    int held = self->bufs_held;
    conn_unlock(self, taken);
    return held;
}

/* Whether OpenSSL may hold the connection's record buffers (tests). */
int
pyssl_socket_buffers_held(PySSLSocket *self)
{
    int taken = conn_lock_gil(self);
    int held = self->bufs_held;
    conn_unlock(self, taken);
    return held;
}

/* Ciphertext in the incoming BIO means no at once (the read will tell
 * what it holds): the BIO's own lock is enough to see that. */
static int
nothing_to_read(PySSLSocket *self)
{
    return self->sock == NULL &&
           pyssl_membio_pending(SSL_get_rbio(self->ssl)) == 0 &&
           nothing_to_read_idle(self);
}

/* What a read that nothing_to_read turned away raises: one call site, so
 * every such error has the same message, as OpenSSL's would. */
static Py_ssize_t
raise_nothing_to_read(PySSLSocket *self)
{
    pyssl_raise_want(self, PY_SSL_ERROR_WANT_READ);
    return -1;
}

/* Read up to len bytes into buf.  Returns the count, 0 after the peer's
 * clean close_notify, or -1 with an exception.  checked: the caller has
 * just found that there is something to read.  quiet: "no data yet" is
 * PYSSL_READ_AGAIN without an exception (aioproto.c's reads). */
static Py_ssize_t
read_into_ex(PySSLSocket *self, void *buf, size_t len, int checked, int quiet)
{
    rw_arg a = {buf, len, 0, self, 0, {0, 0}};
    int ret = 0;
    pyssl_err err = {0, 0};
    /* The count comes back as a Py_ssize_t. */
    assert(buf != NULL && len > 0 && len <= (size_t)PY_SSIZE_T_MAX);
    PyObject *exc = pyssl_field_take((PyObject *)self, &self->read_exc);
    if (exc != NULL) {
        PyErr_SetRaisedException(exc);
        return -1;
    }
    if (!checked && nothing_to_read(self)) {
        return quiet ? PYSSL_READ_AGAIN : raise_nothing_to_read(self);
    }
    if (run_io(self, self->sock ? op_read_sock : op_read_batch, &a,
               "The read operation timed out", &ret, &err) < 0) {
        return -1;
    }
    if (quiet && ret == 0 && err.ssl == SSL_ERROR_WANT_READ &&
        PYSSL_LOAD_FLAG(&self->exc) == NULL) {
        ERR_clear_error();
        return PYSSL_READ_AGAIN;
    }
    if (a.later_failed) {
        read_on_failed(self, 0, &a.later);
    }
    else if (ret != 0 && a.done < a.len && wants_read_on(self, a.done)) {
        read_more_records(self, &a);
    }
    /* Only the peer has closed: a clean EOF, as CPython reports it. */
    if (ret == 0 && err.ssl == SSL_ERROR_ZERO_RETURN &&
        SSL_get_shutdown(self->ssl) == SSL_RECEIVED_SHUTDOWN) {
        return 0;
    }
    if (io_result(self, ret == 0, ret, &err) < 0) {
        return -1;
    }
    return (Py_ssize_t)a.done;
}

static Py_ssize_t
read_into(PySSLSocket *self, void *buf, size_t len, int checked)
{
    return read_into_ex(self, buf, len, checked, 0);
}

Py_ssize_t
pyssl_socket_read_some(PySSLSocket *self, void *buf, size_t len)
{
    return read_into_ex(self, buf, len, 0, 1);
}

/* A read over memory BIOs whose plaintext fits in READ_STACK bytes (what
 * the incoming BIO holds, plus READ_SLACK for the rest of a record OpenSSL
 * took in earlier) decrypts into the stack and makes one bytes object of
 * exactly that: an event loop asks for 64 KiB and mostly gets one small
 * record, and allocating 64 KiB to copy the record out of it cost more
 * than the rest of the call. */
#define READ_STACK 4096
#define READ_SLACK 1024

/* The stack buffer came back full: more plaintext may wait in OpenSSL
 * (what a read smaller than its record left there), and this read still
 * returns all it can, up to len, as before.  A failure now keeps what was
 * read: an SSL error waits in read_exc for the next read, as reading on
 * keeps it (read_on_failed). */
static PyObject *
read_bytes_more(PySSLSocket *self, const char *head, size_t n, size_t len)
{
    PyObject *dest = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)len);
    if (dest == NULL) {
        return NULL;
    }
    char *out = PyBytes_AS_STRING(dest);
    memcpy(out, head, n);
    Py_ssize_t more = read_into_ex(self, out + n, len - n, 1, 1);
    if (more == -1) {
        if (!PyErr_ExceptionMatches(self->state->SSLError)) {
            Py_DECREF(dest); /* a signal handler's, say: raised now */
            return NULL;
        }
        Py_XDECREF(pyssl_field_swap((PyObject *)self, &self->read_exc,
                                    PyErr_GetRaisedException()));
    }
    if (more > 0) {
        n += (size_t)more;
    }
    PyObject *res = PyBytes_FromStringAndSize(out, (Py_ssize_t)n);
    Py_DECREF(dest);
    return res;
}

/* A read over memory BIOs whose incoming BIO holds at most
 * READ_STACK - READ_SLACK bytes. */
static PyObject *
read_bytes_small(PySSLSocket *self, Py_ssize_t len)
{
    char buf[READ_STACK];
    size_t want = len < READ_STACK ? (size_t)len : READ_STACK;
    Py_ssize_t n = read_into(self, buf, want, 1);
    if (n < 0) {
        return NULL;
    }
    if ((size_t)n == want && want < (size_t)len) {
        return read_bytes_more(self, buf, want, (size_t)len);
    }
    return PyBytes_FromStringAndSize(buf, n);
}

static PyObject *
read_bytes(PySSLSocket *self, Py_ssize_t len)
{
    if (len < 0) {
        PyErr_SetString(PyExc_ValueError, "size should not be negative");
        return NULL;
    }
    if (len > 0 && self->sock == NULL) {
        /* Over memory BIOs: what the incoming BIO holds, asked once. */
        size_t held = pyssl_membio_pending(SSL_get_rbio(self->ssl));
        if (held == 0 && nothing_to_read_idle(self)) {
            raise_nothing_to_read(self);
            return NULL;
        }
        if (held <= READ_STACK - READ_SLACK) {
            return read_bytes_small(self, len);
        }
    }
    PyObject *dest = PyBytes_FromStringAndSize(NULL, len);
    if (dest == NULL || len == 0) {
        return dest;
    }
    Py_ssize_t n = read_into(self, PyBytes_AS_STRING(dest), (size_t)len, 1);
    if (n < 0) {
        Py_DECREF(dest);
        return NULL;
    }
    if (n == len) {
        return dest;
    }
    /* Shorter than asked: a copy of the prefix (no public way to shrink). */
    PyObject *res = PyBytes_FromStringAndSize(PyBytes_AS_STRING(dest), n);
    Py_DECREF(dest);
    return res;
}

static PyObject *
read_buffer(PySSLSocket *self, Py_ssize_t len, PyObject *bufobj)
{
    Py_buffer view;
    if (!PyArg_Parse(bufobj, "w*:read", &view)) {
        return NULL;
    }
    if (len <= 0 || len > view.len) {
        len = view.len;
    }
    Py_ssize_t n = 0;
    if (len > 0) {
        n = read_into(self, view.buf, (size_t)len, 0);
    }
    PyBuffer_Release(&view);
    if (n < 0) {
        return NULL;
    }
    return PyLong_FromSsize_t(n);
}

/* read(size, buffer=None, /): a fast call, as it is the hot path of every
 * event loop; "no data yet" is raised before any buffer is made. */
static PyObject *
sslsock_read(PySSLSocket *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs < 1 || nargs > 2) {
        PyErr_Format(PyExc_TypeError,
                     "read expected 1 or 2 arguments, got %zd", nargs);
        return NULL;
    }
    Py_ssize_t len = PyNumber_AsSsize_t(args[0], PyExc_OverflowError);
    if (len == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (nargs == 1 || args[1] == Py_None) {
        return read_bytes(self, len);
    }
    return read_buffer(self, len, args[1]);
}

static int
op_write(SSL *ssl, void *arg, pyssl_err *err)
{
    rw_arg *a = arg;
    PYSSL_ASSERT_NO_GIL();
    assert(ssl_held(ssl));
    int ret = SSL_write_ex(ssl, a->buf, a->len, &a->done);
    if (ret == 0) {
        capture_err(ssl, ret, err);
    }
    assert(a->done <= a->len);
    return ret;
}

/* A write failed after a read parked the error of a bad record (one
 * behind the data that read returned): that record is why the connection
 * is dead, and the write's own error would hide it (OpenSSL reports a
 * dead connection to SSL_write as an EOF).  So the write raises the
 * parked error, which no later read raises again. */
static void
prefer_parked_read_error(PySSLSocket *self)
{
    pyssl_state *st = self->state;
    if (PYSSL_LOAD_FLAG(&self->read_exc) == NULL ||
        !PyErr_ExceptionMatches(st->SSLError) ||
        PyErr_ExceptionMatches(st->SSLWantReadError) ||
        PyErr_ExceptionMatches(st->SSLWantWriteError)) {
        return;
    }
    PyObject *parked = pyssl_field_take((PyObject *)self, &self->read_exc);
    if (parked != NULL) {
        Py_XDECREF(PyErr_GetRaisedException());
        PyErr_SetRaisedException(parked);
    }
}

Py_ssize_t
pyssl_socket_write_all(PySSLSocket *self, const void *buf, size_t len)
{
    if (len > INT_MAX) {
        PyErr_Format(PyExc_OverflowError, "string longer than %d bytes",
                     INT_MAX);
        return -1;
    }
    rw_arg a = {(void *)buf, len, 0, self, 0, {0, 0}};
    pyssl_err err = {0, 0};
    int ret = 0;
    if (run_io(self, op_write, &a, "The write operation timed out", &ret,
               &err) < 0 ||
        io_result(self, ret == 0, ret, &err) < 0) {
        prefer_parked_read_error(self);
        return -1;
    }
    return (Py_ssize_t)a.done;
}

/* write(b, /): a fast call, as read is. */
static PyObject *
sslsock_write(PySSLSocket *self, PyObject *const *args, Py_ssize_t nargs)
{
    Py_buffer view;
    int ret = 0;
    if (nargs != 1) {
        PyErr_Format(PyExc_TypeError,
                     "write() takes exactly one argument (%zd given)", nargs);
        return NULL;
    }
    if (PyBytes_CheckExact(args[0])) {
        /* The usual case, without the argument parser's format. */
        if (PyObject_GetBuffer(args[0], &view, PyBUF_SIMPLE) < 0) {
            return NULL;
        }
    }
    else if (!PyArg_Parse(args[0], "y*:write", &view)) {
        return NULL;
    }
    if (view.len > INT_MAX) {
        PyErr_Format(PyExc_OverflowError, "string longer than %d bytes",
                     INT_MAX);
        PyBuffer_Release(&view);
        return NULL;
    }
    rw_arg a = {view.buf, (size_t)view.len, 0, self, 0, {0, 0}};
    pyssl_err err = {0, 0};
    int rc = run_io(self, op_write, &a, "The write operation timed out", &ret,
                    &err);
    PyBuffer_Release(&view);
    if (rc < 0 || io_result(self, ret == 0, ret, &err) < 0) {
        prefer_parked_read_error(self);
        return NULL;
    }
    return PyLong_FromSize_t(a.done);
}

static PyObject *
sslsock_pending(PySSLSocket *self, PyObject *unused)
{
    pyssl_err err = {0, 0};
    int taken = conn_lock_gil(self);
    int count = SSL_pending(self->ssl);
    if (count < 0) {
        capture_err(self->ssl, count, &err);
    }
    conn_unlock(self, taken);
    if (count < 0) {
        return PYSSL_SET_SOCKET_ERROR(self, &err, count);
    }
    return PyLong_FromLong(count);
}

/* ------------------------------------------------------------------------ */
/* sendfile and kTLS                                                        */

#ifdef PYSSL_OPENSSL_3
typedef struct {
    int fd;
    off_t offset;
    size_t size;
    int flags;
    ossl_ssize_t sent;
} sendfile_arg;

static int
op_sendfile(SSL *ssl, void *arg, pyssl_err *err)
{
    sendfile_arg *a = arg;
    PYSSL_ASSERT_NO_GIL();
    assert(ssl_held(ssl));
    a->sent = SSL_sendfile(ssl, a->fd, a->offset, a->size, a->flags);
    if (a->sent < 0) {
        capture_err(ssl, -1, err);
        return -1;
    }
    return 1;
}

static PyObject *
sslsock_sendfile(PySSLSocket *self, PyObject *args)
{
    sendfile_arg a = {-1, 0, 0, 0, 0};
    long long offset;
    Py_ssize_t size;
    int ret = 0;
    /* Positional only, as CPython's (3.14+) */
    if (!PyArg_ParseTuple(args, "iLn|i:sendfile", &a.fd, &offset, &size,
                          &a.flags)) {
        return NULL;
    }
    if (offset < 0 || size < 0) {
        PyErr_SetString(PyExc_ValueError,
                        "offset and size must not be negative");
        return NULL;
    }
    a.offset = (off_t)offset;
    a.size = (size_t)size;
    pyssl_err err = {0, 0};
    if (run_io(self, op_sendfile, &a, "The write operation timed out", &ret,
               &err) < 0 ||
        io_result(self, ret < 0, ret, &err) < 0) {
        return NULL;
    }
    return PyLong_FromSsize_t((Py_ssize_t)a.sent);
}

static PyObject *
sslsock_uses_ktls_for_send(PySSLSocket *self, PyObject *unused)
{
    BIO *wbio = SSL_get_wbio(self->ssl);
    return PyBool_FromLong(wbio != NULL && BIO_get_ktls_send(wbio));
}

static PyObject *
sslsock_uses_ktls_for_recv(PySSLSocket *self, PyObject *unused)
{
    BIO *rbio = SSL_get_rbio(self->ssl);
    return PyBool_FromLong(rbio != NULL && BIO_get_ktls_recv(rbio));
}
#else
static PyObject *
sslsock_sendfile(PySSLSocket *self, PyObject *args)
{
    PyErr_SetString(PyExc_NotImplementedError,
                    "sendfile() requires OpenSSL 3.0 or later");
    return NULL;
}

static PyObject *
sslsock_uses_ktls_for_send(PySSLSocket *self, PyObject *unused)
{
    Py_RETURN_FALSE;
}

static PyObject *
sslsock_uses_ktls_for_recv(PySSLSocket *self, PyObject *unused)
{
    Py_RETURN_FALSE;
}
#endif

/* ------------------------------------------------------------------------ */
/* shutdown                                                                 */

/* One SSL_shutdown() without the GIL.  Once a first call has sent our
 * close_notify, read-ahead is switched off so that OpenSSL does not swallow
 * clear text the peer sends after its own close_notify (unwrap). */
static int
shutdown_once(PySSLSocket *self, pyssl_err *err)
{
    int ret, taken;
    Py_BEGIN_ALLOW_THREADS
    taken = conn_lock(self);
    assert(ssl_held(self->ssl));
    if (self->shutdown_seen_zero) {
        SSL_set_read_ahead(self->ssl, 0);
    }
    ret = SSL_shutdown(self->ssl);
    if (ret < 0) {
        capture_err(self->ssl, ret, err);
    }
    conn_unlock(self, taken);
    Py_END_ALLOW_THREADS
    return ret;
}

/* The two-phase close: send our close_notify (ret 0), then try once more
 * to receive the peer's (ret 1).  A second 0 is accepted as done, as
 * CPython does, rather than looping forever on a peer that never answers. */
static int
shutdown_loop(PySSLSocket *self, io_ctx *io, int *pret, pyssl_err *perr)
{
    int zeros = 0;
    for (;;) {
        pyssl_err err = {0, 0};
        int ret = shutdown_once(self, &err);
        *perr = err;
        *pret = ret;
        if (ret > 0) {
            return 0;
        }
        if (ret == 0) {
            if (++zeros > 1) {
                return 0;
            }
            self->shutdown_seen_zero = 1;
            continue;
        }
        int w = wait_for_want(self, io, err.ssl, NULL);
        if (w <= 0) {
            return w; /* 0: done, or non-blocking: the WANT_* is raised */
        }
    }
}

static PyObject *
sslsock_shutdown(PySSLSocket *self, PyObject *unused)
{
    io_ctx io;
    int ret = 0;
    /* Unlike a read, shutdown checks the fd before it starts. */
    if (io_begin(self, &io) < 0 ||
        (io.sock != NULL && io_learn(self, &io, 1) < 0)) {
        io_end(&io);
        if (self->sock != NULL &&
            PyErr_ExceptionMatches(self->state->SSLError)) {
            /* A closed socket is as gone as a collected one here. */
            PyErr_Clear();
            raise_socket_gone(self);
        }
        return NULL;
    }
    pyssl_err err = {0, 0};
    if (shutdown_loop(self, &io, &ret, &err) < 0) {
        io_end(&io);
        return NULL;
    }
    if (ret < 0) {
        io_end(&io);
        return PYSSL_SET_SOCKET_ERROR(self, &err, ret);
    }
    if (pyssl_reraise_parked(self) < 0) {
        io_end(&io);
        return NULL;
    }
    if (io.sock != NULL) {
        return io.sock; /* the reference io held */
    }
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------------------ */
/* Peer certificate and chains                                              */

static X509 *
get_peer_cert(SSL *ssl)
{
#ifdef PYSSL_OPENSSL_3
    return SSL_get1_peer_certificate(ssl);
#else
    return SSL_get_peer_certificate(ssl);
#endif
}

static PyObject *
sslsock_getpeercert(PySSLSocket *self, PyObject *args)
{
    int binary = 0;
    if (!PyArg_ParseTuple(args, "|p:getpeercert", &binary)) {
        return NULL;
    }
    if (!SSL_is_init_finished(self->ssl)) {
        PyErr_SetString(PyExc_ValueError, "handshake not done yet");
        return NULL;
    }
    X509 *cert = get_peer_cert(self->ssl);
    if (cert == NULL) {
        Py_RETURN_NONE;
    }
    PyObject *res;
    if (binary) {
        res = pyssl_cert_der(self->state, cert);
    }
    else if (!(SSL_CTX_get_verify_mode(SSL_get_SSL_CTX(self->ssl)) &
               SSL_VERIFY_PEER)) {
        /* Not verified, so nothing in it can be trusted: CPython shows {}. */
        res = PyDict_New();
    }
    else {
        res = pyssl_decode_certificate(self->state, cert);
    }
    X509_free(cert);
    return res;
}

static PyObject *
sslsock_get_verified_chain(PySSLSocket *self, PyObject *unused)
{
    STACK_OF(X509) *chain = SSL_get0_verified_chain(self->ssl);
    if (chain == NULL) {
        Py_RETURN_NONE;
    }
    return pyssl_certificate_list(self->state, chain);
}

/* The peer's chain as sent.  OpenSSL leaves the leaf out on the server
 * side; put it first, as on the client side. */
static PyObject *
sslsock_get_unverified_chain(PySSLSocket *self, PyObject *unused)
{
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(self->ssl);
    PyObject *list;
    if (chain == NULL && !self->server_side) {
        Py_RETURN_NONE;
    }
    if (chain == NULL) {
        /* A server's resumed session keeps the client's certificate but
         * not the chain it came with: the chain is that leaf (as 3.14). */
        X509 *peer = get_peer_cert(self->ssl);
        if (peer == NULL) {
            Py_RETURN_NONE;
        }
        list = PyList_New(0);
        PyObject *leaf =
            list ? pyssl_certificate_new(self->state, peer) : NULL;
        X509_free(peer);
        if (leaf == NULL || PyList_Append(list, leaf) < 0) {
            Py_XDECREF(leaf);
            Py_XDECREF(list);
            return NULL;
        }
        Py_DECREF(leaf);
        return list;
    }
    list = pyssl_certificate_list(self->state, chain);
    if (list == NULL || !self->server_side) {
        return list;
    }
    X509 *peer = get_peer_cert(self->ssl);
    if (peer == NULL) {
        return list;
    }
    PyObject *leaf = pyssl_certificate_new(self->state, peer);
    X509_free(peer);
    if (leaf == NULL || PyList_Insert(list, 0, leaf) < 0) {
        Py_XDECREF(leaf);
        Py_DECREF(list);
        return NULL;
    }
    Py_DECREF(leaf);
    return list;
}

static PyObject *
sslsock_verify_client_post_handshake(PySSLSocket *self, PyObject *unused)
{
    int taken = conn_lock_gil(self);
    int ok = SSL_verify_client_post_handshake(self->ssl);
    conn_unlock(self, taken);
    if (!ok) {
        return PYSSL_SET_SSL_ERROR(self->state, NULL);
    }
    Py_RETURN_NONE;
}

/* ------------------------------------------------------------------------ */
/* What was negotiated                                                      */

static PyObject *
cipher_tuple(const SSL_CIPHER *c)
{
    return Py_BuildValue("NNi", pyssl_str_or_none(SSL_CIPHER_get_name(c)),
                         pyssl_str_or_none(SSL_CIPHER_get_version(c)),
                         SSL_CIPHER_get_bits(c, NULL));
}

static PyObject *
sslsock_cipher(PySSLSocket *self, PyObject *unused)
{
    const SSL_CIPHER *c = SSL_get_current_cipher(self->ssl);
    if (c == NULL) {
        Py_RETURN_NONE;
    }
    return cipher_tuple(c);
}

static int
cipher_in(STACK_OF(SSL_CIPHER) * sk, const SSL_CIPHER *c)
{
    for (int i = 0; i < sk_SSL_CIPHER_num(sk); i++) {
        if (sk_SSL_CIPHER_value(sk, i) == c) {
            return 1;
        }
    }
    return 0;
}

/* Our ciphers that the client offered too (server side), or None. */
static PyObject *
sslsock_shared_ciphers(PySSLSocket *self, PyObject *unused)
{
    STACK_OF(SSL_CIPHER) *ours = SSL_get_ciphers(self->ssl);
    STACK_OF(SSL_CIPHER) *theirs = SSL_get_client_ciphers(self->ssl);
    if (ours == NULL || theirs == NULL) {
        Py_RETURN_NONE;
    }
    PyObject *res = PyList_New(0);
    if (res == NULL) {
        return NULL;
    }
    for (int i = 0; i < sk_SSL_CIPHER_num(ours); i++) {
        const SSL_CIPHER *c = sk_SSL_CIPHER_value(ours, i);
        if (!cipher_in(theirs, c)) {
            continue;
        }
        PyObject *t = cipher_tuple(c);
        if (t == NULL || PyList_Append(res, t) < 0) {
            Py_XDECREF(t);
            Py_DECREF(res);
            return NULL;
        }
        Py_DECREF(t);
    }
    if (PyList_GET_SIZE(res) == 0) {
        Py_DECREF(res);
        Py_RETURN_NONE;
    }
    return res;
}

static PyObject *
sslsock_version(PySSLSocket *self, PyObject *unused)
{
    if (!SSL_is_init_finished(self->ssl)) {
        Py_RETURN_NONE;
    }
    const char *v = SSL_get_version(self->ssl);
    if (v == NULL || strcmp(v, "unknown") == 0) {
        Py_RETURN_NONE;
    }
    return PyUnicode_FromString(v);
}

static PyObject *
sslsock_selected_alpn_protocol(PySSLSocket *self, PyObject *unused)
{
    const unsigned char *out = NULL;
    unsigned int len = 0;
    SSL_get0_alpn_selected(self->ssl, &out, &len);
    if (out == NULL) {
        Py_RETURN_NONE;
    }
    return PyUnicode_FromStringAndSize((const char *)out, len);
}

static PyObject *
sslsock_compression(PySSLSocket *self, PyObject *unused)
{
#ifndef OPENSSL_NO_COMP
    const COMP_METHOD *comp = SSL_get_current_compression(self->ssl);
    if (comp != NULL && COMP_get_type(comp) != NID_undef) {
        return pyssl_str_or_none(OBJ_nid2sn(COMP_get_type(comp)));
    }
#endif
    Py_RETURN_NONE;
}

/* tls-unique (RFC 5929): the first Finished message of the latest
 * handshake, which is the client's on a full handshake and the server's on
 * a resumed one. */
static PyObject *
sslsock_get_channel_binding(PySSLSocket *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"cb_type", NULL};
    const char *cb_type = "tls-unique";
    unsigned char buf[128];
    size_t len;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|s:get_channel_binding",
                                     kwlist, &cb_type)) {
        return NULL;
    }
    if (strcmp(cb_type, "tls-unique") != 0) {
        PyErr_Format(PyExc_ValueError,
                     "'%s' channel binding type not implemented", cb_type);
        return NULL;
    }
    int ours_first =
        SSL_session_reused(self->ssl) ? self->server_side : !self->server_side;
    if (ours_first) {
        len = SSL_get_finished(self->ssl, buf, sizeof(buf));
    }
    else {
        len = SSL_get_peer_finished(self->ssl, buf, sizeof(buf));
    }
    if (len == 0) {
        Py_RETURN_NONE;
    }
    if (len > sizeof(buf)) {
        len = sizeof(buf);
    }
    return PyBytes_FromStringAndSize((const char *)buf, (Py_ssize_t)len);
}

/* The key exchange group, e.g. "x25519" or "X25519MLKEM768". */
static PyObject *
sslsock_group(PySSLSocket *self, PyObject *unused)
{
    /* Where OpenSSL can't name the group, say so whatever the state: a
     * None would read as "no handshake yet". */
#ifndef PYSSL_OPENSSL_3
    PyErr_SetString(PyExc_NotImplementedError,
                    "group() requires OpenSSL 3.0 or later");
    return NULL;
#else
    if (!SSL_is_init_finished(self->ssl)) {
        Py_RETURN_NONE;
    }
#  ifdef PYSSL_HAS_GROUP_NAME
    return pyssl_str_or_none(SSL_get0_group_name(self->ssl));
#  else
    int nid = SSL_get_negotiated_group(self->ssl);
    if (nid <= 0) {
        Py_RETURN_NONE;
    }
    return pyssl_str_or_none(SSL_group_to_name(self->ssl, nid));
#  endif
#endif
}

/* The signature algorithm the client (or server) signed the handshake
 * with, by its TLS name, e.g. "rsa_pss_rsae_sha256". */
static PyObject *
sigalg(PySSLSocket *self, int of_server)
{
#ifdef PYSSL_HAS_SIGNATURE_NAME
    const char *name = NULL;
    int ours = of_server == self->server_side;
    int ok = ours ? SSL_get0_signature_name(self->ssl, &name)
                  : SSL_get0_peer_signature_name(self->ssl, &name);
    if (!ok) {
        ERR_clear_error();
        Py_RETURN_NONE;
    }
    return pyssl_str_or_none(name);
#else
    PyErr_SetString(PyExc_NotImplementedError,
                    "getting the signature algorithm requires OpenSSL 3.5 "
                    "or later");
    return NULL;
#endif
}

static PyObject *
sslsock_client_sigalg(PySSLSocket *self, PyObject *unused)
{
    return sigalg(self, 0);
}

static PyObject *
sslsock_server_sigalg(PySSLSocket *self, PyObject *unused)
{
    return sigalg(self, 1);
}

/* ------------------------------------------------------------------------ */
/* Attributes                                                               */

static PyObject *
sslsock_get_context(PySSLSocket *self, void *c)
{
    return (PyObject *)pyssl_socket_ctx(self);
}

/* How an SNI callback moves a connection to another context. */
static int
sslsock_set_context(PySSLSocket *self, PyObject *value, void *c)
{
    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError, "context cannot be deleted");
        return -1;
    }
    if (!PyObject_TypeCheck(value, self->state->context_type)) {
        PyErr_SetString(PyExc_TypeError, "The value must be a SSLContext");
        return -1;
    }
    PySSLContext *ctx = (PySSLContext *)value;
    PyObject *old = NULL;
    int ok;
    /* In this object's critical section, so that two threads moving it
     * leave self->ctx the context its SSL belongs to. */
    PYSSL_BEGIN_CS(self);
    /* Under the new context's lock: it copies that context's
     * certificates, which load_cert_chain may be replacing. */
    ok = pyssl_context_move_ssl(ctx, self->ssl);
    if (ok) {
        /* SSL_set_SSL_CTX leaves the message callback the SSL was created
         * with: follow the new context's _msg_callback, as CPython does. */
        PyObject *cb = pyssl_field_get(value, &ctx->msg_callback);
        SSL_set_msg_callback(self->ssl, cb ? pyssl_msg_callback : NULL);
        Py_XDECREF(cb);
        old = (PyObject *)self->ctx;
        self->ctx = (PySSLContext *)Py_NewRef(value);
    }
    PYSSL_END_CS();
    if (!ok) {
        PYSSL_SET_SSL_ERROR(self->state, NULL);
        return -1;
    }
    Py_DECREF(old);
    return 0;
}

static PyObject *
sslsock_get_server_side(PySSLSocket *self, void *c)
{
    return PyBool_FromLong(self->server_side);
}

static PyObject *
sslsock_get_server_hostname(PySSLSocket *self, void *c)
{
    if (self->server_hostname == NULL) {
        Py_RETURN_NONE;
    }
    return Py_NewRef(self->server_hostname);
}

static PyObject *
sslsock_get_owner(PySSLSocket *self, void *c)
{
    PyObject *owner;
    PyObject *ref = pyssl_field_get((PyObject *)self, &self->owner);
    if (ref == NULL) {
        Py_RETURN_NONE;
    }
    int rc = PyWeakref_GetRef(ref, &owner);
    Py_DECREF(ref);
    if (rc < 0) {
        return NULL;
    }
    if (rc == 0) {
        Py_RETURN_NONE;
    }
    return owner;
}

/* The owner (SSLSocket/SSLObject) holds us; a weakref avoids the cycle. */
static int
sslsock_set_owner(PySSLSocket *self, PyObject *value, void *c)
{
    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError, "cannot delete owner");
        return -1;
    }
    PyObject *ref = PyWeakref_NewRef(value, NULL);
    if (ref == NULL) {
        return -1;
    }
    Py_XDECREF(pyssl_field_swap((PyObject *)self, &self->owner, ref));
    return 0;
}

static PyObject *
sslsock_get_session(PySSLSocket *self, void *c)
{
    SSL_SESSION *session = SSL_get1_session(self->ssl);
    if (session == NULL) {
        Py_RETURN_NONE;
    }
    PySSLContext *ctx = pyssl_socket_ctx(self);
    PyObject *res = pyssl_session_new(ctx, session);
    Py_DECREF(ctx);
    return res;
}

/* Whether value is a session this socket may resume: an SSLSession of
 * the same SSL_CTX, on a client.  The session, or NULL with an error. */
static PySSLSession *
session_for(PySSLSocket *self, PyObject *value)
{
    pyssl_state *st = self->state;
    /* session_type is NULL only once the module is cleared (teardown). */
    if (st->session_type == NULL ||
        !PyObject_TypeCheck(value, st->session_type)) {
        PyErr_SetString(PyExc_TypeError, "Value is not a SSLSession.");
        return NULL;
    }
    PySSLSession *sess = (PySSLSession *)value;
    PySSLContext *ctx = pyssl_socket_ctx(self);
    int same = sess->ctx->ctx == ctx->ctx;
    Py_DECREF(ctx);
    if (!same) {
        PyErr_SetString(PyExc_ValueError,
                        "Session refers to a different SSLContext.");
        return NULL;
    }
    if (self->server_side) {
        PyErr_SetString(PyExc_ValueError,
                        "Cannot set session for server-side SSLSocket.");
        return NULL;
    }
    return sess;
}

static int
sslsock_set_session(PySSLSocket *self, PyObject *value, void *c)
{
    if (value == NULL) {
        PyErr_SetString(PyExc_AttributeError, "session cannot be deleted");
        return -1;
    }
    PySSLSession *sess = session_for(self, value);
    if (sess == NULL) {
        return -1;
    }
    /* Under the connection lock: a handshake may be starting on another
     * thread. */
    int taken = conn_lock_gil(self);
    int started = SSL_is_init_finished(self->ssl);
    int ok = started || SSL_set_session(self->ssl, sess->session);
    conn_unlock(self, taken);
    if (started) {
        PyErr_SetString(PyExc_ValueError,
                        "Cannot set session after handshake.");
        return -1;
    }
    if (!ok) {
        PYSSL_SET_SSL_ERROR(self->state, NULL);
        return -1;
    }
    return 0;
}

static PyObject *
sslsock_get_session_reused(PySSLSocket *self, void *c)
{
    return PyBool_FromLong(SSL_session_reused(self->ssl));
}

PyObject *
pyssl_socket_owner_or_self(PySSLSocket *sslsock)
{
    PYSSL_ASSERT_GIL();
    PyObject *owner = NULL;
    PyObject *ref = pyssl_field_get((PyObject *)sslsock, &sslsock->owner);
    if (ref != NULL) {
        int rc = PyWeakref_GetRef(ref, &owner);
        Py_DECREF(ref);
        if (rc > 0) {
            return owner;
        }
        if (rc < 0) {
            return NULL;
        }
    }
    /* Never set, or already collected: callbacks get the _SSLSocket. */
    return Py_NewRef((PyObject *)sslsock);
}

/* ------------------------------------------------------------------------ */
/* The type                                                                 */

static int
sslsock_traverse(PySSLSocket *self, visitproc visit, void *arg)
{
    Py_VISIT(self->exc);
    Py_VISIT(self->read_exc);
    Py_VISIT(self->ctx);
    Py_VISIT(self->sock);
    Py_VISIT(self->owner);
    Py_VISIT(self->server_hostname);
    Py_VISIT(Py_TYPE(self));
    return 0;
}

/* Only what cannot be needed by a method still running: the context and the
 * socket reference stay until dealloc. */
static int
sslsock_clear(PySSLSocket *self)
{
    Py_CLEAR(self->exc);
    Py_CLEAR(self->read_exc);
    Py_CLEAR(self->owner);
    return 0;
}

static void
sslsock_dealloc(PySSLSocket *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    if (self->weakreflist != NULL) {
        PyObject_ClearWeakRefs((PyObject *)self);
    }
    /* A thread inside OpenSSL with this SSL holds a reference to self. */
    assert(lock_owner(self) == 0);
    if (self->ssl != NULL) {
        /* Freed without a shutdown, OpenSSL would mark the session
         * unresumable; a dropped connection should not cost the next one
         * its resumption. */
        SSL_set_shutdown(self->ssl,
                         SSL_get_shutdown(self->ssl) | SSL_SENT_SHUTDOWN);
        SSL_free(self->ssl);
    }
    pyssl_mutex_fini(&self->lock);
    sslsock_clear(self);
    Py_CLEAR(self->sock);
    Py_CLEAR(self->server_hostname);
    Py_CLEAR(self->ctx);
    PyObject_GC_Del(self);
    Py_DECREF(tp);
}

/* clang-format would take the stringizing #name for a directive. */
/* clang-format off */
#define NOARGS(name, doc)                                                  \
    {#name, (PyCFunction)sslsock_##name, METH_NOARGS,                      \
     #name "($self, /)\n--\n\n" doc}
/* clang-format on */

static PyMethodDef sslsock_methods[] = {
    NOARGS(do_handshake, "Perform the TLS handshake."),
    {"read", (PyCFunction)(void (*)(void))sslsock_read, METH_FASTCALL,
     "read($self, size, buffer=None, /)\n--\n\n"
     "Read up to size bytes; into buffer (returning the count) if given."},
    {"write", (PyCFunction)(void (*)(void))sslsock_write, METH_FASTCALL,
     "write($self, b, /)\n--\n\n"
     "Write the bytes-like b; returns the number of bytes written."},
    NOARGS(pending, "The number of decrypted bytes ready to be read."),
    {"getpeercert", (PyCFunction)sslsock_getpeercert, METH_VARARGS,
     "getpeercert($self, der=False, /)\n--\n\n"
     "The peer's certificate as a dict, or as DER bytes if der is true;\n"
     "None if the peer sent none."},
    {"get_ocsp_response", (PyCFunction)pyssl_socket_get_ocsp_response,
     METH_NOARGS,
     "get_ocsp_response($self, /)\n--\n\n"
     "The DER OCSP response stapled in the handshake (by the server), or\n"
     "None."},
    {"get_channel_binding",
     (PyCFunction)(void (*)(void))sslsock_get_channel_binding,
     METH_VARARGS | METH_KEYWORDS,
     "get_channel_binding($self, /, cb_type='tls-unique')\n--\n\n"
     "Channel binding data for the connection, or None before the\n"
     "handshake."},
    NOARGS(cipher, "(name, protocol, secret bits) of the current cipher."),
    NOARGS(shared_ciphers,
           "The ciphers both sides offered, as (name, protocol, bits)."),
    NOARGS(version, "The negotiated protocol version, e.g. 'TLSv1.3'."),
    NOARGS(selected_alpn_protocol, "The protocol ALPN agreed on, or None."),
    NOARGS(compression, "The compression method in use, or None."),
    NOARGS(shutdown, "Send close_notify and wait for the peer's; returns\n"
                     "the underlying socket."),
    NOARGS(verify_client_post_handshake,
           "Ask a TLS 1.3 client for its certificate after the handshake."),
    NOARGS(get_verified_chain,
           "The verified chain, leaf first, as Certificate objects."),
    NOARGS(get_unverified_chain,
           "The chain the peer sent, leaf first, as Certificate objects."),
    NOARGS(group, "The key exchange group negotiated, or None."),
    NOARGS(client_sigalg,
           "The signature algorithm the client authenticated with."),
    NOARGS(server_sigalg,
           "The signature algorithm the server authenticated with."),
    {"sendfile", (PyCFunction)sslsock_sendfile, METH_VARARGS,
     "sendfile($self, fd, offset, size, flags=0, /)\n--\n\n"
     "Send size bytes of file fd from offset through kernel TLS;\n"
     "returns the number of bytes sent."},
    NOARGS(uses_ktls_for_send, "Whether kernel TLS encrypts what is sent."),
    NOARGS(uses_ktls_for_recv,
           "Whether kernel TLS decrypts what is received."),
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef sslsock_getset[] = {
    {"context", (getter)sslsock_get_context, (setter)sslsock_set_context,
     "The _SSLContext the connection uses; an SNI callback may change it.",
     NULL},
    {"server_side", (getter)sslsock_get_server_side, NULL,
     "Whether this is the server side of the connection.", NULL},
    {"server_hostname", (getter)sslsock_get_server_hostname, NULL,
     "The host name the client asked for, or None.", NULL},
    {"owner", (getter)sslsock_get_owner, (setter)sslsock_set_owner,
     "The SSLSocket or SSLObject this belongs to, or None.", NULL},
    {"session", (getter)sslsock_get_session, (setter)sslsock_set_session,
     "The TLS session, to resume on a later connection.", NULL},
    {"session_reused", (getter)sslsock_get_session_reused, NULL,
     "Whether the handshake resumed a session.", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

/* (On 3.8 pyssl_new_type applies it: PyType_FromSpec ignores it there.) */
static PyMemberDef sslsock_members[] = {
    {"__weaklistoffset__", T_PYSSIZET, offsetof(PySSLSocket, weakreflist),
     READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

static PyType_Slot sslsock_slots[] = {
    {Py_tp_methods, sslsock_methods},
    {Py_tp_getset, sslsock_getset},
    {Py_tp_members, sslsock_members},
    {Py_tp_traverse, (void *)sslsock_traverse},
    {Py_tp_clear, (void *)sslsock_clear},
    {Py_tp_dealloc, (void *)sslsock_dealloc},
    {Py_tp_doc, (void *)"One TLS connection (OpenSSL's SSL)."},
    {0, NULL},
};

static PyType_Spec sslsock_spec = {
    .name = PYSSL_TYPE_NAME("_SSLSocket"),
    .basicsize = sizeof(PySSLSocket),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC |
             Py_TPFLAGS_IMMUTABLETYPE | Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = sslsock_slots,
};

/* ------------------------------------------------------------------------ */
/* SSLObject's hot methods, straight to C                                   */

/* SSLObject (src/pyssl/_sslsocket.py) is a Python class whose read, write
 * and pending forward to its _sslobj, the _SSLSocket.  An event loop calls
 * them once per record and once more per burst to hear "no data yet", and
 * that Python frame cost about as much as the want-read itself.  A
 * forwarder stands in for each of the three in the class: a method
 * descriptor (so a call binds no method object) that calls the _SSLSocket
 * function directly for the common positional calls, and the Python
 * function it replaces (`wrapped`) for everything else (keywords, the
 * default size, an _sslobj that is not an _SSLSocket), so what a call
 * means is always what that function says. */

enum { FWD_READ, FWD_WRITE, FWD_PENDING };

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    int which; /* FWD_* */
    PyTypeObject *target; /* _SSLSocket; strong */
    PyObject *attr; /* "_sslobj" */
    /* The class's __slots__ member for _sslobj, or NULL: for an instance
     * of exactly `owner` it is read in place, where a getattr would look
     * through the class's MRO and then the instance. */
    PyObject *member; /* the member descriptor; strong */
    PyTypeObject *owner; /* the class that defines it; borrowed from it */
    PyObject *wrapped; /* the Python function, for every other call */
    PyObject *dict; /* __doc__, __name__, __wrapped__... */
} sslobj_method;

/* The _SSLSocket call for args (self first), or NULL with no exception
 * set when it is not one of the fast shapes. */
static PyObject *
fwd_fast(sslobj_method *f, PySSLSocket *sock, PyObject *const *rest,
         Py_ssize_t n)
{
    switch (f->which) {
    case FWD_READ:
        return sslsock_read(sock, rest, n);
    case FWD_WRITE:
        return sslsock_write(sock, rest, n);
    default:
        return sslsock_pending(sock, NULL);
    }
}

/* The calls a Shuttle carries the bytes around (stdlib_bio.c), made
 * without looking the method up. */
PyObject *
pyssl_sslsock_call(PyObject *sock, int which, PyObject *const *args,
                   Py_ssize_t nargs)
{
    PySSLSocket *self = (PySSLSocket *)sock;
    switch (which) {
    case PYSSL_CALL_READ:
        return sslsock_read(self, args, nargs);
    case PYSSL_CALL_WRITE:
        return sslsock_write(self, args, nargs);
    case PYSSL_CALL_HANDSHAKE:
        return sslsock_do_handshake(self, NULL);
    default:
        return sslsock_shutdown(self, NULL);
    }
}

/* The same for a Shuttle (stdlib_bio.c), whose read and write carry the
 * bytes between the caller's BIOs and the core's. */
static PyObject *
fwd_shuttle(sslobj_method *f, PyObject *shuttle, PyObject *const *rest,
            Py_ssize_t n)
{
    switch (f->which) {
    case FWD_READ:
        return pyssl_shuttle_read(shuttle, rest, n);
    case FWD_WRITE:
        return pyssl_shuttle_write(shuttle, rest[0]);
    default:
        return sslsock_pending((PySSLSocket *)pyssl_shuttle_core(shuttle),
                               NULL);
    }
}

static int
fwd_is_fast_shape(int which, Py_ssize_t n)
{
    switch (which) {
    case FWD_READ:
        return n == 1 || n == 2;
    case FWD_WRITE:
        return n == 1;
    default:
        return n == 0;
    }
}

/* The Python function, for every call that is not a fast one. */
static PyObject *
fwd_call_wrapped(sslobj_method *f, PyObject *const *args, size_t nargsf,
                 PyObject *kwnames)
{
#ifdef PYSSL_HAVE_VECTORCALL
    return PyObject_Vectorcall(f->wrapped, args, nargsf, kwnames);
#else
    /* 3.8 has no public vectorcall: only fwd_call comes here, without
     * keywords. */
    (void)kwnames;
    Py_ssize_t n = PyVectorcall_NARGS(nargsf);
    PyObject *tuple = PyTuple_New(n);
    if (tuple == NULL) {
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyTuple_SET_ITEM(tuple, i, Py_NewRef(args[i]));
    }
    PyObject *res = PyObject_Call(f->wrapped, tuple, NULL);
    Py_DECREF(tuple);
    return res;
#endif
}

static PyObject *
fwd_vectorcall(PyObject *callable, PyObject *const *args, size_t nargsf,
               PyObject *kwnames)
{
    sslobj_method *f = (sslobj_method *)callable;
    Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    if (nargs < 1 || kwnames != NULL ||
        !fwd_is_fast_shape(f->which, nargs - 1)) {
        return fwd_call_wrapped(f, args, nargsf, kwnames);
    }
    PyObject *sock =
        f->member != NULL && Py_TYPE(args[0]) == f->owner
            ? PyMember_GetOne((const char *)args[0],
                              ((PyMemberDescrObject *)f->member)->d_member)
            : PyObject_GetAttr(args[0], f->attr);
    if (sock == NULL) {
        return NULL;
    }
    /* read(n, None) is read(n) */
    Py_ssize_t n = nargs - 1;
    if (f->which == FWD_READ && n == 2 && args[2] == Py_None) {
        n = 1;
    }
    PyObject *res;
    if (Py_TYPE(sock) == f->target) {
        res = fwd_fast(f, (PySSLSocket *)sock, args + 1, n);
    }
    else if (Py_TYPE(sock) == pyssl_state_from_type(f->target)->shuttle_type) {
        res = fwd_shuttle(f, sock, args + 1, n);
    }
    else {
        res = fwd_call_wrapped(f, args, nargsf, NULL);
    }
    Py_DECREF(sock);
    return res;
}

/* Calls that come as a tuple (3.8, or f(*args, **kw)). */
static PyObject *
fwd_call(PyObject *self, PyObject *args, PyObject *kwargs)
{
    sslobj_method *f = (sslobj_method *)self;
    if (kwargs != NULL && PyDict_GET_SIZE(kwargs) != 0) {
        return PyObject_Call(f->wrapped, args, kwargs);
    }
    return fwd_vectorcall(self, &PyTuple_GET_ITEM(args, 0),
                          (size_t)PyTuple_GET_SIZE(args), NULL);
}

/* SSLObject.read is the forwarder itself; obj.read a bound method. */
static PyObject *
fwd_get(PyObject *self, PyObject *obj, PyObject *type)
{
    if (obj == NULL || obj == Py_None) {
        return Py_NewRef(self);
    }
    return PyMethod_New(self, obj);
}

static PyObject *
fwd_repr(sslobj_method *f)
{
    static const char *const names[] = {"read", "write", "pending"};
    return PyUnicode_FromFormat("<fast method SSLObject.%s>", names[f->which]);
}

static int
fwd_traverse(sslobj_method *f, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(f));
    Py_VISIT(f->target);
    Py_VISIT(f->member);
    Py_VISIT(f->wrapped);
    Py_VISIT(f->dict);
    return 0;
}

static int
fwd_clear(sslobj_method *f)
{
    Py_CLEAR(f->target);
    Py_CLEAR(f->member);
    f->owner = NULL;
    Py_CLEAR(f->wrapped);
    Py_CLEAR(f->dict);
    return 0;
}

static void
fwd_dealloc(sslobj_method *f)
{
    PyTypeObject *tp = Py_TYPE(f);
    PyObject_GC_UnTrack(f);
    fwd_clear(f);
    Py_CLEAR(f->attr);
    PyObject_GC_Del(f);
    Py_DECREF(tp);
}

static PyMemberDef fwd_members[] = {
    {"__dictoffset__", T_PYSSIZET, offsetof(sslobj_method, dict), READONLY},
#ifdef PYSSL_HAVE_VECTORCALL
    {"__vectorcalloffset__", T_PYSSIZET, offsetof(sslobj_method, vectorcall),
     READONLY},
#endif
    {NULL},
};

static PyType_Slot fwd_slots[] = {
    {Py_tp_call, (void *)fwd_call},
    {Py_tp_descr_get, (void *)fwd_get},
    {Py_tp_repr, (void *)fwd_repr},
    {Py_tp_traverse, (void *)fwd_traverse},
    {Py_tp_clear, (void *)fwd_clear},
    {Py_tp_dealloc, (void *)fwd_dealloc},
    {Py_tp_members, (void *)fwd_members},
    {0, NULL},
};

#ifdef PYSSL_HAVE_VECTORCALL
#  define FWD_VECTORCALL_FLAG Py_TPFLAGS_HAVE_VECTORCALL
#else
#  define FWD_VECTORCALL_FLAG 0
#endif

static PyType_Spec fwd_spec = {
    .name = "pyssl._ssl._SSLObjectMethod",
    .basicsize = sizeof(sslobj_method),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC |
             Py_TPFLAGS_METHOD_DESCRIPTOR | FWD_VECTORCALL_FLAG,
    .slots = fwd_slots,
};

/* The member descriptor of a __slots__ entry holding an object, or NULL
 * (no exception) for anything else. */
static PyObject *
slot_member(PyObject *obj)
{
    if (obj == NULL || !PyObject_TypeCheck(obj, &PyMemberDescr_Type)) {
        return NULL;
    }
    PyMemberDef *def = ((PyMemberDescrObject *)obj)->d_member;
    if (def->type != T_OBJECT_EX || (def->flags & READONLY)) {
        return NULL;
    }
    return obj;
}

/* _sslobject_method(name, function[, member]): the forwarder for
 * SSLObject.<name> (read, write or pending), falling back on function;
 * member is the class's _sslobj slot, if it has one. */
static PyObject *
sslobject_method(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    static const char *const names[] = {"read", "write", "pending"};
    pyssl_state *st = pyssl_get_state(module);
    if (nargs < 2 || nargs > 3 || !PyUnicode_Check(args[0]) ||
        !PyCallable_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError,
                        "_sslobject_method(name, function[, member]) takes "
                        "a method name, the function it stands in for and "
                        "the class's _sslobj slot");
        return NULL;
    }
    PyObject *member = slot_member(nargs == 3 ? args[2] : NULL);
    int which = -1;
    for (int i = 0; i < 3; i++) {
        if (PyUnicode_CompareWithASCIIString(args[0], names[i]) == 0) {
            which = i;
        }
    }
    if (which < 0) {
        PyErr_Format(PyExc_ValueError, "no fast SSLObject method %R", args[0]);
        return NULL;
    }
    sslobj_method *f = PyObject_GC_New(sslobj_method, st->sslobj_method_type);
    if (f == NULL) {
        return NULL;
    }
    f->vectorcall = fwd_vectorcall;
    f->which = which;
    f->target = (PyTypeObject *)Py_NewRef((PyObject *)st->socket_type);
    f->attr = PyUnicode_InternFromString("_sslobj");
    f->member = Py_XNewRef(member);
    f->owner = member != NULL ? PyDescr_TYPE(member) : NULL;
    f->wrapped = Py_NewRef(args[1]);
    f->dict = NULL;
    PyObject_GC_Track(f);
    if (f->attr == NULL) {
        Py_DECREF(f);
        return NULL;
    }
    return (PyObject *)f;
}

static PyMethodDef fwd_module_methods[] = {
    {"_sslobject_method", (PyCFunction)(void (*)(void))sslobject_method,
     METH_FASTCALL,
     "_sslobject_method($module, name, function, member=None, /)\n--\n\n"
     "SSLObject.<name> (read, write or pending) calling the _SSLSocket\n"
     "directly, and function for any other call; member is the class's\n"
     "_sslobj slot."},
    {NULL, NULL, 0, NULL},
};

static int
fwd_init(PyObject *module, pyssl_state *st)
{
    st->sslobj_method_type = pyssl_new_type(module, &fwd_spec);
    if (st->sslobj_method_type == NULL) {
        return -1;
    }
    return PyModule_AddFunctions(module, fwd_module_methods);
}

int
pyssl_socket_init(PyObject *module, pyssl_state *st)
{
    if (pyssl_sockbio_init() < 0) {
        PYSSL_SET_SSL_ERROR(st, "cannot create the socket read BIO type");
        return -1;
    }
    st->socket_type = pyssl_new_type(module, &sslsock_spec);
    if (st->socket_type == NULL) {
        return -1;
    }
    if (fwd_init(module, st) < 0) {
        return -1;
    }
    return PyModule_AddObjectRef(module, "_SSLSocket",
                                 (PyObject *)st->socket_type);
}

/* ------------------------------------------------------------------------ */
/* Creation: _SSLContext._wrap_socket and _wrap_bio                         */

/* SNI and, when the context checks host names, the name or IP address the
 * peer's certificate must match.  hostname is IDNA-encoded ASCII. */
static int
configure_hostname(PySSLSocket *self, const char *hostname, size_t len)
{
    pyssl_state *st = self->state;
    if (len == 0 || hostname[0] == '.') {
        PyErr_SetString(PyExc_ValueError,
                        "server_hostname cannot be an empty string or start "
                        "with a leading dot.");
        return -1;
    }
    PyObject *name =
        PyUnicode_DecodeASCII(hostname, (Py_ssize_t)len, "strict");
    if (name == NULL) {
        return -1;
    }
    ASN1_OCTET_STRING *ip = a2i_IPADDRESS(hostname);
    if (ip == NULL) {
        ERR_clear_error();
    }
    int ok = 1;
    /* RFC 6066: SNI carries host names only, never addresses. */
    if (ip == NULL) {
        ok = SSL_set_tlsext_host_name(self->ssl, hostname);
    }
    if (ok && PYSSL_LOAD_FLAG(&self->ctx->check_hostname)) {
        X509_VERIFY_PARAM *param = SSL_get0_param(self->ssl);
        ok = ip == NULL
                 ? X509_VERIFY_PARAM_set1_host(param, hostname, len)
                 : X509_VERIFY_PARAM_set1_ip(param, ASN1_STRING_get0_data(ip),
                                             (size_t)ASN1_STRING_length(ip));
    }
    ASN1_OCTET_STRING_free(ip);
    if (!ok) {
        Py_DECREF(name);
        PYSSL_SET_SSL_ERROR(st, NULL);
        return -1;
    }
    self->server_hostname = name;
    return 0;
}

/* TLS 1.3 post-handshake authentication, if the context allows it. */
static void
configure_pha(PySSLSocket *self)
{
    if (!PYSSL_LOAD_FLAG(&self->ctx->post_handshake_auth)) {
        return;
    }
    if (!self->server_side) {
        SSL_set_post_handshake_auth(self->ssl, 1);
        return;
    }
    /* OpenSSL acts on VERIFY_POST_HANDSHAKE even without VERIFY_PEER;
     * only a server that verifies clients at all may ask later. */
    int mode = SSL_get_verify_mode(self->ssl);
    if (mode & SSL_VERIFY_PEER) {
        SSL_set_verify(self->ssl, mode | SSL_VERIFY_POST_HANDSHAKE,
                       SSL_get_verify_callback(self->ssl));
    }
}

static int
check_side(PySSLContext *ctx, int server_side)
{
    const char *msg = NULL;
    if (server_side && ctx->protocol == PY_SSL_VERSION_TLS_CLIENT) {
        msg = "Cannot create a server socket with a PROTOCOL_TLS_CLIENT "
              "context";
    }
    else if (!server_side && ctx->protocol == PY_SSL_VERSION_TLS_SERVER) {
        msg = "Cannot create a client socket with a PROTOCOL_TLS_SERVER "
              "context";
    }
    if (msg == NULL) {
        return 0;
    }
    ERR_clear_error();
    PYSSL_SET_SSL_ERROR(ctx->state, msg);
    return -1;
}

typedef struct {
    PyObject *sock; /* socket mode */
    int fd;
    PySSLMemoryBIO *in; /* BIO mode */
    PySSLMemoryBIO *out;
    int server_side;
    const char *hostname;
    size_t hostname_len;
    PyObject *owner;
    PyObject *session;
} wrap_args;

/* The SSL and its I/O; everything after it only needs a live object. */
static PySSLSocket *
new_sslsock(PySSLContext *ctx, const wrap_args *w)
{
    PySSLSocket *self = PyObject_GC_New(PySSLSocket, ctx->state->socket_type);
    if (self == NULL) {
        return NULL;
    }
    self->ssl = NULL;
    self->state = ctx->state;
    self->ctx = (PySSLContext *)Py_NewRef((PyObject *)ctx);
    self->sock = NULL;
    self->owner = NULL;
    self->server_hostname = NULL;
    self->server_side = w->server_side;
    self->shutdown_seen_zero = 0;
    self->got_eof = 0;
    self->bufs_held = 0;
    self->bufs_used = 0;
    self->bufs_used_before = 0;
    self->keep_bufs = 0;
    self->lock_owner = 0;
    int no_lock = pyssl_mutex_init(&self->lock);
    self->exc = NULL;
    self->read_exc = NULL;
    self->weakreflist = NULL;

    if (no_lock) {
        Py_DECREF(self);
        return (PySSLSocket *)PyErr_NoMemory();
    }
    ERR_clear_error();
    Py_BEGIN_ALLOW_THREADS
    self->ssl = pyssl_context_new_ssl(ctx); /* under the context lock */
    Py_END_ALLOW_THREADS
    if (self->ssl == NULL) {
        Py_DECREF(self);
        return (PySSLSocket *)PYSSL_SET_SSL_ERROR(ctx->state, NULL);
    }
    SSL_set_app_data(self->ssl, self);
    if (w->sock != NULL) {
        if (!pyssl_sockbio_set_fd(self->ssl, w->fd)) {
            PYSSL_SET_SSL_ERROR(ctx->state, NULL);
            Py_DECREF(self);
            return NULL;
        }
    }
    else {
        /* SSL_set_bio takes over one reference each; the MemoryBIO
         * objects keep theirs. */
        BIO_up_ref(w->in->bio);
        BIO_up_ref(w->out->bio);
        SSL_set_bio(self->ssl, w->in->bio, w->out->bio);
    }
    SSL_set_mode(self->ssl,
                 SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_AUTO_RETRY);
    return self;
}

static PySSLSocket *
wrap(PySSLContext *ctx, const wrap_args *w)
{
    if (check_side(ctx, w->server_side) < 0) {
        return NULL;
    }
    PySSLSocket *self = new_sslsock(ctx, w);
    if (self == NULL) {
        return NULL;
    }
#ifdef PYSSL_SSL_NEW_DROPS_HOSTFLAGS
    /* Before 1.1.1l, SSL_new did not copy the context's host flags. */
    X509_VERIFY_PARAM_set_hostflags(SSL_get0_param(self->ssl),
                                    PYSSL_LOAD_FLAG(&ctx->hostflags));
#endif
    configure_pha(self);
    if (w->hostname != NULL &&
        configure_hostname(self, w->hostname, w->hostname_len) < 0) {
        goto fail;
    }
    if (w->server_side) {
        SSL_set_accept_state(self->ssl);
    }
    else {
        SSL_set_connect_state(self->ssl);
    }
    if (w->sock != NULL) {
        self->sock = PyWeakref_NewRef(w->sock, NULL);
        if (self->sock == NULL) {
            goto fail;
        }
    }
    if (w->owner != NULL && w->owner != Py_None &&
        sslsock_set_owner(self, w->owner, NULL) < 0) {
        goto fail;
    }
    if (w->session != NULL && w->session != Py_None) {
        /* No other thread can see self yet and its handshake has not
         * begun: the setter's lock and "after handshake" check are moot. */
        PySSLSession *sess = session_for(self, w->session);
        if (sess == NULL) {
            goto fail;
        }
        if (!SSL_set_session(self->ssl, sess->session)) {
            PYSSL_SET_SSL_ERROR(ctx->state, NULL);
            goto fail;
        }
    }
    PyObject_GC_Track(self);
    return self;
fail:
    Py_DECREF(self);
    return NULL;
}

/* server_hostname: str (IDNA-encoded) or bytes (as is), or None.  *buf is
 * PyMem-allocated by "es" and must be freed. */
static int
parse_hostname(PyObject *obj, char **buf, wrap_args *w)
{
    *buf = NULL;
    w->hostname = NULL;
    w->hostname_len = 0;
    if (obj == NULL || obj == Py_None) {
        return 0;
    }
    if (!PyArg_Parse(obj, "es", "idna", buf)) {
        return -1;
    }
    w->hostname = *buf;
    w->hostname_len = strlen(*buf);
    return 0;
}

static PyObject *
finish_wrap(PySSLContext *ctx, wrap_args *w, PyObject *hostname_obj)
{
    char *buf;
    if (parse_hostname(hostname_obj, &buf, w) < 0) {
        return NULL;
    }
    PyObject *res = (PyObject *)wrap(ctx, w);
    PyMem_Free(buf);
    return res;
}

PyObject *
pyssl_context_wrap_socket(PySSLContext *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {"sock",  "server_side", "server_hostname",
                             "owner", "session",     NULL};
    wrap_args w;
    PyObject *hostname_obj = Py_None;
    memset(&w, 0, sizeof(w));
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!p|O$OO:_wrap_socket",
                                     kwlist, self->state->sock_type, &w.sock,
                                     &w.server_side, &hostname_obj, &w.owner,
                                     &w.session)) {
        return NULL;
    }
    w.fd = socket_fileno(self->state, w.sock);
    if (w.fd == -1 && PyErr_Occurred()) {
        return NULL;
    }
    return finish_wrap(self, &w, hostname_obj);
}

PyObject *
pyssl_context_wrap_bio(PySSLContext *self, PyObject *args, PyObject *kwds)
{
    static char *kwlist[] = {
        "incoming", "outgoing", "server_side", "server_hostname",
        "owner",    "session",  NULL};
    wrap_args w;
    PyObject *hostname_obj = Py_None;
    PyTypeObject *bio_type = self->state->memorybio_type;
    memset(&w, 0, sizeof(w));
    if (bio_type == NULL) {
        PyErr_SetString(PyExc_NotImplementedError, "MemoryBIO is missing");
        return NULL;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!O!p|O$OO:_wrap_bio",
                                     kwlist, bio_type, &w.in, bio_type, &w.out,
                                     &w.server_side, &hostname_obj, &w.owner,
                                     &w.session)) {
        return NULL;
    }
    return finish_wrap(self, &w, hostname_obj);
}
