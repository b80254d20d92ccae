/*
 * suppress.c — findings a team has decided not to see: in-file suppressions and baselines.
 *
 * `# runbook:disable RB102, SC2086 reason…` at the end of a line covers that line; alone on
 * its line it covers the next line that is not blank or a comment; `# runbook:disable-file
 * RB103` covers the whole file.  A suppression that covers nothing (or names no rule) is
 * itself reported, as RB117.  A baseline (--baseline FILE) lists findings by file, rule and
 * a fingerprint of the normalized source line, so it survives lines moving; each entry
 * absorbs one finding.  Errors are never suppressed.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>
#include "lint.h"

void lint_diag_drop(diag_list *d, const unsigned char *drop)
{
    int w = 0;
    for (int i = 0; i < d->n; i++) {
        diag *g = &d->items[i];
        if (!drop[i]) {
            d->items[w++] = *g;
            continue;
        }
        if (g->level == DIAG_ERROR) d->errors--;
        else if (g->level == DIAG_WARNING) d->warnings--;
        rb_free(g->rule);
        rb_free(g->msg);
    }
    d->n = w;
}

typedef struct directive {
    char id[16];
    int target;      /* the line it covers; 0: the whole file */
    rb_loc at;       /* where the id is written */
    int used;
} directive;

/* Is line [p, e) blank or only a comment? */
static int blank_or_comment(const char *p, const char *e)
{
    while (p < e && (*p == ' ' || *p == '\t' || *p == '\r')) p++;
    return p == e || *p == '#';
}

static int col_of(const char *line, const char *p)
{
    int col = 1;
    for (const char *q = line; q < p; q++)
        if (((unsigned char)*q & 0xC0) != 0x80) col++;
    return col;
}

/* The directives of one line (the text [p, e), line number ln). */
static void parse_line(const char *text, size_t len, const char *p, const char *e, int ln, directive **out, int *n)
{
    const char *hit = NULL;
    for (const char *q = p; q < e && !hit; q++) {
        if (*q != '#') continue;
        const char *r = q + 1;
        while (r < e && *r == ' ') r++;
        if ((size_t)(e - r) >= 15 && memcmp(r, "runbook:disable", 15) == 0) hit = r + 15;
    }
    if (!hit) return;
    int whole = (size_t)(e - hit) >= 5 && memcmp(hit, "-file", 5) == 0;
    const char *q = hit + (whole ? 5 : 0);
    if (q < e && *q != ' ' && *q != '\t') return;
    int target = ln;
    if (!whole && blank_or_comment(p, e)) {
        /* Alone on its line: the next line that is not blank or a comment. */
        const char *s = e < text + len ? e + 1 : e;
        target = ln + 1;
        while (s < text + len) {
            const char *nl = memchr(s, '\n', (size_t)(text + len - s));
            const char *se = nl ? nl : text + len;
            if (!blank_or_comment(s, se)) break;
            target++;
            s = nl ? nl + 1 : text + len;
        }
    }
    for (;;) {
        while (q < e && (*q == ' ' || *q == '\t' || *q == ',')) q++;
        const char *st = q;
        while (q < e && isalnum((unsigned char)*q)) q++;
        size_t k = (size_t)(q - st);
        if (k < 3 || k >= 16 || !isalpha((unsigned char)st[0]) || !isdigit((unsigned char)st[k - 1])) break;
        *out = rb_xrealloc(*out, (size_t)(*n + 1) * sizeof **out);
        directive *dv = &(*out)[(*n)++];
        memcpy(dv->id, st, k);
        dv->id[k] = '\0';
        for (char *c = dv->id; *c; c++) *c = (char)toupper((unsigned char)*c);
        dv->target = whole ? 0 : target;
        dv->at = (rb_loc){ln, col_of(p, st)};
        dv->used = 0;
        if (q < e && *q != ',' && *q != ' ' && *q != '\t') break;
    }
}

void suppress_apply(const ast_file *f, diag_list *d, int sc_ran)
{
    if (!f || !f->text || !memmem(f->text, f->len, "runbook:disable", 15)) return;
    directive *dv = NULL;
    int n = 0, ln = 1;
    for (const char *p = f->text, *end = f->text + f->len; p < end; ln++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *e = nl ? nl : end;
        if (memmem(p, (size_t)(e - p), "runbook:disable", 15)) parse_line(f->text, f->len, p, e, ln, &dv, &n);
        p = nl ? nl + 1 : end;
    }
    unsigned char *drop = rb_xcalloc((size_t)d->n + 1, 1);
    for (int i = 0; i < d->n; i++) {
        const diag *g = &d->items[i];
        if (g->level == DIAG_WARNING && g->rule && g->src == &f->src)
            for (int k = 0; k < n; k++)
                if (strcasecmp(dv[k].id, g->rule) == 0 && (dv[k].target == 0 || dv[k].target == g->loc.line)) {
                    dv[k].used = 1;
                    drop[i] = 1;
                }
    }
    lint_diag_drop(d, drop);
    rb_free(drop);
    for (int k = 0; k < n; k++) {
        if (dv[k].used) continue;
        int sc = strncmp(dv[k].id, "SC", 2) == 0;
        if (!lint_rule_find(dv[k].id) || strcmp(dv[k].id, "RB000") == 0 || strcmp(dv[k].id, "RB117") == 0)
            lint_warn(d, &f->src, dv[k].at, "RB117", "'%s' is not a rule that can be suppressed (runbook lint "
                                                     "--list-rules lists them)", dv[k].id);
        else if (!sc || sc_ran)
            lint_warn(d, &f->src, dv[k].at, "RB117", "unused suppression: no %s finding %s", dv[k].id,
                      dv[k].target ? "on the line it covers" : "in this file");
    }
    rb_free(dv);
}

