/* session.c: SSLSession. STUB: being written. */
#include "pyssl.h"
PyObject *pyssl_session_new(PySSLContext *ctx, SSL_SESSION *session)
{
    SSL_SESSION_free(session);
    PyErr_SetString(PyExc_NotImplementedError, "not yet");
    return NULL;
}
int pyssl_session_init(PyObject *module, pyssl_state *st) { return 0; }
