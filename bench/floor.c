/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The floor of a vGPU hook: only the two sysfs writes a start and a stop
 * need, with the parent already known. Linked statically so that the
 * dynamic loader costs nothing. Not a hook: no XML, no lock, no record.
 *
 *   bench-floor ROOT create PARENT TYPE UUID
 *   bench-floor ROOT remove UUID
 *   bench-floor ROOT nothing
 * The last does nothing: the start and exit of a static program, the
 * least wall time any command can take (bench/cli.sh).
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int
write_attr(const char *path, const char *value)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0) {
        perror(path);
        return 1;
    }
    n = write(fd, value, strlen(value));
    if (n < 0)
        perror(path);
    close(fd);
    return n < 0;
}

int
main(int argc, char **argv)
{
    char path[4096];

    if (argc == 6 && strcmp(argv[2], "create") == 0) {
        snprintf(path, sizeof(path),
                 "%s/sys/class/mdev_bus/%s/mdev_supported_types/%s/create",
                 argv[1], argv[3], argv[4]);
        return write_attr(path, argv[5]);
    }
    if (argc == 4 && strcmp(argv[2], "remove") == 0) {
        snprintf(path, sizeof(path), "%s/sys/bus/mdev/devices/%s/remove",
                 argv[1], argv[3]);
        return write_attr(path, "1");
    }
    if (argc == 3 && strcmp(argv[2], "nothing") == 0)
        return 0;
    fprintf(stderr,
            "usage: %s ROOT create PARENT TYPE UUID | "
            "ROOT remove UUID | ROOT nothing\n",
            argv[0]);
    return 2;
}
