/*
 * Unit tests for interp/http.c against a real server: tests/tools/httpd.py, started here on
 * a loopback port with its log and port files in tmpdir, and stopped at the end.  Requests
 * go over real sockets: every method with headers and bodies (checked against what the
 * server logged), statuses, retries and their back-off, transport errors (a closed port, a
 * timeout, an empty reply, a reply cut short), redirects and their limits, the body cap,
 * garbage and giant headers, waiting on the caller's fds, cancelling, and e-mail through
 * the server's SMTP sink.
 *
 * Proxy variables are removed first, so that loopback requests never go to a proxy.  The
 * cancel flag is set from a signal handler that finds it through the timer's sigev_value,
 * so no global is needed.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include "clock.h"
#include "http.h"
#include "unit.h"

void test_http(const char *tmpdir);

enum { PATH_BUF = 4096 };

typedef struct server {
    pid_t pid;
    int port, smtp_port;
    char log[PATH_BUF];
} server;

/* ---- the server ---- */

static int read_port(const char *path)
{
    FILE *f = fopen(path, "r");
    int port = 0;
    if (f) {
        if (fscanf(f, "%d", &port) != 1) port = 0;
        fclose(f);
    }
    return port;
}

static int server_start(server *s, const char *tmpdir)
{
    char pf[PATH_BUF], spf[PATH_BUF];
    snprintf(pf, sizeof pf, "%s/httpd.port", tmpdir);
    snprintf(spf, sizeof spf, "%s/smtpd.port", tmpdir);
    snprintf(s->log, sizeof s->log, "%s/httpd.log", tmpdir);
    unlink(pf);
    unlink(spf);
    unlink(s->log);
    s->pid = fork();
    if (s->pid < 0) return -1;
    if (s->pid == 0) {
        execlp("python3", "python3", RUNBOOK_SRC_DIR "/tests/tools/httpd.py", "--port-file", pf,
               "--log", s->log, "--smtp-port-file", spf, "--max-seconds", "120", (char *)NULL);
        _exit(127);
    }
    double until = clock_monotonic() + 10;
    while (clock_monotonic() < until) {
        s->port = read_port(pf);
        s->smtp_port = read_port(spf);
        if (s->port > 0 && s->smtp_port > 0) return 0;
        if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
            s->pid = 0;
            return -1;
        }
        usleep(20000);
    }
    return -1;
}

static void server_stop(server *s)
{
    if (s->pid <= 0) return;
    kill(s->pid, SIGTERM);
    waitpid(s->pid, NULL, 0);
    s->pid = 0;
}

/* The logged requests (or SMTP messages) whose "path" is path (NULL: SMTP messages), as a
 * new JSON array. */
static json_t *logged(const server *s, const char *path)
{
    json_t *all = json_array();
    FILE *f = fopen(s->log, "r");
    char line[1 << 16];
    while (f && fgets(line, sizeof line, f)) {
        json_t *e = json_loads(line, 0, NULL);
        const char *p = json_string_value(json_object_get(e, "path"));
        int want = path ? p && strcmp(p, path) == 0 : json_is_true(json_object_get(e, "smtp"));
        if (want) json_array_append(all, e);
        json_decref(e);
    }
    if (f) fclose(f);
    return all;
}

static size_t logged_count(const server *s, const char *path)
{
    json_t *a = logged(s, path);
    size_t n = json_array_size(a);
    json_decref(a);
    return n;
}

/* The last request logged for path (a new reference), or NULL. */
static json_t *logged_last(const server *s, const char *path)
{
    json_t *a = logged(s, path);
    json_t *e = json_array_get(a, json_array_size(a) - 1);
    json_incref(e);
    json_decref(a);
    return e;
}

/* ---- requests ---- */

static const char *url_of(const server *s, const char *path, char *buf, size_t size)
{
    snprintf(buf, size, "http://127.0.0.1:%d%s", s->port, path);
    return buf;
}

/* Run method path with the other fields of *r. */
static int run(const server *s, http_req r, const char *method, const char *path, http_res *res)
{
    char u[512];
    r.method = method;
    r.url = url_of(s, path, u, sizeof u);
    return http_run(&r, res, NULL);
}

