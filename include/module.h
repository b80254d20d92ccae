/*
 * module.h — finding and loading the modules named by `use`.
 *
 * `use name` looks for name.rb in: each directory of RUNBOOK_PATH (':'-separated), the
 * installed stdlib directory (RUNBOOK_STDLIB_DIR), the build tree's stdlib/, and last the
 * copy embedded in the binary (shown as "<stdlib/name.rb>").  `use "path.rb"` is relative
 * to the directory of the file that says it (absolute paths are taken as they are).
 * Loaded modules are parsed once and cached in a module_set, which owns them.
 */
#ifndef RB_MODULE_H
#define RB_MODULE_H

#include "ast.h"
#include "diag.h"

typedef struct module {
    char *key;            /* canonical identity: resolved path or "<stdlib/name.rb>" */
    ast_file *file;       /* parsed module (root NULL if it did not parse) */
    int syntax_errors;    /* syntax errors its parse reported (then it is not checked) */
    int checked;          /* the checker has been over it */
    int loading;          /* being checked right now (cycle detection) */
} module;

typedef struct module_set {
    module **items;       /* stable pointers: a module never moves once loaded */
    int n, cap;
} module_set;

void module_set_init(module_set *ms);
/* Free every module and its parsed file (diagnostics that point into them die first). */
void module_set_free(module_set *ms);

/*
 * Resolve and load the module `use` names from the file `from` (its path, for relative
 * paths; NULL means the current directory).  is_path: the `use "…"` form.  Returns the
 * cached module, or NULL when it cannot be found or read (nothing is reported: the caller
 * reports at the `use`).  Syntax errors of the module go to d (dropped when d is NULL), the
 * first time it is loaded.
 */
module *module_load(module_set *ms, const char *name, int is_path, const char *from, diag_list *d);

/* The canonical key of a file on disk (its realpath, or path itself when that fails).
 * The caller frees it with rb_free. */
char *module_path_key(const char *path);

/* The name a `use` gives its module: `as NAME`, the module's name, or a path's stem
 * ("lib/common.rb" -> common); NULL when the stem is not a name.  Allocated in a when it
 * must be built. */
const char *module_use_alias(arena *a, const rb_node *use);
/* Is name the name that use gives its module?  (Allocates nothing.) */
int module_use_alias_is(const rb_node *use, const char *name);

/* The embedded stdlib: text of stdlib/<name>.rb, or NULL. */
const char *module_embedded(const char *name, size_t *len);

#endif
