/*
 * http.h — HTTP requests and e-mail through libcurl: the only module that calls curl_*.
 *
 * A request runs on libcurl's multi interface so that the event loop can wait on it
 * together with the terminal, command pipes and timers (http_poll takes the loop's other
 * file descriptors).  Retries (transport errors, 429 and 5xx only) back off exponentially
 * with jitter inside the call; TLS verification is on; proxy variables are honoured by
 * libcurl; redirects are followed up to a limit; response bodies are capped.
 */
#ifndef RB_HTTP_H
#define RB_HTTP_H

#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <jansson.h>
#include "util.h"

#define HTTP_BODY_MAX (4 * 1024 * 1024)

typedef struct http_req {
    const char *method;            /* GET POST PUT PATCH DELETE HEAD OPTIONS */
    const char *url;
    const char *const *headers;    /* "Name: value" entries, NULL-terminated, or NULL */
    const char *body;              /* request body or NULL */
    size_t body_len;
    double timeout;                /* seconds per attempt; <= 0: 30 s */
    int retries;                   /* extra attempts after the first (0: none) */
    double backoff;                /* first retry delay in seconds (<= 0: 0.5); doubles, +-25% jitter, max 10 s */
    size_t max_body;               /* 0: HTTP_BODY_MAX */
    int max_redirects;             /* 0: 5; < 0: do not follow */
} http_req;

typedef struct http_res {
    int ok;                        /* the transport worked and the final status is 2xx */
    long status;                   /* final HTTP status; 0 after a transport error */
    rb_buf body;                   /* response body (NUL-terminated), up to max_body */
    int body_truncated;
    json_t *headers;               /* response headers: lower-case name -> value (last wins) */
    double duration;               /* real seconds, all attempts included */
    int attempts;
    char error[256];               /* transport error text ("" when none) */
} http_res;

typedef struct http_call http_call;

/* Lifetimes: http_start fills *res from scratch (no need to clear it first) and keeps a
 * pointer to it, so res must outlive the call; after http_finish, or a NULL http_start,
 * free it with http_res_free.  After http_finish body.data and headers are never NULL.
 * The body is bytes as received (it may hold NULs or invalid UTF-8: use body.len); header
 * names are lower-case and values valid UTF-8.  A capped body is truncated, not an error.
 * Request headers are "Name: value"; an empty value is sent as an empty header (libcurl
 * alone would drop it).  A request that cannot be sent (no URL, a line break in the URL or
 * a header, a header name or method that is not an RFC 9110 token) still gets a call,
 * already finished: ok 0, status 0, attempts 0, error set. */

/* Start a request (copies what it needs from req). NULL only when libcurl cannot be set up
 * (res->error says why). */
http_call *http_start(const http_req *req, http_res *res);
/* Wait up to timeout_ms for the request or for one of the caller's fds (their revents are
 * filled in).  Returns the number of caller fds ready. */
int http_poll(http_call *c, struct pollfd *extra, int nextra, int timeout_ms);
/* Make progress; returns 1 when the request is finished (all retries done), else 0. */
int http_handle(http_call *c);
/* Give up now (Ctrl-C): the result says "cancelled". */
void http_cancel(http_call *c);
/* Free the call (finishing the result: body NUL-terminated, headers set). */
void http_finish(http_call *c);

/* Blocking convenience: start, poll, handle, finish; cancel may be NULL. Returns res->ok. */
int http_run(const http_req *req, http_res *res, const volatile sig_atomic_t *cancel);
void http_res_free(http_res *res);


/* Release libcurl's global state (initialised on first use).  Optional: call it once at
 * exit, after the last request and e-mail, so leak checkers see a clean heap. */
void http_global_cleanup(void);
/* The libcurl version this process runs with ("8.5.0 (OpenSSL/3.0.11)"), or NULL. */
const char *http_lib_version(void);

/* Send an e-mail through SMTP (smtp:// or smtps:// URL).  to: NULL-terminated addresses.
 * Returns 0, or -1 with a message in err (at least 256 bytes).
 * Blocking (up to timeout, <= 0: 30 s).  from and to may be "Name <addr>"; the envelope
 * uses the address.  The message is plain UTF-8 text with Date (on the run's clock), From,
 * To, Subject (RFC 2047-encoded when not ASCII); text gets CRLF line endings.  With a user,
 * TLS is required (STARTTLS on smtp://) unless the host is loopback. */
int http_send_mail(const char *url, const char *from, const char *const *to, const char *subject,
                   const char *text, const char *user, const char *password, double timeout, char *err);

#endif
