/*
 * postmortem_int.h — what the files of the post-mortem draft share (postmortem.c writes
 * the sections, postmortem_walk.c reads the record for them, postmortem_lines.c words one
 * event): the draft being written, an event as a section sees it, and a section's pass
 * over the record.  Private to those three files.
 */
#ifndef RB_POSTMORTEM_INT_H
#define RB_POSTMORTEM_INT_H

#include <jansson.h>
#include "record.h"
#include "util.h"

#define CELL_MAX 240 /* bytes of a command, question or answer shown in one table cell */

/* One draft being written.  It reads the record section by section, one event at a time
 * (walk, postmortem_walk.c), and writes as it goes, so memory does not grow with the run. */
typedef struct pm {
    recorder *rec;        /* borrowed */
    int64_t id;
    json_t *run;          /* borrowed */
    const char *user;     /* who ran it, from the run row */
    char date[11];        /* the run's start date YYYY-MM-DD, "" when unknown */
    int virtual_clock;    /* the run's times are virtual: actions took none of them */
    int failed;           /* reading the record failed (rec_error says why) */
    rb_buf *out;
} pm;

/* An event as a section sees it: with its finishing event (the sh.end, answer or
 * http.response of a start; NULL when none is recorded), whether it is itself such a
 * finishing event (shown with its start), and whether a step.end here ends a rollback. */
typedef struct evx {
    json_t *ev, *end;
    int is_end, in_rollback;
} evx;

/* The families of a start and its finish: sh.start/sh.end, prompt/answer,
 * http.request/http.response (postmortem_walk.c). */
#define NFAMILIES 3

/* One pass of a section over the events it needs. */
typedef struct walk {
    pm *p;
    rec_cursor *c;
    rec_cursor *look[NFAMILIES];   /* finding a start's finish, opened when first needed */
    int open[NFAMILIES];           /* the family's last event so far is a start */
    int in_rollback;               /* a rollback.start since the last step or rollback boundary */
    int (*want)(const char *kind, const char *text);   /* NULL: every event */
    int ends;                      /* look up the finish of a start */
    json_t *end;                   /* the finish handed out last, owned */
} walk;

/* ---- postmortem_walk.c: reading the record, writing the draft out */

/* The draft goes to stdout: all that is waiting (pm_flush), or once enough is (pm_maybe_flush). */
void pm_flush(const pm *p);
void pm_maybe_flush(const pm *p);
/* kinds: NULL-terminated, or NULL for every event.  want: which of them to hand out; ends:
 * look up the finish of a start.  0, or -1 (the draft marked failed). */
int pm_walk_open(walk *w, pm *p, const char *const *kinds, int (*want)(const char *, const char *), int ends);
/* The next event the walk hands out into *x: 1, or 0 at the end (also after an error,
 * which marks the draft failed). */
int pm_walk_next(walk *w, evx *x);
void pm_walk_close(walk *w);
/* Time since the start of the run: +MM:SS, or +H:MM:SS from an hour on. */
void pm_fmt_elapsed(rb_buf *b, json_t *ev);
/* HH:MM:SS of an ISO time, with the date in front when it is not the run's start date. */
void pm_fmt_clock(const pm *p, rb_buf *b, const char *iso);
/* Who or what gave an answer: the run's user for people, the runbook for defaults. */
const char *pm_answered_by(const pm *p, const char *source);
/* Where an answer came from, as the draft names it ("answers file", "--auto", …). */
const char *pm_source_label(const char *source);
/* A JSON value as it reads in a sentence: strings bare, anything else as JSON. */
void pm_md_value(rb_buf *b, json_t *v);

/* ---- postmortem_lines.c: one line per event */

/* The question of a prompt event, in quotes. */
void pm_d_question(json_t *ev, rb_buf *b);
/* The outcome of a command from its sh.end (NULL: none recorded): its exit status, timed
 * out, not run (dry run) or in flight. */
void pm_sh_outcome(json_t *end, rb_buf *b);
/* How long a command took, on the run's clock (the span between its events in a
 * virtual-clock run): 0 and *d, or -1 when unknown. */
int pm_cmd_duration(const pm *p, json_t *start, json_t *end, double *d);
/* The sentence for an event.  0 when it is a finishing event shown with its start. */
int pm_describe(const pm *p, const evx *x, rb_buf *b);

#endif
