/*
 * record.c — the recorder: runs and events in SQLite, read back as JSON.
 *
 * Owns every sqlite3_* call in runbook, the schema and its forward migrations (a list of
 * steps keyed by PRAGMA user_version), the incident id counter, the SHA-256 of recorded
 * sources, and stale-run detection (a "running" run whose process is gone).  Durability
 * is the point of this file: each event is its own BEGIN IMMEDIATE … COMMIT, in WAL mode,
 * so a process killed at any moment leaves a database that passes integrity_check and
 * holds every event whose rec_event_add() returned; the busy timeout lets two processes
 * record into one file at once.  The layout is documented for users in docs/recording.md;
 * change the two together.
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
#include "record.h"
#include "util.h"

enum { BUSY_MS = 10000 };

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

/* Applied in order inside one transaction; a database at version N gets every step after
 * N.  To add v2: append { 2, "ALTER TABLE …" } and document it in docs/recording.md. */
static const struct migration {
    int version;
    const char *sql;
} migrations[] = {
    { 1, schema_v1 },
};
enum { SCHEMA_LATEST = 1 };

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
    X(ST_EVENTS,                                                                             \
      "SELECT seq, t, step, kind, text, data FROM events WHERE run_id = ?1 ORDER BY seq")

#define ST_ENUM(name, sql) name,
enum { STATEMENTS(ST_ENUM) ST_COUNT };
#undef ST_ENUM
#define ST_SQL(name, sql) sql,
static const char *const statement_sql[ST_COUNT] = { STATEMENTS(ST_SQL) };
#undef ST_SQL

struct recorder {
    sqlite3 *db;
    sqlite3_stmt *st[ST_COUNT];
    char *path;
    char *user;
    char host[256];
    char msg[1024];
    long events_added;      /* this connection's events, for RUNBOOK_FAIL_RECORD */
    long fail_at;           /* debug switch: the Nth event add fails (0: never) */
};

/* ---- messages ---- */

__attribute__((format(printf, 2, 3)))
static int fail(recorder *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->msg, sizeof r->msg, fmt, ap);
    va_end(ap);
    return -1;
}

/* The connection's last error as a message for people; always -1. */
static int db_fail(recorder *r, const char *what)
{
    int code = sqlite3_extended_errcode(r->db) & 0xff;
    if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
        return fail(r, "%s: %s: the database is locked by another process (gave up after "
                    "waiting up to %d s)", r->path, what, BUSY_MS / 1000);
    if (code == SQLITE_NOTADB)
        return fail(r, "%s: not a runbook recording database (the file is not SQLite)", r->path);
    if (code == SQLITE_CORRUPT)
        return fail(r, "%s: %s: the database is corrupt (%s); check it with "
                    "sqlite3 FILE 'PRAGMA integrity_check'", r->path, what, sqlite3_errmsg(r->db));
    return fail(r, "%s: %s: %s", r->path, what, sqlite3_errmsg(r->db));
}

const char *rec_error(const recorder *r)
{
    return r && r->msg[0] ? r->msg : "no error";
}

/* ---- SHA-256 (FIPS 180-4) ---- */

