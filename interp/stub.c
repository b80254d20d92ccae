/*
 * stub.c — `runbook test`'s stand-ins for the doors: commands, HTTP requests and e-mails
 * matched by pattern (fnmatch globs, first declared first) against stub_sh / stub_http /
 * stub_mail, or let through by allow_sh / allow_http.  Whatever matches nothing fails the
 * test and is answered as a failure, so nothing real runs unless the test says so.
 *
 * Never: run, send or mail anything itself (an allowed action goes on through its door).
 */
#include <fnmatch.h>
#include "test.h"

static char *opt_text(interp *I, argv_ *A, const char *name, const char *def)
{
    value *v = named(A, name);
    if (!v || v->t == V_NIL) return def ? rb_xstrdup(def) : NULL;
    rb_buf b;
    buf_init(&b);
    value_text(&b, *v);
    return buf_take(&b);
    (void)I;
}

static double opt_num(argv_ *A, const char *name, double def)
{
    value *v = named(A, name);
    return v && (v->t == V_NUM || v->t == V_DUR) ? v->u.n : def;
}

/* stub_sh / stub_http / stub_mail / allow_sh / allow_http: 1 when name is one of them. */
int stub_add(interp *I, rb_test *T, const char *name, const rb_node *call, argv_ *A, ctl *c)
{
    stub s;
    memset(&s, 0, sizeof s);
    if (strcmp(name, "stub_sh") == 0 || strcmp(name, "allow_sh") == 0) s.kind = STUB_SH;
    else if (strcmp(name, "stub_http") == 0 || strcmp(name, "allow_http") == 0) s.kind = STUB_HTTP;
    else if (strcmp(name, "stub_mail") == 0) s.kind = STUB_MAIL;
    else return 0;
    *c = CTL_OK;
    s.allow = name[0] == 'a';
    int pi = s.kind == STUB_HTTP ? 1 : 0;
    if (A->npos <= pi || A->pos[pi].t != V_STR || (pi && A->pos[0].t != V_STR)) {
        *c = rt_error(I, call, "%s() needs %s", name, pi ? "a method and a URL pattern" : "a pattern");
        return 1;
    }
    s.pattern = rb_xstrdup(A->pos[pi].u.s->s);
    if (pi) {
        s.method = rb_xstrdup(A->pos[0].u.s->s);
        for (char *p = s.method; *p; p++)
            if (*p >= 'a' && *p <= 'z') *p = (char)(*p - 'a' + 'A');
    }
    s.exit = (int)opt_num(A, "exit", 0);
    s.status = (int)opt_num(A, "status", 200);
    value *ok = named(A, "ok");
    s.ok = ok ? value_truthy(*ok) : 1;
    s.out = opt_text(I, A, "stdout", "");
    s.err = opt_text(I, A, "stderr", "");
    s.body = opt_text(I, A, "body", "");
    s.error = opt_text(I, A, "error", s.ok ? "" : "refused by the test's stub");
    value *h = named(A, "headers");
    s.headers = h && h->t == V_MAP ? value_to_json(*h, 0) : json_object();
    s.delay = opt_num(A, "delay", 0);
    s.times = (int)opt_num(A, "times", -1);
    T->stubs = arena_grow(&I->mem, T->stubs, T->nstubs, &T->capstubs, sizeof *T->stubs, 8);
    T->stubs[T->nstubs++] = s;
    return 1;
}

void stubs_free(rb_test *T)
{
    for (int i = 0; i < T->nstubs; i++) {
        stub *s = &T->stubs[i];
        rb_free(s->method);
        rb_free(s->pattern);
        rb_free(s->out);
        rb_free(s->err);
        rb_free(s->body);
        rb_free(s->error);
        json_decref(s->headers);
    }
    T->nstubs = 0;
}

/* Does pattern match text, or text without the single quotes interpolation adds? */
static int matches(const char *pattern, const char *text)
{
    if (!text) return 0;
    if (fnmatch(pattern, text, 0) == 0) return 1;
    if (!strchr(text, '\'')) return 0;
    char *bare = rb_xstrdup(text), *o = bare;
    for (const char *p = text; *p; p++)
        if (*p != '\'') *o++ = *p;
    *o = '\0';
    int m = fnmatch(pattern, bare, 0) == 0;
    rb_free(bare);
    return m;
}

