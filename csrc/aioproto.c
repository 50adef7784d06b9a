/* aioproto.c: _AioPipe, the per-record data path of pyssl's asyncio TLS
 * protocol (src/pyssl/_asyncio.py).
 *
 * asyncio's SSLProtocol moves every chunk through an SSLObject and two
 * MemoryBIOs with Python calls: a memoryview slice and MemoryBIO.write()
 * per chunk received, SSLObject.read() until it raises SSLWantReadError,
 * and for sending SSLObject.write() per buffer then MemoryBIO.read().  A
 * pipe does each of those steps in one C call over the same _SSLSocket and
 * BIOs, so the Python class above it keeps asyncio's state machine and
 * private attributes unchanged while its data path costs one call a chunk:
 *  - get_buffer() hands the transport a view of the pipe's own receive
 *    buffer, and feed(n) lends its first n bytes to the incoming BIO,
 *    which OpenSSL then reads in place: the stdlib copies every byte
 *    received into the BIO first.  The next get_buffer() takes the
 *    buffer back (copying the rare rest OpenSSL has not read: a paused
 *    reader's, or the handshake's);
 *  - read() decrypts every complete record into a scratch buffer sized
 *    from what the BIO holds, then makes one bytes object of exactly what
 *    was read (public API has no way to shrink a bytes object); a small
 *    chunk's scratch is on the stack, a big one's is kept while ciphertext
 *    waits and freed once a read leaves the BIO empty, so an idle
 *    connection holds none.  read_into()
 *    decrypts straight into a BufferedProtocol's buffer;
 *  - encrypt() writes every buffer of the write backlog and takes what the
 *    outgoing BIO then holds in one bytes object.
 * "No data yet" is a return value here, never an exception.
 *
 * Locks: the reads and writes go through socket.c's helpers, which take
 * the connection lock as SSLObject.read/write do; the BIOs have their own.
 * A pipe's fields are set once, in tp_new (or by link() and set_fd(), on
 * the event loop's thread before it reads), but for the scratch buffer: a
 * read takes it out of the pipe (under scratch_mutex on a free-threaded
 * build, under the GIL elsewhere) and puts it back when done, so two
 * threads reading at once never share it (the second allocates its own).
 */
#include "pyssl.h"

#include <string.h>
#ifdef __linux__
#  include <sys/timerfd.h>
#  include <time.h>
#  include <unistd.h>
#endif

/* asyncio's SSLProtocol.max_size: the most a transport reads at once. */
#define PIPE_RECV_SIZE (256 * 1024)

/* What a read allocates beyond the ciphertext the incoming BIO holds: the
 * rest of a record OpenSSL took in earlier may complete now. */
#define PIPE_READ_SLACK 1024

/* Reads of at most this much decrypt into a buffer on the stack. */
#define PIPE_STACK_READ 4096

/* A PyMem block read() decrypts into. */
struct scratch {
    size_t cap;
    char data[];
};

static int
check_bio(pyssl_state *st, PyObject *obj, BIO *expected, const char *which)
{
    if (!PyObject_TypeCheck(obj, st->memorybio_type) ||
        ((PySSLMemoryBIO *)obj)->bio != expected) {
        PyErr_Format(PyExc_TypeError,
                     "_AioPipe() needs the %s MemoryBIO of the _SSLSocket",
                     which);
        return -1;
    }
    return 0;
}

