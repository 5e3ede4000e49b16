"""Every refusal of the rules: the reason, the APERAK code, and a file left exactly as it was."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import pytest

from hub.domain import commands as c
from hub.domain.events import ActionRefused
from hub.domain.model import Actor
from hub.domain.values import CustomsStatus, Pickup, PickupMode, TerminalEvent

from .story import (
    AGENT,
    BL2,
    CONTAINER,
    CUSTOMS,
    DRIVER_2,
    FORWARDER,
    FORWARDER_2,
    HAULIER,
    HAULIER_2,
    OTHER_AGENT,
    OTHER_TERMINAL,
    OTHER_TERMINAL_OP,
    REF_2,
    STATES,
    STRANGER,
    TERMINAL_OP,
    accept,
    assign,
    block,
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

ONLY_AGENT = "only the agent that released the container may change its release"
ONLY_HOLDER = "only the current holder may transfer the release right"
NOT_FOR_YOU = "no transfer of this release right is waiting for you"
ONLY_TO = "only the transport operator holding the right may assign"
NO_PICKUP = "no pickup of yours is assigned to this release right"
EXPIRED = "release REL-001 is expired"

# (id, starting state, actor, command, recipient, reason)
# fmt: off
REFUSALS: list[tuple[str, str, Actor, Any, Actor | None, str]] = [
    # release
    ("release by a forwarder", "fresh", FORWARDER, release(), FORWARDER,
     "only a ship agent may release a container"),
    ("release by a terminal", "fresh", TERMINAL_OP, release(), FORWARDER,
     "only a ship agent may release a container"),
    ("release to an unknown party", "fresh", AGENT, release(STRANGER), None,
     "release party NOBODY is not known"),
    ("duplicate release", "offered", AGENT, release(), FORWARDER,
     "release REL-001 already exists; send a replace"),
    ("duplicate release once accepted", "with_haulier", AGENT, release(), FORWARDER,
     "release REL-001 already exists; send a replace"),
    ("duplicate release while blocked", "blocked", AGENT, release(), FORWARDER,
     "release REL-001 already exists; send a replace"),
    ("second release while one is active", "offered", AGENT, release(ref=REF_2), FORWARDER,
     "container already has active release REL-001"),
    ("another agent's release while active", "offered", OTHER_AGENT, release(ref=REF_2),
     FORWARDER, "container already has active release REL-001"),
    # update (replace)
    ("update without a release", "fresh", AGENT, update(terminal="K1742"), None,
     "no release REL-001 for container MSCU1234566"),
    ("update of another release", "offered", AGENT, update(REF_2, terminal="K1742"), None,
     "no release REL-002 for container MSCU1234566"),
    ("update by another agent", "offered", OTHER_AGENT, update(terminal="K1742"), None,
     ONLY_AGENT),
    ("update by the holder", "with_forwarder", FORWARDER, update(terminal="K1742"), None,
     ONLY_AGENT),
    ("readdress after the first party accepted", "with_forwarder", AGENT,
     update(to=FORWARDER_2), FORWARDER_2,
     "the first release party has accepted; revoke and release"),
    ("readdress to an unknown party", "offered", AGENT, update(to=STRANGER), None,
     "release party NOBODY is not known"),
    ("update of a deleted release", "deleted", AGENT, update(terminal="K1742"), None,
     "release REL-001 is deleted"),
    ("update of a picked-up release", "picked_up", AGENT, update(terminal="K1742"), None,
     "release REL-001 is picked_up"),
    ("update of a revoked release", "revoked", AGENT, update(terminal="K1742"), None,
     "release REL-001 is revoked; send a new release"),
    # block / unblock
    ("block by another agent", "with_haulier", OTHER_AGENT, block(), None, ONLY_AGENT),
    ("block by the holder", "with_haulier", HAULIER, block(), None, ONLY_AGENT),
    ("block twice", "blocked", AGENT, block(), None, "release REL-001 is blocked"),
    ("block a revoked release", "revoked", AGENT, block(), None, "release REL-001 is revoked"),
    ("block an expired release", "expired", AGENT, block(), None, "release REL-001 is expired"),
    ("block a deleted release", "deleted", AGENT, block(), None, "release REL-001 is deleted"),
    ("unblock by another agent", "blocked", OTHER_AGENT, unblock(), None, ONLY_AGENT),
    ("unblock what is not blocked", "with_haulier", AGENT, unblock(), None,
     "release REL-001 is not blocked"),
    # revoke / delete
    ("revoke by another agent", "with_haulier", OTHER_AGENT, revoke(), None, ONLY_AGENT),
    ("revoke by the holder", "with_haulier", HAULIER, revoke(), None, ONLY_AGENT),
    ("revoke twice", "revoked", AGENT, revoke(), None, "release REL-001 is already revoked"),
    ("revoke a deleted release", "deleted", AGENT, revoke(), None, "release REL-001 is deleted"),
    ("revoke a picked-up release", "picked_up", AGENT, revoke(), None,
     "release REL-001 is picked_up"),
    ("revoke without a release", "fresh", AGENT, revoke(), None,
     "no release REL-001 for container MSCU1234566"),
    ("delete by another agent", "with_haulier", OTHER_AGENT, delete(), None, ONLY_AGENT),
    ("delete twice", "deleted", AGENT, delete(), None, "release REL-001 is deleted"),
    # transfer
    ("transfer without a release", "fresh", FORWARDER, transfer(HAULIER), HAULIER,
     "no release for container MSCU1234566"),
    ("transfer of another release", "with_forwarder", FORWARDER, transfer(HAULIER, REF_2),
     HAULIER, "release REL-002 does not match current release REL-001"),
    ("transfer by a non-holder", "with_forwarder", HAULIER, transfer(HAULIER_2), HAULIER_2,
     ONLY_HOLDER),
    ("transfer by the offeree before accepting", "offered", FORWARDER, transfer(HAULIER),
     HAULIER, ONLY_HOLDER),
    ("transfer by the agent after acceptance", "with_forwarder", AGENT, transfer(FORWARDER_2),
     FORWARDER_2, ONLY_HOLDER),
    ("transfer by a former holder", "with_haulier", FORWARDER, transfer(FORWARDER_2),
     FORWARDER_2, ONLY_HOLDER),
    ("transfer while one is pending", "offering_haulier", FORWARDER, transfer(HAULIER_2),
     HAULIER_2, "a transfer is already waiting for an answer; revoke it first"),
    ("agent transfer while the release is pending", "offered", AGENT, transfer(FORWARDER_2),
     FORWARDER_2, "a transfer is already waiting for an answer; revoke it first"),
    ("transfer to oneself", "with_forwarder", FORWARDER, transfer(FORWARDER), FORWARDER,
     "cannot transfer a release right to yourself"),
    ("transfer to an unknown party", "with_forwarder", FORWARDER, transfer(STRANGER), None,
     "party NOBODY is not known"),
    ("transfer of a revoked right", "revoked", FORWARDER, transfer(HAULIER), HAULIER,
     "release REL-001 is revoked"),
    ("transfer of an expired right", "expired", HAULIER, transfer(HAULIER_2), HAULIER_2,
     "release REL-001 is expired"),
    ("transfer of a deleted right", "deleted", HAULIER, transfer(HAULIER_2), HAULIER_2,
     "release REL-001 is deleted"),
    ("transfer of a picked-up right", "picked_up", HAULIER, transfer(HAULIER_2), HAULIER_2,
     "release REL-001 is picked_up"),
    # accept / decline
    ("accept by a party not named", "offered", FORWARDER_2, accept(), None, NOT_FOR_YOU),
    ("accept by the agent", "offered", AGENT, accept(), None, NOT_FOR_YOU),
    ("accept twice", "with_forwarder", FORWARDER, accept(), None, NOT_FOR_YOU),
    ("accept after declining", "declined", FORWARDER, accept(), None, NOT_FOR_YOU),
    ("accept by the transferor", "offering_haulier", FORWARDER, accept(), None, NOT_FOR_YOU),
    ("accept of another release", "offered", FORWARDER, accept(REF_2), None,
     "release REL-002 does not match current release REL-001"),
    ("accept after revoke", "revoked", FORWARDER, accept(), None, "release REL-001 is revoked"),
    ("decline by a party not named", "offering_haulier", HAULIER_2, decline(), None,
     NOT_FOR_YOU),
    ("decline after accepting", "with_haulier", HAULIER, decline(), None, NOT_FOR_YOU),
    # revoke a transfer
    ("revoke a transfer after acceptance", "with_haulier", FORWARDER, revoke_transfer(), None,
     "no transfer is waiting; an accepted transfer cannot be revoked"),
    ("revoke the release offer after acceptance", "with_forwarder", AGENT, revoke_transfer(),
     None, "no transfer is waiting; an accepted transfer cannot be revoked"),
    ("revoke someone else's transfer", "offering_haulier", AGENT, revoke_transfer(), None,
     "only the party that made the transfer may revoke it"),
    ("the offeree revokes the transfer", "offering_haulier", HAULIER, revoke_transfer(), None,
     "only the party that made the transfer may revoke it"),
    # pickup
    ("assign by a release party holding the right", "with_forwarder", FORWARDER, assign(),
     None, ONLY_TO),
    ("assign by a transport operator not holding", "with_forwarder", HAULIER, assign(), None,
     ONLY_TO),
    ("assign before accepting", "offering_haulier", HAULIER, assign(), None, ONLY_TO),
    ("assign by the agent", "with_haulier", AGENT, assign(), None, ONLY_TO),
    ("assign by another transport operator", "with_haulier", HAULIER_2, assign(), None,
     ONLY_TO),
    ("assign without an identity", "with_haulier", HAULIER,
     assign(Pickup(PickupMode.TRUCK, "")), None,
     "a pickup needs a driver Alfapass number or a transport id"),
    ("assign on a revoked right", "revoked", HAULIER, assign(), None,
     "release REL-001 is revoked"),
    ("assign on an expired right", "expired", HAULIER, assign(), None,
     "release REL-001 is expired"),
    ("update a pickup by another transport operator", "assigned", HAULIER_2, assign(DRIVER_2),
     None, ONLY_TO),
    ("update a pickup by the forwarder", "assigned", FORWARDER, assign(DRIVER_2), None,
     ONLY_TO),
    ("revoke a pickup never assigned", "with_haulier", HAULIER, revoke_pickup(), None,
     NO_PICKUP),
    ("revoke a pickup by another party", "assigned", FORWARDER, revoke_pickup(), None,
     NO_PICKUP),
    ("revoke a pickup by another transport operator", "assigned", HAULIER_2, revoke_pickup(),
     None, NO_PICKUP),
    # customs, terminal, manifest
    ("customs status from the agent", "offered", AGENT, customs(CustomsStatus.RELEASED), None,
     "only customs may report a customs status"),
    ("B/L status from a terminal", "offered", TERMINAL_OP,
     customs(CustomsStatus.RELEASED, BL2), None, "only customs may report a customs status"),
    ("terminal event from a forwarder", "offered", FORWARDER,
     terminal(TerminalEvent.DISCHARGED), None,
     "only a terminal operator may report terminal events"),
    ("gate-out from customs", "authorised", CUSTOMS, terminal(TerminalEvent.GATE_OUT), None,
     "only a terminal operator may report terminal events"),
    ("discharge at a terminal the sender does not run", "offered", OTHER_TERMINAL_OP,
     terminal(TerminalEvent.DISCHARGED, ""), None, "terminal K913 is not operated by the sender"),
    ("terminal block from another terminal", "authorised", OTHER_TERMINAL_OP,
     terminal(TerminalEvent.BLOCKED), None, "terminal K913 is not operated by the sender"),
    ("terminal release by another terminal naming itself", "authorised", OTHER_TERMINAL_OP,
     terminal(TerminalEvent.RELEASED, OTHER_TERMINAL), None,
     "container MSCU1234566 is released at terminal K913"),
    ("gate-out by another terminal naming itself", "authorised", OTHER_TERMINAL_OP,
     terminal(TerminalEvent.GATE_OUT, OTHER_TERMINAL), None,
     "container MSCU1234566 is released at terminal K913"),
    ("own terminal code for a container released elsewhere", "authorised", TERMINAL_OP,
     terminal(TerminalEvent.DISCHARGED, OTHER_TERMINAL), None,
     "container MSCU1234566 is released at terminal K913"),
    # the expiry moment has passed, the periodic job has not run yet
    ("accept once the expiry has passed", "due", HAULIER_2, accept(), None, EXPIRED),
    ("decline once the expiry has passed", "due", HAULIER_2, decline(), None, EXPIRED),
    ("revoke a transfer once the expiry has passed", "due", HAULIER, revoke_transfer(), None,
     EXPIRED),
    ("transfer once the expiry has passed", "due", HAULIER, transfer(FORWARDER), FORWARDER,
     EXPIRED),
    ("assign once the expiry has passed", "due", HAULIER, assign(DRIVER_2), None, EXPIRED),
    ("revoke a pickup once the expiry has passed", "due", HAULIER, revoke_pickup(), None,
     EXPIRED),
    ("B/L link from a forwarder", "offered", FORWARDER, link(BL2), None,
     "only a ship agent or customs may link B/Ls to containers"),
]
# fmt: on


@pytest.mark.parametrize(
    ("state", "actor", "command", "recipient", "reason"),
    [pytest.param(*row[1:], id=row[0]) for row in REFUSALS],
)
def test_a_refusal_says_why_and_changes_nothing(
    state: str, actor: Actor, command: Any, recipient: Actor | None, reason: str
) -> None:
    story = STATES[state]()
    before = copy.deepcopy(story.file)

    events = story.do(actor, command, recipient)

    assert events == [ActionRefused(CONTAINER, type(command).__name__, reason, "12")]
    assert story.file == before


@dataclass(frozen=True)
class _Unknown(c.Command):
    """A command no rule handles."""


def test_an_unsupported_command_is_refused_with_code_13() -> None:
    story = STATES["with_haulier"]()
    before = copy.deepcopy(story.file)

    events = story.do(HAULIER, _Unknown(CONTAINER))

    assert events == [ActionRefused(CONTAINER, "_Unknown", "not supported", "13")]
    assert story.file == before


def test_a_refusal_does_not_settle_a_due_expiry() -> None:
    """A refused command changes nothing, not even what the periodic job will do later."""
    story = STATES["authorised"]()
    story.now = story.file.right.expires_at if story.file.right else story.now
    before = copy.deepcopy(story.file)

    events = story.do(HAULIER_2, assign(DRIVER_2))

    assert [type(e) for e in events] == [ActionRefused]
    assert story.file == before
