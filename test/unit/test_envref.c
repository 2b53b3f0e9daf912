/* test_envref.c - "${NAME}" references (envref.c), against the rule of
 * jmx_exporter 1.6's VariableResolver (docs/semantics.md §13).  The
 * variables are set in this process's real environment. */
#include "check.h"
#include "envref.h"

#include <stdlib.h>

/* Resolves s; returns the code and leaves the result in *r (freed by the
 * next call). */
static char *last;

static int res(const char *s)
{
    free(last);
    last = NULL;
    return jxa_envref_resolve(s, &last);
}

static void test_literal(void)
{
    CHECK_INT(res("secret"), JXA_ENVREF_OK);
    CHECK_STR(last, "secret");
    CHECK_INT(res("  spaced  "), JXA_ENVREF_OK);     /* not a reference: as is */
    CHECK_STR(last, "  spaced  ");
    CHECK_INT(res(""), JXA_ENVREF_OK);
    CHECK_STR(last, "");
    CHECK_INT(res("   "), JXA_ENVREF_OK);
    CHECK_STR(last, "   ");
    CHECK_INT(res("${}"), JXA_ENVREF_OK);            /* the one literal form */
    CHECK_STR(last, "${}");
    CHECK_INT(res(" ${} "), JXA_ENVREF_OK);
    CHECK_STR(last, " ${} ");
    CHECK_INT(res("${"), JXA_ENVREF_OK);
    CHECK_STR(last, "${");
    CHECK_INT(res("$JXA_T_USER"), JXA_ENVREF_OK);    /* no shell forms */
    CHECK_STR(last, "$JXA_T_USER");
    CHECK_INT(res("a${JXA_T_USER}"), JXA_ENVREF_OK); /* whole value only */
    CHECK_STR(last, "a${JXA_T_USER}");
    CHECK_INT(res("${JXA_T_USER}b"), JXA_ENVREF_OK);
    CHECK_STR(last, "${JXA_T_USER}b");
    CHECK(!jxa_envref_is_ref("${}"));
    CHECK(!jxa_envref_is_ref(NULL));
    CHECK(jxa_envref_is_ref(" ${X} "));
}

static void test_reference(void)
{
    setenv("JXA_T_USER", "alice", 1);
    setenv("JXA_T_PAD", " \t bob \n", 1);
    CHECK_INT(res("${JXA_T_USER}"), JXA_ENVREF_OK);
    CHECK_STR(last, "alice");
    CHECK_INT(res("  ${ JXA_T_USER\t}  "), JXA_ENVREF_OK);   /* both trimmed */
    CHECK_STR(last, "alice");
    CHECK_INT(res("${JXA_T_PAD}"), JXA_ENVREF_OK);           /* value trimmed */
    CHECK_STR(last, "bob");
    setenv("JXA_T_INNER", "x ${JXA_T_USER} y", 1);           /* not recursive */
    CHECK_INT(res("${JXA_T_INNER}"), JXA_ENVREF_OK);
    CHECK_STR(last, "x ${JXA_T_USER} y");
    setenv("JXA_T_UTF8", "p\xc3\xa4ss", 1);
    CHECK_INT(res("${JXA_T_UTF8}"), JXA_ENVREF_OK);
    CHECK_STR(last, "p\xc3\xa4ss");
    unsetenv("JXA_T_USER");
    unsetenv("JXA_T_PAD");
    unsetenv("JXA_T_INNER");
    unsetenv("JXA_T_UTF8");
}

static void test_errors(void)
{
    unsetenv("JXA_T_NONE");
    CHECK_INT(res("${JXA_T_NONE}"), JXA_ENVREF_UNSET);
    CHECK(last == NULL);
    CHECK_INT(res("${ }"), JXA_ENVREF_BAD_NAME);
    CHECK_INT(res("${\t}"), JXA_ENVREF_BAD_NAME);
    setenv("JXA_T_BLANK", "  ", 1);
    CHECK_INT(res("${JXA_T_BLANK}"), JXA_ENVREF_EMPTY);
    setenv("JXA_T_BLANK", "", 1);
    CHECK_INT(res("${JXA_T_BLANK}"), JXA_ENVREF_EMPTY);
    unsetenv("JXA_T_BLANK");
    /* One reference to a variable named "A}${B", as jmx_exporter reads it. */
    setenv("JXA_T_A", "a", 1);
    setenv("JXA_T_B", "b", 1);
    CHECK_INT(res("${JXA_T_A}${JXA_T_B}"), JXA_ENVREF_UNSET);
    unsetenv("JXA_T_A");
    unsetenv("JXA_T_B");
    CHECK_STR(jxa_envref_strerror(JXA_ENVREF_UNSET), "is not set");
    free(last);
    last = NULL;
}

SUITE(envref)
{
    RUN(test_literal);
    RUN(test_reference);
    RUN(test_errors);
}
