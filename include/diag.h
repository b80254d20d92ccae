/*
 * diag.h — the single door for diagnostics about runbook source.
 *
 * A diagnostic is "file:line:col: error: message" (or warning/note), followed on a terminal
 * or in text mode by the source line and a caret under the column.  Diagnostics are collected
 * in a diag_list so that lint can render them as text, JSON or SARIF, and printed in order.
 * Lines and columns are 1-based; columns count UTF-8 code points, a tab counts as one.
 */
#ifndef RB_DIAG_H
#define RB_DIAG_H

#include <stdarg.h>
#include <stdio.h>

typedef struct rb_loc {
    int line, col;
} rb_loc;

typedef enum { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE } diag_level;

/* One source file known to the diagnostics: its name and text (for the caret line). */
typedef struct diag_source {
    char *name;
    const char *text;   /* not owned */
    size_t len;
    size_t *line_start; /* offsets of the lines, built on first use (diag_line_text) */
    int nlines;
} diag_source;

typedef struct diag {
    diag_level level;
    const diag_source *src;
    rb_loc loc;
    char *rule;          /* "RB101" for lint warnings, NULL otherwise */
    char *msg;
    int seq;             /* order of arrival, for a stable sort */
} diag;

typedef struct diag_list {
    diag *items;
    int n, cap;
    int errors, warnings;
    int syntax_errors;   /* errors from the lexer/parser (as opposed to the checker) */
    int limit;           /* stop recording errors past this many (0: no limit) */
    int truncated;       /* set once the limit was hit */
} diag_list;

void diag_init(diag_list *d);
void diag_free(diag_list *d);

/* Record a diagnostic.  rule may be NULL.  Returns 0, or -1 once the error limit is hit. */
int diag_vadd(diag_list *d, diag_level lv, const diag_source *src, rb_loc loc, const char *rule,
              const char *fmt, va_list ap);

/* Print every diagnostic as text with the source line and caret. */
void diag_print_all(const diag_list *d, FILE *out, int color);
void diag_print(const diag *g, FILE *out, int color);
/* The same text, appended to b (struct rb_buf from util.h). */
struct rb_buf;
void diag_format(struct rb_buf *b, const diag *g, int color);

/* Sort by file, line, column (stable), for lint output. */
void diag_sort(diag_list *d);

/* Free what diag_line_text built on a source. */
void diag_source_free(diag_source *src);

/* The text of line `line` (1-based) of src, without its newline; sets *n. NULL if absent.
 * The first call indexes the lines, so printing many diagnostics stays linear. */
const char *diag_line_text(const diag_source *src, int line, size_t *n);

#endif