static const char *hdr(const http_res *res, const char *name)
{
    return json_string_value(json_object_get(res->headers, name));
}

static json_t *body_json(const http_res *res)
{
    return json_loadb(res->body.data, res->body.len, 0, NULL);
}

static int streq(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

static int names_lower_case(const json_t *headers)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)headers, k, v)
        for (const char *p = k; *p; p++)
            if (*p >= 'A' && *p <= 'Z') return 0;
    return 1;
}

static int closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = 0 };
    socklen_t len = sizeof a;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) < 0
        || getsockname(fd, (struct sockaddr *)&a, &len) < 0) {
        if (fd >= 0) close(fd);
        return 9;
    }
    close(fd);
    return ntohs(a.sin_port);
}

/* How many file descriptors this process has open. */
static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    while (d && readdir(d)) n++;
    if (d) closedir(d);
    return n;
}

/* ---- the tests ---- */

static void check_method(const server *s, const char *method, int n)
{
    static const char *const hdrs[] = { "X-Test: value 1", "Content-Type: application/json", NULL };
    char path[64], body[64];
    snprintf(path, sizeof path, "/json/%s", method);
    snprintf(body, sizeof body, "{\"n\": %d}", n);
    int with_body = !strcmp(method, "POST") || !strcmp(method, "PUT") || !strcmp(method, "PATCH");
    http_res res;
    run(s, (http_req){ .headers = hdrs, .body = with_body ? body : NULL,
                       .body_len = with_body ? strlen(body) : 0 }, method, path, &res);
    json_t *echo = body_json(&res), *log = logged_last(s, path);
    json_t *lh = json_object_get(log, "headers");
    CHECK(res.ok && res.status == 200 && res.attempts == 1 && res.error[0] == '\0',
          "%s: ok, 200, one attempt", method);
    CHECK(streq(json_string_value(json_object_get(echo, "method")), method),
          "%s: the server saw the method", method);
    CHECK(streq(json_string_value(json_object_get(lh, "X-Test")), "value 1")
          && streq(json_string_value(json_object_get(lh, "User-Agent")), "runbook/0.1"),
          "%s: request headers and user agent arrived", method);
    if (with_body)
        CHECK(json_integer_value(json_object_get(json_object_get(echo, "json"), "n")) == n
              && streq(json_string_value(json_object_get(log, "body")), body),
              "%s: the JSON body arrived intact", method);
    CHECK(streq(hdr(&res, "content-type"), "application/json") && names_lower_case(res.headers),
          "%s: response header names are lower-case", method);
    json_decref(echo);
    json_decref(log);
    http_res_free(&res);
}

static void test_methods(const server *s)
{
    static const char *const methods[] = { "GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS" };
    for (int i = 0; i < 6; i++) check_method(s, methods[i], i + 10);

    http_res res;
    run(s, (http_req){ 0 }, "HEAD", "/json/head", &res);
    json_t *log = logged_last(s, "/json/head");
    CHECK(res.ok && res.status == 200 && res.body.len == 0 && res.body.data
          && hdr(&res, "content-length") && streq(json_string_value(json_object_get(log, "method")), "HEAD"),
          "HEAD: status and headers, no body");
    json_decref(log);
    http_res_free(&res);

    run(s, (http_req){ 0 }, "POST", "/json/empty", &res);
    log = logged_last(s, "/json/empty");
    CHECK(res.ok && streq(json_string_value(json_object_get(json_object_get(log, "headers"), "Content-Length")), "0"),
          "POST without a body sends Content-Length: 0");
    json_decref(log);
    http_res_free(&res);

    static const char *const empty[] = { "X-Empty:", "X-Blank:  ", "X-Semi;", NULL };
    run(s, (http_req){ .headers = empty }, "GET", "/json/empty-headers", &res);
    log = logged_last(s, "/json/empty-headers");
    json_t *lh = json_object_get(log, "headers");
    CHECK(res.ok && streq(json_string_value(json_object_get(lh, "X-Empty")), "")
          && streq(json_string_value(json_object_get(lh, "X-Blank")), "")
          && streq(json_string_value(json_object_get(lh, "X-Semi")), ""),
          "headers with empty values are sent, not dropped");
    json_decref(log);
    http_res_free(&res);

    static const char bin[] = "a\0b\xff";
    run(s, (http_req){ .body = bin, .body_len = 4 }, "PUT", "/json/bin", &res);
    log = logged_last(s, "/json/bin");
    CHECK(res.ok && streq(json_string_value(json_object_get(json_object_get(log, "body"), "base64")), "YQBi/w=="),
          "a binary body with a NUL is sent byte for byte");
    json_decref(log);
    http_res_free(&res);
}

