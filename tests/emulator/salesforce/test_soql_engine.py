"""SOQL engine (SPEC SF-REST-8): parsing, semantics, errors and the index planner.

Runs the engine directly on a Schema and ObjectStores through a tiny fake
QueryContext (no Flask) with a frozen clock: Friday 2024-03-15 12:00 UTC, so
THIS_WEEK starts on Sunday 2024-03-10.
"""
from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

import pytest

from emulator.salesforce.errors import SalesforceError
from emulator.salesforce.sobjects.fields import FieldDef
from emulator.salesforce.soql import execute, parse
from emulator.salesforce.soql.dates import date_range
from emulator.salesforce.sobjects.store import ObjectStore
from sf_engine_helpers import NOW, StoreContext, sfid

UTC = timezone.utc


class CountingStore(ObjectStore):
    """Counts full scans, so tests can prove a selective query used an index."""

    scans = 0

    def scan(self, include_deleted: bool = False):
        CountingStore.scans += 1
        return super().scan(include_deleted)


class NoIndexStore(CountingStore):
    """A store without indexes: every query scans (the reference behaviour)."""

    def lookup(self, field_name, value):
        return None

    def range(self, field_name, *args, **kwargs):
        return None


class FakeContext(StoreContext):
    def __init__(self, store_class: type[ObjectStore] = CountingStore) -> None:
        super().__init__(store_class, contact_fields=(
            FieldDef("Colors__c", "Colors", "multipicklist", 4099, custom=True, picklist=("Red", "Green", "Blue")),
            FieldDef("Ext__c", "Ext", "string", 20, custom=True, external_id=True)))


U1, U2 = sfid("005", 1), sfid("005", 2)
ACME, GLOBEX, INITECH = sfid("001", 1), sfid("001", 2), sfid("001", 3)
C1, C2, C3, C4, C5 = (sfid("003", n) for n in range(1, 6))


def _record(ctx: FakeContext, obj: str, record_id: str, created: datetime, **fields) -> None:
    record = {"Id": record_id, "IsDeleted": False, "CreatedDate": created, "LastModifiedDate": created,
              "SystemModstamp": created, "CreatedById": U1, "LastModifiedById": U1}
    record.update(fields)
    ctx.store(obj).insert(record)


def populate(ctx: FakeContext) -> FakeContext:
    old = datetime(2023, 6, 1, tzinfo=UTC)
    _record(ctx, "User", U1, old, Name="Ann Admin", LastName="Admin", Username="ann@org.com", IsActive=True)
    _record(ctx, "User", U2, old, Name="Bob Builder", LastName="Builder", Username="bob@org.com", IsActive=True)
    _record(ctx, "Account", ACME, old, Name="Acme", OwnerId=U1, NumberOfEmployees=50, AnnualRevenue=1000.5)
    _record(ctx, "Account", GLOBEX, old, Name="Globex", OwnerId=U2, NumberOfEmployees=None, AnnualRevenue=20.0)
    _record(ctx, "Account", INITECH, old, Name="Initech", OwnerId=U2, NumberOfEmployees=500, AnnualRevenue=None)
    contacts = [
        (C1, "Johnson", "Ann", "ann@acme.com", ACME, "CEO", "Red;Green", "E-1", False, date(1990, 5, 1),
         datetime(2024, 3, 14, 12, tzinfo=UTC), datetime(2024, 3, 15, 11, tzinfo=UTC), U1, False),
        (C2, "Smith", None, None, None, "50% off_deal", "Blue", "E-2", True, None,
         datetime(2024, 3, 5, 9, 30, tzinfo=UTC), datetime(2024, 3, 14, 23, 59, 59, tzinfo=UTC), U2, False),
        (C3, "O'Brien", "Liam", "OB@Globex.com", GLOBEX, None, None, "e-3", False, date(1985, 12, 24),
         datetime(2024, 2, 4, tzinfo=UTC), datetime(2024, 2, 4, tzinfo=UTC), U1, False),
        (C4, "Davidson", "Dee", "dee@acme.com", ACME, "CTO", None, None, False, None,
         datetime(2024, 3, 15, tzinfo=UTC), datetime(2024, 3, 15, tzinfo=UTC), U1, True),
        (C5, "jonson", "Zed", "zed@initech.com", INITECH, "cto", "green", None, True, date(2024, 3, 14),
         datetime(2024, 3, 16, tzinfo=UTC), datetime(2024, 3, 15, tzinfo=UTC), U2, False),
    ]
    for (cid, last, first, email, account, title, colors, ext, opted, birth, created, modified, owner,
         deleted) in contacts:
        _record(ctx, "Contact", cid, created, LastName=last, FirstName=first,
                Name=f"{first} {last}" if first else last, Email=email, AccountId=account, Title=title,
                Colors__c=colors, Ext__c=ext, HasOptedOutOfEmail=opted, Birthdate=birth,
                LastModifiedDate=modified, SystemModstamp=modified, OwnerId=owner, IsDeleted=deleted,
                Description="long text", CreatedById=U2 if cid == C5 else U1)
    return ctx


@pytest.fixture
def ctx() -> FakeContext:
    return populate(FakeContext())


def last_names(ctx: FakeContext, where: str = "", tail: str = "", include_deleted: bool = False) -> list[str]:
    soql = "SELECT LastName FROM Contact" + (f" WHERE {where}" if where else "") + (f" {tail}" if tail else "")
    names = [r["LastName"] for r in execute(soql, ctx, include_deleted).records]
    return names if "ORDER BY" in tail.upper() else sorted(names)  # no ORDER BY: no defined order


