/*
 * cli.c — the helpers the subcommands share on the command line: an option's value,
 * --answers, opening the recording database, --clock, checking --set and --incident against
 * the runbook before anything runs, and whether the terminal gets colour (never with
 * NO_COLOR or --no-color).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include "cli.h"
#include "clock.h"
#include "parse.h"
#include "prompt.h"
#include "record.h"

/* The value of an option written "--name VALUE" or "--name=VALUE"; NULL if a is not it. */
const char *cli_opt_value(int argc, char **argv, int *i, const char *name, int *missing)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    if (strncmp(a, name, n) != 0) return NULL;
    if (a[n] == '=') return a + n + 1;
    if (a[n] != '\0') return NULL;
    if (*i + 1 >= argc) {
        *missing = 1;
        return NULL;
    }
    return argv[++*i];
}

int cli_load_answers(const char *path, json_t **out)
{
    *out = NULL;
    if (!path) return 0;
    char *err = NULL;
    if ((*out = prompt_load_answers(path, &err))) return 0;
    fprintf(stderr, "%s\n", err);
    rb_free(err);
    return -1;
}

recorder *cli_open_db(const char *db)
{
    return cli_open_db_mode(db, REC_CREATE);
}

recorder *cli_open_db_mode(const char *db, int mode)
{
    char *path = db && *db ? rb_xstrdup(db) : rec_default_path();
    char *err = NULL;
    recorder *r = rec_open_mode(path, (rec_mode)mode, &err);
    if (!r) {
        fprintf(stderr, "runbook: cannot open the recording database: %s\n", err ? err : path);
        rb_free(err);
    }
    rb_free(path);
    return r;
}

/* ---- checks of the command line against the runbook, before anything runs ---- */

int cli_parse_clock(const char *cmd, const char *v, double *start)
{
    if (strcmp(v, "real") == 0) return 0;
    if (strcmp(v, "virtual") == 0) {
        *start = floor(clock_now());
        return 1;
    }
    if (strncmp(v, "virtual=", 8) == 0) {
        *start = clock_parse_iso(v + 8);
        if (*start >= 0) return 1;
        fprintf(stderr, "runbook %s: --clock %s: expected an ISO-8601 time like 2026-01-01T00:00:00Z\n", cmd, v);
        return -1;
    }
    fprintf(stderr, "runbook %s: --clock takes real, virtual or virtual=ISO-8601, not '%s'\n", cmd, v);
    return -1;
}

void cli_use_clock(int mode, double start)
{
    if (mode == 1) clock_use_virtual(start);
}

/* NAME of "NAME=VALUE" has length n; 1 when sets[i] names it. */
static int set_names(const char *set, const char *name, size_t n)
{
    return strncmp(set, name, n) == 0 && set[n] == '=';
}

void cli_last_sets_win(const char **sets)
{
    int n = 0;
    for (int i = 0; sets[i]; i++) {
        size_t len = strcspn(sets[i], "=");
        int later = 0;
        for (int k = i + 1; sets[k] && !later; k++) later = set_names(sets[k], sets[i], len);
        if (!later) sets[n++] = sets[i];
    }
    sets[n] = NULL;
}

static const rb_node *find_param(const ast_file *f, const char *name, size_t n)
{
    for (const rb_node *d = f->root ? f->root->a : NULL; d; d = d->next)
        if (d->kind == N_PARAM && strlen(d->str) == n && strncmp(d->str, name, n) == 0) return d;
    return NULL;
}

/* Does the param take a number: its declared type, else a literal number as default. */
static int param_is_number(const rb_node *p)
{
    if (p->str2) return strcmp(p->str2, "number") == 0 || strcmp(p->str2, "int") == 0;
    const rb_node *d = p->a;
    if (d && d->kind == N_UNARY && d->num == OP_NEG) d = d->a;
    return d && d->kind == N_NUM;
}

static void list_params(const ast_file *f, FILE *out)
{
    int any = 0;
    for (const rb_node *d = f->root ? f->root->a : NULL; d; d = d->next)
        if (d->kind == N_PARAM) fprintf(out, "%s%s", any++ ? ", " : "", d->str);
    if (!any) fputs("none", out);
}

