"""`hub broker setup`: one RabbitMQ user per partner, least privilege."""

from __future__ import annotations

import click

from hub.adapters.broker_admin import setup_all
from hub.bootstrap import build
from hub.config import Settings


@click.group()
def broker() -> None:
    """RabbitMQ users and permissions for partners."""


@broker.command("setup")
@click.pass_obj
def broker_setup(settings: Settings) -> None:
    """Create a broker user per partner: publish only to hub.inbound as itself, read only its
    own queues. Passwords are written to HUB_BROKER_CREDENTIALS (mode 600)."""
    hub = build(settings, consume=False)
    with hub.uow() as uow:
        partners = uow.partners.all()
    hub.close()
    creds = setup_all(partners, settings)
    click.echo(
        f"broker users ready for {len(creds)} partner(s); "
        f"credentials in {settings.credentials_path()}"
    )
