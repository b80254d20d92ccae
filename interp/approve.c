/*
 * approve.c — `approve "QUESTION" [by role "ROLE"] [timeout D] [allow_self]`: a second
 * person's approval before the run goes on.
 *
 * The run records an approval.request (the request's number in the run, the question, the
 * role asked for, who asks) and waits, timers firing, until a decision arrives:
 *   - replaying (resume, verify): the decision recorded then;
 *   - an answers file entry for the request's key or question (drills and tests):
 *     "approve" | "reject" | {"answer": …, "by": NAME, "reason": …, "after": "5m"}, or a
 *     list of those, one per time the request is made (`runbook test`'s answer() writes
 *     such lists, its delays in seconds);
 *   - else `runbook approve RUN [--as NAME]` or `runbook reject RUN --reason …` from
 *     another terminal, which writes the decision to the same database (record.h's
 *     approvals), where the waiting run finds it.
 * The run then records the decision as its own `approval` event, so the record alone
 * replays it.  An approval lets the step go on; a rejection fails the step.  When the
 * timeout passes first, the next rung of every running escalation ladder fires at once
 * (approval.timeout, then the escalations) and the step fails.  Nobody approves their own
 * request unless the statement says allow_self (checked where the decision is made).
 *
 * Never: read the terminal (the runner is not the approver) or write the decision table.
 */
#include "interp.h"

#define APPROVAL_POLL 0.25   /* seconds between looks at the database */

typedef struct approval {
    int request;
    const char *question, *role, *key, *asker;
    int allow_self;
    double timeout;           /* seconds; <= 0: none */
    /* the decision */
    const char *decision;     /* "approved" | "rejected" */
    const char *by, *reason, *source;
} approval;

