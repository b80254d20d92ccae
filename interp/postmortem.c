/*
 * postmortem.c — `runbook report --format md`: the post-mortem draft, written from the
 * record: its sections and the incident summary.  How a section reads the record is in
 * postmortem_walk.c, the sentence for one event in postmortem_lines.c (postmortem_int.h
 * between them).
 *
 * Laid out like the post-mortem template responders already know: incident summary, a UTC
 * timeline, decisions, commands run, escalations and notifications, missed deadlines,
 * MTTA/MTTR against the header's targets, placeholders for what only people can write
 * (impact, root cause, what went well, lessons), and the action items.
 *
 * Each section is one pass over the events it needs, read one at a time through a record
 * cursor (walk), and the draft goes to stdout as it is written, so memory does not grow with
 * the run: what an event's line needs from around it is kept as the pass goes by (is it the
 * finish of the start before it? does this step.end end a rollback?) or looked up (the
 * finish of a start).  Events a section does not show are skipped on their kind and text,
 * without building them.
 *
 * It reads the record only through record.h and never writes to it, never executes anything
 * from a runbook, and never tries to recover a redacted secret: the record is shown as it
 * is, with Markdown escaped so that user text cannot break a table or inject HTML.  The
 * draft is a function of the record alone (no clock, locale or environment): the same run
 * gives the same bytes, except that the recorder decides whether a run whose process has
 * gone is "interrupted".  Stored data that is not what a kind promises (a hand-edited row, a
 * field missing) is shown as "?" rather than trusted.
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

/* ---- the sections */

static void put_step_cell(const pm *p, json_t *ev)
{
    const char *s = sget(ev, "step");
    if (s) md_code(p->out, s, 64, 1);
}

/* "| time | step |" of a row. */
static void row_start(const pm *p, json_t *ev)
{
    buf_adds(p->out, "| ");
    pm_fmt_clock(p, p->out, sget(ev, "t"));
    buf_adds(p->out, " | ");
    put_step_cell(p, ev);
    buf_adds(p->out, " | ");
}

static void none_recorded(const pm *p, int rows)
{
    if (rows == 0) buf_adds(p->out, "_None recorded._\n");
}

static void sec_timeline(pm *p)
{
    rb_buf line;
    buf_init(&line);
    buf_adds(p->out, "\n## Timeline (UTC)\n\n| Time | Elapsed | Step | Event |\n| --- | --- | --- | --- |\n");
    walk w;
    evx x;
    if (pm_walk_open(&w, p, NULL, NULL, 1) != 0) return;
    while (pm_walk_next(&w, &x)) {
        json_t *ev = x.ev;
        buf_reset(&line);
        if (!pm_describe(p, &x, &line)) continue;
        buf_adds(p->out, "| ");
        pm_fmt_clock(p, p->out, sget(ev, "t"));
        buf_adds(p->out, " | ");
        pm_fmt_elapsed(p->out, ev);
        buf_adds(p->out, " | ");
        put_step_cell(p, ev);
        buf_adds(p->out, " | ");
        buf_addn(p->out, line.data ? line.data : "", line.len);
        buf_adds(p->out, " |\n");
        pm_maybe_flush(p);
    }
    pm_walk_close(&w);
    buf_free(&line);
}

static int is_decision_prompt(json_t *ev)
{
    const char *k = dstr(ev, "kind");
    return is_kind(ev, "prompt") && k &&
           (strcmp(k, "choose") == 0 || strcmp(k, "confirm") == 0 || strcmp(k, "checklist") == 0);
}

/* "| Answer | By | Source |" of a decision, from its answer event (NULL: unanswered). */
static void decision_tail(const pm *p, json_t *ans)
{
    const char *a = dstr(ans, "answer"), *src = dstr(ans, "source"), *choice = dstr(ans, "choice");
    if (!ans) {
        buf_adds(p->out, "_no answer recorded_ | | |\n");
        return;
    }
    buf_adds(p->out, "**");
    md_text(p->out, a ? a : choice ? choice : "?", CELL_MAX);
    buf_adds(p->out, "** | ");
    md_text(p->out, pm_answered_by(p, src), 0);
    buf_printf(p->out, " | %s |\n", pm_source_label(src));
}

