/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu-virt - libvirt-facing helpers: attach/detach vGPU requests to
 * persistent domains (virDomainGetXMLDesc → libvgpu domain XML editing →
 * virDomainDefineXML), list domains using mediated devices, and read a
 * host's mdev types through the node-device API (docs/formatnode.rst).
 *
 * libvirt errors become VGPU_ERROR_LIBVIRT with libvirt's message; a no-op
 * error handler keeps libvirt from printing them.
 */
#include <libvgpu/libvgpu-virt.h>

#include "vgpu-virt-private.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "vgpu-xml.h"

#include <stdlib.h>
#include <string.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC(virNodeDevice, virNodeDeviceFree)

struct _VgpuVirtMdevType {
    char *parent;
    char *node_device;
    char *id;
    char *name;
    char *device_api;
    guint available;
    VgpuNvidiaType *nvidia; /* nullable */
};

/* libvirt prints every error on stderr unless a handler is set; library
 * code must not print. */
static void
silent_error_func(void *user_data G_GNUC_UNUSED, virErrorPtr err G_GNUC_UNUSED)
{
}

static void
init_libvirt_once(void)
{
    static gsize initialized = 0;

    if (g_once_init_enter(&initialized)) {
        virSetErrorFunc(NULL, silent_error_func);
        virInitialize();
        g_once_init_leave(&initialized, 1);
    }
}

void
vgpu_virt_set_error(GError **error, const char *format, ...)
{
    g_autofree char *what = NULL;
    va_list args;

    va_start(args, format);
    what = g_strdup_vprintf(format, args);
    va_end(args);
    g_set_error(error, VGPU_ERROR, VGPU_ERROR_LIBVIRT, "%s: %s", what,
                virGetLastErrorMessage());
}

VgpuVirtConnection *
vgpu_virt_connect(const char *uri, GError **error)
{
    g_autofree char *canonical = NULL;
    VgpuVirtConnection *conn;
    virConnectPtr vconn;

    init_libvirt_once();

    vconn = virConnectOpen(uri);
    if (!vconn) {
        if (uri) {
            vgpu_virt_set_error(error, "cannot connect to libvirt at %s", uri);
        } else {
            vgpu_virt_set_error(error, "cannot connect to libvirt at its "
                                       "default URI (name one, or set "
                                       "LIBVIRT_DEFAULT_URI)");
        }
        return NULL;
    }
    virConnSetErrorFunc(vconn, NULL, silent_error_func);

    canonical = virConnectGetURI(vconn);
    if (!canonical) {
        vgpu_virt_set_error(error, "cannot read the URI of the libvirt "
                                   "connection");
        virConnectClose(vconn);
        return NULL;
    }

    conn = g_new0(VgpuVirtConnection, 1);
    conn->conn = vconn;
    conn->uri = g_steal_pointer(&canonical);
    return conn;
}

void
vgpu_virt_connection_free(VgpuVirtConnection *conn)
{
    if (!conn)
        return;
    virConnectClose(conn->conn);
    g_free(conn->uri);
    g_clear_pointer(&conn->host, vgpu_context_unref);
    g_free(conn);
}

const char *
vgpu_virt_connection_get_uri(VgpuVirtConnection *conn)
{
    g_return_val_if_fail(conn != NULL, NULL);
    return conn->uri;
}

gboolean
vgpu_virt_connection_is_local(VgpuVirtConnection *conn)
{
    g_autoptr(GUri) parsed = NULL;
    const char *host;

    g_return_val_if_fail(conn != NULL, FALSE);

    parsed = g_uri_parse(conn->uri, G_URI_FLAGS_NON_DNS, NULL);
    if (!parsed)
        return FALSE;
    host = g_uri_get_host(parsed);
    return !host || !*host;
}

void
vgpu_virt_connection_set_host_context(VgpuVirtConnection *conn,
                                      VgpuContext *ctx)
{
    g_return_if_fail(conn != NULL);

    g_clear_pointer(&conn->host, vgpu_context_unref);
    if (ctx)
        conn->host = vgpu_context_ref(ctx);
}

/* ---- node devices ------------------------------------------------------ */

static void
mdev_type_free(gpointer data)
{
    vgpu_virt_mdev_type_free(data);
}

