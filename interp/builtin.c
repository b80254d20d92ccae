/* builtin.c — placeholder until the builtin table lands (see include/builtin.h). */
#include <string.h>
#include "builtin.h"
static const builtin_info table[] = {{NULL, BI_VALUE, 0, 0, 0, NULL}};
const builtin_info *builtin_find(const char *name) { (void)name; return NULL; }
const builtin_info *builtin_all(void) { return table; }
