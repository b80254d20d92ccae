/*
 * pstate.h — state shared by the scanner (lexer.l) and the parser (parser.y).
 *
 * Private to the front end: only grammar/ and interp/parse.c include it.  There are no
 * globals: a parse owns a pstate, its scanner owns a lexstate, and a heredoc's #{…}
 * fragments are parsed by nested pstate/lexstate pairs that share the file and diagnostics.
 */
#ifndef RB_PSTATE_H
#define RB_PSTATE_H

#include "ast.h"
#include "diag.h"
#include "util.h"

#define PARSE_MAX_ERRORS 25      /* syntax errors reported per file before giving up */
#define PARSE_MAX_FRAGMENT_DEPTH 32

typedef struct pstate {
    ast_file *file;        /* arena and diagnostics source */
    diag_list *diags;
    rb_node *result;       /* N_FILE for a file, an expression for a fragment */
    int start_token;       /* START_FILE / START_EXPR */
    int depth;             /* fragment nesting */
    int stop;              /* too many errors: the scanner returns end of input */
    int eof_explained;     /* the scanner already explained an unexpected end of input */
    int incomplete;        /* the input ended inside something unfinished (REPL: read more) */
} pstate;

/* One entry of the scanner's brace stack: a code '{' or a string's "#{". */
typedef struct brace {
    char interp;           /* 1 for "#{" */
    rb_loc at;             /* where the '{' (or the string) opened */
} brace;

typedef struct lexstate {
    pstate *ps;
    const char *buf;       /* the text being scanned (for heredoc bodies) */
    int in_place;          /* the scanner reads buf itself (heredoc_skip puts back what input() NULs) */
    size_t buflen;
    int line, col;         /* position of the next character */
    size_t off;            /* byte offset of the next character */
    int pline, pcol;       /* position before the last token (to un-read it) */
    size_t poff;
    int start_token;       /* returned once, first */
    int pending;           /* a token to return on the next call */
    rb_loc pending_loc;
    brace *braces;
    int nbraces, capbraces;
    rb_buf str;            /* text of the string being scanned */
    rb_loc str_start;      /* where the current string (its quote) began */
    rb_loc text_start;     /* where the pending text piece began */
    /* heredocs: bodies start after the current line and are skipped at its newline */
    size_t hd_next;        /* where the next heredoc body on this line starts (0: none yet) */
    int hd_next_line;
    size_t hd_skip_to;     /* offset just past the last terminator on this line */
} lexstate;

void pstate_error(pstate *ps, rb_loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* After a scan of a text in place (yy_scan_buffer): put back the character that the NUL
 * after the last token stands on, so the text is as written again (lexer.l). */
void lex_release(void *scanner);

/* Parse `text` (a heredoc's #{…} fragment) as one expression at position loc. */
rb_node *parse_fragment(pstate *ps, const char *text, size_t len, rb_loc loc);

/* Build the node for a heredoc body (strip indentation, split interpolation). */
rb_node *heredoc_node(pstate *ps, const char *body, size_t len, rb_loc body_loc, rb_loc at, int raw);

/* Parse a duration literal ("1h30m", "250ms"): seconds, or -1 when malformed. */

#endif
