"""OAuth 2.0 routes under /services/oauth2 (SPEC SF-OAUTH-1..7)."""
from __future__ import annotations

import html
from urllib.parse import urlencode

from flask import Blueprint, Response, redirect, request

from ...core.http import empty_response, json_response
from .grants import Grant, id_token, signature, check_session
from ..context import emulator
from ..errors import OAuthError
from ..identity import my_domain_of

bp = Blueprint("salesforce_oauth", __name__)

LOGIN_HOSTS = {"login.salesforce.com", "test.salesforce.com"}


def login_base() -> str:
    return request.host_url.rstrip("/")


def instance_url(my_domain: str = "harness") -> str:
    """Where REST calls go: the request's own host, or the org's My Domain host when called on login.*.

    A My Domain host keeps clients that reached us through ``mock()`` on an intercepted host.
    """
    host = request.host.split(":")[0].lower()
    if host in LOGIN_HOSTS:
        return f"https://{my_domain}.my.salesforce.com"
    return login_base()


def token_body(grant: Grant, *, with_scope: bool, client_credentials: bool = False,
               with_id_token: bool = False) -> dict:
    emu = emulator()
    now = emu.clock.now()
    issued_at = str(int(now.timestamp() * 1000))
    identity = f"{login_base()}/id/{grant.org.id}/{grant.user.id}"
    body = {"access_token": grant.session.token}
    if grant.refresh_token:
        body["refresh_token"] = grant.refresh_token
    secret = grant.app.client_secret if grant.app else ""
    body["signature"] = signature(secret, identity, issued_at)
    if with_scope:
        body["scope"] = " ".join(sorted(grant.session.scopes))
    if with_id_token and "openid" in grant.session.scopes and grant.app is not None:
        body["id_token"] = id_token(secret, login_base(), grant.user, grant.org, grant.app.client_id, now)
    body["instance_url"] = instance_url(grant.org.config.my_domain)
    if client_credentials:
        body["api_instance_url"] = instance_url(grant.org.config.my_domain)
    body.update(id=identity, token_type="Bearer", issued_at=issued_at)
    return body


def client_auth() -> tuple[str | None, str | None]:
    """client_id and client_secret from the form, or from an HTTP Basic header (RFC 6749 2.3.1).

    Salesforce accepts both; simple_salesforce's client-credentials login sends Basic.
    """
    form, basic = request.form, request.authorization
    if form.get("client_id") is None and basic is not None and basic.type == "basic":
        return basic.username, basic.password
    return form.get("client_id"), form.get("client_secret")


@bp.post("/services/oauth2/token")
def token():
    form = request.form
    backend = emulator().salesforce
    grant_type = form.get("grant_type")
    client_id, client_secret = client_auth()
    if grant_type == "password":
        grant = backend.password_grant(client_id, client_secret, form.get("username"), form.get("password"),
                                       request.remote_addr, my_domain_of(request.host))
        return json_response(token_body(grant, with_scope=False))
    if grant_type == "client_credentials":
        grant = backend.client_credentials_grant(client_id, client_secret)
        return json_response(token_body(grant, with_scope=True, client_credentials=True))
    if grant_type == "authorization_code":
        grant = backend.code_grant(client_id, client_secret, form.get("code"), form.get("redirect_uri"))
        return json_response(token_body(grant, with_scope=True, with_id_token=True))
    if grant_type == "refresh_token":
        grant = backend.refresh_grant(client_id, client_secret, form.get("refresh_token"))
        return json_response(token_body(grant, with_scope=True, with_id_token=True))
    raise OAuthError("unsupported_grant_type", "grant type not supported")


@bp.route("/services/oauth2/revoke", methods=["GET", "POST"])
def revoke():
    token_value = request.form.get("token") or request.args.get("token")
    emulator().salesforce.revoke(token_value)
    return empty_response(200)


def identity_body(session) -> dict:
    backend = emulator().salesforce
    data = backend.org_data(session.org_id)
    user = data.org.users[session.user_id]
    base = f"{instance_url()}/services/data/v{emulator().config.api_version_max}.0"
    return {
        "sub": f"{login_base()}/id/{data.org.id}/{user.id}", "user_id": user.id,
        "organization_id": data.org.id, "preferred_username": user.username, "nickname": user.username.split("@")[0],
        "name": user.name, "email": user.email, "email_verified": True, "given_name": user.first_name,
        "family_name": user.last_name, "zoneinfo": user.time_zone, "active": user.active,
        "user_type": "STANDARD", "language": "en_US", "locale": "en_US", "is_app_installed": True,
        "updated_at": emulator().clock.now().strftime("%Y-%m-%dT%H:%M:%SZ"),
        "urls": {"enterprise": f"{instance_url()}/services/Soap/c/{{version}}/{data.org.id}",
                 "partner": f"{instance_url()}/services/Soap/u/{{version}}/{data.org.id}",
                 "rest": f"{instance_url()}/services/data/v{{version}}/",
                 "sobjects": f"{instance_url()}/services/data/v{{version}}/sobjects/",
                 "search": f"{instance_url()}/services/data/v{{version}}/search/",
                 "query": f"{instance_url()}/services/data/v{{version}}/query/",
                 "profile": f"{instance_url()}/{user.id}", "custom_domain": instance_url(),
                 "limits": f"{base}/limits/"},
    }


