/*
 * ssh.h — remote commands over the system's OpenSSH client.
 *
 * The engine is OpenSSH itself: the user's ~/.ssh/config (or --ssh-config FILE, passed as
 * -F), agent and known_hosts apply.  Every connection is BatchMode (never a password
 * prompt, never a silent StrictHostKeyChecking=no) and multiplexed: one master connection
 * per host (ControlMaster), reused by every command of the run, closed at its end.
 *
 * What travels where: the command line of ssh, local and remote, holds only a fixed
 * wrapper script (ssh_wrapper below), never a value.  The runbook's command and the
 * values it interpolates travel on the channel's standard input as a length-prefixed
 * payload: variable assignments (each value single-quoted, so it is data), then the
 * script.  The wrapper reads it, runs it in a session of its own, and keeps reading its
 * standard input: when that ends (the local ssh was stopped by a timeout, Ctrl-C or the
 * failure menu, or the connection dropped) it stops the command's whole process group,
 * so no orphan is left on the host.
 *
 * This file builds arguments and payloads; it never forks (shell.c does).
 */
#ifndef RB_SSH_H
#define RB_SSH_H

#include "util.h"

typedef struct ssh_ctx ssh_ctx;

/* One variable the remote script sees: NAME='value'. */
typedef struct ssh_var { const char *name, *value; } ssh_var;

/* config: an ssh_config file (-F) or NULL, then $RUNBOOK_SSH_CONFIG, then ssh's own.
 * Returns NULL with *why set when ssh is not installed or the config is unreadable. */
ssh_ctx *ssh_open(const char *config, const char **why);
/* The argv that runs the wrapper on host (valid until ssh_close). */
const char *const *ssh_argv(ssh_ctx *s, const char *host);
/* The bytes to send on the command's standard input. */
void ssh_payload(rb_buf *out, const char *script, const ssh_var *vars, int nvars);
/* NULL when host can be passed to ssh, else why not (an option, a control character). */
const char *ssh_host_problem(const char *host);
/* An ssh exit status of 255 with this stderr is ssh's own failure: a short reason, or NULL. */
const char *ssh_failure(int exit_code, const char *err);
/* Close every master connection of the run (ssh -O exit) and remove the control sockets. */
void ssh_close(ssh_ctx *s);

#endif
