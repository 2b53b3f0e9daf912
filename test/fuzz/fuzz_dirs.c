/* fuzz_dirs.c - linked into every fuzz target: where a run by hand
 * writes.  libFuzzer adds the inputs it finds to the first corpus
 * directory on its command line and writes crashes into the working
 * directory, so `build/fuzz/fuzz_config test/fuzz/seeds/config` from the
 * checkout would fill the committed seeds and the checkout's top with
 * thousands of files.  Before libFuzzer reads its flags (it calls
 * LLVMFuzzerInitialize first), this puts build/fuzz/corpus-<target> in
 * front of a first corpus directory that is outside build/fuzz, and adds
 * -artifact_prefix=build/fuzz/<target>/ when none is given: what `make
 * fuzz` passes itself, so its runs are unchanged.  A merge or a crash
 * minimisation names its output directory on purpose and is left alone. */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* p is dir itself or below it (both real paths). */
static bool under(const char *p, const char *dir)
{
    char rp[PATH_MAX];
    size_t n = strlen(dir);
    return realpath(p, rp) != NULL && strncmp(rp, dir, n) == 0 && (rp[n] == '/' || rp[n] == '\0');
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char exe[PATH_MAX], bindir[PATH_MAX];
    if (realpath("/proc/self/exe", exe) == NULL)
        return 0;
    snprintf(bindir, sizeof bindir, "%s", exe);
    *strrchr(bindir, '/') = '\0';       /* a real path: absolute */
    const char *name = strrchr(exe, '/') + 1;
    if (strncmp(name, "fuzz_", 5) == 0)
        name += 5;
    bool has_prefix = false;
    int first_dir = -1;
    for (int i = 1; i < *argc; i++) {
        const char *a = (*argv)[i];
        if (strncmp(a, "-artifact_prefix=", 17) == 0)
            has_prefix = true;
        else if (strncmp(a, "-merge=", 7) == 0 || strncmp(a, "-set_cover_merge=", 17) == 0 ||
                 strncmp(a, "-minimize_crash=", 16) == 0 || strncmp(a, "-cleanse_crash=", 15) == 0)
            return 0;
        else if (a[0] != '-' && first_dir < 0 && is_dir(a))
            first_dir = i;
    }
    bool add_corpus = first_dir > 0 && !under((*argv)[first_dir], bindir);
    if (has_prefix && !add_corpus)
        return 0;
    /* Kept for the whole run: libFuzzer reads argv after this returns.
     * It takes flags and directories in any order. */
    static char corpus[PATH_MAX + 32], prefix[PATH_MAX + 64];
    char **nv = calloc((size_t)*argc + 3, sizeof *nv);
    if (nv == NULL)
        return 0;
    int n = 0;
    for (int i = 0; i < *argc; i++) {
        if (i == first_dir && add_corpus) {
            snprintf(corpus, sizeof corpus, "%s/corpus-%s", bindir, name);
            mkdir(corpus, 0777);
            nv[n++] = corpus;
            fprintf(stderr, "fuzz_dirs: new inputs go to %s, not %s\n", corpus, (*argv)[i]);
        }
        nv[n++] = (*argv)[i];
    }
    if (!has_prefix) {
        snprintf(prefix, sizeof prefix, "%s/%s", bindir, name);
        mkdir(prefix, 0777);
        snprintf(prefix, sizeof prefix, "-artifact_prefix=%s/%s/", bindir, name);
        nv[n++] = prefix;
    }
    nv[n] = NULL;
    *argc = n;
    *argv = nv;
    return 0;
}
