/*
 * journal.c — the run's journal: every event goes through emit(), which records it or, when
 * a recorded run is replayed (resume, verify), matches it against the record cursor; the
 * messages the evaluator shows (say), scrubbing secrets from outside text, runtime errors.
 *
 * Never: write to SQLite itself (record.h does), or show a secret.
 */
#include "interp.h"
#include "record.h"

/* An SGR escape for stdout / stderr, or "" when colour is off there. */
const char *hue(interp *I, const char *sgr) { return I->color ? sgr : ""; }
const char *hue_err(interp *I, const char *sgr) { return I->color_err ? sgr : ""; }

static void add_shown_keep_hues(interp *I, rb_buf *out, const char *s, size_t n)
{
    static const char *const hues[] = {HUE_OK, HUE_BAD, HUE_WARN, HUE_BOLD, HUE_OFF};
    size_t from = 0;
    for (size_t i = 0; I->color && i < n; i++) {
        if (s[i] != '\033') continue;
        for (size_t k = 0; k < sizeof hues / sizeof *hues; k++) {
            size_t L = strlen(hues[k]);
            if (L <= n - i && memcmp(s + i, hues[k], L) == 0) {
                buf_add_shown(out, s + from, i - from);
                buf_addn(out, s + i, L);
                from = i + L;
                i = from - 1;
                break;
            }
        }
    }
    buf_add_shown(out, s + from, n - from);
}

void say(interp *I, const char *fmt, ...)
{
    if (I->o->verify_quiet) return;
    if (I->status_shown) {
        fputs("\r\033[K", stdout);   /* the `wait until` status line makes room */
        I->status_shown = 0;
    }
    va_list ap;
    va_start(ap, fmt);
    rb_buf raw, shown;
    buf_init(&raw);
    buf_init(&shown);
    buf_vprintf(&raw, fmt, ap);
    va_end(ap);
    /* answers, notes, bodies and command text may hold control characters: shown escaped,
     * except the few colour codes of hue() (only when colour is on: they change a colour,
     * never the screen) */
    add_shown_keep_hues(I, &shown, buf_cstr(&raw), raw.len);
    fwrite(buf_cstr(&shown), 1, shown.len, stdout);
    fputc('\n', stdout);
    fflush(stdout);
    buf_free(&raw);
    buf_free(&shown);
}

static int is_timer_kind(const char *k)
{
    return strcmp(k, "escalation") == 0 || strcmp(k, "escalation.skipped") == 0 || strcmp(k, "timer") == 0 ||
           strcmp(k, "deadline.missed") == 0;
}

/* Events whose text holds measured values: only their kind must match when replaying. */
static int loose_kind(const char *k)
{
    return strcmp(k, "sh.end") == 0 || strcmp(k, "wait.end") == 0 || strcmp(k, "http.response") == 0 ||
           strcmp(k, "error") == 0;
}


/* An earlier interruption inside the record: run.end, errors and the Ctrl-C'd command's
 * end that a later resume (run.resume) followed. */
static int interruption_tail(interp *I, size_t i)
{
    json_t *ev;
    for (; (ev = rec_at(I, i)); i++) {
        if (strcmp(ev_str(ev, "kind"), "run.resume") == 0) return 1;
        if (!rec_is_stop(ev)) return 0;
    }
    return 0;
}

/*
 * What a resume added to the record (run.resume, the in-flight question and its answer,
 * the fresh start of a re-run action) says how the run continued, not what the runbook
 * does: a replay of the resumed run steps over it.
 */
static int resume_mark(json_t *ev)
{
    const char *k = ev_str(ev, "kind");
    json_t *d = json_object_get(ev, "data");
    if (strcmp(k, "run.resume") == 0) return 1;
    if ((strcmp(k, "prompt") == 0 || strcmp(k, "answer") == 0) && (strcmp(ev_str(d, "key"), "in_flight") == 0 || strcmp(ev_str(d, "key"), "in_flight_running") == 0))
        return 1;
    return (strcmp(k, "sh.start") == 0 || strcmp(k, "http.request") == 0) && json_is_true(json_object_get(d, "rerun"));
}

json_t *rec_next(interp *I)
{
    if (!I->replaying) return NULL;
    json_t *ev;
    while ((ev = rec_at(I, I->rpos)) && (resume_mark(ev) || interruption_tail(I, I->rpos))) I->rpos++;
    return ev;
}

/* The next recorded event that is not a timer firing (those fire by themselves when the
 * next action is emitted), or NULL when the record holds no more. */
json_t *rec_peek_action(interp *I)
{
    if (!I->replaying) return NULL;
    json_t *ev;
    for (size_t i = I->rpos; (ev = rec_at(I, i)); i++)
        if (!resume_mark(ev) && !is_timer_kind(ev_str(ev, "kind"))) return ev;
    return NULL;
}