int cli_check_sets(const ast_file *f, const char *path, const char *cmd, const char *const *sets)
{
    for (int i = 0; sets && sets[i]; i++) {
        const char *eq = strchr(sets[i], '=');
        if (!eq) continue;   /* the option parsers refuse these */
        size_t n = (size_t)(eq - sets[i]);
        const rb_node *p = find_param(f, sets[i], n);
        if (!p) {
            fprintf(stderr, "runbook %s: --set %s: %s declares no param %.*s (its params: ", cmd, sets[i], path,
                    (int)n, sets[i]);
            list_params(f, stderr);
            fputs(")\n", stderr);
            return -1;
        }
        if (!param_is_number(p)) continue;
        char *end;
        errno = 0;
        double x = strtod(eq + 1, &end);
        if (end == eq + 1 || *end) continue;   /* not a number: the evaluator says so, located */
        if (errno == ERANGE || !isfinite(x)) {
            fprintf(stderr, "%s:%d:%d: error: --set %s: the number does not fit (numbers are doubles: at most "
                            "about 1.8e308 in size, and not so small that they round to zero)\n",
                    f->src.name, p->loc.line, p->loc.col, sets[i]);
            return -1;
        }
    }
    return 0;
}

int cli_check_runnable(const ast_file *f)
{
    if (!f->root || !f->root->a) {
        fprintf(stderr, "%s:1:1: error: an empty runbook: there is nothing to run (a runbook starts with "
                        "runbook \"Title\" { … } and holds steps)\n", f->src.name);
        return -1;
    }
    if (f->is_module) {
        fprintf(stderr, "%s:1:1: error: a module, not a runbook: it has no runbook \"Title\" { … } header "
                        "(use it from a runbook with use \"%s\" as NAME)\n", f->src.name, f->src.name);
        return -1;
    }
    return 0;
}

int cli_check_incident(const char *cmd, const char *id)
{
    int bad = !*id;
    for (const unsigned char *c = (const unsigned char *)id; *c && !bad; c++) bad = *c < 0x20 || *c == 0x7f;
    if (id[strspn(id, " \t")] == '\0') bad = 1;
    if (!bad) return 0;
    fprintf(stderr, "runbook %s: --incident takes an incident id like INC-2026-0101-001 (not empty, no control "
                    "characters)\n", cmd);
    return -1;
}

/* ---- the options of the commands that read the record ---- */

int cli_format_opts(int argc, char **argv, const char *cmd, const char *formats, const char **fmt, const char **db,
                    const char **pos, int maxpos, int *npos)
{
    int missing = 0;
    const char *v;
    *npos = 0;
    for (int i = 1; i < argc; i++) {
        missing = 0;
        if ((v = cli_opt_value(argc, argv, &i, "--format", &missing))) {
            char want[64];
            snprintf(want, sizeof want, "|%s|", v);
            if (!strstr(formats, want)) {
                fprintf(stderr, "runbook %s: --format takes one of %s\n", cmd, formats);
                return -1;
            }
            *fmt = v;
        } else if ((v = cli_opt_value(argc, argv, &i, "--db", &missing))) {
            *db = v;
        } else if (missing || (argv[i][0] == '-' && argv[i][1])) {
            fprintf(stderr, missing ? "runbook %s: %s needs a value\n" : "runbook %s: unknown option '%s'\n", cmd, argv[i]);
            return -1;
        } else if (*npos < maxpos) {
            pos[(*npos)++] = argv[i];
        } else {
            fprintf(stderr, "runbook %s: unexpected argument '%s'\n", cmd, argv[i]);
            return -1;
        }
    }
    return 0;
}

/* ---- colour ---- */

static int no_color;   /* set once by --no-color during argument parsing */

void cli_set_no_color(void) { no_color = 1; }

int cli_color(int fd)
{
    const char *nc = getenv("NO_COLOR");
    if (no_color || (nc && *nc)) return 0;
    return isatty(fd);
}
