/*
 * ast.c — node construction, kind names, and rendering expressions back to source.
 *
 * The renderer is used by `view`, by the REPL and in messages; it prints a canonical form
 * (fully parenthesised only where precedence requires it), not the original spelling.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "ast.h"

static const char *const kind_names[] = {
#define X(name, desc) desc,
#include "ast_kinds.h"
#undef X
};

const char *ast_kind_name(node_kind k)
{
    return k < N__COUNT ? kind_names[k] : "?";
}

const char *ast_op_text(op_kind op)
{
    switch (op) {
    case OP_ADD: return "+";
    case OP_SUB: return "-";
    case OP_MUL: return "*";
    case OP_DIV: return "/";
    case OP_MOD: return "%";
    case OP_EQ: return "==";
    case OP_NE: return "!=";
    case OP_LT: return "<";
    case OP_LE: return "<=";
    case OP_GT: return ">";
    case OP_GE: return ">=";
    case OP_AND: return "and";
    case OP_OR: return "or";
    case OP_NOT: return "not";
    case OP_NEG: return "-";
    case OP_COALESCE: return "??";
    case OP_IN: return "in";
    }
    return "?";
}

rb_node *ast_new(arena *a, node_kind k, rb_loc loc)
{
    rb_node *n = arena_alloc_raw(a, sizeof *n);
    *n = (rb_node){.kind = (uint8_t)k, .loc = loc};   /* one pass over the node, not a clear and then the fields */
    return n;
}

rb_list list_add(rb_list l, rb_node *item)
{
    if (!item) return l;
    rb_node *tail = item;
    while (tail->next) tail = tail->next;     /* item may itself be a short chain */
    if (l.tail) l.tail->next = item;
    else l.head = item;
    l.tail = tail;
    return l;
}

int ast_list_len(const rb_node *list)
{
    int n = 0;
    for (; list; list = list->next) n++;
    return n;
}

rb_node *ast_opt(const rb_node *n, const char *name)
{
    for (rb_node *o = n ? n->opts : NULL; o; o = o->next)
        if (o->kind == N_OPT && strcmp(o->str, name) == 0) return o;
    return NULL;
}

static int op_prec(op_kind op)
{
    switch (op) {
    case OP_OR: return 1;
    case OP_AND: return 2;
    case OP_NOT: return 3;
    case OP_EQ: case OP_NE: case OP_LT: case OP_LE: case OP_GT: case OP_GE: case OP_IN: return 4;
    case OP_COALESCE: return 5;
    case OP_ADD: case OP_SUB: return 6;
    case OP_MUL: case OP_DIV: case OP_MOD: return 7;
    case OP_NEG: return 8;
    }
    return 9;
}

static int node_prec(const rb_node *n)
{
    if (n->kind == N_BINARY || n->kind == N_UNARY) return op_prec((op_kind)n->num);
    if (n->kind == N_SH || n->kind == N_HTTP) return 0;
    return 10;
}

static void put_quoted(rb_buf *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '\n': buf_adds(out, "\\n"); break;
        case '\t': buf_adds(out, "\\t"); break;
        case '"': buf_adds(out, "\\\""); break;
        case '\\': buf_adds(out, "\\\\"); break;
        case '#': buf_adds(out, s[1] == '{' ? "\\#" : "#"); break;
        default: buf_addc(out, *s);
        }
    }
}

static void expr_prec(rb_buf *out, const rb_node *n, int min);

