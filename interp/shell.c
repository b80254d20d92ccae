/*
 * shell.c — running commands: the only file that calls fork, exec, kill and waitpid.
 *
 * A command runs as `/bin/sh -c CMD` (or a program given by argv, such as ssh) in a
 * process group of its own (the child calls setpgid(0, 0) and the parent repeats it, so
 * the group exists before sh_start returns and no signal can miss it).  Its stdin is
 * /dev/null, or a pipe that gets the caller's input and then stays open until the child
 * is reaped (so its end of file means "runbook is gone"); stdout and stderr come back
 * through two non-blocking close-on-exec pipes, are streamed to the caller's callback and
 * captured up to a cap.  Stopping (timeout or sh_interrupt) always targets the whole
 * group: SIGTERM (and SIGCONT, so a stopped job can act on it), then SIGKILL once the
 * grace period is over if any member is still there.
 *
 * When is a command over?  When the child is reaped and both pipes are at EOF — except
 * that a backgrounded grandchild (`daemon &`) may hold the pipes open for ever, so once
 * the child has exited the pipes get at most SH_DRAIN more seconds and are then closed;
 * such a daemon is left running (starting one can be the point of a command).  And once
 * we have started to stop the group, we are not over until the group is empty or SIGKILL
 * has been sent: nobody else would finish the job after the handle is freed.  ("Empty"
 * ignores zombies where /proc can tell them apart: orphans wait for init to reap them,
 * which on some systems takes seconds.)
 *
 * Nothing here ticks while a command runs: the pipes and a pidfd of the child (readable
 * when it exits) sit in one epoll set whose fd the caller polls, so the end of a command
 * wakes the loop at once.  Only where the kernel has no pidfd_open (Linux < 5.3) is the
 * exit looked for every SH_TICK; the tick also paces the wait for a stopped group to empty.
 *
 * A command starts through posix_spawn (a clone that shares the parent's memory until the
 * exec, so a large interpreter does not pay for copying its page tables); only when that
 * fails does a fork run the same steps, to report which one failed.  Between fork and exec
 * the child only makes async-signal-safe calls (libcurl may have
 * threads, and a malloc lock held by one of them would deadlock a child that allocates):
 * the environment is built in the parent and passed to execve, and error messages come
 * from a const table rather than strerror.
 *
 * This file must never read the clock other than through clock.h, install signal
 * handlers in the interpreter, wait for any process but its own children, or block
 * anywhere but in the poll of sh_finish.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include "clock.h"
#include "shell.h"

extern char **environ;

#define SH_GRACE 2.0          /* seconds from SIGTERM to SIGKILL */
#define SH_DRAIN 0.2          /* seconds the pipes may stay open after the child exited */
#define SH_TICK 0.05          /* how often to look for an exit without a pidfd, or a group's end */
#define SH_CHUNK 65536        /* bytes per read() */
#define SH_READS_PER_CALL 16  /* reads per stream per sh_handle, so a flood cannot starve */

struct sh_proc {
    pid_t pid;                /* the child, which is also the process group id */
    int fd[2];                /* read ends for stdout and stderr; -1 once closed */
    int in_fd;                /* write end of the child's stdin, held open; -1: none */
    int pidfd;                /* readable once the child exits; -1 when none (or reaped) */
    int ep;                   /* epoll set of the pipes and the pidfd: the one fd to poll */
    sh_result *res;           /* the caller's, filled in as we go */
    size_t cap;               /* capture limit per stream */
    void (*on_output)(void *ctx, int stream, const char *data, size_t n);
    void *ctx;
    double start;             /* clock_monotonic() at sh_start */
    double deadline;          /* when the timeout fires; -1: no timeout */
    double kill_at;           /* when SIGKILL follows the SIGTERM; valid once stopping */
    double drain_until;       /* when the pipes get closed; valid once reaped */
    int reaped, stopping, killed, done;
};

/* ---- in the child, between fork and exec: async-signal-safe calls only ---- */

/* Signals the interpreter may ignore or handle, which a command must get back as default. */
static const int child_reset_signals[] = {
    SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGPIPE, SIGCHLD, SIGALRM, SIGUSR1, SIGUSR2,
};

