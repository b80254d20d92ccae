/*
 * eval_stmt.c — statements: assignment, note/warn, choose, loops, waits, and the statement
 * dispatcher exec_stmt().
 *
 * Never: unwind with longjmp: every statement returns a ctl code.
 */
#include "interp.h"

static ctl assign(interp *I, scope *sc, const rb_node *target, value v)
{
    if (target->kind == N_IDENT) {
        value *slot = scope_find(sc, target->str);
        if (!slot) return rt_error(I, target, "'%s' is not declared (use let)", target->str);
        *slot = v;
        return CTL_OK;
    }
    value obj;
    ctl c = eval(I, sc, target->a, &obj);
    if (c != CTL_OK) return c;
    if (target->kind == N_MEMBER) {
        if (obj.t == V_INCIDENT) return incident_set(I, target->str, v, target);
        if (obj.t == V_MAP) {
            if (target->a->kind == N_MEMBER && strcmp(target->a->str, "roles") == 0 && target->a->a->kind == N_IDENT &&
                strcmp(target->a->a->str, "incident") == 0) {
                value *old = map_get(obj, target->str);
                map_set(&I->mem, obj, target->str, v);
                rb_buf f;
                buf_init(&f);
                buf_printf(&f, "roles.%s", target->str);
                c = state_change(I, arena_strdup(&I->mem, buf_cstr(&f)), old ? *old : v_nil(), v);
                buf_free(&f);
                return c;
            }
            map_set(&I->mem, obj, target->str, v);
            return CTL_OK;
        }
        return rt_error(I, target, "cannot set a field on a %s", vtype_name(obj.t));
    }
    if (target->kind == N_INDEX) {
        value k;
        if ((c = eval(I, sc, target->b, &k)) != CTL_OK) return c;
        if (obj.t == V_MAP && k.t == V_STR) {
            map_set(&I->mem, obj, k.u.s->s, v);
            return CTL_OK;
        }
        if (obj.t == V_LIST && k.t == V_NUM) {
            long i = (long)k.u.n;
            if (i < 0) i += obj.u.l->n;
            if (i < 0 || i >= obj.u.l->n) return rt_error(I, target, "list index %ld out of range", (long)k.u.n);
            obj.u.l->items[i] = v;
            return CTL_OK;
        }
        return rt_error(I, target, "cannot index-assign a %s", vtype_name(obj.t));
    }
    return rt_error(I, target, "cannot assign to this");
}

static ctl say_value(interp *I, scope *sc, const rb_node *n, const char *kind, const char *prefix)
{
    value v;
    ctl c = eval(I, sc, n->a, &v);
    if (c != CTL_OK) return c;
    const char *t = shown(I, v);
    rb_buf ind;
    buf_init(&ind);
    for (const char *p = t; *p; p++) {   /* every line of a multi-line note is indented */
        buf_addc(&ind, *p);
        if (*p == '\n' && p[1]) buf_adds(&ind, strcmp(kind, "warn") == 0 ? "    " : "  ");
    }
    if (strcmp(kind, "warn") == 0) say(I, "  %s⚠ warning: %s%s", hue(I, HUE_WARN), buf_cstr(&ind), hue(I, HUE_OFF));
    else say(I, "  %s%s", prefix, buf_cstr(&ind));
    buf_free(&ind);
    return emit(I, kind, t, json_pack("{s:s}", "text", t));
}

