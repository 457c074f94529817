/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - private helpers that make untrusted text safe inside one-line
 * messages (GError messages, the hook's stderr line, syslog, vgpuctl
 * output). Not installed, not exported.
 *
 * Values that reach a message come from places libvgpu does not control:
 * domain names and requests in the domain XML, mdev type names and
 * descriptions from vendor drivers, file contents. A newline in one would
 * forge a second log line; an escape sequence would drive the terminal of
 * whoever reads `virsh start` or `vgpuctl` output.
 *
 * Both functions treat these characters as unsafe:
 *   - C0 controls (U+0001..U+001F), DEL (U+007F), C1 controls
 *     (U+0080..U+009F, which some terminals obey as escape sequences);
 *   - the line and paragraph separators U+2028, U+2029;
 *   - the bidirectional embeddings, overrides and isolates U+202A..U+202E
 *     and U+2066..U+2069, which make text display in another order than
 *     it is stored;
 *   - every byte that is not part of a valid UTF-8 sequence (including
 *     overlong forms, surrogates and code points above U+10FFFF).
 * Unsafe characters are written as one `\xNN` per byte (lowercase hex).
 * Results are valid UTF-8, never split a character or an escape, and
 * contain no unsafe character.
 */
#pragma once

#include <glib.h>

/* Longest content vgpu_text_quote() keeps between the quotes, in bytes. */
#define VGPU_TEXT_QUOTE_MAX 128

/* The bound the hook and vgpuctl use for a whole message line, in bytes,
 * including the ellipsis of vgpu_text_one_line(). */
#define VGPU_TEXT_LINE_MAX 1024

/* U+2026 HORIZONTAL ELLIPSIS, appended where text was cut (3 bytes). */
#define VGPU_TEXT_ELLIPSIS "\xe2\x80\xa6"

/*
 * vgpu_text_quote:
 * @value: (nullable): an untrusted value: a domain name, mdev type,
 *   parent device name, UUID, a line of a file, ...
 *
 * Quotes @value for use inside a message: `"value"`. Between the quotes
 * a backslash becomes `\\`, a double quote `\"`, a newline `\n`, a tab
 * `\t` and every other unsafe character (see above) `\xNN` per byte, so
 * the original bytes can be read back from the message. The content
 * between the quotes is cut at a character boundary (never inside an
 * escape) to at most VGPU_TEXT_QUOTE_MAX bytes, and "…" is appended to the
 * content, before the closing quote, when anything was cut: the result
 * is at most VGPU_TEXT_QUOTE_MAX + 5 bytes. %NULL gives `(none)`, without
 * quotes.
 *
 * Returns: (transfer full): the quoted value; free with g_free().
 */
char *vgpu_text_quote(const char *value);

/*
 * vgpu_text_one_line:
 * @message: (nullable): a complete message about to be printed or logged;
 *   %NULL is taken as "(none)"
 * @max_bytes: bound on the result in bytes, not counting the terminating
 *   NUL; VGPU_TEXT_LINE_MAX for messages of the hook and vgpuctl
 *
 * The last guard before a message leaves the process, for text that may
 * hold an unquoted value: a newline becomes a space, every other unsafe
 * character (see above) `\xNN` per byte. A backslash is kept as it is, so
 * unlike vgpu_text_quote() the result is not reversible; use it on whole
 * messages, quote values with vgpu_text_quote() when building them. If the
 * result would be longer than @max_bytes it is cut at a character
 * boundary, never inside an escape, and "…" is appended so that the
 * result including "…" is at most @max_bytes bytes (when @max_bytes < 3
 * there is no room for "…" and the text is only cut).
 *
 * Returns: (transfer full): one line, free with g_free().
 */
char *vgpu_text_one_line(const char *message, gsize max_bytes);

/*
 * vgpu_text_name:
 * @value: (nullable): an untrusted name (domain, type, parent)
 *
 * For names inside a sentence: @value as it is when it is short (at most
 * VGPU_TEXT_QUOTE_MAX bytes) and made only of letters, digits and
 * "._+:@-" (every libvirt domain name in practice, every mdev type and
 * PCI address), so messages read as DESIGN.md shows them ("used by win10,
 * win11"); anything else is vgpu_text_quote()d.
 *
 * Returns: (transfer full): free with g_free().
 */
char *vgpu_text_name(const char *value);
/*
 * vgpu_text_check_document_size:
 * @what: what the document is, for the message ("domain XML")
 * @len: its length in bytes
 * @max: the most accepted
 * @error: return location for a #GError, or %NULL
 *
 * Returns: %TRUE if 0 < @len <= @max; else %FALSE with
 *   %VGPU_ERROR_INVALID_INPUT saying the document is empty or too large.
 *   The one size rule of the XML readers (vgpu-xml.c, vgpu-domain-reader.c).
 */
gboolean vgpu_text_check_document_size(const char *what, gsize len, gsize max,
                                       GError **error);
