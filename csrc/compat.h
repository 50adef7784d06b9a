/* compat.h: the few shims older CPython and OpenSSL 1.1.1 need.
 *
 * Every version check against the interpreter lives here, so the rest of
 * csrc/ is written against the newest public C API.
 */
#ifndef PYSSL_COMPAT_H
#define PYSSL_COMPAT_H

#include <Python.h>

/* Type flags that appeared after 3.8.  Where DISALLOW_INSTANTIATION is
 * missing, pyssl_new_type() (below) gives such a type a tp_new that
 * refuses instead. */
#ifndef Py_TPFLAGS_IMMUTABLETYPE
#  define Py_TPFLAGS_IMMUTABLETYPE 0
#endif
#ifndef Py_TPFLAGS_DISALLOW_INSTANTIATION
#  define Py_TPFLAGS_DISALLOW_INSTANTIATION 0
#  define PYSSL_NEED_TP_NEW_NULL 1
#endif

/* 3.8's PyType_FromSpec ignores __weaklistoffset__ and __dictoffset__
 * members: pyssl_new_type sets the offsets from them by hand. */
#if PY_VERSION_HEX < 0x03090000
#  define PYSSL_NEED_OFFSET_MEMBERS 1
#endif

/* 3.9: vectorcall is public (PyObject_Vectorcall, Py_TPFLAGS_HAVE_VECTORCALL,
 * a __vectorcalloffset__ member). */
#if PY_VERSION_HEX >= 0x03090000
#  define PYSSL_HAVE_VECTORCALL 1
#endif

#if PY_VERSION_HEX < 0x030A0000
static inline PyObject *
Py_NewRef(PyObject *o)
{
    Py_INCREF(o);
    return o;
}
static inline PyObject *
Py_XNewRef(PyObject *o)
{
    Py_XINCREF(o);
    return o;
}
#endif

/* PyDict_GetItemRef() is 3.13: 1 and a new reference in *result, 0 with
 * *result NULL if the key is missing, -1 on error. */
#if PY_VERSION_HEX < 0x030D0000
static inline int
PyDict_GetItemRef(PyObject *dict, PyObject *key, PyObject **result)
{
    PyObject *v = PyDict_GetItemWithError(dict, key);
    *result = Py_XNewRef(v);
    return v != NULL ? 1 : (PyErr_Occurred() ? -1 : 0);
}
#endif

/* PyWeakref_GetRef() is 3.13; PyWeakref_GetObject() is deprecated there.
 * Returns 1 and a new reference in *pobj, 0 with *pobj NULL if dead,
 * -1 on error. */
#if PY_VERSION_HEX < 0x030D0000
static inline int
PyWeakref_GetRef(PyObject *ref, PyObject **pobj)
{
    PyObject *o;
    if (ref == NULL || !PyWeakref_Check(ref)) {
        *pobj = NULL;
        PyErr_SetString(PyExc_TypeError, "expected a weakref");
        return -1;
    }
    o = PyWeakref_GetObject(ref);
    if (o == Py_None) {
        *pobj = NULL;
        return 0;
    }
    Py_INCREF(o);
    *pobj = o;
    return 1;
}
#endif

/* PyLong_AsInt() is public from 3.13 on. */
#if PY_VERSION_HEX < 0x030D0000
static inline int
PyLong_AsInt(PyObject *obj)
{
    int overflow;
    long v = PyLong_AsLongAndOverflow(obj, &overflow);
    if (overflow || v > INT_MAX || v < INT_MIN) {
        PyErr_SetString(PyExc_OverflowError,
                        "Python int too large to convert to C int");
        return -1;
    }
    return (int)v;
}
#endif

/* PyModule_AddObjectRef() is 3.10; this one never steals. */
#if PY_VERSION_HEX < 0x030A0000
static inline int
PyModule_AddObjectRef(PyObject *mod, const char *name, PyObject *value)
{
    if (value == NULL) {
        return -1;
    }
    Py_INCREF(value);
    if (PyModule_AddObject(mod, name, value) < 0) {
        Py_DECREF(value);
        return -1;
    }
    return 0;
}
#endif

/* The module state of a type's methods.  3.9 added
 * PyType_FromModuleAndSpec()/PyType_GetModuleState(); on 3.8 the one module
 * object's state is remembered when the module executes (pyssl supports one
 * interpreter there, as 3.8's own _ssl does). */
/* 3.14 raises ValueError, not OverflowError, for a negative
 * SSLContext.options; each interpreter's own test_ssl checks its way. */
#if PY_VERSION_HEX >= 0x030E0000
#  define PYSSL_NEGATIVE_OPTIONS_VALUEERROR 1
#endif

#if PY_VERSION_HEX >= 0x03090000
#  define PYSSL_HAVE_MODULE_TYPES 1
#else
extern void *pyssl_legacy_state;
static inline void *
PyType_GetModuleState(PyTypeObject *type)
{
    (void)type;
    return pyssl_legacy_state;
}
static inline PyObject *
PyType_FromModuleAndSpec(PyObject *mod, PyType_Spec *spec, PyObject *bases)
{
    (void)mod;
    return PyType_FromSpecWithBases(spec, bases);
}
#endif

