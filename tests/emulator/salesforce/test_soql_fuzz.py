"""SOQL engine robustness (SPEC SF-REST-8): no input may raise anything but a 400 SalesforceError.

Hypothesis feeds the engine arbitrary text, grammar-shaped random queries
(valid and invalid names, every operator, odd literals, deep nesting, huge
numbers) and random mutations of valid queries.
"""
from __future__ import annotations

from datetime import date, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulator.salesforce.errors import SalesforceError
from emulator.salesforce.sobjects.fields import FieldDef
from emulator.salesforce.soql import QueryResult, execute
from sf_engine_helpers import NOW, StoreContext, sfid


class Context(StoreContext):
    def __init__(self) -> None:
        super().__init__(contact_fields=(
            FieldDef("Colors__c", "Colors", "multipicklist", 4099, custom=True, picklist=("Red", "Blue")),
            FieldDef("Ext__c", "Ext", "string", 20, custom=True, external_id=True)))
        user, account = sfid("005", 1), sfid("001", 1)
        base = {"IsDeleted": False, "CreatedDate": NOW, "LastModifiedDate": NOW, "SystemModstamp": NOW,
                "CreatedById": user, "LastModifiedById": user}
        self.stores["User"].insert({**base, "Id": user, "Name": "Ann Admin", "LastName": "Admin"})
        self.stores["Account"].insert({**base, "Id": account, "Name": "Acme", "OwnerId": user,
                                       "NumberOfEmployees": 5, "AnnualRevenue": 1.5})
        for n, (last, email) in enumerate([("Smith", None), ("Jones", "j@x.com"), ("O'Hara", "o@x.com")]):
            self.stores["Contact"].insert({
                **base, "Id": sfid("003", n + 1), "LastName": last, "Email": email, "OwnerId": user,
                "AccountId": account if n else None, "Birthdate": date(1990, 1, n + 1), "Colors__c": "Red",
                "HasOptedOutOfEmail": bool(n % 2), "Ext__c": f"E{n}", "IsDeleted": n == 2})


CTX = Context()


def run(soql) -> None:
    for include_deleted in (False, True):
        try:
            result = execute(soql, CTX, include_deleted)
        except SalesforceError as error:
            assert error.status == 400
            assert error.error_code and isinstance(error.message, str)
            return
        assert isinstance(result, QueryResult)
        for record in result.records:
            result.render(record)
            result.flat(record)


FIELDS = ["Id", "id", "LastName", "Email", "Name", "Birthdate", "CreatedDate", "LastModifiedDate",
          "SystemModstamp", "HasOptedOutOfEmail", "Colors__c", "Ext__c", "AccountId", "OwnerId",
          "Description", "Account.Name", "Account.NumberOfEmployees", "Account.AnnualRevenue",
          "Owner.Name", "CreatedBy.Name", "Account.Owner.Name", "Account.Owner.CreatedBy.Name", "Contact.Email",
          "Nope", "Account.Nope", "Nope.Name", "IsDeleted", "Title"]
OBJECTS = ["Contact", "contact", "Account", "User", "Lead", "Foo", "Order"]
OPERATORS = ["=", "!=", "<>", "<", "<=", ">", ">=", "LIKE", "like"]
DATE_LITERALS = ["TODAY", "yesterday", "LAST_WEEK", "THIS_QUARTER", "NEXT_YEAR", "LAST_90_DAYS", "THIS_FISCAL_YEAR",
                 "BOGUS", "LAST_N_DAYS", "TODAY:1"]
PARAM_LITERALS = ["LAST_N_DAYS", "NEXT_N_DAYS", "N_DAYS_AGO", "LAST_N_WEEKS", "NEXT_N_MONTHS", "N_YEARS_AGO",
                  "LAST_N_QUARTERS", "NEXT_N_FISCAL_YEARS"]
text_chars = st.characters(blacklist_categories=())


def _string_literal(body: str) -> str:
    return "'" + body.replace("\\", "\\\\").replace("'", "\\'") + "'"


values = st.one_of(
    st.text(text_chars, max_size=12).map(_string_literal),
    st.sampled_from(["'%'", "'a%'", "'%\\_%'", "'\\%'", "'\\u0041'", "'\\x'", "'\\\\'", "'bad", "''",
                     f"'{sfid('003', 1)}'", f"'{sfid('003', 2)[:15]}'", "'003'", "'Red;Blue'"]),
    st.integers(-10**30, 10**30).map(str),
    st.sampled_from(["1.5", "-0.0", ".5", "5.", "+3", "9" * 5000, "1" * 4301 + ".5", "1e5"]),
    st.dates().map(date.isoformat),
    st.datetimes(timezones=st.sampled_from([timezone.utc])).map(lambda d: d.isoformat().replace("+00:00", "Z")),
    st.sampled_from(["2024-02-30", "0000-01-01", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+01:00",
                     "2024-01-01T10:00:00.000+0000", "2024-01-01T10:00:00"]),
    st.sampled_from(["null", "NULL", "true", "False", "TRUE"]),
    st.sampled_from(DATE_LITERALS),
    st.tuples(st.sampled_from(PARAM_LITERALS), st.integers(-5, 10**25)).map(lambda t: f"{t[0]}:{t[1]}"),
)