static PyObject *
pipe_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    pyssl_state *st = pyssl_state_from_type(type);
    PyObject *sock, *in, *out;
    if (kwds != NULL && PyDict_GET_SIZE(kwds) > 0) {
        PyErr_SetString(PyExc_TypeError,
                        "_AioPipe() takes no keyword arguments");
        return NULL;
    }
    if (!PyArg_ParseTuple(args, "O!OO:_AioPipe", st->socket_type, &sock, &in,
                          &out)) {
        return NULL;
    }
    PySSLSocket *s = (PySSLSocket *)sock;
    if (s->sock != NULL) {
        PyErr_SetString(PyExc_TypeError,
                        "_AioPipe() needs an _SSLSocket over MemoryBIOs");
        return NULL;
    }
    if (check_bio(st, in, SSL_get_rbio(s->ssl), "incoming") < 0 ||
        check_bio(st, out, SSL_get_wbio(s->ssl), "outgoing") < 0) {
        return NULL;
    }
    PyAioPipe *self = (PyAioPipe *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->fd = -1;
    self->sock = (PySSLSocket *)Py_NewRef(sock);
    self->incoming = Py_NewRef(in);
    self->outgoing = Py_NewRef(out);
    self->recv_buf = PyByteArray_FromStringAndSize(NULL, PIPE_RECV_SIZE);
    if (self->recv_buf == NULL ||
        PyObject_GetBuffer(self->recv_buf, &self->recv_export,
                           PyBUF_WRITABLE) < 0) {
        Py_DECREF(self);
        return NULL;
    }
    self->recv_view = PyMemoryView_FromObject(self->recv_buf);
    if (self->recv_view == NULL) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

/* Let go of the receive buffer: the incoming BIO (which may outlive the
 * pipe) must first copy what it has not read of it. */
static void
release_recv_buf(PyAioPipe *self)
{
    if (self->recv_export.obj == NULL) {
        Py_CLEAR(self->recv_buf);
        return;
    }
    if (pyssl_membio_reclaim(SSL_get_rbio(self->sock->ssl), self->recv_buf) <
        0) {
        /* Out of memory: the BIO still reads the buffer in place, so it
         * stays exported and alive for good (a leak, not freed memory
         * being read). */
        self->recv_buf = NULL;
        return;
    }
    PyBuffer_Release(&self->recv_export);
    Py_CLEAR(self->recv_buf);
}

static void
pipe_dealloc(PyObject *op)
{
    PyAioPipe *self = (PyAioPipe *)op;
    PyTypeObject *type = Py_TYPE(op);
    if (self->recv_view != NULL) {
        /* Let go of the bytearray's export even if someone keeps the view
         * (keeping whatever exception is on its way meanwhile). */
        PyObject *exc = PyErr_GetRaisedException();
        PyObject *r = PyObject_CallMethod(self->recv_view, "release", NULL);
        if (r == NULL) {
            PyErr_Clear();
        }
        Py_XDECREF(r);
        PyErr_SetRaisedException(exc);
    }
    Py_XDECREF(self->recv_view);
    release_recv_buf(self);
    PyMem_Free(self->scratch);
    Py_XDECREF(self->sock);
    Py_XDECREF(self->incoming);
    Py_XDECREF(self->outgoing);
    Py_XDECREF(self->protocol_ref);
    Py_XDECREF(self->wrapped);
    type->tp_free(op);
    Py_DECREF(type);
}

/* get_buffer(sizehint, /): the receive buffer, whatever the hint (asyncio
 * never hands out more than PIPE_RECV_SIZE either). */
static PyObject *
pipe_get_buffer(PyObject *op, PyObject *unused)
{
    PyAioPipe *self = (PyAioPipe *)op;
    /* The incoming BIO may still read from the buffer (feed lends it). */
    if (pyssl_membio_reclaim(SSL_get_rbio(self->sock->ssl), self->recv_buf) <
        0) {
        return PyErr_NoMemory();
    }
    return Py_NewRef(self->recv_view);
}

/* Queue the first n bytes of the receive buffer; -1 with an exception. */
static int
feed(PyAioPipe *self, PyObject *arg)
{
    Py_ssize_t n = PyNumber_AsSsize_t(arg, PyExc_OverflowError);
    if (n == -1 && PyErr_Occurred()) {
        return -1;
    }
    if (n < 0 || n > self->recv_export.len) {
        PyErr_Format(PyExc_ValueError,
                     "nbytes must be between 0 and %zd, got %zd",
                     self->recv_export.len, n);
        return -1;
    }
    if (n > 0 &&
        pyssl_membio_lend(SSL_get_rbio(self->sock->ssl), self->recv_buf,
                          self->recv_export.buf, (size_t)n) < 0) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

/* feed(nbytes, /): queue the first nbytes of the receive buffer. */
static PyObject *
pipe_feed(PyObject *op, PyObject *arg)
{
    if (feed((PyAioPipe *)op, arg) < 0) {
        return NULL;
    }
    Py_RETURN_NONE;
}

/* What the reads report besides the data (read(), read_into() and
 * feed_read(); OUTGOING and INCOMING are feed_read()'s only). */
#define PIPE_EOF 1 /* the peer's close_notify was read */
#define PIPE_OUTGOING 2 /* the outgoing BIO holds records (a reply) */
#define PIPE_INCOMING 4 /* the incoming BIO still holds bytes */
/* A record after the data failed: the next read raises its error. */
#define PIPE_FAILED 8

/* A read that failed after it had data: its error waits in the socket's
 * read_exc for the next read, as a socket's read-on does (socket.c). */
static void
park_failure(PyAioPipe *self, int *stop)
{
    PyObject *owner = (PyObject *)self->sock;
    Py_XDECREF(pyssl_field_swap(owner, &self->sock->read_exc,
                                PyErr_GetRaisedException()));
    *stop = PIPE_FAILED;
}

/* Decrypt into buf until it is full, nothing complete is left, or the
 * peer's close_notify (*stop = PIPE_EOF).  Returns the count or -1 with
 * an exception.  held: plaintext the caller already has from this batch.
 * A record that fails after others were decrypted (a bad one behind good
 * ones in the same chunk) does not cost their plaintext: its error waits
 * in the socket's read_exc for the next read, and *stop says PIPE_FAILED
 * so that the caller makes that read at once. */
static Py_ssize_t
read_records(PyAioPipe *self, char *buf, size_t len, size_t held, int *stop)
{
    size_t done = 0;
    *stop = 0;
    while (done < len) {
        Py_ssize_t n =
            pyssl_socket_read_some(self->sock, buf + done, len - done);
        if (n == PYSSL_READ_AGAIN) {
            break;
        }
        if (n < 0 && held + done == 0) {
            return -1;
        }
        if (n < 0) {
            park_failure(self, stop);
            break;
        }
        if (n == 0) {
            *stop = PIPE_EOF;
            break;
        }
        done += (size_t)n;
    }
    return (Py_ssize_t)done;
}

/* A tuple of the n objects in items, whose references it takes (all of
 * them, also on failure: a NULL item means the caller's failure, with its
 * exception set).  Py_BuildValue's format parsing costs more than the
 * tuple does, and these return once per chunk. */
static PyObject *
steal_tuple(Py_ssize_t n, PyObject **items)
{
    PyObject *res = NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (items[i] == NULL) {
            goto done;
        }
    }
    res = PyTuple_New(n);
done:
    for (Py_ssize_t i = 0; i < n; i++) {
        if (res != NULL) {
            PyTuple_SET_ITEM(res, i, items[i]);
        }
        else {
            Py_XDECREF(items[i]);
        }
    }
    return res;
}

static PyObject *
read_result(PyObject *data_or_count, int stop)
{
    PyObject *items[2] = {data_or_count, PyLong_FromLong(stop)};
    return steal_tuple(2, items);
}

/* Take the pipe's scratch buffer (NULL if it has none or another read
 * holds it). */
static struct scratch *
scratch_take(PyAioPipe *self)
{
    pyssl_ft_mutex_lock(&self->scratch_mutex);
    struct scratch *sc = self->scratch;
    self->scratch = NULL;
    pyssl_ft_mutex_unlock(&self->scratch_mutex);
    return sc;
}

/* Keep sc for the next read, or free it: when the incoming BIO is empty
 * (the connection may stay idle a long time), or when another read put
 * its own back meanwhile. */
static void
scratch_put(PyAioPipe *self, struct scratch *sc)
{
    if (sc != NULL &&
        pyssl_membio_pending(SSL_get_rbio(self->sock->ssl)) > 0) {
        pyssl_ft_mutex_lock(&self->scratch_mutex);
        if (self->scratch == NULL) {
            self->scratch = sc;
            sc = NULL;
        }
        pyssl_ft_mutex_unlock(&self->scratch_mutex);
    }
    PyMem_Free(sc);
}

/* Make sc hold at least cap bytes, keeping what it holds; NULL
 * with an exception (sc is then freed). */
static struct scratch *
scratch_grow(struct scratch *sc, size_t cap)
{
    if (sc != NULL && sc->cap >= cap) {
        return sc;
    }
    if (cap > (size_t)PY_SSIZE_T_MAX - sizeof(struct scratch)) {
        PyMem_Free(sc);
        PyErr_NoMemory();
        return NULL;
    }
    struct scratch *bigger = PyMem_Realloc(sc, sizeof(struct scratch) + cap);
    if (bigger == NULL) {
        PyMem_Free(sc);
        PyErr_NoMemory();
        return NULL;
    }
    bigger->cap = cap;
    return bigger;
}

/* read_all() for what does not fit on the stack: decrypt into the
 * scratch buffer, which starts with the first have bytes of done_buf. */
static PyObject *
read_all_heap(PyAioPipe *self, size_t cap, const char *done_buf, size_t have,
              int *stop)
{
    struct scratch *sc = scratch_grow(scratch_take(self), cap);
    size_t done = have;
    if (sc != NULL && have > 0) {
        memcpy(sc->data, done_buf, have);
    }
    while (sc != NULL) {
        Py_ssize_t n =
            read_records(self, sc->data + done, sc->cap - done, done, stop);
        if (n < 0) {
            scratch_put(self, sc);
            return NULL;
        }
        done += (size_t)n;
        if (done < sc->cap || *stop) {
            break;
        }
        /* Full: more may be waiting.  Grow and go on. */
        sc = scratch_grow(sc, sc->cap * 2);
    }
    if (sc == NULL) {
        return NULL;
    }
    PyObject *data = PyBytes_FromStringAndSize(sc->data, (Py_ssize_t)done);
    scratch_put(self, sc);
    return data;
}

/* Every decrypted byte the incoming BIO's complete records hold, as
 * bytes (b"" if none); *stop as read_records says.
 * A chunk of small records (most of what an event loop reads) is
 * decrypted on the stack: the heap scratch would be allocated and freed
 * again for each, since the incoming BIO is empty afterwards. */
static PyObject *
read_all(PyAioPipe *self, int *stop)
{
    size_t cap =
        pyssl_membio_pending(SSL_get_rbio(self->sock->ssl)) + PIPE_READ_SLACK;
    if (cap > PIPE_STACK_READ) {
        return read_all_heap(self, cap, NULL, 0, stop);
    }
    char buf[PIPE_STACK_READ];
    Py_ssize_t n = read_records(self, buf, sizeof(buf), 0, stop);
    if (n < 0) {
        return NULL;
    }
    if ((size_t)n < sizeof(buf) || *stop) {
        return PyBytes_FromStringAndSize(buf, n);
    }
    /* A record OpenSSL had half of earlier filled it: go on in the heap. */
    return read_all_heap(self, 4 * sizeof(buf), buf, sizeof(buf), stop);
}

/* read() -> (data, flags): read_all's. */
static PyObject *
pipe_read(PyObject *op, PyObject *unused)
{
    int stop = 0;
    PyObject *data = read_all((PyAioPipe *)op, &stop);
    return read_result(data, stop);
}

/* feed() and read_all() in one, with the PIPE_* flags in *flags. */
PyObject *
pyssl_aiopipe_feed_read(PyAioPipe *self, PyObject *nbytes, long *flags)
{
    int stop = 0;
    if (feed(self, nbytes) < 0) {
        return NULL;
    }
    PyObject *data = read_all(self, &stop);
    if (data == NULL) {
        return NULL;
    }
    *flags =
        stop |
        (pyssl_membio_pending(SSL_get_wbio(self->sock->ssl)) ? PIPE_OUTGOING
                                                             : 0) |
        (pyssl_membio_pending(SSL_get_rbio(self->sock->ssl)) ? PIPE_INCOMING
                                                             : 0);
    return data;
}

/* feed_read(nbytes, /) -> (data, flags): feed() and read() in one call,
 * the whole per-chunk work of a connection that is up; flags are the
 * PIPE_* bits, so the caller looks at the BIOs only when it must. */
static PyObject *
pipe_feed_read(PyObject *op, PyObject *arg)
{
    long flags = 0;
    PyObject *data = pyssl_aiopipe_feed_read((PyAioPipe *)op, arg, &flags);
    if (data == NULL) {
        return NULL;
    }
    PyObject *items[2] = {data, PyLong_FromLong(flags)};
    return steal_tuple(2, items);
}

/* read_into(buffer, /) -> (count, flags): decrypt straight into a
 * BufferedProtocol's buffer, until it is full or nothing is left. */
static PyObject *
pipe_read_into(PyObject *op, PyObject *arg)
{
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_WRITABLE) < 0) {
        return NULL;
    }
    int stop = 0;
    Py_ssize_t n =
        read_records((PyAioPipe *)op, view.buf, (size_t)view.len, 0, &stop);
    PyBuffer_Release(&view);
    if (n < 0) {
        return NULL;
    }
    return read_result(PyLong_FromSsize_t(n), stop);
}

