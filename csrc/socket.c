/* socket.c: _SSLSocket (SSL). STUB: being written. */
#include "pyssl.h"

PyObject *pyssl_context_wrap_socket(PySSLContext *self, PyObject *args, PyObject *kwds)
{
    PyErr_SetString(PyExc_NotImplementedError, "not yet");
    return NULL;
}
PyObject *pyssl_context_wrap_bio(PySSLContext *self, PyObject *args, PyObject *kwds)
{
    PyErr_SetString(PyExc_NotImplementedError, "not yet");
    return NULL;
}
PyObject *pyssl_socket_owner_or_self(PySSLSocket *sslsock) { return Py_NewRef((PyObject *)sslsock); }
int pyssl_socket_init(PyObject *module, pyssl_state *st) { return 0; }
