/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - libvirt domain XML: mdev hostdevs and libvgpu's requests in
 * <metadata>.
 *
 * Parsing is libxml2 with no network, no entity substitution and no DTD at
 * all: the parser is stopped as soon as a DOCTYPE is seen, so neither
 * external entities (XXE) nor entity expansion (billion laughs) can happen.
 *
 * Formatting is our own small serializer rather than xmlSaveDoc(), so that
 * a document libvirt wrote comes back byte for byte: libvirt writes its own
 * elements with single-quoted attributes, escapes ' and " in text and puts
 * xmlns declarations after the attributes (virBufferEscapeString(),
 * virXMLFormatElement()), while it dumps <metadata> with libxml2's
 * xmlNodeDump() (double quotes, xmlns first). We write each part the way
 * libvirt does, so new elements look as if libvirt had written them.
 */
#include <libvgpu/vgpu-domain-xml.h>
#include <libvgpu/vgpu-uuid.h>

#include "vgpu-sysfs.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

#define MDEV_UUID_ATTR "uuid"
#define MDEV_TYPE_ATTR "type"
#define MDEV_PARENT_ATTR "parent"

/* Longest attribute value quoted in full in an error message. */
#define QUOTE_MAX_CHARS 80

struct _VgpuDomainXml {
    xmlDoc *doc;
    char *decl; /* the input's XML declaration, or NULL if it had none */
    char *name;
    char *uuid;
};

struct _VgpuRequest {
    char *uuid;
    char *type_id;
    char *parent;
};

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlParserCtxt, xmlFreeParserCtxt)

/* ---- requests ---------------------------------------------------------- */

