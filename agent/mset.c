/* mset.c - a scrape's metric families and their exposition
 * (include/mset.h).
 *
 * Memory: all strings of a scrape live in one arena (a jxa_buf addressed
 * by offsets, so growth never invalidates them), labels in one array of
 * offset pairs, samples in per-family arrays.  jxa_mset_reset() keeps all
 * of it for the next scrape, so a steady-state scrape does not malloc.
 * The arrays (samples of a family, labels, native buckets) come from the
 * set's own mapped pool (pool.h), not from the scraper thread's malloc
 * arena, for the reason the string arena is mapped (jxa_mset_new). */
#include "mset.h"

#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "javafmt.h"
#include "pool.h"

#define NOSTR SIZE_MAX

struct mlabel {
    size_t name, value;         /* arena offsets */
};

struct msample {
    size_t labels;              /* index of the first label in m->labels */
    uint32_t nlabels;
    uint32_t seq;               /* insertion order: stable sorts, first wins */
    double value;
    size_t match_key;           /* arena offset or NOSTR */
    size_t suffix;              /* arena offset or NOSTR ("") */
    enum jxa_mtype type;        /* rule type (jmx samples) */
    int flags;
    bool dropped;
    uint64_t key;               /* sort key prefix (set_keys), 0 for none */
};

struct jxa_family {
    struct jxa_mset *m;
    size_t name, help, unit;    /* arena offsets, NOSTR = none */
    enum jxa_mtype type;
    bool jmx;                   /* fed by jxa_mset_add_jmx() */
    bool mixed;                 /* jmx samples of different types */
    bool sink;                  /* swallows samples of a name clash */
    struct msample *s;
    size_t ns, cap;
};

/* A native histogram attached to a data point (jxa_family_add_native). */
struct mnative {
    const struct jxa_family *f;
    size_t labels;              /* index of the first label in m->labels */
    uint32_t nlabels;
    int schema;
    double zero_threshold;
    unsigned long long zero_count;
    size_t first, n;            /* buckets [first, first + n) of nidx/ncnt */
};

struct jxa_mset {
    struct jxa_buf arena;
    struct jxa_pool pool;       /* the arrays below and the samples' */
    struct mlabel *labels;
    size_t nlabels, cap_labels;
    struct jxa_family **fams;   /* [0, nfams) in use, up to nalloc reusable */
    size_t nfams, nalloc, cap_fams;
    uint32_t *hash;             /* open addressing: family index + 1 */
    size_t hcap;
    /* Label names, each stored once (open addressing: arena offset + 1):
     * a walk of 10,000 beans repeats a handful of names, and equal names
     * at one offset let the sort compare them without strcmp. */
    size_t *lnames;
    size_t lncap, nlnames;
    void *scratch;              /* sort_samples' buffer, kept for the walk */
    size_t scratch_cap;
    uint32_t seq;
    size_t dropped;
    bool oom;
    struct jxa_family sink;
    /* Families sorted by name, made once by jxa_mset_finish: every request
     * renders the same published set, so it is not sorted per request. */
    struct jxa_family **order;
    size_t norder;
    struct mnative *nat;
    size_t nnat, cap_nat;
    int *nidx;
    unsigned long long *ncnt;
    size_t nb, cap_nidx, cap_ncnt;
};

static const char *S(const struct jxa_mset *m, size_t off)
{
    return off == NOSTR ? NULL : m->arena.data + off;
}

static size_t arena_add(struct jxa_mset *m, const char *s)
{
    if (!s)
        return NOSTR;
    size_t off = m->arena.len;
    if (jxa_buf_put(&m->arena, s, strlen(s) + 1) < 0) {
        m->oom = true;
        return NOSTR;
    }
    /* jxa_buf_put counted the NUL in len; that is what we want: the next
     * string starts after it. */
    return off;
}

struct jxa_mset *jxa_mset_new(void)
{
    struct jxa_mset *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    /* The walk's strings are the largest block of a walk (megabytes for
     * 10,000 MBeans) and are freed when the next walk's result replaces
     * this one: mapped pages go back to the kernel then, where a malloc'd
     * block would stay in the scraper thread's arena (buf.h,
     * jxa_buf_init_mapped; docs/bench.md, "Memory"). */
    jxa_buf_init_mapped(&m->arena);
    jxa_pool_init(&m->pool);
    m->sink.m = m;
    m->sink.sink = true;
    m->sink.name = m->sink.help = m->sink.unit = NOSTR;
    return m;
}

void jxa_mset_reset(struct jxa_mset *m)
{
    jxa_buf_reset(&m->arena);
    m->nlabels = 0;
    for (size_t i = 0; i < m->nfams; i++)
        m->fams[i]->ns = 0;
    m->nfams = 0;
    if (m->hash)
        memset(m->hash, 0, m->hcap * sizeof *m->hash);
    if (m->lnames)
        memset(m->lnames, 0, m->lncap * sizeof *m->lnames);
    m->nlnames = 0;
    m->seq = 0;
    m->dropped = 0;
    m->oom = false;
    m->norder = 0;
    m->nnat = 0;
    m->nb = 0;
}

