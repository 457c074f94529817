# SPDX-License-Identifier: LGPL-2.1-or-later
# Shell helpers for black-box tests of vgpuctl. Source it after
# tests/lib-sim.sh (for fail); the caller sets VGPUCTL, OUT and ERR.
#
#   run ARGS...               run vgpuctl: exit status in RC, output in OUT/ERR
#   expect_rc WANT CONTEXT    fail unless RC is WANT, showing OUT and ERR

run() {
    set +e
    "$VGPUCTL" "$@" >"$OUT" 2>"$ERR"
    RC=$?
    set -e
}

expect_rc() { # WANT CONTEXT
    [ "$RC" = "$1" ] || fail "$2: exit $RC, wanted $1; stdout: $(cat "$OUT"); stderr: $(cat "$ERR")"
}
