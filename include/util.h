/*
 * util.h — the one allocator and a growable byte buffer.
 *
 * Every heap allocation in runbook goes through rb_malloc/rb_realloc/rb_free so that a
 * debug switch (RUNBOOK_FAIL_ALLOC=N) can fail the Nth allocation and tests can prove
 * that out-of-memory never crashes.  rb_xmalloc and friends print a message and exit(70)
 * when memory runs out: they are for places that cannot report failure upward.
 */
#ifndef RB_UTIL_H
#define RB_UTIL_H

#include <stddef.h>
#include <stdarg.h>

void *rb_malloc(size_t n);
void *rb_realloc(void *p, size_t n);
void rb_free(void *p);

/* Never return NULL: on exhaustion they print "out of memory" and exit(70). */
void *rb_xmalloc(size_t n);
void *rb_xcalloc(size_t n, size_t size);
void *rb_xrealloc(void *p, size_t n);
char *rb_xstrdup(const char *s);
char *rb_xstrndup(const char *s, size_t n);
_Noreturn void rb_oom(void);

/* A growable byte buffer, always NUL-terminated when len > 0 or after buf_cstr(). */
typedef struct rb_buf {
    char *data;
    size_t len, cap;
} rb_buf;

void buf_init(rb_buf *b);
void buf_free(rb_buf *b);
void buf_reset(rb_buf *b);
void buf_addn(rb_buf *b, const char *s, size_t n);
void buf_adds(rb_buf *b, const char *s);
void buf_addc(rb_buf *b, char c);
void buf_printf(rb_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(rb_buf *b, const char *fmt, va_list ap);
/* The contents as a C string (never NULL; "" for an empty buffer). */
const char *buf_cstr(rb_buf *b);
/* Hand the storage to the caller (who frees it with rb_free) and reset the buffer. */
char *buf_take(rb_buf *b);

/* Length of the well-formed UTF-8 sequence (RFC 3629) at s, or 0 when there is none. */
size_t utf8_seq(const unsigned char *s, size_t n);
/* Append s[0..n) to b as valid UTF-8 without NULs: each invalid byte and each NUL becomes
 * U+FFFD.  How bytes from the outside (command output, HTTP bodies, headers) become text
 * that JSON, the record and string values accept. */
void buf_add_utf8(rb_buf *b, const char *s, size_t n);

/*
 * Text from outside (answers, command output, HTTP bodies, recorded text) shown on a
 * terminal must not drive it: append s[0..n) to b with C0 controls other than tab and
 * newline and DEL written \xHH (ESC is \x1b, a carriage return \x0d), C1 controls
 * (U+0080..U+009F) written \u00HH, and bytes that are not UTF-8 written \xHH; UTF-8 text,
 * tabs and newlines are kept.  Only what is shown: the record keeps the exact bytes.
 */
void buf_add_shown(rb_buf *b, const char *s, size_t n);
/* The same for a stream that arrives in chunks: returns how many bytes of s were used; the
 * rest (at most 3 bytes, the start of a UTF-8 sequence the next chunk may complete) goes in
 * front of the next chunk.  final = 1 for the last chunk (nothing is then held back). */
size_t buf_add_shown_chunk(rb_buf *b, const char *s, size_t n, int final);

/*
 * Every file runbook reads (runbooks, modules, answers files, `replay --verify FILE`, the
 * REPL's history) goes through here.  Only a regular file of at most RB_INPUT_MAX bytes is
 * read: a directory, FIFO, socket or device (/dev/zero, /dev/stdin on a pipe) or a larger
 * file is refused before a byte is read, so no input can make runbook read forever.
 */
#define RB_INPUT_MAX (64u << 20)   /* 64 MiB; documented in README.md and runbook.1 */
/* Read a whole file into memory (NUL-terminated); NULL with errno set and a reason for
 * people in rb_read_error() ("a FIFO (named pipe), not a regular file", "No such file …"). */
char *rb_read_file(const char *path, size_t *len);
/* The same check without reading: 0 when path is a regular file within the limit, else -1
 * (errno and rb_read_error() set). */
int rb_check_input(const char *path);
/* Why the last rb_read_file or rb_check_input failed. */
const char *rb_read_error(void);

#endif