/* Everything the outgoing BIO holds, as bytes (b"" if nothing). */
static PyObject *
take_outgoing(PyAioPipe *self)
{
    BIO *wbio = SSL_get_wbio(self->sock->ssl);
    size_t pending = pyssl_membio_pending(wbio);
    if (pending > INT_MAX) {
        pending = INT_MAX;
    }
    PyObject *out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)pending);
    if (out == NULL || pending == 0) {
        return out;
    }
    /* Our MemoryBIO hands over all it holds; less only if another thread
     * took some meanwhile, and then a copy of what came is the answer. */
    int got = BIO_read(wbio, PyBytes_AS_STRING(out), (int)pending);
    if ((size_t)got != pending) {
        PyObject *part = PyBytes_FromStringAndSize(PyBytes_AS_STRING(out),
                                                   got > 0 ? got : 0);
        Py_DECREF(out);
        out = part;
    }
    return out;
}

/* encrypt() writes big buffers this much at a time and takes the records
 * out after each slice: the outgoing BIO then never grows past one slice
 * (a 10 MiB write would otherwise grow it by doubling and fault in fresh
 * pages for it and for its copy, every time). */
#define PIPE_SEND_SLICE (256 * 1024)

typedef struct {
    PyAioPipe *self;
    PyObject *out; /* list of ciphertext bytes, or NULL: leave it in the BIO */
    Py_ssize_t written; /* plaintext bytes encrypted */
} encrypt_state;

