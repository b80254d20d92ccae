/*
 * lint_sc.c — shellcheck over every `sh` command string, findings at runbook positions.
 *
 * Owns: turning a runbook's literal sh commands ("…", '…' and heredocs, read again from
 * the source so every character keeps its line and column) into one shell script per
 * file, each command the body of its own function, with a map from every character of the
 * script back to the runbook; running shellcheck on those scripts (through shell.c, a few
 * files at a time); and turning its JSON findings into warnings with the SC code as rule.
 *
 * An interpolation stands in as what the shell will see: "$RB_1" as a word of its own,
 * $RB_1 inside the command's double quotes, RB_1 inside its single quotes or in raw().
 * Escapes map to their backslash.  Commands held in variables are not checked.
 */
#include <ctype.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include "lint.h"
#include "shell.h"

struct sc_job {
    ast_file *f;
    diag_list *d;
    rb_buf script;
    rb_loc *map;          /* the runbook position of each character of the script */
    size_t nmap, capmap;
    size_t *lines;        /* index in map of each script line's first character */
    int nlines, caplines;
    int ncmds;            /* commands emitted */
    int nstand;           /* interpolations stood in for */
    char path[64];
    sh_proc *proc;
    sh_result res;
    int started;
};

enum { Q_NONE, Q_SINGLE, Q_DOUBLE };

typedef struct emitter {
    sc_job *j;
    int q, esc;           /* the shell's quoting after the text so far */
} emitter;

static void map_push(sc_job *j, rb_loc at)
{
    if (j->nmap == j->capmap) {
        j->capmap = j->capmap ? j->capmap * 2 : 256;
        j->map = rb_xrealloc(j->map, j->capmap * sizeof *j->map);
    }
    j->map[j->nmap++] = at;
}

static void line_push(sc_job *j)
{
    if (j->nlines == j->caplines) {
        j->caplines = j->caplines ? j->caplines * 2 : 64;
        j->lines = rb_xrealloc(j->lines, (size_t)j->caplines * sizeof *j->lines);
    }
    j->lines[j->nlines++] = j->nmap;
}

/* Append n bytes that all stand for the runbook position at. */
static void put(emitter *e, const char *s, size_t n, rb_loc at, int track)
{
    sc_job *j = e->j;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        buf_addc(&j->script, c);
        if (((unsigned char)c & 0xC0) != 0x80) map_push(j, at);
        if (c == '\n') line_push(j);
        if (!track) continue;
        if (e->q == Q_SINGLE) {
            if (c == '\'') e->q = Q_NONE;
        } else if (e->esc) {
            e->esc = 0;
        } else if (c == '\\') {
            e->esc = 1;
        } else if (e->q == Q_DOUBLE) {
            if (c == '"') e->q = Q_NONE;
        } else if (c == '\'') {
            e->q = Q_SINGLE;
        } else if (c == '"') {
            e->q = Q_DOUBLE;
        }
    }
}

static void standin(emitter *e, int raw, rb_loc at)
{
    char w[32];
    int k = ++e->j->nstand;
    if (raw || e->q == Q_SINGLE) snprintf(w, sizeof w, "RB_%d", k);
    else if (e->q == Q_DOUBLE) snprintf(w, sizeof w, "$RB_%d", k);
    else snprintf(w, sizeof w, "\"$RB_%d\"", k);
    put(e, w, strlen(w), at, 0);
}

static void adv(rb_loc *l, char c)
{
    if (c == '\n') {
        l->line++;
        l->col = 1;
    } else if (((unsigned char)c & 0xC0) != 0x80) {
        l->col++;
    }
}

/* Past the #{…} starting at s[i] (at "#{"); returns the index after its '}'. */
static size_t interp_skip(const char *s, size_t n, size_t i, rb_loc *l, int *raw)
{
    size_t k = i + 2;
    while (k < n && s[k] == ' ') k++;
    *raw = n - k > 4 && strncmp(s + k, "raw(", 4) == 0;
    int depth = 1;
    char str = 0;
    for (k = i; k < n; k++) {
        char c = s[k];
        if (k >= i + 2) {
            if (str) {
                if (c == '\\' && k + 1 < n) {
                    adv(l, c);
                    k++;
                    c = s[k];
                } else if (c == str) {
                    str = 0;
                }
            } else if (c == '"' || c == '\'') {
                str = c;
            } else if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                adv(l, c);
                return k + 1;
            }
        }
        adv(l, c);
    }
    return n;
}

