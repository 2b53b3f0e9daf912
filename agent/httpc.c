/* httpc.c - see httpc.h. */
#include "httpc.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for ev on fd until the deadline.  1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short ev, long long deadline)
{
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0)
            return 0;
        struct pollfd p = {fd, ev, 0};
        int n = poll(&p, 1, (int)(left > 60000 ? 60000 : left));
        if (n > 0)
            return 1;
        if (n < 0 && errno != EINTR)
            return -1;
    }
}

static int connect_one(const struct addrinfo *ai, long long deadline, int *err_out)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                    ai->ai_protocol);
    if (fd < 0) {
        *err_out = errno;
        return -1;
    }
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
        return fd;
    if (errno != EINPROGRESS) {
        *err_out = errno;
        close(fd);
        return -1;
    }
    int w = wait_fd(fd, POLLOUT, deadline);
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    if (w <= 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0 || soerr != 0) {
        *err_out = w == 0 ? ETIMEDOUT : soerr ? soerr : errno;
        close(fd);
        return -1;
    }
    return fd;
}

static int send_all(int fd, const char *p, size_t n, long long deadline)
{
    while (n > 0) {
        /* MSG_NOSIGNAL: a receiver that closes early gives EPIPE, never a
         * SIGPIPE for the JVM to see (docs/design.md §9). */
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int r = wait_fd(fd, POLLOUT, deadline);
            if (r <= 0) {
                errno = r == 0 ? ETIMEDOUT : errno;
                return -1;
            }
            continue;
        }
        return -1;
    }
    return 0;
}

#define MAX_ANSWER 65536

int jxa_httpc_post(const struct jxa_httpc_req *r, char *err, size_t errlen)
{
    long long t0 = now_ms(), deadline = t0 + r->timeout_ms;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    int gai = getaddrinfo(r->host, r->port, &hints, &res);
    if (gai != 0) {
        snprintf(err, errlen, "cannot resolve %s: %s", r->host, gai_strerror(gai));
        return -1;
    }
    int fd = -1, cerr = 0;
    for (struct addrinfo *ai = res; ai != NULL && fd < 0; ai = ai->ai_next)
        fd = connect_one(ai, deadline, &cerr);
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(err, errlen, "cannot connect to %s:%s: %s", r->host, r->port,
                 cerr == ETIMEDOUT ? "timed out" : strerror(cerr));
        return -1;
    }
    struct jxa_buf h = {0};
    bool v6 = strchr(r->host, ':') != NULL;
    jxa_buf_printf(&h, "POST %s HTTP/1.1\r\nHost: %s%s%s:%s\r\nContent-Type: %s\r\n"
                   "Content-Length: %zu\r\nConnection: close\r\nUser-Agent: libspark_jmxagent\r\n",
                   r->path, v6 ? "[" : "", r->host, v6 ? "]" : "", r->port, r->content_type,
                   r->len);
    for (size_t i = 0; i < r->nheaders; i++)
        jxa_buf_printf(&h, "%s: %s\r\n", r->headers[i].key, r->headers[i].value);
    jxa_buf_puts(&h, "\r\n");
    int status = -1;
    if (h.failed) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    if (send_all(fd, h.data, h.len, deadline) < 0 ||
        send_all(fd, r->body, r->len, deadline) < 0) {
        snprintf(err, errlen, "sending to %s:%s failed: %s", r->host, r->port,
                 errno == ETIMEDOUT ? "timed out" : strerror(errno));
        goto out;
    }
    /* The status line and the headers (what fits); the rest is counted
     * and dropped.  Done at the end of the body when the answer says how
     * long it is: a receiver that keeps the connection open despite
     * Connection: close must not hold us until the deadline. */
    char ans[4096];
    size_t got = 0, total = 0, head = 0;
    long long clen = -1;
    for (;;) {
        char tmp[4096];
        ssize_t n = recv(fd, tmp, sizeof tmp, 0);
        if (n > 0) {
            size_t take = (size_t)n < sizeof ans - 1 - got ? (size_t)n : sizeof ans - 1 - got;
            memcpy(ans + got, tmp, take);
            got += take;
            ans[got] = '\0';
            total += (size_t)n;
            if (head == 0) {
                char *eoh = strstr(ans, "\r\n\r\n");
                if (eoh != NULL) {
                    head = (size_t)(eoh - ans) + 4;
                    for (char *l = strstr(ans, "\r\n"); l != NULL && l < eoh;
                         l = strstr(l + 2, "\r\n"))
                        if (strncasecmp(l + 2, "Content-Length:", 15) == 0)
                            clen = strtoll(l + 17, NULL, 10);
                }
            }
            if (total >= MAX_ANSWER || (head > 0 && clen >= 0 && total >= head + (size_t)clen))
                break;
            continue;
        }
        if (n == 0)
            break;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            int w = wait_fd(fd, POLLIN, deadline);
            if (w > 0)
                continue;
            if (got > 0 && memchr(ans, '\n', got) != NULL)
                break;          /* the status is in; the rest does not matter */
            snprintf(err, errlen, "no answer from %s:%s within %d ms", r->host, r->port,
                     r->timeout_ms);
            goto out;
        }
        break;
    }
    ans[got] = '\0';
    int code = 0;
    if (sscanf(ans, "HTTP/%*d.%*d %d", &code) != 1 || code < 100 || code > 999) {
        snprintf(err, errlen, "%s:%s did not answer with HTTP", r->host, r->port);
        goto out;
    }
    status = code;
out:
    jxa_buf_free(&h);
    close(fd);
    return status;
}
