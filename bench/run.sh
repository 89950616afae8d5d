#!/usr/bin/env bash
# `make bench`: builds nothing itself (the Makefile builds release first); runs each benchmark and
# prints one table. Record the table, with this command, in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/out
mkdir -p "$out"
bin=.build/release/callgate
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

# The audit trail's group-commit writer into SQLite, then PostgreSQL (its row under the same header).
echo
.build/release/AuditBench --records "${AUDIT_RECORDS:-500000}"

# The same writer into PostgreSQL (fsync and synchronous_commit on), on a throwaway cluster of its own.
cluster=$(mktemp -d -u "${TMPDIR:-/tmp}/callgate-bench-pg-XXXXXX")
trap 'scripts/postgres-cluster.sh stop "$cluster"' EXIT
url=$(scripts/postgres-cluster.sh start "$cluster")
.build/release/AuditBench --records "${AUDIT_RECORDS:-500000}" --store "$url" | tail -n +3
