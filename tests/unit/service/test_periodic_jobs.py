"""`hub run`'s periodic jobs: subscription reminders and the expiry of unused tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hub.adapters.inprocess import InProcessTransport
from hub.bootstrap import Hub
from hub.domain.tokens import EntryKind
from tests.unit.service.conftest import FixedClock

pytestmark = pytest.mark.sql_only  # the reminder job reads the SQL reports (`hub.ledger.reporting`)


def _kinds(transport: InProcessTransport) -> list[str]:
    return [m.message_type for m in transport.on("hub.partner", "TRUCKCO")]


def test_the_operator_is_reminded_once_before_its_subscription_ends(
    embedded: tuple[Hub, InProcessTransport], clock: FixedClock
) -> None:
    hub, transport = embedded
    clock.at += timedelta(days=365 - 31)
    hub.worker.expire_due()
    hub.worker.run_once()
    assert "SubscriptionExpiring" not in _kinds(transport)
    clock.at += timedelta(days=1)  # 30 days before the end (HUB_REMINDER_DAYS default)
    hub.worker.expire_due()
    hub.worker.expire_due()
    hub.worker.run_once()
    assert _kinds(transport).count("SubscriptionExpiring") == 1


def test_unused_tokens_expire_at_the_end_of_the_period(
    embedded: tuple[Hub, InProcessTransport], clock: FixedClock
) -> None:
    hub, _transport = embedded
    clock.at += timedelta(days=365)
    hub.worker.expire_due()
    hub.worker.expire_due()
    with hub.uow() as uow:
        expired = [e for e in uow.tokens.entries("TRUCKCO") if e.kind is EntryKind.EXPIRE]
    assert [e.tokens for e in expired] == [25]
