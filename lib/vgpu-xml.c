/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - safe parsing of XML from outside, and serializing it back,
 * both with libxml2.
 */
#include "vgpu-xml.h"
#include "vgpu-text.h"

#include <libvgpu/vgpu-common.h>

#include <libxml/parser.h>
#include <libxml/xmlsave.h>
#include <string.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlParserCtxt, xmlFreeParserCtxt)

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
    g_autofree char *raw = NULL;
    g_autofree char *text = NULL;

    if (!state || state->message || !err || err->level < XML_ERR_ERROR)
        return;
    /* libxml2 repeats bytes of the document in its messages */
    raw = g_strdup(err->message ? err->message : "unknown error");
    text = vgpu_text_one_line(g_strstrip(raw), VGPU_TEXT_LINE_MAX / 2);
    state->message =
        g_strdup_printf("line %d, column %d: %s", err->line, err->int2, text);
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

static xmlDoc *
read_memory(xmlParserCtxt *ctxt, const char *xml, gsize len)
{
    const int options =
        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;
    xmlDoc *doc;

#if LIBXML_VERSION >= 21300
    /* libxml2 >= 2.13 routes every error of the parse to the context. */
    xmlCtxtSetErrorHandler(ctxt, on_parse_error, ctxt);
    doc = xmlCtxtReadMemory(ctxt, xml, (int)len, NULL, NULL, options);
#else
    /* Errors raised without the context (e.g. by the encoding converters)
     * go to the thread's structured handler: point it at ours for the
     * duration of the parse and put the caller's back. libxml2 keeps this
     * handler per thread. */
    xmlStructuredErrorFunc old_handler = xmlStructuredError;
    void *old_handler_data = xmlStructuredErrorContext;

    xmlSetStructuredErrorFunc(ctxt, on_parse_error);
    doc = xmlCtxtReadMemory(ctxt, xml, (int)len, NULL, NULL, options);
    xmlSetStructuredErrorFunc(old_handler_data, old_handler);
#endif
    return doc;
}

xmlDoc *
vgpu_xml_parse_safe(const char *what, const char *xml, gsize len, gsize max,
                    GError **error)
{
    g_autoptr(xmlParserCtxt) ctxt = NULL;
    g_autoptr(xmlDoc) doc = NULL;
    g_auto(ParseState) state = {NULL, FALSE};

    g_return_val_if_fail(what != NULL, NULL);
    g_return_val_if_fail(xml != NULL || len == 0, NULL);
    g_return_val_if_fail(max <= G_MAXINT, NULL);
    g_return_val_if_fail(error == NULL || *error == NULL, NULL);

    if (!vgpu_text_check_document_size(what, len, max, error))
        return NULL;

    xmlInitParser();
    ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_SYSTEM,
                    "cannot create an XML parser for %s: out of memory", what);
        return NULL;
    }
    ctxt->_private = &state;
    ctxt->sax->serror = on_parse_error;
    ctxt->sax->internalSubset = on_doctype;
    doc = read_memory(ctxt, xml, len);

    if (state.dtd || (doc && (doc->intSubset || doc->extSubset ||
                              has_entity_refs(doc->children)))) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "%s must not contain a DTD or entity declarations "
                    "(<!DOCTYPE ...>); libvirt never writes one, remove it",
                    what);
        return NULL;
    }
    if (!doc || state.message) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "%s is not well-formed: %s", what,
                    state.message ? state.message : "cannot parse it");
        return NULL;
    }
    return g_steal_pointer(&doc);
}

/* ---- reading ----------------------------------------------------------- */

gboolean
vgpu_xml_is_element(const xmlNode *node, const char *name)
{
    return node && node->type == XML_ELEMENT_NODE && node->ns == NULL &&
           g_str_equal((const char *)node->name, name);
}

xmlNode *
vgpu_xml_find_child(xmlNode *parent, const char *name)
{
    for (xmlNode *c = parent ? parent->children : NULL; c; c = c->next) {
        if (vgpu_xml_is_element(c, name))
            return c;
    }
    return NULL;
}

