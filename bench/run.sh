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
echo "| benchmark | figure | target |"
echo "|---|---|---|"
for format in jsonl csv; do
  start=$(date +%s.%N)
  "$bin" check phone --format "$format" < "$corpus" > "$out/check.$format" || true
  end=$(date +%s.%N)
  python3 - "$start" "$end" "$lines" "$format" <<'PY'
import sys
start, end, lines, fmt = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
rate = lines / (end - start)
print(f"| `callgate check phone --format {fmt}` on {lines:,} lines, end to end | {rate/1000:,.0f} k lines/s ({end-start:.2f} s) | >= 300 k lines/s |")
PY
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
