/*
 * sim-model.c - scenario loading, capacity models and the emulated sysfs
 * tree of vgpu-sim
 *
 * Behaviour follows the kernel's mdev core (drivers/vfio/mdev/mdev_core.c,
 * mdev_sysfs.c) and the sample vendor driver samples/vfio-mdev/mtty.c; the
 * PCI tree of SR-IOV physical and virtual functions follows
 * drivers/pci/pci-sysfs.c and drivers/pci/iov.c, and the NVIDIA
 * vendor-specific VFIO files (nvidia/current_vgpu_type) model what
 * implementers report of the closed driver.  See README.md next to this
 * file for the mapping and the known deviations.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "sim-model.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* A UUID string without its terminator (kernel: UUID_STRING_LEN). */
#define SIM_UUID_LEN 36
/* What stat() reports for an attribute file; also the largest write. */
#define SIM_PAGE_SIZE 4096
/* Limits that keep scenario typos from eating the machine. */
#define SIM_MAX_COPIES 256
#define SIM_MAX_INSTANCES 100000
/* Largest sriov_totalvfs a scenario may give (the field is 16 bits). */
#define SIM_MAX_VFS 256

typedef enum {
    SIM_MODEL_HOMOGENEOUS,
    SIM_MODEL_INDEPENDENT,
    SIM_MODEL_POOL,
    SIM_MODEL_VF,               /* a VF of a [pf] with vgpu=mdev */
} SimModel;

/* What a [pf]'s virtual functions offer (scenario key vgpu=). */
typedef enum {
    SIM_VGPU_NONE,              /* plain SR-IOV VFs: AMD MxGPU, Intel */
    SIM_VGPU_NVIDIA_VFIO,       /* NVIDIA vendor-specific VFIO: nvidia/ */
    SIM_VGPU_MDEV,              /* every VF is an mdev parent (NVIDIA < 17) */
} SimVgpu;

typedef enum {
    SIM_NODE_DIR,
    SIM_NODE_FILE,
    SIM_NODE_LINK,
} SimNodeKind;

typedef enum {
    SIM_ATTR_TEXT,              /* fixed content, read-only */
    SIM_ATTR_UEVENT,            /* fixed content, accepts uevent actions */
    SIM_ATTR_AVAILABLE,         /* available_instances of a type */
    SIM_ATTR_CREATE,            /* create of a type */
    SIM_ATTR_REMOVE,            /* remove of a mediated device */
    SIM_ATTR_CTL_HOLD,          /* .vgpu-sim/hold */
    SIM_ATTR_CTL_RELEASE,       /* .vgpu-sim/release */
    SIM_ATTR_CTL_INJECT,        /* .vgpu-sim/inject */
    SIM_ATTR_CTL_DELAY,         /* .vgpu-sim/delay */
    SIM_ATTR_CTL_STATE,         /* .vgpu-sim/state */
    SIM_ATTR_CTL_REQUESTS,      /* .vgpu-sim/requests */
    SIM_ATTR_VF_CREATABLE,      /* nvidia/creatable_vgpu_types of a VF */
    SIM_ATTR_VF_CURRENT,        /* nvidia/current_vgpu_type of a VF */
    SIM_ATTR_DEVICE_STORE,      /* vendor attribute of a mediated device */
} SimAttr;

/* How a device is used (.vgpu-sim/hold). */
typedef enum {
    SIM_HOLD_NONE,
    SIM_HOLD_BUSY,              /* remove fails with EBUSY */
    SIM_HOLD_BLOCK,             /* remove blocks until released */
} SimHold;

/* Longest delay a scenario or .vgpu-sim/delay may set, in ms. */
#define SIM_MAX_DELAY_MS 600000
/* How often a blocked remove looks for an interrupt, in µs. */
#define SIM_BLOCK_POLL_US 20000

typedef struct _SimNode SimNode;
typedef struct _SimParent SimParent;
typedef struct _SimType SimType;
typedef struct _SimMdev SimMdev;
typedef struct _SimPf SimPf;
typedef struct _SimVf SimVf;
typedef struct _SimVfType SimVfType;

struct _SimNode {
    SimNodeKind kind;
    char *name;
    SimNode *up;                /* containing directory, NULL for the root */
    GHashTable *children;       /* directories: name -> SimNode, owned */
    char *text;                 /* link target, or fixed file content */
    SimAttr attr;
    gpointer object;            /* SimType or SimMdev the file acts on */
    mode_t mode;                /* permission bits only */
    struct timespec time;
};

struct _SimType {
    char *id;                   /* directory name, e.g. "nvidia-65" */
    char *name;                 /* nullable: no "name" file */
    char *description;          /* nullable: no "description" file */
    char *device_api;
    char **device_attrs;        /* writable attributes of each device */
    guint max_instances;        /* homogeneous and independent models */
    guint cost;                 /* pool model */
    guint n_mdevs;
    SimParent *parent;
    SimNode *dir;
    SimNode *devices_dir;
};

struct _SimParent {
    char *name;
    char *path;                 /* "devices/pci0000:00/.../0000:05:00.0" */
    SimModel model;
    guint pool;
    guint used;                 /* pool units taken by existing mdevs */
    guint n_mdevs;
    int exhausted_errno;
    guint remove_delay_ms;
    guint create_delay_ms;
    char *driver;
    GPtrArray *types;           /* SimType, owned */
    SimNode *dir;
    SimPf *pf;                  /* model=vf: the GPU whose VF this is */
};

/* A vGPU type of an NVIDIA vendor-specific VFIO GPU ([type ID]). */
struct _SimVfType {
    guint id;                   /* what current_vgpu_type takes */
    char *name;                 /* "NVIDIA L40S-12Q" */
    guint max_instances;        /* per physical GPU */
};

/* A physical function with SR-IOV ([pf BDF]). */
struct _SimPf {
    char *name;                 /* "0000:3d:00.0" */
    SimNode *dir;
    SimVgpu vgpu;
    GPtrArray *vfs;             /* SimVf, owned, by VF index */
    GPtrArray *types;           /* SimVfType, owned (vgpu=nvidia-vfio) */
    int uncreatable_errno;      /* write of an id that is not creatable */
    guint create_delay_ms;      /* a current_vgpu_type write takes this */
};

/* A virtual function of a SimPf. */
struct _SimVf {
    char *name;                 /* "0000:3d:00.4" */
    guint index;                /* n of the PF's virtfnN */
    SimPf *pf;
    SimNode *dir;
    guint current;              /* vgpu=nvidia-vfio: type id, 0 none */
    gboolean held;              /* open by a user (.vgpu-sim/hold BDF) */
    SimParent *parent;          /* vgpu=mdev: the VF as mdev parent */
};

struct _SimMdev {
    char uuid[SIM_UUID_LEN + 1];
    SimType *type;
    guint iommu_group;
    SimHold held;
    guint n_blocked;            /* remove writes waiting for a release */
    gint64 gone_at;             /* monotonic µs when a removed one vanishes */
    GPtrArray *nodes;           /* tree nodes to unlink when it vanishes */
};

struct _SimState {
    GMutex lock;
    GCond changed;              /* a hold was released */
    gboolean (*interrupted)(void); /* has the current request been? */
    SimNode *root;
    GPtrArray *parents;         /* SimParent, owned */
    GHashTable *mdevs;          /* uuid -> SimMdev, owned */
    GHashTable *groups;         /* iommu group numbers in use, stored + 1 */
    guint iommu_group_base;
    guint n_root_ports;         /* generated PCI root ports so far */
    GPtrArray *pfs;             /* SimPf, owned */
    GHashTable *pci;            /* BDF -> SimNode of every PCI device */
    GHashTable *vfs;            /* BDF -> SimVf */
    guint pci_iommu_group_base;
    int inject_create_errno;
    guint inject_create_count;
    int inject_remove_errno;
    guint inject_remove_count;
    gboolean verbose;
    /* links that went away since the lock was taken; told to
     * invalidate once it is released (sim_state_unlock()) */
    GPtrArray *gone_links;
    SimInvalidateFunc invalidate;
    gpointer invalidate_data;
    gint requests;              /* served outside .vgpu-sim/ (atomic) */
    GThread *reaper;            /* sim_state_start_reaper() */
    GCond reaper_wake;          /* a removal was scheduled, or stop */
    gboolean reaper_stop;
};

typedef struct {
    const char *name;
    int value;
} SimErrno;

/* Error numbers a scenario or .vgpu-sim/inject may name. */
static const SimErrno sim_errnos[] = {
    { "EPERM", EPERM },
    { "ENOENT", ENOENT },
    { "EIO", EIO },
    { "ENXIO", ENXIO },
    { "EAGAIN", EAGAIN },
    { "ENOMEM", ENOMEM },
    { "EACCES", EACCES },
    { "EFAULT", EFAULT },
    { "EBUSY", EBUSY },
    { "EEXIST", EEXIST },
    { "ENODEV", ENODEV },
    { "EINVAL", EINVAL },
    { "ENOSPC", ENOSPC },
    { "ERANGE", ERANGE },
    { "EDEADLK", EDEADLK },
    { "ENOSYS", ENOSYS },
    { "EUSERS", EUSERS },
    { "EOPNOTSUPP", EOPNOTSUPP },
    { "ETIMEDOUT", ETIMEDOUT },
    { "EDQUOT", EDQUOT },
};

G_DEFINE_QUARK(vgpu-sim-error-quark, sim_error)

static void
sim_log(SimState *state, const char *format, ...) G_GNUC_PRINTF(2, 3);

static void
sim_log(SimState *state, const char *format, ...)
{
    va_list args;
    g_autofree char *message = NULL;

    if (!state->verbose)
        return;
    va_start(args, format);
    message = g_strdup_vprintf(format, args);
    va_end(args);
    fprintf(stderr, "vgpu-sim: %s\n", message);
}

static const char *
sim_errno_name(int value)
{
    for (gsize i = 0; i < G_N_ELEMENTS(sim_errnos); i++) {
        if (sim_errnos[i].value == value)
            return sim_errnos[i].name;
    }
    return "E?";
}

/* Accepts a name from sim_errnos or a positive decimal number. */
static int
sim_errno_parse(const char *text)
{
    guint64 value;

    for (gsize i = 0; i < G_N_ELEMENTS(sim_errnos); i++) {
        if (g_ascii_strcasecmp(sim_errnos[i].name, text) == 0)
            return sim_errnos[i].value;
    }
    if (g_ascii_string_to_unsigned(text, 10, 1, 4095, &value, NULL))
        return (int) value;
    return 0;
}

/* ------------------------------------------------------------------ */
/* The tree                                                            */

static void
sim_node_free(gpointer data)
{
    SimNode *node = data;

    if (node == NULL)
        return;
    g_clear_pointer(&node->children, g_hash_table_unref);
    g_free(node->name);
    g_free(node->text);
    g_free(node);
}

static SimNode *
sim_node_new(SimNodeKind kind, const char *name, mode_t mode)
{
    SimNode *node = g_new0(SimNode, 1);

    node->kind = kind;
    node->name = g_strdup(name);
    node->mode = mode;
    clock_gettime(CLOCK_REALTIME, &node->time);
    if (kind == SIM_NODE_DIR) {
        node->children = g_hash_table_new_full(g_str_hash, g_str_equal,
                                               NULL, sim_node_free);
    }
    return node;
}

static SimNode *
sim_node_child(SimNode *dir, const char *name)
{
    if (dir->kind != SIM_NODE_DIR)
        return NULL;
    return g_hash_table_lookup(dir->children, name);
}

static SimNode *
sim_node_attach(SimNode *dir, SimNode *node)
{
    g_assert(dir->kind == SIM_NODE_DIR);
    g_assert(!g_hash_table_contains(dir->children, node->name));
    node->up = dir;
    g_hash_table_insert(dir->children, node->name, node);
    return node;
}

/* Appends to @out the path (below the mount point, "/"-led) of @node. */
static void
sim_node_append_path(SimNode *node, GString *out)
{
    if (node->up == NULL)
        return;
    sim_node_append_path(node->up, out);
    g_string_append_c(out, '/');
    g_string_append(out, node->name);
}

/* Adds to @paths the path of every link at or below @node. */
static void
sim_node_collect_links(SimNode *node, GPtrArray *paths)
{
    if (node->kind == SIM_NODE_LINK) {
        GString *path = g_string_new(NULL);

        sim_node_append_path(node, path);
        g_ptr_array_add(paths, g_string_free(path, FALSE));
    } else if (node->kind == SIM_NODE_DIR) {
        GHashTableIter iter;
        gpointer child;

        g_hash_table_iter_init(&iter, node->children);
        while (g_hash_table_iter_next(&iter, NULL, &child))
            sim_node_collect_links(child, paths);
    }
}

/* Removes @node from its directory and frees it with everything below;
 * the links among them go to @gone (paths), for the kernel's link cache. */
static void
sim_node_unlink(SimNode *node, GPtrArray *gone)
{
    g_assert(node->up != NULL);
    sim_node_collect_links(node, gone);
    g_hash_table_remove(node->up->children, node->name);
}

static SimNode *
sim_node_add_dir(SimNode *dir, const char *name)
{
    return sim_node_attach(dir, sim_node_new(SIM_NODE_DIR, name, 0755));
}

static SimNode *
sim_node_add_file(SimNode *dir, const char *name, mode_t mode, SimAttr attr,
                  const char *text, gpointer object)
{
    SimNode *node = sim_node_new(SIM_NODE_FILE, name, mode);

    node->attr = attr;
    node->text = g_strdup(text);
    node->object = object;
    return sim_node_attach(dir, node);
}

