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

REPO = Path(__file__).resolve().parents[1]
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
# Healthy outputs on which diagnose gives a finding although the thread shows nothing wrong: each is a
# false alarm reported to the lead, kept (not dropped) and marked here with the reason until it is fixed.
KNOWN_FALSE_ALARMS: dict[str, str] = {}


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


@pytest.mark.skipif(not RESERVED.is_file(), reason=f"no {RESERVED}: the reserved threads cannot be checked")
def test_no_source_is_a_reserved_thread():
    reserved = {line.strip().lower() for line in RESERVED.read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.startswith("#")}
    assert len(reserved) > 10
    used = {thread_of(e["source"]) for e in INDEX}
    assert None not in used
    assert not used & reserved, sorted(used & reserved)


@pytest.mark.skipif(not (CORPUS / "index.yaml").is_file(), reason=f"no shared corpus at {CORPUS}")
def test_no_entry_copies_a_shared_corpus_transcript():
    """Same thread and same output as a shared-corpus transcript is a duplicate (the same thread with
    another output is not)."""
    shared = yaml.safe_load((CORPUS / "index.yaml").read_text(encoding="utf-8"))
    by_thread: dict[str, list[str]] = {}
    for e in shared:
        by_thread.setdefault(thread_of(e["source"]), []).append(e["file"])

    def words(path: Path) -> str:
        return " ".join(path.read_text(encoding="utf-8", errors="replace").split())

    for entry in INDEX:
        mine = words(REAL / "raw" / entry["file"])
        for name in by_thread.get(thread_of(entry["source"]), []):
            theirs = words(CORPUS / "raw" / name)
            assert mine not in theirs and theirs not in mine, f"{entry['file']} copies corpus {name}"


@pytest.mark.parametrize("name", HEALTHY)
def test_a_healthy_output_gives_no_finding(name, profile):
    if name in KNOWN_FALSE_ALARMS:
        pytest.xfail(KNOWN_FALSE_ALARMS[name])
    result = diagnose((REAL / "raw" / name).read_bytes(), profile)
    assert not result.findings, [f"{f.id}: {f.cause}" for f in result.findings]


@pytest.mark.parametrize("name", BROKEN)
def test_a_broken_output_is_read_without_error(name, profile):
    """Diagnosed in-process like a paste; whether it is named right is bench/generalisation.py's figure."""
    result = diagnose((REAL / "raw" / name).read_bytes(), profile)
    assert result.paste.size > 0
