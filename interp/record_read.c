/*
 * record_read.c — the recorder reading back: runs and events as JSON (rec_run_json,
 * rec_runs_json, rec_events_json), finding a run, and cursors that read a run's events one
 * at a time for report and replay (constant memory; the stored data copied through where
 * it is valid JSON).  Every read first commits what waits in memory (rec_flush), so a
 * process reads all it has recorded.  Like record.c it never prints, never lets a malformed
 * row (garbage JSON, invalid UTF-8) crash a reader, and never leaves a statement un-reset.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>
#include "clock.h"
#include "record.h"
#include "record_int.h"
#include "util.h"

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
    sqlite3_stmt *s = rec_st(r, ST_RUN_EXISTS);
    sqlite3_bind_int64(s, 1, id);
    return rec_query_int(r, s, "cannot look up the run", run_id);
}

int rec_find_run(recorder *r, const char *spec, int64_t *run_id)
{
    if (rec_flush(r) < 0) return -1;
    if (!spec || !*spec) return rec_fail(r, "%s: no run given", r->path);
    int rc;
    if (strcmp(spec, "last") == 0) {
        rc = rec_query_int(r, rec_st(r, ST_LAST), "cannot look up the last run", run_id);
        return rc == 1 ? 0 : rc < 0 ? -1 : rec_fail(r, "%s: no runs recorded yet", r->path);
    }
    rc = is_digits(spec) ? find_by_id(r, spec, run_id) : 0;
    if (rc == 0) {
        rec_bind_text(rec_st(r, ST_BY_INCIDENT), 1, spec);
        rc = rec_query_int(r, rec_st(r, ST_BY_INCIDENT), "cannot look up the incident", run_id);
    }
    if (rc == 0) return rec_fail(r, "%s: no run or incident \"%s\"", r->path, spec);
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
    if (!rec_time_ok(t)) return json_null();
    clock_iso(t, buf, sizeof buf);
    return json_string(buf);
}

/* The ISO text of the last whole second formatted: events come many to a second, and only
 * their milliseconds differ (clock_iso's rounding, done once per second). */
typedef struct iso_cache {
    double sec;
    char text[40];
} iso_cache;

static json_t *jtime_cached(double t, iso_cache *cache)
{
    if (!rec_time_ok(t)) return json_null();
    double whole = floor(t);
    long long ms = llround((t - whole) * 1000);
    if (ms >= 1000) {
        whole += 1;
        ms -= 1000;
    }
    if (cache->sec != whole) {
        clock_iso(whole, cache->text, sizeof cache->text);
        cache->sec = whole;
    }
    char buf[40];
    memcpy(buf, cache->text, sizeof buf);
    size_t n = strlen(buf);   /* …SS.000Z */
    if (n >= 5) {
        buf[n - 4] = (char)('0' + ms / 100);
        buf[n - 3] = (char)('0' + ms / 10 % 10);
        buf[n - 2] = (char)('0' + ms % 10);
    }
    return json_string_nocheck(buf);
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
    sqlite3_stmt *q = rec_st(r, ST_LAST_EVENT_T);
    sqlite3_bind_int64(q, 1, sqlite3_column_int64(s, C_ID));
    if (rec_query_real(r, q, "cannot read the run's events", &last) == 1) return last;
    return sqlite3_column_double(s, C_STARTED);
}

/* The status people should see: "interrupted" for a "running" run whose process is gone. */
static const char *shown_status(recorder *r, sqlite3_stmt *s, int *alive)
{
    const char *status = (const char *)sqlite3_column_text(s, C_STATUS);
    *alive = 0;
    if (!status || strcmp(status, "running") != 0) return status;
    const char *host = (const char *)sqlite3_column_text(s, C_HOST);
    if (rec_owner_gone(r, host, sqlite3_column_int64(s, C_PID))) return "interrupted";
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
    if (rec_flush(r) < 0) return NULL;
    sqlite3_stmt *s = rec_st(r, ST_RUN_GET);
    sqlite3_bind_int64(s, 1, run_id);
    int rc = rec_step_row(r, s, "cannot read the run");
    if (rc == 0) rec_fail(r, "%s: no run %lld", r->path, (long long)run_id);
    if (rc != 1) return NULL;
    json_t *o = run_row_json(r, s, 1);
    rec_finish(s);
    if (!o) rec_fail(r, "%s: out of memory", r->path);
    return o;
}

json_t *rec_runs_json(recorder *r)
{
    if (rec_flush(r) < 0) return NULL;
    json_t *a = json_array();
    sqlite3_stmt *s = rec_st(r, ST_RUN_LIST);
    int rc;
    if (!a) {
        rec_fail(r, "%s: out of memory", r->path);
        return NULL;
    }
    while ((rc = rec_step_row(r, s, "cannot list the runs")) == 1)
        json_array_append_new(a, run_row_json(r, s, 0));
    if (rc == 0) return a;
    json_decref(a);
    return NULL;
}

