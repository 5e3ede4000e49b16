"""The identifier attacks on PostgreSQL: the registry's refusal and the database's backstop
(`partner_keys`) hold there as on SQLite (tests/attacks/test_identifiers.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from sqlalchemy.exc import IntegrityError

from hub.adapters.inprocess import InProcessTransport
from hub.bootstrap import Hub, build
from hub.config import Settings
from hub.domain.partners import Partner, Status
from hub.domain.refusals import Refusal
from hub.domain.values import PartyRef
from hub.entrypoints.partners_file import load_partners_file
from hub.service_layer import registry
from tests.attacks.test_identifiers import NEW, register
from tests.unit.service.test_money_support import SAMPLES, T0, Clock

pytestmark = pytest.mark.integration


@pytest.fixture()
def hub(own_pg_url: str) -> Iterator[Hub]:
    the_hub = build(
        Settings(database_url=own_pg_url), transport=InProcessTransport(), clock=Clock()
    )
    with the_hub.uow() as uow:
        assert not isinstance(
            registry.load(uow, load_partners_file(SAMPLES / "partners.yaml"), T0, "load"), Refusal
        )
        uow.commit()
    yield the_hub
    the_hub.close()


def test_on_postgresql_a_taken_vat_or_terminal_is_refused_and_backstopped(hub: Hub) -> None:
    for change in ({"terminals": ("#",)}, {"terminals": ("psat",)}, {"vat": "BE0456789034"}):
        assert isinstance(register(hub, replace(NEW, **change)), Refusal)  # type: ignore[arg-type]
    for clash in ({"vat": "BE0456789034"}, {"terminals": ("PSAT",)}):
        twin = Partner("TWIN", "Twin", status=Status.REQUESTED, **clash)  # type: ignore[arg-type]
        with hub.uow() as uow, pytest.raises(IntegrityError):
            uow.partners.save(twin)
            uow.commit()
    with hub.uow() as uow:
        assert uow.partners.get("TWIN") is None and uow.partners.get("MALLORY") is None
        fwdant = uow.partners.resolve(PartyRef("BE0456789034"))
        assert fwdant is not None and fwdant.party_id == "FWDANT"
        assert uow.partners.operator_of("PSAT").party_id == "PSAT"  # type: ignore[union-attr]
