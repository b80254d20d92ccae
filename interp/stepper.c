/*
 * stepper.c — steps: the step list, phases and their timers, retries, the failure menu,
 * roll back, and the cursor that runs one step at a time (exec and the REPL).
 *
 * Never: run a step without recording its start and end.
 */
#include "interp.h"

void collect_steps(interp *I, const rb_node *root)
{
    int cap = 16;
    I->steps = arena_alloc(&I->mem, (size_t)cap * sizeof *I->steps);
    for (const rb_node *d = root->a; d; d = d->next) {
        const rb_node *items = d->kind == N_PHASE ? d->a : d->kind == N_STEP ? d : NULL;
        for (const rb_node *s = items; s; s = d->kind == N_PHASE ? s->next : NULL) {
            if (s->kind != N_STEP) continue;
            if (I->nsteps == cap) {
                step_ref *n = arena_alloc(&I->mem, (size_t)cap * 2 * sizeof *n);
                memcpy(n, I->steps, (size_t)cap * sizeof *n);
                I->steps = n;
                cap *= 2;
            }
            const char *id = s->str ? s->str : check_step_slug(&I->mem, s->str2 ? s->str2 : "step");
            I->steps[I->nsteps++] = (step_ref){s, id, d->kind == N_PHASE ? d : NULL};
            if (d->kind != N_PHASE) break;
        }
    }
}

int step_index(interp *I, const char *id)
{
    for (int i = 0; i < I->nsteps; i++)
        if (strcmp(I->steps[i].id, id) == 0) return i;
    return -1;
}

const char *step_title(interp *I, const step_ref *s)
{
    if (s->step->str2) return s->step->str2;
    value v;
    if (eval(I, I->globals, s->step->d, &v) == CTL_OK) return shown(I, v);
    return s->id;
}

/* Run the rollback blocks of the completed steps, newest first. */
static ctl roll_back(interp *I, int *done, int ndone)
{
    say(I, "== Rolling back %d completed step%s", ndone, ndone == 1 ? "" : "s");
    for (int i = ndone - 1; i >= 0; i--) {
        const step_ref *s = &I->steps[done[i]];
        if (!s->step->b) continue;
        I->step_id = s->id;
        say(I, "-> rollback of %s", s->id);
        ctl c = emit(I, "rollback.start", s->id, NULL);
        if (c == CTL_OK) c = exec_in(I, I->globals, s->step->b);
        if (c == CTL_STOP) return c;
        if (c == CTL_FAIL || c == CTL_ABORT) {
            report_error(I, "error");
            say(I, "  ✗ rollback of %s failed; continuing with the others", s->id);
        }
        json_t *d = json_pack("{s:s, s:b}", "outcome", "rolled_back", "rollback_ok", c == CTL_OK || c == CTL_SKIP);
        if ((c = emit(I, "step.end", "rolled back", d)) != CTL_OK) return c;
        if ((c = emit(I, "rollback.end", s->id, NULL)) != CTL_OK) return c;
    }
    return CTL_OK;
}

typedef enum { FAIL_RETRY, FAIL_SKIP, FAIL_ROLLBACK, FAIL_ABORT } fail_choice;

static ctl failure_menu(interp *I, const rb_node *at, const char *id, fail_choice *choice)
{
    static const char *const opts[] = {"retry", "skip", "roll back", "abort"};
    int use_auto = I->o->auto_mode;
    if (I->replaying) {
        /* replaying: the record says whether the responder was asked (verify runs as --auto) */
        json_t *nx = NULL;
        ctl c = rec_catch_up(I, &nx);
        if (c != CTL_OK) return c;
        if (nx && strcmp(ev_str(nx, "kind"), "prompt") == 0) use_auto = 0;
        else if (nx && strcmp(ev_str(nx, "kind"), "decision") == 0) use_auto = 1;
    }
    if (use_auto) {
        say(I, "  --auto: aborting after the failure of step %s", id);
        *choice = FAIL_ABORT;
        return emit(I, "decision", "abort (--auto)", json_pack("{s:s, s:s}", "choice", "abort", "source", "auto"));
    }
    rb_buf q;
    buf_init(&q);
    buf_printf(&q, "Step %s failed. What now?", id);
    const char *pick;
    rb_buf key;
    buf_init(&key);
    buf_printf(&key, "%s.failed", id);
    ctl c = prompt_choose(I, at, arena_strdup(&I->mem, buf_cstr(&q)), arena_strdup(&I->mem, buf_cstr(&key)), NULL,
                          (const char **)opts, 4, &pick);
    buf_free(&q);
    buf_free(&key);
    if (c != CTL_OK) return c;
    *choice = strcmp(pick, "retry") == 0 ? FAIL_RETRY : strcmp(pick, "skip") == 0 ? FAIL_SKIP
            : strcmp(pick, "roll back") == 0 ? FAIL_ROLLBACK : FAIL_ABORT;
    return CTL_OK;
}

