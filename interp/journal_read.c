/*
 * journal_read.c — the record read back while a recorded run is re-run (resume, verify):
 * the evaluator's cursor over the run's events (rec_at), streamed through record.h's
 * rec_cursor into a small window, so memory does not grow with the record.
 *
 * The window holds the events from the oldest one the evaluator may still look at (the
 * cursor position I->rpos) to the furthest it looked ahead; what falls behind the cursor is
 * let go the next time a row is read.  An event handed out stays valid until then: a caller
 * that keeps a recorded string past the next read of the record copies it.  Rows are read a
 * batch at a time and the statement is reset between batches, so no read transaction stays
 * open while a resumed run writes (another process may write the same database meanwhile).
 *
 * Resume does not replay what the interruption added at the end of the record (the closing
 * run.end, errors after the last action, the end of a command that Ctrl-C stopped, which
 * makes that command in flight again): a run of such events is read to its end before any
 * of it is served, and dropped when nothing follows it.
 *
 * Never: write the record, or read it other than through record.h.
 */
#include "interp.h"
#include "record.h"

#define BATCH 64   /* rows read per query of the record */

struct rec_window {
    rec_cursor *c;
    json_t **ev;             /* the events base .. base+n-1, owned */
    size_t base, n, cap;
    int64_t last_seq;        /* seq of the last row read */
    int at_end;              /* every row is read: base + n is the record's length */
    int trim;                /* resume: a trailing interruption is not served */
    int last_is_run_end;     /* the last row read is a run.end */
    json_t *last_sh_start;   /* the latest sh.start let go from the window (owned) */
};

/* An event that an interruption adds (run.end, error, a Ctrl-C'd command's sh.end). */
int rec_is_stop(json_t *ev)
{
    const char *k = ev_str(ev, "kind");
    return strcmp(k, "run.end") == 0 || strcmp(k, "error") == 0 ||
           (strcmp(k, "sh.end") == 0 && json_is_true(json_object_get(json_object_get(ev, "data"), "interrupted")));
}

/*
 * The kinds whose data a replay reads (a recorded answer, a command's result, a response,
 * a mail's outcome, a decision, the marks of a resume, an error's reason); every other
 * event is matched by its kind and text only, and comes with data {} (no parse).  Code that
 * reads the data of another recorded kind adds it here.
 */
static const char *const DATA_KINDS[] = {"prompt", "answer", "error", "sh.start", "sh.end", "http.request",
                                         "http.response", "mail.sent", "approval", NULL};

int journal_open(interp *I, int trim)
{
    rec_window *w = rb_xcalloc(1, sizeof *w);
    w->trim = trim;
    if (!(w->c = rec_cursor_open(I->rec, I->run_id, 0, NULL))) {
        fprintf(stderr, "runbook: cannot read the record of run %lld: %s\n", (long long)I->run_id, rec_error(I->rec));
        rb_free(w);
        return -1;
    }
    rec_cursor_data_kinds(w->c, DATA_KINDS);
    I->rw = w;
    return 0;
}

void journal_close(interp *I)
{
    rec_window *w = I->rw;
    if (!w) return;
    for (size_t i = 0; i < w->n; i++) json_decref(w->ev[i]);
    rb_free(w->ev);
    json_decref(w->last_sh_start);
    rec_cursor_close(w->c);
    rb_free(w);
    I->rw = NULL;
}

/* Let go of the events behind the cursor (keeping the latest sh.start for inflight.c). */
static void drop_behind(interp *I, rec_window *w)
{
    size_t k = I->rpos > w->base ? I->rpos - w->base : 0;
    if (k > w->n) k = w->n;
    if (k == 0) return;   /* (nothing read yet: no array to move) */
    for (size_t i = 0; i < k; i++) {
        if (strcmp(ev_str(w->ev[i], "kind"), "sh.start") == 0) {
            json_decref(w->last_sh_start);
            w->last_sh_start = w->ev[i];
        } else {
            json_decref(w->ev[i]);
        }
    }
    memmove(w->ev, w->ev + k, (w->n - k) * sizeof *w->ev);
    w->n -= k;
    w->base += k;
}

/* The record cannot be read: everything stops (exit 3), nothing goes live. */
static void read_failed(interp *I, rec_window *w)
{
    fprintf(stderr, "runbook: cannot read the record of run %lld: %s\n", (long long)I->run_id, rec_error(I->rec));
    w->at_end = 1;
    I->record_failed = 1;
    I->diverged = 1;
    I->exit_code = 3;
}

/* Read the next row into the window: 1, 0 at the end, -1 on error. */
static int read_row(rec_window *w)
{
    json_t *ev;
    int rc = rec_cursor_next(w->c, &ev);
    if (rc != 1) return rc;
    if (w->n == w->cap) {
        w->cap = w->cap ? w->cap * 2 : BATCH;
        w->ev = rb_xrealloc(w->ev, w->cap * sizeof *w->ev);
    }
    w->ev[w->n++] = json_incref(ev);
    w->last_seq = rec_cursor_seq(w->c);
    w->last_is_run_end = strcmp(ev_str(ev, "kind"), "run.end") == 0;
    return 1;
}

/*
 * Read a batch of rows (resume: on to the end of a run of interruption events, which is
 * served only when something follows it), then reset the statement.  At the end of the
 * record a trailing run of them is dropped (resume).
 */
static void fill(interp *I, rec_window *w)
{
    drop_behind(I, w);
    int rc = 1;
    for (int k = 0; rc == 1 && (k < BATCH || (w->trim && rec_is_stop(w->ev[w->n - 1]))); k++) rc = read_row(w);
    if (rc < 0) {
        read_failed(I, w);
        return;
    }
    if (rc == 0) {
        w->at_end = 1;
        while (w->trim && w->n && w->base + w->n > I->rpos && rec_is_stop(w->ev[w->n - 1])) json_decref(w->ev[--w->n]);
    }
    rec_cursor_seek(w->c, w->last_seq);   /* the read transaction ends here */
}

json_t *rec_at(interp *I, size_t i)
{
    rec_window *w = I->rw;
    if (!w || i < w->base) return NULL;
    while (i >= w->base + w->n && !w->at_end) fill(I, w);
    return i < w->base + w->n ? w->ev[i - w->base] : NULL;
}

size_t rec_count(interp *I)
{
    rec_window *w = I->rw;
    if (!w) return I->rpos;
    while (!w->at_end) fill(I, w);
    return w->base + w->n;
}

int rec_ends_with_run_end(interp *I)
{
    rec_window *w = I->rw;
    if (!w) return 0;
    while (!w->at_end) fill(I, w);
    return w->last_is_run_end;
}

json_t *rec_last_sh_start(interp *I)
{
    rec_window *w = I->rw;
    if (!w) return NULL;
    for (size_t i = I->rpos < w->base + w->n ? I->rpos : w->base + w->n; i-- > w->base;)
        if (strcmp(ev_str(w->ev[i - w->base], "kind"), "sh.start") == 0) return w->ev[i - w->base];
    return w->last_sh_start;
}
