/*
 * eval.c — the evaluator: globals, steps, statements, expressions, the incident.
 *
 * A run: params and globals are evaluated in order, then steps run in source order
 * (phases group them; `goto` and --start-at move the cursor).  Every statement returns a
 * control code (ctl) instead of unwinding with longjmp, so each step is a protected
 * boundary: a runtime error, a failed command or `fail` ends the step as failed, and the
 * step's `on failure` block or the responder decides what happens next.
 *
 * Every action is recorded before the evaluator moves on; when the recorder fails, the
 * run stops with exit 3 before its next action (never act unrecorded).  Side effects go
 * through one door each: shell.h, prompt.h, record.h.  Secrets are tracked on values and
 * scrubbed from command output before it is shown or recorded.
 */
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
    size_t rpos, rcount;      /* replay cursor over o->replay (resume, verify) */
    int replaying;            /* events are matched against the record, not written */
    int went_live;            /* the record ran out: the run goes on for real (resume) */
    const rb_node *cur_node;  /* the statement being run (divergence locations) */
    int diverged;             /* the replay left the record: everything stops */
    ast_file **subs;          /* runbooks loaded by `run`, freed at the end */
    int nsubs, capsubs;
    double step_deadline;     /* step timeout (clock time), < 0: none */
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
} interp;

static volatile sig_atomic_t interrupted;

void eval_interrupt(void) { interrupted = 1; }
void eval_clear_interrupt(void) { interrupted = 0; }

/* ------------------------------------------------------------------ output & record */

static void say(interp *I, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(interp *I, const char *fmt, ...)
{
    if (I->o->verify_quiet) return;
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    fflush(stdout);
}

/* Record an event; on failure set exit 3 and return CTL_STOP. data is consumed. */
static int is_timer_kind(const char *k)
{
    return strcmp(k, "escalation") == 0 || strcmp(k, "escalation.skipped") == 0 || strcmp(k, "timer") == 0 ||
           strcmp(k, "deadline.missed") == 0;
}

/* Events whose text holds measured values: only their kind must match when replaying. */
static int loose_kind(const char *k)
{
    return strcmp(k, "sh.end") == 0 || strcmp(k, "wait.end") == 0 || strcmp(k, "http.response") == 0 ||
           strcmp(k, "error") == 0;
}

static const char *ev_str(json_t *ev, const char *k);

/*
 * What a resume added to the record (run.resume, the in-flight question and its answer,
 * the fresh start of a re-run action) says how the run continued, not what the runbook
 * does: a replay of the resumed run steps over it.
 */
static int resume_mark(json_t *ev)
{
    const char *k = ev_str(ev, "kind");
    json_t *d = json_object_get(ev, "data");
    if (strcmp(k, "run.resume") == 0) return 1;
    if ((strcmp(k, "prompt") == 0 || strcmp(k, "answer") == 0) && strcmp(ev_str(d, "key"), "in_flight") == 0) return 1;
    return (strcmp(k, "sh.start") == 0 || strcmp(k, "http.request") == 0) && json_is_true(json_object_get(d, "rerun"));
}

static json_t *rec_next(interp *I)
{
    if (!I->replaying) return NULL;
    while (I->rpos < I->rcount && resume_mark(json_array_get(I->o->replay, I->rpos))) I->rpos++;
    return I->rpos < I->rcount ? json_array_get(I->o->replay, I->rpos) : NULL;
}

static const char *ev_str(json_t *ev, const char *k)
{
    const char *s = json_string_value(json_object_get(ev, k));
    return s ? s : "";
}

static double ev_time(json_t *ev) { return clock_parse_iso(ev_str(ev, "t")); }

static ctl emit(interp *I, const char *kind, const char *text, json_t *data);

/* The record ran out: resume goes live (real clock again if the run was real); verify ends. */
static void record_exhausted(interp *I)
{
    I->replaying = 0;
    if (I->o->verify) return;
    I->went_live = 1;
    const char *clk = json_string_value(json_object_get(I->o->replay_run, "clock"));
    if (!clk || strcmp(clk, "virtual") != 0) clock_use_real();
    say(I, "\n--- the record ends here: going on live ---");
    emit(I, "run.resume", "resumed after an interruption",
         json_pack("{s:i}", "replayed_events", (int)I->rcount));
}

static ctl diverged(interp *I, const char *kind, const char *text)
{
    if (I->diverged) return CTL_STOP;   /* reported once: what follows is a consequence */
    json_t *ev = rec_next(I);
    if (!ev && I->o->verify) {
        json_t *last = json_array_get(I->o->replay, I->rcount ? I->rcount - 1 : 0);
        if (!last || strcmp(ev_str(last, "kind"), "run.end") != 0) {
            /* an interrupted run: everything it recorded was reproduced */
            I->exit_code = 0;
            return CTL_STOP;
        }
    }
    const rb_node *at = I->cur_node;
    const char *file = I->cur_file ? I->cur_file->src.name : I->o->path;
    fprintf(stderr, "%s:%d:%d: the runbook diverges from the record at event %zu:\n", file, at ? at->loc.line : 0,
            at ? at->loc.col : 0, I->rpos + 1);
    if (ev)
        fprintf(stderr, "  recorded: %s: %s\n", ev_str(ev, "kind"), ev_str(ev, "text"));
    else
        fprintf(stderr, "  recorded: (the record ends)\n");
    fprintf(stderr, "  now:      %s: %s\n", kind, text);
    I->diverged = 1;
    I->exit_code = I->o->verify ? 1 : 2;
    if (!I->o->verify)
        fprintf(stderr, "runbook: the stored source does not reproduce the record (was the database edited?); "
                        "stopping\n");
    return CTL_STOP;
}

static ctl fire_due(interp *I);

/*
 * Replaying: the event must be the next one recorded.  Timer firings recorded before it
 * are reproduced first, by moving the clock to their time.
 */
static ctl match_event(interp *I, const char *kind, const char *text)
{
    json_t *ev = rec_next(I);
    if (!is_timer_kind(kind) && !I->in_timer) {
        while (ev && is_timer_kind(ev_str(ev, "kind"))) {
            size_t before = I->rpos;
            clock_advance(ev_time(ev));
            ctl c = fire_due(I);
            if (c != CTL_OK) return c;
            if (I->rpos == before) break;    /* the recorded firing did not happen now */
            ev = rec_next(I);
        }
    }
    if (!I->replaying) return CTL_OK;         /* the record ran out during the firings */
    if (!ev) {
        record_exhausted(I);
        return I->o->verify ? diverged(I, kind, text) : CTL_OK;
    }
    if (strcmp(ev_str(ev, "kind"), kind) != 0 || (!loose_kind(kind) && strcmp(ev_str(ev, "text"), text) != 0))
        return diverged(I, kind, text);
    clock_advance(ev_time(ev));
    I->rpos++;
    return CTL_OK;
}

static ctl emit(interp *I, const char *kind, const char *text, json_t *data)
{
    if (I->diverged) {
        json_decref(data);
        return CTL_STOP;
    }
    if (I->replaying) {
        ctl c = match_event(I, kind, text);
        if (c != CTL_OK || I->replaying || I->o->verify) {
            json_decref(data);
            return c;
        }
        /* the record ran out at this event: it is the first live one */
    }
    if (I->o->verify) {
        json_decref(data);
        return CTL_OK;
    }
    rec_event ev = {clock_now(), I->step_id, kind, text, data};
    int r = rec_event_add(I->rec, I->run_id, &ev, NULL);
    json_decref(data);
    if (r != 0) {
        fprintf(stderr, "runbook: cannot record to the database: %s\nrunbook: stopping before the next action.\n",
                rec_error(I->rec));
        I->exit_code = 3;
        return CTL_STOP;
    }
    return CTL_OK;
}

static void secret_add(interp *I, const char *clear)
{
    if (!clear || strlen(clear) < 3) return;
    for (int i = 0; i < I->nsecrets; i++)
        if (strcmp(I->secrets[i], clear) == 0) return;
    I->secrets = arena_grow(&I->mem, I->secrets, I->nsecrets, &I->capsecrets, sizeof *I->secrets, 8);
    I->secrets[I->nsecrets++] = arena_strdup(&I->mem, clear);
}

/*
 * Copy outside bytes (command output, response bodies) into out as text for people and
 * the record: every known secret replaced by «redacted», and invalid UTF-8 or NUL bytes
 * by U+FFFD (JSON and string values need valid text).
 */
static void scrub(interp *I, rb_buf *out, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        int hit = 0;
        for (int k = 0; k < I->nsecrets; k++) {
            size_t L = strlen(I->secrets[k]);
            if (L <= n - i && memcmp(s + i, I->secrets[k], L) == 0) {
                buf_adds(out, REDACTED);
                i += L;
                hit = 1;
                break;
            }
        }
        if (hit) continue;
        size_t len = s[i] ? utf8_seq((const unsigned char *)s + i, n - i) : 0;
        buf_add_utf8(out, s + i, len ? len : 1);
        i += len ? len : 1;
    }
}

/* ------------------------------------------------------------------ errors */

static ctl rt_error(interp *I, const rb_node *at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static ctl rt_error(interp *I, const rb_node *at, const char *fmt, ...)
{
    buf_reset(&I->err);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&I->err, fmt, ap);
    va_end(ap);
    I->err_loc = at ? at->loc : (rb_loc){0, 0};
    I->err_file = I->cur_file ? I->cur_file->src.name : I->o->path;
    return CTL_FAIL;
}

/* Show and record the pending error (after a step failed or the run aborted). */
static ctl report_error(interp *I, const char *kind)
{
    rb_buf line;
    buf_init(&line);
    if (I->err_loc.line)
        buf_printf(&line, "%s:%d:%d: %s: %s", I->err_file, I->err_loc.line, I->err_loc.col, kind, buf_cstr(&I->err));
    else
        buf_printf(&line, "%s: %s", kind, buf_cstr(&I->err));
    fprintf(stderr, "%s\n", buf_cstr(&line));
    json_t *d = json_pack("{s:s, s:s?, s:i, s:i}", "message", buf_cstr(&I->err), "file", I->err_file, "line",
                          I->err_loc.line, "col", I->err_loc.col);
    ctl c = emit(I, "error", buf_cstr(&line), d);
    buf_free(&line);
    return c;
}

/* ------------------------------------------------------------------ scopes */

static scope *scope_new(interp *I, scope *parent)
{
    scope *s = arena_alloc(&I->mem, sizeof *s);
    s->parent = parent;
    return s;
}

static value *scope_find_here(scope *s, const char *name)
{
    for (int i = s->n - 1; i >= 0; i--)
        if (strcmp(s->items[i].name, name) == 0) return &s->items[i].v;
    return NULL;
}

static value *scope_find(scope *s, const char *name)
{
    for (; s; s = s->parent) {
        value *v = scope_find_here(s, name);
        if (v) return v;
    }
    return NULL;
}

static void scope_define(interp *I, scope *s, const char *name, value v)
{
    value *old = scope_find_here(s, name);
    if (old) {
        *old = v;
        return;
    }
    s->items = arena_grow(&I->mem, s->items, s->n, &s->cap, sizeof *s->items, 8);
    s->items[s->n++] = (binding){name, v};
}

/* ------------------------------------------------------------------ strings */

static value str_of(interp *I, rb_buf *b, int secret)
{
    value v = v_str(&I->mem, buf_cstr(b), b->len);
    v.secret = secret;
    return v;
}

/* Does a value contain a secret anywhere? */
static int has_secret(value v)
{
    if (v.secret) return 1;
    if (v.t == V_LIST)
        for (int i = 0; i < v.u.l->n; i++)
            if (has_secret(v.u.l->items[i])) return 1;
    if (v.t == V_MAP)
        for (int i = 0; i < v.u.m->n; i++)
            if (has_secret(v.u.m->items[i].v)) return 1;
    return 0;
}

/* ------------------------------------------------------------------ forward */

static ctl eval(interp *I, scope *sc, const rb_node *n, value *out);
static ctl exec_block(interp *I, scope *sc, const rb_node *block);
static ctl exec_stmt(interp *I, scope *sc, const rb_node *n);
static ctl run_sh(interp *I, scope *sc, const rb_node *n, int stmt, value *out);
static ctl run_http(interp *I, scope *sc, const rb_node *n, int stmt, value *out);
static ctl incident_get(interp *I, const char *field, const rb_node *at, value *out);
static ctl incident_set(interp *I, const char *field, value v, const rb_node *at);
static ctl call_builtin(interp *I, scope *sc, const char *name, const rb_node *call, value *out);
static ctl fire_due(interp *I);
static double next_due(interp *I);
static ctl exec_run(interp *I, scope *sc, const rb_node *n);

/* ------------------------------------------------------------------ expressions */

static ctl eval_interp(interp *I, scope *sc, const rb_node *n, value *out)
{
    rb_buf b;
    buf_init(&b);
    int secret = 0;
    for (const rb_node *p = n->a; p; p = p->next) {
        value v;
        ctl c = eval(I, sc, p, &v);
        if (c != CTL_OK) {
            buf_free(&b);
            return c;
        }
        secret |= has_secret(v);
        value_text(&b, v);
    }
    *out = str_of(I, &b, secret);
    buf_free(&b);
    return CTL_OK;
}

static ctl arith(interp *I, const rb_node *n, op_kind op, value a, value b, value *out)
{
    int secret = a.secret || b.secret;
    if (op == OP_ADD && (a.t == V_STR || b.t == V_STR)) {
        rb_buf s;
        buf_init(&s);
        value_text(&s, a);
        value_text(&s, b);
        *out = str_of(I, &s, secret);
        buf_free(&s);
        return CTL_OK;
    }
    if (op == OP_ADD && a.t == V_LIST && b.t == V_LIST) {
        value l = v_list(&I->mem, a.u.l->n + b.u.l->n);
        for (int i = 0; i < a.u.l->n; i++) list_push(&I->mem, l, a.u.l->items[i]);
        for (int i = 0; i < b.u.l->n; i++) list_push(&I->mem, l, b.u.l->items[i]);
        *out = l;
        return CTL_OK;
    }
    double x = a.u.n, y = b.u.n;
    vtype ta = a.t, tb = b.t;
    int nums = ta == V_NUM && tb == V_NUM;
    if (nums) {
        double r;
        switch (op) {
        case OP_ADD: r = x + y; break;
        case OP_SUB: r = x - y; break;
        case OP_MUL: r = x * y; break;
        case OP_DIV:
            if (y == 0) return rt_error(I, n, "division by zero");
            r = x / y;
            break;
        default:
            if (y == 0) return rt_error(I, n, "modulo by zero");
            r = fmod(x, y);
            break;
        }
        *out = v_num(r);
        return CTL_OK;
    }
    /* Durations and times. */
    if (ta == V_DUR && tb == V_DUR && (op == OP_ADD || op == OP_SUB)) { *out = v_dur(op == OP_ADD ? x + y : x - y); return CTL_OK; }
    if (ta == V_TIME && tb == V_DUR && (op == OP_ADD || op == OP_SUB)) { *out = v_time(op == OP_ADD ? x + y : x - y); return CTL_OK; }
    if (ta == V_DUR && tb == V_TIME && op == OP_ADD) { *out = v_time(x + y); return CTL_OK; }
    if (ta == V_TIME && tb == V_TIME && op == OP_SUB) { *out = v_dur(x - y); return CTL_OK; }
    if (ta == V_DUR && tb == V_NUM && (op == OP_MUL || op == OP_DIV)) {
        if (op == OP_DIV && y == 0) return rt_error(I, n, "division by zero");
        *out = v_dur(op == OP_MUL ? x * y : x / y);
        return CTL_OK;
    }
    if (ta == V_NUM && tb == V_DUR && op == OP_MUL) { *out = v_dur(x * y); return CTL_OK; }
    if (ta == V_DUR && tb == V_DUR && op == OP_DIV) {
        if (y == 0) return rt_error(I, n, "division by zero");
        *out = v_num(x / y);
        return CTL_OK;
    }
    return rt_error(I, n, "cannot apply '%s' to %s and %s", ast_op_text(op), vtype_name(ta), vtype_name(tb));
}

static ctl eval_binary(interp *I, scope *sc, const rb_node *n, value *out)
{
    op_kind op = (op_kind)n->num;
    value a, b;
    ctl c = eval(I, sc, n->a, &a);
    if (c != CTL_OK) return c;
    if (op == OP_AND || op == OP_OR) {
        if (op == OP_AND ? !value_truthy(a) : value_truthy(a)) {
            *out = v_bool(op == OP_OR);
            return CTL_OK;
        }
        if ((c = eval(I, sc, n->b, &b)) != CTL_OK) return c;
        *out = v_bool(value_truthy(b));
        return CTL_OK;
    }
    if (op == OP_COALESCE) {
        if (a.t != V_NIL) {
            *out = a;
            return CTL_OK;
        }
        return eval(I, sc, n->b, out);
    }
    if ((c = eval(I, sc, n->b, &b)) != CTL_OK) return c;
    int cmp;
    switch (op) {
    case OP_EQ: *out = v_bool(value_equal(a, b)); return CTL_OK;
    case OP_NE: *out = v_bool(!value_equal(a, b)); return CTL_OK;
    case OP_LT: case OP_LE: case OP_GT: case OP_GE:
        if (value_compare(a, b, &cmp) != 0)
            return rt_error(I, n, "cannot compare %s with %s", vtype_name(a.t), vtype_name(b.t));
        *out = v_bool(op == OP_LT ? cmp < 0 : op == OP_LE ? cmp <= 0 : op == OP_GT ? cmp > 0 : cmp >= 0);
        return CTL_OK;
    case OP_IN:
        if (b.t == V_LIST) {
            int found = 0;
            for (int i = 0; i < b.u.l->n && !found; i++) found = value_equal(a, b.u.l->items[i]);
            *out = v_bool(found);
        } else if (b.t == V_MAP && a.t == V_STR) {
            *out = v_bool(map_get(b, a.u.s->s) != NULL);
        } else if (b.t == V_STR && a.t == V_STR) {
            *out = v_bool(strstr(b.u.s->s, a.u.s->s) != NULL);
        } else {
            return rt_error(I, n, "'in' needs a list, a map or a string on its right, not %s", vtype_name(b.t));
        }
        return CTL_OK;
    default:
        return arith(I, n, op, a, b, out);
    }
}