VgpuRequest *
vgpu_request_new(const char *uuid, const char *type_id, const char *parent,
                 GError **error)
{
    g_autoptr(VgpuRequest) request = NULL;
    g_autofree char *canonical = NULL;

    g_return_val_if_fail(uuid != NULL, NULL);
    g_return_val_if_fail(type_id != NULL, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    canonical = vgpu_uuid_normalize(uuid, error);
    if (!canonical)
        return NULL;
    if (!vgpu_name_check("mdev type", type_id, error))
        return NULL;
    if (parent && !vgpu_name_check("parent device", parent, error))
        return NULL;

    request = g_new0(VgpuRequest, 1);
    request->uuid = g_steal_pointer(&canonical);
    request->type_id = g_strdup(type_id);
    request->parent = g_strdup(parent);
    return g_steal_pointer(&request);
}

void
vgpu_request_free(VgpuRequest *request)
{
    if (!request)
        return;
    g_free(request->uuid);
    g_free(request->type_id);
    g_free(request->parent);
    g_free(request);
}

const char *
vgpu_request_get_uuid(const VgpuRequest *request)
{
    g_return_val_if_fail(request != NULL, NULL);
    return request->uuid;
}

const char *
vgpu_request_get_type_id(const VgpuRequest *request)
{
    g_return_val_if_fail(request != NULL, NULL);
    return request->type_id;
}

const char *
vgpu_request_get_parent(const VgpuRequest *request)
{
    g_return_val_if_fail(request != NULL, NULL);
    return request->parent;
}

/* ---- small tree helpers ------------------------------------------------ */

static gboolean
node_is(const xmlNode *node, const char *name)
{
    return node && node->type == XML_ELEMENT_NODE && node->ns == NULL &&
           g_str_equal((const char *)node->name, name);
}

static gboolean
node_is_ours(const xmlNode *node, const char *name)
{
    return node && node->type == XML_ELEMENT_NODE && node->ns &&
           node->ns->href &&
           g_str_equal((const char *)node->ns->href, VGPU_METADATA_NS) &&
           g_str_equal((const char *)node->name, name);
}

/* First element child of @parent named @name, in no namespace. */
static xmlNode *
find_child(xmlNode *parent, const char *name)
{
    for (xmlNode *c = parent ? parent->children : NULL; c; c = c->next) {
        if (node_is(c, name))
            return c;
    }
    return NULL;
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

/* An attribute in no namespace, as a GLib string. */
static char *
get_prop(const xmlNode *node, const char *name)
{
    xmlChar *value = xmlGetNoNsProp(node, (const xmlChar *)name);
    char *result;

    if (!value)
        return NULL;
    result = g_strdup((const char *)value);
    xmlFree(value);
    return result;
}

static char *
get_content_stripped(const xmlNode *node)
{
    xmlChar *content;
    char *result;

    if (!node)
        return NULL;
    content = xmlNodeGetContent(node);
    if (!content)
        return NULL;
    result = g_strstrip(g_strdup((const char *)content));
    xmlFree(content);
    return result;
}

/* The UUID of an mdev hostdev (<source><address uuid=…/>), lowercased, or
 * NULL when @node is not one or has no valid UUID. */
static char *
hostdev_mdev_uuid(const xmlNode *node)
{
    g_autofree char *mode = NULL;
    g_autofree char *type = NULL;
    g_autofree char *uuid = NULL;
    xmlNode *address;

    if (!node_is(node, "hostdev"))
        return NULL;
    /* libvirt defaults a missing mode to "subsystem". */
    mode = get_prop(node, "mode");
    type = get_prop(node, "type");
    if ((mode && !g_str_equal(mode, "subsystem")) || !type ||
        !g_str_equal(type, "mdev"))
        return NULL;
    address = find_child(find_child((xmlNode *)node, "source"), "address");
    if (!address)
        return NULL;
    uuid = get_prop(address, MDEV_UUID_ATTR);
    if (!uuid)
        return NULL;
    return vgpu_uuid_normalize(uuid, NULL);
}

/* A printable, bounded copy of an attribute value for a message. */
static char *
quote_value(const char *value)
{
    GString *out = g_string_new(NULL);
    glong chars = 0;

    for (const char *p = value; *p; p = g_utf8_next_char(p)) {
        if (chars++ == QUOTE_MAX_CHARS) {
            g_string_append(out, "...");
            break;
        }
        if (g_ascii_iscntrl(*p))
            g_string_append_c(out, '?');
        else
            g_string_append_len(out, p, g_utf8_next_char(p) - p);
    }
    return g_string_free(out, FALSE);
}

/* "<vgpu:mdev uuid="…" type="…">" with the attributes present. */
static char *
describe_mdev(const xmlNode *node)
{
    static const char *const attrs[] = {
        MDEV_UUID_ATTR, MDEV_TYPE_ATTR, MDEV_PARENT_ATTR,
    };
    GString *out = g_string_new("<");

    if (node->ns && node->ns->prefix)
        g_string_append_printf(out, "%s:", (const char *)node->ns->prefix);
    g_string_append(out, (const char *)node->name);
    for (gsize i = 0; i < G_N_ELEMENTS(attrs); i++) {
        g_autofree char *value = get_prop(node, attrs[i]);
        g_autofree char *quoted = NULL;

        if (!value)
            continue;
        quoted = quote_value(value);
        g_string_append_printf(out, " %s=\"%s\"", attrs[i], quoted);
    }
    g_string_append_c(out, '>');
    return g_string_free(out, FALSE);
}

static const char *
domain_label(const VgpuDomainXml *self)
{
    return self->name ? self->name : "(unnamed)";
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
    return find_our_child(find_child(root_of(self), "metadata"), "vgpu");
}

/* ---- parsing ----------------------------------------------------------- */

typedef struct {
    char *message; /* the first error, with its position */
    gboolean dtd;  /* a DOCTYPE was seen (the parser was stopped there) */
} ParseState;

static void
parse_state_clear(ParseState *state)
{
    g_clear_pointer(&state->message, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ParseState, parse_state_clear)

#if LIBXML_VERSION >= 21200
typedef const xmlError ParseError;
#else
typedef xmlError ParseError;
#endif

/* Structured error handler: @data is the parser context. Keeps the first
 * error; warnings are ignored. Never prints. */
static void
on_parse_error(void *data, ParseError *err)
{
    xmlParserCtxt *ctxt = data;
    ParseState *state = ctxt ? ctxt->_private : NULL;
    g_autofree char *text = NULL;

    if (!state || state->message || !err || err->level < XML_ERR_ERROR)
        return;
    text = g_strdup(err->message ? err->message : "unknown error");
    g_strdelimit(g_strstrip(text), "\n\r\t", ' ');
    state->message = g_strdup_printf("line %d, column %d: %s", err->line,
                                     err->int2, text);
}

/* SAX internalSubset: any DOCTYPE (internal or external subset) ends the
 * parse before a single declaration is read. */
static void
on_doctype(void *data, const xmlChar *name, const xmlChar *external_id,
           const xmlChar *system_id)
{
    xmlParserCtxt *ctxt = data;
    ParseState *state = ctxt->_private;

    state->dtd = TRUE;
    xmlStopParser(ctxt);
}

/* TRUE if any entity reference node survived (it cannot without a DTD;
 * checked anyway). */
static gboolean
has_entity_refs(const xmlNode *node)
{
    for (; node; node = node->next) {
        if (node->type == XML_ENTITY_REF_NODE ||
            node->type == XML_ENTITY_DECL || node->type == XML_DTD_NODE)
            return TRUE;
        if (node->type == XML_ELEMENT_NODE && has_entity_refs(node->children))
            return TRUE;
    }
    return FALSE;
}

/* The XML declaration at the start of @xml (after an optional UTF-8 BOM),
 * or NULL. */
static char *
find_xml_decl(const char *xml, gsize len)
{
    const char *end;

    if (len >= 3 && memcmp(xml, "\xef\xbb\xbf", 3) == 0) {
        xml += 3;
        len -= 3;
    }
    if (len < 6 || memcmp(xml, "<?xml", 5) != 0 ||
        !g_ascii_isspace(xml[5]))
        return NULL;
    end = g_strstr_len(xml, MIN(len, 1024), "?>");
    if (!end)
        return NULL;
    return g_strndup(xml, end + 2 - xml);
}

static void
set_dtd_error(GError **error)
{
    g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                "domain XML must not contain a DTD or entity declarations "
                "(<!DOCTYPE ...>); libvirt never writes one, remove it");
}

VgpuDomainXml *
vgpu_domain_xml_parse(const char *xml, gsize len, GError **error)
{
    g_autoptr(VgpuDomainXml) self = NULL;
    g_autoptr(xmlParserCtxt) ctxt = NULL;
    g_autoptr(xmlDoc) doc = NULL;
    g_auto(ParseState) state = { NULL, FALSE };
    xmlNode *root;

    g_return_val_if_fail(xml != NULL || len == 0, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    if (len == 0) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "domain XML is empty: expected a libvirt <domain> "
                    "definition");
        return NULL;
    }
    if (len > VGPU_DOMAIN_XML_MAX_SIZE) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "domain XML is %" G_GSIZE_FORMAT " bytes, more than the "
                    "limit of %u bytes (16 MiB)",
                    len, VGPU_DOMAIN_XML_MAX_SIZE);
        return NULL;
    }

    xmlInitParser();
    ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_SYSTEM,
                    "cannot create an XML parser: out of memory");
        return NULL;
    }
    ctxt->_private = &state;
    ctxt->sax->serror = on_parse_error;
    ctxt->sax->internalSubset = on_doctype;