static const char *jstr(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* The answers file's entry for this request (by key, else by question), or NULL; from a
 * list, the next one not used yet by this run. */
static json_t *scripted(interp *I, const approval *a)
{
    json_t *ans = I->o->answers;
    if (!json_is_object(ans)) return NULL;
    const char *k = a->key && json_object_get(ans, a->key) ? a->key : a->question;
    json_t *e = json_object_get(ans, k);
    if (!json_is_array(e)) return e;
    if (!I->approvals_used) I->approvals_used = json_object();
    json_int_t used = json_integer_value(json_object_get(I->approvals_used, k));
    json_object_set_new(I->approvals_used, k, json_integer(used + 1));
    return json_array_get(e, (size_t)used);   /* NULL once the list is used up */
}

static ctl take_scripted(interp *I, const rb_node *n, approval *a, json_t *e)
{
    const char *what = json_is_string(e) ? json_string_value(e) : jstr(e, "answer");
    json_t *after_v = json_is_object(e) ? json_object_get(e, "after") : NULL;
    const char *after = json_string_value(after_v);
    if (!what || (strcmp(what, "approve") != 0 && strcmp(what, "reject") != 0)) {
        I->exit_code = 4;
        fprintf(stderr, "%s:%d:%d: error: answers file: an approval is answered \"approve\" or \"reject\": \"%s\"\n",
                I->cur_file->src.name, n->loc.line, n->loc.col, a->question);
        return CTL_STOP;
    }
    a->decision = what[0] == 'a' ? "approved" : "rejected";
    a->by = json_is_object(e) && jstr(e, "by") ? jstr(e, "by") : "answers file";
    a->reason = json_is_object(e) ? jstr(e, "reason") : NULL;
    a->source = "answers";
    if (!a->allow_self && strcmp(a->by, a->asker) == 0)
        return rt_error(I, n, "answers file: %s asked for this approval and cannot give it (the statement has no "
                              "allow_self)", a->by);
    if (after || json_is_number(after_v)) {
        double secs = after ? parse_duration(after, strlen(after)) : json_number_value(after_v);
        if (secs < 0) return rt_error(I, n, "answers file: bad delay \"%s\"", after ? after : "?");
        if (a->timeout > 0 && secs >= a->timeout) {
            a->decision = NULL;   /* the answer comes too late: the timeout wins */
            return pass_time(I, clock_now() + a->timeout, 0, NULL);
        }
        return pass_time(I, clock_now() + secs, 0, NULL);
    }
    return CTL_OK;
}

/*
 * Wait for a decision in the database, timers firing, until the timeout.  The timeout
 * counts on the run's clock on the real clock, and in real seconds on a virtual one (the
 * other person's decision takes real time either way).
 */
static ctl wait_decision(interp *I, approval *a)
{
    double start = clock_monotonic();
    double run_start = clock_now();
    for (;;) {
        json_t *d = NULL;
        int found = rec_approval_get(I->rec, I->run_id, a->request, &d);
        if (found < 0) {
            fprintf(stderr, "runbook: cannot read approvals from the database: %s\nrunbook: stopping.\n",
                    rec_error(I->rec));
            I->exit_code = 3;
            return CTL_STOP;
        }
        if (found) {
            a->decision = arena_strdup(&I->mem, jstr(d, "decision"));
            a->by = arena_strdup(&I->mem, jstr(d, "by"));
            a->reason = jstr(d, "reason") ? arena_strdup(&I->mem, jstr(d, "reason")) : NULL;
            a->source = "runbook approve";
            json_decref(d);
            return CTL_OK;
        }
        if (eval_interrupted) {
            I->exit_code = 130;
            return CTL_STOP;
        }
        double waited = clock_is_virtual() ? clock_monotonic() - start : clock_now() - run_start;
        if (a->timeout > 0 && waited >= a->timeout) return CTL_OK;   /* no decision */
        double until = clock_monotonic() + APPROVAL_POLL;
        while (clock_monotonic() < until && !eval_interrupted) {
            double nd = clock_is_virtual() ? -1 : next_due(I);
            int ms = (int)((until - clock_monotonic()) * 1000) + 1;
            if (nd >= 0) {
                int tm = (int)((nd - clock_now()) * 1000) + 1;
                if (tm < ms) ms = tm;
            }
            poll(NULL, 0, ms < 0 ? 0 : ms);
            if (!clock_is_virtual()) {
                ctl c = fire_due(I);
                if (c != CTL_OK) return c;
            }
        }
    }
}

/* Replaying: the decision (or the timeout) recorded then.  1 when served. */
static int served(interp *I, approval *a)
{
    json_t *ev = rec_peek_action(I);
    if (!ev) return 0;
    const char *k = ev_str(ev, "kind");
    json_t *d = json_object_get(ev, "data");
    if (strcmp(k, "approval.timeout") == 0) {
        a->source = "record";
        return 1;
    }
    if (strcmp(k, "approval") != 0 || !jstr(d, "decision")) return 0;
    a->decision = arena_strdup(&I->mem, jstr(d, "decision"));
    a->by = arena_strdup(&I->mem, jstr(d, "by") ? jstr(d, "by") : "?");
    a->reason = jstr(d, "reason") ? arena_strdup(&I->mem, jstr(d, "reason")) : NULL;
    a->source = jstr(d, "source") ? arena_strdup(&I->mem, jstr(d, "source")) : "record";
    return 1;
}

static ctl record_decision(interp *I, const rb_node *n, const approval *a)
{
    rb_buf t;
    buf_init(&t);
    buf_printf(&t, "%s by %s", a->decision, a->by);
    if (a->reason) buf_printf(&t, " (%s)", a->reason);
    buf_printf(&t, ": %s", a->question);
    say(I, "  %s %s", a->decision[0] == 'a' ? "✓" : "✗", buf_cstr(&t));
    json_t *d = json_pack("{s:i, s:s, s:s, s:s, s:s?, s:s?, s:s, s:s?}", "request", a->request, "question",
                          a->question, "decision", a->decision, "by", a->by, "reason", a->reason, "role", a->role,
                          "source", a->source, "key", a->key);
    ctl c = emit(I, "approval", buf_cstr(&t), d);
    buf_free(&t);
    if (c == CTL_OK && a->decision[0] == 'r')
        c = rt_error(I, n, "rejected by %s%s%s%s", a->by, a->reason ? " (" : "", a->reason ? a->reason : "",
                     a->reason ? ")" : "");
    return c;
}

static ctl timed_out(interp *I, const rb_node *n, const approval *a)
{
    rb_buf t;
    buf_init(&t);
    dur_show(&t, a->timeout);
    const char *waited = arena_strdup(&I->mem, buf_cstr(&t));
    buf_reset(&t);
    buf_printf(&t, "no decision within %s: %s", waited, a->question);
    say(I, "  ✗ %s — escalating", buf_cstr(&t));
    ctl c = emit(I, "approval.timeout", buf_cstr(&t),
                 json_pack("{s:i, s:s, s:f}", "request", a->request, "question", a->question, "timeout_s", a->timeout));
    buf_free(&t);
    if (c != CTL_OK) return c;
    escalate_now(I);
    if ((c = fire_due(I)) != CTL_OK) return c;
    return rt_error(I, n, "no decision on the approval within %s (escalated)", waited);
}

static ctl approval_opts(interp *I, scope *sc, const rb_node *n, approval *a)
{
    value v;
    ctl c;
    if ((c = eval(I, sc, n->a, &v)) != CTL_OK) return c;
    a->question = shown(I, v);
    for (const rb_node *o = n->opts; o; o = o->next) {
        if (o->a && (c = eval(I, sc, o->a, &v)) != CTL_OK) return c;
        if (strcmp(o->str, "role") == 0) {
            if (v.t != V_STR) return rt_error(I, o, "by role takes a role name");
            a->role = v.u.s->s;
        } else if (strcmp(o->str, "timeout") == 0) {
            if (v.t != V_DUR && v.t != V_NUM) return rt_error(I, o, "timeout takes a duration");
            a->timeout = v.u.n;
        } else if (strcmp(o->str, "allow_self") == 0) {
            a->allow_self = 1;
        }
    }
    return CTL_OK;
}

ctl exec_approve(interp *I, scope *sc, const rb_node *n)
{
    approval a = {0};
    a.request = ++I->napprovals;
    a.key = n->str;
    a.asker = I->rec ? rec_user(I->rec) : "?";
    ctl c = approval_opts(I, sc, n, &a);
    if (c != CTL_OK) return c;
    json_t *d = json_pack("{s:i, s:s, s:s?, s:s?, s:s, s:b, s:f}", "request", a.request, "question", a.question,
                          "key", a.key, "role", a.role, "requested_by", a.asker, "allow_self", a.allow_self,
                          "timeout_s", a.timeout);
    if ((c = emit(I, "approval.request", a.question, d)) != CTL_OK) return c;
    if (I->replaying && served(I, &a)) {
        return a.decision ? record_decision(I, n, &a) : timed_out(I, n, &a);
    }
    if (I->o->verify) return diverged(I, "approval", a.question);
    json_t *e = scripted(I, &a);
    if (e) {
        c = take_scripted(I, n, &a, e);
    } else {
        say(I, "  ⏸ waiting for %s to approve: %s", a.role ? a.role : "a second person", a.question);
        say(I, "    approve: runbook approve %lld --as NAME     reject: runbook reject %lld --as NAME --reason …",
            (long long)I->run_id, (long long)I->run_id);
        c = wait_decision(I, &a);
    }
    if (c != CTL_OK) return c;
    return a.decision ? record_decision(I, n, &a) : timed_out(I, n, &a);
}
