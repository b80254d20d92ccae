/*
 * expect.c — the assertions of `runbook test`: expect(), expect_steps(), expect_step(),
 * expect_command(), expect_notified(), … over the result of run_runbook().  A failed one
 * adds to the test's failures what was expected, what happened instead, and the runbook
 * line that decided it (the answer, escalation rung or command in the trace of the run).
 *
 * Never: stop the test (every expectation is checked), or print (testcmd.c does).
 */
#include <fnmatch.h>
#include <limits.h>
#include "test.h"

/* r.FIELD as a list of strings joined for people ("a → b → c"), or "(none)". */
static void join_items(value *l, const char *sep, rb_buf *b)
{
    if (!l || l->t != V_LIST || l->u.l->n == 0) {
        buf_adds(b, "(none)");
        return;
    }
    for (int i = 0; i < l->u.l->n; i++) {
        if (i) buf_adds(b, sep);
        value_text(b, l->u.l->items[i]);
    }
}

static void join_list(value r, const char *field, const char *sep, rb_buf *b)
{
    join_items(r.t == V_MAP ? map_get(r, field) : NULL, sep, b);
}

static value list_of(value r, const char *field)
{
    value *l = r.t == V_MAP ? map_get(r, field) : NULL;
    return l && l->t == V_LIST ? *l : v_nil();
}

static const char *item(value l, int i) { return l.u.l->items[i].t == V_STR ? l.u.l->items[i].u.s->s : ""; }
static int len(value l) { return l.t == V_LIST ? l.u.l->n : 0; }

/* Trace position of the k-th step.start (k from 0), or nev when there is none. */
static int step_pos(rb_test *T, int k)
{
    for (int i = 0; i < T->nev; i++)
        if (strcmp(T->ev[i].kind, "step.start") == 0 && k-- == 0) return i;
    return T->nev;
}

/* The last answers given in [from, to), at most max of them, oldest first; how many. */
static int decisions(rb_test *T, int from, int to, int max, rb_buf *b)
{
    int n = 0, first = to;
    for (int i = to - 1; i >= from && n < max; i--)
        if (strcmp(T->ev[i].kind, "answer") == 0) {
            n++;
            first = i;
        }
    for (int i = first; i < to; i++) {
        tevent *e = &T->ev[i];
        if (strcmp(e->kind, "answer") != 0) continue;
        buf_printf(b, "\n    decided at %s:%d: \"%s\" → %s", e->file, e->line, ev_str(e->data, "question"),
                   ev_str(e->data, "answer"));
        json_t *arm = json_object_get(e->data, "arm_line");
        if (e->step) buf_printf(b, " (step %s", e->step);
        if (arm) buf_printf(b, "%s the arm at line %d", e->step ? ";" : " (", (int)json_integer_value(arm));
        if (e->step || arm) buf_addc(b, ')');
    }
    return n;
}

/* How the run ended: its status and the line of the error or abort, if any. */
static void ending(rb_test *T, value r, rb_buf *b)
{
    value *st = map_get(r, "status");
    buf_adds(b, "\n    the run ");
    if (st) value_text(b, *st);
    else buf_adds(b, "ended");
    for (int i = T->nev - 1; i >= 0; i--)
        if (strcmp(T->ev[i].kind, "error") == 0) {
            buf_printf(b, " at %s:%d: %s", T->ev[i].file, T->ev[i].line, T->ev[i].text);
            break;
        }
}

static void fail_at(interp *I, rb_test *T, const rb_node *call, const char *msg)
{
    char w[PATH_MAX + 32];
    snprintf(w, sizeof w, "%s:%d:%d", T->file, call->loc.line, call->loc.col);
    test_fail(T, w, "%s", msg);
    (void)I;
}

static int steps_index(value steps, const char *id, int from)
{
    for (int i = from; i < len(steps); i++)
        if (strcmp(item(steps, i), id) == 0) return i;
    return -1;
}