def error_of(ctx: FakeContext, soql) -> SalesforceError:
    with pytest.raises(SalesforceError) as info:
        execute(soql, ctx)
    assert info.value.status == 400
    return info.value


# -- SELECT and rendering ----------------------------------------------------------
def test_render_row_with_parent_fields_in_query_order(ctx):
    soql = ("SELECT Id, Name, Account.Name, Owner.Name, Account.Owner.Name, CreatedBy.Name, Birthdate, "
            "CreatedDate, HasOptedOutOfEmail, Colors__c FROM Contact WHERE LastName = 'Johnson'")
    result = execute(soql, ctx)
    assert (result.sobject, result.total_size, result.is_count) == ("Contact", 1, False)
    row = result.render(result.records[0])
    user = {"type": "User", "url": f"/services/data/v59.0/sobjects/User/{U1}"}
    assert row == {
        "attributes": {"type": "Contact", "url": f"/services/data/v59.0/sobjects/Contact/{C1}"},
        "Id": C1, "Name": "Ann Johnson",
        "Account": {"attributes": {"type": "Account", "url": f"/services/data/v59.0/sobjects/Account/{ACME}"},
                    "Name": "Acme", "Owner": {"attributes": user, "Name": "Ann Admin"}},
        "Owner": {"attributes": user, "Name": "Ann Admin"},
        "CreatedBy": {"attributes": user, "Name": "Ann Admin"},
        "Birthdate": "1990-05-01", "CreatedDate": "2024-03-14T12:00:00.000+0000",
        "HasOptedOutOfEmail": False, "Colors__c": "Red;Green",
    }
    assert list(row) == ["attributes", "Id", "Name", "Account", "Owner", "CreatedBy", "Birthdate",
                         "CreatedDate", "HasOptedOutOfEmail", "Colors__c"]
    assert result.columns[:4] == ["Id", "Name", "Account.Name", "Owner.Name"]
    assert result.flat(result.records[0])["Account.Owner.Name"] == "Ann Admin"


def test_missing_parent_renders_null_and_names_are_canonical(ctx):
    result = execute("select id, lastname, ACCOUNT.name, contact.email from contact where lastname = 'smith'", ctx)
    row = result.render(result.records[0])
    assert list(row) == ["attributes", "Id", "LastName", "Account", "Email"]
    assert row["Account"] is None and row["Email"] is None and row["LastName"] == "Smith"


def test_records_are_raw_stored_dicts(ctx):
    result = execute("SELECT Id FROM Contact WHERE Id = '%s'" % C1, ctx)
    assert result.records == [ctx.store("Contact").get(C1)]


# -- operators -------------------------------------------------------------------
@pytest.mark.parametrize("where, expected", [
    ("LastName = 'JOHNSON'", ["Johnson"]),
    ("LastName != 'Johnson'", ["Smith", "O'Brien", "jonson"]),
    ("LastName <> 'johnson'", ["Smith", "O'Brien", "jonson"]),
    ("Title < 'D'", ["Johnson", "Smith", "jonson"]),
    ("Title <= 'ceo'", ["Johnson", "Smith"]),
    ("Title > 'c'", ["Johnson", "jonson"]),
    ("Title >= 'CTO'", ["jonson"]),
    ("LastName IN ('smith', 'O\\'Brien')", ["Smith", "O'Brien"]),
    ("LastName NOT IN ('smith')", ["Johnson", "O'Brien", "jonson"]),
    ("Colors__c INCLUDES ('green')", ["Johnson", "jonson"]),
    ("Colors__c INCLUDES ('Red;Green')", ["Johnson"]),
    ("Colors__c INCLUDES ('Red;Blue', 'Blue')", ["Smith"]),
    ("Colors__c EXCLUDES ('Green')", ["Smith", "O'Brien"]),
    ("Colors__c = 'green;red'", ["Johnson"]),
    ("HasOptedOutOfEmail = true", ["Smith", "jonson"]),
    ("HasOptedOutOfEmail = FALSE", ["Johnson", "O'Brien"]),
    ("HasOptedOutOfEmail != true", ["Johnson", "O'Brien"]),
    ("Birthdate = 1990-05-01", ["Johnson"]),
    ("Birthdate < 1990-01-01", ["O'Brien"]),
    ("Birthdate > 1985-12-24", ["Johnson", "jonson"]),
    ("Birthdate IN (1985-12-24, 2024-03-14)", ["O'Brien", "jonson"]),
    ("CreatedDate = 2024-03-14T12:00:00Z", ["Johnson"]),
    ("CreatedDate = 2024-03-14T13:00:00+01:00", ["Johnson"]),
    ("CreatedDate = 2024-03-14T12:00:00.000+0000", ["Johnson"]),
    ("CreatedDate > 2024-03-01T00:00:00Z", ["Johnson", "Smith", "jonson"]),
    ("CreatedDate <= 2024-03-05T09:30:00Z", ["Smith", "O'Brien"]),
])
def test_operators(ctx, where, expected):
    assert last_names(ctx, where) == sorted(expected)


