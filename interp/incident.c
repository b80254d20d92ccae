/*
 * incident.c — the incident object: its fields, state changes, acknowledge and resolve.
 *
 * Never: change a field without recording a state change.
 */
#include "interp.h"

static const char *const STATUSES[] = {"investigating", "identified", "monitoring", "resolved", NULL};

ctl incident_get(interp *I, const char *f, const rb_node *at, value *out)
{
    incident_state *s = &I->inc;
    arena *m = &I->mem;
    if (strcmp(f, "id") == 0) *out = v_cstr(m, s->id);
    else if (strcmp(f, "title") == 0) *out = v_cstr(m, s->title);
    else if (strcmp(f, "severity") == 0) *out = s->severity;
    else if (strcmp(f, "status") == 0) *out = v_cstr(m, s->status);
    else if (strcmp(f, "commander") == 0) *out = s->commander ? v_cstr(m, s->commander) : v_nil();
    else if (strcmp(f, "roles") == 0) *out = s->roles;
    else if (strcmp(f, "started_at") == 0) *out = v_time(s->started_at);
    else if (strcmp(f, "acknowledged_at") == 0) *out = s->acknowledged_at < 0 ? v_nil() : v_time(s->acknowledged_at);
    else if (strcmp(f, "resolved_at") == 0) *out = s->resolved_at < 0 ? v_nil() : v_time(s->resolved_at);
    else if (strcmp(f, "elapsed") == 0) *out = v_dur(floor(clock_now() - s->started_at));
    else if (strcmp(f, "acknowledged") == 0) *out = v_bool(s->acknowledged_at >= 0);
    else if (strcmp(f, "resolved") == 0) *out = v_bool(s->resolved_at >= 0);
    else return rt_error(I, at, "the incident has no field '%s'", f);
    return CTL_OK;
}

/* Record a state change of the incident. */
ctl state_change(interp *I, const char *field, value from, value to)
{
    if (value_equal(from, to)) return CTL_OK;   /* nothing changed: nothing to record */
    rb_buf a, b, t;
    buf_init(&a);
    buf_init(&b);
    buf_init(&t);
    value_show(&a, from);
    value_show(&b, to);
    buf_printf(&t, "%s: %s → %s", field, a.len ? buf_cstr(&a) : "(none)", buf_cstr(&b));
    say(I, "  * %s", buf_cstr(&t));
    json_t *d = json_pack("{s:s, s:o, s:o}", "field", field, "from", value_to_json(from, 1), "to", value_to_json(to, 1));
    ctl c = emit(I, "state", buf_cstr(&t), d);
    buf_free(&a);
    buf_free(&b);
    buf_free(&t);
    return c;
}

ctl incident_set(interp *I, const char *f, value v, const rb_node *at)
{
    incident_state *s = &I->inc;
    value old;
    incident_get(I, f, at, &old);
    if (strcmp(f, "severity") == 0) {
        if (v.t != V_SEV || v.u.n < 1 || v.u.n > 4) return rt_error(I, at, "incident.severity takes P1 to P4");
        s->severity = v;
        char sev[8];
        snprintf(sev, sizeof sev, "P%d", (int)v.u.n);
        if (!I->o->verify && rec_run_update(I->rec, I->run_id, sev, NULL, -1, -1) != 0) {
            I->exit_code = 3;
            return CTL_STOP;
        }
    } else if (strcmp(f, "status") == 0) {
        int ok = 0;
        for (int i = 0; v.t == V_STR && STATUSES[i]; i++) ok |= strcmp(v.u.s->s, STATUSES[i]) == 0;
        if (!ok) return rt_error(I, at, "incident.status is one of investigating, identified, monitoring, resolved");
        s->status = v.u.s->s;
    } else if (strcmp(f, "commander") == 0) {
        if (v.t != V_STR && v.t != V_NIL) return rt_error(I, at, "incident.commander takes a name");
        s->commander = v.t == V_STR ? v.u.s->s : NULL;
    } else if (strcmp(f, "title") == 0) {
        if (v.t != V_STR) return rt_error(I, at, "incident.title takes a string");
        s->title = v.u.s->s;
    } else {
        return rt_error(I, at, "incident.%s cannot be assigned", f);
    }
    return state_change(I, f, old, v);
}

ctl do_acknowledge(interp *I)
{
    if (I->inc.acknowledged_at >= 0) return CTL_OK;
    I->inc.acknowledged_at = clock_now();
    if (!I->o->verify && rec_run_update(I->rec, I->run_id, NULL, NULL, I->inc.acknowledged_at, -1) != 0) {
        I->exit_code = 3;
        return CTL_STOP;
    }
    return state_change(I, "acknowledged", v_bool(0), v_bool(1));
}

ctl do_resolve(interp *I, const char *summary)
{
    if (I->inc.resolved_at >= 0) return CTL_OK;
    ctl c = do_acknowledge(I);
    if (c != CTL_OK) return c;
    I->inc.resolved_at = clock_now();
    value old = v_cstr(&I->mem, I->inc.status);
    I->inc.status = "resolved";
    if (!I->o->verify && rec_run_update(I->rec, I->run_id, NULL, NULL, -1, I->inc.resolved_at) != 0) {
        I->exit_code = 3;
        return CTL_STOP;
    }
    if ((c = state_change(I, "status", old, v_cstr(&I->mem, "resolved"))) != CTL_OK) return c;
    if ((c = state_change(I, "resolved", v_bool(0), v_bool(1))) != CTL_OK) return c;
    if (summary && *summary) {
        say(I, "  * resolved: %s", summary);
        c = emit(I, "timeline", summary, json_pack("{s:s}", "text", summary));
    }
    return c;
}