void
vgpu_virt_mdev_type_free(VgpuVirtMdevType *type)
{
    if (!type)
        return;
    g_free(type->parent);
    g_free(type->node_device);
    g_free(type->id);
    g_free(type->name);
    g_free(type->device_api);
    vgpu_nvidia_type_free(type->nvidia);
    g_free(type);
}

/* Largest node device XML accepted (libvirt's are a few KiB). */
#define NODE_XML_MAX_SIZE (1024 * 1024)

/*
 * One <type> of <capability type='mdev_types'> (libvirt formatnode,
 * "mdev_types"): id attribute, <name>, <deviceAPI>, <availableInstances>.
 */
static VgpuVirtMdevType *
mdev_type_from_node(xmlNode *node, const char *parent, const char *node_name)
{
    g_autofree char *id = vgpu_xml_get_prop(node, "id");
    g_autofree char *available = NULL;
    VgpuVirtMdevType *type;
    guint64 value = 0;

    if (!id || !*id)
        return NULL;
    type = g_new0(VgpuVirtMdevType, 1);
    type->id = g_steal_pointer(&id);
    type->parent = g_strdup(parent);
    type->node_device = g_strdup(node_name);
    type->name = vgpu_xml_get_text(vgpu_xml_find_child(node, "name"));
    type->device_api =
        vgpu_xml_get_text(vgpu_xml_find_child(node, "deviceAPI"));
    available =
        vgpu_xml_get_text(vgpu_xml_find_child(node, "availableInstances"));
    if (available &&
        g_ascii_string_to_unsigned(available, 10, 0, G_MAXUINT, &value, NULL))
        type->available = (guint)value;
    type->nvidia = vgpu_nvidia_type_new(type->name, NULL, NULL);
    return type;
}

/* Appends the types of every <capability type='mdev_types'> below @node
 * (for a PCI device it sits inside <capability type='pci'>). */
static void
collect_mdev_types(xmlNode *node, const char *parent, const char *node_name,
                   GPtrArray *types)
{
    for (xmlNode *child = node ? node->children : NULL; child;
         child = child->next) {
        g_autofree char *cap_type = NULL;

        if (!vgpu_xml_is_element(child, "capability"))
            continue;
        cap_type = vgpu_xml_get_prop(child, "type");
        if (g_strcmp0(cap_type, "mdev_types") != 0) {
            collect_mdev_types(child, parent, node_name, types);
            continue;
        }
        for (xmlNode *elem = child->children; elem; elem = elem->next) {
            VgpuVirtMdevType *type;

            if (!vgpu_xml_is_element(elem, "type"))
                continue;
            type = mdev_type_from_node(elem, parent, node_name);
            if (type)
                g_ptr_array_add(types, type);
        }
    }
}

/* Appends the mdev types of one node device's XML to @types. The parent
 * device is the last component of the device's sysfs <path>. */
static gboolean
parse_node_device(const char *node_name, const char *xml, GPtrArray *types,
                  GError **error)
{
    g_autoptr(GError) local = NULL;
    g_autoptr(xmlDoc) doc = vgpu_xml_parse_safe(
        "node device XML", xml, strlen(xml), NODE_XML_MAX_SIZE, &local);
    g_autofree char *path = NULL;
    g_autofree char *parent = NULL;
    xmlNode *root;

    if (!doc) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_LIBVIRT,
                    "cannot parse the XML libvirt gave for node device %s: "
                    "%s",
                    node_name, local->message);
        return FALSE;
    }
    root = xmlDocGetRootElement(doc);
    path = vgpu_xml_get_text(vgpu_xml_find_child(root, "path"));
    parent = path && *path ? g_path_get_basename(path) : g_strdup(node_name);

    collect_mdev_types(root, parent, node_name, types);
    return TRUE;
}

static gint
compare_mdev_types(gconstpointer a, gconstpointer b)
{
    const VgpuVirtMdevType *ta = *(VgpuVirtMdevType *const *)a;
    const VgpuVirtMdevType *tb = *(VgpuVirtMdevType *const *)b;
    int by_parent = strcmp(ta->parent, tb->parent);

    return by_parent != 0 ? by_parent : strcmp(ta->id, tb->id);
}

/* Frees an array returned by virConnectListAll*() with its elements. */
static void
free_node_devices(virNodeDevicePtr *devices, int count)
{
    for (int i = 0; devices && i < count; i++)
        virNodeDeviceFree(devices[i]);
    free(devices);
}

