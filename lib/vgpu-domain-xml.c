/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - libvirt domain XML: mdev hostdevs and libvgpu's requests in
 * <metadata>.
 *
 * Parsing (no DTD, no entities, no network), serializing and indenting
 * new elements are libxml2 and vgpu-xml.c. What is ours: finding the
 * elements to edit and putting new elements where libvirt would write
 * them. Reading hostdevs and validating requests is the reader's
 * (vgpu-domain-reader.c): the lists here format the document and read it
 * there, so the hook and the editor cannot disagree.
 */
#include <libvgpu/vgpu-domain-xml.h>
#include <libvgpu/vgpu-pci.h>
#include <libvgpu/vgpu-uuid.h>

#include "vgpu-domain-reader.h"
#include "vgpu-sysfs.h"
#include "vgpu-text.h"
#include "vgpu-xml.h"

#include <stdio.h>

#define MDEV_UUID_ATTR "uuid"
#define MDEV_TYPE_ATTR "type"
#define MDEV_PARENT_ATTR "parent"
#define VF_ADDRESS_ATTR "address"

struct _VgpuDomainXml {
    xmlDoc *doc;
    char *name;
    char *label; /* name for messages: quoted, cut, escaped */
    char *shell; /* name in suggested commands (domain_shell()) */
    char *uuid;
};

/* ---- finding our elements ---------------------------------------------- */

static gboolean
node_is_ours(const xmlNode *node, const char *name)
{
    return node && node->type == XML_ELEMENT_NODE && node->ns &&
           node->ns->href &&
           g_str_equal((const char *)node->ns->href, VGPU_METADATA_NS) &&
           g_str_equal((const char *)node->name, name);
}

static xmlNode *
find_our_child(xmlNode *parent, const char *name)
{
    for (xmlNode *c = parent ? parent->children : NULL; c; c = c->next) {
        if (node_is_ours(c, name))
            return c;
    }
    return NULL;
}

static gboolean
has_element_children(const xmlNode *node)
{
    for (const xmlNode *c = node->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE)
            return TRUE;
    }
    return FALSE;
}

/* TRUE when @node has nothing but whitespace text inside. */
static gboolean
is_empty_element(const xmlNode *node)
{
    for (const xmlNode *c = node->children; c; c = c->next) {
        if (c->type != XML_TEXT_NODE || !xmlIsBlankNode((xmlNode *)c))
            return FALSE;
    }
    return TRUE;
}

/* The first <source><address> of a <hostdev>, or NULL; its mode and type
 * attributes go to @mode and @type. Which hostdevs count is the reader's
 * rule (vgpu_domain_reader_*_hostdev_id()). */
static xmlNode *
hostdev_address(const xmlNode *node, char **mode, char **type)
{
    if (!vgpu_xml_is_element(node, "hostdev"))
        return NULL;
    *mode = vgpu_xml_get_prop(node, "mode");
    *type = vgpu_xml_get_prop(node, "type");
    return vgpu_xml_find_child(vgpu_xml_find_child((xmlNode *)node, "source"),
                               "address");
}

/* The id of an mdev hostdev, or NULL when @node is not one. */
static char *
hostdev_mdev_uuid(const xmlNode *node)
{
    g_autofree char *mode = NULL;
    g_autofree char *type = NULL;
    xmlNode *address = hostdev_address(node, &mode, &type);
    g_autofree char *uuid =
        address ? vgpu_xml_get_prop(address, MDEV_UUID_ATTR) : NULL;

    return vgpu_domain_reader_mdev_hostdev_id(mode, type, uuid);
}

/* The canonical address of a PCI <hostdev>, or NULL. */
static char *
hostdev_pci_address(const xmlNode *node)
{
    g_autofree char *mode = NULL;
    g_autofree char *type = NULL;
    xmlNode *address = hostdev_address(node, &mode, &type);
    char *parts[4];
    char *id;

    if (!address)
        return NULL;
    for (gsize i = 0; i < 4; i++)
        parts[i] = vgpu_xml_get_prop(address, vgpu_domain_reader_pci_parts[i]);
    id = vgpu_domain_reader_pci_hostdev_id(mode, type,
                                           (const char *const *)parts);
    for (gsize i = 0; i < 4; i++)
        g_free(parts[i]);
    return id;
}

/* The device id a hostdev names: an mdev UUID or a PCI address. */
static char *
hostdev_device_id(const xmlNode *node)
{
    char *uuid = hostdev_mdev_uuid(node);

    return uuid ? uuid : hostdev_pci_address(node);
}

