/*
 * clock.c — real time, ISO-8601 formatting and parsing.
 *
 * Owns the only calls to clock_gettime in the program and the virtual clock (waits and
 * timers that take no real time); nothing else may read the time.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "clock.h"

/* The one clock of the process: a run uses a single clock, chosen before it starts. */
static int virtual_mode;
static double virtual_now;

void clock_use_virtual(double start)
{
    virtual_mode = 1;
    virtual_now = start;
}

int clock_is_virtual(void) { return virtual_mode; }

void clock_use_real(void) { virtual_mode = 0; }

void clock_advance(double t)
{
    if (virtual_mode && t > virtual_now) virtual_now = t;
}

double clock_now(void)
{
    if (virtual_mode) return virtual_now;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

double clock_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void clock_iso(double t, char *buf, unsigned size)
{
    double whole = floor(t);
    int ms = (int)llround((t - whole) * 1000);
    if (ms >= 1000) { whole += 1; ms -= 1000; }
    time_t secs = (time_t)whole;
    struct tm tm;
    gmtime_r(&secs, &tm);
    snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (as timegm counts;
 * a day past the month's end runs on into the next). */
static long long days_from_civil(long long y, int m, int d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

/* n decimal digits at s as a number, or -1. */
static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* The shape clock_iso writes, YYYY-MM-DDTHH:MM:SS.mmmZ, without sscanf and timegm (a replay
 * reads one per recorded event); the same value as the general parse.  -2: another shape. */
static double parse_iso_fast(const char *s)
{
    if (strlen(s) != 24 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
        s[19] != '.' || s[23] != 'Z')
        return -2;
    int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2), h = digits(s + 11, 2), mi = digits(s + 14, 2);
    if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || digits(s + 17, 2) < 0 || digits(s + 20, 3) < 0) return -2;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return -1;
    double sec = strtod(s + 17, NULL);
    if (sec >= 61) return -1;
    long long t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60;
    return (double)t + sec;
}

double clock_parse_iso(const char *s)
{
    double fast = parse_iso_fast(s);
    if (fast != -2) return fast;
    int y, mo, d, h = 0, mi = 0, n = 0;
    double sec = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3) return -1;
    const char *p = s + n;
    if (*p == 'T' || *p == ' ') {
        int k = 0;
        if (sscanf(p + 1, "%2d:%2d%n", &h, &mi, &k) != 2) return -1;
        p += 1 + k;
        if (*p == ':') {
            char *end;
            sec = strtod(p + 1, &end);
            if (end == p + 1) return -1;
            p = end;
        }
    }
    double offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om = 0, k = 0;
        if (sscanf(p + 1, "%2d%n", &oh, &k) != 1) return -1;
        const char *q = p + 1 + k;
        if (*q == ':') q++;
        int k2 = 0;
        if (sscanf(q, "%2d%n", &om, &k2) == 1) q += k2;
        offset = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
        p = q;
    }
    if (*p != '\0') return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec >= 61) return -1;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    time_t t = timegm(&tm);
    return (double)t + sec - offset;
}