@pytest.mark.parametrize("where, expected", [
    ("NumberOfEmployees > 49", ["Acme", "Initech"]),
    ("NumberOfEmployees = 50", ["Acme"]),
    ("NumberOfEmployees != 50", ["Globex", "Initech"]),
    ("NumberOfEmployees IN (50, 500)", ["Acme", "Initech"]),
    ("AnnualRevenue >= 20", ["Acme", "Globex"]),
    ("AnnualRevenue < 1000.5", ["Globex"]),
    ("AnnualRevenue <= 1000.5", ["Acme", "Globex"]),
    ("AnnualRevenue = null", ["Initech"]),
])
def test_numbers(ctx, where, expected):
    result = execute(f"SELECT Name FROM Account WHERE {where}", ctx)
    assert [r["Name"] for r in result.records] == expected


@pytest.mark.parametrize("where, expected", [
    ("FirstName = null", ["Smith"]),
    ("FirstName != null", ["Johnson", "O'Brien", "jonson"]),
    ("Email = ''", ["Smith"]),
    ("Email != 'ann@acme.com'", ["Smith", "O'Brien", "jonson"]),
    ("Email = 'ANN@ACME.COM'", ["Johnson"]),
    ("Email NOT IN ('ann@acme.com')", ["Smith", "O'Brien", "jonson"]),
    ("Email IN ('ann@acme.com', null)", ["Johnson", "Smith"]),
    ("Title < 'Z'", ["Johnson", "Smith", "jonson"]),
    ("Title LIKE '%'", ["Johnson", "Smith", "jonson"]),
    ("NOT Title LIKE 'c%'", ["Smith", "O'Brien"]),
    ("Birthdate = null", ["Smith"]),
])
def test_null_handling(ctx, where, expected):
    assert last_names(ctx, where) == sorted(expected)


@pytest.mark.parametrize("pattern, expected", [
    ("j%", ["Johnson", "jonson"]),
    ("%SON", ["Johnson", "jonson"]),
    ("%hns%", ["Johnson"]),
    ("J_nson", ["jonson"]),
    ("smith", ["Smith"]),
    ("smi", []),
    ("O\\'%", ["O'Brien"]),
])
def test_like_on_last_name(ctx, pattern, expected):
    assert last_names(ctx, f"LastName LIKE '{pattern}'") == sorted(expected)


@pytest.mark.parametrize("pattern, expected", [
    ("50\\%%", ["Smith"]),
    ("%\\_%", ["Smith"]),
    ("5_\\% off%", ["Smith"]),
    ("%\\%", []),
    ("50\\% off\\_deal", ["Smith"]),
    ("50_ off_deal", ["Smith"]),
    ("50\\%\\_off%", []),
])
def test_like_escapes(ctx, pattern, expected):
    assert last_names(ctx, f"Title LIKE '{pattern}'") == sorted(expected)


@pytest.mark.parametrize("where, expected", [
    ("LastName = 'Smith' OR LastName = 'jonson' OR Email = 'ann@acme.com'", ["Johnson", "Smith", "jonson"]),
    ("(LastName = 'Smith' OR LastName = 'jonson') AND HasOptedOutOfEmail = true", ["Smith", "jonson"]),
    ("LastName = 'Johnson' OR (HasOptedOutOfEmail = true AND Email != null)", ["Johnson", "jonson"]),
    ("NOT LastName = 'Smith'", ["Johnson", "O'Brien", "jonson"]),
    ("NOT (LastName = 'Smith' OR LastName = 'jonson')", ["Johnson", "O'Brien"]),
    ("NOT LastName = 'Smith' AND NOT LastName = 'jonson'", ["Johnson", "O'Brien"]),
    ("((LastName = 'Smith'))", ["Smith"]),
    ("HasOptedOutOfEmail = false AND (Title = null OR (Title = 'CEO' AND Email LIKE 'ann%'))",
     ["Johnson", "O'Brien"]),
])
def test_boolean_logic_and_parentheses(ctx, where, expected):
    assert last_names(ctx, where) == sorted(expected)


def test_and_or_cannot_be_mixed_without_parentheses(ctx):
    error = error_of(ctx, "SELECT Id FROM Contact WHERE LastName = 'a' AND Email = null OR Title = 'x'")
    assert error.error_code == "MALFORMED_QUERY"
    assert error.message.endswith("ERROR at Row:1:Column:62\nunexpected token: 'OR'")


def test_keywords_objects_and_fields_are_case_insensitive(ctx):
    result = execute("sElEcT lastname FrOm CONTACT wHeRe EMAIL like 'ANN%' AnD NoT lastname In ('x') "
                     "OrDeR bY lastNAME dEsC nUlLs LaSt LiMiT 5 oFfSeT 0", ctx)
    assert result.sobject == "Contact"
    assert [r["LastName"] for r in result.records] == ["Johnson"]


# -- ids --------------------------------------------------------------------------
def test_ids_accept_15_and_18_characters_and_are_case_sensitive(ctx):
    assert last_names(ctx, f"Id = '{C1[:15]}'") == ["Johnson"]
    assert last_names(ctx, f"Id IN ('{C1[:15]}', '{C3}')") == ["Johnson", "O'Brien"]
    assert last_names(ctx, f"AccountId = '{ACME[:15]}'") == ["Johnson"]
    assert last_names(ctx, f"Id = '{C1[:15].lower()}'") == []
    assert last_names(ctx, f"Id != '{C1}'") == ["O'Brien", "Smith", "jonson"]
    assert last_names(ctx, "AccountId = null") == ["Smith"]


