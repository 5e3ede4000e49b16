"""Registration rules (issue 14): a known company (VAT + EORI) registering again is recognised
and gets no role on the spot — a role it asks for is a request the hub's team decides; EORI and
a role are required; VAT formats of EU and non-EU countries; requested → approved / denied →
activated → ready, suspended and resubmitted; unlink a platform, unpair a wallet; all audited."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from hub.bootstrap import Hub
from hub.domain.partners import Role, may_act_in_role
from hub.domain.refusals import Refusal
from hub.service_layer import registry
from hub.service_layer.registry import Registration
from tests.unit.service.test_money_support import STORY, T0, Clock, audit_rows, make_hub, play

FWDANT_AGAIN = Registration(
    name="Antwerp Forwarding BV",
    vat="BE0456789034",
    eori="BE0456789034",
    roles=("ship_agent",),
)
TRUCKCO_AGAIN = Registration(
    name="Scheldt Trucking NV",
    vat="BE0876543270",
    eori="BE0876543270",
    roles=("customs", "transport_operator"),
)


@pytest.fixture()
def hub(tmp_path: Path) -> Hub:
    the_hub: Hub = make_hub(tmp_path, Clock())[0]
    return the_hub


def register(the_hub: Hub, form: Registration) -> Any:
    with the_hub.uow() as uow:
        done = registry.register(uow, form, T0, "register")
        if not isinstance(done, Refusal):
            uow.commit()
    return done


def roles_of(the_hub: Hub, party: str) -> set[str]:
    with the_hub.uow() as uow:
        partner = uow.partners.get(party)
    assert partner is not None
    return {r.value for r in partner.roles}


@pytest.mark.parametrize(
    ("form", "party", "asked", "held"),
    [
        (FWDANT_AGAIN, "FWDANT", Role.SHIP_AGENT, {"release_party"}),
        (TRUCKCO_AGAIN, "TRUCKCO", Role.CUSTOMS, {"transport_operator"}),
    ],
)
def test_registering_again_grants_no_role_on_the_spot(
    hub: Hub, form: Registration, party: str, asked: Role, held: set[str]
) -> None:
    """The role-escalation case: a forwarder became a ship agent, a haulier customs."""
    done = register(hub, form)
    assert not isinstance(done, Refusal) and done.existing
    assert done.partner.party_id == party
    assert roles_of(hub, party) == held
    with hub.uow() as uow:
        partner = uow.partners.get(party)
    assert partner is not None and not may_act_in_role(partner, asked)
    assert done.requested_roles == (asked,) and asked in partner.pending_roles
    assert "already registered as" in done.advice and "wait" in done.advice
    assert audit_rows(hub, "RoleRequested")[0].details == {"party": party, "roles": [asked]}


def test_a_role_request_waits_for_the_hub_team_then_is_granted_or_denied(hub: Hub) -> None:
    register(hub, FWDANT_AGAIN)
    again = register(hub, FWDANT_AGAIN)  # asked twice: one request
    assert again.requested_roles == () and "already wait" in again.advice
    release = play(hub, STORY[:1])[0]  # MSCBE's release still works; FWDANT is no agent yet
    assert release.status == "applied"
    with hub.uow() as uow:
        no_reason = registry.deny_role(uow, "FWDANT", "ship_agent", " ", T0, "deny-role")
        assert isinstance(no_reason, Refusal) and no_reason.code == "reason-required"
        nothing = registry.approve_role(uow, "FWDANT", "customs", T0, "approve-role")
        assert isinstance(nothing, Refusal) and nothing.code == "no-role-request"
        granted = registry.approve_role(uow, "FWDANT", "ship_agent", T0, "hub approve-role")
        assert not isinstance(granted, Refusal)
        uow.commit()
    assert roles_of(hub, "FWDANT") == {"release_party", "ship_agent"}
    assert granted.pending_roles == frozenset()
    register(hub, TRUCKCO_AGAIN)
    with hub.uow() as uow:
        denied = registry.deny_role(uow, "TRUCKCO", "customs", "not customs", T0, "deny-role")
        assert not isinstance(denied, Refusal) and denied.pending_roles == frozenset()
        uow.commit()
    assert roles_of(hub, "TRUCKCO") == {"transport_operator"}
    assert audit_rows(hub, "RoleApproved")[0].details == {"party": "FWDANT", "role": "ship_agent"}
    assert audit_rows(hub, "RoleDenied")[0].details["reason"] == "not customs"


NEW = Registration(
    name="Thames Freight Ltd",
    vat="GB123456789",
    eori="GB123456789000",
    roles=("release_party",),
    party_id="THAMES",
)


@pytest.mark.parametrize(
    "change",
    [
        {},
        {"vat": "CHE-123.456.789 MWST", "eori": "DE7654321", "party_id": "ZURICH"},
        {"vat": "NO 123456789 MVA", "eori": "NL123456789", "party_id": "OSLO"},
        {"vat": "US123456789", "eori": "NL987654321", "party_id": "NEWARK"},
        {"vat": "BR12345678000195", "eori": "ES12345678Z", "party_id": "SANTOS"},
    ],
)
def test_uk_swiss_and_other_non_eu_companies_can_register(hub: Hub, change: dict[str, Any]) -> None:
    done = register(hub, replace(NEW, **change))
    assert not isinstance(done, Refusal), done
    assert not done.existing and done.partner.status.value == "requested"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"eori": ""}, "needs the EORI"),
        ({"roles": ()}, "at least one role"),
        ({"vat": "GB12345"}, "format of GB"),
        ({"vat": "CH123456789"}, "format of CH"),
        ({"vat": "ZZ123456789"}, "country code"),
        ({"vat": "GR123456789"}, "Greece: EL"),
        ({"name": "Thames " + "x" * 300}, "name is longer than 200"),
        ({"name": "Thames\x00Freight"}, "name holds a control character"),
        ({"address": "Dock 1\x1b[2J"}, "address holds a control character"),
        ({"billing_address": "b" * 301}, "billing_address is longer than 300"),
    ],
)
def test_eori_a_role_and_a_vat_number_of_the_countrys_format_are_required(
    hub: Hub, change: dict[str, Any], problem: str
) -> None:
    refused = register(hub, replace(NEW, **change))
    assert isinstance(refused, Refusal) and problem in refused.reason
    with hub.uow() as uow:
        assert uow.partners.get("THAMES") is None


def step(the_hub: Hub, name: str, *args: str) -> Any:
    with the_hub.uow() as uow:
        done = getattr(registry, name)(uow, "THAMES", *args, T0, f"hub partners {name}")
        if not isinstance(done, Refusal):
            uow.commit()
    return done


def test_requested_denied_resubmitted_approved_activated_ready_suspended(hub: Hub) -> None:
    register(hub, NEW)
    shown = []
    for name, *args in (
        ("deny", "no contract yet"),
        ("resubmit",),
        ("approve",),
        ("activate",),
        ("record_portal_login",),
        ("suspend", "unpaid invoice"),
        ("resubmit",),
        ("approve",),
        ("activate",),
    ):
        done = step(hub, name, *args)
        assert not isinstance(done, Refusal), (name, done)
        shown.append(registry.profile(done)["state"])
    assert shown == [
        "denied",
        "resubmitted",
        "approved",
        "activated",
        "ready",
        "suspended",
        "resubmitted",
        "approved",
        "ready",
    ]
    assert isinstance(step(hub, "suspend", ""), Refusal)  # a reason is required
    assert isinstance(step(hub, "resubmit"), Refusal)  # an active company does not resubmit
    actions = [r.action for r in audit_rows(hub, "PartnerSuspended")]
    actions += [r.action for r in audit_rows(hub, "PartnerResubmitted")]
    assert actions == ["PartnerSuspended", "PartnerResubmitted", "PartnerResubmitted"]
    assert len(audit_rows(hub, "PartnerFirstLogin")) == 1


def test_a_platform_is_unlinked_and_a_wallet_unpaired(hub: Hub) -> None:
    with hub.uow() as uow:
        unlinked = registry.unlink(uow, "SCR", "FWDANT", T0, "hub partners unlink SCR FWDANT")
        assert not isinstance(unlinked, Refusal) and unlinked.linked_organisations == frozenset()
        again = registry.unlink(uow, "SCR", "FWDANT", T0, "again")
        assert isinstance(again, Refusal) and again.code == "not-linked"
        uow.wallets.pair("TRUCKCO", "W-1", T0)
        assert registry.unpair_wallet(uow, "TRUCKCO", T0, "hub wallet unpair TRUCKCO") == "W-1"
        assert uow.wallets.paired("TRUCKCO") is None
        none = registry.unpair_wallet(uow, "TRUCKCO", T0, "again")
        assert isinstance(none, Refusal) and none.code == "not-paired"
        uow.commit()
    assert audit_rows(hub, "PlatformUnlinked")[0].details == {
        "platform": "SCR",
        "organisation": "FWDANT",
    }
    assert audit_rows(hub, "WalletUnpaired")[0].details == {"party": "TRUCKCO", "wallet_id": "W-1"}
