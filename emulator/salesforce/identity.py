"""Orgs, users and connected apps (SPEC SF-OAUTH-1)."""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from datetime import datetime, timedelta

MY_DOMAIN_SUFFIX = ".my.salesforce.com"


@dataclass
class OrgConfig:
    """Per-org settings; every value can come from a fixture file or the admin API."""

    session_timeout: timedelta = timedelta(hours=2)
    daily_api_limit: int = 15000
    daily_bulk_api_limit: int = 10000
    custom_field_cap: int = 25
    custom_field_cap_scope: str = "all"  # "all" custom fields, or "unique_external" ones only
    deletion_window_days: int = 30
    updated_window_days: int = 30
    recycle_bin_days: int = 15
    max_body_bytes: int = 50 * 1024 * 1024
    concurrent_request_limit: int = 25
    bulk_processing_seconds: int = 0  # Bulk API 2.0: a closed job completes this long after (0: at the next read)
    my_domain: str = "harness"  # the org's My Domain: <my_domain>.my.salesforce.com (seed 000's custom domain)
    trusted_ip_ranges: list[str] = field(default_factory=list)  # CIDRs whose callers log in without the token

    def trusts(self, address: str | None) -> bool:
        """True when ``address`` is inside one of the org's trusted IP ranges (SF-OAUTH-2)."""
        try:
            ip = ipaddress.ip_address(address or "")
        except ValueError:
            return False
        return any(ip in ipaddress.ip_network(cidr, strict=False) for cidr in self.trusted_ip_ranges)

    def as_dict(self) -> dict:
        return {
            "session_timeout_minutes": self.session_timeout.total_seconds() / 60,
            "daily_api_limit": self.daily_api_limit,
            "daily_bulk_api_limit": self.daily_bulk_api_limit,
            "custom_field_cap": self.custom_field_cap,
            "custom_field_cap_scope": self.custom_field_cap_scope,
            "deletion_window_days": self.deletion_window_days,
            "updated_window_days": self.updated_window_days,
            "recycle_bin_days": self.recycle_bin_days,
            "max_body_bytes": self.max_body_bytes,
            "concurrent_request_limit": self.concurrent_request_limit,
            "bulk_processing_seconds": self.bulk_processing_seconds,
            "my_domain": self.my_domain,
            "trusted_ip_ranges": list(self.trusted_ip_ranges),
        }

    def update(self, values: dict) -> None:
        """Apply settings given in the units of :meth:`as_dict`; unknown keys raise KeyError."""
        for key, value in values.items():
            if key == "session_timeout_minutes":
                self.session_timeout = timedelta(minutes=float(value))
            elif key == "custom_field_cap_scope":
                if value not in ("all", "unique_external"):
                    raise ValueError("custom_field_cap_scope must be 'all' or 'unique_external'")
                self.custom_field_cap_scope = value
            elif key == "my_domain":
                self.my_domain = _my_domain(value)
            elif key == "trusted_ip_ranges":
                self.trusted_ip_ranges = _ip_ranges(value)
            elif key in self.as_dict():
                setattr(self, key, int(value))
            else:
                raise KeyError(key)


def _my_domain(value: object) -> str:
    """A My Domain name: letters, digits and hyphens (the part before ``.my.salesforce.com``)."""
    name = str(value).strip().lower()
    if not name or not all(c.isalnum() or c == "-" for c in name) or name.startswith("-"):
        raise ValueError(f"my_domain {value!r} is not a valid My Domain name")
    return name


def _ip_ranges(value: object) -> list[str]:
    """A list of CIDR ranges, each checked (``ValueError`` names the bad one)."""
    if not isinstance(value, (list, tuple)):
        raise ValueError("trusted_ip_ranges must be a list of CIDR ranges")
    ranges = []
    for cidr in value:
        try:
            ranges.append(str(ipaddress.ip_network(str(cidr), strict=False)))
        except ValueError:
            raise ValueError(f"trusted_ip_ranges: {cidr!r} is not an IP range") from None
    return ranges


def my_domain_of(host: str) -> str | None:
    """``acme`` for ``acme.my.salesforce.com`` (any port stripped); None for any other host."""
    host = host.split(":")[0].lower()
    if host.endswith(MY_DOMAIN_SUFFIX):
        return host[: -len(MY_DOMAIN_SUFFIX)] or None
    return None


@dataclass
class User:
    id: str
    username: str
    password: str
    security_token: str
    first_name: str
    last_name: str
    email: str
    time_zone: str = "America/Los_Angeles"
    active: bool = True

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass
class ConnectedApp:
    name: str
    client_id: str
    client_secret: str
    callback_urls: list[str]
    scopes: frozenset[str]
    client_credentials_enabled: bool = False
    relax_ip_restrictions: bool = False  # "Relax IP restrictions": the password alone works (seed 000)
    run_as_user_id: str | None = None
    propagation_delay: timedelta = timedelta(0)
    changed_at: datetime | None = None

    def effective(self, now: datetime) -> bool:
        """A new or changed app takes effect only after its propagation delay (seed 002)."""
        return self.changed_at is None or now >= self.changed_at + self.propagation_delay



@dataclass
class Org:
    id: str
    name: str
    config: OrgConfig = field(default_factory=OrgConfig)
    users: dict[str, User] = field(default_factory=dict)  # id -> user
    apps: dict[str, ConnectedApp] = field(default_factory=dict)  # client_id -> app

    def user_by_username(self, username: str) -> User | None:
        lowered = username.lower()
        for user in self.users.values():
            if user.username.lower() == lowered:
                return user
        return None
