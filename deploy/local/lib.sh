# Shared paths and helpers for the local service stack. Sourced by stack.sh and the service scripts.

DEPLOY_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$DEPLOY_DIR/../.." && pwd)"
STACK_DIR="$REPO_ROOT/.stack"
LOG_DIR="$STACK_DIR/logs"
RUN_DIR="$STACK_DIR/run"

log() {
  printf '[stack] %s\n' "$*"
}

warn() {
  printf '[stack] WARNING: %s\n' "$*" >&2
}

# Print an error naming the service and its log file, show the end of that log, and exit 1.
fail_service() {
  local service="$1" log_file="$2" message="$3"
  printf '[stack] ERROR: %s: %s\n' "$service" "$message" >&2
  if [[ -n "$log_file" ]]; then
    printf '[stack] Read %s for details. Its last lines:\n' "$log_file" >&2
    if [[ -f "$log_file" ]]; then
      tail -n 20 "$log_file" | sed 's/^/    /' >&2
    else
      printf '    (the log file does not exist)\n' >&2
    fi
  fi
  exit 1
}

# Run CHECK (a function or command) every half second until it succeeds or TIMEOUT seconds pass.
# Stops early with status 2 when PID is given and that process has exited.
wait_until() {
  local timeout="$1" pid="$2"
  shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
      return 2
    fi
    if ((SECONDS >= deadline)); then
      return 1
    fi
    sleep 0.5
  done
}

# Succeed when something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Print the pid stored in .stack/run/NAME.pid when that process is alive and its command line
# contains MARKER, so a pid reused by an unrelated process is never taken for ours.
read_live_pid() {
  local name="$1" marker="$2" pid_file="$RUN_DIR/$1.pid" pid
  [[ -f "$pid_file" ]] || return 1
  pid="$(<"$pid_file")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$marker" || return 1
  printf '%s\n' "$pid"
}

# Print the pid that start_detached wrote to .stack/run/NAME.pid without checking the command line.
# Right after the start the child may not have run exec yet, so read_live_pid would not match it.
read_started_pid() {
  local pid_file="$RUN_DIR/$1.pid" pid
  [[ -f "$pid_file" ]] || return 1
  pid="$(<"$pid_file")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  printf '%s\n' "$pid"
}

# Send SIGTERM to PID and wait up to TIMEOUT seconds for it to exit. Sends SIGKILL after that.
stop_pid() {
  local service="$1" pid="$2" timeout="$3"
  kill -TERM "$pid" 2>/dev/null || return 0
  if wait_until "$timeout" "" bash -c "! kill -0 $pid"; then
    return 0
  fi
  warn "$service (pid $pid) did not stop within ${timeout}s of SIGTERM; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  wait_until 10 "" bash -c "! kill -0 $pid" || true
}

# Start a command detached from this shell (own session, stdin closed, output appended to LOG_FILE)
# and write its pid to .stack/run/NAME.pid. The process keeps running after stack.sh exits.
# File descriptor 9 (stack.sh's lock) is closed so the service never holds the lock.
start_detached() {
  local name="$1" log_file="$2"
  shift 2
  printf '===== %s: started by deploy/local/stack.sh =====\n' "$(date -Is)" >>"$log_file"
  setsid nohup "$@" >>"$log_file" 2>&1 </dev/null 9>&- &
  printf '%s\n' "$!" >"$RUN_DIR/$name.pid"
}
