/*
 * Unit tests for interp/record.c: SHA-256, file modes, the schema version, refusals (a
 * newer schema, a foreign file, an unwritable place), incident ids, the JSON shapes of
 * runs and events, run lookup, stale runs, and the two guarantees cli.md makes about
 * recording: two processes write to one database at once, and a process killed mid-write
 * leaves an intact file holding every event that was reported recorded.
 *
 * Checks that look behind the recorder's back open their own SQLite connection, as a
 * user with the sqlite3 shell would.  Children of fork() report only through exit codes
 * and pipes and leave with _exit, so they never print a test line twice; no recorder is
 * open in the parent when it forks, and children free what they allocate, so valgrind
 * finds nothing to report in them either.
 */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sqlite3.h>
#include "clock.h"
#include "record.h"
#include "util.h"
#include "unit.h"

void test_record(const char *tmpdir);

static const char source[] = "runbook \"DB down\"\nseverity P1\nstep check { sh \"true\" }\n";

/* ---- helpers ---- */

static double t0(void) { return clock_parse_iso("2026-11-23T18:30:00Z"); }

static int streq(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

static const char *jstr(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static double jnum(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static int near(double a, double b) { return fabs(a - b) < 1e-6; }

enum { PATH_BUF = 4096 };

/* A path in tmpdir, with any database left there by an earlier run removed.  Paths live
 * on the stack so that forked children hold no heap block they cannot free. */
static char *fresh(char path[PATH_BUF], const char *tmpdir, const char *name)
{
    char side[PATH_BUF + 8];
    snprintf(path, PATH_BUF, "%s/%s", tmpdir, name);
    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
    return path;
}

static sqlite3 *raw_open(const char *path)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 10000);
    return db;
}

/* The first column of the first row as text (rb_free), NULL on any error. */
static char *raw_text(const char *path, const char *sql)
{
    sqlite3 *db = raw_open(path);
    sqlite3_stmt *s = NULL;
    char *out = NULL;
    if (db && sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW &&
        sqlite3_column_text(s, 0))
        out = rb_xstrdup((const char *)sqlite3_column_text(s, 0));
    sqlite3_finalize(s);
    sqlite3_close(db);
    return out;
}

static long long raw_int(const char *path, const char *sql)
{
    char *t = raw_text(path, sql);
    long long v = t ? atoll(t) : -1;
    rb_free(t);
    return v;
}

static int raw_exec(const char *path, const char *sql)
{
    sqlite3 *db = raw_open(path);
    int rc = db ? sqlite3_exec(db, sql, NULL, NULL, NULL) : SQLITE_ERROR;
    sqlite3_close(db);
    return rc == SQLITE_OK ? 0 : -1;
}

static int file_mode(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static rec_run_info sample(double started)
{
    rec_run_info in;
    memset(&in, 0, sizeof in);
    in.runbook_path = "db-down.rb";
    in.source = source;
    in.title = "DB down";
    in.severity = "P1";
    in.clock = "virtual";
    in.mode = "test";
    in.started_at = started;
    in.respond_within_s = 300;
    in.resolve_within_s = -1;
    return in;
}

static int64_t start_run(recorder *r, double started, const char *incident, char **generated)
{
    rec_run_info in = sample(started);
    in.incident = incident;
    int64_t id = -1;
    if (rec_run_start(r, &in, &id, generated) < 0) return -1;
    return id;
}

static int add(recorder *r, int64_t run, double t, const char *step, const char *kind,
               json_t *data, int64_t *seq)
{
    rec_event ev = { t, step, kind, "one line for people", data };
    int rc = rec_event_add(r, run, &ev, seq);
    json_decref(data);
    return rc;
}

/* ---- SHA-256 ---- */

static int sha_is(const void *data, size_t len, const char *want)
{
    char hex[65];
    rec_sha256_hex(data, len, hex);
    return strcmp(hex, want) == 0;
}

static void test_sha256(void)
{
    CHECK(sha_is("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
          "record: sha256 of \"\"");
    CHECK(sha_is("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
          "record: sha256 of \"abc\"");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    CHECK(sha_is(two, strlen(two), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
          "record: sha256 of the 448-bit vector (padding spills into a second block)");
    size_t n = 1000000;
    char *a = rb_xmalloc(n);
    memset(a, 'a', n);
    CHECK(sha_is(a, n, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
          "record: sha256 of 1,000,000 x 'a'");
    rb_free(a);
}

/* ---- opening ---- */

static void remove_tree(const char *tmpdir)
{
    rb_buf b;
    buf_init(&b);
    const char *files[] = { "rec-dirs/a/b/runs.db", "rec-dirs/a/b/runs.db-wal",
                            "rec-dirs/a/b/runs.db-shm" };
    for (int i = 0; i < 3; i++) {
        buf_printf(&b, "%s/%s", tmpdir, files[i]);
        unlink(buf_cstr(&b));
        buf_reset(&b);
    }
    const char *dirs[] = { "rec-dirs/a/b", "rec-dirs/a", "rec-dirs" };
    for (int i = 0; i < 3; i++) {
        buf_printf(&b, "%s/%s", tmpdir, dirs[i]);
        rmdir(buf_cstr(&b));
        buf_reset(&b);
    }
    buf_free(&b);
}

static void check_wal_modes(const char *path, const char *label)
{
    rb_buf b;
    buf_init(&b);
    buf_printf(&b, "%s-wal", path);
    CHECK(file_mode(buf_cstr(&b)) == 0600, "record: %s: the -wal file has mode 0600 (%o)", label,
          file_mode(buf_cstr(&b)));
    buf_reset(&b);
    buf_printf(&b, "%s-shm", path);
    CHECK(file_mode(buf_cstr(&b)) == 0600, "record: %s: the -shm file has mode 0600 (%o)", label,
          file_mode(buf_cstr(&b)));
    buf_free(&b);
}

static void test_open(const char *tmpdir)
{
    remove_tree(tmpdir);
    char path[PATH_BUF];
    snprintf(path, sizeof path, "%s/rec-dirs/a/b/runs.db", tmpdir);
    rb_buf b;
    buf_init(&b);
    char *err = NULL;
    recorder *r = rec_open(path, &err);
    CHECK(r && !err, "record: open creates the missing directories and the file (%s)", err ? err : "");
    CHECK(file_mode(path) == 0600, "record: the database file has mode 0600 (%o)", file_mode(path));
    buf_printf(&b, "%s/rec-dirs/a", tmpdir);
    CHECK(file_mode(buf_cstr(&b)) == 0700, "record: created directories have mode 0700 (%o)",
          file_mode(buf_cstr(&b)));
    buf_free(&b);
    int64_t run = start_run(r, t0(), NULL, NULL);
    CHECK(run > 0 && add(r, run, t0(), NULL, "run.start", NULL, NULL) == 0, "record: a first run and event");
    check_wal_modes(path, "default umask");
    CHECK(raw_int(path, "PRAGMA user_version") == 2, "record: PRAGMA user_version is 2");
    char *mode = raw_text(path, "PRAGMA journal_mode");
    CHECK(streq(mode, "wal"), "record: the database is in WAL mode (%s)", mode ? mode : "?");
    rb_free(mode);
    CHECK(raw_int(path, "SELECT count(*) FROM sqlite_master WHERE name IN ('runs', 'events')") == 2,
          "record: the runs and events tables exist");
    rec_close(r);
}

/* A permissive umask must not widen the file: SQLite's own files follow the main one. */
static void test_open_umask(const char *tmpdir)
{
    char path[PATH_BUF];
    fresh(path, tmpdir, "rec-umask.db");
    mode_t old = umask(0);
    recorder *r = rec_open(path, NULL);
    umask(old);
    CHECK(r != NULL, "record: open with umask 0");
    CHECK(file_mode(path) == 0600, "record: with umask 0 the file still has mode 0600 (%o)",
          file_mode(path));
    int64_t run = r ? start_run(r, t0(), NULL, NULL) : -1;
    CHECK(run > 0, "record: a run with umask 0");
    check_wal_modes(path, "umask 0");
    rec_close(r);
}

static void write_file(const char *path, const char *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f) return;
    fwrite(data, 1, n, f);
    fclose(f);
}

static void check_refused(const char *path, const char *label, const char *want)
{
    char *err = NULL;
    recorder *r = rec_open(path, &err);
    CHECK(!r && err && (!want || strstr(err, want)), "record: %s is refused with a message (%s)",
          label, err ? err : "no message");
    rec_close(r);
    rb_free(err);
}

static void test_refuse_garbage(const char *tmpdir)
{
    char path[PATH_BUF];
    fresh(path, tmpdir, "rec-garbage.db");
    rb_buf junk;
    buf_init(&junk);
    while (junk.len < 8192) buf_adds(&junk, "this is not a database, just text. ");
    write_file(path, junk.data, junk.len);
    check_refused(path, "an 8 KB text file", "not");
    size_t n = 0;
    char *after = rb_read_file(path, &n);
    CHECK(after && n == junk.len && memcmp(after, junk.data, n) == 0, "record: the foreign file is left untouched");
    rb_free(after);
    write_file(path, "hello\n", 6);
    check_refused(path, "a 6-byte text file", NULL);
    buf_free(&junk);
}

static void test_refuse_newer(const char *tmpdir)
{
    char path[PATH_BUF];
    fresh(path, tmpdir, "rec-newer.db");
    recorder *r = rec_open(path, NULL);
    CHECK(r != NULL, "record: create a database to age");
    rec_close(r);
    CHECK(raw_exec(path, "PRAGMA user_version = 7") == 0, "record: bump user_version to 7");
    check_refused(path, "a newer schema", "database schema version 7 is newer than this runbook understands");
}

static void test_refuse_unwritable(const char *tmpdir)
{
    char file[PATH_BUF];
    fresh(file, tmpdir, "rec-plainfile");
    write_file(file, "x", 1);
    rb_buf b;
    buf_init(&b);
    buf_printf(&b, "%s/sub/runs.db", file);
    check_refused(buf_cstr(&b), "a path under a regular file", "cannot create directory");
    check_refused(tmpdir, "a directory as the database", NULL);
    check_refused("", "an empty path", NULL);
    buf_reset(&b);
    buf_printf(&b, "%s/rec-ro", tmpdir);
    mkdir(buf_cstr(&b), 0700);
    chmod(buf_cstr(&b), 0500);
    buf_adds(&b, "/runs.db");
    if (geteuid() == 0) {
        printf("ok - record: an unwritable directory is refused # SKIP running as root\n");
        fflush(stdout);
    } else {
        check_refused(buf_cstr(&b), "an unwritable directory", "");
    }
    buf_free(&b);
}

static void test_refuse_damaged(const char *tmpdir)
{
    char path[PATH_BUF];
    fresh(path, tmpdir, "rec-damaged.db");
    rec_close(rec_open(path, NULL));
    CHECK(raw_exec(path, "DROP TABLE events") == 0, "record: drop the events table behind its back");
    check_refused(path, "a database missing a table", "schema");
}

/* ---- the default path ---- */

static void setenv_or_unset(const char *name, const char *value)
{
    if (value) setenv(name, value, 1);
    else unsetenv(name);
}

static void check_default(const char *db, const char *xdg, const char *home, const char *want)
{
    setenv_or_unset("RUNBOOK_DB", db);
    setenv_or_unset("XDG_DATA_HOME", xdg);
    setenv_or_unset("HOME", home);
    char *got = rec_default_path();
    CHECK(streq(got, want), "record: default path %s (got %s)", want, got);
    rb_free(got);
}

static void test_default_path(void)
{
    const char *names[] = { "RUNBOOK_DB", "XDG_DATA_HOME", "HOME" };
    char *saved[3];
    for (int i = 0; i < 3; i++) saved[i] = getenv(names[i]) ? rb_xstrdup(getenv(names[i])) : NULL;
    check_default("/srv/rb.db", "/xdg", "/home/u", "/srv/rb.db");
    check_default(NULL, "/xdg", "/home/u", "/xdg/runbook/runs.db");
    check_default("", "relative/xdg", "/home/u", "/home/u/.local/share/runbook/runs.db");
    for (int i = 0; i < 3; i++) {
        setenv_or_unset(names[i], saved[i]);
        rb_free(saved[i]);
    }
}

/* ---- incident ids ---- */

static void check_incident(recorder *r, double started, const char *given, const char *want)
{
    char *got = NULL;
    int64_t run = start_run(r, started, given, &got);
    if (given)
        CHECK(run > 0 && got == NULL, "record: a given incident %s is used, nothing generated", given);
    else
        CHECK(run > 0 && streq(got, want), "record: generated incident %s (got %s)", want,
              got ? got : "none");
    rb_free(got);
}

static void test_incidents(const char *tmpdir)
{
    char path[PATH_BUF];
    fresh(path, tmpdir, "rec-incidents.db");
    recorder *r = rec_open(path, NULL);
    double t = t0();
    check_incident(r, t, NULL, "INC-2026-1123-001");
    check_incident(r, t + 3600, NULL, "INC-2026-1123-002");
    check_incident(r, t + 7200, "INC-2026-1123-001", NULL);
    check_incident(r, t + 7300, NULL, "INC-2026-1123-003");
    check_incident(r, t + 86400, NULL, "INC-2026-1124-001");
    check_incident(r, t + 2 * 86400, "INC-2026-1125-002", NULL);
    check_incident(r, t + 2 * 86400, NULL, "INC-2026-1125-003");
    rec_run_info bad = sample(t);
    bad.source = NULL;
    int64_t id;
    CHECK(rec_run_start(r, &bad, &id, NULL) < 0 && strstr(rec_error(r), "source"),
          "record: a run without source is refused (%s)", rec_error(r));
    bad = sample(NAN);
    CHECK(rec_run_start(r, &bad, &id, NULL) < 0 && strstr(rec_error(r), "out of range"),
          "record: a run starting at NaN is refused (%s)", rec_error(r));
    rec_close(r);
}

/* ---- runs as JSON ---- */

static void check_run_keys(json_t *run, int with_source)
{
    static const char *const keys[] = {
        "id", "incident", "runbook", "title", "status", "severity", "started_at", "ended_at",
        "clock", "acknowledged_at", "resolved_at", "respond_within_s", "resolve_within_s",
        "duration_s", "sha256", "params", "user", "host", "mode", "pid",
    };
    int missing = 0;
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
        if (!json_object_get(run, keys[i])) missing++;
    CHECK(missing == 0, "record: the run object has every cli.md field (%d missing)", missing);
    CHECK((json_object_get(run, "source") != NULL) == with_source, "record: source is %s",
          with_source ? "in the run object" : "left out of listings");
}

static void check_new_run(json_t *j, int64_t run, json_t *params)
{
    char sha[65], host[256] = "";
    rec_sha256_hex(source, strlen(source), sha);
    gethostname(host, sizeof host - 1);
    check_run_keys(j, 1);
    CHECK(json_integer_value(json_object_get(j, "id")) == run, "record: run json id");
    CHECK(streq(jstr(j, "incident"), "INC-2026-1123-001"), "record: run json incident");
    CHECK(streq(jstr(j, "runbook"), "db-down.rb") && streq(jstr(j, "title"), "DB down") &&
          streq(jstr(j, "severity"), "P1"), "record: run json runbook, title, severity");
    CHECK(streq(jstr(j, "status"), "running"), "record: a new run is running");
    CHECK(streq(jstr(j, "started_at"), "2026-11-23T18:30:00.000Z"), "record: started_at is ISO-8601 (%s)",
          jstr(j, "started_at") ? jstr(j, "started_at") : "?");
    CHECK(json_is_null(json_object_get(j, "ended_at")) && json_is_null(json_object_get(j, "acknowledged_at")) &&
          json_is_null(json_object_get(j, "resolved_at")), "record: unset times are null");
    CHECK(near(jnum(j, "respond_within_s"), 300) && json_is_null(json_object_get(j, "resolve_within_s")),
          "record: targets: 300 and null");
    CHECK(streq(jstr(j, "clock"), "virtual") && streq(jstr(j, "mode"), "test"), "record: clock and mode");
    CHECK(streq(jstr(j, "sha256"), sha), "record: sha256 of the source is stored");
    CHECK(streq(jstr(j, "source"), source), "record: the source text is stored");
    CHECK(json_equal(json_object_get(j, "params"), params), "record: params round-trip as JSON");
    CHECK(jstr(j, "user") && *jstr(j, "user"), "record: the user is recorded (%s)", jstr(j, "user"));
    CHECK(streq(jstr(j, "host"), host), "record: the host is recorded");
    CHECK(json_integer_value(json_object_get(j, "pid")) == getpid(), "record: the pid is recorded");
}

static void check_updates(recorder *r, int64_t run)
{
    CHECK(rec_run_update(r, run, "P2", NULL, t0() + 60, -1) == 0, "record: update severity and ack");
    json_t *j = rec_run_json(r, run);
    CHECK(streq(jstr(j, "severity"), "P2") && streq(jstr(j, "title"), "DB down"),
          "record: update changes only what it is given");
    CHECK(streq(jstr(j, "acknowledged_at"), "2026-11-23T18:31:00.000Z") &&
          json_is_null(json_object_get(j, "resolved_at")), "record: acknowledged_at set, resolved_at not");
    json_decref(j);
    CHECK(rec_run_update(r, 424242, "P3", NULL, -1, -1) < 0 && strstr(rec_error(r), "no run"),
          "record: updating a missing run fails (%s)", rec_error(r));
    CHECK(rec_run_end(r, run, "exploded", t0()) < 0, "record: an unknown end status is refused");
    CHECK(rec_run_end(r, run, "finished", t0() + 90) == 0, "record: end the run");
    j = rec_run_json(r, run);
    CHECK(streq(jstr(j, "status"), "finished") && streq(jstr(j, "ended_at"), "2026-11-23T18:31:30.000Z"),
          "record: ended run: status and ended_at");
    CHECK(near(jnum(j, "duration_s"), 90), "record: duration_s is ended - started (%g)", jnum(j, "duration_s"));
    json_decref(j);
}

static void test_run_json(const char *tmpdir)
{
    char path[PATH_BUF];
    fresh(path, tmpdir, "rec-runs.db");
    recorder *r = rec_open(path, NULL);
    rec_run_info in = sample(t0());
    in.params = json_pack("{s:s, s:i, s:[s]}", "service", "db", "replicas", 3, "hosts", "db1");
    int64_t run = -1;
    char *inc = NULL;
    CHECK(rec_run_start(r, &in, &run, &inc) == 0 && run > 0, "record: start a run with params");
    json_t *j = rec_run_json(r, run);
    check_new_run(j, run, in.params);
    json_decref(j);
    json_t *later = json_pack("{s:s}", "service", "api");
    CHECK(rec_run_set_params(r, run, later) == 0, "record: params replaced after the start");
    j = rec_run_json(r, run);
    CHECK(json_equal(json_object_get(j, "params"), later), "record: ... and read back");
    json_decref(j);
    json_decref(later);
    CHECK(rec_run_set_params(r, 424242, NULL) < 0, "record: params of a missing run fail");
    check_updates(r, run);
    int64_t second = start_run(r, t0() + 10, NULL, NULL);
    json_t *list = rec_runs_json(r);
    CHECK(json_array_size(list) == 2, "record: two runs listed");
    json_t *first = json_array_get(list, 0);
    CHECK(json_integer_value(json_object_get(first, "id")) == second, "record: listing is newest first");
    check_run_keys(first, 0);
    CHECK(json_is_number(json_object_get(first, "duration_s")), "record: listings carry duration_s");
    CHECK(rec_run_json(r, 424242) == NULL && strstr(rec_error(r), "no run"), "record: a missing run is NULL");
    char sql[128];
    snprintf(sql, sizeof sql, "UPDATE runs SET started_at = 1e300, params = '{oops' WHERE id = %lld",
             (long long)second);
    raw_exec(path, sql);
    j = rec_run_json(r, second);
    CHECK(j && json_is_null(json_object_get(j, "started_at")) && streq(jstr(j, "params"), "{oops"),
          "record: an impossible stored time reads as null, broken params as a string");
    json_decref(j);
    json_decref(list);
    json_decref(in.params);
    rb_free(inc);
    rec_close(r);
}

/* ---- events as JSON ---- */

static void add_sample_events(recorder *r, int64_t run)
{
    int64_t s1 = 0, s2 = 0, s3 = 0;
    double t = t0();
    CHECK(add(r, run, t, NULL, "run.start", NULL, &s1) == 0 && s1 == 1, "record: first event is seq 1");
    CHECK(add(r, run, t + 1.5, "check", "step.start", json_pack("{s:i}", "n", 1), &s2) == 0 && s2 == 2,
          "record: second event is seq 2");
    json_t *sh = json_pack("{s:s, s:i, s:s, s:s, s:f}", "command", "true", "exit", 0, "stdout", "ok\n",
                           "stderr", "", "duration_s", 0.5);
    CHECK(add(r, run, t + 2.25, "check", "sh.end", sh, &s3) == 0 && s3 == 3, "record: third event is seq 3");
    CHECK(add(r, 424242, t, NULL, "note", NULL, NULL) < 0 && *rec_error(r),
          "record: an event for a missing run fails (%s)", rec_error(r));
    CHECK(add(r, run, t, NULL, NULL, NULL, NULL) < 0, "record: an event without a kind fails");
    CHECK(add(r, run, INFINITY, NULL, "note", NULL, NULL) < 0, "record: an event at an infinite time fails");
}

/* Rows written behind the recorder's back: JSON that does not parse, invalid UTF-8. */
static void add_garbage_events(const char *path, int64_t run)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO events (run_id, seq, t, step, kind, text, data) VALUES "
             "(%lld, 4, %f, NULL, 'note', 'bad', 'not json {'),"
             "(%lld, 5, %f, NULL, 'note', CAST(X'6F6BC328FF' AS TEXT), '\"just a string\"')",
             (long long)run, t0() + 3, (long long)run, t0() + 4);
    CHECK(raw_exec(path, sql) == 0, "record: garbage rows inserted directly");
}

static void check_events(json_t *ev)
{
    CHECK(json_array_size(ev) == 5, "record: five events read back (%zu)", json_array_size(ev));
    json_t *e1 = json_array_get(ev, 0), *e2 = json_array_get(ev, 1), *e3 = json_array_get(ev, 2);
    CHECK(json_object_size(e1) == 7, "record: an event has exactly seq, t, elapsed_s, step, kind, text, data");
    CHECK(json_integer_value(json_object_get(e1, "seq")) == 1 && streq(jstr(e1, "kind"), "run.start") &&
          streq(jstr(e1, "text"), "one line for people"), "record: event seq, kind, text");
    CHECK(streq(jstr(e1, "t"), "2026-11-23T18:30:00.000Z") && near(jnum(e1, "elapsed_s"), 0),
          "record: event t is ISO-8601, elapsed_s 0");
    CHECK(json_is_null(json_object_get(e1, "step")) && json_is_object(json_object_get(e1, "data")) &&
          json_object_size(json_object_get(e1, "data")) == 0, "record: no step is null, no data is {}");
    CHECK(streq(jstr(e2, "step"), "check") && near(jnum(e2, "elapsed_s"), 1.5) &&
          json_integer_value(json_object_get(json_object_get(e2, "data"), "n")) == 1,
          "record: step, elapsed_s and data of the second event");
    json_t *d3 = json_object_get(e3, "data");
    CHECK(streq(jstr(d3, "command"), "true") && json_integer_value(json_object_get(d3, "exit")) == 0 &&
          streq(jstr(d3, "stdout"), "ok\n") && near(jnum(e3, "elapsed_s"), 2.25),
          "record: sh.end data round-trips");
    json_t *e4 = json_array_get(ev, 3), *e5 = json_array_get(ev, 4);
    CHECK(streq(json_string_value(json_object_get(e4, "data")), "not json {"),
          "record: data that is not JSON comes back as a string");
    CHECK(streq(jstr(e5, "text"), "ok\xEF\xBF\xBD(\xEF\xBF\xBD"), "record: invalid UTF-8 becomes U+FFFD");
    CHECK(streq(json_string_value(json_object_get(e5, "data")), "just a string"),
          "record: data may be any JSON value");
}

/* The cursors give what rec_events_json gives: as objects, as text (data copied through
 * or, for garbage, converted the same way), filtered by kind and after a seq. */
static void check_cursors(recorder *r, int64_t run, json_t *all)
{
    rec_cursor *c = rec_cursor_open(r, run, 0, NULL);
    json_t *e;
    size_t i = 0;
    int same = c != NULL;
    while (c && rec_cursor_next(c, &e) == 1) same &= json_equal(e, json_array_get(all, i++));
    rec_cursor_close(c);
    CHECK(same && i == json_array_size(all), "record: a cursor reads the events rec_events_json has (%zu)", i);
    c = rec_cursor_open(r, run, 0, NULL);
    rb_buf b;
    buf_init(&b);
    i = 0;
    same = c != NULL;
    while (c && rec_cursor_next_text(c, &b) == 1) {
        json_t *parsed = json_loadb(b.data, b.len, 0, NULL);
        same &= parsed && json_equal(parsed, json_array_get(all, i++));
        json_decref(parsed);
        buf_reset(&b);
    }
    buf_free(&b);
    rec_cursor_close(c);
    CHECK(same && i == json_array_size(all), "record: a cursor's text parses to the same events, garbage included");
    static const char *const kinds[] = {"note", "sh.end", NULL};
    c = rec_cursor_open(r, run, 3, kinds);
    int n = 0, ok = c != NULL;
    while (c && rec_cursor_next(c, &e) == 1) ok &= streq(jstr(e, "kind"), "note") && ++n;
    rec_cursor_close(c);
    int64_t count = 0;
    CHECK(ok && n == 2, "record: a cursor after seq 3 over notes and sh.end sees the two notes (%d)", n);
    CHECK(rec_event_count(r, run, &count) == 0 && count == 5, "record: the run has 5 events (%lld)", (long long)count);
}

static void test_events_json(const char *tmpdir)
{
    char path[PATH_BUF];
    fresh(path, tmpdir, "rec-events.db");
    recorder *r = rec_open(path, NULL);
    int64_t run = start_run(r, t0(), NULL, NULL);
    add_sample_events(r, run);
    add_garbage_events(path, run);
    json_t *ev = rec_events_json(r, run);
    check_events(ev);
    check_cursors(r, run, ev);
    json_decref(ev);
    CHECK(rec_events_json(r, 424242) == NULL, "record: events of a missing run is NULL");
    CHECK(rec_cursor_open(r, 424242, 0, NULL) == NULL, "record: a cursor over a missing run is NULL");
    CHECK(raw_int(path, "SELECT count(*) FROM events WHERE json_valid(data) AND kind = 'sh.end'") == 1,
          "record: stored data is JSON that sqlite3's json functions read");
    rec_close(r);
    r = rec_open(path, NULL);
    ev = r ? rec_events_json(r, run) : NULL;
    CHECK(json_array_size(ev) == 5, "record: reopening keeps the events");
    json_decref(ev);
    json_t *j = r ? rec_run_json(r, run) : NULL;
    CHECK(streq(jstr(j, "incident"), "INC-2026-1123-001"), "record: reopening keeps the run");
    json_decref(j);
    int64_t seq = 0;
    CHECK(r && add(r, run, t0() + 5, NULL, "note", NULL, &seq) == 0 && seq == 6,
          "record: numbering continues after reopening (%lld)", (long long)seq);
    rec_close(r);
}

/* ---- finding runs ---- */

static void check_find(recorder *r, const char *spec, int64_t want)
{
    int64_t got = -7;
    int rc = rec_find_run(r, spec, &got);
    if (want < 0)
        CHECK(rc < 0 && *rec_error(r), "record: find \"%s\" fails (%s)", spec, rec_error(r));
    else
        CHECK(rc == 0 && got == want, "record: find \"%s\" is run %lld (got %lld)", spec, (long long)want,
              (long long)got);
}

static void test_find_run(const char *tmpdir)
{
    char path[PATH_BUF];
    fresh(path, tmpdir, "rec-find.db");
    recorder *r = rec_open(path, NULL);
    check_find(r, "last", -1);
    int64_t a1 = start_run(r, t0(), "INC-A", NULL);
    int64_t b = start_run(r, t0(), "INC-B", NULL);
    int64_t a2 = start_run(r, t0(), "INC-A", NULL);
    int64_t digits = start_run(r, t0(), "9999", NULL);
    char id[32];
    snprintf(id, sizeof id, "%lld", (long long)b);
    check_find(r, "last", digits);
    check_find(r, id, b);
    snprintf(id, sizeof id, "%lld", (long long)a1);
    check_find(r, id, a1);
    check_find(r, "INC-A", a2);
    check_find(r, "INC-B", b);
    check_find(r, "9999", digits);
    check_find(r, "123456789", -1);
    check_find(r, "99999999999999999999999", -1);
    check_find(r, "nope", -1);
    check_find(r, "", -1);
    rec_close(r);
}

/* ---- stale runs ---- */

static pid_t dead_pid(void)
{
    pid_t pid = fork();
    if (pid == 0) _exit(0);
    waitpid(pid, NULL, 0);
    return pid;
}

static void set_owner(const char *path, int64_t run, const char *host, long long pid)
{
    char sql[256];
    snprintf(sql, sizeof sql, "UPDATE runs SET host = %s%s%s, pid = %lld WHERE id = %lld",
             host ? "'" : "", host ? host : "host", host ? "'" : "", pid, (long long)run);
    raw_exec(path, sql);
}

static const char *status_of(recorder *r, int64_t run, json_t **hold)
{
    *hold = rec_run_json(r, run);
    return jstr(*hold, "status");
}

static void test_stale(const char *tmpdir)
{
    char path[PATH_BUF];
    pid_t dead = dead_pid();   /* before opening: a child must not inherit a connection */
    fresh(path, tmpdir, "rec-stale.db");
    recorder *r = rec_open(path, NULL);
    int64_t mine = start_run(r, t0(), NULL, NULL);
    int64_t gone = start_run(r, t0(), NULL, NULL);
    int64_t away = start_run(r, t0(), NULL, NULL);
    int64_t busy = start_run(r, t0(), NULL, NULL);
    add(r, gone, t0() + 42, NULL, "note", NULL, NULL);
    set_owner(path, gone, NULL, dead);
    set_owner(path, away, "elsewhere.example", dead);
    set_owner(path, busy, NULL, getppid());
    json_t *h;
    CHECK(streq(status_of(r, mine, &h), "running"), "record: this process's run is running");
    json_decref(h);
    CHECK(streq(status_of(r, gone, &h), "interrupted"), "record: a run whose process is gone is interrupted");
    CHECK(near(jnum(h, "duration_s"), 42), "record: a stale run lasts until its last event (%g)", jnum(h, "duration_s"));
    json_decref(h);
    CHECK(streq(status_of(r, away, &h), "running"), "record: a run on another host is believed");
    json_decref(h);
    json_t *list = rec_runs_json(r);
    CHECK(streq(jstr(json_array_get(list, 2), "status"), "interrupted"), "record: listings show stale runs too");
    json_decref(list);
    CHECK(rec_run_resume(r, busy) < 0 && strstr(rec_error(r), "still running"),
          "record: a run alive in another process cannot be resumed (%s)", rec_error(r));
    CHECK(rec_run_end(r, gone, "interrupted", t0() + 50) == 0 && rec_run_resume(r, gone) == 0,
          "record: an interrupted run is resumed");
    CHECK(streq(status_of(r, gone, &h), "running") && json_is_null(json_object_get(h, "ended_at")) &&
          json_integer_value(json_object_get(h, "pid")) == getpid(), "record: resuming takes the run over");
    json_decref(h);
    CHECK(rec_run_resume(r, 424242) < 0, "record: resuming a missing run fails");
    rec_close(r);
}

/* ---- two processes at once ---- */

enum { OWN_EVENTS = 200, SHARED_EVENTS = 100 };

/* A child's whole life; the caller passes the result to _exit. */
static int writer_child(const char *path, int go_fd, int64_t shared, int idx)
{
    char c;
    while (read(go_fd, &c, 1) > 0) {}   /* wait for the parent to close the pipe: go */
    recorder *r = rec_open(path, NULL);
    if (!r) return 10;
    rec_run_info in = sample(t0());
    in.runbook_path = idx ? "child-1.rb" : "child-0.rb";
    int64_t own;
    char *inc = NULL;
    int rc = rec_run_start(r, &in, &own, &inc) < 0 ? 11 : 0;
    rb_free(inc);
    for (int k = 0; rc == 0 && k < OWN_EVENTS + SHARED_EVENTS; k++) {
        int64_t run = k % 3 == 2 ? shared : own;
        if (add(r, run, t0() + k, NULL, "note", json_pack("{s:i, s:i}", "child", idx, "k", k), NULL) < 0) {
            fprintf(stderr, "child %d: %s\n", idx, rec_error(r));
            rc = 12;
        }
    }
    rec_close(r);
    return rc;
}

static int child_ok(pid_t pid)
{
    int status = 0;
    return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void check_contiguous(const char *path, const char *which, const char *label, int n)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT count(*) = %d AND count(DISTINCT seq) = %d AND min(seq) = 1 AND max(seq) = %d "
             "FROM events WHERE run_id = (SELECT id FROM runs WHERE %s)", n, n, n, which);
    CHECK(raw_int(path, sql) == 1, "record: concurrent: %s has %d events numbered 1..%d", label, n, n);
}

static void test_concurrent(const char *tmpdir)
{
    char path[PATH_BUF];
    fresh(path, tmpdir, "rec-concurrent.db");
    recorder *r = rec_open(path, NULL);
    int64_t shared = r ? start_run(r, t0(), "INC-SHARED", NULL) : -1;
    rec_close(r);
    int go[2];
    if (pipe(go) < 0) return;
    pid_t kids[2];
    for (int i = 0; i < 2; i++) {
        kids[i] = fork();
        if (kids[i] == 0) {
            close(go[1]);
            _exit(writer_child(path, go[0], shared, i));
        }
    }
    close(go[0]);
    close(go[1]);
    int ok0 = child_ok(kids[0]), ok1 = child_ok(kids[1]);
    CHECK(ok0 && ok1, "record: concurrent: both writers succeed");
    check_contiguous(path, "runbook_path = 'child-0.rb'", "child 0's run", OWN_EVENTS);
    check_contiguous(path, "runbook_path = 'child-1.rb'", "child 1's run", OWN_EVENTS);
    check_contiguous(path, "incident = 'INC-SHARED'", "the shared run", 2 * SHARED_EVENTS);
    CHECK(raw_int(path, "SELECT count(*) FROM events WHERE run_id = (SELECT id FROM runs WHERE "
                        "incident = 'INC-SHARED') AND json_extract(data, '$.child') = 1") == SHARED_EVENTS,
          "record: concurrent: each writer's shared events all arrived");
    char *incs = raw_text(path, "SELECT group_concat(incident) FROM (SELECT incident FROM runs "
                                "WHERE runbook_path LIKE 'child-%' ORDER BY incident)");
    CHECK(streq(incs, "INC-2026-1123-001,INC-2026-1123-002"),
          "record: concurrent: the two runs got distinct incident ids (%s)", incs ? incs : "?");
    rb_free(incs);
}

static int creator_child(const char *path, int idx)
{
    char *err = NULL;
    recorder *r = rec_open(path, &err);
    int64_t run = r ? start_run(r, t0(), NULL, NULL) : -1;
    if (run < 0) fprintf(stderr, "child %d: %s\n", idx, r ? rec_error(r) : err);
    rb_free(err);
    rec_close(r);
    return run > 0 ? 0 : 1;
}

/* Several processes opening one brand-new file race to create the schema. */
static void test_concurrent_create(const char *tmpdir)
{
    char path[PATH_BUF];
    fresh(path, tmpdir, "rec-create-race.db");
    pid_t kids[4];
    for (int i = 0; i < 4; i++) {
        kids[i] = fork();
        if (kids[i] == 0) {
            _exit(creator_child(path, i));
        }
    }
    int ok = 1;
    for (int i = 0; i < 4; i++) ok &= child_ok(kids[i]);
    CHECK(ok, "record: four processes creating one new database all succeed");
    CHECK(raw_int(path, "SELECT count(DISTINCT incident) FROM runs") == 4 &&
          raw_int(path, "PRAGMA user_version") == 2, "record: ... with four runs and one schema");
}

/* ---- a process killed mid-write ---- */

/* Records until killed (the parent reads each seq from `out` once it is recorded). */
static int crash_child(const char *path, int64_t run, int out)
{
    recorder *r = rec_open(path, NULL);
    if (!r) return 10;
    char payload[3000];
    memset(payload, 'x', sizeof payload - 1);
    payload[sizeof payload - 1] = '\0';
    int rc = 0;
    for (int k = 0; rc == 0 && k < 1000000; k++) {
        int64_t seq;
        json_t *data = json_pack("{s:s, s:i}", "stdout", payload, "k", k);
        if (add(r, run, t0() + k, "loop", "sh.end", data, &seq) < 0) rc = 11;
        else if (write(out, &seq, sizeof seq) != (ssize_t)sizeof seq) rc = 12;
    }
    rec_close(r);
    return rc;
}

/* Read reported seqs until `until` arrived (then kill the child) and to the end. */
static int64_t collect_until_killed(int fd, pid_t child, int until, int *killed)
{
    int64_t seq, last = 0;
    int n = 0;
    *killed = 0;
    while (read(fd, &seq, sizeof seq) == (ssize_t)sizeof seq) {
        last = seq > last ? seq : last;
        if (++n == until) kill(child, SIGKILL);
    }
    int status = 0;
    waitpid(child, &status, 0);
    *killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
    return last;
}

static void check_after_crash(const char *path, int64_t run, int64_t last, int round)
{
    char *ic = raw_text(path, "PRAGMA integrity_check");
    CHECK(streq(ic, "ok"), "record: crash %d: integrity_check says ok (%s)", round, ic ? ic : "?");
    rb_free(ic);
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) = max(seq) AND max(seq) >= %lld FROM events WHERE run_id = %lld",
             (long long)last, (long long)run);
    CHECK(raw_int(path, sql) == 1, "record: crash %d: every event reported recorded (up to %lld) is there",
          round, (long long)last);
}

