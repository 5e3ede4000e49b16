"""The audit chain anchored by signed checkpoints (issue 16): every way a database user can
tamper — edit, delete the tail and rewind the head, reorder, replay an old checkpoint, forge
one — is detected, with the entry or checkpoint named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Connection, delete, select, update

from hub.adapters import signing
from hub.bootstrap import append_checkpoint, last_checkpoint
from hub.entrypoints.cli import cli
from hub.entrypoints.evidence_cmd import read_lines
from hub.ledger import audit
from hub.ledger.tables import audit as audit_table
from hub.ledger.tables import audit_checkpoints, audit_head
from hub.service_layer import checkpoints, signed
from tests.unit.service.evidence_support import Evidence, evidence

__all__ = ["evidence"]


def _checkpoint(ev: Evidence, commit: bool = True) -> dict[str, Any]:
    """What `hub run`'s checkpoint job does (the file is written before the commit)."""
    path = Path(ev.settings.checkpoint_file)
    with ev.hub.uow() as uow:
        signer = signing.load_signer(ev.private_key)
        doc = checkpoints.make(uow, signer, ev.hub.clock(), last_checkpoint(path))
        append_checkpoint(path, doc)
        if commit:
            uow.commit()
    return doc


def _verify(ev: Evidence, docs: list[Any] | None = None) -> list[str]:
    docs = read_lines(Path(ev.settings.checkpoint_file)) if docs is None else docs
    ring = signing.load_key_ring([ev.public_key])
    with ev.hub.db.connect() as conn:
        return [str(f) for f in audit.verify(conn, docs, ring)]


def _rewind(conn: Connection, to: int) -> None:
    """What a database user does to hide the newest entries: delete them, rewind the head."""
    head = conn.execute(select(audit_table.c.hash).where(audit_table.c.seq == to)).scalar_one()
    conn.execute(delete(audit_table).where(audit_table.c.seq > to))
    conn.execute(update(audit_head).values(last_seq=to, last_hash=head))


@pytest.fixture()
def anchored(evidence: Evidence) -> tuple[Evidence, dict[str, Any], dict[str, Any]]:
    """The story, with a checkpoint half way and one at the end."""
    evidence.story()
    first = _checkpoint(evidence)
    evidence.story()  # the same messages again: duplicates, audited
    second = _checkpoint(evidence)
    assert second["entries"] > first["entries"] > 0
    return evidence, first, second


def test_an_untouched_chain_verifies_against_its_checkpoints(anchored: Any) -> None:
    ev, _first, _second = anchored
    assert _verify(ev) == []


def test_deleting_the_tail_and_rewinding_the_head_is_named(anchored: Any) -> None:
    ev, _first, second = anchored
    cut = second["entries"] - 3
    with ev.hub.db.engine.begin() as conn:
        _rewind(conn, cut)
    assert _verify(ev, []) == []  # without a checkpoint, as before: undetectable
    (found,) = _verify(ev)
    assert found.startswith(f"audit entry {cut + 1}: missing: checkpoint 2 of ")
    assert f"entries {cut + 1}..{second['entries']} were deleted" in found


def test_an_edited_entry_is_named(anchored: Any) -> None:
    ev, _first, _second = anchored
    with ev.hub.db.engine.begin() as conn:
        conn.execute(update(audit_table).where(audit_table.c.seq == 4).values(actor="NOBODY"))
    assert _verify(ev)[0] == "audit entry 4: content does not match its hash: changed"


def test_an_edited_entry_with_the_chain_recomputed_after_it_is_named(anchored: Any) -> None:
    """The thorough forger rewrites entry 4 and recomputes every hash after it: the chain is
    consistent again, but no longer what the checkpoints signed."""
    ev, first, second = anchored
    with ev.hub.db.engine.begin() as conn:
        conn.execute(update(audit_table).where(audit_table.c.seq == 4).values(actor="NOBODY"))
        _rechain(conn)
    found = _verify(ev)
    assert f"audit entry {first['entries']}: does not match checkpoint 1 of" in found[0]
    assert f"audit entry {second['entries']}: does not match checkpoint 2" in found[1]


def _rechain(conn: Connection) -> None:
    prev = audit.GENESIS
    for row in audit.rows(conn):
        digest = audit.entry_hash(prev, row.seq, row.entry)
        conn.execute(
            update(audit_table)
            .where(audit_table.c.seq == row.seq)
            .values(prev_hash=prev, hash=digest)
        )
        prev = digest
    conn.execute(update(audit_head).values(last_hash=prev))


def test_reordered_entries_are_named(anchored: Any) -> None:
    ev, _first, _second = anchored
    with ev.hub.db.engine.begin() as conn:
        conn.execute(update(audit_table).where(audit_table.c.seq == 5).values(seq=-1))
        conn.execute(update(audit_table).where(audit_table.c.seq == 6).values(seq=5))
        conn.execute(update(audit_table).where(audit_table.c.seq == -1).values(seq=6))
    found = _verify(ev)
    assert found[0].startswith("audit entry 5: does not follow the previous entry")
    assert any(f.startswith("audit entry 6:") for f in found)