/* Move what the outgoing BIO holds to e->out (if taking). */
static int
encrypt_take(encrypt_state *e)
{
    if (e->out == NULL) {
        return 0;
    }
    PyObject *data = take_outgoing(e->self);
    if (data == NULL) {
        return -1;
    }
    int rc = PyBytes_GET_SIZE(data) ? PyList_Append(e->out, data) : 0;
    Py_DECREF(data);
    return rc;
}

/* Encrypt buf slice by slice.  Returns the bytes done; *again is set when
 * OpenSSL wants to read first (renegotiation), -1 with an exception. */
static Py_ssize_t
encrypt_buffer(encrypt_state *e, const char *buf, Py_ssize_t len, int *again)
{
    Py_ssize_t done = 0;
    pyssl_state *st = e->self->sock->state;
    *again = 0;
    while (done < len) {
        Py_ssize_t n = len - done;
        if (n > PIPE_SEND_SLICE && e->out != NULL) {
            n = PIPE_SEND_SLICE;
        }
        if (pyssl_socket_write_all(e->self->sock, buf + done, (size_t)n) < 0) {
            if (PyErr_ExceptionMatches(st->SSLWantReadError) ||
                PyErr_ExceptionMatches(st->SSLWantWriteError)) {
                PyErr_Clear();
                *again = 1;
                break;
            }
            return -1;
        }
        done += n;
        e->written += n;
        if (done < len && encrypt_take(e) < 0) {
            return -1;
        }
    }
    return done;
}

