/* javafmt.c - numbers as Java prints and parses them (include/javafmt.h).
 *
 * Printing follows the JVM the agent runs in: up to JDK 18 it reproduces
 * FloatingDecimal digit for digit (see the dtoa section below); from JDK 19
 * on, the shortest-decimal rule of JDK-4511638 (see shortest()).  Parsing
 * checks Java's grammar and leaves the correctly rounded conversion to
 * strtod.
 *
 * Locale: the JVM launcher calls setlocale(LC_ALL, ""), so strtod would
 * expect "1,5" on a German host; strings are read with strtod_l() in the
 * C locale. */
#include "javafmt.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void c_locale_init(void)
{
    c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
}

static double strtod_c(const char *s, char **end)
{
    pthread_once(&c_locale_once, c_locale_init);
    if (c_locale)
        return strtod_l(s, end, c_locale);
    return strtod(s, end);      /* newlocale failed: best effort */
}

static float strtof_c(const char *s)
{
    pthread_once(&c_locale_once, c_locale_init);
    if (c_locale)
        return strtof_l(s, NULL, c_locale);
    return strtof(s, NULL);
}

/* Set once at load, before any other thread formats a number. */
static int java_release = 17;

void jxa_javafmt_set_release(int feature)
{
    java_release = feature;
}

int jxa_java_feature(const char *spec_version)
{
    if (spec_version == NULL)
        return 17;
    if (strncmp(spec_version, "1.", 2) == 0)    /* "1.8" */
        spec_version += 2;
    int v = atoi(spec_version);
    return v > 0 ? v : 17;
}

