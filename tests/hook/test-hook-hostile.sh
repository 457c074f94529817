#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Black-box tests of the real vgpu-hook against hostile values in the
# domain XML and on the command line (docs/engine.md "Events and logging":
# every untrusted value is quoted and cut; "Requests": at most
# VGPU_REQUESTS_MAX = 64 per domain, matched linearly). For every value:
# stderr is exactly one line of at most 1024 bytes after "vgpu-hook: ",
# without raw control characters; exit 1 (or 0 where the input is
# legitimately ignored); nothing created.
#
# Usage: test-hook-hostile.sh VGPU_HOOK VGPU_SIM
set -euo pipefail
# bash 5.2: "&" in a ${x//pattern/replacement} replacement means the match;
# the XML escapes below need a literal "&"
shopt -u patsub_replacement 2>/dev/null || true
shopt -s lastpipe

HOOK=$1
export VGPU_SIM=$2
. "$(dirname "$0")/../lib-sim.sh"

WORK=$(mktemp -d /tmp/vgpu-hostile.XXXXXX)
HOOK_OUT=$WORK/out
HOOK_ERR=$WORK/err
trap 'rm -rf "$WORK"' EXIT

U1=9d2e9b5e-1c4a-4f7e-8a3b-000000000001
D1=c7a5fdbd-edaf-9455-926a-d65c16db1801
REQUESTS_MAX=64

sim_require

# name|value: the hostile values.
declare -A V
V[newline]=$'win\nvgpu-hook: a forged second line'
V[cr]=$'win\rvgpu-hook: overwritten'
V[esc]=$'win\e[2J\e]0;title\a\e[31mred'
V[controls]=$'win\x01\x02\x08\x0b\x0c\x7f\t!'
V[10k]=$(head -c 10240 /dev/zero | tr '\0' x)
V[10k-utf8]=$(for _ in $(seq 1 2048); do printf 'é€'; done)
V[bad-utf8]=$'win\xff\xfe\xc3(\xed\xa0\x80'
V[dotdot]='..'
V[slash]='/'
V[traversal]='../../../../etc/passwd'
V[slash-inside]='a/b'
NAMES="newline cr esc controls 10k 10k-utf8 bad-utf8 dotdot slash traversal slash-inside"
# Domain names that carry no control byte and are valid UTF-8. libvirt
# refuses '/' in names itself; the engine never builds a path from a domain
# name (records are named by device id), so it treats every name as opaque
# text: these start and stop like any other, and nothing lands outside
# the state directory.
POLICY_NAMES="10k 10k-utf8 dotdot slash traversal slash-inside"
SAFETY_NAMES="newline cr esc controls bad-utf8"

