/*
 * fuzz_shctx.c — libFuzzer target: a value never becomes shell source (interp/shctx.c).
 *
 * The input is a sh command cut into parts by 0x01 bytes: literal shell text, a value,
 * literal text, a value, …  The target builds the command twice, once with the values
 * and once with other values of other lengths, and asserts noninterference: the two
 * scripts are byte for byte the same, and the same interpolations are refused.  A script
 * that does not depend on the values is parsed by the shell the same way whatever they
 * hold, so no value can be parsed as code (the places where the shell would evaluate a
 * variable's content — arithmetic — are among the refused ones, and checked below).  It
 * also asserts that each accepted value is carried exactly in its variable, that every
 * reference is one of the three forms, and that the checker's view (shctx_place on the
 * literal text alone) agrees with the builder's.
 *
 * Build and run: make fuzz (clang -fsanitize=fuzzer,address,undefined).
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "shctx.h"

#define MAX_PARTS 64

typedef struct part { const char *p; size_t n; } part;

static int split(const uint8_t *d, size_t n, part *parts)
{
    int k = 0;
    size_t start = 0;
    for (size_t i = 0; i <= n && k < MAX_PARTS; i++) {
        if (i == n || d[i] == 0x01) {
            parts[k++] = (part){(const char *)d + start, i - start};
            start = i + 1;
        }
    }
    return k;
}

/* Build; *refused gets one bit per value part that was refused. */
static void build(sh_cmd *c, const part *parts, int k, int other, uint64_t *refused)
{
    shcmd_init(c);
    *refused = 0;
    for (int i = 0; i < k; i++) {
        if (i % 2 == 0) {
            shcmd_literal(c, parts[i].p, parts[i].n);
            continue;
        }
        const char *v = parts[i].p;
        size_t n = parts[i].n;
        char alt[] = "$(touch F)`touch F`'\"\nEOF\n;x";
        if (other) {
            v = alt;
            n = (size_t)(i * 7) % sizeof alt;   /* another value, another length */
        }
        shx_place before = shctx_place(&c->ctx);
        int place_ok = shctx_refusal(before) == NULL;
        int bytes_ok = !memchr(v, 0, n) && n <= SHCMD_VALUE_MAX;
        const char *why = shcmd_value(c, v, n, v, n, 0);
        assert((why == NULL) == (place_ok && bytes_ok));
        if (!place_ok) *refused |= 1ull << (i / 2 % 64);
        else if (!bytes_ok) shcmd_value(c, "", 0, "", 0, 0);   /* refused for its bytes: stand in "" */
        assert(before != SHX_BAD_ARITH || why);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    part parts[MAX_PARTS];
    int k = split(d, n, parts);
    sh_cmd a, b;
    uint64_t ra, rb;
    build(&a, parts, k, 0, &ra);
    build(&b, parts, k, 1, &rb);
    /* noninterference: the script and the refusals do not depend on the values */
    assert(ra == rb);
    assert(a.script.len == b.script.len);
    assert(a.script.len == 0 || memcmp(a.script.data, b.script.data, a.script.len) == 0);
    /* each accepted value travels whole in its variable, named in order */
    int v = 0;
    for (int i = 1; i < k; i += 2) {
        if (ra & (1ull << (i / 2 % 64))) continue;
        const part *p = &parts[i];
        if (memchr(p->p, 0, p->n) || p->n > SHCMD_VALUE_MAX) {
            v++;
            continue;
        }
        assert(v < a.nvars);
        assert(a.vars[v].len == p->n && memcmp(a.vars[v].value, p->p, p->n) == 0);
        v++;
    }
    /* the checker sees the same places without values (it skips nothing here: no raw()) */
    shctx s;
    shctx_init(&s);
    uint64_t rc = 0;
    for (int i = 0; i < k; i++) {
        if (i % 2 == 0) {
            shctx_feed(&s, parts[i].p, parts[i].n);
        } else {
            if (shctx_refusal(shctx_place(&s))) rc |= 1ull << (i / 2 % 64);
            shctx_mark(&s);
        }
    }
    assert(rc == ra);
    shctx_free(&s);
    shcmd_free(&a);
    shcmd_free(&b);
    return 0;
}
