/*
 * replay.c — `runbook replay RUN`: a recorded run played back as it happened.
 *
 * Owns the terminal rendering of one run's events in order: each with its UTC time and its
 * time since the start (+MM:SS), phases and steps as headings, prompts and who answered
 * them, commands with their exit status and recorded output (indented, a few lines per
 * stream), HTTP calls, escalations, timers, state changes and notes; and the pacing:
 * none by default, the recorded gaps divided by --speed (no single pause longer than
 * MAX_PAUSE_S), or one event per Enter with --step.
 *
 * It reads the record only through record.h and never writes it, and it never runs
 * anything: a command's output is the output that was recorded, and secrets stay as the
 * recorder redacted them.  Recorded text is never allowed to drive the terminal: control
 * characters in it are replaced before printing.  `--verify` (re-executing the runbook
 * against the record) is the evaluator's: this file loads the run (replay_load, shared with
 * resume) and hands it over (replay_verify), read-only.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include "cli.h"
#include "eval.h"
#include "evjson.h"
#include "record.h"
#include "util.h"

#define MAX_PAUSE_S 5.0   /* --speed: the longest single pause, so a 30-minute wait cannot stall a demo */
#define OUTPUT_LINES 10   /* recorded stdout/stderr lines shown per stream */
#define PREFIX_WIDTH 17   /* "HH:MM:SS +MM:SS  " */

/* One replay: the run, where its events are read from, and how to pace them.  The events
 * are read one at a time (memory does not grow with the run); what an event's line needs
 * from around it is kept as it goes by (rollback, sh_start_at) or looked up (sh_ended). */
typedef struct replay {
    json_t *run;          /* owned */
    recorder *rec;        /* owned */
    int64_t id, count;    /* the run and how many events it has */
    int in_rollback;      /* a rollback.start came after the last step or rollback boundary */
    double sh_start_at;   /* elapsed_s of the sh.start of the command now ending; NAN: none */
    double speed;         /* > 0: pause gap / speed between events; 0: no pauses */
    int stepping;         /* --step, until standard input ends */
    int color;
    int virtual_clock;    /* the run's times are virtual */
    const char *user;
} replay;


static const char *sgr(const replay *r, const char *code) { return r->color ? code : ""; }

/* ---- printing recorded text safely */

/* Length of the C1 control (U+0080..U+009F, written C2 80..C2 9F) at s, else 0. */
static size_t c1_control(const unsigned char *s) { return s[0] == 0xC2 && s[1] >= 0x80 && s[1] <= 0x9F ? 2 : 0; }

/* n bytes of s with every control character (C0, DEL, C1) but tab replaced by '?', and a
 * newline written as " ↵ " (one line stays one line). */
static void put_clean(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n; i++) {
        size_t c1 = i + 1 < n ? c1_control(u + i) : 0;
        if (u[i] == '\n') fputs(" ↵ ", stdout);
        else if (c1) {
            putchar('?');
            i += c1 - 1;
        } else if ((u[i] < 0x20 && u[i] != '\t') || u[i] == 0x7f) putchar('?');
        else putchar(u[i]);
    }
}

static void put_text(const char *s)
{
    if (s) put_clean(s, strlen(s));
}

/* ---- times */

static void put_prefix(json_t *ev)
{
    const char *t = sget(ev, "t");
    double x;
    if (t && strlen(t) >= 19) printf("%.8s ", t + 11);
    else fputs("??:??:?? ", stdout);
    if (nget(ev, "elapsed_s", &x) != 0 || !isfinite(x) || fabs(x) > 1e9) {
        fputs("+??:??  ", stdout);
        return;
    }
    long long s = (long long)floor(fabs(x));
    char sign = x < 0 ? '-' : '+';
    if (s >= 3600) printf("%c%lld:%02lld:%02lld  ", sign, s / 3600, s / 60 % 60, s % 60);
    else printf("%c%02lld:%02lld  ", sign, s / 60, s % 60);
}