# -- date literals ------------------------------------------------------------------
@pytest.mark.parametrize("literal, low, high", [
    ("TODAY", date(2024, 3, 15), date(2024, 3, 16)),
    ("YESTERDAY", date(2024, 3, 14), date(2024, 3, 15)),
    ("TOMORROW", date(2024, 3, 16), date(2024, 3, 17)),
    ("THIS_WEEK", date(2024, 3, 10), date(2024, 3, 17)),
    ("LAST_WEEK", date(2024, 3, 3), date(2024, 3, 10)),
    ("NEXT_WEEK", date(2024, 3, 17), date(2024, 3, 24)),
    ("THIS_MONTH", date(2024, 3, 1), date(2024, 4, 1)),
    ("LAST_MONTH", date(2024, 2, 1), date(2024, 3, 1)),
    ("NEXT_MONTH", date(2024, 4, 1), date(2024, 5, 1)),
    ("LAST_90_DAYS", date(2023, 12, 16), date(2024, 3, 16)),
    ("NEXT_90_DAYS", date(2024, 3, 16), date(2024, 6, 14)),
    ("THIS_QUARTER", date(2024, 1, 1), date(2024, 4, 1)),
    ("LAST_QUARTER", date(2023, 10, 1), date(2024, 1, 1)),
    ("NEXT_QUARTER", date(2024, 4, 1), date(2024, 7, 1)),
    ("THIS_YEAR", date(2024, 1, 1), date(2025, 1, 1)),
    ("LAST_YEAR", date(2023, 1, 1), date(2024, 1, 1)),
    ("NEXT_YEAR", date(2025, 1, 1), date(2026, 1, 1)),
    ("LAST_N_DAYS:1", date(2024, 3, 14), date(2024, 3, 16)),
    ("LAST_N_DAYS:30", date(2024, 2, 14), date(2024, 3, 16)),
    ("NEXT_N_DAYS:7", date(2024, 3, 16), date(2024, 3, 23)),
    ("N_DAYS_AGO:3", date(2024, 3, 12), date(2024, 3, 13)),
    ("LAST_N_WEEKS:2", date(2024, 2, 25), date(2024, 3, 10)),
    ("NEXT_N_WEEKS:1", date(2024, 3, 17), date(2024, 3, 24)),
    ("LAST_N_MONTHS:2", date(2024, 1, 1), date(2024, 3, 1)),
    ("NEXT_N_MONTHS:2", date(2024, 4, 1), date(2024, 6, 1)),
    ("N_MONTHS_AGO:1", date(2024, 2, 1), date(2024, 3, 1)),
    ("LAST_N_QUARTERS:1", date(2023, 10, 1), date(2024, 1, 1)),
    ("NEXT_N_YEARS:1", date(2025, 1, 1), date(2026, 1, 1)),
    ("N_YEARS_AGO:1", date(2023, 1, 1), date(2024, 1, 1)),
    ("THIS_FISCAL_YEAR", date(2024, 1, 1), date(2025, 1, 1)),
    ("LAST_N_DAYS:999999999999", date.min, date(2024, 3, 16)),
])
def test_date_literal_ranges(literal, low, high):
    name, _, n = literal.partition(":")
    rng = date_range(name, int(n) if n else None, NOW.date())
    assert (rng.low, rng.high) == (low, high)


@pytest.mark.parametrize("where, expected", [
    ("CreatedDate = TODAY", []),
    ("CreatedDate = YESTERDAY", ["Johnson"]),
    ("CreatedDate > TODAY", ["jonson"]),
    ("CreatedDate >= TODAY", ["jonson"]),
    ("CreatedDate < TODAY", ["Johnson", "Smith", "O'Brien"]),
    ("CreatedDate <= YESTERDAY", ["Johnson", "Smith", "O'Brien"]),
    ("CreatedDate != TODAY", ["Johnson", "Smith", "O'Brien", "jonson"]),
    ("CreatedDate = LAST_N_DAYS:1", ["Johnson"]),
    ("CreatedDate = LAST_N_DAYS:10", ["Johnson", "Smith"]),
    ("CreatedDate >= LAST_N_DAYS:10", ["Johnson", "Smith", "jonson"]),
    ("CreatedDate = LAST_WEEK", ["Smith"]),
    ("CreatedDate = THIS_WEEK", ["Johnson", "jonson"]),
    ("CreatedDate = LAST_MONTH", ["O'Brien"]),
    ("CreatedDate = THIS_MONTH", ["Johnson", "Smith", "jonson"]),
    ("CreatedDate = NEXT_N_DAYS:1", ["jonson"]),
    ("CreatedDate = N_DAYS_AGO:10", ["Smith"]),
    ("CreatedDate = THIS_YEAR", ["Johnson", "Smith", "O'Brien", "jonson"]),
    ("CreatedDate = LAST_YEAR", []),
    ("CreatedDate IN (LAST_MONTH, TOMORROW)", ["O'Brien", "jonson"]),
    ("Birthdate = YESTERDAY", ["jonson"]),
    ("Birthdate < LAST_N_YEARS:30", ["Johnson", "O'Brien"]),
    ("LastModifiedDate = today", ["Johnson", "jonson"]),
])
def test_date_literals_in_filters(ctx, where, expected):
    assert last_names(ctx, where) == sorted(expected)


def test_date_literals_follow_the_clock(ctx):
    ctx.now = lambda: NOW + timedelta(days=1)  # type: ignore[method-assign]
    assert last_names(ctx, "CreatedDate = YESTERDAY") == []
    assert last_names(ctx, "CreatedDate = TODAY") == ["jonson"]


