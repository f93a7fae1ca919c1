"""Bulk API 1.0 wire formats (SPEC SF-REST-13): parsing requests and rendering answers, no state.

A job's ``contentType`` decides the format of everything about it: JSON jobs
(simple_salesforce) talk JSON; CSV and XML jobs (jsforce) get every job and
batch answer in XML (``jobInfo``, ``batchInfo``, ``batchInfoList``,
``result-list``) and their records as CSV or XML. XML is read with
:mod:`xml.etree.ElementTree` (a document with a DOCTYPE is refused, so no
entity is ever expanded) and written with it.

Batches reach the shared ingest engine as CSV cells (see
:func:`batch_rows`): a JSON ``null`` or XML ``xsi:nil`` becomes ``#N/A``
(set to null), an absent key stays unset, booleans ``true``/``false``, and a
nested object ``{"Account": {"ExtId__c": "A-1"}}`` the relationship column
``Account.ExtId__c``.
"""
from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date, datetime, timezone
from typing import Any

from ..sobjects.render import sf_datetime
from .ingest import CREATED, FAILED_ROW, NULL, UPDATED, IngestResults
from .query import QueryResults

NS = "http://www.force.com/2009/06/asyncapi/dataload"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
CSV_TYPE, JSON_TYPE, XML_TYPE = "CSV", "JSON", "XML"
MEDIA = {CSV_TYPE: "text/csv", JSON_TYPE: "application/json", XML_TYPE: "application/xml"}


class FormatError(Exception):
    """A body that cannot be read: ``args`` are (exceptionCode, exceptionMessage)."""


# -- reading ----------------------------------------------------------------------------------
def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def parse_xml(raw: bytes) -> ET.Element:
    """The root element of an XML body; FormatError ``InvalidXML`` when it is not well-formed."""
    if b"<!DOCTYPE" in raw or b"<!ENTITY" in raw:
        raise FormatError("InvalidXML", "XML documents with a DOCTYPE are not accepted")
    try:
        return ET.fromstring(raw)
    except ET.ParseError as exc:
        raise FormatError("InvalidXML", f"Unable to parse XML: {exc}") from None


def parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except RecursionError:
        raise FormatError("ClientInputError", "Failed to parse JSON: nested too deeply") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise FormatError("ClientInputError", f"Failed to parse JSON: {exc}") from None


def job_request(raw: bytes, as_json: bool) -> dict[str, Any]:
    """The fields of a jobInfo request body (create or state change), JSON or XML."""
    if as_json:
        body = parse_json(raw)
        if not isinstance(body, dict):
            raise FormatError("InvalidJob", "The jobInfo must be a JSON object")
        return body
    root = parse_xml(raw)
    if _local(root.tag) != "jobInfo":
        raise FormatError("InvalidXML", f"Expected a jobInfo element, found {_local(root.tag)}")
    return {_local(child.tag): (child.text or "").strip() for child in root}


def _cell(value: Any) -> str:
    if value is None or value == "":
        return NULL
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, (str, int, float)):
        return str(value)
    raise FormatError("InvalidBatch", f"Unsupported value in a record: {json.dumps(value)[:100]}")


def _record_cells(record: dict[str, Any]) -> dict[str, str]:
    cells: dict[str, str] = {}
    for key, value in record.items():
        if key == "attributes":
            continue
        if isinstance(value, dict):  # a relationship by a parent's external id: {"Account": {"ExtId__c": …}}
            keys = [(k, v) for k, v in value.items() if k != "attributes"]
            if len(keys) != 1:
                raise FormatError("InvalidBatch", f"The relationship {key} must name exactly one field of the "
                                  "parent record")
            cells[f"{key}.{keys[0][0]}"] = _cell(keys[0][1])
        else:
            cells[key] = _cell(value)
    return cells


def _as_rows(records: list[dict[str, str]]) -> tuple[list[str] | None, list[list[str]]]:
    header: dict[str, None] = {}
    for cells in records:
        header.update(dict.fromkeys(cells))
    columns = list(header)
    return (columns or None), [[cells.get(c, "") for c in columns] for cells in records]


def json_records(raw: bytes) -> list[dict[str, str]]:
    body = parse_json(raw)
    if not isinstance(body, list) or not all(isinstance(r, dict) for r in body):
        raise FormatError("InvalidBatch", "The batch must be a JSON array of records")
    return [_record_cells(r) for r in body]


def _xml_value(element: ET.Element) -> Any:
    if element.get(f"{{{XSI}}}nil") == "true":
        return None
    children = list(element)
    if children:
        return {_local(c.tag): _xml_value(c) for c in children}
    return element.text or ""


def xml_records(raw: bytes) -> list[dict[str, str]]:
    root = parse_xml(raw)
    if _local(root.tag) != "sObjects":
        raise FormatError("InvalidBatch", f"Expected an sObjects element, found {_local(root.tag)}")
    records = []
    for element in root:
        if _local(element.tag) != "sObject":
            raise FormatError("InvalidBatch", f"Expected sObject elements, found {_local(element.tag)}")
        records.append(_record_cells({_local(c.tag): _xml_value(c) for c in element}))
    return records


def check_batch(content_type: str, raw: bytes) -> int | None:
    """Read a batch as it is added, so a body that cannot be read is refused there; its record count."""
    if content_type == JSON_TYPE:
        return len(json_records(raw))
    if content_type == XML_TYPE:
        return len(xml_records(raw))
    return None


