/*
 * view_md.c — Markdown for `runbook view`: escaping, inline pieces, lines, prefixes and
 * tables, and statements as a numbered procedure.
 *
 * Never: execute or evaluate anything from a runbook, print the value expression of a
 * `secret` (it may hold a literal credential: secrets appear by name only), print the value
 * of an Authorization header written in the source, or depend on anything but the tree, so
 * that one file always renders to the same bytes (the output is golden-tested).
 */
#include "view_int.h"

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
void md_escape(rb_buf *b, const char *s, const char *nl, int heading)
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
void vmd_code(rb_buf *b, const char *s)
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
void md_src(rb_buf *b, const rb_node *n)
{
    rb_buf s;
    buf_init(&s);
    ast_expr_str(&s, n);
    vmd_code(b, buf_cstr(&s));
    buf_free(&s);
}

/* A plain-text rendering (node_plain) as a code span. */
void md_plain_code(rb_buf *b, const rb_node *n)
{
    rb_buf s;
    buf_init(&s);
    node_plain(&s, n);
    vmd_code(b, buf_cstr(&s));
    buf_free(&s);
}

/*
 * A string node as running text: literal parts escaped, each interpolation as a code span
 * `#{expr}`.  Any other expression becomes a code span of its source.
 */
void vmd_text(rb_buf *b, const rb_node *n, const char *nl, int heading)
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
                vmd_code(b, buf_cstr(&s));
                buf_free(&s);
            }
        }
    } else {
        md_src(b, n);
    }
}

/* A duration, number or severity as written; anything else as a code span. */
void md_atom(rb_buf *b, const rb_node *n)
{
    if (n && (n->kind == N_DUR || n->kind == N_NUM || n->kind == N_SEV)) ast_expr_str(b, n);
    else md_src(b, n);
}

/* A value shown in a table cell: text as text, lists joined with ", ", else as md_atom. */
void md_value(rb_buf *b, const rb_node *n)
{
    if (is_text(n)) {
        vmd_text(b, n, "<br>", 0);
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
void md_anchor(rb_buf *b, const char *id)
{
    buf_adds(b, "step-");
    for (const char *p = id; *p; p++)
        buf_addc(b, isalnum((unsigned char)*p) || *p == '_' || *p == '-' ? *p : '-');
}


/* Ask for one blank line before whatever comes next (never two, never at the start or end). */
void md_blank(md *m)
{
    m->blank = 1;
}

/* Write text under the current prefix, one output line per line of text, without trailing blanks. */
void md_put(md *m, const char *text)
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

void md_putb(md *m, rb_buf *b)
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
void md_heading(md *m, int level, const char *text)
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
void md_cell(rb_buf *row, const char *content)
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

void md_head_only(md *m, const char *marker, rb_buf *head)
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
        vmd_text(&h, s->a, " ", 0);
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
            vmd_code(b, buf_cstr(&s));
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
        vmd_code(&h, buf_cstr(&t));
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
        vmd_code(&h, result);
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
        vmd_text(&h, q, " ", 0);
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
        vmd_code(&h, result);
    }
    size_t old = md_item(m, marker, &h);
    for (const rb_node *c = choices && choices->kind == N_LIST ? choices->a : NULL; c; c = c->next) {
        buf_reset(&h);
        if (strcmp(name, "checklist") == 0) buf_adds(&h, "[ ] ");
        vmd_text(&h, c, " ", 0);
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
        vmd_code(&h, buf_cstr(&src));
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
    vmd_code(h, key);
    buf_addc(h, ')');
}

static void md_approve(md *m, const rb_node *s, const char *marker)
{
    rb_buf h;
    buf_init(&h);
    buf_adds(&h, "**Approval by a second person:** ");
    vmd_text(&h, s->a, " ", 0);
    const rb_node *role = ast_opt(s, "role"), *t = ast_opt(s, "timeout");
    if (role && role->a) {
        buf_adds(&h, " — approver's role: ");
        vmd_text(&h, role->a, " ", 0);
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
    vmd_text(&h, s->a, " ", 0);
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
    vmd_text(&h, arm->a, " ", 0);
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
    vmd_text(&h, s->a, " ", 0);
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
    vmd_text(&h, s->a, " ", 0);
    md_key(&h, s->str);
    size_t old = md_item(m, marker, &h);
    for (const rb_node *i = s->b; i; i = i->next) {
        buf_reset(&h);
        buf_adds(&h, "[ ] ");
        vmd_text(&h, i, " ", 0);
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
        vmd_code(&h, s->str);
        if (s->str2) {
            buf_adds(&h, ", ");
            vmd_code(&h, s->str2);
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
            vmd_text(&h, s->b, " ", 0);
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
            vmd_text(&h, s->a, " ", 0);
        }
        break;
    default: {
        rb_buf src;
        buf_init(&src);
        src_stmt(&src, s);
        vmd_code(&h, buf_cstr(&src));
        buf_free(&src);
        break;
    }
    }
    md_head_only(m, marker, &h);
    buf_free(&h);
}


const char *scope_phrase(timer_scope scope)
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
void md_every(md *m, const rb_node *s, const char *marker, timer_scope scope)
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
void md_block(md *m, const rb_node *blk, int numbered)
{
    int i = 0;
    for (const rb_node *s = blk ? blk->a : NULL; s; s = s->next) {
        char marker[16];
        if (numbered) snprintf(marker, sizeof marker, "%d. ", ++i);
        else snprintf(marker, sizeof marker, "- ");
        md_stmt(m, s, marker);
    }
}
