"""Alembic environment: the engine is handed over by `hub.ledger.db.upgrade`."""

from __future__ import annotations

from alembic import context

from hub.ledger.tables import metadata

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    if connection.dialect.name == "postgresql":
        # a migration may rewrite a large table: the hub's statement limit is for its own work
        connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    context.run_migrations()
