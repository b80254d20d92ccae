/*
 * prompt.c — answers from an answers file, defaults, a terminal or piped standard input.
 *
 * Owns the prompt wording on the terminal, canonical answers (yes/no, an option's text,
 * done/not done/n/a) and their validation, and showing questions and answers with their
 * control characters escaped.  A terminal gets another try after an invalid
 * answer; a scripted answer (file or pipe) that is invalid is an error, never a guess.
 * Never: evaluate code or record anything (the evaluator records the prompt and answer).
 */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>
#include "cli.h"
#include "value.h"
#include "prompt.h"
#include "rl.h"

struct prompter {
    json_t *answers;          /* borrowed */
    json_t *used;             /* lookup key -> times a list answer was used */
    int auto_mode;
    int tty;                  /* standard input is a terminal */
    prompt_hooks hooks;
    int reading;              /* a readline prompt is on the screen */
    char *rl_line;            /* the line readline handed over (callback mode) */
    int rl_done;
    int color;                /* bold questions (a terminal, no NO_COLOR / --no-color) */
    char *menu;               /* a choose menu on the screen: redrawn under timer messages */
};

/*
 * readline's callback interface has no context pointer: the prompter whose line is being
 * read is kept here while (and only while) a terminal prompt is on the screen.
 */
static prompter *rl_owner;

/*
 * Standard input is one per process: the bytes read from it but not yet used belong to
 * it, not to a prompter, so that a REPL that ends a run and starts another (:load) loses
 * none of the lines that were piped to it.
 */
static rb_buf stdin_pending;
#define PROMPT_MAX_LINE (1 << 20)   /* the longest line of piped input (answers, REPL input) */
static int stdin_eof;

prompter *prompter_new(json_t *answers, int auto_mode, const prompt_hooks *hooks)
{
    prompter *p = rb_xcalloc(1, sizeof *p);
    p->answers = answers;
    p->used = json_object();
    p->auto_mode = auto_mode;
    p->tty = isatty(0) && isatty(1);
    p->color = cli_color(1);
    if (hooks) p->hooks = *hooks;
    return p;
}

void prompter_free(prompter *p)
{
    if (!p) return;
    json_decref(p->used);
    rb_free(p->menu);
    rb_free(p);
}

static int wait_fd(prompter *p, int fd)
{
    if (p->hooks.wait_readable) return p->hooks.wait_readable(p->hooks.ctx, fd);
    struct pollfd pfd = {fd, POLLIN, 0};
    while (poll(&pfd, 1, -1) < 0)
        if (errno != EINTR) return -1;
    return 0;
}

/*
 * One line of standard input without its newline (NULL at end of input), read with
 * read(2) after the event loop says it is readable, so timers fire while we wait.
 * *status is set to -1 when interrupted.
 */
static char *read_line(prompter *p, int *status)
{
    rb_buf *in = &stdin_pending;
    *status = 0;
    for (;;) {
        char *nl = in->len ? memchr(in->data, '\n', in->len) : NULL;
        if (nl || (stdin_eof && in->len)) {
            size_t n = nl ? (size_t)(nl - in->data) : in->len;
            char *line = rb_xstrndup(in->data, n);
            size_t used = nl ? n + 1 : n;
            memmove(in->data, in->data + used, in->len - used);
            in->len -= used;
            in->data[in->len] = '\0';
            if (n && line[n - 1] == '\r') line[n - 1] = '\0';
            if (in->len == 0) buf_free(in);   /* nothing left behind at exit */
            return line;
        }
        if (stdin_eof) return NULL;
        if (in->len > PROMPT_MAX_LINE) {
            /* no newline in a megabyte: /dev/zero or a binary file, not answers */
            fprintf(stderr, "runbook: standard input: a line longer than %d bytes (a binary file or a "
                            "device?); reading no more of it\n", PROMPT_MAX_LINE);
            buf_free(in);
            stdin_eof = 1;
            return NULL;
        }
        if (wait_fd(p, 0) < 0) {
            *status = -1;
            return NULL;
        }
        char chunk[4096];
        ssize_t r = read(0, chunk, sizeof chunk);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) stdin_eof = 1;
        else buf_addn(in, chunk, (size_t)r);
    }
}