static void test_statuses(const server *s)
{
    http_res res;
    run(s, (http_req){ .retries = 3, .backoff = 0.01 }, "GET", "/status/404", &res);
    CHECK(!res.ok && res.status == 404 && res.attempts == 1 && res.error[0] == '\0'
          && logged_count(s, "/status/404") == 1, "404: not ok, never retried");
    json_t *j = body_json(&res);
    CHECK(json_integer_value(json_object_get(j, "status")) == 404, "404: the body is kept");
    json_decref(j);
    http_res_free(&res);

    run(s, (http_req){ .retries = 2, .backoff = 0.01 }, "GET", "/status/500", &res);
    CHECK(!res.ok && res.status == 500 && res.attempts == 3 && res.error[0] == '\0'
          && logged_count(s, "/status/500") == 3, "500 with retries exhausted: ok 0, status 500, 3 attempts");
    http_res_free(&res);

    run(s, (http_req){ .retries = 1, .backoff = 0.01 }, "GET", "/status/429", &res);
    CHECK(!res.ok && res.status == 429 && res.attempts == 2, "429 is retried");
    http_res_free(&res);

    run(s, (http_req){ 0 }, "GET", "/status/204", &res);
    CHECK(res.ok && res.status == 204 && res.body.len == 0, "204: ok with an empty body");
    http_res_free(&res);

    run(s, (http_req){ 0 }, "GET", "/status/200", &res);
    CHECK(res.ok && res.status == 200 && res.duration > 0 && res.duration < 5, "200: ok, a duration");
    http_res_free(&res);
}

static void test_retries(const server *s)
{
    http_res res;
    run(s, (http_req){ .retries = 3, .backoff = 0.05 }, "GET", "/flaky/a/2", &res);
    json_t *j = body_json(&res);
    CHECK(res.ok && res.status == 200 && res.attempts == 3
          && json_integer_value(json_object_get(j, "attempt")) == 3, "flaky N=2: ok on attempt 3");
    CHECK(res.duration >= (0.05 + 0.1) * 0.75, "the back-off delays are waited (%.3f s)", res.duration);
    json_decref(j);
    http_res_free(&res);

    run(s, (http_req){ .retries = 1, .backoff = 0.01 }, "GET", "/flaky/b/5", &res);
    CHECK(!res.ok && res.status == 500 && res.attempts == 2, "flaky N=5 with one retry: 500 after 2 attempts");
    http_res_free(&res);

    /* The back-off wait does not block: http_handle returns at once, and http_poll
     * sleeps no longer than until the next attempt even when asked for 10 s. */
    char u[512];
    http_req r = { .method = "GET", .url = url_of(s, "/flaky/c/1", u, sizeof u), .retries = 1,
                   .backoff = 0.3 };
    double t0 = clock_monotonic(), worst = 0;
    http_call *c = http_start(&r, &res);
    for (;;) {
        double t = clock_monotonic();
        int done = http_handle(c);
        if (clock_monotonic() - t > worst) worst = clock_monotonic() - t;
        if (done) break;
        http_poll(c, NULL, 0, 10000);
    }
    http_finish(c);
    double took = clock_monotonic() - t0;
    CHECK(res.ok && res.attempts == 2 && took >= 0.2 && took < 1.5,
          "http_poll wakes up for the next attempt (%.3f s)", took);
    CHECK(worst < 0.1, "http_handle never waits for the back-off (%.3f s at most)", worst);
    http_res_free(&res);
}

