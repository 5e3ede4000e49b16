"""The portal's service layer on SQLite (issue 15): an action is the canonical command through
the inbox, the rules, the audit (with the user) and the outbox; a form submitted twice has one
effect; a refusal carries the XML channel's reason; a company sees only its own link; the gate
check is the gate decision."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from hub.adapters.inprocess import InProcessTransport
from hub.bootstrap import Hub
from hub.domain import commands as c
from hub.domain.partners import Status
from hub.domain.refusals import Refusal
from hub.domain.users import User, UserRole, UserState
from hub.domain.values import PartyRef, Pickup, PickupMode
from hub.ledger.tables import outbox
from hub.service_layer import accounts, approvals, portal_actions, portal_views
from hub.service_layer.portal_actions import APPLIED, DUPLICATE, REFUSED, perform
from tests.unit.service.test_money_support import (
    STORY,
    Clock,
    audit_rows,
    deliver,
    fund,
    make_hub,
    play,
    sample,
    set_status,
)

CONTAINER, REF = "MSCU1234566", "MSCREL20261123"


def user(party: str, name: str) -> User:
    return User(f"u-{name}", party, f"{name}@x.example", UserRole.ADMIN, UserState.ACTIVE, name)


@pytest.fixture()
def hub(tmp_path: Path) -> tuple[Hub, InProcessTransport]:
    made = make_hub(tmp_path, Clock())
    fund(made[0], "TRUCKCO", "200.00", "low")
    play(made[0], STORY[:3])  # released to FWDANT, accepted, transferred to TRUCKCO
    return made


def act(hub: Hub, who: User, key: str, command: c.AnyCommand) -> portal_actions.ActionAnswer:
    return perform(hub.uow, hub.worker.hub, who, key, command)


def notifications(hub: Hub) -> int:
    """How many accept notifications the outbox holds."""
    with hub.db.connect() as conn:
        kinds = list(conn.scalars(select(outbox.c.message_type)))
    return kinds.count("AcceptedByNextParty")


def tokens_left(hub: Hub) -> int | None:
    with hub.uow() as uow:
        left = accounts.token_account(uow, "TRUCKCO", hub.clock()).balance
    assert left is not None
    return left.remaining


def test_a_form_submitted_twice_has_one_effect_audited_with_the_user(
    hub: tuple[Hub, InProcessTransport],
) -> None:
    the_hub, alice = hub[0], user("TRUCKCO", "alice")
    notified = notifications(the_hub)
    first = act(the_hub, alice, "form-1", c.AcceptRight(CONTAINER, REF))
    again = act(the_hub, alice, "form-1", c.AcceptRight(CONTAINER, REF))
    assert (first.status, again.status) == (APPLIED, DUPLICATE)
    assert tokens_left(the_hub) == 24  # one token, not two
    accepted = audit_rows(the_hub, "RightAccepted")
    assert [(r.actor, r.container) for r in accepted][-1] == ("TRUCKCO/alice", CONTAINER)
    assert len([r for r in accepted if r.actor == "TRUCKCO/alice"]) == 1
    assert [r.actor for r in audit_rows(the_hub, "duplicate")][-1] == "TRUCKCO/alice"
    assert notifications(the_hub) == notified + 1  # into the outbox, as for a message


def test_a_refusal_is_the_xml_channels_answer_and_changes_nothing(
    hub: tuple[Hub, InProcessTransport],
) -> None:
    the_hub, bob = hub[0], user("FWDANT", "bob")
    answer = act(the_hub, bob, "form-2", c.AcceptRight(CONTAINER, REF))
    assert answer.status == REFUSED
    assert answer.reason == "no transfer of this release right is waiting for you"
    refused = audit_rows(the_hub, "ActionRefused")
    assert refused[-1].actor == "FWDANT/bob"
    assert act(the_hub, bob, "form-2", c.AcceptRight(CONTAINER, REF)).status == DUPLICATE
    short = act(the_hub, bob, "form-3", c.TransferRight(CONTAINER, REF, PartyRef("NOBODY")))
    assert short.status == REFUSED and "not registered" in short.reason


def test_each_company_sees_only_its_own_link(hub: tuple[Hub, InProcessTransport]) -> None:
    the_hub = hub[0]
    act(the_hub, user("TRUCKCO", "alice"), "form-4", c.AcceptRight(CONTAINER, REF))
    with the_hub.uow() as uow:
        now = the_hub.clock()
        mine = portal_views.my_containers(uow, "TRUCKCO", now)
        agents = portal_views.my_containers(uow, "MSCBE", now, search="MEDUAN123456")
        barge = portal_views.my_containers(uow, "BARGECO", now)
        guessed = portal_views.container_page(uow, "BARGECO", CONTAINER, now)
        waiting = portal_views.my_containers(uow, "FWDANT", now, only="waiting")
    assert [r.container for r in mine] == [CONTAINER]
    chain = mine[0].view["chain"]
    assert [(x["from"], x["to"]) for x in chain] == [("FWDANT", "TRUCKCO")]
    assert mine[0].actions == ("assign", "transfer")
    assert [(x["from"], x["to"]) for x in agents[0].view["chain"]] == [("MSCBE", "FWDANT")]
    assert barge == [] and guessed is None
    assert [r.container for r in waiting] == ["FCIU9908030"]  # its other container, not yet


def test_the_gate_check_is_the_gate_decision(hub: tuple[Hub, InProcessTransport]) -> None:
    the_hub, alice = hub[0], user("TRUCKCO", "alice")
    act(the_hub, alice, "form-5", c.AcceptRight(CONTAINER, REF))
    pickup = Pickup(PickupMode.TRUCK, "AP1234567", "TAR-1")
    assert act(the_hub, alice, "form-6", c.AssignPickup(CONTAINER, REF, pickup)).status == APPLIED

    def check(identity: str, terminal: str = "PSAT") -> portal_views.GateCheck | None:
        with the_hub.uow() as uow:
            return portal_views.gate_check(uow, terminal, CONTAINER, identity, the_hub.clock())

    before = check("AP1234567")
    assert before is not None and not before.may_leave
    assert any(r.startswith("customs light GREY") for r in before.reasons)
    deliver(the_hub, sample("demo/05_customs.xml"), "becustoms", "cus")
    deliver(the_hub, sample("demo/06_discharge.edi"), "psat", "dis")
    after = check("AP1234567")
    assert after is not None and after.may_leave and after.tar == "TAR-1"
    other = check("AP7654321")
    assert other is not None and other.reasons == ("this identity is not the assigned pickup",)
    assert check("AP1234567", terminal="MPET") is None  # not at that company's terminal


def test_the_agent_blocks_unblocks_and_revokes_from_the_portal(
    hub: tuple[Hub, InProcessTransport],
) -> None:
    the_hub, agent = hub[0], user("MSCBE", "carla")
    act(the_hub, user("TRUCKCO", "alice"), "form-7", c.AcceptRight(CONTAINER, REF))
    assert tokens_left(the_hub) == 24

    def rows(only: str = "") -> list[portal_views.ContainerRow]:
        with the_hub.uow() as uow:
            return portal_views.my_containers(uow, "MSCBE", the_hub.clock(), CONTAINER, only)

    first = rows()[0]
    assert [(x["to"], x["status"]) for x in first.view["chain"]] == [("FWDANT", "accepted")]
    assert first.actions == ("update", "block", "revoke", "delete")
    assert act(the_hub, agent, "b", c.BlockRelease(CONTAINER, REF, "unpaid")).status == APPLIED
    assert [r.container for r in rows("blocked")] == [CONTAINER]
    assert rows()[0].view["lights"]["commercial"] == {"colour": "RED", "value": "blocked"}
    assert act(the_hub, agent, "u", c.UnblockRelease(CONTAINER, REF)).status == APPLIED
    assert rows("blocked") == []
    assert act(the_hub, agent, "r", c.RevokeRelease(CONTAINER, REF, "error")).status == APPLIED
    assert tokens_left(the_hub) == 25  # the operator's token came back
    assert rows()[0].actions == ()


def test_the_tokens_page_reminds_before_the_subscription_ends(
    hub: tuple[Hub, InProcessTransport],
) -> None:
    the_hub = hub[0]
    clock = the_hub.clock
    assert isinstance(clock, Clock)
    with the_hub.uow() as uow:
        now = portal_views.money(uow, "TRUCKCO", clock())
    assert now.wallet == "W-TRUCKCO" and not now.renewal_due
    assert now.account.balance is not None and now.account.balance.remaining == 25
    assert [line.balance for line in now.movements][-1] == Decimal("48.75")  # 200 - 151.25
    clock.at += timedelta(days=340)
    with the_hub.uow() as uow:
        later = portal_views.money(uow, "TRUCKCO", clock())
    assert later.renewal_due


def test_a_pending_transfer_is_revoked_or_declined_and_a_short_wallet_says_what_is_missing(
    hub: tuple[Hub, InProcessTransport],
) -> None:
    the_hub = hub[0]
    bob, alice = user("FWDANT", "bob"), user("TRUCKCO", "alice")
    assert act(the_hub, bob, "t1", c.RevokeTransfer(CONTAINER, REF)).status == APPLIED
    late = act(the_hub, alice, "t2", c.AcceptRight(CONTAINER, REF))
    assert late.status == REFUSED and "waiting for you" in late.reason
    to_truckco = c.TransferRight(CONTAINER, REF, PartyRef("BE0876543270"))
    assert act(the_hub, bob, "t3", to_truckco).status == APPLIED  # by VAT number
    assert act(the_hub, alice, "t4", c.DeclineRight(CONTAINER, REF, "no truck")).status == APPLIED
    with the_hub.uow() as uow:
        row = portal_views.container_page(uow, "FWDANT", CONTAINER, the_hub.clock())
        found = portal_views.find_companies(uow, "scheldt")
    assert row is not None and row.actions == ("transfer",)
    assert [p.party_id for p in found] == ["TRUCKCO"]
    fund(the_hub, "BARGECO", "100.00")
    with the_hub.uow() as uow:
        short = accounts.buy(uow, "BARGECO", "low", the_hub.clock(), "test")
    assert isinstance(short, Refusal)  # a German company: reverse charge, EUR 125.00 due
    assert short.reason.endswith("EUR 25.00 missing")


def test_a_portal_transfer_to_a_company_not_ready_yet_is_refused_with_the_reason(
    tmp_path: Path,
) -> None:
    the_hub, _ = make_hub(tmp_path, Clock())
    play(the_hub, STORY[:2])  # FWDANT holds the right
    set_status(the_hub, "BARGECO", Status.ACTIVE, broker_user="", edi_ids=())  # portal only
    command = c.TransferRight(CONTAINER, REF, PartyRef("BARGECO"))
    refused = act(the_hub, user("FWDANT", "fred"), "form-t", command)
    assert refused.status == REFUSED and "has not logged in to the portal yet" in refused.reason
    with the_hub.uow() as uow:
        approvals.record_portal_login(uow, "BARGECO", the_hub.clock(), "test: first login")
        uow.commit()
    assert act(the_hub, user("FWDANT", "fred"), "form-t2", command).status == APPLIED