void jxa_mset_free(struct jxa_mset *m)
{
    if (!m)
        return;
    jxa_buf_free(&m->arena);
    jxa_pool_release(&m->pool, m->labels, m->cap_labels * sizeof *m->labels);
    for (size_t i = 0; i < m->nalloc; i++) {
        jxa_pool_release(&m->pool, m->fams[i]->s, m->fams[i]->cap * sizeof *m->fams[i]->s);
        free(m->fams[i]);
    }
    free(m->fams);
    free(m->hash);
    free(m->lnames);
    free(m->scratch);
    free(m->order);
    jxa_pool_release(&m->pool, m->nat, m->cap_nat * sizeof *m->nat);
    jxa_pool_release(&m->pool, m->nidx, m->cap_nidx * sizeof *m->nidx);
    jxa_pool_release(&m->pool, m->ncnt, m->cap_ncnt * sizeof *m->ncnt);
    jxa_pool_free(&m->pool);
    free(m);
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;        /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* A label name's arena offset, the same one for equal names.  When the
 * table cannot grow the name is stored once more: still correct, as the
 * comparisons fall back to strcmp for different offsets. */
static size_t label_name(struct jxa_mset *m, const char *s)
{
    if ((m->nlnames + 1) * 2 > m->lncap) {
        size_t nc = m->lncap ? m->lncap * 2 : 64;
        size_t *t = calloc(nc, sizeof *t);
        if (t == NULL)
            return arena_add(m, s);
        for (size_t k = 0; k < m->lncap; k++) {
            if (!m->lnames[k])
                continue;
            size_t i = hash_str(S(m, m->lnames[k] - 1)) & (nc - 1);
            while (t[i])
                i = (i + 1) & (nc - 1);
            t[i] = m->lnames[k];
        }
        free(m->lnames);
        m->lnames = t;
        m->lncap = nc;
    }
    size_t mask = m->lncap - 1, i = hash_str(s) & mask;
    for (; m->lnames[i]; i = (i + 1) & mask)
        if (strcmp(S(m, m->lnames[i] - 1), s) == 0)
            return m->lnames[i] - 1;
    size_t off = arena_add(m, s);
    if (off != NOSTR) {
        m->lnames[i] = off + 1;
        m->nlnames++;
    }
    return off;
}

static struct jxa_family *lookup(const struct jxa_mset *m, const char *name,
                                 size_t *slot)
{
    if (!m->hcap) {
        *slot = 0;
        return NULL;
    }
    size_t mask = m->hcap - 1, i = hash_str(name) & mask;
    while (m->hash[i]) {
        struct jxa_family *f = m->fams[m->hash[i] - 1];
        if (strcmp(S(m, f->name), name) == 0) {
            *slot = i;
            return f;
        }
        i = (i + 1) & mask;
    }
    *slot = i;
    return NULL;
}

static int rehash(struct jxa_mset *m, size_t ncap)
{
    uint32_t *h = calloc(ncap, sizeof *h);
    if (!h)
        return -1;
    free(m->hash);
    m->hash = h;
    m->hcap = ncap;
    for (size_t k = 0; k < m->nfams; k++) {
        size_t i = hash_str(S(m, m->fams[k]->name)) & (ncap - 1);
        while (h[i])
            i = (i + 1) & (ncap - 1);
        h[i] = (uint32_t)(k + 1);
    }
    return 0;
}

static struct jxa_family *new_family(struct jxa_mset *m, const char *name,
                                     enum jxa_mtype type, const char *help,
                                     const char *unit, bool jmx)
{
    if ((m->nfams + 1) * 2 > m->hcap &&
        rehash(m, m->hcap ? m->hcap * 2 : 256) < 0)
        return NULL;
    if (m->nfams == m->nalloc) {
        if (m->nalloc == m->cap_fams) {
            size_t nc = m->cap_fams ? m->cap_fams * 2 : 64;
            struct jxa_family **p = realloc(m->fams, nc * sizeof *p);
            if (!p)
                return NULL;
            m->fams = p;
            m->cap_fams = nc;
        }
        struct jxa_family *f = calloc(1, sizeof *f);
        if (!f)
            return NULL;
        m->fams[m->nalloc++] = f;
    }
    struct jxa_family *f = m->fams[m->nfams];
    f->m = m;
    f->name = arena_add(m, name);
    f->help = help && *help ? arena_add(m, help) : NOSTR;
    f->unit = unit && *unit ? arena_add(m, unit) : NOSTR;
    if (m->oom)
        return NULL;
    f->type = type;
    f->jmx = jmx;
    f->mixed = false;
    f->sink = false;
    f->ns = 0;
    size_t slot;
    lookup(m, name, &slot);
    m->hash[slot] = (uint32_t)(m->nfams + 1);
    m->nfams++;
    return f;
}

static int label_cmp_name(const struct jxa_label *a, const struct jxa_label *b)
{
    return strcmp(a->name, b->name);
}

/* Appends a sample with its labels sorted by name (Labels.of sorts). */
static int push_sample(struct jxa_family *f, const char *suffix,
                       const struct jxa_label *labels, size_t nlabels,
                       double value, int flags, enum jxa_mtype type,
                       const char *match_key)
{
    struct jxa_mset *m = f->m;
    if (f->ns == f->cap) {
        size_t nc = f->cap ? f->cap * 2 : 8;
        struct msample *p = jxa_pool_realloc(&m->pool, f->s, f->cap * sizeof *p, nc * sizeof *p);
        if (!p)
            return -1;
        f->s = p;
        f->cap = nc;
    }
    if (m->nlabels + nlabels > m->cap_labels) {
        size_t nc = m->cap_labels ? m->cap_labels * 2 : 256;
        while (nc < m->nlabels + nlabels)
            nc *= 2;
        struct mlabel *p = jxa_pool_realloc(&m->pool, m->labels, m->cap_labels * sizeof *p,
                                                nc * sizeof *p);
        if (!p)
            return -1;
        m->labels = p;
        m->cap_labels = nc;
    }
    /* Insertion sort of the (few) labels by name. */
    const struct jxa_label *small[16];
    const struct jxa_label **order = small;
    if (nlabels > 16 && !(order = malloc(nlabels * sizeof *order)))
        return -1;
    for (size_t i = 0; i < nlabels; i++) {
        size_t j = i;
        while (j > 0 && label_cmp_name(order[j - 1], &labels[i]) > 0) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = &labels[i];
    }
    struct msample *s = &f->s[f->ns];
    s->labels = m->nlabels;
    s->nlabels = (uint32_t)nlabels;
    for (size_t i = 0; i < nlabels; i++) {
        m->labels[m->nlabels].name = label_name(m, order[i]->name);
        m->labels[m->nlabels].value = arena_add(m, order[i]->value);
        m->nlabels++;
    }
    if (order != small)
        free(order);
    s->seq = m->seq++;
    s->value = value;
    s->match_key = arena_add(m, match_key);
    s->suffix = suffix && *suffix ? arena_add(m, suffix) : NOSTR;
    s->type = type;
    s->flags = flags;
    s->dropped = false;
    if (m->oom)
        return -1;
    f->ns++;
    return 0;
}

int jxa_mset_add_jmx(struct jxa_mset *m, const char *name, enum jxa_mtype type,
                     const char *help, const struct jxa_label *labels,
                     size_t nlabels, double value, const char *match_key)
{
    size_t slot;
    struct jxa_family *f = lookup(m, name, &slot);
    if (!f) {
        f = new_family(m, name, type, help, NULL, true);
        if (!f)
            return -1;
    } else if (!f->jmx) {
        /* jmx_exporter 1.0.1 fails the whole response with "duplicate
         * metric name" when a rule emits a name a native collector owns;
         * we keep the native family and drop the rule's sample. */
        m->dropped++;
        return 0;
    }
    if (type != f->type)
        f->mixed = true;
    return push_sample(f, "", labels, nlabels, value, 0, type, match_key);
}

struct jxa_family *jxa_mset_family(struct jxa_mset *m, const char *name,
                                   enum jxa_mtype type, const char *help,
                                   const char *unit)
{
    size_t slot;
    struct jxa_family *f = lookup(m, name, &slot);
    if (f)
        return f->jmx ? &m->sink : f;
    return new_family(m, name, type, help, unit, false);
}

int jxa_family_add(struct jxa_family *f, const char *suffix,
                   const struct jxa_label *labels, size_t nlabels,
                   double value, int flags)
{
    if (!f)
        return -1;
    if (f->sink) {
        f->m->dropped++;
        return 0;
    }
    return push_sample(f, suffix, labels, nlabels, value, flags, f->type,
                       NULL);
}

/* Room for need elements of size bytes in *p (capacity *cap); false when
 * the pool is out of memory (*p and *cap unchanged). */
static bool grow(struct jxa_mset *m, void *pp, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return true;
    size_t nc = *cap ? *cap : 16;
    while (nc < need)
        nc *= 2;
    void *old;
    memcpy(&old, pp, sizeof old);
    void *q = jxa_pool_realloc(&m->pool, old, *cap * size, nc * size);
    if (!q)
        return false;
    memcpy(pp, &q, sizeof q);
    *cap = nc;
    return true;
}

int jxa_family_add_native(struct jxa_family *f, const struct jxa_label *labels,
                          size_t nlabels, const struct jxa_native_hist *h)
{
    if (!f || f->sink || f->jmx || f->type != JXA_HISTOGRAM)
        return -1;
    struct jxa_mset *m = f->m;
    if (!grow(m, &m->nat, &m->cap_nat, m->nnat + 1, sizeof *m->nat) ||
        !grow(m, &m->labels, &m->cap_labels, m->nlabels + nlabels, sizeof *m->labels) ||
        !grow(m, &m->nidx, &m->cap_nidx, m->nb + h->n, sizeof *m->nidx) ||
        !grow(m, &m->ncnt, &m->cap_ncnt, m->nb + h->n, sizeof *m->ncnt))
        return -1;
    struct mnative *nv = &m->nat[m->nnat];
    nv->f = f;
    nv->labels = m->nlabels;
    nv->nlabels = (uint32_t)nlabels;
    /* Sorted by name, as push_sample stores a sample's labels. */
    for (size_t i = 0; i < nlabels; i++) {
        size_t j = m->nlabels + i;
        struct mlabel l = {label_name(m, labels[i].name), arena_add(m, labels[i].value)};
        if (m->oom)
            return -1;
        while (j > nv->labels && strcmp(S(m, m->labels[j - 1].name), labels[i].name) > 0) {
            m->labels[j] = m->labels[j - 1];
            j--;
        }
        m->labels[j] = l;
    }
    m->nlabels += nlabels;
    nv->schema = h->schema;
    nv->zero_threshold = h->zero_threshold;
    nv->zero_count = h->zero_count;
    nv->first = m->nb;
    nv->n = h->n;
    if (h->n) {
        memcpy(m->nidx + m->nb, h->index, h->n * sizeof *m->nidx);
        memcpy(m->ncnt + m->nb, h->count, h->n * sizeof *m->ncnt);
    }
    m->nb += h->n;
    m->nnat++;
    return 0;
}

/* ---- sorting and collisions ------------------------------------------ */

/* Sort context: qsort_r is GNU; the comparator needs the arena. */
static int cmp_strarr(const struct jxa_mset *m, const struct msample *a,
                      const struct msample *b, bool values, const char *skip)
{
    uint32_t i = 0, j = 0;
    for (;;) {
        while (skip && i < a->nlabels &&
               strcmp(S(m, m->labels[a->labels + i].name), skip) == 0)
            i++;
        while (skip && j < b->nlabels &&
               strcmp(S(m, m->labels[b->labels + j].name), skip) == 0)
            j++;
        if (i >= a->nlabels)
            return j >= b->nlabels ? 0 : -1;
        if (j >= b->nlabels)
            return 1;
        const struct mlabel *x = &m->labels[a->labels + i];
        const struct mlabel *y = &m->labels[b->labels + j];
        /* Equal names share one offset (label_name). */
        int c = values ? strcmp(S(m, x->value), S(m, y->value))
                : x->name == y->name ? 0 : strcmp(S(m, x->name), S(m, y->name));
        if (c)
            return c;
        i++;
        j++;
    }
}

/* client_java Labels.compareTo: all names first, then all values. */
static int cmp_labels(const struct jxa_mset *m, const struct msample *a,
                      const struct msample *b, const char *skip)
{
    int c = cmp_strarr(m, a, b, false, skip);
    return c ? c : cmp_strarr(m, a, b, true, skip);
}

static const char *label_value(const struct jxa_mset *m,
                               const struct msample *s, const char *name)
{
    for (uint32_t i = 0; i < s->nlabels; i++)
        if (strcmp(S(m, m->labels[s->labels + i].name), name) == 0)
            return S(m, m->labels[s->labels + i].value);
    return NULL;
}

/* The label that tells the samples of one summary or histogram data point
 * apart; written last, ordered by value. */
static const char *point_label(enum jxa_mtype t)
{
    return t == JXA_SUMMARY ? "quantile" : t == JXA_HISTOGRAM ? "le" : NULL;
}

static bool point_value(const char *s, double *out)
{
    if (s != NULL && strcmp(s, "+Inf") == 0) {
        *out = INFINITY;
        return true;
    }
    return s != NULL && jxa_java_parse_double(s, out) == 0;
}

/* Within a data point: quantiles or buckets (ascending), _count, _sum. */
static int suffix_rank(const struct jxa_mset *m, const struct msample *s)
{
    const char *suf = S(m, s->suffix);
    if (!suf || strcmp(suf, "_bucket") == 0)
        return 0;
    if (strcmp(suf, "_count") == 0)
        return 1;
    if (strcmp(suf, "_sum") == 0)
        return 2;
    return 3;
}

static int cmp_samples(const void *pa, const void *pb, void *ctx)
{
    const struct jxa_family *f = ctx;
    const struct jxa_mset *m = f->m;
    const struct msample *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    const char *pl = f->jmx ? NULL : point_label(f->type);
    int c = cmp_labels(m, a, b, pl);
    if (c)
        return c;
    if (pl != NULL) {
        int ra = suffix_rank(m, a), rb = suffix_rank(m, b);
        if (ra != rb)
            return ra < rb ? -1 : 1;
        double x, y;
        if (point_value(label_value(m, a, pl), &x) && point_value(label_value(m, b, pl), &y) &&
            x != y)
            return x < y ? -1 : 1;     /* not strtod: locale-independent */
    }
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static bool same_labels(const struct jxa_family *f, const struct msample *a,
                        const struct msample *b)
{
    if (a->nlabels != b->nlabels || a->key != b->key)
        return false;
    return cmp_labels(f->m, a, b, false) == 0 &&
           suffix_rank(f->m, a) == suffix_rank(f->m, b);
}

/* Sort keys: when every sample of a jmx family has the same label names
 * (as the default export and most rules give: one offset per name,
 * label_name), cmp_samples orders by the values alone, name by name with
 * strcmp.  Their bytes, each value followed by a NUL, compare in that
 * same order (strcmp compares unsigned chars; the NUL ends the shorter
 * one first), so the first 8 of them, big-endian in a uint64_t, decide
 * most comparisons without a strcmp; equal keys fall through to the full
 * comparison.  The bytes the first values of all samples share (the
 * "connection" of connection0 ... connection999) decide nothing and are
 * left out.  Any other family gets key 0 everywhere. */
static void set_keys(struct jxa_family *f)
{
    struct jxa_mset *m = f->m;
    bool uniform = f->jmx && f->ns > 0;
    const struct msample *s0 = &f->s[0];
    for (size_t k = 1; uniform && k < f->ns; k++) {
        const struct msample *s = &f->s[k];
        if (s->nlabels != s0->nlabels) {
            uniform = false;
            break;
        }
        for (uint32_t i = 0; i < s->nlabels; i++)
            if (m->labels[s->labels + i].name != m->labels[s0->labels + i].name) {
                uniform = false;
                break;
            }
    }
    size_t skip = 0;
    if (uniform && s0->nlabels > 0) {
        const char *v0 = S(m, m->labels[s0->labels].value);
        skip = strlen(v0);
        for (size_t k = 1; k < f->ns && skip > 0; k++) {
            const char *v = S(m, m->labels[f->s[k].labels].value);
            size_t i = 0;
            while (i < skip && v[i] == v0[i])
                i++;
            skip = i;
        }
    }
    for (size_t k = 0; k < f->ns; k++) {
        struct msample *s = &f->s[k];
        uint64_t key = 0;
        int room = 8;
        for (uint32_t i = 0; uniform && i < s->nlabels && room > 0; i++) {
            const unsigned char *v = (const unsigned char *)S(m, m->labels[s->labels + i].value)
                                     + (i == 0 ? skip : 0);
            do {
                key = key << 8 | *v;
                room--;
            } while (*v++ && room > 0);
        }
        s->key = room == 8 ? 0 : key << (8 * room);   /* << 64 is undefined */
    }
}

struct skey {
    uint64_t key;
    size_t at;                  /* index into f->s */
};

static bool skey_le(struct jxa_family *f, const struct skey *x, const struct skey *y)
{
    if (x->key != y->key)
        return x->key < y->key;
    return cmp_samples(&f->s[x->at], &f->s[y->at], f) <= 0;
}

/* f->s in cmp_samples order: a bottom-up merge sort of (key, index) pairs
 * that compares the keys inline and calls cmp_samples only on equal keys,
 * then one pass to put the samples in place.  cmp_samples is a total
 * order (the insertion sequence breaks ties), so the result is the one
 * qsort_r gives, which stays the fallback when the buffer cannot grow. */
static void sort_samples(struct jxa_family *f)
{
    struct jxa_mset *m = f->m;
    size_t n = f->ns;
    size_t need = 2 * n * sizeof(struct skey) + n * sizeof(struct msample);
    if (need > m->scratch_cap) {
        void *p = realloc(m->scratch, need);
        if (p == NULL) {
            qsort_r(f->s, f->ns, sizeof *f->s, cmp_samples, f);
            return;
        }
        m->scratch = p;
        m->scratch_cap = need;
    }
    struct skey *a = m->scratch, *b = a + n;
    for (size_t i = 0; i < n; i++)
        a[i] = (struct skey){f->s[i].key, i};
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                b[k++] = skey_le(f, &a[i], &a[j]) ? a[i++] : a[j++];
            while (i < mid)
                b[k++] = a[i++];
            while (j < hi)
                b[k++] = a[j++];
        }
        struct skey *t = a;
        a = b;
        b = t;
    }
    struct msample *tmp = (struct msample *)((struct skey *)m->scratch + 2 * n);
    for (size_t i = 0; i < n; i++)
        tmp[i] = f->s[a[i].at];
    memcpy(f->s, tmp, n * sizeof *tmp);
}

