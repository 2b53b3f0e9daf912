/* process.c - see process.h.  Names, HELP and units as client_java 1.x
 * ProcessMetrics prints them in jmx_prometheus_javaagent. */
#include "process.h"

#include <math.h>

#include "procfs.h"

static void add(struct jxa_mset *m, const char *name, enum jxa_mtype type,
                const char *help, const char *unit, double v)
{
    if (!isnan(v))
        jxa_family_add(jxa_mset_family(m, name, type, help, unit), "", NULL, 0, v, 0);
}

int jxa_process_collect(JNIEnv *env, struct jxa_mset *m)
{
    (void)env;
    struct jxa_proc_stats s;
    int rc = jxa_procfs_read("/proc", "self", &s);   /* NaN marks what failed */
    add(m, "process_cpu_seconds", JXA_COUNTER,
        "Total user and system CPU time spent in seconds.", "seconds", s.cpu_seconds);
    add(m, "process_resident_memory_bytes", JXA_GAUGE, "Resident memory size in bytes.",
        "bytes", s.resident_bytes);
    add(m, "process_virtual_memory_bytes", JXA_GAUGE, "Virtual memory size in bytes.",
        "bytes", s.virtual_bytes);
    add(m, "process_open_fds", JXA_GAUGE, "Number of open file descriptors.", NULL, s.open_fds);
    add(m, "process_max_fds", JXA_GAUGE, "Maximum number of open file descriptors.", NULL,
        s.max_fds);
    add(m, "process_start_time_seconds", JXA_GAUGE,
        "Start time of the process since unix epoch in seconds.", "seconds",
        s.start_time_seconds);
    return rc == 0 ? 0 : -1;
}
