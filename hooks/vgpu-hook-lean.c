/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vgpu-hook - what the program libvirt runs does with an operation:
 * `prepare begin` with the GMarkup reader and the engine, linked
 * statically with GLib and libc, so that a start costs the hook no dynamic
 * loading (libxml2 alone pulls in ICU and libstdc++: ~3 M instructions of
 * relocations per run). What needs more than that is handed over to
 * vgpu-hook-worker-full with the same arguments and the same XML on
 * standard input: migrate and restore begin (the XML is rewritten with
 * libxml2), and a hostdev without a request whose device is not running
 * (only an mdevctl definition, read with json-glib, can say what it must
 * be). The handover happens before the host lock is taken or anything is
 * written.
 */
#include "vgpu-hook-run.h"

#include "vgpu-hook-exec.h"
#include "vgpu-hook-private.h"
#include "vgpu-hook-table.h"

#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

/* Execs the full worker with @xml on its standard input (a memfd: nothing
 * on disk, nothing for a pipe writer to wait on). Returns FALSE with
 * VGPU_ERROR_SYSTEM only when that fails. */
static gboolean
hand_over(char **argv, const char *xml, gsize xml_len, GError **error)
{
    char tried[PATH_MAX];
    int fd = memfd_create("vgpu-hook-domain-xml", MFD_CLOEXEC);
    gsize done = 0;

    while (fd >= 0 && done < xml_len) {
        ssize_t n = write(fd, xml + done, xml_len - done);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (gsize)n;
    }
    if (fd < 0 || done < xml_len || lseek(fd, 0, SEEK_SET) != 0 ||
        dup2(fd, STDIN_FILENO) < 0) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_SYSTEM,
                    "cannot pass the domain XML to %s: %s",
                    VGPU_HOOK_WORKER_FULL, g_strerror(errno));
        return FALSE;
    }
    close(fd);
    vgpu_hook_exec_sibling(VGPU_HOOK_WORKER_FULL, VGPU_HOOK_LIBEXECDIR, argv,
                           tried);
    g_set_error(error, VGPU_ERROR, VGPU_ERROR_SYSTEM,
                "cannot run %s: %s; reinstall libvgpu", tried,
                g_strerror(errno));
    return FALSE;
}

gboolean
vgpu_hook_program_run(VgpuContext *ctx, char **argv,
                      VgpuHookOperation operation, const char *xml,
                      gsize xml_len, const VgpuEngineOptions *options,
                      char **output, GError **error)
{
    g_auto(VgpuHookWanted) wanted = {NULL, NULL};

    *output = NULL;
    if (operation != VGPU_HOOK_OPERATION_PREPARE_BEGIN)
        return hand_over(argv, xml, xml_len, error);
    if (!vgpu_hook_prepare_read(ctx, argv[1], xml, xml_len, &wanted, error))
        return FALSE;
    if (wanted.undefined->len > 0)
        return hand_over(argv, xml, xml_len, error);
    return vgpu_engine_prepare(ctx, argv[1], wanted.requests, options, error);
}
