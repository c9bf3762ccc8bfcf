"""Where each machine's results.json is, in the folder layouts the fan-out engines leave.

Each results root holds one folder per machine, named after it:
- GitHub `actions/download-artifact@v4` (no `name`): `<root>/<artifact name>/`, the artifact
  named `certification-<machine>` (`--folder-prefix`) and holding the uploaded `reports/`;
- GitLab artifacts of the matrix jobs, extracted in the aggregation job: `<root>/<machine>/`
  (each job writes `--reports-dir fleet-results/$MACHINE`);
- the Ansible playbook's fetch: `<root>/<inventory_hostname>/latest/` (+ its `status.json`).
Inside a machine folder: the run folder of `--run-id` (`<ts>-<machine>-<run id>/`), else
`latest/`, else the newest run folder, else a results.json lying there. A root may also be one
suite's `--reports-dir` of many replayed machines: run folders `<ts>-<machine>[-<run id>]/`
right under it, the machine then read from the document and checked against the folder name.
Only two levels are ever listed: the scan is bounded by the folders that exist.

The folders are untrusted (any job can upload any artifact name; GitLab unpacks every job's
artifacts into one tree): a symbolic link is never followed out of a results root (a machine
folder, a run folder, `latest/` or a results.json that is a link is not read), a folder name that
is not valid UTF-8 names its machine with U+FFFD, and judge.py reads a folder only for an expected
machine (with --expected) and believes it only when its document names that machine.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from .untrusted import clean_text
from ..lazy_regex import regex

RUN_FOLDER = regex(r"^\d{8}T\d{6}Z-(.+)$")


@dataclass(frozen=True)
class Candidate:
    machine: str  # the machine its folder names (for a bare run folder: the rest of its name)
    folder: Path
    results: Path | None  # None: the folder holds no results.json
    status: Path | None = None  # a status.json beside it (the Ansible playbook writes one)
    loose: bool = False  # a bare run folder: the name is `<machine>[-<run id>][-N]`, the document says which


def discover(roots: list[Path], expected: list[str] | None, prefix: str, run_id: str | None):
    """({machine: [Candidate, ...]}, warnings about the roots)."""
    known = set(expected or ())
    found: dict[str, list[Candidate]] = {}
    warnings = []
    for root in roots:
        if not root.is_dir():
            warnings.append(f"results folder {root} does not exist: nothing read from it")
            continue
        try:
            entries = sorted((e for e in os.scandir(root) if e.is_dir(follow_symlinks=False)), key=lambda e: e.name)
        except OSError as error:
            warnings.append(f"results folder {root} cannot be listed: {error.strerror}")
            continue
        for entry in entries:
            folder, name = Path(entry.path), clean_text(entry.name)
            bare = RUN_FOLDER.match(name)
            if name == "latest" and not (folder / "status.json").exists() and _is_reports_dir(root):
                continue  # the copy of the newest run folder beside the run folders
            if bare:
                machine = _longest_named(bare.group(1), known) or bare.group(1)
                results = folder / "results.json"
                candidate = Candidate(machine, folder, results if _plain_file(results) else None,
                                      loose=machine not in known)
            else:
                machine = name if name in known or not name.startswith(prefix) else name[len(prefix):]
                status = folder / "status.json"
                candidate = Candidate(machine or name, folder, _results_in(folder, run_id),
                                      status if _plain_file(status) else None)
            found.setdefault(candidate.machine, []).append(candidate)
    return found, warnings


def _is_reports_dir(root: Path) -> bool:
    return any(RUN_FOLDER.match(name) for name in os.listdir(root))


def _longest_named(rest: str, known: set[str]) -> str | None:
    """The expected machine a `<machine>[-<run id>][-N]` name starts with (the longest, `ws-1` vs `ws-10`)."""
    names = [m for m in known if rest == m or rest.startswith(m + "-")]
    return max(names, key=len) if names else None


def _results_in(folder: Path, run_id: str | None) -> Path | None:
    try:
        runs = sorted(e.name for e in os.scandir(folder) if e.is_dir(follow_symlinks=False) and RUN_FOLDER.match(e.name))
    except OSError:
        return None
    runs = [name for name in runs if _plain_file(folder / name / "results.json")]
    if run_id:
        tonight = [name for name in runs if name.endswith(f"-{run_id}") or f"-{run_id}-" in name]
        if tonight:
            return folder / tonight[-1] / "results.json"
    latest = [] if (folder / "latest").is_symlink() else [folder / "latest" / "results.json"]
    for path in latest + [folder / name / "results.json" for name in reversed(runs)] + [folder / "results.json"]:
        if _plain_file(path):
            return path
    return None


def _plain_file(path: Path) -> bool:
    """A file, not a symbolic link to one (a link in an artifact may point anywhere on the collecting machine)."""
    return path.is_file() and not path.is_symlink()
