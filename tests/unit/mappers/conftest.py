"""Where the mapper tests find their inputs, and the two ways they read them.

`read_messages(path, loader)`: loader ``"text"`` is the tests' own splitter
(`edifact_text`), ``"parser"`` is the project's `hub.parsing.edifact.parse_edifact`; tests
parametrised over `LOADERS` run on both, the parser ones skip while it does not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from hub.parsing.edifact.model import Message
from tests.unit.mappers.edifact_text import messages

ROOT = Path(__file__).resolve().parents[3]
SAMPLES = ROOT / "samples" / "edifact"
CORPUS = ROOT / "samples" / "corpus"  # vendored copies (samples/corpus/README.md)
LOADERS = ("text", "parser")


def _parser() -> Callable[[bytes], list[Message]] | None:
    try:
        from hub.parsing.edifact import parse_edifact
        from hub.parsing.edifact.model import payload_messages
    except ImportError:
        return None
    return lambda payload: list(payload_messages(parse_edifact(payload)))


def read_messages(path: Path, loader: str) -> list[Message]:
    """The messages of a sample or corpus file (both in the repository), read by `loader`."""
    if loader == "text":
        return messages(path.read_text(encoding="latin-1"))
    parse = _parser()
    if parse is None:
        pytest.skip("hub.parsing.edifact.parse_edifact does not exist yet")
    return parse(path.read_bytes())


@pytest.fixture(params=LOADERS)
def loader(request: pytest.FixtureRequest) -> str:
    """Run the test once with the tests' splitter and once with the project's parser."""
    return str(request.param)
