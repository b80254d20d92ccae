/*
 * view_doc.c — the Markdown document of `runbook view`: the header as a table, modules,
 * params, escalation ladders, recurring actions, then phases and steps.
 *
 * Never: execute or evaluate anything from a runbook, print the value expression of a
 * `secret` (it may hold a literal credential: secrets appear by name only), print the value
 * of an Authorization header written in the source, or depend on anything but the tree, so
 * that one file always renders to the same bytes (the output is golden-tested).
 */
#include "view_int.h"

/* An escalation ladder as a table of rungs, and its repeat period after it. */
void md_ladder(md *m, const rb_node *esc)
{
    rb_buf row, cell;
    buf_init(&row);
    buf_init(&cell);
    const rb_node *repeat = NULL;
    md_put(m, "| At | Condition | Action |");
    md_put(m, "| --- | --- | --- |");
    for (const rb_node *r = esc->a; r; r = r->next) {
        if (r->kind == N_REPEAT) {
            repeat = r;
            continue;
        }
        buf_reset(&row);
        buf_addc(&row, '|');
        buf_reset(&cell);
        md_atom(&cell, r->a);
        md_cell(&row, buf_cstr(&cell));
        buf_reset(&cell);
        if (r->b) {
            buf_adds(&cell, "unless ");
            md_src(&cell, r->b);
        }
        if (r->c) {
            buf_adds(&cell, r->b ? ", when " : "when ");
            md_src(&cell, r->c);
        }
        md_cell(&row, buf_cstr(&cell));
        buf_reset(&cell);
        rb_buf src;
        buf_init(&src);
        src_stmts(&src, r->d ? r->d->a : NULL);
        if (src.len) vmd_code(&cell, buf_cstr(&src));
        buf_free(&src);
        md_cell(&row, buf_cstr(&cell));
        md_putb(m, &row);
    }
    if (repeat) {
        buf_reset(&row);
        buf_adds(&row, "Then the ladder repeats every ");
        md_atom(&row, repeat->a);
        buf_addc(&row, '.');
        md_blank(m);
        md_putb(m, &row);
    }
    buf_free(&row);
    buf_free(&cell);
}

/* A section for an escalation declared at the top level ("##") or in a phase ("###"). */
static void md_escalation_section(md *m, const rb_node *esc, int level, timer_scope scope)
{
    rb_buf h;
    buf_init(&h);
    buf_adds(&h, "Escalation");
    if (esc->str) {
        buf_adds(&h, ": ");
        md_escape(&h, esc->str, " ", 1);
    }
    md_heading(m, level, buf_cstr(&h));
    buf_reset(&h);
    buf_printf(&h, "Times are %s; the ladder stops when the incident is resolved.", scope_phrase(scope));
    md_putb(m, &h);
    md_blank(m);
    md_ladder(m, esc);
    buf_free(&h);
}

static void md_title(md *m, const ast_file *f, const rb_node *hdr)
{
    rb_buf h;
    buf_init(&h);
    buf_adds(&h, "# ");
    if (hdr) {
        vmd_text(&h, hdr->b, " ", 1);
    } else {
        buf_adds(&h, f->is_module ? "Module " : "Runbook ");
        md_escape(&h, base_name(f->src.name ? f->src.name : "?"), " ", 1);
    }
    md_putb(m, &h);
    buf_free(&h);
}

/* The label of a header field in the metadata table. */
static const char *hfield_label(const char *name)
{
    static const char *const labels[] = {"id", "ID", "severity", "Severity", "owner", "Owner",
                                         "summary", "Summary", "tags", "Tags",
                                         "respond", "Respond within", "resolve", "Resolve within"};
    for (size_t i = 0; i < sizeof labels / sizeof *labels; i += 2)
        if (strcmp(name, labels[i]) == 0) return labels[i + 1];
    return NULL;
}

