/*
 * view.c — `runbook view`: a runbook rendered for people, as Markdown or as a Graphviz graph.
 *
 * Owns: the Markdown document an on-call engineer reads at 3 a.m. or prints into a wiki (the
 * header as a table, modules, params, escalation ladders, recurring actions, then phases and
 * steps as numbered procedures with anchors that `goto` links point at), the decision tree in
 * dot (a node per step; fall-through, goto, choose-arm and if-branch edges; phases as
 * clusters), the escaping both formats need, and the `view` subcommand's arguments and exit
 * status.
 *
 * Never: execute or evaluate anything from a runbook, print the value expression of a
 * `secret` (it may hold a literal credential: secrets appear by name only), print the value
 * of an Authorization header written in the source, or depend on anything but the tree, so
 * that one file always renders to the same bytes (the output is golden-tested).
 *
 * Both renderers share the step table: every step in source order with its phase and its id
 * (as written, or the checker's slug of its title), which gives the Markdown its step numbers
 * and anchors and the graph its node names (s1, s2, … — never the ids, so that no id can
 * collide with the start and end nodes or need quoting).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "check.h"
#include "cli.h"
#include "front.h"
#include "module.h"
#include "view.h"

/* ------------------------------------------------------------------------------------- */
/* The step table                                                                         */
/* ------------------------------------------------------------------------------------- */

typedef struct view_step {
    const rb_node *node;
    const rb_node *phase;   /* the enclosing N_PHASE, or NULL at the top level */
    const char *id;         /* as written, or the slug of the title (in the table's arena) */
    int slugged;            /* the id was not written */
} view_step;

typedef struct step_table {
    view_step *v;
    int n, cap;
    arena mem;
    const ast_file *file;   /* whose steps (for the origins of steps copied from a module's part) */
} step_table;

/*
 * The text of a string node as it reads between its quotes: literal parts as they are,
 * interpolations as #{expr}.  Any other expression is written in source form.
 */
static void node_plain(rb_buf *b, const rb_node *n)
{
    if (!n) return;
    if (n->kind == N_STR) {
        buf_adds(b, n->str);
    } else if (n->kind == N_INTERP) {
        for (const rb_node *p = n->a; p; p = p->next) {
            if (p->kind == N_STR) {
                buf_adds(b, p->str);
            } else {
                buf_adds(b, "#{");
                ast_expr_str(b, p);
                buf_addc(b, '}');
            }
        }
    } else {
        ast_expr_str(b, n);
    }
}

static int is_text(const rb_node *n)
{
    return n && (n->kind == N_STR || n->kind == N_INTERP);
}

/* Does a string node hold a line break in its literal text (a heredoc, or "\n")? */
static int is_multiline(const rb_node *n)
{
    if (!n) return 0;
    if (n->kind == N_STR) return strchr(n->str, '\n') != NULL;
    if (n->kind != N_INTERP) return 0;
    for (const rb_node *p = n->a; p; p = p->next)
        if (p->kind == N_STR && strchr(p->str, '\n')) return 1;
    return 0;
}

static void steps_add(step_table *t, const rb_node *step, const rb_node *phase)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->v = rb_xrealloc(t->v, (size_t)t->cap * sizeof *t->v);
    }
    view_step *s = &t->v[t->n++];
    s->node = step;
    s->phase = phase;
    s->slugged = step->str == NULL;
    if (step->str) {
        s->id = step->str;
    } else {
        rb_buf title;
        buf_init(&title);
        node_plain(&title, step->d);
        s->id = check_step_slug(&t->mem, buf_cstr(&title));
        buf_free(&title);
    }
}

static void steps_collect(step_table *t, const ast_file *f)
{
    memset(t, 0, sizeof *t);
    arena_init(&t->mem);
    t->file = f;
    for (const rb_node *d = f->root ? f->root->a : NULL; d; d = d->next) {
        if (d->kind == N_STEP) steps_add(t, d, NULL);
        if (d->kind != N_PHASE) continue;
        for (const rb_node *s = d->a; s; s = s->next)
            if (s->kind == N_STEP) steps_add(t, s, d);
    }
}

/* The index of the first step with this id, or -1. */
static int steps_find(const step_table *t, const char *id)
{
    for (int i = 0; i < t->n; i++)
        if (strcmp(t->v[i].id, id) == 0) return i;
    return -1;
}

static int steps_index(const step_table *t, const rb_node *step)
{
    for (int i = 0; i < t->n; i++)
        if (t->v[i].node == step) return i;
    return -1;
}

static void steps_free(step_table *t)
{
    rb_free(t->v);
    arena_free(&t->mem);
}

static const rb_node *file_header(const ast_file *f)
{
    for (const rb_node *d = f->root ? f->root->a : NULL; d; d = d->next)
        if (d->kind == N_HEADER) return d;
    return NULL;
}

/* The last path component of a file name. */
static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* ------------------------------------------------------------------------------------- */
/* Compact source: statements on one line, for escalation actions                        */
/* ------------------------------------------------------------------------------------- */

static void src_stmt(rb_buf *b, const rb_node *s);

static void src_stmts(rb_buf *b, const rb_node *list)
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
static void src_stmt(rb_buf *b, const rb_node *s)
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

/* ------------------------------------------------------------------------------------- */
/* Markdown: escaping and inline pieces                                                   */
/* ------------------------------------------------------------------------------------- */

static int word_byte(const char *p)
{
    unsigned char c = (unsigned char)*p;
    return c >= 0x80 || isalnum(c);
}

/*
 * Backslash-escape what Markdown would read as markup in running text.  Line breaks become
 * nl (" " in headings and labels, "<br>" in table cells).  An underscore inside a word is
 * never emphasis, so it stays bare (step ids read better that way); '#' is escaped only in
 * headings, where a trailing run of them would vanish.  '|' is the table cells' business.
 */
static void md_escape(rb_buf *b, const char *s, const char *nl, int heading)
{
    for (const char *p = s; *p; p++) {
        char c = *p;
        if (c == '\n') {
            buf_adds(b, nl);
            continue;
        }
        if (c == '\r') continue;
        int esc = strchr("\\`*[]<~", c) != NULL || (c == '#' && heading);
        if (c == '_') esc = !(p > s && word_byte(p - 1) && word_byte(p + 1));
        if (esc) buf_addc(b, '\\');
        buf_addc(b, c);
    }
}

/* s as an inline code span: a fence longer than any run of backticks inside, one line. */
static void md_code(rb_buf *b, const char *s)
{
    size_t n = strlen(s), run = 0, longest = 0;
    if (n == 0) {
        buf_adds(b, "*(empty)*");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        run = s[i] == '`' ? run + 1 : 0;
        if (run > longest) longest = run;
    }
    int pad = s[0] == '`' || s[n - 1] == '`' || (s[0] == ' ' && s[n - 1] == ' ');
    for (size_t i = 0; i <= longest; i++) buf_addc(b, '`');
    if (pad) buf_addc(b, ' ');
    for (size_t i = 0; i < n; i++) buf_addc(b, s[i] == '\n' || s[i] == '\r' ? ' ' : s[i]);
    if (pad) buf_addc(b, ' ');
    for (size_t i = 0; i <= longest; i++) buf_addc(b, '`');
}

/* An expression in source form as a code span. */
static void md_src(rb_buf *b, const rb_node *n)
{
    rb_buf s;
    buf_init(&s);
    ast_expr_str(&s, n);
    md_code(b, buf_cstr(&s));
    buf_free(&s);
}

/* A plain-text rendering (node_plain) as a code span. */
static void md_plain_code(rb_buf *b, const rb_node *n)
{
    rb_buf s;
    buf_init(&s);
    node_plain(&s, n);
    md_code(b, buf_cstr(&s));
    buf_free(&s);
}

/*
 * A string node as running text: literal parts escaped, each interpolation as a code span
 * `#{expr}`.  Any other expression becomes a code span of its source.
 */
static void md_text(rb_buf *b, const rb_node *n, const char *nl, int heading)
{
    if (!n) return;
    if (n->kind == N_STR) {
        md_escape(b, n->str, nl, heading);
    } else if (n->kind == N_INTERP) {
        for (const rb_node *p = n->a; p; p = p->next) {
            if (p->kind == N_STR) {
                md_escape(b, p->str, nl, heading);
            } else {
                rb_buf s;
                buf_init(&s);
                buf_adds(&s, "#{");
                ast_expr_str(&s, p);
                buf_addc(&s, '}');
                md_code(b, buf_cstr(&s));
                buf_free(&s);
            }
        }
    } else {
        md_src(b, n);
    }
}

