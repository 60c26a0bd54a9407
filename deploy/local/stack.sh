#!/usr/bin/env bash
# Start, stop or report the local service stack that Flow's code and tests expect:
# PostgreSQL on 127.0.0.1:55432, Kafka on 127.0.0.1:59092 and moto on 127.0.0.1:55000.
#
# Usage: bash deploy/local/stack.sh up|down|status
#   up      install what is missing, start every service, wait until each passes its health check
#   down    stop every service; data under .stack/ is kept (moto's state is in memory and is lost)
#   status  print each service as up or down; exits 0 only when all are up
#
# Data, logs, pid files and the Kafka jars live in <repo>/.stack/. See deploy/local/README.md.
set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$DEPLOY_DIR/postgres.sh"
source "$DEPLOY_DIR/kafka.sh"
source "$DEPLOY_DIR/moto.sh"

SERVICES=(postgres kafka moto)

# Environment variables read by Flow's code, matching the ports above.
FLOW_ENV=(
  "DATABASE_URL=$PG_URL"
  "KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT"
  "AWS_ENDPOINT_URL=http://127.0.0.1:$MOTO_PORT"
  "AWS_REGION=us-east-1"
  "AWS_ACCESS_KEY_ID=test"
  "AWS_SECRET_ACCESS_KEY=test"
)

usage() {
  printf 'Usage: bash deploy/local/stack.sh up|down|status\n' >&2
  exit 2
}

# Serialize concurrent runs. The lock is on file descriptor 9, which start_detached and pg_ctl
# close in the services they start, so a running service never holds it.
take_lock() {
  mkdir -p "$LOG_DIR" "$RUN_DIR"
  exec 9>"$RUN_DIR/stack.lock"
  if ! flock -w 300 9; then
    printf '[stack] ERROR: another stack.sh run has held %s for 300 s\n' "$RUN_DIR/stack.lock" >&2
    exit 1
  fi
}

print_endpoints() {
  local service
  printf '\nServices:\n'
  for service in "${SERVICES[@]}"; do
    printf '  %-9s %s\n' "$service" "$("${service}_describe")"
  done
  printf '\nEnvironment for Flow (also written to %s):\n' "$STACK_DIR/env"
  printf '  %s\n' "${FLOW_ENV[@]}"
}

cmd_up() {
  local started=$SECONDS
  take_lock
  # PostgreSQL starts and is checked first because pg_ctl waits by itself and takes about a second.
  # Kafka and moto are then launched together and awaited, so their startup times overlap.
  postgres_up
  local kafka_was_healthy=false moto_was_healthy=false
  # The jars also serve Kafka's own tools (kafka-consumer-groups.sh), so this checkout needs them
  # even when a broker started from another checkout already responds on the port.
  if kafka_healthy; then kafka_was_healthy=true; kafka_fetch_jars; else kafka_start; fi
  if moto_healthy; then moto_was_healthy=true; else moto_start; fi
  if $kafka_was_healthy; then log "kafka: already running and healthy"; else kafka_wait; fi
  if $moto_was_healthy; then log "moto: already running and healthy"; else moto_wait; fi

  printf '%s\n' "${FLOW_ENV[@]}" >"$STACK_DIR/env"
  print_endpoints
  printf '\nAll services are up (%d s).\n' $((SECONDS - started))
}

cmd_down() {
  local service status=0
  take_lock
  for service in moto kafka postgres; do
    "${service}_down" || status=1
  done
  return "$status"
}

cmd_status() {
  local service pid all_up=true
  # status must not change the machine, so it does not install kafkajs for the Kafka health check.
  KAFKA_HEALTH_INSTALL=false
  for service in "${SERVICES[@]}"; do
    if "${service}_healthy"; then
      printf '%-9s up    %s\n' "$service" "$("${service}_describe")"
    elif pid="$("${service}_pid")"; then
      printf '%-9s down  (process %s is running but fails its health check; read %s)\n' \
        "$service" "$pid" "$LOG_DIR/$service.log"
      all_up=false
    else
      printf '%-9s down\n' "$service"
      all_up=false
    fi
  done
  $all_up
}

[[ $# -eq 1 ]] || usage
case "$1" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  *) usage ;;
esac
