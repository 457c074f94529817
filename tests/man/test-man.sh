#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The manual pages (docs/man/*.scd) are the reference documentation; this
# test fails when they drift from the code:
#   - every command of 'vgpuctl help' has a "## COMMAND" section in
#     vgpuctl(1), and every long option of 'vgpuctl COMMAND --help' is in
#     that section (skipped when vgpuctl is not built: no libvirt);
#   - every key and the group of lib/vgpu-config.c are in libvgpu.conf(5);
#   - every operation of lib/vgpu-hook-table.h has a "## OPERATION
#     SUB-OPERATION" section in vgpu-hook(8), and every LIBVGPU_* variable
#     the hook reads is in it;
#   - the example configuration of README.md is docs/libvgpu.conf.example;
#   - the rendered pages give no groff or man warnings (skipped when they
#     are not built: no scdoc).
#
# Usage: test-man.sh SOURCE_DIR MAN_DIR|"" VGPUCTL|""
set -euo pipefail
SRC=$1 MAN_DIR=$2 VGPUCTL=$3
PAGES=$SRC/docs/man
failures=0

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# The text of each scdoc page as a reader sees the words: scdoc's escapes
# (remove\_timeout\_ms) removed. Kept in variables: no 'grep -q' at the end
# of a pipe (SIGPIPE and pipefail).
vgpuctl_page=$(sed 's/\\\(.\)/\1/g' "$PAGES/vgpuctl.1.scd")
hook_page=$(sed 's/\\\(.\)/\1/g' "$PAGES/vgpu-hook.8.scd")
config_page=$(sed 's/\\\(.\)/\1/g' "$PAGES/libvgpu.conf.5.scd")

# The lines of subsection "## $2" of page text $1, up to the next heading.
page_section() {
    awk -v want="## $2" '
        $0 == want { inside = 1; next }
        /^#/ { inside = 0 }
        inside' <<<"$1"
}

has_section() {
    grep -qxF "## $2" <<<"$1"
}

