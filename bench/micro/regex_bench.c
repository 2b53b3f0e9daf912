/* regex_bench - C-level reproduction of the rule-matching cost of
 * agent/rules.c: every subject ("domain<props><keys>attr: value") against
 * every rule in order, first match wins, patterns wrapped as the agent
 * wraps them (agent/config.c: "^.*(?:P).*$", PCRE2_UTF, JIT).  Compares
 * that with a prefilter: P compiled on its own, unanchored (a find), run
 * first; only when it finds is the wrapped pattern run for the captures.
 * (If ^.*(?:P).*$ matches, P occurs in the subject, so a failed find is
 * an exact "no match".)  Third mode: a required literal (the longest run
 * of plain characters outside any group, class or alternation, see
 * required_literal()) checked with memmem() before any regex runs.
 *
 *   cc -O2 -o build/bench/regex_bench bench/micro/regex_bench.c -lpcre2-8
 *   build/bench/regex_bench patterns.txt subjects.txt [rounds]
 */
#define _GNU_SOURCE
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char **read_lines(const char *path, size_t *n)
{
    FILE *f = fopen(path, "r");
    if (!f) { perror(path); exit(1); }
    size_t cap = 1024, k = 0;
    char **v = malloc(cap * sizeof *v), *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    while ((len = getline(&line, &lcap, f)) > 0) {
        if (line[len - 1] == '\n') line[--len] = 0;
        if (k == cap) v = realloc(v, (cap *= 2) * sizeof *v);
        v[k++] = strdup(line);
    }
    fclose(f);
    *n = k;
    return v;
}

static pcre2_code *comp(const char *pre, const char *p, const char *post)
{
    size_t n = strlen(pre) + strlen(p) + strlen(post) + 1;
    char *s = malloc(n);
    snprintf(s, n, "%s%s%s", pre, p, post);
    int ec; PCRE2_SIZE eo;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)s, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &ec, &eo, NULL);
    if (!re) { fprintf(stderr, "bad pattern %s\n", s); exit(1); }
    pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    free(s);
    return re;
}

/* The longest run of characters that every match of P must contain:
 * literals at group depth 0 only, none when P has a top-level '|', an
 * inline flag "(?" with i/x, or \Q.  A char followed by ?, * or {
 * is optional and ends the run; '+' keeps it and ends the run. */
static char *required_literal(const char *p)
{
    if (strstr(p, "(?i") || strstr(p, "(?x") || strstr(p, "\\Q"))
        return NULL;
    char best[512] = "", cur[512] = "";
    size_t nb = 0, nc = 0;
    int depth = 0;
    for (const char *q = p; *q; q++) {
        char c = *q;
        int lit = -1;           /* the literal char, or -1 */
        if (c == '\\') {
            q++;
            if (!*q) break;
            if ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9'))
                lit = -1;       /* \d \w \S \1 ... */
            else
                lit = (unsigned char)*q;
        } else if (c == '[') {
            while (*q && *q != ']') { if (*q == '\\' && q[1]) q++; q++; }
            if (q[1] == ']' && q[0] == '[') q++;
            lit = -1;
            if (!*q) break;
        } else if (c == '(') { depth++; lit = -1; }
        else if (c == ')') { depth--; lit = -1; }
        else if (c == '|') { if (depth == 0) return NULL; lit = -1; }
        else if (strchr(".^$*+?{}", c)) lit = -1;
        else lit = (unsigned char)c;
        char nx = q[1];
        int optional = nx == '?' || nx == '*' || nx == '{';
        if (lit >= 0 && depth == 0 && !optional) {
            if (nc + 1 < sizeof cur) cur[nc++] = (char)lit;
            if (nx == '+') lit = -1;    /* keep it, but end the run */
        }
        if (lit < 0 || depth != 0 || optional) {
            if (nc > nb) { memcpy(best, cur, nc); nb = nc; }
            nc = 0;
        }
    }
    if (nc > nb) { memcpy(best, cur, nc); nb = nc; }
    if (nb < 3) return NULL;
    best[nb] = 0;
    return strdup(best);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 3) { fprintf(stderr, "usage: %s patterns subjects [rounds]\n", argv[0]); return 2; }
    size_t np, ns;
    char **pats = read_lines(argv[1], &np), **subj = read_lines(argv[2], &ns);
    int rounds = argc > 3 ? atoi(argv[3]) : 5;
    pcre2_code **full = malloc(np * sizeof *full), **find = malloc(np * sizeof *find);
    char **lits = malloc(np * sizeof *lits);
    int nlit = 0;
    double tc = now();
    for (size_t i = 0; i < np; i++)
        pcre2_code_free(comp("^.*(?:", pats[i], ").*$"));
    printf("compiling + JIT-compiling the %zu wrapped patterns: %.1f ms\n", np, (now() - tc) * 1e3);
    for (size_t i = 0; i < np; i++) {
        full[i] = comp("^.*(?:", pats[i], ").*$");
        find[i] = comp("(?:", pats[i], ")");
        lits[i] = required_literal(pats[i]);
        nlit += lits[i] != NULL;
        if (getenv("SHOW_LITERALS")) printf("%s   =>   %s\n", pats[i], lits[i] ? lits[i] : "(none)");
    }
    printf("%d of %zu rules have a required literal\n", nlit, np);
    size_t *slen = malloc(ns * sizeof *slen);
    for (size_t i = 0; i < ns; i++) slen[i] = strlen(subj[i]);
    pcre2_match_data *md = pcre2_match_data_create(64, NULL);
    for (int mode = 0; mode < 3; mode++) {
        double best = 1e9;
        long matched = 0, calls = 0;
        for (int r = 0; r < rounds; r++) {
            matched = calls = 0;
            double t0 = now();
            for (size_t s = 0; s < ns; s++) {
                for (size_t i = 0; i < np; i++) {
                    int rc;
                    if (mode == 2 && lits[i] && !memmem(subj[s], slen[s], lits[i], strlen(lits[i])))
                        continue;
                    if (mode >= 1) {
                        calls++;
                        rc = pcre2_match(find[i], (PCRE2_SPTR)subj[s], slen[s], 0, PCRE2_NO_UTF_CHECK, md, NULL);
                        if (rc < 0) continue;
                    }
                    calls++;
                    rc = pcre2_match(full[i], (PCRE2_SPTR)subj[s], slen[s], 0, PCRE2_NO_UTF_CHECK, md, NULL);
                    if (rc >= 0 && pcre2_get_ovector_pointer(md)[1] == slen[s]) { matched++; break; }
                }
            }
            double dt = now() - t0;
            if (dt < best) best = dt;
        }
        printf("%-28s %zu subjects x %zu rules: %8.2f ms per pass, %ld matched, %ld pcre2_match calls\n",
               mode == 2 ? "literal + find + wrapped" : mode ? "find prefilter + wrapped" : "wrapped ^.*(?:P).*$ only",
               ns, np, best * 1e3, matched, calls);
    }
    return 0;
}
