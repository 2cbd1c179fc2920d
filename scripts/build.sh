#!/usr/bin/env bash
# Configure and build tidewatch into BUILD_DIR (default: build).
#   scripts/build.sh [BUILD_DIR] [meson options...]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
if [ ! -f "$dir/build.ninja" ]; then
  meson setup "$dir" "$@"
elif [ $# -gt 0 ]; then
  meson configure "$dir" "$@"
fi
ninja -C "$dir"