char *prompt_read_line(prompter *p, int *status)
{
    return read_line(p, status);
}

static void rl_got_line(char *line)
{
    prompter *p = rl_owner;
    if (!p) return;
    p->rl_line = line;     /* NULL at end of input (Ctrl-D) */
    p->rl_done = 1;
    rl_callback_handler_remove();
}

/* A line from the terminal through readline's callback interface. */
static char *read_terminal(prompter *p, const char *prompt, int *status)
{
    if (rl_load() != 0) {   /* no readline (rl.h): the question, then a plain line */
        fputs(prompt, stdout);
        fflush(stdout);
        return read_line(p, status);
    }
    *status = 0;
    p->rl_done = 0;
    p->rl_line = NULL;
    rl_owner = p;
    p->reading = 1;
    rl_callback_handler_install(prompt, rl_got_line);
    while (!p->rl_done) {
        if (wait_fd(p, 0) < 0) {
            rl_callback_handler_remove();
            fputc('\n', stdout);
            *status = -1;
            break;
        }
        rl_callback_read_char();
    }
    p->reading = 0;
    rl_owner = NULL;
    char *line = p->rl_line ? rb_xstrdup(p->rl_line) : NULL;
    if (p->rl_line && *p->rl_line) add_history(p->rl_line);
    free(p->rl_line);
    p->rl_line = NULL;
    return line;
}

void prompt_line_active(prompter *p, int on)
{
    if (p) p->reading = on;
}

void prompt_pause(prompter *p)
{
    if (!p || !p->reading) return;
    rl_save_prompt();
    rl_clear_visible_line();
}

void prompt_resume(prompter *p)
{
    if (!p || !p->reading) return;
    if (p->menu) fputs(p->menu, stdout);   /* the choices again, under what the timer said */
    rl_restore_prompt();
    rl_forced_update_display();
}

/* An "after" value: a duration string or a number of seconds; -1 when malformed. */
static double after_secs(const json_t *a)
{
    if (!a) return 0;
    if (json_is_number(a)) return json_number_value(a) >= 0 ? json_number_value(a) : -1;
    if (json_is_string(a)) return parse_duration(json_string_value(a), json_string_length(a));
    return -1;
}

/* Check one answer entry's shape; message into err. */
static int answer_ok(const char *k, const json_t *v, rb_buf *err)
{
    if (json_is_string(v) || json_is_number(v) || json_is_boolean(v)) return 1;
    if (json_is_object(v)) {
        json_t *a = json_object_get(v, "answer");
        if (!a || !(json_is_string(a) || json_is_number(a) || json_is_boolean(a))) {
            buf_printf(err, "answer for \"%s\": an object needs \"answer\": \"…\"", k);
            return 0;
        }
        if (after_secs(json_object_get(v, "after")) < 0) {
            buf_printf(err, "answer for \"%s\": \"after\" must be a duration like \"20m\"", k);
            return 0;
        }
        return 1;
    }
    if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x)
            if (json_is_array(x) || !answer_ok(k, x, err)) {
                if (!err->len) buf_printf(err, "answer for \"%s\": lists cannot nest", k);
                return 0;
            }
        return 1;
    }
    buf_printf(err, "answer for \"%s\" must be a string, a list, or {\"answer\": …, \"after\": …}", k);
    return 0;
}

json_t *prompt_load_answers(const char *path, char **err)
{
    json_error_t je;
    rb_buf b;
    buf_init(&b);
    size_t len;
    char *text = rb_read_file(path, &len);
    if (!text) {
        buf_printf(&b, "runbook: cannot read the answers file %s: %s", path, rb_read_error());
        *err = buf_take(&b);
        return NULL;
    }
    json_t *j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    rb_free(text);
    if (!j) {
        buf_printf(&b, "%s:%d:%d: error: %s", path, je.line, je.column, je.text);
        *err = buf_take(&b);
        return NULL;
    }
    if (!json_is_object(j)) {
        buf_printf(&b, "%s: error: an answers file is a JSON object {\"prompt or key\": \"answer\"}", path);
        json_decref(j);
        *err = buf_take(&b);
        return NULL;
    }
    const char *k;
    json_t *v;
    json_object_foreach(j, k, v) {
        if (!answer_ok(k, v, &b)) {
            rb_buf m;
            buf_init(&m);
            buf_printf(&m, "%s: error: %s", path, buf_cstr(&b));
            buf_free(&b);
            json_decref(j);
            *err = buf_take(&m);
            return NULL;
        }
    }
    buf_free(&b);
    return j;
}

