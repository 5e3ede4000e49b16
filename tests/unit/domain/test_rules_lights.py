"""The three lights: every value to its colour, reds that say why, B/L clearance, early lights."""

from __future__ import annotations

import itertools

import pytest

from hub.domain.events import LightChanged
from hub.domain.lights import commercial_light, customs_colour, customs_light, terminal_light
from hub.domain.values import Colour, CustomsStatus, LightName, RightStatus, TerminalEvent

from .story import (
    AGENT,
    BL1,
    BL2,
    CONTAINER,
    CUSTOMS,
    FORWARDER,
    TERMINAL_OP,
    Story,
    block,
    customs,
    link,
    of_type,
    release,
    terminal,
)

S = CustomsStatus
CUSTOMS_COLOURS = {
    S.RELEASED: Colour.GREEN,
    S.SELECTED_FOR_SCAN: Colour.ORANGE,
    S.FASFC: Colour.ORANGE,
    S.PORT_EQUALISATION: Colour.ORANGE,
    S.TRANSHIPMENT: Colour.ORANGE,
    S.DOCUMENTARY_CONTROL: Colour.RED,
    S.PARTIALLY_CLEARED: Colour.RED,
    S.NOT_CLEARED: Colour.RED,
    S.UNKNOWN: Colour.GREY,
}


def test_the_table_covers_every_customs_value() -> None:
    assert set(CUSTOMS_COLOURS) == set(CustomsStatus)


@pytest.mark.parametrize(("status", "colour"), CUSTOMS_COLOURS.items(), ids=str)
def test_each_customs_value_has_its_colour(status: CustomsStatus, colour: Colour) -> None:
    assert customs_colour(status) is colour
    assert customs_light(status, {}).colour is colour
    assert customs_light(S.UNKNOWN, {BL1: status}).colour is colour


@pytest.mark.parametrize(("status", "colour"), CUSTOMS_COLOURS.items(), ids=str)
def test_a_customs_report_turns_the_container_light(status: CustomsStatus, colour: Colour) -> None:
    """A release that names no B/L: the container's own status is all customs said."""
    story = Story().released(bills=())

    story.ok(CUSTOMS, customs(status))

    light = story.file.lights()[LightName.CUSTOMS]
    assert (light.colour, light.value) == (colour, status.value)


@pytest.mark.parametrize(
    ("status", "colour", "value"),
    [
        (None, Colour.GREY, "unknown"),
        (RightStatus.RELEASED, Colour.GREEN, "ok"),
        (RightStatus.BLOCKED, Colour.RED, "blocked"),
        (RightStatus.EXPIRED, Colour.RED, "expired"),
        (RightStatus.REVOKED, Colour.RED, "revoked"),
        (RightStatus.DELETED, Colour.RED, "deleted"),
        (RightStatus.PICKED_UP, Colour.GREY, "picked_up"),
    ],
    ids=str,
)
def test_the_commercial_light(status: RightStatus | None, colour: Colour, value: str) -> None:
    light = commercial_light(status)
    assert (light.colour, light.value) == (colour, value)


@pytest.mark.parametrize(
    ("discharged", "hold", "colour", "value"),
    [
        (False, "", Colour.GREY, "not_discharged"),
        (True, "", Colour.GREEN, "discharged"),
        (False, "released", Colour.GREEN, "released"),
        (True, "released", Colour.GREEN, "released"),
        (True, "blocked", Colour.RED, "blocked"),
        (False, "blocked", Colour.RED, "blocked"),
        (True, "scanning", Colour.RED, "scanning"),
    ],
)
def test_the_terminal_light(discharged: bool, hold: str, colour: Colour, value: str) -> None:
    light = terminal_light(discharged, hold)
    assert (light.colour, light.value) == (colour, value)


@pytest.mark.parametrize(
    ("events", "colour", "value"),
    [
        ((), Colour.GREY, "not_discharged"),
        ((TerminalEvent.DISCHARGED,), Colour.GREEN, "discharged"),
        ((TerminalEvent.RELEASED,), Colour.GREEN, "released"),
        ((TerminalEvent.DISCHARGED, TerminalEvent.BLOCKED), Colour.RED, "blocked"),
        ((TerminalEvent.DISCHARGED, TerminalEvent.SCANNING), Colour.RED, "scanning"),
        ((TerminalEvent.BLOCKED, TerminalEvent.RELEASED), Colour.GREEN, "released"),
        ((TerminalEvent.BLOCKED, TerminalEvent.DISCHARGED), Colour.RED, "blocked"),
        ((TerminalEvent.DISCHARGED, TerminalEvent.GATE_OUT), Colour.GREY, "not_discharged"),
    ],
    ids=lambda v: "+".join(v) if isinstance(v, tuple) else str(v),
)
def test_terminal_reports_turn_the_terminal_light(
    events: tuple[TerminalEvent, ...], colour: Colour, value: str
) -> None:
    story = Story().released()
    for event in events:
        story.ok(TERMINAL_OP, terminal(event))

    light = story.file.lights()[LightName.TERMINAL]
    assert (light.colour, light.value) == (colour, value)


