/*
 * act_http.c — the HTTP door of the evaluator: requests built (headers redacted for the
 * record), recorded, sent through http.h with timers firing, responses as values (their
 * headers, body and error scrubbed of every known secret before they are shown, recorded
 * or handed to the runbook).
 *
 * Never: call libcurl (http.c does).
 */
#include "interp.h"

#define HTTP_RECORD_BODY (1024 * 1024)   /* bytes of a response body kept in the record */

static int header_is_sensitive(const char *name)
{
    static const char *const names[] = {"authorization", "proxy-authorization", "cookie", "set-cookie",
                                        "x-api-key", "x-auth-token", NULL};
    for (int i = 0; names[i]; i++)
        if (strcasecmp(name, names[i]) == 0) return 1;
    return 0;
}

typedef struct http_parts {
    const char *method;
    rb_buf url, url_shown;
    const char **headers;          /* "Name: value", NULL-terminated, for libcurl */
    json_t *headers_shown;         /* name -> value, redacted */
    rb_buf body, body_shown;
    int has_body;
    double timeout;
    int retries;
} http_parts;

static void http_parts_free(http_parts *h)
{
    buf_free(&h->url);
    buf_free(&h->url_shown);
    buf_free(&h->body);
    buf_free(&h->body_shown);
    json_decref(h->headers_shown);
}

/* Evaluate the request: URL, headers (redacted copies for the record), body, options. */
static ctl http_build(interp *I, scope *sc, const rb_node *n, http_parts *h)
{
    value url;
    ctl c = eval(I, sc, n->a, &url);
    if (c != CTL_OK) return c;
    if (url.t != V_STR) return rt_error(I, n->a, "http needs a URL string, not a %s", vtype_name(url.t));
    value_text(&h->url, url);
    value_show(&h->url_shown, url);
    if (url.secret) secret_add(I, buf_cstr(&h->url));
    int ntypes = 0;
    for (const rb_node *o = n->opts; o; o = o->next) {
        value v;
        if ((c = eval(I, sc, o->a, &v)) != CTL_OK) return c;
        if (strcmp(o->str, "headers") == 0) {
            if (v.t != V_MAP) return rt_error(I, o, "headers takes a map {Name: value}");
            h->headers = arena_alloc(&I->mem, (size_t)(v.u.m->n + 2) * sizeof *h->headers);
            for (int i = 0; i < v.u.m->n; i++) {
                const char *name = v.u.m->items[i].key->s;
                value hv = v.u.m->items[i].v;
                rb_buf line, shown_v;
                buf_init(&line);
                buf_init(&shown_v);
                buf_printf(&line, "%s: ", name);
                value_text(&line, hv);
                if (hv.secret || header_is_sensitive(name)) {
                    buf_adds(&shown_v, REDACTED);
                    rb_buf clear;
                    buf_init(&clear);
                    value_text(&clear, hv);
                    if (hv.secret) secret_add(I, buf_cstr(&clear));
                    buf_free(&clear);
                } else {
                    value_show(&shown_v, hv);
                }
                json_object_set_new(h->headers_shown, name, json_string(buf_cstr(&shown_v)));
                if (strcasecmp(name, "content-type") == 0) ntypes++;
                h->headers[i] = arena_strdup(&I->mem, buf_cstr(&line));
                buf_free(&line);
                buf_free(&shown_v);
            }
        } else if (strcmp(o->str, "json") == 0 || strcmp(o->str, "body") == 0) {
            h->has_body = 1;
            if (strcmp(o->str, "json") == 0) {
                json_t *j = value_to_json(v, 0), *js = value_to_json(v, 1);
                char *a = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY), *b = json_dumps(js, JSON_COMPACT | JSON_ENCODE_ANY);
                buf_adds(&h->body, a ? a : "null");
                buf_adds(&h->body_shown, b ? b : "null");
                free(a);
                free(b);
                json_decref(j);
                json_decref(js);
                if (has_secret(v)) {
                    /* secret strings inside the body must not reach the record: scrub by value */
                    buf_reset(&h->body_shown);
                    scrub(I, &h->body_shown, buf_cstr(&h->body), h->body.len);
                }
            } else {
                value_text(&h->body, v);
                value_show(&h->body_shown, v);
            }
        } else if (strcmp(o->str, "timeout") == 0) {
            if (v.t != V_DUR && v.t != V_NUM) return rt_error(I, o, "timeout takes a duration");
            h->timeout = v.u.n;
        } else if (strcmp(o->str, "retries") == 0) {
            if (v.t != V_NUM || v.u.n < 0 || v.u.n > 20) return rt_error(I, o, "retries takes a number from 0 to 20");
            h->retries = (int)v.u.n;
        }
    }
    /* A JSON body says so, unless the runbook set its own Content-Type. */
    if (ast_opt(n, "json") && !ntypes) {
        int k = 0;
        const char **hs = arena_alloc(&I->mem, (size_t)(json_object_size(h->headers_shown) + 2) * sizeof *hs);
        for (; h->headers && h->headers[k]; k++) hs[k] = h->headers[k];
        hs[k++] = "Content-Type: application/json";
        hs[k] = NULL;
        h->headers = hs;
        json_object_set_new(h->headers_shown, "Content-Type", json_string("application/json"));
    }
    return CTL_OK;
}

