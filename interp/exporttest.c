/*
 * exporttest.c — `runbook export-test RUN`: a recorded run turned into a `runbook test`
 * file.  Its params and start time, each answer (with the delay it came after) scripted
 * with answer(), each command's and request's result as a one-time stub in the recorded
 * order, and the path it took as assertions: the steps, the commands, the notifications
 * with their minutes, the run's status and exit.  A runbook edited since then that would
 * handle the incident differently fails the test at the first divergence.
 *
 * Never: run anything (the test does, under `runbook test`).
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>
#include "cli.h"
#include "clock.h"
#include "record.h"
#include "util.h"

static const char *js(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* A runbook-language string literal ("…" with \, ", #{ and control characters escaped). */
static void lit(rb_buf *b, const char *s)
{
    buf_addc(b, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') buf_printf(b, "\\%c", *s);
        else if (*s == '\n') buf_adds(b, "\\n");
        else if (*s == '\t') buf_adds(b, "\\t");
        else if (*s == '\r') buf_adds(b, "\\r");
        else if (*s == '#' && s[1] == '{') buf_adds(b, "\\#");
        else if (*s == 0x1b) buf_adds(b, "\\e");
        else if ((unsigned char)*s < 0x20) buf_addc(b, '?');
        else buf_addc(b, *s);
    }
    buf_addc(b, '"');
}

/* A glob that matches exactly s (*, ?, [ and \ escaped), as a string literal. */
static void glob_lit(rb_buf *b, const char *s)
{
    rb_buf g;
    buf_init(&g);
    for (; *s; s++) {
        if (strchr("*?[\\", *s)) buf_addc(&g, '\\');
        buf_addc(&g, *s);
    }
    lit(b, buf_cstr(&g));
    buf_free(&g);
}

/* A duration literal for secs ("90s", "4m", "1h2m"). */
static void dur(rb_buf *b, double secs)
{
    long s = lround(secs);
    if (s >= 3600 && s % 60 == 0) buf_printf(b, "%ldh%ldm", s / 3600, (s % 3600) / 60);
    else if (s >= 60 && s % 60 == 0) buf_printf(b, "%ldm", s / 60);
    else buf_printf(b, "%lds", s);
}

/* path as seen from directory dir (both absolute). */
static char *relative(const char *path, const char *dir)
{
    size_t dl = strlen(dir), common = 0;
    if (strncmp(path, dir, dl) == 0 && path[dl] == '/') return rb_xstrdup(path + dl + 1);
    for (size_t i = 0; path[i] && path[i] == dir[i]; i++)
        if (path[i] == '/') common = i + 1;
    rb_buf b;
    buf_init(&b);
    if (dir[common]) {
        buf_adds(&b, "../");
        for (const char *p = dir + common; *p; p++)
            if (*p == '/') buf_adds(&b, "../");
    }
    buf_adds(&b, path + common);
    return buf_take(&b);
}

static void answers(rb_buf *b, json_t *events)
{
    size_t i;
    json_t *ev;
    double asked = 0;
    json_array_foreach(events, i, ev) {
        const char *k = js(ev, "kind");
        json_t *d = json_object_get(ev, "data");
        if (strcmp(k, "prompt") == 0) asked = clock_parse_iso(js(ev, "t"));
        if (strcmp(k, "answer") != 0) continue;
        double after = json_number_value(json_object_get(d, "after_s"));
        if (after <= 0) after = clock_parse_iso(js(ev, "t")) - asked;
        buf_adds(b, "  answer(");
        lit(b, js(d, "question"));
        buf_adds(b, ", ");
        lit(b, js(d, "answer"));
        if (after >= 1) {
            buf_adds(b, ", after: ");
            dur(b, after);
        }
        buf_printf(b, ")%s\n", strcmp(js(d, "answer"), "«redacted»") == 0 ? "   # a secret: fill in a test value" : "");
    }
}

