/* main.c - runs the unit-test suites that registered themselves (SUITE()
 * in check.h), in name order; with arguments, only the suites named. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

int jxa_t_failed_now, jxa_t_passed, jxa_t_failed;

static struct jxa_t_suite *suites;

/* Called from constructors, before main(): keeps the list sorted by name
 * so the output does not depend on link order. */
void jxa_t_register(struct jxa_t_suite *s)
{
    struct jxa_t_suite **p = &suites;
    while (*p && strcmp((*p)->name, s->name) < 0)
        p = &(*p)->next;
    s->next = *p;
    *p = s;
}

static int wanted(const char *name, int argc, char **argv)
{
    if (argc < 2)
        return 1;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return 1;
    return 0;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const struct jxa_t_suite *s = suites;
        while (s && strcmp(s->name, argv[i]) != 0)
            s = s->next;
        if (!s) {
            fprintf(stderr, "unit_tests: no suite '%s'; the suites are:", argv[i]);
            for (s = suites; s; s = s->next)
                fprintf(stderr, " %s", s->name);
            fputc('\n', stderr);
            return EXIT_FAILURE;
        }
    }
    for (const struct jxa_t_suite *s = suites; s; s = s->next) {
        if (!wanted(s->name, argc, argv))
            continue;
        int p = jxa_t_passed, f = jxa_t_failed;
        s->run();
        printf("suite %-10s %d passed, %d failed\n", s->name,
               jxa_t_passed - p, jxa_t_failed - f);
    }
    printf("%d passed, %d failed\n", jxa_t_passed, jxa_t_failed);
    return jxa_t_failed == 0 && jxa_t_passed > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
