#!/usr/bin/env bash
# The main job: installs what Capstan needs, builds it, turns examples/repo into a Git repository
# and shows what Capstan would deploy from it (`capstan plan`).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
BUILD_DIR=${CAPSTAN_BUILD_DIR:-build-release}
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCAPSTAN_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD_DIR" --target capstan -j "$(nproc)"

STATE_DIR=${CAPSTAN_STATE_DIR:-$HOME/.local/state/capstan}
REPO="$STATE_DIR/example-repo"
if [[ ! -d "$REPO/.git" ]]; then
  mkdir -p "$REPO"
  cp -r examples/repo/. "$REPO/"
  git -C "$REPO" init -q -b main
  git -C "$REPO" -c user.name=capstan -c user.email=capstan@localhost add -A
  git -C "$REPO" -c user.name=capstan -c user.email=capstan@localhost commit -q -m "Example applications"
  echo "capstan: created the example repository at $REPO"
fi

"$BUILD_DIR/capstan" validate "$REPO/apps"
set +e
"$BUILD_DIR/capstan" plan --repo "$REPO" --rev HEAD --path apps "$@"
code=$?
set -e
# plan exits 2 when there are changes to apply: that is the expected outcome here.
[[ $code -eq 0 || $code -eq 2 ]]
