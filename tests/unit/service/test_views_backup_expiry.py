"""Confidentiality of the chain, backup information for terminals, expiry run by the worker."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from hub.adapters import signing
from hub.adapters.inprocess import InProcessTransport
from hub.bootstrap import Hub
from hub.service_layer import backups
from hub.service_layer.views import release_view
from tests.unit.service.conftest import STORY, FixedClock, send

CONTAINER = "MSCU1234566"


def _story(hub: Hub, transport: InProcessTransport) -> None:
    for name, user in STORY:
        send(hub, transport, name, user)


def test_a_party_sees_only_its_own_link(embedded: tuple[Hub, InProcessTransport]) -> None:
    hub, transport = embedded
    _story(hub, transport)
    with hub.uow() as uow:
        agent = release_view(uow, CONTAINER, "MSCBE")
        trucker = release_view(uow, CONTAINER, "TRUCKCO")
        authority = release_view(uow, CONTAINER, "PORTAUTH")
        outsider = release_view(uow, CONTAINER, "BARGECO")
    assert [(x["from"], x["to"]) for x in agent["chain"]] == [("MSCBE", "FWDANT")]
    assert "TRUCKCO" not in str(agent)  # the agent may not learn who is further down
    assert [(x["from"], x["to"]) for x in trucker["chain"]] == [("FWDANT", "TRUCKCO")]
    assert "MSCBE" not in str(trucker["chain"])
    assert [x["to"] for x in authority["chain"]] == ["FWDANT", "TRUCKCO"]
    assert "error" in outsider and "chain" not in outsider


def test_backup_export_carries_the_standing_authorisation_and_verifies(
    embedded: tuple[Hub, InProcessTransport], tmp_path: Path
) -> None:
    hub, transport = embedded
    _story(hub, transport)
    private, public, _kid = signing.generate(tmp_path / "keys")
    signer = signing.load_signer(private)
    with hub.uow() as uow:
        doc = backups.snapshot(uow, "PSAT", signer, hub.clock())
    assert [a["container"] for a in doc["authorisations"]] == [CONTAINER]
    assert doc["authorisations"][0]["identity"] == "AP1234567"
    ring = signing.load_key_ring([public])
    assert backups.verify(doc, ring) == ""
    doc["authorisations"][0]["identity"] = "AP9999999"
    assert "forged or altered" in backups.verify(doc, ring)


@pytest.mark.sql_only  # reads the database with SQL
def test_the_worker_expires_rights_on_time_and_withdraws(
    embedded: tuple[Hub, InProcessTransport], clock: FixedClock
) -> None:
    hub, transport = embedded
    _story(hub, transport)
    assert [m.message_type for m in transport.on("hub.gate", "PSAT")] == ["GateAuthorised"]
    clock.at += timedelta(days=59, hours=23)
    assert hub.worker.expire_due() == 0
    clock.at += timedelta(hours=2)  # 60 days after the release: no expiry was given
    assert hub.worker.expire_due() == 2  # both containers of the release
    hub.worker.run_once()
    gate = transport.on("hub.gate", "PSAT")
    assert [m.message_type for m in gate] == ["GateAuthorised", "GateWithdrawn"]
    assert gate[1].headers["sequence"] == 2 and b"expired" in gate[1].body
    assert "ExpiredReleaseRights" in [
        m.message_type for m in transport.on("hub.partner", "TRUCKCO")
    ]
    assert hub.worker.expire_due() == 0