/* Walks @path (relative, '/'-separated) below @root, creating what is
 * missing.  Returns NULL if a component exists but is not a directory. */
static SimNode *
sim_node_mkdir_p(SimNode *root, const char *path)
{
    g_auto(GStrv) parts = g_strsplit(path, "/", -1);
    SimNode *node = root;

    for (char **part = parts; *part != NULL; part++) {
        SimNode *child;

        if (**part == '\0')
            continue;
        child = sim_node_child(node, *part);
        if (child == NULL)
            child = sim_node_add_dir(node, *part);
        else if (child->kind != SIM_NODE_DIR)
            return NULL;
        node = child;
    }
    return node;
}

static SimNode *
sim_node_lookup(SimNode *root, const char *path)
{
    SimNode *node = root;
    const char *p = path;

    while (node != NULL && *p != '\0') {
        const char *end;
        g_autofree char *name = NULL;

        while (*p == '/')
            p++;
        if (*p == '\0')
            break;
        end = strchr(p, '/');
        if (end == NULL)
            end = p + strlen(p);
        name = g_strndup(p, end - p);
        node = sim_node_child(node, name);
        p = end;
    }
    return node;
}

static guint
sim_node_depth(SimNode *node)
{
    guint depth = 0;

    for (; node->up != NULL; node = node->up)
        depth++;
    return depth;
}

/*
 * Adds a symbolic link @name in @dir pointing at @target with a relative
 * path through the closest common ancestor, the way sysfs spells its links
 * (fs/kernfs/symlink.c: kernfs_get_target_path()).
 */
static SimNode *
sim_node_add_link(SimNode *dir, const char *name, SimNode *target)
{
    SimNode *node = sim_node_new(SIM_NODE_LINK, name, 0777);
    GString *text = g_string_new(NULL);
    GPtrArray *below = g_ptr_array_new();
    SimNode *a = dir;
    SimNode *b = target;
    guint depth_a = sim_node_depth(a);
    guint depth_b = sim_node_depth(b);

    /* Climb to the common ancestor, collecting the target's side. */
    while (depth_a > depth_b) {
        g_string_append(text, "../");
        a = a->up;
        depth_a--;
    }
    while (depth_b > depth_a) {
        g_ptr_array_add(below, b->name);
        b = b->up;
        depth_b--;
    }
    while (a != b) {
        g_string_append(text, "../");
        g_ptr_array_add(below, b->name);
        a = a->up;
        b = b->up;
    }
    for (guint i = below->len; i > 0; i--) {
        g_string_append(text, g_ptr_array_index(below, i - 1));
        if (i > 1)
            g_string_append_c(text, '/');
    }
    g_ptr_array_free(below, TRUE);
    node->text = g_string_free(text, FALSE);
    return sim_node_attach(dir, node);
}

/* ------------------------------------------------------------------ */
/* Objects                                                             */

static void
sim_type_free(gpointer data)
{
    SimType *type = data;

    g_free(type->id);
    g_free(type->name);
    g_free(type->description);
    g_free(type->device_api);
    g_strfreev(type->device_attrs);
    g_free(type);
}

static void
sim_parent_free(gpointer data)
{
    SimParent *parent = data;

    g_free(parent->name);
    g_free(parent->path);
    g_free(parent->driver);
    g_ptr_array_unref(parent->types);
    g_free(parent);
}

static void
sim_vf_type_free(gpointer data)
{
    SimVfType *type = data;

    g_free(type->name);
    g_free(type);
}

static void
sim_vf_free(gpointer data)
{
    SimVf *vf = data;

    g_free(vf->name);
    g_free(vf);
}

static void
sim_pf_free(gpointer data)
{
    SimPf *pf = data;

    g_free(pf->name);
    g_ptr_array_unref(pf->vfs);
    g_ptr_array_unref(pf->types);
    g_free(pf);
}

static void
sim_mdev_free(gpointer data)
{
    SimMdev *mdev = data;

    g_ptr_array_unref(mdev->nodes);
    g_free(mdev);
}

void
sim_state_free(SimState *state)
{
    if (state == NULL)
        return;
    sim_state_stop_reaper(state);
    g_cond_clear(&state->reaper_wake);
    g_clear_pointer(&state->mdevs, g_hash_table_unref);
    g_clear_pointer(&state->groups, g_hash_table_unref);
    g_clear_pointer(&state->parents, g_ptr_array_unref);
    g_clear_pointer(&state->vfs, g_hash_table_unref);
    g_clear_pointer(&state->pci, g_hash_table_unref);
    g_clear_pointer(&state->pfs, g_ptr_array_unref);
    g_clear_pointer(&state->root, sim_node_free);
    g_clear_pointer(&state->gone_links, g_ptr_array_unref);
    g_cond_clear(&state->changed);
    g_mutex_clear(&state->lock);
    g_free(state);
}

/*
 * Releases the state lock, then tells the invalidate callback about every
 * link that went away meanwhile.  Outside the lock: the kernel's
 * invalidation may wait for a READLINK of that link in flight, which
 * another thread can only answer with the lock.
 */
static void
sim_state_unlock(SimState *state)
{
    g_autoptr(GPtrArray) gone = NULL;
    SimInvalidateFunc invalidate = state->invalidate;
    gpointer data = state->invalidate_data;

    if (state->gone_links->len > 0 && invalidate != NULL) {
        gone = g_steal_pointer(&state->gone_links);
        state->gone_links = g_ptr_array_new_with_free_func(g_free);
    } else {
        g_ptr_array_set_size(state->gone_links, 0);
    }
    g_mutex_unlock(&state->lock);
    for (guint i = 0; gone != NULL && i < gone->len; i++)
        invalidate(gone->pdata[i], data);
}

void
sim_state_set_interrupt_check(SimState *state, gboolean (*interrupted)(void))
{
    g_mutex_lock(&state->lock);
    state->interrupted = interrupted;
    sim_state_unlock(state);
}

void
sim_state_set_invalidate(SimState *state, SimInvalidateFunc invalidate,
                         gpointer data)
{
    g_mutex_lock(&state->lock);
    state->invalidate = invalidate;
    state->invalidate_data = data;
    sim_state_unlock(state);
}

void
sim_state_set_verbose(SimState *state, gboolean verbose)
{
    g_mutex_lock(&state->lock);
    state->verbose = verbose;
    sim_state_unlock(state);
}

/*
 * How many more mdevs of @type the physical GPU behind the VF parents of
 * @pf can take: NVIDIA's vGPU manager allows one vGPU type per physical
 * GPU at a time (homogeneous), up to the type's max_instances per GPU.
 */
static guint
sim_pf_mdev_room(SimPf *pf, SimType *type)
{
    guint same = 0;
    guint other = 0;

    for (guint i = 0; i < pf->vfs->len; i++) {
        SimVf *vf = g_ptr_array_index(pf->vfs, i);

        for (guint j = 0; j < vf->parent->types->len; j++) {
            SimType *t = g_ptr_array_index(vf->parent->types, j);

            if (strcmp(t->id, type->id) == 0)
                same += t->n_mdevs;
            else
                other += t->n_mdevs;
        }
    }
    if (other > 0 || same >= type->max_instances)
        return 0;
    return type->max_instances - same;
}

/*
 * available_instances of @type right now (mdev_sysfs.c:
 * available_instances_show() asks the vendor driver, or the core counter).
 */
static guint
sim_type_available(SimType *type)
{
    SimParent *parent = type->parent;

    switch (parent->model) {
    case SIM_MODEL_VF:
        /* NVIDIA SR-IOV with mdev (Ampere, vGPU < 17): one vGPU per VF,
         * and 1 only while the physical GPU has room for the type. */
        if (parent->n_mdevs > 0)
            return 0;
        return sim_pf_mdev_room(parent->pf, type) > 0 ? 1 : 0;
    case SIM_MODEL_POOL:
        return (parent->pool - parent->used) / type->cost;
    case SIM_MODEL_INDEPENDENT:
        return type->max_instances - type->n_mdevs;
    case SIM_MODEL_HOMOGENEOUS:
        if (parent->n_mdevs > 0 && type->n_mdevs == 0)
            return 0;
        return type->max_instances - type->n_mdevs;
    }
    g_assert_not_reached();
}

static const char *
sim_model_name(SimModel model)
{
    switch (model) {
    case SIM_MODEL_HOMOGENEOUS:
        return "homogeneous";
    case SIM_MODEL_INDEPENDENT:
        return "independent";
    case SIM_MODEL_POOL:
        return "pool";
    case SIM_MODEL_VF:
        return "vf";
    }
    g_assert_not_reached();
}

static const char *
sim_vgpu_name(SimVgpu vgpu)
{
    switch (vgpu) {
    case SIM_VGPU_NONE:
        return "none";
    case SIM_VGPU_NVIDIA_VFIO:
        return "nvidia-vfio";
    case SIM_VGPU_MDEV:
        return "mdev";
    }
    g_assert_not_reached();
}

static SimVfType *
sim_pf_find_type(SimPf *pf, guint id)
{
    for (guint i = 0; i < pf->types->len; i++) {
        SimVfType *type = g_ptr_array_index(pf->types, i);

        if (type->id == id)
            return type;
    }
    return NULL;
}

/*
 * How many more vGPUs of @type the physical GPU of @pf can host.  The
 * NVIDIA vGPU manager's default (homogeneous) mode allows one type per
 * physical GPU: once a VF holds type X, no other type fits until every
 * VF is back at 0; X fits up to its max_instances per GPU.  Mixed-size
 * (heterogeneous) mode, switched with nvidia-smi vgpu -shm, is not
 * modelled.
 */
static guint
sim_pf_vfio_room(SimPf *pf, SimVfType *type)
{
    guint same = 0;

    for (guint i = 0; i < pf->vfs->len; i++) {
        SimVf *vf = g_ptr_array_index(pf->vfs, i);

        if (vf->current == 0)
            continue;
        if (vf->current != type->id)
            return 0;
        same++;
    }
    return same >= type->max_instances ? 0 : type->max_instances - same;
}

/* Whether @type shows in @vf's creatable_vgpu_types: the VF holds no
 * vGPU and its GPU has room for one more of the type. */
static gboolean
sim_vf_can_create(SimVf *vf, SimVfType *type)
{
    return vf->current == 0 && sim_pf_vfio_room(vf->pf, type) > 0;
}

/* nvidia/creatable_vgpu_types: a header line, then "ID    : name" lines
 * of the types creatable now; only the header when none is. */
static char *
sim_vf_render_creatable(SimVf *vf)
{
    GString *out = g_string_new("ID    : vGPU Name\n");

    for (guint i = 0; i < vf->pf->types->len; i++) {
        SimVfType *type = g_ptr_array_index(vf->pf->types, i);

        if (sim_vf_can_create(vf, type))
            g_string_append_printf(out, "%-5u : %s\n", type->id, type->name);
    }
    return g_string_free(out, FALSE);
}

/* ------------------------------------------------------------------ */
/* Scenario loading                                                    */

