/* sd.h - Prometheus file_sd registration: with sd_dir=DIR the agent writes
 * DIR/jmxagent-<boot>-<pidns>-<pid>-<start>.json naming its host:port and
 * what kind of Spark JVM it lives in, and removes it when the JVM exits.
 * That is how Prometheus finds executors that bind ephemeral ports.  Pure C.
 *
 * The name says whose file it is (docs/spark.md, "file_sd"):
 *   <boot>   the kernel's boot id, 32 hex digits (proc/sys/kernel/random/
 *            boot_id without its dashes): one value per host and boot,
 *            shared by every container of the host; "noboot" if unreadable;
 *   <pidns>  the inode of our pid namespace (proc/self/ns/pid).  Alone it
 *            does not name a host: the initial pid namespace has the same
 *            inode (0xEFFFFFFC) on every Linux host;
 *   <pid>, <start>  our pid in that namespace and our start time in clock
 *            ticks since boot (proc/<pid>/stat field 22), which tells a
 *            reused pid from the process that wrote the file.
 *
 * Sweep.  A JVM killed by SIGKILL cannot remove its file.  Every agent
 * using the directory removes the files that are provably of its own host
 * and namespace (same boot id, same namespace inode) and whose process is
 * provably gone: that pid has another start time, or proc/<pid>/stat does
 * not exist (ENOENT, ESRCH) and kill(pid, 0) answers ESRCH (hidepid=2
 * hides other users' processes behind ENOENT).  Anything else - another
 * host, another namespace, a name of another form, EACCES, EMFILE, a stat
 * line that does not parse - leaves the file alone.  When it registers,
 * then at most every JXA_SD_SWEEP_SECONDS.
 *
 * Upkeep.  Prometheus drops the target of a file that disappears (someone's
 * cleanup, an older agent's sweep on another host), and then no scrape
 * comes any more: so every JXA_SD_CHECK_SECONDS, scrape or not, the agent
 * writes its file again if it is gone.  A registration that failed (no
 * directory yet, a symbolic link at our name) is tried again then too.
 *
 * Files are written with jxa_atomicfile_write (atomicfile.h): a temporary
 * name no one can plant a link at, renamed into place. */
#ifndef JXA_SD_H
#define JXA_SD_H

#include <stddef.h>

#define JXA_SD_SWEEP_SECONDS 30
#define JXA_SD_CHECK_SECONDS 5

/* The Spark role of this JVM from its main class and arguments
 * (sun.java.command): "driver", "executor", "master", "worker",
 * "shuffle", "history", "submit" or "other" (role.h).  For executors,
 * *executor_id and *app_id are set from --executor-id/--app-id
 * (malloc'ed, or NULL). */
const char *jxa_sd_role(const char *java_command, char **executor_id, char **app_id);

/* -- one registration (the agent has one; tests make several) ------------ */

struct jxa_sd;

/* Registers process pid, as proc_root shows it ("/proc" in the agent, a
 * fake tree in tests), in dir with the file content body (copied): sweeps
 * dir, then writes the file.  Returns the registration, NULL only when out
 * of memory.  err is "" when the file was written, else one line
 * ("sd_dir=DIR: what; what to do"); the registration then stays, and
 * jxa_sd_refresh tries again. */
struct jxa_sd *jxa_sd_open(const char *dir, const char *proc_root, long pid, const char *body,
                           char *err, size_t errlen);
/* Replaces the file's content with body (copied) and writes it now,
 * unless removed.  Returns 0, or -1 with one line in err (jxa_sd_refresh
 * tries again). */
int jxa_sd_set_body(struct jxa_sd *sd, const char *body, char *err, size_t errlen);
/* The file's name in dir, "" while it cannot be named (proc unreadable). */
const char *jxa_sd_name(const struct jxa_sd *sd);
/* Upkeep (see above); sweeps dir first when sweep is nonzero.  Returns 1
 * if the file was (re)written, 0 if it was there (or after
 * jxa_sd_remove), -1 with one line in err. */
int jxa_sd_refresh(struct jxa_sd *sd, int sweep, char *err, size_t errlen);
/* Removes the file for good: no refresh writes it again, even one running
 * meanwhile in another thread (VMDeath against the scraper thread).  One
 * unlink(); never blocks on a lock. */
void jxa_sd_remove(struct jxa_sd *sd);
/* Frees sd (after jxa_sd_remove, or to keep the file). */
void jxa_sd_free(struct jxa_sd *sd);

/* Removes the stale files of dir (see above), judging by proc_root/<pid>/
 * stat, proc_root/self/ns/pid and proc_root/sys/kernel/random/boot_id.
 * Returns how many. */
int jxa_sd_sweep_at(const char *dir, const char *proc_root);

/* -- the agent's registration ---------------------------------------------- */

/* Registers this process (pid, /proc) with the target host:port and the
 * labels job, spark_role, pid (and spark_executor_id, spark_app_id for
 * executors, from java_command).  Each further call (another exporter in
 * the JVM) adds a target group to the same file, in the first call's dir.
 * Returns 0, or -1 with one line in err (the caller logs it; upkeep tries
 * again). */
int jxa_sd_register(const char *dir, const char *job, const char *host, int port,
                    const char *java_command, char *err, size_t errlen);
/* The path of the file jxa_sd_register named ("" if none), for the log. */
const char *jxa_sd_registered_path(void);
/* Removes the file written by jxa_sd_register, if any (VMDeath). */
void jxa_sd_unregister(void);
/* Upkeep of the registration: the check every JXA_SD_CHECK_SECONDS, the
 * sweep every JXA_SD_SWEEP_SECONDS; cheap otherwise.  Logs each distinct
 * failure once.  Called by the scraper thread after each scrape and when
 * it has been idle for JXA_SD_CHECK_SECONDS; one thread only. */
void jxa_sd_sweep_maybe(void);

#endif