#if LIBXML_VERSION >= 21300
    /* libxml2 >= 2.13 routes every error of the parse to the context. */
    xmlCtxtSetErrorHandler(ctxt, on_parse_error, ctxt);
    doc = xmlCtxtReadMemory(ctxt, xml, (int)len, NULL, NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR |
                                XML_PARSE_NOWARNING);
#else
    {
        /* Errors raised without the context (e.g. by the encoding
         * converters) go to the thread's structured handler: point it at
         * ours for the duration of the parse and put the caller's back.
         * libxml2 keeps this handler per thread. */
        xmlStructuredErrorFunc old_handler = xmlStructuredError;
        void *old_handler_data = xmlStructuredErrorContext;

        xmlSetStructuredErrorFunc(ctxt, on_parse_error);
        doc = xmlCtxtReadMemory(ctxt, xml, (int)len, NULL, NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR |
                                    XML_PARSE_NOWARNING);
        xmlSetStructuredErrorFunc(old_handler_data, old_handler);
    }
#endif

    if (state.dtd || (doc && (doc->intSubset || doc->extSubset ||
                              has_entity_refs(doc->children)))) {
        set_dtd_error(error);
        return NULL;
    }
    if (!doc || state.message) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "domain XML is not well-formed: %s",
                    state.message ? state.message : "cannot parse it");
        return NULL;
    }

    root = xmlDocGetRootElement(doc);
    if (!node_is(root, "domain")) {
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
    self->decl = find_xml_decl(xml, len);
    self->name = get_content_stripped(find_child(root, "name"));
    self->uuid = get_content_stripped(find_child(root, "uuid"));
    self->doc = g_steal_pointer(&doc);
    return g_steal_pointer(&self);
}

