#!/usr/bin/env bash
# Local infrastructure on loopback: real Apache Kafka (ZooKeeper mode, or KRaft with
# --kraft / KAFKA_MODE=kraft) from Maven Central jars, and PostgreSQL (the machine's if
# 127.0.0.1:$PGPORT answers, otherwise one of our own from Debian's package).
#
#   scripts/infra.sh fetch               download the Kafka jars into .cache/kafka/lib
#   scripts/infra.sh up [--kraft]        start what is not running, wait until it answers
#   scripts/infra.sh down                stop exactly what this script started
#   scripts/infra.sh status              what runs, by pid
#   scripts/infra.sh stop|start kafka|zookeeper|postgres   one component (fault tests)
#   scripts/infra.sh restart kafka|postgres                 (the machine's PostgreSQL too)
#   scripts/infra.sh clean               down, then delete data and logs
#
# Everything lives under .cache/ (git-ignored). Every process started is recorded
# by pid in .cache/infra/run and only those are ever stopped.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$ROOT/.cache"
KAFKA_LIB="$CACHE/kafka/lib"
INFRA="$CACHE/infra"
RUN="$INFRA/run"
LOGS="$INFRA/logs"
DATA="$INFRA/data"

ZK_PORT="${ZK_PORT:-2181}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
PGHOST="${PGHOST:-127.0.0.1}"
PGPORT="${PGPORT:-5432}"
PGUSER="${PGUSER:-postgres}"
KAFKA_MODE="${KAFKA_MODE:-zookeeper}"
KAFKA_HEAP="${KAFKA_HEAP:--Xms256m -Xmx768m}"
ZK_HEAP="${ZK_HEAP:--Xms64m -Xmx192m}"
SERVICE_DATABASES="${SERVICE_DATABASES:-order_service payment_service inventory_service}"

