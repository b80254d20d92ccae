/*
 * testcmd.c — `runbook test [PATH…]`: finds the *.test.rb files (directories are walked),
 * runs each `test "name" { … }` in a worker process of its own (own virtual clock, own
 * record in a temporary directory; up to one worker per core), prints a line per test and
 * a summary (text, TAP or JUnit XML), and reports decision coverage (text, JSON, lcov).
 *
 * Never: run a test in this process (a worker does: testrun.c), or fork itself (shell.h).
 */
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"
#include "front.h"
#include "test.h"

typedef struct tfile { char *path; ast_file *f; } tfile;
typedef struct tcase { int file; const rb_node *node; char dir[PATH_MAX]; int pid; json_t *res; char *log; } tcase;

typedef struct suite {
    tfile *files;
    int nfiles, capfiles;
    char **rbs;               /* runbooks found beside the tests (for coverage) */
    int nrbs, caprbs;
    tcase *cases;
    int ncases, capcases;
} suite;

static suite *walking;

static int ends_with(const char *s, const char *suf)
{
    size_t n = strlen(s), m = strlen(suf);
    return n >= m && strcmp(s + n - m, suf) == 0;
}

static void add_path(char ***v, int *n, int *cap, const char *p)
{
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 16;
        *v = rb_xrealloc(*v, (size_t)*cap * sizeof **v);
    }
    (*v)[(*n)++] = rb_xstrdup(p);
}

static char **found;
static int nfound, capfound;

static int on_entry(const char *p, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (type == FTW_F && ends_with(p, ".rb")) add_path(&found, &nfound, &capfound, p);
    return 0;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Every *.test.rb under the paths (files given by name are taken as they are). */
static int discover(suite *S, char **paths, int npaths)
{
    for (int i = 0; i < npaths; i++) {
        struct stat st;
        if (stat(paths[i], &st) != 0) {
            fprintf(stderr, "runbook test: %s: %s\n", paths[i], strerror(errno));
            return -1;
        }
        if (S_ISDIR(st.st_mode)) nftw(paths[i], on_entry, 16, FTW_PHYS);
        else add_path(&found, &nfound, &capfound, paths[i]);
    }
    qsort(found, (size_t)nfound, sizeof *found, cmp_str);
    for (int i = 0; i < nfound; i++) {
        if (!ends_with(found[i], ".test.rb")) {
            add_path(&S->rbs, &S->nrbs, &S->caprbs, found[i]);
            continue;
        }
        if (S->nfiles == S->capfiles) {
            S->capfiles = S->capfiles ? S->capfiles * 2 : 16;
            S->files = rb_xrealloc(S->files, (size_t)S->capfiles * sizeof *S->files);
        }
        S->files[S->nfiles++] = (tfile){rb_xstrdup(found[i]), NULL};
    }
    for (int i = 0; i < nfound; i++) rb_free(found[i]);
    rb_free(found);
    found = NULL;
    nfound = capfound = 0;
    return 0;
}

/* Parse and check each test file; list its tests.  Returns how many files did not load. */
static int load_tests(suite *S, module_set *ms)
{
    int bad = 0;
    for (int i = 0; i < S->nfiles; i++) {
        tfile *tf = &S->files[i];
        if (!(tf->f = front_load(tf->path, ms))) {
            bad++;
            continue;
        }
        for (const rb_node *d = tf->f->root->a; d; d = d->next) {
            if (d->kind != N_TEST) continue;
            if (S->ncases == S->capcases) {
                S->capcases = S->capcases ? S->capcases * 2 : 32;
                S->cases = rb_xrealloc(S->cases, (size_t)S->capcases * sizeof *S->cases);
            }
            tcase *c = &S->cases[S->ncases++];
            memset(c, 0, sizeof *c);
            c->file = i;
            c->node = d;
        }
    }
    return bad;
}

/* ------------------------------------------------------------------ workers */

static char *slurp(const char *path)
{
    size_t n;
    return rb_read_file(path, &n);
}

static void remove_dir(const char *dir)
{
    static const char *const names[] = {"runs.db", "runs.db-wal", "runs.db-shm", "runs.db-journal", "log", "result.json"};
    char p[PATH_MAX + 32];
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        unlink(p);
    }
    rmdir(dir);
}

