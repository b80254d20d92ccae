/*
 * repl.c — `runbook repl [FILE]`: step through a playbook, try statements, inspect state.
 *
 * Owns the REPL's terminal: readline in callback mode (so escalations and timers keep
 * firing while the prompt waits, printed above it without losing what is being typed),
 * the history file ($XDG_STATE_HOME/runbook/history), tab completion (keywords, names,
 * module members, step ids, REPL commands), multi-line input (an unfinished block,
 * string or heredoc continues on the next line), and the :commands.  Everything typed
 * runs through the evaluator's session API and is recorded as a run like any other.
 * Never: evaluate or record anything itself.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"
#include "clock.h"
#include "eval.h"
#include "front.h"
#include "parse.h"
#include "record.h"
#include "rl.h"

#define MAX_BREAKS 64

typedef struct repl {
    eval_session *S;
    module_set ms;
    ast_file *file;            /* the loaded runbook (the session borrows it) */
    exec_opts o;
    recorder *rec;
    int tty;
    rb_buf pending;            /* lines of an unfinished input */
    char *line;                /* a complete line from readline's callback */
    int got_line, eof;
    const char *breaks[MAX_BREAKS];
    char *break_store[MAX_BREAKS];
    int nbreaks;
    int quit;
    int inputs;                /* for naming inputs in diagnostics: <repl:N> */
    int check_sets;            /* the next file loaded is the command line's FILE */
} repl;

/* readline's callbacks carry no context: the one REPL of the process. */
static repl *the_repl;

static const char *const repl_commands[] = {":steps", ":next", ":run", ":goto", ":break", ":vars", ":timers",
                                            ":load", ":help", ":quit", NULL};

static const char *const keywords[] = {
    "runbook", "use", "as", "param", "secret", "let", "fn", "escalation", "at", "unless", "when", "repeat",
    "every", "until", "for", "in", "phase", "within", "step", "timeout", "retries", "rollback", "on", "if", "elif",
    "else", "while", "break", "continue", "return", "goto", "note", "warn", "confirm", "choose", "checklist", "sh",
    "http", "wait", "run", "with", "abort", "fail", "and", "or", "not", "true", "false", "nil", "readonly", "idempotent", "env",
    "cwd", "headers", "json", "body", "parallel", "tolerate", "failfast", "approve", "by", "role",
    "allow_self", NULL};

static void on_sigint(int sig)
{
    (void)sig;
    eval_interrupt();
}

static void help(void)
{
    puts("  Type statements and expressions as in a step; an expression's value is printed.\n"
         "  An unfinished block, string or heredoc continues on the next line (...>).\n"
         "  :steps         the steps, → the current one, ✓ those done\n"
         "  :next          run the current step and stop before the next\n"
         "  :run           run on to the end, or to the next breakpoint\n"
         "  :goto ID       make ID the current step\n"
         "  :break ID      stop before step ID during :run (:break alone lists them)\n"
         "  :vars          the variables (secrets redacted)\n"
         "  :timers        pending escalations, recurring timers and deadlines, with time left\n"
         "  :load FILE     end this run and load another runbook\n"
         "  :help, :quit   (Ctrl-D quits too; Ctrl-C cancels the line or the running command)");
}

/* ---- completion ---- */

typedef struct names { char **items; int n, cap; } names;

static void names_add(void *ctx, const char *name)
{
    names *ns = ctx;
    if (ns->n == ns->cap) {
        ns->cap = ns->cap ? ns->cap * 2 : 64;
        ns->items = rb_xrealloc(ns->items, (size_t)ns->cap * sizeof *ns->items);
    }
    ns->items[ns->n++] = rb_xstrdup(name);
}

static names completion;       /* the candidates of the completion in progress */

static char *complete_next(const char *text, int state)
{
    static int i;
    if (state == 0) i = 0;
    size_t n = strlen(text);
    while (i < completion.n) {
        const char *c = completion.items[i++];
        if (strncmp(c, text, n) == 0) return strdup(c);   /* readline frees with free() */
    }
    return NULL;
}

