/* process.h - the process_* families of client_java's ProcessMetrics
 * (process_cpu_seconds_total, process_resident_memory_bytes, ...), from
 * /proc through procfs.c.  Pure C. */
#ifndef JXA_PROCESS_H
#define JXA_PROCESS_H

#include "mset.h"

void jxa_process_collect(struct jxa_mset *m);

#endif
