/*
 * check_stmt.c — statements: prompts and timers, goto, loops, sh/http options, waits, and
 * the gates that lint's warnings look for.
 *
 * Part of the checker (design: check.c).  Never: evaluate anything.
 */
#include "check_int.h"

static void walk_stmt(checker *c, scope *sc, const rb_node *n);

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


static saved_ctx enter_timer(checker *c, const char *kind)
{
    saved_ctx s = {c->timer, c->fn, c->loops, c->step};
    c->timer = kind;
    c->fn = NULL;
    c->loops = 0;
    c->step = NULL;
    return s;
}

void leave(checker *c, saved_ctx s)
{
    c->timer = s.timer;
    c->fn = s.fn;
    c->loops = s.loops;
    c->step = s.step;
}

static void walk_escalation_here(checker *c, scope *sc, const rb_node *n)
{
    for (const rb_node *r = n->a; r; r = r->next) {
        if (r->kind == N_REPEAT) {
            expect_interval(c, r->a, "repeat every");
            walk_expr(c, sc, r->a);
            continue;
        }
        if (r->kind != N_RUNG) continue;
        expect_duration(c, rung_at(r), "at");
        walk_expr(c, sc, rung_at(r));
        saved_ctx s = enter_timer(c, "escalation");
        walk_expr(c, sc, rung_unless(r));
        walk_expr(c, sc, rung_when(r));
        walk_block(c, sc, rung_body(r));
        leave(c, s);
    }
}

/* walk_escalation, with diagnostics in the file the node was written in. */
void walk_escalation(checker *c, scope *sc, const rb_node *n)
{
    if (!n) return;
    ENTER(c, n);
    walk_escalation_here(c, sc, n);
    LEAVE(c);
}

static void walk_every_here(checker *c, scope *sc, const rb_node *n)
{
    expect_interval(c, every_interval(n), "every");
    walk_expr(c, sc, every_interval(n));
    expect_duration(c, every_for(n), "for");
    walk_expr(c, sc, every_for(n));
    saved_ctx s = enter_timer(c, "every timer");
    walk_expr(c, sc, every_until(n));
    walk_block(c, sc, every_body(n));
    leave(c, s);
}

/* walk_every, with diagnostics in the file the node was written in. */
void walk_every(checker *c, scope *sc, const rb_node *n)
{
    if (!n) return;
    ENTER(c, n);
    walk_every_here(c, sc, n);
    LEAVE(c);
}

/* The first step with this id (a duplicate comes later and is never found). */
const step_entry *find_step(const checker *c, const char *id)
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
    } else if (!find_step(c, n->str) && (c->mode & MODE_CHECK)) {
        rb_loc at = n->nloc;
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

static void walk_stmt_here(checker *c, scope *sc, const rb_node *n)
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
    case N_APPROVE:
        timer_prompt(c, n, "approve");
        walk_expr(c, sc, n->a);
        for (const rb_node *o = n->opts; o; o = o->next) {
            if (strcmp(o->str, "timeout") == 0) expect_duration(c, o->a, "timeout");
            if (o->a) walk_expr(c, sc, o->a);
        }
        c->gated = 1;
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

/* walk_stmt, with diagnostics in the file the node was written in. */
static void walk_stmt(checker *c, scope *sc, const rb_node *n)
{
    if (!n) return;
    ENTER(c, n);
    walk_stmt_here(c, sc, n);
    LEAVE(c);
}

void walk_stmts(checker *c, scope *sc, const rb_node *list)
{
    for (const rb_node *n = list; n; n = n->next) walk_stmt(c, sc, n);
}

void walk_block(checker *c, scope *sc, const rb_node *block)
{
    if (!block) return;
    scope inner;
    scope_init(&inner, sc, NULL);
    walk_stmts(c, &inner, block->kind == N_BLOCK ? block->a : block);
    scope_free(&inner);
}
