#!/bin/sh
# Starts a Kafka node or ZooKeeper from a file rendered by pulumi/kafka-config (renderKafkaFiles).
# The same script runs in the cluster (from the kafka-config ConfigMap, in the
# apache/kafka image) and on the development machine (scripts/infra.sh).
#
#   start.sh kafka|zookeeper TEMPLATE WORK_DIR
#
# POD_NAME          the pod's name; its ordinal suffix (kafka-2 -> 2) replaces @NODE_ID@
# KAFKA_LIBS        directory of the Kafka jars
# KAFKA_LOG4J       log4j configuration file
# KAFKA_HEAP_OPTS   heap options; KAFKA_JVM_OPTS further JVM options
# KAFKA_CLUSTER_ID  KRaft only: formats an empty data directory on first start
# KAFKA_USERS_DIR   kafka only: one file per SCRAM user, named after it, holding its
#                   password; ZooKeeper mode sets them in ZooKeeper before every start,
#                   KRaft mode when it formats the data directory
# JAVA              java executable (default: java)
set -eu
role="${1:?role}" template="${2:?template}" work="${3:?work dir}"
ordinal="${POD_NAME##*-}"
case "$ordinal" in
  '' | *[!0-9]*) echo "start.sh: POD_NAME '${POD_NAME}' does not end in an ordinal" >&2; exit 2 ;;
esac
mkdir -p "$work"
config="$work/$role.properties"
sed "s/@NODE_ID@/$ordinal/g" "$template" >"$config"

java="${JAVA:-java}"
opts="${KAFKA_HEAP_OPTS:-} ${KAFKA_JVM_OPTS:-} -Dlog4j.configuration=file:${KAFKA_LOG4J:?KAFKA_LOG4J}"
classpath="${KAFKA_LIBS:?KAFKA_LIBS}/*"
case "$role" in
  zookeeper) main=org.apache.zookeeper.server.quorum.QuorumPeerMain ;;
  kafka)
    main=kafka.Kafka
    users="${KAFKA_USERS_DIR:?KAFKA_USERS_DIR}"
    # The tools' own JVMs: a small heap.
    tool_opts="-Xmx96m -Dlog4j.configuration=file:${KAFKA_LOG4J}"
    for file in "$users"/*; do
      [ -f "$file" ] || continue
      # The SCRAM syntax [name=N,password=P] has no escaping.
      case "$(basename "$file")$(cat "$file")" in
        *[!A-Za-z0-9_.-]*) echo "start.sh: user $(basename "$file"): names and passwords are letters, digits, _ . -" >&2; exit 2 ;;
      esac
    done
    logs="$(sed -n 's/^log\.dirs=//p' "$config")"
    if grep -q '^process\.roles=' "$config"; then
      if [ ! -f "$logs/meta.properties" ]; then
        set --
        for file in "$users"/*; do
          [ -f "$file" ] && set -- "$@" --add-scram "SCRAM-SHA-512=[name=$(basename "$file"),password=$(cat "$file")]"
        done
        # shellcheck disable=SC2086
        # --cluster-id=ID in one word: an id given as the next word is read as an option when it starts with -.
        "$java" $tool_opts -cp "$classpath" kafka.tools.StorageTool format --ignore-formatted \
          "--cluster-id=${KAFKA_CLUSTER_ID:?KAFKA_CLUSTER_ID}" -c "$config" "$@"
      fi
    else
      zookeeper="$(sed -n 's/^zookeeper\.connect=//p' "$config")"
      for file in "$users"/*; do
        [ -f "$file" ] || continue
        # shellcheck disable=SC2086
        "$java" $tool_opts -cp "$classpath" kafka.admin.ConfigCommand --zookeeper "$zookeeper" --alter --entity-type users \
          --entity-name "$(basename "$file")" --add-config "SCRAM-SHA-512=[password=$(cat "$file")]" >/dev/null \
          || { echo "start.sh: could not set the SCRAM user $(basename "$file") in ZooKeeper" >&2; exit 1; }
      done
    fi
    ;;
  *) echo "start.sh: the role is kafka or zookeeper, not '$role'" >&2; exit 2 ;;
esac
# shellcheck disable=SC2086
exec "$java" $opts -cp "$classpath" "$main" "$config"