static void scalar_text(rb_buf *out, const json_t *v)
{
    if (json_is_string(v)) buf_addn(out, json_string_value(v), json_string_length(v));
    else if (json_is_integer(v)) buf_printf(out, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v)) buf_printf(out, "%g", json_real_value(v));
    else if (json_is_boolean(v)) buf_adds(out, json_is_true(v) ? "yes" : "no");
}

/* The scripted answer for q, if the answers file has one (list entries are consumed). */
static int scripted(prompter *p, const prompt_req *q, rb_buf *out, double *after)
{
    if (!p->answers) return 0;
    const char *name = q->key && json_object_get(p->answers, q->key) ? q->key : q->text;
    json_t *v = json_object_get(p->answers, name);
    if (!v) return 0;
    if (json_is_array(v)) {
        json_t *n = json_object_get(p->used, name);
        size_t i = n ? (size_t)json_integer_value(n) : 0;
        if (i >= json_array_size(v)) return 0;
        json_object_set_new(p->used, name, json_integer((json_int_t)i + 1));
        v = json_array_get(v, i);
    }
    if (json_is_object(v)) {
        *after = after_secs(json_object_get(v, "after"));
        v = json_object_get(v, "answer");
    }
    scalar_text(out, v);
    return 1;
}

void prompt_served(prompter *p, const prompt_req *q, const char *source)
{
    rb_buf skip;
    double after;
    buf_init(&skip);
    /* an answer the answers file gave then uses up its list entry now as well */
    if (p && source && strcmp(source, "answers") == 0) scripted(p, q, &skip, &after);
    buf_free(&skip);
}

static int word_is(const char *s, const char *const *words)
{
    for (; *words; words++)
        if (strcasecmp(s, *words) == 0) return 1;
    return 0;
}

static void trim(rb_buf *b)
{
    size_t s = 0, e = b->len;
    while (s < e && isspace((unsigned char)b->data[s])) s++;
    while (e > s && isspace((unsigned char)b->data[e - 1])) e--;
    if (!b->data) return;
    memmove(b->data, b->data + s, e - s);
    b->len = e - s;
    b->data[b->len] = '\0';
}

/*
 * Turn a raw answer into the canonical one, in place.  Returns 0 when valid; otherwise
 * writes why into why.
 */
