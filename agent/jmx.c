/* jmx.c - the MBean walk over JNI; see jmx.h.
 *
 * Semantics follow jmx_exporter's JmxScraper (docs/semantics.md §4 and
 * §11): null values never reach the rules, numbers and booleans
 * become samples, strings reach the rules only as match text, Date becomes
 * epoch seconds, CompositeData recurses by sorted key, TabularData
 * flattens rows into extra labels, Optional unwraps, enums become their
 * toString(), arrays are skipped, and any other type is skipped and, with
 * autoExcludeObjectNameAttributes, never fetched again. */
#include "jmx.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "javafmt.h"
#include "jni_util.h"
#include "jvmti_util.h"
#include "log.h"
#include "objname.h"

/* The bulk call's result is read in local frames of ATTR_CHUNK attributes,
 * each making at most ATTR_REFS local refs that outlive its own calls
 * (the Attribute and its class, name, value and the value's class, two
 * elements of the fetch array). */
#define ATTR_CHUNK 16
#define ATTR_REFS 8

/* Nesting guard for CompositeData/TabularData recursion: real MBeans nest a
 * few levels; a cyclic or absurd structure must not blow the stack. */
#define MAX_DEPTH 16

struct attr {
    char *name;
    char *desc;             /* NULL when the bean gives none */
    enum jxa_vclass vc;     /* what the declared type says of the value */
    size_t first_rule;      /* rules before it miss every such value */
    struct jxa_slot *slot;  /* jxa_engine_slot, for the current config */
    unsigned char box;      /* class of its last value (fast_scalar) */
};

struct bean {
    struct bean *next;      /* hash chain */
    uint64_t hash;
    char *canonical;
    jobject on;             /* global ref: the ObjectName (of exactly that
                               class) this name came as, NULL for none */
    char *domain;
    struct jxa_prop *props;
    size_t nprops;

    bool info_loaded;
    bool immutable;         /* descriptor immutableInfo=true */
    bool dynamic;           /* a DynamicMBean (its declared types are its
                               own word, not the getters' return types),
                               or MBeanInfo read at every walk: declared
                               types not used to leave attributes out */
    size_t skip_touched;    /* cached misses of the attributes build_fetch
                               left out (jxa_engine_needs_value) */
    struct attr *attrs;     /* readable, non-array attributes */
    size_t nattrs;

    char **auto_excluded;   /* autoExcludeObjectNameAttributes */
    size_t nauto_excluded;

    unsigned filter_gen;    /* config generation of `included`, `cust` */
    bool included;
    const struct jxa_customizer *cust;  /* metricCustomizers: the first
                               that matches, NULL for none */
    bool fetch_dirty;       /* fetch list must be rebuilt */
    jobjectArray fetch;     /* global ref: String[] of names to fetch */
    jsize nfetch;
    size_t *fetch_attr;     /* attrs index of each fetch element */
    jsize nreturned;        /* what getAttributes returned the first time
                               after build_fetch; -1 before that */

    unsigned long seen;     /* walk generation that last saw it */
};

struct jxa_jmx {
    bool classes_ok;
    bool ready;
    jobject mbs;            /* global ref: the platform MBeanServer */

    jclass c_mf, c_mbs, c_on, c_mbi, c_mbai, c_attr, c_set, c_coll, c_list,
        c_number, c_boolean, c_string, c_date, c_cd, c_ct, c_td, c_tt,
        c_optional, c_enum, c_integer, c_long, c_short, c_byte, c_double,
        c_float, c_atomic_int, c_atomic_long, c_object, c_class, c_desc;
    jmethodID m_get_pmbs, m_query_names, m_get_mbean_info, m_get_attributes,
        m_get_attribute, m_on_canonical, m_on_domain, m_on_kpls,
        m_mbi_attrs, m_mbi_descriptor, m_desc_field, m_mbai_readable,
        m_mbai_name, m_mbai_type, m_mbai_desc, m_attr_name, m_attr_value,
        m_coll_to_array, m_list_to_array, m_double_value, m_long_value,
        m_float_value, m_bool_value, m_date_time, m_cd_type, m_cd_get,
        m_cd_values, m_ct_keyset, m_type_desc, m_td_type, m_td_values,
        m_tt_index, m_tt_row, m_opt_present, m_opt_get, m_to_string,
        m_get_class, m_is_array, m_is_instance_of;
    jfieldID f_platform_server;
    /* The boxes' and Attribute's own fields, read without a call into Java
     * (NULL: not found in this JDK, the methods are called instead). */
    jfieldID f_long, f_int, f_short, f_byte, f_double, f_float, f_bool,
        f_attr_name, f_attr_value, f_on_canonical, f_mbai_read, f_mbai_name,
        f_mbai_type, f_mbai_desc;

    struct bean **table;
    size_t nbuckets, nbeans;
    /* The last walk's beans by their place in the queryNames result: an
     * unchanged MBeanServer returns the same ObjectName instances in the
     * same order (its registry's HashSet), so one IsSameObject finds the
     * bean where its canonical name would cost ten JNI calls and a hash
     * lookup (docs/design.md §6). */
    struct bean **last;
    size_t nlast, caplast;
    unsigned long walk_gen;
    unsigned cfg_gen;
    bool logged_wait;
};

/* ---------------------------------------------------------------- cache */

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

static void bean_free_info(struct bean *b, JNIEnv *env)
{
    for (size_t i = 0; i < b->nattrs; i++) {
        free(b->attrs[i].name);
        free(b->attrs[i].desc);
        jxa_slot_free(b->attrs[i].slot);
    }
    free(b->attrs);
    b->attrs = NULL;
    b->nattrs = 0;
    b->info_loaded = false;
    if (b->fetch != NULL && env != NULL)
        (*env)->DeleteGlobalRef(env, b->fetch);
    b->fetch = NULL;
    b->nfetch = 0;
    free(b->fetch_attr);
    b->fetch_attr = NULL;
    b->fetch_dirty = true;
}

static void bean_free(struct bean *b, JNIEnv *env)
{
    bean_free_info(b, env);
    for (size_t i = 0; i < b->nauto_excluded; i++)
        free(b->auto_excluded[i]);
    free(b->auto_excluded);
    jxa_props_free(b->props, b->nprops);
    if (b->on != NULL && env != NULL)
        (*env)->DeleteGlobalRef(env, b->on);
    free(b->canonical);
    free(b->domain);
    free(b);
}

static struct bean *bean_find(struct jxa_jmx *j, const char *canonical, uint64_t h)
{
    if (j->nbuckets == 0)
        return NULL;
    for (struct bean *b = j->table[h & (j->nbuckets - 1)]; b; b = b->next)
        if (b->hash == h && strcmp(b->canonical, canonical) == 0)
            return b;
    return NULL;
}

static int table_grow(struct jxa_jmx *j)
{
    size_t n = j->nbuckets ? j->nbuckets * 2 : 256;
    struct bean **t = calloc(n, sizeof *t);
    if (t == NULL)
        return -1;
    for (size_t i = 0; i < j->nbuckets; i++) {
        struct bean *b = j->table[i];
        while (b) {
            struct bean *next = b->next;
            b->next = t[b->hash & (n - 1)];
            t[b->hash & (n - 1)] = b;
            b = next;
        }
    }
    free(j->table);
    j->table = t;
    j->nbuckets = n;
    return 0;
}

static void table_insert(struct jxa_jmx *j, struct bean *b)
{
    size_t i = b->hash & (j->nbuckets - 1);
    b->next = j->table[i];
    j->table[i] = b;
    j->nbeans++;
}

/* A walk that could not look at every name of its queryNames result (an
 * OutOfMemoryError stopped it) keeps the beans it did not reach this many
 * walks: long enough not to forget MBeanInfo over one bad walk, short
 * enough that names registered and unregistered under repeated failures
 * (each bean holds a global reference) do not pile up. */
#define MAX_UNSEEN_WALKS 3

/* Drops beans that the last `keep` + 1 walks did not see: with keep 0 the
 * beans the last walk's queryNames did not return (unregistered MBeans),
 * as JmxMBeanPropertyCache.onlyKeepMBeans does. */
static void table_evict(struct jxa_jmx *j, JNIEnv *env, unsigned long keep)
{
    for (size_t i = 0; i < j->nbuckets; i++) {
        struct bean **pp = &j->table[i];
        while (*pp) {
            struct bean *b = *pp;
            if (j->walk_gen - b->seen > keep) {
                *pp = b->next;
                bean_free(b, env);
                j->nbeans--;
            } else {
                pp = &b->next;
            }
        }
    }
}

/* ---------------------------------------------------------- JNI set-up */

