"""Bounded retries with exponential backoff for transient faults (the one tenacity edge)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    before_sleep_log,
    retry_if_exception_type,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential,
)

from hub.errors import TransientError

T = TypeVar("T")
log = logging.getLogger("hub.retry")


class Backoff:
    """The one backoff policy of the hub: exponential waits from `first` to `maximum` seconds
    (tenacity's `wait_exponential`). `with_retries` waits by it, and `bootstrap` hands one to
    the worker loop and the relay thread (`hub.service_layer.ports.Backoff`)."""

    def __init__(self, first: float = 0.5, maximum: float = 10.0) -> None:
        self.wait = wait_exponential(multiplier=first, max=maximum)

    def __call__(self, attempt: int) -> float:
        """Seconds to wait after failure number `attempt` (1, 2, …) in a row."""
        state = RetryCallState(Retrying(), None, (), {})
        state.attempt_number = max(1, attempt)
        return float(self.wait(state))


def with_retries(
    fn: Callable[[], T],
    *,
    attempts: int = 8,
    max_delay: float = 60.0,
    first_wait: float = 0.2,
    max_wait: float = 10.0,
) -> T:
    """Call `fn`, retrying `TransientError` with backoff; re-raise after the bound."""
    retrying = Retrying(
        retry=retry_if_exception_type(TransientError),
        stop=stop_after_attempt(attempts) | stop_after_delay(max_delay),
        wait=Backoff(first_wait, max_wait).wait,
        reraise=True,
        before_sleep=before_sleep_log(log, logging.WARNING),
    )
    return retrying(fn)
