"""Shared pytest fixtures for the oracle tests: they run the real `callgate` binary."""
import os
import pathlib

import pytest


@pytest.fixture(scope="session")
def callgate_bin() -> str:
    """Path of the `callgate` executable under test: $CALLGATE_BIN, default .build/debug/callgate."""
    path = pathlib.Path(os.environ.get("CALLGATE_BIN", ".build/debug/callgate"))
    if not path.exists():
        pytest.fail(f"callgate binary not found at {path}; build it or set CALLGATE_BIN")
    return str(path)