static const char *
domain_label(const VgpuDomainXml *self)
{
    return self->label;
}

/* The name as a command argument ('virsh edit win11'): bare when it is a
 * plain name, quoted and escaped otherwise. */
static const char *
domain_shell(const VgpuDomainXml *self)
{
    return self->shell;
}

static xmlNode *
root_of(const VgpuDomainXml *self)
{
    return xmlDocGetRootElement(self->doc);
}

/* <metadata><vgpu:vgpu> of the document, or NULL. libvirt keeps only the
 * first element of each namespace in <metadata>, so only the first counts. */
static xmlNode *
find_vgpu_element(const VgpuDomainXml *self)
{
    return find_our_child(vgpu_xml_find_child(root_of(self), "metadata"),
                          "vgpu");
}

/* ---- parsing ----------------------------------------------------------- */

VgpuDomainXml *
vgpu_domain_xml_parse(const char *xml, gsize len, GError **error)
{
    g_autoptr(VgpuDomainXml) self = NULL;
    g_autoptr(xmlDoc) doc = NULL;
    xmlNode *root;

    g_return_val_if_fail(xml != NULL || len == 0, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    doc = vgpu_xml_parse_safe("domain XML", xml, len, VGPU_DOMAIN_XML_MAX_SIZE,
                              error);
    if (!doc)
        return NULL;

    root = xmlDocGetRootElement(doc);
    if (!vgpu_xml_is_element(root, "domain")) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "domain XML has root element <%s%s%s>, expected "
                    "<domain> (a libvirt domain definition as written by "
                    "'virsh dumpxml')",
                    root && root->ns && root->ns->prefix
                        ? (const char *)root->ns->prefix
                        : "",
                    root && root->ns && root->ns->prefix ? ":" : "",
                    root ? (const char *)root->name : "");
        return NULL;
    }

    self = g_new0(VgpuDomainXml, 1);
    self->name = vgpu_xml_get_text(vgpu_xml_find_child(root, "name"));
    self->label = vgpu_domain_reader_label(self->name);
    self->shell = vgpu_domain_reader_shell(self->name);
    self->uuid = vgpu_xml_get_text(vgpu_xml_find_child(root, "uuid"));
    self->doc = g_steal_pointer(&doc);
    return g_steal_pointer(&self);
}

void
vgpu_domain_xml_free(VgpuDomainXml *doc)
{
    if (!doc)
        return;
    xmlFreeDoc(doc->doc);
    g_free(doc->name);
    g_free(doc->label);
    g_free(doc->shell);
    g_free(doc->uuid);
    g_free(doc);
}

const char *
vgpu_domain_xml_get_name(VgpuDomainXml *doc)
{
    g_return_val_if_fail(doc != NULL, NULL);
    return doc->name;
}

const char *
vgpu_domain_xml_get_uuid(VgpuDomainXml *doc)
{
    g_return_val_if_fail(doc != NULL, NULL);
    return doc->uuid;
}

/* ---- formatting -------------------------------------------------------- */

char *
vgpu_domain_xml_format(VgpuDomainXml *doc, gsize *len)
{
    g_return_val_if_fail(doc != NULL, NULL);

    /* libxml2 sets standalone to -1 when there was no XML declaration. */
    return vgpu_xml_format(doc->doc, doc->doc->standalone != -1, len);
}

/* ---- reading hostdevs and requests ------------------------------------- */

/* The mdev hostdevs under <devices> (like libvirt's "./devices/hostdev"):
 * all of them, or those with @uuid (canonical). */
static GPtrArray *
find_hostdevs(VgpuDomainXml *doc, char *(*id_of)(const xmlNode *),
              const char *id)
{
    GPtrArray *found = g_ptr_array_new();

    for (xmlNode *d = root_of(doc)->children; d; d = d->next) {
        if (!vgpu_xml_is_element(d, "devices"))
            continue;
        for (xmlNode *c = d->children; c; c = c->next) {
            g_autofree char *c_id = id_of(c);

            if (c_id && (!id || g_str_equal(c_id, id)))
                g_ptr_array_add(found, c);
        }
    }
    return found;
}

/* What the reader (vgpu-domain-reader.c, the one reader of the schema)
 * finds in @doc as it is now. */
static VgpuDomainReading *
read_back(VgpuDomainXml *doc, GError **error)
{
    gsize len = 0;
    g_autofree char *text = vgpu_domain_xml_format(doc, &len);

    return vgpu_domain_reading_new("domain XML", text, len, error);
}