static bool init_classes(struct jxa_jmx *j, JNIEnv *env)
{
#define CLS(field, name) (j->field = jxa_jni_class(env, name)) != NULL
#define MID(field, cls, name, sig) (j->field = jxa_jni_method(env, j->cls, name, sig)) != NULL
    bool ok =
        CLS(c_mf, "java/lang/management/ManagementFactory") &&
        CLS(c_mbs, "javax/management/MBeanServer") &&
        CLS(c_on, "javax/management/ObjectName") &&
        CLS(c_mbi, "javax/management/MBeanInfo") &&
        CLS(c_mbai, "javax/management/MBeanAttributeInfo") &&
        CLS(c_attr, "javax/management/Attribute") &&
        CLS(c_set, "java/util/Set") &&
        CLS(c_coll, "java/util/Collection") &&
        CLS(c_list, "java/util/List") &&
        CLS(c_number, "java/lang/Number") &&
        CLS(c_boolean, "java/lang/Boolean") &&
        CLS(c_string, "java/lang/String") &&
        CLS(c_date, "java/util/Date") &&
        CLS(c_cd, "javax/management/openmbean/CompositeData") &&
        CLS(c_ct, "javax/management/openmbean/CompositeType") &&
        CLS(c_td, "javax/management/openmbean/TabularData") &&
        CLS(c_tt, "javax/management/openmbean/TabularType") &&
        CLS(c_optional, "java/util/Optional") &&
        CLS(c_enum, "java/lang/Enum") &&
        CLS(c_integer, "java/lang/Integer") &&
        CLS(c_long, "java/lang/Long") &&
        CLS(c_short, "java/lang/Short") &&
        CLS(c_byte, "java/lang/Byte") &&
        CLS(c_double, "java/lang/Double") &&
        CLS(c_float, "java/lang/Float") &&
        CLS(c_atomic_int, "java/util/concurrent/atomic/AtomicInteger") &&
        CLS(c_atomic_long, "java/util/concurrent/atomic/AtomicLong") &&
        CLS(c_object, "java/lang/Object") &&
        CLS(c_class, "java/lang/Class") &&
        CLS(c_desc, "javax/management/Descriptor");
    if (!ok)
        return false;
    j->m_get_pmbs = jxa_jni_static_method(env, j->c_mf, "getPlatformMBeanServer",
                                          "()Ljavax/management/MBeanServer;");
    /* ManagementFactory.platformMBeanServer is private; JNI does no access
     * checks.  Present in JDK 8-25; missing means "unknown". */
    j->f_platform_server = (*env)->GetStaticFieldID(env, j->c_mf, "platformMBeanServer",
                                                    "Ljavax/management/MBeanServer;");
    jxa_jni_clear(env);
    ok = j->m_get_pmbs &&
        MID(m_query_names, c_mbs, "queryNames",
            "(Ljavax/management/ObjectName;Ljavax/management/QueryExp;)Ljava/util/Set;") &&
        MID(m_get_mbean_info, c_mbs, "getMBeanInfo",
            "(Ljavax/management/ObjectName;)Ljavax/management/MBeanInfo;") &&
        MID(m_get_attributes, c_mbs, "getAttributes",
            "(Ljavax/management/ObjectName;[Ljava/lang/String;)Ljavax/management/AttributeList;") &&
        MID(m_get_attribute, c_mbs, "getAttribute",
            "(Ljavax/management/ObjectName;Ljava/lang/String;)Ljava/lang/Object;") &&
        MID(m_is_instance_of, c_mbs, "isInstanceOf",
            "(Ljavax/management/ObjectName;Ljava/lang/String;)Z") &&
        MID(m_on_canonical, c_on, "getCanonicalName", "()Ljava/lang/String;") &&
        MID(m_on_domain, c_on, "getDomain", "()Ljava/lang/String;") &&
        MID(m_on_kpls, c_on, "getKeyPropertyListString", "()Ljava/lang/String;") &&
        MID(m_mbi_attrs, c_mbi, "getAttributes", "()[Ljavax/management/MBeanAttributeInfo;") &&
        MID(m_mbi_descriptor, c_mbi, "getDescriptor", "()Ljavax/management/Descriptor;") &&
        MID(m_desc_field, c_desc, "getFieldValue", "(Ljava/lang/String;)Ljava/lang/Object;") &&
        MID(m_mbai_readable, c_mbai, "isReadable", "()Z") &&
        MID(m_mbai_name, c_mbai, "getName", "()Ljava/lang/String;") &&
        MID(m_mbai_type, c_mbai, "getType", "()Ljava/lang/String;") &&
        MID(m_mbai_desc, c_mbai, "getDescription", "()Ljava/lang/String;") &&
        MID(m_attr_name, c_attr, "getName", "()Ljava/lang/String;") &&
        MID(m_attr_value, c_attr, "getValue", "()Ljava/lang/Object;") &&
        MID(m_coll_to_array, c_coll, "toArray", "()[Ljava/lang/Object;") &&
        MID(m_list_to_array, c_list, "toArray", "()[Ljava/lang/Object;") &&
        MID(m_double_value, c_number, "doubleValue", "()D") &&
        MID(m_long_value, c_number, "longValue", "()J") &&
        MID(m_float_value, c_number, "floatValue", "()F") &&
        MID(m_bool_value, c_boolean, "booleanValue", "()Z") &&
        MID(m_date_time, c_date, "getTime", "()J") &&
        MID(m_cd_type, c_cd, "getCompositeType", "()Ljavax/management/openmbean/CompositeType;") &&
        MID(m_cd_get, c_cd, "get", "(Ljava/lang/String;)Ljava/lang/Object;") &&
        MID(m_cd_values, c_cd, "values", "()Ljava/util/Collection;") &&
        MID(m_ct_keyset, c_ct, "keySet", "()Ljava/util/Set;") &&
        MID(m_type_desc, c_ct, "getDescription", "()Ljava/lang/String;") &&
        MID(m_td_type, c_td, "getTabularType", "()Ljavax/management/openmbean/TabularType;") &&
        MID(m_td_values, c_td, "values", "()Ljava/util/Collection;") &&
        MID(m_tt_index, c_tt, "getIndexNames", "()Ljava/util/List;") &&
        MID(m_tt_row, c_tt, "getRowType", "()Ljavax/management/openmbean/CompositeType;") &&
        MID(m_opt_present, c_optional, "isPresent", "()Z") &&
        MID(m_opt_get, c_optional, "get", "()Ljava/lang/Object;") &&
        MID(m_to_string, c_object, "toString", "()Ljava/lang/String;") &&
        MID(m_get_class, c_object, "getClass", "()Ljava/lang/Class;") &&
        MID(m_is_array, c_class, "isArray", "()Z");
#undef CLS
#undef MID
    if (ok) {
        /* Private fields of final JDK classes (the boxes; Attribute and
         * ObjectName only when the object is of exactly that class): JNI
         * does no access checks, and their getters return them as is. */
#define FLD(field, cls, name, sig) \
        (j->field = (*env)->GetFieldID(env, j->cls, name, sig), jxa_jni_clear(env))
        FLD(f_long, c_long, "value", "J");
        FLD(f_int, c_integer, "value", "I");
        FLD(f_short, c_short, "value", "S");
        FLD(f_byte, c_byte, "value", "B");
        FLD(f_double, c_double, "value", "D");
        FLD(f_float, c_float, "value", "F");
        FLD(f_bool, c_boolean, "value", "Z");
        FLD(f_attr_name, c_attr, "name", "Ljava/lang/String;");
        FLD(f_attr_value, c_attr, "value", "Ljava/lang/Object;");
        FLD(f_on_canonical, c_on, "_canonicalName", "Ljava/lang/String;");
        /* MBeanAttributeInfo (JDK 8-25): isReadable(), getType() return
         * these, getName() and getDescription() MBeanFeatureInfo's. */
        FLD(f_mbai_read, c_mbai, "isRead", "Z");
        FLD(f_mbai_type, c_mbai, "attributeType", "Ljava/lang/String;");
        FLD(f_mbai_name, c_mbai, "name", "Ljava/lang/String;");
        FLD(f_mbai_desc, c_mbai, "description", "Ljava/lang/String;");
#undef FLD
    }
    return ok;
}

struct jxa_jmx *jxa_jmx_new(void)
{
    return calloc(1, sizeof(struct jxa_jmx));
}

void jxa_jmx_free(struct jxa_jmx *j, JNIEnv *env)
{
    if (j == NULL)
        return;
    for (size_t i = 0; i < j->nbuckets; i++) {
        struct bean *b = j->table[i];
        while (b) {
            struct bean *next = b->next;
            bean_free(b, env);
            b = next;
        }
    }
    free(j->table);
    free(j->last);
    /* Class refs are left to the VM: JDK classes are never unloaded. */
    if (env != NULL && j->mbs != NULL)
        (*env)->DeleteGlobalRef(env, j->mbs);
    free(j);
}

void jxa_jmx_config_changed(struct jxa_jmx *j)
{
    j->cfg_gen++;
}

size_t jxa_jmx_nbeans(const struct jxa_jmx *j)
{
    return j->nbeans;
}

/* ------------------------------------------------------------ readiness */

static bool property_set(JNIEnv *env, const char *name, const char *contains)
{
    char *v = jxa_jni_sysprop(env, name);
    bool r = v != NULL && (contains == NULL || strstr(v, contains) != NULL);
    free(v);
    return r;
}

/* Containers that install their own LogManager or MBeanServer builder
 * (WildFly/JBoss: jmx_exporter #455, #641, #1106, #1285; WebLogic) must
 * create the platform MBeanServer themselves first.  Longest wait before
 * we create it anyway. */
#define CONTAINER_MAX_WAIT_S 60.0

