"""samples/out/ holds what the hub really sends (APERAK, CONTRL, XML acks, notifications, gate
messages in XML and EDIFACT): regenerated here from the renderers and compared byte for byte,
so the partners' guide (docs/partners.md) never shows a message the hub no longer writes."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "sample_outputs", ROOT / "scripts/sample_outputs.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_samples_out_are_what_the_hub_sends(tmp_path: Path) -> None:
    written = {p.name: p.read_bytes() for p in _script().render(tmp_path)}
    kept = {p.name: p.read_bytes() for p in (ROOT / "samples/out").glob("*.*")}
    assert sorted(kept) == sorted(written), "run scripts/sample_outputs.py"
    changed = [name for name in written if kept[name] != written[name]]
    assert changed == [], "run scripts/sample_outputs.py"
    kinds = {name.split("_", 1)[1] for name in written}
    for needed in (
        "PSAT_GateAuthorised.edi",
        "MSCBE_APERAK.edi",
        "MSCBE_CONTRL.edi",
        "FWDANT_ack.xml",
    ):
        assert any(k.endswith(needed) for k in kinds), needed
