/* test_sd.c - file_sd registration (sd.c): Spark roles from the command
 * line, and the sweep of files left by killed JVMs, against a fake /proc. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "sd.h"


static void test_roles(void)
{
    char *e, *a;
    CHECK_STR(jxa_sd_role("org.apache.spark.executor.CoarseGrainedExecutorBackend "
                          "--driver-url x --executor-id 7 --hostname h --app-id "
                          "app-2026-0001", &e, &a), "executor");
    CHECK_STR(e, "7");
    CHECK_STR(a, "app-2026-0001");
    free(e);
    free(a);
    CHECK_STR(jxa_sd_role("org.apache.spark.deploy.SparkSubmit --master x job.py", &e, &a),
              "driver");
    CHECK(e == NULL && a == NULL);
    CHECK_STR(jxa_sd_role("org.apache.spark.deploy.worker.Worker spark://m:7077", &e, &a),
              "worker");
    /* A class name in the arguments is not the main class. */
    CHECK_STR(jxa_sd_role("my.App --x org.apache.spark.deploy.master.Master", &e, &a), "other");
    CHECK_STR(jxa_sd_role(NULL, &e, &a), "other");
}

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f != NULL) {
        fputs(text, f);
        fclose(f);
    }
}

static int exists(const char *dir, const char *name)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return access(p, F_OK) == 0;
}

static void test_sweep(void)
{
    char root[] = "/tmp/jxa_sd_XXXXXX";
    CHECK(mkdtemp(root) != NULL);
    char proc[64], sd[64], p[1024];
    snprintf(proc, sizeof proc, "%s/proc", root);
    snprintf(sd, sizeof sd, "%s/sd", root);
    mkdir(proc, 0755);
    mkdir(sd, 0755);
    snprintf(p, sizeof p, "%s/self", proc);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/self/ns", proc);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/self/ns/pid", proc);
    put(p, "");
    struct stat st;
    CHECK_INT(stat(p, &st), 0);
    unsigned long long ns = (unsigned long long)st.st_ino;
    /* Process 100 is alive and started at tick 5000; its command name has
     * ") " in it, as a thread name may. */
    snprintf(p, sizeof p, "%s/100", proc);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/100/stat", proc);
    put(p, "100 (a) b) S 1 100 100 0 -1 4194560 1 0 0 0 7 3 0 0 20 0 30 0 5000 1 2\n");

    char names[7][96];
    snprintf(names[0], sizeof names[0], "jmxagent-%llu-100-5000.json", ns);   /* alive */
    snprintf(names[1], sizeof names[1], "jmxagent-%llu-100-4000.json", ns);   /* pid reused */
    snprintf(names[2], sizeof names[2], "jmxagent-%llu-200-1.json", ns);      /* gone */
    snprintf(names[3], sizeof names[3], "jmxagent-%llu-200-1.json", ns + 1);  /* other ns */
    snprintf(names[4], sizeof names[4], "jmxagent-200.json");                 /* not ours */
    snprintf(names[5], sizeof names[5], ".jmxagent-200.json.tmp");
    snprintf(names[6], sizeof names[6], "jmxagent-%llu-200-1.json.bak", ns);
    for (int i = 0; i < 7; i++) {
        snprintf(p, sizeof p, "%s/%s", sd, names[i]);
        put(p, "[]\n");
    }
    CHECK_INT(jxa_sd_sweep_at(sd, proc), 2);
    static const int kept[7] = {1, 0, 0, 1, 1, 1, 1};
    for (int i = 0; i < 7; i++)
        if (exists(sd, names[i]) != kept[i])
            FAILF("%s: %s", names[i], kept[i] ? "removed, should be kept" : "kept, should go");
    CHECK_INT(jxa_sd_sweep_at(sd, proc), 0);
    CHECK_INT(jxa_sd_sweep_at("/nonexistent/sd", proc), 0);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    CHECK_INT(system(cmd), 0);
}

SUITE(sd)
{
    RUN(test_roles);
    RUN(test_sweep);
}
