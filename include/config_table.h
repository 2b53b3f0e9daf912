/* config_table.h - the key tables of the config loader, shared by its
 * files: config.c (the table machinery, the collector keys and loading),
 * config_http.c (httpServer), config_otel.c (openTelemetry) and
 * config_customizers.c (metricCustomizers).  Not for other modules: they
 * use config.h.
 *
 * Each map level of the config is a static table of keys: name, 0.x
 * alias, setter, where the value is stored, default.  jxa_cfg_apply()
 * walks one map through one table: an unknown key is an error, an alias
 * counts only when the name is absent, every setter runs once, with
 * v == NULL for an absent key (it then sets the default). */
#ifndef JXA_CONFIG_TABLE_H
#define JXA_CONFIG_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#include "yaml11.h"

/* One load. */
struct jxa_cfg_ctx {
    struct jxa_y11 y;   /* the document; file name and error buffer */
    int map_line;       /* line of the map whose absent keys are defaulted */
    int key_line;       /* line of the key whose setter runs */
    bool from_file;     /* y.file is a real path: relative paths in the
                           config are resolved against its directory */
    bool reload;        /* a reload of a running config: httpServer is
                           checked but not applied, its files not read
                           (jxa_config_reload) */
};

/* The one error line, "<file>:<line>: <key>: <what>; <what to do>";
 * evaluates to -1.  Shorthands for the files that include this header. */
#define fail(c, ...) jxa_y11_fail(&(c)->y, __VA_ARGS__)
#define oom(c, n, key) fail(c, jxa_y11_line(n), key, "out of memory; retry")
#define line_of(n) jxa_y11_line(n)

struct jxa_cfg_key;
/* v == NULL: the key is absent; set the default.  path: the key path for
 * messages (rules[2].name).  base: the struct the table describes.
 * Returns 0, or -1 with the error line written. */
typedef int (*jxa_cfg_set_fn)(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                              const char *path, yaml_node_t *v, void *base);

struct jxa_cfg_key {
    const char *name;
    const char *alias;      /* 0.x name; used only if name is absent */
    jxa_cfg_set_fn set;
    size_t off;             /* offsetof() in base */
    double dflt;            /* bool / int / double default */
    const char *why;        /* refused keys: the message */
};

/* The field of base a key stores into. */
#define JXA_CFG_FIELD(base, k, type) ((type *)(void *)((char *)(base) + (k)->off))

/* Largest table jxa_cfg_apply() takes. */
#define JXA_CFG_MAX_KEYS 32

/* Applies the n keys of table t to mapping node map (NULL or a null
 * scalar: every key absent).  prefix is put before each key in messages
 * ("rules[0]."; "" at the top level).  Returns 0 or -1. */
int jxa_cfg_apply(struct jxa_cfg_ctx *c, yaml_node_t *map, const struct jxa_cfg_key *t,
                  size_t n, const char *prefix, void *base);
/* The same for a table that is an array in scope: its length is taken from
 * the array itself (a pointer does not compile: -Wsizeof-pointer-div). */
#define JXA_CFG_APPLY(c, map, table, prefix, base)                              \
    jxa_cfg_apply(c, map, table, sizeof(table) / sizeof((table)[0]), prefix, base)

/* One entry of a map walked by jxa_cfg_each_pair(). */
struct jxa_cfg_entry {
    const char *map;                /* the map's path */
    char path[300];                 /* the entry's: "<map>.<key>" */
    const struct jxa_y11_pair *p;   /* key and value nodes, key text */
    struct jxa_y11_val key, val;    /* both resolved */
    size_t i;                       /* index in the map */
    void *arr;                      /* the array jxa_cfg_each_pair allocated */
};
/* How the key is written in an entry's path: cut at 100 bytes, the same
 * in double quotes (an ObjectName has dots and commas), or whole. */
enum jxa_cfg_keypath { JXA_CFG_KEY_CUT, JXA_CFG_KEY_QUOTED, JXA_CFG_KEY_WHOLE };
/* Returns 0, or -1 with the error line written. */
typedef int (*jxa_cfg_pair_fn)(struct jxa_cfg_ctx *c, const struct jxa_cfg_entry *e, void *arg);
/* Walks the entries of mapping node v (path names it; the caller checks
 * that it is a map, with its own message): collects its pairs
 * (jxa_y11_pairs: merge keys, duplicate keys), stores in *arr a zeroed
 * array with room for one element of size bytes per entry (at least one,
 * so that a map that is present is never NULL), then calls fn for each
 * entry in order until one fails.  Returns 0, or -1 with the error line
 * written; *arr (possibly NULL) is the caller's to free either way. */
int jxa_cfg_each_pair(struct jxa_cfg_ctx *c, yaml_node_t *v, const char *path,
                      enum jxa_cfg_keypath kp, size_t size, void **arr,
                      jxa_cfg_pair_fn fn, void *arg);

/* One item of a list walked by jxa_cfg_each_item(). */
struct jxa_cfg_item {
    yaml_node_t *list;              /* the list */
    char path[300];                 /* the item's: "<list>[i]" */
    yaml_node_t *node;              /* the item (NULL: not in the document) */
    size_t i;
    void *arr;                      /* the array jxa_cfg_each_item allocated */
};
typedef int (*jxa_cfg_item_fn)(struct jxa_cfg_ctx *c, const struct jxa_cfg_item *e, void *arg);
/* The same for the items of sequence node v (the caller checks that it is
 * a list): *arr gets room for one element of size bytes per item (at
 * least one), then fn runs for each item in order until one fails.
 * Returns 0, or -1 with the error line written; *arr is the caller's to
 * free either way. */
int jxa_cfg_each_item(struct jxa_cfg_ctx *c, yaml_node_t *v, const char *path, size_t size,
                      void **arr, jxa_cfg_item_fn fn, void *arg);

/* Setters and checks the files use.  Each returns 0, or -1 with the error
 * line written. */
/* An int as jmx_exporter's (Integer) cast takes it: a YAML int that fits. */
int jxa_cfg_get_int(struct jxa_cfg_ctx *c, const char *path, yaml_node_t *v, int *out);
/* A string as jmx_exporter's (String) cast takes it: a YAML string (the
 * caller handles null); *out is malloc'ed. */
int jxa_cfg_get_string(struct jxa_cfg_ctx *c, const char *path, yaml_node_t *v, char **out);
/* A key this agent refuses: present is the error k->why. */
int jxa_cfg_set_refused(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k, const char *path,
                        yaml_node_t *v, void *base);

/* config_http.c: the top-level httpServer key; base is the jxa_config. */
int jxa_cfg_set_http(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k, const char *path,
                     yaml_node_t *v, void *base);
/* config_otel.c: the top-level openTelemetry key; base is the jxa_config. */
int jxa_cfg_set_otel(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k, const char *path,
                     yaml_node_t *v, void *base);

/* config_customizers.c: the top-level metricCustomizers key; base is the
 * jxa_config. */
int jxa_cfg_set_customizers(struct jxa_cfg_ctx *c, const struct jxa_cfg_key *k,
                            const char *path, yaml_node_t *v, void *base);
/* Frees what jxa_cfg_set_customizers stored in cfg. */
struct jxa_config;
void jxa_cfg_free_customizers(struct jxa_config *cfg);

#endif
