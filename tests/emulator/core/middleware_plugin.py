"""pytest plugin (loaded with ``-p middleware_plugin``): every app the tests build is wrapped in a no-op middleware.

Used by test_consolidation.py to run part of the suite with the WSGI app behind
middleware: behaviour must not change, since nothing finds routes through
``app.wsgi_app``.
"""
from __future__ import annotations

import emulator
import emulator.app
import emulator.mock

_original = emulator.app.create_app


class NoOpMiddleware:
    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


def create_app(*args, **kwargs):
    app = _original(*args, **kwargs)
    app.wsgi_app = NoOpMiddleware(app.wsgi_app)
    return app


emulator.create_app = emulator.app.create_app = emulator.mock.create_app = create_app
import emulator.pytest_plugin  # noqa: E402
emulator.pytest_plugin.create_app = create_app
