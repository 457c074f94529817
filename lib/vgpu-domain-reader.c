/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - reading a libvirt domain definition's vGPU parts with GMarkup
 * (vgpu-domain-reader.h). Only what the hook needs is kept: the name, the
 * UUID, hostdev ids and the raw attributes of request elements, which are
 * validated when the requests are listed (their messages name the domain).
 */
#include "vgpu-domain-reader.h"

#include <libvgpu/vgpu-domain-xml.h>
#include <libvgpu/vgpu-pci.h>
#include <libvgpu/vgpu-uuid.h>

#include "vgpu-text.h"

#include <string.h>

/* The attributes of a request element that the schema knows, in the order
 * describe_request() prints them. */
enum { ATTR_UUID, ATTR_ADDRESS, ATTR_TYPE, ATTR_PARENT, ATTR_COUNT };
static const char *const request_attrs[ATTR_COUNT] = {
    "uuid",
    "address",
    "type",
    "parent",
};

const char *const vgpu_domain_reader_pci_parts[4] = {
    "domain",
    "bus",
    "slot",
    "function",
};

typedef struct {
    char *qname; /* as written, e.g. "vgpu:mdev" */
    gboolean is_vf;
    char *attrs[ATTR_COUNT];
} RequestElement;

static void
request_element_free(RequestElement *element)
{
    g_free(element->qname);
    for (int i = 0; i < ATTR_COUNT; i++)
        g_free(element->attrs[i]);
    g_free(element);
}

/* What an open element is to the reader. */
typedef enum {
    ROLE_OTHER,    /* anything we skip, with all it contains */
    ROLE_DOMAIN,   /* the root */
    ROLE_NAME,     /* the first <name> */
    ROLE_UUID,     /* the first <uuid> */
    ROLE_METADATA, /* the first <metadata> */
    ROLE_VGPU,     /* the first <vgpu:vgpu> in it */
    ROLE_DEVICES,  /* every <devices> */
    ROLE_HOSTDEV,  /* a <hostdev> in it */
    ROLE_SOURCE,   /* the hostdev's first <source> */
    ROLE_ADDRESS,  /* the source's first <address> */
} Role;

typedef struct {
    char *prefix; /* "" for the default namespace */
    char *uri;    /* "" undeclares the default namespace */
    guint depth;  /* of the element that declared it */
} NsBinding;

typedef struct {
    guint depth;   /* of open elements */
    GArray *roles; /* Role per open element */
    GArray *ns;    /* NsBinding, innermost last */
    gboolean seen_name, seen_uuid, seen_metadata, seen_vgpu;
    gboolean seen_source, seen_address; /* of the current hostdev */
    GString *text;                      /* of <name> or <uuid> while open */
    guint text_depth; /* depth inside the <name> or <uuid>, or 0 */
    /* the current hostdev */
    char *mode, *type;
    char *address[5]; /* uuid, domain, bus, slot, function */
    guint requests_seen;
} ReadState;

struct _VgpuDomainReading {
    char *name;
    char *uuid;
    GPtrArray *mdev_hostdevs;
    GPtrArray *pci_hostdevs;
    GPtrArray *requests; /* RequestElement, at most VGPU_REQUESTS_MAX + 1 */
    guint request_count; /* all of them */
};

/* ---- the shared id rules ----------------------------------------------- */

static gboolean
is_subsystem_hostdev(const char *mode, const char *type, const char *wanted)
{
    /* libvirt defaults a missing mode to "subsystem". */
    return (!mode || g_str_equal(mode, "subsystem")) && type &&
           g_str_equal(type, wanted);
}

char *
vgpu_domain_reader_mdev_hostdev_id(const char *mode, const char *type,
                                   const char *uuid)
{
    if (!is_subsystem_hostdev(mode, type, "mdev") || !uuid)
        return NULL;
    return vgpu_uuid_normalize(uuid, NULL);
}

/* One number of a libvirt PCI address attribute ("0x3d" or "61"), at most
 * @max; -1 when absent or malformed (libvirt virPCIDeviceAddressParseXML
 * reads them with virStrToLong_uip, base 0). */
