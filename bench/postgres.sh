#!/usr/bin/env bash
# The proxy on PostgreSQL: wrk against CallGate with `--store postgres://` beside `--store sqlite:`,
# one instance each, then one and two instances on PostgreSQL behind an nginx load balancer, all in
# front of the same nginx stub for LiveVox as bench/proxy.sh, in one run. PostgreSQL is a throwaway
# cluster of its own (scripts/postgres-cluster.sh: fsync and synchronous_commit on), stopped and
# removed at the end whatever happens. Loopback only. Prints a Markdown table; record it with this
# command in docs/benchmarks.md.
#   BENCH_SECONDS=10 (each measured run), ROUNDS=3 (rounds; in each, every setup once, in order)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
start_postgres
# The single instance and the pair each get a database of their own, so each trail verifies alone.
single_db=$(postgres_database single)
pair_db=$(postgres_database pair)

sqlite_port=$(free_port); single=$(free_port); pair_a=$(free_port); pair_b=$(free_port)
lb_single=$(free_port); lb_pair=$(free_port)
start_stub
key=$("$bin" keys create --name bench --role Manager --file "$work/keys.yaml" 2>/dev/null)
auth="Authorization: Bearer $key"

# One CallGate on SQLite, one on PostgreSQL, and a pair on another PostgreSQL database. They share
# the audit key file (the pair must: one chain); the first start creates it.
start_gate "$sqlite_port" "sqlite:$work/audit.sqlite"; sqlite_pid=$gate_pid
start_gate "$single" "$single_db"; single_pid=$gate_pid
start_gate "$pair_a" "$pair_db"; pair_a_pid=$gate_pid
start_gate "$pair_b" "$pair_db"; pair_b_pid=$gate_pid

