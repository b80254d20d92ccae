/*
 * interp.h — the evaluator's private header (like Lua's lstate.h beside lvm.c and ldo.c).
 *
 * The evaluator is one module split by concern: journal (emit and the record cursor),
 * eval_expr, eval_stmt, eval_call, incident, ask, the doors act_sh / act_http / act_mail,
 * timers, globals, stepper, run and session.  They share the interpreter state below;
 * nothing outside them includes this header (the public interface is eval.h).
 *
 * A run: params and globals are evaluated in order, then steps run in source order
 * (phases group them; `goto` and --start-at move the cursor).  Every statement returns a
 * control code (ctl) instead of unwinding with longjmp, so each step is a protected
 * boundary: a runtime error, a failed command or `fail` ends the step as failed, and the
 * step's `on failure` block or the responder decides what happens next.
 *
 * Every action is recorded before the evaluator moves on; when the recorder fails, the
 * run stops with exit 3 before its next action (never act unrecorded).  Side effects go
 * through one door each: shell.h, prompt.h, record.h, http.h.  Secrets are tracked on
 * values and scrubbed from command output before it is shown or recorded.
 */
#ifndef RB_INTERP_H
#define RB_INTERP_H

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "builtin.h"
#include "check.h"
#include "clock.h"
#include "eval.h"
#include "http.h"
#include "parse.h"
#include "shctx.h"
#include "shell.h"
#include "stdfn.h"
#include "value.h"

#define MAX_CALL_DEPTH 200
#define MAX_ARGS 32

typedef enum ctl {
    CTL_OK,          /* carry on */
    CTL_BREAK, CTL_CONTINUE, CTL_RETURN,
    CTL_GOTO,        /* jump to I->goto_target */
    CTL_SKIP,        /* a confirm gate said no: the rest of the step is skipped */
    CTL_FAIL,        /* the step failed (I->err) */
    CTL_ABORT,       /* the run is aborted (I->err) */
    CTL_STOP         /* stop now with I->exit_code (3, 4, 130) */
} ctl;

typedef struct binding { const char *name; value v; } binding;

typedef struct scope {
    struct scope *parent;
    const ast_file *file;     /* a module's or runbook's global scope: the file it holds */
    binding *items;
    int n, cap;
} scope;

typedef struct step_ref {
    const rb_node *step;
    const char *id;
    const rb_node *phase;     /* enclosing phase or NULL */
} step_ref;

typedef struct incident_state {
    const char *id, *title, *status, *commander;
    value severity;           /* V_SEV */
    value roles;              /* V_MAP */
    double started_at, acknowledged_at, resolved_at;   /* < 0: not yet */
} incident_state;

/*
 * Timers: escalation rungs, `every` bodies and deadlines.  Each belongs to the whole run
 * (owner 0) or to one run of a phase or step (owner = that instance), and dies with it.
 */
typedef enum { TM_RUNG, TM_EVERY, TM_DEADLINE } timer_kind;

typedef struct timer {
    timer_kind kind;
    double due;               /* clock time of the next firing */
    double base;              /* when its ladder / every / phase / step started */
    const rb_node *node;      /* N_RUNG, N_EVERY, or the N_STEP / N_PHASE / N_HFIELD of a deadline */
    const rb_node *ladder;    /* a rung's N_ESCALATION */
    scope *sc;                /* where its body runs */
    int owner;
    int cycle;                /* firings so far (a repeating ladder's round) */
    int dead;
    const char *what;         /* deadline: "step", "phase", "respond", "resolve" */
    const char *id;           /* deadline: the step id or phase title */
    double within;
} timer;

