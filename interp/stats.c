/*
 * stats.c — `runbook stats`: response metrics across every recorded incident.
 *
 * An incident is every run (exec or resume) that shares its id; the REPL's and `runbook
 * test`'s runs are left out.  Per severity: how many incidents, how many acknowledged and
 * resolved, the mean time to acknowledge (MTTA) and to resolve (MTTR) from the incident's
 * start (detection: its first run began), and how many met or missed the runbook's own
 * targets (the header's `respond within` and `resolve within`).  Then the handbook's KPIs
 * (seed 004, §9.1): MTTD under 5 minutes (from a run's `impact_started_at` param, where one
 * was given, to detection), MTTA under 15 minutes, MTTR under 4 hours for P1, and 80% of
 * incidents resolved on first contact (no escalation past the first rung before the
 * resolution); also how often incidents escalated.
 *
 * Reads the record only, through record.h; never writes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "clock.h"
#include "value.h"
#include "record.h"
#include "util.h"

#define NSEV 5   /* P1..P4, then "unknown" */

typedef struct incident {
    const char *id;
    int sev;                  /* 0..3 for P1..P4, 4 unknown */
    double start, ack, resolved, impact;   /* < 0: not known */
    double respond_target, resolve_target; /* seconds, < 0: none */
    int escalated;            /* an escalation past the first rung fired before resolution */
} incident;

typedef struct sev_stats {
    int n, acked, resolved, respond_met, respond_missed, resolve_met, resolve_missed;
    double ack_sum, res_sum;
} sev_stats;

static const char *jstr(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static double jtime(json_t *o, const char *k)
{
    const char *s = jstr(o, k);
    return s ? clock_parse_iso(s) : -1;
}

static double jnum(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_number(v) ? json_number_value(v) : -1;
}

static int sev_index(const char *s)
{
    return s && s[0] == 'P' && s[1] >= '1' && s[1] <= '4' && !s[2] ? s[1] - '1' : 4;
}

/* 30d, 12h, 90m (back from now) or an ISO-8601 time; -1 when it is neither. */
static double parse_since(const char *s)
{
    double d = parse_duration(s, strlen(s));
    if (d >= 0) return clock_now() - d;
    double t = clock_parse_iso(s);
    if (t < 0 && strlen(s) == 10) {   /* a date alone: its start, UTC */
        char buf[32];
        snprintf(buf, sizeof buf, "%sT00:00:00Z", s);
        t = clock_parse_iso(buf);
    }
    return t;
}

static void fmt_dur(char *buf, size_t n, double secs)
{
    if (secs < 0 || !isfinite(secs)) snprintf(buf, n, "—");
    else if (secs < 60) snprintf(buf, n, "%.0fs", secs);
    else if (secs < 3600) snprintf(buf, n, "%.0fm", floor(secs / 60));
    else snprintf(buf, n, "%.0fh %.0fm", floor(secs / 3600), floor(fmod(secs, 3600) / 60));
}

/* Did an escalation past the first rung fire in this run before t (the resolution)? */
static int escalated_in(recorder *r, int64_t run_id, double resolved)
{
    json_t *events = rec_events_json(r, run_id), *ev;
    size_t i;
    int hit = 0;
    json_array_foreach(events, i, ev) {
        const char *k = jstr(ev, "kind");
        if (!k || strcmp(k, "escalation") != 0) continue;
        double at = jnum(json_object_get(ev, "data"), "at_s"), t = jtime(ev, "t");
        if (at > 0 && (resolved < 0 || t <= resolved)) hit = 1;
    }
    json_decref(events);
    return hit;
}

static incident *find_or_add(incident **list, int *n, int *cap, const char *id)
{
    for (int i = 0; i < *n; i++)
        if (strcmp((*list)[i].id, id) == 0) return &(*list)[i];
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 16;
        *list = rb_xrealloc(*list, (size_t)*cap * sizeof **list);
    }
    incident *x = &(*list)[(*n)++];
    *x = (incident){id, 4, -1, -1, -1, -1, -1, -1, 0};
    return x;
}

static void earliest(double *slot, double t)
{
    if (t >= 0 && (*slot < 0 || t < *slot)) *slot = t;
}

/* Fold one run into its incident. */
static void add_run(recorder *r, incident *x, json_t *run)
{
    int sev = sev_index(jstr(run, "severity"));
    if (sev < x->sev) x->sev = sev;
    earliest(&x->start, jtime(run, "started_at"));
    earliest(&x->ack, jtime(run, "acknowledged_at"));
    earliest(&x->resolved, jtime(run, "resolved_at"));
    json_t *params = json_object_get(run, "params");
    const char *imp = jstr(params, "impact_started_at");
    if (imp) earliest(&x->impact, clock_parse_iso(imp));
    if (x->respond_target < 0) x->respond_target = jnum(run, "respond_within_s");
    if (x->resolve_target < 0) x->resolve_target = jnum(run, "resolve_within_s");
    if (!x->escalated)
        x->escalated = escalated_in(r, json_integer_value(json_object_get(run, "id")), jtime(run, "resolved_at"));
}

