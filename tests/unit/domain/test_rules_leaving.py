"""Who still takes part in a release right: leaving the chain by declining or being revoked."""

from __future__ import annotations

from .story import (
    AGENT,
    FORWARDER,
    HAULIER,
    HAULIER_2,
    STRANGER,
    declined,
    offering_haulier,
    revoke_transfer,
    transfer,
    with_haulier,
)


def test_the_agent_the_holders_and_the_party_offered_it_take_part() -> None:
    story = offering_haulier()
    right = story.file.right
    assert right is not None
    assert [right.in_chain(p.party_id) for p in (AGENT, FORWARDER, HAULIER)] == [True] * 3
    assert not right.in_chain(STRANGER.party_id)


def test_a_party_that_declined_has_left() -> None:
    right = declined().file.right
    assert right is not None and not right.in_chain(FORWARDER.party_id)


def test_a_party_whose_offer_was_revoked_has_left() -> None:
    story = with_haulier()
    story.ok(HAULIER, transfer(HAULIER_2), HAULIER_2)
    story.ok(HAULIER, revoke_transfer())
    right = story.file.right
    assert right is not None
    assert not right.in_chain(HAULIER_2.party_id) and right.in_chain(HAULIER.party_id)
