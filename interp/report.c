/*
 * report.c — reading runs back for people and programs: `runbook runs` and `runbook report`.
 *
 * Owns the table of `runs`, the documents of `runs --format json` and `report --format
 * json` (cli.md's contract), and the Markdown post-mortem draft of `report --format md`
 * (the default), laid out like the post-mortem template responders already know: incident
 * summary, a UTC timeline, decisions, commands run, escalations and notifications, missed
 * deadlines, MTTA/MTTR against the header's targets, placeholders for what only people can
 * write (impact, root cause, what went well, lessons), and the action items.
 *
 * It reads the record only through record.h and never writes to it, never executes
 * anything from a runbook, and never tries to recover a redacted secret: the record is
 * shown as it is, with Markdown escaped so that user text cannot break a table or inject
 * HTML.  The draft is a function of the record alone (no clock, locale or environment):
 * the same run gives the same bytes, except that the recorder decides whether a run whose
 * process has gone is "interrupted".  Stored data that is not what a kind promises (a
 * hand-edited row, a field missing) is shown as "?" rather than trusted.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <jansson.h>
#include "cli.h"
#include "evjson.h"
#include "clock.h"
#include "record.h"
#include "util.h"

/* Shared parsing for runs/report: --format X and --db PATH; positional args into pos. */
static int read_opts(int argc, char **argv, const char *cmd, const char *formats, const char **fmt, const char **db,
                     const char **pos, int maxpos, int *npos)
{
    int missing = 0;
    const char *v;
    *npos = 0;
    for (int i = 1; i < argc; i++) {
        missing = 0;
        if ((v = cli_opt_value(argc, argv, &i, "--format", &missing))) {
            char want[64];
            snprintf(want, sizeof want, "|%s|", v);
            if (!strstr(formats, want)) {
                fprintf(stderr, "runbook %s: --format takes one of %s\n", cmd, formats);
                return -1;
            }
            *fmt = v;
        } else if ((v = cli_opt_value(argc, argv, &i, "--db", &missing))) {
            *db = v;
        } else if (missing || (argv[i][0] == '-' && argv[i][1])) {
            fprintf(stderr, missing ? "runbook %s: %s needs a value\n" : "runbook %s: unknown option '%s'\n", cmd, argv[i]);
            return -1;
        } else if (*npos < maxpos) {
            pos[(*npos)++] = argv[i];
        } else {
            fprintf(stderr, "runbook %s: unexpected argument '%s'\n", cmd, argv[i]);
            return -1;
        }
    }
    return 0;
}

static void print_json(json_t *j)
{
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (s) {
        puts(s);
        free(s);
    }
}

static const char *jstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "-";
}

/* `runbook runs [--format text|json] [--db PATH]`: every run, newest first, on stdout.
 * Returns 0, 2 for a usage error, 3 when the database cannot be opened or read. */
/* A run's length as people say it at a glance: 12s, 47m, 1h 12m, 2d 3h. */
static void human_duration(char *buf, size_t n, double secs)
{
    long long s = secs > 0 ? llround(secs) : 0;
    if (s < 60) snprintf(buf, n, "%llds", s);
    else if (s < 3600) snprintf(buf, n, "%lldm", s / 60);
    else if (s < 86400) snprintf(buf, n, "%lldh %lldm", s / 3600, s % 3600 / 60);
    else snprintf(buf, n, "%lldd %lldh", s / 86400, s % 86400 / 3600);
}

int cmd_runs(int argc, char **argv)
{
    const char *fmt = "text", *db = getenv("RUNBOOK_DB"), *pos[1];
    int npos;
    if (read_opts(argc, argv, "runs", "|text|json|", &fmt, &db, pos, 0, &npos) != 0) return EXIT_USAGE;
    recorder *r = cli_open_db(db);
    if (!r) return EXIT_DB;
    json_t *runs = rec_runs_json(r);
    if (!runs) {
        fprintf(stderr, "runbook runs: %s\n", rec_error(r));
        rec_close(r);
        return EXIT_DB;
    }
    if (strcmp(fmt, "json") == 0) {
        print_json(runs);
    } else {
        printf("%-5s %-18s %-12s %-4s %-20s %9s  %s\n", "RUN", "INCIDENT", "STATUS", "SEV", "STARTED", "DURATION",
               "RUNBOOK");
        size_t i;
        json_t *run;
        json_array_foreach(runs, i, run) {
            char started[20];
            snprintf(started, sizeof started, "%s", jstr(run, "started_at"));   /* to the second */
            char dur[24];
            human_duration(dur, sizeof dur, json_number_value(json_object_get(run, "duration_s")));
            printf("%-5lld %-18s %-12s %-4s %-20s %9s  %s\n",
                   (long long)json_integer_value(json_object_get(run, "id")), jstr(run, "incident"), jstr(run, "status"),
                   jstr(run, "severity"), started, dur, jstr(run, "runbook"));
        }
    }
    json_decref(runs);
    rec_close(r);
    return EXIT_OK;
}