static gint64
pci_address_part(const char *text, guint64 max)
{
    char *end = NULL;
    guint64 value;

    if (!text || !*text || text[0] == '-')
        return -1;
    value = g_ascii_strtoull(text, &end, 0);
    return (*end || value > max) ? -1 : (gint64)value;
}

char *
vgpu_domain_reader_pci_hostdev_id(const char *mode, const char *type,
                                  const char *const parts[4])
{
    gint64 domain, bus, slot, function;

    if (!is_subsystem_hostdev(mode, type, "pci"))
        return NULL;
    domain = pci_address_part(parts[0], 0xffff);
    bus = pci_address_part(parts[1], 0xff);
    slot = pci_address_part(parts[2], 0x1f);
    function = pci_address_part(parts[3], 7);
    if (domain < 0 || bus < 0 || slot < 0 || function < 0)
        return NULL;
    return g_strdup_printf("%04x:%02x:%02x.%x", (guint)domain, (guint)bus,
                           (guint)slot, (guint)function);
}

char *
vgpu_domain_reader_request_id(gboolean is_vf, const char *uuid,
                              const char *address)
{
    if (is_vf)
        return vgpu_pci_address_is_valid(address) ? g_strdup(address) : NULL;
    return uuid ? vgpu_uuid_normalize(uuid, NULL) : NULL;
}

char *
vgpu_domain_reader_label(const char *name)
{
    /* every message names the domain quoted and cut: its name is
     * untrusted text */
    return name ? vgpu_text_quote(name) : g_strdup("(unnamed)");
}

char *
vgpu_domain_reader_shell(const char *name)
{
    return name ? vgpu_text_name(name) : g_strdup("DOMAIN");
}

/* ---- namespaces ---------------------------------------------------------- */

/* The URI bound to @prefix ("" = default) in scope, or NULL (none). */
static const char *
ns_lookup(const ReadState *state, const char *prefix)
{
    for (guint i = state->ns->len; i > 0; i--) {
        const NsBinding *b = &g_array_index(state->ns, NsBinding, i - 1);

        if (g_str_equal(b->prefix, prefix))
            return *b->uri ? b->uri : NULL;
    }
    return NULL;
}

static void
ns_binding_clear(NsBinding *binding)
{
    g_free(binding->prefix);
    g_free(binding->uri);
}

/* Splits "p:local" into its namespace URI (NULL = none) and local name. */
static const char *
resolve(const ReadState *state, const char *qname, const char **uri)
{
    const char *colon = strchr(qname, ':');
    g_autofree char *prefix = NULL;

    if (!colon) {
        *uri = ns_lookup(state, "");
        return qname;
    }
    prefix = g_strndup(qname, colon - qname);
    *uri = ns_lookup(state, prefix);
    return colon + 1;
}

/* An element of libvirt's schema: in no namespace, named @name. */
static gboolean
is_plain(const char *uri, const char *local, const char *name)
{
    return !uri && g_str_equal(local, name);
}

static gboolean
is_ours(const char *uri, const char *local, const char *name)
{
    return uri && g_str_equal(uri, VGPU_METADATA_NS) &&
           g_str_equal(local, name);
}

/* The value of the unprefixed attribute @name, or NULL. */
static const char *
attr(const char **names, const char **values, const char *name)
{
    for (gsize i = 0; names[i]; i++) {
        if (g_str_equal(names[i], name))
            return values[i];
    }
    return NULL;
}

/* ---- the parser callbacks ------------------------------------------------ */

typedef struct {
    ReadState state;
    VgpuDomainReading *reading;
    const char *what;
    GError *failure; /* the first error GMarkup reported (on_error) */
} Reader;

static Role
parent_role(const ReadState *state)
{
    return state->depth ? g_array_index(state->roles, Role, state->depth - 1)
                        : ROLE_OTHER;
}

static void
clear_hostdev(ReadState *state)
{
    g_clear_pointer(&state->mode, g_free);
    g_clear_pointer(&state->type, g_free);
    for (gsize i = 0; i < G_N_ELEMENTS(state->address); i++)
        g_clear_pointer(&state->address[i], g_free);
    state->seen_source = state->seen_address = FALSE;
}

