#!/usr/bin/env bash
# Webhook intake benchmark: wrk sends pre-signed webhooks to `callgate serve` with the SQLite audit
# store (and its outbox) and one webhook source. LiveVox is an nginx stub (login and ScheduleCallback
# answered at once), as in bench/proxy.sh; the delivery worker forwards the accepted webhooks to it
# during the run, as it would to LiveVox. Loopback only; every process is stopped at the end. Prints
# a Markdown table; record it with this command in docs/benchmarks.md.
#   BENCH_SECONDS=10 (measured run)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
port=$(free_port)
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
"$bin" serve --port "$port" --keys-file "$work/keys.yaml" --webhooks-sources-file "$work/sources.yaml" \
  --store "sqlite:$work/audit.sqlite" --audit-key-file "$work/audit.key" --log-level warning \
  "${upstream[@]}" > "$work/logs/callgate.log" 2>&1 &
gate_pid=$!
pids+=($gate_pid)
wait_up "http://127.0.0.1:$port/healthz"

# counts: accepted deliveries, delivered ones (read from the store while it runs: WAL readers).
counts() {
  python3 - "$work/audit.sqlite" <<'PY'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
total, = db.execute("SELECT count(*) FROM deliveries").fetchone()
delivered, = db.execute("SELECT count(*) FROM deliveries WHERE status = 'delivered'").fetchone()
print(total, delivered)
PY
}
# Enough distinct webhooks for 12,000 a second: none is sent twice.
python3 bench/sign_webhooks.py "$secret" 8000 "$work/warmup.txt"
python3 bench/sign_webhooks.py "$secret" $((duration * 12000)) "$work/signed.txt"
# Warm up (LiveVox session, connections, SQLite caches); let the outbox drain; then measure.
wrk -t2 -c64 -d2s -s bench/webhooks.lua "http://127.0.0.1:$port" -- "$work/warmup.txt" 2 > /dev/null
for _ in $(seq 1 100); do read -r total delivered < <(counts); [ "$total" = "$delivered" ] && break; sleep 0.2; done
read -r total0 delivered0 < <(counts)
cpu0=$(cpu_ticks "$gate_pid")
out=$(wrk -t2 -c64 -d"${duration}s" --latency -s bench/webhooks.lua "http://127.0.0.1:$port" -- "$work/signed.txt" 2)
cpu1=$(cpu_ticks "$gate_pid")
read -r total1 delivered1 < <(counts)
started=$(date +%s.%N)
for _ in $(seq 1 600); do read -r total delivered < <(counts); [ "$total" = "$delivered" ] && break; sleep 0.1; done
drained=$(echo "$(date +%s.%N) - $started" | bc)

sent=$(echo "$out" | awk '/requests in/ {print $1}')
non2xx=$(echo "$out" | awk '/Non-2xx/ {print $5}')
accepted=$((total1 - total0))
[ -z "$non2xx" ] || { echo "CallGate refused webhooks during the run:"; echo "$out"; exit 1; }
# wrk counts the answers it read; the (at most 64) webhooks in flight when it stopped are accepted too.
[ "$accepted" -ge "$sent" ] && [ "$accepted" -le $((sent + 64)) ] ||
  { echo "wrk had $sent webhooks answered but the outbox took $accepted new ones."; exit 1; }
[ "$total" = "$delivered" ] || { echo "The outbox did not drain within a minute: $delivered of $total delivered."; exit 1; }
echo "| webhooks answered 202 | accepted/s | p50 | p99 | delivered during the run | backlog drained after | gateway CPU per webhook |"
echo "|--:|--:|--:|--:|--:|--:|--:|"
printf "| %d | %s | %s | %s | %d | %.1f s | %d µs |\n" "$sent" "$(echo "$out" | awk '/Requests\/sec/ {print $2}')" \
  "$(echo "$out" | awk '/ 50%/ {print $2}')" "$(echo "$out" | awk '/ 99%/ {print $2}')" \
  "$((delivered1 - delivered0))" "$drained" "$(( (cpu1 - cpu0) * 1000000 / hz / accepted ))"
