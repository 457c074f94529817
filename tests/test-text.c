/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of lib/vgpu-text.c: quoting untrusted values and the last
 * guard on one-line messages.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "vgpu-text.h"

#define ELLIPSIS VGPU_TEXT_ELLIPSIS

/* No byte below 0x20, no DEL, no C1, separators or bidi controls. */
static void
assert_safe(const char *text)
{
    const char *p = text;

    if (!g_utf8_validate(text, -1, NULL))
        fail_msg("not valid UTF-8: %s", text);
    for (; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);

        if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 ||
            c == 0x2029 || (c >= 0x202a && c <= 0x202e) ||
            (c >= 0x2066 && c <= 0x2069))
            fail_msg("unsafe character U+%04x in result", c);
    }
}

static void
assert_quote(const char *value, const char *expected)
{
    g_autofree char *quoted = vgpu_text_quote(value);

    assert_string_equal(quoted, expected);
    assert_safe(quoted);
}

static void
assert_one_line(const char *message, gsize max_bytes, const char *expected)
{
    g_autofree char *line = vgpu_text_one_line(message, max_bytes);

    assert_string_equal(line, expected);
    assert_true(strlen(line) <= max_bytes);
    assert_safe(line);
}

static int
hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    fail_msg("bad hex digit '%c'", c);
    return 0;
}

/*
 * Reads back what vgpu_text_quote() escaped: the bytes between the
 * quotes; *@cut tells whether it ended with the ellipsis.
 */
static GString *
unquote(const char *quoted, gboolean *cut)
{
    GString *bytes = g_string_new(NULL);
    gsize len = strlen(quoted);
    const char *p = quoted + 1;
    const char *end = quoted + len - 1;

    assert_true(len >= 2);
    assert_int_equal(quoted[0], '"');
    assert_int_equal(*end, '"');
    *cut = len >= 5 && g_str_has_suffix(quoted, ELLIPSIS "\"");
    if (*cut)
        end -= strlen(ELLIPSIS);
    while (p < end) {
        if (*p != '\\') {
            g_string_append_c(bytes, *p++);
            continue;
        }
        assert_true(p + 1 < end);
        switch (p[1]) {
        case '\\':
        case '"':
            g_string_append_c(bytes, p[1]);
            p += 2;
            break;
        case 'n':
            g_string_append_c(bytes, '\n');
            p += 2;
            break;
        case 't':
            g_string_append_c(bytes, '\t');
            p += 2;
            break;
        case 'x':
            assert_true(p + 3 < end);
            g_string_append_c(bytes,
                              (char)(hex_value(p[2]) * 16 + hex_value(p[3])));
            p += 4;
            break;
        default:
            fail_msg("unknown escape \\%c in %s", p[1], quoted);
        }
    }
    return bytes;
}

/* vgpu_text_quote(@value) reads back as @value, or a prefix if cut. */
static void
assert_quote_reversible(const char *value)
{
    g_autofree char *quoted = vgpu_text_quote(value);
    gboolean cut = FALSE;
    g_autoptr(GString) bytes = unquote(quoted, &cut);
    gsize content = strlen(quoted) - 2 - (cut ? strlen(ELLIPSIS) : 0);

    assert_safe(quoted);
    assert_true(content <= VGPU_TEXT_QUOTE_MAX);
    if (cut) {
        assert_true(bytes->len < strlen(value));
        assert_memory_equal(bytes->str, value, bytes->len);
    } else {
        assert_string_equal(bytes->str, value);
    }
}

static void
test_quote_plain(void **state)
{
    (void)state;
    assert_quote(NULL, "(none)");
    assert_quote("", "\"\"");
    assert_quote("win11", "\"win11\"");
    assert_quote("0000:05:00.0", "\"0000:05:00.0\"");
    assert_quote("GRID P4-4Q", "\"GRID P4-4Q\"");
    assert_quote("9d2e9b5e-1c4a-4f7e-8a3b-000000000001",
                 "\"9d2e9b5e-1c4a-4f7e-8a3b-000000000001\"");
    /* printable non-ASCII is kept */
    assert_quote("Größe €5 \xf0\x9f\x98\x80", "\"Größe €5 \xf0\x9f\x98\x80\"");
}