static Role
role_of(Reader *reader, const char *qname, const char *local, const char *uri,
        const char **names, const char **values)
{
    ReadState *state = &reader->state;

    switch (parent_role(state)) {
    case ROLE_DOMAIN:
        if (is_plain(uri, local, "name") && !state->seen_name)
            return state->seen_name = TRUE, ROLE_NAME;
        if (is_plain(uri, local, "uuid") && !state->seen_uuid)
            return state->seen_uuid = TRUE, ROLE_UUID;
        if (is_plain(uri, local, "metadata") && !state->seen_metadata)
            return state->seen_metadata = TRUE, ROLE_METADATA;
        if (is_plain(uri, local, "devices"))
            return ROLE_DEVICES;
        return ROLE_OTHER;
    case ROLE_METADATA:
        /* libvirt keeps only the first element of each namespace */
        if (is_ours(uri, local, "vgpu") && !state->seen_vgpu)
            return state->seen_vgpu = TRUE, ROLE_VGPU;
        return ROLE_OTHER;
    case ROLE_VGPU: {
        gboolean is_vf = is_ours(uri, local, "vf");
        RequestElement *element;

        if (!is_vf && !is_ours(uri, local, "mdev"))
            return ROLE_OTHER;
        reader->reading->request_count++;
        /* keep one past the cap: enough to say there are too many */
        if (reader->reading->requests->len > VGPU_REQUESTS_MAX)
            return ROLE_OTHER;
        element = g_new0(RequestElement, 1);
        element->qname = g_strdup(qname);
        element->is_vf = is_vf;
        for (int i = 0; i < ATTR_COUNT; i++)
            element->attrs[i] = g_strdup(attr(names, values, request_attrs[i]));
        g_ptr_array_add(reader->reading->requests, element);
        return ROLE_OTHER;
    }
    case ROLE_DEVICES:
        if (!is_plain(uri, local, "hostdev"))
            return ROLE_OTHER;
        clear_hostdev(state);
        state->mode = g_strdup(attr(names, values, "mode"));
        state->type = g_strdup(attr(names, values, "type"));
        return ROLE_HOSTDEV;
    case ROLE_HOSTDEV:
        if (is_plain(uri, local, "source") && !state->seen_source)
            return state->seen_source = TRUE, ROLE_SOURCE;
        return ROLE_OTHER;
    case ROLE_SOURCE:
        if (!is_plain(uri, local, "address") || state->seen_address)
            return ROLE_OTHER;
        state->seen_address = TRUE;
        state->address[0] = g_strdup(attr(names, values, "uuid"));
        for (gsize i = 0; i < 4; i++)
            state->address[i + 1] =
                g_strdup(attr(names, values, vgpu_domain_reader_pci_parts[i]));
        return ROLE_ADDRESS;
    default:
        return ROLE_OTHER;
    }
}

static void
on_start(GMarkupParseContext *context, const char *qname, const char **names,
         const char **values, gpointer user_data, GError **error)
{
    Reader *reader = user_data;
    ReadState *state = &reader->state;
    const char *uri;
    const char *local;
    Role role;

    if (reader->failure)
        return;

    /* namespace declarations of this element are in scope for it */
    for (gsize i = 0; names[i]; i++) {
        NsBinding binding;

        if (g_str_equal(names[i], "xmlns"))
            binding.prefix = g_strdup("");
        else if (g_str_has_prefix(names[i], "xmlns:"))
            binding.prefix = g_strdup(names[i] + strlen("xmlns:"));
        else
            continue;
        binding.uri = g_strdup(values[i]);
        binding.depth = state->depth;
        g_array_append_val(state->ns, binding);
    }
    local = resolve(state, qname, &uri);
    if (state->depth == 0) {
        if (!is_plain(uri, local, "domain")) {
            g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                        "%s has root element <%s>, expected <domain> (a "
                        "libvirt domain definition as written by 'virsh "
                        "dumpxml')",
                        reader->what, qname);
            return;
        }
        role = ROLE_DOMAIN;
    } else if (parent_role(state) == ROLE_OTHER) {
        role = ROLE_OTHER; /* nothing we read is inside what we skip */
    } else {
        role = role_of(reader, qname, local, uri, names, values);
    }
    g_array_append_val(state->roles, role);
    state->depth++;
    if (role == ROLE_NAME || role == ROLE_UUID) {
        g_string_truncate(state->text, 0);
        state->text_depth = state->depth;
    }
}

