/* stdlib_bio.c: the Shuttle, the _sslobj of an SSLObject over another
 * _ssl's MemoryBIOs (the stdlib's).
 *
 * asyncio and trio make their MemoryBIOs with the ssl module they
 * imported, the stdlib's unless pyssl was injected first, and hand them to
 * whatever context the program gave them.  The _SSLSocket works only over
 * pyssl's own MemoryBIOs (OpenSSL reads them without the GIL), so such an
 * SSLObject gets a pair of ours and a Shuttle in place of the _SSLSocket
 * (src/pyssl/_stdlib_bio.py makes it).  Around each call that can move TLS
 * bytes (read, write, do_handshake, shutdown) the Shuttle
 *   - moves what the caller's incoming BIO holds into ours: as much as a
 *     read of that size can use, up to `take` bytes for other calls, and
 *     more only while OpenSSL used them all and wants more (take_for); a
 *     write only once it has found that it must read (mid-handshake);
 *   - gives back, in front of whatever was written meanwhile, what OpenSSL
 *     left unread, and passes on all it wrote, in 64 KiB pieces (the
 *     alert of a failed call too);
 *   - turns an SSLError the call raises into an instance of the class that
 *     derives from pyssl's and the stdlib's (_stdlib_bio.py), which
 *     asyncio's and trio's except clauses name.
 * So the caller's BIOs hold what they would with the stdlib's SSLObject:
 * records not yet read stay in its incoming BIO (uvloop stops reading when
 * that and pending() are empty), and each record is in its outgoing BIO
 * when the call returns.  Every other attribute is the _SSLSocket's.
 *
 * It is C because asyncio makes these calls for every record: carried in
 * Python they cost about 1.9 us each, and a 256-byte echo ran at 0.79x
 * the stdlib.
 *
 * Each carrying step must be atomic, or two threads could reorder bytes.
 * The caller's BIOs are the stdlib's C type, whose methods keep the GIL,
 * so on a GIL build they are.  A free-threaded build takes the Shuttle's
 * mutex for each step, so that calls on one SSLObject from several
 * threads keep the order, and the caller's BIO's critical section while
 * it puts bytes back in front of what that holds.  That last one keeps
 * the caller's own threads out only where CPython keeps a critical
 * section taken again on the same object (3.13.5 lets go of it); the
 * stdlib's own SSLObject cannot take a thread writing its BIO on 3.13t at
 * all (its SSL_read reads the BIO under the SSLObject's critical section
 * only).
 */
#include "pyssl.h"

typedef struct {
    PyObject_HEAD
    PyObject *core; /* the _SSLSocket, over own_in and own_out */
    PyObject *in; /* the caller's incoming BIO; NULL if it is own_in */
    PyObject *out; /* the caller's outgoing BIO; NULL if it is own_out */
    PyObject *own_in; /* pyssl MemoryBIOs */
    PyObject *own_out;
    /* pyssl's exception class -> the class deriving from it and the
     * stdlib's, or None; shared by every Shuttle over that _ssl's BIOs */
    PyObject *bridges;
    PyObject *take; /* an int: bytes taken from `in` per try */
    Py_ssize_t take_n;
    int eof; /* the caller wrote EOF, and own_in has it too */
    pyssl_ft_mutex mutex;
} Shuttle;

/* The names it looks up, interned once in the module state. */
enum { N_READ, N_WRITE, N_PENDING, N_EOF, N_CLASS, N_COUNT };
static const char *const name_text[N_COUNT] = {
    "read", "write", "pending", "eof", "__class__",
};

static PyObject *
name(Shuttle *self, int n)
{
    return pyssl_state_from_type(Py_TYPE(self))->shuttle_names[n];
}

static BIO *
own_bio(PyObject *membio)
{
    return ((PySSLMemoryBIO *)membio)->bio;
}

/* bio.<attr> as a number (pending, eof); -1 with an exception on error. */
static Py_ssize_t
number_attr(PyObject *bio, PyObject *attr)
{
    PyObject *v = PyObject_GetAttr(bio, attr);
    if (v == NULL) {
        return -1;
    }
    Py_ssize_t n = PyLong_AsSsize_t(v);
    Py_DECREF(v);
    if (n < 0 && !PyErr_Occurred()) {
        PyErr_SetString(PyExc_ValueError, "a MemoryBIO gave a negative size");
    }
    return n < 0 ? -1 : n;
}

