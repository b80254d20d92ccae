/*
 * shctx.c — where an interpolation lands in a sh command's text, and the built command.
 *
 * Owns the rule of include/shctx.h: a value is never shell source.  The tracker follows
 * the author's literal text through the shell's quoting and substitutions (a stack of
 * frames: the command, '…', "…", $'…', `…`, $(…), $((…)), ${…}, comments, heredoc bodies)
 * only to choose how a variable reference is written and to refuse places that do not
 * expand one; the built script holds references, never values, so a mistake here can
 * change a command's output but cannot make a value run.
 * Never: evaluate, fork or print.
 */
#include <stdio.h>
#include <string.h>
#include "shctx.h"

enum { FR_CMD, FR_SQ, FR_DQ, FR_DSQ, FR_BQ, FR_CMDSUB, FR_ARITH, FR_PARAM, FR_COMMENT, FR_HEREDOC };

void shctx_init(shctx *s)
{
    memset(s, 0, sizeof *s);
    s->n = 1;
    s->st[0].kind = FR_CMD;
    s->word_start = 1;
}

void shctx_free(shctx *s) { (void)s; }

static shx_frame *top(shctx *s) { return &s->st[s->n - 1]; }

static int is_cmd(int k) { return k == FR_CMD || k == FR_CMDSUB || k == FR_BQ; }

/* Inside double quotes (or an unquoted heredoc body) somewhere below the top? */
static int in_dq(const shctx *s)
{
    const shx_frame *f = &s->st[s->n - 1];
    return f->kind == FR_DQ || (f->kind == FR_HEREDOC && !f->dq) || ((f->kind == FR_PARAM || f->kind == FR_ARITH) && f->dq);
}

static int has_frame(const shctx *s, int kind)
{
    for (int i = 0; i < s->n; i++)
        if (s->st[i].kind == kind) return 1;
    return 0;
}

static void push(shctx *s, int kind, int dq)
{
    if (s->overflow || s->n == SHCTX_DEPTH) {
        s->overflow = 1;   /* sticky: past this depth nothing is known */
        return;
    }
    s->st[s->n++] = (shx_frame){(unsigned char)kind, (unsigned char)dq, 0};
    s->word_start = is_cmd(kind);
}

static void pop(shctx *s)
{
    if (s->n > 1) s->n--;
    s->word_start = 0;
}

/* $ or ` in a place where substitutions happen.  Returns the bytes consumed. */
static size_t subst(shctx *s, const char *t, size_t i, size_t n)
{
    char nx = i + 1 < n ? t[i + 1] : 0, nx2 = i + 2 < n ? t[i + 2] : 0;
    s->word_start = 0;
    if (t[i] == '`') {
        push(s, FR_BQ, 0);
        return 1;
    }
    if (nx == '(' && nx2 == '(') {
        push(s, FR_ARITH, in_dq(s));
        return 3;
    }
    if (nx == '(') {
        push(s, FR_CMDSUB, 0);
        return 2;
    }
    if (nx == '{') {
        push(s, FR_PARAM, in_dq(s));
        return 2;
    }
    if (i + 1 == n) s->dollar = 1;   /* what comes next is read with it */
    return 1;
}

/* The delimiter word after << (quotes and backslashes make the heredoc quoted). */
static size_t tag_byte(shctx *s, char ch)
{
    if (s->tag_state == 1) {
        if (ch == ' ' || ch == '\t') return 1;
        s->tag_state = 2;
    }
    if (s->tag_q) {
        if (ch == s->tag_q) s->tag_q = 0;
        else if (s->tag_len < SHCTX_TAG_MAX - 1) s->tag[s->tag_len++] = ch;
        return 1;
    }
    if (s->esc) {
        s->esc = 0;
        if (s->tag_len < SHCTX_TAG_MAX - 1) s->tag[s->tag_len++] = ch;
        return 1;
    }
    if (ch == '\'' || ch == '"') {
        s->tag_quoted = 1;
        s->tag_q = ch;
        return 1;
    }
    if (ch == '\\') {
        s->tag_quoted = 1;
        s->esc = 1;
        return 1;
    }
    if (strchr(" \t\n;&|<>()", ch)) {
        if (s->nhd < SHCTX_HEREDOCS) {
            memcpy(s->hd[s->nhd].tag, s->tag, s->tag_len);
            s->hd[s->nhd].tag[s->tag_len] = 0;
            s->hd[s->nhd].quoted = s->tag_quoted;
            s->hd[s->nhd].dash = s->tag_dash;
            s->nhd++;
        }
        s->tag_state = 0;
        return 0;   /* the byte is seen again as ordinary text */
    }
    if (s->tag_len < SHCTX_TAG_MAX - 1) s->tag[s->tag_len++] = ch;
    return 1;
}

