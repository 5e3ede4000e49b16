"""The token charge is typed: what it asks of the ledger is part of the `Tokens` port, so a
store without it cannot be built (no detection at run time, no silent fall back to reading a
party's whole history)."""

from __future__ import annotations

import inspect

from hub.ledger.tokens import SqlTokens
from hub.service_layer import ports
from hub.service_layer import tokens as token_service


def test_the_charge_queries_are_required_by_the_port() -> None:
    wanted = {"charge_view", "charge_entries", "refund_entries"}
    assert wanted <= ports.Tokens.__abstractmethods__
    assert not SqlTokens.__abstractmethods__


def test_the_charge_does_not_detect_the_store_at_run_time() -> None:
    source = inspect.getsource(token_service)
    assert "runtime_checkable" not in source and "isinstance(store" not in source
    assert ".entries(" not in source  # never the party's whole history
