# Apache Kafka for the local stack: one KRaft node (broker and controller in one JVM) on
# 127.0.0.1:59092, run from jars that Maven fetches into .stack/kafka/libs.
# Sourced by stack.sh after lib.sh.

KAFKA_PORT=59092
KAFKA_CONTROLLER_PORT=59093
KAFKA_POM="$DEPLOY_DIR/kafka/pom.xml"
KAFKA_DIR="$STACK_DIR/kafka"
KAFKA_LIBS="$KAFKA_DIR/libs"
KAFKA_DATA="$KAFKA_DIR/data"
KAFKA_CONFIG="$KAFKA_DIR/server.properties"
KAFKA_LOG="$LOG_DIR/kafka.log"
KAFKA_MAVEN_LOG="$LOG_DIR/kafka-maven.log"
KAFKA_START_TIMEOUT=120
KAFKA_STOP_TIMEOUT=60
KAFKAJS_VERSION=2.2.4

kafka_version() {
  sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$KAFKA_POM"
}

# Copy the jars unless .stack/kafka/libs already contains a complete copy made from the current pom.xml.
kafka_fetch_jars() {
  local pom_hash marker="$KAFKA_LIBS/.pom-sha256"
  pom_hash="$(sha256sum "$KAFKA_POM" | cut -d' ' -f1)"
  if [[ -f "$marker" && "$(<"$marker")" == "$pom_hash" ]]; then
    return 0
  fi
  log "kafka: fetching Kafka $(kafka_version) jars with Maven (log: $KAFKA_MAVEN_LOG)"
  rm -rf "$KAFKA_LIBS"
  mkdir -p "$KAFKA_LIBS"
  if ! mvn -B -q -f "$KAFKA_POM" dependency:copy-dependencies \
    -DoutputDirectory="$KAFKA_LIBS" -DincludeScope=runtime >"$KAFKA_MAVEN_LOG" 2>&1; then
    fail_service kafka "$KAFKA_MAVEN_LOG" "mvn dependency:copy-dependencies failed"
  fi
  printf '%s\n' "$pom_hash" >"$marker"
}

kafka_java() {
  java -cp "$KAFKA_LIBS/*" "$@"
}

kafka_write_config() {
  mkdir -p "$KAFKA_DIR"
  cat >"$KAFKA_CONFIG" <<EOF
# Written by deploy/local/kafka.sh on every start; edit that script instead.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
log.dirs=$KAFKA_DATA

# A single node cannot hold more than one replica of the internal topics.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
num.partitions=3
EOF
}

# Format the storage once. meta.properties records the cluster id, so later starts reuse the data.
kafka_format_storage() {
  if [[ -f "$KAFKA_DATA/meta.properties" ]]; then
    return 0
  fi
  local cluster_id
  if ! cluster_id="$(kafka_java -Dlog4j2.configurationFile="$DEPLOY_DIR/kafka/tools-log4j2.xml" \
    kafka.tools.StorageTool random-uuid 2>>"$KAFKA_LOG")"; then
    fail_service kafka "$KAFKA_LOG" "kafka.tools.StorageTool random-uuid failed"
  fi
  log "kafka: formatting $KAFKA_DATA with cluster id $cluster_id"
  if ! kafka_java -Dlog4j2.configurationFile="$DEPLOY_DIR/kafka/tools-log4j2.xml" \
    kafka.tools.StorageTool format --cluster-id "$cluster_id" --config "$KAFKA_CONFIG" >>"$KAFKA_LOG" 2>&1; then
    fail_service kafka "$KAFKA_LOG" "kafka.tools.StorageTool format failed"
  fi
}

