/*
 * parse.c — the driver around the flex scanner and bison parser.
 *
 * Owns: reading the source, checking it is UTF-8, running the scanner and parser, the
 * parsing of heredoc interpolation fragments, and duration literals.  The grammar itself
 * is in grammar/parser.y; this file must not know its rules.
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include "parse.h"
#include "pstate.h"
#include "parser.h"
#include "lexer.h"

void pstate_error(pstate *ps, rb_loc loc, const char *fmt, ...)
{
    if (ps->stop) return;
    va_list ap;
    va_start(ap, fmt);
    int r = diag_vadd(ps->diags, DIAG_ERROR, &ps->file->src, loc, NULL, fmt, ap);
    va_end(ap);
    ps->diags->syntax_errors++;
    if (r < 0 || ps->diags->syntax_errors >= PARSE_MAX_ERRORS) {
        ps->stop = 1;
        ps->diags->truncated = 1;
    }
}

/*
 * Run the scanner and parser over text[0..len) with the given start token and position.
 * A file's text (two NULs after it: file_new) is scanned in place; a fragment, a copy.
 * A file's text must stay as written (diagnostics print its lines, lint's shellcheck reads
 * its heredocs again), and flex writes NULs into the buffer it reads: one after each token,
 * which the next token and lex_release put back, and one over each character input()
 * reads, which heredoc_skip puts back.
 */
static rb_node *run_parser(pstate *ps, const char *text, size_t len, rb_loc at, int in_place)
{
    lexstate ls;
    memset(&ls, 0, sizeof ls);
    ls.ps = ps;
    ls.buf = text;
    ls.buflen = len;
    ls.line = at.line;
    ls.col = at.col;
    ls.start_token = ps->start_token;
    buf_init(&ls.str);

    yyscan_t scanner;
    if (yylex_init_extra(&ls, &scanner) != 0) rb_oom();
    ls.in_place = in_place;
    YY_BUFFER_STATE bs = in_place ? yy_scan_buffer((char *)text, len + 2, scanner) : yy_scan_bytes(text, (int)len, scanner);
    if (!bs) rb_oom();
    yyparse(scanner, ps);
    if (in_place) lex_release(scanner);
    yy_delete_buffer(bs, scanner);
    yylex_destroy(scanner);
    buf_free(&ls.str);
    rb_free(ls.braces);
    return ps->result;
}

rb_node *parse_fragment(pstate *ps, const char *text, size_t len, rb_loc loc)
{
    if (ps->depth >= PARSE_MAX_FRAGMENT_DEPTH) {
        pstate_error(ps, loc, "heredoc interpolations nested too deeply");
        return NULL;
    }
    pstate sub = *ps;
    sub.result = NULL;
    sub.start_token = START_EXPR;
    sub.depth = ps->depth + 1;
    sub.eof_explained = 0;
    rb_node *n = run_parser(&sub, text, len, loc, 0);
    ps->stop = sub.stop;
    return n;
}

/* Decode the escapes of an interpolating heredoc into out. */
static void heredoc_text(rb_buf *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n) {
            char c = s[i + 1];
            const char *rep = c == 'n' ? "\n" : c == 't' ? "\t" : c == 'r' ? "\r" : c == 'e' ? "\033"
                            : c == '\\' ? "\\" : c == '#' ? "#" : c == '"' ? "\"" : NULL;
            if (rep) {
                buf_adds(out, rep);
                i++;
                continue;
            }
        }
        buf_addc(out, s[i]);
    }
}

/* Find the '}' that closes an interpolation starting at s (just after "#{"), skipping strings. */
static size_t interp_end(const char *s, size_t n)
{
    int depth = 1;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '"' || c == '\'') {
            for (i++; i < n && s[i] != c && s[i] != '\n'; i++)
                if (s[i] == '\\') i++;
        } else if (c == '{') {
            depth++;
        } else if (c == '}' && --depth == 0) {
            return i;
        }
    }
    return n;
}

rb_node *heredoc_node(pstate *ps, const char *body, size_t len, rb_loc body_loc, rb_loc at, int raw)
{
    arena *mem = &ps->file->mem;
    /* The common indentation of the non-blank lines. */
    size_t indent = (size_t)-1;
    for (size_t p = 0; p < len;) {
        size_t w = 0;
        while (p + w < len && (body[p + w] == ' ' || body[p + w] == '\t')) w++;
        if (p + w < len && body[p + w] != '\n' && body[p + w] != '\r' && w < indent) indent = w;
        const char *nl = memchr(body + p, '\n', len - p);
        p = nl ? (size_t)(nl - body) + 1 : len;
    }
    if (indent == (size_t)-1) indent = 0;
    if (len && body[len - 1] == '\n') len--;   /* the value has no trailing newline */

    rb_list parts = {NULL, NULL};
    rb_buf text;
    buf_init(&text);
    int line = body_loc.line, col = 1;
    int at_line_start = 1;
    size_t i = 0;
    while (i < len) {
        if (at_line_start) {
            size_t w = 0;
            while (w < indent && i + w < len && (body[i + w] == ' ' || body[i + w] == '\t')) w++;
            i += w;
            col += (int)w;
            at_line_start = 0;
            continue;
        }
        if (!raw && body[i] == '\\' && i + 1 < len && body[i + 1] != '\n') {
            heredoc_text(&text, body + i, 2);
            i += 2;
            col += 2;
            continue;
        }
        if (!raw && body[i] == '#' && i + 1 < len && body[i + 1] == '{') {
            rb_loc floc = {line, col + 2};
            size_t e = interp_end(body + i + 2, len - i - 2);
            if (text.len) {
                rb_node *t = ast_new(mem, N_STR, at);
                t->str = arena_strndup(mem, text.data, text.len);
                parts = list_add(parts, t);
                buf_reset(&text);
            }
            if (i + 2 + e >= len) {
                pstate_error(ps, (rb_loc){line, col}, "unterminated #{ in heredoc");
                break;
            }
            rb_node *x = parse_fragment(ps, body + i + 2, e, floc);
            if (x) parts = list_add(parts, x);
            for (size_t k = i; k < i + 2 + e + 1; k++) {
                if (body[k] == '\n') { line++; col = 1; }
                else if (((unsigned char)body[k] & 0xC0) != 0x80) col++;
            }
            i += 2 + e + 1;
            continue;
        }
        if (body[i] == '\n') {
            line++;
            col = 1;
            at_line_start = 1;
        } else if (((unsigned char)body[i] & 0xC0) != 0x80) {
            col++;
        }
        buf_addc(&text, body[i]);
        i++;
    }
    if (text.len || !parts.head) {
        rb_node *t = ast_new(mem, N_STR, at);
        t->str = arena_strndup(mem, buf_cstr(&text), text.len);
        parts = list_add(parts, t);
    }
    buf_free(&text);
    if (!parts.head->next && parts.head->kind == N_STR) return parts.head;
    rb_node *n = ast_new(mem, N_INTERP, at);
    n->a = parts.head;
    return n;
}

