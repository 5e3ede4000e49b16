"""Which refusals may wait (`ActionRefused.may_wait`): those whose precondition a message still
to come can meet — no release yet, another release than the one named, a transfer not yet
made or answered, a holder not yet made — and no other. Every refusal of the rules' table
(`test_rules_refusals.REFUSALS`) is classified here, so a new refusal cannot go unclassified."""

from __future__ import annotations

from typing import Any

import pytest

from hub.domain import commands as c
from hub.domain.events import ActionRefused
from hub.domain.model import Actor

from .story import CONTAINER, HAULIER, HAULIER_2, STATES, TERMINAL_OP, fresh
from .test_rules_refusals import REFUSALS

WAITS = {
    "second release while one is active",  # the same agent's cancel of it may come
    "update without a release",
    "update of another release",
    "unblock what is not blocked",  # the block may come
    "revoke without a release",  # a cancel before its original
    "transfer without a release",
    "transfer of another release",
    "transfer by a non-holder",  # a transfer to it, and its accept, may come
    "transfer by the offeree before accepting",  # its own accept may come
    "transfer while one is pending",  # the answer may come
    "agent transfer while the release is pending",
    "accept by a party not named",  # the transfer to it may come
    "accept after declining",  # a new offer may come
    "accept of another release",
    "decline by a party not named",
    "assign by a transport operator not holding",
    "assign before accepting",
    "assign by another transport operator",
    "update a pickup by another transport operator",
    "revoke a pickup never assigned",  # the assignment may come
}


def test_every_waiting_case_is_in_the_table() -> None:
    assert {row[0] for row in REFUSALS} >= WAITS


@pytest.mark.parametrize(
    ("name", "state", "actor", "command", "recipient"),
    [pytest.param(row[0], *row[1:5], id=row[0]) for row in REFUSALS],
)
def test_a_refusal_may_wait_only_for_what_may_still_come(
    name: str, state: str, actor: Actor, command: Any, recipient: Actor | None
) -> None:
    [refusal] = STATES[state]().do(actor, command, recipient)
    assert isinstance(refusal, ActionRefused)
    assert refusal.may_wait is (name in WAITS)


def test_a_light_subscription_waits_for_the_terminal_to_be_known() -> None:
    [refusal] = fresh().do(HAULIER, c.SubscribeLights(CONTAINER))
    assert isinstance(refusal, ActionRefused) and refusal.may_wait
    [refusal] = fresh().do(HAULIER_2, c.UnsubscribeLights(CONTAINER))
    assert isinstance(refusal, ActionRefused) and refusal.may_wait


def test_a_refusal_of_who_may_act_never_waits() -> None:
    [refusal] = fresh().do(TERMINAL_OP, c.SubscribeLights(CONTAINER))
    assert isinstance(refusal, ActionRefused) and not refusal.may_wait
