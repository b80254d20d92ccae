/*
 * lint_out.c — lint's rule catalogue and how findings are written for people and for CI.
 *
 * Owns: the table of rule ids with their descriptions (--list-rules, --explain, SARIF's
 * tool.driver.rules), and the five renderings: gcc-style text with a caret, JSON, SARIF
 * 2.1.0, GitHub workflow commands (annotations on a pull request) and checkstyle XML.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>
#include "lint.h"

static const lint_rule catalogue[] = {
    {"RB000", "error", "A checker or syntax error",
     "The runbook does not parse, or the checker found an error (an undefined name, a goto to no step, a bad "
     "header field, ...). Errors stop `runbook exec` before anything runs; they cannot be suppressed."},
    {"RB100", "unknown-header-field", "Unknown header field",
     "The header knows id, severity, owner, summary, tags, respond within, resolve within and unattended. Any other "
     "field is probably a typo."},
    {"RB101", "raw-untrusted-input", "raw() of untrusted input",
     "raw(x) puts x into a sh command unquoted. When x came from a prompt or an HTTP response, an answer like "
     "`x; rm -rf /` reaches the shell. Drop raw() or validate the answer with pattern:."},
    {"RB102", "unconfirmed-command", "A command that may change things without a confirm",
     "A sh that is not marked readonly in a step where no confirm or choose comes before it. Put a confirm before "
     "it, or mark a command that changes nothing readonly."},
    {"RB103", "unused-global", "A param or global that is never used",
     "A param or top-level let that nothing reads."},
    {"RB104", "no-escalation", "A P1/P2 runbook without an escalation",
     "A severity P1 or P2 runbook with no escalation block: nobody is paged when nobody responds."},
    {"RB105", "hard-coded-credential", "A hard-coded credential",
     "A secret whose value is a string literal, or an Authorization header written as a literal. Read credentials "
     "from the environment with env(\"NAME\")."},
    {"RB106", "dead-step-after-goto", "A step that can never run",
     "A step right after one whose body always ends with goto or abort, when no goto leads to it."},
    {"RB107", "destructive-without-confirm", "A destructive command without a confirm in a P1/P2 runbook",
     "In a P1 or P2 runbook, a sh command that deletes, drops, terminates, fails over, kills or wipes something "
     "(rm, drop, delete, terminate, failover, kubectl delete, ...), or an http DELETE, with no confirm or choose "
     "before it in its step. Under pressure, a responder must say yes before anything irreversible happens."},
    {"RB108", "late-first-page", "The escalation pages after the response target",
     "The first rung of an escalation that pages someone (else its first rung) comes after the header's "
     "`respond within`: the response target is missed before anyone is called."},
    {"RB109", "no-status-timer", "A P1/P2 runbook without a status-update timer",
     "A severity P1 or P2 runbook with no `every` timer: stakeholders get no regular status update."},
    {"RB110", "deadline-past-resolve", "A within deadline longer than the resolve target",
     "A step or phase `within D` whose D is longer than the header's `resolve within`: the deadline can never "
     "matter before the incident's own target is missed."},
    {"RB111", "unreachable-step", "A step no path reaches",
     "No path from the first step through fall-through and gotos reaches this step (a chain of steps that only "
     "jump to each other, or the steps after a dead one)."},
    {"RB112", "single-arm-choose", "A choose with a single option",
     "A choose with one option asks a question with one answer. Use confirm, or add the other options."},
    {"RB113", "plain-http", "An http request to a plain http:// URL off this machine",
     "Requests (and the tokens in their headers) to a host other than localhost travel in the clear. Use https://."},
    {"RB114", "secret-on-command-line", "A secret on a command line",
     "A secret interpolated into a sh command becomes part of the process's arguments, which every user of the "
     "machine can read in ps. Pass it in the environment: sh(\"curl -H \\\"Authorization: $TOKEN\\\" ...\", "
     "env: {TOKEN: token})."},
    {"RB115", "wait-without-timeout", "wait until without a timeout",
     "A `wait until` with no timeout waits forever when the condition never becomes true."},
    {"RB116", "prompt-in-unattended", "A prompt with no default in an unattended runbook",
     "A runbook whose header says `unattended true` is meant to run with nobody at the keyboard; a prompt without "
     "a default (confirm, choose and checklist statements never have one) stops it."},
    {"RB117", "unused-suppression", "A suppression that suppresses nothing",
     "A `# runbook:disable` or `# runbook:disable-file` comment that names a rule with no finding where it applies, "
     "or a rule id that does not exist. Remove it, so that it does not hide a future finding."},
    {"SC", "shellcheck", "A shellcheck finding inside a sh command",
     "shellcheck's finding about a sh command string, at the character of the runbook it is about. The rule id is "
     "shellcheck's code (SC2086); its wiki page explains it."},
};

#define NRULES ((int)(sizeof catalogue / sizeof *catalogue))

const lint_rule *lint_rules_all(int *n)
{
    *n = NRULES;
    return catalogue;
}

const lint_rule *lint_rule_find(const char *id)
{
    if (!id) id = "RB000";
    if (strncmp(id, "SC", 2) == 0 && id[2]) return &catalogue[NRULES - 1];
    for (int i = 0; i < NRULES - 1; i++)
        if (strcasecmp(catalogue[i].id, id) == 0) return &catalogue[i];
    return NULL;
}

void lint_help_uri(rb_buf *b, const char *id)
{
    if (!id) id = "RB000";
    if (strncmp(id, "SC", 2) == 0) {
        buf_printf(b, "https://www.shellcheck.net/wiki/%s", id);
        return;
    }
    const char *base = getenv("RUNBOOK_DOCS_URL");
    if (base && *base) buf_printf(b, "%s", base);
    else buf_printf(b, "file://%s/docs/lint.md", RUNBOOK_SRC_DIR);
    buf_addc(b, '#');
    for (const char *p = id; *p; p++) buf_addc(b, (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p));
}

int lint_list_rules(FILE *out)
{
    for (int i = 1; i < NRULES; i++)
        fprintf(out, "%-6s %-28s %s\n", catalogue[i].id, catalogue[i].name, catalogue[i].short_desc);
    return 0;
}

int lint_explain(FILE *out, const char *id)
{
    const lint_rule *r = lint_rule_find(id);
    if (!r) {
        fprintf(stderr, "runbook lint: no rule '%s' (runbook lint --list-rules lists them)\n", id);
        return 2;
    }
    rb_buf u;
    buf_init(&u);
    lint_help_uri(&u, strncmp(id, "SC", 2) == 0 ? id : r->id);
    fprintf(out, "%s (%s): %s\n\n", strncmp(id, "SC", 2) == 0 ? id : r->id, r->name, r->short_desc);
    /* The description, wrapped at 88 columns. */
    const char *p = r->full_desc;
    while (*p) {
        size_t len = strlen(p), cut = len;
        if (len > 88) {
            cut = 88;
            while (cut > 0 && p[cut] != ' ') cut--;
            if (cut == 0) cut = strcspn(p, " ");
        }
        fprintf(out, "%.*s\n", (int)cut, p);
        p += cut;
        while (*p == ' ') p++;
    }
    fprintf(out, "\nSee %s\n", buf_cstr(&u));
    buf_free(&u);
    return 0;
}

