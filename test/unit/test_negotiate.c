/* test_negotiate.c - Accept-Encoding (negotiate.c, RFC 9110 12.5.3). */
#include "check.h"
#include "negotiate.h"

/* One field line. */
static bool gz(const char *v)
{
    return jxa_accepts_gzip(&v, 1);
}

static void test_plain(void)
{
    CHECK(jxa_accepts_gzip(NULL, 0) == false);     /* no header */
    CHECK(gz("gzip"));
    CHECK(gz("gzip, deflate, br"));
    CHECK(gz("deflate, gzip"));
    CHECK(gz("x-gzip"));
    CHECK(!gz(""));                                 /* "no coding, please" */
    CHECK(!gz("deflate, br"));
    CHECK(!gz("identity"));
    CHECK(!gz("gzipx, xgzip, gzip2"));              /* whole tokens only */
    CHECK(!gz("deflate;gzip"));
}

static void test_weights(void)
{
    CHECK(!gz("gzip;q=0"));
    CHECK(!gz("gzip;q=0.0"));
    CHECK(!gz("gzip;q=0.000"));
    CHECK(!gz("gzip; q=0, deflate"));
    CHECK(gz("gzip;q=0.001"));
    CHECK(gz("gzip;q=0.5"));
    CHECK(gz("gzip;q=1"));
    CHECK(gz("gzip;q=1.000"));
    CHECK(gz("gzip;q=0.5, identity;q=0.5"));        /* a tie goes to gzip */
    CHECK(!gz("gzip;q=0.5, identity"));             /* identity preferred */
    CHECK(!gz("identity;q=0.9, gzip;q=0.8"));
    CHECK(gz("gzip, identity;q=0"));
    CHECK(gz("gzip;q=0.1, identity;q=0"));
}

static void test_star(void)
{
    CHECK(gz("*"));
    CHECK(gz("*;q=0.3"));
    CHECK(!gz("*;q=0"));
    CHECK(gz("gzip, *;q=0"));                        /* named beats "*" */
    CHECK(!gz("gzip;q=0, *"));
    CHECK(!gz("*, gzip;q=0"));
    CHECK(!gz("*, identity;q=1, gzip;q=0.5"));
}

static void test_case_and_whitespace(void)
{
    CHECK(gz("GZIP"));
    CHECK(gz("GZip;Q=0.7"));
    CHECK(!gz("GZIP;Q=0"));
    CHECK(!gz("gzip ; q=0"));
    CHECK(!gz(" \tgzip\t;\tq=0 \t, deflate"));
    CHECK(gz("  deflate ,\t gzip  "));
    CHECK(gz(",, ,gzip,,"));                         /* empty elements */
    CHECK(!gz("Identity;q=1, gzip;q=0.9"));
}

/* Elements that do not parse are ignored: a bad weight does not become a
 * yes, nor does it hide the elements after it. */
static void test_malformed(void)
{
    CHECK(!gz("gzip;q=2"));
    CHECK(!gz("gzip;q=1.5"));
    CHECK(!gz("gzip;q=1.001"));
    CHECK(!gz("gzip;q=0.1234"));
    CHECK(!gz("gzip;q=-1"));
    CHECK(!gz("gzip;q=.5"));
    CHECK(!gz("gzip;q="));
    CHECK(!gz("gzip;q"));
    CHECK(!gz("gzip;=1"));
    CHECK(!gz("gzip q=1"));
    CHECK(!gz("gzip;q=abc"));
    CHECK(gz("gzip;q=2, gzip"));                     /* the bad one does not count */
    CHECK(gz("gzip;q=0.5;level=9"));                 /* other parameters: ignored */
    CHECK(!gz("gzip;level=9;q=0"));
    CHECK(gz("\"gzip\", gzip"));
    CHECK(gz("gzip;q=0.5 junk, gzip"));
}

/* Several field lines are one list (RFC 9110 5.3). */
static void test_field_lines(void)
{
    const char *a[] = {"deflate", "gzip"};
    CHECK(jxa_accepts_gzip(a, 2));
    const char *b[] = {"gzip;q=0", "gzip"};
    CHECK(!jxa_accepts_gzip(b, 2));
    const char *c[] = {"gzip;q=0.5", "identity"};
    CHECK(!jxa_accepts_gzip(c, 2));
    const char *d[] = {"", NULL, "gzip"};
    CHECK(jxa_accepts_gzip(d, 3));
}

SUITE(negotiate)
{
    RUN(test_plain);
    RUN(test_weights);
    RUN(test_star);
    RUN(test_case_and_whitespace);
    RUN(test_malformed);
    RUN(test_field_lines);
}