/* Met (1), missed (0) or not yet known (-1) for a target measured from start. */
static int target(double start, double done, double within, double now)
{
    if (within < 0 || start < 0) return -1;
    if (done >= 0) return done - start <= within;
    return now - start > within ? 0 : -1;
}

static void tally(const incident *xs, int n, sev_stats st[NSEV], double now)
{
    memset(st, 0, NSEV * sizeof *st);
    for (int i = 0; i < n; i++) {
        const incident *x = &xs[i];
        sev_stats *s = &st[x->sev];
        s->n++;
        if (x->ack >= 0) {
            s->acked++;
            s->ack_sum += x->ack - x->start;
        }
        if (x->resolved >= 0) {
            s->resolved++;
            s->res_sum += x->resolved - x->start;
        }
        int m = target(x->start, x->ack, x->respond_target, now);
        s->respond_met += m == 1;
        s->respond_missed += m == 0;
        m = target(x->start, x->resolved, x->resolve_target, now);
        s->resolve_met += m == 1;
        s->resolve_missed += m == 0;
    }
}

typedef struct kpi {
    const char *name, *target;
    double actual;            /* seconds, or a share (0..1); < 0: no data */
    double limit;
    int share;                /* actual is a share: met when >= limit; else met when < limit */
    const char *note;
} kpi;

static void kpis(const incident *xs, int n, const sev_stats st[NSEV], kpi k[5])
{
    double d_sum = 0, a_sum = 0, p1_sum = 0;
    int d_n = 0, a_n = 0, resolved = 0, first = 0, escalated = 0;
    for (int i = 0; i < n; i++) {
        const incident *x = &xs[i];
        if (x->impact >= 0 && x->start >= x->impact) {
            d_sum += x->start - x->impact;
            d_n++;
        }
        if (x->ack >= 0) {
            a_sum += x->ack - x->start;
            a_n++;
        }
        if (x->resolved >= 0) {
            resolved++;
            first += !x->escalated;
        }
        escalated += x->escalated;
    }
    if (st[0].resolved) p1_sum = st[0].res_sum / st[0].resolved;
    k[0] = (kpi){"Mean time to detect (MTTD)", "< 5m", d_n ? d_sum / d_n : -1, 300, 0,
                 d_n ? NULL : "no run gave impact_started_at"};
    k[1] = (kpi){"Mean time to respond (MTTA)", "< 15m", a_n ? a_sum / a_n : -1, 900, 0, NULL};
    k[2] = (kpi){"Mean time to resolve, P1 (MTTR)", "< 4h", st[0].resolved ? p1_sum : -1, 14400, 0, NULL};
    k[3] = (kpi){"First-contact resolution", ">= 80%", resolved ? (double)first / resolved : -1, 0.8, 1, NULL};
    k[4] = (kpi){"Escalation frequency", "", n ? (double)escalated / n : -1, -1, 1, NULL};
}

static const char *verdict(const kpi *k)
{
    if (k->actual < 0 || k->limit < 0) return "";
    return (k->share ? k->actual >= k->limit : k->actual < k->limit) ? "met" : "missed";
}

static void print_text(const incident *xs, int n, int runs, const sev_stats st[NSEV], const kpi k[5], const char *since)
{
    printf("%d incident%s (%d run%s)%s%s\n\n", n, n == 1 ? "" : "s", runs, runs == 1 ? "" : "s",
           since ? " since " : "", since ? since : "");
    printf("%-4s %9s %6s %9s %16s %9s %9s %16s\n", "SEV", "INCIDENTS", "ACKED", "MTTA", "RESPOND", "RESOLVED", "MTTR",
           "RESOLVE");
    static const char *const names[NSEV] = {"P1", "P2", "P3", "P4", "?"};
    for (int i = 0; i < NSEV; i++) {
        const sev_stats *s = &st[i];
        if (!s->n) continue;
        char a[32], r[32], rm[32], sm[32];
        fmt_dur(a, sizeof a, s->acked ? s->ack_sum / s->acked : -1);
        fmt_dur(r, sizeof r, s->resolved ? s->res_sum / s->resolved : -1);
        snprintf(rm, sizeof rm, "%d met/%d missed", s->respond_met, s->respond_missed);
        snprintf(sm, sizeof sm, "%d met/%d missed", s->resolve_met, s->resolve_missed);
        printf("%-4s %9d %6d %9s %16s %9d %9s %16s\n", names[i], s->n, s->acked, a, rm, s->resolved, r, sm);
    }
    printf("\n%-34s %-8s %-9s %s\n", "KPI", "TARGET", "ACTUAL", "");
    for (int i = 0; i < 5; i++) {
        char v[32];
        if (k[i].actual < 0) snprintf(v, sizeof v, "—");
        else if (k[i].share) snprintf(v, sizeof v, "%.0f%%", 100 * k[i].actual);
        else fmt_dur(v, sizeof v, k[i].actual);
        printf("%-34s %-8s %-9s %s%s%s\n", k[i].name, k[i].target, v, verdict(&k[i]), k[i].note ? "  " : "",
               k[i].note ? k[i].note : "");
    }
    (void)xs;
}