/* Encrypt the backlog's first buffer and drop it from the deque, or leave
 * what is left of it there when OpenSSL wants to read first (returns 1).
 * Returns 0, or -1 with an exception. */
static int
encrypt_first(encrypt_state *e, PyObject *backlog)
{
    PyObject *item = PySequence_GetItem(backlog, 0);
    if (item == NULL) {
        return -1;
    }
    Py_buffer view;
    if (PyObject_GetBuffer(item, &view, PyBUF_SIMPLE) < 0) {
        Py_DECREF(item);
        return -1;
    }
    int again = 0;
    Py_ssize_t done = encrypt_buffer(e, view.buf, view.len, &again);
    Py_ssize_t len = view.len;
    PyBuffer_Release(&view);
    PyObject *r = NULL;
    if (done >= 0 && !again) {
        r = PyObject_CallMethod(backlog, "popleft", NULL);
    }
    else if (done >= 0) {
        /* The rest waits at the head of the backlog, as asyncio keeps it. */
        PyObject *rest = PySequence_GetSlice(item, done, len);
        if (rest != NULL && PySequence_SetItem(backlog, 0, rest) == 0) {
            r = Py_NewRef(Py_None);
        }
        Py_XDECREF(rest);
    }
    Py_DECREF(item);
    if (r == NULL) {
        return -1;
    }
    Py_DECREF(r);
    return again;
}

