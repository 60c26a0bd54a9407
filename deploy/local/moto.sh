# moto server for the local stack: in-memory S3, SQS, STS and IAM on 127.0.0.1:55000.
# Sourced by stack.sh after lib.sh.

MOTO_PORT=55000
# The version checked by deploy/local/moto-notification-check.py, whose results are in
# deploy/local/README.md. Other versions format notifications differently (5.2.1 writes eventTime
# without a time zone).
MOTO_VERSION=5.2.5
MOTO_VENV="$STACK_DIR/moto/venv"
MOTO_LOG="$LOG_DIR/moto.log"
MOTO_INSTALL_LOG="$LOG_DIR/moto-install.log"
MOTO_START_TIMEOUT=60
MOTO_STOP_TIMEOUT=15

# Succeed when the interpreter $1 has moto at exactly MOTO_VERSION plus the server's Flask extras.
# Looks the packages up without importing them, because importing moto.server takes about a second.
moto_python_ready() {
  "$1" - "$MOTO_VERSION" >/dev/null 2>&1 <<'PYTHON'
import importlib.metadata
import importlib.util
import sys

version_matches = importlib.metadata.version("moto") == sys.argv[1]
extras_present = all(importlib.util.find_spec(name) for name in ("flask", "flask_cors"))
sys.exit(0 if version_matches and extras_present else 1)
PYTHON
}

# Set MOTO_PYTHON to the interpreter that runs moto: python3 when it already has the pinned version
# with the server extras, else the virtualenv under .stack that moto_install fills.
moto_find_python() {
  if moto_python_ready python3; then
    MOTO_PYTHON=python3
  elif [[ -x "$MOTO_VENV/bin/python" ]] && moto_python_ready "$MOTO_VENV/bin/python"; then
    MOTO_PYTHON="$MOTO_VENV/bin/python"
  else
    return 1
  fi
}

moto_install() {
  if moto_find_python; then
    return 0
  fi
  # The pinned version goes into a virtualenv and never into the system Python, because Debian marks
  # that one as externally managed and replacing a preinstalled moto could break its other users.
  log "moto: installing moto[server]==$MOTO_VERSION into $MOTO_VENV (log: $MOTO_INSTALL_LOG)"
  : >"$MOTO_INSTALL_LOG"
  if [[ ! -x "$MOTO_VENV/bin/pip" ]] && ! python3 -m venv "$MOTO_VENV" >>"$MOTO_INSTALL_LOG" 2>&1; then
    if [[ $EUID -ne 0 ]]; then
      fail_service moto "$MOTO_INSTALL_LOG" "python3 -m venv failed; install the python3-venv package"
    fi
    log "moto: python3 -m venv failed; installing Debian's python3-venv package"
    rm -rf "$MOTO_VENV"
    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y python3-venv >>"$MOTO_INSTALL_LOG" 2>&1; then
      fail_service moto "$MOTO_INSTALL_LOG" "apt-get install python3-venv failed"
    fi
    if ! python3 -m venv "$MOTO_VENV" >>"$MOTO_INSTALL_LOG" 2>&1; then
      fail_service moto "$MOTO_INSTALL_LOG" "python3 -m venv $MOTO_VENV failed"
    fi
  fi
  if ! "$MOTO_VENV/bin/pip" install --disable-pip-version-check "moto[server]==$MOTO_VERSION" \
    >>"$MOTO_INSTALL_LOG" 2>&1; then
    fail_service moto "$MOTO_INSTALL_LOG" "pip install moto[server]==$MOTO_VERSION failed"
  fi
  moto_find_python ||
    fail_service moto "$MOTO_INSTALL_LOG" "moto $MOTO_VERSION with its server extras is missing after pip install"
}

# Send S3 ListBuckets. moto routes a request by the service named in the credential scope and does
# not verify the signature.
moto_healthy() {
  python3 - "$MOTO_PORT" >/dev/null 2>&1 <<'PYTHON'
import sys
import urllib.request

request = urllib.request.Request(
    f"http://127.0.0.1:{sys.argv[1]}/",
    headers={
        "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, "
        "SignedHeaders=host, Signature=0"
    },
)
with urllib.request.urlopen(request, timeout=3) as response:
    body = response.read()
sys.exit(0 if response.status == 200 and b"ListAllMyBucketsResult" in body else 1)
PYTHON
}

moto_pid() {
  read_live_pid moto "moto.server -H 127.0.0.1 -p $MOTO_PORT"
}

# Launch moto without waiting for it. Returns at once when it is already running.
moto_start() {
  if moto_pid >/dev/null; then
    return 0
  fi
  moto_install
  if port_open "$MOTO_PORT"; then
    fail_service moto "" "port $MOTO_PORT on 127.0.0.1 is already used by another process (see: ss -ltnp 'sport = :$MOTO_PORT')"
  fi
  log "moto: starting moto $MOTO_VERSION on 127.0.0.1:$MOTO_PORT"
  # Dummy credentials keep any AWS SDK code inside moto from looking for real ones.
  start_detached moto "$MOTO_LOG" env AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 \
    "$MOTO_PYTHON" -m moto.server -H 127.0.0.1 -p "$MOTO_PORT"
}

moto_wait() {
  local pid status=0
  pid="$(read_started_pid moto)" || fail_service moto "" "missing or invalid pid file $RUN_DIR/moto.pid"
  wait_until "$MOTO_START_TIMEOUT" "$pid" moto_healthy || status=$?
  case "$status" in
    0) log "moto: healthy" ;;
    2) fail_service moto "$MOTO_LOG" "the moto server process (pid $pid) exited during startup" ;;
    *) fail_service moto "$MOTO_LOG" "S3 ListBuckets on 127.0.0.1:$MOTO_PORT failed for ${MOTO_START_TIMEOUT}s; the process (pid $pid) is still running, stop it with 'stack.sh down'" ;;
  esac
}

moto_down() {
  local pid
  if ! pid="$(moto_pid)"; then
    log "moto: not running"
    rm -f "$RUN_DIR/moto.pid"
    return 0
  fi
  log "moto: stopping (pid $pid); its in-memory state is lost"
  stop_pid moto "$pid" "$MOTO_STOP_TIMEOUT"
  rm -f "$RUN_DIR/moto.pid"
}

moto_describe() {
  printf 'http://127.0.0.1:%s, moto %s (S3, SQS, STS, IAM; in memory; log %s)' "$MOTO_PORT" "$MOTO_VERSION" "$MOTO_LOG"
}