static gboolean
sim_check_keys(GKeyFile *keyfile, const char *group,
               const char *const *allowed, const char *origin,
               GError **error)
{
    g_auto(GStrv) keys = g_key_file_get_keys(keyfile, group, NULL, NULL);

    for (char **key = keys; key != NULL && *key != NULL; key++) {
        if (!g_strv_contains(allowed, *key)) {
            g_autofree char *list = g_strjoinv(", ", (char **) allowed);

            g_set_error(error, SIM_ERROR, SIM_ERROR_SCENARIO,
                        "%s: [%s]: unknown key '%s' (known: %s)", origin,
                        group, *key, list);
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean
sim_get_uint(GKeyFile *keyfile, const char *group, const char *key,
             guint fallback, guint min, guint max, guint *out,
             const char *origin, GError **error)
{
    g_autofree char *text = NULL;
    guint64 value;

    *out = fallback;
    if (!g_key_file_has_key(keyfile, group, key, NULL))
        return TRUE;
    text = g_key_file_get_string(keyfile, group, key, NULL);
    g_strstrip(text);
    if (!g_ascii_string_to_unsigned(text, 10, min, max, &value, NULL)) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_SCENARIO,
                    "%s: [%s]: %s='%s' is not a number from %u to %u",
                    origin, group, key, text, min, max);
        return FALSE;
    }
    *out = (guint) value;
    return TRUE;
}

static gboolean
sim_name_is_valid(const char *name)
{
    return name[0] != '\0' && strchr(name, '/') == NULL &&
           strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

/* Parses "DDDD:BB:DD.F"; returns FALSE for anything else. */
static gboolean
sim_pci_parse(const char *name, guint *domain, guint *bus, guint *slot,
              guint *function)
{
    int end = -1;

    if (strlen(name) != 12)
        return FALSE;
    if (sscanf(name, "%4x:%2x:%2x.%1x%n", domain, bus, slot, function,
               &end) != 4 || end != 12)
        return FALSE;
    for (int i = 0; i < 12; i++) {
        if (i == 4 || i == 7 || i == 10)
            continue;
        if (!g_ascii_isxdigit(name[i]))
            return FALSE;
    }
    return *slot < 32 && *function < 8;
}

static SimParent *
sim_state_find_parent(SimState *state, const char *name)
{
    for (guint i = 0; i < state->parents->len; i++) {
        SimParent *parent = g_ptr_array_index(state->parents, i);

        if (strcmp(parent->name, name) == 0)
            return parent;
    }
    return NULL;
}

/* Default location of a parent device below /sys. */
static char *
sim_state_default_path(SimState *state, const char *name)
{
    guint domain, bus, slot, function, port;

    if (!sim_pci_parse(name, &domain, &bus, &slot, &function))
        return g_strdup_printf("devices/virtual/%s/%s", name, name);
    if (bus == 0)
        return g_strdup_printf("devices/pci%04x:00/%s", domain, name);
    /* Behind a root port 0000:00:01.0, 0000:00:01.1, ... 0000:00:1f.7. */
    port = state->n_root_ports++;
    return g_strdup_printf("devices/pci%04x:00/%04x:00:%02x.%x/%s", domain,
                           domain, 1 + (port / 8) % 31, port % 8, name);
}

static gboolean
sim_parent_add_type(SimParent *parent, GKeyFile *keyfile, const char *id,
                    const char *origin, GError **error)
{
    static const char *const keys[] = {
        "name", "description", "device_api", "max_instances", "cost",
        "device_attrs", NULL
    };
    g_autofree char *group = g_strdup_printf("type %s", id);
    SimType *type;
    guint max_instances, cost;

    if (!sim_name_is_valid(id)) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_SCENARIO,
                    "%s: [parent %s]: invalid type name '%s'", origin,
                    parent->name, id);
        return FALSE;
    }
    if (!g_key_file_has_group(keyfile, group)) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_SCENARIO,
                    "%s: [parent %s] lists type '%s' but there is no "
                    "[type %s] section", origin, parent->name, id, id);
        return FALSE;
    }
    if (!sim_check_keys(keyfile, group, keys, origin, error))
        return FALSE;
    for (guint i = 0; i < parent->types->len; i++) {
        SimType *other = g_ptr_array_index(parent->types, i);

        if (strcmp(other->id, id) == 0) {
            g_set_error(error, SIM_ERROR, SIM_ERROR_SCENARIO,
                        "%s: [parent %s] lists type '%s' twice", origin,
                        parent->name, id);
            return FALSE;
        }
    }
    if (!sim_get_uint(keyfile, group, "max_instances", 0, 1,
                      SIM_MAX_INSTANCES, &max_instances, origin, error) ||
        !sim_get_uint(keyfile, group, "cost", 1, 1, SIM_MAX_INSTANCES, &cost,
                      origin, error))
        return FALSE;
    if (parent->model != SIM_MODEL_POOL && max_instances == 0) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_SCENARIO,
                    "%s: [%s] needs max_instances (parent %s uses model=%s)",
                    origin, group, parent->name,
                    sim_model_name(parent->model));
        return FALSE;
    }

    type = g_new0(SimType, 1);
    type->id = g_strdup(id);
    type->name = g_key_file_get_string(keyfile, group, "name", NULL);
    type->description = g_key_file_get_string(keyfile, group, "description",
                                               NULL);
    type->device_api = g_key_file_get_string(keyfile, group, "device_api",
                                              NULL);
    if (type->device_api == NULL)
        type->device_api = g_strdup("vfio-pci");
    type->device_attrs = g_key_file_get_string_list(keyfile, group,
                                                    "device_attrs", NULL,
                                                    NULL);
    for (guint i = 0; type->device_attrs && type->device_attrs[i]; i++) {
        static const char *const taken[] = {
            "mdev_type", "iommu_group", "driver", "subsystem", "remove",
            "uevent", NULL
        };

        if (!sim_name_is_valid(type->device_attrs[i]) ||
            g_strv_contains(taken, type->device_attrs[i])) {
            g_set_error(error, SIM_ERROR, SIM_ERROR_SCENARIO,
                        "%s: [%s]: invalid device attribute '%s'", origin,
                        group, type->device_attrs[i]);
            sim_type_free(type);
            return FALSE;
        }
    }
    type->max_instances = max_instances;
    type->cost = cost;
    type->parent = parent;
    g_ptr_array_add(parent->types, type);
    return TRUE;
}

/* Creates the sysfs nodes of a fully loaded parent. */
static gboolean
sim_state_build_parent(SimState *state, SimParent *parent,
                       const char *vendor, const char *device,
                       const char *origin, GError **error)
{
    SimNode *types_dir;
    SimNode *class_dir = sim_node_lookup(state->root, "class/mdev_bus");

    parent->dir = sim_node_mkdir_p(state->root, parent->path);
    if (parent->dir == NULL ||
        sim_node_child(parent->dir, "mdev_supported_types") != NULL) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_SCENARIO,
                    "%s: [parent %s]: path '%s' is already used", origin,
                    parent->name, parent->path);
        return FALSE;
    }
    if (vendor != NULL) {
        g_autofree char *text = g_strdup_printf("%s\n", vendor);

        sim_node_add_file(parent->dir, "vendor", 0444, SIM_ATTR_TEXT, text,
                          NULL);
    }
    if (device != NULL) {
        g_autofree char *text = g_strdup_printf("%s\n", device);

        sim_node_add_file(parent->dir, "device", 0444, SIM_ATTR_TEXT, text,
                          NULL);
    }

    types_dir = sim_node_add_dir(parent->dir, "mdev_supported_types");
    for (guint i = 0; i < parent->types->len; i++) {
        SimType *type = g_ptr_array_index(parent->types, i);
        g_autofree char *api = g_strdup_printf("%s\n", type->device_api);

        type->dir = sim_node_add_dir(types_dir, type->id);
        sim_node_add_file(type->dir, "create", 0200, SIM_ATTR_CREATE, NULL,
                          type);
        sim_node_add_file(type->dir, "device_api", 0444, SIM_ATTR_TEXT, api,
                          NULL);
        sim_node_add_file(type->dir, "available_instances", 0444,
                          SIM_ATTR_AVAILABLE, NULL, type);
        if (type->name != NULL) {
            g_autofree char *text = g_strdup_printf("%s\n", type->name);

            sim_node_add_file(type->dir, "name", 0444, SIM_ATTR_TEXT, text,
                              NULL);
        }
        if (type->description != NULL) {
            g_autofree char *text = g_strdup_printf("%s\n",
                                                    type->description);

            sim_node_add_file(type->dir, "description", 0444, SIM_ATTR_TEXT,
                              text, NULL);
        }
        type->devices_dir = sim_node_add_dir(type->dir, "devices");
    }

    sim_node_add_link(class_dir, parent->name, parent->dir);
    sim_node_mkdir_p(sim_node_lookup(state->root, "bus/mdev/drivers"),
                     parent->driver);
    return TRUE;
}

static gboolean
sim_state_load_parent(SimState *state, GKeyFile *keyfile, const char *group,
                      const char *name, const char *origin, GError **error)
{
    static const char *const keys[] = {
        "model", "types", "path", "copies", "pool", "exhausted_errno",
        "remove_delay_ms", "create_delay_ms", "driver", "vendor", "device",
        NULL
    };
    g_autofree char *model = NULL;
    g_autofree char *path = NULL;
    g_autofree char *exhausted = NULL;
    g_autofree char *driver = NULL;
    g_autofree char *vendor = NULL;
    g_autofree char *device = NULL;
    g_auto(GStrv) types = NULL;
    guint copies, pool, remove_delay_ms, create_delay_ms;
    guint domain = 0, bus = 0, slot = 0, function = 0;
    SimModel model_value = SIM_MODEL_HOMOGENEOUS;
    int exhausted_errno = ENOSPC;

    if (!sim_check_keys(keyfile, group, keys, origin, error))
        return FALSE;
    if (!sim_name_is_valid(name)) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_SCENARIO,
                    "%s: [%s]: invalid parent name", origin, group);
        return FALSE;
    }

    model = g_key_file_get_string(keyfile, group, "model", NULL);
    if (model == NULL || strcmp(model, "homogeneous") == 0) {
        model_value = SIM_MODEL_HOMOGENEOUS;
    } else if (strcmp(model, "independent") == 0) {
        model_value = SIM_MODEL_INDEPENDENT;
    } else if (strcmp(model, "pool") == 0) {
        model_value = SIM_MODEL_POOL;
    } else {
        g_set_error(error, SIM_ERROR, SIM_ERROR_SCENARIO,
                    "%s: [%s]: model='%s' is not homogeneous, independent "
                    "or pool", origin, group, model);
        return FALSE;
    }

    types = g_key_file_get_string_list(keyfile, group, "types", NULL, NULL);
    if (types == NULL || types[0] == NULL) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_SCENARIO,
                    "%s: [%s] needs types=TYPE;TYPE;...", origin, group);
        return FALSE;
    }

    if (!sim_get_uint(keyfile, group, "copies", 1, 1, SIM_MAX_COPIES,
                      &copies, origin, error) ||
        !sim_get_uint(keyfile, group, "pool", 0, 1, SIM_MAX_INSTANCES, &pool,
                      origin, error) ||
        !sim_get_uint(keyfile, group, "remove_delay_ms", 0, 0,
                      SIM_MAX_DELAY_MS, &remove_delay_ms, origin, error) ||
        !sim_get_uint(keyfile, group, "create_delay_ms", 0, 0,
                      SIM_MAX_DELAY_MS, &create_delay_ms, origin, error))
        return FALSE;
    if (model_value == SIM_MODEL_POOL && pool == 0) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_SCENARIO,
                    "%s: [%s]: model=pool needs pool=UNITS", origin, group);
        return FALSE;
    }

    exhausted = g_key_file_get_string(keyfile, group, "exhausted_errno", NULL);
    if (exhausted != NULL) {
        g_strstrip(exhausted);
        exhausted_errno = sim_errno_parse(exhausted);
        if (exhausted_errno == 0) {
            g_set_error(error, SIM_ERROR, SIM_ERROR_SCENARIO,
                        "%s: [%s]: exhausted_errno='%s' is not an errno "
                        "name such as ENOSPC or EUSERS", origin, group,
                        exhausted);
            return FALSE;
        }
    }

    path = g_key_file_get_string(keyfile, group, "path", NULL);
    if (path != NULL) {
        g_autofree char *suffix = g_strconcat("/", name, NULL);

        g_strstrip(path);
        if (copies > 1 || path[0] == '/' || strstr(path, "..") != NULL ||
            !g_str_has_prefix(path, "devices/") ||
            !g_str_has_suffix(path, suffix)) {
            g_set_error(error, SIM_ERROR, SIM_ERROR_SCENARIO,
                        "%s: [%s]: path='%s' must be relative to /sys, start "
                        "with devices/, end with /%s, and cannot be combined "
                        "with copies", origin, group, path, name);
            return FALSE;
        }
    }

    if (copies > 1 &&
        !sim_pci_parse(name, &domain, &bus, &slot, &function)) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_SCENARIO,
                    "%s: [%s]: copies= needs a PCI address name such as "
                    "0000:3b:00.0", origin, group);
        return FALSE;
    }
    if (copies > 1 && bus + copies - 1 > 0xff) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_SCENARIO,
                    "%s: [%s]: copies=%u runs past bus ff", origin, group,
                    copies);
        return FALSE;
    }

    driver = g_key_file_get_string(keyfile, group, "driver", NULL);
    if (driver != NULL)
        g_strstrip(driver);
    if (driver != NULL && !sim_name_is_valid(driver)) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_SCENARIO,
                    "%s: [%s]: invalid driver='%s'", origin, group, driver);
        return FALSE;
    }
    vendor = g_key_file_get_string(keyfile, group, "vendor", NULL);
    device = g_key_file_get_string(keyfile, group, "device", NULL);

    for (guint copy = 0; copy < copies; copy++) {
        SimParent *parent;
        g_autofree char *copy_name = NULL;

        if (copies > 1) {
            copy_name = g_strdup_printf("%04x:%02x:%02x.%x", domain,
                                        bus + copy, slot, function);
        } else {
            copy_name = g_strdup(name);
        }
        if (sim_state_find_parent(state, copy_name) != NULL) {
            g_set_error(error, SIM_ERROR, SIM_ERROR_SCENARIO,
                        "%s: parent %s is defined twice", origin, copy_name);
            return FALSE;
        }

        parent = g_new0(SimParent, 1);
        parent->name = g_steal_pointer(&copy_name);
        parent->model = model_value;
        parent->pool = pool;
        parent->exhausted_errno = exhausted_errno;
        parent->remove_delay_ms = remove_delay_ms;
        parent->create_delay_ms = create_delay_ms;
        parent->driver = g_strdup(driver != NULL ? driver : "vfio_mdev");
        parent->types = g_ptr_array_new_with_free_func(sim_type_free);
        parent->path = path != NULL ? g_strdup(path)
                                    : sim_state_default_path(state,
                                                             parent->name);
        g_ptr_array_add(state->parents, parent);

        for (char **id = types; *id != NULL; id++) {
            g_strstrip(*id);
            if (**id == '\0')
                continue;
            if (!sim_parent_add_type(parent, keyfile, *id, origin, error))
                return FALSE;
        }
        if (!sim_state_build_parent(state, parent, vendor, device, origin,
                                    error))
            return FALSE;
    }
    return TRUE;
}

/* ------------------------------------------------------------------ */
/* PCI devices and SR-IOV ([pf BDF])                                   */

/* What a PCI function shows in sysfs (drivers/pci/pci-sysfs.c). */
typedef struct {
    guint vendor;
    guint device;
    guint class_code;           /* 24 bits: base class, subclass, prog-if */
    guint subsystem_vendor;
    guint subsystem_device;
} SimPciIds;

/* A [pf] section, parsed. */
typedef struct {
    SimPciIds pf_ids;
    SimPciIds vf_ids;
    char *driver;               /* nullable: the PF is not bound */
    char *vf_driver;            /* nullable: no VF is bound */
    char *mdev_driver;
    GStrv types;
    SimVgpu vgpu;
    guint copies;
    guint totalvfs;
    guint numvfs;
    guint vf_bound;             /* VFs 0 .. vf_bound-1 have vf_driver */
    guint offset;               /* First VF Offset (routing IDs) */
    guint stride;               /* VF Stride */
    int uncreatable_errno;
    int exhausted_errno;
    guint create_delay_ms;
    guint remove_delay_ms;
} SimPfConfig;

