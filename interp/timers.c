/*
 * timers.c — timers: escalation rungs, `every` bodies, deadlines; firing them in order as
 * the clock passes (fire_due), passing time (waits), and the hooks that keep them firing
 * while a prompt or request waits.
 *
 * Never: read the time itself (clock.h does).
 */
#include "interp.h"

static void iso(double t, char buf[40]) { clock_iso(t, buf, 40); }

static timer *timer_add(interp *I, timer_kind k, double base, double due, const rb_node *node, scope *sc, int owner)
{
    I->timers = arena_grow(&I->mem, I->timers, I->ntimers, &I->captimers, sizeof *I->timers, 16);
    timer *t = &I->timers[I->ntimers++];
    memset(t, 0, sizeof *t);
    t->kind = k;
    t->base = base;
    t->due = due;
    t->node = node;
    t->sc = sc;
    t->owner = owner;
    return t;
}

/* The value of a duration-valued expression (rung offsets, intervals); -1 on error. */
double dur_of(interp *I, scope *sc, const rb_node *e)
{
    value v;
    if (!e || eval(I, sc, e, &v) != CTL_OK) return -1;
    return v.t == V_DUR || v.t == V_NUM ? v.u.n : -1;
}

/* Start an escalation ladder: one timer per rung, relative to base. */
ctl start_escalation(interp *I, const rb_node *esc, scope *sc, double base, int owner)
{
    for (const rb_node *r = esc->a; r; r = r->next) {
        if (r->kind != N_RUNG) continue;
        double at = dur_of(I, sc, r->a);
        if (at < 0) return rt_error(I, r, "an escalation rung needs a duration: at 15m");
        timer *t = timer_add(I, TM_RUNG, base, base + at, r, sc, owner);
        t->ladder = esc;
    }
    return CTL_OK;
}

ctl start_every(interp *I, const rb_node *ev, scope *sc, double base, int owner)
{
    double every = dur_of(I, sc, ev->a);
    if (every <= 0) return rt_error(I, ev, "every needs a positive duration");
    timer_add(I, TM_EVERY, base, base + every, ev, sc, owner);
    return CTL_OK;
}

void deadline_add(interp *I, const char *what, const char *id, double within, double base, int owner,
                         const rb_node *node)
{
    timer *t = timer_add(I, TM_DEADLINE, base, base + within, node, I->globals, owner);
    t->what = what;
    t->id = id;
    t->within = within;
}

/* Every timer of one phase or step run ends with it (a met deadline simply never fires). */
void timers_end_owner(interp *I, int owner)
{
    for (int i = 0; i < I->ntimers; i++)
        if (I->timers[i].owner == owner) I->timers[i].dead = 1;
}

static timer *timer_next(interp *I)
{
    timer *best = NULL;
    for (int i = 0; i < I->ntimers; i++) {
        timer *t = &I->timers[i];
        if (!t->dead && (!best || t->due < best->due)) best = t;
    }
    return best;
}

double next_due(interp *I)
{
    timer *t = timer_next(I);
    return t ? t->due : -1;
}

const char *ladder_name(const timer *t)
{
    return t->ladder && t->ladder->str ? t->ladder->str : "escalation";
}

/* A timer body: a failure in it is reported and recorded, never fails the step. */
static ctl run_timer_body(interp *I, timer *t, const rb_node *body)
{
    const char *saved_step = I->step_id;
    ctl c = exec_block(I, t->sc, body);
    I->step_id = saved_step;
    if (c == CTL_FAIL || c == CTL_ABORT) {
        c = report_error(I, "error in a timer");
        return c;
    }
    return c == CTL_STOP ? CTL_STOP : CTL_OK;
}

