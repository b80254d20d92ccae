/*
 * http.c — HTTP requests and e-mail: the only file that calls curl_*.
 *
 * A request is one easy handle in a multi handle of its own, so that the event loop can
 * wait on the transfer together with the terminal and command pipes (http_poll) and make
 * progress in small non-blocking steps (http_handle).  The easy handle is reused for every
 * attempt: a retry removes it from the multi handle and, once the back-off delay has
 * passed, adds it again, which restarts the transfer from scratch with the same options.
 * The back-off wait is a state, not a sleep: http_handle returns 0 until the next attempt
 * is due, and http_poll never waits past that moment.
 *
 * What is retried: 429, 5xx, and transport errors that can be transient (refused or reset
 * connections, timeouts, DNS, a partial or empty reply).  A transport error that would
 * only repeat itself (a malformed URL, a forbidden protocol, too many redirects, a TLS
 * certificate that does not verify) fails at once.  The jitter comes from a small PRNG whose
 * state lives in the call, never in a global.
 *
 * Response bodies are capped: once max_body bytes are stored the write callback aborts
 * the transfer (why download gigabytes nobody will read?) and marks the body truncated;
 * that abort is not an error — status, headers and the stored prefix stand.  Response
 * headers are collected with lower-cased names, values made valid UTF-8 (invalid bytes
 * and NULs become U+FFFD) so they can go into JSON, and reset on each status line so that
 * after redirects only the final response's headers remain.
 *
 * libcurl is not linked: it is loaded with dlopen("libcurl.so.4") at the first request or
 * e-mail (curl_load), so a run that makes none never loads its TLS and auth stack (a third
 * of the shared libraries a process would map at startup).  Every curl_* name below is a
 * macro for a pointer in one table filled by dlsym, so the code reads as plain libcurl; a
 * missing library is a clear error for that request, not a failure to start.  Its global
 * state is initialised once, on first use, behind curl_ready; http_global_cleanup releases
 * it at exit.
 *
 * This file must never read the clock other than through clock.h, install signal handlers
 * (CURLOPT_NOSIGNAL is always set), print anything, or block anywhere but in http_poll,
 * http_run and http_send_mail.
 */
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <dlfcn.h>
#define CURL_DISABLE_TYPECHECK   /* its macros would hide the table's pointers below */
#include <curl/curl.h>
#include "clock.h"
#include "http.h"

#define HTTP_TIMEOUT_DEFAULT 30.0     /* seconds per attempt */
#define HTTP_CONNECT_MAX 10.0         /* seconds to connect, at most (and at most the timeout) */
#define HTTP_BACKOFF_DEFAULT 0.5      /* seconds before the first retry */
#define HTTP_BACKOFF_MAX 10.0         /* seconds between two attempts, at most */
#define HTTP_REDIRECTS_DEFAULT 5
#define HTTP_HEADER_BYTES_MAX (256 * 1024)   /* header bytes kept per response; the rest is dropped */
#define HTTP_RUN_TICK_MS 100          /* http_run's poll timeout, so a cancel is seen quickly */
#define HTTP_USER_AGENT "runbook/0.1"

enum call_state { CALL_RUNNING, CALL_WAITING, CALL_DONE };

struct http_call {
    CURLM *multi;
    CURL *easy;                   /* NULL when the request was refused before libcurl */
    int attached;                 /* easy is in multi */
    enum call_state state;
    http_res *res;                /* the caller's, filled in as we go */
    struct curl_slist *headers;   /* request headers; libcurl keeps pointers into these */
    char *url, *method, *body;    /* our copies, alive as long as the easy handle */
    size_t max_body;
    int retries;
    double backoff;
    double start;                 /* clock_monotonic() at http_start */
    double next_at;               /* CALL_WAITING: when the next attempt starts */
    size_t header_bytes;          /* header bytes kept for the current response */
    uint64_t rng;                 /* splitmix64 state for the jitter */
    char errbuf[CURL_ERROR_SIZE];
};

/* Transport errors that a retry cannot fix. */
static const CURLcode permanent_errors[] = {
    CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT, CURLE_NOT_BUILT_IN,
    CURLE_TOO_MANY_REDIRECTS, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE,
    CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER, CURLE_SSL_ENGINE_NOTFOUND, CURLE_OUT_OF_MEMORY,
    CURLE_BAD_FUNCTION_ARGUMENT, CURLE_UNKNOWN_OPTION, CURLE_FUNCTION_NOT_FOUND,
    CURLE_LOGIN_DENIED, CURLE_REMOTE_ACCESS_DENIED, CURLE_FILESIZE_EXCEEDED,
    CURLE_ABORTED_BY_CALLBACK, CURLE_WRITE_ERROR, CURLE_READ_ERROR, CURLE_BAD_CONTENT_ENCODING,
};