static void stubs(rb_buf *b, json_t *events, int real_clock)
{
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev) {
        const char *k = js(ev, "kind");
        json_t *d = json_object_get(ev, "data");
        if (strcmp(k, "sh.end") == 0 && !json_is_true(json_object_get(d, "skipped"))) {
            buf_adds(b, "  stub_sh(");
            glob_lit(b, js(d, "command"));
            buf_printf(b, ", exit: %d", (int)json_integer_value(json_object_get(d, "exit")));
            if (*js(d, "stdout")) buf_adds(b, ", stdout: "), lit(b, js(d, "stdout"));
            if (*js(d, "stderr")) buf_adds(b, ", stderr: "), lit(b, js(d, "stderr"));
            double t = json_number_value(json_object_get(d, "duration_s"));
            if (real_clock && t >= 1) buf_adds(b, ", delay: "), dur(b, t);   /* virtual: actions take no time */
            buf_adds(b, ", times: 1)\n");
        } else if (strcmp(k, "http.response") == 0 && !json_is_true(json_object_get(d, "skipped"))) {
            buf_adds(b, "  stub_http(");
            lit(b, js(d, "method"));
            buf_adds(b, ", ");
            glob_lit(b, js(d, "url"));
            buf_printf(b, ", status: %d", (int)json_integer_value(json_object_get(d, "status")));
            if (*js(d, "body")) buf_adds(b, ", body: "), lit(b, js(d, "body"));
            buf_adds(b, ", times: 1)\n");
        } else if (strcmp(k, "mail.sent") == 0 && !json_is_true(json_object_get(d, "skipped"))) {
            buf_printf(b, "  stub_mail(\"*\", ok: %s, times: 1)\n", json_is_true(json_object_get(d, "ok")) ? "true" : "false");
        }
    }
}

static void path_taken(rb_buf *b, json_t *run, json_t *events)
{
    size_t i;
    json_t *ev;
    double start = clock_parse_iso(js(run, "started_at"));
    buf_adds(b, "  expect_steps(r, [");
    int n = 0;
    json_array_foreach(events, i, ev)
        if (strcmp(js(ev, "kind"), "step.start") == 0) {
            buf_adds(b, n++ ? ", " : "");
            lit(b, js(json_object_get(ev, "data"), "id"));
        }
    buf_adds(b, "])\n  expect_commands(r, [");
    n = 0;
    json_array_foreach(events, i, ev)
        if (strcmp(js(ev, "kind"), "sh.start") == 0) {
            buf_adds(b, n++ ? ",\n                     " : "");
            lit(b, js(json_object_get(ev, "data"), "command"));
        }
    buf_adds(b, "])\n");
    json_array_foreach(events, i, ev) {
        const char *t = js(ev, "text");
        if (strcmp(js(ev, "kind"), "note") != 0 || t[0] != '[') continue;
        const char *to = strstr(t, " to "), *paren = to ? strstr(to, " (") : NULL;
        if (!paren || (strncmp(t, "[sent] ", 7) != 0 && strncmp(t, "[undelivered] ", 14) != 0)) continue;
        const char *what = strstr(t, "] page") ? "page" : strstr(t, "] message") ? "message" : "status";
        char *who = rb_xstrndup(to + 4, (size_t)(paren - to - 4));
        int minute = (int)((clock_parse_iso(js(ev, "t")) - start) / 60);
        buf_adds(b, "  expect_notified(r, ");
        glob_lit(b, who);
        buf_printf(b, ", at: %dm, kind: \"%s\")\n", minute, what);
        rb_free(who);
    }
    json_t *last = json_array_get(events, json_array_size(events) - 1);
    if (strcmp(js(last, "kind"), "run.end") == 0) {
        json_t *d = json_object_get(last, "data");
        buf_adds(b, "  expect_status(r, ");
        lit(b, js(d, "status"));
        buf_printf(b, ")\n  expect_exit(r, %d)\n", (int)json_integer_value(json_object_get(d, "exit")));
    }
}