static char **complete(const char *text, int start, int end)
{
    (void)end;
    for (int i = 0; i < completion.n; i++) rb_free(completion.items[i]);
    completion.n = 0;
    int command = start == 0 && text[0] == ':';
    if (command) {
        for (int i = 0; repl_commands[i]; i++) names_add(&completion, repl_commands[i]);
    } else {
        for (int i = 0; keywords[i]; i++) names_add(&completion, keywords[i]);
        if (the_repl && the_repl->S) session_names(the_repl->S, names_add, &completion);
    }
    rl_attempted_completion_over = 1;
    return rl_completion_matches(text, complete_next);
}

/* ---- history ---- */

static char *history_path(void)
{
    const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    rb_buf b;
    buf_init(&b);
    if (state && *state) buf_printf(&b, "%s/runbook", state);
    else if (home && *home) buf_printf(&b, "%s/.local/state/runbook", home);
    else {
        buf_free(&b);
        return NULL;
    }
    /* make the directories, one level at a time */
    for (char *p = b.data + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        mkdir(b.data, 0700);
        *p = '/';
    }
    mkdir(b.data, 0700);
    buf_adds(&b, "/history");
    return buf_take(&b);
}

/* ---- reading lines ---- */

static void got_line(char *line)
{
    repl *R = the_repl;
    R->line = line;
    R->got_line = 1;
    if (!line) R->eof = 1;
    rl_callback_handler_remove();
}

/* One line from the terminal (timers fire while waiting).  NULL: Ctrl-D; sets *cancel on Ctrl-C. */
static char *read_tty_line(repl *R, const char *prompt, int *cancel)
{
    *cancel = 0;
    R->got_line = 0;
    R->line = NULL;
    rl_callback_handler_install(prompt, got_line);
    prompt_line_active(session_prompter(R->S), 1);
    while (!R->got_line) {
        if (session_wait_input(R->S, 0) < 0) {
            /* Ctrl-C at the prompt: drop what was typed, start a fresh line */
            rl_free_line_state();
            rl_callback_sigcleanup();
            rl_callback_handler_remove();
            eval_clear_interrupt();
            fputs("^C\n", stdout);
            *cancel = 1;
            break;
        }
        rl_callback_read_char();
    }
    prompt_line_active(session_prompter(R->S), 0);
    char *line = R->line ? rb_xstrdup(R->line) : NULL;
    free(R->line);
    R->line = NULL;
    return line;
}

/* One line of piped input (no prompt is printed), read through the session's prompter so
 * that prompts of what runs read the lines that follow; NULL at the end. */
static char *read_pipe_line(repl *R)
{
    for (;;) {
        int st;
        char *line = prompt_read_line(session_prompter(R->S), &st);
        if (st == 0) return line;
        eval_clear_interrupt();   /* Ctrl-C with piped input: keep reading */
    }
}

/* ---- sessions ---- */

static int open_session(repl *R, const char *path)
{
    if (path) {
        R->file = front_load(path, &R->ms);
        /* the FILE of the command line: its --set names must be its params (not for :load) */
        if (R->file && R->check_sets && cli_check_sets(R->file, path, "repl", R->o.sets) != 0) {
            ast_file_free(R->file);
            R->file = NULL;
        }
        R->check_sets = 0;
        if (!R->file) return -1;
        R->o.path = path;
    } else {
        static const char blank[] = "runbook \"REPL session\" { severity P4 }\n";
        diag_list d;
        diag_init(&d);
        R->file = parse_text("<repl>", blank, sizeof blank - 1, &d);
        diag_free(&d);
        R->o.path = "<repl>";
    }
    int rc;
    R->S = session_open(R->file, &R->ms, &R->o, &rc);
    if (!R->S) {
        ast_file_free(R->file);
        R->file = NULL;
        return -1;
    }
    if (path) printf("  %s loaded: :steps lists its steps, :next runs the current one\n", path);
    return 0;
}

static int close_session(repl *R)
{
    int rc = 0;
    if (R->S) rc = session_close(R->S);
    R->S = NULL;
    ast_file_free(R->file);
    R->file = NULL;
    return rc;
}

/* ---- commands ---- */

