/*
 * clock.h — the one source of time.
 *
 * Everything that reads time (timestamps in the record, timeouts, waits, timers, report
 * durations) asks this module, so that a virtual clock (issue 4) can replace real time
 * without special cases elsewhere.  Times are seconds since the Unix epoch, as doubles.
 */
#ifndef RB_CLOCK_H
#define RB_CLOCK_H

/* Now, on the run's clock (real time unless a virtual clock is installed). */
double clock_now(void);

/*
 * The virtual clock: time starts at `start` (epoch seconds) and moves only when
 * clock_advance() is called (by waits, timeouts and answer delays), so an escalation
 * ladder of 70 minutes runs in milliseconds, the same way every time.
 */
void clock_use_virtual(double start);
int clock_is_virtual(void);
/* Virtual mode: move the clock forward to t (never backwards).  Real mode: no effect. */
void clock_advance(double t);
/* Back to real time (a resumed real-clock run going live after its replayed part). */
void clock_use_real(void);
/* Real monotonic seconds (for measuring how long a real action took). */
double clock_monotonic(void);
/* Format t as ISO-8601 UTC with milliseconds: 2026-11-23T18:30:00.000Z (buf >= 32). */
void clock_iso(double t, char *buf, unsigned size);
/* Parse ISO-8601 (UTC "Z" or offset, optional fraction) to epoch seconds; -1 on error. */
double clock_parse_iso(const char *s);

#endif