const char *ev_str(json_t *ev, const char *k)
{
    const char *s = json_string_value(json_object_get(ev, k));
    return s ? s : "";
}

double rec_time(json_t *ev) { return clock_parse_iso(ev_str(ev, "t")); }

int rec_is_timer(json_t *ev) { return is_timer_kind(ev_str(ev, "kind")); }

/*
 * Replaying, before serving a recorded result (an answer, a command's end, a response, a
 * mail's outcome): the timer firings recorded before it are reproduced at their recorded
 * times.  Returns the next recorded event (NULL: the record ends here) in *next.
 */
ctl rec_catch_up(interp *I, json_t **next)
{
    ctl c = I->replaying && !I->in_timer ? fire_due(I) : CTL_OK;
    *next = c == CTL_OK ? rec_next(I) : NULL;
    return c;
}


/* The record ran out: resume goes live (real clock again if the run was real); verify ends. */
ctl record_exhausted(interp *I)
{
    if (I->record_failed) return CTL_STOP;   /* the record could not be read to its end */
    I->replaying = 0;
    if (I->o->verify) return CTL_OK;
    size_t replayed = rec_count(I);
    journal_close(I);   /* the record is read no further: no read is open while the run writes */
    if (I->record_failed) return CTL_STOP;
    I->went_live = 1;
    const char *clk = json_string_value(json_object_get(I->o->replay_run, "clock"));
    if (!clk || strcmp(clk, "virtual") != 0) clock_use_real();
    say(I, "\n--- the record ends here: going on live ---");
    /* nothing acts before this is recorded (a disk still full stops here, exit 3) */
    return emit(I, "run.resume", "resumed after an interruption",
                json_pack("{s:i}", "replayed_events", (int)replayed));
}

/*
 * Resume stopped at a divergence: blame the database only when the stored source fails
 * its recorded SHA-256; otherwise say that the runbook takes another path than recorded
 * (something it reads changed: the environment, a file, a command's output).
 */
static void why_diverged(interp *I)
{
    const char *src = json_string_value(json_object_get(I->o->replay_run, "source"));
    const char *sum = json_string_value(json_object_get(I->o->replay_run, "sha256"));
    char hex[65];
    rec_sha256_hex(src ? src : "", src ? strlen(src) : 0, hex);
    if (sum && strcmp(sum, hex) != 0)
        fprintf(stderr, "runbook: the stored source of run %lld does not match its SHA-256 (the database was "
                        "edited); stopping\n", (long long)I->run_id);
    else
        fprintf(stderr, "runbook: the stored runbook (intact: its SHA-256 matches) takes another path than the "
                        "record at this point; stopping.  The run stays interrupted: see it with "
                        "`runbook report %lld`.\n", (long long)I->run_id);
}

ctl diverged(interp *I, const char *kind, const char *text)
{
    if (I->diverged) return CTL_STOP;   /* reported once: what follows is a consequence */
    json_t *ev = rec_next(I);
    if (!ev && I->o->verify) {
        if (!rec_ends_with_run_end(I)) {
            /* an interrupted run: everything it recorded was reproduced */
            I->exit_code = 0;
            return CTL_STOP;
        }
    }
    const rb_node *at = I->cur_node;
    const char *file = I->cur_file ? I->cur_file->src.name : I->o->path;
    fprintf(stderr, "%s:%d:%d: the runbook diverges from the record at event %zu:\n", file, at ? at->loc.line : 0,
            at ? at->loc.col : 0, I->rpos + 1);
    if (ev)
        fprintf(stderr, "  recorded: %s: %s\n", ev_str(ev, "kind"), ev_str(ev, "text"));
    else
        fprintf(stderr, "  recorded: (the record ends)\n");
    fprintf(stderr, "  now:      %s: %s\n", kind, text);
    I->diverged = 1;
    I->exit_code = I->o->verify ? 1 : 2;
    if (!I->o->verify) why_diverged(I);
    return CTL_STOP;
}


/*
 * Replaying: the event must be the next one recorded.  Timer firings recorded before it
 * are reproduced first, by moving the clock to their time.
 */
static ctl match_event(interp *I, const char *kind, const char *text)
{
    json_t *ev = rec_next(I);
    if (!is_timer_kind(kind) && !I->in_timer) {
        ctl c = rec_catch_up(I, &ev);
        if (c != CTL_OK) return c;
    }
    if (!I->replaying) return CTL_OK;         /* the record ran out during the firings */
    if (!ev) {
        ctl c = record_exhausted(I);
        return I->o->verify ? diverged(I, kind, text) : c;
    }
    if (strcmp(ev_str(ev, "kind"), kind) != 0 || (!loose_kind(kind) && strcmp(ev_str(ev, "text"), text) != 0))
        return diverged(I, kind, text);
    clock_advance(rec_time(ev));
    I->rpos++;
    return CTL_OK;
}

