"""``crm-harness snapshot save|load FILE``: a running server's whole state as one shareable file."""
from __future__ import annotations

from pathlib import Path

import click
import requests

PASSPHRASE_ENV = "CRM_HARNESS_SNAPSHOT_PASSPHRASE"


def _call(method: str, url: str, admin_token: str | None, passphrase: str, data: bytes | None = None
          ) -> requests.Response:
    headers = {"X-Snapshot-Passphrase": passphrase}
    if admin_token:
        headers["X-Admin-Token"] = admin_token
    try:
        answer = requests.request(method, f"{url.rstrip('/')}/__emulator/snapshot/file", headers=headers,
                                  data=data, timeout=300)
    except requests.ConnectionError:
        raise click.ClickException(f"no emulator answers at {url} (start one with `crm-harness serve`)") from None
    if answer.status_code != 200:
        try:
            reason = answer.json().get("error", answer.text)
        except ValueError:
            reason = answer.text
        raise click.ClickException(f"{answer.status_code}: {reason}")
    return answer


_url = click.option("--url", default="http://127.0.0.1:8787", show_default=True, help="The running emulator.")
_token = click.option("--admin-token", envvar="CRM_HARNESS_ADMIN_TOKEN", default=None,
                      help="The server's admin token (printed by serve).")
_passphrase = click.option("--passphrase", envvar=PASSPHRASE_ENV, prompt=True, hide_input=True,
                           help=f"Encrypts the file's secrets (or {PASSPHRASE_ENV}).")


@click.group()
def snapshot() -> None:
    """Save a running emulator's whole state to one file, or load one into it."""


@snapshot.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@_url
@_token
@_passphrase
def save(file: Path, url: str, admin_token: str | None, passphrase: str) -> None:
    """Write the server's state (records, org, tokens, flows, runs, clock…) to FILE."""
    answer = _call("GET", url, admin_token, passphrase)
    try:
        file.write_bytes(answer.content)
    except OSError as exc:
        raise click.ClickException(f"cannot write {file}: {exc.strerror}") from None
    click.echo(f"saved {len(answer.content)} bytes to {file}")


@snapshot.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_url
@_token
@_passphrase
def load(file: Path, url: str, admin_token: str | None, passphrase: str) -> None:
    """Replace the server's state with FILE's (a file made by `snapshot save`)."""
    _call("PUT", url, admin_token, passphrase, file.read_bytes())
    click.echo(f"loaded {file} into {url}")
