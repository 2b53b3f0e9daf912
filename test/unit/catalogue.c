/* catalogue.c - reads test/bad-input.tsv (see catalogue.h). */
#include "catalogue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* The unit tests run in test/unit (Makefile). */
#define CATALOGUE "../bad-input.tsv"

/* \\ \t \n, in place. */
static char *unescape(char *s)
{
    char *w = s;
    for (const char *r = s; *r; r++) {
        if (*r == '\\' && r[1] != '\0') {
            r++;
            *w++ = *r == 'n' ? '\n' : *r == 't' ? '\t' : *r;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
    return s;
}

size_t cat_rows(const char *kind, const struct cat_row **rows)
{
    static struct cat_row out[512];
    static size_t nout;
    /* The rows of the previous call go: one array for every kind. */
    for (size_t i = 0; i < nout; i++) {
        free((char *)out[i].title);
        if (out[i].input != NULL && out[i].input[0] != '\0')
            free((char *)out[i].input);
        free((char *)out[i].error);
    }
    nout = 0;
    size_t n = 0;
    FILE *f = fopen(CATALOGUE, "r");
    if (f == NULL) {
        FAILF("cannot open %s (run the unit tests from test/unit)", CATALOGUE);
        *rows = out;
        return 0;
    }
    char buf[4096];
    int line = 0;
    while (fgets(buf, sizeof buf, f) != NULL && n < sizeof out / sizeof out[0]) {
        line++;
        buf[strcspn(buf, "\n")] = '\0';
        if (buf[0] == '#' || buf[0] == '\0')
            continue;
        char *f0 = buf, *f1 = strchr(f0, '\t'), *f2 = f1 ? strchr(f1 + 1, '\t') : NULL,
             *f3 = f2 ? strchr(f2 + 1, '\t') : NULL;
        if (f3 == NULL) {
            FAILF("%s:%d: want kind<TAB>case<TAB>input<TAB>error", CATALOGUE, line);
            continue;
        }
        *f1++ = *f2++ = *f3++ = '\0';
        if (strcmp(f0, kind) != 0)
            continue;
        out[n].line = line;
        out[n].title = strdup(f1);
        out[n].input = strcmp(f2, "(null)") == 0 ? NULL
                       : strcmp(f2, "(empty)") == 0 ? "" : unescape(strdup(f2));
        out[n].error = unescape(strdup(f3));
        n++;
    }
    fclose(f);
    nout = n;
    if (n == 0)
        FAILF("%s: no rows of kind %s", CATALOGUE, kind);
    *rows = out;
    return n;
}