static int is_prompt_or_decision(const char *kind, const char *text)
{
    (void)text;
    return strcmp(kind, "prompt") == 0 || strcmp(kind, "decision") == 0 || strcmp(kind, "approval") == 0 ||
           strcmp(kind, "approval.timeout") == 0;
}

/* The rest of an approval's row: the decision (or the timeout), who, and how. */
static void approval_tail(const pm *p, json_t *ev)
{
    const char *by = dstr(ev, "by"), *reason = dstr(ev, "reason"), *src = dstr(ev, "source");
    md_text(p->out, dstr(ev, "question") ? dstr(ev, "question") : "?", CELL_MAX);
    buf_adds(p->out, " | ");
    md_text(p->out, is_kind(ev, "approval.timeout") ? "no decision (timed out)"
                    : dstr(ev, "decision") ? dstr(ev, "decision") : "?", CELL_MAX);
    if (reason) {
        buf_adds(p->out, ": ");
        md_text(p->out, reason, CELL_MAX);
    }
    buf_adds(p->out, " | ");
    md_text(p->out, by ? by : "—", CELL_MAX);
    buf_adds(p->out, " | ");
    md_text(p->out, src ? src : "—", CELL_MAX);
    buf_adds(p->out, " |\n");
}

static void sec_decisions(pm *p)
{
    static const char *const kinds[] = {"prompt", "decision", "approval", "approval.timeout", NULL};
    int rows = 0;
    walk w;
    evx x;
    buf_adds(p->out, "\n## Decisions\n\n");
    if (pm_walk_open(&w, p, kinds, is_prompt_or_decision, 1) != 0) return;
    while (pm_walk_next(&w, &x)) {
        json_t *ev = x.ev;
        int approval = is_kind(ev, "approval") || is_kind(ev, "approval.timeout");
        if (!is_decision_prompt(ev) && !is_kind(ev, "decision") && !approval) continue;
        if (rows++ == 0)
            buf_adds(p->out, "| Time | Step | Question | Answer | By | Source |\n"
                             "| --- | --- | --- | --- | --- | --- |\n");
        row_start(p, ev);
        if (approval) {   /* a second person's decision on an `approve` request */
            approval_tail(p, ev);
            continue;
        }
        if (is_kind(ev, "decision")) {
            buf_adds(p->out, "_(the runbook decided)_ | ");
            decision_tail(p, ev);
            continue;
        }
        if (strcmp(dstr(ev, "kind"), "checklist") == 0) buf_adds(p->out, "checklist: ");
        pm_d_question(ev, p->out);
        buf_adds(p->out, " | ");
        decision_tail(p, x.end);
        pm_maybe_flush(p);
    }
    pm_walk_close(&w);
    none_recorded(p, rows);
}

static void command_row(const pm *p, json_t *start, json_t *end, int remote, int *failed)
{
    json_t *ev = start ? start : end;
    const char *cmd = dstr(ev, "command"), *host = dstr(ev, "host");
    double d, x;
    row_start(p, ev);
    if (remote) {
        md_text(p->out, host ? host : "local", CELL_MAX);
        buf_adds(p->out, " | ");
    } else if (host) {   /* a remote command in a table begun without the Host column */
        buf_adds(p->out, "on ");
        md_text(p->out, host, CELL_MAX);
        buf_adds(p->out, ": ");
    }
    md_code(p->out, cmd ? cmd : "?", CELL_MAX, 1);
    buf_adds(p->out, " | ");
    pm_sh_outcome(end, p->out);
    buf_adds(p->out, " | ");
    if (end && pm_cmd_duration(p, start, end, &d) == 0) fmt_duration(p->out, d);
    else buf_adds(p->out, "—");
    buf_adds(p->out, " |\n");
    json_t *ed = data_of(end);
    if (end && !json_is_true(json_object_get(ed, "skipped")) &&
        (json_is_true(json_object_get(ed, "timed_out")) || (nget(ed, "exit", &x) == 0 && x != 0)))
        (*failed)++;
}

