"""The request journal, newest first, filtered by method, status, API and path; query strings redacted."""
from __future__ import annotations

import re
from urllib.parse import unquote_plus

from flask import render_template, request

from ..core.clock import iso
from ..core.journal import JournalEntry, redact_query
from .blueprint import PageError, bp, emulator, paged

APIS = ("salesforce", "aep", "ims", "admin", "other")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
DASHBOARD_PATH = bp.url_prefix


def _status_filter(raw: str):
    """``503``, ``5xx`` or ``4xx``: a test on a status code (400 for anything else)."""
    raw = raw.strip().lower()
    if not raw:
        return None
    if len(raw) == 3 and raw[0] in "12345" and raw[1:] == "xx":
        return lambda status: status // 100 == int(raw[0])
    if raw.isdigit() and len(raw) == 3:
        return lambda status: status == int(raw)
    raise PageError(400, f"status must be a code such as 503, or a class such as 5xx, not {raw!r}")


# Wider than the journal's own list: any parameter whose name holds one of these words (``new_password``,
# ``x-api-key``…) is shown as ``***`` too; redacting a harmless one costs nothing.
SECRET_NAMES = re.compile(r"(?i)(?<![^&?\s])([^&=\s]*(?:password|passwd|pwd|secret|token|code|assertion|api_key|"
                          r"apikey|sessionid|signature|sig)[^&=\s]*)=([^&]*)")


def redact(query: str) -> str:
    return SECRET_NAMES.sub(lambda m: f"{m.group(1)}=***", redact_query(query))


def readable_query(query: str) -> str:
    """The query string decoded for reading, secret values redacted before and after decoding (the journal
    already redacts on record; an encoded name such as ``pass%77ord=`` is caught once decoded)."""
    return redact(unquote_plus(redact(query)))


def shown_entry(entry: JournalEntry) -> dict:
    """One journal entry as a page shows it (only the entries of the page are formatted)."""
    return {"at": iso(entry.at), "method": entry.method, "path": entry.path, "query": readable_query(entry.query),
            "status": entry.status, "duration_ms": entry.duration_ms, "api": entry.api, "org": entry.org}


@bp.get("/journal")
def journal():
    method = request.args.get("method", "").strip().upper()
    api = request.args.get("api", "").strip().lower()
    path = request.args.get("path", "").strip()
    status_text = request.args.get("status", "")
    with_dashboard = request.args.get("dashboard") == "1"
    if method and method not in METHODS:
        raise PageError(400, f"method must be one of {', '.join(METHODS)}, not {method!r}")
    if api and api not in APIS:
        raise PageError(400, f"api must be one of {', '.join(APIS)}, not {api!r}")
    status = _status_filter(status_text)
    entries = emulator().journal.recent()
    kept = []
    for entry in reversed(entries):
        if not with_dashboard and entry.path.startswith(DASHBOARD_PATH):
            continue
        if method and entry.method != method:
            continue
        if api and entry.api != api:
            continue
        if status is not None and not status(entry.status):
            continue
        if path and path.lower() not in entry.path.lower():
            continue
        kept.append(entry)
    page = paged(kept)
    page.items = [shown_entry(e) for e in page.items]
    return render_template("journal.html", page=page, total=len(entries), methods=METHODS, apis=APIS,
                           filters={"method": method, "api": api, "path": path, "status": status_text.strip(),
                                    "dashboard": with_dashboard})
