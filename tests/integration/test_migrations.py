"""The Alembic migrations build exactly the schema `hub.ledger.tables` describes, on PostgreSQL
and on SQLite, and downgrade cleanly: a table or index added to one and not the other fails."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from hub.ledger.db import alembic_config, make_engine, upgrade
from hub.ledger.tables import metadata
from tests.conftest import _missing, _port_open, _psql

pytestmark = pytest.mark.integration


@pytest.fixture(params=["postgresql", "sqlite"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        e = make_engine(f"sqlite:///{tmp_path / 'm.db'}")
        yield e
        e.dispose()
        return
    if not _port_open(5432):
        _missing("PostgreSQL on 127.0.0.1:5432")
    name = f"hub_mig_{uuid.uuid4().hex[:10]}"
    _psql(f"CREATE DATABASE {name}")
    e = make_engine(f"postgresql://postgres@127.0.0.1:5432/{name}")
    yield e
    e.dispose()
    _psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_migrations_build_the_declared_schema_and_go_back_down(engine: Engine) -> None:
    upgrade(engine)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
    indexes = {i["name"] for i in inspect(engine).get_indexes("token_entries")}
    assert {"ix_token_entries_key", "ix_token_entries_subscription_kind"} <= indexes
    command.downgrade(alembic_config(engine), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