# -- ORDER BY, LIMIT, OFFSET --------------------------------------------------------
@pytest.mark.parametrize("order, expected", [
    ("LastName", ["Johnson", "jonson", "O'Brien", "Smith"]),
    ("Email", ["Smith", "Johnson", "O'Brien", "jonson"]),
    ("Email ASC NULLS FIRST", ["Smith", "Johnson", "O'Brien", "jonson"]),
    ("Email DESC", ["jonson", "O'Brien", "Johnson", "Smith"]),
    ("Email NULLS LAST", ["Johnson", "O'Brien", "jonson", "Smith"]),
    ("Email DESC NULLS FIRST", ["Smith", "jonson", "O'Brien", "Johnson"]),
    ("HasOptedOutOfEmail DESC, LastName", ["jonson", "Smith", "Johnson", "O'Brien"]),
    ("HasOptedOutOfEmail, Title DESC", ["Johnson", "O'Brien", "jonson", "Smith"]),
    ("Account.Name DESC NULLS LAST", ["jonson", "O'Brien", "Johnson", "Smith"]),
    ("Birthdate", ["Smith", "O'Brien", "Johnson", "jonson"]),
    ("CreatedDate DESC", ["jonson", "Johnson", "Smith", "O'Brien"]),
])
def test_order_by(ctx, order, expected):
    assert last_names(ctx, tail=f"ORDER BY {order}") == expected


@pytest.mark.parametrize("tail, expected", [
    ("ORDER BY LastName LIMIT 2", ["Johnson", "jonson"]),
    ("ORDER BY LastName LIMIT 2 OFFSET 1", ["jonson", "O'Brien"]),
    ("ORDER BY LastName OFFSET 3", ["Smith"]),
    ("ORDER BY LastName LIMIT 0", []),
    ("ORDER BY LastName OFFSET 10", []),
    ("ORDER BY Email DESC LIMIT 3", ["jonson", "O'Brien", "Johnson"]),
    ("ORDER BY HasOptedOutOfEmail DESC, LastName LIMIT 3", ["jonson", "Smith", "Johnson"]),
    ("ORDER BY CreatedDate LIMIT 2 OFFSET 1", ["Smith", "Johnson"]),
    ("ORDER BY LastModifiedDate DESC LIMIT 2", ["Johnson", "jonson"]),
    ("LIMIT 2", ["Johnson", "Smith"]),
    ("LIMIT 2147483647", ["Johnson", "Smith", "O'Brien", "jonson"]),
])
def test_limit_and_offset(ctx, tail, expected):
    assert last_names(ctx, tail=tail) == (expected if "ORDER BY" in tail else sorted(expected))
    assert execute(f"SELECT Id FROM Contact {tail}", ctx).total_size == len(expected)


@pytest.mark.parametrize("tail", ["LIMIT 99999999999999999999", "LIMIT 2147483648", "LIMIT 1 OFFSET 99999999999"])
def test_limit_beyond_a_32_bit_integer_is_malformed(ctx, tail):
    error = error_of(ctx, f"SELECT Id FROM Contact {tail}")
    assert error.error_code == "MALFORMED_QUERY"
    assert error.message.endswith(f'For input string: "{tail.split()[-1]}"')


def test_offset_above_2000_is_out_of_range(ctx):
    error = error_of(ctx, "SELECT Id FROM Contact LIMIT 5 OFFSET 2001")
    assert error.error_code == "NUMBER_OUTSIDE_VALID_RANGE"
    assert execute("SELECT Id FROM Contact OFFSET 2000", ctx).total_size == 0


@pytest.mark.parametrize("tail", ["LIMIT -1", "OFFSET -5", "LIMIT 1.5", "OFFSET 5 LIMIT 1"])
def test_limit_and_offset_must_be_non_negative_integers_in_order(ctx, tail):
    assert error_of(ctx, f"SELECT Id FROM Contact {tail}").error_code == "MALFORMED_QUERY"


# -- parent fields in WHERE --------------------------------------------------------
@pytest.mark.parametrize("where, expected", [
    ("Account.Name = 'acme'", ["Johnson"]),
    ("Account.Name != 'Acme'", ["Smith", "O'Brien", "jonson"]),
    ("Account.Name = null", ["Smith"]),
    ("Account.Owner.Name LIKE 'bob%'", ["O'Brien", "jonson"]),
    ("Owner.Name = 'Bob Builder'", ["Smith", "jonson"]),
    ("CreatedBy.Name = 'Bob Builder'", ["jonson"]),
    ("Account.NumberOfEmployees > 100", ["jonson"]),
    ("contact.account.name IN ('Globex', 'Initech')", ["O'Brien", "jonson"]),
])
def test_parent_fields_in_where(ctx, where, expected):
    assert last_names(ctx, where) == sorted(expected)


# -- COUNT and deleted rows -----------------------------------------------------------
def test_count(ctx):
    result = execute("SELECT COUNT() FROM Contact", ctx)
    assert (result.total_size, result.is_count, result.records) == (4, True, [])
    assert execute("SELECT count() FROM Contact", ctx, include_deleted=True).total_size == 5
    assert execute("SELECT COUNT() FROM Contact WHERE Email = null", ctx).total_size == 1
    assert execute("SELECT COUNT() FROM Contact LIMIT 2", ctx).total_size == 2


def test_count_field_is_an_aggregate_query(ctx):
    result = execute("SELECT COUNT(Id) FROM Contact", ctx)
    assert (result.total_size, result.aggregate) == (1, True)
    assert result.render(result.records[0]) == {"attributes": {"type": "AggregateResult"}, "expr0": 4}
    result = execute("SELECT COUNT(Email) n FROM Contact", ctx)
    assert result.render(result.records[0]) == {"attributes": {"type": "AggregateResult"}, "n": 3}


