"""`crm-harness campaign import|export|deleted|delete --db FILE …`: run the activity by hand.

Each verb logs in to Salesforce (password grant by default, or client credentials), runs
one operation on the local SQLite database and prints its outcome as JSON. Exit codes:
0 done (rejects are listed, with a warning per rejected column on stderr), 2 bad settings
or database (nothing written), 3 a process error (rows kept for the next run).
Against an emulator whose clock was moved, pass its time with ``--now``.
"""
from __future__ import annotations

import functools
import json
import sys
from datetime import datetime, timezone
from typing import Any, Callable

import click

from connector.salesforce import RetryPolicy, SalesforceClient, SalesforceError

from .db import open_db
from .dates import parse_user_date
from .delete import DeleteSpec, run_delete
from .deleted import DeletedSpec, run_deleted_import
from .errors import CampaignSyncError, ProcessError
from .exporter import ExportSpec, run_export
from .importer import ImportSpec, run_import
from .outcome import Outcome


def _login(opts: dict[str, Any]) -> SalesforceClient:
    retry = RetryPolicy(max_attempts=opts["retries"], base_delay=opts["retry_delay"])
    if opts["grant"] == "client_credentials":
        return SalesforceClient.login_client_credentials(opts["login_url"], opts["client_id"], opts["client_secret"],
                                                         retry=retry)
    return SalesforceClient.login_password(opts["login_url"], opts["client_id"], opts["client_secret"],
                                           opts["username"], opts["password"], opts["security_token"] or "",
                                           retry=retry)


def _clock(text: str | None) -> Callable[[], datetime]:
    """The run's clock: a fixed instant (`--now`) or the local UTC clock."""
    if not text:
        return lambda: datetime.now(timezone.utc)
    moment, _ = parse_user_date(text, "--now")
    return lambda: moment


def common(function: Callable) -> Callable:
    """The options every verb takes: database, login, clock, retries."""
    options = [
        click.option("--db", "db", required=True, type=click.Path(dir_okay=False), help="Local SQLite database."),
        click.option("--activity", required=True, help="Activity name (journal, option and reject key)."),
        click.option("--object", "sobject", required=True, help="Remote object, e.g. Contact."),
        click.option("--login-url", envvar="SF_LOGIN_URL", default="https://login.salesforce.com", show_default=True,
                     help="Salesforce login URL (the emulator's URL for `crm-harness serve`)."),
        click.option("--grant", type=click.Choice(["password", "client_credentials"]), default="password",
                     show_default=True),
        click.option("--client-id", envvar="SF_CLIENT_ID", required=True),
        click.option("--client-secret", envvar="SF_CLIENT_SECRET", required=True),
        click.option("--username", envvar="SF_USERNAME", default=None),
        click.option("--password", envvar="SF_PASSWORD", default=None),
        click.option("--security-token", envvar="SF_SECURITY_TOKEN", default=""),
        click.option("--now", default=None, help="The run's clock (ISO or yyyy/MM/dd HH:mm:ss); default: now."),
        click.option("--retries", default=4, show_default=True, type=click.IntRange(1, 20),
                     help="Attempts per call on 5xx/429/limits."),
        click.option("--retry-delay", default=1.0, show_default=True, type=float, help="First backoff wait, s."),
    ]
    for option in reversed(options):
        function = option(function)

    @functools.wraps(function)
    def wrapper(**kwargs: Any) -> None:
        if kwargs["grant"] == "password" and not (kwargs["username"] and kwargs["password"]):
            raise click.UsageError("the password grant needs --username and --password")
        try:
            conn = open_db(kwargs["db"])
            try:
                client = _login(kwargs)
                clock = _clock(kwargs.pop("now"))
                outcome = function(client=client, conn=conn, now=clock, **kwargs)
            finally:
                conn.close()
        except ProcessError as error:
            click.echo(f"Process error: {error}", err=True)
            sys.exit(3)
        except CampaignSyncError as error:
            click.echo(f"Error: {error}", err=True)
            sys.exit(2)
        except SalesforceError as error:  # login refused
            click.echo(f"Process error: {error}", err=True)
            sys.exit(3)
        _report(outcome)
    return wrapper


