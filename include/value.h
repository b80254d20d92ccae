/*
 * value.h — runtime values of the runbook language.
 *
 * Ownership rule: every value's storage lives in the run's arena (arena.h) and dies with
 * the run; values are small structs passed by copy, and lists and maps are shared by
 * reference (assigning a list does not copy it).  Strings are immutable.
 *
 * A string derived from a secret carries `secret = 1`; concatenation, interpolation,
 * conversions and every builtin propagate it (a container's flag marks its items too), and every rendering for people or for the record
 * (value_show, value_to_json with redact) prints «redacted» instead.
 */
#ifndef RB_VALUE_H
#define RB_VALUE_H

#include <stddef.h>
#include <jansson.h>
#include "arena.h"
#include "ast.h"
#include "util.h"

#define REDACTED "«redacted»"

typedef enum vtype {
    V_NIL, V_BOOL, V_NUM, V_STR, V_DUR, V_TIME, V_SEV, V_LIST, V_MAP,
    V_FN, V_BUILTIN, V_MODULE, V_INCIDENT
} vtype;

typedef struct vstr { size_t len; char s[]; } vstr;
typedef struct value value;
typedef struct vlist { int n, cap; value *items; } vlist;
typedef struct vmap_entry vmap_entry;
typedef struct vmap { int n, cap; vmap_entry *items; } vmap;

struct value {
    vtype t;
    int secret;                  /* derived from a secret: never shown in clear */
    union {
        int b;                   /* V_BOOL */
        double n;                /* V_NUM, V_DUR (seconds), V_TIME (epoch seconds), V_SEV (level) */
        const vstr *s;           /* V_STR */
        vlist *l;                /* V_LIST */
        vmap *m;                 /* V_MAP */
        const rb_node *fn;       /* V_FN: the N_FN node */
        const char *bi;          /* V_BUILTIN: the builtin's name */
        void *p;                 /* V_MODULE (a scope), V_INCIDENT (the interpreter's incident) */
    } u;
    void *env;                   /* V_FN: the module scope it was declared in */
};

struct vmap_entry { const vstr *key; value v; };

static inline value v_nil(void) { value v = {0}; v.t = V_NIL; return v; }
static inline value v_bool(int b) { value v = {0}; v.t = V_BOOL; v.u.b = !!b; return v; }
static inline value v_num(double n) { value v = {0}; v.t = V_NUM; v.u.n = n; return v; }
static inline value v_dur(double s) { value v = {0}; v.t = V_DUR; v.u.n = s; return v; }
static inline value v_time(double t) { value v = {0}; v.t = V_TIME; v.u.n = t; return v; }
static inline value v_sev(int level) { value v = {0}; v.t = V_SEV; v.u.n = level; return v; }

value v_str(arena *a, const char *s, size_t n);
value v_cstr(arena *a, const char *s);
value v_list(arena *a, int cap);
value v_map(arena *a, int cap);

void list_push(arena *a, value list, value item);
/* Map get: NULL when absent.  Map set replaces or appends (insertion order is kept). */
value *map_get(value map, const char *key);
void map_set(arena *a, value map, const char *key, value v);

const char *vtype_name(vtype t);
int value_truthy(value v);
int value_equal(value a, value b);
/* Ordering for < <= > >=: 0 ok with *cmp set, -1 when the types do not compare. */
int value_compare(value a, value b, int *cmp);

/* Text for people: strings as they are, numbers without trailing zeros, durations like
 * 1h30m, times ISO-8601, lists/maps as JSON-ish; secrets (at any depth) as «redacted». */
void value_show(rb_buf *out, value v);
/* The same but with secrets in clear: only for handing a value to a command or request. */
void value_text(rb_buf *out, value v);
/* A duration as written: 1h30m, 45s, 250ms, 0s. */
void dur_show(rb_buf *out, double secs);
/* A duration literal ("1h30m", "250ms", "20m"): seconds, or -1 when malformed. */
double parse_duration(const char *s, size_t n);

/* Does v hold a secret anywhere (itself, or any item or entry at any depth)? */
int value_has_secret(value v);
/* Make v and everything inside it secret (the items of a secret list or map are secrets). */
void value_mark_secret(value *v);

/* JSON for the record and integrations (redact: secrets as «redacted»); new reference. */
json_t *value_to_json(value v, int redact);
/* Runbook value from JSON (objects become maps, arrays lists). */
value value_from_json(arena *a, const json_t *j);

#endif