static void
on_end(GMarkupParseContext *context, const char *qname, gpointer user_data,
       GError **error)
{
    Reader *reader = user_data;
    ReadState *state = &reader->state;
    VgpuDomainReading *reading = reader->reading;
    Role role = parent_role(state);

    if (reader->failure || state->depth == 0)
        return;
    state->depth--;
    g_array_set_size(state->roles, state->depth);
    while (state->ns->len &&
           g_array_index(state->ns, NsBinding, state->ns->len - 1).depth >=
               state->depth)
        g_array_set_size(state->ns, state->ns->len - 1);

    if (state->depth < state->text_depth)
        state->text_depth = 0;
    if (role == ROLE_NAME)
        reading->name = g_strstrip(g_strdup(state->text->str));
    else if (role == ROLE_UUID)
        reading->uuid = g_strstrip(g_strdup(state->text->str));
    else if (role == ROLE_HOSTDEV) {
        char *id = vgpu_domain_reader_mdev_hostdev_id(state->mode, state->type,
                                                      state->address[0]);

        if (id)
            g_ptr_array_add(reading->mdev_hostdevs, id);
        else if ((id = vgpu_domain_reader_pci_hostdev_id(
                      state->mode, state->type,
                      (const char *const *)state->address + 1)))
            g_ptr_array_add(reading->pci_hostdevs, id);
        clear_hostdev(state);
    }
}

static void
on_text(GMarkupParseContext *context, const char *text, gsize len,
        gpointer user_data, GError **error)
{
    Reader *reader = user_data;
    ReadState *state = &reader->state;

    /* all the text of <name> or <uuid>, as xmlNodeGetContent() gives it */
    if (!reader->failure && state->text_depth)
        g_string_append_len(state->text, text, len);
}

static void
on_passthrough(GMarkupParseContext *context, const char *text, gsize len,
               gpointer user_data, GError **error)
{
    Reader *reader = user_data;

    if (len >= 9 && g_ascii_strncasecmp(text, "<!DOCTYPE", 9) == 0)
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "%s must not contain a DTD or entity declarations "
                    "(<!DOCTYPE ...>); libvirt never writes one, remove it",
                    reader->what);
}

/*
 * GMarkup reports every error here first (mark_error()). The reader keeps
 * the first and passes no GError to GMarkup itself: GLib 2.74 goes on
 * parsing after an invalid element name (emit_start_element() validates
 * the name into the caller's GError but the state machine then leaves the
 * error state), and the next error would be set over the first ("GError
 * set over the top", a GLib warning on the hook's stderr). Found by
 * tests/fuzz/fuzz-hook.
 */
static void
on_error(GMarkupParseContext *context, GError *error, gpointer user_data)
{
    Reader *reader = user_data;

    if (!reader->failure)
        reader->failure = g_error_copy(error);
}

static const GMarkupParser parser = {
    .start_element = on_start,
    .end_element = on_end,
    .text = on_text,
    .passthrough = on_passthrough,
    .error = on_error,
};

/* ---- reading ------------------------------------------------------------- */

void
vgpu_domain_reading_free(VgpuDomainReading *reading)
{
    if (!reading)
        return;
    g_free(reading->name);
    g_free(reading->uuid);
    g_ptr_array_unref(reading->mdev_hostdevs);
    g_ptr_array_unref(reading->pci_hostdevs);
    g_ptr_array_unref(reading->requests);
    g_free(reading);
}