/* A newline: heredoc bodies start after it, and a body line may end its heredoc. */
static void newline(shctx *s)
{
    shx_frame *f = top(s);
    if (f->kind == FR_HEREDOC) {
        const char *l = s->line;
        size_t len = s->line_len;
        while (s->hd[0].dash && len && *l == '\t') l++, len--;
        if (!s->line_long && !s->line_dirty && len == strlen(s->hd[0].tag) && memcmp(l, s->hd[0].tag, len) == 0) {
            pop(s);
            memmove(&s->hd[0], &s->hd[1], (size_t)(s->nhd - 1) * sizeof s->hd[0]);
            s->nhd--;
            if (s->nhd) push(s, FR_HEREDOC, s->hd[0].quoted);
        }
    } else if (is_cmd(f->kind) && s->nhd && !has_frame(s, FR_HEREDOC)) {
        push(s, FR_HEREDOC, s->hd[0].quoted);
    }
    s->line_len = 0;
    s->line_long = s->line_dirty = 0;
    s->word_start = 1;
}

/* One step in a command-like frame (the command, $(…), `…`). */
static size_t cmd_byte(shctx *s, shx_frame *f, const char *t, size_t i, size_t n)
{
    char ch = t[i], nx = i + 1 < n ? t[i + 1] : 0, nx2 = i + 2 < n ? t[i + 2] : 0;
    if (s->tag_state) return tag_byte(s, ch);
    int ws = s->word_start;
    s->word_start = 0;
    switch (ch) {
    case '\\': s->esc = 1; return 1;
    case '\'': push(s, FR_SQ, 0); return 1;
    case '"': push(s, FR_DQ, 0); return 1;
    case '`':
        if (f->kind == FR_BQ) {
            pop(s);
            return 1;
        }
        return subst(s, t, i, n);
    case '$':
        if (nx == '\'') {
            push(s, FR_DSQ, 0);
            return 2;
        }
        return subst(s, t, i, n);
    case '#':
        if (ws) push(s, FR_COMMENT, 0);
        return 1;
    case '(':
        if (ws && nx == '(') {
            push(s, FR_ARITH, 0);   /* bash's (( … )); in dash, nested subshells */
            return 2;
        }
        if (f->kind == FR_CMDSUB) f->depth++;
        s->word_start = 1;
        return 1;
    case ')':
        if (f->kind == FR_CMDSUB && f->depth == 0) {
            pop(s);
            return 1;
        }
        if (f->kind == FR_CMDSUB) f->depth--;
        s->word_start = 1;
        return 1;
    case '<':
        s->word_start = 1;
        if (nx == '<' && nx2 == '<') return 3;   /* a here-string: a word follows */
        if (nx == '<') {
            s->tag_state = 1;
            s->tag_len = 0;
            s->tag_quoted = 0;
            s->tag_q = 0;
            s->tag_dash = nx2 == '-';
            return s->tag_dash ? 3 : 2;
        }
        return 1;
    case '\n': newline(s); return 1;
    case ' ': case '\t': case ';': case '&': case '|': case '>':
        s->word_start = 1;
        return 1;
    default:
        return 1;
    }
}

/* One step of the text; returns the bytes consumed (0: the frame changed, look again). */
static size_t step(shctx *s, const char *t, size_t i, size_t n)
{
    shx_frame *f = top(s);
    char ch = t[i], nx = i + 1 < n ? t[i + 1] : 0;
    s->dollar = 0;
    if (s->esc && !s->tag_state) {
        s->esc = 0;
        s->word_start = 0;
        return 1;   /* an escaped newline joins lines: not a heredoc line end either */
    }
    switch (f->kind) {
    case FR_COMMENT:
        if (ch != '\n') return 1;
        pop(s);
        return 0;
    case FR_SQ:
        if (ch == '\'') pop(s);
        return 1;
    case FR_DSQ:
        if (ch == '\\') s->esc = 1;
        else if (ch == '\'') pop(s);
        return 1;
    case FR_DQ:
        if (ch == '"') pop(s);
        else if (ch == '\\') s->esc = 1;
        else if (ch == '$' || ch == '`') return subst(s, t, i, n);
        return 1;
    case FR_HEREDOC:
        if (ch == '\n') newline(s);
        else if (f->dq) return 1;   /* quoted: all literal */
        else if (ch == '\\') s->esc = 1;
        else if (ch == '$' || ch == '`') return subst(s, t, i, n);
        return 1;
    case FR_ARITH:
        if (ch == '(') f->depth++;
        else if (ch == ')' && f->depth == 0 && nx == ')') {
            pop(s);
            return 2;
        } else if (ch == ')' && f->depth > 0) f->depth--;
        else if (ch == '$' || ch == '`') return subst(s, t, i, n);
        return 1;
    case FR_PARAM:
        if (ch == '}' && f->depth == 0) pop(s);
        else if (ch == '{') f->depth++;
        else if (ch == '}') f->depth--;
        else if (ch == '\\') s->esc = 1;
        else if (ch == '\'' && !f->dq) push(s, FR_SQ, 0);
        else if (ch == '"') push(s, FR_DQ, 0);
        else if (ch == '$' || ch == '`') return subst(s, t, i, n);
        return 1;
    default:
        return cmd_byte(s, f, t, i, n);
    }
}