GPtrArray *
vgpu_virt_list_node_mdev_types(VgpuVirtConnection *conn, GError **error)
{
    g_autoptr(GPtrArray) types = NULL;
    virNodeDevicePtr *devices = NULL;
    int count;

    g_return_val_if_fail(conn != NULL, NULL);

    count = virConnectListAllNodeDevices(
        conn->conn, &devices, VIR_CONNECT_LIST_NODE_DEVICES_CAP_MDEV_TYPES);
    if (count < 0) {
        vgpu_virt_set_error(error,
                            "cannot list the node devices with mdev "
                            "types on %s",
                            conn->uri);
        return NULL;
    }

    types = g_ptr_array_new_with_free_func(mdev_type_free);
    for (int i = 0; i < count; i++) {
        const char *node_name = virNodeDeviceGetName(devices[i]);
        g_autofree char *xml = virNodeDeviceGetXMLDesc(devices[i], 0);

        if (!xml) {
            /* Unplugged while we looked: skip, like a vanished entry. */
            if (virGetLastErrorCode() == VIR_ERR_NO_NODE_DEVICE)
                continue;
            vgpu_virt_set_error(error, "cannot read node device %s on %s",
                                node_name, conn->uri);
            free_node_devices(devices, count);
            return NULL;
        }
        if (!parse_node_device(node_name, xml, types, error)) {
            free_node_devices(devices, count);
            return NULL;
        }
    }
    free_node_devices(devices, count);
    g_ptr_array_sort(types, compare_mdev_types);
    return g_steal_pointer(&types);
}

const char *
vgpu_virt_mdev_type_get_parent(const VgpuVirtMdevType *type)
{
    g_return_val_if_fail(type != NULL, NULL);
    return type->parent;
}

const char *
vgpu_virt_mdev_type_get_node_device(const VgpuVirtMdevType *type)
{
    g_return_val_if_fail(type != NULL, NULL);
    return type->node_device;
}

const char *
vgpu_virt_mdev_type_get_id(const VgpuVirtMdevType *type)
{
    g_return_val_if_fail(type != NULL, NULL);
    return type->id;
}

const char *
vgpu_virt_mdev_type_get_name(const VgpuVirtMdevType *type)
{
    g_return_val_if_fail(type != NULL, NULL);
    return type->name;
}

const char *
vgpu_virt_mdev_type_get_device_api(const VgpuVirtMdevType *type)
{
    g_return_val_if_fail(type != NULL, NULL);
    return type->device_api;
}

guint
vgpu_virt_mdev_type_get_available_instances(const VgpuVirtMdevType *type)
{
    g_return_val_if_fail(type != NULL, 0);
    return type->available;
}

const VgpuNvidiaType *
vgpu_virt_mdev_type_get_nvidia(const VgpuVirtMdevType *type)
{
    g_return_val_if_fail(type != NULL, NULL);
    return type->nvidia;
}

/* ---- type check -------------------------------------------------------- */

static gboolean
check_type_in_sysfs(VgpuContext *ctx, const char *type_id, const char *parent,
                    GError **error)
{
    g_autoptr(GPtrArray) parents = NULL;
    g_autoptr(VgpuParent) found = NULL;

    if (parent) {
        found = vgpu_discovery_get_parent(ctx, parent, error);
        if (!found)
            return FALSE;
        if (!vgpu_parent_find_type(found, type_id)) {
            g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                        "parent device %s does not offer mdev type \"%s\"; "
                        "'vgpuctl types --parent %s' lists what it offers "
                        "(or force the attach to skip this check)",
                        parent, type_id, parent);
            return FALSE;
        }
        return TRUE;
    }

    parents = vgpu_discovery_list_parents_for_type(ctx, type_id, error);
    if (!parents)
        return FALSE;
    if (parents->len == 0) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                    "no parent device on this host offers mdev type \"%s\"; "
                    "'vgpuctl types' lists the types this host offers (or "
                    "force the attach to skip this check)",
                    type_id);
        return FALSE;
    }
    return TRUE;
}

