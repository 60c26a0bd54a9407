# PostgreSQL for the local stack: a private cluster under .stack/postgres on 127.0.0.1:55432.
# Sourced by stack.sh after lib.sh. Uses Debian's packages and the newest installed major version.

PG_PORT=55432
PG_DIR="$STACK_DIR/postgres"
PG_DATA="$PG_DIR/data"
PG_SOCKET_DIR="$RUN_DIR/postgres"
PG_LOG="$LOG_DIR/postgres.log"
PG_URL="postgres://flow:flow@127.0.0.1:$PG_PORT/flow"

# The server refuses to run as root, so as root it runs as the postgres OS user from Debian's package.
if [[ $EUID -eq 0 ]]; then
  PG_OS_USER=postgres
else
  PG_OS_USER="$(id -un)"
fi

# The postgres OS user must enter every folder above the cluster. A checkout it cannot enter (one
# under /root, mode 0700) keeps the cluster, its socket and its log under /var/lib/flow-stack.
if [[ $EUID -eq 0 ]] && id "$PG_OS_USER" >/dev/null 2>&1 && ! runuser -u "$PG_OS_USER" -- test -x "$REPO_ROOT" 2>/dev/null; then
  PG_OUTSIDE_DIR="/var/lib/flow-stack/$(printf '%s' "$REPO_ROOT" | sha256sum | cut -c1-16)"
  PG_DIR="$PG_OUTSIDE_DIR/postgres"
  PG_DATA="$PG_DIR/data"
  PG_SOCKET_DIR="$PG_OUTSIDE_DIR/run"
  PG_LOG="$PG_OUTSIDE_DIR/postgres.log"
fi

# Print the bin folder of the newest installed PostgreSQL major version.
pg_bin_dir() {
  local server
  server="$(printf '%s\n' /usr/lib/postgresql/*/bin/postgres | sort -V | tail -n 1)"
  [[ -x "$server" ]] || return 1
  dirname "$server"
}

pg_as_owner() {
  if [[ $EUID -eq 0 ]]; then
    runuser -u "$PG_OS_USER" -- "$@"
  else
    "$@"
  fi
}

postgres_healthy() {
  PGCONNECT_TIMEOUT=3 psql -X -q -t -A "$PG_URL" -c 'select 1' 2>/dev/null | grep -qx 1
}

postgres_install() {
  if pg_bin_dir >/dev/null; then
    return 0
  fi
  if [[ $EUID -ne 0 ]]; then
    fail_service postgres "" "no /usr/lib/postgresql/*/bin/postgres found; run as root or install the postgresql package"
  fi
  local install_log="$LOG_DIR/postgres-install.log"
  log "postgres: installing Debian's postgresql package (log: $install_log)"
  # A fresh machine may have no or stale package lists, so a failed install is retried after an update.
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >"$install_log" 2>&1; then
    log "postgres: apt-get install failed; running apt-get update and trying again"
    if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql; } >>"$install_log" 2>&1; then
      fail_service postgres "$install_log" "apt-get install postgresql failed"
    fi
  fi
  pg_bin_dir >/dev/null || fail_service postgres "$LOG_DIR/postgres-install.log" \
    "the postgresql package installed no /usr/lib/postgresql/*/bin/postgres"
}

