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

# start_nginx SERVERS [NAME]: one nginx worker serving the `server { ... }` blocks given; logs in
# $work/logs. NAME (default nginx) names its configuration and pid files, for a second nginx whose
# CPU is measured apart (nginx_pid is its pid).
start_nginx() {
  local name=${2:-nginx}
  mkdir -p "$work/logs"
  cat > "$work/$name.conf" <<NGINX
worker_processes 1;
pid $work/$name.pid;
error_log $work/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  $1
}
NGINX
  nginx -p "$work" -c "$work/$name.conf" -g 'daemon off;' &
  nginx_pid=$!
  pids+=($nginx_pid)
}

# upstream_flags STUB_PORT: sets `upstream` to the `serve` flags that make the stub CallGate's LiveVox.
upstream_flags() {
  upstream=(--upstream-url "http://127.0.0.1:$1" --upstream-access-token bench --upstream-client-name BENCH
    --upstream-user-name bench --upstream-password bench)
}

# start_stub: the nginx stub alone (LiveVox's login and queue statistics) on a free port; sets stub
# and `upstream`.
start_stub() {
  stub=$(free_port)
  start_nginx "
  server {
    listen 127.0.0.1:$stub;
    default_type application/json;
    $stub_login
    $stub_queue
  }"
  upstream_flags "$stub"
}

# cpu_ticks PID: the CPU time (user and system) the process has used, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

# median VALUES...: the median of the numbers given.
median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

# start_gate PORT STORE [BIN [FLAGS...]]: CallGate in front of the stub, authentication and validation
# on, with the `serve` flags given, warmed up (LiveVox session, connections). Needs `auth`, the
# `keys.yaml` in $work and `upstream` (upstream_flags); sets gate_pid.
start_gate() {
  local port=$1 store=$2 gate_bin=${3:-$bin}
  shift $(($# < 3 ? $# : 3))
  "$gate_bin" serve --calling-profile off --port "$port" --keys-file "$work/keys.yaml" --log-level warning --store "$store" \
    --audit-key-file "$work/audit.key" "${upstream[@]}" "$@" >> "$work/logs/callgate.log" 2>&1 &
  gate_pid=$!
  pids+=($gate_pid)
  wait_up "http://127.0.0.1:$port/healthz"
  wrk -t2 -c64 -d2s -H "$auth" "http://127.0.0.1:$port$queue_path" > /dev/null
}

# Readers of wrk's output, and the check that CallGate answered every request 2xx.
rps() { awk '/Requests\/sec/ {print $2}'; }
p99() { awk '/ 99%/ {print $2}'; }
non2xx() { awk '/Non-2xx/ {print $5}'; }
check2xx() { [ -z "$(echo "$1" | non2xx)" ] || { echo "CallGate answered non-2xx during the run:"; echo "$1"; exit 1; }; }
to_ms() { awk '{v=$1; if (v ~ /us$/) v=v/1000; else if (v ~ /ms$/) v=v+0; else if (v ~ /s$/) v=v*1000; print v}'; }
joined() { local format=$1; shift; printf "$format / " "$@" | sed 's| / $||'; }
# per_request TICKS_BEFORE TICKS_AFTER WRK_OUTPUT: CPU µs per request over a run. Far steadier than
# req/s on this VM, whose speed drifts: the audit's cost in CPU is what its throughput ratio follows.
per_request() { echo "($2 - $1) * 1000000 / $hz / $(echo "$3" | awk '/requests in/ {print $1}')" | bc -l; }

# start_postgres: a throwaway PostgreSQL cluster (scripts/postgres-cluster.sh: fsync and
# synchronous_commit on), stopped and removed on exit with the rest; sets url (its `postgres`
# database) and postmaster (the server's pid). The cluster lives outside $work: as root, its
# directory belongs to the `postgres` user, who cannot enter $work (mode 0700, root's).
start_postgres() {
  cluster=$(mktemp -d -u "${TMPDIR:-/tmp}/callgate-bench-pg-XXXXXX")
  trap 'scripts/postgres-cluster.sh stop "$cluster"; cleanup' EXIT
  url=$(scripts/postgres-cluster.sh start "$cluster")
  postmaster=$(head -1 "$cluster/data/postmaster.pid")
}

# postgres_database NAME: creates database NAME on the cluster and prints its URL.
postgres_database() {
  psql -q "$url" -c "CREATE DATABASE $1" > /dev/null
  echo "${url/\/postgres\?//$1?}"
}

# postgres_settings: the server's version and durability settings, for the line above a table.
postgres_settings() {
  echo "PostgreSQL $(psql -At "$url" -c 'SHOW server_version'): $(psql -At "$url" -c \
    "SELECT string_agg(name || '=' || setting, ', ' ORDER BY name) FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'wal_sync_method', 'full_page_writes')")"
}

# postgres_ticks: the CPU ticks the cluster has used so far: the postmaster with the children it
# has reaped (backends of connections closed since) and its children alive now (backends, WAL
# writer, checkpointer).
postgres_ticks() {
  local total child
  total=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$postmaster/stat")
  for child in $(ps -o pid= --ppid "$postmaster"); do
    total=$((total + $(cpu_ticks "$child" 2>/dev/null || echo 0)))
  done
  echo "$total"
}
