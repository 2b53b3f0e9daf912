/* buf.c - the growable byte buffer (include/buf.h). */
#include "buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

void jxa_buf_init(struct jxa_buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->failed = false;
    b->mapped = false;
}

void jxa_buf_init_mapped(struct jxa_buf *b)
{
    jxa_buf_init(b);
    b->mapped = true;
}

void jxa_buf_free(struct jxa_buf *b)
{
    bool mapped = b->mapped;
    if (mapped && b->data != NULL)
        munmap(b->data, b->cap);
    else
        free(b->data);
    jxa_buf_init(b);
    b->mapped = mapped;
}

/* Grows a mapped buffer to at least need bytes, whole pages; mremap moves
 * the pages instead of copying them. */
static char *grow_mapped(struct jxa_buf *b, size_t need, size_t *cap)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t c = b->cap ? b->cap : page;
    while (c < need)
        c *= 2;
    void *p = b->data == NULL
                  ? mmap(NULL, c, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
                  : mremap(b->data, b->cap, c, MREMAP_MAYMOVE);
    if (p == MAP_FAILED)
        return NULL;
    *cap = c;
    return p;
}

void jxa_buf_reset(struct jxa_buf *b)
{
    b->len = 0;
    b->failed = false;
    if (b->data)
        b->data[0] = '\0';
}

static int reserve(struct jxa_buf *b, size_t extra, bool exact)
{
    if (b->failed)
        return -1;
    if (extra >= SIZE_MAX / 2 - b->len) {
        b->failed = true;
        return -1;
    }
    size_t need = b->len + extra + 1;       /* +1: the NUL */
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    char *p;
    if (b->mapped) {
        p = grow_mapped(b, need, &cap);
    } else {
        if (exact)
            cap = need;
        while (cap < need)
            cap *= 2;
        p = realloc(b->data, cap);
    }
    if (!p) {
        b->failed = true;
        return -1;
    }
    b->data = p;
    b->cap = cap;
    return 0;
}

int jxa_buf_reserve(struct jxa_buf *b, size_t extra)
{
    return reserve(b, extra, false);
}

int jxa_buf_reserve_exact(struct jxa_buf *b, size_t extra)
{
    return reserve(b, extra, true);
}

int jxa_buf_put(struct jxa_buf *b, const void *p, size_t n)
{
    if (jxa_buf_reserve(b, n) < 0)
        return -1;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int jxa_buf_puts(struct jxa_buf *b, const char *s)
{
    return jxa_buf_put(b, s, strlen(s));
}

int jxa_buf_putc(struct jxa_buf *b, char c)
{
    if (b->len + 1 < b->cap && !b->failed) {    /* the common case, inline */
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
        return 0;
    }
    return jxa_buf_put(b, &c, 1);
}

int jxa_buf_vprintf(struct jxa_buf *b, const char *fmt, va_list ap)
{
    if (b->failed)
        return -1;
    va_list ap2;
    va_copy(ap2, ap);
    size_t room = b->cap > b->len ? b->cap - b->len : 0;
    int n = vsnprintf(room ? b->data + b->len : NULL, room, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        b->failed = true;
        return -1;
    }
    if ((size_t)n >= room) {
        if (jxa_buf_reserve(b, (size_t)n) < 0)
            return -1;
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    }
    b->len += (size_t)n;
    return 0;
}

int jxa_buf_printf(struct jxa_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = jxa_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

void jxa_buf_truncate(struct jxa_buf *b, size_t n)
{
    if (n < b->len) {
        b->len = n;
        b->data[n] = '\0';
    }
}

const char *jxa_buf_str(const struct jxa_buf *b)
{
    return b->data ? b->data : "";
}

char *jxa_buf_steal(struct jxa_buf *b)
{
    char *s = b->data;
    if (b->failed) {            /* partial text is worse than none */
        jxa_buf_free(b);
        return NULL;
    }
    if (b->mapped) {            /* the caller will free() it */
        s = malloc(b->len + 1);
        if (s != NULL) {
            memcpy(s, jxa_buf_str(b), b->len);
            s[b->len] = '\0';
        }
        jxa_buf_free(b);
        return s;
    }
    if (!s) {
        s = malloc(1);
        if (s)
            s[0] = '\0';
    }
    jxa_buf_init(b);
    return s;
}
