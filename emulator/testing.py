"""Start ``crm-harness serve`` in a subprocess on a free loopback port, for tests and benches."""
from __future__ import annotations

import contextlib
import re
import secrets
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import Iterator

_URL = re.compile(r"listening on (http://\S+)")


@dataclass
class RunningServer:
    base_url: str
    admin_token: str
    process: subprocess.Popen


def _drain(stream) -> None:
    """Keep reading the server's output so a full pipe never blocks it."""
    for _ in stream:
        pass


@contextlib.contextmanager
def serve_subprocess(*extra_args: str, timeout: float = 20.0) -> Iterator[RunningServer]:
    """Run the server on port 0 (a free port), yield its URL and admin token, always stop it."""
    token = secrets.token_urlsafe(16)
    process = subprocess.Popen(
        [sys.executable, "-m", "emulator.cli", "serve", "--port", "0", "--admin-token", token, *extra_args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + timeout
        base_url = None
        assert process.stdout is not None
        while base_url is None:
            line = process.stdout.readline()
            if not line:
                raise RuntimeError(f"crm-harness serve exited with {process.wait()}")
            match = _URL.search(line)
            if match:
                base_url = match.group(1)
            elif time.monotonic() > deadline:
                raise RuntimeError("crm-harness serve did not start in time")
        threading.Thread(target=_drain, args=(process.stdout,), daemon=True).start()
        yield RunningServer(base_url, token, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
