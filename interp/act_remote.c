/*
 * act_remote.c — `sh … on HOSTS`: one command on one host or a fleet, over OpenSSH.
 *
 * Each host's run is its own action in the record: an sh.start before it starts and an
 * sh.end with its result, both with a `host` field, so a crash in the middle of a
 * fan-out leaves a record that says which hosts finished (served on resume and verify),
 * which were in flight (asked, like a local command in flight) and which never started
 * (run live).  Up to `parallel N` hosts run at once (default 10); their output streams
 * live, each line prefixed by its host.  The failure policy: by default every host runs
 * and the statement fails afterwards when more than `tolerate N` (default 0) failed;
 * `failfast` starts no new host once that many have failed (running ones finish).  The
 * expression form never fails: it returns one result map per host.
 *
 * Never: fork (shell.c does), build ssh's arguments (ssh.c does), or put a value on a
 * command line: values travel in the payload on the channel's standard input.
 */
#include <ctype.h>
#include "interp.h"
#include "ssh.h"

#define REMOTE_PARALLEL 10

typedef enum { H_PENDING, H_RUNNING, H_DONE, H_NOT_RUN } host_state;

typedef struct host_run {
    const char *host;
    host_state state;
    sh_proc *proc;
    sh_result res;
    int skipped;              /* dry run, or skipped after a crash: not run */
    int served;               /* the result came from the record */
    const char *why;          /* ssh's own failure, or NULL */
    int at_line_start[3];
    interp *I;
} host_run;

/* Live output: each line of each host prefixed by the host. */
static void host_output(void *ctx, int stream, const char *data, size_t n)
{
    host_run *h = ctx;
    rb_buf b;
    buf_init(&b);
    scrub(h->I, &b, data, n);
    FILE *f = stream == 2 ? stderr : stdout;
    for (size_t i = 0; i < b.len; i++) {
        if (h->at_line_start[stream]) fprintf(f, "    [%s] ", h->host);
        fputc(b.data[i], f);
        h->at_line_start[stream] = b.data[i] == '\n';
    }
    fflush(f);
    buf_free(&b);
}

static const char *start_text(interp *I, const remote_spec *rs, const char *host)
{
    rb_buf b;
    buf_init(&b);
    buf_printf(&b, "[%s] %s", host, rs->shown);
    const char *t = arena_strndup(&I->mem, buf_cstr(&b), b.len);
    buf_free(&b);
    return t;
}

static ctl record_start(interp *I, const remote_spec *rs, host_run *h, int rerun)
{
    json_t *d = json_pack("{s:s, s:s, s:b, s:f, s:b}", "command", rs->shown, "host", h->host, "readonly",
                          rs->readonly, "timeout_s", rs->timeout, "dry_run", rs->dry);
    if (rerun) json_object_set_new(d, "rerun", json_true());
    return emit(I, "sh.start", start_text(I, rs, h->host), d);
}

static int host_ok(const host_run *h)
{
    return h->skipped || (h->state == H_DONE && h->res.exit_code == 0 && !h->res.timed_out && !h->res.spawn_failed);
}

/* Record a host's result (and show it). */
static ctl record_end(interp *I, const remote_spec *rs, host_run *h)
{
    rb_buf so, se, t;
    buf_init(&so);
    buf_init(&se);
    buf_init(&t);
    scrub(I, &so, buf_cstr(&h->res.out), h->res.out.len);
    scrub(I, &se, buf_cstr(&h->res.err), h->res.err.len);
    if (!h->served) h->why = ssh_failure(h->res.exit_code, buf_cstr(&se));
    if (h->skipped) buf_printf(&t, "[%s] skipped%s: %s", h->host, rs->dry ? " (dry run)" : "", rs->shown);
    else if (h->res.timed_out) buf_printf(&t, "[%s] timed out after %.1fs: %s", h->host, h->res.duration, rs->shown);
    else if (h->why) buf_printf(&t, "[%s] ssh: %s: %s", h->host, h->why, rs->shown);
    else buf_printf(&t, "[%s] exit %d in %.1fs: %s", h->host, h->res.exit_code, h->res.duration, rs->shown);
    json_t *d = json_pack("{s:s, s:s, s:i, s:s, s:s, s:f, s:b, s:b, s:b, s:b, s:I, s:I, s:s?}", "command", rs->shown,
                          "host", h->host, "exit", h->res.exit_code, "stdout", buf_cstr(&so), "stderr", buf_cstr(&se),
                          "duration_s", h->res.duration, "timed_out", h->res.timed_out, "stdout_truncated",
                          h->res.out_truncated, "skipped", h->skipped, "interrupted", h->res.interrupted,
                          "stdout_bytes", (json_int_t)h->res.out_total, "stderr_bytes", (json_int_t)h->res.err_total,
                          "ssh_error", h->why);
    if (!h->skipped) say(I, "  %s %s", host_ok(h) ? "✓" : "✗", buf_cstr(&t));
    ctl c = emit(I, "sh.end", buf_cstr(&t), d);
    buf_free(&so);
    buf_free(&se);
    buf_free(&t);
    return c;
}