/* ---- libcurl, loaded on first use ---- */

#define CURL_FUNCS(X)                                                                       \
    X(CURLcode, curl_global_init, (long))                                                   \
    X(void, curl_global_cleanup, (void))                                                    \
    X(CURL *, curl_easy_init, (void))                                                       \
    X(CURLcode, curl_easy_setopt, (CURL *, CURLoption, ...))                                \
    X(CURLcode, curl_easy_getinfo, (CURL *, CURLINFO, ...))                                 \
    X(CURLcode, curl_easy_perform, (CURL *))                                                \
    X(void, curl_easy_cleanup, (CURL *))                                                    \
    X(const char *, curl_easy_strerror, (CURLcode))                                         \
    X(CURLM *, curl_multi_init, (void))                                                     \
    X(CURLMcode, curl_multi_add_handle, (CURLM *, CURL *))                                  \
    X(CURLMcode, curl_multi_remove_handle, (CURLM *, CURL *))                               \
    X(CURLMcode, curl_multi_poll, (CURLM *, struct curl_waitfd *, unsigned, int, int *))    \
    X(CURLMcode, curl_multi_perform, (CURLM *, int *))                                      \
    X(CURLMsg *, curl_multi_info_read, (CURLM *, int *))                                    \
    X(const char *, curl_multi_strerror, (CURLMcode))                                       \
    X(CURLMcode, curl_multi_cleanup, (CURLM *))                                             \
    X(struct curl_slist *, curl_slist_append, (struct curl_slist *, const char *))          \
    X(void, curl_slist_free_all, (struct curl_slist *))                                     \
    X(CURLU *, curl_url, (void))                                                            \
    X(CURLUcode, curl_url_set, (CURLU *, CURLUPart, const char *, unsigned int))            \
    X(CURLUcode, curl_url_get, (const CURLU *, CURLUPart, char **, unsigned int))           \
    X(void, curl_url_cleanup, (CURLU *))                                                    \
    X(void, curl_free, (void *))                                                            \
    X(curl_version_info_data *, curl_version_info, (CURLversion))

#define CURL_FIELD(ret, name, args) ret(*name) args;
static struct { CURL_FUNCS(CURL_FIELD) } curl_api;
#undef CURL_FIELD
static int curl_loaded;           /* 1: every pointer of curl_api is set */
static char curl_load_error[160]; /* why it could not be loaded */
static int curl_ready;            /* curl_global_init has succeeded (see the top comment) */