/* A duration, number or severity as written; anything else as a code span. */
static void md_atom(rb_buf *b, const rb_node *n)
{
    if (n && (n->kind == N_DUR || n->kind == N_NUM || n->kind == N_SEV)) ast_expr_str(b, n);
    else md_src(b, n);
}

/* A value shown in a table cell: text as text, lists joined with ", ", else as md_atom. */
static void md_value(rb_buf *b, const rb_node *n)
{
    if (is_text(n)) {
        md_text(b, n, "<br>", 0);
    } else if (n && n->kind == N_LIST) {
        for (const rb_node *e = n->a; e; e = e->next) {
            md_value(b, e);
            if (e->next) buf_adds(b, ", ");
        }
    } else {
        md_atom(b, n);
    }
}

/* The anchor of a step's heading: "step-" and the id, with anything unusual as '-'. */
static void md_anchor(rb_buf *b, const char *id)
{
    buf_adds(b, "step-");
    for (const char *p = id; *p; p++)
        buf_addc(b, isalnum((unsigned char)*p) || *p == '_' || *p == '-' ? *p : '-');
}

/* ------------------------------------------------------------------------------------- */
/* Markdown: lines, prefixes and tables                                                   */
/* ------------------------------------------------------------------------------------- */

typedef struct md {
    FILE *out;
    rb_buf prefix;      /* written before every line: list indentation and "> " */
    int started;        /* something has been written */
    int blank;          /* a blank line is due before the next line */
    const step_table *steps;
} md;

/* Ask for one blank line before whatever comes next (never two, never at the start or end). */
static void md_blank(md *m)
{
    m->blank = 1;
}

/* Write text under the current prefix, one output line per line of text, without trailing blanks. */
static void md_put(md *m, const char *text)
{
    if (m->blank && m->started) fputc('\n', m->out);
    m->blank = 0;
    m->started = 1;
    const char *pre = buf_cstr(&m->prefix);
    for (;;) {
        const char *eol = strchr(text, '\n');
        size_t n = eol ? (size_t)(eol - text) : strlen(text), p = m->prefix.len;
        while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t' || text[n - 1] == '\r')) n--;
        if (n == 0)
            while (p > 0 && pre[p - 1] == ' ') p--;
        fwrite(pre, 1, p, m->out);
        fwrite(text, 1, n, m->out);
        fputc('\n', m->out);
        if (!eol) break;
        text = eol + 1;
    }
}

static void md_putb(md *m, rb_buf *b)
{
    md_put(m, buf_cstr(b));
}

/* Extend the prefix; md_pop(m, the returned length) restores it. */
static size_t md_push(md *m, const char *s)
{
    size_t old = m->prefix.len;
    buf_adds(&m->prefix, s);
    return old;
}

static size_t md_push_spaces(md *m, size_t n)
{
    size_t old = m->prefix.len;
    while (n--) buf_addc(&m->prefix, ' ');
    return old;
}

static void md_pop(md *m, size_t old)
{
    m->prefix.len = old;
    if (m->prefix.data) m->prefix.data[old] = '\0';
}

/* A list item's first line; returns the prefix length to md_pop after its content. */
static size_t md_item(md *m, const char *marker, rb_buf *head)
{
    rb_buf line;
    buf_init(&line);
    buf_adds(&line, marker);
    buf_adds(&line, buf_cstr(head));
    md_putb(m, &line);
    buf_free(&line);
    return md_push_spaces(m, strlen(marker));
}

/* A heading of the given level, separated by blank lines. */
static void md_heading(md *m, int level, const char *text)
{
    rb_buf line;
    buf_init(&line);
    for (int i = 0; i < level; i++) buf_addc(&line, '#');
    buf_addc(&line, ' ');
    buf_adds(&line, text);
    md_blank(m);
    md_putb(m, &line);
    md_blank(m);
    buf_free(&line);
}

/* Append one table cell: '|' escaped (GFM splits cells on it, even inside code spans). */
static void md_cell(rb_buf *row, const char *content)
{
    buf_addc(row, ' ');
    if (!*content) content = "—";
    for (const char *p = content; *p; p++) {
        if (*p == '|') buf_addc(row, '\\');
        buf_addc(row, *p);
    }
    buf_adds(row, " |");
}

/* A fenced code block holding text (trailing line breaks dropped). */
static void md_fence(md *m, const char *text, const char *lang)
{
    size_t run = 0, longest = 2, n = strlen(text);
    for (const char *p = text; *p; p++) {
        run = *p == '`' ? run + 1 : 0;
        if (run > longest) longest = run;
    }
    while (n > 0 && text[n - 1] == '\n') n--;
    rb_buf fence, body;
    buf_init(&fence);
    buf_init(&body);
    for (size_t i = 0; i <= longest; i++) buf_addc(&fence, '`');
    size_t flen = fence.len;
    buf_adds(&fence, lang);
    md_putb(m, &fence);
    buf_addn(&body, text, n);
    md_putb(m, &body);
    fence.len = flen;
    fence.data[flen] = '\0';
    md_putb(m, &fence);
    buf_free(&fence);
    buf_free(&body);
}

/* ------------------------------------------------------------------------------------- */
/* Markdown: statements as a procedure                                                    */
/* ------------------------------------------------------------------------------------- */

static void md_block(md *m, const rb_node *blk, int numbered);
static void md_ladder(md *m, const rb_node *esc);

/* "→ go to step *id*", linked to the step's heading when the step exists. */
static void md_goto(md *m, rb_buf *h, const char *id)
{
    rb_buf e;
    buf_init(&e);
    md_escape(&e, id, " ", 0);
    if (steps_find(m->steps, id) >= 0) {
        buf_printf(h, "→ go to step [*%s*](#", buf_cstr(&e));
        md_anchor(h, id);
        buf_addc(h, ')');
    } else {
        buf_printf(h, "→ go to step *%s* (no such step)", buf_cstr(&e));
    }
    buf_free(&e);
}

/* An item whose head is fixed and whose content is a nested bulleted block. */
static void md_item_block(md *m, const char *marker, rb_buf *head, const rb_node *blk)
{
    size_t old = md_item(m, marker, head);
    md_block(m, blk, 0);
    md_pop(m, old);
}

static void md_head_only(md *m, const char *marker, rb_buf *head)
{
    md_pop(m, md_item(m, marker, head));
}

/* `note` / `warn`: a quote; a multi-line text is quoted as a code block. */
static void md_note(md *m, const rb_node *s, const char *marker)
{
    rb_buf h;
    buf_init(&h);
    buf_adds(&h, s->kind == N_WARN ? "> ⚠ **Warning:**" : "> **Note:**");
    if (!is_multiline(s->a)) {
        buf_addc(&h, ' ');
        md_text(&h, s->a, " ", 0);
        md_head_only(m, marker, &h);
    } else {
        size_t old = md_item(m, marker, &h);
        md_push(m, "> ");
        rb_buf t;
        buf_init(&t);
        node_plain(&t, s->a);
        md_fence(m, buf_cstr(&t), "text");
        buf_free(&t);
        md_pop(m, old);
    }
    buf_free(&h);
}

static int is_authorization(const char *key)
{
    return strcasecmp(key, "authorization") == 0 || strcasecmp(key, "proxy-authorization") == 0;
}

static int is_ident(const char *s)
{
    if (!isalpha((unsigned char)*s) && *s != '_') return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_') return 0;
    return 1;
}

/* HTTP headers as source, with the value of an Authorization header never shown. */
static void src_headers(rb_buf *b, const rb_node *v)
{
    if (!v || v->kind != N_MAP) {
        ast_expr_str(b, v);
        return;
    }
    buf_addc(b, '{');
    for (const rb_node *p = v->a; p; p = p->next) {
        buf_printf(b, is_ident(p->str) ? "%s: " : "\"%s\": ", p->str);
        if (is_authorization(p->str)) buf_adds(b, "«redacted»");
        else ast_expr_str(b, p->a);
        if (p->next) buf_adds(b, ", ");
    }
    buf_addc(b, '}');
}

