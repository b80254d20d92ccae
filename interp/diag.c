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
    /* The message in a block of its own size: a lint run may hold many thousands. */
    char tmp[256];
    va_list ap2;
    va_copy(ap2, ap);
    int len = vsnprintf(tmp, sizeof tmp, fmt, ap2);
    va_end(ap2);
    if (len < 0) len = 0;
    char *msg = rb_xmalloc((size_t)len + 1);
    if ((size_t)len < sizeof tmp) memcpy(msg, tmp, (size_t)len + 1);
    else vsnprintf(msg, (size_t)len + 1, fmt, ap);
    diag *g = &d->items[d->n++];
    g->level = lv;
    g->src = src;
    g->loc = loc;
    g->rule = rule ? rb_xstrdup(rule) : NULL;
    g->msg = msg;
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
        const char *p = s->text, *end = s->text + s->len;
        while ((p = memchr(p, '\n', (size_t)(end - p)))) cap++, p++;
        s->line_start = rb_xmalloc((size_t)cap * sizeof *s->line_start);
        s->line_start[0] = 0;
        s->nlines = 1;
        for (p = s->text; (p = memchr(p, '\n', (size_t)(end - p))); p++)
            s->line_start[s->nlines++] = (size_t)(p - s->text) + 1;
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

static void add_int(rb_buf *b, int v)
{
    char tmp[16];
    int i = sizeof tmp;
    unsigned u = v < 0 ? 0u - (unsigned)v : (unsigned)v;
    do tmp[--i] = (char)('0' + u % 10); while (u /= 10);
    if (v < 0) tmp[--i] = '-';
    buf_addn(b, tmp + i, sizeof tmp - (size_t)i);
}

void diag_format(rb_buf *b, const diag *g, int color)
{
    const char *bold = color ? "\033[1m" : "", *reset = color ? "\033[0m" : "";
    const char *lvc = !color ? "" : g->level == DIAG_ERROR ? "\033[1;31m"
                                  : g->level == DIAG_WARNING ? "\033[1;35m" : "\033[1;36m";
    buf_adds(b, bold);
    buf_adds(b, g->src ? g->src->name : "<input>");
    buf_addc(b, ':');
    add_int(b, g->loc.line);
    buf_addc(b, ':');
    add_int(b, g->loc.col);
    buf_adds(b, ":");
    buf_adds(b, reset);
    buf_addc(b, ' ');
    buf_adds(b, lvc);
    buf_adds(b, level_name(g->level));
    buf_adds(b, ":");
    buf_adds(b, reset);
    buf_addc(b, ' ');
    buf_adds(b, g->msg);
    if (g->rule) {
        buf_adds(b, " [");
        buf_adds(b, g->rule);
        buf_addc(b, ']');
    }
    buf_addc(b, '\n');
    size_t n;
    const char *line = diag_line_text(g->src, g->loc.line, &n);
    if (!line) return;
    /*
     * Show a window of at most 160 characters that contains the column, with invalid
     * UTF-8 and control characters shown as '?', and the caret under the column.
     */
    int first = g->loc.col > 120 ? g->loc.col - 80 : 1;
    /* At most 160 characters of at most 4 bytes, and as many caret-line blanks: built in
     * place, then appended at once. */
    char shown[160 * 4 + 16], padc[160];
    size_t ns = 0, pad = 0;
    memcpy(shown, "  ", 2);
    ns = 2;
    if (first > 1) {
        memcpy(shown + ns, "…", 3);
        ns += 3;
    }
    int col = 1, count = 0;
    for (size_t i = 0; i < n && count < 160;) {
        unsigned char c = (unsigned char)line[i];
        size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        int ok = len > 0 && i + len <= n;
        for (size_t k = 1; ok && k < len; k++)
            if (((unsigned char)line[i + k] & 0xC0) != 0x80) ok = 0;
        if (!ok) len = 1;
        if (col >= first) {
            if (!ok || (c < 0x20 && c != '\t') || c == 0x7f) {
                shown[ns++] = '?';
            } else {
                memcpy(shown + ns, line + i, len);
                ns += len;
            }
            /* the line's tabs are copied so that the caret lines up; other characters are blanks */
            if (col < g->loc.col) padc[pad++] = c == '\t' ? '\t' : ' ';
            count++;
        }
        i += len;
        col++;
    }
    if (count >= 160) {
        memcpy(shown + ns, "…", 3);
        ns += 3;
    }
    buf_addn(b, shown, ns);
    buf_adds(b, "\n  ");
    if (first > 1) buf_addc(b, ' ');
    buf_addn(b, padc, pad);
    buf_adds(b, lvc);
    buf_addc(b, '^');
    buf_adds(b, reset);
    buf_addc(b, '\n');
}

void diag_print(const diag *g, FILE *out, int color)
{
    rb_buf b;
    buf_init(&b);
    diag_format(&b, g, color);
    fwrite(b.data, 1, b.len, out);
    buf_free(&b);
}

void diag_print_all(const diag_list *d, FILE *out, int color)
{
    for (int i = 0; i < d->n; i++) diag_print(&d->items[i], out, color);
    if (d->truncated) fprintf(out, "runbook: too many errors; stopped reporting\n");
}

static int diag_cmp(const void *x, const void *y)
{
    const diag *a = x, *b = y;
    if (a->src != b->src) {   /* one file's diagnostics share their source: no names to compare */
        const char *na = a->src ? a->src->name : "", *nb = b->src ? b->src->name : "";
        int c = strcmp(na, nb);
        if (c) return c;
    }
    if (a->loc.line != b->loc.line) return a->loc.line < b->loc.line ? -1 : 1;
    if (a->loc.col != b->loc.col) return a->loc.col < b->loc.col ? -1 : 1;
    return a->seq - b->seq;
}

void diag_sort(diag_list *d)
{
    /* qsort is not stable; the arrival order breaks ties. */
    if (d->n > 1) qsort(d->items, (size_t)d->n, sizeof *d->items, diag_cmp);
}