/* Load libcurl once; a failed attempt is remembered with its reason and not repeated. */
static int curl_load(void)
{
    if (curl_loaded || curl_load_error[0]) return curl_loaded ? 0 : -1;
    const char *name = getenv("RUNBOOK_LIBCURL");   /* a test switch: another file to load */
    void *lib = dlopen(name && *name ? name : "libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    void *fn = NULL;
#define CURL_SYM(ret, name, args) \
    if (lib && (fn = dlsym(lib, #name)) != NULL) memcpy(&curl_api.name, &fn, sizeof fn); \
    else if (lib) snprintf(curl_load_error, sizeof curl_load_error, "libcurl.so.4 has no %s (too old)", #name);
    CURL_FUNCS(CURL_SYM)
#undef CURL_SYM
    if (!lib) snprintf(curl_load_error, sizeof curl_load_error, "%s", dlerror());
    if (curl_load_error[0]) return -1;
    curl_loaded = 1;
    return 0;
}

/* From here on, curl_* calls go through the table. */
#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_global_init curl_api.curl_global_init
#define curl_version_info curl_api.curl_version_info
#define curl_global_cleanup curl_api.curl_global_cleanup
#define curl_easy_init curl_api.curl_easy_init
#define curl_easy_setopt curl_api.curl_easy_setopt
#define curl_easy_getinfo curl_api.curl_easy_getinfo
#define curl_easy_perform curl_api.curl_easy_perform
#define curl_easy_cleanup curl_api.curl_easy_cleanup
#define curl_easy_strerror curl_api.curl_easy_strerror
#define curl_multi_init curl_api.curl_multi_init
#define curl_multi_add_handle curl_api.curl_multi_add_handle
#define curl_multi_remove_handle curl_api.curl_multi_remove_handle
#define curl_multi_poll curl_api.curl_multi_poll
#define curl_multi_perform curl_api.curl_multi_perform
#define curl_multi_info_read curl_api.curl_multi_info_read
#define curl_multi_strerror curl_api.curl_multi_strerror
#define curl_multi_cleanup curl_api.curl_multi_cleanup
#define curl_slist_append curl_api.curl_slist_append
#define curl_slist_free_all(l) ((l) ? curl_api.curl_slist_free_all(l) : (void)0)
#define curl_url curl_api.curl_url
#define curl_url_set curl_api.curl_url_set
#define curl_url_get curl_api.curl_url_get
#define curl_url_cleanup curl_api.curl_url_cleanup
#define curl_free(p) ((p) ? curl_api.curl_free(p) : (void)0)

/* Load and initialise libcurl; -1 with the reason for people in msg. */
static int global_init_msg(char *msg, size_t n)
{
    if (curl_load() < 0) {
        snprintf(msg, n, "HTTP and e-mail need libcurl, which could not be loaded: %s", curl_load_error);
        return -1;
    }
    if (!curl_ready && curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK) curl_ready = 1;
    if (!curl_ready) snprintf(msg, n, "libcurl could not be initialised");
    return curl_ready ? 0 : -1;
}

void http_global_cleanup(void)
{
    if (curl_ready) curl_global_cleanup();
    curl_ready = 0;
}

/* ---- small helpers ---- */

static void set_error(http_res *res, const char *msg)
{
    snprintf(res->error, sizeof res->error, "%s", msg);
}

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* A uniform double in [0, 1). */
static double rng_unit(uint64_t *s) { return (double)(rng_next(s) >> 11) * 0x1.0p-53; }

static uint64_t rng_seed(const void *salt)
{
    double t = clock_monotonic();
    uint64_t seed;
    memcpy(&seed, &t, sizeof seed);
    return seed ^ ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)salt;
}

static long to_ms(double seconds)
{
    double ms = seconds * 1000.0;
    return ms < 1 ? 1 : ms > (double)LONG_MAX / 2 ? LONG_MAX / 2 : (long)ms;
}

/* ---- the request: checks and options ---- */

/* RFC 9110's token characters, in ASCII whatever the locale says. */
static int is_tchar(unsigned char ch)
{
    return (ch >= '0' && ch <= '9') || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z')
        || (ch && strchr("!#$%&'*+-.^_`|~", ch));
}

/* Why the request cannot be sent (a message), or NULL when it can. */
static const char *request_problem(const http_req *req)
{
    if (!req->url || !*req->url) return "no URL";
    if (strpbrk(req->url, "\r\n")) return "invalid URL: it contains a line break";
    if (req->method) {
        const unsigned char *m = (const unsigned char *)req->method;
        if (!*m) return "empty HTTP method";
        for (; *m; m++)
            if (!is_tchar(*m)) return "invalid HTTP method";
    }
    for (const char *const *h = req->headers; h && *h; h++) {
        size_t name = strcspn(*h, ":;");
        if (strpbrk(*h, "\r\n")) return "invalid header: it contains a line break";
        if (name == 0 || !(*h)[name]) return "invalid header: expected \"Name: value\"";
        for (size_t i = 0; i < name; i++)
            if (!is_tchar((unsigned char)(*h)[i])) return "invalid header name";
    }
    return NULL;
}

static int has_header(const char *const *headers, const char *name)
{
    size_t n = strlen(name);
    for (const char *const *h = headers; h && *h; h++)
        if (strncasecmp(*h, name, n) == 0 && ((*h)[n] == ':' || (*h)[n] == ';')) return 1;
    return 0;
}

/* Method and body.  POST, PUT and PATCH always send a body (empty if none was given, so
 * that a Content-Length goes out); other methods send one only when given.  HEAD is
 * CURLOPT_NOBODY; everything but GET, HEAD and POST is a custom request. */
static int set_method(http_call *c, size_t body_len)
{
    CURL *e = c->easy;
    const char *m = c->method;
    int bad = 0;
    int wants_body = c->body || !strcmp(m, "POST") || !strcmp(m, "PUT") || !strcmp(m, "PATCH");
    if (!strcmp(m, "HEAD")) {
        bad |= curl_easy_setopt(e, CURLOPT_NOBODY, 1L) != CURLE_OK;
        wants_body = 0;
    } else if (wants_body) {
        bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len) != CURLE_OK;
        bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDS, c->body ? c->body : "") != CURLE_OK;
    }
    if (strcmp(m, "GET") && strcmp(m, "HEAD") && strcmp(m, "POST"))
        bad |= curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m) != CURLE_OK;
    return bad;
}

static int add_header(http_call *c, const char *h)
{
    struct curl_slist *l = curl_slist_append(c->headers, h);
    if (l) c->headers = l;
    return !l;
}

/* The request headers.  libcurl reads "Name:" with nothing after the colon as "drop that
 * header"; a caller's empty value is meant to be sent, so it goes as "Name;" (libcurl's
 * spelling of an empty header).  A body goes without "Expect: 100-continue" (a round trip
 * that many servers answer slowly) unless the caller asked for it. */
static int set_headers(http_call *c, const http_req *req)
{
    for (const char *const *h = req->headers; h && *h; h++) {
        size_t name = strcspn(*h, ":;");
        int empty = (*h)[name] == ':' && (*h)[name + 1 + strspn(*h + name + 1, " \t")] == '\0';
        if (empty) {
            char *semi = rb_xstrndup(*h, name + 1);
            semi[name] = ';';
            int bad = add_header(c, semi);
            rb_free(semi);
            if (bad) return 1;
        } else if (add_header(c, *h)) {
            return 1;
        }
    }
    if (c->body && !has_header(req->headers, "Expect") && add_header(c, "Expect:")) return 1;
    return c->headers && curl_easy_setopt(c->easy, CURLOPT_HTTPHEADER, c->headers) != CURLE_OK;
}

static size_t on_body(char *data, size_t size, size_t n, void *ctx);
static size_t on_header(char *data, size_t size, size_t n, void *ctx);

/* Timeouts, redirects, protocols, TLS and the callbacks. */
static int set_transfer(http_call *c, const http_req *req)
{
    CURL *e = c->easy;
    double timeout = req->timeout > 0 ? req->timeout : HTTP_TIMEOUT_DEFAULT;
    double connect = timeout < HTTP_CONNECT_MAX ? timeout : HTTP_CONNECT_MAX;
    long redirects = req->max_redirects == 0 ? HTTP_REDIRECTS_DEFAULT : req->max_redirects;
    int bad = 0;
    bad |= curl_easy_setopt(e, CURLOPT_URL, c->url) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, to_ms(timeout)) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, to_ms(connect)) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, redirects > 0 ? 1L : 0L) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_MAXREDIRS, redirects > 0 ? redirects : 0L) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_USERAGENT, HTTP_USER_AGENT) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "") != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, c->errbuf) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_WRITEDATA, c) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_HEADERDATA, c) != CURLE_OK;
    return bad;
}

