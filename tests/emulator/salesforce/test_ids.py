"""Salesforce ids: 15/18-character forms and checksums. Covers SF-REST-3."""
from __future__ import annotations

import re

import pytest

from emulator.core.ids import IdSource, normalize_id, to_18


@pytest.mark.parametrize("id15,id18", [("a0RE000000IJmcN", "a0RE000000IJmcNMAT"),
                                       ("001M000000qfPyS", "001M000000qfPySIAU"),
                                       ("a01M00000062mPg", "a01M00000062mPgIAI")])
def test_checksum_vectors(id15, id18):
    assert to_18(id15) == id18
    assert normalize_id(id15) == id18
    assert normalize_id(id18) == id18


def test_malformed_ids_are_rejected():
    for bad in ("", "abc", "001M000000qfPyS!", "001M000000qfPySXXX", None, 12):
        assert normalize_id(bad) is None


def test_generated_ids_carry_prefix_and_are_deterministic_per_seed():
    first, second = IdSource(seed=7), IdSource(seed=7)
    ids = [first.new_id("003") for _ in range(3)]
    assert ids == [second.new_id("003") for _ in range(3)]
    assert all(re.fullmatch(r"003[0-9A-Za-z]{15}", i) and to_18(i[:15]) == i for i in ids)
    assert first.token(20) == second.token(20)


def test_rest_accepts_15_and_18_char_ids_and_reports_bad_ones(rest):
    record_id = rest.post("sobjects/Contact", json={"LastName": "Ids"}).json()["id"]
    assert len(record_id) == 18 and record_id.startswith("003")
    assert rest.get(f"sobjects/Contact/{record_id[:15]}").json()["Id"] == record_id
    assert rest.patch(f"sobjects/Contact/{record_id[:15]}", json={"FirstName": "A"}).status_code == 204
    malformed = rest.patch("sobjects/Contact/not-an-id", json={"FirstName": "A"})
    assert malformed.status_code == 400 and malformed.json()[0]["errorCode"] == "MALFORMED_ID"
    wrong_type = rest.delete("sobjects/Contact/001000000000000AAA")
    assert wrong_type.status_code == 400 and wrong_type.json()[0]["errorCode"] == "MALFORMED_ID"
    on_get = rest.get("sobjects/Contact/not-an-id")
    assert on_get.status_code == 404 and on_get.json()[0]["errorCode"] == "NOT_FOUND"
    unknown = rest.get("sobjects/Contact/003Hs000000ZZZZZZZ"[:15])
    assert unknown.status_code == 404
    assert unknown.json() == [{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}]


def test_timestamps_use_salesforce_format(rest):
    record_id = rest.post("sobjects/Contact", json={"LastName": "Time"}).json()["id"]
    body = rest.get(f"sobjects/Contact/{record_id}").json()
    for name in ("CreatedDate", "LastModifiedDate", "SystemModstamp"):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+0000", body[name]), body[name]


def _reference_checksum(id15: str) -> str:
    """The checksum as the Salesforce documentation describes it, bit by bit."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
    return "".join(alphabet[sum(1 << j for j, char in enumerate(id15[start:start + 5]) if char.isupper())]
                   for start in (0, 5, 10))


@pytest.mark.parametrize("count", [1, 61, 62, 3843, 3844, 62 ** 5 - 1, 62 ** 5, 62 ** 5 + 1, 62 ** 9 - 1])
def test_generated_ids_are_checksummed_across_cached_head_boundaries(count):
    source = IdSource(seed=1)
    source.restore({"003": count - 1})
    record_id = source.new_id("003")
    assert record_id[15:] == _reference_checksum(record_id[:15])
    assert normalize_id(record_id[:15]) == record_id


def test_checksum_of_odd_input_matches_the_reference():
    from emulator.core.ids import checksum_suffix
    for text in ("", "abc", "00Q-_é12345678!", "x" * 20, "ABCDEABCDEABCDE"):
        assert checksum_suffix(text) == _reference_checksum(text[:15])