/* Exceptions raised inside OpenSSL callbacks are parked and later chained:
 * PyErr_GetRaisedException() is 3.12; the fetch/restore triple works on all. */
#if PY_VERSION_HEX < 0x030C0000
static inline PyObject *
PyErr_GetRaisedException(void)
{
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    if (type == NULL) {
        return NULL;
    }
    PyErr_NormalizeException(&type, &value, &tb);
    if (tb != NULL) {
        PyException_SetTraceback(value, tb);
        Py_DECREF(tb);
    }
    Py_DECREF(type);
    return value;
}
static inline void
PyErr_SetRaisedException(PyObject *exc)
{
    if (exc == NULL) {
        PyErr_Clear();
        return;
    }
    PyErr_Restore(Py_NewRef((PyObject *)Py_TYPE(exc)), exc,
                  PyException_GetTraceback(exc));
}
#endif

/* Heap types on every interpreter: PyType_FromModuleAndSpec, plus what
 * 3.8 and 3.9 lack (the weak-reference offset, DISALLOW_INSTANTIATION). */
#include <structmember.h>
#include <string.h>

#ifdef PYSSL_NEED_TP_NEW_NULL
static inline PyObject *
pyssl_no_instances(PyTypeObject *type, PyObject *args, PyObject *kwds)
{
    PyErr_Format(PyExc_TypeError, "cannot create '%s' instances",
                 type->tp_name);
    return NULL;
}
#endif

static inline int
pyssl_spec_has_slot(PyType_Spec *spec, int slot)
{
    for (PyType_Slot *s = spec->slots; s->slot; s++) {
        if (s->slot == slot) {
            return 1;
        }
    }
    return 0;
}

static inline PyTypeObject *
pyssl_new_type(PyObject *module, PyType_Spec *spec)
{
    PyObject *type = PyType_FromModuleAndSpec(module, spec, NULL);
    if (type == NULL) {
        return NULL;
    }
#ifdef PYSSL_NEED_OFFSET_MEMBERS
    for (PyType_Slot *s = spec->slots; s->slot; s++) {
        PyMemberDef *m = s->slot == Py_tp_members ? s->pfunc : NULL;
        for (; m != NULL && m->name != NULL; m++) {
            if (strcmp(m->name, "__weaklistoffset__") == 0) {
                ((PyTypeObject *)type)->tp_weaklistoffset = m->offset;
            }
            else if (strcmp(m->name, "__dictoffset__") == 0) {
                ((PyTypeObject *)type)->tp_dictoffset = m->offset;
            }
        }
    }
#endif
#ifdef PYSSL_NEED_TP_NEW_NULL
    /* No Py_TPFLAGS_DISALLOW_INSTANTIATION yet: a type without its own
     * tp_new must still refuse to be called. */
    if (!pyssl_spec_has_slot(spec, Py_tp_new)) {
        ((PyTypeObject *)type)->tp_new = pyssl_no_instances;
    }
#else
    (void)pyssl_spec_has_slot;
#endif
    return (PyTypeObject *)type;
}

/* --- Free-threading (3.13t) ---------------------------------------------
 * Where the GIL used to make a read-modify-write of an object's fields
 * atomic, a free-threaded build needs the object's critical section (the
 * per-object lock CPython 3.14's _ssl takes too): it is let go whenever
 * the thread detaches (Py_BEGIN_ALLOW_THREADS, a blocking wait), so it can
 * never deadlock with the connection or context locks, which are only
 * ever waited for detached.  On a GIL build (and before 3.13) both macros
 * are a bare block and cost nothing. */
#if PY_VERSION_HEX >= 0x030D0000 && defined(Py_GIL_DISABLED)
#  define PYSSL_BEGIN_CS(op) Py_BEGIN_CRITICAL_SECTION(op)
#  define PYSSL_END_CS() Py_END_CRITICAL_SECTION()
#  define PYSSL_BEGIN_CS2(a, b) Py_BEGIN_CRITICAL_SECTION2(a, b)
#  define PYSSL_END_CS2() Py_END_CRITICAL_SECTION2()
#else
#  define PYSSL_BEGIN_CS(op) {
#  define PYSSL_END_CS() }
#  define PYSSL_BEGIN_CS2(a, b) {
#  define PYSSL_END_CS2() }
#endif

/* A lock for module-wide data (no object to take a critical section on):
 * PyMutex, which detaches while it waits, on a free-threaded build; the
 * GIL does its job elsewhere. */
#ifdef Py_GIL_DISABLED
typedef PyMutex pyssl_ft_mutex;
#  define pyssl_ft_mutex_lock(m) PyMutex_Lock(m)
#  define pyssl_ft_mutex_unlock(m) PyMutex_Unlock(m)
#else
typedef char pyssl_ft_mutex;
#  define pyssl_ft_mutex_lock(m) ((void)(m))
#  define pyssl_ft_mutex_unlock(m) ((void)(m))
#endif

