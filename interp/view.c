/*
 * view.c — `runbook view`: a runbook rendered for people, as Markdown (view_md.c, view_doc.c)
 * or as a Graphviz graph (view_dot.c).  This file: the step table and the subcommand.
 *
 * Owns: the Markdown document an on-call engineer reads at 3 a.m. or prints into a wiki (the
 * header as a table, modules, params, escalation ladders, recurring actions, then phases and
 * steps as numbered procedures with anchors that `goto` links point at), the decision tree in
 * dot (a node per step; fall-through, goto, choose-arm and if-branch edges; phases as
 * clusters), the escaping both formats need, and the `view` subcommand's arguments and exit
 * status.
 *
 * Never: execute or evaluate anything from a runbook, print the value expression of a
 * `secret` (it may hold a literal credential: secrets appear by name only), print the value
 * of an Authorization header written in the source, or depend on anything but the tree, so
 * that one file always renders to the same bytes (the output is golden-tested).
 *
 * Both renderers share the step table: every step in source order with its phase and its id
 * (as written, or the checker's slug of its title), which gives the Markdown its step numbers
 * and anchors and the graph its node names (s1, s2, … — never the ids, so that no id can
 * collide with the start and end nodes or need quoting).
 */
#include "view_int.h"

/*
 * The text of a string node as it reads between its quotes: literal parts as they are,
 * interpolations as #{expr}.  Any other expression is written in source form.
 */
void node_plain(rb_buf *b, const rb_node *n)
{
    if (!n) return;
    if (n->kind == N_STR) {
        buf_adds(b, n->str);
    } else if (n->kind == N_INTERP) {
        for (const rb_node *p = n->a; p; p = p->next) {
            if (p->kind == N_STR) {
                buf_adds(b, p->str);
            } else {
                buf_adds(b, "#{");
                ast_expr_str(b, p);
                buf_addc(b, '}');
            }
        }
    } else {
        ast_expr_str(b, n);
    }
}

int is_text(const rb_node *n)
{
    return n && (n->kind == N_STR || n->kind == N_INTERP);
}

/* Does a string node hold a line break in its literal text (a heredoc, or "\n")? */
int is_multiline(const rb_node *n)
{
    if (!n) return 0;
    if (n->kind == N_STR) return strchr(n->str, '\n') != NULL;
    if (n->kind != N_INTERP) return 0;
    for (const rb_node *p = n->a; p; p = p->next)
        if (p->kind == N_STR && strchr(p->str, '\n')) return 1;
    return 0;
}

static void steps_add(step_table *t, const rb_node *step, const rb_node *phase)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->v = rb_xrealloc(t->v, (size_t)t->cap * sizeof *t->v);
    }
    view_step *s = &t->v[t->n++];
    s->node = step;
    s->phase = phase;
    s->slugged = step->str == NULL;
    if (step->str) {
        s->id = step->str;
    } else {
        rb_buf title;
        buf_init(&title);
        node_plain(&title, step->d);
        s->id = check_step_slug(&t->mem, buf_cstr(&title));
        buf_free(&title);
    }
}

void steps_collect(step_table *t, const ast_file *f)
{
    memset(t, 0, sizeof *t);
    arena_init(&t->mem);
    t->file = f;
    for (const rb_node *d = f->root ? f->root->a : NULL; d; d = d->next) {
        if (d->kind == N_STEP) steps_add(t, d, NULL);
        if (d->kind != N_PHASE) continue;
        for (const rb_node *s = d->a; s; s = s->next)
            if (s->kind == N_STEP) steps_add(t, s, d);
    }
}

/* The index of the first step with this id, or -1. */
int steps_find(const step_table *t, const char *id)
{
    for (int i = 0; i < t->n; i++)
        if (strcmp(t->v[i].id, id) == 0) return i;
    return -1;
}

int steps_index(const step_table *t, const rb_node *step)
{
    for (int i = 0; i < t->n; i++)
        if (t->v[i].node == step) return i;
    return -1;
}

void steps_free(step_table *t)
{
    rb_free(t->v);
    arena_free(&t->mem);
}

const rb_node *file_header(const ast_file *f)
{
    for (const rb_node *d = f->root ? f->root->a : NULL; d; d = d->next)
        if (d->kind == N_HEADER) return d;
    return NULL;
}

/* The last path component of a file name. */
const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static int view_usage(const char *why)
{
    if (why) fprintf(stderr, "runbook view: %s\n", why);
    fprintf(stderr, "usage: runbook view FILE [--format md|dot]\n");
    return EXIT_USAGE;
}

/*
 * `runbook view FILE [--format md|dot]` (also --format=md): load FILE as exec would
 * (front_load prints syntax and checker errors) and print it as Markdown (the default) or
 * dot on stdout.  Returns 0, 2 for a usage error or a file that cannot be read, parsed or
 * checked, 1 when stdout cannot be written.
 */
int cmd_view(int argc, char **argv)
{
    const char *path = NULL;
    int as_dot = 0, opts_done = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!opts_done && strcmp(a, "--") == 0) {
            opts_done = 1;
        } else if (!opts_done && (strcmp(a, "--format") == 0 || strncmp(a, "--format=", 9) == 0)) {
            const char *v = a[8] == '=' ? a + 9 : (i + 1 < argc ? argv[++i] : NULL);
            if (v && strcmp(v, "md") == 0) as_dot = 0;
            else if (v && strcmp(v, "dot") == 0) as_dot = 1;
            else return view_usage("--format takes md or dot");
        } else if (!opts_done && a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "runbook view: unknown option '%s'\n", a);
            return view_usage(NULL);
        } else if (path) {
            return view_usage("one FILE at a time");
        } else {
            path = a;
        }
    }
    if (!path) return view_usage(NULL);

    module_set ms;
    module_set_init(&ms);
    ast_file *f = front_load(path, &ms);
    if (!f) {
        module_set_free(&ms);
        return EXIT_USAGE;
    }
    if (as_dot) view_dot(stdout, f);
    else view_markdown(stdout, f);
    ast_file_free(f);
    module_set_free(&ms);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "runbook view: cannot write the output: %s\n", strerror(errno));
        return EXIT_FAILED;
    }
    return EXIT_OK;
}
