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
    const char *mode;            /* "exec", "resume", "verify" */
    int color;
    /*
     * Replaying a recorded run (resume, verify): the run's events in order.  Each event the
     * evaluator would record must match the next one; commands, answers and timer firings
     * are served from them instead of being repeated.  When they run out, resume goes on
     * live (appending to run `resume_run`); verify stops (nothing is ever executed).
     */
    json_t *replay;              /* borrowed array of events, or NULL */
    json_t *replay_run;          /* the run object (incident, started_at, clock, params) */
    int64_t resume_run;          /* append to this run instead of starting one */
    int verify;
    int verify_quiet;            /* verify: do not print the transcript */
} exec_opts;

/* Run the runbook f (already parsed and checked); returns the exit status of cli.md. */
int eval_run(ast_file *f, module_set *ms, const exec_opts *o);

/* Ctrl-C: called from the SIGINT handler (async-signal-safe: sets a flag). */
void eval_interrupt(void);

#endif
