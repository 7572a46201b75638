#!/usr/bin/env bash
# The main job: installs what Capstan needs, builds it, and runs the daemon on examples/repo with
# its embedded defaults. On first run the folder is imported as a Git repository under the state
# directory (~/.local/state/capstan/repos/default): commit there to deploy. Ctrl-C stops the
# daemon and leaves the workloads running; the next start re-adopts them.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
BUILD_DIR=${CAPSTAN_BUILD_DIR:-build-release}
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCAPSTAN_BUILD_TESTS=OFF \
  -DCAPSTAN_BUILD_BENCH=OFF >/dev/null
cmake --build "$BUILD_DIR" --target capstan -j "$(nproc)"

exec "$BUILD_DIR/cli/capstan" serve --repo examples/repo "$@"
