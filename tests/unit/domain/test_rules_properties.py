"""Random sequences of commands, light changes and clock ticks never break the gate rule.

From any of the table states, a random run of commands (from random, often the wrong, parties)
and periodic `settle` calls must:
- leave `file.authorised` exactly what `decide` says, and only when the gate rule holds
  (computed here independently of `hub.domain.gate`);
- publish authorisations and withdrawals alternately, with sequences rising by one, never
  re-issuing the authorisation just withdrawn;
- answer a refusal with one `ActionRefused` and an unchanged file;
- publish nothing when the same state is settled again.
"""

from __future__ import annotations

import copy
import itertools
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.domain import commands as c
from hub.domain.events import ActionRefused, Event, GateAuthorised, GateWithdrawn, LightChanged
from hub.domain.gate import decide
from hub.domain.model import Actor, Authorisation, ContainerFile
from hub.domain.roles import TRANSPORT_OPERATOR
from hub.domain.rules import settle
from hub.domain.values import Colour, CustomsStatus, LightName, RightStatus, TerminalEvent

from .story import (
    AGENT,
    BARGE,
    BL1,
    BL2,
    CONTAINER,
    CUSTOMS,
    DRIVER,
    DRIVER_2,
    FORWARDER,
    FORWARDER_2,
    HAULIER,
    HAULIER_2,
    OTHER_AGENT,
    OTHER_TERMINAL,
    OTHER_TERMINAL_OP,
    REF,
    REF_2,
    STATES,
    STRANGER,
    T0,
    TERMINAL,
    TERMINAL_OP,
    Story,
    gate,
    known,
    of_type,
    party,
)


def days_after_t0(days: int) -> datetime:
    return T0 + timedelta(days=days)


CAST = (AGENT, OTHER_AGENT, FORWARDER, FORWARDER_2, HAULIER, HAULIER_2, STRANGER)
BY_ID = {a.party_id: a for a in (*CAST, TERMINAL_OP, OTHER_TERMINAL_OP, CUSTOMS)}
Step = tuple[Actor, Any, Actor | None] | timedelta

refs = st.sampled_from((REF, REF, REF, REF_2))
anyone = st.sampled_from(CAST)
agents = st.sampled_from((AGENT, AGENT, AGENT, OTHER_AGENT, HAULIER))
expiries = st.one_of(st.none(), st.none(), st.integers(1, 120).map(days_after_t0))
bills = st.sampled_from(((BL1,), (BL1,), (BL1, BL2), (BL2,)))
customs_values = st.one_of(
    st.sampled_from(CustomsStatus), st.sampled_from((CustomsStatus.RELEASED, CustomsStatus.FASFC))
)
terminal_events = st.one_of(
    st.sampled_from(TerminalEvent),
    st.sampled_from((TerminalEvent.DISCHARGED, TerminalEvent.RELEASED)),
)
ticks = st.one_of(
    st.integers(1, 72).map(lambda h: timedelta(hours=h)),
    st.integers(1, 72).map(lambda h: timedelta(hours=h)),
    st.integers(1, 70).map(lambda d: timedelta(days=d)),
)
transport_operators = st.sampled_from((HAULIER, HAULIER_2))
STARTS = st.sampled_from(
    (*sorted(STATES), *["authorised"] * 4, *["assigned"] * 3, *["with_haulier"] * 2)
)
KINDS = (
    *["release", "update", "agent", "pickup_revoke", "decline", "revoke_transfer", "link"],
    *["transfer"] * 3,
    *["accept"] * 4,
    *["assign"] * 3,
    *["customs"] * 2,
    *["terminal"] * 2,
    *["tick"] * 2,
)


def often(data: st.DataObject, likely: Actor | None, others: st.SearchStrategy[Actor]) -> Actor:
    """Usually the party the state calls for, sometimes anyone (so refusals are exercised)."""
    if likely is not None and data.draw(st.integers(0, 3)) < 3:
        return likely
    return data.draw(others)


def draw_step(data: st.DataObject, file: ContainerFile) -> Step:
    """One random command (or clock tick), biased towards the parties that can act now."""
    kind = data.draw(st.sampled_from(KINDS))
    right = file.right
    holder = BY_ID.get(right.holder) if right else None
    offered = BY_ID.get(right.pending.to_party) if right and right.pending else None
    offerer = BY_ID.get(right.pending.from_party) if right and right.pending else None
    ref = data.draw(refs)
    if kind == "tick":
        return data.draw(ticks)
    if kind == "release":
        to = data.draw(st.sampled_from((HAULIER, HAULIER, FORWARDER, FORWARDER_2, STRANGER)))
        cmd = c.ReleaseContainer(
            CONTAINER,
            ref,
            party(to),
            data.draw(bills),
            TERMINAL,
            "BEANR",
            None,
            data.draw(expiries),
        )
        return data.draw(agents), cmd, known(to)
    if kind == "update":
        to = data.draw(st.one_of(st.none(), st.none(), anyone))
        cmd = c.UpdateRelease(
            CONTAINER,
            ref,
            party(to) if to else None,
            data.draw(st.one_of(st.just(()), bills)),
            data.draw(st.sampled_from(("", TERMINAL, OTHER_TERMINAL))),
            "",
            data.draw(expiries),
        )
        return data.draw(agents), cmd, known(to) if to else None
    if kind == "agent":
        act = data.draw(
            st.sampled_from(
                (
                    c.BlockRelease,
                    c.UnblockRelease,
                    c.UnblockRelease,
                    c.RevokeRelease,
                    c.DeleteRelease,
                )
            )
        )
        return data.draw(agents), act(CONTAINER, ref), None
    if kind == "transfer":
        to = data.draw(st.one_of(anyone, transport_operators))
        return often(data, holder, anyone), c.TransferRight(CONTAINER, ref, party(to)), known(to)
    if kind in ("accept", "decline"):
        act = c.AcceptRight if kind == "accept" else c.DeclineRight
        return often(data, offered, anyone), act(CONTAINER, ref), None
    if kind == "revoke_transfer":
        return often(data, offerer, anyone), c.RevokeTransfer(CONTAINER, ref), None
    if kind == "assign":
        pickup = data.draw(st.sampled_from((DRIVER, DRIVER, DRIVER_2, BARGE)))
        return often(data, holder, anyone), c.AssignPickup(CONTAINER, ref, pickup), None
    if kind == "pickup_revoke":
        return often(data, holder, anyone), c.RevokePickup(CONTAINER, ref), None
    if kind == "customs":
        bl = data.draw(st.sampled_from(("", BL1, BL2)))
        status = data.draw(customs_values)
        return (
            often(data, CUSTOMS, st.just(AGENT)),
            c.RecordCustomsStatus(status, CONTAINER, bl),
            None,
        )
    if kind == "terminal":
        code = data.draw(st.sampled_from((TERMINAL, TERMINAL, "", OTHER_TERMINAL)))
        event = data.draw(terminal_events)
        actor = often(data, TERMINAL_OP, st.sampled_from((OTHER_TERMINAL_OP, FORWARDER)))
        return actor, c.RecordTerminalEvent(CONTAINER, event, code), None
    bl = data.draw(st.sampled_from((BL1, BL2)))
    actor = data.draw(st.sampled_from((AGENT, CUSTOMS, FORWARDER)))
    return actor, c.LinkBillsOfLading(bl, (CONTAINER,)), None