static json_t *to_json(int n, int runs, const sev_stats st[NSEV], const kpi k[5], const char *since)
{
    json_t *o = json_pack("{s:i, s:i, s:s?}", "incidents", n, "runs", runs, "since", since);
    json_t *sev = json_array(), *kp = json_array();
    static const char *const names[NSEV] = {"P1", "P2", "P3", "P4", "unknown"};
    for (int i = 0; i < NSEV; i++) {
        const sev_stats *s = &st[i];
        if (!s->n) continue;
        json_t *row = json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:i}", "severity", names[i], "incidents", s->n,
                                "acknowledged", s->acked, "resolved", s->resolved, "respond_met", s->respond_met,
                                "respond_missed", s->respond_missed, "resolve_met", s->resolve_met, "resolve_missed",
                                s->resolve_missed);
        json_object_set_new(row, "mtta_s", s->acked ? json_real(s->ack_sum / s->acked) : json_null());
        json_object_set_new(row, "mttr_s", s->resolved ? json_real(s->res_sum / s->resolved) : json_null());
        json_array_append_new(sev, row);
    }
    for (int i = 0; i < 5; i++) {
        const char *v = verdict(&k[i]);
        json_array_append_new(kp, json_pack("{s:s, s:s, s:o, s:s?}", "name", k[i].name, "target", k[i].target,
                                            "actual", k[i].actual < 0 ? json_null() : json_real(k[i].actual),
                                            "verdict", *v ? v : NULL));
    }
    json_object_set_new(o, "by_severity", sev);
    json_object_set_new(o, "kpis", kp);
    return o;
}

int cmd_stats(int argc, char **argv)
{
    const char *fmt = "text", *db = getenv("RUNBOOK_DB"), *since_s = NULL, *v;
    for (int i = 1; i < argc; i++) {
        int missing = 0;
        if ((v = cli_opt_value(argc, argv, &i, "--format", &missing))) fmt = v;
        else if ((v = cli_opt_value(argc, argv, &i, "--since", &missing))) since_s = v;
        else if ((v = cli_opt_value(argc, argv, &i, "--db", &missing))) db = v;
        else {
            fprintf(stderr, "usage: runbook stats [--since 30d|YYYY-MM-DD|ISO-8601] [--format text|json] [--db PATH]\n");
            return EXIT_USAGE;
        }
    }
    if (strcmp(fmt, "text") != 0 && strcmp(fmt, "json") != 0) {
        fprintf(stderr, "runbook stats: --format takes text or json\n");
        return EXIT_USAGE;
    }
    double since = since_s ? parse_since(since_s) : -1;
    if (since_s && since < 0) {
        fprintf(stderr, "runbook stats: --since takes a duration back from now (30d, 12h) or a date, not '%s'\n",
                since_s);
        return EXIT_USAGE;
    }
    recorder *r = cli_open_db(db);
    if (!r) return EXIT_DB;
    json_t *all = rec_runs_json(r), *run;
    if (!all) {
        fprintf(stderr, "runbook stats: %s\n", rec_error(r));
        rec_close(r);
        return EXIT_DB;
    }
    incident *xs = NULL;
    int n = 0, cap = 0, runs = 0;
    size_t i;
    json_array_foreach(all, i, run) {
        const char *mode = jstr(run, "mode"), *id = jstr(run, "incident");
        if (!id || (mode && (strcmp(mode, "repl") == 0 || strcmp(mode, "test") == 0))) continue;
        if (since >= 0 && jtime(run, "started_at") < since) continue;
        add_run(r, find_or_add(&xs, &n, &cap, id), run);
        runs++;
    }
    sev_stats st[NSEV];
    kpi k[5];
    tally(xs, n, st, clock_now());
    kpis(xs, n, st, k);
    if (strcmp(fmt, "json") == 0) {
        json_t *o = to_json(n, runs, st, k, since_s);
        char *s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (s) puts(s);
        free(s);
        json_decref(o);
    } else {
        print_text(xs, n, runs, st, k, since_s);
    }
    rb_free(xs);
    json_decref(all);
    rec_close(r);
    return EXIT_OK;
}
