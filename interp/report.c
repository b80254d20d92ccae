/*
 * report.c — reading a run back for people and programs: `runbook report` (the table and
 * documents of `runbook runs` are in runs.c).
 *
 * Owns the document of `report --format json` (cli.md's contract), written as it is read,
 * and hands `report --format md` (the default) to postmortem.c's Markdown post-mortem
 * draft, laid out like the post-mortem template responders already know: incident summary,
 * a UTC timeline, decisions, commands run, escalations and notifications, missed
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
#include "postmortem.h"
#include "record.h"
#include "review.h"
#include "util.h"

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
    recorder *r = cli_open_db_mode(path, REC_READONLY);
    rb_free(path);
    return r;
}

/* The run object for spec; exit status EXIT_OK or why not (message printed). */
static int load_run(recorder *r, const char *spec, json_t **run)
{
    int64_t id;
    *run = NULL;
    if (rec_find_run(r, spec, &id) != 0) {
        fprintf(stderr, "runbook report: %s\n", rec_error(r));
        return EXIT_USAGE;
    }
    if (!(*run = rec_run_json(r, id))) {
        fprintf(stderr, "runbook report: %s\n", rec_error(r));
        return EXIT_DB;
    }
    return EXIT_OK;
}

/* The events of run id as the elements of a JSON array, one per line, streamed from the
 * record (kinds: only those; NULL: all).  0, or -1 after a read error. */
static int stream_events(recorder *r, int64_t id, const char *const *kinds, int as_items, FILE *out)
{
    rec_cursor *c = rec_cursor_open(r, id, 0, kinds);
    if (!c) return -1;
    rb_buf line;
    buf_init(&line);
    int rc, n = 0;
    json_t *ev;
    while ((rc = as_items ? rec_cursor_next(c, &ev) : rec_cursor_next_text(c, &line)) == 1) {
        if (as_items) {   /* an action item: its text, owner and due, and the event's seq */
            json_t *d = json_object_get(ev, "data");
            json_t *item = json_pack("{s:O?, s:O?, s:O?, s:O}", "text", json_object_get(d, "text"), "owner",
                                     json_object_get(d, "owner"), "due", json_object_get(d, "due"), "seq",
                                     json_object_get(ev, "seq"));
            char *s = item ? json_dumps(item, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
            buf_adds(&line, s ? s : "null");
            free(s);
            json_decref(item);
        }
        fputs(n++ ? ",\n    " : "\n    ", out);
        fwrite(line.data, 1, line.len, out);
        buf_reset(&line);
    }
    fputs(n ? "\n  ]" : "]", out);
    buf_free(&line);
    rec_cursor_close(c);
    return rc < 0 ? -1 : 0;
}

/* `report --format json`: cli.md's {run, events, action_items}, written as it is read (one
 * event per line, each event's stored data copied through), so memory does not grow with
 * the run.  Consumes run.  An exit status. */
static int report_json(recorder *r, json_t *run)
{
    static const char *const items[] = {"action_item", NULL};
    int64_t id = json_integer_value(json_object_get(run, "id"));
    json_object_del(run, "source");
    char *head = json_dumps(run, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(run);
    if (!head) return EXIT_DB;
    printf("{\n  \"run\": ");
    for (const char *p = head; *p; p++) {   /* the run object, indented one level */
        putchar(*p);
        if (*p == '\n') fputs("  ", stdout);
    }
    free(head);
    printf(",\n  \"events\": [");
    int rc = stream_events(r, id, NULL, 0, stdout);
    if (rc == 0) {
        printf(",\n  \"action_items\": [");
        rc = stream_events(r, id, items, 1, stdout);
    }
    if (rc != 0) {
        fprintf(stderr, "runbook report: %s\n", rec_error(r));
        return EXIT_DB;
    }
    printf("\n}\n");
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
    if (cli_format_opts(argc, argv, "report", "|md|json|review|", &fmt, &db, pos, 1, &npos) != 0) return EXIT_USAGE;
    if (npos != 1) {
        fprintf(stderr, "usage: runbook report RUN [--format md|json|review] [--db PATH]\n");
        return EXIT_USAGE;
    }
    recorder *r = open_existing_db(db, "report");
    if (!r) return EXIT_DB;
    if (strcmp(fmt, "review") == 0) {
        int rrc = report_review(r, pos[0]);
        rec_close(r);
        return rrc;
    }
    json_t *run;
    int rc = load_run(r, pos[0], &run);
    if (rc == EXIT_OK && strcmp(fmt, "json") == 0) rc = report_json(r, run); /* consumes run */
    else if (rc == EXIT_OK) {
        rc = report_md(r, run);
        json_decref(run);
    }
    rec_close(r);
    return rc;
}
