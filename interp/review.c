/*
 * review.c — `runbook report RUN --format review`: the post-incident review pack, in
 * Markdown, from the record of one run.
 *
 * Owns the pack's layout, taken from the seed procedures: the meeting (within 48 hours of
 * the resolution — "Incident Response Procedures", post-mortem — and at the latest within
 * 5 business days of closure — "Incident Management Procedure" 8.1 —, 60–90 minutes, the
 * incident manager or an external facilitator), the attendees (the incident's roles, who
 * acted in the run — ran it, approved or rejected —, who was told, and the standing
 * attendees of the seeds), the agenda of 8.2 with its minutes and the facts the record
 * already gives for each item, the incident report template of 6.2 filled from the record
 * (summary, times, MTTA/MTTR against the header's targets, timeline, decisions, the
 * commands that changed things, root cause when a prompt asked for it, follow-ups), and a
 * place for the minutes.
 *
 * It reads the record only through record.h's rec_run_json / rec_events_json, never
 * writes it, and is a function of the record alone (no clock, locale or environment).
 * User text is made safe for where it lands: table cells and list items escape Markdown's
 * `|`, `<`, `>` and line breaks; the fenced report turns backquotes into quotes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include "cli.h"
#include "evjson.h"
#include "record.h"
#include "review.h"
#include "util.h"

#define CELL_MAX 200 /* bytes of user text in one cell or line */

typedef struct rv {
    json_t *run, *events; /* borrowed */
    rb_buf *out;
} rv;

/* ------------------------------------------------------------------ small helpers */

/* Seconds since the epoch of an ISO-8601 UTC time "YYYY-MM-DDTHH:MM:SS[.fff]Z"; -1 when
 * it is not one. */
static double iso_secs(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    double frac = 0;
    int n = 0;
    if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                     &tm.tm_sec, &n) != 6)
        return -1;
    if (s[n] == '.') frac = strtod(s + n, NULL);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (double)timegm(&tm) + frac;
}

/* "YYYY-MM-DD HH:MM UTC" (with_time) or "YYYY-MM-DD, Weekday" for epoch seconds. */
static void put_time(rb_buf *b, double t, int with_time)
{
    time_t tt = (time_t)t;
    struct tm tm;
    char s[64];
    if (t < 0 || !gmtime_r(&tt, &tm)) {
        buf_adds(b, "?");
        return;
    }
    strftime(s, sizeof s, with_time ? "%Y-%m-%d %H:%M UTC" : "%Y-%m-%d (%A)", &tm);
    buf_adds(b, s);
}

/* A duration as "2h 15m", "43m", "20s". */
static void put_duration(rb_buf *b, double d)
{
    long s = (long)(d + 0.5);
    if (d < 0) {
        buf_adds(b, "?");
    } else if (s < 60) {
        buf_printf(b, "%lds", s);
    } else if (s < 3600) {
        buf_printf(b, "%ldm", s / 60);
    } else {
        buf_printf(b, "%ldh", s / 3600);
        if (s % 3600 / 60) buf_printf(b, " %ldm", s % 3600 / 60);
    }
}

/* User text on one line: `|`, `<`, `>` escaped (Markdown), line breaks as spaces,
 * backquotes as quotes (so it cannot open code), at most CELL_MAX bytes. */
static void put_text(rb_buf *b, const char *s, int markdown)
{
    size_t n = 0;
    for (; s && *s && n < CELL_MAX; s++, n++) {
        if (*s == '\n' || *s == '\r' || *s == '\t') buf_addc(b, ' ');
        else if (*s == '`') buf_addc(b, '\'');
        else if (markdown && *s == '|') buf_adds(b, "\\|");
        else if (markdown && *s == '<') buf_adds(b, "&lt;");
        else if (markdown && *s == '>') buf_adds(b, "&gt;");
        else buf_addc(b, *s);
    }
    if (s && *s) buf_adds(b, "…");
}

static double run_time(const rv *v, const char *k) { return iso_secs(sget(v->run, k)); }

/* The epoch seconds of an event, -1 when unknown. */
static double ev_time(json_t *ev) { return iso_secs(sget(ev, "t")); }

