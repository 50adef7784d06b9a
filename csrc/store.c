/* store.c: the shared, cached trust store (CPython gh-95031).
 *
 * Parsing the system CA bundle (~150 PEM certificates) costs tens of
 * milliseconds, and every create_default_context() used to pay it. Here a
 * CA file (or the default paths) is parsed once into an X509_STORE that all
 * contexts loading the same file share through SSL_CTX_set1_cert_store().
 *
 * The rules that keep it invisible:
 *  - An entry is keyed by path and revalidated on every use by stat()
 *    (device, inode, size, mtime, ctime): a rewritten file gets a new entry,
 *    which replaces the old one; at most CACHE_SLOTS entries live at once.
 *  - A shared store is never written to. Before a context changes its store
 *    (cadata, another CA file, a CRL file, a capath), store_for_write() gives
 *    it a private copy: a fresh X509_STORE holding the same, refcounted X509
 *    and X509_CRL objects and the same lookups. verify_flags live in the
 *    SSL_CTX's own X509_VERIFY_PARAM (context.c), never in the store's, so
 *    they need no copy.
 *  - The cache holds only OpenSSL objects, no Python ones, and its functions
 *    are called with the GIL released; one lock guards the table and the
 *    per-context state, and parsing happens outside it.
 *  - PYSSL_NO_STORE_CACHE=1 in the environment turns all of it off, so tests
 *    can compare against plain OpenSSL loading.
 */
#include "pyssl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CACHE_SLOTS 8

/* What a shared store was loaded from, so a private copy gets the same
 * lookups (hashed directory, the OSSL_STORE URI) as the original. */
enum source_kind { SOURCE_DEFAULTS = 1, SOURCE_CAFILE = 2 };

/* The identity of a file at one moment: any change means reparse. */
typedef struct {
    int exists;
    unsigned long long dev, ino, size;
    long long mtime_s, mtime_ns, ctime_s, ctime_ns;
} file_key;

typedef struct {
    char *path; /* CA file; for the defaults, the default file */
    char *extra; /* defaults only: SSL_CERT_DIR (and URI) at load time */
    int kind; /* enum source_kind */
    file_key key;
    X509_STORE *store; /* one reference owned by the slot */
    unsigned long used;
} cache_slot;

/* Per SSL_CTX, in its ex_data: which shared store it points at, if any. */
typedef struct {
    X509_STORE *shared; /* kept until the SSL_CTX dies: a handshake running
                           in another thread may still verify against it */
    int kind; /* enum source_kind of shared */
    int is_private; /* the SSL_CTX's store is its own now */
} ctx_state;

static cache_slot cache[CACHE_SLOTS];
static unsigned long cache_clock;
static CRYPTO_RWLOCK *cache_lock;
static int ctx_index = -1;
static CRYPTO_ONCE cache_once = CRYPTO_ONCE_STATIC_INIT;

/* ------------------------------------------------------------------------ */
/* Setup and per-context state                                              */

static void
ctx_state_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl,
               void *argp)
{
    ctx_state *cs = ptr;
    if (cs != NULL) {
        X509_STORE_free(cs->shared);
        OPENSSL_free(cs);
    }
}

static void
cache_setup(void)
{
    cache_lock = CRYPTO_THREAD_lock_new();
    ctx_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, ctx_state_free);
}

/* 1 if the cache may be used: set up, and not switched off. */
static int
cache_ready(void)
{
    const char *off = getenv("PYSSL_NO_STORE_CACHE");
    if (!CRYPTO_THREAD_run_once(&cache_once, cache_setup)) {
        return 0;
    }
    return cache_lock != NULL && ctx_index >= 0 &&
           (off == NULL || off[0] == '\0' || strcmp(off, "0") == 0);
}

/* cache_lock, taken and let go through these two so that debug builds
 * record the holder, for the asserts of the functions that need it. */
#ifndef NDEBUG
static unsigned long cache_holder;
#  define CACHE_HELD() \
    (PYSSL_LOAD_FLAG(&cache_holder) == PyThread_get_thread_ident())
#endif

static void
cache_lock_take(void)
{
    CRYPTO_THREAD_write_lock(cache_lock);
#ifndef NDEBUG
    PYSSL_STORE_FLAG(&cache_holder, PyThread_get_thread_ident());
#endif
}

static void
cache_lock_give(void)
{
    assert(CACHE_HELD());
#ifndef NDEBUG
    PYSSL_STORE_FLAG(&cache_holder, 0);
#endif
    CRYPTO_THREAD_unlock(cache_lock);
}

/* The context's state, created (as "still pristine") on first use. Called
 * with cache_lock held. NULL only if out of memory. */
