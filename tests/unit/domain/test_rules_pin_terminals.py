"""PIN terminals: containers leave by PIN there, so no Alfapass gate authorisation is sent."""

from __future__ import annotations

from hub.domain import rules
from hub.domain.events import ActionWarned, GateAuthorised, GateWithdrawn
from hub.domain.gate import blockers
from hub.domain.model import ContainerFile

from .story import (
    BARGE,
    HAULIER,
    TERMINAL,
    Story,
    assign,
    authorised,
    gate,
    of_type,
    with_haulier,
)

PIN = frozenset({TERMINAL})


def _at_pin_terminal() -> Story:
    story = Story(pin_terminals=PIN)
    story.file = with_haulier().file
    return story


def test_a_pin_terminal_gets_no_alfapass_authorisation() -> None:
    story = _at_pin_terminal().assigned().cleared().discharged()

    assert gate(story.log) == []
    assert story.file.authorised is None
    assert f"terminal {TERMINAL} lets containers out by PIN" in "; ".join(
        blockers(story.file, story.now, PIN)
    )


def test_naming_an_alfapass_driver_at_a_pin_terminal_is_warned_about() -> None:
    story = _at_pin_terminal()

    events = story.ok(HAULIER, assign())

    [warning] = of_type(events, ActionWarned)
    assert "lets containers out by PIN" in warning.warning
    assert of_type(story.ok(HAULIER, assign(BARGE)), ActionWarned) == []


def test_a_barge_at_a_pin_terminal_is_authorised_by_its_identity() -> None:
    story = _at_pin_terminal().assigned(BARGE).cleared().discharged()

    assert [type(e) for e in gate(story.log)] == [GateAuthorised]


def test_an_authorisation_is_withdrawn_when_its_terminal_turns_to_pin() -> None:
    story = authorised()
    file: ContainerFile = story.file

    events = rules.settle(file, story.now, PIN)

    [withdrawal] = of_type(events, GateWithdrawn)
    assert f"terminal {TERMINAL} lets containers out by PIN" in withdrawal.reason
    assert file.authorised is None