static ctl exec_choose(interp *I, scope *sc, const rb_node *n)
{
    value q;
    ctl c = eval(I, sc, n->a, &q);
    if (c != CTL_OK) return c;
    int nopts = ast_list_len(n->b);
    const char **opts = arena_alloc(&I->mem, (size_t)(nopts ? nopts : 1) * sizeof *opts);
    const rb_node **arms = arena_alloc(&I->mem, (size_t)(nopts ? nopts : 1) * sizeof *arms);
    int i = 0;
    for (const rb_node *arm = n->b; arm; arm = arm->next, i++) {
        value label;
        if ((c = eval(I, sc, arm->a, &label)) != CTL_OK) return c;
        opts[i] = shown(I, label);
        arms[i] = arm;
    }
    if (nopts == 0) return CTL_OK;
    const char *pick;
    if ((c = prompt_choose(I, n, shown(I, q), n->str, NULL, opts, nopts, &pick)) != CTL_OK) return c;
    for (i = 0; i < nopts; i++)
        if (strcmp(opts[i], pick) == 0) return exec_block(I, sc, arms[i]->b);
    return CTL_OK;
}

static ctl exec_for(interp *I, scope *sc, const rb_node *n)
{
    value it;
    ctl c = eval(I, sc, n->a, &it);
    if (c != CTL_OK) return c;
    int count = it.t == V_LIST ? it.u.l->n : it.t == V_MAP ? it.u.m->n : -1;
    if (count < 0) return rt_error(I, n->a, "for … in needs a list or a map, not %s", vtype_name(it.t));
    for (int i = 0; i < count; i++) {
        scope *s = scope_new(I, sc);
        if (it.t == V_LIST) {
            if (n->str2) {
                scope_define(I, s, n->str, v_num(i));
                scope_define(I, s, n->str2, it.u.l->items[i]);
            } else {
                scope_define(I, s, n->str, it.u.l->items[i]);
            }
        } else {
            value k = v_cstr(&I->mem, it.u.m->items[i].key->s);
            scope_define(I, s, n->str, k);
            if (n->str2) scope_define(I, s, n->str2, it.u.m->items[i].v);
        }
        c = exec_block(I, s, n->b);
        if (c == CTL_BREAK) break;
        if (c == CTL_CONTINUE) continue;
        if (c != CTL_OK) return c;
    }
    return CTL_OK;
}

static ctl exec_wait(interp *I, scope *sc, const rb_node *n)
{
    value d, why = v_nil();
    ctl c = eval(I, sc, n->a, &d);
    if (c == CTL_OK && n->b) c = eval(I, sc, n->b, &why);
    if (c != CTL_OK) return c;
    if (d.t != V_DUR && d.t != V_NUM) return rt_error(I, n->a, "wait takes a duration");
    rb_buf t;
    buf_init(&t);
    dur_show(&t, d.u.n);
    if (why.t != V_NIL) buf_printf(&t, ": %s", shown(I, why));
    say(I, "  … waiting %s", buf_cstr(&t));
    c = emit(I, "wait", buf_cstr(&t), json_pack("{s:f, s:s?}", "duration_s", d.u.n, "why",
                                                 why.t == V_NIL ? NULL : shown(I, why)));
    buf_free(&t);
    if (c != CTL_OK) return c;
    double start = clock_now();
    int cut = 0;
    if ((c = pass_time(I, start + d.u.n, 1, &cut)) != CTL_OK) return c;
    double waited = clock_now() - start;
    if (cut) say(I, "  … wait cut short by the responder after %.0fs", waited);
    return emit(I, "wait.end", cut ? "cut short by the responder" : "waited",
                json_pack("{s:b, s:f}", "cut_short", cut, "waited_s", waited));
}

/* A terminal shows one `wait until` line, redrawn after each attempt (elsewhere: nothing
 * until the end, a line per attempt would flood a log). */
static void poll_status(interp *I, const char *cond, int polls, int met)
{
    if (I->o->verify_quiet || !isatty(1) || met) return;
    printf("\r\033[K  … waiting until %s — attempt %d%s%.80s", cond, polls, I->poll_last.len ? ", last: " : "",
           buf_cstr(&I->poll_last));
    fflush(stdout);
    I->status_shown = 1;
}