def test_an_old_checkpoint_replayed_after_a_rewind_is_named_and_does_not_hide_it(
    anchored: Any,
) -> None:
    ev, first, second = anchored
    with ev.hub.db.engine.begin() as conn:
        _rewind(conn, first["entries"])  # back to what the old checkpoint says
        conn.execute(delete(audit_checkpoints).where(audit_checkpoints.c.number > 1))
    found = _verify(ev, [first, second, first])
    assert found[0].startswith(
        "checkpoint 1: replayed: an older checkpoint given after checkpoint 2"
    )
    assert found[1].startswith(f"audit entry {first['entries'] + 1}: missing: checkpoint 2")


def test_the_hub_signing_a_rewound_chain_is_named(anchored: Any) -> None:
    """The tail deleted and the checkpoint rows too, so the hub, unaware, signs the shorter
    chain: the checkpoint file outside the hub shows the chain went backwards."""
    ev, first, second = anchored
    with ev.hub.db.engine.begin() as conn:
        _rewind(conn, first["entries"])
        conn.execute(delete(audit_checkpoints).where(audit_checkpoints.c.number > 1))
    third = _checkpoint(ev)  # goes on from the file's checkpoint 2, with fewer entries
    assert third["number"] == 3 and third["entries"] == first["entries"]
    found = _verify(ev)
    assert found[0] == (
        f"checkpoint 3: counts {first['entries']} entries, checkpoint 2 counted "
        f"{second['entries']}: the chain was rewound between them"
    )
    assert any(f"missing: checkpoint 2 of {second['at']}" in f for f in found)
    # whoever holds an old copy of the file (or replays checkpoint 2 again) is told too
    replayed = _verify(ev, [first, second, third, second])
    assert any(f.startswith("checkpoint 2: replayed") for f in replayed)


def test_a_checkpoint_whose_commit_was_lost_is_taken_up_not_reported_as_replayed(
    evidence: Evidence,
) -> None:
    """The file is written before the commit; a database that goes away then must not make
    the next checkpoint repeat that number (a false 'replayed' for the auditor)."""
    evidence.story()
    lost = _checkpoint(evidence, commit=False)
    evidence.story()
    taken = _checkpoint(evidence)
    assert (lost["number"], taken["number"]) == (1, 2)
    assert taken["previous"] == signed.digest(lost)
    assert _verify(evidence) == []
    evidence.hub.worker.run_once()
    sent = evidence.published("hub.partner", "PORTAUTH", "AuditCheckpoint")
    assert [c["number"] for c in sent] == [1, 2]


def test_a_forged_checkpoint_is_named_and_not_trusted(anchored: Any, tmp_path: Path) -> None:
    ev, first, second = anchored
    mine, _pub, _kid = signing.generate(tmp_path / "forger")
    content = {k: v for k, v in second.items() if k not in ("signature", "key_id")}
    content.update(number=3, entries=first["entries"], previous=signed.digest(second))
    forged = signed.sign(content, signing.load_signer(mine))
    found = _verify(ev, [first, second, forged])
    assert found[0].startswith("checkpoint 3: signed by unknown key")
    altered = {**second, "entries": second["entries"] + 1}
    assert _verify(ev, [first, altered])[0].startswith(
        "checkpoint 2: signature does not verify with key"
    )


def test_hub_run_checkpoints_every_n_entries_to_the_authority_and_the_file(
    evidence: Evidence,
) -> None:
    evidence.story()
    evidence.hub.worker.expire_due()  # the periodic jobs
    evidence.hub.worker.run_once()
    (published,) = evidence.published("hub.partner", "PORTAUTH", "AuditCheckpoint")
    assert read_lines(Path(evidence.settings.checkpoint_file)) == [published]
    assert published["number"] == 1 and published["entries"] > 5
    evidence.hub.worker.expire_due()  # fewer than 5 new entries, not 5 minutes: none
    assert len(read_lines(Path(evidence.settings.checkpoint_file))) == 1
    assert _verify(evidence) == []


def test_the_cli_names_a_rewound_head(anchored: Any) -> None:
    ev, _first, second = anchored
    env = {
        "HUB_DATABASE_URL": ev.settings.database_url,
        "HUB_SIGNING_KEY": str(ev.private_key),
        "HUB_PUBLIC_KEYS": ev.settings.public_keys,
    }
    args = ["audit", "verify", "--checkpoint", ev.settings.checkpoint_file]
    ok = CliRunner().invoke(cli, args, env=env)
    assert ok.exit_code == 0 and "anchored by 2 checkpoint(s)" in ok.output, ok.output
    with ev.hub.db.engine.begin() as conn:
        _rewind(conn, second["entries"] - 1)
    bad = CliRunner().invoke(cli, args, env=env)
    assert bad.exit_code == 1
    assert f"audit entry {second['entries']}: missing: checkpoint 2" in bad.output
