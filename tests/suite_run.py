"""Run the certification suite as a user would, in a subprocess, and read what it wrote.

`make_runner`: one run of the suite per call. `replay_rows`: many snapshots in one run of the product
(`--snapshot FOLDER`, docs/results.md "Several machines in one run"), each its own machine with its own
results.json: a test matrix pays pytest's start-up and the catalog's imports once per batch instead of
once per row, and every row is still a test of its own asserting on its machine's results.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SNAPSHOTS = REPO / "fixtures" / "snapshots"
CORPUS = Path(os.environ.get("WSLGPU_CORPUS", REPO.parent / "shared" / "corpus"))  # a worktree names it
SNAPSHOT_FORMAT = "wslgpu-certify-snapshot/1"
# The suite's runs fail on any pytest API deprecated for removal (pytest 9 names it; older pytest: nothing to ask)
STRICT = ("-W", "error::pytest.PytestRemovedIn10Warning") if hasattr(__import__("pytest"), "PytestRemovedIn10Warning") else ()


class Results:
    """A machine's results.json, read by check id."""

    def __init__(self, results: dict):
        self.results = results

    def outcomes(self) -> dict[str, str]:
        return {c["id"]: c["outcome"] for c in self.results["checks"]}

    def check(self, check_id: str) -> dict:
        return next(c for c in self.results["checks"] if c["id"] == check_id)


@dataclass
class SuiteRun(Results):
    returncode: int
    output: str
    reports: Path

    @property
    def results(self) -> dict:
        return json.loads((self.reports / "latest" / "results.json").read_text())


def _pytest(reports: Path, args, cwd: Path = REPO, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly", *STRICT,
         "--reports-dir", str(reports), *args],
        cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL,
    )


def make_runner(tmp_path):
    """`run(*args)`: `python -m pytest ARGS` from the checkout (the plugin loads via its entry point)."""

    def run(*args: str, cwd: Path = REPO, timeout: float = 300) -> SuiteRun:
        reports = tmp_path / "reports"
        proc = _pytest(reports, args, cwd, timeout)
        return SuiteRun(proc.returncode, proc.stdout + proc.stderr, reports)

    return run


# ---- many rows, one run of the product per set of options -------------------------------------------------

def mutated(base: Path, hosts: dict, metadata: dict | None = None) -> dict:
    """A snapshot that `extends` BASE and replaces (or, with None, removes) some recorded answers."""
    return {"format": SNAPSHOT_FORMAT, "extends": str(base), "metadata": metadata or {}, "hosts": hosts}


class Machine(Results):
    """One row's machine in a batch: its results.json, and the batch's output and exit status."""

    def __init__(self, written: dict | None, output: str, returncode: int):
        self.written = written  # its results.json, None when the run wrote none for it
        self.output = output  # the whole batch's terminal output (stdout and stderr)
        self.returncode = returncode

    @property
    def results(self) -> dict:
        assert self.written is not None, f"the batch wrote no results.json for this row:\n{self.output[-4000:]}"
        return self.written


def replay_rows(folder: Path, rows: dict[str, tuple[dict | Path, tuple[str, ...]]],
                timeout: float = 600) -> dict[str, Machine]:
    """Each row (name -> (snapshot document or file, extra options)) replayed as its own machine.

    Rows with the same options share one run (`--snapshot FOLDER`): a profile or an opt-in is an option
    of the run, not of a snapshot, so each distinct set of options is one run. Each row's snapshot gets a
    hostname of its own (the fleet run names machines by it and refuses two of one name; no check reads the
    hostname); a file is extended unchanged. Without pytest-html: no batch reads a machine's report.html
    (test_many_machines.py holds the fleet's per-machine reports). Returns name -> its Machine, for every row.
    """
    groups: dict[tuple[str, ...], list[str]] = {}
    for name, (_, args) in rows.items():
        groups.setdefault(tuple(args), []).append(name)
    found: dict[str, Machine] = {}
    for g, (args, names) in enumerate(groups.items()):
        snapshots, reports = folder / f"batch-{g}", folder / f"reports-{g}"
        snapshots.mkdir(parents=True)
        machine_of: dict[str, str] = {}
        for i, name in enumerate(names):
            doc = rows[name][0]
            if isinstance(doc, Path):
                doc = mutated(doc, {})
            machine_id = f"{i:03d}-{re.sub(r'[^A-Za-z0-9._-]+', '_', name)}"[:90].strip("._")
            doc = {**doc, "metadata": {**doc.get("metadata", {}), "hostname": machine_id}}
            (snapshots / f"{machine_id}.json").write_text(json.dumps(doc), encoding="utf-8")
            machine_of[machine_id] = name
        proc = _pytest(reports, ["--snapshot", str(snapshots), "-q", "-p", "no:html", *args], timeout=timeout)
        docs = [json.loads(p.read_text(encoding="utf-8")) for p in reports.glob("*/results.json")]
        written = {doc["run"]["machine_id"]: doc for doc in docs}
        for machine_id, name in machine_of.items():
            found[name] = Machine(written.get(machine_id), proc.stdout + proc.stderr, proc.returncode)
    return found
