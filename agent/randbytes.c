/* randbytes.c - see randbytes.h. */
#include "randbytes.h"

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

/* GRND_NONBLOCK of <linux/random.h>, not included for one constant. */
#define JXA_GRND_NONBLOCK 0x0001u

bool jxa_random_bytes(void *buf, size_t n, bool nonblock)
{
    unsigned char *p = buf;
    size_t got = 0;
    while (got < n) {
        long r = syscall(SYS_getrandom, p + got, n - got, nonblock ? JXA_GRND_NONBLOCK : 0u);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        got += (size_t)r;
    }
    return true;
}