def take(story: Story, step: Step) -> list[Event]:
    if isinstance(step, timedelta):
        return story.wait(step)
    return story.do(*step)


def gate_rule(file: ContainerFile, now: datetime) -> bool:
    """The rule of DESIGN.md, spelled out without `hub.domain.gate`."""
    right = file.right
    if right is None or right.pickup is None:
        return False
    lights = file.lights()
    holder = BY_ID.get(right.holder)
    return (
        right.status is RightStatus.RELEASED
        and now < right.expires_at
        and lights[LightName.COMMERCIAL].colour is Colour.GREEN
        and lights[LightName.CUSTOMS].colour in (Colour.GREEN, Colour.ORANGE)
        and lights[LightName.TERMINAL].colour is Colour.GREEN
        and holder is not None
        and holder.has(TRANSPORT_OPERATOR)
        and right.holder != right.agent
    )


def check_state(file: ContainerFile, now: datetime) -> None:
    assert file.authorised == decide(file, now)
    if file.authorised is not None:
        assert gate_rule(file, now)
        right = file.right
        assert right is not None
        assert file.authorised.pickup == right.pickup
        assert file.authorised.release_ref == right.release_ref
        assert file.authorised.terminal == file.gate_terminal()
    assert settle(file, now) == []


def check_batch(events: list[Event], held_before: Authorisation | None) -> None:
    """Within one call: a withdrawal then an authorisation must change what was authorised."""
    decisions = gate(events)
    assert len(decisions) <= 2
    if [type(e) for e in decisions] == [GateWithdrawn, GateAuthorised]:
        issued = decisions[1]
        assert isinstance(issued, GateAuthorised)
        reissued = Authorisation(
            issued.terminal,
            issued.release_ref,
            issued.pickup,
            issued.port,
            issued.bills_of_lading,
            issued.expires_at,
        )
        assert reissued != held_before
    for light in (e for e in events if isinstance(e, LightChanged)):
        assert light.new is not Colour.RED or light.value


def check_log(log: list[Event]) -> None:
    """Authorise, withdraw, authorise...: alternating, sequences 1, 2, 3..."""
    decisions = gate(log)
    for i, decision in enumerate(decisions):
        assert isinstance(decision, GateWithdrawn if i % 2 else GateAuthorised), decisions
        assert decision.sequence == i + 1
    for authorised, withdrawn in itertools.pairwise(decisions):
        if isinstance(authorised, GateAuthorised):
            assert (withdrawn.terminal, withdrawn.release_ref) == (
                authorised.terminal,
                authorised.release_ref,
            )


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(start=STARTS, length=st.integers(0, 40), data=st.data())
def test_random_runs_never_break_the_gate_rule(
    start: str, length: int, data: st.DataObject
) -> None:
    story: Story = STATES[start]()
    story.wait(timedelta(0))  # the "due" state has not been settled yet
    check_state(story.file, story.now)

    for _ in range(length):
        step = draw_step(data, story.file)
        held = story.file.authorised
        before = copy.deepcopy(story.file)
        events = take(story, step)
        if any(isinstance(e, ActionRefused) for e in events):
            assert len(events) == 1
            assert story.file == before
        check_batch(events, held)
        check_state(story.file, story.now)

    check_log(story.log)
    assert story.wait(timedelta(0)) == []


def test_the_random_runs_reach_authorisations_and_withdrawals() -> None:
    """Guard the property test against generating only dead ends."""
    counts: list[tuple[int, int]] = []

    @settings(max_examples=200, deadline=None, database=None, derandomize=True)
    @given(start=STARTS, length=st.integers(10, 40), data=st.data())
    def run(start: str, length: int, data: st.DataObject) -> None:
        story = STATES[start]()
        already = len(story.log)
        for _ in range(length):
            take(story, draw_step(data, story.file))
        new = story.log[already:]
        counts.append((len(of_type(new, GateAuthorised)), len(of_type(new, GateWithdrawn))))

    run()
    assert sum(1 for issued, _ in counts if issued >= 1) >= 20
    assert sum(1 for issued, withdrawn in counts if issued >= 1 and withdrawn >= 1) >= 10