/* A duration for people: 250ms, 4.2s, 15m 0s, 1h 2m 5s (whole seconds truncated). */
static void put_duration(double d)
{
    if (!isfinite(d) || d < 0 || d > 1e11) fputs("?", stdout);
    else if (d < 1) printf("%lldms", (long long)llround(d * 1000));
    else if (d < 60) printf("%.1fs", d);
    else {
        long long s = (long long)floor(d);
        if (s >= 3600) printf("%lldh %lldm %llds", s / 3600, s / 60 % 60, s % 60);
        else printf("%lldm %llds", s / 60, s % 60);
    }
}

/* ---- pacing */

static void pause_for(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - floor(s)) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
}

/* Before the next event: sleep the recorded gap / speed, or wait for Enter.  0 when the
 * reader typed q to stop; end of input turns stepping off and the rest is printed. */
static int pace(replay *r, double gap)
{
    if (r->speed > 0 && isfinite(gap) && gap > 0) pause_for(fmin(gap / r->speed, MAX_PAUSE_S));
    if (!r->stepping) return 1;
    fflush(stdout);
    if (isatty(STDIN_FILENO)) fputs("[Enter: next event, q: quit] ", stderr);
    int c = getchar(), first = c;
    while (c != EOF && c != '\n') c = getchar();
    if (first == EOF) r->stepping = 0;
    return first != 'q' && first != 'Q';
}

/* ---- one event */

/* Up to OUTPUT_LINES lines of a recorded stream, each indented and marked. */
static void put_output(const char *s, const char *mark, int truncated)
{
    int shown = 0, more = 0;
    if (!s || !*s) return;
    for (const char *p = s; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (shown < OUTPUT_LINES) {
            printf("%*s%s ", PREFIX_WIDTH + 4, "", mark);
            put_clean(p, n);
            putchar('\n');
            shown++;
        } else {
            more++;
        }
        p += n + (nl ? 1 : 0);
    }
    if (more) printf("%*s%s … %d more line%s\n", PREFIX_WIDTH + 4, "", mark, more, more == 1 ? "" : "s");
    if (truncated) printf("%*s%s … (output truncated when it was recorded)\n", PREFIX_WIDTH + 4, "", mark);
}

/* How long the command ending with ev took on the run's clock: data.duration_s, except on
 * a virtual clock, where it is the span since its sh.start (commands take no virtual time). */
static int cmd_duration(const replay *r, json_t *end, double *d)
{
    double t1;
    if (!r->virtual_clock) return nget(data_of(end), "duration_s", d);
    if (isnan(r->sh_start_at) || nget(end, "elapsed_s", &t1) != 0) return -1;
    *d = t1 - r->sh_start_at;
    return 0;
}

static void ev_sh_end(const replay *r, json_t *ev)
{
    json_t *d = data_of(ev);
    double x, dur;
    int has_dur = cmd_duration(r, ev, &dur) == 0;
    if (json_is_true(json_object_get(d, "skipped"))) fputs("- not run (dry run)", stdout);
    else if (json_is_true(json_object_get(d, "timed_out")))
        printf("%s✗ timed out%s", sgr(r, "\033[31m"), sgr(r, "\033[0m"));
    else if (nget(d, "exit", &x) != 0) fputs("? exit unknown", stdout);
    else if (x == 0) fputs("✓ exit 0", stdout);
    else printf("%s✗ exit %g%s", sgr(r, "\033[31m"), x, sgr(r, "\033[0m"));
    if (has_dur) {
        fputs(" in ", stdout);
        put_duration(dur);
    }
    putchar('\n');
    put_output(dstr(ev, "stdout"), "|", json_is_true(json_object_get(d, "stdout_truncated")));
    put_output(dstr(ev, "stderr"), "!", json_is_true(json_object_get(d, "stderr_truncated")));
}

/* Whether the sh.start ev has its sh.end (the next sh.* event of the run), looked up. */
static int sh_ended(const replay *r, json_t *ev)
{
    static const char *const sh[] = {"sh.start", "sh.end", NULL};
    json_t *next = NULL;
    rec_cursor *c = rec_cursor_open(r->rec, r->id, json_integer_value(json_object_get(ev, "seq")), sh);
    int ended = c && rec_cursor_next(c, &next) == 1 && is_kind(next, "sh.end");
    rec_cursor_close(c);
    return ended;
}