VgpuDomainReading *
vgpu_domain_reading_new(const char *what, const char *xml, gsize len,
                        GError **error)
{
    g_autoptr(VgpuDomainReading) reading = NULL;
    g_autoptr(GMarkupParseContext) context = NULL;
    g_autoptr(GError) local = NULL;
    Reader reader = {.what = what};
    gboolean ok;

    g_return_val_if_fail(what != NULL, NULL);
    g_return_val_if_fail(xml != NULL || len == 0, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    if (!vgpu_text_check_document_size(what, len, VGPU_DOMAIN_XML_MAX_SIZE,
                                       error))
        return NULL;

    reading = g_new0(VgpuDomainReading, 1);
    reading->mdev_hostdevs = g_ptr_array_new_with_free_func(g_free);
    reading->pci_hostdevs = g_ptr_array_new_with_free_func(g_free);
    reading->requests =
        g_ptr_array_new_with_free_func((GDestroyNotify)request_element_free);
    reader.reading = reading;
    reader.state.roles = g_array_new(FALSE, FALSE, sizeof(Role));
    reader.state.ns = g_array_new(FALSE, FALSE, sizeof(NsBinding));
    g_array_set_clear_func(reader.state.ns, (GDestroyNotify)ns_binding_clear);
    reader.state.text = g_string_new(NULL);

    context = g_markup_parse_context_new(
        &parser, G_MARKUP_TREAT_CDATA_AS_TEXT | G_MARKUP_PREFIX_ERROR_POSITION,
        &reader, NULL);
    ok = g_markup_parse_context_parse(context, xml, (gssize)len, NULL) &&
         !reader.failure && g_markup_parse_context_end_parse(context, NULL) &&
         !reader.failure;
    local = reader.failure;

    clear_hostdev(&reader.state);
    g_array_unref(reader.state.roles);
    g_array_unref(reader.state.ns);
    g_string_free(reader.state.text, TRUE);

    if (!ok) {
        if (!local) /* GMarkup always reports, but never trust that */
            local = g_error_new_literal(G_MARKUP_ERROR, G_MARKUP_ERROR_PARSE,
                                        "cannot parse it");
        if (local->domain == VGPU_ERROR)
            g_propagate_error(error, g_steal_pointer(&local));
        else {
            /* GMarkup quotes bytes of the document, newlines and invalid
             * UTF-8 included */
            g_autofree char *text =
                vgpu_text_one_line(local->message, VGPU_TEXT_LINE_MAX / 2);

            g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                        "%s is not well-formed: %s", what, text);
        }
        return NULL;
    }
    return g_steal_pointer(&reading);
}

const char *
vgpu_domain_reading_get_name(const VgpuDomainReading *reading)
{
    return reading->name;
}

const char *
vgpu_domain_reading_get_uuid(const VgpuDomainReading *reading)
{
    return reading->uuid;
}

GPtrArray *
vgpu_domain_reading_get_mdev_hostdevs(const VgpuDomainReading *reading)
{
    return reading->mdev_hostdevs;
}

GPtrArray *
vgpu_domain_reading_get_pci_hostdevs(const VgpuDomainReading *reading)
{
    return reading->pci_hostdevs;
}

/* ---- requests ------------------------------------------------------------ */

/* "<vgpu:mdev uuid="…" type="…">" with the attributes present. */
static char *
describe_request(const RequestElement *element)
{
    GString *out = g_string_new("<");

    g_string_append(out, element->qname);
    for (int i = 0; i < ATTR_COUNT; i++) {
        g_autofree char *quoted = NULL;

        if (!element->attrs[i])
            continue;
        quoted = vgpu_text_quote(element->attrs[i]);
        g_string_append_printf(out, " %s=%s", request_attrs[i], quoted);
    }
    g_string_append_c(out, '>');
    return g_string_free(out, FALSE);
}

/* The request @local refused, as one line naming the element, the
 * domain and the fix. */
static void
set_request_error(GError **error, const GError *local, const char *what,
                  const char *label, const char *shell)
{
    g_set_error(error, VGPU_ERROR, local->code,
                "vGPU request %s in domain %s: %s; fix it with "
                "'virsh edit %s' or remove it with 'vgpuctl detach'",
                what, label, local->message, shell);
}

/* A <vgpu:vf address=… type=…/> (DESIGN.md, "Device classes"). */
static VgpuRequest *
vf_request(const RequestElement *element, const char *what, const char *label,
           const char *shell, GError **error)
{
    const char *address = element->attrs[ATTR_ADDRESS];
    const char *type_id = element->attrs[ATTR_TYPE];
    g_autoptr(GError) local = NULL;
    VgpuRequest *request;

    if (!address || !type_id) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "vGPU request %s in domain %s needs both an address "
                    "(the VF, e.g. address=\"0000:3d:00.4\") and a type; "
                    "fix it with 'virsh edit %s' or remove it with "
                    "'vgpuctl detach'",
                    what, label, shell);
        return NULL;
    }
    request = vgpu_request_new_vf(address, type_id, &local);
    if (!request)
        set_request_error(error, local, what, label, shell);
    return request;
}

