#!/usr/bin/env bash
# The README's local run, as a user does it, from the demo data: scripts/local.sh reset (the
# local databases are dropped and made again, so earlier use of this machine's system does
# not change the outcome), the README's order (its curl, word for word:
# tests/docs/generated-tables.test.ts checks the README holds these lines), confirmed; the same request
# again answers the same order; without a token it answers 401, to bob 403; local.sh reset gives fresh databases; local.sh down leaves
# nothing running. Prints one line: "local run: ok" or why not.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
fail() { echo "local run: FAILED: $*"; exit 1; }
trap 'bash scripts/local.sh down >/dev/null 2>&1 || true' EXIT

bash scripts/local.sh reset >&2 || fail "local.sh reset exited $?"
place_order() {
# --- as in the README
TOKEN=$(scripts/local.sh token alice)
ID=$(curl -s -X POST http://127.0.0.1:3001/orders -H "authorization: Bearer $TOKEN" \
  -H 'content-type: application/json' -H 'Idempotency-Key: my-first-order' \
  -d '{"customerId":"alice","items":[{"sku":"KEYBOARD-01","quantity":2},{"sku":"MOUSE-01","quantity":1}]}' \
  | sed -E 's/.*"id":"([^"]+)".*/\1/')
# ---
}
place_order
first="$ID"
[[ "$first" =~ ^[0-9a-f-]{36}$ ]] || fail "no order id in the answer: $first"
status=""
for _ in $(seq 50); do
  status="$(curl -s -H "authorization: Bearer $TOKEN" "http://127.0.0.1:3001/orders/$first" | sed -E 's/.*"status":"([A-Z]+)".*/\1/')"
  [[ "$status" == CONFIRMED ]] && break
  sleep 0.2
done
[[ "$status" == CONFIRMED ]] || fail "order $first is $status, not CONFIRMED"
place_order
[[ "$ID" == "$first" ]] || fail "the same Idempotency-Key placed a second order ($ID)"
code="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:3001/orders/$first")"
[[ "$code" == 401 ]] || fail "without a token the order answers $code, not 401"
code="$(curl -s -o /dev/null -w '%{http_code}' -H "authorization: Bearer $(scripts/local.sh token bob)" "http://127.0.0.1:3001/orders/$first")"
[[ "$code" == 403 ]] || fail "bob reading alice's order gets $code, not 403"

bash scripts/local.sh reset >&2 || fail "local.sh reset exited $?"
TOKEN=$(scripts/local.sh token alice)
code="$(curl -s -o /dev/null -w '%{http_code}' -H "authorization: Bearer $TOKEN" "http://127.0.0.1:3001/orders/$first")"
[[ "$code" == 404 ]] || fail "after reset the old order answers $code"

bash scripts/local.sh down >&2 || fail "local.sh down exited $?"
trap - EXIT
if pgrep -f 'infra.component=|services/[a-z]+/dist/src/main.js start' >/dev/null; then fail "processes left running"; fi
echo "local run: ok"