static void serve_result(interp *I, host_run *h, json_t *ev)
{
    json_t *d = json_object_get(ev, "data");
    memset(&h->res, 0, sizeof h->res);
    sh_result_from_record(d, &h->res);
    buf_addn(&h->res.out, "", 0);
    buf_addn(&h->res.err, "", 0);
    h->skipped = json_is_true(json_object_get(d, "skipped"));
    const char *why = json_string_value(json_object_get(d, "ssh_error"));
    h->why = why ? arena_strdup(&I->mem, why) : NULL;   /* the event is let go as the record is read on */
    h->served = 1;
    h->state = H_DONE;
}

static host_run *find_host(host_run *hs, int n, const char *host, host_state st)
{
    for (int i = 0; i < n; i++)
        if (hs[i].state == st && strcmp(hs[i].host, host) == 0) return &hs[i];
    return NULL;
}

/*
 * Replaying: the hosts' events stand in the record in the order they happened then;
 * follow it.  Stops at the first event that is not this fan-out's (the live part, or a
 * divergence that emit reports) or at the end of the record.
 */
static ctl follow_record(interp *I, const remote_spec *rs, host_run *hs, int n)
{
    while (I->replaying && !I->diverged) {
        json_t *ev = rec_peek_action(I);
        if (!ev) return CTL_OK;
        json_t *d = json_object_get(ev, "data");
        const char *kind = ev_str(ev, "kind"), *host = ev_str(d, "host");
        if (strcmp(ev_str(d, "command"), rs->shown) != 0) return CTL_OK;
        host_run *h;
        ctl c;
        if (strcmp(kind, "sh.start") == 0 && (h = find_host(hs, n, host, H_PENDING))) {
            if ((c = record_start(I, rs, h, 0)) != CTL_OK) return c;
            h->state = H_RUNNING;
        } else if (strcmp(kind, "sh.end") == 0 && (h = find_host(hs, n, host, H_RUNNING))) {
            serve_result(I, h, rec_next(I));
            if ((c = record_end(I, rs, h)) != CTL_OK) return c;
        } else {
            return CTL_OK;
        }
    }
    return CTL_OK;
}

/*
 * After the record ran out: each host that was running at the crash is run again when the
 * command is readonly, else the responder decides (as for a local command in flight,
 * inflight.c: --auto stops with exit 4 rather than repeat a change).
 */
static ctl settle_in_flight(interp *I, const rb_node *n, const remote_spec *rs, host_run *hs, int nh)
{
    for (int i = 0; i < nh; i++) {
        host_run *h = &hs[i];
        if (h->state != H_RUNNING || h->served) continue;
        if (I->o->verify) {
            /* the record ends with this host in flight: identical up to the interruption */
            I->exit_code = 0;
            return CTL_STOP;
        }
        ctl c = CTL_OK;
        if (I->replaying && (c = record_exhausted(I)) != CTL_OK) return c;
        say(I, "  ! this command was running on %s when the run stopped: %s", h->host, rs->shown);
        const char *pick = "re-run";
        if (rs->readonly || rs->idempotent) {
            say(I, "  ! it is %s: running it again", rs->readonly ? "readonly" : "idempotent");
        } else {
            rb_buf q;
            buf_init(&q);
            buf_printf(&q, "`%s` was in flight on %s at the crash and may have run: re-run it, or skip it?", rs->shown,
                       h->host);
            static const char *const again[] = {"re-run", "skip"};
            c = prompt_choose(I, n, arena_strdup(&I->mem, buf_cstr(&q)), "in_flight", NULL, (const char **)again, 2,
                              &pick);
            buf_free(&q);
            if (c == CTL_STOP && I->exit_code == 4 && I->o->auto_mode)
                fprintf(stderr, "runbook: --auto does not re-run a command that changes things and may already have "
                                "run: %s on %s\n", rs->shown, h->host);
            if (c != CTL_OK) return c;
        }
        if (strcmp(pick, "skip") == 0) {
            h->skipped = 1;
            h->state = H_DONE;
            if ((c = record_end(I, rs, h)) != CTL_OK) return c;
        } else {
            h->state = H_PENDING;   /* started again below, with its own start in the record */
            h->served = -1;         /* marks the re-run */
        }
    }
    return CTL_OK;
}