static ctx_state *
ctx_state_get(SSL_CTX *ctx)
{
    assert(CACHE_HELD());
    ctx_state *cs = SSL_CTX_get_ex_data(ctx, ctx_index);
    if (cs == NULL) {
        cs = OPENSSL_zalloc(sizeof(*cs));
        if (cs != NULL && !SSL_CTX_set_ex_data(ctx, ctx_index, cs)) {
            OPENSSL_free(cs);
            cs = NULL;
        }
    }
    return cs;
}

/* ------------------------------------------------------------------------ */
/* File identity                                                            */

static void
file_key_of(const char *path, file_key *k)
{
    struct stat st;
    int saved = errno; /* a missing file is not this call's error */
    memset(k, 0, sizeof(*k));
    if (path == NULL || stat(path, &st) != 0) {
        errno = saved;
        return;
    }
    k->exists = 1;
    k->dev = (unsigned long long)st.st_dev;
    k->ino = (unsigned long long)st.st_ino;
    k->size = (unsigned long long)st.st_size;
#if defined(__APPLE__)
    k->mtime_s = st.st_mtimespec.tv_sec;
    k->mtime_ns = st.st_mtimespec.tv_nsec;
    k->ctime_s = st.st_ctimespec.tv_sec;
    k->ctime_ns = st.st_ctimespec.tv_nsec;
#elif defined(_WIN32)
    k->mtime_s = (long long)st.st_mtime;
    k->ctime_s = (long long)st.st_ctime;
#else
    k->mtime_s = st.st_mtim.tv_sec;
    k->mtime_ns = st.st_mtim.tv_nsec;
    k->ctime_s = st.st_ctim.tv_sec;
    k->ctime_ns = st.st_ctim.tv_nsec;
#endif
}