void shctx_feed(shctx *s, const char *t, size_t n)
{
    size_t i = 0;
    while (i < n && !s->overflow) {
        int body = has_frame(s, FR_HEREDOC);
        size_t k = step(s, t, i, n);
        if (k == 0) continue;   /* the frame changed: the byte is looked at again */
        /* a newline is always a step of its own, and resets the body line */
        for (size_t j = 0; body && t[i] != '\n' && j < k; j++) {
            if (s->line_len < SHCTX_TAG_MAX) s->line[s->line_len++] = t[i + j];
            else s->line_long = 1;
        }
        i += k;
    }
}

shx_place shctx_place(const shctx *s)
{
    if (s->overflow) return SHX_BAD_DEPTH;
    if (s->tag_state) return SHX_BAD_TAG;
    if (s->esc) return SHX_BAD_ESCAPE;
    if (s->dollar) return SHX_BAD_DOLLAR;
    if (has_frame(s, FR_ARITH)) return SHX_BAD_ARITH;
    const shx_frame *f = &s->st[s->n - 1];
    switch (f->kind) {
    case FR_SQ: return SHX_SQUOTE;
    case FR_DQ: return SHX_DQUOTE;
    case FR_DSQ: return SHX_BAD_DSQUOTE;
    case FR_COMMENT: return SHX_BAD_COMMENT;
    case FR_HEREDOC: return f->dq ? SHX_BAD_QHEREDOC : SHX_DQUOTE;
    case FR_PARAM: return f->dq ? SHX_DQUOTE : SHX_WORD;
    default: return SHX_WORD;
    }
}

const char *shctx_refusal(shx_place p)
{
    switch (p) {
    case SHX_BAD_DSQUOTE:
        return "#{…} inside $'…' in a sh command: the shell expands nothing there (use \"…\" around it instead)";
    case SHX_BAD_ARITH:
        return "#{…} inside $(( … )) or (( … )) in a sh command: the shell would evaluate the value as arithmetic, "
               "which bash can turn into code (compute the number in the runbook, then interpolate it outside)";
    case SHX_BAD_COMMENT:
        return "#{…} in a shell comment: the value would be ignored (a # that starts a word begins a comment "
               "up to the end of the line)";
    case SHX_BAD_QHEREDOC:
        return "#{…} in the body of a quoted heredoc (<<'EOF'): the shell expands nothing there (use <<EOF)";
    case SHX_BAD_TAG:
        return "#{…} in a heredoc's delimiter: the delimiter must be written out";
    case SHX_BAD_ESCAPE:
        return "#{…} right after a shell backslash, which would escape it (remove the backslash)";
    case SHX_BAD_DOLLAR:
        return "#{…} right after a bare $, which the shell would read together with it (write \\\\$ for a "
               "dollar sign)";
    case SHX_BAD_DEPTH:
        return "#{…} nested deeper than the command's quoting can be followed (simplify the command)";
    default:
        return NULL;
    }
}

void shctx_mark(shctx *s)
{
    s->word_start = 0;
    s->dollar = 0;
    if (has_frame(s, FR_HEREDOC)) s->line_dirty = 1;
}

static int is_raw_call(const rb_node *p)
{
    return p->kind == N_CALL && p->a && p->a->kind == N_IDENT && strcmp(p->a->str, "raw") == 0 && p->b;
}

int shctx_lint(const rb_node *cmd, void (*report)(void *ctx, rb_loc loc, const char *msg), void *ctx)
{
    if (!cmd || cmd->kind != N_INTERP) return 0;
    shctx s;
    shctx_init(&s);
    int count = 0;
    for (const rb_node *p = cmd->a; p; p = p->next) {
        if (p->kind == N_STR) {
            shctx_feed(&s, p->str, strlen(p->str));
            continue;
        }
        if (is_raw_call(p)) continue;   /* unknown text until the run */
        const char *why = shctx_refusal(shctx_place(&s));
        if (why) {
            report(ctx, p->loc, why);
            count++;
        }
        shctx_mark(&s);
    }
    shctx_free(&s);
    return count;
}

/* ---- the built command ---- */

void shcmd_init(sh_cmd *c)
{
    memset(c, 0, sizeof *c);
    buf_init(&c->script);
    buf_init(&c->shown);
    shctx_init(&c->ctx);
}