/* Sorts and marks all but the first of equal samples as dropped. */
static size_t sort_and_dedupe(struct jxa_family *f, bool mark)
{
    /* A family may have no samples (a reserved name, scraper.c). */
    if (f->ns < 2)
        return 0;
    set_keys(f);
    sort_samples(f);
    size_t dups = 0;
    for (size_t i = 1; i < f->ns; i++) {
        if (same_labels(f, &f->s[i - 1], &f->s[i])) {
            dups++;
            if (mark)
                f->s[i].dropped = true;
        }
    }
    return dups;
}

/* MatchedRuleToMetricSnapshotsConverter (1.0.1): when two samples of a
 * family have equal labels, every sample gets _objectname = the match
 * string up to its last ':' (the caller passes that as match_key). */
static int add_objectname(struct jxa_family *f)
{
    struct jxa_mset *m = f->m;
    for (size_t k = 0; k < f->ns; k++) {
        struct msample *s = &f->s[k];
        uint32_t n = s->nlabels;
        if (m->nlabels + n + 1 > m->cap_labels) {
            size_t nc = m->cap_labels * 2 + n + 1;
            struct mlabel *p = jxa_pool_realloc(&m->pool, m->labels, m->cap_labels * sizeof *p,
                                                nc * sizeof *p);
            if (!p)
                return -1;
            m->labels = p;
            m->cap_labels = nc;
        }
        size_t name = label_name(m, "_objectname");
        size_t value = s->match_key != NOSTR ? s->match_key : arena_add(m, "");
        if (m->oom)
            return -1;
        size_t start = m->nlabels;
        bool placed = false;
        for (uint32_t i = 0; i < n; i++) {
            struct mlabel l = m->labels[s->labels + i];
            if (!placed && strcmp(S(m, l.name), "_objectname") > 0) {
                m->labels[m->nlabels++] = (struct mlabel){name, value};
                placed = true;
            }
            m->labels[m->nlabels++] = l;
        }
        if (!placed)
            m->labels[m->nlabels++] = (struct mlabel){name, value};
        s->labels = start;
        s->nlabels = n + 1;
    }
    return 0;
}

