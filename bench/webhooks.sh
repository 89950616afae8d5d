#!/usr/bin/env bash
# Webhook intake benchmark: wrk sends pre-signed webhooks to `callgate serve` with the SQLite audit
# store (and its outbox) and one webhook source. LiveVox is an nginx stub (login and ScheduleCallback
# answered at once), as in bench/proxy.sh; the delivery worker forwards the accepted webhooks to it
# during the run, as it would to LiveVox. Loopback only; every process is stopped at the end. Prints
# a Markdown table with a row per `--store-sync` value (full, the default, and normal), each from a
# fresh CallGate and store; record it with this command in docs/benchmarks.md.
#   BENCH_SECONDS=10 (each measured run), ROUNDS=1 (rounds of both, their order alternating)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
stub=$(free_port)
secret=$("$bin" webhooks add-source --name bench --role Manager --file "$work/sources.yaml" 2>/dev/null)
"$bin" keys create --name ops --role Sysadmin --file "$work/keys.yaml" > /dev/null 2>&1
start_nginx "
  server {
    listen 127.0.0.1:$stub;
    default_type application/json;
    $stub_login
    location ~ ^/callControl/supervisor/calls/[0-9]+/ScheduleCallback\$ { return 204; }
  }"
upstream_flags "$stub"

# counts DATABASE: accepted deliveries, delivered ones (read from the store while it runs: WAL readers).
counts() {
  python3 - "$1" <<'PY'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
total, = db.execute("SELECT count(*) FROM deliveries").fetchone()
delivered, = db.execute("SELECT count(*) FROM deliveries WHERE status = 'delivered'").fetchone()
print(total, delivered)
PY
}

# measure SYNC: a fresh CallGate with its own store, `--store-sync SYNC`; warms it up (LiveVox
# session, connections, SQLite caches), lets the outbox drain, measures, checks, prints one row and
# stops it. Webhooks are signed just before, so that no run nears the 5-minute tolerance.
measure() {
  local sync=$1 port db pid
  port=$(free_port); db="$work/audit-$sync-$round.sqlite"
  "$bin" serve --calling-profile off --port "$port" --keys-file "$work/keys.yaml" --webhooks-sources-file "$work/sources.yaml" \
    --store "sqlite:$db" --store-sync "$sync" --audit-key-file "$work/audit.key" --log-level warning \
    "${upstream[@]}" >> "$work/logs/callgate.log" 2>&1 &
  pid=$!
  pids+=($pid)
  wait_up "http://127.0.0.1:$port/healthz"
  # Enough distinct webhooks for 20,000 a second: none is sent twice.
  python3 bench/sign_webhooks.py "$secret" 8000 "$work/warmup.txt"
  python3 bench/sign_webhooks.py "$secret" $((duration * 20000)) "$work/signed.txt"
  wrk -t2 -c64 -d2s -s bench/webhooks.lua "http://127.0.0.1:$port" -- "$work/warmup.txt" 2 > /dev/null
  for _ in $(seq 1 100); do read -r total delivered < <(counts "$db"); [ "$total" = "$delivered" ] && break; sleep 0.2; done
  read -r total0 delivered0 < <(counts "$db")
  cpu0=$(cpu_ticks "$pid")
  out=$(wrk -t2 -c64 -d"${duration}s" --latency -s bench/webhooks.lua "http://127.0.0.1:$port" -- "$work/signed.txt" 2)
  cpu1=$(cpu_ticks "$pid")
  read -r total1 delivered1 < <(counts "$db")
  started=$(date +%s.%N)
  for _ in $(seq 1 600); do read -r total delivered < <(counts "$db"); [ "$total" = "$delivered" ] && break; sleep 0.1; done
  drained=$(echo "$(date +%s.%N) - $started" | bc)

  sent=$(echo "$out" | awk '/requests in/ {print $1}')
  non2xx=$(echo "$out" | awk '/Non-2xx/ {print $5}')
  accepted=$((total1 - total0))
  [ -z "$non2xx" ] || { echo "CallGate refused webhooks during the run:"; echo "$out"; exit 1; }
  # wrk counts the answers it read; the (at most 64) webhooks in flight when it stopped are accepted too.
  [ "$accepted" -ge "$sent" ] && [ "$accepted" -le $((sent + 64)) ] ||
    { echo "wrk had $sent webhooks answered but the outbox took $accepted new ones."; exit 1; }
  [ "$total" = "$delivered" ] || { echo "The outbox did not drain within a minute: $delivered of $total delivered."; exit 1; }
  printf "| %s | %d | %s | %s | %s | %d | %.1f s | %d µs |\n" "$sync" "$sent" "$(echo "$out" | awk '/Requests\/sec/ {print $2}')" \
    "$(echo "$out" | awk '/ 50%/ {print $2}')" "$(echo "$out" | awk '/ 99%/ {print $2}')" \
    "$((delivered1 - delivered0))" "$drained" "$(( (cpu1 - cpu0) * 1000000 / hz / accepted ))"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

# Both `--store-sync` values in each round, their order alternating by round (this VM's speed drifts).
echo "| --store-sync | webhooks answered 202 | accepted/s | p50 | p99 | delivered during the run | backlog drained after | gateway CPU per webhook |"
echo "|---|--:|--:|--:|--:|--:|--:|--:|"
for round in $(seq 1 "${ROUNDS:-1}"); do
  if [ $((round % 2)) = 1 ]; then order="full normal"; else order="normal full"; fi
  for sync in $order; do measure "$sync"; done
done
