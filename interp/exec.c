/*
 * exec.c — `runbook exec`: option parsing, opening the recording database (exit 3 before
 * anything runs when it cannot be opened), the SIGINT handler of a run, and handing the
 * checked runbook to the evaluator.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "cli.h"
#include "clock.h"
#include "eval.h"
#include "front.h"
#include "prompt.h"
#include "record.h"

/* The value of an option written "--name VALUE" or "--name=VALUE"; NULL if a is not it. */
const char *cli_opt_value(int argc, char **argv, int *i, const char *name, int *missing)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    if (strncmp(a, name, n) != 0) return NULL;
    if (a[n] == '=') return a + n + 1;
    if (a[n] != '\0') return NULL;
    if (*i + 1 >= argc) {
        *missing = 1;
        return NULL;
    }
    return argv[++*i];
}

recorder *cli_open_db(const char *db)
{
    char *path = db ? rb_xstrdup(db) : rec_default_path();
    char *err = NULL;
    recorder *r = rec_open(path, &err);
    if (!r) {
        fprintf(stderr, "runbook: cannot open the recording database %s: %s\n", path, err ? err : "unknown error");
        rb_free(err);
    }
    rb_free(path);
    return r;
}

static void on_sigint(int sig)
{
    (void)sig;
    eval_interrupt();
}

int cmd_exec(int argc, char **argv)
{
    exec_opts o;
    memset(&o, 0, sizeof o);
    o.mode = "exec";
    const char *answers = NULL, *db = getenv("RUNBOOK_DB");
    const char **sets = rb_xcalloc((size_t)argc + 1, sizeof *sets);
    int nsets = 0, missing = 0;
    const char *v;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        missing = 0;
        if ((v = cli_opt_value(argc, argv, &i, "--set", &missing))) {
            if (!strchr(v, '=') || v[0] == '=') {
                fprintf(stderr, "runbook exec: --set takes NAME=VALUE, not '%s'\n", v);
                rb_free(sets);
                return EXIT_USAGE;
            }
            sets[nsets++] = v;
        } else if ((v = cli_opt_value(argc, argv, &i, "--answers", &missing))) answers = v;
        else if ((v = cli_opt_value(argc, argv, &i, "--start-at", &missing))) o.start_at = v;
        else if ((v = cli_opt_value(argc, argv, &i, "--incident", &missing))) o.incident = v;
        else if ((v = cli_opt_value(argc, argv, &i, "--db", &missing))) db = v;
        else if ((v = cli_opt_value(argc, argv, &i, "--clock", &missing))) {
            if (strcmp(v, "virtual") == 0) {
                clock_use_virtual(floor(clock_now()));
            } else if (strncmp(v, "virtual=", 8) == 0) {
                double t = clock_parse_iso(v + 8);
                if (t < 0) {
                    fprintf(stderr, "runbook exec: --clock %s: expected an ISO-8601 time like 2026-01-01T00:00:00Z\n", v);
                    rb_free(sets);
                    return EXIT_USAGE;
                }
                clock_use_virtual(t);
            } else if (strcmp(v, "real") != 0) {
                fprintf(stderr, "runbook exec: --clock takes real, virtual or virtual=ISO-8601, not '%s'\n", v);
                rb_free(sets);
                return EXIT_USAGE;
            }
        } else if (strcmp(a, "--auto") == 0) o.auto_mode = 1;
        else if (strcmp(a, "--dry-run") == 0) o.dry_run = 1;
        else if (missing || (a[0] == '-' && a[1])) {
            fprintf(stderr, missing ? "runbook exec: %s needs a value\n" : "runbook exec: unknown option '%s'\n", a);
            rb_free(sets);
            return EXIT_USAGE;
        } else if (!o.path) o.path = a;
        else {
            fprintf(stderr, "runbook exec: one runbook at a time ('%s' is extra)\n", a);
            rb_free(sets);
            return EXIT_USAGE;
        }
    }
    o.sets = sets;
    if (!o.path) {
        fprintf(stderr, "usage: runbook exec FILE [--set NAME=VALUE]... [--answers FILE] [--auto] [--dry-run]\n"
                        "                     [--start-at STEP] [--incident ID] [--db PATH]\n");
        rb_free(sets);
        return EXIT_USAGE;
    }
    module_set ms;
    module_set_init(&ms);
    ast_file *f = front_load(o.path, &ms);
    json_t *ans = NULL;
    int rc = EXIT_USAGE;
    if (f && answers) {
        char *err = NULL;
        ans = prompt_load_answers(answers, &err);
        if (!ans) {
            fprintf(stderr, "%s\n", err);
            rb_free(err);
        }
    }
    if (f && (!answers || ans)) {
        recorder *r = cli_open_db(db);
        if (!r) {
            rc = EXIT_DB;
        } else {
            struct sigaction sa;
            memset(&sa, 0, sizeof sa);
            sa.sa_handler = on_sigint;
            sigemptyset(&sa.sa_mask);
            sigaction(SIGINT, &sa, NULL);
            sigaction(SIGTERM, &sa, NULL);
            signal(SIGPIPE, SIG_IGN);
            o.rec = r;
            o.answers = ans;
            o.color = cli_color(1);
            rc = eval_run(f, &ms, &o);
            rec_close(r);
        }
    }
    json_decref(ans);
    ast_file_free(f);
    module_set_free(&ms);
    rb_free(sets);
    return rc;
}