/* obj.<method>(arg) (or with no argument when arg is NULL), the result
 * dropped: 0, or -1 on error. */
static int
call_void(PyObject *obj, PyObject *method, PyObject *arg)
{
    PyObject *res = PyObject_CallMethodObjArgs(obj, method, arg, NULL);
    Py_XDECREF(res);
    return res == NULL ? -1 : 0;
}

/* How many bytes to take from the caller's incoming BIO for a call.  A
 * read of n bytes takes as many as can hold n bytes of data, plus two
 * records: so a large read takes all the BIO holds, and what OpenSSL
 * leaves is at most a record or two, with nothing behind it to copy again
 * when that goes back in front (unread).  Every other call takes the
 * Shuttle's `take`, which keeps a small read on a large BIO bounded. */
#define RECORD_ROOM (2 * (16384 + 2048)) /* two of TLS's largest records */
static Py_ssize_t
take_for(Shuttle *self, int which, PyObject *const *args, Py_ssize_t nargs)
{
    if (which != PYSSL_CALL_READ || nargs < 1 || !PyLong_Check(args[0])) {
        return self->take_n;
    }
    Py_ssize_t n = PyLong_AsSsize_t(args[0]);
    if (n == -1 && PyErr_Occurred()) {
        PyErr_Clear(); /* the read itself says what is wrong with it */
        return self->take_n;
    }
    if (n <= self->take_n) {
        return self->take_n;
    }
    /* A full record's overhead is under 1/32 of its 16 KiB; the stdlib's
     * MemoryBIO.read() takes a C int. */
    return n < INT_MAX / 2 ? n + n / 32 + RECORD_ROOM : INT_MAX;
}

/* All the caller's incoming BIO holds, or up to n bytes of it. */
static PyObject *
read_all(Shuttle *self)
{
    return PyObject_CallMethodObjArgs(self->in, name(self, N_READ), NULL);
}

static PyObject *
read_some(Shuttle *self, Py_ssize_t n)
{
    if (n == self->take_n) {
        return PyObject_CallMethodObjArgs(self->in, name(self, N_READ),
                                          self->take, NULL);
    }
    PyObject *size = PyLong_FromSsize_t(n);
    if (size == NULL) {
        return NULL;
    }
    PyObject *data =
        PyObject_CallMethodObjArgs(self->in, name(self, N_READ), size, NULL);
    Py_DECREF(size);
    return data;
}

/* Move up to `take` bytes from the caller's incoming BIO into ours, and
 * its EOF once it holds nothing more.  Returns 1 if it still holds more,
 * 0 if not, -1 on error. */
static int
take_in(Shuttle *self, Py_ssize_t take)
{
    if (self->in == NULL) {
        return 0;
    }
    int res = -1;
    PyObject *data = NULL;
    pyssl_ft_mutex_lock(&self->mutex);
    /* pending first: half of an event loop's reads find nothing, and the
     * getter costs less than a read() that returns b"". */
    Py_ssize_t avail = number_attr(self->in, name(self, N_PENDING));
    if (avail > 0) {
        /* Bytes written after this read stay there, behind these. */
        data = avail <= take ? read_all(self) : read_some(self, take);
        if (data == NULL || pyssl_membio_write(self->own_in, data) < 0) {
            goto done;
        }
    }
    if (avail >= 0 && avail <= take && !self->eof) {
        Py_ssize_t eof = number_attr(self->in, name(self, N_EOF));
        if (eof < 0) {
            goto done;
        }
        if (eof) {
            pyssl_membio_write_eof(self->own_in);
            self->eof = 1;
        }
    }
    res = avail < 0 ? -1 : avail > take;
done:
    pyssl_ft_mutex_unlock(&self->mutex);
    Py_XDECREF(data);
    return res;
}

/* Put what OpenSSL left in own_in back in front of what the caller's
 * incoming BIO holds now: read that, write ours, write it again.  If the
 * caller wrote EOF meanwhile its BIO takes no more writes: then all of it
 * stays in own_in, with the EOF.  0, or -1 on error. */
