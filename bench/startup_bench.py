"""One replay of one machine against a one-test run of pytest with no plugins, in the same run.

    python bench/startup_bench.py [SNAPSHOT] [--runs N] [--max-ratio R]

Both commands run N times, interleaved (so a busy machine slows both alike), each in a fresh
interpreter from the checkout:
  * plain:  `pytest -q test_one.py` (one passing test) with PYTEST_DISABLE_PLUGIN_AUTOLOAD=1,
            i.e. pytest as if no plugin were installed;
  * replay: `pytest -q --snapshot SNAPSHOT` with the plugins a fresh install of wslgpu-certify
            has (its dependencies' pytest11 entry points: pytest-html, -metadata, -xdist,
            -testinfra); any other installed pytest plugin (hypothesis, pytest-benchmark, ...) is
            blocked with `-p no:NAME`, so the figure is the suite's, not this environment's.
Bytecode is cached for both (a temporary PYTHONPYCACHEPREFIX, one warm-up run each; some CI
images set PYTHONDONTWRITEBYTECODE, which would recompile the suite's sources every run).
Prints the median wall time and CPU time (user + system of the child) of each and their
ratios; with --max-ratio, exits 1 when the CPU ratio is above it (issue #13's floor: 2.5).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HEALTHY = REPO / "fixtures" / "snapshots" / "documented-healthy.json"
PROJECT = "wslgpu-certify"


def foreign_plugins() -> list[str]:
    """pytest11 entry points of installed distributions that wslgpu-certify does not depend on."""
    wanted = {PROJECT}
    try:
        requirements = metadata.requires(PROJECT) or []
    except metadata.PackageNotFoundError:  # run from a checkout without installing it: pyproject.toml's list
        requirements = re.findall(r'^\s*"([^"]+)",?$', (REPO / "pyproject.toml").read_text().split("dependencies = [")[1]
                                  .split("]")[0], re.M)
    for requirement in requirements:
        if "extra ==" not in requirement:
            wanted.add(re.split(r"[\s;\[<>=!~]", requirement, maxsplit=1)[0])
    wanted = {name.lower().replace("_", "-") for name in wanted}
    return sorted({ep.name for dist in metadata.distributions() for ep in dist.entry_points
                   if ep.group == "pytest11" and dist.metadata["Name"].lower().replace("_", "-") not in wanted})


def timed(argv: list[str], env: dict, cwd: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the child) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, env=env, cwd=cwd, capture_output=True, check=False, stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(snapshot: Path = HEALTHY, runs: int = 7) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "one").mkdir()
        (tmp / "one" / "test_one.py").write_text("def test_one():\n    assert True\n")
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE" and not k.startswith("PYTEST_")}
        env["PYTHONPYCACHEPREFIX"] = str(tmp / "pycache")
        env["PYTHONPATH"] = os.pathsep.join([str(REPO / "plugins"), env.get("PYTHONPATH", "")])
        pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        blocked = [arg for name in foreign_plugins() for arg in ("-p", f"no:{name}")]
        commands = {
            "plain": ([*pytest, "test_one.py"], {**env, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}, tmp / "one"),
            "replay": ([*pytest, *blocked, "--snapshot", str(snapshot), "--reports-dir", str(tmp / "reports")],
                       env, REPO),
        }
        for argv, run_env, cwd in commands.values():
            timed(argv, run_env, cwd)  # warm-up: bytecode written once
        samples = {name: [] for name in commands}
        for _ in range(runs):
            for name, (argv, run_env, cwd) in commands.items():
                samples[name].append(timed(argv, run_env, cwd))
    figures = {name: {"wall": statistics.median(w for w, _ in values), "cpu": statistics.median(c for _, c in values)}
               for name, values in samples.items()}
    figures["ratio"] = {kind: figures["replay"][kind] / figures["plain"][kind] for kind in ("wall", "cpu")}
    figures["blocked"] = foreign_plugins()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("snapshot", nargs="?", type=Path, default=HEALTHY)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--max-ratio", type=float, default=None)
    opts = parser.parse_args()
    figures = measure(opts.snapshot, opts.runs)
    print(f"plain pytest, one test, no plugins (median of {opts.runs}): "
          f"{figures['plain']['wall']:.2f} s wall, {figures['plain']['cpu']:.2f} CPU-s")
    print(f"replay of {opts.snapshot.name}: {figures['replay']['wall']:.2f} s wall, {figures['replay']['cpu']:.2f} CPU-s"
          f" (other installed plugins blocked: {', '.join(figures['blocked']) or 'none'})")
    print(f"ratio: {figures['ratio']['wall']:.2f}x wall, {figures['ratio']['cpu']:.2f}x CPU")
    if opts.max_ratio is not None and figures["ratio"]["cpu"] > opts.max_ratio:
        print(f"above the floor: {figures['ratio']['cpu']:.2f}x > {opts.max_ratio}x", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
