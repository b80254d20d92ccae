/*
 * run.c — a run's life: set-up, the run row and run.start, the header's timers,
 * nested `run "other.rb"`, run.end and the exit status; eval_run() and Ctrl-C.
 *
 * Never: act before the run is recorded.
 */
#include "interp.h"
#include "ssh.h"
#include "cli.h"

volatile sig_atomic_t eval_interrupted;

void eval_interrupt(void) { eval_interrupted = 1; }
void eval_clear_interrupt(void) { eval_interrupted = 0; }

static const rb_node *header_of(const ast_file *f)
{
    for (const rb_node *d = f->root->a; d; d = d->next)
        if (d->kind == N_HEADER) return d;
    return NULL;
}

static const rb_node *hfield(const rb_node *h, const char *name)
{
    for (const rb_node *x = h ? h->a : NULL; x; x = x->next)
        if (strcmp(x->str, name) == 0) return x->a;
    return NULL;
}

/*
 * The incident-wide timers: top-level escalation ladders and `every` timers (relative to
 * the incident's start) and the header's response and resolution targets.
 */
static ctl start_run_timers(interp *I, const rb_node *h, int owner)
{
    double t0 = I->inc.started_at;
    ctl c = CTL_OK;
    for (const rb_node *d = I->file->root->a; c == CTL_OK && d; d = d->next) {
        if (d->kind == N_ESCALATION) c = start_escalation(I, d, I->globals, t0, owner);
        else if (d->kind == N_EVERY) c = start_every(I, d, I->globals, clock_now(), owner);
    }
    for (const rb_node *x = owner ? NULL : h ? h->a : NULL; c == CTL_OK && x; x = x->next) {
        if (!x->num) continue;   /* only "respond within" / "resolve within" */
        double within = dur_of(I, I->globals, x->a);
        if (within > 0 && (strcmp(x->str, "respond") == 0 || strcmp(x->str, "resolve") == 0))
            deadline_add(I, x->str, NULL, within, t0, 0, x);
    }
    return c == CTL_OK ? fire_due(I) : c;
}

#define MAX_RUN_DEPTH 8

/*
 * `run "other.rb" with {…}`: another runbook inside this run.  It shares the incident, the
 * record and the responder; it has its own globals, params (from the with-map, else their
 * defaults, else asked), steps and timers (which end when it ends).  Its escalation rungs
 * are measured from the incident's start, like every ladder.  A failed or aborted inner
 * runbook fails the step that ran it.
 */
