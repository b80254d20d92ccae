/*
 * module.c — finding, reading, parsing and caching the modules named by `use`.
 *
 * Owns: the search order for `use name` (RUNBOOK_PATH, the installed stdlib, the build
 * tree's stdlib, the copy embedded in the binary), the resolution of `use "path.rb"`
 * against the directory of the file that says it, the canonical key that makes one module
 * one module however it is named, and the lifetime of the parsed modules.
 *
 * Never: check or evaluate a module (the checker and the evaluator do), or report that a
 * module is missing (the caller knows where the `use` is and reports there).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "module.h"
#include "parse.h"
#include "util.h"

struct stdlib_entry { const char *name; const char *text; size_t len; };
#include "stdlib.inc"

void module_set_init(module_set *ms)
{
    memset(ms, 0, sizeof *ms);
}

void module_set_free(module_set *ms)
{
    for (int i = 0; i < ms->n; i++) {
        ast_file_free(ms->items[i]->file);
        rb_free(ms->items[i]->key);
        rb_free(ms->items[i]);
    }
    rb_free(ms->items);
    memset(ms, 0, sizeof *ms);
}

/* The file's identity (device and inode: one stat, where realpath costs a readlink per
 * path component, and lint loads the same module once per runbook), else the path. */
char *module_path_key(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) return rb_xstrdup(path);
    rb_buf b;
    buf_init(&b);
    buf_printf(&b, "%llu:%llu", (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
    return buf_take(&b);
}

static module *find_key(const module_set *ms, const char *key)
{
    for (int i = 0; i < ms->n; i++)
        if (strcmp(ms->items[i]->key, key) == 0) return ms->items[i];
    return NULL;
}

/* Take ownership of key and file and add them to the set. */
static module *add(module_set *ms, char *key, ast_file *file, int syntax_errors)
{
    if (ms->n == ms->cap) {
        ms->cap = ms->cap ? ms->cap * 2 : 8;
        ms->items = rb_xrealloc(ms->items, (size_t)ms->cap * sizeof *ms->items);
    }
    module *m = rb_xcalloc(1, sizeof *m);
    m->key = key;
    m->file = file;
    m->syntax_errors = syntax_errors;
    ms->items[ms->n++] = m;
    return m;
}

static int is_regular_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Load the module file at path (already known to exist), or return the cached one. */
static module *load_file(module_set *ms, const char *path, diag_list *d)
{
    char *key = module_path_key(path);
    module *m = find_key(ms, key);
    if (m) {
        rb_free(key);
        return m;
    }
    diag_list scratch;
    diag_init(&scratch);
    diag_list *to = d ? d : &scratch;
    int before = to->syntax_errors;
    ast_file *f = parse_file(path, to);
    int errors = to->syntax_errors - before;
    diag_free(&scratch);
    if (!f) {
        rb_free(key);
        return NULL;
    }
    return add(ms, key, f, errors);
}

/* "dir/name" (dir may be empty: name alone).  Caller frees. */
static char *join_path(const char *dir, size_t dirlen, const char *name)
{
    rb_buf b;
    buf_init(&b);
    if (dirlen) {
        buf_addn(&b, dir, dirlen);
        if (dir[dirlen - 1] != '/') buf_addc(&b, '/');
    }
    buf_adds(&b, name);
    return buf_take(&b);
}

/* `use "path.rb"`: relative to the directory of from. */
static module *load_path(module_set *ms, const char *name, const char *from, diag_list *d)
{
    const char *slash = from && name[0] != '/' ? strrchr(from, '/') : NULL;
    while (name[0] == '.' && name[1] == '/') name += 2;
    char *path = join_path(from, slash ? (size_t)(slash - from) + 1 : 0, name);
    module *m = is_regular_file(path) ? load_file(ms, path, d) : NULL;
    rb_free(path);
    return m;
}

/* Look for name.rb in one directory. */
static module *try_dir(module_set *ms, const char *dir, size_t dirlen, const char *file, diag_list *d)
{
    if (dirlen == 0) return NULL;
    char *path = join_path(dir, dirlen, file);
    module *m = is_regular_file(path) ? load_file(ms, path, d) : NULL;
    rb_free(path);
    return m;
}

static module *load_embedded(module_set *ms, const char *name, diag_list *d)
{
    size_t len;
    const char *text = module_embedded(name, &len);
    if (!text) return NULL;
    rb_buf b;
    buf_init(&b);
    buf_printf(&b, "<stdlib/%s.rb>", name);
    module *m = find_key(ms, buf_cstr(&b));
    if (m) {
        buf_free(&b);
        return m;
    }
    diag_list scratch;
    diag_init(&scratch);
    diag_list *to = d ? d : &scratch;
    int before = to->syntax_errors;
    ast_file *f = parse_text(buf_cstr(&b), text, len, to);
    int errors = to->syntax_errors - before;
    diag_free(&scratch);
    return add(ms, buf_take(&b), f, errors);
}

/* `use name`: the search path, then the embedded stdlib. */
static module *load_named(module_set *ms, const char *name, diag_list *d)
{
    char *file = join_path("", 0, name);
    size_t n = strlen(file);
    file = rb_xrealloc(file, n + 4);
    memcpy(file + n, ".rb", 4);

    module *m = NULL;
    const char *rp = getenv("RUNBOOK_PATH");
    while (!m && rp && *rp) {
        size_t w = strcspn(rp, ":");
        m = try_dir(ms, rp, w, file, d);
        rp += w;
        if (*rp == ':') rp++;
    }
    if (!m) m = try_dir(ms, RUNBOOK_STDLIB_DIR, strlen(RUNBOOK_STDLIB_DIR), file, d);
    if (!m) m = try_dir(ms, RUNBOOK_SRC_DIR "/stdlib", strlen(RUNBOOK_SRC_DIR "/stdlib"), file, d);
    rb_free(file);
    if (!m) m = load_embedded(ms, name, d);
    return m;
}

module *module_load(module_set *ms, const char *name, int is_path, const char *from, diag_list *d)
{
    if (!name || !*name) return NULL;
    if (is_path) return load_path(ms, name, from, d);
    if (strchr(name, '/')) return NULL;   /* a bare name never names a path */
    return load_named(ms, name, d);
}

const char *module_embedded(const char *name, size_t *len)
{
    for (const struct stdlib_entry *e = stdlib_entries; e->name; e++) {
        if (strcmp(e->name, name) == 0) {
            if (len) *len = e->len;
            return e->text;
        }
    }
    return NULL;
}


/* The stem of a `use "path.rb"`: its start and length. */
static const char *path_stem(const char *path, size_t *len)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    *len = strlen(base);
    if (*len > 3 && strcmp(base + *len - 3, ".rb") == 0) *len -= 3;
    return base;
}

static int is_name(const char *s, size_t n)
{
    if (n == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_')) return 0;
    for (size_t i = 1; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
              s[i] == '_'))
            return 0;
    return 1;
}

const char *module_use_alias(arena *a, const rb_node *use)
{
    if (use->str2) return use->str2;
    if (use->num == 0) return use->str;
    size_t len;
    const char *stem = path_stem(use->str ? use->str : "", &len);
    return is_name(stem, len) ? arena_strndup(a, stem, len) : NULL;
}

int module_use_alias_is(const rb_node *use, const char *name)
{
    if (use->str2) return strcmp(use->str2, name) == 0;
    if (use->num == 0) return use->str && strcmp(use->str, name) == 0;
    size_t len;
    const char *stem = path_stem(use->str ? use->str : "", &len);
    return is_name(stem, len) && strlen(name) == len && strncmp(stem, name, len) == 0;
}
