# SPDX-License-Identifier: LGPL-2.1-or-later
# Sums the instructions (Ir) of callgrind output files by object and prints
# "TOTAL LOADER": all objects, and the dynamic loader's (ld-linux: loading,
# symbol lookup and relocations). Name compression ("(n) name") is per file.
FNR == 1 { delete names; ob = ""; skip = 0 }
/^c?ob=/ { # cob= (a callee's object) can define a name ob= uses later
    id = $0; sub(/^c?ob=/, "", id)
    if (match(id, /^\([0-9]+\) /)) {
        key = substr(id, 1, RLENGTH - 1); names[key] = substr(id, RLENGTH + 1)
        id = key
    }
    if ($0 ~ /^ob=/)
        ob = (id in names) ? names[id] : id
    next
}
/^calls=/ { skip = 1; next }
/^[0-9+*-]/ {
    if (skip) { skip = 0; next }
    total += $2
    if (ob ~ /ld-linux/) loader += $2
    next
}
END { printf "%d %d\n", total, loader }
