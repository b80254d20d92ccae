/*
 * act_sh.c — the shell door of the evaluator: a `sh` command built from its interpolations,
 * recorded, run through shell.h with live output and timers firing, its result a value.
 * Interpolated values reach the command as data (environment variables the script refers
 * to), never as shell source: include/shctx.h states the rule.
 *
 * Never: fork (shell.c does).
 */
#include "interp.h"
#include "record.h"

typedef struct live_ctx { interp *I; int at_line_start[3]; } live_ctx;

static void on_output(void *ctx, int stream, const char *data, size_t n)
{
    live_ctx *L = ctx;
    if (L->I->polling) return;   /* a `wait until` poll: its output is recorded, not shown */
    rb_buf clean, b;
    buf_init(&clean);
    buf_init(&b);
    scrub(L->I, &clean, data, n);
    buf_add_shown(&b, buf_cstr(&clean), clean.len);   /* scrubbed text is UTF-8: no sequence is cut */
    buf_free(&clean);
    FILE *f = stream == 2 ? stderr : stdout;
    for (size_t i = 0; i < b.len; i++) {
        if (L->at_line_start[stream]) fputs("    ", f);
        fputc(b.data[i], f);
        L->at_line_start[stream] = b.data[i] == '\n';
    }
    fflush(f);
    buf_free(&b);
}

/*
 * Run a command while the clock keeps going: its pipes and the next timer share one
 * poll (on the real clock; a virtual clock does not move while a command runs).  Ctrl-C
 * stops the command's process group.  CTL_STOP when a timer could not be recorded.
 */
static ctl wait_command(interp *I, const char *cmd, const sh_opts *so, sh_result *res)
{
    sh_proc *p = sh_start(cmd, so, res);
    ctl c = CTL_OK;
    /* its process group on its sh.start: a resume after a crash can find it still running */
    if (p && !I->o->verify && I->last_seq > 0)
        (void)rec_event_set_int(I->rec, I->run_id, I->last_seq, "pgid", sh_pgid(p));
    int stopped = 0;
    while (p && !sh_handle(p)) {
        if ((eval_interrupted || c == CTL_STOP) && !stopped) {
            sh_interrupt(p);
            stopped = 1;
        }
        int fds[2];
        struct pollfd pfd[2];
        int n = sh_fds(p, fds);
        for (int i = 0; i < n; i++) pfd[i] = (struct pollfd){fds[i], POLLIN, 0};
        double dl = sh_next_deadline(p);
        int ms = dl < 0 ? 1000 : (int)((dl - clock_monotonic()) * 1000) + 1;
        double nd = clock_is_virtual() || I->in_timer ? -1 : next_due(I);
        if (nd >= 0) {
            int tm = (int)((nd - clock_now()) * 1000) + 1;
            if (tm < ms) ms = tm;
        }
        if (ms < 0) ms = 0;
        if (ms > 1000) ms = 1000;
        poll(pfd, (nfds_t)n, ms);
        if (c == CTL_OK && !clock_is_virtual()) c = fire_due(I);
    }
    sh_finish(p);
    return c;
}

static int is_raw(const rb_node *p)
{
    return p->kind == N_CALL && p->a->kind == N_IDENT && strcmp(p->a->str, "raw") == 0 && p->b;
}

/* How the record names a secret interpolation: its expression (#{token}, #{vault.key}),
 * never its value; «redacted» when the expression is more than a name. */
static void secret_expr(rb_buf *b, const rb_node *p, int top)
{
    if (top) buf_adds(b, "#{");
    if (p->kind == N_IDENT) {
        buf_adds(b, p->str);
    } else if (p->kind == N_MEMBER && (p->a->kind == N_IDENT || p->a->kind == N_MEMBER)) {
        secret_expr(b, p->a, 0);
        buf_printf(b, ".%s", p->str);
    } else {
        buf_reset(b);
        buf_adds(b, REDACTED);
        return;
    }
    if (top) buf_addc(b, '}');
}

/*
 * Build the command (the one builder of sh_cmd; see include/shctx.h): literal parts as
 * written, raw() text as given, and each other #{…} as a reference to a variable RB_n
 * whose value goes in out->vars, never into the script.  A value in a place that cannot
 * take one (checked before the run; raw() text can still lead there) fails the step
 * before anything runs.  A command that is not written in place (`sh cmd`) runs as it is.
 */