static gboolean
check_type_by_node_devices(VgpuVirtConnection *conn, const char *type_id,
                           const char *parent, GError **error)
{
    g_autoptr(GPtrArray) types = NULL;
    gboolean parent_seen = FALSE;

    types = vgpu_virt_list_node_mdev_types(conn, error);
    if (!types)
        return FALSE;
    for (guint i = 0; i < types->len; i++) {
        const VgpuVirtMdevType *type = g_ptr_array_index(types, i);

        if (parent && !g_str_equal(type->parent, parent))
            continue;
        parent_seen = TRUE;
        if (g_str_equal(type->id, type_id))
            return TRUE;
    }
    if (parent && !parent_seen) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                    "no parent device %s with mdev types on %s; 'vgpuctl "
                    "types --connect %s' lists what that host offers (or "
                    "force the attach to skip this check)",
                    parent, conn->uri, conn->uri);
    } else if (parent) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                    "parent device %s on %s does not offer mdev type "
                    "\"%s\"; 'vgpuctl types --connect %s' lists what that "
                    "host offers (or force the attach to skip this check)",
                    parent, conn->uri, type_id, conn->uri);
    } else {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                    "no parent device on %s offers mdev type \"%s\"; "
                    "'vgpuctl types --connect %s' lists what that host "
                    "offers (or force the attach to skip this check)",
                    conn->uri, type_id, conn->uri);
    }
    return FALSE;
}

gboolean
vgpu_virt_check_type(VgpuVirtConnection *conn, const char *type_id,
                     const char *parent, GError **error)
{
    g_return_val_if_fail(conn != NULL, FALSE);
    g_return_val_if_fail(type_id != NULL, FALSE);

    /* Discovery refuses unsafe sysfs names itself; the node-device check
     * only compares names. */
    if (conn->host)
        return check_type_in_sysfs(conn->host, type_id, parent, error);
    return check_type_by_node_devices(conn, type_id, parent, error);
}

/* ---- attach / detach --------------------------------------------------- */

/* Is @text a decimal domain ID ("0" for a hypervisor's own domain too)? */
static gboolean
is_domain_id(const char *text, int *id)
{
    guint64 number = 0;

    if (!g_ascii_string_to_unsigned(text, 10, 0, G_MAXINT, &number, NULL))
        return FALSE;
    *id = (int)number;
    return TRUE;
}

virDomainPtr
vgpu_virt_lookup_domain(VgpuVirtConnection *conn, const char *name,
                        GError **error)
{
    virDomainPtr dom = virDomainLookupByName(conn->conn, name);
    int id;

    if (!dom && virGetLastErrorCode() == VIR_ERR_NO_DOMAIN) {
        /* virsh's order: name, then ID, then UUID (tools/virsh-domain.c,
         * virshLookupDomainBy) */
        g_autofree char *uuid = vgpu_uuid_normalize(name, NULL);

        if (is_domain_id(name, &id))
            dom = virDomainLookupByID(conn->conn, id);
        else if (uuid)
            dom = virDomainLookupByUUIDString(conn->conn, uuid);
    }
    if (dom)
        return dom;
    if (virGetLastErrorCode() == VIR_ERR_NO_DOMAIN) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                    "no domain \"%s\" on %s (by name, ID or UUID); 'virsh "
                    "list --all' lists the defined domains",
                    name, conn->uri);
    } else {
        vgpu_virt_set_error(error, "cannot look up domain \"%s\" on %s", name,
                            conn->uri);
    }
    return NULL;
}

int
vgpu_virt_domain_is_running(VgpuVirtConnection *conn, const char *domain,
                            GError **error)
{
    g_autoptr(virDomain) dom = NULL;
    int active;

    g_return_val_if_fail(conn != NULL, -1);
    g_return_val_if_fail(domain != NULL, -1);

    dom = vgpu_virt_lookup_domain(conn, domain, error);
    if (!dom)
        return -1;
    active = virDomainIsActive(dom);
    if (active < 0)
        vgpu_virt_set_error(error, "cannot tell whether domain \"%s\" runs",
                            domain);
    return active;
}

char *
vgpu_virt_get_domain_xml(VgpuVirtConnection *conn, const char *domain,
                         gboolean *active, GError **error)
{
    g_autoptr(virDomain) dom = NULL;
    char *xml;
    int running;

    g_return_val_if_fail(conn != NULL, NULL);
    g_return_val_if_fail(domain != NULL, NULL);

    dom = vgpu_virt_lookup_domain(conn, domain, error);
    if (!dom)
        return NULL;
    running = virDomainIsActive(dom);
    if (running < 0) {
        vgpu_virt_set_error(error, "cannot tell whether domain \"%s\" runs",
                            domain);
        return NULL;
    }
    xml = virDomainGetXMLDesc(dom, running ? 0 : VIR_DOMAIN_XML_INACTIVE);
    if (!xml) {
        vgpu_virt_set_error(error,
                            "cannot read the definition of domain "
                            "\"%s\"",
                            domain);
        return NULL;
    }
    if (active)
        *active = running == 1;
    return xml;
}

