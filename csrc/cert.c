/* cert.c: Certificate and X509 decoding. STUB: being written. */
#include "pyssl.h"
PyObject *pyssl_decode_certificate(pyssl_state *st, X509 *cert)
{
    PyErr_SetString(PyExc_NotImplementedError, "not yet");
    return NULL;
}
PyObject *pyssl_certificate_new(pyssl_state *st, X509 *cert)
{
    PyErr_SetString(PyExc_NotImplementedError, "not yet");
    return NULL;
}
PyObject *pyssl_certificate_list(pyssl_state *st, STACK_OF(X509) *chain)
{
    PyErr_SetString(PyExc_NotImplementedError, "not yet");
    return NULL;
}
PyObject *pyssl_test_decode_cert(PyObject *module, PyObject *path)
{
    PyErr_SetString(PyExc_NotImplementedError, "not yet");
    return NULL;
}
int pyssl_cert_init(PyObject *module, pyssl_state *st) { return 0; }