static void test_transport(const server *s)
{
    char u[512];
    http_res res;
    snprintf(u, sizeof u, "http://127.0.0.1:%d/", closed_port());
    http_run(&(http_req){ .method = "GET", .url = u }, &res, NULL);
    CHECK(!res.ok && res.status == 0 && res.error[0] && res.attempts == 1,
          "a closed port: ok 0, status 0, error \"%s\"", res.error);
    http_res_free(&res);
    http_run(&(http_req){ .method = "GET", .url = u, .retries = 2, .backoff = 0.01 }, &res, NULL);
    CHECK(!res.ok && res.attempts == 3, "a refused connection is retried");
    http_res_free(&res);

    double t0 = clock_monotonic();
    run(s, (http_req){ .timeout = 0.3 }, "GET", "/slow/3", &res);
    double took = clock_monotonic() - t0;
    CHECK(!res.ok && res.status == 0 && strstr(res.error, "timed out") && took < 2,
          "a server that does not answer: timeout after %.2f s (\"%s\")", took, res.error);
    http_res_free(&res);

    run(s, (http_req){ .timeout = 0.2, .retries = 1, .backoff = 0.01 }, "GET", "/slow/1", &res);
    CHECK(!res.ok && res.attempts == 2 && res.duration >= 0.4, "a timeout is retried");
    http_res_free(&res);

    run(s, (http_req){ 0 }, "GET", "/close", &res);
    CHECK(!res.ok && res.status == 0 && res.error[0], "an empty reply: \"%s\"", res.error);
    http_res_free(&res);

    http_run(&(http_req){ .method = "GET", .url = "file:///etc/passwd", .retries = 3 }, &res, NULL);
    CHECK(!res.ok && res.attempts == 1 && res.body.len == 0, "file:// is refused, not retried");
    http_res_free(&res);

    http_run(&(http_req){ .method = "GET", .url = "http://[::1" }, &res, NULL);
    CHECK(!res.ok && res.error[0], "a malformed URL: \"%s\"", res.error);
    http_res_free(&res);
}

static void test_redirects(const server *s)
{
    http_res res;
    run(s, (http_req){ 0 }, "GET", "/redirect/3", &res);
    json_t *j = body_json(&res);
    CHECK(res.ok && res.status == 200 && streq(json_string_value(json_object_get(j, "path")), "/json")
          && logged_count(s, "/redirect/1") == 1, "redirects are followed to the end");
    CHECK(!json_object_get(res.headers, "location") && !json_object_get(res.headers, "x-hop")
          && hdr(&res, "content-type"), "only the final response's headers are kept");
    json_decref(j);
    http_res_free(&res);

    run(s, (http_req){ .max_redirects = 2, .retries = 2, .backoff = 0.01 }, "GET", "/redirect/3", &res);
    CHECK(!res.ok && res.status == 0 && res.attempts == 1 && strstr(res.error, "edirect"),
          "past the redirect limit: an error, not retried (\"%s\")", res.error);
    http_res_free(&res);

    run(s, (http_req){ .max_redirects = -1 }, "GET", "/redirect/2", &res);
    CHECK(!res.ok && res.status == 302 && streq(hdr(&res, "location"), "/redirect/1"),
          "max_redirects < 0: the 302 itself");
    http_res_free(&res);

    run(s, (http_req){ .retries = 2 }, "GET", "/redirect-to?url=file:///etc/passwd", &res);
    CHECK(!res.ok && res.attempts == 1 && !strstr(buf_cstr(&res.body), "root:"),
          "a redirect to file:// is not followed");
    http_res_free(&res);
}

