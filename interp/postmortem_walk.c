/*
 * postmortem_walk.c — how the post-mortem draft reads the record and writes itself out:
 * a section's pass over the events it needs, one at a time through a record cursor, with
 * the finish of each start looked up (commands, questions and HTTP requests), whether a
 * step.end ends a rollback, the draft flushed to stdout in chunks, and the small formats
 * every section uses (elapsed and clock times, who answered, a JSON value in a sentence).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include "cli.h"
#include "evjson.h"
#include "mdtext.h"
#include "clock.h"
#include "postmortem.h"
#include "postmortem_int.h"
#include "record.h"
#include "util.h"

#define OUT_CHUNK 65536 /* the draft goes to stdout whenever this much is waiting */

/* Commands, questions and HTTP requests happen one at a time in a run, so the next event
 * of the same family after a start is its finish, if it is of the finishing kind.  The
 * exception is a remote fan-out (`sh … on HOSTS`): its hosts' starts and ends interleave,
 * and a start with a `host` pairs with the next end of the same host. */
static const struct {
    const char *start, *finish;
} families[] = {{"sh.start", "sh.end"}, {"prompt", "answer"}, {"http.request", "http.response"}};
_Static_assert(sizeof families / sizeof *families == NFAMILIES, "NFAMILIES in postmortem_int.h");

/* The family of kind (its index, *start set for its starting kind), or -1. */
static int family_of(const char *kind, int *start)
{
    for (size_t f = 0; f < NFAMILIES; f++) {
        *start = strcmp(kind, families[f].start) == 0;
        if (*start || strcmp(kind, families[f].finish) == 0) return (int)f;
    }
    return -1;
}

void pm_flush(const pm *p)
{
    fwrite(p->out->data ? p->out->data : "", 1, p->out->len, stdout);
    buf_reset(p->out);
}

void pm_maybe_flush(const pm *p)
{
    if (p->out->len >= OUT_CHUNK) pm_flush(p);
}

/* ---- walking the record: one pass of a section over the events it needs */

/* The kinds a walk over `kinds` must see to know what it tells (finishes, rollbacks). */
static void walk_kinds(const char *const *kinds, const char **all, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; kinds[i] && n + 6 < max; i++) {
        int start, f = family_of(kinds[i], &start);
        all[n++] = kinds[i];
        if (f >= 0) {
            all[n++] = families[f].start;
            all[n++] = families[f].finish;
        }
        if (strcmp(kinds[i], "step.end") == 0) {
            all[n++] = "rollback.start";
            all[n++] = "rollback.end";
            all[n++] = "step.start";
        }
    }
    all[n] = NULL;
}

/* The kinds whose data a section reads; any other event is shown by its text alone. */
static const char *const data_kinds[] = {
    "run.start", "run.end", "params", "step.start", "prompt", "answer", "sh.start", "sh.end", "http.request",
    "http.response", "state", "step.end", "action_item", "decision", "approval", "approval.timeout", NULL,
};

/* kinds: NULL-terminated, or NULL for every event.  want: which of them to hand out. */
int pm_walk_open(walk *w, pm *p, const char *const *kinds, int (*want)(const char *, const char *), int ends)
{
    const char *all[64];
    memset(w, 0, sizeof *w);
    w->p = p;
    w->want = want;
    w->ends = ends;
    if (kinds) walk_kinds(kinds, all, sizeof all / sizeof *all);
    w->c = rec_cursor_open(p->rec, p->id, 0, kinds ? all : NULL);
    if (!w->c) p->failed = 1;
    else rec_cursor_data_kinds(w->c, data_kinds);
    return w->c ? 0 : -1;
}

void pm_walk_close(walk *w)
{
    rec_cursor_close(w->c);
    for (size_t f = 0; f < NFAMILIES; f++) rec_cursor_close(w->look[f]);
    json_decref(w->end);
}

static const char *host_of(json_t *ev)
{
    return json_string_value(json_object_get(json_object_get(ev, "data"), "host"));
}

