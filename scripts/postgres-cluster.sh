#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests and benchmarks: Debian's server binaries, found under
# /usr/lib/postgresql/*/bin (`make deps` installs them; this script installs nothing).
#
#   scripts/postgres-cluster.sh start DIR   creates DIR, runs initdb and starts the server; prints the URL
#   scripts/postgres-cluster.sh env DIR     prints `export CALLGATE_TEST_POSTGRES_URL=...` for a started DIR
#   scripts/postgres-cluster.sh url DIR     prints the URL of a started DIR
#   scripts/postgres-cluster.sh stop DIR    stops the server (fast) and removes DIR
#   scripts/postgres-cluster.sh stop-server DIR   stops the server of DIR, keeping its data (a lost database)
#   scripts/postgres-cluster.sh start-server DIR  starts it again on the same port
#
# The server listens on 127.0.0.1 at a free port and on a Unix socket in DIR, with fsync and
# synchronous_commit on (the settings the benchmarks are quoted with). Connections over TCP need
# the password of the `callgate` superuser, generated here and kept in the URL (DIR/url), so the
# tests exercise password authentication (SCRAM) as a real deployment does. initdb refuses to run
# as root: as root, DIR is given to the `postgres` user and the server runs as that user.
set -euo pipefail

usage() { echo "usage: $0 start|stop|stop-server|start-server|env|url DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
command=$1
dir=$2

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "$0: no PostgreSQL server under /usr/lib/postgresql/*/bin; install Debian's postgresql package (make deps)" >&2
  exit 3
fi

# Runs the command as the cluster's owner: `postgres` when this script runs as root, else the caller.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# The server is started in a subshell that first closes every descriptor above 2 this script
# inherited: a server holding one would keep it open for its whole life, and a caller that learns
# of this script's exit by its end of such a descriptor (Foundation's Process on Linux) would wait
# for the server to stop instead of this script.
# max_connections: the Swift suite runs its PostgreSQL tests in parallel, each store with a pool of
# up to 10 connections (the conformance suite on both backends at once, shared-store tests with two
# stores each) beside several-instance tests of three `serve` processes each (MultiInstance,
# SharedRateLimitServe, RollingRestart on PostgreSQL, 10 each): well over 300 at the peak.
pg_ctl_start() {
  local port
  port=$(cat "$dir/port")
  (
    for fd in $(ls /proc/$BASHPID/fd); do
      [ "$fd" -gt 2 ] && eval "exec $fd>&-"
    done
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on -c max_connections=1000" \
      start >/dev/null
  )
}

case "$command" in
  start)
    if [ -e "$dir/data" ]; then
      echo "$0: $dir already holds a cluster" >&2
      exit 1
    fi
    mkdir -p "$dir"
    chmod 0700 "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    password=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
    printf '%s\n' "$password" > "$dir/password"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir/password"
    as_owner "$bindir/initdb" -D "$dir/data" -U callgate --pwfile="$dir/password" \
      --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2
      exit 1
    }
    # A free port: bound by the kernel's choice, released, then given to the server.
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' > "$dir/port"
    pg_ctl_start || { cat "$dir/server.log" >&2; exit 1; }
    echo "postgres://callgate:$password@127.0.0.1:$(cat "$dir/port")/postgres?sslmode=disable" > "$dir/url"
    cat "$dir/url"
    ;;
  stop-server)
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
  start-server)
    pg_ctl_start || { cat "$dir/server.log" >&2; exit 1; }
    ;;
  env)
    echo "export CALLGATE_TEST_POSTGRES_URL=$(cat "$dir/url")"
    ;;
  url)
    cat "$dir/url"
    ;;
  stop)
    if [ -e "$dir/data/postmaster.pid" ]; then
      as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    fi
    rm -rf "$dir"
    ;;
  *)
    usage
    ;;
esac
