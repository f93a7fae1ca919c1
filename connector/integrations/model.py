"""The workflow model of seed 002: one trigger + one service + one use case (CON-TRIG-1).

- Trigger: ``new_card_lead`` — someone exchanged their details on a digital business
  card ("Nouveau client potentiel à partir de vos cartes de visite numériques"), with an
  optional :class:`CardFilter`.
- Service: a Salesforce account reached through a connected app with the
  client-credentials flow (:class:`SalesforceService`).
- Use case: ``add_contact`` — create a Contact from the lead.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

from .errors import InvalidCardError, InvalidWorkflowError

TRIGGER_NEW_CARD_LEAD = "new_card_lead"
USE_CASE_ADD_CONTACT = "add_contact"
TRIGGERS = (TRIGGER_NEW_CARD_LEAD,)
USE_CASES = (USE_CASE_ADD_CONTACT,)
DEFAULT_LOGIN_URL = "https://login.salesforce.com"
PROPAGATION_WINDOW = timedelta(minutes=10)  # seed 002: "il peut s'écouler 10 minutes"


@dataclass(frozen=True)
class CardLead:
    """A "new lead from a digital business card" event.

    ``card_id``, ``card_owner`` and ``card_tags`` describe the card on which the
    exchange happened; the other fields are what the visitor typed in the form.
    """

    card_id: str
    last_name: str | None = None
    first_name: str | None = None
    email: str | None = None
    phone: str | None = None
    mobile: str | None = None
    company: str | None = None
    title: str | None = None
    card_owner: str | None = None
    card_tags: tuple[str, ...] = ()
    event_id: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CardLead:
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise InvalidCardError(f"unknown card field(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})")
        if not data.get("card_id"):
            raise InvalidCardError("a card event needs card_id")
        values = dict(data)
        values["card_tags"] = tuple(values.get("card_tags") or ())
        return cls(**values)


@dataclass(frozen=True)
class CardFilter:
    """Which cards start a workflow.

    Empty (the default) means every card, as in the seed ("si vous n'entrez rien dans
    le champ de filtre, le flux est déclenché pour toutes les cartes"). Otherwise the
    selection is the union of the cards listed in ``card_ids`` and the cards carrying
    at least one of ``tags``; ids and tags compare exactly, tags case-insensitively.
    """

    card_ids: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()

    @classmethod
    def of(cls, card_ids: Iterable[str] = (), tags: Iterable[str] = ()) -> CardFilter:
        return cls(frozenset(str(c) for c in card_ids), frozenset(str(t).casefold() for t in tags))

    @property
    def empty(self) -> bool:
        return not self.card_ids and not self.tags

    def matches(self, card: CardLead) -> bool:
        if self.empty:
            return True
        return card.card_id in self.card_ids or any(t.casefold() in self.tags for t in card.card_tags)

    def describe(self) -> dict[str, list[str]]:
        return {"card_ids": sorted(self.card_ids), "tags": sorted(self.tags)}


class Secret(str):
    """A string that never shows itself in ``repr``, logs or run results."""

    def __repr__(self) -> str:
        return "'***'"


@dataclass(frozen=True)
class SalesforceService:
    """A Salesforce account reached with a connected app's consumer key and secret.

    ``login_url`` is the org's login host (``https://login.salesforce.com``,
    ``https://test.salesforce.com`` or the My Domain URL, which the real
    client-credentials flow requires). ``app_changed_at`` is when the connected app was
    created or last changed; Salesforce may ignore it for up to 10 minutes
    (``propagation_window``). None means "when the workflow was registered".
    """

    consumer_key: str
    consumer_secret: Secret = field(repr=False)
    login_url: str = DEFAULT_LOGIN_URL
    app_changed_at: datetime | None = None
    propagation_window: timedelta = PROPAGATION_WINDOW

    def __post_init__(self) -> None:
        if not self.consumer_key or not self.consumer_secret:
            raise InvalidWorkflowError("a Salesforce service needs a consumer key and a consumer secret")
        if not isinstance(self.consumer_secret, Secret):
            object.__setattr__(self, "consumer_secret", Secret(self.consumer_secret))
        object.__setattr__(self, "login_url", self.login_url.rstrip("/"))
        if self.app_changed_at is not None and self.app_changed_at.tzinfo is None:  # naive means UTC
            object.__setattr__(self, "app_changed_at", self.app_changed_at.replace(tzinfo=timezone.utc))

    @property
    def account_key(self) -> tuple[str, str]:
        """What identifies the target Salesforce account: login host and consumer key."""
        return (self.login_url.lower(), self.consumer_key)

    def describe(self) -> dict[str, Any]:
        """The service without its secret."""
        return {"login_url": self.login_url, "consumer_key": self.consumer_key, "consumer_secret": "***"}


@dataclass(frozen=True)
class Workflow:
    """One integration workflow: a named trigger + service + use case."""

    name: str
    service: SalesforceService
    card_filter: CardFilter = CardFilter()
    trigger: str = TRIGGER_NEW_CARD_LEAD
    use_case: str = USE_CASE_ADD_CONTACT

    def __post_init__(self) -> None:
        if not self.name or not self.name.strip():
            raise InvalidWorkflowError("a workflow needs a name")
        if self.trigger not in TRIGGERS:
            raise InvalidWorkflowError(f"unknown trigger {self.trigger!r} (available: {', '.join(TRIGGERS)})")
        if self.use_case not in USE_CASES:
            raise InvalidWorkflowError(f"unknown use case {self.use_case!r} (available: {', '.join(USE_CASES)})")

    @property
    def identity(self) -> tuple[Any, ...]:
        """Two workflows with the same identity are exact duplicates."""
        return (self.trigger, self.card_filter, self.service.account_key, self.use_case)

    def describe(self) -> dict[str, Any]:
        return {"name": self.name, "trigger": self.trigger, "filter": self.card_filter.describe(),
                "service": self.service.describe(), "use_case": self.use_case}


@dataclass(frozen=True)
class RunResult:
    """What one card event did in one workflow (kept in the workflow's history).

    ``status`` is ``created`` or ``failed``; on failure ``error_code`` is Salesforce's
    code (``REQUIRED_FIELD_MISSING`` …) or a connection cause (``WRONG_CONSUMER_SECRET`` …).
    """

    workflow: str
    card_id: str
    event_id: str | None
    status: str
    at: datetime
    contact_id: str | None = None
    account_id: str | None = None
    error_code: str | None = None
    message: str | None = None
    fields: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.status == "created"

    def as_dict(self) -> dict[str, Any]:
        return {"workflow": self.workflow, "card_id": self.card_id, "event_id": self.event_id,
                "status": self.status, "at": self.at.isoformat(), "contact_id": self.contact_id,
                "account_id": self.account_id, "error_code": self.error_code, "message": self.message,
                "fields": list(self.fields)}