postgres_init_cluster() {
  local bin_dir="$1"
  if ! id "$PG_OS_USER" >/dev/null 2>&1; then
    fail_service postgres "" "OS user '$PG_OS_USER' does not exist; reinstall the postgresql package to create it"
  fi
  mkdir -p "$PG_DIR" "$PG_SOCKET_DIR" "$(dirname "$PG_LOG")"
  touch "$PG_LOG"
  chown "$PG_OS_USER:" "$PG_DIR" "$PG_SOCKET_DIR" "$PG_LOG"
  chmod 700 "$PG_SOCKET_DIR"
  if ! pg_as_owner test -w "$PG_DIR"; then
    fail_service postgres "" "OS user '$PG_OS_USER' cannot write $PG_DIR; a parent folder of the checkout lacks the x permission for other users (move the checkout or chmod o+x that folder)"
  fi

  if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
    log "postgres: creating a cluster in $PG_DATA"
    # Only the postgres OS user can reach the socket (0700 folder), so local trust auth stays private.
    if ! pg_as_owner "$bin_dir/initdb" -D "$PG_DATA" -U postgres --encoding=UTF8 --no-locale \
      --auth-local=trust --auth-host=scram-sha-256 >>"$PG_LOG" 2>&1; then
      fail_service postgres "$PG_LOG" "initdb failed"
    fi
    printf "\ninclude 'flow.conf'\n" >>"$PG_DATA/postgresql.conf"
  fi

  local installed_major cluster_major
  installed_major="$(basename "$(dirname "$bin_dir")")"
  cluster_major="$(<"$PG_DATA/PG_VERSION")"
  if [[ "$installed_major" != "$cluster_major" ]]; then
    fail_service postgres "" "the cluster in $PG_DATA was created by PostgreSQL $cluster_major but the newest installed server is $installed_major; install postgresql-$cluster_major or delete $PG_DATA"
  fi

  # Rewritten on every start so that changes here take effect after `stack.sh down && stack.sh up`.
  pg_as_owner tee "$PG_DATA/flow.conf" >/dev/null <<EOF
# Written by deploy/local/postgres.sh on every start; edit that script instead.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_SOCKET_DIR'
unix_socket_permissions = 0700
max_connections = 200
wal_level = logical
max_replication_slots = 10
max_wal_senders = 10
EOF
}

# Create the flow role and databases. Safe to repeat: existing databases are kept, and the flow
# role's attributes and password are set again to the values below.
postgres_bootstrap() {
  pg_as_owner psql -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U postgres -d postgres >>"$PG_LOG" 2>&1 <<'EOF'
SELECT format('CREATE ROLE flow LOGIN SUPERUSER REPLICATION PASSWORD %L', 'flow')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'flow') \gexec
ALTER ROLE flow LOGIN SUPERUSER REPLICATION PASSWORD 'flow';
SELECT 'CREATE DATABASE flow OWNER flow'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'flow') \gexec
SELECT 'CREATE DATABASE flow_source OWNER flow'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'flow_source') \gexec
EOF
}

postgres_up() {
  if postgres_healthy; then
    log "postgres: already running and healthy"
    return 0
  fi
  postgres_install
  local bin_dir
  bin_dir="$(pg_bin_dir)"
  postgres_init_cluster "$bin_dir"

  if ! pg_as_owner "$bin_dir/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    if port_open "$PG_PORT"; then
      fail_service postgres "" "port $PG_PORT on 127.0.0.1 is already used by another process (see: ss -ltnp 'sport = :$PG_PORT')"
    fi
    log "postgres: starting PostgreSQL $(basename "$(dirname "$bin_dir")") on 127.0.0.1:$PG_PORT"
    # 9>&-: the server must not inherit stack.sh's lock file descriptor.
    if ! pg_as_owner "$bin_dir/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -w -t 60 start >/dev/null 9>&-; then
      fail_service postgres "$PG_LOG" "the server did not start within 60 s"
    fi
  fi
  head -n 1 "$PG_DATA/postmaster.pid" >"$RUN_DIR/postgres.pid"

  if ! postgres_bootstrap; then
    fail_service postgres "$PG_LOG" "creating the flow role and databases failed"
  fi
  if ! wait_until 30 "" postgres_healthy; then
    fail_service postgres "$PG_LOG" "health check 'psql $PG_URL -c \"select 1\"' failed for 30 s"
  fi
  log "postgres: healthy"
}

postgres_down() {
  local bin_dir
  if [[ ! -f "$PG_DATA/postmaster.pid" ]] || ! bin_dir="$(pg_bin_dir)"; then
    log "postgres: not running"
    rm -f "$RUN_DIR/postgres.pid"
    return 0
  fi
  if pg_as_owner "$bin_dir/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    log "postgres: stopping"
    if ! pg_as_owner "$bin_dir/pg_ctl" -D "$PG_DATA" -m fast -w -t 60 stop >/dev/null; then
      warn "postgres: pg_ctl stop did not finish within 60 s; read $PG_LOG"
      return 1
    fi
  else
    log "postgres: not running"
  fi
  rm -f "$RUN_DIR/postgres.pid"
}

postgres_pid() {
  read_live_pid postgres "$PG_DATA"
}

postgres_describe() {
  printf '127.0.0.1:%s (data %s, log %s)' "$PG_PORT" "$PG_DATA" "$PG_LOG"
}
