"""Replay a recorded fleet in one pytest process: CPU seconds per machine, and verdicts equal to separate runs.

    python bench/fleet_replay.py [--machines 100] [--workers 2] [--compare 100] [--seed 13]

Generates MACHINES snapshots from fixtures/snapshots/*.json (seeded: each a copy of one fixture
machine, healthy or broken, under its own hostname, its nbody GFLOP/s perturbed by -15..+10 %, so
some fall under the profile's tolerance), then measures
  * one process, `--snapshot FOLDER` (every machine): CPU-s per machine (the process and its children);
  * the same with `-n WORKERS` (pytest-xdist, whole machines per worker);
  * COMPARE of the machines run one at a time (one process each), whose verdict, headline and
    per-check outcomes must equal the ones of both one-process runs.
Prints one line per figure; docs/ci.md quotes them. Exit 1 when a verdict differs or the floor
(0.5 CPU-s per machine in one process) is missed.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "fixtures" / "snapshots"
FLOOR_CPU_S = 0.5  # per machine, replayed in one process (issue 13)
NBODY_FIGURE = re.compile(r"= (\d+(?:\.\d+)?) single-precision GFLOP/s")

sys.path.insert(0, str(REPO / "plugins"))


def generate(count: int, folder: Path, seed: int = 13) -> list[Path]:
    """`count` snapshots in `folder`, each a resolved copy of a fixture machine under a hostname of its own."""
    from wslgpu_certify.hosts.snapshot import load_snapshot

    rng = random.Random(seed)
    bases = sorted(FIXTURES.glob("*.json"))
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for index in range(count):
        base = bases[index % len(bases)] if index < len(bases) else rng.choice(bases)
        data = load_snapshot(base).to_json()  # "extends" resolved: the copy stands alone
        hostname = f"fleet-{index:03d}-{base.stem}"
        data["metadata"] = {**data["metadata"], "hostname": hostname, "description": f"generated from {base.name}"}
        factor = rng.uniform(0.85, 1.10)
        for commands in data["hosts"].values():
            for record in commands.values():
                if record and "GFLOP/s" in (record.get("stdout") or ""):
                    record["stdout"] = NBODY_FIGURE.sub(lambda m: f"= {float(m.group(1)) * factor:.3f} single-precision "
                                                                  f"GFLOP/s", record["stdout"])
        path = folder / f"{hostname}.json"
        path.write_text(json.dumps(data, indent=1), encoding="utf-8")
        written.append(path)
    return written


def pytest_run(args: list[str]) -> tuple[float, float, int]:
    """(CPU seconds of the run and its children, wall seconds, exit code) of `python -m pytest ARGS`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", *args],
                          cwd=REPO, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"pytest {' '.join(args)} exited {proc.returncode}:\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return cpu, wall, proc.returncode


def verdicts(reports: Path) -> dict[str, tuple]:
    """machine id -> (verdict, headline, {check: outcome}) of every results.json under `reports`."""
    found = {}
    for path in reports.glob("*/results.json"):
        if path.parent.name == "latest":
            continue
        doc = json.loads(path.read_text(encoding="utf-8"))
        found[doc["run"]["machine_id"]] = (doc["verdict"], doc["headline"],
                                           {c["id"]: c["outcome"] for c in doc["checks"]})
    return found


def alone(snapshot: Path, reports: Path) -> tuple[float, dict]:
    cpu, _, _ = pytest_run([f"--snapshot={snapshot}", "--reports-dir", str(reports)])
    return cpu, verdicts(reports)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--machines", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--compare", type=int, default=None, help="machines also run one at a time (default: all)")
    parser.add_argument("--seed", type=int, default=13)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        snapshots = generate(opts.machines, tmp / "fleet", opts.seed)
        n = len(snapshots)
        # one machine: plain, and with -n (what docs/ci.md once advised for replays)
        plain = min(pytest_run([f"--snapshot={snapshots[0]}", "--reports-dir", str(tmp / "p")])[0] for _ in range(3))
        spread = min(pytest_run([f"--snapshot={snapshots[0]}", "--reports-dir", str(tmp / "x"), "-n", str(opts.workers)])[0]
                     for _ in range(3))
        print(f"one machine: {plain:.2f} CPU-s plain, {spread:.2f} CPU-s with -n {opts.workers} "
              f"({spread / plain:.1f}x; best of 3)")
        cpu, wall, _ = pytest_run([f"--snapshot={tmp / 'fleet'}", "--reports-dir", str(tmp / "one")])
        print(f"one process, {n} machines: {cpu:.1f} CPU-s ({cpu / n:.3f} CPU-s per machine), {wall:.1f} s wall")
        xcpu, xwall, _ = pytest_run([f"--snapshot={tmp / 'fleet'}", "--reports-dir", str(tmp / "xdist"),
                                     "-n", str(opts.workers)])
        print(f"one process, -n {opts.workers} (by machine), {n} machines: {xcpu:.1f} CPU-s "
              f"({xcpu / n:.3f} CPU-s per machine, workers included), {xwall:.1f} s wall")
        one, by_xdist = verdicts(tmp / "one"), verdicts(tmp / "xdist")
        sample = snapshots[:opts.compare] if opts.compare is not None else snapshots
        with ThreadPoolExecutor(max_workers=opts.workers) as pool:
            separate = list(pool.map(lambda p: alone(p, tmp / "alone" / p.stem), sample))
        alone_cpu = sum(c for c, _ in separate) / len(separate)
        singles = {k: v for _, found in separate for k, v in found.items()}
        differ = [m for m, v in singles.items() if one.get(m) != v or by_xdist.get(m) != v]
        tally = {}
        for verdict, _, _ in one.values():
            tally[verdict] = tally.get(verdict, 0) + 1
        print(f"one at a time: {alone_cpu:.2f} CPU-s per machine (mean of {len(separate)} runs)")
        print(f"verdicts: {', '.join(f'{v} {k}' for k, v in sorted(tally.items()))}; machines in each run: "
              f"one process {len(one)}, xdist {len(by_xdist)}; compared with separate runs: {len(singles)}, "
              f"different: {len(differ)}{' (' + ', '.join(differ[:5]) + ')' if differ else ''}")
    ok = not differ and len(one) == n == len(by_xdist) and cpu / n <= FLOOR_CPU_S
    print(f"floor {FLOOR_CPU_S} CPU-s per machine in one process: {'met' if cpu / n <= FLOOR_CPU_S else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
