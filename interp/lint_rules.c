/*
 * lint_rules.c — the incident rules: what lint knows because runbooks are for incidents.
 *
 * Owns RB107–RB116 (docs/lint.md has an example of each): destructive commands without a
 * confirm in P1/P2 runbooks, an escalation that pages after the response target, P1/P2
 * without a status-update timer, a `within` longer than the resolve target, steps no path
 * reaches, a one-arm choose, plain-http URLs off the machine, secrets on a command line,
 * `wait until` without a timeout, and prompts without a default in an unattended runbook.
 *
 * Reads a tree that parsed and checked; never changes it (step slugs go in its arena).
 */
#include <ctype.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include "check.h"
#include "lint.h"

void lint_warn(diag_list *d, const diag_source *src, rb_loc loc, const char *rule, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_vadd(d, DIAG_WARNING, src, loc, rule, fmt, ap);
    va_end(ap);
}

typedef struct rules {
    ast_file *f;
    diag_list *d;
    const rb_node *header;
    int sev;                   /* 1..4, 0 when not written */
    const rb_node *sev_node;
    const rb_node *respond, *resolve; /* N_DUR values of the header, or NULL */
    int unattended;
    const char **secrets;      /* names of top-level secrets */
    int nsecrets;
} rules;

#define W(r, loc, rule, ...) lint_warn((r)->d, &(r)->f->src, (loc), (rule), __VA_ARGS__)

/* ------------------------------------------------------------------ helpers */

static int contains_kind(const rb_node *n, node_kind k)
{
    for (; n; n = n->next) {
        if (n->kind == k) return 1;
        if (contains_kind(n->a, k) || contains_kind(n->b, k) || contains_kind(n->c, k) || contains_kind(n->d, k) ||
            contains_kind(n->opts, k))
            return 1;
    }
    return 0;
}

/* The name a call's callee ends with: f for f(…), page for notify.page(…). */
static const char *callee_name(const rb_node *call)
{
    const rb_node *c = call->a;
    if (!c) return NULL;
    if (c->kind == N_IDENT || c->kind == N_MEMBER) return c->str;
    return NULL;
}

static int is_call_to(const rb_node *n, const char *name)
{
    const char *c = n->kind == N_CALL ? callee_name(n) : NULL;
    return c && n->a->kind == N_IDENT && strcmp(c, name) == 0;
}

static const rb_node *named_arg(const rb_node *call, const char *name)
{
    for (const rb_node *a = call->b; a; a = a->next)
        if (a->kind == N_NAMEDARG && strcmp(a->str, name) == 0) return a;
    return NULL;
}

/* A duration option's literal value (within, timeout), or NULL. */
static const rb_node *dur_opt(const rb_node *n, const char *name)
{
    const rb_node *o = ast_opt(n, name);
    return o && o->a && o->a->kind == N_DUR ? o->a : NULL;
}

/* The literal text of a command or URL: the string, or the literal parts of an
 * interpolated one with each #{…} as a space ("" for anything else). */
static void literal_text(rb_buf *b, const rb_node *s)
{
    if (!s) return;
    if (s->kind == N_STR) buf_adds(b, s->str);
    if (s->kind == N_INTERP)
        for (const rb_node *p = s->a; p; p = p->next) buf_adds(b, p->kind == N_STR ? p->str : " ");
}

/* ------------------------------------------------------------------ header */

static void read_header(rules *r)
{
    for (const rb_node *n = r->f->root->a; n; n = n->next) {
        if (n->kind == N_SECRET) {
            r->secrets = rb_xrealloc(r->secrets, (size_t)(r->nsecrets + 1) * sizeof *r->secrets);
            r->secrets[r->nsecrets++] = n->str;
        }
        if (n->kind != N_HEADER || r->header) continue;
        r->header = n;
        for (const rb_node *fl = n->a; fl; fl = fl->next) {
            const rb_node *v = fl->a;
            if (!v) continue;
            if (strcmp(fl->str, "severity") == 0 && v->kind == N_SEV) {
                r->sev = (int)v->num;
                r->sev_node = v;
            } else if (strcmp(fl->str, "respond") == 0 && fl->num && v->kind == N_DUR) {
                r->respond = v;
            } else if (strcmp(fl->str, "resolve") == 0 && fl->num && v->kind == N_DUR) {
                r->resolve = v;
            } else if (strcmp(fl->str, "unattended") == 0 && v->kind == N_BOOL) {
                r->unattended = v->num != 0;
            }
        }
    }
}

