"""moto-style ``mock()``: requests to the real Salesforce and Adobe hosts reach an in-process emulator.

It patches ``HTTPAdapter.send``: calls to an emulated host go through the
in-process :class:`~emulator.core.transport.WSGIAdapter`, every other host to
the network untouched.
"""
from __future__ import annotations

import fnmatch
import functools
from typing import Any, Callable
from urllib.parse import urlsplit

from requests.adapters import HTTPAdapter

from .app import create_app
from .config import Emulator
from .core.transport import WSGIAdapter

EMULATED_HOSTS = ("login.salesforce.com", "test.salesforce.com", "*.my.salesforce.com", "*.salesforce.com",
                  "platform.adobe.io", "ims-*.adobelogin.com")


def is_emulated_host(host: str, patterns: tuple[str, ...] = EMULATED_HOSTS) -> bool:
    host = (host or "").lower()
    return any(fnmatch.fnmatchcase(host, pattern) for pattern in patterns)


class mock:  # noqa: N801 - named like moto's mock_aws, used as @mock() / with mock()
    """Route ``requests`` calls for the real Salesforce and Adobe hosts to an emulator.

    Usable as a context manager (``with mock() as emu:``) and as a decorator.
    Other hosts are let through untouched.
    """

    def __init__(self, emulator: Any = None, hosts: tuple[str, ...] = EMULATED_HOSTS) -> None:
        self._given = emulator
        self.hosts = hosts
        self.emulator = None
        self.app = None
        self._original = None

    def start(self) -> Any:
        self.emulator = self._given or Emulator()
        self.app = create_app(self.emulator)
        adapter = WSGIAdapter(self.app)
        original = HTTPAdapter.send
        hosts = self.hosts

        @functools.wraps(original)
        def send(http_adapter, request, *args, **kwargs):
            if is_emulated_host(urlsplit(request.url).hostname or "", hosts):
                return adapter.send(request, *args, **kwargs)
            return original(http_adapter, request, *args, **kwargs)

        self._original = original
        HTTPAdapter.send = send
        return self.emulator

    def stop(self) -> None:
        if self._original is not None:
            HTTPAdapter.send = self._original
            self._original = None

    def __enter__(self) -> Any:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __call__(self, func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with mock(self._given, self.hosts):
                return func(*args, **kwargs)
        return wrapper
