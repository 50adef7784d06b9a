/* aiotransport.c: the data phase of pyssl's asyncio TLS protocol in C.
 *
 * Once a connection is up, asyncio spends three Python calls on each chunk
 * received (the socket transport's _read_ready, _read_ready__get_buffer,
 * then SSLProtocol.buffer_updated) and three on each write (the
 * application transport's write, SSLProtocol._write_appdata, the socket
 * transport's write).  pyssl's SSLProtocol (src/pyssl/asyncio.py) puts
 * these methods in their place: read_ready() as the socket transport's
 * _read_ready_cb, write() as the application transport's write.  Each
 * does in C what those methods do in the state that matters (the
 * connection up, nothing paused, nothing queued), looking at the same
 * attributes, and calls asyncio's Python method in any other state, so
 * asyncio's state machine stays the one in charge.
 *
 * The attributes are read from the objects' instance dicts: they are all
 * plain instance attributes of asyncio's classes, and from C a dict look-up
 * skips PyObject_GetAttr's search of the class for descriptors (a name not
 * in the dict is looked up the usual way).  The socket itself is read and written with
 * recv()/send() on its descriptor when set_fd() gave one (a plain
 * socket.socket), as its recv_into()/send() methods would, without their
 * argument parsing.
 */
#include "pyssl.h"

#include <string.h>
#ifndef _WIN32
#  include <sys/socket.h>
#endif

/* The attribute and method names used below, interned at import. */
enum aio_name {
    N_TRANSPORT,
    N_CONN_LOST,
    N_SOCK,
    N_RECV_INTO,
    N_READ_READY_GET_BUFFER,
    N_READ_READY_ON_EOF,
    N_FATAL_ERROR,
    N_STATE,
    N_APP_READING_PAUSED,
    N_APP_PROTOCOL_IS_BUFFER,
    N_APP_PROTOCOL,
    N_DATA_RECEIVED,
    N_WRITE_BACKLOG,
    N_APP_WRITING_PAUSED,
    N_SSL_READING_PAUSED,
    N_PYSSL_TAIL,
    N_SSL_WRITING_PAUSED,
    N_OUTGOING_HIGH_WATER,
    N_WRITE,
    N_WRITE_APPDATA,
    N_PYSSL_WRITE_REST,
    N_EOF,
    N_EMPTY_WAITER,
    N_BUFFER,
    N_COUNT
};

static const char *const aio_name_text[N_COUNT] = {
    "_transport",
    "_conn_lost",
    "_sock",
    "recv_into",
    "_read_ready__get_buffer",
    "_read_ready__on_eof",
    "_fatal_error",
    "_state",
    "_app_reading_paused",
    "_app_protocol_is_buffer",
    "_app_protocol",
    "data_received",
    "_write_backlog",
    "_app_writing_paused",
    "_ssl_reading_paused",
    "_pyssl_tail",
    "_ssl_writing_paused",
    "_outgoing_high_water",
    "write",
    "_write_appdata",
    "_pyssl_write_rest",
    "_eof",
    "_empty_waiter",
    "_buffer",
};

static inline PyObject *
aio_name(PyAioPipe *self, enum aio_name n)
{
    return self->sock->state->aio_names[n];
}

/* obj.name(args...), the argument list NULL-terminated. */
#define CALL_NAME(self, obj, n, ...) \
  PyObject_CallMethodObjArgs((obj), aio_name((self), (n)), __VA_ARGS__)

/* An asyncio object and its instance dict. */
typedef struct {
    PyObject *obj;
    PyObject *dict;
} attrs;

static int
attrs_open(attrs *a, PyObject *obj)
{
    a->obj = obj;
    a->dict = PyObject_GenericGetDict(obj, NULL);
    return a->dict == NULL ? -1 : 0;
}

static void
attrs_close(attrs *a)
{
    Py_CLEAR(a->dict);
}

