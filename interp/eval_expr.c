/*
 * eval_expr.c — expressions: scopes, interpolation, operators, members, indexing, calls of
 * runbook functions.
 *
 * Never: perform a side effect (builtins and the doors do).
 */
#include "interp.h"

scope *scope_new(interp *I, scope *parent)
{
    scope *s = arena_alloc(&I->mem, sizeof *s);
    s->parent = parent;
    return s;
}

static value *scope_find_here(scope *s, const char *name)
{
    for (int i = s->n - 1; i >= 0; i--)
        if (strcmp(s->items[i].name, name) == 0) return &s->items[i].v;
    return NULL;
}

value *scope_find(scope *s, const char *name)
{
    for (; s; s = s->parent) {
        value *v = scope_find_here(s, name);
        if (v) return v;
    }
    return NULL;
}

void scope_define(interp *I, scope *s, const char *name, value v)
{
    value *old = scope_find_here(s, name);
    if (old) {
        *old = v;
        return;
    }
    s->items = arena_grow(&I->mem, s->items, s->n, &s->cap, sizeof *s->items, 8);
    s->items[s->n++] = (binding){name, v};
}

static value str_of(interp *I, rb_buf *b, int secret)
{
    value v = v_str(&I->mem, buf_cstr(b), b->len);
    v.secret = secret;
    return v;
}

/* Does a value contain a secret anywhere? */
int has_secret(value v)
{
    if (v.secret) return 1;
    if (v.t == V_LIST)
        for (int i = 0; i < v.u.l->n; i++)
            if (has_secret(v.u.l->items[i])) return 1;
    if (v.t == V_MAP)
        for (int i = 0; i < v.u.m->n; i++)
            if (has_secret(v.u.m->items[i].v)) return 1;
    return 0;
}


static ctl eval_interp(interp *I, scope *sc, const rb_node *n, value *out)
{
    rb_buf b;
    buf_init(&b);
    int secret = 0;
    for (const rb_node *p = n->a; p; p = p->next) {
        value v;
        ctl c = eval(I, sc, p, &v);
        if (c != CTL_OK) {
            buf_free(&b);
            return c;
        }
        secret |= has_secret(v);
        value_text(&b, v);
    }
    *out = str_of(I, &b, secret);
    buf_free(&b);
    return CTL_OK;
}

static ctl arith(interp *I, const rb_node *n, op_kind op, value a, value b, value *out)
{
    int secret = a.secret || b.secret;
    if (op == OP_ADD && (a.t == V_STR || b.t == V_STR)) {
        rb_buf s;
        buf_init(&s);
        value_text(&s, a);
        value_text(&s, b);
        *out = str_of(I, &s, secret);
        buf_free(&s);
        return CTL_OK;
    }
    if (op == OP_ADD && a.t == V_LIST && b.t == V_LIST) {
        value l = v_list(&I->mem, a.u.l->n + b.u.l->n);
        for (int i = 0; i < a.u.l->n; i++) list_push(&I->mem, l, a.u.l->items[i]);
        for (int i = 0; i < b.u.l->n; i++) list_push(&I->mem, l, b.u.l->items[i]);
        *out = l;
        return CTL_OK;
    }
    double x = a.u.n, y = b.u.n;
    vtype ta = a.t, tb = b.t;
    int nums = ta == V_NUM && tb == V_NUM;
    if (nums) {
        double r;
        switch (op) {
        case OP_ADD: r = x + y; break;
        case OP_SUB: r = x - y; break;
        case OP_MUL: r = x * y; break;
        case OP_DIV:
            if (y == 0) return rt_error(I, n, "division by zero");
            r = x / y;
            break;
        default:
            if (y == 0) return rt_error(I, n, "modulo by zero");
            r = fmod(x, y);
            break;
        }
        *out = v_num(r);
        return CTL_OK;
    }
    /* Durations and times. */
    if (ta == V_DUR && tb == V_DUR && (op == OP_ADD || op == OP_SUB)) { *out = v_dur(op == OP_ADD ? x + y : x - y); return CTL_OK; }
    if (ta == V_TIME && tb == V_DUR && (op == OP_ADD || op == OP_SUB)) { *out = v_time(op == OP_ADD ? x + y : x - y); return CTL_OK; }
    if (ta == V_DUR && tb == V_TIME && op == OP_ADD) { *out = v_time(x + y); return CTL_OK; }
    if (ta == V_TIME && tb == V_TIME && op == OP_SUB) { *out = v_dur(x - y); return CTL_OK; }
    if (ta == V_DUR && tb == V_NUM && (op == OP_MUL || op == OP_DIV)) {
        if (op == OP_DIV && y == 0) return rt_error(I, n, "division by zero");
        *out = v_dur(op == OP_MUL ? x * y : x / y);
        return CTL_OK;
    }
    if (ta == V_NUM && tb == V_DUR && op == OP_MUL) { *out = v_dur(x * y); return CTL_OK; }
    if (ta == V_DUR && tb == V_DUR && op == OP_DIV) {
        if (y == 0) return rt_error(I, n, "division by zero");
        *out = v_num(x / y);
        return CTL_OK;
    }
    return rt_error(I, n, "cannot apply '%s' to %s and %s", ast_op_text(op), vtype_name(ta), vtype_name(tb));
}

