"""Which SPEC rule ids the scenarios cover (``crm-harness coverage``)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .loader import Scenario

RULE_ID = re.compile(r"\*\*([A-Z]+(?:-[A-Z]+)*-\d+)\b")
CATALOGUE = Path("docs") / "rules.md"


def repo_root() -> Path:
    """The repository holding this package (the parent of ``scenarios/``)."""
    return Path(__file__).resolve().parent.parent


def default_catalogue_path() -> Path:
    """The project's own rule catalogue, ``docs/rules.md`` at the repository root."""
    return (repo_root() / CATALOGUE).resolve()


def spec_rule_ids(text: str) -> list[str]:
    """Rule ids in the order a catalogue defines them (bold ``**SF-OAUTH-1 ...**``, as in docs/rules.md)."""
    seen: list[str] = []
    for match in RULE_ID.finditer(text):
        if match.group(1) not in seen:
            seen.append(match.group(1))
    return seen


@dataclass
class Coverage:
    rules: dict[str, list[str]]  # rule id -> scenario ids, in SPEC order
    unknown: dict[str, list[str]]  # ids named by scenarios but absent from the catalogue

    @property
    def uncovered(self) -> list[str]:
        return [rule for rule, names in self.rules.items() if not names]


def compute(rule_ids: list[str], scenarios: list[Scenario]) -> Coverage:
    rules: dict[str, list[str]] = {rule: [] for rule in rule_ids}
    unknown: dict[str, list[str]] = {}
    for scenario in scenarios:
        for rule in scenario.covers:
            (rules if rule in rules else unknown).setdefault(rule, []).append(scenario.id)
    return Coverage(rules, unknown)


def render(coverage: Coverage) -> str:
    """A table of every rule id with the scenarios covering it, then the uncovered ids."""
    width = max([len("rule")] + [len(r) for r in coverage.rules])
    lines = [f"{'rule':<{width}}  scenarios"]
    for rule, names in coverage.rules.items():
        if not names:
            lines.append(f"{rule:<{width}}  -")
            continue
        lines.append(f"{rule:<{width}}  {names[0]}")
        lines.extend(f"{'':<{width}}  {name}" for name in names[1:])
    covered = len(coverage.rules) - len(coverage.uncovered)
    lines.append("")
    lines.append(f"{covered}/{len(coverage.rules)} rule ids covered")
    lines.append("uncovered: " + (", ".join(coverage.uncovered) or "none"))
    for rule, names in sorted(coverage.unknown.items()):
        lines.append(f"not in the catalogue: {rule} (named by {', '.join(names)})")
    return "\n".join(lines)