static void
sim_pf_config_clear(SimPfConfig *config)
{
    g_free(config->driver);
    g_free(config->vf_driver);
    g_free(config->mdev_driver);
    g_strfreev(config->types);
}

static gboolean
sim_get_hex(GKeyFile *keyfile, const char *group, const char *key,
            guint fallback, guint max, guint *out, const char *origin,
            GError **error)
{
    g_autofree char *text = NULL;
    const char *digits;
    guint64 value;

    *out = fallback;
    if (!g_key_file_has_key(keyfile, group, key, NULL))
        return TRUE;
    text = g_key_file_get_string(keyfile, group, key, NULL);
    g_strstrip(text);
    digits = g_str_has_prefix(text, "0x") ? text + 2 : text;
    if (!g_ascii_string_to_unsigned(digits, 16, 0, max, &value, NULL)) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_SCENARIO,
                    "%s: [%s]: %s='%s' is not a hexadecimal number up to "
                    "0x%x", origin, group, key, text, max);
        return FALSE;
    }
    *out = (guint) value;
    return TRUE;
}

static gboolean
sim_get_errno(GKeyFile *keyfile, const char *group, const char *key,
              int fallback, int *out, const char *origin, GError **error)
{
    g_autofree char *text = g_key_file_get_string(keyfile, group, key, NULL);

    *out = fallback;
    if (text == NULL)
        return TRUE;
    g_strstrip(text);
    *out = sim_errno_parse(text);
    if (*out == 0) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_SCENARIO,
                    "%s: [%s]: %s='%s' is not an errno name such as EINVAL",
                    origin, group, key, text);
        return FALSE;
    }
    return TRUE;
}

/* A driver name, or NULL (not bound) when @key is absent or empty. */
static gboolean
sim_get_driver(GKeyFile *keyfile, const char *group, const char *key,
               char **out, const char *origin, GError **error)
{
    *out = g_key_file_get_string(keyfile, group, key, NULL);
    if (*out == NULL)
        return TRUE;
    g_strstrip(*out);
    if (**out == '\0') {
        g_clear_pointer(out, g_free);
        return TRUE;
    }
    if (!sim_name_is_valid(*out)) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_SCENARIO,
                    "%s: [%s]: invalid %s='%s'", origin, group, key, *out);
        return FALSE;
    }
    return TRUE;
}

/* A key that only makes sense with one value of vgpu=. */
static gboolean
sim_pf_key_needs(GKeyFile *keyfile, const char *group, const char *key,
                 SimVgpu vgpu, SimVgpu needed, const char *origin,
                 GError **error)
{
    if (vgpu == needed || !g_key_file_has_key(keyfile, group, key, NULL))
        return TRUE;
    g_set_error(error, SIM_ERROR, SIM_ERROR_SCENARIO,
                "%s: [%s]: %s= needs vgpu=%s", origin, group, key,
                sim_vgpu_name(needed));
    return FALSE;
}

static gboolean
sim_pf_config_load(SimPfConfig *config, GKeyFile *keyfile, const char *group,
                   const char *origin, GError **error)
{
    static const char *const keys[] = {
        "copies", "vendor", "device", "class", "subsystem_vendor",
        "subsystem_device", "driver", "totalvfs", "numvfs", "vf_vendor",
        "vf_device", "vf_class", "vf_driver", "vf_bound", "vf_offset",
        "vf_stride", "vgpu", "types", "uncreatable_errno",
        "create_delay_ms", "exhausted_errno", "remove_delay_ms",
        "mdev_driver", NULL
    };
    SimPciIds *pf = &config->pf_ids;
    SimPciIds *vf = &config->vf_ids;
    g_autofree char *vgpu = NULL;

    if (!sim_check_keys(keyfile, group, keys, origin, error))
        return FALSE;
    if (!g_key_file_has_key(keyfile, group, "vendor", NULL) ||
        !g_key_file_has_key(keyfile, group, "device", NULL) ||
        !g_key_file_has_key(keyfile, group, "totalvfs", NULL)) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_SCENARIO,
                    "%s: [%s] needs vendor=, device= and totalvfs=", origin,
                    group);
        return FALSE;
    }
    if (!sim_get_hex(keyfile, group, "vendor", 0, 0xffff, &pf->vendor,
                     origin, error) ||
        !sim_get_hex(keyfile, group, "device", 0, 0xffff, &pf->device,
                     origin, error) ||
        !sim_get_hex(keyfile, group, "class", 0x030000, 0xffffff,
                     &pf->class_code, origin, error) ||
        !sim_get_hex(keyfile, group, "subsystem_vendor", pf->vendor, 0xffff,
                     &pf->subsystem_vendor, origin, error) ||
        !sim_get_hex(keyfile, group, "subsystem_device", 0, 0xffff,
                     &pf->subsystem_device, origin, error) ||
        !sim_get_hex(keyfile, group, "vf_vendor", pf->vendor, 0xffff,
                     &vf->vendor, origin, error) ||
        !sim_get_hex(keyfile, group, "vf_device", pf->device, 0xffff,
                     &vf->device, origin, error) ||
        !sim_get_hex(keyfile, group, "vf_class", pf->class_code, 0xffffff,
                     &vf->class_code, origin, error))
        return FALSE;
    vf->subsystem_vendor = pf->subsystem_vendor;
    vf->subsystem_device = pf->subsystem_device;

    if (!sim_get_uint(keyfile, group, "copies", 1, 1, SIM_MAX_COPIES,
                      &config->copies, origin, error) ||
        !sim_get_uint(keyfile, group, "totalvfs", 0, 1, SIM_MAX_VFS,
                      &config->totalvfs, origin, error) ||
        !sim_get_uint(keyfile, group, "numvfs", config->totalvfs, 0,
                      config->totalvfs, &config->numvfs, origin, error) ||
        !sim_get_uint(keyfile, group, "vf_bound", config->numvfs, 0,
                      config->numvfs, &config->vf_bound, origin, error) ||
        !sim_get_uint(keyfile, group, "vf_offset", 1, 1, 0xffff,
                      &config->offset, origin, error) ||
        !sim_get_uint(keyfile, group, "vf_stride", 1, 1, 0xffff,
                      &config->stride, origin, error) ||
        !sim_get_uint(keyfile, group, "create_delay_ms", 0, 0,
                      SIM_MAX_DELAY_MS, &config->create_delay_ms, origin,
                      error) ||
        !sim_get_uint(keyfile, group, "remove_delay_ms", 0, 0,
                      SIM_MAX_DELAY_MS, &config->remove_delay_ms, origin,
                      error))
        return FALSE;
    if (!sim_get_driver(keyfile, group, "driver", &config->driver, origin,
                        error) ||
        !sim_get_driver(keyfile, group, "vf_driver", &config->vf_driver,
                        origin, error) ||
        !sim_get_driver(keyfile, group, "mdev_driver", &config->mdev_driver,
                        origin, error))
        return FALSE;
    if (config->mdev_driver == NULL)
        config->mdev_driver = g_strdup("vfio_mdev");

    vgpu = g_key_file_get_string(keyfile, group, "vgpu", NULL);
    if (vgpu != NULL)
        g_strstrip(vgpu);
    if (vgpu == NULL || strcmp(vgpu, "none") == 0) {
        config->vgpu = SIM_VGPU_NONE;
    } else if (strcmp(vgpu, "nvidia-vfio") == 0) {
        config->vgpu = SIM_VGPU_NVIDIA_VFIO;
    } else if (strcmp(vgpu, "mdev") == 0) {
        config->vgpu = SIM_VGPU_MDEV;
    } else {
        g_set_error(error, SIM_ERROR, SIM_ERROR_SCENARIO,
                    "%s: [%s]: vgpu='%s' is not none, nvidia-vfio or mdev",
                    origin, group, vgpu);
        return FALSE;
    }
    if (!sim_pf_key_needs(keyfile, group, "uncreatable_errno", config->vgpu,
                          SIM_VGPU_NVIDIA_VFIO, origin, error) ||
        !sim_pf_key_needs(keyfile, group, "exhausted_errno", config->vgpu,
                          SIM_VGPU_MDEV, origin, error) ||
        !sim_pf_key_needs(keyfile, group, "remove_delay_ms", config->vgpu,
                          SIM_VGPU_MDEV, origin, error) ||
        !sim_pf_key_needs(keyfile, group, "mdev_driver", config->vgpu,
                          SIM_VGPU_MDEV, origin, error) ||
        !sim_get_errno(keyfile, group, "uncreatable_errno", EINVAL,
                       &config->uncreatable_errno, origin, error) ||
        !sim_get_errno(keyfile, group, "exhausted_errno", ENOSPC,
                       &config->exhausted_errno, origin, error))
        return FALSE;

    config->types = g_key_file_get_string_list(keyfile, group, "types", NULL,
                                               NULL);
    if ((config->types != NULL) != (config->vgpu != SIM_VGPU_NONE) ||
        (config->types != NULL && config->types[0] == NULL)) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_SCENARIO,
                    "%s: [%s]: types= is needed with vgpu=nvidia-vfio or "
                    "mdev, and only then", origin, group);
        return FALSE;
    }
    if (config->vgpu == SIM_VGPU_NONE &&
        g_key_file_has_key(keyfile, group, "create_delay_ms", NULL)) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_SCENARIO,
                    "%s: [%s]: create_delay_ms= needs vgpu=nvidia-vfio or "
                    "mdev", origin, group);
        return FALSE;
    }
    return TRUE;
}

/* A vGPU type of vgpu=nvidia-vfio: [type ID] with name= and
 * max_instances= (per physical GPU). */
static gboolean
sim_pf_add_vf_type(SimPf *pf, GKeyFile *keyfile, const char *id_text,
                   const char *origin, GError **error)
{
    static const char *const keys[] = { "name", "max_instances", NULL };
    g_autofree char *group = g_strdup_printf("type %s", id_text);
    g_autofree char *name = NULL;
    SimVfType *type;
    guint64 id;
    guint max_instances;

    if (!g_ascii_string_to_unsigned(id_text, 10, 1, G_MAXINT, &id, NULL) ||
        id_text[0] == '0') {
        g_set_error(error, SIM_ERROR, SIM_ERROR_SCENARIO,
                    "%s: [pf %s]: type '%s' is not a decimal vGPU type id "
                    "(vgpu=nvidia-vfio)", origin, pf->name, id_text);
        return FALSE;
    }
    if (!g_key_file_has_group(keyfile, group)) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_SCENARIO,
                    "%s: [pf %s] lists type '%s' but there is no "
                    "[type %s] section", origin, pf->name, id_text, id_text);
        return FALSE;
    }
    if (!sim_check_keys(keyfile, group, keys, origin, error) ||
        !sim_get_uint(keyfile, group, "max_instances", 0, 1,
                      SIM_MAX_INSTANCES, &max_instances, origin, error))
        return FALSE;
    name = g_key_file_get_string(keyfile, group, "name", NULL);
    if (name == NULL || max_instances == 0) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_SCENARIO,
                    "%s: [%s] needs name= and max_instances= (listed by "
                    "[pf %s], vgpu=nvidia-vfio)", origin, group, pf->name);
        return FALSE;
    }
    if (sim_pf_find_type(pf, (guint) id) != NULL) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_SCENARIO,
                    "%s: [pf %s] lists type '%s' twice", origin, pf->name,
                    id_text);
        return FALSE;
    }
    type = g_new0(SimVfType, 1);
    type->id = (guint) id;
    type->name = g_steal_pointer(&name);
    type->max_instances = max_instances;
    g_ptr_array_add(pf->types, type);
    return TRUE;
}

/* PCI devices get IOMMU groups from pci_iommu_group_base on, at load
 * time (one group per function, as behind an ACS-capable root port). */
static guint
sim_state_alloc_pci_group(SimState *state)
{
    guint group = state->pci_iommu_group_base;

    while (g_hash_table_contains(state->groups, GUINT_TO_POINTER(group + 1)))
        group++;
    g_hash_table_add(state->groups, GUINT_TO_POINTER(group + 1));
    return group;
}

static void
sim_node_add_hex(SimNode *dir, const char *name, guint value, int width)
{
    g_autofree char *text = g_strdup_printf("0x%0*x\n", width, value);

    sim_node_add_file(dir, name, 0444, SIM_ATTR_TEXT, text, NULL);
}

static void
sim_node_add_number(SimNode *dir, const char *name, guint value)
{
    g_autofree char *text = g_strdup_printf("%u\n", value);

    sim_node_add_file(dir, name, 0444, SIM_ATTR_TEXT, text, NULL);
}

/*
 * Adds PCI function @name in @up with the attributes of
 * drivers/pci/pci-sysfs.c, its uevent (pci_uevent()), the links
 * bus/pci/devices/NAME, subsystem, iommu_group (and the group's link
 * back) and, when @driver is not NULL, driver and the driver's link to it.
 */
