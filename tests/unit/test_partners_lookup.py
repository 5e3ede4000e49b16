"""Partner lookups (`SqlPartners`): read once per unit of work and answered from dictionaries,
with the same answers as a scan of all partners in party id order; a save, and a change
committed by another unit of work, are seen by the next lookup / the next unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from hub.domain.partners import Partner, Role, Status
from hub.domain.values import PartyRef
from hub.entrypoints.partners_file import load_partners_file
from hub.ledger.db import make_engine, upgrade
from hub.ledger.uow import SqlAlchemyUnitOfWork
from hub.service_layer import registry

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)

EXTRA = (
    # sorted first and last (keys are unique: tests/attacks/test_identifiers.py)
    Partner("AAFIRST", "First", vat="BE0999999999", broker_user="first", terminals=("T1",)),
    Partner("ZZLAST", "Last", vat="be0888888888", broker_user="last", terminals=("T2",)),
    Partner(
        "EDIONLY",
        "Edi",
        edi_ids=(("5412345000013", "14"),),
        roles=frozenset({Role.TRANSPORT_OPERATOR}),
    ),
)


@pytest.fixture()
def engine(tmp_path: Path) -> Iterator[Engine]:
    eng = make_engine(f"sqlite:///{tmp_path}/partners.db")
    upgrade(eng)
    with SqlAlchemyUnitOfWork(eng) as uow:
        for partner in (*load_partners_file(SAMPLES / "partners.yaml"), *EXTRA):
            uow.partners.save(partner)
        uow.commit()
    yield eng
    eng.dispose()


def scan_resolve(everyone: list[Partner], code: str) -> Partner | None:
    code = code.strip().upper()
    for p in everyone:
        ids = {p.party_id, p.vat, p.eori, *(i for i, _ in p.edi_ids)}
        if code in {x.upper() for x in ids if x}:
            return p
    return None


def test_lookups_answer_as_a_scan_in_party_id_order(engine: Engine) -> None:
    with SqlAlchemyUnitOfWork(engine) as uow:
        everyone = uow.partners.all()
        assert [p.party_id for p in everyone] == sorted(p.party_id for p in everyone)
        codes = {"", "  ", "nobody", "5412345000013", " be0999999999 "}
        for p in everyone:
            codes |= {p.party_id, p.party_id.lower(), p.vat, p.eori, *(i for i, _ in p.edi_ids)}
        for code in codes:
            assert uow.partners.resolve(PartyRef(code)) == scan_resolve(everyone, code), code
        users = {"", "nobody", *(p.broker_user for p in everyone)}
        for user in users:
            want = next((p for p in everyone if user and p.broker_user == user), None)
            assert uow.partners.by_broker_user(user) == want, user
        terminals = {"", "T1", "T2", "NONE", *(t for p in everyone for t in p.terminals)}
        for terminal in terminals:
            want = next((p for p in everyone if terminal in p.terminals), None)
            assert uow.partners.operator_of(terminal) == want, terminal
        for p in everyone:
            assert uow.partners.get(p.party_id) == p
        assert uow.partners.get("nobody") is None
    assert scan_resolve(everyone, "BE0999999999") is not None
    assert uow.partners.resolve(PartyRef("be0999999999")) == uow.partners.get("AAFIRST")
    assert uow.partners.by_broker_user("last") == uow.partners.get("ZZLAST")
    assert uow.partners.operator_of("T2") == uow.partners.get("ZZLAST")


def test_partners_are_read_once_per_unit_of_work(engine: Engine) -> None:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        with SqlAlchemyUnitOfWork(engine) as uow:
            for _ in range(50):
                assert uow.partners.by_broker_user("truckco") is not None
                uow.partners.resolve(PartyRef("TRUCKCO"))
                uow.partners.operator_of("PSAT")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len([s for s in seen if "FROM partners" in s]) == 1


def test_a_status_change_is_seen_by_the_next_lookup_and_the_next_unit_of_work(
    engine: Engine,
) -> None:
    with SqlAlchemyUnitOfWork(engine) as uow:
        truckco = uow.partners.by_broker_user("truckco")
        assert truckco is not None and truckco.status == Status.ACTIVE
        uow.partners.save(replace(truckco, status=Status.SUSPENDED, status_reason="unpaid"))
        assert uow.partners.resolve(PartyRef("TRUCKCO")).status == Status.SUSPENDED  # type: ignore[union-attr]
        uow.commit()
    with SqlAlchemyUnitOfWork(engine) as uow:
        assert uow.partners.by_broker_user("truckco").status == Status.SUSPENDED  # type: ignore[union-attr]
        moved = registry.activate(uow, "TRUCKCO", NOW, "test")
        assert isinstance(moved, Partner) and moved.status == Status.ACTIVE
        assert uow.partners.get("TRUCKCO") == moved
        uow.commit()
    with SqlAlchemyUnitOfWork(engine) as uow:
        assert uow.partners.by_broker_user("truckco") == moved


def test_a_change_committed_elsewhere_is_seen_by_the_next_unit_of_work(engine: Engine) -> None:
    with SqlAlchemyUnitOfWork(engine) as batch:
        assert batch.partners.get("TRUCKCO").status == Status.ACTIVE  # type: ignore[union-attr]
        batch.rollback()
    with SqlAlchemyUnitOfWork(engine) as admin:
        truckco = admin.partners.get("TRUCKCO")
        assert truckco is not None
        admin.partners.save(replace(truckco, status=Status.SUSPENDED, status_reason="x"))
        admin.commit()
    with SqlAlchemyUnitOfWork(engine) as batch:
        assert batch.partners.get("TRUCKCO").status == Status.SUSPENDED  # type: ignore[union-attr]
