/*
 * parse.h — turning runbook source into an AST.
 *
 * parse_text and parse_file always report problems through the diag_list (syntax errors
 * count in d->syntax_errors).  The returned file's root is NULL when the input could not be
 * parsed at all (invalid UTF-8, too many errors); otherwise it is the tree as far as it was
 * understood.  The caller frees the result with ast_file_free.
 */
#ifndef RB_PARSE_H
#define RB_PARSE_H

#include "ast.h"
#include "diag.h"

/* Parse text (copied) under the display name `name`. */
ast_file *parse_text(const char *name, const char *text, size_t len, diag_list *d);

/* Read and parse a file; NULL with errno set when it cannot be read. */
ast_file *parse_file(const char *path, diag_list *d);


/*
 * Parse one REPL input: statements, and use/param/secret/fn/step/phase declarations.
 * *incomplete is set when the text ends inside something unfinished (an open block,
 * string or heredoc, a dangling operator): the REPL then reads another line.  The result
 * is a file whose root is an N_FILE of the items (NULL root when nothing parsed).
 */
ast_file *parse_repl(const char *name, const char *text, size_t len, diag_list *d, int *incomplete);


#endif