static SimNode *
sim_state_add_pci(SimState *state, SimNode *up, const char *name,
                  const SimPciIds *ids, const char *driver,
                  const char *origin, GError **error)
{
    SimNode *dir, *group_dir, *bus;
    g_autofree char *uevent = NULL;
    GString *text;
    char group_name[16];
    guint group;

    if (g_hash_table_contains(state->pci, name) ||
        sim_node_child(up, name) != NULL) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_SCENARIO,
                    "%s: PCI address %s is used twice", origin, name);
        return NULL;
    }
    bus = sim_node_lookup(state->root, "bus/pci");
    dir = sim_node_add_dir(up, name);
    g_hash_table_insert(state->pci, dir->name, dir);
    sim_node_add_hex(dir, "vendor", ids->vendor, 4);
    sim_node_add_hex(dir, "device", ids->device, 4);
    sim_node_add_hex(dir, "class", ids->class_code, 6);
    sim_node_add_hex(dir, "subsystem_vendor", ids->subsystem_vendor, 4);
    sim_node_add_hex(dir, "subsystem_device", ids->subsystem_device, 4);

    text = g_string_new(NULL);
    if (driver != NULL)
        g_string_append_printf(text, "DRIVER=%s\n", driver);
    g_string_append_printf(text,
                           "PCI_CLASS=%X\nPCI_ID=%04X:%04X\n"
                           "PCI_SUBSYS_ID=%04X:%04X\nPCI_SLOT_NAME=%s\n"
                           "MODALIAS=pci:v%08Xd%08Xsv%08Xsd%08Xbc%02Xsc%02X"
                           "i%02X\n",
                           ids->class_code, ids->vendor, ids->device,
                           ids->subsystem_vendor, ids->subsystem_device, name,
                           ids->vendor, ids->device, ids->subsystem_vendor,
                           ids->subsystem_device, ids->class_code >> 16,
                           (ids->class_code >> 8) & 0xff,
                           ids->class_code & 0xff);
    uevent = g_string_free(text, FALSE);
    sim_node_add_file(dir, "uevent", 0644, SIM_ATTR_UEVENT, uevent, NULL);

    sim_node_add_link(dir, "subsystem", bus);
    sim_node_add_link(sim_node_child(bus, "devices"), name, dir);

    group = sim_state_alloc_pci_group(state);
    g_snprintf(group_name, sizeof(group_name), "%u", group);
    group_dir = sim_node_add_dir(sim_node_lookup(state->root,
                                                 "kernel/iommu_groups"),
                                 group_name);
    sim_node_add_link(sim_node_add_dir(group_dir, "devices"), name, dir);
    sim_node_add_link(dir, "iommu_group", group_dir);

    if (driver != NULL) {
        SimNode *driver_dir = sim_node_mkdir_p(sim_node_child(bus, "drivers"),
                                               driver);

        sim_node_add_link(dir, "driver", driver_dir);
        sim_node_add_link(driver_dir, name, dir);
    }
    return dir;
}

/*
 * VF @index of PF @domain:@bus:@devfn, as drivers/pci/iov.c computes it:
 * routing ID = PF's + First VF Offset + index * VF Stride
 * (pci_iov_virtfn_bus(), pci_iov_virtfn_devfn()).  NULL when it runs
 * past bus ff.
 */
static char *
sim_vf_address(guint domain, guint bus, guint devfn,
               const SimPfConfig *config, guint index)
{
    guint rid = devfn + config->offset + config->stride * index;
    guint vf_bus = bus + (rid >> 8);

    if (vf_bus > 0xff)
        return NULL;
    return g_strdup_printf("%04x:%02x:%02x.%x", domain, vf_bus,
                           (rid & 0xff) >> 3, rid & 7);
}

/* vgpu=mdev: @vf becomes an mdev parent (the legacy NVIDIA SR-IOV
 * layout: class/mdev_bus/<VF>, types under the VF). */
static gboolean
sim_state_add_vf_parent(SimState *state, SimVf *vf,
                        const SimPfConfig *config, GKeyFile *keyfile,
                        const char *origin, GError **error)
{
    SimParent *parent = g_new0(SimParent, 1);
    GString *path = g_string_new(vf->name);

    for (SimNode *node = vf->dir->up; node->up != NULL; node = node->up) {
        g_string_prepend_c(path, '/');
        g_string_prepend(path, node->name);
    }
    if (sim_state_find_parent(state, vf->name) != NULL) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_SCENARIO,
                    "%s: parent %s is defined twice", origin, vf->name);
        g_string_free(path, TRUE);
        g_free(parent);
        return FALSE;
    }
    parent->name = g_strdup(vf->name);
    parent->path = g_string_free(path, FALSE);
    parent->model = SIM_MODEL_VF;
    parent->pf = vf->pf;
    parent->exhausted_errno = config->exhausted_errno;
    parent->remove_delay_ms = config->remove_delay_ms;
    parent->create_delay_ms = config->create_delay_ms;
    parent->driver = g_strdup(config->mdev_driver);
    parent->types = g_ptr_array_new_with_free_func(sim_type_free);
    g_ptr_array_add(state->parents, parent);
    vf->parent = parent;

    for (char **id = config->types; *id != NULL; id++) {
        g_strstrip(*id);
        if (**id == '\0')
            continue;
        if (!sim_parent_add_type(parent, keyfile, *id, origin, error))
            return FALSE;
    }
    return sim_state_build_parent(state, parent, NULL, NULL, origin, error);
}

/* vgpu=nvidia-vfio: the VF's nvidia/ directory. */
static void
sim_vf_add_nvidia_files(SimVf *vf)
{
    SimNode *dir = sim_node_add_dir(vf->dir, "nvidia");

    sim_node_add_file(dir, "creatable_vgpu_types", 0444,
                      SIM_ATTR_VF_CREATABLE, NULL, vf);
    sim_node_add_file(dir, "current_vgpu_type", 0644, SIM_ATTR_VF_CURRENT,
                      NULL, vf);
}

static gboolean
sim_state_build_vf(SimState *state, SimPf *pf, const SimPfConfig *config,
                   GKeyFile *keyfile, const char *vf_name, guint index,
                   const char *origin, GError **error)
{
    SimVf *vf = g_new0(SimVf, 1);
    g_autofree char *virtfn = g_strdup_printf("virtfn%u", index);
    const char *driver = index < config->vf_bound ? config->vf_driver : NULL;

    vf->name = g_strdup(vf_name);
    vf->index = index;
    vf->pf = pf;
    g_ptr_array_add(pf->vfs, vf);
    vf->dir = sim_state_add_pci(state, pf->dir->up, vf_name,
                                &config->vf_ids, driver, origin, error);
    if (vf->dir == NULL)
        return FALSE;
    g_hash_table_insert(state->vfs, vf->name, vf);
    /* drivers/pci/iov.c: pci_iov_sysfs_link() */
    sim_node_add_link(pf->dir, virtfn, vf->dir);
    sim_node_add_link(vf->dir, "physfn", pf->dir);
    if (config->vgpu == SIM_VGPU_NVIDIA_VFIO)
        sim_vf_add_nvidia_files(vf);
    if (config->vgpu == SIM_VGPU_MDEV)
        return sim_state_add_vf_parent(state, vf, config, keyfile, origin,
                                       error);
    return TRUE;
}

static gboolean
sim_state_build_pf(SimState *state, const SimPfConfig *config,
                   GKeyFile *keyfile, const char *name, const char *origin,
                   GError **error)
{
    SimPf *pf = g_new0(SimPf, 1);
    g_autofree char *path = sim_state_default_path(state, name);
    g_autofree char *up_path = g_path_get_dirname(path);
    g_autofree char *vf_device = g_strdup_printf("%x\n",
                                                 config->vf_ids.device);
    guint domain, bus, slot, function;
    SimNode *up;

    pf->name = g_strdup(name);
    pf->vgpu = config->vgpu;
    pf->uncreatable_errno = config->uncreatable_errno;
    pf->create_delay_ms = config->create_delay_ms;
    pf->vfs = g_ptr_array_new_with_free_func(sim_vf_free);
    pf->types = g_ptr_array_new_with_free_func(sim_vf_type_free);
    g_ptr_array_add(state->pfs, pf);

    up = sim_node_mkdir_p(state->root, up_path);
    if (up == NULL) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_SCENARIO,
                    "%s: [pf %s]: path '%s' is already used", origin, name,
                    up_path);
        return FALSE;
    }
    pf->dir = sim_state_add_pci(state, up, name, &config->pf_ids,
                                config->driver, origin, error);
    if (pf->dir == NULL)
        return FALSE;
    /* drivers/pci/iov.c: the sriov_* attributes of a PF */
    sim_node_add_number(pf->dir, "sriov_totalvfs", config->totalvfs);
    sim_node_add_number(pf->dir, "sriov_numvfs", config->numvfs);
    sim_node_add_number(pf->dir, "sriov_offset", config->offset);
    sim_node_add_number(pf->dir, "sriov_stride", config->stride);
    sim_node_add_file(pf->dir, "sriov_vf_device", 0444, SIM_ATTR_TEXT,
                      vf_device, NULL);

    if (config->vgpu == SIM_VGPU_NVIDIA_VFIO) {
        for (char **id = config->types; *id != NULL; id++) {
            g_strstrip(*id);
            if (**id != '\0' &&
                !sim_pf_add_vf_type(pf, keyfile, *id, origin, error))
                return FALSE;
        }
    }

    sim_pci_parse(name, &domain, &bus, &slot, &function);
    for (guint i = 0; i < config->numvfs; i++) {
        g_autofree char *vf_name = sim_vf_address(domain, bus,
                                                  slot << 3 | function,
                                                  config, i);

        if (vf_name == NULL) {
            g_set_error(error, SIM_ERROR, SIM_ERROR_SCENARIO,
                        "%s: [pf %s]: VF %u runs past bus ff", origin, name,
                        i);
            return FALSE;
        }
        if (!sim_state_build_vf(state, pf, config, keyfile, vf_name, i,
                                origin, error))
            return FALSE;
    }
    return TRUE;
}

static gboolean
sim_state_load_pf(SimState *state, GKeyFile *keyfile, const char *group,
                  const char *name, const char *origin, GError **error)
{
    SimPfConfig config = { 0 };
    guint domain, bus, slot, function;
    gboolean ok = TRUE;

    if (!sim_pci_parse(name, &domain, &bus, &slot, &function)) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_SCENARIO,
                    "%s: [%s]: a PF is named by its PCI address, such as "
                    "0000:3d:00.0", origin, group);
        return FALSE;
    }
    if (!sim_pf_config_load(&config, keyfile, group, origin, error)) {
        sim_pf_config_clear(&config);
        return FALSE;
    }
    if (bus + config.copies - 1 > 0xff) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_SCENARIO,
                    "%s: [%s]: copies=%u runs past bus ff", origin, group,
                    config.copies);
        ok = FALSE;
    }
    if (g_hash_table_size(state->pci) == 0) {
        /* What exists on any kernel with PCI, once there is a device. */
        sim_node_mkdir_p(state->root, "bus/pci/devices");
        sim_node_mkdir_p(state->root, "bus/pci/drivers");
    }
    for (guint copy = 0; ok && copy < config.copies; copy++) {
        g_autofree char *copy_name = g_strdup_printf("%04x:%02x:%02x.%x",
                                                     domain, bus + copy,
                                                     slot, function);

        ok = sim_state_build_pf(state, &config, keyfile, copy_name, origin,
                                error);
    }
    sim_pf_config_clear(&config);
    return ok;
}

SimState *
sim_state_new(const char *data, gsize length, const char *origin,
              GError **error)
{
    static const char *const sim_keys[] = {
        "iommu_group_base", "pci_iommu_group_base", NULL
    };
    g_autoptr(GKeyFile) keyfile = g_key_file_new();
    g_autoptr(SimState) state = NULL;
    g_autoptr(GError) local_error = NULL;
    g_auto(GStrv) groups = NULL;
    SimNode *control;

    if (!g_key_file_load_from_data(keyfile, data, length, G_KEY_FILE_NONE,
                                   &local_error)) {
        g_set_error(error, SIM_ERROR, SIM_ERROR_SCENARIO, "%s: %s", origin,
                    local_error->message);
        return NULL;
    }

    state = g_new0(SimState, 1);
    g_mutex_init(&state->lock);
    g_cond_init(&state->changed);
    g_cond_init(&state->reaper_wake);
    state->root = sim_node_new(SIM_NODE_DIR, "", 0755);
    state->parents = g_ptr_array_new_with_free_func(sim_parent_free);
    state->mdevs = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                         sim_mdev_free);
    state->groups = g_hash_table_new(g_direct_hash, g_direct_equal);
    state->iommu_group_base = 100;
    state->pci_iommu_group_base = 10;
    state->pfs = g_ptr_array_new_with_free_func(sim_pf_free);
    state->pci = g_hash_table_new(g_str_hash, g_str_equal);
    state->vfs = g_hash_table_new(g_str_hash, g_str_equal);
    state->gone_links = g_ptr_array_new_with_free_func(g_free);

    /* What exists on any kernel with the mdev core loaded. */
    sim_node_mkdir_p(state->root, "class/mdev_bus");
    sim_node_mkdir_p(state->root, "bus/mdev/devices");
    sim_node_mkdir_p(state->root, "bus/mdev/drivers");
    sim_node_mkdir_p(state->root, "kernel/iommu_groups");
    sim_node_mkdir_p(state->root, "devices");

    control = sim_node_add_dir(state->root, ".vgpu-sim");
    sim_node_add_file(control, "hold", 0200, SIM_ATTR_CTL_HOLD, NULL, NULL);
    sim_node_add_file(control, "release", 0200, SIM_ATTR_CTL_RELEASE, NULL,
                      NULL);
    sim_node_add_file(control, "inject", 0200, SIM_ATTR_CTL_INJECT, NULL,
                      NULL);
    sim_node_add_file(control, "delay", 0200, SIM_ATTR_CTL_DELAY, NULL,
                      NULL);
    sim_node_add_file(control, "state", 0444, SIM_ATTR_CTL_STATE, NULL,
                      NULL);
    sim_node_add_file(control, "requests", 0444, SIM_ATTR_CTL_REQUESTS, NULL,
                      NULL);

    groups = g_key_file_get_groups(keyfile, NULL);
    for (char **group = groups; *group != NULL; group++) {
        if (strcmp(*group, "sim") == 0) {
            if (!sim_check_keys(keyfile, *group, sim_keys, origin, error) ||
                !sim_get_uint(keyfile, *group, "iommu_group_base", 100, 0,
                              1000000, &state->iommu_group_base, origin,
                              error) ||
                !sim_get_uint(keyfile, *group, "pci_iommu_group_base", 10,
                              0, 1000000, &state->pci_iommu_group_base,
                              origin, error))
                return NULL;
        } else if (!g_str_has_prefix(*group, "parent ") &&
                   !g_str_has_prefix(*group, "pf ") &&
                   !g_str_has_prefix(*group, "type ")) {
            g_set_error(error, SIM_ERROR, SIM_ERROR_SCENARIO,
                        "%s: unknown section [%s] (expected [sim], "
                        "[parent NAME], [pf BDF] or [type NAME])", origin,
                        *group);
            return NULL;
        }
    }
    /* In file order, so that generated root ports follow it. */
    for (char **group = groups; *group != NULL; group++) {
        if (g_str_has_prefix(*group, "parent ") &&
            !sim_state_load_parent(state, keyfile, *group,
                                   *group + strlen("parent "), origin,
                                   error))
            return NULL;
        if (g_str_has_prefix(*group, "pf ") &&
            !sim_state_load_pf(state, keyfile, *group,
                               *group + strlen("pf "), origin, error))
            return NULL;
    }
    return g_steal_pointer(&state);
}

