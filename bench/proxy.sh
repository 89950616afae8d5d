#!/usr/bin/env bash
# Side-by-side proxy benchmark (issue: the gateway): wrk against nginx `proxy_pass`, against
# CallGate (authentication and validation on) with and without its audit trail, and against the
# design's floor (bench/ProxyFloor), without and with the audit, all in front of the same nginx `return 200` stub that serves
# LiveVox's login and queue-stats JSON. Loopback only; every process is stopped at the end.
# Prints a Markdown table; record it with this command in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
stub=$(free_port); proxy=$(free_port); gate=$(free_port); unaudited=$(free_port); floor=$(free_port); afloor=$(free_port)
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

# start_floor PORT LOG [AUDIT_DATABASE]: the design's floor (bench/ProxyFloor), the same server, task
# per request, curl thread and continuation as CallGate, with no authentication, validation,
# LiveVox client or metrics; with AUDIT_DATABASE, each request also commits its record through
# CallGate's AuditWriter into that SQLite file before it is answered, as the audit issue requires.
start_floor() {
  "${FLOOR_BIN:-.build/release/ProxyFloor}" "$1" "http://127.0.0.1:$stub" 32 ${3:+"$3"} > "$work/logs/$2" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$1$path" > /dev/null 2>&1 && break
    sleep 0.1
  done
  wrk -t2 -c64 -d2s "http://127.0.0.1:$1$path" > /dev/null
}
start_floor "$floor" floor.log
start_floor "$afloor" floor-audit.log "$work/floor-audit.sqlite"

# CallGate with its audit trail (SQLite, every request committed before its answer), and one with
# `--store none` for the audit's cost. Every server stays up, idle while another is measured.
start_gate "$gate" "sqlite:$work/audit.sqlite"
audited_pid=$gate_pid
start_gate "$unaudited" none
unaudited_pid=$gate_pid

# Rounds: in each, nginx, audited CallGate, unaudited CallGate, the floor and the floor with the
# audit one after the other at 64 connections, then nginx, audited CallGate, the floor and the floor
# with the audit at 4. This VM's speed drifts by 20 % and more
# within a minute, so a ratio is taken within a round, never across; the table shows each round's
# ratio and their median.
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
to_ms() { awk '{v=$1; if (v ~ /us$/) v=v/1000; else if (v ~ /ms$/) v=v+0; else if (v ~ /s$/) v=v*1000; print v}'; }
joined() { local format=$1; shift; printf "$format / " "$@" | sed 's| / $||'; }
# The CPU time a process has used, in clock ticks; per request over a run, in µs. Far steadier than
# req/s on this VM, whose speed drifts: the audit's cost in CPU is what its throughput ratio follows.
hz=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
per_request() { echo "($2 - $1) * 1000000 / $hz / $(echo "$3" | awk '/requests in/ {print $1}')" | bc -l; }
n64=(); g64=(); o64=(); f64=(); a64=(); gate_ratio=(); off_ratio=(); floor_ratio=(); afloor_ratio=(); audit_ratio=()
n4=(); g4=(); f4=(); a4=(); added4=(); floor_added4=(); afloor_added4=()
cpu_on=(); cpu_off=(); cpu_audit=()
for round in $(seq 1 "${ROUNDS:-3}"); do
  nginx=$(wrk -t2 -c64 -d"${duration}s" "http://127.0.0.1:$proxy$path")
  if [ -n "${PROFILE:-}" ] && [ "$round" = 1 ]; then
    # PROFILE=FILE: sample the audited CallGate's CPU (software clock; hardware counters are absent
    # in this VM) during its first 64-connection run; `perf report -i FILE --no-children --sort sym`.
    perf record -e cpu-clock -F 1999 -g -o "$PROFILE" -p "$audited_pid" -- sleep "$duration" > /dev/null 2>&1 &
    perf_pid=$!
  fi
  before=$(ticks "$audited_pid")
  on=$(wrk -t2 -c64 -d"${duration}s" -H "$auth" "http://127.0.0.1:$gate$path")
  cpu_on+=("$(per_request "$before" "$(ticks "$audited_pid")" "$on")")
  [ -z "${PROFILE:-}" ] || [ "$round" != 1 ] || wait "$perf_pid"
  before=$(ticks "$unaudited_pid")
  off=$(wrk -t2 -c64 -d"${duration}s" -H "$auth" "http://127.0.0.1:$unaudited$path")
  cpu_off+=("$(per_request "$before" "$(ticks "$unaudited_pid")" "$off")")
  cpu_audit+=("$(echo "${cpu_on[-1]} - ${cpu_off[-1]}" | bc -l)")
  bare=$(wrk -t2 -c64 -d"${duration}s" "http://127.0.0.1:$floor$path")
  bare_audited=$(wrk -t2 -c64 -d"${duration}s" "http://127.0.0.1:$afloor$path")
  check2xx "$on"; check2xx "$off"; check2xx "$bare_audited"
  n64+=("$(echo "$nginx" | rps)"); g64+=("$(echo "$on" | rps)"); o64+=("$(echo "$off" | rps)"); f64+=("$(echo "$bare" | rps)")
  a64+=("$(echo "$bare_audited" | rps)")
  afloor_ratio+=("$(echo "${a64[-1]} / ${n64[-1]}" | bc -l)")
  gate_ratio+=("$(echo "${g64[-1]} / ${n64[-1]}" | bc -l)")
  off_ratio+=("$(echo "${o64[-1]} / ${n64[-1]}" | bc -l)")
  floor_ratio+=("$(echo "${f64[-1]} / ${n64[-1]}" | bc -l)")
  audit_ratio+=("$(echo "${g64[-1]} / ${o64[-1]}" | bc -l)")
  nginx4=$(wrk -t1 -c4 -d"${duration}s" --latency "http://127.0.0.1:$proxy$path")
  gate4=$(wrk -t1 -c4 -d"${duration}s" --latency -H "$auth" "http://127.0.0.1:$gate$path")
  floor4=$(wrk -t1 -c4 -d"${duration}s" --latency "http://127.0.0.1:$floor$path")
  afloor4=$(wrk -t1 -c4 -d"${duration}s" --latency "http://127.0.0.1:$afloor$path")
  check2xx "$gate4"; check2xx "$afloor4"
  n4+=("$(echo "$nginx4" | p99 | to_ms)"); g4+=("$(echo "$gate4" | p99 | to_ms)")
  f4+=("$(echo "$floor4" | p99 | to_ms)"); a4+=("$(echo "$afloor4" | p99 | to_ms)")
  added4+=("$(echo "${g4[-1]} - ${n4[-1]}" | bc -l)")
  floor_added4+=("$(echo "${f4[-1]} - ${n4[-1]}" | bc -l)")
  afloor_added4+=("$(echo "${a4[-1]} - ${n4[-1]}" | bc -l)")
