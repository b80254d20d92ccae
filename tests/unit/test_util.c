/*
 * test_util.c — util.c's input door (rb_read_file: type and size checked before reading)
 * and text shown on a terminal (buf_add_shown, buf_add_shown_chunk).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "unit.h"
#include "util.h"

static int shown_is(const char *in, size_t n, const char *want)
{
    rb_buf b;
    buf_init(&b);
    buf_add_shown(&b, in, n);
    int ok = strcmp(buf_cstr(&b), want) == 0;
    if (!ok) printf("    got: %s\n", buf_cstr(&b));
    buf_free(&b);
    return ok;
}

/* The shown text of s fed in chunks cut at random places, carrying what each call leaves. */
static char *shown_in_chunks(const unsigned char *s, size_t n, unsigned *seed)
{
    rb_buf out, carry;
    buf_init(&out);
    buf_init(&carry);
    size_t i = 0;
    while (i < n) {
        size_t k = 1 + (size_t)(rand_r(seed) % 5);
        if (k > n - i) k = n - i;
        buf_addn(&carry, (const char *)s + i, k);
        i += k;
        size_t used = buf_add_shown_chunk(&out, carry.data, carry.len, i == n);
        memmove(carry.data, carry.data + used, carry.len - used);
        carry.len -= used;
    }
    if (carry.len) buf_add_shown_chunk(&out, carry.data, carry.len, 1);
    buf_free(&carry);
    return buf_take(&out);
}

static void test_shown(void)
{
    CHECK(shown_is("a\tb\nc \xC3\xA9\xE2\x80\x94\xF0\x9F\x94\xA5", 15, "a\tb\nc \xC3\xA9\xE2\x80\x94\xF0\x9F\x94\xA5"),
          "shown: UTF-8 text, tabs and newlines are kept");
    CHECK(shown_is("\x1b]0;t\x07\x1b[2J\r\x7f\0", 13, "\\x1b]0;t\\x07\\x1b[2J\\x0d\\x7f\\x00"),
          "shown: ESC, BEL, CR, DEL and NUL are escaped as \\xHH");
    CHECK(shown_is("\xC2\x9B" "1m\xC2\x85", 6, "\\u009b1m\\u0085"), "shown: C1 controls are escaped as \\u00HH");
    CHECK(shown_is("\x9B\xFF\xC3", 3, "\\x9b\\xff\\xc3"), "shown: bytes that are not UTF-8 are escaped");
    CHECK(shown_is("\xC2\xA0", 2, "\xC2\xA0"), "shown: U+00A0 (just past C1) is text");

    /* Seeded property: cutting the input anywhere never changes what is shown. */
    unsigned seed0 = (unsigned)getpid();
    int bad = 0;
    static const unsigned char alphabet[] = {'a', '\t', '\n', 0x1b, 0x7f, 0xC2, 0x9B, 0xA0, 0xE2, 0x80,
                                             0x94, 0xF0, 0x9F, 0x94, 0xA5, 0xC3, 0xA9, 0xFF, 0x00, 0x0d};
    for (int round = 0; round < 2000 && !bad; round++) {
        unsigned seed = seed0 + (unsigned)round, s2 = seed;
        unsigned char in[64];
        size_t n = (size_t)(rand_r(&s2) % sizeof in);
        for (size_t i = 0; i < n; i++) in[i] = alphabet[rand_r(&s2) % sizeof alphabet];
        rb_buf whole;
        buf_init(&whole);
        buf_add_shown(&whole, (const char *)in, n);
        char *chunked = shown_in_chunks(in, n, &s2);
        if (strcmp(chunked, buf_cstr(&whole)) != 0) {
            bad = 1;
            printf("    seed %u: whole \"%s\" chunked \"%s\"\n", seed, buf_cstr(&whole), chunked);
        }
        rb_free(chunked);
        buf_free(&whole);
    }
    CHECK(!bad, "shown in chunks = shown whole, for 2000 random texts cut at random (seeds %u..)", seed0);
}

static void test_read_file(const char *tmpdir)
{
    char path[512];
    size_t len = 0;
    errno = 0;
    CHECK(!rb_read_file("/dev/zero", &len) && strstr(rb_read_error(), "character device"),
          "rb_read_file refuses /dev/zero before reading");
    CHECK(!rb_read_file(tmpdir, &len) && errno == EISDIR, "rb_read_file refuses a directory");
    snprintf(path, sizeof path, "%s/util-fifo", tmpdir);
    unlink(path);
    if (mkfifo(path, 0600) == 0) {
        CHECK(!rb_read_file(path, &len) && strstr(rb_read_error(), "FIFO"),
              "rb_read_file refuses a FIFO without waiting for a writer");
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/util-big", tmpdir);
    FILE *f = fopen(path, "w");
    int made = f && ftruncate(fileno(f), (off_t)RB_INPUT_MAX + 1) == 0;
    if (f) fclose(f);
    CHECK(made && !rb_read_file(path, &len) && errno == EFBIG && strstr(rb_read_error(), "64 MiB"),
          "rb_read_file refuses a file over the limit");
    f = fopen(path, "w");
    made = f && ftruncate(fileno(f), (off_t)RB_INPUT_MAX) == 0;
    if (f) fclose(f);
    char *text = made ? rb_read_file(path, &len) : NULL;
    CHECK(text && len == RB_INPUT_MAX, "rb_read_file reads a file of exactly the limit");
    rb_free(text);
    unlink(path);
    CHECK(rb_check_input("/dev/null") < 0 && rb_check_input("/nonexistent/x") < 0 && errno == ENOENT,
          "rb_check_input: a device and a missing file");
}

void test_util(const char *tmpdir);
void test_util(const char *tmpdir)
{
    test_shown();
    test_read_file(tmpdir);
}