static GPtrArray *
copy_ids(GPtrArray *ids)
{
    return g_ptr_array_copy(ids, (GCopyFunc)(void (*)(void))g_strdup, NULL);
}

GPtrArray *
vgpu_domain_xml_list_pci_hostdevs(VgpuDomainXml *doc)
{
    g_autoptr(VgpuDomainReading) reading = NULL;

    g_return_val_if_fail(doc != NULL, NULL);
    reading = read_back(doc, NULL);
    return reading ? copy_ids(vgpu_domain_reading_get_pci_hostdevs(reading))
                   : g_ptr_array_new_with_free_func(g_free);
}

GPtrArray *
vgpu_domain_xml_list_mdev_hostdevs(VgpuDomainXml *doc)
{
    g_autoptr(VgpuDomainReading) reading = NULL;

    g_return_val_if_fail(doc != NULL, NULL);
    reading = read_back(doc, NULL);
    return reading ? copy_ids(vgpu_domain_reading_get_mdev_hostdevs(reading))
                   : g_ptr_array_new_with_free_func(g_free);
}

/* The device id of a request element (vgpu_domain_reader_request_id()). */
static char *
request_element_uuid(const xmlNode *node)
{
    g_autofree char *uuid = vgpu_xml_get_prop(node, MDEV_UUID_ATTR);
    g_autofree char *address = vgpu_xml_get_prop(node, VF_ADDRESS_ATTR);

    return vgpu_domain_reader_request_id(node_is_ours(node, "vf"), uuid,
                                         address);
}

/* The <vgpu:mdev> and <vgpu:vf> elements in <metadata><vgpu:vgpu>: all of
 * them (valid or not), or those whose device id is @uuid (canonical). */
static GPtrArray *
find_request_elements(VgpuDomainXml *doc, const char *uuid)
{
    GPtrArray *found = g_ptr_array_new();
    xmlNode *vgpu = find_vgpu_element(doc);

    for (xmlNode *c = vgpu ? vgpu->children : NULL; c; c = c->next) {
        g_autofree char *c_uuid = NULL;

        if (!node_is_ours(c, "mdev") && !node_is_ours(c, "vf"))
            continue;
        c_uuid = uuid ? request_element_uuid(c) : NULL;
        if (!uuid || (c_uuid && g_str_equal(c_uuid, uuid)))
            g_ptr_array_add(found, c);
    }
    return found;
}