static ctl eval_binary(interp *I, scope *sc, const rb_node *n, value *out)
{
    op_kind op = (op_kind)n->num;
    value a, b;
    ctl c = eval(I, sc, n->a, &a);
    if (c != CTL_OK) return c;
    if (op == OP_AND || op == OP_OR) {
        if (op == OP_AND ? !value_truthy(a) : value_truthy(a)) {
            *out = v_bool(op == OP_OR);
            return CTL_OK;
        }
        if ((c = eval(I, sc, n->b, &b)) != CTL_OK) return c;
        *out = v_bool(value_truthy(b));
        return CTL_OK;
    }
    if (op == OP_COALESCE) {
        if (a.t != V_NIL) {
            *out = a;
            return CTL_OK;
        }
        return eval(I, sc, n->b, out);
    }
    if ((c = eval(I, sc, n->b, &b)) != CTL_OK) return c;
    int cmp;
    switch (op) {
    case OP_EQ: *out = v_bool(value_equal(a, b)); return CTL_OK;
    case OP_NE: *out = v_bool(!value_equal(a, b)); return CTL_OK;
    case OP_LT: case OP_LE: case OP_GT: case OP_GE:
        if (value_compare(a, b, &cmp) != 0)
            return rt_error(I, n, "cannot compare %s with %s", vtype_name(a.t), vtype_name(b.t));
        *out = v_bool(op == OP_LT ? cmp < 0 : op == OP_LE ? cmp <= 0 : op == OP_GT ? cmp > 0 : cmp >= 0);
        return CTL_OK;
    case OP_IN:
        if (b.t == V_LIST) {
            int found = 0;
            for (int i = 0; i < b.u.l->n && !found; i++) found = value_equal(a, b.u.l->items[i]);
            *out = v_bool(found);
        } else if (b.t == V_MAP && a.t == V_STR) {
            *out = v_bool(map_get(b, a.u.s->s) != NULL);
        } else if (b.t == V_STR && a.t == V_STR) {
            *out = v_bool(strstr(b.u.s->s, a.u.s->s) != NULL);
        } else {
            return rt_error(I, n, "'in' needs a list, a map or a string on its right, not %s", vtype_name(b.t));
        }
        return CTL_OK;
    default:
        return arith(I, n, op, a, b, out);
    }
}

static ctl eval_member(interp *I, scope *sc, const rb_node *n, value *out)
{
    value o;
    ctl c = eval(I, sc, n->a, &o);
    if (c != CTL_OK) return c;
    switch (o.t) {
    case V_INCIDENT: return incident_get(I, n->str, n, out);
    case V_MAP: {
        value *v = map_get(o, n->str);
        *out = v ? *v : v_nil();
        if (o.secret) out->secret = 1;
        return CTL_OK;
    }
    case V_MODULE: {
        value *v = scope_find_here((scope *)o.u.p, n->str);
        if (!v) return rt_error(I, n, "the module has no member '%s'", n->str);
        *out = *v;
        return CTL_OK;
    }
    case V_NIL: return rt_error(I, n, "cannot read '.%s' of nil", n->str);
    default: return rt_error(I, n, "a %s has no field '%s'", vtype_name(o.t), n->str);
    }
}

