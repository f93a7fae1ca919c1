"""Flow Service list query parameters: property filters, orderby, limit, count, continuation."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest

from emulator.aep.flowservice.listing import ListQueryError, decode_token, encode_token, list_resources, matches

BASE = "/data/foundation/flowservice/flows"

FLOW = {
    "id": "f1",
    "name": "CRMToAEP",
    "state": "enabled",
    "version": 3,
    "ratio": 0.5,
    "createdAt": 1700000000000,
    "description": None,
    "inheritedAttributes": {"properties": {"isDestinationFlow": False}},
    "connectionSpec": {"id": "spec-1"},
    "sourceConnectionIds": ["s1", "s2"],
    "transformations": [{"name": "Mapping", "params": {"mappingId": "m1"}}, {"name": "Other"}],
    "labels": ["a,b"],
}


def ids(result: dict) -> list[str]:
    return [item["id"] for item in result["items"]]


def rejected(code: str, resources: list[dict], params: list[tuple[str, str]], **kw) -> ListQueryError:
    with pytest.raises(ListQueryError) as info:
        list_resources(resources, params, BASE, **kw)
    assert info.value.code == code
    return info.value


# --- property filters ---------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["name==CRMToAEP", "name!=Other", "name~RMTo", "state==enabled",
                                  "connectionSpec.id==spec-1", "version>2", "version>=3", "version<4",
                                  "version<=3", "version==3", "version==3.0", "ratio<1", "createdAt>=1700000000000"])
def test_comparison_accepts(text):
    assert matches(FLOW, text)


@pytest.mark.parametrize("text", ["name==crmtoaep", "name!=CRMToAEP", "name~rmto", "name~XYZ", "version>3",
                                  "version>=4", "version<3", "version<=2", "version!=3", "ratio>1",
                                  "connectionSpec.id==spec-2", "missing==x", "missing!=x"])
def test_comparison_rejects(text):
    assert not matches(FLOW, text)


def test_number_against_non_numeric_value_compares_as_string():
    assert matches(FLOW, "version==3") and not matches(FLOW, "version==three")
    assert matches({"code": "10"}, "code==10") and not matches({"code": "10"}, "code==10.0")


def test_bool_compares_lower_cased():
    assert matches(FLOW, "inheritedAttributes.properties.isDestinationFlow==false")
    assert matches(FLOW, "inheritedAttributes.properties.isDestinationFlow==FALSE")
    assert not matches(FLOW, "inheritedAttributes.properties.isDestinationFlow==true")
    assert matches(FLOW, "inheritedAttributes.properties.isDestinationFlow!=true")


def test_or_with_values_after_comma():
    assert matches(FLOW, "id==a,f1")
    assert matches(FLOW, "id==f1,b")
    assert not matches(FLOW, "id==a,b")


def test_or_with_full_alternatives():
    assert matches(FLOW, "name==x,name==CRMToAEP")
    assert matches(FLOW, "name==x,version>2")
    assert not matches(FLOW, "name==x,version>3")


def test_value_after_comma_keeps_previous_operator():
    assert matches(FLOW, "version>10,2")  # version>10 OR version>2
    assert not matches(FLOW, "version>10,3")


def test_and_with_repeated_property():
    flows = [{"id": "1", "state": "enabled", "name": "a"}, {"id": "2", "state": "enabled", "name": "b"},
             {"id": "3", "state": "disabled", "name": "a"}]
    assert ids(list_resources(flows, [("property", "state==enabled"), ("property", "name==a")], BASE)) == ["1"]
    assert ids(list_resources(flows, [("property", "state==enabled"), ("property", "name==a,b")], BASE)) == ["1", "2"]
    assert ids(list_resources(flows, [("property", "state==enabled"), ("property", "name==c")], BASE)) == []


def test_quoted_values():
    assert matches(FLOW, 'name=="CRMToAEP"')
    assert not matches(FLOW, 'name=="CRMToAEP "')
    assert matches(FLOW, 'labels[]=="a,b"')
    assert not matches(FLOW, "labels[]==a,b")  # unquoted: "a" OR "b"
    assert matches(FLOW, 'id=="x,y","f1"')
    assert matches({"name": "a==b"}, "name==a==b")


def test_array_paths():
    assert matches(FLOW, "sourceConnectionIds[]==s2")
    assert matches(FLOW, "sourceConnectionIds[]==x,s1")
    assert not matches(FLOW, "sourceConnectionIds[]==s3")
    assert matches(FLOW, "transformations[].name==Mapping")
    assert matches(FLOW, "transformations[].params.mappingId==m1")
    assert not matches(FLOW, "transformations[].name==Missing")
    assert not matches(FLOW, "sourceConnectionIds==s1")  # no [] : the list itself is not a scalar
    assert not matches({"sourceConnectionIds": "s1"}, "sourceConnectionIds[]==s1")  # [] on a non-array


def test_existence_and_absence():
    assert matches(FLOW, "name")
    assert matches(FLOW, "inheritedAttributes.properties.isDestinationFlow")  # False exists
    assert not matches(FLOW, "description")  # None does not exist
    assert not matches(FLOW, "nothing")
    assert matches(FLOW, "!description") and matches(FLOW, "!nothing")
    assert not matches(FLOW, "!name")
    assert matches(FLOW, "transformations[].params") and not matches(FLOW, "!transformations[].params")
    assert matches(FLOW, "nothing,name")  # existence alternatives ORed


def test_case_insensitive_paths():
    fold = frozenset({"state"})
    assert matches(FLOW, "state==ENABLED", fold) and not matches(FLOW, "state==ENABLED")
    assert matches(FLOW, "state~NAB", fold) and not matches(FLOW, "state~NAB")
    assert not matches(FLOW, "state!=Enabled", fold) and matches(FLOW, "state!=Enabled")
    assert not matches(FLOW, "name==crmtoaep", fold)  # other paths stay case-sensitive
    runs = [{"id": "r1", "state": "Success"}, {"id": "r2", "state": "failed"}]
    params = [("property", "state==success")]
    assert ids(list_resources(runs, params, BASE, case_insensitive_paths=fold)) == ["r1"]
    assert ids(list_resources(runs, params, BASE)) == []


@pytest.mark.parametrize("text", ["", "name=x", "name==", "name=>x", 'name==abc"d"', ",name", "name==x,",
                                  "a..b==x", "bad path==x", "!", '"orphan"', "name[]]==x"])
def test_malformed_filter_raises(text):
    with pytest.raises(ListQueryError):
        matches(FLOW, text)
    rejected("1450", [FLOW], [("property", text)])


# --- orderby ------------------------------------------------------------------------------------

ITEMS = [{"id": "b", "name": "beta", "meta": {"rank": 2}}, {"id": "x"},
         {"id": "a", "name": "alpha", "meta": {"rank": 3}}, {"id": "c", "name": "gamma", "meta": {"rank": 1}},
         {"id": "n", "name": None}]


def test_default_order_is_as_given():
    assert ids(list_resources(ITEMS, [], BASE)) == ["b", "x", "a", "c", "n"]


@pytest.mark.parametrize("value", ["name", "+name"])
def test_orderby_ascending_missing_last(value):
    assert ids(list_resources(ITEMS, [("orderby", value)], BASE)) == ["a", "b", "c", "x", "n"]


def test_orderby_descending_missing_last():
    assert ids(list_resources(ITEMS, [("orderby", "-name")], BASE)) == ["c", "b", "a", "x", "n"]


def test_orderby_dotted_path_numeric():
    items = ITEMS + [{"id": "t", "meta": {"rank": 10}}]
    assert ids(list_resources(items, [("orderby", "meta.rank")], BASE)) == ["c", "b", "a", "t", "x", "n"]
    assert ids(list_resources(items, [("orderby", "-meta.rank")], BASE)) == ["t", "a", "b", "c", "x", "n"]


def test_orderby_unknown_field_keeps_order():
    assert ids(list_resources(ITEMS, [("orderby", "nosuchfield")], BASE)) == ["b", "x", "a", "c", "n"]


@pytest.mark.parametrize("value", ["", "++name", "--name", "+-name", "name,id", "name desc", ".name", "name.",
                                   "a[].b", "-"])
def test_orderby_malformed(value):
    rejected("1432", ITEMS, [("orderby", value)])


def test_orderby_given_twice():
    rejected("1432", ITEMS, [("orderby", "name"), ("orderby", "id")])


def test_malformed_orderby_rejected_with_count():
    rejected("1432", ITEMS, [("count", "true"), ("orderby", "++name")])


# --- limit and count ----------------------------------------------------------------------------

MANY = [{"id": f"r{i:03d}"} for i in range(120)]


def test_limit_default_50():
    result = list_resources(MANY, [], BASE)
    assert ids(result) == [f"r{i:03d}" for i in range(50)]
    assert "next" in result["_links"]


def test_limit_custom():
    assert ids(list_resources(MANY, [("limit", "3")], BASE)) == ["r000", "r001", "r002"]
    assert len(list_resources(MANY, [("limit", "500")], BASE)["items"]) == 120


@pytest.mark.parametrize("value", ["0", "-1", "abc", "", "1.5", " 2", "+2"])
def test_bad_limit(value):
    rejected("1448", MANY, [("limit", value)])


@pytest.mark.parametrize("value", ["true", "TRUE", "True"])
def test_count_true(value):
    params = [("property", "id~r00"), ("count", value)]
    assert list_resources(MANY, params, BASE) == {"count": 10}
    assert list_resources(MANY, [("count", value)], BASE) == {"count": 120}  # ignores the default limit


@pytest.mark.parametrize("value", ["false", "FALSE", "False"])
def test_count_false_lists(value):
    result = list_resources(MANY, [("count", value), ("limit", "2")], BASE)
    assert ids(result) == ["r000", "r001"]


def test_count_with_limit_rejected():
    rejected("1401", MANY, [("count", "true"), ("limit", "5")])


def test_count_neither_true_nor_false_rejected():
    rejected("1401", MANY, [("count", "yes")])


# --- continuation -------------------------------------------------------------------------------

def test_walk_all_pages():
    items = [{"id": str(i), "name": f"n{i}"} for i in range(5)]
    params = [("property", "name~n"), ("limit", "2"), ("orderby", "-name")]
    seen, pages = [], 0
    while True:
        result = list_resources(items, params, BASE)
        pages += 1
        seen += ids(result)
        if "next" not in result["_links"]:
            assert result["_links"] == {}
            break
        href = result["_links"]["next"]["href"]
        parts = urlsplit(href)
        assert parts.path == BASE
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        assert [n for n, _ in pairs] == ["continuationToken"]  # the token carries filters, order and limit
        token = pairs[-1][1]
        assert "=" not in token and "&" not in token
        assert href.endswith("continuationToken=" + token)
        params = pairs
    assert pages == 3
    assert seen == ["4", "3", "2", "1", "0"]


def test_last_page_exactly_full_has_no_next():
    items = [{"id": str(i)} for i in range(4)]
    first = list_resources(items, [("limit", "2")], BASE)
    assert first["_links"]["next"]["href"].startswith(BASE + "?continuationToken=")
    token = first["_links"]["next"]["href"].split("=")[1]  # as aepp reads it
    second = list_resources(items, [("limit", "2"), ("continuationToken", token)], BASE)
    assert list_resources(items, [("continuationToken", token)], BASE) == second
    assert ids(second) == ["2", "3"] and second["_links"] == {}


def test_next_href_without_other_params():
    items = [{"id": str(i)} for i in range(60)]
    href = list_resources(items, [], BASE)["_links"]["next"]["href"]
    assert href == f"{BASE}?continuationToken={encode_token(50)}"


def test_links_always_present():
    assert list_resources([], [], BASE) == {"items": [], "_links": {}}


def test_token_round_trip_and_shape():
    for offset in (0, 1, 2, 49, 12345):
        token = encode_token(offset)
        assert decode_token(token) == offset
        assert "=" not in token and "&" not in token


@pytest.mark.parametrize("token", ["", "garbage!", "abc", encode_token(1) + "=", "eyJmb28iOjF9",
                                   "bm90IGpzb24", "eyJvZmZzZXQiOi0xfQ", "eyJvZmZzZXQiOiJ4In0"])
def test_bad_token(token):
    rejected("1449", MANY, [("continuationToken", token)])


# --- parameter names ----------------------------------------------------------------------------

def test_unknown_parameter():
    error = rejected("1451", MANY, [("limit", "2"), ("sort", "name")])
    assert "sort" in error.message


def test_allowed_params_are_configurable():
    assert ids(list_resources(MANY, [("limit", "1"), ("start", "0"), ("fields", "id")], BASE)) == ["r000"]
    assert ids(list_resources(MANY, [("limit", "1"), ("x", "1")], BASE,
                              allowed_params=frozenset({"limit", "x"}))) == ["r000"]
    rejected("1451", MANY, [("count", "true")], allowed_params=frozenset({"limit"}))


@pytest.mark.parametrize(("name", "value", "code"), [("limit", "2", "1448"), ("count", "false", "1401"),
                                                     ("continuationToken", encode_token(1), "1449")])
def test_single_valued_parameter_given_twice(name, value, code):
    assert list_resources(MANY, [(name, value)], BASE)  # accepted once
    rejected(code, MANY, [(name, value), (name, value)])
