#!/bin/sh
# Runs a compiler command on prefixes (byte lengths) of each given .dl file
# and fails if it ever ends other than with exit code 0 or 1: a truncated
# file must give errors, never a crash.
#
#   truncations.sh [-s STEP] COMMAND FILE...
#
# COMMAND is split into words (`"dlcc --emit=dl"`) and gets each prefix as
# its last argument. With `-s STEP`, only every STEP-th prefix (and the
# whole file) is tried, for commands too slow to run thousands of times.
# Files a prefix imports are found next to it: the directory of each file is
# copied beside the prefixes.
set -u
step=1
if [ "${1:-}" = "-s" ]; then
  step=$2
  shift 2
fi
if [ $# -lt 2 ]; then
  echo "usage: $0 [-s STEP] COMMAND FILE..." >&2
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
  size=$(wc -c < "$file")
  # Each job writes one prefix and compiles it; bad exit codes are logged.
  { seq 0 "$step" "$size"; echo "$size"; } | sort -nu |
    xargs -P "$jobs" -n 16 sh -c '
    command=$1; file=$2; dir=$3; shift 3
    for n in "$@"; do
      head -c "$n" "$file" > "$dir/prefix-$n.dl"
      $command "$dir/prefix-$n.dl" > /dev/null 2>&1
      rc=$?
      if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
        echo "$file truncated to $n bytes: exit code $rc"
      fi
      rm -f "$dir/prefix-$n.dl"
    done' sh "$command" "$file" "$dir" >> "$work/failures"
  echo "$file: prefixes compiled"
done

if [ -s "$work/failures" ]; then
  cat "$work/failures"
  exit 1
fi
exit 0
