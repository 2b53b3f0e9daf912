/* log.c - see log.h. */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static atomic_int log_fd = 2;
static atomic_int log_level = JXA_LOG_INFO;

static const char *const level_names[] = {"ERROR", "WARN", "INFO", "DEBUG"};

int jxa_log_open(const char *path, enum jxa_log_level level)
{
    atomic_store(&log_level, level);
    if (path == NULL || path[0] == '\0') {
        int old = atomic_exchange(&log_fd, 2);
        if (old > 2)
            close(old);
        return 0;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        jxa_warn("log=%s: cannot open (%s); logging to stderr", path,
                  strerror(errno));
        return -1;
    }
    int old = atomic_exchange(&log_fd, fd);
    if (old > 2)
        close(old);
    return 0;
}

void jxa_log_set_level(enum jxa_log_level level)
{
    atomic_store(&log_level, level);
}

void jxa_log(enum jxa_log_level level, const char *fmt, ...)
{
    if ((int)level > atomic_load(&log_level))
        return;
    char line[1024];
    int n = snprintf(line, sizeof line, "jmxagent: %s: ", level_names[level]);
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    line[len++] = '\n';
    /* One write per line so lines from several threads never interleave. */
    ssize_t w = write(atomic_load(&log_fd), line, len);
    (void)w;
}
