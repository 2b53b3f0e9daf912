/* test_javaregex.c - agent/javaregex.c: Java regex syntax to PCRE2.
 *
 * The oracle is the JVM: fixtures/javaregex/jdk17.txt is what JDK 17's
 * java.util.regex printed (fixtures/javaregex/Oracle.java) for every
 * (pattern, input) pair of fixtures/javaregex/cases.txt (jdk25.txt: what
 * JDK 25 printed, for an agent in a JDK 25 JVM); each pair's
 * translation, compiled as the agent compiles rule patterns, must give the
 * same matches() and the same first find().  test/it/test_javaregex.py
 * reruns the JVM and checks jdk17.txt is still what it prints. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdbool.h>
#include <stdlib.h>

#include "check.h"
#include "config.h"
#include "javaregex.h"
#include "mset.h"
#include "rules.h"

static char *tr(const char *java)
{
    struct jxa_jre_result r;
    if (jxa_javaregex_translate(java, strlen(java), &r) != JXA_JRE_OK)
        return NULL;
    free(r.map);
    return r.pcre;
}

/* The input column: "{U+hex}" is that code point, as UTF-8. */
static size_t unescape(const char *s, char *out)
{
    size_t n = 0;
    while (*s) {
        if (strncmp(s, "{U+", 3) == 0) {
            char *end;
            unsigned long c = strtoul(s + 3, &end, 16);
            s = end + 1;
            if (c < 0x80) {
                out[n++] = (char)c;
            } else if (c < 0x800) {
                out[n++] = (char)(0xC0 | c >> 6);
                out[n++] = (char)(0x80 | (c & 0x3F));
            } else if (c < 0x10000) {
                out[n++] = (char)(0xE0 | c >> 12);
                out[n++] = (char)(0x80 | (c >> 6 & 0x3F));
                out[n++] = (char)(0x80 | (c & 0x3F));
            } else {
                out[n++] = (char)(0xF0 | c >> 18);
                out[n++] = (char)(0x80 | (c >> 12 & 0x3F));
                out[n++] = (char)(0x80 | (c >> 6 & 0x3F));
                out[n++] = (char)(0x80 | (c & 0x3F));
            }
        } else {
            out[n++] = *s++;
        }
    }
    out[n] = '\0';
    return n;
}

static long cps(const char *s, size_t bytes)
{
    long n = 0;
    for (size_t i = 0; i < bytes; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

/* Valid Java that PCRE2 10.42 cannot express (docs/semantics.md §16). */
static bool known_unsupported(const char *p)
{
    static const char *const list[] = {"\\N{", "\\b{g}", "(?c)", "(?<=a+)", "(?<=ab?)", "(?<=\\X)"};
    for (size_t k = 0; k < sizeof list / sizeof list[0]; k++)
        if (strstr(p, list[k]) != NULL)
            return true;
    return false;
}

/* One case: "error" or "ok M S E" as Oracle.java prints it. */
static int run_case(const char *pat, const char *in, size_t inlen, char *got, size_t gotsz,
                    enum jxa_jre_status *st)
{
    struct jxa_jre_result r;
    *st = jxa_javaregex_translate(pat, strlen(pat), &r);
    if (*st != JXA_JRE_OK) {
        snprintf(got, gotsz, "error");
        return 0;
    }
    pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
    pcre2_set_newline(cc, PCRE2_NEWLINE_ANY);
    int ec;
    PCRE2_SIZE eo;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)r.pcre, PCRE2_ZERO_TERMINATED, PCRE2_UTF,
                                   &ec, &eo, cc);
    pcre2_compile_context_free(cc);
    if (re == NULL && jxa_javaregex_pcre2_limit(ec) != NULL) {
        *st = JXA_JRE_UNSUPPORTED;
        snprintf(got, gotsz, "error");
        jxa_javaregex_free(&r);
        return 0;
    }
    if (re == NULL) {
        PCRE2_UCHAR msg[120];
        pcre2_get_error_message(ec, msg, sizeof msg);
        snprintf(got, gotsz, "error (pcre2: %s in %s)", (char *)msg, r.pcre);
        jxa_javaregex_free(&r);
        return 0;
    }
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    int full = pcre2_match(re, (PCRE2_SPTR)in, inlen, 0, PCRE2_ANCHORED | PCRE2_ENDANCHORED,
                           md, NULL) >= 0;
    int rc = pcre2_match(re, (PCRE2_SPTR)in, inlen, 0, 0, md, NULL);
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    if (rc >= 0)
        snprintf(got, gotsz, "ok %d %ld %ld", full, cps(in, ov[0]), cps(in, ov[1]));
    else
        snprintf(got, gotsz, "ok %d -1 -1", full);
    pcre2_match_data_free(md);
    pcre2_code_free(re);
    jxa_javaregex_free(&r);
    return 0;
}