/* The options of `sh` and `http` for people: "timeout 30s, read-only, env `{…}`". */
static void md_cmd_opts(rb_buf *b, const rb_node *opts)
{
    int first = 1;
    for (const rb_node *o = opts; o; o = o->next, first = 0) {
        buf_adds(b, first ? " (" : ", ");
        if (strcmp(o->str, "readonly") == 0) {
            buf_adds(b, "read-only");
            if (o->a && !(o->a->kind == N_BOOL && o->a->num)) {
                buf_adds(b, " if ");
                md_src(b, o->a);
            }
        } else if (strcmp(o->str, "headers") == 0) {
            rb_buf s;
            buf_init(&s);
            src_headers(&s, o->a);
            buf_adds(b, "headers ");
            md_code(b, buf_cstr(&s));
            buf_free(&s);
        } else {
            buf_printf(b, "%s ", o->str);
            md_atom(b, o->a);
        }
    }
    if (!first) buf_addc(b, ')');
}

/*
 * A command (`sh`) or request (`http`), optionally keeping its result in `result`.  A
 * command on one line is inline code; a multi-line one (a heredoc) a ```sh block.
 */
static void md_command(md *m, const rb_node *cmd, const char *result, const char *marker)
{
    rb_buf h, t;
    buf_init(&h);
    buf_init(&t);
    int block = cmd->kind == N_SH && is_multiline(cmd->a);
    if (cmd->kind == N_HTTP) {
        buf_printf(&t, "%s ", cmd->str);
        node_plain(&t, cmd->a);
        buf_adds(&h, "**HTTP** ");
        md_code(&h, buf_cstr(&t));
    } else if (block) {
        buf_adds(&h, "**Run**");
        node_plain(&t, cmd->a);
    } else if (is_text(cmd->a)) {
        buf_adds(&h, "**Run** ");
        md_plain_code(&h, cmd->a);
    } else {
        buf_adds(&h, "**Run** the command in ");
        md_src(&h, cmd->a);
    }
    md_cmd_opts(&h, cmd->opts);
    if (result) {
        buf_adds(&h, " → ");
        md_code(&h, result);
    }
    if (block) buf_addc(&h, ':');
    size_t old = md_item(m, marker, &h);
    if (block) md_fence(m, buf_cstr(&t), "sh");
    md_pop(m, old);
    buf_free(&h);
    buf_free(&t);
}

/* The prompt a call stands for ("ask", "confirm", "choose", "checklist"), or NULL. */
static const char *prompt_name(const rb_node *e)
{
    static const char *const names[] = {"ask", "confirm", "choose", "checklist"};
    if (!e || e->kind != N_CALL || !e->a || e->a->kind != N_IDENT) return NULL;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(e->a->str, names[i]) == 0) return names[i];
    return NULL;
}

/* Positional argument number i (0-based) of a call, or NULL. */
static const rb_node *call_arg(const rb_node *call, int i)
{
    for (const rb_node *a = call->b; a; a = a->next)
        if (a->kind != N_NAMEDARG && i-- == 0) return a;
    return NULL;
}

/* A prompt written as a call: ask("q", default: x), choose("q", ["a", "b"]), … */
static void md_prompt_call(md *m, const rb_node *call, const char *result, const char *marker)
{
    static const char *const labels[] = {"ask", "**Ask:**", "confirm", "**Confirm:**", "choose", "**Choose:**",
                                         "checklist", "**Checklist:**"};
    const char *name = prompt_name(call);
    rb_buf h;
    buf_init(&h);
    for (size_t i = 0; i < sizeof labels / sizeof *labels; i += 2)
        if (strcmp(name, labels[i]) == 0) buf_adds(&h, labels[i + 1]);
    const rb_node *q = call_arg(call, 0), *choices = call_arg(call, 1);
    if (q) {
        buf_addc(&h, ' ');
        md_text(&h, q, " ", 0);
    }
    int first = 1;
    for (const rb_node *a = call->b; a; a = a->next) {
        if (a->kind != N_NAMEDARG) continue;
        buf_printf(&h, "%s%s ", first ? " (" : ", ", a->str);
        md_src(&h, a->a);
        first = 0;
    }
    if (!first) buf_addc(&h, ')');
    if (choices && choices->kind != N_LIST) {
        buf_adds(&h, " from ");
        md_src(&h, choices);
    }
    if (result) {
        buf_adds(&h, " → ");
        md_code(&h, result);
    }
    size_t old = md_item(m, marker, &h);
    for (const rb_node *c = choices && choices->kind == N_LIST ? choices->a : NULL; c; c = c->next) {
        buf_reset(&h);
        if (strcmp(name, "checklist") == 0) buf_adds(&h, "[ ] ");
        md_text(&h, c, " ", 0);
        md_head_only(m, "- ", &h);
    }
    md_pop(m, old);
    buf_free(&h);
}

/*
 * A value stored by `let` or an assignment: commands, requests and prompts read as what
 * they do ("**Run** `…` → `r`"); anything else is the statement as code.
 */
static void md_binding(md *m, const rb_node *s, const char *marker)
{
    const rb_node *v = s->kind == N_LET ? s->a : s->b;
    rb_buf name;
    buf_init(&name);
    if (s->kind == N_LET) buf_adds(&name, s->str);
    else ast_expr_str(&name, s->a);
    if (v && (v->kind == N_SH || v->kind == N_HTTP)) {
        md_command(m, v, buf_cstr(&name), marker);
    } else if (prompt_name(v)) {
        md_prompt_call(m, v, buf_cstr(&name), marker);
    } else {
        rb_buf h, src;
        buf_init(&h);
        buf_init(&src);
        src_stmt(&src, s);
        md_code(&h, buf_cstr(&src));
        md_head_only(m, marker, &h);
        buf_free(&h);
        buf_free(&src);
    }
    buf_free(&name);
}

static void md_exprstmt(md *m, const rb_node *s, const char *marker)
{
    if (s->a->kind == N_SH || s->a->kind == N_HTTP) {
        md_command(m, s->a, NULL, marker);
    } else if (prompt_name(s->a)) {
        md_prompt_call(m, s->a, NULL, marker);
    } else {
        rb_buf h;
        buf_init(&h);
        md_src(&h, s->a);
        md_head_only(m, marker, &h);
        buf_free(&h);
    }
}

/* The answer key of a prompt statement, when it has one. */
static void md_key(rb_buf *h, const char *key)
{
    if (!key) return;
    buf_adds(h, " (key ");
    md_code(h, key);
    buf_addc(h, ')');
}

static void md_approve(md *m, const rb_node *s, const char *marker)
{
    rb_buf h;
    buf_init(&h);
    buf_adds(&h, "**Approval by a second person:** ");
    md_text(&h, s->a, " ", 0);
    const rb_node *role = ast_opt(s, "role"), *t = ast_opt(s, "timeout");
    if (role && role->a) {
        buf_adds(&h, " — approver's role: ");
        md_text(&h, role->a, " ", 0);
    }
    if (t && t->a) {
        buf_adds(&h, " — within ");
        ast_expr_str(&h, t->a);
        buf_adds(&h, ", else escalate and fail the step");
    }
    buf_adds(&h, " — *rejected: the step fails*");
    md_head_only(m, marker, &h);
    buf_free(&h);
}

static void md_confirm(md *m, const rb_node *s, const char *marker)
{
    rb_buf h;
    buf_init(&h);
    buf_adds(&h, "**Confirm:** ");
    md_text(&h, s->a, " ", 0);
    md_key(&h, s->str);
    buf_adds(&h, " — *if not, skip the rest of this step*");
    md_head_only(m, marker, &h);
    buf_free(&h);
}

/* One arm of a `choose`: its option as a bullet, the arm's statements nested under it. */
static void md_arm(md *m, const rb_node *arm)
{
    rb_buf h;
    buf_init(&h);
    buf_addc(&h, '*');
    md_text(&h, arm->a, " ", 0);
    buf_addc(&h, '*');
    const rb_node *body = arm->b ? arm->b->a : NULL;
    if (body && !body->next && body->kind == N_GOTO) {
        buf_addc(&h, ' ');
        md_goto(m, &h, body->str);
        md_head_only(m, "- ", &h);
    } else if (!body) {
        buf_adds(&h, ": nothing more to do here");
        md_head_only(m, "- ", &h);
    } else {
        buf_addc(&h, ':');
        md_item_block(m, "- ", &h, arm->b);
    }
    buf_free(&h);
}

