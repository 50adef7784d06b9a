/* platform.h: what waiting on a socket, and a mutex, mean on POSIX and on
 * Windows.
 *
 * socket.c waits for its fd, measures deadlines and turns a failed socket
 * call into an OSError through these few functions; nothing else in csrc/
 * needs to know which system it runs on for socket I/O.  As in CPython's
 * _ssl (PySSL_select, _PySSLError.ws):
 *  - the wait is poll() on POSIX and select() on Windows, where WSAPoll
 *    missed a failed connection on older releases and fd_set is a list of
 *    sockets, not a bitmap bounded by FD_SETSIZE;
 *  - a socket call reports its failure in errno on POSIX and through
 *    WSAGetLastError() on Windows; that code becomes the OSError (on
 *    Windows its winerror, from which Python derives errno and the
 *    subclass, e.g. ConnectionResetError for WSAECONNRESET);
 *  - the deadline clock is CLOCK_MONOTONIC or QueryPerformanceCounter;
 *  - the plain mutex of the connection lock and the MemoryBIO queues
 *    (pyssl_mutex) is pthread's on POSIX; Windows has PyThread's lock
 *    until it gets its own (an SRWLOCK would be the match) here.
 * The never-blocking socket gate is POSIX only: see sockbio.c for why.
 */
#ifndef PYSSL_PLATFORM_H
#define PYSSL_PLATFORM_H

#include <Python.h>
#include <assert.h>
#include <stdint.h>

#ifdef _WIN32
#  include <winsock2.h>
#  include <windows.h>
#else
#  include <errno.h>
#  include <poll.h>
#  include <pthread.h>
#  include <time.h>
#endif
#include <pythread.h>

/* Nanoseconds on a clock that never goes back, for deadlines. */
static inline int64_t
pyssl_monotonic_ns(void)
{
#ifdef _WIN32
    LARGE_INTEGER freq, now;
    QueryPerformanceFrequency(&freq); /* never fails since Windows XP */
    QueryPerformanceCounter(&now);
    /* Split the division so that ticks * 1e9 cannot overflow. */
    int64_t f = freq.QuadPart, t = now.QuadPart;
    return (t / f) * 1000000000 + (t % f) * 1000000000 / f;
#else
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
#endif
}

/* The error code of the socket call that just failed.  Read it before
 * anything else can overwrite it. */
static inline int
pyssl_socket_errno(void)
{
#ifdef _WIN32
    return WSAGetLastError();
#else
    return errno;
#endif
}

/* Whether a wait failed only because a signal interrupted it. */
static inline int
pyssl_socket_eintr(int e)
{
#ifdef _WIN32
    return e == WSAEINTR;
#else
    return e == EINTR;
#endif
}

/* Raise the OSError for socket error code e (from pyssl_socket_errno, or
 * an OpenSSL ERR_LIB_SYS reason, which is the same code); returns NULL. */
static inline PyObject *
pyssl_socket_oserror(int e)
{
#ifdef _WIN32
    return PyErr_SetExcFromWindowsErr(PyExc_OSError, e);
#else
    errno = e;
    return PyErr_SetFromErrno(PyExc_OSError);
#endif
}

/* Wait up to ms milliseconds (-1: forever) until fd can be read, or
 * written if writing.  Call without the GIL.  Returns > 0 when ready, 0 on
 * timeout, < 0 on failure with the code in pyssl_socket_errno(). */
static inline int
pyssl_wait_socket(int fd, int writing, int ms)
{
    PYSSL_ASSERT_NO_GIL();
    assert(fd >= 0 && ms >= -1);
#ifdef _WIN32
    /* CPython hands Windows sockets to OpenSSL as an int, too. */
    SOCKET s = (SOCKET)fd;
    fd_set fds;
    struct timeval tv, *tvp = NULL;
    FD_ZERO(&fds);
    FD_SET(s, &fds);
    if (ms >= 0) {
        tv.tv_sec = ms / 1000;
        tv.tv_usec = (ms % 1000) * 1000;
        tvp = &tv;
    }
    /* The first argument is ignored on Windows. */
    int rc = writing ? select(0, NULL, &fds, NULL, tvp)
                     : select(0, &fds, NULL, NULL, tvp);
    return rc == SOCKET_ERROR ? -1 : rc;
#else
    struct pollfd p;
    p.fd = fd;
    p.events = writing ? POLLOUT : POLLIN;
    p.revents = 0;
    return poll(&p, 1, ms);
#endif
}