VgpuDomainXml *
vgpu_virt_read_definition(VgpuVirtConnection *conn, const char *name,
                          GError **error)
{
    g_autoptr(virDomain) dom = NULL;
    g_autofree char *xml = NULL;
    int persistent;

    dom = vgpu_virt_lookup_domain(conn, name, error);
    if (!dom)
        return NULL;

    persistent = virDomainIsPersistent(dom);
    if (persistent < 0) {
        vgpu_virt_set_error(error,
                            "cannot tell whether domain \"%s\" is "
                            "persistent",
                            name);
        return NULL;
    }
    if (persistent == 0) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_UNSUPPORTED,
                    "domain \"%s\" is transient: it has no persistent "
                    "definition to add a vGPU request to; define it with "
                    "'virsh define' (or 'virsh dumpxml %s > %s.xml; virsh "
                    "define %s.xml') first",
                    name, name, name, name);
        return NULL;
    }

    xml = virDomainGetXMLDesc(dom,
                              VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
    if (!xml) {
        vgpu_virt_set_error(error,
                            "cannot read the definition of domain "
                            "\"%s\"",
                            name);
        return NULL;
    }
    return vgpu_domain_xml_parse(xml, strlen(xml), error);
}

gboolean
vgpu_virt_define(VgpuVirtConnection *conn, const char *name, VgpuDomainXml *doc,
                 GError **error)
{
    g_autofree char *xml = vgpu_domain_xml_format(doc, NULL);
    g_autoptr(virDomain) dom = virDomainDefineXML(conn->conn, xml);

    if (!dom) {
        vgpu_virt_set_error(error, "cannot define the edited domain \"%s\"",
                            name);
        return FALSE;
    }
    return TRUE;
}

GHashTable *
vgpu_virt_taken_vfs(VgpuVirtConnection *conn, const char *except,
                    GError **error)
{
    g_autoptr(GPtrArray) domains =
        vgpu_virt_list_domains(conn, VGPU_VIRT_LIST_ALL, error);
    GHashTable *taken;

    if (!domains)
        return NULL;
    taken = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (guint i = 0; i < domains->len; i++) {
        const VgpuVirtDomain *domain = domains->pdata[i];

        if (except && g_str_equal(domain->name, except))
            continue;
        for (guint j = 0; j < domain->pci_hostdevs->len; j++)
            g_hash_table_add(taken, g_strdup(domain->pci_hostdevs->pdata[j]));
    }
    return taken;
}

/*
 * Is @type_id to be served by a VF? `vf-<vendor>:<device>` always;
 * `nvidia-<id>` names an mdev type on GPUs with mdev parents and a vGPU
 * type on NVIDIA VFs (vGPU 17+ on kernel >= 6.8): a VF when this host
 * has no mdev parent offering it and some NVIDIA VF does.
 */
static gboolean
attaches_a_vf(VgpuVirtConnection *conn, const char *type_id)
{
    VgpuDeviceClass device_class;
    g_autoptr(GPtrArray) parents = NULL;
    g_autoptr(VgpuConfig) config = NULL;
    g_autoptr(GError) local = NULL;
    g_autofree char *vf = NULL;

    if (!vgpu_request_type_is_vf(type_id, &device_class))
        return FALSE;
    if (device_class == VGPU_DEVICE_CLASS_PLAIN_VF)
        return TRUE;
    if (!conn->host)
        return FALSE;
    parents = vgpu_discovery_list_parents_for_type(conn->host, type_id, NULL);
    if (!parents || parents->len > 0)
        return FALSE;
    /* no mdev parent offers it: a VF if some NVIDIA VF offers it at all */
    config = vgpu_config_new();
    vf = vgpu_alloc_choose_vf(conn->host, type_id, NULL, config, NULL, &local);
    return vf || g_error_matches(local, VGPU_ERROR, VGPU_ERROR_NO_CAPACITY);
}

