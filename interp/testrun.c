/*
 * testrun.c — one `runbook test` test: its body runs as runbook statements in a run of its
 * own (the test file's globals), where answer(), stub_…(), start_clock(), set_env() set the
 * scene and run_runbook() runs the runbook under test on the virtual clock with the stubs
 * standing in for the doors.  The evaluator's hooks land here: test_event() keeps the
 * trace of the run (every event with the runbook line it came from), test_block() and
 * test_answered() count the decisions taken (coverage.c lists them).
 *
 * Never: fork, print the test's verdict (testcmd.c does), or act through a door itself.
 */
#include <limits.h>
#include "front.h"
#include "test.h"

#define TRACE_MAX 20000       /* events of one run: more is a loop (a goto cycle): stop it */
#define DEFAULT_START "2026-01-01T00:00:00Z"

void test_fail(rb_test *T, const char *where, const char *fmt, ...)
{
    rb_buf b;
    buf_init(&b);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    json_array_append_new(T->failures, json_pack("{s:s, s:s?}", "message", buf_cstr(&b), "where", where));
    buf_free(&b);
}

/* ------------------------------------------------------------------ decision hits */

static size_t hit_slot(rb_test *T, const void *node, int tag)
{
    size_t h = ((size_t)(uintptr_t)node >> 4) * 31u + (size_t)tag;
    size_t m = T->caphits - 1, i = h & m;
    while (T->hits[i].node && !(T->hits[i].node == node && T->hits[i].tag == tag)) i = (i + 1) & m;
    return i;
}

hit *test_hit_find(rb_test *T, const void *node, int tag)
{
    if (!T->caphits) return NULL;
    hit *x = &T->hits[hit_slot(T, node, tag)];
    return x->node ? x : NULL;
}

static void hit_add(rb_test *T, const void *node, int tag)
{
    if (!node) return;
    if (2 * (T->nhits + 1) > T->caphits) {
        hit *old = T->hits;
        size_t oldcap = T->caphits;
        T->caphits = oldcap ? oldcap * 2 : 256;
        T->hits = rb_xcalloc(T->caphits, sizeof *T->hits);
        for (size_t i = 0; i < oldcap; i++)
            if (old[i].node) T->hits[hit_slot(T, old[i].node, old[i].tag)] = old[i];
        rb_free(old);
    }
    hit *x = &T->hits[hit_slot(T, node, tag)];
    if (!x->node) {
        x->node = node;
        x->tag = tag;
        T->nhits++;
    }
    x->count++;
}

void test_block(interp *I, const rb_node *block, int tag)
{
    rb_test *T = I->o->test;
    if (T->running) hit_add(T, block, tag);
}

void test_answered(interp *I, const rb_node *at, const prompt_req *q, const char *answer)
{
    rb_test *T = I->o->test;
    if (!T->running) return;
    if (q->kind == PK_CONFIRM) hit_add(T, at, strcmp(answer, "yes") == 0 ? 1 : 2);
    if (q->kind != PK_CHOOSE || at->kind != N_CHOOSE || !T->nev || strcmp(T->ev[T->nev - 1].kind, "answer") != 0) return;
    /* the arm the answer picks, for the failure messages ("decided at … the arm at line N") */
    for (const rb_node *arm = at->b; arm; arm = arm->next)
        if (arm->a && arm->a->kind == N_STR && strcmp(arm->a->str, answer) == 0 && T->ev[T->nev - 1].data)
            json_object_set_new(T->ev[T->nev - 1].data, "arm_line", json_integer(arm->loc.line));
}

/* ------------------------------------------------------------------ the trace */

/* The rung an escalation event reports, found among the timers by ladder and due time. */
static const rb_node *firing_rung(interp *I, json_t *data)
{
    const char *name = ev_str(data, "name"), *sched = ev_str(data, "scheduled");
    for (int i = 0; i < I->ntimers; i++) {
        timer *t = &I->timers[i];
        char due[40];
        clock_iso(t->due, due, sizeof due);
        if (t->kind == TM_RUNG && !t->dead && strcmp(ladder_name(t), name) == 0 && strcmp(due, sched) == 0) return t->node;
    }
    return NULL;
}

static void merge_coverage(rb_test *T, const ast_file *f);