/* The finish of the start at seq in family f (a new reference), or NULL. */
static json_t *find_end(walk *w, int f, int64_t seq, const char *host)
{
    if (!w->look[f]) {
        const char *kinds[] = {families[f].start, families[f].finish, NULL};
        w->look[f] = rec_cursor_open(w->p->rec, w->p->id, seq, kinds);
        if (!w->look[f]) {
            w->p->failed = 1;
            return NULL;
        }
    } else {
        rec_cursor_seek(w->look[f], seq);
    }
    rec_cursor *c = w->look[f];
    for (;;) {
        int rc = rec_cursor_step(c);
        if (rc < 0) w->p->failed = 1;
        if (rc != 1) return NULL;
        int finish = strcmp(rec_cursor_kind(c), families[f].finish) == 0;
        if (!host && !finish) return NULL;
        json_t *ev = rec_cursor_event(c);
        if (!ev) {
            w->p->failed = 1;
            return NULL;
        }
        const char *h = host_of(ev);
        if (!host || (finish && h && strcmp(h, host) == 0)) return finish ? json_incref(ev) : NULL;
    }
}

/* The next event the walk hands out into *x: 1, or 0 at the end (also after an error,
 * which marks the draft failed). */
int pm_walk_next(walk *w, evx *x)
{
    json_decref(w->end);
    w->end = NULL;
    int rc;
    while ((rc = rec_cursor_step(w->c)) == 1) {
        const char *k = rec_cursor_kind(w->c);
        int start, f = family_of(k, &start);
        x->is_end = f >= 0 && !start && w->open[f];
        x->in_rollback = w->in_rollback;
        if (f >= 0) w->open[f] = start;
        if (strcmp(k, "rollback.start") == 0) w->in_rollback = 1;
        else if (!strcmp(k, "rollback.end") || !strcmp(k, "step.start") || !strcmp(k, "step.end")) w->in_rollback = 0;
        if (w->want && !w->want(k, rec_cursor_text(w->c))) continue;
        if (!(x->ev = rec_cursor_event(w->c))) break;
        const char *host = f == 0 ? host_of(x->ev) : NULL;
        if (host && !start) x->is_end = 1;   /* a fan-out's end: its host's start shows it */
        x->end = w->end = f >= 0 && start && w->ends ? find_end(w, f, rec_cursor_seq(w->c), host) : NULL;
        return 1;
    }
    if (rc != 0) w->p->failed = 1;
    return 0;
}

/* Time since the start of the run: +MM:SS, or +H:MM:SS from an hour on. */
void pm_fmt_elapsed(rb_buf *b, json_t *ev)
{
    double x;
    if (nget(ev, "elapsed_s", &x) != 0 || !isfinite(x) || fabs(x) > 1e9) {
        buf_adds(b, "?");
        return;
    }
    long long s = (long long)floor(fabs(x));
    char sign = x < 0 ? '-' : '+';
    if (s >= 3600) buf_printf(b, "%c%lld:%02lld:%02lld", sign, s / 3600, s / 60 % 60, s % 60);
    else buf_printf(b, "%c%02lld:%02lld", sign, s / 60, s % 60);
}

/* HH:MM:SS of an ISO time, with the date in front when it is not the run's start date. */
void pm_fmt_clock(const pm *p, rb_buf *b, const char *iso)
{
    if (!iso || strlen(iso) < 19) {
        buf_adds(b, "?");
        return;
    }
    if (strncmp(iso, p->date, 10) != 0) {
        buf_addn(b, iso, 10);
        buf_addc(b, ' ');
    }
    buf_addn(b, iso + 11, 8);
}

/* Who or what gave an answer: the run's user for people, the runbook for defaults. */
const char *pm_answered_by(const pm *p, const char *source)
{
    if (source && (strcmp(source, "default") == 0 || strcmp(source, "auto") == 0)) return "runbook";
    return p->user;
}

const char *pm_source_label(const char *source)
{
    if (!source) return "?";
    if (strcmp(source, "answers") == 0) return "answers file";
    if (strcmp(source, "auto") == 0) return "--auto";
    return source;
}

/* A JSON value as it reads in a sentence: strings bare, anything else as JSON. */
void pm_md_value(rb_buf *b, json_t *v)
{
    if (json_is_string(v)) {
        md_text(b, json_string_value(v), CELL_MAX);
        return;
    }
    char *s = v ? json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    md_text(b, s ? s : "?", CELL_MAX);
    free(s);
}