def _current_session():
    """The session of the Authorization header, or of ``?oauth_token=`` (how jsforce's identity() calls)."""
    backend = emulator().salesforce
    authorization = request.headers.get("Authorization")
    if not authorization and request.args.get("oauth_token"):
        authorization = f"Bearer {request.args['oauth_token']}"
    with backend.lock:
        return check_session(backend.tokens, backend.org_data, authorization, backend.now())


@bp.route("/services/oauth2/userinfo", methods=["GET", "POST"])
def userinfo():
    return json_response(identity_body(_current_session()))


@bp.get("/id/<org_id>/<user_id>")
def identity(org_id: str, user_id: str):
    session = _current_session()
    if session.org_id != org_id or session.user_id != user_id:
        raise OAuthError("Bad_Id", "Bad_Id", status=403)
    body = identity_body(session)
    body.update(id=body["sub"], username=body["preferred_username"], display_name=body["name"])
    return json_response(body)


# -- authorization code flow: a real login/consent page -------------------------------------
LOGIN_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Login | Salesforce (harness)</title></head>
<body>
<h1>Allow access?</h1>
<p><b>{app}</b> is asking to: {scopes}</p>
{error}
<form method="post" action="/services/oauth2/authorize">
  <input type="hidden" name="response_type" value="code">
  <input type="hidden" name="client_id" value="{client_id}">
  <input type="hidden" name="redirect_uri" value="{redirect_uri}">
  <input type="hidden" name="scope" value="{scope}">
  <input type="hidden" name="state" value="{state}">
  <label>Username <input name="username" value="{username}"></label>
  <label>Password <input type="password" name="password"></label>
  <button name="approve" value="allow">Allow</button>
  <button name="approve" value="deny">Deny</button>
</form>
</body></html>"""


def _error_page(error: OAuthError) -> Response:
    text = html.escape(f"error={error.error}&error_description={error.description or ''}")
    return Response(f"<!doctype html><html><body><h1>OAuth error</h1><p>{text}</p></body></html>",
                    status=400, mimetype="text/html")


def _redirect_with(redirect_uri: str, params: dict) -> Response:
    separator = "&" if "?" in redirect_uri else "?"
    return redirect(redirect_uri + separator + urlencode({k: v for k, v in params.items() if v is not None}),
                    code=302)


@bp.route("/services/oauth2/authorize", methods=["GET", "POST"])
def authorize():
    params = request.values
    client_id, redirect_uri = params.get("client_id"), params.get("redirect_uri")
    scope, state = params.get("scope"), params.get("state")
    backend = emulator().salesforce
    try:
        app = backend.authorize_app(client_id, redirect_uri)
    except OAuthError as error:
        return _error_page(error)
    if params.get("response_type") != "code":
        return _redirect_with(redirect_uri, {"error": "unsupported_response_type",
                                             "error_description": "response type not supported", "state": state})
    auto_user = emulator().config.oauth_auto_approve
    if request.method == "GET" and not auto_user:
        return _login_page(app, params)
    if request.method == "POST" and params.get("approve") == "deny":
        return _redirect_with(redirect_uri, {"error": "access_denied",
                                             "error_description": "end-user denied authorization", "state": state})
    username, password = params.get("username"), params.get("password")
    if request.method == "GET":
        data = backend.org_for_client(client_id)
        user = data.org.user_by_username(auto_user)
        username, password = auto_user, user.password if user else None
    try:
        _, code = backend.authorize(client_id, redirect_uri, scope, username, password)
    except OAuthError as error:
        if error.error == "invalid_scope":
            return _redirect_with(redirect_uri, {"error": error.error, "error_description": error.description,
                                                 "state": state})
        return _login_page(app, params, "Please check your username and password.")
    return _redirect_with(redirect_uri, {"code": code, "state": state})


def _login_page(app, params, error: str | None = None) -> Response:
    values = {k: html.escape(params.get(k) or "") for k in ("client_id", "redirect_uri", "scope", "state", "username")}
    scopes = html.escape(params.get("scope") or " ".join(sorted(app.scopes)))
    body = LOGIN_PAGE.format(app=html.escape(app.name), scopes=scopes,
                             error=f'<p class="error">{html.escape(error)}</p>' if error else "", **values)
    return Response(body, status=200, mimetype="text/html")