void test_event(interp *I, const char *kind, const char *text, json_t *data)
{
    rb_test *T = I->o->test;
    if (!T->running) return;
    if (strcmp(kind, "run.end") == 0)   /* runbooks run by `run` live until the run is freed */
        for (int i = 0; i < I->nsubs; i++) merge_coverage(T, I->subs[i]);
    if (T->nev >= TRACE_MAX) {
        if (!T->overflow++) {
            test_fail(T, NULL, "the run went on for more than %d events (a goto loop?): stopped", TRACE_MAX);
            eval_interrupt();
        }
        return;
    }
    if (T->stop_at && strcmp(kind, "step.start") == 0 && strcmp(ev_str(data, "id"), T->stop_at) == 0)
        eval_interrupt();   /* the run stops there, as after Ctrl-C (status interrupted) */
    const char *file = I->cur_file ? I->cur_file->src.name : I->o->path;
    int line = I->cur_node ? I->cur_node->loc.line : 0;
    if (strncmp(kind, "escalation", 10) == 0) {
        const rb_node *r = firing_rung(I, data);
        T->timer_file = file = I->file->src.name;
        T->timer_line = line = r ? r->loc.line : 0;
    } else if (I->in_timer && T->timer_line) {
        file = T->timer_file;
        line = T->timer_line;
    } else if (!I->in_timer) {
        T->timer_line = 0;
    }
    if (T->nev == T->capev) {
        T->capev = T->capev ? T->capev * 2 : 256;
        T->ev = rb_xrealloc(T->ev, (size_t)T->capev * sizeof *T->ev);
    }
    T->ev[T->nev++] = (tevent){rb_xstrdup(kind), rb_xstrdup(text ? text : ""), I->step_id ? rb_xstrdup(I->step_id) : NULL,
                               rb_xstrdup(file ? file : ""), line, clock_now(), data ? json_incref(data) : NULL};
}

static void trace_free(rb_test *T)
{
    for (int i = 0; i < T->nev; i++) {
        tevent *e = &T->ev[i];
        rb_free(e->kind);
        rb_free(e->text);
        rb_free(e->step);
        rb_free(e->file);
        json_decref(e->data);
    }
    rb_free(T->ev);
    T->ev = NULL;
    T->nev = T->capev = T->overflow = 0;
}

/* ------------------------------------------------------------------ the run's result */

/* "[sent] page to WHO (CHANNEL)", "[undelivered] message to WHO (REASON): TEXT", … */
static json_t *notification(const tevent *e, double start)
{
    static const char *const marks[] = {"[sent] ", "[undelivered] ", "[dry-run] "};
    const char *p = e->text;
    int m = -1;
    for (int i = 0; i < 3; i++)
        if (strncmp(p, marks[i], strlen(marks[i])) == 0) m = i;
    if (m < 0) return NULL;
    p += strlen(marks[m]);
    const char *to = strstr(p, " to ");
    if (!to) return NULL;
    const char *what = strncmp(p, "page", 4) == 0 ? "page" : strncmp(p, "message", 7) == 0 ? "message" : "status";
    to += 4;
    const char *paren = strstr(to, " (");
    if (!paren) return NULL;
    const char *close = strchr(paren, ')');
    char *who = rb_xstrndup(to, (size_t)(paren - to));
    char *how = rb_xstrndup(paren + 2, close ? (size_t)(close - paren - 2) : 0);
    json_t *n = json_pack("{s:s, s:s, s:s, s:b, s:i, s:f, s:s?, s:s, s:i}", "kind", what, "to", who,
                          m == 0 ? "channel" : "reason", how, "delivered", m == 0, "minute", (int)((e->t - start) / 60),
                          "at_s", e->t - start, "step", e->step, "file", e->file, "line", e->line);
    rb_free(who);
    rb_free(how);
    return n;
}