static void md_hfield(md *m, const rb_node *fld)
{
    rb_buf row, cell;
    buf_init(&row);
    buf_init(&cell);
    const char *label = hfield_label(fld->str);
    buf_addc(&row, '|');
    if (label) buf_adds(&cell, label);
    else md_escape(&cell, fld->str, " ", 0);
    md_cell(&row, buf_cstr(&cell));
    buf_reset(&cell);
    if (strcmp(fld->str, "id") == 0 && is_text(fld->a)) {
        md_plain_code(&cell, fld->a);
    } else if (strcmp(fld->str, "tags") == 0 && fld->a && fld->a->kind == N_LIST) {
        for (const rb_node *t = fld->a->a; t; t = t->next) {
            md_plain_code(&cell, t);
            if (t->next) buf_adds(&cell, ", ");
        }
    } else {
        md_value(&cell, fld->a);
    }
    if (strcmp(fld->str, "respond") == 0) buf_adds(&cell, " (acknowledgement target)");
    if (strcmp(fld->str, "resolve") == 0) buf_adds(&cell, " (resolution target)");
    md_cell(&row, buf_cstr(&cell));
    md_putb(m, &row);
    buf_free(&row);
    buf_free(&cell);
}

/* The header's fields as a table: the known ones in a fixed order, then the others. */
static void md_header(md *m, const rb_node *hdr)
{
    static const char *const order[] = {"id", "severity", "owner", "summary", "tags", "respond", "resolve"};
    if (!hdr || !hdr->a) return;
    md_blank(m);
    md_put(m, "| Field | Value |");
    md_put(m, "| --- | --- |");
    for (size_t i = 0; i < sizeof order / sizeof *order; i++)
        for (const rb_node *fld = hdr->a; fld; fld = fld->next)
            if (strcmp(fld->str, order[i]) == 0) md_hfield(m, fld);
    for (const rb_node *fld = hdr->a; fld; fld = fld->next)
        if (!hfield_label(fld->str)) md_hfield(m, fld);
}

/* Does the file declare anything of this kind at the top level? */
static int has_decl(const ast_file *f, node_kind k)
{
    for (const rb_node *d = f->root ? f->root->a : NULL; d; d = d->next)
        if (d->kind == k) return 1;
    return 0;
}

static void md_modules(md *m, const ast_file *f)
{
    if (!has_decl(f, N_USE)) return;
    md_heading(m, 2, "Modules");
    rb_buf h;
    buf_init(&h);
    for (const rb_node *d = f->root->a; d; d = d->next) {
        if (d->kind != N_USE) continue;
        buf_reset(&h);
        if (d->num) md_plain_code(&h, d->a);
        else vmd_code(&h, d->str);
        if (d->num) buf_adds(&h, " (file)");
        if (d->str2) {
            buf_adds(&h, " as ");
            vmd_code(&h, d->str2);
        }
        md_head_only(m, "- ", &h);
    }
    buf_free(&h);
}

static void md_params(md *m, const ast_file *f)
{
    if (!has_decl(f, N_PARAM)) return;
    md_heading(m, 2, "Parameters");
    md_put(m, "Set with `--set NAME=VALUE`; a parameter without a default is asked for.");
    md_blank(m);
    md_put(m, "| Name | Type | Default | Description |");
    md_put(m, "| --- | --- | --- | --- |");
    rb_buf row, cell;
    buf_init(&row);
    buf_init(&cell);
    for (const rb_node *d = f->root->a; d; d = d->next) {
        if (d->kind != N_PARAM) continue;
        buf_reset(&row);
        buf_addc(&row, '|');
        buf_reset(&cell);
        vmd_code(&cell, d->str);
        md_cell(&row, buf_cstr(&cell));
        buf_reset(&cell);
        if (d->str2) vmd_code(&cell, d->str2);
        md_cell(&row, buf_cstr(&cell));
        buf_reset(&cell);
        if (d->a) md_src(&cell, d->a);
        else buf_adds(&cell, "*(asked)*");
        md_cell(&row, buf_cstr(&cell));
        buf_reset(&cell);
        if (d->b) vmd_text(&cell, d->b, "<br>", 0);
        md_cell(&row, buf_cstr(&cell));
        md_putb(m, &row);
    }
    buf_free(&row);
    buf_free(&cell);
}