# The load balancer: an nginx of its own (its CPU measured apart from the stub's), keepalive to the
# instances as a deployment would keep, round robin.
start_nginx "
  upstream single { server 127.0.0.1:$single; keepalive 64; }
  upstream pair { server 127.0.0.1:$pair_a; server 127.0.0.1:$pair_b; keepalive 64; }
  server {
    listen 127.0.0.1:$lb_single;
    location / { proxy_pass http://single; proxy_http_version 1.1; proxy_set_header Connection \"\"; }
  }
  server {
    listen 127.0.0.1:$lb_pair;
    location / { proxy_pass http://pair; proxy_http_version 1.1; proxy_set_header Connection \"\"; }
  }" balancer
balancer_pid=$nginx_pid
wait_up "http://127.0.0.1:$lb_pair/healthz"
wrk -t2 -c64 -d2s -H "$auth" "http://127.0.0.1:$lb_single$queue_path" > /dev/null
wrk -t2 -c64 -d2s -H "$auth" "http://127.0.0.1:$lb_pair$queue_path" > /dev/null

# tree_ticks PID...: the CPU ticks of each process given and of its children (nginx's worker).
tree_ticks() {
  local total=0 pid child
  for pid in "$@"; do
    total=$((total + $(cpu_ticks "$pid")))
    for child in $(ps -o pid= --ppid "$pid"); do
      total=$((total + $(cpu_ticks "$child" 2>/dev/null || echo 0)))
    done
  done
  echo "$total"
}

# measure NAME PORT GATE_PIDS...: one run at 64 connections against PORT; appends req/s, p99 and CPU
# per request (the CallGate processes given, the balancer's nginx, PostgreSQL) to NAME's arrays.
declare -A rate latency gate_cpu balancer_cpu database_cpu
measure() {
  local name=$1 port=$2 gates before_gate before_balancer before_database out
  shift 2
  gates=("$@")
  before_gate=$(tree_ticks "${gates[@]}"); before_balancer=$(tree_ticks "$balancer_pid"); before_database=$(postgres_ticks)
  out=$(wrk -t2 -c64 -d"${duration}s" --latency -H "$auth" "http://127.0.0.1:$port$queue_path")
  check2xx "$out"
  gate_cpu[$name]+=" $(per_request "$before_gate" "$(tree_ticks "${gates[@]}")" "$out")"
  balancer_cpu[$name]+=" $(per_request "$before_balancer" "$(tree_ticks "$balancer_pid")" "$out")"
  database_cpu[$name]+=" $(per_request "$before_database" "$(postgres_ticks)" "$out")"
  rate[$name]+=" $(echo "$out" | rps)"
  latency[$name]+=" $(echo "$out" | p99 | to_ms)"
}

# Every setup once per round, in the same order, so the VM's drift (20 % within a minute) falls on
# each round alike; ratios are taken within a round.
setups=(sqlite postgres balanced1 balanced2)
declare -A ratio
for round in $(seq 1 "${ROUNDS:-3}"); do
  measure sqlite "$sqlite_port" "$sqlite_pid"
  measure postgres "$single" "$single_pid"
  measure balanced1 "$lb_single" "$single_pid"
  measure balanced2 "$lb_pair" "$pair_a_pid" "$pair_b_pid"
  last() { echo "${rate[$1]}" | awk '{print $NF}'; }
  ratio[postgres]+=" $(echo "$(last postgres) / $(last sqlite)" | bc -l)"
  ratio[balanced1]+=" $(echo "$(last balanced1) / $(last postgres)" | bc -l)"
  ratio[balanced2]+=" $(echo "$(last balanced2) / $(last balanced1)" | bc -l)"
done

# The trails after the load: each store verifies whole (the pair's chain holds both instances'
# records), and holds a record for every request.
verify() { "$bin" audit verify --store "$1" --audit-key-file "$work/audit.key" 2>&1 | tail -1; }
sqlite_verify=$(verify "sqlite:$work/audit.sqlite")
single_verify=$(verify "$single_db")
pair_verify=$(verify "$pair_db")
commits=$(curl -sf "http://127.0.0.1:$single/metrics" | awk '$1 == "callgate_audit_commits_total" {c=$2} $1 == "callgate_audit_records_committed_total" {r=$2} END {printf "%.1f", c ? r / c : 0}')

echo "Rounds: ${ROUNDS:-3}, ${duration} s per run at 64 connections (wrk -t2); each cell lists the rounds in order, the median in parentheses."
echo "$(postgres_settings). Load at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
echo
echo "| setup | req/s | ratio | p99, ms | CPU per request: CallGate | balancer nginx | PostgreSQL |"
echo "|---|---|---|---|---|---|---|"
describe() {
  case $1 in
    sqlite) echo 'one CallGate, `--store sqlite:`' ;;
    postgres) echo 'one CallGate, `--store postgres://`' ;;
    balanced1) echo 'nginx in front of that one' ;;
    balanced2) echo 'nginx in front of two on one database' ;;
  esac
}
what_ratio() {
  case $1 in
    postgres) echo 'of SQLite' ;;
    balanced1) echo 'of direct' ;;
    balanced2) echo 'of one behind nginx' ;;
  esac
}
for setup in "${setups[@]}"; do
  # shellcheck disable=SC2086
  {
    ratios=""
    [ -z "${ratio[$setup]:-}" ] || ratios="$(joined %.2fx ${ratio[$setup]}) $(what_ratio "$setup") (median $(printf %.2fx "$(median ${ratio[$setup]})"))"
    printf '| %s | %s (%.0f) | %s | %s (%.2f) | %s (%.1f µs) | %s | %s |\n' "$(describe "$setup")" \
      "$(joined %.0f ${rate[$setup]})" "$(median ${rate[$setup]})" "$ratios" \
      "$(joined %.2f ${latency[$setup]})" "$(median ${latency[$setup]})" \
      "$(joined %.1f ${gate_cpu[$setup]})" "$(median ${gate_cpu[$setup]})" \
      "$(joined %.1f ${balancer_cpu[$setup]})" "$(joined %.1f ${database_cpu[$setup]})"
  }
done
echo
echo "Trails after the runs: SQLite $sqlite_verify; PostgreSQL (one) $single_verify; PostgreSQL (the pair) $pair_verify."
echo "The PostgreSQL instance's audit writer: $commits records per commit over the script."