ctl build_command(interp *I, scope *sc, const rb_node *cmd, sh_cmd *out)
{
    if (cmd->kind != N_INTERP) {
        value v;
        ctl c = eval(I, sc, cmd, &v);
        if (c != CTL_OK) return c;
        if (v.t != V_STR) return rt_error(I, cmd, "sh needs a command string, not a %s", vtype_name(v.t));
        if (v.secret)
            return rt_error(I, cmd, "this command holds a secret, which would show on the shell's command line "
                                    "(ps): write the command in the sh itself, sh \"… #{token} …\", so the secret "
                                    "travels in its environment");
        rb_buf t, s;
        buf_init(&t);
        buf_init(&s);
        value_text(&t, v);
        value_show(&s, v);
        shcmd_raw(out, buf_cstr(&t), t.len, buf_cstr(&s), s.len);
        buf_free(&t);
        buf_free(&s);
        return CTL_OK;
    }
    ctl c = CTL_OK;
    for (const rb_node *p = cmd->a; p && c == CTL_OK; p = p->next) {
        if (p->kind == N_STR) {
            shcmd_literal(out, p->str, strlen(p->str));
            continue;
        }
        value v;
        if ((c = eval(I, sc, is_raw(p) ? p->b : p, &v)) != CTL_OK) break;
        rb_buf t, s;
        buf_init(&t);
        buf_init(&s);
        value_text(&t, v);
        int secret = has_secret(v);
        if (secret) secret_add(I, buf_cstr(&t));
        if (secret && !is_raw(p)) secret_expr(&s, p, 1);
        else value_show(&s, v);
        if (is_raw(p) && secret) {
            c = rt_error(I, p, "raw() of a secret would put it on the shell's command line (ps): interpolate it "
                               "without raw(), so it travels in the environment");
        } else if (is_raw(p)) {
            shcmd_raw(out, buf_cstr(&t), t.len, buf_cstr(&s), s.len);
        } else {
            const char *why = shcmd_value(out, t.data ? t.data : "", t.len, buf_cstr(&s), s.len, secret);
            if (why) c = rt_error(I, p, "%s", why);
        }
        buf_free(&t);
        buf_free(&s);
    }
    return c;
}

/* The `env {NAME: value}` option: entries beside the interpolated values. */
static ctl add_env(interp *I, const rb_node *o, value v, sh_cmd *cmd)
{
    if (v.t != V_MAP) return rt_error(I, o, "env takes a map {NAME: value}");
    ctl c = CTL_OK;
    for (int i = 0; i < v.u.m->n && c == CTL_OK; i++) {
        value ev = v.u.m->items[i].v;
        rb_buf t;
        buf_init(&t);
        value_text(&t, ev);
        int secret = has_secret(ev);
        if (secret) secret_add(I, buf_cstr(&t));
        const char *why = shcmd_env(cmd, v.u.m->items[i].key->s, t.data ? t.data : "", t.len, secret);
        if (why) c = rt_error(I, o, "env %s: %s", v.u.m->items[i].key->s, why);
        buf_free(&t);
    }
    return c;
}

/* The options of a `sh` into cmd and o (timeout, readonly, idempotent, cwd, env, and the
 * remote ones); the step's own deadline caps the timeout. */
static ctl sh_options(interp *I, scope *sc, const rb_node *n, sh_cmd *cmd, remote_spec *o)
{
    ctl c = CTL_OK;
    o->readonly = ast_opt(n, "readonly") != NULL;
    o->idempotent = ast_opt(n, "idempotent") != NULL;
    for (const rb_node *x = n->opts; c == CTL_OK && x; x = x->next) {
        value v = v_nil();
        if (x->a && (c = eval(I, sc, x->a, &v)) != CTL_OK) break;
        if (strcmp(x->str, "timeout") == 0) {
            if (v.t != V_DUR && v.t != V_NUM) c = rt_error(I, x, "timeout takes a duration");
            else o->timeout = v.u.n;
        } else if (strcmp(x->str, "readonly") == 0) {
            o->readonly = x->a ? value_truthy(v) : 1;
        } else if (strcmp(x->str, "idempotent") == 0) {
            o->idempotent = x->a ? value_truthy(v) : 1;
        } else if (strcmp(x->str, "cwd") == 0) {
            if (v.t != V_STR) c = rt_error(I, x, "cwd takes a directory");
            else cmd->cwd = v.u.s->s;   /* a path for chdir, never shell text */
        } else if (strcmp(x->str, "env") == 0) {
            c = add_env(I, x, v, cmd);
        } else if (remote_option(I, x, v, o, &c)) {
            /* on, parallel, tolerate, failfast */
        }
    }
    if (I->step_deadline > 0) {
        double left = I->step_deadline - clock_now();
        if (left <= 0) left = 0.001;
        if (o->timeout <= 0 || left < o->timeout) o->timeout = left;
    }
    return c;
}

