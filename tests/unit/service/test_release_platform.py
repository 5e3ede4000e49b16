"""A release platform acts only for organisations linked to it; the audit names both."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hub.adapters.inprocess import InProcessTransport
from hub.bootstrap import Hub
from hub.ledger.tables import audit
from tests.unit.service.conftest import SAMPLES, send


def _on_behalf(org_eori: str, message_id: str) -> bytes:
    accept = (SAMPLES / "demo/02_accept.xml").read_text()
    return (
        accept.replace("<messageId>FWD-0001</messageId>", f"<messageId>{message_id}</messageId>")
        .replace(
            "BE0456789034</identificationCode>\n    </sender>",
            "BE0712345630</identificationCode>\n    </sender>\n    <onBehalfOf>\n"
            "      <identificationType>Eori</identificationType>\n"
            f"      <identificationCode>{org_eori}</identificationCode>\n"
            "    </onBehalfOf>",
        )
        .encode()
    )


@pytest.mark.sql_only  # reads the database with SQL
def test_a_platform_accepts_for_a_linked_organisation(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    send(hub, transport, "demo/01_release.edi", "mscbe")
    transport.put(_on_behalf("BE0456789034", "SCR-1"), "scr", "scr-1")
    hub.worker.drain()
    with hub.uow() as uow:
        right = uow.files.get("MSCU1234566").right
        assert right is not None and right.holder == "FWDANT"
    with hub.db.connect() as conn:
        actors = set(conn.scalars(select(audit.c.actor).where(audit.c.action == "RightAccepted")))
    assert actors == {"FWDANT via SCR"}


def test_a_platform_may_not_act_for_an_unlinked_organisation(
    embedded: tuple[Hub, InProcessTransport],
) -> None:
    hub, transport = embedded
    send(hub, transport, "demo/01_release.edi", "mscbe")
    send(hub, transport, "demo/02_accept.xml", "fwdant")
    send(hub, transport, "demo/03_transfer.xml", "fwdant")
    transport.put(_on_behalf("BE0876543270", "SCR-2"), "scr", "scr-2")  # TRUCKCO: not linked
    hub.worker.drain()
    with hub.uow() as uow:
        right = uow.files.get("MSCU1234566").right
        held = uow.quarantine.list("held")
    assert right is not None and right.holder == "FWDANT"
    assert "may not act for" in held[-1].reason
    assert b"rejected" in transport.on("hub.partner", "SCR")[-1].body
