/*
 * value.c — constructing, comparing, showing and converting runtime values.
 *
 * Owns the rules the language's operators rely on (truthiness: only nil and false are
 * false; equality is structural; ordering is defined within numbers, strings, durations,
 * times and severities) and every rendering of a value, including redaction of secrets.
 * Never: perform I/O or evaluate code.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "clock.h"
#include "value.h"

value v_str(arena *a, const char *s, size_t n)
{
    vstr *p = arena_alloc(a, sizeof *p + n + 1);
    p->len = n;
    if (n) memcpy(p->s, s, n);
    p->s[n] = '\0';
    value v = {0};
    v.t = V_STR;
    v.u.s = p;
    return v;
}

value v_cstr(arena *a, const char *s) { return v_str(a, s, strlen(s)); }

value v_list(arena *a, int cap)
{
    vlist *l = arena_alloc(a, sizeof *l);
    l->cap = cap > 0 ? cap : 4;
    l->items = arena_alloc(a, (size_t)l->cap * sizeof *l->items);
    value v = {0};
    v.t = V_LIST;
    v.u.l = l;
    return v;
}

value v_map(arena *a, int cap)
{
    vmap *m = arena_alloc(a, sizeof *m);
    m->cap = cap > 0 ? cap : 4;
    m->items = arena_alloc(a, (size_t)m->cap * sizeof *m->items);
    value v = {0};
    v.t = V_MAP;
    v.u.m = m;
    return v;
}

void list_push(arena *a, value list, value item)
{
    vlist *l = list.u.l;
    l->items = arena_grow(a, l->items, l->n, &l->cap, sizeof *l->items, 4);
    l->items[l->n++] = item;
}

value *map_get(value map, const char *key)
{
    vmap *m = map.u.m;
    for (int i = 0; i < m->n; i++)
        if (strcmp(m->items[i].key->s, key) == 0) return &m->items[i].v;
    return NULL;
}

void map_set(arena *a, value map, const char *key, value v)
{
    value *slot = map_get(map, key);
    if (slot) {
        *slot = v;
        return;
    }
    vmap *m = map.u.m;
    m->items = arena_grow(a, m->items, m->n, &m->cap, sizeof *m->items, 4);
    m->items[m->n].key = v_cstr(a, key).u.s;
    m->items[m->n].v = v;
    m->n++;
}

const char *vtype_name(vtype t)
{
    static const char *const names[] = {"nil", "bool", "number", "string", "duration", "time", "severity",
                                        "list", "map", "function", "function", "module", "incident"};
    return t <= V_INCIDENT ? names[t] : "?";
}

int value_truthy(value v)
{
    return !(v.t == V_NIL || (v.t == V_BOOL && !v.u.b));
}

int value_equal(value a, value b)
{
    if (a.t != b.t) return 0;
    switch (a.t) {
    case V_NIL: return 1;
    case V_BOOL: return a.u.b == b.u.b;
    case V_NUM: case V_DUR: case V_TIME: case V_SEV: return a.u.n == b.u.n;
    case V_STR: return a.u.s->len == b.u.s->len && memcmp(a.u.s->s, b.u.s->s, a.u.s->len) == 0;
    case V_LIST:
        if (a.u.l->n != b.u.l->n) return 0;
        for (int i = 0; i < a.u.l->n; i++)
            if (!value_equal(a.u.l->items[i], b.u.l->items[i])) return 0;
        return 1;
    case V_MAP:
        if (a.u.m->n != b.u.m->n) return 0;
        for (int i = 0; i < a.u.m->n; i++) {
            value *o = map_get(b, a.u.m->items[i].key->s);
            if (!o || !value_equal(a.u.m->items[i].v, *o)) return 0;
        }
        return 1;
    case V_FN: return a.u.fn == b.u.fn;
    case V_BUILTIN: return strcmp(a.u.bi, b.u.bi) == 0;
    case V_MODULE: case V_INCIDENT: return a.u.p == b.u.p;
    }
    return 0;
}

int value_compare(value a, value b, int *cmp)
{
    if (a.t != b.t) return -1;
    switch (a.t) {
    case V_NUM: case V_DUR: case V_TIME: case V_SEV:
        *cmp = a.u.n < b.u.n ? -1 : a.u.n > b.u.n;
        return 0;
    case V_STR: {
        size_t n = a.u.s->len < b.u.s->len ? a.u.s->len : b.u.s->len;
        int c = memcmp(a.u.s->s, b.u.s->s, n);
        *cmp = c ? (c < 0 ? -1 : 1) : (a.u.s->len < b.u.s->len ? -1 : a.u.s->len > b.u.s->len);
        return 0;
    }
    default:
        return -1;
    }
}

void dur_show(rb_buf *out, double secs)
{
    if (secs < 0) {
        buf_addc(out, '-');
        secs = -secs;
    }
    if (secs == 0) {
        buf_adds(out, "0s");
        return;
    }
    /* whole milliseconds first, so 2.9999s shows as 3s, never 2s1000ms */
    long long total = llround(secs * 1000);
    if (total == 0) {
        buf_adds(out, "0s");
        return;
    }
    long long s = total / 1000, ms = total % 1000;
    long long d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60, r = s % 60;
    if (d) buf_printf(out, "%lldd", d);
    if (h) buf_printf(out, "%lldh", h);
    if (m) buf_printf(out, "%lldm", m);
    if (r) buf_printf(out, "%llds", r);
    if (ms) buf_printf(out, "%lldms", ms);
}

