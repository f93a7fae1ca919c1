"""In-process transport: a ``requests`` adapter that calls a WSGI app with no socket.

``WSGIAdapter`` turns a PreparedRequest into a WSGI environ and the app's
answer into a ``requests.Response``; ``session_for`` mounts it on a session.
``emulator.mock`` builds moto-style interception on top of it.
"""
from __future__ import annotations


from collections import OrderedDict
import functools
import io
import sys
from datetime import timedelta
from typing import Any, Callable
from urllib.parse import unquote_to_bytes, urlsplit

import requests
from requests.adapters import BaseAdapter
from requests.cookies import cookiejar_from_dict
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

from .http import call_wsgi



def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    if hasattr(body, "read"):
        data = body.read()
        return data.encode("utf-8") if isinstance(data, str) else data
    return b"".join(c.encode("utf-8") if isinstance(c, str) else c for c in body)


_ENVIRON_HEADER_KEYS: dict[str, str] = {}


def _environ_key(lower_name: str) -> str:
    """``content-type`` -> ``CONTENT_TYPE``, ``x-thing`` -> ``HTTP_X_THING`` (memoised)."""
    key = _ENVIRON_HEADER_KEYS.get(lower_name)
    if key is None:
        key = lower_name.upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = "HTTP_" + key
        _ENVIRON_HEADER_KEYS[lower_name] = key
    return key


@functools.lru_cache(maxsize=256)
def _server_name_port(scheme: str, netloc: str) -> tuple[str, str]:
    url = urlsplit(f"{scheme}://{netloc}")
    return url.hostname or "localhost", str(url.port or (443 if scheme == "https" else 80))


class _ResponseHeaders(CaseInsensitiveDict):
    """A CaseInsensitiveDict built in one pass from a WSGI header list.

    ``CaseInsensitiveDict(pairs)`` goes through ``MutableMapping.update``, one
    Python-level ``__setitem__`` per header; this fills the same ordered store
    directly (later duplicates win, as there).
    """

    def __init__(self, pairs: list[tuple[str, str]]) -> None:  # noqa: D107
        self._store = OrderedDict((name.lower(), (name, value)) for name, value in pairs)


class InProcessResponse(requests.Response):
    """A ``requests.Response`` filled in one step.

    ``requests.Response()`` builds a cookie jar per response; nothing in the
    emulator sets cookies, so the jar is only built when someone reads it.
    """

    def __init__(self, request: requests.PreparedRequest, status: str, headers: list, content: bytes,
                 connection: BaseAdapter) -> None:  # noqa: D107 - deliberately no super().__init__
        self._content = content
        self._content_consumed = True
        self._next = None
        self.status_code = int(status[:3])
        self.reason = status[4:]
        self.headers = _ResponseHeaders(headers)
        self.raw = io.BytesIO(content)
        self.url = request.url
        self.encoding = _encoding_for(self.headers.get("content-type"))
        self.history = []
        self.elapsed = _NO_TIME
        self.request = request
        self.connection = connection

    def __getattr__(self, name: str) -> Any:
        if name == "cookies":
            jar = self.cookies = cookiejar_from_dict({})
            return jar
        raise AttributeError(name)


_NO_TIME = timedelta(0)


@functools.lru_cache(maxsize=64)
def _encoding_for(content_type: str | None) -> str | None:
    return get_encoding_from_headers({"content-type": content_type}) if content_type else None


class WSGIAdapter(BaseAdapter):
    """Send requests straight to a WSGI app (any host, any scheme)."""

    def __init__(self, app: Callable) -> None:
        super().__init__()
        self.app = app
        self._base_environ = {
            "SCRIPT_NAME": "", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
            "wsgi.version": (1, 0), "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False,
        }

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: Any = True, cert: Any = None, proxies: Any = None) -> requests.Response:
        scheme, netloc, path, query, _ = urlsplit(request.url)
        scheme = scheme or "http"
        body = _body_bytes(request.body)
        host, port = _server_name_port(scheme, netloc)
        environ = self._base_environ.copy()
        environ["REQUEST_METHOD"] = request.method
        environ["PATH_INFO"] = unquote_to_bytes(path).decode("latin-1") if "%" in path else (path or "/")
        environ["QUERY_STRING"] = query
        environ["SERVER_NAME"] = host
        environ["SERVER_PORT"] = port
        environ["CONTENT_LENGTH"] = str(len(body))
        environ["wsgi.url_scheme"] = scheme
        environ["wsgi.input"] = io.BytesIO(body)
        environ["wsgi.errors"] = sys.stderr
        environ["HTTP_HOST"] = netloc
        headers = request.headers
        items = headers.lower_items() if isinstance(headers, CaseInsensitiveDict) else (
            (name.lower(), value) for name, value in headers.items())
        for name, value in items:
            key = _environ_key(name)
            if key != "CONTENT_LENGTH":
                environ[key] = value
        status, response_headers, content = call_wsgi(self.app, environ)
        return InProcessResponse(request, status, response_headers, content, self)

    def close(self) -> None:
        """Nothing to release: there is no connection pool."""


def session_for(app: Callable) -> requests.Session:
    """A ``requests.Session`` whose every http(s) request goes to ``app``."""
    session = requests.Session()
    adapter = WSGIAdapter(app)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