/* ------------------------------------------------------------------ output */

struct lint_out {
    lint_format fmt;
    int color;
    json_t *results;       /* json: diagnostics; sarif: results */
    json_t *rules;         /* sarif: tool.driver.rules */
    json_t *rule_index;    /* sarif: rule id -> index in rules */
    rb_buf xml;            /* checkstyle */
    rb_buf text;           /* text: what goes to stderr next (written in blocks, not a write per line) */
};

/* Write out the text rendered so far (stderr is unbuffered). */
static void text_flush(lint_out *o)
{
    if (!o->text.len) return;
    fwrite(o->text.data, 1, o->text.len, stderr);
    buf_reset(&o->text);
}

static int sarif_rule(lint_out *o, const char *id, const char *msg);

lint_out *lint_out_new(lint_format fmt, int color)
{
    lint_out *o = rb_xcalloc(1, sizeof *o);
    o->fmt = fmt;
    o->color = color;
    o->results = json_array();
    o->rules = json_array();
    o->rule_index = json_object();
    buf_init(&o->xml);
    buf_init(&o->text);
    /* SARIF lists every rule of the catalogue (shellcheck codes join as they are found). */
    for (int i = 0; fmt == FMT_SARIF && i < NRULES - 1; i++) sarif_rule(o, catalogue[i].id, NULL);
    if (fmt == FMT_CHECKSTYLE) buf_adds(&o->xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<checkstyle version=\"4.3\">\n");
    return o;
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

static json_t *jfmt(const char *fmt, const char *a, const char *b)
{
    rb_buf t;
    buf_init(&t);
    buf_printf(&t, fmt, a, b);
    json_t *j = jtext(buf_cstr(&t));
    buf_free(&t);
    return j;
}

/* The index of rule id in tool.driver.rules (added on first use; a shellcheck code is
 * described by the text of its first finding). */
static int sarif_rule(lint_out *o, const char *id, const char *msg)
{
    json_t *have = json_object_get(o->rule_index, id);
    if (have) return (int)json_integer_value(have);
    const lint_rule *r = lint_rule_find(id);
    rb_buf u;
    buf_init(&u);
    lint_help_uri(&u, id);
    int sc = strncmp(id, "SC", 2) == 0;
    const char *sc_text = msg && strncmp(msg, "shellcheck ", 11) == 0 && strstr(msg, ": ") ? strstr(msg, ": ") + 2 : id;
    json_t *rule = json_pack("{s:s, s:o, s:{s:o}, s:{s:o}, s:s, s:{s:s}}", "id", id, "name",
                             sc ? jfmt("shellcheck-%s%s", id + 2, "") : jtext(r ? r->name : id), "shortDescription",
                             "text", sc ? jfmt("%s (shellcheck %s)", sc_text, id) : jtext(r ? r->short_desc : id),
                             "fullDescription", "text", jtext(r ? r->full_desc : id), "helpUri", buf_cstr(&u),
                             "defaultConfiguration", "level", strcmp(id, "RB000") == 0 ? "error" : "warning");
    buf_free(&u);
    int i = (int)json_array_size(o->rules);
    json_array_append_new(o->rules, rule);
    json_object_set_new(o->rule_index, id, json_integer(i));
    return i;
}

/* GitHub workflow commands: %, CR and LF are escaped everywhere, ':' and ',' in properties. */
static void gh_escape(FILE *out, const char *s, int property)
{
    for (; *s; s++) {
        if (*s == '%') fputs("%25", out);
        else if (*s == '\r') fputs("%0D", out);
        else if (*s == '\n') fputs("%0A", out);
        else if (property && *s == ':') fputs("%3A", out);
        else if (property && *s == ',') fputs("%2C", out);
        else fputc(*s, out);
    }
}

static void xml_escape(rb_buf *b, const char *s)
{
    rb_buf u;
    buf_init(&u);
    buf_add_utf8(&u, s, strlen(s));
    for (const char *p = buf_cstr(&u); *p; p++) {
        switch (*p) {
        case '&': buf_adds(b, "&amp;"); break;
        case '<': buf_adds(b, "&lt;"); break;
        case '>': buf_adds(b, "&gt;"); break;
        case '"': buf_adds(b, "&quot;"); break;
        case '\'': buf_adds(b, "&apos;"); break;
        default:
            if ((unsigned char)*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') buf_addc(b, ' ');
            else buf_addc(b, *p);
        }
    }
    buf_free(&u);
}

static void out_one(lint_out *o, const diag *g)
{
    const char *file = g->src ? g->src->name : "";
    const char *rule = g->rule ? g->rule : "RB000";
    switch (o->fmt) {
    case FMT_TEXT:
        diag_format(&o->text, g, o->color);
        if (o->text.len >= 64 * 1024) text_flush(o);
        break;
    case FMT_JSON:
        json_array_append_new(o->results, json_pack("{s:o, s:i, s:i, s:s, s:s?, s:o}", "file", jtext(file), "line",
                                                     g->loc.line, "column", g->loc.col, "severity",
                                                     level_str(g->level), "rule", g->rule, "message", jtext(g->msg)));
        break;
    case FMT_SARIF: {
        int idx = sarif_rule(o, rule, g->msg);
        json_array_append_new(o->results,
                              json_pack("{s:s, s:i, s:s, s:{s:o}, s:[{s:{s:{s:o}, s:{s:i, s:i}}}]}", "ruleId", rule,
                                        "ruleIndex", idx, "level", level_str(g->level), "message", "text",
                                        jtext(g->msg), "locations", "physicalLocation", "artifactLocation", "uri",
                                        jtext(file), "region", "startLine", g->loc.line > 0 ? g->loc.line : 1,
                                        "startColumn", g->loc.col > 0 ? g->loc.col : 1));
        break;
    }
    case FMT_GITHUB:
        fprintf(stdout, "::%s file=", g->level == DIAG_ERROR ? "error" : g->level == DIAG_WARNING ? "warning" : "notice");
        gh_escape(stdout, file, 1);
        fprintf(stdout, ",line=%d,col=%d,title=", g->loc.line, g->loc.col);
        gh_escape(stdout, rule, 1);
        fputs("::", stdout);
        gh_escape(stdout, g->msg, 0);
        fprintf(stdout, " [%s]\n", rule);
        break;
    case FMT_CHECKSTYLE:
        buf_printf(&o->xml, "    <error line=\"%d\" column=\"%d\" severity=\"%s\" message=\"", g->loc.line, g->loc.col,
                   g->level == DIAG_ERROR ? "error" : g->level == DIAG_WARNING ? "warning" : "info");
        xml_escape(&o->xml, g->msg);
        buf_printf(&o->xml, "\" source=\"runbook.%s\"/>\n", rule);
        break;
    }
}

void lint_out_file(lint_out *o, const char *file, const diag_list *d)
{
    /* A file's diagnostics may name its modules: checkstyle groups them under each name. */
    const char *open = NULL;
    for (int k = 0; k < d->n; k++) {
        const diag *g = &d->items[k];
        if (o->fmt == FMT_CHECKSTYLE) {
            const char *name = g->src ? g->src->name : file;
            if (!open || strcmp(open, name) != 0) {
                if (open) buf_adds(&o->xml, "  </file>\n");
                buf_adds(&o->xml, "  <file name=\"");
                xml_escape(&o->xml, name);
                buf_adds(&o->xml, "\">\n");
                open = name;
            }
        }
        out_one(o, g);
    }
    if (open) buf_adds(&o->xml, "  </file>\n");
    text_flush(o);
    if (d->truncated && o->fmt == FMT_TEXT) fprintf(stderr, "%s: too many errors; stopped reporting\n", file);
}

void lint_out_finish(lint_out *o, int files, int errors, int warnings)
{
    json_t *doc = NULL;
    if (o->fmt == FMT_TEXT) {
        if (errors || warnings)
            fprintf(stderr, "%d error%s, %d warning%s in %d file%s\n", errors, errors == 1 ? "" : "s", warnings,
                    warnings == 1 ? "" : "s", files, files == 1 ? "" : "s");
    } else if (o->fmt == FMT_JSON) {
        doc = json_pack("{s:i, s:i, s:i, s:O}", "files", files, "errors", errors, "warnings", warnings, "diagnostics",
                        o->results);
    } else if (o->fmt == FMT_SARIF) {
        doc = json_pack("{s:s, s:s, s:[{s:{s:{s:s, s:s, s:O}}, s:O}]}", "$schema",
                        "https://json.schemastore.org/sarif-2.1.0.json", "version", "2.1.0", "runs", "tool", "driver",
                        "name", "runbook", "semanticVersion", "0.1.0", "rules", o->rules, "results", o->results);
    } else if (o->fmt == FMT_CHECKSTYLE) {
        buf_adds(&o->xml, "</checkstyle>\n");
        fputs(buf_cstr(&o->xml), stdout);
    }
    if (doc) {
        char *s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (s) {
            puts(s);
            free(s);
        }
        json_decref(doc);
    }
    json_decref(o->results);
    json_decref(o->rules);
    json_decref(o->rule_index);
    buf_free(&o->xml);
    buf_free(&o->text);
    rb_free(o);
}