static int
unread(Shuttle *self)
{
    PyObject *left = pyssl_membio_read_all(self->own_in);
    if (left == NULL) {
        return -1;
    }
    int rc = -1;
    PYSSL_BEGIN_CS(self->in);
    PyObject *newer = read_all(self);
    Py_ssize_t eof = newer ? number_attr(self->in, name(self, N_EOF)) : -1;
    if (eof > 0) {
        rc = pyssl_membio_write(self->own_in, left) < 0 ||
                     pyssl_membio_write(self->own_in, newer) < 0
                 ? -1
                 : 0;
        if (rc == 0) {
            pyssl_membio_write_eof(self->own_in);
            self->eof = 1;
        }
    }
    else if (eof == 0) {
        rc = call_void(self->in, name(self, N_WRITE), left) < 0 ||
                     (PyObject_IsTrue(newer) &&
                      call_void(self->in, name(self, N_WRITE), newer) < 0)
                 ? -1
                 : 0;
    }
    Py_XDECREF(newer);
    PYSSL_END_CS();
    Py_DECREF(left);
    return rc;
}

#define FLUSH_PIECE (64 * 1024)

/* After a call: give back what OpenSSL left unread and pass on what it
 * wrote.  0, or -1 on error. */
static int
give_back(Shuttle *self)
{
    int rc = 0;
    pyssl_ft_mutex_lock(&self->mutex);
    if (self->in != NULL && !self->eof &&
        pyssl_membio_pending(own_bio(self->own_in)) > 0) {
        rc = unread(self);
    }
    /* In pieces: a bytes object of a whole 1 MiB write's records is a
     * fresh mmap() and page faults each time (glibc's threshold; 0.75x the
     * stdlib on 3.13), one of 64 KiB comes warm from the heap. */
    while (rc == 0 && self->out != NULL &&
           pyssl_membio_pending(own_bio(self->own_out)) > 0) {
        PyObject *data = pyssl_membio_read_upto(self->own_out, FLUSH_PIECE);
        rc = data == NULL ? -1
                          : call_void(self->out, name(self, N_WRITE), data);
        Py_XDECREF(data);
    }
    pyssl_ft_mutex_unlock(&self->mutex);
    return rc;
}

/* A new instance of cls with exc's arguments, attributes, traceback,
 * cause and context.  For pyssl's SSLError itself: an immutable type, as
 * the stdlib's is, so its instances cannot change class. */
static PyObject *
bridged_copy(PyObject *exc, PyObject *cls)
{
    PyObject *args = PyObject_GetAttrString(exc, "args");
    PyObject *copy = args ? PyObject_CallObject(cls, args) : NULL;
    Py_XDECREF(args);
    PyObject *from = copy ? PyObject_GetAttrString(exc, "__dict__") : NULL;
    PyObject *to = from ? PyObject_GetAttrString(copy, "__dict__") : NULL;
    int rc = to != NULL && PyDict_Check(from) && PyDict_Check(to)
                 ? PyDict_Update(to, from)
                 : -1;
    Py_XDECREF(from);
    Py_XDECREF(to);
    if (rc < 0) {
        Py_XDECREF(copy);
        return NULL;
    }
    PyObject *tb = PyException_GetTraceback(exc);
    if (tb != NULL) {
        rc = PyException_SetTraceback(copy, tb);
        Py_DECREF(tb);
    }
    PyObject *cause = PyException_GetCause(exc);
    if (cause != NULL) {
        PyException_SetCause(copy, cause); /* steals it */
    }
    PyException_SetContext(copy, PyException_GetContext(exc));
    ((PyBaseExceptionObject *)copy)->suppress_context =
        ((PyBaseExceptionObject *)exc)->suppress_context;
    if (rc < 0) {
        Py_DECREF(copy);
        return NULL;
    }
    return copy;
}

/* exc as an instance of its bridged class in `bridges`, if it has one: the
 * same object, or for SSLError itself a copy.  A new reference; exc itself
 * when it has no such class or cannot become one (it stays pyssl's). */