/* Secrets by name only: their value expressions may hold literal credentials. */
static void md_secrets(md *m, const ast_file *f)
{
    if (!has_decl(f, N_SECRET)) return;
    md_heading(m, 2, "Secrets");
    md_put(m, "Values are never shown; anything derived from them is redacted in output and records.");
    md_blank(m);
    rb_buf h;
    buf_init(&h);
    for (const rb_node *d = f->root->a; d; d = d->next) {
        if (d->kind != N_SECRET) continue;
        buf_reset(&h);
        vmd_code(&h, d->str);
        md_head_only(m, "- ", &h);
    }
    buf_free(&h);
}

static void md_globals(md *m, const ast_file *f)
{
    if (!has_decl(f, N_LET)) return;
    md_heading(m, 2, "Variables");
    rb_buf h, src;
    buf_init(&h);
    buf_init(&src);
    for (const rb_node *d = f->root->a; d; d = d->next) {
        if (d->kind != N_LET) continue;
        buf_reset(&h);
        buf_reset(&src);
        src_stmt(&src, d);
        vmd_code(&h, buf_cstr(&src));
        md_head_only(m, "- ", &h);
    }
    buf_free(&h);
    buf_free(&src);
}

static void md_timers(md *m, const ast_file *f)
{
    for (const rb_node *d = f->root ? f->root->a : NULL; d; d = d->next)
        if (d->kind == N_ESCALATION) md_escalation_section(m, d, 2, SCOPE_INCIDENT);
    if (!has_decl(f, N_EVERY)) return;
    md_heading(m, 2, "Recurring");
    md_put(m, "Each fires first one interval after the run starts.");
    md_blank(m);
    for (const rb_node *d = f->root->a; d; d = d->next)
        if (d->kind == N_EVERY) md_every(m, d, "- ", SCOPE_INCIDENT);
}

/* Every step at a glance, linked to its section. */
static void md_contents(md *m)
{
    if (m->steps->n == 0) return;
    md_heading(m, 2, "Steps");
    rb_buf h;
    buf_init(&h);
    for (int i = 0; i < m->steps->n; i++) {
        const view_step *s = &m->steps->v[i];
        buf_reset(&h);
        buf_printf(&h, "%d. [", i + 1);
        vmd_text(&h, s->node->d, " ", 0);
        buf_adds(&h, "](#");
        md_anchor(&h, s->id);
        buf_addc(&h, ')');
        if (s->phase) {
            buf_adds(&h, " — ");
            vmd_text(&h, s->phase->b, " ", 0);
        }
        md_putb(m, &h);
    }
    buf_free(&h);
}

/* "Id: `x` · Within: 10m · Timeout: 5m · Retries: 2" */
static void md_step_meta(md *m, const view_step *s)
{
    rb_buf h;
    buf_init(&h);
    buf_adds(&h, "Id: ");
    vmd_code(&h, s->id);
    if (s->slugged) buf_adds(&h, " (from the title)");
    const ast_file *f = m->steps ? m->steps->file : NULL;
    if (f && s->node->origin && s->node->origin < f->norigins) {   /* a module's shared part */
        const ast_origin *o = &f->origins[s->node->origin];
        const char *base = strrchr(o->file->src.name, '/');
        buf_printf(&h, " · From: %s:%d (`%s`)", base ? base + 1 : o->file->src.name, s->node->loc.line, o->what);
    }
    for (const rb_node *o = s->node->opts; o; o = o->next) {
        const char *name = strcmp(o->str, "within") == 0 ? "Within" : strcmp(o->str, "timeout") == 0 ? "Timeout" :
                           strcmp(o->str, "retries") == 0 ? "Retries" : o->str;
        buf_printf(&h, " · %s: ", name);
        md_atom(&h, o->a);
    }
    md_putb(m, &h);
    buf_free(&h);
}

/* A step block (rollback, on failure) under its own small heading. */
static void md_step_extra(md *m, const char *title, const rb_node *blk)
{
    if (!blk) return;
    md_heading(m, 4, title);
    if (blk->a) md_block(m, blk, 1);
    else md_put(m, "*Nothing to do.*");
}

