/* randbytes.h - random bytes from the kernel.
 *
 * getrandom(2) through syscall(): glibc added its wrapper in 2.25, and the
 * self-contained build targets glibc 2.17 (README, Build), whose headers
 * do not declare it.  The system call itself exists from Linux 3.17; on an
 * older kernel, or under a seccomp filter that refuses it, this fails and
 * the caller falls back (every caller has a fallback). */
#ifndef JXA_RANDBYTES_H
#define JXA_RANDBYTES_H

#include <stdbool.h>
#include <stddef.h>

/* Fills buf with n random bytes.  nonblock: fail rather than wait for the
 * kernel's entropy pool at early boot.  Returns true when all n bytes
 * were written, false otherwise (buf then holds no promise).  Retries on
 * EINTR and short reads. */
bool jxa_random_bytes(void *buf, size_t n, bool nonblock);

#endif
