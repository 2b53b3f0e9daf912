/* atomicfile.c - see atomicfile.h. */
#include "atomicfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "randbytes.h"

static uint64_t (*_Atomic random_hook)(void);

static uint64_t random64(void)
{
    uint64_t (*hook)(void) = atomic_load(&random_hook);
    if (hook != NULL)
        return hook();
    uint64_t r;
    if (jxa_random_bytes(&r, sizeof r, true))
        return r;
    /* No getrandom (a kernel before 3.17, a seccomp filter) or no entropy
     * yet: the name only has to differ from other writers'; O_EXCL is what
     * keeps a planted file out, not the name being unguessable. */
    static _Atomic uint64_t counter;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ((uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30)) * 0x9E3779B97F4A7C15ull ^
           ((uint64_t)getpid() << 40) ^ atomic_fetch_add(&counter, 1);
}

void jxa_atomicfile_random_for_tests(uint64_t (*fn)(void))
{
    atomic_store(&random_hook, fn);
}

static int write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = EIO;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int jxa_atomicfile_write(const char *dir, const char *name, const void *data, size_t len,
                         mode_t mode, char *err, size_t errlen)
{
    int saved = 0;
    /* O_PATH: no read permission needed on the directory itself, and every
     * later step resolves names in this very directory even if a component
     * of its path is renamed meanwhile. */
    int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        saved = errno;
        snprintf(err, errlen, "cannot open the directory (%s); create it or fix its "
                 "permissions", strerror(saved));
        errno = saved;
        return -1;
    }
    struct stat st;
    if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode)) {
        saved = S_ISLNK(st.st_mode) ? ELOOP : EISDIR;
        if (S_ISLNK(st.st_mode))
            snprintf(err, errlen, "%s is a symbolic link; not written (in a shared directory "
                     "a planted link may point at any file); remove it or choose another "
                     "path", name);
        else
            snprintf(err, errlen, "%s exists and is not a regular file; remove it or choose "
                     "another path", name);
        close(dfd);
        errno = saved;
        return -1;
    }
    char tmp[NAME_MAX + 1];
    if (snprintf(tmp, sizeof tmp, ".%s.%016llx.tmp", name, (unsigned long long)random64()) >=
        (int)sizeof tmp) {
        snprintf(err, errlen, "%s: name too long for a temporary file beside it; choose a "
                 "shorter name", name);
        close(dfd);
        errno = ENAMETOOLONG;
        return -1;
    }
    int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) {
        saved = errno;
        snprintf(err, errlen, "cannot create %s (%s); fix the directory's permissions", tmp,
                 strerror(saved));
        close(dfd);
        errno = saved;
        return -1;
    }
    int rc = 0;
    if (write_all(fd, data, len) != 0) {
        saved = errno;
        snprintf(err, errlen, "cannot write %s (%s)", tmp, strerror(saved));
        close(fd);
        rc = -1;
    } else if (close(fd) != 0) {
        saved = errno;
        snprintf(err, errlen, "cannot write %s (%s)", tmp, strerror(saved));
        rc = -1;
    } else if (renameat(dfd, tmp, dfd, name) != 0) {
        /* The rename is what makes it atomic: a reader (Prometheus' file
         * watch) sees the old file or the whole new one. */
        saved = errno;
        snprintf(err, errlen, "cannot rename %s to %s (%s)", tmp, name, strerror(saved));
        rc = -1;
    }
    if (rc != 0)
        unlinkat(dfd, tmp, 0);
    close(dfd);
    if (rc != 0)
        errno = saved;
    return rc;
}

int jxa_atomicfile_write_path(const char *path, const void *data, size_t len, mode_t mode,
                              char *err, size_t errlen)
{
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    char dir[PATH_MAX];
    size_t dlen = slash == NULL ? 1 : slash == path ? 1 : (size_t)(slash - path);
    if (*name == '\0' || dlen >= sizeof dir) {
        snprintf(err, errlen, *name == '\0' ? "names a directory; give the path of a file"
                                            : "path too long");
        errno = *name == '\0' ? EISDIR : ENAMETOOLONG;
        return -1;
    }
    memcpy(dir, slash == NULL ? "." : slash == path ? "/" : path, dlen);
    dir[dlen] = '\0';
    return jxa_atomicfile_write(dir, name, data, len, mode, err, errlen);
}