def _predicate(draw_field: str, op: str, value: str, values_list: list[str]) -> str:
    if op in ("IN", "NOT IN", "INCLUDES", "EXCLUDES"):
        return f"{draw_field} {op} ({', '.join(values_list)})"
    return f"{draw_field} {op} {value}"


predicates = st.builds(
    _predicate, st.sampled_from(FIELDS),
    st.sampled_from(OPERATORS + ["IN", "NOT IN", "INCLUDES", "EXCLUDES", "excludes"]),
    values, st.lists(values, min_size=0, max_size=4))

conditions = st.recursive(
    predicates,
    lambda inner: st.one_of(
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: " AND ".join(xs)),
        st.lists(inner, min_size=2, max_size=3).map(lambda xs: " OR ".join(xs)),
        inner.map(lambda x: f"({x})"),
        inner.map(lambda x: f"NOT {x}"),
    ),
    max_leaves=8,
)

select_lists = st.one_of(
    st.lists(st.sampled_from(FIELDS), min_size=1, max_size=5).map(", ".join),
    st.sampled_from(["COUNT()", "count()", "COUNT(Id)", "COUNT(Email) n", "COUNT(Id), COUNT(Email)",
                     "COUNT(), Id", "Id, COUNT(Id)", "", "*", "FIELDS(ALL)"]),
)

order_items = st.builds(lambda f, d, n: " ".join(x for x in (f, d, n) if x), st.sampled_from(FIELDS),
                        st.sampled_from(["", "ASC", "desc"]), st.sampled_from(["", "NULLS FIRST", "nulls last"]))


@st.composite
def queries(draw) -> str:
    parts = [f"SELECT {draw(select_lists)} FROM {draw(st.sampled_from(OBJECTS))}"]
    if draw(st.booleans()):
        parts.append(f"WHERE {draw(conditions)}")
    if draw(st.booleans()):
        parts.append("ORDER BY " + ", ".join(draw(st.lists(order_items, min_size=1, max_size=3))))
    if draw(st.booleans()):
        parts.append(f"LIMIT {draw(st.sampled_from(['0', '1', '3', '-1', '2.5', '99999999999999999999999']))}")
    if draw(st.booleans()):
        parts.append(f"OFFSET {draw(st.sampled_from(['0', '1', '2000', '2001', '10' * 30]))}")
    return " ".join(parts)


@st.composite
def mutated(draw) -> str:
    """A grammar-shaped query with a few characters inserted, deleted or replaced."""
    text = draw(queries())
    for _ in range(draw(st.integers(1, 4))):
        if not text:
            break
        pos = draw(st.integers(0, len(text) - 1))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        char = draw(st.sampled_from(list("'\"\\()%_,.:=<>!-+ \n\t\x00") + ["\u00e9", "\ud800", "AND", "OR"]))
        if action == "insert":
            text = text[:pos] + char + text[pos:]
        elif action == "delete":
            text = text[:pos] + text[pos + 1:]
        else:
            text = text[:pos] + char + text[pos + 1:]
    return text


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.text(text_chars, max_size=200))
def test_arbitrary_text_only_raises_salesforce_errors(text):
    run(text)
    run("SELECT Id FROM Contact WHERE " + text)


@FUZZ
@given(queries())
def test_grammar_shaped_queries_only_raise_salesforce_errors(soql):
    run(soql)


@FUZZ
@given(mutated())
def test_mutated_queries_only_raise_salesforce_errors(soql):
    run(soql)


@settings(max_examples=20, deadline=None)
@given(st.integers(1, 20_000), st.sampled_from(["(", "NOT ", "(NOT "]))
def test_deep_nesting_and_huge_input(depth, opener):
    closer = ")" * (depth if "(" in opener else 0)
    run(f"SELECT Id FROM Contact WHERE {opener * depth}Email = null{closer}")
    run("SELECT Id FROM Contact WHERE " + " AND ".join(["Email = null"] * min(depth, 5000)))


def test_non_string_inputs():
    for value in (None, 1, 1.5, b"SELECT Id FROM Contact", ["SELECT Id FROM Contact"], {"q": 1}, object()):
        run(value)
    run("SELECT Id FROM Contact WHERE Name = '" + "x" * 200_000 + "'")
