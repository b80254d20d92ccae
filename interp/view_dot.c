/*
 * view_dot.c — the decision tree of `runbook view --format dot`: a node per step;
 * fall-through, goto, choose-arm and if-branch edges; phases as clusters.
 *
 * Never: execute or evaluate anything from a runbook, print the value expression of a
 * `secret` (it may hold a literal credential: secrets appear by name only), print the value
 * of an Authorization header written in the source, or depend on anything but the tree, so
 * that one file always renders to the same bytes (the output is golden-tested).
 */
#include "view_int.h"

/*
 * Edges are found by walking each step's statements path by path: a `goto` ends a path at
 * its target, `abort` and `fail` at the end node, and a path that runs off the end of the
 * body at the next step.  `choose` arms and `if` branches that hold a jump split the path,
 * and the option text or condition becomes part of the edge label; statements that cannot
 * change where a step goes are stepped over, so plain `if`s never multiply paths.  A
 * `confirm` gate adds a side path to the next step ("not confirmed": "no" skips the rest of
 * the step) without splitting.  A budget bounds the walk for pathological nesting.
 */
#define DOT_MAX_PATHS 4096

typedef enum { END_NEXT, END_GOTO, END_STOP } end_kind;

typedef struct dot_end {
    char *target;       /* node name: "s3", "end", or a quoted unknown-target node */
    char *label;        /* the conditions on the path ("" when none) */
    end_kind kind;
} dot_end;

typedef struct dot {
    FILE *out;
    const step_table *steps;
    int cur;             /* index of the step being walked */
    rb_buf label;        /* conditions of the path being walked, " / "-joined */
    dot_end *ends;       /* path ends of the current step, without duplicates */
    int n, cap;
    int paths;           /* paths walked for the current step */
} dot;

/* Quote s for a dot string: '"' and '\\' escaped, line breaks as \n. */
static void dot_escape(rb_buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '\n') buf_adds(b, "\\n");
        else if (*s == '\r') continue;
        else if (*s == '"' || *s == '\\') buf_printf(b, "\\%c", *s);
        else buf_addc(b, *s);
    }
}

static void dot_quoted(rb_buf *b, const char *s)
{
    buf_addc(b, '"');
    dot_escape(b, s);
    buf_addc(b, '"');
}

/*
 * What a statement (or block) can do to where its step goes: DOT_SPLITS when it holds a
 * goto, abort, fail or a choose (paths must be followed through it), DOT_GATES when it only
 * holds a confirm gate (a side path to the next step), else 0.  Timer bodies do not count.
 */
enum { DOT_GATES = 1, DOT_SPLITS = 2 };

static int dot_effect(const rb_node *n)
{
    int e = 0;
    if (!n) return 0;
    switch (n->kind) {
    case N_GOTO: case N_ABORT: case N_FAIL: return DOT_SPLITS;
    case N_CONFIRM: return DOT_GATES;
    case N_CHOOSE: return n->b ? DOT_SPLITS : 0;
    case N_IF: return dot_effect(n->b) | dot_effect(n->c);
    case N_WHILE: case N_FOR: return dot_effect(n->b);
    case N_BLOCK:
        for (const rb_node *s = n->a; s; s = s->next) e |= dot_effect(s);
        return e;
    default: return 0;
    }
}

static size_t dot_push(dot *d, const char *what)
{
    size_t old = d->label.len;
    if (old) buf_adds(&d->label, " / ");
    buf_adds(&d->label, what);
    return old;
}

static size_t dot_push_plain(dot *d, const rb_node *n)
{
    rb_buf t;
    buf_init(&t);
    node_plain(&t, n);
    size_t old = dot_push(d, buf_cstr(&t));
    buf_free(&t);
    return old;
}

static void dot_pop(dot *d, size_t old)
{
    d->label.len = old;
    if (d->label.data) d->label.data[old] = '\0';
}

