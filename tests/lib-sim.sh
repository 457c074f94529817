# SPDX-License-Identifier: LGPL-2.1-or-later
# Shell helpers for integration tests that run against the mdev sysfs
# emulator (tests/sim). Source it; needs VGPU_SIM (path of vgpu-sim).
#
#   sim_start SCENARIO        mount a fresh root, export LIBVGPU_ROOT
#   sim_restart SCENARIO      unmount and mount a new root
#   sim_stop                  unmount and remove the root (EXIT trap)
#   sim_available PARENT TYPE print available_instances
#   sim_count_mdevs           print the number of mediated devices
#   sim_list_mdevs            print the UUIDs of the mediated devices
#   sim_list_records          print the names of the ownership records
#   sim_list_tmp_records      print other files in the records directory
#   sim_wait_hooks SECONDS    wait for hook processes on this root to end
#   sim_scrub                 remove every device and record by hand
#   domain_xml NAME UUID REQ… sim_domain_xml under its older name
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

# --- helpers of the hook suites (test-hook-*.sh) ------------------------------
#   sim_domain_xml NAME DOMAIN_UUID [REQUEST...]  print a domain XML; REQUEST is
#                             "uuid type [parent]", "hostdev-only:UUID" adds only
#                             a hostdev, "meta-only:UUID type" only metadata
#   sim_run_hook DOMAIN OP SUBOP  run "$HOOK" (stdin = the XML) under
#                             `timeout $SIM_HOOK_TIMEOUT` (default 10 s); sets
#                             RC (124 = hung), HOOK_MS, files $HOOK_OUT $HOOK_ERR
#   sim_now_ms                monotonic-enough wall clock in milliseconds
#   sim_conf KEY=VALUE...     write etc/libvgpu/libvgpu.conf ([libvgpu] group)
#   sim_ctl FILE TEXT         write TEXT to sys/.vgpu-sim/FILE (status only)
#   sim_record UUID           print the path of UUID's ownership record
#   sim_wait_for SECONDS CMD... poll CMD every 50 ms until it succeeds
#   sim_stderr_problem FILE   print why FILE is not one clean stderr line
#                             (empty output: it is one line of at most
#                             1024 bytes + "vgpu-hook: ", no control bytes)
#   sim_case NAME FUNCTION [ARG...]  run FUNCTION in a subshell with its own
#                             emulator; `fail` inside counts as one failed
#                             check and the suite goes on; exit 77 = skipped
#   sim_finish                print the totals; exit 1 if a case failed

FAILED=0
SKIPPED=0
FAILED_NAMES=""

# sim_domain_wrap NAME DOMAIN_UUID METADATA HOSTDEVS: a domain XML around
# the request elements and hostdevs the callers below build
sim_domain_wrap() {
    cat <<XML
<domain type='kvm'>
  <name>$1</name>
  <uuid>$2</uuid>
  <metadata>
    <vgpu:vgpu xmlns:vgpu="urn:libvgpu:domain:1">
$3    </vgpu:vgpu>
  </metadata>
  <memory unit='KiB'>1048576</memory>
  <devices>
$4  </devices>
</domain>
XML
}

sim_domain_xml() {
    local name=$1 duuid=$2; shift 2
    local meta="" hostdevs="" r uuid type parent
    for r in "$@"; do
        read -r uuid type parent <<<"$r"
        case $uuid in
        hostdev-only:*) uuid=${uuid#hostdev-only:} ;;
        meta-only:*) uuid=${uuid#meta-only:} ;;
        esac
        case $r in
        hostdev-only:*) ;;
        *) meta+="      <vgpu:mdev uuid=\"$uuid\" type=\"$type\"${parent:+ parent=\"$parent\"}/>
" ;;
        esac
        case $r in
        meta-only:*) continue ;;
        esac
        hostdevs+="    <hostdev mode='subsystem' type='mdev' managed='no' model='vfio-pci' display='off'>
      <source>
        <address uuid='$uuid'/>
      </source>
    </hostdev>
"
    done
    sim_domain_wrap "$name" "$duuid" "$meta" "$hostdevs"
}

sim_now_ms() {
    local ns
    ns=$(date +%s%N)
    echo $((ns / 1000000))
}