GPtrArray *
vgpu_domain_xml_list_requests(VgpuDomainXml *doc, GError **error)
{
    g_autoptr(VgpuDomainReading) reading = NULL;

    g_return_val_if_fail(doc != NULL, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    reading = read_back(doc, error);
    return reading ? vgpu_domain_reading_list_requests(reading, error) : NULL;
}

/* ---- editing ----------------------------------------------------------- */

/* libvirt writes <metadata> right after these (formatdomain, "General
 * metadata"). */
static const char *const metadata_predecessors[] = {
    "name", "uuid", "genid", "title", "description",
};

static gboolean
is_metadata_predecessor(const xmlNode *node)
{
    for (gsize i = 0; i < G_N_ELEMENTS(metadata_predecessors); i++) {
        if (vgpu_xml_is_element(node, metadata_predecessors[i]))
            return TRUE;
    }
    return FALSE;
}

static xmlNode *
ensure_metadata(xmlNode *root)
{
    xmlNode *metadata = vgpu_xml_find_child(root, "metadata");
    xmlNode *anchor = NULL;
    xmlNode *first = NULL;

    if (metadata)
        return metadata;
    metadata = xmlNewDocNode(root->doc, NULL, BAD_CAST "metadata", NULL);
    for (xmlNode *c = root->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (!first)
            first = c;
        if (is_metadata_predecessor(c))
            anchor = c;
    }
    if (anchor)
        vgpu_xml_insert_element_after(anchor, metadata);
    else if (first)
        vgpu_xml_insert_element_before(first, metadata);
    else
        vgpu_xml_append_element(root, metadata);
    return metadata;
}

static xmlNode *
ensure_vgpu_element(xmlNode *metadata)
{
    xmlNode *vgpu = find_our_child(metadata, "vgpu");
    xmlNs *ns;

    if (vgpu)
        return vgpu;
    vgpu = xmlNewDocNode(metadata->doc, NULL, BAD_CAST "vgpu", NULL);
    ns = xmlNewNs(vgpu, BAD_CAST VGPU_METADATA_NS,
                  BAD_CAST VGPU_METADATA_PREFIX);
    xmlSetNs(vgpu, ns);
    vgpu_xml_append_element(metadata, vgpu);
    return vgpu;
}

static xmlNode *
ensure_devices(xmlNode *root)
{
    xmlNode *devices = vgpu_xml_find_child(root, "devices");

    if (devices)
        return devices;
    devices = xmlNewDocNode(root->doc, NULL, BAD_CAST "devices", NULL);
    vgpu_xml_append_element(root, devices);
    return devices;
}

static xmlNode *
new_mdev_hostdev(xmlDoc *doc, const char *uuid, VgpuHostdevFlags flags)
{
    xmlNode *hostdev = xmlNewDocNode(doc, NULL, BAD_CAST "hostdev", NULL);
    xmlNode *source;
    xmlNode *address;

    xmlNewProp(hostdev, BAD_CAST "mode", BAD_CAST "subsystem");
    xmlNewProp(hostdev, BAD_CAST "type", BAD_CAST "mdev");
    xmlNewProp(hostdev, BAD_CAST "managed", BAD_CAST "no");
    xmlNewProp(hostdev, BAD_CAST "model", BAD_CAST "vfio-pci");
    xmlNewProp(hostdev, BAD_CAST "display",
               BAD_CAST((flags & VGPU_HOSTDEV_DISPLAY) ? "on" : "off"));
    if (flags & VGPU_HOSTDEV_RAMFB)
        xmlNewProp(hostdev, BAD_CAST "ramfb", BAD_CAST "on");
    source = xmlNewChild(hostdev, NULL, BAD_CAST "source", NULL);
    address = xmlNewChild(source, NULL, BAD_CAST "address", NULL);
    xmlNewProp(address, BAD_CAST MDEV_UUID_ATTR, BAD_CAST uuid);
    return hostdev;
}

/* Sets @node's domain/bus/slot/function to canonical address @to
 * (vgpu_pci_address_is_valid()), written as libvirt writes them. */
static void
set_pci_address(xmlNode *node, const char *to)
{
    unsigned domain, bus, slot, function;
    char text[8];

    sscanf(to, "%4x:%2x:%2x.%1x", &domain, &bus, &slot, &function);
    g_snprintf(text, sizeof(text), "0x%04x", domain);
    xmlSetProp(node, BAD_CAST "domain", BAD_CAST text);
    g_snprintf(text, sizeof(text), "0x%02x", bus);
    xmlSetProp(node, BAD_CAST "bus", BAD_CAST text);
    g_snprintf(text, sizeof(text), "0x%02x", slot);
    xmlSetProp(node, BAD_CAST "slot", BAD_CAST text);
    g_snprintf(text, sizeof(text), "0x%x", function);
    xmlSetProp(node, BAD_CAST "function", BAD_CAST text);
}

/* <hostdev mode='subsystem' type='pci' managed=…> for VF @address: NVIDIA
 * VFs stay on the NVIDIA driver (managed='no'), plain VFs are bound to
 * vfio-pci by libvirt (managed='yes') (DESIGN.md "Device classes"). */
static xmlNode *
new_pci_hostdev(xmlDoc *doc, const char *address, gboolean managed)
{
    xmlNode *hostdev = xmlNewDocNode(doc, NULL, BAD_CAST "hostdev", NULL);
    xmlNode *source;

    xmlNewProp(hostdev, BAD_CAST "mode", BAD_CAST "subsystem");
    xmlNewProp(hostdev, BAD_CAST "type", BAD_CAST "pci");
    xmlNewProp(hostdev, BAD_CAST "managed", BAD_CAST(managed ? "yes" : "no"));
    source = xmlNewChild(hostdev, NULL, BAD_CAST "source", NULL);
    set_pci_address(xmlNewChild(source, NULL, BAD_CAST "address", NULL),
                    address);
    return hostdev;
}

gboolean
vgpu_domain_xml_add_request(VgpuDomainXml *doc, const VgpuRequest *request,
                            VgpuHostdevFlags flags, GError **error)
{
    g_autoptr(GPtrArray) existing = NULL;
    g_autoptr(GPtrArray) hostdevs = NULL;
    const char *id;
    gboolean is_vf;
    xmlNode *root;
    xmlNode *vgpu;
    xmlNode *mdev;

    g_return_val_if_fail(doc != NULL, FALSE);
    g_return_val_if_fail(request != NULL, FALSE);
    g_return_val_if_fail(
        (flags & ~(VGPU_HOSTDEV_DISPLAY | VGPU_HOSTDEV_RAMFB)) == 0, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);
    id = vgpu_request_get_device_id(request);
    is_vf = vgpu_request_get_device_class(request) != VGPU_DEVICE_CLASS_MDEV;

    if (flags != VGPU_HOSTDEV_NONE && is_vf) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "display and ramfb are options of mdev hostdevs (libvirt "
                    "formatdomain); the virtual function %s is passed "
                    "through as a PCI device without them",
                    id);
        return FALSE;
    }
    if ((flags & VGPU_HOSTDEV_RAMFB) && !(flags & VGPU_HOSTDEV_DISPLAY)) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "ramfb='on' for mdev %s in domain %s needs "
                    "display='on' as well (libvirt formatdomain, mdev "
                    "hostdev); ask for the display too",
                    id, domain_label(doc));
        return FALSE;
    }
    existing = find_request_elements(doc, NULL);
    if (existing->len >= VGPU_REQUESTS_MAX) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "domain %s already has %u vGPU requests, the most "
                    "libvgpu supports per domain; detach one first",
                    domain_label(doc), existing->len);
        return FALSE;
    }
    g_ptr_array_unref(existing);
    existing = find_request_elements(doc, id);
    if (existing->len > 0) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_EXISTS,
                    "domain %s already has a vGPU request for device "
                    "\"%s\"; choose another one or detach that one first",
                    domain_label(doc), id);
        return FALSE;
    }
    hostdevs = find_hostdevs(doc, hostdev_device_id,
                             vgpu_request_get_device_id(request));
    if (hostdevs->len > 0) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_EXISTS,
                    "mdev UUID \"%s\" is already used by a <hostdev> of "
                    "domain %s; choose another UUID",
                    vgpu_request_get_uuid(request), domain_label(doc));
        return FALSE;
    }

    root = root_of(doc);
    vgpu = ensure_vgpu_element(ensure_metadata(root));
    if (is_vf) {
        mdev = xmlNewDocNode(doc->doc, vgpu->ns, BAD_CAST "vf", NULL);
        xmlNewProp(mdev, BAD_CAST VF_ADDRESS_ATTR, BAD_CAST id);
        xmlNewProp(mdev, BAD_CAST MDEV_TYPE_ATTR,
                   BAD_CAST vgpu_request_get_type_id(request));
        vgpu_xml_append_element(vgpu, mdev);
        vgpu_xml_append_element(
            ensure_devices(root),
            new_pci_hostdev(doc->doc, id,
                            vgpu_request_get_device_class(request) ==
                                VGPU_DEVICE_CLASS_PLAIN_VF));
        return TRUE;
    }
    mdev = xmlNewDocNode(doc->doc, vgpu->ns, BAD_CAST "mdev", NULL);
    xmlNewProp(mdev, BAD_CAST MDEV_UUID_ATTR, BAD_CAST id);
    xmlNewProp(mdev, BAD_CAST MDEV_TYPE_ATTR,
               BAD_CAST vgpu_request_get_type_id(request));
    if (vgpu_request_get_parent(request))
        xmlNewProp(mdev, BAD_CAST MDEV_PARENT_ATTR,
                   BAD_CAST vgpu_request_get_parent(request));
    vgpu_xml_append_element(vgpu, mdev);

    vgpu_xml_append_element(ensure_devices(root),
                            new_mdev_hostdev(doc->doc, id, flags));
    return TRUE;
}

