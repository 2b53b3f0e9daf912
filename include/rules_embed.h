/* rules_embed.h - the project's Spark rule files (rules/<name>.yml),
 * embedded in the library when it is built (agent/rules_embed.c: the
 * assembler's .incbin reads the files themselves; nothing is copied by
 * hand).  Pure C: the unit tests link the same data. */
#ifndef JXA_RULES_EMBED_H
#define JXA_RULES_EMBED_H

#include <stddef.h>

/* The YAML text of rules/<name>.yml (NUL-terminated, *len bytes without
 * the NUL), or NULL when no such file is embedded.  Static storage. */
const char *jxa_rules_embedded(const char *name, size_t *len);

/* "driver, executor, master, worker": for messages. */
#define JXA_RULES_EMBEDDED_NAMES "driver, executor, master, worker"

#endif
