# Sourced by the benchmark scripts (after `set -euo pipefail` and `cd` to the project root): the
# binary, the run length, a scratch directory and the processes to stop, both cleaned up on exit,
# free loopback ports, and the nginx stub that stands for LiveVox.
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

# wait_up URL [TRIES]: polls URL every 0.1 s until it answers 2xx; fails after TRIES polls (100).
wait_up() {
  for _ in $(seq 1 "${2:-100}"); do
    curl -sf "$1" > /dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "No answer from $1" >&2
  return 1
}

# What the stubs answer at once for LiveVox: the login, and a service's queue statistics.
stub_login=$(cat <<'NGINX'
location = /session/login { return 200 '{"sessionId":"bench-session","clientId":1,"userId":1,"daysUntilPasswordExpires":90}'; }
NGINX
)
stub_queue=$(cat <<'NGINX'
location /callControl/supervisor/calls/queue/ { return 200 '{"availableAgents":7,"callsOnHold":2,"callsToBeLaunched":14,"callsInProgress":8,"maxAgents":26}'; }
NGINX
)
queue_path=/callControl/supervisor/calls/queue/21429

# start_nginx SERVERS: one nginx worker serving the `server { ... }` blocks given; logs in $work/logs.
start_nginx() {
  mkdir -p "$work/logs"
  cat > "$work/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  $1
}
NGINX
  nginx -p "$work" -c "$work/nginx.conf" -g 'daemon off;' &
  pids+=($!)
}

# upstream_flags STUB_PORT: sets `upstream` to the `serve` flags that make the stub CallGate's LiveVox.
upstream_flags() {
  upstream=(--upstream-url "http://127.0.0.1:$1" --upstream-access-token bench --upstream-client-name BENCH
    --upstream-user-name bench --upstream-password bench)
}

# cpu_ticks PID: the CPU time (user and system) the process has used, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# median VALUES...: the median of the numbers given.
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
