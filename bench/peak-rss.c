/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * bench-peak-rss - the exact resident set of a command at its end
 *
 *     bench-peak-rss OUTPUT COMMAND [ARG]...
 *
 * Runs COMMAND (stdin, stdout and stderr shared) and every process and
 * thread it starts under ptrace(2), stops each one as it exits
 * (PTRACE_O_TRACEEXIT: before its memory is released) and reads the
 * process's `Rss:` from /proc/PID/smaps_rollup, which the kernel counts by
 * walking the page tables. Writes the largest, in KiB, to the file OUTPUT
 * (as `/usr/bin/time -o` does) and exits with COMMAND's status (128 + the
 * signal that ended it).
 *
 * Why not GNU time's %M (getrusage's ru_maxrss): since Linux 6.2 ("mm:
 * convert mm's rss stats into percpu_counter") the RSS a process's maxrss
 * is taken from is a per-CPU counter read without summing the CPUs'
 * share (get_mm_counter(): percpu_counter_read_positive()), which lags by
 * up to 31 pages per CPU and per kind of page. For a program of under a
 * MiB, such as the hook and the floor, that is a quarter of it, and it
 * moves from run to run: on 2 cores, maxrss said 520 KiB for a floor whose
 * page tables held 688, and 692 or 824 KiB for a hook that held 924.
 *
 * A program that frees memory before it ends peaks higher than it ends;
 * the hook and the floor do not give memory back (glibc keeps a heap of
 * under 128 KiB and the stacks of joined threads), so for them the figure
 * is their peak.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

/* Rss of @pid in KiB, from smaps_rollup; 0 when it cannot be read. */
static long
rss_kib(pid_t pid)
{
    char path[64], line[256];
    long kib = 0;
    FILE *file;

    snprintf(path, sizeof(path), "/proc/%d/smaps_rollup", (int)pid);
    file = fopen(path, "re");
    if (!file)
        return 0;
    while (fgets(line, sizeof(line), file))
        if (sscanf(line, "Rss: %ld kB", &kib) == 1)
            break;
    fclose(file);
    return kib;
}

int
main(int argc, char **argv)
{
    const long options = PTRACE_O_TRACEEXIT | PTRACE_O_TRACEFORK |
                         PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
                         PTRACE_O_EXITKILL;
    long peak = 0;
    int result = 0, status;
    pid_t command;
    FILE *output;

    if (argc < 3) {
        fprintf(stderr, "usage: bench-peak-rss OUTPUT COMMAND [ARG]...\n");
        return 2;
    }
    command = fork();
    if (command < 0) {
        perror("bench-peak-rss: fork");
        return 1;
    }
    if (command == 0) {
        if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0) {
            fprintf(stderr,
                    "bench-peak-rss: ptrace is not permitted here (%s); "
                    "run as root outside a seccomp sandbox\n",
                    strerror(errno));
            _exit(126);
        }
        raise(SIGSTOP); /* until the tracer has set its options */
        execvp(argv[2], argv + 2);
        fprintf(stderr, "bench-peak-rss: %s: %s\n", argv[2], strerror(errno));
        _exit(127);
    }
    if (waitpid(command, &status, 0) != command || !WIFSTOPPED(status))
        return 1; /* the child said why */
    if (ptrace(PTRACE_SETOPTIONS, command, NULL, (void *)options) != 0 ||
        ptrace(PTRACE_CONT, command, NULL, NULL) != 0) {
        perror("bench-peak-rss: ptrace");
        kill(command, SIGKILL);
        return 1;
    }

    for (;;) {
        int deliver = 0;
        pid_t pid = waitpid(-1, &status, __WALL);

        if (pid < 0) {
            if (errno == EINTR)
                continue;
            break; /* ECHILD: every traced process has ended */
        }
        if (WIFEXITED(status) || WIFSIGNALED(status)) {
            if (pid == command)
                result = WIFEXITED(status) ? WEXITSTATUS(status)
                                           : 128 + WTERMSIG(status);
            continue;
        }
        if (!WIFSTOPPED(status))
            continue;
        if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_EXIT << 8))) {
            long kib = rss_kib(pid);

            if (kib > peak)
                peak = kib;
        } else if (status >> 16 == 0 && WSTOPSIG(status) != SIGSTOP &&
                   WSTOPSIG(status) != SIGTRAP) {
            deliver = WSTOPSIG(status); /* a signal for the tracee */
        }
        /* fork/clone events and a new child's first SIGSTOP: go on */
        ptrace(PTRACE_CONT, pid, NULL, (void *)(long)deliver);
    }
    output = fopen(argv[1], "we");
    if (!output || fprintf(output, "%ld\n", peak) < 0 || fclose(output) != 0) {
        fprintf(stderr, "bench-peak-rss: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    return result;
}
