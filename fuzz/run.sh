#!/usr/bin/env bash
# `make fuzz`: builds each harness with libFuzzer and AddressSanitizer (the pure modules the
# harnesses read and the harnesses only, straight with swiftc, so the sanitized build stays small,
# links no NIO and needs no package resolution), then runs each for FUZZ_SECONDS on its committed
# seeds plus the corpus it grew before, and prints libFuzzer's coverage (cov, ft) and executions.
set -euo pipefail
seconds=${FUZZ_SECONDS:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/.build-fuzz
flags=(-parse-as-library -swift-version 6 -O -sanitize=fuzzer,address -package-name callgate)
cd "$root"
mkdir -p "$build"
quiet() { grep -v 'Cannot export local symbol' || true; }
# One pure module as a static library with its module, in dependency order; the system libcrypto
# (libssl-dev) stays unsanitized, reached through COpenSSLSHA's module map.
library() {
    local name=$1
    swiftc -module-name "$name" "${flags[@]}" -wmo -emit-library -static -emit-module \
        -I "$build" -I Sources/COpenSSLSHA -emit-module-path "$build/$name.swiftmodule" -o "$build/lib$name.a" \
        $(find "Sources/$name" -name '*.swift') 2>&1 | quiet
}
libraries=(CallGateCore CallGateHashing CallGateStorage CallGateAuditFilters HTTPConnectionCore)
for name in "${libraries[@]}"; do library "$name"; done
# The linker reads static libraries in order: each before the ones it uses.
linked=(-lHTTPConnectionCore -lCallGateAuditFilters -lCallGateStorage -lCallGateHashing -lCallGateCore -lcrypto)
for entry in ${FUZZ_TARGETS:-fuzz/Entries/*.swift}; do
    name=$(basename "$entry" .swift)
    swiftc -module-name CallGateFuzz "${flags[@]}" -I "$build" -I Sources/COpenSSLSHA -L "$build" \
        "${linked[@]}" \
        fuzz/Harnesses/*.swift "$entry" -o "$build/fuzz-$name" 2>&1 | quiet
    mkdir -p "$build/corpus/$name"
    echo "== $name: ${seconds}s"
    "$build/fuzz-$name" -max_total_time="$seconds" -timeout=5 -max_len=1024 -print_final_stats=1 \
        -artifact_prefix="$build/crash-$name-" "$build/corpus/$name" "fuzz/corpus/$name" > "$build/$name.log" 2>&1 \
        || { tail -40 "$build/$name.log"; echo "== $name: FOUND A CRASH OR HANG (input in $build/crash-$name-*)"; exit 1; }
    grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)' "$build/$name.log" | tail -2
    grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' "$build/$name.log"
done
