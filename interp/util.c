/*
 * util.c — the allocator (with fault injection for tests), the byte buffer, the one way
 * runbook reads an input file (type and size checked first), and text made safe to show.
 *
 * RUNBOOK_FAIL_ALLOC=N makes the Nth call to rb_malloc/rb_realloc fail, so tests can walk
 * N = 1, 2, … and prove that running out of memory ends cleanly, never with a crash.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "util.h"

static long fail_at = -1;     /* the allocation to fail; read once from the environment */
static long alloc_count;

static int should_fail(void)
{
    if (fail_at == -1) {
        const char *s = getenv("RUNBOOK_FAIL_ALLOC");
        fail_at = s ? atol(s) : 0;
    }
    return fail_at > 0 && ++alloc_count == fail_at;
}

void *rb_malloc(size_t n)
{
    if (should_fail()) return NULL;
    return malloc(n ? n : 1);
}

void *rb_realloc(void *p, size_t n)
{
    if (should_fail()) return NULL;
    return realloc(p, n ? n : 1);
}

void rb_free(void *p) { free(p); }

_Noreturn void rb_oom(void)
{
    fputs("runbook: out of memory\n", stderr);
    exit(70);
}

void *rb_xmalloc(size_t n)
{
    void *p = rb_malloc(n);
    if (!p) rb_oom();
    return p;
}

void *rb_xcalloc(size_t n, size_t size)
{
    if (size && n > (size_t)-1 / size) rb_oom();
    void *p = rb_xmalloc(n * size);
    memset(p, 0, n * size);
    return p;
}

void *rb_xrealloc(void *p, size_t n)
{
    void *q = rb_realloc(p, n);
    if (!q) rb_oom();
    return q;
}

char *rb_xstrndup(const char *s, size_t n)
{
    char *p = rb_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *rb_xstrdup(const char *s) { return rb_xstrndup(s, strlen(s)); }

void buf_init(rb_buf *b) { b->data = NULL; b->len = b->cap = 0; }
void buf_free(rb_buf *b) { rb_free(b->data); buf_init(b); }
void buf_reset(rb_buf *b) { b->len = 0; if (b->data) b->data[0] = '\0'; }

static void buf_grow(rb_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1) {
        if (cap > ((size_t)-1) / 2) rb_oom();
        cap *= 2;
    }
    b->data = rb_xrealloc(b->data, cap);
    b->cap = cap;
}

void buf_addn(rb_buf *b, const char *s, size_t n)
{
    buf_grow(b, n);
    if (n) memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void buf_adds(rb_buf *b, const char *s) { buf_addn(b, s, strlen(s)); }
void buf_addc(rb_buf *b, char c) { buf_addn(b, &c, 1); }

void buf_vprintf(rb_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) return;
    buf_grow(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void buf_printf(rb_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

const char *buf_cstr(rb_buf *b) { return b->data ? b->data : ""; }

char *buf_take(rb_buf *b)
{
    char *p = b->data ? b->data : rb_xstrdup("");
    buf_init(b);
    return p;
}

size_t utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0], lo = 0x80, hi = 0xBF;
    if (c < 0x80) return 1;
    if (c < 0xC2 || c > 0xF4) return 0;
    size_t len = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (c == 0xE0) lo = 0xA0;
    else if (c == 0xED) hi = 0x9F;
    else if (c == 0xF0) lo = 0x90;
    else if (c == 0xF4) hi = 0x8F;
    if (n < len || s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < len; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    return len;
}

/* One U+FFFD per bad byte: simple, and never hides how much was wrong. */
void buf_add_utf8(rb_buf *b, const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t len = p[i] ? utf8_seq(p + i, n - i) : 0;
        if (len) buf_addn(b, s + i, len);
        else buf_adds(b, "\xEF\xBF\xBD");
        i += len ? len : 1;
    }
}

/* ---- text shown on a terminal ---- */

/* Could s[0..n) (n < 4, no complete sequence) still become a well-formed UTF-8 sequence? */
static int utf8_prefix(const unsigned char *s, size_t n)
{
    if (s[0] < 0xC2 || s[0] > 0xF4) return 0;
    size_t len = s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : 4;
    if (n >= len) return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    return 1;
}

size_t buf_add_shown_chunk(rb_buf *b, const char *s, size_t n, int final)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        if (c < 0x80) {
            if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) buf_printf(b, "\\x%02x", c);
            else buf_addc(b, (char)c);
            i++;
            continue;
        }
        size_t len = utf8_seq(p + i, n - i);
        if (len == 2 && c == 0xC2 && p[i + 1] <= 0x9F) {   /* a C1 control, U+0080..U+009F */
            buf_printf(b, "\\u%04x", p[i + 1]);
        } else if (len) {
            buf_addn(b, s + i, len);
        } else if (!final && utf8_prefix(p + i, n - i)) {
            return i;                                       /* the next chunk may complete it */
        } else {
            buf_printf(b, "\\x%02x", c);                    /* not UTF-8: the byte's value */
            len = 1;
        }
        i += len;
    }
    return n;
}

