/*
 * view.h — a runbook rendered for people: Markdown, or its decision tree as Graphviz dot.
 *
 * Rendering never executes anything; it reads the AST only.
 */
#ifndef RB_VIEW_H
#define RB_VIEW_H

#include <stdio.h>
#include "ast.h"

void view_markdown(FILE *out, const ast_file *f);
void view_dot(FILE *out, const ast_file *f);

#endif