def test_query_all_includes_deleted_rows(ctx):
    assert last_names(ctx, "LastName = 'Davidson'") == []
    assert last_names(ctx, "LastName = 'Davidson'", include_deleted=True) == ["Davidson"]
    assert last_names(ctx, "IsDeleted = true", include_deleted=True) == ["Davidson"]
    assert last_names(ctx, "CreatedDate = TODAY", include_deleted=True) == ["Davidson"]


# -- errors -----------------------------------------------------------------------
def test_invalid_type_points_at_the_object(ctx):
    error = error_of(ctx, "SELECT Id FROM Foo")
    assert error.error_code == "INVALID_TYPE"
    assert error.message == (
        "\nSELECT Id FROM Foo\n               ^\nERROR at Row:1:Column:16\nsObject type 'Foo' is not supported. "
        "If you are attempting to use a custom object, be sure to append the '__c' after the entity name. "
        "Please reference your WSDL or the describe call for the appropriate names.")


def test_invalid_field_points_at_the_field(ctx):
    error = error_of(ctx, "SELECT Idd FROM Contact")
    assert error.error_code == "INVALID_FIELD"
    assert error.message == (
        "\nSELECT Idd FROM Contact\n       ^\nERROR at Row:1:Column:8\nNo such column 'Idd' on entity "
        "'Contact'. If you are attempting to use a custom field, be sure to append the '__c' after the "
        "custom field name. Please reference your WSDL or the describe call for the appropriate names.")
    assert error.body() == [{"message": error.message, "errorCode": "INVALID_FIELD"}]


@pytest.mark.parametrize("soql, column, detail", [
    ("SELECT Id FROM Contact WHERE Nme = 'x'", 30, "No such column 'Nme' on entity 'Contact'."),
    ("SELECT Id FROM Contact ORDER BY Nme", 33, "No such column 'Nme' on entity 'Contact'."),
    ("SELECT Account.Nme FROM Contact", 8, "No such column 'Nme' on entity 'Account'."),
    ("SELECT Id, Acount.Name FROM Contact", 12, "Didn't understand relationship 'Acount' in field path."),
    ("SELECT Id FROM Contact WHERE AccountId.Name = 'x'", 30, "Didn't understand relationship 'AccountId'"),
    ("SELECT Account FROM Contact", 8, "No such column 'Account' on entity 'Contact'."),
])
def test_unknown_fields_and_relationships(ctx, soql, column, detail):
    error = error_of(ctx, soql)
    assert error.error_code == "INVALID_FIELD"
    assert f"ERROR at Row:1:Column:{column}\n{detail}" in error.message


@pytest.mark.parametrize("soql, column, detail", [
    ("SELECT Id FRO Contact", 11, "unexpected token: 'FRO'"),
    ("SELECT Id FROM", 15, "unexpected token: '<EOF>'"),
    ("SELECT FROM Contact", 13, "unexpected token: 'Contact'"),  # keywords are contextual
    ("SELECT Id FROM Contact WHERE Name = \"x\"", 37, "line 1:36 no viable alternative at character '\"'"),
    ("SELECT Id FROM Contact WHERE Name = 'x", 37, "line 1:36 no viable alternative at character '''"),
    ("SELECT Id FROM Contact WHERE Name IN ()", 39, "unexpected token: ')'"),
    ("SELECT Id FROM Contact WHERE Name = 'a\\x'", 37,
     "Invalid string literal ''a\\x''. Illegal character sequence '\\x' in string literal."),
    ("SELECT Id FROM Contact WHERE CreatedDate = FOO", 44, "unexpected token: 'FOO'"),
    ("SELECT Id FROM Contact WHERE CreatedDate = LAST_N_DAYS", 44, "unexpected token: 'LAST_N_DAYS'"),
    ("SELECT Id FROM Contact WHERE CreatedDate = TODAY:3", 44, "unexpected token: 'TODAY'"),
    ("SELECT Id FROM Contact WHERE CreatedDate > 2024-01-01T10:00:00", 54, "unexpected token: 'T10'"),
    ("SELECT Id, id FROM Contact", 12, "duplicate field selected: Id"),
    ("SELECT Id, COUNT(Id) FROM Contact", 8, "Field must be grouped or aggregated: Id"),
    ("SELECT COUNT(), Id FROM Contact", 17, "COUNT() must be the only element in the SELECT list"),
])
def test_malformed_queries(ctx, soql, column, detail):
    error = error_of(ctx, soql)
    assert error.error_code == "MALFORMED_QUERY"
    assert error.message.endswith(f"ERROR at Row:1:Column:{column}\n{detail}"), error.message


@pytest.mark.parametrize("soql", ["", "   ", None, 42, b"SELECT Id FROM Contact"])
def test_missing_query(ctx, soql):
    error = error_of(ctx, soql)
    assert (error.error_code, error.message) == ("MALFORMED_QUERY", "A query string has to be specified")


