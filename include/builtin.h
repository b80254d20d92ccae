/*
 * builtin.h — the names the language provides without a declaration.
 *
 * One table shared by the checker (so it knows what is defined, how many arguments each
 * function takes and which named options it accepts) and, later, the evaluator (which
 * binds each name to its implementation).  A user declaration of the same name shadows
 * the builtin.
 */
#ifndef RB_BUILTIN_H
#define RB_BUILTIN_H

typedef enum { BI_FUNCTION, BI_VALUE } builtin_kind;

typedef struct builtin_info {
    const char *name;
    builtin_kind kind;
    int min_args, max_args;   /* positional arguments; max -1 for any number */
    int prompts;              /* asks the responder (not allowed in timer bodies) */
    const char *doc;          /* one line for `runbook help` and the REPL */
    const char *named;        /* accepted named arguments, space-separated ("" none, NULL any) */
} builtin_info;

/* The entry for name, or NULL. */
const builtin_info *builtin_find(const char *name);
/* All entries, terminated by one with name == NULL. */
const builtin_info *builtin_all(void);
/* Does the builtin b accept the named argument `name`? */
int builtin_takes_named(const builtin_info *b, const char *name);

#endif
