"""Operator commands: partners, quarantine, release view, broker setup (audit, backups and
keys: `evidence_cmd`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from hub.adapters.inprocess import InProcessTransport
from hub.bootstrap import build
from hub.config import Settings
from hub.domain.refusals import Refusal
from hub.entrypoints.money_cmd import command_cause, run_service
from hub.entrypoints.partners_file import load_partners_file
from hub.errors import HubError
from hub.service_layer import operations, registry, views
from hub.service_layer.ports import QuarantineKind


@click.group()
def partners() -> None:
    """The partner registry."""


@partners.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_obj
def partners_load(settings: Settings, file: Path) -> None:
    """Register or update the partners listed in a YAML FILE (bulk setup, demos)."""
    loaded = load_partners_file(file)
    cause = command_cause()
    run_service(settings, cause, lambda u, now: registry.load(u, loaded, now, cause))
    click.echo(f"loaded {len(loaded)} partner(s) from {file}")


@partners.command("list")
@click.pass_obj
def partners_list(settings: Settings) -> None:
    """One line per partner: id, status, roles, broker user."""
    hub = build(settings, consume=False)
    with hub.uow() as uow:
        for p in uow.partners.all():
            click.echo(
                f"{p.party_id:12} {p.status:9} {','.join(sorted(p.roles)):40} {p.broker_user}"
            )
    hub.close()


@click.group()
def quarantine() -> None:
    """Rejected messages kept with their reason, for replay."""


@quarantine.command("list", short_help="List held entries (--all: replayed too; --kind K).")
@click.option("--all", "show_all", is_flag=True, help="Include replayed entries.")
@click.option(
    "--kind",
    type=click.Choice([k.value for k in QuarantineKind]),
    help="Only entries of this kind (refused: answered business refusals, not defects).",
)
@click.pass_obj
def quarantine_list(settings: Settings, show_all: bool, kind: str | None) -> None:
    """One line per entry: id, time, status, kind, sender, and the whole reason."""
    hub = build(settings, consume=False)
    with hub.uow() as uow:
        entries = uow.quarantine.list(None if show_all else "held", kind)
    hub.close()
    width = max((len(q.sender or q.broker_user) for q in entries), default=0)
    for q in entries:
        reason = " / ".join(q.reason.splitlines())
        click.echo(
            f"{q.id:6} {q.received_at:%Y-%m-%d %H:%M:%S} {q.status:8} {q.kind:14} "
            f"{q.sender or q.broker_user:{width}} {reason}"
        )


@quarantine.command("show", short_help="Show one entry as JSON, payload included.")
@click.argument("entry_id", type=int)
@click.pass_obj
def quarantine_show(settings: Settings, entry_id: int) -> None:
    """An entry as JSON: kind, reason, problems and the payload."""
    hub = build(settings, consume=False)
    with hub.uow() as uow:
        q = uow.quarantine.get(entry_id)
    hub.close()
    if q is None:
        raise click.ClickException(f"no quarantine entry {entry_id}")
    click.echo(
        json.dumps(
            {
                "id": q.id,
                "status": q.status,
                "kind": q.kind,
                "sender": q.sender,
                "broker_user": q.broker_user,
                "reason": q.reason,
                "problems": list(q.problems),
                "payload": q.payload.decode("utf-8", "replace"),
            },
            indent=2,
        )
    )


@quarantine.command("replay", short_help="Run one entry through the hub again.")
@click.argument("entry_id", type=int)
@click.pass_obj
def quarantine_replay(settings: Settings, entry_id: int) -> None:
    """Run a quarantined payload through the hub again (after a profile fix, say)."""
    hub = build(settings, consume=False)
    try:
        with hub.uow() as uow:
            outcome = operations.replay_entry(
                uow, hub.worker.hub, entry_id, hub.clock(), "hub", command_cause()
            )
            if isinstance(outcome, Refusal):
                raise click.ClickException(outcome.reason)
            uow.commit()
        hub.worker.drain()
    finally:
        hub.close()
    click.echo(
        f"replayed {entry_id}: {outcome.status}"
        + (f", quarantined again as {outcome.quarantine_ids}" if outcome.quarantine_ids else "")
    )


@click.group()
def release() -> None:
    """Release rights."""


@release.command("show", short_help="What PARTY may see of CONTAINER's release (exit 1: nothing).")
@click.argument("container")
@click.option("--as", "party", required=True, help="The party asking.")
@click.pass_obj
def release_show(settings: Settings, container: str, party: str) -> None:
    """What PARTY may see of CONTAINER's release: its own link (authorities: everything)."""
    hub = build(settings, consume=False)
    with hub.uow() as uow:
        view = views.release_view(uow, container.upper(), party)
    hub.close()
    click.echo(json.dumps(view, indent=2, default=str))
    if "error" in view:
        raise SystemExit(1)


def send_amqp(settings: Settings, body: bytes, party: str, password: str, message_id: str) -> None:
    """Publish as PARTY with its own broker user, so the broker stamps its identity; `password`
    '' means the one in the credentials file."""
    from hub.adapters.amqp import AmqpSender
    from hub.adapters.broker_admin import broker_name, partner_url

    hub = build(settings, consume=False, transport=InProcessTransport())
    with hub.uow() as uow:
        partner = uow.partners.get(party)
    hub.close()
    if partner is None or not partner.broker_user:
        raise HubError(f"partner {party!r} is unknown or has no broker user")
    user = broker_name(settings, partner)
    url = partner_url(settings, user, password)
    kind = "application/xml" if body.lstrip().startswith(b"<") else "application/edifact"
    AmqpSender(url).send(
        body,
        user_id=user,
        routing_key=party,
        message_id=message_id,
        content_type=kind,
    )


def _admin_commands() -> list[Any]:
    from hub.entrypoints import partners_cmd  # noqa: F401 - adds register, approve... to `partners`
    from hub.entrypoints.broker_cmd import broker
    from hub.entrypoints.evidence_cmd import audit, backup, keys
    from hub.entrypoints.money_cmd import billing, tokens, wallet
    from hub.entrypoints.peek_cmd import peek
    from hub.entrypoints.reports_cmd import report

    return [
        partners,
        quarantine,
        audit,
        release,
        backup,
        keys,
        broker,
        peek,
        tokens,
        wallet,
        billing,
        report,
    ]


COMMANDS = _admin_commands()
