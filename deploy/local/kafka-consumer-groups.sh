#!/usr/bin/env bash
# Run Kafka's consumer group tool (kafka-consumer-groups) with the jars of the local stack.
# All arguments are passed through, for example:
#   bash deploy/local/kafka-consumer-groups.sh --bootstrap-server 127.0.0.1:59092 --describe --group my-group
# Needs the jars that `stack.sh up` copies to .stack/kafka/libs.
set -euo pipefail

DEPLOY_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LIBS="$DEPLOY_DIR/../../.stack/kafka/libs"

if ! compgen -G "$LIBS/kafka-tools-*.jar" >/dev/null; then
  printf "ERROR: no Kafka jars in %s; run 'bash deploy/local/stack.sh up' first\n" "$LIBS" >&2
  exit 1
fi

# Kafka 4.x ships the command in the kafka-tools jar. Older releases have it in the broker jar as
# kafka.admin.ConsumerGroupCommand. A jar stores its file names uncompressed, so grep finds the class.
TOOLS_CLASS=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand
if ! grep -q "${TOOLS_CLASS//.//}.class" "$LIBS"/kafka-tools-*.jar; then
  TOOLS_CLASS=kafka.admin.ConsumerGroupCommand
fi

exec java -Xmx256m -Dlog4j2.configurationFile="$DEPLOY_DIR/kafka/tools-log4j2.xml" \
  -cp "$LIBS/*" "$TOOLS_CLASS" "$@"
