/*
 * record.h — the recorder: the only module that talks to SQLite.
 *
 * Every action of a run is an event appended to the `events` table; what the interpreter
 * is about to do outside, and what came back from outside, is committed before it moves on
 * (pure events ride along with the next commit); a run is a row of `runs`.  The schema is documented in docs/recording.md and
 * versioned with PRAGMA user_version (migrated forward on open).  The database is opened in
 * WAL mode with a busy timeout, so two runbook processes can record into one file at once;
 * the file is created with mode 0600.  All statements are prepared once per connection.
 * Before each commit the file at the path is checked to be the one opened (dbfile.h).
 *
 * Every function returning int returns 0 on success and -1 on failure, with a message for
 * people in rec_error(); a write failure mid-run must stop the interpreter before its next
 * action (the caller's job: never act unrecorded).
 */
#ifndef RB_RECORD_H
#define RB_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>
#include "util.h"

typedef struct recorder recorder;

/* The default database path: $RUNBOOK_DB, else $XDG_DATA_HOME/runbook/runs.db, else
 * $HOME/.local/share/runbook/runs.db.  Returns a malloc'd string (rb_free). */
char *rec_default_path(void);

/*
 * How a command opens the database (the checks of dbfile.h apply to each: a trusted
 * directory, a regular file of yours that others cannot write, no symbolic link):
 *   REC_CREATE    a run records: directories (0700) and the file (0600) are made, the
 *                 schema created or migrated;
 *   REC_EXISTING  a run appends to a record (resume): the file must exist;
 *   REC_READONLY  runs, report, replay: SQLITE_OPEN_READONLY, nothing created, set or
 *                 migrated; a missing database is an error.
 * NULL on failure with a message in *err (malloc'd, rb_free).
 */
typedef enum { REC_CREATE, REC_EXISTING, REC_READONLY } rec_mode;
recorder *rec_open_mode(const char *path, rec_mode mode, char **err);
/* rec_open_mode(path, REC_CREATE, err). */
recorder *rec_open(const char *path, char **err);
void rec_close(recorder *r);
const char *rec_error(const recorder *r);
/* The SQLite version this process runs with. */
const char *rec_lib_version(void);

/* What a run row holds at its start. Strings may be NULL unless noted. */
typedef struct rec_run_info {
    const char *runbook_path;    /* as given on the command line (required) */
    const char *source;          /* the runbook's full text (required) */
    const char *title;           /* header title */
    const char *severity;        /* "P1".."P4" */
    const char *incident;        /* incident id; NULL: the recorder makes INC-YYYY-MMDD-NNN */
    const char *clock;           /* "real" or "virtual" (required) */
    const char *mode;            /* "exec", "repl", "resume", "test" (required) */
    json_t *params;              /* object of param name -> value, secrets already redacted (borrowed) */
    double started_at;           /* epoch seconds on the run's clock */
    double respond_within_s;     /* header targets, < 0 when absent */
    double resolve_within_s;
} rec_run_info;

/* Insert the run row (status "running"); stores the source's SHA-256, the user and host.
 * Sets *run_id and, when info->incident is NULL, *incident_out to the generated id
 * (malloc'd).  The incident id counter NNN counts incidents started that UTC day in this
 * database, from 001.  (When info->incident is given, *incident_out is set to NULL;
 * incident_out may itself be NULL.) */
int rec_run_start(recorder *r, const rec_run_info *info, int64_t *run_id, char **incident_out);

/* Take over an existing run for `runbook resume`: status back to "running", ended_at
 * cleared, pid and host set to this process, so stale detection follows the resuming
 * process.  -1 when there is no such run, or when it is still running in a live process
 * on this host (two processes must not append to one run). */
int rec_run_resume(recorder *r, int64_t run_id);

/* One event.  seq is assigned by the recorder (1, 2, … per run, inside the committing
 * transaction) and returned in *seq_out (may be NULL; when given, the event is committed
 * at once).  step may be NULL; data may be NULL (borrowed; serialised compactly).
 * An event of a durable kind (the start of an outside action, an answer from outside, a
 * wait, run.end: docs/recording.md) is committed, with every event before it, before this
 * returns; a pure one (step.start, note, state, …) may wait in memory for the next commit,
 * so a write failure may surface at a later call, always before a durable event returns. */
typedef struct rec_event {
    double t;                    /* epoch seconds on the run's clock */
    const char *step;            /* step id or NULL */
    const char *kind;            /* "run.start", "step.end", "sh.start", … (cli.md) */
    const char *text;            /* one line for people */
    json_t *data;
} rec_event;
int rec_event_add(recorder *r, int64_t run_id, const rec_event *ev, int64_t *seq_out);

/* Commit the events waiting in memory now (also done by every run-row change, every read,
 * and rec_close).  0 when there were none. */
int rec_flush(recorder *r);

/* Update run fields as the run goes (each NULL/negative argument leaves the field alone). */
int rec_run_update(recorder *r, int64_t run_id, const char *severity, const char *title,
                   double acknowledged_at, double resolved_at);