static void
test_quote_escapes(void **state)
{
    (void)state;
    assert_quote("a\"b", "\"a\\\"b\"");
    assert_quote("a\\b", "\"a\\\\b\"");
    assert_quote("\\", "\"\\\\\"");
    assert_quote("line\nforged: ok", "\"line\\nforged: ok\"");
    assert_quote("a\tb", "\"a\\tb\"");
    assert_quote("a\rb", "\"a\\x0db\"");
    assert_quote("\x1b[31mred", "\"\\x1b[31mred\"");
    assert_quote("\x7f", "\"\\x7f\"");
    assert_quote("\x01", "\"\\x01\"");
    /* C1 controls (U+009B is CSI), separators, bidi overrides */
    assert_quote("a\xc2\x9b"
                 "2J",
                 "\"a\\xc2\\x9b2J\"");
    assert_quote("\xc2\x85", "\"\\xc2\\x85\"");
    assert_quote("a\xe2\x80\xa8z", "\"a\\xe2\\x80\\xa8z\"");
    assert_quote("\xe2\x80\xae"
                 "cba",
                 "\"\\xe2\\x80\\xaecba\"");
    assert_quote("\xe2\x81\xa6", "\"\\xe2\\x81\\xa6\"");
    /* U+00A0 and U+200B are not controls */
    assert_quote("a\xc2\xa0z", "\"a\xc2\xa0z\"");
}

static void
test_quote_invalid_utf8(void **state)
{
    (void)state;
    assert_quote("\xff", "\"\\xff\"");
    assert_quote("a\x80z", "\"a\\x80z\"");
    /* a sequence cut short, at the end and in the middle */
    assert_quote("a\xe2\x82", "\"a\\xe2\\x82\"");
    assert_quote("\xe2\x82z", "\"\\xe2\\x82z\"");
    /* overlong '/', a UTF-16 surrogate, beyond U+10FFFF */
    assert_quote("\xc0\xaf", "\"\\xc0\\xaf\"");
    assert_quote("\xed\xa0\x80", "\"\\xed\\xa0\\x80\"");
    assert_quote("\xf4\x90\x80\x80", "\"\\xf4\\x90\\x80\\x80\"");
    /* valid after invalid */
    assert_quote("\xfe\xc3\xa9", "\"\\xfe\xc3\xa9\"");
}

