"""Light subscriptions over XML: one token per subscription at a PIN terminal, every light
change notified to the subscriber, the token back when the agent revokes."""

from __future__ import annotations

from dataclasses import replace

from hub.adapters.inprocess import InProcessTransport
from hub.bootstrap import Hub
from hub.domain.tokens import balance
from tests.unit.service.conftest import send

CONTAINER = "MSCU1234566"
HEADER = (
    "<header><messageId>{mid}</messageId><sender><identificationType>Eori"
    "</identificationType><identificationCode>{eori}</identificationCode></sender>"
    "<timestamp>2026-11-23T08:40:00Z</timestamp></header>"
)


def _subscription(action: str, mid: str) -> bytes:
    header = HEADER.format(mid=mid, eori="BE0876543270")
    return (
        f'<LightSubscriptionAction xmlns="urn:hub:release:1">{header}'
        f"<actionType>{action}</actionType><equipmentNumber>{CONTAINER}</equipmentNumber>"
        "</LightSubscriptionAction>"
    ).encode()


def _agent_revokes() -> bytes:
    header = HEADER.format(mid="MSC-REVOKE-1", eori="BE0403238995")
    return (
        f'<ReleaseRightAction xmlns="urn:hub:release:1">{header}'
        '<actionType scope="release">Revoke</actionType>'
        f"<equipmentNumber>{CONTAINER}</equipmentNumber>"
        "<releaseIdentification>MSCREL20261123</releaseIdentification>"
        "</ReleaseRightAction>"
    ).encode()


def _put(hub: Hub, transport: InProcessTransport, body: bytes, user: str, mid: str) -> None:
    transport.put(body, user, mid)
    hub.worker.drain()


def _tokens_left(hub: Hub) -> int | None:
    with hub.uow() as uow:
        return balance(uow.tokens.entries("TRUCKCO"), hub.clock()).remaining


def _to_truckco(transport: InProcessTransport) -> list[str]:
    return [m.message_type for m in transport.on("hub.partner", "TRUCKCO")]


def _released_at(hub: Hub, transport: InProcessTransport, access: str) -> None:
    with hub.uow() as uow:
        psat = uow.partners.get("PSAT")
        assert psat is not None
        uow.partners.save(replace(psat, terminal_access=access))
        uow.commit()
    send(hub, transport, "demo/01_release.edi", "mscbe")


def test_a_subscription_costs_one_token_and_brings_every_light_change(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    _released_at(hub, transport, "pin")
    assert _tokens_left(hub) == 25

    _put(hub, transport, _subscription("Subscribe", "SUB-1"), "truckco", "sub-1")
    _put(hub, transport, _subscription("Subscribe", "SUB-2"), "truckco", "sub-2")

    assert _tokens_left(hub) == 24  # subscribing twice charges once
    assert _to_truckco(transport).count("ReleaseLightRegistered") == 1
    send(hub, transport, "demo/05_customs.xml", "becustoms")
    send(hub, transport, "demo/06_discharge.edi", "psat")
    changes = [
        m.body.decode()
        for m in transport.on("hub.partner", "TRUCKCO")
        if m.message_type == "ReleaseLightChanged"
    ]
    # customs: the first B/L written off (grey, naming the second), then green; the terminal
    assert len(changes) == 3
    assert "MEDUAN123457 not written off" in changes[0]
    assert ">customs<" in changes[1] and ">GREEN<" in changes[1]
    assert ">terminal<" in changes[2]

    _put(hub, transport, _agent_revokes(), "mscbe", "revoke")

    assert _tokens_left(hub) == 25
    assert "ReleaseLightUnregistered" in _to_truckco(transport)


def test_after_unsubscribing_no_light_change_is_sent(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    _released_at(hub, transport, "pin")
    _put(hub, transport, _subscription("Subscribe", "SUB-1"), "truckco", "sub-1")
    _put(hub, transport, _subscription("Unsubscribe", "UNSUB-1"), "truckco", "unsub-1")

    send(hub, transport, "demo/05_customs.xml", "becustoms")

    assert "ReleaseLightChanged" not in _to_truckco(transport)
    assert _tokens_left(hub) == 24  # the token was spent on the subscription
    with hub.uow() as uow:
        assert uow.files.get(CONTAINER).subscribers() == ()


def test_at_an_alfapass_terminal_a_subscription_is_refused_and_costs_nothing(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    _released_at(hub, transport, "alfapass")

    _put(hub, transport, _subscription("Subscribe", "SUB-1"), "truckco", "sub-1")

    [ack] = [m for m in transport.on("hub.partner", "TRUCKCO") if m.message_type == "ack"]
    assert b"<status>rejected</status>" in ack.body and b"Alfapass" in ack.body
    assert _tokens_left(hub) == 25
