/*
 * Unit tests for interp/shell.c, with real processes: exit codes, separate and streamed
 * output, capture limits, timeouts that stop whole process trees, daemons that hold the
 * pipes, env and cwd, interrupts, spawn failure, and quoting that survives /bin/sh.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include "clock.h"
#include "shell.h"
#include "unit.h"

void test_shell(const char *tmpdir);

/* What on_output saw, per stream; optionally interrupts on the first chunk of stdout. */
typedef struct seen {
    rb_buf data[2];
    size_t bytes[2];
    sh_proc *proc;
    int interrupt_on_output;
} seen;

static void on_output(void *ctx, int stream, const char *data, size_t n)
{
    seen *s = ctx;
    if (stream < 1 || stream > 2) return;
    s->bytes[stream - 1] += n;
    if (s->data[stream - 1].len < 4096) buf_addn(&s->data[stream - 1], data, n);
    if (s->interrupt_on_output && stream == 1 && s->proc) sh_interrupt(s->proc);
}

static void seen_free(seen *s)
{
    buf_free(&s->data[0]);
    buf_free(&s->data[1]);
}

static int run_code(const char *cmd)
{
    sh_result r;
    int code = sh_run(cmd, NULL, &r);
    sh_result_free(&r);
    return code;
}

/* A live (non-zombie) process whose process group is pgid, according to /proc. */
static int group_has_live_member(int pgid)
{
    DIR *d = opendir("/proc");
    if (!d) return 0;
    int found = 0;
    struct dirent *e;
    while (!found && (e = readdir(d)) != NULL) {
        char path[300], line[512];
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        if (fgets(line, sizeof line, f)) {
            const char *rp = strrchr(line, ')');   /* the command name may hold spaces */
            char state;
            int ppid, pgrp;
            if (rp && sscanf(rp + 1, " %c %d %d", &state, &ppid, &pgrp) == 3)
                found = pgrp == pgid && state != 'Z' && state != 'X';
        }
        fclose(f);
    }
    closedir(d);
    return found;
}

/* Wait (up to max seconds) for kill(-pgid, 0) to say ESRCH: zombies wait for init. */
static int group_gone(int pgid, double max)
{
    double until = clock_monotonic() + max;
    for (;;) {
        if (kill(-pgid, 0) == -1 && errno == ESRCH) return 1;
        if (clock_monotonic() > until) return 0;
        poll(NULL, 0, 20);
    }
}

static void test_exit_codes(void)
{
    CHECK(run_code("exit 0") == 0, "shell: exit 0");
    CHECK(run_code("false") == 1, "shell: false exits 1");
    CHECK(run_code("exit 42") == 42, "shell: exit 42");
    sh_result r;
    sh_run("kill -9 $$", NULL, &r);
    CHECK(r.exit_code == 137 && r.signaled, "shell: killed by SIGKILL is 137, signaled (%d)", r.exit_code);
    sh_result_free(&r);
    sh_run("exit 3", NULL, &r);
    CHECK(!r.signaled && !r.timed_out && !r.interrupted && !r.spawn_failed,
          "shell: a plain exit sets no flags");
    CHECK(r.out.data && r.out.data[0] == '\0' && r.err.data && r.err.len == 0,
          "shell: empty output is an empty C string");
    sh_result_free(&r);
}

static void test_streams(void)
{
    seen s = { 0 };
    sh_opts o = { .on_output = on_output, .ctx = &s };
    sh_result r;
    sh_run("echo out; echo err >&2; printf more", &o, &r);
    CHECK(strcmp(r.out.data, "out\nmore") == 0, "shell: stdout captured (%s)", r.out.data);
    CHECK(strcmp(r.err.data, "err\n") == 0, "shell: stderr captured apart (%s)", r.err.data);
    CHECK(r.out_total == 8 && r.err_total == 4 && !r.out_truncated && !r.err_truncated,
          "shell: totals count bytes");
    CHECK(strcmp(buf_cstr(&s.data[0]), "out\nmore") == 0 && strcmp(buf_cstr(&s.data[1]), "err\n") == 0,
          "shell: on_output streams stdout as 1 and stderr as 2");
    sh_result_free(&r);
    seen_free(&s);

    sh_run("readlink /proc/self/fd/0; cat; echo done", NULL, &r);
    CHECK(strcmp(r.out.data, "/dev/null\ndone\n") == 0, "shell: stdin is /dev/null (%s)", r.out.data);
    sh_result_free(&r);

    /* Both pipes full at once: reading one and blocking on the other would deadlock. */
    sh_run("head -c 300000 /dev/zero >&2; head -c 300000 /dev/zero", NULL, &r);
    CHECK(r.exit_code == 0 && r.out_total == 300000 && r.err_total == 300000,
          "shell: both streams drained concurrently");
    sh_result_free(&r);
}

