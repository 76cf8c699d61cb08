#!/usr/bin/env bash
# Checks every published tool answers and Dozzle survives its page (its stats need
# metrics.k8s.io), signs in as alice at the stack's issuer (the identity service's NodePort),
# places an order with her token through the deployed order service's NodePort and waits
# until it is CONFIRMED (demo data: customer alice, product KEYBOARD-01); with tracing on,
# finds its trace in Jaeger with spans of the three services. Run after scripts/kind-up.sh.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
STACK="${PULUMI_STACK:-dev}"
export PULUMI_BACKEND_URL="${PULUMI_BACKEND_URL:-file://$ROOT/.pulumi}"
# The passphrase scripts/lib/deploy.sh created beside the state, unless one is given.
if [[ -z "${PULUMI_CONFIG_PASSPHRASE:-}" && -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]]; then
  export PULUMI_CONFIG_PASSPHRASE_FILE="${PULUMI_BACKEND_URL#file://}/passphrase"
fi
TIMEOUT_S="${E2E_TIMEOUT_S:-60}"
# On any failure, show what the cluster holds: pods, events, logs.
trap 'status=$?; ((status == 0)) || bash "$ROOT/scripts/cluster-diagnostics.sh" "kind-${KIND_CLUSTER:-orders}" >&2; exit $status' EXIT

urls="$(pulumi stack output urls --json --stack "$STACK")"
url_of() { node -e 'console.log(JSON.parse(process.argv[1])[process.argv[2]])' "$urls" "$1"; }
ORDER="$(url_of order)"; PAYMENT="$(url_of payment)"; INVENTORY="$(url_of inventory)"; IDENTITY="$(url_of identity)"
json() { node -e 'const v=JSON.parse(require("fs").readFileSync(0,"utf8")); console.log(process.argv[1].split(".").reduce((o,k)=>o?.[k], v))' "$1"; }

check() { curl -fsSL -o /dev/null --retry 20 --retry-delay 3 --retry-all-errors -w "e2e: %{http_code} $1\n" "$1"; }
for u in "$ORDER" "$PAYMENT" "$INVENTORY" "$IDENTITY"; do check "$u/readyz"; done
check "$(url_of kafkaUi)/"
check "$(url_of dozzle)/"

# Both tools refuse an anonymous request for data, and let the stack's login in.
logins="$(pulumi stack output logins --json --show-secrets --stack "$STACK")"
login_of() { node -e 'const l=JSON.parse(process.argv[1]); console.log(l[process.argv[2]][process.argv[3]])' "$logins" "$1" "$2"; }
jar="$(mktemp)"
anonymous() { curl -sS -o /dev/null -w '%{http_code}' "$1"; }
KAFKA_UI="$(url_of kafkaUi)"; DOZZLE="$(url_of dozzle)"
[[ "$(anonymous "$KAFKA_UI/api/clusters")" =~ ^(302|401)$ ]] || { echo "e2e: Kafka UI answered an anonymous request" >&2; exit 1; }
[[ "$(anonymous "$DOZZLE/api/events/stream")" == 401 ]] || { echo "e2e: Dozzle answered an anonymous request" >&2; exit 1; }
curl -fsS -o /dev/null -c "$jar" -b "$jar" --data-urlencode "username=$(login_of kafkaUi username)" --data-urlencode "password=$(login_of kafkaUi password)" "$KAFKA_UI/login"
curl -fsS -o /dev/null -b "$jar" "$KAFKA_UI/api/clusters"
curl -fsS -o /dev/null -c "$jar" --data-urlencode "username=$(login_of dozzle username)" --data-urlencode "password=$(login_of dozzle password)" "$DOZZLE/api/token"
echo "e2e: Kafka UI and Dozzle refuse anonymous requests and accept the stack's logins"

