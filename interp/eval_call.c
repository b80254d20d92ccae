/*
 * eval_call.c — calls of builtins: argument evaluation and dispatch to the stdlib functions,
 * prompts and doors.
 *
 * Never: perform a side effect itself.
 */
#include "interp.h"

static ctl eval_args(interp *I, scope *sc, const rb_node *call, argv_ *A)
{
    A->npos = A->nnamed = 0;
    for (const rb_node *a = call->b; a; a = a->next) {
        ctl c;
        if (a->kind == N_NAMEDARG) {
            if (A->nnamed == MAX_ARGS) return rt_error(I, a, "too many arguments");
            A->names[A->nnamed] = a->str;
            if ((c = eval(I, sc, a->a, &A->named[A->nnamed])) != CTL_OK) return c;
            A->nnamed++;
        } else {
            if (A->npos == MAX_ARGS) return rt_error(I, a, "too many arguments");
            if ((c = eval(I, sc, a, &A->pos[A->npos])) != CTL_OK) return c;
            A->npos++;
        }
    }
    return CTL_OK;
}

value *named(argv_ *A, const char *name)
{
    for (int i = 0; i < A->nnamed; i++)
        if (strcmp(A->names[i], name) == 0) return &A->named[i];
    return NULL;
}

/* The text of a value for people (secrets redacted), in the run's arena. */
const char *shown(interp *I, value v)
{
    rb_buf b;
    buf_init(&b);
    value_show(&b, v);
    const char *s = arena_strndup(&I->mem, buf_cstr(&b), b.len);
    buf_free(&b);
    return s;
}

/*
 * Ask the responder and record the prompt and its answer.  Returns CTL_OK with the
 * canonical answer in *answer (arena), or CTL_STOP (exit 4 / 130) / CTL_FAIL.
 */
ctl call_builtin(interp *I, scope *sc, const char *name, const rb_node *call, value *out)
{
    argv_ A;
    ctl c = eval_args(I, sc, call, &A);
    if (c != CTL_OK) return c;
    *out = v_nil();
    if (test_call(I, name, call, &A, out, &c)) return c;   /* runbook test: answer(), stub_sh(), expect_…() */
    if (strcmp(name, "ask") == 0) {
        if (A.npos < 1) return rt_error(I, call, "ask() needs a question");
        value *sec = named(&A, "secret");
        prompt_req q = {PK_ASK, shown(I, A.pos[0]), opt_str(I, &A, "key"), opt_str(I, &A, "default"), NULL, 0,
                        sec && value_truthy(*sec), opt_str(I, &A, "pattern")};
        const char *a;
        if ((c = ask_responder(I, call, &q, &a)) != CTL_OK) return c;
        *out = v_cstr(&I->mem, a);
        out->secret = q.secret;
        return CTL_OK;
    }
    if (strcmp(name, "confirm") == 0) {
        if (A.npos < 1) return rt_error(I, call, "confirm() needs a question");
        value *d = named(&A, "default");
        const char *def = d ? (value_truthy(*d) && !(d->t == V_STR && strcmp(d->u.s->s, "no") == 0) ? "yes" : "no") : NULL;
        int yes;
        if ((c = prompt_confirm(I, call, shown(I, A.pos[0]), opt_str(I, &A, "key"), def, &yes)) != CTL_OK) return c;
        *out = v_bool(yes);
        return CTL_OK;
    }
    if (strcmp(name, "choose") == 0) {
        if (A.npos < 2 || A.pos[1].t != V_LIST || A.pos[1].u.l->n == 0)
            return rt_error(I, call, "choose() needs a question and a non-empty list of options");
        int n = A.pos[1].u.l->n;
        const char **opts = arena_alloc(&I->mem, (size_t)n * sizeof *opts);
        for (int i = 0; i < n; i++) opts[i] = shown(I, A.pos[1].u.l->items[i]);
        const char *pick;
        if ((c = prompt_choose(I, call, shown(I, A.pos[0]), opt_str(I, &A, "key"), opt_str(I, &A, "default"), opts, n,
                               &pick)) != CTL_OK)
            return c;
        *out = v_cstr(&I->mem, pick);
        return CTL_OK;
    }
    if (strcmp(name, "checklist") == 0) {
        if (A.npos < 2 || A.pos[1].t != V_LIST) return rt_error(I, call, "checklist() needs a title and a list of items");
        return run_checklist(I, call, shown(I, A.pos[0]), opt_str(I, &A, "key"), A.pos[1], out);
    }
    if (strcmp(name, "acknowledge") == 0) return do_acknowledge(I);
    if (strcmp(name, "resolve") == 0) return do_resolve(I, A.npos ? shown(I, A.pos[0]) : NULL);
    if (strcmp(name, "timeline") == 0) {
        if (A.npos < 1) return rt_error(I, call, "timeline() needs a text");
        const char *t = shown(I, A.pos[0]);
        say(I, "  * timeline: %s", t);
        return emit(I, "timeline", t, json_pack("{s:s}", "text", t));
    }
    if (strcmp(name, "action_item") == 0) {
        if (A.npos < 1) return rt_error(I, call, "action_item() needs a text");
        const char *t = shown(I, A.pos[0]);
        say(I, "  * action item: %s", t);
        json_t *d = json_pack("{s:s, s:s?, s:s?}", "text", t, "owner", opt_str(I, &A, "owner"), "due",
                              opt_str(I, &A, "due"));
        return emit(I, "action_item", t, d);
    }
    if (strcmp(name, "env") == 0) {
        if (A.npos < 1 || A.pos[0].t != V_STR) return rt_error(I, call, "env() needs a variable name");
        const char *v = getenv(A.pos[0].u.s->s);
        if (v && *v) *out = v_cstr(&I->mem, v);
        else *out = A.npos > 1 ? A.pos[1] : v_nil();
        return CTL_OK;
    }
    if (strcmp(name, "now") == 0) {
        *out = v_time(clock_now());
        return CTL_OK;
    }
    if (strcmp(name, "print") == 0) {
        rb_buf b;
        buf_init(&b);
        for (int i = 0; i < A.npos; i++) {
            if (i) buf_addc(&b, ' ');
            value_show(&b, A.pos[i]);
        }
        say(I, "%s", buf_cstr(&b));
        buf_free(&b);
        return CTL_OK;
    }
    if (strcmp(name, "send_mail") == 0) return send_mail(I, call, &A, out);
    if (strcmp(name, "raw") == 0) {
        /* raw() matters only inside a sh command, where run_sh sees it; elsewhere it is identity. */
        *out = A.npos ? A.pos[0] : v_nil();
        return CTL_OK;
    }
    rb_buf err;
    buf_init(&err);
    int r = stdfn_call(&I->mem, name, A.pos, A.npos, A.names, A.named, A.nnamed, out, &err);
    if (r == 0 && out->secret) secret_note(I, *out);   /* derived text is scrubbed too */
    if (r != 0) {
        c = rt_error(I, call, "%s", err.len ? buf_cstr(&err) : "unknown function");
        buf_free(&err);
        return c;
    }
    buf_free(&err);
    return CTL_OK;
}