static void ev_sh_start(const replay *r, json_t *ev)
{
    fputs("$ ", stdout);
    put_text(dstr(ev, "command") ? dstr(ev, "command") : sget(ev, "text"));
    putchar('\n');
    if (!sh_ended(r, ev))
        printf("%*s(no end recorded: the command was in flight when the record ends)\n", PREFIX_WIDTH + 2, "");
}

static void ev_prompt(json_t *ev)
{
    json_t *opts = json_object_get(data_of(ev), "options"), *o;
    size_t k;
    const char *q = dstr(ev, "question");
    fputs("? ", stdout);
    put_text(q ? q : sget(ev, "text"));
    if (json_array_size(opts) > 0) {
        fputs("  [", stdout);
        json_array_foreach(opts, k, o) {
            if (k) fputs(" / ", stdout);
            put_text(json_string_value(o) ? json_string_value(o) : "?");
        }
        putchar(']');
    }
    putchar('\n');
}

static void ev_answer(const replay *r, json_t *ev)
{
    const char *a = dstr(ev, "answer"), *src = dstr(ev, "source");
    fputs("→ ", stdout);
    put_text(a ? a : "?");
    if (src && (strcmp(src, "default") == 0 || strcmp(src, "auto") == 0)) printf("  (%s)\n", src);
    else {
        fputs("  (", stdout);
        put_text(r->user);
        fputs(", ", stdout);
        put_text(src ? strcmp(src, "answers") == 0 ? "answers file" : src : "?");
        fputs(")\n", stdout);
    }
}

static void ev_http(json_t *ev, int response)
{
    const char *m = dstr(ev, "method"), *u = dstr(ev, "url");
    double st;
    fputs(response ? "← " : "→ ", stdout);
    if (response && nget(data_of(ev), "status", &st) == 0) printf("%g ", st);
    put_text(m ? m : "HTTP");
    putchar(' ');
    put_text(u ? u : "?");
    putchar('\n');
}

static void ev_heading(const replay *r, json_t *ev, const char *what)
{
    const char *title = sget(ev, "text"), *step = sget(ev, "step");
    printf("%s%s ", sgr(r, "\033[1m"), what);
    if (strcmp(what, "--- step") == 0 && step) {
        put_text(step);
        fputs(": ", stdout);
    }
    put_text(title);
    const char *from = json_string_value(json_object_get(json_object_get(ev, "data"), "from"));
    if (from) {   /* a step of a module's shared part */
        fputs(" (from ", stdout);
        put_text(from);
        putchar(')');
    }
    printf(" %s%s\n", what[0] == '=' ? "===" : "---", sgr(r, "\033[0m"));
}

/* A step.end ends a rollback when it follows a rollback.start with no step or rollback
 * boundary between (rollback.start, the body, step.end, rollback.end). */
static void ev_step_end(const replay *r, json_t *ev)
{
    const char *o = dstr(ev, "outcome"), *step = sget(ev, "step");
    int ok = o && strcmp(o, "ok") == 0;
    fputs(r->in_rollback ? "rollback of " : "step ", stdout);
    put_text(step ? step : "?");
    printf(": %s", ok ? "" : sgr(r, "\033[31m"));
    put_text(o ? o : sget(ev, "text"));
    printf("%s\n", ok ? "" : sgr(r, "\033[0m"));
}

/* Kinds printed as "label: text". */
static const struct {
    const char *kind, *label;
} labels[] = {
    {"run.start", "run started"},
    {"run.end", "run ended"},
    {"params", "params"},
    {"step.retry", "retrying step"},
    {"rollback.start", "rolling back"},
    {"rollback.end", "rolled back"},
    {"note", "note"},
    {"warn", "warning"},
    {"error", "error"},
    {"timeline", "timeline"},
    {"timer", "timer"},
    {"escalation", "ESCALATION"},
    {"escalation.skipped", "escalation skipped"},
    {"deadline.missed", "MISSED"},
    {"decision", "decision"},
    {"wait", "wait"},
    {"wait.end", "wait ended"},
    {"action_item", "action item"},
};