def test_every_red_light_carries_its_value() -> None:
    holds = ("", "released", "blocked", "scanning")
    statuses = [None, *RightStatus]
    for container_status, bl_status in itertools.product(CustomsStatus, CustomsStatus):
        light = customs_light(container_status, {BL1: bl_status, BL2: S.RELEASED})
        assert light.colour is not Colour.RED or light.value, (container_status, bl_status)
    for status in statuses:
        light = commercial_light(status)
        assert light.colour is not Colour.RED or light.value, status
    for discharged, hold in itertools.product((False, True), holds):
        light = terminal_light(discharged, hold)
        assert light.colour is not Colour.RED or light.value, (discharged, hold)


def test_every_red_light_change_published_carries_its_value() -> None:
    story = Story().released()
    story.ok(CUSTOMS, customs(S.DOCUMENTARY_CONTROL))
    story.ok(TERMINAL_OP, terminal(TerminalEvent.SCANNING))
    story.ok(AGENT, block())

    reds = [e for e in of_type(story.log, LightChanged) if e.new is Colour.RED]

    assert {(e.light, e.value) for e in reds} == {
        (LightName.CUSTOMS, "documentary_control"),
        (LightName.TERMINAL, "scanning"),
        (LightName.COMMERCIAL, "blocked"),
    }


def test_red_wins_over_orange_and_says_which_value() -> None:
    light = customs_light(S.SELECTED_FOR_SCAN, {BL1: S.RELEASED, BL2: S.DOCUMENTARY_CONTROL})
    assert (light.colour, light.value) == (Colour.RED, "documentary_control")


def test_a_released_container_with_a_red_bill_is_red() -> None:
    light = customs_light(S.RELEASED, {BL1: S.NOT_CLEARED})
    assert (light.colour, light.value) == (Colour.RED, "not_cleared")


def test_partial_clearance_of_a_bill_is_red() -> None:
    story = Story().released(bills=(BL1,))

    story.ok(CUSTOMS, customs(S.PARTIALLY_CLEARED, BL1))

    light = story.file.lights()[LightName.CUSTOMS]
    assert (light.colour, light.value) == (Colour.RED, "partially_cleared")


def test_a_release_with_two_bills_is_green_only_when_both_are_released() -> None:
    story = Story().released(bills=(BL1, BL2))

    story.ok(CUSTOMS, customs(S.RELEASED, BL1))
    assert story.file.lights()[LightName.CUSTOMS].colour is Colour.GREY

    story.ok(CUSTOMS, customs(S.RELEASED, BL2))
    assert story.file.lights()[LightName.CUSTOMS].colour is Colour.GREEN


def test_a_bill_linked_by_the_manifest_must_be_cleared_too() -> None:
    story = Story().released(bills=(BL1,))
    story.ok(CUSTOMS, customs(S.RELEASED, BL1))
    assert story.file.lights()[LightName.CUSTOMS].colour is Colour.GREEN

    story.ok(AGENT, link(BL2))

    assert story.file.lights()[LightName.CUSTOMS].colour is Colour.GREY


def test_an_orange_bill_beside_one_not_yet_cleared_is_not_passable() -> None:
    """Orange lets a container leave; a B/L customs has said nothing about must not."""
    light = customs_light(S.UNKNOWN, {BL1: S.FASFC, BL2: S.UNKNOWN})
    assert (light.colour, light.value) == (Colour.GREY, f"unknown: B/L {BL2} not written off")
    light = customs_light(S.UNKNOWN, {BL1: S.FASFC, BL2: S.RELEASED})
    assert (light.colour, light.value) == (Colour.ORANGE, "fasfc")


def test_a_released_container_is_not_green_while_its_bill_has_no_status() -> None:
    """Customs clears per B/L: a container-level "released" cannot write off its B/L."""
    light = customs_light(S.RELEASED, {BL1: S.UNKNOWN})
    assert (light.colour, light.value) == (Colour.GREY, f"unknown: B/L {BL1} not written off")
    assert customs_light(S.SELECTED_FOR_SCAN, {BL1: S.UNKNOWN}).colour is Colour.GREY


