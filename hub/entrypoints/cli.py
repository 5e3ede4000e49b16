"""The `hub` command line. `hub --help` lists everything."""

from __future__ import annotations

import logging
import signal
import sys
import uuid
from pathlib import Path
from types import FrameType

import click

from hub.adapters.credentials import password_from
from hub.bootstrap import build, configure_logging
from hub.config import Settings
from hub.entrypoints import admin, demo
from hub.entrypoints.inspect_cmd import inspect
from hub.entrypoints.portal_cli import operators, serve
from hub.entrypoints.waiting_cmd import waiting
from hub.errors import HubError
from hub.observability import banner, observe


@click.group()
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Release hub: EDIFACT and XML in over RabbitMQ, gate authorisations out.

    Configuration comes from HUB_* environment variables (see README); with no HUB_AMQP_URL the
    hub runs on an in-process transport and a SQLite file.
    """
    settings = Settings.from_env()
    configure_logging(settings.log_level, settings.log_format)
    ctx.obj = settings


@cli.command()
@click.option("--once", is_flag=True, help="Process what is queued, then stop.")
@click.pass_obj
def run(settings: Settings, once: bool) -> None:
    """Consume inbound queues, apply messages, relay the outbox, expire rights on time."""
    hub = build(settings)
    stop = {"now": False}

    def _stop(signum: int, _frame: FrameType | None) -> None:
        click.echo(f"signal {signum}: finishing the current batch, then stopping", err=True)
        stop["now"] = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    for line in banner(hub):
        logging.getLogger("hub.run").info("%s", line)
    server = None if once else observe(hub)
    try:
        if once:
            hub.worker.drain()
        else:
            hub.worker.run_forever(lambda: stop["now"], settings.expiry_every)
    finally:
        if server is not None:
            server.shutdown()
        hub.close()
    s = hub.worker.stats
    click.echo(
        f"stopped: received={s.received} applied={s.applied} rejected={s.rejected} "
        f"duplicates={s.duplicates} published={s.published}",
        err=True,
    )


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "party", required=True, help="The partner (party id) sending it.")
@click.option(
    "--password-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A file holding that partner's broker password (made 0600). Else HUB_SEND_PASSWORD, "
    "else the credentials file. Never give a password as an argument: `ps` shows it.",
)
@click.option("--ask-password", is_flag=True, help="Prompt for the password (not echoed).")
@click.pass_obj
def send(
    settings: Settings, file: Path, party: str, password_file: Path | None, ask_password: bool
) -> None:
    """Publish FILE to the hub as PARTY (over RabbitMQ, or in-process when embedded)."""
    body = file.read_bytes()
    if settings.embedded:
        demo.send_embedded(settings, body, party)
        return
    password = password_from(password_file, "HUB_SEND_PASSWORD")
    if ask_password:
        password = click.prompt("broker password", hide_input=True)
    admin.send_amqp(settings, body, party, password, message_id=uuid.uuid4().hex)
    click.echo(f"sent {file.name} ({len(body)} bytes) as {party}")


@cli.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.pass_obj
def db_upgrade(settings: Settings) -> None:
    """Apply the schema migrations (Alembic) up to the newest."""
    from hub.bootstrap import open_database

    db = open_database(settings)
    before, after = db.upgrade()
    db.dispose()
    if before is None:
        click.echo(f"created schema at revision {after}")
    elif before != after:
        click.echo(f"upgraded schema from revision {before} to {after}")
    else:
        click.echo(f"schema already at revision {after}")


@cli.command()
@click.pass_obj
def status(settings: Settings) -> None:
    """The overview: outbox backlog, oldest unsent row, quarantine by kind, inbox last hour,
    audit head, the last 5 minutes' rates and end-to-end latency (read from the database
    only)."""
    from hub.bootstrap import open_database, utc_now
    from hub.ledger.overview import activity, overview
    from hub.observability import LIVE_WINDOW

    db = open_database(settings)
    try:
        now = utc_now()
        seen, recent = overview(db.engine, now), activity(db.engine, now, LIVE_WINDOW)
    finally:
        db.dispose()
    held = ", ".join(f"{k}={n}" for k, n in sorted(seen.quarantine.items())) or "none"
    click.echo(f"outbox backlog:        {seen.outbox_backlog}")
    click.echo(f"oldest unsent:         {seen.oldest_unsent_seconds:.0f} s")
    click.echo(f"quarantine held:       {sum(seen.quarantine.values())} ({held})")
    click.echo(f"inbox, last hour:      {seen.inbox_last_hour}")
    click.echo(f"audit head:            {seen.audit_head}")
    rates = ", ".join(
        f"{o}={recent.per_minute(o):.1f}"
        for o in sorted({"applied", "rejected", *recent.by_outcome})
    )
    click.echo(f"per minute, last 5 min: {rates}")
    p50, p95 = recent.latency(0.5), recent.latency(0.95)
    e2e = f"p50 {p50:.2f} s, p95 {p95:.2f} s" if p50 is not None and p95 is not None else "-"
    click.echo(f"end to end, last 5 min: {e2e}")


cli.add_command(inspect)
cli.add_command(demo.demo)
cli.add_command(serve)
cli.add_command(operators)
cli.add_command(waiting)
for command in admin.COMMANDS:
    cli.add_command(command)


def main() -> None:
    """Console entry point: known errors print one clear line, never a traceback."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.Abort:
        sys.exit(130)
    except HubError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except SystemExit:
        raise


if __name__ == "__main__":
    main()
