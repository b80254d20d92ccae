/*
 * report.c — reading runs back: `runbook runs` and `runbook report`.
 *
 * Owns the table of `runs`, and the documents of `runs --format json` and
 * `report --format json` (cli.md's contract).  Reads the record only through record.h;
 * never executes anything from a runbook.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "cli.h"
#include "record.h"

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
            char started[21];
            snprintf(started, sizeof started, "%s", jstr(run, "started_at"));
            double d = json_number_value(json_object_get(run, "duration_s"));
            printf("%-5lld %-18s %-12s %-4s %-20s %8.0fs  %s\n",
                   (long long)json_integer_value(json_object_get(run, "id")), jstr(run, "incident"), jstr(run, "status"),
                   jstr(run, "severity"), started, d, jstr(run, "runbook"));
        }
    }
    json_decref(runs);
    rec_close(r);
    return EXIT_OK;
}

int cmd_report(int argc, char **argv)
{
    const char *fmt = "md", *db = getenv("RUNBOOK_DB"), *pos[1];
    int npos;
    if (read_opts(argc, argv, "report", "|md|json|", &fmt, &db, pos, 1, &npos) != 0) return EXIT_USAGE;
    if (npos != 1) {
        fprintf(stderr, "usage: runbook report RUN [--format md|json] [--db PATH]\n");
        return EXIT_USAGE;
    }
    if (strcmp(fmt, "md") == 0) {
        fprintf(stderr, "runbook report: the Markdown post-mortem is not available in this build yet; use --format json\n");
        return EXIT_USAGE;
    }
    recorder *r = cli_open_db(db);
    if (!r) return EXIT_DB;
    int64_t id;
    if (rec_find_run(r, pos[0], &id) != 0) {
        fprintf(stderr, "runbook report: %s\n", rec_error(r));
        rec_close(r);
        return EXIT_USAGE;
    }
    json_t *run = rec_run_json(r, id), *events = rec_events_json(r, id);
    if (!run || !events) {
        fprintf(stderr, "runbook report: %s\n", rec_error(r));
        json_decref(run);
        json_decref(events);
        rec_close(r);
        return EXIT_DB;
    }
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
    rec_close(r);
    return EXIT_OK;
}
