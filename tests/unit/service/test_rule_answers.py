"""What the rules of issue 19 owe a partner: a warning for a release accepted although already
expired; after leaving the chain, only its own link as it stood."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from click.testing import CliRunner

from hub.adapters.inprocess import InProcessTransport
from hub.bootstrap import Hub
from hub.entrypoints.cli import cli
from hub.service_layer.views import release_view
from tests.unit.service.conftest import SAMPLES, STORY, send

CONTAINER = "MSCU1234566"


def _put(hub: Hub, transport: InProcessTransport, body: bytes, user: str, mid: str) -> None:
    transport.put(body, user, mid)
    hub.worker.drain()


def _expired_release() -> bytes:
    """The demo's COREOR with an expiry (1 November) before the hub's clock (23 November)."""
    text = (SAMPLES / "demo/01_release.edi").read_text()
    text = text.replace("RFF+RE:", "DTM+36:20261101:102'RFF+RE:", 1).replace("UNT+12+1", "UNT+13+1")
    return text.encode()


def test_a_release_arriving_expired_is_accepted_with_a_warning_and_expires_at_once(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded

    _put(hub, transport, _expired_release(), "mscbe", "expired-release")

    [aperak] = [m for m in transport.on("hub.partner", "MSCBE") if m.message_type == "APERAK"]
    text = aperak.body.decode()
    assert "BGM+312+" in text and "+29'" in text  # accepted
    assert "ERC+1'" in text
    warning = text.replace("?", "").replace("'\n", "").split("ERC+12")[1]
    assert "warning" in warning and "already expired" in warning and "2026-11-01" in warning
    with hub.uow() as uow:
        right = uow.files.get(CONTAINER).right
        assert right is not None and right.status.value == "expired"
        assert uow.quarantine.list("held") == []


LIVE = ("status", "expires_at", "lights", "holder_is_you", "terminal")


def _offered_to_trucker(hub: Hub, transport: InProcessTransport) -> None:
    for name, user in STORY[:3]:  # release, forwarder accepts, forwarder offers to TRUCKCO
        send(hub, transport, name, user)


def _as(name: str, action: str, mid: str) -> bytes:
    text = (SAMPLES / name).read_text()
    return (
        text.replace("<actionType>Accept</actionType>", action)
        .replace("<messageId>", f"<messageId>{mid}", 1)
        .encode()
    )


def _after_leaving(hub: Hub, transport: InProcessTransport) -> None:
    """What happens to the container after TRUCKCO left the chain."""
    send(hub, transport, "demo/05_customs.xml", "becustoms")
    send(hub, transport, "demo/06_discharge.edi", "psat")


@pytest.mark.sql_only  # reads the database with SQL
def test_a_party_that_declined_sees_its_own_link_as_it_stood(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    _offered_to_trucker(hub, transport)
    decline = _as("demo/04_accept.xml", "<actionType>Decline</actionType>", "D-")
    _put(hub, transport, decline, "truckco", "decline")
    _after_leaving(hub, transport)

    with hub.uow() as uow:
        view = release_view(uow, CONTAINER, "TRUCKCO")
        forwarder = release_view(uow, CONTAINER, "FWDANT")

    assert [(x["from"], x["to"], x["status"]) for x in view["chain"]] == [
        ("FWDANT", "TRUCKCO", "declined")
    ]
    assert view["left_chain"] is True
    assert [key for key in LIVE if key in view] == []
    assert forwarder["lights"]["customs"]["colour"] == "GREEN"  # the holder still sees it all
    shown = CliRunner(env={"HUB_DATABASE_URL": str(hub.db.engine.url)}).invoke(
        cli, ["release", "show", CONTAINER, "--as", "TRUCKCO"]
    )
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output) == view


def test_a_party_whose_offer_was_revoked_sees_its_own_link_as_it_stood(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    _offered_to_trucker(hub, transport)
    text = (SAMPLES / "demo/03_transfer.xml").read_text()
    revoke = (
        text.replace(
            "<actionType>Transfer</actionType>", '<actionType scope="transfer">Revoke</actionType>'
        )
        .replace("<messageId>", "<messageId>R-", 1)
        .encode()
    )
    _put(hub, transport, revoke, "fwdant", "revoke-transfer")
    _after_leaving(hub, transport)

    with hub.uow() as uow:
        view = release_view(uow, CONTAINER, "TRUCKCO")

    assert [(x["to"], x["status"]) for x in view["chain"]] == [("TRUCKCO", "revoked")]
    assert [key for key in LIVE if key in view] == []


def test_a_pin_terminal_receives_no_alfapass_gate_authorisation(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    with hub.uow() as uow:
        psat = uow.partners.get("PSAT")
        assert psat is not None
        uow.partners.save(replace(psat, terminal_access="pin"))
        uow.commit()

    for name, user in STORY:  # ends with the trucker naming its Alfapass driver
        send(hub, transport, name, user)

    assert transport.on("hub.gate", "PSAT") == []
    assign_ack = [m for m in transport.on("hub.partner", "TRUCKCO") if m.message_type == "ack"][-1]
    assert b"<status>accepted</status>" in assign_ack.body
    assert (
        b'severity="warning"' in assign_ack.body
        and b"lets containers out by PIN" in assign_ack.body
    )
    with hub.uow() as uow:
        file = uow.files.get(CONTAINER)
        assert file.right is not None and file.right.pickup is not None
        assert file.authorised is None