/* obj.name, a new reference (NULL with an exception). */
static PyObject *
attrs_get(PyAioPipe *self, attrs *a, enum aio_name n)
{
    PyObject *v = NULL;
    int rc = PyDict_GetItemRef(a->dict, aio_name(self, n), &v);
    if (rc == 0) {
        return PyObject_GetAttr(a->obj, aio_name(self, n));
    }
    return v;
}

/* bool(obj.name): 1, 0, or -1 with an exception. */
static int
attrs_true(PyAioPipe *self, attrs *a, enum aio_name n)
{
    PyObject *v = attrs_get(self, a, n);
    if (v == NULL) {
        return -1;
    }
    int res = PyObject_IsTrue(v);
    Py_DECREF(v);
    return res;
}

/* Whether obj.name is the object `is`: 1, 0, or -1. */
static int
attrs_is(PyAioPipe *self, attrs *a, enum aio_name n, PyObject *is)
{
    PyObject *v = attrs_get(self, a, n);
    if (v == NULL) {
        return -1;
    }
    int res = v == is;
    Py_DECREF(v);
    return res;
}

/* The linked SSLProtocol (a new reference), or NULL without an exception
 * once it is gone. */
static PyObject *
linked_protocol(PyAioPipe *self)
{
    PyObject *protocol = NULL;
    if (self->protocol_ref == NULL ||
        PyWeakref_GetRef(self->protocol_ref, &protocol) < 0) {
        PyErr_Clear();
        return NULL;
    }
    return protocol;
}

/* link(protocol, wrapped, /): the SSLProtocol this pipe serves (a weak
 * reference: the protocol holds the pipe) and the SSLProtocolState that
 * means "up".  Once only. */
PyObject *
pyssl_aiopipe_link(PyObject *op, PyObject *const *args, Py_ssize_t nargs)
{
    PyAioPipe *self = (PyAioPipe *)op;
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError, "link expected 2 arguments, got %zd",
                     nargs);
        return NULL;
    }
    if (self->protocol_ref != NULL) {
        PyErr_SetString(PyExc_RuntimeError, "the pipe is linked already");
        return NULL;
    }
    self->protocol_ref = PyWeakref_NewRef(args[0], NULL);
    if (self->protocol_ref == NULL) {
        return NULL;
    }
    self->wrapped = Py_NewRef(args[1]);
    Py_RETURN_NONE;
}

/* set_fd(fd, /): the descriptor of the socket transport's socket, which
 * read_ready() and write() may then use directly. */
PyObject *
pyssl_aiopipe_set_fd(PyObject *op, PyObject *arg)
{
    int fd = PyLong_AsInt(arg);
    if (fd == -1 && PyErr_Occurred()) {
        return NULL;
    }
    ((PyAioPipe *)op)->fd = fd < 0 ? -1 : fd;
    Py_RETURN_NONE;
}

/* Hand the exception being raised to obj._fatal_error(exc, message), as
 * asyncio's except clauses do.  0, or -1 if that call raised. */
static int
fatal_error(PyAioPipe *self, PyObject *obj, const char *message)
{
    PyObject *exc = PyErr_GetRaisedException();
    PyObject *msg = PyUnicode_FromString(message);
    PyObject *r = NULL;
    if (msg != NULL) {
        r = CALL_NAME(self, obj, N_FATAL_ERROR, exc, msg, NULL);
    }
    Py_XDECREF(msg);
    Py_DECREF(exc);
    Py_XDECREF(r);
    return r == NULL ? -1 : 0;
}

/* Whether the exception being raised is one that asyncio's handlers let
 * through (SystemExit, KeyboardInterrupt). */
static int
must_propagate(void)
{
    return PyErr_ExceptionMatches(PyExc_SystemExit) ||
           PyErr_ExceptionMatches(PyExc_KeyboardInterrupt);
}

/* Decrypt the first nbytes of the receive buffer and give the plaintext
 * to the application, as SSLProtocol.buffer_updated does when the
 * connection is up and the application reads; then, only if there is
 * something to look after (a flag, a write backlog, a paused side), the
 * Python _pyssl_tail(flags).  0, or -1 with the exception. */
