"""Attacks run on the embedded hub of the service tests (SQLite file, in-process transport,
the sample partners loaded)."""

from tests.unit.service.conftest import clock, embedded

__all__ = ["clock", "embedded"]