static void check_oracle(const char *expected, int release)
{
    FILE *c = fopen("fixtures/javaregex/cases.txt", "r");
    FILE *e = fopen(expected, "r");
    jxa_javaregex_set_release(release);
    if (c == NULL || e == NULL) {
        FAILF("fixtures/javaregex missing (run from test/unit)");
        if (c) fclose(c);
        if (e) fclose(e);
        return;
    }
    char line[1024], want[128], in[1024], got[1200];
    int n = 0, bad = 0, unsupported = 0;
    while (fgets(line, sizeof line, c)) {
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        if (!fgets(want, sizeof want, e)) {
            FAILF("%s is shorter than cases.txt: rerun Oracle.java", expected);
            break;
        }
        want[strcspn(want, "\n")] = '\0';
        char *tab = strchr(line, '\t');
        if (tab == NULL) {
            FAILF("no tab in case %s", line);
            continue;
        }
        *tab = '\0';
        size_t inlen = unescape(tab + 1, in);
        enum jxa_jre_status st;
        run_case(line, in, inlen, got, sizeof got, &st);
        n++;
        if (st == JXA_JRE_UNSUPPORTED && known_unsupported(line) && strcmp(want, "error") != 0) {
            unsupported++;
            continue;
        }
        if (strcmp(want, "error") == 0 ? strncmp(got, "error", 5) != 0 || st == JXA_JRE_UNSUPPORTED
                                       : strcmp(got, want) != 0) {
            char *p = tr(line);
            FAILF("/%s/ on \"%s\": JDK %d says %s, we say %s (status %d, pcre2 %s)", line,
                  tab + 1, release, want, got, (int)st, p ? p : "-");
            free(p);
            bad++;
        }
    }
    fclose(c);
    fclose(e);
    jxa_javaregex_set_release(17);
    CHECK(n > 350);
    CHECK_INT(unsupported, 6);
    CHECK_INT(bad, 0);
}

/* JDK 17 is the fixture JVM; JDK 25 (temurin) shows what changed since:
 * \b became ASCII (JDK 19), the Emoji properties arrived (JDK 21). */
static void test_jdk17_oracle(void)
{
    check_oracle("fixtures/javaregex/jdk17.txt", 17);
}

static void test_jdk25_oracle(void)
{
    check_oracle("fixtures/javaregex/jdk25.txt", 25);
}

static void check_err(const char *java, enum jxa_jre_status want, size_t off, const char *msg)
{
    struct jxa_jre_result r;
    enum jxa_jre_status st = jxa_javaregex_translate(java, strlen(java), &r);
    if (st == JXA_JRE_OK)
        jxa_javaregex_free(&r);
    CHECK_INT(st, want);
    if (st == want) {
        CHECK_INT(r.err_off, off);
        CHECK_STR(r.err, msg);
    }
}

static void test_errors(void)
{
    check_err("a[z-a]", JXA_JRE_INVALID, 4, "range out of order in character class");
    check_err("\\p{Foo}", JXA_JRE_INVALID, 0, "Unknown character property name {Foo}");
    check_err("x\\p{InNoSuchBlock}", JXA_JRE_INVALID, 1, "Unknown character block name {NoSuchBlock}");
    check_err("\\N{LATIN SMALL LETTER A}", JXA_JRE_UNSUPPORTED, 0,
              "\\N{name} (a character by its Unicode name)");
    check_err("a\\b{g}", JXA_JRE_UNSUPPORTED, 1, "\\b{g} (grapheme cluster boundary)");
    check_err("(?c)a", JXA_JRE_UNSUPPORTED, 0, "the c flag (CANON_EQ, canonical equivalence)");
    check_err("a)", JXA_JRE_INVALID, 1, "Unmatched closing ')'");
    check_err("[a", JXA_JRE_INVALID, 2, "missing terminating ] for character class");
}