/* Decimal digits of an unsigned integer, most significant first. */
static int u64_digits(uint64_t v, char *out)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (int i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

/* ---- JDK 17 FloatingDecimal.dtoa -------------------------------------
 * Double.toString is not the shortest round trip before JDK 19
 * (JDK-4511638): 1.0E23 prints as "9.999999999999999E22", Long.MAX_VALUE
 * as a float as "9.223372E18", Float.MIN_VALUE as "1.4E-45", and integral
 * doubles up to 2^63 print every significant digit ("2.34891186729134112E17").
 * Our target JVM is 17, so the digit generation below follows the JDK 17
 * algorithm step by step (Steele & White free-format with a symmetric
 * half-ULP stop test, int / long / big-integer variants with their own
 * comparison details), and the layout follows getChars().  Checked
 * against JDK 17 on a million random and decimal-looking values (see
 * test/unit/test_javafmt.c). */

#define BIG_LIMBS 80            /* 2560 bits: 10^340 * 2^1100 fits */

struct big {
    uint32_t w[BIG_LIMBS];
    int n;                      /* used limbs, no leading zero limb */
};

static const uint32_t pow5_32[14] = {
    1u, 5u, 25u, 125u, 625u, 3125u, 15625u, 78125u, 390625u, 1953125u,
    9765625u, 48828125u, 244140625u, 1220703125u,
};

static void big_set(struct big *b, uint64_t v)
{
    b->w[0] = (uint32_t)v;
    b->w[1] = (uint32_t)(v >> 32);
    b->n = (v >> 32) ? 2 : (v ? 1 : 0);
}

static void big_mul_small(struct big *b, uint32_t m)
{
    uint64_t c = 0;
    for (int i = 0; i < b->n; i++) {
        uint64_t t = (uint64_t)b->w[i] * m + c;
        b->w[i] = (uint32_t)t;
        c = t >> 32;
    }
    if (c && b->n < BIG_LIMBS)
        b->w[b->n++] = (uint32_t)c;
}

static void big_mul_pow5(struct big *b, int e)
{
    for (; e >= 13; e -= 13)
        big_mul_small(b, pow5_32[13]);
    if (e)
        big_mul_small(b, pow5_32[e]);
}

static void big_shl(struct big *b, int s)
{
    if (b->n == 0 || s <= 0)
        return;
    int limbs = s / 32, bits = s % 32;
    if (b->n + limbs + 1 > BIG_LIMBS)
        return;                 /* cannot happen for IEEE doubles */
    b->w[b->n + limbs] = 0;
    for (int i = b->n - 1; i >= 0; i--) {
        uint32_t v = b->w[i];
        if (bits) {
            b->w[i + limbs + 1] |= v >> (32 - bits);
            b->w[i + limbs] = v << bits;
        } else {
            b->w[i + limbs] = v;
        }
    }
    for (int i = 0; i < limbs; i++)
        b->w[i] = 0;
    b->n += limbs + 1;
    while (b->n > 0 && b->w[b->n - 1] == 0)
        b->n--;
}

static int big_cmp(const struct big *a, const struct big *b)
{
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    for (int i = a->n - 1; i >= 0; i--)
        if (a->w[i] != b->w[i])
            return a->w[i] < b->w[i] ? -1 : 1;
    return 0;
}

/* a -= b, a >= b. */
static void big_sub(struct big *a, const struct big *b)
{
    int64_t borrow = 0;
    for (int i = 0; i < a->n; i++) {
        int64_t t = (int64_t)a->w[i] - (i < b->n ? b->w[i] : 0) - borrow;
        borrow = t < 0;
        a->w[i] = (uint32_t)(t + (borrow ? (int64_t)1 << 32 : 0));
    }
    while (a->n > 0 && a->w[a->n - 1] == 0)
        a->n--;
}

static void big_add(struct big *r, const struct big *a, const struct big *b)
{
    uint64_t c = 0;
    int n = a->n > b->n ? a->n : b->n;
    for (int i = 0; i < n; i++) {
        uint64_t t = c + (i < a->n ? a->w[i] : 0) + (i < b->n ? b->w[i] : 0);
        r->w[i] = (uint32_t)t;
        c = t >> 32;
    }
    r->n = n;
    if (c && n < BIG_LIMBS)
        r->w[r->n++] = (uint32_t)c;
}

/* FDBigInteger.quoRemIteration: q = b / s (< 10), b = (b % s) * 10. */
static int big_quorem10(struct big *b, const struct big *s)
{
    int q = 0;
    while (big_cmp(b, s) >= 0) {
        big_sub(b, s);
        q++;
    }
    big_mul_small(b, 10);
    return q;
}

/* Bits of 5^i (FloatingDecimal.N_5_BITS), i*3 beyond the table. */
static int n5bits(int i)
{
    static const int t[27] = {0, 3, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28,
                              31, 33, 35, 38, 40, 42, 45, 47, 49, 52, 54, 56,
                              59, 61};
    return i < 27 ? t[i] : i * 3;
}

static uint64_t pow5_64(int i)
{
    uint64_t v = 1;
    while (i-- > 0)
        v *= 5;
    return v;
}

/* FloatingDecimal.estimateDecExp, same double arithmetic. */
static int estimate_dec_exp(uint64_t fract_bits, int bin_exp)
{
    uint64_t bits = 0x3ff0000000000000ull |
                    (fract_bits & 0x000fffffffffffffull);
    double d2;
    memcpy(&d2, &bits, 8);
    double d = (d2 - 1.5) * 0.289529654 + 0.176091259 +
               (double)bin_exp * 0.301029995663981;
    return (int)floor(d);
}

struct fdigits {
    char d[32];
    int n;
    int dec_exponent;           /* Java's decExponent: value = 0.ddd * 10^x */
};

static void fd_roundup(struct fdigits *f)
{
    int i = f->n - 1;
    char q = f->d[i];
    if (q == '9') {
        while (q == '9' && i > 0) {
            f->d[i] = '0';
            q = f->d[--i];
        }
        if (q == '9') {
            f->dec_exponent += 1;
            f->d[0] = '1';
            return;
        }
    }
    f->d[i] = (char)(q + 1);
}

/* developLongDigits: the integer's digits, low ones dropped with
 * rounding, trailing zeros stripped. */
static void fd_long_digits(struct fdigits *f, uint64_t l, int ins)
{
    int dexp = 0;
    if (ins) {
        uint64_t p10 = 1;
        for (int i = 0; i < ins; i++)
            p10 *= 10;
        uint64_t residue = l % p10;
        l /= p10;
        dexp += ins;
        if (residue >= p10 / 2)
            l++;
    }
    int n = u64_digits(l, f->d);
    while (n > 1 && f->d[n - 1] == '0') {
        n--;
        dexp++;
    }
    f->n = n;
    f->dec_exponent = dexp + n;
}

static void fd_dtoa(struct fdigits *f, int bin_exp, uint64_t fract_bits,
                    int nsig)
{
    int tail_zeros = __builtin_ctzll(fract_bits);
    int nfract = 53 - tail_zeros;
    int ntiny = nfract - bin_exp - 1;
    if (ntiny < 0)
        ntiny = 0;
    if (bin_exp <= 62 && bin_exp >= -21 && ntiny == 0) {
        /* The easy case: an integer that fits a long. */
        int ins = 0;
        if (bin_exp > nsig) {
            int p2 = bin_exp - nsig - 1;
            ins = p2 > 1 && p2 < 64 ? (int)(p2 * 0.30102999566398119521) : 0;
        }
        uint64_t l = bin_exp >= 52 ? fract_bits << (bin_exp - 52)
                                   : fract_bits >> (52 - bin_exp);
        fd_long_digits(f, l, ins);
        return;
    }
    int dec_exp = estimate_dec_exp(fract_bits, bin_exp);
    int b5 = dec_exp < 0 ? -dec_exp : 0;
    int b2 = b5 + ntiny + bin_exp;
    int s5 = dec_exp > 0 ? dec_exp : 0;
    int s2 = s5 + ntiny;
    int m5 = b5;
    int m2 = b2 - nsig;
    fract_bits >>= tail_zeros;
    b2 -= nfract - 1;
    int common = b2 < s2 ? b2 : s2;
    b2 -= common;
    s2 -= common;
    m2 -= common;
    if (nfract == 1)            /* FloatingDecimal's power-of-two "HACK" */
        m2 -= 1;
    if (m2 < 0) {
        b2 -= m2;
        s2 -= m2;
        m2 = 0;
    }
    int bbits = nfract + b2 + n5bits(b5);
    int tensbits = s2 + 1 + n5bits(s5 + 1);
    int nd = 0;
    bool low, high;
    int64_t low_diff = 0;
    int q;
    /* E-form output needs a digit after the point, so the stop test is
     * suppressed after the first digit (note: >= 8, not >= 7, as in JDK). */
    bool eform_hack;
    if (bbits < 64 && tensbits < 64) {
        /* Java int / long arithmetic, including its wrap-around. */
        bool is_int = bbits < 32 && tensbits < 32;
        uint64_t b = (fract_bits * pow5_64(b5)) << b2;
        uint64_t s = pow5_64(s5) << s2;
        uint64_t m = pow5_64(m5) << m2;
        uint64_t tens = s * 10;
#define JWRAP(x) (is_int ? (int64_t)(int32_t)(uint32_t)(x) : (int64_t)(x))
        if (is_int) {
            b = (uint32_t)((uint32_t)fract_bits * (uint32_t)pow5_64(b5)) << b2;
            b = (uint32_t)b;
            s = (uint32_t)s;
            m = (uint32_t)m;
            tens = (uint32_t)tens;
        }
        q = (int)(b / s);
        b = 10 * (b % s);
        m *= 10;
        low = JWRAP(b) < JWRAP(m);
        high = JWRAP(b + m) > JWRAP(tens);
        if (q == 0 && !high)
            dec_exp--;
        else
            f->d[nd++] = (char)('0' + q);
        eform_hack = dec_exp < -3 || dec_exp >= 8;
        if (eform_hack)
            high = low = false;
        while (!low && !high && nd < 30) {
            q = (int)(JWRAP(b) / JWRAP(s));
            b = 10 * (uint64_t)(JWRAP(b) % JWRAP(s));
            m *= 10;
            if (JWRAP(m) > 0) {
                low = JWRAP(b) < JWRAP(m);
                high = JWRAP(b + m) > JWRAP(tens);
            } else {
                low = high = true;      /* "hack -- m might overflow!" */
            }
            f->d[nd++] = (char)('0' + q);
        }
        low_diff = JWRAP((b << 1) - tens);
#undef JWRAP
    } else {
        struct big bb, sb, mb, tb, tmp;     /* ~1.6 KiB of stack */
        big_set(&sb, 1);
        big_mul_pow5(&sb, s5);
        big_shl(&sb, s2);
        big_set(&bb, fract_bits);
        big_mul_pow5(&bb, b5);
        big_shl(&bb, b2);
        big_set(&mb, 1);
        big_mul_pow5(&mb, m5 + 1);
        big_shl(&mb, m2 + 1);
        big_set(&tb, 1);
        big_mul_pow5(&tb, s5 + 1);
        big_shl(&tb, s2 + 1);
        q = big_quorem10(&bb, &sb);
        low = big_cmp(&bb, &mb) < 0;
        big_add(&tmp, &bb, &mb);
        high = big_cmp(&tb, &tmp) <= 0;
        if (q == 0 && !high)
            dec_exp--;
        else
            f->d[nd++] = (char)('0' + q);
        eform_hack = dec_exp < -3 || dec_exp >= 8;
        if (eform_hack)
            high = low = false;
        while (!low && !high && nd < 30) {
            q = big_quorem10(&bb, &sb);
            big_mul_small(&mb, 10);
            low = big_cmp(&bb, &mb) < 0;
            big_add(&tmp, &bb, &mb);
            high = big_cmp(&tb, &tmp) <= 0;
            f->d[nd++] = (char)('0' + q);
        }
        if (high && low) {
            big_shl(&bb, 1);
            low_diff = big_cmp(&bb, &tb);
        }
    }
    f->dec_exponent = dec_exp + 1;
    f->n = nd;
    if (high) {
        if (low) {
            if (low_diff == 0) {
                if ((f->d[nd - 1] & 1) != 0)
                    fd_roundup(f);
            } else if (low_diff > 0) {
                fd_roundup(f);
            }
        } else {
            fd_roundup(f);
        }
    }
}

/* FloatingDecimal.getBinaryToASCIIConverter(double): normalise, then
 * dtoa.  v finite, > 0. */
static void fd_double(struct fdigits *f, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, 8);
    uint64_t fract = bits & 0x000fffffffffffffull;
    int bin_exp = (int)((bits >> 52) & 0x7ff);
    int nsig;
    if (bin_exp == 0) {
        int lz = __builtin_clzll(fract);
        int shift = lz - (63 - 52);
        fract <<= shift;
        bin_exp = 1 - shift;
        nsig = 64 - lz;
    } else {
        fract |= 1ull << 52;
        nsig = 53;
    }
    fd_dtoa(f, bin_exp - 1023, fract, nsig);
}