static int cmp_fam(const void *a, const void *b, void *ctx);

/* A summary or histogram x also writes the sample names x_count and x_sum,
 * which are no reserved suffixes: a rule can make a family of that name.
 * Both in one exposition are invalid (the 0.0.4 parsers read its HELP and
 * TYPE as a second one of x, OpenMetrics calls it a clashing name, and
 * equal labels make a duplicate series).  As for a clash of whole names,
 * the family made first keeps the name; the other one is dropped. */
static size_t drop_suffix_clashes(struct jxa_mset *m)
{
    static const char *const suffixes[] = {"_count", "_sum"};
    size_t dropped = 0;
    struct jxa_buf name = {0};
    for (size_t i = 0; i < m->nfams; i++) {
        struct jxa_family *f = m->fams[i];
        if (f->type != JXA_SUMMARY && f->type != JXA_HISTOGRAM)
            continue;
        for (size_t k = 0; k < sizeof suffixes / sizeof *suffixes; k++) {
            jxa_buf_reset(&name);
            jxa_buf_puts(&name, S(m, f->name));
            jxa_buf_puts(&name, suffixes[k]);
            size_t slot, g_at = 0;
            struct jxa_family *g = lookup(m, jxa_buf_str(&name), &slot);
            if (g == NULL)
                continue;
            while (m->fams[g_at] != g)
                g_at++;
            struct jxa_family *loser = g_at < i ? f : g;
            for (size_t n = 0; n < loser->ns; n++) {
                dropped += !loser->s[n].dropped;
                loser->s[n].dropped = true;
            }
        }
    }
    jxa_buf_free(&name);
    return dropped;
}