void
vgpu_domain_xml_free(VgpuDomainXml *doc)
{
    if (!doc)
        return;
    xmlFreeDoc(doc->doc);
    g_free(doc->decl);
    g_free(doc->name);
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

/*
 * How a part of the document is written:
 * - libvirt's own elements as virBufferEscapeString() does: attributes in
 *   single quotes, & < > " ' escaped in attributes and text;
 * - <metadata> as libxml2's xmlNodeDump() does (libvirt dumps it with that):
 *   double quotes, " escaped only in attributes, xmlns before attributes.
 * Newlines, carriage returns and tabs in attribute values are written as
 * character references in both, so that they survive a re-parse.
 */
typedef struct {
    char quote;
    const char *attr_escapes;
    const char *text_escapes;
    gboolean xmlns_first;
} FormatStyle;

static const FormatStyle style_libvirt = {
    '\'', "&<>\"'\n\r\t", "&<>\"'\r", FALSE,
};

static const FormatStyle style_libxml = {
    '"', "&<>\"\n\r\t", "&<>\r", TRUE,
};

static void
append_escaped(GString *out, const char *text, const char *escapes)
{
    const char *start = text;

    for (const char *p = text; *p; p++) {
        const char *entity;

        if (!strchr(escapes, *p))
            continue;
        switch (*p) {
        case '&': entity = "&amp;"; break;
        case '<': entity = "&lt;"; break;
        case '>': entity = "&gt;"; break;
        case '"': entity = "&quot;"; break;
        case '\'': entity = "&apos;"; break;
        case '\n': entity = "&#10;"; break;
        case '\r': entity = "&#13;"; break;
        case '\t': entity = "&#9;"; break;
        default: continue;
        }
        g_string_append_len(out, start, p - start);
        g_string_append(out, entity);
        start = p + 1;
    }
    g_string_append(out, start);
}

static void
append_qname(GString *out, const xmlNs *ns, const xmlChar *name)
{
    if (ns && ns->prefix)
        g_string_append_printf(out, "%s:", (const char *)ns->prefix);
    g_string_append(out, (const char *)name);
}

static void
format_xmlns(GString *out, const xmlNode *node, const FormatStyle *style)
{
    for (const xmlNs *ns = node->nsDef; ns; ns = ns->next) {
        g_string_append(out, " xmlns");
        if (ns->prefix)
            g_string_append_printf(out, ":%s", (const char *)ns->prefix);
        g_string_append_printf(out, "=%c", style->quote);
        append_escaped(out, ns->href ? (const char *)ns->href : "",
                       style->attr_escapes);
        g_string_append_c(out, style->quote);
    }
}

static void
format_attributes(GString *out, const xmlNode *node, const FormatStyle *style)
{
    for (const xmlAttr *attr = node->properties; attr; attr = attr->next) {
        g_string_append_c(out, ' ');
        append_qname(out, attr->ns, attr->name);
        g_string_append_printf(out, "=%c", style->quote);
        for (const xmlNode *t = attr->children; t; t = t->next) {
            if (t->content)
                append_escaped(out, (const char *)t->content,
                               style->attr_escapes);
        }
        g_string_append_c(out, style->quote);
    }
}

static void format_node(GString *out, const xmlNode *node,
                        const FormatStyle *style);

static void
format_element(GString *out, const xmlNode *node, const FormatStyle *style)
{
    /* libvirt writes <metadata> and everything in it with xmlNodeDump(). */
    if (node_is(node, "metadata") && node->parent && node->parent->parent &&
        node->parent->parent->type == XML_DOCUMENT_NODE)
        style = &style_libxml;

    g_string_append_c(out, '<');
    append_qname(out, node->ns, node->name);
    if (style->xmlns_first)
        format_xmlns(out, node, style);
    format_attributes(out, node, style);
    if (!style->xmlns_first)
        format_xmlns(out, node, style);
    if (!node->children) {
        g_string_append(out, "/>");
        return;
    }
    g_string_append_c(out, '>');
    for (const xmlNode *c = node->children; c; c = c->next)
        format_node(out, c, style);
    g_string_append(out, "</");
    append_qname(out, node->ns, node->name);
    g_string_append_c(out, '>');
}

static void
format_node(GString *out, const xmlNode *node, const FormatStyle *style)
{
    const char *content = (const char *)node->content;

    switch (node->type) {
    case XML_ELEMENT_NODE:
        format_element(out, node, style);
        break;
    case XML_TEXT_NODE:
        if (content)
            append_escaped(out, content, style->text_escapes);
        break;
    case XML_CDATA_SECTION_NODE:
        g_string_append_printf(out, "<![CDATA[%s]]>", content ? content : "");
        break;
    case XML_COMMENT_NODE:
        g_string_append_printf(out, "<!--%s-->", content ? content : "");
        break;
    case XML_PI_NODE:
        if (content && *content)
            g_string_append_printf(out, "<?%s %s?>",
                                   (const char *)node->name, content);
        else
            g_string_append_printf(out, "<?%s?>", (const char *)node->name);
        break;
    default:
        /* Entity references and DTD nodes cannot occur: refused at parse. */
        break;
    }
}

char *
vgpu_domain_xml_format(VgpuDomainXml *doc, gsize *len)
{
    GString *out;

    g_return_val_if_fail(doc != NULL, NULL);

    out = g_string_new(NULL);
    if (doc->decl) {
        const char *encoding = (const char *)doc->doc->encoding;
        const char *version = doc->doc->version
                                  ? (const char *)doc->doc->version
                                  : "1.0";

        /* The text is always UTF-8: keep the declaration unless it named
         * another encoding. */
        if (!encoding || g_ascii_strcasecmp(encoding, "UTF-8") == 0)
            g_string_append_printf(out, "%s\n", doc->decl);
        else
            g_string_append_printf(
                out, "<?xml version=\"%s\" encoding=\"UTF-8\"?>\n", version);
    }
    for (const xmlNode *n = doc->doc->children; n; n = n->next) {
        format_node(out, n, &style_libvirt);
        g_string_append_c(out, '\n');
    }
    if (len)
        *len = out->len;
    return g_string_free(out, FALSE);
}

/* ---- layout of inserted elements --------------------------------------- */

/*
 * New elements are indented like their surroundings: libvirt writes one
 * element per line, two spaces per level. A document without any line
 * breaks between the children of <domain> gets no whitespace at all.
 */
typedef struct {
    gboolean pretty;
    char *unit; /* one level of indentation */
} Layout;

static void
layout_clear(Layout *layout)
{
    g_clear_pointer(&layout->unit, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Layout, layout_clear)

static gboolean
is_line_break(const xmlNode *node)
{
    return node && node->type == XML_TEXT_NODE && node->content &&
           xmlIsBlankNode((xmlNode *)node) &&
           strchr((const char *)node->content, '\n');
}

/* The indentation in front of @node's start tag, or NULL if it is not at
 * the start of a line. */
static char *
node_indent(const xmlNode *node)
{
    const char *nl;

    if (!is_line_break(node->prev))
        return NULL;
    nl = strrchr((const char *)node->prev->content, '\n');
    return g_strdup(nl + 1);
}

static void
layout_init(Layout *layout, const xmlNode *root)
{
    layout->pretty = FALSE;
    layout->unit = NULL;
    for (const xmlNode *c = root->children; c; c = c->next) {
        if (is_line_break(c))
            layout->pretty = TRUE;
        if (!layout->unit && c->type == XML_ELEMENT_NODE) {
            g_autofree char *indent = node_indent(c);

            if (indent && *indent)
                layout->unit = g_steal_pointer(&indent);
        }
    }
    if (!layout->unit)
        layout->unit = g_strdup("  ");
}

/* Indentation of @node: as written, else one unit per ancestor. */
static char *
element_indent(const Layout *layout, const xmlNode *node)
{
    char *indent = node_indent(node);
    GString *out;

    if (indent)
        return indent;
    out = g_string_new(NULL);
    for (const xmlNode *p = node->parent; p && p->type == XML_ELEMENT_NODE;
         p = p->parent)
        g_string_append(out, layout->unit);
    return g_string_free(out, FALSE);
}

/* Indentation for a new child of @parent: that of its last indented
 * element child, else one unit deeper than @parent. */
static char *
child_indent(const Layout *layout, const xmlNode *parent)
{
    g_autofree char *indent = NULL;

    for (const xmlNode *c = parent->last; c; c = c->prev) {
        if (c->type == XML_ELEMENT_NODE) {
            char *found = node_indent(c);

            if (found)
                return found;
        }
    }
    indent = element_indent(layout, parent);
    return g_strconcat(indent, layout->unit, NULL);
}

static xmlNode *
new_line(xmlDoc *doc, const char *indent)
{
    g_autofree char *text = g_strconcat("\n", indent, NULL);

    return xmlNewDocText(doc, (const xmlChar *)text);
}

/* Indents the children of a freshly built element (elements only) that
 * starts at @indent. */
static void
indent_subtree(const Layout *layout, xmlNode *node, const char *indent)
{
    g_autofree char *inner = NULL;
    xmlNode *next;

    if (!layout->pretty || !node->children)
        return;
    inner = g_strconcat(indent, layout->unit, NULL);
    for (xmlNode *c = node->children; c; c = next) {
        next = c->next;
        if (c->type != XML_ELEMENT_NODE)
            continue;
        xmlAddPrevSibling(c, new_line(node->doc, inner));
        indent_subtree(layout, c, inner);
    }
    xmlAddChild(node, new_line(node->doc, indent));
}

/* Adds @elem as the last child of @parent, on its own line. */
static void
append_element(const Layout *layout, xmlNode *parent, xmlNode *elem)
{
    g_autofree char *indent = NULL;

    if (!layout->pretty) {
        xmlAddChild(parent, elem);
        return;
    }
    indent = child_indent(layout, parent);
    if (is_line_break(parent->last)) {
        /* before the line break that leads to </parent> */
        xmlAddPrevSibling(parent->last, elem);
    } else {
        g_autofree char *closing = element_indent(layout, parent);

        xmlAddChild(parent, elem);
        xmlAddNextSibling(elem, new_line(parent->doc, closing));
    }
    xmlAddPrevSibling(elem, new_line(parent->doc, indent));
    indent_subtree(layout, elem, indent);
}

/* Adds @elem right after its sibling @anchor, on its own line. */
static void
insert_element_after(const Layout *layout, xmlNode *anchor, xmlNode *elem)
{
    g_autofree char *indent = NULL;

    xmlAddNextSibling(anchor, elem);
    if (!layout->pretty)
        return;
    indent = element_indent(layout, anchor);
    xmlAddPrevSibling(elem, new_line(anchor->doc, indent));
    indent_subtree(layout, elem, indent);
}

/* Adds @elem right before its sibling @ref, on its own line. */
static void
insert_element_before(const Layout *layout, xmlNode *ref, xmlNode *elem)
{
    g_autofree char *indent = NULL;

    xmlAddPrevSibling(ref, elem);
    if (!layout->pretty)
        return;
    indent = element_indent(layout, ref);
    xmlAddNextSibling(elem, new_line(ref->doc, indent));
    indent_subtree(layout, elem, indent);
}

/* Removes @node and the whitespace in front of it, so that no blank line
 * is left behind. */
static void
remove_element(xmlNode *node)
{
    xmlNode *prev = node->prev;

    if (prev && prev->type == XML_TEXT_NODE && xmlIsBlankNode(prev)) {
        xmlUnlinkNode(prev);
        xmlFreeNode(prev);
    }
    xmlUnlinkNode(node);
    xmlFreeNode(node);
}

/* ---- reading hostdevs and requests ------------------------------------- */

GPtrArray *
vgpu_domain_xml_list_mdev_hostdevs(VgpuDomainXml *doc)
{
    g_autoptr(GPtrArray) uuids = g_ptr_array_new_with_free_func(g_free);

    g_return_val_if_fail(doc != NULL, NULL);

    /* like libvirt's "./devices/hostdev" */
    for (xmlNode *d = root_of(doc)->children; d; d = d->next) {
        if (!node_is(d, "devices"))
            continue;
        for (xmlNode *c = d->children; c; c = c->next) {
            char *uuid = hostdev_mdev_uuid(c);

            if (uuid)
                g_ptr_array_add(uuids, uuid);
        }
    }
    return g_steal_pointer(&uuids);
}

static gboolean
has_mdev_hostdev(VgpuDomainXml *doc, const char *uuid)
{
    g_autoptr(GPtrArray) hostdevs = vgpu_domain_xml_list_mdev_hostdevs(doc);

    for (guint i = 0; i < hostdevs->len; i++) {
        if (g_str_equal(g_ptr_array_index(hostdevs, i), uuid))
            return TRUE;
    }
    return FALSE;
}

/* The canonical UUID of a <vgpu:mdev>, or NULL if it has no valid one. */
static char *
request_element_uuid(const xmlNode *node)
{
    g_autofree char *uuid = get_prop(node, MDEV_UUID_ATTR);

    return uuid ? vgpu_uuid_normalize(uuid, NULL) : NULL;
}

/* The <vgpu:mdev> elements whose UUID is @uuid (canonical). */
static GPtrArray *
find_request_elements(VgpuDomainXml *doc, const char *uuid)
{
    GPtrArray *found = g_ptr_array_new();
    xmlNode *vgpu = find_vgpu_element(doc);

    for (xmlNode *c = vgpu ? vgpu->children : NULL; c; c = c->next) {
        g_autofree char *c_uuid = NULL;

        if (!node_is_ours(c, "mdev"))
            continue;
        c_uuid = request_element_uuid(c);
        if (c_uuid && g_str_equal(c_uuid, uuid))
            g_ptr_array_add(found, c);
    }
    return found;
}

static VgpuRequest *
request_from_element(VgpuDomainXml *doc, const xmlNode *node, GError **error)
{
    g_autofree char *what = describe_mdev(node);
    g_autofree char *uuid = get_prop(node, MDEV_UUID_ATTR);
    g_autofree char *type_id = get_prop(node, MDEV_TYPE_ATTR);
    g_autofree char *parent = get_prop(node, MDEV_PARENT_ATTR);
    const char *name = domain_label(doc);
    g_autoptr(GError) local = NULL;
    g_autofree char *canonical = NULL;
    VgpuRequest *request;

    if (!uuid) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "vGPU request %s in domain \"%s\" has no uuid "
                    "attribute; add the mdev UUID (uuid=\"...\") or remove "
                    "the element with 'virsh edit %s'",
                    what, name, name);
        return NULL;
    }
    if (!type_id) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "vGPU request %s in domain \"%s\" has no type "
                    "attribute; add the mdev type (e.g. type=\"nvidia-65\") "
                    "with 'virsh edit %s' or remove the request with "
                    "'vgpuctl detach'",
                    what, name, name);
        return NULL;
    }
    canonical = vgpu_uuid_normalize(uuid, &local);
    if (!canonical) {
        g_set_error(error, VGPU_ERROR, local->code,
                    "vGPU request %s in domain \"%s\": %s; fix it with "
                    "'virsh edit %s'",
                    what, name, local->message, name);
        return NULL;
    }
    request = vgpu_request_new(canonical, type_id, parent, &local);
    if (!request) {
        g_set_error(error, VGPU_ERROR, local->code,
                    "vGPU request %s in domain \"%s\": %s; fix it with "
                    "'virsh edit %s' or remove it with 'vgpuctl detach'",
                    what, name, local->message, name);
        return NULL;
    }
    return request;
}

