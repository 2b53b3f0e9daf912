/* rules_embed.c - rules/{driver,executor,master,worker}.yml inside the
 * library; see rules_embed.h.
 *
 * The assembler's .incbin copies each file's bytes into .rodata when this
 * file is compiled (paths relative to the directory make runs in, the
 * repository root; the Makefile makes this object depend on the rule files).
 * A NUL follows each file so the text can be handed to libyaml as a C
 * string; the symbols are hidden, so nothing new is exported. */
#include "rules_embed.h"

#include <string.h>

#define JXA_EMBED(name)                                                    \
    "  .global jxa_rules_" name "_yml\n"                                    \
    "  .hidden jxa_rules_" name "_yml\n"                                    \
    "  .global jxa_rules_" name "_yml_end\n"                                \
    "  .hidden jxa_rules_" name "_yml_end\n"                                \
    "jxa_rules_" name "_yml:\n"                                             \
    "  .incbin \"rules/" name ".yml\"\n"                                    \
    "jxa_rules_" name "_yml_end:\n"                                         \
    "  .byte 0\n"

__asm__("  .pushsection .rodata\n"
        JXA_EMBED("driver") JXA_EMBED("executor") JXA_EMBED("master") JXA_EMBED("worker")
        "  .popsection\n");

extern const char jxa_rules_driver_yml[], jxa_rules_driver_yml_end[];
extern const char jxa_rules_executor_yml[], jxa_rules_executor_yml_end[];
extern const char jxa_rules_master_yml[], jxa_rules_master_yml_end[];
extern const char jxa_rules_worker_yml[], jxa_rules_worker_yml_end[];

static const struct {
    const char *name;
    const char *start, *end;
} files[] = {
    {"driver", jxa_rules_driver_yml, jxa_rules_driver_yml_end},
    {"executor", jxa_rules_executor_yml, jxa_rules_executor_yml_end},
    {"master", jxa_rules_master_yml, jxa_rules_master_yml_end},
    {"worker", jxa_rules_worker_yml, jxa_rules_worker_yml_end},
};

const char *jxa_rules_embedded(const char *name, size_t *len)
{
    for (size_t i = 0; name != NULL && i < sizeof files / sizeof *files; i++)
        if (strcmp(files[i].name, name) == 0) {
            *len = (size_t)(files[i].end - files[i].start);
            return files[i].start;
        }
    return NULL;
}
