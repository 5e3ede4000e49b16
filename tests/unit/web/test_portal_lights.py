"""Subscribing to the lights of a PIN container from the portal (issue 15): a transport
operator outside the release chain looks the container up, subscribes (one token, through the
pipeline's inbox, rules and audit with the user), sees its lights in its language,
unsubscribes; the page never names who released, holds or held the right."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from hub.bootstrap import Hub
from hub.entrypoints.cli import cli
from hub.entrypoints.web.server import relay_note
from hub.ledger.tables import audit, outbox
from tests.unit.web.conftest import Client

SAMPLES = Path(__file__).resolve().parents[3] / "samples"
CONTAINER = "MSCU1234566"
CHAIN = ("MSCBE", "FWDANT", "MSCREL20261123", "Mediterranean", "Forwarder")


def _form(action: str, key: str, container: str = CONTAINER) -> dict[str, str]:
    return {"csrf": "c1", "action": action, "key": key, "container": container}


def _balance(body: str) -> str:
    return body.split("data-balance>", 1)[1].split("<", 1)[0]


def _outbox_to(hub: Hub, party: str) -> list[str]:
    with hub.db.connect() as conn:
        rows = conn.execute(select(outbox.c.routing_key, outbox.c.message_type)).all()
    return [r.message_type for r in rows if r.routing_key.endswith(party)]


def test_a_transport_operator_follows_a_pin_containers_lights_without_seeing_the_chain(
    pin_web: tuple[Hub, Client],
) -> None:
    hub, client = pin_web
    looked = client.get(f"/lights?container={CONTAINER.lower()}", "BARGECO")
    assert looked.status == 200 and 'data-action="subscribe"' in looked.body
    assert "data-light" not in looked.body and _balance(looked.body) == "25"

    done = client.post("/lights", _form("subscribe", "k-sub"), "BARGECO")
    again = client.post("/lights", _form("subscribe", "k-sub"), "BARGECO")
    assert (done.status, again.status) == (200, 200)
    assert "Gedaan." in done.body and "al verstuurd" in again.body  # Dutch; once
    assert _balance(again.body) == "24"  # one token, not two
    assert 'data-light="customs"' in done.body and "grijs" in done.body  # Dutch colours
    assert "Douane" in done.body and "onbekend" in done.body
    assert not [w for w in CHAIN if w in done.body + looked.body]
    assert _outbox_to(hub, "BARGECO") == ["ReleaseLightRegistered"]
    subscribed = select(audit.c.actor).where(audit.c.action == "LightsSubscribed")
    with hub.db.connect() as conn:
        actors = list(conn.scalars(subscribed))
    assert actors == ["BARGECO/bargeco"]

    listed = client.get("/lights", "BARGECO")
    assert f'data-container="{CONTAINER}"' in listed.body

    ended = client.post("/lights", _form("unsubscribe", "k-unsub"), "BARGECO")
    assert ended.status == 200 and "data-light" not in ended.body
    assert "afgemeld" in ended.body and _balance(ended.body) == "24"


def test_a_refused_subscription_says_why_and_costs_nothing(pin_web: tuple[Hub, Client]) -> None:
    client = pin_web[1]
    unknown = client.post("/lights", _form("subscribe", "k-1", "MSCU1234571"), "BARGECO")
    assert unknown.status == 400 and "not known yet" in unknown.body
    wrong = client.post("/lights", _form("subscribe", "k-2", "MSCU123"), "BARGECO")
    assert wrong.status == 400 and "is not 4 letters" in wrong.body
    never = client.post("/lights", _form("unsubscribe", "k-3"), "BARGECO")
    assert never.status == 400 and "no subscription of yours" in never.body
    assert _balance(never.body) == "25"


def test_embedded_a_portal_actions_message_waits_in_the_outbox_for_the_next_hub_send(
    pin_web: tuple[Hub, Client],
) -> None:
    """`hub serve` relays nothing (server.py says why); embedded, the next `hub send` on the
    same database publishes what the portal's actions wrote."""
    hub, client = pin_web
    client.post("/lights", _form("subscribe", "k-sub"), "BARGECO")
    with hub.db.connect() as conn:
        waiting = conn.execute(select(outbox.c.message_type).where(outbox.c.sent_at.is_(None)))
        assert [r.message_type for r in waiting] == ["ReleaseLightRegistered"]
    env = {"HUB_DATABASE_URL": hub.settings.database_url, "HUB_AMQP_URL": ""}
    customs = str(SAMPLES / "demo" / "05_customs.xml")
    sent = CliRunner().invoke(cli, ["send", customs, "--as", "BECUSTOMS"], env=env)
    assert sent.exit_code == 0, sent.output
    assert "hub.partner/BARGECO: ReleaseLightRegistered" in sent.output
    assert relay_note(hub.settings).startswith("embedded")
