/* log.h - the agent's log: one line per event, "jmxagent: LEVEL: message",
 * to stderr or to the file named by the log= option.
 * Thread-safe (one write(2) per line).  Never call from a GC callback. */
#ifndef JXA_LOG_H
#define JXA_LOG_H

#include "options.h"

/* path NULL: stderr (closing a file opened before).  Returns 0, or -1 (then logging stays on stderr). */
int jxa_log_open(const char *path, enum jxa_log_level level);
void jxa_log_set_level(enum jxa_log_level level);
void jxa_log(enum jxa_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define jxa_error(...) jxa_log(JXA_LOG_ERROR, __VA_ARGS__)
#define jxa_warn(...)  jxa_log(JXA_LOG_WARN, __VA_ARGS__)
#define jxa_info(...)  jxa_log(JXA_LOG_INFO, __VA_ARGS__)
#define jxa_debug(...) jxa_log(JXA_LOG_DEBUG, __VA_ARGS__)

#endif