ctl exec_run(interp *I, scope *sc, const rb_node *n)
{
    value path, with = v_nil();
    ctl c = eval(I, sc, n->a, &path);
    if (c == CTL_OK && n->b) c = eval(I, sc, n->b, &with);
    if (c != CTL_OK) return c;
    if (path.t != V_STR) return rt_error(I, n->a, "run takes the path of a runbook");
    if (n->b && with.t != V_MAP) return rt_error(I, n->b, "run … with takes a map of params");
    if (I->run_depth >= MAX_RUN_DEPTH) return rt_error(I, n, "runbooks run each other too deeply (more than %d)", MAX_RUN_DEPTH);
    rb_buf full;
    buf_init(&full);
    const char *from = I->cur_file->src.name, *slash = strrchr(from, '/');
    if (path.u.s->s[0] != '/' && slash) buf_addn(&full, from, (size_t)(slash - from + 1));
    buf_adds(&full, path.u.s->s);
    diag_list d;
    diag_init(&d);
    ast_file *f = parse_file(buf_cstr(&full), &d);
    if (f && d.syntax_errors == 0 && f->root) check_file(f, I->ms, &d);
    if (!f || d.errors || !f->root || f->is_module) {
        for (int i = 0; i < d.n; i++)
            if (d.items[i].level == DIAG_ERROR) diag_print(&d.items[i], stderr, 0);
        if (!f) c = rt_error(I, n, "cannot read runbook %s: %s", buf_cstr(&full), rb_read_error());
        else c = rt_error(I, n, f->is_module ? "%s is a module, not a runbook" : "runbook %s does not check",
                          buf_cstr(&full));
        diag_free(&d);
        ast_file_free(f);
        buf_free(&full);
        return c;
    }
    diag_free(&d);
    /* The inner runbook lives as long as the run: its nodes may sit in timers and values. */
    if (I->nsubs == I->capsubs) {
        I->capsubs = I->capsubs ? I->capsubs * 2 : 4;
        I->subs = rb_xrealloc(I->subs, (size_t)I->capsubs * sizeof *I->subs);
    }
    I->subs[I->nsubs++] = f;

    /* Save what belongs to the outer runbook, run the inner one, restore. */
    ast_file *o_file = I->file;
    const ast_file *o_cur = I->cur_file;
    scope *o_globals = I->globals;
    step_ref *o_steps = I->steps;
    int o_nsteps = I->nsteps, o_owner = I->step_owner;
    const char *o_step = I->step_id;
    double o_started = I->step_started, o_deadline = I->step_deadline;

    I->file = f;
    I->cur_file = f;
    I->globals = scope_new(I, NULL);
    I->steps = NULL;
    I->nsteps = 0;
    I->run_depth++;
    collect_steps(I, f->root);
    const rb_node *h = NULL;
    for (const rb_node *x = f->root->a; x; x = x->next)
        if (x->kind == N_HEADER) h = x;
    const char *title = h && h->str ? h->str : buf_cstr(&full);
    say(I, "\n=== Running %s (%s)", title, buf_cstr(&full));
    c = emit(I, "runbook.start", title, json_pack("{s:s, s:s}", "runbook", buf_cstr(&full), "title", title));
    int owner = ++I->next_owner;
    param_ctx pc = {NULL, n->b ? with : v_map(&I->mem, 1), v_nil()};
    if (c == CTL_OK) c = define_globals(I, f, I->globals, &pc);
    if (c == CTL_OK) c = start_run_timers(I, h, owner);
    const char *status = "finished";
    if (c == CTL_OK) c = run_steps(I, 0, &status);
    timers_end_owner(I, owner);
    I->run_depth--;
    if (c == CTL_OK) c = emit(I, "runbook.end", status, json_pack("{s:s, s:s}", "runbook", buf_cstr(&full), "status", status));
    say(I, "=== %s: %s\n", title, status);

    I->file = o_file;
    I->cur_file = o_cur;
    I->globals = o_globals;
    I->steps = o_steps;
    I->nsteps = o_nsteps;
    I->step_owner = o_owner;
    I->step_id = o_step;
    I->step_started = o_started;
    I->step_deadline = o_deadline;
    if (c == CTL_OK && strcmp(status, "finished") != 0)
        c = rt_error(I, n, "runbook %s %s", buf_cstr(&full), status);
    buf_free(&full);
    return c;
}

/* Set up an interpreter for file f (its steps, incident, prompter). */
void interp_init(interp *I, ast_file *f, module_set *ms, const exec_opts *o)
{
    memset(I, 0, sizeof *I);
    arena_init(&I->mem);
    buf_init(&I->err);
    buf_init(&I->poll_last);
    I->o = o;
    I->color = cli_color(1);
    I->color_err = cli_color(2);
    I->file = f;
    I->cur_file = f;
    I->ms = ms;
    I->rec = o->rec;
    I->step_deadline = -1;
    I->globals = scope_new(I, NULL);
    prompt_hooks hooks = {hook_wait_readable, hook_delay, I};
    I->prompts = prompter_new(o->answers, o->auto_mode, &hooks);
    I->inc.status = "investigating";
    I->inc.acknowledged_at = I->inc.resolved_at = -1;
    I->inc.roles = v_map(&I->mem, 4);
    I->inc.severity = v_sev(3);
    collect_steps(I, f->root);
    const rb_node *h = header_of(f);
    I->inc.title = h && h->str ? h->str : o->path;
    const rb_node *sev = hfield(h, "severity");
    if (sev && sev->kind == N_SEV) I->inc.severity = v_sev((int)sev->num);
}

