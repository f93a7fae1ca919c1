"""A small Real-Time Customer Profile: XDM profiles, segments, memberships and a change log.

Profiles are XDM individual profiles reduced to what the Salesforce CRM
destination reads (seed 000): ``identityMap.crmID``, ``person.name``,
``personalEmail.address`` and ``b2b.companyName``. A membership has the
segment status of the Segment Membership Details field group: ``realized``
(entered), ``existing`` (still in at a later evaluation) or ``exited``, and
the time of its last change. Every change is appended to a log with a
sequence number, so a streaming exporter asks for what changed since the
sequence it last saw. No HTTP here; the AEP backend's lock guards it.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

STATUSES = ("realized", "existing", "exited")
PROFILE_KEYS = {"id", "identityMap", "person", "personalEmail", "b2b", "segments"}


class ProfileError(ValueError):
    """Bad profile, segment or membership input; the message names the field."""


@dataclass
class Segment:
    id: str
    name: str
    description: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name, "description": self.description}


@dataclass
class Membership:
    status: str
    last_change: datetime

    def xdm(self) -> dict[str, str]:
        """The ``segmentMembership.ups.<id>`` entry of an XDM profile."""
        return {"status": self.status, "lastQualificationTime": _iso(self.last_change)}


@dataclass(frozen=True)
class Change:
    seq: int
    profile_id: str
    at: datetime


def _iso(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _check_profile(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ProfileError("a profile must be a JSON object")
    unknown = sorted(set(body) - PROFILE_KEYS)
    if unknown:
        raise ProfileError(f"{unknown[0]}: unknown profile key")
    if not isinstance(body.get("id"), str) or not body["id"]:
        raise ProfileError("id: required, a non-empty string")
    crm = (body.get("identityMap") or {}).get("crmID")
    if crm is not None and not (isinstance(crm, list) and all(isinstance(i, dict) and isinstance(i.get("id"), str)
                                                                for i in crm)):
        raise ProfileError("identityMap.crmID: must be a list of {\"id\": string}")
    for key in ("identityMap", "person", "personalEmail", "b2b"):
        if key in body and not isinstance(body[key], dict):
            raise ProfileError(f"{key}: must be an object")
    return body


@dataclass
class ProfileStore:
    """Profiles, segments, memberships and the change log of one sandbox."""

    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    segments: dict[str, Segment] = field(default_factory=dict)
    memberships: dict[str, dict[str, Membership]] = field(default_factory=dict)  # profile -> segment -> m
    log: list[Change] = field(default_factory=list)
    seq: int = 0

    # -- writes ------------------------------------------------------------------
    def _changed(self, profile_id: str, now: datetime) -> None:
        self.seq += 1
        self.log.append(Change(self.seq, profile_id, now))

    def put_segment(self, body: Any) -> Segment:
        if not isinstance(body, dict) or not isinstance(body.get("id"), str) or not body["id"]:
            raise ProfileError("id: required, a non-empty string")
        if not isinstance(body.get("name", body["id"]), str):
            raise ProfileError("name: must be a string")
        segment = Segment(body["id"], body.get("name", body["id"]), str(body.get("description", "")))
        self.segments[segment.id] = segment
        return segment

    def put_profile(self, body: Any, now: datetime) -> dict[str, Any]:
        """Create or replace a profile; ``segments: {segmentId: status}`` sets memberships too."""
        body = copy.deepcopy(_check_profile(body))
        segments = body.pop("segments", None) or {}
        if not isinstance(segments, dict):
            raise ProfileError("segments: must map segment ids to statuses")
        for segment_id, status in segments.items():
            self._check_membership(segment_id, status)
        self.profiles[body["id"]] = body
        for segment_id, status in segments.items():
            self.memberships.setdefault(body["id"], {})[segment_id] = Membership(status, now)
        self._changed(body["id"], now)
        return self.xdm(body["id"])

    def delete_profile(self, profile_id: str) -> bool:
        self.memberships.pop(profile_id, None)
        return self.profiles.pop(profile_id, None) is not None

    def _check_membership(self, segment_id: str, status: str) -> None:
        if segment_id not in self.segments:
            raise ProfileError(f"segments.{segment_id}: no such segment")
        if status not in STATUSES:
            raise ProfileError(f"segments.{segment_id}: status must be one of {', '.join(STATUSES)}")

    def qualify(self, segment_id: str, profile_ids: list[str], now: datetime) -> None:
        """Segment evaluation: each profile is in; ``realized`` if it was not, else ``existing``."""
        self._members_known(segment_id, profile_ids)
        for profile_id in profile_ids:
            current = self.memberships.setdefault(profile_id, {}).get(segment_id)
            status = "realized" if current is None or current.status == "exited" else "existing"
            if current is None or current.status != status:
                self.memberships[profile_id][segment_id] = Membership(status, now)
                self._changed(profile_id, now)

    def disqualify(self, segment_id: str, profile_ids: list[str], now: datetime) -> None:
        """Segment evaluation: each profile is out; a member becomes ``exited``."""
        self._members_known(segment_id, profile_ids)
        for profile_id in profile_ids:
            current = self.memberships.get(profile_id, {}).get(segment_id)
            if current is not None and current.status != "exited":
                self.memberships[profile_id][segment_id] = Membership("exited", now)
                self._changed(profile_id, now)

    def _members_known(self, segment_id: str, profile_ids: Any) -> None:
        if segment_id not in self.segments:
            raise ProfileError(f"no segment {segment_id!r}")
        if not isinstance(profile_ids, list) or not all(isinstance(p, str) for p in profile_ids):
            raise ProfileError("profile ids must be a list of strings")
        for profile_id in profile_ids:
            if profile_id not in self.profiles:
                raise ProfileError(f"no profile {profile_id!r}")

    # -- reads -------------------------------------------------------------------
    def xdm(self, profile_id: str) -> dict[str, Any]:
        """The profile as XDM, with ``segmentMembership.ups``."""
        body = copy.deepcopy(self.profiles[profile_id])
        ups = {sid: m.xdm() for sid, m in sorted(self.memberships.get(profile_id, {}).items())}
        body["segmentMembership"] = {"ups": ups}
        return body

    def members(self, segment_id: str, statuses: tuple[str, ...] = ("realized", "existing")) -> list[str]:
        return sorted(pid for pid, by_segment in self.memberships.items()
                      if segment_id in by_segment and by_segment[segment_id].status in statuses)

    def changes_since(self, seq: int) -> tuple[list[str], int]:
        """Ids of the profiles changed after ``seq`` (each once, in order) and the new cursor."""
        start = next((i for i, change in enumerate(self.log) if change.seq > seq), len(self.log))
        changed = dict.fromkeys(c.profile_id for c in self.log[start:] if c.profile_id in self.profiles)
        return list(changed), self.seq

    def load(self, spec: dict[str, Any], now: datetime) -> None:
        """The fixture's ``aep.segments`` and ``aep.profiles`` (explicit XDM profiles)."""
        for body in spec.get("segments") or []:
            self.put_segment(body)
        for body in spec.get("profiles") or []:
            self.put_profile(body, now)