static ctl eval_member(interp *I, scope *sc, const rb_node *n, value *out)
{
    value o;
    ctl c = eval(I, sc, n->a, &o);
    if (c != CTL_OK) return c;
    switch (o.t) {
    case V_INCIDENT: return incident_get(I, n->str, n, out);
    case V_MAP: {
        value *v = map_get(o, n->str);
        *out = v ? *v : v_nil();
        if (o.secret) out->secret = 1;
        return CTL_OK;
    }
    case V_MODULE: {
        value *v = scope_find_here((scope *)o.u.p, n->str);
        if (!v) return rt_error(I, n, "the module has no member '%s'", n->str);
        *out = *v;
        return CTL_OK;
    }
    case V_NIL: return rt_error(I, n, "cannot read '.%s' of nil", n->str);
    default: return rt_error(I, n, "a %s has no field '%s'", vtype_name(o.t), n->str);
    }
}

static ctl eval_index(interp *I, scope *sc, const rb_node *n, value *out)
{
    value o, k;
    ctl c = eval(I, sc, n->a, &o);
    if (c == CTL_OK) c = eval(I, sc, n->b, &k);
    if (c != CTL_OK) return c;
    if (o.t == V_LIST && k.t == V_NUM) {
        long i = (long)k.u.n;
        if (i < 0) i += o.u.l->n;
        *out = i >= 0 && i < o.u.l->n ? o.u.l->items[i] : v_nil();
        return CTL_OK;
    }
    if (o.t == V_MAP && k.t == V_STR) {
        value *v = map_get(o, k.u.s->s);
        *out = v ? *v : v_nil();
        return CTL_OK;
    }
    if (o.t == V_MODULE && k.t == V_STR) {
        value *v = scope_find_here((scope *)o.u.p, k.u.s->s);
        *out = v ? *v : v_nil();
        return CTL_OK;
    }
    if (o.t == V_STR && k.t == V_NUM) {
        /* strings are indexed by character (UTF-8 code point), not by byte */
        const char *p = o.u.s->s, *end = p + o.u.s->len;
        long count = 0;
        for (const char *q = p; q < end; q++) count += ((unsigned char)*q & 0xC0) != 0x80;
        long i = (long)k.u.n;
        if (i < 0) i += count;
        *out = v_nil();
        for (long at = 0; p < end && i >= 0 && i < count; at++) {
            size_t len = utf8_seq((const unsigned char *)p, (size_t)(end - p));
            if (!len) len = 1;
            if (at == i) {
                *out = v_str(&I->mem, p, len);
                out->secret = o.secret;
                break;
            }
            p += len;
        }
        return CTL_OK;
    }
    return rt_error(I, n, "cannot index a %s with a %s", vtype_name(o.t), vtype_name(k.t));
}

static ctl call_fn(interp *I, const rb_node *call, value fnv, value *args, int nargs, value *out)
{
    const rb_node *fn = fnv.u.fn;
    int nparams = ast_list_len(fn->a);
    if (nargs != nparams)
        return rt_error(I, call, "%s() takes %d argument%s, not %d", fn->str, nparams, nparams == 1 ? "" : "s", nargs);
    if (I->depth >= MAX_CALL_DEPTH)
        return rt_error(I, call, "calls nested too deeply (more than %d): runaway recursion in %s()?", MAX_CALL_DEPTH,
                        fn->str);
    scope *s = scope_new(I, (scope *)fnv.env);
    int i = 0;
    for (const rb_node *p = fn->a; p; p = p->next) scope_define(I, s, p->str, args[i++]);
    /* errors inside the function name the file it was written in (a module's, maybe) */
    const ast_file *saved = I->cur_file;
    if (((scope *)fnv.env)->file) I->cur_file = ((scope *)fnv.env)->file;
    I->depth++;
    ctl c = exec_block(I, s, fn->b);
    I->depth--;
    if (c != CTL_FAIL && c != CTL_ABORT) I->cur_file = saved;   /* a failure keeps its file for the report */
    if (c == CTL_RETURN) {
        *out = I->ret;
        return CTL_OK;
    }
    if (c == CTL_OK) {
        *out = v_nil();
        return CTL_OK;
    }
    return c;
}

static ctl eval_call(interp *I, scope *sc, const rb_node *n, value *out)
{
    const rb_node *callee = n->a;
    if (callee->kind == N_IDENT && !scope_find(sc, callee->str) && builtin_find(callee->str))
        return call_builtin(I, sc, callee->str, n, out);
    value f;
    ctl c = eval(I, sc, callee, &f);
    if (c != CTL_OK) return c;
    if (f.t == V_BUILTIN) return call_builtin(I, sc, f.u.bi, n, out);
    if (f.t != V_FN) return rt_error(I, n, "cannot call a %s", vtype_name(f.t));
    value args[MAX_ARGS];
    int nargs = 0;
    for (const rb_node *a = n->b; a; a = a->next) {
        if (a->kind == N_NAMEDARG) return rt_error(I, a, "%s() takes no named arguments", f.u.fn->str);
        if (nargs == MAX_ARGS) return rt_error(I, a, "too many arguments");
        if ((c = eval(I, sc, a, &args[nargs])) != CTL_OK) return c;
        nargs++;
    }
    return call_fn(I, n, f, args, nargs, out);
}

static ctl eval(interp *I, scope *sc, const rb_node *n, value *out)
{
    if (interrupted) {
        I->exit_code = 130;
        return CTL_STOP;
    }
    switch (n->kind) {
    case N_NIL: *out = v_nil(); return CTL_OK;
    case N_BOOL: *out = v_bool(n->num != 0); return CTL_OK;
    case N_NUM: *out = v_num(n->num); return CTL_OK;
    case N_DUR: *out = v_dur(n->num); return CTL_OK;
    case N_SEV: *out = v_sev((int)n->num); return CTL_OK;
    case N_STR: *out = v_cstr(&I->mem, n->str); return CTL_OK;
    case N_INTERP: return eval_interp(I, sc, n, out);
    case N_LIST: {
        value l = v_list(&I->mem, ast_list_len(n->a));
        for (const rb_node *e = n->a; e; e = e->next) {
            value v;
            ctl c = eval(I, sc, e, &v);
            if (c != CTL_OK) return c;
            list_push(&I->mem, l, v);
        }
        *out = l;
        return CTL_OK;
    }
    case N_MAP: {
        value m = v_map(&I->mem, ast_list_len(n->a));
        for (const rb_node *e = n->a; e; e = e->next) {
            value v;
            ctl c = eval(I, sc, e->a, &v);
            if (c != CTL_OK) return c;
            map_set(&I->mem, m, e->str, v);
        }
        *out = m;
        return CTL_OK;
    }
    case N_IDENT: {
        value *v = scope_find(sc, n->str);
        if (v) {
            *out = *v;
            return CTL_OK;
        }
        if (strcmp(n->str, "incident") == 0) {
            out->t = V_INCIDENT;
            out->secret = 0;
            out->u.p = &I->inc;
            return CTL_OK;
        }
        if (strcmp(n->str, "acknowledged") == 0 || strcmp(n->str, "resolved") == 0)
            return incident_get(I, n->str, n, out);
        if (builtin_find(n->str)) {
            *out = v_nil();
            out->t = V_BUILTIN;
            out->u.bi = n->str;
            return CTL_OK;
        }
        return rt_error(I, n, "'%s' is not set (a step that sets it may not have run)", n->str);
    }
    case N_UNARY: {
        value v;
        ctl c = eval(I, sc, n->a, &v);
        if (c != CTL_OK) return c;
        if ((op_kind)n->num == OP_NOT) {
            *out = v_bool(!value_truthy(v));
            return CTL_OK;
        }
        if (v.t == V_NUM || v.t == V_DUR) {
            *out = v;
            out->u.n = -v.u.n;
            return CTL_OK;
        }
        return rt_error(I, n, "cannot negate a %s", vtype_name(v.t));
    }
    case N_BINARY: return eval_binary(I, sc, n, out);
    case N_MEMBER: return eval_member(I, sc, n, out);
    case N_INDEX: return eval_index(I, sc, n, out);
    case N_CALL: return eval_call(I, sc, n, out);
    case N_SH: return run_sh(I, sc, n, 0, out);
    case N_HTTP: return run_http(I, sc, n, 0, out);
    default: return rt_error(I, n, "cannot evaluate a %s here", ast_kind_name(n->kind));
    }
}

/* ------------------------------------------------------------------ the incident */

static const char *const STATUSES[] = {"investigating", "identified", "monitoring", "resolved", NULL};

static ctl incident_get(interp *I, const char *f, const rb_node *at, value *out)
{
    incident_state *s = &I->inc;
    arena *m = &I->mem;
    if (strcmp(f, "id") == 0) *out = v_cstr(m, s->id);
    else if (strcmp(f, "title") == 0) *out = v_cstr(m, s->title);
    else if (strcmp(f, "severity") == 0) *out = s->severity;
    else if (strcmp(f, "status") == 0) *out = v_cstr(m, s->status);
    else if (strcmp(f, "commander") == 0) *out = s->commander ? v_cstr(m, s->commander) : v_nil();
    else if (strcmp(f, "roles") == 0) *out = s->roles;
    else if (strcmp(f, "started_at") == 0) *out = v_time(s->started_at);
    else if (strcmp(f, "acknowledged_at") == 0) *out = s->acknowledged_at < 0 ? v_nil() : v_time(s->acknowledged_at);
    else if (strcmp(f, "resolved_at") == 0) *out = s->resolved_at < 0 ? v_nil() : v_time(s->resolved_at);
    else if (strcmp(f, "elapsed") == 0) *out = v_dur(floor(clock_now() - s->started_at));
    else if (strcmp(f, "acknowledged") == 0) *out = v_bool(s->acknowledged_at >= 0);
    else if (strcmp(f, "resolved") == 0) *out = v_bool(s->resolved_at >= 0);
    else return rt_error(I, at, "the incident has no field '%s'", f);
    return CTL_OK;
}

/* Record a state change of the incident. */
static ctl state_change(interp *I, const char *field, value from, value to)
{
    if (value_equal(from, to)) return CTL_OK;   /* nothing changed: nothing to record */
    rb_buf a, b, t;
    buf_init(&a);
    buf_init(&b);
    buf_init(&t);
    value_show(&a, from);
    value_show(&b, to);
    buf_printf(&t, "%s: %s → %s", field, a.len ? buf_cstr(&a) : "(none)", buf_cstr(&b));
    say(I, "  * %s", buf_cstr(&t));
    json_t *d = json_pack("{s:s, s:o, s:o}", "field", field, "from", value_to_json(from, 1), "to", value_to_json(to, 1));
    ctl c = emit(I, "state", buf_cstr(&t), d);
    buf_free(&a);
    buf_free(&b);
    buf_free(&t);
    return c;
}

static ctl incident_set(interp *I, const char *f, value v, const rb_node *at)
{
    incident_state *s = &I->inc;
    value old;
    incident_get(I, f, at, &old);
    if (strcmp(f, "severity") == 0) {
        if (v.t != V_SEV || v.u.n < 1 || v.u.n > 4) return rt_error(I, at, "incident.severity takes P1 to P4");
        s->severity = v;
        char sev[8];
        snprintf(sev, sizeof sev, "P%d", (int)v.u.n);
        if (rec_run_update(I->rec, I->run_id, sev, NULL, -1, -1) != 0) {
            I->exit_code = 3;
            return CTL_STOP;
        }
    } else if (strcmp(f, "status") == 0) {
        int ok = 0;
        for (int i = 0; v.t == V_STR && STATUSES[i]; i++) ok |= strcmp(v.u.s->s, STATUSES[i]) == 0;
        if (!ok) return rt_error(I, at, "incident.status is one of investigating, identified, monitoring, resolved");
        s->status = v.u.s->s;
    } else if (strcmp(f, "commander") == 0) {
        if (v.t != V_STR && v.t != V_NIL) return rt_error(I, at, "incident.commander takes a name");
        s->commander = v.t == V_STR ? v.u.s->s : NULL;
    } else if (strcmp(f, "title") == 0) {
        if (v.t != V_STR) return rt_error(I, at, "incident.title takes a string");
        s->title = v.u.s->s;
    } else {
        return rt_error(I, at, "incident.%s cannot be assigned", f);
    }
    return state_change(I, f, old, v);
}

static ctl do_acknowledge(interp *I)
{
    if (I->inc.acknowledged_at >= 0) return CTL_OK;
    I->inc.acknowledged_at = clock_now();
    if (rec_run_update(I->rec, I->run_id, NULL, NULL, I->inc.acknowledged_at, -1) != 0) {
        I->exit_code = 3;
        return CTL_STOP;
    }
    return state_change(I, "acknowledged", v_bool(0), v_bool(1));
}

static ctl do_resolve(interp *I, const char *summary)
{
    if (I->inc.resolved_at >= 0) return CTL_OK;
    ctl c = do_acknowledge(I);
    if (c != CTL_OK) return c;
    I->inc.resolved_at = clock_now();
    value old = v_cstr(&I->mem, I->inc.status);
    I->inc.status = "resolved";
    if (rec_run_update(I->rec, I->run_id, NULL, NULL, -1, I->inc.resolved_at) != 0) {
        I->exit_code = 3;
        return CTL_STOP;
    }
    if ((c = state_change(I, "status", old, v_cstr(&I->mem, "resolved"))) != CTL_OK) return c;
    if ((c = state_change(I, "resolved", v_bool(0), v_bool(1))) != CTL_OK) return c;
    if (summary && *summary) {
        say(I, "  * resolved: %s", summary);
        c = emit(I, "timeline", summary, json_pack("{s:s}", "text", summary));
    }
    return c;
}

/* ------------------------------------------------------------------ builtins */

typedef struct argv_ {
    value pos[MAX_ARGS];
    int npos;
    const char *names[MAX_ARGS];
    value named[MAX_ARGS];
    int nnamed;
} argv_;

static ctl eval_args(interp *I, scope *sc, const rb_node *call, argv_ *A)
{
    A->npos = A->nnamed = 0;
    for (const rb_node *a = call->b; a; a = a->next) {
        ctl c;
        if (a->kind == N_NAMEDARG) {
            if (A->nnamed == MAX_ARGS) return rt_error(I, a, "too many arguments");
            A->names[A->nnamed] = a->str;
            if ((c = eval(I, sc, a->a, &A->named[A->nnamed])) != CTL_OK) return c;
            A->nnamed++;
        } else {
            if (A->npos == MAX_ARGS) return rt_error(I, a, "too many arguments");
            if ((c = eval(I, sc, a, &A->pos[A->npos])) != CTL_OK) return c;
            A->npos++;
        }
    }
    return CTL_OK;
}

static value *named(argv_ *A, const char *name)
{
    for (int i = 0; i < A->nnamed; i++)
        if (strcmp(A->names[i], name) == 0) return &A->named[i];
    return NULL;
}

/* The text of a value for people (secrets redacted), in the run's arena. */
static const char *shown(interp *I, value v)
{
    rb_buf b;
    buf_init(&b);
    value_show(&b, v);
    const char *s = arena_strndup(&I->mem, buf_cstr(&b), b.len);
    buf_free(&b);
    return s;
}

/*
 * Ask the responder and record the prompt and its answer.  Returns CTL_OK with the
 * canonical answer in *answer (arena), or CTL_STOP (exit 4 / 130) / CTL_FAIL.
 */
static ctl ask_responder(interp *I, const rb_node *at, prompt_req *q, const char **answer)
{
    json_t *opts = NULL;
    if (q->noptions) {
        opts = json_array();
        for (int i = 0; i < q->noptions; i++) json_array_append_new(opts, json_string(q->options[i]));
    }
    static const char *const kinds[] = {"ask", "confirm", "choose", "checklist"};
    json_t *d = json_pack("{s:s, s:s, s:s?, s:s?, s:o?, s:b}", "kind", kinds[q->kind], "question", q->text, "key",
                          q->key, "default", q->secret ? NULL : q->def, "options", opts, "secret", q->secret);
    ctl c = emit(I, "prompt", q->text, d);
    if (c != CTL_OK) return c;
    rb_buf a;
    buf_init(&a);
    const char *source = "";
    double after = 0;
    prompt_status st;
    json_t *rec = rec_next(I);
    const char *recorded = rec && strcmp(ev_str(rec, "kind"), "answer") == 0
                         ? json_string_value(json_object_get(json_object_get(rec, "data"), "answer")) : NULL;
    if (I->o->verify && !recorded) {
        buf_free(&a);
        return diverged(I, "answer", q->text);
    }
    if (recorded && (strcmp(recorded, REDACTED) != 0 || I->o->verify)) {
        /* replaying: the answer given then, not asked again */
        buf_adds(&a, recorded);
        source = json_string_value(json_object_get(json_object_get(rec, "data"), "source"));
        if (!source) source = "record";
        st = PR_OK;
    } else {
        st = prompt_ask(I->prompts, q, &a, &source, &after);
    }
    if (st == PR_NO_ANSWER || st == PR_BAD || st == PR_INTERRUPTED) {
        if (st == PR_INTERRUPTED) {
            if (!I->exit_code) I->exit_code = 130;   /* 3 when a timer's record failed */
        } else {
            fprintf(stderr, "%s:%d:%d: error: %s: \"%s\"\n", I->cur_file->src.name, at->loc.line, at->loc.col,
                    st == PR_BAD ? buf_cstr(&a) : "input required but no answer is available", q->text);
            I->exit_code = 4;
        }
        json_t *ed = json_pack("{s:s, s:s}", "question", q->text, "reason",
                               st == PR_BAD ? buf_cstr(&a) : st == PR_INTERRUPTED ? "interrupted" : "no answer");
        emit(I, "error", st == PR_INTERRUPTED ? "interrupted at a prompt" : "input required: no answer", ed);
        buf_free(&a);
        return CTL_STOP;
    }
    if (q->secret) secret_add(I, buf_cstr(&a));
    *answer = arena_strndup(&I->mem, buf_cstr(&a), a.len);
    const char *rec_answer = q->secret ? REDACTED : *answer;
    if (recorded) say(I, "? %s → %s (recorded: %s)", q->text, rec_answer, source);
    else if (strcmp(source, "terminal") != 0 && strcmp(source, "stdin") != 0)
        say(I, "? %s → %s (%s)", q->text, rec_answer, source);
    rb_buf t;
    buf_init(&t);
    buf_printf(&t, "%s → %s", q->text, rec_answer);
    json_t *ad = json_pack("{s:s, s:s, s:s, s:s?, s:f}", "question", q->text, "answer", rec_answer, "source", source,
                           "key", q->key, "after_s", after);
    c = emit(I, "answer", buf_cstr(&t), ad);
    buf_free(&t);
    buf_free(&a);
    return c;
}