void interp_free(interp *I)
{
    journal_close(I);
    ssh_close(I->ssh);
    json_decref(I->approvals_used);
    prompter_free(I->prompts);
    for (int i = 0; i < I->nsubs; i++) ast_file_free(I->subs[i]);
    rb_free(I->subs);
    arena_free(&I->mem);
    buf_free(&I->err);
    buf_free(&I->poll_last);
}

/*
 * Start the run: its row in the record (or, replaying, the recorded one), run.start, the
 * globals and params in source order, and the incident-wide timers.  Returns CTL_OK, or
 * CTL_STOP with I->exit_code set (2: the runbook failed before its first step; 3: the
 * record cannot be written).
 */
ctl run_begin(interp *I)
{
    const exec_opts *o = I->o;
    ast_file *f = I->file;
    const rb_node *h = header_of(f);
    const rb_node *rw = hfield(h, "respond"), *sw = hfield(h, "resolve");
    char sevtxt[8];
    snprintf(sevtxt, sizeof sevtxt, "P%d", (int)I->inc.severity.u.n);
    json_t *params = json_object();
    char *incident = NULL;
    value stored = v_nil();
    if (o->replay) {
        /* Replaying a recorded run: its clock restarts at its start, its row already exists. */
        I->run_id = o->resume_run;
        if (journal_open(I, !o->verify) != 0) {
            json_decref(params);
            I->exit_code = 3;
            I->no_run = 1;
            return CTL_STOP;
        }
        I->replaying = 1;
        I->inc.started_at = clock_parse_iso(json_string_value(json_object_get(o->replay_run, "started_at")));
        clock_use_virtual(I->inc.started_at);
        incident = rb_xstrdup(json_string_value(json_object_get(o->replay_run, "incident")));
        json_t *jp = json_object_get(o->replay_run, "params");
        stored = json_is_object(jp) ? value_from_json(&I->mem, jp) : v_map(&I->mem, 1);
    } else {
        I->inc.started_at = clock_now();
    }
    rec_run_info info = {o->path, f->text, I->inc.title, sevtxt, o->incident,
                         clock_is_virtual() ? "virtual" : "real", o->mode, params,
                         I->inc.started_at, rw && rw->kind == N_DUR ? rw->num : -1,
                         sw && sw->kind == N_DUR ? sw->num : -1};
    if (!o->replay && rec_run_start(I->rec, &info, &I->run_id, &incident) != 0) {
        fprintf(stderr, "runbook: cannot record the run: %s\n", rec_error(I->rec));
        json_decref(params);
        I->exit_code = 3;
        I->no_run = 1;
        return CTL_STOP;
    }
    I->inc.id = arena_strdup(&I->mem, o->incident ? o->incident : incident);
    rb_free(incident);
    say(I, "runbook: %s — incident %s, run %lld%s", I->inc.title, I->inc.id, (long long)I->run_id,
        o->verify ? " (verifying against the record)" : o->replay ? " (resuming: replaying the record)"
        : o->dry_run ? " (dry run)" : o->drill ? " (drill: notifications are logged, not sent)" : "");
    json_t *sd = json_pack("{s:s, s:s, s:s, s:b, s:b}", "runbook", o->path, "incident", I->inc.id, "severity", sevtxt,
                           "dry_run", o->dry_run, "auto", o->auto_mode);
    if (o->drill) json_object_set_new(sd, "drill", json_true());
    ctl c = emit(I, "run.start", I->inc.title, sd);
    param_ctx pc = {params, v_nil(), o->replay ? stored : v_nil()};
    if (c == CTL_OK) c = define_globals(I, f, I->globals, &pc);
    if (c == CTL_OK && json_object_size(params)) {
        if (!o->replay && rec_run_set_params(I->rec, I->run_id, params) != 0) {
            fprintf(stderr, "runbook: cannot record the params: %s\n", rec_error(I->rec));
            I->exit_code = 3;
            c = CTL_STOP;
        } else {
            c = emit(I, "params", "parameters", json_deep_copy(params));
        }
    }
    json_decref(params);
    if (c == CTL_OK) c = start_run_timers(I, h, 0);
    if (c == CTL_FAIL || c == CTL_ABORT) {
        report_error(I, "error");
        I->exit_code = 2;
        I->begin_failed = 1;
        return CTL_STOP;
    }
    return c;
}

