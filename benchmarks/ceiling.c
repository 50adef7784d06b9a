/* ceiling.c: the same bulk transfer and handshakes as benchmarks/run.py, in
 * plain C on the same OpenSSL, as the ceiling a Python binding can approach.
 *
 *   ceiling bulk CAFILE SERVERPEM BYTES   client sends BYTES in 64 KiB writes
 *                                         (TLS 1.3); prints MB/s
 *   ceiling hs   CAFILE SERVERPEM COUNT   COUNT full handshakes, one client;
 *                                         prints handshakes/s
 *   ceiling hs-bio1|hs-bio2 CAFILE SERVERPEM COUNT
 *                                         1 or 2 threads, each doing COUNT
 *                                         full handshakes between two SSLs
 *                                         over memory BIOs, all threads
 *                                         sharing one client and one server
 *                                         SSL_CTX, as run.py's threadsN_hs;
 *                                         prints handshakes/s over all
 *   ceiling bulk-bio1|bulk-bio2 CAFILE SERVERPEM BYTES
 *                                         1 or 2 threads, each sending BYTES
 *                                         in 64 KiB writes through its own
 *                                         SSL pair over memory BIOs, as
 *                                         run.py's threadsN_bulk; prints
 *                                         MB/s over all
 *
 * The server is a forked child over loopback TCP, as run.py's is a separate
 * process. The client verifies the chain and the name "localhost", the way
 * create_default_context() does, and closes without close_notify, as
 * SSLSocket.close() does, so both sides do the same work as in Python.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define CHUNK (64 * 1024)

static void
die(const char *what)
{
    fprintf(stderr, "ceiling: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

static double
now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* A listening socket on 127.0.0.1 and an ephemeral port. */
static int
listen_any(int *port)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        listen(fd, 128) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        die("listen");
    }
    *port = ntohs(a.sin_port);
    return fd;
}

static int
connect_to(int port)
{
    struct sockaddr_in a;
    int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((unsigned short)port);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        die("connect");
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

/* Settings as in run.py: TLS 1.3 only for bulk, defaults for handshakes. */
static SSL_CTX *
make_ctx(int server, const char *cafile, const char *pem, int tls13)
{
    SSL_CTX *ctx =
        SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
    if (ctx == NULL) {
        die("SSL_CTX_new");
    }
    SSL_CTX_set_min_proto_version(ctx,
                                  tls13 ? TLS1_3_VERSION : TLS1_2_VERSION);
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
    if (server) {
        if (SSL_CTX_use_certificate_chain_file(ctx, pem) != 1 ||
            SSL_CTX_use_PrivateKey_file(ctx, pem, SSL_FILETYPE_PEM) != 1) {
            die("server certificate");
        }
    }
    else {
        if (SSL_CTX_load_verify_locations(ctx, cafile, NULL) != 1) {
            die("cafile");
        }
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    }
    return ctx;
}

static SSL *
client_ssl(SSL_CTX *ctx, int port)
{
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, connect_to(port));
    SSL_set_tlsext_host_name(ssl, "localhost");
    SSL_set1_host(ssl, "localhost");
    if (SSL_connect(ssl) != 1) {
        die("SSL_connect");
    }
    return ssl;
}

static void
client_close(SSL *ssl)
{
    int fd = SSL_get_fd(ssl);
    SSL_free(ssl);
    close(fd);
}

/* Server child: handles connections until killed or the bulk one ends. */
static void
serve(SSL_CTX *ctx, int lfd, int bulk, long long bytes)
{
    static char buf[CHUNK];
    for (;;) {
        int one = 1, fd = accept(lfd, NULL, NULL);
        SSL *ssl = SSL_new(ctx);
        /* As run.py's server: the 1-byte replies must not wait for Nagle. */
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        SSL_set_fd(ssl, fd);
        if (SSL_accept(ssl) == 1) {
            if (bulk) {
                long long left = bytes;
                while (left > 0) {
                    int n = SSL_read(ssl, buf, sizeof(buf));
                    if (n <= 0) {
                        die("server read");
                    }
                    left -= n;
                }
            }
            SSL_write(ssl, "k", 1);
            SSL_read(ssl, buf, 1);
        }
        SSL_free(ssl);
        close(fd);
        if (bulk) {
            _exit(0);
        }
    }
}

