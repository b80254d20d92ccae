/*
 * mdtext.h — text for Markdown tables (interp/mdtext.c).
 */
#ifndef RB_MDTEXT_H
#define RB_MDTEXT_H

#include <stddef.h>
#include "util.h"

/* s as Markdown inline text: the characters Markdown acts on backslash-escaped, a newline as
 * <br>, other control characters as a space; at most max bytes (0: all, cut at a UTF-8
 * boundary), then "…". */
void md_text(rb_buf *b, const char *s, size_t max);
/* s as a code span fenced with one backtick more than the longest run inside it; in a table
 * cell (table != 0) a `|` is written `\|`.  "(empty)" for "". */
void md_code(rb_buf *b, const char *s, size_t max, int table);
/* A duration for people: 250ms, 4.2s, 15m, 1h 2m 5s, 2d 3h ("?" when out of range). */
void fmt_duration(rb_buf *b, double d);
/* One stream of a command's recorded output as an indented block: its first `head` and
 * last `tail` lines and how many were cut between (nothing for ""). */
void md_output_excerpt(rb_buf *b, const char *label, const char *s, int truncated, size_t head, size_t tail);

#endif
