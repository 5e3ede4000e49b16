"""Every corpus file through parse and map, against a golden output kept beside its copy.

The copies are vendored in `samples/corpus`; that they are still the shared originals is
checked by `tests/integration/test_corpus_copies.py` (it needs `../shared`)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from hub.entrypoints.inspect_cmd import inspect_file
from hub.service_layer.intake import Limits

REPO = Path(__file__).resolve().parents[2]
COPIES = REPO / "samples" / "corpus"
FILES = sorted(p for p in COPIES.iterdir() if p.suffix in (".edi", ".xml"))


def _report(path: Path) -> dict[str, Any]:
    report = inspect_file(path, Limits())
    report.pop("file")
    return report


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_corpus_file_matches_its_golden_output(path: Path) -> None:
    golden = path.with_name(path.name + ".golden.json")
    report = _report(path)
    if os.environ.get("HUB_UPDATE_GOLDEN") == "1":
        golden.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    assert report == json.loads(golden.read_text())


def test_counts_and_unsupported_types_are_reported() -> None:
    by_name = {p.name: _report(p) for p in FILES}
    cuscar = by_name["CUSCAR_D95B_LOT10_simple.edi"]["interchanges"][0]["messages"][0]
    assert any("313" in w["message"] for w in cuscar["warnings"])
    salerno = by_name["COREOR_D08B_SMDG20_salerno_release.edi"]["interchanges"][0]
    assert any("UNZ" in w.get("segment_tag", "") for w in salerno["warnings"])
    baplie = by_name["BAPLIE_D95B_SMDG20.edi"]["interchanges"][0]["messages"][0]
    assert baplie["status"] == "unsupported"
    coarri = by_name["COARRI_D95B_ITG13_genoa_discharge_load.edi"]["interchanges"][0]
    assert [m["status"] for m in coarri["messages"]] == ["mapped", "mapped"]
    vgm = by_name["nxtport_vgm_response.xml"]["interchanges"][0]["messages"][0]
    assert vgm["status"] == "unsupported" and vgm["type"] == "ContainerWeightInfo"