def _report(outcome: Outcome) -> None:
    for warning in outcome.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(json.dumps(outcome.as_dict(), indent=2))
    if outcome.status == "error":
        sys.exit(3)


@click.group("campaign")
def campaign() -> None:
    """Campaign-style CRM sync activity (seed 003) on a local SQLite database."""


@campaign.command("import")
@common
@click.option("--field", "fields", multiple=True, help="Remote[=local][:conversion], repeatable.")
@click.option("--filter", "filter_text", default="", help="Filter, e.g. \"LastActivityDate > date(2012, 11, 1)\".")
@click.option("--order-by", multiple=True, help="\"Field [ASC|DESC]\", repeatable.")
@click.option("--auto-index/--no-auto-index", default=True, show_default=True)
@click.option("--instance", default="default", show_default=True, help="Instance name in LASTIMPORT_<instance>_<activity>.")
@click.option("--option-name", default=None, help="Override the auto-index option name.")
@click.option("--delta-field", default=None, help="Override the delta field (default LastModifiedDate, SystemModstamp).")
@click.option("--id", "ids", multiple=True, help="Import only these CRM ids (population computed upstream).")
@click.option("--timezone", default=None, help="IANA zone for the default conversion (default UTC).")
@click.option("--process-rejects/--no-process-rejects", default=False)
def import_(client, conn, now, activity, sobject, fields, filter_text, order_by, auto_index, instance, option_name,
            delta_field, ids, timezone, process_rejects, **_):
    """Import from the CRM."""
    spec = ImportSpec(activity, sobject, list(fields), filter_text, list(order_by), auto_index, instance, option_name,
                      delta_field, list(ids) or None, timezone, process_rejects)
    return run_import(client, conn, spec, now=now)


@campaign.command("export")
@common
@click.option("--map", "mapping", multiple=True, required=True, help="Remote[=local][:conversion], repeatable.")
@click.option("--key", default=None, help="Local source of the remote primary key (crm_id or a column): update "
                                          "rows that have it, insert the others. Without it every row is inserted.")
@click.option("--mode", type=click.Choice(["bulk", "collections"]), default="bulk", show_default=True)
@click.option("--batch-size", type=int, default=None)
@click.option("--recipient", "recipients", multiple=True, type=int, help="Export only these local recipients.")
@click.option("--timezone", default=None)
@click.option("--process-rejects/--no-process-rejects", default=False)
@click.option("--poll-interval", default=2.0, show_default=True, type=float, help="Bulk job polling, s.")
def export(client, conn, now, activity, sobject, mapping, key, mode, batch_size, recipients, timezone,
           process_rejects, poll_interval, **_):
    """Export to the CRM (resumes an interrupted run of the same activity)."""
    spec = ExportSpec(activity, sobject, list(mapping), key, mode, batch_size, list(recipients) or None, timezone,
                      process_rejects, poll_interval=poll_interval)
    return run_export(client, conn, spec, now=now)


@campaign.command("deleted")
@common
@click.option("--start", required=True, help="First day (or instant) of the deletions, included.")
@click.option("--end", default=None, help="Last day (or instant), included; default now.")
def deleted(client, conn, now, activity, sobject, start, end, **_):
    """Import the objects deleted in the CRM between two dates (at most 30 days back)."""
    return run_deleted_import(client, conn, DeletedSpec(activity, sobject, start, end), now=now)


@campaign.command("delete")
@common
@click.option("--id", "ids", multiple=True, help="CRM ids to delete (default: the linked recipients).")
@click.option("--recipient", "recipients", multiple=True, type=int, help="Delete these recipients' CRM objects.")
@click.option("--process-rejects/--no-process-rejects", default=False)
def delete(client, conn, now, activity, sobject, ids, recipients, process_rejects, **_):
    """Delete objects in the CRM by primary key."""
    spec = DeleteSpec(activity, sobject, list(recipients) or None, list(ids) or None, process_rejects)
    return run_delete(client, conn, spec, now=now)


if __name__ == "__main__":
    campaign()