def test_a_container_status_makes_the_light_worse_never_greener() -> None:
    assert customs_light(S.RELEASED, {BL1: S.TRANSHIPMENT}).colour is Colour.ORANGE
    assert customs_light(S.SELECTED_FOR_SCAN, {BL1: S.RELEASED}) == customs_light(
        S.SELECTED_FOR_SCAN, {}
    )
    assert customs_light(S.NOT_CLEARED, {BL1: S.UNKNOWN}).colour is Colour.RED
    assert customs_light(S.RELEASED, {BL1: S.RELEASED}).colour is Colour.GREEN
    assert customs_light(S.UNKNOWN, {BL1: S.RELEASED}).colour is Colour.GREEN


@pytest.mark.parametrize(("container_status", "bl_status"), list(itertools.product(S, S)), ids=str)
def test_the_container_status_never_makes_the_light_greener_than_its_bills(
    container_status: CustomsStatus, bl_status: CustomsStatus
) -> None:
    passable = {Colour.RED: 0, Colour.GREY: 1, Colour.ORANGE: 2, Colour.GREEN: 3}
    bills = {BL1: bl_status, BL2: S.RELEASED}

    light = customs_light(container_status, bills)

    assert passable[light.colour] <= passable[customs_light(S.UNKNOWN, bills).colour]
    assert passable[light.colour] <= passable[customs_colour(container_status)] or (
        container_status is S.UNKNOWN
    )


def test_a_container_released_by_customs_with_its_bill_open_stays_grey() -> None:
    story = Story().released(bills=(BL1,))

    events = story.ok(CUSTOMS, customs(S.RELEASED))

    assert story.file.lights()[LightName.CUSTOMS].colour is Colour.GREY
    assert of_type(events, LightChanged) == []


def test_a_grey_light_names_the_bill_still_open() -> None:
    story = Story().released(bills=(BL1, BL2))

    story.ok(CUSTOMS, customs(S.RELEASED, BL1))

    light = story.file.lights()[LightName.CUSTOMS]
    assert (light.colour, light.value) == (Colour.GREY, f"unknown: B/L {BL2} not written off")


def test_a_grey_light_names_every_bill_still_open() -> None:
    light = customs_light(S.UNKNOWN, {BL1: S.UNKNOWN, BL2: S.UNKNOWN})
    assert light.value == f"unknown: B/L {BL1}, {BL2} not written off"


def test_bill_statuses_that_arrive_before_the_release_apply_when_it_arrives() -> None:
    story = Story()
    story.ok(CUSTOMS, customs(S.RELEASED, BL1))
    story.ok(TERMINAL_OP, terminal(TerminalEvent.DISCHARGED))
    assert story.file.lights()[LightName.CUSTOMS].colour is Colour.GREY  # no B/L known yet

    events = story.ok(AGENT, release(bills=(BL1,)), FORWARDER)

    lights = story.file.lights()
    assert lights[LightName.CUSTOMS].colour is Colour.GREEN
    assert lights[LightName.TERMINAL].colour is Colour.GREEN
    assert LightChanged(CONTAINER, LightName.CUSTOMS, Colour.GREY, Colour.GREEN, "released") in (
        events
    )


def test_a_container_status_before_the_release_is_kept() -> None:
    story = Story()
    story.ok(CUSTOMS, customs(S.SELECTED_FOR_SCAN))
    assert story.file.lights()[LightName.CUSTOMS].colour is Colour.ORANGE
    story.ok(CUSTOMS, customs(S.RELEASED, BL1))

    story.released(bills=(BL1,))

    light = story.file.lights()[LightName.CUSTOMS]
    assert (light.colour, light.value) == (Colour.ORANGE, "selected_for_scan")


def test_an_unchanged_light_is_not_published_again() -> None:
    story = Story().released()
    story.ok(CUSTOMS, customs(S.RELEASED))

    assert of_type(story.ok(CUSTOMS, customs(S.RELEASED)), LightChanged) == []


def test_a_new_value_of_the_same_colour_is_published() -> None:
    story = Story().released(bills=())
    story.ok(CUSTOMS, customs(S.SELECTED_FOR_SCAN))

    changed = of_type(story.ok(CUSTOMS, customs(S.FASFC)), LightChanged)

    assert [(e.old, e.new, e.value) for e in changed] == [(Colour.ORANGE, Colour.ORANGE, "fasfc")]


def test_a_light_never_seen_and_still_grey_is_not_published() -> None:
    story = Story()

    events = story.ok(AGENT, release(), FORWARDER)

    assert of_type(events, LightChanged) == [
        LightChanged(CONTAINER, LightName.COMMERCIAL, Colour.GREY, Colour.GREEN, "ok")
    ]
    assert of_type(story.ok(CUSTOMS, customs(S.UNKNOWN)), LightChanged) == []