static ctl exec_wait_until(interp *I, scope *sc, const rb_node *n)
{
    double every = 5, timeout = -1;
    for (const rb_node *o = n->opts; o; o = o->next) {
        value v;
        ctl c = eval(I, sc, o->a, &v);
        if (c != CTL_OK) return c;
        if (v.t != V_DUR && v.t != V_NUM) return rt_error(I, o, "%s takes a duration", o->str);
        if (strcmp(o->str, "every") == 0) every = v.u.n > 0 ? v.u.n : 1;
        else timeout = v.u.n;
    }
    rb_buf cond;
    buf_init(&cond);
    ast_expr_str(&cond, n->a);
    if (!isatty(1) || I->o->verify_quiet) say(I, "  … waiting until %s", buf_cstr(&cond));   /* a terminal: the status line */
    ctl c = emit(I, "wait", buf_cstr(&cond), json_pack("{s:s, s:f, s:f}", "until", buf_cstr(&cond), "every_s", every,
                                                         "timeout_s", timeout));
    double start = clock_now();
    int polls = 0, met = 0;
    while (c == CTL_OK) {
        value v;
        /* each attempt is recorded; on the screen one status line shows the count and the last result */
        I->polling++;
        buf_reset(&I->poll_last);
        c = eval(I, sc, n->a, &v);
        I->polling--;
        if (c != CTL_OK) break;
        polls++;
        poll_status(I, buf_cstr(&cond), polls, value_truthy(v));
        if (value_truthy(v)) {
            met = 1;
            c = emit(I, "wait.end", "condition met",
                     json_pack("{s:b, s:f, s:i}", "met", 1, "waited_s", clock_now() - start, "polls", polls));
            break;
        }
        double next = clock_now() + every;
        if (timeout >= 0 && next > start + timeout + 1e-9) {
            if ((c = pass_time(I, start + timeout, 0, NULL)) != CTL_OK) break;
            emit(I, "wait.end", "timed out",
                 json_pack("{s:b, s:f, s:i}", "met", 0, "waited_s", clock_now() - start, "polls", polls));
            c = rt_error(I, n, "gave up waiting until %s after %.0fs", buf_cstr(&cond), timeout);
            break;
        }
        c = pass_time(I, next, 0, NULL);
    }
    if (I->status_shown) {
        fputs("\r\033[K", stdout);
        I->status_shown = 0;
    }
    if (polls) say(I, "  … %s after %d attempt%s%s%s", met ? "condition met" : "not met", polls, polls == 1 ? "" : "s",
                   I->poll_last.len ? "; last: " : "", buf_cstr(&I->poll_last));
    buf_free(&cond);
    return c;
}

