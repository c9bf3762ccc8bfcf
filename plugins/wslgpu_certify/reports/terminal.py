"""The verdict section at the end of pytest's terminal output."""

from __future__ import annotations

from .summary import RunSummary


def write_verdict(tr, summary: RunSummary, machine, snapshot: str | None, report_path) -> None:
    tr.section(f"wslgpu-certify: {summary.verdict}", sep="=", bold=True,
               green=summary.certified, red=not summary.certified)
    source = f"snapshot {snapshot}" if machine.replay else f"env {machine.env}"
    tr.line(f"{machine.hostname} ({source}, profile {machine.profile.get('name')}): {summary.tally_text()}")
    for f in summary.failures:
        tr.line(f"  FAIL {f.id}: {f.message[:160]}", red=True)
        if f.first_fix:
            tr.line(f"       fix: {f.first_fix}")
    tr.line(f"report: {report_path}")
    if not machine.replay and not machine.is_wsl:
        tr.line("Windows/WSL layers were skipped (not a WSL machine). To see a full run: "
                "pytest --env=replay --snapshot fixtures/snapshots/documented-healthy.json")