static int worker(void *arg)
{
    tcase *c = arg;
    tfile *tf = &walking->files[c->file];
    char p[PATH_MAX + 32];
    snprintf(p, sizeof p, "%s/log", c->dir);
    if (!freopen("/dev/null", "r", stdin) || !freopen(p, "w", stdout) || dup2(fileno(stdout), 2) < 0) return 3;
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(p, sizeof p, "%s/runs.db", c->dir);
    json_t *res = test_run_one(tf->f, c->node, p);
    snprintf(p, sizeof p, "%s/result.json", c->dir);
    int rc = json_dump_file(res, p, JSON_COMPACT) == 0 ? 0 : 3;
    json_decref(res);
    fflush(stdout);
    return rc;
}

static void collect(suite *S, int pid, int status)
{
    for (int i = 0; i < S->ncases; i++) {
        tcase *c = &S->cases[i];
        if (c->pid != pid) continue;
        char p[PATH_MAX + 32];
        snprintf(p, sizeof p, "%s/result.json", c->dir);
        json_error_t je;
        c->res = json_load_file(p, 0, &je);
        if (!c->res)
            c->res = json_pack("{s:s, s:i, s:b, s:[{s:s}], s:{}}", "name", c->node->str ? c->node->str : "?", "line",
                               c->node->loc.line, "ok", 0, "failures", "message",
                               WIFSIGNALED(status) ? "the test's worker was killed by a signal" : "the test's worker died",
                               "coverage");
        snprintf(p, sizeof p, "%s/log", c->dir);
        c->log = slurp(p);
        remove_dir(c->dir);
        c->pid = 0;
        return;
    }
}

static void print_text_one(suite *S, int i, int verbose);

/* Run every test, jobs at a time; with stream set, print each test's line (text format) as
 * soon as it and those before it are done, so the output keeps the tests' order. */
static int run_all(suite *S, int jobs, int stream, int verbose)
{
    walking = S;
    int running = 0, next = 0, shown = 0;
    const char *tmp = getenv("TMPDIR");
    while (next < S->ncases || running > 0) {
        if (next < S->ncases && running < jobs) {
            tcase *c = &S->cases[next++];
            snprintf(c->dir, sizeof c->dir, "%s/runbook-test.XXXXXX", tmp && *tmp ? tmp : "/tmp");
            if (!mkdtemp(c->dir)) {
                fprintf(stderr, "runbook test: cannot make a temporary directory: %s\n", strerror(errno));
                return -1;
            }
            c->pid = sh_fork_call(worker, c);
            if (c->pid < 0) {
                fprintf(stderr, "runbook test: cannot start a worker: %s\n", strerror(errno));
                return -1;
            }
            running++;
            continue;
        }
        int status = 0, pid = sh_wait_any(&status);
        if (pid < 0) break;
        collect(S, pid, status);
        running--;
        while (stream && shown < next && S->cases[shown].res) print_text_one(S, shown++, verbose);
    }
    return 0;
}

/* ------------------------------------------------------------------ reports */

static const char *case_name(const tcase *c) { return json_string_value(json_object_get(c->res, "name")); }

/* One test's line (and its failures) in the text format. */
static void print_text_one(suite *S, int i, int verbose)
{
    tcase *c = &S->cases[i];
    int ok = json_is_true(json_object_get(c->res, "ok"));
    printf("%s %s:%d: %s\n", ok ? "ok  " : "FAIL", S->files[c->file].path, c->node->loc.line, case_name(c));
    size_t k;
    json_t *f;
    json_array_foreach(json_object_get(c->res, "failures"), k, f) {
        const char *w = json_string_value(json_object_get(f, "where"));
        printf("     %s%s%s\n", w ? w : "", w ? ": " : "", json_string_value(json_object_get(f, "message")));
    }
    if (!ok && verbose && c->log) printf("     --- the run's output ---\n%s", c->log);
    fflush(stdout);
}

