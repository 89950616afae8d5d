"""deploy/compose: the file passes the Compose specification's schema, it holds what the issue asks
(PostgreSQL, two CallGates behind nginx, the simulator over plain HTTP, secrets as files,
healthchecks), and its nginx.conf with two real `callgate serve` processes (the CallGates'
environment, on one throwaway PostgreSQL cluster migrated as the `migrate` service does) in front of
`callgate simulate` answers a first request through nginx from each instance, both in one trail."""

import os
import shutil
import subprocess
import tempfile
import urllib.parse
from pathlib import Path

import pytest
import yaml

from support import DEPLOY, Process, free_port, get, run, start_simulator, tool, wait_for

COMPOSE = DEPLOY / "compose" / "compose.yaml"
CLUSTER = DEPLOY.parent / "scripts" / "postgres-cluster.sh"
NGINX_CONF = DEPLOY / "compose" / "nginx.conf"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_passes_the_compose_specification():
    result = subprocess.run([tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_refuses_what_compose_does_not_know():
    with tempfile.TemporaryDirectory() as directory:
        broken = Path(directory) / "compose.yaml"
        broken.write_text(COMPOSE.read_text().replace("stop_grace_period: 45s", "stop_grace_seconds: 45", 1))
        assert "stop_grace_seconds" in broken.read_text()
        result = subprocess.run([tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(broken)],
                                capture_output=True, text=True)
    assert result.returncode != 0


def test_the_stack_has_postgres_two_callgates_nginx_and_the_simulator(compose):
    services = compose["services"]
    assert set(services) == {"postgres", "livevox-simulator", "migrate", "callgate-a", "callgate-b", "nginx"}
    for name in ("callgate-a", "callgate-b"):
        service = services[name]
        env = service["environment"]
        assert env["CALLGATE_STORE"].startswith("postgres://callgate@postgres:5432/")
        assert env["CALLGATE_UPSTREAM_URL"] == "http://livevox-simulator:8090"
        assert env["CALLGATE_UPSTREAM_ALLOW_INSECURE_HTTP"] == "true"
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert service["read_only"] is True
        # Secrets are files: every *_FILE under /run/secrets/ is a secret the service mounts.
        mounted = {f"/run/secrets/{secret}" for secret in service["secrets"]}
        files = {value for key, value in env.items() if key.endswith("_FILE") and value.startswith("/run/secrets/")}
        assert files == mounted
        assert not any(key.endswith(("_PASSWORD", "_TOKEN", "_SECRET")) for key in env)
    assert services["migrate"]["entrypoint"] == ["/usr/local/bin/callgate", "store", "migrate"]
    assert services["nginx"]["depends_on"] == {"callgate-a": {"condition": "service_healthy"},
                                               "callgate-b": {"condition": "service_healthy"}}
    # Every long-running service says when it is healthy; CallGate's through `callgate health`.
    for name in ("postgres", "livevox-simulator", "callgate-a", "callgate-b", "nginx"):
        assert services[name]["healthcheck"]["test"][0] == "CMD", name
    assert services["callgate-a"]["healthcheck"]["test"][1:3] == ["/usr/local/bin/callgate", "health"]
    for name, secret in compose["secrets"].items():
        assert secret["file"].startswith("./secrets/"), name
    # The README's steps make each secret file.
    readme = (DEPLOY / "README.md").read_text()
    for secret in compose["secrets"].values():
        assert secret["file"].removeprefix("./") in readme, secret["file"]


def nginx_config(directory: Path, ports: dict[str, int], listen: int) -> Path:
    """The compose nginx.conf, inside a main configuration, with the services' names and ports
    replaced by this machine's loopback ports."""
    server = NGINX_CONF.read_text()
    for name, port in ports.items():
        server = server.replace(f"server {name}:8080", f"server 127.0.0.1:{port}")
    server = server.replace("listen 8080;", f"listen 127.0.0.1:{listen};")
    assert "callgate-a" not in server and "callgate-b" not in server
    path = directory / "nginx.conf"
    path.write_text(f"""
daemon off;
pid {directory}/nginx.pid;
error_log {directory}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {directory}/body;
    proxy_temp_path {directory}/proxy;
    {server}
}}
""")
    return path


def test_nginx_in_front_of_two_callgates_answers_from_each(compose):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    simulator, upstream = start_simulator()
    processes = []
    cluster = Path(tempfile.mkdtemp(prefix="callgate-compose-pg-"))
    cluster.rmdir()
    with tempfile.TemporaryDirectory() as root:
        root_path = Path(root)
        secrets = root_path / "secrets"
        secrets.mkdir()
        # The `postgres` service: a throwaway cluster; the stack's database and password in it.
        started = subprocess.run([str(CLUSTER), "start", str(cluster)], capture_output=True, text=True, timeout=120)
        assert started.returncode == 0, started.stderr
        admin = urllib.parse.urlsplit(started.stdout.strip())
        created = subprocess.run(["psql", "-q", started.stdout.strip(), "-c", "CREATE DATABASE callgate"],
                                 capture_output=True, text=True, timeout=60)
        assert created.returncode == 0, created.stderr
        (secrets / "postgres-password").write_text(urllib.parse.unquote(admin.password) + "\n")
        on_loopback = f"127.0.0.1:{admin.port}"
        # The secret files as deploy/README.md makes them, for the simulator.
        (secrets / "livevox-access-token").write_text("sim-access-token")
        (secrets / "livevox-password").write_text("sim-password")
        (secrets / "audit-secret").write_text(os.urandom(32).hex())
        (secrets / "audit-witness-key").write_text(os.urandom(32).hex() + "\n")
        created = run(["keys", "create", "--name", "ops", "--role", "Manager", "--file", str(secrets / "api-keys")])
        assert created.returncode == 0, created.stderr
        key = created.stdout.strip()
        added = run(["webhooks", "add-source", "--name", "crm", "--role", "Manager", "--services", "21429",
                     "--file", str(secrets / "webhook-sources")])
        assert added.returncode == 0, added.stderr
        ports = {}
        try:
            migrate = compose["services"]["migrate"]
            migrated = run(["store", "migrate", *[argument.replace("postgres:5432", on_loopback) for argument in migrate["command"]]],
                           env={key_: value.replace("/run/secrets", str(secrets)) for key_, value in migrate["environment"].items()})
            assert migrated.returncode == 0, migrated.stderr
            for name in ("callgate-a", "callgate-b"):
                data = root_path / name
                data.mkdir()
                env = {key_: str(value).replace("/run/secrets", str(secrets)).replace("/data", str(data))
                       for key_, value in compose["services"][name]["environment"].items()}
                # This machine's stand-ins: loopback ports for the compose network's names.
                ports[name] = free_port()
                env.update(CALLGATE_STORE=env["CALLGATE_STORE"].replace("postgres:5432", on_loopback), CALLGATE_UPSTREAM_URL=upstream,
                           CALLGATE_HOST="127.0.0.1", CALLGATE_PORT=str(ports[name]), CALLGATE_TRUSTED_PROXIES="127.0.0.0/8",
                           # The calling windows are not this test's subject, and CI runs at any hour.
                           CALLGATE_CALLING_PROFILE="off")
                processes.append(Process(["serve"], env=env, cwd=str(data)))
            for name, port in ports.items():
                assert wait_for(f"http://127.0.0.1:{port}/readyz") == 200, name
            listen = free_port()
            proxy = subprocess.Popen([nginx, "-p", root, "-c", str(nginx_config(root_path, ports, listen))],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            try:
                base = f"http://127.0.0.1:{listen}"
                assert wait_for(base + "/nginx-health") == 200
                # Round robin: four requests reach both instances, which write one audit trail.
                for _ in range(4):
                    status, body = get(base + "/v1/services/21429/queue", {"Authorization": f"Bearer {key}"})
                    assert status == 200, body
            finally:
                proxy.terminate()
                proxy.wait(timeout=10)
            answered = "callgate_requests_total{operation=\"get_queue_stats\",status=\"200\"} 2"
            for name, port in ports.items():
                status, body = get(f"http://127.0.0.1:{port}/metrics")
                assert status == 200 and answered in body.decode().splitlines(), name
            shared = env["CALLGATE_STORE"]
            store_env = {"CALLGATE_AUDIT_SECRET": (secrets / "audit-secret").read_text(),
                         "CALLGATE_STORE_PASSWORD_FILE": str(secrets / "postgres-password")}
            records = run(["audit", "query", "--store", shared], env=store_env)
            assert records.returncode == 0, records.stderr
            count = len([line for line in records.stdout.splitlines() if "21429" in line])
            verified = run(["audit", "verify", "--store", shared], env=store_env)
            assert verified.returncode == 0, verified.stdout + verified.stderr
        finally:
            for process in processes:
                process.stop()
            simulator.stop()
            subprocess.run([str(CLUSTER), "stop", str(cluster)], capture_output=True, timeout=120)
    assert count == 4, count
