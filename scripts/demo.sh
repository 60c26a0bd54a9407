#!/usr/bin/env bash
# Run the Flow demo: start the local stack, run Flow (api + runner + s3-bridge) in the
# background, then drive scripts/demo.ts, which loads a customers CSV from S3 into PostgreSQL.
#
# Usage: npm run demo   (or: bash scripts/demo.sh)
#
# Flow's own process is stopped when this script exits. The stack (PostgreSQL, Kafka, moto)
# keeps running for the next run; stop it with `npm run stack:down`.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO_ROOT="$PWD"

API_PORT="${FLOW_API_PORT:-8080}"
HEALTH_URL="http://127.0.0.1:$API_PORT/healthz"
HEALTH_TIMEOUT_SECONDS=60
FLOW_LOG="$REPO_ROOT/.stack/logs/flow-demo.log"
FLOW_PID=""

say() {
  printf '[demo] %s\n' "$*"
}

fail() {
  printf '[demo] ERROR: %s\n' "$*" >&2
  exit 1
}

# shellcheck source=scripts/lib/prepare.sh
. scripts/lib/prepare.sh
export FLOW_DEMO_LOG="$FLOW_LOG"

stop_flow() {
  local status=$?
  if [[ -n "$FLOW_PID" ]] && kill -0 "$FLOW_PID" 2>/dev/null; then
    say "Stopping Flow (process $FLOW_PID)"
    kill -TERM "$FLOW_PID" 2>/dev/null || true
    # Flow stops its consumers and closes its pool on SIGTERM, which gets 15 s before SIGKILL.
    local waited=0
    while kill -0 "$FLOW_PID" 2>/dev/null && ((waited < 30)); do
      sleep 0.5
      waited=$((waited + 1))
    done
    if kill -0 "$FLOW_PID" 2>/dev/null; then
      say "Flow did not stop within 15 s; sending SIGKILL to process $FLOW_PID"
      kill -KILL "$FLOW_PID" 2>/dev/null || true
    fi
  fi
  printf '\n[demo] The stack is still running. Stop it with: npm run stack:down\n'
  exit "$status"
}
trap stop_flow EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

api_healthy() {
  curl --silent --fail --max-time 2 "$HEALTH_URL" >/dev/null
}

# Another process on the port would pass the health check in place of the Flow started here.
if api_healthy; then
  fail "another process already responds on $HEALTH_URL. Stop it, or set FLOW_API_PORT to a free port."
fi

mkdir -p "$(dirname "$FLOW_LOG")"
say "Starting Flow (api, runner, s3-bridge); log: $FLOW_LOG"
node services/cli/src/main.ts start >>"$FLOW_LOG" 2>&1 &
FLOW_PID=$!

# NOTE: /healthz passes as soon as the API listens. The runner and s3-bridge start after it,
# and joining the runner's Kafka consumer groups took 0.2 s to 6.6 s in runs of this demo, so
# the first upload's run can take that much longer than later ones.
deadline=$((SECONDS + HEALTH_TIMEOUT_SECONDS))
until api_healthy; do
  if ! kill -0 "$FLOW_PID" 2>/dev/null; then
    FLOW_PID=""
    printf '[demo] Last lines of %s:\n' "$FLOW_LOG" >&2
    tail -n 20 "$FLOW_LOG" | sed 's/^/    /' >&2
    fail "Flow exited before its API answered on $HEALTH_URL. Read $FLOW_LOG for details."
  fi
  if ((SECONDS >= deadline)); then
    fail "Flow's API did not answer on $HEALTH_URL within $HEALTH_TIMEOUT_SECONDS s. Read $FLOW_LOG for details."
  fi
  sleep 0.5
done
say "Flow is up on http://127.0.0.1:$API_PORT"

node scripts/demo.ts
