/*
 * view_int.h — what the files of `runbook view` share (view.c, view_md.c, view_doc.c,
 * view_dot.c, and ast_stmt.c's statement printer): the step table and the Markdown writer.
 * Nothing else includes it; the public interface is view.h.
 */
#ifndef RB_VIEW_INT_H
#define RB_VIEW_INT_H

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "check.h"
#include "cli.h"
#include "front.h"
#include "module.h"
#include "view.h"

typedef struct view_step {
    const rb_node *node;
    const rb_node *phase;   /* the enclosing N_PHASE, or NULL at the top level */
    const char *id;         /* as written, or the slug of the title (in the table's arena) */
    int slugged;            /* the id was not written */
} view_step;
typedef struct step_table {
    view_step *v;
    int n, cap;
    arena mem;
    const ast_file *file;   /* whose steps (for the origins of steps copied from a module's part) */
} step_table;
typedef struct md {
    FILE *out;
    rb_buf prefix;      /* written before every line: list indentation and "> " */
    int started;        /* something has been written */
    int blank;          /* a blank line is due before the next line */
    const step_table *steps;
} md;
/* What a timer's times are measured from: where it is declared. */
typedef enum { SCOPE_INCIDENT, SCOPE_PHASE, SCOPE_STEP } timer_scope;

/* view.c */
void node_plain(rb_buf *b, const rb_node *n);
int is_text(const rb_node *n);
int is_multiline(const rb_node *n);
void steps_collect(step_table *t, const ast_file *f);
int steps_find(const step_table *t, const char *id);
int steps_index(const step_table *t, const rb_node *step);
void steps_free(step_table *t);
const rb_node *file_header(const ast_file *f);
const char *base_name(const char *path);

/* ast_stmt.c */
void src_stmts(rb_buf *b, const rb_node *list);
void src_stmt(rb_buf *b, const rb_node *s);

/* view_md.c */
void md_escape(rb_buf *b, const char *s, const char *nl, int heading);
void vmd_code(rb_buf *b, const char *s);
void md_src(rb_buf *b, const rb_node *n);
void md_plain_code(rb_buf *b, const rb_node *n);
void vmd_text(rb_buf *b, const rb_node *n, const char *nl, int heading);
void md_atom(rb_buf *b, const rb_node *n);
void md_value(rb_buf *b, const rb_node *n);
void md_anchor(rb_buf *b, const char *id);
void md_blank(md *m);
void md_put(md *m, const char *text);
void md_putb(md *m, rb_buf *b);
void md_heading(md *m, int level, const char *text);
void md_cell(rb_buf *row, const char *content);
void md_head_only(md *m, const char *marker, rb_buf *head);
const char *scope_phrase(timer_scope scope);
void md_every(md *m, const rb_node *s, const char *marker, timer_scope scope);
void md_block(md *m, const rb_node *blk, int numbered);

/* view_doc.c */
void md_ladder(md *m, const rb_node *esc);
void view_markdown(FILE *out, const ast_file *f);

/* view_dot.c */
void view_dot(FILE *out, const ast_file *f);

#endif
