/* bio.c: MemoryBIO, an in-memory byte queue an SSLObject reads from and
 * writes to instead of a socket.
 *
 * This sits on the SSLObject hot path (asyncio's transports shuttle every
 * record through two of these), so it is not OpenSSL's BIO_s_mem(): that
 * one zero-fills every byte it grows into, and a queue that is drained and
 * refilled for each record grows into all of them. Ours is a BIO of our
 * own type over a plain buffer that is never cleared, only reused.
 */
#include "pyssl.h"

#include <string.h>

/* The BIO type number of our memory BIO (membio_method_init). */
static int membio_type;

/* A drained buffer bigger than this is given back rather than kept, once
 * the traffic that filled it has stopped: when a fill used no more than a
 * quarter of it (membuf_take).  Freeing it at every drain made each write
 * of 1 MiB (a little over 1 MiB of records, so a 2 MiB buffer) grow a new
 * one by doubling, and asyncio bulk at 0.82x the stdlib, whose BIO_s_mem
 * keeps its largest buffer for good. */
#define MEMBUF_KEEP (1024 * 1024)

/* Writes of at least this many bytes, as a bytes object into an empty
 * queue, are queued by reference instead of copied. */
#define MEMBUF_BORROW_MIN 1024

/* The queue, owned by the BIO.  Pending bytes are base[start:end], where
 * base is our own buffer, or the data of `borrowed`: asyncio writes each
 * chunk it receives into an empty incoming BIO, and holding on to that bytes
 * object saves copying every byte of the stream once more. */
typedef struct {
    char *buf;
    size_t cap;
    size_t start;
    size_t end;
    PyObject *borrowed;
    const char *borrowed_base; /* its bytes (a bytes or a lent bytearray) */
    /* A borrowed object that OpenSSL drained without the GIL: the next call
     * holding the GIL drops the reference.  Only ever one: a write borrows
     * only while none waits here (checked under the lock: another thread
     * may drain the queue between the write's reap and its lock). */
    PyObject *spent;
    int eof_written;
    /* An SSLObject reads and writes with the GIL released, so a thread
     * holding the GIL may call write() on the same queue meanwhile. */
    pyssl_mutex lock;
} membuf;

static void
membuf_lock(membuf *m)
{
    pyssl_mutex_lock(&m->lock);
}

static void
membuf_unlock(membuf *m)
{
    pyssl_mutex_unlock(&m->lock);
}

/* The queue's invariants, checked with its lock held (debug builds). */
static inline void
membuf_assert_ok(membuf *m)
{
    assert(pyssl_mutex_held(&m->lock));
    assert(m->start <= m->end);
    assert(m->borrowed != NULL
               /* a bytes, or the bytearray aioproto.c lends: both keep
                * their length in ob_size */
               ? m->end <= (size_t)Py_SIZE(m->borrowed)
               : m->end <= m->cap);
    assert(m->buf != NULL || m->cap == 0);
    assert(m->borrowed == NULL || m->spent == NULL); /* at most one held */
    (void)m;
}

static const char *
membuf_base(membuf *m)
{
    return m->borrowed ? m->borrowed_base : m->buf;
}

/* With the GIL: drop the reference to a drained borrowed object. */
static void
membuf_reap(membuf *m)
{
    PYSSL_ASSERT_GIL();
    /* Looked at without the lock (OpenSSL may be moving a drained
     * object here on another thread): a miss is reaped next time. */
    if (PYSSL_LOAD_FLAG(&m->spent) == NULL) {
        return;
    }
    membuf_lock(m);
    PyObject *spent = m->spent;
    PYSSL_STORE_FLAG(&m->spent, NULL);
    membuf_unlock(m);
    Py_XDECREF(spent);
}

/* Make room for n more bytes in our own buffer.  Raw allocators: OpenSSL
 * calls this without the GIL.  Returns -1 when memory runs out. */
static int
membuf_reserve(membuf *m, size_t n)
{
    assert(pyssl_mutex_held(&m->lock));
    if (m->end + n > m->cap && m->start > 0) {
        /* Move what is pending to the front before growing. */
        memmove(m->buf, m->buf + m->start, m->end - m->start);
        m->end -= m->start;
        m->start = 0;
    }
    if (m->end + n > m->cap) {
        size_t want = m->cap * 2;
        if (want < m->end + n) {
            want = m->end + n;
        }
        char *grown = PyMem_RawRealloc(m->buf, want);
        if (grown == NULL) {
            return -1;
        }
        m->buf = grown;
        m->cap = want;
    }
    return 0;
}