static void md_choose(md *m, const rb_node *s, const char *marker)
{
    rb_buf h;
    buf_init(&h);
    buf_adds(&h, "**Choose:** ");
    md_text(&h, s->a, " ", 0);
    md_key(&h, s->str);
    size_t old = md_item(m, marker, &h);
    for (const rb_node *arm = s->b; arm; arm = arm->next) md_arm(m, arm);
    md_pop(m, old);
    buf_free(&h);
}

static void md_checklist(md *m, const rb_node *s, const char *marker)
{
    rb_buf h;
    buf_init(&h);
    buf_adds(&h, "**Checklist:** ");
    md_text(&h, s->a, " ", 0);
    md_key(&h, s->str);
    size_t old = md_item(m, marker, &h);
    for (const rb_node *i = s->b; i; i = i->next) {
        buf_reset(&h);
        buf_adds(&h, "[ ] ");
        md_text(&h, i, " ", 0);
        md_head_only(m, "- ", &h);
    }
    md_pop(m, old);
    buf_free(&h);
}

/*
 * if / elif / else: "If `cond`:" with the branch nested under it; the other branches follow
 * in the same item ("Else if `c`:", "Otherwise:"), each after a blank line so that Markdown
 * does not read it as the last line of the list above.
 */
static void md_if(md *m, const rb_node *s, const char *marker)
{
    rb_buf h;
    buf_init(&h);
    buf_adds(&h, "If ");
    md_src(&h, s->a);
    buf_addc(&h, ':');
    size_t old = md_item(m, marker, &h);
    md_block(m, s->b, 0);
    for (const rb_node *c = s->c; c; c = c->kind == N_IF ? c->c : NULL) {
        buf_reset(&h);
        if (c->kind == N_IF) {
            buf_adds(&h, "Else if ");
            md_src(&h, c->a);
            buf_addc(&h, ':');
        } else {
            buf_adds(&h, "Otherwise:");
        }
        md_blank(m);
        md_putb(m, &h);
        md_block(m, c->kind == N_IF ? c->b : c, 0);
    }
    md_pop(m, old);
    buf_free(&h);
}

static void md_loop(md *m, const rb_node *s, const char *marker)
{
    rb_buf h;
    buf_init(&h);
    if (s->kind == N_WHILE) {
        buf_adds(&h, "While ");
        md_src(&h, s->a);
        buf_adds(&h, ", repeat:");
    } else {
        buf_adds(&h, "For each ");
        md_code(&h, s->str);
        if (s->str2) {
            buf_adds(&h, ", ");
            md_code(&h, s->str2);
        }
        buf_adds(&h, " in ");
        md_src(&h, s->a);
        buf_addc(&h, ':');
    }
    md_item_block(m, marker, &h, s->b);
    buf_free(&h);
}

static void md_wait(md *m, const rb_node *s, const char *marker)
{
    rb_buf h;
    buf_init(&h);
    if (s->kind == N_WAIT) {
        buf_adds(&h, "**Wait** ");
        md_atom(&h, s->a);
        if (s->b) {
            buf_adds(&h, " — ");
            md_text(&h, s->b, " ", 0);
        }
    } else {
        buf_adds(&h, "**Wait until** ");
        md_src(&h, s->a);
        int first = 1;
        for (const rb_node *o = s->opts; o; o = o->next, first = 0) {
            buf_adds(&h, first ? " (" : ", ");
            buf_adds(&h, strcmp(o->str, "every") == 0 ? "check every " :
                         strcmp(o->str, "timeout") == 0 ? "fail the step after " : o->str);
            md_atom(&h, o->a);
        }
        if (!first) buf_addc(&h, ')');
    }
    md_head_only(m, marker, &h);
    buf_free(&h);
}

/* run, abort, fail, goto, break, continue, return: one line each. */
static void md_simple(md *m, const rb_node *s, const char *marker)
{
    rb_buf h;
    buf_init(&h);
    switch (s->kind) {
    case N_GOTO: md_goto(m, &h, s->str); break;
    case N_RUN:
        buf_adds(&h, "**Run runbook** ");
        md_plain_code(&h, s->a);
        if (s->b) {
            buf_adds(&h, " with ");
            md_src(&h, s->b);
        }
        break;
    case N_ABORT:
    case N_FAIL:
        buf_adds(&h, s->kind == N_ABORT ? "**Abort the run**" : "**Fail the step**");
        if (s->a) {
            buf_adds(&h, ": ");
            md_text(&h, s->a, " ", 0);
        }
        break;
    default: {
        rb_buf src;
        buf_init(&src);
        src_stmt(&src, s);
        md_code(&h, buf_cstr(&src));
        buf_free(&src);
        break;
    }
    }
    md_head_only(m, marker, &h);
    buf_free(&h);
}

/* What a timer's times are measured from: where it is declared. */
typedef enum { SCOPE_INCIDENT, SCOPE_PHASE, SCOPE_STEP } timer_scope;

static const char *scope_phrase(timer_scope scope)
{
    static const char *const phrases[] = {"measured from the start of the incident",
                                          "measured from the start of this phase",
                                          "measured from the start of this step"};
    return phrases[scope];
}

static void md_escalation_item(md *m, const rb_node *s, const char *marker)
{
    rb_buf h;
    buf_init(&h);
    buf_adds(&h, "**Escalation**");
    if (s->str) {
        buf_adds(&h, " *");
        md_escape(&h, s->str, " ", 0);
        buf_addc(&h, '*');
    }
    buf_printf(&h, " (%s):", scope_phrase(SCOPE_STEP));
    size_t old = md_item(m, marker, &h);
    md_blank(m);
    md_ladder(m, s);
    md_blank(m);
    md_pop(m, old);
    buf_free(&h);
}

/* `every D until c for D { … }` as an item with its body nested. */
static void md_every(md *m, const rb_node *s, const char *marker, timer_scope scope)
{
    rb_buf h;
    buf_init(&h);
    buf_adds(&h, "**Every ");
    md_atom(&h, s->a);
    buf_adds(&h, "**");
    if (s->b) {
        buf_adds(&h, " until ");
        md_src(&h, s->b);
    }
    if (s->c) {
        buf_adds(&h, ", for at most ");
        md_atom(&h, s->c);
    }
    if (scope != SCOPE_INCIDENT) buf_printf(&h, " (%s)", scope_phrase(scope));
    buf_addc(&h, ':');
    md_item_block(m, marker, &h, s->d);
    buf_free(&h);
}

/* One statement as a list item introduced by marker ("1. " or "- "). */
static void md_stmt(md *m, const rb_node *s, const char *marker)
{
    switch (s->kind) {
    case N_NOTE: case N_WARN: md_note(m, s, marker); break;
    case N_LET: case N_ASSIGN: md_binding(m, s, marker); break;
    case N_EXPRSTMT: md_exprstmt(m, s, marker); break;
    case N_CONFIRM: md_confirm(m, s, marker); break;
    case N_APPROVE: md_approve(m, s, marker); break;
    case N_CHOOSE: md_choose(m, s, marker); break;
    case N_CHECKLIST: md_checklist(m, s, marker); break;
    case N_IF: md_if(m, s, marker); break;
    case N_WHILE: case N_FOR: md_loop(m, s, marker); break;
    case N_WAIT: case N_WAITUNTIL: md_wait(m, s, marker); break;
    case N_ESCALATION: md_escalation_item(m, s, marker); break;
    case N_EVERY: md_every(m, s, marker, SCOPE_STEP); break;
    default: md_simple(m, s, marker); break;
    }
}

/* The statements of a block as a list: numbered at a step's top level, else bulleted. */
static void md_block(md *m, const rb_node *blk, int numbered)
{
    int i = 0;
    for (const rb_node *s = blk ? blk->a : NULL; s; s = s->next) {
        char marker[16];
        if (numbered) snprintf(marker, sizeof marker, "%d. ", ++i);
        else snprintf(marker, sizeof marker, "- ");
        md_stmt(m, s, marker);
    }
}

/* ------------------------------------------------------------------------------------- */
/* Markdown: the sections                                                                 */
/* ------------------------------------------------------------------------------------- */

