"""The ``crm-harness`` command group; each package contributes its own commands."""
from __future__ import annotations

import click

from connector.campaign_sync.cli import campaign
from emulator.server import serve
from emulator.snapshot_cli import snapshot
from scenarios.cli import coverage, run


@click.group()
def main() -> None:
    """Offline harness for CRM integrations: Salesforce and AEP emulator, connector, scenarios."""


main.add_command(serve)
main.add_command(run)
main.add_command(coverage)
main.add_command(campaign)
main.add_command(snapshot)

if __name__ == "__main__":
    main()
