/*
 * check.c — the semantic checker and lint's warnings.
 *
 * Owns: everything that is wrong with a runbook although it parses.  One walk over the
 * tree, with a chain of scopes, serves two modes: MODE_CHECK reports errors (undefined
 * names, bad goto targets, prompts in timer bodies, misplaced declarations, wrong builtin
 * calls, literals of the wrong type where a duration or a count belongs, ...) and
 * MODE_WARN reports lint's RB1xx warnings, which need the same name resolution (what a
 * name refers to, whether a global is ever read).  Each mode stays silent about the
 * other's findings, so check_file and check_warnings can run one after the other.
 *
 * Scoping, in one place: globals are param, secret, top-level let, fn and `use` aliases.
 * fns and aliases are hoisted; a param/secret/let initializer sees only the globals
 * declared before it (and every fn and alias).  Steps, fns and timers see every global.
 * A `let` at the top level of a step body is a runbook variable: visible after it in that
 * step, in its rollback/on failure blocks and in every later step and phase timer (source
 * order).  Other lets are block-scoped; `for` variables live in the loop body, fn
 * parameters in the fn body.  Builtins (builtin.c) are visible everywhere unless shadowed.
 *
 * Modules named by `use` are loaded through module.c and checked once each, by a nested
 * checker whose diagnostics carry the module's own file name.
 *
 * Never: evaluate anything, touch the network or the shell, or modify the tree (the only
 * allocations in the file's arena are derived names: step slugs and `use` aliases).
 */
#include <ctype.h>
#include <math.h>
#include <string.h>
#include <strings.h>
#include "builtin.h"
#include "check.h"
#include "util.h"

typedef enum { MODE_CHECK, MODE_WARN } check_mode;

typedef enum { S_PARAM, S_SECRET, S_LET, S_FN, S_USE, S_STEPVAR, S_LOCAL } sym_kind;

static const char *const sym_kind_name[] = {"param", "secret", "let", "fn", "module", "variable", "variable"};

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
    size_t *line_starts;   /* offset of each line of the source */
    int nlines;
    int cur_line, cur_col; /* the last column reached by offset_of, and its offset */
    size_t cur_off;
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
} checker;

static void walk_expr(checker *c, scope *sc, const rb_node *n);
static void walk_stmts(checker *c, scope *sc, const rb_node *list);
static void walk_block(checker *c, scope *sc, const rb_node *block);
static void check_tree(checker *c);

/* ------------------------------------------------------------------ reporting */

