/*
 * lint.c — `runbook lint`: check runbooks in CI without running anything.
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

/* Entries of a directory, by path (after their kind byte). */
static int cmp_path(const void *a, const void *b)
{
    return strcmp(*(char *const *)a + 1, *(char *const *)b + 1);
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
    /* Each entry is kept as a kind byte and its path: 'f' a regular file (known from
     * readdir, no stat needed), '?' anything else (a directory, a link: stat decides). */
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        int regular = e->d_type == DT_REG;
        if (regular && !has_rb_suffix(e->d_name)) continue;
        rb_buf b;
        buf_init(&b);
        buf_printf(&b, "%c%s%s%s", regular ? 'f' : '?', dir, dir[strlen(dir) - 1] == '/' ? "" : "/", e->d_name);
        paths_add(&here, buf_cstr(&b));
        buf_free(&b);
    }
    closedir(d);
    if (here.n > 1) qsort(here.items, (size_t)here.n, sizeof *here.items, cmp_path);
    int rc = 0;
    for (int i = 0; i < here.n; i++) {
        const char *path = here.items[i] + 1;
        struct stat st;
        if (here.items[i][0] != 'f' && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            if (walk(path, out, depth + 1, seen) < 0) rc = -1;
        } else if (has_rb_suffix(path)) {
            paths_add(out, path);
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

static int loc_cmp(const void *x, const void *y)
{
    const rb_loc *a = x, *b = y;
    if (a->line != b->line) return a->line < b->line ? -1 : 1;
    return a->col < b->col ? -1 : a->col > b->col;
}

/* RB107 says more than RB102 about the same command: keep only RB107 there. */
static void drop_superseded(diag_list *d)
{
    rb_loc *at = rb_xmalloc(((size_t)d->n + 1) * sizeof *at);
    int n = 0;
    for (int i = 0; i < d->n; i++)
        if (d->items[i].rule && strcmp(d->items[i].rule, "RB107") == 0) at[n++] = d->items[i].loc;
    qsort(at, (size_t)n, sizeof *at, loc_cmp);
    unsigned char *drop = rb_xcalloc((size_t)d->n + 1, 1);
    for (int i = 0; i < d->n && n; i++)
        drop[i] = d->items[i].rule && strcmp(d->items[i].rule, "RB102") == 0 &&
                  bsearch(&d->items[i].loc, at, (size_t)n, sizeof *at, loc_cmp) != NULL;
    lint_diag_drop(d, drop);
    rb_free(drop);
    rb_free(at);
}

static int lint_load(lint_file *lf, const char *path, module_set *ms, const lint_opts *o)
{
    diag_init(&lf->d);
    lf->d.limit = LINT_MAX_ERRORS;
    lf->f = parse_file(path, &lf->d);
    if (!lf->f) {
        fprintf(stderr, "runbook lint: cannot read %s: %s\n", path, rb_read_error());
        return -1;
    }
    if (lf->d.syntax_errors == 0 && lf->f->root) {
        int warn0 = lf->d.warnings;   /* check_file adds errors only: the warnings are check_warnings' */
        check_lint(lf->f, ms, &lf->d);
        if (lint_incident_rules(lf->f, &lf->d) && lf->d.warnings > warn0) drop_superseded(&lf->d);
        if (o->shellcheck) lf->sc = sc_prepare(lf->f, &lf->d);
    }
    return 0;
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

/*
 * The run, as a pipeline in file order: each file is loaded and checked; its shellcheck
 * starts (at most `parallel` at a time) while later files load; a file is finished
 * (suppressions, baseline, output) and freed as soon as it and every file before it are
 * done.  Output stays in file order and memory stays bounded by the files in flight.
 */
typedef struct lint_run {
    lint_opts o;
    lint_file *lf;
    int n, head;           /* files loaded so far; the first not yet finished */
    int sc_state;          /* 0 not looked for, 1 available, -1 missing (said once) */
    int parallel, running;
    baseline *base;
    json_t *recorded;      /* --write-baseline entries */
    lint_out *out;
    int errors, warnings, syntax;
} lint_run;

static void finish_file(lint_run *r, lint_file *lf, const char *path)
{
    if (lf->f) suppress_apply(lf->f, &lf->d, r->o.shellcheck && r->sc_state == 1);
    if (r->recorded) baseline_record(r->recorded, &lf->d);
    baseline_filter(r->base, &lf->d);
    diag_sort(&lf->d);
    lint_out_file(r->out, path, &lf->d);
    r->errors += lf->d.errors;
    r->warnings += lf->d.warnings;
    r->syntax += lf->d.syntax_errors;
    sc_job_free(lf->sc);
    lf->sc = NULL;
    diag_free(&lf->d);
    ast_file_free(lf->f);
    lf->f = NULL;
}

/* Reap ended shellchecks (waiting when block), then finish the files at the head. */
static void advance_run(lint_run *r, char **paths, int block)
{
    sc_job **jobs = rb_xcalloc((size_t)(r->n - r->head) + 1, sizeof *jobs);
    int nj = 0;
    for (int i = r->head; i < r->n; i++)
        if (sc_running(r->lf[i].sc)) jobs[nj++] = r->lf[i].sc;
    if (nj) r->running -= sc_poll(jobs, nj, block ? 50 : 0);
    rb_free(jobs);
    while (r->head < r->n && !sc_running(r->lf[r->head].sc)) {
        finish_file(r, &r->lf[r->head], paths[r->head]);
        r->head++;
    }
}

static void start_shellcheck(lint_run *r, lint_file *lf, char **paths)
{
    if (r->sc_state == 0) {
        r->sc_state = sc_available() ? 1 : -1;
        if (r->sc_state < 0)
            fprintf(stderr, "runbook lint: shellcheck is not installed: the sh commands were not checked (install "
                            "shellcheck, or pass --no-shellcheck)\n");
    }
    if (r->sc_state < 0) return;
    while (r->running >= r->parallel) advance_run(r, paths, 1);
    if (sc_start(lf->sc) == 0) r->running++;
}

int cmd_lint(int argc, char **argv)
{
    lint_run r = {.o = {.fmt = FMT_TEXT, .shellcheck = 1}};
    path_list inputs = {0}, files = {0};
    int done = 0, rc = parse_lint_args(argc, argv, &r.o, &inputs, &done);
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
    if (r.o.baseline && !(r.base = baseline_load(r.o.baseline))) rc_usage = 1;
    if (r.o.write_baseline) r.recorded = json_array();
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    r.parallel = cpus < 1 ? 1 : cpus > 8 ? 8 : (int)cpus;
    r.out = lint_out_new(r.o.fmt, r.o.fmt == FMT_TEXT && cli_color(2));
    r.lf = rb_xcalloc(files.n ? (size_t)files.n : 1, sizeof *r.lf);

    module_set ms;
    module_set_init(&ms);
    for (int i = 0; i < files.n; i++) {
        if (lint_load(&r.lf[i], files.items[i], &ms, &r.o) < 0) rc_usage = 1;
        /* Started before it joins the run, so that waiting for a free slot never
         * finishes this file before its shellcheck has run. */
        if (r.lf[i].sc) start_shellcheck(&r, &r.lf[i], files.items);
        r.n = i + 1;
        advance_run(&r, files.items, 0);
    }
    while (r.head < r.n) advance_run(&r, files.items, 1);
    lint_out_finish(r.out, files.n, r.errors, r.warnings);
    if (r.recorded && baseline_write(r.o.write_baseline, r.recorded) < 0) rc_usage = 1;
    json_decref(r.recorded);
    rb_free(r.lf);
    baseline_free(r.base);
    paths_free(&files);
    module_set_free(&ms);

    if (rc_usage || r.syntax) return EXIT_USAGE;
    if (r.errors || (r.o.strict && r.warnings)) return EXIT_FAILED;
    return EXIT_OK;
}
