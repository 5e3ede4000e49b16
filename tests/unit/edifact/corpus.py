"""Where the shared conformance corpus lives, computed from the repository root.

CI clones the repository elsewhere with ``shared/`` beside it, so the path is always
``<repo root>/../shared/corpus``, never absolute.
"""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
CORPUS = REPO_ROOT.parent / "shared" / "corpus"
EDIFACT = CORPUS / "edifact"


def corpus_files() -> list[Path]:
    """Every EDIFACT file of the corpus, sorted by name."""
    return sorted(EDIFACT.glob("*.edi"))


def read(name: str) -> bytes:
    """One corpus file's bytes."""
    return (EDIFACT / name).read_bytes()