gboolean
vgpu_domain_xml_remove_request(VgpuDomainXml *doc, const char *uuid,
                               GError **error)
{
    g_autofree char *canonical = NULL;
    g_autoptr(GPtrArray) requests = NULL;
    g_autoptr(GPtrArray) hostdevs = NULL;
    xmlNode *vgpu;
    xmlNode *metadata;

    g_return_val_if_fail(doc != NULL, FALSE);
    g_return_val_if_fail(uuid != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    canonical = vgpu_pci_address_is_valid(uuid)
                    ? g_strdup(uuid)
                    : vgpu_uuid_normalize(uuid, error);
    if (!canonical)
        return FALSE;
    requests = find_request_elements(doc, canonical);
    if (requests->len == 0) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                    "domain %s has no vGPU request for device \"%s\" "
                    "in its <metadata>; nothing was changed",
                    domain_label(doc), canonical);
        return FALSE;
    }

    hostdevs = find_hostdevs(doc, hostdev_device_id, canonical);
    for (guint i = 0; i < hostdevs->len; i++)
        vgpu_xml_remove_element(g_ptr_array_index(hostdevs, i));

    vgpu = find_vgpu_element(doc);
    for (guint i = 0; i < requests->len; i++)
        vgpu_xml_remove_element(g_ptr_array_index(requests, i));
    if (!has_element_children(vgpu))
        vgpu_xml_remove_element(vgpu);
    metadata = vgpu_xml_find_child(root_of(doc), "metadata");
    if (is_empty_element(metadata))
        vgpu_xml_remove_element(metadata);
    return TRUE;
}