static void test_capture_cap(void)
{
    seen s = { 0 };
    sh_opts o = { .capture_max = 1024 * 1024, .on_output = on_output, .ctx = &s };
    sh_result r;
    sh_run("head -c 3145728 /dev/zero", &o, &r);
    CHECK(r.exit_code == 0 && r.out_truncated && !r.err_truncated, "shell: 3 MB is truncated at 1 MB");
    CHECK(r.out_total == 3145728, "shell: total counts all 3 MB (%zu)", r.out_total);
    CHECK(r.out.len == 1048576, "shell: exactly 1 MB captured (%zu)", r.out.len);
    CHECK(s.bytes[0] == 3145728, "shell: on_output saw all 3 MB (%zu)", s.bytes[0]);
    sh_result_free(&r);
    seen_free(&s);
}

static void test_timeout(void)
{
    sh_opts o = { .timeout = 0.5 };
    sh_result r;
    sh_run("sleep 30", &o, &r);
    CHECK(r.timed_out && r.signaled && (r.exit_code == 143 || r.exit_code == 137),
          "shell: timeout stops sleep 30 (%d)", r.exit_code);
    CHECK(r.duration >= 0.45 && r.duration < 5, "shell: timeout takes about 0.5 s (%.2f)", r.duration);
    sh_result_free(&r);

    sh_run("trap '' TERM; sleep 30", &o, &r);
    CHECK(r.timed_out && r.exit_code == 137 && r.duration < 5,
          "shell: SIGKILL after the grace period (%d, %.2f s)", r.exit_code, r.duration);
    sh_result_free(&r);
}

static void test_tree(void)
{
    sh_opts o = { .timeout = 0.5 };
    sh_result r;
    sh_proc *p = sh_start("sh -c 'sleep 30 & sleep 30 & wait'", &o, &r);
    CHECK(p != NULL, "shell: tree started");
    if (!p) return;
    int pgid = sh_pgid(p);
    CHECK(pgid > 0 && kill(-pgid, 0) == 0, "shell: the command has its own process group");
    sh_finish(p);
    CHECK(r.timed_out && r.duration < 5, "shell: tree timed out (%.2f s)", r.duration);
    CHECK(!group_has_live_member(pgid), "shell: no live process of the tree's group after the timeout");
    CHECK(group_gone(pgid, 5), "shell: the tree's group is gone (kill -> ESRCH)");
    sh_result_free(&r);
}

static void test_daemon(void)
{
    sh_result r;
    sh_proc *p = sh_start("sleep 5 & echo started; exit 0", NULL, &r);
    CHECK(p != NULL, "shell: daemon started");
    if (!p) return;
    int pgid = sh_pgid(p);
    sh_finish(p);
    CHECK(r.exit_code == 0 && strcmp(r.out.data, "started\n") == 0, "shell: daemon's parent output kept");
    CHECK(r.duration < 1.5, "shell: a daemon holding stdout does not hold us (%.2f s)", r.duration);
    kill(-pgid, SIGKILL);   /* tidy up the leftover sleep */
    sh_result_free(&r);

    /* The other way round: pipes closed early, the exit still noticed. */
    sh_run("exec >&- 2>&-; sleep 0.3; exit 3", NULL, &r);
    CHECK(r.exit_code == 3 && r.duration < 2, "shell: exit noticed without a pipe (%.2f s)", r.duration);
    sh_result_free(&r);
}

