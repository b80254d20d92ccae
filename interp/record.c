/*
 * record.c — the recorder: runs and events in SQLite (reading back: record_read.c).
 *
 * With record_read.c, owns every sqlite3_* call in runbook: here the schema and its forward
 * migrations (a list of steps keyed by PRAGMA user_version), the incident id counter, and
 * stale-run detection (a "running" run whose process is gone).  Durability is the point of this file, and it is
 * decided here, from the event's kind (docs/recording.md, "When an event is committed"):
 *
 *   - An event of a durable kind (the start of an outside action: sh.start, http.request,
 *     mail.send; an answer from outside: sh.end, http.response, mail.sent, answer,
 *     repl.input; a wait on people or time: prompt, wait, wait.end; the end: run.end) is
 *     committed, with every event before it, before rec_event_add returns.
 *   - Any other event is pure (step.start, note, state, …: the runbook alone decides it, so
 *     a resume regenerates it identically).  After a quiet spell of REC_IDLE it is committed
 *     at once; in a burst it waits in memory for the next commit: the next durable event,
 *     any run-row change, rec_flush, rec_close or a read, the REC_BATCH_MAXth waiting
 *     event, or the first event REC_MAX_AGE seconds after it.  A REPL run commits every
 *     event.
 *
 * So a process killed at any moment, SIGKILL included, leaves a database that passes
 * integrity_check and holds a prefix of the run that reaches at least its last durable
 * event; what may be missing is a tail of pure events.  Transactions are short (BEGIN
 * IMMEDIATE, the buffered rows, COMMIT): no write lock is held while the interpreter waits,
 * so other processes (a second responder, report, runs) never wait on this one for long.
 * The WAL is checkpointed (passively) when it passes REC_WAL_PAGES and when the recorder is
 * closed, not every 1,000 pages on the hot path.  The layout is documented for users in
 * docs/recording.md; change the two together.  Which file may be opened, and whether it is
 * still the one at its path before each commit, is dbfile.c's (called from the open path
 * and tx_commit).
 *
 * It must never print, never exit (except rb_x* on out of memory), never let a malformed
 * row — garbage JSON, invalid UTF-8, a foreign file — crash a reader, and never leave a
 * statement un-reset (an open read would pin the WAL).  It knows nothing of the language:
 * callers hand it strings and JSON, and every failure is -1 or NULL with a message in
 * rec_error().
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>
#include "clock.h"
#include "dbfile.h"
#include "record.h"
#include "record_int.h"
#include "util.h"

enum { BUSY_MS = 10000 };
enum { REC_BATCH_MAX = 1024 };      /* pure events held in memory at most */
enum { REC_WAL_PAGES = 8192 };      /* checkpoint when the WAL passes this many pages */
#define REC_MAX_AGE 0.1             /* seconds a pure event may wait for its commit */
#define REC_IDLE 0.02               /* a pure event after this long a pause commits at once */

/* Kinds committed before rec_event_add returns (see the top comment). */
static const char *const durable_kinds[] = {
    "sh.start", "sh.end", "http.request", "http.response", "mail.send", "mail.sent",
    "prompt", "answer", "repl.input", "wait", "wait.end", "run.end",
    /* a second person reads the request from another process; the decision is an answer */
    "approval.request", "approval", "approval.timeout",
};

/* ---- the schema, one migration step per user_version ---- */

static const char schema_v1[] =
    "CREATE TABLE runs ("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " incident TEXT NOT NULL,"
    " runbook_path TEXT NOT NULL,"
    " title TEXT,"
    " severity TEXT,"
    " status TEXT NOT NULL DEFAULT 'running',"
    " clock TEXT NOT NULL,"
    " mode TEXT NOT NULL,"
    " source TEXT NOT NULL,"
    " sha256 TEXT NOT NULL,"
    " params TEXT NOT NULL DEFAULT '{}',"
    " user TEXT,"
    " host TEXT,"
    " pid INTEGER,"
    " started_at REAL NOT NULL,"
    " ended_at REAL,"
    " acknowledged_at REAL,"
    " resolved_at REAL,"
    " respond_within_s REAL,"
    " resolve_within_s REAL);"
    "CREATE INDEX runs_incident ON runs (incident, started_at);"
    "CREATE INDEX runs_started ON runs (started_at);"
    "CREATE TABLE events ("
    " run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
    " seq INTEGER NOT NULL,"
    " t REAL NOT NULL,"
    " step TEXT,"
    " kind TEXT NOT NULL,"
    " text TEXT NOT NULL DEFAULT '',"
    " data TEXT,"
    " PRIMARY KEY (run_id, seq));"
    "CREATE INDEX events_kind ON events (kind, t);";

/* v2: decisions on `approve` requests, written by `runbook approve|reject` from another
 * process and read by the waiting run (which then records them as its own event). */