static int failures(const host_run *hs, int n)
{
    int f = 0;
    for (int i = 0; i < n; i++)
        if (hs[i].state == H_DONE && !host_ok(&hs[i])) f++;
    return f;
}

static ctl start_host(interp *I, const rb_node *n, const remote_spec *rs, host_run *h, const rb_buf *payload)
{
    if (!rs->dry && !I->o->verify && !I->ssh) {
        const char *why;
        if (!(I->ssh = ssh_open(I->o->ssh_config, &why))) return rt_error(I, n, "%s", why);
    }
    ctl c = record_start(I, rs, h, h->served == -1);
    h->served = 0;
    if (c != CTL_OK) return c;
    if (rs->dry) {
        h->skipped = 1;
        h->state = H_DONE;
        memset(&h->res, 0, sizeof h->res);
        return record_end(I, rs, h);
    }
    if (I->o->verify) return diverged(I, "sh.end", start_text(I, rs, h->host));
    memset(&h->res, 0, sizeof h->res);
    if (I->o->test && stub_sh(I, n, rs->shown, &h->res, &c)) {   /* runbook test: each host stubbed */
        buf_addn(&h->res.out, "", 0);
        buf_addn(&h->res.err, "", 0);
        h->state = H_DONE;
        ctl e = record_end(I, rs, h);
        return c != CTL_OK ? c : e;
    }
    h->at_line_start[1] = h->at_line_start[2] = 1;
    sh_opts so = {.timeout = rs->timeout, .on_output = host_output, .ctx = h,
                  .argv = ssh_argv(I->ssh, h->host), .input = payload->data, .input_len = payload->len};
    h->state = H_RUNNING;
    h->proc = sh_start(rs->shown, &so, &h->res);
    if (!h->proc) {
        h->state = H_DONE;
        return record_end(I, rs, h);
    }
    return CTL_OK;
}

/* Wait for the running hosts' pipes, their deadlines and the next timer; handle them. */
static ctl poll_hosts(interp *I, host_run *hs, int n, ctl c)
{
    struct pollfd pfd[2 * REMOTE_MAX_PARALLEL];
    int np = 0;
    double dl = -1;
    for (int i = 0; i < n; i++) {
        if (!hs[i].proc) continue;
        int fds[2], k = sh_fds(hs[i].proc, fds);
        for (int j = 0; j < k && np < 2 * REMOTE_MAX_PARALLEL; j++) pfd[np++] = (struct pollfd){fds[j], POLLIN, 0};
        double d = sh_next_deadline(hs[i].proc);
        if (d >= 0 && (dl < 0 || d < dl)) dl = d;
    }
    int ms = dl < 0 ? 1000 : (int)((dl - clock_monotonic()) * 1000) + 1;
    double nd = clock_is_virtual() || I->in_timer ? -1 : next_due(I);
    if (nd >= 0) {
        int tm = (int)((nd - clock_now()) * 1000) + 1;
        if (tm < ms) ms = tm;
    }
    if (ms < 0) ms = 0;
    if (ms > 1000) ms = 1000;
    poll(pfd, (nfds_t)np, ms);
    if (c == CTL_OK && !clock_is_virtual()) c = fire_due(I);
    return c;
}

/* Run the pending hosts, at most rs->parallel at once, recording each as it ends. */
static ctl run_live(interp *I, const rb_node *n, const remote_spec *rs, host_run *hs, int nh, const rb_buf *payload)
{
    ctl c = CTL_OK;
    int stopping = 0;
    for (;;) {
        if ((eval_interrupted || c != CTL_OK) && !stopping) {
            stopping = 1;
            for (int i = 0; i < nh; i++)
                if (hs[i].proc) sh_interrupt(hs[i].proc);
        }
        int running = 0, pending = 0;
        for (int i = 0; i < nh; i++) {
            running += hs[i].state == H_RUNNING;
            pending += hs[i].state == H_PENDING;
        }
        int halt = stopping || (rs->failfast && failures(hs, nh) > rs->tolerate);
        for (int i = 0; i < nh && pending && !halt && running < rs->parallel; i++) {
            if (hs[i].state != H_PENDING) continue;
            pending--;
            if ((c = start_host(I, n, rs, &hs[i], payload)) != CTL_OK) {
                stopping = 0;   /* stop the others at the top of the loop */
                break;
            }
            running += hs[i].state == H_RUNNING;
            halt = rs->failfast && failures(hs, nh) > rs->tolerate;
        }
        if (!running && (!pending || halt || c != CTL_OK)) break;
        if (running) c = poll_hosts(I, hs, nh, c);
        for (int i = 0; i < nh; i++) {
            host_run *h = &hs[i];
            if (!h->proc || !sh_handle(h->proc)) continue;
            sh_finish(h->proc);
            h->proc = NULL;
            h->state = H_DONE;
            if (!h->at_line_start[1]) fputc('\n', stdout);
            if (!h->at_line_start[2]) fputc('\n', stderr);
            ctl e = record_end(I, rs, h);
            if (c == CTL_OK) c = e;
        }
    }
    for (int i = 0; i < nh; i++)
        if (hs[i].state == H_PENDING) hs[i].state = H_NOT_RUN;
    return c;
}

