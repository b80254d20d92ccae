/*
 * check.h — the semantic pass shared by lint, exec and the REPL.
 *
 * check_file() first expands the parts a runbook uses (expand.h: this is the one change it
 * makes to the tree, once per file), then walks a parsed runbook or module and reports, each
 * at its exact location (inside a part's copy: the module's line, "(used at FILE:L:C)"):
 * the header rules (exactly one, first; severity P1–P4; known fields; durations where
 * durations belong), duplicate step ids, goto targets that do not exist, undefined names
 * (inside #{…} too) and unknown module members, `use` of a module that cannot be found,
 * prompts inside escalation/every bodies, steps and other runbook-only declarations in a
 * module, return outside a function, break/continue outside a loop.  Modules named by
 * `use` are loaded through ms and checked once each (their own errors carry their own
 * file names).  Returns the number of errors it added.
 *
 * The warnings lint adds (rule ids RB1xx) are check_warnings()'s: they never fail exec.
 * RB100 unknown header field, RB101 raw() of a prompt answer or HTTP response, RB102 a
 * mutating sh with no confirm before it in its step, RB103 an unused param or global let,
 * RB104 a P1/P2 runbook without an escalation, RB105 a hard-coded credential, RB106 a step
 * that can never run.  docs/lint.md has an example of each.  (RB107 and later, and
 * shellcheck's findings, are lint's own: see lint.h.)
 *
 * Neither function unwinds or allocates anything the caller must free; both do nothing for a
 * file whose root is NULL.  Diagnostics about a module point into the module's ast_file, which
 * lives in ms: free the diag_list before the module_set.
 */
#ifndef RB_CHECK_H
#define RB_CHECK_H

#include "ast.h"
#include "diag.h"
#include "module.h"

/* The errors of f and of the modules it uses (each checked once per ms); returns how many. */
int check_file(ast_file *f, module_set *ms, diag_list *d);

/* Lint warnings with stable rule ids (see docs/lint.md) for f alone; returns how many. */
int check_warnings(ast_file *f, module_set *ms, diag_list *d);

/* check_file then check_warnings, in one walk of the tree (lint's): the same diagnostics in
 * the same order; returns how many. */
int check_lint(ast_file *f, module_set *ms, diag_list *d);


/* The id a step gets when none is written: a slug of its title ("Check the DB" -> check_the_db). */
char *check_step_slug(arena *a, const char *title);

#endif
