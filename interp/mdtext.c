/*
 * mdtext.c — text for Markdown tables: escaped inline text, code spans, durations for people
 * (mdtext.h).  Pure formatting into byte buffers; the post-mortem draft is its user.
 */
#include <math.h>
#include <string.h>
#include "mdtext.h"

/* How many bytes of s to show under a cap of max bytes (0: no cap), cut at a character
 * boundary of UTF-8. */
static size_t shown_len(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (max == 0 || n <= max) return n;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80) max--;
    return max;
}

/* s as Markdown inline text: the characters Markdown acts on are backslash-escaped (a `|`
 * cannot end a table cell, a `<` cannot start HTML), a newline becomes <br>, other control
 * characters a space.  At most max bytes (0: all), then "…". */
void md_text(rb_buf *b, const char *s, size_t max)
{
    size_t n = shown_len(s, max);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\r') continue;
        if (c == '\n') buf_adds(b, "<br>");
        else if (c < 0x20 || c == 0x7f) buf_addc(b, ' ');
        else {
            if (strchr("\\`*_[]<>|&~", c)) buf_addc(b, '\\');
            buf_addc(b, (char)c);
        }
    }
    if (n < strlen(s)) buf_adds(b, "…");
}

/* s as a code span, fenced with one backtick more than the longest run inside it.  In a
 * table cell (table != 0) a `|` is written `\|`, which GFM tables read as a plain bar. */
void md_code(rb_buf *b, const char *s, size_t max, int table)
{
    size_t n = shown_len(s, max), run = 0, longest = 0;
    if (n == 0) {
        buf_adds(b, "(empty)");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        run = s[i] == '`' ? run + 1 : 0;
        if (run > longest) longest = run;
    }
    int pad = s[0] == '`' || s[0] == ' ' || s[n - 1] == '`' || s[n - 1] == ' ';
    for (size_t k = 0; k <= longest; k++) buf_addc(b, '`');
    if (pad) buf_addc(b, ' ');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n') buf_adds(b, " ↵ ");
        else if (c < 0x20 || c == 0x7f) buf_addc(b, ' ');
        else if (c == '|' && table) buf_adds(b, "\\|");
        else buf_addc(b, (char)c);
    }
    if (pad) buf_addc(b, ' ');
    for (size_t k = 0; k <= longest; k++) buf_addc(b, '`');
    if (n < strlen(s)) buf_adds(b, "…");
}

/* A duration for people: 250ms, 4.2s, 15m, 1h 2m 5s, 2d 3h.  From a minute on, whole seconds
 * are truncated like the clock columns, so a duration and the times it spans agree. */
void fmt_duration(rb_buf *b, double d)
{
    if (!isfinite(d) || d < 0 || d > 1e11) {
        buf_adds(b, "?");
        return;
    }
    if (d < 1) {
        buf_printf(b, "%lldms", (long long)llround(d * 1000));
        return;
    }
    if (d < 60) {
        buf_printf(b, "%.1fs", d);
        return;
    }
    long long s = (long long)floor(d), part[4] = {s / 86400, s / 3600 % 24, s / 60 % 60, s % 60};
    static const char unit[] = "dhms";
    int first = 1;
    for (int i = 0; i < 4; i++) {
        if (part[i] == 0 || (i == 3 && part[0] > 0)) continue;
        buf_printf(b, "%s%lld%c", first ? "" : " ", part[i], unit[i]);
        first = 0;
    }
}

void md_output_excerpt(rb_buf *b, const char *label, const char *s, int truncated, size_t head, size_t tail)
{
    if (!s || !*s) return;
    size_t nlines = 0, len = strlen(s);
    for (size_t i = 0; i < len; i++)
        if (s[i] == '\n' || i + 1 == len) nlines++;
    buf_printf(b, "  %s:\n\n  ~~~~\n", label);
    size_t line = 0, cut_to = nlines > head + tail + 1 ? nlines - tail : 0;
    for (const char *p = s; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        if (!cut_to || line < head || line >= cut_to) {
            buf_adds(b, "  ");
            for (size_t i = 0; i < n && i < 300; i++) buf_addc(b, p[i] == '~' && i < 3 ? '-' : p[i]);
            if (n > 300) buf_adds(b, " …");
            buf_addc(b, '\n');
        } else if (line == head) {
            buf_printf(b, "  … %zu lines cut …\n", cut_to - head);
        }
        line++;
        if (!nl) break;
        p = nl + 1;
    }
    buf_adds(b, "  ~~~~\n");
    if (truncated) buf_adds(b, "\n  (the record keeps only the start of this output: it was cut when recorded)\n");
    buf_addc(b, '\n');
}
