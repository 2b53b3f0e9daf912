/* jmx.h - the MBean walk: the platform MBeanServer over JNI, on the
 * scraper thread only.
 *
 * One walk per scrape: queryNames(null, null), include/exclude decided in C
 * on the parsed name (before any getter runs: that is where scrape time is
 * saved), MBeanInfo cached per canonical name when its descriptor says
 * immutableInfo=true, one bulk getAttributes per bean (one-by-one fallback
 * when it throws), values unfolded as jmx_exporter's processBeanValue does
 * and fed to the rule engine.  Keeps no global refs to application objects
 * (only String[] of attribute names, which pin no class loader). */
#ifndef JXA_JMX_H
#define JXA_JMX_H

#include <jni.h>
#include <stdbool.h>

#include "config.h"
#include "mset.h"
#include "rules.h"

struct jxa_jmx;

struct jxa_jmx *jxa_jmx_new(void);
/* Frees the cache; env NULL when the VM is gone (global refs leak then,
 * harmlessly). */
void jxa_jmx_free(struct jxa_jmx *j, JNIEnv *env);

/* Is it safe to touch JMX now?  (docs/design.md §4: creating the platform
 * MBeanServer initialises java.util.logging, which breaks containers that
 * install their own LogManager later.)  Cheap; call before every scrape
 * until it returns true.  uptime_s: seconds since the agent started. */
bool jxa_jmx_ready(struct jxa_jmx *j, JNIEnv *env, const struct jxa_config *cfg,
                   double uptime_s);

/* Walks every MBean into out.  Returns 0, or -1 when the scrape failed
 * (JMX unavailable, or a rule raised a scrape error: err holds one line;
 * what was recorded before stays in out). */
int jxa_jmx_scrape(struct jxa_jmx *j, JNIEnv *env, const struct jxa_config *cfg,
                   struct jxa_engine *eng, struct jxa_mset *out, char *err,
                   size_t errlen);

/* The config was replaced: include/exclude decisions and automatic
 * attribute exclusions start over (as a jmx_exporter reload does). */
void jxa_jmx_config_changed(struct jxa_jmx *j);

/* Number of MBeans in the cache.  Pruned after every walk, failed ones
 * included, to the names queryNames returned (a walk that an
 * OutOfMemoryError stopped before it could list them keeps the others for
 * 3 walks), so it follows the registered MBeans. */
size_t jxa_jmx_nbeans(const struct jxa_jmx *j);

#endif
