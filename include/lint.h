/*
 * lint.h — the parts of `runbook lint` beyond the checker's warnings.
 *
 * lint_rules.c: the incident rules RB107–RB116 (what only an incident tool can know).
 * lint_sc.c: shellcheck over every `sh` command string, mapped back to runbook positions.
 * suppress.c: `# runbook:disable` comments (RB117 for unused ones) and baselines.
 * lint_out.c: the rule catalogue, --list-rules / --explain, and the output formats
 * (text, json, sarif, github, checkstyle).
 */
#ifndef RB_LINT_H
#define RB_LINT_H

#include <stdio.h>
#include <jansson.h>
#include "ast.h"
#include "diag.h"

/* ---- the catalogue (lint_out.c) ---- */
typedef struct lint_rule {
    const char *id;        /* "RB107" */
    const char *name;      /* a short name: "destructive-without-confirm" */
    const char *short_desc;
    const char *full_desc;
} lint_rule;

/* The rule of an id (RB000 for checker errors), or NULL for ids not in the catalogue. */
const lint_rule *lint_rule_find(const char *id);
/* Every rule of the catalogue, in order; sets *n. */
const lint_rule *lint_rules_all(int *n);
/* The documentation link of a rule id (RBxxx: docs/lint.md; SCxxxx: shellcheck's wiki). */
void lint_help_uri(rb_buf *b, const char *id);
int lint_list_rules(FILE *out);
/* `--explain ID`: 0, or 2 after saying the id is unknown. */
int lint_explain(FILE *out, const char *id);

/* Add a warning with a rule id (printf-style message). */
void lint_warn(diag_list *d, const diag_source *src, rb_loc loc, const char *rule, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* ---- incident rules (lint_rules.c): RB107..RB116 for a parsed, checked runbook ---- */
int lint_incident_rules(ast_file *f, diag_list *d);

/* ---- shellcheck (lint_sc.c) ---- */
typedef struct sc_job sc_job;
/* Is a shellcheck executable on PATH (or $RUNBOOK_SHELLCHECK)? */
int sc_available(void);
/* The shell script of f's sh command strings with its position map; NULL when f has none. */
sc_job *sc_prepare(ast_file *f, diag_list *d);
/* Start shellcheck on a job's script (0), or say why not (-1). */
int sc_start(sc_job *j);
/* Is shellcheck still running for j? */
int sc_running(const sc_job *j);
/* Reap the jobs whose shellcheck ended (their findings go to their diag_list), else wait up
 * to timeout_ms for output; returns how many ended. */
int sc_poll(sc_job *const *jobs, int n, int timeout_ms);
void sc_job_free(sc_job *j);

/* ---- suppressions and baselines (suppress.c) ---- */
/* Drop the warnings that `# runbook:disable` comments of f cover; report unused ones as
 * RB117 (SC ids only when shellcheck ran: sc_ran). */
void suppress_apply(const ast_file *f, diag_list *d, int sc_ran);
/* The fingerprint of a finding: its rule and its normalized source line (robust to shifts). */
char *lint_fingerprint(const diag *g);
typedef struct baseline baseline;
/* Load FILE (NULL after printing why). */
baseline *baseline_load(const char *path);
/* Drop d's warnings the baseline records (each entry absorbs one finding). */
void baseline_filter(baseline *b, diag_list *d);
void baseline_free(baseline *b);
/* Add d's warnings to a baseline being written (a JSON array). */
void baseline_record(json_t *entries, const diag_list *d);
/* Write the entries as a baseline file; 0 or -1 after printing why. */
int baseline_write(const char *path, json_t *entries);

/* Remove every item i of d with drop[i] set (counts adjusted), in one pass. */
void lint_diag_drop(diag_list *d, const unsigned char *drop);

/* ---- output (lint_out.c) ---- */
typedef enum { FMT_TEXT, FMT_JSON, FMT_SARIF, FMT_GITHUB, FMT_CHECKSTYLE } lint_format;
typedef struct lint_out lint_out;
lint_out *lint_out_new(lint_format fmt, int color);
/* Render one file's diagnostics (sorted). */
void lint_out_file(lint_out *o, const char *file, const diag_list *d);
/* Finish: totals, the document for json/sarif/checkstyle. */
void lint_out_finish(lint_out *o, int files, int errors, int warnings);

#endif
