/*
 * ask.c — asking the responder: confirm, choose and checklist prompts, their answers
 * served from --answers or the record, and recorded before anything acts on them.
 *
 * Never: read the terminal itself (prompt.h does).
 */
#include "interp.h"

ctl ask_responder(interp *I, const rb_node *at, prompt_req *q, const char **answer)
{
    json_t *opts = NULL;
    if (q->noptions) {
        opts = json_array();
        for (int i = 0; i < q->noptions; i++) json_array_append_new(opts, json_string(q->options[i]));
    }
    static const char *const kinds[] = {"ask", "confirm", "choose", "checklist"};
    json_t *d = json_pack("{s:s, s:s, s:s?, s:s?, s:o?, s:b}", "kind", kinds[q->kind], "question", q->text, "key",
                          q->key, "default", q->secret ? NULL : q->def, "options", opts, "secret", q->secret);
    ctl c = emit(I, "prompt", q->text, d);
    if (c != CTL_OK) return c;
    /* a scripted answer's delay counts from here: on resume, from the prompt's recorded
     * time, not from where the record ends (timers that fired during the delay) */
    double asked_at = clock_now();
    rb_buf a;
    buf_init(&a);
    const char *source = "";
    double after = 0;
    prompt_status st;
    json_t *rec = NULL;
    if ((c = rec_catch_up(I, &rec)) != CTL_OK) return c;
    if (I->replaying && !rec && !I->o->verify && (c = record_exhausted(I)) != CTL_OK) return c;   /* stopped here */
    const char *recorded = rec && strcmp(ev_str(rec, "kind"), "answer") == 0
                         ? json_string_value(json_object_get(json_object_get(rec, "data"), "answer")) : NULL;
    if (I->o->verify && !recorded) {
        buf_free(&a);
        const char *why = rec && strcmp(ev_str(rec, "kind"), "error") == 0 ? ev_str(json_object_get(rec, "data"), "reason") : "";
        if (strcmp(why, "no answer") == 0 || strcmp(why, "interrupted") == 0) {
            /* the run stopped at this prompt (no answer, Ctrl-C): reproduced up to there */
            I->exit_code = 0;
            return CTL_STOP;
        }
        return diverged(I, "answer", q->text);
    }
    if (recorded && (strcmp(recorded, REDACTED) != 0 || I->o->verify)) {
        /* replaying: the answer given then, not asked again */
        buf_adds(&a, recorded);
        source = json_string_value(json_object_get(json_object_get(rec, "data"), "source"));
        if (!source) source = "record";
        prompt_served(I->prompts, q, source);
        st = PR_OK;
    } else {
        I->asked_at = asked_at;   /* set here: a prompt of a timer caught up above has its own */
        st = prompt_ask(I->prompts, q, &a, &source, &after);
    }
    if (st == PR_NO_ANSWER || st == PR_BAD || st == PR_INTERRUPTED) {
        if (st == PR_INTERRUPTED) {
            if (!I->exit_code) I->exit_code = 130;   /* 3 when a timer's record failed */
        } else {
            fprintf(stderr, "%s:%d:%d: error: %s: \"%s\"\n", I->cur_file->src.name, at->loc.line, at->loc.col,
                    st == PR_BAD ? buf_cstr(&a) : "input required but no answer is available", q->text);
            I->exit_code = 4;
        }
        json_t *ed = json_pack("{s:s, s:s}", "question", q->text, "reason",
                               st == PR_BAD ? buf_cstr(&a) : st == PR_INTERRUPTED ? "interrupted" : "no answer");
        emit(I, "error", st == PR_INTERRUPTED ? "interrupted at a prompt" : "input required: no answer", ed);
        buf_free(&a);
        return CTL_STOP;
    }
    if (q->secret) secret_add(I, buf_cstr(&a));
    *answer = arena_strndup(&I->mem, buf_cstr(&a), a.len);
    const char *rec_answer = q->secret ? REDACTED : *answer;
    if (recorded) say(I, "? %s → %s (recorded: %s)", q->text, rec_answer, source);
    else if (strcmp(source, "terminal") != 0 && strcmp(source, "stdin") != 0)
        say(I, "? %s → %s (%s)", q->text, rec_answer, source);
    rb_buf t;
    buf_init(&t);
    buf_printf(&t, "%s → %s", q->text, rec_answer);
    json_t *ad = json_pack("{s:s, s:s, s:s, s:s?, s:f}", "question", q->text, "answer", rec_answer, "source", source,
                           "key", q->key, "after_s", after);
    c = emit(I, "answer", buf_cstr(&t), ad);
    if (c == CTL_OK && I->o->test) test_answered(I, at, q, *answer);   /* runbook test: coverage */
    buf_free(&t);
    buf_free(&a);
    return c;
}

ctl prompt_confirm(interp *I, const rb_node *at, const char *text, const char *key, const char *def, int *yes)
{
    prompt_req q = {PK_CONFIRM, text, key, def, NULL, 0, 0, NULL};
    const char *a;
    ctl c = ask_responder(I, at, &q, &a);
    if (c == CTL_OK) *yes = strcmp(a, "yes") == 0;
    return c;
}

ctl prompt_choose(interp *I, const rb_node *at, const char *text, const char *key, const char *def,
                         const char **opts, int nopts, const char **pick)
{
    prompt_req q = {PK_CHOOSE, text, key, def, opts, nopts, 0, NULL};
    return ask_responder(I, at, &q, pick);
}

/* Each item of a checklist: done / not done / n/a with an optional note. */
ctl run_checklist(interp *I, const rb_node *at, const char *title, const char *key, value items, value *out)
{
    say(I, "  Checklist: %s", title);
    value results = v_map(&I->mem, items.u.l->n);
    for (int i = 0; i < items.u.l->n; i++) {
        const char *item = shown(I, items.u.l->items[i]);
        rb_buf k;
        buf_init(&k);
        if (key) buf_printf(&k, "%s.%d", key, i + 1);
        prompt_req q = {PK_CHECK, item, key ? buf_cstr(&k) : NULL, NULL, NULL, 0, 0, NULL};
        const char *a;
        ctl c = ask_responder(I, at, &q, &a);
        buf_free(&k);
        if (c != CTL_OK) return c;
        map_set(&I->mem, results, item, v_cstr(&I->mem, a));
    }
    if (out) *out = results;
    return CTL_OK;
}
