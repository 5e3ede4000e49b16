"""Where the unit tests find the real-world conformance corpus: the copies vendored in
``samples/corpus`` (see its README for origins and terms), so that the unit tests need
nothing outside the repository. ``tests/integration/test_corpus_copies.py`` checks the
copies against the shared originals when those are beside the clone.
"""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
CORPUS = REPO_ROOT / "samples" / "corpus"
EDIFACT = CORPUS


def corpus_files() -> list[Path]:
    """Every EDIFACT file of the corpus, sorted by name."""
    return sorted(EDIFACT.glob("*.edi"))


def read(name: str) -> bytes:
    """One corpus file's bytes."""
    return (EDIFACT / name).read_bytes()
