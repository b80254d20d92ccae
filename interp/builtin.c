/*
 * builtin.c — the table of builtin functions and values.
 *
 * Owns: which names exist without a declaration, their positional arity, the named
 * options each accepts, whether they prompt, and a one-line description for help and the
 * REPL.  The table is the single source of truth: the checker reads it to report
 * undefined names and wrong calls, the evaluator binds each entry to its implementation.
 *
 * Never: implement a builtin here (the evaluator does), or hold mutable state.
 */
#include <string.h>
#include "builtin.h"

#define FN(name, lo, hi, named, doc) {name, BI_FUNCTION, lo, hi, 0, doc, named}
#define PROMPT(name, lo, hi, named, doc) {name, BI_FUNCTION, lo, hi, 1, doc, named}
#define VAL(name, doc) {name, BI_VALUE, 0, 0, 0, doc, ""}

/* Sorted by theme, not by name: this order is the order of `runbook help builtins`. */
static const builtin_info table[] = {
    /* the incident */
    VAL("incident", "the incident: id, title, severity, status, commander, roles, started_at, elapsed, ..."),
    VAL("acknowledged", "true once the incident has been acknowledged (same as incident.acknowledged)"),
    VAL("resolved", "true once the incident has been resolved (same as incident.resolved)"),
    FN("acknowledge", 0, 0, "", "acknowledge() — mark the incident acknowledged (records MTTA)"),
    FN("resolve", 0, 1, "", "resolve([summary]) — mark the incident resolved (records MTTR); stops escalations"),
    FN("timeline", 1, 1, "", "timeline(text) — add an entry to the post-mortem timeline"),
    FN("action_item", 1, 1, "owner due", "action_item(text, owner: o, due: d) — a follow-up for the post-mortem"),

    /* prompts: never inside an escalation or every body */
    PROMPT("ask", 1, 1, "default pattern secret key", "ask(q, default:, pattern:, secret:, key:) — a free-text answer"),
    PROMPT("confirm", 1, 1, "default key", "confirm(q, default:, key:) — a yes/no answer as a bool"),
    PROMPT("choose", 2, 2, "default key", "choose(q, options, default:, key:) — one of the options (text or 1-based number)"),
    PROMPT("checklist", 2, 2, "key", "checklist(title, items) — each item done / not done / n.a.; returns a map"),

    /* environment and time */
    FN("env", 1, 2, "", "env(name[, default]) — an environment variable, or default (nil) when unset"),
    FN("now", 0, 0, "", "now() — the current time (virtual under --clock virtual)"),
    FN("duration", 1, 1, "", "duration(s) — parse \"1h30m\" into a duration"),
    FN("time", 1, 1, "", "time(s) — parse an ISO-8601 timestamp into a time"),
    FN("seconds", 1, 1, "", "seconds(n) — a duration of n seconds"),
    FN("minutes", 1, 1, "", "minutes(n) — a duration of n minutes"),
    FN("hours", 1, 1, "", "hours(n) — a duration of n hours"),
    FN("format_duration", 1, 1, "", "format_duration(d) — a duration as written: \"1h5m\""),

    /* strings */
    FN("raw", 1, 1, "", "raw(s) — interpolate s into a sh command unquoted (lint flags untrusted input)"),
    FN("str", 1, 1, "", "str(x) — x as a string"),
    FN("trim", 1, 1, "", "trim(s) — s without leading and trailing white space"),
    FN("upper", 1, 1, "", "upper(s) — s in upper case"),
    FN("lower", 1, 1, "", "lower(s) — s in lower case"),
    FN("replace", 3, 3, "", "replace(s, a, b) — s with every a replaced by b"),
    FN("split", 1, 2, "", "split(s[, sep]) — a list of the pieces of s (white space when sep is omitted)"),
    FN("join", 1, 2, "", "join(list[, sep]) — the items of list as one string, sep between them"),
    FN("starts_with", 2, 2, "", "starts_with(s, p) — does s begin with p"),
    FN("ends_with", 2, 2, "", "ends_with(s, p) — does s end with p"),
    FN("matches", 2, 2, "", "matches(s, re) — does s match the POSIX extended regular expression re"),
    FN("url_encode", 1, 1, "", "url_encode(s) — s percent-encoded for a URL"),
    FN("from_json", 1, 1, "", "from_json(s) — parse JSON text into a value"),
    FN("to_json", 1, 1, "", "to_json(v) — v as JSON text"),

    /* numbers */
    FN("num", 1, 1, "", "num(x) — x as a number (nil when it is not one)"),
    FN("int", 1, 1, "", "int(x) — x as a whole number, truncated"),
    FN("abs", 1, 1, "", "abs(n) — the absolute value of n"),
    FN("round", 1, 1, "", "round(n) — n rounded to the nearest whole number"),
    FN("min", 1, -1, "", "min(a, b, ...) or min(list) — the smallest value"),
    FN("max", 1, -1, "", "max(a, b, ...) or max(list) — the largest value"),

    /* lists and maps */
    FN("len", 1, 1, "", "len(x) — the length of a string, list or map"),
    FN("keys", 1, 1, "", "keys(m) — the keys of map m, in order"),
    FN("values", 1, 1, "", "values(m) — the values of map m, in order"),
    FN("contains", 2, 2, "", "contains(x, y) — does string/list/map x contain y"),
    FN("sort", 1, 1, "", "sort(list) — a sorted copy of list"),
    FN("push", 2, 2, "", "push(list, x) — append x to list (in place); returns the list"),
    FN("range", 1, 2, "", "range(n) or range(a, b) — the numbers 0..n-1 or a..b-1"),

    /* misc */
    FN("type", 1, 1, "", "type(x) — \"nil\", \"bool\", \"number\", \"string\", \"duration\", \"time\", \"list\", \"map\", ..."),
    FN("print", 0, -1, "", "print(x, ...) — write values to the terminal (not recorded; use note for that)"),
    FN("send_mail", 5, 5, "user password", "send_mail(url, from, to, subject, text, user:, password:) — e-mail through SMTP; {ok, error}"),

    /* tests: only inside test "name" { … } in a *.test.rb file (docs/testing.md) */
    FN("answer", 2, 2, "after by reason", "answer(prompt or key, value, after: d, by: name, reason: r) — script one answer (each is used once, in order); by and reason: an approval's approver and why"),
    FN("stub_sh", 1, 1, "exit stdout stderr delay times", "stub_sh(pattern, exit:, stdout:, stderr:, delay:, times:) — a command's result"),
    FN("stub_http", 2, 2, "status body headers delay times", "stub_http(method, url pattern, status:, body:, headers:, delay:, times:) — a response"),
    FN("stub_mail", 1, 1, "ok error", "stub_mail(to pattern, ok:, error:) — the outcome of an e-mail"),
    FN("allow_sh", 1, 1, "", "allow_sh(pattern) — let matching commands really run"),
    FN("allow_http", 2, 2, "", "allow_http(method, url pattern) — let matching requests really go out"),
    FN("start_clock", 1, 1, "", "start_clock(iso) — the virtual time the runbook starts at"),
    FN("set_env", 2, 2, "", "set_env(name, value) — an environment variable for the runbook (contacts, URLs)"),
    FN("run_runbook", 1, 2, "incident start_at stop_at", "run_runbook(path, {params}, incident:, start_at:, stop_at:) — run it; {steps, commands, notifications, status, ...}"),
    FN("expect", 1, 2, "", "expect(condition, message) — the test fails when condition is false"),
    FN("expect_steps", 2, 2, "", "expect_steps(r, [ids]) — exactly these steps were run, in this order"),
    FN("expect_commands", 2, 2, "", "expect_commands(r, [commands]) — exactly these commands were run, in this order"),
    FN("expect_order", 2, 2, "", "expect_order(r, [ids]) — these steps were run in this order (others may come between)"),
    FN("expect_step", 2, 2, "", "expect_step(r, id) — the step was run"),
    FN("expect_no_step", 2, 2, "", "expect_no_step(r, id) — the step was never run"),
    FN("expect_command", 2, 2, "", "expect_command(r, pattern) — a command matching pattern was run"),
    FN("expect_no_command", 2, 2, "", "expect_no_command(r, pattern) — no command matching pattern was run"),
    FN("expect_request", 3, 3, "", "expect_request(r, method, url pattern) — such a request was sent"),
    FN("expect_notified", 2, 2, "at kind", "expect_notified(r, who, at: minute, kind: \"page\") — who was notified (at that minute)"),
    FN("expect_not_notified", 2, 2, "kind", "expect_not_notified(r, who, kind:) — who was never notified"),
    FN("expect_status", 2, 2, "", "expect_status(r, status) — the run ended finished / failed / aborted"),
    FN("expect_exit", 2, 2, "", "expect_exit(r, code) — the run's exit status"),
    FN("expect_incident", 3, 3, "", "expect_incident(r, field, value) — the incident's final status, severity, ..."),
    {NULL, BI_VALUE, 0, 0, 0, NULL, NULL},
};

const builtin_info *builtin_find(const char *name)
{
    for (const builtin_info *b = table; b->name; b++)
        if (strcmp(b->name, name) == 0) return b;
    return NULL;
}

const builtin_info *builtin_all(void)
{
    return table;
}

int builtin_takes_named(const builtin_info *b, const char *name)
{
    if (!b->named) return 1;
    size_t n = strlen(name);
    for (const char *p = b->named; *p;) {
        size_t w = strcspn(p, " ");
        if (w == n && strncmp(p, name, n) == 0) return 1;
        p += w;
        while (*p == ' ') p++;
    }
    return 0;
}