/* The value of the last `state` event of field `field` (a string), or NULL. */
static const char *last_state(const rv *v, const char *field)
{
    const char *val = NULL;
    size_t i;
    json_t *ev;
    json_array_foreach(v->events, i, ev) {
        if (is_kind(ev, "state") && dstr(ev, "field") && strcmp(dstr(ev, "field"), field) == 0) {
            const char *to = dstr(ev, "to");
            if (to) val = to;
        }
    }
    return val;
}

/* The answer to the last prompt with this key, or NULL. */
static const char *answer_for(const rv *v, const char *key)
{
    const char *val = NULL;
    size_t i;
    json_t *ev;
    json_array_foreach(v->events, i, ev) {
        if (is_kind(ev, "answer") && dstr(ev, "key") && strcmp(dstr(ev, "key"), key) == 0) val = dstr(ev, "answer");
    }
    return val;
}

/* 5 business days (Monday–Friday) after t, at the same time of day. */
static double business_days_after(double t, int days)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm)) return -1;
    int wday = tm.tm_wday;
    double out = t;
    while (days > 0) {
        out += 86400;
        wday = (wday + 1) % 7;
        if (wday != 0 && wday != 6) days--;
    }
    return out;
}

/* The person a notify note reached ("[sent] page to WHO (…" and the like) into who. */
static int notified_who(json_t *ev, char *who, size_t size)
{
    const char *t = sget(ev, "text"), *p, *end;
    if (!is_kind(ev, "note") || !t || t[0] != '[') return 0;
    if (!(p = strstr(t, "] page to ")) && !(p = strstr(t, "] message to "))) return 0;
    p = strstr(p, " to ") + 4;
    if (!(end = strstr(p, " ("))) return 0;
    snprintf(who, size, "%.*s", (int)(end - p), p);
    return 1;
}

/* ------------------------------------------------------------------ sections */

static void sec_meeting(const rv *v)
{
    rb_buf *b = v->out;
    double resolved = run_time(v, "resolved_at"), ended = run_time(v, "ended_at");
    buf_adds(b, "\n## Meeting\n\n");
    if (resolved < 0) {
        buf_adds(b, "- **When**: the incident is not resolved in this run: schedule the review within 48 hours of "
                    "its resolution, and at the latest within 5 business days of its closure.\n");
    } else {
        buf_adds(b, "- **When**: within 48 hours of the resolution, by ");
        put_time(b, resolved + 48 * 3600, 1);
        buf_adds(b, " (post-mortem, \"Incident Response Procedures\"); at the latest within 5 business days of "
                    "closure, by ");
        put_time(b, business_days_after(ended >= 0 ? ended : resolved, 5), 0);
        buf_adds(b, " (\"Incident Management Procedure\" 8.1)\n");
    }
    buf_adds(b, "- **Duration**: 60–90 minutes\n"
                "- **Facilitator**: the incident manager, or an external facilitator\n"
                "- **Culture**: blameless — systems and processes, not individuals\n");
}

/* Each distinct string once, in first-seen order. */
static void add_unique(json_t *list, const char *s)
{
    size_t i;
    json_t *x;
    json_array_foreach(list, i, x) {
        if (strcmp(json_string_value(x), s) == 0) return;
    }
    json_array_append_new(list, json_string(s));
}

static void put_list(rb_buf *b, const char *label, json_t *list)
{
    size_t i;
    json_t *x;
    if (json_array_size(list) == 0) return;
    buf_printf(b, "- %s: ", label);
    json_array_foreach(list, i, x) {
        if (i) buf_adds(b, ", ");
        put_text(b, json_string_value(x), 1);
    }
    buf_adds(b, "\n");
}

