/*
 * coverage.c — the decisions of a runbook for `runbook test --coverage`: every step, its
 * `on failure` and `rollback` blocks, each `if`/`elif`/`else` branch (and the way past an
 * `if` without `else`), each `choose` arm, `confirm` yes and no, and each escalation rung,
 * in source order, with how often a test took it (the hits testrun.c's hooks counted).
 * A decision inside a module's shared part (a phase or ladder a runbook pulls in) belongs
 * to the module: its item carries the module's file, and coverage_merge() adds up every
 * use of it, from every runbook, under the module's path.
 *
 * Never: print or write files (testcmd.c renders text, JSON and lcov).
 */
#include "test.h"

typedef struct walker {
    json_t *items;
    rb_test *T;
    const ast_file *f;
} walker;

static void add(walker *w, const rb_node *at, const void *node, int tag, const char *kind, const char *what)
{
    hit *h = w->T ? test_hit_find(w->T, node, tag) : NULL;
    json_t *it = json_pack("{s:i, s:i, s:s, s:s, s:i, s:i}", "line", at->loc.line, "col", at->loc.col, "kind", kind,
                           "what", what, "tag", tag, "hits", h ? h->count : 0);
    if (at->origin && at->origin < w->f->norigins)   /* written in a module's part */
        json_object_set_new(it, "file", json_string(w->f->origins[at->origin].file->src.name));
    json_array_append_new(w->items, it);
}

/* A short text for an expression (a question or a label), at most 60 bytes. */
static void text_of(rb_buf *b, const rb_node *e)
{
    rb_buf t;
    buf_init(&t);
    if (e && e->kind == N_STR) buf_adds(&t, e->str);
    else if (e) ast_expr_str(&t, e);
    size_t n = t.len > 60 ? 57 : t.len;
    while (n < t.len && n > 0 && ((unsigned char)t.data[n] & 0xC0) == 0x80) n--;
    buf_addn(b, buf_cstr(&t), n);
    if (n < t.len) buf_adds(b, "...");
    buf_free(&t);
}

static void walk(walker *w, const rb_node *n, int elif);

static void walk_list(walker *w, const rb_node *n)
{
    for (; n; n = n->next) walk(w, n, 0);
}

static void items_of(walker *w, const rb_node *n)
{
    rb_buf b;
    buf_init(&b);
    switch (n->kind) {
    case N_STEP:
        buf_printf(&b, "step %s", n->str ? n->str : n->str2 ? n->str2 : "?");
        add(w, n, n->a, 0, "step", buf_cstr(&b));
        if (n->c) {
            buf_reset(&b);
            buf_printf(&b, "on failure of %s", n->str ? n->str : "the step");
            add(w, n->c, n->c, 0, "on_failure", buf_cstr(&b));
        }
        if (n->b) {
            buf_reset(&b);
            buf_printf(&b, "rollback of %s", n->str ? n->str : "the step");
            add(w, n->b, n->b, 0, "rollback", buf_cstr(&b));
        }
        break;
    case N_IF: {
        const rb_node *b2 = n;
        for (; b2 && b2->kind == N_IF; b2 = b2->c) {
            buf_reset(&b);
            buf_adds(&b, b2 == n ? "if " : "elif ");
            text_of(&b, b2->a);
            add(w, b2, b2->b, 0, "branch", buf_cstr(&b));
        }
        buf_reset(&b);
        buf_adds(&b, "else of if ");
        text_of(&b, n->a);
        if (b2) add(w, b2, b2, 0, "branch", buf_cstr(&b));
        else add(w, n, n, 1, "branch", buf_cstr(&b));
        break;
    }
    case N_CHOOSE:
        for (const rb_node *arm = n->b; arm; arm = arm->next) {
            buf_reset(&b);
            buf_adds(&b, "choose ");
            text_of(&b, n->a);
            buf_adds(&b, " → ");
            text_of(&b, arm->a);
            add(w, arm, arm->b, 0, "choose", buf_cstr(&b));
        }
        break;
    case N_CONFIRM: case N_CALL:
        if (n->kind == N_CALL && !(n->a && n->a->kind == N_IDENT && strcmp(n->a->str, "confirm") == 0 && n->b)) break;
        for (int yes = 1; yes <= 2; yes++) {
            buf_reset(&b);
            buf_adds(&b, "confirm ");
            text_of(&b, n->kind == N_CALL ? n->b : n->a);
            buf_adds(&b, yes == 1 ? " → yes" : " → no");
            add(w, n, n, yes, "confirm", buf_cstr(&b));
        }
        break;
    case N_RUNG: {
        buf_adds(&b, "escalation rung at ");
        text_of(&b, n->a);
        add(w, n, n->d, 0, "rung", buf_cstr(&b));
        break;
    }
    default:
        break;
    }
    buf_free(&b);
}

static void walk(walker *w, const rb_node *n, int elif)
{
    if (!n) return;
    if (!elif) items_of(w, n);
    walk_list(w, n->opts);
    walk_list(w, n->a);
    if (n->kind == N_STEP) {
        walk_list(w, n->c);   /* source order: body, on failure, rollback */
        walk_list(w, n->b);
    } else {
        walk_list(w, n->b);
        if (n->kind == N_IF && n->c && n->c->kind == N_IF) walk(w, n->c, 1);
        else walk_list(w, n->c);
    }
    walk_list(w, n->d);
}

json_t *coverage_items(const ast_file *f, rb_test *T)
{
    walker w = {json_array(), T, f};
    if (f->root) walk_list(&w, f->root->a);
    return w.items;
}

static int same_decision(json_t *a, json_t *b)
{
    static const char *const keys[] = {"line", "col", "tag"};
    for (size_t i = 0; i < 3; i++)
        if (json_integer_value(json_object_get(a, keys[i])) != json_integer_value(json_object_get(b, keys[i]))) return 0;
    return strcmp(json_string_value(json_object_get(a, "kind")), json_string_value(json_object_get(b, "kind"))) == 0;
}

void coverage_merge(json_t *into, const char *path, json_t *items)
{
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        const char *file = json_string_value(json_object_get(it, "file"));
        char *real = file ? realpath(file, NULL) : NULL;
        const char *key = real ? real : file ? file : path;
        json_t *list = json_object_get(into, key), *old = NULL, *o;
        if (!list) json_object_set_new(into, key, list = json_array());
        size_t k;
        json_array_foreach(list, k, o)
            if (same_decision(o, it)) old = o;
        if (old) {
            json_int_t h = json_integer_value(json_object_get(old, "hits")) + json_integer_value(json_object_get(it, "hits"));
            json_object_set_new(old, "hits", json_integer(h));
        } else {
            json_t *copy = json_copy(it);
            json_object_del(copy, "file");
            json_array_append_new(list, copy);
        }
        free(real);
    }
}
