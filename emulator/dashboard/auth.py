"""Who may see the dashboard, and CSRF on its forms.

In-process (no admin token configured) every page is open. In server mode
(``EmulatorConfig.admin_token`` set) a page answers 401 with a login form
unless the request carries the token in ``X-Admin-Token`` or a session cookie
set by that form. The cookie is Flask's signed session and holds an HMAC of the
token, never the token itself, so a new token (a restarted server) ends every
session.

Every dashboard form carries a CSRF token (Flask-WTF): ``CSRFProtect`` is set
up with ``WTF_CSRF_CHECK_DEFAULT = False`` and the dashboard calls
``csrf.protect()`` for its own POSTs only; the emulated APIs and the JSON admin
API are never CSRF-checked.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from flask import Flask, Request, current_app, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect

from .blueprint import bp, emulator

# Signs the session cookie when the app has no secret key of its own: random per process, so a
# restarted server forgets every dashboard session.
PROCESS_SECRET = secrets.token_bytes(32)
SESSION_KEY = "crm_harness_admin"
OPEN_ENDPOINTS = frozenset({"dashboard.login", "dashboard.static"})
csrf = CSRFProtect()


def init_auth(app: Flask) -> None:
    """Secret key, cookie settings and CSRFProtect (checking nothing unless a dashboard view asks)."""
    if not app.secret_key:
        app.secret_key = PROCESS_SECRET
    if type(app.session_interface) is SecureCookieSessionInterface:
        app.session_interface = DashboardSessions()
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the token lives as long as the session
    app.config["SESSION_COOKIE_NAME"] = "crm_harness_ui"
    app.config["SESSION_COOKIE_PATH"] = bp.url_prefix
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    csrf.init_app(app)


class DashboardSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions on the dashboard's paths only: the emulated APIs' requests get the null
    session, without the ~35 µs a cookie session costs to open (and never a ``Vary: Cookie``)."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if not request.path.startswith(bp.url_prefix):
            return None  # Flask then uses make_null_session, and never saves it
        return super().open_session(app, request)


def expected_token() -> str | None:
    return emulator().config.admin_token or None


def _mark(token: str) -> str:
    """What the session keeps for a logged-in admin: an HMAC of the token under the app's key."""
    key = current_app.secret_key
    key = key if isinstance(key, bytes) else str(key).encode()
    return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()


def _token_matches(given: str | None, expected: str) -> bool:
    return bool(given) and hmac.compare_digest(given.encode(), expected.encode())


def authorized() -> bool:
    expected = expected_token()
    if expected is None:
        return True
    if _token_matches(request.headers.get("X-Admin-Token"), expected):
        return True
    mark = session.get(SESSION_KEY)
    return isinstance(mark, str) and hmac.compare_digest(mark, _mark(expected))


def login_page(status: int, error: str | None = None):
    target = request.full_path if request.method == "GET" else None
    return render_template("login.html", error=error, next=_safe_next(request.form.get("next") or target),
                           needs_token=expected_token() is not None), status


def _safe_next(target: str | None) -> str:
    """Only a path of the dashboard itself (no scheme, no host): never an open redirect."""
    if not target:
        return url_for("dashboard.overview")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith(bp.url_prefix) or "\\" in target:
        return url_for("dashboard.overview")
    if parts.path.startswith(url_for("dashboard.login")):
        return url_for("dashboard.overview")
    return target.rstrip("?")


@bp.before_request
def guard():
    """401 (the login form) without the token, before anything else; then CSRF on every POST."""
    if request.endpoint not in OPEN_ENDPOINTS and not authorized():
        return login_page(401)
    if request.method == "POST":
        csrf.protect()
    return None


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Paste the admin token once; a signed session cookie keeps the browser logged in."""
    expected = expected_token()
    if request.method == "GET":
        return login_page(200)
    target = _safe_next(request.form.get("next"))
    if expected is None:
        return redirect(target, 303)
    if not _token_matches(request.form.get("token", "").strip(), expected):
        return login_page(401, "That is not the admin token of this server.")
    session.clear()
    session[SESSION_KEY] = _mark(expected)
    return redirect(target, 303)


@bp.post("/logout")
def logout():
    session.clear()
    return redirect(url_for("dashboard.login"), 303)
