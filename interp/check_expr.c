/*
 * check_expr.c — names, literal checks and expressions: what each name refers to, calls of
 * builtins and fns, durations and counts where they belong.
 *
 * Part of the checker (design: check.c).  Never: evaluate anything.
 */
#include "check_int.h"

/* `what` takes a duration: a literal of any other type is an error. */
void expect_duration(checker *c, const rb_node *n, const char *what)
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
void expect_interval(checker *c, const rb_node *n, const char *what)
{
    expect_duration(c, n, what);
    if (n && n->kind == N_DUR && n->num <= 0)
        error_at(c, n->loc, "the interval after '%s' must be longer than 0s", what);
}

/* `retries` takes a whole number >= 0. */
void expect_count(checker *c, const rb_node *n, const char *what)
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
void undefined(checker *c, scope *sc, const rb_node *n, const char *what)
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
    if (!(c->mode & MODE_CHECK)) return NULL;
    rb_loc at = n->nloc;
    suggest sg = suggest_start(c, n->str);
    if (can_report(c)) {
        const module_index *mi = module_index_of(c, s->mod);
        for (int i = 0; i < mi->n && !suggest_done(&sg); i++) suggest_try(&sg, mi->members[i].name);
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

static void sh_place_error(void *ctx, rb_loc loc, const char *msg) { error_at(ctx, loc, "%s", msg); }

static void walk_sh(checker *c, scope *sc, const rb_node *n)
{
    shctx_lint(n->a, sh_place_error, c);   /* values are data: places that cannot take one */
    static const char *const known[] = {"timeout", "readonly", "idempotent", "env", "cwd", "on", "parallel", "tolerate", "failfast"};
    walk_expr(c, sc, n->a);
    for (const rb_node *o = n->opts; o; o = o->next) {
        int ok = 0;
        for (size_t i = 0; i < sizeof known / sizeof *known; i++) ok |= strcmp(o->str, known[i]) == 0;
        if (!ok) error_at(c, o->loc, "sh has no option '%s' (it takes timeout, readonly, idempotent, env, cwd, on, parallel, tolerate, failfast)", o->str);
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
    if (!ok && (c->mode & MODE_CHECK)) {
        rb_loc at = n->nloc;
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

static void walk_expr_here(checker *c, scope *sc, const rb_node *n)
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

/* walk_expr, with diagnostics in the file the node was written in. */
void walk_expr(checker *c, scope *sc, const rb_node *n)
{
    if (!n) return;
    ENTER(c, n);
    walk_expr_here(c, sc, n);
    LEAVE(c);
}