static void test_limits(const server *s)
{
    http_res res;
    run(s, (http_req){ .max_body = 1000 }, "GET", "/big/100000", &res);
    CHECK(res.ok && res.status == 200 && res.body.len == 1000 && res.body_truncated
          && res.body.data[1000] == '\0' && memcmp(res.body.data, "0123456789abcdef", 16) == 0,
          "a body past max_body: the first bytes, truncated, still ok");
    http_res_free(&res);

    run(s, (http_req){ .max_body = 1000 }, "GET", "/big/1000", &res);
    CHECK(res.ok && res.body.len == 1000 && !res.body_truncated, "a body of exactly max_body is whole");
    http_res_free(&res);

    run(s, (http_req){ 0 }, "GET", "/big/300000", &res);
    CHECK(res.ok && res.body.len == 300000 && !res.body_truncated, "300 kB under the default cap");
    http_res_free(&res);

    run(s, (http_req){ 0 }, "GET", "/binary", &res);
    int same = res.body.len == 256;
    for (int i = 0; same && i < 256; i++) same = (unsigned char)res.body.data[i] == i;
    CHECK(res.ok && same, "a binary body comes back byte for byte");
    http_res_free(&res);

    run(s, (http_req){ 0 }, "GET", "/garbage", &res);
    char *dump = json_dumps(res.headers, 0);
    CHECK(!res.ok && res.status == 0 && res.error[0] && dump && hdr(&res, "x-bad"),
          "garbage and a short body: an error, headers still valid JSON (\"%s\")", res.error);
    free(dump);
    http_res_free(&res);

    run(s, (http_req){ 0 }, "GET", "/header/60000", &res);
    const char *big = hdr(&res, "x-big");
    CHECK(res.ok && big && strlen(big) == 60000, "a 60 kB header is kept");
    http_res_free(&res);

    run(s, (http_req){ 0 }, "GET", "/header/1000000", &res);
    CHECK(res.body.data && res.headers, "a 1 MB header does not crash (ok=%d, \"%s\")", res.ok, res.error);
    http_res_free(&res);
}

static void test_invalid(const server *s)
{
    static const char *const bad[] = { "X-A: 1\r\nX-Injected: 1", NULL };
    static const char *const noname[] = { ": value", NULL };
    http_res res;
    run(s, (http_req){ .headers = bad }, "GET", "/json/injected", &res);
    CHECK(!res.ok && res.attempts == 0 && res.status == 0 && res.error[0]
          && logged_count(s, "/json/injected") == 0, "a header with a line break is refused (\"%s\")", res.error);
    http_res_free(&res);
    run(s, (http_req){ .headers = noname }, "GET", "/json/noname", &res);
    CHECK(!res.ok && res.attempts == 0 && res.error[0], "a header without a name is refused");
    http_res_free(&res);
    static const char *const spaced[] = { "X Bad: 1", NULL };
    run(s, (http_req){ .headers = spaced }, "GET", "/json/spaced", &res);
    CHECK(!res.ok && res.attempts == 0 && streq(res.error, "invalid header name"),
          "a header name that is not a token is refused");
    http_res_free(&res);
    run(s, (http_req){ 0 }, "GE T", "/json/method", &res);
    CHECK(!res.ok && res.attempts == 0 && res.error[0], "a method that is not a token is refused");
    http_res_free(&res);
    http_run(&(http_req){ .method = "GET" }, &res, NULL);
    CHECK(!res.ok && res.error[0] && res.body.data && res.headers, "no URL is refused");
    http_res_free(&res);
}

static void test_poll_extra(const server *s)
{
    char u[512];
    int p[2];
    if (pipe(p) < 0) return;
    http_req r = { .method = "GET", .url = url_of(s, "/slow/0.5", u, sizeof u) };
    http_res res;
    http_call *c = http_start(&r, &res);
    http_handle(c);
    if (write(p[1], "x", 1) != 1) return;
    struct pollfd pfd = { .fd = p[0], .events = POLLIN };
    double t0 = clock_monotonic();
    int n = http_poll(c, &pfd, 1, 2000);
    CHECK(n == 1 && (pfd.revents & POLLIN) && clock_monotonic() - t0 < 0.3,
          "http_poll returns a ready pipe while a request is in flight");
    char ch;
    if (read(p[0], &ch, 1) != 1) return;
    int spurious = 0;
    while (!http_handle(c)) spurious += http_poll(c, &pfd, 1, 1000) > 0;
    CHECK(res.ok && spurious == 0, "the request completes; the drained pipe is not reported again");
    http_finish(c);
    http_res_free(&res);

    c = http_start(&r, &res);
    http_handle(c);
    close(p[1]);
    pfd.revents = 0;
    n = http_poll(c, &pfd, 1, 2000);
    CHECK(n == 1 && (pfd.revents & POLLHUP), "a pipe closed by its writer is reported (POLLHUP)");
    http_finish(c);
    CHECK(!res.ok && streq(res.error, "cancelled"), "finishing an unfinished call cancels it");
    http_res_free(&res);
    close(p[0]);
}