bool jxa_jmx_ready(struct jxa_jmx *j, JNIEnv *env, const struct jxa_config *cfg,
                   double uptime_s)
{
    if (j->ready)
        return true;
    if (uptime_s < (double)cfg->start_delay_seconds)
        return false;
    if (!j->classes_ok) {
        j->classes_ok = init_classes(j, env);
        if (!j->classes_ok) {
            jxa_error("JMX classes not available; exporting native metrics only");
            return false;
        }
    }
    bool go = false;
    if (j->f_platform_server != NULL) {
        jobject s = (*env)->GetStaticObjectField(env, j->c_mf, j->f_platform_server);
        jxa_jni_clear(env);
        if (s != NULL) {
            go = true;      /* somebody created it: always safe */
            (*env)->DeleteLocalRef(env, s);
        }
    }
    if (!go) {
        bool container = property_set(env, "java.util.logging.manager", NULL) ||
                         property_set(env, "javax.management.builder.initial", NULL) ||
                         property_set(env, "sun.java.command", "jboss-modules");
        if (!container)
            go = true;
        else if (jxa_jvmti_class_initialized(env, "Ljava/util/logging/LogManager;"))
            go = true;
        else if (uptime_s >= CONTAINER_MAX_WAIT_S) {
            jxa_warn("custom LogManager/MBeanServer builder did not initialise within "
                     "%.0f s; starting JMX anyway", CONTAINER_MAX_WAIT_S);
            go = true;
        } else if (!j->logged_wait) {
            jxa_info("waiting for the container to initialise JMX before the first walk");
            j->logged_wait = true;
        }
    }
    if (!go)
        return false;
    jobject mbs = jxa_jni_static_obj(env, j->c_mf, j->m_get_pmbs);
    if (mbs == NULL) {
        jxa_error("ManagementFactory.getPlatformMBeanServer() failed");
        return false;
    }
    j->mbs = (*env)->NewGlobalRef(env, mbs);
    (*env)->DeleteLocalRef(env, mbs);
    j->ready = j->mbs != NULL;
    return j->ready;
}

/* ----------------------------------------------------------------- walk */

struct walk {
    struct jxa_jmx *j;
    JNIEnv *env;
    const struct jxa_config *cfg;
    struct jxa_engine *eng;
    struct jxa_mset *out;
    struct bean *b;
    jobject on;                     /* current ObjectName (local) */

    struct jxa_prop *props;         /* bean props + tabular index props */
    size_t nprops, capprops;
    size_t nborrowed;               /* props[0..nborrowed): the bean's own
                                       strings, not freed by pop_props */
    const char *keys[MAX_DEPTH + 1];
    size_t nkeys;

    struct jxa_prop *alabels;       /* attributesAsLabels of the bean */
    size_t nalabels, capalabels;

    struct jxa_buf text;            /* value text scratch */
    struct jxa_buf aname;           /* attribute name scratch */
    size_t first_rule;              /* of the attribute being read */
    const struct jxa_slot *slot;    /* of the attribute being read */
    unsigned char *box_hint;        /* its box at the last walk (fast_scalar) */
    bool framed;                    /* in the bulk loop's chunk frame: its
                                       value's local refs die with it */
    char *err;
    size_t errlen;
    bool failed;                    /* a rule raised a scrape error */
};

static jobjectArray to_array(struct walk *w, jobject coll)
{
    return (jobjectArray)jxa_jni_obj(w->env, coll, w->j->m_coll_to_array);
}

/* o as a malloc'ed C string when it is a java.lang.String, else NULL.  The
 * collections that should hold Strings (a CompositeType's keySet(), a
 * TabularType's index names) can be subclassed to hold anything, and a JNI
 * string call on another class, or a String parameter bound to one, is
 * undefined behaviour (-Xcheck:jni: a fatal error). */
static char *str_of(struct walk *w, jobject o)
{
    if (o == NULL || !(*w->env)->IsInstanceOf(w->env, o, w->j->c_string))
        return NULL;
    return jxa_jni_strdup(w->env, o);
}

static bool name_in(char *const *list, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (list[i] != NULL && strcmp(list[i], name) == 0)
            return true;
    return false;
}

static void auto_exclude(struct walk *w, const char *attr)
{
    struct bean *b = w->b;
    if (!w->cfg->auto_exclude_attributes || name_in(b->auto_excluded, b->nauto_excluded, attr))
        return;
    char **n = realloc(b->auto_excluded, (b->nauto_excluded + 1) * sizeof *n);
    if (n == NULL)
        return;
    b->auto_excluded = n;
    if ((n[b->nauto_excluded] = strdup(attr)) != NULL) {
        b->nauto_excluded++;
        b->fetch_dirty = true;
    }
}

static void record(struct walk *w, const char *attr, const char *desc,
                   enum jxa_vkind kind, double num)
{
    if (w->failed)
        return;
    struct jxa_leaf leaf = {
        .domain = w->b->domain,
        .props = w->props,
        .nprops = w->nprops,
        .attr_keys = w->keys,
        .nattr_keys = w->nkeys,
        .attr = attr,
        .description = desc,
        .kind = kind,
        .num = num,
        .text = jxa_buf_str(&w->text),
        .attr_labels = w->alabels,
        .nattr_labels = w->nalabels,
        /* Only for the attribute's own value: a declared scalar type
         * guarantees it has no keys or index labels of its own. */
        .first_rule = w->nkeys == 0 && w->nprops == w->nborrowed ? w->first_rule : 0,
        .slot = w->nkeys == 0 && w->nprops == w->nborrowed ? w->slot : NULL,
    };
    if (jxa_engine_record(w->eng, &leaf, w->out, w->err, w->errlen) != 0)
        w->failed = true;
}

/* Takes ownership of key and value; a NULL one (out of memory, or a
 * toString() that threw) adds nothing and returns false. */
static bool push_prop(struct walk *w, char *key, char *value)
{
    if (key == NULL || value == NULL) {
        free(key);
        free(value);
        return false;
    }
    if (w->nprops == w->capprops) {
        size_t cap = w->capprops ? w->capprops * 2 : 16;
        struct jxa_prop *p = realloc(w->props, cap * sizeof *p);
        if (p == NULL) {
            free(key);
            free(value);
            return false;
        }
        w->props = p;
        w->capprops = cap;
    }
    w->props[w->nprops].key = key;
    w->props[w->nprops].value = value;
    w->nprops++;
    return true;
}

static void pop_props(struct walk *w, size_t to)
{
    while (w->nprops > to) {
        w->nprops--;
        if (w->nprops < w->nborrowed)
            continue;
        free(w->props[w->nprops].key);
        free(w->props[w->nprops].value);
    }
    if (w->nborrowed > w->nprops)
        w->nborrowed = w->nprops;
}

/* The bean's properties as the first props of the walk, pointing at the
 * bean cache's strings (they live as long as the bean, past this walk). */
static bool borrow_props(struct walk *w, const struct bean *b)
{
    if (b->nprops > w->capprops) {
        struct jxa_prop *p = realloc(w->props, (b->nprops + 16) * sizeof *p);
        if (p == NULL)
            return false;
        w->props = p;
        w->capprops = b->nprops + 16;
    }
    memcpy(w->props, b->props, b->nprops * sizeof *w->props);
    w->nprops = w->nborrowed = b->nprops;
    return true;
}

static bool has_prop(struct walk *w, const char *key)
{
    for (size_t i = 0; i < w->nprops; i++)
        if (strcmp(w->props[i].key, key) == 0)
            return true;
    return false;
}

static void process_value(struct walk *w, jobject v, const char *attr,
                          const char *desc, int depth);

/* Number -> sample value and String.valueOf text.  Integral boxes print
 * from longValue() so values beyond 2^53 keep their digits; Double and
 * Float print as Double.toString/Float.toString do; anything else
 * (BigInteger, BigDecimal, custom Numbers) through its own toString(). */
static void process_number(struct walk *w, jobject v, const char *attr, const char *desc)
{
    JNIEnv *env = w->env;
    struct jxa_jmx *j = w->j;
    char num[JXA_NUMBUF];
    double d;
    jxa_buf_reset(&w->text);
    /* One upcall per value where the box allows it: for the integral boxes
     * longValue() gives the digits, and their doubleValue() is the same
     * (double) conversion of that long. */
    if ((*env)->IsInstanceOf(env, v, j->c_long) || (*env)->IsInstanceOf(env, v, j->c_integer) ||
        (*env)->IsInstanceOf(env, v, j->c_short) || (*env)->IsInstanceOf(env, v, j->c_byte) ||
        (*env)->IsInstanceOf(env, v, j->c_atomic_long) ||
        (*env)->IsInstanceOf(env, v, j->c_atomic_int)) {
        int64_t l;
        if (jxa_jni_long(env, v, j->m_long_value, &l) != 0)
            return;
        d = (double)l;
        jxa_buf_put(&w->text, num, jxa_java_long(num, l));
    } else if ((*env)->IsInstanceOf(env, v, j->c_float)) {
        float f;
        if (jxa_jni_float(env, v, j->m_float_value, &f) != 0)
            return;
        d = (double)f;      /* Float.doubleValue() is this widening */
        jxa_buf_put(&w->text, num, jxa_java_float(num, f));
    } else {
        if (jxa_jni_double(env, v, j->m_double_value, &d) != 0)
            return;
        if ((*env)->IsInstanceOf(env, v, j->c_double)) {
            jxa_buf_put(&w->text, num, jxa_java_double(num, d));
        } else {
            /* BigInteger, BigDecimal, custom Numbers: their own toString(). */
            jstring s = jxa_jni_obj(env, v, j->m_to_string);
            if (s == NULL)
                return;
            int rc = jxa_jni_str(env, s, &w->text);
            (*env)->DeleteLocalRef(env, s);
            if (rc != 0)
                return;
        }
    }
    record(w, attr, desc, JXA_V_NUMBER, d);
}

/* The boxes fast_scalar reads by field, in the order it tries them. */
enum box { BOX_NONE, BOX_LONG, BOX_INT, BOX_DOUBLE, BOX_BOOL, BOX_STRING, BOX_FLOAT,
           BOX_SHORT, BOX_BYTE, BOX_N };