static PyObject *
bridge(PyObject *exc, PyObject *bridges, PyObject *class_name)
{
    PyObject *cls = NULL;
    PyObject *res = NULL;
    if (PyDict_GetItemRef(bridges, (PyObject *)Py_TYPE(exc), &cls) > 0 &&
        cls != Py_None) {
        if (!(Py_TYPE(exc)->tp_flags & Py_TPFLAGS_IMMUTABLETYPE)) {
            res = PyObject_SetAttr(exc, class_name, cls) < 0 ? NULL
                                                             : Py_NewRef(exc);
        }
        else {
            res = bridged_copy(exc, cls);
        }
    }
    Py_XDECREF(cls);
    if (res == NULL) {
        PyErr_Clear();
        res = Py_NewRef(exc);
    }
    return res;
}

/* The SSLError being raised becomes an instance of its bridged class. */
static void
bridge_raised(Shuttle *self)
{
    PyObject *exc = PyErr_GetRaisedException();
    PyErr_SetRaisedException(bridge(exc, self->bridges, name(self, N_CLASS)));
    Py_DECREF(exc);
}

/* Whether a write that OpenSSL could not finish without reading (mid-
 * handshake) has something to read in the caller's BIO: then it takes
 * that in and tries again.  Otherwise its SSLWantReadError stands. */
static int
write_wants_input(Shuttle *self, pyssl_state *st, PyObject *res)
{
    if (res != NULL || self->in == NULL || self->eof ||
        !PyErr_ExceptionMatches(st->SSLWantReadError)) {
        return 0;
    }
    PyObject *exc = PyErr_GetRaisedException();
    Py_ssize_t avail = number_attr(self->in, name(self, N_PENDING));
    Py_ssize_t eof = avail == 0 ? number_attr(self->in, name(self, N_EOF)) : 0;
    if (avail < 0 || eof < 0) {
        Py_DECREF(exc); /* the getter's error replaces it */
        return -1;
    }
    if (avail == 0 && eof == 0) {
        PyErr_SetRaisedException(exc);
        return 0;
    }
    Py_DECREF(exc);
    return 1;
}

/* The core's call `which` (PYSSL_CALL_*) with the bytes carried around
 * it.  A write takes nothing in unless it must read: once the handshake is
 * done SSL_write never reads (TLS 1.2 renegotiation is driven by reads),
 * and a write is most of a sender's calls. */
static PyObject *
carry(Shuttle *self, int which, PyObject *const *args, Py_ssize_t nargs)
{
    pyssl_state *st = pyssl_state_from_type(Py_TYPE(self));
    Py_ssize_t take = take_for(self, which, args, nargs);
    int lazy = which == PYSSL_CALL_WRITE;
    for (;;) {
        int more = lazy ? 0 : take_in(self, take);
        if (more < 0) {
            return NULL;
        }
        PyObject *res = pyssl_sslsock_call(self->core, which, args, nargs);
        if (lazy) {
            lazy = 0;
            /* On an error (-1) that is the call's, passed on below. */
            if (write_wants_input(self, st, res) > 0) {
                continue;
            }
        }
        /* It used all it was given and wants what is still in the
         * caller's BIO: go on. */
        int again = res == NULL && more &&
                    PyErr_ExceptionMatches(st->SSLWantReadError) &&
                    pyssl_membio_pending(own_bio(self->own_in)) == 0;
        if (again) {
            PyErr_Clear();
        }
        else if (res == NULL && PyErr_ExceptionMatches(st->SSLError)) {
            bridge_raised(self);
        }
        PyObject *exc = res == NULL ? PyErr_GetRaisedException() : NULL;
        if (give_back(self) < 0) {
            Py_XDECREF(exc);
            Py_XDECREF(res);
            return NULL;
        }
        PyErr_SetRaisedException(exc);
        if (!again) {
            return res;
        }
    }
}

PyObject *
pyssl_shuttle_read(PyObject *op, PyObject *const *args, Py_ssize_t nargs)
{
    return carry((Shuttle *)op, PYSSL_CALL_READ, args, nargs);
}

PyObject *
pyssl_shuttle_write(PyObject *op, PyObject *data)
{
    return carry((Shuttle *)op, PYSSL_CALL_WRITE, &data, 1);
}

PyObject *
pyssl_shuttle_core(PyObject *op)
{
    return ((Shuttle *)op)->core;
}

static PyObject *
shuttle_do_handshake(PyObject *op, PyObject *unused)
{
    (void)unused;
    return carry((Shuttle *)op, PYSSL_CALL_HANDSHAKE, NULL, 0);
}

