/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - the domain XML editor's functions (libvgpu/vgpu-domain-xml.h),
 * forwarded to libvgpu-domain-xml.so, loaded on the first parse
 * (vgpu-domain-xml-module.h says why). Every other function takes a
 * document, which only a parse that loaded the module can have made.
 *
 * The module is looked up where libvgpu.so.0 itself was loaded from
 * (dladdr(3), links resolved): in the private directory libvgpu/ beside it
 * (installed, $libdir/libvgpu/), then beside it (the build tree); never through
 * the search path or the environment, so nothing but this build's own module is
 * ever loaded, also into a root process such as the hook.
 */
#include "vgpu-domain-xml-module.h"

#include <dlfcn.h>
#include <stdlib.h>

static const VgpuDomainXmlModule *module;
static char *module_failure; /* why it could not be loaded */

/* Loads the module at @path; NULL with @failure set otherwise. */
static const VgpuDomainXmlModule *
module_open(const char *path, char **failure)
{
    const VgpuDomainXmlModule *table;
    void *library = dlopen(path, RTLD_NOW | RTLD_LOCAL);

    if (!library) {
        *failure = g_strdup(dlerror());
        return NULL;
    }
    table = dlsym(library, VGPU_DOMAIN_XML_MODULE_SYMBOL);
    if (!table || table->size != sizeof(VgpuDomainXmlModule) ||
        g_strcmp0(table->version, VGPU_BUILD_VERSION) != 0) {
        *failure =
            g_strdup_printf("%s is not the domain XML editor of libvgpu %s",
                            path, VGPU_BUILD_VERSION);
        dlclose(library);
        return NULL;
    }
    return table; /* never unloaded: documents point into it */
}

static void
module_load_once(void)
{
    /* where it is installed ($libdir/libvgpu/), then the build tree */
    const char *const places[] = {"libvgpu/" VGPU_DOMAIN_XML_MODULE_FILE,
                                  VGPU_DOMAIN_XML_MODULE_FILE};
    g_autoptr(GString) failures = g_string_new(NULL);
    g_autofree char *real = NULL;
    g_autofree char *dir = NULL;
    Dl_info self;

    if (!dladdr((const void *)module_load_once, &self) || !self.dli_fname) {
        module_failure = g_strdup("cannot tell where libvgpu.so.0 was loaded "
                                  "from (dladdr)");
        return;
    }
    /* the library's own file, not a link to it elsewhere */
    real = realpath(self.dli_fname, NULL);
    dir = g_path_get_dirname(real ? real : self.dli_fname);
    for (guint i = 0; i < G_N_ELEMENTS(places) && !module; i++) {
        g_autofree char *path = g_canonicalize_filename(places[i], dir);
        g_autofree char *failure = NULL;

        module = module_open(path, &failure);
        if (!module)
            g_string_append_printf(failures, "%s; ", failure);
    }
    if (!module)
        module_failure = g_strdup_printf(
            "cannot load the domain XML editor of libvgpu: %sreinstall "
            "libvgpu0",
            failures->str);
}

/* The module, loaded once; NULL with VGPU_ERROR_SYSTEM when it cannot be. */
static const VgpuDomainXmlModule *
module_get(GError **error)
{
    static gsize loaded;

    if (g_once_init_enter(&loaded)) {
        module_load_once();
        g_once_init_leave(&loaded, 1);
    }
    if (!module)
        g_set_error_literal(error, VGPU_ERROR, VGPU_ERROR_SYSTEM,
                            module_failure);
    return module;
}

VgpuDomainXml *
vgpu_domain_xml_parse(const char *xml, gsize len, GError **error)
{
    const VgpuDomainXmlModule *editor = module_get(error);

    return editor ? editor->parse(xml, len, error) : NULL;
}

/* The module, for a function given a document: only a parse that loaded
 * it can have made one. */
static const VgpuDomainXmlModule *
loaded(void)
{
    return module_get(NULL);
}

void
vgpu_domain_xml_free(VgpuDomainXml *doc)
{
    if (doc)
        loaded()->free(doc);
}

char *
vgpu_domain_xml_format(VgpuDomainXml *doc, gsize *len)
{
    g_return_val_if_fail(doc != NULL, NULL);
    return loaded()->format(doc, len);
}

const char *
vgpu_domain_xml_get_name(VgpuDomainXml *doc)
{
    g_return_val_if_fail(doc != NULL, NULL);
    return loaded()->get_name(doc);
}

const char *
vgpu_domain_xml_get_uuid(VgpuDomainXml *doc)
{
    g_return_val_if_fail(doc != NULL, NULL);
    return loaded()->get_uuid(doc);
}

GPtrArray *
vgpu_domain_xml_list_mdev_hostdevs(VgpuDomainXml *doc)
{
    g_return_val_if_fail(doc != NULL, NULL);
    return loaded()->list_mdev_hostdevs(doc);
}

GPtrArray *
vgpu_domain_xml_list_pci_hostdevs(VgpuDomainXml *doc)
{
    g_return_val_if_fail(doc != NULL, NULL);
    return loaded()->list_pci_hostdevs(doc);
}

GPtrArray *
vgpu_domain_xml_list_requests(VgpuDomainXml *doc, GError **error)
{
    g_return_val_if_fail(doc != NULL, NULL);
    return loaded()->list_requests(doc, error);
}

gboolean
vgpu_domain_xml_add_request(VgpuDomainXml *doc, const VgpuRequest *request,
                            VgpuHostdevFlags flags, GError **error)
{
    g_return_val_if_fail(doc != NULL, FALSE);
    return loaded()->add_request(doc, request, flags, error);
}

gboolean
vgpu_domain_xml_remove_request(VgpuDomainXml *doc, const char *uuid,
                               GError **error)
{
    g_return_val_if_fail(doc != NULL, FALSE);
    return loaded()->remove_request(doc, uuid, error);
}

gboolean
vgpu_domain_xml_move_vf_request(VgpuDomainXml *doc, const char *from,
                                const char *to, GError **error)
{
    g_return_val_if_fail(doc != NULL, FALSE);
    return loaded()->move_vf_request(doc, from, to, error);
}

char *
vgpu_domain_xml_next_default_uuid(VgpuDomainXml *doc, GError **error)
{
    g_return_val_if_fail(doc != NULL, NULL);
    return loaded()->next_default_uuid(doc, error);
}
