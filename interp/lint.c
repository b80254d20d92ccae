/*
 * lint.c — `runbook lint`: check runbooks in CI without running anything, and front_load,
 * the shared "parse and check, or explain why not" used by the other commands.
 *
 * Owns: lint's options, walking directories for *.rb, the order of the passes (parse,
 * check, warnings, incident rules, shellcheck, suppressions, baseline, output) and lint's
 * exit status.  Never executes anything from a runbook (shellcheck only reads its commands).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"
#include "cli.h"
#include "front.h"
#include "lint.h"
#include "parse.h"

#define LINT_MAX_ERRORS 1000   /* per file: past this, "too many errors; stopped reporting" */

typedef struct path_list {
    char **items;
    int n, cap;
} path_list;

static void paths_add(path_list *p, const char *s)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 16;
        p->items = rb_xrealloc(p->items, (size_t)p->cap * sizeof *p->items);
    }
    p->items[p->n++] = rb_xstrdup(s);
}

static void paths_free(path_list *p)
{
    for (int i = 0; i < p->n; i++) rb_free(p->items[i]);
    rb_free(p->items);
    p->items = NULL;
    p->n = p->cap = 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int has_rb_suffix(const char *name)
{
    size_t n = strlen(name);
    return n > 3 && strcmp(name + n - 3, ".rb") == 0;
}

/* The directories a walk has entered, by device and inode, so symlink loops end. */
typedef struct seen_dirs {
    struct { dev_t dev; ino_t ino; } *items;
    int n, cap;
} seen_dirs;

static int seen_before(seen_dirs *s, const struct stat *st)
{
    for (int i = 0; i < s->n; i++)
        if (s->items[i].dev == st->st_dev && s->items[i].ino == st->st_ino) return 1;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->items = rb_xrealloc(s->items, (size_t)s->cap * sizeof *s->items);
    }
    s->items[s->n].dev = st->st_dev;
    s->items[s->n].ino = st->st_ino;
    s->n++;
    return 0;
}

/* Collect *.rb under dir (sorted, depth-first; hidden entries skipped; each directory
 * once, however many links lead to it).  -1 on error. */
