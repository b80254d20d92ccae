/*
 * ast_stmt.c — statements printed back as compact source, on one line (escalation actions,
 * rung bodies): the statement counterpart of ast.c's expression printer.
 *
 * Never: evaluate anything, or print a secret's value expression.
 */
#include "view_int.h"


void src_stmts(rb_buf *b, const rb_node *list)
{
    for (const rb_node *s = list; s; s = s->next) {
        src_stmt(b, s);
        if (s->next) buf_adds(b, "; ");
    }
}

static void src_block(rb_buf *b, const rb_node *blk)
{
    if (!blk || !blk->a) {
        buf_adds(b, "{ }");
        return;
    }
    buf_adds(b, "{ ");
    src_stmts(b, blk->a);
    buf_adds(b, " }");
}

/* " name value" per option, as written after `sh` or `wait until`. */
static void src_opts(rb_buf *b, const rb_node *o)
{
    for (; o; o = o->next) {
        buf_printf(b, " %s", o->str);
        if (o->a) {
            buf_addc(b, ' ');
            ast_expr_str(b, o->a);
        }
    }
}

/* A keyword statement with an optional operand: "abort", "abort \"why\"". */
static void src_kw(rb_buf *b, const char *kw, const rb_node *operand)
{
    buf_adds(b, kw);
    if (operand) {
        buf_addc(b, ' ');
        ast_expr_str(b, operand);
    }
}

static void src_if(rb_buf *b, const rb_node *s)
{
    buf_adds(b, "if ");
    ast_expr_str(b, s->a);
    buf_addc(b, ' ');
    src_block(b, s->b);
    for (const rb_node *c = s->c; c; c = c->kind == N_IF ? c->c : NULL) {
        if (c->kind == N_IF) {
            buf_adds(b, " elif ");
            ast_expr_str(b, c->a);
            buf_addc(b, ' ');
            src_block(b, c->b);
        } else {
            buf_adds(b, " else ");
            src_block(b, c);
        }
    }
}

static void src_choose(rb_buf *b, const rb_node *s)
{
    src_kw(b, "choose", s->a);
    buf_adds(b, " {");
    for (const rb_node *arm = s->b; arm; arm = arm->next) {
        buf_addc(b, ' ');
        ast_expr_str(b, arm->a);
        buf_adds(b, " => ");
        src_block(b, arm->b);
    }
    buf_adds(b, " }");
}

static void src_checklist(rb_buf *b, const rb_node *s)
{
    src_kw(b, "checklist", s->a);
    buf_adds(b, " { ");
    for (const rb_node *i = s->b; i; i = i->next) {
        ast_expr_str(b, i);
        if (i->next) buf_adds(b, ", ");
    }
    buf_adds(b, " }");
}

static void src_escalation(rb_buf *b, const rb_node *s)
{
    buf_adds(b, "escalation ");
    if (s->str) buf_printf(b, "\"%s\" ", s->str);
    buf_addc(b, '{');
    for (const rb_node *r = s->a; r; r = r->next) {
        if (r->kind == N_REPEAT) {
            src_kw(b, " repeat every", r->a);
            continue;
        }
        src_kw(b, " at", r->a);
        if (r->b) src_kw(b, " unless", r->b);
        if (r->c) src_kw(b, " when", r->c);
        buf_addc(b, ' ');
        src_block(b, r->d);
    }
    buf_adds(b, " }");
}

static void src_every(rb_buf *b, const rb_node *s)
{
    src_kw(b, "every", s->a);
    if (s->b) src_kw(b, " until", s->b);
    if (s->c) src_kw(b, " for", s->c);
    buf_addc(b, ' ');
    src_block(b, s->d);
}

/* One statement as source on one line (blocks as "{ a; b }"). */
void src_stmt(rb_buf *b, const rb_node *s)
{
    switch (s->kind) {
    case N_EXPRSTMT: ast_expr_str(b, s->a); break;
    case N_LET: buf_printf(b, "let %s = ", s->str); ast_expr_str(b, s->a); break;
    case N_ASSIGN: ast_expr_str(b, s->a); buf_adds(b, " = "); ast_expr_str(b, s->b); break;
    case N_IF: src_if(b, s); break;
    case N_WHILE: src_kw(b, "while", s->a); buf_addc(b, ' '); src_block(b, s->b); break;
    case N_FOR:
        buf_printf(b, "for %s%s%s in ", s->str, s->str2 ? ", " : "", s->str2 ? s->str2 : "");
        ast_expr_str(b, s->a);
        buf_addc(b, ' ');
        src_block(b, s->b);
        break;
    case N_BREAK: buf_adds(b, "break"); break;
    case N_CONTINUE: buf_adds(b, "continue"); break;
    case N_RETURN: src_kw(b, "return", s->a); break;
    case N_GOTO: buf_printf(b, "goto %s", s->str); break;
    case N_NOTE: src_kw(b, "note", s->a); break;
    case N_WARN: src_kw(b, "warn", s->a); break;
    case N_CONFIRM: src_kw(b, "confirm", s->a); break;
    case N_APPROVE: src_kw(b, "approve", s->a); src_opts(b, s->opts); break;
    case N_CHOOSE: src_choose(b, s); break;
    case N_CHECKLIST: src_checklist(b, s); break;
    case N_WAIT: src_kw(b, "wait", s->a); if (s->b) src_kw(b, "", s->b); break;
    case N_WAITUNTIL: src_kw(b, "wait until", s->a); src_opts(b, s->opts); break;
    case N_RUN: src_kw(b, "run", s->a); if (s->b) src_kw(b, " with", s->b); break;
    case N_ABORT: src_kw(b, "abort", s->a); break;
    case N_FAIL: src_kw(b, "fail", s->a); break;
    case N_ESCALATION: src_escalation(b, s); break;
    case N_EVERY: src_every(b, s); break;
    case N_BLOCK: src_block(b, s); break;
    default: ast_expr_str(b, s); break;
    }
}
