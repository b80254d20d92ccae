/*
 * ast.h — the syntax tree shared by the checker, lint, view and the evaluator.
 *
 * One generic node type: the kind says which fields mean what (see ast_kinds.h).  Lists
 * are chained through `next`.  Every node carries the location of its first token.  All
 * nodes and their strings live in the arena of the ast_file that owns them.
 */
#ifndef RB_AST_H
#define RB_AST_H

#include <stdint.h>
#include "arena.h"
#include "diag.h"
#include "util.h"

typedef enum node_kind {
#define X(name, desc) N_##name,
#include "ast_kinds.h"
#undef X
    N__COUNT
} node_kind;

/* Operators for N_UNARY / N_BINARY (stored in num). */
typedef enum op_kind {
    OP_ADD = 1, OP_SUB, OP_MUL, OP_DIV, OP_MOD,
    OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
    OP_AND, OP_OR, OP_NOT, OP_NEG, OP_COALESCE, OP_IN
} op_kind;

typedef struct rb_node rb_node;
struct rb_node {
    uint8_t kind;           /* a node_kind */
    uint8_t flags;          /* AST_* below */
    uint16_t depth;         /* expressions: nesting depth (capped by the parser) */
    uint16_t origin;        /* 0: written in its file; else ast_file.origins[origin] (a module's part) */
    uint16_t spare2;
    rb_loc loc;
    rb_loc nloc;            /* where the name in str is written (see ast_kinds.h) */
    const char *str, *str2;
    double num;
    rb_node *a, *b, *c, *d;
    rb_node *opts;
    rb_node *next;
};

/* A list being built (the parser's): its first and last node, for O(1) appends. */
typedef struct rb_list {
    rb_node *head, *tail;
} rb_list;

/* rb_node.flags: a second copy of a part's argument (expand.c): the checker says nothing
 * about it (the first copy, or the use, already did). */
#define AST_QUIET 1

/*
 * Named accessors for the slots whose meaning depends on the kind (ast_kinds.h has the rest).
 */
static inline rb_node *step_body(const rb_node *n) { return n->a; }        /* N_STEP: N_BLOCK */
static inline rb_node *step_rollback(const rb_node *n) { return n->b; }    /* N_STEP: N_BLOCK or NULL */
static inline rb_node *step_on_failure(const rb_node *n) { return n->c; }  /* N_STEP: N_BLOCK or NULL */
static inline rb_node *step_title_node(const rb_node *n) { return n->d; }       /* N_STEP: N_STR or N_INTERP */
static inline rb_node *rung_at(const rb_node *n) { return n->a; }          /* N_RUNG: offset */
static inline rb_node *rung_unless(const rb_node *n) { return n->b; }      /* N_RUNG: condition or NULL */
static inline rb_node *rung_when(const rb_node *n) { return n->c; }        /* N_RUNG: condition or NULL */
static inline rb_node *rung_body(const rb_node *n) { return n->d; }        /* N_RUNG: N_BLOCK */
static inline rb_node *every_interval(const rb_node *n) { return n->a; }   /* N_EVERY */
static inline rb_node *every_until(const rb_node *n) { return n->b; }      /* N_EVERY: condition or NULL */
static inline rb_node *every_for(const rb_node *n) { return n->c; }        /* N_EVERY: duration or NULL */
static inline rb_node *every_body(const rb_node *n) { return n->d; }       /* N_EVERY: N_BLOCK */
static inline rb_node *part_params(const rb_node *n) { return n->a; }      /* N_PART: N_IDENT list */
static inline rb_node *part_body(const rb_node *n) { return n->b; }        /* N_PART: the declaration */
static inline rb_node *include_args(const rb_node *n) { return n->a; }     /* N_INCLUDE: arguments */
static inline rb_node *include_prefix(const rb_node *n) { return n->b; }   /* N_INCLUDE: N_IDENT or NULL */
static inline rb_node *include_alias(const rb_node *n) { return n->c; }    /* N_INCLUDE: N_IDENT */

/* Expressions nested deeper than this are a syntax error: every walker of the tree is
 * recursive, and 1+1+…+1 a hundred thousand times must not exhaust the C stack. */
#define AST_MAX_DEPTH 2000

/* Where the nodes of one use of a module's part come from (rb_node.origin indexes these). */
typedef struct ast_origin {
    const struct ast_file *file;  /* the module the part is written in */
    rb_loc used_at;               /* the use in this file */
    const char *what;             /* "common.detection" */
    struct rb_node *unused;       /* copies of the arguments no parameter use took (checked once) */
} ast_origin;

/* A parsed file: its text, its diagnostics source, and the tree. */
typedef struct ast_file {
    arena mem;
    diag_source src;     /* name + text, for diagnostics */
    char *text;          /* owned copy of the source (NUL-terminated) */
    size_t len;
    rb_node *root;       /* N_FILE, or NULL when parsing failed badly */
    int is_module;       /* no header: a module (use/let/secret/fn only) */
    int expanded;        /* expand_parts has run */
    ast_origin *origins; /* [1..norigins): the uses of parts (expand.c); in mem */
    int norigins, caporigins;
} ast_file;

const char *ast_kind_name(node_kind k);
const char *ast_op_text(op_kind op);

rb_node *ast_new(arena *a, node_kind k, rb_loc loc);
/* Append item (a node or a short chain of them, or NULL) to the list being built. */
rb_list list_add(rb_list l, rb_node *item);
int ast_list_len(const rb_node *list);
/* The option named `name` in a node's opts list, or NULL. */
rb_node *ast_opt(const rb_node *n, const char *name);

/* Render an expression (or a simple statement) back to source form. */
void ast_expr_str(rb_buf *out, const rb_node *n);

/* Free everything a parsed file owns (the file struct itself too). */
void ast_file_free(ast_file *f);

#endif