static void sec_attendees(const rv *v)
{
    rb_buf *b = v->out;
    json_t *roles = json_array(), *acted = json_array(), *told = json_array();
    const char *user = sget(v->run, "user");
    char line[512];
    size_t i;
    json_t *ev;
    json_array_foreach(v->events, i, ev) {
        const char *field = dstr(ev, "field");
        if (is_kind(ev, "state") && field && dstr(ev, "to") &&
            (strcmp(field, "commander") == 0 || strncmp(field, "roles.", 6) == 0)) {
            snprintf(line, sizeof line, "%s %s", strcmp(field, "commander") == 0 ? "incident commander" : field + 6,
                     dstr(ev, "to"));
            add_unique(roles, line);
        } else if (is_kind(ev, "approval") && dstr(ev, "by")) {
            snprintf(line, sizeof line, "%s (%s%s%s)", dstr(ev, "by"), dstr(ev, "decision") ? dstr(ev, "decision") : "decided",
                     dstr(ev, "role") ? " as " : "", dstr(ev, "role") ? dstr(ev, "role") : "");
            add_unique(acted, line);
        } else if (notified_who(ev, line, sizeof line)) {
            add_unique(told, line);
        }
    }
    buf_adds(b, "\n## Attendees\n\n");
    put_list(b, "The incident's roles", roles);
    buf_adds(b, "- Ran the runbook: ");
    put_text(b, user ? user : "?", 1);
    buf_adds(b, "\n");
    put_list(b, "Decided approvals", acted);
    put_list(b, "Told during the incident", told);
    buf_adds(b, "- Always: the incident response team, the owners of the affected systems, the engineering lead, "
                "management\n");
    json_decref(roles);
    json_decref(acted);
    json_decref(told);
}

/* The run's MTTA / MTTR line against its targets: "12m (target 1h: met)". */
static void put_metric(const rv *v, const char *at_key, const char *target_key)
{
    rb_buf *b = v->out;
    double start = run_time(v, "started_at"), at = run_time(v, at_key), target = -1;
    nget(v->run, target_key, &target);
    if (at < 0 || start < 0) {
        buf_adds(b, "not reached in this run");
    } else {
        put_duration(b, at - start);
    }
    if (target >= 0) {
        buf_adds(b, " (target ");
        put_duration(b, target);
        buf_adds(b, at < 0 ? ")" : at - start <= target ? ": met)" : ": missed)");
    }
}

static void agenda_facts(const rv *v)
{
    rb_buf *b = v->out;
    int missed = 0, failed_cmds = 0, failed_steps = 0;
    size_t i;
    json_t *ev;
    buf_adds(b, "2. **What went well** (20 minutes) — effective actions, good communication, successful recovery\n"
                "   - Acknowledged in ");
    put_metric(v, "acknowledged_at", "respond_within_s");
    buf_adds(b, "; resolved in ");
    put_metric(v, "resolved_at", "resolve_within_s");
    buf_adds(b, "\n3. **What went wrong** (30 minutes) — detection delays, communication failures, technical "
                "issues, process breakdowns\n");
    json_array_foreach(v->events, i, ev) {
        if (is_kind(ev, "deadline.missed")) {
            buf_adds(b, "   - ");
            put_text(b, sget(ev, "text"), 1);
            buf_adds(b, "\n");
            missed++;
        } else if (is_kind(ev, "sh.end")) {
            json_t *x = json_object_get(data_of(ev), "exit");
            if (json_is_integer(x) && json_integer_value(x) != 0) failed_cmds++;
        } else if (is_kind(ev, "step.end") && dstr(ev, "outcome") && strcmp(dstr(ev, "outcome"), "failed") == 0) {
            failed_steps++;
        }
    }
    if (!missed) buf_adds(b, "   - No deadline was missed.\n");
    buf_printf(b, "   - %d command(s) exited non-zero; %d step(s) failed.\n", failed_cmds, failed_steps);
}

static void sec_agenda(const rv *v)
{
    rb_buf *b = v->out;
    const char *title = sget(v->run, "title"), *root = answer_for(v, "root_cause");
    buf_adds(b, "\n## Agenda\n\n1. **Incident overview** (10 minutes) — summary, timeline review, impact assessment: ");
    put_text(b, title ? title : "?", 1);
    buf_adds(b, "\n");
    agenda_facts(v);
    buf_adds(b, "4. **Root cause analysis** (20 minutes) — primary root cause, contributing factors, systemic "
                "issues\n   - Recorded during the incident: ");
    put_text(b, root ? root : "none yet", 1);
    buf_printf(b, "\n5. **Action items** (10 minutes) — immediate fixes, long-term improvements, process updates, "
                  "training needs (the follow-ups below)\n");
}

