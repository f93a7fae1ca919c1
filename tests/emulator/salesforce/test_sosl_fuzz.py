"""SOSL and subquery robustness (SPEC SF-REST-14, SF-REST-8): arbitrary text and mutated valid
statements give results or a 400 SalesforceError, never anything else."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator.salesforce.errors import SalesforceError
from emulator.salesforce.search import engine
from emulator.salesforce.search.parser import parse
from emulator.salesforce.soql import execute
from sf_engine_helpers import NOW, StoreContext, sfid

VALID = [
    "FIND {Ada Lovelace} IN NAME FIELDS RETURNING Contact(Id, Name WHERE Email != null ORDER BY Name LIMIT 5)",
    'FIND {"ada love*" OR (gr?ce AND NOT hopper)} RETURNING Contact(Name), Account(Name) LIMIT 10',
    "FIND {4155550101} IN PHONE FIELDS RETURNING Contact(Phone OFFSET 1)",
    "SELECT Name, (SELECT LastName FROM Contacts WHERE LastName LIKE 'A%' ORDER BY LastName DESC LIMIT 3) FROM Account",
]


class Context(StoreContext):
    def __init__(self) -> None:
        super().__init__()
        base = {"IsDeleted": False, "CreatedDate": NOW, "LastModifiedDate": NOW, "SystemModstamp": NOW}
        self.stores["Account"].insert({**base, "Id": sfid("001", 1), "Name": "Acme"})
        for n, (first, last) in enumerate((("Ada", "Lovelace"), ("Grace", "Hopper")), 1):
            self.stores["Contact"].insert({**base, "Id": sfid("003", n), "FirstName": first, "LastName": last,
                                           "Name": f"{first} {last}", "AccountId": sfid("001", 1),
                                           "Email": f"{first.lower()}@x.io", "Phone": "(415) 555-0101"})


CTX = Context()


def run(text: str) -> None:
    try:
        if text.lstrip().upper().startswith("SELECT"):
            result = execute(text, CTX)
            for record in result.records:
                result.render(record)
        else:
            for hit in engine.run(parse(text), CTX):
                for record in hit.records:
                    hit.render(record)
    except SalesforceError as error:
        assert error.status == 400 and error.error_code in {
            "MALFORMED_SEARCH", "INVALID_SEARCH", "MALFORMED_QUERY", "INVALID_FIELD", "INVALID_TYPE",
            "INVALID_QUERY_FILTER_OPERATOR", "NUMBER_OUTSIDE_VALID_RANGE"}, error.body()


def test_valid_statements_run():
    for text in VALID:
        run(text)
    assert [h.sobject for h in engine.run(parse(VALID[0]), CTX) if h.records] == ["Contact"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list("FIND{}()\"*?\\ ANDORNOTRETURNINGContact,Name.=' 0123")), max_size=80))
def test_random_text_never_escapes(text):
    run("FIND " + text)
    run(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(VALID), st.integers(0, 120), st.integers(0, 6), st.text(max_size=4))
def test_mutated_statements_never_escape(text, at, cut, insert):
    at = min(at, len(text))
    run(text[:at] + insert + text[at + cut:])
