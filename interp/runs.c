/*
 * runs.c — `runbook runs`: every recorded run, newest first, as a table for people
 * (--format text, the default) or as cli.md's JSON array (--format json).  Reads the
 * record only through record.h, never writes it, and never creates a database.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "cli.h"
#include "record.h"

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

/* A run's length as people say it at a glance: 12s, 47m, 1h 12m, 2d 3h. */
static void human_duration(char *buf, size_t n, double secs)
{
    long long s = secs > 0 ? llround(secs) : 0;
    if (s < 60) snprintf(buf, n, "%llds", s);
    else if (s < 3600) snprintf(buf, n, "%lldm", s / 60);
    else if (s < 86400) snprintf(buf, n, "%lldh %lldm", s / 3600, s % 3600 / 60);
    else snprintf(buf, n, "%lldd %lldh", s / 86400, s % 86400 / 3600);
}

/* `runbook runs [--format text|json] [--db PATH]`: every run, newest first, on stdout.
 * Returns 0, 2 for a usage error, 3 when the database cannot be opened or read. */
int cmd_runs(int argc, char **argv)
{
    const char *fmt = "text", *db = getenv("RUNBOOK_DB"), *pos[1];
    int npos;
    if (cli_format_opts(argc, argv, "runs", "|text|json|", &fmt, &db, pos, 0, &npos) != 0) return EXIT_USAGE;
    recorder *r = cli_open_db_mode(db, REC_READONLY);
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