static void print_tap(suite *S)
{
    printf("TAP version 13\n1..%d\n", S->ncases);
    for (int i = 0; i < S->ncases; i++) {
        tcase *c = &S->cases[i];
        int ok = json_is_true(json_object_get(c->res, "ok"));
        printf("%s %d - %s:%d: %s\n", ok ? "ok" : "not ok", i + 1, S->files[c->file].path, c->node->loc.line, case_name(c));
        if (ok) continue;
        printf("  ---\n  message: |\n");
        size_t k;
        json_t *f;
        json_array_foreach(json_object_get(c->res, "failures"), k, f) {
            const char *w = json_string_value(json_object_get(f, "where")), *m = json_string_value(json_object_get(f, "message"));
            printf("    %s%s", w ? w : "", w ? ": " : "");
            for (const char *p = m; p && *p; p++) {
                putchar(*p);
                if (*p == '\n') fputs("    ", stdout);
            }
            putchar('\n');
        }
        printf("  ...\n");
    }
}

static void xml_text(const char *s)
{
    for (; s && *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '<') fputs("&lt;", stdout);
        else if (ch == '>') fputs("&gt;", stdout);
        else if (ch == '&') fputs("&amp;", stdout);
        else if (ch == '"') fputs("&quot;", stdout);
        else if (ch < 0x20 && ch != '\n' && ch != '\t') fputs("?", stdout);
        else putchar(ch);
    }
}

static void print_junit(suite *S)
{
    int fails = 0;
    for (int i = 0; i < S->ncases; i++) fails += !json_is_true(json_object_get(S->cases[i].res, "ok"));
    printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"runbook test\" tests=\"%d\" failures=\"%d\">\n",
           S->ncases, fails);
    for (int fi = 0; fi < S->nfiles; fi++) {
        int n = 0, nf = 0;
        for (int i = 0; i < S->ncases; i++)
            if (S->cases[i].file == fi) n++, nf += !json_is_true(json_object_get(S->cases[i].res, "ok"));
        if (!n) continue;
        printf("  <testsuite name=\"");
        xml_text(S->files[fi].path);
        printf("\" tests=\"%d\" failures=\"%d\" errors=\"0\">\n", n, nf);
        for (int i = 0; i < S->ncases; i++) {
            tcase *c = &S->cases[i];
            if (c->file != fi) continue;
            printf("    <testcase classname=\"");
            xml_text(S->files[fi].path);
            printf("\" name=\"");
            xml_text(case_name(c));
            printf("\" file=\"");
            xml_text(S->files[fi].path);
            printf("\" line=\"%d\"", c->node->loc.line);
            if (json_is_true(json_object_get(c->res, "ok"))) {
                printf("/>\n");
                continue;
            }
            json_t *fl = json_object_get(c->res, "failures"), *f0 = json_array_get(fl, 0);
            printf(">\n      <failure message=\"");
            xml_text(json_string_value(json_object_get(f0, "message")));
            printf("\" type=\"expectation\">");
            size_t k;
            json_t *f;
            json_array_foreach(fl, k, f) {
                const char *w = json_string_value(json_object_get(f, "where"));
                if (w) {
                    xml_text(w);
                    fputs(": ", stdout);
                }
                xml_text(json_string_value(json_object_get(f, "message")));
                putchar('\n');
            }
            printf("</failure>\n");
            if (c->log) {
                printf("      <system-out>");
                xml_text(c->log);
                printf("</system-out>\n");
            }
            printf("    </testcase>\n");
        }
        printf("  </testsuite>\n");
    }
    printf("</testsuites>\n");
}

/* Every test's coverage summed per runbook, and the runbooks beside the tests no test ran. */
static json_t *merged_coverage(suite *S, module_set *ms)
{
    json_t *all = json_object();
    for (int i = 0; i < S->ncases; i++) {
        const char *path;
        json_t *items;
        json_object_foreach(json_object_get(S->cases[i].res, "coverage"), path, items)
            coverage_merge(all, path, items);
    }
    for (int i = 0; i < S->nrbs; i++) {
        char *real = realpath(S->rbs[i], NULL);
        if (real && !json_object_get(all, real)) {
            ast_file *f = front_load(S->rbs[i], ms);
            if (f && !f->is_module) {
                json_t *items = coverage_items(f, NULL);
                coverage_merge(all, real, items);
                json_decref(items);
            }
            if (f) ast_file_free(f);
        }
        free(real);
    }
    return all;
}

/* The runbooks of a coverage object in path order (jansson keeps no order): a new array. */
static json_t *sorted_paths(json_t *cov)
{
    const char *path;
    json_t *items, *keys = json_array();
    json_object_foreach(cov, path, items) json_array_append_new(keys, json_string(path));
    size_t n = json_array_size(keys);
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(json_string_value(json_array_get(keys, j - 1)), json_string_value(json_array_get(keys, j))) > 0; j--) {
            json_t *a = json_incref(json_array_get(keys, j - 1));
            json_array_set(keys, j - 1, json_array_get(keys, j));
            json_array_set_new(keys, j, a);
        }
    return keys;
}