sim_run_hook() { # DOMAIN OP SUBOP (stdin: the XML)
    local start
    : "${HOOK_OUT:=$(mktemp /tmp/vgpu-hook-out.XXXXXX)}"
    : "${HOOK_ERR:=$(mktemp /tmp/vgpu-hook-err.XXXXXX)}"
    start=$(sim_now_ms)
    set +e
    timeout -k 2 "${SIM_HOOK_TIMEOUT:-10}" "$HOOK" "$1" "$2" "$3" - >"$HOOK_OUT" 2>"$HOOK_ERR"
    RC=$?
    set -e
    HOOK_MS=$(($(sim_now_ms) - start))
}

sim_conf() { # KEY=VALUE...
    mkdir -p "$SIM_ROOT/etc/libvgpu"
    { echo "[libvgpu]"; printf '%s\n' "$@"; } >"$SIM_ROOT/etc/libvgpu/libvgpu.conf"
}

sim_ctl() { # FILE TEXT
    [ -e "$SIM_ROOT/sys/.vgpu-sim/$1" ] || return 1
    printf '%s\n' "$2" 2>/dev/null >"$SIM_ROOT/sys/.vgpu-sim/$1"
}

sim_record() {
    echo "$SIM_ROOT/run/libvgpu/mdevs/$1"
}

sim_wait_for() { # SECONDS CMD...
    local end=$(($(sim_now_ms) + $1 * 1000))
    shift
    until "$@"; do
        [ "$(sim_now_ms)" -lt "$end" ] || return 1
        sleep 0.05
    done
}

sim_stderr_problem() { # FILE
    local lines bytes
    lines=$(tr -cd '\n' <"$1" | wc -c)
    bytes=$(wc -c <"$1")
    if [ "$lines" != 1 ] || [ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" != '\n' ]; then
        echo "stderr is $lines lines, not one"
    elif [ "$bytes" -gt $((1024 + 11 + 1)) ]; then
        echo "stderr line is $bytes bytes, over 1024 + prefix"
    elif head -c -1 "$1" | LC_ALL=C grep -qaP '[\x00-\x1f\x7f]'; then
        echo "stderr holds raw control characters: $(head -c 300 "$1" | od -An -c | head -5 | tr -s ' ')"
    elif ! grep -q '^vgpu-hook: ' "$1"; then
        echo "stderr does not start with 'vgpu-hook: '"
    fi
}

sim_case() { # NAME FUNCTION [ARG...]
    local name=$1 rc
    shift
    set +e
    (
        SIM_ROOT=""
        trap 'sim_stop' EXIT
        set -e
        "$@"
    )
    rc=$?
    set -e
    case $rc in
    0) pass "$name" ;;
    77) SKIPPED=$((SKIPPED + 1)); echo "skip - $name" ;;
    *) FAILED=$((FAILED + 1)); FAILED_NAMES+="    $name
"; echo "not ok - $name" ;;
    esac
}

sim_finish() { # SUITE
    echo "$1: $PASSED passed, $FAILED failed, $SKIPPED skipped"
    if [ "$FAILED" != 0 ]; then
        printf 'failed:\n%s' "$FAILED_NAMES"
        exit 1
    fi
}

# The records directory of the engine (docs/engine.md).
sim_records_dir() {
    echo "$SIM_ROOT/run/libvgpu/mdevs"
}

sim_list_mdevs() {
    local d
    for d in "$SIM_ROOT"/sys/bus/mdev/devices/*; do
        [ -e "$d" ] || [ -L "$d" ] || continue
        basename "$d"
    done
}

# Records are the files named by a device id (a canonical UUID for mdevs).
sim_list_records() {
    local f
    for f in "$(sim_records_dir)"/* "$(sim_records_dir)"/.[!.]*; do
        [ -e "$f" ] || [ -L "$f" ] || continue
        f=$(basename "$f")
        [[ $f =~ ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$ ]] &&
            echo "$f"
    done
    return 0
}

# Anything else there: temporary files of a record write (.tmp-ID-PID for
# the engine, ID.XXXXXX for GLib's g_file_set_contents()).
sim_list_tmp_records() {
    local f
    for f in "$(sim_records_dir)"/* "$(sim_records_dir)"/.[!.]*; do
        [ -e "$f" ] || [ -L "$f" ] || continue
        f=$(basename "$f")
        [[ $f =~ ^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$ ]] ||
            echo "$f"
    done
    return 0
}

# PIDs of hook processes (vgpu-hook, vgpu-hook-worker-full and the
# helpers they fork) working on this root: their executable is a
# vgpu-hook* and their environment names our LIBVGPU_ROOT. Helpers run in
# a session of their own, so this is how to find them.
sim_hook_pids() {
    local p exe
    for p in /proc/[0-9]*; do
        exe=$(readlink "$p/exe" 2>/dev/null) || continue
        case ${exe##*/} in
        vgpu-hook | vgpu-hook-worker-full) ;;
        *) continue ;;
        esac
        tr '\0' '\n' 2>/dev/null <"$p/environ" | grep -qx "LIBVGPU_ROOT=$SIM_ROOT" &&
            echo "${p#/proc/}"
    done
    return 0
}