/* getBinaryToASCIIConverter(float). */
static void fd_float(struct fdigits *f, float v)
{
    uint32_t bits;
    memcpy(&bits, &v, 4);
    uint32_t fract = bits & 0x007fffffu;
    int bin_exp = (int)((bits >> 23) & 0xff);
    int nsig;
    if (bin_exp == 0) {
        int lz = __builtin_clz(fract);
        int shift = lz - (31 - 23);
        fract <<= shift;
        bin_exp = 1 - shift;
        nsig = 32 - lz;
    } else {
        fract |= 1u << 23;
        nsig = 24;
    }
    fd_dtoa(f, bin_exp - 127, (uint64_t)fract << (52 - 23), nsig);
}

/* FloatingDecimal.BinaryToASCIIBuffer.getChars layout: plain for decimal
 * exponents -3..6 (1e-3 <= |d| < 1e7), else d.dddE[-]x; always at least one
 * fractional digit. */
static size_t java_layout(char *out, bool neg, const char *dig, int n, int e)
{
    char *o = out;
    if (neg)
        *o++ = '-';
    if (e >= 0 && e < 7) {
        for (int i = 0; i <= e; i++)
            *o++ = i < n ? dig[i] : '0';
        *o++ = '.';
        if (n > e + 1) {
            for (int i = e + 1; i < n; i++)
                *o++ = dig[i];
        } else {
            *o++ = '0';
        }
    } else if (e < 0 && e >= -3) {
        *o++ = '0';
        *o++ = '.';
        for (int i = -1; i > e; i--)
            *o++ = '0';
        for (int i = 0; i < n; i++)
            *o++ = dig[i];
    } else {
        *o++ = dig[0];
        *o++ = '.';
        if (n > 1) {
            for (int i = 1; i < n; i++)
                *o++ = dig[i];
        } else {
            *o++ = '0';
        }
        *o++ = 'E';
        if (e < 0) {
            *o++ = '-';
            e = -e;
        }
        char ed[8];
        int k = u64_digits((uint64_t)e, ed);
        memcpy(o, ed, (size_t)k);
        o += k;
    }
    *o = '\0';
    return (size_t)(o - out);
}