static ctl prompt_confirm(interp *I, const rb_node *at, const char *text, const char *key, const char *def, int *yes)
{
    prompt_req q = {PK_CONFIRM, text, key, def, NULL, 0, 0, NULL};
    const char *a;
    ctl c = ask_responder(I, at, &q, &a);
    if (c == CTL_OK) *yes = strcmp(a, "yes") == 0;
    return c;
}

static ctl prompt_choose(interp *I, const rb_node *at, const char *text, const char *key, const char *def,
                         const char **opts, int nopts, const char **pick)
{
    prompt_req q = {PK_CHOOSE, text, key, def, opts, nopts, 0, NULL};
    return ask_responder(I, at, &q, pick);
}

/* Each item of a checklist: done / not done / n/a with an optional note. */
static ctl run_checklist(interp *I, const rb_node *at, const char *title, const char *key, value items, value *out)
{
    say(I, "  Checklist: %s", title);
    value results = v_map(&I->mem, items.u.l->n);
    for (int i = 0; i < items.u.l->n; i++) {
        const char *item = shown(I, items.u.l->items[i]);
        rb_buf k;
        buf_init(&k);
        if (key) buf_printf(&k, "%s.%d", key, i + 1);
        prompt_req q = {PK_CHECK, item, key ? buf_cstr(&k) : NULL, NULL, NULL, 0, 0, NULL};
        const char *a;
        ctl c = ask_responder(I, at, &q, &a);
        buf_free(&k);
        if (c != CTL_OK) return c;
        map_set(&I->mem, results, item, v_cstr(&I->mem, a));
    }
    if (out) *out = results;
    return CTL_OK;
}

static const char *opt_str(interp *I, argv_ *A, const char *name)
{
    value *v = named(A, name);
    if (!v || v->t == V_NIL) return NULL;
    return shown(I, *v);
}

/*
 * send_mail(url, from, to, subject, text, user: u, password: p): e-mail through SMTP
 * (libcurl).  Recorded as mail.send (before) and mail.sent (after); the password never is.
 * Under --dry-run nothing is sent.  Returns {ok, error}.
 */
static ctl send_mail(interp *I, const rb_node *call, argv_ *A, value *out)
{
    if (A->npos != 5) return rt_error(I, call, "send_mail(url, from, to, subject, text) takes 5 arguments");
    for (int i = 0; i < 5; i++)
        if (A->pos[i].t != V_STR && !(i == 2 && A->pos[i].t == V_LIST))
            return rt_error(I, call, "send_mail: argument %d must be a string%s", i + 1, i == 2 ? " or a list" : "");
    value to = A->pos[2];
    int nto = to.t == V_LIST ? to.u.l->n : 1;
    const char **rcpt = arena_alloc(&I->mem, (size_t)(nto + 1) * sizeof *rcpt);
    json_t *tos = json_array();
    for (int i = 0; i < nto; i++) {
        value v = to.t == V_LIST ? to.u.l->items[i] : to;
        rb_buf b;
        buf_init(&b);
        value_text(&b, v);
        rcpt[i] = arena_strdup(&I->mem, buf_cstr(&b));
        json_array_append_new(tos, json_string(shown(I, v)));
        buf_free(&b);
    }
    value *user = named(A, "user"), *pw = named(A, "password");
    rb_buf url, pass;
    buf_init(&url);
    buf_init(&pass);
    value_text(&url, A->pos[0]);
    if (pw) {
        value_text(&pass, *pw);
        secret_add(I, buf_cstr(&pass));
    }
    const char *subject = shown(I, A->pos[3]);
    int dry = I->o->dry_run;
    say(I, "  ✉ mail to %s: %s%s", shown(I, to), subject, dry ? "   [dry-run: not sent]" : "");
    ctl c = emit(I, "mail.send", subject, json_pack("{s:s, s:o, s:s, s:b}", "url", shown(I, A->pos[0]), "to", tos,
                                                    "subject", subject, "dry_run", dry));
    char err[256] = "";
    int r = 0;
    json_t *rec = c == CTL_OK ? rec_next(I) : NULL;
    if (c == CTL_OK && I->replaying && rec && strcmp(ev_str(rec, "kind"), "mail.sent") == 0) {
        /* replaying: the mail went out then; its recorded outcome stands in */
        json_t *rd = json_object_get(rec, "data");
        r = json_is_true(json_object_get(rd, "ok")) ? 0 : -1;
        snprintf(err, sizeof err, "%s", ev_str(rd, "error"));
        dry = json_is_true(json_object_get(rd, "skipped"));
    } else if (c == CTL_OK && !dry && I->o->verify) {
        c = diverged(I, "mail.sent", subject);
    } else if (c == CTL_OK && !dry) {
        rb_buf text;
        buf_init(&text);
        value_text(&text, A->pos[4]);
        r = http_send_mail(buf_cstr(&url), shown(I, A->pos[1]), rcpt, subject, buf_cstr(&text),
                           user ? shown(I, *user) : NULL, pw ? buf_cstr(&pass) : NULL, 30, err);
        buf_free(&text);
    }
    buf_free(&url);
    buf_free(&pass);
    if (c != CTL_OK) return c;
    if (!dry) say(I, "  %s mail %s", r == 0 ? "✓" : "✗", r == 0 ? "sent" : err);
    c = emit(I, "mail.sent", r == 0 ? "sent" : err, json_pack("{s:b, s:s, s:b}", "ok", r == 0, "error", err, "skipped", dry));
    value res = v_map(&I->mem, 3);
    map_set(&I->mem, res, "ok", v_bool(r == 0));
    map_set(&I->mem, res, "error", r == 0 ? v_nil() : v_cstr(&I->mem, err));
    map_set(&I->mem, res, "skipped", v_bool(dry));
    *out = res;
    return c;
}

static ctl call_builtin(interp *I, scope *sc, const char *name, const rb_node *call, value *out)
{
    argv_ A;
    ctl c = eval_args(I, sc, call, &A);
    if (c != CTL_OK) return c;
    *out = v_nil();
    if (strcmp(name, "ask") == 0) {
        if (A.npos < 1) return rt_error(I, call, "ask() needs a question");
        value *sec = named(&A, "secret");
        prompt_req q = {PK_ASK, shown(I, A.pos[0]), opt_str(I, &A, "key"), opt_str(I, &A, "default"), NULL, 0,
                        sec && value_truthy(*sec), opt_str(I, &A, "pattern")};
        const char *a;
        if ((c = ask_responder(I, call, &q, &a)) != CTL_OK) return c;
        *out = v_cstr(&I->mem, a);
        out->secret = q.secret;
        return CTL_OK;
    }
    if (strcmp(name, "confirm") == 0) {
        if (A.npos < 1) return rt_error(I, call, "confirm() needs a question");
        value *d = named(&A, "default");
        const char *def = d ? (value_truthy(*d) && !(d->t == V_STR && strcmp(d->u.s->s, "no") == 0) ? "yes" : "no") : NULL;
        int yes;
        if ((c = prompt_confirm(I, call, shown(I, A.pos[0]), opt_str(I, &A, "key"), def, &yes)) != CTL_OK) return c;
        *out = v_bool(yes);
        return CTL_OK;
    }
    if (strcmp(name, "choose") == 0) {
        if (A.npos < 2 || A.pos[1].t != V_LIST || A.pos[1].u.l->n == 0)
            return rt_error(I, call, "choose() needs a question and a non-empty list of options");
        int n = A.pos[1].u.l->n;
        const char **opts = arena_alloc(&I->mem, (size_t)n * sizeof *opts);
        for (int i = 0; i < n; i++) opts[i] = shown(I, A.pos[1].u.l->items[i]);
        const char *pick;
        if ((c = prompt_choose(I, call, shown(I, A.pos[0]), opt_str(I, &A, "key"), opt_str(I, &A, "default"), opts, n,
                               &pick)) != CTL_OK)
            return c;
        *out = v_cstr(&I->mem, pick);
        return CTL_OK;
    }
    if (strcmp(name, "checklist") == 0) {
        if (A.npos < 2 || A.pos[1].t != V_LIST) return rt_error(I, call, "checklist() needs a title and a list of items");
        return run_checklist(I, call, shown(I, A.pos[0]), opt_str(I, &A, "key"), A.pos[1], out);
    }
    if (strcmp(name, "acknowledge") == 0) return do_acknowledge(I);
    if (strcmp(name, "resolve") == 0) return do_resolve(I, A.npos ? shown(I, A.pos[0]) : NULL);
    if (strcmp(name, "timeline") == 0) {
        if (A.npos < 1) return rt_error(I, call, "timeline() needs a text");
        const char *t = shown(I, A.pos[0]);
        say(I, "  * timeline: %s", t);
        return emit(I, "timeline", t, json_pack("{s:s}", "text", t));
    }
    if (strcmp(name, "action_item") == 0) {
        if (A.npos < 1) return rt_error(I, call, "action_item() needs a text");
        const char *t = shown(I, A.pos[0]);
        say(I, "  * action item: %s", t);
        json_t *d = json_pack("{s:s, s:s?, s:s?}", "text", t, "owner", opt_str(I, &A, "owner"), "due",
                              opt_str(I, &A, "due"));
        return emit(I, "action_item", t, d);
    }
    if (strcmp(name, "env") == 0) {
        if (A.npos < 1 || A.pos[0].t != V_STR) return rt_error(I, call, "env() needs a variable name");
        const char *v = getenv(A.pos[0].u.s->s);
        if (v && *v) *out = v_cstr(&I->mem, v);
        else *out = A.npos > 1 ? A.pos[1] : v_nil();
        return CTL_OK;
    }
    if (strcmp(name, "now") == 0) {
        *out = v_time(clock_now());
        return CTL_OK;
    }
    if (strcmp(name, "print") == 0) {
        rb_buf b;
        buf_init(&b);
        for (int i = 0; i < A.npos; i++) {
            if (i) buf_addc(&b, ' ');
            value_show(&b, A.pos[i]);
        }
        say(I, "%s", buf_cstr(&b));
        buf_free(&b);
        return CTL_OK;
    }
    if (strcmp(name, "send_mail") == 0) return send_mail(I, call, &A, out);
    if (strcmp(name, "raw") == 0) {
        /* raw() matters only inside a sh command, where run_sh sees it; elsewhere it is identity. */
        *out = A.npos ? A.pos[0] : v_nil();
        return CTL_OK;
    }
    rb_buf err;
    buf_init(&err);
    int r = stdfn_call(&I->mem, name, A.pos, A.npos, A.names, A.named, A.nnamed, out, &err);
    if (r != 0) {
        c = rt_error(I, call, "%s", err.len ? buf_cstr(&err) : "unknown function");
        buf_free(&err);
        return c;
    }
    buf_free(&err);
    return CTL_OK;
}

/* ------------------------------------------------------------------ sh */

typedef struct live_ctx { interp *I; int at_line_start[3]; } live_ctx;

static void on_output(void *ctx, int stream, const char *data, size_t n)
{
    live_ctx *L = ctx;
    rb_buf b;
    buf_init(&b);
    scrub(L->I, &b, data, n);
    FILE *f = stream == 2 ? stderr : stdout;
    for (size_t i = 0; i < b.len; i++) {
        if (L->at_line_start[stream]) fputs("    ", f);
        fputc(b.data[i], f);
        L->at_line_start[stream] = b.data[i] == '\n';
    }
    fflush(f);
    buf_free(&b);
}

/*
 * Run a command while the clock keeps going: its pipes and the next timer share one
 * poll (on the real clock; a virtual clock does not move while a command runs).  Ctrl-C
 * stops the command's process group.  CTL_STOP when a timer could not be recorded.
 */
static ctl wait_command(interp *I, const char *cmd, const sh_opts *so, sh_result *res)
{
    sh_proc *p = sh_start(cmd, so, res);
    ctl c = CTL_OK;
    int stopped = 0;
    while (p && !sh_handle(p)) {
        if ((interrupted || c == CTL_STOP) && !stopped) {
            sh_interrupt(p);
            stopped = 1;
        }
        int fds[2];
        struct pollfd pfd[2];
        int n = sh_fds(p, fds);
        for (int i = 0; i < n; i++) pfd[i] = (struct pollfd){fds[i], POLLIN, 0};
        double dl = sh_next_deadline(p);
        int ms = dl < 0 ? 1000 : (int)((dl - clock_monotonic()) * 1000) + 1;
        double nd = clock_is_virtual() || I->in_timer ? -1 : next_due(I);
        if (nd >= 0) {
            int tm = (int)((nd - clock_now()) * 1000) + 1;
            if (tm < ms) ms = tm;
        }
        if (ms < 0) ms = 0;
        if (ms > 1000) ms = 1000;
        poll(pfd, (nfds_t)n, ms);
        if (c == CTL_OK && !clock_is_virtual()) c = fire_due(I);
    }
    sh_finish(p);
    return c;
}

/* Where the command's own text has left the shell's quoting when an interpolation comes. */
typedef enum { Q_NONE, Q_SINGLE, Q_DOUBLE } quote_state;

static quote_state quote_after(quote_state q, const char *lit)
{
    for (const char *p = lit; *p; p++) {
        if (q == Q_SINGLE) {
            if (*p == '\'') q = Q_NONE;
        } else if (*p == '\\' && p[1]) {
            p++;
        } else if (q == Q_DOUBLE) {
            if (*p == '"') q = Q_NONE;
        } else if (*p == '\'') {
            q = Q_SINGLE;
        } else if (*p == '"') {
            q = Q_DOUBLE;
        }
    }
    return q;
}

/* A value as part of the shell word it sits in: quoted alone, or escaped for the quotes
 * the command opened around it ('… #{x} …' or "… #{x} …"), so it stays literal text. */
static void put_word(rb_buf *out, const char *v, quote_state q)
{
    if (q == Q_NONE) {
        sh_quote(out, v);
        return;
    }
    for (; *v; v++) {
        if (q == Q_SINGLE && *v == '\'') buf_adds(out, "'\\''");
        else if (q == Q_DOUBLE && strchr("\\\"$`", *v)) {
            buf_addc(out, '\\');
            buf_addc(out, *v);
        } else {
            buf_addc(out, *v);
        }
    }
}

/*
 * Build the command: literal parts as written, each #{…} as literal text that stays in
 * its one shell word whatever it holds (quoted, or escaped inside the command's own
 * quotes), or as is inside raw().  clear is what runs; shown is what people and the
 * record see.
 */
static ctl build_command(interp *I, scope *sc, const rb_node *cmd, rb_buf *clear, rb_buf *shown_cmd)
{
    if (cmd->kind != N_INTERP) {
        value v;
        ctl c = eval(I, sc, cmd, &v);
        if (c != CTL_OK) return c;
        if (v.t != V_STR) return rt_error(I, cmd, "sh needs a command string, not a %s", vtype_name(v.t));
        value_text(clear, v);
        value_show(shown_cmd, v);
        return CTL_OK;
    }
    quote_state q = Q_NONE;
    for (const rb_node *p = cmd->a; p; p = p->next) {
        if (p->kind == N_STR) {
            buf_adds(clear, p->str);
            buf_adds(shown_cmd, p->str);
            q = quote_after(q, p->str);
            continue;
        }
        int raw = p->kind == N_CALL && p->a->kind == N_IDENT && strcmp(p->a->str, "raw") == 0 && p->b;
        value v;
        ctl c = eval(I, sc, raw ? p->b : p, &v);
        if (c != CTL_OK) return c;
        rb_buf t, s;
        buf_init(&t);
        buf_init(&s);
        value_text(&t, v);
        value_show(&s, v);
        if (raw) {
            buf_addn(clear, t.data ? t.data : "", t.len);
            buf_addn(shown_cmd, s.data ? s.data : "", s.len);
            q = quote_after(q, buf_cstr(&t));
        } else {
            put_word(clear, buf_cstr(&t), q);
            put_word(shown_cmd, buf_cstr(&s), q);
        }
        buf_free(&t);
        buf_free(&s);
    }
    return CTL_OK;
}