/* What chdir, open and execve fail with; strerror is not async-signal-safe. */
static const struct { int err; const char *text; } child_errors[] = {
    { ENOENT, "No such file or directory" }, { ENOTDIR, "Not a directory" },
    { EACCES, "Permission denied" },         { ELOOP, "Too many levels of symbolic links" },
    { ENAMETOOLONG, "File name too long" },  { EIO, "Input/output error" },
    { ENOMEM, "Cannot allocate memory" },    { ENOEXEC, "Exec format error" },
    { E2BIG, "Argument list too long" },     { EMFILE, "Too many open files" },
};

static const char *child_strerror(int err)
{
    for (size_t i = 0; i < sizeof child_errors / sizeof child_errors[0]; i++)
        if (child_errors[i].err == err) return child_errors[i].text;
    return "failed";
}

static void child_write(const char *s)
{
    size_t n = strlen(s);
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, s, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        s += w;
        n -= (size_t)w;
    }
}

/* "runbook: WHAT[ ARG]: REASON" on the command's stderr, then exit 127 like a shell. */
static _Noreturn void child_fail(const char *what, const char *arg, int err)
{
    child_write("runbook: ");
    child_write(what);
    if (arg) {
        child_write(" ");
        child_write(arg);
    }
    child_write(": ");
    child_write(child_strerror(err));
    child_write("\n");
    _exit(127);
}