/* Record where the current path ends (once per distinct target, label and kind). */
static void dot_end_at(dot *d, end_kind kind, const char *target, const char *what)
{
    d->paths++;
    size_t old = what ? dot_push(d, what) : d->label.len;
    const char *label = buf_cstr(&d->label);
    for (int i = 0; i < d->n; i++) {
        if (d->ends[i].kind == kind && strcmp(d->ends[i].target, target) == 0 &&
            strcmp(d->ends[i].label, label) == 0) {
            dot_pop(d, old);
            return;
        }
    }
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 8;
        d->ends = rb_xrealloc(d->ends, (size_t)d->cap * sizeof *d->ends);
    }
    d->ends[d->n++] = (dot_end){rb_xstrdup(target), rb_xstrdup(label), kind};
    dot_pop(d, old);
}

/* The node a path reaches by running off the end of the current step. */
static void dot_next_name(const dot *d, rb_buf *b)
{
    if (d->cur + 1 < d->steps->n) buf_printf(b, "s%d", d->cur + 2);
    else buf_adds(b, "end");
}

static void dot_end_next(dot *d, const char *what)
{
    rb_buf t;
    buf_init(&t);
    dot_next_name(d, &t);
    dot_end_at(d, END_NEXT, buf_cstr(&t), what);
    buf_free(&t);
}

static void dot_end_goto(dot *d, const char *id)
{
    rb_buf t;
    buf_init(&t);
    int i = steps_find(d->steps, id);
    if (i >= 0) {
        buf_printf(&t, "s%d", i + 1);
    } else {
        buf_adds(&t, "\"unknown:");
        dot_escape(&t, id);
        buf_addc(&t, '"');
    }
    dot_end_at(d, END_GOTO, buf_cstr(&t), NULL);
    buf_free(&t);
}

/* The rest of the enclosing blocks, innermost first: where a path goes after a block. */
typedef struct dot_cont {
    const rb_node *rest;
    const struct dot_cont *up;
    int stop;           /* the walk only looks for gates here: a path ending here is dropped */
    int reset;          /* cut the label back to `keep` bytes before walking rest */
    size_t keep;
} dot_cont;

static void dot_walk(dot *d, const rb_node *s, const dot_cont *k);

/*
 * The branches of an if, each labelled with its condition ("else" for the last).  A path
 * that leaves a branch at its end drops that label again: once the branches join, which
 * one ran no longer decides where the step goes.
 */
static void dot_if(dot *d, const rb_node *s, const dot_cont *after)
{
    dot_cont joined = *after, *k = &joined;
    joined.reset = 1;
    joined.keep = d->label.len;
    const rb_node *br = s;
    for (; br && br->kind == N_IF; br = br->c) {
        rb_buf cond;
        buf_init(&cond);
        ast_expr_str(&cond, br->a);
        size_t old = dot_push(d, buf_cstr(&cond));
        buf_free(&cond);
        dot_walk(d, br->b ? br->b->a : NULL, k);
        dot_pop(d, old);
    }
    if (br) {
        size_t old = dot_push(d, "else");
        dot_walk(d, br->a, k);
        dot_pop(d, old);
    } else {
        dot_walk(d, NULL, k);
    }
}

static void dot_choose(dot *d, const rb_node *s, const dot_cont *k)
{
    for (const rb_node *arm = s->b; arm; arm = arm->next) {
        size_t old = dot_push_plain(d, arm->a);
        dot_walk(d, arm->b ? arm->b->a : NULL, k);
        dot_pop(d, old);
    }
}

/* Record the gates inside a statement that cannot end a path, then carry on after it. */
static void dot_gates(dot *d, const rb_node *s)
{
    static const dot_cont stop = {NULL, NULL, 1, 0, 0};
    if (s->kind == N_IF) dot_if(d, s, &stop);
    else dot_walk(d, s->b ? s->b->a : NULL, &stop);
}

