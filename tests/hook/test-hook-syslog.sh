#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Black-box test that the real vgpu-hook logs to syslog (DESIGN.md "Host
# root, state and locking", docs/engine.md "Events and logging"): a create,
# a remove, a refusal and a device left busy each produce a line from
# identifier vgpu-hook, facility daemon, naming the domain and the device.
#
# The hook runs in a private mount namespace where /dev is a tmpfs of links
# to the real /dev entries, and /dev/log a link to a Unix datagram socket
# served by a small python3 listener that writes every message, one a line,
# to a file. Skipped (77) only when that namespace cannot be made.
#
# Usage: test-hook-syslog.sh VGPU_HOOK VGPU_SIM
set -euo pipefail
shopt -s lastpipe

REAL_HOOK=$1
export VGPU_SIM=$2
. "$(dirname "$0")/../lib-sim.sh"

WORK=$(mktemp -d /tmp/vgpu-syslog.XXXXXX)
HOOK_OUT=$WORK/out
HOOK_ERR=$WORK/err
LOG=$WORK/syslog
LISTENER_PID=""
cleanup() {
    [ -z "$LISTENER_PID" ] || kill "$LISTENER_PID" 2>/dev/null || true
    sim_stop
    rm -rf "$WORK"
}
trap cleanup EXIT

U1=9d2e9b5e-1c4a-4f7e-8a3b-000000000001
U2=9d2e9b5e-1c4a-4f7e-8a3b-000000000002
U3=9d2e9b5e-1c4a-4f7e-8a3b-000000000003
D1=c7a5fdbd-edaf-9455-926a-d65c16db1801

sim_require
command -v python3 >/dev/null || { echo "SKIP: python3 is missing" >&2; exit 77; }

# The namespace: runs "$@" with /dev/log -> $WORK/log.sock.
cat >"$WORK/ns.sh" <<'NS'
set -e
mount --make-rprivate /
mkdir -p "$NS_DIR/olddev"
mount --rbind /dev "$NS_DIR/olddev"
mount -t tmpfs -o mode=0755 vgpu-test-dev /dev
for e in "$NS_DIR"/olddev/* "$NS_DIR"/olddev/.[!.]*; do
    [ -e "$e" ] || [ -L "$e" ] || continue
    [ "${e##*/}" = log ] || ln -s "$e" /dev/
done
ln -s "$NS_DIR/log.sock" /dev/log
exec "$@"
NS
in_ns() {
    NS_DIR=$WORK unshare -m -- bash "$WORK/ns.sh" "$@"
}
if ! in_ns true 2>"$WORK/ns.err"; then
    echo "SKIP: cannot make a private mount namespace: $(cat "$WORK/ns.err")" >&2
    exit 77
fi

cat >"$WORK/listener.py" <<'PY'
import os, socket, sys
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
with open(out, "ab", buffering=0) as f:
    open(path + ".ready", "w").close()
    while True:
        data = s.recv(65536)
        f.write(data.rstrip(b"\n").replace(b"\n", b"\\n") + b"\n")
PY
: >"$LOG"
python3 "$WORK/listener.py" "$WORK/log.sock" "$LOG" &
LISTENER_PID=$!
sim_wait_for 5 test -e "$WORK/log.sock.ready" || fail "the syslog listener did not start"

# The harness itself: syslog(3) in the namespace reaches the listener.
in_ns python3 -c 'import syslog
syslog.openlog("vgpu-selftest", syslog.LOG_PID, syslog.LOG_DAEMON)
syslog.syslog(syslog.LOG_NOTICE, "probe through /dev/log")' ||
    fail "cannot run python3 in the namespace"
sim_wait_for 5 grep -Eq '^<29>.* vgpu-selftest\[[0-9]+\]: probe through /dev/log$' "$LOG" ||
    fail "the harness is broken: syslog(3) in the namespace did not reach the listener: $(head -3 "$LOG")"
pass "harness: syslog(3) inside the namespace reaches the listener ($(head -1 "$LOG"))"

# The hook, as the suites call it, but inside the namespace.
cat >"$WORK/hook" <<SH
#!/bin/sh
NS_DIR='$WORK' exec unshare -m -- bash '$WORK/ns.sh' '$REAL_HOOK' "\$@"
SH
chmod +x "$WORK/hook"
HOOK=$WORK/hook

