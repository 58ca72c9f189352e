#!/usr/bin/env bash
# From a fresh Debian 12 machine: install what dlcc needs, build it, and run
# the main job.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${DLCC_BUILD_DIR:-$root/build}

"$root/tools/install-deps.sh"
"$root/tools/build.sh"

# The main job: compile the MLP example and train it on Fashion-MNIST.
"$build/bin/dlcc" "$root/examples/mlp.dl" -o "$build/mlp"
cd "$build" && ./mlp
