/*
 * stdfn.h — the builtin functions that are pure computations (no I/O, no prompts):
 * strings, lists, maps, numbers, durations, times, JSON.  The evaluator handles the
 * builtins with effects (ask, confirm, env, resolve, …) itself.
 */
#ifndef RB_STDFN_H
#define RB_STDFN_H

#include "value.h"

/*
 * Call builtin `name`.  Returns 0 with *out set, or -1 with a message in err (an unknown
 * name, a wrong argument count or type).  Values are allocated in a.
 */
int stdfn_call(arena *a, const char *name, const value *pos, int npos, const char *const *names,
               const value *named, int nnamed, value *out, rb_buf *err);

#endif