/* --- JDK 19 and later ------------------------------------------------
 *
 * JDK 19 (JDK-4511638) specifies Double.toString and Float.toString as:
 * among the decimals that round to v, take those of minimal length m (a
 * decimal c*10^q with c not a multiple of 10 has the length of c); when
 * m == 1, those of length 1 or 2; of these, the one closest to v, and of
 * two equally close the one with an even last digit.  The layout rules
 * (plain between 1e-3 and 1e7, else d.dddEn) did not change.
 *
 * For p significant digits, only the two p-digit decimals around v can
 * round to v.  glibc's printf is correctly rounded (to nearest, ties to
 * even, on the exact binary value), so "%.*e" gives the closer one; when
 * it does not round back to v (v is a power of two, whose rounding
 * interval is narrower below than above), the other one may.  If some
 * p-digit decimal rounds to v, so does some (p+1)-digit one, so the
 * minimal p is found by bisection, starting from FloatingDecimal's
 * length.  With m == 1 the same choice among 2-digit decimals gives the
 * closest of T.
 */

/* The decimal of p significant digits closest to v (> 0, finite): p
 * digits into dig (NUL-terminated), *e the decimal exponent of the first.
 * printf's decimal point follows LC_NUMERIC (the JVM launcher sets the
 * user's locale), so only digits are taken from it. */
