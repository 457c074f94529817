#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# vgpu-hook's text is ordered by hooks/vgpu-hook.order (hooks/meson.build):
# the functions a start and a stop run lie together at the start of the
# text, not spread over it (the kernel maps text 64 KiB around each fault,
# so spread code is resident in full), with .init, .fini and .iplt just
# before them (hooks/vgpu-hook.ld). Fails when the ordering or the layout
# was not applied, or when the order file names too few of the hook's
# functions any more (regenerate it with bench/hook-order.sh).
#
# Usage: check-hook-order.sh HOOK ORDER_FILE ORDERED (true when the build
#   links the hook with lld and the order file)
set -euo pipefail
HOOK=$1 ORDER=$2
[ "$3" = true ] || {
    echo "SKIP: the hook is not linked statically with lld (sanitizer build, or no lld: scripts/install-deps)"
    exit 77
}
# .init, .fini and .iplt before .text
readelf -SW "$HOOK" | sed -n 's/^ *\[ *[0-9]*\] \([._a-z]*\) .* \([0-9a-f]\{16\}\) [0-9a-f]* [0-9a-f]* .*/\1 \2/p' |
    awk '$1 == ".text" { text = $2 } $1 ~ /^\.(init|fini|iplt)$/ { before[$1] = $2 }
         END {
             for (s in before)
                 if (before[s] > text) { print s " is after .text: hooks/vgpu-hook.ld was not applied"; bad = 1 }
             exit bad
         }' >&2
nm -S --defined-only "$HOOK" | awk 'NF == 4 { print $1, $2, $3, $4 }' |
    python3 -c '
import sys
order_path = sys.argv[1]
funcs = {}
defined = set()
for line in sys.stdin:
    addr, size, kind, name = line.split()
    defined.add(name)
    if kind in "tTwW":
        funcs.setdefault(name, (int(addr, 16), int(size, 16)))
listed = [l.strip() for l in open(order_path) if l.strip()]
found = [funcs[n] for n in listed if n in funcs]
if sum(n in defined for n in listed) < 0.9 * len(listed):
    sys.exit("%s: only %d of its %d symbols are in the hook; regenerate it: "
             "unshare -m bench/hook-order.sh BUILD_DIR >%s"
             % (order_path, sum(n in defined for n in listed), len(listed),
                order_path))
lo = min(a for a, s in funcs.values())
hi = max(a + s for a, s in funcs.values())
span = max(a + s for a, s in found) - min(a for a, s in found)
print("%d of %d listed symbols in the hook; its %d listed functions span "
      "%d KiB of %d KiB of text" % (sum(n in defined for n in listed),
      len(listed), len(found), span // 1024, (hi - lo) // 1024))
if span > 0.6 * (hi - lo):
    sys.exit("the listed functions are spread over %d%% of the text: the order "
             "file was not applied" % (100 * span // (hi - lo)))
' "$ORDER"
