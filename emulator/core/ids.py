"""Salesforce-style ids and the seeded random source for tokens.

A Salesforce id is 15 case-sensitive base-62 characters (3-character key
prefix first); APIs return the 18-character form whose 3-character suffix
encodes the case of the first 15 (SPEC SF-REST-3).
"""
from __future__ import annotations

import functools
import random
import re
import string
import threading

BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ID_RE = re.compile(r"^[0-9A-Za-z]{15}(?:[0-9A-Za-z]{3})?$")


_CASE_BITS = str.maketrans(string.ascii_uppercase + string.ascii_lowercase + string.digits, "1" * 26 + "0" * 36)
_PAIRS = [high + low for high in BASE62 for low in BASE62]


def checksum_suffix(id15: str) -> str:
    """The 3 characters that make a 15-character id case-insensitive.

    Bit j of each 5-character chunk is set when its j-th character is an
    upper-case letter.
    """
    bits = id15.translate(_CASE_BITS)
    try:
        return (_SUFFIX_ALPHABET[int(bits[4::-1], 2)] + _SUFFIX_ALPHABET[int(bits[9:4:-1], 2)]
                + _SUFFIX_ALPHABET[int(bits[14:9:-1], 2)])
    except ValueError:  # not 15 base-62 characters: the slow, general reading
        suffix = []
        for start in (0, 5, 10):
            chunk_bits = 0
            for j, char in enumerate(id15[start:start + 5]):
                if "A" <= char <= "Z":
                    chunk_bits |= 1 << j
            suffix.append(_SUFFIX_ALPHABET[chunk_bits])
        return "".join(suffix)


def to_18(record_id: str) -> str:
    return record_id if len(record_id) == 18 else record_id + checksum_suffix(record_id)


def normalize_id(value: str) -> str | None:
    """Return the canonical 18-character id, or None when malformed."""
    if not isinstance(value, str) or len(value) not in (15, 18):
        return None
    return _normalize_text_id(value)


@functools.lru_cache(maxsize=65536)
def _normalize_text_id(value: str) -> str | None:
    """Cached: clients read the same ids again and again."""
    if not _ID_RE.match(value):
        return None
    suffix = checksum_suffix(value[:15])
    if len(value) == 18 and suffix != value[15:].upper():
        return None
    return value[:15] + suffix


def encode62(number: int, width: int) -> str:
    """``number`` in ``width`` base-62 digits (two at a time)."""
    digits = []
    while width >= 2:
        number, rem = divmod(number, 3844)
        digits.append(_PAIRS[rem])
        width -= 2
    if width:
        digits.append(BASE62[number % 62])
    return "".join(reversed(digits))


_TAIL_SPAN = 62 ** 5  # the last 5 characters of an id: its third checksum chunk


@functools.lru_cache(maxsize=256)
def _id_head(start: str, high: int) -> tuple[str, str]:
    """The first 10 characters of an id and their 2 checksum characters.

    Sequential ids share them for 62**5 ids in a row, so they are computed once.
    """
    head = start + encode62(high, 10 - len(start))
    return head, checksum_suffix(head + "00000")[:2]


DRAWS = "~draws"  # the key of the token-draw count in :meth:`IdSource.state` (id prefixes have 3 characters)


class IdSource:
    """Deterministic id and token source; the same seed gives the same ids.

    :meth:`state` holds the id counters and how many tokens were drawn; :meth:`restore`
    continues the counters and, with a seed, reseeds the token source from the seed and that
    count, so tokens and uuids drawn after restoring a state (a reset to a baseline, a
    snapshot) never replay the ones the state already holds, and the same state always
    continues the same way.
    """

    def __init__(self, seed: int | None = None, pod: str = "Hs") -> None:
        self._lock = threading.Lock()
        self._seed = seed
        self._pod = pod
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._counters: dict[str, int] = {}
            self._draws = 0
            self._random = random.Random(self._seed) if self._seed is not None else random.SystemRandom()

    def new_id(self, prefix: str) -> str:
        """An 18-character id with the given 3-character key prefix."""
        with self._lock:
            count = self._counters.get(prefix, 0) + 1
            self._counters[prefix] = count
        high, low = divmod(count, _TAIL_SPAN)
        head, head_suffix = _id_head(prefix + self._pod + "0", high)
        tail = encode62(low, 5)
        return head + tail + head_suffix + _SUFFIX_ALPHABET[int(tail.translate(_CASE_BITS)[::-1], 2)]

    def token(self, length: int = 32, alphabet: str = BASE62) -> str:
        with self._lock:
            self._draws += 1
            return "".join(self._random.choice(alphabet) for _ in range(length))

    def hex(self, length: int) -> str:
        return self.token(length, "0123456789abcdef")

    def state(self) -> dict:
        with self._lock:
            return {**self._counters, DRAWS: self._draws}

    def restore(self, counters: dict) -> None:
        with self._lock:
            saved = dict(counters)
            self._draws = int(saved.pop(DRAWS, 0))
            self._counters = saved
            if self._seed is not None:
                self._random = random.Random(f"{self._seed}/{self._draws}")

    def dump(self) -> dict:
        """Counters and the seeded random generator's position: what a restart must carry on from."""
        with self._lock:
            seeded = type(self._random) is random.Random
            return {"counters": dict(self._counters), "draws": self._draws,
                    "random": self._random.getstate() if seeded else None}

    def load(self, saved: dict) -> None:
        """Carry on from :meth:`dump` (so a restarted server never hands out a token twice)."""
        with self._lock:
            self._counters = dict(saved["counters"])
            self._draws = saved["draws"]
            if saved["random"] is not None:
                self._random = random.Random()
                self._random.setstate(saved["random"])
