/* javaregex_bench - what the Java regex translation (agent/javaregex.c,
 * docs/semantics.md §16) costs at match time.  Every subject against every
 * pattern in order, first match wins, JIT, as agent/rules.c runs them, in
 * four modes: the wrapped pattern "^.*(?:P).*$" handed to PCRE2 as is (the
 * agent before the translation) or translated (and ENDANCHORED, as
 * config.c compiles it), and the unanchored probe
 * "(?:P)" (config.c compile_probe) as is or translated.  Patterns PCRE2
 * cannot take untranslated make the untranslated modes exit.
 *
 *   cc -O2 -Iinclude -I<pcre2 include> -o build/bench/javaregex_bench \
 *      bench/micro/javaregex_bench.c agent/javaregex.c agent/buf.c -lpcre2-8
 *   build/bench/javaregex_bench patterns.txt subjects.txt
 *
 * patterns.txt: one rule pattern a line (e.g. the patterns of
 * rules/driver.yml and rules/executor.yml); subjects.txt: one match string
 * a line (bench/BenchFixture.java writes real ones). */
#define _GNU_SOURCE
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "javaregex.h"

static char **read_lines(const char *path, size_t *n)
{
    FILE *f = fopen(path, "r");
    if (!f) { perror(path); exit(1); }
    size_t cap = 1024, k = 0, lcap = 0;
    char **v = malloc(cap * sizeof *v), *line = NULL;
    ssize_t len;
    while ((len = getline(&line, &lcap, f)) > 0) {
        if (line[len - 1] == '\n') line[--len] = 0;
        if (k == cap) v = realloc(v, (cap *= 2) * sizeof *v);
        v[k++] = strdup(line);
    }
    fclose(f);
    free(line);
    *n = k;
    return v;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void run(int probe, int translated, char **P, size_t np, char **S, size_t ns)
{
    pcre2_code **re = calloc(np, sizeof *re);
    pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
    pcre2_set_newline(cc, PCRE2_NEWLINE_ANY);
    for (size_t i = 0; i < np; i++) {
        size_t n = strlen(P[i]) + 16;
        char *w = malloc(n);
        snprintf(w, n, probe ? "(?:%s)" : "^.*(?:%s).*$", P[i]);
        struct jxa_jre_result r = {0};
        const char *src = w;
        if (translated) {
            if (jxa_javaregex_translate(w, strlen(w), &r) != JXA_JRE_OK) {
                fprintf(stderr, "cannot translate %s: %s\n", P[i], r.err);
                exit(1);
            }
            src = r.pcre;
        }
        int ec;
        PCRE2_SIZE eo;
        /* the agent compiles the translated full pattern ENDANCHORED */
        uint32_t opt = PCRE2_UTF | (translated && !probe ? PCRE2_ENDANCHORED : 0);
        re[i] = pcre2_compile((PCRE2_SPTR)src, PCRE2_ZERO_TERMINATED, opt, &ec, &eo, cc);
        if (re[i] == NULL) {
            fprintf(stderr, "PCRE2 refuses %s\n", src);
            exit(1);
        }
        pcre2_jit_compile(re[i], PCRE2_JIT_COMPLETE);
        jxa_javaregex_free(&r);
        free(w);
    }
    pcre2_match_data *md = pcre2_match_data_create(64, NULL);
    long hits = 0;
    double best = 1e9;
    for (int round = 0; round < 7; round++) {
        double t0 = now();
        hits = 0;
        for (size_t s = 0; s < ns; s++) {
            size_t l = strlen(S[s]);
            for (size_t i = 0; i < np; i++)
                if (pcre2_match(re[i], (PCRE2_SPTR)S[s], l, 0, 0, md, NULL) >= 0) {
                    hits++;
                    break;
                }
        }
        double d = now() - t0;
        if (d < best)
            best = d;
    }
    printf("%-6s %-10s %zu patterns x %zu subjects: %ld hits, best of 7 %.1f ms, %.2f us/subject\n",
           probe ? "probe" : "full", translated ? "translated" : "as-is", np, ns, hits,
           best * 1e3, best * 1e6 / (double)ns);
    for (size_t i = 0; i < np; i++)
        pcre2_code_free(re[i]);
    free(re);
    pcre2_match_data_free(md);
    pcre2_compile_context_free(cc);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s patterns.txt subjects.txt\n", argv[0]);
        return 2;
    }
    size_t np, ns;
    char **P = read_lines(argv[1], &np), **S = read_lines(argv[2], &ns);
    for (int probe = 0; probe < 2; probe++)
        for (int tr = 0; tr < 2; tr++)
            run(probe, tr, P, np, S, ns);
    return 0;
}