/* A command's result as its sh.end recorded it (data): exit, timeout, duration, output. */
void sh_result_from_record(json_t *data, sh_result *res)
{
    const char *o1 = json_string_value(json_object_get(data, "stdout"));
    const char *o2 = json_string_value(json_object_get(data, "stderr"));
    res->exit_code = (int)json_integer_value(json_object_get(data, "exit"));
    res->timed_out = json_is_true(json_object_get(data, "timed_out"));
    res->duration = json_number_value(json_object_get(data, "duration_s"));
    buf_adds(&res->out, o1 ? o1 : "");
    buf_adds(&res->err, o2 ? o2 : "");
}

/*
 * Replaying: the command's recorded result stands in for it (*served), or the record ends
 * with the command in flight and the in-flight rules decide (run again, or skipped as a
 * dry run: *dry).  CTL_STOP ends a verify that reproduced everything up to the crash.
 */
static ctl sh_replayed(interp *I, const rb_node *n, const remote_spec *o, const char *cwd, sh_result *res, int *dry,
                       int *served)
{
    json_t *rec = NULL;
    ctl c = rec_catch_up(I, &rec);
    if (c != CTL_OK) return c;
    if (rec && strcmp(ev_str(rec, "kind"), "sh.end") == 0 && I->o->verify && rec_is_stop(rec)) {
        /* Ctrl-C stopped the command then, and the run with it: reproduced up to there */
        I->exit_code = 0;
        return CTL_STOP;
    }
    if (rec && strcmp(ev_str(rec, "kind"), "sh.end") == 0) {
        json_t *rd = json_object_get(rec, "data");
        sh_result_from_record(rd, res);
        *served = 1;
        *dry = json_is_true(json_object_get(rd, "skipped"));   /* skipped then (dry run, in flight) */
        return CTL_OK;
    }
    if (rec) return CTL_OK;
    if (I->o->verify) {
        /* the record ends with this command in flight: identical up to the interruption */
        I->exit_code = 0;
        return CTL_STOP;
    }
    inflight_pick pick = INF_SKIP;
    c = inflight_sh(I, n, o->shown, o->readonly ? "readonly" : o->idempotent ? "idempotent" : NULL, &pick);
    if (c != CTL_OK) return c;
    if (pick == INF_SKIP) {
        *dry = 1;   /* recorded as skipped, like a dry run */
        *served = 1;
        return CTL_OK;
    }
    /* the re-run is a new action: it gets its own start in the record */
    return emit(I, "sh.start", o->shown, json_pack("{s:s, s:b, s:f, s:s?, s:b, s:b}", "command", o->shown, "readonly",
                                                   o->readonly, "timeout_s", o->timeout, "cwd", cwd, "dry_run", 0,
                                                   "rerun", 1));
}

/* The command's end: shown, recorded (sh.end), and its value or its failure. */
static ctl sh_finish_result(interp *I, const rb_node *n, int stmt, const char *shown_c, sh_result *res, int dry,
                            ctl waited, value *out)
{
    rb_buf so_, se_;
    buf_init(&so_);
    buf_init(&se_);
    scrub(I, &so_, buf_cstr(&res->out), res->out.len);
    scrub(I, &se_, buf_cstr(&res->err), res->err.len);
    buf_addn(&res->out, "", 0);
    buf_addn(&res->err, "", 0);
    int ok = dry || (res->exit_code == 0 && !res->timed_out && !res->spawn_failed);
    rb_buf t;
    buf_init(&t);
    if (dry) buf_printf(&t, "skipped (dry run): %s", shown_c);
    else if (res->timed_out) buf_printf(&t, "timed out after %.1fs: %s", res->duration, shown_c);
    else buf_printf(&t, "exit %d in %.1fs: %s", res->exit_code, res->duration, shown_c);
    json_t *ed = json_pack("{s:s, s:i, s:s, s:s, s:f, s:b, s:b, s:b, s:b, s:b, s:I, s:I}", "command", shown_c, "exit",
                           res->exit_code, "stdout", buf_cstr(&so_), "stderr", buf_cstr(&se_), "duration_s",
                           res->duration, "timed_out", res->timed_out, "stdout_truncated", res->out_truncated,
                           "stderr_truncated", res->err_truncated, "skipped", dry, "interrupted",
                           res->interrupted || eval_interrupted, "stdout_bytes", (json_int_t)res->out_total,
                           "stderr_bytes", (json_int_t)res->err_total);
    if (!ed) ed = json_pack("{s:s, s:i}", "command", "(unprintable)", "exit", res->exit_code);
    if (I->polling) {
        buf_reset(&I->poll_last);
        buf_adds(&I->poll_last, buf_cstr(&t));
    } else if (!dry) {
        say(I, "  %s%s%s %s", hue(I, ok ? HUE_OK : HUE_BAD), ok ? "✓" : "✗", hue(I, HUE_OFF), buf_cstr(&t));
    }
    ctl c = emit(I, "sh.end", buf_cstr(&t), ed);
    if (c == CTL_OK && waited == CTL_STOP) c = CTL_STOP;
    if (c == CTL_OK && !stmt) {
        value r = v_map(&I->mem, 8);
        map_set(&I->mem, r, "ok", v_bool(ok));
        map_set(&I->mem, r, "exit", v_num(res->exit_code));
        map_set(&I->mem, r, "stdout", v_str(&I->mem, buf_cstr(&so_), so_.len));
        map_set(&I->mem, r, "stderr", v_str(&I->mem, buf_cstr(&se_), se_.len));
        map_set(&I->mem, r, "duration", v_dur(res->duration));
        map_set(&I->mem, r, "timed_out", v_bool(res->timed_out));
        map_set(&I->mem, r, "skipped", v_bool(dry));
        *out = r;
    } else if (c == CTL_OK && !ok) {
        if (res->timed_out) c = rt_error(I, n, "command timed out after %.1fs", res->duration);
        else if (res->spawn_failed) c = rt_error(I, n, "command could not start: %s", buf_cstr(&se_));
        else c = rt_error(I, n, "command failed with exit %d", res->exit_code);
    }
    if (c == CTL_STOP) {
        /* a timer's write to the record failed while the command ran: exit_code is set */
    } else if (res->interrupted || eval_interrupted) {
        I->exit_code = 130;
        c = CTL_STOP;
    }
    buf_free(&t);
    buf_free(&so_);
    buf_free(&se_);
    return c;
}