static void test_crash(const char *tmpdir)
{
    char path[PATH_BUF];
    fresh(path, tmpdir, "rec-crash.db");
    recorder *r = rec_open(path, NULL);
    int64_t run = r ? start_run(r, t0(), NULL, NULL) : -1;
    rec_close(r);
    for (int round = 1; round <= 4; round++) {
        int fds[2];
        if (pipe(fds) < 0) break;
        pid_t pid = fork();
        if (pid == 0) {
            close(fds[0]);
            _exit(crash_child(path, run, fds[1]));
        }
        close(fds[1]);
        int killed;
        int64_t last = collect_until_killed(fds[0], pid, 20 + 37 * round, &killed);
        close(fds[0]);
        CHECK(killed && last > 0, "record: crash %d: the writer was killed mid-way after seq %lld", round,
              (long long)last);
        check_after_crash(path, run, last, round);
    }
    r = rec_open(path, NULL);
    int64_t seq = 0;
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT max(seq) FROM events WHERE run_id = %lld", (long long)run);
    long long max = raw_int(path, sql);
    CHECK(r && add(r, run, t0(), NULL, "note", NULL, &seq) == 0 && seq == max + 1,
          "record: after the crashes the recorder appends seq %lld", (long long)seq);
    rec_close(r);
}

