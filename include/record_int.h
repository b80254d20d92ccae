/*
 * record_int.h — what the recorder's two files share (record.c: opening, the schema and
 * writing; record_read.c: reading back).  Private to them: nothing else includes it.
 */
#ifndef RB_RECORD_INT_H
#define RB_RECORD_INT_H

#include <stdint.h>
#include <sqlite3.h>
#include "dbfile.h"
#include "record.h"

/* ---- prepared statements: all of them, once per connection ---- */

#define RUN_COLS                                                                       \
    "id, incident, runbook_path, title, status, severity, started_at, ended_at, clock, " \
    "mode, acknowledged_at, resolved_at, respond_within_s, resolve_within_s, sha256, "   \
    "params, user, host, pid"
enum {
    C_ID, C_INCIDENT, C_PATH, C_TITLE, C_STATUS, C_SEVERITY, C_STARTED, C_ENDED, C_CLOCK,
    C_MODE, C_ACK, C_RESOLVED, C_RESPOND, C_RESOLVE, C_SHA, C_PARAMS, C_USER, C_HOST, C_PID,
    C_SOURCE
};

#define STATEMENTS(X)                                                                        \
    X(ST_BEGIN, "BEGIN IMMEDIATE")                                                           \
    X(ST_COMMIT, "COMMIT")                                                                   \
    X(ST_ROLLBACK, "ROLLBACK")                                                               \
    X(ST_INCIDENT_COUNT,                                                                     \
      "SELECT count(DISTINCT incident) FROM runs WHERE incident >= ?1 AND incident < ?2")    \
    X(ST_INCIDENT_EXISTS, "SELECT 1 FROM runs WHERE incident = ?1 LIMIT 1")                  \
    X(ST_RUN_INSERT,                                                                         \
      "INSERT INTO runs (incident, runbook_path, title, severity, status, clock, mode, "      \
      "source, sha256, params, user, host, pid, started_at, respond_within_s, "              \
      "resolve_within_s) VALUES (?1, ?2, ?3, ?4, 'running', ?5, ?6, ?7, ?8, ?9, ?10, ?11, "  \
      "?12, ?13, ?14, ?15)")                                                                 \
    X(ST_EVENT_SEQ, "SELECT coalesce(max(seq), 0) + 1 FROM events WHERE run_id = ?1")        \
    X(ST_EVENT_INSERT,                                                                       \
      "INSERT INTO events (run_id, seq, t, step, kind, text, data) "                         \
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")                                                 \
    X(ST_RUN_UPDATE,                                                                         \
      "UPDATE runs SET severity = coalesce(?2, severity), title = coalesce(?3, title), "     \
      "acknowledged_at = coalesce(?4, acknowledged_at), "                                    \
      "resolved_at = coalesce(?5, resolved_at) WHERE id = ?1")                               \
    X(ST_RUN_PARAMS, "UPDATE runs SET params = ?2 WHERE id = ?1")                            \
    X(ST_RUN_END, "UPDATE runs SET status = ?2, ended_at = ?3 WHERE id = ?1")                \
    X(ST_RUN_RESUME,                                                                         \
      "UPDATE runs SET status = 'running', ended_at = NULL, pid = ?2, host = ?3 "            \
      "WHERE id = ?1")                                                                       \
    X(ST_RUN_OWNER, "SELECT status, host, pid FROM runs WHERE id = ?1")                      \
    X(ST_LAST, "SELECT id FROM runs ORDER BY id DESC LIMIT 1")                               \
    X(ST_RUN_EXISTS, "SELECT id FROM runs WHERE id = ?1")                                    \
    X(ST_BY_INCIDENT, "SELECT id FROM runs WHERE incident = ?1 ORDER BY id DESC LIMIT 1")    \
    X(ST_RUN_GET, "SELECT " RUN_COLS ", source FROM runs WHERE id = ?1")                     \
    X(ST_RUN_LIST, "SELECT " RUN_COLS ", NULL FROM runs ORDER BY id DESC")                   \
    X(ST_RUN_STARTED, "SELECT started_at FROM runs WHERE id = ?1")                           \
    X(ST_LAST_EVENT_T, "SELECT max(t) FROM events WHERE run_id = ?1")                        \
    X(ST_EVENT_COUNT, "SELECT count(*) FROM events WHERE run_id = ?1")                        \
    X(ST_EVENT_LAST_T, "SELECT e.t - r.started_at FROM events e JOIN runs r ON r.id = e.run_id " \
      "WHERE e.run_id = ?1 ORDER BY e.seq DESC LIMIT 1")                                     \
    X(ST_EVENTS,                                                                             \
      "SELECT seq, t, step, kind, text, data FROM events WHERE run_id = ?1 ORDER BY seq")    \
    X(ST_APPROVAL_ADD,                                                                       \
      "INSERT INTO approvals (run_id, request, decision, by_name, reason, at) "              \
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)")                                                     \
    X(ST_APPROVAL_GET,                                                                       \
      "SELECT decision, by_name, reason, at FROM approvals WHERE run_id = ?1 AND request = ?2")

#define ST_ENUM(name, sql) name,
enum { STATEMENTS(ST_ENUM) ST_COUNT };
#undef ST_ENUM

/* An event waiting for the next commit: its row but the seq (numbered inside the
 * transaction, so two processes may append to one run), strings packed after the struct. */
typedef struct pending_event {
    int64_t run_id;
    double t;
    const char *step, *kind, *text, *data;   /* into chars; step and data may be NULL */
    char chars[];
} pending_event;

struct recorder {
    sqlite3 *db;
    sqlite3_stmt *st[ST_COUNT];
    char *path;
    char *user;
    char host[256];
    char msg[1024];
    long events_added;      /* this connection's events, for RUNBOOK_FAIL_RECORD */
    long fail_at;           /* debug switch: the Nth event add fails (0: never) */
    pending_event **pend;   /* events accepted but not yet committed, in seq order */
    size_t npend, cappend;
    double pend_since;      /* clock_monotonic() when the oldest pending one came */
    double last_add;        /* clock_monotonic() of the previous rec_event_add */
    int64_t known_run;      /* a run id seen to exist (runs are never deleted) */
    int64_t last_seq;       /* the seq the last committed event got */
    int every_event;        /* commit each event (a REPL run) */
    rec_mode mode;          /* create, existing, or read-only (rec_open_mode) */
    db_ident id;            /* the file opened, compared with the path before each commit */
};


/* Helpers (record.c): every failure is -1 with a message in r->msg. */
__attribute__((format(printf, 2, 3))) int rec_fail(recorder *r, const char *fmt, ...);
int rec_db_fail(recorder *r, const char *what);
/* Statement i of STATEMENTS, prepared on first use; NULL (with a message) when it cannot be
 * (SQLite's calls take a NULL statement as a misuse, never a crash). */
sqlite3_stmt *rec_st(recorder *r, int i);
int rec_time_ok(double t);
void rec_finish(sqlite3_stmt *s);
void rec_bind_text(sqlite3_stmt *s, int i, const char *v);
int rec_step_row(recorder *r, sqlite3_stmt *s, const char *what);
int rec_query_int(recorder *r, sqlite3_stmt *s, const char *what, int64_t *out);
int rec_query_real(recorder *r, sqlite3_stmt *s, const char *what, double *out);
int rec_dump_cb(const char *buffer, size_t size, void *data);
int rec_owner_gone(const recorder *r, const char *host, int64_t pid);

#endif
