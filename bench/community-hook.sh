#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# A vGPU hook as users write it today (forum and wiki posts), for bench/run
# to compare with: the UUID and type from the domain XML with xmllint, the
# first parent whose available_instances is not 0 (a `cat` per parent),
# then `mdevctl start`; `mdevctl stop` at release. No lock, no record.
# mdevctl reads the real /sys: bench/run runs this with the emulator
# bind-mounted over /sys in a private mount namespace (unshare -m).
#
# Usage (as libvirt calls a qemu hook): community-hook.sh DOMAIN OP SUBOP -
xml=$(cat)
read -r uuid type < <(xmllint --xpath "concat(
    //*[local-name()='mdev']/@uuid, ' ', //*[local-name()='mdev']/@type)" - <<<"$xml")
[ -n "$uuid" ] || exit 0

case $2/$3 in
prepare/begin)
    for dev in /sys/class/mdev_bus/*; do
        avail=$(cat "$dev/mdev_supported_types/$type/available_instances" 2>/dev/null) || continue
        if [ "$avail" -gt 0 ]; then
            exec mdevctl start -u "$uuid" -p "${dev##*/}" -t "$type"
        fi
    done
    echo "no free $type" >&2
    exit 1
    ;;
release/end)
    exec mdevctl stop -u "$uuid"
    ;;
esac