/* Walk the statements from s on, then the continuations k; record each path's end. */
static void dot_walk(dot *d, const rb_node *s, const dot_cont *k)
{
    if (d->paths >= DOT_MAX_PATHS) return;
    for (; s; s = s->next) {
        dot_cont here = {s->next, k, 0, 0, 0};
        int effect = dot_effect(s);
        switch (s->kind) {
        case N_GOTO: dot_end_goto(d, s->str); return;
        case N_ABORT: dot_end_at(d, END_STOP, "end", "abort"); return;
        case N_FAIL: dot_end_at(d, END_STOP, "end", "fail"); return;
        case N_CONFIRM: dot_end_next(d, "not confirmed"); break;
        case N_CHOOSE:
            if (!s->b) break;
            dot_choose(d, s, &here);
            return;
        case N_IF:
            if (effect & DOT_SPLITS) {
                dot_if(d, s, &here);
                return;
            }
            if (effect) dot_gates(d, s);
            break;
        case N_WHILE: case N_FOR:
            /* the body may run (and jump), or not run at all */
            if (effect & DOT_SPLITS) dot_walk(d, s->b->a, &here);
            else if (effect) dot_gates(d, s);
            break;
        default: break;
        }
    }
    if (k && k->stop) return;
    if (!k) {
        dot_end_next(d, NULL);
    } else if (!k->reset) {
        dot_walk(d, k->rest, k->up);
    } else {
        char *label = rb_xstrdup(buf_cstr(&d->label));
        dot_pop(d, k->keep);
        dot_walk(d, k->rest, k->up);
        buf_reset(&d->label);
        buf_adds(&d->label, label);
        rb_free(label);
    }
}

static void dot_clear_ends(dot *d)
{
    for (int i = 0; i < d->n; i++) {
        rb_free(d->ends[i].target);
        rb_free(d->ends[i].label);
    }
    d->n = 0;
    d->paths = 0;
}

/* Is there a path of this kind to this target with no conditions on it? */
static int dot_unconditional(const dot *d, const dot_end *e)
{
    for (int i = 0; i < d->n; i++)
        if (d->ends[i].kind == e->kind && strcmp(d->ends[i].target, e->target) == 0 && !d->ends[i].label[0])
            return 1;
    return 0;
}

/* Does e repeat an edge already drawn (an unconditional one stands for all of its kind)? */
static int dot_drawn(const dot *d, int i)
{
    const dot_end *e = &d->ends[i];
    if (!dot_unconditional(d, e)) return 0;
    for (int j = 0; j < i; j++)
        if (d->ends[j].kind == e->kind && strcmp(d->ends[j].target, e->target) == 0) return 1;
    return 0;
}

/*
 * Declare, once, the node of a goto target that is no step (the checker rejects those, so
 * this only shows when view is given a tree that was not checked).  declared holds the
 * names seen so far, one per line.
 */
static void dot_unknown_node(dot *d, const char *target, rb_buf *declared)
{
    if (target[0] != '"') return;
    rb_buf key;
    buf_init(&key);
    buf_printf(&key, "\n%s\n", target);
    if (!strstr(buf_cstr(declared), buf_cstr(&key))) {
        if (!declared->len) buf_addc(declared, '\n');
        buf_adds(declared, buf_cstr(&key) + 1);
        fprintf(d->out, "  %s [shape=octagon, style=dashed];\n", target);
    }
    buf_free(&key);
}

static void dot_edge(dot *d, const dot_end *e, int unconditional)
{
    rb_buf line;
    buf_init(&line);
    buf_printf(&line, "  s%d -> %s", d->cur + 1, e->target);
    const char *label = unconditional ? "" : e->label;
    if (e->kind == END_GOTO && !label[0]) label = "goto";
    const char *style = e->kind == END_GOTO ? "dashed" : e->kind == END_STOP ? "dotted" : NULL;
    if (label[0] || style) {
        buf_adds(&line, " [");
        if (label[0]) {
            buf_adds(&line, "label=");
            dot_quoted(&line, label);
        }
        if (style) buf_printf(&line, "%sstyle=%s", label[0] ? ", " : "", style);
        buf_addc(&line, ']');
    }
    fprintf(d->out, "%s;\n", buf_cstr(&line));
    buf_free(&line);
}

