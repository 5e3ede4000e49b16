"""`hub peek QUEUE`: what a partner or terminal has waiting, read as that partner."""

from __future__ import annotations

import json

import click

from hub.adapters.broker_admin import broker_name, partner_url
from hub.bootstrap import build
from hub.config import Settings
from hub.domain.partners import Partner
from hub.errors import HubError


@click.command()
@click.argument("queue")
@click.option("--as", "party", default=None, help="Read as this partner (default: the queue's).")
@click.option("--count", default=10, show_default=True, help="At most this many messages.")
@click.option("--consume", is_flag=True, help="Take them off the queue (default: leave them).")
@click.pass_obj
def peek(settings: Settings, queue: str, party: str | None, count: int, consume: bool) -> None:
    """Show the messages waiting in QUEUE (partner.<party id> or terminal.<code>), read with
    the partner's own broker user from HUB_BROKER_CREDENTIALS, so its permissions apply. By
    default nothing is consumed: each message is read and handed back (it comes back marked
    redelivered)."""
    from hub.adapters.amqp import peek as read

    if settings.embedded:
        raise HubError("HUB_AMQP_URL is not set: there is no broker queue to read")
    reader = _reader(settings, queue, party)
    if not reader.broker_user:
        raise HubError(f"partner {reader.party_id} has no broker user to read {queue} with")
    user = broker_name(settings, reader)
    found = read(partner_url(settings, user, ""), queue, count, consume)
    for n, m in enumerate(found, 1):
        click.echo(
            f"#{n} type={m.type} message_id={m.message_id} correlation_id={m.correlation_id} "
            f"content_type={m.content_type} redelivered={m.redelivered} "
            f"headers={json.dumps(m.headers, default=str, sort_keys=True)}"
        )
        click.echo(m.body.decode("utf-8", "replace"))
    fate = "consumed" if consume else "left on the queue"
    click.echo(f"{len(found)} message(s) read from {queue} as {user}, {fate}", err=True)


def _reader(settings: Settings, queue: str, party: str | None) -> Partner:
    """The partner named, or the one whose queue it is (terminal: its operator)."""
    hub = build(settings, consume=False)
    with hub.uow() as uow:
        partners = uow.partners.all()
    hub.close()
    kind, _, key = queue.partition(".")
    wanted = party.upper() if party else None
    for p in partners:
        if wanted is not None and p.party_id == wanted:
            return p
        if wanted is None and kind == "partner" and p.party_id == key:
            return p
        if wanted is None and kind == "terminal" and key in p.terminals:
            return p
    raise HubError(f"no partner to read {queue} as: give --as PARTY (a partner with a broker user)")