static const char schema_v2[] =
    "CREATE TABLE approvals ("
    " run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
    " request INTEGER NOT NULL,"
    " decision TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')),"
    " by_name TEXT NOT NULL,"
    " reason TEXT,"
    " at REAL NOT NULL,"
    " PRIMARY KEY (run_id, request));";

/* Applied in order inside one transaction; a database at version N gets every step after
 * N.  To add a version: append { N, "…" } and document it in docs/recording.md. */
static const struct migration {
    int version;
    const char *sql;
} migrations[] = {
    { 1, schema_v1 },
    { 2, schema_v2 },
};
enum { SCHEMA_LATEST = 2 };

#define ST_SQL(name, sql) sql,
static const char *const statement_sql[ST_COUNT] = { STATEMENTS(ST_SQL) };
#undef ST_SQL

/* ---- messages ---- */

int rec_fail(recorder *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->msg, sizeof r->msg, fmt, ap);
    va_end(ap);
    return -1;
}

/* The connection's last error as a message for people; always -1. */
int rec_db_fail(recorder *r, const char *what)
{
    int code = sqlite3_extended_errcode(r->db) & 0xff;
    if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
        return rec_fail(r, "%s: %s: the database is locked by another process (gave up after "
                    "waiting up to %d s)", r->path, what, BUSY_MS / 1000);
    if (code == SQLITE_NOTADB)
        return rec_fail(r, "%s: not a runbook recording database (the file is not SQLite)", r->path);
    if (code == SQLITE_READONLY)
        return rec_fail(r, "%s: %s: the database cannot be written (%s): a read-only file system or file?",
                        r->path, what, sqlite3_errmsg(r->db));
    if (code == SQLITE_CORRUPT)
        return rec_fail(r, "%s: %s: the database is corrupt (%s); check it with "
                    "sqlite3 FILE 'PRAGMA integrity_check'", r->path, what, sqlite3_errmsg(r->db));
    return rec_fail(r, "%s: %s: %s", r->path, what, sqlite3_errmsg(r->db));
}

const char *rec_error(const recorder *r)
{
    return r && r->msg[0] ? r->msg : "no error";
}

/* ---- small helpers ---- */

/* Times we can store and format: years 1970 to 9999 (a hand-edited or corrupt value
 * outside them must not reach gmtime). */
int rec_time_ok(double t)
{
    return isfinite(t) && t >= 0 && t < 253402300800.0;
}

/* ---- statement helpers: every use ends with the statement reset ---- */

void rec_finish(sqlite3_stmt *s)
{
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
}

void rec_bind_text(sqlite3_stmt *s, int i, const char *v)
{
    if (v) sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
    else sqlite3_bind_null(s, i);
}

/* Negative (or NaN) means "absent" throughout the API. */
static void bind_opt_real(sqlite3_stmt *s, int i, double v)
{
    if (v >= 0) sqlite3_bind_double(s, i, v);
    else sqlite3_bind_null(s, i);
}

/* Step once: 1 with a row (the caller reads it, then rec_finish()es), 0 when done, -1 on error
 * (both reset). */
int rec_step_row(recorder *r, sqlite3_stmt *s, const char *what)
{
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) return 1;
    if (rc != SQLITE_DONE) rec_db_fail(r, what);
    rec_finish(s);
    return rc == SQLITE_DONE ? 0 : -1;
}

static int exec_stmt(recorder *r, sqlite3_stmt *s, const char *what)
{
    int rc = rec_step_row(r, s, what);
    if (rc == 1) rec_finish(s);
    return rc < 0 ? -1 : 0;
}

/* A one-integer query: 1 with *out set, 0 when there is no row (or it is NULL), -1. */
int rec_query_int(recorder *r, sqlite3_stmt *s, const char *what, int64_t *out)
{
    int rc = rec_step_row(r, s, what);
    if (rc != 1) return rc;
    int null = sqlite3_column_type(s, 0) == SQLITE_NULL;
    *out = sqlite3_column_int64(s, 0);
    rec_finish(s);
    return null ? 0 : 1;
}

int rec_query_real(recorder *r, sqlite3_stmt *s, const char *what, double *out)
{
    int rc = rec_step_row(r, s, what);
    if (rc != 1) return rc;
    int null = sqlite3_column_type(s, 0) == SQLITE_NULL;
    *out = sqlite3_column_double(s, 0);
    rec_finish(s);
    return null ? 0 : 1;
}

static void tx_abort(recorder *r)
{
    if (!sqlite3_get_autocommit(r->db)) {
        sqlite3_step(rec_st(r, ST_ROLLBACK));
        rec_finish(rec_st(r, ST_ROLLBACK));
    }
}

static int tx_begin(recorder *r)
{
    return exec_stmt(r, rec_st(r, ST_BEGIN), "cannot start a write transaction");
}