static int
same_str(const char *a, const char *b)
{
    return (a == NULL && b == NULL) ||
           (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* The file set_default_verify_paths parses, as OpenSSL picks it. */
static const char *
default_file(void)
{
    const char *f = getenv(X509_get_default_cert_file_env());
    return f != NULL ? f : X509_get_default_cert_file();
}

/* Everything else the default lookups read from the environment: a store
 * built under another SSL_CERT_DIR (or SSL_CERT_URI) is another entry. */
static char *
default_extra(void)
{
    const char *dir = getenv(X509_get_default_cert_dir_env());
    const char *uri = NULL;
    size_t n;
    char *s;
#ifdef PYSSL_HAS_SSL_CERT_URI
    /* 3.2+ also reads a default store URI from here; it has no exported
     * getter for the variable's name (only for the file and dir ones). */
    uri = getenv("SSL_CERT_URI");
#endif
    dir = dir != NULL ? dir : X509_get_default_cert_dir();
    uri = uri != NULL ? uri : "";
    n = strlen(dir) + strlen(uri) + 2;
    s = OPENSSL_malloc(n);
    if (s != NULL) {
        memcpy(s, dir, strlen(dir) + 1);
        s[strlen(dir)] = '\n';
        memcpy(s + strlen(dir) + 1, uri, strlen(uri) + 1);
    }
    return s;
}

/* ------------------------------------------------------------------------ */
/* Building and copying stores                                              */

/* The lookups a load of this kind leaves in a store, without loading the
 * file itself (its certificates are copied instead). 1 or 0. */
static int
add_lookups(X509_STORE *store, int kind)
{
    X509_LOOKUP *l = X509_STORE_add_lookup(store, X509_LOOKUP_file());
    if (l == NULL) {
        return 0;
    }
    if (kind != SOURCE_DEFAULTS) {
        return 1;
    }
    l = X509_STORE_add_lookup(store, X509_LOOKUP_hash_dir());
    if (l == NULL) {
        return 0;
    }
    X509_LOOKUP_add_dir(l, NULL, X509_FILETYPE_DEFAULT);
#ifdef PYSSL_OPENSSL_3
    l = X509_STORE_add_lookup(store, X509_LOOKUP_store());
    if (l == NULL) {
        return 0;
    }
    X509_LOOKUP_add_store(l, NULL);
#endif
    ERR_clear_error(); /* as X509_STORE_set_default_paths does */
    return 1;
}

/* Whether a failed X509_STORE_add_cert/add_crl only met a duplicate, which
 * OpenSSL 1.1.1 reports as an error where 3.x does not: loading a file
 * ignores it on both, and so does every add here (context.c's cadata too).
 * Clears the error queue when so. */
int
pyssl_store_add_ok(int ok)
{
    unsigned long e = ERR_peek_last_error();
    if (!ok && ERR_GET_LIB(e) == ERR_LIB_X509 &&
        ERR_GET_REASON(e) == X509_R_CERT_ALREADY_IN_HASH_TABLE) {
        ERR_clear_error();
        return 1;
    }
    return ok;
}

/* Adds one certificate or CRL to dst; 1 or 0. */
static int
add_object(X509_STORE *dst, X509_OBJECT *obj)
{
    int ok = 1;
    if (X509_OBJECT_get_type(obj) == X509_LU_X509) {
        ok = X509_STORE_add_cert(dst, X509_OBJECT_get0_X509(obj));
    }
    else if (X509_OBJECT_get_type(obj) == X509_LU_CRL) {
        ok = X509_STORE_add_crl(dst, X509_OBJECT_get0_X509_CRL(obj));
    }
    return pyssl_store_add_ok(ok);
}

/* Adds every certificate and CRL of src to dst (a duplicate is fine, as
 * when loading). The objects are shared by reference count. 1 or 0. */
static int
copy_objects(X509_STORE *dst, X509_STORE *src)
{
    STACK_OF(X509_OBJECT) * objs;
    int ok = 1;
#ifdef PYSSL_HAS_STORE_GET1_OBJECTS
    objs = X509_STORE_get1_objects(src);
    if (objs == NULL) {
        return 0;
    }
#else
    X509_STORE_lock(src); /* verification may add to src meanwhile */
    objs = X509_STORE_get0_objects(src);
#endif
    for (int i = 0; ok && i < sk_X509_OBJECT_num(objs); i++) {
        X509_OBJECT *obj = sk_X509_OBJECT_value(objs, i);
        ok = add_object(dst, obj);
    }
#ifdef PYSSL_HAS_STORE_GET1_OBJECTS
    sk_X509_OBJECT_pop_free(objs, X509_OBJECT_free);
#else
    X509_STORE_unlock(src);
#endif
    return ok;
}

/* Copies src's objects and kind's lookups into dst. 1 or 0. */
static int
merge_into(X509_STORE *dst, X509_STORE *src, int kind)
{
    return copy_objects(dst, src) && add_lookups(dst, kind);
}

/* A new store loaded exactly as SSL_CTX_set_default_verify_paths or
 * SSL_CTX_load_verify_locations(cafile) would load the context's. */
static X509_STORE *
build_store(int kind, const char *path)
{
    X509_STORE *store = X509_STORE_new();
    int ok;
    if (store == NULL) {
        return NULL;
    }
    ok = kind == SOURCE_DEFAULTS
             ? X509_STORE_set_default_paths(store)
             : X509_STORE_load_locations(store, path, NULL);
    if (!ok) {
        X509_STORE_free(store);
        return NULL;
    }
    return store;
}

/* ------------------------------------------------------------------------ */
/* The table                                                                */

/* The slot for (kind, path, extra), or NULL. cache_lock held. */
static cache_slot *
slot_find(int kind, const char *path, const char *extra)
{
    assert(CACHE_HELD());
    for (int i = 0; i < CACHE_SLOTS; i++) {
        cache_slot *s = &cache[i];
        if (s->store != NULL && s->kind == kind && same_str(s->path, path) &&
            same_str(s->extra, extra)) {
            return s;
        }
    }
    return NULL;
}

/* The slot a new entry goes in: its old self, a free one, or the least
 * recently used. cache_lock held. */
static cache_slot *
slot_victim(int kind, const char *path, const char *extra)
{
    assert(CACHE_HELD());
    cache_slot *v = slot_find(kind, path, extra);
    for (int i = 0; v == NULL && i < CACHE_SLOTS; i++) {
        if (cache[i].store == NULL) {
            v = &cache[i];
        }
    }
    if (v == NULL) {
        v = &cache[0];
        for (int i = 1; i < CACHE_SLOTS; i++) {
            if (cache[i].used < v->used) {
                v = &cache[i];
            }
        }
    }
    X509_STORE_free(v->store);
    OPENSSL_free(v->path);
    OPENSSL_free(v->extra);
    memset(v, 0, sizeof(*v));
    return v;
}

/* Remembers store under (kind, path, extra, key), replacing an older entry
 * for the same source. Keys are copied; failure to copy just skips the
 * cache. cache_lock held. */
static void
slot_store(int kind, const char *path, const char *extra, const file_key *key,
           X509_STORE *store)
{
    assert(CACHE_HELD() && store != NULL && key != NULL);
    cache_slot *s = slot_victim(kind, path, extra);
    s->path = OPENSSL_strdup(path);
    s->extra = extra != NULL ? OPENSSL_strdup(extra) : NULL;
    if (s->path == NULL || (extra != NULL && s->extra == NULL) ||
        !X509_STORE_up_ref(store)) {
        OPENSSL_free(s->path);
        OPENSSL_free(s->extra);
        memset(s, 0, sizeof(*s));
        return;
    }
    s->kind = kind;
    s->key = *key;
    s->store = store;
    s->used = ++cache_clock;
}

/* A reference to the shared store for this source, parsing it if the cache
 * has none or the file changed. NULL if it cannot be loaded: the caller
 * then loads the plain way, which reports the error as OpenSSL words it. */
static X509_STORE *
cache_get(int kind, const char *path, const char *extra)
{
    file_key before, after;
    cache_slot *s;
    X509_STORE *store = NULL;

    file_key_of(path, &before);
    cache_lock_take();
    s = slot_find(kind, path, extra);
    if (s != NULL && memcmp(&s->key, &before, sizeof(before)) == 0 &&
        X509_STORE_up_ref(s->store)) {
        s->used = ++cache_clock;
        store = s->store;
    }
    cache_lock_give();
    if (store != NULL) {
        return store;
    }
    store = build_store(kind, path);
    file_key_of(path, &after);
    /* A file rewritten while it was parsed: use what was read, but do not
     * remember it under either identity. */
    if (store != NULL && memcmp(&before, &after, sizeof(before)) == 0) {
        cache_lock_take();
        slot_store(kind, path, extra, &before, store);
        cache_lock_give();
    }
    return store;
}

/* ------------------------------------------------------------------------ */
/* What context.c calls (GIL released)                                      */

/* Gives ctx a private store if it shares one. cache_lock held. 1 or 0. */
static int
privatize(SSL_CTX *ctx, ctx_state *cs)
{
    X509_STORE *own;
    assert(CACHE_HELD());
    if (cs->is_private || cs->shared == NULL) {
        cs->is_private = 1;
        return 1;
    }
    own = X509_STORE_new();
    if (own == NULL || !merge_into(own, cs->shared, cs->kind)) {
        X509_STORE_free(own);
        return 0;
    }
    SSL_CTX_set_cert_store(ctx, own); /* drops ctx's ref; cs keeps one */
    cs->is_private = 1;
    return 1;
}

X509_STORE *
pyssl_store_for_write(SSL_CTX *ctx)
{
    ctx_state *cs;
    int ok;
    /* Even with the cache switched off, a context that shares a store
     * gets its own copy, and one written to is marked so it never shares
     * later: its additions would be lost. */
    if (!CRYPTO_THREAD_run_once(&cache_once, cache_setup) ||
        cache_lock == NULL || ctx_index < 0) {
        return SSL_CTX_get_cert_store(ctx);
    }
    cache_lock_take();
    cs = ctx_state_get(ctx);
    ok = cs != NULL && privatize(ctx, cs);
    cache_lock_give();
    return ok ? SSL_CTX_get_cert_store(ctx) : NULL;
}

/* Points ctx at the shared store for a source: shares it if ctx's store is
 * still untouched, else copies its contents into ctx's own store. 1 or 0
 * (then the caller loads the plain way). */
static int
use_cached(SSL_CTX *ctx, int kind, const char *path, const char *extra)
{
    X509_STORE *shared = cache_get(kind, path, extra);
    ctx_state *cs;
    int ok = 0;
    if (shared == NULL) {
        ERR_clear_error();
        return 0;
    }
    cache_lock_take();
    cs = ctx_state_get(ctx);
    if (cs != NULL && !cs->is_private && cs->shared == NULL) {
        SSL_CTX_set1_cert_store(ctx, shared);
        cs->shared = shared; /* takes cache_get's reference */
        cs->kind = kind;
        shared = NULL;
        ok = 1;
    }
    else if (cs != NULL && cs->shared == shared && !cs->is_private) {
        ok = 1; /* the same, unchanged source again: nothing new to add */
    }
    else if (cs != NULL && privatize(ctx, cs)) {
        ok = merge_into(SSL_CTX_get_cert_store(ctx), shared, kind);
    }
    cache_lock_give();
    X509_STORE_free(shared);
    return ok;
}

int
pyssl_store_set_default_paths(SSL_CTX *ctx)
{
    int ok = 0;
    PYSSL_ASSERT_NO_GIL(); /* reads files */
    if (cache_ready()) {
        char *extra = default_extra();
        ok = extra != NULL &&
             use_cached(ctx, SOURCE_DEFAULTS, default_file(), extra);
        OPENSSL_free(extra);
    }
    if (!ok && pyssl_store_for_write(ctx) != NULL) {
        ok = SSL_CTX_set_default_verify_paths(ctx);
    }
    return ok;
}

int
pyssl_store_load_locations(SSL_CTX *ctx, const char *cafile,
                           const char *capath)
{
    PYSSL_ASSERT_NO_GIL(); /* reads files */
    /* A capath is only a lookup, read lazily: nothing to cache. */
    if (cafile != NULL && capath == NULL && cache_ready() &&
        use_cached(ctx, SOURCE_CAFILE, cafile, NULL)) {
        return 1;
    }
    if (pyssl_store_for_write(ctx) == NULL) {
        return 0;
    }
    errno = 0;
    return SSL_CTX_load_verify_locations(ctx, cafile, capath);
}