/* encrypt(backlog, take, /) -> (written, data): encrypt the buffers of
 * the deque backlog, removing each one written; written is their total
 * length.  If take is true, data is the list of ciphertext chunks taken
 * from the outgoing BIO (which is left empty), for one writelines();
 * else None, and the ciphertext stays in the BIO. */
static PyObject *
pipe_encrypt(PyObject *op, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError, "encrypt expected 2 arguments, got %zd",
                     nargs);
        return NULL;
    }
    int take = PyObject_IsTrue(args[1]);
    if (take < 0) {
        return NULL;
    }
    encrypt_state e = {(PyAioPipe *)op, NULL, 0};
    if (take && (e.out = PyList_New(0)) == NULL) {
        return NULL;
    }
    for (;;) {
        Py_ssize_t left = PyObject_Length(args[0]);
        int rc = left > 0 ? encrypt_first(&e, args[0]) : (int)left;
        if (rc < 0) {
            Py_XDECREF(e.out);
            return NULL;
        }
        if (left == 0 || rc == 1) {
            break;
        }
    }
    if (encrypt_take(&e) < 0) {
        Py_XDECREF(e.out);
        return NULL;
    }
    PyObject *items[2] = {PyLong_FromSsize_t(e.written),
                          e.out ? e.out : Py_NewRef(Py_None)};
    return steal_tuple(2, items);
}

/* encrypt_seq(buffers, /) -> (chunks, index, offset): encrypt a sequence
 * of buffers that no backlog waits in front of, as one batch; chunks is
 * the list of ciphertext taken from the outgoing BIO.  index and offset
 * say where OpenSSL stopped to read first (renegotiation): index is
 * len(buffers) when all were written. */
static PyObject *
pipe_encrypt_seq(PyObject *op, PyObject *arg)
{
    PyObject *seq = PySequence_Fast(arg, "encrypt_seq() needs a sequence");
    if (seq == NULL) {
        return NULL;
    }
    encrypt_state e = {(PyAioPipe *)op, PyList_New(0), 0};
    Py_ssize_t i = 0, n = PySequence_Fast_GET_SIZE(seq), off = 0;
    int again = 0;
    for (; e.out != NULL && i < n && !again; i += !again) {
        Py_buffer view;
        if (PyObject_GetBuffer(PySequence_Fast_GET_ITEM(seq, i), &view,
                               PyBUF_SIMPLE) < 0) {
            Py_CLEAR(e.out);
            break;
        }
        off = encrypt_buffer(&e, view.buf, view.len, &again);
        PyBuffer_Release(&view);
        if (off < 0) {
            Py_CLEAR(e.out);
        }
    }
    Py_DECREF(seq);
    if (e.out == NULL || encrypt_take(&e) < 0) {
        Py_XDECREF(e.out);
        return NULL;
    }
    PyObject *items[3] = {e.out, PyLong_FromSsize_t(i),
                          PyLong_FromSsize_t(again ? off : 0)};
    return steal_tuple(3, items);
}

