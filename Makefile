# CallGate: `make run` starts the service on its embedded defaults; `make test` runs the whole suite.
# Both install what is missing first (Debian packages, the Python virtual environment for the oracles).

SWIFT       ?= swift
PORT        ?= 8080
VENV        := .venv
PYTHON      := $(VENV)/bin/python
# System packages the build, the tests and the benchmarks need.
DEBIAN_PACKAGES := python3 python3-venv python3-pip libcurl4-openssl-dev libsqlite3-dev libssl-dev libmimalloc-dev openssl nginx-light
# The PostgreSQL server the tests and benchmarks start a throwaway cluster of (scripts/postgres-cluster.sh).
POSTGRES_PACKAGES := postgresql
BENCH_PACKAGES  := nginx-light wrk bc curl valgrind
# `make test-deploy`: systemd-analyze for deploy/systemd (nginx, for the compose stack's nginx.conf, is above;
# the Python tools come from scripts/requirements.txt).
DEPLOY_PACKAGES := systemd
PREFIX      ?= /usr/local
DESTDIR     ?=

.PHONY: run test deps venv build build-release build-bench install test-swift test-oracle test-contract test-deploy bench tables fuzz clean

run: deps build-release
	.build/release/callgate serve --host 127.0.0.1 --port $(PORT) --store sqlite:data/callgate.sqlite

test: deps venv build test-swift test-oracle test-contract test-deploy

deps:
	@scripts/ensure-debian-packages.sh $(DEBIAN_PACKAGES) $(POSTGRES_PACKAGES)

venv: $(VENV)/.installed

$(VENV)/.installed: scripts/requirements.txt
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --disable-pip-version-check -r scripts/requirements.txt
	touch $@

build:
	$(SWIFT) build --build-tests

# The Swift runtime is linked into the binary, so it runs where Swift is not installed (the
# container image's runtime stage, a host with the systemd unit).
build-release:
	$(SWIFT) build -c release --product callgate --static-swift-stdlib

# Installs the release binary as $(DESTDIR)$(PREFIX)/bin/callgate (the image's build stage, deploy/systemd).
install: build-release
	install -D -m 0755 .build/release/callgate $(DESTDIR)$(PREFIX)/bin/callgate

build-bench: build-release
	$(SWIFT) build -c release --product PhoneParseBench
	$(SWIFT) build -c release --product WindowCheckBench
	$(SWIFT) build -c release --product UpstreamBench
	$(SWIFT) build -c release --product AuditBench
	$(SWIFT) build -c release --product ProxyFloor
	$(SWIFT) build -c release --product RateLimitBench

# One throwaway PostgreSQL cluster for the whole Swift suite, stopped whatever the outcome; tests
# run without CALLGATE_TEST_POSTGRES_URL start their own through the same script.
test-swift: build
	@cluster=$$(mktemp -d -u "$${TMPDIR:-/tmp}/callgate-pg-XXXXXX"); \
	trap 'scripts/postgres-cluster.sh stop "$$cluster"' EXIT; \
	CALLGATE_TEST_POSTGRES_URL=$$(scripts/postgres-cluster.sh start "$$cluster") $(SWIFT) test --skip-build

# Oracle tests: the real `callgate` binary against Google's libphonenumber (PyPI phonenumbers) and the
# IANA database as Python's zoneinfo computes it (PyPI tzdata, not the system's copy).
test-oracle: build venv
	CALLGATE_BIN=$(CURDIR)/.build/debug/callgate PYTHONTZPATH= $(PYTHON) -m pytest -q Tests/oracle

# Contract tests: the OpenAPI document is valid, and the live service (embedded simulator) honours it
# under schemathesis, with no 5xx.
test-contract: build venv
	CALLGATE_BIN=$(CURDIR)/.build/debug/callgate $(PYTHON) -m pytest -q Tests/contract

# deploy/: hadolint on the Dockerfile, the compose file against the Compose specification, the
# Kubernetes base and example overlay (rendered by kustomize) against Kubernetes' schemas, the
# systemd unit under systemd-analyze, and the image's and the unit's settings started for real.
test-deploy: build venv
	@scripts/ensure-debian-packages.sh $(DEPLOY_PACKAGES)
	CALLGATE_BIN=$(CURDIR)/.build/debug/callgate $(PYTHON) -m pytest -q Tests/deploy

# libFuzzer with AddressSanitizer on the pure parsers and the HTTP connection state machine, each
# for FUZZ_SECONDS (docs/fuzzing.md);
# `make test` replays the committed corpora in the ordinary build (CallGateFuzzTests).
FUZZ_SECONDS ?= 60
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) fuzz/run.sh

# Regenerates the committed data tables from the pinned PyPI packages.
tables: venv
	$(PYTHON) scripts/gen_phone_tables.py
	PYTHONTZPATH= $(PYTHON) scripts/gen_timezone_tables.py
	$(PYTHON) scripts/gen_location_tables.py

bench: deps venv build-bench
	@scripts/ensure-debian-packages.sh $(BENCH_PACKAGES)
	bench/run.sh
	bench/proxy.sh
	bench/postgres.sh
	bench/webhooks.sh
	bench/rate-limits.sh
	bench/callgrind.sh

clean:
	rm -rf .build $(VENV)
