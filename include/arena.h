/*
 * arena.h — bump allocation for data that dies all at once (the AST and its strings).
 *
 * Allocations are 8-byte aligned (enough for pointers and doubles) and zero-filled, except
 * arena_alloc_raw's, for memory the caller writes in full at once.  Nothing is freed individually:
 * arena_free() releases every block in one call.  Allocation failure exits through rb_oom().
 */
#ifndef RB_ARENA_H
#define RB_ARENA_H

#include <stddef.h>

typedef struct arena_block arena_block;
typedef struct arena {
    arena_block *head;
    size_t total;       /* bytes handed out, for statistics and tests */
} arena;

void arena_init(arena *a);
void *arena_alloc(arena *a, size_t n);
void *arena_alloc_raw(arena *a, size_t n);
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_strdup(arena *a, const char *s);
void arena_free(arena *a);

/*
 * Room for one more element in an arena array of n elements of `size` bytes: returns items
 * itself while *cap allows, else a copy twice as large (first allocation: `first`
 * elements), updating *cap.  The old storage stays in the arena until it is freed.
 */
void *arena_grow(arena *a, void *items, int n, int *cap, size_t size, int first);

#endif