/* Encrypt buf as encrypt_seq() does one buffer: the list of ciphertext
 * chunks taken from the outgoing BIO, with *done the bytes encrypted and
 * *again set if OpenSSL stopped to read first; NULL with an exception. */
PyObject *
pyssl_aiopipe_encrypt(PyAioPipe *self, const char *buf, Py_ssize_t len,
                      Py_ssize_t *done, int *again)
{
    encrypt_state e = {self, PyList_New(0), 0};
    if (e.out == NULL) {
        return NULL;
    }
    *done = encrypt_buffer(&e, buf, len, again);
    if (*done < 0 || encrypt_take(&e) < 0) {
        Py_DECREF(e.out);
        return NULL;
    }
    return e.out;
}

/* take_outgoing() -> bytes: what the outgoing BIO holds. */
static PyObject *
pipe_take_outgoing(PyObject *op, PyObject *unused)
{
    return take_outgoing((PyAioPipe *)op);
}

/* sweep(now, /): see pyssl_socket_sweep_buffers (socket.c). */
static PyObject *
pipe_sweep(PyObject *op, PyObject *now)
{
    int flag = PyObject_IsTrue(now);
    if (flag < 0) {
        return NULL;
    }
    return PyBool_FromLong(
        pyssl_socket_sweep_buffers(((PyAioPipe *)op)->sock, flag));
}

/* buffers_held(): whether OpenSSL may hold the record buffers. */
static PyObject *
pipe_buffers_held(PyObject *op, PyObject *unused)
{
    return PyBool_FromLong(pyssl_socket_buffers_held(((PyAioPipe *)op)->sock));
}

#ifdef __linux__
/* _aio_sweep_timer(seconds, /) -> fd: a non-blocking timerfd that becomes
 * readable every `seconds`, for pyssl.asyncio's sweep.  A descriptor the
 * loop watches, not a loop timer: any scheduled timer makes every
 * iteration of asyncio's loop dearer (11,000 instructions per round trip
 * of the 256-byte echo, measured), a reader costs nothing until it fires. */
