/* test_buf.c - the growable buffer. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "check.h"

static void test_empty_is_valid(void)
{
    struct jxa_buf b = {0};
    CHECK_STR(jxa_buf_str(&b), "");
    CHECK_INT(b.len, 0);
    jxa_buf_init(&b);
    CHECK_STR(jxa_buf_str(&b), "");
    char *s = jxa_buf_steal(&b);
    CHECK_STR(s, "");
    free(s);
    jxa_buf_free(&b);
}

static void test_append_and_grow(void)
{
    struct jxa_buf b = {0};
    for (int i = 0; i < 1000; i++)
        CHECK_INT(jxa_buf_puts(&b, "abc"), 0);
    CHECK_INT(b.len, 3000);
    CHECK_INT(strlen(jxa_buf_str(&b)), 3000);
    CHECK(memcmp(b.data + 2997, "abc", 4) == 0);     /* NUL-terminated */
    CHECK_INT(jxa_buf_putc(&b, 'x'), 0);
    CHECK_INT(jxa_buf_put(&b, "yz", 2), 0);
    CHECK_STR(b.data + 3000, "xyz");
    jxa_buf_free(&b);
    CHECK(b.data == NULL);
}

static void test_printf(void)
{
    struct jxa_buf b = {0};
    jxa_buf_puts(&b, "n=");
    CHECK_INT(jxa_buf_printf(&b, "%d/%s", 42, "x"), 0);
    CHECK_STR(jxa_buf_str(&b), "n=42/x");
    /* Longer than the initial capacity: the second vsnprintf pass. */
    char big[500];
    memset(big, 'q', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    CHECK_INT(jxa_buf_printf(&b, "[%s]", big), 0);
    CHECK_INT(b.len, 6 + 501);
    CHECK(b.data[b.len - 1] == ']' && b.data[b.len] == '\0');
    jxa_buf_free(&b);
}

static void test_reset_truncate_steal(void)
{
    struct jxa_buf b = {0};
    jxa_buf_puts(&b, "hello world");
    jxa_buf_truncate(&b, 5);
    CHECK_STR(jxa_buf_str(&b), "hello");
    jxa_buf_truncate(&b, 50);               /* longer: no-op */
    CHECK_INT(b.len, 5);
    size_t cap = b.cap;
    jxa_buf_reset(&b);
    CHECK_STR(jxa_buf_str(&b), "");
    CHECK_INT(b.cap, cap);                  /* memory kept */
    jxa_buf_puts(&b, "again");
    char *s = jxa_buf_steal(&b);
    CHECK_STR(s, "again");
    CHECK(b.data == NULL && b.len == 0);
    free(s);
}

static void test_failed_is_sticky(void)
{
    struct jxa_buf b = {0};
    jxa_buf_puts(&b, "ok");
    b.failed = true;                        /* as after an ENOMEM */
    CHECK_INT(jxa_buf_puts(&b, "more"), -1);
    CHECK_INT(jxa_buf_putc(&b, 'x'), -1);
    CHECK_INT(jxa_buf_printf(&b, "%d", 1), -1);
    CHECK_STR(jxa_buf_str(&b), "ok");
    CHECK(jxa_buf_steal(&b) == NULL);       /* partial text is not handed out */
    jxa_buf_puts(&b, "x");                  /* steal emptied it: usable again */
    CHECK_STR(jxa_buf_str(&b), "x");
    jxa_buf_reset(&b);
    CHECK(!b.failed);
    jxa_buf_free(&b);
}

static void test_reserve_overflow(void)
{
    struct jxa_buf b = {0};
    CHECK_INT(jxa_buf_reserve(&b, (size_t)-1), -1);
    CHECK(b.failed);
    jxa_buf_free(&b);
}

/* A mapped buffer behaves as a malloc'd one: grows (mremap), keeps its
 * bytes, survives reset and free as mapped, steals a malloc'd copy. */
static void test_mapped(void)
{
    struct jxa_buf b;
    jxa_buf_init_mapped(&b);
    CHECK_STR(jxa_buf_str(&b), "");
    for (int i = 0; i < 100000; i++)
        CHECK_INT(jxa_buf_printf(&b, "%05d\n", i % 100000), 0);
    CHECK_INT(b.len, 600000);
    CHECK(memcmp(b.data, "00000\n00001\n", 12) == 0);
    CHECK(memcmp(b.data + b.len - 6, "99999\n", 7) == 0);
    CHECK(b.cap % 4096 == 0);
    jxa_buf_reset(&b);
    CHECK(b.mapped && b.len == 0);
    CHECK_INT(jxa_buf_puts(&b, "abc"), 0);
    jxa_buf_free(&b);
    CHECK(b.mapped && b.data == NULL);
    CHECK_INT(jxa_buf_puts(&b, "xyz"), 0);
    char *s = jxa_buf_steal(&b);
    CHECK_STR(s, "xyz");
    free(s);
    CHECK(b.mapped && b.data == NULL);
}

/* A kept string costs its length, not the 64 bytes jxa_buf_reserve starts
 * with: the bean cache holds 100,000 of them for 10,000 MBeans. */
static void test_reserve_exact(void)
{
    struct jxa_buf b = {0};
    CHECK_INT(jxa_buf_reserve_exact(&b, 5), 0);
    CHECK_INT(b.cap, 6);
    CHECK_INT(jxa_buf_put(&b, "hello", 5), 0);
    CHECK_INT(b.cap, 6);
    CHECK_STR(jxa_buf_str(&b), "hello");
    /* Room already there: nothing moves. */
    CHECK_INT(jxa_buf_reserve_exact(&b, 0), 0);
    CHECK_INT(b.cap, 6);
    /* Appends after it grow by doubling as before. */
    CHECK_INT(jxa_buf_puts(&b, " world"), 0);
    CHECK_INT(b.cap, 12);
    CHECK_STR(jxa_buf_str(&b), "hello world");
    char *s = jxa_buf_steal(&b);
    CHECK_STR(s, "hello world");
    free(s);
    /* A mapped buffer still grows by whole pages. */
    jxa_buf_init_mapped(&b);
    CHECK_INT(jxa_buf_reserve_exact(&b, 5), 0);
    CHECK(b.cap % 4096 == 0);
    jxa_buf_free(&b);
}

SUITE(buf)
{
    RUN(test_reserve_exact);
    RUN(test_mapped);
    RUN(test_empty_is_valid);
    RUN(test_append_and_grow);
    RUN(test_printf);
    RUN(test_reset_truncate_steal);
    RUN(test_failed_is_sticky);
    RUN(test_reserve_overflow);
}
