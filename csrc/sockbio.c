/* sockbio.c: the read side of an SSLSocket's socket BIO.
 *
 * SSL_set_fd gives an SSL one of OpenSSL's socket BIOs for both directions.
 * The first time a read goes on past the record it returned first
 * (read_more_records in socket.c), this filter BIO is put in front of it on
 * the read side, and stays.  It passes every call straight through, except
 * during that reading on, when it is in "no wait" mode: it takes only what
 * the kernel already holds, with recv(MSG_DONTWAIT), and otherwise asks
 * OpenSSL to retry, so SSL_read comes back with WANT_READ instead of
 * blocking.  That makes reading on safe on a blocking socket too, whatever
 * OpenSSL does between records (an empty record, a session ticket, a
 * KeyUpdate all make it read again), without touching the fd's O_NONBLOCK
 * flag, which other threads may rely on.
 *
 * Writes never go through the filter (it has no write method): the socket
 * BIO stays the SSL's wbio, so kTLS send sees it directly.  With kTLS receive on, the kernel frames
 * the records, and no-wait mode is refused (pyssl_sockbio_nowait returns 0).
 * Windows has no MSG_DONTWAIT and gets no filter at all.
 */
#include "pyssl.h"

#ifndef _WIN32

#include <errno.h>
#include <sys/socket.h>
#include <sys/types.h>

/* BIO_get_data is NULL while passing through, NOWAIT in no-wait mode. */
static char nowait_mark;
#define NOWAIT ((void *)&nowait_mark)

/* One recv that never blocks.  Nothing there yet, an interrupted call, and
 * the peer's EOF are all "retry": the next blocking read meets the EOF again
 * and reports it the usual way.  A real error (ECONNRESET) is returned as
 * one, with errno set, like the socket BIO's own. */
static int
read_nowait(BIO *b, BIO *next, char *out, int outl)
{
    int fd = -1;
    if (BIO_get_fd(next, &fd) < 0 || fd < 0) {
        return -1;
    }
    ssize_t n = recv(fd, out, (size_t)outl, MSG_DONTWAIT);
    if (n > 0) {
        return (int)n;
    }
    if (n == 0 || errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        BIO_set_retry_read(b);
    }
    return -1;
}

static int
gate_read(BIO *b, char *out, int outl)
{
    BIO *next = BIO_next(b);
    BIO_clear_retry_flags(b);
    if (next == NULL || out == NULL || outl <= 0) {
        return 0;
    }
    if (BIO_get_data(b) == NOWAIT) {
        return read_nowait(b, next, out, outl);
    }
    int n = BIO_read(next, out, outl);
    BIO_copy_next_retry(b);
    return n;
}

/* Everything else (the fd, EOF, kTLS queries) is the socket BIO's answer. */
static long
gate_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    BIO *next = BIO_next(b);
    if (next == NULL || cmd == BIO_CTRL_PUSH || cmd == BIO_CTRL_POP) {
        return 0;
    }
    return BIO_ctrl(next, cmd, num, ptr);
}

static int
gate_create(BIO *b)
{
    BIO_set_data(b, NULL);
    BIO_set_init(b, 1);
    return 1;
}

/* Made once per process, like the memory BIO's method (bio.c). */
static BIO_METHOD *gate_method;
static int gate_type;

static int
gate_method_init(void)
{
    if (gate_method != NULL) {
        return 0;
    }
    int type = BIO_get_new_index() | BIO_TYPE_FILTER;
    BIO_METHOD *meth = BIO_meth_new(type, "pyssl socket read gate");
    if (meth == NULL || !BIO_meth_set_read(meth, gate_read) ||
        !BIO_meth_set_ctrl(meth, gate_ctrl) ||
        !BIO_meth_set_create(meth, gate_create)) {
        BIO_meth_free(meth);
        return -1;
    }
    gate_method = meth;
    gate_type = type;
    return 0;
}

/* Puts a gate in front of the SSL's socket BIO, on the read side only.
 * The chain gate -> sock holds a reference of its own; SSL_set0_rbio drops
 * the one the rbio slot had, and the wbio slot keeps its own. */
static BIO *
attach(SSL *ssl, BIO *sock)
{
    BIO *gate = BIO_new(gate_method);
    if (gate == NULL) {
        ERR_clear_error();
        return NULL;
    }
    BIO_up_ref(sock);
    BIO_push(gate, sock);
    SSL_set0_rbio(ssl, gate);
    return gate;
}

/* The gate is only attached the first time a read goes on, so idle and
 * small-message connections never pay for it (about 0.2 KiB each). */
int
pyssl_sockbio_nowait(SSL *ssl, int on)
{
    BIO *rbio = SSL_get_rbio(ssl);
    if (rbio == NULL) {
        return 0;
    }
#ifdef BIO_get_ktls_recv
    if (on && BIO_get_ktls_recv(rbio)) {
        return 0;
    }
#endif
    if (BIO_method_type(rbio) != gate_type) {
        if (!on || BIO_method_type(rbio) != BIO_TYPE_SOCKET ||
            (rbio = attach(ssl, rbio)) == NULL) {
            return 0;
        }
    }
    BIO_set_data(rbio, on ? NOWAIT : NULL);
    return 1;
}

int
pyssl_sockbio_init(void)
{
    return gate_method_init();
}

#else /* _WIN32 */

int
pyssl_sockbio_nowait(SSL *ssl, int on)
{
    (void)ssl;
    (void)on;
    return 0;
}

int
pyssl_sockbio_init(void)
{
    return 0;
}

#endif