GPtrArray *
vgpu_domain_xml_list_requests(VgpuDomainXml *doc, GError **error)
{
    g_autoptr(GPtrArray) requests = NULL;
    g_autoptr(GHashTable) seen = NULL;
    xmlNode *vgpu;

    g_return_val_if_fail(doc != NULL, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    requests = g_ptr_array_new_with_free_func(
        (GDestroyNotify)vgpu_request_free);
    seen = g_hash_table_new(g_str_hash, g_str_equal);
    vgpu = find_vgpu_element(doc);
    for (xmlNode *c = vgpu ? vgpu->children : NULL; c; c = c->next) {
        VgpuRequest *request;

        if (!node_is_ours(c, "mdev"))
            continue;
        request = request_from_element(doc, c, error);
        if (!request)
            return NULL;
        if (g_hash_table_contains(seen, request->uuid)) {
            g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                        "domain \"%s\" has two vGPU requests for mdev UUID "
                        "\"%s\"; remove one of them with 'virsh edit %s'",
                        domain_label(doc), request->uuid, domain_label(doc));
            vgpu_request_free(request);
            return NULL;
        }
        g_ptr_array_add(requests, request);
        g_hash_table_add(seen, request->uuid);
    }
    return g_steal_pointer(&requests);
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
        if (node_is(node, metadata_predecessors[i]))
            return TRUE;
    }
    return FALSE;
}