static int canonical(const prompt_req *q, rb_buf *a, rb_buf *why)
{
    static const char *const yes[] = {"y", "yes", "true", "1", NULL};
    static const char *const no[] = {"n", "no", "false", "0", NULL};
    static const char *const done[] = {"done", "d", "x", "y", "yes", NULL};
    static const char *const notdone[] = {"not done", "no", "n", "notdone", NULL};
    static const char *const na[] = {"n/a", "na", "n.a.", "skip", NULL};
    trim(a);
    const char *s = buf_cstr(a);
    switch (q->kind) {
    case PK_ASK:
        if (q->pattern) {
            regex_t re;
            if (regcomp(&re, q->pattern, REG_EXTENDED | REG_NOSUB) != 0) {
                buf_printf(why, "the pattern /%s/ is not a valid regular expression", q->pattern);
                return -1;
            }
            int m = regexec(&re, s, 0, NULL, 0);
            regfree(&re);
            if (m != 0) {
                buf_printf(why, "the answer must match /%s/", q->pattern);
                return -1;
            }
        }
        return 0;
    case PK_CONFIRM: {
        const char *c = word_is(s, yes) ? "yes" : word_is(s, no) ? "no" : NULL;
        if (!c) {
            buf_printf(why, "answer yes or no, not \"%s\"", s);
            return -1;
        }
        buf_reset(a);
        buf_adds(a, c);
        return 0;
    }
    case PK_CHOOSE: {
        char *end;
        long n = strtol(s, &end, 10);
        int pick = -1;
        if (*s && *end == '\0' && n >= 1 && n <= q->noptions) pick = (int)n - 1;
        for (int i = 0; pick < 0 && i < q->noptions; i++)
            if (strcmp(s, q->options[i]) == 0) pick = i;
        for (int i = 0; pick < 0 && i < q->noptions; i++)
            if (strcasecmp(s, q->options[i]) == 0) pick = i;
        if (pick < 0) {
            buf_printf(why, "\"%s\" is not one of the %d options (answer with its number or its text)", s,
                       q->noptions);
            return -1;
        }
        buf_reset(a);
        buf_adds(a, q->options[pick]);
        return 0;
    }
    case PK_CHECK: {
        const char *colon = strchr(s, ':');
        size_t n = colon ? (size_t)(colon - s) : strlen(s);
        char word[32];
        if (n >= sizeof word) n = sizeof word - 1;
        memcpy(word, s, n);
        word[n] = '\0';
        while (n > 0 && isspace((unsigned char)word[n - 1])) word[--n] = '\0';
        const char *c = word_is(word, done) ? "done" : word_is(word, notdone) ? "not done"
                      : word_is(word, na) ? "n/a" : NULL;
        if (!c) {
            buf_printf(why, "answer done, not done or n/a (optionally followed by \": note\"), not \"%s\"", s);
            return -1;
        }
        rb_buf out;
        buf_init(&out);
        buf_adds(&out, c);
        if (colon) {
            const char *note = colon + 1;
            while (isspace((unsigned char)*note)) note++;
            if (*note) buf_printf(&out, ": %s", note);
        }
        buf_free(a);
        *a = out;
        return 0;
    }
    }
    return 0;
}

/* Questions, options, defaults and answers may hold anything a command printed or a
 * responder typed: shown with control characters escaped (util.h), never raw. */
static void add_shown(rb_buf *to, const char *s) { buf_add_shown(to, s, strlen(s)); }

static void put_shown(FILE *out, const char *s)
{
    rb_buf b;
    buf_init(&b);
    add_shown(&b, s);
    fputs(buf_cstr(&b), out);
    buf_free(&b);
}

/* The question in bold on a colour terminal; rl: for readline's prompt, whose escapes
 * must be marked \001…\002 (they take no room on the line). */
static void add_question(rb_buf *out, const char *text, int color, int rl)
{
    if (color) buf_adds(out, rl ? "\001\033[1m\002" : "\033[1m");
    buf_adds(out, "? ");
    add_shown(out, text);
    if (color) buf_adds(out, rl ? "\001\033[0m\002" : "\033[0m");
}

/* The question as shown (without a choose's options): "? text [y/n] (default: d): ". */
static void question_line(const prompt_req *q, rb_buf *out, int show_default, int color, int rl)
{
    if (q->kind == PK_CHOOSE) {
        buf_adds(out, "  choice");
    } else {
        add_question(out, q->text, color, rl);
        if (q->kind == PK_CONFIRM) buf_adds(out, " [y/n]");
        if (q->kind == PK_CHECK) buf_adds(out, " [done / not done / n/a]");
    }
    if (q->def && show_default) {
        buf_adds(out, " (default: ");
        add_shown(out, q->def);
        buf_adds(out, ")");
    }
    buf_adds(out, ": ");
}

/* A choose's question and numbered options, each on its own line, into m. */
static void options_text(const prompt_req *q, rb_buf *m, int color)
{
    if (q->kind != PK_CHOOSE) return;
    add_question(m, q->text, color, 0);
    buf_addc(m, '\n');
    for (int i = 0; i < q->noptions; i++) {
        buf_printf(m, "  %d) ", i + 1);
        add_shown(m, q->options[i]);
        buf_addc(m, '\n');
    }
}

static void show_question(const prompter *p, const prompt_req *q, FILE *out)
{
    rb_buf line;
    buf_init(&line);
    options_text(q, &line, p->color);
    question_line(q, &line, !q->secret, p->color, 0);
    fputs(buf_cstr(&line), out);
    buf_free(&line);
}