@pytest.mark.parametrize("obj, where, code, detail", [
    ("Contact", "CreatedDate = '2024-01-01'", "INVALID_FIELD",
     "value of filter criterion for field 'CreatedDate' must be of type dateTime and should not be enclosed "
     "in quotes"),
    ("Contact", "CreatedDate = 2024-01-01", "INVALID_FIELD",
     "value of filter criterion for field 'CreatedDate' must be of type dateTime and should not be enclosed "
     "in quotes"),
    ("Contact", "LastName = TODAY", "INVALID_FIELD",
     "value of filter criterion for field 'LastName' must be of type string and should be enclosed in quotes"),
    ("Contact", "LastName = 5", "INVALID_FIELD",
     "value of filter criterion for field 'LastName' must be of type string and should be enclosed in quotes"),
    ("Contact", "LastName LIKE 5", "INVALID_FIELD",
     "value of filter criterion for field 'LastName' must be of type string and should be enclosed in quotes"),
    ("Contact", "HasOptedOutOfEmail = 'true'", "INVALID_FIELD",
     "value of filter criterion for field 'HasOptedOutOfEmail' must be of type boolean and should not be "
     "enclosed in quotes"),
    ("Contact", "Birthdate = 2024-01-01T00:00:00Z", "INVALID_FIELD",
     "value of filter criterion for field 'Birthdate' must be of type date and should not be enclosed in quotes"),
    ("Account", "NumberOfEmployees = '5'", "INVALID_FIELD",
     "value of filter criterion for field 'NumberOfEmployees' must be of type integer and should not be "
     "enclosed in quotes"),
    ("Account", "AnnualRevenue > 'x'", "INVALID_FIELD",
     "value of filter criterion for field 'AnnualRevenue' must be of type double and should not be enclosed "
     "in quotes"),
    ("Contact", "Id = 'abc'", "INVALID_QUERY_FILTER_OPERATOR", "invalid ID field: abc"),
    ("Contact", "AccountId IN ('001000000000000', 'nope')", "INVALID_QUERY_FILTER_OPERATOR",
     "invalid ID field: nope"),
    ("Contact", "LastName INCLUDES ('a')", "INVALID_QUERY_FILTER_OPERATOR",
     "includes or excludes operator only valid on multipicklist field"),
    ("Contact", "HasOptedOutOfEmail > true", "INVALID_QUERY_FILTER_OPERATOR", "invalid operator on boolean field"),
    ("Contact", "Id LIKE '003%'", "INVALID_QUERY_FILTER_OPERATOR", "invalid operator on id field"),
    ("Contact", "Colors__c LIKE 'R%'", "INVALID_QUERY_FILTER_OPERATOR", "invalid operator on multipicklist field"),
    ("Contact", "Colors__c < 'R'", "INVALID_QUERY_FILTER_OPERATOR", "invalid operator on multipicklist field"),
    ("Contact", "Description = 'x'", "INVALID_FIELD", "field 'Description' can not be filtered in query call"),
])
def test_values_of_the_wrong_type(ctx, obj, where, code, detail):
    error = error_of(ctx, f"SELECT Id FROM {obj} WHERE {where}")
    assert error.error_code == code
    assert error.message.endswith(f"ERROR at Row:1:Column:30\n{detail}"), error.message


def test_errors_point_at_row_and_column_of_multi_line_queries(ctx):
    error = error_of(ctx, "SELECT Id,\n    Foo\nFROM Contact")
    assert error.message.startswith("\n    Foo\n    ^\nERROR at Row:2:Column:5\nNo such column 'Foo'")
    error = error_of(ctx, "SELECT Id\nFROM Contact\nWHERE Name = 'x'\n  AND Bad__c = 1")
    assert "ERROR at Row:4:Column:7\nNo such column 'Bad__c'" in error.message


def test_long_lines_are_echoed_as_a_window_around_the_token(ctx):
    fields = ", ".join(["Id", "FirstName", "LastName", "Email", "Title", "Phone", "MobilePhone", "Fax"])
    soql = f"SELECT {fields}, Bogus__c, Department, LeadSource FROM Contact"
    error = error_of(ctx, soql)
    _, echo, caret, where, _detail = error.message.split("\n", 4)
    column = soql.index("Bogus__c") + 1
    assert where == f"ERROR at Row:1:Column:{column}"
    assert len(echo) < len(soql) and echo in soql
    assert echo[len(caret) - 1:].startswith("Bogus__c")
    assert caret.strip() == "^"


def test_parse_is_exported_and_keeps_positions():
    query = parse("SELECT Id FROM Contact WHERE Name = 'x' ORDER BY Name DESC LIMIT 3")
    assert query.sobject == "Contact" and query.sobject_pos == 15
    assert query.limit == 3 and query.order_by[0].descending and not query.order_by[0].effective_nulls_first


# -- planner: indexes instead of scans ----------------------------------------------------
@pytest.mark.parametrize("where, expected", [
    (f"Id = '{C1}'", ["Johnson"]),
    (f"Id IN ('{C1[:15]}', '{C2}', '{C4}')", ["Johnson", "Smith"]),
    ("Email = 'ob@globex.com'", ["O'Brien"]),
    ("Email IN ('ANN@acme.com', 'zed@initech.com')", ["Johnson", "jonson"]),
    ("Ext__c = 'E-3'", ["O'Brien"]),
    ("Email = 'ann@acme.com' AND LastName LIKE 'x%'", []),
    ("Email = 'ann@acme.com' AND (Title = 'ceo' OR Title = null)", ["Johnson"]),
    ("LastModifiedDate = TODAY", ["Johnson", "jonson"]),
    ("SystemModstamp > 2024-03-14T00:00:00Z AND SystemModstamp < 2024-03-15T05:00:00Z", ["Smith", "jonson"]),
    ("CreatedDate = LAST_MONTH AND LastName != null", ["O'Brien"]),
    ("CreatedDate >= 2024-03-14T12:00:00Z AND CreatedDate <= 2024-03-14T12:00:00Z", ["Johnson"]),
])
def test_selective_filters_use_indexes(ctx, where, expected):
    CountingStore.scans = 0
    assert last_names(ctx, where) == sorted(expected)
    assert CountingStore.scans == 0


