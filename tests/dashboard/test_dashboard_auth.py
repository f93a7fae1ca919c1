"""Who may see the dashboard (the admin token, in a header or a session cookie) and CSRF on its forms only."""
from __future__ import annotations

import base64
import zlib

import pytest

from dashboard_world import SF, UI, build_world, csrf_of, plain_emulator
from emulator.app import create_app

TOKEN = "the-admin-token-5f8a"
PAGES = ("", "/objects", "/objects/Contact", "/fields", "/limits", "/journal", "/controls", "/aep",
         "/aep/prod/flows", "/aep/prod/profiles", "/no/such/page")


@pytest.fixture
def served():
    """An emulator in server mode (an admin token configured) and a test client."""
    world = build_world(admin_token=TOKEN)
    return world, world.app.test_client()


def text(response) -> str:
    return response.get_data(as_text=True)


def login(client, token: str = TOKEN, next_page: str | None = None):
    form = text(client.get(f"{UI}/login"))
    data = {"csrf_token": csrf_of(form), "token": token}
    if next_page is not None:
        data["next"] = next_page
    return client.post(f"{UI}/login", data=data)


def test_in_process_every_page_is_open():
    client = create_app(plain_emulator()).test_client()
    for path in PAGES[:-1]:
        assert client.get(UI + path).status_code == 200, path


@pytest.mark.parametrize("path", PAGES)
def test_server_mode_answers_401_with_a_login_form_without_the_token(served, path):
    _world, client = served
    response = client.get(UI + path)
    assert response.status_code == 401
    html = text(response)
    assert 'id="login-form"' in html and 'name="token"' in html and csrf_of(html)
    assert "Dashboard Test Org" not in html


def test_a_wrong_header_is_401_and_the_right_one_200(served):
    _world, client = served
    assert client.get(UI, headers={"X-Admin-Token": "nope"}).status_code == 401
    assert client.get(UI, headers={"X-Admin-Token": TOKEN[:-1]}).status_code == 401
    for path in PAGES[:-1]:
        assert client.get(UI + path, headers={"X-Admin-Token": TOKEN}).status_code == 200, path
    assert client.get(f"{UI}/no/such/page", headers={"X-Admin-Token": TOKEN}).status_code == 404


def test_the_stylesheet_is_served_without_the_token(served):
    _world, client = served
    response = client.get(f"{UI}/static/dashboard.css")
    assert response.status_code == 200 and b"gauge" in response.data


def test_logging_in_with_the_form_sets_a_session_cookie(served):
    _world, client = served
    wrong = login(client, "not-it")
    assert wrong.status_code == 401 and "That is not the admin token" in text(wrong)
    assert client.get(UI).status_code == 401
    response = login(client, next_page=f"{UI}/limits")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"{UI}/limits")
    cookie = response.headers["Set-Cookie"]
    assert "crm_harness_ui=" in cookie and "HttpOnly" in cookie and "Path=/__emulator/ui" in cookie
    assert "SameSite=Lax" in cookie
    for path in PAGES[:-1]:
        assert client.get(UI + path).status_code == 200, path
    assert "Log out" in text(client.get(UI))


def test_the_session_cookie_never_holds_the_token(served):
    _world, client = served
    login(client)
    value = client.get_cookie("crm_harness_ui", path="/__emulator/ui").value
    payload = value.split(".")[0] if not value.startswith(".") else value[1:].split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    if value.startswith("."):
        raw = zlib.decompress(raw)
    assert TOKEN.encode() not in raw and TOKEN not in value


def test_a_new_admin_token_ends_the_session(served):
    world, client = served
    login(client)
    assert client.get(UI).status_code == 200
    world.emulator.config.admin_token = "another-token"
    assert client.get(UI).status_code == 401


def test_logging_out_ends_the_session(served):
    _world, client = served
    login(client)
    page = text(client.get(UI))
    assert client.post(f"{UI}/logout", data={"csrf_token": csrf_of(page)}).status_code == 303
    assert client.get(UI).status_code == 401


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/services/data/v59.0",
                                    "/__emulator/ui/login", "javascript:alert(1)", "/\\evil.example"])
def test_login_never_redirects_off_the_dashboard(served, target):
    _world, client = served
    response = login(client, next_page=target)
    assert response.status_code == 303 and response.headers["Location"].endswith(UI), target


