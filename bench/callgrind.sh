#!/usr/bin/env bash
# Instructions per proxied request under callgrind, for one build of callgate or two side by side:
#   bench/callgrind.sh [BIN [NEW_BIN]]     (BIN defaults to .build/release/callgate; builds nothing)
# Each binary serves the compatible surface with its SQLite audit trail on (a fresh database in a
# temporary directory), in front of an nginx `return 200` stub standing for LiveVox, under
# `valgrind --tool=callgrind`. One client sends authenticated GET queue-stats requests one after the
# other on one keep-alive connection. Two runs per binary, of SHORT and LONG requests (500 and 2,500);
# each counts every instruction from start to exit, so (Ir(LONG) - Ir(SHORT)) / (LONG - SHORT) is the
# cost of one request with start-up, warm-up (login, connections) and shutdown cancelled out. Unlike
# CPU time, instruction counts barely depend on the machine's load; the work of timers while valgrind
# runs slowly still moves one binary's figure by up to 3 % between runs, so compare the medians of
# several runs made in alternating order.
# One connection makes every request commit its audit record alone: the light-load path, which
# costs the most per request. Loopback only; every process is stopped at the end.
#   SHORT=500 LONG=2500 (requests), START_SECONDS=300 (how long a start under valgrind may take),
#   CALLGRIND_FLAGS (more valgrind options; a --toggle-collect count compares builds only when both
#   keep the same functions, which a restructuring does not)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
binaries=("${@:-$bin}")
[ ${#binaries[@]} -le 2 ] || { echo "usage: bench/callgrind.sh [BIN [NEW_BIN]]" >&2; exit 2; }
short=${SHORT:-500}
long=${LONG:-2500}
[ "$long" -gt "$short" ] || { echo "LONG ($long) must exceed SHORT ($short)" >&2; exit 2; }
start_stub
wait_up "http://127.0.0.1:$stub$queue_path"

# send PORT COUNT KEY: COUNT requests in sequence on one connection; fails on any answer but 200.
send() {
  timeout 900 python3 - "$@" "$queue_path" <<'PY'
import http.client, sys
port, count, key, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
headers = {"Authorization": f"Bearer {key}"}
for n in range(count):
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    response.read()
    if response.status != 200:
        sys.exit(f"request {n + 1}: status {response.status}")
connection.close()
PY
}

# instructions BIN COUNT: the instructions callgate executes from start to exit when it serves COUNT
# requests (and one /healthz); prints the total.
instructions() {
  local dir port pid key
  dir=$(mktemp -d "$work/run.XXXXXX")
  port=$(free_port)
  key=$("$1" keys create --name bench --role Manager --file "$dir/keys.yaml" 2>/dev/null)
  LD_PRELOAD="$work/sigsuspend.so" valgrind --tool=callgrind --callgrind-out-file="$dir/callgrind.out" ${CALLGRIND_FLAGS:-} \
    "$1" serve --calling-profile off --port "$port" --keys-file "$dir/keys.yaml" --log-level warning \
    --store "sqlite:$dir/audit.sqlite" --audit-key-file "$dir/audit.key" "${upstream[@]}" \
    > "$dir/callgate.log" 2>&1 &
  pid=$!
  # This runs in a command substitution, whose exit does not run the script's cleanup: stop it here.
  failed() { echo "$1" >&2; tail -20 "$dir/callgate.log" >&2; kill -KILL "$pid" 2>/dev/null; exit 1; }
  wait_up "http://127.0.0.1:$port/healthz" $((${START_SECONDS:-300} * 10)) || failed "$1 did not start"
  send "$port" "$2" "$key" || failed "$1 did not answer every request with 200"
  kill -TERM "$pid"
  for _ in $(seq 1 1200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && failed "$1 did not stop within 120 s of SIGTERM"
  wait "$pid" 2>/dev/null || true
  awk '/^(summary|totals):/ {print $2; exit}' "$dir/callgrind.out"
}

# debuggable COPY_DIR BIN: prints the path of a copy of BIN without its debug sections, beside links
# to what BIN's directory holds for it (libraries, resource bundles). Valgrind 3.19 (Debian 12) gives
# up on the DWARF 5 that Swift 6 writes into release builds; the code it runs is the same.
debuggable() {
  mkdir -p "$1"
  objcopy --strip-debug "$2" "$1/callgate"
  for entry in "$(dirname "$2")"/*.so "$(dirname "$2")"/*.resources; do
    [ -e "$entry" ] && ln -s "$(realpath "$entry")" "$1/"
  done
  echo "$1/callgate"
}

# Swift's async main parks its main thread in libdispatch's sigsuspend with a mask in read-only
# memory, where valgrind 3.19 writes and crashes; this shim hands sigsuspend a copy on the stack.
cat > "$work/sigsuspend.c" <<'C'
#define _GNU_SOURCE
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>
int sigsuspend(const sigset_t *mask) { sigset_t copy = *mask; return (int)syscall(SYS_rt_sigsuspend, &copy, 8); }
C
cc -shared -fPIC -O2 -o "$work/sigsuspend.so" "$work/sigsuspend.c"

per_request=()
echo "SHORT=$short and LONG=$long sequential GET $queue_path on one connection, SQLite audit on."
echo
echo "| binary | Ir, $short requests | Ir, $long requests | instructions per request |"
echo "|---|--:|--:|--:|"
for i in "${!binaries[@]}"; do
  binary=${binaries[i]}
  copy=$(debuggable "$work/bin$i" "$binary")
  ir_short=$(instructions "$copy" "$short")
  ir_long=$(instructions "$copy" "$long")
  per_request+=("$(( (ir_long - ir_short) / (long - short) ))")
  printf '| %s | %d | %d | %d |\n' "$binary" "$ir_short" "$ir_long" "${per_request[-1]}"
done
if [ ${#per_request[@]} = 2 ]; then
  echo
  printf 'NEW / OLD: %.4f\n' "$(echo "${per_request[1]} / ${per_request[0]}" | bc -l)"
fi
