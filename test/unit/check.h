/* check.h - the unit-test runner's assertions.  Each suite is a function
 * suite_<module>(void) calling RUN(test_fn); main.c runs every suite that
 * is linked in and prints "N passed, N failed". */
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

#endif