static void
test_quote_limit(void **state)
{
    g_autofree char *a128 = g_strnfill(128, 'a');
    g_autofree char *a129 = g_strnfill(129, 'a');
    g_autofree char *a127 = g_strnfill(127, 'a');
    g_autofree char *a126 = g_strnfill(126, 'a');
    g_autofree char *a125 = g_strnfill(125, 'a');
    g_autofree char *a124 = g_strnfill(124, 'a');
    g_autofree char *want = NULL;
    g_autofree char *input = NULL;

    (void)state;
    assert_int_equal(VGPU_TEXT_QUOTE_MAX, 128);

    /* exactly at the limit: kept whole */
    want = g_strdup_printf("\"%s\"", a128);
    assert_quote(a128, want);
    g_free(want);

    /* one byte over: 128 bytes and the ellipsis */
    want = g_strdup_printf("\"%s" ELLIPSIS "\"", a128);
    assert_quote(a129, want);
    g_free(want);

    /* a 2-byte character that would end at byte 129 is not split */
    input = g_strconcat(a127, "é", NULL);
    want = g_strdup_printf("\"%s" ELLIPSIS "\"", a127);
    assert_quote(input, want);
    g_free(input);
    g_free(want);
    input = g_strconcat(a126, "é", NULL);
    want = g_strdup_printf("\"%sé\"", a126);
    assert_quote(input, want);
    g_free(input);
    g_free(want);

    /* a 4-byte character at the cut */
    input = g_strconcat(a125, "\xf0\x9f\x98\x80", NULL);
    want = g_strdup_printf("\"%s" ELLIPSIS "\"", a125);
    assert_quote(input, want);
    g_free(input);
    g_free(want);
    input = g_strconcat(a124, "\xf0\x9f\x98\x80", NULL);
    want = g_strdup_printf("\"%s\xf0\x9f\x98\x80\"", a124);
    assert_quote(input, want);
    g_free(input);
    g_free(want);

    /* an escape is never split: \n is 2 bytes, \x01 is 4 */
    input = g_strconcat(a127, "\n", NULL);
    want = g_strdup_printf("\"%s" ELLIPSIS "\"", a127);
    assert_quote(input, want);
    g_free(input);
    g_free(want);
    input = g_strconcat(a126, "\n", NULL);
    want = g_strdup_printf("\"%s\\n\"", a126);
    assert_quote(input, want);
    g_free(input);
    g_free(want);
    input = g_strconcat(a125, "\x01", NULL);
    want = g_strdup_printf("\"%s" ELLIPSIS "\"", a125);
    assert_quote(input, want);
    g_free(input);
    g_free(want);
    input = g_strconcat(a124, "\x01", NULL);
    want = g_strdup_printf("\"%s\\x01\"", a124);
    assert_quote(input, want);
}

static void
test_quote_large(void **state)
{
    g_autofree char *big = g_strnfill(10 * 1024, 'x');
    g_autofree char *quoted = NULL;
    g_autoptr(GString) escapes = g_string_new(NULL);

    (void)state;
    quoted = vgpu_text_quote(big);
    assert_int_equal(strlen(quoted), 1 + 128 + strlen(ELLIPSIS) + 1);
    assert_true(g_str_has_suffix(quoted, ELLIPSIS "\""));
    assert_quote_reversible(big);

    /* 10 KB of characters that all need escaping */
    for (guint i = 0; i < 10 * 1024; i++)
        g_string_append_c(escapes, (char)(i % 2 ? 0x01 : 0xff));
    assert_quote_reversible(escapes->str);
    g_free(quoted);
    quoted = vgpu_text_quote(escapes->str);
    assert_int_equal(strlen(quoted), 1 + 128 + strlen(ELLIPSIS) + 1);
}

static void
test_quote_every_byte(void **state)
{
    char all[256];

    (void)state;
    for (guint byte = 1; byte < 256; byte++) {
        char value[2] = {(char)byte, '\0'};
        g_autofree char *want = NULL;

        if (byte == '\\')
            want = g_strdup("\"\\\\\"");
        else if (byte == '"')
            want = g_strdup("\"\\\"\"");
        else if (byte == '\n')
            want = g_strdup("\"\\n\"");
        else if (byte == '\t')
            want = g_strdup("\"\\t\"");
        else if (byte < 0x20 || byte >= 0x7f)
            want = g_strdup_printf("\"\\x%02x\"", byte);
        else
            want = g_strdup_printf("\"%c\"", byte);
        assert_quote(value, want);
        assert_quote_reversible(value);
    }

    /* all of them in one string, and every suffix of it */
    for (guint i = 0; i < 255; i++)
        all[i] = (char)(i + 1);
    all[255] = '\0';
    for (guint start = 0; start < 255; start++)
        assert_quote_reversible(all + start);
}

