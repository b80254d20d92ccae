/*
 * postmortem_lines.c — the wording of the post-mortem draft: one line per event (the
 * timeline's sentence for a command, an answer, an HTTP call, a state change, a step's
 * end…), reused by the other sections.  A kind this build does not know is shown as
 * recorded.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "cli.h"
#include "evjson.h"
#include "mdtext.h"
#include "clock.h"
#include "postmortem.h"
#include "postmortem_int.h"
#include "record.h"
#include "util.h"

/* ---- one line per event: the timeline's wording, reused by the other sections */

static void d_answer_tail(const pm *p, json_t *ans, json_t *asked, rb_buf *b)
{
    const char *src = dstr(ans, "source");
    double t0, t1;
    buf_adds(b, " → **");
    md_text(b, dstr(ans, "answer") ? dstr(ans, "answer") : "?", CELL_MAX);
    buf_adds(b, "**");
    if (src && (strcmp(src, "default") == 0 || strcmp(src, "auto") == 0)) buf_printf(b, " (%s)", pm_source_label(src));
    else {
        buf_adds(b, " (");
        md_text(b, p->user, 0);
        buf_printf(b, ", %s)", pm_source_label(src));
    }
    if (asked && nget(asked, "elapsed_s", &t0) == 0 && nget(ans, "elapsed_s", &t1) == 0 && t1 - t0 >= 1) {
        buf_adds(b, ", after ");
        fmt_duration(b, t1 - t0);
    }
}

void pm_d_question(json_t *ev, rb_buf *b)
{
    const char *q = dstr(ev, "question");
    buf_adds(b, "“");
    md_text(b, q ? q : sget(ev, "text") ? sget(ev, "text") : "?", CELL_MAX);
    buf_adds(b, "”");
}

static void d_prompt(const pm *p, const evx *x, rb_buf *b)
{
    buf_adds(b, "Asked ");
    pm_d_question(x->ev, b);
    if (!x->end) buf_adds(b, ": **no answer recorded**");
    else d_answer_tail(p, x->end, x->ev, b);
}

static void d_answer(const pm *p, const evx *x, rb_buf *b)
{
    buf_adds(b, "Answered ");
    pm_d_question(x->ev, b);
    d_answer_tail(p, x->ev, NULL, b);
}

/* The outcome of a command from its sh.end (NULL: none recorded). */
void pm_sh_outcome(json_t *end, rb_buf *b)
{
    double x;
    json_t *d = data_of(end);
    if (!end) buf_adds(b, "**in flight**: no end recorded");
    else if (json_is_true(json_object_get(d, "skipped"))) buf_adds(b, "not run (dry run)");
    else if (json_is_true(json_object_get(d, "timed_out"))) buf_adds(b, "**timed out**");
    else if (nget(d, "exit", &x) != 0) buf_adds(b, "?");
    else if (x == 0) buf_adds(b, "0");
    else buf_printf(b, "**%g** ✗", x);
}

/* How long a command took, on the run's clock: data.duration_s (measured), except in a
 * virtual-clock run, where commands take no virtual time and the span between the start
 * and end events is what the run's clock says (so a drill's draft is the same every time). */
int pm_cmd_duration(const pm *p, json_t *start, json_t *end, double *d)
{
    double t0, t1;
    if (!p->virtual_clock) return nget(data_of(end), "duration_s", d);
    if (!start || nget(start, "elapsed_s", &t0) != 0 || nget(end, "elapsed_s", &t1) != 0) return -1;
    *d = t1 - t0;
    return 0;
}

static void d_sh(const pm *p, const evx *x, rb_buf *b)
{
    json_t *ev = x->ev, *end = x->end, *ed = data_of(end);
    const char *cmd = dstr(ev, "command") ? dstr(ev, "command") : sget(ev, "text");
    double d;
    if (!end || json_is_true(json_object_get(ed, "skipped"))) {
        buf_adds(b, end ? "Not run (dry run): " : "Started ");
        md_code(b, cmd ? cmd : "?", CELL_MAX, 1);
        if (!end) buf_adds(b, ": **no end recorded** (in flight when the record ends)");
        return;
    }
    int timed_out = json_is_true(json_object_get(ed, "timed_out"));
    buf_adds(b, "Ran ");
    md_code(b, cmd ? cmd : "?", CELL_MAX, 1);
    buf_adds(b, timed_out ? " → " : " → exit ");
    pm_sh_outcome(end, b);
    if (pm_cmd_duration(p, ev, end, &d) == 0) {
        buf_adds(b, timed_out ? " after " : " in ");
        fmt_duration(b, d);
    }
}

