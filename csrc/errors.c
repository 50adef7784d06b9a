/* errors.c: the OpenSSL error queue -> SSLError and its subclasses.
 *
 * Every path that reads the queue clears it, so one failure never leaks into
 * the message of the next.
 */
#include "pyssl.h"
/* Headers whose reason codes errcodes.h names beyond pyssl.h's: PKCS#12
 * ("mac verify failure" is load_pkcs12's wrong password). */
#include <openssl/pkcs12.h>
#include "errcodes.h"
#include "platform.h"

#include <string.h>

/* ------------------------------------------------------------------------ */
/* The exception types                                                      */

/* str(SSLError) is its message alone, not the (errno, message) pair that
 * OSError would print. */
static PyObject *
sslerror_str(PyObject *self)
{
    PyObject *strerror = PyObject_GetAttrString(self, "strerror");
    if (strerror == NULL) {
        return NULL;
    }
    if (PyUnicode_Check(strerror)) {
        return strerror;
    }
    Py_DECREF(strerror);
    PyObject *args = PyObject_GetAttrString(self, "args");
    if (args == NULL) {
        return NULL;
    }
    PyObject *res = PyObject_Str(args);
    Py_DECREF(args);
    return res;
}

static PyType_Slot sslerror_slots[] = {
    {Py_tp_doc, (void *)"An error occurred in the SSL implementation."},
    {Py_tp_str, (void *)sslerror_str},
    {0, NULL},
};

static PyType_Spec sslerror_spec = {
    .name = "ssl.SSLError",
    .basicsize = sizeof(PyOSErrorObject),
    .flags =
        Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = sslerror_slots,
};

static PyObject *
new_subclass(PyObject *module, const char *name, const char *doc,
             PyObject *base1, PyObject *base2)
{
    PyObject *bases =
        base2 ? PyTuple_Pack(2, base1, base2) : PyTuple_Pack(1, base1);
    if (bases == NULL) {
        return NULL;
    }
    PyObject *exc = PyErr_NewExceptionWithDoc(name, doc, bases, NULL);
    Py_DECREF(bases);
    return exc;
}

