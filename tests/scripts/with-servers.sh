#!/usr/bin/env bash
# with-servers.sh COMMAND...: starts the fixture supervisor (socket.io 2.0.4, 4.x,
# ws on 127.0.0.1:9300-9306), runs COMMAND, and stops everything again.
set -uo pipefail
cd "$(dirname "$0")/../.."
logs=target/test-logs
mkdir -p "$logs"
if curl -s -o /dev/null http://127.0.0.1:9300/health; then
  echo "port 9300 is taken (a fixture supervisor already running?): stop it first" >&2
  exit 1
fi
fifo=$(mktemp -u)
mkfifo "$fifo"
# The supervisor exits when its stdin closes, so nothing outlives this script.
node tests/fixtures/supervisor.js < "$fifo" > "$logs/fixtures.log" 2>&1 &
sup=$!
exec 3> "$fifo"
rm -f "$fifo"
cleanup() { exec 3>&-; kill "$sup" 2>/dev/null; wait "$sup" 2>/dev/null; }
trap cleanup EXIT
for _ in $(seq 1 100); do
  grep -q "fixtures ready" "$logs/fixtures.log" 2>/dev/null && break
  kill -0 "$sup" 2>/dev/null || { cat "$logs/fixtures.log"; exit 1; }
  sleep 0.1
done
grep -q "fixtures ready" "$logs/fixtures.log" || { echo "fixtures did not start" >&2; cat "$logs/fixtures.log"; exit 1; }
"$@"