static double opt_secs(interp *I, const rb_node *step, const char *name)
{
    rb_node *o = ast_opt(step, name);
    value v;
    if (!o || eval(I, I->globals, o->a, &v) != CTL_OK) return -1;
    return v.u.n;
}

/* The run's status from the steps loop: finished, failed or aborted (exit 0/1). */
/*
 * Entering a phase starts its instance: its `within` deadline and the escalation ladders
 * and `every` timers declared in it, all relative to now and ended when the phase ends.
 */
static ctl enter_phase(interp *I, const rb_node *phase, int owner)
{
    say(I, "\n== Phase: %s", phase->str);
    I->step_id = NULL;
    ctl c = emit(I, "phase.start", phase->str, json_pack("{s:s}", "title", phase->str));
    double now = clock_now();
    rb_node *w = ast_opt(phase, "within");
    if (c == CTL_OK && w) {
        double within = dur_of(I, I->globals, w->a);
        if (within > 0) deadline_add(I, "phase", phase->str, within, now, owner, phase);
    }
    for (const rb_node *x = phase->a; c == CTL_OK && x; x = x->next) {
        if (x->kind == N_ESCALATION) c = start_escalation(I, x, I->globals, now, owner);
        else if (x->kind == N_EVERY) c = start_every(I, x, I->globals, now, owner);
    }
    return c == CTL_OK ? fire_due(I) : c;
}

/* Run one step's body (with its retries); its timers end when the body does. */
static ctl run_body(interp *I, const step_ref *s)
{
    int retries = (int)opt_secs(I, s->step, "retries");
    double timeout = opt_secs(I, s->step, "timeout");
    double within = opt_secs(I, s->step, "within");
    I->step_owner = ++I->next_owner;
    I->step_started = clock_now();
    if (within > 0) deadline_add(I, "step", s->id, within, I->step_started, I->step_owner, s->step);
    ctl c;
    for (int attempt = 0;; attempt++) {
        I->step_deadline = timeout > 0 ? clock_now() + timeout : -1;
        c = exec_in(I, I->globals, s->step->a);
        I->step_deadline = -1;
        if (c != CTL_FAIL || attempt >= retries) break;
        report_error(I, "error");
        say(I, "  ↻ retrying step %s (attempt %d of %d)", s->id, attempt + 2, retries + 1);
        if (emit(I, "step.retry", s->id, json_pack("{s:i}", "attempt", attempt + 2)) != CTL_OK) return CTL_STOP;
    }
    timers_end_owner(I, I->step_owner);
    I->step_owner = 0;
    return c;
}

void stepper_init(interp *I, stepper *st, int start)
{
    memset(st, 0, sizeof *st);
    st->idx = start;
    st->capdone = I->nsteps + 1;
    st->done = arena_alloc(&I->mem, (size_t)st->capdone * sizeof *st->done);
    st->status = "finished";
}

static void stepper_done(interp *I, stepper *st, int idx)
{
    st->done = arena_grow(&I->mem, st->done, st->ndone, &st->capdone, sizeof *st->done, 16);
    st->done[st->ndone++] = idx;
}

/* The current phase's timers end (at the end of the run, or before a jump elsewhere). */
static void stepper_leave_phase(interp *I, stepper *st)
{
    if (st->phase_owner) timers_end_owner(I, st->phase_owner);
    st->phase = NULL;
    st->phase_owner = 0;
}

/* "common.rb:12" for a step copied from a module's part (expand.c), else NULL. */
static const char *step_from(interp *I, const rb_node *step)
{
    const ast_file *f = I->file;
    if (!step->origin || !f || step->origin >= f->norigins) return NULL;
    const char *name = f->origins[step->origin].file->src.name;
    const char *base = strrchr(name, '/');
    rb_buf b;
    buf_init(&b);
    buf_printf(&b, "%s:%d", base ? base + 1 : name, step->loc.line);
    const char *out = arena_strndup(&I->mem, buf_cstr(&b), b.len);
    buf_free(&b);
    return out;
}