static const uint32_t sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};
static const uint32_t sha256_h0[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

static uint32_t ror32(uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }

/* The message schedule of one 64-byte block (big-endian words). */
static void sha256_schedule(const unsigned char *p, uint32_t w[64])
{
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
}

static void sha256_block(uint32_t h[8], const unsigned char *p)
{
    uint32_t w[64], v[8];
    sha256_schedule(p, w);
    memcpy(v, h, sizeof v);
    for (int i = 0; i < 64; i++) {
        uint32_t s1 = ror32(v[4], 6) ^ ror32(v[4], 11) ^ ror32(v[4], 25);
        uint32_t ch = (v[4] & v[5]) ^ (~v[4] & v[6]);
        uint32_t t1 = v[7] + s1 + ch + sha256_k[i] + w[i];
        uint32_t s0 = ror32(v[0], 2) ^ ror32(v[0], 13) ^ ror32(v[0], 22);
        uint32_t maj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
        memmove(v + 1, v, 7 * sizeof *v);
        v[4] += t1;
        v[0] = t1 + s0 + maj;
    }
    for (int i = 0; i < 8; i++) h[i] += v[i];
}

void rec_sha256_hex(const void *data, size_t len, char hex[65])
{
    const unsigned char *p = data;
    uint32_t h[8];
    memcpy(h, sha256_h0, sizeof h);
    size_t full = len / 64, rest = len % 64;
    for (size_t i = 0; i < full; i++) sha256_block(h, p + 64 * i);
    /* Padding: 0x80, zeros, then the length in bits as a big-endian 64-bit number. */
    unsigned char tail[128] = { 0 };
    if (rest) memcpy(tail, p + 64 * full, rest);
    tail[rest] = 0x80;
    size_t tlen = rest + 9 <= 64 ? 64 : 128;
    uint64_t bits = (uint64_t)len * 8;
    for (int k = 0; k < 8; k++) tail[tlen - 1 - k] = (unsigned char)(bits >> (8 * k));
    sha256_block(h, tail);
    if (tlen == 128) sha256_block(h, tail + 64);
    for (int i = 0; i < 8; i++) snprintf(hex + 8 * i, 9, "%08x", (unsigned)h[i]);
}

/* ---- small helpers ---- */

/* Times we can store and format: years 1970 to 9999 (a hand-edited or corrupt value
 * outside them must not reach gmtime). */
static int time_ok(double t)
{
    return isfinite(t) && t >= 0 && t < 253402300800.0;
}

/* ---- statement helpers: every use ends with the statement reset ---- */

static void finish(sqlite3_stmt *s)
{
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
}

static void bind_text(sqlite3_stmt *s, int i, const char *v)
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

/* Step once: 1 with a row (the caller reads it, then finish()es), 0 when done, -1 on error
 * (both reset). */
static int step_row(recorder *r, sqlite3_stmt *s, const char *what)
{
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) return 1;
    if (rc != SQLITE_DONE) db_fail(r, what);
    finish(s);
    return rc == SQLITE_DONE ? 0 : -1;
}

static int exec_stmt(recorder *r, sqlite3_stmt *s, const char *what)
{
    int rc = step_row(r, s, what);
    if (rc == 1) finish(s);
    return rc < 0 ? -1 : 0;
}

/* A one-integer query: 1 with *out set, 0 when there is no row (or it is NULL), -1. */
static int query_int(recorder *r, sqlite3_stmt *s, const char *what, int64_t *out)
{
    int rc = step_row(r, s, what);
    if (rc != 1) return rc;
    int null = sqlite3_column_type(s, 0) == SQLITE_NULL;
    *out = sqlite3_column_int64(s, 0);
    finish(s);
    return null ? 0 : 1;
}

static int query_real(recorder *r, sqlite3_stmt *s, const char *what, double *out)
{
    int rc = step_row(r, s, what);
    if (rc != 1) return rc;
    int null = sqlite3_column_type(s, 0) == SQLITE_NULL;
    *out = sqlite3_column_double(s, 0);
    finish(s);
    return null ? 0 : 1;
}

static void tx_abort(recorder *r)
{
    if (!sqlite3_get_autocommit(r->db)) {
        sqlite3_step(r->st[ST_ROLLBACK]);
        finish(r->st[ST_ROLLBACK]);
    }
}

static int tx_begin(recorder *r)
{
    return exec_stmt(r, r->st[ST_BEGIN], "cannot start a write transaction");
}

static int tx_commit(recorder *r)
{
    if (exec_stmt(r, r->st[ST_COMMIT], "cannot commit") == 0) return 0;
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
    return db_fail(r, what);
}

/* ---- opening: directories, the file, the connection, the schema ---- */