void shcmd_free(sh_cmd *c)
{
    for (int i = 0; i < c->nvars; i++) {
        rb_free(c->vars[i].name);
        rb_free(c->vars[i].value);
    }
    rb_free(c->vars);
    buf_free(&c->script);
    buf_free(&c->shown);
    shctx_free(&c->ctx);
    memset(c, 0, sizeof *c);
}

void shcmd_literal(sh_cmd *c, const char *text, size_t n)
{
    buf_addn(&c->script, text, n);
    buf_addn(&c->shown, text, n);
    shctx_feed(&c->ctx, text, n);
}

void shcmd_raw(sh_cmd *c, const char *clear, size_t n, const char *shown, size_t shown_n)
{
    buf_addn(&c->script, clear, n);
    buf_addn(&c->shown, shown, shown_n);
    shctx_feed(&c->ctx, clear, n);
}

static void add_var(sh_cmd *c, const char *name, const char *value, size_t n, int secret)
{
    if (c->nvars == c->capvars) {
        c->capvars = c->capvars ? c->capvars * 2 : 8;
        c->vars = rb_xrealloc(c->vars, (size_t)c->capvars * sizeof *c->vars);
    }
    c->vars[c->nvars++] = (sh_var){rb_xstrdup(name), rb_xstrndup(value, n), n, secret};
}

/* How people see a value in the command: as the old quoting would have written it. */
static void show_value(rb_buf *b, const char *v, size_t n, shx_place p)
{
    if (p == SHX_WORD) buf_addc(b, '\'');
    for (size_t i = 0; i < n; i++) {
        if ((p == SHX_WORD || p == SHX_SQUOTE) && v[i] == '\'') buf_adds(b, "'\\''");
        else if (p == SHX_DQUOTE && strchr("\\\"$`", v[i])) {
            buf_addc(b, '\\');
            buf_addc(b, v[i]);
        } else {
            buf_addc(b, v[i]);
        }
    }
    if (p == SHX_WORD) buf_addc(b, '\'');
}

const char *shcmd_value(sh_cmd *c, const char *clear, size_t n, const char *shown, size_t shown_n, int secret)
{
    shx_place p = shctx_place(&c->ctx);
    const char *why = shctx_refusal(p);
    if (why) {
        shctx_mark(&c->ctx);   /* as the checker goes on past it */
        return why;
    }
    if (memchr(clear, '\0', n)) return "the value holds a NUL byte, which no command can receive";
    if (n > SHCMD_VALUE_MAX) return "the value is longer than 128 KiB, the most a command can receive in one value";
    int k = 1;
    for (int i = 0; i < c->nvars; i++) k += strncmp(c->vars[i].name, "RB_", 3) == 0;
    char name[32];
    snprintf(name, sizeof name, "RB_%d", k);
    add_var(c, name, clear, n, secret);
    buf_adds(&c->script, p == SHX_WORD ? "\"${" : p == SHX_SQUOTE ? "'\"${" : "${");
    buf_adds(&c->script, name);
    buf_adds(&c->script, p == SHX_WORD ? "}\"" : p == SHX_SQUOTE ? "}\"'" : "}");
    if (secret) buf_addn(&c->shown, shown, shown_n);   /* an expression or «redacted», as given */
    else show_value(&c->shown, shown, shown_n, p);
    shctx_mark(&c->ctx);
    return NULL;
}

const char *shcmd_env(sh_cmd *c, const char *name, const char *value, size_t n, int secret)
{
    if (!name[0] || (name[0] >= '0' && name[0] <= '9')) return "an environment variable's name cannot be empty or start with a digit";
    for (const char *q = name; *q; q++)
        if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') || *q == '_'))
            return "an environment variable's name holds only letters, digits and _";
    if (strncmp(name, "RB_", 3) == 0 && name[3] && strspn(name + 3, "0123456789") == strlen(name + 3))
        return "RB_<number> names are reserved for the command's interpolated values";
    if (memchr(value, '\0', n)) return "the value holds a NUL byte, which no command can receive";
    if (n > SHCMD_VALUE_MAX) return "the value is longer than 128 KiB, the most a command can receive in one value";
    add_var(c, name, value, n, secret);
    return NULL;
}

char **shcmd_envp(const sh_cmd *c)
{
    char **e = rb_xcalloc((size_t)c->nvars + 1, sizeof *e);
    for (int i = 0; i < c->nvars; i++) {
        size_t nl = strlen(c->vars[i].name);
        e[i] = rb_xmalloc(nl + c->vars[i].len + 2);
        memcpy(e[i], c->vars[i].name, nl);
        e[i][nl] = '=';
        memcpy(e[i] + nl + 1, c->vars[i].value, c->vars[i].len + 1);
    }
    return e;
}

void shcmd_envp_free(char **envp)
{
    for (char **p = envp; p && *p; p++) rb_free(*p);
    rb_free(envp);
}