# XML attribute/text escaping; newlines and CRs as character references,
# so that they survive attribute-value normalisation. Other control bytes
# and invalid UTF-8 stay raw: the parser has to refuse them.
xml_escape() {
    local s=$1
    s=${s//&/&amp;}; s=${s//</&lt;}; s=${s//>/&gt;}; s=${s//\"/&quot;}; s=${s//\'/&apos;}
    s=${s//$'\n'/&#10;}; s=${s//$'\r'/&#13;}
    printf '%s' "$s"
}

# domain XML with one request; NAME TYPE PARENT UUID already escaped
xml_one() { # NAME UUID TYPE [PARENT]
    cat <<XML
<domain type='kvm'>
  <name>$1</name>
  <uuid>$D1</uuid>
  <metadata>
    <vgpu:vgpu xmlns:vgpu="urn:libvgpu:domain:1">
      <vgpu:mdev uuid="$2" type="$3"${4:+ parent=\"$4\"}/>
    </vgpu:vgpu>
  </metadata>
  <devices>
    <hostdev mode='subsystem' type='mdev' managed='no' model='vfio-pci'>
      <source><address uuid="$2"/></source>
    </hostdev>
  </devices>
</domain>
XML
}

# The hook's answer must be clean; ALLOWED: the acceptable exit codes.
PROBLEMS=""
problem() { PROBLEMS+="  - $*
"; }
judge() { # WHAT ALLOWED
    local why
    case " $2 " in
    *" $RC "*) ;;
    *) problem "$1: exit $RC, wanted $2; stderr: $(head -c 300 "$HOOK_ERR" | od -An -c | head -3 | tr -s ' ')" ;;
    esac
    if [ "$RC" = 1 ]; then
        why=$(sim_stderr_problem "$HOOK_ERR")
        [ -z "$why" ] || problem "$1: $why"
    elif [ -s "$HOOK_ERR" ] || [ -s "$HOOK_OUT" ]; then
        problem "$1: exit $RC with output: $(cat "$HOOK_OUT" "$HOOK_ERR" | head -c 300 | od -An -c | head -3 | tr -s ' ')"
    fi
    [ "$(sim_count_mdevs)" = 0 ] || problem "$1: $(sim_count_mdevs) device(s) created"
    [ -z "$(ls -A "$SIM_ROOT/run/libvgpu/mdevs" 2>/dev/null)" ] || problem "$1: records left: $(ls -A "$SIM_ROOT/run/libvgpu/mdevs" | head -c 200)"
    # Tidy up whatever got through, so the next value starts clean.
    for d in "$SIM_ROOT"/sys/bus/mdev/devices/*; do
        [ -e "$d" ] && echo 1 >"$d/remove" 2>/dev/null || true
    done
    rm -rf "$SIM_ROOT/run/libvgpu/mdevs"/* 2>/dev/null || true
}
problems_fail() {
    [ -z "$PROBLEMS" ] || fail "$(printf '%s' "$PROBLEMS" | grep -c '^  - ') problem(s):
$PROBLEMS"
}

# --- one field at a time --------------------------------------------------------
case_field() { # FIELD [NAMES]
    local n v e
    sim_start tiny
    for n in ${2:-$NAMES}; do
        v=${V[$n]}
        e=$(xml_escape "$v")
        case $1 in
        domain)
            xml_one "$e" "$U1" nvidia-65 | sim_run_hook "$v" prepare begin
            judge "domain name $n" 1 ;;
        domain-argv)
            # the XML names "win", the command line the hostile value
            xml_one win "$U1" nvidia-65 | sim_run_hook "$v" prepare begin
            judge "command-line domain $n (XML says win)" 1 ;;
        type)
            xml_one win "$U1" "$e" | sim_run_hook win prepare begin
            judge "type $n" 1 ;;
        parent)
            xml_one win "$U1" nvidia-65 "$e" | sim_run_hook win prepare begin
            judge "parent $n" 1 ;;
        uuid)
            xml_one win "$e" nvidia-65 | sim_run_hook win prepare begin
            judge "uuid $n" 1 ;;
        release)
            sim_run_hook "$v" release end </dev/null
            judge "release end of domain $n" "0 1" ;;
        argv)
            # operations libvgpu ignores: exit 0, print nothing
            xml_one win "$U1" nvidia-65 | sim_run_hook win "$v" begin
            judge "operation $n" 0
            xml_one win "$U1" nvidia-65 | sim_run_hook win prepare "$v"
            judge "sub-operation $n" 0
            set +e
            xml_one win "$U1" nvidia-65 | timeout 10 "$HOOK" win prepare begin "$v" >"$HOOK_OUT" 2>"$HOOK_ERR"
            RC=$?
            set -e
            [ "$RC" = 0 ] || problem "extra argument $n: exit $RC: $(head -c 300 "$HOOK_ERR")"
            sim_mdev_exists "$U1" || problem "extra argument $n: a valid prepare created nothing"
            sim_run_hook win release end </dev/null ;;
        stale)
            # a request without its hostdev is stale metadata: ignored
            # (0) or refused (1), never created
            sim_domain_xml win "$D1" "meta-only:$U1 $(xml_escape "$v")" | sim_run_hook win prepare begin
            judge "stale request with type $n" "0 1"
            sim_domain_xml win "$D1" "hostdev-only:$e" | sim_run_hook win prepare begin
            judge "hostdev without request, uuid $n" "0 1" ;;
        esac
        [ "$RC" != 124 ] || problem "$1 $n: hung"
    done
    problems_fail
}
sim_case "domain names with control bytes or invalid UTF-8: one clean line, exit 1, nothing created" case_field domain "$SAFETY_NAMES"
# --- names without control bytes are opaque: start and stop as usual ---------
case_opaque_names() {
    local n v before after
    sim_start tiny
    before=$(find "$SIM_ROOT" -path "$SIM_ROOT/sys" -prune -o -print | sort)
    for n in $POLICY_NAMES; do
        v=${V[$n]}
        xml_one "$(xml_escape "$v")" "$U1" nvidia-65 | sim_run_hook "$v" prepare begin
        [ "$RC" = 0 ] || problem "domain name $n: prepare exit $RC: $(head -c 300 "$HOOK_ERR")"
        sim_mdev_exists "$U1" || problem "domain name $n: no device created"
        sim_run_hook "$v" release end </dev/null
        [ "$RC" = 0 ] || problem "domain name $n: release exit $RC: $(head -c 300 "$HOOK_ERR")"
        ! sim_mdev_exists "$U1" || problem "domain name $n: device left after release"
        [ -z "$(ls -A "$SIM_ROOT/run/libvgpu/mdevs" 2>/dev/null)" ] || problem "domain name $n: records left"
    done
    # only the state directory's own files may have appeared
    after=$(find "$SIM_ROOT" -path "$SIM_ROOT/sys" -prune -o -path "$SIM_ROOT/run/libvgpu" -prune -o -print | sort)
    [ "$(printf '%s\n' "$after" | grep -v "^$SIM_ROOT/run/libvgpu")" = "$(printf '%s\n' "$before" | grep -v "^$SIM_ROOT/run/libvgpu")" ] ||
        problem "files appeared outside the state directory: $(diff <(echo "$before") <(echo "$after") | head -c 300)"
    problems_fail
}
sim_case "domain names '..', '/', 'a/b', '../../..', 10 KB: opaque text, start and stop normally, nothing written outside the state directory" case_opaque_names
for f in domain-argv type parent uuid release argv stale; do
    sim_case "hostile $f values: one clean line, exit 1 (or 0 if ignored), nothing created" case_field "$f"
done

# --- the per-domain cap -----------------------------------------------------------
many_xml() { # COUNT TYPE
    awk -v n="$1" -v type="$2" -v d="$D1" 'BEGIN {
        printf "<domain type=\"kvm\">\n  <name>many</name>\n  <uuid>%s</uuid>\n  <metadata>\n    <vgpu:vgpu xmlns:vgpu=\"urn:libvgpu:domain:1\">\n", d
        for (i = 1; i <= n; i++)
            printf "      <vgpu:mdev uuid=\"9d2e9b5e-1c4a-4f7e-8a3b-%012d\" type=\"%s\"/>\n", i, type
        printf "    </vgpu:vgpu>\n  </metadata>\n  <devices>\n"
        for (i = 1; i <= n; i++)
            printf "    <hostdev mode=\"subsystem\" type=\"mdev\" managed=\"no\" model=\"vfio-pci\"><source><address uuid=\"9d2e9b5e-1c4a-4f7e-8a3b-%012d\"/></source></hostdev>\n", i
        printf "  </devices>\n</domain>\n"
    }'
}

case_over_cap() { # COUNT
    sim_start t4x16
    many_xml "$1" nvidia-230 >"$WORK/many.xml"
    sim_run_hook many prepare begin <"$WORK/many.xml"
    echo "    $1 requests: exit $RC in $HOOK_MS ms: $(head -c 300 "$HOOK_ERR")"
    judge "$1 requests" 1
    [ "$HOOK_MS" -le 3000 ] || problem "$1 requests took $HOOK_MS ms to refuse (bound 3000 ms)"
    grep -Eq "(^|[^0-9])$REQUESTS_MAX([^0-9]|$)" "$HOOK_ERR" || problem "$1 requests: the message does not name the cap of $REQUESTS_MAX: $(head -c 300 "$HOOK_ERR")"
    problems_fail
}
sim_case "10^4 requests in one domain: refused at once, naming the cap of $REQUESTS_MAX, nothing created" case_over_cap 10000
sim_case "$((REQUESTS_MAX + 1)) requests: refused, naming the cap, nothing created" case_over_cap $((REQUESTS_MAX + 1))

# 64 valid requests on a host with 16 instances: refused for capacity, fast.
case_cap_no_capacity() {
    sim_start t4x16
    many_xml $REQUESTS_MAX nvidia-230 >"$WORK/many.xml"
    sim_run_hook many prepare begin <"$WORK/many.xml"
    echo "    $REQUESTS_MAX requests, 16 instances: exit $RC in $HOOK_MS ms: $(head -c 200 "$HOOK_ERR")"
    judge "$REQUESTS_MAX requests on 16 instances" 1
    [ "$HOOK_MS" -le 10000 ] || problem "took $HOOK_MS ms (bound 10 s)"
    grep -qi "nvidia-230" "$HOOK_ERR" || problem "the refusal does not name the type: $(head -c 300 "$HOOK_ERR")"
    problems_fail
}
sim_case "$REQUESTS_MAX requests with hostdevs, 16 instances: refused for capacity within 10 s" case_cap_no_capacity

# 64 valid requests on a parent with 64 instances: accepted, fast; release
# removes them all, fast.
case_cap_accepted() {
    cat >"$WORK/wide.conf" <<CONF
[parent 0000:05:00.0]
model=independent
types=nvidia-65

[type nvidia-65]
name=GRID P4-4Q
max_instances=$REQUESTS_MAX
CONF
    sim_start "$WORK/wide.conf"
    many_xml $REQUESTS_MAX nvidia-65 >"$WORK/many.xml"
    SIM_HOOK_TIMEOUT=30 sim_run_hook many prepare begin <"$WORK/many.xml"
    echo "    $REQUESTS_MAX requests, $REQUESTS_MAX instances: exit $RC in $HOOK_MS ms"
    [ "$RC" = 0 ] || fail "prepare: exit $RC: $(head -c 300 "$HOOK_ERR")"
    [ "$(sim_count_mdevs)" = $REQUESTS_MAX ] || fail "$(sim_count_mdevs) devices created"
    [ "$HOOK_MS" -le 10000 ] || problem "prepare of $REQUESTS_MAX devices took $HOOK_MS ms (bound 10 s)"
    SIM_HOOK_TIMEOUT=30 sim_run_hook many release end </dev/null
    echo "    release of $REQUESTS_MAX devices: exit $RC in $HOOK_MS ms"
    [ "$RC" = 0 ] || problem "release: exit $RC: $(head -c 300 "$HOOK_ERR")"
    [ "$HOOK_MS" -le 10000 ] || problem "release of $REQUESTS_MAX devices took $HOOK_MS ms (bound 10 s)"
    sim_wait_for 5 eval '[ "$(sim_count_mdevs)" = 0 ]' || problem "$(sim_count_mdevs) devices left after release"
    problems_fail
}
sim_case "$REQUESTS_MAX requests with hostdevs and room for them: created and released within 10 s each" case_cap_accepted

sim_finish "hook-hostile"
