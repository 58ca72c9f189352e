#!/bin/sh
# Parses every prefix (every byte length) of each given .dl file and fails if
# the parser ever ends other than with exit code 0 or 1: a truncated file
# must give errors, never a crash.
#
#   truncations.sh DLCC_PARSE FILE...
#
# Files a prefix imports are found next to it: the directory of each file is
# copied beside the prefixes.
set -u
if [ $# -lt 2 ]; then
  echo "usage: $0 DLCC_PARSE FILE..." >&2
  exit 2
fi
parse=$1
shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
jobs=$(nproc 2>/dev/null || echo 2)

for file in "$@"; do
  name=$(basename "$file")
  dir="$work/$name.d"
  mkdir -p "$dir"
  cp "$(dirname "$file")"/*.dl "$dir"/
  size=$(wc -c < "$file")
  # Each job writes one prefix and parses it; bad exit codes are logged.
  seq 0 "$size" | xargs -P "$jobs" -n 16 sh -c '
    parse=$1; file=$2; dir=$3; shift 3
    for n in "$@"; do
      head -c "$n" "$file" > "$dir/prefix-$n.dl"
      "$parse" "$dir/prefix-$n.dl" > /dev/null 2>&1
      rc=$?
      if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
        echo "$file truncated to $n bytes: exit code $rc"
      fi
      rm -f "$dir/prefix-$n.dl"
    done' sh "$parse" "$file" "$dir" >> "$work/failures"
  echo "$file: $((size + 1)) prefixes parsed"
done

if [ -s "$work/failures" ]; then
  cat "$work/failures"
  exit 1
fi
exit 0