static void expect_steps(rb_test *T, value r, value want, int exact, rb_buf *m)
{
    value got = list_of(r, "steps");
    /* the k-th item of got is the k-th step.start (kinds other than steps: see expect_commands) */
    int k = 0, j = 0;
    if (exact) {
        while (k < len(want) && k < len(got) && strcmp(item(want, k), item(got, k)) == 0) k++;
        if (k == len(want) && k == len(got)) return;
        j = k;
    } else {
        for (k = 0; k < len(want); k++) {
            int at = steps_index(got, item(want, k), j);
            if (at < 0) break;
            j = at + 1;
        }
        if (k == len(want)) return;
    }
    buf_adds(m, "expected the steps ");
    join_items(&want, " → ", m);
    buf_adds(m, exact ? "\n    but the run went " : " in this order\n    but the run went ");
    join_list(r, "steps", " → ", m);
    if (exact && k < len(got) && k < len(want))
        buf_printf(m, "\n    first difference: step %d is %s, expected %s", k + 1, item(got, k), item(want, k));
    else if (exact && k < len(want))
        buf_printf(m, "\n    the run ended after %d steps; expected %s next", len(got), item(want, k));
    else if (exact)
        buf_printf(m, "\n    the run went on to %s", item(got, k));
    else
        buf_printf(m, "\n    %s is missing (after the earlier ones)", item(want, k));
    int from = step_pos(T, j > 0 ? j - 1 : 0), to = step_pos(T, j);
    if (!exact) from = 0, to = T->nev;
    if (!decisions(T, from, to, 3, m) && to < T->nev)
        buf_printf(m, "\n    decided at %s:%d (the statement before step %s began)", T->ev[to].file, T->ev[to].line,
                   item(got, j));
    ending(T, r, m);
}

/* Does pattern match the command, or the command without the quotes interpolation adds? */
static int command_matches(const char *pattern, const char *cmd)
{
    if (fnmatch(pattern, cmd, 0) == 0) return 1;
    rb_buf b;
    buf_init(&b);
    for (const char *p = cmd; *p; p++)
        if (*p != '\'') buf_addc(&b, *p);
    int m = fnmatch(pattern, buf_cstr(&b), 0) == 0;
    buf_free(&b);
    return m;
}

/* The commands exactly, in order: the first that differs, with its line and the decisions before it. */
static void expect_commands(rb_test *T, value r, value want, rb_buf *m)
{
    value got = list_of(r, "commands");
    int k = 0;
    while (k < len(want) && k < len(got) && strcmp(item(want, k), item(got, k)) == 0) k++;
    if (k == len(want) && k == len(got)) return;
    int pos = T->nev, n = 0;
    for (int i = 0; i < T->nev; i++)
        if (strcmp(T->ev[i].kind, "sh.start") == 0 && n++ == k) pos = i;
    if (k < len(want) && k < len(got))
        buf_printf(m, "expected command %d to be\n      %s\n    but %s:%d ran\n      %s", k + 1, item(want, k),
                   T->ev[pos].file, T->ev[pos].line, item(got, k));
    else if (k < len(want))
        buf_printf(m, "expected command %d to be\n      %s\n    but the run ran no more commands", k + 1, item(want, k));
    else
        buf_printf(m, "expected %d commands\n    but %s:%d ran one more:\n      %s", len(want), T->ev[pos].file,
                   T->ev[pos].line, item(got, k));
    int from = pos < T->nev ? pos : T->nev;
    while (from > 0 && strcmp(T->ev[from - 1].kind, "sh.start") != 0) from--;
    decisions(T, from > 0 ? from : 0, pos, 3, m);
    ending(T, r, m);
}

static const tevent *command_event(rb_test *T, const char *pattern, int *pos)
{
    for (int i = 0; i < T->nev; i++)
        if (strcmp(T->ev[i].kind, "sh.start") == 0 && command_matches(pattern, ev_str(T->ev[i].data, "command"))) {
            *pos = i;
            return &T->ev[i];
        }
    return NULL;
}

