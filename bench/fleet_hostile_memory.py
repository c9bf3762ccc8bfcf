"""Peak memory of `wslgpu-fleet collect` and `wslgpu-compare` on one hostile input of up to 100 MB (issue 20).

    python bench/fleet_hostile_memory.py [--only NAME,...] [--keep DIR]

Each case writes one hostile file beside a fleet of 3 healthy machines (tests/fleet_sim.py) and
runs one collect (or compare) in a child process: its peak memory (VmHWM, the high-water mark of
its own resident memory, read from /proc/self/status as it exits: wait4's max RSS would carry this
bench's own memory over the fork and exec), wall time,
exit status and the sizes of the outputs. The worst shapes per byte are the point: empty objects
(`{},`: about 80 bytes of memory per 3 bytes of JSON), short non-Latin-1 strings, floats, one
long string, deep nesting, and files past the caps (refused before reading). Floor (issue 20):
under 1 GB for any single input of at most 100 MB. Prints one JSON line per case; exits 1 when
a case misses the floor or an output is missing.
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
FLOOR_RSS_MB = 1024.0
MB = 2**20
OUTPUTS = ("fleet.json", "fleet.html", "fleet-junit.xml", "fleet-summary.md")
MEASURED = """import runpy, sys
module, sys.argv = sys.argv[1], sys.argv[1:]
code = 0
try:
    runpy.run_module(module, run_name="__main__", alter_sys=True)
except SystemExit as stop:
    code = stop.code
peak = next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:"))
sys.stderr.write(f"\\nVmHWM_KB {peak}\\n")
sys.exit(code)
"""


def _fill(unit: bytes, size: int, head: bytes = b"[", tail: bytes = b"]") -> bytes:
    body = unit * max(0, (size - len(head) - len(tail)) // len(unit))
    return head + body.rstrip(b",") + tail


def _results_with(figure: bytes) -> bytes:
    """A believable results.json whose first check carries `figure` as a figure's value."""
    doc = sim.document(sim.make_fleet(1, seed=1)[0], RUN)
    doc["checks"][0]["figures"] = {"x": "FIGURE"}
    return json.dumps(doc).encode().replace(b'"FIGURE"', figure)


# name -> (which file, how to make its bytes)
CASES = {
    "results 100 MB, one string": ("results", lambda: _results_with(b'"' + b"A" * (100 * MB) + b'"')),
    "results 15.9 MB, one string": ("results", lambda: _results_with(b'"' + b"A" * (int(15.9 * MB)) + b'"')),
    "results 15.9 MB of {}": ("results", lambda: _fill(b"{},", int(15.9 * MB))),
    "results 2.9 MB of {} (under the count)": ("results", lambda: _results_with(_fill(b"{},", int(2.9 * MB)))),
    "results 15.9 MB of short strings": ("results", lambda: _results_with(_fill('"\u0100\u0101",'.encode(), int(15.9 * MB)))),
    "results 15.9 MB of floats": ("results", lambda: _results_with(_fill(b"0.5,", int(15.9 * MB)))),
    "results 15.9 MB of long messages": ("results", lambda: _results_with(_fill(b'"' + b"m" * 5000 + b'",', int(15.9 * MB)))),
    "results 1 MB deep": ("results", lambda: b"[" * MB),
    "status 100 MB": ("status", lambda: b'{"machine": "' + b"x" * (100 * MB) + b'"}'),
    "status 0.9 MB deep": ("status", lambda: b'{"a":' * (180_000)),
    "previous 100 MB": ("previous", lambda: _fill(b'"ab",', 100 * MB)),
    "previous 31.9 MB of short strings": ("previous", lambda: _fill('"\u0100\u0101",'.encode(), int(31.9 * MB),
                                                                   b'{"format": "wslgpu-fleet/1", "machines": [', b"]}")),
    "ci status 15.9 MB of lines": ("ci", lambda: b"\n".join([b'{"machine": "ws-9", "status": "queued", "reason": "r"}']
                                                           * int(15.9 * MB / 56))),
    "inventory 100 MB": ("expected", lambda: b"ws-1\n" * (20 * MB)),
    "inventory 7.9 MB of names": ("expected", lambda: b"".join(b"ws-%07d\n" % n for n in range(int(7.9 * MB / 11)))),
    "inventory range bomb": ("expected", lambda: b"[lab]\nws[00000:99999][00000:99999]\n"),
    "inventory alias bomb": ("expected.yml", lambda: ("a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{','.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))
        + "all: {hosts: {ws-1: }}\n").encode()),
    "compare 15.9 MB of {} ": ("compare", lambda: _fill(b"{},", int(15.9 * MB))),
    "compare 15.9 MB of short strings": ("compare", lambda: _results_with(_fill('"\u0100\u0101",'.encode(), int(15.9 * MB)))),
    "compare 100 MB": ("compare", lambda: _results_with(b'"' + b"A" * (100 * MB) + b'"')),
}


