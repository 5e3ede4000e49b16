"""`hub waiting list`: the business messages parked in the waiting room (database only)."""

from __future__ import annotations

import click

from hub.bootstrap import utc_now
from hub.config import Settings
from hub.entrypoints.money_cmd import emit
from hub.ledger.db import Database
from hub.service_layer import waiting as waiting_room

COLUMNS = ["id", "sender", "containers", "reason", "age_seconds", "deadline", "message_id"]


@click.group()
def waiting() -> None:
    """The waiting room: messages whose precondition is not met yet (HUB_WAITING_WINDOW)."""


@waiting.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text")
@click.option("--limit", type=click.IntRange(1, 10_000), default=500, show_default=True)
@click.pass_obj
def waiting_list(settings: Settings, fmt: str, limit: int) -> None:
    """Parked messages, oldest first: sender, containers, why they wait, age, deadline."""
    db = Database(settings.database_url)
    try:
        with db.uow() as uow:
            rows = waiting_room.listing(uow, utc_now(), limit)
    finally:
        db.dispose()
    if fmt != "text":
        emit([{k: r.as_dict()[k] for k in COLUMNS} for r in rows], fmt, COLUMNS)
        return
    if not rows:
        click.echo("nothing waits")
        return
    for r in rows:
        click.echo(
            f"#{r.id}  {r.sender:<12} {' '.join(r.containers):<24} "
            f"age {r.age_seconds:>5} s  until {r.deadline:%Y-%m-%d %H:%M:%S}Z  {r.reason}"
        )