static void on_timer(int sig, siginfo_t *info, void *uctx)
{
    (void)sig;
    (void)uctx;
    *(volatile sig_atomic_t *)info->si_value.sival_ptr = 1;
}

/* Set *flag after `after` seconds, from a signal handler, as Ctrl-C would. */
static int flag_later(volatile sig_atomic_t *flag, double after, timer_t *tid)
{
    struct sigaction sa = { .sa_sigaction = on_timer, .sa_flags = SA_SIGINFO };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR2, &sa, NULL);
    struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR2 };
    ev.sigev_value.sival_ptr = (void *)flag;
    if (timer_create(CLOCK_MONOTONIC, &ev, tid) < 0) return -1;
    struct itimerspec it = { .it_value = { .tv_sec = (time_t)after,
                                           .tv_nsec = (long)((after - (time_t)after) * 1e9) } };
    return timer_settime(*tid, 0, &it, NULL);
}

static void test_cancel(const server *s)
{
    char u[512];
    http_req r = { .method = "GET", .url = url_of(s, "/slow/3", u, sizeof u), .retries = 2 };
    http_res res;
    volatile sig_atomic_t flag = 0;
    timer_t tid;
    double t0 = clock_monotonic();
    if (flag_later(&flag, 0.2, &tid) == 0) {
        int ok = http_run(&r, &res, &flag);
        double took = clock_monotonic() - t0;
        CHECK(!ok && res.status == 0 && streq(res.error, "cancelled") && res.attempts == 1
              && took < 1, "a cancel flag set mid-request stops http_run (%.2f s)", took);
        http_res_free(&res);
        timer_delete(tid);
    }
    signal(SIGUSR2, SIG_DFL);

    flag = 1;
    http_run(&r, &res, &flag);
    CHECK(streq(res.error, "cancelled") && res.duration < 0.5, "a flag already set cancels at once");
    http_res_free(&res);

    r.url = url_of(s, "/status/503", u, sizeof u);
    r.retries = 3;
    r.backoff = 5;
    t0 = clock_monotonic();
    http_call *c = http_start(&r, &res);
    while (!http_handle(c) && res.status != 503) http_poll(c, NULL, 0, 100);
    http_cancel(c);
    CHECK(http_handle(c) == 1, "after http_cancel the call is finished");
    http_finish(c);
    CHECK(streq(res.error, "cancelled") && res.attempts == 1 && clock_monotonic() - t0 < 2,
          "http_cancel during the back-off wait");
    http_res_free(&res);
}

