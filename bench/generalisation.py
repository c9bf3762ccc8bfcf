"""Leave-one-thread-out: how `diagnose` does on a ticket whose thread the tables never learned from.

    python bench/generalisation.py [--corpus DIR ...] [--cert-profile NAME] [--only N] [--quiet]

For every real transcript (the shared corpus ../shared/corpus and the project's own tests/real, each
with an index.yaml: file, category, verdict, fix, source), the known-causes signatures
(known_causes.toml) and the known-bad release rows (known_bad_releases.toml) learned from that
transcript's thread (its `source`, or one of its `also`: same GitHub owner/repo#number) are left
out, then the transcript is diagnosed in-process, as bench/diagnose_coverage.py does it.
Family decoders stay: they are written from API headers and error tables, not from a thread; a family data
row (a WSL/CUDA cause, a library) that cites the thread in its `source`/`also` is left out with it.

Scoring is diagnose_coverage's: a broken transcript is *named right* when a finding sits in a
layer its category can show (LAYERS_OF_CATEGORY) and the findings' fix shares the index's fix key
words (signature_coverage.agrees, a heuristic); a healthy one is *clean* when it gives no finding
(notes never make a verdict). Ambiguous transcripts are not scored.

Prints one line per transcript (in-sample / left-out outcome and the findings' ids), the figures
per corpus, the *fits* (table entries that named right only transcripts of their own thread: a
fit, not knowledge), then, last, the in-sample figure and the leave-one-thread-out figure over
every corpus together. The last line reads
`leave-one-thread-out: broken R/T named right, healthy H/N clean`.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins"))
sys.path.insert(0, str(REPO / "bench"))

from diagnose_coverage import LAYERS_OF_CATEGORY, fix_words  # noqa: E402
from signature_coverage import agrees, key_words, load_index  # noqa: E402
from wslgpu_certify.diagnose import diagnosis  # noqa: E402
from wslgpu_certify.diagnose.diagnosis import diagnose  # noqa: E402
from wslgpu_certify.profile import load_profile  # noqa: E402
from wslgpu_certify.signatures import releases  # noqa: E402
from wslgpu_certify.signatures.catalog import load_catalog  # noqa: E402
from wslgpu_certify.signatures.families import bindings as family_bindings  # noqa: E402
from wslgpu_certify.signatures.families import cuda as family_cuda  # noqa: E402
from wslgpu_certify.signatures.families import libraries as family_libraries  # noqa: E402
from wslgpu_certify.signatures.families import tables as family_tables  # noqa: E402
from wslgpu_certify.signatures.families import wsl as family_wsl  # noqa: E402

SHARED_CORPUS = Path(os.environ.get("WSLGPU_CORPUS", REPO.parent / "shared" / "corpus"))
REAL = REPO / "tests" / "real"
THREAD = re.compile(r"github\.com/([\w.-]+)/([\w.-]+)/(?:issues|pull|discussions)/(\d+)", re.IGNORECASE)
RELEASE_PREFIX = "release."


def thread_of(url: str | None) -> str | None:
    """`https://github.com/NVIDIA/nvidia-docker/issues/1034 (comment ...)` -> `nvidia/nvidia-docker#1034`."""
    found = THREAD.search(url or "")
    return f"{found[1]}/{found[2]}#{found[3]}".lower() if found else None


def threads_of(sources) -> set[str]:
    return {t for t in map(thread_of, sources) if t}


FAMILY_MODULES = (family_tables, family_cuda, family_libraries, family_bindings, family_wsl)


def _family_caches() -> tuple:
    return (family_tables.causes, family_tables.causes_within, family_cuda.nvml_messages, family_libraries.providers,
            family_bindings.removed_names)


@contextmanager
def without_threads(threads: set[str]):
    """diagnose() with the signatures, release rows and family data rows learned from `threads` left out
    (restored after); yields the (signatures, release rows) kept. A family data row (a WSL or CUDA cause, a
    library) that cites the thread in its `source`/`also` was partly learned from it: it goes too."""
    catalog = tuple(s for s in load_catalog() if not threads_of(s.sources) & threads)
    table = tuple(r for r in releases.load_releases() if not threads_of((r.source, *r.also)) & threads)
    original_match, original_rows, original_table = diagnosis.match, releases.load_releases, family_tables.table

    def match(text, **kwargs):
        return original_match(text, catalog=catalog, **kwargs)

    def family_table(name: str) -> dict:
        data = original_table(name)
        return {key: [row for row in rows if not (isinstance(row, dict) and threads_of(
                    (str(row.get("source", "")), *map(str, row.get("also", ())))) & threads)]
                if isinstance(rows, list) else rows for key, rows in data.items()}

    diagnosis.match, releases.load_releases = match, lambda *args: table
    for module in FAMILY_MODULES:  # each decoder module holds its own name for tables.table
        module.table = family_table
    for cache in _family_caches():
        cache.cache_clear()
    try:
        yield catalog, table
    finally:
        diagnosis.match, releases.load_releases = original_match, original_rows
        for module in FAMILY_MODULES:
            module.table = original_table
        for cache in _family_caches():
            cache.cache_clear()


def entry_ids(entry) -> set[str]:
    """The table entries (signature id, or release.<id>) that gave a finding."""
    return {f.signature_id for f in entry if f.signature_id and not f.signature_id.startswith("family.")}


@dataclass
class Outcome:
    corpus: str
    file: str
    verdict: str
    thread: str | None
    in_sample: bool  # broken: named right; healthy: clean
    left_out: bool
    ids_in: set[str] = field(default_factory=set)  # table entries among the findings that named it right
    ids_out: list[str] = field(default_factory=list)


def judge(entry: dict, findings) -> tuple[bool, set[str]]:
    """(named right / clean, the table entries behind a right naming)."""
    if entry["verdict"] == "healthy":
        return not findings, set()
    layers = LAYERS_OF_CATEGORY.get(entry.get("category", ""), set())
    in_layer = [f for f in findings if f.layer in layers]
    right = bool(in_layer) and agrees(key_words(str(entry.get("fix", ""))) & fix_words(in_layer))
    return right, entry_ids(in_layer) if right else set()


def assess(name: str, corpus: Path, entry: dict, profile: dict) -> Outcome:
    raw = (corpus / "raw" / entry["file"]).read_bytes()
    right_in, ids_in = judge(entry, diagnose(raw, profile).findings)
    thread = thread_of(entry.get("source"))
    with without_threads({thread} if thread else set()):
        findings = diagnose(raw, profile).findings
    right_out, _ = judge(entry, findings)
    return Outcome(name, entry["file"], entry["verdict"], thread, right_in, right_out, ids_in,
                   [f.id for f in findings])


def figure(outcomes: list[Outcome], left_out: bool) -> str:
    broken = [o for o in outcomes if o.verdict == "broken"]
    healthy = [o for o in outcomes if o.verdict == "healthy"]
    score = (lambda o: o.left_out) if left_out else (lambda o: o.in_sample)
    return (f"broken {sum(map(score, broken))}/{len(broken)} named right, "
            f"healthy {sum(map(score, healthy))}/{len(healthy)} clean")


def fits(outcomes: list[Outcome]) -> dict[str, set[str]]:
    """Table entries that named right (in-sample) only transcripts of their own thread(s): id -> files."""
    own_threads = {s.id: threads_of(s.sources) for s in load_catalog()}
    own_threads.update({RELEASE_PREFIX + r.id: threads_of((r.source, *r.also)) for r in releases.load_releases()})
    named: dict[str, list[Outcome]] = {}
    for o in outcomes:
        for entry in o.ids_in:
            named.setdefault(entry, []).append(o)
    return {entry: {o.file for o in hits} for entry, hits in named.items()
            if all(o.thread and o.thread in own_threads.get(entry, set()) for o in hits)}


def run(corpora: list[tuple[str, Path]], profile: dict, only: int | None = None) -> list[Outcome]:
    outcomes = []
    for name, corpus in corpora:
        entries = [e for e in load_index(corpus) if e.get("verdict") in ("broken", "healthy")]
        for entry in entries[:only]:
            outcomes.append(assess(name, corpus, entry, profile))
    return outcomes


def mark(outcome: Outcome, left_out: bool) -> str:
    good = outcome.left_out if left_out else outcome.in_sample
    if outcome.verdict == "healthy":
        return "clean" if good else "FALSE"
    return "right" if good else "miss "


def report(outcomes: list[Outcome], corpora: list[tuple[str, Path]], quiet: bool = False) -> list[str]:
    lines = []
    if not quiet:
        for o in outcomes:
            lines.append(f"{mark(o, False)} -> {mark(o, True)}  {o.corpus}/{o.file} [{o.thread or 'no thread'}]"
                         f": {', '.join(o.ids_out) or '-'}")
    for name, _ in corpora:
        mine = [o for o in outcomes if o.corpus == name]
        lines.append(f"{name}: in-sample {figure(mine, False)}; leave-one-thread-out {figure(mine, True)}")
    fitted = fits(outcomes)
    lines.append(f"fits (table entries that named right only their own thread's transcripts): {len(fitted)}")
    lines.extend(f"  fit  {entry}: {', '.join(sorted(files))}" for entry, files in sorted(fitted.items()))
    lost = [o for o in outcomes if o.in_sample and not o.left_out]
    lines.append(f"named right in-sample but not once their thread is left out: {len(lost)}")
    lines.append(f"in-sample: {figure(outcomes, False)}")
    lines.append(f"leave-one-thread-out: {figure(outcomes, True)}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", action="append",
                        help="a folder with index.yaml and raw/ (repeatable; default: the shared corpus and tests/real)")
    parser.add_argument("--cert-profile", default="current")
    parser.add_argument("--only", type=int, help="the first N scored transcripts of each corpus")
    parser.add_argument("--quiet", action="store_true", help="figures only, no line per transcript")
    opts = parser.parse_args(argv)
    folders = [Path(c) for c in opts.corpus] if opts.corpus else [SHARED_CORPUS, REAL]
    corpora = [(folder.name if folder.resolve() != REAL else "tests/real", folder) for folder in folders
               if (folder / "index.yaml").is_file()]
    if not corpora:
        print(f"no corpus index in {', '.join(map(str, folders))}", file=sys.stderr)
        return 2
    outcomes = run(corpora, load_profile(opts.cert_profile), opts.only)
    print("\n".join(report(outcomes, corpora, opts.quiet)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
