/*
 * check.h — the semantic pass shared by lint, exec and the REPL.
 *
 * check_file() walks a parsed runbook or module and reports, each at its exact location:
 * the header rules (exactly one, first; severity P1–P4; known fields; durations where
 * durations belong), duplicate step ids, goto targets that do not exist, undefined names
 * (inside #{…} too) and unknown module members, `use` of a module that cannot be found,
 * prompts inside escalation/every bodies, steps and other runbook-only declarations in a
 * module, return outside a function, break/continue outside a loop.  Modules named by
 * `use` are loaded through ms and checked once each (their own errors carry their own
 * file names).  Returns the number of errors it added.
 *
 * The warnings lint adds (rule ids RB1xx) are check_warnings()'s: they never fail exec.
 */
#ifndef RB_CHECK_H
#define RB_CHECK_H

#include "ast.h"
#include "diag.h"
#include "module.h"

int check_file(ast_file *f, module_set *ms, diag_list *d);

/* Lint warnings with stable rule ids (see docs/lint.md). */
int check_warnings(ast_file *f, module_set *ms, diag_list *d);

/* Is there a step with this id in the runbook?  (for --start-at) */
int check_has_step(const ast_file *f, const char *id);

/* The id a step gets when none is written: a slug of its title ("Check the DB" -> check_the_db). */
char *check_step_slug(arena *a, const char *title);

#endif
