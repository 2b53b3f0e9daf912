/* javaregex.c - java.util.regex syntax to PCRE2 (include/javaregex.h).
 *
 * jmx_exporter compiles "^.*(?:" + pattern + ").*$" with java.util.regex;
 * the agent compiles the translation of that same string with PCRE2 10.42
 * (PCRE2_UTF, no PCRE2_UCP, NEWLINE_ANY).  The semantics reproduced here,
 * and what stays refused, are in docs/semantics.md §16; each rule below was
 * checked against JDK 17 with test/unit/fixtures/javaregex/Oracle.java.
 *
 * One pass over the Java pattern.  Flags are ours: Java's i d m s u x U are
 * tracked per group and expressed in what is emitted ('.', '^', '$', case
 * folding), so PCRE2 only ever sees a scoped (?i:...) for Unicode case
 * folding.  A character class becomes one PCRE2 expression that matches
 * exactly one code point: a plain [...] when Java's union can be written
 * flat, otherwise lookaheads ((?=A)B for A&&B, (?!A)[\s\S] for a negated
 * complex class).  Every output byte remembers the input offset it came
 * from, so a PCRE2 compile error still names the user's offset. */
#include "javaregex.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "buf.h"
#include "javaregex_blocks.h"

enum {
    F_I = 1,        /* CASE_INSENSITIVE (ASCII only without F_U) */
    F_D = 2,        /* UNIX_LINES */
    F_M = 4,        /* MULTILINE */
    F_S = 8,        /* DOTALL */
    F_U = 16,       /* UNICODE_CASE */
    F_X = 32,       /* COMMENTS */
    F_UC = 64,      /* UNICODE_CHARACTER_CLASS (also sets F_U) */
};

/* The JVM's feature release (jxa_javaregex_set_release): \b and the
 * Emoji properties changed after JDK 17. */
static int jre_release = 17;

void jxa_javaregex_set_release(int feature)
{
    jre_release = feature;
}

/* One character class: either items for a PCRE2 [...] (neg: [^...]), or
 * an expression that matches exactly one code point. */
struct cset {
    struct jxa_buf s;
    bool neg, expr;
};

struct tr {
    const char *p;
    size_t n, i;
    struct jxa_buf out;
    size_t *map;
    size_t mapcap;
    size_t atom;                /* input offset of what is being emitted */
    unsigned flags;
    unsigned *stack;            /* saved flags per open group */
    size_t depth, stackcap;
    int groups_total, groups_open;
    enum jxa_jre_status st;
    char err[200];
    size_t err_off;
};

#define LT "\\n\\r\\x{85}\\x{2028}\\x{2029}"    /* Java's line terminators */
#define WORD_U "\\p{Alphabetic}\\p{Mn}\\p{Me}\\p{Mc}\\p{Nd}\\p{Pc}\\x{200C}\\x{200D}"

static int fail(struct tr *t, enum jxa_jre_status st, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(struct tr *t, enum jxa_jre_status st, size_t off, const char *fmt, ...)
{
    if (t->st != JXA_JRE_OK)
        return -1;
    t->st = st;
    t->err_off = off > t->n ? t->n : off;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->err, sizeof t->err, fmt, ap);
    va_end(ap);
    for (char *c = t->err; *c; c++)     /* one line, whatever the name held */
        if ((unsigned char)*c < 0x20 || *c == 0x7F)
            *c = '?';
    return -1;
}

static int nomem(struct tr *t)
{
    return fail(t, JXA_JRE_NOMEM, t->i, "out of memory");
}

static int emit_n(struct tr *t, const char *s, size_t n)
{
    size_t need = t->out.len + n + 1;
    if (need > t->mapcap) {
        size_t cap = t->mapcap ? t->mapcap : 64;
        while (cap < need)
            cap *= 2;
        size_t *m = realloc(t->map, cap * sizeof *m);
        if (m == NULL)
            return nomem(t);
        t->map = m;
        t->mapcap = cap;
    }
    for (size_t k = 0; k < n; k++)
        t->map[t->out.len + k] = t->atom;
    if (jxa_buf_put(&t->out, s, n) < 0)
        return nomem(t);
    return 0;
}

static int emit(struct tr *t, const char *s)
{
    return emit_n(t, s, strlen(s));
}

/* ---- code points ---- */

static uint32_t decode(const char *p, size_t n, size_t *len)
{
    const unsigned char *s = (const unsigned char *)p;
    int k = s[0] < 0x80 ? 1 : s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC0 ? 2 : 1;
    if ((size_t)k > n)
        k = 1;
    uint32_t c = k == 1 ? s[0] : s[0] & (0x7F >> k);
    for (int j = 1; j < k; j++) {
        if ((s[j] & 0xC0) != 0x80) {
            *len = 1;
            return s[0];
        }
        c = c << 6 | (s[j] & 0x3F);
    }
    *len = (size_t)k;
    return c;
}

static bool is_surrogate(uint32_t c)
{
    return c >= 0xD800 && c <= 0xDFFF;
}

