"""Every transition of the release-right lifecycle: what it publishes and what it leaves behind."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from hub.domain import events as e
from hub.domain.model import Actor, ContainerFile, LinkStatus, ReleaseRight
from hub.domain.values import CustomsStatus, RightStatus, TerminalEvent

from .story import (
    AGENT,
    BARGE,
    BL1,
    BL2,
    CONTAINER,
    CUSTOMS,
    DEFAULT_EXPIRY,
    DRIVER,
    DRIVER_2,
    FORWARDER,
    FORWARDER_2,
    HAULIER,
    HAULIER_2,
    OTHER_AGENT,
    OTHER_TERMINAL,
    REF,
    REF_2,
    STATES,
    T0,
    TERMINAL,
    TERMINAL_OP,
    Story,
    accept,
    assign,
    block,
    business,
    customs,
    decline,
    delete,
    link,
    release,
    revoke,
    revoke_pickup,
    revoke_transfer,
    terminal,
    transfer,
    unblock,
    update,
)

LATER = T0 + timedelta(days=10)
FWD, FWD2, TO, TO2 = (a.party_id for a in (FORWARDER, FORWARDER_2, HAULIER, HAULIER_2))
AG = AGENT.party_id


def right(file: ContainerFile) -> ReleaseRight:
    assert file.right is not None
    return file.right


def offered_to(party: str) -> Callable[[ContainerFile], bool]:
    def check(file: ContainerFile) -> bool:
        pending = right(file).pending
        return pending is not None and pending.to_party == party

    return check


# (id, state, actor, command, recipient, business events, what must hold afterwards)
TRANSITIONS: list[tuple[str, str, Actor, Any, Actor | None, list[e.Event], Callable[..., bool]]]
# fmt: off
TRANSITIONS = [
    # release
    ("release offers the right to the first party", "fresh", AGENT, release(), FORWARDER,
     [e.Released(CONTAINER, REF, AG, AG), e.RightTransferred(CONTAINER, REF, AG, FWD)],
     lambda f: right(f).holder == AG and offered_to(FWD)(f)
     and right(f).status is RightStatus.RELEASED and right(f).expires_at == DEFAULT_EXPIRY
     and (right(f).terminal, right(f).port, right(f).bills_of_lading) == (TERMINAL, "BEANR",
                                                                          (BL1,))),
    ("release with the agent's expiry", "fresh", AGENT, release(expires_at=LATER), FORWARDER,
     [e.Released(CONTAINER, REF, AG, AG), e.RightTransferred(CONTAINER, REF, AG, FWD)],
     lambda f: right(f).expires_at == LATER),
    ("release straight to a transport operator", "fresh", AGENT, release(HAULIER), HAULIER,
     [e.Released(CONTAINER, REF, AG, AG), e.RightTransferred(CONTAINER, REF, AG, TO)],
     offered_to(TO)),
    ("re-release after revoke", "revoked", AGENT, release(FORWARDER_2, REF_2), FORWARDER_2,
     [e.Released(CONTAINER, REF_2, AG, AG), e.RightTransferred(CONTAINER, REF_2, AG, FWD2)],
     lambda f: right(f).release_ref == REF_2 and len(right(f).chain) == 1
     and offered_to(FWD2)(f)),
    ("re-release after revoke under the same reference", "revoked", AGENT, release(),
     FORWARDER, [e.Released(CONTAINER, REF, AG, AG), e.RightTransferred(CONTAINER, REF, AG, FWD)],
     lambda f: right(f).status is RightStatus.RELEASED and right(f).pickup is None),
    ("release after expiry", "expired", AGENT, release(ref=REF_2), FORWARDER,
     [e.Released(CONTAINER, REF_2, AG, AG), e.RightTransferred(CONTAINER, REF_2, AG, FWD)],
     lambda f: right(f).status is RightStatus.RELEASED),
    ("release after pick-up (next visit)", "picked_up", OTHER_AGENT, release(ref=REF_2),
     FORWARDER, [e.Released(CONTAINER, REF_2, OTHER_AGENT.party_id, OTHER_AGENT.party_id),
                 e.RightTransferred(CONTAINER, REF_2, OTHER_AGENT.party_id, FWD)],
     lambda f: right(f).agent == OTHER_AGENT.party_id),
    # update (replace)
    ("update replaces the fields given", "with_haulier", AGENT,
     update(bills_of_lading=(BL1, BL2), terminal=OTHER_TERMINAL, expires_at=LATER), None,
     [e.ReleaseUpdated(CONTAINER, REF, ("bills_of_lading", "terminal", "expires_at"))],
     lambda f: (right(f).bills_of_lading, right(f).terminal, right(f).expires_at)
     == ((BL1, BL2), OTHER_TERMINAL, LATER) and right(f).port == "BEANR"
     and right(f).holder == TO),
    ("update with nothing new", "with_haulier", AGENT, update(terminal=TERMINAL), None,
     [e.ReleaseUpdated(CONTAINER, REF, ())], lambda f: right(f).holder == TO),
    ("update naming the same first party", "with_haulier", AGENT, update(to=FORWARDER),
     FORWARDER, [e.ReleaseUpdated(CONTAINER, REF, ())], lambda f: right(f).holder == TO),
    ("update readdresses a pending release", "offered", AGENT, update(to=FORWARDER_2),
     FORWARDER_2,
     [e.ReleaseUpdated(CONTAINER, REF, ("release_to",)),
      e.TransferRevoked(CONTAINER, REF, AG, FWD), e.RightTransferred(CONTAINER, REF, AG, FWD2)],
     lambda f: offered_to(FWD2)(f) and right(f).parties() == (AG, FWD, FWD2)),
    ("update readdresses a declined release", "declined", AGENT, update(to=FORWARDER_2),
     FORWARDER_2,
     [e.ReleaseUpdated(CONTAINER, REF, ("release_to",)),
      e.RightTransferred(CONTAINER, REF, AG, FWD2)],
     offered_to(FWD2)),
    ("a new expiry brings an expired release back", "expired", AGENT,
     update(expires_at=DEFAULT_EXPIRY + timedelta(days=5)), None,
     [e.ReleaseUpdated(CONTAINER, REF, ("expires_at",))],
     lambda f: right(f).status is RightStatus.RELEASED and right(f).holder == TO),
    ("update of a blocked release keeps it blocked", "blocked", AGENT, update(expires_at=LATER),
     None, [e.ReleaseUpdated(CONTAINER, REF, ("expires_at",))],
     lambda f: right(f).status is RightStatus.BLOCKED),
    # block / unblock
    ("block", "with_haulier", AGENT, block("freight unpaid"), None,
     [e.ReleaseBlocked(CONTAINER, REF, "freight unpaid")],
     lambda f: right(f).status is RightStatus.BLOCKED and right(f).reason == "freight unpaid"
     and right(f).holder == TO),
    ("unblock", "blocked", AGENT, unblock(), None, [e.ReleaseUnblocked(CONTAINER, REF)],
     lambda f: right(f).status is RightStatus.RELEASED and right(f).reason == ""),
    # revoke / delete (cancel)
    ("revoke resets the chain", "assigned", AGENT, revoke("cancelled"), None,
     [e.ReleaseRevoked(CONTAINER, REF, (FWD, TO), "cancelled")],
     lambda f: right(f).status is RightStatus.REVOKED and right(f).chain == []
     and right(f).pickup is None and right(f).holder == AG),
    ("revoke lists a party that was only offered", "offering_haulier", AGENT, revoke(), None,
     [e.ReleaseRevoked(CONTAINER, REF, (FWD, TO), "cancelled by line")],
     lambda f: right(f).chain == []),
    ("revoke an expired release", "expired", AGENT, revoke(), None,
     [e.ReleaseRevoked(CONTAINER, REF, (FWD, TO), "cancelled by line")],
     lambda f: right(f).status is RightStatus.REVOKED),
    ("revoke a blocked release", "blocked", AGENT, revoke(), None,
     [e.ReleaseRevoked(CONTAINER, REF, (FWD, TO), "cancelled by line")],
     lambda f: right(f).status is RightStatus.REVOKED),
    ("delete", "assigned", AGENT, delete(), None,
     [e.ReleaseDeleted(CONTAINER, REF, (FWD, TO))],
     lambda f: right(f).status is RightStatus.DELETED and right(f).chain == []
     and right(f).pickup is None),
    ("delete a revoked release", "revoked", AGENT, delete(), None,
     [e.ReleaseDeleted(CONTAINER, REF, ())], lambda f: right(f).status is RightStatus.DELETED),
    # transfer / accept / decline / revoke transfer
    ("transfer by the holder", "with_forwarder", FORWARDER, transfer(HAULIER), HAULIER,
     [e.RightTransferred(CONTAINER, REF, FWD, TO)],
     lambda f: offered_to(TO)(f) and right(f).holder == FWD),
    ("transfer between release parties", "with_forwarder", FORWARDER, transfer(FORWARDER_2),
     FORWARDER_2, [e.RightTransferred(CONTAINER, REF, FWD, FWD2)], offered_to(FWD2)),
    ("the agent offers again after a decline", "declined", AGENT, transfer(FORWARDER_2),
     FORWARDER_2, [e.RightTransferred(CONTAINER, REF, AG, FWD2)], offered_to(FWD2)),
    ("transfer of a blocked right", "blocked", HAULIER, transfer(HAULIER_2), HAULIER_2,
     [e.RightTransferred(CONTAINER, REF, TO, TO2)], offered_to(TO2)),
    ("accept the release", "offered", FORWARDER, accept(), None,
     [e.RightAccepted(CONTAINER, REF, AG, FWD)],
     lambda f: right(f).holder == FWD and right(f).pending is None
     and not right(f).held_by_transport_operator),
    ("accept by a transport operator", "offering_haulier", HAULIER, accept(), None,
     [e.RightAccepted(CONTAINER, REF, FWD, TO)],
     lambda f: right(f).holder == TO and right(f).held_by_transport_operator),
    ("decline", "offering_haulier", HAULIER, decline("no truck"), None,
     [e.RightDeclined(CONTAINER, REF, FWD, TO, "no truck")],
     lambda f: right(f).holder == FWD and right(f).pending is None
     and right(f).chain[-1].status is LinkStatus.DECLINED),
    ("decline the release", "offered", FORWARDER, decline("not ours"), None,
     [e.RightDeclined(CONTAINER, REF, AG, FWD, "not ours")],
     lambda f: right(f).holder == AG and right(f).pending is None),
    ("revoke a pending transfer", "offering_haulier", FORWARDER, revoke_transfer(), None,
     [e.TransferRevoked(CONTAINER, REF, FWD, TO)],
     lambda f: right(f).holder == FWD and right(f).pending is None
     and right(f).chain[-1].status is LinkStatus.REVOKED),
    ("the agent takes back its offer", "offered", AGENT, revoke_transfer(), None,
     [e.TransferRevoked(CONTAINER, REF, AG, FWD)],
     lambda f: right(f).holder == AG and right(f).pending is None),
    # pickup
    ("assign a driver", "with_haulier", HAULIER, assign(DRIVER), None,
     [e.PickupAssigned(CONTAINER, REF, TO, DRIVER)], lambda f: right(f).pickup == DRIVER),
    ("assign a barge", "with_haulier", HAULIER, assign(BARGE), None,
     [e.PickupAssigned(CONTAINER, REF, TO, BARGE)], lambda f: right(f).pickup == BARGE),
    ("update the pickup", "assigned", HAULIER, assign(DRIVER_2), None,
     [e.PickupAssigned(CONTAINER, REF, TO, DRIVER_2)], lambda f: right(f).pickup == DRIVER_2),
    ("revoke the pickup", "assigned", HAULIER, revoke_pickup(), None,
     [e.PickupRevoked(CONTAINER, REF, TO)], lambda f: right(f).pickup is None),
    ("assign on a blocked right", "blocked", HAULIER, assign(), None,
     [e.PickupAssigned(CONTAINER, REF, TO, DRIVER)], lambda f: right(f).pickup == DRIVER),
    # terminal
    ("discharge", "offered", TERMINAL_OP, terminal(TerminalEvent.DISCHARGED), None, [],
     lambda f: f.discharged and f.terminal == TERMINAL),
    ("terminal release", "offered", TERMINAL_OP, terminal(TerminalEvent.RELEASED), None, [],
     lambda f: f.terminal_hold == "released"),
    ("terminal block", "authorised", TERMINAL_OP, terminal(TerminalEvent.BLOCKED), None, [],
     lambda f: f.terminal_hold == "blocked" and f.discharged),
    ("terminal scan", "authorised", TERMINAL_OP, terminal(TerminalEvent.SCANNING), None, [],
     lambda f: f.terminal_hold == "scanning"),
    ("load changes nothing", "authorised", TERMINAL_OP, terminal(TerminalEvent.LOADED), None,
     [], lambda f: f.discharged and f.terminal_hold == ""),
    ("gate-in changes nothing", "offered", TERMINAL_OP, terminal(TerminalEvent.GATE_IN), None,
     [], lambda f: not f.discharged),
    ("gate-out ends the right", "authorised", TERMINAL_OP, terminal(TerminalEvent.GATE_OUT),
     None, [e.PickedUp(CONTAINER, REF, TO)],
     lambda f: right(f).status is RightStatus.PICKED_UP and not f.discharged),
    ("gate-out of a revoked right", "revoked", TERMINAL_OP, terminal(TerminalEvent.GATE_OUT),
     None, [], lambda f: right(f).status is RightStatus.REVOKED),
    ("gate-out without a release", "fresh", TERMINAL_OP, terminal(TerminalEvent.GATE_OUT), None,
     [], lambda f: f.right is None),
    # customs and manifest
    ("customs status of the container", "offered", CUSTOMS, customs(CustomsStatus.FASFC), None,
     [], lambda f: f.customs_container is CustomsStatus.FASFC),
    ("customs status of a B/L", "offered", CUSTOMS, customs(CustomsStatus.RELEASED, BL1), None,
     [], lambda f: f.customs_bl == {BL1: CustomsStatus.RELEASED}),
    ("customs status before any release", "fresh", CUSTOMS, customs(CustomsStatus.RELEASED),
     None, [], lambda f: f.customs_container is CustomsStatus.RELEASED),
    ("link a B/L from the manifest", "offered", AGENT, link(BL2), None,
     [e.BillOfLadingLinked(CONTAINER, BL2)], lambda f: f.bills_of_lading() == (BL1, BL2)),
    ("link a known B/L again", "offered", CUSTOMS, link(BL1), None,
     [e.BillOfLadingLinked(CONTAINER, BL1)], lambda f: f.bills_of_lading() == (BL1,)),
]
# fmt: on


@pytest.mark.parametrize(
    ("state", "actor", "command", "recipient", "published", "holds"),
    [pytest.param(*row[1:], id=row[0]) for row in TRANSITIONS],
)
def test_a_transition_publishes_and_changes_the_file(
    state: str,
    actor: Actor,
    command: Any,
    recipient: Actor | None,
    published: list[e.Event],
    holds: Callable[[ContainerFile], bool],
) -> None:
    story = STATES[state]()

    events = story.do(actor, command, recipient)

    assert business(events) == published
    assert holds(story.file)


def test_linking_the_same_bill_twice_publishes_once() -> None:
    story = STATES["offered"]()
    story.ok(AGENT, link(BL2))

    assert business(story.ok(CUSTOMS, link(BL2))) == []


def test_accept_by_a_new_holder_clears_the_previous_pickup() -> None:
    story = STATES["assigned"]()
    story.ok(HAULIER, transfer(HAULIER_2), HAULIER_2)
    assert right(story.file).pickup == DRIVER  # still the haulier's until accepted

    story.ok(HAULIER_2, accept())

    assert right(story.file).pickup is None
    assert right(story.file).holder == TO2


def test_a_declined_transfer_keeps_the_pickup() -> None:
    story = STATES["assigned"]()
    story.ok(HAULIER, transfer(HAULIER_2), HAULIER_2)

    story.ok(HAULIER_2, decline())

    assert right(story.file).pickup == DRIVER
    assert right(story.file).holder == TO


def test_parties_answer_in_turn_down_a_long_chain() -> None:
    story = Story().released().accepted_by(FORWARDER).passed(FORWARDER, FORWARDER_2)
    story.passed(FORWARDER_2, HAULIER).passed(HAULIER, HAULIER_2)

    assert right(story.file).holder == TO2
    assert right(story.file).parties() == (AG, FWD, FWD2, TO, TO2)
    assert business(story.ok(AGENT, revoke()))[0] == e.ReleaseRevoked(
        CONTAINER, REF, (FWD, FWD2, TO, TO2), "cancelled by line"
    )
