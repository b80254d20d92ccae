/*
 * term.c — what the terminal gets: colour only on a terminal, never with NO_COLOR or
 * --no-color.  (Kept apart from main.c so that every module and the unit tests can ask.)
 */
#include <stdlib.h>
#include <unistd.h>
#include "cli.h"

static int no_color;   /* set once by --no-color during argument parsing */

void cli_set_no_color(void) { no_color = 1; }

int cli_color(int fd)
{
    const char *nc = getenv("NO_COLOR");
    if (no_color || (nc && *nc)) return 0;
    return isatty(fd);
}