static void notified(rb_test *T, value r, const char *who, argv_ *A, int want, rb_buf *m)
{
    value *at = named(A, "at"), *kind = named(A, "kind");
    int minute = at && (at->t == V_DUR || at->t == V_NUM) ? (int)(at->u.n / 60) : -1;
    const char *k = kind && kind->t == V_STR ? kind->u.s->s : NULL;
    value ns = list_of(r, "notifications");
    rb_buf seen;
    buf_init(&seen);
    int match = 0;
    for (int i = 0; i < len(ns); i++) {
        value n = ns.u.l->items[i];
        value *to = map_get(n, "to"), *nk = map_get(n, "kind"), *mi = map_get(n, "minute"), *ln = map_get(n, "line");
        value *fl = map_get(n, "file"), *st = map_get(n, "step");
        if (!to || to->t != V_STR || fnmatch(who, to->u.s->s, 0) != 0) continue;
        if (k && (!nk || nk->t != V_STR || strcmp(nk->u.s->s, k) != 0)) continue;
        buf_printf(&seen, "\n      %s to %s at minute %d (%s:%d%s%s)", nk ? nk->u.s->s : "?", to->u.s->s,
                   mi ? (int)mi->u.n : -1, fl && fl->t == V_STR ? fl->u.s->s : "?", ln ? (int)ln->u.n : 0,
                   st && st->t == V_STR ? ", step " : "", st && st->t == V_STR ? st->u.s->s : "");
        if (minute < 0 || (mi && (int)mi->u.n == minute)) match++;
    }
    if (want && !match) {
        buf_printf(m, "expected a %s to %s%s", k ? k : "notification", who, "");
        if (minute >= 0) buf_printf(m, " at minute %d", minute);
        buf_printf(m, "\n    but %s", seen.len ? "it went:" : "nobody by that name was notified");
        buf_adds(m, buf_cstr(&seen));
        int rungs = 0;
        for (int i = 0; i < T->nev; i++) {
            tevent *e = &T->ev[i];
            if (strncmp(e->kind, "escalation", 10) != 0) continue;
            if (!rungs++) buf_adds(m, "\n    the escalation rungs:");
            buf_printf(m, "\n      %s:%d: %s at minute %d", e->file, e->line, e->text, (int)((e->t - T->ev[0].t) / 60));
        }
    } else if (!want && match) {
        buf_printf(m, "expected no %s to %s\n    but:%s", k ? k : "notification", who, buf_cstr(&seen));
    }
    buf_free(&seen);
}

static int same(value a, value b)
{
    if (value_equal(a, b)) return 1;
    rb_buf x, y;
    buf_init(&x);
    buf_init(&y);
    value_text(&x, a);
    value_text(&y, b);
    int eq = strcmp(buf_cstr(&x), buf_cstr(&y)) == 0;
    buf_free(&x);
    buf_free(&y);
    return eq;
}

static void compare(rb_test *T, value r, const char *field, value got, value want, rb_buf *m)
{
    if (same(got, want)) return;
    buf_printf(m, "expected %s ", field);
    value_show(m, want);
    buf_adds(m, "\n    but it is ");
    value_show(m, got);
    decisions(T, 0, T->nev, 2, m);
    ending(T, r, m);
}