/* ------------------------------------------------------------------ reading the record */

/* A database that does not exist is not created by a command that only reads: exit 3. */
static recorder *open_existing_db(const char *db, const char *cmd)
{
    char *path = db && *db ? rb_xstrdup(db) : rec_default_path();
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "runbook %s: no recording database at %s (use --db PATH or RUNBOOK_DB)\n", cmd, path);
        rb_free(path);
        return NULL;
    }
    recorder *r = cli_open_db(path);
    rb_free(path);
    return r;
}

/* The run object and its events for spec; exit status EXIT_OK or why not (message printed). */
static int load_run(recorder *r, const char *spec, json_t **run, json_t **events)
{
    int64_t id;
    *run = *events = NULL;
    if (rec_find_run(r, spec, &id) != 0) {
        fprintf(stderr, "runbook report: %s\n", rec_error(r));
        return EXIT_USAGE;
    }
    *run = rec_run_json(r, id);
    *events = *run ? rec_events_json(r, id) : NULL;
    if (!*run || !*events) {
        fprintf(stderr, "runbook report: %s\n", rec_error(r));
        json_decref(*run);
        json_decref(*events);
        *run = *events = NULL;
        return EXIT_DB;
    }
    return EXIT_OK;
}

/* `report --format json`: cli.md's {run, events, action_items}; consumes run and events. */
static void report_json(json_t *run, json_t *events)
{
    json_t *items = json_array();
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev) {
        if (strcmp(jstr(ev, "kind"), "action_item") == 0) {
            json_t *d = json_object_get(ev, "data");
            json_array_append_new(items, json_pack("{s:O?, s:O?, s:O?, s:O}", "text", json_object_get(d, "text"), "owner",
                                                   json_object_get(d, "owner"), "due", json_object_get(d, "due"),
                                                   "seq", json_object_get(ev, "seq")));
        }
    }
    json_object_del(run, "source");
    json_t *doc = json_pack("{s:o, s:o, s:o}", "run", run, "events", events, "action_items", items);
    print_json(doc);
    json_decref(doc);
}

/* ------------------------------------------------------------------ the Markdown draft */

#define NONE ((size_t)-1)
#define CELL_MAX 240 /* bytes of a command, question or answer shown in one table cell */

/* One draft being written.  end[i] is the event that finishes event i (its sh.end, answer
 * or http.response), NONE when none does; is_end[j] marks such finishing events, which
 * are shown together with the event they finish. */
typedef struct pm {
    json_t *run, *events; /* borrowed */
    size_t n;
    size_t *end;
    unsigned char *is_end;
    const char *user;     /* who ran it, from the run row */
    char date[11];        /* the run's start date YYYY-MM-DD, "" when unknown */
    int virtual_clock;    /* the run's times are virtual: actions took none of them */
    rb_buf *out;
} pm;

static json_t *ev_at(const pm *p, size_t i) { return json_array_get(p->events, i); }


/* Commands, questions and HTTP requests happen one at a time in a run, so the next event
 * of the same family after a start is its finish, if it is of the finishing kind. */
static const struct {
    const char *start, *finish;
} families[] = {{"sh.start", "sh.end"}, {"prompt", "answer"}, {"http.request", "http.response"}};
#define NFAMILIES (sizeof families / sizeof *families)

static size_t next_of(const pm *p, size_t i, const char *a, const char *b)
{
    for (size_t j = i + 1; j < p->n; j++)
        if (is_kind(ev_at(p, j), a) || is_kind(ev_at(p, j), b)) return j;
    return NONE;
}

static void pair_events(pm *p)
{
    for (size_t i = 0; i < p->n; i++) p->end[i] = NONE;
    for (size_t i = 0; i < p->n; i++) {
        for (size_t f = 0; f < NFAMILIES; f++) {
            if (!is_kind(ev_at(p, i), families[f].start)) continue;
            size_t j = next_of(p, i, families[f].start, families[f].finish);
            if (j != NONE && is_kind(ev_at(p, j), families[f].finish)) {
                p->end[i] = j;
                p->is_end[j] = 1;
            }
        }
    }
}