static value host_value(interp *I, host_run *h)
{
    value r = v_map(&I->mem, 10);
    int ran = h->state == H_DONE;
    map_set(&I->mem, r, "host", v_str(&I->mem, h->host, strlen(h->host)));
    map_set(&I->mem, r, "ok", v_bool(ran && host_ok(h)));
    map_set(&I->mem, r, "exit", ran ? v_num(h->res.exit_code) : v_nil());
    rb_buf so, se;
    buf_init(&so);
    buf_init(&se);
    if (ran) {
        scrub(I, &so, buf_cstr(&h->res.out), h->res.out.len);
        scrub(I, &se, buf_cstr(&h->res.err), h->res.err.len);
    }
    map_set(&I->mem, r, "stdout", v_str(&I->mem, buf_cstr(&so), so.len));
    map_set(&I->mem, r, "stderr", v_str(&I->mem, buf_cstr(&se), se.len));
    buf_free(&so);
    buf_free(&se);
    map_set(&I->mem, r, "duration", v_dur(ran ? h->res.duration : 0));
    map_set(&I->mem, r, "timed_out", v_bool(ran && h->res.timed_out));
    map_set(&I->mem, r, "skipped", v_bool(h->skipped || !ran));
    map_set(&I->mem, r, "error", h->why ? v_str(&I->mem, h->why, strlen(h->why)) : v_nil());
    return r;
}

/* The statement's verdict: fail the step when more hosts failed than tolerated. */
static ctl verdict(interp *I, const rb_node *n, const remote_spec *rs, const host_run *hs, int nh)
{
    int failed = 0, not_run = 0;
    rb_buf who;
    buf_init(&who);
    for (int i = 0; i < nh; i++) {
        const host_run *h = &hs[i];
        if (h->state == H_NOT_RUN) {
            not_run++;
            continue;
        }
        if (host_ok(h)) continue;
        failed++;
        if (failed <= 5) {
            if (failed > 1) buf_adds(&who, ", ");
            if (h->why) buf_printf(&who, "%s (%s)", h->host, h->why);
            else if (h->res.timed_out) buf_printf(&who, "%s (timed out)", h->host);
            else buf_printf(&who, "%s (exit %d)", h->host, h->res.exit_code);
        }
    }
    ctl c = CTL_OK;
    if (failed > rs->tolerate) {
        c = rt_error(I, n, "the command failed on %d of %d hosts: %s%s%s", failed, nh, buf_cstr(&who),
                     failed > 5 ? ", …" : "", not_run ? " (failfast: the other hosts were not run)" : "");
    }
    buf_free(&who);
    return c;
}

/* The hosts of `on`: a name or a list of names, each fit for ssh. */
static ctl host_list(interp *I, const rb_node *n, value v, host_run **out, int *nout)
{
    int cap = v.t == V_LIST ? v.u.l->n : 1;
    if (v.t != V_STR && v.t != V_LIST) return rt_error(I, n, "on takes a host name or a list of host names");
    host_run *hs = arena_alloc(&I->mem, (size_t)(cap ? cap : 1) * sizeof *hs);
    memset(hs, 0, (size_t)(cap ? cap : 1) * sizeof *hs);
    for (int i = 0; i < cap; i++) {
        value e = v.t == V_LIST ? v.u.l->items[i] : v;
        if (e.t != V_STR) return rt_error(I, n, "on: host %d is a %s, not a host name", i + 1, vtype_name(e.t));
        const char *why = ssh_host_problem(e.u.s->s);
        if (why) return rt_error(I, n, "on: '%s': %s", e.u.s->s, why);
        hs[i].host = e.u.s->s;
        hs[i].I = I;
    }
    *out = hs;
    *nout = cap;
    return CTL_OK;
}