/* ---- one check per commit: the file at the path is still the file we opened ----
 * (a database deleted or replaced mid-run must stop the run, not swallow its record) */
static int still_same_file(recorder *r)
{
    return dbfile_same(r->path, &r->id, r->msg, sizeof r->msg);
}

static int tx_commit(recorder *r)
{
    if (still_same_file(r) < 0) {
        tx_abort(r);
        return -1;
    }
    if (exec_stmt(r, rec_st(r, ST_COMMIT), "cannot commit") == 0) return 0;
    tx_abort(r);
    return -1;
}

/* Close the transaction the way the work inside it went (rc 0: commit; else roll back). */
static int tx_end(recorder *r, int rc)
{
    if (rc == 0) return tx_commit(r);
    tx_abort(r);
    return -1;
}

/* A one-off statement at open time (pragmas, migrations). */
static int exec_sql(recorder *r, const char *sql, const char *what)
{
    if (sqlite3_exec(r->db, sql, NULL, NULL, NULL) == SQLITE_OK) return 0;
    return rec_db_fail(r, what);
}

/* ---- opening: directories, the file, the connection, the schema ---- */

/* SQLite opens the file dbfile_prepare checked: no symbolic link (SQLITE_OPEN_NOFOLLOW),
 * and the same inode, else it was swapped between the check and the open.  On a read-only
 * file system it is opened as immutable (see dbfile_immutable_uri). */
static int connect_db(recorder *r)
{
    int flags = (r->mode == REC_READONLY ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOFOLLOW;
    char *uri = r->mode == REC_READONLY && r->id.ro_fs ? dbfile_immutable_uri(r->path) : NULL;
    int rc = sqlite3_open_v2(uri ? uri : r->path, &r->db, flags | (uri ? SQLITE_OPEN_URI : 0), NULL);
    rb_free(uri);
    if (rc != SQLITE_OK)
        return r->db ? rec_db_fail(r, "cannot open")
                     : rec_fail(r, "%s: cannot open: out of memory", r->path);
    sqlite3_extended_result_codes(r->db, 1);
    sqlite3_busy_timeout(r->db, BUSY_MS);
    if (dbfile_same(r->path, &r->id, r->msg, sizeof r->msg) < 0) return -1;
    if (r->mode != REC_READONLY && sqlite3_db_readonly(r->db, "main") == 1)
        return rec_fail(r, "%s: the database is read-only", r->path);
    return 0;
}

/* One attempt at PRAGMA journal_mode = WAL: 1 done, 0 busy (try again), -1 failed. */
static int try_wal(recorder *r)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(r->db, "PRAGMA journal_mode = WAL", -1, &s, NULL) != SQLITE_OK) {
        int busy = (sqlite3_errcode(r->db) & 0xff) == SQLITE_BUSY;
        return busy ? 0 : rec_db_fail(r, "cannot set WAL mode");
    }
    int rc = sqlite3_step(s);
    const char *mode = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(s, 0) : NULL;
    int out = mode && sqlite3_stricmp(mode, "wal") == 0 ? 1 : -1;
    if (rc == SQLITE_BUSY) out = 0;
    else if (rc != SQLITE_ROW) rec_db_fail(r, "cannot set WAL mode");
    else if (out < 0)
        rec_fail(r, "%s: cannot set WAL mode (the file system may not support it)", r->path);
    sqlite3_finalize(s);
    return out;
}

/* WAL must really be on: the concurrency and crash guarantees depend on it.  This is also
 * the first statement that reads the file, so a foreign file is refused here.  Switching
 * a new file to WAL needs an exclusive lock and SQLite reports SQLITE_BUSY at once, without
 * its busy handler, when another process holds the file (several processes opening a new
 * database together), so the wait is ours: retry until the busy timeout. */
static int enable_wal(recorder *r)
{
    double give_up = clock_monotonic() + BUSY_MS / 1000.0;
    int rc;
    while ((rc = try_wal(r)) == 0) {
        if (clock_monotonic() > give_up)
            return rec_fail(r, "%s: cannot set WAL mode: the database stayed locked by another "
                        "process for more than %d s", r->path, BUSY_MS / 1000);
        sqlite3_sleep(5);
    }
    return rc < 0 ? -1 : 0;
}

/* Checkpoint from a size, off the hot path: SQLite's own autocheckpoint (every 1,000
 * pages, with an fsync each time) is replaced by this hook. */
static int on_wal_commit(void *arg, sqlite3 *db, const char *name, int pages)
{
    (void)arg;
    if (pages >= REC_WAL_PAGES) sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    return SQLITE_OK;
}

