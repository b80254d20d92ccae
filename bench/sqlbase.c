/*
 * sqlbase.c — the recording baseline: the bare SQLite insert loop runbook's recorder is
 * measured against.  The same schema as record.c's version 1 (the events table and its
 * index, a runs row for the foreign key), the same settings (WAL, synchronous = NORMAL,
 * foreign_keys, busy timeout), one prepared INSERT, and nothing else.
 *
 *   sqlbase DB EVENTS [BATCH]
 *
 * BATCH events per transaction (0, the default: all of them in one).  Prints "SECONDS
 * EVENTS_PER_SECOND" for the insert loop alone (open and schema not counted).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <sqlite3.h>

static const char schema[] =
    "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL;"
    "PRAGMA synchronous = NORMAL;"
    "CREATE TABLE IF NOT EXISTS runs (id INTEGER PRIMARY KEY AUTOINCREMENT, incident TEXT NOT NULL,"
    " runbook_path TEXT NOT NULL, title TEXT, severity TEXT, status TEXT NOT NULL DEFAULT 'running',"
    " clock TEXT NOT NULL, mode TEXT NOT NULL, source TEXT NOT NULL, sha256 TEXT NOT NULL,"
    " params TEXT NOT NULL DEFAULT '{}', user TEXT, host TEXT, pid INTEGER, started_at REAL NOT NULL,"
    " ended_at REAL, acknowledged_at REAL, resolved_at REAL, respond_within_s REAL, resolve_within_s REAL);"
    "CREATE TABLE IF NOT EXISTS events (run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,"
    " seq INTEGER NOT NULL, t REAL NOT NULL, step TEXT, kind TEXT NOT NULL, text TEXT NOT NULL DEFAULT '',"
    " data TEXT, PRIMARY KEY (run_id, seq));"
    "CREATE INDEX IF NOT EXISTS events_kind ON events (kind, t);"
    "INSERT INTO runs (incident, runbook_path, clock, mode, source, sha256, started_at)"
    " VALUES ('INC-1', 'bench.rb', 'real', 'exec', '', '', 0);";

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(sqlite3 *db, const char *what)
{
    fprintf(stderr, "sqlbase: %s: %s\n", what, sqlite3_errmsg(db));
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: sqlbase DB EVENTS [BATCH]\n");
        return 2;
    }
    long n = atol(argv[2]), batch = argc > 3 ? atol(argv[3]) : 0;
    if (batch <= 0) batch = n;
    sqlite3 *db;
    if (sqlite3_open(argv[1], &db) != SQLITE_OK) die(db, "open");
    if (sqlite3_exec(db, schema, NULL, NULL, NULL) != SQLITE_OK) die(db, "schema");
    sqlite3_int64 run = sqlite3_last_insert_rowid(db);
    sqlite3_stmt *ins;
    if (sqlite3_prepare_v2(db, "INSERT INTO events (run_id, seq, t, step, kind, text, data) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", -1, &ins, NULL) != SQLITE_OK)
        die(db, "prepare");
    double t0 = now();
    for (long i = 0; i < n; i++) {
        if (i % batch == 0 && sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) die(db, "begin");
        sqlite3_bind_int64(ins, 1, run);
        sqlite3_bind_int64(ins, 2, i + 1);
        sqlite3_bind_double(ins, 3, 1.7e9 + i * 1e-3);
        sqlite3_bind_text(ins, 4, "s1", -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 5, i % 2 ? "step.end" : "step.start", -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 6, i % 2 ? "ok" : "Step one", -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 7, i % 2 ? "{\"outcome\":\"ok\"}" : "{\"id\":\"s1\",\"title\":\"Step one\"}", -1,
                          SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE) die(db, "insert");
        sqlite3_reset(ins);
        if ((i + 1) % batch == 0 || i + 1 == n)
            if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) die(db, "commit");
    }
    double t = now() - t0;
    sqlite3_finalize(ins);
    sqlite3_close(db);
    printf("%.6f %.0f\n", t, n / t);
    return 0;
}
