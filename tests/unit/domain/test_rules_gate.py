"""Gate decisions: what withdraws an authorisation, with which reason and sequence; expiry."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from hub.domain.events import (
    ActionRefused,
    Event,
    GateAuthorised,
    GateWithdrawn,
    LightChanged,
    PickedUp,
    ReleaseExpired,
)
from hub.domain.gate import blockers, decide
from hub.domain.model import Authorisation
from hub.domain.rules import settle
from hub.domain.values import Colour, CustomsStatus, LightName, RightStatus, TerminalEvent

from .story import (
    AGENT,
    BL1,
    CONTAINER,
    CUSTOMS,
    DEFAULT_EXPIRY,
    DRIVER,
    DRIVER_2,
    FORWARDER,
    HAULIER,
    HAULIER_2,
    OTHER_TERMINAL,
    OTHER_TERMINAL_OP,
    PORT,
    REF,
    T0,
    TERMINAL,
    TERMINAL_OP,
    Story,
    accept,
    assign,
    authorised,
    block,
    customs,
    delete,
    gate,
    of_type,
    revoke,
    revoke_pickup,
    terminal,
    transfer,
    unblock,
    update,
    with_haulier,
)

AUTHORISATION = Authorisation(TERMINAL, REF, DRIVER, PORT, (BL1,), DEFAULT_EXPIRY)
TICK = timedelta(microseconds=1)


def authorised_as(auth: Authorisation, sequence: int) -> GateAuthorised:
    return GateAuthorised(
        CONTAINER,
        auth.terminal,
        sequence,
        auth.release_ref,
        auth.pickup,
        auth.port,
        auth.bills_of_lading,
        auth.expires_at,
    )


def test_the_last_condition_met_publishes_one_authorisation() -> None:
    story = authorised()

    assert gate(story.log) == [authorised_as(AUTHORISATION, 1)]
    assert story.file.authorised == AUTHORISATION == decide(story.file, story.now)
    assert story.file.gate_sequence == 1


def test_orange_customs_lets_the_container_go() -> None:
    story = with_haulier().assigned().discharged()

    events = story.ok(CUSTOMS, customs(CustomsStatus.SELECTED_FOR_SCAN, BL1))

    assert gate(events) == [authorised_as(AUTHORISATION, 1)]


def withdrawn(reason: str, sequence: int = 2) -> GateWithdrawn:
    return GateWithdrawn(CONTAINER, TERMINAL, sequence, REF, reason)


ALL_GONE = "commercial light RED ({}); not accepted by a transport operator; no pickup assigned"

# (id, what happens to an authorised container, the withdrawal it must publish)
WITHDRAWALS: list[tuple[str, Callable[[Story], list[Event]], GateWithdrawn]] = [
    (
        "customs turns red",
        lambda s: s.ok(CUSTOMS, customs(CustomsStatus.DOCUMENTARY_CONTROL)),
        withdrawn("customs light RED (documentary_control)"),
    ),
    (
        "a B/L is only partially cleared",
        lambda s: s.ok(CUSTOMS, customs(CustomsStatus.PARTIALLY_CLEARED, BL1)),
        withdrawn("customs light RED (partially_cleared)"),
    ),
    (
        "the terminal blocks",
        lambda s: s.ok(TERMINAL_OP, terminal(TerminalEvent.BLOCKED)),
        withdrawn("terminal light RED (blocked)"),
    ),
    (
        "the terminal scans",
        lambda s: s.ok(TERMINAL_OP, terminal(TerminalEvent.SCANNING)),
        withdrawn("terminal light RED (scanning)"),
    ),
    (
        "the agent blocks",
        lambda s: s.ok(AGENT, block()),
        withdrawn("commercial light RED (blocked)"),
    ),
    (
        "the agent revokes",
        lambda s: s.ok(AGENT, revoke()),
        withdrawn(ALL_GONE.format("revoked")),
    ),
    (
        "the agent deletes",
        lambda s: s.ok(AGENT, delete()),
        withdrawn(ALL_GONE.format("deleted")),
    ),
    (
        "the right expires",
        lambda s: s.at(DEFAULT_EXPIRY),
        withdrawn("commercial light RED (expired)"),
    ),
    (
        "the pickup is revoked",
        lambda s: s.ok(HAULIER, revoke_pickup()),
        withdrawn("no pickup assigned"),
    ),
    (
        "a new transport operator accepts",
        lambda s: [*s.ok(HAULIER, transfer(HAULIER_2), HAULIER_2), *s.ok(HAULIER_2, accept())],
        withdrawn("no pickup assigned"),
    ),
    (
        "the container leaves",
        lambda s: s.ok(TERMINAL_OP, terminal(TerminalEvent.GATE_OUT)),
        withdrawn("picked up"),
    ),
]


@pytest.mark.parametrize(
    ("happening", "expected"), [pytest.param(*row[1:], id=row[0]) for row in WITHDRAWALS]
)
def test_a_withdrawal_says_why(
    happening: Callable[[Story], list[Event]], expected: GateWithdrawn
) -> None:
    story = authorised()

    events = happening(story)

    assert gate(events) == [expected]
    assert story.file.authorised is None
    assert decide(story.file, story.now) is None
    assert settle(story.file, story.now) == []


def test_the_pickup_is_kept_through_a_transfer_until_the_new_holder_accepts() -> None:
    story = authorised()

    events = story.ok(HAULIER, transfer(HAULIER_2), HAULIER_2)

    assert gate(events) == []
    assert story.file.authorised == AUTHORISATION


def test_reassigning_the_pickup_withdraws_then_authorises_the_new_driver() -> None:
    story = authorised()

    events = story.ok(HAULIER, assign(DRIVER_2))

    new = Authorisation(TERMINAL, REF, DRIVER_2, PORT, (BL1,), DEFAULT_EXPIRY)
    assert gate(events) == [withdrawn("authorisation changed", 2), authorised_as(new, 3)]
    assert story.file.authorised == new


def test_assigning_the_same_pickup_again_publishes_nothing() -> None:
    story = authorised()

    assert gate(story.ok(HAULIER, assign(DRIVER))) == []


def test_an_agents_update_of_the_authorisation_re_issues_it() -> None:
    story = authorised()
    later = DEFAULT_EXPIRY + timedelta(days=7)

    events = story.ok(AGENT, update(expires_at=later))

    new = Authorisation(TERMINAL, REF, DRIVER, PORT, (BL1,), later)
    assert gate(events) == [withdrawn("authorisation changed", 2), authorised_as(new, 3)]


def test_a_move_to_another_terminal_withdraws_at_the_old_one() -> None:
    """The old terminal's discharge does not count at the new one: the new terminal's own
    report authorises there."""
    story = authorised()

    moved = story.ok(AGENT, update(terminal=OTHER_TERMINAL))
    discharged = story.ok(OTHER_TERMINAL_OP, terminal(TerminalEvent.DISCHARGED, OTHER_TERMINAL))

    new = Authorisation(OTHER_TERMINAL, REF, DRIVER, PORT, (BL1,), DEFAULT_EXPIRY)
    assert gate(moved) == [withdrawn("terminal light GREY (not_discharged)", 2)]
    assert gate(discharged) == [authorised_as(new, 3)]


@pytest.mark.parametrize(
    ("stop", "resume"),
    [
        (lambda s: s.ok(AGENT, block()), lambda s: s.ok(AGENT, unblock())),
        (
            lambda s: s.ok(TERMINAL_OP, terminal(TerminalEvent.BLOCKED)),
            lambda s: s.ok(TERMINAL_OP, terminal(TerminalEvent.RELEASED)),
        ),
        (
            lambda s: s.ok(CUSTOMS, customs(CustomsStatus.NOT_CLEARED)),
            lambda s: s.ok(CUSTOMS, customs(CustomsStatus.RELEASED)),
        ),
        (lambda s: s.ok(HAULIER, revoke_pickup()), lambda s: s.ok(HAULIER, assign(DRIVER))),
    ],
    ids=["agent block", "terminal block", "customs", "pickup"],
)
def test_when_the_condition_returns_the_next_sequence_authorises_again(
    stop: Callable[[Story], list[Event]], resume: Callable[[Story], list[Event]]
) -> None:
    story = authorised()
    stop(story)

    events = resume(story)

    assert gate(events) == [authorised_as(AUTHORISATION, 3)]
    assert [(type(e).__name__, e.sequence) for e in gate(story.log)] == [
        ("GateAuthorised", 1),
        ("GateWithdrawn", 2),
        ("GateAuthorised", 3),
    ]


def test_a_right_still_waiting_for_an_answer_is_not_authorised() -> None:
    story = Story().released(HAULIER).cleared().discharged()

    assert blockers(story.file, story.now) == [
        "not accepted by a transport operator",
        "no pickup assigned",
    ]
    story.ok(HAULIER, accept())
    assert blockers(story.file, story.now) == ["no pickup assigned"]
    events = story.ok(HAULIER, assign(DRIVER))
    assert len(of_type(events, GateAuthorised)) == 1


def test_a_release_party_holding_the_right_is_not_enough() -> None:
    story = Story().released().accepted_by(FORWARDER).cleared().discharged()

    assert "not accepted by a transport operator" in blockers(story.file, story.now)
    assert decide(story.file, story.now) is None


# --- expiry -------------------------------------------------------------------------------


def test_without_an_agents_expiry_the_right_lasts_sixty_days() -> None:
    story = authorised()

    assert story.at(DEFAULT_EXPIRY - TICK) == []
    assert story.file.authorised == AUTHORISATION

    events = story.at(DEFAULT_EXPIRY)

    assert events[0] == ReleaseExpired(CONTAINER, REF, HAULIER.party_id)
    assert LightChanged(CONTAINER, LightName.COMMERCIAL, Colour.GREEN, Colour.RED, "expired") in (
        events
    )
    assert gate(events) == [withdrawn("commercial light RED (expired)")]


def test_the_agents_expiry_is_the_boundary() -> None:
    expiry = T0 + timedelta(days=3, hours=4)
    story = Story().released(expires_at=expiry).accepted_by(FORWARDER)

    assert story.at(expiry - TICK) == []
    assert story.at(expiry)[0] == ReleaseExpired(CONTAINER, REF, FORWARDER.party_id)


def test_an_agents_expiry_beyond_sixty_days_is_kept() -> None:
    expiry = T0 + timedelta(days=90)
    story = Story().released(expires_at=expiry)

    assert story.at(DEFAULT_EXPIRY) == []
    assert of_type(story.at(expiry), ReleaseExpired) == [
        ReleaseExpired(CONTAINER, REF, AGENT.party_id)
    ]


def test_the_gate_refuses_an_expired_right_even_before_the_job_runs() -> None:
    story = authorised()

    assert decide(story.file, DEFAULT_EXPIRY - TICK) == AUTHORISATION
    assert decide(story.file, DEFAULT_EXPIRY) is None
    assert "expired" in blockers(story.file, DEFAULT_EXPIRY)


def test_no_warning_is_sent_before_expiry() -> None:
    story = authorised()

    for days in (30, 50, 59):
        assert story.at(T0 + timedelta(days=days)) == []


def test_a_blocked_right_expires_too() -> None:
    story = with_haulier()
    story.ok(AGENT, block())

    assert of_type(story.at(DEFAULT_EXPIRY), ReleaseExpired) != []
    assert story.file.right is not None and story.file.right.status.value == "expired"


def test_expiry_is_published_once() -> None:
    story = authorised()
    story.at(DEFAULT_EXPIRY)

    assert story.wait(timedelta(days=1)) == []
    assert settle(story.file, story.now) == []


def test_gate_out_ends_the_right_and_withdraws() -> None:
    story = authorised()

    events = story.ok(TERMINAL_OP, terminal(TerminalEvent.GATE_OUT))

    assert events[0] == PickedUp(CONTAINER, REF, HAULIER.party_id)
    assert [type(e) for e in gate(events)] == [GateWithdrawn]
    assert story.wait(DEFAULT_EXPIRY - T0) == []  # a picked-up right does not expire


# A gate-out the hub has not authorised (issue 17): with two hub processes, a terminal's CODECO
# gate-out was applied before the haulier's pickup assignment, which the other process had
# not applied yet, and the assignment was then refused ("release ... is picked_up").


def _gate_out_before(story: Story) -> list[Event]:
    story.may_wait = True
    return story.do(TERMINAL_OP, terminal(TerminalEvent.GATE_OUT))


def test_a_gate_out_before_the_authorisation_waits_for_it_when_it_may() -> None:
    story = with_haulier().cleared().discharged()  # all green but no pickup: no authorisation
    facts = dict(story.file.terminal_facts)
    (refused,) = _gate_out_before(story)
    assert isinstance(refused, ActionRefused) and refused.may_wait
    assert "no gate authorisation" in refused.reason
    assert story.file.right is not None and story.file.right.status is RightStatus.RELEASED
    assert story.file.terminal_facts == facts, "nothing of the visit was ended by the refusal"
    story.ok(HAULIER, assign())  # the assignment arrives: authorised, the gate-out applies
    events = story.ok(TERMINAL_OP, terminal(TerminalEvent.GATE_OUT))
    assert any(isinstance(e, PickedUp) for e in events)


def test_a_gate_out_that_can_wait_no_longer_is_the_terminals_fact() -> None:
    story = with_haulier()
    story.may_wait = False  # the waiting room is off, or this is the last try
    events = story.ok(TERMINAL_OP, terminal(TerminalEvent.GATE_OUT))
    assert any(isinstance(e, PickedUp) for e in events)


def test_an_authorised_pin_or_rightless_gate_out_applies_at_once() -> None:
    for story in (authorised(), Story()):
        story.may_wait = True
        story.ok(TERMINAL_OP, terminal(TerminalEvent.GATE_OUT))
    pin = with_haulier()
    pin.pin_terminals = frozenset({TERMINAL})  # trucks leave by PIN there: no authorisation
    pin.may_wait = True
    assert any(
        isinstance(e, PickedUp) for e in pin.ok(TERMINAL_OP, terminal(TerminalEvent.GATE_OUT))
    )
