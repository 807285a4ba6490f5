#!/usr/bin/env bash
# with-servers.sh COMMAND...: starts the fixture supervisor (socket.io 2.0.4, 4.x,
# ws on 127.0.0.1:9300-9309), sp-sim on 9500 and sp-broadcaster on 9400 (and on 9401
# with --client-token browser-token, and on 9402 admitting Entra ID tokens of the test
# tenant, whose keys and tokens the supervisor serves: tests/fixtures/lib/entra.js), runs
# COMMAND, and stops everything again.
set -uo pipefail
cd "$(dirname "$0")/../.."
logs=target/test-logs
mkdir -p "$logs"
for port in 9300 9400 9401 9402 9500; do
  if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
    echo "port $port is taken (test servers already running?): stop them first" >&2
    exit 1
  fi
done
cargo build --quiet -p sp-sim -p sp-broadcaster || exit 1
fifo=$(mktemp -u)
mkfifo "$fifo"
# The supervisor exits when its stdin closes, so nothing outlives this script.
node tests/fixtures/supervisor.js < "$fifo" > "$logs/fixtures.log" 2>&1 &
sup=$!
exec 3> "$fifo"
rm -f "$fifo"
target/debug/sp-sim --port 9500 --webhook-interval-ms 300 --webhook-retry-delay-ms 1000 \
  > "$logs/sp-sim.log" 2>&1 &
sim=$!
target/debug/sp-broadcaster --port 9400 --cors all --ping-interval-ms 1000 --ping-timeout-ms 2000 \
  > "$logs/sp-broadcaster.log" 2>&1 &
bro=$!
target/debug/sp-broadcaster --port 9401 --cors all --ping-interval-ms 1000 --ping-timeout-ms 2000 \
  --client-token browser-token > "$logs/sp-broadcaster-token.log" 2>&1 &
bro_token=$!
bro_entra=
cleanup() {
  exec 3>&-
  kill "$sup" "$sim" "$bro" "$bro_token" $bro_entra 2>/dev/null
  wait "$sup" "$sim" "$bro" "$bro_token" $bro_entra 2>/dev/null
}
trap cleanup EXIT
for _ in $(seq 1 100); do
  grep -q "fixtures ready" "$logs/fixtures.log" 2>/dev/null && break
  kill -0 "$sup" 2>/dev/null || { cat "$logs/fixtures.log"; exit 1; }
  sleep 0.1
done
grep -q "fixtures ready" "$logs/fixtures.log" || { echo "fixtures did not start" >&2; cat "$logs/fixtures.log"; exit 1; }
# After the supervisor, which serves its keys (fetched at start).
target/debug/sp-broadcaster --port 9402 --cors all --ping-interval-ms 1000 --ping-timeout-ms 2000 \
  --entra-tenant 0b7f6d55-3c2a-4f1e-9d8c-7a6b5c4d3e2f --entra-audience api://sp-live-tests \
  --entra-keys-url http://127.0.0.1:9300/entra/keys > "$logs/sp-broadcaster-entra.log" 2>&1 &
bro_entra=$!
for url in http://127.0.0.1:9500/_admin/health http://127.0.0.1:9400/health http://127.0.0.1:9401/health \
  http://127.0.0.1:9402/health; do
  for _ in $(seq 1 100); do curl -sf -o /dev/null "$url" && break; sleep 0.1; done
  curl -sf -o /dev/null "$url" || { echo "$url did not come up" >&2; tail "$logs"/sp-*.log; exit 1; }
done
"$@"