static ctl run_sh(interp *I, scope *sc, const rb_node *n, int stmt, value *out)
{
    rb_buf clear, cmdshown;
    buf_init(&clear);
    buf_init(&cmdshown);
    ctl c = build_command(I, sc, n->a, &clear, &cmdshown);
    double timeout = 0;
    int readonly = ast_opt(n, "readonly") != NULL;
    const char *cwd = NULL;
    const char **envv = NULL;
    for (const rb_node *o = n->opts; c == CTL_OK && o; o = o->next) {
        value v = v_nil();
        if (o->a && (c = eval(I, sc, o->a, &v)) != CTL_OK) break;
        if (strcmp(o->str, "timeout") == 0) {
            if (v.t != V_DUR && v.t != V_NUM) c = rt_error(I, o, "timeout takes a duration");
            else timeout = v.u.n;
        } else if (strcmp(o->str, "readonly") == 0) {
            readonly = o->a ? value_truthy(v) : 1;
        } else if (strcmp(o->str, "cwd") == 0) {
            if (v.t != V_STR) c = rt_error(I, o, "cwd takes a directory");
            else cwd = v.u.s->s;
        } else if (strcmp(o->str, "env") == 0) {
            if (v.t != V_MAP) {
                c = rt_error(I, o, "env takes a map {NAME: value}");
                break;
            }
            envv = arena_alloc(&I->mem, (size_t)(v.u.m->n + 1) * sizeof *envv);
            for (int i = 0; i < v.u.m->n; i++) {
                rb_buf e;
                buf_init(&e);
                buf_printf(&e, "%s=", v.u.m->items[i].key->s);
                value_text(&e, v.u.m->items[i].v);
                if (v.u.m->items[i].v.secret) {
                    rb_buf sv;
                    buf_init(&sv);
                    value_text(&sv, v.u.m->items[i].v);
                    secret_add(I, buf_cstr(&sv));
                    buf_free(&sv);
                }
                envv[i] = arena_strdup(&I->mem, buf_cstr(&e));
                buf_free(&e);
            }
        } else if (strcmp(o->str, "on") == 0) {
            c = rt_error(I, o, "sh … on HOST is not supported yet");
        }
    }
    if (c != CTL_OK) {
        buf_free(&clear);
        buf_free(&cmdshown);
        return c;
    }
    if (I->step_deadline > 0) {
        double left = I->step_deadline - clock_now();
        if (left <= 0) left = 0.001;
        if (timeout <= 0 || left < timeout) timeout = left;
    }
    const char *shown_c = arena_strndup(&I->mem, buf_cstr(&cmdshown), cmdshown.len);
    int dry = I->o->dry_run && !readonly;
    say(I, "  $ %s%s", shown_c, dry ? "   [dry-run: not run]" : "");
    json_t *sd = json_pack("{s:s, s:b, s:f, s:s?, s:b}", "command", shown_c, "readonly", readonly, "timeout_s", timeout,
                           "cwd", cwd, "dry_run", dry);
    if ((c = emit(I, "sh.start", shown_c, sd)) != CTL_OK) {
        buf_free(&clear);
        buf_free(&cmdshown);
        return c;
    }
    sh_result res;
    memset(&res, 0, sizeof res);
    int served = 0;
    if (I->replaying && !dry) {
        json_t *rec = rec_next(I);
        if (rec && strcmp(ev_str(rec, "kind"), "sh.end") == 0) {
            /* replaying: the command ran then; its recorded result stands in for it */
            json_t *rd = json_object_get(rec, "data");
            res.exit_code = (int)json_integer_value(json_object_get(rd, "exit"));
            res.timed_out = json_is_true(json_object_get(rd, "timed_out"));
            res.duration = json_number_value(json_object_get(rd, "duration_s"));
            const char *o1 = json_string_value(json_object_get(rd, "stdout")), *o2 = json_string_value(json_object_get(rd, "stderr"));
            buf_adds(&res.out, o1 ? o1 : "");
            buf_adds(&res.err, o2 ? o2 : "");
            served = 1;
        } else if (!rec) {
            if (I->o->verify) {
                /* the record ends with this command in flight: identical up to the interruption */
                buf_free(&clear);
                buf_free(&cmdshown);
                I->exit_code = 0;
                return CTL_STOP;
            }
            record_exhausted(I);
            say(I, "  ! this command was running when the run stopped: %s", shown_c);
            static const char *const again[] = {"re-run", "skip"};
            const char *pick;
            c = prompt_choose(I, n, "Re-run the command that was in flight, or skip it?", "in_flight", "re-run",
                              (const char **)again, 2, &pick);
            if (c != CTL_OK) {
                buf_free(&clear);
                buf_free(&cmdshown);
                return c;
            }
            if (strcmp(pick, "skip") == 0) {
                dry = 1;   /* recorded as skipped, like a dry run */
                served = 1;
            } else {
                /* the re-run is a new action: it gets its own start in the record */
                c = emit(I, "sh.start", shown_c, json_pack("{s:s, s:b, s:f, s:s?, s:b, s:b}", "command", shown_c,
                                                           "readonly", readonly, "timeout_s", timeout, "cwd", cwd,
                                                           "dry_run", 0, "rerun", 1));
                if (c != CTL_OK) {
                    buf_free(&clear);
                    buf_free(&cmdshown);
                    return c;
                }
            }
        }
    }
    if (!dry && !served && I->o->verify) {
        /* verify executes nothing: an action the record does not hold is a divergence */
        buf_free(&clear);
        buf_free(&cmdshown);
        return diverged(I, "sh.end", shown_c);
    }
    if (dry || served) {
        if (dry) res.exit_code = 0;
    } else {
        live_ctx L = {I, {1, 1, 1}};
        sh_opts so = {timeout, cwd, envv, 0, on_output, &L, &interrupted};
        c = wait_command(I, buf_cstr(&clear), &so, &res);
        if (!L.at_line_start[1]) fputc('\n', stdout);
        if (!L.at_line_start[2]) fputc('\n', stderr);
    }
    buf_free(&clear);
    buf_free(&cmdshown);
    ctl waited = c;
    rb_buf so_, se_;
    buf_init(&so_);
    buf_init(&se_);
    scrub(I, &so_, buf_cstr(&res.out), res.out.len);
    scrub(I, &se_, buf_cstr(&res.err), res.err.len);
    buf_addn(&res.out, "", 0);
    buf_addn(&res.err, "", 0);
    int ok = !dry && res.exit_code == 0 && !res.timed_out && !res.spawn_failed;
    if (dry) ok = 1;
    rb_buf t;
    buf_init(&t);
    if (dry) buf_printf(&t, "skipped (dry run): %s", shown_c);
    else if (res.timed_out) buf_printf(&t, "timed out after %.1fs: %s", res.duration, shown_c);
    else buf_printf(&t, "exit %d in %.1fs: %s", res.exit_code, res.duration, shown_c);
    json_t *ed = json_pack("{s:s, s:i, s:s, s:s, s:f, s:b, s:b, s:b, s:b, s:b, s:I, s:I}", "command", shown_c, "exit",
                           res.exit_code, "stdout", buf_cstr(&so_), "stderr", buf_cstr(&se_), "duration_s", res.duration,
                           "timed_out", res.timed_out, "stdout_truncated", res.out_truncated, "stderr_truncated",
                           res.err_truncated, "skipped", dry, "interrupted", res.interrupted || interrupted,
                           "stdout_bytes", (json_int_t)res.out_total, "stderr_bytes",
                           (json_int_t)res.err_total);
    if (!ed) ed = json_pack("{s:s, s:i}", "command", "(unprintable)", "exit", res.exit_code);
    if (!dry) say(I, "  %s %s", ok ? "✓" : "✗", buf_cstr(&t));
    c = emit(I, "sh.end", buf_cstr(&t), ed);
    if (c == CTL_OK && waited == CTL_STOP) c = CTL_STOP;
    if (c == CTL_OK && !stmt) {
        value r = v_map(&I->mem, 8);
        map_set(&I->mem, r, "ok", v_bool(ok));
        map_set(&I->mem, r, "exit", v_num(res.exit_code));
        map_set(&I->mem, r, "stdout", v_str(&I->mem, buf_cstr(&so_), so_.len));
        map_set(&I->mem, r, "stderr", v_str(&I->mem, buf_cstr(&se_), se_.len));
        map_set(&I->mem, r, "duration", v_dur(res.duration));
        map_set(&I->mem, r, "timed_out", v_bool(res.timed_out));
        map_set(&I->mem, r, "skipped", v_bool(dry));
        *out = r;
    } else if (c == CTL_OK && !ok) {
        if (res.timed_out) c = rt_error(I, n, "command timed out after %.1fs", res.duration);
        else if (res.spawn_failed) c = rt_error(I, n, "command could not start: %s", buf_cstr(&se_));
        else c = rt_error(I, n, "command failed with exit %d", res.exit_code);
    }
    if (c == CTL_STOP) {
        /* a timer's write to the record failed while the command ran: exit_code is set */
    } else if (res.interrupted || interrupted) {
        I->exit_code = 130;
        c = CTL_STOP;
    }
    buf_free(&t);
    buf_free(&so_);
    buf_free(&se_);
    sh_result_free(&res);
    return c;
}

/* ------------------------------------------------------------------ timers */

static void iso(double t, char buf[40]) { clock_iso(t, buf, 40); }

static timer *timer_add(interp *I, timer_kind k, double base, double due, const rb_node *node, scope *sc, int owner)
{
    I->timers = arena_grow(&I->mem, I->timers, I->ntimers, &I->captimers, sizeof *I->timers, 16);
    timer *t = &I->timers[I->ntimers++];
    memset(t, 0, sizeof *t);
    t->kind = k;
    t->base = base;
    t->due = due;
    t->node = node;
    t->sc = sc;
    t->owner = owner;
    return t;
}

/* The value of a duration-valued expression (rung offsets, intervals); -1 on error. */
static double dur_of(interp *I, scope *sc, const rb_node *e)
{
    value v;
    if (!e || eval(I, sc, e, &v) != CTL_OK) return -1;
    return v.t == V_DUR || v.t == V_NUM ? v.u.n : -1;
}

/* Start an escalation ladder: one timer per rung, relative to base. */
static ctl start_escalation(interp *I, const rb_node *esc, scope *sc, double base, int owner)
{
    for (const rb_node *r = esc->a; r; r = r->next) {
        if (r->kind != N_RUNG) continue;
        double at = dur_of(I, sc, r->a);
        if (at < 0) return rt_error(I, r, "an escalation rung needs a duration: at 15m");
        timer *t = timer_add(I, TM_RUNG, base, base + at, r, sc, owner);
        t->ladder = esc;
    }
    return CTL_OK;
}

static ctl start_every(interp *I, const rb_node *ev, scope *sc, double base, int owner)
{
    double every = dur_of(I, sc, ev->a);
    if (every <= 0) return rt_error(I, ev, "every needs a positive duration");
    timer_add(I, TM_EVERY, base, base + every, ev, sc, owner);
    return CTL_OK;
}

static void deadline_add(interp *I, const char *what, const char *id, double within, double base, int owner,
                         const rb_node *node)
{
    timer *t = timer_add(I, TM_DEADLINE, base, base + within, node, I->globals, owner);
    t->what = what;
    t->id = id;
    t->within = within;
}

/* Every timer of one phase or step run ends with it (a met deadline simply never fires). */
static void timers_end_owner(interp *I, int owner)
{
    for (int i = 0; i < I->ntimers; i++)
        if (I->timers[i].owner == owner) I->timers[i].dead = 1;
}

static timer *timer_next(interp *I)
{
    timer *best = NULL;
    for (int i = 0; i < I->ntimers; i++) {
        timer *t = &I->timers[i];
        if (!t->dead && (!best || t->due < best->due)) best = t;
    }
    return best;
}

static double next_due(interp *I)
{
    timer *t = timer_next(I);
    return t ? t->due : -1;
}

static const char *ladder_name(const timer *t)
{
    return t->ladder && t->ladder->str ? t->ladder->str : "escalation";
}

/* A timer body: a failure in it is reported and recorded, never fails the step. */
static ctl run_timer_body(interp *I, timer *t, const rb_node *body)
{
    const char *saved_step = I->step_id;
    ctl c = exec_block(I, t->sc, body);
    I->step_id = saved_step;
    if (c == CTL_FAIL || c == CTL_ABORT) {
        c = report_error(I, "error in a timer");
        return c;
    }
    return c == CTL_STOP ? CTL_STOP : CTL_OK;
}

static ctl fire_rung(interp *I, timer *t)
{
    const rb_node *r = t->node;
    char sched[40], now[40];
    iso(t->due, sched);
    iso(clock_now(), now);
    double at = dur_of(I, t->sc, r->a);
    rb_buf txt;
    buf_init(&txt);
    dur_show(&txt, at);
    if (t->cycle > 0) buf_printf(&txt, ", round %d", t->cycle + 1);
    const char *at_txt = arena_strdup(&I->mem, buf_cstr(&txt));
    buf_reset(&txt);
    value v;
    const char *skip = NULL;
    ctl c = CTL_OK;
    if (r->b && (c = eval(I, t->sc, r->b, &v)) == CTL_OK && value_truthy(v)) skip = "unless";
    if (c == CTL_OK && !skip && r->c && (c = eval(I, t->sc, r->c, &v)) == CTL_OK && !value_truthy(v)) skip = "when";
    if (c != CTL_OK) {
        buf_free(&txt);
        return c == CTL_STOP ? c : report_error(I, "error in a timer");
    }
    json_t *d = json_pack("{s:s, s:f, s:s, s:s, s:f, s:i}", "name", ladder_name(t), "at_s", at, "scheduled", sched,
                          "actual", now, "late_s", clock_now() - t->due, "cycle", t->cycle);
    if (skip) {
        rb_buf cond;
        buf_init(&cond);
        ast_expr_str(&cond, skip[0] == 'u' ? r->b : r->c);
        buf_printf(&txt, "%s rung at %s skipped (%s %s)", ladder_name(t), at_txt, skip, buf_cstr(&cond));
        json_object_set_new(d, "skipped", json_string(buf_cstr(&cond)));
        buf_free(&cond);
        say(I, "  ⏱ %s", buf_cstr(&txt));
        c = emit(I, "escalation.skipped", buf_cstr(&txt), d);
    } else {
        buf_printf(&txt, "%s rung at %s", ladder_name(t), at_txt);
        say(I, "  ⏱ %s", buf_cstr(&txt));
        c = emit(I, "escalation", buf_cstr(&txt), d);
        if (c == CTL_OK) c = run_timer_body(I, t, r->d);
    }
    buf_free(&txt);
    t->cycle++;
    /* A ladder with `repeat every P` starts over P after its previous round. */
    const rb_node *rep = NULL;
    for (const rb_node *x = t->ladder->a; x; x = x->next)
        if (x->kind == N_REPEAT) rep = x;
    double period = rep ? dur_of(I, t->sc, rep->a) : -1;
    if (period > 0) t->due += period;
    else t->dead = 1;
    return c;
}

static ctl fire_every(interp *I, timer *t)
{
    const rb_node *e = t->node;
    value v;
    ctl c;
    double interval = dur_of(I, t->sc, e->a), span = e->c ? dur_of(I, t->sc, e->c) : -1;
    if (span >= 0 && t->due > t->base + span + 1e-9) {
        t->dead = 1;
        return CTL_OK;
    }
    if (e->b) {
        if ((c = eval(I, t->sc, e->b, &v)) != CTL_OK) return c == CTL_STOP ? c : report_error(I, "error in a timer");
        if (value_truthy(v)) {
            t->dead = 1;
            return CTL_OK;
        }
    }
    char sched[40], now[40];
    iso(t->due, sched);
    iso(clock_now(), now);
    rb_buf txt;
    buf_init(&txt);
    buf_adds(&txt, "every ");
    dur_show(&txt, interval);
    buf_adds(&txt, " (+");
    dur_show(&txt, t->due - t->base);
    buf_addc(&txt, ')');
    say(I, "  ⏱ %s", buf_cstr(&txt));
    c = emit(I, "timer", buf_cstr(&txt),
             json_pack("{s:f, s:s, s:s, s:f, s:i}", "every_s", interval, "scheduled", sched, "actual", now, "late_s",
                       clock_now() - t->due, "cycle", t->cycle));
    buf_free(&txt);
    if (c == CTL_OK) c = run_timer_body(I, t, e->d);
    t->cycle++;
    t->due += interval;
    return c;
}

static ctl fire_deadline(interp *I, timer *t)
{
    t->dead = 1;
    if (strcmp(t->what, "respond") == 0 && I->inc.acknowledged_at >= 0) return CTL_OK;
    if (strcmp(t->what, "resolve") == 0 && I->inc.resolved_at >= 0) return CTL_OK;
    rb_buf txt, w;
    buf_init(&txt);
    buf_init(&w);
    dur_show(&w, t->within);
    if (strcmp(t->what, "respond") == 0)
        buf_printf(&txt, "response target missed: not acknowledged within %s", buf_cstr(&w));
    else if (strcmp(t->what, "resolve") == 0)
        buf_printf(&txt, "resolution target missed: not resolved within %s", buf_cstr(&w));
    else
        buf_printf(&txt, "deadline missed: %s %s did not finish within %s", t->what, t->id, buf_cstr(&w));
    say(I, "  ⚠ %s", buf_cstr(&txt));
    char due[40];
    iso(t->due, due);
    ctl c = emit(I, "deadline.missed", buf_cstr(&txt),
                 json_pack("{s:s, s:s?, s:f, s:s}", "what", t->what, "id", t->id, "within_s", t->within, "due", due));
    buf_free(&txt);
    buf_free(&w);
    return c;
}

/* Fire every timer that is due, earliest first (ties in the order they were made). */
static ctl fire_due(interp *I)
{
    if (I->in_timer) return CTL_OK;
    for (;;) {
        timer *t = timer_next(I);
        if (!t || t->due > clock_now() + 1e-9) return CTL_OK;
        if (t->kind == TM_RUNG && I->inc.resolved_at >= 0) {
            t->dead = 1;   /* escalations stop when the incident is resolved */
            continue;
        }
        I->in_timer = 1;
        prompt_pause(I->prompts);
        ctl c = t->kind == TM_RUNG ? fire_rung(I, t) : t->kind == TM_EVERY ? fire_every(I, t) : fire_deadline(I, t);
        prompt_resume(I->prompts);
        I->in_timer = 0;
        if (c == CTL_STOP) return c;
    }
}

/*
 * Let time pass until `until`: on the virtual clock, jump from timer to timer; on the
 * real clock, sleep in poll() and fire timers as they come due.  With a terminal and
 * show_left, a countdown is kept on one line and Enter cuts the wait short (*cut = 1).
 */