static int is_ident(const char *s)
{
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_')) return 0;
    for (s++; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
    return 1;
}

/* sh in call form, sh("cmd", timeout: 5s): how it must be written before . [ or ( */
static void put_sh_call(rb_buf *out, const rb_node *n)
{
    buf_adds(out, "sh(");
    expr_prec(out, n->a, 0);
    for (const rb_node *o = n->opts; o; o = o->next) {
        buf_printf(out, ", %s: ", o->str);
        if (o->a) expr_prec(out, o->a, 0);
        else buf_adds(out, "true");
    }
    buf_addc(out, ')');
}

/* The object of a member, index or call: sh takes its call form there. */
static void put_base(rb_buf *out, const rb_node *n)
{
    if (n->kind == N_SH) put_sh_call(out, n);
    else expr_prec(out, n, 10);
}

static void put_list(rb_buf *out, const rb_node *l)
{
    for (; l; l = l->next) {
        expr_prec(out, l, 0);
        if (l->next) buf_adds(out, ", ");
    }
}

static void put_opts(rb_buf *out, const rb_node *o)
{
    for (; o; o = o->next) {
        buf_printf(out, " %s", o->str);
        if (o->a) {
            buf_addc(out, ' ');
            expr_prec(out, o->a, 1);
        }
    }
}

static void expr_prec(rb_buf *out, const rb_node *n, int min)
{
    if (!n) return;
    int p = node_prec(n), paren = p < min;
    if (paren) buf_addc(out, '(');
    switch (n->kind) {
    case N_NIL: buf_adds(out, "nil"); break;
    case N_BOOL: buf_adds(out, n->num ? "true" : "false"); break;
    case N_NUM:
        if (n->num == floor(n->num) && fabs(n->num) < 1e15) buf_printf(out, "%.0f", n->num);
        else buf_printf(out, "%g", n->num);
        break;
    case N_DUR: buf_adds(out, n->str ? n->str : "0s"); break;
    case N_SEV: buf_printf(out, "P%d", (int)n->num); break;
    case N_STR:
        buf_addc(out, '"');
        put_quoted(out, n->str);
        buf_addc(out, '"');
        break;
    case N_INTERP:
        buf_addc(out, '"');
        for (const rb_node *q = n->a; q; q = q->next) {
            if (q->kind == N_STR) {
                put_quoted(out, q->str);
            } else {
                buf_adds(out, "#{");
                expr_prec(out, q, 0);
                buf_addc(out, '}');
            }
        }
        buf_addc(out, '"');
        break;
    case N_LIST:
        buf_addc(out, '[');
        put_list(out, n->a);
        buf_addc(out, ']');
        break;
    case N_MAP:
        buf_addc(out, '{');
        for (const rb_node *q = n->a; q; q = q->next) {
            if (is_ident(q->str)) {
                buf_printf(out, "%s: ", q->str);
            } else {
                buf_addc(out, '"');
                put_quoted(out, q->str);
                buf_adds(out, "\": ");
            }
            expr_prec(out, q->a, 0);
            if (q->next) buf_adds(out, ", ");
        }
        buf_addc(out, '}');
        break;
    case N_IDENT: buf_adds(out, n->str); break;
    case N_UNARY:
        buf_adds(out, (op_kind)n->num == OP_NOT ? "not " : "-");
        if ((op_kind)n->num == OP_NEG && ((n->a->kind == N_UNARY && (op_kind)n->a->num == OP_NEG) ||
                                          (n->a->kind == N_NUM && n->a->num < 0)))
            expr_prec(out, n->a, 11);   /* -(-3), never --3 */
        else
            expr_prec(out, n->a, p);
        break;
    case N_BINARY:
        expr_prec(out, n->a, p);
        buf_printf(out, " %s ", ast_op_text((op_kind)n->num));
        expr_prec(out, n->b, p + 1);
        break;
    case N_MEMBER:
        put_base(out, n->a);
        buf_printf(out, ".%s", n->str);
        break;
    case N_INDEX:
        put_base(out, n->a);
        buf_addc(out, '[');
        expr_prec(out, n->b, 0);
        buf_addc(out, ']');
        break;
    case N_CALL:
        put_base(out, n->a);
        buf_addc(out, '(');
        put_list(out, n->b);
        buf_addc(out, ')');
        break;
    case N_NAMEDARG:
        buf_printf(out, "%s: ", n->str);
        expr_prec(out, n->a, 0);
        break;
    case N_SH:
        buf_adds(out, "sh ");
        expr_prec(out, n->a, 10);
        put_opts(out, n->opts);
        break;
    case N_HTTP:
        buf_printf(out, "http %s ", n->str);
        expr_prec(out, n->a, 10);
        put_opts(out, n->opts);
        break;
    default:
        buf_printf(out, "<%s>", ast_kind_name(n->kind));
        break;
    }
    if (paren) buf_addc(out, ')');
}

void ast_expr_str(rb_buf *out, const rb_node *n)
{
    expr_prec(out, n, 0);
}

void ast_file_free(ast_file *f)
{
    if (!f) return;
    arena_free(&f->mem);
    diag_source_free(&f->src);
    rb_free(f->text);
    rb_free(f->src.name);
    rb_free(f);
}
