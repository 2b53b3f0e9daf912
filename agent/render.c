/* render.c - see render.h. */
#include "render.h"

#include <string.h>
#include <sys/mman.h>
#include <zlib.h>

#include "pbexpo.h"

void jxa_render_init(struct jxa_render *r, atomic_ulong *renders)
{
    memset(r, 0, sizeof *r);
    for (int i = 0; i < JXA_RENDER_SLOTS; i++) {
        pthread_mutex_init(&r->mu[i], NULL);
        jxa_buf_init_mapped(&r->body[i]);
    }
    r->renders = renders;
}

void jxa_render_drop(struct jxa_render *r)
{
    for (int i = 0; i < JXA_RENDER_SLOTS; i++) {
        pthread_mutex_lock(&r->mu[i]);
        jxa_buf_free(&r->body[i]);
        r->done[i] = false;
        pthread_mutex_unlock(&r->mu[i]);
    }
}

void jxa_render_free(struct jxa_render *r)
{
    for (int i = 0; i < JXA_RENDER_SLOTS; i++) {
        jxa_buf_free(&r->body[i]);
        pthread_mutex_destroy(&r->mu[i]);
    }
}

int jxa_render_write(const struct jxa_mset *m, const struct jxa_write_req *req,
                     struct jxa_buf *out)
{
    int rc = req->fmt == JXA_FMT_PROTOBUF ? jxa_pb_write(m, req, out)
                                          : jxa_mset_write(m, req, out);
    return rc != 0 || out->failed ? -1 : 0;
}

/* zlib's state (about 270 KiB at windowBits 15, memLevel 8: zlib.h's
 * deflateInit2 note) from mapped pages too, for the reason in buf.h's
 * jxa_buf_init_mapped: a gzipped response is made on an HTTP worker.  A
 * length word in front of each block for the munmap. */
static voidpf z_alloc(voidpf opaque, uInt items, uInt size)
{
    (void)opaque;
    size_t n = (size_t)items * size + sizeof(size_t);
    void *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return Z_NULL;
    *(size_t *)p = n;
    return (char *)p + sizeof(size_t);
}

static void z_free(voidpf opaque, voidpf addr)
{
    (void)opaque;
    char *p = (char *)addr - sizeof(size_t);
    munmap(p, *(size_t *)p);
}

int jxa_gzip(const struct jxa_buf *in, struct jxa_buf *out)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    zs.zalloc = z_alloc;
    zs.zfree = z_free;
    /* Level 1: 6x smaller at a third of level 6's cost (docs/design.md §10). */
    if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    uLong bound = deflateBound(&zs, (uLong)in->len);
    if (jxa_buf_reserve(out, bound + 1) != 0) {
        deflateEnd(&zs);
        return -1;
    }
    zs.next_in = (Bytef *)(in->data ? in->data : "");
    zs.avail_in = (uInt)in->len;
    zs.next_out = (Bytef *)out->data;
    zs.avail_out = (uInt)bound;
    int rc = deflate(&zs, Z_FINISH);
    out->len = zs.total_out;
    deflateEnd(&zs);
    return rc == Z_STREAM_END ? 0 : -1;
}

const struct jxa_buf *jxa_render_shared(struct jxa_render *r, const struct jxa_mset *m,
                                        enum jxa_format fmt, bool gzip)
{
    int plain = (int)fmt * 2, slot = plain + (gzip ? 1 : 0);
    if (fmt < JXA_FMT_TEXT || fmt > JXA_FMT_PROTOBUF)
        return NULL;
    /* The first caller renders while the others wait on the slot's lock:
     * they want these very bytes.  A gzip slot takes its plain slot's lock
     * inside its own, never the other way round. */
    pthread_mutex_lock(&r->mu[slot]);
    const struct jxa_buf *b = &r->body[slot];
    if (!r->done[slot]) {
        int rc;
        if (gzip) {
            /* From the plain slot when a request asked for the plain bytes
             * already (they stay as they are until jxa_render_drop, which
             * no one calls while they are in use); else rendered for the
             * gzip alone and freed: a walk scraped only with gzip, as
             * Prometheus scrapes, keeps only the compressed bytes. */
            pthread_mutex_lock(&r->mu[plain]);
            bool have = r->done[plain];
            pthread_mutex_unlock(&r->mu[plain]);
            if (have) {
                rc = jxa_gzip(&r->body[plain], &r->body[slot]);
            } else {
                struct jxa_buf tmp;
                jxa_buf_init_mapped(&tmp);
                struct jxa_write_req req = {fmt, NULL, 0, 0};
                rc = jxa_render_write(m, &req, &tmp);
                if (rc == 0)
                    rc = jxa_gzip(&tmp, &r->body[slot]);
                jxa_buf_free(&tmp);
            }
        } else {
            struct jxa_write_req req = {fmt, NULL, 0, 0};
            rc = jxa_render_write(m, &req, &r->body[slot]);
        }
        if (rc == 0) {
            r->done[slot] = true;
            if (r->renders != NULL)
                atomic_fetch_add(r->renders, 1);
        } else {
            jxa_buf_free(&r->body[slot]);
            b = NULL;
        }
    }
    pthread_mutex_unlock(&r->mu[slot]);
    return b;
}
