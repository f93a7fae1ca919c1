"""Filter rules, the value expression subset, the option format, conversions and the database file (CON-CAMP-1)."""
from __future__ import annotations

import sqlite3
from datetime import datetime, timezone

import pytest

from connector.campaign_sync import DatabaseError, FilterError, OptionFormatError, compile_filter, open_db
from connector.campaign_sync.conversions import export_value, import_value, zone
from connector.campaign_sync.db import SCHEMA_VERSION
from connector.campaign_sync.errors import ConfigurationError
from connector.campaign_sync.options import format_option, option_name, parse_option
from connector.campaign_sync.remote import RemoteObject

TYPES = {"LastActivityDate": "date", "Email": "email", "LastName": "string", "NumberOfEmployees": "int",
         "LastModifiedDate": "datetime", "HasOptedOutOfEmail": "boolean", "AnnualRevenue": "currency"}
NOW = datetime(2030, 3, 1, 9, 0, tzinfo=timezone.utc)


def soql(text: str) -> str:
    return compile_filter(text, TYPES, lambda: NOW)


def test_the_seeds_example_passes_activity_after_1_november_2012():
    assert soql("LastActivityDate > date(2012, 11, 1)") == "LastActivityDate > 2012-11-01"


@pytest.mark.parametrize("text, expected", [
    ("Email IS NOT NULL AND NumberOfEmployees >= 10", "Email != null AND NumberOfEmployees >= 10"),
    ("(Email is empty OR NumberOfEmployees < 5) AND AnnualRevenue > 1000 * 2.5",
     "(Email = null OR NumberOfEmployees < 5) AND AnnualRevenue > 2500"),
    ("LastModifiedDate >= datetime(2030, 3, 1, 9) - days(1) + hours(2)", "LastModifiedDate >= 2030-02-28T11:00:00Z"),
    ("LastModifiedDate < now() - minutes(30)", "LastModifiedDate < 2030-03-01T08:30:00Z"),
    ("LastActivityDate >= 1351728000000", "LastActivityDate >= 2012-11-01"),
    ("HasOptedOutOfEmail = 0 OR Email = null", "HasOptedOutOfEmail = false OR Email = null"),
    ("NumberOfEmployees <> -(3)", "NumberOfEmployees != -3"),
    ("", ""),
])
def test_valid_filters_compile_to_soql(text, expected):
    assert soql(text) == expected


@pytest.mark.parametrize("text, rule", [
    ("Email IS NULL AND NumberOfEmployees > 1 OR AnnualRevenue > 2", "ONE_OPERATOR_PER_LEVEL"),
    ("Email IS NULL AND (NumberOfEmployees > 1 OR AnnualRevenue > 2 AND LastName IS NULL)", "ONE_OPERATOR_PER_LEVEL"),
    ("Email IS NULL AND NOT NumberOfEmployees > 1", "NO_AND_NOT"),
    ("NOT Email IS NULL", "NO_AND_NOT"),
    ("LastName = 'Smith'", "NULL_OR_NUMBER_ONLY"),
    ("LastName > 3", "NULL_OR_NUMBER_ONLY"),
    ("NumberOfEmployees > true", "NULL_OR_NUMBER_ONLY"),
    ("NumberOfEmployees > null", "NULL_OR_NUMBER_ONLY"),
    ("Account.NumberOfEmployees > 3", "NO_JOIN"),
    ("NumberOfEmployees > AnnualRevenue", "NO_JOIN"),
    ("3 < NumberOfEmployees", "LEFT_SIDE_FIELD"),
    ("NumberOfEmployees + 1 > 3", "LEFT_SIDE_FIELD"),
    ("Bogus__c > 3", "UNKNOWN_FIELD"),
    ("NumberOfEmployees >", "SYNTAX"),
    ("LastActivityDate > date(2012, 13, 1)", "SYNTAX"),
    ("LastActivityDate > yesterday()", "SYNTAX"),
])
def test_broken_filters_name_the_rule(text, rule):
    with pytest.raises(FilterError) as caught:
        soql(text)
    assert caught.value.rule == rule
    assert rule in str(caught.value)


def test_the_seeds_invalid_example_or_beside_and_and_text_comparisons():
    with pytest.raises(FilterError, match="only one type of operator"):
        soql("LastName = 'a' AND Email IS NULL OR NumberOfEmployees > 1")
    with pytest.raises(FilterError, match="against null values or numbers"):
        soql("(LastName = 'a') AND Email IS NULL")


def test_option_format_is_24_hour_and_strict():
    assert option_name("prod", "importContacts") == "LASTIMPORT_prod_importContacts"
    assert format_option(datetime(2030, 3, 1, 17, 5, 9, tzinfo=timezone.utc)) == "2030/03/01 17:05:09"
    assert parse_option("X", "2030/03/01 17:05:09") == datetime(2030, 3, 1, 17, 5, 9, tzinfo=timezone.utc)
    for bad in ("2030-03-01 17:05:09", "2030/03/01 5:05:09 PM", "2030/03/01 24:00:00", "2030/02/30 10:00:00", ""):
        with pytest.raises(OptionFormatError, match="yyyy/MM/dd HH:mm:ss"):
            parse_option("LASTIMPORT_x_y", bad)