static int kind_listed(const char *const *kinds, const char *kind)
{
    for (size_t i = 0; kinds[i]; i++)
        if (strcmp(kinds[i], kind) == 0) return 1;
    return 0;
}

static json_t *event_row_json(sqlite3_stmt *s, double started, iso_cache *cache, int with_data)
{
    json_t *o = json_object();
    if (!o) return NULL;
    double t = sqlite3_column_double(s, 1);
    put(o, "seq", json_integer(sqlite3_column_int64(s, 0)));
    put(o, "t", jtime_cached(t, cache));
    put(o, "elapsed_s", jreal(t - started));
    put(o, "step", col_text(s, 2));
    put(o, "kind", col_text(s, 3));
    put(o, "text", sqlite3_column_type(s, 4) == SQLITE_NULL ? json_string("") : col_text(s, 4));
    put(o, "data", with_data ? col_json(s, 5, json_object()) : json_object());
    return o;
}

json_t *rec_events_json(recorder *r, int64_t run_id)
{
    if (rec_flush(r) < 0) return NULL;
    iso_cache cache = { -1, "" };
    double started;
    sqlite3_stmt *s = rec_st(r, ST_RUN_STARTED);
    sqlite3_bind_int64(s, 1, run_id);
    int rc = rec_query_real(r, s, "cannot read the run", &started);
    if (rc == 0) rec_fail(r, "%s: no run %lld", r->path, (long long)run_id);
    json_t *a = rc == 1 ? json_array() : NULL;
    if (rc == 1 && !a) rec_fail(r, "%s: out of memory", r->path);
    if (!a) return NULL;
    s = rec_st(r, ST_EVENTS);
    sqlite3_bind_int64(s, 1, run_id);
    while ((rc = rec_step_row(r, s, "cannot read the events")) == 1)
        json_array_append_new(a, event_row_json(s, started, &cache, 1));
    if (rc == 0) return a;
    json_decref(a);
    return NULL;
}

/* ---- reading back one event at a time ---- */

struct rec_cursor {
    recorder *r;
    sqlite3_stmt *s;     /* its own statement: cursors nest with lookups and other reads */
    double started;      /* the run's start, for elapsed_s */
    json_t *ev;          /* the current event as an object once built, owned */
    iso_cache iso;
    const char *const *data_kinds;   /* only these kinds get their data parsed; NULL: all */
    int row;             /* there is a current row */
};

/* seq, t, step, kind, text, data, and whether data is JSON the reader can copy through
 * as it is (valid JSON, in valid UTF-8). */
#define CURSOR_SQL "SELECT seq, t, step, kind, text, data, json_valid(data) FROM events " \
                   "WHERE run_id = ?1 AND seq > ?2"

rec_cursor *rec_cursor_open(recorder *r, int64_t run_id, int64_t after, const char *const *kinds)
{
    if (rec_flush(r) < 0) return NULL;
    double started;
    sqlite3_stmt *q = rec_st(r, ST_RUN_STARTED);
    sqlite3_bind_int64(q, 1, run_id);
    int rc = rec_query_real(r, q, "cannot read the run", &started);
    if (rc == 0) rec_fail(r, "%s: no run %lld", r->path, (long long)run_id);
    if (rc != 1) return NULL;
    rb_buf sql;
    buf_init(&sql);
    buf_adds(&sql, CURSOR_SQL);
    size_t nk = 0;
    while (kinds && kinds[nk]) buf_adds(&sql, nk++ ? ", ?" : " AND kind IN (?");
    buf_adds(&sql, nk ? ") ORDER BY seq" : " ORDER BY seq");
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(r->db, buf_cstr(&sql), -1, &s, NULL) != SQLITE_OK) {
        rec_db_fail(r, "cannot read the events");
        buf_free(&sql);
        return NULL;
    }
    buf_free(&sql);
    sqlite3_bind_int64(s, 1, run_id);
    sqlite3_bind_int64(s, 2, after);
    for (size_t i = 0; i < nk; i++) rec_bind_text(s, 3 + (int)i, kinds[i]);
    rec_cursor *c = rb_xcalloc(1, sizeof *c);
    c->iso.sec = -1;
    c->r = r;
    c->s = s;
    c->started = started;
    return c;
}

int rec_cursor_step(rec_cursor *c)
{
    json_decref(c->ev);
    c->ev = NULL;
    c->row = 0;
    int rc = sqlite3_step(c->s);
    if (rc == SQLITE_ROW) return c->row = 1;
    if (rc != SQLITE_DONE) rec_db_fail(c->r, "cannot read the events");
    return rc == SQLITE_DONE ? 0 : -1;
}