/* One line of the report's timeline, "HH:MM UTC - text", when the event belongs there. */
static void timeline_line(const rv *v, json_t *ev)
{
    rb_buf *b = v->out;
    const char *k = kind_of(ev), *field = dstr(ev, "field");
    char who[256];
    int keep = strcmp(k, "timeline") == 0 || strcmp(k, "escalation") == 0 || strcmp(k, "deadline.missed") == 0 ||
               strcmp(k, "approval") == 0 || strcmp(k, "approval.timeout") == 0 || strcmp(k, "run.start") == 0 ||
               strcmp(k, "run.end") == 0 || notified_who(ev, who, sizeof who) ||
               (strcmp(k, "state") == 0 && field &&
                (strcmp(field, "status") == 0 || strcmp(field, "severity") == 0 || strcmp(field, "acknowledged") == 0));
    if (!keep) return;
    time_t tt = (time_t)ev_time(ev);
    struct tm tm;
    char s[32] = "??:??";
    if (ev_time(ev) >= 0 && gmtime_r(&tt, &tm)) strftime(s, sizeof s, "%H:%M", &tm);
    buf_printf(b, "%s UTC - ", s);
    put_text(b, sget(ev, "text") ? sget(ev, "text") : k, 0);
    buf_adds(b, "\n");
}

static void report_decisions(const rv *v)
{
    rb_buf *b = v->out;
    size_t i;
    json_t *ev, *prompt = NULL;
    int n = 0;
    buf_adds(b, "\nDECISIONS:\n");
    json_array_foreach(v->events, i, ev) {
        if (is_kind(ev, "prompt")) prompt = ev;
        const char *pk = prompt ? dstr(prompt, "kind") : NULL;
        int decision = is_kind(ev, "answer") && pk && (strcmp(pk, "choose") == 0 || strcmp(pk, "confirm") == 0);
        if (!decision && !is_kind(ev, "approval") && !is_kind(ev, "approval.timeout")) continue;
        buf_adds(b, "- ");
        put_text(b, sget(ev, "text"), 0);
        if (is_kind(ev, "approval") && dstr(ev, "by")) {
            buf_adds(b, " [by ");
            put_text(b, dstr(ev, "by"), 0);
            buf_adds(b, "]");
        } else if (decision && dstr(ev, "source")) {
            buf_printf(b, " [%s]", dstr(ev, "source"));
        }
        buf_adds(b, "\n");
        n++;
    }
    if (!n) buf_adds(b, "- none recorded\n");
}

static void report_commands(const rv *v)
{
    rb_buf *b = v->out;
    size_t i;
    json_t *ev;
    int n = 0, reads = 0;
    buf_adds(b, "\nRESOLUTION (the commands that changed things, in order):\n");
    json_array_foreach(v->events, i, ev) {
        if (!is_kind(ev, "sh.start")) continue;
        if (json_is_true(json_object_get(data_of(ev), "readonly"))) {
            reads++;
            continue;
        }
        json_t *end = NULL;
        for (size_t j = i + 1; j < json_array_size(v->events) && !end; j++) {
            json_t *e = json_array_get(v->events, j);
            if (is_kind(e, "sh.end") && dstr(e, "command") && dstr(ev, "command") &&
                strcmp(dstr(e, "command"), dstr(ev, "command")) == 0)
                end = e;
        }
        buf_adds(b, "- ");
        put_text(b, dstr(ev, "command"), 0);
        if (end && json_is_integer(json_object_get(data_of(end), "exit")))
            buf_printf(b, " (exit %lld)", (long long)json_integer_value(json_object_get(data_of(end), "exit")));
        buf_adds(b, "\n");
        n++;
    }
    if (!n) buf_adds(b, "- none\n");
    buf_printf(b, "- (and %d read-only command(s) of the investigation)\n", reads);
}

static const char *resolution_summary(const rv *v)
{
    const char *s = NULL;
    size_t i;
    json_t *ev;
    int after_resolve = 0;
    json_array_foreach(v->events, i, ev) {
        if (is_kind(ev, "state") && dstr(ev, "field") && strcmp(dstr(ev, "field"), "resolved") == 0) {
            after_resolve = 1;
        } else if (after_resolve && is_kind(ev, "timeline")) {
            return sget(ev, "text");
        }
    }
    return s;
}