static xmlNode *
ensure_metadata(const Layout *layout, xmlNode *root)
{
    xmlNode *metadata = find_child(root, "metadata");
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
        insert_element_after(layout, anchor, metadata);
    else if (first)
        insert_element_before(layout, first, metadata);
    else
        append_element(layout, root, metadata);
    return metadata;
}

static xmlNode *
ensure_vgpu_element(const Layout *layout, xmlNode *metadata)
{
    xmlNode *vgpu = find_our_child(metadata, "vgpu");
    xmlNs *ns;

    if (vgpu)
        return vgpu;
    vgpu = xmlNewDocNode(metadata->doc, NULL, BAD_CAST "vgpu", NULL);
    ns = xmlNewNs(vgpu, BAD_CAST VGPU_METADATA_NS,
                  BAD_CAST VGPU_METADATA_PREFIX);
    xmlSetNs(vgpu, ns);
    append_element(layout, metadata, vgpu);
    return vgpu;
}

static xmlNode *
ensure_devices(const Layout *layout, xmlNode *root)
{
    xmlNode *devices = find_child(root, "devices");

    if (devices)
        return devices;
    devices = xmlNewDocNode(root->doc, NULL, BAD_CAST "devices", NULL);
    append_element(layout, root, devices);
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

gboolean
vgpu_domain_xml_add_request(VgpuDomainXml *doc, const VgpuRequest *request,
                            VgpuHostdevFlags flags, GError **error)
{
    g_auto(Layout) layout = { FALSE, NULL };
    g_autoptr(GPtrArray) existing = NULL;
    xmlNode *root;
    xmlNode *vgpu;
    xmlNode *mdev;

    g_return_val_if_fail(doc != NULL, FALSE);
    g_return_val_if_fail(request != NULL, FALSE);
    g_return_val_if_fail(
        (flags & ~(VGPU_HOSTDEV_DISPLAY | VGPU_HOSTDEV_RAMFB)) == 0, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    if ((flags & VGPU_HOSTDEV_RAMFB) && !(flags & VGPU_HOSTDEV_DISPLAY)) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "ramfb='on' for mdev %s in domain \"%s\" needs "
                    "display='on' as well (libvirt formatdomain, mdev "
                    "hostdev); ask for the display too",
                    request->uuid, domain_label(doc));
        return FALSE;
    }
    existing = find_request_elements(doc, request->uuid);
    if (existing->len > 0) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_EXISTS,
                    "domain \"%s\" already has a vGPU request for mdev UUID "
                    "\"%s\"; choose another UUID or detach that one first",
                    domain_label(doc), request->uuid);
        return FALSE;
    }
    if (has_mdev_hostdev(doc, request->uuid)) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_EXISTS,
                    "mdev UUID \"%s\" is already used by a <hostdev> of "
                    "domain \"%s\"; choose another UUID",
                    request->uuid, domain_label(doc));
        return FALSE;
    }

    root = root_of(doc);
    layout_init(&layout, root);

    vgpu = ensure_vgpu_element(&layout, ensure_metadata(&layout, root));
    mdev = xmlNewDocNode(doc->doc, vgpu->ns, BAD_CAST "mdev", NULL);
    xmlNewProp(mdev, BAD_CAST MDEV_UUID_ATTR, BAD_CAST request->uuid);
    xmlNewProp(mdev, BAD_CAST MDEV_TYPE_ATTR, BAD_CAST request->type_id);
    if (request->parent)
        xmlNewProp(mdev, BAD_CAST MDEV_PARENT_ATTR, BAD_CAST request->parent);
    append_element(&layout, vgpu, mdev);

    append_element(&layout, ensure_devices(&layout, root),
                   new_mdev_hostdev(doc->doc, request->uuid, flags));
    return TRUE;
}

