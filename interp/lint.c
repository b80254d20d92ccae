/*
 * lint.c — `runbook lint`: check runbooks in CI without running anything, and front_load,
 * the shared "parse and check, or explain why not" used by the other commands.
 *
 * Owns: walking directories for *.rb, the text / JSON / SARIF renderings of diagnostics,
 * and lint's exit status.  Never executes anything from a runbook.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <jansson.h>
#include "check.h"
#include "cli.h"
#include "front.h"
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

static const char *level_str(diag_level lv)
{
    return lv == DIAG_ERROR ? "error" : lv == DIAG_WARNING ? "warning" : "note";
}

/* JSON strings must be UTF-8: a file name or message that is not is shown with U+FFFD. */
static json_t *jtext(const char *s)
{
    rb_buf b;
    buf_init(&b);
    buf_add_utf8(&b, s ? s : "", s ? strlen(s) : 0);
    json_t *j = json_stringn(buf_cstr(&b), b.len);
    buf_free(&b);
    return j;
}

static json_t *diag_json(const diag *g)
{
    return json_pack("{s:o, s:i, s:i, s:s, s:s?, s:o}", "file", jtext(g->src ? g->src->name : ""), "line", g->loc.line,
                     "column", g->loc.col, "severity", level_str(g->level), "rule", g->rule, "message", jtext(g->msg));
}

static json_t *diag_sarif(const diag *g)
{
    const char *rule = g->rule ? g->rule : "RB000";
    return json_pack("{s:s, s:s, s:{s:o}, s:[{s:{s:{s:o}, s:{s:i, s:i}}}]}", "ruleId", rule, "level",
                     g->level == DIAG_ERROR ? "error" : g->level == DIAG_WARNING ? "warning" : "note",
                     "message", "text", jtext(g->msg), "locations", "physicalLocation", "artifactLocation", "uri",
                     jtext(g->src ? g->src->name : ""), "region", "startLine", g->loc.line, "startColumn", g->loc.col);
}

typedef enum { FMT_TEXT, FMT_JSON, FMT_SARIF } lint_format;

int cmd_lint(int argc, char **argv)
{
    lint_format fmt = FMT_TEXT;
    int strict = 0;
    path_list inputs = {0};
    int only_paths = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_paths) {
            paths_add(&inputs, a);
        } else if (strcmp(a, "--") == 0) {
            only_paths = 1;
        } else if (strcmp(a, "--strict") == 0) {
            strict = 1;
        } else if (strcmp(a, "--format") == 0 || strncmp(a, "--format=", 9) == 0) {
            const char *v = a[8] == '=' ? a + 9 : (i + 1 < argc ? argv[++i] : NULL);
            if (v && strcmp(v, "text") == 0) fmt = FMT_TEXT;
            else if (v && strcmp(v, "json") == 0) fmt = FMT_JSON;
            else if (v && strcmp(v, "sarif") == 0) fmt = FMT_SARIF;
            else {
                fprintf(stderr, "runbook lint: --format takes text, json or sarif\n");
                paths_free(&inputs);
                return EXIT_USAGE;
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "runbook lint: unknown option '%s' (see runbook help lint)\n", a);
            paths_free(&inputs);
            return EXIT_USAGE;
        } else {
            paths_add(&inputs, a);
        }
    }
    if (inputs.n == 0) {
        fprintf(stderr, "usage: runbook lint [--format text|json|sarif] [--strict] PATH...\n");
        return EXIT_USAGE;
    }

    int rc_usage = 0;
    path_list files = {0};
    seen_dirs seen = {0};
    for (int i = 0; i < inputs.n; i++) {
        struct stat st;
        if (stat(inputs.items[i], &st) != 0) {
            fprintf(stderr, "runbook lint: %s: %s\n", inputs.items[i], strerror(errno));
            rc_usage = 1;
        } else if (S_ISDIR(st.st_mode)) {
            if (walk(inputs.items[i], &files, 0, &seen) < 0) rc_usage = 1;
        } else {
            paths_add(&files, inputs.items[i]);
        }
        rb_free(inputs.items[i]);
    }
    rb_free(inputs.items);
    rb_free(seen.items);

    int color = fmt == FMT_TEXT && cli_color(2);
    int errors = 0, warnings = 0, syntax = 0;
    json_t *list = json_array();
    module_set ms;
    module_set_init(&ms);
    for (int i = 0; i < files.n; i++) {
        diag_list d;
        diag_init(&d);
        d.limit = LINT_MAX_ERRORS;
        ast_file *f = parse_file(files.items[i], &d);
        if (!f) {
            fprintf(stderr, "runbook lint: cannot read %s: %s\n", files.items[i], rb_read_error());
            rc_usage = 1;
        } else {
            if (d.syntax_errors == 0 && f->root) {
                check_file(f, &ms, &d);
                check_warnings(f, &ms, &d);
            }
            diag_sort(&d);
            for (int k = 0; k < d.n; k++) {
                if (fmt == FMT_TEXT) diag_print(&d.items[k], stderr, color);
                else json_array_append_new(list, fmt == FMT_JSON ? diag_json(&d.items[k]) : diag_sarif(&d.items[k]));
            }
            if (d.truncated && fmt == FMT_TEXT)
                fprintf(stderr, "%s: too many errors; stopped reporting\n", files.items[i]);
            errors += d.errors;
            warnings += d.warnings;
            syntax += d.syntax_errors;
        }
        diag_free(&d);
        ast_file_free(f);
        rb_free(files.items[i]);
    }

    if (fmt == FMT_TEXT) {
        if (errors || warnings)
            fprintf(stderr, "%d error%s, %d warning%s in %d file%s\n", errors, errors == 1 ? "" : "s", warnings,
                    warnings == 1 ? "" : "s", files.n, files.n == 1 ? "" : "s");
    } else {
        json_t *doc;
        if (fmt == FMT_JSON) {
            doc = json_pack("{s:i, s:i, s:i, s:o}", "files", files.n, "errors", errors, "warnings", warnings,
                            "diagnostics", list);
        } else {
            doc = json_pack("{s:s, s:s, s:[{s:{s:{s:s, s:s}}, s:o}]}", "$schema",
                            "https://json.schemastore.org/sarif-2.1.0.json", "version", "2.1.0", "runs", "tool",
                            "driver", "name", "runbook", "semanticVersion", "0.1.0",
                            "results", list);
        }
        list = NULL;
        char *s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (s) {
            puts(s);
            free(s);
        }
        json_decref(doc);
    }
    json_decref(list);
    rb_free(files.items);
    module_set_free(&ms);

    if (rc_usage || syntax) return EXIT_USAGE;
    if (errors || (strict && warnings)) return EXIT_FAILED;
    return EXIT_OK;
}

ast_file *front_load(const char *path, module_set *ms)
{
    diag_list d;
    diag_init(&d);
    ast_file *f = parse_file(path, &d);
    if (!f) {
        fprintf(stderr, "runbook: cannot read %s: %s\n", path, rb_read_error());
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
