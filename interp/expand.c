/*
 * expand.c — parts: a module's named, parameterised phases, steps, escalation ladders and
 * every timers, instantiated into the runbook that uses them.
 *
 * A module defines a part like a fn whose body is the declaration:
 *     fn detection(webhook, state) phase "Detection" within 5m { step ack "…" { … } }
 * and a runbook brings it in where the declaration would stand:
 *     phase common.detection(webhook, state)      [as PREFIX]
 *     step common.ack() [as PREFIX]; escalation p1.ladder(contacts); every common.updates(webhook)
 *
 * Owns: the expansion, done once per file before it is checked (check_file calls it), so
 * that the checker, view and the evaluator see ordinary phases, steps and timers.  The
 * copy is deterministic (the same sources give the same tree, for resume and verify):
 *   - a parameter becomes a copy of its argument (the argument is evaluated where it is
 *     used, in the runbook's scope);
 *   - a name of the module (its let, secret, fn or `use` alias) becomes alias.name, or the
 *     runbook's own alias of the same module for a `use` alias;
 *   - a name declared inside the part stays; any other name is looked up in the runbook;
 *   - with `as PREFIX`, step ids become PREFIX_id (a title's slug when no id is written)
 *     and the part's gotos to its own steps follow;
 *   - every copied node keeps its module location and gets an origin (ast_file.origins),
 *     so that diagnostics name both places and step.start can say where a step came from.
 *
 * Never: evaluate anything, or report what the checker reports (undefined names, bad
 * types): only what stops a part from being found and copied.
 */
#include <string.h>
#include "check.h"
#include "expand.h"

typedef struct exp_ctx {
    ast_file *f;              /* the runbook (copies live in its arena) */
    module_set *ms;
    diag_list *d;
    const ast_file *mf;       /* the module of the part */
    const rb_node *part;      /* its N_PART */
    const rb_node *inc;       /* the N_INCLUDE being expanded */
    const char *alias;        /* the runbook's name for the module */
    const char *prefix;       /* step id prefix, or NULL */
    uint16_t origin;
    const char **locals;      /* names declared inside the part so far (a stack) */
    int nlocals, caplocals;
    const char **ids;         /* the part's own step ids (for gotos under a prefix) */
    int nids, capids;
    int in_arg;               /* copying an argument (a runbook expression) */
    int *uses;                /* how many times each parameter has been copied */
    int errors;
} exp_ctx;