static ctl eval_index(interp *I, scope *sc, const rb_node *n, value *out)
{
    value o, k;
    ctl c = eval(I, sc, n->a, &o);
    if (c == CTL_OK) c = eval(I, sc, n->b, &k);
    if (c != CTL_OK) return c;
    if (o.t == V_LIST && k.t == V_NUM) {
        long i = (long)k.u.n;
        if (i < 0) i += o.u.l->n;
        *out = i >= 0 && i < o.u.l->n ? o.u.l->items[i] : v_nil();
        return CTL_OK;
    }
    if (o.t == V_MAP && k.t == V_STR) {
        value *v = map_get(o, k.u.s->s);
        *out = v ? *v : v_nil();
        return CTL_OK;
    }
    if (o.t == V_MODULE && k.t == V_STR) {
        value *v = scope_find_here((scope *)o.u.p, k.u.s->s);
        *out = v ? *v : v_nil();
        return CTL_OK;
    }
    if (o.t == V_STR && k.t == V_NUM) {
        /* strings are indexed by character (UTF-8 code point), not by byte */
        const char *p = o.u.s->s, *end = p + o.u.s->len;
        long count = 0;
        for (const char *q = p; q < end; q++) count += ((unsigned char)*q & 0xC0) != 0x80;
        long i = (long)k.u.n;
        if (i < 0) i += count;
        *out = v_nil();
        for (long at = 0; p < end && i >= 0 && i < count; at++) {
            size_t len = utf8_seq((const unsigned char *)p, (size_t)(end - p));
            if (!len) len = 1;
            if (at == i) {
                *out = v_str(&I->mem, p, len);
                out->secret = o.secret;
                break;
            }
            p += len;
        }
        return CTL_OK;
    }
    return rt_error(I, n, "cannot index a %s with a %s", vtype_name(o.t), vtype_name(k.t));
}

static ctl call_fn(interp *I, const rb_node *call, value fnv, value *args, int nargs, value *out)
{
    const rb_node *fn = fnv.u.fn;
    int nparams = ast_list_len(fn->a);
    if (nargs != nparams)
        return rt_error(I, call, "%s() takes %d argument%s, not %d", fn->str, nparams, nparams == 1 ? "" : "s", nargs);
    if (I->depth >= MAX_CALL_DEPTH)
        return rt_error(I, call, "calls nested too deeply (more than %d): runaway recursion in %s()?", MAX_CALL_DEPTH,
                        fn->str);
    scope *s = scope_new(I, (scope *)fnv.env);
    int i = 0;
    for (const rb_node *p = fn->a; p; p = p->next) scope_define(I, s, p->str, args[i++]);
    /* errors inside the function name the file it was written in (a module's, maybe) */
    const ast_file *saved = I->cur_file;
    if (((scope *)fnv.env)->file) I->cur_file = ((scope *)fnv.env)->file;
    I->depth++;
    ctl c = exec_block(I, s, fn->b);
    I->depth--;
    if (c != CTL_FAIL && c != CTL_ABORT) I->cur_file = saved;   /* a failure keeps its file for the report */
    if (c == CTL_RETURN) {
        *out = I->ret;
        return CTL_OK;
    }
    if (c == CTL_OK) {
        *out = v_nil();
        return CTL_OK;
    }
    return c;
}

