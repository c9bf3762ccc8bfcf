"""Run the certification suite as a user would, in a subprocess, and read what it wrote."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SNAPSHOTS = REPO / "fixtures" / "snapshots"
CORPUS = REPO.parent / "shared" / "corpus"
# The suite's runs fail on any pytest API deprecated for removal (pytest 9 names it; older pytest: nothing to ask)
STRICT = ("-W", "error::pytest.PytestRemovedIn10Warning") if hasattr(__import__("pytest"), "PytestRemovedIn10Warning") else ()


@dataclass
class SuiteRun:
    returncode: int
    output: str
    reports: Path

    @property
    def results(self) -> dict:
        return json.loads((self.reports / "latest" / "results.json").read_text())

    def outcomes(self) -> dict[str, str]:
        return {c["id"]: c["outcome"] for c in self.results["checks"]}

    def check(self, check_id: str) -> dict:
        return next(c for c in self.results["checks"] if c["id"] == check_id)


def make_runner(tmp_path):
    """`run(*args)`: `python -m pytest ARGS` from the checkout (the plugin loads via its entry point)."""

    def run(*args: str, cwd: Path = REPO, timeout: float = 300) -> SuiteRun:
        reports = tmp_path / "reports"
        env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly", *STRICT,
             "--reports-dir", str(reports), *args],
            cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL,
        )
        return SuiteRun(proc.returncode, proc.stdout + proc.stderr, reports)

    return run
