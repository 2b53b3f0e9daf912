/* malloc_live.c - the live malloc blocks of the agent's threads, by call
 * site and by glibc arena: where the agent's native memory is
 * (docs/bench.md, "Memory: the walk's own memory").  A diagnostic, not
 * part of the agent:
 *
 *   cc -O1 -shared -fPIC -o build/malloc_live.so bench/malloc_live.c -ldl -lpthread
 *   LD_PRELOAD=$PWD/build/malloc_live.so java -agentpath:... (scrape it)
 *   touch /tmp/live.dump      -> /tmp/live.PID.N within 0.2 s
 *   addr2line -f -e build/libspark_jmxagent.so 0xOFFSET   (the +0x.. of a frame)
 *
 * Each "@ BYTES BLOCKS THREAD" line is a call site (the frames under it);
 * each "A BASE ..." line an arena (its 64 MiB-aligned base): bytes
 * malloc'd there in all, and live now, by the scraper thread
 * (jmxagent-*) and by the HTTP workers (civetweb-*).  Allocations of other
 * threads (the JVM's) are not tracked; their frees are looked up. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

static void *(*rmalloc)(size_t), *(*rcalloc)(size_t, size_t), *(*rrealloc)(void *, size_t);
static void (*rfree)(void *);
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
#define NSLOT (1u << 24)
struct ent { uintptr_t p; uint32_t size; uint32_t site; int kind; };
static struct ent *tab;
#define NSITE 65536
struct site { void *bt[6]; int n; char thr[16]; long long live; long long count; };
static struct site *sites;
#define NAR 64
static uintptr_t arbase[NAR]; static long long arcum[NAR][3], arlive[NAR][3];
static int ar_of(uintptr_t p) { uintptr_t b = p & ~((uintptr_t)(64 << 20) - 1); for (int i = 0; i < NAR; i++) { if (arbase[i] == b) return i; if (!arbase[i]) { arbase[i] = b; return i; } } return NAR - 1; }
static __thread int tkind = -1, inside;
static __thread unsigned calls;
static char early[1 << 16];
static size_t early_used;

static void init(void)
{
    rmalloc = dlsym(RTLD_NEXT, "malloc");
    rcalloc = dlsym(RTLD_NEXT, "calloc");
    rrealloc = dlsym(RTLD_NEXT, "realloc");
    rfree = dlsym(RTLD_NEXT, "free");
}

static int kind(void)
{
    if (tkind < 0 || (calls++ & 1023) == 0) {
        char name[32] = "";
        prctl(PR_GET_NAME, name);
        tkind = !strncmp(name, "jmxagent", 8) ? 1 : !strncmp(name, "civetweb", 8) ? 2 : 0;
    }
    return tkind;
}

static uint32_t site_of(void)
{
    void *bt[8];
    int n = backtrace(bt, 8);
    uint64_t h = 1469598103934665603ull;
    for (int i = 2; i < n && i < 8; i++)
        h = (h ^ (uintptr_t)bt[i]) * 1099511628211ull;
    uint32_t s = (uint32_t)(h % (NSITE - 1)) + 1;
    while (sites[s].n && memcmp(sites[s].bt, bt + 2, sizeof(void *) * (size_t)(n - 2 < 6 ? n - 2 : 6)))
        s = s % (NSITE - 1) + 1;
    if (!sites[s].n) {
        sites[s].n = n - 2 < 6 ? n - 2 : 6;
        memcpy(sites[s].bt, bt + 2, sizeof(void *) * (size_t)sites[s].n);
        prctl(PR_GET_NAME, sites[s].thr);
    }
    return s;
}

static void track(void *p, size_t size)
{
    if (!p || inside || !tab || !kind())
        return;
    inside = 1;
    pthread_mutex_lock(&mu);
    uint32_t s = site_of();
    uintptr_t k = (uintptr_t)p;
    size_t i = (k >> 4) & (NSLOT - 1);
    while (tab[i].p && tab[i].p != 1)
        i = (i + 1) & (NSLOT - 1);
    tab[i] = (struct ent){k, (uint32_t)size, s, tkind};
    int a = ar_of(k); arcum[a][tkind] += (long long)size; arlive[a][tkind] += (long long)size;
    sites[s].live += (long long)size;
    sites[s].count++;
    pthread_mutex_unlock(&mu);
    inside = 0;
}

static void untrack(void *p)
{
    if (!p || !tab)
        return;
    pthread_mutex_lock(&mu);
    uintptr_t k = (uintptr_t)p;
    size_t i = (k >> 4) & (NSLOT - 1);
    while (tab[i].p) {
        if (tab[i].p == k) {
            sites[tab[i].site].live -= tab[i].size;
            sites[tab[i].site].count--;
            arlive[ar_of(k)][tab[i].kind] -= tab[i].size;
            tab[i].p = 1;     /* tombstone */
            break;
        }
        i = (i + 1) & (NSLOT - 1);
    }
    pthread_mutex_unlock(&mu);
}

void *malloc(size_t n)
{
    if (!rmalloc) {
        void *p = early + early_used;
        early_used += (n + 15) & ~15ul;
        return p;
    }
    void *p = rmalloc(n);
    track(p, n);
    return p;
}
void *calloc(size_t a, size_t b)
{
    if (!rcalloc) {
        void *p = early + early_used;
        early_used += (a * b + 15) & ~15ul;
        return p;
    }
    void *p = rcalloc(a, b);
    track(p, a * b);
    return p;
}
void *realloc(void *o, size_t n)
{
    if (!rrealloc) init();
    if ((char *)o >= early && (char *)o < early + sizeof early) {
        void *p = rmalloc(n);
        memcpy(p, o, n);
        return p;
    }
    untrack(o);
    void *p = rrealloc(o, n);
    track(p, n);
    return p;
}
void free(void *p)
{
    if ((char *)p >= early && (char *)p < early + sizeof early)
        return;
    untrack(p);
    if (!rfree) init();
    rfree(p);
}

static void *dumper(void *arg)
{
    (void)arg;
    int seq = 0;
    for (;;) {
        usleep(200000);
        if (access("/tmp/live.dump", F_OK) != 0)
            continue;
        unlink("/tmp/live.dump");
        char path[64];
        snprintf(path, sizeof path, "/tmp/live.%d.%d", getpid(), seq++);
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        pthread_mutex_lock(&mu);
        for (int s = 1; s < NSITE; s++) {
            if (!sites[s].n || sites[s].live == 0)
                continue;
            char line[128];
            int k = snprintf(line, sizeof line, "@ %lld %lld %s\n", sites[s].live, sites[s].count, sites[s].thr);
            write(fd, line, (size_t)k);
            backtrace_symbols_fd(sites[s].bt, sites[s].n, fd);
        }
        for (int a = 0; a < NAR && arbase[a]; a++) {
            char line[200];
            int k = snprintf(line, sizeof line, "A %lx scrape cum %lld live %lld civet cum %lld live %lld\n", (unsigned long)arbase[a], arcum[a][1], arlive[a][1], arcum[a][2], arlive[a][2]);
            write(fd, line, (size_t)k);
        }
        pthread_mutex_unlock(&mu);
        close(fd);
    }
    return NULL;
}

__attribute__((constructor)) static void ctor(void)
{
    init();
    void *bt[2];
    backtrace(bt, 2);         /* loads libgcc_s before any tracking */
    tab = mmap(NULL, sizeof(struct ent) * NSLOT, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    sites = mmap(NULL, sizeof(struct site) * NSITE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    pthread_t t;
    pthread_create(&t, NULL, dumper, NULL);
}