/* An escalation ladder as a table of rungs, and its repeat period after it. */
static void md_ladder(md *m, const rb_node *esc)
{
    rb_buf row, cell;
    buf_init(&row);
    buf_init(&cell);
    const rb_node *repeat = NULL;
    md_put(m, "| At | Condition | Action |");
    md_put(m, "| --- | --- | --- |");
    for (const rb_node *r = esc->a; r; r = r->next) {
        if (r->kind == N_REPEAT) {
            repeat = r;
            continue;
        }
        buf_reset(&row);
        buf_addc(&row, '|');
        buf_reset(&cell);
        md_atom(&cell, r->a);
        md_cell(&row, buf_cstr(&cell));
        buf_reset(&cell);
        if (r->b) {
            buf_adds(&cell, "unless ");
            md_src(&cell, r->b);
        }
        if (r->c) {
            buf_adds(&cell, r->b ? ", when " : "when ");
            md_src(&cell, r->c);
        }
        md_cell(&row, buf_cstr(&cell));
        buf_reset(&cell);
        rb_buf src;
        buf_init(&src);
        src_stmts(&src, r->d ? r->d->a : NULL);
        if (src.len) md_code(&cell, buf_cstr(&src));
        buf_free(&src);
        md_cell(&row, buf_cstr(&cell));
        md_putb(m, &row);
    }
    if (repeat) {
        buf_reset(&row);
        buf_adds(&row, "Then the ladder repeats every ");
        md_atom(&row, repeat->a);
        buf_addc(&row, '.');
        md_blank(m);
        md_putb(m, &row);
    }
    buf_free(&row);
    buf_free(&cell);
}

/* A section for an escalation declared at the top level ("##") or in a phase ("###"). */
static void md_escalation_section(md *m, const rb_node *esc, int level, timer_scope scope)
{
    rb_buf h;
    buf_init(&h);
    buf_adds(&h, "Escalation");
    if (esc->str) {
        buf_adds(&h, ": ");
        md_escape(&h, esc->str, " ", 1);
    }
    md_heading(m, level, buf_cstr(&h));
    buf_reset(&h);
    buf_printf(&h, "Times are %s; the ladder stops when the incident is resolved.", scope_phrase(scope));
    md_putb(m, &h);
    md_blank(m);
    md_ladder(m, esc);
    buf_free(&h);
}

static void md_title(md *m, const ast_file *f, const rb_node *hdr)
{
    rb_buf h;
    buf_init(&h);
    buf_adds(&h, "# ");
    if (hdr) {
        md_text(&h, hdr->b, " ", 1);
    } else {
        buf_adds(&h, f->is_module ? "Module " : "Runbook ");
        md_escape(&h, base_name(f->src.name ? f->src.name : "?"), " ", 1);
    }
    md_putb(m, &h);
    buf_free(&h);
}

/* The label of a header field in the metadata table. */
static const char *hfield_label(const char *name)
{
    static const char *const labels[] = {"id", "ID", "severity", "Severity", "owner", "Owner",
                                         "summary", "Summary", "tags", "Tags",
                                         "respond", "Respond within", "resolve", "Resolve within"};
    for (size_t i = 0; i < sizeof labels / sizeof *labels; i += 2)
        if (strcmp(name, labels[i]) == 0) return labels[i + 1];
    return NULL;
}

static void md_hfield(md *m, const rb_node *fld)
{
    rb_buf row, cell;
    buf_init(&row);
    buf_init(&cell);
    const char *label = hfield_label(fld->str);
    buf_addc(&row, '|');
    if (label) buf_adds(&cell, label);
    else md_escape(&cell, fld->str, " ", 0);
    md_cell(&row, buf_cstr(&cell));
    buf_reset(&cell);
    if (strcmp(fld->str, "id") == 0 && is_text(fld->a)) {
        md_plain_code(&cell, fld->a);
    } else if (strcmp(fld->str, "tags") == 0 && fld->a && fld->a->kind == N_LIST) {
        for (const rb_node *t = fld->a->a; t; t = t->next) {
            md_plain_code(&cell, t);
            if (t->next) buf_adds(&cell, ", ");
        }
    } else {
        md_value(&cell, fld->a);
    }
    if (strcmp(fld->str, "respond") == 0) buf_adds(&cell, " (acknowledgement target)");
    if (strcmp(fld->str, "resolve") == 0) buf_adds(&cell, " (resolution target)");
    md_cell(&row, buf_cstr(&cell));
    md_putb(m, &row);
    buf_free(&row);
    buf_free(&cell);
}

/* The header's fields as a table: the known ones in a fixed order, then the others. */
static void md_header(md *m, const rb_node *hdr)
{
    static const char *const order[] = {"id", "severity", "owner", "summary", "tags", "respond", "resolve"};
    if (!hdr || !hdr->a) return;
    md_blank(m);
    md_put(m, "| Field | Value |");
    md_put(m, "| --- | --- |");
    for (size_t i = 0; i < sizeof order / sizeof *order; i++)
        for (const rb_node *fld = hdr->a; fld; fld = fld->next)
            if (strcmp(fld->str, order[i]) == 0) md_hfield(m, fld);
    for (const rb_node *fld = hdr->a; fld; fld = fld->next)
        if (!hfield_label(fld->str)) md_hfield(m, fld);
}

/* Does the file declare anything of this kind at the top level? */
static int has_decl(const ast_file *f, node_kind k)
{
    for (const rb_node *d = f->root ? f->root->a : NULL; d; d = d->next)
        if (d->kind == k) return 1;
    return 0;
}

static void md_modules(md *m, const ast_file *f)
{
    if (!has_decl(f, N_USE)) return;
    md_heading(m, 2, "Modules");
    rb_buf h;
    buf_init(&h);
    for (const rb_node *d = f->root->a; d; d = d->next) {
        if (d->kind != N_USE) continue;
        buf_reset(&h);
        if (d->num) md_plain_code(&h, d->a);
        else md_code(&h, d->str);
        if (d->num) buf_adds(&h, " (file)");
        if (d->str2) {
            buf_adds(&h, " as ");
            md_code(&h, d->str2);
        }
        md_head_only(m, "- ", &h);
    }
    buf_free(&h);
}

static void md_params(md *m, const ast_file *f)
{
    if (!has_decl(f, N_PARAM)) return;
    md_heading(m, 2, "Parameters");
    md_put(m, "Set with `--set NAME=VALUE`; a parameter without a default is asked for.");
    md_blank(m);
    md_put(m, "| Name | Type | Default | Description |");
    md_put(m, "| --- | --- | --- | --- |");
    rb_buf row, cell;
    buf_init(&row);
    buf_init(&cell);
    for (const rb_node *d = f->root->a; d; d = d->next) {
        if (d->kind != N_PARAM) continue;
        buf_reset(&row);
        buf_addc(&row, '|');
        buf_reset(&cell);
        md_code(&cell, d->str);
        md_cell(&row, buf_cstr(&cell));
        buf_reset(&cell);
        if (d->str2) md_code(&cell, d->str2);
        md_cell(&row, buf_cstr(&cell));
        buf_reset(&cell);
        if (d->a) md_src(&cell, d->a);
        else buf_adds(&cell, "*(asked)*");
        md_cell(&row, buf_cstr(&cell));
        buf_reset(&cell);
        if (d->b) md_text(&cell, d->b, "<br>", 0);
        md_cell(&row, buf_cstr(&cell));
        md_putb(m, &row);
    }
    buf_free(&row);
    buf_free(&cell);
}

/* Secrets by name only: their value expressions may hold literal credentials. */
static void md_secrets(md *m, const ast_file *f)
{
    if (!has_decl(f, N_SECRET)) return;
    md_heading(m, 2, "Secrets");
    md_put(m, "Values are never shown; anything derived from them is redacted in output and records.");
    md_blank(m);
    rb_buf h;
    buf_init(&h);
    for (const rb_node *d = f->root->a; d; d = d->next) {
        if (d->kind != N_SECRET) continue;
        buf_reset(&h);
        md_code(&h, d->str);
        md_head_only(m, "- ", &h);
    }
    buf_free(&h);
}

static void md_globals(md *m, const ast_file *f)
{
    if (!has_decl(f, N_LET)) return;
    md_heading(m, 2, "Variables");
    rb_buf h, src;
    buf_init(&h);
    buf_init(&src);
    for (const rb_node *d = f->root->a; d; d = d->next) {
        if (d->kind != N_LET) continue;
        buf_reset(&h);
        buf_reset(&src);
        src_stmt(&src, d);
        md_code(&h, buf_cstr(&src));
        md_head_only(m, "- ", &h);
    }
    buf_free(&h);
    buf_free(&src);
}