gboolean
vgpu_domain_xml_move_vf_request(VgpuDomainXml *doc, const char *from,
                                const char *to, GError **error)
{
    g_autoptr(GPtrArray) requests = NULL;
    g_autoptr(GPtrArray) hostdevs = NULL;
    g_autoptr(GPtrArray) clash = NULL;

    g_return_val_if_fail(doc != NULL, FALSE);

    if (!vgpu_pci_address_is_valid(from) || !vgpu_pci_address_is_valid(to)) {
        g_autofree char *a = vgpu_text_quote(from);
        g_autofree char *b = vgpu_text_quote(to);
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "cannot move a VF request from %s to %s: both must be "
                    "PCI addresses DDDD:BB:SS.F in lowercase hexadecimal",
                    a, b);
        return FALSE;
    }
    requests = find_request_elements(doc, from);
    if (requests->len == 0 || !node_is_ours(requests->pdata[0], "vf")) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                    "domain %s has no VF request for %s; nothing was "
                    "changed",
                    domain_label(doc), from);
        return FALSE;
    }
    clash = find_hostdevs(doc, hostdev_device_id, to);
    if (clash->len > 0) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_EXISTS,
                    "domain %s already uses %s; nothing was changed",
                    domain_label(doc), to);
        return FALSE;
    }
    xmlSetProp(requests->pdata[0], BAD_CAST VF_ADDRESS_ATTR, BAD_CAST to);
    hostdevs = find_hostdevs(doc, hostdev_pci_address, from);
    for (guint i = 0; i < hostdevs->len; i++) {
        g_autofree char *mode = NULL;
        g_autofree char *type = NULL;

        set_pci_address(hostdev_address(hostdevs->pdata[i], &mode, &type), to);
    }
    return TRUE;
}

char *
vgpu_domain_xml_next_default_uuid(VgpuDomainXml *doc, GError **error)
{
    g_autoptr(GPtrArray) hostdevs = NULL;
    g_autoptr(VgpuDomainReading) reading = NULL;
    g_autoptr(GPtrArray) ids = NULL;
    g_autoptr(GHashTable) used = NULL;
    g_autofree char *domain_uuid = NULL;

    g_return_val_if_fail(doc != NULL, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    if (!doc->uuid) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "domain %s has no <uuid>: define it with libvirt "
                    "first (libvirt assigns one) or give an explicit mdev "
                    "UUID",
                    domain_label(doc));
        return NULL;
    }
    domain_uuid = vgpu_uuid_normalize(doc->uuid, NULL);
    if (!domain_uuid) {
        g_autofree char *quoted = vgpu_text_quote(doc->uuid);

        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "domain %s has a malformed <uuid> %s: expected "
                    "36 characters of hex digits and hyphens as libvirt "
                    "writes it; fix it with 'virsh edit %s' or give an "
                    "explicit mdev UUID",
                    domain_label(doc), quoted, domain_shell(doc));
        return NULL;
    }

    used = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    hostdevs = vgpu_domain_xml_list_mdev_hostdevs(doc);
    for (guint i = 0; i < hostdevs->len; i++)
        g_hash_table_add(used, g_strdup(g_ptr_array_index(hostdevs, i)));
    reading = read_back(doc, error);
    ids = reading ? vgpu_domain_reading_list_request_ids(reading, error) : NULL;
    if (!ids)
        return NULL;
    for (guint i = 0; i < ids->len; i++)
        g_hash_table_add(used, g_strdup(ids->pdata[i]));

    /* At most as many candidates as UUIDs in use are taken. */
    for (guint index = 0;; index++) {
        g_autofree char *candidate =
            vgpu_uuid_for_domain(domain_uuid, index, error);

        if (!candidate)
            return NULL;
        if (!g_hash_table_contains(used, candidate))
            return g_steal_pointer(&candidate);
    }
}