size_t jxa_mset_finish(struct jxa_mset *m)
{
    size_t dropped = m->dropped + drop_suffix_clashes(m);
    for (size_t i = 0; i < m->nfams; i++) {
        struct jxa_family *f = m->fams[i];
        if (f->jmx) {
            if (sort_and_dedupe(f, false) == 0)
                continue;       /* sorted, and nothing to drop */
            if (add_objectname(f) < 0)
                m->oom = true;
        }
        dropped += sort_and_dedupe(f, true);
    }
    m->dropped = 0;
    free(m->order);
    m->order = m->nfams ? malloc(m->nfams * sizeof *m->order) : NULL;
    m->norder = 0;
    if (m->order != NULL) {
        memcpy(m->order, m->fams, m->nfams * sizeof *m->order);
        qsort_r(m->order, m->nfams, sizeof *m->order, cmp_fam, m);
        m->norder = m->nfams;
    }
    /* The set is done growing: what the doubling left behind goes back to
     * the kernel (pool.h). */
    jxa_pool_trim(&m->pool);
    return dropped;
}

size_t jxa_mset_nsamples(const struct jxa_mset *m)
{
    size_t n = 0;
    for (size_t i = 0; i < m->nfams; i++)
        for (size_t k = 0; k < m->fams[i]->ns; k++)
            n += !m->fams[i]->s[k].dropped;
    return n;
}

