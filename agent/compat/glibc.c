/* The few libc functions the agent calls that are newer than glibc 2.17,
 * the oldest glibc the self-contained build targets (README, Build).
 * Linked only into that build, hidden like everything else: the agent's
 * calls bind to these copies, and the .so asks the running glibc for no
 * symbol version above GLIBC_2.17 (test/portable checks it).  The
 * sanitizer and unit-test builds use the system's glibc instead. */
#include <string.h>

/* glibc 2.25.  The empty asm takes the buffer as an input and clobbers
 * memory, so the compiler cannot drop the memset as a dead store before a
 * free(): the reason the agent wipes tokens with explicit_bzero. */
void explicit_bzero(void *p, size_t n)
{
    memset(p, 0, n);
    __asm__ __volatile__("" : : "r"(p) : "memory");
}

/* glibc 2.25: what -D_FORTIFY_SOURCE turns explicit_bzero into when the
 * buffer's size is known.  The size check is the point of fortification,
 * so it stays: an overflow aborts as glibc's own __chk functions do. */
void __explicit_bzero_chk(void *p, size_t n, size_t destlen);
void __explicit_bzero_chk(void *p, size_t n, size_t destlen)
{
    if (n > destlen)
        __builtin_trap();
    explicit_bzero(p, n);
}
