/* test_javafmt.c - Java number formatting and parsing.  Expected strings
 * were printed by OpenJDK 17.0.15 (Double.toString, Float.toString,
 * Double.valueOf); the JDK 17 quirks (JDK-4511638) are deliberate, and
 * JDK 19+'s digits are checked against JDK 25.0.3. */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "javafmt.h"

static const struct { uint64_t bits; const char *java; } doubles[] = {
    {0x0ull, "0.0"},
    {0x8000000000000000ull, "-0.0"},
    {0x3ff0000000000000ull, "1.0"},
    {0x4069000000000000ull, "200.0"},
    {0x4075900000000000ull, "345.0"},
    {0x3fd6147ae147ae15ull, "0.34500000000000003"},
    {0x3fd6147ae147ae15ull, "0.34500000000000003"},
    {0x41d0000000000000ull, "1.073741824E9"},
    {0x3f1a36e2eb1c432dull, "1.0E-4"},
    {0x3f50624dd2f1a9fcull, "0.001"},
    {0x3f505e1c15097c81ull, "9.99E-4"},
    {0x416312d000000000ull, "1.0E7"},
    {0x416312cfe0000000ull, "9999999.0"},
    {0x4167da0000000000ull, "1.2505088E7"},
    {0x3feb6db6db6db6dbull, "0.8571428571428571"},
    {0x44b52d02c7e14af6ull, "9.999999999999999E22"},
    {0x44c52d02c7e14af6ull, "1.9999999999999998E23"},
    {0x43e0000000000000ull, "9.223372036854776E18"},
    {0x43e0000000000000ull, "9.223372036854776E18"},
    {0x43f0000000000000ull, "1.8446744073709552E19"},
    {0x438a1402518ee141ull, "2.34891186729134112E17"},
    {0x7fefffffffffffffull, "1.7976931348623157E308"},
    {0x1ull, "4.9E-324"},
    {0x10000000000000ull, "2.2250738585072014E-308"},
    {0x4011666666666666ull, "4.35"},
    {0x3fb999999999999aull, "0.1"},
    {0x3fc999999999999aull, "0.2"},
    {0x3fd3333333333333ull, "0.3"},
    {0x3fd3333333333334ull, "0.30000000000000004"},
    {0x4040aaaaaaaaaaabull, "33.333333333333336"},
    {0x41d954fc40000000ull, "1.7E9"},
    {0x41dac15b7f8de354ull, "1.795517950217E9"},
    {0x41f78c0000000000ull, "6.320816128E9"},
    {0xbff0000000000000ull, "-1.0"},
    {0xbefa36e2eb1c432dull, "-2.5E-5"},
    {0x423cbe991a140000ull, "1.23456789012E11"},
    {0x4341c37937e08000ull, "1.0E16"},
    {0x4340000000000000ull, "9.007199254740992E15"},
    {0x3fd353f7ced91687ull, "0.302"},
    {0x3f7cac083126e979ull, "0.007"},
    {0x3e8ad7f29abcaf48ull, "2.0E-7"},
    {0x1ull, "4.9E-324"},
    {0x4480f0cf064dd592ull, "1.0E22"},
    {0x44ada56a4b0835c0ull, "7.0000000000000004E22"},
    {0x3df49da7e361ce4cull, "3.0E-10"},
    {0x400921fb54442d18ull, "3.141592653589793"},
    {0x4005bf0a8b145769ull, "2.718281828459045"},
    {0xd4ccb9f5c3f2eb84ull, "-3.141592653589793E100"},
    {0x369ff868bf4d956aull, "1.4E-45"},
    {0x43e0000000000000ull, "9.223372036854776E18"},
};

static const struct { uint32_t bits; const char *java; } floats[] = {
    {0x3e4ccccdu, "0.2"},
    {0x3dcccccdu, "0.1"},
    {0x3f800000u, "1.0"},
    {0x7f7fffffu, "3.4028235E38"},
    {0x1u, "1.4E-45"},
    {0x5f000000u, "9.223372E18"},
    {0x59993e6cu, "5.3917881E15"},
    {0x4b800000u, "1.6777216E7"},
    {0x4b800000u, "1.6777216E7"},
    {0x3a83126fu, "0.001"},
    {0x4b189680u, "1.0E7"},
    {0x3727c5acu, "1.0E-5"},
    {0x40490fd0u, "3.14159"},
    {0x42c90000u, "100.5"},
    {0xc0e80000u, "-7.25"},
    {0x800000u, "1.17549435E-38"},
    {0x51a2635cu, "8.7181459E10"},

};