typedef struct interp {
    arena mem;
    const exec_opts *o;
    ast_file *file;
    module_set *ms;
    scope *globals;
    prompter *prompts;
    recorder *rec;
    int64_t run_id;
    incident_state inc;
    step_ref *steps;
    int nsteps;
    const char *step_id;      /* the step being run, for events */
    timer *timers;
    int ntimers, captimers;
    int in_timer;             /* a timer body is running: no nested firing */
    int next_owner;           /* instance ids for phases and steps */
    int step_owner;           /* the running step's instance (timers it starts belong to it) */
    double step_started;
    int run_depth;            /* nesting of `run "other.rb"` */
    int no_run;               /* the run row could not be written: nothing to end */
    int begin_failed;         /* globals, params or timers failed before the first step */
    size_t rpos;              /* replaying: the index of the next recorded event to match */
    struct rec_window *rw;    /* ...the record read back around it (journal_read.c) */
    int record_failed;        /* ...and it could not be read: the run stops, exit 3 */
    int replaying;            /* events are matched against the record, not written */
    int went_live;            /* the record ran out: the run goes on for real (resume) */
    int64_t last_seq;         /* seq of the last sh.start written (its pgid goes on it) */
    int color, color_err;     /* colour on stdout / stderr (a terminal, no NO_COLOR / --no-color) */
    int polling;              /* a `wait until` condition is being polled: actions are not shown */
    rb_buf poll_last;         /* ...the last action's outcome, for its status line */
    int status_shown;         /* that status line is on the terminal (say() clears it first) */
    const rb_node *cur_node;  /* the statement being run (divergence locations) */
    int diverged;             /* the replay left the record: everything stops */
    ast_file **subs;          /* runbooks loaded by `run`, freed at the end */
    int nsubs, capsubs;
    double step_deadline;     /* step timeout (clock time), < 0: none */
    double asked_at;          /* when the prompt being answered was asked (its recorded time on resume) */
    const rb_node *goto_node;
    const char *goto_target;
    value ret;                /* CTL_RETURN's value */
    int depth;
    int exit_code;
    rb_buf err;               /* the message of the last failure */
    rb_loc err_loc;
    const char *err_file;
    const char **secrets;     /* clear texts of secret strings, for scrubbing output */
    int nsecrets, capsecrets;
    const ast_file *cur_file; /* file of the code being run (for error locations) */
    struct ssh_ctx *ssh;      /* remote commands' connections, opened at the first one */
    int napprovals;           /* `approve` requests so far: each one's number in the run */
    json_t *approvals_used;   /* scripted approvals taken from answer lists: {key: count} */
} interp;

/* A builtin call's evaluated arguments: positional and named. */
typedef struct argv_ {
    value pos[MAX_ARGS];
    int npos;
    const char *names[MAX_ARGS];
    value named[MAX_ARGS];
    int nnamed;
} argv_;

/* How define_globals binds params: where their values come from and where they are listed. */
typedef struct param_ctx {
    json_t *params;     /* name -> value (redacted) for the record, or NULL */
    value with;         /* `run … with {…}` map, or nil (then --set, default, asked) */
    value stored;       /* replaying: the run's recorded params (map), or nil */
} param_ctx;

/*
 * Where a run is in its steps: the cursor, the phase it is in, the steps completed (for
 * roll back), and how the run ended once it has.  run_steps() loops over stepper_step();
 * the REPL calls stepper_step() one step at a time.
 */
typedef struct stepper {
    int idx;                  /* the next step to run */
    const rb_node *phase;
    int phase_owner;
    int *done;
    int ndone, capdone;
    const char *status;       /* "finished", "failed", "aborted" */
    int over;                 /* the run ended (abort, roll back) */
} stepper;

/* `sh … on HOSTS` (act_remote.c): what runs, where, and the failure policy. */
#define REMOTE_PARALLEL 10        /* hosts at once unless `parallel N` says otherwise */
#define REMOTE_MAX_PARALLEL 64
typedef struct remote_spec {
    value hosts;              /* a host name or a list of them; nil: a local command */
    const char *script;       /* what runs on each host */
    const char *shown;        /* what people and the record see */
    struct ssh_var *vars;     /* values the script reads as variables (cwd, env) */
    int nvars;
    double timeout;
    int readonly, idempotent, dry;
    int parallel, tolerate, failfast;
} remote_spec;

