/* test_sd.c - file_sd registration (sd.c) and the atomic writer it shares
 * with port_file (atomicfile.c): Spark roles from the command line; the
 * sweep of files left by killed JVMs against fake /proc trees, two of them
 * standing for two hosts that share one directory; upkeep; planted links.
 *
 * Fake pids of processes that must look gone are above the kernel's
 * largest pid (PID_MAX_LIMIT, 4194304): the sweep confirms "gone" with
 * kill(pid, 0), and no real process can answer for them. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "check.h"
#include "sd.h"

#define GONE_PID 4194400L      /* > PID_MAX_LIMIT: never a real process */
#define EXEC_PID 4194500L      /* the same, for a process that dies during a test */

static const char BOOT_A[] = "0f5b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d";
static const char BOOT_B[] = "a1b2c3d4-e5f6-4711-9abc-def012345678";

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

/* -- fake hosts ------------------------------------------------------------- */

/* snprintf into an array, failing the test if it does not fit. */
#define FMT(buf, ...)                                                     \
    do {                                                                  \
        if (snprintf(buf, sizeof buf, __VA_ARGS__) >= (int)sizeof buf)    \
            FAILF("%s: too long", #buf);                                  \
    } while (0)

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f != NULL) {
        fputs(text, f);
        fclose(f);
    }
}

static char *slurp(const char *path)
{
    static char buf[4096];
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (f != NULL) {
        buf[fread(buf, 1, sizeof buf - 1, f)] = '\0';
        fclose(f);
    }
    return buf;
}

static int exists(const char *dir, const char *name)
{
    char p[2048];
    struct stat st;
    FMT(p, "%s/%s", dir, name);
    return lstat(p, &st) == 0;
}

static int count_entries(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    if (d != NULL)
        closedir(d);
    return n;
}

struct world {
    char root[64];
    char sd[96];
    char ns_init[96];       /* "the initial pid namespace": one inode for all */
};

static void world_new(struct world *w)
{
    snprintf(w->root, sizeof w->root, "/tmp/jxa_sd_XXXXXX");
    CHECK(mkdtemp(w->root) != NULL);
    snprintf(w->sd, sizeof w->sd, "%s/sd", w->root);
    CHECK_INT(mkdir(w->sd, 0755), 0);
    snprintf(w->ns_init, sizeof w->ns_init, "%s/ns-init", w->root);
    put(w->ns_init, "");
}

static void world_free(struct world *w)
{
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", w->root);
    CHECK_INT(system(cmd), 0);
}

/* A /proc tree for one host: its boot id, and self/ns/pid a hard link to
 * ns_file (one inode: one namespace) or a new file (another namespace). */
static void host_new(const struct world *w, const char *host, const char *boot,
                     const char *ns_file, char *proc, size_t len)
{
    char p[1024];
    snprintf(proc, len, "%s/%s", w->root, host);
    mkdir(proc, 0755);
    const char *dirs[] = {"sys", "sys/kernel", "sys/kernel/random", "self", "self/ns"};
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        snprintf(p, sizeof p, "%s/%s", proc, dirs[i]);
        mkdir(p, 0755);
    }
    snprintf(p, sizeof p, "%s/sys/kernel/random/boot_id", proc);
    if (boot != NULL) {
        char line[64];
        snprintf(line, sizeof line, "%s\n", boot);
        put(p, line);
    }
    snprintf(p, sizeof p, "%s/self/ns/pid", proc);
    if (ns_file != NULL)
        CHECK_INT(link(ns_file, p), 0);
    else
        put(p, "");
}

static unsigned long long ns_of(const char *proc)
{
    char p[1024];
    struct stat st;
    snprintf(p, sizeof p, "%s/self/ns/pid", proc);
    CHECK_INT(stat(p, &st), 0);
    return (unsigned long long)st.st_ino;
}

/* Process pid runs on that host since tick start; its command name has
 * ") " in it, as a thread name may. */
static void proc_add(const char *proc, long pid, unsigned long long start)
{
    char p[1024], line[256];
    snprintf(p, sizeof p, "%s/%ld", proc, pid);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/%ld/stat", proc, pid);
    snprintf(line, sizeof line,
             "%ld (a) b) S 1 100 100 0 -1 4194560 1 0 0 0 7 3 0 0 20 0 30 0 %llu 1 2\n",
             pid, start);
    put(p, line);
}