/* Copy what is left of the borrowed object into our own buffer, so more
 * can be appended after it. */
static int
membuf_unborrow(membuf *m)
{
    membuf_assert_ok(m);
    assert(m->borrowed != NULL);
    size_t left = m->end - m->start;
    size_t from = m->start;
    m->start = m->end = 0;
    if (membuf_reserve(m, left) < 0) {
        m->start = from;
        m->end = from + left;
        return -1;
    }
    memcpy(m->buf, m->borrowed_base + from, left);
    m->end = left;
    assert(m->spent == NULL); /* else it would leak: only one waits */
    PYSSL_STORE_FLAG(&m->spent, m->borrowed);
    m->borrowed = NULL;
    return 0;
}

/* Callers hold the lock.  Returns -1 when memory runs out, leaving the
 * queue as it was. */
static int
membuf_append(membuf *m, const char *data, size_t n)
{
    membuf_assert_ok(m);
    if (n == 0) {
        return 0; /* m->buf may be NULL: no pointer arithmetic on it */
    }
    if (m->borrowed != NULL && membuf_unborrow(m) < 0) {
        return -1;
    }
    if (membuf_reserve(m, n) < 0) {
        return -1;
    }
    memcpy(m->buf + m->end, data, n);
    m->end += n;
    membuf_assert_ok(m);
    return 0;
}

/* Copy up to n pending bytes to out and consume them; returns the count. */
static size_t
membuf_take(membuf *m, char *out, size_t n)
{
    membuf_assert_ok(m);
    size_t avail = m->end - m->start;
    if (n > avail) {
        n = avail;
    }
    if (n == 0) {
        return 0; /* the queue may have no buffer at all */
    }
    memcpy(out, membuf_base(m) + m->start, n);
    m->start += n;
    if (m->start == m->end) {
        size_t used = m->end; /* how far this fill reached */
        m->start = m->end = 0;
        if (m->borrowed != NULL) {
            assert(m->spent == NULL); /* else it would leak: only one waits */
            PYSSL_STORE_FLAG(&m->spent, m->borrowed);
            m->borrowed = NULL;
        }
        else if (m->cap > MEMBUF_KEEP && used <= m->cap / 4) {
            PyMem_RawFree(m->buf);
            m->buf = NULL;
            m->cap = 0;
        }
    }
    membuf_assert_ok(m);
    return n;
}

/* ------------------------------------------------------------------------ */
/* The BIO type OpenSSL sees                                                */

static int
membio_write(BIO *bio, const char *data, int len)
{
    membuf *m = BIO_get_data(bio);
    BIO_clear_retry_flags(bio);
    if (len <= 0) {
        return 0;
    }
    membuf_lock(m);
    int rc = membuf_append(m, data, (size_t)len);
    membuf_unlock(m);
    return rc < 0 ? -1 : len;
}

/* An empty queue is "no data yet" (a retryable -1) until write_eof(), and
 * a real end of stream (0) after it. */
static int
membio_read(BIO *bio, char *out, int len)
{
    membuf *m = BIO_get_data(bio);
    BIO_clear_retry_flags(bio);
    if (len <= 0) {
        return 0;
    }
    membuf_lock(m);
    size_t n = membuf_take(m, out, (size_t)len);
    int eof = m->eof_written;
    membuf_unlock(m);
    if (n > 0) {
        return (int)n;
    }
    if (eof) {
        return 0;
    }
    BIO_set_retry_read(bio);
    return -1;
}

static long
membio_ctrl(BIO *bio, int cmd, long num, void *ptr)
{
    membuf *m = BIO_get_data(bio);
    long res = 0;
    switch (cmd) {
    case BIO_CTRL_PENDING:
    case BIO_CTRL_EOF:
        membuf_lock(m);
        res = (long)(m->end - m->start);
        if (cmd == BIO_CTRL_EOF) {
            res = m->eof_written && res == 0;
        }
        membuf_unlock(m);
        return res;
    case BIO_CTRL_WPENDING:
        return 0;
    case BIO_CTRL_FLUSH:
    case BIO_CTRL_DUP:
        return 1;
    default:
        return 0;
    }
}

