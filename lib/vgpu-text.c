/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvgpu - untrusted text inside one-line messages (see vgpu-text.h).
 */
#include "vgpu-text.h"

#include <libvgpu/vgpu-common.h>

#include <string.h>

/* The longest safe form of one character: 4 bytes as \xNN each. */
#define TOKEN_MAX 16

typedef enum {
    TEXT_QUOTE,    /* vgpu_text_quote(): reversible escapes */
    TEXT_ONE_LINE, /* vgpu_text_one_line(): newline to space */
} TextMode;

static gboolean
is_unsafe(gunichar c)
{
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029 ||
           (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

static gsize
write_hex(char *token, const char *bytes, gsize len)
{
    static const char digits[] = "0123456789abcdef";
    gsize out = 0;

    for (gsize i = 0; i < len; i++) {
        guchar byte = (guchar)bytes[i];

        token[out++] = '\\';
        token[out++] = 'x';
        token[out++] = digits[byte >> 4];
        token[out++] = digits[byte & 0xf];
    }
    return out;
}

static gsize
write_literal(char *token, const char *literal)
{
    gsize len = strlen(literal);

    memcpy(token, literal, len);
    return len;
}

/*
 * Writes the safe form of the character at *@text (not at its end) to
 * @token, advances *@text past it, returns the length of the safe form.
 * A byte that does not start a valid UTF-8 sequence is one character.
 */
static gsize
escape_next(const char **text, TextMode mode, char token[TOKEN_MAX])
{
    const char *p = *text;
    gunichar c = g_utf8_get_char_validated(p, -1);
    gsize len;

    if (c == (gunichar)-1 || c == (gunichar)-2) {
        *text = p + 1;
        return write_hex(token, p, 1);
    }
    len = g_utf8_skip[(guchar)*p];
    *text = p + len;

    if (mode == TEXT_QUOTE) {
        switch (c) {
        case '\\':
            return write_literal(token, "\\\\");
        case '"':
            return write_literal(token, "\\\"");
        case '\n':
            return write_literal(token, "\\n");
        case '\t':
            return write_literal(token, "\\t");
        default:
            break;
        }
    } else if (c == '\n') {
        return write_literal(token, " ");
    }
    if (is_unsafe(c))
        return write_hex(token, p, len);
    memcpy(token, p, len);
    return len;
}

char *
vgpu_text_quote(const char *value)
{
    g_autoptr(GString) out = NULL;
    const char *p = value;
    gsize content = 0;

    if (!value)
        return g_strdup("(none)");

    out = g_string_sized_new(MIN(strlen(value), VGPU_TEXT_QUOTE_MAX) + 8);
    g_string_append_c(out, '"');
    while (*p) {
        char token[TOKEN_MAX];
        const char *next = p;
        gsize len = escape_next(&next, TEXT_QUOTE, token);

        if (content + len > VGPU_TEXT_QUOTE_MAX) {
            g_string_append(out, VGPU_TEXT_ELLIPSIS);
            break;
        }
        g_string_append_len(out, token, len);
        content += len;
        p = next;
    }
    g_string_append_c(out, '"');
    return g_string_free(g_steal_pointer(&out), FALSE);
}

char *
vgpu_text_one_line(const char *message, gsize max_bytes)
{
    const gsize ellipsis = strlen(VGPU_TEXT_ELLIPSIS);
    g_autoptr(GString) out = NULL;
    const char *p = message ? message : "(none)";
    gsize keep = 0; /* length at the last cut point that leaves room for … */

    out = g_string_sized_new(MIN(strlen(p), max_bytes) + 1);
    while (*p) {
        char token[TOKEN_MAX];
        gsize len = escape_next(&p, TEXT_ONE_LINE, token);

        if (out->len + len > max_bytes) {
            if (max_bytes >= ellipsis) {
                g_string_truncate(out, keep);
                g_string_append(out, VGPU_TEXT_ELLIPSIS);
            }
            break;
        }
        g_string_append_len(out, token, len);
        if (out->len + ellipsis <= max_bytes)
            keep = out->len;
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
}

char *
vgpu_text_name(const char *value)
{
    gsize len = value ? strlen(value) : 0;

    if (len == 0 || len > VGPU_TEXT_QUOTE_MAX)
        return vgpu_text_quote(value);
    for (const char *c = value; *c; c++) {
        if (!g_ascii_isalnum(*c) && !strchr("._+:@-", *c))
            return vgpu_text_quote(value);
    }
    return g_strdup(value);
}

gboolean
vgpu_text_check_document_size(const char *what, gsize len, gsize max,
                              GError **error)
{
    if (len == 0) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "%s is empty: expected an XML document", what);
        return FALSE;
    }
    if (len > max) {
        g_set_error(error, VGPU_ERROR, VGPU_ERROR_INVALID_INPUT,
                    "%s is %" G_GSIZE_FORMAT " bytes, more than the limit "
                    "of %" G_GSIZE_FORMAT " bytes (%g MiB)",
                    what, len, max, (double)max / (1024 * 1024));
        return FALSE;
    }
    return TRUE;
}
