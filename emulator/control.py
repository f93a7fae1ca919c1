"""The control plane from Python: what ``/__emulator`` does, as documented methods of the emulator.

:class:`~emulator.config.Emulator` inherits these, so the ``crm_emulator`` pytest fixture and
the object ``mock()`` yields offer them directly::

    emulator.configure(daily_api_limit=5)
    emulator.inject_fault(path="/services/data/*/limits", drop=2)
    emulator.advance_clock("31d"); emulator.now()
    emulator.seed(Contact=[{"LastName": "Lovelace"}])
    emulator.add_custom_field("Contact", "Mapping_Id__c", type="LongTextArea", length=32768)
    emulator.use_fixture({"org": {"name": "Acme"}})

Every method raises :class:`ControlError` (a ``ValueError``) naming the bad key or value.
"""
from __future__ import annotations

import difflib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from .core.clock import parse_duration, parse_instant


class ControlError(ValueError):
    """A control-plane call with a bad key or value; the message names it."""


def _unknown(key: str, allowed: list[str], where: str = "") -> ControlError:
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return ControlError(f"unknown {where}{key!r}{hint} (allowed: {', '.join(allowed)})")


def _instant(value: str | datetime) -> datetime:
    return value if isinstance(value, datetime) else parse_instant(str(value))


class ControlPlane:
    """Clock, org settings, faults, fixtures, seed data and custom fields of one emulator (mixin of ``Emulator``)."""

    # -- clock ------------------------------------------------------------------------------
    def now(self) -> datetime:
        """The emulator's current time (UTC); every rule reads this clock."""
        return self.clock.now()

    def advance_clock(self, duration: str | float | timedelta) -> datetime:
        """Move time forward: ``"31d"``, ``"2h"``, ``"90m"``, seconds, or a ``timedelta``. Sessions may expire."""
        delta = duration if isinstance(duration, timedelta) else parse_duration(duration)
        return self.clock.advance(delta)

    def set_clock(self, instant: str | datetime) -> datetime:
        """Jump to an ISO instant (or an aware ``datetime``)."""
        return self.clock.set(_instant(instant))

    def freeze_clock(self, at: str | datetime | None = None) -> datetime:
        """Stop time (at ``at`` when given); ``advance_clock`` still moves it."""
        self.clock.freeze(True)
        return self.clock.set(_instant(at)) if at is not None else self.clock.now()

    def unfreeze_clock(self) -> datetime:
        """Let time run again from where it stands."""
        return self.clock.freeze(False)

    # -- org settings -----------------------------------------------------------------------
    def org_settings(self) -> dict[str, Any]:
        """The default org's settings, as ``GET /__emulator/config`` shows them under ``salesforce``."""
        with self.salesforce.lock:
            return self.salesforce.default_org().org.config.as_dict()

    def configure(self, **settings: Any) -> dict[str, Any]:
        """Change org settings (``daily_api_limit=5``, ``session_timeout_minutes=5``, ``custom_field_cap=3`` …).

        Unknown names raise before anything changes; returns every setting.
        """
        with self.salesforce.lock:
            config = self.salesforce.default_org().org.config
            allowed = list(config.as_dict())
            for key in settings:
                if key not in allowed:
                    raise _unknown(key, allowed, "org setting ")
            try:
                config.update(settings)
            except (KeyError, ValueError, TypeError) as exc:
                raise ControlError(f"bad org setting: {exc}") from None
            return config.as_dict()

    # -- faults -----------------------------------------------------------------------------
    def inject_fault(self, **rule: Any) -> dict[str, Any]:
        """Add a fault rule (the keys of ``POST /__emulator/faults``: ``path``, ``method``, ``status``, ``body``,
        ``headers``, ``latency_ms``, ``drop``, ``times``, ``expire_tokens``, ``exhaust_api_limit``); returns it."""
        from .core.faults import FaultError
        try:
            return self.faults.add(rule).as_dict()
        except FaultError as exc:
            raise ControlError(f"invalid fault rule: {exc}") from None

    def active_faults(self) -> list[dict[str, Any]]:
        """The active rules with their ``hits`` and ``remaining``."""
        return self.faults.rules()

    def clear_faults(self) -> None:
        """Remove every fault rule."""
        self.faults.clear()

    # -- fixtures and data ------------------------------------------------------------------
    def use_fixture(self, fixture: dict | str | Path, *, over_demo: bool = True) -> dict[str, int]:
        """Replace the whole state with a fixture (dict, or a YAML/JSON file), ``data`` included.

        With ``over_demo`` (default) it is merged over the demo org like a scenario's ``fixtures``
        (``org`` key by key; ``users``, ``connected_apps``, ``data`` replace). It then goes through
        :meth:`~emulator.config.Emulator.load_fixture`, the one way in for fixtures: clock, ids,
        journal and faults start afresh, and later resets return here. Returns the records loaded per object.
        """
        from fixtures.files import load_fixture_file, merge_over_demo

        if isinstance(fixture, (str, Path)):
            fixture = load_fixture_file(fixture)
        spec = merge_over_demo(fixture, "fixture") if over_demo else fixture
        try:
            return self.load_fixture(spec, "fixture")
        except ValueError as exc:
            raise ControlError(str(exc)) from None

    def seed(self, generate: dict | None = None, **records: list[dict]) -> dict[str, list[str]]:
        """Insert records through the normal validation rules: ``seed(Contact=[{"LastName": "X"}])``, or
        ``seed(generate={"count": 20, "seed": 7})`` for Faker data. ``"@Account:0"`` refers to the first
        Account inserted by the same call. Returns the new ids per object."""
        from .core.state import FixtureError
        from .salesforce.seeding import LOAD_ORDER
        unknown = [name for name in records if name not in LOAD_ORDER]
        if unknown:
            raise _unknown(unknown[0], list(LOAD_ORDER), "object ")
        dataset = dict(records)
        if generate is not None:
            from fixtures.generate import generate_dataset
            dataset = {**generate_dataset(**generate), **dataset}
        try:
            return self.salesforce.load_dataset(self.salesforce.default_org(), dataset)
        except FixtureError as exc:
            raise ControlError(f"cannot seed: {str(exc).split('cannot load the data set: ', 1)[-1]}") from None

    def add_custom_field(self, sobject: str, name: str, type: str = "Text", label: str | None = None,
                         **metadata: Any) -> str:
        """Create a custom field as the Tooling API does (same rules, the org's field cap included).

        ``add_custom_field("Contact", "Mapping_Id__c", type="LongTextArea", length=32768, visibleLines=3)``;
        ``length`` defaults to 255 for Text. Returns the field's Tooling id (``00N…``).
        """
        from .salesforce.errors import SalesforceError
        from .salesforce.tooling.custom_fields import create_custom_field, tooling_info
        api_name = name if name.endswith("__c") else f"{name}__c"
        if type == "Text":
            metadata.setdefault("length", 255)
        body = {"FullName": f"{sobject}.{api_name}",
                "Metadata": {"type": type, "label": label or api_name[:-3].replace("_", " ")[:40], **metadata}}
        backend = self.salesforce
        with backend.lock:
            data = backend.default_org()
            user = next(iter(data.org.users.values()), None)
            try:
                field_def = create_custom_field(data, backend.ids, self.clock.now(), user.id if user else "", body)
            except SalesforceError as exc:
                raise ControlError(f"cannot add {sobject}.{api_name}: {exc.error_code}: {exc.message}") from None
        return tooling_info(field_def)["Id"]

    def state(self) -> dict[str, Any]:
        """What ``GET /__emulator/state`` shows: clock, orgs, users, apps, record counts, API usage, settings."""
        return self.summary()
