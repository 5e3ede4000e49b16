"""Light subscriptions: a transport operator follows the lights of a container at a PIN
terminal until it unsubscribes, the container is picked up, or the agent revokes or deletes."""

from __future__ import annotations

from hub.domain import commands as c
from hub.domain.events import ActionRefused, LightChanged, LightsSubscribed, LightsUnsubscribed
from hub.domain.values import TerminalEvent

from .story import (
    AGENT,
    CONTAINER,
    CUSTOMS,
    FORWARDER,
    HAULIER,
    HAULIER_2,
    OTHER_TERMINAL,
    TERMINAL,
    TERMINAL_OP,
    Story,
    business,
    delete,
    of_type,
    offered,
    revoke,
    terminal,
)

PIN = frozenset({TERMINAL})
SUBSCRIBE = c.SubscribeLights(CONTAINER)
UNSUBSCRIBE = c.UnsubscribeLights(CONTAINER)


def _pin_story() -> Story:
    story = offered()
    story.pin_terminals = PIN
    return story


def test_a_transport_operator_subscribes_and_sees_the_lights_as_they_stand() -> None:
    story = _pin_story()

    [subscribed] = business(story.ok(HAULIER, SUBSCRIBE))

    assert isinstance(subscribed, LightsSubscribed) and subscribed.party == HAULIER.party_id
    assert ("commercial", "GREEN", "ok") in subscribed.lights
    assert story.file.subscribers() == (HAULIER.party_id,)


def test_subscribing_twice_is_one_subscription() -> None:
    story = _pin_story()
    story.ok(HAULIER, SUBSCRIBE)
    first = story.file.light_subscriptions[HAULIER.party_id]

    assert business(story.ok(HAULIER, SUBSCRIBE)) == []
    assert story.file.light_subscriptions[HAULIER.party_id] == first


def test_only_a_transport_operator_may_subscribe() -> None:
    [refused] = _pin_story().do(FORWARDER, SUBSCRIBE)
    assert isinstance(refused, ActionRefused) and "transport operator" in refused.reason


def test_at_an_alfapass_terminal_the_operator_accepts_the_right_instead() -> None:
    story = offered()
    story.pin_terminals = frozenset({OTHER_TERMINAL})

    [refused] = story.do(HAULIER, SUBSCRIBE)

    assert isinstance(refused, ActionRefused) and "Alfapass" in refused.reason


def test_a_container_whose_terminal_is_unknown_cannot_be_followed_yet() -> None:
    story = Story(pin_terminals=PIN)
    [refused] = story.do(HAULIER, SUBSCRIBE)
    assert isinstance(refused, ActionRefused) and "not known yet" in refused.reason


def test_an_unsubscribed_operator_is_told_nothing_more() -> None:
    story = _pin_story()
    story.ok(HAULIER, SUBSCRIBE)

    assert business(story.ok(HAULIER, UNSUBSCRIBE)) == [
        LightsUnsubscribed(CONTAINER, HAULIER.party_id, "unsubscribed")
    ]
    assert story.file.subscribers() == ()
    [refused] = story.do(HAULIER, UNSUBSCRIBE)
    assert isinstance(refused, ActionRefused)


def test_subscribing_after_unsubscribing_is_a_new_subscription() -> None:
    story = _pin_story()
    story.ok(HAULIER, SUBSCRIBE)
    story.ok(HAULIER, UNSUBSCRIBE)
    story.now = story.now.replace(hour=12)

    assert of_type(story.ok(HAULIER, SUBSCRIBE), LightsSubscribed)
    assert story.file.light_subscriptions[HAULIER.party_id].since == story.now


def test_the_agents_revoke_and_delete_end_subscriptions() -> None:
    for command, reason in ((revoke(), "release revoked"), (delete(), "release deleted")):
        story = _pin_story()
        story.ok(HAULIER, SUBSCRIBE)
        story.ok(HAULIER_2, SUBSCRIBE)

        ended = of_type(story.ok(AGENT, command), LightsUnsubscribed)

        assert [(e.party, e.reason) for e in ended] == [
            (HAULIER.party_id, reason),
            (HAULIER_2.party_id, reason),
        ]
        assert story.file.subscribers() == ()


def test_the_pickup_ends_subscriptions() -> None:
    story = _pin_story()
    story.ok(HAULIER, SUBSCRIBE)

    events = story.ok(TERMINAL_OP, terminal(TerminalEvent.GATE_OUT))

    assert of_type(events, LightsUnsubscribed) == [
        LightsUnsubscribed(CONTAINER, HAULIER.party_id, "picked up")
    ]
    [refused] = story.do(HAULIER, SUBSCRIBE)
    assert isinstance(refused, ActionRefused)


def test_light_changes_keep_coming_while_subscribed() -> None:
    story = _pin_story()
    story.ok(HAULIER, SUBSCRIBE)

    story.cleared()

    assert of_type(story.log, LightChanged)
    assert story.file.subscribers() == (HAULIER.party_id,)
    assert CUSTOMS.party_id not in story.file.subscribers()
