/*
 * prompt.h — getting answers from the responder: the only module that reads the terminal.
 *
 * Where an answer comes from, in order: the --answers file (by the prompt's key, else its
 * text); --auto (the prompt's default; none → no answer); a terminal (readline, with
 * history; a numbered menu for choose; no echo for secrets); otherwise one line of
 * standard input per prompt (end of input: the default, else no answer).
 *
 * Answers files are JSON objects: {"key or prompt text": ANSWER}, where ANSWER is a string
 * (used every time that prompt is asked), a list of answers (used in order, one per time
 * asked), or {"answer": "…", "after": "20m"} (the delay is honoured by the virtual clock).
 */
#ifndef RB_PROMPT_H
#define RB_PROMPT_H

#include <jansson.h>
#include "util.h"

typedef enum { PK_ASK, PK_CONFIRM, PK_CHOOSE, PK_CHECK } prompt_kind;

typedef struct prompt_req {
    prompt_kind kind;
    const char *text;                /* the question (secrets already redacted) */
    const char *key;                 /* NULL: matched by text */
    const char *def;                 /* default answer, NULL if none */
    const char *const *options;      /* choose: the options */
    int noptions;
    int secret;                      /* do not echo, do not keep in history */
    const char *pattern;             /* ask: POSIX extended regex the answer must match */
} prompt_req;

typedef enum {
    PR_OK,                           /* *answer holds the canonical answer */
    PR_NO_ANSWER,                    /* input required but none available (exit 4) */
    PR_INTERRUPTED,                  /* Ctrl-C at the prompt */
    PR_BAD                           /* a scripted answer was invalid (message in answer) */
} prompt_status;

typedef struct prompter prompter;

/*
 * How a prompt waits without stopping the clock (the evaluator's event loop).
 *   wait_readable: block until fd can be read, running due timers meanwhile; 0 when
 *                  readable, -1 when interrupted (Ctrl-C).
 *   delay:         let secs pass (an answer's "after"): timers fire, the virtual clock
 *                  moves; 0, or -1 when interrupted.
 */
typedef struct prompt_hooks {
    int (*wait_readable)(void *ctx, int fd);
    int (*delay)(void *ctx, double secs);
    void *ctx;
} prompt_hooks;

/* answers: a parsed --answers object (borrowed for the prompter's life) or NULL.
 * hooks may be NULL (plain blocking reads). */
prompter *prompter_new(json_t *answers, int auto_mode, const prompt_hooks *hooks);
void prompter_free(prompter *p);

/* While a terminal prompt is waiting, other output (a timer firing) must not corrupt
 * the line being typed: call pause before printing and resume after. No-ops otherwise. */
void prompt_pause(prompter *p);
void prompt_resume(prompter *p);
/* One line of non-terminal standard input through the prompter's own buffer (so a REPL
 * and the prompts of what it runs share one reader).  NULL at the end of input; *status
 * is -1 when interrupted. */
char *prompt_read_line(prompter *p, int *status);

/* Another readline prompt (the REPL's) is on the screen: pause/resume apply to it too. */
void prompt_line_active(prompter *p, int on);

/* Load and validate an answers file; NULL with a message in *err (rb_free) on error. */
json_t *prompt_load_answers(const char *path, char **err);

/*
 * Ask.  On PR_OK the canonical answer is in `answer` (confirm: "yes"/"no"; choose: the
 * option's text; check: "done"/"not done"/"n/a" optionally followed by ": note"),
 * *source is "answers", "auto", "default", "terminal" or "stdin", and *after is the
 * answer's delay in seconds (0 unless the answers file gave one).
 */
prompt_status prompt_ask(prompter *p, const prompt_req *q, rb_buf *answer, const char **source, double *after);
/* Replaying: q was answered from source then; a scripted list answer for it is used up
 * (so the next live prompt with that key gets the next entry). */
void prompt_served(prompter *p, const prompt_req *q, const char *source);

/* The readline version this process runs with. */
const char *prompt_lib_version(void);

#endif