/* cls is box k's class, and its field is known. */
static bool is_box(struct walk *w, jclass cls, int k)
{
    struct jxa_jmx *j = w->j;
    jclass c;
    switch (k) {
    case BOX_LONG: c = j->f_long ? j->c_long : NULL; break;
    case BOX_INT: c = j->f_int ? j->c_integer : NULL; break;
    case BOX_DOUBLE: c = j->f_double ? j->c_double : NULL; break;
    case BOX_BOOL: c = j->f_bool ? j->c_boolean : NULL; break;
    case BOX_STRING: c = j->c_string; break;
    case BOX_FLOAT: c = j->f_float ? j->c_float : NULL; break;
    case BOX_SHORT: c = j->f_short ? j->c_short : NULL; break;
    case BOX_BYTE: c = j->f_byte ? j->c_byte : NULL; break;
    default: return false;
    }
    return c != NULL && (*w->env)->IsSameObject(w->env, cls, c);
}

/* The common values - Long, Integer, Double, Boolean, String, ... - by
 * class identity (final classes) and field reads: no call into Java, four
 * JNI transitions instead of up to ten.  Same text and value as the
 * general path below.  Returns false when v is none of them.
 * w->box_hint, when set, is the box the attribute held at the last walk
 * (a getter's values keep their class), tried first and updated. */
static bool fast_scalar(struct walk *w, jobject v, const char *attr, const char *desc,
                        bool top)
{
    JNIEnv *env = w->env;
    struct jxa_jmx *j = w->j;
    jclass cls = (*env)->GetObjectClass(env, v);
    if (cls == NULL)
        return false;
    unsigned char *hint = top ? w->box_hint : NULL;
    int k = BOX_NONE;
    if (hint != NULL && *hint != BOX_NONE && is_box(w, cls, *hint))
        k = *hint;
    for (int t = BOX_LONG; k == BOX_NONE && t < BOX_N; t++)
        if ((hint == NULL || t != *hint) && is_box(w, cls, t))
            k = t;
    if (hint != NULL)
        *hint = (unsigned char)k;
    /* The attribute's own value in the bulk loop's chunk frame
     * (scrape_bean): the ref dies with the frame. */
    if (!top || !w->framed)
        (*env)->DeleteLocalRef(env, cls);
    char num[JXA_NUMBUF];
    int64_t l;
    switch (k) {
    case BOX_LONG: l = (*env)->GetLongField(env, v, j->f_long); break;
    case BOX_INT: l = (*env)->GetIntField(env, v, j->f_int); break;
    case BOX_SHORT: l = (*env)->GetShortField(env, v, j->f_short); break;
    case BOX_BYTE: l = (*env)->GetByteField(env, v, j->f_byte); break;
    case BOX_DOUBLE: {
        double d = (*env)->GetDoubleField(env, v, j->f_double);
        jxa_buf_reset(&w->text);
        jxa_buf_put(&w->text, num, jxa_java_double(num, d));
        record(w, attr, desc, JXA_V_NUMBER, d);
        return true;
    }
    case BOX_BOOL: {
        bool b = (*env)->GetBooleanField(env, v, j->f_bool) == JNI_TRUE;
        jxa_buf_reset(&w->text);
        jxa_buf_puts(&w->text, b ? "true" : "false");
        record(w, attr, desc, JXA_V_BOOL, b ? 1.0 : 0.0);
        return true;
    }
    case BOX_STRING:
        jxa_buf_reset(&w->text);
        if (jxa_jni_str(env, (jstring)v, &w->text) == 0)
            record(w, attr, desc, JXA_V_STRING, 0);
        return true;
    case BOX_FLOAT: {
        float f = (*env)->GetFloatField(env, v, j->f_float);
        jxa_buf_reset(&w->text);
        jxa_buf_put(&w->text, num, jxa_java_float(num, f));
        record(w, attr, desc, JXA_V_NUMBER, (double)f);
        return true;
    }
    default:
        return false;
    }
    /* As process_number: longValue() digits, (double) of the long. */
    jxa_buf_reset(&w->text);
    jxa_buf_put(&w->text, num, jxa_java_long(num, l));
    record(w, attr, desc, JXA_V_NUMBER, (double)l);
    return true;
}

static void process_composite(struct walk *w, jobject cd, const char *attr, int depth)
{
    JNIEnv *env = w->env;
    struct jxa_jmx *j = w->j;
    /* A frame per level: nested composites would otherwise hold six local
     * refs per level at once, past the walk's frame (-Xcheck:jni warns). */
    if ((*env)->PushLocalFrame(env, 16) != 0) {
        jxa_jni_clear(env);
        return;
    }
    jobject type = jxa_jni_obj(env, cd, j->m_cd_type);
    if (type == NULL) {
        (*env)->PopLocalFrame(env, NULL);
        return;
    }
    jstring jdesc = jxa_jni_obj(env, type, j->m_type_desc);
    char *desc = jdesc ? jxa_jni_strdup(env, jdesc) : NULL;
    jobject keyset = jxa_jni_obj(env, type, j->m_ct_keyset);
    jobjectArray keys = keyset ? to_array(w, keyset) : NULL;
    /* values() iterates in ascending key order, like keySet() (a TreeSet):
     * two toArray() calls instead of one get() per key. */
    jobject values = jxa_jni_obj(env, cd, j->m_cd_values);
    jobjectArray vals = values ? to_array(w, values) : NULL;
    if (keys != NULL && vals != NULL) {
        jsize n = (*env)->GetArrayLength(env, keys);
        if ((*env)->GetArrayLength(env, vals) == n && w->nkeys < MAX_DEPTH) {
            w->keys[w->nkeys++] = attr;
            for (jsize i = 0; i < n && !w->failed && !jxa_jni_fatal; i++) {
                jstring k = jxa_jni_elem(env, keys, i);
                jobject v = jxa_jni_elem(env, vals, i);
                char *key = str_of(w, k);
                if (key != NULL)
                    process_value(w, v, key, desc, depth + 1);
                free(key);
                if (k) (*env)->DeleteLocalRef(env, k);
                if (v) (*env)->DeleteLocalRef(env, v);
            }
            w->nkeys--;
        }
    }
    free(desc);
    (*env)->PopLocalFrame(env, NULL);
}

static char *obj_to_string(struct walk *w, jobject o)
{
    if (o == NULL)
        return strdup("null");
    return jxa_jni_call_str(w->env, o, w->j->m_to_string);
}

/* One row's index columns become labels (jmx_exporter JmxScraper: a name
 * already present gets '_' appended until unique; a composite index value
 * expands to <index>_<key> labels). */
static void add_index_labels(struct walk *w, jobject row, jobjectArray index)
{
    JNIEnv *env = w->env;
    struct jxa_jmx *j = w->j;
    jsize n = (*env)->GetArrayLength(env, index);
    for (jsize i = 0; i < n; i++) {
        jstring jidx = jxa_jni_elem(env, index, i);
        char *idx = str_of(w, jidx);
        jobject obj = idx ? jxa_jni_obj(env, row, j->m_cd_get, jidx) : NULL;
        if (jidx) (*env)->DeleteLocalRef(env, jidx);
        if (obj == NULL || idx == NULL) {
            free(idx);
            if (obj) (*env)->DeleteLocalRef(env, obj);
            continue;
        }
        struct jxa_buf name = {0};
        jxa_buf_puts(&name, idx);
        free(idx);
        for (int guard = 0; has_prop(w, jxa_buf_str(&name)) && guard < 1000; guard++)
            jxa_buf_putc(&name, '_');
        if ((*env)->IsInstanceOf(env, obj, j->c_cd)) {
            jobject type = jxa_jni_obj(env, obj, j->m_cd_type);
            jobject ks = type ? jxa_jni_obj(env, type, j->m_ct_keyset) : NULL;
            jobjectArray karr = ks ? to_array(w, ks) : NULL;
            jsize nk = karr ? (*env)->GetArrayLength(env, karr) : 0;
            for (jsize k = 0; k < nk; k++) {
                jstring jk = jxa_jni_elem(env, karr, k);
                char *kname = str_of(w, jk);
                if (kname == NULL) {
                    if (jk) (*env)->DeleteLocalRef(env, jk);
                    continue;
                }
                jobject kv = jxa_jni_obj(env, obj, j->m_cd_get, jk);
                struct jxa_buf full = {0};
                jxa_buf_printf(&full, "%s_%s", jxa_buf_str(&name), kname);
                push_prop(w, jxa_buf_steal(&full), obj_to_string(w, kv));
                free(kname);
                if (kv) (*env)->DeleteLocalRef(env, kv);
                (*env)->DeleteLocalRef(env, jk);
            }
            if (type) (*env)->DeleteLocalRef(env, type);
            if (ks) (*env)->DeleteLocalRef(env, ks);
            if (karr) (*env)->DeleteLocalRef(env, karr);
            jxa_buf_free(&name);
        } else {
            push_prop(w, jxa_buf_steal(&name), obj_to_string(w, obj));
        }
        (*env)->DeleteLocalRef(env, obj);
    }
}