/* ---- callbacks ---- */

/* Store the body up to max_body; past it, mark it truncated and abort the transfer. */
static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
    http_call *c = ctx;
    rb_buf *b = &c->res->body;
    size_t len = size * n, room = c->max_body - b->len;
    if (len <= room) {
        buf_addn(b, data, len);
        return len;
    }
    buf_addn(b, data, room);
    c->res->body_truncated = 1;
    return 0;                  /* len > 0 here: anything but len aborts the transfer */
}

/* One header line: a status line starts a new response (headers so far are dropped);
 * "Name: value" is kept with the name lower-cased; folded lines are ignored. */
static size_t on_header(char *data, size_t size, size_t n, void *ctx)
{
    http_call *c = ctx;
    size_t len = size * n, end = len;
    if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
        json_object_clear(c->res->headers);
        c->header_bytes = 0;
        return len;
    }
    while (end > 0 && (data[end - 1] == '\r' || data[end - 1] == '\n')) end--;
    const char *colon = memchr(data, ':', end);
    if (!colon || colon == data || data[0] == ' ' || data[0] == '\t') return len;
    if (c->header_bytes + end > HTTP_HEADER_BYTES_MAX) return len;
    c->header_bytes += end;

    size_t name_len = (size_t)(colon - data), v = name_len + 1;
    while (v < end && (data[v] == ' ' || data[v] == '\t')) v++;
    while (end > v && (data[end - 1] == ' ' || data[end - 1] == '\t')) end--;
    rb_buf name, value;
    buf_init(&name);
    buf_init(&value);
    buf_add_utf8(&name, data, name_len);
    for (size_t i = 0; i < name.len; i++)   /* ASCII only: tolower() follows the locale */
        if (name.data[i] >= 'A' && name.data[i] <= 'Z') name.data[i] = (char)(name.data[i] + 32);
    buf_add_utf8(&value, data + v, end - v);
    json_object_set_new(c->res->headers, name.data, json_string(buf_cstr(&value)));
    buf_free(&name);
    buf_free(&value);
    return len;
}

