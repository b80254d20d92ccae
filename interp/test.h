/*
 * test.h — `runbook test`'s private header: one test's state (stubs, scripted answers, the
 * trace of its runbook's run, decision hits, failures), shared by testrun.c (the test
 * builtins and the hooks), stub.c (the doors' stand-ins), expect.c (assertions),
 * coverage.c and testcmd.c (the command).
 */
#ifndef RB_TEST_H
#define RB_TEST_H

#include <jansson.h>
#include "interp.h"

typedef enum { STUB_SH, STUB_HTTP, STUB_MAIL } stub_kind;

typedef struct stub {
    stub_kind kind;
    char *method, *pattern;   /* method: HTTP only */
    int allow;                /* allow_sh / allow_http: the real thing runs */
    int exit, status, ok;
    char *out, *err, *body, *error;
    json_t *headers;
    double delay;
    int times;                /* < 0: any number of times */
    int used;
} stub;

/* One event of the runbook's run, with where it happened. */
typedef struct tevent {
    char *kind, *text, *step, *file;
    int line;
    double t;                 /* clock time */
    json_t *data;
} tevent;

typedef struct hit { const void *node; int tag; int count; } hit;

typedef struct rb_test {
    const char *file;         /* the test file */
    const char *name;         /* the test's name */
    stub *stubs;
    int nstubs, capstubs;
    json_t *answers;          /* {prompt or key: [{answer, after}]} for the prompter */
    double clock_start;
    int running;              /* the runbook under test is running: hooks are live */
    const ast_file *runbook;
    tevent *ev;
    int nev, capev;
    int overflow;             /* the run went past TRACE_MAX events and was stopped */
    const char *stop_at;      /* run_runbook(…, stop_at: STEP): interrupt the run as that step begins */
    const char *timer_file;   /* the escalation rung whose body is running */
    int timer_line;
    hit *hits;                /* open addressing over (node, tag) */
    size_t caphits, nhits;
    json_t *failures;         /* [{message, where}] */
    json_t *coverage;         /* {runbook path: [{line, col, what, hits}]} */
} rb_test;

/* testrun.c */
void test_fail(rb_test *T, const char *where, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
hit *test_hit_find(rb_test *T, const void *node, int tag);

/* expect.c: the expect_… builtins; 1 when name is one (c set) */
int expect_call(interp *I, rb_test *T, const char *name, const rb_node *call, argv_ *A, ctl *c);

/* stub.c */
void stubs_free(rb_test *T);
int stub_add(interp *I, rb_test *T, const char *name, const rb_node *call, argv_ *A, ctl *c);

/* testrun.c: run test t of the (checked) test file tf with its record in db; returns
 * {"name", "line", "ok", "failures": [{message, where}], "coverage": {path: [items]}} */
json_t *test_run_one(ast_file *tf, const rb_node *t, const char *db);

/* coverage.c: the decisions of a runbook, with their hits in T (T NULL: none) */
json_t *coverage_items(const ast_file *f, rb_test *T);
/* Add items (a runbook's at path) into {path: items}: a part's decisions go under the
 * module's path; the same decision seen again adds its hits. */
void coverage_merge(json_t *into, const char *path, json_t *items);

#endif
