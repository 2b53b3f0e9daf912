/* pool.h - the arrays of one owner (a walk's metric set, mset.c) in mapped
 * pages of their own, given back to the kernel all at once.
 *
 * A walk builds its metric set on the scraper thread while the previous
 * one is still served, then frees the previous one.  From malloc, the
 * set's arrays (a family's samples grow by doubling) came from the scraper
 * thread's glibc arena, and what a freed set left there stayed resident:
 * glibc returns a non-main arena's free memory to the kernel only from the
 * top of its heap (malloc_trim aside), and the bean cache, made by the same
 * thread, sits above it.  Measured on 10,000 MBeans: 7 MiB of that arena
 * free but resident after 1,000 scrapes (docs/bench.md, "Memory").  Here
 * blocks of up to JXA_POOL_MAX_BLOCK bytes are carved from 1 MiB mappings
 * (only the pages used are resident), in power-of-two size classes with a
 * free list each, so a block given back is reused by the next array of its
 * class; bigger ones are mappings of their own (mremap grows them without
 * a copy).  jxa_pool_free unmaps the chunks; the owner gives the big
 * blocks back (jxa_pool_release) before.  Not thread-safe: one owner. */
#ifndef JXA_POOL_H
#define JXA_POOL_H

#include <stddef.h>

#define JXA_POOL_MIN_SHIFT 6           /* 64-byte blocks at least */
#define JXA_POOL_MAX_SHIFT 16          /* 64 KiB: larger blocks are mappings of their own */
#define JXA_POOL_MAX_BLOCK ((size_t)1 << JXA_POOL_MAX_SHIFT)
#define JXA_POOL_CHUNK ((size_t)1 << 20)

struct jxa_pool_chunk;

struct jxa_pool {
    struct jxa_pool_chunk *chunks;     /* all chunks, newest first */
    char *bump;                         /* free space in the newest chunk */
    size_t room;
    void *free[JXA_POOL_MAX_SHIFT - JXA_POOL_MIN_SHIFT + 1];
    size_t mapped;                      /* bytes mapped now (chunks and big blocks) */
};

/* A zeroed struct is an empty pool too. */
void jxa_pool_init(struct jxa_pool *p);

/* realloc(3) for a block of the pool: old may be NULL (oldbytes 0);
 * oldbytes must be what old was asked for.  The first min(oldbytes,
 * newbytes) bytes move over; old's block goes back to its free list.
 * NULL when out of memory (old is then untouched). */
void *jxa_pool_realloc(struct jxa_pool *p, void *old, size_t oldbytes, size_t newbytes);

/* Gives a block back (NULL is fine); bytes as it was asked for. */
void jxa_pool_release(struct jxa_pool *p, void *q, size_t bytes);

/* Gives the pages of the free blocks of a page or more back to the kernel
 * and forgets those blocks (they stay mapped, not resident, until
 * jxa_pool_free).  For an owner that is done growing: a metric set's
 * arrays grow by doubling, and what the growth left behind (about as much
 * as the arrays themselves, when all families grow together) would stay
 * resident as long as the set.  Smaller blocks stay on their lists. */
void jxa_pool_trim(struct jxa_pool *p);

/* Unmaps every chunk (blocks bigger than JXA_POOL_MAX_BLOCK are the
 * owner's to release); the pool is empty after it. */
void jxa_pool_free(struct jxa_pool *p);

#endif
