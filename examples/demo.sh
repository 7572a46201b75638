#!/usr/bin/env bash
# A guided tour of Capstan, for a person at a terminal (about two minutes):
#
#   1. start `capstan serve` on a copy of examples/repo (imported as a Git repository),
#   2. wait until both applications are Synced and Healthy,
#   3. commit a configuration change (v2) and watch the rolling update,
#   4. commit a v3 whose readiness probe fails and watch the automatic rollback,
#   5. send a forged webhook and see it refused,
#   6. stop everything: the workloads (by removing the applications) and the daemon.
#
# It builds nothing: it runs build-release/cli/capstan (scripts/run.sh builds it), or the binary
# named by $CAPSTAN. Everything lives in a temporary folder, removed at the end; only 127.0.0.1 is
# used. Needs git, curl and python3 (scripts/install-deps.sh installs them).
#
#   examples/demo.sh            # or: CAPSTAN=build/cli/capstan examples/demo.sh
#   DEMO_PAUSE=1 examples/demo.sh   # wait for Enter between the steps
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CAPSTAN=${CAPSTAN:-$ROOT/build-release/cli/capstan}
if [[ ! -x $CAPSTAN ]]; then
  echo "demo: no capstan binary at $CAPSTAN" >&2
  echo "demo: build it first (scripts/run.sh builds build-release/), or set CAPSTAN=path" >&2
  exit 1
fi
for tool in git curl python3; do
  command -v "$tool" >/dev/null || { echo "demo: $tool is required" >&2; exit 1; }
done

if [[ -t 1 ]]; then
  BOLD=$'\e[1m' DIM=$'\e[2m' CYAN=$'\e[36m' GREEN=$'\e[32m' RED=$'\e[31m' OFF=$'\e[0m'
else
  BOLD='' DIM='' CYAN='' GREEN='' RED='' OFF=''
