"""The history-free token charge on real PostgreSQL: the same scenarios and view checks as
tests/unit/test_tokens_charge.py, and the locking: an unlimited tier takes no lock (two
workers charging the same operator do not wait for each other), a limited one still does
(the one-token race is tests/integration/test_money_pg.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from hub.domain import commands as c
from hub.domain.model import ContainerFile
from hub.domain.partners import Partner
from hub.domain.tokens import EntryKind
from hub.ledger.db import make_engine, upgrade
from hub.service_layer.tokens import charge_token
from tests.unit.test_tokens_charge import (
    SCENARIOS,
    T0,
    Uow,
    check_views_match,
    consumptions,
    operator,
    statements_per_charge,
)

pytestmark = pytest.mark.integration

HOLD = 0.5
"""How long each worker keeps its transaction open after charging."""


@pytest.fixture()
def engine(pg_url: str) -> Iterator[Engine]:
    eng = make_engine(pg_url, pool_size=4)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.__name__)
def test_charge_scenarios_on_postgresql(engine: Engine, scenario: Any) -> None:
    scenario(engine)


@pytest.mark.parametrize("seed", range(3))
def test_database_view_equals_the_rules_on_postgresql(engine: Engine, seed: int) -> None:
    check_views_match(engine, seed)


@pytest.mark.parametrize("tier", ["medium", "high"])
def test_statements_per_charge_do_not_grow_with_history_on_postgresql(
    engine: Engine, tier: str
) -> None:
    partner = operator(engine, tier)
    counts = {statements_per_charge(engine, partner, prior) for prior in (0, 50, 500)}
    assert len(counts) == 1


def charge_times(engine: Engine, partner: Partner) -> list[float]:
    """Two workers charge an accept each for `partner` at once and keep their transaction
    open for HOLD seconds: how long each `charge_token` call took."""
    start = threading.Barrier(2)
    took: list[float] = []
    failures: list[str] = []

    def worker(container: str) -> None:
        with Uow(engine) as uow:
            start.wait()
            began = time.perf_counter()
            cmd = c.AcceptRight(container, f"REL-{container}")
            at = T0 + timedelta(hours=1)
            reason = charge_token(uow, ContainerFile(container), cmd, partner, container, at)
            took.append(time.perf_counter() - began)
            if reason:
                failures.append(reason)
            time.sleep(HOLD)
            uow.commit()

    threads = [threading.Thread(target=worker, args=(n,)) for n in ("MSCU1234566", "FCIU9908030")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert failures == []
    assert len(consumptions(engine, partner.party_id)) == 2
    return sorted(took)


def test_unlimited_tier_charges_do_not_wait_for_each_other(engine: Engine) -> None:
    partner = operator(engine, "high")
    took = charge_times(engine, partner)
    assert took[1] < HOLD / 2, took  # neither waited for the other's commit
    assert {e.tokens for e in consumptions(engine, partner.party_id)} == {0}


def test_limited_tier_charges_still_take_turns(engine: Engine) -> None:
    partner = operator(engine, "medium")
    took = charge_times(engine, partner)
    assert took[1] >= HOLD * 0.9, took  # the second read the balance after the first commit
    entries = consumptions(engine, partner.party_id)
    assert [e.kind for e in entries] == [EntryKind.CONSUME] * 2
    assert {e.tokens for e in entries} == {1}