/* ---- writing ---------------------------------------------------------- */

static int cmp_fam(const void *a, const void *b, void *ctx)
{
    const struct jxa_mset *m = ctx;
    const struct jxa_family *x = *(struct jxa_family *const *)a;
    const struct jxa_family *y = *(struct jxa_family *const *)b;
    return strcmp(S(m, x->name), S(m, y->name));
}

/* HELP text: client_java escapes \ and newline in 0.0.4 text, and also "
 * in OpenMetrics (checked against the 1.0.1 jar). */
/* s with backslash, newline and (quote: OpenMetrics HELP, label values)
 * the double quote escaped; the runs between them in one copy each, not
 * a call per character.  A plain loop: most values are a few bytes, where
 * strcspn's set-up costs more than the scan. */
static void put_escaped(struct jxa_buf *o, const char *s, bool quote)
{
    const char *run = s;
    for (;; s++) {
        char c = *s;
        if (c != '\0' && c != '\\' && c != '\n' && (c != '"' || !quote))
            continue;
        jxa_buf_put(o, run, (size_t)(s - run));
        if (c == '\0')
            return;
        jxa_buf_puts(o, c == '\n' ? "\\n" : c == '\\' ? "\\\\" : "\\\"");
        run = s + 1;
    }
}

static void put_help(struct jxa_buf *o, const char *s, bool om)
{
    put_escaped(o, s, om);
}

static void put_label_value(struct jxa_buf *o, const char *s)
{
    put_escaped(o, s, true);
}

static enum jxa_mtype family_type(const struct jxa_family *f)
{
    return f->jmx && f->mixed ? JXA_UNKNOWN : f->type;
}

