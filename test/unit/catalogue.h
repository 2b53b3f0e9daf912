/* catalogue.h - the rows of test/bad-input.tsv, the one catalogue of bad
 * input and the exact line the agent gives for each (see that file). */
#ifndef JXA_T_CATALOGUE_H
#define JXA_T_CATALOGUE_H

#include <stddef.h>

struct cat_row {
    int line;               /* in the TSV */
    const char *title;
    const char *input;      /* NULL for "(null)" */
    const char *error;
};

/* The rows of one kind ("config", "option", ...), in file order; the
 * array lives until the next call.  Returns the count (0 and a failed check if the
 * file cannot be read or has no such rows). */
size_t cat_rows(const char *kind, const struct cat_row **rows);

#endif