static void md_timers(md *m, const ast_file *f)
{
    for (const rb_node *d = f->root ? f->root->a : NULL; d; d = d->next)
        if (d->kind == N_ESCALATION) md_escalation_section(m, d, 2, SCOPE_INCIDENT);
    if (!has_decl(f, N_EVERY)) return;
    md_heading(m, 2, "Recurring");
    md_put(m, "Each fires first one interval after the run starts.");
    md_blank(m);
    for (const rb_node *d = f->root->a; d; d = d->next)
        if (d->kind == N_EVERY) md_every(m, d, "- ", SCOPE_INCIDENT);
}

/* Every step at a glance, linked to its section. */
static void md_contents(md *m)
{
    if (m->steps->n == 0) return;
    md_heading(m, 2, "Steps");
    rb_buf h;
    buf_init(&h);
    for (int i = 0; i < m->steps->n; i++) {
        const view_step *s = &m->steps->v[i];
        buf_reset(&h);
        buf_printf(&h, "%d. [", i + 1);
        md_text(&h, s->node->d, " ", 0);
        buf_adds(&h, "](#");
        md_anchor(&h, s->id);
        buf_addc(&h, ')');
        if (s->phase) {
            buf_adds(&h, " — ");
            md_text(&h, s->phase->b, " ", 0);
        }
        md_putb(m, &h);
    }
    buf_free(&h);
}

/* "Id: `x` · Within: 10m · Timeout: 5m · Retries: 2" */
static void md_step_meta(md *m, const view_step *s)
{
    rb_buf h;
    buf_init(&h);
    buf_adds(&h, "Id: ");
    md_code(&h, s->id);
    if (s->slugged) buf_adds(&h, " (from the title)");
    const ast_file *f = m->steps ? m->steps->file : NULL;
    if (f && s->node->origin && s->node->origin < f->norigins) {   /* a module's shared part */
        const ast_origin *o = &f->origins[s->node->origin];
        const char *base = strrchr(o->file->src.name, '/');
        buf_printf(&h, " · From: %s:%d (`%s`)", base ? base + 1 : o->file->src.name, s->node->loc.line, o->what);
    }
    for (const rb_node *o = s->node->opts; o; o = o->next) {
        const char *name = strcmp(o->str, "within") == 0 ? "Within" : strcmp(o->str, "timeout") == 0 ? "Timeout" :
                           strcmp(o->str, "retries") == 0 ? "Retries" : o->str;
        buf_printf(&h, " · %s: ", name);
        md_atom(&h, o->a);
    }
    md_putb(m, &h);
    buf_free(&h);
}

/* A step block (rollback, on failure) under its own small heading. */
static void md_step_extra(md *m, const char *title, const rb_node *blk)
{
    if (!blk) return;
    md_heading(m, 4, title);
    if (blk->a) md_block(m, blk, 1);
    else md_put(m, "*Nothing to do.*");
}

static void md_step(md *m, int i)
{
    const view_step *s = &m->steps->v[i];
    rb_buf h;
    buf_init(&h);
    buf_adds(&h, "<a id=\"");
    md_anchor(&h, s->id);
    buf_printf(&h, "\"></a>%d. ", i + 1);
    md_text(&h, s->node->d, " ", 1);
    md_heading(m, 3, buf_cstr(&h));
    md_step_meta(m, s);
    md_blank(m);
    if (s->node->a && s->node->a->a) md_block(m, s->node->a, 1);
    else md_put(m, "*No actions.*");
    md_step_extra(m, "Rollback", s->node->b);
    md_step_extra(m, "On failure", s->node->c);
    buf_free(&h);
}

static void md_phase(md *m, const rb_node *ph)
{
    rb_buf h;
    buf_init(&h);
    buf_adds(&h, "Phase: ");
    md_text(&h, ph->b, " ", 1);
    const rb_node *within = ast_opt(ph, "within");
    if (within) {
        buf_adds(&h, " (within ");
        md_atom(&h, within->a);
        buf_addc(&h, ')');
    }
    md_heading(m, 2, buf_cstr(&h));
    if (!ph->a) md_put(m, "*No steps.*");
    for (const rb_node *it = ph->a; it; it = it->next) {
        if (it->kind == N_STEP) {
            md_step(m, steps_index(m->steps, it));
        } else if (it->kind == N_ESCALATION) {
            md_escalation_section(m, it, 3, SCOPE_PHASE);
        } else if (it->kind == N_EVERY) {
            md_heading(m, 3, "Recurring");
            md_every(m, it, "- ", SCOPE_PHASE);
        }
    }
    buf_free(&h);
}

/* Phases and steps in source order; steps between phases under a heading of their own. */
static void md_procedure(md *m, const ast_file *f)
{
    int in_steps = 0, phases = has_decl(f, N_PHASE);
    for (const rb_node *d = f->root ? f->root->a : NULL; d; d = d->next) {
        if (d->kind == N_PHASE) {
            md_phase(m, d);
            in_steps = 0;
        } else if (d->kind == N_STEP) {
            if (!in_steps) md_heading(m, 2, phases ? "Steps outside any phase" : "Procedure");
            in_steps = 1;
            md_step(m, steps_index(m->steps, d));
        }
    }
}

static void md_functions(md *m, const ast_file *f)
{
    if (!has_decl(f, N_FN)) return;
    md_heading(m, 2, "Functions");
    rb_buf h, sig;
    buf_init(&h);
    buf_init(&sig);
    for (const rb_node *d = f->root->a; d; d = d->next) {
        if (d->kind != N_FN) continue;
        buf_reset(&h);
        buf_reset(&sig);
        buf_printf(&sig, "%s(", d->str);
        for (const rb_node *p = d->a; p; p = p->next) buf_printf(&sig, "%s%s", p->str, p->next ? ", " : "");
        buf_addc(&sig, ')');
        md_code(&h, buf_cstr(&sig));
        md_head_only(m, "- ", &h);
    }
    buf_free(&h);
    buf_free(&sig);
}

/*
 * Write f as a Markdown document to out: title and metadata table, modules, parameters,
 * secrets (names only), variables, escalation ladders and recurring actions, a list of the
 * steps, each phase with its steps as numbered procedures (rollback and on-failure blocks
 * as sub-sections), and the functions.  f must have parsed (f->root may still be NULL: then
 * only the title is written).  Never evaluates anything; the output ends with one newline.
 */
void view_markdown(FILE *out, const ast_file *f)
{
    step_table steps;
    steps_collect(&steps, f);
    md m = {.out = out, .steps = &steps};
    buf_init(&m.prefix);
    const rb_node *hdr = file_header(f);
    md_title(&m, f, hdr);
    md_header(&m, hdr);
    md_modules(&m, f);
    md_params(&m, f);
    md_secrets(&m, f);
    md_globals(&m, f);
    md_timers(&m, f);
    md_contents(&m);
    md_procedure(&m, f);
    md_functions(&m, f);
    buf_free(&m.prefix);
    steps_free(&steps);
}

/* ------------------------------------------------------------------------------------- */
/* Graphviz: the decision tree                                                            */
/* ------------------------------------------------------------------------------------- */

/*
 * Edges are found by walking each step's statements path by path: a `goto` ends a path at
 * its target, `abort` and `fail` at the end node, and a path that runs off the end of the
 * body at the next step.  `choose` arms and `if` branches that hold a jump split the path,
 * and the option text or condition becomes part of the edge label; statements that cannot
 * change where a step goes are stepped over, so plain `if`s never multiply paths.  A
 * `confirm` gate adds a side path to the next step ("not confirmed": "no" skips the rest of
 * the step) without splitting.  A budget bounds the walk for pathological nesting.
 */
#define DOT_MAX_PATHS 4096

typedef enum { END_NEXT, END_GOTO, END_STOP } end_kind;

typedef struct dot_end {
    char *target;       /* node name: "s3", "end", or a quoted unknown-target node */
    char *label;        /* the conditions on the path ("" when none) */
    end_kind kind;
} dot_end;