static void write_sample(struct jxa_buf *o, const struct jxa_mset *m,
                         const struct jxa_family *f, enum jxa_mtype type,
                         const struct msample *s)
{
    jxa_buf_puts(o, S(m, f->name));
    if (type == JXA_COUNTER)
        jxa_buf_puts(o, "_total");
    else if (type == JXA_INFO)
        jxa_buf_puts(o, "_info");
    else if (s->suffix != NOSTR)
        jxa_buf_puts(o, S(m, s->suffix));
    /* A summary's quantile / a histogram's le comes after the sorted labels. */
    const char *pl = point_label(type);
    const struct mlabel *q = NULL;
    bool any = false;
    for (uint32_t i = 0; i < s->nlabels; i++) {
        const struct mlabel *l = &m->labels[s->labels + i];
        if (pl != NULL && strcmp(S(m, l->name), pl) == 0) {
            q = l;
            continue;
        }
        jxa_buf_putc(o, any ? ',' : '{');
        any = true;
        jxa_buf_puts(o, S(m, l->name));
        jxa_buf_puts(o, "=\"");
        put_label_value(o, S(m, l->value));
        jxa_buf_putc(o, '"');
    }
    if (q) {
        jxa_buf_putc(o, any ? ',' : '{');
        any = true;
        jxa_buf_puts(o, pl);
        jxa_buf_puts(o, "=\"");
        put_label_value(o, S(m, q->value));
        jxa_buf_putc(o, '"');
    }
    if (any)
        jxa_buf_putc(o, '}');
    jxa_buf_putc(o, ' ');
    char num[JXA_NUMBUF];
    if (s->flags & JXA_SAMPLE_INT)
        jxa_java_long(num, (int64_t)s->value);
    else
        jxa_prom_double(num, s->value);
    jxa_buf_puts(o, num);
    jxa_buf_putc(o, '\n');
}

static const char *type_name(enum jxa_mtype t, bool om)
{
    switch (t) {
    case JXA_GAUGE: return "gauge";
    case JXA_COUNTER: return "counter";
    case JXA_SUMMARY: return "summary";
    case JXA_HISTOGRAM: return "histogram";
    case JXA_INFO: return om ? "info" : "gauge";
    default: return om ? "unknown" : "untyped";
    }
}

static bool name_selected(const char *fam, const char *const *names,
                          size_t nnames)
{
    if (nnames == 0)
        return true;
    size_t fl = strlen(fam);
    /* client_java MetricNameFilter: a requested name that starts with the
     * family's base name selects it ("x_total" selects counter "x"). */
    for (size_t i = 0; i < nnames; i++)
        if (names[i] && strncmp(names[i], fam, fl) == 0)
            return true;
    return false;
}

/* The metadata lines of a family: 0.0.4 names counters and info metrics
 * with their suffix and writes HELP before TYPE; OpenMetrics uses the base
 * name, TYPE first, then UNIT. */
static void write_meta(struct jxa_buf *out, const char *name, enum jxa_mtype type,
                       const char *help, const char *unit, bool om)
{
    const char *msuffix = "";
    if (!om && type == JXA_COUNTER)
        msuffix = "_total";
    else if (!om && type == JXA_INFO)
        msuffix = "_info";
    if (om) {
        jxa_buf_printf(out, "# TYPE %s %s\n", name, type_name(type, om));
        if (unit) {
            jxa_buf_printf(out, "# UNIT %s ", name);
            put_help(out, unit, true);
            jxa_buf_putc(out, '\n');
        }
    }
    if (help) {
        jxa_buf_printf(out, "# HELP %s%s ", name, msuffix);
        put_help(out, help, om);
        jxa_buf_putc(out, '\n');
    }
    if (!om)
        jxa_buf_printf(out, "# TYPE %s%s %s\n", name, msuffix, type_name(type, om));
}

/* jmxagent_scrape_stale_seconds exists only in the answer to a request
 * that was served an old result; the result itself is shared and
 * immutable, so the writer adds it, in its sorted place. */
static void write_stale(struct jxa_buf *out, double stale_s, bool om)
{
    char num[JXA_NUMBUF];
    jxa_prom_double(num, stale_s);
    write_meta(out, JXA_STALE_FAMILY, JXA_GAUGE, JXA_STALE_HELP, NULL, om);
    jxa_buf_printf(out, "%s %s\n", JXA_STALE_FAMILY, num);
}

int jxa_mset_write(const struct jxa_mset *m, const struct jxa_write_req *req,
                   struct jxa_buf *out)
{
    bool om = req->fmt == JXA_FMT_OPENMETRICS;
    bool stale = req->stale_s > 0 && name_selected(JXA_STALE_FAMILY, req->names, req->nnames);
    struct jxa_family **sorted = NULL, **own = NULL;
    if (m->norder == m->nfams) {
        sorted = m->order;      /* jxa_mset_finish sorted them */
    } else if (m->nfams) {
        sorted = own = malloc(m->nfams * sizeof *sorted);
        if (!sorted)
            return -1;
        memcpy(sorted, m->fams, m->nfams * sizeof *sorted);
        qsort_r(sorted, m->nfams, sizeof *sorted, cmp_fam, (void *)m);
    }
    for (size_t i = 0; i < m->nfams; i++) {
        const struct jxa_family *f = sorted[i];
        const char *name = S(m, f->name);
        if (stale && strcmp(JXA_STALE_FAMILY, name) <= 0) {
            write_stale(out, req->stale_s, om);
            stale = false;
        }
        size_t live = 0;
        for (size_t k = 0; k < f->ns; k++)
            live += !f->s[k].dropped;
        if (live == 0 || !name_selected(name, req->names, req->nnames))
            continue;
        enum jxa_mtype type = family_type(f);
        write_meta(out, name, type, S(m, f->help), S(m, f->unit), om);
        for (size_t k = 0; k < f->ns; k++)
            if (!f->s[k].dropped)
                write_sample(out, m, f, type, &f->s[k]);
    }
    if (stale)
        write_stale(out, req->stale_s, om);
    if (om)
        jxa_buf_puts(out, "# EOF\n");
    free(own);
    return out->failed || m->oom ? -1 : 0;
}