/* ------------------------------------------------------------------ RB107 destructive */

static const char *const destructive_words[] = {
    "rm", "rmdir", "drop", "delete", "del", "terminate", "destroy", "failover", "truncate", "purge", "wipe",
    "mkfs", "shred", "shutdown", "reboot", "poweroff", "halt", "kill", "pkill", "killall", "flushall", "flushdb",
    "dropdb", "deregister", "decommission", "evict", "drain",
};

/* The first destructive word of a command's literal text (words split at anything but
 * letters and digits, so terminate-instances and DROP TABLE count), or NULL. */
static const char *destructive_word(const rb_node *cmd)
{
    rb_buf b;
    buf_init(&b);
    literal_text(&b, cmd);
    const char *s = buf_cstr(&b), *hit = NULL;
    for (size_t i = 0; s[i] && !hit;) {
        while (s[i] && !isalnum((unsigned char)s[i])) i++;
        size_t st = i;
        while (isalnum((unsigned char)s[i])) i++;
        for (size_t k = 0; st < i && i - st <= 12 && k < sizeof destructive_words / sizeof *destructive_words; k++)
            if ((s[st] | 0x20) == destructive_words[k][0] && strlen(destructive_words[k]) == i - st &&
                strncasecmp(s + st, destructive_words[k], i - st) == 0)
                hit = destructive_words[k];
    }
    buf_free(&b);
    return hit;
}

/* Walk a step body in order: confirms and chooses (statements or calls) open the gate. */
static void destructive_walk(rules *r, const rb_node *n, int *gated)
{
    for (; n; n = n->next) {
        if (n->kind == N_CONFIRM || n->kind == N_CHOOSE || is_call_to(n, "confirm") || is_call_to(n, "choose"))
            *gated = 1;
        if (n->kind == N_SH && !*gated && !ast_opt(n, "readonly")) {
            const char *w = destructive_word(n->a);
            if (w)
                W(r, n->loc, "RB107", "destructive command ('%s') with no confirm before it in a P%d runbook: "
                                      "ask first (confirm \"…?\")", w, r->sev);
        }
        if (n->kind == N_HTTP && !*gated && n->str && strcasecmp(n->str, "DELETE") == 0)
            W(r, n->loc, "RB107", "destructive request (DELETE) with no confirm before it in a P%d runbook: ask first "
                                  "(confirm \"…?\")", r->sev);
        if (n->kind == N_WAITUNTIL) continue;   /* a probe, not a change */
        if (n->a) destructive_walk(r, n->a, gated);
        if (n->b) destructive_walk(r, n->b, gated);
        if (n->c) destructive_walk(r, n->c, gated);
        if (n->d) destructive_walk(r, n->d, gated);
    }
}

/* ------------------------------------------------------------------ steps */

typedef struct stepv {
    const char *id;
    const rb_node *step;
    int reached;
    int g0, g1;            /* its gotos: targets[g0 .. g1) */
} stepv;

typedef struct targets {
    const char **items;
    int n, cap;
} targets;

static int find_step(const stepv *s, int n, const char *id)
{
    for (int i = 0; i < n; i++)
        if (s[i].id && s[i].id[0] == id[0] && strcmp(s[i].id, id) == 0) return i;
    return -1;
}