static ctl fire_rung(interp *I, timer *t)
{
    const rb_node *r = t->node;
    char sched[40], now[40];
    iso(t->due, sched);
    iso(clock_now(), now);
    double at = dur_of(I, t->sc, r->a);
    rb_buf txt;
    buf_init(&txt);
    dur_show(&txt, at);
    if (t->cycle > 0) buf_printf(&txt, ", round %d", t->cycle + 1);
    const char *at_txt = arena_strdup(&I->mem, buf_cstr(&txt));
    buf_reset(&txt);
    value v;
    const char *skip = NULL;
    ctl c = CTL_OK;
    if (r->b && (c = eval(I, t->sc, r->b, &v)) == CTL_OK && value_truthy(v)) skip = "unless";
    if (c == CTL_OK && !skip && r->c && (c = eval(I, t->sc, r->c, &v)) == CTL_OK && !value_truthy(v)) skip = "when";
    if (c != CTL_OK) {
        buf_free(&txt);
        return c == CTL_STOP ? c : report_error(I, "error in a timer");
    }
    json_t *d = json_pack("{s:s, s:f, s:s, s:s, s:f, s:i}", "name", ladder_name(t), "at_s", at, "scheduled", sched,
                          "actual", now, "late_s", clock_now() - t->due, "cycle", t->cycle);
    if (skip) {
        rb_buf cond;
        buf_init(&cond);
        ast_expr_str(&cond, skip[0] == 'u' ? r->b : r->c);
        buf_printf(&txt, "%s rung at %s skipped (%s %s)", ladder_name(t), at_txt, skip, buf_cstr(&cond));
        json_object_set_new(d, "skipped", json_string(buf_cstr(&cond)));
        buf_free(&cond);
        say(I, "  %s⏱ %s%s", hue(I, HUE_WARN), buf_cstr(&txt), hue(I, HUE_OFF));
        c = emit(I, "escalation.skipped", buf_cstr(&txt), d);
    } else {
        buf_printf(&txt, "%s rung at %s", ladder_name(t), at_txt);
        say(I, "  %s⏱ %s%s", hue(I, HUE_WARN), buf_cstr(&txt), hue(I, HUE_OFF));
        c = emit(I, "escalation", buf_cstr(&txt), d);
        if (c == CTL_OK) c = run_timer_body(I, t, r->d);
    }
    buf_free(&txt);
    t->cycle++;
    /* A ladder with `repeat every P` starts over P after its previous round. */
    const rb_node *rep = NULL;
    for (const rb_node *x = t->ladder->a; x; x = x->next)
        if (x->kind == N_REPEAT) rep = x;
    double period = rep ? dur_of(I, t->sc, rep->a) : -1;
    if (period > 0) t->due += period;
    else t->dead = 1;
    return c;
}

static ctl fire_every(interp *I, timer *t)
{
    const rb_node *e = t->node;
    value v;
    ctl c;
    double interval = dur_of(I, t->sc, e->a), span = e->c ? dur_of(I, t->sc, e->c) : -1;
    if (span >= 0 && t->due > t->base + span + 1e-9) {
        t->dead = 1;
        return CTL_OK;
    }
    if (e->b) {
        if ((c = eval(I, t->sc, e->b, &v)) != CTL_OK) return c == CTL_STOP ? c : report_error(I, "error in a timer");
        if (value_truthy(v)) {
            t->dead = 1;
            return CTL_OK;
        }
    }
    char sched[40], now[40];
    iso(t->due, sched);
    iso(clock_now(), now);
    rb_buf txt;
    buf_init(&txt);
    buf_adds(&txt, "every ");
    dur_show(&txt, interval);
    buf_adds(&txt, " (+");
    dur_show(&txt, t->due - t->base);
    buf_addc(&txt, ')');
    say(I, "  ⏱ %s", buf_cstr(&txt));
    c = emit(I, "timer", buf_cstr(&txt),
             json_pack("{s:f, s:s, s:s, s:f, s:i}", "every_s", interval, "scheduled", sched, "actual", now, "late_s",
                       clock_now() - t->due, "cycle", t->cycle));
    buf_free(&txt);
    if (c == CTL_OK) c = run_timer_body(I, t, e->d);
    t->cycle++;
    t->due += interval;
    return c;
}

static ctl fire_deadline(interp *I, timer *t)
{
    t->dead = 1;
    if (strcmp(t->what, "respond") == 0 && I->inc.acknowledged_at >= 0) return CTL_OK;
    if (strcmp(t->what, "resolve") == 0 && I->inc.resolved_at >= 0) return CTL_OK;
    rb_buf txt, w;
    buf_init(&txt);
    buf_init(&w);
    dur_show(&w, t->within);
    if (strcmp(t->what, "respond") == 0)
        buf_printf(&txt, "response target missed: not acknowledged within %s", buf_cstr(&w));
    else if (strcmp(t->what, "resolve") == 0)
        buf_printf(&txt, "resolution target missed: not resolved within %s", buf_cstr(&w));
    else
        buf_printf(&txt, "deadline missed: %s %s did not finish within %s", t->what, t->id, buf_cstr(&w));
    say(I, "  %s⚠ %s%s", hue(I, HUE_WARN), buf_cstr(&txt), hue(I, HUE_OFF));
    char due[40];
    iso(t->due, due);
    ctl c = emit(I, "deadline.missed", buf_cstr(&txt),
                 json_pack("{s:s, s:s?, s:f, s:s}", "what", t->what, "id", t->id, "within_s", t->within, "due", due));
    buf_free(&txt);
    buf_free(&w);
    return c;
}

/*
 * Replaying: may timer t fire now?  Only when the record says a timer fired next, and t
 * was due by then; the clock moves to the recorded time of that firing first.  So timer
 * firings are served by their recorded time, wherever they fell: between statements,
 * during a prompt, a command, a request or a wait.
 */
static int replay_allows(interp *I, const timer *t)
{
    json_t *ev = rec_next(I);
    if (!ev || !rec_is_timer(ev)) return 0;
    double te = rec_time(ev);
    /* the record keeps milliseconds; a real-clock due time may sit a hair after it */
    if (t->due > te + 0.002) return 0;
    clock_advance(te > t->due ? te : t->due);
    return 1;
}