/* ---- attempts ---- */

static void detach(http_call *c)
{
    if (c->attached) curl_multi_remove_handle(c->multi, c->easy);
    c->attached = 0;
}

static void finish_with(http_call *c, const char *error)
{
    detach(c);
    if (error) {
        c->res->ok = 0;
        c->res->status = 0;
        set_error(c->res, error);
    }
    c->state = CALL_DONE;
    c->res->duration = clock_monotonic() - c->start;
}

/* Start the next attempt from a clean result. */
static void attempt_begin(http_call *c)
{
    http_res *res = c->res;
    buf_reset(&res->body);
    res->body_truncated = 0;
    json_object_clear(res->headers);
    c->header_bytes = 0;
    res->ok = 0;
    res->status = 0;
    res->error[0] = '\0';
    c->errbuf[0] = '\0';
    res->attempts++;
    if (curl_multi_add_handle(c->multi, c->easy) != CURLM_OK) {
        finish_with(c, "libcurl could not start the request");
        return;
    }
    c->attached = 1;
    c->state = CALL_RUNNING;
}

static int retryable(CURLcode rc, long status)
{
    if (rc == CURLE_OK) return status == 429 || (status >= 500 && status <= 599);
    for (size_t i = 0; i < sizeof permanent_errors / sizeof permanent_errors[0]; i++)
        if (rc == permanent_errors[i]) return 0;
    return 1;
}

/* backoff × 2^k (k = retries so far), ±25 % jitter, at most HTTP_BACKOFF_MAX. */
static double retry_delay(http_call *c)
{
    double d = c->backoff;
    for (int k = 1; k < c->res->attempts && d < HTTP_BACKOFF_MAX; k++) d *= 2;
    d *= 0.75 + 0.5 * rng_unit(&c->rng);
    return d < HTTP_BACKOFF_MAX ? d : HTTP_BACKOFF_MAX;
}

/* An attempt has ended with rc: record its outcome, then retry later or finish. */
static void attempt_end(http_call *c, CURLcode rc)
{
    http_res *res = c->res;
    long status = 0;
    if (rc == CURLE_WRITE_ERROR && res->body_truncated) rc = CURLE_OK;
    curl_easy_getinfo(c->easy, CURLINFO_RESPONSE_CODE, &status);
    detach(c);
    if (rc != CURLE_OK) {
        status = 0;
        set_error(res, c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc));
    }
    if (rc == CURLE_OUT_OF_MEMORY && !c->errbuf[0])   /* what libcurl says of a giant header */
        set_error(res, "out of memory, or a response header too large");
    res->status = status;
    res->ok = rc == CURLE_OK && status >= 200 && status <= 299;
    res->duration = clock_monotonic() - c->start;
    if (res->attempts <= c->retries && retryable(rc, status)) {
        c->state = CALL_WAITING;
        c->next_at = clock_monotonic() + retry_delay(c);
    } else {
        finish_with(c, NULL);
    }
}

/* ---- the public interface ---- */

static void res_init(http_res *res)
{
    memset(res, 0, sizeof *res);
    buf_init(&res->body);
    res->headers = json_object();
    if (!res->headers) rb_oom();
}

static void call_free(http_call *c)
{
    detach(c);
    if (c->easy) curl_easy_cleanup(c->easy);
    if (c->multi) curl_multi_cleanup(c->multi);
    curl_slist_free_all(c->headers);
    rb_free(c->url);
    rb_free(c->method);
    rb_free(c->body);
    rb_free(c);
}

/* Copy what libcurl must keep pointing at, then set every option. */
static int configure(http_call *c, const http_req *req)
{
    c->url = rb_xstrdup(req->url);
    c->method = rb_xstrdup(req->method ? req->method : "GET");
    if (req->body) {
        c->body = rb_xmalloc(req->body_len + 1);
        memcpy(c->body, req->body, req->body_len);
        c->body[req->body_len] = '\0';
    }
    return set_method(c, req->body ? req->body_len : 0) | set_headers(c, req)
         | set_transfer(c, req);
}

