/*
 * stdfn.c — pure builtin functions: strings, lists, maps, numbers, durations, JSON.
 *
 * Each function checks its arguments and reports misuse as a message (the evaluator turns
 * it into a located runtime error).  A secret input makes a derived value secret too
 * (derive_secret); the evaluator registers the derived text for scrubbing.
 * Never: I/O, prompts, or anything that depends on the run's state.
 */
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "value.h"
#include "stdfn.h"

typedef struct call {
    arena *a;
    const char *name;
    const value *p;
    int n;
    rb_buf *err;
} call;

static int fail(call *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(call *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_printf(c->err, "%s(): ", c->name);
    buf_vprintf(c->err, fmt, ap);
    va_end(ap);
    return -1;
}

static int want(call *c, int min, int max)
{
    if (c->n < min || (max >= 0 && c->n > max)) {
        if (min == max) return fail(c, "takes %d argument%s, not %d", min, min == 1 ? "" : "s", c->n);
        return fail(c, "takes %d to %d arguments, not %d", min, max, c->n);
    }
    return 0;
}

static int want_type(call *c, int i, vtype t)
{
    if (c->p[i].t != t)
        return fail(c, "argument %d must be a %s, not a %s", i + 1, vtype_name(t), vtype_name(c->p[i].t));
    return 0;
}

static value text_of(call *c, value v)
{
    if (v.t == V_STR) return v;
    rb_buf b;
    buf_init(&b);
    value_text(&b, v);
    value s = v_str(c->a, buf_cstr(&b), b.len);
    s.secret = v.secret;
    buf_free(&b);
    return s;
}

static value derived(call *c, const char *s, size_t n, int secret)
{
    value v = v_str(c->a, s, n);
    v.secret = secret;
    return v;
}

static int str_fns(call *c, value *out)
{
    const char *nm = c->name;
    if (strcmp(nm, "trim") == 0 || strcmp(nm, "upper") == 0 || strcmp(nm, "lower") == 0) {
        if (want(c, 1, 1) || want_type(c, 0, V_STR)) return -1;
        const char *s = c->p[0].u.s->s;
        size_t n = c->p[0].u.s->len, st = 0;
        if (nm[0] == 't') {
            while (st < n && (s[st] == ' ' || s[st] == '\t' || s[st] == '\n' || s[st] == '\r')) st++;
            while (n > st && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r')) n--;
            *out = derived(c, s + st, n - st, c->p[0].secret);
            return 0;
        }
        *out = derived(c, s, n, c->p[0].secret);
        char *w = (char *)out->u.s->s;
        for (size_t i = 0; i < n; i++)
            if (nm[0] == 'u' ? (w[i] >= 'a' && w[i] <= 'z') : (w[i] >= 'A' && w[i] <= 'Z')) w[i] ^= 0x20;
        return 0;
    }
    if (strcmp(nm, "split") == 0) {
        if (want(c, 1, 2) || want_type(c, 0, V_STR) || (c->n == 2 && want_type(c, 1, V_STR))) return -1;
        const char *s = c->p[0].u.s->s, *sep = c->n == 2 ? c->p[1].u.s->s : NULL;
        value l = v_list(c->a, 4);
        if (!sep) {
            /* no separator: the words, split on runs of white space */
            for (;;) {
                while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') s++;
                if (!*s) break;
                size_t n = strcspn(s, " \t\n\r");
                list_push(c->a, l, derived(c, s, n, c->p[0].secret));
                s += n;
            }
            *out = l;
            return 0;
        }
        size_t sl = strlen(sep);
        if (sl == 0) return fail(c, "the separator cannot be empty");
        for (;;) {
            const char *e = strstr(s, sep);
            size_t n = e ? (size_t)(e - s) : strlen(s);
            list_push(c->a, l, derived(c, s, n, c->p[0].secret));
            if (!e) break;
            s = e + sl;
        }
        *out = l;
        return 0;
    }
    if (strcmp(nm, "join") == 0) {
        if (want(c, 1, 2) || want_type(c, 0, V_LIST) || (c->n == 2 && want_type(c, 1, V_STR))) return -1;
        rb_buf b;
        buf_init(&b);
        int secret = 0;
        for (int i = 0; i < c->p[0].u.l->n; i++) {
            if (i && c->n == 2) buf_adds(&b, c->p[1].u.s->s);
            value_text(&b, c->p[0].u.l->items[i]);
            secret |= c->p[0].u.l->items[i].secret;
        }
        *out = derived(c, buf_cstr(&b), b.len, secret);
        buf_free(&b);
        return 0;
    }
    if (strcmp(nm, "replace") == 0) {
        if (want(c, 3, 3) || want_type(c, 0, V_STR) || want_type(c, 1, V_STR) || want_type(c, 2, V_STR)) return -1;
        const char *s = c->p[0].u.s->s, *from = c->p[1].u.s->s, *to = c->p[2].u.s->s;
        size_t fl = strlen(from);
        if (fl == 0) return fail(c, "cannot replace an empty string");
        rb_buf b;
        buf_init(&b);
        for (const char *e; (e = strstr(s, from)); s = e + fl) {
            buf_addn(&b, s, (size_t)(e - s));
            buf_adds(&b, to);
        }
        buf_adds(&b, s);
        *out = derived(c, buf_cstr(&b), b.len, c->p[0].secret || c->p[2].secret);
        buf_free(&b);
        return 0;
    }
    if (strcmp(nm, "starts_with") == 0 || strcmp(nm, "ends_with") == 0) {
        if (want(c, 2, 2) || want_type(c, 0, V_STR) || want_type(c, 1, V_STR)) return -1;
        size_t n = c->p[0].u.s->len, m = c->p[1].u.s->len;
        const char *s = c->p[0].u.s->s, *x = c->p[1].u.s->s;
        *out = v_bool(m <= n && memcmp(nm[0] == 's' ? s : s + n - m, x, m) == 0);
        return 0;
    }
    if (strcmp(nm, "matches") == 0) {
        if (want(c, 2, 2) || want_type(c, 0, V_STR) || want_type(c, 1, V_STR)) return -1;
        regex_t re;
        if (regcomp(&re, c->p[1].u.s->s, REG_EXTENDED | REG_NOSUB) != 0)
            return fail(c, "/%s/ is not a valid regular expression", c->p[1].u.s->s);
        *out = v_bool(regexec(&re, c->p[0].u.s->s, 0, NULL, 0) == 0);
        regfree(&re);
        return 0;
    }
    if (strcmp(nm, "url_encode") == 0) {
        if (want(c, 1, 1)) return -1;
        value s = text_of(c, c->p[0]);
        rb_buf b;
        buf_init(&b);
        for (size_t i = 0; i < s.u.s->len; i++) {
            unsigned char ch = (unsigned char)s.u.s->s[i];
            if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || strchr("-._~", ch))
                buf_addc(&b, (char)ch);
            else
                buf_printf(&b, "%%%02X", ch);
        }
        *out = derived(c, buf_cstr(&b), b.len, s.secret);
        buf_free(&b);
        return 0;
    }
    return 1;
}

static int collection_fns(call *c, value *out)
{
    const char *nm = c->name;
    if (strcmp(nm, "len") == 0) {
        if (want(c, 1, 1)) return -1;
        value v = c->p[0];
        if (v.t == V_STR) {
            size_t chars = 0;   /* characters (UTF-8 code points), not bytes */
            for (size_t i = 0; i < v.u.s->len; i++) chars += ((unsigned char)v.u.s->s[i] & 0xC0) != 0x80;
            *out = v_num((double)chars);
        }
        else if (v.t == V_LIST) *out = v_num(v.u.l->n);
        else if (v.t == V_MAP) *out = v_num(v.u.m->n);
        else return fail(c, "needs a string, list or map, not a %s", vtype_name(v.t));
        return 0;
    }
    if (strcmp(nm, "keys") == 0 || strcmp(nm, "values") == 0) {
        if (want(c, 1, 1) || want_type(c, 0, V_MAP)) return -1;
        vmap *m = c->p[0].u.m;
        value l = v_list(c->a, m->n);
        for (int i = 0; i < m->n; i++)
            list_push(c->a, l, nm[0] == 'k' ? v_cstr(c->a, m->items[i].key->s) : m->items[i].v);
        *out = l;
        return 0;
    }
    if (strcmp(nm, "contains") == 0) {
        if (want(c, 2, 2)) return -1;
        value h = c->p[0], x = c->p[1];
        if (h.t == V_STR && x.t == V_STR) *out = v_bool(strstr(h.u.s->s, x.u.s->s) != NULL);
        else if (h.t == V_MAP && x.t == V_STR) *out = v_bool(map_get(h, x.u.s->s) != NULL);
        else if (h.t == V_LIST) {
            int f = 0;
            for (int i = 0; i < h.u.l->n && !f; i++) f = value_equal(h.u.l->items[i], x);
            *out = v_bool(f);
        } else return fail(c, "needs a string, list or map first, not a %s", vtype_name(h.t));
        return 0;
    }
    if (strcmp(nm, "push") == 0) {
        if (want(c, 2, 2) || want_type(c, 0, V_LIST)) return -1;
        list_push(c->a, c->p[0], c->p[1]);
        *out = c->p[0];
        return 0;
    }
    if (strcmp(nm, "range") == 0) {
        if (want(c, 1, 2) || want_type(c, 0, V_NUM) || (c->n == 2 && want_type(c, 1, V_NUM))) return -1;
        double from = c->n == 2 ? c->p[0].u.n : 0, to = c->n == 2 ? c->p[1].u.n : c->p[0].u.n;
        if (to - from > 1e6) return fail(c, "range too large");
        value l = v_list(c->a, 8);
        for (double i = from; i < to; i++) list_push(c->a, l, v_num(i));
        *out = l;
        return 0;
    }
    if (strcmp(nm, "sort") == 0) {
        if (want(c, 1, 1) || want_type(c, 0, V_LIST)) return -1;
        vlist *src = c->p[0].u.l;
        value l = v_list(c->a, src->n);
        for (int i = 0; i < src->n; i++) {
            /* insertion sort: lists in runbooks are short */
            int j = l.u.l->n, cmp = 0;
            list_push(c->a, l, src->items[i]);
            while (j > 0 && value_compare(l.u.l->items[j - 1], l.u.l->items[j], &cmp) == 0 && cmp > 0) {
                value t = l.u.l->items[j - 1];
                l.u.l->items[j - 1] = l.u.l->items[j];
                l.u.l->items[j] = t;
                j--;
            }
        }
        *out = l;
        return 0;
    }
    return 1;
}

static int num_fns(call *c, value *out)
{
    const char *nm = c->name;
    if (strcmp(nm, "min") == 0 || strcmp(nm, "max") == 0) {
        if (want(c, 1, -1)) return -1;
        const value *items = c->p;
        int n = c->n;
        if (n == 1 && c->p[0].t == V_LIST) {
            items = c->p[0].u.l->items;
            n = c->p[0].u.l->n;
        }
        if (n == 0) return fail(c, "needs at least one value");
        value best = items[0];
        for (int i = 1; i < n; i++) {
            int cmp;
            if (value_compare(items[i], best, &cmp) != 0) return fail(c, "values must be of one comparable type");
            if (nm[1] == 'i' ? cmp < 0 : cmp > 0) best = items[i];
        }
        *out = best;
        return 0;
    }
    if (strcmp(nm, "abs") == 0 || strcmp(nm, "round") == 0) {
        if (want(c, 1, 1)) return -1;
        if (c->p[0].t != V_NUM && c->p[0].t != V_DUR) return fail(c, "needs a number or a duration");
        *out = c->p[0];
        out->u.n = nm[0] == 'a' ? fabs(c->p[0].u.n) : round(c->p[0].u.n);
        return 0;
    }
    if (strcmp(nm, "num") == 0 || strcmp(nm, "int") == 0) {
        if (want(c, 1, 1)) return -1;
        value v = c->p[0];
        double d;
        if (v.t == V_NUM || v.t == V_DUR || v.t == V_TIME || v.t == V_SEV) d = v.u.n;
        else if (v.t == V_BOOL) d = v.u.b;
        else if (v.t == V_STR) {
            char *end;
            d = strtod(v.u.s->s, &end);
            while (*end == ' ' || *end == '\n') end++;
            if (end == v.u.s->s || *end) {
                *out = v_nil();
                return 0;
            }
        } else return fail(c, "cannot convert a %s to a number", vtype_name(v.t));
        *out = v_num(nm[0] == 'i' ? trunc(d) : d);
        return 0;
    }
    if (strcmp(nm, "seconds") == 0 || strcmp(nm, "minutes") == 0 || strcmp(nm, "hours") == 0) {
        if (want(c, 1, 1) || want_type(c, 0, V_NUM)) return -1;
        *out = v_dur(c->p[0].u.n * (nm[0] == 's' ? 1 : nm[0] == 'm' ? 60 : 3600));
        return 0;
    }
    if (strcmp(nm, "duration") == 0) {
        if (want(c, 1, 1)) return -1;
        if (c->p[0].t == V_DUR) *out = c->p[0];
        else if (c->p[0].t == V_NUM) *out = v_dur(c->p[0].u.n);
        else if (c->p[0].t == V_STR) {
            double d = parse_duration(c->p[0].u.s->s, c->p[0].u.s->len);
            *out = d < 0 ? v_nil() : v_dur(d);
        } else return fail(c, "cannot convert a %s to a duration", vtype_name(c->p[0].t));
        return 0;
    }
    if (strcmp(nm, "time") == 0) {
        if (want(c, 1, 1)) return -1;
        if (c->p[0].t == V_TIME) *out = c->p[0];
        else if (c->p[0].t == V_NUM) *out = v_time(c->p[0].u.n);
        else if (c->p[0].t == V_STR) {
            double t = clock_parse_iso(c->p[0].u.s->s);
            *out = t < 0 ? v_nil() : v_time(t);
        } else return fail(c, "cannot convert a %s to a time", vtype_name(c->p[0].t));
        return 0;
    }
    if (strcmp(nm, "format_duration") == 0) {
        if (want(c, 1, 1)) return -1;
        if (c->p[0].t != V_DUR && c->p[0].t != V_NUM) return fail(c, "needs a duration");
        rb_buf b;
        buf_init(&b);
        dur_show(&b, c->p[0].u.n);
        *out = v_str(c->a, buf_cstr(&b), b.len);
        buf_free(&b);
        return 0;
    }
    return 1;
}

static int misc_fns(call *c, value *out)
{
    const char *nm = c->name;
    if (strcmp(nm, "str") == 0) {
        if (want(c, 1, 1)) return -1;
        *out = text_of(c, c->p[0]);
        return 0;
    }
    if (strcmp(nm, "type") == 0) {
        if (want(c, 1, 1)) return -1;
        *out = v_cstr(c->a, vtype_name(c->p[0].t));
        return 0;
    }
    if (strcmp(nm, "to_json") == 0) {
        if (want(c, 1, 1)) return -1;
        json_t *j = value_to_json(c->p[0], 0);
        char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
        json_decref(j);
        if (!s) return fail(c, "cannot encode this value");
        *out = derived(c, s, strlen(s), value_has_secret(c->p[0]));
        free(s);
        return 0;
    }
    if (strcmp(nm, "from_json") == 0) {
        if (want(c, 1, 1) || want_type(c, 0, V_STR)) return -1;
        json_error_t e;
        json_t *j = json_loadb(c->p[0].u.s->s, c->p[0].u.s->len, JSON_DECODE_ANY, &e);
        if (!j) {
            *out = v_nil();
            return 0;
        }
        *out = value_from_json(c->a, j);
        json_decref(j);
        return 0;
    }
    return 1;
}

/*
 * A result made from a secret is secret, at any depth: strings and containers derived from
 * an argument that holds a secret anywhere.  Functions that hand back items (values, sort,
 * min, max) keep the items' own flags, and are secret as a whole when the container is;
 * keys are secret only when their map is.  push returns its (caller's) list unchanged.
 */
static void derive_secret(call *c, value *out)
{
    const char *nm = c->name;
    if ((out->t != V_STR && out->t != V_LIST && out->t != V_MAP) || out->secret) return;
    if (strcmp(nm, "push") == 0 || strcmp(nm, "type") == 0 || strcmp(nm, "range") == 0) return;
    int secret = 0;
    if (strcmp(nm, "keys") == 0 || strcmp(nm, "values") == 0 || strcmp(nm, "sort") == 0 || strcmp(nm, "min") == 0 ||
        strcmp(nm, "max") == 0) {
        secret = c->n > 0 && c->p[0].secret;
    } else {
        for (int i = 0; i < c->n && !secret; i++) secret = value_has_secret(c->p[i]);
    }
    if (secret) value_mark_secret(out);
}

int stdfn_call(arena *a, const char *name, const value *pos, int npos, const char *const *names,
               const value *named, int nnamed, value *out, rb_buf *err)
{
    (void)names;
    (void)named;
    call c = {a, name, pos, npos, err};
    if (nnamed > 0) return fail(&c, "takes no named arguments");
    int (*const groups[])(call *, value *) = {str_fns, collection_fns, num_fns, misc_fns};
    for (size_t i = 0; i < sizeof groups / sizeof *groups; i++) {
        int r = groups[i](&c, out);
        if (r == 0) derive_secret(&c, out);
        if (r <= 0) return r;
    }
    buf_printf(err, "%s() is not available in this build", name);
    return -1;
}
