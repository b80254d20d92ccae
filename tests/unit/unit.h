/*
 * unit.h — the C unit tests' tiny harness.  Each check prints "ok - NAME" or
 * "not ok - NAME" (with file:line), which tests/run.sh counts like any script's output.
 * Test files define `void test_NAME(const char *tmpdir)` and list it in tests/unit/main.c.
 */
#ifndef RB_UNIT_H
#define RB_UNIT_H
#include <stdio.h>

extern int unit_failures;

/* A check's name may quote captured output: newlines become spaces, one line per check. */
#define CHECK(cond, ...)                                                             \
    do {                                                                             \
        char unit_name_[512];                                                        \
        snprintf(unit_name_, sizeof unit_name_, __VA_ARGS__);                        \
        for (char *q_ = unit_name_; *q_; q_++)                                       \
            if (*q_ == '\n' || *q_ == '\r') *q_ = ' ';                                \
        if (cond) {                                                                  \
            printf("ok - %s\n", unit_name_);                                         \
        } else {                                                                     \
            unit_failures++;                                                         \
            printf("not ok - %s\n    %s:%d: %s\n", unit_name_, __FILE__, __LINE__, #cond); \
        }                                                                            \
        fflush(stdout);                                                              \
    } while (0)

#endif