static int
add_exceptions(PyObject *module, pyssl_state *st)
{
    PyObject *bases = PyTuple_Pack(1, PyExc_OSError);
    if (bases == NULL) {
        return -1;
    }
    st->SSLError = PyType_FromSpecWithBases(&sslerror_spec, bases);
    Py_DECREF(bases);
    if (st->SSLError == NULL) {
        return -1;
    }
    /* library and reason are None unless OpenSSL named them: as class
     * attributes, so the common no-name errors (SSLWantReadError on every
     * non-blocking read with no data) need no instance dict. */
    PyObject *dict = ((PyTypeObject *)st->SSLError)->tp_dict;
    if (PyDict_SetItemString(dict, "library", Py_None) < 0 ||
        PyDict_SetItemString(dict, "reason", Py_None) < 0) {
        return -1;
    }
    PyType_Modified((PyTypeObject *)st->SSLError);
    st->SSLCertVerificationError =
        new_subclass(module, "ssl.SSLCertVerificationError",
                     "A certificate could not be verified.", st->SSLError,
                     PyExc_ValueError);
    st->SSLZeroReturnError =
        new_subclass(module, "ssl.SSLZeroReturnError",
                     "SSL/TLS session closed cleanly.", st->SSLError, NULL);
    st->SSLWantReadError =
        new_subclass(module, "ssl.SSLWantReadError",
                     "Non-blocking SSL socket needs to read more data\n"
                     "before the requested operation can be completed.",
                     st->SSLError, NULL);
    st->SSLWantWriteError =
        new_subclass(module, "ssl.SSLWantWriteError",
                     "Non-blocking SSL socket needs to write more data\n"
                     "before the requested operation can be completed.",
                     st->SSLError, NULL);
    st->SSLSyscallError = new_subclass(
        module, "ssl.SSLSyscallError",
        "System error when attempting SSL operation.", st->SSLError, NULL);
    st->SSLEOFError = new_subclass(module, "ssl.SSLEOFError",
                                   "SSL/TLS connection terminated abruptly.",
                                   st->SSLError, NULL);
    if (!st->SSLCertVerificationError || !st->SSLZeroReturnError ||
        !st->SSLWantReadError || !st->SSLWantWriteError ||
        !st->SSLSyscallError || !st->SSLEOFError) {
        return -1;
    }
    if (PyModule_AddObjectRef(module, "SSLError", st->SSLError) < 0 ||
        PyModule_AddObjectRef(module, "SSLCertVerificationError",
                              st->SSLCertVerificationError) < 0 ||
        PyModule_AddObjectRef(module, "SSLZeroReturnError",
                              st->SSLZeroReturnError) < 0 ||
        PyModule_AddObjectRef(module, "SSLWantReadError",
                              st->SSLWantReadError) < 0 ||
        PyModule_AddObjectRef(module, "SSLWantWriteError",
                              st->SSLWantWriteError) < 0 ||
        PyModule_AddObjectRef(module, "SSLSyscallError", st->SSLSyscallError) <
            0 ||
        PyModule_AddObjectRef(module, "SSLEOFError", st->SSLEOFError) < 0) {
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* The mnemonic tables (errcodes.h), exported as in CPython 3.8-3.11        */

/* The three dicts take about 1,900 tuples, strings and dict entries, a
 * fifth of the module's import time, and most programs never look at them:
 * they are built on first use, by an error with an OpenSSL code or by the
 * module attribute (module_getattr below). */
static int
build_code_tables(pyssl_state *st)
{
    st->err_codes_to_names = PyDict_New();
    st->err_names_to_codes = PyDict_New();
    st->lib_codes_to_names = PyDict_New();
    if (!st->err_codes_to_names || !st->err_names_to_codes ||
        !st->lib_codes_to_names) {
        return -1;
    }
    for (const pyssl_err_code *e = pyssl_error_codes; e->name; e++) {
        PyObject *key = Py_BuildValue("ii", e->lib, e->reason);
        PyObject *name = PyUnicode_FromString(e->name);
        int rc = (key && name)
                     ? PyDict_SetItem(st->err_codes_to_names, key, name) |
                           PyDict_SetItem(st->err_names_to_codes, name, key)
                     : -1;
        Py_XDECREF(key);
        Py_XDECREF(name);
        if (rc < 0) {
            return -1;
        }
    }
    for (const pyssl_lib_code *l = pyssl_lib_codes; l->name; l++) {
        PyObject *code = PyLong_FromLong(l->code);
        PyObject *name = PyUnicode_FromString(l->name);
        int rc = (code && name)
                     ? PyDict_SetItem(st->lib_codes_to_names, code, name)
                     : -1;
        Py_XDECREF(code);
        Py_XDECREF(name);
        if (rc < 0) {
            return -1;
        }
    }
    return 0;
}

static int
ensure_code_tables(pyssl_state *st)
{
    if (st->lib_codes_to_names != NULL) {
        return 0;
    }
    if (build_code_tables(st) < 0) {
        /* All or nothing: the next use tries again. */
        Py_CLEAR(st->err_codes_to_names);
        Py_CLEAR(st->err_names_to_codes);
        Py_CLEAR(st->lib_codes_to_names);
        return -1;
    }
    return 0;
}

static const char *const lazy_names[] = {
    "err_codes_to_names", "err_names_to_codes", "lib_codes_to_names", NULL};

/* Module __getattr__ (PEP 562): only reached for names not in the module's
 * dict, so it costs nothing on other attributes. */
static PyObject *
module_getattr(PyObject *module, PyObject *name)
{
    pyssl_state *st = pyssl_get_state(module);
    PyObject **tables[] = {&st->err_codes_to_names, &st->err_names_to_codes,
                           &st->lib_codes_to_names};
    for (int i = 0; lazy_names[i] != NULL; i++) {
        if (PyUnicode_Check(name) &&
            PyUnicode_CompareWithASCIIString(name, lazy_names[i]) == 0) {
            return ensure_code_tables(st) < 0 ? NULL : Py_NewRef(*tables[i]);
        }
    }
    const char *modname = PyModule_GetName(module);
    if (modname != NULL) {
        PyErr_Format(PyExc_AttributeError, "module '%s' has no attribute '%S'",
                     modname, name);
    }
    return NULL;
}

static PyObject *
module_dir(PyObject *module, PyObject *unused)
{
    PyObject *dict = PyModule_GetDict(module); /* borrowed */
    PyObject *names = dict ? PyDict_Keys(dict) : NULL;
    for (int i = 0; names != NULL && lazy_names[i] != NULL; i++) {
        PyObject *s = PyUnicode_FromString(lazy_names[i]);
        if (s == NULL || PyList_Append(names, s) < 0) {
            Py_CLEAR(names);
        }
        Py_XDECREF(s);
    }
    if (names != NULL && PyList_Sort(names) < 0) {
        Py_CLEAR(names);
    }
    return names;
}

static PyMethodDef lazy_table_methods[] = {
    {"__getattr__", module_getattr, METH_O, NULL},
    {"__dir__", module_dir, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

int
pyssl_errors_init(PyObject *module, pyssl_state *st)
{
    if (add_exceptions(module, st) < 0) {
        return -1;
    }
    return PyModule_AddFunctions(module, lazy_table_methods);
}

/* ------------------------------------------------------------------------ */
/* Raising                                                                  */

static const char *
base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Borrowed references to the lib and reason mnemonics of errcode, or NULL
 * where the tables have none. Returns -1 only on a Python error. */
static int
lookup_names(pyssl_state *st, unsigned long errcode, PyObject **lib_obj,
             PyObject **reason_obj)
{
    *lib_obj = *reason_obj = NULL;
    if (errcode == 0) {
        return 0;
    }
    if (ensure_code_tables(st) < 0) {
        return -1;
    }
    PyObject *key =
        Py_BuildValue("ii", ERR_GET_LIB(errcode), ERR_GET_REASON(errcode));
    if (key == NULL) {
        return -1;
    }
    *reason_obj = PyDict_GetItemWithError(st->err_codes_to_names, key);
    Py_DECREF(key);
    if (*reason_obj == NULL && PyErr_Occurred()) {
        return -1;
    }
    key = PyLong_FromLong(ERR_GET_LIB(errcode));
    if (key == NULL) {
        return -1;
    }
    *lib_obj = PyDict_GetItemWithError(st->lib_codes_to_names, key);
    Py_DECREF(key);
    if (*lib_obj == NULL && PyErr_Occurred()) {
        return -1;
    }
    return 0;
}

/* The verify_message of a failed certificate check; new reference. */
static PyObject *
verify_message(PySSLSocket *sslsock, long code)
{
    PyObject *host =
        sslsock->server_hostname ? sslsock->server_hostname : Py_None;
    switch (code) {
    case X509_V_ERR_HOSTNAME_MISMATCH:
        return PyUnicode_FromFormat(
            "Hostname mismatch, certificate is not valid for '%S'.", host);
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
        return PyUnicode_FromFormat(
            "IP address mismatch, certificate is not valid for '%S'.", host);
    default: {
        const char *s = X509_verify_cert_error_string(code);
        return s ? PyUnicode_FromString(s) : Py_NewRef(Py_None);
    }
    }
}

static PyObject *
format_message(PyObject *lib_obj, PyObject *reason_obj, const char *errstr,
               PyObject *verify_obj, const char *file, int line)
{
    file = base_name(file);
    if (verify_obj && verify_obj != Py_None && lib_obj && reason_obj) {
        return PyUnicode_FromFormat("[%S: %S] %s: %S (%s:%d)", lib_obj,
                                    reason_obj, errstr, verify_obj, file,
                                    line);
    }
    if (lib_obj && reason_obj) {
        return PyUnicode_FromFormat("[%S: %S] %s (%s:%d)", lib_obj, reason_obj,
                                    errstr, file, line);
    }
    if (lib_obj) {
        return PyUnicode_FromFormat("[%S] %s (%s:%d)", lib_obj, errstr, file,
                                    line);
    }
    return PyUnicode_FromFormat("%s (%s:%d)", errstr, file, line);
}

/* The (py_errno, message) tuple for an error with no library or reason,
 * raised at file:line (new reference), from a small cache in the module
 * state that threads share.  A slot is filled once, its args pointer
 * last, and never changed after: a reader that sees the pointer (an
 * acquire load) sees the rest, and needs no lock, which two threads that
 * raise SSLWantReadError all the time would fight over.  Filling is
 * serialised by plain_error_lock.  errstr and file are string literals,
 * so their addresses identify them. */
static PyObject *
plain_error_published(pyssl_state *st, int i)
{
    return PYSSL_LOAD_ACQUIRE(&st->plain_error_args[i].args);
}

static PyObject *
plain_error_lookup(pyssl_state *st, int py_errno, const char *errstr,
                   const char *file, int line)
{
    for (int i = 0; i < PYSSL_PLAIN_ERROR_SLOTS; i++) {
        PyObject *args = plain_error_published(st, i);
        if (args == NULL) {
            return NULL; /* slots fill in order: the rest are empty */
        }
        if (st->plain_error_args[i].errstr == errstr &&
            st->plain_error_args[i].file == file &&
            st->plain_error_args[i].line == line &&
            st->plain_error_args[i].py_errno == py_errno) {
            return Py_NewRef(args);
        }
    }
    return NULL;
}

/* Fill the next slot with args, unless another thread has cached the
 * same call site meanwhile or all are taken. */
static void
plain_error_fill(pyssl_state *st, PyObject *args, int py_errno,
                 const char *errstr, const char *file, int line)
{
    pyssl_ft_mutex_lock(&st->plain_error_lock);
    PyObject *had = plain_error_lookup(st, py_errno, errstr, file, line);
    int slot = st->plain_error_used;
    assert(slot >= 0 && slot <= PYSSL_PLAIN_ERROR_SLOTS);
    /* Slots fill in order: the first free one is unpublished. */
    assert(slot == PYSSL_PLAIN_ERROR_SLOTS ||
           plain_error_published(st, slot) == NULL);
    if (had == NULL && slot < PYSSL_PLAIN_ERROR_SLOTS) {
        st->plain_error_args[slot].errstr = errstr;
        st->plain_error_args[slot].file = file;
        st->plain_error_args[slot].line = line;
        st->plain_error_args[slot].py_errno = py_errno;
        PYSSL_STORE_RELEASE(&st->plain_error_args[slot].args, Py_NewRef(args));
        st->plain_error_used = slot + 1;
    }
    pyssl_ft_mutex_unlock(&st->plain_error_lock);
    Py_XDECREF(had); /* a tuple of an int and a str: no finalizer */
}

static PyObject *
plain_error_args(pyssl_state *st, int py_errno, const char *errstr,
                 const char *file, int line)
{
    PyObject *args = plain_error_lookup(st, py_errno, errstr, file, line);
    if (args != NULL) {
        return args;
    }
    PyObject *msg = format_message(NULL, NULL, errstr, NULL, file, line);
    if (msg == NULL) {
        return NULL;
    }
    args = Py_BuildValue("(iN)", py_errno, msg);
    if (args != NULL) {
        plain_error_fill(st, args, py_errno, errstr, file, line);
    }
    return args;
}

/* Create and raise `type` for errcode: args are (py_errno, message), with
 * library, reason and, for verification failures, verify_code and
 * verify_message attributes. */
static void
raise_ssl_exception(pyssl_state *st, PySSLSocket *sslsock, PyObject *type,
                    int py_errno, const char *errstr, unsigned long errcode,
                    const char *file, int line)
{
    PyObject *lib_obj, *reason_obj, *verify_code = NULL, *verify_obj = NULL;
    PyObject *msg = NULL, *exc = NULL;

    if (lookup_names(st, errcode, &lib_obj, &reason_obj) < 0) {
        return;
    }
    if (errstr == NULL && errcode != 0) {
        errstr = ERR_reason_error_string(errcode);
    }
    if (errstr == NULL) {
        errstr = "unknown error";
    }
    if (sslsock != NULL && type == st->SSLCertVerificationError) {
        long code = SSL_get_verify_result(sslsock->ssl);
        verify_code = PyLong_FromLong(code);
        verify_obj = verify_code ? verify_message(sslsock, code) : NULL;
        if (verify_obj == NULL) {
            goto done;
        }
    }
    if (lib_obj == NULL && reason_obj == NULL && verify_obj == NULL) {
        /* Nothing from OpenSSL's tables: the class's library and reason
         * (None) stand, and the arguments are the call site's. */
        PyObject *args = plain_error_args(st, py_errno, errstr, file, line);
        exc = args ? PyObject_Call(type, args, NULL) : NULL;
        Py_XDECREF(args);
        if (exc != NULL) {
            PyErr_SetObject(type, exc);
        }
        goto done;
    }
    msg = format_message(lib_obj, reason_obj, errstr, verify_obj, file, line);
    if (msg == NULL) {
        goto done;
    }
    exc = PyObject_CallFunction(type, "iO", py_errno, msg);
    if (exc == NULL) {
        goto done;
    }
    if (PyObject_SetAttrString(exc, "reason",
                               reason_obj ? reason_obj : Py_None) < 0 ||
        PyObject_SetAttrString(exc, "library", lib_obj ? lib_obj : Py_None) <
            0) {
        goto done;
    }
    if (verify_obj != NULL &&
        (PyObject_SetAttrString(exc, "verify_code", verify_code) < 0 ||
         PyObject_SetAttrString(exc, "verify_message", verify_obj) < 0)) {
        goto done;
    }
    PyErr_SetObject(type, exc);
done:
    Py_XDECREF(exc);
    Py_XDECREF(msg);
    Py_XDECREF(verify_code);
    Py_XDECREF(verify_obj);
}

static PyObject *
type_for_code(pyssl_state *st, unsigned long errcode)
{
    if (ERR_GET_LIB(errcode) == ERR_LIB_SSL &&
        ERR_GET_REASON(errcode) == SSL_R_CERTIFICATE_VERIFY_FAILED) {
        return st->SSLCertVerificationError;
    }
    return st->SSLError;
}

PyObject *
pyssl_set_ssl_error(pyssl_state *st, const char *msg, unsigned long errcode,
                    const char *file, int line)
{
    PYSSL_ASSERT_GIL();
    assert(st != NULL);
    if (errcode == 0) {
        errcode = ERR_peek_last_error();
    }
    raise_ssl_exception(st, NULL, type_for_code(st, errcode),
                        errcode ? (int)ERR_GET_REASON(errcode)
                                : PY_SSL_ERROR_SSL,
                        errcode ? NULL : msg, errcode, file, line);
    ERR_clear_error();
    assert(PyErr_Occurred()); /* the SSLError, or what stopped making it */
    return NULL;
}

PyObject *
pyssl_raise(pyssl_state *st, PyObject *type, int code, const char *msg)
{
    PYSSL_ASSERT_GIL();
    assert(msg != NULL);
    PyObject *exc =
        PyObject_CallFunction(type ? type : st->SSLError, "is", code, msg);
    if (exc != NULL) {
        PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
        Py_DECREF(exc);
    }
    assert(PyErr_Occurred());
    return NULL;
}

/* Is the socket under sslsock gone (closed and collected)? */
static int
socket_is_gone(PySSLSocket *sslsock)
{
    PyObject *sock;
    if (sslsock->sock == NULL) {
        return 0; /* memory BIOs */
    }
    if (PyWeakref_GetRef(sslsock->sock, &sock) <= 0) {
        PyErr_Clear();
        return 1;
    }
    Py_DECREF(sock);
    return 0;
}

static int
is_unexpected_eof(unsigned long e)
{
#ifdef SSL_R_UNEXPECTED_EOF_WHILE_READING
    return ERR_GET_LIB(e) == ERR_LIB_SSL &&
           ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
#else
    (void)e;
    return 0;
#endif
}

/* A failed socket call is an OSError with its code (BrokenPipeError,
 * ConnectionResetError...), whether errno (or WSAGetLastError) reports it
 * or OpenSSL 3 queues it as a system error whose reason is that code (3.2+
 * does so for socket BIOs).  Clears the queue; chains a parked exception. */
static PyObject *
raise_socket_oserror(PySSLSocket *sslsock, int code)
{
    ERR_clear_error();
    pyssl_socket_oserror(code);
    pyssl_reraise_parked(sslsock);
    return NULL;
}

PyObject *
pyssl_set_socket_error(PySSLSocket *sslsock, const pyssl_err *err, int ret,
                       const char *file, int line)
{
    pyssl_state *st = sslsock->state;
    PyObject *type = st->SSLError;
    const char *errstr = NULL;
    int p;
    PYSSL_ASSERT_GIL();
    assert(sslsock->ssl != NULL && err != NULL);
    /* SSL_get_error only says WANT_* while the error queue is empty, so
     * there is no library or reason to look up and nothing to clear: the
     * cheap path, unless something queued an error since. */
    if ((err->ssl == SSL_ERROR_WANT_READ ||
         err->ssl == SSL_ERROR_WANT_WRITE) &&
        ERR_peek_error() == 0) {
        return pyssl_raise_want_at(sslsock,
                                   err->ssl == SSL_ERROR_WANT_READ
                                       ? PY_SSL_ERROR_WANT_READ
                                       : PY_SSL_ERROR_WANT_WRITE,
                                   file, line);
    }
    unsigned long e = ERR_peek_last_error();

    switch (err->ssl) {
    case SSL_ERROR_ZERO_RETURN:
        p = PY_SSL_ERROR_ZERO_RETURN;
        type = st->SSLZeroReturnError;
        errstr = "TLS/SSL connection has been closed (EOF)";
        break;
    case SSL_ERROR_WANT_READ:
        p = PY_SSL_ERROR_WANT_READ;
        type = st->SSLWantReadError;
        errstr = "The operation did not complete (read)";
        break;
    case SSL_ERROR_WANT_WRITE:
        p = PY_SSL_ERROR_WANT_WRITE;
        type = st->SSLWantWriteError;
        errstr = "The operation did not complete (write)";
        break;
    case SSL_ERROR_WANT_X509_LOOKUP:
        p = PY_SSL_ERROR_WANT_X509_LOOKUP;
        errstr = "The operation did not complete (X509 lookup)";
        break;
    case SSL_ERROR_WANT_CONNECT:
        p = PY_SSL_ERROR_WANT_CONNECT;
        errstr = "The operation did not complete (connect)";
        break;
    case SSL_ERROR_SYSCALL:
        if (e != 0 && ERR_GET_LIB(e) == ERR_LIB_SYS) {
            return raise_socket_oserror(sslsock, ERR_GET_REASON(e));
        }
        if (e != 0) {
            p = PY_SSL_ERROR_SYSCALL;
            type = st->SSLSyscallError;
        }
        else if (ret == -1 && err->c != 0 && !socket_is_gone(sslsock)) {
            /* The socket BIO failed: that is an OSError with its errno. */
            return raise_socket_oserror(sslsock, err->c);
        }
        else {
            p = PY_SSL_ERROR_EOF;
            type = st->SSLEOFError;
            errstr = "EOF occurred in violation of protocol";
        }
        break;
    case SSL_ERROR_SSL:
        p = PY_SSL_ERROR_SSL;
        if (e == 0) {
            errstr = "A failure in the SSL library occurred";
        }
        else if (ERR_GET_LIB(e) == ERR_LIB_SYS) {
            return raise_socket_oserror(sslsock, ERR_GET_REASON(e));
        }
        else if (is_unexpected_eof(e)) {
            p = PY_SSL_ERROR_EOF;
            type = st->SSLEOFError;
            errstr = "EOF occurred in violation of protocol";
        }
        else {
            type = type_for_code(st, e);
        }
        break;
    default:
        p = PY_SSL_ERROR_INVALID_ERROR_CODE;
        errstr = "Invalid error code";
    }
    if (type == st->SSLEOFError) {
        PYSSL_STORE_FLAG(&sslsock->got_eof, 1);
    }
    raise_ssl_exception(st, sslsock, type, p, errstr, e, file, line);
    ERR_clear_error();
    pyssl_reraise_parked(sslsock);
    assert(PyErr_Occurred());
    return NULL;
}

/* type(*args) for an SSLError subclass.  While its __init__ is still
 * OSError's, OSError's tp_new does all the work (the __init__ then does
 * nothing), and calling it alone skips the generic call machinery. */
static PyObject *
new_plain_exception(PyObject *type, PyObject *args)
{
    PyTypeObject *tp = (PyTypeObject *)type;
    if (tp->tp_init != ((PyTypeObject *)PyExc_OSError)->tp_init ||
        tp->tp_new != ((PyTypeObject *)PyExc_OSError)->tp_new) {
        return PyObject_Call(type, args, NULL);
    }
    return tp->tp_new(tp, args, NULL);
}

/* The cheap "no data yet" (gh-123954): event loops read until this is
 * raised, so half their reads end here.  The message and its args tuple
 * come from the per-call-site cache; nothing of OpenSSL is asked. */
PyObject *
pyssl_raise_want_at(PySSLSocket *sslsock, int which, const char *file,
                    int line)
{
    pyssl_state *st = sslsock->state;
    PyObject *type = st->SSLWantWriteError;
    const char *errstr = "The operation did not complete (write)";
    PYSSL_ASSERT_GIL();
    assert(which == PY_SSL_ERROR_WANT_READ ||
           which == PY_SSL_ERROR_WANT_WRITE);
    if (which == PY_SSL_ERROR_WANT_READ) {
        type = st->SSLWantReadError;
        errstr = "The operation did not complete (read)";
    }
    PyObject *args = plain_error_args(st, which, errstr, file, line);
    PyObject *exc = args ? new_plain_exception(type, args) : NULL;
    Py_XDECREF(args); /* a new reference, from the cache or just made */
    if (exc != NULL) {
        PyErr_SetObject(type, exc);
        Py_DECREF(exc);
    }
    pyssl_reraise_parked(sslsock);
    assert(PyErr_Occurred());
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Exceptions from callbacks                                                */

void
pyssl_park_exception(PySSLSocket *sslsock)
{
    PYSSL_ASSERT_GIL();
    PyObject *exc = PyErr_GetRaisedException();
    if (exc == NULL) {
        return;
    }
    /* Two threads may park at once (reader and writer of one SSL). */
    PYSSL_BEGIN_CS(sslsock);
    if (sslsock->exc != NULL) {
        /* The newest is raised, with the earlier one as its __context__,
         * as Python chains an exception raised while another was handled:
         * the first is the cause of whatever followed, and stays visible. */
        PyException_SetContext(exc, sslsock->exc);
        sslsock->exc = NULL;
    }
    sslsock->exc = exc;
    PYSSL_END_CS();
}

int
pyssl_reraise_parked(PySSLSocket *sslsock)
{
    PYSSL_ASSERT_GIL();
    PyObject *parked = pyssl_field_take((PyObject *)sslsock, &sslsock->exc);
    if (parked == NULL) {
        return 0;
    }
    PyObject *current = PyErr_GetRaisedException();
    if (current == NULL) {
        /* OpenSSL went on regardless: the callback's exception is the error. */
        PyErr_SetRaisedException(parked);
        return -1;
    }
    /* What OpenSSL reported is raised, with the callback's exception that
     * caused it as its context. */
    if (current != parked) {
        PyException_SetContext(current, parked); /* steals parked */
    }
    else {
        Py_DECREF(parked);
    }
    PyErr_SetRaisedException(current);
    return -1;
}
