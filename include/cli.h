/*
 * cli.h — the subcommands' entry points, dispatched by main.c, and the command-line
 * helpers they share (cli.c).
 *
 * Each takes the arguments after the subcommand name (argv[0] is the subcommand) and
 * returns the process exit status documented in cli.md (0, 1, 2, 3, 4, 130).
 */
#ifndef RB_CLI_H
#define RB_CLI_H

#include <jansson.h>

#define EXIT_OK 0
#define EXIT_FAILED 1
#define EXIT_USAGE 2
#define EXIT_DB 3
#define EXIT_INPUT 4
#define EXIT_INTERRUPTED 130

int cmd_lint(int argc, char **argv);
int cmd_view(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_runs(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_resume(int argc, char **argv);
int cmd_repl(int argc, char **argv);
int cmd_export_test(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_replay(int argc, char **argv);
int cmd_approve(int argc, char **argv);
int cmd_reject(int argc, char **argv);
int cmd_stats(int argc, char **argv);
/* `runbook __complete`: words for shell completion (complete.c; not in help). */
int cmd_complete(int argc, char **argv);

struct recorder;
/* The value of an option written "--name VALUE" or "--name=VALUE" at argv[*i] (advancing
 * *i past a separate value); NULL if argv[*i] is not that option, or *missing set when the
 * value is absent. */
const char *cli_opt_value(int argc, char **argv, int *i, const char *name, int *missing);
/* Load an --answers file (NULL path: none, *out NULL).  0, or -1 after printing why. */
int cli_load_answers(const char *path, json_t **out);
/* Open the recording database (db, else the default path) to record a run, creating it;
 * NULL after printing why. */
struct recorder *cli_open_db(const char *db);
/* The same with a rec_mode of record.h: REC_EXISTING (resume, verify) and REC_READONLY
 * (runs, report, replay) never create a directory or a database. */
struct recorder *cli_open_db_mode(const char *db, int mode);

/* --clock's value: 0 real, 1 virtual starting at *start, -1 after printing why.  Each
 * command keeps the last --clock it is given and applies it with cli_use_clock. */
int cli_parse_clock(const char *cmd, const char *v, double *start);
void cli_use_clock(int mode, double start);
/* --set NAME=VALUE given twice for one NAME: the last wins (sets is NULL-terminated and
 * compacted in place). */
void cli_last_sets_win(const char **sets);
struct ast_file;
/* Every --set names a param the runbook declares (else an error listing them), and a
 * number param's value is a finite number that fits.  0, or -1 after printing why. */
int cli_check_sets(const struct ast_file *f, const char *path, const char *cmd, const char *const *sets);
/* A runbook to run: not empty (no declarations: an empty file, only comments) and not a
 * module.  0, or -1 after printing FILE:1:1: error: … */
int cli_check_runnable(const struct ast_file *f);
/* --incident: not empty or blank, no control characters.  0, or -1 after printing why. */
int cli_check_incident(const char *cmd, const char *id);

/* The options of the commands that only read the record (runs, report): --format X, where
 * formats lists the allowed ones as "|a|b|", and --db PATH; up to maxpos positional
 * arguments into pos (*npos of them).  0, or -1 after printing why. */
int cli_format_opts(int argc, char **argv, const char *cmd, const char *formats, const char **fmt, const char **db,
                    const char **pos, int maxpos, int *npos);

struct module_set;
/* Load run SPEC to re-run it against its record (resume, `replay --verify`, exec.c): its
 * row and its runbook (file, else the recorded source), checked; for_resume: the run must
 * be interrupted.  (The evaluator reads the events as it goes.)  0, or an exit status
 * after printing why. */
int replay_load(struct recorder *r, const char *spec, const char *file, int for_resume, json_t **run_out,
                struct ast_file **f_out, struct module_set *ms);

/* Colour for stream fd: only on a terminal, and never with NO_COLOR or --no-color. */
int cli_color(int fd);
void cli_set_no_color(void);

#endif