static void command(repl *R, const char *line)
{
    char cmd[32] = "", arg[1024] = "";
    sscanf(line, "%31s %1023[^\n]", cmd, arg);
    size_t al = strlen(arg);
    while (al && (arg[al - 1] == ' ' || arg[al - 1] == '\t')) arg[--al] = '\0';
    if (strcmp(cmd, ":quit") == 0 || strcmp(cmd, ":q") == 0) {
        R->quit = 1;
    } else if (strcmp(cmd, ":help") == 0 || strcmp(cmd, ":h") == 0) {
        help();
    } else if (strcmp(cmd, ":steps") == 0) {
        session_steps(R->S, stdout);
    } else if (strcmp(cmd, ":next") == 0 || strcmp(cmd, ":n") == 0) {
        session_next(R->S);
    } else if (strcmp(cmd, ":run") == 0) {
        session_run(R->S, R->breaks, R->nbreaks);
    } else if (strcmp(cmd, ":goto") == 0) {
        if (!*arg) puts("  usage: :goto STEP_ID");
        else if (session_goto(R->S, arg) != 0) printf("  no step '%s' (:steps lists them)\n", arg);
        else printf("  the current step is now %s\n", arg);
    } else if (strcmp(cmd, ":break") == 0) {
        if (!*arg) {
            if (R->nbreaks == 0) puts("  (no breakpoints)");
            for (int i = 0; i < R->nbreaks; i++) printf("  before %s\n", R->breaks[i]);
        } else if (R->nbreaks == MAX_BREAKS) {
            puts("  too many breakpoints");
        } else {
            R->break_store[R->nbreaks] = rb_xstrdup(arg);
            R->breaks[R->nbreaks] = R->break_store[R->nbreaks];
            R->nbreaks++;
            printf("  :run stops before %s\n", arg);
        }
    } else if (strcmp(cmd, ":vars") == 0) {
        session_vars(R->S, stdout);
    } else if (strcmp(cmd, ":timers") == 0) {
        session_timers(R->S, stdout);
    } else if (strcmp(cmd, ":load") == 0) {
        if (!*arg) {
            puts("  usage: :load FILE");
            return;
        }
        close_session(R);
        if (open_session(R, arg) != 0 && open_session(R, NULL) != 0) R->quit = 1;
    } else {
        printf("  unknown command %s (:help lists them)\n", cmd);
    }
    fflush(stdout);
}

/* A complete input: parse it (or ask for more) and run it.  Returns 1 when more is needed. */
static int input(repl *R, const char *text, int final)
{
    diag_list d;
    diag_init(&d);
    char name[32];
    snprintf(name, sizeof name, "<repl:%d>", ++R->inputs);
    int incomplete;
    ast_file *chunk = parse_repl(name, text, strlen(text), &d, &incomplete);
    if (incomplete && !final) {
        R->inputs--;
        diag_free(&d);
        ast_file_free(chunk);
        return 1;
    }
    if (d.errors) {
        diag_print_all(&d, stderr, cli_color(2));
        diag_free(&d);
        ast_file_free(chunk);
        return 0;
    }
    diag_free(&d);
    session_input(R->S, chunk, text);
    fflush(stdout);
    return 0;
}

static void loop(repl *R)
{
    while (!R->quit) {
        int cont = R->pending.len > 0, cancel = 0;
        char *line = R->tty ? read_tty_line(R, cont ? "...> " : "runbook> ", &cancel) : read_pipe_line(R);
        if (cancel) {
            buf_reset(&R->pending);
            continue;
        }
        if (!line) {
            if (R->pending.len) input(R, buf_cstr(&R->pending), 1);   /* reports what is unfinished */
            if (R->tty) putchar('\n');
            break;
        }
        if (R->tty && *line) add_history(line);
        if (!cont && line[0] == ':') {
            command(R, line);
        } else if (cont || *line) {
            if (cont) buf_addc(&R->pending, '\n');
            buf_adds(&R->pending, line);
            if (!input(R, buf_cstr(&R->pending), 0)) buf_reset(&R->pending);
        }
        rb_free(line);
    }
}

