"""The values the portal shows have words in the four languages (issue 15): every colour,
release, link, customs and terminal status the domain can produce, and the gate's reasons."""

from __future__ import annotations

import pytest

from hub.domain.light_subscriptions import PICKED_UP, REFUNDED_ENDS, UNSUBSCRIBED
from hub.domain.model import LinkStatus
from hub.domain.values import Colour, CustomsStatus, RightStatus
from hub.entrypoints.web.i18n_values import VALUES, value_translator

TERMINAL = ("blocked", "scanning", "released", "discharged", "not_discharged")


def test_every_value_the_domain_produces_has_four_words() -> None:
    enums = [*Colour, *RightStatus, *CustomsStatus, *LinkStatus]
    shown = [str(v) for v in enums] + ["ok", *TERMINAL, UNSUBSCRIBED, PICKED_UP, *REFUNDED_ENDS]
    assert [v for v in shown if v not in VALUES] == []
    assert all(len(words) == 4 and all(words) for words in VALUES.values())


@pytest.mark.parametrize(
    ("lang", "value", "word"),
    [
        ("nl", "GREEN", "groen"),
        ("nl", "documentary_control", "documentcontrole"),
        ("nl", "unknown: B/L MEDUAN1 not written off", "onbekend: B/L MEDUAN1 not written off"),
        ("nl", "customs light RED (not_cleared)", "Douane: rood (niet ingeklaard)"),
        ("fr", "picked_up", "enlevé"),
        ("de", "revoked", "widerrufen"),
        ("en", "GREY", "grey"),
        ("nl", "something new", "something new"),  # a value without a word is shown as is
    ],
)
def test_a_value_is_shown_in_the_users_language(lang: str, value: str, word: str) -> None:
    assert value_translator(lang)(value) == word