/* Whether the queue holds a whole TLS record and at least one byte after
 * it.  Reading on (socket.c) decrypts a further record only then, so that
 * whatever it consumes, bytes stay in the queue: a caller that stops
 * reading once MemoryBIO.pending and SSLObject.pending() are both 0 (as
 * uvloop does) can never miss a record reading on took, the peer's
 * close_notify above all, whose effect only the next read() reports.  It
 * also keeps reading on from pulling half a record into OpenSSL. */
int
pyssl_membio_holds_record_and_more(BIO *bio)
{
    if (BIO_method_type(bio) != membio_type) {
        return 0;
    }
    membuf *m = BIO_get_data(bio);
    int res = 0;
    membuf_lock(m);
    size_t avail = m->end - m->start;
    if (avail > 5) { /* else the queue may have no buffer at all */
        const unsigned char *rec =
            (const unsigned char *)membuf_base(m) + m->start;
        res = avail > 5 + (((size_t)rec[3] << 8) | rec[4]);
    }
    membuf_unlock(m);
    return res;
}

/* Whether bio, a MemoryBIO's, is empty and still open (no write_eof()):
 * a read from it can only say "no data yet".  0 for any other BIO. */
int
pyssl_membio_is_empty_and_open(BIO *bio)
{
    if (BIO_method_type(bio) != membio_type) {
        return 0;
    }
    membuf *m = BIO_get_data(bio);
    membuf_lock(m);
    int res = m->end == m->start && !m->eof_written;
    membuf_unlock(m);
    return res;
}

/* How many bytes a MemoryBIO's queue holds; 0 for any other BIO.  The
 * same answer as BIO_ctrl_pending() without OpenSSL's dispatch: socket.c
 * asks before every SSLObject read. */
size_t
pyssl_membio_pending(BIO *bio)
{
    if (BIO_method_type(bio) != membio_type) {
        return 0;
    }
    membuf *m = BIO_get_data(bio);
    membuf_lock(m);
    size_t n = m->end - m->start;
    membuf_unlock(m);
    return n;
}

int
pyssl_membio_lend(BIO *bio, PyObject *owner, const char *data, size_t n)
{
    membuf *m = BIO_get_data(bio);
    membuf_reap(m);
    membuf_lock(m);
    int rc = 0;
    /* As write() does: lend only when no drained object still waits for
     * the GIL to be dropped (one can be left between reap and lock), else
     * draining this one would overwrite it and leak it. */
    if (m->start == m->end && m->borrowed == NULL && m->spent == NULL &&
        n > 0) {
        m->borrowed = Py_NewRef(owner);
        m->borrowed_base = data;
        m->start = 0;
        m->end = n;
    }
    else {
        rc = membuf_append(m, data, n);
    }
    membuf_unlock(m);
    return rc;
}

int
pyssl_membio_reclaim(BIO *bio, PyObject *owner)
{
    membuf *m = BIO_get_data(bio);
    membuf_reap(m);
    membuf_lock(m);
    int rc = m->borrowed == owner ? membuf_unborrow(m) : 0;
    membuf_unlock(m);
    membuf_reap(m);
    return rc;
}

static int
membio_create(BIO *bio)
{
    membuf *m = PyMem_RawCalloc(1, sizeof(membuf));
    if (m == NULL) {
        return 0;
    }
    if (pyssl_mutex_init(&m->lock) < 0) {
        PyMem_RawFree(m);
        return 0;
    }
    BIO_set_data(bio, m);
    BIO_set_init(bio, 1);
    return 1;
}

static int
membio_destroy(BIO *bio)
{
    membuf *m = BIO_get_data(bio);
    if (m != NULL) {
        /* Our BIOs are freed by MemoryBIO and _SSLSocket deallocators,
         * which hold the GIL. */
        if (m->borrowed != NULL || m->spent != NULL) {
            PYSSL_ASSERT_GIL();
        }
        Py_XDECREF(m->borrowed);
        Py_XDECREF(m->spent);
        pyssl_mutex_fini(&m->lock);
        PyMem_RawFree(m->buf);
        PyMem_RawFree(m);
        BIO_set_data(bio, NULL);
    }
    return 1;
}

/* Made once per process: every interpreter's MemoryBIOs share it, and
 * a BIO may outlive the module that made it. */
static BIO_METHOD *membio_method;

