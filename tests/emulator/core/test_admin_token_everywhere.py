"""In server mode every /__emulator route (admin API and dashboard) answers 401 without the admin token.

The routes come from the app's own URL map, so a route added later is checked too. The only open ones are
the dashboard's login form (a person must reach it to paste the token) and its stylesheet."""
from __future__ import annotations

import re

import requests

from emulator.app import create_app
from emulator.pytest_plugin import fresh_emulator
from emulator.testing import serve_subprocess

OPEN = {("GET", "/__emulator/ui/login"), ("POST", "/__emulator/ui/login"), ("GET", "/__emulator/ui/static/x")}


def _admin_routes() -> list[tuple[str, str]]:
    app = create_app(fresh_emulator())
    return sorted({(method, re.sub(r"<[^>]+>", "x", rule.rule))
                   for rule in app.url_map.iter_rules() if rule.rule.startswith("/__emulator")
                   for method in rule.methods - {"HEAD", "OPTIONS"}})


def test_every_admin_and_dashboard_route_wants_the_token():
    routes = _admin_routes()
    assert len(routes) > 40 and ("GET", "/__emulator/ui") in routes and ("POST", "/__emulator/reset") in routes
    with serve_subprocess() as server:
        for method, path in routes:
            answer = requests.request(method, server.base_url + path, timeout=10)
            if (method, path) not in OPEN:
                assert answer.status_code == 401, (method, path, answer.status_code, answer.text[:200])
        # with the token the same calls are served (whatever their own answer), never 401
        for method, path in [("GET", "/__emulator/state"), ("GET", "/__emulator/ui"), ("GET", "/__emulator/ui/journal")]:
            answer = requests.request(method, server.base_url + path, headers={"X-Admin-Token": server.admin_token},
                                      timeout=10)
            assert answer.status_code == 200, (method, path, answer.status_code)
        login = requests.get(server.base_url + "/__emulator/ui/login", timeout=10)
        assert login.status_code == 200 and 'name="token"' in login.text
