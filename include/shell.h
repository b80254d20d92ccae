/*
 * shell.h — running commands: the only module that forks.
 *
 * A command runs as `/bin/sh -c CMD` in its own process group, with standard input from
 * /dev/null, its stdout and stderr read through pipes, streamed live to a callback and
 * captured up to a cap (the result says when it was truncated).  A timeout, or an
 * interrupt request, stops the whole process group: SIGTERM, then SIGKILL after a grace
 * period.  The API is split (start / fds / handle / finish) so the event loop of the
 * clock module can wait on the pipes together with prompts and timers; sh_run() is the
 * simple blocking form built on it.
 */
#ifndef RB_SHELL_H
#define RB_SHELL_H

#include <signal.h>
#include <stddef.h>
#include "util.h"

#define SH_CAPTURE_MAX (1024 * 1024)   /* bytes kept per stream; the rest is counted */

typedef struct sh_opts {
    double timeout;              /* seconds; <= 0: none */
    const char *cwd;             /* NULL: inherit */
    const char *const *env;      /* NULL-terminated "NAME=value" entries added/overridden */
    size_t capture_max;          /* 0: SH_CAPTURE_MAX */
    /* Live output: called with each chunk as it arrives (stream 1 = stdout, 2 = stderr). */
    void (*on_output)(void *ctx, int stream, const char *data, size_t n);
    void *ctx;
    /* sh_run only: when *cancel becomes non-zero (set by a SIGINT handler), the process
     * group is stopped as by sh_interrupt.  NULL: not cancellable. */
    const volatile sig_atomic_t *cancel;
    /* Run this program (argv[0] searched in PATH) instead of `/bin/sh -c CMD`; cmd is then
     * only a label.  NULL: the shell. */
    const char *const *argv;
    /* Written to the command's standard input (instead of /dev/null), which then stays open
     * until the process is reaped: its end of file tells the command that we are gone
     * (remote commands use it to stop their process group when the connection drops). */
    const char *input;
    size_t input_len;
} sh_opts;

typedef struct sh_result {
    int exit_code;               /* exit status; 128 + signal when killed by a signal */
    int signaled;                /* killed by a signal */
    int timed_out;               /* stopped because of the timeout */
    int interrupted;             /* stopped because sh_interrupt() was called */
    int spawn_failed;            /* could not start (message in out_err) */
    rb_buf out, err;             /* captured output (NUL-terminated) */
    size_t out_total, err_total; /* bytes produced, including those past the cap */
    int out_truncated, err_truncated;
    double duration;             /* real seconds */
} sh_result;

/* Lifetimes: sh_start fills *res from scratch (no need to clear it first) and keeps a
 * pointer to it, so res must outlive the handle; after sh_finish, or a NULL sh_start, free
 * it with sh_result_free.  out.data and err.data are never NULL after sh_finish.  A spawn
 * failure gives exit_code 127; a status lost to someone else's waitpid gives -1.  A command
 * that exits cleanly on the SIGTERM of a timeout or interrupt still has timed_out or
 * interrupted set.  on_output may call sh_interrupt, never sh_finish.  After the child
 * exits, output from a background process still holding the pipes is read for 0.2 s more;
 * that process is then left running (unless the group was being stopped). */
typedef struct sh_proc sh_proc;

/* Start cmd.  Returns NULL when fork/pipe fail (res->spawn_failed set, reason in res->err). */
sh_proc *sh_start(const char *cmd, const sh_opts *opts, sh_result *res);
/* The fds to poll() for POLLIN (0, 1 or 2 of them); returns how many were written.  Where
 * the kernel has pidfds this is one epoll fd that is ready on output, on EOF and on the
 * child's exit, so a caller never needs a tick to notice the end. */
int sh_fds(const sh_proc *p, int fds[2]);
/* Read what is available, enforce the timeout, reap the child.  Returns 1 when the
 * process has ended and both pipes are drained, else 0.  Never blocks for long. */
int sh_handle(sh_proc *p);
/* The deadline (monotonic seconds) by which sh_handle must be called again, or -1 when only
 * the fds of sh_fds can move the command on (wait on them without a timeout). */
double sh_next_deadline(const sh_proc *p);
/* Ask the process group to stop (Ctrl-C): SIGTERM now, SIGKILL after the grace period. */
void sh_interrupt(sh_proc *p);
/* Wait for the end (blocking), fill in the result, free the handle. */
void sh_finish(sh_proc *p);
/* The process group id of a started command (its pid): for tests, logs and the record.
 * The group may outlive the handle (a backgrounded daemon); signal it only while p lives. */
int sh_pgid(const sh_proc *p);

/* A process group left by an earlier process (a command in flight when runbook was
 * killed): is a member still running (zombies do not count)?  Stop it: SIGTERM, then
 * SIGKILL after the grace period (blocks up to that long). */
int sh_group_alive(int pgid);
void sh_group_stop(int pgid);

/* Blocking convenience: start, loop on poll until done, finish.  Returns res->exit_code. */
int sh_run(const char *cmd, const sh_opts *opts, sh_result *res);
void sh_result_free(sh_result *res);

/* `runbook test`'s workers: run fn(arg) in a forked child that exits with its return value;
 * the child's pid, or -1.  sh_wait_any waits for any child: its pid and status. */
int sh_fork_call(int (*fn)(void *arg), void *arg);
int sh_wait_any(int *status);

/* name looked up in PATH as execvp would (rb_malloc'd; a name not found comes back as is). */
char *sh_path_search(const char *name);

/* Append s to b as one shell word (single-quoted; ' becomes '\''). */
void sh_quote(rb_buf *b, const char *s);

#endif
