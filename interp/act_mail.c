/*
 * act_mail.c — the e-mail door of the evaluator: send_mail() built, recorded, sent through http.h.
 *
 * Never: call libcurl (http.c does).
 */
#include "interp.h"

const char *opt_str(interp *I, argv_ *A, const char *name)
{
    value *v = named(A, name);
    if (!v || v->t == V_NIL) return NULL;
    return shown(I, *v);
}

/*
 * send_mail(url, from, to, subject, text, user: u, password: p): e-mail through SMTP
 * (libcurl).  Recorded as mail.send (before) and mail.sent (after); the password never is.
 * Under --dry-run nothing is sent.  Returns {ok, error}.
 */
ctl send_mail(interp *I, const rb_node *call, argv_ *A, value *out)
{
    if (A->npos != 5) return rt_error(I, call, "send_mail(url, from, to, subject, text) takes 5 arguments");
    for (int i = 0; i < 5; i++)
        if (A->pos[i].t != V_STR && !(i == 2 && A->pos[i].t == V_LIST))
            return rt_error(I, call, "send_mail: argument %d must be a string%s", i + 1, i == 2 ? " or a list" : "");
    value to = A->pos[2];
    int nto = to.t == V_LIST ? to.u.l->n : 1;
    const char **rcpt = arena_alloc(&I->mem, (size_t)(nto + 1) * sizeof *rcpt);
    json_t *tos = json_array();
    for (int i = 0; i < nto; i++) {
        value v = to.t == V_LIST ? to.u.l->items[i] : to;
        rb_buf b;
        buf_init(&b);
        value_text(&b, v);
        rcpt[i] = arena_strdup(&I->mem, buf_cstr(&b));
        json_array_append_new(tos, json_string(shown(I, v)));
        buf_free(&b);
    }
    value *user = named(A, "user"), *pw = named(A, "password");
    rb_buf url, pass;
    buf_init(&url);
    buf_init(&pass);
    value_text(&url, A->pos[0]);
    if (pw) {
        value_text(&pass, *pw);
        secret_add(I, buf_cstr(&pass));
    }
    const char *subject = shown(I, A->pos[3]);
    int dry = I->o->dry_run || I->o->drill;
    say(I, "  ✉ mail to %s: %s%s", shown(I, to), subject, !dry ? "" : I->o->drill ? "   [drill: not sent]" : "   [dry-run: not sent]");
    ctl c = emit(I, "mail.send", subject, json_pack("{s:s, s:o, s:s, s:b}", "url", shown(I, A->pos[0]), "to", tos,
                                                    "subject", subject, "dry_run", dry));
    char err[256] = "";
    int r = 0;
    json_t *rec = NULL;
    if (c == CTL_OK) c = rec_catch_up(I, &rec);
    if (c == CTL_OK && I->replaying && rec && strcmp(ev_str(rec, "kind"), "mail.sent") == 0) {
        /* replaying: the mail went out then; its recorded outcome stands in */
        json_t *rd = json_object_get(rec, "data");
        r = json_is_true(json_object_get(rd, "ok")) ? 0 : -1;
        snprintf(err, sizeof err, "%s", ev_str(rd, "error"));
        dry = json_is_true(json_object_get(rd, "skipped"));
    } else if (c == CTL_OK && !dry && I->o->verify) {
        c = diverged(I, "mail.sent", subject);
    } else if (c == CTL_OK && !dry && I->o->test) {
        r = stub_mail(I, call, shown(I, to), err);   /* runbook test: stubs */
    } else if (c == CTL_OK && !dry) {
        rb_buf text;
        buf_init(&text);
        value_text(&text, A->pos[4]);
        r = http_send_mail(buf_cstr(&url), shown(I, A->pos[1]), rcpt, subject, buf_cstr(&text),
                           user ? shown(I, *user) : NULL, pw ? buf_cstr(&pass) : NULL, 30, err);
        buf_free(&text);
    }
    buf_free(&url);
    buf_free(&pass);
    if (c != CTL_OK) return c;
    if (!dry)
        say(I, "  %s%s%s mail %s", hue(I, r == 0 ? HUE_OK : HUE_BAD), r == 0 ? "✓" : "✗", hue(I, HUE_OFF), r == 0 ? "sent" : err);
    c = emit(I, "mail.sent", r == 0 ? "sent" : err, json_pack("{s:b, s:s, s:b}", "ok", r == 0, "error", err, "skipped", dry));
    value res = v_map(&I->mem, 3);
    map_set(&I->mem, res, "ok", v_bool(r == 0));
    map_set(&I->mem, res, "error", r == 0 ? v_nil() : v_cstr(&I->mem, err));
    map_set(&I->mem, res, "skipped", v_bool(dry));
    map_set(&I->mem, res, "drill", v_bool(dry && I->o->drill));
    *out = res;
    return c;
}
