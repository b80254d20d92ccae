/*
 * approve_cmd.c — `runbook approve RUN [--as NAME] [--reason TEXT]` and `runbook reject RUN
 * [--as NAME] --reason TEXT`: a second person decides on the request a run is waiting on.
 *
 * The run's record says what it waits for (its last approval.request with no decision
 * after it); the decision goes to the database's approvals table, where the waiting run
 * (approve.c), or a resume of it, finds it and records it as its own event.  Refused, with
 * exit 1: a run that is not waiting, a request already decided, and the person who asked
 * approving their own request unless the statement says allow_self.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "clock.h"
#include "record.h"

static const char *jstr(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

/* The pending request: the last approval.request that no approval or timeout follows. */
static json_t *pending_request(json_t *events)
{
    json_t *req = NULL, *ev;
    size_t i;
    json_array_foreach(events, i, ev) {
        const char *k = jstr(ev, "kind");
        if (strcmp(k, "approval.request") == 0) req = json_object_get(ev, "data");
        else if (strcmp(k, "approval") == 0 || strcmp(k, "approval.timeout") == 0 || strcmp(k, "run.end") == 0)
            req = NULL;
    }
    return req;
}

static int usage(const char *cmd)
{
    fprintf(stderr, "usage: runbook %s RUN [--as NAME] %s [--db PATH]\n", cmd,
            strcmp(cmd, "reject") == 0 ? "--reason TEXT" : "[--reason TEXT]");
    return EXIT_USAGE;
}

static int decide(int argc, char **argv, const char *cmd, const char *decision)
{
    const char *spec = NULL, *as = NULL, *reason = NULL, *db = getenv("RUNBOOK_DB"), *v;
    for (int i = 1; i < argc; i++) {
        int missing = 0;
        if ((v = cli_opt_value(argc, argv, &i, "--as", &missing))) as = v;
        else if ((v = cli_opt_value(argc, argv, &i, "--reason", &missing))) reason = v;
        else if ((v = cli_opt_value(argc, argv, &i, "--db", &missing))) db = v;
        else if (missing || (argv[i][0] == '-' && argv[i][1]) || spec) return usage(cmd);
        else spec = argv[i];
    }
    if (!spec || (decision[0] == 'r' && (!reason || !*reason)) || (as && !*as)) return usage(cmd);
    struct recorder *r = cli_open_db(db);
    if (!r) return EXIT_DB;
    int64_t run_id;
    int rc = EXIT_FAILED;
    json_t *run = NULL, *events = NULL;
    if (rec_find_run(r, spec, &run_id) != 0) {
        fprintf(stderr, "runbook %s: %s\n", cmd, rec_error(r));
        rc = EXIT_USAGE;
        goto out;
    }
    run = rec_run_json(r, run_id);
    events = rec_events_json(r, run_id);
    if (!run || !events) {
        fprintf(stderr, "runbook %s: %s\n", cmd, rec_error(r));
        rc = EXIT_DB;
        goto out;
    }
    const char *status = jstr(run, "status");
    json_t *req = pending_request(events);
    if (!req || (strcmp(status, "running") != 0 && strcmp(status, "interrupted") != 0)) {
        fprintf(stderr, "runbook %s: run %lld (%s) is not waiting for an approval\n", cmd, (long long)run_id, status);
        goto out;
    }
    const char *who = as ? as : rec_user(r);
    const char *asker = jstr(req, "requested_by");
    if (strcmp(who, asker) == 0 && !json_is_true(json_object_get(req, "allow_self"))) {
        fprintf(stderr, "runbook %s: %s started run %lld and cannot %s its own request: a second person must "
                        "(runbook %s %lld --as NAME)\n", cmd, who, (long long)run_id, cmd, cmd, (long long)run_id);
        goto out;
    }
    json_int_t request = json_integer_value(json_object_get(req, "request"));
    if (rec_approval_add(r, run_id, request, decision, who, reason, clock_now()) != 0) {
        fprintf(stderr, "runbook %s: %s\n", cmd, rec_error(r));
        goto out;
    }
    printf("%s by %s: run %lld, \"%s\"", decision, who, (long long)run_id, jstr(req, "question"));
    if (*jstr(req, "role")) printf(" (role asked for: %s)", jstr(req, "role"));
    printf("\n");
    rc = EXIT_OK;
out:
    json_decref(run);
    json_decref(events);
    rec_close(r);
    return rc;
}

int cmd_approve(int argc, char **argv) { return decide(argc, argv, "approve", "approved"); }
int cmd_reject(int argc, char **argv) { return decide(argc, argv, "reject", "rejected"); }