gboolean
vgpu_domain_xml_remove_request(VgpuDomainXml *doc, const char *uuid,
                               GError **error)
{
    g_autofree char *canonical = NULL;
    g_autoptr(GPtrArray) requests = NULL;
    g_autoptr(GPtrArray) hostdevs = NULL;
    xmlNode *root;
    xmlNode *vgpu;
    xmlNode *metadata;

    g_return_val_if_fail(doc != NULL, FALSE);
    g_return_val_if_fail(uuid != NULL, FALSE);
    g_return_val_if_fail(error == NULL || *error == NULL, FALSE);

    canonical = vgpu_uuid_normalize(uuid, error);
    if (!canonical)
        return FALSE;
    requests = find_request_elements(doc, canonical);
    if (requests->len == 0) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_NOT_FOUND,
                    "domain \"%s\" has no vGPU request for mdev UUID \"%s\" "
                    "in its <metadata>; nothing was changed",
                    domain_label(doc), canonical);
        return FALSE;
    }

    root = root_of(doc);
    hostdevs = g_ptr_array_new();
    for (xmlNode *d = root->children; d; d = d->next) {
        if (!node_is(d, "devices"))
            continue;
        for (xmlNode *c = d->children; c; c = c->next) {
            g_autofree char *c_uuid = hostdev_mdev_uuid(c);

            if (c_uuid && g_str_equal(c_uuid, canonical))
                g_ptr_array_add(hostdevs, c);
        }
    }
    for (guint i = 0; i < hostdevs->len; i++)
        remove_element(g_ptr_array_index(hostdevs, i));

    vgpu = find_vgpu_element(doc);
    for (guint i = 0; i < requests->len; i++)
        remove_element(g_ptr_array_index(requests, i));
    if (!has_element_children(vgpu))
        remove_element(vgpu);
    metadata = find_child(root, "metadata");
    if (is_empty_element(metadata))
        remove_element(metadata);
    return TRUE;
}