static void d_sh_end(const pm *p, const evx *x, rb_buf *b)
{
    json_t *ev = x->ev;
    (void)p;
    buf_adds(b, "Command ");
    md_code(b, dstr(ev, "command") ? dstr(ev, "command") : "?", CELL_MAX, 1);
    buf_adds(b, " ended → exit ");
    pm_sh_outcome(ev, b);
}

static void http_line(json_t *ev, rb_buf *b)
{
    const char *m = dstr(ev, "method"), *u = dstr(ev, "url");
    md_text(b, m ? m : "HTTP", 16);
    buf_addc(b, ' ');
    md_code(b, u ? u : "?", CELL_MAX, 1);
}

static void http_status(json_t *res, rb_buf *b)
{
    double st;
    buf_adds(b, " → ");
    if (nget(data_of(res), "status", &st) != 0) buf_adds(b, "?");
    else if (st >= 200 && st < 300) buf_printf(b, "%g", st);
    else buf_printf(b, "**%g** ✗", st);
}

static void d_http(const pm *p, const evx *x, rb_buf *b)
{
    (void)p;
    http_line(x->ev, b);
    if (!x->end) buf_adds(b, ": **no response recorded**");
    else http_status(x->end, b);
}

static void d_http_response(const pm *p, const evx *x, rb_buf *b)
{
    (void)p;
    buf_adds(b, "Response to ");
    http_line(x->ev, b);
    http_status(x->ev, b);
}

static void d_state(const pm *p, const evx *x, rb_buf *b)
{
    json_t *d = data_of(x->ev);
    (void)p;
    const char *f = sget(d, "field");
    if (f && (strcmp(f, "acknowledged") == 0 || strcmp(f, "resolved") == 0) && json_is_true(json_object_get(d, "to"))) {
        buf_printf(b, "**Incident %s**", f);
        return;
    }
    buf_adds(b, "State: ");
    md_text(b, f ? f : "?", 64);
    buf_addc(b, ' ');
    pm_md_value(b, json_object_get(d, "from"));
    buf_adds(b, " → ");
    pm_md_value(b, json_object_get(d, "to"));
}

static void d_params(const pm *p, const evx *x, rb_buf *b)
{
    json_t *d = data_of(x->ev), *v;
    (void)p;
    const char *k;
    int first = 1;
    buf_adds(b, "Parameters:");
    json_object_foreach(d, k, v) {
        buf_adds(b, first ? " " : ", ");
        md_text(b, k, 64);
        buf_adds(b, " = ");
        char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        md_text(b, s ? s : "?", CELL_MAX);
        free(s);
        first = 0;
    }
    if (first) buf_adds(b, " none");
}

static void d_run_start(const pm *p, const evx *x, rb_buf *b)
{
    const char *sev = dstr(x->ev, "severity"), *host = sget(p->run, "host");
    buf_adds(b, "**Run started** by ");
    md_text(b, p->user, 0);
    if (host) {
        buf_adds(b, " on ");
        md_text(b, host, 0);
    }
    if (sev) {
        buf_adds(b, ", severity ");
        md_text(b, sev, 16);
    }
}

static void d_run_end(const pm *p, const evx *x, rb_buf *b)
{
    const char *st = dstr(x->ev, "status");
    (void)p;
    buf_adds(b, "**Run ended**: ");
    md_text(b, st ? st : sget(x->ev, "text") ? sget(x->ev, "text") : "?", 64);
}

/* A step.end ends a rollback when it follows a rollback.start of the same rollback (the
 * recorder writes rollback.start, the body's events, step.end, rollback.end): x->in_rollback. */