/* ------------------------------------------------------------------ */
/* Mediated devices                                                    */

/*
 * Validates a UUID the way guid_parse() does (lib/uuid.c: uuid_is_valid()
 * looks at the first 36 characters only) and stores it in canonical
 * lowercase form, the device name the kernel prints with "%pUl".
 */
static gboolean
sim_uuid_parse(const char *text, char out[SIM_UUID_LEN + 1])
{
    for (int i = 0; i < SIM_UUID_LEN; i++) {
        char c = text[i];

        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return FALSE;
            out[i] = c;
        } else {
            if (!g_ascii_isxdigit(c))
                return FALSE;
            out[i] = g_ascii_tolower(c);
        }
    }
    out[SIM_UUID_LEN] = '\0';
    return TRUE;
}

/* kstrtoul(buf, 0, ...) from lib/kstrtox.c; FALSE where it fails. */
static gboolean
sim_kstrtoul(const char *text, gulong *out)
{
    const char *p = text;
    guint base = 10;
    gulong value = 0;
    gboolean digits = FALSE;

    if (*p == '+')
        p++;
    if (p[0] == '0') {
        if (g_ascii_tolower(p[1]) == 'x' && g_ascii_isxdigit(p[2])) {
            base = 16;
            p += 2;
        } else {
            base = 8;
        }
    }
    for (; *p != '\0'; p++) {
        guint digit;

        if (g_ascii_isdigit(*p))
            digit = *p - '0';
        else if (g_ascii_isxdigit(*p))
            digit = g_ascii_tolower(*p) - 'a' + 10;
        else
            break;
        if (digit >= base)
            break;
        if (value > (G_MAXULONG - digit) / base)
            return FALSE;       /* -ERANGE, turned into -EINVAL */
        value = value * base + digit;
        digits = TRUE;
    }
    if (!digits)
        return FALSE;
    if (*p == '\n')
        p++;
    if (*p != '\0')
        return FALSE;
    *out = value;
    return TRUE;
}

static guint
sim_state_alloc_group(SimState *state)
{
    /* iommu_group_alloc() takes the lowest free id (ida_alloc()). */
    guint group = state->iommu_group_base;

    while (g_hash_table_contains(state->groups, GUINT_TO_POINTER(group + 1)))
        group++;
    g_hash_table_add(state->groups, GUINT_TO_POINTER(group + 1));
    return group;
}

/* Makes a removed device and every link to it disappear. */
static void
sim_state_vanish(SimState *state, SimMdev *mdev)
{
    SimType *type = mdev->type;
    SimParent *parent = type->parent;

    for (guint i = mdev->nodes->len; i > 0; i--)
        sim_node_unlink(g_ptr_array_index(mdev->nodes, i - 1),
                        state->gone_links);
    type->n_mdevs--;
    parent->n_mdevs--;
    parent->used -= type->cost;
    g_hash_table_remove(state->groups,
                        GUINT_TO_POINTER(mdev->iommu_group + 1));
    sim_log(state, "%s vanished from %s", mdev->uuid, parent->name);
    g_hash_table_remove(state->mdevs, mdev->uuid);
}

/* Lets devices whose remove_delay_ms has passed disappear. */
static void
sim_state_reap(SimState *state)
{
    GHashTableIter iter;
    gpointer value;
    g_autoptr(GPtrArray) due = g_ptr_array_new();
    gint64 now = g_get_monotonic_time();

    g_hash_table_iter_init(&iter, state->mdevs);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        SimMdev *mdev = value;

        if (mdev->gone_at != 0 && mdev->gone_at <= now)
            g_ptr_array_add(due, mdev);
    }
    for (guint i = 0; i < due->len; i++)
        sim_state_vanish(state, g_ptr_array_index(due, i));
}

/* When the next removed device is due to vanish (monotonic µs), or 0. */
static gint64
sim_state_next_vanish(SimState *state)
{
    GHashTableIter iter;
    gpointer value;
    gint64 next = 0;

    g_hash_table_iter_init(&iter, state->mdevs);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        SimMdev *mdev = value;

        if (mdev->gone_at != 0 && (next == 0 || mdev->gone_at < next))
            next = mdev->gone_at;
    }
    return next;
}

static gpointer
sim_state_reaper(gpointer data)
{
    SimState *state = data;

    g_mutex_lock(&state->lock);
    while (!state->reaper_stop) {
        gint64 next = sim_state_next_vanish(state);

        if (next == 0)
            g_cond_wait(&state->reaper_wake, &state->lock);
        else
            g_cond_wait_until(&state->reaper_wake, &state->lock, next);
        sim_state_reap(state);
        sim_state_unlock(state);    /* tells the gone links */
        g_mutex_lock(&state->lock);
    }
    g_mutex_unlock(&state->lock);
    return NULL;
}

void
sim_state_start_reaper(SimState *state)
{
    g_return_if_fail(state->reaper == NULL);
    state->reaper = g_thread_new("vgpu-sim-reaper", sim_state_reaper, state);
}

void
sim_state_stop_reaper(SimState *state)
{
    if (state->reaper == NULL)
        return;
    g_mutex_lock(&state->lock);
    state->reaper_stop = TRUE;
    g_cond_signal(&state->reaper_wake);
    g_mutex_unlock(&state->lock);
    g_thread_join(g_steal_pointer(&state->reaper));
}

/* The duplicate and capacity checks of a create; lock held. */
static int
sim_state_create_check(SimState *state, SimType *type, const char *uuid)
{
    SimParent *parent = type->parent;

    if (g_hash_table_contains(state->mdevs, uuid))
        return -EEXIST;
    if (sim_type_available(type) == 0) {
        sim_log(state, "create %s on %s/%s: no instance left (%s)", uuid,
                parent->name, type->id,
                sim_errno_name(parent->exhausted_errno));
        return -parent->exhausted_errno;
    }
    return 0;
}

/* mdev_sysfs.c: create_store() + mdev_core.c: mdev_device_create(). */
static ssize_t
sim_state_create(SimState *state, SimType *type, const char *buf,
                 size_t size)
{
    g_autofree char *text = NULL;
    char uuid[SIM_UUID_LEN + 1];
    SimParent *parent = type->parent;
    SimMdev *mdev;
    SimNode *group_dir, *mdev_dir, *drivers_dir;
    g_autofree char *uevent = NULL;
    char group_name[16];
    int ret;

    if (size < SIM_UUID_LEN || size > SIM_UUID_LEN + 1)
        return -EINVAL;
    text = g_strndup(buf, size);
    if (!sim_uuid_parse(text, uuid))
        return -EINVAL;
    ret = sim_state_create_check(state, type, uuid);
    if (ret < 0)
        return ret;
    if (parent->create_delay_ms > 0) {
        guint delay_ms = parent->create_delay_ms;

        /* A slow vendor create (NVIDIA): the write returns, and the
         * device appears, only after the delay.  Other requests are
         * served meanwhile.  A signal to the writer does not stop it,
         * as a sysfs store runs to its end; what changed meanwhile is
         * checked again. */
        sim_log(state, "create %s on %s/%s: takes %u ms", uuid,
                parent->name, type->id, delay_ms);
        sim_state_unlock(state);
        g_usleep((gulong) delay_ms * 1000);
        g_mutex_lock(&state->lock);
        sim_state_reap(state);
        ret = sim_state_create_check(state, type, uuid);
        if (ret < 0)
            return ret;
    }
    if (state->inject_create_count > 0) {
        state->inject_create_count--;
        sim_log(state, "create %s on %s/%s: injected %s", uuid,
                parent->name, type->id,
                sim_errno_name(state->inject_create_errno));
        return -state->inject_create_errno;
    }

    mdev = g_new0(SimMdev, 1);
    memcpy(mdev->uuid, uuid, sizeof(uuid));
    mdev->type = type;
    mdev->nodes = g_ptr_array_new();
    mdev->iommu_group = sim_state_alloc_group(state);
    g_hash_table_insert(state->mdevs, mdev->uuid, mdev);
    type->n_mdevs++;
    parent->n_mdevs++;
    parent->used += type->cost;

    g_snprintf(group_name, sizeof(group_name), "%u", mdev->iommu_group);
    group_dir = sim_node_add_dir(sim_node_lookup(state->root,
                                                 "kernel/iommu_groups"),
                                 group_name);
    sim_node_add_dir(group_dir, "devices");
    drivers_dir = sim_node_child(sim_node_lookup(state->root,
                                                 "bus/mdev/drivers"),
                                 parent->driver);
    uevent = g_strdup_printf("DRIVER=%s\n", parent->driver);

    /* All of it appears under the lock, so at once for any reader. */
    mdev_dir = sim_node_add_dir(parent->dir, uuid);
    sim_node_add_link(mdev_dir, "mdev_type", type->dir);
    sim_node_add_link(mdev_dir, "iommu_group", group_dir);
    sim_node_add_link(mdev_dir, "driver", drivers_dir);
    sim_node_add_link(mdev_dir, "subsystem",
                      sim_node_lookup(state->root, "bus/mdev"));
    sim_node_add_file(mdev_dir, "remove", 0200, SIM_ATTR_REMOVE, NULL, mdev);
    sim_node_add_file(mdev_dir, "uevent", 0644, SIM_ATTR_UEVENT, uevent,
                      NULL);
    for (guint i = 0; type->device_attrs && type->device_attrs[i]; i++)
        sim_node_add_file(mdev_dir, type->device_attrs[i], 0644,
                          SIM_ATTR_DEVICE_STORE, "", NULL);
    sim_node_add_link(sim_node_child(group_dir, "devices"), uuid, mdev_dir);

    /* What sim_state_vanish() unlinks; the group's link goes with it. */
    g_ptr_array_add(mdev->nodes, group_dir);
    g_ptr_array_add(mdev->nodes, mdev_dir);
    g_ptr_array_add(mdev->nodes,
                    sim_node_add_link(type->devices_dir, uuid, mdev_dir));
    g_ptr_array_add(mdev->nodes,
                    sim_node_add_link(sim_node_lookup(state->root,
                                                      "bus/mdev/devices"),
                                      uuid, mdev_dir));
    g_ptr_array_add(mdev->nodes,
                    sim_node_add_link(drivers_dir, uuid, mdev_dir));

    sim_log(state, "created %s on %s/%s, iommu group %u", uuid, parent->name,
            type->id, mdev->iommu_group);
    return size;
}

/*
 * Waits, with the state lock released, until the "block" hold of @mdev
 * is released, as vfio_unregister_group_dev() waits for the device's
 * user.  Returns @mdev, or NULL when the device went meanwhile (another
 * remove), or sets *@interrupted and returns @mdev when the writer got a
 * signal (the kernel sends FUSE_INTERRUPT; for SIGKILL it then discards
 * the answer, so the killed writer is not kept waiting) or the file system
 * is exiting (libfuse joins its worker threads, so none may stay here).
 * Lock held.
 */
static SimMdev *
sim_state_wait_unblocked(SimState *state, SimMdev *mdev,
                         gboolean *interrupted)
{
    char uuid[SIM_UUID_LEN + 1];

    memcpy(uuid, mdev->uuid, sizeof(uuid));
    *interrupted = FALSE;
    mdev->n_blocked++;
    sim_log(state, "remove %s: blocks until released", uuid);
    while (mdev->held == SIM_HOLD_BLOCK) {
        if (state->interrupted != NULL && state->interrupted()) {
            sim_log(state, "remove %s: interrupted", uuid);
            *interrupted = TRUE;
            break;
        }
        g_cond_wait_until(&state->changed, &state->lock,
                          g_get_monotonic_time() + SIM_BLOCK_POLL_US);
        sim_state_reap(state);
        if (g_hash_table_lookup(state->mdevs, uuid) != mdev)
            return NULL;        /* removed (and freed) by another writer */
    }
    mdev->n_blocked--;
    return mdev;
}