static void error_at(checker *c, rb_loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void error_at(checker *c, rb_loc loc, const char *fmt, ...)
{
    if (c->mode != MODE_CHECK) return;
    va_list ap;
    va_start(ap, fmt);
    if (diag_vadd(c->d, DIAG_ERROR, &c->f->src, loc, NULL, fmt, ap) == 0) c->count++;
    va_end(ap);
}

static void warn_at(checker *c, rb_loc loc, const char *rule, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void warn_at(checker *c, rb_loc loc, const char *rule, const char *fmt, ...)
{
    if (c->mode != MODE_WARN) return;
    va_list ap;
    va_start(ap, fmt);
    if (diag_vadd(c->d, DIAG_WARNING, &c->f->src, loc, rule, fmt, ap) == 0) c->count++;
    va_end(ap);
}

/* Would an error reported now be recorded?  (Hints that cost work are skipped when not.) */
static int can_report(const checker *c)
{
    return c->mode == MODE_CHECK && !(c->d->limit && c->d->errors >= c->d->limit);
}

/* ------------------------------------------------------------------ string map */

/* FNV-1a of a NUL-terminated string. */
static unsigned str_hash(const char *s)
{
    unsigned h = 2166136261u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* The slot that holds key, or the free slot where it belongs (the map is never full). */
static strmap_slot *strmap_find(const strmap *m, const char *key, unsigned h)
{
    size_t mask = m->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        strmap_slot *sl = &m->slots[i];
        if (!sl->key || (sl->hash == h && strcmp(sl->key, key) == 0)) return sl;
    }
}

/* Double the capacity (or make the first 16 slots) and re-place every key. */
static void strmap_grow(strmap *m)
{
    strmap old = *m;
    m->cap = old.cap ? old.cap * 2 : 16;
    m->slots = rb_xcalloc(m->cap, sizeof *m->slots);
    for (size_t i = 0; i < old.cap; i++)
        if (old.slots[i].key) *strmap_find(m, old.slots[i].key, old.slots[i].hash) = old.slots[i];
    rb_free(old.slots);
}

/* The value stored for key (whose str_hash is h), or -1. */
static int strmap_get_h(const strmap *m, const char *key, unsigned h)
{
    if (!m->n) return -1;
    const strmap_slot *sl = strmap_find(m, key, h);
    return sl->key ? sl->val : -1;
}

/* The value stored for key, or -1. */
static int strmap_get(const strmap *m, const char *key)
{
    return m->n ? strmap_get_h(m, key, str_hash(key)) : -1;
}

/* Store val for key (replacing what is there only when replace); returns key's value now. */
static int strmap_put(strmap *m, const char *key, int val, int replace)
{
    if (2 * (m->n + 1) > m->cap) strmap_grow(m);
    unsigned h = str_hash(key);
    strmap_slot *sl = strmap_find(m, key, h);
    if (sl->key && !replace) return sl->val;
    if (!sl->key) m->n++;
    *sl = (strmap_slot){key, h, val};
    return val;
}

/* Release the slots (the keys belong to others); the map is empty again. */
static void strmap_free(strmap *m)
{
    rb_free(m->slots);
    memset(m, 0, sizeof *m);
}

/* ------------------------------------------------------------------ source positions */

/*
 * Some tokens have no node of their own (a goto target, an http method, a step id, the
 * name after `let`): their position is found by reading the source text forward from the
 * node's position, past `skip` bytes and then blanks and comments.
 */
static void advance(rb_loc *l, char ch)
{
    if (ch == '\n') {
        l->line++;
        l->col = 1;
    } else if (((unsigned char)ch & 0xC0) != 0x80) {
        l->col++;
    }
}

/* Index where every line of the source starts (once per checker). */
static void index_lines(checker *c)
{
    const char *t = c->f->text;
    size_t n = c->f->len, cap = 64;
    c->line_starts = rb_xmalloc(cap * sizeof *c->line_starts);
    c->line_starts[0] = 0;
    c->nlines = 1;
    for (size_t i = 0; i < n; i++) {
        if (t[i] != '\n') continue;
        if ((size_t)c->nlines == cap) {
            cap *= 2;
            c->line_starts = rb_xrealloc(c->line_starts, cap * sizeof *c->line_starts);
        }
        c->line_starts[c->nlines++] = i + 1;
    }
}

/*
 * The byte offset of a line and column (the end of the text for a line past it, the end
 * of the line for a column past it).  The line comes from the index; the column is walked
 * from the line start, or from where the last call stopped when that was earlier on the
 * same line (the walk visits a line's tokens left to right).
 */
static size_t offset_of(checker *c, rb_loc at)
{
    const char *t = c->f->text;
    size_t n = c->f->len;
    if (!c->line_starts) index_lines(c);
    int line = at.line < 1 ? 1 : at.line;
    if (line > c->nlines) return n;
    size_t i = c->line_starts[line - 1];
    int col = 1;
    if (c->cur_line == line && c->cur_col <= at.col) {
        i = c->cur_off;
        col = c->cur_col;
    }
    for (; i < n && col < at.col && t[i] != '\n'; col++) {
        i++;
        while (i < n && ((unsigned char)t[i] & 0xC0) == 0x80) i++;
    }
    c->cur_line = line;
    c->cur_col = col;
    c->cur_off = i;
    return i;
}

static rb_loc loc_after(checker *c, rb_loc at, size_t skip)
{
    const char *t = c->f->text;
    size_t n = c->f->len, i = offset_of(c, at);
    rb_loc l = at;
    for (size_t k = 0; k < skip && i < n; k++, i++) advance(&l, t[i]);
    while (i < n) {
        if (t[i] == '#') {
            while (i < n && t[i] != '\n') advance(&l, t[i++]);
        } else if (t[i] == ' ' || t[i] == '\t' || t[i] == '\r' || t[i] == '\n') {
            advance(&l, t[i++]);
        } else {
            break;
        }
    }
    return l;
}

/* Where the declared name of a declaration is written. */
static rb_loc name_loc(checker *c, const rb_node *n)
{
    switch (n->kind) {
    case N_PARAM: return loc_after(c, n->loc, 5);
    case N_SECRET: return loc_after(c, n->loc, 6);
    case N_LET: return loc_after(c, n->loc, 3);
    case N_FN: return loc_after(c, n->loc, 2);
    case N_STEP: return n->str ? loc_after(c, n->loc, 4) : n->d ? n->d->loc : n->loc;
    default: return n->loc;
    }
}

/* ------------------------------------------------------------------ scopes */

/* A scope inside up, or the outermost scope (the globals) of tab when up is NULL. */
static void scope_init(scope *sc, scope *up, symtab *tab)
{
    memset(sc, 0, sizeof *sc);
    sc->up = up;
    sc->tab = up ? up->tab : tab;
    sc->depth = up ? up->depth + 1 : 0;
    sc->id = ++sc->tab->next_id;
}

/* End a scope: its names leave the table (they are on top of it). */
static void scope_free(scope *sc)
{
    symtab *t = sc->tab;
    int popped = 0;
    while (!t->broken && t->nbinds && t->binds[t->nbinds - 1].sc == sc) {
        const binding *b = &t->binds[--t->nbinds];
        strmap_put(&t->top, sc->items[b->item].name, b->prev, 1);
        popped++;
    }
    if (popped != sc->nbound) t->broken = 1;
    rb_free(sc->items);
    sc->items = NULL;
    sc->n = sc->cap = 0;
    strmap_free(&sc->index);
}

/* Release the table once every scope of the checker has ended. */
static void symtab_free(symtab *t)
{
    strmap_free(&t->top);
    rb_free(t->binds);
    rb_free(t->path);
    memset(t, 0, sizeof *t);
}

/* The newest item named name (whose str_hash is h) in sc itself (a later `let` hides an earlier one). */
static sym *scope_find(const scope *sc, const char *name, unsigned h)
{
    if (sc->index.cap) {
        int i = strmap_get_h(&sc->index, name, h);
        return i < 0 ? NULL : &sc->items[i];
    }
    for (int i = sc->n - 1; i >= 0; i--)
        if (sc->items[i].hash == h && strcmp(sc->items[i].name, name) == 0) return &sc->items[i];
    return NULL;
}

/* The newest item named name in sc itself. */
static sym *scope_here(const scope *sc, const char *name)
{
    return scope_find(sc, name, str_hash(name));
}

/* Item i of sc is now what its name means in sc: update its binding, or push one. */
static void bind(scope *sc, int i, int had)
{
    symtab *t = sc->tab;
    const char *name = sc->items[i].name;
    if (t->broken) return;
    if (had) {
        for (int k = strmap_get(&t->top, name); k >= 0; k = t->binds[k].prev) {
            if (t->binds[k].sc == sc) {
                t->binds[k].item = i;
                return;
            }
        }
        t->broken = 1;   /* sc has the name but no binding: cannot happen */
        return;
    }
    if (t->nbinds && t->binds[t->nbinds - 1].id > sc->id) {
        t->broken = 1;   /* a newer scope has names: this one is not the innermost */
        return;
    }
    if (t->nbinds == t->capbinds) {
        t->capbinds = t->capbinds ? t->capbinds * 2 : 64;
        t->binds = rb_xrealloc(t->binds, (size_t)t->capbinds * sizeof *t->binds);
    }
    int k = t->nbinds++;
    t->binds[k] = (binding){sc, sc->id, i, strmap_get(&t->top, name)};
    strmap_put(&t->top, name, k, 1);
    sc->nbound++;
}

static sym *scope_add(scope *sc, const char *name, sym_kind kind, const rb_node *decl)
{
    unsigned h = str_hash(name);
    int had = scope_find(sc, name, h) != NULL;
    if (sc->n == sc->cap) {
        sc->cap = sc->cap ? sc->cap * 2 : 16;
        sc->items = rb_xrealloc(sc->items, (size_t)sc->cap * sizeof *sc->items);
    }
    sym *s = &sc->items[sc->n++];
    memset(s, 0, sizeof *s);
    s->name = name;
    s->hash = h;
    s->kind = kind;
    s->decl = decl;
    if (sc->index.cap) {
        strmap_put(&sc->index, name, sc->n - 1, 1);
    } else if (sc->n == SCOPE_INDEX_MIN) {
        for (int i = 0; i < sc->n; i++) strmap_put(&sc->index, sc->items[i].name, i, 1);
    }
    bind(sc, sc->n - 1, had);
    return s;
}

/* Make path the chain of sc (only the part that differs from the last chain is written). */
static void enter_path(symtab *t, const scope *sc)
{
    if (sc->depth >= t->pathcap) {
        t->pathcap = sc->depth + 64;
        t->path = rb_xrealloc(t->path, (size_t)t->pathcap * sizeof *t->path);
    }
    for (const scope *s = sc; s && (s->depth >= t->pathlen || t->path[s->depth] != s->id); s = s->up)
        t->path[s->depth] = s->id;
    t->pathlen = sc->depth + 1;
}

/* What name refers to from sc: the newest item of it in the innermost scope that has it. */
static sym *lookup(const scope *sc, const char *name)
{
    unsigned h = str_hash(name);
    symtab *t = sc->tab;
    if (t->broken) {
        for (; sc; sc = sc->up) {
            sym *s = sc->n ? scope_find(sc, name, h) : NULL;
            if (s) return s;
        }
        return NULL;
    }
    enter_path(t, sc);
    for (int k = strmap_get_h(&t->top, name, h); k >= 0; k = t->binds[k].prev) {
        const binding *b = &t->binds[k];
        if (b->sc->depth <= sc->depth && t->path[b->sc->depth] == b->id) return &b->sc->items[b->item];
    }
    return NULL;
}

/* ------------------------------------------------------------------ suggestions */

/*
 * The edit distance (Levenshtein) of a[0..na) and b[0..nb) when it is at most max (< 64),
 * else max + 1; names longer than 64 bytes are never close.  Only the band of cells within
 * max of the diagonal can hold a value <= max, so only those are computed (the others count
 * as max + 1), and the walk stops once a whole row is past max.
 */
static int edit_distance_within(const char *a, size_t na, const char *b, size_t nb, int max)
{
    int far = max + 1;
    if (na > 64 || nb > 64) return far;
    size_t m = (size_t)max;
    int prev[65], cur[65];
    for (size_t j = 0; j <= nb; j++) {
        prev[j] = j <= m ? (int)j : far;
        cur[j] = far;
    }
    for (size_t i = 1; i <= na; i++) {
        size_t lo = i > m ? i - m : 1, hi = i + m < nb ? i + m : nb;
        cur[0] = i <= m ? (int)i : far;
        if (lo > 1) cur[lo - 1] = far;   /* left of the band (it held the row above's value) */
        int best = cur[0];
        for (size_t j = lo; j <= hi; j++) {
            int v = prev[j - 1] + (a[i - 1] != b[j - 1]);
            if (prev[j] + 1 < v) v = prev[j] + 1;
            if (cur[j - 1] + 1 < v) v = cur[j - 1] + 1;
            cur[j] = v < far ? v : far;
            if (cur[j] < best) best = cur[j];
        }
        if (best >= far) return far;
        memcpy(prev, cur, (nb + 1) * sizeof *cur);
    }
    return prev[nb];
}

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

/* Start a search for a name close to want, paid for by c. */
static suggest suggest_start(checker *c, const char *want)
{
    size_t len = strlen(want);
    return (suggest){want, len, len <= 5 ? 1 : 2, NULL, 99, &c->suggest_budget, 0};
}

/* Is the answer known?  Nothing beats distance 1 (0 is want itself, never suggested). */
static int suggest_done(const suggest *s)
{
    return s->dist == 1 || s->gave_up;
}

/* Offer one candidate to the search. */
static void suggest_try(suggest *s, const char *cand)
{
    if (suggest_done(s)) return;
    if (*s->budget <= 0) {
        s->gave_up = 1;
        return;
    }
    --*s->budget;
    /* The distance is at least the difference in length: skip what cannot win. */
    size_t nc = strlen(cand), gap = nc > s->wantlen ? nc - s->wantlen : s->wantlen - nc;
    if (gap > (size_t)s->limit || (int)gap >= s->dist) return;
    int d = edit_distance_within(s->want, s->wantlen, cand, nc, s->dist - 1 < s->limit ? s->dist - 1 : s->limit);
    if (d > 0 && d <= s->limit && d < s->dist) {
        s->best = cand;
        s->dist = d;
    }
}

/* The suggestion, or NULL (none close enough, or the search was cut short). */
static const char *suggest_best(const suggest *s)
{
    return s->gave_up ? NULL : s->best;
}

/* Append " (did you mean 'x'?)" for a name close to want in scope or among the builtins. */
static void suggest_name(checker *c, rb_buf *out, const scope *sc, const char *want)
{
    suggest s = suggest_start(c, want);
    if (c->suggest_budget <= 0) return;
    for (; sc && !suggest_done(&s); sc = sc->up, c->suggest_budget--)   /* empty scopes cost too */
        for (int i = 0; i < sc->n && !suggest_done(&s); i++) suggest_try(&s, sc->items[i].name);
    for (const builtin_info *b = builtin_all(); b->name && !suggest_done(&s); b++) suggest_try(&s, b->name);
    if (suggest_best(&s)) buf_printf(out, " (did you mean '%s'?)", suggest_best(&s));
}

/* ------------------------------------------------------------------ small predicates */

/* What a literal is ("a number", ...), or NULL when n is not a literal. */
static const char *literal_kind(const rb_node *n)
{
    switch (n->kind) {
    case N_NUM: return "a number";
    case N_STR: case N_INTERP: return "a string";
    case N_BOOL: return "a boolean";
    case N_NIL: return "nil";
    case N_SEV: return "a severity";
    case N_LIST: return "a list";
    case N_MAP: return "a map";
    case N_DUR: return "a duration";
    case N_UNARY:
        if (n->num == OP_NEG && n->a && (n->a->kind == N_NUM || n->a->kind == N_DUR))
            return n->a->kind == N_NUM ? "a number" : "a negative duration";
        return NULL;
    default: return NULL;
    }
}

static int is_prompt_name(const char *s)
{
    return strcmp(s, "ask") == 0 || strcmp(s, "confirm") == 0 || strcmp(s, "choose") == 0 ||
           strcmp(s, "checklist") == 0;
}

/* A prompt written directly in the tree under n (list included), or NULL. */
static const rb_node *find_prompt(const rb_node *n)
{
    for (; n; n = n->next) {
        if (n->kind == N_CONFIRM || n->kind == N_CHOOSE || n->kind == N_CHECKLIST) return n;
        if (n->kind == N_CALL && n->a && n->a->kind == N_IDENT && is_prompt_name(n->a->str)) return n;
        const rb_node *kids[] = {n->a, n->b, n->c, n->d, n->opts};
        for (size_t i = 0; i < sizeof kids / sizeof *kids; i++) {
            const rb_node *p = find_prompt(kids[i]);
            if (p) return p;
        }
    }
    return NULL;
}

/* The target of every goto under n (list included) into c->goto_targets. */
static void collect_gotos(checker *c, const rb_node *n)
{
    for (; n; n = n->next) {
        if (n->kind == N_GOTO && n->str) strmap_put(&c->goto_targets, n->str, 1, 0);
        const rb_node *kids[] = {n->a, n->b, n->c, n->d, n->opts};
        for (size_t i = 0; i < sizeof kids / sizeof *kids; i++) collect_gotos(c, kids[i]);
    }
}

/* Does any goto in the file jump to id?  (The targets are collected on the first call.) */
static int has_goto_to(checker *c, const char *id)
{
    if (!c->gotos_built) {
        collect_gotos(c, c->f->root);
        c->gotos_built = 1;
    }
    return strmap_get(&c->goto_targets, id) >= 0;
}

static int has_kind(const rb_node *n, node_kind k)
{
    for (; n; n = n->next) {
        if (n->kind == k) return 1;
        const rb_node *kids[] = {n->a, n->b, n->c, n->d, n->opts};
        for (size_t i = 0; i < sizeof kids / sizeof *kids; i++)
            if (has_kind(kids[i], k)) return 1;
    }
    return 0;
}

static int is_runbook_only(node_kind k)
{
    return k == N_STEP || k == N_PARAM || k == N_PHASE || k == N_ESCALATION || k == N_EVERY;
}

static const char *decl_what(node_kind k)
{
    switch (k) {
    case N_STEP: return "a step";
    case N_PARAM: return "a param";
    case N_PHASE: return "a phase";
    case N_ESCALATION: return "an escalation";
    case N_EVERY: return "an every timer";
    default: return "this declaration";
    }
}

/* Is n a top-level declaration that `alias.name` can reach (a named fn, let or secret)? */
static int is_member_decl(const rb_node *n)
{
    return (n->kind == N_FN || n->kind == N_LET || n->kind == N_SECRET) && n->str;
}

/* The members of module m (a loaded, parsed one), indexed on first use by this checker. */
static module_index *module_index_of(checker *c, const module *m)
{
    int k = strmap_get(&c->mod_keys, m->key);
    if (k >= 0) return &c->mods[k];
    if (c->nmods == c->capmods) {
        c->capmods = c->capmods ? c->capmods * 2 : 4;
        c->mods = rb_xrealloc(c->mods, (size_t)c->capmods * sizeof *c->mods);
    }
    module_index *mi = &c->mods[c->nmods];
    memset(mi, 0, sizeof *mi);
    int n = 0;
    for (const rb_node *d = m->file->root->a; d; d = d->next) n += is_member_decl(d);
    mi->members = rb_xcalloc(n ? (size_t)n : 1, sizeof *mi->members);
    for (const rb_node *d = m->file->root->a; d; d = d->next) {
        if (!is_member_decl(d)) continue;
        mi->members[mi->n].decl = d;
        strmap_put(&mi->by_name, d->str, mi->n++, 0);
    }
    strmap_put(&c->mod_keys, m->key, c->nmods++, 0);
    return mi;
}

/* The first top-level fn, let or secret of a module with this name, or NULL. */
static member *module_member(checker *c, const module *m, const char *name)
{
    module_index *mi = module_index_of(c, m);
    int i = strmap_get(&mi->by_name, name);
    return i < 0 ? NULL : &mi->members[i];
}

/* The first prompt in the body of a module's fn member (NULL for a let or secret). */
static const rb_node *member_prompt(member *m)
{
    if (m->decl->kind != N_FN) return NULL;
    if (!m->prompt_known) {
        m->prompt = find_prompt(m->decl->b);
        m->prompt_known = 1;
    }
    return m->prompt;
}

/* The first prompt in the body of the fn a global names. */
static const rb_node *fn_prompt(sym *s)
{
    if (!s->prompt_known) {
        s->prompt = find_prompt(s->decl->b);
        s->prompt_known = 1;
    }
    return s->prompt;
}

/* ------------------------------------------------------------------ literal checks */

/* `what` takes a duration: a literal of any other type is an error. */
static void expect_duration(checker *c, const rb_node *n, const char *what)
{
    if (!n) return;
    const char *lit = literal_kind(n);
    if (!lit || n->kind == N_DUR) return;
    if (n->kind == N_NUM) {
        error_at(c, n->loc, "expected a duration like 15m after '%s', not the number %g (write %gm or %gs)", what,
                 n->num, n->num, n->num);
    } else if (n->kind == N_UNARY && n->a->kind == N_DUR) {
        error_at(c, n->loc, "expected a duration like 15m after '%s': a duration cannot be negative", what);
    } else {
        error_at(c, n->loc, "expected a duration like 15m after '%s', not %s", what, lit);
    }
}

/* An interval (every, repeat every, wait until … every): a duration that is not zero. */
static void expect_interval(checker *c, const rb_node *n, const char *what)
{
    expect_duration(c, n, what);
    if (n && n->kind == N_DUR && n->num <= 0)
        error_at(c, n->loc, "the interval after '%s' must be longer than 0s", what);
}

/* `retries` takes a whole number >= 0. */
static void expect_count(checker *c, const rb_node *n, const char *what)
{
    if (!n) return;
    const char *lit = literal_kind(n);
    if (!lit) return;
    if (n->kind == N_NUM && n->num == floor(n->num)) return;
    if (n->kind == N_NUM || n->kind == N_UNARY)
        error_at(c, n->loc, "'%s' takes a whole number of 0 or more, like 3", what);
    else
        error_at(c, n->loc, "'%s' takes a whole number of 0 or more, like 3, not %s", what, lit);
}

/* ------------------------------------------------------------------ names */

/* Every let, param and secret under n (list included) in tree order, the first of a name kept. */
static void collect_decls(checker *c, const rb_node *n)
{
    for (; n; n = n->next) {
        if ((n->kind == N_LET || n->kind == N_PARAM || n->kind == N_SECRET) && n->str &&
            strmap_put(&c->decl_names, n->str, c->ndecls, 0) == c->ndecls) {
            if (c->ndecls == c->capdecls) {
                c->capdecls = c->capdecls ? c->capdecls * 2 : 16;
                c->decl_nodes = rb_xrealloc(c->decl_nodes, (size_t)c->capdecls * sizeof *c->decl_nodes);
            }
            c->decl_nodes[c->ndecls++] = n;
        }
        const rb_node *kids[] = {n->a, n->b, n->c, n->d};
        for (size_t i = 0; i < sizeof kids / sizeof *kids; i++) collect_decls(c, kids[i]);
    }
}

/* A declaration of name anywhere in the file: a hint for "undefined" (indexed on first use). */
static const rb_node *find_decl(checker *c, const char *name)
{
    if (!c->decls_built) {
        collect_decls(c, c->f->root);
        c->decls_built = 1;
    }
    int i = strmap_get(&c->decl_names, name);
    return i < 0 ? NULL : c->decl_nodes[i];
}

/* An undefined name: say where a declaration of it is, or suggest a close name. */
static void undefined(checker *c, scope *sc, const rb_node *n, const char *what)
{
    rb_buf b;
    buf_init(&b);
    if (can_report(c)) {
        const rb_node *d = find_decl(c, n->str);
        if (d)
            buf_printf(&b, " (the '%s' at line %d is not visible here)", n->str, d->loc.line);
        else
            suggest_name(c, &b, sc, n->str);
    }
    error_at(c, n->loc, "undefined %s '%s'%s", what, n->str, buf_cstr(&b));
    buf_free(&b);
}

static void use_name(checker *c, scope *sc, const rb_node *n)
{
    sym *s = lookup(sc, n->str);
    if (s) {
        s->used = 1;
        return;
    }
    if (!builtin_find(n->str)) undefined(c, sc, n, "variable");
}

/* The module a name refers to when it is a `use` alias that loaded, else NULL; marks it used. */
static sym *module_alias(const scope *sc, const rb_node *n)
{
    if (!n || n->kind != N_IDENT) return NULL;
    sym *s = lookup(sc, n->str);
    if (!s || s->kind != S_USE) return NULL;
    s->used = 1;
    return s;
}

/* `alias.name`: the member must be a top-level fn, let or secret of the module. */
static member *check_member(checker *c, scope *sc, const rb_node *n)
{
    sym *s = module_alias(sc, n->a);
    if (!s) {
        walk_expr(c, sc, n->a);
        return NULL;
    }
    if (!s->mod) return NULL;
    member *m = module_member(c, s->mod, n->str);
    if (m) return m;
    if (c->mode != MODE_CHECK) return NULL;
    rb_loc at = loc_after(c, loc_after(c, n->a->loc, strlen(n->a->str)), 1);
    suggest sg = suggest_start(c, n->str);
    if (can_report(c)) {
        const module_index *mi = module_index_of(c, s->mod);
        for (int i = 0; i < mi->n && !suggest_done(&sg); i++) suggest_try(&sg, mi->members[i].decl->str);
    }
    if (suggest_best(&sg))
        error_at(c, at, "module '%s' has no member '%s' (did you mean '%s'?)", n->a->str, n->str, suggest_best(&sg));
    else
        error_at(c, at, "module '%s' has no member '%s'", n->a->str, n->str);
    return NULL;
}

/* ------------------------------------------------------------------ warnings helpers */

/* Where an untrusted value comes from ("a prompt", "an HTTP response"), or NULL. */
static const char *untrusted(const scope *sc, const rb_node *e, int follow)
{
    while (e && (e->kind == N_MEMBER || e->kind == N_INDEX)) e = e->a;
    if (!e) return NULL;
    if (e->kind == N_HTTP) return "an HTTP response";
    if (e->kind == N_CALL && e->a && e->a->kind == N_IDENT && !lookup(sc, e->a->str) &&
        (strcmp(e->a->str, "ask") == 0 || strcmp(e->a->str, "choose") == 0))
        return "a prompt";
    if (e->kind == N_IDENT && follow) {
        const sym *s = lookup(sc, e->str);
        if (s && s->decl && s->decl->kind == N_LET) return untrusted(sc, s->decl->a, 0);
    }
    return NULL;
}

static int sh_is_readonly(const rb_node *n)
{
    const rb_node *o = ast_opt(n, "readonly");
    if (!o) return 0;
    return !o->a || o->a->kind != N_BOOL || o->a->num != 0;
}

/* ------------------------------------------------------------------ expressions */

/* A named argument the builtin b does not take. */
static void unknown_option(checker *c, const rb_node *arg, const builtin_info *b)
{
    if (!b->named || !*b->named) {
        error_at(c, arg->loc, "%s() takes no named options ('%s:')", b->name, arg->str);
        return;
    }
    rb_buf opts;
    buf_init(&opts);
    for (const char *p = b->named; *p;) {
        size_t w = strcspn(p, " ");
        buf_printf(&opts, "%s%.*s:", opts.len ? ", " : "", (int)w, p);
        p += w + strspn(p + w, " ");
    }
    error_at(c, arg->loc, "%s() has no option '%s' (it takes %s)", b->name, arg->str, buf_cstr(&opts));
    buf_free(&opts);
}

static void check_builtin_call(checker *c, const rb_node *call, const builtin_info *b)
{
    const char *name = b->name;
    if (b->kind == BI_VALUE) {
        error_at(c, call->loc, "'%s' is a value, not a function", name);
        return;
    }
    int npos = 0;
    for (const rb_node *a = call->b; a; a = a->next) {
        if (a->kind != N_NAMEDARG) npos++;
        else if (!builtin_takes_named(b, a->str)) unknown_option(c, a, b);
    }
    if (npos >= b->min_args && (b->max_args < 0 || npos <= b->max_args)) return;
    rb_buf want;
    buf_init(&want);
    if (b->min_args == b->max_args)
        buf_printf(&want, "%d argument%s", b->min_args, b->min_args == 1 ? "" : "s");
    else if (b->max_args < 0)
        buf_printf(&want, "at least %d argument%s", b->min_args, b->min_args == 1 ? "" : "s");
    else
        buf_printf(&want, "%d to %d arguments", b->min_args, b->max_args);
    error_at(c, call->loc, "%s() takes %s, %d given", name, buf_cstr(&want), npos);
    buf_free(&want);
}

static void walk_call(checker *c, scope *sc, const rb_node *n)
{
    const rb_node *callee = n->a;
    const builtin_info *bi = NULL;
    if (callee->kind == N_IDENT) {
        sym *s = lookup(sc, callee->str);
        if (s) {
            s->used = 1;
            const rb_node *p = s->kind == S_FN && c->timer ? fn_prompt(s) : NULL;
            if (p)
                error_at(c, callee->loc, "a timer body cannot prompt: fn '%s' asks the responder (line %d)",
                         callee->str, p->loc.line);
        } else if ((bi = builtin_find(callee->str)) != NULL) {
            check_builtin_call(c, n, bi);
            if (strcmp(bi->name, "confirm") == 0 || strcmp(bi->name, "choose") == 0) c->gated = 1;
            if (bi->prompts && c->timer)
                error_at(c, callee->loc, "a timer body cannot prompt: '%s' would wait for an answer inside this %s",
                         callee->str, c->timer);
        } else {
            undefined(c, sc, callee, "function");
        }
    } else if (callee->kind == N_MEMBER && module_alias(sc, callee->a)) {
        const sym *alias = module_alias(sc, callee->a);
        member *m = check_member(c, sc, callee);
        const rb_node *p = m && c->timer ? member_prompt(m) : NULL;
        if (p)
            error_at(c, callee->loc, "a timer body cannot prompt: %s.%s asks the responder (%s:%d)", callee->a->str,
                     callee->str, alias->mod->file->src.name, p->loc.line);
    } else {
        walk_expr(c, sc, callee);
    }
    for (const rb_node *a = n->b; a; a = a->next) walk_expr(c, sc, a->kind == N_NAMEDARG ? a->a : a);

    if (bi && strcmp(bi->name, "raw") == 0 && n->b && n->b->kind != N_NAMEDARG) {
        const char *from = untrusted(sc, n->b, 1);
        if (from)
            warn_at(c, n->loc, "RB101",
                    "raw() of a value that came from %s: it reaches the shell unquoted (drop raw() or validate it)",
                    from);
    }
}

static void walk_sh(checker *c, scope *sc, const rb_node *n)
{
    static const char *const known[] = {"timeout", "readonly", "idempotent", "env", "cwd", "on"};
    walk_expr(c, sc, n->a);
    for (const rb_node *o = n->opts; o; o = o->next) {
        int ok = 0;
        for (size_t i = 0; i < sizeof known / sizeof *known; i++) ok |= strcmp(o->str, known[i]) == 0;
        if (!ok) error_at(c, o->loc, "sh has no option '%s' (it takes timeout, readonly, idempotent, env, cwd, on)", o->str);
        if (strcmp(o->str, "timeout") == 0) expect_duration(c, o->a, "timeout");
        if (o->a) walk_expr(c, sc, o->a);
    }
    if (c->step && !c->timer && !c->fn && !c->gated && !c->in_wait_cond && !sh_is_readonly(n))
        warn_at(c, n->loc, "RB102",
                "this command may change things and no confirm or choose comes before it in step '%s' "
                "(add a confirm, or mark it readonly)",
                c->step->str ? c->step->str : "?");
}

static void walk_http(checker *c, scope *sc, const rb_node *n)
{
    static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"};
    const char *m = n->str ? n->str : "";
    int ok = 0, caps = 0;
    for (size_t i = 0; i < sizeof methods / sizeof *methods; i++) {
        ok |= strcmp(m, methods[i]) == 0;
        caps |= strcasecmp(m, methods[i]) == 0;
    }
    if (!ok && c->mode == MODE_CHECK) {
        rb_loc at = loc_after(c, n->loc, 4);
        if (caps)
            error_at(c, at, "unknown http method '%s' (methods are written in capitals)", m);
        else
            error_at(c, at, "unknown http method '%s' (use GET, POST, PUT, PATCH, DELETE, HEAD or OPTIONS)", m);
    }
    walk_expr(c, sc, n->a);
    for (const rb_node *o = n->opts; o; o = o->next) {
        if (strcmp(o->str, "timeout") == 0) expect_duration(c, o->a, "timeout");
        if (strcmp(o->str, "retries") == 0) expect_count(c, o->a, "retries");
        if (strcmp(o->str, "headers") == 0 && o->a && o->a->kind == N_MAP) {
            for (const rb_node *p = o->a->a; p; p = p->next)
                if (p->str && strcasecmp(p->str, "authorization") == 0 && p->a && p->a->kind == N_STR && p->a->str[0])
                    warn_at(c, p->a->loc, "RB105",
                            "hard-coded credential in an Authorization header (take it from a secret)");
        }
        if (o->a) walk_expr(c, sc, o->a);
    }
}

static void walk_expr(checker *c, scope *sc, const rb_node *n)
{
    if (!n) return;
    switch (n->kind) {
    case N_SEV:
        if (n->num < 1 || n->num > 4)
            error_at(c, n->loc, "severity P%g does not exist: severities are P1 (most severe) to P4", n->num);
        break;
    case N_INTERP:
    case N_LIST:
        for (const rb_node *p = n->a; p; p = p->next) walk_expr(c, sc, p);
        break;
    case N_MAP:
        for (const rb_node *p = n->a; p; p = p->next) walk_expr(c, sc, p->a);
        break;
    case N_PAIR:
    case N_NAMEDARG:
        walk_expr(c, sc, n->a);
        break;
    case N_IDENT:
        use_name(c, sc, n);
        break;
    case N_UNARY:
        walk_expr(c, sc, n->a);
        break;
    case N_BINARY:
    case N_INDEX:
        walk_expr(c, sc, n->a);
        walk_expr(c, sc, n->b);
        break;
    case N_MEMBER:
        check_member(c, sc, n);
        break;
    case N_CALL:
        walk_call(c, sc, n);
        break;
    case N_SH:
        walk_sh(c, sc, n);
        break;
    case N_HTTP:
        walk_http(c, sc, n);
        break;
    default:
        break;
    }
}

/* ------------------------------------------------------------------ statements */

static void walk_assign(checker *c, scope *sc, const rb_node *n)
{
    const rb_node *t = n->a;
    if (t->kind == N_IDENT) {
        const sym *s = lookup(sc, t->str);
        if (!s && builtin_find(t->str))
            error_at(c, t->loc, "cannot assign to the builtin '%s'", t->str);
        else if (!s)
            error_at(c, t->loc, "assignment to undeclared variable '%s' (declare it first: let %s = …)", t->str, t->str);
        else if (s->kind == S_FN || s->kind == S_USE)
            error_at(c, t->loc, "cannot assign to %s '%s'", sym_kind_name[s->kind], t->str);
    } else if (t->kind == N_MEMBER || t->kind == N_INDEX) {
        walk_expr(c, sc, t);
    } else {
        error_at(c, t->loc, "cannot assign to this expression (only to a name, a.b or a[i])");
    }
    walk_expr(c, sc, n->b);
}

static void timer_prompt(checker *c, const rb_node *n, const char *what)
{
    if (c->timer)
        error_at(c, n->loc, "a timer body cannot prompt: '%s' would wait for an answer inside this %s", what, c->timer);
}

/* Enter a timer body: prompts and goto are not allowed, loops and fn do not reach in. */
typedef struct saved_ctx {
    const char *timer;
    const rb_node *fn;
    int loops;
    const rb_node *step;
} saved_ctx;

static saved_ctx enter_timer(checker *c, const char *kind)
{
    saved_ctx s = {c->timer, c->fn, c->loops, c->step};
    c->timer = kind;
    c->fn = NULL;
    c->loops = 0;
    c->step = NULL;
    return s;
}

static void leave(checker *c, saved_ctx s)
{
    c->timer = s.timer;
    c->fn = s.fn;
    c->loops = s.loops;
    c->step = s.step;
}

static void walk_escalation(checker *c, scope *sc, const rb_node *n)
{
    for (const rb_node *r = n->a; r; r = r->next) {
        if (r->kind == N_REPEAT) {
            expect_interval(c, r->a, "repeat every");
            walk_expr(c, sc, r->a);
            continue;
        }
        if (r->kind != N_RUNG) continue;
        expect_duration(c, r->a, "at");
        walk_expr(c, sc, r->a);
        saved_ctx s = enter_timer(c, "escalation");
        walk_expr(c, sc, r->b);
        walk_expr(c, sc, r->c);
        walk_block(c, sc, r->d);
        leave(c, s);
    }
}

static void walk_every(checker *c, scope *sc, const rb_node *n)
{
    expect_interval(c, n->a, "every");
    walk_expr(c, sc, n->a);
    expect_duration(c, n->c, "for");
    walk_expr(c, sc, n->c);
    saved_ctx s = enter_timer(c, "every timer");
    walk_expr(c, sc, n->b);
    walk_block(c, sc, n->d);
    leave(c, s);
}

/* The first step with this id (a duplicate comes later and is never found). */
static const step_entry *find_step(const checker *c, const char *id)
{
    int i = strmap_get(&c->step_ids, id);
    return i < 0 ? NULL : &c->steps[i];
}

static void walk_goto(checker *c, const rb_node *n)
{
    if (c->timer) {
        error_at(c, n->loc, "goto cannot be used in an %s body: a timer runs beside the steps, not between them",
                 c->timer);
    } else if (c->fn) {
        error_at(c, n->loc, "goto cannot be used inside a fn (fn '%s'); return a value and goto from the step",
                 c->fn->str);
    } else if (!find_step(c, n->str) && c->mode == MODE_CHECK) {
        rb_loc at = loc_after(c, n->loc, 4);
        suggest sg = suggest_start(c, n->str);
        for (int i = 0; i < c->nsteps && can_report(c) && !suggest_done(&sg); i++)
            if (c->steps[i].id) suggest_try(&sg, c->steps[i].id);
        if (suggest_best(&sg))
            error_at(c, at, "goto target '%s' is not a step in this runbook (did you mean '%s'?)", n->str,
                     suggest_best(&sg));
        else
            error_at(c, at, "goto target '%s' is not a step in this runbook", n->str);
    }
}

static void walk_for(checker *c, scope *sc, const rb_node *n)
{
    walk_expr(c, sc, n->a);
    scope body;
    scope_init(&body, sc, NULL);
    scope_add(&body, n->str, S_LOCAL, n);
    if (n->str2) scope_add(&body, n->str2, S_LOCAL, n);
    c->loops++;
    walk_block(c, &body, n->b);
    c->loops--;
    scope_free(&body);
}

static void walk_stmt(checker *c, scope *sc, const rb_node *n)
{
    switch (n->kind) {
    case N_LET:
        walk_expr(c, sc, n->a);
        scope_add(sc, n->str, sc == &c->stepvars ? S_STEPVAR : S_LOCAL, n);
        break;
    case N_ASSIGN:
        walk_assign(c, sc, n);
        break;
    case N_IF:
        walk_expr(c, sc, n->a);
        walk_block(c, sc, n->b);
        if (n->c && n->c->kind == N_IF) walk_stmt(c, sc, n->c);
        else walk_block(c, sc, n->c);
        break;
    case N_WHILE:
        walk_expr(c, sc, n->a);
        c->loops++;
        walk_block(c, sc, n->b);
        c->loops--;
        break;
    case N_FOR:
        walk_for(c, sc, n);
        break;
    case N_BREAK:
    case N_CONTINUE:
        if (c->loops == 0)
            error_at(c, n->loc, "'%s' outside a loop", n->kind == N_BREAK ? "break" : "continue");
        break;
    case N_RETURN:
        if (!c->fn) error_at(c, n->loc, "'return' outside a fn (to end a step early use goto, fail or abort)");
        walk_expr(c, sc, n->a);
        break;
    case N_GOTO:
        walk_goto(c, n);
        break;
    case N_CONFIRM:
        timer_prompt(c, n, "confirm");
        walk_expr(c, sc, n->a);
        c->gated = 1;
        break;
    case N_CHOOSE:
        timer_prompt(c, n, "choose");
        walk_expr(c, sc, n->a);
        c->gated = 1;
        for (const rb_node *arm = n->b; arm; arm = arm->next) {
            walk_expr(c, sc, arm->a);
            walk_block(c, sc, arm->b);
        }
        break;
    case N_CHECKLIST:
        timer_prompt(c, n, "checklist");
        walk_expr(c, sc, n->a);
        for (const rb_node *it = n->b; it; it = it->next) walk_expr(c, sc, it);
        break;
    case N_WAIT:
        expect_duration(c, n->a, "wait");
        walk_expr(c, sc, n->a);
        walk_expr(c, sc, n->b);
        break;
    case N_WAITUNTIL:
        c->in_wait_cond++;
        walk_expr(c, sc, n->a);
        c->in_wait_cond--;
        for (const rb_node *o = n->opts; o; o = o->next) {
            if (strcmp(o->str, "every") == 0) expect_interval(c, o->a, "every");
            else expect_duration(c, o->a, o->str);
            walk_expr(c, sc, o->a);
        }
        break;
    case N_NOTE:
    case N_WARN:
    case N_RUN:
    case N_ABORT:
    case N_FAIL:
    case N_EXPRSTMT:
        walk_expr(c, sc, n->a);
        walk_expr(c, sc, n->b);
        break;
    case N_ESCALATION:
        walk_escalation(c, sc, n);
        break;
    case N_EVERY:
        walk_every(c, sc, n);
        break;
    case N_BLOCK:
        walk_block(c, sc, n);
        break;
    default:
        break;
    }
}

static void walk_stmts(checker *c, scope *sc, const rb_node *list)
{
    for (const rb_node *n = list; n; n = n->next) walk_stmt(c, sc, n);
}

static void walk_block(checker *c, scope *sc, const rb_node *block)
{
    if (!block) return;
    scope inner;
    scope_init(&inner, sc, NULL);
    walk_stmts(c, &inner, block->kind == N_BLOCK ? block->a : block);
    scope_free(&inner);
}

/* ------------------------------------------------------------------ declarations */

static void walk_fn(checker *c, const rb_node *n)
{
    scope params;
    scope_init(&params, &c->globals, NULL);
    for (const rb_node *p = n->a; p; p = p->next) {
        if (scope_here(&params, p->str))
            error_at(c, p->loc, "fn '%s' has two parameters named '%s'", n->str, p->str);
        scope_add(&params, p->str, S_LOCAL, p);
    }
    saved_ctx s = {c->timer, c->fn, c->loops, c->step};
    c->fn = n;
    c->timer = NULL;
    c->loops = 0;
    c->step = NULL;
    walk_block(c, &params, n->b);
    leave(c, s);
    scope_free(&params);
}

static void walk_step(checker *c, const rb_node *n)
{
    scope *sc = &c->stepvars;
    for (const rb_node *o = n->opts; o; o = o->next) {
        if (strcmp(o->str, "retries") == 0) expect_count(c, o->a, "retries");
        else expect_duration(c, o->a, o->str);
        walk_expr(c, sc, o->a);
    }
    walk_expr(c, sc, n->d);
    c->step = n;
    c->gated = 0;
    if (n->a) walk_stmts(c, sc, n->a->a);
    c->step = NULL;
    walk_block(c, sc, n->b);
    walk_block(c, sc, n->c);
}

static void walk_phase(checker *c, const rb_node *n)
{
    for (const rb_node *o = n->opts; o; o = o->next) {
        expect_duration(c, o->a, o->str);
        walk_expr(c, &c->stepvars, o->a);
    }
    walk_expr(c, &c->stepvars, n->b);
    for (const rb_node *it = n->a; it; it = it->next) {
        if (it->kind == N_STEP) walk_step(c, it);
        else if (it->kind == N_ESCALATION) walk_escalation(c, &c->stepvars, it);
        else if (it->kind == N_EVERY) walk_every(c, &c->stepvars, it);
    }
}

static int is_known_type(const char *t)
{
    static const char *const types[] = {"string", "number", "int", "bool", "duration", "time",
                                        "severity", "list", "map", "any"};
    for (size_t i = 0; i < sizeof types / sizeof *types; i++)
        if (strcmp(t, types[i]) == 0) return 1;
    return 0;
}

/* Declare a global.  A second declaration of the name is an error (and NULL: the first stays). */
static sym *add_global(checker *c, const char *name, sym_kind kind, const rb_node *decl)
{
    const sym *old = scope_here(&c->globals, name);
    if (old) {
        error_at(c, decl->kind == N_USE ? decl->loc : name_loc(c, decl),
                 "'%s' is already declared (as a %s at line %d)", name, sym_kind_name[old->kind], old->decl->loc.line);
        return NULL;
    }
    return scope_add(&c->globals, name, kind, decl);
}

/* The header's fields: known names, the right kind of value, each name once (a field given
 * again is reported once, against the first of its name). */
static void check_header_fields(checker *c, const rb_node *h)
{
    static const char *const known[] = {"id", "severity", "owner", "summary", "tags", "respond", "resolve"};
    walk_expr(c, &c->globals, h->b);
    int nfields = ast_list_len(h->a), k = 0;
    const rb_node **fields = rb_xcalloc(nfields ? (size_t)nfields : 1, sizeof *fields);
    strmap first = {0};    /* field name -> the first field of that name */
    for (const rb_node *fl = h->a; fl; fl = fl->next, k++) {
        const char *name = fl->str;
        const rb_node *v = fl->a;
        const char *lit = v ? literal_kind(v) : NULL;
        int is_known = 0;
        for (size_t i = 0; i < sizeof known / sizeof *known; i++) is_known |= strcmp(name, known[i]) == 0;
        fields[k] = fl;
        int e = strmap_put(&first, name, k, 0);
        if (e != k)
            error_at(c, fl->loc, "header field '%s' is given twice (first at line %d)", name, fields[e]->loc.line);
        walk_expr(c, &c->globals, v);
        if (!is_known) {
            warn_at(c, fl->loc, "RB100", "unknown header field '%s' (known: id, severity, owner, summary, tags, "
                                         "respond within, resolve within)", name);
            continue;
        }
        int timed = strcmp(name, "respond") == 0 || strcmp(name, "resolve") == 0;
        if (timed && fl->num == 0) {
            error_at(c, fl->loc, "write '%s within D', like '%s within 15m'", name, name);
        } else if (!timed && fl->num != 0) {
            error_at(c, fl->loc, "'within' only follows 'respond' and 'resolve', not '%s'", name);
        } else if (timed) {
            expect_duration(c, v, strcmp(name, "respond") == 0 ? "respond within" : "resolve within");
        } else if (strcmp(name, "severity") == 0) {
            if (lit && v->kind != N_SEV) error_at(c, v->loc, "severity takes P1, P2, P3 or P4, not %s", lit);
        } else if (strcmp(name, "tags") == 0) {
            if (lit && v->kind != N_LIST)
                error_at(c, v->loc, "'tags' takes a list of strings like [\"database\"], not %s", lit);
            for (const rb_node *t = v && v->kind == N_LIST ? v->a : NULL; t; t = t->next)
                if (literal_kind(t) && t->kind != N_STR && t->kind != N_INTERP)
                    error_at(c, t->loc, "a tag is a string, not %s", literal_kind(t));
        } else if (lit && v->kind != N_STR && v->kind != N_INTERP) {
            error_at(c, v->loc, "'%s' takes a string, not %s", name, lit);
        }
    }
    strmap_free(&first);
    rb_free(fields);
}

/* The alias of a `use`: written with `as`, the module name, or the file's stem. */
static const char *use_alias(checker *c, const rb_node *n)
{
    if (n->str2) return n->str2;
    if (n->num == 0) return n->str;
    const char *base = strrchr(n->str, '/');
    base = base ? base + 1 : n->str;
    size_t len = strlen(base);
    if (len > 3 && strcmp(base + len - 3, ".rb") == 0) len -= 3;
    int ok = len > 0 && (isalpha((unsigned char)base[0]) || base[0] == '_');
    for (size_t i = 0; i < len; i++) ok &= isalnum((unsigned char)base[i]) || base[i] == '_';
    if (!ok) {
        error_at(c, n->loc, "'%.*s' is not a name: write use \"%s\" as some_name", (int)len, base, n->str);
        return NULL;
    }
    return arena_strndup(&c->f->mem, base, len);
}

static void checker_init(checker *c, ast_file *f, module_set *ms, diag_list *d, check_mode mode, const chain *files)
{
    memset(c, 0, sizeof *c);
    c->f = f;
    c->ms = ms;
    c->d = d;
    c->mode = mode;
    c->files = files;
    scope_init(&c->globals, NULL, &c->names);
    scope_init(&c->stepvars, &c->globals, NULL);
    c->suggest_budget = SUGGEST_BUDGET;
}

static void checker_free(checker *c)
{
    scope_free(&c->stepvars);
    scope_free(&c->globals);
    symtab_free(&c->names);
    rb_free(c->steps);
    strmap_free(&c->step_ids);
    rb_free(c->line_starts);
    strmap_free(&c->decl_names);
    rb_free(c->decl_nodes);
    strmap_free(&c->goto_targets);
    for (int i = 0; i < c->nmods; i++) {
        rb_free(c->mods[i].members);
        strmap_free(&c->mods[i].by_name);
    }
    rb_free(c->mods);
    strmap_free(&c->mod_keys);
}

/* Check a module named by `use` n, once, with its own checker (its own file name). */
static void check_module(checker *c, const rb_node *n, module *m)
{
    for (const chain *ch = c->files; ch; ch = ch->up) {
        if (strcmp(ch->key, m->key) == 0) {
            error_at(c, n->loc, "cyclic use: '%s' is already being loaded (modules cannot use each other in a circle)",
                     n->str);
            return;
        }
    }
    if (m->checked || c->mode != MODE_CHECK) return;
    m->checked = 1;
    if (!m->file || !m->file->root || m->syntax_errors) return;
    m->loading = 1;
    chain link = {m->key, c->files};
    checker sub;
    checker_init(&sub, m->file, c->ms, c->d, MODE_CHECK, &link);
    sub.module_ctx = 1;
    check_tree(&sub);
    c->count += sub.count;
    checker_free(&sub);
    m->loading = 0;
}

static void declare_use(checker *c, const rb_node *n)
{
    const char *alias = use_alias(c, n);
    module *m = module_load(c->ms, n->str, (int)n->num, c->f->src.name, c->d);
    if (!m) {
        if (n->num != 0)
            error_at(c, n->loc, "module file '%s' not found (a path is relative to this file's directory)", n->str);
        else
            error_at(c, n->loc, "module '%s' not found (searched RUNBOOK_PATH, the installed stdlib and the built-in "
                                "stdlib)", n->str);
    } else {
        check_module(c, n, m);
    }
    if (!alias) return;
    sym *s = add_global(c, alias, S_USE, n);
    if (s && m && m->file && m->file->root && !m->syntax_errors) s->mod = m;
}

static void declare_global(checker *c, const rb_node *n)
{
    switch (n->kind) {
    case N_PARAM:
        if (n->c && !is_known_type(n->str2))
            error_at(c, n->c->loc, "unknown param type '%s' (string, number, int, bool, duration, time, severity, "
                                   "list, map or any)", n->str2);
        walk_expr(c, &c->globals, n->a);
        walk_expr(c, &c->globals, n->b);
        add_global(c, n->str, S_PARAM, n);
        break;
    case N_SECRET:
        walk_expr(c, &c->globals, n->a);
        if (n->a && n->a->kind == N_STR && n->a->str[0])
            warn_at(c, n->a->loc, "RB105", "hard-coded credential: secret '%s' is a literal in the file (read it "
                                           "with env(\"NAME\") instead)", n->str);
        add_global(c, n->str, S_SECRET, n);
        break;
    case N_LET:
        walk_expr(c, &c->globals, n->a);
        add_global(c, n->str, S_LET, n);
        break;
    default:
        break;
    }
}

/* Header placement, and what a module may hold. */
static void check_layout(checker *c, const rb_node *decls)
{
    const rb_node *header = NULL;
    int missing_reported = 0;
    for (const rb_node *n = decls; n; n = n->next) {
        if (n->kind == N_HEADER) {
            if (c->module_ctx) {
                error_at(c, n->loc, "a module cannot contain a runbook header (to run another runbook use "
                                    "run \"file.rb\")");
            } else if (header) {
                error_at(c, n->loc, "a runbook has exactly one header; the first is at line %d", header->loc.line);
            } else {
                header = n;
                if (n != decls)
                    error_at(c, n->loc, "the runbook header must come first in the file (line %d comes before it)",
                             decls->loc.line);
            }
        } else if (is_runbook_only(n->kind)) {
            if (c->module_ctx) {
                error_at(c, n->loc, "a module cannot contain %s: it holds only use, let, secret and fn",
                         decl_what(n->kind));
            } else if (c->f->is_module && !missing_reported) {
                error_at(c, n->loc, "missing runbook header: a file with %s must begin with runbook \"Title\" { … }",
                         decl_what(n->kind));
                missing_reported = 1;
            }
        }
    }
}

/* Every step goes into the table in source order; id is NULL when it has no usable one. */
static void add_step(checker *c, const rb_node *n)
{
    const char *id = n->str;
    if (!id && !n->str2) {
        error_at(c, n->d ? n->d->loc : n->loc, "a step whose title is interpolated needs an id: step my_id \"…\"");
    } else if (!id) {
        id = check_step_slug(&c->f->mem, n->str2);
        if (!*id) {
            error_at(c, n->d ? n->d->loc : n->loc, "this title gives the step no id: write one, step my_id \"…\"");
            id = NULL;
        }
    }
    const step_entry *old = id ? find_step(c, id) : NULL;
    if (old)
        error_at(c, name_loc(c, n), "duplicate step id '%s' (the first is at line %d)%s", id, old->step->loc.line,
                 n->str ? "" : "; give one of them an id");
    if (c->nsteps == c->capsteps) {
        c->capsteps = c->capsteps ? c->capsteps * 2 : 16;
        c->steps = rb_xrealloc(c->steps, (size_t)c->capsteps * sizeof *c->steps);
    }
    if (id) strmap_put(&c->step_ids, id, c->nsteps, 0);
    c->steps[c->nsteps++] = (step_entry){id, n};
}

static void collect_steps(checker *c, const rb_node *decls)
{
    for (const rb_node *n = decls; n; n = n->next) {
        if (n->kind == N_STEP) add_step(c, n);
        if (n->kind == N_PHASE)
            for (const rb_node *s = n->a; s; s = s->next)
                if (s->kind == N_STEP) add_step(c, s);
    }
}

/*
 * The whole file: layout, step ids, hoisted fns and aliases, globals in order, then the
 * bodies of everything (header, fns, timers, phases, steps) in source order.
 */
static void check_tree(checker *c)
{
    const rb_node *decls = c->f->root->a;
    check_layout(c, decls);
    if (!c->module_ctx) collect_steps(c, decls);
    for (const rb_node *n = decls; n; n = n->next) {
        if (n->kind == N_USE) declare_use(c, n);
        if (n->kind == N_FN) add_global(c, n->str, S_FN, n);
    }
    for (const rb_node *n = decls; n; n = n->next)
        if (!(c->module_ctx && is_runbook_only(n->kind))) declare_global(c, n);
    for (const rb_node *n = decls; n; n = n->next) {
        if (c->module_ctx && (is_runbook_only(n->kind) || n->kind == N_HEADER)) continue;
        switch (n->kind) {
        case N_HEADER: check_header_fields(c, n); break;
        case N_FN: walk_fn(c, n); break;
        case N_ESCALATION: walk_escalation(c, &c->globals, n); break;
        case N_EVERY: walk_every(c, &c->globals, n); break;
        case N_PHASE: walk_phase(c, n); break;
        case N_STEP: walk_step(c, n); break;
        default: break;
        }
    }
}

/* ------------------------------------------------------------------ public */

int check_file(ast_file *f, module_set *ms, diag_list *d)
{
    if (!f || !f->root) return 0;
    char *key = module_path_key(f->src.name);
    chain self = {key, NULL};
    checker c;
    checker_init(&c, f, ms, d, MODE_CHECK, &self);
    check_tree(&c);
    int n = c.count;
    checker_free(&c);
    rb_free(key);
    return n;
}

/* RB103: params and top-level lets nobody reads (runbooks only: a module's lets are its API). */
static void warn_unused(checker *c)
{
    if (c->f->is_module) return;
    for (int i = 0; i < c->globals.n; i++) {
        const sym *s = &c->globals.items[i];
        if (!s->used && (s->kind == S_PARAM || s->kind == S_LET))
            warn_at(c, name_loc(c, s->decl), "RB103", "%s '%s' is never used", s->kind == S_PARAM ? "param" : "let",
                    s->name);
    }
}

/* RB104: a P1/P2 runbook with no escalation at all.  The escalation module counts only
 * when a recurring timer drives it (the module alone schedules nothing). */
static void warn_no_escalation(checker *c, const rb_node *decls)
{
    const rb_node *sev = NULL;
    int uses_module = 0;
    for (const rb_node *n = decls; n; n = n->next) {
        if (n->kind == N_HEADER)
            for (const rb_node *fl = n->a; fl; fl = fl->next)
                if (strcmp(fl->str, "severity") == 0 && fl->a && fl->a->kind == N_SEV) sev = fl->a;
        if (n->kind == N_USE && n->num == 0 && strcmp(n->str, "escalation") == 0) uses_module = 1;
    }
    if (!sev || sev->num < 1 || sev->num > 2 || has_kind(decls, N_ESCALATION)) return;
    if (uses_module && has_kind(decls, N_EVERY)) return;
    warn_at(c, sev->loc, "RB104", "a P%g runbook with no escalation: add escalation { at 0m … } so that someone is "
                                  "paged when nobody responds", sev->num);
}

/* The last statement of a step body, or NULL. */
static const rb_node *last_stmt(const rb_node *step)
{
    const rb_node *last = NULL;
    for (const rb_node *s = step->a ? step->a->a : NULL; s; s = s->next) last = s;
    return last;
}

/*
 * RB106: a step right after one that always leaves by goto/abort, that no goto names.
 * Only when nothing in the previous step can fall through to it: a confirm gate ("no"
 * skips the rest of the step) or an on failure block could.
 */
static void warn_unreachable(checker *c)
{
    for (int i = 1; i < c->nsteps; i++) {
        const rb_node *prev = c->steps[i - 1].step, *step = c->steps[i].step;
        const rb_node *last = last_stmt(prev);
        if (!c->steps[i].id || find_step(c, c->steps[i].id)->step != step) continue;   /* no id, or a duplicate */
        if (!last || (last->kind != N_GOTO && last->kind != N_ABORT)) continue;
        if (prev->c || has_kind(prev->a, N_CONFIRM)) continue;
        if (has_goto_to(c, c->steps[i].id)) continue;
        warn_at(c, name_loc(c, step), "RB106",
                "step '%s' can never run: the step before it always ends with %s (line %d) and no goto leads here",
                c->steps[i].id, last->kind == N_GOTO ? "goto" : "abort", last->loc.line);
    }
}

int check_warnings(ast_file *f, module_set *ms, diag_list *d)
{
    if (!f || !f->root) return 0;
    checker c;
    checker_init(&c, f, ms, d, MODE_WARN, NULL);
    check_tree(&c);
    warn_unused(&c);
    warn_no_escalation(&c, f->root->a);
    warn_unreachable(&c);
    int n = c.count;
    checker_free(&c);
    return n;
}

/* The slug of a title into b: lowercase letters and digits, '_' for runs of anything else. */
static void slug_into(rb_buf *b, const char *title)
{
    int pending = 0;
    for (const unsigned char *p = (const unsigned char *)title; *p; p++) {
        if (*p < 0x80 && isalnum(*p)) {
            if (pending && b->len) buf_addc(b, '_');
            pending = 0;
            buf_addc(b, (char)tolower(*p));
        } else {
            pending = 1;
        }
    }
}

char *check_step_slug(arena *a, const char *title)
{
    rb_buf b;
    buf_init(&b);
    slug_into(&b, title ? title : "");
    char *s = arena_strndup(a, buf_cstr(&b), b.len);
    buf_free(&b);
    return s;
}