static void process_tabular(struct walk *w, jobject td, const char *attr, int depth)
{
    JNIEnv *env = w->env;
    struct jxa_jmx *j = w->j;
    if ((*env)->PushLocalFrame(env, 32) != 0) {
        jxa_jni_clear(env);
        return;
    }
    jobject tt = jxa_jni_obj(env, td, j->m_td_type);
    jobject index_list = tt ? jxa_jni_obj(env, tt, j->m_tt_index) : NULL;
    jobjectArray index = index_list ? (jobjectArray)jxa_jni_obj(env, index_list, j->m_list_to_array) : NULL;
    jobject row_type = tt ? jxa_jni_obj(env, tt, j->m_tt_row) : NULL;
    jobject row_keyset = row_type ? jxa_jni_obj(env, row_type, j->m_ct_keyset) : NULL;
    jobjectArray row_keys = row_keyset ? to_array(w, row_keyset) : NULL;
    jstring jdesc = row_type ? jxa_jni_obj(env, row_type, j->m_type_desc) : NULL;
    jobject rows_coll = jxa_jni_obj(env, td, j->m_td_values);
    jobjectArray rows = rows_coll ? to_array(w, rows_coll) : NULL;
    if (index == NULL || row_keys == NULL || rows == NULL)
        goto out;
    char *desc = jdesc ? jxa_jni_strdup(env, jdesc) : NULL;

    /* Value columns: the row type's keys (sorted) minus the index names. */
    jsize nidx = (*env)->GetArrayLength(env, index);
    jsize nkeys = (*env)->GetArrayLength(env, row_keys);
    char **idx_names = calloc((size_t)nidx + 1, sizeof *idx_names);
    char **val_names = calloc((size_t)nkeys + 1, sizeof *val_names);
    jstring *val_jnames = calloc((size_t)nkeys + 1, sizeof *val_jnames);
    size_t nval = 0;
    if (idx_names == NULL || val_names == NULL || val_jnames == NULL)
        goto out_free;
    for (jsize i = 0; i < nidx; i++) {
        jstring s = jxa_jni_elem(env, index, i);
        idx_names[i] = str_of(w, s);
    }
    for (jsize i = 0; i < nkeys; i++) {
        jstring s = jxa_jni_elem(env, row_keys, i);
        char *k = str_of(w, s);
        if (k == NULL || name_in(idx_names, (size_t)nidx, k)) {
            free(k);
            continue;
        }
        val_jnames[nval] = s;
        val_names[nval++] = k;
    }

    jsize nrows = (*env)->GetArrayLength(env, rows);
    for (jsize r = 0; r < nrows && !w->failed && !jxa_jni_fatal; r++) {
        jobject row = jxa_jni_elem(env, rows, r);
        if (row == NULL)
            continue;
        if (!(*env)->IsInstanceOf(env, row, j->c_cd)) {
            (*env)->DeleteLocalRef(env, row);
            continue;
        }
        size_t saved = w->nprops;
        add_index_labels(w, row, index);
        for (size_t v = 0; v < nval && !w->failed; v++) {
            jobject val = jxa_jni_obj(env, row, j->m_cd_get, val_jnames[v]);
            if (strcasecmp(val_names[v], "value") == 0) {
                /* A column named "value" stands for the attribute itself:
                 * MXBean Map<K,V> rows export without a _value suffix. */
                process_value(w, val, attr, desc, depth + 1);
            } else if (w->nkeys < MAX_DEPTH) {
                w->keys[w->nkeys++] = attr;
                process_value(w, val, val_names[v], desc, depth + 1);
                w->nkeys--;
            }
            if (val) (*env)->DeleteLocalRef(env, val);
        }
        pop_props(w, saved);
        (*env)->DeleteLocalRef(env, row);
    }
out_free:
    if (idx_names)
        for (jsize i = 0; i < nidx; i++)
            free(idx_names[i]);
    for (size_t i = 0; i < nval; i++)
        free(val_names[i]);
    free(idx_names);
    free(val_names);
    free(val_jnames);
    free(desc);
out:
    (*env)->PopLocalFrame(env, NULL);
}

static void process_value(struct walk *w, jobject v, const char *attr,
                          const char *desc, int depth)
{
    JNIEnv *env = w->env;
    struct jxa_jmx *j = w->j;
    if (v == NULL || depth > MAX_DEPTH || w->failed || jxa_jni_fatal)
        return;
    if (fast_scalar(w, v, attr, desc, depth == 0))
        return;
    if ((*env)->IsInstanceOf(env, v, j->c_number)) {
        process_number(w, v, attr, desc);
    } else if ((*env)->IsInstanceOf(env, v, j->c_string)) {
        jxa_buf_reset(&w->text);
        if (jxa_jni_str(env, (jstring)v, &w->text) == 0)
            record(w, attr, desc, JXA_V_STRING, 0);
    } else if ((*env)->IsInstanceOf(env, v, j->c_boolean)) {
        bool b;
        if (jxa_jni_bool(env, v, j->m_bool_value, &b) != 0)
            return;
        jxa_buf_reset(&w->text);
        jxa_buf_puts(&w->text, b ? "true" : "false");
        record(w, attr, desc, JXA_V_BOOL, b ? 1.0 : 0.0);
    } else if ((*env)->IsInstanceOf(env, v, j->c_date)) {
        int64_t ms;
        if (jxa_jni_long(env, v, j->m_date_time, &ms) != 0)
            return;
        double s = (double)ms / 1000.0;
        char num[JXA_NUMBUF];
        jxa_buf_reset(&w->text);
        jxa_buf_put(&w->text, num, jxa_java_double(num, s));
        record(w, attr, desc, JXA_V_NUMBER, s);
    } else if ((*env)->IsInstanceOf(env, v, j->c_cd)) {
        process_composite(w, v, attr, depth);
    } else if ((*env)->IsInstanceOf(env, v, j->c_td)) {
        process_tabular(w, v, attr, depth);
    } else if ((*env)->IsInstanceOf(env, v, j->c_optional)) {
        bool present;
        if (jxa_jni_bool(env, v, j->m_opt_present, &present) != 0 || !present)
            return;
        jobject inner = jxa_jni_obj(env, v, j->m_opt_get);
        process_value(w, inner, attr, desc, depth + 1);
        if (inner) (*env)->DeleteLocalRef(env, inner);
    } else if ((*env)->IsInstanceOf(env, v, j->c_enum)) {
        jstring s = jxa_jni_obj(env, v, j->m_to_string);
        if (s == NULL)
            return;
        jxa_buf_reset(&w->text);
        if (jxa_jni_str(env, s, &w->text) == 0)
            record(w, attr, desc, JXA_V_STRING, 0);
        (*env)->DeleteLocalRef(env, s);
    } else {
        jobject cls = jxa_jni_obj(env, v, j->m_get_class);
        bool is_array = false;
        if (cls != NULL) {
            jxa_jni_bool(env, cls, j->m_is_array, &is_array);
            (*env)->DeleteLocalRef(env, cls);
        }
        if (!is_array)
            auto_exclude(w, attr);
    }
}

/* --------------------------------------------------------- bean set-up */

/* The value class a declared attribute type guarantees.  Only primitives
 * and final classes: a getter declared to return one returns it (or
 * null), and the walk prints them with the number alphabet of
 * jxa_engine_needs_value (process_number). */
static enum jxa_vclass vclass_of(const char *type)
{
    static const char *const numbers[] = {
        "long", "int", "short", "byte", "double", "float", "java.lang.Long",
        "java.lang.Integer", "java.lang.Short", "java.lang.Byte", "java.lang.Double",
        "java.lang.Float"};
    for (size_t i = 0; i < sizeof numbers / sizeof *numbers; i++)
        if (strcmp(type, numbers[i]) == 0)
            return JXA_VC_NUMBER;
    if (strcmp(type, "boolean") == 0 || strcmp(type, "java.lang.Boolean") == 0)
        return JXA_VC_BOOL;
    if (strcmp(type, "java.lang.String") == 0)
        return JXA_VC_STRING;
    return JXA_VC_ANY;
}

/* MBeanServer.isInstanceOf(name, DynamicMBean): a Standard MBean's or
 * MXBean's MBeanInfo is introspected from its interface, so the declared
 * types are the getters' return types; a DynamicMBean writes its MBeanInfo
 * itself, and nothing makes its getAttribute return the declared class
 * (docs/bench.md, "Fetching only what can produce a sample").  An error
 * counts as dynamic. */
static bool is_dynamic(struct walk *w)
{
    JNIEnv *env = w->env;
    jstring cls = (*env)->NewStringUTF(env, "javax.management.DynamicMBean");
    if (cls == NULL || jxa_jni_clear(env))
        return true;
    bool r = true;
    jboolean yes = (*env)->CallBooleanMethod(env, w->j->mbs, w->j->m_is_instance_of, w->on, cls);
    if (!jxa_jni_clear(env))
        r = yes == JNI_TRUE;
    (*env)->DeleteLocalRef(env, cls);
    return r;
}

static bool is_runtime_skip(const struct bean *b, const char *attr)
{
    /* jmx_exporter skips these: huge strings nobody exports. */
    static const char *const skip[] = {"SystemProperties", "ClassPath",
                                       "BootClassPath", "LibraryPath"};
    if (strcmp(b->canonical, "java.lang:type=Runtime") != 0)
        return false;
    for (size_t i = 0; i < sizeof skip / sizeof *skip; i++)
        if (strcasecmp(attr, skip[i]) == 0)
            return true;
    return false;
}

static const struct jxa_attr_filter *find_filter(const struct jxa_attr_filter *f, size_t n,
                                                 const char *canonical)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(f[i].canonical, canonical) == 0)
            return &f[i];
    return NULL;
}

static bool in_filter(const struct jxa_attr_filter *f, const char *attr)
{
    return f != NULL && name_in(f->attrs, f->nattrs, attr);
}

static const char *const jvm_domains[] = {
    "com.sun.management", "com.sun.management.jmxremote", "java.lang", "java.nio",
    "java.util.logging", "javax.management", "javax.management.remote", "jdk.internal",
    "jdk.management", "jdk.management.jfr", "sun.management",
};