/* Run the step at st->idx and move the cursor (next step, goto target, or the same step
 * again after "retry").  Sets st->over and st->status when the run ends here. */
ctl stepper_step(interp *I, stepper *st)
{
    int idx = st->idx;
    const step_ref *s = &I->steps[idx];
    ctl c;
    if (s->phase != st->phase) {
        stepper_leave_phase(I, st);
        st->phase = s->phase;
        st->phase_owner = st->phase ? ++I->next_owner : 0;
        if (st->phase && (c = enter_phase(I, st->phase, st->phase_owner)) != CTL_OK) return c;
    }
    I->step_id = s->id;
    const char *title = step_title(I, s);
    const char *from = step_from(I, s->step);
    if (from) say(I, "\n-> [%d/%d] %s (%s, from %s)", idx + 1, I->nsteps, title, s->id, from);
    else say(I, "\n-> [%d/%d] %s (%s)", idx + 1, I->nsteps, title, s->id);
    json_t *data = json_pack("{s:s, s:s}", "id", s->id, "title", title);
    if (from) json_object_set_new(data, "from", json_string(from));
    if ((c = emit(I, "step.start", title, data)) != CTL_OK) return c;
    const char *outcome;
    int next = idx + 1;
    c = run_body(I, s);
    if (c == CTL_STOP) return c;
    if (c == CTL_OK || c == CTL_RETURN || c == CTL_BREAK || c == CTL_CONTINUE) {
        outcome = "ok";
    } else if (c == CTL_SKIP) {
        outcome = "skipped";
        say(I, "  (skipped by the responder)");
    } else if (c == CTL_GOTO) {
        outcome = "ok";
        next = step_index(I, I->goto_target);
        if (next < 0) {
            I->cur_file = I->file;
            rt_error(I, I->goto_node, "goto: no step '%s'", I->goto_target);
            c = CTL_FAIL;
        }
    } else {
        outcome = "failed";
    }
    if (c == CTL_ABORT) {
        report_error(I, "aborted");
        emit(I, "step.end", "aborted", json_pack("{s:s}", "outcome", "aborted"));
        st->status = "aborted";
        st->over = 1;
        return CTL_OK;
    }
    if (c == CTL_FAIL) {
        report_error(I, "error");
        outcome = "failed";
        if (s->step->c) {
            say(I, "  running the on failure block of %s", s->id);
            ctl fc = exec_in(I, I->globals, s->step->c);
            if (fc == CTL_STOP) return fc;
            if (fc == CTL_ABORT || fc == CTL_FAIL) {
                report_error(I, fc == CTL_ABORT ? "aborted" : "error");
                emit(I, "step.end", "failed", json_pack("{s:s}", "outcome", "failed"));
                st->status = fc == CTL_ABORT ? "aborted" : "failed";
                st->over = 1;
                return CTL_OK;
            }
            if (fc == CTL_GOTO) next = step_index(I, I->goto_target);
            /* the on failure block handled it: the step failed, the run goes on */
        } else {
            fail_choice ch;
            if ((c = failure_menu(I, s->step, s->id, &ch)) != CTL_OK) return c;
            if (ch == FAIL_RETRY) {
                if (emit(I, "step.end", "failed", json_pack("{s:s}", "outcome", "failed")) != CTL_OK) return CTL_STOP;
                return CTL_OK;   /* the cursor stays: the step starts again */
            }
            if (ch == FAIL_SKIP) {
                outcome = "skipped";
            } else {
                if (emit(I, "step.end", "failed", json_pack("{s:s}", "outcome", "failed")) != CTL_OK) return CTL_STOP;
                if (ch == FAIL_ROLLBACK) {
                    if ((c = roll_back(I, st->done, st->ndone)) != CTL_OK) return c;
                    st->status = "failed";
                } else {
                    st->status = "aborted";
                }
                st->over = 1;
                return CTL_OK;
            }
        }
    }
    if ((c = emit(I, "step.end", outcome, json_pack("{s:s}", "outcome", outcome))) != CTL_OK) return c;
    if (strcmp(outcome, "ok") == 0) stepper_done(I, st, idx);
    st->idx = next;
    return CTL_OK;
}

ctl run_steps(interp *I, int start, const char **status)
{
    stepper st;
    stepper_init(I, &st, start);
    ctl c = CTL_OK;
    while (c == CTL_OK && !st.over && st.idx >= 0 && st.idx < I->nsteps) c = stepper_step(I, &st);
    stepper_leave_phase(I, &st);
    *status = st.status;
    return c;
}
