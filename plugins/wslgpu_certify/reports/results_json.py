"""results.json: one document per machine and run (format documented in docs/results.md)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from .. import __version__
from .summary import RunSummary

RESULTS_FORMAT = "wslgpu-certify-results/2"


def machine_meta(machine, snapshot: str | None) -> dict:
    """The machine part of results.json: who was certified, how, and how many commands each host ran."""
    return {
        "hostname": machine.hostname,
        "env": "replay" if machine.replay else machine.env,
        "machine_env": machine.env,
        "profile": machine.profile.get("name"),
        "snapshot": snapshot,
        "distro": machine.distro,
        "user": machine.user,
        # per host role: commands executed (each distinct command once; memoized after that)
        "commands_run": {role: runner.executed for role, runner in machine.runners.items()},
    }


def write_results(path: Path, summary: RunSummary, machine: dict) -> dict:
    document = {
        "format": RESULTS_FORMAT,
        "tool_version": __version__,
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine,
        "complete": summary.complete,
        "verdict": summary.verdict,
        "headline": summary.headline,
        "scope": summary.scope or "machine",
        "coverage": summary.coverage_json(),
        "counts": summary.counts,
        "layers": {layer: state.to_json() for layer, state in summary.layers.items()},
        "checks": [f.to_json() for f in summary.findings],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return document