/* mdev_sysfs.c: remove_store() + mdev_core.c: mdev_device_remove(). */
static ssize_t
sim_state_remove(SimState *state, SimMdev *mdev, const char *buf,
                 size_t size)
{
    g_autofree char *text = g_strndup(buf, size);
    SimParent *parent = mdev->type->parent;
    gulong value;

    if (!sim_kstrtoul(text, &value))
        return -EINVAL;
    if (value == 0)
        return size;
    if (mdev->gone_at != 0)
        return size;            /* device_remove_file_self() lost the race */
    if (mdev->held == SIM_HOLD_BLOCK) {
        gboolean interrupted;

        mdev = sim_state_wait_unblocked(state, mdev, &interrupted);
        if (mdev == NULL || mdev->gone_at != 0)
            return size;        /* another remove got there first */
        if (interrupted)
            return -EINTR;
    }
    if (mdev->held == SIM_HOLD_BUSY) {
        sim_log(state, "remove %s: busy (held)", mdev->uuid);
        return -EBUSY;
    }
    if (state->inject_remove_count > 0) {
        state->inject_remove_count--;
        sim_log(state, "remove %s: injected %s", mdev->uuid,
                sim_errno_name(state->inject_remove_errno));
        return -state->inject_remove_errno;
    }
    sim_log(state, "remove %s from %s (delay %u ms)", mdev->uuid,
            parent->name, parent->remove_delay_ms);
    if (parent->remove_delay_ms > 0) {
        mdev->gone_at = g_get_monotonic_time() +
                        (gint64) parent->remove_delay_ms * 1000;
        g_cond_signal(&state->reaper_wake);
    } else {
        sim_state_vanish(state, mdev);
    }
    return size;
}

/* ------------------------------------------------------------------ */
/* NVIDIA vendor-specific VFIO: nvidia/current_vgpu_type               */

/*
 * The checks of a current_vgpu_type write of @id (not 0); lock held.
 * Returns 1 to go on, 0 when the VF already holds @id (the write is a
 * successful no-op), or a negative errno: EBUSY when the VF holds
 * another type (a VF is re-typed only through 0, as Proxmox's
 * Mdev.pm does), the scenario's uncreatable_errno (EINVAL by default)
 * when @id is not in the VF's creatable_vgpu_types.
 */
static int
sim_state_vf_create_check(SimState *state, SimVf *vf, guint id)
{
    SimVfType *type = sim_pf_find_type(vf->pf, id);

    if (vf->current == id)
        return 0;
    if (vf->current != 0) {
        sim_log(state, "vf %s: type %u requested, holds %u (EBUSY)",
                vf->name, id, vf->current);
        return -EBUSY;
    }
    if (type == NULL || !sim_vf_can_create(vf, type)) {
        sim_log(state, "vf %s: type %u is not creatable (%s)", vf->name, id,
                sim_errno_name(vf->pf->uncreatable_errno));
        return -vf->pf->uncreatable_errno;
    }
    return 1;
}

/* Writing a type id creates the vGPU on the VF. */
static ssize_t
sim_state_vf_create(SimState *state, SimVf *vf, guint id, size_t size)
{
    int ret = sim_state_vf_create_check(state, vf, id);

    if (ret <= 0)
        return ret == 0 ? (ssize_t) size : ret;
    if (vf->pf->create_delay_ms > 0) {
        guint delay_ms = vf->pf->create_delay_ms;

        /* As for an mdev create: the store takes its time, other
         * requests are served meanwhile, and the checks are made again
         * at its end, so one of two racing writes loses. */
        sim_log(state, "vf %s: type %u takes %u ms", vf->name, id, delay_ms);
        sim_state_unlock(state);
        g_usleep((gulong) delay_ms * 1000);
        g_mutex_lock(&state->lock);
        sim_state_reap(state);
        ret = sim_state_vf_create_check(state, vf, id);
        if (ret <= 0)
            return ret == 0 ? (ssize_t) size : ret;
    }
    if (state->inject_create_count > 0) {
        state->inject_create_count--;
        sim_log(state, "vf %s: type %u: injected %s", vf->name, id,
                sim_errno_name(state->inject_create_errno));
        return -state->inject_create_errno;
    }
    vf->current = id;
    sim_log(state, "vf %s: created type %u", vf->name, id);
    return size;
}

/* Writing 0 destroys the VF's vGPU; the driver refuses (EBUSY here)
 * while the VF is open (.vgpu-sim/hold BDF, QEMU running). */
static ssize_t
sim_state_vf_destroy(SimState *state, SimVf *vf, size_t size)
{
    if (vf->current == 0)
        return size;
    if (vf->held) {
        sim_log(state, "vf %s: destroy refused, held (EBUSY)", vf->name);
        return -EBUSY;
    }
    if (state->inject_remove_count > 0) {
        state->inject_remove_count--;
        sim_log(state, "vf %s: destroy: injected %s", vf->name,
                sim_errno_name(state->inject_remove_errno));
        return -state->inject_remove_errno;
    }
    sim_log(state, "vf %s: destroyed type %u", vf->name, vf->current);
    vf->current = 0;
    return size;
}

/* nvidia/current_vgpu_type store: a decimal type id, or 0. */
static ssize_t
sim_state_vf_write(SimState *state, SimVf *vf, const char *buf, size_t size)
{
    g_autofree char *text = g_strndup(buf, size);
    gulong value;

    if (!sim_kstrtoul(text, &value) || value > G_MAXUINT)
        return -EINVAL;
    if (value == 0)
        return sim_state_vf_destroy(state, vf, size);
    return sim_state_vf_create(state, vf, (guint) value, size);
}

/* .vgpu-sim/hold and release with a VF address: the VF counts as open
 * by a user (QEMU), so writing 0 to its current_vgpu_type fails. */
static ssize_t
sim_state_hold_vf(SimState *state, const char *text, size_t size,
                  gboolean hold)
{
    guint domain, bus, slot, function;
    char name[16];
    SimVf *vf;

    if (!sim_pci_parse(text, &domain, &bus, &slot, &function))
        return -EINVAL;
    g_snprintf(name, sizeof(name), "%04x:%02x:%02x.%x", domain, bus, slot,
               function);
    vf = g_hash_table_lookup(state->vfs, name);
    if (vf == NULL)
        return -ENODEV;
    vf->held = hold;
    sim_log(state, "%s vf %s", hold ? "hold" : "release", name);
    return size;
}

/* .vgpu-sim/hold: "UUID", "UUID block" or "BDF" (a VF);
 * .vgpu-sim/release: "UUID" or "BDF". */
static ssize_t
sim_state_hold(SimState *state, const char *buf, size_t size, gboolean hold)
{
    g_autofree char *text = g_strndup(buf, size);
    char uuid[SIM_UUID_LEN + 1];
    SimHold how = hold ? SIM_HOLD_BUSY : SIM_HOLD_NONE;
    SimMdev *mdev;

    g_strstrip(text);
    if (strlen(text) == 12 && text[4] == ':')
        return sim_state_hold_vf(state, text, size, hold);
    if (hold && strlen(text) > SIM_UUID_LEN) {
        const char *mode = text + SIM_UUID_LEN;

        if (!g_ascii_isspace(*mode))
            return -EINVAL;
        while (g_ascii_isspace(*mode))
            mode++;
        if (strcmp(mode, "block") != 0)
            return -EINVAL;
        how = SIM_HOLD_BLOCK;
        text[SIM_UUID_LEN] = '\0';
    }
    if (strlen(text) != SIM_UUID_LEN || !sim_uuid_parse(text, uuid))
        return -EINVAL;
    mdev = g_hash_table_lookup(state->mdevs, uuid);
    if (mdev == NULL || (hold && mdev->gone_at != 0))
        return -ENODEV;
    mdev->held = how;
    g_cond_broadcast(&state->changed);
    sim_log(state, "%s %s%s", hold ? "hold" : "release", uuid,
            how == SIM_HOLD_BLOCK ? " (remove blocks)" : "");
    return size;
}

/* .vgpu-sim/delay: "create MS" (every parent's create_delay_ms) or
 * "remove MS" (every parent's remove_delay_ms), one per line. */
static ssize_t
sim_state_delay(SimState *state, const char *buf, size_t size)
{
    g_autofree char *text = g_strndup(buf, size);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

    for (char **line = lines; *line != NULL; line++) {
        char what[16];
        char ms_text[16];
        guint64 ms;
        int end = -1;

        g_strstrip(*line);
        if (**line == '\0')
            continue;
        if (sscanf(*line, "%15s %15s%n", what, ms_text, &end) != 2 ||
            (*line)[end] != '\0' ||
            !g_ascii_string_to_unsigned(ms_text, 10, 0, SIM_MAX_DELAY_MS,
                                        &ms, NULL))
            return -EINVAL;
        if (strcmp(what, "create") != 0 && strcmp(what, "remove") != 0)
            return -EINVAL;
        for (guint i = 0; i < state->parents->len; i++) {
            SimParent *parent = g_ptr_array_index(state->parents, i);

            if (what[0] == 'c')
                parent->create_delay_ms = (guint) ms;
            else
                parent->remove_delay_ms = (guint) ms;
        }
        for (guint i = 0; what[0] == 'c' && i < state->pfs->len; i++) {
            SimPf *pf = g_ptr_array_index(state->pfs, i);

            pf->create_delay_ms = (guint) ms;
        }
        sim_log(state, "delay: every %s now takes %u ms", what, (guint) ms);
    }
    return size;
}

/* .vgpu-sim/inject: "create ERRNO [COUNT]", "remove ERRNO [COUNT]",
 * "clear"; several commands may be separated by newlines. */
static ssize_t
sim_state_inject(SimState *state, const char *buf, size_t size)
{
    g_autofree char *text = g_strndup(buf, size);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);

    for (char **line = lines; *line != NULL; line++) {
        g_auto(GStrv) words = NULL;
        guint n_words;
        guint64 count = 1;
        int value;

        g_strstrip(*line);
        if (**line == '\0')
            continue;
        words = g_strsplit_set(*line, " \t", -1);
        n_words = 0;
        for (char **word = words; *word != NULL; word++) {
            if (**word != '\0')
                words[n_words++] = *word;
            else
                g_free(*word);
        }
        words[n_words] = NULL;

        if (n_words == 1 && strcmp(words[0], "clear") == 0) {
            state->inject_create_count = 0;
            state->inject_remove_count = 0;
            continue;
        }
        if (n_words < 2 || n_words > 3)
            return -EINVAL;
        value = sim_errno_parse(words[1]);
        if (value == 0)
            return -EINVAL;
        if (n_words == 3 &&
            !g_ascii_string_to_unsigned(words[2], 10, 0, G_MAXUINT, &count,
                                        NULL))
            return -EINVAL;
        if (strcmp(words[0], "create") == 0) {
            state->inject_create_errno = value;
            state->inject_create_count = (guint) count;
        } else if (strcmp(words[0], "remove") == 0) {
            state->inject_remove_errno = value;
            state->inject_remove_count = (guint) count;
        } else {
            return -EINVAL;
        }
        sim_log(state, "inject: next %u %s fail with %s", (guint) count,
                words[0], sim_errno_name(value));
    }
    return size;
}

static gint
sim_compare_mdev(gconstpointer a, gconstpointer b)
{
    const SimMdev *ma = *(const SimMdev *const *) a;
    const SimMdev *mb = *(const SimMdev *const *) b;

    return strcmp(ma->uuid, mb->uuid);
}

/* .vgpu-sim/state lines of a PF: its types with the room left on the
 * GPU (vgpu=nvidia-vfio), and every VF that holds a type or is held. */
static void
sim_pf_describe(SimPf *pf, GString *out)
{
    g_string_append_printf(out, "pf %s vgpu=%s vfs=%u", pf->name,
                           sim_vgpu_name(pf->vgpu), pf->vfs->len);
    if (pf->vgpu == SIM_VGPU_NVIDIA_VFIO)
        g_string_append_printf(out, " uncreatable=%s",
                               sim_errno_name(pf->uncreatable_errno));
    if (pf->vgpu == SIM_VGPU_NVIDIA_VFIO && pf->create_delay_ms > 0)
        g_string_append_printf(out, " create_delay_ms=%u",
                               pf->create_delay_ms);
    g_string_append_printf(out, "\n  path /sys/bus/pci/devices/%s\n",
                           pf->name);
    for (guint i = 0; i < pf->types->len; i++) {
        SimVfType *type = g_ptr_array_index(pf->types, i);

        g_string_append_printf(out, "  type %u \"%s\" room=%u max=%u\n",
                               type->id, type->name,
                               sim_pf_vfio_room(pf, type),
                               type->max_instances);
    }
    for (guint i = 0; i < pf->vfs->len; i++) {
        SimVf *vf = g_ptr_array_index(pf->vfs, i);

        if (vf->current == 0 && !vf->held)
            continue;
        g_string_append_printf(out, "    vf %s virtfn%u", vf->name,
                               vf->index);
        if (pf->vgpu == SIM_VGPU_NVIDIA_VFIO)
            g_string_append_printf(out, " current=%u", vf->current);
        if (vf->held)
            g_string_append(out, " held");
        g_string_append_c(out, '\n');
    }
}