/* Ctrl-C: set by eval_interrupt() from the SIGINT handler. */
extern volatile sig_atomic_t eval_interrupted;

/* journal.c */
#define HUE_OK   "\033[32m"   /* ✓ */
#define HUE_BAD  "\033[31m"   /* ✗, errors */
#define HUE_WARN "\033[33m"   /* warnings, escalations, missed deadlines */
#define HUE_BOLD "\033[1m"
#define HUE_OFF  "\033[0m"
const char *hue(interp *I, const char *sgr);
const char *hue_err(interp *I, const char *sgr);
void say(interp *I, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
json_t *rec_next(interp *I);
json_t *rec_peek_action(interp *I);
const char *ev_str(json_t *ev, const char *k);
double rec_time(json_t *ev);
int rec_is_timer(json_t *ev);
ctl rec_catch_up(interp *I, json_t **next);
ctl record_exhausted(interp *I);
ctl diverged(interp *I, const char *kind, const char *text);
ctl emit(interp *I, const char *kind, const char *text, json_t *data);
void secret_add(interp *I, const char *clear);
void secret_note(interp *I, value v);
void scrub(interp *I, rb_buf *out, const char *s, size_t n);
ctl rt_error(interp *I, const rb_node *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
ctl report_error(interp *I, const char *kind);

/* journal_read.c: the recorded events of the run being re-run (resume, verify), by index
 * from 0; an event is borrowed until the record is read past I->rpos, and only the kinds
 * listed there (DATA_KINDS) come with their data (see the file). */
typedef struct rec_window rec_window;
/* Start reading run I->run_id's events; trim: a trailing interruption is not served
 * (resume).  0, or -1 after printing why. */
int journal_open(interp *I, int trim);
void journal_close(interp *I);
/* The event at index i (i >= I->rpos), or NULL when the record ends before it (or cannot
 * be read: then I->record_failed, I->diverged and exit 3 are set). */
json_t *rec_at(interp *I, size_t i);
/* How many events the record serves (it is read to its end). */
size_t rec_count(interp *I);
/* The record's last event is a run.end (it is read to its end). */
int rec_ends_with_run_end(interp *I);
/* The last sh.start before the cursor, or NULL. */
json_t *rec_last_sh_start(interp *I);
/* An event that an interruption adds: run.end, error, the sh.end of a command Ctrl-C stopped. */
int rec_is_stop(json_t *ev);

/* eval_expr.c */
scope *scope_new(interp *I, scope *parent);
value *scope_find(scope *s, const char *name);
void scope_define(interp *I, scope *s, const char *name, value v);
int has_secret(value v);
ctl eval(interp *I, scope *sc, const rb_node *n, value *out);

/* incident.c */
ctl incident_get(interp *I, const char *f, const rb_node *at, value *out);
ctl state_change(interp *I, const char *field, value from, value to);
ctl incident_set(interp *I, const char *f, value v, const rb_node *at);
ctl do_acknowledge(interp *I);
ctl do_resolve(interp *I, const char *summary);

/* eval_call.c */
value *named(argv_ *A, const char *name);
const char *shown(interp *I, value v);
ctl call_builtin(interp *I, scope *sc, const char *name, const rb_node *call, value *out);

/* ask.c */
ctl ask_responder(interp *I, const rb_node *at, prompt_req *q, const char **answer);
ctl prompt_confirm(interp *I, const rb_node *at, const char *text, const char *key, const char *def, int *yes);
ctl prompt_choose(interp *I, const rb_node *at, const char *text, const char *key, const char *def,
                         const char **opts, int nopts, const char **pick);
ctl run_checklist(interp *I, const rb_node *at, const char *title, const char *key, value items, value *out);

/* act_mail.c */
const char *opt_str(interp *I, argv_ *A, const char *name);
ctl send_mail(interp *I, const rb_node *call, argv_ *A, value *out);

/* act_sh.c: build_command fills a sh_cmd (include/shctx.h) that any door can run */
ctl build_command(interp *I, scope *sc, const rb_node *cmd, sh_cmd *out);
ctl run_sh(interp *I, scope *sc, const rb_node *n, int stmt, value *out);
void sh_result_from_record(json_t *data, sh_result *res);

/* act_remote.c */
int remote_option(interp *I, const rb_node *o, value v, remote_spec *rs, ctl *c);
ctl remote_script(interp *I, const rb_node *n, remote_spec *rs, const sh_cmd *cmd);
ctl run_remote(interp *I, const rb_node *n, int stmt, const remote_spec *rs, value *out);
/* approve.c */
ctl exec_approve(interp *I, scope *sc, const rb_node *n);
/* inflight.c */
typedef enum { INF_RERUN, INF_SKIP } inflight_pick;
ctl inflight_sh(interp *I, const rb_node *n, const char *cmd, const char *why_safe, inflight_pick *pick);

/* timers.c */
double dur_of(interp *I, scope *sc, const rb_node *e);
ctl start_escalation(interp *I, const rb_node *esc, scope *sc, double base, int owner);
ctl start_every(interp *I, const rb_node *ev, scope *sc, double base, int owner);
void deadline_add(interp *I, const char *what, const char *id, double within, double base, int owner,
                         const rb_node *node);
void timers_end_owner(interp *I, int owner);
double next_due(interp *I);
const char *ladder_name(const timer *t);
ctl fire_due(interp *I);
ctl pass_time(interp *I, double until, int show_left, int *cut);
void escalate_now(interp *I);
int hook_wait_readable(void *ctx, int fd);
int hook_delay(void *ctx, double secs);

/* act_http.c */
ctl run_http(interp *I, scope *sc, const rb_node *n, int stmt, value *out);

/* eval_stmt.c */
ctl exec_stmt(interp *I, scope *sc, const rb_node *n);
ctl exec_in(interp *I, scope *sc, const rb_node *block);
ctl exec_block(interp *I, scope *sc, const rb_node *block);

/* globals.c */
ctl load_use(interp *I, ast_file *from, scope *g, const rb_node *u);
ctl define_param(interp *I, scope *g, const rb_node *p, json_t *params, value with);
void mark_secret(interp *I, value *v);
ctl define_globals(interp *I, ast_file *f, scope *g, param_ctx *pc);

/* stepper.c */
void collect_steps(interp *I, const rb_node *root);
int step_index(interp *I, const char *id);
const char *step_title(interp *I, const step_ref *s);
void stepper_init(interp *I, stepper *st, int start);
ctl stepper_step(interp *I, stepper *st);
ctl run_steps(interp *I, int start, const char **status);

/* run.c */
ctl exec_run(interp *I, scope *sc, const rb_node *n);
void interp_init(interp *I, ast_file *f, module_set *ms, const exec_opts *o);
void interp_free(interp *I);
ctl run_begin(interp *I);
int run_finish(interp *I, ctl c, const char *status);

/* testrun.c, stub.c (runbook test): the hooks, called only when I->o->test is set (test_call: on
 * every builtin call, where it answers 0 at once for the names that are not the test builtins') */
void test_event(interp *I, const char *kind, const char *text, json_t *data);
void test_block(interp *I, const rb_node *block, int tag);
void test_answered(interp *I, const rb_node *at, const prompt_req *q, const char *answer);
int test_call(interp *I, const char *name, const rb_node *call, argv_ *A, value *out, ctl *c);
int stub_sh(interp *I, const rb_node *n, const char *cmd, sh_result *res, ctl *c);
int stub_http(interp *I, const rb_node *n, const char *method, const char *url, const char *clear_url,
              http_res *res, ctl *c);
int stub_mail(interp *I, const rb_node *call, const char *to, char *err);

#endif
