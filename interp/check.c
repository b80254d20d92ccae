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
 * Parts: check_file first has expand.c copy the parts a runbook uses into its tree; the
 * walk then checks the copies like the rest, and c->origin (set from each node as the walk
 * enters it) sends a diagnostic inside a copy to the module's line, naming the use.
 *
 * Never: evaluate anything, touch the network or the shell, or modify the tree beyond that
 * expansion (the only other allocations in the file's arena are derived names: step slugs,
 * `use` aliases, places of steps).
 *
 * The checker's files: check.c (declarations, the entry points, lint's RB100–RB106),
 * check_env.c, check_expr.c and check_stmt.c, sharing check_int.h.
 */
#include "check_int.h"

static void check_tree(checker *c);

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

/* A test's body (a *.test.rb file, docs/testing.md) is checked like a fn's. */
static void walk_test(checker *c, const rb_node *n)
{
    saved_ctx s = {c->timer, c->fn, c->loops, c->step};
    c->fn = n;
    c->timer = NULL;
    c->loops = 0;
    c->step = NULL;
    walk_block(c, &c->globals, n->a);
    leave(c, s);
}

static void walk_step_here(checker *c, const rb_node *n)
{
    scope *sc = &c->stepvars;
    for (const rb_node *o = n->opts; o; o = o->next) {
        if (strcmp(o->str, "retries") == 0) expect_count(c, o->a, "retries");
        else expect_duration(c, o->a, o->str);
        walk_expr(c, sc, o->a);
    }
    walk_expr(c, sc, step_title_node(n));
    c->step = n;
    c->gated = 0;
    if (step_body(n)) walk_stmts(c, sc, step_body(n)->a);
    c->step = NULL;
    walk_block(c, sc, step_rollback(n));
    walk_block(c, sc, step_on_failure(n));
}

/* walk_step, with diagnostics in the file the node was written in. */
static void walk_step(checker *c, const rb_node *n)
{
    if (!n) return;
    ENTER(c, n);
    walk_step_here(c, n);
    LEAVE(c);
}

static void walk_phase_here(checker *c, const rb_node *n)
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

/* walk_phase, with diagnostics in the file the node was written in. */
static void walk_phase(checker *c, const rb_node *n)
{
    if (!n) return;
    ENTER(c, n);
    walk_phase_here(c, n);
    LEAVE(c);
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
        error_at(c, decl->kind == N_USE ? decl->loc : name_loc(decl),
                 "'%s' is already declared (as a %s at line %d)", name, sym_kind_name[old->kind], old->decl->loc.line);
        return NULL;
    }
    return scope_add(&c->globals, name, kind, decl);
}

/* The header's fields: known names, the right kind of value, each name once (a field given
 * again is reported once, against the first of its name). */
static void check_header_fields(checker *c, const rb_node *h)
{
    static const char *const known[] = {"id", "severity", "owner", "summary", "tags", "respond", "resolve",
                                         "unattended"};
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
                                         "respond within, resolve within, unattended)", name);
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
        } else if (strcmp(name, "unattended") == 0) {
            if (lit && v->kind != N_BOOL) error_at(c, v->loc, "'unattended' takes true or false, not %s", lit);
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
    if (m->checked || !(c->mode & MODE_CHECK)) return;
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
        } else if (n->kind == N_PART && !c->module_ctx && !c->f->is_module) {
            error_at(c, n->loc, "a part (fn %s(…) %s …) belongs in a module: runbooks use it as %s alias.%s(…)",
                     n->str, ast_kind_name(part_body(n)->kind), ast_kind_name(part_body(n)->kind), n->str);
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

/* "line 12", or "common.rb:12" for a step copied from a module's part. */
static const char *step_place(checker *c, const rb_node *step)
{
    rb_buf b;
    buf_init(&b);
    if (step->origin && step->origin < c->f->norigins)
        buf_printf(&b, "%s:%d", c->f->origins[step->origin].file->src.name, step->loc.line);
    else
        buf_printf(&b, "line %d", step->loc.line);
    const char *s = arena_strndup(&c->f->mem, buf_cstr(&b), b.len);
    buf_free(&b);
    return s;
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
    if (old && n->origin && n->origin < c->f->norigins) {
        /* a step of a module's part: the use is where it can be fixed */
        error_at(c, c->f->origins[n->origin].used_at, "duplicate step id '%s' from %s (the first is at %s); "
                 "use the part with as PREFIX to make its step ids PREFIX_…", id, c->f->origins[n->origin].what,
                 step_place(c, old->step));
    } else if (old) {
        error_at(c, name_loc(n), "duplicate step id '%s' (the first is at %s)%s", id, step_place(c, old->step),
                 n->str ? "" : "; give one of them an id");
    }
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
        case N_TEST: walk_test(c, n); break;
        default: break;
        }
    }
    for (int i = 1; i < c->f->norigins; i++)   /* arguments of parts that no parameter took */
        for (const rb_node *a = c->f->origins[i].unused; a; a = a->next) walk_expr(c, &c->stepvars, a);
}

/* ------------------------------------------------------------------ public */

int check_file(ast_file *f, module_set *ms, diag_list *d)
{
    if (!f || !f->root) return 0;
    int expanded = expand_parts(f, ms, d);
    char *key = module_path_key(f->src.name);
    chain self = {key, NULL};
    checker c;
    checker_init(&c, f, ms, d, MODE_CHECK, &self);
    check_tree(&c);
    int n = c.count + expanded;
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
            warn_at(c, name_loc(s->decl), "RB103", "%s '%s' is never used", s->kind == S_PARAM ? "param" : "let",
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
        warn_at(c, name_loc(step), "RB106",
                "step '%s' can never run: the step before it always ends with %s (line %d) and no goto leads here",
                c->steps[i].id, last->kind == N_GOTO ? "goto" : "abort", last->loc.line);
    }
}

/* The warnings that follow the walk (they need all of it). */
static void warn_after_walk(checker *c)
{
    warn_unused(c);
    warn_no_escalation(c, c->f->root->a);
    warn_unreachable(c);
}

int check_warnings(ast_file *f, module_set *ms, diag_list *d)
{
    if (!f || !f->root) return 0;
    checker c;
    checker_init(&c, f, ms, d, MODE_WARN, NULL);
    check_tree(&c);
    warn_after_walk(&c);
    int n = c.count;
    checker_free(&c);
    return n;
}

/* Move d's items [from, n) into the order two walks give: the errors (the check walk's,
 * modules' included), then the warnings; arrival numbers follow the new order. */
static void errors_first(diag_list *d, int from)
{
    int n = d->n - from;
    if (n <= 0) return;
    diag *tmp = rb_xmalloc((size_t)n * sizeof *tmp);
    int k = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int i = from; i < d->n; i++)
            if ((d->items[i].level == DIAG_ERROR) == (pass == 0)) tmp[k++] = d->items[i];
    for (int i = 0; i < n; i++) {
        d->items[from + i] = tmp[i];
        d->items[from + i].seq = from + i + 1;
    }
    rb_free(tmp);
}

int check_lint(ast_file *f, module_set *ms, diag_list *d)
{
    if (!f || !f->root) return 0;
    int expanded = expand_parts(f, ms, d);
    int from = d->n;
    char *key = module_path_key(f->src.name);
    chain self = {key, NULL};
    checker c;
    checker_init(&c, f, ms, d, MODE_BOTH, &self);
    check_tree(&c);
    errors_first(d, from);
    warn_after_walk(&c);
    int n = c.count + expanded;
    checker_free(&c);
    rb_free(key);
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
