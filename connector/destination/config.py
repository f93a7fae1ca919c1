"""Destination settings as seed 000's form asks for them; secrets never appear in a repr."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

ID_TYPES = ("Contact", "Lead")
_DOMAIN_PREFIX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*(--[A-Za-z0-9-]+)?$")


@dataclass(frozen=True)
class SalesforceCredentials:
    """Password, custom domain prefix, client id, client secret and username (seed 000's form).

    There is no security-token field: append the token to `password`, or have
    the org trust the caller's IP range. `login_url` defaults to the My Domain
    `https://<custom_domain>.my.salesforce.com`; give it to reach another host
    (an emulator served on localhost).
    """

    password: str = field(repr=False)
    custom_domain: str
    client_id: str
    client_secret: str = field(repr=False)
    username: str
    login_url: str | None = None

    def __post_init__(self) -> None:
        if not _DOMAIN_PREFIX.match(self.custom_domain or ""):
            raise ValueError(f"custom_domain {self.custom_domain!r} is not a Salesforce domain prefix "
                             "(the part before .my.salesforce.com)")
        for name in ("password", "client_id", "client_secret", "username"):
            if not getattr(self, name):
                raise ValueError(f"{name} is required")

    @property
    def url(self) -> str:
        """Where the password grant is sent."""
        return (self.login_url or f"https://{self.custom_domain.lower()}.my.salesforce.com").rstrip("/")

    def __repr__(self) -> str:
        return (f"SalesforceCredentials(custom_domain={self.custom_domain!r}, client_id={self.client_id!r}, "
                f"username={self.username!r}, password='***', client_secret='***')")


@dataclass(frozen=True)
class DestinationConfig:
    """One destination: its credentials and the "Salesforce ID type" (Contact or Lead)."""

    credentials: SalesforceCredentials
    id_type: str = "Contact"
    name: str = "Salesforce CRM"

    def __post_init__(self) -> None:
        if self.id_type not in ID_TYPES:
            raise ValueError(f"id_type must be one of {', '.join(ID_TYPES)}, not {self.id_type!r}")
