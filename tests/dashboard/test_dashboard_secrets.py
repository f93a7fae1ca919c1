"""No secret — passwords, security tokens, client secrets, access, refresh or IMS tokens, authorization codes —
is rendered in any dashboard page: every page reachable by a link is fetched and searched for each one."""
from __future__ import annotations

import html as html_lib
import re
from collections import deque
from urllib.parse import urljoin, urlsplit

from dashboard_world import UI, build_world

LINK = re.compile(r'href="([^"]+)"')
MAX_PAGES = 400


def crawl(client, start: str) -> dict[str, str]:
    """Every dashboard page reachable from ``start`` by links (GET only), with its HTML."""
    seen: dict[str, str] = {}
    queue = deque([start])
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen:
            continue
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        page = response.get_data(as_text=True)
        seen[url] = page
        for href in LINK.findall(page):
            target = urljoin(url, html_lib.unescape(href))
            parts = urlsplit(target)
            if parts.path.startswith(UI) and "/static/" not in parts.path and not parts.scheme:
                queue.append(target.split("#")[0])
    return seen


def test_no_page_shows_a_secret():
    world = build_world()
    client = world.app.test_client()
    extra = [f"{UI}/journal?dashboard=1&per=100", f"{UI}/objects/User", f"{UI}/login"]
    extra += [f"{UI}/objects/User/{uid}?empty=1" for uid in world.emulator.salesforce.default_org().org.users]
    extra += [f"{UI}/objects/Contact/{cid}?empty=1" for cid in world.contact_ids[:3]]
    pages = crawl(client, UI)
    for url in extra:
        pages[url] = client.get(url).get_data(as_text=True)
    assert len(pages) > 30
    expected = {f"{UI}/aep/prod/connections", f"{UI}/aep/prod/flows", f"{UI}/aep/prod/profiles", f"{UI}/journal",
                f"{UI}/controls", f"{UI}/limits", f"{UI}/fields", f"{UI}/objects"}
    assert expected <= {url.split("?")[0] for url in pages}
    secrets = world.live_secrets()
    assert len(secrets) > 12 and world.token in secrets
    for url, page in pages.items():
        for secret in secrets:
            assert secret not in page, f"{url} shows a secret ({secret[:4]}…)"
            assert html_lib.escape(secret) not in page, f"{url} shows a secret ({secret[:4]}…)"


def test_no_page_shows_a_secret_in_server_mode_either():
    world = build_world(admin_token="admin-secret-token-42")
    client = world.app.test_client()
    assert "admin-secret-token-42" not in client.get(UI).get_data(as_text=True)  # the 401 page
    client.environ_base["HTTP_X_ADMIN_TOKEN"] = "admin-secret-token-42"
    pages = crawl(client, UI)
    secrets = [*world.live_secrets(), "admin-secret-token-42"]
    for url, page in pages.items():
        for secret in secrets:
            assert secret not in page, f"{url} shows a secret ({secret[:4]}…)"