static double
client_bulk(SSL_CTX *ctx, int port, long long bytes)
{
    static char buf[CHUNK];
    SSL *ssl = client_ssl(ctx, port);
    long long left = bytes;
    double t0 = now(), dt;
    memset(buf, 'x', sizeof(buf));
    while (left > 0) {
        int n = SSL_write(ssl, buf, left < CHUNK ? (int)left : CHUNK);
        if (n <= 0) {
            die("client write");
        }
        left -= n;
    }
    if (SSL_read(ssl, buf, 1) != 1) {
        die("client ack");
    }
    dt = now() - t0;
    SSL_write(ssl, "k", 1);
    client_close(ssl);
    return (double)bytes / dt / 1e6;
}

static double
client_handshakes(SSL_CTX *ctx, int port, long long count)
{
    char b;
    double t0 = 0;
    for (long long i = -1; i < count; i++) { /* i == -1: warm-up */
        SSL *ssl;
        if (i == 0) {
            t0 = now();
        }
        ssl = client_ssl(ctx, port);
        if (SSL_read(ssl, &b, 1) != 1) {
            die("client read");
        }
        SSL_write(ssl, "k", 1);
        client_close(ssl);
    }
    return (double)count / (now() - t0);
}

/* Moves what one side wrote to the other side's incoming BIO. */
static void
pump(BIO *from, BIO *to)
{
    char buf[CHUNK];
    int n;
    while ((n = BIO_read(from, buf, sizeof(buf))) > 0) {
        if (BIO_write(to, buf, n) != n) {
            die("BIO_write");
        }
    }
}

/* 1 when SSL_do_handshake has finished, 0 when it waits for the peer. */
static int
step(SSL *ssl)
{
    int r = SSL_do_handshake(ssl);
    if (r == 1) {
        return 1;
    }
    if (SSL_get_error(ssl, r) != SSL_ERROR_WANT_READ) {
        die("SSL_do_handshake");
    }
    return 0;
}

/* A handshake between fresh SSLs over memory BIOs, as run.py's
 * bio_handshake(): the client verifies the chain and "localhost".  The
 * pair is left in *pc and *ps, each SSL owning its BIOs. */
static void
bio_pair(SSL_CTX *cctx, SSL_CTX *sctx, SSL **pc, SSL **ps)
{
    SSL *c = SSL_new(cctx), *s = SSL_new(sctx);
    BIO *cin = BIO_new(BIO_s_mem()), *cout = BIO_new(BIO_s_mem());
    BIO *sin = BIO_new(BIO_s_mem()), *sout = BIO_new(BIO_s_mem());
    int round;
    if (c == NULL || s == NULL || !cin || !cout || !sin || !sout) {
        die("SSL_new/BIO_new");
    }
    SSL_set_bio(c, cin, cout);
    SSL_set_bio(s, sin, sout);
    BIO_up_ref(cout); /* the pumps below read them after SSL_free too */
    BIO_up_ref(sout);
    SSL_set_connect_state(c);
    SSL_set_accept_state(s);
    SSL_set_tlsext_host_name(c, "localhost");
    SSL_set1_host(c, "localhost");
    for (round = 0; round < 20; round++) {
        int done = step(c);
        pump(cout, sin);
        pump(sout, cin);
        done += step(s);
        pump(cout, sin);
        pump(sout, cin);
        if (done == 2) {
            break;
        }
    }
    if (round == 20) {
        die("memory-BIO handshake did not finish");
    }
    BIO_free(cout);
    BIO_free(sout);
    *pc = c;
    *ps = s;
}

static void
bio_handshake(SSL_CTX *cctx, SSL_CTX *sctx)
{
    SSL *c, *s;
    bio_pair(cctx, sctx, &c, &s);
    SSL_free(c);
    SSL_free(s);
}