#define EXCERPT_HEAD 3
#define EXCERPT_TAIL 2

/* Under the commands table: the first and last lines of what each command printed. */
static void output_excerpts(pm *p)
{
    static const char *const kinds[] = {"sh.end", NULL};
    int shown = 0;
    walk w;
    evx x;
    if (pm_walk_open(&w, p, kinds, NULL, 0) != 0) return;
    while (pm_walk_next(&w, &x)) {
        json_t *ev = x.ev, *d = data_of(ev);
        if (!is_kind(ev, "sh.end") || json_is_true(json_object_get(d, "skipped"))) continue;
        const char *out = dstr(ev, "stdout"), *err = dstr(ev, "stderr");
        if ((!out || !*out) && (!err || !*err)) continue;
        if (shown++ == 0)
            buf_printf(p->out, "\n### Output\n\nThe first %d and last %d lines of what each command printed "
                               "(`runbook report --format json` has all of it).\n\n", EXCERPT_HEAD, EXCERPT_TAIL);
        buf_adds(p->out, "- ");
        pm_fmt_elapsed(p->out, ev);
        buf_adds(p->out, " ");
        md_code(p->out, dstr(ev, "command") ? dstr(ev, "command") : "?", CELL_MAX, 0);
        buf_adds(p->out, "\n\n");
        md_output_excerpt(p->out, "stdout", out, json_is_true(json_object_get(d, "stdout_truncated")), EXCERPT_HEAD,
                          EXCERPT_TAIL);
        md_output_excerpt(p->out, "stderr", err, json_is_true(json_object_get(d, "stderr_truncated")), EXCERPT_HEAD,
                          EXCERPT_TAIL);
        pm_maybe_flush(p);
    }
    pm_walk_close(&w);
}

static void sec_commands(pm *p)
{
    static const char *const kinds[] = {"sh.start", "sh.end", NULL};
    int rows = 0, failed = 0, inflight = 0, remote = 0;
    walk w;
    evx x;
    buf_adds(p->out, "\n## Commands run\n\n");
    if (pm_walk_open(&w, p, kinds, NULL, 1) != 0) return;
    while (pm_walk_next(&w, &x)) {
        json_t *ev = x.ev;
        int start = is_kind(ev, "sh.start");
        if (!start && !(is_kind(ev, "sh.end") && !x.is_end)) continue;
        if (rows++ == 0) {
            /* the Host column appears when the first command is remote (local runs keep
             * their table as it was) */
            remote = dstr(ev, "host") != NULL;
            buf_adds(p->out, remote ? "| Time | Step | Host | Command | Exit | Duration |\n"
                                      "| --- | --- | --- | --- | --- | --- |\n"
                                    : "| Time | Step | Command | Exit | Duration |\n| --- | --- | --- | --- | --- |\n");
        }
        json_t *end = !start ? ev : x.end;
        if (!end) inflight++;
        command_row(p, start ? ev : NULL, end, remote, &failed);
        pm_maybe_flush(p);
    }
    pm_walk_close(&w);
    none_recorded(p, rows);
    if (failed) buf_printf(p->out, "\n%d of %d commands failed.\n", failed, rows);
    if (inflight) buf_printf(p->out, "\n%d command%s had no recorded end (in flight when the record ends).\n", inflight,
                             inflight == 1 ? "" : "s");
    output_excerpts(p);
}

