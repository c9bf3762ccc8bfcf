"""The verdict section at the end of pytest's terminal output."""

from __future__ import annotations

from .summary import RunSummary


def write_verdict(tr, summary: RunSummary, machine, snapshot: str | None, report_path) -> None:
    tr.section(f"wslgpu-certify: {summary.headline}", sep="=", bold=True,
               green=summary.certified, red=summary.verdict == "NOT CERTIFIED", yellow=summary.verdict == "PARTIAL")
    source = f"snapshot {snapshot}" if machine.replay else f"env {machine.env}"
    tr.line(f"{machine.hostname} ({source}, profile {machine.profile.get('name')}): {summary.tally_text()}")
    for layer, state in summary.layers.items():
        if state.state != "not_selected" or summary.scope:
            tr.line(f"  {layer:<8} {state.words}", red=state.state == "failed", green=state.state == "passed")
    for f in summary.failures:
        tr.line(f"  FAIL {f.id}: {f.message[:160]}", red=True)
        if f.leading_cause is not None:
            tr.line(f"       known cause ({f.leading_cause.id}): {f.leading_cause.cause[:160]}")
        if f.first_fix:
            tr.line(f"       fix: {f.first_fix}")
    if summary.not_run:
        shown = ", ".join(p.id for p in summary.not_run[:8])
        more = f" and {len(summary.not_run) - 8} more" if len(summary.not_run) > 8 else ""
        tr.line(f"  NOT RUN ({len(summary.not_run)}): {shown}{more}", yellow=True)
    tr.line(f"report: {report_path}")
    if not machine.replay and not machine.is_wsl:
        tr.line("Windows/WSL layers do not apply (not a WSL machine). To see a full run: "
                "pytest --env=replay --snapshot fixtures/snapshots/documented-healthy.json")


def write_fleet_verdicts(tr, runs: list) -> None:
    """Several machines in one run: a line per machine (its verdict and folder), then how many were certified."""
    certified = sum(summary.certified for _, summary, _ in runs)
    tr.section(f"wslgpu-certify: {certified} of {len(runs)} machines CERTIFIED", sep="=", bold=True,
               green=certified == len(runs), red=certified < len(runs))
    for machine, summary, folder in runs:
        tr.line(f"{machine.machine_id}: {summary.headline} ({summary.tally_text()}) -> {folder}",
                green=summary.certified, red=summary.verdict == "NOT CERTIFIED", yellow=summary.verdict == "PARTIAL")
