/* Unit tests for interp/clock.c: ISO-8601 formatting and parsing round trips. */
#include <math.h>
#include <string.h>
#include "clock.h"
#include "unit.h"

void test_clock(const char *tmpdir);
void test_clock(const char *tmpdir)
{
    (void)tmpdir;
    char buf[40];
    clock_iso(0, buf, sizeof buf);
    CHECK(strcmp(buf, "1970-01-01T00:00:00.000Z") == 0, "clock: epoch formats (%s)", buf);
    double t = clock_parse_iso("2026-11-23T18:30:05.250Z");
    clock_iso(t, buf, sizeof buf);
    CHECK(strcmp(buf, "2026-11-23T18:30:05.250Z") == 0, "clock: parse/format round trip (%s)", buf);
    CHECK(fabs(clock_parse_iso("2026-11-23T19:30:05.250+01:00") - t) < 1e-6, "clock: offsets are applied");
    CHECK(clock_parse_iso("2026-11-23") > 0, "clock: a bare date parses");
    CHECK(clock_parse_iso("yesterday") < 0, "clock: garbage is rejected");
    CHECK(clock_parse_iso("2026-13-01T00:00Z") < 0, "clock: month 13 is rejected");
    CHECK(fabs(clock_now() - clock_now()) < 5, "clock: now is sane");
}
