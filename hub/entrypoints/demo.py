"""`hub demo`: the whole flow on embedded defaults — messages in, lights changing, a gate
authorisation out — and `hub send` when no broker is configured."""

from __future__ import annotations

import uuid
from dataclasses import replace
from pathlib import Path

import click

from hub.adapters.inprocess import InProcessTransport
from hub.bootstrap import Hub, build
from hub.config import Settings
from hub.domain.refusals import Refusal
from hub.domain.tokens import balance
from hub.entrypoints.partners_file import load_partners_file
from hub.service_layer.ports import Outgoing
from hub.service_layer.subscriptions import buy, top_up

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
STORY = (
    ("MSCBE", "demo/01_release.edi", "the agent releases two containers to a forwarder"),
    ("FWDANT", "demo/02_accept.xml", "the forwarder accepts MSCU1234566"),
    ("FWDANT", "demo/03_transfer.xml", "the forwarder transfers it to a trucking company"),
    ("TRUCKCO", "demo/04_accept.xml", "the trucking company accepts (one token)"),
    ("BECUSTOMS", "demo/05_customs.xml", "customs releases the B/L"),
    ("PSAT", "demo/06_discharge.edi", "the terminal reports the discharge"),
    ("TRUCKCO", "demo/07_assign.xml", "the trucker names its driver (Alfapass)"),
    ("PSAT", "demo/08_gate_out.edi", "the truck leaves the terminal"),
)
CONTAINER = "MSCU1234566"


def _setup(settings: Settings) -> tuple[Hub, InProcessTransport]:
    transport = InProcessTransport()
    hub = build(settings, transport=transport)
    with hub.uow() as uow:
        for partner in load_partners_file(SAMPLES / "partners.yaml"):
            uow.partners.save(partner)
        uow.commit()
    _grant_demo_tokens(hub)
    return hub, transport


def _grant_demo_tokens(hub: Hub) -> None:
    """The trucking company pairs a wallet, tops it up and buys a Low subscription."""
    now = hub.clock()
    with hub.uow() as uow:
        if uow.wallets.paired("TRUCKCO") is None:
            uow.wallets.pair("TRUCKCO", "WALLET-TRUCKCO", now)
            top_up(uow, "TRUCKCO", "200.00", now, cause="demo top-up")
        if uow.tokens.active("TRUCKCO", now) is None:
            bought = buy(uow, "TRUCKCO", "low", now, cause="demo setup")
            if isinstance(bought, Refusal):
                raise click.ClickException(f"demo setup failed: {bought.reason}")
            click.echo(
                f"TRUCKCO paired a wallet, topped up EUR 200.00 and bought a Low "
                f"subscription: {bought.entry.tokens} tokens for EUR "
                f"{bought.quote.gross} (VAT {bought.quote.vat})"
            )
        uow.commit()


def _show_lights(hub: Hub) -> None:
    with hub.uow() as uow:
        lights = uow.files.get(CONTAINER).lights()
    shown = "  ".join(f"{n.value}={li.colour.value}({li.value})" for n, li in lights.items())
    click.echo(f"     lights {CONTAINER}: {shown}")


def _show_published(messages: list[Outgoing]) -> None:
    for m in messages:
        click.echo(f"     → {m.exchange}/{m.routing_key}: {m.message_type}")
        if m.exchange == "hub.gate":
            click.echo("       " + m.body.decode("utf-8", "replace").replace("\n", "\n       "))


@click.command()
@click.option(
    "--database",
    default="sqlite:///var/demo.db",
    show_default=True,
    help="Database for the demo (recreated when it is the default SQLite file).",
)
def demo(database: str) -> None:
    """Run a container's whole story through the embedded hub and show what happens."""
    if database == "sqlite:///var/demo.db":
        Path("var").mkdir(exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"var/demo.db{suffix}").unlink(missing_ok=True)
    hub, transport = _setup(replace(Settings.from_env(), database_url=database, amqp_url=""))
    for party, name, what in STORY:
        click.echo(f"\n[{party}] {what}  ({name})")
        before = len(transport.log)
        transport.put((SAMPLES / name).read_bytes(), _user(hub, party), uuid.uuid4().hex)
        hub.worker.drain()
        _show_published(transport.log[before:])
        _show_lights(hub)
    with hub.uow() as uow:
        left = balance(uow.tokens.entries("TRUCKCO"), hub.clock())
    click.echo(f"\nTRUCKCO tokens left: {left.remaining} (used {left.used})")
    gate = transport.on("hub.gate", "PSAT")
    click.echo(
        f"\n{len(gate)} gate message(s) published to hub.gate/PSAT; "
        f"audit entries chained in {database}"
    )
    hub.close()


def _user(hub: Hub, party: str) -> str:
    with hub.uow() as uow:
        partner = uow.partners.get(party)
    return partner.broker_user if partner else party


def send_embedded(settings: Settings, body: bytes, party: str) -> None:
    """Without a broker: process the file at once through the in-process transport."""
    transport = InProcessTransport()
    hub = build(settings, transport=transport)
    transport.put(body, _user(hub, party), uuid.uuid4().hex)
    hub.worker.keep_outcomes = True
    hub.worker.drain()
    for outcome in hub.worker.stats.outcomes:
        click.echo(f"outcome: {outcome.status}")
        for p in outcome.problems:
            click.echo(f"  ! {p}")
    _show_published(transport.log)
    hub.close()