static VgpuRequest *
mdev_request(const RequestElement *element, const char *what, const char *label,
             const char *shell, GError **error)
{
    const char *uuid = element->attrs[ATTR_UUID];
    const char *type_id = element->attrs[ATTR_TYPE];
    g_autoptr(GError) local = NULL;
    g_autofree char *canonical = NULL;
    VgpuRequest *request;

    if (!uuid) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "vGPU request %s in domain %s has no uuid "
                    "attribute; add the mdev UUID (uuid=\"...\") or remove "
                    "the element with 'virsh edit %s'",
                    what, label, shell);
        return NULL;
    }
    if (!type_id) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "vGPU request %s in domain %s has no type "
                    "attribute; add the mdev type (e.g. type=\"nvidia-65\") "
                    "with 'virsh edit %s' or remove the request with "
                    "'vgpuctl detach'",
                    what, label, shell);
        return NULL;
    }
    canonical = vgpu_uuid_normalize(uuid, &local);
    if (!canonical) {
        g_set_error(error, VGPU_ERROR, local->code,
                    "vGPU request %s in domain %s: %s; fix it with "
                    "'virsh edit %s'",
                    what, label, local->message, shell);
        return NULL;
    }
    request = vgpu_request_new(canonical, type_id, element->attrs[ATTR_PARENT],
                               &local);
    if (!request)
        set_request_error(error, local, what, label, shell);
    return request;
}

/* FALSE with VGPU_ERROR_INVALID_INPUT when the domain has more request
 * elements than VGPU_REQUESTS_MAX. */
static gboolean
check_request_count(const VgpuDomainReading *reading, const char *label,
                    GError **error)
{
    if (reading->request_count <= VGPU_REQUESTS_MAX)
        return TRUE;
    g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                "domain %s has %u vGPU requests, more than the %u "
                "libvgpu supports per domain; remove the extra "
                "<vgpu:mdev>/<vgpu:vf> elements with 'vgpuctl detach' "
                "or 'virsh edit'",
                label, reading->request_count, VGPU_REQUESTS_MAX);
    return FALSE;
}

GPtrArray *
vgpu_domain_reading_list_request_ids(const VgpuDomainReading *reading,
                                     GError **error)
{
    g_autofree char *label = vgpu_domain_reader_label(reading->name);
    GPtrArray *ids;

    if (!check_request_count(reading, label, error))
        return NULL;
    ids = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < reading->requests->len; i++) {
        const RequestElement *element = reading->requests->pdata[i];
        char *id = vgpu_domain_reader_request_id(element->is_vf,
                                                 element->attrs[ATTR_UUID],
                                                 element->attrs[ATTR_ADDRESS]);

        if (id)
            g_ptr_array_add(ids, id);
    }
    return ids;
}

GPtrArray *
vgpu_domain_reading_list_requests(const VgpuDomainReading *reading,
                                  GError **error)
{
    g_autoptr(GPtrArray) requests = NULL;
    g_autoptr(GHashTable) seen = NULL;
    g_autofree char *label = NULL;
    g_autofree char *shell = NULL;

    g_return_val_if_fail(reading != NULL, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    label = vgpu_domain_reader_label(reading->name);
    shell = vgpu_domain_reader_shell(reading->name);
    if (!check_request_count(reading, label, error))
        return NULL;
    requests =
        g_ptr_array_new_with_free_func((GDestroyNotify)vgpu_request_free);
    seen = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < reading->requests->len; i++) {
        const RequestElement *element = reading->requests->pdata[i];
        g_autofree char *what = describe_request(element);
        VgpuRequest *request =
            element->is_vf ? vf_request(element, what, label, shell, error)
                           : mdev_request(element, what, label, shell, error);

        if (!request)
            return NULL;
        if (g_hash_table_contains(seen, vgpu_request_get_device_id(request))) {
            g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                        "domain %s has two vGPU requests for device "
                        "\"%s\"; remove one of them with 'virsh edit %s'",
                        label, vgpu_request_get_device_id(request), shell);
            vgpu_request_free(request);
            return NULL;
        }
        g_ptr_array_add(requests, request);
        g_hash_table_add(seen, (gpointer)vgpu_request_get_device_id(request));
    }
    return g_steal_pointer(&requests);
}