static PyObject *
shuttle_shutdown(PyObject *op, PyObject *unused)
{
    (void)unused;
    return carry((Shuttle *)op, PYSSL_CALL_SHUTDOWN, NULL, 0);
}

/* The Shuttle's own methods, and what object gives it; any other name is
 * the core's (looked up there at once unless it starts with "_", which
 * saves raising an AttributeError on every such call). */
static PyObject *
shuttle_getattro(PyObject *op, PyObject *attr)
{
    if (PyUnicode_Check(attr) && PyUnicode_GET_LENGTH(attr) > 0 &&
        PyUnicode_READ_CHAR(attr, 0) != '_') {
        PyObject *found = NULL;
        int rc = PyDict_GetItemRef(Py_TYPE(op)->tp_dict, attr, &found);
        Py_XDECREF(found);
        if (rc < 0) {
            return NULL;
        }
        if (rc == 0) {
            return PyObject_GetAttr(((Shuttle *)op)->core, attr);
        }
    }
    PyObject *res = PyObject_GenericGetAttr(op, attr);
    if (res == NULL && PyErr_ExceptionMatches(PyExc_AttributeError)) {
        PyErr_Clear();
        res = PyObject_GetAttr(((Shuttle *)op)->core, attr);
    }
    return res;
}

/* context and session are set on the core. */
static int
shuttle_setattro(PyObject *op, PyObject *attr, PyObject *value)
{
    return PyObject_SetAttr(((Shuttle *)op)->core, attr, value);
}

static int
is_own_bio(pyssl_state *st, PyObject *bio)
{
    return Py_TYPE(bio) == st->memorybio_type;
}

/* Shuttle(core, incoming, outgoing, own_in, own_out, bridges, take):
 * incoming and outgoing are the caller's, own_in and own_out the core's
 * (the same object where the caller's is pyssl's). */
static PyObject *
shuttle_new(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    pyssl_state *st = pyssl_state_from_type(type);
    PyObject *core, *in, *out, *own_in, *own_out, *bridges, *take;
    if ((kwds != NULL && PyDict_GET_SIZE(kwds) > 0) ||
        !PyArg_UnpackTuple(args, "Shuttle", 7, 7, &core, &in, &out, &own_in,
                           &own_out, &bridges, &take)) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_TypeError,
                            "Shuttle() takes no keyword arguments");
        }
        return NULL;
    }
    if (Py_TYPE(core) != st->socket_type || !is_own_bio(st, own_in) ||
        !is_own_bio(st, own_out) || !PyDict_Check(bridges) ||
        !PyLong_Check(take)) {
        PyErr_SetString(PyExc_TypeError, "Shuttle(): wrong argument types");
        return NULL;
    }
    Py_ssize_t take_n = PyLong_AsSsize_t(take);
    if (take_n <= 0) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_ValueError, "Shuttle(): take must be > 0");
        }
        return NULL;
    }
    Shuttle *self = (Shuttle *)type->tp_alloc(type, 0);
    if (self == NULL) {
        return NULL;
    }
    self->core = Py_NewRef(core);
    self->in = in != own_in ? Py_NewRef(in) : NULL;
    self->out = out != own_out ? Py_NewRef(out) : NULL;
    self->own_in = Py_NewRef(own_in);
    self->own_out = Py_NewRef(own_out);
    self->bridges = Py_NewRef(bridges);
    self->take = Py_NewRef(take);
    self->take_n = take_n;
    return (PyObject *)self;
}

static int
shuttle_traverse(PyObject *op, visitproc visit, void *arg)
{
    Shuttle *self = (Shuttle *)op;
    Py_VISIT(Py_TYPE(op));
    Py_VISIT(self->core);
    Py_VISIT(self->in);
    Py_VISIT(self->out);
    Py_VISIT(self->own_in);
    Py_VISIT(self->own_out);
    Py_VISIT(self->bridges);
    return 0;
}

static int
shuttle_clear(PyObject *op)
{
    Shuttle *self = (Shuttle *)op;
    Py_CLEAR(self->core);
    Py_CLEAR(self->in);
    Py_CLEAR(self->out);
    Py_CLEAR(self->own_in);
    Py_CLEAR(self->own_out);
    Py_CLEAR(self->bridges);
    Py_CLEAR(self->take);
    return 0;
}