/* The first stub of kind that matches text (and method) and is not used up. */
static stub *find(rb_test *T, stub_kind kind, const char *method, const char *text, const char *text2)
{
    for (int i = 0; i < T->nstubs; i++) {
        stub *s = &T->stubs[i];
        if (s->kind != kind || (s->times >= 0 && s->used >= s->times)) continue;
        if (method && strcmp(s->method, "*") != 0 && strcasecmp(s->method, method) != 0) continue;
        if (matches(s->pattern, text) || matches(s->pattern, text2)) {
            s->used++;
            return s;
        }
    }
    return NULL;
}

static const char *where(interp *I, const rb_node *n, rb_buf *b)
{
    buf_reset(b);
    buf_printf(b, "%s:%d:%d", I->cur_file ? I->cur_file->src.name : I->o->path, n ? n->loc.line : 0, n ? n->loc.col : 0);
    return buf_cstr(b);
}

/* A stub's delay passes on the virtual clock, timers firing as they come due. */
static void delay(interp *I, double secs, ctl *c)
{
    int cut = 0;
    if (secs > 0 && *c == CTL_OK) *c = pass_time(I, clock_now() + secs, 0, &cut);
}

int stub_sh(interp *I, const rb_node *n, const char *cmd, sh_result *res, ctl *c)
{
    rb_test *T = I->o->test;
    if (!T->running) return 0;
    stub *s = find(T, STUB_SH, NULL, cmd, NULL);
    if (s && s->allow) return 0;
    rb_buf w;
    buf_init(&w);
    if (!s) {
        test_fail(T, where(I, n, &w), "a command with no stub ran: %s\n    (add stub_sh(\"PATTERN\", exit: 0, stdout: \"…\") or allow_sh(\"PATTERN\"))", cmd);
        res->exit_code = 127;
        buf_adds(&res->err, "runbook test: no stub for this command");
    } else {
        res->exit_code = s->exit;
        buf_adds(&res->out, s->out);
        buf_adds(&res->err, s->err);
        res->duration = s->delay;
        delay(I, s->delay, c);
    }
    buf_free(&w);
    return 1;
}

int stub_http(interp *I, const rb_node *n, const char *method, const char *url, const char *clear_url,
              http_res *res, ctl *c)
{
    rb_test *T = I->o->test;
    if (!T->running) return 0;
    stub *s = find(T, STUB_HTTP, method, url, clear_url);
    if (s && s->allow) return 0;
    if (!s) {
        rb_buf w;
        buf_init(&w);
        test_fail(T, where(I, n, &w), "a request with no stub was sent: %s %s\n    (add stub_http(\"%s\", \"PATTERN\", status: 200) or allow_http(…))", method, url, method);
        buf_free(&w);
        snprintf(res->error, sizeof res->error, "runbook test: no stub for this request");
        res->headers = json_object();
        return 1;
    }
    res->status = s->status;
    res->ok = s->status >= 200 && s->status < 300;
    buf_adds(&res->body, s->body);
    res->headers = json_deep_copy(s->headers);
    res->attempts = 1;
    res->duration = s->delay;
    delay(I, s->delay, c);
    return 1;
}

int stub_mail(interp *I, const rb_node *call, const char *to, char *err)
{
    rb_test *T = I->o->test;
    stub *s = T->running ? find(T, STUB_MAIL, NULL, to, NULL) : NULL;
    if (!s) {
        rb_buf w;
        buf_init(&w);
        test_fail(T, where(I, call, &w), "an e-mail with no stub was sent to %s\n    (add stub_mail(\"PATTERN\", ok: true))", to);
        buf_free(&w);
        snprintf(err, 256, "runbook test: no stub for this e-mail");
        return -1;
    }
    if (s->ok) return 0;
    snprintf(err, 256, "%s", s->error);
    return -1;
}
