/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vgpu-hook - libvirt qemu hook of libvgpu (the front).
 *
 * libvirt runs qemu hooks for every step of a domain's life (docs/
 * hooks.rst: prepare, start, started, stopped, release, reconnect, ...),
 * each in a new process with the domain XML on stdin. Which of them
 * concern libvgpu is the library's operation table (lib/vgpu-hook-table.h,
 * shared, libc only); this front links nothing but libc, answers every
 * other call at once (exit 0, print nothing), and execs the worker the
 * table names for those that need the library: the lean, statically linked
 * vgpu-hook-worker for prepare begin and release end, vgpu-hook-worker-full
 * (libvgpu, whose editor module brings libxml2 to rewrite the XML) for
 * migrate and restore begin. Loading libvgpu pulls in GLib, GIO and
 * json-glib, and its editor libxml2 (with ICU and libstdc++ on Debian):
 * ~3 to ~7 million instructions of dynamic relocation per process; the
 * front costs ~0.1 million.
 *
 * Workers are looked up next to the front's real location, then in
 * VGPU_HOOK_LIBEXECDIR (lib/vgpu-hook-exec.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vgpu-hook-exec.h"
#include "vgpu-hook-table.h"

#define EXIT_USAGE 2

static const char usage_text[] =
    "Usage: vgpu-hook DOMAIN OPERATION SUB-OPERATION [EXTRA]\n"
    "\n"
    "libvirt qemu hook of libvgpu. libvirt runs it with the domain XML on\n"
    "standard input (libvirt docs/hooks.rst). Install it with\n"
    "'vgpuctl install-hook' (a link /etc/libvirt/hooks/qemu.d/vgpu, used by\n"
    "libvirt >= 6.5) and restart libvirtd, which only notices hooks present\n"
    "when it starts.\n"
    "\n"
    "  prepare begin  create every device the domain requests in its\n"
    "                 <metadata> (namespace urn:libvgpu:domain:1) that does\n"
    "                 not exist yet: a mediated device on a parent with a\n"
    "                 free instance, or the vGPU type on the pinned NVIDIA\n"
    "                 VF; on failure remove what was created and exit 1\n"
    "  release end    remove the mediated devices created for the domain,\n"
    "                 in a helper process detached from libvirt, within\n"
    "                 remove_timeout_ms; a device still busy then is left\n"
    "                 for 'vgpuctl gc'\n"
    "  migrate begin, restore begin\n"
    "                 print the domain XML with VF requests moved to VFs of\n"
    "                 this host when their VF cannot host the type here;\n"
    "                 print nothing otherwise\n"
    "  anything else  do nothing, print nothing, exit 0\n"
    "\n"
    "An mdev hostdev without a libvgpu request is started from its\n"
    "mdevctl definition (/etc/mdevctl.d/PARENT/UUID) when it is not\n"
    "running, and removed at release; other hostdevs without a request\n"
    "are never created or removed.\n"
    "Every create, remove, refusal and left-over device is logged to\n"
    "syslog (identifier vgpu-hook, facility daemon).\n"
    "\n"
    "Environment:\n"
    "  LIBVGPU_ROOT   host root to resolve sys/, run/ and etc/ under\n"
    "                 (default /; used by tests)\n"
    "  LIBVGPU_LOCK_TIMEOUT_MS\n"
    "                 how long to wait for the host lock (default 30000)\n"
    "\n"
    "Files:\n"
    "  /etc/libvgpu/libvgpu.conf  placement policy, parent allow-list,\n"
    "                             removal timeout\n"
    "  /run/libvgpu/              host lock and ownership records\n"
    "\n"
    "Exit status: 0 success, 1 failure (reason on stderr), 2 usage error.\n"
    "\n"
    "See vgpu-hook(8), libvgpu.conf(5) and vgpuctl(1).\n";

/* libvirt writes the XML for every operation; read it to the end so that
 * libvirt never sees a broken pipe. */
static void
drain_input(void)
{
    char buf[65536];

    if (isatty(STDIN_FILENO))
        return;
    while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
        ;
}

static void
exec_worker(const char *name, char **argv)
{
    char tried[PATH_MAX];

    vgpu_hook_exec_sibling(name, VGPU_HOOK_LIBEXECDIR, argv, tried);
    fprintf(stderr,
            "vgpu-hook: cannot run %s: %s; reinstall libvgpu or run "
            "'vgpuctl install-hook' again\n",
            tried, strerror(errno));
}

int
main(int argc, char **argv)
{
    const VgpuHookTableEntry *operation;

    if (argc == 2 &&
        (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(usage_text, stdout);
        return EXIT_SUCCESS;
    }
    if (argc < 4 || argc > 5 || !*argv[1] || !*argv[2] || !*argv[3]) {
        fputs("vgpu-hook: expected DOMAIN OPERATION SUB-OPERATION [EXTRA]; "
              "see 'vgpu-hook --help'\n",
              stderr);
        return EXIT_USAGE;
    }
    operation = vgpu_hook_table_lookup(argv[2], argv[3]);
    if (operation) {
        if (!operation->reads_input)
            drain_input(); /* e.g. release works from ownership records */
        exec_worker(operation->worker, argv);
        return EXIT_FAILURE;
    }
    /* everything else needs nothing from libvgpu */
    drain_input();
    return EXIT_SUCCESS;
}
