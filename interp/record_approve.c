/*
 * record_approve.c — the recorder's approvals table (schema v2): a decision on an
 * `approve` request, written by `runbook approve|reject` in one process and read by the
 * waiting run in another.  With record.c and record_read.c, the only files that talk to
 * SQLite.
 */
#include <sqlite3.h>
#include "record.h"
#include "record_int.h"

const char *rec_user(const recorder *r)
{
    return r->user;
}

int rec_approval_add(recorder *r, int64_t run_id, int64_t request, const char *decision, const char *by,
                     const char *reason, double at)
{
    sqlite3_stmt *s = rec_st(r, ST_APPROVAL_ADD);
    sqlite3_bind_int64(s, 1, run_id);
    sqlite3_bind_int64(s, 2, request);
    rec_bind_text(s, 3, decision);
    rec_bind_text(s, 4, by);
    rec_bind_text(s, 5, reason);
    sqlite3_bind_double(s, 6, at);
    int rc = sqlite3_step(s);
    rec_finish(s);
    if (rc == SQLITE_DONE) return 0;
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return rec_fail(r, "request %lld of run %lld is already decided", (long long)request, (long long)run_id);
    return rec_db_fail(r, "cannot record the decision");
}

int rec_approval_get(recorder *r, int64_t run_id, int64_t request, json_t **out)
{
    sqlite3_stmt *s = rec_st(r, ST_APPROVAL_GET);
    sqlite3_bind_int64(s, 1, run_id);
    sqlite3_bind_int64(s, 2, request);
    *out = NULL;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const char *decision = (const char *)sqlite3_column_text(s, 0), *by = (const char *)sqlite3_column_text(s, 1);
        const char *reason = (const char *)sqlite3_column_text(s, 2);
        *out = json_pack("{s:s, s:s, s:s?, s:f}", "decision", decision ? decision : "?", "by", by ? by : "?",
                         "reason", reason, "at", sqlite3_column_double(s, 3));
        rec_finish(s);
        return *out ? 1 : rec_fail(r, "out of memory reading an approval");
    }
    rec_finish(s);
    return rc == SQLITE_DONE ? 0 : rec_db_fail(r, "cannot read the approvals");
}
