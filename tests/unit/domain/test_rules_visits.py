"""Visits: what customs and the terminal said about a container's previous visit does not carry
into its next one. The gate-out ends a visit; the next release starts from what was said since."""

from __future__ import annotations

from hub.domain.values import Colour, CustomsStatus, LightName, TerminalEvent

from .story import (
    AGENT,
    BL1,
    BL2,
    CUSTOMS,
    FORWARDER,
    REF_2,
    TERMINAL_OP,
    Story,
    authorised,
    customs,
    link,
    release,
    terminal,
)

S = CustomsStatus


def _next_visit(story: Story, bills: tuple[str, ...] = (BL2,)) -> Story:
    story.ok(TERMINAL_OP, terminal(TerminalEvent.GATE_OUT))
    story.ok(AGENT, release(ref=REF_2, bills=bills), FORWARDER)
    return story


def test_customs_of_the_previous_visit_do_not_clear_the_next_one() -> None:
    story = _next_visit(authorised())

    lights = story.file.lights()
    assert lights[LightName.CUSTOMS].colour is Colour.GREY
    assert lights[LightName.CUSTOMS].value == f"unknown: B/L {BL2} not written off"
    assert lights[LightName.TERMINAL].colour is Colour.GREY


def test_a_container_status_of_the_previous_visit_is_forgotten_at_gate_out() -> None:
    story = authorised()
    story.ok(CUSTOMS, customs(S.SELECTED_FOR_SCAN))
    story.ok(CUSTOMS, customs(S.DOCUMENTARY_CONTROL))

    _next_visit(story)
    story.ok(CUSTOMS, customs(S.RELEASED, BL2))

    light = story.file.lights()[LightName.CUSTOMS]
    assert (light.colour, light.value) == (Colour.GREEN, "released")


def test_a_bill_linked_in_the_previous_visit_is_not_one_of_the_next() -> None:
    story = authorised()
    story.ok(AGENT, link(BL2))
    story.ok(CUSTOMS, customs(S.NOT_CLEARED, BL2))

    _next_visit(story, bills=("MEDUAB999999",))
    story.ok(CUSTOMS, customs(S.RELEASED, "MEDUAB999999"))

    assert story.file.bills_of_lading() == ("MEDUAB999999",)
    assert story.file.lights()[LightName.CUSTOMS].colour is Colour.GREEN


def test_terminal_holds_of_the_previous_visit_are_forgotten() -> None:
    story = authorised()
    story.ok(TERMINAL_OP, terminal(TerminalEvent.RELEASED))

    _next_visit(story)

    assert story.file.lights()[LightName.TERMINAL].value == "not_discharged"


def test_what_is_said_after_the_gate_out_counts_for_the_next_visit() -> None:
    story = authorised()
    story.ok(TERMINAL_OP, terminal(TerminalEvent.GATE_OUT))
    story.ok(CUSTOMS, customs(S.RELEASED, BL2))
    story.ok(TERMINAL_OP, terminal(TerminalEvent.DISCHARGED))

    story.ok(AGENT, release(ref=REF_2, bills=(BL2,)), FORWARDER)

    lights = story.file.lights()
    assert lights[LightName.CUSTOMS].colour is Colour.GREEN
    assert lights[LightName.TERMINAL].colour is Colour.GREEN


def test_a_gate_out_without_an_active_release_ends_the_visit_too() -> None:
    story = Story()
    story.ok(CUSTOMS, customs(S.RELEASED, BL1))
    story.ok(CUSTOMS, customs(S.NOT_CLEARED))
    story.ok(TERMINAL_OP, terminal(TerminalEvent.GATE_OUT))

    story.ok(AGENT, release(bills=(BL2,)), FORWARDER)

    assert story.file.lights()[LightName.CUSTOMS].value == f"unknown: B/L {BL2} not written off"