static ctl pass_time(interp *I, double until, int show_left, int *cut)
{
    if (cut) *cut = 0;
    if (clock_is_virtual()) {
        for (;;) {
            double nd = next_due(I);
            if (nd < 0 || nd > until) break;
            clock_advance(nd);
            ctl c = fire_due(I);
            if (c != CTL_OK) return c;
        }
        clock_advance(until);
        return fire_due(I);
    }
    int tty = show_left && isatty(0) && isatty(1);
    int shown = -1;
    for (;;) {
        double now = clock_now();
        if (now >= until) break;
        if (interrupted) {
            I->exit_code = 130;
            return CTL_STOP;
        }
        if (tty && (int)(until - now) != shown) {
            shown = (int)(until - now);
            printf("\r  … %d:%02d left (Enter to cut short) ", shown / 60, shown % 60);
            fflush(stdout);
        }
        double wake = until, nd = next_due(I);
        if (nd >= 0 && nd < wake) wake = nd;
        int ms = (int)((wake - now) * 1000) + 1;
        if (tty && ms > 250) ms = 250;
        if (ms > 1000) ms = 1000;
        struct pollfd pfd = {0, POLLIN, 0};
        int r = poll(&pfd, tty ? 1 : 0, ms < 0 ? 0 : ms);
        if (r > 0 && (pfd.revents & POLLIN)) {
            char line[256];
            ssize_t n = read(0, line, sizeof line);
            if (n > 0 && cut) {
                *cut = 1;
                break;
            }
        }
        if (tty && shown >= 0 && nd >= 0 && nd <= clock_now()) printf("\r%*s\r", 50, "");
        ctl c = fire_due(I);
        if (c != CTL_OK) return c;
    }
    if (tty && shown >= 0) printf("\r%*s\r", 50, "");
    fflush(stdout);
    return fire_due(I);
}

/* prompt hooks: wait for the responder while the clock runs. */
static int hook_wait_readable(void *ctx, int fd)
{
    interp *I = ctx;
    for (;;) {
        if (interrupted) return -1;
        int ms = 1000;
        if (!clock_is_virtual()) {
            double nd = next_due(I);
            if (nd >= 0) {
                double left = (nd - clock_now()) * 1000;
                ms = left < 0 ? 0 : left > 1000 ? 1000 : (int)left + 1;
            }
        }
        struct pollfd pfd = {fd, POLLIN, 0};
        int r = poll(&pfd, 1, ms);
        if (r > 0) return 0;
        if (!clock_is_virtual() && fire_due(I) == CTL_STOP) return -1;
    }
}

static int hook_delay(void *ctx, double secs)
{
    interp *I = ctx;
    return pass_time(I, clock_now() + secs, 0, NULL) == CTL_OK ? 0 : -1;
}

/* ------------------------------------------------------------------ http */

#define HTTP_RECORD_BODY (1024 * 1024)   /* bytes of a response body kept in the record */

static int header_is_sensitive(const char *name)
{
    static const char *const names[] = {"authorization", "proxy-authorization", "cookie", "set-cookie",
                                        "x-api-key", "x-auth-token", NULL};
    for (int i = 0; names[i]; i++)
        if (strcasecmp(name, names[i]) == 0) return 1;
    return 0;
}

typedef struct http_parts {
    const char *method;
    rb_buf url, url_shown;
    const char **headers;          /* "Name: value", NULL-terminated, for libcurl */
    json_t *headers_shown;         /* name -> value, redacted */
    rb_buf body, body_shown;
    int has_body;
    double timeout;
    int retries;
} http_parts;

static void http_parts_free(http_parts *h)
{
    buf_free(&h->url);
    buf_free(&h->url_shown);
    buf_free(&h->body);
    buf_free(&h->body_shown);
    json_decref(h->headers_shown);
}

/* Evaluate the request: URL, headers (redacted copies for the record), body, options. */
static ctl http_build(interp *I, scope *sc, const rb_node *n, http_parts *h)
{
    value url;
    ctl c = eval(I, sc, n->a, &url);
    if (c != CTL_OK) return c;
    if (url.t != V_STR) return rt_error(I, n->a, "http needs a URL string, not a %s", vtype_name(url.t));
    value_text(&h->url, url);
    value_show(&h->url_shown, url);
    if (url.secret) secret_add(I, buf_cstr(&h->url));
    int ntypes = 0;
    for (const rb_node *o = n->opts; o; o = o->next) {
        value v;
        if ((c = eval(I, sc, o->a, &v)) != CTL_OK) return c;
        if (strcmp(o->str, "headers") == 0) {
            if (v.t != V_MAP) return rt_error(I, o, "headers takes a map {Name: value}");
            h->headers = arena_alloc(&I->mem, (size_t)(v.u.m->n + 2) * sizeof *h->headers);
            for (int i = 0; i < v.u.m->n; i++) {
                const char *name = v.u.m->items[i].key->s;
                value hv = v.u.m->items[i].v;
                rb_buf line, shown_v;
                buf_init(&line);
                buf_init(&shown_v);
                buf_printf(&line, "%s: ", name);
                value_text(&line, hv);
                if (hv.secret || header_is_sensitive(name)) {
                    buf_adds(&shown_v, REDACTED);
                    rb_buf clear;
                    buf_init(&clear);
                    value_text(&clear, hv);
                    if (hv.secret) secret_add(I, buf_cstr(&clear));
                    buf_free(&clear);
                } else {
                    value_show(&shown_v, hv);
                }
                json_object_set_new(h->headers_shown, name, json_string(buf_cstr(&shown_v)));
                if (strcasecmp(name, "content-type") == 0) ntypes++;
                h->headers[i] = arena_strdup(&I->mem, buf_cstr(&line));
                buf_free(&line);
                buf_free(&shown_v);
            }
        } else if (strcmp(o->str, "json") == 0 || strcmp(o->str, "body") == 0) {
            h->has_body = 1;
            if (strcmp(o->str, "json") == 0) {
                json_t *j = value_to_json(v, 0), *js = value_to_json(v, 1);
                char *a = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY), *b = json_dumps(js, JSON_COMPACT | JSON_ENCODE_ANY);
                buf_adds(&h->body, a ? a : "null");
                buf_adds(&h->body_shown, b ? b : "null");
                free(a);
                free(b);
                json_decref(j);
                json_decref(js);
                if (has_secret(v)) {
                    /* secret strings inside the body must not reach the record: scrub by value */
                    buf_reset(&h->body_shown);
                    scrub(I, &h->body_shown, buf_cstr(&h->body), h->body.len);
                }
            } else {
                value_text(&h->body, v);
                value_show(&h->body_shown, v);
            }
        } else if (strcmp(o->str, "timeout") == 0) {
            if (v.t != V_DUR && v.t != V_NUM) return rt_error(I, o, "timeout takes a duration");
            h->timeout = v.u.n;
        } else if (strcmp(o->str, "retries") == 0) {
            if (v.t != V_NUM || v.u.n < 0 || v.u.n > 20) return rt_error(I, o, "retries takes a number from 0 to 20");
            h->retries = (int)v.u.n;
        }
    }
    /* A JSON body says so, unless the runbook set its own Content-Type. */
    if (ast_opt(n, "json") && !ntypes) {
        int k = 0;
        const char **hs = arena_alloc(&I->mem, (size_t)(json_object_size(h->headers_shown) + 2) * sizeof *hs);
        for (; h->headers && h->headers[k]; k++) hs[k] = h->headers[k];
        hs[k++] = "Content-Type: application/json";
        hs[k] = NULL;
        h->headers = hs;
        json_object_set_new(h->headers_shown, "Content-Type", json_string("application/json"));
    }
    return CTL_OK;
}

/* Send, with timers firing while the request is out (real clock). */
static ctl http_wait(interp *I, const http_parts *h, http_res *res)
{
    const char *env_backoff = getenv("RUNBOOK_HTTP_BACKOFF");
    http_req req = {h->method, buf_cstr((rb_buf *)&h->url), h->headers, h->has_body ? buf_cstr((rb_buf *)&h->body) : NULL,
                    h->body.len, h->timeout, h->retries, env_backoff ? atof(env_backoff) : 0, 0, 0};
    http_call *call = http_start(&req, res);
    ctl c = CTL_OK;
    int cancelled = 0;
    while (call && !http_handle(call)) {
        if ((interrupted || c == CTL_STOP) && !cancelled) {
            http_cancel(call);
            cancelled = 1;
            continue;
        }
        int ms = 200;
        double nd = clock_is_virtual() || I->in_timer ? -1 : next_due(I);
        if (nd >= 0) {
            int tm = (int)((nd - clock_now()) * 1000) + 1;
            if (tm < ms) ms = tm < 0 ? 0 : tm;
        }
        http_poll(call, NULL, 0, ms);
        if (c == CTL_OK && !clock_is_virtual()) c = fire_due(I);
    }
    if (call) http_finish(call);
    return c;
}

static ctl run_http(interp *I, scope *sc, const rb_node *n, int stmt, value *out)
{
    http_parts h;
    memset(&h, 0, sizeof h);
    buf_init(&h.url);
    buf_init(&h.url_shown);
    buf_init(&h.body);
    buf_init(&h.body_shown);
    h.headers_shown = json_object();
    h.method = n->str;
    ctl c = http_build(I, sc, n, &h);
    if (c != CTL_OK) {
        http_parts_free(&h);
        return c;
    }
    int safe = strcmp(h.method, "GET") == 0 || strcmp(h.method, "HEAD") == 0;
    int dry = I->o->dry_run && !safe;
    const char *url_s = arena_strdup(&I->mem, buf_cstr(&h.url_shown));
    say(I, "  → %s %s%s", h.method, url_s, dry ? "   [dry-run: not sent]" : "");
    rb_buf t;
    buf_init(&t);
    buf_printf(&t, "%s %s", h.method, url_s);
    json_t *rq = json_pack("{s:s, s:s, s:O, s:s?, s:b}", "method", h.method, "url", url_s, "headers", h.headers_shown,
                           "body", h.has_body ? buf_cstr(&h.body_shown) : NULL, "dry_run", dry);
    c = emit(I, "http.request", buf_cstr(&t), rq);
    http_res res;
    memset(&res, 0, sizeof res);
    buf_init(&res.body);
    int served = 0;
    json_t *rec = c == CTL_OK ? rec_next(I) : NULL;
    if (c == CTL_OK && I->replaying && rec && strcmp(ev_str(rec, "kind"), "http.response") == 0) {
        /* replaying: the response received then stands in for a new request */
        json_t *rd = json_object_get(rec, "data");
        res.status = (long)json_integer_value(json_object_get(rd, "status"));
        res.ok = json_is_true(json_object_get(rd, "ok"));
        res.duration = json_number_value(json_object_get(rd, "duration_s"));
        const char *b = json_string_value(json_object_get(rd, "body")), *e = json_string_value(json_object_get(rd, "error"));
        buf_adds(&res.body, b ? b : "");
        snprintf(res.error, sizeof res.error, "%s", e ? e : "");
        res.headers = json_deep_copy(json_object_get(rd, "headers"));
        served = 1;
    } else if (c == CTL_OK && I->replaying && !rec) {
        if (I->o->verify) {
            I->exit_code = 0;
            c = CTL_STOP;
        } else {
            record_exhausted(I);
            say(I, "  ! this request was in flight when the run stopped: %s", buf_cstr(&t));
            static const char *const again[] = {"re-send", "skip"};
            const char *pick;
            c = prompt_choose(I, n, "Re-send the request that was in flight, or skip it?", "in_flight", "re-send",
                              (const char **)again, 2, &pick);
            if (c == CTL_OK && strcmp(pick, "skip") == 0) dry = 1;
            else if (c == CTL_OK)
                c = emit(I, "http.request", buf_cstr(&t), json_pack("{s:s, s:s, s:O, s:b}", "method", h.method, "url",
                                                                     url_s, "headers", h.headers_shown, "rerun", 1));
        }
    }
    if (c == CTL_OK && !served && !dry && I->o->verify) c = diverged(I, "http.response", buf_cstr(&t));
    if (c == CTL_OK && !served && !dry) c = http_wait(I, &h, &res);
    if (c != CTL_OK && c != CTL_STOP) {
        buf_free(&t);
        http_parts_free(&h);
        http_res_free(&res);
        return c;
    }
    ctl waited = c;
    if (dry) {
        res.ok = 1;
        res.status = 0;
    }
    if (!res.headers) res.headers = json_object();
    rb_buf body_rec;
    buf_init(&body_rec);
    scrub(I, &body_rec, buf_cstr(&res.body), res.body.len > HTTP_RECORD_BODY ? HTTP_RECORD_BODY : res.body.len);
    json_t *hdr_rec = json_deep_copy(res.headers);
    const char *k;
    json_t *hv;
    json_object_foreach(hdr_rec, k, hv) if (header_is_sensitive(k)) json_object_set_new(hdr_rec, k, json_string(REDACTED));
    buf_reset(&t);
    if (dry) buf_printf(&t, "skipped (dry run): %s %s", h.method, url_s);
    else if (res.status) buf_printf(&t, "%ld in %.1fs: %s %s", res.status, res.duration, h.method, url_s);
    else buf_printf(&t, "failed (%s): %s %s", res.error[0] ? res.error : "no response", h.method, url_s);
    if (!dry) say(I, "  %s %s", res.ok ? "✓" : "✗", buf_cstr(&t));
    json_t *rs = json_pack("{s:s, s:s, s:i, s:b, s:f, s:i, s:s, s:s, s:o, s:b, s:b}", "method", h.method, "url", url_s,
                           "status", (int)res.status, "ok", res.ok, "duration_s", res.duration, "attempts", res.attempts,
                           "error", res.error, "body", buf_cstr(&body_rec), "headers", hdr_rec, "body_truncated",
                           res.body_truncated || res.body.len > HTTP_RECORD_BODY, "skipped", dry);
    if (waited == CTL_OK) c = emit(I, "http.response", buf_cstr(&t), rs);
    else json_decref(rs);
    if (c == CTL_OK && !stmt) {
        value r = v_map(&I->mem, 8);
        map_set(&I->mem, r, "ok", v_bool(res.ok));
        map_set(&I->mem, r, "status", v_num((double)res.status));
        map_set(&I->mem, r, "body", v_str(&I->mem, buf_cstr(&body_rec), body_rec.len));
        json_error_t je;
        /* parsed from the scrubbed body: a secret the server echoes back stays redacted */
        json_t *parsed = body_rec.len ? json_loadb(body_rec.data, body_rec.len, JSON_DECODE_ANY, &je) : NULL;
        map_set(&I->mem, r, "json", parsed ? value_from_json(&I->mem, parsed) : v_nil());
        json_decref(parsed);
        map_set(&I->mem, r, "headers", value_from_json(&I->mem, res.headers));
        map_set(&I->mem, r, "duration", v_dur(res.duration));
        map_set(&I->mem, r, "error", res.error[0] ? v_cstr(&I->mem, res.error) : v_nil());
        map_set(&I->mem, r, "skipped", v_bool(dry));
        *out = r;
    } else if (c == CTL_OK && !res.ok) {
        if (res.status) c = rt_error(I, n, "%s %s answered %ld", h.method, url_s, res.status);
        else c = rt_error(I, n, "%s %s failed: %s", h.method, url_s, res.error[0] ? res.error : "no response");
    }
    if (c != CTL_STOP && interrupted) {
        /* Ctrl-C cancelled the request: the run stops (130), as for a command */
        I->exit_code = 130;
        c = CTL_STOP;
    }
    buf_free(&body_rec);
    buf_free(&t);
    http_parts_free(&h);
    http_res_free(&res);
    return c;
}

/* ------------------------------------------------------------------ statements */

static ctl assign(interp *I, scope *sc, const rb_node *target, value v)
{
    if (target->kind == N_IDENT) {
        value *slot = scope_find(sc, target->str);
        if (!slot) return rt_error(I, target, "'%s' is not declared (use let)", target->str);
        *slot = v;
        return CTL_OK;
    }
    value obj;
    ctl c = eval(I, sc, target->a, &obj);
    if (c != CTL_OK) return c;
    if (target->kind == N_MEMBER) {
        if (obj.t == V_INCIDENT) return incident_set(I, target->str, v, target);
        if (obj.t == V_MAP) {
            if (target->a->kind == N_MEMBER && strcmp(target->a->str, "roles") == 0 && target->a->a->kind == N_IDENT &&
                strcmp(target->a->a->str, "incident") == 0) {
                value *old = map_get(obj, target->str);
                map_set(&I->mem, obj, target->str, v);
                rb_buf f;
                buf_init(&f);
                buf_printf(&f, "roles.%s", target->str);
                c = state_change(I, arena_strdup(&I->mem, buf_cstr(&f)), old ? *old : v_nil(), v);
                buf_free(&f);
                return c;
            }
            map_set(&I->mem, obj, target->str, v);
            return CTL_OK;
        }
        return rt_error(I, target, "cannot set a field on a %s", vtype_name(obj.t));
    }
    if (target->kind == N_INDEX) {
        value k;
        if ((c = eval(I, sc, target->b, &k)) != CTL_OK) return c;
        if (obj.t == V_MAP && k.t == V_STR) {
            map_set(&I->mem, obj, k.u.s->s, v);
            return CTL_OK;
        }
        if (obj.t == V_LIST && k.t == V_NUM) {
            long i = (long)k.u.n;
            if (i < 0) i += obj.u.l->n;
            if (i < 0 || i >= obj.u.l->n) return rt_error(I, target, "list index %ld out of range", (long)k.u.n);
            obj.u.l->items[i] = v;
            return CTL_OK;
        }
        return rt_error(I, target, "cannot index-assign a %s", vtype_name(obj.t));
    }
    return rt_error(I, target, "cannot assign to this");
}

static ctl say_value(interp *I, scope *sc, const rb_node *n, const char *kind, const char *prefix)
{
    value v;
    ctl c = eval(I, sc, n->a, &v);
    if (c != CTL_OK) return c;
    const char *t = shown(I, v);
    rb_buf ind;
    buf_init(&ind);
    for (const char *p = t; *p; p++) {   /* every line of a multi-line note is indented */
        buf_addc(&ind, *p);
        if (*p == '\n' && p[1]) buf_adds(&ind, strcmp(kind, "warn") == 0 ? "    " : "  ");
    }
    if (strcmp(kind, "warn") == 0) say(I, "  ⚠ warning: %s", buf_cstr(&ind));
    else say(I, "  %s%s", prefix, buf_cstr(&ind));
    buf_free(&ind);
    return emit(I, kind, t, json_pack("{s:s}", "text", t));
}

