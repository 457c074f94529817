#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The bash completion of vgpuctl (tools/vgpuctl.bash-completion), sourced
# with bash-completion's own script: commands, a command's options,
# domain names from virsh (a stub recording its arguments, so -c/--connect
# is checked too), type ids and parents from 'vgpuctl types' on the mdev
# sysfs emulator (skipped without FUSE). Skips without bash-completion.
#
# Usage: test-completion.sh VGPUCTL SOURCE_DIR VGPU_SIM BASH_COMPLETION|""
set -uo pipefail

VGPUCTL=$1
SRC=$2
export VGPU_SIM=$3
BASH_COMPLETION=$4
. "$SRC/tests/lib-sim.sh"

if [ -z "$BASH_COMPLETION" ] || [ ! -f "$BASH_COMPLETION" ]; then
    echo "SKIP: bash-completion is not installed" >&2
    exit 77
fi
# bash-completion's functions are not written for set -u (nor -e).
set +u
# shellcheck source=/dev/null
. "$BASH_COMPLETION"
. "$SRC/tools/vgpuctl.bash-completion"
set -u

WORK=$(mktemp -d /tmp/vgpuctl-completion.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
# A virsh that names two domains and records how it was called.
mkdir "$WORK/bin"
cat >"$WORK/bin/virsh" <<EOF
#!/bin/sh
echo "\$*" >>"$WORK/virsh-args"
printf '%s\n' win10 win11 ''
EOF
chmod +x "$WORK/bin/virsh"
export PATH="$WORK/bin:$PATH"

# complete LINE: COMPREPLY for the cursor at the end of LINE, as bash
# fills the COMP_* variables, printed as one sorted line.
complete_line() {
    local line="$VGPUCTL $1"
    COMP_LINE=$line
    COMP_POINT=${#line}
    read -ra COMP_WORDS <<<"$line"
    [[ $line != *" " ]] || COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    set +eu
    _vgpuctl "$VGPUCTL" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
    set -eu
    printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}

expect() { # LINE WANT
    local got
    got=$(complete_line "$1")
    [ "$got" = "$2" ] || fail "'vgpuctl $1<TAB>' gives '$got', wanted '$2'"
}

case_commands() {
    local words word
    words=$(complete_line "")
    for word in attach detach types list install-hook help --help --version; do
        [[ " $words " == *" $word "* ]] || fail "'vgpuctl <TAB>' lacks $word: $words"
    done
    for word in $words; do
        [[ $word == -* || $word == help ]] || "$VGPUCTL" help "$word" >/dev/null ||
            fail "'vgpuctl <TAB>' offers $word, which 'vgpuctl help' does not know"
    done
    expect "at" "attach"
    expect "help inst" "install-hook"
}

case_options() {
    local help option
    help=$("$VGPUCTL" attach --help)
    expect "attach --" "--connect --display --force --help --parent --ramfb --type --uuid"
    for option in $(complete_line "attach --"); do
        grep -qE -- "^  +(-[a-z], )?$option([= ]|\$)" <<<"$help" ||
            fail "'vgpuctl attach --<TAB>' offers $option, not in 'vgpuctl attach --help'"
    done
    expect "list --" "--help --json"
    expect "gc --d" "--dry-run"
}

case_domains() {
    expect "attach " "win10 win11"
    expect "attach w" "win10 win11"
    expect "attach --type nvidia-65 win1" "win10 win11"
    expect "detach -u 2ccbd718-f630-5dba-b79f-c9261c5b50fb " "win10 win11"
    expect "attach win11 " ""
    expect "types " ""
    grep -qx "list --all --name" "$WORK/virsh-args" ||
        fail "virsh was not asked 'list --all --name': $(cat "$WORK/virsh-args")"
    : >"$WORK/virsh-args"
    expect "move -c test:///x " "win10 win11"
    expect "start --connect=test:///y win1" "win10 win11"
    [ "$(cat "$WORK/virsh-args")" = "-c test:///x list --all --name
-c test:///y list --all --name" ] ||
        fail "virsh did not get the --connect URI: $(cat "$WORK/virsh-args")"
}

case_types() {
    sim_start tiny
    expect "attach dom --type " "nvidia-65 nvidia-66"
    expect "attach dom -t nvidia-65" "nvidia-65"
    expect "attach dom --type=nv" "nvidia-65 nvidia-66"
    # COMP_WORDBREAKS holds ':': the part before the last ':' is trimmed.
    expect "attach dom --parent 0000:06" "06:00.0"
    expect "types -p " "0000:05:00.0 0000:06:00.0"
}

sim_case "vgpuctl <TAB> offers the commands of 'vgpuctl help'" case_commands
sim_case "vgpuctl attach --<TAB> offers the options of its --help" case_options
sim_case "domain names from virsh, on the --connect URI" case_domains
sim_case "--type and --parent from 'vgpuctl types' (emulator)" case_types
sim_finish completion