/* Record an event; on failure set exit 3 and return CTL_STOP. data is consumed. */
ctl emit(interp *I, const char *kind, const char *text, json_t *data)
{
    if (I->diverged) {
        json_decref(data);
        return CTL_STOP;
    }
    if (I->o->test) test_event(I, kind, text, data);   /* runbook test: the trace */
    if (I->replaying) {
        ctl c = match_event(I, kind, text);
        if (c != CTL_OK || I->replaying || I->o->verify) {
            json_decref(data);
            return c;
        }
        /* the record ran out at this event: it is the first live one */
    }
    if (I->o->verify) {
        json_decref(data);
        return CTL_OK;
    }
    rec_event ev = {clock_now(), I->step_id, kind, text, data};
    /* only a command's start needs its seq back (act_sh.c sets its pgid on it): asking for
     * the seq commits at once, and a pure event is to ride along with the next commit */
    int r = rec_event_add(I->rec, I->run_id, &ev, strcmp(kind, "sh.start") == 0 ? &I->last_seq : NULL);
    json_decref(data);
    if (r != 0) {
        fprintf(stderr, "runbook: cannot record to the database: %s\nrunbook: stopping before the next action.\n",
                rec_error(I->rec));
        I->exit_code = 3;
        return CTL_STOP;
    }
    return CTL_OK;
}

void secret_add(interp *I, const char *clear)
{
    if (!clear || strlen(clear) < 3) return;
    for (int i = 0; i < I->nsecrets; i++)
        if (strcmp(I->secrets[i], clear) == 0) return;
    I->secrets = arena_grow(&I->mem, I->secrets, I->nsecrets, &I->capsecrets, sizeof *I->secrets, 8);
    I->secrets[I->nsecrets++] = arena_strdup(&I->mem, clear);
}

/* Register the clear text of every secret string in v (at any depth) for scrubbing: a
 * transformed secret (upper(token), to_json({k: token})) no longer contains the original. */
void secret_note(interp *I, value v)
{
    if (v.t == V_STR && v.secret) secret_add(I, v.u.s->s);
    if (v.t == V_LIST)
        for (int i = 0; i < v.u.l->n; i++) secret_note(I, v.u.l->items[i]);
    if (v.t == V_MAP)
        for (int i = 0; i < v.u.m->n; i++) secret_note(I, v.u.m->items[i].v);
}

/*
 * Copy outside bytes (command output, response bodies) into out as text for people and
 * the record: every known secret replaced by «redacted», and invalid UTF-8 or NUL bytes
 * by U+FFFD (JSON and string values need valid text).
 */
void scrub(interp *I, rb_buf *out, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        int hit = 0;
        for (int k = 0; k < I->nsecrets; k++) {
            if (I->secrets[k][0] != s[i]) continue;
            size_t L = strlen(I->secrets[k]);
            if (L <= n - i && memcmp(s + i, I->secrets[k], L) == 0) {
                buf_adds(out, REDACTED);
                i += L;
                hit = 1;
                break;
            }
        }
        if (hit) continue;
        size_t len = s[i] ? utf8_seq((const unsigned char *)s + i, n - i) : 0;
        buf_add_utf8(out, s + i, len ? len : 1);
        i += len ? len : 1;
    }
}

ctl rt_error(interp *I, const rb_node *at, const char *fmt, ...)
{
    buf_reset(&I->err);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&I->err, fmt, ap);
    va_end(ap);
    I->err_loc = at ? at->loc : (rb_loc){0, 0};
    I->err_file = I->cur_file ? I->cur_file->src.name : I->o->path;
    if (at && at->origin && I->cur_file && at->origin < I->cur_file->norigins)   /* a module's part (expand.c) */
        I->err_file = I->cur_file->origins[at->origin].file->src.name;
    return CTL_FAIL;
}

/* Show and record the pending error (after a step failed or the run aborted). */
ctl report_error(interp *I, const char *kind)
{
    rb_buf line;
    buf_init(&line);
    if (I->err_loc.line)
        buf_printf(&line, "%s:%d:%d: %s: %s", I->err_file, I->err_loc.line, I->err_loc.col, kind, buf_cstr(&I->err));
    else
        buf_printf(&line, "%s: %s", kind, buf_cstr(&I->err));
    rb_buf shown;
    buf_init(&shown);
    buf_add_shown(&shown, buf_cstr(&line), line.len);   /* a reason may quote outside text */
    fprintf(stderr, "%s%s%s\n", hue_err(I, HUE_BAD), buf_cstr(&shown), hue_err(I, HUE_OFF));
    buf_free(&shown);
    json_t *d = json_pack("{s:s, s:s?, s:i, s:i}", "message", buf_cstr(&I->err), "file", I->err_file, "line",
                          I->err_loc.line, "col", I->err_loc.col);
    ctl c = emit(I, "error", buf_cstr(&line), d);
    buf_free(&line);
    return c;
}