/* Response headers with every known secret scrubbed from their values (and, for the record,
 * the sensitive ones redacted whatever they hold).  New reference. */
static json_t *scrub_headers(interp *I, json_t *h, int redact_sensitive)
{
    json_t *out = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(h, k, v) {
        if (redact_sensitive && header_is_sensitive(k)) {
            json_object_set_new(out, k, json_string(REDACTED));
        } else if (json_is_string(v)) {
            rb_buf b;
            buf_init(&b);
            scrub(I, &b, json_string_value(v), json_string_length(v));
            json_object_set_new(out, k, json_stringn(buf_cstr(&b), b.len));
            buf_free(&b);
        } else {
            json_object_set_new(out, k, json_deep_copy(v));
        }
    }
    return out;
}

/* Send, with timers firing while the request is out (real clock). */
static ctl http_wait(interp *I, const http_parts *h, http_res *res)
{
    const char *env_backoff = getenv("RUNBOOK_HTTP_BACKOFF");
    http_req req = {h->method, buf_cstr((rb_buf *)&h->url), h->headers, h->has_body ? buf_cstr((rb_buf *)&h->body) : NULL,
                    h->body.len, h->timeout, h->retries, env_backoff ? atof(env_backoff) : 0, 0, 0};
    http_call *call = http_start(&req, res);
    ctl c = CTL_OK;
    int cancelled = 0;
    while (call && !http_handle(call)) {
        if ((eval_interrupted || c == CTL_STOP) && !cancelled) {
            http_cancel(call);
            cancelled = 1;
            continue;
        }
        int ms = 200;
        double nd = clock_is_virtual() || I->in_timer ? -1 : next_due(I);
        if (nd >= 0) {
            int tm = (int)((nd - clock_now()) * 1000) + 1;
            if (tm < ms) ms = tm < 0 ? 0 : tm;
        }
        http_poll(call, NULL, 0, ms);
        if (c == CTL_OK && !clock_is_virtual()) c = fire_due(I);
    }
    if (call) http_finish(call);
    return c;
}

/* Replaying (else nothing to do): the response received then stands in for a new request
 * (*served, into res; *dry when it was skipped then), and a request that was in flight when
 * the run stopped is re-sent or skipped (*dry), as the responder chooses.  text: the
 * request's line ("METHOD URL"). */
