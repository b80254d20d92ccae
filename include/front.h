/*
 * front.h — load a runbook for a command: read, parse, check, report.
 *
 * Used by every subcommand that takes a runbook file (view, exec, repl, …) so that they
 * all report problems the same way.
 */
#ifndef RB_FRONT_H
#define RB_FRONT_H

#include "ast.h"
#include "module.h"

/*
 * Read, parse and check the runbook at path, printing diagnostics (errors and checker
 * warnings are not printed; lint shows those) to stderr.  Returns the file, or NULL after
 * printing why: unreadable, syntax errors, or checker errors (exit status 2 in each case).
 * The caller frees the file with ast_file_free; modules stay in ms.
 */
ast_file *front_load(const char *path, module_set *ms);

#endif
