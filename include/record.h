/*
 * record.h — the recorder: the only module that talks to SQLite.
 *
 * Every action of a run is an event appended to the `events` table before the interpreter
 * moves on; a run is a row of `runs`.  The schema is documented in docs/recording.md and
 * versioned with PRAGMA user_version (migrated forward on open).  The database is opened in
 * WAL mode with a busy timeout, so two runbook processes can record into one file at once;
 * the file is created with mode 0600.  All statements are prepared once per connection.
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

typedef struct recorder recorder;

/* The default database path: $RUNBOOK_DB, else $XDG_DATA_HOME/runbook/runs.db, else
 * $HOME/.local/share/runbook/runs.db.  Returns a malloc'd string (rb_free). */
char *rec_default_path(void);

/* Open (creating directories and the file, mode 0600) and migrate.  NULL on failure with
 * a message in *err (malloc'd, rb_free). */
recorder *rec_open(const char *path, char **err);
void rec_close(recorder *r);
const char *rec_error(const recorder *r);

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

/* One event.  seq is assigned by the recorder (1, 2, … per run) and returned in *seq_out
 * (may be NULL).  step may be NULL; data may be NULL (borrowed; serialised compactly).
 * Each event is committed on its own before this returns. */
typedef struct rec_event {
    double t;                    /* epoch seconds on the run's clock */
    const char *step;            /* step id or NULL */
    const char *kind;            /* "run.start", "step.end", "sh.start", … (cli.md) */
    const char *text;            /* one line for people */
    json_t *data;
} rec_event;
int rec_event_add(recorder *r, int64_t run_id, const rec_event *ev, int64_t *seq_out);

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

/* SHA-256 (FIPS 180-4) of len bytes at data as 64 lowercase hex digits plus a NUL: the
 * digest stored with each run's source, exposed so replay can tell whether a file changed. */
void rec_sha256_hex(const void *data, size_t len, char hex[65]);

#endif