# Set KAFKA_HEALTH_MODE to node (kafka-health.mjs with kafkajs) or java (TopicCommand --list).
# kafkajs comes from the repo's node_modules, else from .stack/tools, where it is installed on
# demand unless KAFKA_HEALTH_INSTALL is false.
kafka_choose_health_check() {
  [[ -n "${KAFKA_HEALTH_MODE:-}" ]] && return 0
  KAFKA_HEALTH_MODE=java
  if ! command -v node >/dev/null; then
    return 0
  fi
  if [[ -f "$REPO_ROOT/node_modules/kafkajs/package.json" ]]; then
    KAFKA_HEALTH_MODE=node
    return 0
  fi
  local tools_dir="$STACK_DIR/tools"
  if [[ ! -f "$tools_dir/node_modules/kafkajs/package.json" ]]; then
    [[ "${KAFKA_HEALTH_INSTALL:-true}" == true ]] || return 0
    log "kafka: installing kafkajs $KAFKAJS_VERSION into $tools_dir for the health check"
    if ! npm install --prefix "$tools_dir" --no-audit --no-fund "kafkajs@$KAFKAJS_VERSION" \
      >"$LOG_DIR/kafkajs-install.log" 2>&1; then
      warn "kafka: npm install kafkajs failed (see $LOG_DIR/kafkajs-install.log); using the slower Java health check"
      return 0
    fi
  fi
  export KAFKAJS_PATH="$tools_dir/node_modules/kafkajs"
  KAFKA_HEALTH_MODE=node
}

kafka_healthy() {
  kafka_choose_health_check
  if [[ "$KAFKA_HEALTH_MODE" == node ]]; then
    KAFKA_BROKERS="127.0.0.1:$KAFKA_PORT" node "$DEPLOY_DIR/kafka-health.mjs" >/dev/null 2>&1
  else
    [[ -f "$KAFKA_LIBS/.pom-sha256" ]] || return 1
    kafka_java -Dlog4j2.configurationFile="$DEPLOY_DIR/kafka/tools-log4j2.xml" \
      org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$KAFKA_PORT" --list >/dev/null 2>&1
  fi
}

kafka_pid() {
  read_live_pid kafka "$KAFKA_CONFIG"
}

# Launch the broker without waiting for it. Returns at once when it is already running.
kafka_start() {
  if kafka_pid >/dev/null; then
    return 0
  fi
  kafka_fetch_jars
  kafka_write_config
  kafka_format_storage
  if port_open "$KAFKA_PORT" || port_open "$KAFKA_CONTROLLER_PORT"; then
    fail_service kafka "" "port $KAFKA_PORT or $KAFKA_CONTROLLER_PORT on 127.0.0.1 is already used by another process (see: ss -ltnp)"
  fi
  log "kafka: starting Kafka $(kafka_version) on 127.0.0.1:$KAFKA_PORT (controller 127.0.0.1:$KAFKA_CONTROLLER_PORT)"
  start_detached kafka "$KAFKA_LOG" java -Xms256m -Xmx1g -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$DEPLOY_DIR/kafka/log4j2.xml" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_CONFIG"
}

kafka_wait() {
  local pid status=0
  pid="$(read_started_pid kafka)" || fail_service kafka "" "missing or invalid pid file $RUN_DIR/kafka.pid"
  wait_until "$KAFKA_START_TIMEOUT" "$pid" kafka_healthy || status=$?
  case "$status" in
    0) log "kafka: healthy" ;;
    2) fail_service kafka "$KAFKA_LOG" "the broker process (pid $pid) exited during startup" ;;
    *) fail_service kafka "$KAFKA_LOG" "no metadata response from 127.0.0.1:$KAFKA_PORT within ${KAFKA_START_TIMEOUT}s; the process (pid $pid) is still running, stop it with 'stack.sh down'" ;;
  esac
}

kafka_down() {
  local pid
  if ! pid="$(kafka_pid)"; then
    log "kafka: not running"
    rm -f "$RUN_DIR/kafka.pid"
    return 0
  fi
  log "kafka: stopping (pid $pid, controlled shutdown can take several seconds)"
  stop_pid kafka "$pid" "$KAFKA_STOP_TIMEOUT"
  rm -f "$RUN_DIR/kafka.pid"
}

kafka_describe() {
  printf '127.0.0.1:%s, Kafka %s KRaft (data %s, log %s)' "$KAFKA_PORT" "$(kafka_version)" "$KAFKA_DATA" "$KAFKA_LOG"
}
