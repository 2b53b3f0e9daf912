/* oneflag.h - a bare -agentpath in any Spark JVM (docs/spark.md, "One
 * flag"): the agent's side of autoconf.h.  agent.c calls these three in
 * its life cycle; this module asks jvmti_util for the JVM's properties
 * and jni_util for System.setProperty, and calls nothing above it.
 * Not for a GC callback. */
#ifndef JXA_ONEFLAG_H
#define JXA_ONEFLAG_H

#include <jni.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "options.h"

/* Agent_OnLoad / Agent_OnAttach, after jxa_jvmti_init: detects the role,
 * fills in what opts leaves open (port, sd_dir, sd_job) and loads the
 * config: the user's config=, an embedded rule file, or jmx_exporter's
 * default.  Returns 0 and *cfg, or -1 with one line in err. */
int jxa_oneflag_load(struct jxa_options *opts, struct jxa_config **cfg, char *err,
                     size_t errlen);

/* The one line: role, rule file, port, discovery file, what is set. */
void jxa_oneflag_report(const struct jxa_options *opts, int port, bool live);

/* VMInit, before main: the Spark properties of the plan, each unless set
 * (System.setProperty).  Logs only what failed. */
void jxa_oneflag_vm_init(JNIEnv *env);

#endif