/* Every goto target under n (statements and expressions: gotos sit in statement lists). */
static void collect_gotos(const rb_node *n, targets *t)
{
    for (; n; n = n->next) {
        if (n->kind >= N_NIL) continue;   /* an expression holds no goto */
        if (n->kind == N_GOTO && n->str) {
            if (t->n == t->cap) {
                t->cap = t->cap ? t->cap * 2 : 16;
                t->items = rb_xrealloc(t->items, (size_t)t->cap * sizeof *t->items);
            }
            t->items[t->n++] = n->str;
        }
        collect_gotos(n->a, t);
        collect_gotos(n->b, t);
        collect_gotos(n->c, t);
        collect_gotos(n->d, t);
    }
}

/* Does step body always leave by goto or abort (as RB106 sees it)? */
static int always_leaves(const rb_node *step)
{
    const rb_node *last = NULL;
    for (const rb_node *s = step->a ? step->a->a : NULL; s; s = s->next) last = s;
    if (!last || (last->kind != N_GOTO && last->kind != N_ABORT)) return 0;
    return !step->c && !contains_kind(step->a, N_CONFIRM);
}

/* Where a step's id is written (after `step`), else the step keyword. */
static rb_loc step_name_loc(const rules *r, const rb_node *st)
{
    size_t n;
    const char *line = diag_line_text(&r->f->src, st->loc.line, &n);
    rb_loc l = st->loc;
    if (!st->str || !line) return l;
    size_t i = 0;
    for (int col = 1; col < l.col && i < n; col++) {
        i++;
        while (i < n && ((unsigned char)line[i] & 0xC0) == 0x80) i++;
    }
    if (n - i < 4 || strncmp(line + i, "step", 4) != 0) return l;
    for (i += 4, l.col += 4; i < n && (line[i] == ' ' || line[i] == '\t'); i++) l.col++;
    return l;
}

static void report_unreachable(rules *r, stepv *s, int n, const targets *t)
{
    for (int i = 1; i < n; i++) {
        if (s[i].reached || !s[i].id || !*s[i].id || find_step(s, n, s[i].id) != i) continue;
        int named = 0;
        for (int k = 0; k < t->n && !named; k++) named = strcmp(t->items[k], s[i].id) == 0;
        if (!named && always_leaves(s[i - 1].step)) continue;   /* RB106 */
        W(r, step_name_loc(r, s[i].step), "RB111", "step '%s' is unreachable: no path of steps and gotos from the "
                                                   "first step leads here", s[i].id);
    }
}

/* RB111: steps no path from the first step reaches (fall-through and gotos).  A step that
 * RB106 already reports (right after one that always leaves, named by no goto) is left
 * to RB106. */
static void unreachable_steps(rules *r)
{
    if (r->d->errors) return;   /* broken gotos and ids would only add noise */
    stepv *s = NULL;
    int n = 0, cap = 0;
    targets t = {0};
    for (const rb_node *d = r->f->root->a; d; d = d->next) {
        const rb_node *list = d->kind == N_STEP ? d : d->kind == N_PHASE ? d->a : NULL;
        for (const rb_node *st = list; st; st = d->kind == N_STEP ? NULL : st->next) {
            if (st->kind != N_STEP) continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                s = rb_xrealloc(s, (size_t)cap * sizeof *s);
            }
            s[n].id = st->str ? st->str : st->str2 ? check_step_slug(&r->f->mem, st->str2) : NULL;
            s[n].step = st;
            s[n].reached = 0;
            s[n].g0 = t.n;
            collect_gotos(st->a, &t);
            collect_gotos(st->b, &t);
            collect_gotos(st->c, &t);
            s[n].g1 = t.n;
            n++;
        }
    }
    int *stack = rb_xmalloc((size_t)(n + 1) * sizeof *stack), top = 0;
    if (n) {
        s[0].reached = 1;
        stack[top++] = 0;
    }
    while (top) {
        int i = stack[--top];
        int next = i + 1 < n && !always_leaves(s[i].step) ? i + 1 : -1;
        for (int k = s[i].g0 - 1; k < s[i].g1; k++) {
            int j = k < s[i].g0 ? next : find_step(s, n, t.items[k]);
            if (j >= 0 && !s[j].reached) {
                s[j].reached = 1;
                stack[top++] = j;
            }
        }
    }
    report_unreachable(r, s, n, &t);
    rb_free(stack);
    rb_free(t.items);
    rb_free(s);
}

