# Helpers shared by the VM lab scripts (sourced by run and build-base).
# shellcheck shell=bash

: "${VMLAB_T0:=$(date +%s.%N)}"
export VMLAB_T0

vmlab_now() { date +%s.%N; }

# seconds since $1, one decimal
vmlab_since() { awk -v a="$1" -v b="$(vmlab_now)" 'BEGIN { printf "%.1f", b - a }'; }

log() { printf 'vmlab [%6.1fs] %s\n' "$(vmlab_since "$VMLAB_T0")" "$*"; }

die() {
    log "ERROR: $*"
    exit 1
}

# phase NAME: start a timed phase; phase_done [NOTE]: report its duration.
phase() {
    VMLAB_PHASE=$1
    VMLAB_PHASE_T0=$(vmlab_now)
    log "── $VMLAB_PHASE"
}

phase_done() {
    log "   $VMLAB_PHASE: done in $(vmlab_since "$VMLAB_PHASE_T0")s${1:+ ($1)}"
}

# logged LOGFILE CMD...: run CMD with its output in LOGFILE; on failure show
# the end of the log and stop.
logged() {
    local logfile=$1
    shift
    echo "+ $*" >>"$logfile"
    if ! "$@" >>"$logfile" 2>&1; then
        log "command failed: $*"
        log "last lines of $logfile:"
        tail -n 40 "$logfile" | sed 's/^/    | /'
        die "$VMLAB_PHASE failed"
    fi
}
