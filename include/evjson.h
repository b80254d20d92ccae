/*
 * evjson.h — reading recorded runs and events as JSON (record.h's rec_*_json output).
 *
 * Small accessors shared by report.c and replay.c: a member is NULL (or -1) when absent or
 * of the wrong type, so garbage in the database never crashes a reader.
 */
#ifndef RB_EVJSON_H
#define RB_EVJSON_H

#include <string.h>
#include <jansson.h>

/* A string member of o; NULL when absent, or o or the member is not what it should be. */
static inline const char *sget(json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

/* An event's kind ("" when it has none). */
static inline const char *kind_of(json_t *ev)
{
    const char *k = sget(ev, "kind");
    return k ? k : "";
}

static inline int is_kind(json_t *ev, const char *k) { return strcmp(kind_of(ev), k) == 0; }
static inline json_t *data_of(json_t *ev) { return json_object_get(ev, "data"); }
static inline const char *dstr(json_t *ev, const char *k) { return sget(data_of(ev), k); }

/* Numeric member k of o into *x; 0 when it is there and a number, else -1. */
static inline int nget(json_t *o, const char *k, double *x)
{
    json_t *v = json_object_get(o, k);
    if (!json_is_number(v)) return -1;
    *x = json_number_value(v);
    return 0;
}

#endif