static void put_owner_due(json_t *ev)
{
    const char *owner = dstr(ev, "owner"), *due = dstr(ev, "due");
    if (!owner && !due) return;
    fputs(" (", stdout);
    if (owner) {
        fputs("owner ", stdout);
        put_text(owner);
    }
    if (due) {
        fputs(owner ? ", due " : "due ", stdout);
        put_text(due);
    }
    putchar(')');
}

/* What follows "label: " for the kinds whose data says more than their text. */
static void labelled_detail(json_t *ev)
{
    const char *k = kind_of(ev), *sev = dstr(ev, "severity");
    if (strcmp(k, "params") == 0) {
        char *s = json_dumps(data_of(ev), JSON_ENCODE_ANY | JSON_COMPACT);
        put_text(s ? s : "?");
        free(s);
    } else if (strcmp(k, "run.end") == 0 && dstr(ev, "status")) {
        put_text(dstr(ev, "status"));
    } else if (strcmp(k, "action_item") == 0) {
        put_text(dstr(ev, "text") ? dstr(ev, "text") : sget(ev, "text"));
        put_owner_due(ev);
    } else {
        put_text(sget(ev, "text"));
        if (strcmp(k, "run.start") == 0 && sev) {
            fputs(" (severity ", stdout);
            put_text(sev);
            putchar(')');
        }
    }
}

static void ev_labelled(json_t *ev)
{
    const char *k = kind_of(ev);
    size_t f = 0;
    while (f < sizeof labels / sizeof *labels && strcmp(k, labels[f].kind) != 0) f++;
    put_text(f < sizeof labels / sizeof *labels ? labels[f].label : *k ? k : "?");
    fputs(": ", stdout);
    labelled_detail(ev);
    putchar('\n');
}

/* The kinds whose line shows more than the event's text: the only ones whose data is read. */
static const char *const data_kinds[] = {
    "run.start", "run.end", "params", "action_item", "step.start", "step.end", "prompt", "answer",
    "sh.start", "sh.end", "http.request", "http.response", NULL,
};

static void print_event(const replay *r, json_t *ev)
{
    const char *k = kind_of(ev);
    int phase = !strcmp(k, "phase.start"), step = !strcmp(k, "step.start");
    if (phase || step) putchar('\n');
    put_prefix(ev);
    if (phase) ev_heading(r, ev, "=== phase");
    else if (step) ev_heading(r, ev, "--- step");
    else if (!strcmp(k, "step.end")) ev_step_end(r, ev);
    else if (!strcmp(k, "prompt")) ev_prompt(ev);
    else if (!strcmp(k, "answer")) ev_answer(r, ev);
    else if (!strcmp(k, "sh.start")) ev_sh_start(r, ev);
    else if (!strcmp(k, "sh.end")) ev_sh_end(r, ev);
    else if (!strcmp(k, "http.request")) ev_http(ev, 0);
    else if (!strcmp(k, "http.response")) ev_http(ev, 1);
    else if (!strcmp(k, "state")) {
        fputs("* ", stdout);
        put_text(sget(ev, "text"));
        putchar('\n');
    } else ev_labelled(ev);
}

/* ---- the whole run */

static void print_header(const replay *r)
{
    json_t *run = r->run;
    const char *started = sget(run, "started_at"), *host = sget(run, "host"), *status = sget(run, "status");
    double d;
    printf("Replay of run %lld: ", (long long)json_integer_value(json_object_get(run, "id")));
    put_text(sget(run, "title") ? sget(run, "title") : "(untitled)");
    fputs(" (incident ", stdout);
    put_text(sget(run, "incident"));
    fputs(")\nrunbook ", stdout);
    put_text(sget(run, "runbook"));
    if (started && strlen(started) >= 19) printf(", started %.10s %.8s UTC", started, started + 11);
    fputs(" by ", stdout);
    put_text(r->user);
    if (host) {
        fputs(" on ", stdout);
        put_text(host);
    }
    fputs(", ", stdout);
    put_text(sget(run, "clock") ? sget(run, "clock") : "?");
    fputs(" clock\nstatus ", stdout);
    put_text(status ? status : "?");
    if (sget(run, "ended_at") && nget(run, "duration_s", &d) == 0) {
        fputs(", took ", stdout);
        put_duration(d);
    }
    printf(", %lld events\n\n", (long long)r->count);
}