# Dozzle's page subscribes to /api/events/stream, which starts its stats collector: it lists
# pod metrics every second and exits when metrics.k8s.io does not answer. Hold the stream
# open as a page would, then check Dozzle did not restart.
kube() { docker exec "${KIND_CLUSTER:-orders}-control-plane" kubectl --kubeconfig /etc/kubernetes/admin.conf "$@"; }
dozzle_ns="$(pulumi stack output namespaces --json --stack "$STACK" | json dozzle)"
kube get --raw "/apis/metrics.k8s.io/v1beta1/namespaces/$dozzle_ns/pods" >/dev/null
curl -sS -N --max-time 20 -o /dev/null -b "$jar" "$DOZZLE/api/events/stream" || true
restarts="$(kube -n "$dozzle_ns" get pods -l app=dozzle -o jsonpath='{.items[*].status.containerStatuses[*].restartCount}')"
[[ "$restarts" == 0 ]] || { echo "e2e: Dozzle restarted ($restarts) while its page was open" >&2; exit 1; }
echo "e2e: Dozzle streamed events for 20 s, pod metrics served by metrics.k8s.io; restarts: 0"

# alice signs in at the issuer the stack outputs, as the command line does (code flow with PKCE).
issuer="$(pulumi stack output issuer --stack "$STACK")"
token="$(echo "$logins" | json people.customers.password | { read -r password; LOGIN_PASSWORD="$password" AUTH_ISSUER="$issuer" node services/identity/dist/src/main.js token alice; })"
[[ "$(anonymous "$PAYMENT/accounts/alice")" == 401 ]] || { echo "e2e: an account answered without a token" >&2; exit 1; }
echo "e2e: signed in as alice at $issuer; without a token the API answers 401"
auth=(-H "authorization: Bearer $token")
before="$(curl -fsS "${auth[@]}" "$PAYMENT/accounts/alice" | json balanceCents)"
order="$(curl -fsS "${auth[@]}" -X POST "$ORDER/orders" -H 'content-type: application/json' -H "Idempotency-Key: e2e-$(date +%s%N)" \
  -d '{"customerId":"alice","items":[{"sku":"KEYBOARD-01","quantity":1}]}')"
id="$(echo "$order" | json id)"
echo "e2e: placed order $id"

deadline=$((SECONDS + TIMEOUT_S))
status=""
while ((SECONDS < deadline)); do
  status="$(curl -fsS "${auth[@]}" "$ORDER/orders/$id" | json status)"
  [[ "$status" == CONFIRMED || "$status" == REJECTED || "$status" == CANCELLED ]] && break
  sleep 0.5
done
echo "e2e: order $id is $status"
[[ "$status" == CONFIRMED ]] || { curl -fsS "${auth[@]}" "$ORDER/orders/$id" >&2; exit 1; }
after="$(curl -fsS "${auth[@]}" "$PAYMENT/accounts/alice" | json balanceCents)"
[[ "$(curl -fsS "${auth[@]}" "$PAYMENT/payments/$id" | json status)" == CAPTURED ]] || { echo "e2e: payment not captured" >&2; exit 1; }
echo "e2e: alice paid $((before - after)) cents; OK"

JAEGER="$(url_of jaeger)"
if [[ "$JAEGER" != undefined ]]; then
  check "$JAEGER/"
  # Jaeger's query API: traces of order-service whose spans carry this order's id.
  query="$JAEGER/api/traces?service=order-service&limit=5&tags=$(node -e 'console.log(encodeURIComponent(JSON.stringify({"orders.order_id": process.argv[1]})))' "$id")"
  services=""
  for _ in $(seq 30); do
    services="$(curl -fsS "$query" | node -e '
      const { data = [] } = JSON.parse(require("fs").readFileSync(0, "utf8"));
      const best = data.map((t) => [...new Set(Object.values(t.processes).map((p) => p.serviceName))].sort().join(" ")).sort((a, b) => b.length - a.length)[0];
      console.log(best ?? "")')"
    [[ "$services" == "inventory-service order-service payment-service" ]] && break
    sleep 2
  done
  echo "e2e: the trace of order $id in Jaeger has spans of: ${services:-nothing}"
  [[ "$services" == "inventory-service order-service payment-service" ]] || exit 1
fi