/* A plain mutex, for the connection lock (socket.c) and the MemoryBIO
 * queues (bio.c): each is held around a few calls only, never while
 * waiting for the network, and always let go by the thread that took it.
 * A read through an SSLObject takes six of them: pthread's costs about a
 * third of PyThread's lock (callgrind: ~50 against ~156 instructions a
 * lock and unlock).  Elsewhere PyThread's lock stands in.  init returns -1
 * when it cannot make one.  Debug builds (no NDEBUG) also record the
 * holder's thread ident, for pyssl_mutex_held() in asserts. */
#ifndef _WIN32
/* On the heap, as PyThread's lock is: inline it would make every
 * _SSLSocket 40 bytes larger, and idle connections are counted. */
typedef struct {
    pthread_mutex_t *m;
#  ifndef NDEBUG
    unsigned long owner;
#  endif
} pyssl_mutex;
static inline int
pyssl_mutex_os_init(pyssl_mutex *x)
{
    x->m = PyMem_RawMalloc(sizeof(pthread_mutex_t));
    if (x->m != NULL && pthread_mutex_init(x->m, NULL) != 0) {
        PyMem_RawFree(x->m);
        x->m = NULL;
    }
    return x->m ? 0 : -1;
}
static inline void
pyssl_mutex_fini(pyssl_mutex *x)
{
    if (x->m != NULL) {
        pthread_mutex_destroy(x->m);
        PyMem_RawFree(x->m);
        x->m = NULL;
    }
}
static inline void
pyssl_mutex_os_lock(pyssl_mutex *x)
{
    pthread_mutex_lock(x->m);
}
static inline int
pyssl_mutex_os_trylock(pyssl_mutex *x)
{
    return pthread_mutex_trylock(x->m) == 0;
}
static inline void
pyssl_mutex_os_unlock(pyssl_mutex *x)
{
    pthread_mutex_unlock(x->m);
}
#else
typedef struct {
    PyThread_type_lock m;
#  ifndef NDEBUG
    unsigned long owner;
#  endif
} pyssl_mutex;
static inline int
pyssl_mutex_os_init(pyssl_mutex *x)
{
    x->m = PyThread_allocate_lock();
    return x->m ? 0 : -1;
}
static inline void
pyssl_mutex_fini(pyssl_mutex *x)
{
    if (x->m != NULL) {
        PyThread_free_lock(x->m);
        x->m = NULL;
    }
}
static inline void
pyssl_mutex_os_lock(pyssl_mutex *x)
{
    PyThread_acquire_lock(x->m, WAIT_LOCK);
}
static inline int
pyssl_mutex_os_trylock(pyssl_mutex *x)
{
    return PyThread_acquire_lock(x->m, NOWAIT_LOCK);
}
static inline void
pyssl_mutex_os_unlock(pyssl_mutex *x)
{
    PyThread_release_lock(x->m);
}
#endif

/* The holder record (debug builds): written by the holder only, read by
 * anyone, so a relaxed atomic (compat.h; included before this header by
 * pyssl.h); only the thread that stored its own ident can find it. */
#ifndef NDEBUG
#  define PYSSL_MUTEX_NOTE(x, who) PYSSL_STORE_FLAG(&(x)->owner, (who))
/* Whether this thread holds x. Only for asserts. */
static inline int
pyssl_mutex_held(pyssl_mutex *x)
{
    return PYSSL_LOAD_FLAG(&x->owner) == PyThread_get_thread_ident();
}
#else
#  define PYSSL_MUTEX_NOTE(x, who) ((void)0)
#endif

static inline int
pyssl_mutex_init(pyssl_mutex *x)
{
    PYSSL_MUTEX_NOTE(x, 0);
    return pyssl_mutex_os_init(x);
}
static inline void
pyssl_mutex_lock(pyssl_mutex *x)
{
    pyssl_mutex_os_lock(x);
    PYSSL_MUTEX_NOTE(x, PyThread_get_thread_ident());
}
static inline int
pyssl_mutex_trylock(pyssl_mutex *x)
{
    if (!pyssl_mutex_os_trylock(x)) {
        return 0;
    }
    PYSSL_MUTEX_NOTE(x, PyThread_get_thread_ident());
    return 1;
}
static inline void
pyssl_mutex_unlock(pyssl_mutex *x)
{
    assert(pyssl_mutex_held(x)); /* let go by the thread that took it */
    PYSSL_MUTEX_NOTE(x, 0);
    pyssl_mutex_os_unlock(x);
}

#endif /* PYSSL_PLATFORM_H */