done
rss=$(awk '/VmHWM/ {print int($2/1024)}' "/proc/$audited_pid/status")
# The writer's own totals, from the audited CallGate's /metrics: records per commit over all the runs.
writer=$(curl -sf "http://127.0.0.1:$gate/metrics" | awk '$1 == "callgate_audit_commits_total" {c=$2} $1 == "callgate_audit_records_committed_total" {r=$2} $1 == "callgate_audit_writer_busy_seconds_total" {b=$2} END {printf "%d commits, %.1f records per commit, %.1f s committing", c, c ? r / c : 0, b}')
records=$("$bin" audit query --store "sqlite:$work/audit.sqlite" --audit-key-file "$work/audit.key" --limit 100000000 | wc -l)
kill "$audited_pid"; wait "$audited_pid" 2>/dev/null || true

echo "Rounds: ${ROUNDS:-3}, ${duration} s per run; each cell lists the rounds in order, the median in parentheses."
echo
echo "| what | nginx proxy_pass | CallGate | ratio or difference | target |"
echo "|---|---|---|---|---|"
printf '| req/s at 64 connections (audited) | %s | %s | %s (median %.2fx) | >= 0.5x |\n' \
  "$(joined %.0f "${n64[@]}")" "$(joined %.0f "${g64[@]}")" "$(joined %.2fx "${gate_ratio[@]}")" "$(median "${gate_ratio[@]}")"
printf '| p99 at 4 connections, ms (audited) | %s | %s | %s (median %+.2f ms) | CallGate <= nginx + 1 ms |\n' \
  "$(joined %.2f "${n4[@]}")" "$(joined %.2f "${g4[@]}")" "$(joined %+.2f "${added4[@]}")" "$(median "${added4[@]}")"
echo "| CallGate peak RSS under load (audited) | | ${rss} MiB | | <= 150 MiB |"
printf '| req/s at 64 connections, audit off (`--store none`) | | %s | audit on = %s of off (median %.2fx) | >= 0.85x (issue: audit) |\n' \
  "$(joined %.0f "${o64[@]}")" "$(joined %.2fx "${audit_ratio[@]}")" "$(median "${audit_ratio[@]}")"
printf '| the same, against nginx | | | %s (median %.2fx) | |\n' \
  "$(joined %.2fx "${off_ratio[@]}")" "$(median "${off_ratio[@]}")"
printf '| CallGate CPU per request at 64 connections, µs: audited; unaudited | | %s; %s | the audit costs %s (median %.1f µs) | |\n' \
  "$(joined %.1f "${cpu_on[@]}")" "$(joined %.1f "${cpu_off[@]}")" "$(joined %.1f "${cpu_audit[@]}")" "$(median "${cpu_audit[@]}")"
printf '| req/s at 64 connections, design floor (`ProxyFloor`: the server, the curl thread and back, no work) | | %s | %s of nginx (median %.2fx) | |\n' \
  "$(joined %.0f "${f64[@]}")" "$(joined %.2fx "${floor_ratio[@]}")" "$(median "${floor_ratio[@]}")"
printf '| req/s at 64 connections, design floor with the audit (`ProxyFloor` committing each request'"'"'s record through `AuditWriter` into SQLite) | | %s | %s of nginx (median %.2fx) | |\n' \
  "$(joined %.0f "${a64[@]}")" "$(joined %.2fx "${afloor_ratio[@]}")" "$(median "${afloor_ratio[@]}")"
printf '| p99 at 4 connections, ms, design floor | | %s | %s (median %+.2f ms) | |\n' \
  "$(joined %.2f "${f4[@]}")" "$(joined %+.2f "${floor_added4[@]}")" "$(median "${floor_added4[@]}")"
printf '| p99 at 4 connections, ms, design floor with the audit | | %s | %s (median %+.2f ms) | |\n' \
  "$(joined %.2f "${a4[@]}")" "$(joined %+.2f "${afloor_added4[@]}")" "$(median "${afloor_added4[@]}")"
echo "| audit records written during the runs | | $records | | every request |"
echo "| the audited CallGate's audit writer over the whole script (\`/metrics\`) | | $writer | | |"

# Where the upstream leg's CPU goes, layer by layer, against the same stub (no HTTP server).
if [ -x .build/release/UpstreamBench ] && [ -z "${SKIP_LAYERS:-}" ]; then
  echo
  .build/release/UpstreamBench "http://127.0.0.1:$stub" "${LAYER_REQUESTS:-100000}" 64
fi
