/*
 * session.c — REPL sessions: a run kept open between inputs (see repl.c), its stepping,
 * and what :vars, :timers and completion show.
 *
 * Never: read the terminal itself (repl.c and prompt.h do).
 */
#include "interp.h"

/* A value as the REPL prints it: strings quoted (so "" and nil differ), secrets redacted. */
static void show_nested(rb_buf *b, value v)
{
    if (v.t == V_STR && !v.secret) {
        buf_addc(b, '"');
        value_show(b, v);
        buf_addc(b, '"');
    } else {
        value_show(b, v);
    }
}

/*
 * A REPL session: one recorded run (mode "repl") kept open between inputs.  Typed
 * statements run in the runbook's scope like a step body's (their lets stay), typed
 * declarations join the globals, and the runbook's steps are stepped with a stepper.
 */
struct eval_session {
    interp I;
    stepper st;
    ast_file **chunks;        /* every parsed input: their nodes live as long as the session */
    int nchunks, capchunks;
    int ended;                /* the run ended (finished, aborted, rolled back) */
};

prompter *session_prompter(eval_session *S) { return S->I.prompts; }

eval_session *session_open(ast_file *f, module_set *ms, const exec_opts *o, int *rc)
{
    eval_session *S = rb_xcalloc(1, sizeof *S);
    interp_init(&S->I, f, ms, o);
    stepper_init(&S->I, &S->st, 0);
    ctl c = run_begin(&S->I);
    if (c != CTL_OK) {
        *rc = run_finish(&S->I, c, "failed");
        interp_free(&S->I);
        rb_free(S);
        return NULL;
    }
    *rc = 0;
    return S;
}

/* After Ctrl-C in the REPL: the statement stops, the session goes on. */
static int session_outcome(eval_session *S, ctl c)
{
    interp *I = &S->I;
    if (c == CTL_STOP && (I->exit_code == 130 || I->exit_code == 4)) {
        /* Ctrl-C, or a prompt without an answer: that input ends, the session goes on */
        int code = I->exit_code;
        eval_interrupted = 0;
        I->exit_code = 0;
        if (code == 130) say(I, "  (interrupted)");
        return code;
    }
    if (c == CTL_STOP) return I->exit_code ? I->exit_code : 1;
    if (c == CTL_FAIL || c == CTL_ABORT) {
        report_error(I, "error");
        return 1;
    }
    if (c == CTL_GOTO) {
        int idx = step_index(I, I->goto_target);
        if (idx >= 0) {
            S->st.idx = idx;
            say(I, "  (the current step is now %s)", I->goto_target);
        }
    }
    if (c == CTL_SKIP) say(I, "  (not confirmed: the rest of the input is skipped)");
    return 0;
}

int session_input(eval_session *S, ast_file *chunk, const char *text)
{
    interp *I = &S->I;
    if (S->nchunks == S->capchunks) {
        S->capchunks = S->capchunks ? S->capchunks * 2 : 16;
        S->chunks = rb_xrealloc(S->chunks, (size_t)S->capchunks * sizeof *S->chunks);
    }
    S->chunks[S->nchunks++] = chunk;
    if (!chunk->root) return 0;
    I->cur_file = chunk;
    I->step_id = NULL;
    ctl c = emit(I, "repl.input", text, json_pack("{s:s}", "text", text));
    for (const rb_node *n = chunk->root->a; c == CTL_OK && n; n = n->next) {
        value v;
        switch (n->kind) {
        case N_USE:
            c = load_use(I, chunk, I->globals, n);
            break;
        case N_PARAM:
            c = define_param(I, I->globals, n, NULL, v_nil());
            break;
        case N_SECRET:
            if ((c = eval(I, I->globals, n->a, &v)) == CTL_OK) {
                mark_secret(I, &v);
                scope_define(I, I->globals, n->str, v);
            }
            break;
        case N_FN: {
            value fv = v_nil();
            fv.t = V_FN;
            fv.u.fn = n;
            fv.env = I->globals;
            scope_define(I, I->globals, n->str, fv);
            say(I, "  fn %s defined", n->str);
            break;
        }
        case N_STEP: case N_PHASE:
            say(I, "  (steps are loaded from a file: :load FILE)");
            break;
        case N_EXPRSTMT:
            if (n->a->kind == N_SH || n->a->kind == N_HTTP ||
                (n->a->kind == N_CALL && n->a->a->kind == N_IDENT && strcmp(n->a->a->str, "confirm") == 0)) {
                c = exec_stmt(I, I->globals, n);
            } else if ((c = eval(I, I->globals, n->a, &v)) == CTL_OK && v.t != V_NIL) {
                rb_buf b;
                buf_init(&b);
                show_nested(&b, v);
                say(I, "=> %s", buf_cstr(&b));
                buf_free(&b);
            }
            break;
        default:
            c = exec_stmt(I, I->globals, n);
            break;
        }
        if (c == CTL_OK) c = fire_due(I);
    }
    I->cur_file = I->file;
    return session_outcome(S, c);
}

