"""The run's evidence on disk: reports/<UTC timestamp>-<host>/ and reports/latest/.

results.json is documented in docs/results.md; report.html and junit.xml are
written by pytest-html and pytest's junitxml into the same folder.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

from . import __version__
from .findings import LAYERS

RESULTS_FORMAT = "wslgpu-certify-results/1"
# pytest's outcomes, as results.json names them; a failing advisory check is a warning.
OUTCOMES = ("passed", "failed", "skipped", "error", "warning")


def run_dir(reports_dir: Path, hostname: str, now: datetime | None = None) -> Path:
    now = now or datetime.now(timezone.utc)
    safe_host = re.sub(r"[^A-Za-z0-9._-]+", "_", hostname) or "host"
    return reports_dir / f"{now:%Y%m%dT%H%M%SZ}-{safe_host}"


# `findings` below are Finding.to_json() dicts, as they arrive from (xdist) reports.
def verdict(findings: list[dict]) -> str:
    bad = any(f["outcome"] in ("failed", "error") for f in findings)
    return "NOT CERTIFIED" if bad or not findings else "CERTIFIED"


def counts(findings: list[dict]) -> dict[str, int]:
    c = Counter(f["outcome"] for f in findings)
    return {outcome: c.get(outcome, 0) for outcome in OUTCOMES}


def layer_summary(findings: list[dict]) -> dict[str, dict]:
    """Per layer: its worst outcome and the first failing check (the root cause to show)."""
    rank = {"error": 4, "failed": 3, "warning": 2, "passed": 1, "skipped": 0}
    summary = {}
    for layer in LAYERS:
        mine = [f for f in findings if f["layer"] == layer]
        worst = max((f["outcome"] for f in mine), key=rank.get, default="absent")
        first_bad = next((f["id"] for f in mine if f["outcome"] in ("failed", "error")), None)
        summary[layer] = {"outcome": worst, "first_failure": first_bad, "checks": len(mine)}
    return summary


def write_results(path: Path, findings: list[dict], machine_meta: dict) -> dict:
    document = {
        "format": RESULTS_FORMAT,
        "tool_version": __version__,
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine_meta,
        "verdict": verdict(findings),
        "counts": counts(findings),
        "layers": layer_summary(findings),
        "checks": findings,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return document


def refresh_latest(run_directory: Path) -> Path:
    """reports/latest/ becomes a copy of this run's folder (a copy: symlinks break in zips and on Windows)."""
    latest = run_directory.parent / "latest"
    if latest.is_symlink() or latest.is_file():
        latest.unlink()
    elif latest.exists():
        shutil.rmtree(latest)
    shutil.copytree(run_directory, latest)
    return latest
