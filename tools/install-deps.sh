#!/usr/bin/env bash
# Installs every Debian package that building, testing and running dlcc needs.
# Safe to run more than once. Needs root (or sudo) and Debian 12.
set -euo pipefail

packages=(
  # Compiler toolchain and MLIR/LLVM 22.
  build-essential cmake ninja-build lld
  llvm-22 llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools
  # Runtime libraries.
  libopenblas-dev libopenblas0-openmp libomp-22-dev zlib1g-dev libopenmpi-dev openmpi-bin nlohmann-json3-dev
  # Tests, references and example data.
  libgtest-dev python3 python3-numpy python3-torch python3-psutil dataset-fashion-mnist fortunes
  # Checks the SVG of --memory-plot (test/Driver/memory-plot.test).
  libxml2-utils
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${packages[@]}"