int cmd_repl(int argc, char **argv)
{
    repl R;
    memset(&R, 0, sizeof R);
    module_set_init(&R.ms);
    buf_init(&R.pending);
    R.o.mode = "repl";
    R.o.drill = 1;   /* a rehearsal unless --live: virtual clock, notifications not sent */
    int clock_set = 0;
    const char *file = NULL, *db = getenv("RUNBOOK_DB"), *v, *answers = NULL;
    const char **sets = rb_xcalloc((size_t)argc + 1, sizeof *sets);
    int nsets = 0, missing = 0, clock_mode = 0;
    double clock_start = 0;
    for (int i = 1; i < argc; i++) {
        missing = 0;
        if ((v = cli_opt_value(argc, argv, &i, "--db", &missing))) db = v;
        else if ((v = cli_opt_value(argc, argv, &i, "--set", &missing))) {
            if (!strchr(v, '=') || v[0] == '=') {
                fprintf(stderr, "runbook repl: --set takes NAME=VALUE, not '%s'\n", v);
                rb_free(sets);
                return EXIT_USAGE;
            }
            sets[nsets++] = v;
        }
        else if ((v = cli_opt_value(argc, argv, &i, "--answers", &missing))) answers = v;
        else if ((v = cli_opt_value(argc, argv, &i, "--ssh-config", &missing))) R.o.ssh_config = v;
        else if (strcmp(argv[i], "--live") == 0) R.o.drill = 0;
        else if ((v = cli_opt_value(argc, argv, &i, "--clock", &missing))) {
            clock_set = 1;
            if ((clock_mode = cli_parse_clock("repl", v, &clock_start)) < 0) {   /* the last --clock wins */
                rb_free(sets);
                return EXIT_USAGE;
            }
        } else if (missing || (argv[i][0] == '-' && argv[i][1]) || file) {
            fprintf(stderr, "usage: runbook repl [FILE] [--live] [--set NAME=VALUE]... [--answers FILE] [--clock …] [--db PATH]\n");
            rb_free(sets);
            return EXIT_USAGE;
        } else file = argv[i];
    }
    cli_last_sets_win(sets);
    cli_use_clock(clock_mode, clock_start);
    R.o.sets = sets;
    R.check_sets = file != NULL;
    if (R.o.drill && !clock_set) clock_use_virtual(clock_now());
    json_t *ans = NULL;
    if (cli_load_answers(answers, &ans) != 0) {
        rb_free(sets);
        return EXIT_USAGE;
    }
    R.o.answers = ans;
    R.rec = cli_open_db(db);
    if (!R.rec) {
        json_decref(ans);
        rb_free(sets);
        return EXIT_DB;
    }
    R.o.rec = R.rec;
    R.tty = isatty(0) && isatty(1);
    the_repl = &R;

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    char *hist = NULL;
    if (R.tty && rl_load() != 0) {
        fprintf(stderr, "runbook repl: no line editing (%s): reading plain lines\n", rl_load_error());
        R.tty = 0;
    }
    if (R.tty) {
        rl_readline_name = "runbook";
        rl_attempted_completion_function = complete;
        rl_catch_signals = 0;      /* our handler decides what Ctrl-C means */
        hist = history_path();
        if (hist && rb_check_input(hist) != 0 && errno != ENOENT) {
            /* a FIFO or device there would block reading and writing it: do without */
            fprintf(stderr, "runbook repl: not using the history file %s: %s\n", hist, rb_read_error());
            rb_free(hist);
            hist = NULL;
        }
        if (hist) read_history(hist);
        stifle_history(1000);
        printf("runbook repl — :help for commands, Ctrl-D to leave\n");
        if (R.o.drill)
            printf("drill mode: %s clock, notifications logged as [drill] and not sent (--live to send)\n",
                   clock_is_virtual() ? "virtual" : "real");
    }
    int rc = EXIT_OK;
    if (open_session(&R, file) != 0) {
        rc = file ? EXIT_USAGE : EXIT_DB;
    } else {
        loop(&R);
        rc = close_session(&R);
        if (rc == 1) rc = EXIT_OK;   /* a step that failed in the REPL does not fail the REPL */
    }
    if (hist) {
        write_history(hist);
        rb_free(hist);
    }
    for (int i = 0; i < completion.n; i++) rb_free(completion.items[i]);
    rb_free(completion.items);
    for (int i = 0; i < R.nbreaks; i++) rb_free(R.break_store[i]);
    buf_free(&R.pending);
    module_set_free(&R.ms);
    rec_close(R.rec);
    json_decref(ans);
    rb_free(sets);
    the_repl = NULL;
    return rc;
}