/* ------------------------------------------------------------------ one walk for the rest */

static int uri_is_loopback(const char *url)
{
    const char *h = url + 7;
    size_t n = strcspn(h, "/:?#");
    if (*h == '[') return strncmp(h, "[::1]", 5) == 0;
    if (n == 9 && strncasecmp(h, "localhost", 9) == 0) return 1;
    return strncmp(h, "127.", 4) == 0;
}

static void check_http(rules *r, const rb_node *n)
{
    const rb_node *u = n->a;
    const char *lit = u && u->kind == N_STR ? u->str : u && u->kind == N_INTERP && u->a->kind == N_STR ? u->a->str : NULL;
    if (!lit || strncasecmp(lit, "http://", 7) != 0) return;
    if (u->kind == N_INTERP && strcspn(lit + 7, "/:?#") == strlen(lit + 7)) {
        W(r, u->loc, "RB113", "plain http:// to a computed host: use https:// (requests and tokens travel in the clear)");
        return;
    }
    if (!uri_is_loopback(lit))
        W(r, u->loc, "RB113", "plain http:// to a host off this machine: use https:// (requests and tokens travel in "
                              "the clear)");
}

static const char *names_secret(const rules *r, const rb_node *n)
{
    for (; n; n = n->next) {
        if (n->kind == N_IDENT)
            for (int i = 0; i < r->nsecrets; i++)
                if (strcmp(n->str, r->secrets[i]) == 0) return n->str;
        const char *s;
        if ((s = names_secret(r, n->a)) || (s = names_secret(r, n->b)) || (n->kind != N_MEMBER && (s = names_secret(r, n->c))))
            return s;
    }
    return NULL;
}

static void check_sh_secret(rules *r, const rb_node *n)
{
    if (!n->a || n->a->kind != N_INTERP) return;
    for (const rb_node *p = n->a->a; p; p = p->next) {
        if (p->kind == N_STR) continue;
        const rb_node one = {.kind = p->kind, .str = p->str, .a = p->a, .b = p->b, .c = p->c};
        const char *s = names_secret(r, &one);
        if (s) {
            W(r, p->loc, "RB114", "secret '%s' on a command line: every user of the machine sees it in ps; pass it "
                                  "in the environment (env: {TOKEN: %s}) and write $TOKEN", s, s);
            return;
        }
    }
}

static void check_prompt(rules *r, const rb_node *n)
{
    const char *what = NULL;
    if (n->kind == N_CONFIRM) what = "confirm";
    else if (n->kind == N_CHOOSE) what = "choose";
    else if (n->kind == N_CHECKLIST) what = "checklist";
    else if (n->kind == N_CALL && n->a->kind == N_IDENT) {
        static const char *const prompts[] = {"ask", "confirm", "choose", "checklist"};
        for (size_t i = 0; i < 4; i++)
            if (strcmp(n->a->str, prompts[i]) == 0 && !named_arg(n, "default")) what = prompts[i];
    }
    if (what)
        W(r, n->loc, "RB116", "'%s' has no default in a runbook marked unattended: nobody will answer it (give "
                              "%s(…, default: …) or answer it with --answers)", what, what);
}

