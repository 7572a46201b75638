#!/usr/bin/env bash
# The `container_engine` CTest fixture: a real Podman engine (Docker Engine API on a unix socket),
# a local busybox image and two local registries (one anonymous, one with htpasswd auth), all
# owned by the test run and living under one directory. Nothing on the machine is configured.
#
#   engine_fixture.sh start DIR   # starts everything, writes DIR/env (KEY=VALUE lines)
#   engine_fixture.sh stop DIR    # stops everything, unmounts, removes DIR (safe to repeat)
#
# DIR/env keys: CAPSTAN_TEST_ENGINE_SOCKET, CAPSTAN_TEST_IMAGE, CAPSTAN_TEST_REGISTRY,
# CAPSTAN_TEST_AUTH_REGISTRY, CAPSTAN_TEST_REGISTRY_USER, CAPSTAN_TEST_REGISTRY_PASSWORD,
# CAPSTAN_TEST_PODMAN_ENV (a file of `export` lines so the podman CLI sees the same storage),
# CAPSTAN_TEST_REGISTRY_REPO (capstan/busybox:test, pushed to both registries).
# Tests read it through tests/container/engine_env.h (env var CAPSTAN_TEST_ENGINE_ENV).
set -euo pipefail

IMAGE=localhost/capstan-busybox:test
REPO=capstan/busybox:test
REGISTRY_USER=capstan
PING_TIMEOUT_S=20
REGISTRY_TIMEOUT_S=10
MARKER=.capstan-engine-fixture