static int
membio_method_init(void)
{
    if (membio_method != NULL) {
        return 0;
    }
    int type = BIO_get_new_index() | BIO_TYPE_SOURCE_SINK;
    BIO_METHOD *meth = BIO_meth_new(type, "pyssl memory");
    if (meth == NULL || !BIO_meth_set_write(meth, membio_write) ||
        !BIO_meth_set_read(meth, membio_read) ||
        !BIO_meth_set_ctrl(meth, membio_ctrl) ||
        !BIO_meth_set_create(meth, membio_create) ||
        !BIO_meth_set_destroy(meth, membio_destroy)) {
        BIO_meth_free(meth);
        return -1;
    }
    membio_method = meth;
    membio_type = type;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* MemoryBIO, the Python type                                               */

static membuf *
memorybio_buf(PyObject *op)
{
    return BIO_get_data(((PySSLMemoryBIO *)op)->bio);
}

static PyObject *
memorybio_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    if (PyTuple_GET_SIZE(args) > 0) {
        PyErr_SetString(PyExc_TypeError,
                        "MemoryBIO() takes no positional arguments");
        return NULL;
    }
    if (kwds != NULL && PyDict_GET_SIZE(kwds) > 0) {
        PyErr_SetString(PyExc_TypeError,
                        "MemoryBIO() takes no keyword arguments");
        return NULL;
    }
    BIO *bio = BIO_new(membio_method);
    if (bio == NULL) {
        return PYSSL_SET_SSL_ERROR(pyssl_state_from_type(type),
                                   "failed to allocate BIO");
    }
    PySSLMemoryBIO *self = (PySSLMemoryBIO *)type->tp_alloc(type, 0);
    if (self == NULL) {
        BIO_free(bio);
        return NULL;
    }
    self->bio = bio;
    return (PyObject *)self;
}

static void
memorybio_dealloc(PyObject *op)
{
    PyTypeObject *type = Py_TYPE(op);
    BIO_free(((PySSLMemoryBIO *)op)->bio);
    type->tp_free(op);
    Py_DECREF(type);
}

/* The optional size argument of read(): an int (anything with __index__). */
static int
read_size_arg(PyObject *const *args, Py_ssize_t nargs, Py_ssize_t *size)
{
    if (nargs > 1) {
        PyErr_Format(PyExc_TypeError,
                     "read expected at most 1 argument, got %zd", nargs);
        return -1;
    }
    if (nargs == 0) {
        return 0;
    }
    PyObject *index = PyNumber_Index(args[0]);
    if (index == NULL) {
        return -1;
    }
    int n = PyLong_AsInt(index);
    Py_DECREF(index);
    if (n == -1 && PyErr_Occurred()) {
        return -1;
    }
    *size = n;
    return 0;
}

/* Up to size bytes (all if size < 0) as a new bytes object. */
static PyObject *
read_upto(PyObject *op, Py_ssize_t size)
{
    membuf *m = memorybio_buf(op);
    membuf_reap(m);
    membuf_lock(m);
    size_t avail = m->end - m->start;
    if (size < 0 || (size_t)size > avail) {
        size = avail > INT_MAX ? INT_MAX : (Py_ssize_t)avail;
    }
    /* The one copy: from the queue straight into the bytes object. */
    PyObject *res = PyBytes_FromStringAndSize(NULL, size);
    if (res != NULL) {
        membuf_take(m, PyBytes_AS_STRING(res), (size_t)size);
    }
    membuf_unlock(m);
    membuf_reap(m);
    return res;
}

/* METH_FASTCALL: no argument tuple on the hot path. */
static PyObject *
memorybio_read(PyObject *op, PyObject *const *args, Py_ssize_t nargs)
{
    Py_ssize_t size = -1;
    if (read_size_arg(args, nargs, &size) < 0) {
        return NULL;
    }
    return read_upto(op, size);
}