static char dq_escape(char c)
{
    switch (c) {
    case 'n': return '\n';
    case 't': return '\t';
    case 'r': return '\r';
    case '"': return '"';
    case '\\': return '\\';
    case '#': return '#';
    case 'e': return '\033';
    default: return 0;
    }
}

/* A "…" or '…' string at s[0]; l is its position. */
static void emit_quoted(emitter *e, const char *s, size_t n, rb_loc l)
{
    char quote = s[0];
    size_t i = 1;
    adv(&l, s[0]);
    while (i < n && s[i] != quote && s[i] != '\n') {
        rb_loc at = l;
        if (s[i] == '\\' && i + 1 < n && s[i + 1] != '\n') {
            char c = quote == '"' ? dq_escape(s[i + 1]) : (s[i + 1] == '\'' || s[i + 1] == '\\') ? s[i + 1] : 0;
            if (c) put(e, &c, 1, at, 1);
            else put(e, s + i, 1, at, 1);
            if (c) {
                adv(&l, s[i]);
                adv(&l, s[i + 1]);
                i += 2;
            } else {
                adv(&l, s[i]);
                i++;
            }
        } else if (quote == '"' && s[i] == '#' && i + 1 < n && s[i + 1] == '{') {
            int raw;
            i = interp_skip(s, n, i, &l, &raw);
            standin(e, raw, at);
        } else {
            put(e, s + i, 1, at, 1);
            adv(&l, s[i]);
            i++;
        }
    }
}

/* The heredoc whose `<<~` is at s[0] (l its position); text/len the whole file. */
static void emit_heredoc(emitter *e, const char *text, size_t len, const char *s, rb_loc l)
{
    /* Earlier heredocs on the same line take their bodies first: collect the tags. */
    const char *ls = s;
    while (ls > text && ls[-1] != '\n') ls--;
    const char *le = memchr(s, '\n', (size_t)(text + len - s));
    if (!le) return;
    const char *body = le + 1;
    int line = l.line + 1;
    for (const char *p = ls; p <= s; p++) {
        if (strncmp(p, "<<~", 3) != 0) continue;
        int raw = p[3] == '\'';
        const char *t = p + 3 + raw, *te = t;
        while (te < le && (isalnum((unsigned char)*te) || *te == '_')) te++;
        size_t tl = (size_t)(te - t);
        /* Find the terminator of this heredoc's body. */
        const char *q = body, *end = NULL;
        int bl = line;
        while (q < text + len) {
            const char *nl = memchr(q, '\n', (size_t)(text + len - q));
            const char *qe = nl ? nl : text + len, *a = q, *b = qe;
            while (a < b && (*a == ' ' || *a == '\t')) a++;
            while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\r')) b--;
            if ((size_t)(b - a) == tl && memcmp(a, t, tl) == 0) {
                end = q;
                break;
            }
            if (!nl) break;
            q = nl + 1;
            bl++;
        }
        if (!end || tl == 0) return;
        if (p < s) {
            const char *nl = memchr(end, '\n', (size_t)(text + len - end));
            body = nl ? nl + 1 : text + len;
            line = bl + 1;
            continue;
        }
        size_t n = (size_t)(end - body), indent = (size_t)-1;
        for (size_t i = 0; i < n;) {
            size_t w = 0;
            while (i + w < n && (body[i + w] == ' ' || body[i + w] == '\t')) w++;
            if (i + w < n && body[i + w] != '\n' && body[i + w] != '\r' && w < indent) indent = w;
            const char *nl = memchr(body + i, '\n', n - i);
            i = nl ? (size_t)(nl - body) + 1 : n;
        }
        if (indent == (size_t)-1) indent = 0;
        if (n && body[n - 1] == '\n') n--;
        rb_loc at = {line, 1};
        for (size_t i = 0, start = 1; i < n;) {
            if (start) {
                for (size_t w = 0; w < indent && i < n && (body[i] == ' ' || body[i] == '\t'); w++) adv(&at, body[i++]);
                start = 0;
                continue;
            }
            rb_loc here = at;
            if (!raw && body[i] == '\\' && i + 1 < n && body[i + 1] != '\n') {
                char c = dq_escape(body[i + 1]);
                if (c) put(e, &c, 1, here, 1);
                else put(e, body + i, 2, here, 1);
                adv(&at, body[i]);
                adv(&at, body[i + 1]);
                i += 2;
            } else if (!raw && body[i] == '#' && i + 1 < n && body[i + 1] == '{') {
                int r;
                i = interp_skip(body, n, i, &at, &r);
                standin(e, r, here);
            } else {
                if (body[i] == '\n') start = 1;
                put(e, body + i, 1, here, 1);
                adv(&at, body[i]);
                i++;
            }
        }
        return;
    }
}