http_call *http_start(const http_req *req, http_res *res)
{
    res_init(res);
    http_call *c = rb_malloc(sizeof *c);
    if (!c) {
        set_error(res, "out of memory");
        return NULL;
    }
    memset(c, 0, sizeof *c);
    c->res = res;
    c->start = clock_monotonic();
    c->rng = rng_seed(c);
    c->retries = req->retries > 0 ? req->retries : 0;
    c->backoff = req->backoff > 0 ? req->backoff : HTTP_BACKOFF_DEFAULT;
    c->max_body = req->max_body ? req->max_body : HTTP_BODY_MAX;
    const char *problem = request_problem(req);
    if (problem) {
        finish_with(c, problem);
        return c;
    }
    char why[256];
    if (global_init_msg(why, sizeof why) < 0) {
        set_error(res, why);
        call_free(c);
        return NULL;
    }
    if (!(c->multi = curl_multi_init()) || !(c->easy = curl_easy_init())) {
        set_error(res, "libcurl could not be initialised");
        call_free(c);
        return NULL;
    }
    if (configure(c, req)) {
        set_error(res, "libcurl rejected an option of the request");
        call_free(c);
        return NULL;
    }
    attempt_begin(c);
    return c;
}

/* Zero-timeout poll of the caller's fds: their exact revents (curl_multi_poll reports only
 * IN, OUT and PRI, never HUP, ERR or NVAL) and how many are ready. */
static int poll_extra_now(struct pollfd *extra, int nextra)
{
    for (int i = 0; i < nextra; i++) extra[i].revents = 0;
    if (nextra <= 0) return 0;
    int n = poll(extra, (nfds_t)nextra, 0);
    return n > 0 ? n : 0;
}

static int poll_timeout(const http_call *c, int timeout_ms)
{
    if (timeout_ms < 0) timeout_ms = INT_MAX;
    if (c->state == CALL_DONE) return 0;
    if (c->state == CALL_WAITING) {
        double left = (c->next_at - clock_monotonic()) * 1000.0;
        if (left < timeout_ms) timeout_ms = left <= 0 ? 0 : (int)left + 1;
    }
    return timeout_ms;
}

int http_poll(http_call *c, struct pollfd *extra, int nextra, int timeout_ms)
{
    if (nextra < 0) nextra = 0;
    timeout_ms = poll_timeout(c, timeout_ms);
    struct curl_waitfd *w = nextra ? rb_xcalloc((size_t)nextra, sizeof *w) : NULL;
    unsigned nw = 0;
    for (int i = 0; i < nextra; i++) {
        if (extra[i].fd < 0) continue;
        w[nw].fd = extra[i].fd;
        w[nw].events = (short)(((extra[i].events & POLLIN) ? CURL_WAIT_POLLIN : 0)
                             | ((extra[i].events & POLLPRI) ? CURL_WAIT_POLLPRI : 0)
                             | ((extra[i].events & POLLOUT) ? CURL_WAIT_POLLOUT : 0));
        nw++;
    }
    if (!c->multi || curl_multi_poll(c->multi, w, nw, timeout_ms, NULL) != CURLM_OK)
        poll(extra, (nfds_t)nextra, timeout_ms < HTTP_RUN_TICK_MS ? timeout_ms : HTTP_RUN_TICK_MS);
    rb_free(w);
    return poll_extra_now(extra, nextra);
}

int http_handle(http_call *c)
{
    if (c->state == CALL_WAITING) {
        if (clock_monotonic() < c->next_at) return 0;
        attempt_begin(c);
    }
    if (c->state == CALL_DONE) return 1;
    int running = 0;
    CURLMcode mc = curl_multi_perform(c->multi, &running);
    if (mc != CURLM_OK) {
        finish_with(c, curl_multi_strerror(mc));
        return 1;
    }
    CURLMsg *m;
    int left;
    while (c->state == CALL_RUNNING && (m = curl_multi_info_read(c->multi, &left)) != NULL)
        if (m->msg == CURLMSG_DONE) attempt_end(c, m->data.result);
    return c->state == CALL_DONE;
}

void http_cancel(http_call *c)
{
    if (c->state != CALL_DONE) finish_with(c, "cancelled");
}

void http_finish(http_call *c)
{
    http_cancel(c);
    http_res *res = c->res;
    if (!res->body.data) buf_addn(&res->body, "", 0);
    res->duration = clock_monotonic() - c->start;
    call_free(c);
}

int http_run(const http_req *req, http_res *res, const volatile sig_atomic_t *cancel)
{
    http_call *c = http_start(req, res);
    if (!c) return 0;
    while (!http_handle(c)) {
        if (cancel && *cancel) {
            http_cancel(c);
            break;
        }
        http_poll(c, NULL, 0, HTTP_RUN_TICK_MS);
        if (cancel && *cancel) http_cancel(c);
    }
    http_finish(c);
    return res->ok;
}