def test_conversions_default_date_only_without_offset_copy_paste():
    paris = zone("Europe/Paris")
    raw = "2030-03-01T23:30:00.000+0000"
    assert import_value(raw, "datetime", "default", paris) == "2030-03-02T00:30:00+01:00"
    assert import_value(raw, "datetime", "date_only", paris) == "2030-03-02"
    assert import_value(raw, "datetime", "without_offset", paris) == "2030-03-01 23:30:00"
    assert import_value(raw, "datetime", "copy_paste", paris) == raw
    assert import_value(12, "int", "copy_paste", paris) == "12" and import_value(12, "int", "default", paris) == 12
    assert export_value("2030-03-02 00:30:00", "datetime", "default", paris) == "2030-03-01T23:30:00.000+0000"
    assert export_value("2030-03-02 00:30:00", "datetime", "without_offset", paris) == "2030-03-02T00:30:00.000+0000"
    assert export_value("2030-03-02T00:30:00+01:00", "datetime", "date_only", paris) == "2030-03-01T23:00:00.000+0000"
    assert export_value("whatever", "datetime", "copy_paste", paris) == "whatever"
    with pytest.raises(ConfigurationError, match="unknown time zone"):
        zone("Mars/Olympus")


def test_delta_field_falls_back_to_systemmodstamp_and_can_be_overridden():
    def described(*names):
        return RemoteObject.from_describe({"name": "Thing__c", "fields": [
            {"name": n, "type": "datetime" if n != "Name" else "string"} for n in names]})
    assert described("Id", "LastModifiedDate", "SystemModstamp").delta_field() == "LastModifiedDate"
    assert described("Id", "SystemModstamp").delta_field() == "SystemModstamp"
    assert described("Id", "LastModifiedDate", "SystemModstamp").delta_field("systemmodstamp") == "SystemModstamp"
    with pytest.raises(ConfigurationError, match="neither LastModifiedDate nor SystemModstamp"):
        described("Id", "Name").delta_field()
    with pytest.raises(ConfigurationError, match="not a dateTime"):
        described("Id", "Name").delta_field("Name")


def test_database_is_created_with_its_schema_version(tmp_path):
    conn = open_db(tmp_path / "new.db")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
    assert {"recipients", "options", "rejects", "process_errors", "export_runs", "export_batches",
            "export_journal", "crm_deleted"} <= tables
    kinds = dict(conn.execute("SELECT name, type FROM sqlite_master WHERE name IN ('export_journal', 'export_rows')"))
    assert kinds == {"export_journal": "view", "export_rows": "table"}  # schema 3: rows, and their state as a view
    conn.close()
    open_db(tmp_path / "new.db").close()  # reopening an up-to-date file is fine


def test_migrations_upgrade_an_older_file_keeping_its_rows(tmp_path):
    from connector.campaign_sync import db as dbmod
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript(dbmod.MIGRATIONS[0])
    conn.execute(f"PRAGMA application_id = {dbmod.APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO options VALUES ('LASTIMPORT_a_b', '2030/01/01 00:00:00')")
    conn.close()
    upgraded = open_db(path)
    assert upgraded.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert upgraded.execute("SELECT value FROM options").fetchone()[0] == "2030/01/01 00:00:00"
    assert upgraded.execute("SELECT count(*) FROM export_journal").fetchone()[0] == 0


@pytest.mark.parametrize("content", [b"this is not a database at all", b"SQLite format 3\x00" + b"\xff" * 300])
def test_a_corrupt_file_is_a_clear_error_and_is_left_untouched(tmp_path, content):
    path = tmp_path / "broken.db"
    path.write_bytes(content)
    with pytest.raises(DatabaseError, match="left untouched|corrupt"):
        open_db(path)
    assert path.read_bytes() == content


def test_a_foreign_or_newer_database_is_refused_untouched(tmp_path):
    foreign = tmp_path / "foreign.db"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    conn.commit()
    conn.close()
    before = foreign.read_bytes()
    with pytest.raises(DatabaseError, match="another application"):
        open_db(foreign)
    assert foreign.read_bytes() == before
    newer = tmp_path / "newer.db"
    open_db(newer).execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(DatabaseError, match="newer"):
        open_db(newer)


def test_the_activity_never_imports_the_emulator():
    import ast
    from pathlib import Path
    package = Path(__file__).resolve().parents[3] / "connector" / "campaign_sync"
    for source in package.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(n.split(".")[0] == "emulator" for n in names), f"{source.name} imports the emulator"
