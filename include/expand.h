/*
 * expand.h — instantiate the parts (shared phases, steps, escalation ladders, every timers)
 * that a runbook takes from its modules: `phase common.detection(webhook)` and the like.
 *
 * expand_parts() replaces each use in f's tree by a copy of the module's part, its
 * parameters bound to the arguments and its module's names qualified (see expand.c), once
 * per file; check_file() calls it first.  Copied nodes carry an origin (ast_file.origins):
 * the module file and the place of the use.  Errors (unknown module or part, wrong kind,
 * wrong number of arguments) go to d at the use; returns how many.
 */
#ifndef RB_EXPAND_H
#define RB_EXPAND_H

#include "ast.h"
#include "diag.h"
#include "module.h"

int expand_parts(ast_file *f, module_set *ms, diag_list *d);

#endif