# The check itself: lines logged since line FROM, identifier vgpu-hook,
# facility daemon (<24+severity>, severity err..info), naming DOMAIN and
# UUID. Waits up to 5 s: the release helper logs after the hook exits.
logged() { # FROM DOMAIN UUID
    tail -n +"$(($1 + 1))" "$LOG" |
        grep -E '^<(27|28|29|30)>.* vgpu-hook(\[[0-9]+\])?: ' |
        grep -F -- "$2" | grep -F -- "$3" >/dev/null
}
expect_logged() { # WHAT FROM DOMAIN UUID
    if sim_wait_for 5 logged "$2" "$3" "$4"; then
        echo "    $1: $(tail -n +"$(($2 + 1))" "$LOG" | grep -F -- "$4" | head -1)"
        return 0
    fi
    fail "$1: no daemon.err..info line from vgpu-hook naming \"$3\" and $4; logged since: $(tail -n +"$(($2 + 1))" "$LOG" | head -5)"
}
log_lines() { wc -l <"$LOG"; }

sim_start tiny
sim_conf "remove_timeout_ms=500"

case_create() {
    local from
    from=$(log_lines)
    sim_domain_xml syslog-a "$D1" "$U1 nvidia-65" | sim_run_hook syslog-a prepare begin
    [ "$RC" = 0 ] || fail "prepare: exit $RC: $(cat "$HOOK_ERR")"
    sim_mdev_exists "$U1" || fail "prepare created nothing"
    expect_logged "create" "$from" syslog-a "$U1"
}

case_remove() {
    local from
    sim_mdev_exists "$U1" || {
        sim_domain_xml syslog-a "$D1" "$U1 nvidia-65" | sim_run_hook syslog-a prepare begin
        [ "$RC" = 0 ] || fail "prepare: exit $RC: $(cat "$HOOK_ERR")"
    }
    from=$(log_lines)
    sim_run_hook syslog-a release end </dev/null
    [ "$RC" = 0 ] || fail "release: exit $RC: $(cat "$HOOK_ERR")"
    sim_wait_for 5 eval '! sim_mdev_exists "$U1"' || fail "release did not remove $U1"
    expect_logged "remove" "$from" syslog-a "$U1"
}

case_refusal() {
    local from
    sim_domain_xml syslog-b "$D1" "$U1 nvidia-65" "$U2 nvidia-65" | sim_run_hook syslog-b prepare begin
    [ "$RC" = 0 ] || fail "prepare b: exit $RC: $(cat "$HOOK_ERR")"
    from=$(log_lines)
    sim_domain_xml syslog-c "$D1" "$U3 nvidia-65" | sim_run_hook syslog-c prepare begin
    [ "$RC" = 1 ] || fail "prepare c should fail for capacity: exit $RC: $(cat "$HOOK_ERR")"
    expect_logged "refusal" "$from" syslog-c "$U3"
    sim_run_hook syslog-b release end </dev/null
    sim_wait_for 5 eval '[ "$(sim_count_mdevs)" = 0 ]' || fail "cleanup"
}

case_left_busy() {
    local from
    sim_domain_xml syslog-d "$D1" "$U1 nvidia-65" | sim_run_hook syslog-d prepare begin
    [ "$RC" = 0 ] || fail "prepare d: exit $RC: $(cat "$HOOK_ERR")"
    sim_ctl hold "$U1" || fail "cannot hold $U1"
    from=$(log_lines)
    sim_run_hook syslog-d release end </dev/null
    [ "$RC" = 0 ] || fail "release of a busy device: exit $RC: $(cat "$HOOK_ERR")"
    expect_logged "left busy" "$from" syslog-d "$U1"
    sim_ctl release "$U1"
    sim_run_hook syslog-d release end </dev/null
    sim_wait_for 5 eval '[ "$(sim_count_mdevs)" = 0 ]' || fail "cleanup"
}

# The cases share one emulator (the namespace sees the mount made before
# it), so they run in this shell, each failure counted.
syslog_case() { # NAME FUNCTION
    local rc
    set +e
    ( set -e; "$2" )
    rc=$?
    set -e
    if [ $rc = 0 ]; then
        pass "$1"
    else
        FAILED=$((FAILED + 1)); FAILED_NAMES+="    $1
"; echo "not ok - $1"
        # leave a clean emulator for the next case
        for d in "$SIM_ROOT"/sys/bus/mdev/devices/*; do
            [ -e "$d" ] || continue
            sim_ctl release "${d##*/}" || true
            echo 1 >"$d/remove" 2>/dev/null || true
        done
        rm -f "$SIM_ROOT"/run/libvgpu/mdevs/* 2>/dev/null || true
    fi
}
syslog_case "prepare begin logs the create (daemon, vgpu-hook, domain, UUID)" case_create
syslog_case "release end logs the remove (daemon, vgpu-hook, domain, UUID)" case_remove
syslog_case "a refusal for capacity is logged with domain and UUID" case_refusal
syslog_case "a device left busy at the deadline is logged with domain and UUID" case_left_busy

echo "    $(log_lines) message(s) received in all"
sim_finish "hook-syslog"
