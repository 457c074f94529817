/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - how one hook program runs the next (private, header-only, libc
 * only): vgpu-hook hands over to vgpu-hook-worker-full. The program is
 * looked up next to the caller's real location (so a symlink in
 * /etc/libvirt/hooks/qemu.d/ works, as does the build directory), then in
 * the installed libexec directory.
 */
#pragma once

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

/*
 * Execs @name with @argv: first from the directory of /proc/self/exe, then
 * from @libexecdir. Returns only on failure, with errno of the last execv()
 * and the path tried last in @tried (PATH_MAX bytes).
 */
static inline void
vgpu_hook_exec_sibling(const char *name, const char *libexecdir, char **argv,
                       char *tried)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

    if (n > 0) {
        self[n] = '\0';
        if (snprintf(tried, PATH_MAX, "%s/%s", dirname(self), name) <
                PATH_MAX &&
            access(tried, X_OK) == 0)
            execv(tried, argv);
    }
    snprintf(tried, PATH_MAX, "%s/%s", libexecdir, name);
    execv(tried, argv);
}
