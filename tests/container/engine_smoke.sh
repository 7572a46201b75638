#!/usr/bin/env bash
# Smoke test of the container_engine fixture through the Docker Engine API: the engine answers,
# the image is there, a container runs, anonymous pulls work, authenticated pulls need
# X-Registry-Auth. Prints what Podman's compat API answers on failed pulls (HTTP 200 with an
# error object in the JSON stream, not a 4xx).
set -euo pipefail

fail() { echo "engine_smoke: FAILED: $*" >&2; exit 1; }
[[ -n ${CAPSTAN_TEST_ENGINE_ENV:-} ]] || fail "CAPSTAN_TEST_ENGINE_ENV is not set (needs the container_engine fixture)"
[[ -r $CAPSTAN_TEST_ENGINE_ENV ]] || fail "cannot read $CAPSTAN_TEST_ENGINE_ENV"
set -a
# shellcheck disable=SC1090
. "$CAPSTAN_TEST_ENGINE_ENV"
set +a
SOCK=$CAPSTAN_TEST_ENGINE_SOCKET
API=http://d/v1.41
TMP=$(mktemp -d)
CID=""
cleanup() {
  [[ -z $CID ]] || curl -s --unix-socket "$SOCK" -X DELETE "$API/containers/$CID?force=true" >/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

# call METHOD PATH [curl args...]: body in $TMP/body, prints the HTTP status.
call() {
  local method=$1 path=$2
  shift 2
  curl -s --unix-socket "$SOCK" -X "$method" -o "$TMP/body" -w '%{http_code}' "$@" "$API$path"
}
b64url() { base64 -w0 | tr '+/' '-_'; }
auth_header() {
  printf '{"username":"%s","password":"%s","serveraddress":"%s"}' "$1" "$2" "$CAPSTAN_TEST_AUTH_REGISTRY" |
    b64url
}
expect() { # expect CODE GOT WHAT
  [[ $2 == "$1" ]] || fail "$3: HTTP $2, expected $1; body: $(cat "$TMP/body")"
}
# A pull's JSON stream carries failures as {"error": ...} with HTTP 200.
pull_ok() {
  expect 200 "$1" "$2"
  ! grep -q '"error"' "$TMP/body" || fail "$2: $(cat "$TMP/body")"
}
pull_fails_with() { # pull_fails_with CODE PATTERN WHAT
  echo "engine_smoke: $3 -> HTTP $1: $(cat "$TMP/body")"
  grep -q '"error"' "$TMP/body" || fail "$3 did not fail: HTTP $1 $(cat "$TMP/body")"
  grep -q "$2" "$TMP/body" || fail "$3 failed without '$2': $(cat "$TMP/body")"
}

reply=$(curl -s --unix-socket "$SOCK" http://d/_ping)
[[ $reply == OK ]] || fail "/_ping answered '$reply'"

code=$(call GET "/images/$CAPSTAN_TEST_IMAGE/json")
expect 200 "$code" "inspect $CAPSTAN_TEST_IMAGE"

# A container from the image runs (runtime, storage, network).
code=$(call POST "/containers/create?name=capstan-engine-smoke-$$" -H 'Content-Type: application/json' \
  -d "{\"Image\":\"$CAPSTAN_TEST_IMAGE\",\"Cmd\":[\"sh\",\"-c\",\"echo hello-from-busybox\"]}")
expect 201 "$code" "create container"
CID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Id"])' "$TMP/body")
code=$(call POST "/containers/$CID/start")
expect 204 "$code" "start container"
code=$(call POST "/containers/$CID/wait")
expect 200 "$code" "wait container"
grep -q '"StatusCode":0' "$TMP/body" || fail "container exit: $(cat "$TMP/body")"
code=$(call GET "/containers/$CID/logs?stdout=1&stderr=1")
expect 200 "$code" "container logs"
grep -q -a hello-from-busybox "$TMP/body" || fail "container logs lack its output"
code=$(call DELETE "/containers/$CID?force=true")
expect 204 "$code" "remove container"
CID=""

repo=${CAPSTAN_TEST_REGISTRY_REPO%:*}
tag=${CAPSTAN_TEST_REGISTRY_REPO##*:}

code=$(call POST "/images/create?fromImage=$CAPSTAN_TEST_REGISTRY/$repo&tag=$tag")
pull_ok "$code" "anonymous pull from $CAPSTAN_TEST_REGISTRY"
code=$(call GET "/images/$CAPSTAN_TEST_REGISTRY/$repo:$tag/json")
expect 200 "$code" "inspect pulled image"

code=$(call POST "/images/create?fromImage=$CAPSTAN_TEST_REGISTRY/capstan/missing&tag=$tag")
pull_fails_with "$code" "manifest unknown" "pull of a missing repository"

code=$(call POST "/images/create?fromImage=$CAPSTAN_TEST_AUTH_REGISTRY/$repo&tag=$tag")
pull_fails_with "$code" "unauthorized" "pull from the auth registry without X-Registry-Auth"

code=$(call POST "/images/create?fromImage=$CAPSTAN_TEST_AUTH_REGISTRY/$repo&tag=$tag" \
  -H "X-Registry-Auth: $(auth_header "$CAPSTAN_TEST_REGISTRY_USER" wrong-password)")
pull_fails_with "$code" "unauthorized" "pull from the auth registry with a wrong password"

code=$(call POST "/images/create?fromImage=$CAPSTAN_TEST_AUTH_REGISTRY/$repo&tag=$tag" \
  -H "X-Registry-Auth: $(auth_header "$CAPSTAN_TEST_REGISTRY_USER" "$CAPSTAN_TEST_REGISTRY_PASSWORD")")
pull_ok "$code" "authenticated pull from $CAPSTAN_TEST_AUTH_REGISTRY"
code=$(call GET "/images/$CAPSTAN_TEST_AUTH_REGISTRY/$repo:$tag/json")
expect 200 "$code" "inspect image pulled with auth"

# The podman CLI sees the same storage through CAPSTAN_TEST_PODMAN_ENV.
(
  # shellcheck disable=SC1090
  . "$CAPSTAN_TEST_PODMAN_ENV"
  podman image exists "$CAPSTAN_TEST_IMAGE"
) || fail "podman CLI with $CAPSTAN_TEST_PODMAN_ENV does not see $CAPSTAN_TEST_IMAGE"

echo "engine_smoke: OK"
