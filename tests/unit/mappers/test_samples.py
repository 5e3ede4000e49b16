"""Golden fixtures: every sample maps to its `.expected.json`, read by splitter and parser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.mappers.edifact import map_edifact_message
from tests.unit.mappers.conftest import SAMPLES, read_messages
from tests.unit.mappers.golden import canonical, expected_path

SAMPLE_FILES = sorted(SAMPLES.glob("*.edi"))


@pytest.mark.parametrize("sample", SAMPLE_FILES, ids=[p.stem for p in SAMPLE_FILES])
def test_sample_maps_to_its_golden_output(sample: Path, loader: str) -> None:
    expected = json.loads(expected_path(sample).read_text(encoding="utf-8"))
    got = [canonical(map_edifact_message(m)) for m in read_messages(sample, loader)]
    assert got == expected, "run `python -m tests.unit.mappers.golden` only if the change is right"


def test_every_sample_maps_cleanly() -> None:
    assert len(SAMPLE_FILES) == 8
    for sample in SAMPLE_FILES:
        for result in json.loads(expected_path(sample).read_text(encoding="utf-8")):
            assert (result["status"], result["problems"]) == ("mapped", []), sample.name
            assert result["commands"], sample.name


def test_samples_parse_without_any_problem() -> None:
    parsing = pytest.importorskip("hub.parsing.edifact")
    from hub.parsing.edifact.model import payload_problems

    for sample in SAMPLE_FILES:
        parsed = parsing.parse_edifact(sample.read_bytes())
        assert payload_problems(parsed) == (), sample.name
