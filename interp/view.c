/* view.c — placeholder until view lands (see include/view.h). */
#include "view.h"
void view_markdown(FILE *out, const ast_file *f) { (void)out; (void)f; }
void view_dot(FILE *out, const ast_file *f) { (void)out; (void)f; }
#include "cli.h"
int cmd_view(int argc, char **argv) { (void)argc; (void)argv; return 2; }
