/*
 * shctx.h — values reach the shell as data: the shell context of each `#{…}` in a `sh`
 * command, and the built command (script text + variables) that the doors run.
 *
 * The rule: the literal parts of a command are shell source, written by the runbook's
 * author; an interpolated value never is.  Each `#{…}` becomes a reference to a variable
 * RB_<n> (written `"${RB_n}"`, `${RB_n}` or `'"${RB_n}"'` as the context needs) and the
 * value travels beside the script, in the child's environment.  The script therefore does
 * not depend on any value: whatever the context tracking below gets wrong can change what
 * a command prints, never what it runs.  Where the shell would not expand a variable
 * (inside $'…', a quoted heredoc, a comment, a heredoc's delimiter) or would evaluate it as
 * code (arithmetic: bash runs `$(…)` in array subscripts), the interpolation is refused:
 * by the checker (shctx_lint) before the run, and by shcmd_value at run time.  `raw()` is
 * the one explicit way to splice text into the script.
 *
 * Used by the checker (interp/check.c), the shell door (interp/act_sh.c), remote
 * execution (which sends sh_cmd's variables over its channel) and fuzz/fuzz_shctx.c.
 * Never: evaluate, fork or print.
 */
#ifndef RB_SHCTX_H
#define RB_SHCTX_H

#include <stddef.h>
#include "ast.h"
#include "util.h"

#define SHCTX_DEPTH 32                  /* nesting of quotes and substitutions tracked */
#define SHCTX_HEREDOCS 8                /* heredocs pending on one line */
#define SHCTX_TAG_MAX 64                /* bytes of a heredoc delimiter */
/* Bytes of one value: Linux refuses an environment string over 32 pages (MAX_ARG_STRLEN). */
#define SHCMD_VALUE_MAX (128 * 1024 - 64)

/* Where the text fed so far has left the shell, seen from the next byte. */
typedef enum shx_place {
    SHX_WORD,        /* a command word: the reference is "${RB_n}" */
    SHX_DQUOTE,      /* inside "…" (or an unquoted heredoc body, or a "${…}"): ${RB_n} */
    SHX_SQUOTE,      /* inside '…': the quote is closed and reopened: '"${RB_n}"' */
    SHX_BAD_DSQUOTE, /* inside $'…': no expansion there */
    SHX_BAD_ARITH,   /* inside $(( … )): evaluated as arithmetic, which bash can make code */
    SHX_BAD_COMMENT, /* after a # that starts a word: the value would be ignored */
    SHX_BAD_QHEREDOC,/* the body of a quoted heredoc (<<'EOF'): no expansion there */
    SHX_BAD_TAG,     /* a heredoc's delimiter word */
    SHX_BAD_ESCAPE,  /* right after a backslash, which would escape the reference */
    SHX_BAD_DOLLAR,  /* right after a bare $, which the shell would read with it */
    SHX_BAD_DEPTH    /* nested deeper than SHCTX_DEPTH */
} shx_place;

typedef struct shx_frame { unsigned char kind, dq; int depth; } shx_frame;

typedef struct shctx {
    shx_frame st[SHCTX_DEPTH];
    int n;                               /* frames on the stack (st[0] is the command) */
    int overflow;                        /* nested past SHCTX_DEPTH: nothing is known any more */
    int esc;                             /* the last byte was an unconsumed backslash */
    int dollar;                          /* the last byte was a bare $ (ends the text) */
    int word_start;                      /* a # here would start a comment */
    int tag_state;                       /* 0 none, 1 skipping blanks, 2 in the delimiter */
    int tag_quoted, tag_dash;
    char tag_q;                          /* the quote open inside the delimiter, or 0 */
    char tag[SHCTX_TAG_MAX];
    size_t tag_len;
    struct { char tag[SHCTX_TAG_MAX]; int quoted, dash; } hd[SHCTX_HEREDOCS];
    int nhd;                             /* heredocs whose bodies start at the next newline */
    char line[SHCTX_TAG_MAX + 1];        /* the heredoc body line so far (its start) */
    size_t line_len;
    int line_long, line_dirty;           /* longer than any tag; an interpolation is on it */
} shctx;

void shctx_init(shctx *s);
void shctx_free(shctx *s);
/* Literal shell text, as written by the author (or spliced by raw()). */
void shctx_feed(shctx *s, const char *text, size_t n);
/* Where an interpolation would land now. */
shx_place shctx_place(const shctx *s);
/* Why a place refuses an interpolation (a sentence), or NULL when it takes one. */
const char *shctx_refusal(shx_place p);
/* An interpolation was placed: the current body line can no longer be a heredoc's end. */
void shctx_mark(shctx *s);

/*
 * Check the interpolations of a `sh` command (an N_INTERP, or anything else: ignored)
 * without values: report(ctx, loc, message) for each one in a place that refuses it.
 * raw() parts are unknown text at check time and are skipped.  Returns the count.
 */
int shctx_lint(const rb_node *cmd, void (*report)(void *ctx, rb_loc loc, const char *msg), void *ctx);

/*
 * ---- The built command: what every door that runs shell text receives ----
 *
 * script   the shell source to run (`/bin/sh -c script` locally; remotely, the same text
 *          after the variables are set on the other side).  Literal parts as written,
 *          raw() text as given, each other #{…} as a reference to one of vars.  It never
 *          holds an interpolated value, so it may be shown in `ps`.
 * shown    the same command for people and the record: values in place (quoted as the
 *          context shows them), secrets as their expression (`#{token}`) or «redacted».
 *          Never run.
 * vars     name/value pairs the script needs in its environment, in order: RB_1, RB_2, …
 *          for the interpolations, then the `env {…}` option's entries.  value is
 *          NUL-free (len bytes, NUL-terminated); secret marks a value that came from a
 *          secret (never log it; send it only over a private channel, never in argv).
 * cwd      the `cwd` option (chdir before running), or NULL.  A path, never shell text.
 *
 * Build with shcmd_init, then shcmd_literal / shcmd_raw / shcmd_value in order, then
 * shcmd_env; run with shcmd_envp; free with shcmd_free.
 */
typedef struct sh_var {
    char *name;
    char *value;
    size_t len;
    int secret;
} sh_var;

typedef struct sh_cmd {
    rb_buf script;
    rb_buf shown;
    sh_var *vars;
    int nvars, capvars;
    const char *cwd;
    shctx ctx;                           /* where script's text has left the shell */
} sh_cmd;

void shcmd_init(sh_cmd *c);
void shcmd_free(sh_cmd *c);
void shcmd_literal(sh_cmd *c, const char *text, size_t n);
/* raw(): clear text spliced into the script; shown is what people see of it. */
void shcmd_raw(sh_cmd *c, const char *clear, size_t n, const char *shown, size_t shown_n);
/* An interpolated value (clear: its text; shown: its text for people, quoted here as its
 * place shows it; for a secret, the expression that names it, `#{token}`, written as
 * given).  NULL when placed, else why not (a sentence; nothing was added). */
const char *shcmd_value(sh_cmd *c, const char *clear, size_t n, const char *shown, size_t shown_n, int secret);
/* An `env {NAME: value}` entry.  NULL when added, else why not. */
const char *shcmd_env(sh_cmd *c, const char *name, const char *value, size_t n, int secret);
/* "NAME=value" for every var, NULL-terminated, for sh_opts.env (rb_free each, then it). */
char **shcmd_envp(const sh_cmd *c);
void shcmd_envp_free(char **envp);

#endif