ctl exec_stmt(interp *I, scope *sc, const rb_node *n)
{
    if (!I->in_timer) I->cur_node = n;
    if (eval_interrupted) {
        I->exit_code = 130;
        return CTL_STOP;
    }
    if (I->step_deadline > 0 && clock_now() > I->step_deadline) return rt_error(I, n, "the step's timeout passed");
    value v;
    ctl c;
    switch (n->kind) {
    case N_LET:
        if ((c = eval(I, sc, n->a, &v)) != CTL_OK) return c;
        scope_define(I, sc, n->str, v);
        return CTL_OK;
    case N_ASSIGN:
        if ((c = eval(I, sc, n->b, &v)) != CTL_OK) return c;
        return assign(I, sc, n->a, v);
    case N_EXPRSTMT: {
        const rb_node *e = n->a;
        if (e->kind == N_SH) return run_sh(I, sc, e, 1, &v);
        if (e->kind == N_HTTP) return run_http(I, sc, e, 1, &v);
        if (e->kind == N_CALL && e->a->kind == N_IDENT && strcmp(e->a->str, "confirm") == 0 &&
            !scope_find(sc, "confirm")) {
            if ((c = eval(I, sc, e, &v)) != CTL_OK) return c;
            return value_truthy(v) ? CTL_OK : CTL_SKIP;
        }
        return eval(I, sc, e, &v);
    }
    case N_IF:
        for (const rb_node *b = n; b;) {
            if (b->kind != N_IF) return exec_block(I, sc, b);
            if ((c = eval(I, sc, b->a, &v)) != CTL_OK) return c;
            if (value_truthy(v)) return exec_block(I, sc, b->b);
            b = b->c;
        }
        if (I->o->test) test_block(I, n, 1);   /* runbook test: no branch taken */
        return CTL_OK;
    case N_WHILE:
        for (;;) {
            if ((c = eval(I, sc, n->a, &v)) != CTL_OK) return c;
            if (!value_truthy(v)) return CTL_OK;
            c = exec_block(I, sc, n->b);
            if (c == CTL_BREAK) return CTL_OK;
            if (c != CTL_OK && c != CTL_CONTINUE) return c;
        }
    case N_FOR: return exec_for(I, sc, n);
    case N_BREAK: return CTL_BREAK;
    case N_CONTINUE: return CTL_CONTINUE;
    case N_RETURN:
        I->ret = v_nil();
        if (n->a && (c = eval(I, sc, n->a, &I->ret)) != CTL_OK) return c;
        return CTL_RETURN;
    case N_GOTO:
        I->goto_target = n->str;
        I->goto_node = n;
        return CTL_GOTO;
    case N_NOTE: return say_value(I, sc, n, "note", "");
    case N_WARN: return say_value(I, sc, n, "warn", "");
    case N_CONFIRM: {
        if ((c = eval(I, sc, n->a, &v)) != CTL_OK) return c;
        int yes;
        if ((c = prompt_confirm(I, n, shown(I, v), n->str, NULL, &yes)) != CTL_OK) return c;
        return yes ? CTL_OK : CTL_SKIP;
    }
    case N_CHOOSE: return exec_choose(I, sc, n);
    case N_APPROVE: return exec_approve(I, sc, n);
    case N_CHECKLIST: {
        value title, items = v_list(&I->mem, ast_list_len(n->b));
        if ((c = eval(I, sc, n->a, &title)) != CTL_OK) return c;
        for (const rb_node *it = n->b; it; it = it->next) {
            if ((c = eval(I, sc, it, &v)) != CTL_OK) return c;
            list_push(&I->mem, items, v);
        }
        return run_checklist(I, n, shown(I, title), n->str, items, NULL);
    }
    case N_WAIT: return exec_wait(I, sc, n);
    case N_WAITUNTIL: return exec_wait_until(I, sc, n);
    case N_ABORT: case N_FAIL: {
        const char *why = n->kind == N_ABORT ? "aborted" : "failed";
        if (n->a) {
            if ((c = eval(I, sc, n->a, &v)) != CTL_OK) return c;
            why = shown(I, v);
        }
        rt_error(I, n, "%s", why);
        return n->kind == N_ABORT ? CTL_ABORT : CTL_FAIL;
    }
    case N_RUN: return exec_run(I, sc, n);
    case N_ESCALATION:
        /* inside a step: relative to the step's start, cancelled when it ends */
        return start_escalation(I, n, sc, I->step_started, I->step_owner);
    case N_EVERY:
        return start_every(I, n, sc, clock_now(), I->step_owner);
    default:
        return rt_error(I, n, "cannot run a %s here", ast_kind_name(n->kind));
    }
}

/* Run a block's statements in scope sc itself (their lets land in sc). */
ctl exec_in(interp *I, scope *sc, const rb_node *block)
{
    if (I->o->test) test_block(I, block, 0);   /* runbook test: coverage */
    for (const rb_node *n = block ? block->a : NULL; n; n = n->next) {
        ctl c = exec_stmt(I, sc, n);
        if (c == CTL_OK) c = fire_due(I);   /* timers run to completion between statements */
        if (c != CTL_OK) return c;
    }
    return CTL_OK;
}

/* Run a block in a scope of its own (its lets end with it). */
ctl exec_block(interp *I, scope *sc, const rb_node *block)
{
    return block ? exec_in(I, scope_new(I, sc), block) : CTL_OK;
}
