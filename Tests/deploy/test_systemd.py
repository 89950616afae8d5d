"""deploy/systemd: the unit passes `systemd-analyze verify`, its limits match the settings it gives,
and `callgate serve` started exactly as the unit starts it (its Environment=, EnvironmentFile= and
credentials, with %S and %d pointed at temporary directories) answers its first requests."""

import re
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from support import DEPLOY, Process, free_port, get, run, start_simulator, wait_for

UNIT = DEPLOY / "systemd" / "callgate.service"
ENV_EXAMPLE = DEPLOY / "systemd" / "callgate.env.example"
# CallGate keeps this many descriptors beside its connections (ConnectionLimiter.reservedFileDescriptors).
RESERVED_FILE_DESCRIPTORS = 64


def directives(section: str) -> list[tuple[str, str]]:
    """The unit's `Key=value` lines of `section`, in order (keys repeat: Environment=, LoadCredential=)."""
    lines, current = [], None
    for raw in UNIT.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            current = line.strip("[]")
        elif current == section:
            key, _, value = line.partition("=")
            lines.append((key, value))
    return lines


def values(key: str) -> list[str]:
    return [value for k, value in directives("Service") if k == key]


def environment() -> dict[str, str]:
    """The unit's Environment= lines (one assignment each) by name, specifiers unresolved."""
    env = {}
    for value in values("Environment"):
        name, _, text = value.partition("=")
        env[name] = text
    return env


def env_file(path: Path) -> dict[str, str]:
    env = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, text = line.partition("=")
            env[name.strip()] = text.strip()
    return env


def resolve(text: str, state: str, credentials: str) -> str:
    """The specifiers the unit uses: %S (the state root), %d (its credentials directory), %%."""
    return re.sub(r"%[Sd%]", lambda m: {"%S": state, "%d": credentials, "%%": "%"}[m.group(0)], text)


def test_systemd_analyze_verify_passes_but_for_the_binary_not_installed_here():
    with tempfile.TemporaryDirectory() as directory:
        copy = Path(directory) / "callgate.service"
        shutil.copy(UNIT, copy)
        result = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True, text=True)
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    # The one message allowed: the binary is not at its path on this machine.
    others = [line for line in lines if "Command /usr/local/bin/callgate is not executable" not in line]
    assert others == [], "\n".join(others)


def test_the_unit_uses_absolute_paths_a_state_directory_credentials_and_reload():
    service = dict(directives("Service"))
    assert service["StateDirectory"] == "callgate"
    assert service["User"] == "callgate"
    assert values("ExecStart") == ["/usr/local/bin/callgate serve"]
    assert values("ExecReload") == ["/bin/kill -HUP $MAINPID"]
    # Every path a setting names is absolute once %S and %d are resolved: nothing relative to a
    # working directory under ProtectSystem=strict.
    for name, text in environment().items():
        if name.endswith("_FILE") or name == "CALLGATE_STORE":
            path = resolve(text, "/var/lib", "/run/credentials/callgate.service").removeprefix("sqlite:")
            assert path.startswith("/"), f"{name}={text}"
    # Each secret given to the service is a credential the unit loads.
    credentials = {value.split(":", 1)[0] for value in values("LoadCredential")}
    referenced = {text.removeprefix("%d/") for text in environment().values() if text.startswith("%d/")}
    assert referenced == credentials == {"livevox-access-token", "livevox-password"}
    for value in values("LoadCredential"):
        assert value.split(":", 1)[1].startswith("/etc/callgate/credentials/")
    for option in ("NoNewPrivileges", "ProtectHome", "PrivateTmp"):
        assert service[option] == "true"
    assert service["ProtectSystem"] == "strict"


def test_open_files_cover_the_connection_cap_and_the_stop_timeout_covers_the_drain():
    service = dict(directives("Service"))
    cap = int(environment()["CALLGATE_HTTP_MAX_CONNECTIONS"])
    assert int(service["LimitNOFILE"]) == cap + RESERVED_FILE_DESCRIPTORS
    # The drain delay (5 s by default) and the longest upstream call (30 s by default) fit.
    assert int(service["TimeoutStopSec"]) > 5 + 30


def test_serve_started_as_the_unit_starts_it_answers_a_first_request():
    simulator, upstream = start_simulator()
    with tempfile.TemporaryDirectory() as root:
        state_root, credentials = Path(root) / "lib", Path(root) / "credentials"
        state = state_root / "callgate"
        # What systemd does before ExecStart: StateDirectory= (0700), LoadCredential= copies.
        state.mkdir(parents=True, mode=0o700)
        credentials.mkdir(mode=0o700)
        (credentials / "livevox-access-token").write_text("sim-access-token")
        (credentials / "livevox-password").write_text("sim-password\n")
        env = {**env_file(ENV_EXAMPLE),
               **{name: resolve(text, str(state_root), str(credentials)) for name, text in environment().items()}}
        # The operator's settings, for this machine: the simulator in place of LiveVox, a loopback port.
        port = free_port()
        env.update(CALLGATE_UPSTREAM_URL=upstream, CALLGATE_UPSTREAM_CLIENT_NAME="SIM",
                   CALLGATE_UPSTREAM_USER_NAME="sim-user", CALLGATE_HOST="127.0.0.1", CALLGATE_PORT=str(port),
                   # The calling windows are not this test's subject, and CI runs at any hour.
                   CALLGATE_CALLING_PROFILE="off")
        # The first key, made as deploy/README.md says (`sudo -u callgate callgate keys create ...`).
        created = run(["keys", "create", "--name", "ops", "--role", "Manager", "--file", env["CALLGATE_KEYS_FILE"]])
        assert created.returncode == 0, created.stderr
        key = created.stdout.strip()

        command = values("ExecStart")[0].split()
        assert command[0] == "/usr/local/bin/callgate"
        served = Process(command[1:], env=env, cwd=str(state))
        try:
            base = f"http://127.0.0.1:{port}"
            assert wait_for(base + "/readyz") == 200
            status, body = get(base + "/v1/services/21429/queue", {"Authorization": f"Bearer {key}"})
            assert status == 200, body
            assert b'"serviceId":21429' in body.replace(b" ", b"")
            health = run(["health"], env=env)
            assert (health.returncode, health.stdout) == (0, f"ready: {base}/readyz answered 200\n")
            # The store and the keys the first start creates are in the state directory, private.
            assert {"callgate.sqlite", "audit.key", "audit-witness.key", "keys.yaml"} <= {p.name for p in state.iterdir()}
            assert (state / "audit.key").stat().st_mode & 0o077 == 0
            # ExecReload: SIGHUP re-reads the keys file; a key made while serving works without a restart.
            second = run(["keys", "create", "--name", "second", "--role", "Manager", "--file", env["CALLGATE_KEYS_FILE"]])
            second_key = second.stdout.strip()
            assert get(base + "/v1/services/21429/queue", {"Authorization": f"Bearer {second_key}"})[0] == 401
            served.popen.send_signal(signal.SIGHUP)
            reloaded = 0
            for _ in range(100):
                reloaded = get(base + "/v1/services/21429/queue", {"Authorization": f"Bearer {second_key}"})[0]
                if reloaded == 200:
                    break
                time.sleep(0.05)
            assert reloaded == 200
        finally:
            status, error = served.stop()
            simulator.stop()
        assert status == 0, error
