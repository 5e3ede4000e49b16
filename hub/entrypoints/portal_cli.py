"""`hub serve` (the web portal) and `run_portal`, which the operator's partner commands use to
run a portal service (approval mails the activation link) in one unit of work."""

from __future__ import annotations

from typing import TypeVar

import click

from hub.bootstrap import build, build_portal
from hub.config import Settings
from hub.domain.refusals import Refusal
from hub.service_layer.portal import Work

T = TypeVar("T")


def run_portal(settings: Settings, work: Work[T]) -> T:
    """Run `work` through the portal façade: commit, mail; a refusal is printed, exit 1."""
    hub = build(settings, consume=False)
    try:
        result = build_portal(hub).run(work)
    finally:
        hub.close()
    if isinstance(result, Refusal):
        click.echo(f"refused: {result.reason}", err=True)
        raise SystemExit(1)
    return result


@click.command()
@click.option("--port", default=8080, show_default=True, help="TCP port to listen on.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.pass_obj
def serve(settings: Settings, port: int, host: str) -> None:
    """Serve the web portal (login at /login, registration at /register)."""
    from hub.entrypoints.web.server import serve_forever

    serve_forever(settings, host, port)


@click.group()
def operators() -> None:
    """The hub team: users of the operations console (/ops)."""


@operators.command("add")
@click.argument("email")
@click.option("--language", default="en", show_default=True, help="nl, en, fr or de.")
@click.pass_obj
def operators_add(settings: Settings, email: str, language: str) -> None:
    """Invite EMAIL to the hub team: a one-time activation link is mailed."""
    from hub.service_layer import operations

    url = settings.web_base_url
    user = run_portal(
        settings, lambda u, s, now: operations.add_operator(u, s, email, language, now, url)
    )
    click.echo(f"invited operator {user.email}; the activation link was mailed")