/* mkdir -p of the path's parent directories, mode 0700 for those created. */
static int make_parents(recorder *r)
{
    char *dir = rb_xstrdup(r->path);
    int rc = 0;
    for (char *p = dir + 1; *p && rc == 0; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
            rc = fail(r, "%s: cannot create directory %s: %s", r->path, dir, strerror(errno));
        *p = '/';
    }
    rb_free(dir);
    return rc;
}

/* SQLite creates the -wal and -shm files beside the database, so the directory must be
 * writable too; say so plainly rather than let the first write fail obscurely. */
static int check_dir_writable(recorder *r)
{
    char *dir = rb_xstrdup(r->path);
    char *slash = strrchr(dir, '/');
    const char *d = dir;
    if (!slash) d = ".";
    else if (slash == dir) d = "/";
    else *slash = '\0';
    int rc = 0;
    if (faccessat(AT_FDCWD, d, W_OK | X_OK, AT_EACCESS) < 0)
        rc = fail(r, "%s: directory %s is not writable (%s); the recording database needs it",
                  r->path, d, strerror(errno));
    rb_free(dir);
    return rc;
}

/* Create the file with mode 0600 (fchmod: the umask must not widen or narrow it), or check
 * that an existing one opens for writing. */
static int create_file(recorder *r)
{
    int fd = open(r->path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        int rc = fchmod(fd, 0600);
        int e = errno;
        close(fd);
        if (rc < 0) return fail(r, "%s: cannot set mode 0600: %s", r->path, strerror(e));
        return 0;
    }
    if (errno == EEXIST) fd = open(r->path, O_RDWR | O_CLOEXEC);
    if (fd < 0) return fail(r, "%s: cannot open for writing: %s", r->path, strerror(errno));
    close(fd);
    return 0;
}

static int connect_db(recorder *r)
{
    if (sqlite3_open_v2(r->path, &r->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        return r->db ? db_fail(r, "cannot open")
                     : fail(r, "%s: cannot open: out of memory", r->path);
    sqlite3_extended_result_codes(r->db, 1);
    sqlite3_busy_timeout(r->db, BUSY_MS);
    if (sqlite3_db_readonly(r->db, "main") == 1)
        return fail(r, "%s: the database is read-only", r->path);
    return 0;
}

/* One attempt at PRAGMA journal_mode = WAL: 1 done, 0 busy (try again), -1 failed. */
static int try_wal(recorder *r)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(r->db, "PRAGMA journal_mode = WAL", -1, &s, NULL) != SQLITE_OK) {
        int busy = (sqlite3_errcode(r->db) & 0xff) == SQLITE_BUSY;
        return busy ? 0 : db_fail(r, "cannot set WAL mode");
    }
    int rc = sqlite3_step(s);
    const char *mode = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(s, 0) : NULL;
    int out = mode && sqlite3_stricmp(mode, "wal") == 0 ? 1 : -1;
    if (rc == SQLITE_BUSY) out = 0;
    else if (rc != SQLITE_ROW) db_fail(r, "cannot set WAL mode");
    else if (out < 0)
        fail(r, "%s: cannot set WAL mode (the file system may not support it)", r->path);
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
            return fail(r, "%s: cannot set WAL mode: the database stayed locked by another "
                        "process for more than %d s", r->path, BUSY_MS / 1000);
        sqlite3_sleep(5);
    }
    return rc < 0 ? -1 : 0;
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
    return 0;
}

static int user_version(recorder *r, int *out)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(r->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
        return db_fail(r, "cannot read the schema version");
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) *out = sqlite3_column_int(s, 0);
    else db_fail(r, "cannot read the schema version");
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? 0 : -1;
}

