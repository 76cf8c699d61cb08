#!/usr/bin/env bash
# The whole system as plain Node processes on loopback, no cluster:
#   scripts/local.sh up            infrastructure up, build, topics, migrate (+ demo data), start
#                                  identity :3004, order :3001, payment :3002, inventory :3003;
#                                  returns once all answer /readyz
#   scripts/local.sh token <user>  signs in as <user> (operator, alice, bob, carol) and prints an access token
#   scripts/local.sh down          stops the services, then the infrastructure
#   scripts/local.sh reset         stops the services, drops the four databases, then `up` (fresh demo data)
#   scripts/local.sh status
# Ports: IDENTITY_PORT, ORDER_PORT, PAYMENT_PORT, INVENTORY_PORT. Logs: .run/logs/<service>.log
# (JSON lines). The operator's and the demo customers' passwords are made by the first `up`,
# printed once, and kept in .cache/local/passwords/ (readable by their owner only).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN="$ROOT/.run"
# shellcheck source=lib/node.sh
source "$ROOT/scripts/lib/node.sh"

declare -A PORTS=([identity]="${IDENTITY_PORT:-3004}" [order]="${ORDER_PORT:-3001}" [payment]="${PAYMENT_PORT:-3002}" [inventory]="${INVENTORY_PORT:-3003}")
# In start order, the issuer first; they stop in reverse. Each has its database <name>_service.
SERVICES=(identity inventory payment order)
PASSWORDS="$ROOT/.cache/local/passwords"
ISSUER="http://127.0.0.1:${PORTS[identity]}"

log() { printf '[local] %s\n' "$*" >&2; }

service_env() { # name
  local name="$1"
  echo "HTTP_HOST=127.0.0.1 HTTP_PORT=${PORTS[$name]} DB_NAME=${name}_service DEMO_SEED=${DEMO_SEED:-true} LOG_LEVEL=${LOG_LEVEL:-info}" \
    "AUTH_ISSUER=$ISSUER"
  if [[ "$name" == identity ]]; then
    echo "IDENTITY_CONSOLE_URLS=http://127.0.0.1:${PORTS[order]}/console/,http://localhost:${PORTS[order]}/console/"
  fi
}
# As on the cluster: migrate runs as the server's superuser (the default DB_USER) and sets up
# the role <name>_app, which the service then runs as: rows only, no schema.
app_role_env() { echo "APP_DB_USER=${1}_app"; }
run_as_app_env() { echo "DB_USER=${1}_app"; }

# Becomes a command run as a Kafka user (scripts/infra.sh keeps the passwords), the password
# in its environment only, never on a command line. It replaces the (sub)shell that calls it,
# so a service started in the background keeps the pid recorded for it.
as_kafka_user() { # user command...
  local user="$1"; shift
  export KAFKA_SASL_USERNAME="$user" KAFKA_SASL_PASSWORD="$(cat "$ROOT/.cache/infra/kafka-users/$user")"
  exec "$@"
}

# The operator's and the demo customers' passwords: made once (random, 24 characters), kept
# in files only their owner reads, printed the first time.
ensure_passwords() {
  mkdir -p "$PASSWORDS"
  chmod 700 "$PASSWORDS"
  local who
  for who in operator demo; do
    [[ -s "$PASSWORDS/$who" ]] && continue
    (umask 077 && head -c 18 /dev/urandom | base64 | tr '+/' '-_' >"$PASSWORDS/$who")
    if [[ "$who" == operator ]]; then
      log "operator login: operator / $(cat "$PASSWORDS/$who")   (shown once; kept in .cache/local/passwords/operator)"
    else
      log "demo customers alice, bob, carol: password $(cat "$PASSWORDS/$who")   (shown once; kept in .cache/local/passwords/demo)"
    fi
  done
}

# Becomes a service's migrate command; the identity service's gets the login passwords in its
# environment (never on a command line), as as_kafka_user does for the Kafka password.
as_migrator() { # name command...
  local name="$1"; shift
  if [[ "$name" == identity ]]; then
    export IDENTITY_OPERATOR_PASSWORD="$(cat "$PASSWORDS/operator")" IDENTITY_DEMO_PASSWORD="$(cat "$PASSWORDS/demo")"
  fi
  exec "$@"
}