static void md_step(md *m, int i)
{
    const view_step *s = &m->steps->v[i];
    rb_buf h;
    buf_init(&h);
    buf_adds(&h, "<a id=\"");
    md_anchor(&h, s->id);
    buf_printf(&h, "\"></a>%d. ", i + 1);
    vmd_text(&h, s->node->d, " ", 1);
    md_heading(m, 3, buf_cstr(&h));
    md_step_meta(m, s);
    md_blank(m);
    if (s->node->a && s->node->a->a) md_block(m, s->node->a, 1);
    else md_put(m, "*No actions.*");
    md_step_extra(m, "Rollback", s->node->b);
    md_step_extra(m, "On failure", s->node->c);
    buf_free(&h);
}

static void md_phase(md *m, const rb_node *ph)
{
    rb_buf h;
    buf_init(&h);
    buf_adds(&h, "Phase: ");
    vmd_text(&h, ph->b, " ", 1);
    const rb_node *within = ast_opt(ph, "within");
    if (within) {
        buf_adds(&h, " (within ");
        md_atom(&h, within->a);
        buf_addc(&h, ')');
    }
    md_heading(m, 2, buf_cstr(&h));
    if (!ph->a) md_put(m, "*No steps.*");
    for (const rb_node *it = ph->a; it; it = it->next) {
        if (it->kind == N_STEP) {
            md_step(m, steps_index(m->steps, it));
        } else if (it->kind == N_ESCALATION) {
            md_escalation_section(m, it, 3, SCOPE_PHASE);
        } else if (it->kind == N_EVERY) {
            md_heading(m, 3, "Recurring");
            md_every(m, it, "- ", SCOPE_PHASE);
        }
    }
    buf_free(&h);
}

/* Phases and steps in source order; steps between phases under a heading of their own. */
static void md_procedure(md *m, const ast_file *f)
{
    int in_steps = 0, phases = has_decl(f, N_PHASE);
    for (const rb_node *d = f->root ? f->root->a : NULL; d; d = d->next) {
        if (d->kind == N_PHASE) {
            md_phase(m, d);
            in_steps = 0;
        } else if (d->kind == N_STEP) {
            if (!in_steps) md_heading(m, 2, phases ? "Steps outside any phase" : "Procedure");
            in_steps = 1;
            md_step(m, steps_index(m->steps, d));
        }
    }
}

static void md_functions(md *m, const ast_file *f)
{
    if (!has_decl(f, N_FN)) return;
    md_heading(m, 2, "Functions");
    rb_buf h, sig;
    buf_init(&h);
    buf_init(&sig);
    for (const rb_node *d = f->root->a; d; d = d->next) {
        if (d->kind != N_FN) continue;
        buf_reset(&h);
        buf_reset(&sig);
        buf_printf(&sig, "%s(", d->str);
        for (const rb_node *p = d->a; p; p = p->next) buf_printf(&sig, "%s%s", p->str, p->next ? ", " : "");
        buf_addc(&sig, ')');
        vmd_code(&h, buf_cstr(&sig));
        md_head_only(m, "- ", &h);
    }
    buf_free(&h);
    buf_free(&sig);
}

/*
 * Write f as a Markdown document to out: title and metadata table, modules, parameters,
 * secrets (names only), variables, escalation ladders and recurring actions, a list of the
 * steps, each phase with its steps as numbered procedures (rollback and on-failure blocks
 * as sub-sections), and the functions.  f must have parsed (f->root may still be NULL: then
 * only the title is written).  Never evaluates anything; the output ends with one newline.
 */
void view_markdown(FILE *out, const ast_file *f)
{
    step_table steps;
    steps_collect(&steps, f);
    md m = {.out = out, .steps = &steps};
    buf_init(&m.prefix);
    const rb_node *hdr = file_header(f);
    md_title(&m, f, hdr);
    md_header(&m, hdr);
    md_modules(&m, f);
    md_params(&m, f);
    md_secrets(&m, f);
    md_globals(&m, f);
    md_timers(&m, f);
    md_contents(&m);
    md_procedure(&m, f);
    md_functions(&m, f);
    buf_free(&m.prefix);
    steps_free(&steps);
}