int rec_cursor_seek(rec_cursor *c, int64_t after)
{
    json_decref(c->ev);
    c->ev = NULL;
    c->row = 0;
    sqlite3_reset(c->s);
    sqlite3_bind_int64(c->s, 2, after);
    return 0;
}

static const char *cursor_col(const rec_cursor *c, int col)
{
    const char *t = c->row ? (const char *)sqlite3_column_text(c->s, col) : NULL;
    return t ? t : "";
}

const char *rec_cursor_kind(const rec_cursor *c) { return cursor_col(c, 3); }
const char *rec_cursor_text(const rec_cursor *c) { return cursor_col(c, 4); }
int64_t rec_cursor_seq(const rec_cursor *c) { return c->row ? sqlite3_column_int64(c->s, 0) : 0; }

double rec_cursor_elapsed(const rec_cursor *c)
{
    return c->row ? sqlite3_column_double(c->s, 1) - c->started : NAN;
}

json_t *rec_cursor_event(rec_cursor *c)
{
    if (!c->row) return NULL;
    if (!c->ev)
        c->ev = event_row_json(c->s, c->started, &c->iso,
                               !c->data_kinds || kind_listed(c->data_kinds, rec_cursor_kind(c)));
    if (!c->ev) rec_fail(c->r, "%s: out of memory", c->r->path);
    return c->ev;
}

int rec_cursor_next(rec_cursor *c, json_t **ev)
{
    int rc = rec_cursor_step(c);
    if (rc == 1 && !rec_cursor_event(c)) rc = -1;
    *ev = rc == 1 ? c->ev : NULL;
    return rc;
}

/* The data column as it may be copied into JSON output: valid JSON in valid UTF-8. */
static int data_copyable(sqlite3_stmt *s, const char **text, size_t *n)
{
    if (sqlite3_column_type(s, 5) == SQLITE_NULL || sqlite3_column_int(s, 6) != 1) return 0;
    *text = (const char *)sqlite3_column_text(s, 5);
    *n = (size_t)sqlite3_column_bytes(s, 5);
    if (!*text) return 0;
    const unsigned char *u = (const unsigned char *)*text;
    for (size_t i = 0; i < *n;) {
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = utf8_seq(u + i, *n - i);
        if (k == 0) return 0;
        i += k;
    }
    return 1;
}

int rec_cursor_next_text(rec_cursor *c, rb_buf *out)
{
    int rc = rec_cursor_step(c);
    if (rc != 1) return rc;
    sqlite3_stmt *s = c->s;
    const char *data;
    size_t n;
    int copy = data_copyable(s, &data, &n);
    json_t *o = json_object();
    double t = sqlite3_column_double(s, 1);
    put(o, "seq", json_integer(sqlite3_column_int64(s, 0)));
    put(o, "t", jtime_cached(t, &c->iso));
    put(o, "elapsed_s", jreal(t - c->started));
    put(o, "step", col_text(s, 2));
    put(o, "kind", col_text(s, 3));
    put(o, "text", sqlite3_column_type(s, 4) == SQLITE_NULL ? json_string("") : col_text(s, 4));
    if (!copy) put(o, "data", col_json(s, 5, json_object()));
    size_t before = out->len;
    int bad = !o || json_dump_callback(o, rec_dump_cb, out, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0;
    json_decref(o);
    if (bad) {
        out->len = before;
        return rec_fail(c->r, "%s: out of memory", c->r->path);
    }
    if (copy) {   /* the stored text itself, without a parse: "…"} becomes "…","data":TEXT} */
        out->len--;
        buf_adds(out, ",\"data\":");
        buf_addn(out, data, n);
        buf_addc(out, '}');
    }
    return 1;
}

void rec_cursor_close(rec_cursor *c)
{
    if (!c) return;
    json_decref(c->ev);
    sqlite3_finalize(c->s);
    rb_free(c);
}

int rec_event_count(recorder *r, int64_t run_id, int64_t *n)
{
    if (rec_flush(r) < 0) return -1;
    sqlite3_stmt *s = rec_st(r, ST_EVENT_COUNT);
    sqlite3_bind_int64(s, 1, run_id);
    return rec_query_int(r, s, "cannot count the events", n) < 0 ? -1 : 0;
}

int rec_event_last_elapsed(recorder *r, int64_t run_id, double *t)
{
    if (rec_flush(r) < 0) return -1;
    sqlite3_stmt *s = rec_st(r, ST_EVENT_LAST_T);
    sqlite3_bind_int64(s, 1, run_id);
    return rec_query_real(r, s, "cannot read the events", t);
}

void rec_cursor_data_kinds(rec_cursor *c, const char *const *kinds)
{
    c->data_kinds = kinds;
}