static void d_step_end(const pm *p, const evx *x, rb_buf *b)
{
    const char *o = dstr(x->ev, "outcome");
    int ok = o && strcmp(o, "ok") == 0;
    (void)p;
    buf_adds(b, x->in_rollback ? "Rollback ended: " : "Step ended: ");
    if (!ok) buf_adds(b, "**");
    md_text(b, o ? o : "?", 64);
    if (!ok) buf_adds(b, "**");
}

static void d_action_item(const pm *p, const evx *x, rb_buf *b)
{
    json_t *ev = x->ev;
    (void)p;
    const char *t = dstr(ev, "text"), *owner = dstr(ev, "owner"), *due = dstr(ev, "due");
    buf_adds(b, "Action item: ");
    md_text(b, t ? t : sget(ev, "text") ? sget(ev, "text") : "?", CELL_MAX);
    if (owner) {
        buf_adds(b, " (owner ");
        md_text(b, owner, 64);
    }
    if (due) {
        buf_adds(b, owner ? ", due " : " (due ");
        md_text(b, due, 64);
    }
    if (owner || due) buf_addc(b, ')');
}

/* The recorder's text already says what was missed ("response target missed: …"). */
static void d_missed(const pm *p, const evx *x, rb_buf *b)
{
    const char *t = sget(x->ev, "text");
    (void)p;
    buf_adds(b, "**Missed**: ");
    md_text(b, t && *t ? t : "a deadline", CELL_MAX);
}

typedef void (*describe_fn)(const pm *p, const evx *x, rb_buf *b);
static const struct {
    const char *kind;
    describe_fn fn;
} describers[] = {
    {"run.start", d_run_start}, {"run.end", d_run_end},     {"params", d_params},
    {"prompt", d_prompt},       {"answer", d_answer},       {"sh.start", d_sh},
    {"sh.end", d_sh_end},       {"http.request", d_http},   {"http.response", d_http_response},
    {"state", d_state},         {"step.end", d_step_end},   {"action_item", d_action_item},
    {"deadline.missed", d_missed},
};

/* Kinds shown as "Label: text" (a timeline entry is the text alone: it was written for this). */
static const struct {
    const char *kind, *label;
} labels[] = {
    {"phase.start", "Phase started"},
    {"step.start", "Step started"},
    {"step.retry", "Step retried"},
    {"rollback.start", "Rolling back"},
    {"rollback.end", "Rolled back"},
    {"note", "Note"},
    {"warn", "**Warning**"},
    {"error", "**Error**"},
    {"timeline", NULL},
    {"timer", "Timer"},
    {"escalation", "**Escalation**"},
    {"escalation.skipped", "Escalation skipped"},
    {"decision", "Decision"},
    {"wait", "Waiting"},
    {"wait.end", "Wait ended"},
};

/* The sentence for an event.  0 when it is a finishing event shown with its start. */
int pm_describe(const pm *p, const evx *x, rb_buf *b)
{
    json_t *ev = x->ev;
    const char *k = kind_of(ev), *text = sget(ev, "text");
    if (x->is_end) return 0;
    for (size_t f = 0; f < sizeof describers / sizeof *describers; f++) {
        if (strcmp(k, describers[f].kind) == 0) {
            describers[f].fn(p, x, b);
            return 1;
        }
    }
    size_t f = 0;
    while (f < sizeof labels / sizeof *labels && strcmp(k, labels[f].kind) != 0) f++;
    if (f == sizeof labels / sizeof *labels) {
        md_code(b, *k ? k : "?", 64, 1); /* a kind this build does not know: shown as recorded */
        buf_adds(b, ": ");
    } else if (labels[f].label) {
        buf_printf(b, "%s: ", labels[f].label);
    }
    md_text(b, text ? text : "", CELL_MAX * 2);
    const char *from = dstr(ev, "from");
    if (from && strcmp(k, "step.start") == 0) {   /* a step of a module's shared part */
        buf_adds(b, " (from ");
        md_code(b, from, 64, 1);
        buf_addc(b, ')');
    }
    return 1;
}