static void test_env_cwd(const char *tmpdir)
{
    const char *env[] = { "RB_SHELL_T=one two", "HOME=/nowhere", "RB_SHELL_T=; three", NULL };
    sh_opts o = { .env = env };
    sh_result r;
    sh_run("printf '%s|%s' \"$RB_SHELL_T\" \"$HOME\"", &o, &r);
    CHECK(strcmp(r.out.data, "; three|/nowhere") == 0, "shell: env overrides visible (%s)", r.out.data);
    CHECK(getenv("RB_SHELL_T") == NULL, "shell: our own environment untouched");
    sh_result_free(&r);

    char real[4096];
    sh_opts c = { .cwd = tmpdir };
    sh_run("pwd -P", &c, &r);
    CHECK(realpath(tmpdir, real) && strncmp(r.out.data, real, strlen(real)) == 0 &&
          r.out.data[strlen(real)] == '\n', "shell: cwd applied (%s)", r.out.data);
    sh_result_free(&r);

    sh_opts bad = { .cwd = "/no/such/dir" };
    sh_run("echo should not run", &bad, &r);
    CHECK(r.exit_code == 127 && !r.signaled, "shell: a missing cwd exits 127 (%d)", r.exit_code);
    CHECK(strstr(r.err.data, "/no/such/dir") && strstr(r.err.data, "No such file"),
          "shell: a missing cwd is explained on stderr (%s)", r.err.data);
    CHECK(r.out.len == 0, "shell: a missing cwd runs nothing");
    sh_result_free(&r);
}

static void test_signals_reset(void)
{
    /* With SIGPIPE ignored here, `yes` would complain of EPIPE unless the child resets it. */
    struct sigaction ign = { 0 }, old;
    ign.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &ign, &old);
    sh_result r;
    sh_run("yes | head -n 1", NULL, &r);
    sigaction(SIGPIPE, &old, NULL);
    CHECK(r.exit_code == 0 && strcmp(r.out.data, "y\n") == 0 && r.err.len == 0,
          "shell: the child gets SIGPIPE back as default (%s)", r.err.data);
    sh_result_free(&r);
}

static void test_interrupt(void)
{
    seen s = { 0 };
    s.interrupt_on_output = 1;
    sh_opts o = { .on_output = on_output, .ctx = &s };
    sh_result r;
    s.proc = sh_start("echo ready; sleep 30", &o, &r);
    int pgid = s.proc ? sh_pgid(s.proc) : 0;
    sh_finish(s.proc);
    CHECK(r.interrupted && !r.timed_out && r.signaled && r.duration < 5,
          "shell: sh_interrupt from on_output stops the command (%d, %.2f s)", r.exit_code, r.duration);
    CHECK(pgid > 0 && group_gone(pgid, 5), "shell: interrupted group is gone");
    sh_result_free(&r);
    seen_free(&s);

    /* The split API, driven like the clock's event loop would: interrupt after 0.3 s. */
    sh_proc *p = sh_start("sleep 30 & sleep 30; echo never", NULL, &r);
    double t0 = clock_monotonic();
    int interrupted = 0;
    while (p && !sh_handle(p)) {
        int fds[2];
        struct pollfd pfd[2] = { { 0 } };
        int n = sh_fds(p, fds);
        for (int i = 0; i < n; i++) pfd[i] = (struct pollfd){ .fd = fds[i], .events = POLLIN };
        double d = sh_next_deadline(p);
        int ms = d < 0 ? 100 : (int)((d - clock_monotonic()) * 1000) + 1;
        poll(pfd, (nfds_t)n, ms < 0 ? 0 : ms > 100 ? 100 : ms);
        if (!interrupted && clock_monotonic() - t0 > 0.3) {
            sh_interrupt(p);
            interrupted = 1;
        }
    }
    pgid = p ? sh_pgid(p) : 0;
    sh_finish(p);
    CHECK(r.interrupted && r.exit_code == 143 && r.out.len == 0 && r.duration < 5,
          "shell: sh_interrupt after a timer stops the group (%d, %.2f s)", r.exit_code, r.duration);
    CHECK(pgid > 0 && !group_has_live_member(pgid), "shell: no live process left after the interrupt");
    sh_result_free(&r);
}

static void test_spawn_failure(void)
{
    /* No free file descriptor at all: the pipes cannot be made. */
    struct rlimit old;
    getrlimit(RLIMIT_NOFILE, &old);
    FILE *probe = fopen("/dev/null", "r");
    if (!probe) return;
    int lowest = fileno(probe);
    fclose(probe);
    struct rlimit tight = { (rlim_t)lowest, old.rlim_max };
    sh_result r;
    int code = -1;
    if (setrlimit(RLIMIT_NOFILE, &tight) == 0) {
        sh_proc *p = sh_start("echo hi", NULL, &r);
        setrlimit(RLIMIT_NOFILE, &old);
        CHECK(p == NULL && r.spawn_failed && strstr(r.err.data, "cannot start"),
              "shell: spawn failure is reported, not fatal (%s)", r.err.data);
        sh_finish(p);
        sh_result_free(&r);
        setrlimit(RLIMIT_NOFILE, &tight);
        code = sh_run("echo hi", NULL, &r);
        setrlimit(RLIMIT_NOFILE, &old);
        CHECK(code != 0 && r.spawn_failed, "shell: sh_run returns failure on spawn failure (%d)", code);
        sh_result_free(&r);
    }
    CHECK(run_code("exit 5") == 5, "shell: spawning works again afterwards");
}