# Waits (bounded) until no hook process works on this root; 1 if some
# still do after SECONDS.
sim_wait_hooks() { # SECONDS
    local tries=$(($1 * 20))
    while [ -n "$(sim_hook_pids)" ]; do
        tries=$((tries - 1))
        [ "$tries" -gt 0 ] || return 1
        sleep 0.05
    done
}

# Removes every mediated device and record by hand (after a failed check,
# so that the next trial starts from an empty host).
sim_scrub() {
    local u
    for u in $(sim_list_mdevs); do
        echo "$u" >"$SIM_ROOT/sys/.vgpu-sim/release" 2>/dev/null || true
        echo 1 >"$SIM_ROOT/sys/bus/mdev/devices/$u/remove" 2>/dev/null || true
    done
    rm -f "$(sim_records_dir)"/* "$(sim_records_dir)"/.[!.]*
    local tries=200
    while [ "$(sim_count_mdevs)" != 0 ] && [ $tries -gt 0 ]; do
        tries=$((tries - 1))
        sleep 0.05
    done
}

# domain_xml NAME DOMAIN_UUID [REQUEST...]: the name test-hook-sim.sh,
# the crash and the stress suites use for sim_domain_xml.
domain_xml() {
    sim_domain_xml "$@"
}

# --- VF-backed requests (docs/engine.md "VF-backed classes") -------------------
#   sim_domain_xml_vf NAME DOMAIN_UUID [REQUEST...]  print a domain XML with
#                             VF requests; REQUEST is "ADDRESS TYPE":
#                             <vgpu:vf address= type=/> in the metadata and a
#                             PCI hostdev of ADDRESS (managed='yes' for vf-…
#                             types, which libvirt binds to vfio-pci; 'no'
#                             otherwise: an NVIDIA VF stays on nvidia);
#                             "meta-only:ADDRESS TYPE" only the metadata,
#                             "hostdev-only:ADDRESS [TYPE]" only the hostdev,
#                             "mdev:UUID TYPE [PARENT]" an mdev request with
#                             its mdev hostdev (domains mixing classes).
#                             ADDRESS goes into the attribute unescaped; the
#                             hostdev is written only when ADDRESS has the
#                             shape DDDD:BB:SS.F (any case).
sim_domain_xml_vf() {
    local name=$1 duuid=$2; shift 2
    local meta="" hostdevs="" r addr type parent managed
    for r in "$@"; do
        read -r addr type parent <<<"$r"
        case $r in
        mdev:*)
            addr=${addr#mdev:}
            meta+="      <vgpu:mdev uuid=\"$addr\" type=\"$type\"${parent:+ parent=\"$parent\"}/>
"
            hostdevs+="    <hostdev mode='subsystem' type='mdev' managed='no' model='vfio-pci' display='off'>
      <source>
        <address uuid='$addr'/>
      </source>
    </hostdev>
"
            continue ;;
        hostdev-only:* | meta-only:*) addr=${addr#*-only:} ;;
        esac
        case $r in
        hostdev-only:*) ;;
        *) meta+="      <vgpu:vf address=\"$addr\" type=\"$type\"/>
" ;;
        esac
        case $r in
        meta-only:*) continue ;;
        esac
        [[ $addr =~ ^([0-9a-fA-F]{4}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$ ]] || continue
        case $type in
        vf-*) managed=yes ;;
        *) managed=no ;;
        esac
        hostdevs+="    <hostdev mode='subsystem' type='pci' managed='$managed'>
      <source>
        <address domain='0x${BASH_REMATCH[1]}' bus='0x${BASH_REMATCH[2]}' slot='0x${BASH_REMATCH[3]}' function='0x${BASH_REMATCH[4]}'/>
      </source>
    </hostdev>
"
    done
    sim_domain_wrap "$name" "$duuid" "$meta" "$hostdevs"
}
