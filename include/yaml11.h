/* yaml11.h - YAML read the way jmx_exporter's SnakeYAML reads it (YAML 1.1).
 *
 * jmx_exporter loads its config with SnakeYAML's load() into plain Java
 * maps, lists and boxed scalars.  libyaml parses the same text; this module
 * adds what SnakeYAML does on top of the parse, so that the config loader
 * sees what the Java agent would see:
 *
 *   - exactly one document per load (jxa_y11_load);
 *   - the tree checked before anyone walks it: libyaml keeps an alias as a
 *     second reference to the anchored node, so a walker that follows
 *     references does exponential work on a "billion laughs" document and
 *     loops on a self-referencing anchor.  One pass with a visit budget
 *     (JXA_Y11_MAX_NODES) and a depth limit (JXA_Y11_MAX_DEPTH) refuses
 *     both; it also refuses a NUL inside a scalar and explicit tags;
 *   - plain scalars resolved as SnakeYAML's YAML 1.1 implicit resolvers do
 *     (jxa_y11_resolve): null, bool (yes/no/on/off too), int (0b, 0x, 0
 *     octal, base 60, '_' separators), float, else string;
 *   - Java's String.valueOf of the constructed value (jxa_y11_java_text);
 *   - maps with merge keys (<<) flattened and duplicate keys refused
 *     (jxa_y11_pairs).
 *
 * Errors are one line in the caller's buffer,
 * "<file>:<line>: <key>: <what is wrong>; <what to do>" (jxa_y11_fail, which
 * the config loader uses for its own messages too).  Functions that can
 * fail return 0, or -1 with that line written.  No global state; every
 * function may be called from any thread, none from a GC callback (they
 * allocate). */
#ifndef JXA_YAML11_H
#define JXA_YAML11_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

/* The tree check's limits: node visits (aliases counted at every use) and
 * nesting depth.  Merge keys (<<) nest at most JXA_Y11_MAX_DEPTH deep and
 * a map has at most JXA_Y11_MAX_MERGES of them. */
#define JXA_Y11_MAX_NODES 100000
#define JXA_Y11_MAX_DEPTH 32
#define JXA_Y11_MAX_MERGES 64

/* One document and where its errors go.  Zero it and set file, err and
 * errlen; jxa_y11_load() fills the rest; jxa_y11_free() releases it. */
struct jxa_y11 {
    const char *file;       /* names the document in messages */
    char *err;              /* the one error line; NULL: not wanted */
    size_t errlen;          /* >= 256 recommended */

    yaml_document_t doc;    /* valid when loaded */
    yaml_node_t *root;      /* NULL: empty document (SnakeYAML's null) */
    bool loaded;
    size_t visits;          /* tree-check budget used */
    int depth;              /* merge-key nesting, in jxa_y11_pairs */
};

/* Parses text as exactly one YAML document and checks its tree.  Returns
 * 0, or -1 with the error line: a syntax error "(yaml): <libyaml's
 * problem> at column N ...", a second document, more than
 * JXA_Y11_MAX_NODES visits, deeper than JXA_Y11_MAX_DEPTH, a NUL in a
 * scalar, a tag other than the default str/seq/map.  Call jxa_y11_free()
 * after either result. */
int jxa_y11_load(struct jxa_y11 *y, const char *text, size_t len);
void jxa_y11_free(struct jxa_y11 *y);

/* Writes "<y->file>:<line>: <key>: " and the formatted rest into y->err
 * (truncated to errlen, newlines and tabs made spaces).  Returns -1. */
int jxa_y11_fail(struct jxa_y11 *y, int line, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* 1-based line of n in the text, 0 for NULL. */
int jxa_y11_line(const yaml_node_t *n);
/* The node an item of a sequence or mapping refers to; NULL if broken. */
yaml_node_t *jxa_y11_node(struct jxa_y11 *y, yaml_node_item_t i);

/* What SnakeYAML constructs for a node. */
enum jxa_y11_kind {
    JXA_Y11_NULL,
    JXA_Y11_BOOL,
    JXA_Y11_INT,
    JXA_Y11_FLOAT,
    JXA_Y11_STR,
    JXA_Y11_MAP,
    JXA_Y11_SEQ,
};

struct jxa_y11_val {
    enum jxa_y11_kind k;
    const char *s;          /* scalar text as written, borrowed from the
                               node ("" for a NULL node, NULL for maps and
                               lists) */
    bool b;                 /* BOOL */
    int64_t i;              /* INT, unless ibig */
    bool ibig;              /* INT beyond a long: SnakeYAML's BigInteger */
    double d;               /* FLOAT */
};

/* Resolves n (NULL: absent, resolved as null).  Only plain scalars are
 * resolved; quoted and block scalars are strings (SnakeYAML resolves
 * implicitly only what is written plain).  Never fails. */
void jxa_y11_resolve(const yaml_node_t *n, struct jxa_y11_val *v);

/* A short description for messages: null, a map, a list, the boolean yes,
 * the integer 0x1F, the number 1.5, the string "abc" (texts cut at 40
 * bytes).  Writes out (cap >= 96 recommended) and returns it. */
const char *jxa_y11_describe(const yaml_node_t *n, char *out, size_t cap);

/* Java's String.valueOf() of what SnakeYAML constructs for a scalar: null
 * -> "null", booleans "true"/"false", ints in decimal (Long.toString),
 * floats as Double.toString, strings as written.  What jmx_exporter gets
 * when it concatenates a value into a string.  Malloc'ed, the caller
 * frees; NULL for a map or a list, or out of memory. */
char *jxa_y11_java_text(const yaml_node_t *n);

/* The keys of one map, merge keys (<<) flattened as SnakeYAML's
 * SafeConstructor.flattenMapping does: explicit keys win over merged ones,
 * earlier merge sources over later ones; the order is the explicit keys,
 * then the merged ones. */
struct jxa_y11_pair {
    yaml_node_t *k, *v;
    const char *key;        /* k's text */
};

struct jxa_y11_pairs {
    struct jxa_y11_pair *p;
    size_t n, cap;
    size_t *slots;          /* hash index: pair index + 1, 0 = empty */
    size_t nslots;
};

/* Collects the pairs of mapping node map into ps (zeroed by the caller).
 * path names the map in messages ("" for the top level).  Returns 0, or
 * -1 with the error line: a key that is not a scalar, a duplicate key
 * (SnakeYAML keeps the last silently; a repeated key is almost always a
 * mistake), a merge key whose value is not a map or a list of maps, merges
 * nested too deep, out of memory.  Call jxa_y11_pairs_free() after either
 * result. */
int jxa_y11_pairs(struct jxa_y11 *y, yaml_node_t *map, const char *path,
                  struct jxa_y11_pairs *ps);
/* The pair with key text key, or NULL.  Hashed: a hostile map of 50,000
 * keys costs milliseconds, not seconds of pairwise compares. */
const struct jxa_y11_pair *jxa_y11_pairs_find(const struct jxa_y11_pairs *ps, const char *key);
void jxa_y11_pairs_free(struct jxa_y11_pairs *ps);

#endif
