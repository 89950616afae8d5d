"""deploy/container: hadolint passes at the error threshold, the build stage runs the Makefile's
own targets, the runtime stage is Debian 12 slim with only the libraries the binary links, and
`callgate serve` started with the image's environment (its /data in a temporary directory) answers
a first request, with `callgate health` (the image's HEALTHCHECK) saying it is ready."""

import json
import re
import subprocess
import tempfile
from pathlib import Path

from support import DEPLOY, ROOT, Process, free_port, get, run, tool, wait_for

DOCKERFILE = DEPLOY / "container" / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """The Dockerfile's instructions (continuation lines joined), without comments."""
    text = re.sub(r"\\\n\s*", " ", "\n".join(
        line for line in DOCKERFILE.read_text().splitlines() if not line.lstrip().startswith("#")))
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in text.splitlines() if line.strip()]


def stages() -> list[list[tuple[str, str]]]:
    result = []
    for instruction in instructions():
        if instruction[0] == "FROM":
            result.append([])
        result[-1].append(instruction)
    return result


def image_environment() -> dict[str, str]:
    env = {}
    for name, argument in stages()[-1]:
        if name == "ENV":
            env.update(pair.split("=", 1) for pair in argument.split())
    return env


def test_hadolint_finds_no_error():
    result = subprocess.run([tool("hadolint"), "--failure-threshold", "error", str(DOCKERFILE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_fails_on_an_error_level_finding():
    # Two ENTRYPOINTs in one stage (DL4004) is an error, not a warning.
    with tempfile.TemporaryDirectory() as directory:
        broken = Path(directory) / "Dockerfile"
        broken.write_text(DOCKERFILE.read_text() + '\nENTRYPOINT ["/usr/local/bin/callgate", "simulate"]\n')
        result = subprocess.run([tool("hadolint"), "--failure-threshold", "error", str(broken)], capture_output=True, text=True)
    assert result.returncode != 0
    assert "DL4004" in result.stdout


def test_the_build_stage_runs_only_the_makefiles_targets():
    build, _ = stages()
    assert build[0] == ("FROM", "swift:6.3.1-bookworm AS build")
    targets = set(re.findall(r"^([a-z][a-z-]*):", (ROOT / "Makefile").read_text(), re.M))
    runs = [argument for name, argument in build if name == "RUN"]
    assert runs, "the build stage runs nothing"
    for command in runs:
        for step in command.split("&&"):
            words = step.split()
            assert words[0] == "make", f"a build step that is not a make target: {step.strip()}"
            named = [word for word in words[1:] if "=" not in word]
            assert named and set(named) <= targets, f"{step.strip()}: not targets of the Makefile"


def test_the_runtime_is_debian_slim_with_the_linked_libraries_only_and_runs_serve_unprivileged():
    runtime = stages()[-1]
    assert runtime[0] == ("FROM", "debian:12-slim")
    installs = [argument for name, argument in runtime if name == "RUN" and "apt-get install" in argument]
    assert len(installs) == 1
    packages = set(re.search(r"--no-install-recommends ([^&]+)", installs[0]).group(1).split())
    assert packages == {"ca-certificates", "libcurl4", "libsqlite3-0", "libmimalloc2.0"}
    by_name = {}
    for name, argument in runtime:
        by_name.setdefault(name, []).append(argument)
    assert by_name["USER"] == ["10001:10001"]
    assert by_name["VOLUME"] == ['["/data"]']
    assert json.loads(by_name["ENTRYPOINT"][0]) == ["/usr/local/bin/callgate", "serve"]
    healthcheck = by_name["HEALTHCHECK"][0]
    assert json.loads(healthcheck[healthcheck.index("CMD") + 3:].strip())[:2] == ["/usr/local/bin/callgate", "health"]
    # Every file the service reads or writes is under the volume.
    for name, value in image_environment().items():
        if name.endswith("_FILE") or name == "CALLGATE_STORE":
            assert value.removeprefix("sqlite:").startswith("/data/"), f"{name}={value}"


def test_serve_with_the_images_environment_answers_a_first_request_and_health_says_ready():
    with tempfile.TemporaryDirectory() as data:
        env = {name: value.replace("/data", data, 1) if value.removeprefix("sqlite:").startswith("/data") else value
               for name, value in image_environment().items()}
        # This machine's stand-ins for the container's network: a loopback address, a free port.
        port = free_port()
        # The calling windows are not this test's subject, and CI runs at any hour.
        env.update(CALLGATE_HOST="127.0.0.1", CALLGATE_PORT=str(port), CALLGATE_CALLING_PROFILE="off")
        served = Process(["serve"], env=env, cwd=data)
        try:
            # No upstream given: the embedded simulator, and development keys printed once.
            manager = served.read_until(r"Manager\s+(cgk_\S+)").group(1)
            base = f"http://127.0.0.1:{port}"
            assert wait_for(base + "/readyz") == 200
            status, body = get(base + "/v1/services/21429/queue", {"Authorization": f"Bearer {manager}"})
            assert status == 200, body
            health = run(["health", "--timeout", "3"], env=env)
            assert (health.returncode, health.stdout, health.stderr) == (0, f"ready: {base}/readyz answered 200\n", "")
            assert {"callgate.sqlite", "keys.yaml", "audit.key", "audit-witness.key"} <= {p.name for p in Path(data).iterdir()}
        finally:
            status, error = served.stop()
        assert status == 0, error
        # Stopped, the same check fails at once and says why.
        down = run(["health"], env=env)
        assert down.returncode == 1
        assert down.stderr == f"not ready: nothing is listening at http://127.0.0.1:{port}/readyz (connection refused)\n"
