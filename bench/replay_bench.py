"""Measure a replay run of the whole catalog: wall time (pytest start-up included),
plugin overhead per check, and commands executed per host vs distinct commands.

    python bench/replay_bench.py [SNAPSHOT] [--runs N]

Prints one line per figure; docs/figures.md quotes them.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def timed_run(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                   cwd=REPO, capture_output=True, check=False)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("snapshot", nargs="?", default=str(REPO / "fixtures/snapshots/documented-healthy.json"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cert-profile", default="documented")  # current-healthy.json: --cert-profile current
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        replay = ["--snapshot", opts.snapshot, "--cert-profile", opts.cert_profile, "--reports-dir", tmp]
        walls = [timed_run(replay) for _ in range(opts.runs)]
        # pytest's own start-up and reporting on the same checks, with every check deselected
        # (its own reports folder: a run that certifies nothing still writes a PARTIAL results.json)
        empty = ["--snapshot", opts.snapshot, "--cert-profile", opts.cert_profile, "--reports-dir", str(Path(tmp) / "empty")]
        baseline = [timed_run([*empty, "-k", "no_such_check"]) for _ in range(opts.runs)]
        results = json.loads((Path(tmp) / "latest" / "results.json").read_text()) if (Path(tmp) / "latest" / "results.json").exists() else None
        if results is None:
            timed_run(replay)
            results = json.loads((Path(tmp) / "latest" / "results.json").read_text())
        checks = len(results["checks"])
        evidence = [e for c in results["checks"] for e in c["evidence"]]
        commands_run = results["machine"]["commands_run"]
    wall = statistics.median(walls)
    overhead = (wall - statistics.median(baseline)) / checks * 1000
    print(f"replay wall time (median of {opts.runs}, pytest start-up included): {wall:.2f} s for {checks} checks")
    print(f"per-check cost over an empty pytest run of the same plugins: {overhead:.1f} ms")
    distinct = {(e["role"], e["command"]) for e in evidence}
    print(f"probe reads: {len(evidence)}; distinct commands: {len(distinct)}; "
          f"commands executed: {sum(commands_run.values())} ({commands_run})")


if __name__ == "__main__":
    main()
