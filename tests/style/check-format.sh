#!/usr/bin/env bash
# The C sources follow the checked-in .clang-format (house style).
# Usage: check-format.sh SOURCE_DIR
set -euo pipefail
cd "$1"
command -v clang-format >/dev/null || { echo "SKIP: no clang-format" >&2; exit 77; }
mapfile -t files < <(git ls-files ':(glob)lib/*.[ch]' ':(glob)hooks/*.c' ':(glob)tools/*.[ch]' \
    ':(glob)examples/*.c' ':(glob)tests/*.[ch]' 2>/dev/null || true)
[ ${#files[@]} -gt 0 ] || { echo "SKIP: not a git checkout" >&2; exit 77; }
clang-format --dry-run --Werror "${files[@]}"
echo "${#files[@]} files formatted as .clang-format says"
