"""The hub's memory of the evidence it sent: per-terminal snapshot sequences and the audit
checkpoints it signed. The evidence itself lives outside (terminals' queues, the authority,
the checkpoint file); these rows only say where the next one continues."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, and_, select, update

from hub.ledger.audit import GENESIS
from hub.ledger.repositories import _insert_ignore as insert_ignore
from hub.ledger.tables import audit_checkpoints, audit_head, backup_snapshots
from hub.service_layer import ports


class SqlEvidence(ports.Evidence):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def next_backup(self, terminal: str, at: datetime) -> int:
        row = {"terminal": terminal, "sequence": 0, "generated_at": at}
        self.conn.execute(insert_ignore(self.conn, backup_snapshots), row)
        query = (
            select(backup_snapshots.c.sequence)
            .where(backup_snapshots.c.terminal == terminal)
            .with_for_update()
        )
        sequence = int(self.conn.scalar(query) or 0) + 1
        self.conn.execute(
            update(backup_snapshots)
            .where(backup_snapshots.c.terminal == terminal)
            .values(sequence=sequence, generated_at=at)
        )
        return sequence

    def backups_due(self, terminals: Sequence[str], before: datetime) -> list[str]:
        query = select(backup_snapshots.c.terminal).where(
            and_(
                backup_snapshots.c.terminal.in_(list(terminals)),
                backup_snapshots.c.generated_at >= before,
            )
        )
        fresh = set(self.conn.scalars(query))
        return sorted(t for t in set(terminals) if t not in fresh)

    def audit_head(self) -> tuple[int, str]:
        query = (
            select(audit_head.c.last_seq, audit_head.c.last_hash)
            .where(audit_head.c.id == 1)
            .with_for_update()
        )
        row = self.conn.execute(query).first()
        return (0, GENESIS) if row is None else (int(row.last_seq), str(row.last_hash))

    def last_checkpoint(self) -> ports.Checkpoint | None:
        query = select(audit_checkpoints).order_by(audit_checkpoints.c.number.desc()).limit(1)
        row = self.conn.execute(query).first()
        if row is None:
            return None
        return ports.Checkpoint(row.number, row.entries, row.head_hash, row.at, row.document)

    def add_checkpoint(self, checkpoint: ports.Checkpoint) -> None:
        self.conn.execute(
            audit_checkpoints.insert().values(
                number=checkpoint.number,
                entries=checkpoint.entries,
                head_hash=checkpoint.head_hash,
                at=checkpoint.at,
                document=checkpoint.document,
            )
        )
