"""The partner registry through the service layer on SQLite (issue 9): registration checks and
recognition by VAT/EORI, status changes, release platforms, transfers refused to unknown or
inactive parties, and actions in a role not held."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from hub.adapters.inprocess import InProcessTransport
from hub.bootstrap import Hub
from hub.domain.partners import Status, may_act_for
from hub.domain.refusals import Refusal
from hub.service_layer import approvals, registry
from hub.service_layer.registry import Registration
from tests.unit.service.test_money_support import (
    STORY,
    T0,
    Clock,
    audit_rows,
    deliver,
    make_hub,
    ok,
    play,
    sample,
    set_status,
)

NEW = Registration(
    name="Kempen Haulage NV",
    vat="BE 0403.170.701",
    eori="BE0403170701",
    party_id="KEMPEN",
    roles=("transport_operator",),
    broker_user="kempen",
    billing_address="Postbus 1, 2000 Antwerpen",
)


@pytest.fixture()
def clock() -> Clock:
    return Clock()


@pytest.fixture()
def hub(tmp_path: Path, clock: Clock) -> tuple[Hub, InProcessTransport]:
    return make_hub(tmp_path, clock)


def register(the_hub: Hub, form: Registration) -> registry.Registered | Refusal:
    with the_hub.uow() as uow:
        done = registry.register(uow, form, T0, "hub partners register")
        uow.commit()
    return done


def partner_count(the_hub: Hub) -> int:
    with the_hub.uow() as uow:
        return len(uow.partners.all())


def test_a_registration_is_checked_normalised_and_requested(
    hub: tuple[Hub, InProcessTransport],
) -> None:
    the_hub, _ = hub
    done = ok(register(the_hub, NEW))
    p = done.partner
    assert not done.existing
    assert (p.party_id, p.vat, p.country, p.status) == (
        "KEMPEN",
        "BE0403170701",
        "BE",
        Status.REQUESTED,
    )
    assert p.invoice_address == "Postbus 1, 2000 Antwerpen"
    assert audit_rows(the_hub, "PartnerRegistered")[0].details["party"] == "KEMPEN"
    with the_hub.uow() as uow:
        shown = registry.profile(uow.partners.get("KEMPEN"))  # type: ignore[arg-type]
    assert shown["roles"][0]["nl"] == "Transport operator"
    assert shown["roles"][0]["de"] == "Transportunternehmen"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"vat": "BE0403170702"}, "check digits"),
        ({"vat": "XX123"}, "country code"),
        ({"eori": "BE123"}, "Belgian EORI"),
        ({"country": "NL"}, "does not match"),
        ({"roles": ("pilot",)}, "unknown role"),
    ],
)
def test_a_bad_registration_is_refused_and_nothing_is_saved(
    hub: tuple[Hub, InProcessTransport], change: dict[str, Any], problem: str
) -> None:
    the_hub, _ = hub
    before = partner_count(the_hub)
    refused = register(the_hub, replace(NEW, **change))
    assert isinstance(refused, Refusal) and problem in refused.reason
    assert partner_count(the_hub) == before


def test_the_same_vat_and_eori_is_the_same_company_and_a_new_role_is_only_requested(
    hub: tuple[Hub, InProcessTransport],
) -> None:
    the_hub, _ = hub
    before = partner_count(the_hub)
    again = Registration(
        name="Scheldt Trucking",
        vat="BE0876.543.270",
        eori="BE0876543270",
        party_id="TRUCK2",
        roles=("release_party",),
    )
    done = ok(register(the_hub, again))
    assert done.existing and done.partner.party_id == "TRUCKCO"
    assert {r.value for r in done.partner.roles} == {"transport_operator"}
    assert done.partner.pending_roles == {"release_party"}
    assert partner_count(the_hub) == before
    with the_hub.uow() as uow:
        assert uow.partners.get("TRUCK2") is None
        assert uow.partners.get("TRUCKCO").status is Status.ACTIVE  # type: ignore[union-attr]
    recognised = audit_rows(the_hub, "PartnerRecognised")[0].details
    assert recognised["requested_roles"] == ["release_party"]


def test_a_party_id_or_broker_user_of_another_company_is_refused(
    hub: tuple[Hub, InProcessTransport],
) -> None:
    the_hub, _ = hub
    taken_id = register(the_hub, replace(NEW, party_id="FWDANT"))
    taken_user = register(the_hub, replace(NEW, broker_user="fwdant"))
    assert isinstance(taken_id, Refusal) and taken_id.code == "party-id-taken"
    assert isinstance(taken_user, Refusal) and taken_user.code == "broker-user-taken"


def move(the_hub: Hub, step: str, party: str, reason: str = "") -> object:
    with the_hub.uow() as uow:
        if step == "deny":
            result: object = registry.deny(uow, party, reason, T0, step)
        else:
            result = getattr(registry, step)(uow, party, T0, step)
        if not isinstance(result, Refusal):
            uow.commit()
    return result


def test_requested_approved_active_and_denied_with_a_reason(
    hub: tuple[Hub, InProcessTransport],
) -> None:
    the_hub, _ = hub
    ok(register(the_hub, NEW))
    assert isinstance(move(the_hub, "activate", "KEMPEN"), Refusal)  # not approved yet
    assert ok(move(the_hub, "approve", "KEMPEN")).status is Status.APPROVED
    assert ok(move(the_hub, "activate", "KEMPEN")).status is Status.ACTIVE
    ok(
        register(
            the_hub,
            replace(NEW, vat="BE0403180005", eori="BE0403180005", party_id="OTHER", broker_user=""),
        )
    )
    no_reason = move(the_hub, "deny", "OTHER")
    assert isinstance(no_reason, Refusal) and no_reason.code == "reason-required"
    denied = ok(move(the_hub, "deny", "OTHER", "no EORI"))
    assert (denied.status, denied.status_reason) == (Status.DENIED, "no EORI")
    actions = [row.action for row in audit_rows(the_hub, "PartnerDenied")]
    assert actions == ["PartnerDenied"]
    assert isinstance(move(the_hub, "approve", "NOBODY"), Refusal)


def test_a_release_platform_acts_only_for_linked_organisations(
    hub: tuple[Hub, InProcessTransport],
) -> None:
    the_hub, _ = hub
    platform = replace(
        NEW,
        name="SCR Platform",
        vat="BE0403180104",
        eori="BE0403180104",
        party_id="SCRX",
        broker_user="",
    )
    platform = replace(platform, roles=("release_platform",))
    ok(register(the_hub, platform))
    with the_hub.uow() as uow:
        refused = registry.link(uow, "FWDANT", "TRUCKCO", T0, "link")
        assert isinstance(refused, Refusal) and refused.code == "role-not-held"
        unknown = registry.link(uow, "SCRX", "NOBODY", T0, "link")
        assert isinstance(unknown, Refusal) and unknown.code == "party-unknown"
        ok(registry.link(uow, "SCRX", "FWDANT", T0, "hub partners link SCRX FWDANT"))
        uow.commit()
    for step in ("approve", "activate"):
        ok(move(the_hub, step, "SCRX"))
    with the_hub.uow() as uow:
        scr = uow.partners.get("SCRX")
    assert scr is not None
    assert may_act_for(scr, "FWDANT") and not may_act_for(scr, "MSCBE")
    linked = audit_rows(the_hub, "PlatformLinked")[0].details
    assert linked == {"platform": "SCRX", "organisation": "FWDANT"}


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (Status.APPROVED, "is not active (status approved)"),
        (Status.SUSPENDED, "is not active (status suspended)"),
    ],
)
def test_a_transfer_to_an_inactive_party_is_refused_until_it_is_activated(
    hub: tuple[Hub, InProcessTransport], status: Status, reason: str
) -> None:
    the_hub, _ = hub
    set_status(the_hub, "TRUCKCO", status)
    transfer = play(the_hub, STORY[:3])[-1]
    assert transfer.status == "rejected" and reason in str(transfer.problems[0])
    with the_hub.uow() as uow:
        right = uow.files.get("MSCU1234566").right
        assert right is not None and right.pending is None
    if status is Status.APPROVED:
        ok(move(the_hub, "activate", "TRUCKCO"))
    else:
        set_status(the_hub, "TRUCKCO", Status.ACTIVE)
    body = sample("demo/03_transfer.xml").replace(b"FWD-0002", b"FWD-0002b")
    assert deliver(the_hub, body, "fwdant", "retry").status == "applied"


def test_a_transfer_to_a_portal_company_waits_until_it_has_logged_in(
    hub: tuple[Hub, InProcessTransport],
) -> None:
    the_hub, _ = hub
    set_status(the_hub, "TRUCKCO", Status.ACTIVE, broker_user="", edi_ids=())  # web only
    transfer = play(the_hub, STORY[:3])[-1]
    assert transfer.status == "rejected"
    assert "TRUCKCO is registered but has not logged in" in str(transfer.problems[0])
    with the_hub.uow() as uow:
        approvals.record_portal_login(uow, "TRUCKCO", the_hub.clock(), "test: first login")
        uow.commit()
    body = sample("demo/03_transfer.xml").replace(b"FWD-0002", b"FWD-0002b")
    assert deliver(the_hub, body, "fwdant", "retry").status == "applied"


def test_a_transfer_to_an_unknown_party_is_refused(hub: tuple[Hub, InProcessTransport]) -> None:
    the_hub, _ = hub
    body = sample("demo/03_transfer.xml").replace(b"BE0876543270", b"BE0403170701")
    play(the_hub, STORY[:2])
    refused = deliver(the_hub, body, "fwdant", "unknown")
    assert refused.status == "rejected"
    assert "BE0403170701" in str(refused.problems[0])
    assert "is not registered" in str(refused.problems[0])


def test_an_action_in_a_role_not_held_is_refused(hub: tuple[Hub, InProcessTransport]) -> None:
    the_hub, _ = hub
    set_status(the_hub, "MSCBE", Status.ACTIVE, roles=frozenset({"release_party"}))
    release = play(the_hub, STORY[:1])[0]
    assert release.status == "rejected"
    assert "only a ship agent may release" in str(release.problems[0])