int session_next(eval_session *S)
{
    interp *I = &S->I;
    if (S->ended || S->st.idx < 0 || S->st.idx >= I->nsteps) {
        say(I, "  (no step left: the run is at its end)");
        return 1;
    }
    ctl c = stepper_step(I, &S->st);
    if (S->st.over) S->ended = 1;
    return session_outcome(S, c);
}

int session_run(eval_session *S, const char *const *breaks, int nbreaks)
{
    interp *I = &S->I;
    int first = 1;
    while (!S->ended && S->st.idx >= 0 && S->st.idx < I->nsteps) {
        for (int b = 0; !first && b < nbreaks; b++) {
            if (strcmp(breaks[b], I->steps[S->st.idx].id) == 0) {
                say(I, "  (breakpoint: stopped before %s)", breaks[b]);
                return 0;
            }
        }
        first = 0;
        int r = session_next(S);
        if (r != 0) return r;
    }
    return 0;
}

int session_goto(eval_session *S, const char *id)
{
    int idx = step_index(&S->I, id);
    if (idx < 0) return -1;
    S->st.idx = idx;
    S->ended = 0;
    return 0;
}

int session_current(eval_session *S)
{
    return S->ended ? -1 : S->st.idx;
}

void session_steps(eval_session *S, FILE *out)
{
    interp *I = &S->I;
    if (I->nsteps == 0) {
        fprintf(out, "  (no steps: :load FILE loads a runbook)\n");
        return;
    }
    const rb_node *phase = NULL;
    for (int i = 0; i < I->nsteps; i++) {
        const step_ref *s = &I->steps[i];
        if (s->phase && s->phase != phase) fprintf(out, "  %s\n", s->phase->str);
        phase = s->phase;
        int done = 0;
        for (int k = 0; k < S->st.ndone; k++) done |= S->st.done[k] == i;
        fprintf(out, "  %s %s %-20s %s\n", i == session_current(S) ? "→" : " ", done ? "✓" : " ", s->id,
                step_title(I, s));
    }
}

void session_vars(eval_session *S, FILE *out)
{
    scope *g = S->I.globals;
    for (int i = 0; i < g->n; i++) {
        value v = g->items[i].v;
        if (v.t == V_FN || v.t == V_MODULE) continue;
        rb_buf b;
        buf_init(&b);
        show_nested(&b, v);
        fprintf(out, "  %-20s %s\n", g->items[i].name, buf_cstr(&b));
        buf_free(&b);
    }
}

void session_timers(eval_session *S, FILE *out)
{
    interp *I = &S->I;
    int any = 0;
    double now = clock_now();
    for (int i = 0; i < I->ntimers; i++) {
        timer *t = &I->timers[i];
        if (t->dead || (t->kind == TM_RUNG && I->inc.resolved_at >= 0)) continue;
        rb_buf left, what;
        buf_init(&left);
        buf_init(&what);
        dur_show(&left, t->due - now > 0 ? ceil(t->due - now) : 0);   /* whole seconds: 14m52s */
        if (t->kind == TM_RUNG) {
            buf_printf(&what, "%s rung at ", ladder_name(t));
            dur_show(&what, t->due - t->base);
            if (t->node->b) {
                buf_adds(&what, " unless ");
                ast_expr_str(&what, t->node->b);
            }
        } else if (t->kind == TM_EVERY) {
            buf_adds(&what, "every ");
            ast_expr_str(&what, t->node->a);
        } else {
            buf_printf(&what, "deadline: %s%s%s within ", t->what, t->id ? " " : "", t->id ? t->id : "");
            dur_show(&what, t->within);
        }
        fprintf(out, "  in %-10s %s\n", buf_cstr(&left), buf_cstr(&what));
        buf_free(&left);
        buf_free(&what);
        any = 1;
    }
    if (!any) fprintf(out, "  (no pending timers)\n");
}

int session_wait_input(eval_session *S, int fd)
{
    return hook_wait_readable(&S->I, fd);
}

void session_names(eval_session *S, void (*add)(void *ctx, const char *name), void *ctx)
{
    interp *I = &S->I;
    for (scope *g = I->globals; g; g = g->parent) {
        for (int i = 0; i < g->n; i++) {
            add(ctx, g->items[i].name);
            if (g->items[i].v.t != V_MODULE) continue;
            scope *m = g->items[i].v.u.p;
            for (int k = 0; k < m->n; k++) {
                rb_buf b;
                buf_init(&b);
                buf_printf(&b, "%s.%s", g->items[i].name, m->items[k].name);
                add(ctx, buf_cstr(&b));
                buf_free(&b);
            }
        }
    }
    for (int i = 0; i < I->nsteps; i++) add(ctx, I->steps[i].id);
    for (const builtin_info *b = builtin_all(); b->name; b++) add(ctx, b->name);
}

int session_close(eval_session *S)
{
    int code = run_finish(&S->I, CTL_OK, S->st.status);
    interp_free(&S->I);
    for (int i = 0; i < S->nchunks; i++) ast_file_free(S->chunks[i]);
    rb_free(S->chunks);
    rb_free(S);
    return code;
}