/* Double.valueOf(s); "NFE" = NumberFormatException, else Double.toString
 * of the result. */
static const struct { const char *in, *java; } parses[] = {
    {"1", "1.0"},
    {" 1.5 ", "1.5"},
    {"1.", "1.0"},
    {".5", "0.5"},
    {".", "NFE"},
    {"", "NFE"},
    {"1e5", "100000.0"},
    {"1e", "NFE"},
    {"1e+", "NFE"},
    {"-1E-3", "-0.001"},
    {"NaN", "NaN"},
    {"-Infinity", "-Infinity"},
    {"+Infinity", "Infinity"},
    {"Infinity ", "Infinity"},
    {"nan", "NFE"},
    {"inf", "NFE"},
    {"0x1p3", "8.0"},
    {"0x1.8p1", "3.0"},
    {"0x1.8", "NFE"},
    {"0x.8p1", "1.0"},
    {"1.5f", "1.5"},
    {"1.5d", "1.5"},
    {"1.5D ", "1.5"},
    {"1.5ff", "NFE"},
    {"1_000", "NFE"},
    {"1,5", "NFE"},
    {"+", "NFE"},
    {"-", "NFE"},
    {"0x", "NFE"},
    {"\t\n42\r", "42.0"},
    {"1e400", "Infinity"},
    {"4.9e-325", "0.0"},
    {"00012", "12.0"},
    {"0xAp0d", "10.0"},
    {"--1", "NFE"},
    {"1e5.5", "NFE"},
    {"12abc", "NFE"},
    {"1 2", "NFE"},
    {"\xc2\xa0" "1", "NFE"},
};

static void test_double_tostring_jdk17(void)
{
    for (size_t i = 0; i < sizeof doubles / sizeof *doubles; i++) {
        double d;
        memcpy(&d, &doubles[i].bits, 8);
        char out[JXA_NUMBUF];
        size_t n = jxa_java_double(out, d);
        CHECK_STR(out, doubles[i].java);
        CHECK_INT(n, strlen(doubles[i].java));
    }
}

static void test_float_tostring_jdk17(void)
{
    for (size_t i = 0; i < sizeof floats / sizeof *floats; i++) {
        float f;
        memcpy(&f, &floats[i].bits, 4);
        char out[JXA_NUMBUF];
        jxa_java_float(out, f);
        CHECK_STR(out, floats[i].java);
    }
}

static void test_double_special(void)
{
    char out[JXA_NUMBUF];
    jxa_java_double(out, NAN);
    CHECK_STR(out, "NaN");
    jxa_java_double(out, INFINITY);
    CHECK_STR(out, "Infinity");
    jxa_java_double(out, -INFINITY);
    CHECK_STR(out, "-Infinity");
    jxa_java_float(out, -0.0f);
    CHECK_STR(out, "-0.0");
    /* Boundaries of plain notation: [1e-3, 1e7). */
    jxa_java_double(out, 1e7 - 1);
    CHECK_STR(out, "9999999.0");
    jxa_java_double(out, 0.00099);
    CHECK_STR(out, "9.9E-4");
    jxa_java_double(out, 100.0);
    CHECK_STR(out, "100.0");
    jxa_java_double(out, 1234567.5);
    CHECK_STR(out, "1234567.5");
}

static void test_prom_double(void)
{
    char out[JXA_NUMBUF];
    jxa_prom_double(out, NAN);
    CHECK_STR(out, "NaN");
    jxa_prom_double(out, INFINITY);
    CHECK_STR(out, "+Inf");
    jxa_prom_double(out, -INFINITY);
    CHECK_STR(out, "-Inf");
    jxa_prom_double(out, 345 * 0.001);
    CHECK_STR(out, "0.34500000000000003");
    jxa_prom_double(out, 690.0);
    CHECK_STR(out, "690.0");
    jxa_prom_double(out, -1.0);
    CHECK_STR(out, "-1.0");
}

static void test_long(void)
{
    char out[JXA_NUMBUF];
    jxa_java_long(out, 0);
    CHECK_STR(out, "0");
    jxa_java_long(out, -42);
    CHECK_STR(out, "-42");
    jxa_java_long(out, INT64_MAX);
    CHECK_STR(out, "9223372036854775807");
    CHECK_INT(jxa_java_long(out, INT64_MIN), 20);
    CHECK_STR(out, "-9223372036854775808");
}