# 1. vgpuctl(1) and the commands' --help.
if [ -n "$VGPUCTL" ]; then
    mapfile -t commands < <("$VGPUCTL" help |
        awk '/^COMMANDS$/ { inside = 1; next }
             inside && /^$/ { exit }
             inside && /^  [a-z]/ { print $1 }')
    [ ${#commands[@]} -gt 0 ] || fail "no commands in 'vgpuctl help'"
    for command in "${commands[@]}"; do
        if ! has_section "$vgpuctl_page" "$command"; then
            fail "vgpuctl(1) has no section \"## $command\" (docs/man/vgpuctl.1.scd)"
            continue
        fi
        section=$(page_section "$vgpuctl_page" "$command")
        mapfile -t options < <("$VGPUCTL" "$command" --help |
            grep -oE '^  +(-[a-zA-Z], )?--[a-z][a-z0-9-]*' |
            grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
        [ ${#options[@]} -gt 0 ] || fail "no options in 'vgpuctl $command --help'"
        for option in "${options[@]}"; do
            [ "$option" = --help ] && continue # one paragraph for every command
            grep -qE -- "${option}([^a-z0-9-]|\$)" <<<"$section" ||
                fail "vgpuctl(1), section \"$command\", does not describe $option" \
                    "(shown by 'vgpuctl $command --help')"
        done
    done
    grep -qF -- '--help' <<<"$vgpuctl_page" ||
        fail "vgpuctl(1) does not describe --help"
    echo "vgpuctl(1): ${#commands[@]} commands and their options"
else
    echo "SKIP vgpuctl(1) against vgpuctl: vgpuctl is not built (no libvirt)"
fi

# 2. libvgpu.conf(5) and lib/vgpu-config.c.
mapfile -t keys < <(sed -nE 's/^#define KEY_[A-Z_]+ "([^"]+)".*/\1/p' \
    "$SRC/lib/vgpu-config.c")
group=$(sed -nE 's/^#define CONFIG_GROUP "([^"]+)".*/\1/p' "$SRC/lib/vgpu-config.c")
[ ${#keys[@]} -gt 0 ] && [ -n "$group" ] ||
    fail "no keys or group found in lib/vgpu-config.c (#define KEY_*, CONFIG_GROUP)"
for key in "${keys[@]}"; do
    grep -qF "*$key=*" <<<"$config_page" ||
        fail "libvgpu.conf(5) does not describe key $key (lib/vgpu-config.c)" \
            "as \"*$key=*\" in KEYS"
done
grep -qF "[$group]" <<<"$config_page" ||
    fail "libvgpu.conf(5) does not name the group [$group]"
echo "libvgpu.conf(5): group [$group], ${#keys[@]} keys"

# 3. vgpu-hook(8) and the hook's operation table and environment.
mapfile -t operations < <(sed -nE \
    's/^ *\{"([a-z-]+)", "([a-z-]+)", VGPU_HOOK_OPERATION_.*/\1 \2/p' \
    "$SRC/lib/vgpu-hook-table.h")
[ ${#operations[@]} -gt 0 ] || fail "no operations in lib/vgpu-hook-table.h"
for operation in "${operations[@]}"; do
    has_section "$hook_page" "$operation" ||
        fail "vgpu-hook(8) has no section \"## $operation\" (lib/vgpu-hook-table.h)"
done
mapfile -t variables < <(cat "$SRC"/hooks/vgpu-hook*.c \
    "$SRC/lib/vgpu-context.c" "$SRC/include/libvgpu/vgpu-context.h" |
    grep -oE 'LIBVGPU_[A-Z_]+' | sort -u)
for variable in "${variables[@]}"; do
    grep -qxF "*$variable*" <<<"$hook_page" ||
        fail "vgpu-hook(8) does not describe $variable in ENVIRONMENT"
done
echo "vgpu-hook(8): ${#operations[@]} operations, ${#variables[@]} variables"

# 4. The README's example configuration is the installed sample.
readme_example=$(awk '
    /^Host configuration lives in/ { found = 1; next }
    found && /^    / { inside = 1; print substr($0, 5); next }
    inside { exit }' "$SRC/README.md")
[ "$readme_example" = "$(cat "$SRC/docs/libvgpu.conf.example")" ] ||
    fail "README.md's example libvgpu.conf differs from docs/libvgpu.conf.example:" \
        "$(diff <(echo "$readme_example") "$SRC/docs/libvgpu.conf.example" || true)"

# 5. The rendered pages, as groff and man-db see them.
if [ -n "$MAN_DIR" ]; then
    rendered=0
    before=$failures
    for page in "$MAN_DIR"/*.[158]; do
        [ -f "$page" ] || continue
        rendered=$((rendered + 1))
        if command -v groff >/dev/null; then
            warnings=$(groff -man -Tutf8 -ww -z "$page" 2>&1 >/dev/null)
            [ -z "$warnings" ] || fail "groff warns about $page: $warnings"
        fi
        if command -v man >/dev/null; then
            warnings=$(MANWIDTH=80 man --warnings=w -l "$page" 2>&1 >/dev/null)
            [ -z "$warnings" ] || fail "man warns about $page: $warnings"
        fi
    done
    [ $rendered -eq 3 ] || fail "expected 3 pages in $MAN_DIR, found $rendered"
    command -v groff >/dev/null || echo "SKIP groff check: no groff (groff-base)"
    [ $failures -gt $before ] || echo "$rendered pages render without warnings"
else
    echo "SKIP rendering: the pages are not built (no scdoc, or -Dman=disabled)"
fi

if [ $failures -gt 0 ]; then
    echo "$failures problem(s): update docs/man/*.scd (the reference) with the code" >&2
    exit 1
fi
echo "the manual pages match the code"