static PyObject *
memorybio_write(PyObject *op, PyObject *arg)
{
    membuf *m = memorybio_buf(op);
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) {
        return NULL;
    }
    PyObject *res = NULL;
    if (view.len > INT_MAX) {
        PyErr_Format(PyExc_OverflowError, "string longer than %d bytes",
                     INT_MAX);
    }
    else if (PYSSL_LOAD_FLAG(&m->eof_written)) {
        PyErr_SetString(pyssl_state_from_type(Py_TYPE(op))->SSLError,
                        "cannot write() after write_eof()");
    }
    else {
        membuf_reap(m);
        membuf_lock(m);
        int rc = 0;
        if (PyBytes_CheckExact(arg) && view.len >= MEMBUF_BORROW_MIN &&
            m->start == m->end && m->borrowed == NULL && m->spent == NULL) {
            m->borrowed = Py_NewRef(arg);
            m->borrowed_base = PyBytes_AS_STRING(arg);
            m->start = 0;
            m->end = (size_t)view.len;
        }
        else {
            rc = membuf_append(m, view.buf, (size_t)view.len);
        }
        membuf_unlock(m);
        membuf_reap(m);
        res = rc < 0 ? PyErr_NoMemory() : PyLong_FromSsize_t(view.len);
    }
    PyBuffer_Release(&view);
    return res;
}

static PyObject *
memorybio_write_eof(PyObject *op, PyObject *unused)
{
    membuf *m = memorybio_buf(op);
    membuf_lock(m);
    PYSSL_STORE_FLAG(&m->eof_written, 1);
    membuf_unlock(m);
    Py_RETURN_NONE;
}

static PyObject *
memorybio_get_pending(PyObject *op, void *closure)
{
    return PyLong_FromLong(
        BIO_ctrl(((PySSLMemoryBIO *)op)->bio, BIO_CTRL_PENDING, 0, NULL));
}

static PyObject *
memorybio_get_eof(PyObject *op, void *closure)
{
    return PyBool_FromLong(
        BIO_ctrl(((PySSLMemoryBIO *)op)->bio, BIO_CTRL_EOF, 0, NULL));
}

/* MemoryBIO's read(), write(data) and write_eof() for stdlib_bio.c,
 * which moves bytes in and out of an SSLObject's own pair; the writes
 * return 0, or -1 with an exception. */
PyObject *
pyssl_membio_read_all(PyObject *membio)
{
    return read_upto(membio, -1);
}

PyObject *
pyssl_membio_read_upto(PyObject *membio, Py_ssize_t size)
{
    return read_upto(membio, size);
}

int
pyssl_membio_write(PyObject *membio, PyObject *data)
{
    PyObject *res = memorybio_write(membio, data);
    Py_XDECREF(res);
    return res == NULL ? -1 : 0;
}

void
pyssl_membio_write_eof(PyObject *membio)
{
    Py_DECREF(memorybio_write_eof(membio, NULL));
}

static PyMethodDef memorybio_methods[] = {
    {"read", (PyCFunction)(void (*)(void))memorybio_read, METH_FASTCALL,
     "read($self, size=-1, /)\n--\n\n"
     "Read up to size bytes from the memory BIO (all of it if size is\n"
     "negative). An empty result means EOF or no data yet: see eof."},
    {"write", memorybio_write, METH_O,
     "write($self, b, /)\n--\n\n"
     "Write the bytes b into the memory BIO; returns the number written."},
    {"write_eof", memorybio_write_eof, METH_NOARGS,
     "write_eof($self, /)\n--\n\n"
     "Mark the end of the stream: once what is pending is read, eof is True."},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef memorybio_getset[] = {
    {"pending", memorybio_get_pending, NULL,
     "The number of bytes pending in the memory BIO.", NULL},
    {"eof", memorybio_get_eof, NULL, "Whether the memory BIO is at EOF.",
     NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot memorybio_slots[] = {
    {Py_tp_new, (void *)memorybio_new},
    {Py_tp_dealloc, (void *)memorybio_dealloc},
    {Py_tp_methods, memorybio_methods},
    {Py_tp_getset, memorybio_getset},
    {0, NULL},
};

static PyType_Spec memorybio_spec = {
    .name = PYSSL_TYPE_NAME("MemoryBIO"),
    .basicsize = sizeof(PySSLMemoryBIO),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = memorybio_slots,
};

int
pyssl_bio_init(PyObject *module, pyssl_state *st)
{
    if (membio_method_init() < 0) {
        PYSSL_SET_SSL_ERROR(st, "cannot create the memory BIO type");
        return -1;
    }
    st->memorybio_type = pyssl_new_type(module, &memorybio_spec);
    if (st->memorybio_type == NULL) {
        return -1;
    }
    return PyModule_AddObjectRef(module, "MemoryBIO",
                                 (PyObject *)st->memorybio_type);
}