/* What the next events need to know of this one. */
static void remember(replay *r, json_t *ev)
{
    double t;
    const char *k = kind_of(ev);
    if (!strcmp(k, "rollback.start")) r->in_rollback = 1;
    else if (!strcmp(k, "rollback.end") || !strcmp(k, "step.start") || !strcmp(k, "step.end")) r->in_rollback = 0;
    if (!strcmp(k, "sh.start")) r->sh_start_at = nget(ev, "elapsed_s", &t) == 0 ? t : NAN;
    else if (!strcmp(k, "sh.end")) r->sh_start_at = NAN;
}

static int play(replay *r)
{
    double prev = NAN;
    long long i = 0;
    int ended = 0, rc;
    json_t *ev;
    print_header(r);
    rec_cursor *c = rec_cursor_open(r->rec, r->id, 0, NULL);
    if (c) rec_cursor_data_kinds(c, data_kinds);
    while (c && (rc = rec_cursor_next(c, &ev)) == 1) {
        double t = NAN;
        nget(ev, "elapsed_s", &t);
        if (i > 0 && !pace(r, t - prev)) {
            printf("\n(replay stopped after event %lld of %lld)\n", i, (long long)r->count);
            rec_cursor_close(c);
            return EXIT_OK;
        }
        if (isfinite(t)) prev = t;
        print_event(r, ev);
        remember(r, ev);
        ended = !strcmp(kind_of(ev), "run.end");
        i++;
    }
    rec_cursor_close(c);
    if (!c || rc < 0) {
        fflush(stdout);
        fprintf(stderr, "runbook replay: %s\n", rec_error(r->rec));
        return EXIT_DB;
    }
    if (!ended) {
        fputs("\n(the record ends here without a run.end: status ", stdout);
        put_text(sget(r->run, "status") ? sget(r->run, "status") : "?");
        fputs(")\n", stdout);
    }
    return EXIT_OK;
}

/* ---- options and the database */

/* --speed's value: a number from SPEED_MIN to SPEED_MAX (documented in `runbook help replay`). */
#define SPEED_MIN 0.01      /* a hundred times slower than it happened */
#define SPEED_MAX 1e6       /* a million times faster: pauses under a millisecond per 15 min */
static int parse_speed(const char *v, double *speed)
{
    char *end;
    errno = 0;
    *speed = strtod(v, &end);
    if (end == v || *end || errno || !isfinite(*speed) || *speed < SPEED_MIN || *speed > SPEED_MAX) {
        fprintf(stderr, "runbook replay: --speed takes a number from 0.01 to 1000000 (10 = ten times real "
                        "time), not '%s'\n", v);
        return -1;
    }
    return 0;
}

static int read_args(int argc, char **argv, replay *r, const char **spec, const char **db)
{
    int missing;
    const char *v;
    for (int i = 1; i < argc; i++) {
        missing = 0;
        if ((v = cli_opt_value(argc, argv, &i, "--speed", &missing))) {
            if (parse_speed(v, &r->speed) != 0) return -1;
        } else if ((v = cli_opt_value(argc, argv, &i, "--db", &missing))) *db = v;
        else if (strcmp(argv[i], "--step") == 0) r->stepping = 1;
        else if (missing || (argv[i][0] == '-' && argv[i][1])) {
            fprintf(stderr, missing ? "runbook replay: %s needs a value\n" : "runbook replay: unknown option '%s'\n",
                    argv[i]);
            return -1;
        } else if (!*spec) *spec = argv[i];
        else {
            fprintf(stderr, "runbook replay: one run at a time ('%s' is extra)\n", argv[i]);
            return -1;
        }
    }
    if (r->speed > 0 && r->stepping) {
        fprintf(stderr, "runbook replay: --speed and --step do not go together\n");
        return -1;
    }
    if (!*spec) {
        fprintf(stderr, "usage: runbook replay RUN [--speed X | --step] [--db PATH]\n");
        return -1;
    }
    return 0;
}

/* The run, its recorder and its event count into r; an exit status (EXIT_OK, or why not
 * after a message). */