def run_case(root: Path, name: str) -> dict:
    kind, make = CASES[name]
    machines = sim.make_fleet(3, seed=1)
    sim.write_fleet(root / "R", machines, RUN)
    expected = root / "expected.txt"
    expected.write_text("".join(m.name + "\n" for m in machines))
    data = make()
    args = [sys.executable, "-c", MEASURED, "wslgpu_certify.fleet", "collect", str(root / "R"), "--run-id", RUN,
            "--out", str(root / "out"), "--expected", str(expected)]
    if kind == "results":
        (root / "R" / machines[0].name / "latest" / "results.json").write_bytes(data)
    elif kind == "status":
        shutil.rmtree(root / "R" / machines[0].name / "latest")
        (root / "R" / machines[0].name / "status.json").write_bytes(data)
    elif kind == "previous":
        (root / "previous.json").write_bytes(data)
        args += ["--previous", str(root / "previous.json")]
    elif kind == "ci":
        (root / "ci.jsonl").write_bytes(data)
        args += ["--ci-status", str(root / "ci.jsonl")]
    elif kind.startswith("expected"):
        path = root / kind.replace("expected", "inventory")
        path.write_bytes(data)
        args[args.index(str(expected))] = str(path)
    elif kind == "compare":
        (root / "new.json").write_bytes(data)
        args = [sys.executable, "-c", MEASURED, "wslgpu_certify.compare",
                str(root / "R" / machines[1].name / "latest" / "results.json"), str(root / "new.json")]
    del data
    started = time.perf_counter()
    child = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             env={**os.environ, "PYTHONPATH": str(REPO / "plugins")})
    stderr = child.stderr.read().decode(errors="replace").strip()
    code = child.wait()
    child.stderr.close()
    stderr, _, peak_kb = stderr.rpartition("VmHWM_KB ")
    result = {"case": name, "input_mb": round(max(p.stat().st_size for p in root.rglob("*") if p.is_file()) / MB, 1),
              "peak_rss_mb": round(int(peak_kb) / 1024, 1), "wall_s": round(time.perf_counter() - started, 2),
              "exit": code, "stderr": stderr.strip()[-200:]}
    if kind != "compare":
        out = root / "out"
        result["outputs_kb"] = {n: round((out / n).stat().st_size / 1024, 1) for n in OUTPUTS if (out / n).is_file()}
        result["reason"] = next((m["reason"] for m in json.loads((out / "fleet.json").read_text())["machines"]
                                 if m["verdict"] in ("INVALID", "NO REPORT")), None) if (out / "fleet.json").is_file() else None
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="comma-separated case names (default: all)")
    parser.add_argument("--keep", type=Path, help="build the cases here and keep them")
    opts = parser.parse_args()
    names = [n.strip() for n in opts.only.split(",")] if opts.only else list(CASES)
    failed = False
    for name in names:
        root = Path(tempfile.mkdtemp(prefix="fleet-hostile-", dir=opts.keep))
        try:
            result = run_case(root, name)
        finally:
            if not opts.keep:
                shutil.rmtree(root, ignore_errors=True)
        missing = "outputs_kb" in result and len(result["outputs_kb"]) != len(OUTPUTS) and not name.startswith("inventory")
        result["floor_ok"] = result["peak_rss_mb"] < FLOOR_RSS_MB and not missing and result["exit"] in (0, 1, 2)
        failed |= not result["floor_ok"]
        print(json.dumps(result, ensure_ascii=False), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