static bool decide_included(const struct jxa_config *cfg, const struct bean *b)
{
    /* Every attribute of the JFR bean is skipped by jmx_exporter; it is
     * also the most expensive platform bean (docs/design.md §6). */
    if (strcmp(b->canonical, "jdk.management.jfr:type=FlightRecorder") == 0)
        return false;
    /* explicit: named by an includeObjectNames entry (not the absent
     * key's query-everything). */
    bool explicit = false;
    for (size_t i = 0; !explicit && i < cfg->ninclude; i++)
        explicit = jxa_objname_match(&cfg->include[i], b->domain, b->props, b->nprops);
    if (!cfg->include_all && !explicit)
        return false;
    for (size_t i = 0; i < cfg->nexclude; i++)
        if (jxa_objname_match(&cfg->exclude[i], b->domain, b->props, b->nprops))
            return false;
    /* excludeJvmMetrics drops the JVM's own domains, except beans an
     * includeObjectNames entry names and no excludeObjectNames entry
     * removes: jmx_exporter after 1.6.0 (JmxScraper, commit 2fa937d,
     * "Fixed configuration precedence"); before it, the JVM domains were
     * plain excludeObjectNames entries (1.4-1.6.0). */
    if (cfg->exclude_jvm_metrics && !explicit)
        for (size_t i = 0; i < sizeof jvm_domains / sizeof *jvm_domains; i++)
            if (strcmp(b->domain, jvm_domains[i]) == 0)
                return false;
    return true;
}

/* JmxScraper.getMetricCustomizer: the first customizer whose domain equals
 * the bean's and whose properties are all key properties of the bean with
 * the same value (getKeyPropertyList().entrySet().containsAll). */
static const struct jxa_customizer *find_customizer(const struct jxa_config *cfg,
                                                    const struct bean *b)
{
    for (size_t i = 0; i < cfg->ncustomizers; i++) {
        const struct jxa_customizer *cu = &cfg->customizers[i];
        if (strcmp(cu->domain, b->domain) != 0)
            continue;
        bool all = true;
        for (size_t p = 0; p < cu->nprops && all; p++) {
            bool found = false;
            for (size_t q = 0; q < b->nprops && !found; q++)
                found = strcmp(b->props[q].key, cu->props[p].key) == 0 &&
                        strcmp(b->props[q].value, cu->props[p].value) == 0;
            all = found;
        }
        if (all)
            return cu;
    }
    return NULL;
}

static bool is_exactly(struct walk *w, jobject o, jclass cls);

static bool load_info(struct walk *w)
{
    JNIEnv *env = w->env;
    struct jxa_jmx *j = w->j;
    struct bean *b = w->b;
    bean_free_info(b, env);
    jobject info = jxa_jni_obj(env, j->mbs, j->m_get_mbean_info, w->on);
    if (info == NULL)
        return false;
    jobjectArray attrs = jxa_jni_obj(env, info, j->m_mbi_attrs);
    jsize n = attrs ? (*env)->GetArrayLength(env, attrs) : 0;
    b->attrs = calloc((size_t)n + 1, sizeof *b->attrs);
    if (b->attrs == NULL)
        return false;
    for (jsize i = 0; i < n; i++) {
        jobject a = jxa_jni_elem(env, attrs, i);
        if (a == NULL)
            continue;
        /* A standard MBean's MBeanAttributeInfo is of exactly that class:
         * its fields are what the getters return, read without the four
         * upcalls (the first walk of 100,000 beans makes 500,000 such
         * reads; docs/bench.md, "The walk's own work per sample").  A
         * subclass (an MXBean's OpenMBeanAttributeInfoSupport) may
         * override a getter: asked through it. */
        bool fields = j->f_mbai_read != NULL && j->f_mbai_type != NULL &&
                      j->f_mbai_name != NULL && j->f_mbai_desc != NULL &&
                      is_exactly(w, a, j->c_mbai);
        bool readable = false;
        if (fields)
            readable = (*env)->GetBooleanField(env, a, j->f_mbai_read) == JNI_TRUE;
        else
            jxa_jni_bool(env, a, j->m_mbai_readable, &readable);
        jstring jname = !readable ? NULL
                        : fields ? (*env)->GetObjectField(env, a, j->f_mbai_name)
                                 : jxa_jni_obj(env, a, j->m_mbai_name);
        jstring jtype = jname == NULL ? NULL
                        : fields ? (*env)->GetObjectField(env, a, j->f_mbai_type)
                                 : jxa_jni_obj(env, a, j->m_mbai_type);
        char *type = jtype ? jxa_jni_strdup(env, jtype) : NULL;
        /* Arrays never produce a sample (jmx_exporter skips them after
         * fetching); not fetching them at all is the cheaper equivalent. */
        if (jname != NULL && type != NULL && type[0] != '[') {
            jstring jdesc = fields ? (*env)->GetObjectField(env, a, j->f_mbai_desc)
                                   : jxa_jni_obj(env, a, j->m_mbai_desc);
            struct attr *at = &b->attrs[b->nattrs];
            at->name = jxa_jni_strdup(env, jname);
            at->desc = jdesc ? jxa_jni_strdup(env, jdesc) : NULL;
            at->vc = vclass_of(type);
            if (at->name != NULL)
                b->nattrs++;
            else
                free(at->desc);
            if (jdesc) (*env)->DeleteLocalRef(env, jdesc);
        }
        free(type);
        if (jtype) (*env)->DeleteLocalRef(env, jtype);
        if (jname) (*env)->DeleteLocalRef(env, jname);
        (*env)->DeleteLocalRef(env, a);
    }
    b->immutable = false;
    jobject d = jxa_jni_obj(env, info, j->m_mbi_descriptor);
    if (d != NULL) {
        jstring key = (*env)->NewStringUTF(env, "immutableInfo");
        if (key != NULL && !jxa_jni_clear(env)) {
            jobject v = jxa_jni_obj(env, d, j->m_desc_field, key);
            char *s = v ? obj_to_string(w, v) : NULL;
            b->immutable = s != NULL && strcmp(s, "true") == 0;
            free(s);
            if (v) (*env)->DeleteLocalRef(env, v);
            (*env)->DeleteLocalRef(env, key);
        }
        jxa_jni_clear(env);
        (*env)->DeleteLocalRef(env, d);
    }
    if (attrs) (*env)->DeleteLocalRef(env, attrs);
    (*env)->DeleteLocalRef(env, info);
    /* Asked only where the answer is kept (MBeanInfo read once). */
    b->dynamic = !b->immutable || is_dynamic(w);
    b->info_loaded = true;
    b->fetch_dirty = true;
    return true;
}

/* The String[] handed to getAttributes: readable attributes minus the
 * configured, automatic and hard-coded exclusions. */
static struct attr *attr_of(const struct bean *b, const char *name);

static bool build_fetch(struct walk *w)
{
    JNIEnv *env = w->env;
    struct bean *b = w->b;
    const struct jxa_config *cfg = w->cfg;
    if (b->fetch != NULL)
        (*env)->DeleteGlobalRef(env, b->fetch);
    b->fetch = NULL;
    b->nfetch = 0;
    free(b->fetch_attr);
    b->fetch_attr = NULL;
    b->nreturned = -1;
    b->skip_touched = 0;
    const struct jxa_attr_filter *ex = find_filter(cfg->exclude_attrs, cfg->nexclude_attrs, b->canonical);
    const struct jxa_attr_filter *in = find_filter(cfg->include_attrs, cfg->ninclude_attrs, b->canonical);
    size_t *pick = calloc(b->nattrs + 1, sizeof *pick);
    if (pick == NULL)
        return false;
    jsize n = 0;
    for (size_t i = 0; i < b->nattrs; i++) {
        const char *a = b->attrs[i].name;
        b->attrs[i].first_rule = 0;
        jxa_slot_free(b->attrs[i].slot);
        b->attrs[i].slot = NULL;
        if (in_filter(ex, a) || name_in(b->auto_excluded, b->nauto_excluded, a) ||
            is_runtime_skip(b, a))
            continue;
        /* A non-empty includeObjectNameAttributes is an allow-list of beans
         * too: unlisted beans yield nothing. */
        if (cfg->ninclude_attrs > 0 && !in_filter(in, a))
            continue;
        /* Not fetched when no rule can make anything of any value its
         * type allows: the getter never runs, as for excluded names.  Not
         * for a bean with a metricCustomizer: its attributesAsLabels and
         * extraMetrics come from the bulk call's result. */
        size_t misses = 0, first = 0;
        if (!b->dynamic && b->cust == NULL && b->attrs[i].vc != JXA_VC_ANY && w->eng != NULL) {
            struct jxa_leaf leaf = {.domain = b->domain, .props = b->props,
                                    .nprops = b->nprops, .attr = a,
                                    .description = b->attrs[i].desc};
            if (!jxa_engine_needs_value(w->eng, &leaf, b->attrs[i].vc, &misses, &first)) {
                b->skip_touched += misses;
                continue;
            }
            b->attrs[i].first_rule = first;
        }
        /* Kept while MBeanInfo is (an immutable one is read once). */
        if (b->immutable && w->eng != NULL) {
            struct jxa_leaf leaf = {.domain = b->domain, .props = b->props,
                                    .nprops = b->nprops, .attr = a};
            b->attrs[i].slot = jxa_engine_slot(w->eng, &leaf);
        }
        /* The first attribute of that name, as attr_of finds it for a
         * name read as text (an MBeanInfo may list a name twice). */
        pick[n++] = (size_t)(attr_of(b, a) - b->attrs);
    }
    b->fetch_dirty = false;
    if (n == 0) {
        free(pick);
        return true;
    }
    jobjectArray arr = (*env)->NewObjectArray(env, n, w->j->c_string, NULL);
    if (arr == NULL || jxa_jni_clear(env)) {
        free(pick);
        return false;
    }
    for (jsize i = 0; i < n; i++) {
        jstring s = (*env)->NewStringUTF(env, b->attrs[pick[i]].name);
        if (s == NULL || jxa_jni_clear(env)) {
            free(pick);
            (*env)->DeleteLocalRef(env, arr);
            return false;
        }
        (*env)->SetObjectArrayElement(env, arr, i, s);
        jxa_jni_clear(env);
        (*env)->DeleteLocalRef(env, s);
    }
    b->fetch_attr = pick;
    b->fetch = (*env)->NewGlobalRef(env, arr);
    (*env)->DeleteLocalRef(env, arr);
    b->nfetch = b->fetch ? n : 0;
    return b->fetch != NULL;
}

