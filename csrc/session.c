/* session.c: SSLSession, a TLS session a client can offer again to resume.
 *
 * A session keeps its context alive: _SSLSocket's session setter refuses a
 * session from another context, so it compares against this reference.
 */
#include "pyssl.h"

#include <string.h>

PyObject *
pyssl_session_new(PySSLContext *ctx, SSL_SESSION *session)
{
    PyTypeObject *type = ctx->state->session_type;
    assert(session != NULL && type != NULL);
    PySSLSession *self = PyObject_GC_New(PySSLSession, type);
    if (self == NULL) {
        SSL_SESSION_free(session);
        return NULL;
    }
    self->session = session;
    self->ctx = (PySSLContext *)Py_NewRef((PyObject *)ctx);
    PyObject_GC_Track(self);
    return (PyObject *)self;
}

static int
session_traverse(PyObject *op, visitproc visit, void *arg)
{
    PySSLSession *self = (PySSLSession *)op;
    Py_VISIT(self->ctx);
    /* Heap type instances own a reference to their type (3.8+). */
    Py_VISIT(Py_TYPE(op));
    return 0;
}

static int
session_clear(PyObject *op)
{
    Py_CLEAR(((PySSLSession *)op)->ctx);
    return 0;
}

static void
session_dealloc(PyObject *op)
{
    PySSLSession *self = (PySSLSession *)op;
    PyTypeObject *type = Py_TYPE(op);
    PyObject_GC_UnTrack(op);
    session_clear(op);
    if (self->session != NULL) {
        SSL_SESSION_free(self->session);
    }
    PyObject_GC_Del(op);
    Py_DECREF(type);
}

/* Two sessions are equal when they are the same object or carry the same
 * session id; there is no ordering. */
static PyObject *
session_richcompare(PyObject *left, PyObject *right, int op)
{
    PyTypeObject *type = pyssl_state_from_type(Py_TYPE(left))->session_type;
    if (Py_TYPE(right) != type || (op != Py_EQ && op != Py_NE)) {
        Py_RETURN_NOTIMPLEMENTED;
    }
    int equal = left == right;
    if (!equal) {
        unsigned int llen, rlen;
        const unsigned char *lid =
            SSL_SESSION_get_id(((PySSLSession *)left)->session, &llen);
        const unsigned char *rid =
            SSL_SESSION_get_id(((PySSLSession *)right)->session, &rlen);
        equal = llen == rlen && memcmp(lid, rid, llen) == 0;
    }
    return PyBool_FromLong(op == Py_EQ ? equal : !equal);
}

static PyObject *
session_get_time(PyObject *op, void *closure)
{
    return PyLong_FromLong(
        (long)SSL_SESSION_get_time(((PySSLSession *)op)->session));
}

static PyObject *
session_get_timeout(PyObject *op, void *closure)
{
    return PyLong_FromLong(
        (long)SSL_SESSION_get_timeout(((PySSLSession *)op)->session));
}

static PyObject *
session_get_ticket_lifetime_hint(PyObject *op, void *closure)
{
    return PyLong_FromUnsignedLong(
        SSL_SESSION_get_ticket_lifetime_hint(((PySSLSession *)op)->session));
}

static PyObject *
session_get_id(PyObject *op, void *closure)
{
    unsigned int len;
    const unsigned char *id =
        SSL_SESSION_get_id(((PySSLSession *)op)->session, &len);
    return PyBytes_FromStringAndSize((const char *)id, len);
}

static PyObject *
session_get_has_ticket(PyObject *op, void *closure)
{
    return PyBool_FromLong(
        SSL_SESSION_has_ticket(((PySSLSession *)op)->session));
}

static PyGetSetDef session_getset[] = {
    {"has_ticket", session_get_has_ticket, NULL,
     "Does the session contain a ticket?", NULL},
    {"id", session_get_id, NULL, "Session id", NULL},
    {"ticket_lifetime_hint", session_get_ticket_lifetime_hint, NULL,
     "Ticket life time hint.", NULL},
    {"time", session_get_time, NULL,
     "Session creation time (seconds since epoch).", NULL},
    {"timeout", session_get_timeout, NULL,
     "Session timeout (delta in seconds).", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot session_slots[] = {
    {Py_tp_getset, session_getset},
    {Py_tp_richcompare, (void *)session_richcompare},
    {Py_tp_dealloc, (void *)session_dealloc},
    {Py_tp_traverse, (void *)session_traverse},
    {Py_tp_clear, (void *)session_clear},
    {0, NULL},
};

static PyType_Spec session_spec = {
    .name = PYSSL_TYPE_NAME("SSLSession"),
    .basicsize = sizeof(PySSLSession),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC |
             Py_TPFLAGS_DISALLOW_INSTANTIATION | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = session_slots,
};

int
pyssl_session_init(PyObject *module, pyssl_state *st)
{
    st->session_type = pyssl_new_type(module, &session_spec);
    if (st->session_type == NULL) {
        return -1;
    }
    return PyModule_AddObjectRef(module, "SSLSession",
                                 (PyObject *)st->session_type);
}
