/*
 * mutate.c — a small deterministic mutator for the robustness tests (tests/t-robust.sh).
 *
 *   mutate MODE SEED IN OUT
 *
 * Reads IN, applies one mutation chosen by MODE, and writes OUT.  SEED (a decimal or 0x
 * number) seeds a private xorshift64* generator, so the same MODE, SEED and IN always give
 * the same OUT on every machine: a failure reported as "mode flip seed 1234" reproduces.
 *
 * Modes:
 *   truncate      cut the file at a random offset
 *   flip          change 1-8 random bytes to random values
 *   delete        remove a random span (up to 64 bytes, sometimes up to a quarter of the file)
 *   dup           insert a copy of a random span right after itself
 *   splice-token  insert one tricky fragment ({ } " #{ <<~EOT NUL 0xff (((( => step …)
 *   bytes         ignore IN and write SEED-determined garbage (length from the seed, 1-4096)
 *   tokens        ignore IN and write a soup of 1-400 fragments, words, numbers and blanks
 *
 * An empty IN is fine for every mode.  Exit status: 0 on success, 2 on a usage error,
 * 1 on an I/O error.  This is test tooling, not part of the runbook binary.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng_state;

static void rng_seed(uint64_t seed)
{
    /* splitmix64 once, so that small consecutive seeds give unrelated streams */
    uint64_t z = seed + 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    rng_state = z ? z : 0x2545F4914F6CDD1DULL;
}

static uint64_t rng_next(void)
{
    /* xorshift64* */
    uint64_t x = rng_state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    rng_state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

/* A number in [0, n); 0 when n is 0. */
static size_t rng_below(size_t n)
{
    return n ? (size_t)(rng_next() % (uint64_t)n) : 0;
}

typedef struct {
    char *data;
    size_t len, cap;
} buffer;

static void die(const char *what, const char *path)
{
    fprintf(stderr, "mutate: %s %s: %s\n", what, path, strerror(errno));
    exit(1);
}

static void reserve(buffer *b, size_t extra)
{
    if (b->len + extra <= b->cap) return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra) cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        fputs("mutate: out of memory\n", stderr);
        exit(1);
    }
    b->data = p;
    b->cap = cap;
}

static void read_all(const char *path, buffer *b)
{
    FILE *f = fopen(path, "rb");
    if (!f) die("cannot open", path);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        reserve(b, n);
        memcpy(b->data + b->len, chunk, n);
        b->len += n;
    }
    if (ferror(f)) die("cannot read", path);
    fclose(f);
}

static void write_all(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f) die("cannot create", path);
    if (len && fwrite(data, 1, len, f) != len) die("cannot write", path);
    if (fclose(f) != 0) die("cannot write", path);
}

/* Insert n bytes at offset at (at <= len). */
static void insert(buffer *b, size_t at, const char *s, size_t n)
{
    reserve(b, n);
    memmove(b->data + at + n, b->data + at, b->len - at);
    memcpy(b->data + at, s, n);
    b->len += n;
}

/* A span length: usually short, sometimes long. */
static size_t span_len(size_t avail)
{
    if (avail == 0) return 0;
    size_t max = rng_below(4) == 0 ? avail / 4 + 1 : 64;
    if (max > avail) max = avail;
    return 1 + rng_below(max);
}

/* Fragments that stress the scanner's and parser's edge cases.  Lengths are explicit (NULs). */
static const struct {
    const char *s;
    size_t n;
} fragments[] = {
#define F(lit) {lit, sizeof lit - 1}
    F("{"), F("}"), F("\""), F("#{"), F("}\""), F("<<~EOT\n"), F("<<~'EOT'\n"), F("\nEOT\n"),
    F("<<~"), F("'"), F("\\"), F("\\\""), F("\x00"), F("\xff"), F("\xc3"), F("\xe2\x80"),
    F("\xed\xa0\x80"), F("(((("), F("))))"), F("[[[["), F("]]]]"), F("{{{{"), F("}}}}"),
    F("=>"), F("step"), F("step x \"t\" {"), F("at 1x"), F("at "), F("1h30m"), F("99999999999999999999"),
    F("1.5ms"), F("0d0h"), F("P1"), F("P99999"), F("#"), F("\n"), F("\r\n"), F("\r"), F("\t"),
    F(";"), F(","), F(":"), F("."), F("="), F("=="), F("??"), F("!"), F("-"), F("--"),
    F("if"), F("elif"), F("else"), F("while"), F("for x in"), F("fn f("), F("return"), F("goto"),
    F("escalation {"), F("every 5m until"), F("phase \"p\" within"), F("rollback {"), F("on failure {"),
    F("on"), F("choose \"q\" {"), F("checklist \"c\" {"), F("confirm"), F("sh"), F("sh("), F("http GET"),
    F("timeout"), F("readonly"), F("env {"), F("wait until"), F("wait"), F("run \"x.rb\" with {"),
    F("use \"nosuch.rb\" as n\n"), F("param p: string = "), F("secret s = "), F("let "),
    F("runbook \"T\" {"), F("\"#{\"#{\"#{"), F("#{}"), F("\"\\q\""), F("'\\'"), F("nil"), F("true"),
    F("\xef\xbb\xbf"), F("\xf0\x9f\x94\xa5"), F("\xc0\xaf"), F("\x7f"), F("\x01"), F("\x1b[31m"),
#undef F
};
#define NFRAGMENTS (sizeof fragments / sizeof *fragments)