static void exp_error(exp_ctx *x, rb_loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void exp_error(exp_ctx *x, rb_loc loc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vadd(x->d, DIAG_ERROR, &x->f->src, loc, NULL, fmt, ap);
    va_end(ap);
    x->errors++;
}

static rb_node *copy(exp_ctx *x, const rb_node *n);

/* ------------------------------------------------------------------ names */

static void push_local(exp_ctx *x, const char *name)
{
    x->locals = arena_grow(&x->f->mem, x->locals, x->nlocals, &x->caplocals, sizeof *x->locals, 16);
    x->locals[x->nlocals++] = name;
}

static int is_local(const exp_ctx *x, const char *name)
{
    for (int i = x->nlocals - 1; i >= 0; i--)
        if (strcmp(x->locals[i], name) == 0) return 1;
    return 0;
}

/* The runbook's top-level `use` whose alias is name, or NULL. */
static const rb_node *find_use(const ast_file *f, const char *name)
{
    for (const rb_node *u = f->root->a; u; u = u->next)
        if (u->kind == N_USE) {
            if (module_use_alias_is(u, name)) return u;
        }
    return NULL;
}

/* What a free name of the part becomes: NULL to keep it, else the node to put there. */
static rb_node *resolve(exp_ctx *x, const rb_node *id)
{
    if (is_local(x, id->str)) return NULL;
    const rb_node *p = part_params(x->part), *a = include_args(x->inc);
    for (int i = 0; p && a; p = p->next, a = a->next, i++)
        if (strcmp(p->str, id->str) == 0) {
            x->in_arg++;           /* a runbook expression: origin 0, its own names */
            rb_node *arg = copy(x, a);
            x->in_arg--;
            if (x->uses[i]++) arg->flags |= AST_QUIET;   /* checked once, at its first copy */
            return arg;
        }
    for (const rb_node *g = x->mf->root->a; g; g = g->next) {
        int match = 0;
        const char *alias = x->alias;
        if ((g->kind == N_LET || g->kind == N_SECRET || g->kind == N_FN) && g->str) {
            match = strcmp(g->str, id->str) == 0;
        } else if (g->kind == N_USE) {
            match = module_use_alias_is(g, id->str);
            if (match) {
                /* the module's own `use`: the runbook's alias of the same module, if it has one */
                module *gm = module_load(x->ms, g->str, (int)g->num, x->mf->src.name, NULL);
                for (const rb_node *u = x->f->root->a; gm && u; u = u->next) {
                    if (u->kind != N_USE) continue;
                    module *um = module_load(x->ms, u->str, (int)u->num, x->f->src.name, NULL);
                    const char *ua = um == gm ? module_use_alias(&x->f->mem, u) : NULL;
                    if (ua) {
                        rb_node *n = ast_new(&x->f->mem, N_IDENT, id->loc);
                        n->str = ua;
                        n->nloc = id->nloc;
                        n->origin = x->origin;
                        return n;
                    }
                }
            }
        }
        if (!match) continue;
        rb_node *base = ast_new(&x->f->mem, N_IDENT, id->loc);
        base->str = alias;
        base->nloc = id->loc;
        base->origin = x->origin;
        rb_node *m = ast_new(&x->f->mem, N_MEMBER, id->loc);
        m->a = base;
        m->str = id->str;
        m->nloc = id->loc;
        m->depth = 1;
        m->origin = x->origin;
        return m;
    }
    return NULL;
}

/* ------------------------------------------------------------------ copying */

static rb_node *copy_list(exp_ctx *x, const rb_node *l)
{
    rb_node *head = NULL, *tail = NULL;
    for (; l; l = l->next) {
        rb_node *c = copy(x, l);
        if (!c) continue;
        if (tail) tail->next = c;
        else head = c;
        tail = c;
        while (tail->next) tail = tail->next;
    }
    return head;
}

static const char *prefixed(exp_ctx *x, const char *id)
{
    rb_buf b;
    buf_init(&b);
    buf_printf(&b, "%s_%s", x->prefix, id);
    const char *s = arena_strndup(&x->f->mem, buf_cstr(&b), b.len);
    buf_free(&b);
    return s;
}

static int own_step(const exp_ctx *x, const char *id)
{
    for (int i = 0; i < x->nids; i++)
        if (strcmp(x->ids[i], id) == 0) return 1;
    return 0;
}

static rb_node *copy(exp_ctx *x, const rb_node *n)
{
    if (!n) return NULL;
    if (n->kind == N_IDENT && !x->in_arg) {
        rb_node *r = resolve(x, n);
        if (r) return r;
    }
    rb_node *c = arena_alloc(&x->f->mem, sizeof *c);
    *c = *n;
    c->next = NULL;
    if (!x->in_arg) c->origin = x->origin;
    /* Every slot is copied as a list: a single child has no next. */
    switch (n->kind) {
    case N_BLOCK: {
        int mark = x->nlocals;
        c->a = copy_list(x, n->a);
        x->nlocals = mark;
        return c;
    }
    case N_LET:
        c->a = copy(x, n->a);
        if (!x->in_arg) push_local(x, n->str);
        return c;
    case N_FOR: {
        c->a = copy(x, n->a);
        int mark = x->nlocals;
        push_local(x, n->str);
        if (n->str2) push_local(x, n->str2);
        c->b = copy(x, n->b);
        c->c = copy(x, n->c);
        x->nlocals = mark;
        return c;
    }
    case N_STEP:
        c->opts = copy_list(x, n->opts);
        c->d = copy(x, n->d);
        if (n->a) {   /* the body's top-level lets are visible after it (rollback, later steps) */
            c->a = arena_alloc(&x->f->mem, sizeof *c->a);
            *c->a = *n->a;
            c->a->origin = x->origin;
            c->a->a = copy_list(x, n->a->a);
        }
        c->b = copy(x, n->b);
        c->c = copy(x, n->c);
        if (x->prefix) {
            const char *id = n->str ? n->str : n->str2 ? check_step_slug(&x->f->mem, n->str2) : NULL;
            if (id && *id) c->str = prefixed(x, id);
        }
        return c;
    case N_GOTO:
        if (x->prefix && n->str && own_step(x, n->str)) c->str = prefixed(x, n->str);
        return c;
    case N_INCLUDE:
        exp_error(x, x->inc->loc, "part '%s' uses another part (%s.%s): parts do not nest", x->part->str, n->str2,
                  n->str);
        return NULL;
    default:
        c->a = copy_list(x, n->a);
        c->b = copy_list(x, n->b);
        c->c = copy_list(x, n->c);
        c->d = copy_list(x, n->d);
        c->opts = copy_list(x, n->opts);
        return c;
    }
}

/* ------------------------------------------------------------------ one use of a part */

/* Record where the copies of one use come from; 0 when there are too many uses. */
static uint16_t add_origin(ast_file *f, const ast_file *mf, const rb_node *inc)
{
    if (f->norigins == 0) f->norigins = 1;   /* origin 0 is the file itself */
    if (f->norigins >= 65535) return 0;
    f->origins = arena_grow(&f->mem, f->origins, f->norigins, &f->caporigins, sizeof *f->origins, 8);
    rb_buf b;
    buf_init(&b);
    buf_printf(&b, "%s.%s", inc->str2, inc->str);
    f->origins[f->norigins] = (ast_origin){mf, inc->loc, arena_strndup(&f->mem, buf_cstr(&b), b.len), NULL};
    buf_free(&b);
    return (uint16_t)f->norigins++;
}

static const char *kind_words(node_kind k)
{
    return k == N_PHASE ? "a phase" : k == N_STEP ? "a step" : k == N_ESCALATION ? "an escalation" : "an every";
}

/* The part a use names, or NULL after reporting why not (nothing when the module is broken:
 * the checker reports that at the `use`). */
static const rb_node *find_part(exp_ctx *x, const rb_node *inc, int in_phase)
{
    const rb_node *u = find_use(x->f, inc->str2);
    if (!u) {
        exp_error(x, include_alias(inc)->loc, "'%s' is not a module this runbook uses (add use %s)", inc->str2, inc->str2);
        return NULL;
    }
    module *m = module_load(x->ms, u->str, (int)u->num, x->f->src.name, x->d);
    if (!m || !m->file || !m->file->root || m->syntax_errors) return NULL;
    x->mf = m->file;
    const rb_node *p = NULL;
    rb_buf names;
    buf_init(&names);
    for (const rb_node *g = m->file->root->a; g; g = g->next) {
        if (g->kind != N_PART || !g->b) continue;
        if (!p && strcmp(g->str, inc->str) == 0) p = g;
        buf_printf(&names, "%s%s", names.len ? ", " : "", g->str);
    }
    const char *want = kind_words((node_kind)inc->num);
    if (!p) {
        exp_error(x, inc->nloc, "module '%s' has no part '%s' (%s%s)", inc->str2, inc->str,
                  names.len ? "its parts: " : "it defines no parts", buf_cstr(&names));
    } else if (part_body(p)->kind != (node_kind)inc->num) {
        exp_error(x, inc->nloc, "%s.%s is %s part, not %s (write %s %s.%s(…))", inc->str2, inc->str,
                  kind_words(part_body(p)->kind), want, ast_kind_name(part_body(p)->kind), inc->str2, inc->str);
        p = NULL;
    } else if (in_phase && inc->num == N_PHASE) {
        exp_error(x, inc->loc, "a phase cannot hold another phase: use %s.%s at the top level", inc->str2, inc->str);
        p = NULL;
    }
    buf_free(&names);
    return p;
}

static rb_node *expand_one(ast_file *f, module_set *ms, diag_list *d, const rb_node *inc, int in_phase, int *errors)
{
    exp_ctx x;
    memset(&x, 0, sizeof x);
    x.f = f;
    x.ms = ms;
    x.d = d;
    x.inc = inc;
    x.alias = inc->str2;
    const rb_node *p = find_part(&x, inc, in_phase);
    rb_node *out = NULL;
    if (p) {
        int np = ast_list_len(part_params(p)), na = ast_list_len(include_args(inc)), named = 0;
        for (const rb_node *a = include_args(inc); a; a = a->next) named |= a->kind == N_NAMEDARG;
        if (named)
            exp_error(&x, inc->nloc, "a part takes its arguments in order, without names");
        else if (np != na)
            exp_error(&x, inc->nloc, "%s.%s takes %d argument%s, %d given", inc->str2, inc->str, np, np == 1 ? "" : "s",
                      na);
        else if ((x.origin = add_origin(f, x.mf, inc)) == 0)
            exp_error(&x, inc->loc, "too many uses of parts in one runbook");
    }
    if (p && !x.errors) {
        x.part = p;
        x.prefix = include_prefix(inc) ? include_prefix(inc)->str : NULL;
        const rb_node *body = part_body(p);
        const rb_node *steps = body->kind == N_PHASE ? body->a : body;
        for (const rb_node *s = steps; s; s = body->kind == N_PHASE ? s->next : NULL) {
            if (s->kind != N_STEP) continue;
            const char *id = s->str ? s->str : s->str2 ? check_step_slug(&f->mem, s->str2) : NULL;
            if (!id) continue;
            x.ids = arena_grow(&f->mem, x.ids, x.nids, &x.capids, sizeof *x.ids, 8);
            x.ids[x.nids++] = id;
        }
        x.uses = arena_alloc(&f->mem, (size_t)(ast_list_len(part_params(p)) + 1) * sizeof *x.uses);
        out = copy(&x, body);
        /* the arguments no parameter took are still checked, once (they are never evaluated) */
        int i = 0;
        for (const rb_node *a = include_args(inc); a; a = a->next, i++) {
            if (x.uses[i]) continue;
            x.in_arg++;
            rb_node *c = copy(&x, a);
            x.in_arg--;
            c->next = f->origins[x.origin].unused;
            f->origins[x.origin].unused = c;
        }
    }
    *errors += x.errors;
    return out;
}

/* Expand the uses of parts in a list (the top level, or a phase's items). */
static void expand_list(ast_file *f, module_set *ms, diag_list *d, rb_node **list, int in_phase, int *errors)
{
    for (rb_node **pp = list; *pp;) {
        rb_node *n = *pp;
        if (n->kind == N_PHASE && !in_phase) expand_list(f, ms, d, &n->a, 1, errors);
        if (n->kind != N_INCLUDE) {
            pp = &n->next;
            continue;
        }
        rb_node *e = expand_one(f, ms, d, n, in_phase, errors);
        if (e) {
            e->next = n->next;
            *pp = e;
            pp = &e->next;
        } else {
            *pp = n->next;    /* reported: the rest of the file is still checked */
        }
    }
}

int expand_parts(ast_file *f, module_set *ms, diag_list *d)
{
    if (!f || !f->root || f->expanded) return 0;
    f->expanded = 1;
    int errors = 0;
    expand_list(f, ms, d, &f->root->a, 0, &errors);
    return errors;
}
