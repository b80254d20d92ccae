/*
 * exec.c — `runbook exec`: option parsing, opening the recording database (exit 3 before
 * anything runs when it cannot be opened), the SIGINT handler of a run, and handing the
 * checked runbook to the evaluator.
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "cli.h"
#include "clock.h"
#include "eval.h"
#include "check.h"
#include "front.h"
#include "parse.h"
#include "record.h"

static void on_sigint(int sig)
{
    (void)sig;
    eval_interrupt();
}

/* While a run goes on: Ctrl-C and SIGTERM stop it cleanly (recorded as interrupted, the
 * command's process group stopped); a closed pipe is an error to report, not a death. */
static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;   /* no SA_RESTART: waits return EINTR and see the flag */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int cmd_exec(int argc, char **argv)
{
    exec_opts o;
    memset(&o, 0, sizeof o);
    o.mode = "exec";
    const char *answers = NULL, *db = getenv("RUNBOOK_DB");
    const char **sets = rb_xcalloc((size_t)argc + 1, sizeof *sets);
    int nsets = 0, missing = 0, clock_mode = 0, clock_set = 0;
    double clock_start = 0;
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
        else if ((v = cli_opt_value(argc, argv, &i, "--ssh-config", &missing))) o.ssh_config = v;
        else if ((v = cli_opt_value(argc, argv, &i, "--db", &missing))) db = v;
        else if ((v = cli_opt_value(argc, argv, &i, "--clock", &missing))) {
            clock_set = 1;
            if ((clock_mode = cli_parse_clock("exec", v, &clock_start)) < 0) {   /* the last --clock wins */
                rb_free(sets);
                return EXIT_USAGE;
            }
        } else if (strcmp(a, "--auto") == 0) o.auto_mode = 1;
        else if (strcmp(a, "--dry-run") == 0) o.dry_run = 1;
        else if (strcmp(a, "--drill") == 0) o.drill = 1;
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
    cli_last_sets_win(sets);
    o.sets = sets;
    if (o.drill && !clock_set) clock_use_virtual(floor(clock_now()));   /* a rehearsal takes no real time */
    if (!o.path) {
        fprintf(stderr, "usage: runbook exec FILE [--set NAME=VALUE]... [--answers FILE] [--auto] [--dry-run] [--drill]\n"
                        "                     [--start-at STEP] [--incident ID] [--db PATH]\n");
        rb_free(sets);
        return EXIT_USAGE;
    }
    if (o.incident && cli_check_incident("exec", o.incident) != 0) {
        rb_free(sets);
        return EXIT_USAGE;
    }
    cli_use_clock(clock_mode, clock_start);
    module_set ms;
    module_set_init(&ms);
    ast_file *f = front_load(o.path, &ms);
    if (f && (cli_check_runnable(f) != 0 || cli_check_sets(f, o.path, "exec", sets) != 0)) {
        ast_file_free(f);
        f = NULL;
    }
    json_t *ans = NULL;
    int rc = EXIT_USAGE;
    if (f && cli_load_answers(answers, &ans) == 0) {
        recorder *r = cli_open_db(db);
        if (!r) {
            rc = EXIT_DB;
        } else {
            catch_signals();
            o.rec = r;
            o.db_path = db;
            o.answers = ans;
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


/*
 * Load a run for replaying: its row and its runbook (the stored source, or `file` for
 * verify); the evaluator reads its events as it goes.  Returns 0, or an exit status after
 * printing why.
 */
int replay_load(recorder *r, const char *spec, const char *file, int for_resume, json_t **run_out, ast_file **f_out,
                module_set *ms)
{
    int64_t id;
    if (rec_find_run(r, spec, &id) != 0) {
        fprintf(stderr, "runbook: %s\n", rec_error(r));
        return EXIT_USAGE;
    }
    json_t *run = rec_run_json(r, id);
    if (!run) {
        fprintf(stderr, "runbook: %s\n", rec_error(r));
        return EXIT_DB;
    }
    const char *status = json_string_value(json_object_get(run, "status"));
    if (for_resume && status && strcmp(status, "interrupted") != 0) {
        fprintf(stderr, "runbook resume: run %lld is %s, not interrupted: nothing to resume\n", (long long)id, status);
        json_decref(run);
        return EXIT_USAGE;
    }
    ast_file *f;
    if (file) {
        f = front_load(file, ms);
        if (f && cli_check_runnable(f) != 0) {
            ast_file_free(f);
            f = NULL;
        }
    } else {
        const char *src = json_string_value(json_object_get(run, "source"));
        const char *path = json_string_value(json_object_get(run, "runbook"));
        diag_list d;
        diag_init(&d);
        f = parse_text(path ? path : "<recorded runbook>", src ? src : "", src ? strlen(src) : 0, &d);
        if (d.syntax_errors == 0 && f->root) check_file(f, ms, &d);
        if (d.errors || !f->root) {
            diag_print_all(&d, stderr, 0);
            fprintf(stderr, "runbook: the recorded runbook of run %lld does not check\n", (long long)id);
            ast_file_free(f);
            f = NULL;
        }
        diag_free(&d);
    }
    if (!f) {
        json_decref(run);
        return EXIT_USAGE;
    }
    *run_out = run;
    *f_out = f;
    return 0;
}

/* Was the run a drill (its first event, run.start, says so)?  A drill resumes as a drill.
 * 1, 0, or -1 after printing why. */
static int run_was_drill(recorder *r, int64_t id)
{
    rec_cursor *c = rec_cursor_open(r, id, 0, NULL);
    json_t *first = NULL;
    int rc = c ? rec_cursor_next(c, &first) : -1;
    int drill = json_is_true(json_object_get(json_object_get(first, "data"), "drill"));
    rec_cursor_close(c);
    if (rc >= 0) return drill;
    fprintf(stderr, "runbook resume: %s\n", rec_error(r));
    return -1;
}

int cmd_resume(int argc, char **argv)
{
    exec_opts o;
    memset(&o, 0, sizeof o);
    o.mode = "resume";
    const char *answers = NULL, *db = getenv("RUNBOOK_DB"), *spec = NULL, *v;
    int missing = 0;
    for (int i = 1; i < argc; i++) {
        missing = 0;
        if ((v = cli_opt_value(argc, argv, &i, "--answers", &missing))) answers = v;
        else if ((v = cli_opt_value(argc, argv, &i, "--db", &missing))) db = v;
        else if ((v = cli_opt_value(argc, argv, &i, "--ssh-config", &missing))) o.ssh_config = v;
        else if (strcmp(argv[i], "--auto") == 0) o.auto_mode = 1;
        else if (missing || (argv[i][0] == '-' && argv[i][1]) || spec) {
            fprintf(stderr, "usage: runbook resume RUN [--auto] [--answers FILE] [--db PATH]\n");
            return EXIT_USAGE;
        } else spec = argv[i];
    }
    if (!spec) {
        fprintf(stderr, "usage: runbook resume RUN [--auto] [--answers FILE] [--db PATH]\n");
        return EXIT_USAGE;
    }
    json_t *ans = NULL;
    if (cli_load_answers(answers, &ans) != 0) return EXIT_USAGE;
    recorder *r = cli_open_db_mode(db, REC_EXISTING);
    if (!r) {
        json_decref(ans);
        return EXIT_DB;
    }
    module_set ms;
    module_set_init(&ms);
    json_t *run = NULL;
    ast_file *f = NULL;
    int rc = replay_load(r, spec, NULL, 1, &run, &f, &ms);
    int64_t id = rc == 0 ? json_integer_value(json_object_get(run, "id")) : 0;
    int drill = rc == 0 ? run_was_drill(r, id) : 0;
    if (drill < 0) rc = EXIT_DB;
    if (rc == 0) {
        if (rec_run_resume(r, id) != 0) {
            fprintf(stderr, "runbook resume: %s\n", rec_error(r));
            rc = EXIT_USAGE;
        } else {
            catch_signals();
            o.path = json_string_value(json_object_get(run, "runbook"));
            o.rec = r;
            o.db_path = db;
            o.answers = ans;
            o.replay = 1;
            o.replay_run = run;
            o.resume_run = id;
            o.incident = json_string_value(json_object_get(run, "incident"));
            o.drill = drill;
            rc = eval_run(f, &ms, &o);
        }
    }
    json_decref(run);
    json_decref(ans);
    ast_file_free(f);
    module_set_free(&ms);
    rec_close(r);
    return rc;
}
