#!/usr/bin/env bash
# Builds everything and runs every test suite (lit tests of the compiler,
# unit tests of the runtime and kernels, end-to-end tests). Exits non-zero on
# any failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${DLCC_BUILD_DIR:-$root/build}

"$root/tools/build.sh"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
/usr/lib/llvm-22/bin/lit -sv "$build/test" "$build/test/Unit" | tee "$log" ||
  status=$?

# One closing line in the form CI reads.
count() { grep -oE "^ *$1 *: +[0-9]+" "$log" | grep -oE '[0-9]+$' || echo 0; }
passed=$(count Passed)
failed=$(( $(count Failed) + $(count Unresolved) + $(count 'Timed Out') ))
skipped=$(( $(count Unsupported) + $(count Skipped) + $(count 'Expectedly Failed') ))
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
