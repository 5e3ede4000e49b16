"""A container's whole story from commands, in order and out of order."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from hub.domain import events as e
from hub.domain.model import Authorisation
from hub.domain.values import CustomsStatus, PickupMode, RightStatus, TerminalEvent

from .story import (
    AGENT,
    BARGE,
    BL1,
    BL2,
    CONTAINER,
    CUSTOMS,
    DEFAULT_EXPIRY,
    DRIVER,
    FORWARDER,
    FORWARDER_2,
    HAULIER,
    PORT,
    REF,
    TERMINAL,
    TERMINAL_OP,
    Story,
    accept,
    assign,
    business,
    customs,
    gate,
    release,
    terminal,
    transfer,
)

FINAL = Authorisation(TERMINAL, REF, DRIVER, PORT, (BL1, BL2), DEFAULT_EXPIRY)
AG, FWD, FWD2, TO = (a.party_id for a in (AGENT, FORWARDER, FORWARDER_2, HAULIER))


def test_the_full_story_from_release_to_gate_out() -> None:
    story = Story()

    published = [
        story.ok(AGENT, release(bills=(BL1, BL2)), FORWARDER),
        story.ok(FORWARDER, accept()),
        story.ok(FORWARDER, transfer(FORWARDER_2), FORWARDER_2),
        story.ok(FORWARDER_2, accept()),
        story.ok(FORWARDER_2, transfer(HAULIER), HAULIER),
        story.ok(HAULIER, accept()),
        story.ok(CUSTOMS, customs(CustomsStatus.RELEASED, BL1)),
        story.ok(CUSTOMS, customs(CustomsStatus.RELEASED, BL2)),
        story.ok(TERMINAL_OP, terminal(TerminalEvent.DISCHARGED)),
        story.ok(HAULIER, assign(DRIVER)),
    ]

    assert [business(events) for events in published] == [
        [e.Released(CONTAINER, REF, AG, AG), e.RightTransferred(CONTAINER, REF, AG, FWD)],
        [e.RightAccepted(CONTAINER, REF, AG, FWD)],
        [e.RightTransferred(CONTAINER, REF, FWD, FWD2)],
        [e.RightAccepted(CONTAINER, REF, FWD, FWD2)],
        [e.RightTransferred(CONTAINER, REF, FWD2, TO)],
        [e.RightAccepted(CONTAINER, REF, FWD2, TO)],
        [],
        [],
        [],
        [e.PickupAssigned(CONTAINER, REF, TO, DRIVER)],
    ]
    authorisation = e.GateAuthorised(
        CONTAINER, TERMINAL, 1, REF, DRIVER, PORT, (BL1, BL2), DEFAULT_EXPIRY
    )
    assert [gate(events) for events in published] == [[]] * 9 + [[authorisation]]
    assert gate(story.log) == [authorisation]

    out = story.ok(TERMINAL_OP, terminal(TerminalEvent.GATE_OUT))

    assert business(out) == [e.PickedUp(CONTAINER, REF, TO)]
    assert gate(out) == [
        e.GateWithdrawn(
            CONTAINER,
            TERMINAL,
            2,
            REF,
            "picked up",
        )
    ]
    assert story.file.right is not None
    assert story.file.right.status is RightStatus.PICKED_UP
    assert story.file.authorised is None


def _chain(story: Story) -> None:
    story.ok(AGENT, release(bills=(BL1, BL2)), FORWARDER)
    story.ok(FORWARDER, accept())
    story.ok(FORWARDER, transfer(HAULIER), HAULIER)
    story.ok(HAULIER, accept())


STEPS: dict[str, Callable[[Story], object]] = {
    "chain": _chain,
    "customs B/L 1": lambda s: s.ok(CUSTOMS, customs(CustomsStatus.RELEASED, BL1)),
    "customs B/L 2": lambda s: s.ok(CUSTOMS, customs(CustomsStatus.FASFC, BL2)),
    "discharge": lambda s: s.ok(TERMINAL_OP, terminal(TerminalEvent.DISCHARGED)),
    "assign": lambda s: s.ok(HAULIER, assign(DRIVER)),
}

ORDERS = [
    order for order in itertools.permutations(STEPS) if order.index("chain") < order.index("assign")
]


@pytest.mark.parametrize("order", ORDERS, ids=" > ".join)
def test_any_arrival_order_reaches_the_same_single_authorisation(order: tuple[str, ...]) -> None:
    story = Story()

    for step in order:
        STEPS[step](story)

    assert gate(story.log) == [
        e.GateAuthorised(CONTAINER, TERMINAL, 1, REF, DRIVER, PORT, (BL1, BL2), DEFAULT_EXPIRY)
    ]
    assert story.file.authorised == FINAL


def test_customs_and_discharge_before_the_release_then_assignment_before_the_last_light() -> None:
    story = Story()
    story.ok(CUSTOMS, customs(CustomsStatus.RELEASED, BL1))
    story.ok(TERMINAL_OP, terminal(TerminalEvent.DISCHARGED))
    _chain(story)
    story.ok(HAULIER, assign(DRIVER))
    assert gate(story.log) == []  # B/L 2 not cleared yet

    last = story.ok(CUSTOMS, customs(CustomsStatus.RELEASED, BL2))

    assert [type(x) for x in gate(last)] == [e.GateAuthorised]
    assert story.file.authorised == FINAL


def test_a_barge_pickup_is_authorised_the_same_way() -> None:
    story = Story()
    _chain(story)
    story.cleared()
    story.ok(TERMINAL_OP, terminal(TerminalEvent.RELEASED))

    events = story.ok(HAULIER, assign(BARGE))

    (authorisation,) = gate(events)
    assert isinstance(authorisation, e.GateAuthorised)
    assert authorisation.pickup.mode is PickupMode.BARGE