/* vgpu_virt_attach() of a VF-backed type: the VF is chosen now. */
static char *
attach_vf(VgpuVirtConnection *conn, const char *domain, VgpuDomainXml *doc,
          const char *type_id, const char *gpu, GError **error)
{
    g_autoptr(GHashTable) taken = NULL;
    g_autoptr(VgpuConfig) config = NULL;
    g_autoptr(VgpuRequest) request = NULL;
    g_autofree char *vf = NULL;

    if (!conn->host) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_UNSUPPORTED,
                    "type %s is a virtual function of a GPU of the host "
                    "that runs the domain; run vgpuctl on that host (a VF "
                    "is chosen from its sysfs)",
                    type_id);
        return NULL;
    }
    config = vgpu_config_load(conn->host, error);
    if (!config)
        return NULL;
    taken = vgpu_virt_taken_vfs(conn, NULL, error);
    if (!taken)
        return NULL;
    vf = vgpu_alloc_choose_vf(conn->host, type_id, gpu, config, taken, error);
    if (!vf)
        return NULL;
    request = vgpu_request_new_vf(vf, type_id, error);
    if (!request ||
        !vgpu_domain_xml_add_request(doc, request, VGPU_HOSTDEV_NONE, error) ||
        !vgpu_virt_define(conn, domain, doc, error))
        return NULL;
    return g_steal_pointer(&vf);
}

char *
vgpu_virt_attach(VgpuVirtConnection *conn, const char *domain,
                 const char *type_id, const char *parent, const char *uuid,
                 VgpuHostdevFlags hostdev_flags, VgpuVirtAttachFlags flags,
                 GError **error)
{
    g_autoptr(VgpuDomainXml) doc = NULL;
    g_autoptr(VgpuRequest) request = NULL;
    g_autofree char *chosen = NULL;

    g_return_val_if_fail(conn != NULL, NULL);
    g_return_val_if_fail(domain != NULL, NULL);
    g_return_val_if_fail(type_id != NULL, NULL);

    doc = vgpu_virt_read_definition(conn, domain, error);
    if (!doc)
        return NULL;
    if (attaches_a_vf(conn, type_id))
        return attach_vf(conn, domain, doc, type_id, parent, error);
    if (!(flags & VGPU_VIRT_ATTACH_FORCE) &&
        !vgpu_virt_check_type(conn, type_id, parent, error))
        return NULL;

    chosen =
        uuid ? g_strdup(uuid) : vgpu_domain_xml_next_default_uuid(doc, error);
    if (!chosen)
        return NULL;
    request = vgpu_request_new(chosen, type_id, parent, error);
    if (!request)
        return NULL;
    if (!vgpu_domain_xml_add_request(doc, request, hostdev_flags, error))
        return NULL;
    if (!vgpu_virt_define(conn, domain, doc, error))
        return NULL;
    return g_strdup(vgpu_request_get_uuid(request));
}

gboolean
vgpu_virt_detach(VgpuVirtConnection *conn, const char *domain, const char *uuid,
                 GPtrArray **removed, GError **error)
{
    g_autoptr(VgpuDomainXml) doc = NULL;
    g_autoptr(GPtrArray) uuids = g_ptr_array_new_with_free_func(g_free);

    g_return_val_if_fail(conn != NULL, FALSE);
    g_return_val_if_fail(domain != NULL, FALSE);

    doc = vgpu_virt_read_definition(conn, domain, error);
    if (!doc)
        return FALSE;

    if (uuid) {
        char *canonical = vgpu_pci_address_is_valid(uuid)
                              ? g_strdup(uuid)
                              : vgpu_uuid_normalize(uuid, error);

        if (!canonical)
            return FALSE;
        g_ptr_array_add(uuids, canonical);
    } else {
        g_autoptr(GPtrArray) requests =
            vgpu_domain_xml_list_requests(doc, error);
        if (!requests)
            return FALSE;
        if (requests->len == 0) {
            g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                        "domain \"%s\" has no vGPU request to detach; "
                        "'vgpuctl requests' lists the domains that have "
                        "one",
                        domain);
            return FALSE;
        }
        for (guint i = 0; i < requests->len; i++) {
            const VgpuRequest *request = g_ptr_array_index(requests, i);

            g_ptr_array_add(uuids,
                            g_strdup(vgpu_request_get_device_id(request)));
        }
    }

    for (guint i = 0; i < uuids->len; i++) {
        if (!vgpu_domain_xml_remove_request(doc, g_ptr_array_index(uuids, i),
                                            error))
            return FALSE;
    }
    if (!vgpu_virt_define(conn, domain, doc, error))
        return FALSE;
    if (removed)
        *removed = g_steal_pointer(&uuids);
    return TRUE;
}