/* Replace the run row's params (serialised compactly; borrowed), for a caller that learns
 * the final values only after rec_run_start (params that prompt, --set, defaults). */
int rec_run_set_params(recorder *r, int64_t run_id, json_t *params);

/* Set data.KEY = v on the event seq of run_id (the process group of a command, known
 * only once it started, on its sh.start).  0 or -1 with a message. */
int rec_event_set_int(recorder *r, int64_t run_id, int64_t seq, const char *key, int64_t v);

/* End the run: status is finished | failed | aborted | interrupted. */
int rec_run_end(recorder *r, int64_t run_id, const char *status, double ended_at);

/* ---- reading back (runs, report, replay, resume) ---- */

/* Resolve "last", a run id, or an incident id (newest run of that incident) to a run id.
 * -1 with a message when there is no such run. */
int rec_find_run(recorder *r, const char *spec, int64_t *run_id);

/* The run row as a JSON object with the fields of cli.md's "run" object plus "source",
 * "sha256", "params", "user", "host", "mode" (new reference; NULL on error).  A run whose
 * status is still "running" but whose process is gone is reported as "interrupted"
 * (the recorder keeps the pid and host to tell). */
json_t *rec_run_json(recorder *r, int64_t run_id);

/* All runs, newest first, as an array of run objects (without source). */
json_t *rec_runs_json(recorder *r);

/* The events of a run in seq order, each {"seq","t","elapsed_s","step","kind","text","data"}
 * with t as ISO-8601 (cli.md's event shape).  NULL on error. */
json_t *rec_events_json(recorder *r, int64_t run_id);

/* Reading a run's events one at a time, in seq order, in constant memory (report, replay).
 * Only events with seq > after, and (when kinds is a NULL-terminated list) of those kinds.
 * NULL on error (rec_error).  A cursor has its own statement: other reads, and other
 * cursors, may run while it is open. */
typedef struct rec_cursor rec_cursor;
rec_cursor *rec_cursor_open(recorder *r, int64_t run_id, int64_t after, const char *const *kinds);
/* The next event as rec_events_json's object, in *ev (borrowed until the next call or the
 * close): 1, or 0 at the end, or -1 on error (rec_error). */
int rec_cursor_next(rec_cursor *c, json_t **ev);
/* The next event appended to out as the same object's compact JSON text, the stored data
 * copied through without a parse when it is valid JSON (else as rec_events_json has it):
 * 1, 0 at the end, -1 on error. */
int rec_cursor_next_text(rec_cursor *c, rb_buf *out);
/* Move to the next event without building it (1, 0 at the end, -1 on error), then read
 * the cheap columns, or build the object only when it is wanted (borrowed; NULL when there
 * is no current event or out of memory). */
int rec_cursor_step(rec_cursor *c);
const char *rec_cursor_kind(const rec_cursor *c);   /* "" when none */
const char *rec_cursor_text(const rec_cursor *c);   /* "" when none */
int64_t rec_cursor_seq(const rec_cursor *c);
double rec_cursor_elapsed(const rec_cursor *c);     /* t - the run's start */
json_t *rec_cursor_event(rec_cursor *c);
/* Only events of these kinds (NULL-terminated, borrowed for the cursor's life) get their
 * data in rec_cursor_event/rec_cursor_next; the others get {} (a reader that shows only
 * their text saves the parse).  NULL: all, the default. */
void rec_cursor_data_kinds(rec_cursor *c, const char *const *kinds);
/* Start again from the events after seq `after` (a lookup reused for many starts). */
int rec_cursor_seek(rec_cursor *c, int64_t after);
void rec_cursor_close(rec_cursor *c);
/* How many events the run has. */
int rec_event_count(recorder *r, int64_t run_id, int64_t *n);
/* The time of the run's last event (by seq) since the run's start: 1 with *t set, 0 when it
 * has none, -1. */
int rec_event_last_elapsed(recorder *r, int64_t run_id, double *t);
/* ---- approvals: `approve` requests decided from another process ---- */

/* The user this process runs as (recorded with each run): who asks and who approves. */
const char *rec_user(const recorder *r);
/* Record a decision ("approved" or "rejected") on request number `request` of a run; -1
 * with "already decided" when the request has one. */
int rec_approval_add(recorder *r, int64_t run_id, int64_t request, const char *decision, const char *by,
                     const char *reason, double at);
/* The decision on a request: 1 with *out = {"decision","by","reason","at"} (new
 * reference), 0 when it is not decided yet, -1 on error. */
int rec_approval_get(recorder *r, int64_t run_id, int64_t request, json_t **out);

/* SHA-256 (FIPS 180-4) of len bytes at data as 64 lowercase hex digits plus a NUL: the
 * digest stored with each run's source, exposed so replay can tell whether a file changed. */
void rec_sha256_hex(const void *data, size_t len, char hex[65]);

#endif