char *
vgpu_domain_xml_next_default_uuid(VgpuDomainXml *doc, GError **error)
{
    g_autoptr(GPtrArray) hostdevs = NULL;
    g_autoptr(GHashTable) used = NULL;
    g_autofree char *domain_uuid = NULL;
    xmlNode *vgpu;

    g_return_val_if_fail(doc != NULL, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    if (!doc->uuid) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "domain \"%s\" has no <uuid>: define it with libvirt "
                    "first (libvirt assigns one) or give an explicit mdev "
                    "UUID",
                    domain_label(doc));
        return NULL;
    }
    domain_uuid = vgpu_uuid_normalize(doc->uuid, NULL);
    if (!domain_uuid) {
        g_autofree char *quoted = quote_value(doc->uuid);

        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "domain \"%s\" has a malformed <uuid> \"%s\": expected "
                    "36 characters of hex digits and hyphens as libvirt "
                    "writes it; fix it with 'virsh edit %s' or give an "
                    "explicit mdev UUID",
                    domain_label(doc), quoted, domain_label(doc));
        return NULL;
    }

    used = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    hostdevs = vgpu_domain_xml_list_mdev_hostdevs(doc);
    for (guint i = 0; i < hostdevs->len; i++)
        g_hash_table_add(used, g_strdup(g_ptr_array_index(hostdevs, i)));
    vgpu = find_vgpu_element(doc);
    for (xmlNode *c = vgpu ? vgpu->children : NULL; c; c = c->next) {
        char *uuid = node_is_ours(c, "mdev") ? request_element_uuid(c) : NULL;

        if (uuid)
            g_hash_table_add(used, uuid);
    }

    /* At most as many candidates as UUIDs in use are taken. */
    for (guint index = 0;; index++) {
        g_autofree char *candidate = vgpu_uuid_for_domain(domain_uuid, index,
                                                          error);

        if (!candidate)
            return NULL;
        if (!g_hash_table_contains(used, candidate))
            return g_steal_pointer(&candidate);
    }
}