static json_t *result_json(rb_test *T, int rc)
{
    json_t *steps = json_array(), *cmds = json_array(), *reqs = json_array(), *notes = json_array(), *answers = json_array();
    json_t *inc = json_pack("{s:b, s:b, s:s}", "acknowledged", 0, "resolved", 0, "status", "investigating");
    int started = 0;
    const char *status = "interrupted";
    double start = T->nev ? T->ev[0].t : clock_now(), end = start;
    for (int i = 0; i < T->nev; i++) {
        tevent *e = &T->ev[i];
        json_t *d = e->data;
        end = e->t;
        if (strcmp(e->kind, "step.start") == 0) json_array_append_new(steps, json_string(ev_str(d, "id")));
        else if (strcmp(e->kind, "sh.start") == 0) json_array_append_new(cmds, json_string(ev_str(d, "command")));
        else if (strcmp(e->kind, "http.request") == 0) json_array_append_new(reqs, json_string(e->text));
        else if (strcmp(e->kind, "answer") == 0)
            json_array_append_new(answers, json_pack("{s:s, s:s, s:i}", "question", ev_str(d, "question"), "answer",
                                                     ev_str(d, "answer"), "minute", (int)((e->t - start) / 60)));
        else if (strcmp(e->kind, "note") == 0) {
            json_t *n = notification(e, start);
            if (n) json_array_append_new(notes, n);
        } else if (strcmp(e->kind, "state") == 0) {
            const char *f = ev_str(d, "field");
            json_t *to = json_object_get(d, "to");
            json_object_set(inc, f, to ? to : json_null());
        } else if (strcmp(e->kind, "run.start") == 0 && !started++) {
            json_object_set(inc, "severity", json_object_get(d, "severity"));
            json_object_set(inc, "id", json_object_get(d, "incident"));
        } else if (strcmp(e->kind, "run.end") == 0) {
            status = ev_str(d, "status");
        }
    }
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:s, s:i, s:o, s:f}", "steps", steps, "commands", cmds, "requests", reqs,
                     "notifications", notes, "answers", answers, "status", status, "exit", rc, "incident", inc,
                     "minutes", (end - start) / 60);
}

/* ------------------------------------------------------------------ run_runbook */

/* A scripted answer the run never asked for means the test and the runbook disagree (a
 * prompt removed or reworded, a branch no longer taken): it fails the test. */
static void unused_answers(rb_test *T)
{
    const char *k;
    json_t *list;
    json_object_foreach(T->answers, k, list) {
        size_t used = 0;
        for (int i = 0; i < T->nev; i++) {
            json_t *d = T->ev[i].data;
            int answer = strcmp(T->ev[i].kind, "answer") == 0 || strcmp(T->ev[i].kind, "approval") == 0;
            if (answer && strcmp(ev_str(d, "source"), "answers") == 0 &&
                (strcmp(ev_str(d, "key"), k) == 0 || strcmp(ev_str(d, "question"), k) == 0))
                used++;
        }
        if (used < json_array_size(list))
            test_fail(T, NULL, "a scripted answer was never asked for: \"%s\" → %s (%zu of %zu used)", k,
                      json_string_value(json_object_get(json_array_get(list, used), "answer")), used,
                      json_array_size(list));
    }
}

static const char *test_dir_path(interp *I, const char *rel, rb_buf *b)
{
    buf_reset(b);
    if (rel[0] == '/') {
        buf_adds(b, rel);
        return buf_cstr(b);
    }
    const char *tf = I->o->test->file, *slash = strrchr(tf, '/');
    if (slash) buf_addn(b, tf, (size_t)(slash - tf + 1));
    buf_adds(b, rel);
    return buf_cstr(b);
}

static void merge_coverage(rb_test *T, const ast_file *f)
{
    char *real = realpath(f->src.name, NULL);
    const char *key = real ? real : f->src.name;
    json_t *items = coverage_items(f, T);
    coverage_merge(T->coverage, key, items);
    json_decref(items);
    free(real);
}