/* What a user's pattern becomes, where the shape matters. */
static void test_shapes(void)
{
    char *p;
    CHECK_STR(p = tr("\\u004D"), "M"); free(p);
    CHECK_STR(p = tr("\\p{InLatin-1Supplement}"), "[\\x{80}-\\x{FF}]"); free(p);
    CHECK_STR(p = tr("\\p{IsLatin}"), "[\\p{sc:Latin}]"); free(p);
    CHECK_STR(p = tr("\\p{javaLowerCase}+"), "[\\p{Lowercase}]+"); free(p);
    CHECK_STR(p = tr("(?i)é"), "\\x{E9}"); free(p);
    CHECK_STR(p = tr("(?i)ab"), "[aA][bB]"); free(p);
    CHECK_STR(p = tr("[a-z&&[^e]]"), "(?=[a-z])[^e]"); free(p);
    CHECK_STR(p = tr("(?<n>x)"), "(?<n>x)"); free(p);
    /* the wrapper jmx_exporter puts around every rule pattern */
    CHECK_STR(p = tr("^.*(?:a).*$"),
              "^[^\\n\\r\\x{85}\\x{2028}\\x{2029}]*(?:a)[^\\n\\r\\x{85}\\x{2028}\\x{2029}]*"
              "(?=(?:\\r\\n|[\\n\\r\\x{85}\\x{2028}\\x{2029}])?\\z)(?!(?<=\\r)\\n)");
    free(p);
}

/* Offsets of the output map back into the Java pattern. */
static void test_map(void)
{
    struct jxa_jre_result r;
    const char *j = "a\\u0042[c]";
    CHECK_INT(jxa_javaregex_translate(j, strlen(j), &r), JXA_JRE_OK);
    CHECK_STR(r.pcre, "aB[c]");
    CHECK_INT(r.map[0], 0);
    CHECK_INT(r.map[1], 1);
    CHECK_INT(r.map[2], 7);
    CHECK_INT(r.map[5], strlen(j));
    jxa_javaregex_free(&r);
}

/* The engine's matches(): Java backtracks until "^.*(?:P).*$" ends at the
 * end of the input, so a lazy (\n)?? still takes a final newline (JDK 17
 * says matches() is true for x(\n)?? on "...x\n"); a first match that
 * stops before it must not decide. */
static void test_matches_backtracks_to_the_end(void)
{
    const char *y = "rules:\n  - pattern: 'A: x(\\n)?" "?'\n    name: m\n    value: '1'\n";
    char err[512];
    struct jxa_config *c = NULL;
    CHECK_INT(jxa_config_load_string(y, strlen(y), "t.yaml", &c, err, sizeof err), 0);
    if (c == NULL)
        return;
    struct jxa_engine *e = jxa_engine_new(c);
    struct jxa_mset *m = jxa_mset_new();
    struct jxa_prop props[1] = {{"type", "T"}};
    struct jxa_leaf leaf = {.domain = "d", .props = props, .nprops = 1, .attr = "A",
                            .kind = JXA_V_STRING, .text = "x\n"};
    jxa_engine_begin(e);
    jxa_engine_record(e, &leaf, m, err, sizeof err);
    jxa_engine_end(e);
    jxa_mset_finish(m);
    struct jxa_buf out = {0};
    jxa_mset_write(m, &(struct jxa_write_req){JXA_FMT_TEXT, NULL, 0, 0}, &out);
    CHECK(out.data != NULL && strstr(out.data, "\nm 1.0\n") != NULL);
    jxa_buf_free(&out);
    jxa_mset_free(m);
    jxa_engine_free(e);
    jxa_config_free(c);
}

SUITE(javaregex)
{
    RUN(test_matches_backtracks_to_the_end);
    RUN(test_jdk17_oracle);
    RUN(test_jdk25_oracle);
    RUN(test_errors);
    RUN(test_shapes);
    RUN(test_map);
}
