"""Attacks on identifiers (issue 13): a terminal code, party id, broker user or EDI id that is a
routing-key wildcard or splits into words; the same terminal, VAT, EORI or EDI id as another
partner; a lookup that lands on a requested company instead of the active one."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

from hub.bootstrap import Hub
from hub.domain.partners import Partner, Role, Status
from hub.domain.refusals import Refusal
from hub.domain.values import PartyRef
from hub.service_layer import registry
from hub.service_layer.registry import Registration
from tests.unit.service.test_money_support import T0, Clock, make_hub

HOSTILE = ("#", "*", "PSAT.#", "PS.AT", "PS AT", "PSAT*", "", " ", "PS\x00AT", "Ä", "A" * 80)
"""Wildcards of a topic exchange, word separators, blanks, a NUL, non-ASCII, too long."""

NEW = Registration(
    name="Mallory Terminal NV",
    vat="BE0403170701",
    eori="BE0403170701",
    party_id="MALLORY",
    roles=("terminal_operator",),
    broker_user="mallory",
    terminals=("MALT",),
)


@pytest.fixture()
def hub(tmp_path: Path) -> Hub:
    the_hub: Hub
    the_hub, _ = make_hub(tmp_path, Clock())
    return the_hub


def register(the_hub: Hub, form: Registration) -> registry.Registered | Refusal:
    with the_hub.uow() as uow:
        done = registry.register(uow, form, T0, "hub partners register")
        if not isinstance(done, Refusal):
            uow.commit()
    return done


def stored(the_hub: Hub, party: str) -> Partner | None:
    with the_hub.uow() as uow:
        return uow.partners.get(party)


@pytest.mark.parametrize("code", HOSTILE)
def test_a_terminal_code_that_is_no_plain_word_is_refused(hub: Hub, code: str) -> None:
    refused = register(hub, replace(NEW, terminals=(code,)))
    assert isinstance(refused, Refusal) and refused.code == "invalid-registration"
    assert "terminal code" in refused.reason
    assert stored(hub, "MALLORY") is None


@pytest.mark.parametrize("code", [c for c in HOSTILE if c.strip()])
@pytest.mark.parametrize("field", ["party_id", "broker_user", "edi_ids"])
def test_a_party_id_broker_user_or_edi_id_that_is_no_plain_word_is_refused(
    hub: Hub, field: str, code: str
) -> None:
    value: Any = ((code, "ZZZ"),) if field == "edi_ids" else code
    refused = register(hub, replace(NEW, **{field: value}))
    assert isinstance(refused, Refusal) and refused.code == "invalid-registration", refused
    assert stored(hub, "MALLORY") is None
    with hub.uow() as uow:
        assert all(code not in p.terminals for p in uow.partners.all())


@pytest.mark.parametrize("terminal", ["PSAT", "psat", " PSAT "])
def test_another_partners_terminal_code_is_refused(hub: Hub, terminal: str) -> None:
    refused = register(hub, replace(NEW, terminals=(terminal,)))
    assert isinstance(refused, Refusal) and refused.code == "identifier-taken"
    assert "PSAT" in refused.reason
    assert stored(hub, "MALLORY") is None


@pytest.mark.parametrize(
    "change",
    [
        {"vat": "BE0456789034", "eori": "BE0403170701"},  # FWDANT's VAT
        {"vat": "BE0403170701", "eori": "BE0456789034"},  # FWDANT's EORI
        {"edi_ids": (("fwdant", "ZZZ"),)},  # FWDANT's EDI id, in lower case
        {"edi_ids": (("BE0456789034", "ZZ"),)},  # FWDANT's VAT as an EDI id
    ],
)
def test_another_companys_vat_eori_or_edi_id_is_refused(hub: Hub, change: dict[str, Any]) -> None:
    refused = register(hub, replace(NEW, terminals=(), **change))
    assert isinstance(refused, Refusal) and refused.code == "identifier-taken", refused
    assert stored(hub, "MALLORY") is None
    with hub.uow() as uow:
        fwdant = uow.partners.resolve(PartyRef("BE0456789034"))
        assert fwdant is not None and fwdant.party_id == "FWDANT"
        assert uow.partners.resolve(PartyRef("FWDANT")) == fwdant


def test_the_database_refuses_a_second_partner_with_a_taken_vat_or_terminal(hub: Hub) -> None:
    """The backstop under the registry's check: a partner saved behind its back."""
    clashes: list[dict[str, Any]] = [
        {"vat": "BE0456789034"},
        {"eori": "be0456789034"},
        {"terminals": ("PSAT",)},
        {"edi_ids": (("MSCBE", "ZZZ"),)},
    ]
    for clash in clashes:
        twin = Partner("TWIN", "Twin", status=Status.REQUESTED, **clash)
        with hub.uow() as uow, pytest.raises(IntegrityError):
            uow.partners.save(twin)
            uow.commit()
    assert stored(hub, "TWIN") is None


def test_a_lookup_never_lands_on_an_inactive_partner_in_place_of_an_active_one() -> None:
    from hub.ledger.partners import _Index

    requested = Partner("AAAREQ", "Early bird", vat="BE0456789034", terminals=("PSAT",))
    active = Partner(
        "FWDANT",
        "Antwerp Forwarding",
        vat="BE0456789034",
        terminals=("PSAT",),
        status=Status.ACTIVE,
        roles=frozenset({Role.RELEASE_PARTY}),
    )
    for rows in ([requested, active], [active, requested]):
        index = _Index(rows)
        assert index.by_code["BE0456789034"] is active
        assert index.by_terminal["PSAT"] is active


def test_a_partners_file_with_a_wildcard_or_a_shared_terminal_is_refused_whole(hub: Hub) -> None:
    """`hub partners load` saves partners as they are: the same checks, all or nothing."""
    good = Partner("GOOD", "Good", terminals=("GOODT",), status=Status.ACTIVE)
    for bad in (
        [good, Partner("HASH", "Hash", terminals=("#",), status=Status.ACTIVE)],
        [good, Partner("TWIN", "Twin", terminals=("GOODT",))],
        [good, Partner("TAKER", "Taker", vat="BE0456789034")],  # FWDANT's VAT
        [good, replace(good, name="Good again")],
    ):
        with hub.uow() as uow:
            refused = registry.load(uow, bad, T0, "hub partners load")
        assert isinstance(refused, Refusal) and refused.code == "invalid-registration"
        assert stored(hub, "GOOD") is None
    with hub.uow() as uow:
        fwdant = uow.partners.get("FWDANT")
        assert fwdant is not None
        reloaded = registry.load(uow, [good, replace(fwdant, name="FWD")], T0, "load")
        assert not isinstance(reloaded, Refusal)
        uow.commit()
    assert stored(hub, "GOOD") == good