static struct attr *attr_of(const struct bean *b, const char *name)
{
    for (size_t i = 0; i < b->nattrs; i++)
        if (strcmp(b->attrs[i].name, name) == 0)
            return &b->attrs[i];
    return NULL;
}

/* One attribute's value, as jmx_exporter's walk reads it; at is its
 * MBeanInfo entry, NULL for none. */
static void process_attr_at(struct walk *w, jobject v, const char *name, struct attr *at)
{
    w->first_rule = at ? at->first_rule : 0;
    w->slot = at ? at->slot : NULL;
    w->box_hint = at ? &at->box : NULL;
    process_value(w, v, name, at ? at->desc : NULL, 0);
    w->box_hint = NULL;
    w->slot = NULL;
    w->first_rule = 0;
}

static void process_attr(struct walk *w, jobject v, const char *name)
{
    process_attr_at(w, v, name, attr_of(w->b, name));
}

/* o's class is exactly cls (not a subclass, whose getters may differ). */
static bool is_exactly(struct walk *w, jobject o, jclass cls)
{
    jclass c = (*w->env)->GetObjectClass(w->env, o);
    if (c == NULL)
        return false;
    bool r = (*w->env)->IsSameObject(w->env, c, cls);
    (*w->env)->DeleteLocalRef(w->env, c);
    return r;
}

static void fetch_one_by_one(struct walk *w)
{
    JNIEnv *env = w->env;
    struct jxa_jmx *j = w->j;
    for (jsize i = 0; i < w->b->nfetch && !w->failed && !jxa_jni_fatal; i++) {
        jstring name = jxa_jni_elem(env, w->b->fetch, i);
        if (name == NULL)
            continue;
        jobject v = jxa_jni_obj(env, j->mbs, j->m_get_attribute, w->on, name);
        char *n = jxa_jni_strdup(env, name);
        if (v != NULL && n != NULL)
            process_attr(w, v, n);
        free(n);
        if (v) (*env)->DeleteLocalRef(env, v);
        (*env)->DeleteLocalRef(env, name);
    }
}

static void clear_alabels(struct walk *w)
{
    while (w->nalabels > 0) {
        w->nalabels--;
        free(w->alabels[w->nalabels].key);
        free(w->alabels[w->nalabels].value);
    }
}

/* metricCustomizers, as JmxScraper.scrapeBean applies them after the bulk
 * getAttributes (jmx_exporter 1.6.0, docs/semantics.md §17):
 * attributesAsLabels from the values that call returned, each as its
 * toString(); then every extraMetrics entry as a leaf of the bean, before
 * its attributes.  The one-by-one fallback applies neither, as in
 * jmx_exporter. */
static void apply_customizer(struct walk *w, jobjectArray arr, jsize n)
{
    JNIEnv *env = w->env;
    struct jxa_jmx *j = w->j;
    const struct jxa_customizer *cu = w->b->cust;
    for (jsize i = 0; i < n && cu->nlabels > 0 && !jxa_jni_fatal; i++) {
        jobject a = jxa_jni_elem(env, arr, i);
        if (a == NULL || !(*env)->IsInstanceOf(env, a, j->c_attr)) {
            if (a) (*env)->DeleteLocalRef(env, a);
            continue;
        }
        jstring jn = jxa_jni_obj(env, a, j->m_attr_name);
        char *name = jn ? jxa_jni_strdup(env, jn) : NULL;
        bool wanted = name != NULL && name_in(cu->labels, cu->nlabels, name);
        /* A name the list returns twice counts once (a HashMap key). */
        for (size_t k = 0; wanted && k < w->nalabels; k++)
            wanted = strcmp(w->alabels[k].key, name) != 0;
        jobject v = wanted ? jxa_jni_obj(env, a, j->m_attr_value) : NULL;
        /* Deliberate difference: jmx_exporter collects the values with
         * Collectors.toMap, which throws on a null value and ends the walk
         * (jmx_scrape_error 1); a null here is no label, and the walk goes
         * on (differences.py customizer-null-attribute). */
        char *text = v != NULL ? jxa_jni_call_str(env, v, j->m_to_string) : NULL;
        if (text != NULL && w->nalabels == w->capalabels) {
            size_t cap = w->capalabels ? w->capalabels * 2 : 8;
            struct jxa_prop *p = realloc(w->alabels, cap * sizeof *p);
            if (p != NULL) {
                w->alabels = p;
                w->capalabels = cap;
            }
        }
        if (text != NULL && w->nalabels < w->capalabels) {
            w->alabels[w->nalabels].key = name;
            w->alabels[w->nalabels].value = text;
            w->nalabels++;
            name = NULL;
        } else {
            free(text);
        }
        free(name);
        if (v) (*env)->DeleteLocalRef(env, v);
        if (jn) (*env)->DeleteLocalRef(env, jn);
        (*env)->DeleteLocalRef(env, a);
    }
    for (size_t i = 0; i < cu->nextra && !w->failed; i++) {
        const struct jxa_extra_metric *m = &cu->extra[i];
        static const enum jxa_vkind kinds[] = {
            [JXA_EXTRA_NUMBER] = JXA_V_NUMBER,
            [JXA_EXTRA_BOOL] = JXA_V_BOOL,
            [JXA_EXTRA_STRING] = JXA_V_STRING,
        };
        jxa_buf_reset(&w->text);
        jxa_buf_puts(&w->text, m->text);
        record(w, m->name, m->description, kinds[m->kind], m->num);
    }
}

static void scrape_bean(struct walk *w)
{
    JNIEnv *env = w->env;
    struct jxa_jmx *j = w->j;
    struct bean *b = w->b;
    if (b->filter_gen != j->cfg_gen + 1) {
        b->included = decide_included(w->cfg, b);
        b->cust = find_customizer(w->cfg, b);
        b->filter_gen = j->cfg_gen + 1;
        /* A new config brings new filters and forgets auto-exclusions. */
        for (size_t i = 0; i < b->nauto_excluded; i++)
            free(b->auto_excluded[i]);
        b->nauto_excluded = 0;
        b->fetch_dirty = true;
    }
    if (!b->included)
        return;
    if ((!b->info_loaded || !b->immutable) && !load_info(w))
        return;
    if (b->fetch_dirty && !build_fetch(w))
        return;
    if (b->skip_touched > 0)
        jxa_engine_skipped(w->eng, b->skip_touched);
    if (b->nfetch == 0)
        return;
    if (w->nprops != 0 || !borrow_props(w, b))
        return;
    jobject list = (*env)->CallObjectMethod(env, j->mbs, j->m_get_attributes, w->on, b->fetch);
    if (jxa_jni_clear(env)) {
        /* jmx_exporter falls back to one getAttribute per name when the bulk
         * call throws; per-attribute failures then skip only that one. */
        fetch_one_by_one(w);
    } else if (list != NULL) {
        jobjectArray arr = (jobjectArray)jxa_jni_obj(env, list, j->m_list_to_array);
        jsize n = arr ? (*env)->GetArrayLength(env, arr) : 0;
        if (b->cust != NULL && arr != NULL)
            apply_customizer(w, arr, n);
        /* Local refs die with a frame per ATTR_CHUNK attributes instead of
         * four DeleteLocalRef calls per attribute: each is a JNI
         * transition, and the walk makes one per attribute otherwise. */
        bool framed = false;
        jsize k = 0;            /* the fetch element expected next */
        for (jsize i = 0; i < n && !w->failed && !jxa_jni_fatal; i++) {
            if (i % ATTR_CHUNK == 0) {
                if (framed)
                    (*env)->PopLocalFrame(env, NULL);
                framed = (*env)->PushLocalFrame(env, ATTR_CHUNK * ATTR_REFS) == 0;
                if (!framed) {
                    jxa_jni_clear(env);
                    break;
                }
            }
            jobject a = jxa_jni_elem(env, arr, i);
            if (a == NULL)
                continue;
            /* A DynamicMBean's AttributeList can hold anything (add(Object)):
             * an Attribute method on another class is undefined behaviour. */
            jclass cls = (*env)->GetObjectClass(env, a);
            bool exact = cls != NULL && (*env)->IsSameObject(env, cls, j->c_attr) &&
                         j->f_attr_name != NULL && j->f_attr_value != NULL;
            if (!exact && !(*env)->IsInstanceOf(env, a, j->c_attr))
                continue;
            jstring jn = exact ? (*env)->GetObjectField(env, a, j->f_attr_name)
                               : jxa_jni_obj(env, a, j->m_attr_name);
            jobject v = exact ? (*env)->GetObjectField(env, a, j->f_attr_value)
                              : jxa_jni_obj(env, a, j->m_attr_value);
            if (jn == NULL || v == NULL)
                continue;
            /* MBeanSupport.getAttributes (standard MBeans and MXBeans)
             * returns each value in an Attribute holding the very String
             * of the array it was given, in its order (an attribute whose
             * getter throws is left out): one IsSameObject names it.  Any
             * other name is read as text. */
            struct attr *at = NULL;
            for (jsize t = k; at == NULL && t < b->nfetch && t < k + 2; t++) {
                jobject fn = (*env)->GetObjectArrayElement(env, b->fetch, t);
                if (fn != NULL && (*env)->IsSameObject(env, fn, jn)) {
                    at = &b->attrs[b->fetch_attr[t]];
                    k = t + 1;
                }
            }
            w->framed = true;
            if (at != NULL) {
                process_attr_at(w, v, at->name, at);
            } else {
                jxa_buf_reset(&w->aname);
                if (jxa_jni_str(env, jn, &w->aname) == 0 && !w->aname.failed)
                    process_attr(w, v, jxa_buf_str(&w->aname));
            }
            w->framed = false;
        }
        if (framed)
            (*env)->PopLocalFrame(env, NULL);
        if (arr) (*env)->DeleteLocalRef(env, arr);
        (*env)->DeleteLocalRef(env, list);
        clear_alabels(w);
        /* Fewer attributes than the first time after the MBeanInfo was read
         * (getters that always throw, e.g. a memory pool's UsageThreshold,
         * make that first count short for good): another MBean may have
         * been registered under this name since (immutableInfo holds per
         * MBean, not per name).  Read the MBeanInfo again at the next walk,
         * as jmx_exporter reads it at every one.  Attributes such an MBean
         * adds to the old ones are only seen once the name was gone for a
         * walk. */
        if (b->nreturned < 0)
            b->nreturned = n;
        else if (n < b->nreturned)
            b->info_loaded = false;
    }
    pop_props(w, 0);
}