static PyObject *
aio_sweep_timer(PyObject *module, PyObject *arg)
{
    double secs = PyFloat_AsDouble(arg);
    if (secs == -1.0 && PyErr_Occurred()) {
        return NULL;
    }
    if (!(secs >= 0.001 && secs <= 3600.0)) {
        PyErr_SetString(PyExc_ValueError, "seconds must be in [0.001, 3600]");
        return NULL;
    }
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (fd < 0) {
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    struct itimerspec spec;
    spec.it_interval.tv_sec = (time_t)secs;
    spec.it_interval.tv_nsec = (long)((secs - (double)(time_t)secs) * 1e9);
    spec.it_value = spec.it_interval;
    if (timerfd_settime(fd, 0, &spec, NULL) < 0) {
        PyErr_SetFromErrno(PyExc_OSError);
        close(fd);
        return NULL;
    }
    return PyLong_FromLong(fd);
}

PyMethodDef pyssl_aioproto_functions[] = {
    {"_aio_sweep_timer", aio_sweep_timer, METH_O,
     "_aio_sweep_timer($module, seconds, /)\n--\n\n"
     "A non-blocking timerfd readable every `seconds` (pyssl.asyncio)."},
    {NULL, NULL, 0, NULL},
};
#else
PyMethodDef pyssl_aioproto_functions[] = {{NULL, NULL, 0, NULL}};
#endif

static PyMethodDef pipe_methods[] = {
    {"get_buffer", pipe_get_buffer, METH_O,
     "get_buffer($self, sizehint, /)\n--\n\n"
     "The receive buffer a transport reads the socket into."},
    {"feed", pipe_feed, METH_O,
     "feed($self, nbytes, /)\n--\n\n"
     "Queue the first nbytes of the receive buffer in the incoming BIO."},
    {"read", pipe_read, METH_NOARGS,
     "read($self, /)\n--\n\n"
     "Decrypt all complete records: (data, flags)."},
    {"read_into", pipe_read_into, METH_O,
     "read_into($self, buffer, /)\n--\n\n"
     "Decrypt complete records into buffer: (count, flags)."},
    {"encrypt", (PyCFunction)(void (*)(void))pipe_encrypt, METH_FASTCALL,
     "encrypt($self, backlog, take, /)\n--\n\n"
     "Encrypt and pop the buffers of the deque backlog: (written, data)."},
    {"feed_read", pipe_feed_read, METH_O,
     "feed_read($self, nbytes, /)\n--\n\n"
     "feed(nbytes) and read() in one: (data, flags)."},
    {"encrypt_seq", pipe_encrypt_seq, METH_O,
     "encrypt_seq($self, buffers, /)\n--\n\n"
     "Encrypt buffers as one batch: (chunks, index, offset)."},
    {"take_outgoing", pipe_take_outgoing, METH_NOARGS,
     "take_outgoing($self, /)\n--\n\n"
     "What the outgoing BIO holds, as bytes."},
    {"link", (PyCFunction)(void (*)(void))pyssl_aiopipe_link, METH_FASTCALL,
     "link($self, protocol, wrapped, /)\n--\n\n"
     "The SSLProtocol the pipe serves (a weak reference) and its WRAPPED "
     "state."},
    {"set_fd", pyssl_aiopipe_set_fd, METH_O,
     "set_fd($self, fd, /)\n--\n\n"
     "The socket transport's descriptor, for read_ready() and write()."},
    {"deliver", pyssl_aiopipe_deliver, METH_O,
     "deliver($self, nbytes, /)\n--\n\n"
     "Decrypt nbytes of the receive buffer and hand the data to the "
     "application."},
    {"read_ready", pyssl_aiopipe_read_ready, METH_NOARGS,
     "read_ready($self, /)\n--\n\n"
     "The socket transport's _read_ready_cb."},
    {"write", pyssl_aiopipe_write, METH_O,
     "write($self, data, /)\n--\n\n"
     "The application transport's write()."},
    {"sweep", pipe_sweep, METH_O,
     "sweep($self, now, /)\n--\n\n"
     "One sweep: a connection busy in this interval and the one before "
     "keeps OpenSSL's record buffers between records, a quiet one gives "
     "them back (now: at once, and keeps them no more).  Returns whether "
     "buffers may still be held."},
    {"buffers_held", pipe_buffers_held, METH_NOARGS,
     "buffers_held($self, /)\n--\n\n"
     "Whether OpenSSL may hold the connection's record buffers."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot pipe_slots[] = {
    {Py_tp_new, (void *)pipe_new},
    {Py_tp_dealloc, (void *)pipe_dealloc},
    {Py_tp_methods, pipe_methods},
    {0, NULL},
};

static PyType_Spec pipe_spec = {
    .name = PYSSL_TYPE_NAME("_AioPipe"),
    .basicsize = sizeof(PyAioPipe),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = pipe_slots,
};

int
pyssl_aioproto_init(PyObject *module, pyssl_state *st)
{
    if (pyssl_aiotransport_init(st) < 0) {
        return -1;
    }
    PyTypeObject *type = pyssl_new_type(module, &pipe_spec);
    if (type == NULL) {
        return -1;
    }
    int rc = PyModule_AddObjectRef(module, "_AioPipe", (PyObject *)type);
    Py_DECREF(type);
    if (rc == 0) {
        rc = PyModule_AddIntConstant(module, "_AIOPIPE_EOF", PIPE_EOF) |
             PyModule_AddIntConstant(module, "_AIOPIPE_OUTGOING",
                                     PIPE_OUTGOING) |
             PyModule_AddIntConstant(module, "_AIOPIPE_INCOMING",
                                     PIPE_INCOMING) |
             PyModule_AddIntConstant(module, "_AIOPIPE_FAILED", PIPE_FAILED);
    }
    return rc;
}
