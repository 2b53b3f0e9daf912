/* check.h - the unit-test runner's assertions and suite registration.
 * A test file declares its suite with SUITE(module) { RUN(test_fn); ... };
 * the suite registers itself before main() (a constructor), so a new test
 * file needs no list to be edited.  main.c runs every registered suite in
 * name order, or only the ones named on its command line, and prints
 * "N passed, N failed". */
#ifndef JXA_CHECK_H
#define JXA_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

extern int jxa_t_failed_now;   /* set by a failing assertion in this test */
extern int jxa_t_passed, jxa_t_failed;

#define FAILF(...)                                                        \
    do {                                                                  \
        fprintf(stderr, "  %s:%d: ", __FILE__, __LINE__);                 \
        fprintf(stderr, __VA_ARGS__);                                     \
        fputc('\n', stderr);                                              \
        jxa_t_failed_now = 1;                                             \
    } while (0)

#define CHECK(cond)                                                       \
    do { if (!(cond)) FAILF("CHECK(%s) failed", #cond); } while (0)

#define CHECK_INT(a, b)                                                   \
    do {                                                                  \
        long long a_ = (long long)(a), b_ = (long long)(b);               \
        if (a_ != b_) FAILF("%s == %lld, expected %lld", #a, a_, b_);     \
    } while (0)

#define CHECK_STR(a, b)                                                   \
    do {                                                                  \
        const char *a_ = (a), *b_ = (b);                                  \
        if (a_ == NULL || b_ == NULL ? a_ != b_ : strcmp(a_, b_) != 0)    \
            FAILF("%s ==\n    \"%s\"\n  expected\n    \"%s\"", #a,       \
                  a_ ? a_ : "(null)", b_ ? b_ : "(null)");                \
    } while (0)

#define CHECK_DBL(a, b)                                                   \
    do {                                                                  \
        double a_ = (a), b_ = (b);                                        \
        if (!(a_ == b_ || (isnan(a_) && isnan(b_))))                      \
            FAILF("%s == %.17g, expected %.17g", #a, a_, b_);             \
    } while (0)

#define RUN(fn)                                                           \
    do {                                                                  \
        jxa_t_failed_now = 0;                                             \
        fn();                                                             \
        if (jxa_t_failed_now) {                                           \
            jxa_t_failed++;                                               \
            fprintf(stderr, "FAIL %s\n", #fn);                            \
        } else {                                                          \
            jxa_t_passed++;                                               \
        }                                                                 \
    } while (0)

/* A registered suite; see SUITE(). */
struct jxa_t_suite {
    const char *name;
    void (*run)(void);
    struct jxa_t_suite *next;
};
void jxa_t_register(struct jxa_t_suite *s);

#define SUITE(name)                                                       \
    static void suite_##name(void);                                       \
    static struct jxa_t_suite suite_reg_##name = {#name, suite_##name,    \
                                                  NULL};                  \
    __attribute__((constructor)) static void suite_ctor_##name(void)      \
    {                                                                     \
        jxa_t_register(&suite_reg_##name);                                \
    }                                                                     \
    static void suite_##name(void)

#endif