static int configure(recorder *r)
{
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA busy_timeout = %d", BUSY_MS);
    if (exec_sql(r, sql, "cannot set the busy timeout") < 0 ||
        exec_sql(r, "PRAGMA foreign_keys = ON", "cannot enable foreign keys") < 0 ||
        enable_wal(r) < 0 ||
        exec_sql(r, "PRAGMA synchronous = NORMAL", "cannot set synchronous mode") < 0)
        return -1;
    sqlite3_wal_hook(r->db, on_wal_commit, NULL);
    /* Keep the -wal file when the last connection closes (after its checkpoint), so the next
     * run neither recreates it nor syncs the directory for it. */
    int persist = 1;
    sqlite3_file_control(r->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
    /* …but emptied when it is reset: the first connection of the next process reads all
     * of a kept WAL to rebuild its index (a one-step run read 7.8 MB before this). */
    if (exec_sql(r, "PRAGMA journal_size_limit = 0", "cannot set the WAL size limit") < 0) return -1;
    return 0;
}

static int user_version(recorder *r, int *out)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(r->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
        return rec_db_fail(r, "cannot read the schema version");
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) *out = sqlite3_column_int(s, 0);
    else rec_db_fail(r, "cannot read the schema version");
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? 0 : -1;
}

static int refuse_newer(recorder *r, int version)
{
    return rec_fail(r, "%s: database schema version %d is newer than this runbook understands "
                "(it knows up to %d); upgrade runbook", r->path, version, SCHEMA_LATEST);
}

/* Every step after `from`, then user_version, in the caller's transaction. */
static int apply_migrations(recorder *r, int from)
{
    char sql[64];
    for (size_t i = 0; i < sizeof migrations / sizeof *migrations; i++) {
        if (migrations[i].version <= from) continue;
        if (exec_sql(r, migrations[i].sql, "cannot create or migrate the schema") < 0) return -1;
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", migrations[i].version);
        if (exec_sql(r, sql, "cannot set the schema version") < 0) return -1;
    }
    return 0;
}

/* The version is read again inside BEGIN IMMEDIATE: another process opening the same new
 * file at the same moment may have migrated it while we waited for the lock. */
