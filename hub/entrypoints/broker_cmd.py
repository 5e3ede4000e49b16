"""`hub broker setup`: one RabbitMQ user per active partner, least privilege."""

from __future__ import annotations

import click

from hub.adapters.broker_admin import setup_all
from hub.bootstrap import build
from hub.config import Settings, mask_url


@click.group()
def broker() -> None:
    """RabbitMQ users and permissions for partners."""


@broker.command("setup")
@click.pass_obj
def broker_setup(settings: Settings) -> None:
    """Create a broker user per ACTIVE partner: publish only to hub.inbound as itself, read only
    its own queues; delete the users of partners that are not active (suspended, denied, ...).
    User names start with HUB_BROKER_USER_PREFIX. Passwords are written to
    HUB_BROKER_CREDENTIALS (mode 600)."""
    hub = build(settings, consume=False)
    with hub.uow() as uow:
        partners = uow.partners.all()
    hub.close()
    click.echo(f"setting up broker users for {len(partners)} partner(s) on {_host(settings)}")
    done = setup_all(partners, settings, click.echo)
    for party, problems in sorted(done.refused.items()):
        click.echo(f"refused {party}: {problems}", err=True)
    click.echo(
        f"broker users ready for {len(done.ready)} active partner(s); "
        f"credentials in {settings.credentials_path()}"
    )
    if done.refused:
        raise SystemExit(1)


def _host(settings: Settings) -> str:
    """The broker's address and vhost, without the password."""
    return mask_url(settings.amqp_url)