/* Read a line with the terminal's echo off (secrets). NULL at end of input. */
static char *read_secret_line(prompter *p, int *status)
{
    struct termios old, quiet;
    int have = tcgetattr(0, &old) == 0;
    if (have) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(0, TCSAFLUSH, &quiet);
    }
    char *line = read_line(p, status);
    if (have) tcsetattr(0, TCSAFLUSH, &old);
    fputc('\n', stdout);
    return line;
}

prompt_status prompt_ask(prompter *p, const prompt_req *q, rb_buf *answer, const char **source, double *after)
{
    rb_buf why;
    buf_init(&why);
    *after = 0;
    buf_reset(answer);
    if (scripted(p, q, answer, after)) {
        *source = "answers";
        if (*after > 0 && p->hooks.delay && p->hooks.delay(p->hooks.ctx, *after) < 0) {
            buf_free(&why);
            return PR_INTERRUPTED;
        }
        if (answer->len == 0 && q->def) buf_adds(answer, q->def);
        if (canonical(q, answer, &why) == 0) {
            buf_free(&why);
            return PR_OK;
        }
        buf_reset(answer);
        buf_printf(answer, "answers file: \"%s\": %s", q->key ? q->key : q->text, buf_cstr(&why));
        buf_free(&why);
        return PR_BAD;
    }
    if (p->auto_mode) {
        if (!q->def) {
            buf_free(&why);
            return PR_NO_ANSWER;
        }
        buf_adds(answer, q->def);
        *source = "auto";
        int ok = canonical(q, answer, &why);
        buf_free(&why);
        return ok == 0 ? PR_OK : PR_BAD;
    }
    for (;;) {
        char *line;
        int st = 0;
        fflush(stdout);
        if (p->tty) {
            if (q->secret) {
                show_question(p, q, stdout);
                fflush(stdout);
                line = read_secret_line(p, &st);
            } else {
                rb_buf ps;
                buf_init(&ps);
                if (q->kind == PK_CHOOSE) {
                    rb_buf m;
                    buf_init(&m);
                    options_text(q, &m, p->color);
                    fputs(buf_cstr(&m), stdout);
                    p->menu = rb_xstrdup(buf_cstr(&m));
                    buf_free(&m);
                }
                question_line(q, &ps, 1, p->color, 1);
                line = read_terminal(p, buf_cstr(&ps), &st);
                buf_free(&ps);
                rb_free(p->menu);
                p->menu = NULL;
            }
            *source = "terminal";
        } else {
            show_question(p, q, stdout);
            fflush(stdout);
            line = read_line(p, &st);
            *source = "stdin";
            if (line) {
                put_shown(stdout, q->secret ? "«redacted»" : line);
                putchar('\n');
            }
            else if (st == 0) putchar('\n');
        }
        if (st < 0) {
            rb_free(line);
            buf_free(&why);
            return PR_INTERRUPTED;
        }
        if (!line) {
            if (!q->def) {
                buf_free(&why);
                return PR_NO_ANSWER;
            }
            buf_adds(answer, q->def);
            *source = "default";
        } else {
            buf_adds(answer, line);
            rb_free(line);
            if (answer->len == 0 && q->def) {
                buf_adds(answer, q->def);
                *source = "default";
            }
        }
        buf_reset(&why);
        if (canonical(q, answer, &why) == 0) {
            buf_free(&why);
            return PR_OK;
        }
        if (!p->tty) {
            buf_reset(answer);
            buf_printf(answer, "standard input: %s", buf_cstr(&why));
            buf_free(&why);
            return PR_BAD;
        }
        fputs("  ", stdout);
        put_shown(stdout, buf_cstr(&why));
        putchar('\n');
        buf_reset(answer);
    }
}

/* `runbook --version`: the readline library this process runs with. */
const char *prompt_lib_version(void)
{
    static char why[240];
    if (rl_load() == 0) return rl_library_version;
    snprintf(why, sizeof why, "(not loaded: %s)", rl_load_error());
    return why;
}
