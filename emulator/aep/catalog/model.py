"""The Catalog of one org and sandbox: datasets, batches and the XDM rows batches wrote (AEP-CAT-1).

Pure state, no HTTP. Flow runs write through :meth:`Catalog.write_batch`;
the Catalog routes and the harness-only row read use the rest.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable

from ...core.ids import IdSource

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BATCH_STATUSES = frozenset({"success", "failed", "processing", "loading", "loaded", "staged", "active",
                            "abandoned", "aborted", "retrying", "inactive"})


def epoch_ms(now: datetime) -> int:
    return int(now.timestamp() * 1000)


def new_dataset_id(ids: IdSource, now: datetime) -> str:
    """24 hex characters, an object id: 8 of seconds then 16 random."""
    return f"{int(now.timestamp()) & 0xFFFFFFFF:08x}{ids.hex(16)}"


def new_batch_id(ids: IdSource, now: datetime) -> str:
    """A 26-character ULID: 10 Crockford characters of milliseconds, 16 random."""
    ms, head = epoch_ms(now), []
    for _ in range(10):
        ms, rem = divmod(ms, 32)
        head.append(CROCKFORD[rem])
    return "".join(reversed(head)) + ids.token(16, CROCKFORD)


def as_tag_values(tags: dict[str, Any] | None) -> dict[str, list[str]]:
    """Catalog tags are ``{name: [values]}``; a single string becomes a one-element list."""
    return {str(k): [str(x) for x in (v if isinstance(v, (list, tuple)) else [v])] for k, v in (tags or {}).items()}


@dataclass
class Dataset:
    """A dataset: ``document`` is what ``GET /dataSets/{id}`` shows under its id; ``rows`` the XDM rows written."""

    id: str
    document: dict[str, Any]
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def schema_id(self) -> str | None:
        ref = self.document.get("schemaRef")
        return ref.get("id") if isinstance(ref, dict) else None


@dataclass
class Batch:
    """A batch: ``document`` is its Catalog representation; ``row_span`` its rows' slice of the dataset's."""

    id: str
    dataset_id: str
    document: dict[str, Any]
    row_span: tuple[int, int] = (0, 0)


@dataclass
class Catalog:
    """Datasets and batches of one sandbox, in creation order."""

    datasets: dict[str, Dataset] = field(default_factory=dict)
    batches: dict[str, Batch] = field(default_factory=dict)

    # -- datasets -------------------------------------------------------------------------
    def has_dataset(self, dataset_id: str) -> bool:
        """Does this sandbox have the dataset (a target connection's ``params.dataSetId`` check)?"""
        return dataset_id in self.datasets

    def dataset(self, dataset_id: str) -> Dataset | None:
        return self.datasets.get(dataset_id)

    def add_dataset(self, dataset_id: str, document: dict[str, Any]) -> Dataset:
        found = self.datasets[dataset_id] = Dataset(dataset_id, document)
        return found

    def rows(self, dataset_id: str, batch_id: str | None = None) -> list[dict[str, Any]]:
        """Copies of the XDM rows written to the dataset (only one batch's with ``batch_id``)."""
        found = self.datasets.get(dataset_id)
        if found is None:
            return []
        if batch_id is None:
            return copy.deepcopy(found.rows)
        batch = self.batches.get(batch_id)
        if batch is None or batch.dataset_id != dataset_id:
            return []
        return copy.deepcopy(found.rows[batch.row_span[0]:batch.row_span[1]])

    # -- batches --------------------------------------------------------------------------
    def write_batch(self, ids: IdSource, now: datetime, dataset_id: str, rows: Iterable[dict[str, Any]], *,
                    failed_record_count: int = 0, errors: Iterable[dict[str, str]] = (),
                    tags: dict[str, Any] | None = None, status: str | None = None,
                    started: datetime | None = None, created_client: str = "acp_foundation_push",
                    created_user: str = "acp_foundation_push@AdobeID") -> Batch:
        """Write ``rows`` (XDM dicts, taken as they are) into the dataset as one finished batch.

        ``status`` defaults to ``success`` (``failed`` when no row was written and some failed);
        ``errors`` are ``{"code", "description"}`` dicts; ``tags`` e.g. ``{"flowId": id}``.
        Raises ``KeyError`` when the dataset does not exist. Returns the batch (its ``id`` is a ULID).
        """
        dataset = self.datasets[dataset_id]
        written = list(rows)
        first = len(dataset.rows)
        dataset.rows.extend(written)
        batch_id = new_batch_id(ids, now)
        if status is None:
            status = "failed" if failed_record_count and not written else "success"
        stamp, begun = epoch_ms(now), epoch_ms(started or now)
        document = {
            "imsOrg": dataset.document.get("imsOrg"), "status": status, "created": begun, "updated": stamp,
            "createdClient": created_client, "createdUser": created_user, "updatedUser": created_user,
            "started": begun, "completed": stamp, "recordCount": len(written),
            "failedRecordCount": int(failed_record_count),
            "relatedObjects": [{"type": "dataSet", "id": dataset_id}],
            "errors": [dict(e) for e in errors], "tags": as_tag_values(tags),
            "metrics": {"inputRecordCount": len(written) + int(failed_record_count),
                        "outputRecordCount": len(written), "failedRecordCount": int(failed_record_count)},
            "version": "1.0.0", "sandboxId": dataset.document.get("sandboxId"),
            "sandboxName": dataset.document.get("sandboxName")}
        batch = self.batches[batch_id] = Batch(batch_id, dataset_id, document, (first, len(dataset.rows)))
        dataset.document["lastBatchId"] = batch_id
        dataset.document["lastBatchStatus"] = status
        dataset.document["updated"] = stamp
        return batch

    def batch(self, batch_id: str) -> Batch | None:
        return self.batches.get(batch_id)
