/*
 * check_int.h — what the checker's files share (check.c: declarations and the entry points;
 * check_env.c: diagnostics, symbol tables, scopes and suggestions; check_expr.c: names,
 * literals and expressions; check_stmt.c: statements).  The design is in check.c's
 * opening comment.  Nothing else includes it; the public interface is check.h.
 */
#ifndef RB_CHECK_INT_H
#define RB_CHECK_INT_H

#include <ctype.h>
#include <math.h>
#include <string.h>
#include <strings.h>
#include "builtin.h"
#include "check.h"
#include "shctx.h"
#include "expand.h"
#include "util.h"


/* What a walk reports: errors, lint warnings, or both in one walk (lint: check_lint). */
typedef enum { MODE_CHECK = 1, MODE_WARN = 2, MODE_BOTH = 3 } check_mode;

typedef enum { S_PARAM, S_SECRET, S_LET, S_FN, S_USE, S_STEPVAR, S_LOCAL } sym_kind;

extern const char *const sym_kind_name[];   /* by sym_kind */

/*
 * A map from a string to an int: open addressing with linear probing, a power-of-two
 * capacity at most half full.  The keys are not copied: they are names in the tree's arena
 * (or a module's key), which outlive every checker.  Zero-filled is an empty map.
 */
typedef struct strmap_slot {
    const char *key;       /* NULL: a free slot */
    unsigned hash;
    int val;
} strmap_slot;

typedef struct strmap {
    strmap_slot *slots;
    size_t cap, n;
} strmap;

typedef struct sym {
    const char *name;
    unsigned hash;         /* str_hash(name): most mismatches cost no strcmp */
    sym_kind kind;
    const rb_node *decl;   /* N_PARAM, N_SECRET, N_LET, N_FN, N_USE, N_FOR or an N_IDENT parameter */
    module *mod;           /* S_USE: the module when it loaded and parsed, else NULL */
    int used;              /* read somewhere (RB103) */
    int prompt_known;      /* S_FN: prompt below has been looked for */
    const rb_node *prompt; /* S_FN: the first prompt in its body, or NULL */
} sym;

/* A scope finds its own names by scanning its few items, or through index once it has many. */
#define SCOPE_INDEX_MIN 8

struct scope;

/* A name in a live scope: the scope and its newest item of that name. */
typedef struct binding {
    const struct scope *sc;
    unsigned id;           /* sc->id */
    int item;
    int prev;              /* the binding of the same name below this one, or -1 */
} binding;

/*
 * Every name of every live scope of a checker, so that a lookup does not walk the chain of
 * scopes (as long as blocks are deep).  A name has a stack of bindings, at most one per
 * scope.  Scopes are numbered as they are made and only the innermost scope gains names,
 * so bindings sit in the array in the order of their scopes' ids and a scope's bindings
 * are on top when it ends: the first binding of a name that is visible is the innermost
 * one.  "Visible" is "its scope is on the chain of the scope looked from", which path
 * holds (ids by depth) for the last scope looked from.  A push that would break the order
 * sets broken, and from then on lookups walk the chain of scopes (right, only slower).
 */
typedef struct symtab {
    strmap top;            /* name -> its top binding, or -1 */
    binding *binds;
    int nbinds, capbinds;
    unsigned *path;        /* path[d]: id of the scope at depth d of that chain */
    int pathlen, pathcap;
    unsigned next_id;
    int broken;
} symtab;

typedef struct scope {
    sym *items;
    int n, cap;
    strmap index;          /* name -> its newest item, once n reaches SCOPE_INDEX_MIN */
    struct scope *up;
    symtab *tab;           /* the checker's (every scope of a checker shares it) */
    unsigned id;           /* in order of making, never reused */
    int depth;             /* 0 for the globals */
    int nbound;            /* names of this scope in tab */
} scope;

/* The files being checked, innermost first: a `use` of one of them closes a cycle. */
typedef struct chain {
    const char *key;
    const struct chain *up;
} chain;

typedef struct step_entry {
    const char *id;
    const rb_node *step;
} step_entry;

/* A top-level fn, let or secret of a module named by `use`, as `alias.name` finds it. */
typedef struct member {
    const rb_node *decl;
    const char *name;      /* as `alias.name` reaches it */
    int prompt_known;      /* fn: prompt below has been looked for */
    const rb_node *prompt; /* fn: the first prompt in its body, or NULL */
} member;

/* The members of one module, in source order, with a name index (the first of a name wins). */
typedef struct module_index {
    member *members;
    int n;
    strmap by_name;
} module_index;

/* Suggestions ("did you mean") compare at most this many candidates per checker in all. */
#define SUGGEST_BUDGET (1L << 24)

