"""Fixtures for parser tests: the shared corpus of real command outputs, read in place."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CORPUS_RAW = REPO.parent / "shared" / "corpus" / "raw"


@pytest.fixture
def corpus_text():
    """Return a reader for `<repo>/../shared/corpus/raw/<name>`; skips when the corpus is absent."""

    def read(name: str) -> str:
        path = CORPUS_RAW / name
        if not path.is_file():
            pytest.skip(f"shared corpus not present: {path}")
        return path.read_text(encoding="utf-8")

    return read
