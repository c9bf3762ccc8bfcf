"""results.json: one document per machine and run (docs/results.md; its format constants: results_format.py)."""

from __future__ import annotations

from pathlib import Path

from .. import __version__
from ..results_format import RESULTS_FORMAT, write_results_file
from .envelope import RunEnvelope, facts
from .summary import RunSummary


def machine_meta(machine, snapshot: str | None) -> dict:
    """The machine part of results.json: who was certified, how, and how many commands each host ran."""
    return {
        "hostname": machine.hostname,
        "env": "replay" if machine.replay else machine.env,
        "machine_env": machine.env,
        "profile": machine.profile.get("name"),
        "snapshot": snapshot,
        "recorded_at": machine.snapshot.metadata.get("recorded_at") if machine.replay else None,  # when it was recorded
        "distro": machine.distro,
        "user": machine.user,
        # per host role: commands executed (each distinct command once; memoized after that)
        "commands_run": {role: runner.executed for role, runner in machine.runners.items()},
    }


def write_results(path: Path, summary: RunSummary, machine: dict, run: RunEnvelope, profile: dict | None = None) -> dict:
    """The document, written atomically: a reader (a fleet collector, a killed run's folder) sees the
    previous version or this one, never half of it."""
    document = {
        "format": RESULTS_FORMAT,
        "tool_version": __version__,
        "finished_at": run.finished_at,
        "run": run.to_json(),
        "machine": machine,
        "profile": profile,  # which profile and why: {name, reason, chosen_by, warning} (profile_choice.py)
        "facts": facts(summary.figures()),
        "complete": summary.complete and run.complete,
        "verdict": summary.verdict,
        "headline": summary.headline,
        "scope": summary.scope or "machine",
        "coverage": summary.coverage_json(),
        "counts": summary.counts,
        "layers": {layer: state.to_json() for layer, state in summary.layers.items()},
        "checks": [f.to_json() for f in summary.findings],
    }
    write_results_file(path, document)
    return document


def write_run_results(run, summary: RunSummary) -> Path:
    """One machine's results.json (`run`: its session.RunState); an OSError (a full disk, a folder made
    read-only under us) goes to the caller, which says it in one line."""
    path = run.run_directory / "results.json"
    choice = run.machine.profile_choice
    write_results(path, summary, machine_meta(run.machine, run.machine.snapshot_path), run.envelope,
                  choice.to_json() if choice is not None else None)
    return path
