/* sockbio.c: the gate in front of an SSLSocket's socket BIO.
 *
 * An _SSLSocket lets one thread at a time into OpenSSL (socket.c's
 * connection lock), so that one thread can read while another writes, as
 * every full-duplex client does.  That is only safe if no OpenSSL call ever
 * blocks while it holds the lock: a reader blocked in recv() inside
 * SSL_read would keep the writer out for as long as the peer is silent.
 * So every SSL over a socket gets this filter BIO in front of OpenSSL's
 * socket BIO, in both directions.  It moves bytes with recv() and send()
 * and MSG_DONTWAIT: what the kernel can take or give right now, and
 * otherwise "retry", which makes SSL_read/SSL_write return WANT_READ or
 * WANT_WRITE.  socket.c then waits with poll(), outside the lock, as long as
 * the socket's own mode says (forever, until its timeout, or not at all).
 * The fd's O_NONBLOCK flag is never touched: other code may share the fd.
 *
 * Everything else goes to the socket BIO underneath: its fd, flushes, and
 * kTLS, which OpenSSL switches on through BIO controls.  Once kTLS is on
 * for a direction, the kernel frames that direction's records and the
 * gate passes its reads or writes straight through.  The peer's EOF is
 * read once more through the socket BIO, so that it records the EOF where
 * OpenSSL looks for it (BIO_eof) and reports it the usual way.
 *
 * Windows has no MSG_DONTWAIT, and gets no gate and no connection lock:
 * OpenSSL reads and writes the socket itself, as in CPython's _ssl.  A
 * socket with a timeout is non-blocking in the OS there too (Python's
 * socket module makes it so), so WSAEWOULDBLOCK becomes WANT_* and socket.c
 * waits as on POSIX; a blocking socket blocks inside OpenSSL, as CPython's
 * does.  What Windows offers cannot make a correct gate: ioctlsocket
 * (FIONBIO) would change the mode of a socket others share, and cannot be
 * read back to restore it; a select() with no timeout before send() does
 * not stop a blocking send() larger than the free buffer from waiting.
 */
#include "pyssl.h"

#ifndef _WIN32

#  include <errno.h>
#  include <sys/ioctl.h>
#  include <sys/socket.h>
#  include <sys/types.h>

static int
next_fd(BIO *next)
{
    int fd = -1;
    if (BIO_get_fd(next, &fd) < 0) {
        return -1;
    }
    return fd;
}

static int
would_block(int e)
{
    return e == EAGAIN || e == EWOULDBLOCK || e == EINTR;
}

static int
gate_read(BIO *b, char *out, int outl)
{
    BIO *next = BIO_next(b);
    BIO_clear_retry_flags(b);
    if (next == NULL || out == NULL || outl <= 0) {
        return 0;
    }
    int fd = next_fd(next);
#  ifdef BIO_get_ktls_recv
    if (BIO_get_ktls_recv(next)) {
        fd = -1;
    }
#  endif
    if (fd >= 0) {
        ssize_t n = recv(fd, out, (size_t)outl, MSG_DONTWAIT);
        if (n > 0) {
            return (int)n;
        }
        if (n < 0 && would_block(errno)) {
            BIO_set_retry_read(b);
            return -1;
        }
        if (n < 0) {
            return -1; /* ECONNRESET and the like, errno set */
        }
        /* n == 0: the peer's EOF, which stays; let the socket BIO see it. */
    }
    int n = BIO_read(next, out, outl);
    BIO_copy_next_retry(b);
    return n;
}

static int
gate_write(BIO *b, const char *in, int inl)
{
    BIO *next = BIO_next(b);
    BIO_clear_retry_flags(b);
    if (next == NULL || in == NULL || inl <= 0) {
        return 0;
    }
    int fd = next_fd(next);
#  ifdef BIO_get_ktls_send
    if (BIO_get_ktls_send(next)) {
        fd = -1;
    }
#  endif
    if (fd < 0) {
        int n = BIO_write(next, in, inl);
        BIO_copy_next_retry(b);
        return n;
    }
    ssize_t n = send(fd, in, (size_t)inl, MSG_DONTWAIT);
    if (n >= 0) {
        return (int)n;
    }
    if (would_block(errno)) {
        BIO_set_retry_write(b);
    }
    return -1;
}

/* Everything else (the fd, flushes, EOF, kTLS) is the socket BIO's answer. */
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
    BIO_set_init(b, 1);
    return 1;
}

/* Made once per process, like the memory BIO's method (bio.c). */
static BIO_METHOD *gate_method;

static int
gate_method_init(void)
{
    if (gate_method != NULL) {
        return 0;
    }
    int type = BIO_get_new_index() | BIO_TYPE_FILTER;
    BIO_METHOD *meth = BIO_meth_new(type, "pyssl socket gate");
    if (meth == NULL || !BIO_meth_set_read(meth, gate_read) ||
        !BIO_meth_set_write(meth, gate_write) ||
        !BIO_meth_set_ctrl(meth, gate_ctrl) ||
        !BIO_meth_set_create(meth, gate_create)) {
        BIO_meth_free(meth);
        return -1;
    }
    gate_method = meth;
    return 0;
}

/* Whether the kernel holds a whole TLS record for fd and at least one byte
 * after it: the socket's side of the rule in bio.c's
 * pyssl_membio_holds_record_and_more.  Reading on takes a further record
 * only then, so the socket stays readable for select() and poll() users
 * whatever that record was (the peer's close_notify, sent without a FIN,
 * is reported by the next read).  FIONREAD and a peek at the 5-byte
 * header cost two system calls per further 16 KiB record. */
int
pyssl_sockbio_holds_record_and_more(SSL *ssl)
{
    BIO *rbio = SSL_get_rbio(ssl);
    int fd = -1, avail = 0;
    unsigned char hdr[5];
#  ifdef BIO_get_ktls_recv
    if (rbio != NULL && BIO_get_ktls_recv(rbio)) {
        return 0; /* the kernel hands out plaintext, not records */
    }
#  endif
    if (rbio == NULL || BIO_get_fd(rbio, &fd) < 0 || fd < 0 ||
        ioctl(fd, FIONREAD, &avail) < 0 || avail <= (int)sizeof(hdr)) {
        return 0;
    }
    if (recv(fd, hdr, sizeof(hdr), MSG_PEEK | MSG_DONTWAIT) != sizeof(hdr)) {
        return 0;
    }
    return (size_t)avail > sizeof(hdr) + (((size_t)hdr[3] << 8) | hdr[4]);
}

int
pyssl_sockbio_set_fd(SSL *ssl, int fd)
{
    BIO *sock = BIO_new_socket(fd, BIO_NOCLOSE);
    BIO *gate = sock == NULL ? NULL : BIO_new(gate_method);
    if (gate == NULL) {
        BIO_free(sock);
        return 0;
    }
    BIO_push(gate, sock);
    /* One BIO for both directions: SSL_set_bio takes the one reference. */
    SSL_set_bio(ssl, gate, gate);
    return 1;
}

int
pyssl_sockbio_init(void)
{
    return gate_method_init();
}

#else /* _WIN32 */

int
pyssl_sockbio_holds_record_and_more(SSL *ssl)
{
    (void)ssl;
    return 0;
}

int
pyssl_sockbio_set_fd(SSL *ssl, int fd)
{
    return SSL_set_fd(ssl, fd);
}

int
pyssl_sockbio_init(void)
{
    return 0;
}

#endif
