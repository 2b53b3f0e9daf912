/* negotiate.c - see negotiate.h. */
#include "negotiate.h"

#include <string.h>
#include <strings.h>

/* Weights are kept in thousandths: a qvalue has at most three decimals. */
#define Q_ONE 1000
#define Q_NONE (-1)             /* the list does not name the coding */

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* tchar of RFC 9110 5.6.2. */
static bool is_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static const char *skip_ows(const char *p)
{
    while (is_ows(*p))
        p++;
    return p;
}

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ) in [p, end).
 * Returns thousandths, or -1 if it is not a qvalue. */
static int parse_qvalue(const char *p, const char *end)
{
    if (p == end || (*p != '0' && *p != '1'))
        return -1;
    int q = (*p++ - '0') * Q_ONE;
    if (p == end)
        return q;
    if (*p++ != '.' || end - p > 3)
        return -1;
    for (int scale = 100; p < end; p++, scale /= 10) {
        if (*p < '0' || *p > '9')
            return -1;
        q += (*p - '0') * scale;
    }
    return q > Q_ONE ? -1 : q;
}

/* One list element at p, "coding *( OWS ";" OWS name "=" value )", up to the
 * next ',' or the end.  Sets the coding [*tok, *tok + *toklen) and its
 * weight (Q_ONE without one); returns the position after the element
 * (at ',' or '\0'), with *toklen 0 if the element is empty or does not
 * parse. */
static const char *parse_element(const char *p, const char **tok, size_t *toklen, int *q)
{
    p = skip_ows(p);
    *tok = p;
    while (is_tchar(*p))
        p++;
    *toklen = (size_t)(p - *tok);
    *q = Q_ONE;
    bool ok = *toklen > 0;
    for (p = skip_ows(p); ok && *p == ';'; p = skip_ows(p)) {
        const char *name = skip_ows(p + 1), *eq = name;
        while (is_tchar(*eq))
            eq++;
        if (*eq != '=' || eq == name) {
            ok = false;
            break;
        }
        const char *val = eq + 1, *vend = val;
        while (is_tchar(*vend))
            vend++;
        if (eq - name == 1 && (*name == 'q' || *name == 'Q')) {
            *q = parse_qvalue(val, vend);
            ok = *q >= 0;
        }
        p = vend;
    }
    if (*p != ',' && *p != '\0')
        ok = false;
    while (*p != ',' && *p != '\0')     /* the rest of a bad element */
        p++;
    if (!ok)
        *toklen = 0;
    return p;
}

static bool token_is(const char *tok, size_t len, const char *name)
{
    return len == strlen(name) && strncasecmp(tok, name, len) == 0;
}

bool jxa_accepts_gzip(const char *const *values, size_t n)
{
    /* The first element naming a coding counts. */
    int gzip = Q_NONE, identity = Q_NONE, star = Q_NONE;
    for (size_t i = 0; i < n; i++) {
        const char *p = values[i] ? values[i] : "";
        while (*p != '\0') {
            const char *tok;
            size_t len;
            int q;
            p = parse_element(p, &tok, &len, &q);
            if (*p == ',')
                p++;
            if (len == 0)
                continue;
            if ((token_is(tok, len, "gzip") || token_is(tok, len, "x-gzip")) && gzip == Q_NONE)
                gzip = q;
            else if (token_is(tok, len, "identity") && identity == Q_NONE)
                identity = q;
            else if (token_is(tok, len, "*") && star == Q_NONE)
                star = q;
        }
    }
    if (gzip == Q_NONE)
        gzip = star == Q_NONE ? 0 : star;
    /* The server's choice among acceptable codings: gzip, unless the
     * client named identity with a higher weight.  When nothing is
     * acceptable the body goes uncompressed all the same (RFC 9110 12.5.3
     * allows it; a 406 would only lose the scrape). */
    return gzip > 0 && (identity == Q_NONE || gzip >= identity);
}

enum jxa_format jxa_negotiate_format(const char *accept)
{
    if (accept == NULL)
        return JXA_FMT_TEXT;
    if (strstr(accept, "application/vnd.google.protobuf") != NULL &&
        strstr(accept, "proto=io.prometheus.client.MetricFamily") != NULL)
        return JXA_FMT_PROTOBUF;
    if (strstr(accept, "application/openmetrics-text") != NULL)
        return JXA_FMT_OPENMETRICS;
    return JXA_FMT_TEXT;
}
