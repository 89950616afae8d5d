"""What the deploy/ tests share: the repository's paths, the tools from .venv, and running the real
`callgate` binary (CALLGATE_BIN) on a loopback port with a given environment."""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BIN = os.environ.get("CALLGATE_BIN", str(ROOT / ".build" / "debug" / "callgate"))


def tool(name: str) -> str:
    """A command-line tool of the virtual environment running the tests (`make venv` installs them
    from scripts/requirements.txt), or else from the PATH."""
    local = Path(sys.executable).parent / name
    if local.exists():
        return str(local)
    found = shutil.which(name)
    assert found, f"{name} is not installed: run `make venv` (scripts/requirements.txt)"
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, headers: dict | None = None) -> tuple[int, bytes]:
    """GET `url`: the status and the body, whatever the status."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def wait_for(url: str, status: int = 200, seconds: float = 30) -> int:
    """Polls `url` until it answers `status` or `seconds` pass; returns the last status (0: no answer)."""
    deadline = time.monotonic() + seconds
    last = 0
    while time.monotonic() < deadline:
        try:
            last, _ = get(url)
        except OSError:
            last = 0
        if last == status:
            return last
        time.sleep(0.1)
    return last


class Process:
    """A `callgate` subcommand running in the background with exactly `env` (nothing inherited but
    PATH), its standard output read line by line; stopped with SIGTERM."""

    def __init__(self, arguments: list[str], env: dict[str, str], cwd: str | None = None):
        self.popen = subprocess.Popen(
            [BIN, *arguments], env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env}, cwd=cwd,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def read_until(self, pattern: str, seconds: float = 30) -> re.Match:
        """Reads standard output until a line matches `pattern` (the process keeps running)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            line = self.popen.stdout.readline()
            if not line:
                break
            match = re.search(pattern, line)
            if match:
                return match
        raise AssertionError(f"no line matched {pattern!r}; stderr: {self.stop()[1]}")

    def stop(self) -> tuple[int, str]:
        """SIGTERM, then the exit status and what it wrote on standard error."""
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
        try:
            _, error = self.popen.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            _, error = self.popen.communicate()
        return self.popen.returncode, error


def run(arguments: list[str], env: dict[str, str] | None = None, **kwargs) -> subprocess.CompletedProcess:
    """Runs a `callgate` subcommand to its end, with `env` (and PATH) only."""
    return subprocess.run([BIN, *arguments], env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **(env or {})},
                          capture_output=True, text=True, timeout=60, **kwargs)


def start_simulator() -> tuple[Process, str]:
    """`callgate simulate` on a free loopback port; its base URL."""
    simulator = Process(["simulate", "--host", "127.0.0.1", "--port", "0"], env={})
    url = simulator.read_until(r"listening on (http://\S+)").group(1)
    return simulator, url