log() { printf '[infra] %s\n' "$*" >&2; }
die() { printf '[infra] error: %s\n' "$*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

pid_alive() {
  local name="$1" pidfile="$RUN/$1.pid"
  [[ -f "$pidfile" ]] || return 1
  local pid; pid="$(cat "$pidfile")"
  kill -0 "$pid" 2>/dev/null || return 1
  # Guard against pid reuse: the process must still be the one we started.
  grep -qa -- "$(cat "$RUN/$name.marker" 2>/dev/null || echo __none__)" "/proc/$pid/cmdline" 2>/dev/null
}

wait_for() { # description timeout_s command...
  local what="$1" timeout="$2"; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
  log "$what is up"
}

java_bin() { command -v java || die "java not found (Java 17 is required)"; }

fetch() {
  if [[ -f "$KAFKA_LIB/.complete" ]]; then return 0; fi
  command -v mvn >/dev/null || die "mvn not found (Maven fetches the Kafka jars)"
  log "fetching Apache Kafka jars with Maven"
  rm -rf "$KAFKA_LIB"; mkdir -p "$KAFKA_LIB"
  mvn -q -B -f "$ROOT/infra/kafka/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$KAFKA_LIB" >&2
  ls "$KAFKA_LIB"/kafka_2.13-*.jar >/dev/null 2>&1 || die "Kafka jars missing after fetch"
  touch "$KAFKA_LIB/.complete"
}

start_java() { # name main-class heap config
  local name="$1" main="$2" heap="$3" config="$4"
  mkdir -p "$RUN" "$LOGS"
  # shellcheck disable=SC2086
  setsid nohup "$(java_bin)" $heap -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$ROOT/infra/kafka/log4j.properties" -Dkafka.logs.dir="$LOGS" \
    -Dinfra.component="$name" \
    -cp "$KAFKA_LIB/*" "$main" "$config" >"$LOGS/$name.out" 2>&1 < /dev/null &
  echo $! >"$RUN/$name.pid"
  echo "-Dinfra.component=$name" >"$RUN/$name.marker"
}

stop_pid() { # name
  local name="$1"
  if ! pid_alive "$name"; then rm -f "$RUN/$name.pid" "$RUN/$name.marker"; return 0; fi
  local pid; pid="$(cat "$RUN/$name.pid")"
  log "stopping $name (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 40))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.3; done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name did not stop in time; killing"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
  rm -f "$RUN/$name.pid" "$RUN/$name.marker"
}

# ---------------------------------------------------------------- ZooKeeper
start_zookeeper() {
  [[ "$KAFKA_MODE" == "zookeeper" ]] || return 0
  if pid_alive zookeeper; then log "zookeeper already running"; return 0; fi
  port_open 127.0.0.1 "$ZK_PORT" && die "port $ZK_PORT is taken by a process this script did not start"
  mkdir -p "$DATA/zookeeper" "$RUN"
  cat >"$RUN/zookeeper.properties" <<EOF
dataDir=$DATA/zookeeper
clientPort=$ZK_PORT
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=ruok,srvr
EOF
  start_java zookeeper org.apache.zookeeper.server.quorum.QuorumPeerMain "$ZK_HEAP" "$RUN/zookeeper.properties"
  wait_for "zookeeper on 127.0.0.1:$ZK_PORT" 60 zookeeper_ok || die "zookeeper did not start; see $LOGS/zookeeper.out"
}

zookeeper_ok() {
  pid_alive zookeeper || die "zookeeper exited; see $LOGS/zookeeper.out"
  local answer
  answer="$( { exec 3<>"/dev/tcp/127.0.0.1/$ZK_PORT" && printf 'ruok' >&3 && timeout 2 cat <&3; } 2>/dev/null)" || return 1
  [[ "$answer" == "imok" ]]
}

# ---------------------------------------------------------------- Kafka
kafka_config() {
  local dir="$DATA/kafka-$KAFKA_MODE"
  mkdir -p "$dir" "$RUN"
  {
    echo "log.dirs=$dir"
    echo "num.partitions=3"
    echo "default.replication.factor=1"
    echo "min.insync.replicas=1"
    echo "offsets.topic.replication.factor=1"
    echo "offsets.topic.num.partitions=10"
    echo "transaction.state.log.replication.factor=1"
    echo "transaction.state.log.min.isr=1"
    echo "auto.create.topics.enable=false"
    echo "delete.topic.enable=true"
    echo "group.initial.rebalance.delay.ms=0"
    echo "log.retention.hours=24"
    echo "log.segment.bytes=67108864"
    echo "num.network.threads=2"
    echo "num.io.threads=4"
    echo "num.recovery.threads.per.data.dir=1"
    if [[ "$KAFKA_MODE" == "kraft" ]]; then
      echo "process.roles=broker,controller"
      echo "node.id=1"
      echo "controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT"
      echo "listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT"
      echo "controller.listener.names=CONTROLLER"
      echo "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
    else
      echo "broker.id=0"
      echo "zookeeper.connect=127.0.0.1:$ZK_PORT"
      echo "zookeeper.connection.timeout.ms=30000"
      echo "listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT"
    fi
    echo "advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT"
  } >"$RUN/kafka.properties"
  if [[ "$KAFKA_MODE" == "kraft" && ! -f "$dir/meta.properties" ]]; then
    log "formatting KRaft storage"
    "$(java_bin)" -cp "$KAFKA_LIB/*" -Dlog4j.configuration="file:$ROOT/infra/kafka/log4j.properties" \
      kafka.tools.StorageTool format --standalone -t "$("$(java_bin)" -cp "$KAFKA_LIB/*" kafka.tools.StorageTool random-uuid 2>/dev/null)" \
      -c "$RUN/kafka.properties" >"$LOGS/kafka-format.out" 2>&1 \
      || die "KRaft storage format failed; see $LOGS/kafka-format.out"
  fi
}

kafka_ok() {
  pid_alive kafka || die "kafka exited; see $LOGS/kafka.out"
  port_open 127.0.0.1 "$KAFKA_PORT" || return 1
  # The broker logs this once its request handlers serve clients (ZooKeeper and KRaft).
  grep -qE '\[Kafka(Server|RaftServer) .*\] started|Kafka Server started' "$LOGS/kafka.out" 2>/dev/null
}

start_kafka() {
  if pid_alive kafka; then log "kafka already running"; return 0; fi
  port_open 127.0.0.1 "$KAFKA_PORT" && die "port $KAFKA_PORT is taken by a process this script did not start"
  mkdir -p "$LOGS"
  kafka_config
  start_java kafka kafka.Kafka "$KAFKA_HEAP" "$RUN/kafka.properties"
  echo "$KAFKA_MODE" >"$RUN/kafka.mode"
  wait_for "kafka ($KAFKA_MODE) on 127.0.0.1:$KAFKA_PORT" 120 kafka_ok || die "kafka did not start; see $LOGS/kafka.out"
}

# ---------------------------------------------------------------- PostgreSQL
pg_ready() { pg_isready -q -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -t 2 2>/dev/null; }

pg_bindir() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  if [[ -z "$dir" || ! -x "$dir/initdb" ]]; then
    log "installing PostgreSQL from Debian's packages"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) >&2 \
      || die "could not install postgresql"
    dir="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  fi
  echo "$dir"
}

start_postgres() {
  if pg_ready; then
    pid_alive postgres && log "postgres (ours) already running" || log "using the PostgreSQL already on $PGHOST:$PGPORT"
  else
    command -v pg_isready >/dev/null || true
    local bindir; bindir="$(pg_bindir)"
    local pgdata="$DATA/postgres"
    local as=()
    if [[ "$(id -u)" == "0" ]]; then
      id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql postgres
      as=(runuser -u postgres --)
    fi
    mkdir -p "$pgdata" "$RUN" "$LOGS"
    [[ "$(id -u)" == "0" ]] && chown postgres "$pgdata" "$LOGS" "$RUN" && chmod 700 "$pgdata"
    if [[ ! -f "$pgdata/PG_VERSION" ]]; then
      log "initdb into $pgdata"
      "${as[@]}" "$bindir/initdb" -D "$pgdata" -U "$PGUSER" --auth=trust -E UTF8 >"$LOGS/initdb.out" 2>&1 \
        || die "initdb failed; see $LOGS/initdb.out"
    fi
    "${as[@]}" "$bindir/postgres" -D "$pgdata" -h 127.0.0.1 -p "$PGPORT" -k /tmp \
      -c max_connections=300 -c shared_buffers=256MB -c fsync=on \
      -c infra.component=postgres >"$LOGS/postgres.out" 2>&1 < /dev/null &
    echo $! >"$RUN/postgres.pid"
    echo "infra.component=postgres" >"$RUN/postgres.marker"
    wait_for "postgres on 127.0.0.1:$PGPORT" 60 pg_ready || die "postgres did not start; see $LOGS/postgres.out"
  fi
  local db
  for db in $SERVICE_DATABASES; do
    if [[ "$(psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -Atc "select 1 from pg_database where datname='$db'")" != "1" ]]; then
      psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d postgres -qc "create database \"$db\"" >/dev/null
      log "created database $db"
    fi
  done
}

# Ours by pid; the machine's own cluster with Debian's pg_ctlcluster.
restart_postgres() {
  if pid_alive postgres; then
    stop_pid postgres
    start_postgres
    return
  fi
  command -v pg_ctlcluster >/dev/null || die "PostgreSQL on $PGHOST:$PGPORT was not started here and pg_ctlcluster is missing"
  local version; version="$(ls /etc/postgresql | sort -V | tail -n 1)"
  log "restarting the machine's PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main restart -m fast >&2
  wait_for "postgres on $PGHOST:$PGPORT" 60 pg_ready || die "postgres did not come back"
}

status() {
  local name
  for name in zookeeper kafka postgres; do
    if pid_alive "$name"; then echo "$name: running (pid $(cat "$RUN/$name.pid"))"
    elif [[ "$name" == postgres ]] && pg_ready; then echo "postgres: external on $PGHOST:$PGPORT"
    else echo "$name: stopped"; fi
  done
}

mode_from_args() {
  local arg
  for arg in "$@"; do
    case "$arg" in
      --kraft) KAFKA_MODE=kraft ;;
      --zookeeper) KAFKA_MODE=zookeeper ;;
      *) die "unknown option $arg" ;;
    esac
  done
  [[ "$KAFKA_MODE" == "zookeeper" || "$KAFKA_MODE" == "kraft" ]] || die "KAFKA_MODE must be zookeeper or kraft, not '$KAFKA_MODE'"
}

cmd="${1:-}"; shift || true
case "$cmd" in
  fetch) fetch ;;
  up)
    mode_from_args "$@"
    fetch
    start_postgres
    start_zookeeper
    start_kafka
    ;;
  down)
    stop_pid kafka
    stop_pid zookeeper
    stop_pid postgres
    ;;
  start)
    [[ -f "$RUN/kafka.mode" ]] && KAFKA_MODE="$(cat "$RUN/kafka.mode")"
    case "${1:-}" in
      kafka) start_kafka ;; zookeeper) start_zookeeper ;; postgres) start_postgres ;;
      *) die "start takes kafka, zookeeper or postgres" ;;
    esac ;;
  stop)
    case "${1:-}" in
      kafka|zookeeper|postgres) stop_pid "$1" ;;
      *) die "stop takes kafka, zookeeper or postgres" ;;
    esac ;;
  restart)
    [[ -f "$RUN/kafka.mode" ]] && KAFKA_MODE="$(cat "$RUN/kafka.mode")"
    case "${1:-}" in
      kafka) stop_pid kafka; start_kafka ;;
      postgres) restart_postgres ;;
      *) die "restart takes kafka or postgres" ;;
    esac ;;
  status) status ;;
  clean)
    "$0" down
    rm -rf "$DATA" "$LOGS" "$RUN"
    ;;
  *) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
