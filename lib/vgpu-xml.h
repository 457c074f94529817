/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - private helpers around libxml2 for XML from outside (libvirt's
 * domain and node device XML): a parser that refuses DTDs and entities and
 * never prints, a few readers, editing that keeps the indentation, and
 * libxml2's own serializer. Not installed, not exported.
 */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)

/*
 * vgpu_xml_parse_safe:
 * @what: what the text is, for messages, e.g. "domain XML"
 * @xml: the text (need not be NUL-terminated); may be NULL if @len is 0
 * @len: length of @xml in bytes
 * @max: largest @len accepted, in bytes (at most G_MAXINT)
 *
 * Parses with libxml2 without network access. Any <!DOCTYPE> stops the
 * parser before a single declaration is read, so neither external entities
 * (XXE) nor entity expansion ("billion laughs") can happen. libxml2 prints
 * nothing and the application's own libxml2 error handler is neither
 * called nor replaced; the first error goes into @error with its line and
 * column. A UTF-8 BOM is dropped; other declared encodings are converted
 * to UTF-8.
 *
 * Returns: (transfer full): the document, or NULL with
 *   VGPU_ERROR_INVALID_INPUT (empty, larger than @max, DTD present, not
 *   well-formed) or VGPU_ERROR_SYSTEM (out of memory).
 */
xmlDoc *vgpu_xml_parse_safe(const char *what, const char *xml, gsize len,
                            gsize max, GError **error);

/* TRUE when @node (nullable) is an element named @name in no namespace. */
gboolean vgpu_xml_is_element(const xmlNode *node, const char *name);

/* First element child of @parent (nullable) named @name in no namespace,
 * or NULL. */
xmlNode *vgpu_xml_find_child(xmlNode *parent, const char *name);

/* The value of attribute @name in no namespace (g_free() it), or NULL. */
char *vgpu_xml_get_prop(const xmlNode *node, const char *name);

/* The text content of @node (nullable) without surrounding whitespace
 * (g_free() it), or NULL. */
char *vgpu_xml_get_text(const xmlNode *node);

/*
 * Editing that keeps the document looking hand-made (or libvirt-made):
 * @elem, a new element of the same document and not yet linked, goes on a
 * line of its own, indented like its neighbours; its own descendants are
 * indented one level (the document's unit, two spaces by default) deeper
 * each. A document without line breaks between the children of its root
 * element gets no whitespace at all.
 */

/* Adds @elem as the last child of @parent. */
void vgpu_xml_append_element(xmlNode *parent, xmlNode *elem);

/* Adds @elem right after its sibling @anchor. */
void vgpu_xml_insert_element_after(xmlNode *anchor, xmlNode *elem);

/* Adds @elem right before its sibling @ref. */
void vgpu_xml_insert_element_before(xmlNode *ref, xmlNode *elem);

/* Unlinks and frees @node with the whitespace in front of it, so that no
 * blank line is left behind. */
void vgpu_xml_remove_element(xmlNode *node);

/*
 * vgpu_xml_format:
 * @doc: a document
 * @with_declaration: write an XML declaration naming UTF-8 first
 * @len: (out) (optional): length of the result in bytes
 *
 * Serializes @doc as UTF-8 with libxml2 (xmlSaveDoc(), no reindenting):
 * attributes in double quotes, whitespace as it is in the tree, every node
 * outside the root element kept. The text ends with a newline.
 *
 * Returns: (transfer full): the text, NUL-terminated.
 */
char *vgpu_xml_format(xmlDoc *doc, gboolean with_declaration, gsize *len);