static ctl exec_choose(interp *I, scope *sc, const rb_node *n)
{
    value q;
    ctl c = eval(I, sc, n->a, &q);
    if (c != CTL_OK) return c;
    int nopts = ast_list_len(n->b);
    const char **opts = arena_alloc(&I->mem, (size_t)(nopts ? nopts : 1) * sizeof *opts);
    const rb_node **arms = arena_alloc(&I->mem, (size_t)(nopts ? nopts : 1) * sizeof *arms);
    int i = 0;
    for (const rb_node *arm = n->b; arm; arm = arm->next, i++) {
        value label;
        if ((c = eval(I, sc, arm->a, &label)) != CTL_OK) return c;
        opts[i] = shown(I, label);
        arms[i] = arm;
    }
    if (nopts == 0) return CTL_OK;
    const char *pick;
    if ((c = prompt_choose(I, n, shown(I, q), n->str, NULL, opts, nopts, &pick)) != CTL_OK) return c;
    for (i = 0; i < nopts; i++)
        if (strcmp(opts[i], pick) == 0) return exec_block(I, sc, arms[i]->b);
    return CTL_OK;
}

static ctl exec_for(interp *I, scope *sc, const rb_node *n)
{
    value it;
    ctl c = eval(I, sc, n->a, &it);
    if (c != CTL_OK) return c;
    int count = it.t == V_LIST ? it.u.l->n : it.t == V_MAP ? it.u.m->n : -1;
    if (count < 0) return rt_error(I, n->a, "for … in needs a list or a map, not %s", vtype_name(it.t));
    for (int i = 0; i < count; i++) {
        scope *s = scope_new(I, sc);
        if (it.t == V_LIST) {
            if (n->str2) {
                scope_define(I, s, n->str, v_num(i));
                scope_define(I, s, n->str2, it.u.l->items[i]);
            } else {
                scope_define(I, s, n->str, it.u.l->items[i]);
            }
        } else {
            value k = v_cstr(&I->mem, it.u.m->items[i].key->s);
            scope_define(I, s, n->str, k);
            if (n->str2) scope_define(I, s, n->str2, it.u.m->items[i].v);
        }
        c = exec_block(I, s, n->b);
        if (c == CTL_BREAK) break;
        if (c == CTL_CONTINUE) continue;
        if (c != CTL_OK) return c;
    }
    return CTL_OK;
}

static ctl exec_wait(interp *I, scope *sc, const rb_node *n)
{
    value d, why = v_nil();
    ctl c = eval(I, sc, n->a, &d);
    if (c == CTL_OK && n->b) c = eval(I, sc, n->b, &why);
    if (c != CTL_OK) return c;
    if (d.t != V_DUR && d.t != V_NUM) return rt_error(I, n->a, "wait takes a duration");
    rb_buf t;
    buf_init(&t);
    dur_show(&t, d.u.n);
    if (why.t != V_NIL) buf_printf(&t, ": %s", shown(I, why));
    say(I, "  … waiting %s", buf_cstr(&t));
    c = emit(I, "wait", buf_cstr(&t), json_pack("{s:f, s:s?}", "duration_s", d.u.n, "why",
                                                 why.t == V_NIL ? NULL : shown(I, why)));
    buf_free(&t);
    if (c != CTL_OK) return c;
    double start = clock_now();
    int cut = 0;
    if ((c = pass_time(I, start + d.u.n, 1, &cut)) != CTL_OK) return c;
    double waited = clock_now() - start;
    if (cut) say(I, "  … wait cut short by the responder after %.0fs", waited);
    return emit(I, "wait.end", cut ? "cut short by the responder" : "waited",
                json_pack("{s:b, s:f}", "cut_short", cut, "waited_s", waited));
}

static ctl exec_wait_until(interp *I, scope *sc, const rb_node *n)
{
    double every = 5, timeout = -1;
    for (const rb_node *o = n->opts; o; o = o->next) {
        value v;
        ctl c = eval(I, sc, o->a, &v);
        if (c != CTL_OK) return c;
        if (v.t != V_DUR && v.t != V_NUM) return rt_error(I, o, "%s takes a duration", o->str);
        if (strcmp(o->str, "every") == 0) every = v.u.n > 0 ? v.u.n : 1;
        else timeout = v.u.n;
    }
    rb_buf cond;
    buf_init(&cond);
    ast_expr_str(&cond, n->a);
    say(I, "  … waiting until %s", buf_cstr(&cond));
    ctl c = emit(I, "wait", buf_cstr(&cond), json_pack("{s:s, s:f, s:f}", "until", buf_cstr(&cond), "every_s", every,
                                                         "timeout_s", timeout));
    double start = clock_now();
    int polls = 0;
    while (c == CTL_OK) {
        value v;
        if ((c = eval(I, sc, n->a, &v)) != CTL_OK) break;
        polls++;
        if (value_truthy(v)) {
            c = emit(I, "wait.end", "condition met",
                     json_pack("{s:b, s:f, s:i}", "met", 1, "waited_s", clock_now() - start, "polls", polls));
            break;
        }
        double next = clock_now() + every;
        if (timeout >= 0 && next > start + timeout + 1e-9) {
            if ((c = pass_time(I, start + timeout, 0, NULL)) != CTL_OK) break;
            emit(I, "wait.end", "timed out",
                 json_pack("{s:b, s:f, s:i}", "met", 0, "waited_s", clock_now() - start, "polls", polls));
            c = rt_error(I, n, "gave up waiting until %s after %.0fs", buf_cstr(&cond), timeout);
            break;
        }
        c = pass_time(I, next, 0, NULL);
    }
    buf_free(&cond);
    return c;
}

static ctl exec_stmt(interp *I, scope *sc, const rb_node *n)
{
    if (!I->in_timer) I->cur_node = n;
    if (interrupted) {
        I->exit_code = 130;
        return CTL_STOP;
    }
    if (I->step_deadline > 0 && clock_now() > I->step_deadline) return rt_error(I, n, "the step's timeout passed");
    value v;
    ctl c;
    switch (n->kind) {
    case N_LET:
        if ((c = eval(I, sc, n->a, &v)) != CTL_OK) return c;
        scope_define(I, sc, n->str, v);
        return CTL_OK;
    case N_ASSIGN:
        if ((c = eval(I, sc, n->b, &v)) != CTL_OK) return c;
        return assign(I, sc, n->a, v);
    case N_EXPRSTMT: {
        const rb_node *e = n->a;
        if (e->kind == N_SH) return run_sh(I, sc, e, 1, &v);
        if (e->kind == N_HTTP) return run_http(I, sc, e, 1, &v);
        if (e->kind == N_CALL && e->a->kind == N_IDENT && strcmp(e->a->str, "confirm") == 0 &&
            !scope_find(sc, "confirm")) {
            if ((c = eval(I, sc, e, &v)) != CTL_OK) return c;
            return value_truthy(v) ? CTL_OK : CTL_SKIP;
        }
        return eval(I, sc, e, &v);
    }
    case N_IF:
        for (const rb_node *b = n; b;) {
            if (b->kind != N_IF) return exec_block(I, sc, b);
            if ((c = eval(I, sc, b->a, &v)) != CTL_OK) return c;
            if (value_truthy(v)) return exec_block(I, sc, b->b);
            b = b->c;
        }
        return CTL_OK;
    case N_WHILE:
        for (;;) {
            if ((c = eval(I, sc, n->a, &v)) != CTL_OK) return c;
            if (!value_truthy(v)) return CTL_OK;
            c = exec_block(I, sc, n->b);
            if (c == CTL_BREAK) return CTL_OK;
            if (c != CTL_OK && c != CTL_CONTINUE) return c;
        }
    case N_FOR: return exec_for(I, sc, n);
    case N_BREAK: return CTL_BREAK;
    case N_CONTINUE: return CTL_CONTINUE;
    case N_RETURN:
        I->ret = v_nil();
        if (n->a && (c = eval(I, sc, n->a, &I->ret)) != CTL_OK) return c;
        return CTL_RETURN;
    case N_GOTO:
        I->goto_target = n->str;
        I->goto_node = n;
        return CTL_GOTO;
    case N_NOTE: return say_value(I, sc, n, "note", "");
    case N_WARN: return say_value(I, sc, n, "warn", "");
    case N_CONFIRM: {
        if ((c = eval(I, sc, n->a, &v)) != CTL_OK) return c;
        int yes;
        if ((c = prompt_confirm(I, n, shown(I, v), n->str, NULL, &yes)) != CTL_OK) return c;
        return yes ? CTL_OK : CTL_SKIP;
    }
    case N_CHOOSE: return exec_choose(I, sc, n);
    case N_CHECKLIST: {
        value title, items = v_list(&I->mem, ast_list_len(n->b));
        if ((c = eval(I, sc, n->a, &title)) != CTL_OK) return c;
        for (const rb_node *it = n->b; it; it = it->next) {
            if ((c = eval(I, sc, it, &v)) != CTL_OK) return c;
            list_push(&I->mem, items, v);
        }
        return run_checklist(I, n, shown(I, title), n->str, items, NULL);
    }
    case N_WAIT: return exec_wait(I, sc, n);
    case N_WAITUNTIL: return exec_wait_until(I, sc, n);
    case N_ABORT: case N_FAIL: {
        const char *why = n->kind == N_ABORT ? "aborted" : "failed";
        if (n->a) {
            if ((c = eval(I, sc, n->a, &v)) != CTL_OK) return c;
            why = shown(I, v);
        }
        rt_error(I, n, "%s", why);
        return n->kind == N_ABORT ? CTL_ABORT : CTL_FAIL;
    }
    case N_RUN: return exec_run(I, sc, n);
    case N_ESCALATION:
        /* inside a step: relative to the step's start, cancelled when it ends */
        return start_escalation(I, n, sc, I->step_started, I->step_owner);
    case N_EVERY:
        return start_every(I, n, sc, clock_now(), I->step_owner);
    default:
        return rt_error(I, n, "cannot run a %s here", ast_kind_name(n->kind));
    }
}

/* Run a block's statements in scope sc itself (their lets land in sc). */
static ctl exec_in(interp *I, scope *sc, const rb_node *block)
{
    for (const rb_node *n = block ? block->a : NULL; n; n = n->next) {
        ctl c = exec_stmt(I, sc, n);
        if (c == CTL_OK) c = fire_due(I);   /* timers run to completion between statements */
        if (c != CTL_OK) return c;
    }
    return CTL_OK;
}

/* Run a block in a scope of its own (its lets end with it). */
static ctl exec_block(interp *I, scope *sc, const rb_node *block)
{
    return block ? exec_in(I, scope_new(I, sc), block) : CTL_OK;
}

/* ------------------------------------------------------------------ globals & modules */

/* How define_globals binds params: where their values come from and where they are listed. */
typedef struct param_ctx {
    json_t *params;     /* name -> value (redacted) for the record, or NULL */
    value with;         /* `run … with {…}` map, or nil (then --set, default, asked) */
    value stored;       /* replaying: the run's recorded params (map), or nil */
} param_ctx;

static ctl define_globals(interp *I, ast_file *f, scope *g, param_ctx *pc);

static ctl load_use(interp *I, ast_file *from, scope *g, const rb_node *u)
{
    module *m = module_load(I->ms, u->str, (int)u->num, from->src.name, NULL);
    if (!m || !m->file || !m->file->root) return rt_error(I, u, "cannot load module '%s'", u->str);
    scope *ms = scope_new(I, NULL);
    const ast_file *saved = I->cur_file;
    I->cur_file = m->file;
    ctl c = define_globals(I, m->file, ms, NULL);
    I->cur_file = saved;
    if (c != CTL_OK) return c;
    const char *alias = u->str2;
    if (!alias) {
        const char *base = strrchr(u->str, '/');
        base = base ? base + 1 : u->str;
        size_t len = strlen(base);
        if (len > 3 && strcmp(base + len - 3, ".rb") == 0) len -= 3;
        alias = arena_strndup(&I->mem, base, len);
    }
    value mv = v_nil();
    mv.t = V_MODULE;
    mv.u.p = ms;
    scope_define(I, g, alias, mv);
    return CTL_OK;
}

/* Convert a --set text to the param's type (declared, or that of its default). */
static ctl param_from_text(interp *I, const rb_node *p, const char *text, value def, value *out)
{
    const char *type = p->str2;
    if (!type) type = def.t == V_NUM ? "number" : def.t == V_BOOL ? "bool" : def.t == V_DUR ? "duration"
                    : def.t == V_SEV ? "severity" : def.t == V_LIST ? "list" : def.t == V_MAP ? "map"
                    : def.t == V_TIME ? "time" : "string";
    if (strcmp(type, "number") == 0 || strcmp(type, "int") == 0) {
        char *end;
        double d = strtod(text, &end);
        if (!*text || *end) return rt_error(I, p, "--set %s=%s: expected a number", p->str, text);
        *out = v_num(d);
    } else if (strcmp(type, "bool") == 0) {
        if (strcmp(text, "true") == 0 || strcmp(text, "yes") == 0) *out = v_bool(1);
        else if (strcmp(text, "false") == 0 || strcmp(text, "no") == 0) *out = v_bool(0);
        else return rt_error(I, p, "--set %s=%s: expected true or false", p->str, text);
    } else if (strcmp(type, "duration") == 0) {
        double d = parse_duration(text, strlen(text));
        if (d < 0) return rt_error(I, p, "--set %s=%s: expected a duration like 15m", p->str, text);
        *out = v_dur(d);
    } else if (strcmp(type, "list") == 0 || strcmp(type, "map") == 0) {
        /* JSON ("[\"a\", \"b\"]", "{\"k\": 1}"), or for a list: comma-separated words */
        json_error_t je;
        json_t *j = json_loads(text, JSON_DECODE_ANY, &je);
        int want_list = type[0] == 'l';
        if (j && (want_list ? json_is_array(j) : json_is_object(j))) {
            *out = value_from_json(&I->mem, j);
        } else if (want_list && !j) {
            value l = v_list(&I->mem, 4);
            for (const char *q = text; *q;) {
                size_t n = strcspn(q, ",");
                size_t a = 0, b = n;
                while (a < b && q[a] == ' ') a++;
                while (b > a && q[b - 1] == ' ') b--;
                if (b > a) list_push(&I->mem, l, v_str(&I->mem, q + a, b - a));
                q += n + (q[n] == ',');
            }
            *out = l;
        } else {
            json_decref(j);
            return rt_error(I, p, "--set %s=%s: expected %s", p->str, text,
                            want_list ? "a JSON list or comma-separated items" : "a JSON object");
        }
        json_decref(j);
    } else if (strcmp(type, "time") == 0) {
        double t = clock_parse_iso(text);
        if (t < 0) return rt_error(I, p, "--set %s=%s: expected an ISO-8601 time", p->str, text);
        *out = v_time(t);
    } else if (strcmp(type, "severity") == 0) {
        if (!(text[0] == 'P' && text[1] >= '1' && text[1] <= '4' && !text[2]))
            return rt_error(I, p, "--set %s=%s: expected P1 to P4", p->str, text);
        *out = v_sev(text[1] - '0');
    } else {
        *out = v_cstr(&I->mem, text);
    }
    return CTL_OK;
}

static const char *find_set(interp *I, const char *name)
{
    size_t n = strlen(name);
    for (const char *const *s = I->o->sets; s && *s; s++)
        if (strncmp(*s, name, n) == 0 && (*s)[n] == '=') return *s + n + 1;
    return NULL;
}

static ctl define_param(interp *I, scope *g, const rb_node *p, json_t *params, value with)
{
    value def = v_nil(), v;
    ctl c;
    if (p->a && (c = eval(I, g, p->a, &def)) != CTL_OK) return c;
    value *given = with.t == V_MAP ? map_get(with, p->str) : NULL;
    const char *set = with.t == V_MAP ? NULL : find_set(I, p->str);
    const char *type = p->str2 ? p->str2 : def.t != V_NIL && def.t != V_STR ? vtype_name(def.t) : "string";
    if (given && given->t == V_STR && strcmp(type, "string") != 0 && strcmp(type, "any") != 0) {
        /* a typed param given as text (the record keeps "5m", a with-map may say "P2") */
        if ((c = param_from_text(I, p, given->u.s->s, def, &v)) != CTL_OK) return c;
    } else if (given) {
        v = *given;
    } else if (set) {
        if ((c = param_from_text(I, p, set, def, &v)) != CTL_OK) return c;
    } else if (p->a) {
        v = def;
    } else {
        rb_buf q;
        buf_init(&q);
        buf_printf(&q, "Value for param %s", p->str);
        if (p->b) {
            value h;
            if (eval(I, g, p->b, &h) == CTL_OK) buf_printf(&q, " (%s)", shown(I, h));
        }
        prompt_req r = {PK_ASK, arena_strdup(&I->mem, buf_cstr(&q)), p->str, NULL, NULL, 0, 0, NULL};
        buf_free(&q);
        const char *a;
        if ((c = ask_responder(I, p, &r, &a)) != CTL_OK) return c;
        if ((c = param_from_text(I, p, a, def, &v)) != CTL_OK) return c;
    }
    scope_define(I, g, p->str, v);
    if (params) json_object_set_new(params, p->str, value_to_json(v, 1));
    return CTL_OK;
}

static void mark_secret(interp *I, value *v)
{
    v->secret = 1;
    if (v->t == V_STR) secret_add(I, v->u.s->s);
}

/* Evaluate a file's top-level use/param/secret/let/fn in order into g. */
/*
 * Evaluate a file's top level in source order: use, param, secret and let (functions
 * first, as they are visible everywhere in their file).  A let may read a param declared
 * above it.  pc is NULL for a module (modules have no params).
 */