static ctl http_replayed(interp *I, const rb_node *n, const http_parts *h, const char *url_s, const char *text,
                         http_res *res, int *served, int *dry)
{
    json_t *rec = NULL;
    ctl c = rec_catch_up(I, &rec);
    if (c != CTL_OK || !I->replaying) return c;
    if (rec && strcmp(ev_str(rec, "kind"), "http.response") == 0) {
        json_t *rd = json_object_get(rec, "data");
        res->status = (long)json_integer_value(json_object_get(rd, "status"));
        res->ok = json_is_true(json_object_get(rd, "ok"));
        res->duration = json_number_value(json_object_get(rd, "duration_s"));
        const char *b = json_string_value(json_object_get(rd, "body")), *e = json_string_value(json_object_get(rd, "error"));
        buf_adds(&res->body, b ? b : "");
        snprintf(res->error, sizeof res->error, "%s", e ? e : "");
        res->headers = json_deep_copy(json_object_get(rd, "headers"));
        *served = 1;
        *dry = json_is_true(json_object_get(rd, "skipped"));   /* skipped then (dry run, in flight) */
        return CTL_OK;
    }
    if (rec) return CTL_OK;
    if (I->o->verify) {
        I->exit_code = 0;
        return CTL_STOP;
    }
    c = record_exhausted(I);
    if (c == CTL_OK) say(I, "  ! this request was in flight when the run stopped: %s", text);
    static const char *const again[] = {"re-send", "skip"};
    const char *pick = "skip";
    if (c == CTL_OK)
        c = prompt_choose(I, n, "Re-send the request that was in flight, or skip it?", "in_flight", "re-send",
                          (const char **)again, 2, &pick);
    if (c == CTL_OK && strcmp(pick, "skip") == 0) *dry = 1;
    else if (c == CTL_OK)
        c = emit(I, "http.request", text, json_pack("{s:s, s:s, s:O, s:b}", "method", h->method, "url", url_s,
                                                    "headers", h->headers_shown, "rerun", 1));
    return c;
}

/* The response as the runbook sees it (`let r = http …`): ok, status, body, json, headers,
 * duration, error, skipped, drill.  body_rec: the body scrubbed of every known secret. */
static value http_value(interp *I, const http_res *res, rb_buf *body_rec, int dry)
{
    value r = v_map(&I->mem, 8);
    map_set(&I->mem, r, "ok", v_bool(res->ok));
    map_set(&I->mem, r, "status", v_num((double)res->status));
    map_set(&I->mem, r, "body", v_str(&I->mem, buf_cstr(body_rec), body_rec->len));
    json_error_t je;
    /* parsed from the scrubbed body: a secret the server echoes back stays redacted */
    json_t *parsed = body_rec->len ? json_loadb(body_rec->data, body_rec->len, JSON_DECODE_ANY, &je) : NULL;
    map_set(&I->mem, r, "json", parsed ? value_from_json(&I->mem, parsed) : v_nil());
    json_decref(parsed);
    json_t *hdr_val = scrub_headers(I, res->headers, 0);
    map_set(&I->mem, r, "headers", value_from_json(&I->mem, hdr_val));
    json_decref(hdr_val);
    map_set(&I->mem, r, "duration", v_dur(res->duration));
    map_set(&I->mem, r, "error", res->error[0] ? v_cstr(&I->mem, res->error) : v_nil());
    map_set(&I->mem, r, "skipped", v_bool(dry));
    map_set(&I->mem, r, "drill", v_bool(dry && I->o->drill));
    return r;
}

