/*
 * main.c — argument parsing and dispatch to the subcommands.
 *
 * Owns: `runbook help [COMMAND]`, `--help`, `--version`, global flags (--no-color) and
 * the exit status of usage errors.  Each subcommand lives in its own file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "http.h"

#define RUNBOOK_VERSION "0.1.0"

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *synopsis;
    const char *help;
} command;

static const command commands[] = {
    {"exec", cmd_exec,
     "runbook exec FILE [--set NAME=VALUE]... [--answers FILE] [--auto] [--dry-run] [--drill] [--start-at STEP]\n"
     "                     [--incident ID] [--db PATH] [--clock real|virtual[=ISO-8601]]",
     "Run a runbook during an incident, recording every action in the database.\n"
     "\n"
     "  --set NAME=VALUE  set a param (repeatable; converted to the param's type)\n"
     "  --answers FILE    answers in JSON: {\"prompt text or key\": \"answer\"}, a list of answers\n"
     "                    for a prompt asked several times, or {\"answer\": \"…\", \"after\": \"20m\"}\n"
     "  --auto            take defaults; a prompt without one ends the run with exit 4\n"
     "  --dry-run         run readonly commands; print the others without running them\n"
     "  --drill           a rehearsal: virtual clock (unless --clock), notifications logged as\n"
     "                    [drill] and not sent\n"
     "  --start-at STEP   begin at that step\n"
     "  --incident ID     attach the run to an incident id (else INC-YYYY-MMDD-NNN is made)\n"
     "  --db PATH         the database (also RUNBOOK_DB; default $XDG_DATA_HOME/runbook/runs.db)\n"
     "  --clock virtual[=ISO-8601]\n"
     "                    virtual time (default start: now): waits, timeouts and answer delays\n"
     "                    take no real time, so escalation timelines can be tested and drilled\n"
     "\n"
     "Without a terminal and without --answers, each prompt reads one line of standard input.\n"
     "Exit: 0 finished, 1 failed or aborted, 2 usage or the runbook does not check, 3 the\n"
     "database cannot be written, 4 input required, 130 interrupted.\n"},
    {"repl", cmd_repl, "runbook repl [FILE] [--live] [--set NAME=VALUE]... [--answers FILE] [--clock …] [--db PATH]",
     "Interactive: type statements and expressions as in a step (an expression's value is\n"
     "printed; an unfinished block, string or heredoc continues on the next line), or step\n"
     "through FILE: its params, modules, globals and timers are loaded, and timers keep firing\n"
     "while the prompt waits.  The session is recorded as a run like any other.\n"
     "\n"
     "  --live  send notifications for real; without it the REPL is a drill: virtual clock\n"
     "          (unless --clock), notifications logged as [drill] and not sent\n"
     "\n"
     "  :steps  :next  :run  :goto ID  :break ID  :vars  :timers  :load FILE  :help  :quit\n"
     "\n"
     "History is kept in $XDG_STATE_HOME/runbook/history; Tab completes keywords, names,\n"
     "module members, step ids and commands.  Ctrl-C cancels the line or the running\n"
     "command; Ctrl-D or :quit leaves.\n"},
    {"resume", cmd_resume, "runbook resume RUN [--auto] [--answers FILE] [--db PATH]",
     "Continue an interrupted run from where it stopped, appending to the same run.  The\n"
     "recorded runbook source is re-run against the record: completed commands, answers and\n"
     "timer firings are served from it, not repeated (firings at their recorded times).  A\n"
     "command that was in flight when the run stopped is shown; if its process group is still\n"
     "running, the responder waits for it or stops it (--auto: wait).  A readonly or idempotent\n"
     "command then runs again; any other is the responder's call (answers key in_flight:\n"
     "re-run or skip; --auto stops with exit 4 naming it).  Then the run goes on live.  RUN is\n"
     "a run id, an incident id, or `last`.\n"},
    {"runs", cmd_runs, "runbook runs [--format text|json] [--db PATH]",
     "List recorded runs, newest first: id, incident, status, severity, start, duration, runbook.\n"
     "A run whose process died is shown as interrupted.\n"},
    {"report", cmd_report, "runbook report RUN [--format md|json] [--db PATH]",
     "The post-mortem draft of a run.  RUN is a run id, an incident id (its newest run) or `last`.\n"
     "\n"
     "  --format md    (default) Markdown: incident summary, timeline in UTC, decisions (checklist\n"
     "                 items too), commands run with the first and last lines of their output,\n"
     "                 escalations and notifications (not GET/HEAD probes), missed deadlines,\n"
     "                 MTTA/MTTR against the runbook's targets, action items, and TODO\n"
     "                 placeholders (impact, root cause, what went well, lessons) for the review\n"
     "                 to fill in\n"
     "  --format json  the record as one object {run, events, action_items} (cli.md's contract)\n"
     "\n"
     "Only the record is read; secrets stay redacted.  Exit: 0 done, 2 no such run or a usage\n"
     "error, 3 no readable database.\n"},
    {"replay", cmd_replay, "runbook replay RUN [--speed X | --step | --verify [FILE]] [--db PATH]",
     "Play a recorded run back as it happened: each event with its UTC time and +MM:SS since\n"
     "the start, phases and steps as headings, prompts with the answer and who gave it, commands\n"
     "with their exit status and recorded output (| stdout, ! stderr; the first 10 lines of\n"
     "each), HTTP calls, escalations, timers, state changes and notes.  Nothing is executed.\n"
     "\n"
     "  --speed X  pause between events for the recorded gap divided by X (10 = ten times real\n"
     "             time); no single pause is longer than 5 s, so a 30-minute wait does not stall\n"
     "  --step     wait for Enter before each event (q quits; at the end of input the rest is\n"
     "             printed without waiting)\n"
     "\n"
     "Without either, the whole run is printed at once.\n"
     "\n"
     "  --verify [FILE]  re-execute the run's recorded runbook, or a newer FILE, with every\n"
     "             command, request, answer and timer served from the record and nothing\n"
     "             executed, and report the first divergence (a different prompt, command,\n"
     "             branch or order) with its location in FILE.  --quiet: no transcript.\n"
     "\n"
     "Exit: 0 done (--verify: the same path), 1 (--verify) the runbook diverges, 2 no such\n"
     "run or a usage error, 3 no readable database.\n"},
    {"lint", cmd_lint, "runbook lint [--format text|json|sarif] [--strict] PATH...",
     "Check runbooks without running anything.  Directories are walked for *.rb files.\n"
     "Syntax errors, checker errors (undefined names, bad goto targets, prompts in timer\n"
     "bodies, ...) and warnings with rule ids (RB1xx, see docs/lint.md) are reported as\n"
     "FILE:LINE:COL: error|warning: MESSAGE with the source line and a caret.\n"
     "\n"
     "  --format text   diagnostics on stderr (default)\n"
     "  --format json   {\"files\", \"errors\", \"warnings\", \"diagnostics\": [...]} on stdout\n"
     "  --format sarif  SARIF 2.1.0 on stdout, for code-scanning tools\n"
     "  --strict        warnings fail the lint too\n"
     "\n"
     "Exit: 0 nothing to report (or only warnings without --strict); 1 errors (or warnings\n"
     "with --strict); 2 usage error, unreadable path, or a file that does not parse.\n"},
    {"view", cmd_view, "runbook view FILE [--format md|dot]",
     "Render a runbook for people: --format md (default) prints a Markdown document with\n"
     "the header, params, escalation ladder, phases and steps with their commands, prompts\n"
     "and decision branches; --format dot prints the decision tree as a Graphviz graph.\n"
     "Nothing is executed.  Exit 2 when the file does not parse or check.\n"},
};
#define NCOMMANDS (sizeof commands / sizeof *commands)

static const command *find_command(const char *name)
{
    for (size_t i = 0; i < NCOMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0) return &commands[i];
    return NULL;
}

static void usage(FILE *out)
{
    fprintf(out, "runbook %s — a runbook interpreter for incident response\n\nusage:\n", RUNBOOK_VERSION);
    for (size_t i = 0; i < NCOMMANDS; i++) fprintf(out, "  %s\n", commands[i].synopsis);
    fprintf(out, "  runbook help [COMMAND]\n  runbook --version\n\n"
                 "Global option: --no-color (also NO_COLOR=1).\n"
                 "See `runbook help COMMAND`, docs/language.md and man runbook.\n");
}

/* One command's help; every command takes --no-color, so every help says so. */
static void command_help(const command *c)
{
    printf("usage: %s\n\n%s\n  --no-color        no colour (also NO_COLOR=1; there is none when the output is not a\n"
           "                    terminal)\n", c->synopsis, c->help);
}