static int walk(const char *dir, path_list *out, int depth, seen_dirs *seen)
{
    struct stat self;
    if (depth > 64 || (stat(dir, &self) == 0 && seen_before(seen, &self))) return 0;
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "runbook: cannot read directory %s: %s\n", dir, strerror(errno));
        return -1;
    }
    path_list here = {0};
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        rb_buf b;
        buf_init(&b);
        buf_printf(&b, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", e->d_name);
        paths_add(&here, buf_cstr(&b));
        buf_free(&b);
    }
    closedir(d);
    if (here.n > 1) qsort(here.items, (size_t)here.n, sizeof *here.items, cmp_str);
    int rc = 0;
    for (int i = 0; i < here.n; i++) {
        struct stat st;
        if (stat(here.items[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            if (walk(here.items[i], out, depth + 1, seen) < 0) rc = -1;
        } else if (has_rb_suffix(here.items[i])) {
            paths_add(out, here.items[i]);
        }
        rb_free(here.items[i]);
    }
    rb_free(here.items);
    return rc;
}

/* One file of a lint run, kept until the output is written (diagnostics point into it). */
typedef struct lint_file {
    ast_file *f;
    diag_list d;
    sc_job *sc;
} lint_file;

typedef struct lint_opts {
    lint_format fmt;
    int strict, shellcheck;
    const char *baseline, *write_baseline;
} lint_opts;

/* RB107 says more than RB102 about the same command: keep only RB107 there. */
static void drop_superseded(diag_list *d)
{
    for (int i = 0; i < d->n;) {
        int drop = 0;
        if (d->items[i].rule && strcmp(d->items[i].rule, "RB102") == 0)
            for (int k = 0; k < d->n && !drop; k++)
                drop = d->items[k].rule && strcmp(d->items[k].rule, "RB107") == 0 &&
                       d->items[k].loc.line == d->items[i].loc.line && d->items[k].loc.col == d->items[i].loc.col;
        if (drop) lint_diag_remove(d, i);
        else i++;
    }
}

static int lint_load(lint_file *lf, const char *path, module_set *ms, const lint_opts *o)
{
    diag_init(&lf->d);
    lf->d.limit = LINT_MAX_ERRORS;
    lf->f = parse_file(path, &lf->d);
    if (!lf->f) {
        fprintf(stderr, "runbook lint: cannot read %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (lf->d.syntax_errors == 0 && lf->f->root) {
        check_file(lf->f, ms, &lf->d);
        int warn0 = lf->d.warnings;
        check_warnings(lf->f, ms, &lf->d);
        if (lint_incident_rules(lf->f, &lf->d) && lf->d.warnings > warn0) drop_superseded(&lf->d);
        if (o->shellcheck) lf->sc = sc_prepare(lf->f, &lf->d);
    }
    return 0;
}

/* Run shellcheck over every file's commands (or say once that it is missing); 1 if it ran. */
static int run_shellcheck(lint_file *lf, int n)
{
    sc_job **jobs = rb_xcalloc(n ? (size_t)n : 1, sizeof *jobs);
    int any = 0;
    for (int i = 0; i < n; i++) any |= (jobs[i] = lf[i].sc) != NULL;
    int ran = 0;
    if (any && sc_available()) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        sc_run_all(jobs, n, cpus < 1 ? 1 : cpus > 8 ? 8 : (int)cpus);
        ran = 1;
    } else if (any) {
        fprintf(stderr, "runbook lint: shellcheck is not installed: the sh commands were not checked (install "
                        "shellcheck, or pass --no-shellcheck)\n");
    }
    rb_free(jobs);
    return ran;
}

static int parse_lint_args(int argc, char **argv, lint_opts *o, path_list *inputs, int *done)
{
    int only_paths = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        int missing = 0;
        if (only_paths) {
            paths_add(inputs, a);
        } else if (strcmp(a, "--") == 0) {
            only_paths = 1;
        } else if (strcmp(a, "--strict") == 0) {
            o->strict = 1;
        } else if (strcmp(a, "--no-shellcheck") == 0) {
            o->shellcheck = 0;
        } else if (strcmp(a, "--list-rules") == 0) {
            *done = 1;
            return lint_list_rules(stdout);
        } else if ((v = cli_opt_value(argc, argv, &i, "--explain", &missing)) || missing) {
            *done = 1;
            if (missing) fprintf(stderr, "runbook lint: --explain takes a rule id, like RB107\n");
            return missing ? EXIT_USAGE : lint_explain(stdout, v);
        } else if ((v = cli_opt_value(argc, argv, &i, "--baseline", &missing)) || missing) {
            if (missing) return fprintf(stderr, "runbook lint: --baseline takes a file\n"), EXIT_USAGE;
            o->baseline = v;
        } else if ((v = cli_opt_value(argc, argv, &i, "--write-baseline", &missing)) || missing) {
            if (missing) return fprintf(stderr, "runbook lint: --write-baseline takes a file\n"), EXIT_USAGE;
            o->write_baseline = v;
        } else if ((v = cli_opt_value(argc, argv, &i, "--format", &missing)) || missing) {
            static const char *const names[] = {"text", "json", "sarif", "github", "checkstyle"};
            int k = 0;
            while (v && k < 5 && strcmp(v, names[k]) != 0) k++;
            if (!v || k == 5) {
                fprintf(stderr, "runbook lint: --format takes text, json, sarif, github or checkstyle\n");
                return EXIT_USAGE;
            }
            o->fmt = (lint_format)k;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "runbook lint: unknown option '%s' (see runbook help lint)\n", a);
            return EXIT_USAGE;
        } else {
            paths_add(inputs, a);
        }
    }
    return 0;
}

