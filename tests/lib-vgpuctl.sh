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

# vgpuctl_suite VGPUCTL HOOK VGPU_SIM SRC: what every tests/cli suite
# starts with (the arguments tests/cli/meson.build passes): sets VGPUCTL,
# HOOK, VGPU_SIM, SRC, NODE_URI (libvirt's test driver with node devices),
# WORK (a temporary directory) with OUT and ERR in it, removed at exit
# with the emulator (vgpuctl_cleanup).
vgpuctl_suite() {
    VGPUCTL=$1 HOOK=$2 SRC=$4
    export VGPU_SIM=$3
    NODE_URI="test://$SRC/tests/cli/test-node.xml"
    WORK=$(mktemp -d /tmp/vgpuctl-test.XXXXXX)
    OUT=$WORK/out ERR=$WORK/err
    trap vgpuctl_cleanup EXIT
    trap 'exit 143' TERM
}

vgpuctl_cleanup() {
    sim_stop
    rm -rf "$WORK"
}