/* What may be a notification, from the kind and text alone (no parse of the rest). */
static int maybe_notification(const char *kind, const char *text)
{
    if (strcmp(kind, "note") == 0) return strncmp(text, "[undelivered]", 13) == 0;
    return strcmp(kind, "escalation") == 0 || strcmp(kind, "escalation.skipped") == 0 ||
           strcmp(kind, "timer") == 0 || strcmp(kind, "http.request") == 0;
}

/* A GET or HEAD checks something (a status probe); it notifies nobody. */
static int is_probe(json_t *ev)
{
    const char *m = dstr(ev, "method");
    return m && (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0);
}

static int is_notification(json_t *ev)
{
    const char *t = sget(ev, "text");
    return is_kind(ev, "escalation") || is_kind(ev, "escalation.skipped") || is_kind(ev, "timer") ||
           (is_kind(ev, "http.request") && !is_probe(ev)) ||
           (is_kind(ev, "note") && t && strncmp(t, "[undelivered]", 13) == 0);
}

/* Rows "| time | step | sentence |" for the events of kinds that want and pick select. */
static void event_table(pm *p, const char *const *kinds, int (*want)(const char *, const char *),
                        int (*pick)(json_t *ev))
{
    int rows = 0;
    rb_buf line;
    walk w;
    evx x;
    if (pm_walk_open(&w, p, kinds, want, 1) != 0) return;
    buf_init(&line);
    while (pm_walk_next(&w, &x)) {
        json_t *ev = x.ev;
        buf_reset(&line);
        if (!pick(ev) || !pm_describe(p, &x, &line)) continue;
        if (rows++ == 0) buf_adds(p->out, "| Time | Step | What |\n| --- | --- | --- |\n");
        row_start(p, ev);
        buf_addn(p->out, line.data ? line.data : "", line.len);
        buf_adds(p->out, " |\n");
        pm_maybe_flush(p);
    }
    pm_walk_close(&w);
    buf_free(&line);
    none_recorded(p, rows);
}

static int is_missed_deadline(json_t *ev) { return is_kind(ev, "deadline.missed"); }
static int any_kind(const char *kind, const char *text)
{
    (void)kind;
    (void)text;
    return 1;
}

/* MTTA or MTTR: time from the start to the run row's field at_key, against target_key. */
static void metric_row(const pm *p, const char *name, const char *at_key, const char *target_key, const char *never)
{
    const char *at = sget(p->run, at_key);
    double start = clock_parse_iso(sget(p->run, "started_at") ? sget(p->run, "started_at") : "");
    double t = at ? clock_parse_iso(at) : -1, target = 0, took = t - start;
    int has_target = nget(p->run, target_key, &target) == 0;
    buf_printf(p->out, "| %s | ", name);
    if (at && t >= 0 && start >= 0) {
        fmt_duration(p->out, took);
        buf_adds(p->out, " (at ");
        pm_fmt_clock(p, p->out, at);
        buf_adds(p->out, ")");
    } else {
        buf_adds(p->out, "—");
    }
    buf_adds(p->out, " | ");
    if (has_target) fmt_duration(p->out, target);
    else buf_adds(p->out, "none");
    buf_adds(p->out, " | ");
    if (!at || t < 0 || start < 0) buf_printf(p->out, "%s", never);
    else if (!has_target) buf_adds(p->out, "no target");
    else buf_adds(p->out, took <= target + 1e-9 ? "met" : "**missed**");
    buf_adds(p->out, " |\n");
}

static void sec_metrics(const pm *p)
{
    buf_adds(p->out, "\n## Response metrics\n\n| Metric | Time | Target | Result |\n| --- | --- | --- | --- |\n");
    metric_row(p, "MTTA (time to acknowledge)", "acknowledged_at", "respond_within_s", "not acknowledged");
    metric_row(p, "MTTR (time to resolve)", "resolved_at", "resolve_within_s", "not resolved");
}

