#!/usr/bin/env bash
# Container workloads on a machine with no Docker: starts a private Podman service (Docker
# Engine API on a unix socket, test-owned config, no download: the image is a busybox-static
# root filesystem imported locally), then runs the daemon on examples/containers/repo against it.
# Ctrl-C stops the daemon, then the private engine and its containers.
#   curl 127.0.0.1:18090/             the shop Service (a two-container pod) through Capstan
#   capstan status / capstan logs     as usual (build-release/cli/capstan)
set -euo pipefail
cd "$(dirname "$0")/../.."

scripts/install-deps.sh
BUILD_DIR=${CAPSTAN_BUILD_DIR:-build-release}
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCAPSTAN_BUILD_TESTS=OFF \
  -DCAPSTAN_BUILD_BENCH=OFF >/dev/null
cmake --build "$BUILD_DIR" --target capstan -j "$(nproc)"

ENGINE_DIR=${CAPSTAN_ENGINE_DIR:-/tmp/capstan-example-engine}
STATE_DIR=${CAPSTAN_STATE_DIR:-/tmp/capstan-example-containers}
tests/container/engine_fixture.sh stop "$ENGINE_DIR" >/dev/null 2>&1 || true
tests/container/engine_fixture.sh start "$ENGINE_DIR"
trap 'tests/container/engine_fixture.sh stop "$ENGINE_DIR"' EXIT
"$BUILD_DIR/cli/capstan" serve --repo examples/containers/repo --state-dir "$STATE_DIR" \
  --container-engine "$ENGINE_DIR/podman.sock" --task-ports 21000-21999 \
  --pause-image localhost/capstan-busybox:test --pause-command 'sleep 2147483647' "$@"