/* Whether s[0..n) is valid UTF-8 (the token soup stays UTF-8 so that the parser sees it). */
static int utf8_valid(const char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        size_t need = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : 9;
        if (need == 9 || c == 0xC0 || c == 0xC1 || c == 0xED || i + need >= n + (need == 0)) return 0;
        for (size_t k = 1; k <= need; k++)
            if (((unsigned char)s[i + k] & 0xC0) != 0x80) return 0;
        i += need + 1;
    }
    return 1;
}

static int mutate(const char *mode, buffer *b)
{
    if (strcmp(mode, "truncate") == 0) {
        b->len = rng_below(b->len + 1);
    } else if (strcmp(mode, "flip") == 0) {
        if (b->len == 0) return 0;
        int k = 1 + (int)rng_below(8);
        for (int i = 0; i < k; i++) b->data[rng_below(b->len)] = (char)(rng_next() >> 56);
    } else if (strcmp(mode, "delete") == 0) {
        if (b->len == 0) return 0;
        size_t at = rng_below(b->len);
        size_t n = span_len(b->len - at);
        memmove(b->data + at, b->data + at + n, b->len - at - n);
        b->len -= n;
    } else if (strcmp(mode, "dup") == 0) {
        if (b->len == 0) return 0;
        size_t at = rng_below(b->len);
        size_t n = span_len(b->len - at);
        reserve(b, n);
        /* insert() may move the data, so copy the span out first */
        char *copy = malloc(n);
        if (!copy) {
            fputs("mutate: out of memory\n", stderr);
            exit(1);
        }
        memcpy(copy, b->data + at, n);
        insert(b, at + n, copy, n);
        free(copy);
    } else if (strcmp(mode, "splice-token") == 0) {
        size_t k = rng_below(NFRAGMENTS);
        insert(b, rng_below(b->len + 1), fragments[k].s, fragments[k].n);
    } else if (strcmp(mode, "bytes") == 0) {
        b->len = 0;
        size_t n = 1 + rng_below(4096);
        reserve(b, n);
        for (size_t i = 0; i < n; i++) b->data[i] = (char)(rng_next() >> 56);
        b->len = n;
    } else if (strcmp(mode, "tokens") == 0) {
        static const char *const words[] = {"x", "incident", "resolved", "ok", "f(", ")", "1", "30s",
                                            "\"a #{x} b\"", "'raw'", " ", " ", "\n", "\n  ", "[", "]",
                                            "{k: 1}", "<<~EOT\n  text #{x}\nEOT\n", "+", "and"};
        b->len = 0;
        size_t n = 1 + rng_below(400);
        for (size_t i = 0; i < n; i++) {
            if (rng_below(2)) {
                size_t k = rng_below(NFRAGMENTS);
                if (!utf8_valid(fragments[k].s, fragments[k].n)) continue;
                insert(b, b->len, fragments[k].s, fragments[k].n);
            } else {
                const char *w = words[rng_below(sizeof words / sizeof *words)];
                insert(b, b->len, w, strlen(w));
            }
            if (rng_below(3) == 0) insert(b, b->len, " ", 1);
        }
    } else {
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fputs("usage: mutate truncate|flip|delete|dup|splice-token|bytes|tokens SEED IN OUT\n", stderr);
        return 2;
    }
    char *end;
    errno = 0;
    unsigned long long seed = strtoull(argv[2], &end, 0);
    if (errno || *end || end == argv[2]) {
        fprintf(stderr, "mutate: bad seed '%s'\n", argv[2]);
        return 2;
    }
    rng_seed((uint64_t)seed);
    buffer b = {NULL, 0, 0};
    if (strcmp(argv[1], "bytes") != 0 && strcmp(argv[1], "tokens") != 0) read_all(argv[3], &b);
    if (mutate(argv[1], &b) < 0) {
        fprintf(stderr, "mutate: unknown mode '%s'\n", argv[1]);
        free(b.data);
        return 2;
    }
    write_all(argv[4], b.data ? b.data : "", b.len);
    free(b.data);
    return 0;
}