static int migrate(recorder *r)
{
    int v;
    if (user_version(r, &v) < 0) return -1;
    if (v > SCHEMA_LATEST) return refuse_newer(r, v);
    if (v == SCHEMA_LATEST) return 0;
    if (exec_sql(r, "BEGIN IMMEDIATE", "cannot start the schema migration") < 0) return -1;
    int rc = user_version(r, &v);
    if (rc == 0 && v > SCHEMA_LATEST) rc = refuse_newer(r, v);
    if (rc == 0) rc = apply_migrations(r, v);
    if (rc == 0) rc = exec_sql(r, "COMMIT", "cannot commit the schema migration");
    if (rc < 0 && !sqlite3_get_autocommit(r->db)) sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

sqlite3_stmt *rec_st(recorder *r, int i)
{
    if (!r->st[i] && sqlite3_prepare_v3(r->db, statement_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &r->st[i], NULL) !=
                         SQLITE_OK)
        rec_db_fail(r, "cannot prepare a statement (is the schema damaged?)");
    return r->st[i];
}

/* Statements are prepared when first used (a one-step run needs a few of them); at the
 * open, one per table, so a database missing a table is refused before anything runs. */
static int check_tables(recorder *r)
{
    static const int probes[] = {ST_RUN_EXISTS, ST_EVENT_COUNT, ST_APPROVAL_GET};
    for (size_t i = 0; i < sizeof probes / sizeof *probes; i++)
        if (!rec_st(r, probes[i])) return rec_db_fail(r, "cannot prepare statements (is the schema damaged?)");
    return 0;
}

static void identify(recorder *r)
{
    if (gethostname(r->host, sizeof r->host - 1) < 0) strcpy(r->host, "unknown");
    r->host[sizeof r->host - 1] = '\0';
    struct passwd *pw = getpwuid(geteuid());
    const char *u = pw && pw->pw_name ? pw->pw_name : getenv("USER");
    if (u && *u) {
        r->user = rb_xstrdup(u);
    } else {
        rb_buf b;
        buf_init(&b);
        buf_printf(&b, "uid %ld", (long)geteuid());
        r->user = buf_take(&b);
    }
}

/* Reading only: nothing is set or migrated (that would write); the schema must be there. */
static int check_schema(recorder *r)
{
    int v;
    if (user_version(r, &v) < 0) return -1;
    if (v > SCHEMA_LATEST) return refuse_newer(r, v);
    if (v == 0)
        return rec_fail(r, "%s: not a runbook recording database (it holds no runbook schema)", r->path);
    return 0;
}

static int open_steps(recorder *r)
{
    if (dbfile_prepare(r->path, r->mode, &r->id, r->msg, sizeof r->msg) < 0 || connect_db(r) < 0) return -1;
    if (r->mode == REC_READONLY ? check_schema(r) < 0 : configure(r) < 0 || migrate(r) < 0) return -1;
    return check_tables(r);
}

recorder *rec_open(const char *path, char **err)
{
    return rec_open_mode(path, REC_CREATE, err);
}

recorder *rec_open_mode(const char *path, rec_mode mode, char **err)
{
    recorder *r = rb_xcalloc(1, sizeof *r);
    r->path = rb_xstrdup(path ? path : "");
    r->mode = mode;
    const char *inject = getenv("RUNBOOK_FAIL_RECORD");
    r->fail_at = inject ? atol(inject) : 0;
    identify(r);
    if (err) *err = NULL;
    if (open_steps(r) == 0) return r;
    if (err) *err = rb_xstrdup(r->msg);
    rec_close(r);
    return NULL;
}

void rec_close(recorder *r)
{
    if (!r) return;
    rec_flush(r);   /* a failure here has no one left to tell: the run already ended */
    rb_free(r->pend);
    if (r->db) sqlite3_wal_checkpoint_v2(r->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    for (int i = 0; i < ST_COUNT; i++) sqlite3_finalize(r->st[i]);
    sqlite3_close(r->db);
    rb_free(r->path);
    rb_free(r->user);
    rb_free(r);
}

char *rec_default_path(void)
{
    const char *env = getenv("RUNBOOK_DB");
    if (env && *env) return rb_xstrdup(env);
    rb_buf b;
    buf_init(&b);
    const char *xdg = getenv("XDG_DATA_HOME");
    const char *home = getenv("HOME");
    if (xdg && xdg[0] == '/') {   /* the XDG spec: relative values are ignored */
        buf_printf(&b, "%s/runbook/runs.db", xdg);
        return buf_take(&b);
    }
    if (!home || !*home) {
        struct passwd *pw = getpwuid(getuid());
        home = pw && pw->pw_dir ? pw->pw_dir : ".";
    }
    buf_printf(&b, "%s/.local/share/runbook/runs.db", home);
    return buf_take(&b);
}

/* ---- writing ---- */

int rec_dump_cb(const char *buffer, size_t size, void *data)
{
    buf_addn(data, buffer, size);
    return 0;
}

/* JSON as compact text into b (through our allocator); -1 for a value jansson refuses. */
static int json_text(recorder *r, json_t *j, rb_buf *b)
{
    if (json_dump_callback(j, rec_dump_cb, b, JSON_COMPACT | JSON_ENCODE_ANY) == 0) return 0;
    return rec_fail(r, "%s: cannot serialise JSON data", r->path);
}

/* The params column: the object as JSON, {} when there is none. */
static int params_text(recorder *r, json_t *params, rb_buf *b)
{
    if (params) return json_text(r, params, b);
    buf_adds(b, "{}");
    return 0;
}

/* ---- events: buffered in memory, committed by durability need ---- */

static int durable_kind(const char *kind)
{
    for (size_t i = 0; i < sizeof durable_kinds / sizeof *durable_kinds; i++)
        if (strcmp(kind, durable_kinds[i]) == 0) return 1;
    return 0;
}

static void pending_clear(recorder *r)
{
    for (size_t i = 0; i < r->npend; i++) rb_free(r->pend[i]);
    r->npend = 0;
}

static const char *pack(char **at, const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    memcpy(*at, s, n);
    const char *out = *at;
    *at += n;
    return out;
}

static void pending_push(recorder *r, int64_t run_id, const rec_event *ev, const char *data)
{
    const char *text = ev->text ? ev->text : "";
    size_t n = strlen(ev->kind) + strlen(text) + 2 + (ev->step ? strlen(ev->step) + 1 : 0) +
               (data ? strlen(data) + 1 : 0);
    pending_event *p = rb_xmalloc(sizeof *p + n);
    char *at = p->chars;
    p->run_id = run_id;
    p->t = ev->t;
    p->kind = pack(&at, ev->kind);
    p->text = pack(&at, text);
    p->step = pack(&at, ev->step);
    p->data = pack(&at, data);
    if (r->npend == r->cappend) {
        r->cappend = r->cappend ? 2 * r->cappend : 64;
        r->pend = rb_xrealloc(r->pend, r->cappend * sizeof *r->pend);
    }
    if (r->npend == 0) r->pend_since = clock_monotonic();
    r->pend[r->npend++] = p;
}

/* Inside the transaction: the rows waiting in memory, in order, each run's numbered on
 * from its last seq (read once per run and transaction: the write lock is ours). */
static int write_pending(recorder *r)
{
    sqlite3_stmt *s = rec_st(r, ST_EVENT_INSERT);
    int64_t run = 0, next = 0;
    for (size_t i = 0; i < r->npend; i++) {
        const pending_event *p = r->pend[i];
        if (i == 0 || p->run_id != run) {
            sqlite3_bind_int64(rec_st(r, ST_EVENT_SEQ), 1, p->run_id);
            if (rec_query_int(r, rec_st(r, ST_EVENT_SEQ), "cannot number the event", &next) < 0) return -1;
            run = p->run_id;
        }
        r->last_seq = next;
        sqlite3_bind_int64(s, 1, p->run_id);
        sqlite3_bind_int64(s, 2, next++);
        sqlite3_bind_double(s, 3, p->t);
        rec_bind_text(s, 4, p->step);
        rec_bind_text(s, 5, p->kind);
        rec_bind_text(s, 6, p->text);
        rec_bind_text(s, 7, p->data);
        if (exec_stmt(r, s, "cannot record the event") < 0) return -1;
    }
    return 0;
}

/* One short transaction: the pending events, then op (when given).  The pending events
 * are gone either way (a failure stops the run: rec_error says why). */
static int commit_with(recorder *r, int (*op)(recorder *, void *), void *arg)
{
    if (tx_begin(r) < 0) {
        pending_clear(r);
        return -1;
    }
    int rc = write_pending(r);
    if (rc == 0 && op) rc = op(r, arg);
    rc = tx_end(r, rc);
    pending_clear(r);
    return rc;
}

int rec_flush(recorder *r)
{
    if (!r || r->npend == 0) return 0;
    return commit_with(r, NULL, NULL);
}

/* An event for a run that does not exist fails at once, not at a later commit. */
static int check_run(recorder *r, int64_t run_id)
{
    if (run_id == r->known_run) return 0;
    int64_t id;
    sqlite3_stmt *s = rec_st(r, ST_RUN_EXISTS);
    sqlite3_bind_int64(s, 1, run_id);
    int rc = rec_query_int(r, s, "cannot look up the run", &id);
    if (rc == 0) return rec_fail(r, "%s: cannot record the event: no run %lld", r->path, (long long)run_id);
    if (rc < 0) return -1;
    r->known_run = run_id;
    return 0;
}

/* Commit now: a durable kind, a full or old buffer, a REPL, or the first event after a
 * pause (and when the caller wants the seq, which is given inside the transaction). */
static int commit_due(recorder *r, const char *kind, int want_seq)
{
    double now = clock_monotonic();
    int idle = now - r->last_add >= REC_IDLE;
    r->last_add = now;
    return want_seq || r->every_event || durable_kind(kind) || idle || r->npend >= REC_BATCH_MAX ||
           now - r->pend_since >= REC_MAX_AGE;
}

int rec_event_add(recorder *r, int64_t run_id, const rec_event *ev, int64_t *seq_out)
{
    if (!ev || !ev->kind) return rec_fail(r, "%s: an event needs a kind", r->path);
    /* RUNBOOK_FAIL_RECORD=N: the Nth event fails as a full disk would (tests of exit 3). */
    if (r->fail_at > 0 && ++r->events_added >= r->fail_at)
        return rec_fail(r, "%s: database or disk is full (injected by RUNBOOK_FAIL_RECORD)", r->path);
    if (!rec_time_ok(ev->t)) return rec_fail(r, "%s: an event's time is out of range (%g)", r->path, ev->t);
    rb_buf data;
    buf_init(&data);
    int rc = ev->data ? json_text(r, ev->data, &data) : 0;
    if (rc == 0) rc = check_run(r, run_id);
    if (rc == 0) {
        pending_push(r, run_id, ev, ev->data ? buf_cstr(&data) : NULL);
        if (commit_due(r, ev->kind, seq_out != NULL)) rc = commit_with(r, NULL, NULL);
    }
    buf_free(&data);
    if (rc == 0 && seq_out) *seq_out = r->last_seq;
    return rc;
}

/* The candidate numbers start at 1 + the distinct incidents already carrying today's
 * prefix; one given by hand (--incident) may have taken a number, so skip taken ones. */
static int make_incident(recorder *r, double started_at, char **out)
{
    time_t secs = (time_t)floor(started_at);
    struct tm tm;
    if (!gmtime_r(&secs, &tm)) return rec_fail(r, "%s: start time out of range", r->path);
    char lo[48], hi[48], id[80];
    snprintf(lo, sizeof lo, "INC-%04d-%02d%02d-", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    snprintf(hi, sizeof hi, "INC-%04d-%02d%02d.", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    sqlite3_stmt *s = rec_st(r, ST_INCIDENT_COUNT);
    rec_bind_text(s, 1, lo);
    rec_bind_text(s, 2, hi);
    int64_t n = 0, taken = 0;
    if (rec_query_int(r, s, "cannot count today's incidents", &n) < 0) return -1;
    int rc;
    do {
        snprintf(id, sizeof id, "%s%03lld", lo, (long long)++n);
        rec_bind_text(rec_st(r, ST_INCIDENT_EXISTS), 1, id);
        rc = rec_query_int(r, rec_st(r, ST_INCIDENT_EXISTS), "cannot look up incidents", &taken);
    } while (rc == 1);
    if (rc < 0) return -1;
    *out = rb_xstrdup(id);
    return 0;
}

static void bind_run(recorder *r, const rec_run_info *in, const char *incident,
                     const char *sha, const char *params)
{
    sqlite3_stmt *s = rec_st(r, ST_RUN_INSERT);
    rec_bind_text(s, 1, incident);
    rec_bind_text(s, 2, in->runbook_path);
    rec_bind_text(s, 3, in->title);
    rec_bind_text(s, 4, in->severity);
    rec_bind_text(s, 5, in->clock);
    rec_bind_text(s, 6, in->mode);
    rec_bind_text(s, 7, in->source);
    rec_bind_text(s, 8, sha);
    rec_bind_text(s, 9, params);
    rec_bind_text(s, 10, r->user);
    rec_bind_text(s, 11, r->host);
    sqlite3_bind_int64(s, 12, (sqlite3_int64)getpid());
    sqlite3_bind_double(s, 13, in->started_at);
    bind_opt_real(s, 14, in->respond_within_s);
    bind_opt_real(s, 15, in->resolve_within_s);
}

/* Inside the transaction: choose the incident id if needed, insert the row. */
static int insert_run(recorder *r, const rec_run_info *in, const char *params, int64_t *run_id,
                      char **generated)
{
    char sha[65];
    rec_sha256_hex(in->source, strlen(in->source), sha);
    if (!in->incident && make_incident(r, in->started_at, generated) < 0) return -1;
    bind_run(r, in, in->incident ? in->incident : *generated, sha, params);
    if (exec_stmt(r, rec_st(r, ST_RUN_INSERT), "cannot record the run") < 0) return -1;
    *run_id = sqlite3_last_insert_rowid(r->db);
    return 0;
}

static int check_run_info(recorder *r, const rec_run_info *in)
{
    if (!in || !in->runbook_path || !in->source || !in->clock || !in->mode)
        return rec_fail(r, "%s: a run needs its runbook path, source, clock and mode", r->path);
    if (!rec_time_ok(in->started_at))
        return rec_fail(r, "%s: a run's start time is out of range (%g)", r->path, in->started_at);
    return 0;
}

struct run_insert {
    const rec_run_info *info;
    const char *params;
    int64_t *id;
    char **generated;
};

static int op_insert_run(recorder *r, void *arg)
{
    struct run_insert *ri = arg;
    return insert_run(r, ri->info, ri->params, ri->id, ri->generated);
}

int rec_run_start(recorder *r, const rec_run_info *info, int64_t *run_id, char **incident_out)
{
    if (incident_out) *incident_out = NULL;
    if (check_run_info(r, info) < 0) return -1;
    rb_buf params;
    buf_init(&params);
    char *generated = NULL;
    int64_t id = 0;
    int rc = params_text(r, info->params, &params);
    struct run_insert ri = { info, buf_cstr(&params), &id, &generated };
    if (rc == 0) rc = commit_with(r, op_insert_run, &ri);
    buf_free(&params);
    if (rc == 0 && strcmp(info->mode, "repl") == 0) r->every_event = 1;
    if (rc == 0 && run_id) *run_id = id;
    if (rc == 0 && incident_out) *incident_out = generated;
    else rb_free(generated);
    return rc;
}

struct run_update {
    sqlite3_stmt *s;
    int64_t run_id;
    const char *what;
};

static int op_update_run(recorder *r, void *arg)
{
    const struct run_update *u = arg;
    if (exec_stmt(r, u->s, u->what) < 0) return -1;
    if (sqlite3_changes(r->db) == 0)
        return rec_fail(r, "%s: %s: no run %lld", r->path, u->what, (long long)u->run_id);
    return 0;
}

/* An UPDATE (already bound) that must touch exactly the run's row, committed together
 * with the events waiting in memory. */
static int update_run(recorder *r, sqlite3_stmt *s, int64_t run_id, const char *what)
{
    struct run_update u = { s, run_id, what };
    int rc = commit_with(r, op_update_run, &u);
    rec_finish(s);
    return rc;
}

int rec_run_update(recorder *r, int64_t run_id, const char *severity, const char *title,
                   double acknowledged_at, double resolved_at)
{
    sqlite3_stmt *s = rec_st(r, ST_RUN_UPDATE);
    sqlite3_bind_int64(s, 1, run_id);
    rec_bind_text(s, 2, severity);
    rec_bind_text(s, 3, title);
    bind_opt_real(s, 4, acknowledged_at);
    bind_opt_real(s, 5, resolved_at);
    return update_run(r, s, run_id, "cannot update the run");
}

int rec_run_set_params(recorder *r, int64_t run_id, json_t *params)
{
    rb_buf text;
    buf_init(&text);
    int rc = params_text(r, params, &text);
    if (rc == 0) {
        sqlite3_stmt *s = rec_st(r, ST_RUN_PARAMS);
        sqlite3_bind_int64(s, 1, run_id);
        rec_bind_text(s, 2, buf_cstr(&text));
        rc = update_run(r, s, run_id, "cannot record the params");
    }
    buf_free(&text);
    return rc;
}

static int valid_end_status(const char *status)
{
    static const char *const ok[] = { "finished", "failed", "aborted", "interrupted" };
    for (size_t i = 0; status && i < sizeof ok / sizeof *ok; i++)
        if (strcmp(status, ok[i]) == 0) return 1;
    return 0;
}

int rec_run_end(recorder *r, int64_t run_id, const char *status, double ended_at)
{
    if (!valid_end_status(status))
        return rec_fail(r, "%s: a run cannot end as \"%s\"", r->path, status ? status : "(null)");
    if (!rec_time_ok(ended_at))
        return rec_fail(r, "%s: an end time is out of range (%g)", r->path, ended_at);
    sqlite3_stmt *s = rec_st(r, ST_RUN_END);
    sqlite3_bind_int64(s, 1, run_id);
    rec_bind_text(s, 2, status);
    sqlite3_bind_double(s, 3, ended_at);
    return update_run(r, s, run_id, "cannot end the run");
}

/* ---- stale runs ---- */

/* Is pid a live process?  A zombie (killed, not yet reaped by its parent or init) is not. */
static int pid_alive(pid_t pid)
{
    if (kill(pid, 0) < 0 && errno == ESRCH) return 0;
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return 1;   /* no /proc: believe kill() */
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *paren = strrchr(buf, ')');   /* the state follows the command name */
    return !(paren && paren[1] == ' ' && paren[2] == 'Z');
}

/* A "running" run recorded by a process on this host that no longer exists.  On another
 * host we cannot tell, so the run is believed. */
int rec_owner_gone(const recorder *r, const char *host, int64_t pid)
{
    if (!host || strcmp(host, r->host) != 0 || pid <= 0 || pid > INT32_MAX) return 0;
    if ((pid_t)pid == getpid()) return 0;
    return !pid_alive((pid_t)pid);
}

static int owner_alive_here(const recorder *r, const char *host, int64_t pid)
{
    if (!host || strcmp(host, r->host) != 0 || pid <= 0 || pid > INT32_MAX) return 0;
    return pid_alive((pid_t)pid);
}

/* Inside the transaction: refuse to take over a run another live process is appending to. */
static int claim_run(recorder *r, int64_t run_id)
{
    sqlite3_stmt *s = rec_st(r, ST_RUN_OWNER);
    sqlite3_bind_int64(s, 1, run_id);
    int rc = rec_step_row(r, s, "cannot read the run");
    if (rc == 0) return rec_fail(r, "%s: no run %lld", r->path, (long long)run_id);
    if (rc < 0) return -1;
    const char *status = (const char *)sqlite3_column_text(s, 0);
    const char *host = (const char *)sqlite3_column_text(s, 1);
    int64_t pid = sqlite3_column_int64(s, 2);
    int busy = status && strcmp(status, "running") == 0 && (pid_t)pid != getpid() &&
               owner_alive_here(r, host, pid);
    rec_finish(s);
    if (busy)
        return rec_fail(r, "%s: run %lld is still running (pid %lld on %s)", r->path,
                    (long long)run_id, (long long)pid, r->host);
    s = rec_st(r, ST_RUN_RESUME);
    sqlite3_bind_int64(s, 1, run_id);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)getpid());
    rec_bind_text(s, 3, r->host);
    struct run_update u = { s, run_id, "cannot resume the run" };
    return op_update_run(r, &u);
}

static int op_claim_run(recorder *r, void *arg)
{
    return claim_run(r, *(int64_t *)arg);
}

int rec_run_resume(recorder *r, int64_t run_id)
{
    return commit_with(r, op_claim_run, &run_id);
}

/* `runbook --version`: the SQLite library this process runs with. */
const char *rec_lib_version(void)
{
    return sqlite3_libversion();
}

/* ---- the process group of a command in flight (issue 12) ---- */

int rec_event_set_int(recorder *r, int64_t run_id, int64_t seq, const char *key, int64_t v)
{
    char path[80];
    snprintf(path, sizeof path, "$.%s", key);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(r->db, "UPDATE events SET data = json_set(coalesce(data, '{}'), ?1, ?2) "
                                  "WHERE run_id = ?3 AND seq = ?4", -1, &s, NULL) != SQLITE_OK)
        return rec_db_fail(r, "cannot note the event");
    sqlite3_bind_text(s, 1, path, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, v);
    sqlite3_bind_int64(s, 3, run_id);
    sqlite3_bind_int64(s, 4, seq);
    int rc = sqlite3_step(s) == SQLITE_DONE ? 0 : rec_db_fail(r, "cannot note the event");
    sqlite3_finalize(s);
    return rc;
}