static ctl define_globals(interp *I, ast_file *f, scope *g, param_ctx *pc)
{
    ctl c;
    g->file = f;
    for (const rb_node *d = f->root->a; d; d = d->next) {
        if (d->kind != N_FN) continue;
        value fv = v_nil();
        fv.t = V_FN;
        fv.u.fn = d;
        fv.env = g;
        scope_define(I, g, d->str, fv);
    }
    for (const rb_node *d = f->root->a; d; d = d->next) {
        value v;
        switch (d->kind) {
        case N_USE:
            if ((c = load_use(I, f, g, d)) != CTL_OK) return c;
            break;
        case N_PARAM: {
            if (!pc) break;
            /* Replaying: a param that was asked is asked (and served) again; the rest as stored. */
            json_t *nx = rec_next(I);
            int asked = nx && strcmp(ev_str(nx, "kind"), "prompt") == 0 &&
                        strcmp(ev_str(json_object_get(nx, "data"), "key"), d->str) == 0;
            value from = pc->stored.t == V_MAP && !asked ? pc->stored : pc->with;
            if ((c = define_param(I, g, d, pc->params, from)) != CTL_OK) return c;
            break;
        }
        case N_SECRET:
            if ((c = eval(I, g, d->a, &v)) != CTL_OK) return c;
            mark_secret(I, &v);
            scope_define(I, g, d->str, v);
            break;
        case N_LET:
            if ((c = eval(I, g, d->a, &v)) != CTL_OK) return c;
            scope_define(I, g, d->str, v);
            break;
        default:
            break;
        }
    }
    return CTL_OK;
}

/* ------------------------------------------------------------------ steps */

static void collect_steps(interp *I, const rb_node *root)
{
    int cap = 16;
    I->steps = arena_alloc(&I->mem, (size_t)cap * sizeof *I->steps);
    for (const rb_node *d = root->a; d; d = d->next) {
        const rb_node *items = d->kind == N_PHASE ? d->a : d->kind == N_STEP ? d : NULL;
        for (const rb_node *s = items; s; s = d->kind == N_PHASE ? s->next : NULL) {
            if (s->kind != N_STEP) continue;
            if (I->nsteps == cap) {
                step_ref *n = arena_alloc(&I->mem, (size_t)cap * 2 * sizeof *n);
                memcpy(n, I->steps, (size_t)cap * sizeof *n);
                I->steps = n;
                cap *= 2;
            }
            const char *id = s->str ? s->str : check_step_slug(&I->mem, s->str2 ? s->str2 : "step");
            I->steps[I->nsteps++] = (step_ref){s, id, d->kind == N_PHASE ? d : NULL};
            if (d->kind != N_PHASE) break;
        }
    }
}

static int step_index(interp *I, const char *id)
{
    for (int i = 0; i < I->nsteps; i++)
        if (strcmp(I->steps[i].id, id) == 0) return i;
    return -1;
}

static const char *step_title(interp *I, const step_ref *s)
{
    if (s->step->str2) return s->step->str2;
    value v;
    if (eval(I, I->globals, s->step->d, &v) == CTL_OK) return shown(I, v);
    return s->id;
}

/* Run the rollback blocks of the completed steps, newest first. */
static ctl roll_back(interp *I, int *done, int ndone)
{
    say(I, "== Rolling back %d completed step%s", ndone, ndone == 1 ? "" : "s");
    for (int i = ndone - 1; i >= 0; i--) {
        const step_ref *s = &I->steps[done[i]];
        if (!s->step->b) continue;
        I->step_id = s->id;
        say(I, "-> rollback of %s", s->id);
        ctl c = emit(I, "rollback.start", s->id, NULL);
        if (c == CTL_OK) c = exec_in(I, I->globals, s->step->b);
        if (c == CTL_STOP) return c;
        if (c == CTL_FAIL || c == CTL_ABORT) {
            report_error(I, "error");
            say(I, "  ✗ rollback of %s failed; continuing with the others", s->id);
        }
        json_t *d = json_pack("{s:s, s:b}", "outcome", "rolled_back", "rollback_ok", c == CTL_OK || c == CTL_SKIP);
        if ((c = emit(I, "step.end", "rolled back", d)) != CTL_OK) return c;
        if ((c = emit(I, "rollback.end", s->id, NULL)) != CTL_OK) return c;
    }
    return CTL_OK;
}

typedef enum { FAIL_RETRY, FAIL_SKIP, FAIL_ROLLBACK, FAIL_ABORT } fail_choice;

static ctl failure_menu(interp *I, const rb_node *at, const char *id, fail_choice *choice)
{
    static const char *const opts[] = {"retry", "skip", "roll back", "abort"};
    if (I->o->auto_mode) {
        say(I, "  --auto: aborting after the failure of step %s", id);
        *choice = FAIL_ABORT;
        return emit(I, "decision", "abort (--auto)", json_pack("{s:s, s:s}", "choice", "abort", "source", "auto"));
    }
    rb_buf q;
    buf_init(&q);
    buf_printf(&q, "Step %s failed. What now?", id);
    const char *pick;
    rb_buf key;
    buf_init(&key);
    buf_printf(&key, "%s.failed", id);
    ctl c = prompt_choose(I, at, arena_strdup(&I->mem, buf_cstr(&q)), arena_strdup(&I->mem, buf_cstr(&key)), NULL,
                          (const char **)opts, 4, &pick);
    buf_free(&q);
    buf_free(&key);
    if (c != CTL_OK) return c;
    *choice = strcmp(pick, "retry") == 0 ? FAIL_RETRY : strcmp(pick, "skip") == 0 ? FAIL_SKIP
            : strcmp(pick, "roll back") == 0 ? FAIL_ROLLBACK : FAIL_ABORT;
    return CTL_OK;
}

static double opt_secs(interp *I, const rb_node *step, const char *name)
{
    rb_node *o = ast_opt(step, name);
    value v;
    if (!o || eval(I, I->globals, o->a, &v) != CTL_OK) return -1;
    return v.u.n;
}

/* The run's status from the steps loop: finished, failed or aborted (exit 0/1). */
/*
 * Entering a phase starts its instance: its `within` deadline and the escalation ladders
 * and `every` timers declared in it, all relative to now and ended when the phase ends.
 */
static ctl enter_phase(interp *I, const rb_node *phase, int owner)
{
    say(I, "\n== Phase: %s", phase->str);
    I->step_id = NULL;
    ctl c = emit(I, "phase.start", phase->str, json_pack("{s:s}", "title", phase->str));
    double now = clock_now();
    rb_node *w = ast_opt(phase, "within");
    if (c == CTL_OK && w) {
        double within = dur_of(I, I->globals, w->a);
        if (within > 0) deadline_add(I, "phase", phase->str, within, now, owner, phase);
    }
    for (const rb_node *x = phase->a; c == CTL_OK && x; x = x->next) {
        if (x->kind == N_ESCALATION) c = start_escalation(I, x, I->globals, now, owner);
        else if (x->kind == N_EVERY) c = start_every(I, x, I->globals, now, owner);
    }
    return c == CTL_OK ? fire_due(I) : c;
}

/* Run one step's body (with its retries); its timers end when the body does. */
static ctl run_body(interp *I, const step_ref *s)
{
    int retries = (int)opt_secs(I, s->step, "retries");
    double timeout = opt_secs(I, s->step, "timeout");
    double within = opt_secs(I, s->step, "within");
    I->step_owner = ++I->next_owner;
    I->step_started = clock_now();
    if (within > 0) deadline_add(I, "step", s->id, within, I->step_started, I->step_owner, s->step);
    ctl c;
    for (int attempt = 0;; attempt++) {
        I->step_deadline = timeout > 0 ? clock_now() + timeout : -1;
        c = exec_in(I, I->globals, s->step->a);
        I->step_deadline = -1;
        if (c != CTL_FAIL || attempt >= retries) break;
        report_error(I, "error");
        say(I, "  ↻ retrying step %s (attempt %d of %d)", s->id, attempt + 2, retries + 1);
        if (emit(I, "step.retry", s->id, json_pack("{s:i}", "attempt", attempt + 2)) != CTL_OK) return CTL_STOP;
    }
    timers_end_owner(I, I->step_owner);
    I->step_owner = 0;
    return c;
}

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

static void stepper_init(interp *I, stepper *st, int start)
{
    memset(st, 0, sizeof *st);
    st->idx = start;
    st->capdone = I->nsteps + 1;
    st->done = arena_alloc(&I->mem, (size_t)st->capdone * sizeof *st->done);
    st->status = "finished";
}

static void stepper_done(interp *I, stepper *st, int idx)
{
    st->done = arena_grow(&I->mem, st->done, st->ndone, &st->capdone, sizeof *st->done, 16);
    st->done[st->ndone++] = idx;
}

/* The current phase's timers end (at the end of the run, or before a jump elsewhere). */
static void stepper_leave_phase(interp *I, stepper *st)
{
    if (st->phase_owner) timers_end_owner(I, st->phase_owner);
    st->phase = NULL;
    st->phase_owner = 0;
}

/* Run the step at st->idx and move the cursor (next step, goto target, or the same step
 * again after "retry").  Sets st->over and st->status when the run ends here. */
static ctl stepper_step(interp *I, stepper *st)
{
    int idx = st->idx;
    const step_ref *s = &I->steps[idx];
    ctl c;
    if (s->phase != st->phase) {
        stepper_leave_phase(I, st);
        st->phase = s->phase;
        st->phase_owner = st->phase ? ++I->next_owner : 0;
        if (st->phase && (c = enter_phase(I, st->phase, st->phase_owner)) != CTL_OK) return c;
    }
    I->step_id = s->id;
    const char *title = step_title(I, s);
    say(I, "\n-> [%d/%d] %s (%s)", idx + 1, I->nsteps, title, s->id);
    if ((c = emit(I, "step.start", title, json_pack("{s:s, s:s}", "id", s->id, "title", title))) != CTL_OK) return c;
    const char *outcome;
    int next = idx + 1;
    c = run_body(I, s);
    if (c == CTL_STOP) return c;
    if (c == CTL_OK || c == CTL_RETURN || c == CTL_BREAK || c == CTL_CONTINUE) {
        outcome = "ok";
    } else if (c == CTL_SKIP) {
        outcome = "skipped";
        say(I, "  (skipped by the responder)");
    } else if (c == CTL_GOTO) {
        outcome = "ok";
        next = step_index(I, I->goto_target);
        if (next < 0) {
            I->cur_file = I->file;
            rt_error(I, I->goto_node, "goto: no step '%s'", I->goto_target);
            c = CTL_FAIL;
        }
    } else {
        outcome = "failed";
    }
    if (c == CTL_ABORT) {
        report_error(I, "aborted");
        emit(I, "step.end", "aborted", json_pack("{s:s}", "outcome", "aborted"));
        st->status = "aborted";
        st->over = 1;
        return CTL_OK;
    }
    if (c == CTL_FAIL) {
        report_error(I, "error");
        outcome = "failed";
        if (s->step->c) {
            say(I, "  running the on failure block of %s", s->id);
            ctl fc = exec_in(I, I->globals, s->step->c);
            if (fc == CTL_STOP) return fc;
            if (fc == CTL_ABORT || fc == CTL_FAIL) {
                report_error(I, fc == CTL_ABORT ? "aborted" : "error");
                emit(I, "step.end", "failed", json_pack("{s:s}", "outcome", "failed"));
                st->status = fc == CTL_ABORT ? "aborted" : "failed";
                st->over = 1;
                return CTL_OK;
            }
            if (fc == CTL_GOTO) next = step_index(I, I->goto_target);
            /* the on failure block handled it: the step failed, the run goes on */
        } else {
            fail_choice ch;
            if ((c = failure_menu(I, s->step, s->id, &ch)) != CTL_OK) return c;
            if (ch == FAIL_RETRY) {
                if (emit(I, "step.end", "failed", json_pack("{s:s}", "outcome", "failed")) != CTL_OK) return CTL_STOP;
                return CTL_OK;   /* the cursor stays: the step starts again */
            }
            if (ch == FAIL_SKIP) {
                outcome = "skipped";
            } else {
                if (emit(I, "step.end", "failed", json_pack("{s:s}", "outcome", "failed")) != CTL_OK) return CTL_STOP;
                if (ch == FAIL_ROLLBACK) {
                    if ((c = roll_back(I, st->done, st->ndone)) != CTL_OK) return c;
                    st->status = "failed";
                } else {
                    st->status = "aborted";
                }
                st->over = 1;
                return CTL_OK;
            }
        }
    }
    if ((c = emit(I, "step.end", outcome, json_pack("{s:s}", "outcome", outcome))) != CTL_OK) return c;
    if (strcmp(outcome, "ok") == 0) stepper_done(I, st, idx);
    st->idx = next;
    return CTL_OK;
}

static ctl run_steps(interp *I, int start, const char **status)
{
    stepper st;
    stepper_init(I, &st, start);
    ctl c = CTL_OK;
    while (c == CTL_OK && !st.over && st.idx >= 0 && st.idx < I->nsteps) c = stepper_step(I, &st);
    stepper_leave_phase(I, &st);
    *status = st.status;
    return c;
}

/* ------------------------------------------------------------------ the run */

static const rb_node *header_of(const ast_file *f)
{
    for (const rb_node *d = f->root->a; d; d = d->next)
        if (d->kind == N_HEADER) return d;
    return NULL;
}

static const rb_node *hfield(const rb_node *h, const char *name)
{
    for (const rb_node *x = h ? h->a : NULL; x; x = x->next)
        if (strcmp(x->str, name) == 0) return x->a;
    return NULL;
}

/*
 * The incident-wide timers: top-level escalation ladders and `every` timers (relative to
 * the incident's start) and the header's response and resolution targets.
 */
static ctl start_run_timers(interp *I, const rb_node *h, int owner)
{
    double t0 = I->inc.started_at;
    ctl c = CTL_OK;
    for (const rb_node *d = I->file->root->a; c == CTL_OK && d; d = d->next) {
        if (d->kind == N_ESCALATION) c = start_escalation(I, d, I->globals, t0, owner);
        else if (d->kind == N_EVERY) c = start_every(I, d, I->globals, clock_now(), owner);
    }
    for (const rb_node *x = owner ? NULL : h ? h->a : NULL; c == CTL_OK && x; x = x->next) {
        if (!x->num) continue;   /* only "respond within" / "resolve within" */
        double within = dur_of(I, I->globals, x->a);
        if (within > 0 && (strcmp(x->str, "respond") == 0 || strcmp(x->str, "resolve") == 0))
            deadline_add(I, x->str, NULL, within, t0, 0, x);
    }
    return c == CTL_OK ? fire_due(I) : c;
}

#define MAX_RUN_DEPTH 8

/*
 * `run "other.rb" with {…}`: another runbook inside this run.  It shares the incident, the
 * record and the responder; it has its own globals, params (from the with-map, else their
 * defaults, else asked), steps and timers (which end when it ends).  Its escalation rungs
 * are measured from the incident's start, like every ladder.  A failed or aborted inner
 * runbook fails the step that ran it.
 */
static ctl exec_run(interp *I, scope *sc, const rb_node *n)
{
    value path, with = v_nil();
    ctl c = eval(I, sc, n->a, &path);
    if (c == CTL_OK && n->b) c = eval(I, sc, n->b, &with);
    if (c != CTL_OK) return c;
    if (path.t != V_STR) return rt_error(I, n->a, "run takes the path of a runbook");
    if (n->b && with.t != V_MAP) return rt_error(I, n->b, "run … with takes a map of params");
    if (I->run_depth >= MAX_RUN_DEPTH) return rt_error(I, n, "runbooks run each other too deeply (more than %d)", MAX_RUN_DEPTH);
    rb_buf full;
    buf_init(&full);
    const char *from = I->cur_file->src.name, *slash = strrchr(from, '/');
    if (path.u.s->s[0] != '/' && slash) buf_addn(&full, from, (size_t)(slash - from + 1));
    buf_adds(&full, path.u.s->s);
    diag_list d;
    diag_init(&d);
    ast_file *f = parse_file(buf_cstr(&full), &d);
    if (f && d.syntax_errors == 0 && f->root) check_file(f, I->ms, &d);
    if (!f || d.errors || !f->root || f->is_module) {
        for (int i = 0; i < d.n; i++)
            if (d.items[i].level == DIAG_ERROR) diag_print(&d.items[i], stderr, 0);
        c = rt_error(I, n, !f ? "cannot read runbook %s" : f->is_module ? "%s is a module, not a runbook"
                                                                    : "runbook %s does not check", buf_cstr(&full));
        diag_free(&d);
        ast_file_free(f);
        buf_free(&full);
        return c;
    }
    diag_free(&d);
    /* The inner runbook lives as long as the run: its nodes may sit in timers and values. */
    if (I->nsubs == I->capsubs) {
        I->capsubs = I->capsubs ? I->capsubs * 2 : 4;
        I->subs = rb_xrealloc(I->subs, (size_t)I->capsubs * sizeof *I->subs);
    }
    I->subs[I->nsubs++] = f;

    /* Save what belongs to the outer runbook, run the inner one, restore. */
    ast_file *o_file = I->file;
    const ast_file *o_cur = I->cur_file;
    scope *o_globals = I->globals;
    step_ref *o_steps = I->steps;
    int o_nsteps = I->nsteps, o_owner = I->step_owner;
    const char *o_step = I->step_id;
    double o_started = I->step_started, o_deadline = I->step_deadline;

    I->file = f;
    I->cur_file = f;
    I->globals = scope_new(I, NULL);
    I->steps = NULL;
    I->nsteps = 0;
    I->run_depth++;
    collect_steps(I, f->root);
    const rb_node *h = NULL;
    for (const rb_node *x = f->root->a; x; x = x->next)
        if (x->kind == N_HEADER) h = x;
    const char *title = h && h->str ? h->str : buf_cstr(&full);
    say(I, "\n=== Running %s (%s)", title, buf_cstr(&full));
    c = emit(I, "runbook.start", title, json_pack("{s:s, s:s}", "runbook", buf_cstr(&full), "title", title));
    int owner = ++I->next_owner;
    param_ctx pc = {NULL, n->b ? with : v_map(&I->mem, 1), v_nil()};
    if (c == CTL_OK) c = define_globals(I, f, I->globals, &pc);
    if (c == CTL_OK) c = start_run_timers(I, h, owner);
    const char *status = "finished";
    if (c == CTL_OK) c = run_steps(I, 0, &status);
    timers_end_owner(I, owner);
    I->run_depth--;
    if (c == CTL_OK) c = emit(I, "runbook.end", status, json_pack("{s:s, s:s}", "runbook", buf_cstr(&full), "status", status));
    say(I, "=== %s: %s\n", title, status);

    I->file = o_file;
    I->cur_file = o_cur;
    I->globals = o_globals;
    I->steps = o_steps;
    I->nsteps = o_nsteps;
    I->step_owner = o_owner;
    I->step_id = o_step;
    I->step_started = o_started;
    I->step_deadline = o_deadline;
    if (c == CTL_OK && strcmp(status, "finished") != 0)
        c = rt_error(I, n, "runbook %s %s", buf_cstr(&full), status);
    buf_free(&full);
    return c;
}

