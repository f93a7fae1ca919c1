"""The generated tables of ``scenarios/README.md``: step kinds, connector methods, time formats.

``python -m scenarios.readme`` rewrites the text between ``<!-- generated:NAME -->`` and
``<!-- /generated:NAME -->``; a test checks the file is current.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Callable

README = Path(__file__).with_name("README.md")


def step_table() -> str:
    from .registry import kinds
    rows = ["| action | value | result |", "| --- | --- | --- |"]
    rows += [f"| `{kind.name}` | {kind.doc[0]} | {kind.doc[1]} |" for kind in kinds().values()]
    return "\n".join(rows)


def connector_table() -> str:
    from .connector_step import method_table
    return method_table()


def time_table() -> str:
    from .variables import TIME_FORMATS
    rows = ["| format | gives |", "| --- | --- |"]
    rows += [f"| `:{name}` | {doc} |" for name, (_, doc) in TIME_FORMATS.items()]
    return "\n".join(rows)


SECTIONS: dict[str, Callable[[], str]] = {"steps": step_table, "connector": connector_table, "time": time_table}


def render(text: str) -> str:
    """``text`` with every generated section replaced by its current table."""
    for name, make in SECTIONS.items():
        pattern = re.compile(rf"(<!-- generated:{name} -->\n).*?(<!-- /generated:{name} -->)", re.S)
        if not pattern.search(text):
            raise ValueError(f"{README.name} has no <!-- generated:{name} --> section")
        text = pattern.sub(lambda m: m.group(1) + make() + "\n" + m.group(2), text)
    return text


def main() -> int:
    README.write_text(render(README.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote {README}")
    return 0


if __name__ == "__main__":
    from scenarios import readme as _readme
    sys.exit(_readme.main())