def batch_rows(content_type: str, raw: bytes) -> tuple[list[str] | None, Iterator[list[str]]]:
    """(header, rows) of CSV cells for the ingest engine, whatever the batch's format."""
    if content_type == CSV_TYPE:
        reader = csv.reader(io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8", errors="replace", newline=""))
        return next(reader, None), (row for row in reader if row)
    header, rows = _as_rows(json_records(raw) if content_type == JSON_TYPE else xml_records(raw))
    return header, iter(rows)


# -- writing ---------------------------------------------------------------------------------------
def _text(value: Any) -> str:
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, datetime):  # XML dates read 2015-12-15T21:54:29.000Z
        return sf_datetime(value)[:-5] + "Z"
    return "" if value is None else str(value)


def json_info(fields: list[tuple[str, Any]]) -> bytes:
    """A jobInfo/batchInfo as JSON: dates read ``2015-12-15T20:45:25.000+0000``."""
    return json.dumps({k: sf_datetime(v) if isinstance(v, datetime) else v for k, v in fields}).encode()


def xml_document(root: str, fields: list[tuple[str, Any]] | None = None, *, children: list[ET.Element] = ()) -> bytes:
    """``<?xml …?><root xmlns="…dataload">`` with ``<name>value</name>`` children."""
    element = ET.Element(root, xmlns=NS)
    for name, value in fields or []:
        ET.SubElement(element, name).text = _text(value)
    element.extend(children)
    return (XML_DECLARATION + ET.tostring(element, encoding="unicode")).encode()


def xml_element(tag: str, fields: list[tuple[str, Any]]) -> ET.Element:
    element = ET.Element(tag)
    for name, value in fields:
        ET.SubElement(element, name).text = _text(value)
    return element


def error_document(code: str, message: str, as_json: bool) -> tuple[bytes, str]:
    """Bulk API 1.0's error shape: ``{"exceptionCode","exceptionMessage"}`` or the XML ``<error>``."""
    if as_json:
        return json.dumps({"exceptionCode": code, "exceptionMessage": message}).encode(), MEDIA[JSON_TYPE]
    return xml_document("error", [("exceptionCode", code), ("exceptionMessage", message)]), MEDIA[XML_TYPE]


def split_error(text: str) -> dict[str, Any]:
    """An engine error text ``CODE:message:Field1 Field2 --`` as ``{"statusCode","message","fields"}``."""
    code, _, rest = text.partition(":")
    message, _, tail = rest.rpartition(":")
    fields = tail[:-3].split() if tail.endswith(" --") else []
    return {"statusCode": code, "message": message, "fields": fields}


def ingest_results(results: IngestResults, content_type: str) -> tuple[bytes, str]:
    """The batch result, in input order, in the job's format."""
    rows = [(results.ids[i], state in (CREATED, UPDATED), state == CREATED, results.errors.get(i))
            for i, state in enumerate(results.status) if state in (CREATED, UPDATED, FAILED_ROW)]
    if content_type == JSON_TYPE:
        body = [{"success": ok, "created": created, "id": rid,
                 "errors": [] if error is None else [split_error(error)]} for rid, ok, created, error in rows]
        return json.dumps(body).encode(), MEDIA[JSON_TYPE]
    if content_type == CSV_TYPE:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
        writer.writerow(["Id", "Success", "Created", "Error"])
        writer.writerows([rid or "", _text(ok), _text(created), error or ""] for rid, ok, created, error in rows)
        return out.getvalue().encode(), MEDIA[CSV_TYPE]
    entries = []
    for rid, ok, created, error in rows:
        entry = ET.Element("result")
        if error is not None:
            detail = split_error(error)
            errors = ET.SubElement(entry, "errors")
            for name in detail["fields"]:
                ET.SubElement(errors, "fields").text = name
            ET.SubElement(errors, "message").text = detail["message"]
            ET.SubElement(errors, "statusCode").text = detail["statusCode"]
        ET.SubElement(entry, "id").text = rid or ""
        ET.SubElement(entry, "success").text = _text(ok)
        ET.SubElement(entry, "created").text = _text(created)
        entries.append(entry)
    return xml_document("results", children=entries), MEDIA[XML_TYPE]


def epoch_ms(text: Any) -> Any:
    """A rendered date (``2024-01-02``) or datetime (``…T22:07:19.000+0000``) as epoch milliseconds,
    as Bulk API 1.0 JSON query results give them."""
    if not isinstance(text, str):
        return text
    if len(text) == 10:
        moment = datetime.combine(date.fromisoformat(text), datetime.min.time(), timezone.utc)
    else:
        moment = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")
    return int(moment.timestamp() * 1000)


def query_records_xml(records: list[dict]) -> bytes:
    """``<queryResult>`` of ``<records xsi:type="sObject">`` with the rendered rows' fields."""
    root = ET.Element("queryResult", {"xmlns": NS, "xmlns:xsi": XSI})

    def fill(element: ET.Element, record: dict) -> None:
        ET.SubElement(element, "type").text = record.get("attributes", {}).get("type", "")
        for key, value in record.items():
            if key == "attributes":
                continue
            child = ET.SubElement(element, key)
            if isinstance(value, dict):
                child.set("xsi:type", "sObject")
                fill(child, value)
            elif value is None:
                child.set("xsi:nil", "true")
            else:
                child.text = _text(value)

    for record in records:
        fill(ET.SubElement(root, "records", {"xsi:type": "sObject"}), record)
    return (XML_DECLARATION + ET.tostring(root, encoding="unicode")).encode()


def query_results(content_type: str, results: QueryResults | list[dict]) -> tuple[bytes, str]:
    """The rows of a query batch's one result: CSV cells, JSON records (epoch dates) or XML records."""
    if content_type == CSV_TYPE:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
        writer.writerow(results.columns)
        writer.writerows(results.rows)
        return out.getvalue().encode(), MEDIA[CSV_TYPE]
    if content_type == JSON_TYPE:
        return json.dumps(results).encode(), MEDIA[JSON_TYPE]
    return query_records_xml(results), MEDIA[XML_TYPE]
