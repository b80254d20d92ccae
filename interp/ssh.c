/*
 * ssh.c — the arguments and payloads of remote commands (see ssh.h for the design).
 *
 * Owns: where the run's control sockets live, which hosts got a master connection, the
 * fixed wrapper that runs on the host, and the payload format.  Never: fork or exec (the
 * closing `ssh -O exit` goes through shell.c), or put a value on a command line.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "shell.h"
#include "ssh.h"

/*
 * Runs on the host, as the one argument of `sh -c` that ssh hands to the login shell (so it
 * holds no single quote).  Standard input: a line with the payload's length, the payload,
 * then nothing until the connection ends.  The payload reaches a new `sh` through a pipe
 * (fd 5, read as /dev/fd/5: no command line ever holds it), in a session of its own
 * (setsid, where the host has it) with /dev/null as its input.  A watcher keeps reading
 * the channel and, at its end, stops the payload's process group: TERM, then KILL.
 */
static const char WRAPPER[] =
    "sh -c '"
    "exec 4<&0; "
    "IFS= read -r n || exit 255; "
    "case $n in \"\"|*[!0-9]*) echo \"runbook: bad payload\" >&2; exit 255;; esac; "
    "s=$(head -c \"$n\"; echo .) || exit 255; s=${s%.}; "
    "r=; command -v setsid >/dev/null 2>&1 && r=setsid; "
    "printf %s \"$s\" | $r sh /dev/fd/5 5<&0 </dev/null 4<&- & "
    "p=$!; s=; "
    "{ IFS= read -r _; kill -TERM -\"$p\" 2>/dev/null || kill -TERM \"$p\"; sleep 2; "
    "kill -KILL -\"$p\" 2>/dev/null; } <&4 >/dev/null 2>&1 & "
    "w=$!; exec 4<&-; wait \"$p\"; rc=$?; kill \"$w\" 2>/dev/null; exit \"$rc\"'";

#define SSH_CONNECT_TIMEOUT "ConnectTimeout=10"

struct ssh_ctx {
    char *config;          /* -F, or NULL */
    char dir[96];          /* the control sockets' directory (0700) */
    char control[136];      /* "ControlPath=DIR/hN" of the last ssh_argv() */
    char **hosts;          /* hosts that were connected to (for -O exit) */
    int nhosts, caphosts;
    const char *argv[24];  /* the last ssh_argv() */
};

static int ssh_installed(void)
{
    char *path = sh_path_search("ssh");
    int found = strchr(path, '/') && access(path, X_OK) == 0;
    rb_free(path);
    return found;
}

ssh_ctx *ssh_open(const char *config, const char **why)
{
    static char reason[512];
    if (!config || !*config) config = getenv("RUNBOOK_SSH_CONFIG");
    if (config && !*config) config = NULL;
    if (!ssh_installed()) {
        *why = "remote commands need the OpenSSH client: `ssh` is not in PATH "
               "(Debian: apt-get install openssh-client)";
        return NULL;
    }
    if (config) {
        struct stat st;
        int fd = open(config, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            snprintf(reason, sizeof reason, "--ssh-config %s: %s", config,
                     fd < 0 ? strerror(errno) : "not a regular file");
            if (fd >= 0) close(fd);
            *why = reason;
            return NULL;
        }
        close(fd);
    }
    ssh_ctx *s = rb_xcalloc(1, sizeof *s);
    /* under $TMPDIR when its path leaves room for a socket name (a socket's path holds
     * at most 107 bytes), else /tmp */
    const char *tmp = getenv("TMPDIR");
    if (!tmp || tmp[0] != '/' || strlen(tmp) > 60) tmp = "/tmp";
    snprintf(s->dir, sizeof s->dir, "%s/runbook-ssh-XXXXXX", tmp);
    if (!mkdtemp(s->dir)) {
        snprintf(reason, sizeof reason, "cannot make a directory for ssh's control sockets: %s", strerror(errno));
        rb_free(s);
        *why = reason;
        return NULL;
    }
    s->config = config ? rb_xstrdup(config) : NULL;
    return s;
}

const char *ssh_host_problem(const char *host)
{
    if (!host || !*host) return "an empty host name";
    if (host[0] == '-') return "a host name cannot start with '-'";
    for (const unsigned char *p = (const unsigned char *)host; *p; p++)
        if (*p <= ' ' || *p == 0x7f) return "a host name cannot hold spaces or control characters";
    return NULL;
}

