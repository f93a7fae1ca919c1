"""``crm-harness run`` and ``crm-harness coverage``."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from . import coverage as coverage_mod
from .report import progress_line, text_report, write_json, write_junit
from .runner import collect, run_all, select
from .select import ExpressionError
from .targets import InProcessTarget, ServerTarget, TargetError


def library_path() -> Path:
    """The bundled scenario library (``scenarios/library``), kept apart from the runner's code."""
    return Path(__file__).resolve().parent / "library"


def _paths(paths: tuple[str, ...]) -> list[Path]:
    return [Path(p) for p in paths] or [library_path()]


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("-k", "keyword", default=None, help="Only scenarios whose file::name, tags or covers match "
              "(substrings with and/or/not).")
@click.option("--tag", "tags", multiple=True, help="Only scenarios with this tag (repeatable).")
@click.option("--junit", "junit_path", type=click.Path(dir_okay=False), default=None, help="Write JUnit XML here.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None, help="Write a JSON report here.")
@click.option("--server", default=None, help="Base URL of a running `crm-harness serve` (default: in-process).")
@click.option("--admin-token", envvar="CRM_HARNESS_ADMIN_TOKEN", default=None,
              help="X-Admin-Token of that server.")
@click.option("-q", "--quiet", is_flag=True, help="No progress lines, only failures and the summary.")
def run(paths: tuple[str, ...], keyword: str | None, tags: tuple[str, ...], junit_path: str | None,
        json_path: str | None, server: str | None, admin_token: str | None, quiet: bool) -> None:
    """Run scenario files (default: the bundled library) and exit non-zero on any failure."""
    scenarios, load_errors = collect(_paths(paths), Path.cwd())
    try:
        chosen = select(scenarios, keyword, tags)
    except ExpressionError as exc:
        raise click.UsageError(str(exc)) from None
    if not chosen and not load_errors:
        click.echo("no scenarios matched", err=True)
        sys.exit(1)
    target = ServerTarget(server, admin_token) if server else InProcessTarget()
    click.echo(f"running {len(chosen)} scenarios ({target.mode}"
               + (f" {server}" if server else "") + ")")

    def show(result) -> None:
        if not quiet:
            click.echo(progress_line(result))

    try:
        result = run_all(chosen, target, show)
    except TargetError as exc:
        raise click.ClickException(str(exc)) from None
    result.load_errors = load_errors
    click.echo(text_report(result))
    if junit_path:
        write_junit(result, junit_path)
    if json_path:
        write_json(result, json_path)
    sys.exit(0 if result.ok else 1)


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--rules", "--spec", "spec_path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Rule catalogue to read ids from (default: the project's docs/rules.md).")
@click.option("--strict", is_flag=True, help="Exit 1 when a rule id is uncovered.")
def coverage(paths: tuple[str, ...], spec_path: str | None, strict: bool) -> None:
    """List every rule id of the catalogue with the scenarios covering it, and the uncovered ones."""
    spec = Path(spec_path) if spec_path else coverage_mod.default_catalogue_path()
    if not spec.is_file():
        raise click.UsageError(f"no rule catalogue at {spec}; pass --rules")
    scenarios, load_errors = collect(_paths(paths), Path.cwd())
    for error in load_errors:
        click.echo(f"not loaded: {error}", err=True)
    result = coverage_mod.compute(coverage_mod.spec_rule_ids(spec.read_text(encoding="utf-8")), scenarios)
    click.echo(coverage_mod.render(result))
    sys.exit(1 if (strict and result.uncovered) or load_errors else 0)
