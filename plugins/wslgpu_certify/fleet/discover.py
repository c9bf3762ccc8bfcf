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
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

RUN_FOLDER = re.compile(r"^\d{8}T\d{6}Z-(.+)$")


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
            entries = sorted((e for e in os.scandir(root) if e.is_dir()), key=lambda e: e.name)
        except OSError as error:
            warnings.append(f"results folder {root} cannot be listed: {error.strerror}")
            continue
        for entry in entries:
            folder = Path(entry.path)
            bare = RUN_FOLDER.match(entry.name)
            if entry.name == "latest" and not (folder / "status.json").exists() and _is_reports_dir(root):
                continue  # the copy of the newest run folder beside the run folders
            if bare:
                machine = _longest_named(bare.group(1), known) or bare.group(1)
                results = folder / "results.json"
                candidate = Candidate(machine, folder, results if results.is_file() else None,
                                      loose=machine not in known)
            else:
                machine = entry.name if entry.name in known or not entry.name.startswith(prefix) else entry.name[len(prefix):]
                status = folder / "status.json"
                candidate = Candidate(machine or entry.name, folder, _results_in(folder, run_id),
                                      status if status.is_file() else None)
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
        runs = sorted(e.name for e in os.scandir(folder) if e.is_dir() and RUN_FOLDER.match(e.name))
    except OSError:
        return None
    runs = [name for name in runs if (folder / name / "results.json").is_file()]
    if run_id:
        tonight = [name for name in runs if name.endswith(f"-{run_id}") or f"-{run_id}-" in name]
        if tonight:
            return folder / tonight[-1] / "results.json"
    for path in ([folder / "latest" / "results.json"] + [folder / name / "results.json" for name in reversed(runs)]
                 + [folder / "results.json"]):
        if path.is_file():
            return path
    return None