typedef struct dot {
    FILE *out;
    const step_table *steps;
    int cur;             /* index of the step being walked */
    rb_buf label;        /* conditions of the path being walked, " / "-joined */
    dot_end *ends;       /* path ends of the current step, without duplicates */
    int n, cap;
    int paths;           /* paths walked for the current step */
} dot;

/* Quote s for a dot string: '"' and '\\' escaped, line breaks as \n. */
static void dot_escape(rb_buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '\n') buf_adds(b, "\\n");
        else if (*s == '\r') continue;
        else if (*s == '"' || *s == '\\') buf_printf(b, "\\%c", *s);
        else buf_addc(b, *s);
    }
}

static void dot_quoted(rb_buf *b, const char *s)
{
    buf_addc(b, '"');
    dot_escape(b, s);
    buf_addc(b, '"');
}

/*
 * What a statement (or block) can do to where its step goes: DOT_SPLITS when it holds a
 * goto, abort, fail or a choose (paths must be followed through it), DOT_GATES when it only
 * holds a confirm gate (a side path to the next step), else 0.  Timer bodies do not count.
 */
enum { DOT_GATES = 1, DOT_SPLITS = 2 };

static int dot_effect(const rb_node *n)
{
    int e = 0;
    if (!n) return 0;
    switch (n->kind) {
    case N_GOTO: case N_ABORT: case N_FAIL: return DOT_SPLITS;
    case N_CONFIRM: return DOT_GATES;
    case N_CHOOSE: return n->b ? DOT_SPLITS : 0;
    case N_IF: return dot_effect(n->b) | dot_effect(n->c);
    case N_WHILE: case N_FOR: return dot_effect(n->b);
    case N_BLOCK:
        for (const rb_node *s = n->a; s; s = s->next) e |= dot_effect(s);
        return e;
    default: return 0;
    }
}

static size_t dot_push(dot *d, const char *what)
{
    size_t old = d->label.len;
    if (old) buf_adds(&d->label, " / ");
    buf_adds(&d->label, what);
    return old;
}

static size_t dot_push_plain(dot *d, const rb_node *n)
{
    rb_buf t;
    buf_init(&t);
    node_plain(&t, n);
    size_t old = dot_push(d, buf_cstr(&t));
    buf_free(&t);
    return old;
}

static void dot_pop(dot *d, size_t old)
{
    d->label.len = old;
    if (d->label.data) d->label.data[old] = '\0';
}

/* Record where the current path ends (once per distinct target, label and kind). */
static void dot_end_at(dot *d, end_kind kind, const char *target, const char *what)
{
    d->paths++;
    size_t old = what ? dot_push(d, what) : d->label.len;
    const char *label = buf_cstr(&d->label);
    for (int i = 0; i < d->n; i++) {
        if (d->ends[i].kind == kind && strcmp(d->ends[i].target, target) == 0 &&
            strcmp(d->ends[i].label, label) == 0) {
            dot_pop(d, old);
            return;
        }
    }
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 8;
        d->ends = rb_xrealloc(d->ends, (size_t)d->cap * sizeof *d->ends);
    }
    d->ends[d->n++] = (dot_end){rb_xstrdup(target), rb_xstrdup(label), kind};
    dot_pop(d, old);
}

/* The node a path reaches by running off the end of the current step. */
static void dot_next_name(const dot *d, rb_buf *b)
{
    if (d->cur + 1 < d->steps->n) buf_printf(b, "s%d", d->cur + 2);
    else buf_adds(b, "end");
}

static void dot_end_next(dot *d, const char *what)
{
    rb_buf t;
    buf_init(&t);
    dot_next_name(d, &t);
    dot_end_at(d, END_NEXT, buf_cstr(&t), what);
    buf_free(&t);
}

static void dot_end_goto(dot *d, const char *id)
{
    rb_buf t;
    buf_init(&t);
    int i = steps_find(d->steps, id);
    if (i >= 0) {
        buf_printf(&t, "s%d", i + 1);
    } else {
        buf_adds(&t, "\"unknown:");
        dot_escape(&t, id);
        buf_addc(&t, '"');
    }
    dot_end_at(d, END_GOTO, buf_cstr(&t), NULL);
    buf_free(&t);
}

/* The rest of the enclosing blocks, innermost first: where a path goes after a block. */
typedef struct dot_cont {
    const rb_node *rest;
    const struct dot_cont *up;
    int stop;           /* the walk only looks for gates here: a path ending here is dropped */
    int reset;          /* cut the label back to `keep` bytes before walking rest */
    size_t keep;
} dot_cont;

static void dot_walk(dot *d, const rb_node *s, const dot_cont *k);

/*
 * The branches of an if, each labelled with its condition ("else" for the last).  A path
 * that leaves a branch at its end drops that label again: once the branches join, which
 * one ran no longer decides where the step goes.
 */
static void dot_if(dot *d, const rb_node *s, const dot_cont *after)
{
    dot_cont joined = *after, *k = &joined;
    joined.reset = 1;
    joined.keep = d->label.len;
    const rb_node *br = s;
    for (; br && br->kind == N_IF; br = br->c) {
        rb_buf cond;
        buf_init(&cond);
        ast_expr_str(&cond, br->a);
        size_t old = dot_push(d, buf_cstr(&cond));
        buf_free(&cond);
        dot_walk(d, br->b ? br->b->a : NULL, k);
        dot_pop(d, old);
    }
    if (br) {
        size_t old = dot_push(d, "else");
        dot_walk(d, br->a, k);
        dot_pop(d, old);
    } else {
        dot_walk(d, NULL, k);
    }
}

static void dot_choose(dot *d, const rb_node *s, const dot_cont *k)
{
    for (const rb_node *arm = s->b; arm; arm = arm->next) {
        size_t old = dot_push_plain(d, arm->a);
        dot_walk(d, arm->b ? arm->b->a : NULL, k);
        dot_pop(d, old);
    }
}

/* Record the gates inside a statement that cannot end a path, then carry on after it. */
static void dot_gates(dot *d, const rb_node *s)
{
    static const dot_cont stop = {NULL, NULL, 1, 0, 0};
    if (s->kind == N_IF) dot_if(d, s, &stop);
    else dot_walk(d, s->b ? s->b->a : NULL, &stop);
}

/* Walk the statements from s on, then the continuations k; record each path's end. */
static void dot_walk(dot *d, const rb_node *s, const dot_cont *k)
{
    if (d->paths >= DOT_MAX_PATHS) return;
    for (; s; s = s->next) {
        dot_cont here = {s->next, k, 0, 0, 0};
        int effect = dot_effect(s);
        switch (s->kind) {
        case N_GOTO: dot_end_goto(d, s->str); return;
        case N_ABORT: dot_end_at(d, END_STOP, "end", "abort"); return;
        case N_FAIL: dot_end_at(d, END_STOP, "end", "fail"); return;
        case N_CONFIRM: dot_end_next(d, "not confirmed"); break;
        case N_CHOOSE:
            if (!s->b) break;
            dot_choose(d, s, &here);
            return;
        case N_IF:
            if (effect & DOT_SPLITS) {
                dot_if(d, s, &here);
                return;
            }
            if (effect) dot_gates(d, s);
            break;
        case N_WHILE: case N_FOR:
            /* the body may run (and jump), or not run at all */
            if (effect & DOT_SPLITS) dot_walk(d, s->b->a, &here);
            else if (effect) dot_gates(d, s);
            break;
        default: break;
        }
    }
    if (k && k->stop) return;
    if (!k) {
        dot_end_next(d, NULL);
    } else if (!k->reset) {
        dot_walk(d, k->rest, k->up);
    } else {
        char *label = rb_xstrdup(buf_cstr(&d->label));
        dot_pop(d, k->keep);
        dot_walk(d, k->rest, k->up);
        buf_reset(&d->label);
        buf_adds(&d->label, label);
        rb_free(label);
    }
}

static void dot_clear_ends(dot *d)
{
    for (int i = 0; i < d->n; i++) {
        rb_free(d->ends[i].target);
        rb_free(d->ends[i].label);
    }
    d->n = 0;
    d->paths = 0;
}

/* Is there a path of this kind to this target with no conditions on it? */
static int dot_unconditional(const dot *d, const dot_end *e)
{
    for (int i = 0; i < d->n; i++)
        if (d->ends[i].kind == e->kind && strcmp(d->ends[i].target, e->target) == 0 && !d->ends[i].label[0])
            return 1;
    return 0;
}