/* A flag or pointer one thread may store while another loads it (a
 * context's check_hostname while connections are wrapped, a socket's
 * got_eof between its reader and writer): relaxed atomic accesses, so
 * neither can tear and ThreadSanitizer sees no data race.  Plain accesses
 * where the compiler has no __atomic builtins. */
#ifdef __GNUC__
#  define PYSSL_LOAD_FLAG(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#  define PYSSL_STORE_FLAG(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#else
#  define PYSSL_LOAD_FLAG(p) (*(p))
#  define PYSSL_STORE_FLAG(p, v) ((void)(*(p) = (v)))
#endif
/* A pointer published once its object is complete: the store releases,
 * the load acquires, so a reader that sees it sees what it points to. */
#ifdef __GNUC__
#  define PYSSL_LOAD_ACQUIRE(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#  define PYSSL_STORE_RELEASE(p, v) \
    __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#else
#  define PYSSL_LOAD_ACQUIRE(p) (*(p))
#  define PYSSL_STORE_RELEASE(p, v) ((void)(*(p) = (v)))
#endif

/* The module slot that tells a free-threaded interpreter pyssl does not
 * need the GIL; nothing elsewhere. */
#ifdef Py_GIL_DISABLED
#  define PYSSL_MOD_GIL_SLOT {Py_mod_gil, Py_MOD_GIL_NOT_USED},
#else
#  define PYSSL_MOD_GIL_SLOT
#endif

/* Executable invariants: assert(), on in PYSSL_DEBUG and sanitizer builds
 * (-UNDEBUG), compiled out of release builds (NDEBUG).
 * PYSSL_ASSERT_GIL(): this thread may use the C API.  PyGILState_Check()
 * says so on every build: on a free-threaded one it is true exactly while
 * the thread's state is attached (Py_BEGIN_ALLOW_THREADS detaches it), and
 * where it cannot tell (its check is switched off once a subinterpreter
 * exists) it answers 1, so the assert never fires wrongly.
 * PYSSL_ASSERT_NO_GIL(): this thread has let go of the GIL (detached).
 * PyGILState_Check() cannot say "no" reliably, for that same reason: only
 * 3.13's PyThreadState_GetUnchecked() can (NULL once detached); before
 * it the check is skipped. */
#include <assert.h>
#define PYSSL_ASSERT_GIL() assert(PyGILState_Check())
#if PY_VERSION_HEX >= 0x030D0000
#  define PYSSL_ASSERT_NO_GIL() assert(PyThreadState_GetUnchecked() == NULL)
#else
#  define PYSSL_ASSERT_NO_GIL() ((void)0)
#endif

/* --- OpenSSL ----------------------------------------------------------- */
#include <openssl/opensslv.h>

#if OPENSSL_VERSION_NUMBER < 0x10101000L
#  error "pyssl needs OpenSSL 1.1.1 or newer"
#endif

/* Every OpenSSL version check of csrc/ is one of these names (ci/lint-c.sh
 * refuses a raw OPENSSL_VERSION_NUMBER or PY_VERSION_HEX comparison
 * anywhere else), each named for what the release brought. */

/* 3.0: SSL_get1_peer_certificate, EVP_PKEY DH parameters, SSL_sendfile and
 * kTLS, SSL_get_negotiated_group, X509_LOOKUP_store, the decoders. */
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
#  define PYSSL_OPENSSL_3 1
#endif
/* 3.2: SSL_get0_group_name; the SSL_CERT_URI default store variable. */
#if OPENSSL_VERSION_NUMBER >= 0x30200000L
#  define PYSSL_HAS_GROUP_NAME 1
#  define PYSSL_HAS_SSL_CERT_URI 1
#endif
/* 3.3: X509_STORE_get1_objects, a copy taken under the store's lock. */
#if OPENSSL_VERSION_NUMBER >= 0x30300000L
#  define PYSSL_HAS_STORE_GET1_OBJECTS 1
#endif
/* 3.4: SSL_get1_builtin_sigalgs. */
#if OPENSSL_VERSION_NUMBER >= 0x30400000L
#  define PYSSL_HAS_BUILTIN_SIGALGS 1
#endif
/* 3.5: SSL_get0_signature_name, SSL_CTX_get0_implemented_groups. */
#if OPENSSL_VERSION_NUMBER >= 0x30500000L
#  define PYSSL_HAS_SIGNATURE_NAME 1
#  define PYSSL_HAS_IMPLEMENTED_GROUPS 1
#endif
/* Before 1.1.1l, SSL_new did not copy the context's host flags. */
#if OPENSSL_VERSION_NUMBER < 0x101010cfL
#  define PYSSL_SSL_NEW_DROPS_HOSTFLAGS 1
#endif

#endif /* PYSSL_COMPAT_H */
