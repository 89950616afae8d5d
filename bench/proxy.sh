#!/usr/bin/env bash
# Side-by-side proxy benchmark: wrk against nginx `proxy_pass`, against CallGate (authentication and
# validation on) with its audit trail (`--store-sync full`, the default, and `normal`) and without it,
# and against the design's floor (bench/ProxyFloor)
# without and with the audit, all in front of the same nginx `return 200` stub that serves LiveVox's
# login and queue-stats JSON. Loopback only; every process is stopped at the end. Prints a Markdown
# table; record it with this command in docs/benchmarks.md.
#   bench/proxy.sh                       the whole table (ROUNDS=3, BENCH_SECONDS=10 per run)
#   bench/proxy.sh --compare OLD NEW     two builds of callgate, audited, at 64 connections, in ROUNDS
#                                        (6) alternating rounds: CPU per request and req/s of each
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
if [ "${1:-}" = --compare ]; then
  [ $# -eq 3 ] || { echo "usage: bench/proxy.sh --compare OLD_CALLGATE NEW_CALLGATE" >&2; exit 2; }
  old_bin=$2 new_bin=$3 bin=$2
fi
stub=$(free_port); proxy=$(free_port); gate=$(free_port); unaudited=$(free_port); floor=$(free_port); afloor=$(free_port)
normal=$(free_port)
start_nginx "
  upstream stub { server 127.0.0.1:$stub; keepalive 64; }
  server {
    listen 127.0.0.1:$stub;
    default_type application/json;
    $stub_login
    $stub_queue
  }
  server {
    listen 127.0.0.1:$proxy;
    location / { proxy_pass http://stub; proxy_http_version 1.1; proxy_set_header Connection \"\"; }
  }"
upstream_flags "$stub"

key=$("$bin" keys create --name bench --role Manager --file "$work/keys.yaml" 2>/dev/null)
auth="Authorization: Bearer $key"

# --compare: both builds audited, each with its own database, both up while either is measured.
# The order alternates by round (OLD first in odd rounds), so that the VM's drift, 20 % and more
# within a minute, falls on both alike; each round gives its own ratio.
if [ -n "${old_bin:-}" ]; then
  old_port=$(free_port); new_port=$(free_port)
  start_gate "$old_port" "sqlite:$work/old.sqlite" "$old_bin"; old_pid=$gate_pid
  start_gate "$new_port" "sqlite:$work/new.sqlite" "$new_bin"; new_pid=$gate_pid
  old_cpu=(); new_cpu=(); old_rps=(); new_rps=(); ratio=()
  # measure PID PORT: one run at 64 connections; sets cpu (µs per request) and rate (req/s).
  measure() {
    local before out
    before=$(cpu_ticks "$1")
    out=$(wrk -t2 -c64 -d"${duration}s" -H "$auth" "http://127.0.0.1:$2$queue_path")
    check2xx "$out"
    cpu=$(per_request "$before" "$(cpu_ticks "$1")" "$out"); rate=$(echo "$out" | rps)
  }
  for round in $(seq 1 "${ROUNDS:-6}"); do
    if [ $((round % 2)) = 1 ]; then
      measure "$old_pid" "$old_port"; old_cpu+=("$cpu"); old_rps+=("$rate")
      measure "$new_pid" "$new_port"; new_cpu+=("$cpu"); new_rps+=("$rate")
    else
      measure "$new_pid" "$new_port"; new_cpu+=("$cpu"); new_rps+=("$rate")
      measure "$old_pid" "$old_port"; old_cpu+=("$cpu"); old_rps+=("$rate")
    fi
    ratio+=("$(echo "${new_cpu[-1]} / ${old_cpu[-1]}" | bc -l)")
  done
  echo "OLD: $old_bin; NEW: $new_bin; ${ROUNDS:-6} alternating rounds of ${duration} s at 64 connections, audited (SQLite)."
  echo
  echo "| round | OLD CPU per request | NEW CPU per request | NEW / OLD | OLD req/s | NEW req/s |"
  echo "|--:|--:|--:|--:|--:|--:|"
  for i in "${!ratio[@]}"; do
    printf '| %d | %.1f µs | %.1f µs | %.3f | %.0f | %.0f |\n' \
      "$((i + 1))" "${old_cpu[i]}" "${new_cpu[i]}" "${ratio[i]}" "${old_rps[i]}" "${new_rps[i]}"
  done
  printf '| median | %.1f µs | %.1f µs | %.3f | %.0f | %.0f |\n' "$(median "${old_cpu[@]}")" "$(median "${new_cpu[@]}")" \
    "$(median "${ratio[@]}")" "$(median "${old_rps[@]}")" "$(median "${new_rps[@]}")"
  exit 0
fi

wait_up "http://127.0.0.1:$proxy$queue_path"
wrk -t2 -c64 -d2s "http://127.0.0.1:$proxy$queue_path" > /dev/null

# start_floor PORT LOG [AUDIT_DATABASE]: the design's floor (bench/ProxyFloor), the same server, task
# per request, curl thread and continuation as CallGate, with no authentication, validation,
# LiveVox client or metrics; with AUDIT_DATABASE, each request also commits its record through
# CallGate's AuditWriter into that SQLite file before it is answered, as CallGate does.
start_floor() {
  "${FLOOR_BIN:-.build/release/ProxyFloor}" "$1" "http://127.0.0.1:$stub" 32 ${3:+"$3"} > "$work/logs/$2" 2>&1 &
  pids+=($!)
  wait_up "http://127.0.0.1:$1$queue_path"
  wrk -t2 -c64 -d2s "http://127.0.0.1:$1$queue_path" > /dev/null
}
start_floor "$floor" floor.log
start_floor "$afloor" floor-audit.log "$work/floor-audit.sqlite"

# CallGate with its audit trail (SQLite, every request committed before its answer; `--store-sync
# full`, the default, and `normal`), and one with `--store none` for the audit's cost. Every server
# stays up, idle while another is measured.
start_gate "$gate" "sqlite:$work/audit.sqlite"
audited_pid=$gate_pid
start_gate "$normal" "sqlite:$work/audit-normal.sqlite" "$bin" --store-sync normal
normal_pid=$gate_pid
start_gate "$unaudited" none
unaudited_pid=$gate_pid

# Rounds: in each, nginx, audited CallGate (full, then normal), unaudited CallGate, the floor and the
# floor with the audit one after the other at 64 connections, then nginx, audited CallGate (full,
# normal), the floor and the floor with the audit at 4. This VM's speed drifts by 20 % and more within a minute, so a ratio is taken
# within a round, never across; the table shows each round's ratio and their median.
n64=(); g64=(); o64=(); f64=(); a64=(); gate_ratio=(); off_ratio=(); floor_ratio=(); afloor_ratio=(); audit_ratio=()
n4=(); g4=(); f4=(); a4=(); added4=(); floor_added4=(); afloor_added4=()
cpu_on=(); cpu_off=(); cpu_audit=()
s64=(); sync_ratio=(); cpu_normal=(); s4=(); normal_added4=()
for round in $(seq 1 "${ROUNDS:-3}"); do
  nginx=$(wrk -t2 -c64 -d"${duration}s" "http://127.0.0.1:$proxy$queue_path")
  if [ -n "${PROFILE:-}" ] && [ "$round" = 1 ]; then
    # PROFILE=FILE: sample the audited CallGate's CPU (software clock; hardware counters are absent
    # in this VM) during its first 64-connection run; `perf report -i FILE --no-children --sort sym`.
    perf record -e cpu-clock -F 1999 -g -o "$PROFILE" -p "$audited_pid" -- sleep "$duration" > /dev/null 2>&1 &
    perf_pid=$!
  fi
  before=$(cpu_ticks "$audited_pid")
  on=$(wrk -t2 -c64 -d"${duration}s" -H "$auth" "http://127.0.0.1:$gate$queue_path")
  cpu_on+=("$(per_request "$before" "$(cpu_ticks "$audited_pid")" "$on")")
  [ -z "${PROFILE:-}" ] || [ "$round" != 1 ] || wait "$perf_pid"
  before=$(cpu_ticks "$normal_pid")
  relaxed=$(wrk -t2 -c64 -d"${duration}s" -H "$auth" "http://127.0.0.1:$normal$queue_path")
  cpu_normal+=("$(per_request "$before" "$(cpu_ticks "$normal_pid")" "$relaxed")")
  check2xx "$relaxed"
  s64+=("$(echo "$relaxed" | rps)")
  before=$(cpu_ticks "$unaudited_pid")
  off=$(wrk -t2 -c64 -d"${duration}s" -H "$auth" "http://127.0.0.1:$unaudited$queue_path")
  cpu_off+=("$(per_request "$before" "$(cpu_ticks "$unaudited_pid")" "$off")")
  cpu_audit+=("$(echo "${cpu_on[-1]} - ${cpu_off[-1]}" | bc -l)")
  bare=$(wrk -t2 -c64 -d"${duration}s" "http://127.0.0.1:$floor$queue_path")
  bare_audited=$(wrk -t2 -c64 -d"${duration}s" "http://127.0.0.1:$afloor$queue_path")
  check2xx "$on"; check2xx "$off"; check2xx "$bare_audited"
  n64+=("$(echo "$nginx" | rps)"); g64+=("$(echo "$on" | rps)"); o64+=("$(echo "$off" | rps)"); f64+=("$(echo "$bare" | rps)")
  a64+=("$(echo "$bare_audited" | rps)")
  afloor_ratio+=("$(echo "${a64[-1]} / ${n64[-1]}" | bc -l)")
  gate_ratio+=("$(echo "${g64[-1]} / ${n64[-1]}" | bc -l)")
  off_ratio+=("$(echo "${o64[-1]} / ${n64[-1]}" | bc -l)")
  floor_ratio+=("$(echo "${f64[-1]} / ${n64[-1]}" | bc -l)")
  audit_ratio+=("$(echo "${g64[-1]} / ${o64[-1]}" | bc -l)")
  sync_ratio+=("$(echo "${g64[-1]} / ${s64[-1]}" | bc -l)")
  nginx4=$(wrk -t1 -c4 -d"${duration}s" --latency "http://127.0.0.1:$proxy$queue_path")
  gate4=$(wrk -t1 -c4 -d"${duration}s" --latency -H "$auth" "http://127.0.0.1:$gate$queue_path")
  normal4=$(wrk -t1 -c4 -d"${duration}s" --latency -H "$auth" "http://127.0.0.1:$normal$queue_path")
  floor4=$(wrk -t1 -c4 -d"${duration}s" --latency "http://127.0.0.1:$floor$queue_path")
  afloor4=$(wrk -t1 -c4 -d"${duration}s" --latency "http://127.0.0.1:$afloor$queue_path")
  check2xx "$gate4"; check2xx "$normal4"; check2xx "$afloor4"
  n4+=("$(echo "$nginx4" | p99 | to_ms)"); g4+=("$(echo "$gate4" | p99 | to_ms)")
  f4+=("$(echo "$floor4" | p99 | to_ms)"); a4+=("$(echo "$afloor4" | p99 | to_ms)")
  added4+=("$(echo "${g4[-1]} - ${n4[-1]}" | bc -l)")
  s4+=("$(echo "$normal4" | p99 | to_ms)")
  normal_added4+=("$(echo "${s4[-1]} - ${n4[-1]}" | bc -l)")
  floor_added4+=("$(echo "${f4[-1]} - ${n4[-1]}" | bc -l)")
  afloor_added4+=("$(echo "${a4[-1]} - ${n4[-1]}" | bc -l)")
done
rss=$(awk '/VmHWM/ {print int($2/1024)}' "/proc/$audited_pid/status")
# The writer's own totals, from the audited CallGate's /metrics: records per commit over all the runs.
writer=$(curl -sf "http://127.0.0.1:$gate/metrics" | awk '$1 == "callgate_audit_commits_total" {c=$2} $1 == "callgate_audit_records_committed_total" {r=$2} $1 == "callgate_audit_writer_busy_seconds_total" {b=$2} END {printf "%d commits, %.1f records per commit, %.1f s committing", c, c ? r / c : 0, b}')
records=$("$bin" audit query --store "sqlite:$work/audit.sqlite" --audit-key-file "$work/audit.key" --limit 100000000 | wc -l)
kill "$audited_pid"; wait "$audited_pid" 2>/dev/null || true
kill "$normal_pid"; wait "$normal_pid" 2>/dev/null || true

echo "Rounds: ${ROUNDS:-3}, ${duration} s per run; each cell lists the rounds in order, the median in parentheses."
echo
echo "| what | nginx proxy_pass | CallGate | ratio or difference | target |"
echo "|---|---|---|---|---|"
printf '| req/s at 64 connections (audited, `--store-sync full`) | %s | %s | %s (median %.2fx) | >= 0.5x |\n' \
  "$(joined %.0f "${n64[@]}")" "$(joined %.0f "${g64[@]}")" "$(joined %.2fx "${gate_ratio[@]}")" "$(median "${gate_ratio[@]}")"
printf '| p99 at 4 connections, ms (audited, `--store-sync full`) | %s | %s | %s (median %+.2f ms) | CallGate <= nginx + 1 ms |\n' \
  "$(joined %.2f "${n4[@]}")" "$(joined %.2f "${g4[@]}")" "$(joined %+.2f "${added4[@]}")" "$(median "${added4[@]}")"
printf '| req/s at 64 connections, audited, `--store-sync normal` | | %s | full = %s of normal (median %.2fx) | |\n' \
  "$(joined %.0f "${s64[@]}")" "$(joined %.2fx "${sync_ratio[@]}")" "$(median "${sync_ratio[@]}")"
printf '| p99 at 4 connections, ms, audited, `--store-sync normal` | | %s | %s (median %+.2f ms) | |\n' \
  "$(joined %.2f "${s4[@]}")" "$(joined %+.2f "${normal_added4[@]}")" "$(median "${normal_added4[@]}")"
echo "| CallGate peak RSS under load (audited) | | ${rss} MiB | | <= 150 MiB |"
printf '| req/s at 64 connections, audit off (`--store none`) | | %s | audit on = %s of off (median %.2fx) | >= 0.85x (issue: audit) |\n' \
  "$(joined %.0f "${o64[@]}")" "$(joined %.2fx "${audit_ratio[@]}")" "$(median "${audit_ratio[@]}")"
printf '| the same, against nginx | | | %s (median %.2fx) | |\n' \
  "$(joined %.2fx "${off_ratio[@]}")" "$(median "${off_ratio[@]}")"
printf '| CallGate CPU per request at 64 connections, µs: audited (full); audited (normal); unaudited | | %s; %s; %s | the audit (full) costs %s (median %.1f µs) | |\n' \
  "$(joined %.1f "${cpu_on[@]}")" "$(joined %.1f "${cpu_normal[@]}")" "$(joined %.1f "${cpu_off[@]}")" "$(joined %.1f "${cpu_audit[@]}")" "$(median "${cpu_audit[@]}")"
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