def test_a_401_page_remembers_where_the_person_was_going(served):
    _world, client = served
    html = text(client.get(f"{UI}/journal?status=5xx"))
    assert 'name="next" value="/__emulator/ui/journal?status=5xx"' in html


# -- CSRF ------------------------------------------------------------------------------------------------------
FORMS = [("/clock", {"action": "advance", "duration": "1h"}), ("/faults", {"path": "/x", "status": "503"}),
         ("/faults/clear", {}), ("/login", {"token": TOKEN}), ("/logout", {})]


@pytest.mark.parametrize("path, data", FORMS)
def test_a_post_without_or_with_a_wrong_csrf_token_is_400(served, path, data):
    world, client = served
    login(client)
    before = world.emulator.now(), world.emulator.active_faults()
    missing = client.post(UI + path, data=data, headers={"X-Admin-Token": TOKEN})
    assert missing.status_code == 400 and "CSRF" in text(missing)
    wrong = client.post(UI + path, data={**data, "csrf_token": "IjEyMyI.forged.token"},
                        headers={"X-Admin-Token": TOKEN})
    assert wrong.status_code == 400 and "CSRF" in text(wrong)
    assert (world.emulator.now(), world.emulator.active_faults()) == before


def test_a_csrf_token_from_another_session_is_refused(served):
    world, client = served
    login(client)
    stranger = world.app.test_client()
    foreign = csrf_of(text(stranger.get(f"{UI}/login")))
    response = client.post(f"{UI}/faults", data={"csrf_token": foreign, "path": "/x", "status": "503"})
    assert response.status_code == 400


def test_with_the_csrf_token_the_form_works(served):
    world, client = served
    login(client)
    token = csrf_of(text(client.get(f"{UI}/controls")))
    before = world.emulator.now()
    response = client.post(f"{UI}/clock", data={"csrf_token": token, "action": "advance", "duration": "1h"})
    assert response.status_code == 303
    assert (world.emulator.now() - before).total_seconds() == 3600
    response = client.post(f"{UI}/faults", data={"csrf_token": token, "path": "/x", "status": "503"})
    assert response.status_code == 303 and any(r["path"] == "/x" for r in world.emulator.active_faults())


def test_a_form_without_the_admin_token_is_401_even_with_a_csrf_token(served):
    world, client = served
    world.emulator.inject_fault(path="/kept", status=500)
    token = csrf_of(text(client.get(f"{UI}/login")))
    response = client.post(f"{UI}/faults/clear", data={"csrf_token": token})
    assert response.status_code == 401
    assert [r["path"] for r in world.emulator.active_faults()] == ["/kept"]


def test_the_apis_and_the_json_admin_api_are_never_csrf_checked(served):
    world, client = served
    created = world.rest("POST", "sobjects/Contact", json={"LastName": "NoCsrf"})
    assert created.status_code == 201, created.text
    admin = {"X-Admin-Token": TOKEN}
    assert world.session.post("http://x/__emulator/clock", json={"advance": "1m"}, headers=admin).status_code == 200
    assert world.session.post("http://x/__emulator/faults", json={"path": "/y", "status": 500},
                              headers=admin).status_code == 201
    assert world.session.post("http://x/__emulator/clock", json={"advance": "1m"}).status_code == 401
    token = world.session.post("https://ims-na1.adobelogin.com/ims/token/v3", data={
        "grant_type": "client_credentials", "client_id": "harness-aep-client", "client_secret": "harness-aep-secret"})
    assert token.status_code == 200
    assert world.session.get(f"{SF}/limits", headers={"Authorization": f"Bearer {world.token}"}).status_code == 200


def test_the_api_answers_carry_no_dashboard_cookie(served):
    world, _client = served
    response = world.rest("GET", "limits")
    assert "Set-Cookie" not in response.headers and "Vary" not in response.headers


def test_only_dashboard_requests_open_a_cookie_session(served):
    world, _client = served
    interface = world.app.session_interface
    with world.app.test_request_context("/services/data/v59.0/limits"):
        from flask import request
        assert interface.open_session(world.app, request) is None  # the null session: no cookie parsed
    with world.app.test_request_context(f"{UI}/objects"):
        from flask import request
        assert interface.open_session(world.app, request) is not None