static char *export(json_t *run, json_t *events, const char *out)
{
    rb_buf b;
    buf_init(&b);
    char *real = realpath(js(run, "runbook"), NULL), here[PATH_MAX];
    char *dir = NULL;
    if (out) {
        char *o = rb_xstrdup(out), *slash = strrchr(o, '/');
        if (slash) *slash = '\0';
        dir = realpath(slash ? (*o ? o : "/") : ".", NULL);
        rb_free(o);
    } else if (getcwd(here, sizeof here)) {
        dir = strdup(here);
    }
    char *rel = real && dir ? relative(real, dir) : rb_xstrdup(js(run, "runbook"));
    buf_printf(&b, "# Exported by `runbook export-test` from run %lld (incident %s, %s, %s clock)\n"
                   "# of %s: the answers and results of that incident, and the path it took.\n\n",
               (long long)json_integer_value(json_object_get(run, "id")), js(run, "incident"), js(run, "started_at"),
               js(run, "clock"), js(run, "runbook"));
    buf_adds(&b, "test ");
    rb_buf name;
    buf_init(&name);
    buf_printf(&name, "incident %s takes the recorded path", js(run, "incident"));
    lit(&b, buf_cstr(&name));
    buf_free(&name);
    buf_adds(&b, " {\n  start_clock(");
    lit(&b, js(run, "started_at"));
    buf_adds(&b, ")\n");
    answers(&b, events);
    stubs(&b, events, strcmp(js(run, "clock"), "real") == 0);
    buf_adds(&b, "  let r = run_runbook(");
    lit(&b, rel);
    json_t *params = json_object_get(run, "params");
    if (json_object_size(params)) {
        buf_adds(&b, ", {");
        const char *k;
        json_t *v;
        int n = 0;
        json_object_foreach(params, k, v) {
            buf_printf(&b, "%s%s: ", n++ ? ", " : "", k);
            if (json_is_string(v)) lit(&b, json_string_value(v));
            else {
                char *t = json_dumps(v, JSON_ENCODE_ANY);
                lit(&b, t ? t : "");
                free(t);
            }
        }
        buf_adds(&b, "}");
    }
    buf_adds(&b, ")\n");
    path_taken(&b, run, events);
    buf_adds(&b, "}\n");
    free(real);
    free(dir);
    rb_free(rel);
    return buf_take(&b);
}

int cmd_export_test(int argc, char **argv)
{
    const char *db = getenv("RUNBOOK_DB"), *out = NULL, *spec = NULL, *v;
    int missing = 0;
    for (int i = 1; i < argc; i++) {
        missing = 0;
        if ((v = cli_opt_value(argc, argv, &i, "--db", &missing))) db = v;
        else if ((v = cli_opt_value(argc, argv, &i, "-o", &missing)) || (v = cli_opt_value(argc, argv, &i, "--output", &missing))) out = v;
        else if (!missing && argv[i][0] != '-' && !spec) spec = argv[i];
        else {
            fprintf(stderr, "runbook export-test: %s %s\n", argv[i], missing ? "needs a value" : "is not an option here");
            return EXIT_USAGE;
        }
    }
    if (!spec) {
        fprintf(stderr, "usage: runbook export-test RUN [--db PATH] [-o FILE]\n");
        return EXIT_USAGE;
    }
    char *path = db && *db ? rb_xstrdup(db) : rec_default_path();
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "runbook export-test: no recording database at %s (use --db PATH or RUNBOOK_DB)\n", path);
        rb_free(path);
        return EXIT_DB;
    }
    recorder *r = cli_open_db(path);
    rb_free(path);
    if (!r) return EXIT_DB;
    int64_t id;
    if (rec_find_run(r, spec, &id) != 0) {
        fprintf(stderr, "runbook export-test: %s\n", rec_error(r));
        rec_close(r);
        return EXIT_USAGE;
    }
    json_t *run = rec_run_json(r, id), *events = run ? rec_events_json(r, id) : NULL;
    int rc = EXIT_OK;
    if (!run || !events) {
        fprintf(stderr, "runbook export-test: %s\n", rec_error(r));
        rc = EXIT_DB;
    } else {
        char *text = export(run, events, out);
        FILE *f = out ? fopen(out, "w") : stdout;
        if (!f || fputs(text, f) < 0 || (out && fclose(f) != 0)) {
            fprintf(stderr, "runbook export-test: cannot write %s\n", out ? out : "the output");
            rc = EXIT_FAILED;
        } else if (out) {
            printf("wrote %s\n", out);
        }
        rb_free(text);
    }
    json_decref(run);
    json_decref(events);
    rec_close(r);
    return rc;
}
