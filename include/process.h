/* process.h - the process_* families of client_java's ProcessMetrics
 * (process_cpu_seconds_total, process_resident_memory_bytes, ...), from
 * /proc through procfs.c.  Pure C. */
#ifndef JXA_PROCESS_H
#define JXA_PROCESS_H

#include "collector.h"

/* env is unused.  Returns 0, or -1 when some value could not be read
 * (that family is left out). */
jxa_collector jxa_process_collect;

#endif
