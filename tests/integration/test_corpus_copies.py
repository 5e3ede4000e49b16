"""The corpus copies the unit tests read (`samples/corpus`) are still the shared originals.

This is the one test that needs `../shared/corpus` beside the clone: it is what the copies are
checked against. The originals are a reference outside the repository, not a service the test
command can start: a fresh clone on its own (the README's commands in any folder) has no
`../shared`, so without it the test skips, under CI=true too, and says why.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import CORPUS, REPO

pytestmark = pytest.mark.integration

COPIES = REPO / "samples" / "corpus"
FILES = sorted(p for p in COPIES.iterdir() if p.suffix in (".edi", ".xml"))


@pytest.fixture
def shared() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"no shared corpus beside the clone ({CORPUS}) to compare the copies with")
    return CORPUS


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_copy_is_the_shared_original(shared: Path, path: Path) -> None:
    originals = [shared / "edifact" / path.name, shared / "xml" / path.name]
    original = next((o for o in originals if o.exists()), None)
    assert original is not None, f"{path.name} has no original in {shared}"
    assert original.read_bytes() == path.read_bytes()


def test_every_shared_message_has_a_copy(shared: Path) -> None:
    originals = {p.name for d in ("edifact", "xml") for p in (shared / d).iterdir()}
    assert originals <= {p.name for p in FILES}


def test_the_sources_note_is_the_shared_one(shared: Path) -> None:
    assert (COPIES / "SOURCES.md").read_bytes() == (shared / "SOURCES.md").read_bytes()