/* How many bytes of s to show under a cap of max bytes (0: no cap), cut at a character
 * boundary of UTF-8. */
static size_t shown_len(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (max == 0 || n <= max) return n;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80) max--;
    return max;
}

/* s as Markdown inline text: the characters Markdown acts on are backslash-escaped (a `|`
 * cannot end a table cell, a `<` cannot start HTML), a newline becomes <br>, other control
 * characters a space.  At most max bytes (0: all), then "…". */
static void md_text(rb_buf *b, const char *s, size_t max)
{
    size_t n = shown_len(s, max);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\r') continue;
        if (c == '\n') buf_adds(b, "<br>");
        else if (c < 0x20 || c == 0x7f) buf_addc(b, ' ');
        else {
            if (strchr("\\`*_[]<>|&~", c)) buf_addc(b, '\\');
            buf_addc(b, (char)c);
        }
    }
    if (n < strlen(s)) buf_adds(b, "…");
}

/* s as a code span, fenced with one backtick more than the longest run inside it.  In a
 * table cell (table != 0) a `|` is written `\|`, which GFM tables read as a plain bar. */
static void md_code(rb_buf *b, const char *s, size_t max, int table)
{
    size_t n = shown_len(s, max), run = 0, longest = 0;
    if (n == 0) {
        buf_adds(b, "(empty)");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        run = s[i] == '`' ? run + 1 : 0;
        if (run > longest) longest = run;
    }
    int pad = s[0] == '`' || s[0] == ' ' || s[n - 1] == '`' || s[n - 1] == ' ';
    for (size_t k = 0; k <= longest; k++) buf_addc(b, '`');
    if (pad) buf_addc(b, ' ');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n') buf_adds(b, " ↵ ");
        else if (c < 0x20 || c == 0x7f) buf_addc(b, ' ');
        else if (c == '|' && table) buf_adds(b, "\\|");
        else buf_addc(b, (char)c);
    }
    if (pad) buf_addc(b, ' ');
    for (size_t k = 0; k <= longest; k++) buf_addc(b, '`');
    if (n < strlen(s)) buf_adds(b, "…");
}

/* A duration for people: 250ms, 4.2s, 15m, 1h 2m 5s, 2d 3h.  From a minute on, whole seconds
 * are truncated like the clock columns, so a duration and the times it spans agree. */
static void fmt_duration(rb_buf *b, double d)
{
    if (!isfinite(d) || d < 0 || d > 1e11) {
        buf_adds(b, "?");
        return;
    }
    if (d < 1) {
        buf_printf(b, "%lldms", (long long)llround(d * 1000));
        return;
    }
    if (d < 60) {
        buf_printf(b, "%.1fs", d);
        return;
    }
    long long s = (long long)floor(d), part[4] = {s / 86400, s / 3600 % 24, s / 60 % 60, s % 60};
    static const char unit[] = "dhms";
    int first = 1;
    for (int i = 0; i < 4; i++) {
        if (part[i] == 0 || (i == 3 && part[0] > 0)) continue;
        buf_printf(b, "%s%lld%c", first ? "" : " ", part[i], unit[i]);
        first = 0;
    }
}

/* Time since the start of the run: +MM:SS, or +H:MM:SS from an hour on. */
static void fmt_elapsed(rb_buf *b, json_t *ev)
{
    double x;
    if (nget(ev, "elapsed_s", &x) != 0 || !isfinite(x) || fabs(x) > 1e9) {
        buf_adds(b, "?");
        return;
    }
    long long s = (long long)floor(fabs(x));
    char sign = x < 0 ? '-' : '+';
    if (s >= 3600) buf_printf(b, "%c%lld:%02lld:%02lld", sign, s / 3600, s / 60 % 60, s % 60);
    else buf_printf(b, "%c%02lld:%02lld", sign, s / 60, s % 60);
}

/* HH:MM:SS of an ISO time, with the date in front when it is not the run's start date. */
static void fmt_clock(const pm *p, rb_buf *b, const char *iso)
{
    if (!iso || strlen(iso) < 19) {
        buf_adds(b, "?");
        return;
    }
    if (strncmp(iso, p->date, 10) != 0) buf_printf(b, "%.10s ", iso);
    buf_printf(b, "%.8s", iso + 11);
}

/* Who or what gave an answer: the run's user for people, the runbook for defaults. */
static const char *answered_by(const pm *p, const char *source)
{
    if (source && (strcmp(source, "default") == 0 || strcmp(source, "auto") == 0)) return "runbook";
    return p->user;
}

