"""Everything one test starts (a fresh database, proxies, hub processes), removed by `close`."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from tests.integration.faults.common import AMQP_PORT, PG_PORT
from tests.integration.faults.invariants import Figures, check_invariants, engine_for, wait_settled
from tests.integration.faults.messages import Msg
from tests.integration.faults.proxy import Proxy
from tests.integration.faults.world import HubRun, World


def require_servers() -> None:
    from tests.conftest import _missing, _port_open

    if not _port_open(PG_PORT) or not _port_open(AMQP_PORT):
        _missing("PostgreSQL and RabbitMQ on 127.0.0.1")


@dataclass
class Run:
    """Everything one test starts, stopped and removed by `close`."""

    world: World
    db_url: str
    logs: Path
    engine: Engine = field(init=False)
    hubs: list[HubRun] = field(default_factory=list)
    proxies: list[Proxy] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.engine = engine_for(self.db_url)

    def proxy(self, port: int) -> Proxy:
        p = Proxy(port)
        self.proxies.append(p)
        return p

    def env(
        self, *, pg: Proxy | None = None, amqp: Proxy | None = None, **extra: str
    ) -> dict[str, str]:
        db_url = pg.url(self.db_url) if pg else self.db_url
        amqp_url = amqp.url(self.world.amqp_url) if amqp else self.world.amqp_url
        return self.world.env(db_url, amqp_url, **extra)

    def hub(self, name: str = "hub", env: dict[str, str] | None = None, **kw: Any) -> HubRun:
        h = HubRun(env or self.env(**kw), self.logs, name)
        self.hubs.append(h)
        return h

    def settle(self, sent: Sequence[tuple[Msg, str]], timeout: float = 60) -> None:
        wait_settled(self.world, self.engine, sent, timeout)

    def check(self, sent: Sequence[tuple[Msg, str]], **kw: Any) -> Figures:
        """Stop the hubs (SIGTERM: each must exit 0), then check every invariant."""
        codes = {f"{h.name}-{h.generation}": h.stop() for h in self.hubs if h.alive}
        figures = check_invariants(self.world, self.engine, sent, **kw)
        figures.problems += [f"{name} exited with {code}" for name, code in codes.items() if code]
        return figures

    def close(self) -> None:
        for h in self.hubs:
            if h.alive:
                with contextlib.suppress(Exception):
                    h.stop(timeout=20)
        for p in self.proxies:
            p.close()
        self.engine.dispose()
        self.world.drop_database(self.db_url)
