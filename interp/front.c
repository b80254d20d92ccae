/*
 * front.c — the front end's driver for every command that takes a runbook (exec, repl,
 * view, test, …): read, parse, check, and print the errors, so that they all report a bad
 * runbook the same way (lint, which also prints warnings, has its own pipeline).
 *
 * Never: run anything from the runbook.
 */
#include <stdio.h>
#include "check.h"
#include "cli.h"
#include "front.h"
#include "parse.h"

ast_file *front_load(const char *path, module_set *ms)
{
    diag_list d;
    diag_init(&d);
    ast_file *f = parse_file(path, &d);
    if (!f) {
        fprintf(stderr, "runbook: cannot read %s: %s\n", path, rb_read_error());
        diag_free(&d);
        return NULL;
    }
    if (d.syntax_errors == 0 && f->root) check_file(f, ms, &d);
    int color = cli_color(2);
    for (int k = 0; k < d.n; k++)
        if (d.items[k].level == DIAG_ERROR) diag_print(&d.items[k], stderr, color);
    int bad = d.errors > 0 || !f->root;
    diag_free(&d);
    if (bad) {
        ast_file_free(f);
        return NULL;
    }
    return f;
}