/* The name a process of that host writes. */
static void sd_name(char *out, size_t len, const char *boot, unsigned long long ns, long pid,
                    unsigned long long start)
{
    char hex[33];
    size_t k = 0;
    for (const char *c = boot; *c && k < 32; c++)
        if (*c != '-')
            hex[k++] = *c;
    hex[k] = '\0';
    snprintf(out, len, "jmxagent-%s-%llu-%ld-%llu.json", hex, ns, pid, start);
}

static void plant(const char *dir, const char *name)
{
    char p[2048];
    FMT(p, "%s/%s", dir, name);
    put(p, "[]\n");
}

/* -- the sweep --------------------------------------------------------------- */

static void test_sweep(void)
{
    struct world w;
    world_new(&w);
    char proc[128];
    host_new(&w, "a", BOOT_A, w.ns_init, proc, sizeof proc);
    unsigned long long ns = ns_of(proc);
    proc_add(proc, 100, 5000);

    char names[10][200];
    sd_name(names[0], 200, BOOT_A, ns, 100, 5000);            /* alive */
    sd_name(names[1], 200, BOOT_A, ns, 100, 4000);            /* pid reused */
    sd_name(names[2], 200, BOOT_A, ns, GONE_PID, 1);          /* gone */
    sd_name(names[3], 200, BOOT_A, ns + 1, GONE_PID, 1);      /* other namespace */
    sd_name(names[4], 200, BOOT_B, ns, GONE_PID, 1);          /* other host */
    snprintf(names[5], 200, "jmxagent-%llu-%ld-1.json", ns, GONE_PID);   /* older form */
    snprintf(names[6], 200, "jmxagent-noboot-%llu-%ld-1.json", ns, GONE_PID);
    snprintf(names[7], 200, "jmxagent-0F5B1C2D3E4F4A5B8C6D7E8F9A0B1C2D-%llu-%ld-1.json", ns,
             GONE_PID);
    FMT(names[8], ".%s.0123456789abcdef.tmp", names[2]);
    FMT(names[9], "%s.bak", names[2]);
    for (int i = 0; i < 10; i++)
        plant(w.sd, names[i]);
    CHECK_INT(jxa_sd_sweep_at(w.sd, proc), 2);
    static const int kept[10] = {1, 0, 0, 1, 1, 1, 1, 1, 1, 1};
    for (int i = 0; i < 10; i++)
        if (exists(w.sd, names[i]) != kept[i])
            FAILF("%s: %s", names[i], kept[i] ? "removed, should be kept" : "kept, should go");
    CHECK_INT(jxa_sd_sweep_at(w.sd, proc), 0);
    CHECK_INT(jxa_sd_sweep_at("/nonexistent/sd", proc), 0);

    /* Without a boot id nothing is provably ours: nothing is judged. */
    char bare[128];
    host_new(&w, "bare", NULL, w.ns_init, bare, sizeof bare);
    plant(w.sd, names[2]);
    CHECK_INT(jxa_sd_sweep_at(w.sd, bare), 0);
    CHECK(exists(w.sd, names[2]));
    world_free(&w);
}

/* Two hosts share one directory (a YARN or NFS volume), both in their
 * initial pid namespace, which has the same inode everywhere: a pid on one
 * says nothing about the other.  Each host's agents remove only the files
 * of their own host's dead processes. */
