/*
 * globals.c — a file's top level: `use` modules, params (--set, run … with, defaults,
 * asked, or served from the record), secrets, lets and fns, in source order.
 *
 * Never: record a secret's value.
 */
#include "interp.h"

ctl load_use(interp *I, ast_file *from, scope *g, const rb_node *u)
{
    module *m = module_load(I->ms, u->str, (int)u->num, from->src.name, NULL);
    if (!m || !m->file || !m->file->root) return rt_error(I, u, "cannot load module '%s'", u->str);
    scope *ms = scope_new(I, NULL);
    const ast_file *saved = I->cur_file;
    I->cur_file = m->file;
    ctl c = define_globals(I, m->file, ms, NULL);
    I->cur_file = saved;
    if (c != CTL_OK) return c;
    const char *alias = u->str2;
    if (!alias) {
        const char *base = strrchr(u->str, '/');
        base = base ? base + 1 : u->str;
        size_t len = strlen(base);
        if (len > 3 && strcmp(base + len - 3, ".rb") == 0) len -= 3;
        alias = arena_strndup(&I->mem, base, len);
    }
    value mv = v_nil();
    mv.t = V_MODULE;
    mv.u.p = ms;
    scope_define(I, g, alias, mv);
    return CTL_OK;
}

/* Convert a --set text to the param's type (declared, or that of its default). */
static ctl param_from_text(interp *I, const rb_node *p, const char *text, value def, value *out)
{
    const char *type = p->str2;
    if (!type) type = def.t == V_NUM ? "number" : def.t == V_BOOL ? "bool" : def.t == V_DUR ? "duration"
                    : def.t == V_SEV ? "severity" : def.t == V_LIST ? "list" : def.t == V_MAP ? "map"
                    : def.t == V_TIME ? "time" : "string";
    if (strcmp(type, "number") == 0 || strcmp(type, "int") == 0) {
        char *end;
        errno = 0;
        double d = strtod(text, &end);
        if (!*text || *end) return rt_error(I, p, "--set %s=%s: expected a number", p->str, text);
        if (errno == ERANGE || !isfinite(d))
            return rt_error(I, p, "--set %s=%s: the number does not fit (numbers are doubles: at most about 1.8e308 "
                            "in size, and not so small that they round to zero)", p->str, text);
        *out = v_num(d);
    } else if (strcmp(type, "bool") == 0) {
        if (strcmp(text, "true") == 0 || strcmp(text, "yes") == 0) *out = v_bool(1);
        else if (strcmp(text, "false") == 0 || strcmp(text, "no") == 0) *out = v_bool(0);
        else return rt_error(I, p, "--set %s=%s: expected true or false", p->str, text);
    } else if (strcmp(type, "duration") == 0) {
        double d = parse_duration(text, strlen(text));
        if (d < 0) return rt_error(I, p, "--set %s=%s: expected a duration like 15m", p->str, text);
        *out = v_dur(d);
    } else if (strcmp(type, "list") == 0 || strcmp(type, "map") == 0) {
        /* JSON ("[\"a\", \"b\"]", "{\"k\": 1}"), or for a list: comma-separated words */
        json_error_t je;
        json_t *j = json_loads(text, JSON_DECODE_ANY, &je);
        int want_list = type[0] == 'l';
        if (j && (want_list ? json_is_array(j) : json_is_object(j))) {
            *out = value_from_json(&I->mem, j);
        } else if (want_list && !j) {
            value l = v_list(&I->mem, 4);
            for (const char *q = text; *q;) {
                size_t n = strcspn(q, ",");
                size_t a = 0, b = n;
                while (a < b && q[a] == ' ') a++;
                while (b > a && q[b - 1] == ' ') b--;
                if (b > a) list_push(&I->mem, l, v_str(&I->mem, q + a, b - a));
                q += n + (q[n] == ',');
            }
            *out = l;
        } else {
            json_decref(j);
            return rt_error(I, p, "--set %s=%s: expected %s", p->str, text,
                            want_list ? "a JSON list or comma-separated items" : "a JSON object");
        }
        json_decref(j);
    } else if (strcmp(type, "time") == 0) {
        double t = clock_parse_iso(text);
        if (t < 0) return rt_error(I, p, "--set %s=%s: expected an ISO-8601 time", p->str, text);
        *out = v_time(t);
    } else if (strcmp(type, "severity") == 0) {
        if (!(text[0] == 'P' && text[1] >= '1' && text[1] <= '4' && !text[2]))
            return rt_error(I, p, "--set %s=%s: expected P1 to P4", p->str, text);
        *out = v_sev(text[1] - '0');
    } else {
        *out = v_cstr(&I->mem, text);
    }
    return CTL_OK;
}