log() { echo "engine_fixture: $*" >&2; }
die() { log "FAILED: $*"; exit 1; }

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
(($# == 2)) || usage
CMD=$1
DIR=$2
[[ -n $DIR && $DIR != / ]] || usage
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd -P)

podman_env() {
  export CONTAINERS_CONF="$DIR/containers.conf"
  export CONTAINERS_STORAGE_CONF="$DIR/storage.conf"
  export CONTAINERS_REGISTRIES_CONF="$DIR/registries.conf"
  export REGISTRY_AUTH_FILE="$DIR/auth.json"
}

now_ms() { date +%s%3N; }

# Stops the recorded pids (pid files; a pid counts only if it still runs the expected program):
# TERM to all, then KILL whatever still runs after a shared grace period. Removes the pid files.
# Usage: kill_pidfiles FILE EXPECT [FILE EXPECT]...
kill_pidfiles() {
  local pids=() file expect pid i alive
  while (($# >= 2)); do
    file=$1 expect=$2
    shift 2
    [[ -f $file ]] || continue
    pid=$(<"$file")
    if [[ $pid =~ ^[0-9]+$ ]] && [[ -r /proc/$pid/cmdline ]] &&
       tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -F -- "$expect"; then
      kill -TERM "$pid" 2>/dev/null || true
      pids+=("$pid")
    fi
    rm -f "$file"
  done
  ((${#pids[@]})) || return 0
  for ((i = 0; i < 50; i++)); do
    alive=0
    for pid in "${pids[@]}"; do [[ ! -d /proc/$pid ]] || alive=1; done
    ((alive)) || return 0
    sleep 0.1
  done
  kill -KILL "${pids[@]}" 2>/dev/null || true
}

# Processes started on our behalf that are not our children any more (conmon double-forks,
# `podman container cleanup` exit commands): every conmon/podman/docker-registry whose command
# line names DIR belongs to this fixture.
kill_stragglers() {
  local f p comm pids=()
  while IFS= read -r f; do
    p=${f#/proc/}
    p=${p%/cmdline}
    comm=$(cat "/proc/$p/comm" 2>/dev/null) || continue
    case $comm in conmon | podman | docker-registry) pids+=("$p") ;; esac
  done < <(grep -l -F -a -- "$DIR/" /proc/[0-9]*/cmdline 2>/dev/null || true)
  ((${#pids[@]})) || return 0
  log "killing leftover processes ${pids[*]}"
  kill -KILL "${pids[@]}" 2>/dev/null || true
  sleep 0.2
}

# Containers of this fixture still known to runc (podman rm failed or could not run): their bundles
# are under DIR. Deleting them kills their processes; their network namespaces may leak.
delete_runc_leftovers() {
  command -v runc >/dev/null || return 0
  local id
  for id in $(runc list --format json 2>/dev/null | python3 -c '
import json, sys
d = sys.argv[1] + "/"
for c in json.load(sys.stdin) or []:
    if c.get("bundle", "").startswith(d):
        print(c["id"])' "$DIR" 2>/dev/null || true); do
    log "deleting leftover container $id with runc"
    runc delete --force "$id" >/dev/null 2>&1 || log "runc delete $id failed"
  done
}

unmount_all() {
  local mp i
  for ((i = 0; i < 5; i++)); do
    # Mount points under DIR, deepest first (mountinfo field 5; spaces are escaped as \040).
    mapfile -t mps < <(awk -v d="$DIR" '$5 == d || index($5, d "/") == 1 { print $5 }' \
                         /proc/self/mountinfo | sort -r | uniq)
    ((${#mps[@]})) || return 0
    for mp in "${mps[@]}"; do
      mp=$(printf '%b' "${mp//\\040/ }")
      umount "$mp" 2>/dev/null || umount -l "$mp" 2>/dev/null || log "cannot unmount $mp"
    done
  done
}

do_stop() {
  local t0
  t0=$(now_ms)
  # Never remove a directory this script did not create.
  if [[ ! -e $DIR/$MARKER && -n $(ls -A "$DIR") ]]; then
    die "$DIR is not a container_engine fixture directory (no $MARKER), not touching it"
  fi
  podman_env
  if command -v podman >/dev/null && [[ -f $DIR/containers.conf && -f $DIR/storage.conf ]]; then
    timeout 60 podman rm -af -t 0 >/dev/null 2>&1 ||
      timeout 60 podman rm -af -t 0 >"$DIR/rm.out" 2>&1 ||
      log "podman rm -af failed: $(cat "$DIR/rm.out")"
    timeout 30 podman pod rm -af -t 0 >/dev/null 2>&1 || true
    timeout 30 podman network prune -f >/dev/null 2>&1 || true
  fi
  kill_pidfiles "$DIR/podman.pid" "system service" \
    "$DIR/registry-anon/pid" "docker-registry" "$DIR/registry-auth/pid" "docker-registry"
  delete_runc_leftovers
  kill_stragglers
  unmount_all
  rm -rf "$DIR" 2>/dev/null || { unmount_all; rm -rf "$DIR"; }
  log "stopped in $(($(now_ms) - t0)) ms"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_registry NAME PORT [HTPASSWD]: one docker-registry process in DIR/registry-NAME.
start_registry() {
  local name=$1 port=$2 htpasswd=${3:-} rdir="$DIR/registry-$1"
  mkdir -p "$rdir/data"
  {
    echo "version: 0.1"
    echo "log:"
    echo "  level: info"
    echo "  accesslog:"
    echo "    disabled: true"
    echo "storage:"
    echo "  filesystem:"
    echo "    rootdirectory: $rdir/data"
    echo "  delete:"
    echo "    enabled: true"
    echo "http:"
    echo "  addr: 127.0.0.1:$port"
    echo "  secret: capstan-test-$name-$RANDOM$RANDOM"
    if [[ -n $htpasswd ]]; then
      echo "auth:"
      echo "  htpasswd:"
      echo "    realm: capstan-test"
      echo "    path: $htpasswd"
    fi
  } >"$rdir/config.yml"
  : >"$rdir/registry.log"
  # docker-registry reads REGISTRY_* variables as config overrides (REGISTRY_AUTH_FILE is ours).
  local unset_vars=() v
  for v in $(compgen -e); do [[ $v != REGISTRY_* ]] || unset_vars+=(-u "$v"); done
  env "${unset_vars[@]}" docker-registry serve "$rdir/config.yml" </dev/null >>"$rdir/registry.log" 2>&1 &
  echo $! >"$rdir/pid"
  echo "$port" >"$rdir/port"
}

# wait_registry NAME EXPECTED_CODE: 0 once our process listens and /v2/ answers EXPECTED_CODE,
# 1 if the process died (port taken) or the timeout passed.
wait_registry() {
  local name=$1 want=$2 rdir="$DIR/registry-$1" pid port code deadline
  pid=$(<"$rdir/pid")
  port=$(<"$rdir/port")
  deadline=$(($(now_ms) + REGISTRY_TIMEOUT_S * 1000))
  while (($(now_ms) < deadline)); do
    [[ -d /proc/$pid ]] || return 1
    if grep -q "listening on" "$rdir/registry.log"; then
      code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$port/v2/" || true)
      if [[ $code == "$want" ]] && [[ -d /proc/$pid ]]; then return 0; fi
    fi
    sleep 0.05
  done
  return 1
}

# registry NAME EXPECTED_CODE [HTPASSWD]: starts it on a free port, retrying if the port was taken.
registry() {
  local name=$1 want=$2 htpasswd=${3:-} attempt
  for attempt in 1 2 3; do
    start_registry "$name" "$(free_port)" "$htpasswd"
    if wait_registry "$name" "$want"; then return 0; fi
    log "registry $name did not come up (attempt $attempt):"
    cat "$DIR/registry-$name/registry.log" >&2 || true
    kill_pidfiles "$DIR/registry-$name/pid" "docker-registry"
  done
  return 1
}

build_image() {
  local rootfs="$DIR/image/rootfs" a
  rm -rf "$DIR/image"
  mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,etc,www,tmp,root,proc,sys,dev,var/tmp}
  chmod 1777 "$rootfs/tmp" "$rootfs/var/tmp"
  cp /bin/busybox "$rootfs/bin/busybox"
  for a in $("$rootfs/bin/busybox" --list); do
    [[ $a == busybox || $a == */* ]] || ln -s busybox "$rootfs/bin/$a"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' \
    >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
  echo "capstan test image" >"$rootfs/www/index.html"
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$rootfs" \
    -cf "$DIR/image/rootfs.tar" .
  podman import -q \
    --change 'ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/httpd","-f","-p","8080","-h","/www"]' \
    "$DIR/image/rootfs.tar" "$IMAGE" >/dev/null
  rm -rf "$DIR/image"
}

on_start_exit() {
  local rc=$?
  trap - EXIT
  ((rc != 0)) || return 0
  log "start failed (exit $rc) after $(($(now_ms) - T0)) ms; diagnostics:"
  local f
  for f in "$DIR/service.log" "$DIR"/registry-*/registry.log "$DIR"/*.out; do
    [[ -s $f ]] || continue
    echo "----- $f (last 50 lines)" >&2
    tail -n 50 "$f" >&2
  done
  log "cleaning up"
  (do_stop) || true
  exit "$rc"
}

do_start() {
  T0=$(now_ms)
  local missing=() t
  for t in podman runc docker-registry htpasswd curl python3 tar; do
    command -v "$t" >/dev/null || missing+=("$t")
  done
  if ((${#missing[@]})); then
    die "missing ${missing[*]} (Debian packages: podman runc containernetworking-plugins busybox-static docker-registry apache2-utils; see scripts/install-deps.sh)"
  fi
  [[ -x /bin/busybox ]] || die "/bin/busybox missing (Debian package busybox-static)"
  if ldd /bin/busybox >/dev/null 2>&1; then
    die "/bin/busybox is dynamically linked; install busybox-static"
  fi

  # sun_path holds 107 bytes; the engine socket must fit.
  if ((${#DIR} + 12 > 107)); then
    die "$DIR/podman.sock is longer than a unix socket path may be; use a shorter build directory"
  fi

  # A leftover from an interrupted run: clean it first.
  if [[ -n $(ls -A "$DIR") ]]; then
    log "$DIR not empty, cleaning a previous run first"
    (do_stop)
    mkdir -p "$DIR"
  fi
  trap on_start_exit EXIT
  touch "$DIR/$MARKER"

  mkdir -p "$DIR/tmp" "$DIR/net.d"
  cat >"$DIR/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
tmp_dir = "$DIR/tmp"
# Each exec (probes run as execs) keeps its conmon this long; the 300 s default piles them up.
exit_command_delay = 5

[network]
network_backend = "cni"
network_config_dir = "$DIR/net.d"
EOF
  cat >"$DIR/storage.conf" <<EOF
[storage]
driver = "overlay"
runroot = "$DIR/run"
graphroot = "$DIR/root"
EOF
  echo '{"auths": {}}' >"$DIR/auth.json"
  podman_env

  # The service first: it boots while the registries start and the image is built.
  podman system service --time=0 "unix://$DIR/podman.sock" </dev/null >"$DIR/service.log" 2>&1 &
  echo $! >"$DIR/podman.pid"

  local password
  password=$(head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 20)
  mkdir -p "$DIR/registry-auth"
  htpasswd -B -b -c "$DIR/registry-auth/htpasswd" "$REGISTRY_USER" "$password" 2>/dev/null
  registry anon 200 || die "anonymous registry did not start"
  registry auth 401 "$DIR/registry-auth/htpasswd" || die "auth registry did not start"
  local reg_anon reg_auth
  reg_anon=127.0.0.1:$(<"$DIR/registry-anon/port")
  reg_auth=127.0.0.1:$(<"$DIR/registry-auth/port")
  cat >"$DIR/registries.conf" <<EOF
[[registry]]
location = "$reg_anon"
insecure = true

[[registry]]
location = "$reg_auth"
insecure = true
EOF
  log "registries up at $(($(now_ms) - T0)) ms ($reg_anon anonymous, $reg_auth htpasswd)"

  build_image
  log "image $IMAGE built at $(($(now_ms) - T0)) ms"

  podman push -q --tls-verify=false "$IMAGE" "$reg_anon/$REPO" >"$DIR/push-anon.out" 2>&1 &
  local push1=$!
  podman push -q --tls-verify=false --creds "$REGISTRY_USER:$password" "$IMAGE" \
    "$reg_auth/$REPO" >"$DIR/push-auth.out" 2>&1 &
  local push2=$!
  wait "$push1" || die "push to $reg_anon failed: $(cat "$DIR/push-anon.out")"
  wait "$push2" || die "push to $reg_auth failed: $(cat "$DIR/push-auth.out")"
  rm -f "$DIR/push-anon.out" "$DIR/push-auth.out"
  log "pushed at $(($(now_ms) - T0)) ms"

  local pid deadline reply=""
  pid=$(<"$DIR/podman.pid")
  deadline=$(($(now_ms) + PING_TIMEOUT_S * 1000))
  while (($(now_ms) < deadline)); do
    [[ -d /proc/$pid ]] || die "podman system service exited"
    reply=$(curl -s --max-time 2 --unix-socket "$DIR/podman.sock" http://d/_ping || true)
    [[ $reply == OK ]] && break
    sleep 0.05
  done
  [[ $reply == OK ]] || die "podman service did not answer /_ping within ${PING_TIMEOUT_S}s"

  cat >"$DIR/podman.env" <<EOF
export CONTAINERS_CONF='$CONTAINERS_CONF'
export CONTAINERS_STORAGE_CONF='$CONTAINERS_STORAGE_CONF'
export CONTAINERS_REGISTRIES_CONF='$CONTAINERS_REGISTRIES_CONF'
export REGISTRY_AUTH_FILE='$REGISTRY_AUTH_FILE'
EOF
  cat >"$DIR/env.tmp" <<EOF
CAPSTAN_TEST_ENGINE_SOCKET=$DIR/podman.sock
CAPSTAN_TEST_IMAGE=$IMAGE
CAPSTAN_TEST_REGISTRY=$reg_anon
CAPSTAN_TEST_AUTH_REGISTRY=$reg_auth
CAPSTAN_TEST_REGISTRY_USER=$REGISTRY_USER
CAPSTAN_TEST_REGISTRY_PASSWORD=$password
CAPSTAN_TEST_REGISTRY_REPO=$REPO
CAPSTAN_TEST_PODMAN_ENV=$DIR/podman.env
EOF
  mv "$DIR/env.tmp" "$DIR/env"
  log "ready in $(($(now_ms) - T0)) ms; env: $DIR/env"
}

case $CMD in
  start) do_start ;;
  stop) do_stop ;;
  *) usage ;;
esac