static bool ascii_alnum(uint32_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool ascii_letter(uint32_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* A code point as PCRE2 reads it literally, in or out of a class. */
static void enc(char *b, uint32_t c)
{
    if (ascii_alnum(c))
        snprintf(b, 16, "%c", (char)c);
    else if (c > 0x20 && c < 0x7F)
        snprintf(b, 16, "\\%c", (char)c);
    else
        snprintf(b, 16, "\\x{%X}", (unsigned)c);
}

/* ---- classes ---- */

static int put(struct tr *t, struct jxa_buf *b, const char *s)
{
    return jxa_buf_puts(b, s) < 0 ? nomem(t) : 0;
}

static int cset_add_range(struct tr *t, struct cset *c, uint32_t lo, uint32_t hi)
{
    /* PCRE2 in UTF mode has no surrogates; Java's can never meet one in
     * a subject that is valid UTF-8. */
    if (is_surrogate(lo))
        lo = 0xE000;
    if (is_surrogate(hi))
        hi = 0xD7FF;
    if (lo > hi)
        return 0;
    char a[16], b[16], r[40];
    enc(a, lo);
    enc(b, hi);
    if (lo == hi)
        snprintf(r, sizeof r, "%s", a);
    else
        snprintf(r, sizeof r, "%s-%s", a, b);
    return put(t, &c->s, r);
}

/* Java's CIRange without UNICODE_CASE: an ASCII letter also matches when
 * its other case is in the range.  With UNICODE_CASE the class is wrapped
 * in (?i:...), and only what Java reaches beyond Unicode case folding is
 * added: dotless i upper-cases to I, dotted capital I lower-cases to i. */
static int cset_add(struct tr *t, struct cset *c, uint32_t lo, uint32_t hi)
{
    if (cset_add_range(t, c, lo, hi) < 0)
        return -1;
    if ((t->flags & (F_I | F_U)) == (F_I | F_U)) {
        bool i = lo <= 'i' && 'i' <= hi, I = lo <= 'I' && 'I' <= hi;
        if (lo == hi && (i || I || lo == 0x130 || lo == 0x131)) {
            /* a single character: SingleU, toLowerCase(toUpperCase(c)) */
            if (cset_add_range(t, c, 0x130, 0x131) < 0 || cset_add_range(t, c, 'i', 'i') < 0 ||
                cset_add_range(t, c, 'I', 'I') < 0)
                return -1;
        } else if (lo != hi) {
            /* CIRangeU: c, toUpperCase(c) or its toLowerCase in range */
            if ((i || I) && cset_add_range(t, c, 0x131, 0x131) < 0)
                return -1;
            if (i && cset_add_range(t, c, 0x130, 0x130) < 0)
                return -1;
        }
    }
    if ((t->flags & (F_I | F_U)) == F_I) {
        uint32_t a = lo > 'A' ? lo : 'A', z = hi < 'Z' ? hi : 'Z';
        if (a <= z && cset_add_range(t, c, a + 32, z + 32) < 0)
            return -1;
        a = lo > 'a' ? lo : 'a';
        z = hi < 'z' ? hi : 'z';
        if (a <= z && cset_add_range(t, c, a - 32, z - 32) < 0)
            return -1;
    }
    return 0;
}

static int cset_expr(struct tr *t, const struct cset *c, struct jxa_buf *o)
{
    if (c->expr)
        return put(t, o, jxa_buf_str(&c->s));
    if (c->s.len == 0)
        return put(t, o, c->neg ? "[\\s\\S]" : "(?!)");
    if (put(t, o, c->neg ? "[^" : "[") < 0 || put(t, o, jxa_buf_str(&c->s)) < 0)
        return -1;
    return put(t, o, "]");
}

static int cset_become_expr(struct tr *t, struct cset *c, const char *pre,
                            const struct cset *mid, const char *sep,
                            const struct cset *last, const char *post)
{
    struct jxa_buf o = {0};
    if (put(t, &o, pre) < 0 || cset_expr(t, mid, &o) < 0 || put(t, &o, sep) < 0 ||
        (last != NULL && cset_expr(t, last, &o) < 0) || put(t, &o, post) < 0) {
        jxa_buf_free(&o);
        return -1;
    }
    jxa_buf_free(&c->s);
    c->s = o;
    c->expr = true;
    c->neg = false;
    return 0;
}

/* a := a | b, consuming b. */
static int cset_union(struct tr *t, struct cset *a, struct cset *b)
{
    int rc;
    if (!a->expr && !b->expr && !a->neg && !b->neg)
        rc = put(t, &a->s, jxa_buf_str(&b->s));
    else {
        struct cset x = *a;
        a->s = (struct jxa_buf){0};
        rc = cset_become_expr(t, a, "(?:", &x, "|", b, ")");
        jxa_buf_free(&x.s);
    }
    jxa_buf_free(&b->s);
    return rc;
}

/* a := a && b, consuming b. */
static int cset_and(struct tr *t, struct cset *a, struct cset *b)
{
    struct cset x = *a;
    a->s = (struct jxa_buf){0};
    int rc = cset_become_expr(t, a, "(?=", &x, ")", b, "");
    jxa_buf_free(&x.s);
    jxa_buf_free(&b->s);
    return rc;
}

static int cset_negate(struct tr *t, struct cset *a)
{
    if (!a->expr) {
        a->neg = !a->neg;
        return 0;
    }
    struct cset x = *a;
    a->s = (struct jxa_buf){0};
    int rc = cset_become_expr(t, a, "(?:(?!", &x, ")[\\s\\S])", NULL, "");
    jxa_buf_free(&x.s);
    return rc;
}

static int cset_set(struct tr *t, struct cset *c, const char *items, bool neg)
{
    jxa_buf_reset(&c->s);
    c->expr = false;
    c->neg = neg;
    return put(t, &c->s, items);
}

/* ---- \p{...} ---- */

struct prop {
    const char *name;
    const char *items;
    bool neg;
    const char *ci_items;       /* under CASE_INSENSITIVE, if different */
};

#define CASED_CAT "\\p{Lu}\\p{Ll}\\p{Lt}"
#define CASED_PROP "\\p{Lowercase}\\p{Uppercase}\\p{Lt}"

/* java.util.regex CharPredicates.forProperty: general categories, POSIX
 * classes (US-ASCII) and java.lang.Character methods.  Case-sensitive. */
static const struct prop forproperty[] = {
    {"Cn", "\\p{Cn}", 0, 0}, {"Lu", "\\p{Lu}", 0, CASED_CAT},
    {"Ll", "\\p{Ll}", 0, CASED_CAT}, {"Lt", "\\p{Lt}", 0, CASED_CAT},
    {"Lm", "\\p{Lm}", 0, 0}, {"Lo", "\\p{Lo}", 0, 0}, {"Mn", "\\p{Mn}", 0, 0},
    {"Me", "\\p{Me}", 0, 0}, {"Mc", "\\p{Mc}", 0, 0}, {"Nd", "\\p{Nd}", 0, 0},
    {"Nl", "\\p{Nl}", 0, 0}, {"No", "\\p{No}", 0, 0}, {"Zs", "\\p{Zs}", 0, 0},
    {"Zl", "\\p{Zl}", 0, 0}, {"Zp", "\\p{Zp}", 0, 0}, {"Cc", "\\p{Cc}", 0, 0},
    {"Cf", "\\p{Cf}", 0, 0}, {"Co", "\\p{Co}", 0, 0}, {"Cs", "\\p{Cs}", 0, 0},
    {"Pd", "\\p{Pd}", 0, 0}, {"Ps", "\\p{Ps}", 0, 0}, {"Pe", "\\p{Pe}", 0, 0},
    {"Pc", "\\p{Pc}", 0, 0}, {"Po", "\\p{Po}", 0, 0}, {"Sm", "\\p{Sm}", 0, 0},
    {"Sc", "\\p{Sc}", 0, 0}, {"Sk", "\\p{Sk}", 0, 0}, {"So", "\\p{So}", 0, 0},
    {"Pi", "\\p{Pi}", 0, 0}, {"Pf", "\\p{Pf}", 0, 0}, {"L", "\\p{L}", 0, 0},
    {"M", "\\p{M}", 0, 0}, {"N", "\\p{N}", 0, 0}, {"Z", "\\p{Z}", 0, 0},
    {"C", "\\p{C}", 0, 0}, {"P", "\\p{P}", 0, 0}, {"S", "\\p{S}", 0, 0},
    {"LC", CASED_CAT, 0, 0}, {"LD", "\\p{L}\\p{Nd}", 0, 0},
    {"L1", "\\x{0}-\\x{FF}", 0, 0}, {"all", "\\x{0}-\\x{10FFFF}", 0, 0},
    {"ASCII", "\\x{0}-\\x{7F}", 0, 0},
    {"Alnum", "0-9A-Za-z", 0, 0}, {"Alpha", "A-Za-z", 0, 0},
    {"Blank", "\\x{20}\\x{9}", 0, 0}, {"Cntrl", "\\x{0}-\\x{1F}\\x{7F}", 0, 0},
    {"Digit", "0-9", 0, 0}, {"Graph", "\\x{21}-\\x{7E}", 0, 0},
    {"Lower", "a-z", 0, "A-Za-z"}, {"Upper", "A-Z", 0, "A-Za-z"},
    {"Print", "\\x{20}-\\x{7E}", 0, 0},
    {"Punct", "\\x{21}-\\x{2F}\\x{3A}-\\x{40}\\x{5B}-\\x{60}\\x{7B}-\\x{7E}", 0, 0},
    {"Space", "\\x{9}-\\x{D}\\x{20}", 0, 0}, {"XDigit", "0-9A-Fa-f", 0, 0},
    {"javaLowerCase", "\\p{Lowercase}", 0, CASED_PROP},
    {"javaUpperCase", "\\p{Uppercase}", 0, CASED_PROP},
    {"javaTitleCase", "\\p{Lt}", 0, CASED_PROP},
    {"javaAlphabetic", "\\p{Alphabetic}", 0, 0},
    {"javaIdeographic", "\\p{Ideographic}", 0, 0},
    {"javaDigit", "\\p{Nd}", 0, 0},
    {"javaDefined", "\\p{Cn}", 1, 0},
    {"javaLetter", "\\p{L}", 0, 0},
    {"javaLetterOrDigit", "\\p{L}\\p{Nd}", 0, 0},
    {"javaJavaIdentifierStart", "\\p{L}\\p{Nl}\\p{Sc}\\p{Pc}", 0, 0},
    {"javaJavaIdentifierPart", "\\p{L}\\p{Sc}\\p{Pc}\\p{Nd}\\p{Nl}\\p{Mc}\\p{Mn}"
     "\\x{0}-\\x{8}\\x{E}-\\x{1B}\\x{7F}-\\x{9F}\\p{Cf}", 0, 0},
    /* ID_Start leaves out Pattern_Syntax (U+2E2F); JDK 17 does not */
    {"javaUnicodeIdentifierStart", "\\p{ID_Start}\\x{2E2F}", 0, 0},
    {"javaUnicodeIdentifierPart", "\\p{ID_Continue}\\x{2E2F}\\x{0}-\\x{8}\\x{E}-\\x{1B}"
     "\\x{7F}-\\x{9F}\\p{Cf}", 0, 0},
    {"javaIdentifierIgnorable", "\\x{0}-\\x{8}\\x{E}-\\x{1B}\\x{7F}-\\x{9F}\\p{Cf}", 0, 0},
    {"javaSpaceChar", "\\p{Z}", 0, 0},
    /* Character.isWhitespace: Z but the no-break spaces, plus controls */
    {"javaWhitespace", "\\x{9}-\\x{D}\\x{1C}-\\x{20}\\x{1680}\\x{2000}-\\x{2006}"
     "\\x{2008}-\\x{200A}\\x{2028}\\x{2029}\\x{205F}\\x{3000}", 0, 0},
    {"javaISOControl", "\\x{0}-\\x{1F}\\x{7F}-\\x{9F}", 0, 0},
    {"javaMirrored", JXA_JRE_BIDI_MIRRORED, 0, 0},
};

/* CharPredicates.forUnicodeProperty (after "Is", upper-cased), JDK 17. */
static const struct prop uniprop[] = {
    {"ALPHABETIC", "\\p{Alphabetic}", 0, 0},
    {"ASSIGNED", "\\p{Cn}", 1, 0},
    {"CONTROL", "\\p{Cc}", 0, 0},
    {"HEXDIGIT", "\\p{Nd}A-Fa-f\\x{FF21}-\\x{FF26}\\x{FF41}-\\x{FF46}", 0, 0},
    {"HEX_DIGIT", "\\p{Nd}A-Fa-f\\x{FF21}-\\x{FF26}\\x{FF41}-\\x{FF46}", 0, 0},
    {"IDEOGRAPHIC", "\\p{Ideographic}", 0, 0},
    {"JOINCONTROL", "\\x{200C}\\x{200D}", 0, 0},
    {"JOIN_CONTROL", "\\x{200C}\\x{200D}", 0, 0},
    {"LETTER", "\\p{L}", 0, 0},
    {"LOWERCASE", "\\p{Lowercase}", 0, CASED_PROP},
    {"NONCHARACTERCODEPOINT", "\\p{Noncharacter_Code_Point}", 0, 0},
    {"NONCHARACTER_CODE_POINT", "\\p{Noncharacter_Code_Point}", 0, 0},
    {"TITLECASE", "\\p{Lt}", 0, CASED_PROP},
    {"PUNCTUATION", "\\p{P}", 0, 0},
    {"UPPERCASE", "\\p{Uppercase}", 0, CASED_PROP},
    {"WHITESPACE", "\\x{9}-\\x{D}\\x{85}\\p{Z}", 0, 0},
    {"WHITE_SPACE", "\\x{9}-\\x{D}\\x{85}\\p{Z}", 0, 0},
    {"WORD", WORD_U, 0, 0},
    {"ALNUM", "\\p{Alphabetic}\\p{Nd}", 0, 0},
    {"BLANK", "\\x{9}\\p{Zs}", 0, 0},
    {"GRAPH", "\\p{Z}\\p{Cc}\\p{Cs}\\p{Cn}", 1, 0},
    {"PRINT", "\\p{Zl}\\p{Zp}\\p{Cc}\\p{Cs}\\p{Cn}", 1, 0},
    {"DIGIT", "\\p{Nd}", 0, 0},
};

/* Added to forUnicodeProperty in JDK 21. */
static const struct prop uniprop21[] = {
    {"EMOJI", "\\p{Emoji}", 0, 0},
    {"EMOJI_PRESENTATION", "\\p{Emoji_Presentation}", 0, 0},
    {"EMOJI_MODIFIER", "\\p{Emoji_Modifier}", 0, 0},
    {"EMOJI_MODIFIER_BASE", "\\p{Emoji_Modifier_Base}", 0, 0},
    {"EMOJI_COMPONENT", "\\p{Emoji_Component}", 0, 0},
    {"EXTENDED_PICTOGRAPHIC", "\\p{Extended_Pictographic}", 0, 0},
};

/* CharPredicates.forPOSIXName under UNICODE_CHARACTER_CLASS. */
static const struct { const char *posix, *uni; } posix_uc[] = {
    {"ALPHA", "ALPHABETIC"}, {"LOWER", "LOWERCASE"}, {"UPPER", "UPPERCASE"},
    {"SPACE", "WHITE_SPACE"}, {"PUNCT", "PUNCTUATION"}, {"XDIGIT", "HEX_DIGIT"},
    {"ALNUM", "ALNUM"}, {"CNTRL", "CONTROL"}, {"DIGIT", "DIGIT"},
    {"BLANK", "BLANK"}, {"GRAPH", "GRAPH"}, {"PRINT", "PRINT"},
};

static void upcase(char *d, const char *s, size_t cap)
{
    size_t k = 0;
    for (; s[k] && k + 1 < cap; k++)
        d[k] = s[k] >= 'a' && s[k] <= 'z' ? (char)(s[k] - 32) : s[k];
    d[k] = '\0';
}

static const struct prop *find_prop(const struct prop *tab, size_t n, const char *name)
{
    for (size_t k = 0; k < n; k++)
        if (strcmp(tab[k].name, name) == 0)
            return &tab[k];
    return NULL;
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static int use_prop(struct tr *t, struct cset *c, const struct prop *p)
{
    bool ci = (t->flags & F_I) != 0;
    return cset_set(t, c, ci && p->ci_items ? p->ci_items : p->items, p->neg);
}

static int block(struct tr *t, struct cset *c, const char *name, size_t off)
{
    char up[128], key[132];
    upcase(up, name, sizeof up);
    snprintf(key, sizeof key, "|%s|", up);
    for (size_t k = 0; k < NELEM(jxa_jre_blocks); k++)
        if (strstr(jxa_jre_blocks[k].names, key) != NULL) {
            cset_set(t, c, "", false);
            return cset_add_range(t, c, jxa_jre_blocks[k].lo, jxa_jre_blocks[k].hi);
        }
    return fail(t, JXA_JRE_INVALID, off, "Unknown character block name {%s}", name);
}

static int script(struct tr *t, struct cset *c, const char *name, size_t off)
{
    for (const char *s = name; *s; s++)
        if (!ascii_alnum((unsigned char)*s) && *s != '_' && *s != ' ' && *s != '-')
            return fail(t, JXA_JRE_INVALID, off, "Unknown character script name {%s}", name);
    /* sc: the Script property, as Character.UnicodeScript.of; a bare
     * \p{Greek} in PCRE2 10.40+ is Script_Extensions. */
    char b[160];
    snprintf(b, sizeof b, "\\p{sc:%s}", name);
    return cset_set(t, c, b, false);
}

/* Pattern.family: name is what stands between the braces. */
static int resolve(struct tr *t, struct cset *c, const char *name, size_t off)
{
    const char *eq = strchr(name, '=');
    char up[128];
    if (eq != NULL) {
        char key[32];
        size_t kl = (size_t)(eq - name);
        if (kl >= sizeof key)
            kl = sizeof key - 1;
        memcpy(key, name, kl);
        key[kl] = '\0';
        for (char *s = key; *s; s++)
            if (*s >= 'A' && *s <= 'Z')
                *s = (char)(*s + 32);
        const char *v = eq + 1;
        if (strcmp(key, "sc") == 0 || strcmp(key, "script") == 0)
            return script(t, c, v, off);
        if (strcmp(key, "blk") == 0 || strcmp(key, "block") == 0)
            return block(t, c, v, off);
        if (strcmp(key, "gc") == 0 || strcmp(key, "general_category") == 0) {
            const struct prop *p = find_prop(forproperty, NELEM(forproperty), v);
            if (p != NULL)
                return use_prop(t, c, p);
        }
        return fail(t, JXA_JRE_INVALID, off, "Unknown Unicode property {name=<%s>, value=<%s>}",
                    key, v);
    }
    if (strncmp(name, "In", 2) == 0)
        return block(t, c, name + 2, off);
    if (strncmp(name, "Is", 2) == 0) {
        upcase(up, name + 2, sizeof up);
        const struct prop *p = find_prop(uniprop, NELEM(uniprop), up);
        if (p == NULL && jre_release >= 21)
            p = find_prop(uniprop21, NELEM(uniprop21), up);
        if (p == NULL)
            p = find_prop(forproperty, NELEM(forproperty), name + 2);
        if (p != NULL)
            return use_prop(t, c, p);
        return script(t, c, name + 2, off);
    }
    if (t->flags & F_UC) {
        upcase(up, name, sizeof up);
        for (size_t k = 0; k < NELEM(posix_uc); k++)
            if (strcmp(posix_uc[k].posix, up) == 0)
                return use_prop(t, c, find_prop(uniprop, NELEM(uniprop), posix_uc[k].uni));
    }
    const struct prop *p = find_prop(forproperty, NELEM(forproperty), name);
    if (p != NULL)
        return use_prop(t, c, p);
    return fail(t, JXA_JRE_INVALID, off, "Unknown character property name {%s}", name);
}

/* ---- escapes ---- */

enum esc_kind { E_CHAR, E_SET, E_QUOTE, E_DONE };

static int hexval(char h)
{
    return h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10
         : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
}

static int hexn(struct tr *t, int digits, uint32_t *v)
{
    uint32_t x = 0;
    for (int k = 0; k < digits; k++) {
        int h = t->i < t->n ? hexval(t->p[t->i]) : -1;
        if (h < 0)
            return -1;
        x = x << 4 | (uint32_t)h;
        t->i++;
    }
    *v = x;
    return 0;
}

/* Bound.isWord: JDK 8-18 take Character.isLetterOrDigit; JDK 19 made \b
 * agree with \w (ASCII) unless UNICODE_CHARACTER_CLASS (JDK-8264160). */
static int word_items(struct tr *t, struct jxa_buf *b)
{
    if (t->flags & F_UC)
        return put(t, b, WORD_U);
    return put(t, b, jre_release >= 19 ? "A-Za-z0-9_" : "\\p{L}\\p{Nd}_");
}

/* \b and \B as Pattern.Bound: a word character is word_items(), and a
 * non-spacing mark counts as one when it follows a letter or digit
 * (hasBaseCharacter, Character.isLetterOrDigit in every release).
 * PCRE2 10.42 lookbehinds are fixed-length per branch, so a base is found
 * through at most 3 marks (docs/semantics.md §16). */
static int emit_bound(struct tr *t, bool negated)
{
    struct jxa_buf w = {0}, left = {0}, right = {0};
    int rc = -1;
    if (word_items(t, &w) < 0)
        goto out;
    const char *W = jxa_buf_str(&w);
    if (t->flags & F_UC) {
        if (jxa_buf_printf(&left, "(?<=[%s])", W) < 0 ||
            jxa_buf_printf(&right, "(?=[%s])", W) < 0)
            goto oom;
    } else {
        const char *B = "[\\p{L}\\p{Nd}]";
        if (jxa_buf_printf(&left, "(?<=[%s]|%s\\p{Mn}|%s\\p{Mn}\\p{Mn}|%s\\p{Mn}\\p{Mn}\\p{Mn})",
                           W, B, B, B) < 0 ||
            jxa_buf_printf(&right, "(?:(?=[%s])|(?=\\p{Mn})(?<=%s|%s\\p{Mn}|%s\\p{Mn}\\p{Mn}))",
                           W, B, B, B) < 0)
            goto oom;
    }
    /* (?!L) is L's lookbehind negated: "(?<=" -> "(?<!" */
    struct jxa_buf notleft = {0};
    if (jxa_buf_puts(&notleft, jxa_buf_str(&left)) < 0)
        goto oom;
    notleft.data[3] = '!';
    struct jxa_buf o = {0};
    int prc = negated
        ? jxa_buf_printf(&o, "(?:%s%s|%s(?!%s))", jxa_buf_str(&left), jxa_buf_str(&right),
                         jxa_buf_str(&notleft), jxa_buf_str(&right))
        : jxa_buf_printf(&o, "(?:%s(?!%s)|%s%s)", jxa_buf_str(&left), jxa_buf_str(&right),
                         jxa_buf_str(&notleft), jxa_buf_str(&right));
    jxa_buf_free(&notleft);
    if (prc < 0) {
        jxa_buf_free(&o);
        goto oom;
    }
    rc = emit(t, jxa_buf_str(&o));
    jxa_buf_free(&o);
    goto out;
oom:
    rc = nomem(t);
out:
    jxa_buf_free(&w);
    jxa_buf_free(&left);
    jxa_buf_free(&right);
    return rc;
}

static const char *dollar(unsigned f)
{
    if (f & F_M)
        return f & F_D ? "(?=\\n|\\z)" : "(?=[" LT "]|\\z)(?!(?<=\\r)\\n)";
    return f & F_D ? "(?=\\n?\\z)" : "(?=(?:\\r\\n|[" LT "])?\\z)(?!(?<=\\r)\\n)";
}

/* Pattern.escape.  t->i is just after the backslash.  E_CHAR: *cp; E_SET:
 * *set; E_QUOTE: \Q was read; E_DONE: emitted (outside a class only). */
static int escape(struct tr *t, bool in_class, uint32_t *cp, struct cset *set)
{
    size_t at = t->i - 1;
    if (t->i >= t->n)
        return fail(t, JXA_JRE_INVALID, at, "Unexpected internal error (a lone \\ at the end)");
    size_t len;
    uint32_t c = decode(t->p + t->i, t->n - t->i, &len);
    t->i += len;
    const char *item = NULL;
    bool neg = false;
    switch (c) {
    case '0': {
        uint32_t v = 0;
        int nd = 0, max = 3;
        while (nd < max && t->i < t->n && t->p[t->i] >= '0' && t->p[t->i] <= '7') {
            if (nd == 0 && t->p[t->i] > '3')
                max = 2;
            v = v * 8 + (uint32_t)(t->p[t->i++] - '0');
            nd++;
        }
        if (nd == 0)
            return fail(t, JXA_JRE_INVALID, at, "Illegal octal escape sequence");
        *cp = v;
        return E_CHAR;
    }
    case '1': case '2': case '3': case '4': case '5': case '6': case '7': case '8': case '9': {
        if (in_class)
            return fail(t, JXA_JRE_INVALID, at, "Illegal/unsupported escape sequence");
        /* Pattern.ref: more digits only while the group exists so far */
        int ref = (int)(c - '0');
        while (t->i < t->n && t->p[t->i] >= '0' && t->p[t->i] <= '9') {
            int r2 = ref * 10 + (t->p[t->i] - '0');
            if (r2 > t->groups_open)
                break;
            ref = r2;
            t->i++;
        }
        char b[48];
        if (ref > t->groups_total)      /* Java: never matches */
            snprintf(b, sizeof b, "(?!)");
        else
            snprintf(b, sizeof b, t->flags & F_I ? "(?i:\\g{%d})" : "\\g{%d}", ref);
        return emit(t, b) < 0 ? -1 : E_DONE;
    }
    case 'a': *cp = 7; return E_CHAR;
    case 'e': *cp = 27; return E_CHAR;
    case 'f': *cp = 12; return E_CHAR;
    case 'n': *cp = 10; return E_CHAR;
    case 'r': *cp = 13; return E_CHAR;
    case 't': *cp = 9; return E_CHAR;
    case 'c':
        if (t->i >= t->n)
            return fail(t, JXA_JRE_INVALID, at, "Illegal control escape sequence");
        *cp = decode(t->p + t->i, t->n - t->i, &len) ^ 64;
        t->i += len;
        return E_CHAR;
    case 'x':
        if (t->i < t->n && t->p[t->i] == '{') {
            t->i++;
            uint32_t v = 0;
            int nd = 0;
            while (t->i < t->n && hexval(t->p[t->i]) >= 0) {
                v = v * 16 + (uint32_t)hexval(t->p[t->i++]);
                if (v > 0x10FFFF)
                    return fail(t, JXA_JRE_INVALID, at, "Hexadecimal codepoint is too big");
                nd++;
            }
            if (nd == 0 || t->i >= t->n || t->p[t->i] != '}')
                return fail(t, JXA_JRE_INVALID, at, "Unclosed hexadecimal escape sequence");
            t->i++;
            *cp = v;
            return E_CHAR;
        }
        if (hexn(t, 2, cp) < 0)
            return fail(t, JXA_JRE_INVALID, at, "Illegal hexadecimal escape sequence");
        return E_CHAR;
    case 'u': {
        if (hexn(t, 4, cp) < 0)
            return fail(t, JXA_JRE_INVALID, at, "Illegal Unicode escape sequence");
        uint32_t lo;
        size_t save = t->i;
        if (*cp >= 0xD800 && *cp <= 0xDBFF && t->i + 1 < t->n && t->p[t->i] == '\\' &&
            t->p[t->i + 1] == 'u') {
            t->i += 2;
            if (hexn(t, 4, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF)
                *cp = 0x10000 + ((*cp - 0xD800) << 10) + (lo - 0xDC00);
            else
                t->i = save;
        }
        return E_CHAR;
    }
    case 'd': case 'D':
        if (t->flags & F_UC)
            item = "\\p{Nd}", neg = c == 'D';
        else
            item = c == 'd' ? "\\d" : "\\D";
        break;
    case 's': case 'S':
        if (t->flags & F_UC)
            item = "\\x{9}-\\x{D}\\x{85}\\p{Z}", neg = c == 'S';
        else    /* PCRE2 without UCP: [ \t\n\x0B\f\r], Java's \s */
            item = c == 's' ? "\\s" : "\\S";
        break;
    case 'w': case 'W':
        if (t->flags & F_UC)
            item = WORD_U, neg = c == 'W';
        else
            item = c == 'w' ? "\\w" : "\\W";
        break;
    /* Same code points in Java and PCRE2. */
    case 'h': item = "\\h"; break;
    case 'H': item = "\\H"; break;
    case 'v': item = "\\v"; break;
    case 'V': item = "\\V"; break;
    case 'p': case 'P': {
        char name[128];
        size_t nl = 0;
        if (t->i < t->n && t->p[t->i] == '{') {
            size_t e = t->i + 1;
            while (e < t->n && t->p[e] != '}')
                e++;
            if (e >= t->n)
                return fail(t, JXA_JRE_INVALID, at, "Unclosed character family");
            nl = e - t->i - 1;
            if (nl == 0 || nl >= sizeof name)
                return fail(t, JXA_JRE_INVALID, at, "Empty or too long character family");
            memcpy(name, t->p + t->i + 1, nl);
            if (memchr(name, '\0', nl) != NULL)
                return fail(t, JXA_JRE_INVALID, at, "Unknown character property name");
            t->i = e + 1;
        } else {
            if (t->i >= t->n)
                return fail(t, JXA_JRE_INVALID, at, "Illegal character family");
            name[nl++] = t->p[t->i++];
        }
        name[nl] = '\0';
        if (resolve(t, set, name, at) < 0)
            return -1;
        if (c == 'P' && cset_negate(t, set) < 0)
            return -1;
        return E_SET;
    }
    case 'Q':
        return E_QUOTE;
    case 'N':
        return fail(t, JXA_JRE_UNSUPPORTED, at, "\\N{name} (a character by its Unicode name)");
    case 'b': case 'B': case 'A': case 'G': case 'Z': case 'z': case 'R': case 'X': case 'k':
        if (in_class)
            return fail(t, JXA_JRE_INVALID, at, "Illegal/unsupported escape sequence");
        if (c == 'b' && t->i < t->n && t->p[t->i] == '{') {
            if (t->i + 2 < t->n && t->p[t->i + 1] == 'g' && t->p[t->i + 2] == '}')
                return fail(t, JXA_JRE_UNSUPPORTED, at, "\\b{g} (grapheme cluster boundary)");
            return fail(t, JXA_JRE_INVALID, at, "Illegal/unsupported escape sequence");
        }
        if (c == 'b' || c == 'B')
            return emit_bound(t, c == 'B') < 0 ? -1 : E_DONE;
        if (c == 'k') {
            size_t e = t->i;
            if (e >= t->n || t->p[e] != '<')
                return fail(t, JXA_JRE_INVALID, at, "\\k is not followed by '<' for named capturing group");
            while (e < t->n && t->p[e] != '>')
                e++;
            if (e >= t->n)
                return fail(t, JXA_JRE_INVALID, at, "named capturing group is missing trailing '>'");
            if (emit(t, t->flags & F_I ? "(?i:\\k" : "\\k") < 0 ||
                emit_n(t, t->p + t->i, e + 1 - t->i) < 0 ||
                (t->flags & F_I && emit(t, ")") < 0))
                return -1;
            t->i = e + 1;
            return E_DONE;
        }
        {
            const char *s = c == 'A' ? "\\A" : c == 'G' ? "\\G" : c == 'z' ? "\\z"
                          : c == 'X' ? "\\X" : c == 'Z' ? dollar(t->flags & F_D)
                          : "(?:\\r\\n|[\\n\\x{B}\\f\\r\\x{85}\\x{2028}\\x{2029}])";
            return emit(t, s) < 0 ? -1 : E_DONE;
        }
    default:
        if (ascii_letter(c))
            return fail(t, JXA_JRE_INVALID, at, "Illegal/unsupported escape sequence");
        *cp = c;
        return E_CHAR;
    }
    if (cset_set(t, set, item, neg) < 0)
        return -1;
    return E_SET;
}

/* ---- the pattern ---- */

static void skip_x(struct tr *t)
{
    if (!(t->flags & F_X))
        return;
    while (t->i < t->n) {
        char c = t->p[t->i];
        if (c == ' ' || (c >= '\t' && c <= '\r'))
            t->i++;
        else if (c == '#')
            while (t->i < t->n && t->p[t->i] != '\n' && t->p[t->i] != '\r')
                t->i++;
        else
            break;
    }
}

/* Does a \Q...\E run start here (t->i after "\Q")?  Returns the code
 * points one by one: 1 with *cp, 0 at \E or the end. */
static int quoted(struct tr *t, uint32_t *cp)
{
    if (t->i >= t->n)
        return 0;
    if (t->p[t->i] == '\\' && t->i + 1 < t->n && t->p[t->i + 1] == 'E') {
        t->i += 2;
        return 0;
    }
    size_t len;
    *cp = decode(t->p + t->i, t->n - t->i, &len);
    t->i += len;
    return 1;
}

/* One endpoint of a class range, or a class escape. */
static int class_atom(struct tr *t, uint32_t *cp, struct cset *set)
{
    if (t->p[t->i] == '\\') {
        t->i++;
        return escape(t, true, cp, set);
    }
    size_t len;
    *cp = decode(t->p + t->i, t->n - t->i, &len);
    t->i += len;
    return E_CHAR;
}

/* Pattern.clazz (JDK 9+): t->i just after '[' (consume) or at the right
 * operand of && (!consume, which stops before ']' or "&&"). */
static int parse_class(struct tr *t, bool consume, struct cset *res)
{
    struct cset prev = {0}, bits = {0}, cur = {0};
    bool have_prev = false, has_bits = false, is_neg = false;
    size_t start = consume ? t->i : (size_t)-1;
    int rc = -1;
    for (;;) {
        skip_x(t);
        if (t->i >= t->n) {
            fail(t, JXA_JRE_INVALID, t->n, "missing terminating ] for character class");
            goto out;
        }
        char ch = t->p[t->i];
        if (ch == '^' && t->i == start) {
            is_neg = !is_neg;
            t->i++;
            continue;
        }
        if (ch == '[') {
            t->i++;
            if (parse_class(t, true, &cur) < 0)
                goto out;
            if (!have_prev)
                prev = cur, have_prev = true;
            else if (cset_union(t, &prev, &cur) < 0)
                goto out;
            cur = (struct cset){0};
            continue;
        }
        if (ch == '&' && t->i + 1 < t->n && t->p[t->i + 1] == '&') {
            size_t amp = t->i;
            t->i += 2;
            struct cset right = {0};
            bool have_right = false;
            for (;;) {
                skip_x(t);
                if (t->i >= t->n) {
                    jxa_buf_free(&right.s);
                    fail(t, JXA_JRE_INVALID, t->n, "missing terminating ] for character class");
                    goto out;
                }
                ch = t->p[t->i];
                if (ch == ']' || ch == '&')
                    break;
                bool nested = ch == '[';
                if (nested)
                    t->i++;
                if (parse_class(t, nested, &cur) < 0) {
                    jxa_buf_free(&right.s);
                    goto out;
                }
                if (have_right && nested) {
                    if (cset_union(t, &right, &cur) < 0)
                        goto out;
                } else {
                    jxa_buf_free(&right.s);
                    right = cur;
                }
                cur = (struct cset){0};
                have_right = true;
            }
            if (has_bits) {
                if (!have_prev)
                    prev = bits, have_prev = true;
                else if (cset_union(t, &prev, &bits) < 0)
                    goto out;
                bits = (struct cset){0};
                has_bits = false;
            }
            if (!have_right) {
                if (!have_prev) {
                    fail(t, JXA_JRE_INVALID, amp, "Bad class syntax");
                    goto out;
                }
            } else if (!have_prev) {
                prev = right, have_prev = true;
            } else if (cset_and(t, &prev, &right) < 0) {
                goto out;
            }
            continue;
        }
        if (ch == ']' && (have_prev || has_bits)) {
            if (consume)
                t->i++;
            if (has_bits) {
                if (!have_prev)
                    prev = bits, bits = (struct cset){0};
                else if (cset_union(t, &prev, &bits) < 0)
                    goto out;
            }
            if (is_neg && cset_negate(t, &prev) < 0)
                goto out;
            *res = prev;
            prev = (struct cset){0};
            rc = 0;
            goto out;
        }
        /* Pattern.range: a character, a range or a class escape. */
        uint32_t lo;
        if (ch == '\\' && t->i + 1 < t->n && t->p[t->i + 1] == 'Q') {
            t->i += 2;
            while (quoted(t, &lo))
                if (cset_add(t, &bits, lo, lo) < 0)
                    goto out;
            has_bits = true;
            continue;
        }
        int k = class_atom(t, &lo, &cur);
        if (k < 0)
            goto out;
        if (k == E_SET) {
            if (!cur.neg && !cur.expr) {
                if (put(t, &bits.s, jxa_buf_str(&cur.s)) < 0)
                    goto out;
                jxa_buf_free(&cur.s);
                has_bits = true;
            } else if (!have_prev) {
                prev = cur, have_prev = true;
            } else if (cset_union(t, &prev, &cur) < 0) {
                goto out;
            }
            cur = (struct cset){0};
            continue;
        }
        if (k == E_QUOTE) {     /* "\Q" handled above */
            fail(t, JXA_JRE_INVALID, t->i, "Unexpected \\Q");
            goto out;
        }
        uint32_t hi = lo;
        skip_x(t);
        if (t->i + 1 < t->n && t->p[t->i] == '-' && t->p[t->i + 1] != '[' &&
            t->p[t->i + 1] != ']') {
            t->i++;
            skip_x(t);
            size_t at = t->i;
            if (t->i >= t->n)
                continue;
            k = class_atom(t, &hi, &cur);
            if (k < 0)
                goto out;
            if (k != E_CHAR || hi < lo) {
                fail(t, JXA_JRE_INVALID, at, "range out of order in character class");
                goto out;
            }
        }
        if (cset_add(t, &bits, lo, hi) < 0)
            goto out;
        has_bits = true;
    }
out:
    jxa_buf_free(&prev.s);
    jxa_buf_free(&bits.s);
    jxa_buf_free(&cur.s);
    return rc;
}

static int emit_set(struct tr *t, const struct cset *c)
{
    struct jxa_buf o = {0};
    bool ci = (t->flags & (F_I | F_U)) == (F_I | F_U);
    int rc = (ci ? put(t, &o, "(?i:") : 0) < 0 || cset_expr(t, c, &o) < 0 ||
             (ci && put(t, &o, ")") < 0) ? -1 : emit(t, jxa_buf_str(&o));
    jxa_buf_free(&o);
    return rc;
}

static int emit_lit(struct tr *t, uint32_t c)
{
    char b[24];
    if (is_surrogate(c))        /* never in a valid UTF-8 subject */
        return emit(t, "(?!)");
    if ((t->flags & F_I) && !(t->flags & F_U)) {
        if (ascii_letter(c)) {
            snprintf(b, sizeof b, "[%c%c]", (char)c, (char)(c ^ 32));
            return emit(t, b);
        }
    } else if ((t->flags & F_I) && (c == 'i' || c == 'I' || c == 0x131 || c == 0x130)) {
        /* Java's SingleU compares toLowerCase(toUpperCase(c)): dotless i
         * and dotted capital I meet i, which Unicode case folding (PCRE2)
         * keeps apart. */
        return emit(t, "[iI\\x{131}\\x{130}]");
    } else if ((t->flags & F_I) && !(c < 0x80 && !ascii_letter(c))) {
        char e[16];
        enc(e, c);
        snprintf(b, sizeof b, "(?i:%s)", e);
        return emit(t, b);
    }
    enc(b, c);
    return emit(t, b);
}

static int push(struct tr *t)
{
    if (t->depth == t->stackcap) {
        size_t cap = t->stackcap ? t->stackcap * 2 : 16;
        unsigned *s = realloc(t->stack, cap * sizeof *s);
        if (s == NULL)
            return nomem(t);
        t->stack = s;
        t->stackcap = cap;
    }
    t->stack[t->depth++] = t->flags;
    return 0;
}

static int flag_bit(char c)
{
    switch (c) {
    case 'i': return F_I;
    case 'd': return F_D;
    case 'm': return F_M;
    case 's': return F_S;
    case 'u': return F_U;
    case 'x': return F_X;
    case 'U': return F_UC | F_U;
    default: return 0;
    }
}

/* t->i just after '('. */
static int group(struct tr *t)
{
    size_t at = t->i - 1;
    if (t->i >= t->n || t->p[t->i] != '?') {
        t->groups_open++;
        return push(t) < 0 ? -1 : emit(t, "(");
    }
    t->i++;
    char c = t->i < t->n ? t->p[t->i] : '\0';
    if (c == ':' || c == '=' || c == '!' || c == '>') {
        char b[4] = {'(', '?', c, '\0'};
        t->i++;
        return push(t) < 0 ? -1 : emit(t, b);
    }
    if (c == '<') {
        char d = t->i + 1 < t->n ? t->p[t->i + 1] : '\0';
        if (d == '=' || d == '!') {
            char b[5] = {'(', '?', '<', d, '\0'};
            t->i += 2;
            return push(t) < 0 ? -1 : emit(t, b);
        }
        size_t e = t->i + 1;
        if (!ascii_letter((unsigned char)d))
            return fail(t, JXA_JRE_INVALID, at, "capturing group name does not start with a Latin letter");
        while (e < t->n && ascii_alnum((unsigned char)t->p[e]))
            e++;
        if (e >= t->n || t->p[e] != '>')
            return fail(t, JXA_JRE_INVALID, at, "named capturing group is missing trailing '>'");
        t->groups_open++;
        if (push(t) < 0 || emit_n(t, t->p + t->i - 2, e + 1 - (t->i - 2)) < 0)
            return -1;
        t->i = e + 1;
        return 0;
    }
    /* (?idmsuxU-idmsuxU) and (?idmsuxU-idmsuxU:X) */
    unsigned f = t->flags;
    bool minus = false;
    for (;; t->i++) {
        c = t->i < t->n ? t->p[t->i] : '\0';
        if (c == '-') {
            minus = true;
            continue;
        }
        if (c == ')' || c == ':')
            break;
        if (c == 'c')
            return fail(t, JXA_JRE_UNSUPPORTED, at, "the c flag (CANON_EQ, canonical equivalence)");
        int bit = flag_bit(c);
        if (bit == 0)
            return fail(t, JXA_JRE_INVALID, at, "Unknown inline modifier");
        f = minus ? f & ~(unsigned)bit : f | (unsigned)bit;
    }
    t->i++;
    if (c == ')') {
        t->flags = f;
        return 0;
    }
    if (push(t) < 0)
        return -1;
    t->flags = f;
    return emit(t, "(?:");
}

/* Capturing groups in the whole pattern, so that a reference to one that
 * never exists can become a never-matching (?!) as in Java. */
static int count_groups(const char *p, size_t n)
{
    int g = 0, cls = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\\' && i + 1 < n) {
            if (p[i + 1] == 'Q') {
                for (i += 2; i + 1 < n && !(p[i] == '\\' && p[i + 1] == 'E'); i++)
                    ;
            }
            i++;
        } else if (p[i] == '[') {
            cls++;
        } else if (p[i] == ']' && cls > 0) {
            cls--;
        } else if (p[i] == '(' && cls == 0) {
            if (i + 1 >= n || p[i + 1] != '?')
                g++;
            else if (i + 3 < n && p[i + 2] == '<' && ascii_letter((unsigned char)p[i + 3]))
                g++;
        }
    }
    return g;
}

static int translate(struct tr *t)
{
    while (t->i < t->n && t->st == JXA_JRE_OK) {
        skip_x(t);
        if (t->i >= t->n)
            break;
        t->atom = t->i;
        char c = t->p[t->i];
        switch (c) {
        case '\\': {
            t->i++;
            uint32_t cp;
            struct cset set = {0};
            int k = escape(t, false, &cp, &set);
            if (k == E_CHAR)
                emit_lit(t, cp);
            else if (k == E_SET)
                emit_set(t, &set);
            else if (k == E_QUOTE)
                while (quoted(t, &cp) && emit_lit(t, cp) == 0)
                    ;
            jxa_buf_free(&set.s);
            break;
        }
        case '[': {
            t->i++;
            struct cset set = {0};
            if (parse_class(t, true, &set) == 0)
                emit_set(t, &set);
            jxa_buf_free(&set.s);
            break;
        }
        case '(':
            t->i++;
            group(t);
            break;
        case ')':
            if (t->depth == 0)
                return fail(t, JXA_JRE_INVALID, t->i, "Unmatched closing ')'");
            t->flags = t->stack[--t->depth];
            t->i++;
            emit(t, ")");
            break;
        case '.':
            t->i++;
            emit(t, t->flags & F_S ? "(?s:.)" : t->flags & F_D ? "[^\\n]" : "[^" LT "]");
            break;
        case '^':
            t->i++;
            if (!(t->flags & F_M))
                emit(t, "^");
            else
                emit(t, t->flags & F_D ? "(?:\\A|(?<=\\n))(?!\\z)"
                     : "(?:\\A|(?<=[\\n\\x{85}\\x{2028}\\x{2029}])|(?<=\\r)(?!\\n))(?!\\z)");
            break;
        case '$':
            t->i++;
            emit(t, dollar(t->flags));
            break;
        case '{': {
            /* Pattern.curly: {n}, {n,}, {n,m}; anything else is an error */
            size_t e = t->i + 1, d1 = 0, d2 = 0;
            while (e < t->n && t->p[e] >= '0' && t->p[e] <= '9')
                e++, d1++;
            if (e < t->n && t->p[e] == ',')
                for (e++; e < t->n && t->p[e] >= '0' && t->p[e] <= '9'; e++)
                    d2++;
            if (d1 == 0 || e >= t->n || t->p[e] != '}')
                return fail(t, JXA_JRE_INVALID, t->i, "Illegal repetition");
            (void)d2;
            emit_n(t, t->p + t->i, e + 1 - t->i);
            t->i = e + 1;
            break;
        }
        case '|': case '*': case '+': case '?':
            t->i++;
            emit_n(t, &c, 1);
            break;
        default: {
            size_t len;
            uint32_t cp = decode(t->p + t->i, t->n - t->i, &len);
            t->i += len;
            emit_lit(t, cp);
        }
        }
    }
    t->atom = t->n;
    return t->st == JXA_JRE_OK ? 0 : -1;
}

enum jxa_jre_status jxa_javaregex_translate(const char *java, size_t len,
                                            struct jxa_jre_result *res)
{
    memset(res, 0, sizeof *res);
    struct tr t = {.p = java, .n = len};
    t.groups_total = count_groups(java, len);
    if (translate(&t) == 0 && emit_n(&t, "", 0) == 0) {
        t.map[t.out.len] = len;         /* the end maps to the end */
        res->pcre = jxa_buf_steal(&t.out);
        res->map = t.map;
        if (res->pcre == NULL) {
            res->pcre = strdup("");
            if (res->pcre == NULL)
                t.st = JXA_JRE_NOMEM;
        }
        t.map = NULL;
    }
    if (t.st != JXA_JRE_OK) {
        free(res->pcre);
        free(res->map);
        res->pcre = NULL;
        res->map = NULL;
        snprintf(res->err, sizeof res->err, "%s", t.err);
        res->err_off = t.err_off;
    }
    jxa_buf_free(&t.out);
    free(t.map);
    free(t.stack);
    return t.st;
}

const char *jxa_javaregex_pcre2_limit(int pcre2_error)
{
    switch (pcre2_error) {
    case PCRE2_ERROR_LOOKBEHIND_NOT_FIXED_LENGTH:
        return "a lookbehind of variable length (PCRE2 10.42 needs a fixed length per alternative)";
    case PCRE2_ERROR_LOOKBEHIND_TOO_COMPLICATED:
        return "a lookbehind too complex for PCRE2";
    case PCRE2_ERROR_LOOKBEHIND_TOO_LONG:
        return "a lookbehind longer than PCRE2 allows";
    default:
        return NULL;
    }
}

void jxa_javaregex_free(struct jxa_jre_result *res)
{
    free(res->pcre);
    free(res->map);
    res->pcre = NULL;
    res->map = NULL;
}