# Runs a service's command as its Kafka user; the identity service does not use Kafka.
as_service() { # name command...
  local name="$1"; shift
  if [[ "$name" == identity ]]; then exec "$@"; fi
  as_kafka_user "$name-service" "$@"
}

alive() { [[ -f "$RUN/pids/$1.pid" ]] && kill -0 "$(cat "$RUN/pids/$1.pid")" 2>/dev/null; }

up() {
  use_project_node "$ROOT"
  ensure_npm_packages "$ROOT"
  bash "$ROOT/scripts/infra.sh" up
  ensure_passwords
  log "building"
  (cd "$ROOT" && npm run --silent build)
  mkdir -p "$RUN/logs" "$RUN/pids"
  (as_kafka_user admin env $(service_env order) node "$ROOT/services/order/dist/src/main.js" topics) >>"$RUN/logs/topics.log" 2>&1
  local name
  for name in "${SERVICES[@]}"; do
    if alive "$name"; then log "$name already running"; continue; fi
    log "migrating $name"
    (as_migrator "$name" env $(service_env "$name") $(app_role_env "$name") node "$ROOT/services/$name/dist/src/main.js" migrate) >>"$RUN/logs/$name.log" 2>&1 \
      || { tail -n 20 "$RUN/logs/$name.log" >&2; exit 1; }
    as_service "$name" env $(service_env "$name") $(run_as_app_env "$name") setsid nohup node "$ROOT/services/$name/dist/src/main.js" start \
      >>"$RUN/logs/$name.log" 2>&1 </dev/null &
    echo $! >"$RUN/pids/$name.pid"
  done
  for name in "${SERVICES[@]}"; do
    local deadline=$((SECONDS + 60))
    until curl -fsS "http://127.0.0.1:${PORTS[$name]}/readyz" >/dev/null 2>&1; do
      alive "$name" || { log "$name exited"; tail -n 20 "$RUN/logs/$name.log" >&2; exit 1; }
      ((SECONDS < deadline)) || { log "$name not ready in 60 s"; exit 1; }
      sleep 0.3
    done
    log "$name ready on http://127.0.0.1:${PORTS[$name]}"
  done
}

stop_services() {
  local name i
  for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do
    name="${SERVICES[i]}"
    if alive "$name"; then
      local pid; pid="$(cat "$RUN/pids/$name.pid")"
      log "stopping $name (pid $pid)"
      kill -TERM "$pid"
      local deadline=$((SECONDS + 30))
      while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$RUN/pids/$name.pid"
  done
}

down() {
  stop_services
  bash "$ROOT/scripts/infra.sh" down
}

# The databases go; `up` creates them again (infra.sh), migrates and seeds them. The topics
# and the consumer groups' offsets stay: the services stopped gracefully, having committed
# what they applied, so nothing from before is applied to the new databases.
reset() {
  stop_services
  use_project_node "$ROOT"
  bash "$ROOT/scripts/infra.sh" up
  local db
  for db in "${SERVICES[@]/%/_service}"; do
    log "dropping $db"
    psql -h "${PGHOST:-127.0.0.1}" -p "${PGPORT:-5432}" -U "${PGUSER:-postgres}" -d postgres -qc "drop database if exists \"$db\" with (force)"
  done
  up
}

status() {
  local name
  for name in "${SERVICES[@]}"; do
    if alive "$name"; then echo "$name: running (pid $(cat "$RUN/pids/$name.pid")) on :${PORTS[$name]}"; else echo "$name: stopped"; fi
  done
  bash "$ROOT/scripts/infra.sh" status
}

# Signs in as the user the way the console does (authorization code with PKCE) and prints the
# access token: the operator with its password, anyone else with the demo customers' password.
token() { # user
  local user="$1" file=demo
  [[ "$user" == operator ]] && file=operator
  [[ -s "$PASSWORDS/$file" ]] || { log "no passwords yet: run scripts/local.sh up first"; exit 1; }
  use_project_node "$ROOT"
  LOGIN_PASSWORD="$(cat "$PASSWORDS/$file")" AUTH_ISSUER="$ISSUER" node "$ROOT/services/identity/dist/src/main.js" token "$user"
}

case "${1:-}" in
  up) up ;;
  token) [[ -n "${2:-}" ]] || { echo "usage: scripts/local.sh token <user>" >&2; exit 2; }; token "$2" ;;
  down) down ;;
  reset) reset ;;
  status) status ;;
  *) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