static void closest_digits(double v, int p, char *dig, int *e)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%.*e", p - 1, v);
    const char *s = buf;
    int n = 0;
    dig[n++] = *s++;
    while (*s && *s != 'e' && (*s < '0' || *s > '9'))
        s++;                    /* the decimal point, whatever it is */
    while (*s >= '0' && *s <= '9')
        dig[n++] = *s++;
    *e = *s == 'e' ? atoi(s + 1) : 0;
    dig[n] = '\0';
}

/* The decimal dig*10^(e-p+1) read back as a double or float. */
static double read_back(const char *dig, int e, bool is_float)
{
    char s[48];
    snprintf(s, sizeof s, "%c.%se%d", dig[0], dig[1] ? dig + 1 : "0", e);
    return is_float ? (double)strtof_c(s) : strtod_c(s, NULL);
}

/* The next p-digit decimal up (dir 1) or down (dir -1), in place. */
static void step(char *dig, int p, int *e, int dir)
{
    int i = p - 1;
    if (dir > 0) {
        while (i >= 0 && dig[i] == '9')
            dig[i--] = '0';
        if (i >= 0) {
            dig[i]++;
        } else {                /* 99..9 -> 100..0 */
            dig[0] = '1';
            ++*e;
        }
    } else {
        while (i >= 0 && dig[i] == '0')
            dig[i--] = '9';
        dig[i]--;               /* dig[0] >= '1': never below 0 */
        if (dig[0] == '0') {    /* 100..0 -> 99..9 */
            memmove(dig, dig + 1, (size_t)p - 1);
            dig[p - 1] = '9';
            --*e;
        }
    }
}

/* A p-digit decimal that rounds to v, the closest if two do: into dig.
 * Returns false if there is none. */
static bool p_digits(double v, bool is_float, int p, char *dig, int *e)
{
    closest_digits(v, p, dig, e);
    double back = read_back(dig, *e, is_float);
    if (back == v)
        return true;
    step(dig, p, e, back < v ? 1 : -1);
    return read_back(dig, *e, is_float) == v;
}

static int shortest(double v, bool is_float, char *dig, int *e)
{
    double top = is_float ? 16777216.0 : 9007199254740992.0;  /* 2^24, 2^53 */
    int n;
    if (v < top && v == floor(v)) {
        /* An integer below 2^mantissa: its own digits are exact, and no
         * shorter decimal is within half a unit of it. */
        n = u64_digits((uint64_t)v, dig);
        *e = n - 1;
    } else {
        /* FloatingDecimal's digits round-trip and are usually the
         * shortest: if one digit fewer does not do, that is m, and the
         * bisection is two probes instead of five. */
        struct fdigits f;
        if (is_float)
            fd_float(&f, (float)v);
        else
            fd_double(&f, v);
        while (f.n > 1 && f.d[f.n - 1] == '0')
            f.n--;
        int lo = 1, hi = f.n;
        if (hi > 1 && !p_digits(v, is_float, hi - 1, dig, e))
            lo = hi;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (p_digits(v, is_float, mid, dig, e))
                hi = mid;
            else
                lo = mid + 1;
        }
        n = lo < 2 ? 2 : lo;
        p_digits(v, is_float, n, dig, e);
    }
    while (n > 1 && dig[n - 1] == '0')
        n--;
    dig[n] = '\0';
    return n;
}

static size_t special(char *out, double d, bool *done)
{
    const char *s = NULL;
    *done = true;
    if (isnan(d))
        s = "NaN";
    else if (isinf(d))
        s = d > 0 ? "Infinity" : "-Infinity";
    else if (d == 0)
        s = signbit(d) ? "-0.0" : "0.0";
    if (!s) {
        *done = false;
        return 0;
    }
    size_t n = strlen(s);
    memcpy(out, s, n + 1);
    return n;
}

/* Double.toString, or Float.toString of a float passed as its (exact)
 * double value. */