static int refuse_newer(recorder *r, int version)
{
    return fail(r, "%s: database schema version %d is newer than this runbook understands "
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

static int prepare_all(recorder *r)
{
    for (int i = 0; i < ST_COUNT; i++)
        if (sqlite3_prepare_v3(r->db, statement_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &r->st[i],
                               NULL) != SQLITE_OK)
            return db_fail(r, "cannot prepare statements (is the schema damaged?)");
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

static int open_steps(recorder *r)
{
    if (!r->path[0]) return fail(r, "no recording database path given");
    if (make_parents(r) < 0 || check_dir_writable(r) < 0 || create_file(r) < 0 ||
        connect_db(r) < 0 || configure(r) < 0 || migrate(r) < 0 || prepare_all(r) < 0)
        return -1;
    return 0;
}

recorder *rec_open(const char *path, char **err)
{
    recorder *r = rb_xcalloc(1, sizeof *r);
    r->path = rb_xstrdup(path ? path : "");
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

static int dump_cb(const char *buffer, size_t size, void *data)
{
    buf_addn(data, buffer, size);
    return 0;
}

/* JSON as compact text into b (through our allocator); -1 for a value jansson refuses. */
static int json_text(recorder *r, json_t *j, rb_buf *b)
{
    if (json_dump_callback(j, dump_cb, b, JSON_COMPACT | JSON_ENCODE_ANY) == 0) return 0;
    return fail(r, "%s: cannot serialise JSON data", r->path);
}

/* The params column: the object as JSON, {} when there is none. */
static int params_text(recorder *r, json_t *params, rb_buf *b)
{
    if (params) return json_text(r, params, b);
    buf_adds(b, "{}");
    return 0;
}

/* The candidate numbers start at 1 + the distinct incidents already carrying today's
 * prefix; one given by hand (--incident) may have taken a number, so skip taken ones. */
static int make_incident(recorder *r, double started_at, char **out)
{
    time_t secs = (time_t)floor(started_at);
    struct tm tm;
    if (!gmtime_r(&secs, &tm)) return fail(r, "%s: start time out of range", r->path);
    char lo[48], hi[48], id[80];
    snprintf(lo, sizeof lo, "INC-%04d-%02d%02d-", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    snprintf(hi, sizeof hi, "INC-%04d-%02d%02d.", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    sqlite3_stmt *s = r->st[ST_INCIDENT_COUNT];
    bind_text(s, 1, lo);
    bind_text(s, 2, hi);
    int64_t n = 0, taken = 0;
    if (query_int(r, s, "cannot count today's incidents", &n) < 0) return -1;
    int rc;
    do {
        snprintf(id, sizeof id, "%s%03lld", lo, (long long)++n);
        bind_text(r->st[ST_INCIDENT_EXISTS], 1, id);
        rc = query_int(r, r->st[ST_INCIDENT_EXISTS], "cannot look up incidents", &taken);
    } while (rc == 1);
    if (rc < 0) return -1;
    *out = rb_xstrdup(id);
    return 0;
}

static void bind_run(recorder *r, const rec_run_info *in, const char *incident,
                     const char *sha, const char *params)
{
    sqlite3_stmt *s = r->st[ST_RUN_INSERT];
    bind_text(s, 1, incident);
    bind_text(s, 2, in->runbook_path);
    bind_text(s, 3, in->title);
    bind_text(s, 4, in->severity);
    bind_text(s, 5, in->clock);
    bind_text(s, 6, in->mode);
    bind_text(s, 7, in->source);
    bind_text(s, 8, sha);
    bind_text(s, 9, params);
    bind_text(s, 10, r->user);
    bind_text(s, 11, r->host);
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
    if (exec_stmt(r, r->st[ST_RUN_INSERT], "cannot record the run") < 0) return -1;
    *run_id = sqlite3_last_insert_rowid(r->db);
    return 0;
}

static int check_run_info(recorder *r, const rec_run_info *in)
{
    if (!in || !in->runbook_path || !in->source || !in->clock || !in->mode)
        return fail(r, "%s: a run needs its runbook path, source, clock and mode", r->path);
    if (!time_ok(in->started_at))
        return fail(r, "%s: a run's start time is out of range (%g)", r->path, in->started_at);
    return 0;
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
    if (rc == 0) rc = tx_begin(r);
    if (rc == 0) rc = tx_end(r, insert_run(r, info, buf_cstr(&params), &id, &generated));
    buf_free(&params);
    if (rc == 0 && run_id) *run_id = id;
    if (rc == 0 && incident_out) *incident_out = generated;
    else rb_free(generated);
    return rc;
}

/* Inside the transaction: the next seq of the run, then the row. */
static int insert_event(recorder *r, int64_t run_id, const rec_event *ev, const char *data,
                        int64_t *seq)
{
    sqlite3_stmt *s = r->st[ST_EVENT_SEQ];
    sqlite3_bind_int64(s, 1, run_id);
    if (query_int(r, s, "cannot number the event", seq) < 0) return -1;
    s = r->st[ST_EVENT_INSERT];
    sqlite3_bind_int64(s, 1, run_id);
    sqlite3_bind_int64(s, 2, *seq);
    sqlite3_bind_double(s, 3, ev->t);
    bind_text(s, 4, ev->step);
    bind_text(s, 5, ev->kind);
    bind_text(s, 6, ev->text ? ev->text : "");
    bind_text(s, 7, data);
    return exec_stmt(r, s, "cannot record the event");
}

int rec_event_add(recorder *r, int64_t run_id, const rec_event *ev, int64_t *seq_out)
{
    if (!ev || !ev->kind) return fail(r, "%s: an event needs a kind", r->path);
    /* RUNBOOK_FAIL_RECORD=N: the Nth event fails as a full disk would (tests of exit 3). */
    if (r->fail_at > 0 && ++r->events_added >= r->fail_at)
        return fail(r, "%s: database or disk is full (injected by RUNBOOK_FAIL_RECORD)", r->path);
    if (!time_ok(ev->t)) return fail(r, "%s: an event's time is out of range (%g)", r->path, ev->t);
    rb_buf data;
    buf_init(&data);
    int64_t seq = 0;
    int rc = ev->data ? json_text(r, ev->data, &data) : 0;
    if (rc == 0) rc = tx_begin(r);
    const char *text = ev->data ? buf_cstr(&data) : NULL;
    if (rc == 0) rc = tx_end(r, insert_event(r, run_id, ev, text, &seq));
    buf_free(&data);
    if (rc == 0 && seq_out) *seq_out = seq;
    return rc;
}

/* An UPDATE that must touch exactly the run's row. */
static int update_run(recorder *r, sqlite3_stmt *s, int64_t run_id, const char *what)
{
    if (exec_stmt(r, s, what) < 0) return -1;
    if (sqlite3_changes(r->db) == 0)
        return fail(r, "%s: %s: no run %lld", r->path, what, (long long)run_id);
    return 0;
}

int rec_run_update(recorder *r, int64_t run_id, const char *severity, const char *title,
                   double acknowledged_at, double resolved_at)
{
    sqlite3_stmt *s = r->st[ST_RUN_UPDATE];
    sqlite3_bind_int64(s, 1, run_id);
    bind_text(s, 2, severity);
    bind_text(s, 3, title);
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
        sqlite3_stmt *s = r->st[ST_RUN_PARAMS];
        sqlite3_bind_int64(s, 1, run_id);
        bind_text(s, 2, buf_cstr(&text));
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
        return fail(r, "%s: a run cannot end as \"%s\"", r->path, status ? status : "(null)");
    if (!time_ok(ended_at))
        return fail(r, "%s: an end time is out of range (%g)", r->path, ended_at);
    sqlite3_stmt *s = r->st[ST_RUN_END];
    sqlite3_bind_int64(s, 1, run_id);
    bind_text(s, 2, status);
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
static int owner_gone(const recorder *r, const char *host, int64_t pid)
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
    sqlite3_stmt *s = r->st[ST_RUN_OWNER];
    sqlite3_bind_int64(s, 1, run_id);
    int rc = step_row(r, s, "cannot read the run");
    if (rc == 0) return fail(r, "%s: no run %lld", r->path, (long long)run_id);
    if (rc < 0) return -1;
    const char *status = (const char *)sqlite3_column_text(s, 0);
    const char *host = (const char *)sqlite3_column_text(s, 1);
    int64_t pid = sqlite3_column_int64(s, 2);
    int busy = status && strcmp(status, "running") == 0 && (pid_t)pid != getpid() &&
               owner_alive_here(r, host, pid);
    finish(s);
    if (busy)
        return fail(r, "%s: run %lld is still running (pid %lld on %s)", r->path,
                    (long long)run_id, (long long)pid, r->host);
    s = r->st[ST_RUN_RESUME];
    sqlite3_bind_int64(s, 1, run_id);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)getpid());
    bind_text(s, 3, r->host);
    return update_run(r, s, run_id, "cannot resume the run");
}

int rec_run_resume(recorder *r, int64_t run_id)
{
    if (tx_begin(r) < 0) return -1;
    return tx_end(r, claim_run(r, run_id));
}

/* ---- reading back ---- */

static int is_digits(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9') return 0;
    return 1;
}

/* A run id, when spec is all digits and such a run exists: 1, 0, or -1 on error. */
static int find_by_id(recorder *r, const char *spec, int64_t *run_id)
{
    errno = 0;
    long long id = strtoll(spec, NULL, 10);
    if (errno == ERANGE) return 0;
    sqlite3_stmt *s = r->st[ST_RUN_EXISTS];
    sqlite3_bind_int64(s, 1, id);
    return query_int(r, s, "cannot look up the run", run_id);
}

int rec_find_run(recorder *r, const char *spec, int64_t *run_id)
{
    if (!spec || !*spec) return fail(r, "%s: no run given", r->path);
    int rc;
    if (strcmp(spec, "last") == 0) {
        rc = query_int(r, r->st[ST_LAST], "cannot look up the last run", run_id);
        return rc == 1 ? 0 : rc < 0 ? -1 : fail(r, "%s: no runs recorded yet", r->path);
    }
    rc = is_digits(spec) ? find_by_id(r, spec, run_id) : 0;
    if (rc == 0) {
        bind_text(r->st[ST_BY_INCIDENT], 1, spec);
        rc = query_int(r, r->st[ST_BY_INCIDENT], "cannot look up the incident", run_id);
    }
    if (rc == 0) return fail(r, "%s: no run or incident \"%s\"", r->path, spec);
    return rc < 0 ? -1 : 0;
}

/* A JSON string from stored bytes; invalid UTF-8 (a hand-edited row, a binary capture)
 * becomes U+FFFD rather than a missing field. */
static json_t *jstr(const char *s, size_t n)
{
    json_t *j = json_stringn(s, n);
    if (j) return j;
    rb_buf b;
    buf_init(&b);
    buf_add_utf8(&b, s, n);
    j = json_stringn(buf_cstr(&b), b.len);
    buf_free(&b);
    return j;
}

static json_t *col_text(sqlite3_stmt *s, int c)
{
    if (sqlite3_column_type(s, c) == SQLITE_NULL) return json_null();
    const char *t = (const char *)sqlite3_column_text(s, c);
    return t ? jstr(t, (size_t)sqlite3_column_bytes(s, c)) : json_null();
}

static json_t *col_int(sqlite3_stmt *s, int c)
{
    if (sqlite3_column_type(s, c) == SQLITE_NULL) return json_null();
    return json_integer(sqlite3_column_int64(s, c));
}

static double round_ms(double x) { return round(x * 1000) / 1000; }

static json_t *jreal(double x)
{
    return isfinite(x) ? json_real(round_ms(x)) : json_null();
}

static json_t *col_real(sqlite3_stmt *s, int c)
{
    if (sqlite3_column_type(s, c) == SQLITE_NULL) return json_null();
    return jreal(sqlite3_column_double(s, c));
}

static json_t *jtime(double t)
{
    char buf[40];
    if (!time_ok(t)) return json_null();
    clock_iso(t, buf, sizeof buf);
    return json_string(buf);
}

static json_t *col_time(sqlite3_stmt *s, int c)
{
    if (sqlite3_column_type(s, c) == SQLITE_NULL) return json_null();
    return jtime(sqlite3_column_double(s, c));
}

/* Stored JSON text parsed back; text that does not parse is returned as a string. */
static json_t *col_json(sqlite3_stmt *s, int c, json_t *if_null)
{
    if (sqlite3_column_type(s, c) == SQLITE_NULL) return if_null;
    json_decref(if_null);
    const char *t = (const char *)sqlite3_column_text(s, c);
    size_t n = (size_t)sqlite3_column_bytes(s, c);
    json_error_t e;
    json_t *j = t ? json_loadb(t, n, JSON_DECODE_ANY, &e) : NULL;
    return j ? j : t ? jstr(t, n) : json_null();
}

/* Never NULL in the object: a value jansson could not build becomes null. */
static void put(json_t *o, const char *key, json_t *v)
{
    json_object_set_new(o, key, v ? v : json_null());
}

/* Where the duration ends: the end, else now while the owner is alive (and "now" means
 * something: real time, or this very process's clock), else the last recorded event. */
static double duration_end(recorder *r, sqlite3_stmt *s, int alive)
{
    if (sqlite3_column_type(s, C_ENDED) != SQLITE_NULL) return sqlite3_column_double(s, C_ENDED);
    const char *clock = (const char *)sqlite3_column_text(s, C_CLOCK);
    int own = (pid_t)sqlite3_column_int64(s, C_PID) == getpid();
    if (alive && (own || (clock && strcmp(clock, "real") == 0))) return clock_now();
    double last;
    sqlite3_stmt *q = r->st[ST_LAST_EVENT_T];
    sqlite3_bind_int64(q, 1, sqlite3_column_int64(s, C_ID));
    if (query_real(r, q, "cannot read the run's events", &last) == 1) return last;
    return sqlite3_column_double(s, C_STARTED);
}

/* The status people should see: "interrupted" for a "running" run whose process is gone. */
static const char *shown_status(recorder *r, sqlite3_stmt *s, int *alive)
{
    const char *status = (const char *)sqlite3_column_text(s, C_STATUS);
    *alive = 0;
    if (!status || strcmp(status, "running") != 0) return status;
    const char *host = (const char *)sqlite3_column_text(s, C_HOST);
    if (owner_gone(r, host, sqlite3_column_int64(s, C_PID))) return "interrupted";
    *alive = 1;
    return status;
}

static void put_times(recorder *r, json_t *o, sqlite3_stmt *s, int alive)
{
    double started = sqlite3_column_double(s, C_STARTED);
    put(o, "started_at", col_time(s, C_STARTED));
    put(o, "ended_at", col_time(s, C_ENDED));
    put(o, "duration_s", jreal(duration_end(r, s, alive) - started));
    put(o, "acknowledged_at", col_time(s, C_ACK));
    put(o, "resolved_at", col_time(s, C_RESOLVED));
    put(o, "respond_within_s", col_real(s, C_RESPOND));
    put(o, "resolve_within_s", col_real(s, C_RESOLVE));
}

/* The current row of ST_RUN_GET or ST_RUN_LIST as cli.md's run object plus extras. */
static json_t *run_row_json(recorder *r, sqlite3_stmt *s, int with_source)
{
    json_t *o = json_object();
    if (!o) return NULL;
    int alive;
    const char *status = shown_status(r, s, &alive);
    put(o, "id", json_integer(sqlite3_column_int64(s, C_ID)));
    put(o, "incident", col_text(s, C_INCIDENT));
    put(o, "runbook", col_text(s, C_PATH));
    put(o, "title", col_text(s, C_TITLE));
    put(o, "status", status ? jstr(status, strlen(status)) : json_null());
    put(o, "severity", col_text(s, C_SEVERITY));
    put_times(r, o, s, alive);
    put(o, "clock", col_text(s, C_CLOCK));
    put(o, "mode", col_text(s, C_MODE));
    put(o, "sha256", col_text(s, C_SHA));
    put(o, "params", col_json(s, C_PARAMS, json_object()));
    put(o, "user", col_text(s, C_USER));
    put(o, "host", col_text(s, C_HOST));
    put(o, "pid", col_int(s, C_PID));
    if (with_source) put(o, "source", col_text(s, C_SOURCE));
    return o;
}

json_t *rec_run_json(recorder *r, int64_t run_id)
{
    sqlite3_stmt *s = r->st[ST_RUN_GET];
    sqlite3_bind_int64(s, 1, run_id);
    int rc = step_row(r, s, "cannot read the run");
    if (rc == 0) fail(r, "%s: no run %lld", r->path, (long long)run_id);
    if (rc != 1) return NULL;
    json_t *o = run_row_json(r, s, 1);
    finish(s);
    if (!o) fail(r, "%s: out of memory", r->path);
    return o;
}

json_t *rec_runs_json(recorder *r)
{
    json_t *a = json_array();
    sqlite3_stmt *s = r->st[ST_RUN_LIST];
    int rc;
    if (!a) {
        fail(r, "%s: out of memory", r->path);
        return NULL;
    }
    while ((rc = step_row(r, s, "cannot list the runs")) == 1)
        json_array_append_new(a, run_row_json(r, s, 0));
    if (rc == 0) return a;
    json_decref(a);
    return NULL;
}

static json_t *event_row_json(sqlite3_stmt *s, double started)
{
    json_t *o = json_object();
    if (!o) return NULL;
    double t = sqlite3_column_double(s, 1);
    put(o, "seq", json_integer(sqlite3_column_int64(s, 0)));
    put(o, "t", jtime(t));
    put(o, "elapsed_s", jreal(t - started));
    put(o, "step", col_text(s, 2));
    put(o, "kind", col_text(s, 3));
    put(o, "text", sqlite3_column_type(s, 4) == SQLITE_NULL ? json_string("") : col_text(s, 4));
    put(o, "data", col_json(s, 5, json_object()));
    return o;
}

json_t *rec_events_json(recorder *r, int64_t run_id)
{
    double started;
    sqlite3_stmt *s = r->st[ST_RUN_STARTED];
    sqlite3_bind_int64(s, 1, run_id);
    int rc = query_real(r, s, "cannot read the run", &started);
    if (rc == 0) fail(r, "%s: no run %lld", r->path, (long long)run_id);
    json_t *a = rc == 1 ? json_array() : NULL;
    if (rc == 1 && !a) fail(r, "%s: out of memory", r->path);
    if (!a) return NULL;
    s = r->st[ST_EVENTS];
    sqlite3_bind_int64(s, 1, run_id);
    while ((rc = step_row(r, s, "cannot read the events")) == 1)
        json_array_append_new(a, event_row_json(s, started));
    if (rc == 0) return a;
    json_decref(a);
    return NULL;
}

/* ---- the process group of a command in flight (issue 12) ---- */

int rec_event_set_int(recorder *r, int64_t run_id, int64_t seq, const char *key, int64_t v)
{
    char path[80];
    snprintf(path, sizeof path, "$.%s", key);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(r->db, "UPDATE events SET data = json_set(coalesce(data, '{}'), ?1, ?2) "
                                  "WHERE run_id = ?3 AND seq = ?4", -1, &s, NULL) != SQLITE_OK)
        return db_fail(r, "cannot note the event");
    sqlite3_bind_text(s, 1, path, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(s, 2, v);
    sqlite3_bind_int64(s, 3, run_id);
    sqlite3_bind_int64(s, 4, seq);
    int rc = sqlite3_step(s) == SQLITE_DONE ? 0 : db_fail(r, "cannot note the event");
    sqlite3_finalize(s);
    return rc;
}
