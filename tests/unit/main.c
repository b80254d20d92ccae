/*
 * tests/unit/main.c — runs the C unit tests (linked against the interpreter's objects).
 * usage: unit TMPDIR [TEST...]   (no TEST: all of them)
 */
#include <stdio.h>
#include <string.h>
#include "unit.h"

int unit_failures;

#define UNIT_TESTS(X) \
    X(clock) \
    X(http) \
    X(record) \
    X(shell) \
    X(util) \
    X(shctx)

#define DECLARE(name) void test_##name(const char *tmpdir);
UNIT_TESTS(DECLARE)
#undef DECLARE

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: unit TMPDIR [TEST...]\n");
        return 2;
    }
#define RUN(name)                                                             \
    {                                                                         \
        int want = argc == 2;                                                 \
        for (int i = 2; i < argc; i++) if (strcmp(argv[i], #name) == 0) want = 1; \
        if (want) test_##name(argv[1]);                                       \
    }
    UNIT_TESTS(RUN)
#undef RUN
    return unit_failures ? 1 : 0;
}