/* The paths given, directories walked; 1 in *bad when one cannot be read. */
static void collect_files(path_list *inputs, path_list *files, int *bad)
{
    seen_dirs seen = {0};
    for (int i = 0; i < inputs->n; i++) {
        struct stat st;
        if (stat(inputs->items[i], &st) != 0) {
            fprintf(stderr, "runbook lint: %s: %s\n", inputs->items[i], strerror(errno));
            *bad = 1;
        } else if (S_ISDIR(st.st_mode)) {
            if (walk(inputs->items[i], files, 0, &seen) < 0) *bad = 1;
        } else {
            paths_add(files, inputs->items[i]);
        }
    }
    rb_free(seen.items);
    paths_free(inputs);
}

int cmd_lint(int argc, char **argv)
{
    lint_opts o = {.fmt = FMT_TEXT, .shellcheck = 1};
    path_list inputs = {0}, files = {0};
    int done = 0, rc = parse_lint_args(argc, argv, &o, &inputs, &done);
    if (rc || done) {
        paths_free(&inputs);
        return rc;
    }
    if (inputs.n == 0) {
        fprintf(stderr, "usage: runbook lint [--format text|json|sarif|github|checkstyle] [--strict] [--baseline FILE] "
                        "[--write-baseline FILE] [--no-shellcheck] PATH...\n");
        return EXIT_USAGE;
    }
    int rc_usage = 0;
    collect_files(&inputs, &files, &rc_usage);
    baseline *base = NULL;
    if (o.baseline && !(base = baseline_load(o.baseline))) rc_usage = 1;

    module_set ms;
    module_set_init(&ms);
    lint_file *lf = rb_xcalloc(files.n ? (size_t)files.n : 1, sizeof *lf);
    for (int i = 0; i < files.n; i++)
        if (lint_load(&lf[i], files.items[i], &ms, &o) < 0) rc_usage = 1;
    int sc_ran = o.shellcheck && run_shellcheck(lf, files.n);

    diag_list **lists = rb_xcalloc(files.n ? (size_t)files.n : 1, sizeof *lists);
    for (int i = 0; i < files.n; i++) {
        if (lf[i].f) suppress_apply(lf[i].f, &lf[i].d, sc_ran);
        lists[i] = &lf[i].d;
    }
    if (o.write_baseline && baseline_write(o.write_baseline, lists, files.n) < 0) rc_usage = 1;
    rb_free(lists);

    lint_out *out = lint_out_new(o.fmt, o.fmt == FMT_TEXT && cli_color(2));
    int errors = 0, warnings = 0, syntax = 0;
    for (int i = 0; i < files.n; i++) {
        diag_list *d = &lf[i].d;
        baseline_filter(base, d);
        diag_sort(d);
        lint_out_file(out, files.items[i], d);
        errors += d->errors;
        warnings += d->warnings;
        syntax += d->syntax_errors;
    }
    lint_out_finish(out, files.n, errors, warnings);
    for (int i = 0; i < files.n; i++) {
        sc_job_free(lf[i].sc);
        diag_free(&lf[i].d);
        ast_file_free(lf[i].f);
    }
    rb_free(lf);
    baseline_free(base);
    paths_free(&files);
    module_set_free(&ms);

    if (rc_usage || syntax) return EXIT_USAGE;
    if (errors || (o.strict && warnings)) return EXIT_FAILED;
    return EXIT_OK;
}

ast_file *front_load(const char *path, module_set *ms)
{
    diag_list d;
    diag_init(&d);
    ast_file *f = parse_file(path, &d);
    if (!f) {
        fprintf(stderr, "runbook: cannot read %s: %s\n", path, strerror(errno));
        diag_free(&d);
        return NULL;
    }
    if (d.syntax_errors == 0 && f->root) check_file(f, ms, &d);
    int color = cli_color(2);
    for (int k = 0; k < d.n; k++)
        if (d.items[k].level == DIAG_ERROR) diag_print(&d.items[k], stderr, color);
    int bad = d.errors > 0 || !f->root;
    diag_free(&d);
    if (bad) {
        ast_file_free(f);
        return NULL;
    }
    return f;
}