/* ------------------------------------------------------------------ baselines */

char *lint_fingerprint(const diag *g)
{
    size_t n = 0;
    const char *line = diag_line_text(g->src, g->loc.line, &n);
    unsigned long long h = 14695981039346656037ULL;
    for (const char *r = g->rule ? g->rule : ""; *r; r++) h = (h ^ (unsigned char)*r) * 1099511628211ULL;
    h = (h ^ '\n') * 1099511628211ULL;
    int space = 0, any = 0;
    for (size_t i = 0; line && i < n; i++) {
        unsigned char c = (unsigned char)line[i];
        if (c == ' ' || c == '\t' || c == '\r') {
            space = 1;
            continue;
        }
        if (space && any) h = (h ^ ' ') * 1099511628211ULL;
        space = 0;
        any = 1;
        h = (h ^ c) * 1099511628211ULL;
    }
    rb_buf b;
    buf_init(&b);
    buf_printf(&b, "%016llx", h);
    return buf_take(&b);
}

struct baseline {
    json_t *counts;   /* "file\x1frule\x1ffingerprint" -> how many findings it still absorbs */
};

static char *entry_key(const char *file, const char *rule, const char *fp)
{
    rb_buf b;
    buf_init(&b);
    buf_printf(&b, "%s\x1f%s\x1f%s", file, rule, fp);
    return buf_take(&b);
}

baseline *baseline_load(const char *path)
{
    json_error_t err;
    json_t *doc = json_load_file(path, 0, &err);
    json_t *list = doc ? json_object_get(doc, "findings") : NULL;
    if (!json_is_array(list)) {
        fprintf(stderr, "runbook lint: --baseline %s: %s\n", path,
                doc ? "not a baseline (no \"findings\" list; write one with --write-baseline)" : err.text);
        json_decref(doc);
        return NULL;
    }
    baseline *b = rb_xcalloc(1, sizeof *b);
    b->counts = json_object();
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e) {
        const char *file = json_string_value(json_object_get(e, "file"));
        const char *rule = json_string_value(json_object_get(e, "rule"));
        const char *fp = json_string_value(json_object_get(e, "fingerprint"));
        if (!file || !rule || !fp) continue;
        char *k = entry_key(file, rule, fp);
        json_t *c = json_object_get(b->counts, k);
        json_object_set_new(b->counts, k, json_integer(c ? json_integer_value(c) + 1 : 1));
        rb_free(k);
    }
    json_decref(doc);
    return b;
}

void baseline_filter(baseline *b, diag_list *d)
{
    if (!b) return;
    unsigned char *drop = rb_xcalloc((size_t)d->n + 1, 1);
    for (int i = 0; i < d->n; i++) {
        const diag *g = &d->items[i];
        if (g->level == DIAG_WARNING && g->rule && g->src) {
            char *fp = lint_fingerprint(g);
            char *k = entry_key(g->src->name, g->rule, fp);
            json_t *c = json_object_get(b->counts, k);
            if (c && json_integer_value(c) > 0) {
                json_integer_set(c, json_integer_value(c) - 1);
                drop[i] = 1;
            }
            rb_free(k);
            rb_free(fp);
        }
    }
    lint_diag_drop(d, drop);
    rb_free(drop);
}

void baseline_free(baseline *b)
{
    if (!b) return;
    json_decref(b->counts);
    rb_free(b);
}

void baseline_record(json_t *entries, const diag_list *d)
{
    for (int i = 0; i < d->n; i++) {
        const diag *g = &d->items[i];
        if (g->level != DIAG_WARNING || !g->rule || !g->src) continue;
        char *fp = lint_fingerprint(g);
        json_t *e = json_pack("{s:o, s:s, s:s, s:i, s:o}", "file", json_stringn(g->src->name, strlen(g->src->name)),
                              "rule", g->rule, "fingerprint", fp, "line", g->loc.line, "message",
                              json_stringn(g->msg, strlen(g->msg)));
        if (e) json_array_append_new(entries, e);
        rb_free(fp);
    }
}

int baseline_write(const char *path, json_t *entries)
{
    json_t *doc = json_pack("{s:i, s:O}", "version", 1, "findings", entries);
    int rc = doc ? json_dump_file(doc, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : -1;
    json_decref(doc);
    if (rc != 0) {
        fprintf(stderr, "runbook lint: cannot write the baseline %s\n", path);
        return -1;
    }
    return 0;
}
