/* check.c — placeholder until the checker lands (see include/check.h). */
#include <ctype.h>
#include <string.h>
#include "check.h"

int check_file(ast_file *f, module_set *ms, diag_list *d) { (void)f; (void)ms; (void)d; return 0; }
int check_warnings(ast_file *f, module_set *ms, diag_list *d) { (void)f; (void)ms; (void)d; return 0; }
int check_has_step(const ast_file *f, const char *id) { (void)f; (void)id; return 0; }
char *check_step_slug(arena *a, const char *title) { return arena_strdup(a, title); }
