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
#include <stdio.h>
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
    const char *db_path;         /* the database as given (--db or RUNBOOK_DB), NULL: the default */
    int drill;                   /* a rehearsal: notifications (HTTP other than GET/HEAD, mail) are
                                    logged as [drill] and not sent */
    int auto_mode;
    json_t *answers;             /* parsed --answers (borrowed) or NULL */
    recorder *rec;               /* open recorder (borrowed) */
    const char *mode;            /* "exec", "resume", "verify", "repl" */
    /*
     * Replaying a recorded run (resume, verify): the events of run `resume_run`, read from
     * `rec` in order.  Each event the evaluator would record must match the next one;
     * commands, answers and timer firings are served from them instead of being repeated.
     * When they run out, resume goes on live (appending to the run); verify stops (nothing
     * is ever executed).
     */
    int replay;                  /* 1: replaying run resume_run */
    json_t *replay_run;          /* the run object (incident, started_at, clock, params) */
    int64_t resume_run;          /* append to this run instead of starting one */
    int verify;
    int verify_quiet;            /* verify: do not print the transcript */
    /* `runbook test`: the test's stubs, scripted answers and trace (testrun.c), or NULL.
     * The doors consult it before acting (one hook each; see docs/testing.md). */
    struct rb_test *test;
    const char *ssh_config;      /* --ssh-config FILE for remote commands, or NULL */
} exec_opts;

/* Run the runbook f (already parsed and checked); returns the exit status of cli.md. */
int eval_run(ast_file *f, module_set *ms, const exec_opts *o);

/*
 * A REPL session: a run kept open between inputs (see repl.c).  session_open starts the
 * run of f (recorded with o->mode, e.g. "repl"); NULL with *rc set when it cannot start.
 * The other calls return 0, 1 after an error (already reported), 130 when Ctrl-C stopped
 * what was running (the session goes on), or 3 when the record cannot be written.
 */
typedef struct eval_session eval_session;
eval_session *session_open(ast_file *f, module_set *ms, const exec_opts *o, int *rc);
/* Run one parsed input (the session keeps chunk); text is recorded as typed. */
int session_input(eval_session *S, ast_file *chunk, const char *text);
int session_next(eval_session *S);
int session_run(eval_session *S, const char *const *breaks, int nbreaks);
int session_goto(eval_session *S, const char *id);    /* -1: no such step */
int session_current(eval_session *S);                 /* the current step's index, -1 at the end */
void session_steps(eval_session *S, FILE *out);
void session_vars(eval_session *S, FILE *out);
void session_timers(eval_session *S, FILE *out);
/* Wait until fd is readable while timers fire; 0, or -1 on Ctrl-C. */
int session_wait_input(eval_session *S, int fd);
/* Every name the REPL can complete: variables, functions, module members, steps, builtins. */
void session_names(eval_session *S, void (*add)(void *ctx, const char *name), void *ctx);
prompter *session_prompter(eval_session *S);
/* End the run (run.end) and free the session; returns the run's exit status. */
int session_close(eval_session *S);

/* Ctrl-C: called from the SIGINT handler (async-signal-safe: sets a flag). */
void eval_interrupt(void);
/* The REPL dealt with a Ctrl-C (it cleared the line): forget it. */
void eval_clear_interrupt(void);

#endif