/* The host's index among those of the run (its control socket is DIR/h<index>: one master
 * connection per host as the runbook names it, and a path that always fits a socket). */
static int remember(ssh_ctx *s, const char *host)
{
    for (int i = 0; i < s->nhosts; i++)
        if (strcmp(s->hosts[i], host) == 0) return i;
    if (s->nhosts == s->caphosts) {
        s->caphosts = s->caphosts ? 2 * s->caphosts : 8;
        s->hosts = rb_xrealloc(s->hosts, (size_t)s->caphosts * sizeof *s->hosts);
    }
    s->hosts[s->nhosts] = rb_xstrdup(host);
    return s->nhosts++;
}

/* The options every ssh call of the run shares; returns how many argv slots it filled. */
static int common_args(ssh_ctx *s, int host, const char **a)
{
    snprintf(s->control, sizeof s->control, "ControlPath=%s/h%d", s->dir, host);
    int n = 0;
    a[n++] = "ssh";
    if (s->config) {
        a[n++] = "-F";
        a[n++] = s->config;
    }
    a[n++] = "-o";
    a[n++] = s->control;
    return n;
}

const char *const *ssh_argv(ssh_ctx *s, const char *host)
{
    const char **a = s->argv;
    int n = common_args(s, remember(s, host), a);
    a[n++] = "-T";
    a[n++] = "-o";
    a[n++] = "BatchMode=yes";
    a[n++] = "-o";
    a[n++] = "ControlMaster=auto";
    a[n++] = "-o";
    a[n++] = "ControlPersist=60";   /* a killed run's masters go away by themselves */
    a[n++] = "-o";
    a[n++] = SSH_CONNECT_TIMEOUT;
    a[n++] = "-o";
    a[n++] = "ServerAliveInterval=15";
    a[n++] = "--";
    a[n++] = host;
    a[n++] = WRAPPER;
    a[n] = NULL;
    return a;
}

void ssh_payload(rb_buf *out, const char *script, const ssh_var *vars, int nvars)
{
    rb_buf body;
    buf_init(&body);
    buf_adds(&body, "exec 5<&-\n");   /* the pipe the script comes through is not the command's */
    for (int i = 0; i < nvars; i++) {
        buf_adds(&body, vars[i].name);
        buf_addc(&body, '=');
        sh_quote(&body, vars[i].value ? vars[i].value : "");
        buf_addc(&body, '\n');
    }
    buf_adds(&body, script);
    buf_printf(out, "%zu\n", body.len);
    buf_addn(out, body.data ? body.data : "", body.len);
    buf_free(&body);
}

const char *ssh_failure(int exit_code, const char *err)
{
    if (exit_code != 255 || !err) return NULL;
    static const struct { const char *needle, *reason; } known[] = {
        {"Host key verification failed", "host key verification failed: the host's key does not match known_hosts"},
        {"REMOTE HOST IDENTIFICATION HAS CHANGED", "the host's key has changed: refused (check known_hosts)"},
        {"Connection refused", "connection refused"},
        {"Connection timed out", "connection timed out"},
        {"Could not resolve hostname", "could not resolve the host name"},
        {"No route to host", "no route to host"},
        {"Permission denied", "permission denied: the host did not accept any key"},
        {"Connection closed", "the connection was closed"},
        {"Bad configuration option", "the ssh configuration is not valid"},
        {"ssh:", "ssh failed"},
    };
    for (size_t i = 0; i < sizeof known / sizeof *known; i++)
        if (strstr(err, known[i].needle)) return known[i].reason;
    return NULL;
}

void ssh_close(ssh_ctx *s)
{
    if (!s) return;
    for (int i = 0; i < s->nhosts; i++) {
        const char *a[12];
        int n = common_args(s, i, a);
        a[n++] = "-O";
        a[n++] = "exit";
        a[n++] = "--";
        a[n++] = s->hosts[i];
        a[n] = NULL;
        sh_opts o = {.timeout = 5, .argv = a};
        sh_result r;
        sh_run("ssh -O exit", &o, &r);
        sh_result_free(&r);
        rb_free(s->hosts[i]);
    }
    rb_free(s->hosts);
    /* a master that would not exit leaves its socket: the directory goes anyway */
    DIR *d = opendir(s->dir);
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.') continue;
        char path[sizeof s->dir + 256];
        snprintf(path, sizeof path, "%s/%s", s->dir, e->d_name);
        unlink(path);
    }
    if (d) closedir(d);
    rmdir(s->dir);
    rb_free(s->config);
    rb_free(s);
}