@pytest.mark.parametrize("where", ["LastName LIKE '%son%'", "Email = 'a@b.c' OR LastName = 'Smith'",
                                   "Email != 'ann@acme.com'", "NOT Email = 'ann@acme.com'"])
def test_non_selective_filters_scan(ctx, where):
    CountingStore.scans = 0
    last_names(ctx, where)
    assert CountingStore.scans == 1


def test_order_by_indexed_field_with_limit_walks_the_index(ctx):
    CountingStore.scans = 0
    assert last_names(ctx, "Title != null", "ORDER BY SystemModstamp DESC LIMIT 2") == ["Johnson", "jonson"]
    assert last_names(ctx, "", "ORDER BY CreatedDate ASC LIMIT 1 OFFSET 1") == ["Smith"]
    assert last_names(ctx, "CreatedDate < TODAY", "ORDER BY CreatedDate DESC LIMIT 5") == [
        "Johnson", "Smith", "O'Brien"]
    assert CountingStore.scans == 0


QUERIES_FOR_EQUIVALENCE = [
    f"Id IN ('{C1}', '{C3}', '{C5}') ORDER BY LastName DESC",
    "Email IN ('ann@acme.com', 'dee@acme.com', 'OB@globex.com') AND HasOptedOutOfEmail = false",
    "LastModifiedDate >= YESTERDAY ORDER BY LastModifiedDate LIMIT 3",
    "CreatedDate > 2024-01-01T00:00:00Z AND CreatedDate < TOMORROW ORDER BY CreatedDate DESC LIMIT 2 OFFSET 1",
    "SystemModstamp = LAST_N_DAYS:2 AND Email != null",
    "Ext__c IN ('e-1', 'E-2') ORDER BY Ext__c DESC",
]


@pytest.mark.parametrize("tail", QUERIES_FOR_EQUIVALENCE)
@pytest.mark.parametrize("include_deleted", [False, True])
def test_index_plans_match_full_scans(tail, include_deleted):
    soql = f"SELECT Id FROM Contact WHERE {tail}"
    indexed_ctx, scanned_ctx = populate(FakeContext()), populate(FakeContext(NoIndexStore))
    CountingStore.scans = 0
    indexed = execute(soql, indexed_ctx, include_deleted)
    assert CountingStore.scans == 0
    scanned = execute(soql, scanned_ctx, include_deleted)
    assert CountingStore.scans == 1
    got, want = [r["Id"] for r in indexed.records], [r["Id"] for r in scanned.records]
    if "ORDER BY" not in tail:
        got, want = sorted(got), sorted(want)
    assert got == want


def _reference_order(rows: list[dict], spec: list[tuple[str, bool, bool]]) -> list[dict]:
    """ORDER BY as documented: stable passes from the last key, strings case-insensitive."""
    for name, descending, nulls_first in reversed(spec):
        nulls = [r for r in rows if r.get(name) is None]
        values = sorted((r for r in rows if r.get(name) is not None), reverse=descending,
                        key=lambda r: r[name].casefold() if isinstance(r[name], str) else r[name])
        rows = nulls + values if nulls_first else values + nulls
    return rows


def test_order_by_with_limit_matches_a_full_sort():
    rng = random.Random(8)
    ctx = FakeContext()
    start = datetime(2024, 1, 1, tzinfo=UTC)
    minutes = rng.sample(range(100_000), 300)  # distinct: ties would have no defined order
    for n in range(300):
        _record(ctx, "Contact", sfid("003", n + 1), start + timedelta(minutes=minutes[n]),
                LastName=rng.choice(["Ab", "ab", "Cd", "ef", "EF", "Gh"]),
                Email=rng.choice([None, f"m{rng.randrange(40)}@x.com"]),
                Birthdate=rng.choice([None, date(2000, 1, 1) + timedelta(days=rng.randrange(50))]),
                HasOptedOutOfEmail=rng.random() < 0.5, IsDeleted=rng.random() < 0.1)
    live = [r for r in ctx.store("Contact").records.values() if not r["IsDeleted"]]
    specs = [[("LastName", False, True)], [("Email", True, False)], [("Email", False, False)],
             [("Birthdate", True, True), ("LastName", False, True)],
             [("HasOptedOutOfEmail", False, True), ("Email", True, True), ("LastName", True, False)],
             [("CreatedDate", True, False)], [("CreatedDate", False, True)]]
    for spec in specs:
        order = ", ".join(f"{n} {'DESC' if d else 'ASC'} NULLS {'FIRST' if f else 'LAST'}" for n, d, f in spec)
        expected = [r["Id"] for r in _reference_order(live, spec)]
        for limit, offset in [(1, 0), (7, 0), (25, 3), (400, 0), (10, 295)]:
            soql = f"SELECT Id FROM Contact ORDER BY {order} LIMIT {limit} OFFSET {offset}"
            assert [r["Id"] for r in execute(soql, ctx).records] == expected[offset:offset + limit], soql
        assert [r["Id"] for r in execute(f"SELECT Id FROM Contact ORDER BY {order}", ctx).records] == expected