void buf_add_shown(rb_buf *b, const char *s, size_t n) { buf_add_shown_chunk(b, s, n, 1); }

/* ---- reading input files: one door, one check ---- */

static char read_why[512];   /* why the last rb_read_file failed, for people */

const char *rb_read_error(void) { return read_why[0] ? read_why : strerror(EIO); }

__attribute__((format(printf, 2, 3)))
static void read_fail(int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(read_why, sizeof read_why, fmt, ap);
    va_end(ap);
    errno = err;
}

static const char *file_kind(mode_t m)
{
    return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO (named pipe)" : S_ISCHR(m) ? "a character device"
         : S_ISBLK(m) ? "a block device" : S_ISSOCK(m) ? "a socket" : "not a regular file";
}

/* The type and size check for one open file: 0, or -1 after read_fail. */
static int check_input(int fd, struct stat *st)
{
    if (fstat(fd, st) < 0) {
        read_fail(errno, "%s", strerror(errno));
        return -1;
    }
    if (!S_ISREG(st->st_mode)) {
        read_fail(S_ISDIR(st->st_mode) ? EISDIR : EINVAL, "%s, not a regular file", file_kind(st->st_mode));
        return -1;
    }
    if ((uintmax_t)st->st_size > RB_INPUT_MAX) {
        read_fail(EFBIG, "%jd bytes, more than the %u MiB limit for files runbook reads", (intmax_t)st->st_size,
                  RB_INPUT_MAX >> 20);
        return -1;
    }
    return 0;
}

int rb_check_input(const char *path)
{
    read_why[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        read_fail(errno, "%s", strerror(errno));
        return -1;
    }
    struct stat st;
    int rc = check_input(fd, &st);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

/* O_NONBLOCK: opening a FIFO must not wait for a writer; the check refuses it after. */
char *rb_read_file(const char *path, size_t *len)
{
    read_why[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        read_fail(errno, "%s", strerror(errno));
        return NULL;
    }
    struct stat st;
    if (check_input(fd, &st) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return NULL;
    }
    rb_buf b;
    buf_init(&b);
    char chunk[65536];
    ssize_t n;
    int err = 0;
    for (;;) {
        n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) err = errno;
        if (n <= 0) break;
        if (b.len + (size_t)n > RB_INPUT_MAX) {   /* it grew while being read */
            err = EFBIG;
            break;
        }
        buf_addn(&b, chunk, (size_t)n);
    }
    close(fd);
    if (err) {
        buf_free(&b);
        if (err == EFBIG) read_fail(err, "more than the %u MiB limit for files runbook reads", RB_INPUT_MAX >> 20);
        else read_fail(err, "%s", strerror(err));
        return NULL;
    }
    if (len) *len = b.len;
    return buf_take(&b);
}