/* Does e repeat an edge already drawn (an unconditional one stands for all of its kind)? */
static int dot_drawn(const dot *d, int i)
{
    const dot_end *e = &d->ends[i];
    if (!dot_unconditional(d, e)) return 0;
    for (int j = 0; j < i; j++)
        if (d->ends[j].kind == e->kind && strcmp(d->ends[j].target, e->target) == 0) return 1;
    return 0;
}

/*
 * Declare, once, the node of a goto target that is no step (the checker rejects those, so
 * this only shows when view is given a tree that was not checked).  declared holds the
 * names seen so far, one per line.
 */
static void dot_unknown_node(dot *d, const char *target, rb_buf *declared)
{
    if (target[0] != '"') return;
    rb_buf key;
    buf_init(&key);
    buf_printf(&key, "\n%s\n", target);
    if (!strstr(buf_cstr(declared), buf_cstr(&key))) {
        if (!declared->len) buf_addc(declared, '\n');
        buf_adds(declared, buf_cstr(&key) + 1);
        fprintf(d->out, "  %s [shape=octagon, style=dashed];\n", target);
    }
    buf_free(&key);
}

static void dot_edge(dot *d, const dot_end *e, int unconditional)
{
    rb_buf line;
    buf_init(&line);
    buf_printf(&line, "  s%d -> %s", d->cur + 1, e->target);
    const char *label = unconditional ? "" : e->label;
    if (e->kind == END_GOTO && !label[0]) label = "goto";
    const char *style = e->kind == END_GOTO ? "dashed" : e->kind == END_STOP ? "dotted" : NULL;
    if (label[0] || style) {
        buf_adds(&line, " [");
        if (label[0]) {
            buf_adds(&line, "label=");
            dot_quoted(&line, label);
        }
        if (style) buf_printf(&line, "%sstyle=%s", label[0] ? ", " : "", style);
        buf_addc(&line, ']');
    }
    fprintf(d->out, "%s;\n", buf_cstr(&line));
    buf_free(&line);
}

/* All edges out of step i: its body's path ends, then those of its on-failure block. */
static void dot_step_edges(dot *d, int i, rb_buf *declared)
{
    const rb_node *st = d->steps->v[i].node;
    d->cur = i;
    dot_clear_ends(d);
    dot_walk(d, st->a ? st->a->a : NULL, NULL);
    if (st->c) {
        size_t old = dot_push(d, "on failure");
        dot_walk(d, st->c->a, NULL);
        dot_pop(d, old);
    }
    for (int k = 0; k < d->n; k++) {
        if (dot_drawn(d, k)) continue;
        dot_unknown_node(d, d->ends[k].target, declared);
        dot_edge(d, &d->ends[k], dot_unconditional(d, &d->ends[k]));
    }
}

static void dot_step_node(dot *d, int i, const char *indent)
{
    const view_step *s = &d->steps->v[i];
    rb_buf t, line;
    buf_init(&t);
    buf_init(&line);
    node_plain(&t, s->node->d);
    while (t.len > 0 && t.data[t.len - 1] == '\n') t.data[--t.len] = '\0';
    buf_printf(&t, "\n(%s)", s->id);
    buf_printf(&line, "%ss%d [label=", indent, i + 1);
    dot_quoted(&line, buf_cstr(&t));
    fprintf(d->out, "%s];\n", buf_cstr(&line));
    buf_free(&t);
    buf_free(&line);
}

static void dot_cluster(dot *d, const rb_node *ph, int n)
{
    rb_buf t, line;
    buf_init(&t);
    buf_init(&line);
    buf_adds(&t, "Phase: ");
    node_plain(&t, ph->b);
    const rb_node *within = ast_opt(ph, "within");
    if (within) {
        buf_adds(&t, " (within ");
        ast_expr_str(&t, within->a);
        buf_addc(&t, ')');
    }
    fprintf(d->out, "  subgraph cluster_%d {\n", n);
    buf_adds(&line, "    label=");
    dot_quoted(&line, buf_cstr(&t));
    fprintf(d->out, "%s;\n", buf_cstr(&line));
    for (const rb_node *s = ph->a; s; s = s->next)
        if (s->kind == N_STEP) dot_step_node(d, steps_index(d->steps, s), "    ");
    fprintf(d->out, "  }\n");
    buf_free(&t);
    buf_free(&line);
}

static void dot_graph_label(dot *d, const ast_file *f)
{
    const rb_node *hdr = file_header(f);
    rb_buf t, line;
    buf_init(&t);
    buf_init(&line);
    if (hdr) node_plain(&t, hdr->b);
    else buf_adds(&t, base_name(f->src.name ? f->src.name : "?"));
    buf_adds(&line, "  label=");
    dot_quoted(&line, buf_cstr(&t));
    fprintf(d->out, "%s;\n  labelloc=t;\n", buf_cstr(&line));
    buf_free(&t);
    buf_free(&line);
}

/*
 * Write f's decision tree to out as a Graphviz digraph: a start and an end node, a box per
 * step labelled with its title and id (inside a cluster per phase), and the edges its
 * statements allow (see the comment above DOT_MAX_PATHS).  Deterministic; never evaluates.
 */
void view_dot(FILE *out, const ast_file *f)
{
    step_table steps;
    steps_collect(&steps, f);
    dot d = {.out = out, .steps = &steps};
    buf_init(&d.label);
    fprintf(out, "digraph runbook {\n");
    dot_graph_label(&d, f);
    fprintf(out, "  node [shape=box];\n  start [label=\"start\", shape=ellipse];\n"
                 "  end [label=\"end\", shape=ellipse];\n");
    int clusters = 0;
    for (const rb_node *n = f->root ? f->root->a : NULL; n; n = n->next) {
        if (n->kind == N_PHASE) dot_cluster(&d, n, ++clusters);
        else if (n->kind == N_STEP) dot_step_node(&d, steps_index(&steps, n), "  ");
    }
    fprintf(out, "  start -> %s;\n", steps.n ? "s1" : "end");
    rb_buf declared;
    buf_init(&declared);
    for (int i = 0; i < steps.n; i++) dot_step_edges(&d, i, &declared);
    fprintf(out, "}\n");
    dot_clear_ends(&d);
    rb_free(d.ends);
    buf_free(&d.label);
    buf_free(&declared);
    steps_free(&steps);
}

/* ------------------------------------------------------------------------------------- */
/* The subcommand                                                                         */
/* ------------------------------------------------------------------------------------- */

static int view_usage(const char *why)
{
    if (why) fprintf(stderr, "runbook view: %s\n", why);
    fprintf(stderr, "usage: runbook view FILE [--format md|dot]\n");
    return EXIT_USAGE;
}

/*
 * `runbook view FILE [--format md|dot]` (also --format=md): load FILE as exec would
 * (front_load prints syntax and checker errors) and print it as Markdown (the default) or
 * dot on stdout.  Returns 0, 2 for a usage error or a file that cannot be read, parsed or
 * checked, 1 when stdout cannot be written.
 */
int cmd_view(int argc, char **argv)
{
    const char *path = NULL;
    int as_dot = 0, opts_done = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!opts_done && strcmp(a, "--") == 0) {
            opts_done = 1;
        } else if (!opts_done && (strcmp(a, "--format") == 0 || strncmp(a, "--format=", 9) == 0)) {
            const char *v = a[8] == '=' ? a + 9 : (i + 1 < argc ? argv[++i] : NULL);
            if (v && strcmp(v, "md") == 0) as_dot = 0;
            else if (v && strcmp(v, "dot") == 0) as_dot = 1;
            else return view_usage("--format takes md or dot");
        } else if (!opts_done && a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "runbook view: unknown option '%s'\n", a);
            return view_usage(NULL);
        } else if (path) {
            return view_usage("one FILE at a time");
        } else {
            path = a;
        }
    }
    if (!path) return view_usage(NULL);

    module_set ms;
    module_set_init(&ms);
    ast_file *f = front_load(path, &ms);
    if (!f) {
        module_set_free(&ms);
        return EXIT_USAGE;
    }
    if (as_dot) view_dot(stdout, f);
    else view_markdown(stdout, f);
    ast_file_free(f);
    module_set_free(&ms);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "runbook view: cannot write the output: %s\n", strerror(errno));
        return EXIT_FAILED;
    }
    return EXIT_OK;
}
