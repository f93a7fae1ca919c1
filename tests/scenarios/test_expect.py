"""JSON paths, check operators and {variables} of the scenario engine (SCN-1)."""
from __future__ import annotations

import pytest

from scenarios.expect import check_value, same
from scenarios.jsonpath import MISSING, PathError, evaluate
from scenarios.variables import UnknownVariable, references, substitute

DOC = {"records": [{"Name": "Acme", "Id": "001"}, {"Name": "Globex"}], "totalSize": 2,
       "odd key": {"a-b": True}}


@pytest.mark.parametrize("path, expected", [
    ("$", DOC),
    ("$.totalSize", 2),
    ("$.records[0].Name", "Acme"),
    ("$.records[-1].Name", "Globex"),
    ("$.records[*].Name", ["Acme", "Globex"]),
    ("$.records[*].Id", ["001"]),
    ("$['odd key'].a-b", True),
    ('$["odd key"]["a-b"]', True),
    ("$.records[5].Name", MISSING),
    ("$.nope.deeper", MISSING),
])
def test_paths(path, expected):
    assert evaluate(path, DOC) == expected


@pytest.mark.parametrize("bad", ["records", "$.records[", "$..x", "$.a[x]"])
def test_bad_paths_raise(bad):
    with pytest.raises(PathError):
        evaluate(bad, DOC)


@pytest.mark.parametrize("value, spec", [
    ("abc", "abc"),
    (1, 1.0),
    ([1, 2], {"length": 2}),
    ([1, 2], {"length": {"gte": 1, "lt": 3}}),
    ("hello world", {"contains": "lo w"}),
    ([{"a": 1, "b": 2}], {"contains": {"a": 1}}),
    ({"a": 1, "b": {"c": 2}}, {"contains": {"b": {"c": 2}}}),
    ("x1y", {"regex": r"\d"}),
    (MISSING, {"exists": False}),
    (None, {"exists": True, "type": "null"}),
    (3, {"type": "integer", "one_of": [1, 3], "gt": 2, "lte": 3}),
    ("a", {"not_equals": "b", "not_contains": "z"}),
])
def test_checks_that_pass(value, spec):
    assert check_value("v", value, spec) == []


@pytest.mark.parametrize("value, spec, message", [
    (True, 1, "equals"),
    (1, True, "equals"),
    ("abc", "abd", "equals"),
    ([1], {"length": 2}, "equals"),
    ("x", {"regex": r"^\d$"}, "regex"),
    (MISSING, {"equals": 1}, "path not found"),
    ("x", {"exists": False}, "does not exist"),
    ([{"a": 2}], {"contains": {"a": 1}}, "contains"),
    (5, {"type": "string"}, "type"),
    ("5", {"gt": 1}, "gt"),
])
def test_checks_that_fail(value, spec, message):
    failures = check_value("v", value, spec)
    assert failures and failures[0].message == message


def test_json_equality_keeps_bool_and_number_apart():
    assert same({"a": [1, 2.0]}, {"a": [1.0, 2]})
    assert not same({"a": True}, {"a": 1})


def test_substitution_keeps_types_and_formats_inside_strings():
    scope = {"n": 5, "id": "003x", "flags": [1]}
    assert substitute("{n}", scope) == 5
    assert substitute({"q": "WHERE Id = '{id}'", "l": ["{flags}"]}, scope) == {"q": "WHERE Id = '003x'",
                                                                            "l": [[1]]}
    assert substitute(r"^\d{3}{{x}}$", scope) == r"^\d{3}{x}$"
    with pytest.raises(UnknownVariable, match=r"unknown variable \{nope\}"):
        substitute("a {nope}", scope)
    assert list(references({"a": ["{x} {y}"]}, ("steps", 0))) == [("x", ("steps", 0, "a", 0)),
                                                                  ("y", ("steps", 0, "a", 0))]
