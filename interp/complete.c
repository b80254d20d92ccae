/*
 * complete.c — `runbook __complete WHAT ARGS`: the words shell completion offers that only
 * the binary knows (editors/bash/runbook, editors/zsh/_runbook).  Hidden from help.
 *
 *   runbook __complete steps FILE   the step ids of FILE, one a line, in source order
 *                                   (for --start-at, :goto, :break)
 *
 * It prints nothing and exits 0 for a file that cannot be read or parsed: completion must
 * never print errors into the command line being typed.  It parses without checking and
 * never executes or records anything.
 */
#include <stdio.h>
#include <string.h>
#include "ast.h"
#include "cli.h"
#include "diag.h"
#include "parse.h"

static void print_steps(const rb_node *list)
{
    for (const rb_node *n = list; n; n = n->next) {
        if (n->kind == N_STEP && n->str) printf("%s\n", n->str);
        else if (n->kind == N_PHASE) print_steps(n->a);
    }
}

int cmd_complete(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "steps") == 0) {
        diag_list d;
        diag_init(&d);
        ast_file *f = parse_file(argv[2], &d);
        if (f && f->root) print_steps(f->root->a);
        if (f) ast_file_free(f);
        diag_free(&d);
        return EXIT_OK;
    }
    fprintf(stderr, "usage: runbook __complete steps FILE\n");
    return EXIT_USAGE;
}
