"""The portal's service calls on a worker thread, so that password hashing (argon2 is slow by
design) and database waits never hold up the event loop that serves everyone else."""

from __future__ import annotations

from typing import TypeVar

from starlette.concurrency import run_in_threadpool

from hub.domain.refusals import Refusal
from hub.service_layer.portal import Portal, Query, Work

T = TypeVar("T")


class OffLoop:
    """`Portal.run`, `do` and `read`, awaited; the portal's settings as attributes."""

    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        self.credentials, self.policy = portal.credentials, portal.policy
        self.base_url = portal.base_url

    async def run(self, work: Work[T], *, keep_refused: bool = False) -> T | Refusal:
        return await run_in_threadpool(self.portal.run, work, keep_refused=keep_refused)

    async def do(self, work: Query[T]) -> T:
        return await run_in_threadpool(self.portal.do, work)

    async def read(self, query: Query[T]) -> T:
        return await run_in_threadpool(self.portal.read, query)