/* The options of sh that only remote commands take (and `on` itself); 1 when o was one. */
int remote_option(interp *I, const rb_node *o, value v, remote_spec *rs, ctl *c)
{
    if (strcmp(o->str, "on") == 0) {
        if (v.t == V_NIL) *c = rt_error(I, o, "on: no host (the value is nil)");
        rs->hosts = v;
    } else if (strcmp(o->str, "parallel") == 0 || strcmp(o->str, "tolerate") == 0) {
        int par = o->str[0] == 'p';
        if (v.t != V_NUM || v.u.n != (int)v.u.n || v.u.n < par || v.u.n > (par ? REMOTE_MAX_PARALLEL : 1e6)) {
            *c = par ? rt_error(I, o, "parallel takes a whole number from 1 to %d", REMOTE_MAX_PARALLEL)
                     : rt_error(I, o, "tolerate takes a whole number of failed hosts (0 or more)");
            return 1;
        }
        if (par) rs->parallel = (int)v.u.n;
        else rs->tolerate = (int)v.u.n;
    } else if (strcmp(o->str, "failfast") == 0) {
        rs->failfast = o->a ? value_truthy(v) : 1;
    } else {
        return 0;
    }
    return 1;
}

static int shell_name(const char *s, size_t n)
{
    if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_')) return 0;
    for (size_t i = 1; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_')) return 0;
    return 1;
}

/*
 * The script each host runs and the variables it reads: the values of the command's
 * interpolations (RB_n) and its `env` entries, exported, and `cwd` as RUNBOOK_CWD for a
 * `cd` — all of them data of the payload (ssh.c single-quotes each value into an
 * assignment, the one splice that is provably inert), never text of the script.
 */
ctl remote_script(interp *I, const rb_node *n, remote_spec *rs, const sh_cmd *cmd)
{
    rs->vars = arena_alloc(&I->mem, (size_t)(cmd->nvars + 1) * sizeof *rs->vars);
    rb_buf b;
    buf_init(&b);
    for (int i = 0; i < cmd->nvars; i++) {
        if (!shell_name(cmd->vars[i].name, strlen(cmd->vars[i].name))) {
            buf_free(&b);
            return rt_error(I, n, "env: '%s' is not a variable name a remote shell takes", cmd->vars[i].name);
        }
        rs->vars[rs->nvars++] = (ssh_var){arena_strdup(&I->mem, cmd->vars[i].name),
                                          arena_strndup(&I->mem, cmd->vars[i].value, cmd->vars[i].len)};
        buf_printf(&b, "export %s\n", cmd->vars[i].name);
    }
    if (cmd->cwd) {
        rs->vars[rs->nvars++] = (ssh_var){"RUNBOOK_CWD", arena_strdup(&I->mem, cmd->cwd)};
        buf_adds(&b, "cd -- \"$RUNBOOK_CWD\" || exit 1\n");
    }
    buf_adds(&b, buf_cstr((rb_buf *)&cmd->script));
    rs->script = arena_strndup(&I->mem, buf_cstr(&b), b.len);
    buf_free(&b);
    return CTL_OK;
}

ctl run_remote(interp *I, const rb_node *n, int stmt, const remote_spec *rs, value *out)
{
    host_run *hs = NULL;
    int nh = 0;
    ctl c = host_list(I, n, rs->hosts, &hs, &nh);
    if (c != CTL_OK) return c;
    say(I, "  $ %s   [on %d host%s%s]", rs->shown, nh, nh == 1 ? "" : "s", rs->dry ? ", dry-run: not run" : "");
    rb_buf payload;
    buf_init(&payload);
    ssh_payload(&payload, rs->script, rs->vars, rs->nvars);
    if (I->replaying) c = follow_record(I, rs, hs, nh);
    if (c == CTL_OK && (!I->replaying || !rec_peek_action(I))) c = settle_in_flight(I, n, rs, hs, nh);
    if (c == CTL_OK) c = run_live(I, n, rs, hs, nh, &payload);
    buf_free(&payload);
    if (c == CTL_OK && stmt) c = verdict(I, n, rs, hs, nh);
    if (c == CTL_OK && !stmt) {
        value l = v_list(&I->mem, nh);
        for (int i = 0; i < nh; i++) list_push(&I->mem, l, host_value(I, &hs[i]));
        *out = l;
    }
    int interrupted = 0;
    for (int i = 0; i < nh; i++) {
        interrupted |= hs[i].res.interrupted;
        sh_result_free(&hs[i].res);
    }
    if (c != CTL_STOP && (interrupted || eval_interrupted)) {
        I->exit_code = 130;
        c = CTL_STOP;
    }
    return c;
}
