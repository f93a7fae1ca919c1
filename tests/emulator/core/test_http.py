"""JSON on the wire: orjson for speed, the standard library's behaviour at the edges."""
from __future__ import annotations

import json
import math

import pytest

from emulator.core.http import dumps_json, json_bytes, loads_json


def test_encoding_is_compact_utf8():
    assert json_bytes({"a": [1, 2.5, None, True], "é": "ü"}) == '{"a":[1,2.5,null,true],"é":"ü"}'.encode()
    assert dumps_json({"k": "v"}) == '{"k":"v"}'


def test_values_orjson_refuses_fall_back_to_the_standard_encoder():
    big = 2 ** 70
    assert json.loads(json_bytes({"n": big})) == {"n": big}
    assert json.loads(json_bytes({1: "int key"})) == {"1": "int key"}


@pytest.mark.parametrize("raw", [b'{"n": 123456789012345678901234567890}', b'{"x": NaN}', b'"\\ud800"',
                                 '{"s": "text"}', b'{"a": 1, "a": 2}'])
def test_decoding_accepts_what_json_loads_accepts(raw):
    expected, got = json.loads(raw), loads_json(raw)
    if isinstance(expected, dict) and isinstance(expected.get("x"), float):
        assert math.isnan(got["x"])
    else:
        assert got == expected


def test_decoding_errors_are_json_loads_errors_with_positions():
    with pytest.raises(json.JSONDecodeError) as caught:
        loads_json(b'{"a":\n  }')
    assert (caught.value.lineno, caught.value.colno) == (2, 3)


@pytest.mark.parametrize("number", [2 ** 63 - 1, -(2 ** 63), 2 ** 64, -(2 ** 64) - 1, 10 ** 30])
def test_integers_of_any_size_stay_exact(number):
    assert loads_json(f'{{"n": {number}}}'.encode()) == {"n": number}
    assert loads_json(f'[{number}]') == [number]
