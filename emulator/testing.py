"""Helpers for tests and benches: ``crm-harness serve`` in a subprocess on a free loopback port, an
in-process demo session, an authenticated API caller, and concurrent workers."""
from __future__ import annotations

import contextlib
import re
import secrets
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator

import requests

_URL = re.compile(r"listening on (http://\S+)")


@dataclass
class RunningServer:
    base_url: str
    admin_token: str
    process: subprocess.Popen
    output: list[str] = field(default_factory=list)  # every line the server printed so far

    def printed(self, until: str, timeout: float = 60.0) -> str:
        """The server's output up to the first line containing ``until`` (waiting for it)."""
        deadline = time.monotonic() + timeout
        while not any(until in line for line in self.output):
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError(f"the server printed no {until!r}:\n{''.join(self.output)}")
            time.sleep(0.05)
        end = next(i for i, line in enumerate(self.output) if until in line)
        return "".join(self.output[:end + 1])


def _collect(stream, output: list[str]) -> None:
    """Keep reading the server's output so a full pipe never blocks it."""
    for line in stream:
        output.append(line)


@contextlib.contextmanager
def serve_subprocess(*extra_args: str, timeout: float = 20.0) -> Iterator[RunningServer]:
    """Run the server on port 0 (a free port), yield its URL and admin token, always stop it."""
    token = secrets.token_urlsafe(16)
    process = subprocess.Popen(
        [sys.executable, "-m", "crm_harness", "serve", "--port", "0", "--admin-token", token, *extra_args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + timeout
        base_url = None
        output: list[str] = []
        assert process.stdout is not None
        while base_url is None:
            line = process.stdout.readline()
            if not line:
                raise RuntimeError(f"crm-harness serve exited with {process.wait()}:\n{''.join(output)}")
            output.append(line)
            match = _URL.search(line)
            if match:
                base_url = match.group(1)
            elif time.monotonic() > deadline:
                raise RuntimeError("crm-harness serve did not start in time")
        threading.Thread(target=_collect, args=(process.stdout, output), daemon=True).start()
        yield RunningServer(base_url, token, process, output)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def demo_session(emulator=None) -> tuple[requests.Session, dict[str, str]]:
    """An in-process session on ``emulator`` (a fresh demo one by default) and the admin's auth header.

    The daily API limit is lifted so benchmarks can call as often as they like.
    """
    from . import create_app, session_for
    from .pytest_plugin import fresh_emulator
    emulator = emulator or fresh_emulator()
    emulator.salesforce.default_org().org.config.daily_api_limit = 10**9
    session = session_for(create_app(emulator))
    token = session.post("https://login.salesforce.com/services/oauth2/token", data={
        "grant_type": "password", "client_id": "harness-client-id", "client_secret": "harness-client-secret",
        "username": "admin@example.com", "password": "password123TOKEN123"}).json()["access_token"]
    return session, {"Authorization": f"Bearer {token}"}


class ApiCaller:
    """An authenticated caller of one emulated API, for tests: ``get/post/patch/delete(path, headers=…)``.

    ``headers`` passed to a call override the defaults; a value of ``None`` drops that header (to test
    what the API answers without it).
    """

    def __init__(self, session: requests.Session, base: str, headers: dict[str, str]) -> None:
        self.session = session
        self.base = base.rstrip("/")
        self.headers = dict(headers)

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}"

    def call(self, method: str, path: str, headers: dict | None = None, **kwargs) -> requests.Response:
        merged = {k: v for k, v in {**self.headers, **(headers or {})}.items() if v is not None}
        return self.session.request(method, self.url(path), headers=merged, **kwargs)

    def get(self, path: str, **kw) -> requests.Response:
        return self.call("GET", path, **kw)

    def post(self, path: str, **kw) -> requests.Response:
        return self.call("POST", path, **kw)

    def patch(self, path: str, **kw) -> requests.Response:
        return self.call("PATCH", path, **kw)

    def delete(self, path: str, **kw) -> requests.Response:
        return self.call("DELETE", path, **kw)


def run_in_threads(work: Callable[[int], None], count: int) -> None:
    """Run ``work(0)`` … ``work(count - 1)`` each on its own thread, all at once; return when all have ended."""
    threads = [threading.Thread(target=work, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