/* A path for people: relative to the working directory when under it. */
static const char *shown_path(const char *real, const char *cwd)
{
    size_t n = strlen(cwd);
    return strncmp(real, cwd, n) == 0 && real[n] == '/' ? real + n + 1 : real;
}

/* Text report; returns the percentage covered over every runbook (100 when none). */
static double print_coverage(json_t *cov, const char *cwd, FILE *out)
{
    long all = 0, all_hit = 0;
    fprintf(out, "decision coverage:\n");
    json_t *paths = sorted_paths(cov), *pj;
    size_t pi;
    json_array_foreach(paths, pi, pj) {
        const char *path = json_string_value(pj);
        json_t *items = json_object_get(cov, path);
        long n = (long)json_array_size(items), h = 0;
        size_t k;
        json_t *it;
        json_array_foreach(items, k, it) h += json_integer_value(json_object_get(it, "hits")) > 0;
        all += n;
        all_hit += h;
        fprintf(out, "  %s: %ld/%ld decisions (%.1f%%)\n", shown_path(path, cwd), h, n, n ? 100.0 * (double)h / (double)n : 100.0);
        json_array_foreach(items, k, it)
            if (json_integer_value(json_object_get(it, "hits")) == 0)
                fprintf(out, "    not covered: %s:%d: %s\n", shown_path(path, cwd), (int)json_integer_value(json_object_get(it, "line")),
                        json_string_value(json_object_get(it, "what")));
    }
    json_decref(paths);
    double pct = all ? 100.0 * (double)all_hit / (double)all : 100.0;
    fprintf(out, "  total: %ld/%ld decisions (%.1f%%)\n", all_hit, all, pct);
    return pct;
}

/* lcov tracefile: each step and block a line (DA), each decision a branch (BRDA). */
static int write_lcov(json_t *cov, const char *file)
{
    FILE *f = fopen(file, "w");
    if (!f) return -1;
    json_t *paths = sorted_paths(cov), *pj;
    size_t pi;
    json_array_foreach(paths, pi, pj) {
        const char *path = json_string_value(pj);
        json_t *items = json_object_get(cov, path);
        fprintf(f, "TN:runbook\nSF:%s\n", path);
        size_t k;
        json_t *it;
        int lines[4096], nl = 0, lh = 0, brf = 0, brh = 0;
        json_array_foreach(items, k, it) {
            int line = (int)json_integer_value(json_object_get(it, "line"));
            json_int_t h = json_integer_value(json_object_get(it, "hits"));
            const char *kind = json_string_value(json_object_get(it, "kind"));
            if (strcmp(kind, "branch") == 0 || strcmp(kind, "choose") == 0 || strcmp(kind, "confirm") == 0) {
                if (h) fprintf(f, "BRDA:%d,0,%zu,%lld\n", line, k, (long long)h);
                else fprintf(f, "BRDA:%d,0,%zu,-\n", line, k);
                brf++;
                brh += h > 0;
            }
            int seen = 0;
            for (int j = 0; j < nl; j++) seen |= lines[j] == line;
            if (!seen && nl < 4096) {
                lines[nl++] = line;
                json_int_t best = 0;
                size_t k2;
                json_t *it2;
                json_array_foreach(items, k2, it2)
                    if (json_integer_value(json_object_get(it2, "line")) == line && json_integer_value(json_object_get(it2, "hits")) > best)
                        best = json_integer_value(json_object_get(it2, "hits"));
                fprintf(f, "DA:%d,%lld\n", line, (long long)best);
                lh += best > 0;
            }
        }
        fprintf(f, "BRF:%d\nBRH:%d\nLF:%d\nLH:%d\nend_of_record\n", brf, brh, nl, lh);
    }
    json_decref(paths);
    return fclose(f) == 0 ? 0 : -1;
}

/* ------------------------------------------------------------------ the command */