static int
deliver(PyAioPipe *self, attrs *protocol, PyObject *nbytes)
{
    long flags = 0;
    PyObject *data = pyssl_aiopipe_feed_read(self, nbytes, &flags);
    if (data == NULL) {
        return -1;
    }
    PyObject *r = Py_NewRef(Py_None);
    if (PyBytes_GET_SIZE(data) > 0) {
        PyObject *app = attrs_get(self, protocol, N_APP_PROTOCOL);
        Py_SETREF(r, app == NULL
                         ? NULL
                         : CALL_NAME(self, app, N_DATA_RECEIVED, data, NULL));
        Py_XDECREF(app);
    }
    Py_DECREF(data);
    if (r == NULL) {
        return -1;
    }
    Py_DECREF(r);
    static const enum aio_name watched[] = {
        N_WRITE_BACKLOG, N_APP_WRITING_PAUSED, N_SSL_READING_PAUSED};
    int more = flags != 0;
    for (size_t i = 0; !more && i < sizeof(watched) / sizeof(watched[0]);
         i++) {
        more = attrs_true(self, protocol, watched[i]);
    }
    if (more > 0) {
        PyObject *f = PyLong_FromLong(flags);
        r = f == NULL ? NULL
                      : CALL_NAME(self, protocol->obj, N_PYSSL_TAIL, f, NULL);
        Py_XDECREF(f);
        more = r == NULL ? -1 : 0;
        Py_XDECREF(r);
    }
    return more < 0 ? -1 : 0;
}