static const char *find_set(interp *I, const char *name)
{
    size_t n = strlen(name);
    for (const char *const *s = I->o->sets; s && *s; s++)
        if (strncmp(*s, name, n) == 0 && (*s)[n] == '=') return *s + n + 1;
    return NULL;
}

ctl define_param(interp *I, scope *g, const rb_node *p, json_t *params, value with)
{
    value def = v_nil(), v;
    ctl c;
    if (p->a && (c = eval(I, g, p->a, &def)) != CTL_OK) return c;
    value *given = with.t == V_MAP ? map_get(with, p->str) : NULL;
    const char *set = with.t == V_MAP ? NULL : find_set(I, p->str);
    const char *type = p->str2 ? p->str2 : def.t != V_NIL && def.t != V_STR ? vtype_name(def.t) : "string";
    if (given && given->t == V_STR && strcmp(type, "string") != 0 && strcmp(type, "any") != 0) {
        /* a typed param given as text (the record keeps "5m", a with-map may say "P2") */
        if ((c = param_from_text(I, p, given->u.s->s, def, &v)) != CTL_OK) return c;
    } else if (given) {
        v = *given;
    } else if (set) {
        if ((c = param_from_text(I, p, set, def, &v)) != CTL_OK) return c;
    } else if (p->a) {
        v = def;
    } else {
        rb_buf q;
        buf_init(&q);
        buf_printf(&q, "Value for param %s", p->str);
        if (p->b) {
            value h;
            if (eval(I, g, p->b, &h) == CTL_OK) buf_printf(&q, " (%s)", shown(I, h));
        }
        prompt_req r = {PK_ASK, arena_strdup(&I->mem, buf_cstr(&q)), p->str, NULL, NULL, 0, 0, NULL};
        buf_free(&q);
        const char *a;
        if ((c = ask_responder(I, p, &r, &a)) != CTL_OK) return c;
        if ((c = param_from_text(I, p, a, def, &v)) != CTL_OK) return c;
    }
    scope_define(I, g, p->str, v);
    if (params) json_object_set_new(params, p->str, value_to_json(v, 1));
    return CTL_OK;
}

void mark_secret(interp *I, value *v)
{
    value_mark_secret(v);
    secret_note(I, *v);
}

/* `secret x = env("X")` with X unset or empty and no default: an error at start, not nil. */
static ctl secret_unset(interp *I, const rb_node *d, value v)
{
    const rb_node *e = d->a;
    if (v.t != V_NIL || I->o->verify || !e || e->kind != N_CALL || !e->a || e->a->kind != N_IDENT ||
        strcmp(e->a->str, "env") != 0 || !e->b || e->b->next || e->b->kind == N_NAMEDARG)
        return CTL_OK;
    const char *var = e->b->kind == N_STR ? e->b->str : "the variable";
    return rt_error(I, d, "secret %s: the environment variable %s is not set (export it, or give a default: "
                          "env(\"%s\", \"…\"))", d->str, var, var);
}

/* Evaluate a file's top-level use/param/secret/let/fn in order into g. */
/*
 * Evaluate a file's top level in source order: use, param, secret and let (functions
 * first, as they are visible everywhere in their file).  A let may read a param declared
 * above it.  pc is NULL for a module (modules have no params).
 */
ctl define_globals(interp *I, ast_file *f, scope *g, param_ctx *pc)
{
    ctl c;
    g->file = f;
    for (const rb_node *d = f->root->a; d; d = d->next) {
        if (d->kind != N_FN) continue;
        value fv = v_nil();
        fv.t = V_FN;
        fv.u.fn = d;
        fv.env = g;
        scope_define(I, g, d->str, fv);
    }
    for (const rb_node *d = f->root->a; d; d = d->next) {
        value v;
        switch (d->kind) {
        case N_USE:
            if ((c = load_use(I, f, g, d)) != CTL_OK) return c;
            break;
        case N_PARAM: {
            if (!pc) break;
            /* Replaying: a param that was asked is asked (and served) again; the rest as stored. */
            json_t *nx = rec_next(I);
            int asked = nx && strcmp(ev_str(nx, "kind"), "prompt") == 0 &&
                        strcmp(ev_str(json_object_get(nx, "data"), "key"), d->str) == 0;
            value from = pc->stored.t == V_MAP && !asked ? pc->stored : pc->with;
            if ((c = define_param(I, g, d, pc->params, from)) != CTL_OK) return c;
            break;
        }
        case N_SECRET:
            if ((c = eval(I, g, d->a, &v)) != CTL_OK) return c;
            if ((c = secret_unset(I, d, v)) != CTL_OK) return c;
            mark_secret(I, &v);
            scope_define(I, g, d->str, v);
            break;
        case N_LET:
            if ((c = eval(I, g, d->a, &v)) != CTL_OK) return c;
            scope_define(I, g, d->str, v);
            break;
        default:
            break;
        }
    }
    return CTL_OK;
}