/* All edges out of step i: its body's path ends, then those of its on-failure block. */
static void dot_step_edges(dot *d, int i, rb_buf *declared)
{
    const rb_node *st = d->steps->v[i].node;
    d->cur = i;
    dot_clear_ends(d);
    dot_walk(d, st->a ? st->a->a : NULL, NULL);
    if (st->c) {
        size_t old = dot_push(d, "on failure");
        dot_walk(d, st->c->a, NULL);
        dot_pop(d, old);
    }
    for (int k = 0; k < d->n; k++) {
        if (dot_drawn(d, k)) continue;
        dot_unknown_node(d, d->ends[k].target, declared);
        dot_edge(d, &d->ends[k], dot_unconditional(d, &d->ends[k]));
    }
}

static void dot_step_node(dot *d, int i, const char *indent)
{
    const view_step *s = &d->steps->v[i];
    rb_buf t, line;
    buf_init(&t);
    buf_init(&line);
    node_plain(&t, s->node->d);
    while (t.len > 0 && t.data[t.len - 1] == '\n') t.data[--t.len] = '\0';
    buf_printf(&t, "\n(%s)", s->id);
    buf_printf(&line, "%ss%d [label=", indent, i + 1);
    dot_quoted(&line, buf_cstr(&t));
    fprintf(d->out, "%s];\n", buf_cstr(&line));
    buf_free(&t);
    buf_free(&line);
}

static void dot_cluster(dot *d, const rb_node *ph, int n)
{
    rb_buf t, line;
    buf_init(&t);
    buf_init(&line);
    buf_adds(&t, "Phase: ");
    node_plain(&t, ph->b);
    const rb_node *within = ast_opt(ph, "within");
    if (within) {
        buf_adds(&t, " (within ");
        ast_expr_str(&t, within->a);
        buf_addc(&t, ')');
    }
    fprintf(d->out, "  subgraph cluster_%d {\n", n);
    buf_adds(&line, "    label=");
    dot_quoted(&line, buf_cstr(&t));
    fprintf(d->out, "%s;\n", buf_cstr(&line));
    for (const rb_node *s = ph->a; s; s = s->next)
        if (s->kind == N_STEP) dot_step_node(d, steps_index(d->steps, s), "    ");
    fprintf(d->out, "  }\n");
    buf_free(&t);
    buf_free(&line);
}

static void dot_graph_label(dot *d, const ast_file *f)
{
    const rb_node *hdr = file_header(f);
    rb_buf t, line;
    buf_init(&t);
    buf_init(&line);
    if (hdr) node_plain(&t, hdr->b);
    else buf_adds(&t, base_name(f->src.name ? f->src.name : "?"));
    buf_adds(&line, "  label=");
    dot_quoted(&line, buf_cstr(&t));
    fprintf(d->out, "%s;\n  labelloc=t;\n", buf_cstr(&line));
    buf_free(&t);
    buf_free(&line);
}

/*
 * Write f's decision tree to out as a Graphviz digraph: a start and an end node, a box per
 * step labelled with its title and id (inside a cluster per phase), and the edges its
 * statements allow (see the comment above DOT_MAX_PATHS).  Deterministic; never evaluates.
 */
void view_dot(FILE *out, const ast_file *f)
{
    step_table steps;
    steps_collect(&steps, f);
    dot d = {.out = out, .steps = &steps};
    buf_init(&d.label);
    fprintf(out, "digraph runbook {\n");
    dot_graph_label(&d, f);
    fprintf(out, "  node [shape=box];\n  start [label=\"start\", shape=ellipse];\n"
                 "  end [label=\"end\", shape=ellipse];\n");
    int clusters = 0;
    for (const rb_node *n = f->root ? f->root->a : NULL; n; n = n->next) {
        if (n->kind == N_PHASE) dot_cluster(&d, n, ++clusters);
        else if (n->kind == N_STEP) dot_step_node(&d, steps_index(&steps, n), "  ");
    }
    fprintf(out, "  start -> %s;\n", steps.n ? "s1" : "end");
    rb_buf declared;
    buf_init(&declared);
    for (int i = 0; i < steps.n; i++) dot_step_edges(&d, i, &declared);
    fprintf(out, "}\n");
    dot_clear_ends(&d);
    rb_free(d.ends);
    buf_free(&d.label);
    buf_free(&declared);
    steps_free(&steps);
}
