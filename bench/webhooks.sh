#!/usr/bin/env bash
# Webhook intake benchmark (issue: webhooks): `callgate serve` on its embedded simulator with the
# SQLite audit store (and outbox), one webhook source, and WebhookBench sending signed webhooks.
# Loopback only; the gateway is stopped at the end. Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${CALLGATE_BIN:-.build/release/callgate}
count=${WEBHOOKS:-20000}
work=$(mktemp -d)
gate_pid=
cleanup() {
  [ -z "$gate_pid" ] || kill "$gate_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
secret=$("$bin" webhooks add-source --name bench --role Manager --file "$work/sources.yaml" 2>/dev/null)
"$bin" serve --port "$port" --keys-file "$work/keys.yaml" --webhooks-sources-file "$work/sources.yaml" \
  --store "sqlite:$work/audit.sqlite" --audit-key-file "$work/audit.key" --log-level warning > "$work/serve.log" 2>&1 &
gate_pid=$!
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/healthz" > /dev/null 2>&1 && break
  sleep 0.1
done
.build/release/WebhookBench "http://127.0.0.1:$port" "$secret" "$count" 64
