"""partner keys: VAT, EORI, EDI ids, terminal codes and broker users unique across partners

Revision ID: 0004
Revises: 0005
Create Date: 2026-11-30 05:00:00

Existing partners' keys are filled in, active partners first: a key two partners already share
stays with the first (an active one if any), and the clash is printed for the operator.
"""

from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from alembic import op

from hub.domain.identifiers import keys_of

_PARTNERS = sa.table(
    "partners",
    sa.column("party_id", sa.String()),
    sa.column("vat", sa.String()),
    sa.column("eori", sa.String()),
    sa.column("status", sa.String()),
    sa.column("broker_user", sa.String()),
    sa.column("edi_ids", sa.JSON()),
    sa.column("terminals", sa.JSON()),
)

revision = "0004"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    keys = op.create_table(
        "partner_keys",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("party_id", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["party_id"], ["partners.party_id"]),
        sa.PrimaryKeyConstraint("kind", "key"),
    )
    with op.batch_alter_table("partner_keys", schema=None) as batch_op:
        batch_op.create_index("ix_partner_keys_party_id", ["party_id"], unique=False)
    assert keys is not None
    op.bulk_insert(keys, _existing_keys())


def _existing_keys() -> list[dict[str, Any]]:
    rows = op.get_bind().execute(sa.select(_PARTNERS).order_by(_PARTNERS.c.party_id)).all()
    partners = sorted((_partner(r) for r in rows), key=lambda p: p.status != "active")
    held: dict[tuple[str, str], str] = {}
    for p in partners:
        for kind, key in sorted(keys_of(p)):
            if held.setdefault((kind, key), p.party_id) != p.party_id:
                print(f"partner_keys: {kind} {key} of {p.party_id} is {held[kind, key]}'s")
    return [{"kind": k, "key": v, "party_id": p} for (k, v), p in held.items()]


def _partner(row: Any) -> Any:
    return SimpleNamespace(
        party_id=row.party_id,
        vat=row.vat or "",
        eori=row.eori or "",
        status=row.status,
        broker_user=row.broker_user or "",
        edi_ids=tuple((str(i), str(q)) for i, q in row.edi_ids or ()),
        terminals=tuple(row.terminals or ()),
    )


def downgrade() -> None:
    with op.batch_alter_table("partner_keys", schema=None) as batch_op:
        batch_op.drop_index("ix_partner_keys_party_id")
    op.drop_table("partner_keys")