/* Random bytes, biased toward the interesting ones, read back. */
static void
test_quote_random(void **state)
{
    static const char pieces[][5] = {
        "a",
        "\\",
        "\"",
        "\n",
        "\t",
        "\x1b",
        "\x7f",
        "\xc3\xa9",
        "\xe2\x82\xac",
        "\xf0\x9f\x98\x80",
        "\xc2\x9b",
        "\xe2\x80\xae",
        "\xe2\x80\xa8",
        "\xff",
        "\xe2\x82",
        "\xc0\xaf",
    };
    g_autoptr(GRand) rand = g_rand_new_with_seed(20240611);

    (void)state;
    for (guint round = 0; round < 2000; round++) {
        g_autoptr(GString) value = g_string_new(NULL);
        guint n = g_rand_int_range(rand, 0, 80);

        for (guint i = 0; i < n; i++)
            g_string_append(
                value, pieces[g_rand_int_range(rand, 0, G_N_ELEMENTS(pieces))]);
        assert_quote_reversible(value->str);
        {
            g_autofree char *line = vgpu_text_one_line(value->str, 100);
            assert_true(strlen(line) <= 100);
            assert_safe(line);
        }
    }
}

static void
test_one_line_plain(void **state)
{
    (void)state;
    assert_int_equal(VGPU_TEXT_LINE_MAX, 1024);
    assert_one_line(NULL, VGPU_TEXT_LINE_MAX, "(none)");
    assert_one_line("", VGPU_TEXT_LINE_MAX, "");
    assert_one_line("", 0, "");
    assert_one_line("no parent offers type \"nvidia-65\"", VGPU_TEXT_LINE_MAX,
                    "no parent offers type \"nvidia-65\"");
    /* a backslash is kept: the message may already hold quoted values */
    assert_one_line("name \"a\\\\b\"", VGPU_TEXT_LINE_MAX, "name \"a\\\\b\"");
    assert_one_line("Größe €5", VGPU_TEXT_LINE_MAX, "Größe €5");
}

static void
test_one_line_controls(void **state)
{
    (void)state;
    assert_one_line("first\nsecond\n", VGPU_TEXT_LINE_MAX, "first second ");
    assert_one_line("a\tb", VGPU_TEXT_LINE_MAX, "a\\x09b");
    assert_one_line("a\r\nb", VGPU_TEXT_LINE_MAX, "a\\x0d b");
    assert_one_line("\x1b[2Jgone", VGPU_TEXT_LINE_MAX, "\\x1b[2Jgone");
    assert_one_line("\x7f", VGPU_TEXT_LINE_MAX, "\\x7f");
    assert_one_line("\xc2\x9b"
                    "2J",
                    VGPU_TEXT_LINE_MAX, "\\xc2\\x9b2J");
    assert_one_line("a\xe2\x80\xa9z", VGPU_TEXT_LINE_MAX, "a\\xe2\\x80\\xa9z");
    assert_one_line("\xe2\x80\xae"
                    "cba",
                    VGPU_TEXT_LINE_MAX, "\\xe2\\x80\\xaecba");
    assert_one_line("bad \xff\xfe utf-8 \xe2\x82", VGPU_TEXT_LINE_MAX,
                    "bad \\xff\\xfe utf-8 \\xe2\\x82");
}

static void
test_one_line_limit(void **state)
{
    (void)state;
    /* exactly at the limit: kept whole, no ellipsis */
    assert_one_line("0123456789", 10, "0123456789");
    /* one over: the ellipsis counts toward the limit */
    assert_one_line("01234567890", 10, "0123456" ELLIPSIS);
    assert_one_line("abcd", 3, ELLIPSIS);
    assert_one_line("abc", 3, "abc");
    /* no room for the ellipsis: only cut */
    assert_one_line("abc", 2, "ab");
    assert_one_line("abc", 1, "a");
    assert_one_line("abc", 0, "");
    assert_one_line("€", 2, "");

    /* multi-byte characters at the cut */
    assert_one_line("aaaaaaa€", 10, "aaaaaaa€");
    assert_one_line("aaaaaa€€", 10, "aaaaaa" ELLIPSIS);
    assert_one_line("€€€€", 10, "€€" ELLIPSIS);
    assert_one_line("€€€€", 12, "€€€€");
    assert_one_line("€€€€", 11, "€€" ELLIPSIS);
    assert_one_line("a\xf0\x9f\x98\x80\xf0\x9f\x98\x80", 9,
                    "a\xf0\x9f\x98\x80\xf0\x9f\x98\x80");
    assert_one_line("a\xf0\x9f\x98\x80\xf0\x9f\x98\x80", 8,
                    "a\xf0\x9f\x98\x80" ELLIPSIS);
    assert_one_line("ab\xf0\x9f\x98\x80\xf0\x9f\x98\x80", 8, "ab" ELLIPSIS);

    /* escapes are never split */
    assert_one_line("abcdef\x01", 10, "abcdef\\x01");
    assert_one_line("abcdefg\x01", 10, "abcdefg" ELLIPSIS);
    assert_one_line("abcdef\x01\x01", 10, "abcdef" ELLIPSIS);
    assert_one_line("\x01\x01\x01", 10, "\\x01" ELLIPSIS);
}

