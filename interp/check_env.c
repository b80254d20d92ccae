/*
 * check_env.c — the checker's environment: reporting diagnostics (at the module line of a
 * part, naming its use), the string map, scopes and symbols, and "did you mean" suggestions.
 *
 * Part of the checker (design: check.c).  Never: evaluate anything.
 */
#include "check_int.h"

const char *const sym_kind_name[] = {"param", "secret", "let", "fn", "module", "variable", "variable"};

static int diag_addf(diag_list *d, diag_level lv, const diag_source *src, rb_loc loc, const char *rule,
                     const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static int diag_addf(diag_list *d, diag_level lv, const diag_source *src, rb_loc loc, const char *rule,
                     const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = diag_vadd(d, lv, src, loc, rule, fmt, ap);
    va_end(ap);
    return r;
}

/*
 * Report at loc in the file being checked, or, inside the copy of a module's part (the
 * walk keeps c->origin), at loc in the module, naming the use: "… (used at rb:40:3)".
 */
static void report(checker *c, diag_level lv, rb_loc loc, const char *rule, const char *fmt, va_list ap)
{
    int r;
    if (c->quiet) return;
    if (c->origin && c->origin < c->f->norigins) {
        const ast_origin *o = &c->f->origins[c->origin];
        rb_buf b;
        buf_init(&b);
        buf_vprintf(&b, fmt, ap);
        r = diag_addf(c->d, lv, &o->file->src, loc, rule, "%s (used at %s:%d:%d)", buf_cstr(&b), c->f->src.name,
                      o->used_at.line, o->used_at.col);
        buf_free(&b);
    } else {
        r = diag_vadd(c->d, lv, &c->f->src, loc, rule, fmt, ap);
    }
    if (r == 0) c->count++;
}

void error_at(checker *c, rb_loc loc, const char *fmt, ...)
{
    if (!(c->mode & MODE_CHECK)) return;
    va_list ap;
    va_start(ap, fmt);
    report(c, DIAG_ERROR, loc, NULL, fmt, ap);
    va_end(ap);
}

void warn_at(checker *c, rb_loc loc, const char *rule, const char *fmt, ...)
{
    if (!(c->mode & MODE_WARN)) return;
    va_list ap;
    va_start(ap, fmt);
    report(c, DIAG_WARNING, loc, rule, fmt, ap);
    va_end(ap);
}


/* Would an error reported now be recorded?  (Hints that cost work are skipped when not.) */
int can_report(const checker *c)
{
    return (c->mode & MODE_CHECK) && !(c->d->limit && c->d->errors >= c->d->limit);
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
int strmap_get(const strmap *m, const char *key)
{
    return m->n ? strmap_get_h(m, key, str_hash(key)) : -1;
}

/* Store val for key (replacing what is there only when replace); returns key's value now. */
int strmap_put(strmap *m, const char *key, int val, int replace)
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
void strmap_free(strmap *m)
{
    rb_free(m->slots);
    memset(m, 0, sizeof *m);
}

/* ------------------------------------------------------------------ source positions */

/* Where the declared name of a declaration (or a step's id, or its title) is written. */
rb_loc name_loc(const rb_node *n)
{
    switch (n->kind) {
    case N_PARAM: case N_SECRET: case N_LET: case N_FN: case N_STEP: case N_FOR: case N_PART: return n->nloc;
    default: return n->loc;
    }
}

/* ------------------------------------------------------------------ scopes */

/* A scope inside up, or the outermost scope (the globals) of tab when up is NULL. */
void scope_init(scope *sc, scope *up, symtab *tab)
{
    memset(sc, 0, sizeof *sc);
    sc->up = up;
    sc->tab = up ? up->tab : tab;
    sc->depth = up ? up->depth + 1 : 0;
    sc->id = ++sc->tab->next_id;
}

/* End a scope: its names leave the table (they are on top of it). */
void scope_free(scope *sc)
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
void symtab_free(symtab *t)
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
sym *scope_here(const scope *sc, const char *name)
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

sym *scope_add(scope *sc, const char *name, sym_kind kind, const rb_node *decl)
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
sym *lookup(const scope *sc, const char *name)
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


/* Start a search for a name close to want, paid for by c. */
suggest suggest_start(checker *c, const char *want)
{
    size_t len = strlen(want);
    return (suggest){want, len, len <= 5 ? 1 : 2, NULL, 99, &c->suggest_budget, 0};
}

/* Is the answer known?  Nothing beats distance 1 (0 is want itself, never suggested). */
int suggest_done(const suggest *s)
{
    return s->dist == 1 || s->gave_up;
}

/* Offer one candidate to the search. */
void suggest_try(suggest *s, const char *cand)
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
const char *suggest_best(const suggest *s)
{
    return s->gave_up ? NULL : s->best;
}

/* Append " (did you mean 'x'?)" for a name close to want in scope or among the builtins. */
void suggest_name(checker *c, rb_buf *out, const scope *sc, const char *want)
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
const char *literal_kind(const rb_node *n)
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
int has_goto_to(checker *c, const char *id)
{
    if (!c->gotos_built) {
        collect_gotos(c, c->f->root);
        c->gotos_built = 1;
    }
    return strmap_get(&c->goto_targets, id) >= 0;
}

int has_kind(const rb_node *n, node_kind k)
{
    for (; n; n = n->next) {
        if (n->kind == k) return 1;
        if (n->kind >= N_NIL && k < N_NIL) continue;   /* an expression holds no statement or declaration */
        if ((n->a && has_kind(n->a, k)) || (n->b && has_kind(n->b, k)) || (n->c && has_kind(n->c, k)) ||
            (n->d && has_kind(n->d, k)) || (n->opts && has_kind(n->opts, k)))
            return 1;
    }
    return 0;
}

int is_runbook_only(node_kind k)
{
    return k == N_STEP || k == N_PARAM || k == N_PHASE || k == N_ESCALATION || k == N_EVERY || k == N_INCLUDE;
}

const char *decl_what(node_kind k)
{
    switch (k) {
    case N_STEP: return "a step";
    case N_PARAM: return "a param";
    case N_PHASE: return "a phase";
    case N_ESCALATION: return "an escalation";
    case N_EVERY: return "an every timer";
    case N_INCLUDE: return "a use of a part";
    default: return "this declaration";
    }
}

/* Is n a top-level declaration that `alias.name` can reach (a named fn, let or secret, or
 * a `use` alias: a module's part reaches its own modules that way once copied)? */
static int is_member_decl(const rb_node *n)
{
    return ((n->kind == N_FN || n->kind == N_LET || n->kind == N_SECRET) && n->str) || n->kind == N_USE;
}

/* The members of module m (a loaded, parsed one), indexed on first use by this checker. */
module_index *module_index_of(checker *c, const module *m)
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
        const char *name = d->kind == N_USE ? module_use_alias(&c->f->mem, d) : d->str;
        if (!name) continue;
        mi->members[mi->n].decl = d;
        mi->members[mi->n].name = name;
        strmap_put(&mi->by_name, name, mi->n++, 0);
    }
    strmap_put(&c->mod_keys, m->key, c->nmods++, 0);
    return mi;
}

/* The first top-level fn, let or secret of a module with this name, or NULL. */
member *module_member(checker *c, const module *m, const char *name)
{
    module_index *mi = module_index_of(c, m);
    int i = strmap_get(&mi->by_name, name);
    return i < 0 ? NULL : &mi->members[i];
}

/* The first prompt in the body of a module's fn member (NULL for a let or secret). */
const rb_node *member_prompt(member *m)
{
    if (m->decl->kind != N_FN) return NULL;
    if (!m->prompt_known) {
        m->prompt = find_prompt(m->decl->b);
        m->prompt_known = 1;
    }
    return m->prompt;
}

/* The first prompt in the body of the fn a global names. */
const rb_node *fn_prompt(sym *s)
{
    if (!s->prompt_known) {
        s->prompt = find_prompt(s->decl->b);
        s->prompt_known = 1;
    }
    return s->prompt;
}