ctl run_sh(interp *I, scope *sc, const rb_node *n, int stmt, value *out)
{
    sh_cmd cmd;
    shcmd_init(&cmd);
    remote_spec o = {.hosts = v_nil(), .parallel = REMOTE_PARALLEL};
    ctl c = build_command(I, sc, n->a, &cmd);
    if (c == CTL_OK) c = sh_options(I, sc, n, &cmd, &o);
    if (c != CTL_OK) {
        shcmd_free(&cmd);
        return c;
    }
    o.shown = arena_strndup(&I->mem, buf_cstr(&cmd.shown), cmd.shown.len);
    const char *cwd = cmd.cwd;
    int dry = o.dry = I->o->dry_run && !o.readonly;
    if (o.hosts.t != V_NIL) {   /* on HOSTS: act_remote.c */
        c = remote_script(I, n, &o, &cmd);
        shcmd_free(&cmd);
        return c == CTL_OK ? run_remote(I, n, stmt, &o, out) : c;
    }
    if (!I->polling) say(I, "  $ %s%s", o.shown, dry ? "   [dry-run: not run]" : "");
    json_t *sd = json_pack("{s:s, s:b, s:f, s:s?, s:b}", "command", o.shown, "readonly", o.readonly, "timeout_s",
                           o.timeout, "cwd", cwd, "dry_run", dry);
    if (o.idempotent) json_object_set_new(sd, "idempotent", json_true());
    sh_result res;
    memset(&res, 0, sizeof res);
    int served = 0;
    if ((c = emit(I, "sh.start", o.shown, sd)) == CTL_OK && I->replaying && !dry)
        c = sh_replayed(I, n, &o, cwd, &res, &dry, &served);
    if (c == CTL_OK && !dry && !served && I->o->verify)
        c = diverged(I, "sh.end", o.shown);   /* verify executes nothing the record does not hold */
    if (c != CTL_OK) {
        shcmd_free(&cmd);
        sh_result_free(&res);
        return c;
    }
    if (!dry && !served && I->o->test) served = stub_sh(I, n, o.shown, &res, &c);   /* runbook test: stubs */
    if (dry) {
        res.exit_code = 0;
    } else if (!served) {
        live_ctx L = {I, {1, 1, 1}};
        char **envp = shcmd_envp(&cmd);
        sh_opts so = {.timeout = o.timeout, .cwd = cwd, .env = (const char *const *)envp, .on_output = on_output,
                      .ctx = &L, .cancel = &eval_interrupted};
        c = wait_command(I, buf_cstr(&cmd.script), &so, &res);
        shcmd_envp_free(envp);
        if (!L.at_line_start[1] && !I->polling) fputc('\n', stdout);
        if (!L.at_line_start[2] && !I->polling) fputc('\n', stderr);
    }
    shcmd_free(&cmd);
    c = sh_finish_result(I, n, stmt, o.shown, &res, dry, c, out);
    sh_result_free(&res);
    return c;
}