static void sec_action_items(pm *p)
{
    static const char *const kinds[] = {"action_item", NULL};
    int rows = 0;
    walk w;
    evx x;
    buf_adds(p->out, "\n## Action items\n\n");
    if (pm_walk_open(&w, p, kinds, NULL, 0) != 0) return;
    while (pm_walk_next(&w, &x)) {
        json_t *ev = x.ev;
        if (!is_kind(ev, "action_item")) continue;
        const char *t = dstr(ev, "text"), *owner = dstr(ev, "owner"), *due = dstr(ev, "due");
        if (rows++ == 0) buf_adds(p->out, "| Done | Action item | Owner | Due |\n| --- | --- | --- | --- |\n");
        buf_adds(p->out, "| [ ] | ");
        md_text(p->out, t ? t : sget(ev, "text") ? sget(ev, "text") : "?", CELL_MAX * 2);
        buf_adds(p->out, " | ");
        if (owner) md_text(p->out, owner, CELL_MAX);
        else buf_adds(p->out, "_TODO_");
        buf_adds(p->out, " | ");
        if (due) md_text(p->out, due, CELL_MAX);
        else buf_adds(p->out, "_TODO_");
        buf_adds(p->out, " |\n");
        pm_maybe_flush(p);
    }
    pm_walk_close(&w);
    if (rows == 0) buf_adds(p->out, "_None recorded._ Add the follow-ups agreed in the review:\n\n- [ ] _TODO_\n");
}

static void sec_placeholders(const pm *p)
{
    static const char *const sections[][2] = {
        {"Contributing factors", "what made it possible, worse, or slower to fix"},
        {"What went well", "detection, escalation, the runbook itself"},
        {"What didn't go well", "delays, missing steps, confusing output, missed targets"},
        {"Lessons learned", "what the team and the runbook should do differently"},
    };
    for (size_t i = 0; i < sizeof sections / sizeof *sections; i++)
        buf_printf(p->out, "\n## %s\n\n- _TODO: %s_\n", sections[i][0], sections[i][1]);
}

/* ---- the summary */

static const char *const outcomes[] = {"ok", "failed", "skipped", "rolled_back", "aborted", "other"};
#define NOUTCOMES (sizeof outcomes / sizeof *outcomes)

/* What the summary needs from the events, gathered in one pass before it is written. */
typedef struct tally {
    int count[NOUTCOMES];
    rb_buf ids[NOUTCOMES];   /* the steps that did not end ok, per outcome */
    char *first_severity;    /* of the first run.start */
    rb_buf in_flight;        /* lines for the commands with no recorded end */
    int events;
    double last_elapsed;     /* of the last event */
} tally;

/* The summary's bucket for a step.end: a rollback that went well counts as rolled_back. */
static size_t outcome_index(const evx *x)
{
    const char *o = dstr(x->ev, "outcome");
    if (o && strcmp(o, "ok") == 0 && x->in_rollback) o = "rolled_back";
    for (size_t k = 0; o && k + 1 < NOUTCOMES; k++)
        if (strcmp(o, outcomes[k]) == 0) return k;
    return NOUTCOMES - 1;
}

/* Append `step` to a ", "-separated list of code spans, once. */
static void add_step_id(rb_buf *ids, const char *step)
{
    rb_buf code;
    buf_init(&code);
    md_code(&code, step, 64, 0);
    if (!strstr(buf_cstr(ids), buf_cstr(&code))) buf_printf(ids, "%s%s", ids->len ? ", " : "", buf_cstr(&code));
    buf_free(&code);
}

/* A command left in flight, named in the summary: the first thing to check after a crash. */
static void add_in_flight(const pm *p, rb_buf *b, json_t *ev)
{
    const char *cmd = dstr(ev, "command"), *step = sget(ev, "step");
    buf_adds(b, "- **In flight when the record ends**: ");
    md_code(b, cmd ? cmd : "?", CELL_MAX, 0);
    buf_adds(b, " (started ");
    pm_fmt_clock(p, b, sget(ev, "t"));
    if (step) {
        buf_adds(b, " in step ");
        md_code(b, step, 64, 0);
    }
    buf_adds(b, "; no end recorded)\n");
}