static void
shuttle_dealloc(PyObject *op)
{
    PyTypeObject *type = Py_TYPE(op);
    PyObject_GC_UnTrack(op);
    (void)shuttle_clear(op);
    type->tp_free(op);
    Py_DECREF(type);
}

static PyMethodDef shuttle_methods[] = {
    {"read", (PyCFunction)(void (*)(void))pyssl_shuttle_read, METH_FASTCALL,
     "read($self, size, buffer=None, /)\n--\n\n"
     "The core's read(), with the bytes carried."},
    {"write", pyssl_shuttle_write, METH_O,
     "write($self, data, /)\n--\n\n"
     "The core's write(), with the bytes carried."},
    {"do_handshake", shuttle_do_handshake, METH_NOARGS,
     "do_handshake($self, /)\n--\n\n"
     "The core's do_handshake(), with the bytes carried."},
    {"shutdown", shuttle_shutdown, METH_NOARGS,
     "shutdown($self, /)\n--\n\n"
     "The core's shutdown(), with the bytes carried."},
    {NULL, NULL, 0, NULL},
};

/* What pyssl.asyncio needs to move a connection onto the core's own BIOs
 * before anything has been carried (_stdlib_bio.own_bios). */
static PyMemberDef shuttle_members[] = {
    {"_core", T_OBJECT_EX, offsetof(Shuttle, core), READONLY, NULL},
    {"_own_in", T_OBJECT_EX, offsetof(Shuttle, own_in), READONLY, NULL},
    {"_own_out", T_OBJECT_EX, offsetof(Shuttle, own_out), READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

static PyType_Slot shuttle_slots[] = {
    {Py_tp_new, (void *)shuttle_new},
    {Py_tp_dealloc, (void *)shuttle_dealloc},
    {Py_tp_traverse, (void *)shuttle_traverse},
    {Py_tp_clear, (void *)shuttle_clear},
    {Py_tp_getattro, (void *)shuttle_getattro},
    {Py_tp_setattro, (void *)shuttle_setattro},
    {Py_tp_methods, shuttle_methods},
    {Py_tp_members, shuttle_members},
    {Py_tp_doc, "An _SSLSocket over the stdlib's MemoryBIOs (stdlib_bio.c)."},
    {0, NULL},
};

static PyType_Spec shuttle_spec = {
    .name = PYSSL_TYPE_NAME("_Shuttle"),
    .basicsize = sizeof(Shuttle),
    .flags =
        Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = shuttle_slots,
};

/* _bridge_error(exc, bridges, /): see bridge(). */
static PyObject *
bridge_error(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError,
                     "_bridge_error() takes 2 arguments (%zd given)", nargs);
        return NULL;
    }
    if (!PyExceptionInstance_Check(args[0]) || !PyDict_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError,
                        "_bridge_error(): wrong argument types");
        return NULL;
    }
    return bridge(args[0], args[1],
                  pyssl_get_state(module)->shuttle_names[N_CLASS]);
}

static PyMethodDef stdlib_bio_functions[] = {
    {"_bridge_error", (PyCFunction)(void (*)(void))bridge_error, METH_FASTCALL,
     "_bridge_error($module, exc, bridges, /)\n--\n\n"
     "exc as an instance of its class in bridges (_stdlib_bio.py), if it "
     "has one: the same object, or a copy for SSLError itself."},
    {NULL, NULL, 0, NULL},
};

int
pyssl_stdlib_bio_init(PyObject *module, pyssl_state *st)
{
    Py_BUILD_ASSERT(N_COUNT == PYSSL_SHUTTLE_NAMES);
    for (int i = 0; i < N_COUNT; i++) {
        st->shuttle_names[i] = PyUnicode_InternFromString(name_text[i]);
        if (st->shuttle_names[i] == NULL) {
            return -1;
        }
    }
    st->shuttle_type = pyssl_new_type(module, &shuttle_spec);
    if (st->shuttle_type == NULL) {
        return -1;
    }
    if (PyModule_AddFunctions(module, stdlib_bio_functions) < 0) {
        return -1;
    }
    return PyModule_AddObjectRef(module, "_Shuttle",
                                 (PyObject *)st->shuttle_type);
}