void http_res_free(http_res *res)
{
    buf_free(&res->body);
    json_decref(res->headers);
    res->headers = NULL;
}

/* ---- e-mail ---- */

static const char b64_digits[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void add_base64(rb_buf *out, const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)s[i] << 16 | (i + 1 < n ? (unsigned)s[i + 1] << 8 : 0)
                   | (i + 2 < n ? s[i + 2] : 0);
        buf_addc(out, b64_digits[v >> 18 & 63]);
        buf_addc(out, b64_digits[v >> 12 & 63]);
        buf_addc(out, i + 1 < n ? b64_digits[v >> 6 & 63] : '=');
        buf_addc(out, i + 2 < n ? b64_digits[v & 63] : '=');
    }
}

/* The Subject header's value: ASCII as it is; anything else as RFC 2047 encoded words of
 * at most 45 bytes each (60 base64 characters), split between UTF-8 sequences and folded. */
static void add_subject(rb_buf *out, const char *subject)
{
    rb_buf clean;
    buf_init(&clean);
    buf_add_utf8(&clean, subject, strlen(subject));
    const unsigned char *s = (const unsigned char *)buf_cstr(&clean);
    int ascii = 1;
    for (size_t i = 0; i < clean.len; i++) {
        if (s[i] == '\r' || s[i] == '\n') clean.data[i] = ' ';
        if (s[i] >= 0x80) ascii = 0;
    }
    if (ascii) buf_addn(out, buf_cstr(&clean), clean.len);
    for (size_t i = 0; !ascii && i < clean.len;) {
        size_t j = i;
        while (j < clean.len) {
            size_t len = utf8_seq(s + j, clean.len - j);
            if (j + len - i > 45) break;
            j += len;
        }
        buf_adds(out, i ? "\r\n =?UTF-8?B?" : "=?UTF-8?B?");
        add_base64(out, s + i, j - i);
        buf_adds(out, "?=");
        i = j;
    }
    buf_free(&clean);
}

/* "Date: " in RFC 5322 form, in UTC, on the run's clock (a drill's mail carries its
 * virtual time).  Names from tables: strftime's %a and %b follow the locale. */
static void add_date(rb_buf *out)
{
    static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
    static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    time_t t = (time_t)clock_now();
    struct tm tm;
    gmtime_r(&t, &tm);
    buf_printf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday],
               tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
               tm.tm_sec);
}

/* The text with every line ending made CRLF, ending with one.  libcurl does the SMTP
 * dot-stuffing. */
static void add_body(rb_buf *out, const char *text)
{
    for (const char *p = text; *p; p++) {
        if (*p == '\r' && p[1] == '\n') continue;
        if (*p == '\n' || *p == '\r') buf_adds(out, "\r\n");
        else buf_addc(out, *p);
    }
    if (out->len < 2 || memcmp(out->data + out->len - 2, "\r\n", 2) != 0) buf_adds(out, "\r\n");
}

static void build_message(rb_buf *m, const char *from, const char *const *to,
                          const char *subject, const char *text)
{
    add_date(m);
    buf_printf(m, "From: %s\r\nTo: ", from);
    for (const char *const *t = to; *t; t++) buf_printf(m, "%s%s", t == to ? "" : ", ", *t);
    buf_adds(m, "\r\nSubject: ");
    add_subject(m, subject ? subject : "");
    buf_adds(m, "\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
                "Content-Transfer-Encoding: 8bit\r\n\r\n");
    add_body(m, text ? text : "");
}

/* The address of "Name <addr>" (or the whole string), for the SMTP envelope. */
static char *envelope_address(const char *s)
{
    const char *lt = strrchr(s, '<'), *gt = lt ? strchr(lt, '>') : NULL;
    if (lt && gt) return rb_xstrndup(lt + 1, (size_t)(gt - lt - 1));
    while (*s == ' ') s++;
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == ' ') n--;
    return rb_xstrndup(s, n);
}

static const char *mail_problem(const char *url, const char *from, const char *const *to)
{
    if (!url || !*url) return "no SMTP URL";
    if (!from || !*from || strpbrk(from, "\r\n")) return "invalid sender address";
    if (!to || !to[0]) return "no recipient";
    for (const char *const *t = to; *t; t++)
        if (!**t || strpbrk(*t, "\r\n")) return "invalid recipient address";
    return NULL;
}

/* Is the URL's host this machine?  Credentials may then go without TLS. */
static int url_is_loopback(const char *url)
{
    CURLU *u = curl_url();
    char *host = NULL;
    int loop = 0;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK
        && curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        loop = !strcasecmp(host, "localhost") || !strncmp(host, "127.", 4)
            || !strcmp(host, "[::1]");
    }
    curl_free(host);
    curl_url_cleanup(u);
    return loop;
}