static void test_two_hosts_share_a_directory(void)
{
    struct world w;
    world_new(&w);
    char pa[128], pb[128], err[1024];
    host_new(&w, "host-a", BOOT_A, w.ns_init, pa, sizeof pa);
    host_new(&w, "host-b", BOOT_B, w.ns_init, pb, sizeof pb);
    CHECK(ns_of(pa) == ns_of(pb));
    unsigned long long ns = ns_of(pa);
    proc_add(pa, EXEC_PID, 5000);   /* host A's executor */
    proc_add(pb, 200, 6000);        /* host B's executor */
    proc_add(pb, EXEC_PID, 7000);   /* host B has that pid too, started later */

    struct jxa_sd *a = jxa_sd_open(w.sd, pa, EXEC_PID, "[a]\n", err, sizeof err);
    CHECK_STR(err, "");
    struct jxa_sd *b = jxa_sd_open(w.sd, pb, 200, "[b]\n", err, sizeof err);
    CHECK_STR(err, "");
    CHECK(a != NULL && b != NULL);
    if (a == NULL || b == NULL) {
        jxa_sd_free(a);
        jxa_sd_free(b);
        world_free(&w);
        return;
    }
    char a_file[128], b_file[128], a_dead[128], b_dead[128];
    sd_name(a_file, sizeof a_file, BOOT_A, ns, EXEC_PID, 5000);
    sd_name(b_file, sizeof b_file, BOOT_B, ns, 200, 6000);
    CHECK_STR(jxa_sd_name(a), a_file);
    CHECK_STR(jxa_sd_name(b), b_file);
    /* Each host had an executor SIGKILLed. */
    sd_name(a_dead, sizeof a_dead, BOOT_A, ns, GONE_PID, 11);
    sd_name(b_dead, sizeof b_dead, BOOT_B, ns, GONE_PID + 1, 12);
    plant(w.sd, a_dead);
    plant(w.sd, b_dead);

    /* A's sweep: its own dead executor goes; B's files stay, although
     * pid 200 and GONE_PID + 1 do not exist on A.  Nor does B take A's
     * executor for a reused pid. */
    CHECK_INT(jxa_sd_refresh(a, 1, err, sizeof err), 0);
    CHECK(!exists(w.sd, a_dead));
    CHECK(exists(w.sd, b_file) && exists(w.sd, b_dead) && exists(w.sd, a_file));
    CHECK_INT(jxa_sd_sweep_at(w.sd, pa), 0);
    /* B's sweep: the same the other way round. */
    CHECK_INT(jxa_sd_refresh(b, 1, err, sizeof err), 0);
    CHECK(!exists(w.sd, b_dead));
    CHECK(exists(w.sd, a_file) && exists(w.sd, b_file));
    char p[1024];
    snprintf(p, sizeof p, "%s/%s", w.sd, a_file);
    CHECK_STR(slurp(p), "[a]\n");
    snprintf(p, sizeof p, "%s/%s", w.sd, b_file);
    CHECK_STR(slurp(p), "[b]\n");

    /* Host A's executor is SIGKILLed: B leaves its file, A's next agent
     * (or sweep) removes it. */
    snprintf(p, sizeof p, "rm -r '%s/%ld'", pa, EXEC_PID);
    CHECK_INT(system(p), 0);
    jxa_sd_free(a);                 /* no exit code ran: the file stays */
    CHECK_INT(jxa_sd_sweep_at(w.sd, pb), 0);
    CHECK(exists(w.sd, a_file));
    proc_add(pa, 300, 9000);
    struct jxa_sd *a2 = jxa_sd_open(w.sd, pa, 300, "[a2]\n", err, sizeof err);
    CHECK_STR(err, "");
    CHECK(!exists(w.sd, a_file));
    CHECK(exists(w.sd, b_file));
    CHECK_INT(count_entries(w.sd), 2);
    jxa_sd_remove(a2);
    jxa_sd_free(a2);
    jxa_sd_remove(b);
    jxa_sd_free(b);
    CHECK_INT(count_entries(w.sd), 0);
    world_free(&w);
}

/* Only ENOENT/ESRCH (and then kill() saying ESRCH) mean "gone": a stat
 * file we cannot open says nothing about the process. */
