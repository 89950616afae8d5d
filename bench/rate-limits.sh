#!/usr/bin/env bash
# How closely instances sharing one PostgreSQL database hold one rate limit (50/s, burst 10), for
# several exchange periods, with shares and without: three stores with a client each, then one alone busy
# (docs/benchmarks.md, "Shared rate limits"). On a throwaway cluster of its own, stopped on exit.
#
#   bench/rate-limits.sh    RATE_SECONDS (4) per run, RATE_PERIODS (20,50,100,200) in ms,
#                           RATE_LIMIT_BENCH_BIN (.build/release/RateLimitBench)
set -euo pipefail
cd "$(dirname "$0")/.."
cluster=$(mktemp -d -u "${TMPDIR:-/tmp}/callgate-bench-rl-XXXXXX")
trap 'scripts/postgres-cluster.sh stop "$cluster"' EXIT
url=$(scripts/postgres-cluster.sh start "$cluster")
"${RATE_LIMIT_BENCH_BIN:-.build/release/RateLimitBench}" --store "$url" --seconds "${RATE_SECONDS:-4}" --periods "${RATE_PERIODS:-20,50,100,200}" --unshared yes