typedef struct mail_src {
    const char *data;
    size_t len, off;
} mail_src;

static size_t mail_read(char *dst, size_t size, size_t n, void *ctx)
{
    mail_src *src = ctx;
    size_t left = src->len - src->off, want = size * n;
    size_t k = left < want ? left : want;
    memcpy(dst, src->data + src->off, k);
    src->off += k;
    return k;
}

typedef struct mail_job {
    CURL *easy;
    struct curl_slist *rcpt;
    char *sender;
    rb_buf message;
    mail_src src;
    char errbuf[CURL_ERROR_SIZE];
} mail_job;

/* Envelope, message source, credentials and limits.  With credentials, TLS is required
 * (STARTTLS on smtp://) unless the server is on this machine: a password must not cross a
 * network in clear, nor be given away to someone who strips the STARTTLS offer. */
static int mail_setup(mail_job *j, const char *url, const char *const *to, const char *user,
                      const char *password, double timeout)
{
    CURL *e = j->easy;
    double t = timeout > 0 ? timeout : HTTP_TIMEOUT_DEFAULT;
    int bad = 0;
    for (const char *const *r = to; *r; r++) {
        char *addr = envelope_address(*r);
        struct curl_slist *l = curl_slist_append(j->rcpt, addr);
        rb_free(addr);
        if (!l) return 1;
        j->rcpt = l;
    }
    bad |= curl_easy_setopt(e, CURLOPT_URL, url) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "smtp,smtps") != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_MAIL_FROM, j->sender) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_MAIL_RCPT, j->rcpt) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_UPLOAD, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_READFUNCTION, mail_read) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_READDATA, &j->src) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)j->src.len) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, to_ms(t)) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                            to_ms(t < HTTP_CONNECT_MAX ? t : HTTP_CONNECT_MAX)) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, j->errbuf) != CURLE_OK;
    if (user && *user) {
        bad |= curl_easy_setopt(e, CURLOPT_USERNAME, user) != CURLE_OK;
        bad |= curl_easy_setopt(e, CURLOPT_PASSWORD, password ? password : "") != CURLE_OK;
        bad |= curl_easy_setopt(e, CURLOPT_USE_SSL,
                                url_is_loopback(url) ? (long)CURLUSESSL_TRY : (long)CURLUSESSL_ALL)
               != CURLE_OK;
    } else {
        bad |= curl_easy_setopt(e, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY) != CURLE_OK;
    }
    return bad;
}

int http_send_mail(const char *url, const char *from, const char *const *to, const char *subject,
                   const char *text, const char *user, const char *password, double timeout, char *err)
{
    const char *problem = mail_problem(url, from, to);
    if (problem) {
        snprintf(err, 256, "%s", problem);
        return -1;
    }
    if (global_init_msg(err, 256) < 0) return -1;
    mail_job j;
    memset(&j, 0, sizeof j);
    buf_init(&j.message);
    build_message(&j.message, from, to, subject, text);
    j.src.data = j.message.data;
    j.src.len = j.message.len;
    j.sender = envelope_address(from);
    int rc = -1;
    if (!(j.easy = curl_easy_init())) {
        snprintf(err, 256, "libcurl could not be initialised");
    } else if (mail_setup(&j, url, to, user, password, timeout)) {
        snprintf(err, 256, "libcurl rejected an option of the e-mail");
    } else {
        CURLcode cc = curl_easy_perform(j.easy);
        if (cc == CURLE_OK) rc = 0;
        else snprintf(err, 256, "%s", j.errbuf[0] ? j.errbuf : curl_easy_strerror(cc));
    }
    if (j.easy) curl_easy_cleanup(j.easy);
    curl_slist_free_all(j.rcpt);
    rb_free(j.sender);
    buf_free(&j.message);
    return rc;
}

/* `runbook --version`: the libcurl this process runs with (and its TLS library). */
const char *http_lib_version(void)
{
    static char v[128];
    if (curl_load() != 0) return NULL;   /* --version only: loading it here costs nothing elsewhere */
    const curl_version_info_data *vi = curl_version_info(CURLVERSION_NOW);
    if (!vi || !vi->version) return NULL;
    if (vi->ssl_version) snprintf(v, sizeof v, "%s (%s)", vi->version, vi->ssl_version);
    else snprintf(v, sizeof v, "%s", vi->version);
    return v;
}