static ctl run_runbook(interp *I, rb_test *T, const rb_node *call, argv_ *A, value *out)
{
    if (A->npos < 1 || A->pos[0].t != V_STR) return rt_error(I, call, "run_runbook() needs the runbook's path");
    if (A->npos > 1 && A->pos[1].t != V_MAP) return rt_error(I, call, "run_runbook(path, {params}): the params are a map");
    rb_buf p;
    buf_init(&p);
    const char *path = arena_strdup(&I->mem, test_dir_path(I, A->pos[0].u.s->s, &p));
    buf_free(&p);
    module_set ms;
    module_set_init(&ms);
    ast_file *f = front_load(path, &ms);
    if (!f) {
        module_set_free(&ms);
        if (access(path, R_OK) != 0) return rt_error(I, call, "cannot read %s: %s", path, strerror(errno));
        return rt_error(I, call, "%s does not parse or check (runbook lint %s; --verbose shows the errors)", path, path);
    }
    int np = A->npos > 1 ? A->pos[1].u.m->n : 0;
    const char **sets = arena_alloc(&I->mem, (size_t)(np + 1) * sizeof *sets);
    for (int i = 0; i < np; i++) {
        rb_buf s;
        buf_init(&s);
        buf_printf(&s, "%s=", A->pos[1].u.m->items[i].key->s);
        value_text(&s, A->pos[1].u.m->items[i].v);
        sets[i] = arena_strdup(&I->mem, buf_cstr(&s));
        buf_free(&s);
    }
    sets[np] = NULL;
    exec_opts o;
    memset(&o, 0, sizeof o);
    o.path = path;
    o.sets = sets;
    o.answers = T->answers;
    o.rec = I->rec;
    o.mode = "test";
    o.test = T;
    o.incident = opt_str(I, A, "incident");
    o.start_at = opt_str(I, A, "start_at");
    T->stop_at = opt_str(I, A, "stop_at");
    clock_use_virtual(T->clock_start > 0 ? T->clock_start : clock_parse_iso(DEFAULT_START));
    trace_free(T);
    rb_free(T->hits);
    T->hits = NULL;
    T->nhits = T->caphits = 0;
    T->runbook = f;
    T->running = 1;
    printf("--- run_runbook(\"%s\") ---\n", path);
    int rc = eval_run(f, &ms, &o);
    T->running = 0;
    if (!T->stop_at) unused_answers(T);   /* a run stopped on purpose leaves the rest unasked */
    T->stop_at = NULL;
    eval_clear_interrupt();
    fflush(stdout);
    for (int i = 0; i < T->nev; i++)
        if (strcmp(T->ev[i].kind, "error") == 0 && strcmp(ev_str(T->ev[i].data, "reason"), "no answer") == 0) {
            char w[PATH_MAX + 32];
            snprintf(w, sizeof w, "%s:%d", T->ev[i].file, T->ev[i].line);
            test_fail(T, w, "a prompt had no scripted answer: \"%s\"\n    (add answer(\"%s\", …))",
                      ev_str(T->ev[i].data, "question"), ev_str(T->ev[i].data, "question"));
        }
    merge_coverage(T, f);
    json_t *r = result_json(T, rc);
    *out = value_from_json(&I->mem, r);
    json_decref(r);
    T->runbook = NULL;
    ast_file_free(f);
    module_set_free(&ms);
    return CTL_OK;
}

/* ------------------------------------------------------------------ the builtins */

static ctl add_answer(interp *I, rb_test *T, const rb_node *call, argv_ *A)
{
    if (A->npos < 2 || A->pos[0].t != V_STR) return rt_error(I, call, "answer() needs a prompt (or key) and an answer");
    rb_buf a;
    buf_init(&a);
    value v = A->pos[1];
    if (v.t == V_BOOL) buf_adds(&a, v.u.b ? "yes" : "no");
    else value_text(&a, v);
    json_t *one = json_pack("{s:s}", "answer", buf_cstr(&a));
    buf_free(&a);
    /* an approval's approver and reason (see approve.c) */
    static const char *const extra[] = {"by", "reason"};
    for (int i = 0; i < 2; i++) {
        value *x = named(A, extra[i]);
        if (x && x->t == V_STR) json_object_set_new(one, extra[i], json_string(x->u.s->s));
    }
    value *after = named(A, "after");
    if (after && (after->t == V_DUR || after->t == V_NUM)) json_object_set_new(one, "after", json_real(after->u.n));
    const char *key = A->pos[0].u.s->s;
    json_t *list = json_object_get(T->answers, key);
    if (!list) json_object_set_new(T->answers, key, list = json_array());
    json_array_append_new(list, one);
    return CTL_OK;
}

static const char *const test_names[] = {"answer", "stub_sh", "stub_http", "stub_mail", "allow_sh", "allow_http",
                                         "start_clock", "set_env", "run_runbook", NULL};

