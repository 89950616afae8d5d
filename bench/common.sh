# Sourced by the benchmark scripts (after `set -euo pipefail` and `cd` to the project root): the
# binary, the run length, a scratch directory and the processes to stop, both cleaned up on exit,
# and free loopback ports.
bin=${CALLGATE_BIN:-.build/release/callgate}
duration=${BENCH_SECONDS:-10}
work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
