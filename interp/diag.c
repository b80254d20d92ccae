/*
 * diag.c — collecting and printing diagnostics about runbook source.
 *
 * Text form: "file:line:col: error: message [RB101]", then the source line and a caret.
 * Columns count code points, so the caret is placed by re-walking the line's characters
 * (tabs are copied through so the caret stays aligned under them).
 */
#include <stdlib.h>
#include <string.h>
#include "diag.h"
#include "util.h"

void diag_init(diag_list *d)
{
    memset(d, 0, sizeof *d);
}

void diag_free(diag_list *d)
{
    for (int i = 0; i < d->n; i++) {
        rb_free(d->items[i].rule);
        rb_free(d->items[i].msg);
    }
    rb_free(d->items);
    diag_init(d);
}

int diag_vadd(diag_list *d, diag_level lv, const diag_source *src, rb_loc loc, const char *rule,
              const char *fmt, va_list ap)
{
    if (lv == DIAG_ERROR && d->limit && d->errors >= d->limit) {
        d->truncated = 1;
        return -1;
    }
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 16;
        d->items = rb_xrealloc(d->items, (size_t)d->cap * sizeof *d->items);
    }
    rb_buf b;
    buf_init(&b);
    buf_vprintf(&b, fmt, ap);
    diag *g = &d->items[d->n++];
    g->level = lv;
    g->src = src;
    g->loc = loc;
    g->rule = rule ? rb_xstrdup(rule) : NULL;
    g->msg = buf_take(&b);
    g->seq = d->n;
    if (lv == DIAG_ERROR) d->errors++;
    else if (lv == DIAG_WARNING) d->warnings++;
    return 0;
}

const char *diag_line_text(const diag_source *src, int line, size_t *n)
{
    if (!src || !src->text || line < 1) return NULL;
    diag_source *s = (diag_source *)src;   /* the index is a cache: building it changes no meaning */
    if (!s->line_start) {
        int cap = 1;
        for (size_t i = 0; i < s->len; i++) cap += s->text[i] == '\n';
        s->line_start = rb_xmalloc((size_t)cap * sizeof *s->line_start);
        s->line_start[0] = 0;
        s->nlines = 1;
        for (size_t i = 0; i < s->len; i++)
            if (s->text[i] == '\n') s->line_start[s->nlines++] = i + 1;
    }
    if (line > s->nlines) return NULL;
    const char *p = s->text + s->line_start[line - 1], *end = s->text + s->len;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
    if (len && p[len - 1] == '\r') len--;
    *n = len;
    return p;
}

void diag_source_free(diag_source *src)
{
    rb_free(src->line_start);
    src->line_start = NULL;
    src->nlines = 0;
}

static const char *level_name(diag_level lv)
{
    return lv == DIAG_ERROR ? "error" : lv == DIAG_WARNING ? "warning" : "note";
}

void diag_print(const diag *g, FILE *out, int color)
{
    const char *bold = color ? "\033[1m" : "", *reset = color ? "\033[0m" : "";
    const char *lvc = !color ? "" : g->level == DIAG_ERROR ? "\033[1;31m"
                                  : g->level == DIAG_WARNING ? "\033[1;35m" : "\033[1;36m";
    fprintf(out, "%s%s:%d:%d:%s %s%s:%s %s", bold, g->src ? g->src->name : "<input>", g->loc.line,
            g->loc.col, reset, lvc, level_name(g->level), reset, g->msg);
    if (g->rule) fprintf(out, " [%s]", g->rule);
    fputc('\n', out);
    size_t n;
    const char *line = diag_line_text(g->src, g->loc.line, &n);
    if (!line) return;
    /*
     * Show a window of at most 160 characters that contains the column, with invalid
     * UTF-8 and control characters shown as '?', and the caret under the column.
     */
    int first = g->loc.col > 120 ? g->loc.col - 80 : 1;
    rb_buf shown, pad;
    buf_init(&shown);
    buf_init(&pad);
    if (first > 1) buf_adds(&shown, "…");
    int col = 1, count = 0;
    for (size_t i = 0; i < n && count < 160;) {
        unsigned char c = (unsigned char)line[i];
        size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        int ok = len > 0 && i + len <= n;
        for (size_t k = 1; ok && k < len; k++)
            if (((unsigned char)line[i + k] & 0xC0) != 0x80) ok = 0;
        if (!ok) len = 1;
        if (col >= first) {
            if (!ok || (c < 0x20 && c != '\t') || c == 0x7f) buf_addc(&shown, '?');
            else buf_addn(&shown, line + i, len);
            if (col < g->loc.col) buf_addc(&pad, c == '\t' ? '\t' : ' ');
            count++;
        }
        i += len;
        col++;
    }
    if (count >= 160) buf_adds(&shown, "…");
    fprintf(out, "  %s\n  %s%s%s^%s\n", buf_cstr(&shown), first > 1 ? " " : "", buf_cstr(&pad), lvc, reset);
    buf_free(&shown);
    buf_free(&pad);
}

void diag_print_all(const diag_list *d, FILE *out, int color)
{
    for (int i = 0; i < d->n; i++) diag_print(&d->items[i], out, color);
    if (d->truncated) fprintf(out, "runbook: too many errors; stopped reporting\n");
}

static int diag_cmp(const void *x, const void *y)
{
    const diag *a = x, *b = y;
    const char *na = a->src ? a->src->name : "", *nb = b->src ? b->src->name : "";
    int c = strcmp(na, nb);
    if (c) return c;
    if (a->loc.line != b->loc.line) return a->loc.line < b->loc.line ? -1 : 1;
    if (a->loc.col != b->loc.col) return a->loc.col < b->loc.col ? -1 : 1;
    return a->seq - b->seq;
}

void diag_sort(diag_list *d)
{
    /* qsort is not stable; the arrival order breaks ties. */
    if (d->n > 1) qsort(d->items, (size_t)d->n, sizeof *d->items, diag_cmp);
}
