/*
 * timeit.c — the stopwatch of the benchmarks: run a command REPS times in a row as one
 * sample, SAMPLES times, and print the median sample's wall seconds and the largest
 * resident set any child reached (KiB), as "SECONDS MAXRSS_KB".
 *
 *   timeit [-n SAMPLES] [-r REPS] [-p PREP] -- CMD ARG...
 *
 * PREP is a shell command run (untimed) before each sample, e.g. to remove a database.
 * The command's stdout and stderr go to /dev/null; a command that fails stops timeit.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Run argv once; its exit status, and its peak RSS into *rss_kb. */
static int run_once(char **argv, long *rss_kb)
{
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        if (!getenv("TIMEIT_STDERR")) dup2(null, 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (pid < 0 || wait4(pid, &status, 0, &ru) < 0) return -1;
    if (ru.ru_maxrss > *rss_kb) *rss_kb = ru.ru_maxrss;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    int samples = 5, reps = 1, i = 1;
    const char *prep = NULL;
    for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) samples = atoi(argv[++i]);
        else if (strcmp(argv[i], "-r") == 0 && i + 1 < argc) reps = atoi(argv[++i]);
        else if (strcmp(argv[i], "-p") == 0 && i + 1 < argc) prep = argv[++i];
        else break;
    }
    if (i >= argc - 1 || strcmp(argv[i], "--") != 0 || samples < 1 || reps < 1) {
        fprintf(stderr, "usage: timeit [-n SAMPLES] [-r REPS] [-p PREP] -- CMD ARG...\n");
        return 2;
    }
    char **cmd = argv + i + 1;
    double *t = calloc((size_t)samples, sizeof *t);
    long rss = 0;
    for (int s = 0; s < samples; s++) {
        if (prep && system(prep) != 0) {
            fprintf(stderr, "timeit: prep failed: %s\n", prep);
            return 1;
        }
        double t0 = now();
        for (int r = 0; r < reps; r++) {
            int rc = run_once(cmd, &rss);
            if (rc != 0) {
                fprintf(stderr, "timeit: %s exited %d\n", cmd[0], rc);
                return 1;
            }
        }
        t[s] = now() - t0;
    }
    qsort(t, (size_t)samples, sizeof *t, cmp);
    printf("%.6f %ld\n", t[samples / 2], rss);
    free(t);
    return 0;
}