/* End the run: run.end and the run row's status (verify: check the record ended too).
 * Returns the process exit status. */
int run_finish(interp *I, ctl c, const char *status)
{
    const exec_opts *o = I->o;
    if (I->no_run) return I->exit_code;
    if (I->begin_failed) status = "failed";
    else if (c == CTL_STOP) status = I->exit_code == 3 ? "failed" : "interrupted";
    int code = c == CTL_STOP ? I->exit_code : I->exit_code ? I->exit_code : strcmp(status, "finished") == 0 ? 0 : 1;
    if (o->verify) {
        /* verify: the run's end must be the record's end too */
        if (c != CTL_STOP) {
            I->step_id = NULL;
            rb_buf t;
            buf_init(&t);
            buf_printf(&t, "run %s", status);
            ctl e = emit(I, "run.end", buf_cstr(&t), NULL);
            buf_free(&t);
            code = e == CTL_OK && !rec_at(I, I->rpos) ? 0
                 : e == CTL_OK ? (diverged(I, "run.end", "the runbook ends here"), 1) : I->exit_code;
        }
        if (I->record_failed) code = 3;
        if (code == 0)
            printf("verified: the runbook takes the recorded path (%zu of %zu events reproduced)\n", I->rpos,
                   rec_count(I));
    } else if (I->exit_code != 3 && !(c == CTL_STOP && I->exit_code == 2 && o->replay && !I->begin_failed)) {
        I->step_id = NULL;
        rb_buf t;
        buf_init(&t);
        buf_printf(&t, "run %s", status);
        if (emit(I, "run.end", buf_cstr(&t), json_pack("{s:s, s:i}", "status", status, "exit", code)) != CTL_OK ||
            rec_run_end(I->rec, I->run_id, status, clock_now()) != 0)
            code = 3;
        buf_free(&t);
        say(I, "\nrun %lld %s (incident %s)", (long long)I->run_id, status, I->inc.id);
        if (strcmp(status, "interrupted") == 0 && !o->verify_quiet) {
            /* the exact command that picks it up again */
            rb_buf cmd;
            buf_init(&cmd);
            buf_printf(&cmd, "runbook resume %lld", (long long)I->run_id);
            if (o->db_path) {
                char *abs = realpath(o->db_path, NULL);   /* so it works from any directory */
                buf_adds(&cmd, " --db ");
                sh_quote(&cmd, abs ? abs : o->db_path);
                free(abs);
            }
            fprintf(stderr, "%sto continue: %s%s\n", hue_err(I, HUE_BOLD), buf_cstr(&cmd), hue_err(I, HUE_OFF));
            buf_free(&cmd);
        }
    }
    return code;
}

int eval_run(ast_file *f, module_set *ms, const exec_opts *o)
{
    interp I;
    interp_init(&I, f, ms, o);
    int start = 0;
    if (o->start_at && (start = step_index(&I, o->start_at)) < 0) {
        fprintf(stderr, "runbook: --start-at %s: no such step in %s\n", o->start_at, o->path);
        interp_free(&I);
        return 2;
    }
    const char *status = "finished";
    ctl c = run_begin(&I);
    if (c == CTL_OK) c = run_steps(&I, start, &status);
    int code = run_finish(&I, c, status);
    interp_free(&I);
    return code;
}