/* bytes from client to server over a fresh pair, as run.py's bio_bulk(). */
static void
bio_bulk(SSL_CTX *cctx, SSL_CTX *sctx, long long bytes)
{
    SSL *c, *s;
    char *out = malloc(CHUNK), *in = malloc(CHUNK);
    if (out == NULL || in == NULL) {
        die("malloc");
    }
    memset(out, 'x', CHUNK);
    bio_pair(cctx, sctx, &c, &s);
    for (long long left = bytes; left > 0;) {
        size_t n;
        if (!SSL_write_ex(c, out, CHUNK, &n)) {
            die("SSL_write_ex");
        }
        pump(SSL_get_wbio(c), SSL_get_rbio(s));
        while (SSL_read_ex(s, in, CHUNK, &n)) {
            left -= (long long)n;
        }
        if (SSL_get_error(s, 0) != SSL_ERROR_WANT_READ) {
            die("SSL_read_ex");
        }
    }
    SSL_free(c);
    SSL_free(s);
    free(out);
    free(in);
}

struct bio_job {
    SSL_CTX *cctx, *sctx;
    long long n; /* handshakes, or bytes if bulk */
    int bulk;
    pthread_barrier_t *start;
};

static void *
bio_thread(void *arg)
{
    struct bio_job *job = arg;
    pthread_barrier_wait(job->start);
    if (job->bulk) {
        bio_bulk(job->cctx, job->sctx, job->n);
    }
    else {
        for (long long i = 0; i < job->n; i++) {
            bio_handshake(job->cctx, job->sctx);
        }
    }
    return NULL;
}

/* nthreads threads, each n handshakes (or n bytes if bulk): handshakes/s
 * (MB/s) over all, from the start barrier until the last is done. */
static double
threads_run(SSL_CTX *cctx, SSL_CTX *sctx, long long n, int bulk, int nthreads)
{
    pthread_t t[2];
    pthread_barrier_t start;
    struct bio_job job = {cctx, sctx, n, bulk, &start};
    double t0;
    bio_handshake(cctx, sctx); /* warm-up */
    pthread_barrier_init(&start, NULL, (unsigned)nthreads + 1);
    for (int i = 0; i < nthreads; i++) {
        if (pthread_create(&t[i], NULL, bio_thread, &job) != 0) {
            die("pthread_create");
        }
    }
    pthread_barrier_wait(&start);
    t0 = now();
    for (int i = 0; i < nthreads; i++) {
        pthread_join(t[i], NULL);
    }
    pthread_barrier_destroy(&start);
    double total = (double)(n * nthreads);
    return (bulk ? total / 1e6 : total) / (now() - t0);
}

int
main(int argc, char **argv)
{
    int bulk, port, lfd;
    long long n;
    pid_t child;
    double result;
    SSL_CTX *sctx, *cctx;

    int bio = argc == 5 &&
              (!strcmp(argv[1], "hs-bio1") || !strcmp(argv[1], "hs-bio2") ||
               !strcmp(argv[1], "bulk-bio1") || !strcmp(argv[1], "bulk-bio2"));
    if (argc != 5 ||
        (strcmp(argv[1], "bulk") && strcmp(argv[1], "hs") && !bio)) {
        fprintf(
            stderr,
            "usage: ceiling bulk|hs|{hs,bulk}-bio{1,2} CAFILE SERVERPEM N\n");
        return 2;
    }
    bulk = strcmp(argv[1], "bulk") == 0;
    n = atoll(argv[4]);
    signal(SIGPIPE, SIG_IGN);
    sctx = make_ctx(1, NULL, argv[3], bulk);
    cctx = make_ctx(0, argv[2], NULL, bulk);
    if (bio) {
        /* Both as run.py's threads scenarios: default versions (TLS 1.3). */
        const char *mode = argv[1];
        int threads = mode[strlen(mode) - 1] - '0';
        SSL_CTX_free(sctx);
        SSL_CTX_free(cctx);
        sctx = make_ctx(1, NULL, argv[3], 0);
        cctx = make_ctx(0, argv[2], NULL, 0);
        printf("%.1f\n", threads_run(cctx, sctx, n, mode[0] == 'b', threads));
        SSL_CTX_free(sctx);
        SSL_CTX_free(cctx);
        return 0;
    }
    lfd = listen_any(&port);
    child = fork();
    if (child == 0) {
        serve(sctx, lfd, bulk, n);
        _exit(0);
    }
    close(lfd);
    result =
        bulk ? client_bulk(cctx, port, n) : client_handshakes(cctx, port, n);
    if (!bulk) {
        kill(child, SIGTERM);
    }
    waitpid(child, NULL, 0);
    printf("%.1f\n", result);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
    return 0;
}