static int summary_kind(const char *kind, const char *text)
{
    (void)text;
    return !strcmp(kind, "step.end") || !strcmp(kind, "run.start") || !strcmp(kind, "sh.start");
}

static void tally_events(pm *p, tally *t)
{
    static const char *const kinds[] = {"step.end", "run.start", "sh.start", NULL};
    walk w;
    evx x;
    int rc = rec_event_last_elapsed(p->rec, p->id, &t->last_elapsed);
    if (rc < 0) p->failed = 1;
    t->events = rc == 1;
    if (pm_walk_open(&w, p, kinds, summary_kind, 1) != 0) return;
    while (pm_walk_next(&w, &x)) {
        json_t *ev = x.ev;
        if (is_kind(ev, "step.end")) {
            size_t o = outcome_index(&x);
            t->count[o]++;
            if (o > 0 && sget(ev, "step")) add_step_id(&t->ids[o], sget(ev, "step"));
        } else if (is_kind(ev, "run.start") && !t->first_severity && dstr(ev, "severity")) {
            t->first_severity = rb_xstrdup(dstr(ev, "severity"));
        } else if (is_kind(ev, "sh.start") && !x.end) {
            add_in_flight(p, &t->in_flight, ev);
        }
    }
    pm_walk_close(&w);
}

/* "3 ok, 1 failed (`three`)": step outcomes, with the ids of the steps that did not end ok. */
static void summary_steps(const pm *p, tally *t)
{
    int shown = 0;
    buf_adds(p->out, "- **Steps**: ");
    for (size_t o = 0; o < NOUTCOMES; o++) {
        if (!t->count[o]) continue;
        buf_printf(p->out, "%s%d %s", shown++ ? ", " : "", t->count[o], outcomes[o]);
        if (t->ids[o].len) buf_printf(p->out, " (%s)", buf_cstr(&t->ids[o]));
    }
    buf_adds(p->out, shown ? "\n" : "none ran\n");
}

static void summary_severity(const pm *p, const tally *t)
{
    const char *last = sget(p->run, "severity"), *first = t->first_severity;
    buf_adds(p->out, "- **Severity**: ");
    if (first && last && strcmp(first, last) != 0) {
        md_text(p->out, first, 16);
        buf_adds(p->out, " → ");
    }
    md_text(p->out, last ? last : first ? first : "—", 16);
    buf_adds(p->out, "\n");
}

static void summary_times(const pm *p, const tally *t)
{
    const char *started = sget(p->run, "started_at"), *ended = sget(p->run, "ended_at");
    double d;
    buf_printf(p->out, "- **Date**: %s\n- **Started**: ", p->date[0] ? p->date : "?");
    pm_fmt_clock(p, p->out, started);
    buf_adds(p->out, " UTC\n- **Ended**: ");
    if (ended) {
        pm_fmt_clock(p, p->out, ended);
        buf_adds(p->out, " UTC\n- **Duration**: ");
        if (nget(p->run, "duration_s", &d) == 0) fmt_duration(p->out, d);
        else buf_adds(p->out, "?");
    } else {
        /* No end: the last event bounds the duration, so the draft does not move with the clock. */
        buf_adds(p->out, "— (no end recorded)\n- **Duration**: at least ");
        if (t->events > 0 && isfinite(t->last_elapsed)) fmt_duration(p->out, round(t->last_elapsed * 1000) / 1000);
        else buf_adds(p->out, "?");
    }
    buf_adds(p->out, "\n");
}

