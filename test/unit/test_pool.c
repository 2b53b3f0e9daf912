/* test_pool.c - a metric set's arrays in mapped pages of its own (pool.h). */
#include <stdbool.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "pool.h"

static bool is_mapped(const void *q)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    unsigned char v;
    void *at = (void *)((uintptr_t)q & ~(uintptr_t)(page - 1));
    return mincore(at, 1, &v) == 0;
}

/* Contents survive growth through the small classes into a mapping of its
 * own and back. */
static void test_grow_keeps_contents(void)
{
    struct jxa_pool p;
    jxa_pool_init(&p);
    size_t n = 4, bytes = 0;
    int *a = NULL;
    for (int round = 0; round < 16; round++) {
        int *q = jxa_pool_realloc(&p, a, bytes, n * sizeof *q);
        CHECK(q != NULL);
        if (q == NULL)
            break;
        CHECK((uintptr_t)q % 16 == 0);
        for (size_t i = bytes / sizeof *q; i < n; i++)
            q[i] = (int)i * 7;
        a = q;
        bytes = n * sizeof *q;
        n *= 2;
    }
    /* 4 << 15 ints: 512 KiB, past JXA_POOL_MAX_BLOCK. */
    CHECK(bytes > JXA_POOL_MAX_BLOCK);
    int bad = 0;
    for (size_t i = 0; i < bytes / sizeof *a; i++)
        bad += a[i] != (int)i * 7;
    CHECK_INT(bad, 0);
    /* Shrinking into a small class keeps the head. */
    int *s = jxa_pool_realloc(&p, a, bytes, 100 * sizeof *s);
    CHECK(s != NULL && s[99] == 99 * 7 && s[0] == 0);
    jxa_pool_release(&p, s, 100 * sizeof *s);
    jxa_pool_free(&p);
    CHECK_INT(p.mapped, 0);
}

/* What a walk does to its set: arrays that grow by doubling, given back,
 * grown again.  A block given back serves the next array of its class, so
 * ten rounds map what one does. */
static void test_released_blocks_are_reused(void)
{
    struct jxa_pool p;
    jxa_pool_init(&p);
    enum { ARRAYS = 200 };
    void *arr[ARRAYS];
    size_t after_first = 0;
    for (int round = 0; round < 10; round++) {
        for (int k = 0; k < ARRAYS; k++) {
            arr[k] = NULL;
            size_t bytes = 0;
            for (size_t n = 64; n <= 4096; n *= 2) {
                void *q = jxa_pool_realloc(&p, arr[k], bytes, n);
                CHECK(q != NULL);
                if (q == NULL)
                    return;
                memset((char *)q + bytes, k & 0xff, n - bytes);
                arr[k] = q;
                bytes = n;
            }
        }
        for (int k = 0; k < ARRAYS; k++) {
            CHECK(((unsigned char *)arr[k])[4095] == (k & 0xff));
            jxa_pool_release(&p, arr[k], 4096);
        }
        if (round == 0)
            after_first = p.mapped;
    }
    /* 200 x 4 KiB live at most, and the smaller blocks of the growth: two
     * chunks. */
    CHECK(after_first <= 2 * JXA_POOL_CHUNK);
    CHECK_INT(p.mapped, after_first);
    jxa_pool_free(&p);
}

/* jxa_pool_free hands the pages back to the kernel. */
static void test_free_unmaps(void)
{
    struct jxa_pool p;
    jxa_pool_init(&p);
    char *small = jxa_pool_realloc(&p, NULL, 0, 100);
    char *big = jxa_pool_realloc(&p, NULL, 0, 3 * JXA_POOL_MAX_BLOCK);
    CHECK(small != NULL && big != NULL);
    if (small == NULL || big == NULL)
        return;
    small[99] = 'x';
    big[3 * JXA_POOL_MAX_BLOCK - 1] = 'y';
    CHECK(is_mapped(small) && is_mapped(big));
    CHECK_INT(p.mapped, JXA_POOL_CHUNK + 3 * JXA_POOL_MAX_BLOCK);
    jxa_pool_release(&p, big, 3 * JXA_POOL_MAX_BLOCK);
    CHECK(!is_mapped(big));
    jxa_pool_free(&p);
    CHECK(!is_mapped(small));
    CHECK_INT(p.mapped, 0);
    CHECK(p.chunks == NULL && p.room == 0);
}

static bool resident(const void *q)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    unsigned char v = 0;
    void *at = (void *)((uintptr_t)q & ~(uintptr_t)(page - 1));
    return mincore(at, 1, &v) == 0 && (v & 1);
}

/* What the doubling left behind is not resident after jxa_pool_trim; the
 * arrays in use are untouched, and the pool still allocates. */
static void test_trim_gives_back_growth(void)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    struct jxa_pool p;
    jxa_pool_init(&p);
    char *a = NULL, *old[8];
    size_t bytes = 0;
    int nold = 0;
    for (size_t n = page; n <= JXA_POOL_MAX_BLOCK; n *= 2) {
        char *q = jxa_pool_realloc(&p, a, bytes, n);
        CHECK(q != NULL);
        if (q == NULL)
            return;
        CHECK((uintptr_t)q % page == 0);        /* a page or more: on a page */
        memset(q + bytes, 'x', n - bytes);
        if (a != NULL && nold < 8)
            old[nold++] = a;
        a = q;
        bytes = n;
    }
    CHECK(nold >= 3);
    for (int i = 0; i < nold; i++)
        CHECK(resident(old[i]));
    jxa_pool_trim(&p);
    for (int i = 0; i < nold; i++)
        CHECK(!resident(old[i]));
    CHECK(resident(a) && a[0] == 'x' && a[bytes - 1] == 'x');
    char *b = jxa_pool_realloc(&p, NULL, 0, page);
    CHECK(b != NULL && b != old[0]);
    if (b != NULL)
        memset(b, 'y', page);
    jxa_pool_free(&p);
}

SUITE(pool)
{
    RUN(test_trim_gives_back_growth);
    RUN(test_grow_keeps_contents);
    RUN(test_released_blocks_are_reused);
    RUN(test_free_unmaps);
}