static void test_mail(const server *s)
{
    char url[128], err[256] = "";
    static const char *const to[] = { "oncall@example.com", "Lead <lead@example.com>", NULL };
    snprintf(url, sizeof url, "smtp://127.0.0.1:%d", s->smtp_port);
    int rc = http_send_mail(url, "Runbook <runbook@example.com>", to, "P1 — Database down",
                            "Line one\n.dot line\nLine three", NULL, NULL, 5, err);
    CHECK(rc == 0, "an e-mail to the SMTP sink (%s)", err);
    json_t *m = logged_last(s, NULL);
    const char *data = json_string_value(json_object_get(m, "data"));
    json_t *rcpt = json_object_get(m, "to");
    CHECK(streq(json_string_value(json_object_get(m, "from")), "runbook@example.com")
          && json_array_size(rcpt) == 2
          && streq(json_string_value(json_array_get(rcpt, 1)), "lead@example.com"),
          "the envelope carries the bare addresses");
    CHECK(data && strstr(data, "Date: ") && strstr(data, "From: Runbook <runbook@example.com>\r\n")
          && strstr(data, "To: oncall@example.com, Lead <lead@example.com>\r\n")
          && strstr(data, "Subject: =?UTF-8?B?UDEg4oCUIERhdGFiYXNlIGRvd24=?=\r\n"),
          "Date, From, To and an encoded Subject");
    CHECK(data && strstr(data, "\r\n\r\nLine one\r\n.dot line\r\nLine three\r\n"),
          "the body has CRLF line endings and survives dot-stuffing");
    json_decref(m);

    static const char *const one[] = { "a@example.com", NULL };
    rc = http_send_mail(url, "rb@example.com", one,
                        "Ünïcödé subject that is long enough to need more than one encoded word",
                        "x", "alice", "secret", 5, err);
    m = logged_last(s, NULL);
    data = json_string_value(json_object_get(m, "data"));
    CHECK(rc == 0 && streq(json_string_value(json_object_get(m, "user")), "alice"),
          "credentials are used (loopback: no TLS required)");
    CHECK(data && strstr(data, "?=\r\n =?UTF-8?B?"), "a long subject is folded into several words");
    json_decref(m);

    size_t before = logged_count(s, NULL);
    static const char *const bad[] = { "a@example.com\r\nBcc: x@example.com", NULL };
    rc = http_send_mail(url, "rb@example.com", bad, "s", "x", NULL, NULL, 5, err);
    CHECK(rc == -1 && err[0] && logged_count(s, NULL) == before, "a recipient with a line break is refused");

    snprintf(url, sizeof url, "smtp://127.0.0.1:%d", closed_port());
    err[0] = '\0';
    rc = http_send_mail(url, "rb@example.com", one, "s", "x", NULL, NULL, 5, err);
    CHECK(rc == -1 && err[0], "no SMTP server: an error (\"%s\")", err);
}

static int utf8_is(const char *in, size_t n, const char *want)
{
    rb_buf b;
    buf_init(&b);
    buf_add_utf8(&b, in, n);
    int same = strcmp(buf_cstr(&b), want) == 0 && b.len == strlen(want);
    buf_free(&b);
    return same;
}

static void test_utf8(void)
{
#define R "\xEF\xBF\xBD"
    CHECK(utf8_is("a\xC3\xA9\xE2\x80\x94\xF0\x9F\x94\xA5", 10, "a\xC3\xA9\xE2\x80\x94\xF0\x9F\x94\xA5"),
          "buf_add_utf8 keeps valid 2-, 3- and 4-byte sequences");
    CHECK(utf8_is("a\0b", 3, "a" R "b"), "buf_add_utf8 replaces NUL");
    CHECK(utf8_is("\xC0\xAF\xED\xA0\x80", 5, R R R R R), "buf_add_utf8 refuses overlong forms and surrogates");
    CHECK(utf8_is("\xF4\x90\x80\x80\xFF", 5, R R R R R), "buf_add_utf8 refuses code points past U+10FFFF");
    CHECK(utf8_is("x\xE2\x82", 3, "x" R R), "buf_add_utf8 replaces a sequence cut short");
#undef R
}

void test_http(const char *tmpdir)
{
    test_utf8();
    static const char *const proxies[] = { "http_proxy", "HTTP_PROXY", "https_proxy",
                                           "HTTPS_PROXY", "all_proxy", "ALL_PROXY" };
    for (size_t i = 0; i < sizeof proxies / sizeof proxies[0]; i++) unsetenv(proxies[i]);
    server s = { 0 };
    int up = server_start(&s, tmpdir) == 0;
    CHECK(up, "the test server started (port %d, SMTP port %d)", s.port, s.smtp_port);
    int fds = open_fds();
    if (up) {
        test_methods(&s);
        test_statuses(&s);
        test_retries(&s);
        test_transport(&s);
        test_redirects(&s);
        test_limits(&s);
        test_invalid(&s);
        test_poll_extra(&s);
        test_cancel(&s);
        test_mail(&s);
        CHECK(open_fds() == fds, "no file descriptor is left open (%d before, %d after)", fds, open_fds());
    }
    server_stop(&s);
    http_global_cleanup();
}