static void walk_all(rules *r, const rb_node *n)
{
    for (; n; n = n->next) {
        switch (n->kind) {
        case N_CHOOSE:
            if (ast_list_len(n->b) == 1)
                W(r, n->loc, "RB112", "choose with a single option: nothing is chosen (use confirm, or add the other "
                                      "options)");
            break;
        case N_CALL:
            if (is_call_to(n, "choose") && n->b && n->b->next && n->b->next->kind == N_LIST &&
                ast_list_len(n->b->next->a) == 1)
                W(r, n->loc, "RB112", "choose with a single option: nothing is chosen (use confirm, or add the other "
                                      "options)");
            break;
        case N_HTTP: check_http(r, n); break;
        case N_SH: check_sh_secret(r, n); break;
        case N_WAITUNTIL:
            if (!ast_opt(n, "timeout"))
                W(r, n->loc, "RB115", "wait until with no timeout: if the condition never holds the run waits "
                                      "forever (add timeout 10m)");
            break;
        case N_STEP:
        case N_PHASE: {
            const rb_node *w = dur_opt(n, "within");
            if (w && r->resolve && w->num > r->resolve->num)
                W(r, w->loc, "RB110", "this %s's deadline (within %s) is longer than the runbook's resolve target "
                                      "(resolve within %s)", n->kind == N_STEP ? "step" : "phase", w->str,
                  r->resolve->str);
            break;
        }
        default: break;
        }
        if (r->unattended) check_prompt(r, n);
        if (n->a) walk_all(r, n->a);
        if (n->b) walk_all(r, n->b);
        if (n->c) walk_all(r, n->c);
        if (n->d) walk_all(r, n->d);
        if (n->opts) walk_all(r, n->opts);
    }
}

/* ------------------------------------------------------------------ escalation and timers */

static int pages(const rb_node *n)
{
    for (; n; n = n->next) {
        const char *c = n->kind == N_CALL ? callee_name(n) : NULL;
        if (c && strstr(c, "page")) return 1;
        if (pages(n->a) || pages(n->b) || pages(n->c) || pages(n->d)) return 1;
    }
    return 0;
}

/* RB108: the first rung that pages (else the first rung) comes after `respond within`. */
static void check_ladder(rules *r, const rb_node *esc)
{
    const rb_node *first = NULL, *first_page = NULL;
    for (const rb_node *g = esc->a; g; g = g->next) {
        if (g->kind != N_RUNG || !g->a || g->a->kind != N_DUR) continue;
        if (!first || g->a->num < first->a->num) first = g;
        if (pages(g->d) && (!first_page || g->a->num < first_page->a->num)) first_page = g;
    }
    const rb_node *g = first_page ? first_page : first;
    if (g && r->respond && g->a->num > r->respond->num)
        W(r, g->a->loc, "RB108", "the escalation first pages at %s, after the response target (respond within %s): "
                                 "nobody is paged in time", g->a->str, r->respond->str);
}

static void timers(rules *r)
{
    int every = 0;
    for (const rb_node *d = r->f->root->a; d; d = d->next) {
        if (d->kind == N_ESCALATION) check_ladder(r, d);
        every |= d->kind == N_EVERY;
        if (d->kind == N_PHASE)
            for (const rb_node *x = d->a; x; x = x->next) {
                if (x->kind == N_ESCALATION) check_ladder(r, x);
                every |= x->kind == N_EVERY;
            }
    }
    if (r->sev >= 1 && r->sev <= 2 && !every)
        W(r, r->sev_node->loc, "RB109", "a P%d runbook with no status-update timer: add every 30m { … } that posts "
                                        "an update", r->sev);
}

int lint_incident_rules(ast_file *f, diag_list *d)
{
    if (!f || !f->root || f->is_module) return 0;
    int before = d->warnings;
    rules r = {.f = f, .d = d};
    read_header(&r);
    if (!r.header) {
        rb_free(r.secrets);
        return 0;
    }
    if (r.sev >= 1 && r.sev <= 2)
        for (const rb_node *n = f->root->a; n; n = n->next) {
            int gated = 0;
            if (n->kind == N_STEP) destructive_walk(&r, n->a, &gated);
            if (n->kind == N_PHASE)
                for (const rb_node *s = n->a; s; s = s->next)
                    if (s->kind == N_STEP) {
                        gated = 0;
                        destructive_walk(&r, s->a, &gated);
                    }
        }
    timers(&r);
    unreachable_steps(&r);
    walk_all(&r, f->root->a);
    rb_free(r.secrets);
    return d->warnings - before;
}
