# SPDX-License-Identifier: LGPL-2.1-or-later
# Shell helpers for integration tests that run against the mdev sysfs
# emulator (tests/sim). Source it; needs VGPU_SIM (path of vgpu-sim).
#
#   sim_start SCENARIO        mount a fresh root, export LIBVGPU_ROOT
#   sim_restart SCENARIO      unmount and mount a new root
#   sim_stop                  unmount and remove the root (EXIT trap)
#   sim_available PARENT TYPE print available_instances
#   sim_count_mdevs           print the number of mediated devices
#   fail MESSAGE              print and exit 1
#   pass NAME                 count a passed check

SIM_ROOT=""
PASSED=0

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

pass() {
    PASSED=$((PASSED + 1))
    echo "ok $PASSED - $*"
}

sim_require() {
    if [ ! -c /dev/fuse ] || ! command -v fusermount3 >/dev/null; then
        echo "SKIP: /dev/fuse or fusermount3 is not available" >&2
        exit 77
    fi
    [ -x "${VGPU_SIM:-}" ] || fail "VGPU_SIM does not name the vgpu-sim binary"
}

sim_start() {
    sim_require
    SIM_ROOT=$(mktemp -d /tmp/vgpu-sim-root.XXXXXX)
    mkdir -p "$SIM_ROOT/sys" "$SIM_ROOT/etc" "$SIM_ROOT/run"
    "$VGPU_SIM" --scenario "$1" "$SIM_ROOT/sys" || fail "vgpu-sim did not mount $1"
    export LIBVGPU_ROOT="$SIM_ROOT"
    # Callers that set their own EXIT trap call sim_stop from it.
    [ -n "$(trap -p EXIT)" ] || trap sim_stop EXIT
}

sim_stop() {
    if [ -n "$SIM_ROOT" ]; then
        fusermount3 -u "$SIM_ROOT/sys" 2>/dev/null || fusermount3 -uz "$SIM_ROOT/sys" 2>/dev/null || true
        rm -rf "$SIM_ROOT"
        SIM_ROOT=""
    fi
}

sim_restart() {
    sim_stop
    sim_start "$1"
}

sim_available() {
    cat "$SIM_ROOT/sys/class/mdev_bus/$1/mdev_supported_types/$2/available_instances"
}

sim_count_mdevs() {
    find "$SIM_ROOT/sys/bus/mdev/devices" -mindepth 1 -maxdepth 1 | wc -l
}

sim_mdev_exists() {
    [ -e "$SIM_ROOT/sys/bus/mdev/devices/$1" ]
}

# Creates a mediated device by hand, as users do today (a "foreign" one).
sim_create_by_hand() { # PARENT TYPE UUID
    echo "$3" > "$SIM_ROOT/sys/class/mdev_bus/$1/mdev_supported_types/$2/create"
}
