/* pool.c - see pool.h. */
#include "pool.h"

#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Under ASan (make test-asan, test-unit-san) a block's bytes past what was
 * asked for, free blocks and a chunk's unused rest are poisoned: an
 * overrun of a set's array is reported as it would be for malloc's. */
#if defined(__SANITIZE_ADDRESS__)
#define JXA_POOL_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define JXA_POOL_ASAN 1
#endif
#endif
#if defined(JXA_POOL_ASAN)
#include <sanitizer/asan_interface.h>
#define POISON(a, n) ASAN_POISON_MEMORY_REGION((a), (n))
#define UNPOISON(a, n) ASAN_UNPOISON_MEMORY_REGION((a), (n))
#else
#define POISON(a, n) ((void)(a), (void)(n))
#define UNPOISON(a, n) ((void)(a), (void)(n))
#endif

/* The chunk's header takes one 64-byte block, so every block is 64-byte
 * aligned (all block sizes are multiples of 64). */
struct jxa_pool_chunk {
    struct jxa_pool_chunk *next;
    size_t size;
};
#define HEADER ((size_t)1 << JXA_POOL_MIN_SHIFT)
_Static_assert(sizeof(struct jxa_pool_chunk) <= HEADER, "chunk header fits its block");

void jxa_pool_init(struct jxa_pool *p)
{
    memset(p, 0, sizeof *p);
}

static void *map(size_t n)
{
    void *q = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return q == MAP_FAILED ? NULL : q;
}

/* The size class of a block of n bytes (n <= JXA_POOL_MAX_BLOCK). */
static unsigned cls(size_t n)
{
    unsigned k = JXA_POOL_MIN_SHIFT;
    while (((size_t)1 << k) < n)
        k++;
    return k - JXA_POOL_MIN_SHIFT;
}

static void *alloc_small(struct jxa_pool *p, unsigned c)
{
    void *q = p->free[c];
    if (q != NULL) {
        UNPOISON(q, sizeof(void *));
        memcpy(&p->free[c], q, sizeof(void *));
        return q;
    }
    size_t n = (size_t)1 << (c + JXA_POOL_MIN_SHIFT);
    /* A block of a page or more starts on a page, so jxa_pool_trim can
     * give all of it back; the gap before it is never written. */
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t skip = n >= page ? (page - (uintptr_t)p->bump % page) % page : 0;
    if (p->room < n || p->room - n < skip) {
        /* The rest of the old chunk stays unused: pages never written are
         * not resident. */
        struct jxa_pool_chunk *ch = map(JXA_POOL_CHUNK);
        if (ch == NULL)
            return NULL;
        ch->next = p->chunks;
        ch->size = JXA_POOL_CHUNK;
        p->chunks = ch;
        p->mapped += JXA_POOL_CHUNK;
        p->bump = (char *)ch + HEADER;
        p->room = JXA_POOL_CHUNK - HEADER;
        POISON(p->bump, p->room);
        skip = n >= page ? page - HEADER : 0;
    }
    p->bump += skip;
    p->room -= skip;
    q = p->bump;
    p->bump += n;
    p->room -= n;
    return q;
}

void jxa_pool_release(struct jxa_pool *p, void *q, size_t bytes)
{
    if (q == NULL)
        return;
    if (bytes > JXA_POOL_MAX_BLOCK) {
        munmap(q, bytes);
        p->mapped -= bytes;
        return;
    }
    unsigned c = cls(bytes);
    UNPOISON(q, sizeof(void *));
    memcpy(q, &p->free[c], sizeof(void *));
    POISON(q, (size_t)1 << (c + JXA_POOL_MIN_SHIFT));
    p->free[c] = q;
}

void *jxa_pool_realloc(struct jxa_pool *p, void *old, size_t oldbytes, size_t newbytes)
{
    if (old == NULL)
        oldbytes = 0;
    if (newbytes == 0)
        newbytes = 1;
    if (newbytes > JXA_POOL_MAX_BLOCK) {
        void *q;
        if (oldbytes > JXA_POOL_MAX_BLOCK) {
            q = mremap(old, oldbytes, newbytes, MREMAP_MAYMOVE);
            if (q == MAP_FAILED)
                return NULL;
        } else {
            if ((q = map(newbytes)) == NULL)
                return NULL;
            if (old != NULL) {
                memcpy(q, old, oldbytes);
                jxa_pool_release(p, old, oldbytes);
            }
            oldbytes = 0;
        }
        p->mapped += newbytes - oldbytes;
        return q;
    }
    if (old != NULL && oldbytes <= JXA_POOL_MAX_BLOCK && cls(oldbytes) == cls(newbytes)) {
        POISON(old, (size_t)1 << (cls(newbytes) + JXA_POOL_MIN_SHIFT));
        UNPOISON(old, newbytes);
        return old;
    }
    void *q = alloc_small(p, cls(newbytes));
    if (q == NULL)
        return NULL;
    UNPOISON(q, newbytes);
    if (old != NULL) {
        memcpy(q, old, oldbytes < newbytes ? oldbytes : newbytes);
        jxa_pool_release(p, old, oldbytes);
    }
    return q;
}

void jxa_pool_trim(struct jxa_pool *p)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    for (unsigned c = 0; c <= JXA_POOL_MAX_SHIFT - JXA_POOL_MIN_SHIFT; c++) {
        size_t n = (size_t)1 << (c + JXA_POOL_MIN_SHIFT);
        if (n < page)
            continue;
        void *q = p->free[c];
        while (q != NULL) {
            void *next;
            UNPOISON(q, sizeof(void *));
            memcpy(&next, q, sizeof next);
            /* Whole pages (alloc_small): the kernel drops them, and maps
             * zero pages if they are written again. */
            madvise(q, n, MADV_DONTNEED);
            POISON(q, n);
            q = next;
        }
        p->free[c] = NULL;
    }
}

void jxa_pool_free(struct jxa_pool *p)
{
    struct jxa_pool_chunk *ch = p->chunks;
    while (ch != NULL) {
        struct jxa_pool_chunk *next = ch->next;
        UNPOISON(ch, ch->size);     /* the next mapping here is someone else's */
        munmap(ch, ch->size);
        ch = next;
    }
    /* Big blocks are unmapped by their owner (jxa_pool_release): the pool
     * does not list them. */
    jxa_pool_init(p);
}