/* The first byte offset at which text is not valid UTF-8, or len. */
static size_t utf8_invalid_at(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c == 0) return i;   /* a NUL byte: not text either */
        if (c < 0x80) { i++; continue; }
        size_t need;
        unsigned min;
        if ((c & 0xE0) == 0xC0) { need = 1; min = 0x80; }
        else if ((c & 0xF0) == 0xE0) { need = 2; min = 0x800; }
        else if ((c & 0xF8) == 0xF0) { need = 3; min = 0x10000; }
        else return i;
        unsigned cp = c & (0x3F >> need);
        for (size_t k = 1; k <= need; k++) {
            if (i + k >= len || (s[i + k] & 0xC0) != 0x80) return i;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
        i += need + 1;
    }
    return len;
}

static rb_loc loc_of_offset(const char *s, size_t off)
{
    rb_loc l = {1, 1};
    for (size_t i = 0; i < off; i++) {
        if (s[i] == '\n') { l.line++; l.col = 1; }
        else if (((unsigned char)s[i] & 0xC0) != 0x80) l.col++;
    }
    return l;
}

/* A new file around text (which it takes over) and a parse of it.  The text gets two NULs
 * after its len bytes, so that the scanner can read it in place. */
static ast_file *file_new(const char *name, char *text, size_t len, pstate *ps, diag_list *d, int start)
{
    ast_file *f = rb_xcalloc(1, sizeof *f);
    arena_init(&f->mem);
    text = rb_xrealloc(text, len + 2);
    text[len] = text[len + 1] = '\0';
    f->text = text;
    f->len = len;
    f->src.name = rb_xstrdup(name);
    f->src.text = f->text;
    f->src.len = len;
    memset(ps, 0, sizeof *ps);
    ps->file = f;
    ps->diags = d;
    ps->start_token = start;
    return f;
}

static ast_file *parse_owned(const char *name, char *text, size_t len, diag_list *d)
{
    pstate ps;
    ast_file *f = file_new(name, text, len, &ps, d, START_FILE);

    if (len > (size_t)0x7fffffff) {
        pstate_error(&ps, (rb_loc){1, 1}, "file too large to be a runbook (%zu bytes)", len);
        return f;
    }
    size_t bad = utf8_invalid_at((const unsigned char *)f->text, len);
    if (bad < len) {
        if (f->text[bad] == '\0')
            pstate_error(&ps, loc_of_offset(f->text, bad), "a NUL byte: runbooks are UTF-8 text");
        else
            pstate_error(&ps, loc_of_offset(f->text, bad), "invalid UTF-8 (byte 0x%02x); runbooks are UTF-8 text",
                         (unsigned char)f->text[bad]);
        return f;
    }
    rb_node *root = run_parser(&ps, f->text, len, (rb_loc){1, 1}, 1);
    f->root = ps.stop ? NULL : root;
    if (f->root) {
        f->is_module = 1;
        for (rb_node *n = f->root->a; n; n = n->next)
            if (n->kind == N_HEADER) f->is_module = 0;
    }
    return f;
}

ast_file *parse_repl(const char *name, const char *text, size_t len, diag_list *d, int *incomplete)
{
    pstate ps;
    ast_file *f = file_new(name, rb_xstrndup(text, len), len, &ps, d, START_REPL);
    *incomplete = 0;
    size_t bad = utf8_invalid_at((const unsigned char *)f->text, len);
    if (bad < len) {
        pstate_error(&ps, loc_of_offset(f->text, bad), "invalid UTF-8 or a NUL byte in the input");
        return f;
    }
    rb_node *root = run_parser(&ps, f->text, len, (rb_loc){1, 1}, 1);
    *incomplete = ps.incomplete;
    f->root = ps.stop ? NULL : root;
    f->is_module = 1;
    return f;
}

ast_file *parse_text(const char *name, const char *text, size_t len, diag_list *d)
{
    return parse_owned(name, rb_xstrndup(text, len), len, d);
}

ast_file *parse_file(const char *path, diag_list *d)
{
    size_t len;
    char *text = rb_read_file(path, &len);
    if (!text) return NULL;
    return parse_owned(path, text, len, d);
}