/* deliver(nbytes, /): deliver() for SSLProtocol.buffer_updated. */
PyObject *
pyssl_aiopipe_deliver(PyObject *op, PyObject *nbytes)
{
    PyAioPipe *self = (PyAioPipe *)op;
    PyObject *protocol = linked_protocol(self);
    if (protocol == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "the pipe is not linked");
        return NULL;
    }
    attrs p;
    int rc = attrs_open(&p, protocol);
    if (rc == 0) {
        rc = deliver(self, &p, nbytes);
    }
    attrs_close(&p);
    Py_DECREF(protocol);
    if (rc < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* Whether the connection is up and its application reads plain data:
 * 1, 0, or -1 with an exception. */
static int
reading_up(PyAioPipe *self, attrs *protocol)
{
    int up = attrs_is(self, protocol, N_STATE, self->wrapped);
    if (up > 0) {
        up = attrs_true(self, protocol, N_APP_READING_PAUSED);
        up = up < 0 ? -1 : !up;
    }
    if (up > 0) {
        up = attrs_true(self, protocol, N_APP_PROTOCOL_IS_BUFFER);
        up = up < 0 ? -1 : !up;
    }
    return up;
}

#ifndef _WIN32
/* recv() into the receive buffer as socket.recv_into() would: the count
 * as an int object, or NULL with the OSError (BlockingIOError for none). */
static PyObject *
recv_raw(PyAioPipe *self)
{
    char *buf = self->recv_export.buf;
    size_t len = (size_t)self->recv_export.len;
    for (;;) {
        ssize_t n;
        int err = 0;
        Py_BEGIN_ALLOW_THREADS
        n = recv(self->fd, buf, len, MSG_DONTWAIT);
        if (n < 0) {
            err = errno;
        }
        Py_END_ALLOW_THREADS
        if (n >= 0) {
            return PyLong_FromSsize_t((Py_ssize_t)n);
        }
        if (err != EINTR) {
            errno = err;
            return PyErr_SetFromErrno(PyExc_OSError);
        }
        if (PyErr_CheckSignals() < 0) {
            return NULL;
        }
    }
}
#endif

/* transport._sock.recv_into(the receive buffer).  The caller has found
 * the transport's _conn_lost false, so its socket is still open: the
 * transport closes it only after counting the connection lost. */
static PyObject *
receive(PyAioPipe *self, attrs *transport)
{
#ifndef _WIN32
    if (self->fd >= 0) {
        return recv_raw(self);
    }
#endif
    PyObject *sock = attrs_get(self, transport, N_SOCK);
    PyObject *res = sock == NULL ? NULL
                                 : CALL_NAME(self, sock, N_RECV_INTO,
                                             self->recv_view, NULL);
    Py_XDECREF(sock);
    return res;
}

/* The rest of read_ready() once the socket gave nbytes (> 0): what
 * buffer_updated does, inside the except clauses that the transport's
 * _read_ready__get_buffer and SSLProtocol.buffer_updated put around it. */
static PyObject *
read_ready_deliver(PyAioPipe *self, attrs *protocol, attrs *transport,
                   PyObject *nbytes)
{
    if (deliver(self, protocol, nbytes) == 0) {
        Py_RETURN_NONE;
    }
    if (PyErr_ExceptionMatches(PyExc_Exception) &&
        fatal_error(self, protocol->obj, "Fatal error on SSL protocol") == 0) {
        Py_RETURN_NONE;
    }
    if (must_propagate() ||
        fatal_error(self, transport->obj,
                    "Fatal error: protocol.buffer_updated() call failed.") <
            0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* Receive into the pipe's buffer and deliver, as the socket transport's
 * _read_ready__get_buffer and SSLProtocol.buffer_updated do. */
static PyObject *
read_ready_up(PyAioPipe *self, attrs *protocol, attrs *transport)
{
    if (pyssl_membio_reclaim(SSL_get_rbio(self->sock->ssl), self->recv_buf) <
        0) {
        PyErr_NoMemory();
        if (fatal_error(self, transport->obj,
                        "Fatal error: protocol.get_buffer() call failed.") <
            0) {
            return NULL;
        }
        Py_RETURN_NONE;
    }
    PyObject *nbytes = receive(self, transport);
    if (nbytes == NULL) {
        if (PyErr_ExceptionMatches(PyExc_BlockingIOError) ||
            PyErr_ExceptionMatches(PyExc_InterruptedError)) {
            PyErr_Clear();
            Py_RETURN_NONE;
        }
        if (must_propagate() ||
            fatal_error(self, transport->obj,
                        "Fatal read error on socket transport") < 0) {
            return NULL;
        }
        Py_RETURN_NONE;
    }
    PyObject *res;
    int got = PyObject_IsTrue(nbytes);
    if (got < 0) {
        res = NULL;
    }
    else if (!got) {
        res = CALL_NAME(self, transport->obj, N_READ_READY_ON_EOF, NULL);
    }
    else {
        res = read_ready_deliver(self, protocol, transport, nbytes);
    }
    Py_DECREF(nbytes);
    return res;
}

/* read_ready(): the socket transport's _read_ready_cb.  While the
 * connection is up, _read_ready__get_buffer and buffer_updated in one
 * call; in any other state (the handshake, a paused reader, a
 * BufferedProtocol application, shutdown) the transport's own
 * _read_ready__get_buffer. */
PyObject *
pyssl_aiopipe_read_ready(PyObject *op, PyObject *unused)
{
    PyAioPipe *self = (PyAioPipe *)op;
    PyObject *protocol = linked_protocol(self);
    if (protocol == NULL) {
        Py_RETURN_NONE; /* the connection is gone */
    }
    PyObject *res = NULL, *transport = NULL;
    attrs p = {NULL, NULL}, t = {NULL, NULL};
    if (attrs_open(&p, protocol) < 0 ||
        (transport = attrs_get(self, &p, N_TRANSPORT)) == NULL) {
        goto done;
    }
    if (transport == Py_None) {
        res = Py_NewRef(Py_None); /* connection_lost() has run */
        goto done;
    }
    if (attrs_open(&t, transport) < 0) {
        goto done;
    }
    int lost = attrs_true(self, &t, N_CONN_LOST);
    int up = lost ? lost : reading_up(self, &p);
    if (lost > 0) {
        res = Py_NewRef(Py_None);
    }
    else if (up > 0) {
        res = read_ready_up(self, &p, &t);
    }
    else if (up == 0) {
        res = CALL_NAME(self, transport, N_READ_READY_GET_BUFFER, NULL);
    }
done:
    attrs_close(&t);
    attrs_close(&p);
    Py_XDECREF(transport);
    Py_DECREF(protocol);
    return res;
}

/* Whether a write may go out at once, as pyssl's _write_appdata decides:
 * the connection up, nothing queued or paused, and a high-water mark above
 * 0 (asyncio keeps it non-negative, so that is its truth).  1, 0, or -1. */
static int
writing_up(PyAioPipe *self, attrs *protocol)
{
    static const enum aio_name held_back[] = {
        N_WRITE_BACKLOG, N_SSL_WRITING_PAUSED, N_APP_WRITING_PAUSED};
    int up = attrs_is(self, protocol, N_STATE, self->wrapped);
    for (size_t i = 0; up > 0 && i < sizeof(held_back) / sizeof(held_back[0]);
         i++) {
        int v = attrs_true(self, protocol, held_back[i]);
        up = v < 0 ? -1 : !v;
    }
    if (up > 0) {
        up = attrs_true(self, protocol, N_OUTGOING_HIGH_WATER);
    }
    return up;
}

#ifndef _WIN32
#  ifndef MSG_NOSIGNAL
#    define MSG_NOSIGNAL 0
#  endif
/* Whether the socket transport's write() would call send() at once: no
 * buffer, no EOF written, no sendfile, connection not lost (and so the
 * socket still open, see receive()).  1, 0, or -1. */
static int
can_send_now(PyAioPipe *self, attrs *transport)
{
    static const enum aio_name must_be_false[] = {N_CONN_LOST, N_EOF,
                                                  N_BUFFER};
    int ok = self->fd >= 0;
    for (size_t i = 0;
         ok > 0 && i < sizeof(must_be_false) / sizeof(must_be_false[0]); i++) {
        int v = attrs_true(self, transport, must_be_false[i]);
        ok = v < 0 ? -1 : !v;
    }
    if (ok > 0) {
        ok = attrs_is(self, transport, N_EMPTY_WAITER, Py_None);
    }
    return ok;
}

/* send() one chunk of records as the socket transport's write() would:
 * what the socket does not take goes through write() after all (which
 * buffers it and waits for the socket); a failed send() goes to the
 * transport's _fatal_error.  0, or -1 with an exception. */
static int
send_raw(PyAioPipe *self, attrs *transport, PyObject *chunk)
{
    const char *buf = PyBytes_AS_STRING(chunk);
    size_t len = (size_t)PyBytes_GET_SIZE(chunk);
    ssize_t n;
    int err = 0;
    Py_BEGIN_ALLOW_THREADS
    n = send(self->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0) {
        err = errno;
    }
    Py_END_ALLOW_THREADS
    if (n == (ssize_t)len) {
        return 0;
    }
    if (n < 0 && err != EAGAIN && err != EWOULDBLOCK && err != EINTR) {
        errno = err;
        PyErr_SetFromErrno(PyExc_OSError);
        return must_propagate()
                   ? -1
                   : fatal_error(self, transport->obj,
                                 "Fatal write error on socket transport");
    }
    PyObject *rest = PyBytes_FromStringAndSize(
        buf + (n > 0 ? n : 0), (Py_ssize_t)len - (n > 0 ? n : 0));
    PyObject *r = rest == NULL
                      ? NULL
                      : CALL_NAME(self, transport->obj, N_WRITE, rest, NULL);
    Py_XDECREF(rest);
    Py_XDECREF(r);
    return r == NULL ? -1 : 0;
}
#endif

/* Hand the records to the socket transport: transport.write(chunk), or
 * send() where the socket transport's write() would send at once. */
static int
send_chunks(PyAioPipe *self, attrs *protocol, PyObject *chunks)
{
    PyObject *transport = attrs_get(self, protocol, N_TRANSPORT);
    attrs t = {NULL, NULL};
    int rc = transport == NULL || attrs_open(&t, transport) < 0 ? -1 : 0;
    for (Py_ssize_t i = 0; rc == 0 && i < PyList_GET_SIZE(chunks); i++) {
        PyObject *chunk = PyList_GET_ITEM(chunks, i);
#ifndef _WIN32
        int now = can_send_now(self, &t);
        if (now != 0) {
            rc = now < 0 ? -1 : send_raw(self, &t, chunk);
            continue;
        }
#endif
        PyObject *r = CALL_NAME(self, transport, N_WRITE, chunk, NULL);
        rc = r == NULL ? -1 : 0;
        Py_XDECREF(r);
    }
    attrs_close(&t);
    Py_XDECREF(transport);
    return rc;
}

/* Encrypt data and send the records; what OpenSSL did not take (it
 * wants to read first: renegotiation) goes to _pyssl_write_rest,
 * asyncio's backlog.  0, or -1 with the exception. */
static int
write_up(PyAioPipe *self, attrs *protocol, PyObject *data)
{
    Py_buffer view;
    if (PyObject_GetBuffer(data, &view, PyBUF_SIMPLE) < 0) {
        return -1;
    }
    Py_ssize_t done = 0, len = view.len;
    int again = 0;
    PyObject *chunks =
        pyssl_aiopipe_encrypt(self, view.buf, view.len, &done, &again);
    PyBuffer_Release(&view);
    int rc = chunks == NULL ? -1 : send_chunks(self, protocol, chunks);
    Py_XDECREF(chunks);
    if (rc == 0 && again) {
        PyObject *rest = PySequence_GetSlice(data, done, len);
        PyObject *r = rest == NULL ? NULL
                                   : CALL_NAME(self, protocol->obj,
                                               N_PYSSL_WRITE_REST, rest, NULL);
        Py_XDECREF(rest);
        rc = r == NULL ? -1 : 0;
        Py_XDECREF(r);
    }
    return rc;
}

/* write(data, /): the application transport's write().  Checks data as
 * _SSLProtocolTransport.write does; while the connection is up with
 * nothing queued, encrypts and sends it here (an error goes to the
 * protocol's _fatal_error, as in _write_appdata), else calls
 * _write_appdata. */
PyObject *
pyssl_aiopipe_write(PyObject *op, PyObject *data)
{
    PyAioPipe *self = (PyAioPipe *)op;
    if (!PyBytes_Check(data) && !PyByteArray_Check(data) &&
        !PyMemoryView_Check(data)) {
        PyObject *name =
            PyObject_GetAttrString((PyObject *)Py_TYPE(data), "__name__");
        if (name != NULL) {
            PyErr_Format(PyExc_TypeError,
                         "data: expecting a bytes-like instance, got %S",
                         name);
            Py_DECREF(name);
        }
        return NULL;
    }
    int nonempty = PyObject_IsTrue(data);
    PyObject *protocol = nonempty > 0 ? linked_protocol(self) : NULL;
    if (protocol == NULL) {
        /* empty (nothing to do), or the connection is gone */
        return nonempty < 0 ? NULL : Py_NewRef(Py_None);
    }
    PyObject *res = NULL;
    attrs p;
    int up = attrs_open(&p, protocol) < 0 ? -1 : writing_up(self, &p);
    if (up == 0) {
        PyObject *one = PyTuple_Pack(1, data);
        res = one == NULL
                  ? NULL
                  : CALL_NAME(self, protocol, N_WRITE_APPDATA, one, NULL);
        Py_XDECREF(one);
    }
    else if (up > 0) {
        if (write_up(self, &p, data) == 0 ||
            (PyErr_ExceptionMatches(PyExc_Exception) &&
             fatal_error(self, protocol, "Fatal error on SSL protocol") ==
                 0)) {
            res = Py_NewRef(Py_None);
        }
    }
    attrs_close(&p);
    Py_DECREF(protocol);
    return res;
}

/* Intern the names above into the module state. */
int
pyssl_aiotransport_init(pyssl_state *st)
{
    Py_BUILD_ASSERT(N_COUNT == PYSSL_AIO_NAMES);
    for (int i = 0; i < N_COUNT; i++) {
        st->aio_names[i] = PyUnicode_InternFromString(aio_name_text[i]);
        if (st->aio_names[i] == NULL) {
            return -1;
        }
    }
    return 0;
}
