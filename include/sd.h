/* sd.h - Prometheus file_sd registration: with sd_dir=DIR the agent writes
 * DIR/jmxagent-<pidns>-<pid>-<start>.json naming its host:port and what
 * kind of Spark JVM it lives in, and removes it when the JVM exits.  That
 * is how Prometheus finds executors that bind ephemeral ports.  A JVM
 * killed by SIGKILL cannot remove its file: every agent using the
 * directory removes files whose process is gone (same pid namespace, and
 * that pid no longer has that start time), when it registers and then at
 * most every JXA_SD_SWEEP_SECONDS.  Pure C. */
#ifndef JXA_SD_H
#define JXA_SD_H

#include <stddef.h>

/* The Spark role of this JVM from its main class and arguments
 * (sun.java.command): "driver", "executor", "master", "worker",
 * "shuffle", "history" or "other".  For executors, *executor_id and
 * *app_id are set from --executor-id/--app-id (malloc'ed, or NULL). */
const char *jxa_sd_role(const char *java_command, char **executor_id, char **app_id);

/* Writes the target file atomically (temp file + rename).  Returns 0, or
 * -1 with one line in err. */
int jxa_sd_register(const char *dir, const char *job, const char *host, int port,
                    const char *java_command, char *err, size_t errlen);
/* Removes the file written by jxa_sd_register, if any.  Async-signal-safe
 * enough for VMDeath: one unlink(). */
void jxa_sd_unregister(void);

#define JXA_SD_SWEEP_SECONDS 30

/* Removes the stale files of dir (see above), judging pids by
 * proc_root/<pid>/stat and proc_root/self/ns/pid.  Returns how many. */
int jxa_sd_sweep_at(const char *dir, const char *proc_root);
/* Sweeps the registered directory if the last sweep is old enough; cheap
 * otherwise.  Called by the scraper after each scrape. */
void jxa_sd_sweep_maybe(void);

#endif