int expect_call(interp *I, rb_test *T, const char *name, const rb_node *call, argv_ *A, ctl *c)
{
    *c = CTL_OK;
    rb_buf m;
    buf_init(&m);
    if (strcmp(name, "expect") == 0) {
        if (A->npos < 1) *c = rt_error(I, call, "expect(condition, message)");
        else if (!value_truthy(A->pos[0])) {
            buf_adds(&m, "expectation failed: ");
            if (A->npos > 1) value_text(&m, A->pos[1]);
            else ast_expr_str(&m, call->b);
        }
    } else if (A->npos < 2 || A->pos[0].t != V_MAP) {
        *c = rt_error(I, call, "%s() takes the result of run_runbook() first", name);
    } else {
        value r = A->pos[0], x = A->pos[1];
        const char *xs = x.t == V_STR ? x.u.s->s : "";
        int pos = 0;
        const tevent *e;
        if (strcmp(name, "expect_steps") == 0 || strcmp(name, "expect_order") == 0) {
            if (x.t != V_LIST) *c = rt_error(I, call, "%s(r, [step ids])", name);
            else expect_steps(T, r, x, name[7] == 's', &m);
        } else if (strcmp(name, "expect_commands") == 0) {
            if (x.t != V_LIST) *c = rt_error(I, call, "expect_commands(r, [commands])");
            else expect_commands(T, r, x, &m);
        } else if (strcmp(name, "expect_step") == 0 || strcmp(name, "expect_no_step") == 0) {
            int at = steps_index(list_of(r, "steps"), xs, 0), want = name[7] == 's';
            if (want && at < 0) {
                buf_printf(&m, "expected step %s to run\n    but the run went ", xs);
                join_list(r, "steps", " → ", &m);
                decisions(T, 0, T->nev, 3, &m);
                ending(T, r, &m);
            } else if (!want && at >= 0) {
                int p = step_pos(T, at);
                buf_printf(&m, "expected step %s never to run\n    but the run went ", xs);
                join_list(r, "steps", " → ", &m);
                if (!decisions(T, at > 0 ? step_pos(T, at - 1) : 0, p, 2, &m) && p < T->nev)
                    buf_printf(&m, "\n    decided at %s:%d (the statement before step %s began)", T->ev[p].file,
                               T->ev[p].line, xs);
            }
        } else if (strcmp(name, "expect_command") == 0) {
            if (!command_event(T, xs, &pos)) {
                buf_printf(&m, "expected a command matching %s\n    but the commands were:\n      ", xs);
                join_list(r, "commands", "\n      ", &m);
                decisions(T, 0, T->nev, 3, &m);
                ending(T, r, &m);
            }
        } else if (strcmp(name, "expect_no_command") == 0) {
            if ((e = command_event(T, xs, &pos))) {
                buf_printf(&m, "expected no command matching %s\n    but %s:%d ran it%s%s: %s", xs, e->file, e->line,
                           e->step ? " in step " : "", e->step ? e->step : "", ev_str(e->data, "command"));
                int from = pos;
                while (from > 0 && strcmp(T->ev[from].kind, "step.start") != 0) from--;
                if (!decisions(T, from, pos, 2, &m)) buf_adds(&m, "\n    with no prompt before it in its step");
            }
        } else if (strcmp(name, "expect_request") == 0) {
            const char *pat = A->npos > 2 && A->pos[2].t == V_STR ? A->pos[2].u.s->s : "*";
            int found = 0;
            for (int i = 0; i < T->nev && !found; i++)
                if (strcmp(T->ev[i].kind, "http.request") == 0 && strcasecmp(ev_str(T->ev[i].data, "method"), xs) == 0 &&
                    fnmatch(pat, ev_str(T->ev[i].data, "url"), 0) == 0)
                    found = 1;
            if (!found) {
                buf_printf(&m, "expected a request %s %s\n    but the requests were:\n      ", xs, pat);
                join_list(r, "requests", "\n      ", &m);
            }
        } else if (strcmp(name, "expect_notified") == 0 || strcmp(name, "expect_not_notified") == 0) {
            notified(T, r, xs, A, name[10] != '_', &m);
        } else if (strcmp(name, "expect_status") == 0) {
            value *s = map_get(r, "status");
            compare(T, r, "the run's status", s ? *s : v_nil(), x, &m);
        } else if (strcmp(name, "expect_exit") == 0) {
            value *s = map_get(r, "exit");
            compare(T, r, "the exit status", s ? *s : v_nil(), x, &m);
        } else if (strcmp(name, "expect_incident") == 0) {
            value *inc = map_get(r, "incident"), *v = inc && inc->t == V_MAP ? map_get(*inc, xs) : NULL;
            rb_buf f;
            buf_init(&f);
            buf_printf(&f, "incident.%s", xs);
            compare(T, r, buf_cstr(&f), v ? *v : v_nil(), A->npos > 2 ? A->pos[2] : v_nil(), &m);
            buf_free(&f);
        } else {
            buf_free(&m);
            return 0;
        }
    }
    if (m.len) fail_at(I, T, call, buf_cstr(&m));
    buf_free(&m);
    return 1;
}