static ctl eval_call(interp *I, scope *sc, const rb_node *n, value *out)
{
    const rb_node *callee = n->a;
    if (callee->kind == N_IDENT && !scope_find(sc, callee->str) && builtin_find(callee->str))
        return call_builtin(I, sc, callee->str, n, out);
    value f;
    ctl c = eval(I, sc, callee, &f);
    if (c != CTL_OK) return c;
    if (f.t == V_BUILTIN) return call_builtin(I, sc, f.u.bi, n, out);
    if (f.t != V_FN) return rt_error(I, n, "cannot call a %s", vtype_name(f.t));
    value args[MAX_ARGS];
    int nargs = 0;
    for (const rb_node *a = n->b; a; a = a->next) {
        if (a->kind == N_NAMEDARG) return rt_error(I, a, "%s() takes no named arguments", f.u.fn->str);
        if (nargs == MAX_ARGS) return rt_error(I, a, "too many arguments");
        if ((c = eval(I, sc, a, &args[nargs])) != CTL_OK) return c;
        nargs++;
    }
    return call_fn(I, n, f, args, nargs, out);
}

ctl eval(interp *I, scope *sc, const rb_node *n, value *out)
{
    if (eval_interrupted) {
        I->exit_code = 130;
        return CTL_STOP;
    }
    switch (n->kind) {
    case N_NIL: *out = v_nil(); return CTL_OK;
    case N_BOOL: *out = v_bool(n->num != 0); return CTL_OK;
    case N_NUM: *out = v_num(n->num); return CTL_OK;
    case N_DUR: *out = v_dur(n->num); return CTL_OK;
    case N_SEV: *out = v_sev((int)n->num); return CTL_OK;
    case N_STR: *out = v_cstr(&I->mem, n->str); return CTL_OK;
    case N_INTERP: return eval_interp(I, sc, n, out);
    case N_LIST: {
        value l = v_list(&I->mem, ast_list_len(n->a));
        for (const rb_node *e = n->a; e; e = e->next) {
            value v;
            ctl c = eval(I, sc, e, &v);
            if (c != CTL_OK) return c;
            list_push(&I->mem, l, v);
        }
        *out = l;
        return CTL_OK;
    }
    case N_MAP: {
        value m = v_map(&I->mem, ast_list_len(n->a));
        for (const rb_node *e = n->a; e; e = e->next) {
            value v;
            ctl c = eval(I, sc, e->a, &v);
            if (c != CTL_OK) return c;
            map_set(&I->mem, m, e->str, v);
        }
        *out = m;
        return CTL_OK;
    }
    case N_IDENT: {
        value *v = scope_find(sc, n->str);
        if (v) {
            *out = *v;
            return CTL_OK;
        }
        if (strcmp(n->str, "incident") == 0) {
            out->t = V_INCIDENT;
            out->secret = 0;
            out->u.p = &I->inc;
            return CTL_OK;
        }
        if (strcmp(n->str, "acknowledged") == 0 || strcmp(n->str, "resolved") == 0)
            return incident_get(I, n->str, n, out);
        if (builtin_find(n->str)) {
            *out = v_nil();
            out->t = V_BUILTIN;
            out->u.bi = n->str;
            return CTL_OK;
        }
        return rt_error(I, n, "'%s' is not set (a step that sets it may not have run)", n->str);
    }
    case N_UNARY: {
        value v;
        ctl c = eval(I, sc, n->a, &v);
        if (c != CTL_OK) return c;
        if ((op_kind)n->num == OP_NOT) {
            *out = v_bool(!value_truthy(v));
            return CTL_OK;
        }
        if (v.t == V_NUM || v.t == V_DUR) {
            *out = v;
            out->u.n = -v.u.n;
            return CTL_OK;
        }
        return rt_error(I, n, "cannot negate a %s", vtype_name(v.t));
    }
    case N_BINARY: return eval_binary(I, sc, n, out);
    case N_MEMBER: return eval_member(I, sc, n, out);
    case N_INDEX: return eval_index(I, sc, n, out);
    case N_CALL: return eval_call(I, sc, n, out);
    case N_SH: return run_sh(I, sc, n, 0, out);
    case N_HTTP: return run_http(I, sc, n, 0, out);
    default: return rt_error(I, n, "cannot evaluate a %s here", ast_kind_name(n->kind));
    }
}
