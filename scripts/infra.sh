#!/usr/bin/env bash
# Local infrastructure on loopback: real Apache Kafka (ZooKeeper mode, or KRaft with
# --kraft / KAFKA_MODE=kraft) from Maven Central jars, and PostgreSQL (the machine's if
# 127.0.0.1:$PGPORT answers, otherwise one of our own from Debian's package).
# ZooKeeper and Kafka run from the files pulumi/kafka-config renders, started by
# pulumi/kafka-config/start.sh: the configuration and the start command the cluster uses.
#
#   scripts/infra.sh fetch               download the Kafka jars into .cache/kafka/lib
#   scripts/infra.sh up [--kraft] [--quick-start-jvm]
#                                        start what is not running, wait until it answers;
#                                        the JVMs as the cluster runs them, or tuned to start
#                                        fast (scripts/lib/jvm-tuning.sh)
#   scripts/infra.sh down                stop exactly what this script started
#   scripts/infra.sh status              what runs, by pid
#   scripts/infra.sh stop|start kafka|zookeeper|postgres   one component (fault tests)
#   scripts/infra.sh restart kafka|postgres                 (the machine's PostgreSQL too)
#   scripts/infra.sh freeze kafka|zookeeper SECONDS          SIGSTOP, wait, SIGCONT (a hung process)
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
KAFKA_INTERNAL_PORT="${KAFKA_INTERNAL_PORT:-9094}"
PGHOST="${PGHOST:-127.0.0.1}"
PGPORT="${PGPORT:-5432}"
PGUSER="${PGUSER:-postgres}"
KAFKA_MODE="${KAFKA_MODE:-zookeeper}"
KAFKA_HEAP="${KAFKA_HEAP:--Xms256m -Xmx768m}"
ZK_HEAP="${ZK_HEAP:--Xms64m -Xmx192m}"
SERVICE_DATABASES="${SERVICE_DATABASES:-order_service payment_service inventory_service identity_service}"
KAFKA_CONF="$RUN/kafka-config"
# The Kafka users' passwords, one file each (made once; the services and tests read them).
KAFKA_USERS="$INFRA/kafka-users"
# shellcheck source=lib/node.sh
source "$ROOT/scripts/lib/node.sh"
# shellcheck source=lib/pids.sh
source "$ROOT/scripts/lib/pids.sh"
# shellcheck source=lib/jvm-tuning.sh
source "$ROOT/scripts/lib/jvm-tuning.sh"

log() { printf '[infra] %s\n' "$*" >&2; }
die() { printf '[infra] error: %s\n' "$*" >&2; exit 1; }

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# A JVM that exited while starting: its last lines go with the error (a chaos run or a
# test shows them), as the next start replaces the log.
died() { # name
  tail -n 20 "$LOGS/$1.out" >&2 2>/dev/null || true
  die "$1 exited; see $LOGS/$1.out (the run before it: $1.out.1)"
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
  mvn -q -B -f "$ROOT/pulumi/kafka-config/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$KAFKA_LIB" >&2
  ls "$KAFKA_LIB"/kafka_2.13-*.jar >/dev/null 2>&1 || die "Kafka jars missing after fetch"
  touch "$KAFKA_LIB/.complete"
}

# This machine's ZooKeeper and Kafka files, from the cluster's renderer (pulumi/kafka-config).
render_kafka_config() {
  use_project_node "$ROOT" || die "no usable Node.js"
  ensure_npm_packages "$ROOT"
  (cd "$ROOT" && node node_modules/typescript/bin/tsc -b pulumi/kafka-config) || die "could not build pulumi/kafka-config"
  mkdir -p "$KAFKA_CONF" "$DATA"
  node "$ROOT/pulumi/kafka-config/dist/src/cli.js" local --mode "$KAFKA_MODE" --out "$KAFKA_CONF" --data "$DATA" \
    --client-port "$KAFKA_PORT" --internal-port "$KAFKA_INTERNAL_PORT" --controller-port "$KAFKA_CONTROLLER_PORT" \
    --zookeeper-port "$ZK_PORT" || die "could not render the Kafka configuration"
  node "$ROOT/pulumi/kafka-config/dist/src/cli.js" users "$KAFKA_USERS" || die "could not make the Kafka users"
}