char *
vgpu_xml_get_prop(const xmlNode *node, const char *name)
{
    xmlChar *value = xmlGetNoNsProp(node, (const xmlChar *)name);
    char *result;

    if (!value)
        return NULL;
    result = g_strdup((const char *)value);
    xmlFree(value);
    return result;
}

char *
vgpu_xml_get_text(const xmlNode *node)
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

/* ---- editing, keeping the layout --------------------------------------- */

/*
 * New elements are indented like their surroundings: libvirt writes one
 * element per line, two spaces per level. A document without any line
 * breaks between the children of its root element gets no whitespace at
 * all. The layout is read from the root's children at each edit.
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
layout_init(Layout *layout, xmlDoc *doc)
{
    const xmlNode *root = xmlDocGetRootElement(doc);

    layout->pretty = FALSE;
    layout->unit = NULL;
    for (const xmlNode *c = root ? root->children : NULL; c; c = c->next) {
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

void
vgpu_xml_append_element(xmlNode *parent, xmlNode *elem)
{
    g_auto(Layout) layout = {FALSE, NULL};
    g_autofree char *indent = NULL;

    layout_init(&layout, parent->doc);
    if (!layout.pretty) {
        xmlAddChild(parent, elem);
        return;
    }
    indent = child_indent(&layout, parent);
    if (is_line_break(parent->last)) {
        /* before the line break that leads to </parent> */
        xmlAddPrevSibling(parent->last, elem);
    } else {
        g_autofree char *closing = element_indent(&layout, parent);

        xmlAddChild(parent, elem);
        xmlAddNextSibling(elem, new_line(parent->doc, closing));
    }
    xmlAddPrevSibling(elem, new_line(parent->doc, indent));
    indent_subtree(&layout, elem, indent);
}

void
vgpu_xml_insert_element_after(xmlNode *anchor, xmlNode *elem)
{
    g_auto(Layout) layout = {FALSE, NULL};
    g_autofree char *indent = NULL;

    layout_init(&layout, anchor->doc);
    xmlAddNextSibling(anchor, elem);
    if (!layout.pretty)
        return;
    indent = element_indent(&layout, anchor);
    xmlAddPrevSibling(elem, new_line(anchor->doc, indent));
    indent_subtree(&layout, elem, indent);
}

void
vgpu_xml_insert_element_before(xmlNode *ref, xmlNode *elem)
{
    g_auto(Layout) layout = {FALSE, NULL};
    g_autofree char *indent = NULL;

    layout_init(&layout, ref->doc);
    xmlAddPrevSibling(ref, elem);
    if (!layout.pretty)
        return;
    indent = element_indent(&layout, ref);
    xmlAddNextSibling(elem, new_line(ref->doc, indent));
    indent_subtree(&layout, elem, indent);
}

void
vgpu_xml_remove_element(xmlNode *node)
{
    xmlNode *prev = node->prev;

    if (prev && prev->type == XML_TEXT_NODE && xmlIsBlankNode(prev)) {
        xmlUnlinkNode(prev);
        xmlFreeNode(prev);
    }
    xmlUnlinkNode(node);
    xmlFreeNode(node);
}

/* ---- formatting -------------------------------------------------------- */

char *
vgpu_xml_format(xmlDoc *doc, gboolean with_declaration, gsize *len)
{
    xmlBuffer *buf;
    xmlSaveCtxt *save;
    GString *out;

    g_return_val_if_fail(doc != NULL, NULL);

    /* Naming UTF-8 keeps non-ASCII text as it is (no character
     * references) and makes a declaration, if any, say UTF-8. */
    buf = xmlBufferCreate();
    save = buf ? xmlSaveToBuffer(buf, "UTF-8",
                                 with_declaration ? 0 : XML_SAVE_NO_DECL)
               : NULL;
    if (!save)
        g_error("%s: out of memory", G_STRLOC);
    xmlSaveDoc(save, doc);
    xmlSaveClose(save);

    out = g_string_new_len((const char *)xmlBufferContent(buf),
                           xmlBufferLength(buf));
    xmlBufferFree(buf);
    if (out->len == 0 || out->str[out->len - 1] != '\n')
        g_string_append_c(out, '\n');
    if (len)
        *len = out->len;
    return g_string_free(out, FALSE);
}