typedef struct checker {
    ast_file *f;
    module_set *ms;
    diag_list *d;
    check_mode mode;
    int module_ctx;        /* loaded by `use`: only use/let/secret/fn allowed */
    int count;             /* diagnostics this checker added */
    const chain *files;
    symtab names;
    scope globals;
    scope stepvars;        /* runbook variables: top-level lets of the steps so far */
    step_entry *steps;
    int nsteps, capsteps;
    strmap step_ids;       /* step id -> its first entry in steps */
    /* built on first use: each makes a question about the whole file a lookup */
    int decls_built;
    strmap decl_names;     /* name -> the first let/param/secret of it in the tree (decl_nodes) */
    const rb_node **decl_nodes;
    int ndecls, capdecls;
    int gotos_built;
    strmap goto_targets;   /* every name a goto in the tree jumps to */
    module_index *mods;
    int nmods, capmods;
    strmap mod_keys;       /* module key -> its entry in mods */
    long suggest_budget;   /* candidates "did you mean" may still compare */
    /* where the walk is */
    const char *timer;     /* "escalation" or "every timer" inside a timer body, else NULL */
    const rb_node *fn;     /* the enclosing fn */
    int loops;             /* enclosing loops (reset by fn and timer bodies) */
    const rb_node *step;   /* the step whose body is being walked (RB102) */
    int gated;             /* a confirm or choose came earlier in that step body (RB102) */
    int in_wait_cond;      /* inside a `wait until` condition (a probe, not a change) */
    uint16_t origin;       /* the part copy being walked (0: the file's own code) */
    int quiet;             /* inside a second copy of a part's argument: nothing to report */
} checker;


/*
 * The search for a "did you mean": the first candidate (in the order offered) at the
 * smallest distance from want, 1 to limit edits away.  Every candidate offered is paid for
 * from the checker's budget, so that a file with a huge scope and a great many undefined
 * names stays linear; a search the budget cannot finish suggests nothing.
 */
typedef struct suggest {
    const char *want;
    size_t wantlen;
    int limit;             /* 1 edit for a name of up to 5 bytes, else 2 */
    const char *best;
    int dist;
    long *budget;          /* the checker's: candidates left to compare */
    int gave_up;           /* the budget ran out during this search */
} suggest;

/* Enter a timer body: prompts and goto are not allowed, loops and fn do not reach in. */
typedef struct saved_ctx {
    const char *timer;
    const rb_node *fn;
    int loops;
    const rb_node *step;
} saved_ctx;

/* The walk enters node n: diagnostics go to the file n was written in. */
#define ENTER(c, n) uint16_t saved_origin_ = (c)->origin; int saved_quiet_ = (c)->quiet; \
    (c)->origin = (n)->origin; (c)->quiet |= (n)->flags & AST_QUIET
#define LEAVE(c) ((c)->origin = saved_origin_, (c)->quiet = saved_quiet_)

/* check_env.c */
void error_at(checker *c, rb_loc loc, const char *fmt, ...);
void warn_at(checker *c, rb_loc loc, const char *rule, const char *fmt, ...);
int can_report(const checker *c);
int strmap_get(const strmap *m, const char *key);
int strmap_put(strmap *m, const char *key, int val, int replace);
void strmap_free(strmap *m);
rb_loc name_loc(const rb_node *n);
void scope_init(scope *sc, scope *up, symtab *tab);
void scope_free(scope *sc);
void symtab_free(symtab *t);
sym *scope_here(const scope *sc, const char *name);
sym *scope_add(scope *sc, const char *name, sym_kind kind, const rb_node *decl);
sym *lookup(const scope *sc, const char *name);
suggest suggest_start(checker *c, const char *want);
int suggest_done(const suggest *s);
void suggest_try(suggest *s, const char *cand);
const char *suggest_best(const suggest *s);
void suggest_name(checker *c, rb_buf *out, const scope *sc, const char *want);
const char *literal_kind(const rb_node *n);
int has_goto_to(checker *c, const char *id);
int has_kind(const rb_node *n, node_kind k);
int is_runbook_only(node_kind k);
const char *decl_what(node_kind k);
module_index *module_index_of(checker *c, const module *m);
member *module_member(checker *c, const module *m, const char *name);
const rb_node *member_prompt(member *m);
const rb_node *fn_prompt(sym *s);

/* check_expr.c */
void expect_duration(checker *c, const rb_node *n, const char *what);
void expect_interval(checker *c, const rb_node *n, const char *what);
void expect_count(checker *c, const rb_node *n, const char *what);
void undefined(checker *c, scope *sc, const rb_node *n, const char *what);
void walk_expr(checker *c, scope *sc, const rb_node *n);

/* check_stmt.c */
void leave(checker *c, saved_ctx s);
void walk_escalation(checker *c, scope *sc, const rb_node *n);
void walk_every(checker *c, scope *sc, const rb_node *n);
const step_entry *find_step(const checker *c, const char *id);
void walk_stmts(checker *c, scope *sc, const rb_node *list);
void walk_block(checker *c, scope *sc, const rb_node *block);

#endif