/* ---- listing domains --------------------------------------------------- */

static void
virt_domain_free(gpointer data)
{
    vgpu_virt_domain_free(data);
}

void
vgpu_virt_domain_free(VgpuVirtDomain *domain)
{
    if (!domain)
        return;
    g_free(domain->name);
    g_free(domain->uuid);
    g_clear_pointer(&domain->requests, g_ptr_array_unref);
    g_clear_pointer(&domain->mdev_hostdevs, g_ptr_array_unref);
    g_clear_pointer(&domain->pci_hostdevs, g_ptr_array_unref);
    g_clear_pointer(&domain->pending, g_ptr_array_unref);
    g_free(domain->request_error);
    g_free(domain);
}

static void
free_domains(virDomainPtr *domains, int count)
{
    for (int i = 0; domains && i < count; i++)
        virDomainFree(domains[i]);
    free(domains);
}

/* Reads one listed domain; %NULL without error if it vanished. */
/* Does @requests hold one for device @id? */
static gboolean
has_request_for(GPtrArray *requests, const char *id)
{
    for (guint i = 0; i < requests->len; i++) {
        if (g_str_equal(vgpu_request_get_device_id(requests->pdata[i]), id))
            return TRUE;
    }
    return FALSE;
}

/*
 * A running persistent domain: what its persistent definition adds for
 * the next start (a request attached while it ran), and the PCI hostdevs
 * it names there too (a VF it will claim). Best effort: an unreadable
 * persistent definition adds nothing.
 */
static void
read_next_start(virDomainPtr dom, VgpuVirtDomain *domain)
{
    g_autofree char *xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);
    g_autoptr(VgpuDomainXml) doc = NULL;
    g_autoptr(GPtrArray) requests = NULL;
    g_autoptr(GPtrArray) pci = NULL;

    if (!xml || !(doc = vgpu_domain_xml_parse(xml, strlen(xml), NULL)) ||
        !(requests = vgpu_domain_xml_list_requests(doc, NULL)))
        return;
    g_ptr_array_set_free_func(requests, NULL);
    for (guint i = 0; i < requests->len; i++) {
        VgpuRequest *request = requests->pdata[i];

        if (has_request_for(domain->requests,
                            vgpu_request_get_device_id(request)))
            vgpu_request_free(request);
        else
            g_ptr_array_add(domain->pending, request);
    }
    pci = vgpu_domain_xml_list_pci_hostdevs(doc);
    for (guint i = 0; i < pci->len; i++) {
        if (!g_ptr_array_find_with_equal_func(domain->pci_hostdevs,
                                              pci->pdata[i], g_str_equal, NULL))
            g_ptr_array_add(domain->pci_hostdevs, g_strdup(pci->pdata[i]));
    }
}

static VgpuVirtDomain *
read_domain(VgpuVirtConnection *conn, virDomainPtr dom, GError **error)
{
    g_autoptr(VgpuVirtDomain) domain = g_new0(VgpuVirtDomain, 1);
    g_autoptr(VgpuDomainXml) doc = NULL;
    g_autoptr(GError) local = NULL;
    g_autofree char *xml = NULL;
    char uuid[VIR_UUID_STRING_BUFLEN];
    int active, persistent;

    domain->name = g_strdup(virDomainGetName(dom));
    if (virDomainGetUUIDString(dom, uuid) < 0) {
        vgpu_virt_set_error(error, "cannot read the UUID of domain \"%s\"",
                            domain->name);
        return NULL;
    }
    domain->uuid = g_ascii_strdown(uuid, -1);

    active = virDomainIsActive(dom);
    persistent = virDomainIsPersistent(dom);
    xml = virDomainGetXMLDesc(dom, 0);
    if (active < 0 || persistent < 0 || !xml) {
        if (virGetLastErrorCode() == VIR_ERR_NO_DOMAIN)
            return NULL; /* undefined while we looked */
        vgpu_virt_set_error(error, "cannot read domain \"%s\" on %s",
                            domain->name, conn->uri);
        return NULL;
    }
    domain->active = active == 1;
    domain->persistent = persistent == 1;

    doc = vgpu_domain_xml_parse(xml, strlen(xml), error);
    if (!doc)
        return NULL;
    domain->mdev_hostdevs = vgpu_domain_xml_list_mdev_hostdevs(doc);
    domain->pci_hostdevs = vgpu_domain_xml_list_pci_hostdevs(doc);
    domain->requests = vgpu_domain_xml_list_requests(doc, &local);
    if (!domain->requests) {
        domain->request_error = g_strdup(local->message);
        domain->requests = g_ptr_array_new();
    }
    domain->pending =
        g_ptr_array_new_with_free_func((GDestroyNotify)vgpu_request_free);
    if (domain->active && domain->persistent)
        read_next_start(dom, domain);
    return g_steal_pointer(&domain);
}

