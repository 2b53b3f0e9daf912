/* main.c - runs every unit-test suite linked into the binary.  Suites are
 * weak so a module's tests can land before or after its neighbours'. */
#include <stdio.h>
#include <stdlib.h>

#include "check.h"

int jxa_t_failed_now, jxa_t_passed, jxa_t_failed;

#define SUITES(X) X(buf) X(javafmt) X(objname) X(rules) X(mset) X(options) \
                  X(config) X(procfs) X(auth) X(probe) X(gc) X(fdwatch) X(sd)

#define DECLARE(name) void suite_##name(void) __attribute__((weak));
SUITES(DECLARE)

int main(void)
{
#define CALL(name)                                                        \
    if (suite_##name) {                                                   \
        int p = jxa_t_passed, f = jxa_t_failed;                           \
        suite_##name();                                                   \
        printf("suite %-10s %d passed, %d failed\n", #name,               \
               jxa_t_passed - p, jxa_t_failed - f);                       \
    }
    SUITES(CALL)
    printf("%d passed, %d failed\n", jxa_t_passed, jxa_t_failed);
    return jxa_t_failed == 0 && jxa_t_passed > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
