/*
 * unit.h — the C unit tests' tiny harness.  Each check prints "ok - NAME" or
 * "not ok - NAME" (with file:line), which tests/run.sh counts like any script's output.
 * Test files define `void test_NAME(const char *tmpdir)` and list it in tests/unit/main.c.
 */
#ifndef RB_UNIT_H
#define RB_UNIT_H
#include <stdio.h>

extern int unit_failures;

#define CHECK(cond, ...)                                                             \
    do {                                                                             \
        if (cond) {                                                                  \
            printf("ok - ");                                                         \
            printf(__VA_ARGS__);                                                     \
            printf("\n");                                                            \
        } else {                                                                     \
            unit_failures++;                                                         \
            printf("not ok - ");                                                     \
            printf(__VA_ARGS__);                                                     \
            printf("\n    %s:%d: %s\n", __FILE__, __LINE__, #cond);                  \
        }                                                                            \
        fflush(stdout);                                                              \
    } while (0)

#endif