int test_call(interp *I, const char *name, const rb_node *call, argv_ *A, value *out, ctl *c)
{
    int known = strncmp(name, "expect", 6) == 0;
    for (int i = 0; !known && test_names[i]; i++) known = strcmp(name, test_names[i]) == 0;
    if (!known || !builtin_find(name)) return 0;
    rb_test *T = I->o->test;
    if (!T || T->running) {
        *c = rt_error(I, call, "%s() is for tests: write it inside test \"name\" { … } in a *.test.rb file", name);
        return 1;
    }
    *c = CTL_OK;
    if (strcmp(name, "answer") == 0) *c = add_answer(I, T, call, A);
    else if (strcmp(name, "run_runbook") == 0) *c = run_runbook(I, T, call, A, out);
    else if (strcmp(name, "start_clock") == 0) {
        double t = A->npos && A->pos[0].t == V_STR ? clock_parse_iso(A->pos[0].u.s->s) : A->npos && A->pos[0].t == V_TIME ? A->pos[0].u.n : -1;
        if (t < 0) *c = rt_error(I, call, "start_clock() needs an ISO-8601 time like 2026-01-01T03:00:00Z");
        else T->clock_start = t;
    } else if (strcmp(name, "set_env") == 0) {
        if (A->npos < 2 || A->pos[0].t != V_STR) return (*c = rt_error(I, call, "set_env(name, value)")), 1;
        rb_buf v;
        buf_init(&v);
        value_text(&v, A->pos[1]);
        setenv(A->pos[0].u.s->s, buf_cstr(&v), 1);   /* this test's own process (testcmd.c forks one per test) */
        buf_free(&v);
    } else if (!stub_add(I, T, name, call, A, c)) {
        expect_call(I, T, name, call, A, c);
    }
    return 1;
}

/* ------------------------------------------------------------------ one test */

/*
 * Run test t of the test file tf (already checked) with the record in db.  Returns
 * {"name", "line", "ok", "failures": [{message, where}], "coverage": {...}}.
 */
json_t *test_run_one(ast_file *tf, const rb_node *t, const char *db)
{
    rb_test T;
    memset(&T, 0, sizeof T);
    T.file = tf->src.name;
    T.name = t->str ? t->str : "(unnamed)";
    T.answers = json_object();
    T.failures = json_array();
    T.coverage = json_object();
    char *err = NULL;
    recorder *rec = rec_open(db, &err);
    if (!rec) {
        test_fail(&T, NULL, "cannot open the test's record %s: %s", db, err ? err : "?");
        rb_free(err);
    } else {
        clock_use_virtual(clock_parse_iso(DEFAULT_START));
        module_set ms;
        module_set_init(&ms);
        exec_opts o;
        memset(&o, 0, sizeof o);
        o.path = tf->src.name;
        o.rec = rec;
        o.mode = "test";
        o.incident = "TEST";   /* the test's own run takes no incident number from the runbook's */
        o.test = &T;
        interp I;
        interp_init(&I, tf, &ms, &o);
        ctl c = run_begin(&I);
        I.cur_file = tf;
        if (c == CTL_OK) c = exec_block(&I, I.globals, t->a);
        if (c == CTL_FAIL || c == CTL_ABORT) {
            char w[PATH_MAX + 32];
            snprintf(w, sizeof w, "%s:%d:%d", I.err_file ? I.err_file : tf->src.name, I.err_loc.line, I.err_loc.col);
            test_fail(&T, w, "%s", buf_cstr(&I.err));
        } else if (c == CTL_STOP) {
            test_fail(&T, NULL, "the test stopped (exit %d)", I.exit_code);
        }
        stubs_free(&T);   /* before the arena that holds the table */
        interp_free(&I);
        module_set_free(&ms);
        rec_close(rec);
    }
    json_t *res = json_pack("{s:s, s:i, s:b, s:o, s:o}", "name", T.name, "line", t->loc.line, "ok",
                            json_array_size(T.failures) == 0, "failures", T.failures, "coverage", T.coverage);
    trace_free(&T);
    rb_free(T.hits);
    json_decref(T.answers);
    return res;
}