static void sec_summary(pm *p)
{
    json_t *r = p->run;
    const char *title = sget(r, "title"), *path = sget(r, "runbook"), *sha = sget(r, "sha256"),
               *status = sget(r, "status"), *clock = sget(r, "clock"), *mode = sget(r, "mode"), *host = sget(r, "host");
    tally t;
    memset(&t, 0, sizeof t);
    for (size_t o = 0; o < NOUTCOMES; o++) buf_init(&t.ids[o]);
    buf_init(&t.in_flight);
    tally_events(p, &t);
    buf_adds(p->out, "\n## Incident summary\n\n- **Incident**: ");
    md_text(p->out, sget(r, "incident") ? sget(r, "incident") : "?", 0);
    buf_adds(p->out, "\n- **Runbook**: ");
    if (title) {
        md_text(p->out, title, 0);
        buf_adds(p->out, " — ");
    }
    md_code(p->out, path ? path : "?", 0, 0);
    if (sha) buf_printf(p->out, " (sha256 %.12s…)", sha);
    buf_printf(p->out, "\n- **Run**: %lld (%s, %s clock) by ", (long long)json_integer_value(json_object_get(r, "id")),
               mode ? mode : "?", clock ? clock : "?");
    md_text(p->out, p->user, 0);
    if (host) {
        buf_adds(p->out, " on ");
        md_text(p->out, host, 0);
    }
    buf_adds(p->out, "\n");
    summary_times(p, &t);
    summary_severity(p, &t);
    buf_adds(p->out, "- **Status**: ");
    md_text(p->out, status ? status : "?", 0);
    buf_adds(p->out, "\n");
    summary_steps(p, &t);
    buf_addn(p->out, t.in_flight.data ? t.in_flight.data : "", t.in_flight.len);
    buf_adds(p->out, "- **Impact**: _TODO: who and what was affected, and for how long_\n"
                     "- **Root cause**: _TODO: the underlying cause, not just the trigger_\n");
    for (size_t o = 0; o < NOUTCOMES; o++) buf_free(&t.ids[o]);
    buf_free(&t.in_flight);
    rb_free(t.first_severity);
}

static void write_draft(pm *p)
{
    static const char *const notifications[] = {"escalation", "escalation.skipped", "timer", "http.request", "note", NULL};
    static const char *const missed[] = {"deadline.missed", NULL};
    const char *inc = sget(p->run, "incident"), *title = sget(p->run, "title"), *clock = sget(p->run, "clock");
    buf_adds(p->out, "# Post-mortem: ");
    md_text(p->out, inc ? inc : "?", 0);
    if (title) {
        buf_adds(p->out, " — ");
        md_text(p->out, title, 0);
    }
    buf_printf(p->out, "\n\n_Draft written by `runbook report` from the record of run %lld. Times are UTC%s. "
                       "Fill in every TODO before the review._\n",
               (long long)json_integer_value(json_object_get(p->run, "id")),
               clock && strcmp(clock, "virtual") == 0 ? " on the run's virtual clock" : "");
    sec_summary(p);
    sec_timeline(p);
    sec_decisions(p);
    sec_commands(p);
    buf_adds(p->out, "\n## Escalations and notifications\n\n");
    event_table(p, notifications, maybe_notification, is_notification);
    buf_adds(p->out, "\n## Missed deadlines\n\n");
    event_table(p, missed, any_kind, is_missed_deadline);
    sec_metrics(p);
    sec_placeholders(p);
    sec_action_items(p);
}

int report_md(recorder *rec, json_t *run)
{
    rb_buf out;
    buf_init(&out);
    pm p = {rec, json_integer_value(json_object_get(run, "id")), run, sget(run, "user"), "", 0, 0, &out};
    p.virtual_clock = sget(run, "clock") && strcmp(sget(run, "clock"), "virtual") == 0;
    if (!p.user) p.user = "an unknown user";
    const char *started = sget(run, "started_at");
    if (started && strlen(started) >= 10) snprintf(p.date, sizeof p.date, "%.10s", started);
    write_draft(&p);
    pm_flush(&p);
    buf_free(&out);
    if (p.failed) {
        fflush(stdout);
        fprintf(stderr, "runbook report: %s\n", rec_error(rec));
        return EXIT_DB;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "runbook report: cannot write the report\n");
        return EXIT_FAILED;
    }
    return EXIT_OK;
}