/* on's canonical name into w->text; 0 or -1.  *exact: on's class is
 * ObjectName itself (may be NULL). */
static int canonical_of(struct walk *w, jobject on, bool *exact)
{
    JNIEnv *env = w->env;
    bool ex = is_exactly(w, on, w->j->c_on);
    if (exact != NULL)
        *exact = ex;
    /* ObjectName.getCanonicalName() returns this field (JDK 8-25). */
    jstring jcanon = w->j->f_on_canonical != NULL && ex
                         ? (*env)->GetObjectField(env, on, w->j->f_on_canonical)
                         : jxa_jni_obj(env, on, w->j->m_on_canonical);
    if (jcanon == NULL)
        return -1;
    jxa_buf_reset(&w->text);
    int rc = jxa_jni_str(env, jcanon, &w->text);
    (*env)->DeleteLocalRef(env, jcanon);
    return rc;
}

/* Keeps on as the instance that names b.  Only an ObjectName of exactly
 * that class: a subclass may answer getCanonicalName() as it likes, so
 * only the name read above, not the instance, stands for the bean. */
static void remember_on(struct walk *w, struct bean *b, jobject on, bool exact)
{
    JNIEnv *env = w->env;
    if (b->on != NULL)
        (*env)->DeleteGlobalRef(env, b->on);
    b->on = exact ? (*env)->NewGlobalRef(env, on) : NULL;
}

static struct bean *bean_get(struct walk *w, jobject on);

/* The bean at place i of this walk's queryNames result: the last walk's
 * bean at i when on is the very instance it came as, else by canonical
 * name (bean_get). */
static struct bean *bean_at(struct walk *w, jobject on, jsize i)
{
    struct jxa_jmx *j = w->j;
    struct bean *b = (size_t)i < j->nlast ? j->last[i] : NULL;
    if (b == NULL || b->on == NULL || !(*w->env)->IsSameObject(w->env, on, b->on))
        b = bean_get(w, on);
    if ((size_t)i < j->caplast)
        j->last[i] = b;
    return b;
}

static struct bean *bean_get(struct walk *w, jobject on)
{
    JNIEnv *env = w->env;
    struct jxa_jmx *j = w->j;
    bool exact;
    if (canonical_of(w, on, &exact) != 0)
        return NULL;
    const char *canon = jxa_buf_str(&w->text);
    uint64_t h = fnv1a(canon);
    struct bean *b = bean_find(j, canon, h);
    if (b != NULL) {
        remember_on(w, b, on, exact);
        return b;
    }
    if (j->nbeans + 1 > j->nbuckets * 3 / 4 && table_grow(j) != 0)
        return NULL;
    b = calloc(1, sizeof *b);
    if (b == NULL)
        return NULL;
    b->hash = h;
    b->canonical = strdup(canon);
    jstring jdom = jxa_jni_obj(env, on, j->m_on_domain);
    jstring jkpls = jxa_jni_obj(env, on, j->m_on_kpls);
    b->domain = jdom ? jxa_jni_strdup(env, jdom) : NULL;
    char *kpls = jkpls ? jxa_jni_strdup(env, jkpls) : NULL;
    if (jdom) (*env)->DeleteLocalRef(env, jdom);
    if (jkpls) (*env)->DeleteLocalRef(env, jkpls);
    /* Registration order of the keys, as getKeyPropertyListString() keeps
     * it: jmx_exporter names and labels depend on it. */
    if (b->canonical == NULL || b->domain == NULL || kpls == NULL ||
        jxa_props_parse(kpls, &b->props, &b->nprops) != 0) {
        free(kpls);
        bean_free(b, env);
        return NULL;
    }
    free(kpls);
    b->fetch_dirty = true;
    table_insert(j, b);
    remember_on(w, b, on, exact);
    return b;
}

/* A rule error stops the walk at one bean, but the queryNames result is
 * complete: the names after it are marked seen (no getter runs, only
 * getCanonicalName), so the cache is pruned exactly after every walk and
 * beans unregistered meanwhile go.  Returns true when every name was
 * looked at. */
static bool mark_rest(struct walk *w, jobjectArray names, jsize from, jsize n)
{
    JNIEnv *env = w->env;
    struct jxa_jmx *j = w->j;
    for (jsize i = from; i < n; i++) {
        if (jxa_jni_fatal)
            return false;
        jobject on = jxa_jni_elem(env, names, i);
        if (on == NULL)
            continue;
        if (canonical_of(w, on, NULL) == 0) {
            const char *canon = jxa_buf_str(&w->text);
            struct bean *b = bean_find(j, canon, fnv1a(canon));
            if (b != NULL)
                b->seen = j->walk_gen;
        }
        (*env)->DeleteLocalRef(env, on);
    }
    return !jxa_jni_fatal;
}

int jxa_jmx_scrape(struct jxa_jmx *j, JNIEnv *env, const struct jxa_config *cfg,
                   struct jxa_engine *eng, struct jxa_mset *out, char *err,
                   size_t errlen)
{
    if (!j->ready) {
        snprintf(err, errlen, "JMX is not initialised yet");
        return -1;
    }
    struct walk w = {.j = j, .env = env, .cfg = cfg, .eng = eng, .out = out,
                     .err = err, .errlen = errlen};
    int rc = -1;
    jxa_jni_prepare(env);
    jxa_jni_fatal = false;
    if ((*env)->PushLocalFrame(env, 16) != 0) {
        jxa_jni_clear(env);
        snprintf(err, errlen, "JNI PushLocalFrame failed (Java heap exhausted?)");
        return -1;
    }
    /* No include list and the explicit empty list both short-cut here:
     * includeObjectNames: [] exports nothing from JMX. */
    if (!cfg->include_all && cfg->ninclude == 0) {
        rc = 0;
        goto out;
    }
    jobject set = jxa_jni_obj(env, j->mbs, j->m_query_names, NULL, NULL);
    jobjectArray names = set ? to_array(&w, set) : NULL;
    if (names == NULL) {
        snprintf(err, errlen, "MBeanServer.queryNames failed");
        goto out;
    }
    j->walk_gen++;
    jsize n = (*env)->GetArrayLength(env, names);
    if ((size_t)n > j->caplast) {
        struct bean **p = realloc(j->last, (size_t)n * sizeof *p);
        if (p != NULL) {
            /* The new places were in no walk: nothing to find there. */
            for (size_t k = j->caplast; k < (size_t)n; k++)
                p[k] = NULL;
            j->last = p;
            j->caplast = (size_t)n;
        }
    }
    if (j->nlast > j->caplast)
        j->nlast = j->caplast;
    jsize i = 0;
    for (; i < n && !w.failed && !jxa_jni_fatal; i++) {
        if ((*env)->PushLocalFrame(env, 64) != 0) {
            jxa_jni_clear(env);
            break;
        }
        jobject on = jxa_jni_elem(env, names, i);
        struct bean *b = on ? bean_at(&w, on, i) : NULL;
        if (on == NULL && (size_t)i < j->caplast)
            j->last[i] = NULL;
        if (b != NULL) {
            b->seen = j->walk_gen;
            w.b = b;
            w.on = on;
            scrape_bean(&w);
            pop_props(&w, 0);
        }
        (*env)->PopLocalFrame(env, NULL);
    }
    /* Pruned after every walk, failed ones too: a rule that fails on one
     * bean at every walk must not let churning beans pile up (each holds a
     * global reference).  Only a walk that could not even list the rest
     * of its names keeps what it did not reach, for MAX_UNSEEN_WALKS. */
    bool complete = i >= n && !jxa_jni_fatal;
    if (!complete && w.failed)
        complete = mark_rest(&w, names, i, n);
    /* last[0, i) are beans this walk saw, which no eviction below drops;
     * the places after i may name beans it will. */
    j->nlast = (size_t)i < j->caplast ? (size_t)i : j->caplast;
    table_evict(j, env, complete ? 0 : MAX_UNSEEN_WALKS);
    rc = (w.failed || jxa_jni_fatal) ? -1 : 0;
out:
    if (jxa_jni_fatal)
        snprintf(err, errlen, "%s during the walk; the walk stopped early, the next "
                 "scrape walks again", jxa_jni_fatal_name);
    (*env)->PopLocalFrame(env, NULL);
    pop_props(&w, 0);
    free(w.props);
    clear_alabels(&w);
    free(w.alabels);
    jxa_buf_free(&w.text);
    jxa_buf_free(&w.aname);
    return rc;
}