/* Set up an interpreter for file f (its steps, incident, prompter). */
static void interp_init(interp *I, ast_file *f, module_set *ms, const exec_opts *o)
{
    memset(I, 0, sizeof *I);
    arena_init(&I->mem);
    buf_init(&I->err);
    I->o = o;
    I->file = f;
    I->cur_file = f;
    I->ms = ms;
    I->rec = o->rec;
    I->step_deadline = -1;
    I->globals = scope_new(I, NULL);
    prompt_hooks hooks = {hook_wait_readable, hook_delay, I};
    I->prompts = prompter_new(o->answers, o->auto_mode, &hooks);
    I->inc.status = "investigating";
    I->inc.acknowledged_at = I->inc.resolved_at = -1;
    I->inc.roles = v_map(&I->mem, 4);
    I->inc.severity = v_sev(3);
    collect_steps(I, f->root);
    const rb_node *h = header_of(f);
    I->inc.title = h && h->str ? h->str : o->path;
    const rb_node *sev = hfield(h, "severity");
    if (sev && sev->kind == N_SEV) I->inc.severity = v_sev((int)sev->num);
}

static void interp_free(interp *I)
{
    prompter_free(I->prompts);
    for (int i = 0; i < I->nsubs; i++) ast_file_free(I->subs[i]);
    rb_free(I->subs);
    arena_free(&I->mem);
    buf_free(&I->err);
}

/*
 * Start the run: its row in the record (or, replaying, the recorded one), run.start, the
 * globals and params in source order, and the incident-wide timers.  Returns CTL_OK, or
 * CTL_STOP with I->exit_code set (2: the runbook failed before its first step; 3: the
 * record cannot be written).
 */
static ctl run_begin(interp *I)
{
    const exec_opts *o = I->o;
    ast_file *f = I->file;
    const rb_node *h = header_of(f);
    const rb_node *rw = hfield(h, "respond"), *sw = hfield(h, "resolve");
    char sevtxt[8];
    snprintf(sevtxt, sizeof sevtxt, "P%d", (int)I->inc.severity.u.n);
    json_t *params = json_object();
    char *incident = NULL;
    value stored = v_nil();
    if (o->replay) {
        /* Replaying a recorded run: its clock restarts at its start, its row already exists. */
        I->replaying = 1;
        I->rcount = json_array_size(o->replay);
        I->inc.started_at = clock_parse_iso(json_string_value(json_object_get(o->replay_run, "started_at")));
        clock_use_virtual(I->inc.started_at);
        I->run_id = o->resume_run;
        incident = rb_xstrdup(json_string_value(json_object_get(o->replay_run, "incident")));
        json_t *jp = json_object_get(o->replay_run, "params");
        stored = json_is_object(jp) ? value_from_json(&I->mem, jp) : v_map(&I->mem, 1);
    } else {
        I->inc.started_at = clock_now();
    }
    rec_run_info info = {o->path, f->text, I->inc.title, sevtxt, o->incident,
                         clock_is_virtual() ? "virtual" : "real", o->mode, params,
                         I->inc.started_at, rw && rw->kind == N_DUR ? rw->num : -1,
                         sw && sw->kind == N_DUR ? sw->num : -1};
    if (!o->replay && rec_run_start(I->rec, &info, &I->run_id, &incident) != 0) {
        fprintf(stderr, "runbook: cannot record the run: %s\n", rec_error(I->rec));
        json_decref(params);
        I->exit_code = 3;
        I->no_run = 1;
        return CTL_STOP;
    }
    I->inc.id = arena_strdup(&I->mem, o->incident ? o->incident : incident);
    rb_free(incident);
    say(I, "runbook: %s — incident %s, run %lld%s", I->inc.title, I->inc.id, (long long)I->run_id,
        o->verify ? " (verifying against the record)" : o->replay ? " (resuming: replaying the record)"
        : o->dry_run ? " (dry run)" : "");
    ctl c = emit(I, "run.start", I->inc.title,
                 json_pack("{s:s, s:s, s:s, s:b, s:b}", "runbook", o->path, "incident", I->inc.id, "severity", sevtxt,
                           "dry_run", o->dry_run, "auto", o->auto_mode));
    param_ctx pc = {params, v_nil(), o->replay ? stored : v_nil()};
    if (c == CTL_OK) c = define_globals(I, f, I->globals, &pc);
    if (c == CTL_OK && json_object_size(params)) {
        if (!o->replay && rec_run_set_params(I->rec, I->run_id, params) != 0) {
            fprintf(stderr, "runbook: cannot record the params: %s\n", rec_error(I->rec));
            I->exit_code = 3;
            c = CTL_STOP;
        } else {
            c = emit(I, "params", "parameters", json_deep_copy(params));
        }
    }
    json_decref(params);
    if (c == CTL_OK) c = start_run_timers(I, h, 0);
    if (c == CTL_FAIL || c == CTL_ABORT) {
        report_error(I, "error");
        I->exit_code = 2;
        I->begin_failed = 1;
        return CTL_STOP;
    }
    return c;
}

/* End the run: run.end and the run row's status (verify: check the record ended too).
 * Returns the process exit status. */
static int run_finish(interp *I, ctl c, const char *status)
{
    const exec_opts *o = I->o;
    if (I->no_run) return I->exit_code;
    if (I->begin_failed) status = "failed";
    else if (c == CTL_STOP) status = I->exit_code == 3 ? "failed" : "interrupted";
    int code = c == CTL_STOP ? I->exit_code : I->exit_code ? I->exit_code : strcmp(status, "finished") == 0 ? 0 : 1;
    if (o->verify) {
        /* verify: the run's end must be the record's end too */
        if (c != CTL_STOP) {
            I->step_id = NULL;
            rb_buf t;
            buf_init(&t);
            buf_printf(&t, "run %s", status);
            ctl e = emit(I, "run.end", buf_cstr(&t), NULL);
            buf_free(&t);
            code = e == CTL_OK && I->rpos == I->rcount ? 0
                 : e == CTL_OK ? (diverged(I, "run.end", "the runbook ends here"), 1) : I->exit_code;
        }
        if (code == 0)
            printf("verified: the runbook takes the recorded path (%zu of %zu events reproduced)\n", I->rpos, I->rcount);
    } else if (I->exit_code != 3 && !(c == CTL_STOP && I->exit_code == 2 && o->replay && !I->begin_failed)) {
        I->step_id = NULL;
        rb_buf t;
        buf_init(&t);
        buf_printf(&t, "run %s", status);
        if (emit(I, "run.end", buf_cstr(&t), json_pack("{s:s, s:i}", "status", status, "exit", code)) != CTL_OK ||
            rec_run_end(I->rec, I->run_id, status, clock_now()) != 0)
            code = 3;
        buf_free(&t);
        say(I, "\nrun %lld %s (incident %s)", (long long)I->run_id, status, I->inc.id);
    }
    return code;
}

int eval_run(ast_file *f, module_set *ms, const exec_opts *o)
{
    interp I;
    interp_init(&I, f, ms, o);
    int start = 0;
    if (o->start_at && (start = step_index(&I, o->start_at)) < 0) {
        fprintf(stderr, "runbook: --start-at %s: no such step in %s\n", o->start_at, o->path);
        interp_free(&I);
        return 2;
    }
    const char *status = "finished";
    ctl c = run_begin(&I);
    if (c == CTL_OK) c = run_steps(&I, start, &status);
    int code = run_finish(&I, c, status);
    interp_free(&I);
    return code;
}

/* ------------------------------------------------------------------ REPL sessions */

/* A value as the REPL prints it: strings quoted (so "" and nil differ), secrets redacted. */
static void show_nested(rb_buf *b, value v)
{
    if (v.t == V_STR && !v.secret) {
        buf_addc(b, '"');
        value_show(b, v);
        buf_addc(b, '"');
    } else {
        value_show(b, v);
    }
}

/*
 * A REPL session: one recorded run (mode "repl") kept open between inputs.  Typed
 * statements run in the runbook's scope like a step body's (their lets stay), typed
 * declarations join the globals, and the runbook's steps are stepped with a stepper.
 */
struct eval_session {
    interp I;
    stepper st;
    ast_file **chunks;        /* every parsed input: their nodes live as long as the session */
    int nchunks, capchunks;
    int ended;                /* the run ended (finished, aborted, rolled back) */
};

prompter *session_prompter(eval_session *S) { return S->I.prompts; }

eval_session *session_open(ast_file *f, module_set *ms, const exec_opts *o, int *rc)
{
    eval_session *S = rb_xcalloc(1, sizeof *S);
    interp_init(&S->I, f, ms, o);
    stepper_init(&S->I, &S->st, 0);
    ctl c = run_begin(&S->I);
    if (c != CTL_OK) {
        *rc = run_finish(&S->I, c, "failed");
        interp_free(&S->I);
        rb_free(S);
        return NULL;
    }
    *rc = 0;
    return S;
}

/* After Ctrl-C in the REPL: the statement stops, the session goes on. */
static int session_outcome(eval_session *S, ctl c)
{
    interp *I = &S->I;
    if (c == CTL_STOP && (I->exit_code == 130 || I->exit_code == 4)) {
        /* Ctrl-C, or a prompt without an answer: that input ends, the session goes on */
        int code = I->exit_code;
        interrupted = 0;
        I->exit_code = 0;
        if (code == 130) say(I, "  (interrupted)");
        return code;
    }
    if (c == CTL_STOP) return I->exit_code ? I->exit_code : 1;
    if (c == CTL_FAIL || c == CTL_ABORT) {
        report_error(I, "error");
        return 1;
    }
    if (c == CTL_GOTO) {
        int idx = step_index(I, I->goto_target);
        if (idx >= 0) {
            S->st.idx = idx;
            say(I, "  (the current step is now %s)", I->goto_target);
        }
    }
    if (c == CTL_SKIP) say(I, "  (not confirmed: the rest of the input is skipped)");
    return 0;
}

int session_input(eval_session *S, ast_file *chunk, const char *text)
{
    interp *I = &S->I;
    if (S->nchunks == S->capchunks) {
        S->capchunks = S->capchunks ? S->capchunks * 2 : 16;
        S->chunks = rb_xrealloc(S->chunks, (size_t)S->capchunks * sizeof *S->chunks);
    }
    S->chunks[S->nchunks++] = chunk;
    if (!chunk->root) return 0;
    I->cur_file = chunk;
    I->step_id = NULL;
    ctl c = emit(I, "repl.input", text, json_pack("{s:s}", "text", text));
    for (const rb_node *n = chunk->root->a; c == CTL_OK && n; n = n->next) {
        value v;
        switch (n->kind) {
        case N_USE:
            c = load_use(I, chunk, I->globals, n);
            break;
        case N_PARAM:
            c = define_param(I, I->globals, n, NULL, v_nil());
            break;
        case N_SECRET:
            if ((c = eval(I, I->globals, n->a, &v)) == CTL_OK) {
                mark_secret(I, &v);
                scope_define(I, I->globals, n->str, v);
            }
            break;
        case N_FN: {
            value fv = v_nil();
            fv.t = V_FN;
            fv.u.fn = n;
            fv.env = I->globals;
            scope_define(I, I->globals, n->str, fv);
            say(I, "  fn %s defined", n->str);
            break;
        }
        case N_STEP: case N_PHASE:
            say(I, "  (steps are loaded from a file: :load FILE)");
            break;
        case N_EXPRSTMT:
            if (n->a->kind == N_SH || n->a->kind == N_HTTP ||
                (n->a->kind == N_CALL && n->a->a->kind == N_IDENT && strcmp(n->a->a->str, "confirm") == 0)) {
                c = exec_stmt(I, I->globals, n);
            } else if ((c = eval(I, I->globals, n->a, &v)) == CTL_OK && v.t != V_NIL) {
                rb_buf b;
                buf_init(&b);
                show_nested(&b, v);
                say(I, "=> %s", buf_cstr(&b));
                buf_free(&b);
            }
            break;
        default:
            c = exec_stmt(I, I->globals, n);
            break;
        }
        if (c == CTL_OK) c = fire_due(I);
    }
    I->cur_file = I->file;
    return session_outcome(S, c);
}

int session_next(eval_session *S)
{
    interp *I = &S->I;
    if (S->ended || S->st.idx < 0 || S->st.idx >= I->nsteps) {
        say(I, "  (no step left: the run is at its end)");
        return 1;
    }
    ctl c = stepper_step(I, &S->st);
    if (S->st.over) S->ended = 1;
    return session_outcome(S, c);
}

int session_run(eval_session *S, const char *const *breaks, int nbreaks)
{
    interp *I = &S->I;
    int first = 1;
    while (!S->ended && S->st.idx >= 0 && S->st.idx < I->nsteps) {
        for (int b = 0; !first && b < nbreaks; b++) {
            if (strcmp(breaks[b], I->steps[S->st.idx].id) == 0) {
                say(I, "  (breakpoint: stopped before %s)", breaks[b]);
                return 0;
            }
        }
        first = 0;
        int r = session_next(S);
        if (r != 0) return r;
    }
    return 0;
}

int session_goto(eval_session *S, const char *id)
{
    int idx = step_index(&S->I, id);
    if (idx < 0) return -1;
    S->st.idx = idx;
    S->ended = 0;
    return 0;
}

int session_current(eval_session *S)
{
    return S->ended ? -1 : S->st.idx;
}

void session_steps(eval_session *S, FILE *out)
{
    interp *I = &S->I;
    if (I->nsteps == 0) {
        fprintf(out, "  (no steps: :load FILE loads a runbook)\n");
        return;
    }
    const rb_node *phase = NULL;
    for (int i = 0; i < I->nsteps; i++) {
        const step_ref *s = &I->steps[i];
        if (s->phase && s->phase != phase) fprintf(out, "  %s\n", s->phase->str);
        phase = s->phase;
        int done = 0;
        for (int k = 0; k < S->st.ndone; k++) done |= S->st.done[k] == i;
        fprintf(out, "  %s %s %-20s %s\n", i == session_current(S) ? "→" : " ", done ? "✓" : " ", s->id,
                step_title(I, s));
    }
}

void session_vars(eval_session *S, FILE *out)
{
    scope *g = S->I.globals;
    for (int i = 0; i < g->n; i++) {
        value v = g->items[i].v;
        if (v.t == V_FN || v.t == V_MODULE) continue;
        rb_buf b;
        buf_init(&b);
        show_nested(&b, v);
        fprintf(out, "  %-20s %s\n", g->items[i].name, buf_cstr(&b));
        buf_free(&b);
    }
}

void session_timers(eval_session *S, FILE *out)
{
    interp *I = &S->I;
    int any = 0;
    double now = clock_now();
    for (int i = 0; i < I->ntimers; i++) {
        timer *t = &I->timers[i];
        if (t->dead || (t->kind == TM_RUNG && I->inc.resolved_at >= 0)) continue;
        rb_buf left, what;
        buf_init(&left);
        buf_init(&what);
        dur_show(&left, t->due - now > 0 ? t->due - now : 0);
        if (t->kind == TM_RUNG) {
            buf_printf(&what, "%s rung at ", ladder_name(t));
            dur_show(&what, t->due - t->base);
            if (t->node->b) {
                buf_adds(&what, " unless ");
                ast_expr_str(&what, t->node->b);
            }
        } else if (t->kind == TM_EVERY) {
            buf_adds(&what, "every ");
            ast_expr_str(&what, t->node->a);
        } else {
            buf_printf(&what, "deadline: %s%s%s within ", t->what, t->id ? " " : "", t->id ? t->id : "");
            dur_show(&what, t->within);
        }
        fprintf(out, "  in %-10s %s\n", buf_cstr(&left), buf_cstr(&what));
        buf_free(&left);
        buf_free(&what);
        any = 1;
    }
    if (!any) fprintf(out, "  (no pending timers)\n");
}

int session_wait_input(eval_session *S, int fd)
{
    return hook_wait_readable(&S->I, fd);
}

void session_names(eval_session *S, void (*add)(void *ctx, const char *name), void *ctx)
{
    interp *I = &S->I;
    for (scope *g = I->globals; g; g = g->parent) {
        for (int i = 0; i < g->n; i++) {
            add(ctx, g->items[i].name);
            if (g->items[i].v.t != V_MODULE) continue;
            scope *m = g->items[i].v.u.p;
            for (int k = 0; k < m->n; k++) {
                rb_buf b;
                buf_init(&b);
                buf_printf(&b, "%s.%s", g->items[i].name, m->items[k].name);
                add(ctx, buf_cstr(&b));
                buf_free(&b);
            }
        }
    }
    for (int i = 0; i < I->nsteps; i++) add(ctx, I->steps[i].id);
    for (const builtin_info *b = builtin_all(); b->name; b++) add(ctx, b->name);
}

int session_close(eval_session *S)
{
    int code = run_finish(&S->I, CTL_OK, S->st.status);
    interp_free(&S->I);
    for (int i = 0; i < S->nchunks; i++) ast_file_free(S->chunks[i]);
    rb_free(S->chunks);
    rb_free(S);
    return code;
}