fi
step() { printf '\n%s==> %s%s\n' "$BOLD$CYAN" "$*" "$OFF"; if [[ -n ${DEMO_PAUSE:-} ]]; then read -rp "    (Enter to go on) " _; fi; }
say() { printf '    %s\n' "$*"; }
show() { printf '%s$ %s%s\n' "$DIM" "$*" "$OFF"; "$@" 2>&1 | sed 's/^/    /'; }
ok() { printf '    %s%s%s\n' "$GREEN" "$*" "$OFF"; }
fail() { printf '    %s%s%s\n' "$RED" "$*" "$OFF"; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/capstan-demo.XXXXXX")
STATE=$WORK/state
REPO=$STATE/repos/default
DAEMON_PID=""
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
SERVER=http://127.0.0.1:$PORT
# Host ports for the tasks: a window that is free now, so the demo runs beside another daemon.
TASK_PORTS=$(python3 -c '
import random, socket
def free(p):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); return True
    except OSError:
        return False
    finally:
        s.close()
for _ in range(100):
    base = random.randrange(21000, 29000, 100)
    if all(free(p) for p in range(base, base + 20)):
        print(f"{base}-{base + 99}"); break')
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/token"
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/webhook-secret"
chmod 600 "$WORK/token" "$WORK/webhook-secret"
export CAPSTAN_SERVER=$SERVER

# Every task process of this demo: session leaders whose CAPSTAN_TASK_DIR lies under $STATE.
task_pids() {
  python3 - "$STATE/" <<'EOF'
import os, sys
root = sys.argv[1].encode()
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        env = open(f"/proc/{pid}/environ", "rb").read().split(b"\0")
    except OSError:
        continue
    if any(e.startswith(b"CAPSTAN_TASK_DIR=" + root) for e in env) and os.getsid(int(pid)) == int(pid):
        print(pid)
EOF
}

cleanup() {
  local rc=$?
  if [[ -n $DAEMON_PID ]] && kill -0 "$DAEMON_PID" 2>/dev/null; then
    kill -TERM "$DAEMON_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$DAEMON_PID" 2>/dev/null || true
  fi
  local pids
  pids=$(task_pids || true)
  if [[ -n $pids ]]; then
    for p in $pids; do kill -KILL -- "-$p" 2>/dev/null || true; done
  fi
  if ((rc != 0)); then
    echo >&2
    echo "demo: failed (exit $rc); the daemon's log follows" >&2
    tail -n 40 "$WORK/daemon.log" >&2 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for TIMEOUT DESCRIPTION COMMAND...: polls COMMAND (every 0.5 s) until it succeeds.
wait_for() {
  local timeout=$1 what=$2
  shift 2
  local deadline=$((SECONDS + timeout))
  until "$@"; do
    if ((SECONDS >= deadline)); then
      fail "timed out after ${timeout}s waiting for: $what"
      show "$CAPSTAN" status
      return 1
    fi
    sleep 0.5
  done
}

# app_fields APP KEY...: the fields of one snapshot of the application, space-separated.
app_fields() {
  local app=$1
  shift
  curl -fsS "$SERVER/api/v1/apps/$app" 2>/dev/null | python3 -c '
import json, sys
app = json.load(sys.stdin)
out = []
for path in sys.argv[1:]:
    value = app
    for key in path.split("."):
        value = value[int(key)] if isinstance(value, list) else value.get(key, "")
    out.append(str(value))
print(" ".join(out))' "$@" 2>/dev/null || true
}

synced_at() {  # synced_at APP COMMIT: Synced + Healthy at that commit (one snapshot)
  [[ $(app_fields "$1" syncStatus health commit) == "Synced Healthy $2" ]]
}

git_in_repo() {
  GIT_CONFIG_NOSYSTEM=1 HOME=$WORK GIT_AUTHOR_NAME="Demo Person" GIT_AUTHOR_EMAIL=demo@example.com \
    GIT_COMMITTER_NAME="Demo Person" GIT_COMMITTER_EMAIL=demo@example.com \
    git -c commit.gpgsign=false -C "$REPO" "$@"
}

###############################################################################################
step "1. Start the daemon on a copy of examples/repo"
cp -r "$ROOT/examples/repo" "$WORK/example-repo"
say "examples/repo is a plain folder; capstan imports it as a Git repository under the state dir"
say "and follows its branch main. Applications: web (Kubernetes YAML), api (ECS JSON)."
printf '%s$ capstan serve --repo %s --state-dir %s --listen 127.0.0.1:%s --interval 1s --task-ports %s ...%s\n' \
  "$DIM" "$WORK/example-repo" "$STATE" "$PORT" "$TASK_PORTS" "$OFF"
"$CAPSTAN" serve --repo "$WORK/example-repo" --state-dir "$STATE" --listen "127.0.0.1:$PORT" \
  --interval 1s --token-file "$WORK/token" --webhook-secret-file "$WORK/webhook-secret" \
  --task-ports "$TASK_PORTS" \
  >"$WORK/daemon.log" 2>&1 &
DAEMON_PID=$!
wait_for 30 "the daemon to answer /readyz" curl -fs -o /dev/null "$SERVER/readyz"
ok "daemon pid $DAEMON_PID listening on $SERVER"
show sed -n '1,4p' "$WORK/daemon.log"

step "2. Wait until web and api are Synced and Healthy"
V1=$(git_in_repo rev-parse HEAD)
wait_for 180 "web Synced" synced_at web "$V1"
wait_for 180 "api Synced" synced_at api "$V1"
show "$CAPSTAN" status
WEB_PORT=$(grep -E '^\s+port:' "$REPO/apps/web/service.yaml" | head -1 | awk '{print $2}')
say "the web Service (a proxy over the 3 replicas) answers on 127.0.0.1:$WEB_PORT:"
show curl -fsS "http://127.0.0.1:$WEB_PORT/"

step "3. Commit v2: a configuration change, rolled out one replica at a time"
sed -i 's|<h1>Capstan example</h1>|<h1>Capstan example, v2</h1>|' "$REPO/apps/web/config.yaml"
sed -i 's|GREETING: "hello from capstan"|GREETING: "hello again from capstan"|' "$REPO/apps/web/config.yaml"
show git_in_repo --no-pager diff --stat
git_in_repo commit -qam "web: v2 greeting"
V2=$(git_in_repo rev-parse HEAD)
ok "committed $V2"
say "progress (maxSurge 1, maxUnavailable 0: a new replica must be ready before an old one stops):"
deadline=$((SECONDS + 180))
last=""
until synced_at web "$V2"; do
  line=$(curl -fsS "$SERVER/api/v1/apps/web" | python3 -c '
import json, sys
a = json.load(sys.stdin)
w = [x for x in a["workloads"] if x["name"] == "web"][0]
print("sync %-11s health %-11s web: %d/%d updated, %d available, revision %s" % (
    a["syncStatus"], a["health"], w["updated"], w["desired"], w["available"], w["revision"][:12]))')
  [[ $line != "$last" ]] && say "$line" && last=$line
  ((SECONDS < deadline)) || { fail "the rollout did not finish"; exit 1; }
  sleep 0.3
done
ok "web is Synced at $V2"
show "$CAPSTAN" status web
show curl -fsS "http://127.0.0.1:$WEB_PORT/"
say "the rollout as Prometheus sees it:"
show sh -c "curl -fsS $SERVER/metrics | grep -E '^capstan_(rollout_progress_ratio|rollouts_total|workload_replicas)\\{app=\"web\"' | head -8"

step "4. Commit v3: a readiness probe that can never pass -> automatic rollback"
sed -i 's|              path: /$|              path: /no-such-page|' "$REPO/apps/web/deployment.yaml"
sed -i 's|<h1>Capstan example, v2</h1>|<h1>Capstan example, v3</h1>|' "$REPO/apps/web/config.yaml"
show git_in_repo --no-pager diff apps/web/deployment.yaml
git_in_repo commit -qam "web: v3 with a broken readiness probe"
V3=$(git_in_repo rev-parse HEAD)
ok "committed $V3"
say "the new replica fails its readiness probe (404); capstan stops it and rolls back to v2:"
rolled_back() {
  [[ $(app_fields web seenCommit syncStatus health workloads.0.rolloutPhase) == "$V3 Failed Healthy RolledBack" ]]
}
wait_for 180 "the automatic rollback" rolled_back
show "$CAPSTAN" status web
show sh -c "\"$CAPSTAN\" events --limit 200 | grep -E 'Unhealthy|RolloutFailed|RollingBack|RolledBack|StatusChanged' | tail -n 8"
say "the service still answers v2:"
show curl -fsS "http://127.0.0.1:$WEB_PORT/"
show "$CAPSTAN" history web
say "the failed revision is remembered and not retried until its content changes."

step "5. A forged push webhook is refused"
BODY='{"ref":"refs/heads/main","after":"'$V3'","repository":{"clone_url":"'$REPO'"}}'
say "signed with the wrong secret:"
show curl -sS -o /dev/null -w 'HTTP %{http_code}\n' -X POST "$SERVER/hooks/github" \
  -H 'X-GitHub-Event: push' -H 'X-GitHub-Delivery: demo-forged' \
  -H "X-Hub-Signature-256: sha256=$(printf '%s' "$BODY" | python3 -c '
import hashlib, hmac, sys
print(hmac.new(b"not-the-secret", sys.stdin.buffer.read(), hashlib.sha256).hexdigest())')" \
  -d "$BODY"
show sh -c "grep 'webhook github refused' '$WORK/daemon.log' | tail -n 1"
show sh -c "curl -fsS $SERVER/metrics | grep '^capstan_webhook_requests_total' | grep -v ' 0$'"
say "a mutating API call without the bearer token is refused too:"
show sh -c "CAPSTAN_TOKEN= \"$CAPSTAN\" rollback web; echo \"exit code \$?\""

step "6. Stop: remove the applications (their tasks are stopped), then the daemon"
say "(an apps/ folder that disappears is an error, not a request to delete everything: keep it)"
git_in_repo rm -rq apps/web apps/api
mkdir -p "$REPO/apps" && touch "$REPO/apps/.keep"
git_in_repo add apps/.keep
git_in_repo commit -qm "remove the demo applications"
show git_in_repo --no-pager show --stat --format=%s HEAD
no_tasks() { [[ -z $(task_pids) ]]; }
wait_for 60 "the workloads to stop" no_tasks
ok "every task stopped (pruned)"
kill -TERM "$DAEMON_PID"
wait "$DAEMON_PID" && ok "daemon stopped (exit 0)" || fail "daemon exit code $?"
DAEMON_PID=""
show tail -n 3 "$WORK/daemon.log"
printf '\n%sDone.%s Run it yourself: scripts/run.sh, then commit under ~/.local/state/capstan/repos/default.\n' "$BOLD" "$OFF"