static void num_show(rb_buf *out, double n)
{
    if (isnan(n)) buf_adds(out, "nan");
    else if (n == floor(n) && fabs(n) < 1e15 && (n != 0 || !signbit(n))) buf_printf(out, "%lld", (long long)n);
    else if (n == floor(n) && fabs(n) < 1e15) buf_adds(out, "-0");
    else buf_printf(out, "%.15g", n);
}

static void show(rb_buf *out, value v, int redact, int nested)
{
    if (redact && v.secret) {
        buf_adds(out, REDACTED);
        return;
    }
    switch (v.t) {
    case V_NIL: buf_adds(out, nested ? "nil" : ""); break;
    case V_BOOL: buf_adds(out, v.u.b ? "true" : "false"); break;
    case V_NUM: num_show(out, v.u.n); break;
    case V_DUR: dur_show(out, v.u.n); break;
    case V_SEV: buf_printf(out, "P%d", (int)v.u.n); break;
    case V_TIME: {
        char b[40];
        clock_iso(v.u.n, b, sizeof b);
        buf_adds(out, b);
        break;
    }
    case V_STR:
        if (nested) buf_addc(out, '"');
        buf_addn(out, v.u.s->s, v.u.s->len);
        if (nested) buf_addc(out, '"');
        break;
    case V_LIST:
        buf_addc(out, '[');
        for (int i = 0; i < v.u.l->n; i++) {
            if (i) buf_adds(out, ", ");
            show(out, v.u.l->items[i], redact, 1);
        }
        buf_addc(out, ']');
        break;
    case V_MAP:
        buf_addc(out, '{');
        for (int i = 0; i < v.u.m->n; i++) {
            if (i) buf_adds(out, ", ");
            buf_printf(out, "%s: ", v.u.m->items[i].key->s);
            show(out, v.u.m->items[i].v, redact, 1);
        }
        buf_addc(out, '}');
        break;
    case V_FN: buf_printf(out, "<fn %s>", v.u.fn->str); break;
    case V_BUILTIN: buf_printf(out, "<builtin %s>", v.u.bi); break;
    case V_MODULE: buf_adds(out, "<module>"); break;
    case V_INCIDENT: buf_adds(out, "<incident>"); break;
    }
}

void value_show(rb_buf *out, value v) { show(out, v, 1, 0); }
void value_text(rb_buf *out, value v) { show(out, v, 0, 0); }

int value_has_secret(value v)
{
    if (v.secret) return 1;
    if (v.t == V_LIST)
        for (int i = 0; i < v.u.l->n; i++)
            if (value_has_secret(v.u.l->items[i])) return 1;
    if (v.t == V_MAP)
        for (int i = 0; i < v.u.m->n; i++)
            if (value_has_secret(v.u.m->items[i].v)) return 1;
    return 0;
}

