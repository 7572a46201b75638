#!/usr/bin/env bash
# Installs every Debian 12 package Capstan needs to build, test and run. Idempotent: a second run
# installs nothing and takes a second or two.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates ccache
  libgit2-dev libyaml-cpp-dev libcurl4-openssl-dev prometheus-cpp-dev libfmt-dev
  libgtest-dev libgmock-dev nlohmann-json3-dev libsqlite3-dev sqlite3 libspdlog-dev libcli11-dev
  libcpp-httplib-dev curl python3
  prometheus  # promtool and a real server for the end-to-end scrape test (tests/e2e)
  # The container_engine test fixture (tests/container/engine_fixture.sh): a Podman engine, a
  # busybox-static image built locally, two local registries, htpasswd (bcrypt) for one of them.
  podman runc containernetworking-plugins busybox-static docker-registry apache2-utils
  # The bookstore example with processes (examples/microservices): busybox httpd serves, and its
  # CGI calls the other Services with wget (Debian's busybox-static wget crashes with -T).
  wget
  # Services on a pod's own port: DNAT rules in the pod's network namespace (iptables-restore).
  iptables
  # A real gRPC server for the grpc probe tests (tests/helpers/grpc_health_server.py, run by
  # /usr/bin/python3): grpcio's C core speaks the HTTP/2 side independently of libcurl/nghttp2,
  # and python3-protobuf (its dependency) decodes the request Capstan encodes by hand.
  python3-grpcio
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
