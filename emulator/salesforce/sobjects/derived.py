"""Fields the org computes itself on save (SPEC SF-REST-15).

* Case: ``CaseNumber`` (an auto-number, ``00001001`` upwards per org) and
  ``IsClosed``/``ClosedDate`` from a closed ``Status``;
* Opportunity: ``Probability``, ``ForecastCategory``, ``ForecastCategoryName``,
  ``IsClosed``, ``IsWon`` from ``StageName`` (the ``stages`` and
  ``forecastCategoryNames`` tables of the object's JSON file) and ``ExpectedRevenue`` = Amount x Probability / 100.

Each deriver gets the record being saved (already merged), the names the
caller set, the org's counters and the save instant, and updates the record.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from .schema import SObjectSchema

CASE_NUMBER_START = 1001
CLOSED_CASE_STATUSES = frozenset({"Closed"})


def _case(schema: SObjectSchema, record: dict, given: set[str], counters: dict, now: datetime) -> None:
    if record.get("CaseNumber") is None:
        number = counters.get("CaseNumber", CASE_NUMBER_START)
        counters["CaseNumber"] = number + 1
        record["CaseNumber"] = f"{number:08d}"
    closed = record.get("Status") in CLOSED_CASE_STATUSES
    if closed != record.get("IsClosed"):
        record["IsClosed"] = closed
        record["ClosedDate"] = now if closed else None


def _opportunity(schema: SObjectSchema, record: dict, given: set[str], counters: dict, now: datetime) -> None:
    stage = schema.extra.get("stages", {}).get(record.get("StageName"))
    if stage is not None and ("StageName" in given or record.get("ForecastCategory") is None):
        probability, category, closed, won = stage
        if "Probability" not in given:
            record["Probability"] = float(probability)
        if "ForecastCategoryName" not in given:
            record["ForecastCategoryName"] = schema.extra["forecastCategoryNames"][category]
        record["ForecastCategory"] = category
        record["IsClosed"], record["IsWon"] = closed, won
    amount, probability = record.get("Amount"), record.get("Probability")
    record["ExpectedRevenue"] = None if amount is None or probability is None else amount * probability / 100


DERIVERS: dict[str, Callable[[SObjectSchema, dict, set, dict, datetime], None]] = {
    "Case": _case,
    "Opportunity": _opportunity,
}