static char *
sim_state_describe_locked(SimState *state)
{
    GString *out = g_string_new(NULL);
    g_autoptr(GPtrArray) mdevs = g_ptr_array_new();
    GHashTableIter iter;
    gpointer value;
    gint64 now = g_get_monotonic_time();

    g_hash_table_iter_init(&iter, state->mdevs);
    while (g_hash_table_iter_next(&iter, NULL, &value))
        g_ptr_array_add(mdevs, value);
    g_ptr_array_sort(mdevs, sim_compare_mdev);

    for (guint i = 0; i < state->parents->len; i++) {
        SimParent *parent = g_ptr_array_index(state->parents, i);

        g_string_append_printf(out, "parent %s model=%s", parent->name,
                               sim_model_name(parent->model));
        if (parent->model == SIM_MODEL_POOL)
            g_string_append_printf(out, " pool=%u/%u", parent->used,
                                   parent->pool);
        g_string_append_printf(out, " exhausted=%s",
                               sim_errno_name(parent->exhausted_errno));
        if (parent->create_delay_ms > 0)
            g_string_append_printf(out, " create_delay_ms=%u",
                                   parent->create_delay_ms);
        if (parent->remove_delay_ms > 0)
            g_string_append_printf(out, " remove_delay_ms=%u",
                                   parent->remove_delay_ms);
        g_string_append_printf(out, "\n  path /sys/%s\n", parent->path);
        for (guint j = 0; j < parent->types->len; j++) {
            SimType *type = g_ptr_array_index(parent->types, j);

            g_string_append_printf(out, "  type %s", type->id);
            if (type->name != NULL)
                g_string_append_printf(out, " \"%s\"", type->name);
            g_string_append_printf(out, " available=%u mdevs=%u",
                                   sim_type_available(type), type->n_mdevs);
            if (parent->model == SIM_MODEL_POOL)
                g_string_append_printf(out, " cost=%u", type->cost);
            else
                g_string_append_printf(out, " max=%u", type->max_instances);
            g_string_append_c(out, '\n');
            for (guint k = 0; k < mdevs->len; k++) {
                SimMdev *mdev = g_ptr_array_index(mdevs, k);

                if (mdev->type != type)
                    continue;
                g_string_append_printf(out, "    mdev %s iommu_group=%u",
                                       mdev->uuid, mdev->iommu_group);
                if (mdev->held == SIM_HOLD_BUSY)
                    g_string_append(out, " held");
                else if (mdev->held == SIM_HOLD_BLOCK)
                    g_string_append(out, " held(block)");
                if (mdev->n_blocked > 0)
                    g_string_append_printf(out, " blocked-removes=%u",
                                           mdev->n_blocked);
                if (mdev->gone_at != 0) {
                    g_string_append_printf(out, " removing(%" G_GINT64_FORMAT
                                           " ms left)",
                                           MAX(0, mdev->gone_at - now) /
                                           1000);
                }
                g_string_append_c(out, '\n');
            }
        }
    }
    for (guint i = 0; i < state->pfs->len; i++)
        sim_pf_describe(g_ptr_array_index(state->pfs, i), out);
    if (state->inject_create_count > 0)
        g_string_append_printf(out, "inject create %s %u\n",
                               sim_errno_name(state->inject_create_errno),
                               state->inject_create_count);
    if (state->inject_remove_count > 0)
        g_string_append_printf(out, "inject remove %s %u\n",
                               sim_errno_name(state->inject_remove_errno),
                               state->inject_remove_count);
    return g_string_free(out, FALSE);
}

char *
sim_state_describe(SimState *state)
{
    char *text;

    g_mutex_lock(&state->lock);
    sim_state_reap(state);
    text = sim_state_describe_locked(state);
    sim_state_unlock(state);
    return text;
}

/* ------------------------------------------------------------------ */
/* File system operations                                              */

void
sim_state_count_request(SimState *state, const char *path)
{
    /* a released file the tree no longer has comes without a path */
    if (path == NULL || !g_str_has_prefix(path, "/.vgpu-sim"))
        g_atomic_int_inc(&state->requests);
}

/* .vgpu-sim/requests: "N\n" */
static char *
sim_state_render_requests(SimState *state)
{
    return g_strdup_printf("%d\n", g_atomic_int_get(&state->requests));
}

static gboolean
sim_attr_readable(SimAttr attr)
{
    return attr == SIM_ATTR_TEXT || attr == SIM_ATTR_UEVENT ||
           attr == SIM_ATTR_DEVICE_STORE || attr == SIM_ATTR_AVAILABLE || attr == SIM_ATTR_CTL_STATE ||
           attr == SIM_ATTR_CTL_REQUESTS ||
           attr == SIM_ATTR_VF_CREATABLE || attr == SIM_ATTR_VF_CURRENT;
}

static gboolean
sim_attr_writable(SimAttr attr)
{
    return attr != SIM_ATTR_TEXT && attr != SIM_ATTR_AVAILABLE &&
           attr != SIM_ATTR_CTL_STATE && attr != SIM_ATTR_CTL_REQUESTS &&
           attr != SIM_ATTR_VF_CREATABLE;
}

/* Looks @path up after letting due removals happen; lock held. */
static SimNode *
sim_state_find(SimState *state, const char *path)
{
    sim_state_reap(state);
    return sim_node_lookup(state->root, path);
}

int
sim_state_getattr(SimState *state, const char *path, struct stat *st)
{
    SimNode *node;
    int ret = 0;

    g_mutex_lock(&state->lock);
    node = sim_state_find(state, path);
    if (node == NULL) {
        ret = -ENOENT;
    } else {
        memset(st, 0, sizeof(*st));
        st->st_uid = 0;
        st->st_gid = 0;
        st->st_blksize = SIM_PAGE_SIZE;
        st->st_atim = node->time;
        st->st_mtim = node->time;
        st->st_ctim = node->time;
        switch (node->kind) {
        case SIM_NODE_DIR:
            st->st_mode = S_IFDIR | node->mode;
            st->st_nlink = 2;
            break;
        case SIM_NODE_FILE:
            st->st_mode = S_IFREG | node->mode;
            st->st_nlink = 1;
            st->st_size = SIM_PAGE_SIZE;
            break;
        case SIM_NODE_LINK:
            st->st_mode = S_IFLNK | node->mode;
            st->st_nlink = 1;
            st->st_size = strlen(node->text);
            break;
        }
    }
    sim_state_unlock(state);
    return ret;
}

int
sim_state_readlink(SimState *state, const char *path, char *buf, size_t size)
{
    SimNode *node;
    int ret = 0;

    if (size == 0)
        return -EINVAL;
    g_mutex_lock(&state->lock);
    node = sim_state_find(state, path);
    if (node == NULL)
        ret = -ENOENT;
    else if (node->kind != SIM_NODE_LINK)
        ret = -EINVAL;
    else
        g_strlcpy(buf, node->text, size);
    sim_state_unlock(state);
    return ret;
}

static gint
sim_compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}

int
sim_state_list(SimState *state, const char *path, GPtrArray **names)
{
    SimNode *node;
    int ret = 0;

    g_mutex_lock(&state->lock);
    node = sim_state_find(state, path);
    if (node == NULL) {
        ret = -ENOENT;
    } else if (node->kind != SIM_NODE_DIR) {
        ret = -ENOTDIR;
    } else {
        GHashTableIter iter;
        gpointer key;

        *names = g_ptr_array_new_with_free_func(g_free);
        g_hash_table_iter_init(&iter, node->children);
        while (g_hash_table_iter_next(&iter, &key, NULL))
            g_ptr_array_add(*names, g_strdup(key));
    }
    sim_state_unlock(state);
    if (ret == 0)
        g_ptr_array_sort(*names, sim_compare_names);
    return ret;
}

/*
 * kernfs_fop_open() refuses, even to root, to open for reading a file
 * without a show method or for writing one without a store method.
 */
int
sim_state_open(SimState *state, const char *path, int flags, uid_t uid,
               char **snapshot)
{
    SimNode *node;
    int access_mode = flags & O_ACCMODE;
    int ret = 0;

    g_mutex_lock(&state->lock);
    node = sim_state_find(state, path);
    if (node == NULL)
        ret = -ENOENT;
    else if (node->kind == SIM_NODE_DIR)
        ret = -EISDIR;
    else if (access_mode != O_WRONLY && !sim_attr_readable(node->attr))
        ret = -EACCES;
    else if (access_mode != O_RDONLY && !sim_attr_writable(node->attr))
        ret = -EACCES;
    else if (access_mode != O_RDONLY && uid != 0)
        ret = -EACCES;          /* all writable attributes are 0200/0644 */
    else if (node->attr == SIM_ATTR_CTL_STATE)
        *snapshot = sim_state_describe_locked(state);
    else if (node->attr == SIM_ATTR_CTL_REQUESTS)
        *snapshot = sim_state_render_requests(state);
    sim_state_unlock(state);
    return ret;
}

int
sim_state_access(SimState *state, const char *path, int mask)
{
    SimNode *node;
    int ret = 0;

    g_mutex_lock(&state->lock);
    node = sim_state_find(state, path);
    if (node == NULL)
        ret = -ENOENT;
    else if ((mask & X_OK) && node->kind == SIM_NODE_FILE)
        ret = -EACCES;
    sim_state_unlock(state);
    return ret;
}

ssize_t
sim_state_read(SimState *state, const char *path, char *buf, size_t size,
               off_t offset)
{
    SimNode *node;
    g_autofree char *content = NULL;
    ssize_t ret = 0;

    g_mutex_lock(&state->lock);
    node = sim_state_find(state, path);
    if (node == NULL) {
        ret = -ENODEV;          /* sysfs: the attribute went away */
    } else if (node->kind != SIM_NODE_FILE) {
        ret = -EISDIR;
    } else {
        switch (node->attr) {
        case SIM_ATTR_TEXT:
        case SIM_ATTR_UEVENT:
        case SIM_ATTR_DEVICE_STORE:
            content = g_strdup(node->text);
            break;
        case SIM_ATTR_AVAILABLE:
            content = g_strdup_printf("%u\n",
                                      sim_type_available(node->object));
            break;
        case SIM_ATTR_CTL_STATE:
            content = sim_state_describe_locked(state);
            break;
        case SIM_ATTR_CTL_REQUESTS:
            content = sim_state_render_requests(state);
            break;
        case SIM_ATTR_VF_CREATABLE:
            content = sim_vf_render_creatable(node->object);
            break;
        case SIM_ATTR_VF_CURRENT:
            content = g_strdup_printf("%u\n",
                                      ((SimVf *) node->object)->current);
            break;
        default:
            ret = -EINVAL;      /* kernfs_file_read_iter() without ->read */
            break;
        }
    }
    sim_state_unlock(state);

    if (content != NULL) {
        size_t length = strlen(content);

        if (offset < 0)
            return -EINVAL;
        if ((size_t) offset >= length)
            return 0;
        ret = MIN(size, length - (size_t) offset);
        memcpy(buf, content + offset, ret);
    }
    return ret;
}

static gboolean
sim_uevent_action_is_valid(const char *buf, size_t size)
{
    static const char *const actions[] = {
        "add", "remove", "change", "move", "online", "offline", "bind",
        "unbind", NULL
    };
    g_autofree char *text = g_strndup(buf, size);
    char *end = text + strcspn(text, " \n");

    /* kobject_synth_uevent() accepts "ACTION [UUID [KEY=VALUE...]]". */
    *end = '\0';
    return g_strv_contains(actions, text);
}

ssize_t
sim_state_write(SimState *state, const char *path, const char *buf,
                size_t size)
{
    SimNode *node;
    ssize_t ret;

    /* sysfs_kf_write() ignores empty writes; kernfs caps one at a page. */
    if (size == 0)
        return 0;
    size = MIN(size, SIM_PAGE_SIZE);

    g_mutex_lock(&state->lock);
    node = sim_state_find(state, path);
    if (node == NULL) {
        ret = -ENODEV;
    } else if (node->kind != SIM_NODE_FILE) {
        ret = -EISDIR;
    } else {
        switch (node->attr) {
        case SIM_ATTR_CREATE:
            ret = sim_state_create(state, node->object, buf, size);
            break;
        case SIM_ATTR_REMOVE:
            ret = sim_state_remove(state, node->object, buf, size);
            break;
        case SIM_ATTR_VF_CURRENT:
            ret = sim_state_vf_write(state, node->object, buf, size);
            break;
        case SIM_ATTR_UEVENT:
            ret = sim_uevent_action_is_valid(buf, size) ? (ssize_t) size
                                                        : -EINVAL;
            break;
        case SIM_ATTR_DEVICE_STORE:
            /* each write replaces the value (one store, like a driver's
             * attribute); reads return the last one */
            g_free(node->text);
            node->text = g_strndup(buf, size);
            ret = (ssize_t) size;
            break;
        case SIM_ATTR_CTL_HOLD:
            ret = sim_state_hold(state, buf, size, TRUE);
            break;
        case SIM_ATTR_CTL_RELEASE:
            ret = sim_state_hold(state, buf, size, FALSE);
            break;
        case SIM_ATTR_CTL_INJECT:
            ret = sim_state_inject(state, buf, size);
            break;
        case SIM_ATTR_CTL_DELAY:
            ret = sim_state_delay(state, buf, size);
            break;
        default:
            ret = -EACCES;
            break;
        }
    }
    sim_state_unlock(state);
    return ret;
}

/* O_TRUNC and truncate(2) on a sysfs attribute succeed and change
 * nothing (kernfs_iop_setattr()). */
int
sim_state_truncate(SimState *state, const char *path)
{
    SimNode *node;
    int ret = 0;

    g_mutex_lock(&state->lock);
    node = sim_state_find(state, path);
    if (node == NULL)
        ret = -ENOENT;
    else if (node->kind == SIM_NODE_DIR)
        ret = -EISDIR;
    sim_state_unlock(state);
    return ret;
}
