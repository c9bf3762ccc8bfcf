"""Measure the container layers live on the stand-in: wall time against the critical path.

    python bench/container_bench.py [--runs N]

Two kinds of run of `pytest --env=linux --cert-profile=standin -k "jupyter or rstudio or rpy2"`:
  * serial   ([containers] parallel_steps = 0): every step alone, which gives each
             step's own duration and so the critical path (the slowest single step);
  * default  (slow steps prefetched in the background, probes.prefetch).
The layers' wall time is the run's wall time minus that of the same pytest command with every
check deselected (pytest start-up, collection and reporting excluded; container start and
readiness included). Also counts container starts per run (containers.json) and containers
left behind with the suite's label.
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
CONTAINER_LAYERS = ("jupyter", "rstudio", "rpy2")
SERIAL_PROFILE = 'extends = "standin"\nname = "standin-serial"\n[containers]\nparallel_steps = 0\n'


def timed_pytest(reports: Path, profile: str, selection: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--env=linux",
                    f"--cert-profile={profile}", "-k", selection, "--reports-dir", str(reports)],
                   cwd=REPO, capture_output=True, check=False)
    return time.perf_counter() - started


def run_layers(reports: Path, profile: str, baseline: float) -> dict:
    wall = timed_pytest(reports, profile, " or ".join(CONTAINER_LAYERS)) - baseline
    latest = reports / "latest"
    results = json.loads((latest / "results.json").read_text())
    checks = [c for c in results["checks"] if c["layer"] in CONTAINER_LAYERS]
    steps = {(e["role"], e["command"]): e["duration"] for c in checks for e in c["evidence"]}
    starts = len(json.loads((latest / "containers.json").read_text())["images"])
    return {"wall": wall, "slowest": max(steps.values()), "starts": starts,
            "outcomes": {c["id"]: c["outcome"] for c in checks}}


def leftovers() -> int:
    out = subprocess.run(["docker", "ps", "-aq", "--filter", "label=io.wslgpu-certify.run"],
                         capture_output=True, text=True, check=False).stdout
    return len(out.split())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        serial_profile = Path(tmp) / "serial.toml"
        serial_profile.write_text(SERIAL_PROFILE)
        baseline = statistics.median(timed_pytest(Path(tmp) / f"b{i}", "standin", "no_such_check")
                                     for i in range(opts.runs))
        serial = [run_layers(Path(tmp) / f"s{i}", str(serial_profile), baseline) for i in range(opts.runs)]
        default = [run_layers(Path(tmp) / f"d{i}", "standin", baseline) for i in range(opts.runs)]
    critical = statistics.median(r["slowest"] for r in serial)
    same = all(r["outcomes"] == serial[0]["outcomes"] for r in serial + default)
    for name, runs in (("serial", serial), ("default", default)):
        wall = statistics.median(r["wall"] for r in runs)
        print(f"{name}: container layers {wall:.1f} s (median of {len(runs)}), "
              f"{wall / critical:.2f}x the critical path of {critical:.1f} s (slowest step alone); "
              f"slowest step in these runs {statistics.median(r['slowest'] for r in runs):.1f} s; "
              f"container starts per run {max(r['starts'] for r in runs)}")
    print(f"pytest start-up excluded: {baseline:.1f} s (same command, every check deselected)")
    print(f"same verdicts in every run: {same}; containers left with the suite's label: {leftovers()}")


if __name__ == "__main__":
    main()
