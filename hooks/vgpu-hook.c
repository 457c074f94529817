/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vgpu-hook, vgpu-hook-worker-full - the libvirt qemu hook of libvgpu:
 * this file is the main() both programs share.
 *
 * libvirt runs qemu hooks for every step of a domain's life (docs/
 * hooks.rst: prepare, start, started, stopped, release, reconnect, ...),
 * each in a new process with the domain XML on stdin. Which of them
 * concern libvgpu is the library's operation table (lib/vgpu-hook-table.h);
 * every other call is answered at once (exit 0, print nothing).
 *
 * vgpu-hook, the program libvirt runs, links the engine, GLib and libc
 * statically and nothing else (no libxml2, ICU, libstdc++ or json-glib):
 * it does `prepare begin` and `release end` itself, with no dynamic
 * loading and no second program (an exec per start and stop was a fifth
 * of the hook's wall time: bench/README.md). What needs the whole library
 * it hands over to vgpu-hook-worker-full, which links libvgpu (migrate and
 * restore begin rewrite the XML with libxml2; an mdevctl definition is
 * read with json-glib): what each program does with an operation is its
 * vgpu_hook_program_run() (vgpu-hook-run.h). Neither links libvirt, and
 * neither calls libvirtd.
 *
 * `release end` runs in a helper process detached from libvirt (its own
 * session, stdin/stdout/stderr on /dev/null, no inherited descriptor but a
 * status pipe): a `remove` write can block in the kernel without bound
 * (vfio_unregister_group_dev() waits uninterruptibly for the device's
 * user), and a thread stuck there would keep this process, and libvirt's
 * pipes to it, alive. This process relays the helper's warnings and exits
 * at the release deadline at the latest; the helper, the owner of the
 * `removing` records, finishes on its own and logs the outcome.
 *
 * Every create, remove, refusal and left-over device goes to syslog
 * (identifier vgpu-hook, facility daemon): libvirt drops a successful
 * hook's stderr, so the system log is the administrator's only trace.
 *
 * Exit status (DESIGN.md): 0 success, 1 the operation failed (one line on
 * stderr, shown by libvirt to the `virsh start` user), 2 usage error.
 */

#include "vgpu-hook-run.h"

#include <libvgpu/libvgpu.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#define EXIT_USAGE 2
/* Slack past the removal deadline before this process gives up waiting
 * for the helper's report. */
#define RELEASE_SLACK_MS 500
/* Status pipe messages of the helper: a letter, a space, one line. */
#define REPORT_WARNING 'W'
#define REPORT_ERROR 'E'
#define REPORT_REMOVING 'R'

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

typedef struct {
    const char *what;        /* `prepare begin of "win11"`, for syslog */
    int report_fd;           /* helper: the status pipe; else -1 */
    gboolean refusal_logged; /* the engine's refusal event is in syslog */
    gboolean to_stderr;      /* print warnings on stderr */
} Reporter;

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

static int
event_priority(VgpuEngineEvent event)
{
    switch (event) {
    case VGPU_ENGINE_EVENT_REFUSED:
        return LOG_ERR;
    case VGPU_ENGINE_EVENT_LEFT:
    case VGPU_ENGINE_EVENT_ANOMALY:
    case VGPU_ENGINE_EVENT_CONFIG:
        return LOG_WARNING;
    case VGPU_ENGINE_EVENT_DROPPED:
    case VGPU_ENGINE_EVENT_ADOPTED:
    case VGPU_ENGINE_EVENT_PENDING:
        return LOG_NOTICE;
    default:
        return LOG_INFO;
    }
}

/* Writes "<letter> <line>\n" to the status pipe; a reader that went away
 * (the hook returned at the deadline) is not an error. */
static void
report(int fd, char letter, const char *line)
{
    g_autofree char *text = g_strdup_printf("%c %s\n", letter, line);

    if (fd >= 0 && write(fd, text, strlen(text)) < 0) {
        /* nobody listens any more: syslog has it */
    }
}

static void
on_event(VgpuEngineEvent event, const char *message, gpointer user_data)
{
    Reporter *reporter = user_data;
    int priority = event_priority(event);

    syslog(priority, "%s: %s", reporter->what, message);
    if (event == VGPU_ENGINE_EVENT_REFUSED)
        reporter->refusal_logged = TRUE; /* it names the devices */
    if (event == VGPU_ENGINE_EVENT_REMOVING)
        report(reporter->report_fd, REPORT_REMOVING, message);
    if (priority > LOG_WARNING || event == VGPU_ENGINE_EVENT_REFUSED)
        return;
    if (reporter->report_fd >= 0)
        report(reporter->report_fd, REPORT_WARNING, message);
    else if (reporter->to_stderr)
        fprintf(stderr, "vgpu-hook: warning: %s\n", message);
}

static int
fail(const Reporter *reporter, const char *message)
{
    g_autofree char *line = vgpu_message_one_line(message);

    if (!reporter->refusal_logged)
        syslog(LOG_ERR, "%s: %s", reporter->what, line);
    fprintf(stderr, "vgpu-hook: %s\n", line);
    return EXIT_FAILURE;
}

/* Milliseconds from the environment variable @name, or @fallback. */
static guint
env_ms(const char *name, guint fallback)
{
    const char *text = g_getenv(name);
    guint64 value;

    if (!text ||
        !g_ascii_string_to_unsigned(text, 10, 1, G_MAXUINT, &value, NULL))
        return fallback;
    return (guint)value;
}

/* The helper: detached from libvirt, runs the release, reports, exits. */
G_GNUC_NORETURN static void
run_release_helper(VgpuContext *ctx, const char *domain,
                   VgpuEngineOptions *options, Reporter *reporter, int fd)
{
    g_autoptr(GError) error = NULL;
    int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);

    setsid();
    if (null_fd >= 0) {
        dup2(null_fd, STDIN_FILENO);
        dup2(null_fd, STDOUT_FILENO);
        dup2(null_fd, STDERR_FILENO);
    }
    /* Hold nothing libvirt could be waiting on: only the status pipe. */
    if (fd > STDERR_FILENO + 1)
        close_range(STDERR_FILENO + 1, (unsigned)fd - 1, 0);
    close_range((unsigned)fd + 1, ~0u, 0);
    signal(SIGPIPE, SIG_IGN);

    reporter->report_fd = fd;
    if (!vgpu_engine_release(ctx, domain, options, &error)) {
        g_autofree char *line = vgpu_message_one_line(error->message);
        syslog(LOG_ERR, "%s: %s", reporter->what, line);
        report(fd, REPORT_ERROR, line);
        _exit(EXIT_FAILURE);
    }
    _exit(EXIT_SUCCESS);
}

