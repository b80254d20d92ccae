/* module.c — placeholder until module loading lands (see include/module.h). */
#include <string.h>
#include "module.h"
#include "util.h"

struct stdlib_entry { const char *name; const char *text; size_t len; };
#include "stdlib.inc"

void module_set_init(module_set *ms) { memset(ms, 0, sizeof *ms); }
void module_set_free(module_set *ms) { (void)ms; }
module *module_load(module_set *ms, const char *name, int is_path, const char *from, diag_list *d)
{ (void)ms; (void)name; (void)is_path; (void)from; (void)d; return NULL; }
const char *module_embedded(const char *name, size_t *len) { (void)name; (void)len; return NULL; }
const char *const *module_embedded_names(void) { static const char *const none[] = {NULL}; return none; }