static void test_parse_double_grammar(void)
{
    for (size_t i = 0; i < sizeof parses / sizeof *parses; i++) {
        double d = 12345;
        int rc = jxa_java_parse_double(parses[i].in, &d);
        if (strcmp(parses[i].java, "NFE") == 0) {
            if (rc != -1)
                FAILF("'%s' parsed, Java throws", parses[i].in);
        } else {
            char out[JXA_NUMBUF];
            jxa_java_double(out, d);
            if (rc != 0 || strcmp(out, parses[i].java) != 0)
                FAILF("'%s' -> rc %d '%s', Java '%s'", parses[i].in, rc, out,
                      parses[i].java);
        }
    }
    double d;
    CHECK_INT(jxa_java_parse_double(NULL, &d), -1);
    CHECK_INT(jxa_java_parse_double("-0", &d), 0);
    CHECK(d == 0 && signbit(d));
}

/* 3000 values of assorted shapes (random bits, subnormals, powers of two,
 * large integers, short decimals), printed by JDK 17.0.15 and by JDK 25.0.3
 * (511 of the lines differ: JDK 19 changed the digits, JDK-4511638);
 * regenerate with fixtures/javafmt/ToString.java if a target JDK changes. */
static void check_fixture(const char *path, int release)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        FAILF("%s missing (run from test/unit)", path);
        return;
    }
    jxa_javafmt_set_release(release);
    char line[256], jd[64], jf[64];
    uint64_t db;
    uint32_t fb;
    int n = 0, bad = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#')
            continue;
        if (sscanf(line, "%" SCNx64 " %63s %" SCNx32 " %63s", &db, jd, &fb,
                   jf) != 4)
            continue;
        double d;
        float fl;
        memcpy(&d, &db, 8);
        memcpy(&fl, &fb, 4);
        char out[JXA_NUMBUF];
        jxa_java_double(out, d);
        if (strcmp(out, jd) != 0 && bad++ < 5)
            FAILF("double %016" PRIx64 ": %s, JDK %d %s", db, out, release, jd);
        jxa_java_float(out, fl);
        if (strcmp(out, jf) != 0 && bad++ < 5)
            FAILF("float %08" PRIx32 ": %s, JDK %d %s", fb, out, release, jf);
        n++;
    }
    fclose(f);
    jxa_javafmt_set_release(17);
    CHECK(n > 2900);
    CHECK_INT(bad, 0);
}

static void test_jdk17_fixture(void)
{
    check_fixture("fixtures/javafmt/jdk17_tostring.txt", 17);
}

static void test_jdk25_fixture(void)
{
    check_fixture("fixtures/javafmt/jdk25_tostring.txt", 25);
}

/* Values whose digits JDK 19 changed, as JDK 17.0.15 and 25.0.3 print
 * them, and the release parsing that picks the rule. */
static void test_release_switch(void)
{
    static const struct { uint64_t bits; const char *jdk17, *jdk25; } v[] = {
        {0x44b52d02c7e14af6ull, "9.999999999999999E22", "1.0E23"},
        {0x44c52d02c7e14af6ull, "1.9999999999999998E23", "2.0E23"},
        {0x0000000000000001ull, "4.9E-324", "4.9E-324"},
        {0x3ff0000000000000ull, "1.0", "1.0"},
    };
    char out[JXA_NUMBUF];
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        double d;
        memcpy(&d, &v[i].bits, 8);
        jxa_javafmt_set_release(17);
        jxa_java_double(out, d);
        CHECK_STR(out, v[i].jdk17);
        jxa_javafmt_set_release(25);
        jxa_java_double(out, d);
        CHECK_STR(out, v[i].jdk25);
    }
    jxa_javafmt_set_release(17);
    CHECK_INT(jxa_java_feature("1.8"), 8);
    CHECK_INT(jxa_java_feature("17"), 17);
    CHECK_INT(jxa_java_feature("25"), 25);
    CHECK_INT(jxa_java_feature(NULL), 17);
    CHECK_INT(jxa_java_feature("x"), 17);
}

SUITE(javafmt)
{
    RUN(test_double_tostring_jdk17);
    RUN(test_float_tostring_jdk17);
    RUN(test_jdk17_fixture);
    RUN(test_jdk25_fixture);
    RUN(test_release_switch);
    RUN(test_double_special);
    RUN(test_prom_double);
    RUN(test_long);
    RUN(test_parse_double_grammar);
}