/* ---- read access (mset.h) --------------------------------------------- */

bool jxa_write_selects(const struct jxa_write_req *req, const char *family)
{
    return name_selected(family, req->names, req->nnames);
}

size_t jxa_mset_nfamilies(const struct jxa_mset *m)
{
    return m->nfams;
}

const struct jxa_family *jxa_mset_sorted(const struct jxa_mset *m, size_t i)
{
    if (i >= m->nfams)
        return NULL;
    return m->norder == m->nfams ? m->order[i] : m->fams[i];
}

const char *jxa_family_name(const struct jxa_family *f)
{
    return S(f->m, f->name);
}

const char *jxa_family_help(const struct jxa_family *f)
{
    return S(f->m, f->help);
}

enum jxa_mtype jxa_family_wtype(const struct jxa_family *f)
{
    return family_type(f);
}

bool jxa_family_native_collector(const struct jxa_family *f)
{
    return !f->jmx;
}

size_t jxa_family_nsamples(const struct jxa_family *f)
{
    return f->ns;
}

bool jxa_family_sample(const struct jxa_family *f, size_t k, struct jxa_sample_view *v)
{
    const struct msample *s = &f->s[k];
    v->suffix = s->suffix == NOSTR ? "" : S(f->m, s->suffix);
    v->value = s->value;
    v->flags = s->flags;
    v->nlabels = s->nlabels;
    return !s->dropped;
}

struct jxa_label jxa_sample_label(const struct jxa_family *f, size_t k, size_t i)
{
    const struct mlabel *l = &f->m->labels[f->s[k].labels + i];
    return (struct jxa_label){S(f->m, l->name), S(f->m, l->value)};
}

bool jxa_family_native(const struct jxa_family *f, size_t k, struct jxa_native_hist *out)
{
    const struct jxa_mset *m = f->m;
    const struct msample *s = &f->s[k];
    for (size_t n = 0; n < m->nnat; n++) {
        const struct mnative *nv = &m->nat[n];
        if (nv->f != f)
            continue;
        /* The sample's labels without le against the point's (both sorted). */
        uint32_t i = 0, j = 0;
        bool same = true;
        for (; same && i < s->nlabels; i++) {
            const struct mlabel *x = &m->labels[s->labels + i];
            if (strcmp(S(m, x->name), "le") == 0)
                continue;
            const struct mlabel *y = j < nv->nlabels ? &m->labels[nv->labels + j++] : NULL;
            same = y && strcmp(S(m, x->name), S(m, y->name)) == 0 &&
                   strcmp(S(m, x->value), S(m, y->value)) == 0;
        }
        if (!same || j != nv->nlabels)
            continue;
        out->schema = nv->schema;
        out->zero_threshold = nv->zero_threshold;
        out->zero_count = nv->zero_count;
        out->index = m->nidx + nv->first;
        out->count = m->ncnt + nv->first;
        out->n = nv->n;
        return true;
    }
    return false;
}

int jxa_mset_visit(const struct jxa_mset *m, const struct jxa_mset_visitor *v, void *ctx)
{
    if (m->norder != m->nfams)
        return -1;              /* not finished */
    struct jxa_label *lab = NULL;
    size_t cap = 0;
    int rc = 0;
    for (size_t i = 0; i < m->norder && rc == 0; i++) {
        const struct jxa_family *f = m->order[i];
        size_t live = 0;
        for (size_t k = 0; k < f->ns; k++)
            live += !f->s[k].dropped;
        if (live == 0)
            continue;
        rc = v->family(ctx, S(m, f->name), family_type(f), S(m, f->help), S(m, f->unit));
        for (size_t k = 0; k < f->ns && rc == 0; k++) {
            const struct msample *s = &f->s[k];
            if (s->dropped)
                continue;
            if (s->nlabels > cap) {
                struct jxa_label *n = realloc(lab, s->nlabels * sizeof *n);
                if (n == NULL) {
                    rc = -1;
                    break;
                }
                lab = n;
                cap = s->nlabels;
            }
            for (uint32_t j = 0; j < s->nlabels; j++) {
                lab[j].name = S(m, m->labels[s->labels + j].name);
                lab[j].value = S(m, m->labels[s->labels + j].value);
            }
            const char *suffix = s->suffix == NOSTR ? "" : S(m, s->suffix);
            rc = v->sample(ctx, suffix, lab, s->nlabels, s->value, s->flags);
        }
    }
    free(lab);
    return rc;
}
