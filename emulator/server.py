"""``crm-harness serve``: the emulator on waitress, bound to loopback by default."""
from __future__ import annotations

import secrets
import sys
from pathlib import Path

import click

from .config import Emulator, EmulatorConfig


def build_emulator(fixture_path: str | None, demo: bool, seed: int, count: int,
                   admin_token: str | None = None) -> Emulator:
    """An emulator on the given fixture file (or the demo org), with generated data when asked.

    The fixture, generated data included, goes through ``Emulator.load_fixture``
    like every other entry point; with ``demo`` the demo org is then seeded
    (``emulator.demo.seed_demo``: custom fields, AEP pipeline, profiles, segments,
    destination) and ``POST /__emulator/reset`` returns to that state.
    """
    from fixtures.files import load_fixture_file, merge_over_demo

    fixture = merge_over_demo(load_fixture_file(fixture_path) if fixture_path else None, fixture_path or "demo")
    if demo:
        from .demo import demo_fixture
        fixture = demo_fixture(fixture, seed, count)
    emulator = Emulator(EmulatorConfig(seed=seed, fixture={}, admin_token=admin_token))
    emulator.load_fixture(fixture, fixture_path or "demo")
    if demo:
        from .demo import seed_demo
        seed_demo(emulator, seed)
    return emulator


def _is_loopback(host: str) -> bool:
    import ipaddress
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def emulator_for(data_path: Path | None, fixture_path: str | None, demo: bool, seed: int, count: int,
                 admin_token: str) -> tuple[Emulator, bool]:
    """The emulator ``serve`` runs: restored from ``data_path`` when that file exists, else built and saved there.

    A file that exists but is not a readable state file stops the start with its reason; it is never written.
    """
    from .durable import StateFileError, StateKeyError, open_data
    if data_path is not None and data_path.exists():
        emulator = Emulator(EmulatorConfig(seed=seed, fixture={}, admin_token=admin_token))
    else:
        emulator = build_emulator(fixture_path, demo, seed, count, admin_token)
    if data_path is None:
        return emulator, False
    try:
        _, restored = open_data(emulator, data_path)
    except (StateFileError, StateKeyError) as exc:
        raise click.ClickException(str(exc)) from None
    return emulator, restored


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to bind (loopback by default).")
@click.option("--port", default=8787, show_default=True, type=int, help="Port; 0 picks a free one.")
@click.option("--admin-token", envvar="CRM_HARNESS_ADMIN_TOKEN", default=None,
              help="Token for /__emulator (random when not given).")
@click.option("--fixture", "fixture_path", type=click.Path(exists=True, dir_okay=False), default=None,
              help="Fixture file (YAML/JSON) replacing the demo org.")
@click.option("--demo/--no-demo", default=False,
              help="Seed the demo org: Faker data over months, segment fields, AEP pipeline, profiles, segments.")
@click.option("--seed", default=42, show_default=True, help="Seed for ids and generated data (same seed, same org).")
@click.option("--count", default=50, show_default=True, help="Contacts (and Leads; half as many Opportunities and Cases) to generate with --demo.")
@click.option("--threads", default=8, show_default=True, help="Waitress worker threads.")
@click.option("--data", "data_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="State file (SQLite): every write is saved before it is answered and a restart restores it. "
                   "Made from the fixture/demo options when it does not exist.")
def serve(host: str, port: int, admin_token: str | None, fixture_path: str | None, demo: bool, seed: int,
          count: int, threads: int, data_path: Path | None) -> None:
    """Serve the emulator over HTTP for clients in any language."""
    import waitress

    from .app import create_app
    from .demo import DemoError, banner
    token = admin_token or secrets.token_urlsafe(24)
    if not _is_loopback(host):
        click.echo(f"WARNING: binding {host}: the emulator is reachable from other machines "
                   "(use the default 127.0.0.1 unless you mean it)", err=True)
    try:
        emulator, restored = emulator_for(data_path, fixture_path, demo, seed, count, token)
    except DemoError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        server = waitress.create_server(create_app(emulator), host=host, port=port, threads=threads,
                                        ident="crm-harness")
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror} "
                                   "(another server there? --port 0 picks a free port)") from None
    base = f"http://{host}:{server.effective_port}"
    lines = banner(emulator, base, token).split("\n")
    if data_path is not None:
        lines.insert(1, f"  state file       {data_path} ({'restored' if restored else 'new'}; saved before every answer)")
    click.echo("\n".join(lines))
    sys.stdout.flush()
    server.run()