static const char *source_label(const char *source)
{
    if (!source) return "?";
    if (strcmp(source, "answers") == 0) return "answers file";
    if (strcmp(source, "auto") == 0) return "--auto";
    return source;
}

/* A JSON value as it reads in a sentence: strings bare, anything else as JSON. */
static void md_value(rb_buf *b, json_t *v)
{
    if (json_is_string(v)) {
        md_text(b, json_string_value(v), CELL_MAX);
        return;
    }
    char *s = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    md_text(b, s ? s : "?", CELL_MAX);
    free(s);
}

/* ---- one line per event: the timeline's wording, reused by the other sections */

static void d_answer_tail(const pm *p, json_t *ans, json_t *asked, rb_buf *b)
{
    const char *src = dstr(ans, "source");
    double t0, t1;
    buf_adds(b, " → **");
    md_text(b, dstr(ans, "answer") ? dstr(ans, "answer") : "?", CELL_MAX);
    buf_adds(b, "**");
    if (src && (strcmp(src, "default") == 0 || strcmp(src, "auto") == 0)) buf_printf(b, " (%s)", source_label(src));
    else {
        buf_adds(b, " (");
        md_text(b, p->user, 0);
        buf_printf(b, ", %s)", source_label(src));
    }
    if (asked && nget(asked, "elapsed_s", &t0) == 0 && nget(ans, "elapsed_s", &t1) == 0 && t1 - t0 >= 1) {
        buf_adds(b, ", after ");
        fmt_duration(b, t1 - t0);
    }
}

static void d_question(json_t *ev, rb_buf *b)
{
    const char *q = dstr(ev, "question");
    buf_adds(b, "“");
    md_text(b, q ? q : sget(ev, "text") ? sget(ev, "text") : "?", CELL_MAX);
    buf_adds(b, "”");
}

static void d_prompt(const pm *p, size_t i, rb_buf *b)
{
    json_t *ev = ev_at(p, i);
    buf_adds(b, "Asked ");
    d_question(ev, b);
    if (p->end[i] == NONE) buf_adds(b, ": **no answer recorded**");
    else d_answer_tail(p, ev_at(p, p->end[i]), ev, b);
}

static void d_answer(const pm *p, size_t i, rb_buf *b)
{
    buf_adds(b, "Answered ");
    d_question(ev_at(p, i), b);
    d_answer_tail(p, ev_at(p, i), NULL, b);
}

/* The outcome of a command from its sh.end (NULL: none recorded). */
static void sh_outcome(json_t *end, rb_buf *b)
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
static int cmd_duration(const pm *p, json_t *start, json_t *end, double *d)
{
    double t0, t1;
    if (!p->virtual_clock) return nget(data_of(end), "duration_s", d);
    if (!start || nget(start, "elapsed_s", &t0) != 0 || nget(end, "elapsed_s", &t1) != 0) return -1;
    *d = t1 - t0;
    return 0;
}

static void d_sh(const pm *p, size_t i, rb_buf *b)
{
    json_t *ev = ev_at(p, i), *end = p->end[i] == NONE ? NULL : ev_at(p, p->end[i]), *ed = data_of(end);
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
    sh_outcome(end, b);
    if (cmd_duration(p, ev, end, &d) == 0) {
        buf_adds(b, timed_out ? " after " : " in ");
        fmt_duration(b, d);
    }
}

