"""The hub's memory of the evidence it sent: per-terminal snapshot sequences and the audit
checkpoints it signed. The evidence itself lives outside (terminals' queues, the authority,
the checkpoint file); these rows only say where the next one continues."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, and_, select, update

from hub.ledger.audit import GENESIS
from hub.ledger.repositories import _insert_ignore as insert_ignore
from hub.ledger.tables import audit_checkpoints, audit_head, backup_snapshots
from hub.service_layer import ports

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class SqlEvidence(ports.Evidence):
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def _lock(self, terminal: str) -> tuple[int, datetime]:
        row = {"terminal": terminal, "sequence": 0, "generated_at": _EPOCH, "pending": False}
        self.conn.execute(insert_ignore(self.conn, backup_snapshots), row)
        query = (
            select(backup_snapshots.c.sequence, backup_snapshots.c.generated_at)
            .where(backup_snapshots.c.terminal == terminal)
            .with_for_update()
        )
        found = self.conn.execute(query).one()
        return int(found.sequence), found.generated_at

    def next_backup(self, terminal: str, at: datetime) -> int:
        sequence = self._lock(terminal)[0] + 1
        self._set(terminal, sequence=sequence, generated_at=at, pending=False)
        return sequence

    def defer_backup(self, terminal: str, since: datetime) -> bool:
        sequence, generated_at = self._lock(terminal)
        if sequence == 0 or generated_at <= since:
            return False
        self._set(terminal, pending=True)
        return True

    def _set(self, terminal: str, **values: object) -> None:
        where = backup_snapshots.c.terminal == terminal
        self.conn.execute(update(backup_snapshots).where(where).values(**values))

    def backups_due(self, terminals: Sequence[str], before: datetime) -> list[str]:
        query = select(backup_snapshots.c.terminal).where(
            and_(
                backup_snapshots.c.terminal.in_(list(terminals)),
                backup_snapshots.c.generated_at >= before,
                backup_snapshots.c.pending.is_(False),
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