/* The source text at a line and column (NULL past the file). */
static const char *text_at(const sc_job *j, rb_loc at)
{
    size_t n;
    const char *line = diag_line_text(&j->f->src, at.line, &n), *p = line;
    if (!line) return NULL;
    for (int col = 1; col < at.col && p < line + n; col++) {
        p++;
        while (p < line + n && ((unsigned char)*p & 0xC0) == 0x80) p++;
    }
    return p;
}

static int starts_literal(const char *p)
{
    return p && (*p == '"' || *p == '\'' || strncmp(p, "<<~", 3) == 0);
}

/* The command of sh node n, emitted as a function of the script.  The literal is found at
 * its node's position, or else just after the `sh` (and a `(`). */
static void emit_command(sc_job *j, const rb_node *n)
{
    rb_loc sh = n->loc, l = n->a->loc;
    const char *p = text_at(j, l);
    if (!starts_literal(p)) {
        p = text_at(j, sh);
        if (!p || strncmp(p, "sh", 2) != 0) return;
        l = sh;
        for (p += 2, l.col += 2; *p == ' ' || *p == '\t' || *p == '('; p++) l.col++;
        if (!starts_literal(p)) return;
    }
    char head[64];
    snprintf(head, sizeof head, "rb_sh_%d() {\n", ++j->ncmds);
    emitter e = {j, Q_NONE, 0};
    put(&e, head, strlen(head), sh, 0);
    size_t before = j->script.len;
    if (*p == '<') emit_heredoc(&e, j->f->text, j->f->len, p, l);
    else emit_quoted(&e, p, (size_t)(j->f->text + j->f->len - p), l);
    if (j->script.len == before) put(&e, ":", 1, sh, 0);
    put(&e, "\n}\n", 3, sh, 0);
}

static void collect(sc_job *j, const rb_node *n)
{
    for (; n; n = n->next) {
        if (n->kind == N_SH && n->a && (n->a->kind == N_STR || n->a->kind == N_INTERP)) emit_command(j, n);
        collect(j, n->a);
        collect(j, n->b);
        collect(j, n->c);
        collect(j, n->d);
        collect(j, n->opts);
    }
}

static const char *sc_program(void)
{
    const char *env = getenv("RUNBOOK_SHELLCHECK");
    return env ? env : "shellcheck";
}

int sc_available(void)
{
    const char *prog = sc_program();
    if (!*prog) return 0;
    if (strchr(prog, '/')) return access(prog, X_OK) == 0;
    const char *path = getenv("PATH");
    if (!path) path = "/usr/bin:/bin";
    for (const char *p = path; *p;) {
        const char *c = strchr(p, ':');
        size_t k = c ? (size_t)(c - p) : strlen(p);
        rb_buf b;
        buf_init(&b);
        buf_printf(&b, "%.*s/%s", (int)k, p, prog);
        int ok = k && access(buf_cstr(&b), X_OK) == 0;
        buf_free(&b);
        if (ok) return 1;
        p += k + (c ? 1 : 0);
    }
    return 0;
}

sc_job *sc_prepare(ast_file *f, diag_list *d)
{
    if (!f || !f->root) return NULL;
    sc_job *j = rb_xcalloc(1, sizeof *j);
    j->f = f;
    j->d = d;
    buf_init(&j->script);
    line_push(j);
    collect(j, f->root->a);
    if (!j->script.len) {
        sc_job_free(j);
        return NULL;
    }
    return j;
}

