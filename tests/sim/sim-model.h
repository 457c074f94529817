/*
 * sim-model.h - state of the mdev sysfs emulator (vgpu-sim)
 *
 * The model holds the parents, mdev types and mediated devices of one
 * scenario together with the sysfs tree that represents them.  Every
 * function below takes the state lock itself, so the FUSE callbacks may
 * call them from any thread.  Functions that return int return 0 (or a
 * byte count) on success and a negative errno value on failure, exactly
 * what a FUSE callback has to return.
 */
#pragma once

#include <glib.h>
#include <sys/stat.h>
#include <sys/types.h>

G_BEGIN_DECLS

#define SIM_ERROR (sim_error_quark())

typedef enum {
    SIM_ERROR_SCENARIO,
} SimError;

typedef struct _SimState SimState;

GQuark
sim_error_quark(void);

SimState *
sim_state_new(const char *data, gsize length, const char *origin,
              GError **error);
void
sim_state_free(SimState *state);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(SimState, sim_state_free)

void
sim_state_set_verbose(SimState *state, gboolean verbose);

/* Called with the path (below the mount point, "/"-led) of each symbolic
 * link that went away, after the change and outside the state lock, so
 * that a cache of link targets can drop it before the request that made
 * the change is answered. */
typedef void (*SimInvalidateFunc)(const char *path, gpointer data);

void
sim_state_set_invalidate(SimState *state, SimInvalidateFunc invalidate,
                         gpointer data);

/* Starts a thread that makes removed devices vanish when their
 * remove_delay_ms is over, whether or not a request comes (a cached link
 * target is read without one); sim_state_free() ends it. */
void
sim_state_start_reaper(SimState *state);

/* Ends that thread (before what its invalidate callback uses goes). */
void
sim_state_stop_reaper(SimState *state);
/* @interrupted tells whether the request being served got a signal
 * (fuse_interrupted()) or the file system is exiting; a blocked remove
 * polls it. */
void
sim_state_set_interrupt_check(SimState *state,
                              gboolean (*interrupted)(void));

int
sim_state_getattr(SimState *state, const char *path, struct stat *st);
int
sim_state_readlink(SimState *state, const char *path, char *buf,
                   size_t size);
int
sim_state_list(SimState *state, const char *path, GPtrArray **names);
/* Checks that @path may be opened with @flags by @uid.  For a file read
 * whole at once, .vgpu-sim/state and .vgpu-sim/requests, *@snapshot receives its content as of
 * now (free with g_free()): each read(2) of the open file then serves a
 * slice of that one snapshot, so a reader that needs several reads still
 * sees one consistent state. Other files leave *@snapshot alone. */
int
sim_state_open(SimState *state, const char *path, int flags, uid_t uid,
               char **snapshot);

/* Counts one file system request for @path (one call of an operation;
 * the kernel's LOOKUP and GETATTR are both getattr); those under
 * .vgpu-sim/ are not counted.  .vgpu-sim/requests reads the count. */
void
sim_state_count_request(SimState *state, const char *path);

int
sim_state_access(SimState *state, const char *path, int mask);
ssize_t
sim_state_read(SimState *state, const char *path, char *buf, size_t size,
               off_t offset);
ssize_t
sim_state_write(SimState *state, const char *path, const char *buf,
                size_t size);
int
sim_state_truncate(SimState *state, const char *path);

char *
sim_state_describe(SimState *state);

G_END_DECLS