static int cmd_help(int argc, char **argv)
{
    if (argc < 2) {
        usage(stdout);
        return EXIT_OK;
    }
    const command *c = find_command(argv[1]);
    if (!c) {
        fprintf(stderr, "runbook: no help for unknown command '%s'\n", argv[1]);
        return EXIT_USAGE;
    }
    command_help(c);
    return EXIT_OK;
}

/* Output that could not be written (a full disk, a closed pipe) is a failure, said aloud. */
static int finish_output(int rc)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "runbook: cannot write the output: %s\n", strerror(errno));
        return rc ? rc : EXIT_FAILED;
    }
    return rc;
}

int main(int argc, char **argv)
{
    /* Global flags may come anywhere; strip them before dispatch. */
    int n = 0;
    for (int i = 0; i < argc; i++) {
        if (i > 0 && strcmp(argv[i], "--no-color") == 0) {
            cli_set_no_color();
            continue;
        }
        argv[n++] = argv[i];
    }
    argc = n;
    argv[argc] = NULL;

    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("runbook %s\n", RUNBOOK_VERSION);
        return finish_output(EXIT_OK);
    }
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0)
        return finish_output(cmd_help(argc - 1, argv + 1));
    const command *c = find_command(cmd);
    if (!c) {
        fprintf(stderr, "runbook: unknown command '%s' (see runbook help)\n", cmd);
        return EXIT_USAGE;
    }
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            command_help(c);
            return EXIT_OK;
        }
        if (strcmp(argv[i], "--") == 0) break;
    }
    int rc = c->run(argc - 1, argv + 1);
    http_global_cleanup();
    return finish_output(rc);
}
