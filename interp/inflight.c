/*
 * inflight.c — on resume, the command that was in flight when the run was killed: its
 * process group (recorded on its sh.start) may still be running, and it may or may not
 * have done its work.
 *
 *   - still running: say so; the responder waits for it or stops it (--auto waits);
 *   - then: a readonly or idempotent command runs again by itself; any other is the
 *     responder's call (re-run or skip), and under --auto without a scripted answer the
 *     run stops with exit 4 naming the command.
 *
 * Never: signal a group itself (shell.h does), read the terminal (prompt.h does).
 */
#include "interp.h"

/* Wait (in real time, timers firing on the real clock) until the group is gone. */
static ctl wait_group(interp *I, int pgid)
{
    while (sh_group_alive(pgid)) {
        if (eval_interrupted) {
            I->exit_code = 130;
            return CTL_STOP;
        }
        poll(NULL, 0, 200);
        if (!clock_is_virtual()) {
            ctl c = fire_due(I);
            if (c != CTL_OK) return c;
        }
    }
    return CTL_OK;
}

/* The command's process group outlived the crash: wait for it or stop it. */
static ctl still_running(interp *I, const rb_node *n, const char *cmd, int pgid)
{
    say(I, "  ! the command in flight at the crash is still running (process group %d): %s", pgid, cmd);
    static const char *const opts[] = {"wait", "stop"};
    const char *pick;
    ctl c = prompt_choose(I, n, "It is still running: wait for it to finish, or stop it?", "in_flight_running", "wait",
                          (const char **)opts, 2, &pick);
    if (c != CTL_OK) return c;
    if (strcmp(pick, "stop") == 0) {
        sh_group_stop(pgid);
        say(I, "  ! stopped process group %d", pgid);
    } else {
        say(I, "  … waiting for process group %d to finish", pgid);
        c = wait_group(I, pgid);
        if (c == CTL_OK) say(I, "  ! process group %d has finished (its result is not known)", pgid);
    }
    return c;
}

/*
 * The record ends with `cmd` started and not finished.  Goes live (run.resume), deals
 * with a surviving process group, then decides whether the command runs again.
 * why_safe: "readonly" or "idempotent" when running it twice does no harm, else NULL.
 */
ctl inflight_sh(interp *I, const rb_node *n, const char *cmd, const char *why_safe, inflight_pick *pick)
{
    *pick = INF_SKIP;
    json_t *start = rec_last_sh_start(I);   /* the command in flight: the last one started */
    json_t *pg = start ? json_object_get(json_object_get(start, "data"), "pgid") : NULL;
    int pgid = json_is_integer(pg) ? (int)json_integer_value(pg) : 0;
    ctl c = record_exhausted(I);
    if (c != CTL_OK) return c;
    say(I, "  ! this command was running when the run stopped: %s", cmd);
    if (pgid > 1 && sh_group_alive(pgid) && (c = still_running(I, n, cmd, pgid)) != CTL_OK) return c;
    if (why_safe) {
        say(I, "  ! it is %s: running it again", why_safe);
        *pick = INF_RERUN;
        return CTL_OK;
    }
    rb_buf q;
    buf_init(&q);
    buf_printf(&q, "`%s` was in flight at the crash and may have run: re-run it, or skip it?", cmd);
    static const char *const opts[] = {"re-run", "skip"};
    const char *a;
    c = prompt_choose(I, n, arena_strdup(&I->mem, buf_cstr(&q)), "in_flight", NULL, (const char **)opts, 2, &a);
    buf_free(&q);
    if (c == CTL_STOP && I->exit_code == 4 && I->o->auto_mode)
        fprintf(stderr, "runbook: --auto does not re-run a command that changes things and may already have run: %s\n"
                        "runbook: resume without --auto to decide, or answer \"in_flight\" (re-run or skip) in --answers\n",
                cmd);
    if (c == CTL_OK) *pick = strcmp(a, "re-run") == 0 ? INF_RERUN : INF_SKIP;
    return c;
}
