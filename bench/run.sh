#!/usr/bin/env bash
# `make bench`: builds nothing itself (the Makefile builds release first); runs each benchmark and
# prints one table. Record the table, with this command, in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
out=bench/out
mkdir -p "$out"
python=.venv/bin/python

lines=${CHECK_LINES:-1000000}
corpus="$out/phones-$lines.txt"
[ -f "$corpus" ] || "$python" bench/make_phone_corpus.py --lines "$lines" --seed 7 > "$corpus"

.build/release/PhoneParseBench "${PARSES:-10000000}"
echo
window_corpus="$out/windows-$lines.txt"
[ -f "$window_corpus" ] || "$python" bench/make_window_corpus.py --lines "$lines" --seed 7 > "$window_corpus"

# check_rate LABEL FORMAT CORPUS ARGS...: one table row, the lines per second of `callgate ARGS` on CORPUS.
check_rate() {
  local label=$1 format=$2 corpus=$3
  shift 3
  local start end
  start=$(date +%s.%N)
  "$bin" "$@" --format "$format" < "$corpus" > "$out/check.$format" || true
  end=$(date +%s.%N)
  python3 - "$start" "$end" "$lines" "$label" <<'PY'
import sys
start, end, lines, label = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rate = lines / (end - start)
print(f"| {label} on {lines:,} lines, end to end | {rate/1000:,.0f} k lines/s ({end-start:.2f} s) | >= 300 k lines/s |")
PY
}

.build/release/WindowCheckBench "$window_corpus"
echo

echo "| benchmark | figure | target |"
echo "|---|---|---|"
for format in jsonl csv; do
  check_rate "\`callgate check phone --format $format\`" "$format" "$corpus" check phone
done
for format in jsonl csv; do
  check_rate "\`callgate check window --profile telemarketing --format $format\` (PHONE,INSTANT: every US zone, 2026-2035)" \
    "$format" "$window_corpus" check window --profile telemarketing
done
peak=$( { /usr/bin/time -f "%M" "$bin" check phone < "$corpus" > /dev/null || true; } 2>&1 | tail -1)
echo "| \`callgate check phone\` peak RSS on $lines lines | $((peak / 1024)) MiB | flat (independent of input size) |"

# The audit trail's group-commit writer into SQLite and into PostgreSQL (fsync and synchronous_commit
# on: the cluster script starts it so, and the line above the table shows the server's settings),
# AUDIT_ROUNDS times in turn, PostgreSQL on a throwaway cluster of its own, each run on a fresh
# database; then the best and the median records/s of each.
echo
start_postgres
postgres_settings
declare -A audit_rates
for round in $(seq 1 "${AUDIT_ROUNDS:-3}"); do
  for store in sqlite postgres; do
    flags=(--records "${AUDIT_RECORDS:-500000}")
    [ "$store" = sqlite ] || flags+=(--store "$(postgres_database "audit_$round")")
    before=$(postgres_ticks)
    table=$(.build/release/AuditBench "${flags[@]}")
    database_cpu=$(echo "($(postgres_ticks) - $before) * 1000000 / $hz / ${AUDIT_RECORDS:-500000}" | bc -l)
    # The header once; then each run's row and its notes, with the load it ran under.
    if [ "$round$store" = 1sqlite ]; then echo "$table" | head -2; fi
    echo "$table" | sed -n 3p
    printf '  %s; PostgreSQL CPU per record (verify included) %.1f µs; load %s\n' "$(echo "$table" | tail -n +5 | tr -d '\n')" \
      "$database_cpu" "$(cut -d' ' -f1-3 /proc/loadavg)"
    audit_rates[$store]+=" $(echo "$table" | sed -n 3p | awk -F'|' '{gsub(/ /, "", $7); print $7}')"
  done
done
echo
echo "| store | records/s: best | median | runs |"
echo "|---|--:|--:|--:|"
for store in sqlite postgres; do
  # shellcheck disable=SC2086
  printf '| %s | %.0f | %.0f | %d |\n' "$store" "$(printf '%s\n' ${audit_rates[$store]} | sort -g | tail -1)" \
    "$(median ${audit_rates[$store]})" "$(echo ${audit_rates[$store]} | wc -w)"
done