static void
test_one_line_large(void **state)
{
    g_autoptr(GString) text = g_string_new(NULL);
    g_autofree char *line = NULL;

    (void)state;
    for (guint i = 0; i < 10 * 1024; i++)
        g_string_append_c(text, i % 100 == 99 ? '\n' : 'x');
    line = vgpu_text_one_line(text->str, VGPU_TEXT_LINE_MAX);
    assert_int_equal(strlen(line), VGPU_TEXT_LINE_MAX);
    assert_true(g_str_has_suffix(line, ELLIPSIS));
    assert_null(strchr(line, '\n'));
    assert_safe(line);

    /* 2-byte characters: 1021 bytes of room is odd, so 1020 are kept */
    g_string_truncate(text, 0);
    for (guint i = 0; i < 5 * 1024; i++)
        g_string_append(text, "é");
    g_free(line);
    line = vgpu_text_one_line(text->str, VGPU_TEXT_LINE_MAX);
    assert_int_equal(strlen(line), 1020 + strlen(ELLIPSIS));
    assert_safe(line);
}

static void
test_one_line_every_byte(void **state)
{
    char all[256];
    g_autofree char *line = NULL;

    (void)state;
    for (guint byte = 1; byte < 256; byte++) {
        char message[2] = {(char)byte, '\0'};
        g_autofree char *want = NULL;

        if (byte == '\n')
            want = g_strdup(" ");
        else if (byte < 0x20 || byte >= 0x7f)
            want = g_strdup_printf("\\x%02x", byte);
        else
            want = g_strdup_printf("%c", byte);
        assert_one_line(message, VGPU_TEXT_LINE_MAX, want);
    }

    for (guint i = 0; i < 255; i++)
        all[i] = (char)(i + 1);
    all[255] = '\0';
    line = vgpu_text_one_line(all, VGPU_TEXT_LINE_MAX);
    /* 30 controls, DEL and 128 high bytes escaped (4 bytes each), 95
     * printable characters kept, the newline a space */
    assert_int_equal(strlen(line), (30 + 1 + 128) * 4 + 95 + 1);
    assert_safe(line);
    for (gsize max = 0; max <= 740; max++) {
        g_autofree char *cut = vgpu_text_one_line(all, max);

        assert_true(strlen(cut) <= max);
        assert_safe(cut);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quote_plain),
        cmocka_unit_test(test_quote_escapes),
        cmocka_unit_test(test_quote_invalid_utf8),
        cmocka_unit_test(test_quote_limit),
        cmocka_unit_test(test_quote_large),
        cmocka_unit_test(test_quote_every_byte),
        cmocka_unit_test(test_quote_random),
        cmocka_unit_test(test_one_line_plain),
        cmocka_unit_test(test_one_line_controls),
        cmocka_unit_test(test_one_line_limit),
        cmocka_unit_test(test_one_line_large),
        cmocka_unit_test(test_one_line_every_byte),
    };

    return cmocka_run_group_tests_name("text", tests, NULL, NULL);
}