static void d_sh_end(const pm *p, size_t i, rb_buf *b)
{
    json_t *ev = ev_at(p, i);
    buf_adds(b, "Command ");
    md_code(b, dstr(ev, "command") ? dstr(ev, "command") : "?", CELL_MAX, 1);
    buf_adds(b, " ended → exit ");
    sh_outcome(ev, b);
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

static void d_http(const pm *p, size_t i, rb_buf *b)
{
    http_line(ev_at(p, i), b);
    if (p->end[i] == NONE) buf_adds(b, ": **no response recorded**");
    else http_status(ev_at(p, p->end[i]), b);
}

static void d_http_response(const pm *p, size_t i, rb_buf *b)
{
    buf_adds(b, "Response to ");
    http_line(ev_at(p, i), b);
    http_status(ev_at(p, i), b);
}

static void d_state(const pm *p, size_t i, rb_buf *b)
{
    json_t *d = data_of(ev_at(p, i));
    const char *f = sget(d, "field");
    if (f && (strcmp(f, "acknowledged") == 0 || strcmp(f, "resolved") == 0) && json_is_true(json_object_get(d, "to"))) {
        buf_printf(b, "**Incident %s**", f);
        return;
    }
    buf_adds(b, "State: ");
    md_text(b, f ? f : "?", 64);
    buf_addc(b, ' ');
    md_value(b, json_object_get(d, "from"));
    buf_adds(b, " → ");
    md_value(b, json_object_get(d, "to"));
}

static void d_params(const pm *p, size_t i, rb_buf *b)
{
    json_t *d = data_of(ev_at(p, i)), *v;
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

static void d_run_start(const pm *p, size_t i, rb_buf *b)
{
    const char *sev = dstr(ev_at(p, i), "severity"), *host = sget(p->run, "host");
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

static void d_run_end(const pm *p, size_t i, rb_buf *b)
{
    const char *st = dstr(ev_at(p, i), "status");
    buf_adds(b, "**Run ended**: ");
    md_text(b, st ? st : sget(ev_at(p, i), "text") ? sget(ev_at(p, i), "text") : "?", 64);
}

/* Whether the step.end at i ends a rollback (it follows a rollback.start of the same
 * rollback: the recorder writes rollback.start, the body's events, step.end, rollback.end). */
static int ends_rollback(const pm *p, size_t i)
{
    for (size_t j = i; j-- > 0;) {
        json_t *ev = ev_at(p, j);
        if (is_kind(ev, "rollback.start")) return 1;
        if (is_kind(ev, "rollback.end") || is_kind(ev, "step.start") || is_kind(ev, "step.end")) return 0;
    }
    return 0;
}

static void d_step_end(const pm *p, size_t i, rb_buf *b)
{
    const char *o = dstr(ev_at(p, i), "outcome");
    int ok = o && strcmp(o, "ok") == 0;
    buf_adds(b, ends_rollback(p, i) ? "Rollback ended: " : "Step ended: ");
    if (!ok) buf_adds(b, "**");
    md_text(b, o ? o : "?", 64);
    if (!ok) buf_adds(b, "**");
}

static void d_action_item(const pm *p, size_t i, rb_buf *b)
{
    json_t *ev = ev_at(p, i);
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
static void d_missed(const pm *p, size_t i, rb_buf *b)
{
    const char *t = sget(ev_at(p, i), "text");
    buf_adds(b, "**Missed**: ");
    md_text(b, t && *t ? t : "a deadline", CELL_MAX);
}

typedef void (*describe_fn)(const pm *p, size_t i, rb_buf *b);
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

/* The sentence for event i.  0 when it is a finishing event shown with its start. */
static int describe(const pm *p, size_t i, rb_buf *b)
{
    json_t *ev = ev_at(p, i);
    const char *k = kind_of(ev), *text = sget(ev, "text");
    if (p->is_end[i]) return 0;
    for (size_t f = 0; f < sizeof describers / sizeof *describers; f++) {
        if (strcmp(k, describers[f].kind) == 0) {
            describers[f].fn(p, i, b);
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
    return 1;
}

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
    fmt_clock(p, p->out, sget(ev, "t"));
    buf_adds(p->out, " | ");
    put_step_cell(p, ev);
    buf_adds(p->out, " | ");
}

static void none_recorded(const pm *p, int rows)
{
    if (rows == 0) buf_adds(p->out, "_None recorded._\n");
}

static void sec_timeline(const pm *p)
{
    rb_buf line;
    buf_init(&line);
    buf_adds(p->out, "\n## Timeline (UTC)\n\n| Time | Elapsed | Step | Event |\n| --- | --- | --- | --- |\n");
    for (size_t i = 0; i < p->n; i++) {
        json_t *ev = ev_at(p, i);
        buf_reset(&line);
        if (!describe(p, i, &line)) continue;
        buf_adds(p->out, "| ");
        fmt_clock(p, p->out, sget(ev, "t"));
        buf_adds(p->out, " | ");
        fmt_elapsed(p->out, ev);
        buf_adds(p->out, " | ");
        put_step_cell(p, ev);
        buf_printf(p->out, " | %s |\n", buf_cstr(&line));
    }
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
    md_text(p->out, answered_by(p, src), 0);
    buf_printf(p->out, " | %s |\n", source_label(src));
}

static void sec_decisions(const pm *p)
{
    int rows = 0;
    buf_adds(p->out, "\n## Decisions\n\n");
    for (size_t i = 0; i < p->n; i++) {
        json_t *ev = ev_at(p, i);
        if (!is_decision_prompt(ev) && !is_kind(ev, "decision")) continue;
        if (rows++ == 0)
            buf_adds(p->out, "| Time | Step | Question | Answer | By | Source |\n"
                             "| --- | --- | --- | --- | --- | --- |\n");
        row_start(p, ev);
        if (is_kind(ev, "decision")) {
            buf_adds(p->out, "_(the runbook decided)_ | ");
            decision_tail(p, ev);
            continue;
        }
        if (strcmp(dstr(ev, "kind"), "checklist") == 0) buf_adds(p->out, "checklist: ");
        d_question(ev, p->out);
        buf_adds(p->out, " | ");
        decision_tail(p, p->end[i] == NONE ? NULL : ev_at(p, p->end[i]));
    }
    none_recorded(p, rows);
}

static void command_row(const pm *p, json_t *start, json_t *end, int *failed)
{
    json_t *ev = start ? start : end;
    const char *cmd = dstr(ev, "command");
    double d, x;
    row_start(p, ev);
    md_code(p->out, cmd ? cmd : "?", CELL_MAX, 1);
    buf_adds(p->out, " | ");
    sh_outcome(end, p->out);
    buf_adds(p->out, " | ");
    if (end && cmd_duration(p, start, end, &d) == 0) fmt_duration(p->out, d);
    else buf_adds(p->out, "—");
    buf_adds(p->out, " |\n");
    json_t *ed = data_of(end);
    if (end && !json_is_true(json_object_get(ed, "skipped")) &&
        (json_is_true(json_object_get(ed, "timed_out")) || (nget(ed, "exit", &x) == 0 && x != 0)))
        (*failed)++;
}

#define EXCERPT_HEAD 3
#define EXCERPT_TAIL 2

/* One stream of a command's recorded output: its first and last lines, and what was cut. */
static void output_excerpt(rb_buf *b, const char *label, const char *s, int truncated)
{
    if (!s || !*s) return;
    size_t nlines = 0, len = strlen(s);
    for (size_t i = 0; i < len; i++)
        if (s[i] == '\n' || i + 1 == len) nlines++;
    buf_printf(b, "  %s:\n\n  ~~~~\n", label);
    size_t line = 0, cut_from = EXCERPT_HEAD, cut_to = nlines > EXCERPT_HEAD + EXCERPT_TAIL + 1 ? nlines - EXCERPT_TAIL : 0;
    const char *p = s;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (!cut_to || line < cut_from || line >= cut_to) {
            buf_adds(b, "  ");
            for (size_t i = 0; i < n && i < 300; i++) buf_addc(b, p[i] == '~' && i < 3 ? '-' : p[i]);
            if (n > 300) buf_adds(b, " …");
            buf_addc(b, '\n');
        } else if (line == cut_from) {
            buf_printf(b, "  … %zu lines cut …\n", cut_to - cut_from);
        }
        line++;
        if (!nl) break;
        p = nl + 1;
    }
    buf_adds(b, "  ~~~~\n");
    if (truncated) buf_adds(b, "\n  (the record keeps only the start of this output: it was cut when recorded)\n");
    buf_addc(b, '\n');
}

/* Under the commands table: an excerpt of what each command printed. */
static void output_excerpts(const pm *p)
{
    int shown = 0;
    for (size_t i = 0; i < p->n; i++) {
        json_t *ev = ev_at(p, i), *d = data_of(ev);
        if (!is_kind(ev, "sh.end") || json_is_true(json_object_get(d, "skipped"))) continue;
        const char *out = dstr(ev, "stdout"), *err = dstr(ev, "stderr");
        if ((!out || !*out) && (!err || !*err)) continue;
        if (shown++ == 0)
            buf_printf(p->out, "\n### Output\n\nThe first %d and last %d lines of what each command printed "
                               "(`runbook report --format json` has all of it).\n\n", EXCERPT_HEAD, EXCERPT_TAIL);
        buf_adds(p->out, "- ");
        fmt_elapsed(p->out, ev);
        buf_adds(p->out, " ");
        md_code(p->out, dstr(ev, "command") ? dstr(ev, "command") : "?", CELL_MAX, 0);
        buf_adds(p->out, "\n\n");
        output_excerpt(p->out, "stdout", out, json_is_true(json_object_get(d, "stdout_truncated")));
        output_excerpt(p->out, "stderr", err, json_is_true(json_object_get(d, "stderr_truncated")));
    }
}

static void sec_commands(const pm *p)
{
    int rows = 0, failed = 0, inflight = 0;
    buf_adds(p->out, "\n## Commands run\n\n");
    for (size_t i = 0; i < p->n; i++) {
        json_t *ev = ev_at(p, i);
        int start = is_kind(ev, "sh.start");
        if (!start && !(is_kind(ev, "sh.end") && !p->is_end[i])) continue;
        if (rows++ == 0)
            buf_adds(p->out, "| Time | Step | Command | Exit | Duration |\n| --- | --- | --- | --- | --- |\n");
        json_t *end = !start ? ev : p->end[i] == NONE ? NULL : ev_at(p, p->end[i]);
        if (!end) inflight++;
        command_row(p, start ? ev : NULL, end, &failed);
    }
    none_recorded(p, rows);
    if (failed) buf_printf(p->out, "\n%d of %d commands failed.\n", failed, rows);
    if (inflight) buf_printf(p->out, "\n%d command%s had no recorded end (in flight when the record ends).\n", inflight,
                             inflight == 1 ? "" : "s");
    output_excerpts(p);
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

/* Rows "| time | step | sentence |" for the events pick() selects. */
static void event_table(const pm *p, int (*pick)(json_t *ev))
{
    int rows = 0;
    rb_buf line;
    buf_init(&line);
    for (size_t i = 0; i < p->n; i++) {
        json_t *ev = ev_at(p, i);
        buf_reset(&line);
        if (!pick(ev) || !describe(p, i, &line)) continue;
        if (rows++ == 0) buf_adds(p->out, "| Time | Step | What |\n| --- | --- | --- |\n");
        row_start(p, ev);
        buf_printf(p->out, "%s |\n", buf_cstr(&line));
    }
    buf_free(&line);
    none_recorded(p, rows);
}

static int is_missed_deadline(json_t *ev) { return is_kind(ev, "deadline.missed"); }

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
        fmt_clock(p, p->out, at);
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

static void sec_action_items(const pm *p)
{
    int rows = 0;
    buf_adds(p->out, "\n## Action items\n\n");
    for (size_t i = 0; i < p->n; i++) {
        json_t *ev = ev_at(p, i);
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
    }
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

/* The summary's bucket for the step.end at i: a rollback that went well counts as rolled_back. */
static size_t outcome_index(const pm *p, size_t i)
{
    const char *o = dstr(ev_at(p, i), "outcome");
    if (o && strcmp(o, "ok") == 0 && ends_rollback(p, i)) o = "rolled_back";
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

/* "3 ok, 1 failed (`three`)": step outcomes, with the ids of the steps that did not end ok. */
static void summary_steps(const pm *p)
{
    int shown = 0;
    buf_adds(p->out, "- **Steps**: ");
    for (size_t o = 0; o < NOUTCOMES; o++) {
        int count = 0;
        rb_buf ids;
        buf_init(&ids);
        for (size_t i = 0; i < p->n; i++) {
            json_t *ev = ev_at(p, i);
            if (!is_kind(ev, "step.end") || outcome_index(p, i) != o) continue;
            count++;
            if (o > 0 && sget(ev, "step")) add_step_id(&ids, sget(ev, "step"));
        }
        if (count) {
            buf_printf(p->out, "%s%d %s", shown++ ? ", " : "", count, outcomes[o]);
            if (ids.len) buf_printf(p->out, " (%s)", buf_cstr(&ids));
        }
        buf_free(&ids);
    }
    buf_adds(p->out, shown ? "\n" : "none ran\n");
}

static void summary_severity(const pm *p)
{
    const char *last = sget(p->run, "severity"), *first = NULL;
    for (size_t i = 0; i < p->n && !first; i++)
        if (is_kind(ev_at(p, i), "run.start")) first = dstr(ev_at(p, i), "severity");
    buf_adds(p->out, "- **Severity**: ");
    if (first && last && strcmp(first, last) != 0) {
        md_text(p->out, first, 16);
        buf_adds(p->out, " → ");
    }
    md_text(p->out, last ? last : first ? first : "—", 16);
    buf_adds(p->out, "\n");
}

static void summary_times(const pm *p)
{
    const char *started = sget(p->run, "started_at"), *ended = sget(p->run, "ended_at");
    double d;
    buf_printf(p->out, "- **Date**: %s\n- **Started**: ", p->date[0] ? p->date : "?");
    fmt_clock(p, p->out, started);
    buf_adds(p->out, " UTC\n- **Ended**: ");
    if (ended) {
        fmt_clock(p, p->out, ended);
        buf_adds(p->out, " UTC\n- **Duration**: ");
        if (nget(p->run, "duration_s", &d) == 0) fmt_duration(p->out, d);
        else buf_adds(p->out, "?");
    } else {
        /* No end: the last event bounds the duration, so the draft does not move with the clock. */
        buf_adds(p->out, "— (no end recorded)\n- **Duration**: at least ");
        if (p->n > 0 && nget(ev_at(p, p->n - 1), "elapsed_s", &d) == 0) fmt_duration(p->out, d);
        else buf_adds(p->out, "?");
    }
    buf_adds(p->out, "\n");
}

/* Commands left in flight, named in the summary: the first thing to check after a crash. */
static void summary_in_flight(const pm *p)
{
    for (size_t i = 0; i < p->n; i++) {
        json_t *ev = ev_at(p, i);
        if (!is_kind(ev, "sh.start") || p->end[i] != NONE) continue;
        const char *cmd = dstr(ev, "command"), *step = sget(ev, "step");
        buf_adds(p->out, "- **In flight when the record ends**: ");
        md_code(p->out, cmd ? cmd : "?", CELL_MAX, 0);
        buf_adds(p->out, " (started ");
        fmt_clock(p, p->out, sget(ev, "t"));
        if (step) {
            buf_adds(p->out, " in step ");
            md_code(p->out, step, 64, 0);
        }
        buf_adds(p->out, "; no end recorded)\n");
    }
}

static void sec_summary(const pm *p)
{
    json_t *r = p->run;
    const char *title = sget(r, "title"), *path = sget(r, "runbook"), *sha = sget(r, "sha256"),
               *status = sget(r, "status"), *clock = sget(r, "clock"), *mode = sget(r, "mode"), *host = sget(r, "host");
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
    summary_times(p);
    summary_severity(p);
    buf_adds(p->out, "- **Status**: ");
    md_text(p->out, status ? status : "?", 0);
    buf_adds(p->out, "\n");
    summary_steps(p);
    summary_in_flight(p);
    buf_adds(p->out, "- **Impact**: _TODO: who and what was affected, and for how long_\n"
                     "- **Root cause**: _TODO: the underlying cause, not just the trigger_\n");
}

static void write_draft(const pm *p)
{
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
    event_table(p, is_notification);
    buf_adds(p->out, "\n## Missed deadlines\n\n");
    event_table(p, is_missed_deadline);
    sec_metrics(p);
    sec_placeholders(p);
    sec_action_items(p);
}

/* `report --format md`: the draft on stdout.  Borrows run and events. */
static int report_md(json_t *run, json_t *events)
{
    rb_buf out;
    buf_init(&out);
    pm p = {run, events, json_array_size(events), NULL, NULL, sget(run, "user"), "", 0, &out};
    p.virtual_clock = sget(run, "clock") && strcmp(sget(run, "clock"), "virtual") == 0;
    if (!p.user) p.user = "an unknown user";
    const char *started = sget(run, "started_at");
    if (started && strlen(started) >= 10) snprintf(p.date, sizeof p.date, "%.10s", started);
    p.end = rb_xcalloc(p.n + 1, sizeof *p.end);
    p.is_end = rb_xcalloc(p.n + 1, 1);
    pair_events(&p);
    write_draft(&p);
    fwrite(out.data ? out.data : "", 1, out.len, stdout);
    rb_free(p.end);
    rb_free(p.is_end);
    buf_free(&out);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "runbook report: cannot write the report\n");
        return EXIT_FAILED;
    }
    return EXIT_OK;
}

/* `runbook report RUN [--format md|json] [--db PATH]`: the post-mortem draft (md, the
 * default) or cli.md's JSON document on stdout.  Returns 0, 1 when stdout cannot be
 * written, 2 for a usage error or an unknown RUN, 3 when there is no database or it cannot
 * be read (a missing database is not created).  Never writes the database. */
int cmd_report(int argc, char **argv)
{
    const char *fmt = "md", *db = getenv("RUNBOOK_DB"), *pos[1];
    int npos;
    if (read_opts(argc, argv, "report", "|md|json|", &fmt, &db, pos, 1, &npos) != 0) return EXIT_USAGE;
    if (npos != 1) {
        fprintf(stderr, "usage: runbook report RUN [--format md|json] [--db PATH]\n");
        return EXIT_USAGE;
    }
    recorder *r = open_existing_db(db, "report");
    if (!r) return EXIT_DB;
    json_t *run, *events;
    int rc = load_run(r, pos[0], &run, &events);
    rec_close(r);
    if (rc != EXIT_OK) return rc;
    if (strcmp(fmt, "json") == 0) {
        report_json(run, events); /* consumes both */
        return EXIT_OK;
    }
    rc = report_md(run, events);
    json_decref(run);
    json_decref(events);
    return rc;
}