void value_mark_secret(value *v)
{
    v->secret = 1;
    if (v->t == V_LIST)
        for (int i = 0; i < v->u.l->n; i++) value_mark_secret(&v->u.l->items[i]);
    if (v->t == V_MAP)
        for (int i = 0; i < v->u.m->n; i++) value_mark_secret(&v->u.m->items[i].v);
}

json_t *value_to_json(value v, int redact)
{
    if (redact && v.secret) return json_string(REDACTED);
    switch (v.t) {
    case V_NIL: return json_null();
    case V_BOOL: return json_boolean(v.u.b);
    case V_NUM:
        if (v.u.n == floor(v.u.n) && fabs(v.u.n) < 9e15) return json_integer((json_int_t)v.u.n);
        return isfinite(v.u.n) ? json_real(v.u.n) : json_null();
    case V_STR: return json_stringn_nocheck(v.u.s->s, v.u.s->len);
    case V_LIST: {
        json_t *a = json_array();
        for (int i = 0; i < v.u.l->n; i++) json_array_append_new(a, value_to_json(v.u.l->items[i], redact));
        return a;
    }
    case V_MAP: {
        json_t *o = json_object();
        for (int i = 0; i < v.u.m->n; i++)
            json_object_set_new(o, v.u.m->items[i].key->s, value_to_json(v.u.m->items[i].v, redact));
        return o;
    }
    default: {
        rb_buf b;
        buf_init(&b);
        show(&b, v, redact, 0);
        json_t *s = json_stringn_nocheck(buf_cstr(&b), b.len);
        buf_free(&b);
        return s;
    }
    }
}

value value_from_json(arena *a, const json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_OBJECT: {
        value m = v_map(a, (int)json_object_size(j));
        const char *k;
        json_t *x;
        json_object_foreach((json_t *)j, k, x) map_set(a, m, k, value_from_json(a, x));
        return m;
    }
    case JSON_ARRAY: {
        value l = v_list(a, (int)json_array_size(j));
        size_t i;
        json_t *x;
        json_array_foreach(j, i, x) list_push(a, l, value_from_json(a, x));
        return l;
    }
    case JSON_STRING: return v_str(a, json_string_value(j), json_string_length(j));
    case JSON_INTEGER: return v_num((double)json_integer_value(j));
    case JSON_REAL: return v_num(json_real_value(j));
    case JSON_TRUE: return v_bool(1);
    case JSON_FALSE: return v_bool(0);
    default: return v_nil();
    }
}

/* A duration literal ("1h30m", "250ms", "20m"): units in strictly decreasing order. */
double parse_duration(const char *s, size_t n)
{
    /* Units in strictly decreasing order: d h m s ms. */
    static const struct { const char *u; double secs; } units[] = {
        {"d", 86400}, {"h", 3600}, {"m", 60}, {"s", 1}, {"ms", 0.001},
    };
    double total = 0;
    int last = -1;
    size_t i = 0;
    if (n == 0) return -1;
    while (i < n) {
        if (s[i] < '0' || s[i] > '9') return -1;
        double v = 0;
        while (i < n && s[i] >= '0' && s[i] <= '9') v = v * 10 + (s[i++] - '0');
        if (i < n && s[i] == '.') {
            double f = 0.1;
            i++;
            if (i >= n || s[i] < '0' || s[i] > '9') return -1;
            while (i < n && s[i] >= '0' && s[i] <= '9') { v += (s[i++] - '0') * f; f /= 10; }
        }
        size_t j = i;
        while (j < n && ((s[j] >= 'a' && s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z'))) j++;
        int u = -1;
        for (int k = 0; k < 5; k++)
            if (strlen(units[k].u) == j - i && strncmp(s + i, units[k].u, j - i) == 0) u = k;
        if (u < 0 || u <= last) return -1;
        last = u;
        total += v * units[u].secs;
        i = j;
    }
    if (total > 1e12) return -1;
    return total;
}