static void test_unreadable_is_not_dead(void)
{
    struct world w;
    world_new(&w);
    char proc[128], p[1024];
    host_new(&w, "a", BOOT_A, w.ns_init, proc, sizeof proc);
    unsigned long long ns = ns_of(proc);

    /* ELOOP (an error root cannot bypass, unlike EACCES). */
    char loop[128];
    snprintf(p, sizeof p, "%s/101", proc);
    mkdir(p, 0755);
    snprintf(p, sizeof p, "%s/101/stat", proc);
    CHECK_INT(symlink("stat", p), 0);
    sd_name(loop, sizeof loop, BOOT_A, ns, 101, 5000);
    plant(w.sd, loop);

    /* hidepid=2: another user's live process has no proc entry for us. */
    char hidden[128];
    sd_name(hidden, sizeof hidden, BOOT_A, ns, (long)getpid(), 5000);
    plant(w.sd, hidden);
    CHECK_INT(jxa_sd_sweep_at(w.sd, proc), 0);
    CHECK(exists(w.sd, loop));
    CHECK(exists(w.sd, hidden));

    /* EMFILE: the JVM's fd table is full.  A live executor's file stays;
     * with one more descriptor free the very same sweep can read, and
     * removes a dead one (so the first sweep did get to the stat files). */
    char live[128], dead[128];
    proc_add(proc, 102, 5000);
    sd_name(live, sizeof live, BOOT_A, ns, 102, 5000);
    plant(w.sd, live);
    proc_add(proc, 103, 6000);
    sd_name(dead, sizeof dead, BOOT_A, ns, 103, 5999);   /* pid 103 reused */
    plant(w.sd, dead);
    struct rlimit old, low;
    CHECK_INT(getrlimit(RLIMIT_NOFILE, &old), 0);
    low = old;
    if (low.rlim_cur == RLIM_INFINITY || low.rlim_cur > 256)
        low.rlim_cur = 256;
    CHECK_INT(setrlimit(RLIMIT_NOFILE, &low), 0);
    static int fds[256];
    int n = 0;
    while (n < 256 && (fds[n] = open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0)
        n++;
    CHECK(n < 256 && errno == EMFILE && n >= 2);
    close(fds[--n]);                /* one left: the boot id, then the directory */
    int one_free = jxa_sd_sweep_at(w.sd, proc);
    close(fds[--n]);                /* two: the stat files can be read */
    int two_free = jxa_sd_sweep_at(w.sd, proc);
    while (n > 0)
        close(fds[--n]);
    CHECK_INT(setrlimit(RLIMIT_NOFILE, &old), 0);
    CHECK_INT(one_free, 0);
    CHECK_INT(two_free, 1);
    CHECK(exists(w.sd, live));
    CHECK(!exists(w.sd, dead));
    world_free(&w);
}

/* -- upkeep -------------------------------------------------------------------- */

static void test_removed_file_comes_back(void)
{
    struct world w;
    world_new(&w);
    char proc[128], err[1024], p[1024];
    host_new(&w, "a", BOOT_A, w.ns_init, proc, sizeof proc);
    proc_add(proc, 100, 5000);
    struct jxa_sd *sd = jxa_sd_open(w.sd, proc, 100, "[{\"targets\":[\"h:1\"]}]\n", err,
                                    sizeof err);
    CHECK_STR(err, "");
    if (sd == NULL) {
        world_free(&w);
        return;
    }
    snprintf(p, sizeof p, "%s/%s", w.sd, jxa_sd_name(sd));
    CHECK_INT(jxa_sd_refresh(sd, 0, err, sizeof err), 0);     /* there: nothing to do */
    CHECK_INT(unlink(p), 0);        /* someone's cleanup, an older agent's sweep */
    CHECK_INT(jxa_sd_refresh(sd, 0, err, sizeof err), 1);
    CHECK_STR(err, "");
    CHECK_STR(slurp(p), "[{\"targets\":[\"h:1\"]}]\n");
    CHECK_INT(count_entries(w.sd), 1);
    /* A second exporter of the JVM: the file names both at once, and the
     * upkeep writes the new content back. */
    CHECK_INT(jxa_sd_set_body(sd, "[{\"targets\":[\"h:1\"]},{\"targets\":[\"h:2\"]}]\n", err,
                              sizeof err), 0);
    CHECK_STR(slurp(p), "[{\"targets\":[\"h:1\"]},{\"targets\":[\"h:2\"]}]\n");
    CHECK_INT(unlink(p), 0);
    CHECK_INT(jxa_sd_refresh(sd, 0, err, sizeof err), 1);
    CHECK_STR(slurp(p), "[{\"targets\":[\"h:1\"]},{\"targets\":[\"h:2\"]}]\n");
    CHECK_INT(count_entries(w.sd), 1);
    /* After the JVM's exit removed it, nothing brings it back. */
    jxa_sd_remove(sd);
    CHECK(!exists(w.sd, jxa_sd_name(sd)));
    CHECK_INT(jxa_sd_refresh(sd, 1, err, sizeof err), 0);
    CHECK_INT(count_entries(w.sd), 0);
    CHECK_INT(jxa_sd_set_body(sd, "[]\n", err, sizeof err), 0);
    CHECK_INT(count_entries(w.sd), 0);
    jxa_sd_free(sd);

    /* A directory that is not there yet: refused, written once it is. */
    char later[160];
    snprintf(later, sizeof later, "%s/later", w.root);
    sd = jxa_sd_open(later, proc, 100, "[]\n", err, sizeof err);
    char want[512];
    snprintf(want, sizeof want, "sd_dir=%s: cannot open the directory (No such file or "
             "directory); create it or fix its permissions", later);
    CHECK_STR(err, want);
    CHECK_INT(jxa_sd_refresh(sd, 0, err, sizeof err), -1);
    CHECK_STR(err, want);
    CHECK_INT(mkdir(later, 0755), 0);
    CHECK_INT(jxa_sd_refresh(sd, 0, err, sizeof err), 1);
    CHECK(exists(later, jxa_sd_name(sd)));
    jxa_sd_remove(sd);
    jxa_sd_free(sd);
    world_free(&w);
}

/* -- planted links and shared names ---------------------------------------------- */

static uint64_t fixed_random(void)
{
    return 0x0123456789abcdefull;
}

/* A symbolic link at any name the agent may create makes it refuse with
 * one line; the link's target is not touched and nothing is left behind. */
static void test_planted_links(void)
{
    struct world w;
    world_new(&w);
    char proc[128], err[1024], p[1024], victim[128], want[1024];
    host_new(&w, "a", BOOT_A, w.ns_init, proc, sizeof proc);
    proc_add(proc, 100, 5000);
    snprintf(victim, sizeof victim, "%s/victim", w.root);
    put(victim, "precious\n");

    /* The sd file's final name. */
    char final[128];
    sd_name(final, sizeof final, BOOT_A, ns_of(proc), 100, 5000);
    snprintf(p, sizeof p, "%s/%s", w.sd, final);
    CHECK_INT(symlink(victim, p), 0);
    struct jxa_sd *sd = jxa_sd_open(w.sd, proc, 100, "[]\n", err, sizeof err);
    snprintf(want, sizeof want, "sd_dir=%s: %s is a symbolic link; not written (in a shared "
             "directory a planted link may point at any file); remove it or choose another "
             "path", w.sd, final);
    CHECK_STR(err, want);
    CHECK_INT(jxa_sd_refresh(sd, 1, err, sizeof err), -1);   /* and again at each check */
    CHECK_STR(err, want);
    CHECK_STR(slurp(victim), "precious\n");
    CHECK_INT(count_entries(w.sd), 1);
    CHECK_INT(unlink(p), 0);
    jxa_sd_free(sd);

    /* The temporary name (made predictable here). */
    jxa_atomicfile_random_for_tests(fixed_random);
    char tmp[160];
    snprintf(tmp, sizeof tmp, ".%s.0123456789abcdef.tmp", final);
    snprintf(p, sizeof p, "%s/%s", w.sd, tmp);
    CHECK_INT(symlink(victim, p), 0);
    sd = jxa_sd_open(w.sd, proc, 100, "[]\n", err, sizeof err);
    snprintf(want, sizeof want, "sd_dir=%s: cannot create %s (File exists); fix the "
             "directory's permissions", w.sd, tmp);
    CHECK_STR(err, want);
    CHECK_STR(slurp(victim), "precious\n");
    CHECK_INT(count_entries(w.sd), 1);
    CHECK_INT(unlink(p), 0);
    jxa_sd_free(sd);

    /* port_file: the file and its temporary name. */
    char port[128];
    snprintf(port, sizeof port, "%s/port", w.sd);
    CHECK_INT(symlink(victim, port), 0);
    CHECK_INT(jxa_atomicfile_write_path(port, "1234\n", 5, 0644, err, sizeof err), -1);
    CHECK_STR(err, "port is a symbolic link; not written (in a shared directory a planted "
                   "link may point at any file); remove it or choose another path");
    CHECK_INT(unlink(port), 0);
    snprintf(p, sizeof p, "%s/.port.0123456789abcdef.tmp", w.sd);
    CHECK_INT(symlink(victim, p), 0);
    CHECK_INT(jxa_atomicfile_write_path(port, "1234\n", 5, 0644, err, sizeof err), -1);
    CHECK_STR(err, "cannot create .port.0123456789abcdef.tmp (File exists); fix the "
                   "directory's permissions");
    CHECK_STR(slurp(victim), "precious\n");
    CHECK_INT(count_entries(w.sd), 1);
    CHECK_INT(unlink(p), 0);
    jxa_atomicfile_random_for_tests(NULL);

    /* A directory at the name: refused too. */
    CHECK_INT(mkdir(port, 0755), 0);
    CHECK_INT(jxa_atomicfile_write_path(port, "1234\n", 5, 0644, err, sizeof err), -1);
    CHECK_STR(err, "port exists and is not a regular file; remove it or choose another path");
    CHECK_INT(rmdir(port), 0);

    /* Nothing planted: written, replaced, nothing else left. */
    CHECK_INT(jxa_atomicfile_write_path(port, "1234\n", 5, 0644, err, sizeof err), 0);
    CHECK_INT(jxa_atomicfile_write_path(port, "4321\n", 5, 0644, err, sizeof err), 0);
    CHECK_STR(slurp(port), "4321\n");
    CHECK_INT(count_entries(w.sd), 1);
    CHECK_INT(jxa_atomicfile_write_path("/nonexistent/dir/port", "1\n", 2, 0644, err,
                                        sizeof err), -1);
    CHECK_STR(err, "cannot open the directory (No such file or directory); create it or fix "
                   "its permissions");
    CHECK_INT(jxa_atomicfile_write_path("/tmp/", "1\n", 2, 0644, err, sizeof err), -1);
    world_free(&w);
}

/* Two containers with the same pid (each its namespace's pid 7, even with
 * the same start tick) share a directory: both register, and neither
 * touches a temporary file of the other's that is being written. */
static void test_same_pid_in_two_namespaces(void)
{
    struct world w;
    world_new(&w);
    char pa[128], pc[128], err[1024], p[1024];
    host_new(&w, "c1", BOOT_A, NULL, pa, sizeof pa);
    host_new(&w, "c2", BOOT_A, NULL, pc, sizeof pc);
    CHECK(ns_of(pa) != ns_of(pc));
    proc_add(pa, 7, 5000);
    proc_add(pc, 7, 5000);
    plant(w.sd, ".jmxagent-7.json.tmp");        /* a writer of the older form, mid-write */
    struct jxa_sd *a = jxa_sd_open(w.sd, pa, 7, "[1]\n", err, sizeof err);
    CHECK_STR(err, "");
    struct jxa_sd *c = jxa_sd_open(w.sd, pc, 7, "[2]\n", err, sizeof err);
    CHECK_STR(err, "");
    CHECK(strcmp(jxa_sd_name(a), jxa_sd_name(c)) != 0);
    snprintf(p, sizeof p, "%s/%s", w.sd, jxa_sd_name(a));
    CHECK_STR(slurp(p), "[1]\n");
    snprintf(p, sizeof p, "%s/%s", w.sd, jxa_sd_name(c));
    CHECK_STR(slurp(p), "[2]\n");
    snprintf(p, sizeof p, "%s/.jmxagent-7.json.tmp", w.sd);
    CHECK_STR(slurp(p), "[]\n");
    CHECK_INT(count_entries(w.sd), 3);
    jxa_sd_remove(a);
    jxa_sd_remove(c);
    jxa_sd_free(a);
    jxa_sd_free(c);
    CHECK_INT(count_entries(w.sd), 1);
    world_free(&w);
}

SUITE(sd)
{
    RUN(test_roles);
    RUN(test_sweep);
    RUN(test_two_hosts_share_a_directory);
    RUN(test_unreadable_is_not_dead);
    RUN(test_removed_file_comes_back);
    RUN(test_planted_links);
    RUN(test_same_pid_in_two_namespaces);
}
