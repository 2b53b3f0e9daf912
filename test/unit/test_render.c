/* test_render.c - one rendering per (format, coding), shared. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "check.h"
#include "render.h"

static struct jxa_mset *small_set(void)
{
    struct jxa_mset *m = jxa_mset_new();
    struct jxa_family *f = jxa_mset_family(m, "a_total", JXA_COUNTER, "A counter.", NULL);
    /* Enough for the mapped arrays of mset.c (BIG_ARRAY) too. */
    for (int i = 0; i < 20000; i++) {
        char v[16];
        snprintf(v, sizeof v, "%d", i);
        struct jxa_label l = {"i", v};
        jxa_family_add(f, "", &l, 1, i, JXA_SAMPLE_INT);
    }
    jxa_mset_finish(m);
    return m;
}

static char *gunzip(const struct jxa_buf *b, size_t *len)
{
    size_t cap = 1 << 22;
    char *out = malloc(cap);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    inflateInit2(&zs, 15 + 16);
    zs.next_in = (Bytef *)b->data;
    zs.avail_in = (uInt)b->len;
    zs.next_out = (Bytef *)out;
    zs.avail_out = (uInt)cap;
    int rc = inflate(&zs, Z_FINISH);
    *len = zs.total_out;
    inflateEnd(&zs);
    if (rc != Z_STREAM_END)
        FAILF("inflate: %d", rc);
    return out;
}

/* Each slot renders once, the bytes are those of a request's own
 * rendering, and gzip decodes to the plain bytes. */
static void test_shared_once(void)
{
    struct jxa_mset *m = small_set();
    atomic_ulong n;
    atomic_init(&n, 0);
    struct jxa_render r;
    jxa_render_init(&r, &n);
    for (int fmt = JXA_FMT_TEXT; fmt <= JXA_FMT_PROTOBUF; fmt++) {
        const struct jxa_buf *a = jxa_render_shared(&r, m, fmt, false);
        const struct jxa_buf *b = jxa_render_shared(&r, m, fmt, false);
        CHECK(a != NULL && a == b);
        struct jxa_buf own = {0};
        CHECK_INT(jxa_render_write(m, &(struct jxa_write_req){fmt, NULL, 0, 0}, &own), 0);
        CHECK(own.len == a->len && memcmp(own.data, a->data, a->len) == 0);
        jxa_buf_free(&own);
        const struct jxa_buf *g = jxa_render_shared(&r, m, fmt, true);
        CHECK(g != NULL && g == jxa_render_shared(&r, m, fmt, true));
        size_t len;
        char *plain = gunzip(g, &len);
        CHECK(len == a->len && memcmp(plain, a->data, len) == 0);
        free(plain);
    }
    CHECK_INT(atomic_load(&n), 6);
    jxa_render_free(&r);
    jxa_mset_free(m);
}

/* A walk scraped only with gzip (as Prometheus scrapes) keeps only the
 * compressed bytes, and counts one rendering; a plain request later
 * renders the plain bytes for itself. */
static void test_gzip_alone_keeps_no_plain(void)
{
    struct jxa_mset *m = small_set();
    atomic_ulong n;
    atomic_init(&n, 0);
    struct jxa_render r;
    jxa_render_init(&r, &n);
    const struct jxa_buf *g = jxa_render_shared(&r, m, JXA_FMT_TEXT, true);
    CHECK(g != NULL);
    CHECK(r.body[0].data == NULL && !r.done[0]);
    CHECK_INT(atomic_load(&n), 1);
    const struct jxa_buf *a = jxa_render_shared(&r, m, JXA_FMT_TEXT, false);
    CHECK(a != NULL && a->len > 100000);
    size_t len;
    char *plain = gunzip(g, &len);
    CHECK(len == a->len && memcmp(plain, a->data, len) == 0);
    free(plain);
    CHECK_INT(atomic_load(&n), 2);
    jxa_render_free(&r);
    jxa_mset_free(m);
}

/* jxa_render_drop gives the bodies back; the next caller renders the same
 * bytes again. */
static void test_drop_then_render_again(void)
{
    struct jxa_mset *m = small_set();
    atomic_ulong n;
    atomic_init(&n, 0);
    struct jxa_render r;
    jxa_render_init(&r, &n);
    const struct jxa_buf *a = jxa_render_shared(&r, m, JXA_FMT_OPENMETRICS, false);
    CHECK(a != NULL);
    struct jxa_buf copy = {0};
    jxa_buf_put(&copy, a->data, a->len);
    CHECK(jxa_render_shared(&r, m, JXA_FMT_OPENMETRICS, true) != NULL);
    CHECK_INT(atomic_load(&n), 2);
    jxa_render_drop(&r);
    for (int i = 0; i < JXA_RENDER_SLOTS; i++)
        CHECK(r.body[i].data == NULL && !r.done[i] && r.body[i].mapped);
    const struct jxa_buf *b = jxa_render_shared(&r, m, JXA_FMT_OPENMETRICS, false);
    CHECK(b != NULL && b->len == copy.len && memcmp(b->data, copy.data, copy.len) == 0);
    CHECK_INT(atomic_load(&n), 3);
    jxa_buf_free(&copy);
    jxa_render_free(&r);
    jxa_mset_free(m);
}

struct racer {
    struct jxa_render *r;
    const struct jxa_mset *m;
    const struct jxa_buf *got;
};

static void *race(void *arg)
{
    struct racer *x = arg;
    x->got = jxa_render_shared(x->r, x->m, JXA_FMT_OPENMETRICS, true);
    return NULL;
}

/* Concurrent callers of one slot wait for the first and get its bytes. */
static void test_concurrent_callers_share(void)
{
    struct jxa_mset *m = small_set();
    atomic_ulong n;
    atomic_init(&n, 0);
    struct jxa_render r;
    jxa_render_init(&r, &n);
    pthread_t t[8];
    struct racer x[8];
    for (int i = 0; i < 8; i++) {
        x[i] = (struct racer){&r, m, NULL};
        pthread_create(&t[i], NULL, race, &x[i]);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        CHECK(x[i].got != NULL && x[i].got == x[0].got);
    }
    /* One: the gzip's plain bytes are made for it alone, not kept in the
     * plain slot (nobody asked for them). */
    CHECK_INT(atomic_load(&n), 1);
    CHECK(r.body[2].data == NULL);
    jxa_render_free(&r);
    jxa_mset_free(m);
}

SUITE(render)
{
    RUN(test_shared_once);
    RUN(test_gzip_alone_keeps_no_plain);
    RUN(test_drop_then_render_again);
    RUN(test_concurrent_callers_share);
}