static int file_exists(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

static void test_quote(const char *tmpdir)
{
    char all[256];
    for (int i = 1; i < 256; i++) all[i - 1] = (char)i;
    all[255] = '\0';
    const char *nasty[] = {
        "; touch pwned", "$(touch pwned)", "`touch pwned`", "`id`", "'", "\"", "\\",
        "\n", "", "héllo wörld ✓ 日本", "'; touch pwned; '", "it's", "''", "a\\'b",
        "$HOME ${HOME} $((1+1))", "*", "~", "-n", "%d %s", "x\ny\n\n", "!!", "&& touch pwned &",
        "| touch pwned", "> pwned", all,
    };
    sh_opts o = { .cwd = tmpdir };
    int all_ok = 1;
    for (size_t i = 0; i < sizeof nasty / sizeof nasty[0]; i++) {
        rb_buf cmd;
        buf_init(&cmd);
        buf_adds(&cmd, "printf %s ");
        sh_quote(&cmd, nasty[i]);
        sh_result r;
        sh_run(buf_cstr(&cmd), &o, &r);
        int ok = r.exit_code == 0 && r.out.len == strlen(nasty[i]) && memcmp(r.out.data, nasty[i], r.out.len) == 0;
        if (!ok) {
            all_ok = 0;
            printf("#   quote mismatch for [%s]: got [%s]\n", nasty[i], r.out.data);
        }
        sh_result_free(&r);
        buf_free(&cmd);
    }
    CHECK(all_ok, "shell: sh_quote round-trips nasty strings through /bin/sh");
    CHECK(!file_exists(tmpdir, "pwned"), "shell: quoted strings never ran anything");

    rb_buf b;
    buf_init(&b);
    sh_quote(&b, "");
    CHECK(strcmp(buf_cstr(&b), "''") == 0, "shell: empty string quotes as ''");
    buf_reset(&b);
    sh_quote(&b, "it's");
    CHECK(strcmp(buf_cstr(&b), "'it'\\''s'") == 0, "shell: ' becomes '\\'' (%s)", buf_cstr(&b));
    buf_free(&b);
}

/* The exit wakes the poll: once the pipes are at EOF and the child still runs, there is no
 * deadline to tick on (-1), and the fds of sh_fds become ready when the child exits. */
static void test_exit_wakes(void)
{
    sh_result r;
    sh_proc *p = sh_start("exec >/dev/null 2>&1; sleep 0.3; exit 7", NULL, &r);
    int rounds = 0, no_tick = 1, woke = 1;
    while (p && !sh_handle(p) && rounds++ < 1000) {
        int fds[2];
        struct pollfd pfd[2];
        int n = sh_fds(p, fds);
        for (int i = 0; i < n; i++) pfd[i] = (struct pollfd){ fds[i], POLLIN, 0 };
        double dl = sh_next_deadline(p);
        if (dl >= 0 && dl - clock_monotonic() < 0.15) no_tick = 0;
        int ms = dl < 0 ? 30000 : (int)((dl - clock_monotonic()) * 1000) + 1;
        if (poll(pfd, (nfds_t)n, ms < 0 ? 0 : ms) == 0 && dl < 0) woke = 0;
    }
    sh_finish(p);
    CHECK(r.exit_code == 7, "shell: exit status after a quiet wait (%d)", r.exit_code);
    CHECK(no_tick, "shell: no short tick while a command runs with its pipes closed");
    CHECK(woke, "shell: the child's exit wakes the poll on sh_fds (%d rounds)", rounds);
    CHECK(rounds < 10, "shell: a quiet command takes a few wake-ups, not a tick loop (%d)", rounds);
    sh_result_free(&r);
}

void test_shell(const char *tmpdir)
{
    test_exit_wakes();
    test_exit_codes();
    test_streams();
    test_capture_cap();
    test_timeout();
    test_tree();
    test_daemon();
    test_env_cwd(tmpdir);
    test_signals_reset();
    test_interrupt();
    test_spawn_failure();
    test_quote(tmpdir);
}