/* Fire every timer that is due, earliest first (ties in the order they were made). */
ctl fire_due(interp *I)
{
    if (I->in_timer) return CTL_OK;
    for (;;) {
        timer *t = timer_next(I);
        if (!t) return CTL_OK;
        if (I->replaying ? !replay_allows(I, t) : t->due > clock_now() + 1e-9) return CTL_OK;
        if (t->kind == TM_RUNG && I->inc.resolved_at >= 0) {
            t->dead = 1;   /* escalations stop when the incident is resolved */
            continue;
        }
        I->in_timer = 1;
        prompt_pause(I->prompts);
        ctl c = t->kind == TM_RUNG ? fire_rung(I, t) : t->kind == TM_EVERY ? fire_every(I, t) : fire_deadline(I, t);
        prompt_resume(I->prompts);
        I->in_timer = 0;
        if (c == CTL_STOP) return c;
    }
}

/*
 * Let time pass until `until`: on the virtual clock, jump from timer to timer; on the
 * real clock, sleep in poll() and fire timers as they come due.  With a terminal and
 * show_left, a countdown is kept on one line and Enter cuts the wait short (*cut = 1).
 */
ctl pass_time(interp *I, double until, int show_left, int *cut)
{
    if (cut) *cut = 0;
    if (I->replaying) {
        /* the wait happened then: its firings come from the record, its end too */
        ctl c = fire_due(I);
        if (c != CTL_OK || !I->replaying || rec_next(I)) return c;
        /* the run stopped during this wait */
        if (I->o->verify) {
            I->exit_code = 0;
            return CTL_STOP;
        }
        if ((c = record_exhausted(I)) != CTL_OK) return c;
    }
    if (clock_is_virtual()) {
        for (;;) {
            double nd = next_due(I);
            if (nd < 0 || nd > until) break;
            clock_advance(nd);
            ctl c = fire_due(I);
            if (c != CTL_OK) return c;
        }
        clock_advance(until);
        return fire_due(I);
    }
    int tty = show_left && isatty(0) && isatty(1);
    int shown = -1;
    for (;;) {
        double now = clock_now();
        if (now >= until) break;
        if (eval_interrupted) {
            I->exit_code = 130;
            return CTL_STOP;
        }
        if (tty && (int)(until - now) != shown) {
            shown = (int)(until - now);
            printf("\r  … %d:%02d left (Enter to cut short) ", shown / 60, shown % 60);
            fflush(stdout);
        }
        double wake = until, nd = next_due(I);
        if (nd >= 0 && nd < wake) wake = nd;
        int ms = (int)((wake - now) * 1000) + 1;
        if (tty && ms > 250) ms = 250;
        if (ms > 1000) ms = 1000;
        struct pollfd pfd = {0, POLLIN, 0};
        int r = poll(&pfd, tty ? 1 : 0, ms < 0 ? 0 : ms);
        if (r > 0 && (pfd.revents & POLLIN)) {
            char line[256];
            ssize_t n = read(0, line, sizeof line);
            if (n > 0 && cut) {
                *cut = 1;
                break;
            }
        }
        if (tty && shown >= 0 && nd >= 0 && nd <= clock_now()) printf("\r%*s\r", 50, "");
        ctl c = fire_due(I);
        if (c != CTL_OK) return c;
    }
    if (tty && shown >= 0) printf("\r%*s\r", 50, "");
    fflush(stdout);
    return fire_due(I);
}

/* prompt hooks: wait for the responder while the clock runs. */
int hook_wait_readable(void *ctx, int fd)
{
    interp *I = ctx;
    for (;;) {
        if (eval_interrupted) return -1;
        int ms = 1000;
        if (!clock_is_virtual()) {
            double nd = next_due(I);
            if (nd >= 0) {
                double left = (nd - clock_now()) * 1000;
                ms = left < 0 ? 0 : left > 1000 ? 1000 : (int)left + 1;
            }
        }
        struct pollfd pfd = {fd, POLLIN, 0};
        int r = poll(&pfd, 1, ms);
        if (r > 0) return 0;
        if (!clock_is_virtual() && fire_due(I) == CTL_STOP) return -1;
    }
}

/* A scripted answer arrives secs after its prompt was asked (I->asked_at): a resumed run
 * whose record ends during the delay waits only for what is left of it. */
int hook_delay(void *ctx, double secs)
{
    interp *I = ctx;
    return pass_time(I, I->asked_at + secs, 0, NULL) == CTL_OK ? 0 : -1;
}

/* Bring the next rung of every running ladder forward to now (an approval that timed out
 * escalates at once); fire_due() then fires them. */
void escalate_now(interp *I)
{
    double now = clock_now();
    for (int i = 0; i < I->ntimers; i++) {
        timer *t = &I->timers[i];
        if (t->dead || t->kind != TM_RUNG || t->due <= now) continue;
        timer *first = t;
        for (int j = 0; j < I->ntimers; j++) {
            timer *u = &I->timers[j];
            if (!u->dead && u->kind == TM_RUNG && u->ladder == t->ladder && u->due > now && u->due < first->due)
                first = u;
        }
        if (first == t) t->due = now;
    }
}
