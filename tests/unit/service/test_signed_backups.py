"""Signed terminal backups (issue 16): pushed on change and periodically, verified with only
the public key, and a forgery — however made — refused with the snapshot named."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from hub.adapters import signing
from hub.domain.events import GateWithdrawn
from hub.entrypoints.cli import cli
from hub.service_layer import backups, signed
from tests.unit.service.conftest import FixedClock
from tests.unit.service.evidence_support import Evidence, evidence

__all__ = ["evidence"]
CONTAINER = "MSCU1234566"


def _snapshots(ev: Evidence, terminal: str = "PSAT") -> list[dict[str, Any]]:
    return ev.published("hub.gate", terminal, backups.MESSAGE_TYPE)


def _verify_cli(tmp_path: Path, doc: Any, *keys: Path) -> tuple[int, str]:
    """`hub backup verify` where no hub database can be reached: only the key file(s)."""
    file = tmp_path / "snapshot.json"
    file.write_text(json.dumps(doc))
    args = ["backup", "verify", str(file)]
    for key in keys:
        args += ["--public-key", str(key)]
    env = {"HUB_DATABASE_URL": f"sqlite:///{tmp_path}/no/such/dir/hub.db", "HUB_SIGNING_KEY": ""}
    result = CliRunner().invoke(cli, args, env=env)
    return result.exit_code, result.output


def test_a_change_of_authorisations_pushes_one_signed_snapshot_to_that_terminal(
    evidence: Evidence,
) -> None:
    evidence.story()
    gate = [m.message_type for m in evidence.transport.on("hub.gate", "PSAT")]
    assert gate == ["GateAuthorised", "BackupSnapshot"]
    (snap,) = _snapshots(evidence)
    assert snap["terminal"] == "PSAT" and snap["sequence"] == 1
    assert [a["container"] for a in snap["authorisations"]] == [CONTAINER]
    assert snap["authorisations"][0]["identity"] == "AP1234567"
    assert _snapshots(evidence, "MPET") == []  # nothing changed there


def test_changes_in_one_commit_are_coalesced_into_one_snapshot(
    evidence: Evidence, clock: FixedClock
) -> None:
    evidence.story()
    clock.at += timedelta(days=60, hours=1)  # both containers of the release expire together
    assert evidence.hub.worker.expire_due() == 2
    evidence.hub.worker.run_once()
    gate = [m.message_type for m in evidence.transport.on("hub.gate", "PSAT")]
    assert gate.count("GateWithdrawn") >= 1
    assert gate[-1] == "BackupSnapshot" and gate.count("BackupSnapshot") == 2
    latest = _snapshots(evidence)[-1]
    assert latest["sequence"] == 2 and latest["authorisations"] == []


def test_every_terminal_gets_a_fresh_snapshot_at_least_every_backup_every(
    evidence: Evidence, clock: FixedClock
) -> None:
    evidence.hub.worker.expire_due()
    evidence.hub.worker.run_once()
    assert [s["sequence"] for s in _snapshots(evidence, "PSAT")] == [1]
    assert [s["sequence"] for s in _snapshots(evidence, "MPET")] == [1]
    clock.at += timedelta(seconds=evidence.settings.backup_every - 1)
    evidence.hub.worker.expire_due()
    evidence.hub.worker.run_once()
    assert len(_snapshots(evidence, "PSAT")) == 1
    clock.at += timedelta(seconds=2)
    evidence.hub.worker.expire_due()
    evidence.hub.worker.run_once()
    assert [s["sequence"] for s in _snapshots(evidence, "PSAT")] == [1, 2]


def test_with_the_hub_stopped_the_last_pushed_snapshot_verifies_with_the_public_key_only(
    evidence: Evidence, tmp_path: Path
) -> None:
    evidence.story()
    evidence.hub.close()  # the hub is down; the terminal has its queue and the public key
    last = _snapshots(evidence)[-1]
    code, output = _verify_cli(tmp_path, last, evidence.public_key)
    assert code == 0, output
    assert "snapshot PSAT #1" in output and "signature valid" in output


def test_an_edited_driver_fails_with_the_snapshot_named(evidence: Evidence, tmp_path: Path) -> None:
    evidence.story()
    doc = _snapshots(evidence)[-1]
    doc["authorisations"][0]["identity"] = "AP6666666"
    code, output = _verify_cli(tmp_path, doc, evidence.public_key)
    assert code == 1
    assert "snapshot PSAT #1 of 2026-11-23T08:00:00+00:00" in output
    assert "forged or altered" in output


def test_a_snapshot_forged_with_a_self_made_key_fails_with_the_snapshot_named(
    evidence: Evidence, tmp_path: Path
) -> None:
    evidence.story()
    doc = _snapshots(evidence)[-1]
    mine, _pub, _kid = signing.generate(tmp_path / "forger")
    forger = signing.load_signer(mine)
    content = {k: v for k, v in doc.items() if k not in ("signature", "key_id")}
    content["authorisations"][0]["identity"] = "AP6666666"
    content["sequence"] = 99
    forged = signed.sign(content, forger)
    code, output = _verify_cli(tmp_path, forged, evidence.public_key)
    assert code == 1 and "snapshot PSAT #99" in output and "unknown key" in output
    # naming the hub's key id does not help: the signature is not the hub's
    forged["key_id"] = doc["key_id"]
    body = signed.canonical({k: v for k, v in forged.items() if k != "signature"})
    forged["signature"]["value"] = forger.sign(body)
    code, output = _verify_cli(tmp_path, forged, evidence.public_key)
    assert code == 1 and "snapshot PSAT #99" in output and "forged or altered" in output


def test_a_recomputed_checksum_no_longer_passes(evidence: Evidence, tmp_path: Path) -> None:
    """The defect as reported: edit the driver, recompute the SHA-256, `backup verify` said
    'backup checksum valid'."""
    evidence.story()
    doc = _snapshots(evidence)[-1]
    content = {k: v for k, v in doc.items() if k != "signature"}
    content["authorisations"][0]["identity"] = "AP6666666"
    content["checksum"] = {"algorithm": "sha256", "value": signed.digest(content)}
    code, output = _verify_cli(tmp_path, content, evidence.public_key)
    assert code == 1 and "snapshot PSAT #1" in output and "not signed" in output
    code, output = _verify_cli(
        tmp_path,
        {
            **doc,
            "signature": {"algorithm": "Ed25519", "value": base64.b64encode(b"x" * 64).decode()},
        },
        evidence.public_key,
    )
    assert code == 1 and "forged or altered" in output


def test_after_a_key_rotation_old_snapshots_verify_by_key_id(
    evidence: Evidence, tmp_path: Path
) -> None:
    evidence.story()
    old = _snapshots(evidence)[-1]
    new_private, new_public, new_kid = signing.generate(tmp_path / "keys")  # same folder
    with evidence.hub.uow() as uow:
        new = backups.snapshot(uow, "PSAT", signing.load_signer(new_private), evidence.hub.clock())
        uow.commit()
    assert new["key_id"] == new_kid != old["key_id"] and new["sequence"] == 2
    assert _verify_cli(tmp_path, old, tmp_path / "keys")[0] == 0  # the ring: both keys
    assert _verify_cli(tmp_path, new, tmp_path / "keys")[0] == 0
    code, output = _verify_cli(tmp_path, old, new_public)  # only the new key
    assert code == 1 and f"unknown key {old['key_id']!r}" in output


def _withdrawn(evidence: Evidence, clock: FixedClock) -> None:
    """A change at PSAT committed through the hook `record_events` uses."""
    policy = evidence.hub.worker.hub.backup_policy
    with evidence.hub.uow() as uow:
        event = GateWithdrawn(CONTAINER, "PSAT", 9, "R1", "test")
        backups.on_event(uow, event, policy, clock)
        uow.commit()
    evidence.hub.worker.run_once()


def test_a_busy_terminal_gets_at_most_one_snapshot_per_gap_and_none_is_lost(
    evidence: Evidence, clock: FixedClock
) -> None:
    """Each snapshot re-reads and signs all the terminal's authorisations: for thousands of
    them, one per commit would cost more than the commit. Within `HUB_BACKUP_GAP` of the last
    one a change only marks a snapshot pending; the next periodic tick pushes it."""
    _withdrawn(evidence, clock)
    assert [s["sequence"] for s in _snapshots(evidence)] == [1]
    clock.at += timedelta(seconds=1)
    _withdrawn(evidence, clock)
    _withdrawn(evidence, clock)
    assert [s["sequence"] for s in _snapshots(evidence)] == [1]  # deferred
    evidence.hub.worker.expire_due()  # the periodic tick
    evidence.hub.worker.run_once()
    assert [s["sequence"] for s in _snapshots(evidence)] == [1, 2]
    evidence.hub.worker.expire_due()
    evidence.hub.worker.run_once()
    assert [s["sequence"] for s in _snapshots(evidence)] == [1, 2]  # nothing pending now
    clock.at += timedelta(seconds=evidence.settings.backup_gap)
    _withdrawn(evidence, clock)
    assert [s["sequence"] for s in _snapshots(evidence)] == [1, 2, 3]


def test_a_failing_snapshot_does_not_hold_back_the_gate_message(
    evidence: Evidence, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object) -> list[object]:
        raise RuntimeError("a defect in the snapshot")

    with evidence.hub.uow() as uow:
        monkeypatch.setattr(type(uow.files), "for_terminal", broken)
    evidence.story()
    gate = [m.message_type for m in evidence.transport.on("hub.gate", "PSAT")]
    assert gate == ["GateAuthorised"]  # committed and sent; the snapshot comes later
    monkeypatch.undo()
    evidence.hub.worker.expire_due()  # the periodic push
    evidence.hub.worker.run_once()
    assert [s["authorisations"][0]["container"] for s in _snapshots(evidence)] == [CONTAINER]
