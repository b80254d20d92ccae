/*
 * eval.h — the evaluator: runs a checked runbook, step by step, recording every action.
 *
 * The evaluator never forks, talks to SQLite, reads the terminal or calls libcurl itself:
 * it asks shell, record, prompt and http (style.md: one door per side effect), which is
 * what makes dry-run, replay and the virtual clock possible without special cases here.
 */
#ifndef RB_EVAL_H
#define RB_EVAL_H

#include <stdint.h>
#include <jansson.h>
#include "ast.h"
#include "module.h"
#include "prompt.h"
#include "record.h"

typedef struct exec_opts {
    const char *path;            /* the runbook file as given */
    const char *const *sets;     /* "name=value" from --set, NULL-terminated */
    const char *start_at;        /* --start-at step id or NULL */
    const char *incident;        /* --incident id or NULL */
    int dry_run;
    int auto_mode;
    json_t *answers;             /* parsed --answers (borrowed) or NULL */
    recorder *rec;               /* open recorder (borrowed) */
    const char *mode;            /* "exec" */
    int color;
} exec_opts;

/* Run the runbook f (already parsed and checked); returns the exit status of cli.md. */
int eval_run(ast_file *f, module_set *ms, const exec_opts *o);

/* Ctrl-C: called from the SIGINT handler (async-signal-safe: sets a flag). */
void eval_interrupt(void);

#endif