ctl run_http(interp *I, scope *sc, const rb_node *n, int stmt, value *out)
{
    http_parts h;
    memset(&h, 0, sizeof h);
    buf_init(&h.url);
    buf_init(&h.url_shown);
    buf_init(&h.body);
    buf_init(&h.body_shown);
    h.headers_shown = json_object();
    h.method = n->str;
    ctl c = http_build(I, sc, n, &h);
    if (c != CTL_OK) {
        http_parts_free(&h);
        return c;
    }
    int safe = strcmp(h.method, "GET") == 0 || strcmp(h.method, "HEAD") == 0;
    int dry = (I->o->dry_run || I->o->drill) && !safe;
    const char *url_s = arena_strdup(&I->mem, buf_cstr(&h.url_shown));
    if (!I->polling) say(I, "  → %s %s%s", h.method, url_s, !dry ? "" : I->o->drill ? "   [drill: not sent]" : "   [dry-run: not sent]");
    rb_buf t;
    buf_init(&t);
    buf_printf(&t, "%s %s", h.method, url_s);
    json_t *rq = json_pack("{s:s, s:s, s:O, s:s?, s:b}", "method", h.method, "url", url_s, "headers", h.headers_shown,
                           "body", h.has_body ? buf_cstr(&h.body_shown) : NULL, "dry_run", dry);
    c = emit(I, "http.request", buf_cstr(&t), rq);
    http_res res;
    memset(&res, 0, sizeof res);
    buf_init(&res.body);
    int served = 0;
    if (c == CTL_OK) c = http_replayed(I, n, &h, url_s, buf_cstr(&t), &res, &served, &dry);
    if (c == CTL_OK && !served && !dry && I->o->test) served = stub_http(I, n, h.method, url_s, buf_cstr(&h.url), &res, &c);
    if (c == CTL_OK && !served && !dry && I->o->verify) c = diverged(I, "http.response", buf_cstr(&t));
    if (c == CTL_OK && !served && !dry) c = http_wait(I, &h, &res);
    if (c != CTL_OK && c != CTL_STOP) {
        buf_free(&t);
        http_parts_free(&h);
        http_res_free(&res);
        return c;
    }
    ctl waited = c;
    if (dry) {
        res.ok = 1;
        res.status = 0;
    }
    if (!res.headers) res.headers = json_object();
    rb_buf body_rec;
    buf_init(&body_rec);
    scrub(I, &body_rec, buf_cstr(&res.body), res.body.len > HTTP_RECORD_BODY ? HTTP_RECORD_BODY : res.body.len);
    json_t *hdr_rec = scrub_headers(I, res.headers, 1);
    if (res.error[0]) {
        /* curl's message may quote the URL, which may hold a secret */
        rb_buf e;
        buf_init(&e);
        scrub(I, &e, res.error, strlen(res.error));
        snprintf(res.error, sizeof res.error, "%s", buf_cstr(&e));
        buf_free(&e);
    }
    buf_reset(&t);
    if (dry) buf_printf(&t, "skipped (dry run): %s %s", h.method, url_s);
    else if (res.status) buf_printf(&t, "%ld in %.1fs: %s %s", res.status, res.duration, h.method, url_s);
    else buf_printf(&t, "failed (%s): %s %s", res.error[0] ? res.error : "no response", h.method, url_s);
    if (I->polling) {
        buf_reset(&I->poll_last);
        buf_adds(&I->poll_last, buf_cstr(&t));
    } else if (!dry) {
        say(I, "  %s%s%s %s", hue(I, res.ok ? HUE_OK : HUE_BAD), res.ok ? "✓" : "✗", hue(I, HUE_OFF), buf_cstr(&t));
    }
    json_t *rs = json_pack("{s:s, s:s, s:i, s:b, s:f, s:i, s:s, s:s, s:o, s:b, s:b}", "method", h.method, "url", url_s,
                           "status", (int)res.status, "ok", res.ok, "duration_s", res.duration, "attempts", res.attempts,
                           "error", res.error, "body", buf_cstr(&body_rec), "headers", hdr_rec, "body_truncated",
                           res.body_truncated || res.body.len > HTTP_RECORD_BODY, "skipped", dry);
    if (waited == CTL_OK) c = emit(I, "http.response", buf_cstr(&t), rs);
    else json_decref(rs);
    if (c == CTL_OK && !stmt) {
        *out = http_value(I, &res, &body_rec, dry);
    } else if (c == CTL_OK && !res.ok) {
        if (res.status) c = rt_error(I, n, "%s %s answered %ld", h.method, url_s, res.status);
        else c = rt_error(I, n, "%s %s failed: %s", h.method, url_s, res.error[0] ? res.error : "no response");
    }
    if (c != CTL_STOP && eval_interrupted) {
        /* Ctrl-C cancelled the request: the run stops (130), as for a command */
        I->exit_code = 130;
        c = CTL_STOP;
    }
    buf_free(&body_rec);
    buf_free(&t);
    http_parts_free(&h);
    http_res_free(&res);
    return c;
}
