#!/bin/sh
# Compiles each given .dl file with one line deleted, for every line, and
# fails if the compiler ever ends other than with exit code 0 or 1. Unlike
# truncations, most of these programs still parse, so they reach semantic
# checks and MLIR generation with shapes and names that no longer fit.
#
#   deletions.sh COMMAND FILE...
#
# COMMAND is split into words and gets each variant as its last argument.
# The directory of each file is copied beside the variants for imports.
set -u
if [ $# -lt 2 ]; then
  echo "usage: $0 COMMAND FILE..." >&2
  exit 2
fi
command=$1
shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
jobs=$(nproc 2>/dev/null || echo 2)

for file in "$@"; do
  name=$(basename "$file")
  dir="$work/$name.d"
  mkdir -p "$dir"
  cp "$(dirname "$file")"/*.dl "$dir"/
  lines=$(wc -l < "$file")
  seq 1 "$lines" | xargs -P "$jobs" -n 8 sh -c '
    command=$1; file=$2; dir=$3; shift 3
    for n in "$@"; do
      sed "${n}d" "$file" > "$dir/without-$n.dl"
      $command "$dir/without-$n.dl" > /dev/null 2>&1
      rc=$?
      if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
        echo "$file without line $n: exit code $rc"
      fi
      rm -f "$dir/without-$n.dl"
    done' sh "$command" "$file" "$dir" >> "$work/failures"
  echo "$file: $lines variants compiled"
done

if [ -s "$work/failures" ]; then
  cat "$work/failures"
  exit 1
fi
exit 0
