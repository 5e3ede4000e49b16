"""Authority by status, role and relationship: who may give a command, whatever it claims.

The refusals leave the file exactly as it was; facts and links that arrive before a release
are kept with their author and count only when that author has the authority once released.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from typing import Any

import pytest

from hub.domain import authority, roles, rules
from hub.domain.events import ActionRefused
from hub.domain.model import Actor
from hub.domain.partners import Partner, Role, Status, may_receive_release
from hub.domain.values import Colour, CustomsStatus, LightName, TerminalEvent

from .story import (
    AGENT,
    BL1,
    BL2,
    CONTAINER,
    CUSTOMS,
    FORWARDER,
    HAULIER,
    OTHER_AGENT,
    OTHER_TERMINAL,
    OTHER_TERMINAL_OP,
    STATES,
    TERMINAL,
    TERMINAL_OP,
    Story,
    accept,
    assign,
    block,
    customs,
    link,
    release,
    terminal,
    transfer,
)

NOT_CUSTOMS = "only customs may report a customs status"
ON_CHAIN = "only a release party, transport operator or ship agent may act on a release right"
OTHERS_CONTAINER = (
    f"only the agent that released container {CONTAINER}, or customs, may link B/Ls to it"
)
TWO_TERMINALS = Actor("TERM-3", frozenset({roles.TERMINAL_OPERATOR}), (TERMINAL, OTHER_TERMINAL))
NO_TERMINAL = Actor("TERM-0", frozenset({roles.TERMINAL_OPERATOR}))
DUAL_AGENT = Actor("AGENT-X", frozenset({roles.SHIP_AGENT, roles.RELEASE_PARTY}))


def inactive(actor: Actor, status: str) -> Actor:
    return replace(actor, status=status)


def not_active(actor: Actor, status: str) -> str:
    return f"party {actor.party_id} is not active (status {status}): it may not act"


# (id, starting state, actor, command, recipient, reason)
# fmt: off
REFUSALS: list[tuple[str, str, Actor, Any, Actor | None, str]] = [
    # only active partners act, whatever they send
    *[(f"release by a {s} agent", "fresh", inactive(AGENT, s), release(), FORWARDER,
       not_active(AGENT, s)) for s in ("requested", "approved", "denied", "suspended")],
    *[(f"block by a {s} agent", "with_forwarder", inactive(AGENT, s), block(), None,
       not_active(AGENT, s)) for s in ("denied", "suspended")],
    ("accept by a suspended forwarder", "offered", inactive(FORWARDER, "suspended"),
     accept(), None, not_active(FORWARDER, "suspended")),
    ("assign by a suspended haulier", "with_haulier", inactive(HAULIER, "suspended"),
     assign(), None, not_active(HAULIER, "suspended")),
    ("customs status from suspended customs", "offered", inactive(CUSTOMS, "suspended"),
     customs(CustomsStatus.RELEASED), None, not_active(CUSTOMS, "suspended")),
    ("discharge from a requested terminal", "offered", inactive(TERMINAL_OP, "requested"),
     terminal(TerminalEvent.DISCHARGED), None, not_active(TERMINAL_OP, "requested")),
    ("B/L link from a denied agent", "fresh", inactive(AGENT, "denied"), link(BL2), None,
     not_active(AGENT, "denied")),
    # customs statuses only from customs
    ("container released by a transport operator", "with_haulier", HAULIER,
     customs(CustomsStatus.RELEASED), None, NOT_CUSTOMS),
    ("B/L released by a transport operator", "with_haulier", HAULIER,
     customs(CustomsStatus.RELEASED, BL1), None, NOT_CUSTOMS),
    ("B/L released by the agent", "offered", AGENT, customs(CustomsStatus.RELEASED, BL1), None,
     NOT_CUSTOMS),
    ("customs status before a release from a forwarder", "fresh", FORWARDER,
     customs(CustomsStatus.RELEASED), None, NOT_CUSTOMS),
    # terminal facts only from the terminal where the container is
    ("discharge naming the release's terminal, from another", "offered", OTHER_TERMINAL_OP,
     terminal(TerminalEvent.DISCHARGED, TERMINAL), None,
     "terminal K913 is not operated by the sender"),
    ("terminal release from another terminal", "authorised", OTHER_TERMINAL_OP,
     terminal(TerminalEvent.RELEASED, ""), None, "terminal K913 is not operated by the sender"),
    ("scan from another terminal naming itself", "authorised", OTHER_TERMINAL_OP,
     terminal(TerminalEvent.SCANNING, OTHER_TERMINAL), None,
     "container MSCU1234566 is released at terminal K913"),
    ("discharge from a terminal operator with no terminal", "offered", NO_TERMINAL,
     terminal(TerminalEvent.DISCHARGED), None,
     "TERM-0 operates no terminal registered with the hub"),
    ("discharge before a release, naming no terminal, from two terminals", "fresh",
     TWO_TERMINALS, terminal(TerminalEvent.DISCHARGED, ""), None,
     "the report names no terminal, and the sender operates several"),
    ("discharge before a release at a terminal the sender does not run", "fresh", TERMINAL_OP,
     terminal(TerminalEvent.DISCHARGED, OTHER_TERMINAL), None,
     "terminal K1742 is not operated by the sender"),
    # B/L links only from the releasing agent, or customs
    ("another agent links its B/L to a released container", "offered", OTHER_AGENT, link(BL2),
     None, OTHERS_CONTAINER),
    ("another agent links its B/L once the right is accepted", "with_haulier", OTHER_AGENT,
     link(BL2), None, OTHERS_CONTAINER),
    ("B/L link from a transport operator", "with_haulier", HAULIER, link(BL2), None,
     "only a ship agent or customs may link B/Ls to containers"),
    # only parties of the chain act on a right
    ("transfer by a terminal", "with_forwarder", TERMINAL_OP, transfer(HAULIER), HAULIER,
     ON_CHAIN),
    ("accept by customs", "offered", CUSTOMS, accept(), None, ON_CHAIN),
]
# fmt: on


@pytest.mark.parametrize(
    ("state", "actor", "command", "recipient", "reason"),
    [pytest.param(*row[1:], id=row[0]) for row in REFUSALS],
)
def test_a_command_without_authority_is_refused_and_changes_nothing(
    state: str, actor: Actor, command: Any, recipient: Actor | None, reason: str
) -> None:
    story = STATES[state]()
    before = copy.deepcopy(story.file)

    events = story.do(actor, command, recipient)

    assert events == [ActionRefused(CONTAINER, type(command).__name__, reason, "12")]
    assert story.file == before


def test_without_a_file_only_status_and_role_are_asked() -> None:
    b_l = customs(CustomsStatus.RELEASED, BL1)
    assert authority.refusal(HAULIER, b_l) == NOT_CUSTOMS
    assert authority.refusal(inactive(CUSTOMS, "suspended"), b_l) == not_active(
        CUSTOMS, "suspended"
    )
    assert authority.refusal(CUSTOMS, b_l) == ""


def test_every_command_the_rules_handle_names_the_roles_that_may_give_it() -> None:
    assert set(rules.HANDLERS) <= set(authority.REQUIRED_ROLES)


def light(story: Story, name: LightName) -> Colour:
    return story.file.lights()[name].colour


def test_another_terminals_discharge_before_the_release_does_not_count() -> None:
    story = Story()
    story.ok(OTHER_TERMINAL_OP, terminal(TerminalEvent.DISCHARGED, ""))  # K1742's own

    story.released()

    assert light(story, LightName.TERMINAL) is Colour.GREY
    story.ok(TERMINAL_OP, terminal(TerminalEvent.DISCHARGED, ""))
    assert light(story, LightName.TERMINAL) is Colour.GREEN


def test_the_release_terminals_own_facts_from_before_the_release_count() -> None:
    story = Story()
    story.ok(TERMINAL_OP, terminal(TerminalEvent.DISCHARGED, ""))
    story.ok(OTHER_TERMINAL_OP, terminal(TerminalEvent.BLOCKED, ""))  # kept with K1742

    story.released()

    assert story.file.lights()[LightName.TERMINAL].value == "discharged"
    assert light(story, LightName.TERMINAL) is Colour.GREEN


def test_another_agents_link_from_before_the_release_does_not_count_for_customs() -> None:
    story = Story()
    story.ok(OTHER_AGENT, link(BL2))
    story.ok(CUSTOMS, customs(CustomsStatus.RELEASED, BL2))

    story.released(bills=())

    assert story.file.bills_of_lading() == ()
    assert light(story, LightName.CUSTOMS) is Colour.GREY


def test_the_releasing_agents_and_customs_links_from_before_the_release_count() -> None:
    story = Story()
    story.ok(AGENT, link(BL1))
    story.ok(CUSTOMS, link(BL2))
    story.ok(OTHER_AGENT, link(BL2))

    story.released(bills=())

    assert story.file.bills_of_lading() == (BL1, BL2)


def test_a_dual_role_agent_links_only_to_its_own_release() -> None:
    story = STATES["offered"]()
    before = copy.deepcopy(story.file)

    events = story.do(DUAL_AGENT, link(BL2))

    assert events == [ActionRefused(CONTAINER, "LinkBillsOfLading", OTHERS_CONTAINER, "12")]
    assert story.file == before


def _partner(party_id: str, *held: Role, status: Status = Status.ACTIVE) -> Partner:
    return Partner(party_id, party_id, roles=frozenset(held), status=status, broker_user=party_id)


@pytest.mark.parametrize(
    ("partner", "agent", "code"),
    [
        pytest.param(_partner("PSAT", Role.TERMINAL_OPERATOR), "MSCBE", "role-not-held",
                     id="a terminal"),
        pytest.param(_partner("BECUSTOMS", Role.CUSTOMS), "MSCBE", "role-not-held", id="customs"),
        pytest.param(_partner("PORT", Role.AUTHORITY), "MSCBE", "role-not-held",
                     id="an authority"),
        pytest.param(_partner("CMA", Role.SHIP_AGENT), "MSCBE", "role-not-held",
                     id="another agent"),
        pytest.param(_partner("MSCBE", Role.SHIP_AGENT), "MSCBE", None,
                     id="the agent, for its own release"),
        pytest.param(_partner("MSCBE", Role.SHIP_AGENT, status=Status.SUSPENDED), "MSCBE",
                     "party-not-active", id="the agent, suspended"),
        pytest.param(_partner("FWD", Role.RELEASE_PARTY), "MSCBE", None, id="a release party"),
        pytest.param(_partner("TO", Role.TRANSPORT_OPERATOR), "", None,
                     id="a transport operator"),
        pytest.param(replace(_partner("WEB", Role.RELEASE_PARTY), broker_user=""), "MSCBE",
                     "party-not-ready", id="a portal company that never logged in"),
    ],
)  # fmt: skip
def test_only_receiving_roles_hold_a_right(partner: Partner, agent: str, code: str | None) -> None:
    refused = may_receive_release(partner, releasing_agent=agent)
    assert (refused.code if refused else None) == code


def _released_without_terminal() -> Story:
    story = Story()
    story.ok(AGENT, replace(release(), terminal=""), FORWARDER)
    return story


@pytest.mark.parametrize(
    ("named", "reason"),
    [
        (OTHER_TERMINAL, f"container {CONTAINER} was reported at terminal {TERMINAL}"),
        ("", f"terminal {TERMINAL} is not operated by the sender"),
    ],
)
def test_a_release_naming_no_terminal_stays_with_the_terminal_that_reported_it(
    named: str, reason: str
) -> None:
    story = _released_without_terminal()
    story.ok(TERMINAL_OP, terminal(TerminalEvent.DISCHARGED, ""))
    before = copy.deepcopy(story.file)

    events = story.do(OTHER_TERMINAL_OP, terminal(TerminalEvent.DISCHARGED, named))

    assert events == [ActionRefused(CONTAINER, "RecordTerminalEvent", reason, "12")]
    assert story.file == before
    assert story.file.gate_terminal() == TERMINAL
