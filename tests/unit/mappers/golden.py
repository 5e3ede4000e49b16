"""Golden fixtures: each `samples/edifact/X.edi` beside `X.expected.json`, its canonical output.

    .venv/bin/python -m tests.unit.mappers.golden     # rewrite every X.expected.json

Rewrite only after checking by eye that the new output is right; the diff is the review.
"""

from __future__ import annotations

import dataclasses
import enum
import json
from datetime import datetime
from pathlib import Path

from hub.mappers.base import MappedMessage
from hub.mappers.edifact import map_edifact_message
from tests.unit.mappers.edifact_text import messages

SAMPLES = Path(__file__).resolve().parents[3] / "samples" / "edifact"


def canonical(result: MappedMessage) -> dict[str, object]:
    """A JSON-friendly form of a mapped message: commands named by their class."""
    commands = [
        {"command": type(c).__name__, **_plain(dataclasses.asdict(c))} for c in result.commands
    ]
    return {
        "ref": result.ref,
        "type": result.type,
        "version": result.version,
        "status": result.status.value,
        "claimed_sender": result.claimed_sender,
        "containers": list(result.containers),
        "commands": commands,
        "problems": [p.as_dict() for p in result.problems],
    }


def _plain(fields: dict[str, object]) -> dict[str, object]:
    return {k: _value(v) for k, v in fields.items()}


def _value(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _value(v) for k, v in value.items()}
    return value


def expected_path(sample: Path) -> Path:
    return sample.with_suffix(".expected.json")


def render(sample: Path) -> str:
    """The expected-output text for one sample file."""
    results = [map_edifact_message(m) for m in messages(sample.read_text(encoding="latin-1"))]
    return json.dumps([canonical(r) for r in results], indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    for sample in sorted(SAMPLES.glob("*.edi")):
        expected_path(sample).write_text(render(sample), encoding="utf-8")
        print(f"wrote {expected_path(sample).name}")


if __name__ == "__main__":
    main()
