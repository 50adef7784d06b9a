/* debughelpers.c: _msg_callback and keylog_filename. STUB: being written. */
#include "pyssl.h"
PyObject *pyssl_context_get_msg_callback(PySSLContext *self, void *c) { Py_RETURN_NONE; }
int pyssl_context_set_msg_callback(PySSLContext *self, PyObject *arg, void *c)
{
    PyErr_SetString(PyExc_NotImplementedError, "not yet");
    return -1;
}
PyObject *pyssl_context_get_keylog_filename(PySSLContext *self, void *c) { Py_RETURN_NONE; }
int pyssl_context_set_keylog_filename(PySSLContext *self, PyObject *arg, void *c)
{
    PyErr_SetString(PyExc_NotImplementedError, "not yet");
    return -1;
}