start_node() { # name role heap config-template
  local name="$1" role="$2" heap="$3" template="$4" java cluster_id tuning
  java="$(java_bin)"
  tuning="$(jvm_tuning)"
  record_jvm_tuning "$tuning"
  cluster_id="$(node "$ROOT/pulumi/kafka-config/dist/src/cli.js" cluster-id local)"
  mkdir -p "$RUN" "$LOGS"
  [[ -f "$LOGS/$name.out" ]] && mv -f "$LOGS/$name.out" "$LOGS/$name.out.1"
  POD_NAME=kafka-0 KAFKA_LIBS="$KAFKA_LIB" KAFKA_LOG4J="$ROOT/pulumi/kafka-config/log4j.properties" KAFKA_HEAP_OPTS="$heap" \
    KAFKA_JVM_OPTS="$tuning -Djava.awt.headless=true -Dinfra.component=$name" \
    KAFKA_CLUSTER_ID="$cluster_id" KAFKA_USERS_DIR="$KAFKA_USERS" JAVA="$java" \
    setsid nohup sh "$ROOT/pulumi/kafka-config/start.sh" "$role" "$template" "$RUN/$name-work" \
    >"$LOGS/$name.out" 2>&1 </dev/null &
  record_pid "$name" $!
}

stop_pid() { # name
  local name="$1"
  if ! pid_alive "$name"; then forget_pid "$name"; return 0; fi
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
  forget_pid "$name"
}

# ---------------------------------------------------------------- ZooKeeper
start_zookeeper() {
  [[ "$KAFKA_MODE" == "zookeeper" ]] || return 0
  if pid_alive zookeeper; then log "zookeeper already running"; return 0; fi
  port_open 127.0.0.1 "$ZK_PORT" && die "port $ZK_PORT is taken by a process this script did not start"
  render_kafka_config
  start_node zookeeper zookeeper "$ZK_HEAP" "$KAFKA_CONF/zookeeper.properties"
  wait_for "zookeeper on 127.0.0.1:$ZK_PORT" 60 zookeeper_ok || die "zookeeper did not start; see $LOGS/zookeeper.out"
}

zookeeper_ok() {
  pid_alive zookeeper || died zookeeper
  local answer
  answer="$( { exec 3<>"/dev/tcp/127.0.0.1/$ZK_PORT" && printf 'ruok' >&3 && timeout 2 cat <&3; } 2>/dev/null)" || return 1
  [[ "$answer" == "imok" ]]
}

# ---------------------------------------------------------------- Kafka
kafka_ok() {
  pid_alive kafka || died kafka
  port_open 127.0.0.1 "$KAFKA_PORT" || return 1
  # The broker logs this once its request handlers serve clients (ZooKeeper and KRaft).
  grep -qE '\[Kafka(Server|RaftServer) .*\] started|Kafka Server started' "$LOGS/kafka.out" 2>/dev/null
}

start_kafka() {
  if pid_alive kafka; then log "kafka already running"; return 0; fi
  port_open 127.0.0.1 "$KAFKA_PORT" && die "port $KAFKA_PORT is taken by a process this script did not start"
  mkdir -p "$LOGS"
  render_kafka_config
  start_node kafka kafka "$KAFKA_HEAP" "$KAFKA_CONF/server.properties"
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
    record_pid postgres $!
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

up_options() {
  local arg
  for arg in "$@"; do
    case "$arg" in
      --kraft) KAFKA_MODE=kraft ;;
      --zookeeper) KAFKA_MODE=zookeeper ;;
      --quick-start-jvm) JVM_TUNING="$QUICK_START_JVM" ;;
      *) die "unknown option $arg" ;;
    esac
  done
  [[ "$KAFKA_MODE" == "zookeeper" || "$KAFKA_MODE" == "kraft" ]] || die "KAFKA_MODE must be zookeeper or kraft, not '$KAFKA_MODE'"
}

cmd="${1:-}"; shift || true
case "$cmd" in
  fetch) fetch ;;
  up)
    up_options "$@"
    fetch
    start_postgres
    start_zookeeper
    start_kafka
    ;;
  down)
    stop_pid kafka
    stop_pid zookeeper
    stop_pid postgres
    forget_jvm_tuning
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
  freeze)
    case "${1:-}" in
      kafka|zookeeper) ;;
      *) die "freeze takes kafka or zookeeper and a number of seconds" ;;
    esac
    [[ "${2:-}" =~ ^[0-9]+$ ]] || die "freeze takes kafka or zookeeper and a number of seconds"
    pid_alive "$1" || die "$1 is not running"
    pid="$(cat "$RUN/$1.pid")"
    # Resumed even if this script is interrupted: a frozen broker must not outlive the test.
    trap 'kill -CONT "$pid" 2>/dev/null || true' EXIT
    log "freezing $1 (pid $pid) for $2 s"
    kill -STOP "$pid"
    sleep "$2"
    kill -CONT "$pid"
    log "$1 resumed"
    ;;
  status) status ;;
  clean)
    "$0" down
    rm -rf "$DATA" "$LOGS" "$RUN"
    ;;
  *) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