int cmd_test(int argc, char **argv)
{
    const char *format = "text", *lcov = NULL, *cov_json = NULL, *v;
    int coverage = 0, jobs = (int)sysconf(_SC_NPROCESSORS_ONLN), verbose = 0, missing = 0;
    char **paths = rb_xcalloc((size_t)argc + 1, sizeof *paths);
    int npaths = 0;
    for (int i = 1; i < argc; i++) {
        missing = 0;
        if ((v = cli_opt_value(argc, argv, &i, "--format", &missing))) format = v;
        else if ((v = cli_opt_value(argc, argv, &i, "--lcov", &missing))) lcov = v, coverage |= 2;
        else if ((v = cli_opt_value(argc, argv, &i, "--coverage-json", &missing))) cov_json = v, coverage |= 2;
        else if ((v = cli_opt_value(argc, argv, &i, "--jobs", &missing)) || (v = cli_opt_value(argc, argv, &i, "-j", &missing)))
            jobs = atoi(v);
        else if (strcmp(argv[i], "--coverage") == 0) coverage |= 1;
        else if (strcmp(argv[i], "--verbose") == 0 || strcmp(argv[i], "-v") == 0) verbose = 1;
        else if (!missing && argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "runbook test: unknown option %s (see runbook help test)\n", argv[i]);
            rb_free(paths);
            return EXIT_USAGE;
        } else if (!missing) paths[npaths++] = argv[i];
        if (missing) {
            fprintf(stderr, "runbook test: %s needs a value\n", argv[i]);
            rb_free(paths);
            return EXIT_USAGE;
        }
    }
    if (strcmp(format, "text") != 0 && strcmp(format, "tap") != 0 && strcmp(format, "junit") != 0) {
        fprintf(stderr, "runbook test: --format takes text, tap or junit, not '%s'\n", format);
        rb_free(paths);
        return EXIT_USAGE;
    }
    if (jobs < 1) jobs = 1;
    static char dot[] = ".";
    if (!npaths) paths[npaths++] = dot;
    suite S;
    memset(&S, 0, sizeof S);
    module_set ms;
    module_set_init(&ms);
    int rc = EXIT_OK;
    if (discover(&S, paths, npaths) != 0) rc = EXIT_USAGE;
    else if (load_tests(&S, &ms) != 0) rc = EXIT_USAGE;
    else if (S.ncases == 0) {
        fprintf(stderr, "runbook test: no tests found (test \"name\" { … } in *.test.rb files)\n");
        rc = EXIT_USAGE;
    } else if (run_all(&S, jobs, strcmp(format, "text") == 0, verbose) != 0) rc = EXIT_FAILED;
    if (rc == EXIT_OK) {
        int fails = 0;
        for (int i = 0; i < S.ncases; i++) fails += !json_is_true(json_object_get(S.cases[i].res, "ok"));
        if (strcmp(format, "tap") == 0) print_tap(&S);
        else if (strcmp(format, "junit") == 0) print_junit(&S);
        else printf("%d tests, %d passed, %d failed\n", S.ncases, S.ncases - fails, fails);
        if (coverage) {
            char cwd[PATH_MAX];
            if (!getcwd(cwd, sizeof cwd)) strcpy(cwd, "/");
            json_t *cov = merged_coverage(&S, &ms);
            if (coverage & 1) print_coverage(cov, cwd, strcmp(format, "text") == 0 ? stdout : stderr);
            if (cov_json && json_dump_file(cov, cov_json, JSON_INDENT(2)) != 0) {
                fprintf(stderr, "runbook test: cannot write %s\n", cov_json);
                rc = EXIT_FAILED;
            }
            if (lcov && write_lcov(cov, lcov) != 0) {
                fprintf(stderr, "runbook test: cannot write %s: %s\n", lcov, strerror(errno));
                rc = EXIT_FAILED;
            }
            json_decref(cov);
        }
        if (fails) rc = EXIT_FAILED;
    }
    for (int i = 0; i < S.ncases; i++) {
        json_decref(S.cases[i].res);
        rb_free(S.cases[i].log);
    }
    for (int i = 0; i < S.nfiles; i++) {
        if (S.files[i].f) ast_file_free(S.files[i].f);
        rb_free(S.files[i].path);
    }
    for (int i = 0; i < S.nrbs; i++) rb_free(S.rbs[i]);
    rb_free(S.rbs);
    rb_free(S.files);
    rb_free(S.cases);
    rb_free(paths);
    module_set_free(&ms);
    return rc;
}
