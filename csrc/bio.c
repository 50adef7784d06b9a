/* bio.c: MemoryBIO, an in-memory byte queue an SSLObject reads from and
 * writes to instead of a socket.
 *
 * This sits on the SSLObject hot path (asyncio's transports shuttle every
 * record through two of these), so read and write touch OpenSSL once and
 * copy once.
 */
#include "pyssl.h"

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
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL) {
        return PYSSL_SET_SSL_ERROR(pyssl_state_from_type(type),
                                   "failed to allocate BIO");
    }
    /* An empty memory BIO is "no data yet", not end of stream: OpenSSL must
     * see a retryable read (-1 with the retry flag) until write_eof(). */
    BIO_set_retry_read(bio);
    BIO_set_mem_eof_return(bio, -1);

    PySSLMemoryBIO *self = (PySSLMemoryBIO *)type->tp_alloc(type, 0);
    if (self == NULL) {
        BIO_free(bio);
        return NULL;
    }
    self->bio = bio;
    self->eof_written = 0;
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
read_size_arg(PyObject *const *args, Py_ssize_t nargs, int *size)
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
    *size = PyLong_AsInt(index);
    Py_DECREF(index);
    return *size == -1 && PyErr_Occurred() ? -1 : 0;
}

/* METH_FASTCALL: no argument tuple on the hot path. */
static PyObject *
memorybio_read(PyObject *op, PyObject *const *args, Py_ssize_t nargs)
{
    PySSLMemoryBIO *self = (PySSLMemoryBIO *)op;
    int size = -1;
    if (read_size_arg(args, nargs, &size) < 0) {
        return NULL;
    }
    size_t pending = BIO_ctrl_pending(self->bio);
    int avail = pending > INT_MAX ? INT_MAX : (int)pending;
    if (size < 0 || size > avail) {
        size = avail;
    }
    /* Read straight into the bytes object's storage. */
    PyObject *res = PyBytes_FromStringAndSize(NULL, size);
    if (res == NULL || size == 0) {
        return res;
    }
    int n = BIO_read(self->bio, PyBytes_AS_STRING(res), size);
    if (n < 0) {
        Py_DECREF(res);
        return PYSSL_SET_SSL_ERROR(pyssl_state_from_type(Py_TYPE(op)),
                                   "cannot read from memory BIO");
    }
    if (n < size) {
        /* Cannot happen with a memory BIO holding `size` bytes; be safe. */
        PyObject *shorter = PyBytes_FromStringAndSize(PyBytes_AS_STRING(res), n);
        Py_DECREF(res);
        res = shorter;
    }
    return res;
}

static PyObject *
memorybio_write(PyObject *op, PyObject *arg)
{
    PySSLMemoryBIO *self = (PySSLMemoryBIO *)op;
    Py_buffer view;
    if (PyObject_GetBuffer(arg, &view, PyBUF_SIMPLE) < 0) {
        return NULL;
    }
    PyObject *res = NULL;
    if (view.len > INT_MAX) {
        PyErr_Format(PyExc_OverflowError, "string longer than %d bytes",
                     INT_MAX);
    }
    else if (self->eof_written) {
        PyErr_SetString(pyssl_state_from_type(Py_TYPE(op))->SSLError,
                        "cannot write() after write_eof()");
    }
    else {
        int n = BIO_write(self->bio, view.buf, (int)view.len);
        res = n < 0 ? PYSSL_SET_SSL_ERROR(pyssl_state_from_type(Py_TYPE(op)),
                                          "cannot write to memory BIO")
                    : PyLong_FromLong(n);
    }
    PyBuffer_Release(&view);
    return res;
}

static PyObject *
memorybio_write_eof(PyObject *op, PyObject *unused)
{
    PySSLMemoryBIO *self = (PySSLMemoryBIO *)op;
    self->eof_written = 1;
    /* From now on an empty BIO is a real end of stream: reads return 0
     * and must not be retried. */
    BIO_clear_retry_flags(self->bio);
    BIO_set_mem_eof_return(self->bio, 0);
    Py_RETURN_NONE;
}

static PyObject *
memorybio_get_pending(PyObject *op, void *closure)
{
    return PyLong_FromSize_t(BIO_ctrl_pending(((PySSLMemoryBIO *)op)->bio));
}

static PyObject *
memorybio_get_eof(PyObject *op, void *closure)
{
    PySSLMemoryBIO *self = (PySSLMemoryBIO *)op;
    return PyBool_FromLong(self->eof_written &&
                           BIO_ctrl_pending(self->bio) == 0);
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
    {"eof", memorybio_get_eof, NULL,
     "Whether the memory BIO is at EOF.", NULL},
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
    st->memorybio_type = pyssl_new_type(module, &memorybio_spec);
    if (st->memorybio_type == NULL) {
        return -1;
    }
    return PyModule_AddObjectRef(module, "MemoryBIO",
                                 (PyObject *)st->memorybio_type);
}