/* Relays one status line of the helper; returns FALSE for an error. */
static gboolean
relay(const char *line, gint64 *deadline, guint remove_timeout_ms)
{
    if (line[0] == REPORT_REMOVING) {
        *deadline = g_get_monotonic_time() +
                    ((gint64)remove_timeout_ms + RELEASE_SLACK_MS) * 1000;
    } else if (line[0] == REPORT_WARNING && line[1]) {
        fprintf(stderr, "vgpu-hook: warning: %s\n", line + 2);
    } else if (line[0] == REPORT_ERROR && line[1]) {
        fprintf(stderr, "vgpu-hook: %s\n", line + 2);
        return FALSE;
    }
    return TRUE;
}

/*
 * `release end`: nothing to do for a domain without records (most); else
 * the removal runs in a helper, and this process waits for its report
 * until the deadline: the lock bound until it starts removing, then
 * remove_timeout_ms.
 */
static int
release(VgpuContext *ctx, const char *domain, VgpuEngineOptions *options,
        Reporter *reporter)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GString) pending = g_string_new(NULL);
    guint remove_timeout_ms = vgpu_config_get_remove_timeout(options->config);
    gint64 deadline;
    gboolean ok = TRUE;
    int fds[2];
    pid_t pid;

    if (!vgpu_engine_release_needed(ctx, domain, &error))
        return error ? fail(reporter, error->message) : EXIT_SUCCESS;

    if (pipe2(fds, O_CLOEXEC) != 0)
        return fail(reporter, g_strerror(errno));
    fflush(NULL);
    pid = fork();
    if (pid < 0)
        return fail(reporter, g_strerror(errno));
    if (pid == 0) {
        close(fds[0]);
        run_release_helper(ctx, domain, options, reporter, fds[1]);
    }
    close(fds[1]);

    deadline = g_get_monotonic_time() +
               ((gint64)options->lock_timeout_ms + RELEASE_SLACK_MS) * 1000;
    for (;;) {
        gint64 left_ms = (deadline - g_get_monotonic_time()) / 1000;
        struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
        char buf[4096];
        ssize_t n;
        char *newline;

        if (left_ms <= 0)
            break;
        if (poll(&pfd, 1, (int)MIN(left_ms, G_MAXINT)) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (pfd.revents == 0)
            continue;
        n = read(fds[0], buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) { /* the helper finished */
            int status = 0;
            close(fds[0]);
            waitpid(pid, &status, 0);
            return ok && WIFEXITED(status) && WEXITSTATUS(status) == 0
                       ? EXIT_SUCCESS
                       : EXIT_FAILURE;
        }
        g_string_append_len(pending, buf, n);
        while ((newline = strchr(pending->str, '\n')) != NULL) {
            *newline = '\0';
            ok = relay(pending->str, &deadline, remove_timeout_ms) && ok;
            g_string_erase(pending, 0, newline - pending->str + 1);
        }
    }

    /* Deadline: the helper goes on without us (it is reaped by init). */
    close(fds[0]);
    syslog(LOG_WARNING,
           "%s: removal is still in progress in helper process %d; it "
           "finishes on its own and logs the result",
           reporter->what, (int)pid);
    fprintf(stderr,
            "vgpu-hook: warning: removal is still in progress in helper "
            "process %d after %u ms; it finishes on its own (see the system "
            "log), or run 'vgpuctl gc' later\n",
            (int)pid, remove_timeout_ms);
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}

