"""Prove a change kept behaviour: replay every snapshot with two versions of the suite and compare.

    python bench/same_results.py BASE_REF          # BASE_REF: a commit, e.g. the one before a refactor

The base version is checked out into a temporary git worktree and put first on PYTHONPATH,
so its `wslgpu_certify` (and its checks/) answer; the working tree is the other version.
Every snapshot under fixtures/snapshots/ is replayed by both (under the documented profile,
the healthy one under every bundled profile too), and their results.json must be equal
once what changes from run to run is set aside: `finished_at`, per-check `duration`.
The terminal's verdict section is compared too. Exit 0 when every pair is equal.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SNAPSHOTS = REPO / "fixtures" / "snapshots"
PROFILES = ("documented", "current", "standin")


def cases() -> list[tuple[str, str]]:
    runs = [(path.name, "documented") for path in sorted(SNAPSHOTS.glob("*.json"))]
    runs += [(path.name, profile) for path in sorted(SNAPSHOTS.glob("*-healthy.json"))
             for profile in PROFILES if profile != "documented"]
    return runs


def normalised(results: dict) -> dict:
    results = dict(results)
    results.pop("finished_at", None)
    for check in results.get("checks", []):
        check["duration"] = 0
    return results


def verdict_section(output: str) -> str:
    """The terminal's wslgpu-certify section, without timings and the run folder's path."""
    start = output.find("wslgpu-certify:")
    section = output[start:] if start >= 0 else ""
    section = re.sub(r"\d+(\.\d+)?s( \(\d+:\d+:\d+\))?", "<time>", section)
    section = re.sub(r"^- Generated html report: .*$", "", section, flags=re.M)
    return re.sub(r"^report: .*$", "report: <path>", section, flags=re.M)


def profile_option(tree: Path) -> str:
    """--cert-profile since the rename (pytest-profiling owns --profile); --profile before it."""
    options = tree / "plugins" / "wslgpu_certify" / "options.py"
    return "--cert-profile" if options.exists() and "--cert-profile" in options.read_text() else "--profile"


def replay(tree: Path, snapshot: str, profile: str, reports: Path, pythonpath: str | None) -> tuple[dict, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--reports-dir", str(reports),
         f"--snapshot={SNAPSHOTS / snapshot}", f"{profile_option(tree)}={profile}"],
        cwd=tree, capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL, timeout=300,
    )
    path = reports / "latest" / "results.json"
    results = json.loads(path.read_text()) if path.exists() else {"missing": proc.stdout[-2000:] + proc.stderr[-2000:]}
    return normalised(results), verdict_section(proc.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("base", help="git ref of the version to compare the working tree with")
    opts = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="wslgpu-same-") as tmp:
        base_tree = Path(tmp) / "base"
        subprocess.run(["git", "worktree", "add", "--detach", str(base_tree), opts.base], cwd=REPO, check=True,
                       capture_output=True)
        try:
            def both(case):
                snapshot, profile = case
                folder = Path(tmp) / f"{snapshot}-{profile}"
                old = replay(base_tree, snapshot, profile, folder / "base", str(base_tree / "plugins"))
                new = replay(REPO, snapshot, profile, folder / "work", str(REPO / "plugins"))
                return case, old, new

            with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
                outcomes = list(pool.map(both, cases()))
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base_tree)], cwd=REPO, capture_output=True)
    different = 0
    for (snapshot, profile), old, new in outcomes:
        same = old == new
        different += not same
        print(f"{'same     ' if same else 'DIFFERENT'} {snapshot} --profile {profile}: "
              f"{old[0].get('verdict', '?')}, {len(old[0].get('checks', []))} checks")
        if not same:
            for label, a, b in (("results.json", json.dumps(old[0], indent=1, sort_keys=True),
                                 json.dumps(new[0], indent=1, sort_keys=True)), ("terminal", old[1], new[1])):
                diff = list(difflib.unified_diff(a.splitlines(), b.splitlines(), f"base {label}", f"work {label}",
                                                 lineterm="", n=1))
                print("\n".join(diff[:60]))
    print(f"{len(outcomes) - different} of {len(outcomes)} replays identical")
    return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main())
