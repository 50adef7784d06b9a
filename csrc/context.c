/* context.c: _SSLContext (SSL_CTX). STUB: being written. */
#include "pyssl.h"

PyObject *pyssl_get_sigalgs(PyObject *module, PyObject *unused)
{
    PyErr_SetString(PyExc_NotImplementedError, "not yet");
    return NULL;
}

int pyssl_context_init(PyObject *module, pyssl_state *st) { return 0; }
