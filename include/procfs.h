/* procfs.h - process metrics read from /proc, named and scaled as the Java
 * agent (client_java ProcessMetrics) exports them:
 *   process_cpu_seconds_total      cpu_seconds     utime+stime / CLK_TCK
 *   process_resident_memory_bytes  resident_bytes  statm resident * page
 *   process_virtual_memory_bytes   virtual_bytes   statm size * page
 *   process_open_fds               open_fds        entries of fd/
 *   process_max_fds                max_fds         limits "Max open files"
 *   process_start_time_seconds     start_time_seconds  btime + starttime/HZ
 *   process_threads                threads         stat field 20 (all OS
 *                                                  threads, not just Java's)
 * Pure C, no stdio (open/read into stack buffers).  Reentrant; never call
 * from a GC callback (it does file I/O). */
#ifndef JXA_PROCFS_H
#define JXA_PROCFS_H

struct jxa_proc_stats {
    double cpu_seconds;
    double resident_bytes;
    double virtual_bytes;
    double open_fds;
    double max_fds;            /* +Inf when "unlimited" */
    double start_time_seconds;
    double threads;
};

/* Reads proc_root/<pid>/{stat,statm,limits,fd/} and proc_root/stat (btime).
 * proc_root is "/proc" or a fixture directory; pid is "self" or a number.
 * When proc_root/<pid> is this process, the directory fd used to count
 * fd/ is not counted.  Returns 0 when every value was read, else the
 * negative errno of the first failure; values that could not be read are
 * NaN (skip them), the others are valid either way. */
int jxa_procfs_read(const char *proc_root, const char *pid,
                    struct jxa_proc_stats *out);

#endif