static void sec_report(const rv *v)
{
    rb_buf *b = v->out;
    const char *sev = last_state(v, "severity"), *status = sget(v->run, "status"), *summary = resolution_summary(v);
    const char *root = answer_for(v, "root_cause");
    if (!sev) sev = sget(v->run, "severity");
    buf_adds(b, "\n## Incident report\n\n```text\nIncident ID: ");
    put_text(b, sget(v->run, "incident") ? sget(v->run, "incident") : "?", 0);
    buf_adds(b, "\nDate/Time: ");
    put_time(b, run_time(v, "started_at"), 1);
    buf_adds(b, " - ");
    put_time(b, run_time(v, "resolved_at") >= 0 ? run_time(v, "resolved_at") : run_time(v, "ended_at"), 1);
    buf_printf(b, "\nSeverity: %s (%s)\nStatus: %s\n\nSUMMARY:\n", sev && strlen(sev) == 2 ? sev + 1 : "?", sev ? sev : "?",
               run_time(v, "resolved_at") >= 0 ? "Resolved" : status && strcmp(status, "running") == 0 ? "In Progress" : "Open");
    put_text(b, sget(v->run, "title") ? sget(v->run, "title") : "?", 0);
    buf_adds(b, ". ");
    put_text(b, summary ? summary : "Not resolved in this run.", 0);
    buf_adds(b, "\nTime to acknowledge (MTTA): ");
    put_metric(v, "acknowledged_at", "respond_within_s");
    buf_adds(b, "\nTime to resolve (MTTR): ");
    put_metric(v, "resolved_at", "resolve_within_s");
    buf_adds(b, "\n\nTIMELINE:\n");
    size_t i;
    json_t *ev;
    json_array_foreach(v->events, i, ev) timeline_line(v, ev);
    report_decisions(v);
    buf_adds(b, "\nROOT CAUSE:\n");
    put_text(b, root ? root : "[to be established at the review]", 0);
    buf_adds(b, "\n");
    report_commands(v);
    buf_adds(b, "\nBUSINESS IMPACT:\n[quantified impact on users, revenue, reputation: to be completed]\n"
                "\nLESSONS LEARNED:\n[to be written at the review]\n\nFOLLOW-UP ACTIONS:\n");
    int n = 0;
    json_array_foreach(v->events, i, ev) {
        if (!is_kind(ev, "action_item")) continue;
        buf_adds(b, "- [ ] ");
        put_text(b, dstr(ev, "text"), 0);
        buf_adds(b, " [Owner: ");
        put_text(b, dstr(ev, "owner") ? dstr(ev, "owner") : "?", 0);
        buf_adds(b, "] [Due: ");
        put_text(b, dstr(ev, "due") ? dstr(ev, "due") : "?", 0);
        buf_adds(b, "]\n");
        n++;
    }
    if (!n) buf_adds(b, "- none recorded\n");
    buf_adds(b, "```\n");
}

static void write_pack(const rv *v)
{
    rb_buf *b = v->out;
    const char *clock = sget(v->run, "clock");
    buf_adds(b, "# Post-incident review: ");
    put_text(b, sget(v->run, "incident") ? sget(v->run, "incident") : "?", 1);
    buf_adds(b, " — ");
    put_text(b, sget(v->run, "title") ? sget(v->run, "title") : "?", 1);
    buf_printf(b, "\n\n_Review pack written by `runbook report --format review` from the record of run %lld. "
                  "Times are UTC%s._\n",
               (long long)json_integer_value(json_object_get(v->run, "id")),
               clock && strcmp(clock, "virtual") == 0 ? " on the run's virtual clock" : "");
    sec_meeting(v);
    sec_attendees(v);
    sec_agenda(v);
    sec_report(v);
    buf_adds(b, "\n## Minutes\n\n_Taken at the meeting: who attended, what was agreed for each agenda item, the "
                "owner and due date of each new action item._\n");
}

int report_review(recorder *r, const char *spec)
{
    int64_t id;
    if (rec_find_run(r, spec, &id) != 0) {
        fprintf(stderr, "runbook report: %s\n", rec_error(r));
        return EXIT_USAGE;
    }
    json_t *run = rec_run_json(r, id), *events = run ? rec_events_json(r, id) : NULL;
    if (!run || !events) {
        fprintf(stderr, "runbook report: %s\n", rec_error(r));
        json_decref(run);
        json_decref(events);
        return EXIT_DB;
    }
    rb_buf out;
    buf_init(&out);
    rv v = {run, events, &out};
    write_pack(&v);
    fwrite(out.data ? out.data : "", 1, out.len, stdout);
    buf_free(&out);
    json_decref(run);
    json_decref(events);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "runbook report: cannot write the report\n");
        return EXIT_FAILED;
    }
    return EXIT_OK;
}
