#!/usr/bin/env bash
# Side-by-side proxy benchmark (issue: the gateway): wrk against nginx `proxy_pass` and against
# CallGate (authentication and validation on), both in front of the same nginx `return 200` stub
# that serves LiveVox's login and queue-stats JSON. Loopback only; every process is stopped at the end.
# Prints a Markdown table; record it with this command in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
stub=$(free_port); proxy=$(free_port); gate=$(free_port); unaudited=$(free_port); floor=$(free_port)
mkdir -p "$work/logs"
cat > "$work/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  upstream stub { server 127.0.0.1:$stub; keepalive 64; }
  server {
    listen 127.0.0.1:$stub;
    default_type application/json;
    location = /session/login { return 200 '{"sessionId":"bench-session","clientId":1,"userId":1,"daysUntilPasswordExpires":90}'; }
    location /callControl/supervisor/calls/queue/ { return 200 '{"availableAgents":7,"callsOnHold":2,"callsToBeLaunched":14,"callsInProgress":8,"maxAgents":26}'; }
  }
  server {
    listen 127.0.0.1:$proxy;
    location / { proxy_pass http://stub; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
NGINX
nginx -p "$work" -c "$work/nginx.conf" -g 'daemon off;' &
pids+=($!)

key=$("$bin" keys create --name bench --role Manager --file "$work/keys.yaml" 2>/dev/null)
path=/callControl/supervisor/calls/queue/21429
auth="Authorization: Bearer $key"

# start_gate PORT STORE: CallGate in front of the stub, authentication and validation on.
start_gate() {
  "$bin" serve --port "$1" --keys-file "$work/keys.yaml" --log-level warning --store "$2" \
    --audit-key-file "$work/audit.key" \
    --upstream-url "http://127.0.0.1:$stub" --upstream-access-token bench --upstream-client-name BENCH \
    --upstream-user-name bench --upstream-password bench >> "$work/logs/callgate.log" 2>&1 &
  gate_pid=$!
  pids+=($gate_pid)
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$1/healthz" > /dev/null 2>&1 && break
    sleep 0.1
  done
  # Warm up (session, connections).
  wrk -t2 -c64 -d2s -H "$auth" "http://127.0.0.1:$1$path" > /dev/null
}

rps() { awk '/Requests\/sec/ {print $2}'; }
p99() { awk '/ 99%/ {print $2}'; }
non2xx() { awk '/Non-2xx/ {print $5}'; }
check2xx() { [ -z "$(echo "$1" | non2xx)" ] || { echo "CallGate answered non-2xx during the run:"; echo "$1"; exit 1; }; }

for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$proxy$path" > /dev/null 2>&1 && break
  sleep 0.1
done
wrk -t2 -c64 -d2s "http://127.0.0.1:$proxy$path" > /dev/null
nginx64=$(wrk -t2 -c64 -d"${duration}s" "http://127.0.0.1:$proxy$path")

# The design's floor (bench/ProxyFloor): the same server, task per request, curl thread and
# continuation as CallGate, with no authentication, validation, LiveVox client, metrics or audit.
floor_bin=${FLOOR_BIN:-.build/release/ProxyFloor}
"$floor_bin" "$floor" "http://127.0.0.1:$stub" 32 > "$work/logs/floor.log" 2>&1 &
floor_pid=$!
pids+=($floor_pid)
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$floor$path" > /dev/null 2>&1 && break
  sleep 0.1
done
wrk -t2 -c64 -d2s "http://127.0.0.1:$floor$path" > /dev/null
floor64=$(wrk -t2 -c64 -d"${duration}s" "http://127.0.0.1:$floor$path")
floor4=$(wrk -t1 -c4 -d"${duration}s" --latency "http://127.0.0.1:$floor$path")
kill "$floor_pid"; wait "$floor_pid" 2>/dev/null || true

# CallGate with its audit trail (SQLite, every request committed before its answer).
start_gate "$gate" "sqlite:$work/audit.sqlite"
audited_pid=$gate_pid
if [ -n "${PROFILE:-}" ]; then
  # PROFILE=FILE: sample CallGate's CPU (software clock; hardware counters are absent in this VM)
  # during the 64-connection run; read it with `perf report -i FILE --no-children --sort sym`.
  perf record -e cpu-clock -F 1999 -g -o "$PROFILE" -p "$gate_pid" -- sleep "$duration" > /dev/null 2>&1 &
  perf_pid=$!
fi
gate64=$(wrk -t2 -c64 -d"${duration}s" -H "$auth" "http://127.0.0.1:$gate$path")
[ -z "${PROFILE:-}" ] || wait "$perf_pid"
nginx4=$(wrk -t1 -c4 -d"${duration}s" --latency "http://127.0.0.1:$proxy$path")
gate4=$(wrk -t1 -c4 -d"${duration}s" --latency -H "$auth" "http://127.0.0.1:$gate$path")
rss=$(awk '/VmHWM/ {print int($2/1024)}' "/proc/$gate_pid/status")
check2xx "$gate64"

# The audit's cost: the audited gateway (still running, idle between runs) against one with
# `--store none`, in alternating runs at 64 connections, so that both see the same machine; this
# VM's speed drifts by 20 % and more within a minute, which a single pair of runs far apart would
# read as the audit's cost. Each pair gives a ratio; the table shows every ratio and their median.
start_gate "$unaudited" none
ratios=()
plain=()
for _ in $(seq 1 "${AUDIT_PAIRS:-3}"); do
  on=$(wrk -t2 -c64 -d"${duration}s" -H "$auth" "http://127.0.0.1:$gate$path")
  off=$(wrk -t2 -c64 -d"${duration}s" -H "$auth" "http://127.0.0.1:$unaudited$path")
  check2xx "$on"; check2xx "$off"
  plain+=("$(echo "$off" | rps)")
  ratios+=("$(echo "$(echo "$on" | rps) / $(echo "$off" | rps)" | bc -l)")
done
median=$(printf '%s\n' "${ratios[@]}" | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}')
records=$("$bin" audit query --store "sqlite:$work/audit.sqlite" --audit-key-file "$work/audit.key" --limit 100000000 | wc -l)
kill "$audited_pid"; wait "$audited_pid" 2>/dev/null || true

n64=$(echo "$nginx64" | rps); g64=$(echo "$gate64" | rps)
echo "| what | nginx proxy_pass | CallGate | ratio or difference | target |"
echo "|---|---|---|---|---|"
printf '| req/s at 64 connections | %.0f | %.0f | %.2fx | >= 0.5x |\n' "$n64" "$g64" "$(echo "$g64 / $n64" | bc -l)"
echo "| p99 at 4 connections | $(echo "$nginx4" | p99) | $(echo "$gate4" | p99) | | CallGate <= nginx + 1 ms |"
echo "| CallGate peak RSS under load | | ${rss} MiB | | <= 150 MiB |"
f64=$(echo "$floor64" | rps)
printf '| req/s at 64 connections, design floor (ProxyFloor: no work but the server, the curl thread and back) | | %.0f | %.2fx of nginx | |\n' "$f64" "$(echo "$f64 / $n64" | bc -l)"
echo "| p99 at 4 connections, design floor | | $(echo "$floor4" | p99) | | |"
printf '| req/s at 64 connections, audit off (--store none), alternating with audit on | | %s | audit on = %s of off (median %.2fx) | >= 0.85x |\n' \
  "$(printf '%.0f / ' "${plain[@]}" | sed 's| / $||')" "$(printf '%.2fx / ' "${ratios[@]}" | sed 's| / $||')" "$median"
echo "| audit records written during the runs | | $records | | every request |"

# Where the upstream leg's CPU goes, layer by layer, against the same stub (no HTTP server).
if [ -x .build/release/UpstreamBench ] && [ -z "${SKIP_LAYERS:-}" ]; then
  echo
  .build/release/UpstreamBench "http://127.0.0.1:$stub" "${LAYER_REQUESTS:-100000}" 64
fi