static gint
compare_domains(gconstpointer a, gconstpointer b)
{
    const VgpuVirtDomain *da = *(VgpuVirtDomain *const *)a;
    const VgpuVirtDomain *db = *(VgpuVirtDomain *const *)b;

    return strcmp(da->name, db->name);
}

GPtrArray *
vgpu_virt_list_domains(VgpuVirtConnection *conn, VgpuVirtListFlags flags,
                       GError **error)
{
    g_autoptr(GPtrArray) domains = NULL;
    virDomainPtr *listed = NULL;
    int count;

    g_return_val_if_fail(conn != NULL, NULL);

    count = virConnectListAllDomains(conn->conn, &listed, 0);
    if (count < 0) {
        vgpu_virt_set_error(error, "cannot list the domains on %s", conn->uri);
        return NULL;
    }

    domains = g_ptr_array_new_with_free_func(virt_domain_free);
    for (int i = 0; i < count; i++) {
        g_autoptr(GError) local = NULL;
        VgpuVirtDomain *domain = read_domain(conn, listed[i], &local);

        if (!domain && local) {
            g_propagate_error(error, g_steal_pointer(&local));
            free_domains(listed, count);
            return NULL;
        }
        if (!domain)
            continue;
        if (!(flags & VGPU_VIRT_LIST_ALL) && domain->requests->len == 0 &&
            domain->pending->len == 0 && domain->mdev_hostdevs->len == 0 &&
            !domain->request_error) {
            vgpu_virt_domain_free(domain);
            continue;
        }
        g_ptr_array_add(domains, domain);
    }
    free_domains(listed, count);
    g_ptr_array_sort(domains, compare_domains);
    return g_steal_pointer(&domains);
}

const char *
vgpu_virt_domain_get_name(const VgpuVirtDomain *domain)
{
    g_return_val_if_fail(domain != NULL, NULL);
    return domain->name;
}

const char *
vgpu_virt_domain_get_uuid(const VgpuVirtDomain *domain)
{
    g_return_val_if_fail(domain != NULL, NULL);
    return domain->uuid;
}

gboolean
vgpu_virt_domain_is_active(const VgpuVirtDomain *domain)
{
    g_return_val_if_fail(domain != NULL, FALSE);
    return domain->active;
}

gboolean
vgpu_virt_domain_is_persistent(const VgpuVirtDomain *domain)
{
    g_return_val_if_fail(domain != NULL, FALSE);
    return domain->persistent;
}

GPtrArray *
vgpu_virt_domain_get_requests(const VgpuVirtDomain *domain)
{
    g_return_val_if_fail(domain != NULL, NULL);
    return domain->requests;
}

GPtrArray *
vgpu_virt_domain_get_mdev_hostdevs(const VgpuVirtDomain *domain)
{
    g_return_val_if_fail(domain != NULL, NULL);
    return domain->mdev_hostdevs;
}

GPtrArray *
vgpu_virt_domain_get_pending_requests(const VgpuVirtDomain *domain)
{
    g_return_val_if_fail(domain != NULL, NULL);
    return domain->pending;
}

GPtrArray *
vgpu_virt_domain_get_pci_hostdevs(const VgpuVirtDomain *domain)
{
    g_return_val_if_fail(domain != NULL, NULL);
    return domain->pci_hostdevs;
}

const char *
vgpu_virt_domain_get_request_error(const VgpuVirtDomain *domain)
{
    g_return_val_if_fail(domain != NULL, NULL);
    return domain->request_error;
}