int
main(int argc, char **argv)
{
    g_autoptr(VgpuContext) ctx = NULL;
    g_autoptr(VgpuConfig) config = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *output = NULL;
    g_autofree char *quoted = NULL;
    g_autofree char *what = NULL;
    VgpuEngineOptions options;
    Reporter reporter = {.report_fd = -1, .to_stderr = TRUE};
    VgpuHookOperation operation;
    gsize xml_len = 0;
    const char *domain;

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
    domain = argv[1];
    operation = vgpu_hook_operation_parse(argv[2], argv[3]);
    if (operation == VGPU_HOOK_OPERATION_UNKNOWN) {
        drain_input(); /* everything else needs nothing from libvgpu */
        return EXIT_SUCCESS;
    }

    openlog("vgpu-hook", LOG_PID, LOG_DAEMON);
    quoted = vgpu_message_one_line(domain);
    what = g_strdup_printf("%s %s of \"%s\"", argv[2], argv[3], quoted);
    reporter.what = what;

    if (vgpu_hook_operation_reads_input(operation)) {
        xml = isatty(STDIN_FILENO)
                  ? g_strdup("")
                  : vgpu_hook_read_input(STDIN_FILENO, &xml_len, &error);
        if (!xml)
            return fail(&reporter, error->message);
    } else {
        drain_input(); /* release works from the ownership records */
    }

    ctx = vgpu_context_new_from_env(&error);
    if (!ctx)
        return fail(&reporter, error->message);
    config = vgpu_config_load(ctx, &error);
    if (!config)
        return fail(&reporter, error->message);

    vgpu_engine_options_init(&options);
    options.config = config;
    options.lock_timeout_ms =
        env_ms("LIBVGPU_LOCK_TIMEOUT_MS", VGPU_LOCK_TIMEOUT_DEFAULT_MS);
    options.event = on_event;
    options.event_data = &reporter;

    /* The configuration is this program's: its warnings are logged once
     * per run (libvirt drops a successful hook's stderr). */
    for (const char *const *w = vgpu_config_get_warnings(config); *w; w++)
        syslog(LOG_WARNING, "%s: %s", reporter.what, *w);

    if (operation == VGPU_HOOK_OPERATION_RELEASE_END)
        return release(ctx, domain, &options, &reporter);
    if (!vgpu_hook_program_run(ctx, argv, operation, xml, xml_len, &options,
                               &output, &error))
        return fail(&reporter, error->message);
    if (output) { /* migrate/restore begin: libvirt's new domain XML */
        syslog(LOG_NOTICE, "%s: moved VF requests to VFs of this host",
               reporter.what);
        fputs(output, stdout);
    }
    return EXIT_SUCCESS;
}
