"""Bounded retries with exponential backoff for transient faults (the one tenacity edge)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from tenacity import (
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
        wait=wait_exponential(multiplier=first_wait, max=max_wait),
        reraise=True,
        before_sleep=before_sleep_log(log, logging.WARNING),
    )
    return retrying(fn)