static size_t java_fp(char out[JXA_NUMBUF], double d, bool single)
{
    bool done;
    size_t n = special(out, d, &done);
    if (done)
        return n;
    if (java_release >= 19) {
        char dig[32];
        int e, nd = shortest(fabs(d), single, dig, &e);
        return java_layout(out, d < 0, dig, nd, e);
    }
    struct fdigits f;
    if (single)
        fd_float(&f, (float)fabs(d));
    else
        fd_double(&f, fabs(d));
    return java_layout(out, d < 0, f.d, f.n, f.dec_exponent - 1);
}

size_t jxa_java_double(char out[JXA_NUMBUF], double d)
{
    return java_fp(out, d, false);
}

size_t jxa_java_float(char out[JXA_NUMBUF], float f)
{
    return java_fp(out, f, true);
}

size_t jxa_java_long(char out[JXA_NUMBUF], int64_t v)
{
    char *o = out;
    uint64_t u = (uint64_t)v;
    if (v < 0) {
        *o++ = '-';
        u = 0 - u;              /* also right for INT64_MIN */
    }
    o += u64_digits(u, o);
    *o = '\0';
    return (size_t)(o - out);
}

size_t jxa_prom_double(char out[JXA_NUMBUF], double d)
{
    const char *s = NULL;
    if (isnan(d))
        s = "NaN";
    else if (isinf(d))
        s = d > 0 ? "+Inf" : "-Inf";
    if (!s)
        return jxa_java_double(out, d);
    size_t n = strlen(s);
    memcpy(out, s, n + 1);
    return n;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

static bool is_xdigit(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_suffix(char c)
{
    return c == 'f' || c == 'F' || c == 'd' || c == 'D';
}

/* FloatingDecimal.readJavaFormatString: the grammar is checked here, the
 * (correctly rounded) conversion is strtod's. */
int jxa_java_parse_double(const char *s, double *out)
{
    if (!s)
        return -1;
    /* String.trim(): every char <= ' ' at both ends. */
    while (*s && (unsigned char)*s <= ' ')
        s++;
    size_t len = strlen(s);
    while (len && (unsigned char)s[len - 1] <= ' ')
        len--;
    if (len == 0 || len > 4096)
        return -1;
    size_t i = 0;
    bool neg = false;
    if (s[i] == '+' || s[i] == '-') {
        neg = s[i] == '-';
        i++;
    }
    if (i >= len)
        return -1;
    if (s[i] == 'N' || s[i] == 'I') {
        const char *w = s[i] == 'N' ? "NaN" : "Infinity";
        size_t wl = strlen(w);
        if (len - i != wl || memcmp(s + i, w, wl) != 0)
            return -1;
        *out = s[i] == 'N' ? NAN : (neg ? -INFINITY : INFINITY);
        return 0;
    }
    size_t end = len;                   /* end of the number proper */
    if (s[i] == '0' && i + 1 < len && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
        /* [+-]0x(hex+ .? | hex* . hex+) [pP][+-]?digits [fFdD]? */
        size_t j = i + 2, nh = 0;
        while (j < len && is_xdigit(s[j])) { j++; nh++; }
        if (j < len && s[j] == '.') {
            j++;
            while (j < len && is_xdigit(s[j])) { j++; nh++; }
        }
        if (nh == 0 || j >= len || (s[j] != 'p' && s[j] != 'P'))
            return -1;
        j++;
        if (j < len && (s[j] == '+' || s[j] == '-'))
            j++;
        size_t nd = 0;
        while (j < len && is_digit(s[j])) { j++; nd++; }
        if (nd == 0)
            return -1;
        end = j;
    } else {
        size_t j = i, nd = 0;
        while (j < len && is_digit(s[j])) { j++; nd++; }
        if (j < len && s[j] == '.') {
            j++;
            while (j < len && is_digit(s[j])) { j++; nd++; }
        }
        if (nd == 0)
            return -1;
        if (j < len && (s[j] == 'e' || s[j] == 'E')) {
            j++;
            if (j < len && (s[j] == '+' || s[j] == '-'))
                j++;
            size_t ne = 0;
            while (j < len && is_digit(s[j])) { j++; ne++; }
            if (ne == 0)
                return -1;
        }
        end = j;
    }
    if (end < len && !(end == len - 1 && is_suffix(s[end])))
        return -1;
    char tmp[4100];
    memcpy(tmp, s, end);
    tmp[end] = '\0';
    *out = strtod_c(tmp, NULL);
    return 0;
}
