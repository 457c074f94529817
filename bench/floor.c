/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The floor of a vGPU hook: only the two sysfs writes a start and a stop
 * need, with the parent already known. Linked statically so that the
 * dynamic loader costs nothing. Not a hook: no XML, no lock, no record.
 *
 *   bench-floor ROOT create PARENT TYPE UUID
 *   bench-floor ROOT place TYPE UUID
 *   bench-floor ROOT remove UUID
 *   bench-floor ROOT nothing
 * place is create without being told the parent: it lists
 * sys/class/mdev_bus and reads each parent's available_instances of TYPE
 * until one has room (first fit), the least a hook that places must read
 * (bench/hook.sh). nothing does nothing: the start and exit of a static
 * program, the least wall time any command can take (bench/cli.sh).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
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

/* Whether @parent (under @root) has an available instance of @type. */
static int
has_room(const char *root, const char *parent, const char *type)
{
    char path[4096], value[32];
    ssize_t n;
    int fd;

    snprintf(path, sizeof(path),
             "%s/sys/class/mdev_bus/%s/mdev_supported_types/%s/"
             "available_instances",
             root, parent, type);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    n = read(fd, value, sizeof(value) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    value[n] = '\0';
    return atoi(value) > 0;
}

/* The first parent by name (as placement orders them) with an available
 * instance of @type: its name in @parent; 1 when none has one. */
static int
find_parent(const char *root, const char *type, char *parent, size_t size)
{
    char path[4096];
    struct dirent **names;
    int n_names, status = 1;

    snprintf(path, sizeof(path), "%s/sys/class/mdev_bus", root);
    n_names = scandir(path, &names, NULL, alphasort);
    if (n_names < 0) {
        perror(path);
        return 1;
    }
    for (int i = 0; i < n_names; i++) {
        if (status != 0 && names[i]->d_name[0] != '.' &&
            has_room(root, names[i]->d_name, type)) {
            snprintf(parent, size, "%s", names[i]->d_name);
            status = 0;
        }
        free(names[i]);
    }
    free(names);
    if (status != 0)
        fprintf(stderr, "no parent has room for %s\n", type);
    return status;
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
    if (argc == 5 && strcmp(argv[2], "place") == 0) {
        char parent[256];

        if (find_parent(argv[1], argv[3], parent, sizeof(parent)) != 0)
            return 1;
        snprintf(path, sizeof(path),
                 "%s/sys/class/mdev_bus/%s/mdev_supported_types/%s/create",
                 argv[1], parent, argv[3]);
        return write_attr(path, argv[4]);
    }
    if (argc == 4 && strcmp(argv[2], "remove") == 0) {
        snprintf(path, sizeof(path), "%s/sys/bus/mdev/devices/%s/remove",
                 argv[1], argv[3]);
        return write_attr(path, "1");
    }
    if (argc == 3 && strcmp(argv[2], "nothing") == 0)
        return 0;
    fprintf(stderr,
            "usage: %s ROOT create PARENT TYPE UUID | ROOT place TYPE UUID | "
            "ROOT remove UUID | ROOT nothing\n",
            argv[0]);
    return 2;
}
