/* buf.h - the one growable byte buffer for all text the agent produces:
 * exposition output, match strings, error messages.
 *
 * Contract: a zeroed struct (or jxa_buf_init) is an empty buffer.  Every
 * append returns 0 or -1 on allocation failure; after a failure the buffer
 * remembers it (b->failed) and further appends are no-ops, so a caller may
 * append many times and check once.  data is always NUL-terminated when
 * non-NULL.  Not thread-safe; the owner frees it. */
#ifndef JXA_BUF_H
#define JXA_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct jxa_buf {
    char *data;
    size_t len;
    size_t cap;
    bool failed;
    /* Set by jxa_buf_init_mapped(): the storage comes from mmap, not
     * malloc (see there). */
    bool mapped;
};

void jxa_buf_init(struct jxa_buf *b);
void jxa_buf_free(struct jxa_buf *b);
/* An empty buffer whose storage is mapped pages of its own (mmap/mremap)
 * instead of malloc's: for the response bodies that HTTP workers render.
 * glibc gives each thread that allocates under contention an arena of its
 * own and keeps what is freed there for that arena's next allocations; a
 * multi-megabyte body rendered on one of 32 workers would stay in that
 * worker's arena, per worker (docs/bench.md, "Memory").  Mapped pages go
 * back to the kernel at jxa_buf_free().  Stays mapped after free or
 * reset; jxa_buf_steal() hands back a malloc'd copy. */
void jxa_buf_init_mapped(struct jxa_buf *b);
/* Empties the buffer, keeps its memory, clears `failed`. */
void jxa_buf_reset(struct jxa_buf *b);
int jxa_buf_reserve(struct jxa_buf *b, size_t extra);
/* Room for extra more bytes and the NUL, and when it must grow a malloc'd
 * buffer, exactly that (jxa_buf_reserve doubles from 64 bytes): for a
 * string that is kept as it is, e.g. the bean cache's names and
 * descriptions (jxa_jni_strdup), 100,000 of them for 10,000 MBeans
 * (docs/bench.md, "Memory").  A mapped buffer grows by whole pages. */
int jxa_buf_reserve_exact(struct jxa_buf *b, size_t extra);
int jxa_buf_put(struct jxa_buf *b, const void *p, size_t n);
int jxa_buf_puts(struct jxa_buf *b, const char *s);
int jxa_buf_putc(struct jxa_buf *b, char c);
int jxa_buf_printf(struct jxa_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int jxa_buf_vprintf(struct jxa_buf *b, const char *fmt, va_list ap);
/* Shrinks to n bytes (n <= len). */
void jxa_buf_truncate(struct jxa_buf *b, size_t n);
/* Always a valid C string ("" for an empty buffer); owned by the buffer. */
const char *jxa_buf_str(const struct jxa_buf *b);
/* Hands the heap string to the caller (free() it) and empties the buffer;
 * never NULL unless allocation failed. */
char *jxa_buf_steal(struct jxa_buf *b);

#endif
