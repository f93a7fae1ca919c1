"""How a flow run reads a Salesforce table: through the emulated Salesforce APIs, as a real connector does.

SOAP ``login()`` with the base connection's username and password + security
token, then ``GET /query`` and every ``nextRecordsUrl`` (queryMore) with the
session, all in process through the emulator's own WSGI app: the calls count
against the org's API usage, meet its faults and land in the journal. The
session is kept per base connection and renewed on ``INVALID_SESSION_ID``.
"""
from __future__ import annotations

import hashlib
import io
import json
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable
from urllib.parse import quote, unquote_to_bytes, urlsplit
from xml.etree import ElementTree
from xml.sax.saxutils import escape

import orjson

API_VERSION = "59.0"
LOGIN_HOST = "https://login.salesforce.com"
_SOAP_NS = {"soapenv": "http://schemas.xmlsoap.org/soap/envelope/", "p": "urn:partner.soap.sforce.com"}


class SourceError(Exception):
    """Salesforce refused the run's call: ``code`` is its errorCode (never carries credentials)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass
class Answer:
    status_code: int
    content: bytes

    def json(self) -> Any:
        return orjson.loads(self.content)


class WsgiClient:
    """Plain HTTP calls into a WSGI app, without a socket (and without ``requests``' per-call overhead)."""

    _BASE = {"SCRIPT_NAME": "", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
             "wsgi.version": (1, 0), "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False}

    def __init__(self, app: Callable) -> None:
        self.app = app

    def request(self, method: str, url: str, headers: dict[str, str], body: bytes = b"") -> Answer:
        scheme, netloc, path, query, _ = urlsplit(url)
        environ = dict(self._BASE)
        environ.update({
            "REQUEST_METHOD": method, "QUERY_STRING": query, "HTTP_HOST": netloc,
            "PATH_INFO": unquote_to_bytes(path).decode("latin-1") if "%" in path else (path or "/"),
            "SERVER_NAME": netloc.split(":")[0], "SERVER_PORT": "443" if scheme == "https" else "80",
            "CONTENT_LENGTH": str(len(body)), "wsgi.url_scheme": scheme, "wsgi.input": io.BytesIO(body),
            "wsgi.errors": sys.stderr})
        for name, value in headers.items():
            key = name.upper().replace("-", "_")
            environ[key if key == "CONTENT_TYPE" else "HTTP_" + key] = value
        captured: list[str] = []

        def start_response(status: str, response_headers: list, exc_info: Any = None) -> None:
            captured[:] = [status]

        result = self.app(environ, start_response)
        try:
            content = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        return Answer(int(captured[0][:3]), content)

    def get(self, url: str, headers: dict[str, str]) -> Answer:
        return self.request("GET", url, headers)

    def post(self, url: str, data: bytes, headers: dict[str, str]) -> Answer:
        return self.request("POST", url, headers, data)


@dataclass
class SalesforceSession:
    session_id: str
    instance: str  # scheme://host of the org
    fingerprint: str  # of the credentials it was opened with


def fingerprint(credentials: dict) -> str:
    raw = json.dumps([credentials.get("username"), credentials.get("password"), credentials.get("securityToken")])
    return hashlib.sha256(raw.encode()).hexdigest()


def soql_datetime(epoch_seconds: int) -> str:
    return datetime.fromtimestamp(epoch_seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def window_soql(table: str, columns: list[str], delta: str | None, start: int | None, end: int | None) -> str:
    """``SELECT … FROM table WHERE delta >= start AND delta < end``: selective, served by the delta index."""
    conditions = []
    if delta and start is not None:
        conditions.append(f"{delta} >= {soql_datetime(start)}")
    if delta and end is not None:
        conditions.append(f"{delta} < {soql_datetime(end)}")
    where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
    return f"SELECT {', '.join(columns)} FROM {table}{where}"


class SalesforceReader:
    """A minimal REST client over one WSGI app; ``sessions`` is the caller's per-connection cache."""

    def __init__(self, app: Callable | None, sessions: dict[str, SalesforceSession]) -> None:
        self.http = WsgiClient(app) if app is not None else None
        self.sessions = sessions

    def login(self, connection_id: str, credentials: dict) -> SalesforceSession:
        if self.http is None:
            raise SourceError("UNKNOWN_EXCEPTION", "the emulator has no HTTP app to reach Salesforce through")
        envelope = ('<?xml version="1.0" encoding="utf-8"?><soapenv:Envelope '
                    'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
                    'xmlns:urn="urn:partner.soap.sforce.com"><soapenv:Body><urn:login>'
                    f'<urn:username>{escape(str(credentials.get("username", "")))}</urn:username>'
                    f'<urn:password>{escape(str(credentials.get("password", "")) + str(credentials.get("securityToken") or ""))}'
                    '</urn:password></urn:login></soapenv:Body></soapenv:Envelope>')
        response = self.http.post(f"{LOGIN_HOST}/services/Soap/u/{API_VERSION}", data=envelope.encode(),
                                  headers={"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": "login"})
        try:
            root = ElementTree.fromstring(response.content)
        except ElementTree.ParseError:
            raise SourceError("UNKNOWN_EXCEPTION", f"Salesforce login answered HTTP {response.status_code}") from None
        fault = root.find(".//soapenv:Fault", _SOAP_NS)
        if fault is not None or response.status_code != 200:
            code = (fault.findtext("faultcode") if fault is not None else "") or "UNKNOWN_EXCEPTION"
            text = (fault.findtext("faultstring") if fault is not None else "") or "login failed"
            raise SourceError(code.split(":")[-1], text)
        result = root.find(".//p:result", _SOAP_NS)
        server_url = result.findtext("p:serverUrl", namespaces=_SOAP_NS) if result is not None else None
        session_id = result.findtext("p:sessionId", namespaces=_SOAP_NS) if result is not None else None
        if not server_url or not session_id:
            raise SourceError("UNKNOWN_EXCEPTION", "Salesforce login answered without a session")
        parts = urlsplit(server_url)
        session = SalesforceSession(session_id, f"{parts.scheme}://{parts.netloc}", fingerprint(credentials))
        self.sessions[connection_id] = session
        return session

    def session(self, connection_id: str, credentials: dict) -> SalesforceSession:
        found = self.sessions.get(connection_id)
        if found is not None and found.fingerprint == fingerprint(credentials):
            return found
        return self.login(connection_id, credentials)

    def _get(self, connection_id: str, credentials: dict, path: str) -> tuple[dict, int]:
        for attempt in (0, 1):
            session = self.session(connection_id, credentials)
            response = self.http.get(session.instance + path,
                                     headers={"Authorization": f"Bearer {session.session_id}"})
            if response.status_code == 200:
                return response.json(), len(response.content)
            error = _error_of(response)
            if error.code == "INVALID_SESSION_ID" and attempt == 0:
                self.sessions.pop(connection_id, None)
                continue
            raise error
        raise SourceError("INVALID_SESSION_ID", "Session expired or invalid")  # pragma: no cover - loop returns

    def query_all(self, connection_id: str, credentials: dict, soql: str) -> tuple[list[dict], int]:
        """Every record of the query (query, then queryMore), and the bytes read."""
        page, size = self._get(connection_id, credentials, f"/services/data/v{API_VERSION}/query?q={quote(soql)}")
        records = list(page.get("records", []))
        while not page.get("done", True) and page.get("nextRecordsUrl"):
            page, more = self._get(connection_id, credentials, page["nextRecordsUrl"])
            records.extend(page.get("records", []))
            size += more
        return records, size


def _error_of(response: Any) -> SourceError:
    try:
        body = response.json()
    except ValueError:
        return SourceError("UNKNOWN_EXCEPTION", f"Salesforce answered HTTP {response.status_code}")
    first = body[0] if isinstance(body, list) and body else body if isinstance(body, dict) else {}
    return SourceError(str(first.get("errorCode") or first.get("error") or "UNKNOWN_EXCEPTION"),
                       str(first.get("message") or first.get("error_description") or response.status_code))