/* The commit rule: a durable event is committed with every event before it before
 * rec_event_add returns; whatever waits in memory is committed by a run-row change and by
 * rec_close.  (Another connection counts the rows.) */
static void test_commit_rule(const char *tmpdir)
{
    char path[PATH_BUF];
    fresh(path, tmpdir, "rec-commit.db");
    recorder *r = rec_open(path, NULL);
    int64_t run = r ? start_run(r, t0(), "INC-COMMIT", NULL) : -1;
    int ok = run > 0;
    for (int i = 0; ok && i < 50; i++) ok = add(r, run, t0() + i, "s", i % 2 ? "note" : "step.start", NULL, NULL) == 0;
    ok = ok && add(r, run, t0() + 50, "s", "sh.start", json_pack("{s:s}", "command", "true"), NULL) == 0;
    CHECK(ok && raw_int(path, "SELECT count(*) FROM events") == 51,
          "record: a durable event is committed with the 50 pure events before it");
    CHECK(raw_int(path, "SELECT max(seq) = 51 AND kind = 'sh.start' FROM events") == 1,
          "record: in order, the durable one last");
    for (int i = 0; ok && i < 10; i++) ok = add(r, run, t0() + 60 + i, "s", "note", NULL, NULL) == 0;
    ok = ok && rec_run_update(r, run, "P2", NULL, -1, -1) == 0;
    CHECK(ok && raw_int(path, "SELECT count(*) FROM events") == 61, "record: a run-row change commits what waits");
    for (int i = 0; ok && i < 3000; i++) ok = add(r, run, t0() + 70 + i, "s", "note", NULL, NULL) == 0;
    CHECK(ok && raw_int(path, "SELECT count(*) FROM events") >= 61 + 3000 - 1024,
          "record: no more than a batch waits in memory");
    rec_close(r);
    CHECK(raw_int(path, "SELECT count(*) = 3061 AND min(seq) = 1 AND max(seq) = 3061 FROM events") == 1,
          "record: closing commits the rest, numbered without gaps");
}

void test_record(const char *tmpdir)
{
    test_commit_rule(tmpdir);
    test_sha256();
    test_open(tmpdir);
    test_open_umask(tmpdir);
    test_refuse_garbage(tmpdir);
    test_refuse_newer(tmpdir);
    test_refuse_unwritable(tmpdir);
    test_refuse_damaged(tmpdir);
    test_default_path();
    test_incidents(tmpdir);
    test_run_json(tmpdir);
    test_events_json(tmpdir);
    test_find_run(tmpdir);
    test_stale(tmpdir);
    test_concurrent(tmpdir);
    test_concurrent_create(tmpdir);
    test_crash(tmpdir);
}
