"""bench/generalisation.py: leaving a transcript's own thread out of the tables really leaves it out.

The bench's figure is only honest if a transcript cannot be named by a signature or a release row
learned from its own thread. These tests hold that on the project's own tests/real set (always
present) and, when the shared corpus is there, on a handful of its transcripts; and they hold the
format of the bench's last two lines, which docs quote.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))

import generalisation  # noqa: E402
from suite_run import CORPUS  # noqa: E402
from wslgpu_certify.diagnose import diagnosis  # noqa: E402
from wslgpu_certify.diagnose.diagnosis import diagnose  # noqa: E402
from wslgpu_certify.profile import load_profile  # noqa: E402
from wslgpu_certify.signatures import releases  # noqa: E402
from wslgpu_certify.signatures.catalog import load_catalog  # noqa: E402

REAL = REPO / "tests" / "real"
LAST_LINE = re.compile(r"^leave-one-thread-out: broken \d+/\d+ named right, healthy \d+/\d+ clean$")
IN_SAMPLE = re.compile(r"^in-sample: broken \d+/\d+ named right, healthy \d+/\d+ clean$")
needs_corpus = pytest.mark.skipif(not (CORPUS / "index.yaml").is_file(),
                                  reason=f"the shared corpus is not at {CORPUS} (set WSLGPU_CORPUS)")


@pytest.fixture(scope="module")
def profile():
    return load_profile("current")


@pytest.mark.parametrize(("url", "thread"), [
    ("https://github.com/NVIDIA/nvidia-docker/issues/1034", "nvidia/nvidia-docker#1034"),
    ("https://github.com/microsoft/WSL/issues/11277 (comment 2024-07-19)", "microsoft/wsl#11277"),
    ("https://github.com/MicrosoftDocs/WSL/pull/1099", "microsoftdocs/wsl#1099"),
    ("https://github.com/microsoft/WSL/issues/9962#issuecomment-1507158398", "microsoft/wsl#9962"),
    ("https://github.com/docker/desktop-feedback/issues/501", "docker/desktop-feedback#501"),
    ("https://github.com/rocker-org/rocker-versioned2/discussions/12", "rocker-org/rocker-versioned2#12"),
])
def test_thread_of_normalises_github_addresses(url, thread):
    assert generalisation.thread_of(url) == thread


@pytest.mark.parametrize("url", [None, "", "https://forums.developer.nvidia.com/t/wsl2/334254",
                                 "https://github.com/microsoft/WSL/releases/tag/2.4.11",
                                 "https://docs.nvidia.com/cuda/wsl-user-guide/index.html"])
def test_thread_of_is_none_for_anything_but_an_issue_or_pull(url):
    assert generalisation.thread_of(url) is None


def test_every_table_entry_of_a_left_out_thread_is_gone_and_comes_back():
    """Each thread any signature or release row names: inside the context exactly the entries learned
    from it are missing from what diagnose is offered; after it, the full tables are back."""
    catalog, rows = load_catalog(), releases.load_releases()
    original_match = diagnosis.match
    threads = {t for s in catalog for t in generalisation.threads_of(s.sources)}
    threads |= {t for r in rows for t in generalisation.threads_of((r.source, *r.also))}
    assert len(threads) > 20  # the tables name many threads; a broken address parser would find none
    for thread in sorted(threads):
        with generalisation.without_threads({thread}) as (kept, kept_rows):
            gone = {s.id for s in catalog} - {s.id for s in kept}
            assert gone == {s.id for s in catalog if thread in generalisation.threads_of(s.sources)}
            assert releases.load_releases() == kept_rows
            assert set(rows) - set(kept_rows) == {r for r in rows
                                                  if thread in generalisation.threads_of((r.source, *r.also))}
            assert gone or set(rows) - set(kept_rows)  # the thread taught something, and it left
    assert diagnosis.match is original_match and releases.load_releases() == rows


def test_a_transcript_named_only_by_its_own_threads_signature_loses_it(profile):
    """tests/real's no-adapters paste from nvidia-docker#1786: the signature learned from that thread
    (toolkit.wsl-no-adapters lists it in `also`) names it in-sample; with the thread left out it is gone."""
    entry = next(e for e in generalisation.load_index(REAL)
                 if e["file"] == "docker-gpu-run__no-adapters-found-devcontainer-no-nvidia-gpu.txt")
    raw = (REAL / "raw" / entry["file"]).read_bytes()
    assert "toolkit.wsl-no-adapters" in {f.signature_id for f in diagnose(raw, profile).findings}
    with generalisation.without_threads({generalisation.thread_of(entry["source"])}):
        assert "toolkit.wsl-no-adapters" not in {f.signature_id for f in diagnose(raw, profile).findings}
    outcome = generalisation.assess("tests/real", REAL, entry, profile)
    assert outcome.in_sample and "toolkit.wsl-no-adapters" in outcome.ids_in
    assert "toolkit.wsl-no-adapters" not in outcome.ids_out


def test_a_thread_that_taught_nothing_changes_nothing(profile):
    """Leaving out a thread no table entry names gives the same findings as in-sample."""
    entry = next(e for e in generalisation.load_index(REAL) if e["verdict"] == "broken")
    raw = (REAL / "raw" / entry["file"]).read_bytes()
    before = [f.id for f in diagnose(raw, profile).findings]
    with generalisation.without_threads({"nobody/nothing#0"}):
        assert [f.id for f in diagnose(raw, profile).findings] == before


def test_the_bench_prints_its_figures_last_on_tests_real(capsys):
    assert generalisation.main(["--corpus", str(REAL)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert LAST_LINE.match(lines[-1]) and IN_SAMPLE.match(lines[-2])
    scored = [e for e in generalisation.load_index(REAL) if e["verdict"] in ("broken", "healthy")]
    per_transcript = [line for line in lines if " -> " in line and "tests/real/" in line]
    assert len(per_transcript) == len(scored)
    assert any(line.startswith("fits (") for line in lines)


def test_the_bench_refuses_a_folder_without_an_index(tmp_path, capsys):
    assert generalisation.main(["--corpus", str(tmp_path)]) == 2
    assert "no corpus index" in capsys.readouterr().err


@needs_corpus
def test_the_bench_on_a_handful_of_shared_transcripts(capsys):
    assert generalisation.main(["--corpus", str(CORPUS), "--only", "8", "--quiet"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert LAST_LINE.match(lines[-1]) and IN_SAMPLE.match(lines[-2])
    assert not any(" -> " in line for line in lines)  # --quiet: figures only


@needs_corpus
def test_fits_are_own_thread_entries_that_leave_with_their_thread(profile):
    """Every entry the bench calls a fit named right only transcripts of its own threads, and none of
    those transcripts keeps it once its thread is left out."""
    outcomes = generalisation.run([("corpus", CORPUS)], profile)
    fitted = generalisation.fits(outcomes)
    assert fitted  # the shared corpus has single-thread signatures; none found means the bench is blind
    by_file = {o.file: o for o in outcomes}
    for entry, files in fitted.items():
        for name in files:
            assert entry in by_file[name].ids_in
            assert entry not in {i for i in by_file[name].ids_out}


def test_a_family_row_citing_the_thread_leaves_with_it_and_comes_back():
    from wslgpu_certify.signatures.families import tables

    cited = [(row["names"][0], url) for row in tables.table("cuda_causes")["cause"] for url in row.get("also", ())
             if generalisation.thread_of(url)]
    assert cited, "no cuda cause row cites a thread: pick another table for this test"
    name, url = cited[0]
    assert name in tables.causes("cuda_causes")
    with generalisation.without_threads({generalisation.thread_of(url)}):
        assert name not in tables.causes("cuda_causes")
        assert tables.causes("wsl_causes")  # the other rows stay
    assert name in tables.causes("cuda_causes")