void sc_job_free(sc_job *j)
{
    if (!j) return;
    if (j->path[0]) unlink(j->path);
    buf_free(&j->script);
    rb_free(j->map);
    rb_free(j->lines);
    rb_free(j);
}

static int start(sc_job *j)
{
    const char *dir = getenv("TMPDIR");
    snprintf(j->path, sizeof j->path, "%s/runbook-sc-XXXXXX", dir && *dir && strlen(dir) < 40 ? dir : "/tmp");
    int fd = mkstemp(j->path);
    if (fd < 0) {
        j->path[0] = '\0';
        return -1;
    }
    size_t off = 0;
    while (off < j->script.len) {
        ssize_t w = write(fd, j->script.data + off, j->script.len - off);
        if (w <= 0) break;
        off += (size_t)w;
    }
    close(fd);
    rb_buf cmd;
    buf_init(&cmd);
    /* The script reaches shellcheck as its stdin, and the file is gone once it starts:
     * an interrupted lint leaves nothing behind in TMPDIR. */
    buf_adds(&cmd, "{ rm -f ");
    sh_quote(&cmd, j->path);
    buf_adds(&cmd, "; exec ");
    sh_quote(&cmd, sc_program());
    buf_adds(&cmd, " --format=json1 --shell=sh --exclude=SC2154 -; } < ");
    sh_quote(&cmd, j->path);
    sh_opts o = {.timeout = 120};
    j->proc = sh_start(buf_cstr(&cmd), &o, &j->res);
    buf_free(&cmd);
    j->started = 1;
    return j->proc ? 0 : -1;
}

static rb_loc map_at(const sc_job *j, int line, int col)
{
    if (line < 1) line = 1;
    if (line > j->nlines) line = j->nlines;
    size_t first = j->lines[line - 1];
    size_t last = line < j->nlines ? j->lines[line] : j->nmap;
    size_t i = first + (size_t)(col > 0 ? col - 1 : 0);
    if (i >= last) i = last ? last - 1 : 0;
    return j->nmap ? j->map[i] : (rb_loc){1, 1};
}

static void report(sc_job *j)
{
    json_t *doc = json_loads(buf_cstr(&j->res.out), 0, NULL);
    json_t *list = json_object_get(doc, "comments");
    if (!json_is_array(list)) {
        fprintf(stderr, "runbook lint: shellcheck failed on the commands of %s (exit %d): %.200s\n", j->f->src.name,
                j->res.exit_code, buf_cstr(&j->res.err));
        json_decref(doc);
        return;
    }
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c) {
        int line = (int)json_integer_value(json_object_get(c, "line"));
        int col = (int)json_integer_value(json_object_get(c, "column"));
        long long code = json_integer_value(json_object_get(c, "code"));
        const char *level = json_string_value(json_object_get(c, "level"));
        const char *msg = json_string_value(json_object_get(c, "message"));
        char rule[24];
        snprintf(rule, sizeof rule, "SC%lld", code);
        lint_warn(j->d, &j->f->src, map_at(j, line, col), rule, "shellcheck %s: %s", level ? level : "warning",
                  msg ? msg : "");
    }
    json_decref(doc);
}

int sc_start(sc_job *j)
{
    if (start(j) == 0) return 0;
    fprintf(stderr, "runbook lint: cannot run shellcheck for %s\n", j->f->src.name);
    if (j->started) sh_result_free(&j->res);
    j->proc = NULL;
    return -1;
}

int sc_running(const sc_job *j)
{
    return j && j->proc != NULL;
}

int sc_poll(sc_job *const *jobs, int n, int timeout_ms)
{
    struct pollfd pfd[64];
    int np = 0, ended = 0;
    for (int k = 0; k < n; k++) {
        sc_job *j = jobs[k];
        if (!j || !j->proc) continue;
        if (sh_handle(j->proc)) {
            sh_finish(j->proc);
            j->proc = NULL;
            report(j);
            sh_result_free(&j->res);
            ended++;
            continue;
        }
        int fds[2], m = sh_fds(j->proc, fds);
        for (int x = 0; x < m && np < 64; x++) pfd[np++] = (struct pollfd){fds[x], POLLIN, 0};
    }
    if (!ended && np && timeout_ms) poll(pfd, (nfds_t)np, timeout_ms);
    return ended;
}