static void child_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof child_reset_signals / sizeof child_reset_signals[0]; i++)
        sigaction(child_reset_signals[i], &sa, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/* out, err and in are >= 3 (see pipe_open), so dup2 never meets itself and clears
 * CLOEXEC.  in < 0: standard input is /dev/null. */
static void child_stdio(int out, int err, int in)
{
    if (dup2(out, STDOUT_FILENO) < 0 || dup2(err, STDERR_FILENO) < 0) _exit(127);
    if (in >= 0) {
        if (dup2(in, STDIN_FILENO) < 0) _exit(127);
        return;
    }
    int null = open("/dev/null", O_RDONLY);
    if (null < 0) child_fail("open", "/dev/null", errno);
    if (null != STDIN_FILENO) {
        if (dup2(null, STDIN_FILENO) < 0) child_fail("dup2", "/dev/null", errno);
        close(null);
    }
}

/* What the child execs: /bin/sh -c CMD, or a program (its path resolved by the parent). */
typedef struct child_prog { const char *path; char *const *argv; } child_prog;

static _Noreturn void child_exec(const child_prog *prog, const char *cwd, char **envp, const int io[3])
{
    setpgid(0, 0);
    child_signals();
    child_stdio(io[0], io[1], io[2]);
    if (cwd && chdir(cwd) < 0) child_fail("cd", cwd, errno);
    execve(prog->path, prog->argv, envp ? envp : environ);
    child_fail("cannot run", prog->path, errno);
}

/* ---- in the parent: starting ---- */

static void result_init(sh_result *res)
{
    memset(res, 0, sizeof *res);
    buf_init(&res->out);
    buf_init(&res->err);
}

static sh_proc *spawn_failed(sh_result *res, const char *what, int err)
{
    buf_printf(&res->err, "runbook: cannot start /bin/sh: %s: %s\n", what, strerror(err));
    buf_addn(&res->out, "", 0);
    res->err_total = res->err.len;
    res->spawn_failed = 1;
    res->exit_code = 127;
    return NULL;
}

/* A close-on-exec pipe whose ends are both above stdio (the parent's 0–2 may be closed). */
static int pipe_open(int fds[2])
{
    if (pipe2(fds, O_CLOEXEC) < 0) return -1;
    for (int i = 0; i < 2; i++) {
        if (fds[i] > STDERR_FILENO) continue;
        int moved = fcntl(fds[i], F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
        int err = errno;
        close(fds[i]);
        fds[i] = moved;
        if (moved < 0) {
            if (i == 0) close(fds[1]);
            else close(fds[0]);
            errno = err;
            return -1;
        }
    }
    return 0;
}

static int same_name(const char *a, const char *b)
{
    while (*a && *a != '=' && *a == *b) a++, b++;
    return *a == '=' && *b == '=';
}

/* environ with the NAME=value overrides applied (later ones win; entries without '=' are
 * ignored), or NULL when there are none.  The array is rb_free'd; the strings are borrowed. */
static char **env_build(const char *const *env)
{
    if (!env || !env[0]) return NULL;
    size_t n = 0, extra = 0;
    while (environ && environ[n]) n++;
    while (env[extra]) extra++;
    char **envp = rb_xcalloc(n + extra + 1, sizeof *envp);
    for (size_t i = 0; i < n; i++) envp[i] = environ[i];
    for (size_t j = 0; j < extra; j++) {
        if (!strchr(env[j], '=') || env[j][0] == '=') continue;
        size_t i = 0;
        while (i < n && !same_name(envp[i], env[j])) i++;
        envp[i] = (char *)env[j];
        if (i == n) n++;
    }
    return envp;
}

static void close_pair(int fds[2])
{
    close(fds[0]);
    close(fds[1]);
}

/* name searched in PATH like execvp does, but in the parent (the child may not allocate).
 * The result is rb_malloc'd; a name that is not found comes back as is (exec says why). */
char *sh_path_search(const char *name)
{
    if (strchr(name, '/')) return rb_xstrdup(name);
    const char *path = getenv("PATH");
    if (!path || !*path) path = "/usr/local/bin:/usr/bin:/bin";
    rb_buf b;
    buf_init(&b);
    for (const char *p = path;; p++) {
        const char *e = strchr(p, ':');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        buf_reset(&b);
        buf_addn(&b, n ? p : ".", n ? n : 1);
        buf_addc(&b, '/');
        buf_adds(&b, name);
        if (access(buf_cstr(&b), X_OK) == 0) {
            char *r = rb_xstrdup(buf_cstr(&b));
            buf_free(&b);
            return r;
        }
        if (!e) break;
        p = e;
    }
    buf_free(&b);
    return rb_xstrdup(name);
}

/* The child_exec setup through posix_spawn, which clones without copying the parent's page
 * tables (and spares the parent the copy-on-write faults that follow a fork): 0 with *pid
 * set, else an error number, and then nothing ran. */
static int spawn_fast(const child_prog *prog, const char *cwd, char **envp, const int io[3], pid_t *pid)
{
    posix_spawnattr_t at;
    posix_spawn_file_actions_t fa;
    sigset_t reset, none;
    sigemptyset(&reset);
    sigemptyset(&none);
    for (size_t i = 0; i < sizeof child_reset_signals / sizeof child_reset_signals[0]; i++)
        sigaddset(&reset, child_reset_signals[i]);
    if (posix_spawnattr_init(&at) != 0) return ENOMEM;
    if (posix_spawn_file_actions_init(&fa) != 0) {
        posix_spawnattr_destroy(&at);
        return ENOMEM;
    }
    int rc = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    if (rc == 0) rc = posix_spawnattr_setpgroup(&at, 0);
    if (rc == 0) rc = posix_spawnattr_setsigdefault(&at, &reset);
    if (rc == 0) rc = posix_spawnattr_setsigmask(&at, &none);
    if (rc == 0) rc = posix_spawn_file_actions_adddup2(&fa, io[0], STDOUT_FILENO);
    if (rc == 0) rc = posix_spawn_file_actions_adddup2(&fa, io[1], STDERR_FILENO);
    if (rc == 0 && io[2] >= 0) rc = posix_spawn_file_actions_adddup2(&fa, io[2], STDIN_FILENO);
    if (rc == 0 && io[2] < 0) rc = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    if (rc == 0 && cwd) rc = posix_spawn_file_actions_addchdir_np(&fa, cwd);
    if (rc == 0) rc = posix_spawn(pid, prog->path, &fa, &at, prog->argv, envp ? envp : environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    return rc;
}

/* Start the child; its pid, or -1 with errno set.  Closes the write ends.  posix_spawn
 * first; when it fails (a cwd that does not exist, no /bin/sh), nothing has run, and a
 * forked child_exec does the same steps again and says on the command's stderr which one
 * failed, exiting 127 like a shell. */
static pid_t spawn(const char *cmd, const sh_opts *opts, int out[2], int err[2], int in[2])
{
    char **envp = env_build(opts ? opts->env : NULL);
    char *sh_argv[] = { "sh", "-c", (char *)cmd, NULL };
    child_prog prog = { "/bin/sh", sh_argv };
    char *path = NULL;
    if (opts && opts->argv && opts->argv[0]) {   /* a program (ssh), not the shell */
        path = sh_path_search(opts->argv[0]);
        prog.path = path;
        prog.argv = (char *const *)opts->argv;
    }
    int io[3] = { out[1], err[1], in ? in[0] : -1 };
    pid_t pid;
    if (spawn_fast(&prog, opts ? opts->cwd : NULL, envp, io, &pid) != 0) {
        pid = fork();
        if (pid == 0) child_exec(&prog, opts ? opts->cwd : NULL, envp, io);
    }
    int fork_err = errno;
    rb_free(envp);
    rb_free(path);
    close(out[1]);
    close(err[1]);
    if (in) close(in[0]);
    if (pid > 0) setpgid(pid, pid);   /* EACCES once the child has exec'd: it did it itself */
    errno = fork_err;
    return pid;
}

/* The child's pidfd, so that its exit wakes the poll; -1 where the kernel has none (Linux
 * before 5.3), and then the exit is looked for every SH_TICK. */
static int pidfd_of(pid_t pid)
{
#ifdef SYS_pidfd_open
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd >= 0) fcntl(fd, F_SETFD, FD_CLOEXEC);
    return fd;
#else
    (void)pid;
    return -1;
#endif
}

/* One epoll set for the pipes and the pidfd, so a caller polls one fd for all of them.
 * Closing a pipe drops it from the set by itself; the pidfd is closed once reaped. */
static void watch_setup(sh_proc *p)
{
    p->pidfd = pidfd_of(p->pid);
    p->ep = epoll_create1(EPOLL_CLOEXEC);
    int fds[3] = { p->fd[0], p->fd[1], p->pidfd };
    for (int i = 0; p->ep >= 0 && i < 3; i++) {
        struct epoll_event e = { .events = EPOLLIN };
        e.data.fd = fds[i];
        if (fds[i] >= 0 && epoll_ctl(p->ep, EPOLL_CTL_ADD, fds[i], &e) < 0) {
            close(p->ep);   /* no set: the pipes are polled directly, the exit by the tick */
            p->ep = -1;
        }
    }
    if (p->ep < 0 && p->pidfd >= 0) {
        close(p->pidfd);
        p->pidfd = -1;
    }
}

/*
 * Write the input to the child's stdin, waiting (in poll) while the pipe is full, until
 * the command's deadline.  The child reads it at once (ssh forwards it to the channel), so
 * this only waits for long inputs.  A child that exits first gets the rest dropped (EPIPE:
 * SIGPIPE is ignored by the interpreter; a write error ends the feeding quietly).
 */
static void feed_input(sh_proc *p, const char *data, size_t n)
{
    fcntl(p->in_fd, F_SETFL, fcntl(p->in_fd, F_GETFL) | O_NONBLOCK);
    while (n > 0) {
        ssize_t w = write(p->in_fd, data, n);
        if (w > 0) {
            data += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return;
        double now = clock_monotonic();
        if (p->deadline >= 0 && now >= p->deadline) return;
        struct pollfd pfd = { p->in_fd, POLLOUT, 0 };
        int ms = p->deadline < 0 ? 1000 : (int)((p->deadline - now) * 1000.0) + 1;
        if (poll(&pfd, 1, ms) < 0 && errno != EINTR) return;
    }
}

sh_proc *sh_start(const char *cmd, const sh_opts *opts, sh_result *res)
{
    result_init(res);
    double start = clock_monotonic();
    int out[2], err[2];
    if (pipe_open(out) < 0) return spawn_failed(res, "pipe", errno);
    if (pipe_open(err) < 0) {
        int e = errno;
        close_pair(out);
        return spawn_failed(res, "pipe", e);
    }
    int in[2] = { -1, -1 };
    int want_in = opts && opts->input;
    if (want_in && pipe_open(in) < 0) {
        int e = errno;
        close_pair(out);
        close_pair(err);
        return spawn_failed(res, "pipe", e);
    }
    pid_t pid = spawn(cmd, opts, out, err, want_in ? in : NULL);
    if (pid < 0) {
        int e = errno;
        close(out[0]);
        close(err[0]);
        if (want_in) close(in[1]);
        return spawn_failed(res, "fork", e);
    }
    sh_proc *p = rb_xcalloc(1, sizeof *p);
    p->pid = pid;
    p->in_fd = want_in ? in[1] : -1;
    p->fd[0] = out[0];
    p->fd[1] = err[0];
    for (int i = 0; i < 2; i++) fcntl(p->fd[i], F_SETFL, fcntl(p->fd[i], F_GETFL) | O_NONBLOCK);
    p->res = res;
    p->cap = opts && opts->capture_max ? opts->capture_max : SH_CAPTURE_MAX;
    p->on_output = opts ? opts->on_output : NULL;
    p->ctx = opts ? opts->ctx : NULL;
    p->start = start;
    p->deadline = opts && opts->timeout > 0 ? start + opts->timeout : -1;
    watch_setup(p);
    if (want_in) feed_input(p, opts->input, opts->input_len);
    return p;
}

/* ---- in the parent: running ---- */

static void deliver(sh_proc *p, int i, const char *data, size_t n)
{
    rb_buf *b = i == 0 ? &p->res->out : &p->res->err;
    size_t keep = b->len < p->cap ? p->cap - b->len : 0;
    if (keep > n) keep = n;
    buf_addn(b, data, keep);
    if (i == 0) {
        p->res->out_total += n;
        if (keep < n) p->res->out_truncated = 1;
    } else {
        p->res->err_total += n;
        if (keep < n) p->res->err_truncated = 1;
    }
    if (p->on_output) p->on_output(p->ctx, i + 1, data, n);
}

static void stream_close(sh_proc *p, int i)
{
    if (p->fd[i] < 0) return;
    close(p->fd[i]);
    p->fd[i] = -1;
}

/* Read what one pipe has (a bounded amount); EOF or a read error closes it. */
static void stream_read(sh_proc *p, int i)
{
    char chunk[SH_CHUNK];
    for (int k = 0; k < SH_READS_PER_CALL && p->fd[i] >= 0; k++) {
        ssize_t n = read(p->fd[i], chunk, sizeof chunk);
        if (n > 0) {
            deliver(p, i, chunk, (size_t)n);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return;
        } else {
            stream_close(p, i);
        }
    }
}

static void reap(sh_proc *p, double now)
{
    if (p->reaped) return;
    int status;
    pid_t r = waitpid(p->pid, &status, WNOHANG);
    if (r == 0 || (r < 0 && errno == EINTR)) return;
    if (r < 0) {
        p->res->exit_code = -1;   /* ECHILD: someone else reaped it (SIGCHLD ignored?) */
    } else if (WIFSIGNALED(status)) {
        p->res->exit_code = 128 + WTERMSIG(status);
        p->res->signaled = 1;
    } else {
        p->res->exit_code = WEXITSTATUS(status);
    }
    p->reaped = 1;
    p->drain_until = now + SH_DRAIN;
    if (p->in_fd >= 0) {   /* its end of file tells a remote wrapper that the command is over */
        close(p->in_fd);
        p->in_fd = -1;
    }
    if (p->pidfd >= 0) {   /* it stays readable for ever: out of the set */
        close(p->pidfd);
        p->pidfd = -1;
    }
}

/* Members of the group that became our children (when we are pid 1 or a subreaper) would
 * stay zombies for ever: reap them.  Nothing outside the command's group is touched. */
static void reap_orphans(const sh_proc *p)
{
    if (!p->reaped) return;
    while (waitpid(-p->pid, NULL, WNOHANG) > 0) {}
}

/* 1 when /proc/PID/stat shows a live (not zombie) member of group pgid. */
static int proc_is_live_member(const char *pid, pid_t pgid)
{
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/%s/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    ssize_t n = read(fd, line, sizeof line - 1);
    close(fd);
    if (n <= 0) return 0;
    line[n] = '\0';
    const char *rp = strrchr(line, ')');   /* the command name may hold anything */
    char state;
    int ppid, pgrp;
    if (!rp || sscanf(rp + 1, " %c %d %d", &state, &ppid, &pgrp) != 3) return 0;
    return pgrp == pgid && state != 'Z' && state != 'X';
}

/* kill(-pgid, 0) also counts zombies, and orphans wait for init to reap them (seconds, on
 * some systems), so where /proc exists ask it whether a member is really still running. */
static int group_alive(const sh_proc *p)
{
    if (kill(-p->pid, 0) != 0) return 0;
    DIR *d = opendir("/proc");
    if (!d) return 1;
    int live = 0;
    for (struct dirent *e; !live && (e = readdir(d)) != NULL;)
        if (e->d_name[0] >= '1' && e->d_name[0] <= '9') live = proc_is_live_member(e->d_name, p->pid);
    closedir(d);
    return live;
}

/* SIGTERM to the group (once), and SIGKILL becomes due after the grace period. */
static void stop(sh_proc *p, double now)
{
    if (p->stopping) return;
    p->stopping = 1;
    p->kill_at = now + SH_GRACE;
    kill(-p->pid, SIGTERM);
    kill(-p->pid, SIGCONT);
}

static void enforce_time(sh_proc *p, double now)
{
    if (!p->reaped && !p->stopping && p->deadline >= 0 && now >= p->deadline) {
        p->res->timed_out = 1;
        stop(p, now);
    }
    if (p->stopping && !p->killed && now >= p->kill_at) {
        if (group_alive(p)) kill(-p->pid, SIGKILL);
        p->killed = 1;
    }
    if (p->reaped && now >= p->drain_until) {
        stream_close(p, 0);
        stream_close(p, 1);
    }
}

/* Reaped, pipes closed, and if we set out to stop the group, it is gone or SIGKILLed. */
static int finished(const sh_proc *p)
{
    if (!p->reaped || p->fd[0] >= 0 || p->fd[1] >= 0) return 0;
    return !p->stopping || p->killed || !group_alive(p);
}

int sh_handle(sh_proc *p)
{
    if (p->done) return 1;
    stream_read(p, 0);
    stream_read(p, 1);
    double now = clock_monotonic();
    reap(p, now);
    reap_orphans(p);
    enforce_time(p, now);
    if (finished(p)) {
        p->done = 1;
        p->res->duration = now - p->start;
    }
    return p->done;
}

int sh_fds(const sh_proc *p, int fds[2])
{
    if (p->ep >= 0) {
        fds[0] = p->ep;
        return 1;
    }
    int n = 0;
    for (int i = 0; i < 2; i++)
        if (p->fd[i] >= 0) fds[n++] = p->fd[i];
    return n;
}

static double earliest(double a, double b)
{
    return a < 0 || b < a ? b : a;
}

double sh_next_deadline(const sh_proc *p)
{
    if (p->done) return -1;
    double now = clock_monotonic(), d = -1;
    int open = p->fd[0] >= 0 || p->fd[1] >= 0;
    if (!p->reaped && p->pidfd < 0) d = now + SH_TICK;   /* nothing tells us when it exits */
    if (!p->reaped && !p->stopping && p->deadline >= 0) d = earliest(d, p->deadline);
    if (p->stopping && !p->killed) d = earliest(d, earliest(p->kill_at, now + SH_TICK));
    if (p->reaped && open) d = earliest(d, p->drain_until);
    if (d < 0 && p->reaped && !open) d = now;   /* nothing pending but not done: look again */
    return d;   /* -1: only the fds of sh_fds can move it on */
}

void sh_interrupt(sh_proc *p)
{
    if (!p || p->done) return;
    p->res->interrupted = 1;
    stop(p, clock_monotonic());
}

int sh_pgid(const sh_proc *p)
{
    return (int)p->pid;
}

/* ---- in the parent: waiting ---- */

static int poll_ms(double deadline)
{
    if (deadline < 0) return -1;
    double ms = (deadline - clock_monotonic()) * 1000.0 + 1.0;
    if (ms <= 0) return 0;
    return ms > INT_MAX ? INT_MAX : (int)ms;
}

/* Wait for the end; when *cancel becomes set (Ctrl-C), stop the group once. */
static void wait_done(sh_proc *p, const volatile sig_atomic_t *cancel)
{
    int stopped = 0;
    while (!sh_handle(p)) {
        if (cancel && *cancel && !stopped) {
            sh_interrupt(p);
            stopped = 1;
        }
        int fds[2];
        struct pollfd pfd[2];
        int n = sh_fds(p, fds);
        for (int i = 0; i < n; i++) {
            pfd[i].fd = fds[i];
            pfd[i].events = POLLIN;
            pfd[i].revents = 0;
        }
        int ms = poll_ms(sh_next_deadline(p));
        if (poll(pfd, (nfds_t)n, ms) < 0 && errno != EINTR)
            poll(NULL, 0, ms);   /* poll itself failed (ENOMEM): still wait, do not spin */
    }
}

void sh_finish(sh_proc *p)
{
    if (!p) return;
    wait_done(p, NULL);
    stream_close(p, 0);
    stream_close(p, 1);
    buf_addn(&p->res->out, "", 0);   /* never NULL data: always a C string */
    buf_addn(&p->res->err, "", 0);
    if (p->pidfd >= 0) close(p->pidfd);
    if (p->ep >= 0) close(p->ep);
    if (p->in_fd >= 0) close(p->in_fd);
    rb_free(p);
}

int sh_run(const char *cmd, const sh_opts *opts, sh_result *res)
{
    sh_proc *p = sh_start(cmd, opts, res);
    if (p && opts && opts->cancel) wait_done(p, opts->cancel);
    sh_finish(p);
    return res->exit_code;
}

void sh_result_free(sh_result *res)
{
    buf_free(&res->out);
    buf_free(&res->err);
}

void sh_quote(rb_buf *b, const char *s)
{
    buf_addc(b, '\'');
    for (const char *q; (q = strchr(s, '\'')) != NULL; s = q + 1) {
        buf_addn(b, s, (size_t)(q - s));
        buf_adds(b, "'\\''");
    }
    buf_adds(b, s);
    buf_addc(b, '\'');
}

/* `runbook test`'s workers: fn(arg) in a child process whose exit status is its result. */
int sh_fork_call(int (*fn)(void *arg), void *arg)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) exit(fn(arg));
    return (int)pid;
}

int sh_wait_any(int *status)
{
    pid_t pid;
    while ((pid = waitpid(-1, status, 0)) < 0 && errno == EINTR) {}
    return (int)pid;
}

/* ---- a process group from an earlier process (a command in flight at a crash) ---- */

int sh_group_alive(int pgid)
{
    if (pgid <= 1 || kill(-(pid_t)pgid, 0) != 0) return 0;
    DIR *d = opendir("/proc");
    if (!d) return 1;
    int live = 0;
    for (struct dirent *e; !live && (e = readdir(d)) != NULL;)
        if (e->d_name[0] >= '1' && e->d_name[0] <= '9') live = proc_is_live_member(e->d_name, (pid_t)pgid);
    closedir(d);
    return live;
}

void sh_group_stop(int pgid)
{
    if (pgid <= 1) return;
    kill(-(pid_t)pgid, SIGTERM);
    kill(-(pid_t)pgid, SIGCONT);
    double until = clock_monotonic() + SH_GRACE;
    while (sh_group_alive(pgid) && clock_monotonic() < until) poll(NULL, 0, 50);
    if (sh_group_alive(pgid)) kill(-(pid_t)pgid, SIGKILL);
}