static int load(replay *r, const char *spec, const char *db)
{
    recorder *rec = r->rec = cli_open_db_mode(db, REC_READONLY);   /* a missing database is not created */
    if (!rec) return EXIT_DB;
    int rc = EXIT_OK;
    if (rec_find_run(rec, spec, &r->id) != 0) rc = EXIT_USAGE;
    else if (!(r->run = rec_run_json(rec, r->id)) || rec_event_count(rec, r->id, &r->count) != 0) rc = EXIT_DB;
    if (rc != EXIT_OK) fprintf(stderr, "runbook replay: %s\n", rec_error(rec));
    return rc;
}

/* `replay RUN --verify [FILE]`: the runbook (FILE, else the recorded source) re-executed by
 * the evaluator against the record, nothing executed; 0 same path, 1 diverged. */
static int replay_verify(const char *spec, const char *file, const char *db, int quiet)
{
    recorder *r = cli_open_db_mode(db, REC_READONLY);   /* verify writes nothing */
    if (!r) return EXIT_DB;
    module_set ms;
    module_set_init(&ms);
    json_t *run = NULL;
    ast_file *f = NULL;
    int rc = replay_load(r, spec, file, 0, &run, &f, &ms);
    if (rc == 0) {
        exec_opts o;
        memset(&o, 0, sizeof o);
        o.mode = "verify";
        o.path = file ? file : json_string_value(json_object_get(run, "runbook"));
        o.rec = r;
        o.auto_mode = 1;
        o.replay = 1;
        o.replay_run = run;
        o.resume_run = json_integer_value(json_object_get(run, "id"));
        o.incident = json_string_value(json_object_get(run, "incident"));
        o.verify = 1;
        o.verify_quiet = quiet;
        rc = eval_run(f, &ms, &o);
    }
    json_decref(run);
    ast_file_free(f);
    module_set_free(&ms);
    rec_close(r);
    return rc;
}

/* `runbook replay RUN [--speed X | --step] [--db PATH]`: print the run's events on stdout,
 * paced as asked.  argv[0] is "replay".  Returns 0 when the run was shown (also when the
 * reader quit with q), 2 for a usage error or an unknown RUN, 3 when there is no database
 * or it cannot be read.  Never writes the database.  With --verify: replay_verify's status. */
/* `replay RUN --verify [FILE] [--db PATH] [--quiet]`: hand over to the evaluator. */
static int verify_args(int argc, char **argv)
{
    const char *spec = NULL, *file = NULL, *db = getenv("RUNBOOK_DB");
    int quiet = 0, missing = 0;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (strcmp(argv[i], "--verify") == 0) continue;
        if (strncmp(argv[i], "--verify=", 9) == 0) file = argv[i] + 9;
        else if ((v = cli_opt_value(argc, argv, &i, "--db", &missing))) db = v;
        else if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0) quiet = 1;
        else if (missing || (argv[i][0] == '-' && argv[i][1]) || (spec && file)) {
            fprintf(stderr, "usage: runbook replay RUN --verify [FILE] [--quiet] [--db PATH]\n");
            return EXIT_USAGE;
        } else if (!spec) spec = argv[i];
        else file = argv[i];
    }
    if (!spec) {
        fprintf(stderr, "usage: runbook replay RUN --verify [FILE] [--quiet] [--db PATH]\n");
        return EXIT_USAGE;
    }
    return replay_verify(spec, file, db, quiet);
}

int cmd_replay(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--verify") == 0 || strncmp(argv[i], "--verify=", 9) == 0) return verify_args(argc, argv);
    replay r = {NULL, NULL, 0, 0, 0, NAN, 0, 0, cli_color(STDOUT_FILENO), 0, NULL};
    const char *spec = NULL, *db = getenv("RUNBOOK_DB");
    if (read_args(argc, argv, &r, &spec, &db) != 0) return EXIT_USAGE;
    int rc = load(&r, spec, db);
    if (rc == EXIT_OK) {
        r.user = sget(r.run, "user") ? sget(r.run, "user") : "an unknown user";
        r.virtual_clock = sget(r.run, "clock") && strcmp(sget(r.run, "clock"), "virtual") == 0;
        rc = play(&r);
    }
    json_decref(r.run);
    rec_close(r.rec);
    return rc;
}
