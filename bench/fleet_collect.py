"""`wslgpu-fleet collect` over a simulated fleet of 100 to 2,000 machines, on 2 cores.

    python bench/fleet_collect.py [--sizes 100,500,1000,2000] [--cores 0,1] [--keep DIR]

Each size gets a fleet of its own (tests/fleet_sim.py, seeded; each results.json about 80 kB,
as the suite's own; 5 % of folders damaged), a previous night's fleet.json, a CI status file,
and one measured collect in a child process pinned with `taskset -c 0,1`: wall time, peak
memory (the child's max RSS from wait4), and cost per machine. Floors (issue 13): at 2,000
machines under 20 s wall and 500 MB peak; cost per machine near-constant. Prints JSON; exits 1
when a floor is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
import fleet_sim as sim  # noqa: E402

RUN = "bench-1"
NOW = "2026-11-30T06:00:00+00:00"
FLOOR_WALL_S, FLOOR_RSS_MB = 20.0, 500.0
DAMAGE = ("missing folder", "truncated file", "old timestamp", "complete false", "another run")


def build(root: Path, n: int) -> tuple[Path, Path]:
    machines = sim.make_fleet(n, seed=2000)
    sim.write_fleet(root / "results", machines, RUN)
    for i, m in enumerate(machines[::20]):  # 5 % damaged, each kind in turn
        sim.damage(root / "results", m.name, DAMAGE[i % len(DAMAGE)])
    expected = root / "expected.json"
    expected.write_text(json.dumps([{"machine": m.name} for m in machines] + [{"machine": "ws-never"}]))
    (root / "ci-status.jsonl").write_text(json.dumps({"machine": "ws-never", "status": "queued", "reason": "runner offline"}) + "\n")
    # last night: the same fleet collected once (not measured)
    collect(root, expected, [], root / "last", cores=None)
    return expected, root / "last" / "fleet.json"


def collect(root: Path, expected: Path, extra: list[str], out: Path, cores: str | None) -> dict:
    command = [sys.executable, "-m", "wslgpu_certify.fleet", "collect", str(root / "results"), "--expected", str(expected),
               "--run-id", RUN, "--max-age", "26h", "--now", NOW, "--out", str(out), *extra]
    if cores:
        command = ["taskset", "-c", cores, *command]
    env = {**os.environ, "PYTHONPATH": str(REPO / "plugins")}
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    stderr = child.stderr.read().decode(errors="replace")
    child.stderr.close()
    if child.returncode not in (0, 1):
        raise SystemExit(f"collect failed ({child.returncode}): {stderr.strip()}")
    return {"wall_s": round(wall, 3), "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
            "peak_rss_mb": round(usage.ru_maxrss / 1024, 1), "exit": child.returncode,
            "fleet_html_mb": round((out / "fleet.html").stat().st_size / 2**20, 2),
            "fleet_json_mb": round((out / "fleet.json").stat().st_size / 2**20, 2)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100,500,1000,2000")
    parser.add_argument("--cores", default="0,1")
    parser.add_argument("--keep", type=Path, help="keep the fleets here (fleet.html for the browser test)")
    opts = parser.parse_args()
    if not shutil.which("taskset"):
        opts.cores = None
    base = opts.keep or Path(tempfile.mkdtemp(prefix="fleet-bench-"))
    rows = []
    try:
        for n in (int(s) for s in opts.sizes.split(",")):
            root = base / f"fleet-{n}"
            shutil.rmtree(root, ignore_errors=True)
            expected, previous = build(root, n)
            figures = collect(root, expected, ["--previous", str(previous), "--ci-status", str(root / "ci-status.jsonl")],
                              root / "fleet", opts.cores)
            figures |= {"machines": n + 1, "ms_per_machine": round(1000 * figures["wall_s"] / (n + 1), 2),
                        "cpu_ms_per_machine": round(1000 * figures["cpu_s"] / (n + 1), 2)}
            rows.append(figures)
            print(json.dumps(figures), flush=True)
    finally:
        if not opts.keep:
            shutil.rmtree(base, ignore_errors=True)
    biggest = rows[-1]
    marginal = [round(1000 * (b["wall_s"] - a["wall_s"]) / (b["machines"] - a["machines"]), 2) for a, b in zip(rows, rows[1:])]
    verdict = {"cores": opts.cores, "marginal_ms_per_machine": marginal,
               "floor_wall_s": FLOOR_WALL_S, "floor_rss_mb": FLOOR_RSS_MB,
               "met": biggest["machines"] < 2000 or (biggest["wall_s"] < FLOOR_WALL_S and biggest["peak_rss_mb"] < FLOOR_RSS_MB)}
    print(json.dumps(verdict))
    return 0 if verdict["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
