/*
 * main.c — argument parsing and dispatch to the subcommands.
 *
 * Owns: `runbook help [COMMAND]`, `--help`, `--version` (with the versions of the libraries
 * this process runs with, each asked of its door file), global flags (--no-color) and
 * the exit status of usage errors.  Each subcommand lives in its own file; the hidden
 * `__complete` (shell completion) in complete.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "cli.h"
#include "http.h"
#include "prompt.h"
#include "record.h"

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
     "                     [--incident ID] [--db PATH] [--clock real|virtual[=ISO-8601]] [--ssh-config FILE]",
     "Run a runbook during an incident, recording every action in the database.\n"
     "\n"
     "  --set NAME=VALUE  set a param (repeatable; converted to the param's type; for one NAME\n"
     "                    the last wins; a NAME the runbook does not declare, or a number that\n"
     "                    does not fit, is an error)\n"
     "  --answers FILE    answers in JSON: {\"prompt text or key\": \"answer\"}, a list of answers\n"
     "                    for a prompt asked several times, or {\"answer\": \"…\", \"after\": \"20m\"}\n"
     "  --auto            take defaults; a prompt without one ends the run with exit 4\n"
     "  --dry-run         run readonly commands; print the others without running them\n"
     "  --drill           a rehearsal: virtual clock (unless --clock), notifications logged as\n"
     "                    [drill] and not sent\n"
     "  --start-at STEP   begin at that step\n"
     "  --incident ID     attach the run to an incident id (else INC-YYYY-MMDD-NNN is made)\n"
     "  --db PATH         the database (also RUNBOOK_DB; default $XDG_DATA_HOME/runbook/runs.db)\n"
     "  --ssh-config FILE ssh's configuration for `sh … on HOST` (also RUNBOOK_SSH_CONFIG)\n"
     "  --clock virtual[=ISO-8601]\n"
     "                    virtual time (default start: now): waits, timeouts and answer delays\n"
     "                    take no real time, so escalation timelines can be tested and drilled\n"
     "                    (given more than once, the last --clock wins)\n"
     "\n"
     "Without a terminal and without --answers, each prompt reads one line of standard input.\n"
     "FILE must hold a runbook (an empty file or a module is an error).  Files runbook reads\n"
     "(runbooks, modules, answers) must be regular files of at most 64 MiB.\n"
     "Exit: 0 finished, 1 failed or aborted, 2 usage or the runbook does not check, 3 the\n"
     "database cannot be written, 4 input required, 130 interrupted.\n"},
    {"repl", cmd_repl, "runbook repl [FILE] [--live] [--set NAME=VALUE]... [--answers FILE] [--clock …] [--db PATH] [--ssh-config FILE]",
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
    {"resume", cmd_resume, "runbook resume RUN [--auto] [--answers FILE] [--db PATH] [--ssh-config FILE]",
     "Continue an interrupted run from where it stopped, appending to the same run.  The\n"
     "recorded runbook source is re-run against the record: completed commands, answers and\n"
     "timer firings are served from it, not repeated (firings at their recorded times).  A\n"
     "command that was in flight when the run stopped is shown; if its process group is still\n"
     "running, the responder waits for it or stops it (--auto: wait).  A readonly or idempotent\n"
     "command then runs again; any other is the responder's call (answers key in_flight:\n"
     "re-run or skip; --auto stops with exit 4 naming it).  Then the run goes on live.  RUN is\n"
     "a run id, an incident id, or `last`.\n"},
    {"approve", cmd_approve, "runbook approve RUN [--as NAME] [--reason TEXT] [--db PATH]",
     "Approve what run RUN is waiting on (an `approve` statement), from another terminal on\n"
     "the same host: the decision goes to the run's database, where the waiting run finds it\n"
     "and records who approved and when.  NAME defaults to the user you run as; the person\n"
     "who started the run cannot approve its own request unless the statement says\n"
     "allow_self.  Exit: 0 recorded, 1 refused (not waiting, already decided, own request),\n"
     "2 usage or no such run, 3 database error.\n"},
    {"reject", cmd_reject, "runbook reject RUN [--as NAME] --reason TEXT [--db PATH]",
     "Reject what run RUN is waiting on: the step with the `approve` statement fails, with\n"
     "your reason in the record.  As for approve.\n"},
    {"runs", cmd_runs, "runbook runs [--format text|json] [--db PATH]",
     "List recorded runs, newest first: id, incident, status, severity, start, duration, runbook.\n"
     "A run whose process died is shown as interrupted.\n"},
    {"report", cmd_report, "runbook report RUN [--format md|json|review] [--db PATH]",
     "The post-mortem draft of a run.  RUN is a run id, an incident id (its newest run) or `last`.\n"
     "\n"
     "  --format md    (default) Markdown: incident summary, timeline in UTC, decisions (checklist\n"
     "                 items too), commands run with the first and last lines of their output,\n"
     "                 escalations and notifications (not GET/HEAD probes), missed deadlines,\n"
     "                 MTTA/MTTR against the runbook's targets, action items, and TODO\n"
     "                 placeholders (impact, root cause, what went well, lessons) for the review\n"
     "                 to fill in\n"
     "  --format json  the record as one object {run, events, action_items} (cli.md's contract)\n"
     "  --format review  the post-incident review pack (Markdown): the meeting (within 48 hours\n"
     "                 of the resolution, at the latest 5 business days after closure), attendees\n"
     "                 from the incident's roles and who acted or was told, the agenda, and the\n"
     "                 incident report template filled from the record: summary, times, MTTA/MTTR\n"
     "                 against the targets, timeline, decisions, commands, root cause, follow-ups\n"
     "\n"
     "Only the record is read; secrets stay redacted.  Exit: 0 done, 2 no such run or a usage\n"
     "error, 3 no readable database.\n"},
    {"stats", cmd_stats, "runbook stats [--since 30d|DATE] [--format text|json] [--db PATH]",
     "Response metrics across the recorded incidents (exec and resume runs; REPL and test\n"
     "runs are left out), per severity: incidents, acknowledged, MTTA, the respond target\n"
     "met or missed, resolved, MTTR, the resolve target met or missed.  Then the handbook's\n"
     "KPIs: MTTD < 5m (from a run's impact_started_at param to its start), MTTA < 15m, P1\n"
     "MTTR < 4h, first-contact resolution >= 80% (no escalation past the first rung before\n"
     "the resolution), and how often incidents escalated.\n"
     "\n"
     "  --since X  only incidents that started in the last X (30d, 12h) or since a date\n"},
    {"replay", cmd_replay, "runbook replay RUN [--speed X | --step | --verify [FILE]] [--db PATH]",
     "Play a recorded run back as it happened: each event with its UTC time and +MM:SS since\n"
     "the start, phases and steps as headings, prompts with the answer and who gave it, commands\n"
     "with their exit status and recorded output (| stdout, ! stderr; the first 10 lines of\n"
     "each), HTTP calls, escalations, timers, state changes and notes.  Nothing is executed.\n"
     "\n"
     "  --speed X  pause between events for the recorded gap divided by X (10 = ten times real\n"
     "             time; X from 0.01 to 1000000); no single pause is longer than 5 s, so a\n"
     "             30-minute wait does not stall\n"
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
    {"lint", cmd_lint, "runbook lint [--format text|json|sarif|github|checkstyle] [--strict] [--baseline FILE] "
                       "[--write-baseline FILE] [--no-shellcheck] PATH...",
     "Check runbooks without running anything.  Directories are walked for *.rb files.\n"
     "Syntax errors, checker errors (undefined names, bad goto targets, prompts in timer\n"
     "bodies, ...) and warnings with rule ids (RB1xx, see docs/lint.md) are reported as\n"
     "FILE:LINE:COL: error|warning: MESSAGE with the source line and a caret.\n"
     "\n"
     "  --format text   diagnostics on stderr (default)\n"
     "  --format json   {\"files\", \"errors\", \"warnings\", \"diagnostics\": [...]} on stdout\n"
     "  --format sarif  SARIF 2.1.0 on stdout, for code-scanning tools (rules with help links)\n"
     "  --format github GitHub Actions workflow commands (::warning file=..,line=..,col=..::msg)\n"
     "  --format checkstyle  checkstyle XML on stdout\n"
     "  --strict        warnings fail the lint too\n"
     "  --baseline FILE do not report the warnings recorded in FILE (only new ones count)\n"
     "  --write-baseline FILE  record this run's warnings in FILE\n"
     "  --no-shellcheck do not run shellcheck over the sh commands (it runs when installed;\n"
     "                  findings are SCxxxx warnings at the runbook's line and column)\n"
     "  --list-rules    list the rule ids;  --explain RULE  explain one (RB107, SC2086)\n"
     "\n"
     "# runbook:disable RULE at the end of a line (or on the line before) suppresses it\n"
     "there; # runbook:disable-file RULE in the whole file; an unused one is RB117.\n"
     "\n"
     "Exit: 0 nothing to report (or only warnings without --strict); 1 errors (or warnings\n"
     "with --strict); 2 usage error, unreadable path, or a file that does not parse.\n"},
    {"test", cmd_test,
     "runbook test [PATH...] [--format text|tap|junit] [--coverage] [--coverage-json FILE] [--lcov FILE]\n"
     "                     [--jobs N] [--verbose]",
     "Run runbook tests: every test \"name\" { ... } in the *.test.rb files under PATH (directories\n"
     "are walked; default .).  A test scripts answers (answer), stubs commands, HTTP and e-mail\n"
     "(stub_sh, stub_http, stub_mail; anything unstubbed fails the test unless allow_sh /\n"
     "allow_http let it through), runs a runbook on the virtual clock (run_runbook) and checks\n"
     "what happened (expect_steps, expect_command, expect_notified, ...).  See docs/testing.md.\n"
     "Each test runs in a worker process of its own with its own record in a temporary\n"
     "directory, up to one worker per core (--jobs N).\n"
     "\n"
     "  --format text   a line per test, failures with the runbook line that decided them (default)\n"
     "  --format tap    TAP version 13\n"
     "  --format junit  JUnit XML for CI\n"
     "  --coverage      decision coverage per runbook: steps, on failure and rollback blocks,\n"
     "                  if/elif/else branches, choose arms, confirm yes/no, escalation rungs\n"
     "  --coverage-json FILE, --lcov FILE   the same as JSON, or as an lcov tracefile (genhtml)\n"
     "  --verbose       print the run's output of a failed test\n"
     "\n"
     "Exit: 0 every test passed, 1 a test failed, 2 usage error or a test file does not load.\n"},
    {"export-test", cmd_export_test, "runbook export-test RUN [--db PATH] [-o FILE]",
     "Write a test file (runbook test) from a recorded run: its answers with their timing,\n"
     "its command and HTTP results as stubs, and the path it took as assertions (steps,\n"
     "commands, notifications with their minutes).  An edited runbook that would handle that\n"
     "incident differently then fails the test with the first divergence.  RUN is a run id,\n"
     "an incident id or last.  Without -o the test is printed.\n"
     "\n"
     "Exit: 0 written, 2 no such run or a usage error, 3 no readable database.\n"},
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

/* The version, then the libraries as loaded at run time (not as compiled against). */
static int print_version(void)
{
    const char *curl = http_lib_version(), *rl = prompt_lib_version();
    printf("runbook %s\n", RUNBOOK_VERSION);
    printf("  SQLite    %s\n", rec_lib_version());
    printf("  libcurl   %s\n", curl ? curl : "(not available)");
    printf("  readline  %s\n", rl ? rl : "(unknown)");
    printf("  jansson   %s\n", jansson_version_str());
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
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0)
        return finish_output(print_version());
    if (strcmp(cmd, "__complete") == 0) return finish_output(cmd_complete(argc - 1, argv + 1));
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
