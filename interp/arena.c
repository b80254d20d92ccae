/*
 * arena.c — bump allocator for the AST: many small allocations, one free.
 */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include "arena.h"
#include "util.h"

#define ARENA_BLOCK (64 * 1024)
#define ARENA_BLOCK_MAX (4 * 1024 * 1024)
#define HUGE_PAGE (2 * 1024 * 1024)

struct arena_block {
    arena_block *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];   /* allocations are 8-byte aligned within */
};

void arena_init(arena *a) { a->head = NULL; a->total = 0; }

/* n bytes, 8-byte aligned, not cleared. */
void *arena_alloc_raw(arena *a, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    arena_block *b = a->head;
    if (!b || b->cap - b->used < n) {
        /* Blocks double up to 4 MiB (a large file's tree takes few of them); the 2 MiB
         * pages inside a large block are backed by huge pages: one fault each, not 512. */
        size_t grow = b && b->cap >= ARENA_BLOCK ? (b->cap < ARENA_BLOCK_MAX ? b->cap * 2 : ARENA_BLOCK_MAX) : ARENA_BLOCK;
        size_t cap = n > ARENA_BLOCK / 4 ? n : grow;
        b = rb_xmalloc(sizeof *b + cap);
        if (cap >= 2 * HUGE_PAGE) {
            uintptr_t lo = ((uintptr_t)b + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
            uintptr_t hi = ((uintptr_t)b->data + cap) & ~(uintptr_t)(HUGE_PAGE - 1);
            if (hi > lo) madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
        }
        b->used = 0;
        b->cap = cap;
        if (cap == n && a->head) {
            /* A big allocation gets its own block behind the current one. */
            b->next = a->head->next;
            a->head->next = b;
        } else {
            b->next = a->head;
            a->head = b;
        }
    }
    void *p = b->data + b->used;
    b->used += n;
    a->total += n;
    return p;
}

void *arena_alloc(arena *a, size_t n)
{
    void *p = arena_alloc_raw(a, n);
    memset(p, 0, n);
    return p;
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
    char *p = arena_alloc_raw(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(arena *a, const char *s) { return arena_strndup(a, s, strlen(s)); }

void arena_free(arena *a)
{
    arena_block *b = a->head;
    while (b) {
        arena_block *n = b->next;
        rb_free(b);
        b = n;
    }
    arena_init(a);
}

void *arena_grow(arena *a, void *items, int n, int *cap, size_t size, int first)
{
    if (items && n < *cap) return items;
    int ncap = *cap > 0 ? *cap * 2 : first;
    void *p = arena_alloc(a, (size_t)ncap * size);
    if (n && items) memcpy(p, items, (size_t)n * size);
    *cap = ncap;
    return p;
}
