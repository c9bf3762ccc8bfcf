"""tests/real: the project's own set of real command outputs from public threads (facts with sources).

Each entry of tests/real/index.yaml names a raw output copied as posted in a public GitHub thread,
the thread (and the comment's date), and what the thread established: verdict, cause, fix and how
sure. The rules held here: every entry is well formed and its file exists (and every raw file is
indexed); every source is a GitHub issue or pull request that is not one of the threads kept back
for acceptance tests (../shared/reserved-threads.txt) and does not copy a shared-corpus transcript;
and `diagnose` gives no finding on any healthy output (a false alarm is half the job). How many
broken outputs are named right is a figure, not a rule: bench/generalisation.py prints it.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))

from diagnose_coverage import LAYERS_OF_CATEGORY  # noqa: E402  (the bench's categories)
from generalisation import thread_of  # noqa: E402
from suite_run import CORPUS  # noqa: E402
from wslgpu_certify.diagnose.diagnosis import diagnose  # noqa: E402
from wslgpu_certify.profile import load_profile  # noqa: E402

REAL = REPO / "tests" / "real"
RESERVED = CORPUS.parent / "reserved-threads.txt"
FIELDS = ("file", "category", "command", "source", "environment", "year", "verdict", "diagnosis", "fix",
          "confidence")
SOURCE = re.compile(r"^https://github\.com/[\w.-]+/[\w.-]+/(?:issues|pull|discussions)/\d+ \(.*\b20\d\d-\d\d-\d\d\b.*\)$")
INDEX = yaml.safe_load((REAL / "index.yaml").read_text(encoding="utf-8"))
HEALTHY = [e["file"] for e in INDEX if e["verdict"] == "healthy"]
BROKEN = [e["file"] for e in INDEX if e["verdict"] == "broken"]


@pytest.fixture(scope="module")
def profile():
    return load_profile("current")


def test_the_set_is_not_empty_and_has_both_verdicts():
    assert len(INDEX) >= 15 and HEALTHY and BROKEN


@pytest.mark.parametrize("entry", INDEX, ids=[e.get("file", "?") for e in INDEX])
def test_an_entry_is_well_formed(entry):
    assert set(entry) == set(FIELDS), f"fields: {sorted(set(entry) ^ set(FIELDS))}"
    assert all(str(entry[name]).strip() for name in FIELDS)
    assert (REAL / "raw" / entry["file"]).is_file()
    assert entry["file"].startswith(entry["category"] + "__")  # the corpus' naming: <category>__<what>.txt
    assert entry["category"] in LAYERS_OF_CATEGORY
    assert entry["verdict"] in ("healthy", "broken", "ambiguous")
    assert entry["confidence"] in ("high", "medium", "low")
    assert isinstance(entry["year"], int) and 2017 <= entry["year"] <= 2026
    assert str(entry["year"]) in entry["source"]  # the year is the dated comment's
    assert SOURCE.match(entry["source"]), entry["source"]
    if entry["verdict"] == "healthy":
        assert entry["fix"] == "n/a"


def test_files_are_unique_and_every_raw_output_is_indexed():
    names = [e["file"] for e in INDEX]
    assert len(names) == len(set(names))
    assert sorted(p.name for p in (REAL / "raw").iterdir()) == sorted(names)


def test_no_raw_output_is_empty_or_huge():
    for entry in INDEX:
        size = (REAL / "raw" / entry["file"]).stat().st_size
        assert 0 < size < 200_000, entry["file"]


def reserved_threads() -> set[str]:
    return {line.strip().lower() for line in RESERVED.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")}


def reserved_sources(entries: list[dict], reserved: set[str]) -> list[str]:
    """The entries whose source thread is one kept back (or is no GitHub thread at all)."""
    return [e["file"] for e in entries if thread_of(e["source"]) is None or thread_of(e["source"]) in reserved]


def words(path: Path) -> str:
    return " ".join(path.read_text(encoding="utf-8", errors="replace").split())


def corpus_copies(entries: list[dict], raw: Path, shared: list[dict], shared_raw: Path) -> list[str]:
    """Entries whose output is (within) a shared-corpus transcript of the same thread, or the reverse.
    The same thread with another output is no copy."""
    by_thread: dict[str, list[str]] = {}
    for e in shared:
        by_thread.setdefault(thread_of(e["source"]), []).append(e["file"])
    found = []
    for entry in entries:
        mine = words(raw / entry["file"])
        for name in by_thread.get(thread_of(entry["source"]), []):
            theirs = words(shared_raw / name)
            if mine in theirs or theirs in mine:
                found.append(f"{entry['file']} copies corpus {name}")
    return found


@pytest.mark.skipif(not RESERVED.is_file(), reason=f"no {RESERVED}: the reserved threads cannot be checked")
def test_no_source_is_a_reserved_thread():
    reserved = reserved_threads()
    assert len(reserved) > 10
    assert reserved_sources(INDEX, reserved) == []
    # the rule bites: a reserved thread, in any spelling of its address, and a source that is no thread
    some = sorted(reserved)[0]
    owner_repo, number = some.split("#")
    bad = [{"file": "a", "source": f"https://github.com/{owner_repo.upper()}/issues/{number} (comment 2024-01-01)"},
           {"file": "b", "source": f"https://github.com/{owner_repo}/pull/{number}#issuecomment-1"},
           {"file": "c", "source": "https://forums.developer.nvidia.com/t/wsl/1 (2024-01-01)"}]
    assert reserved_sources(bad, reserved) == ["a", "b", "c"]


@pytest.mark.skipif(not (CORPUS / "index.yaml").is_file(), reason=f"no shared corpus at {CORPUS}")
def test_no_entry_copies_a_shared_corpus_transcript(tmp_path):
    shared = yaml.safe_load((CORPUS / "index.yaml").read_text(encoding="utf-8"))
    assert corpus_copies(INDEX, REAL / "raw", shared, CORPUS / "raw") == []
    # the rule bites: a corpus transcript re-posted (re-indented) under its own thread is a copy,
    # the same output under another thread is not
    original = shared[0]
    (tmp_path / "copy.txt").write_text("  " + (CORPUS / "raw" / original["file"]).read_text(encoding="utf-8"))
    copy = {"file": "copy.txt", "source": original["source"]}
    elsewhere = {"file": "copy.txt", "source": "https://github.com/nobody/nothing/issues/1 (2024-01-01)"}
    assert len(corpus_copies([copy, elsewhere], tmp_path, shared, CORPUS / "raw")) == 1


@pytest.mark.parametrize("name", HEALTHY)
def test_a_healthy_output_gives_no_finding(name, profile):
    result = diagnose((REAL / "raw" / name).read_bytes(), profile)
    assert not result.findings, [f"{f.id}: {f.cause}" for f in result.findings]


def test_the_healthy_rule_can_fail(profile):
    """diagnose does name problems in this set's broken outputs: a clean healthy output means something."""
    named = [name for name in BROKEN if diagnose((REAL / "raw" / name).read_bytes(), profile).findings]
    assert len(named) >= len(BROKEN) // 2


@pytest.mark.parametrize("name", BROKEN)
def test_a_broken_output_is_read_without_error(name, profile):
    """Diagnosed in-process like a paste; whether it is named right is bench/generalisation.py's figure."""
    result = diagnose((REAL / "raw" / name).read_bytes(), profile)
    assert result.paste.size > 0
