"""The verdict section at the end of pytest's terminal output, and the text of the reports pytest prints.

Both are doors to the terminal: a hostname, a reason, a fix filled with machine values, pasted into a line
here, is shown with its control characters visible (terminal_text.py), before pytest adds its colours.
"""

from __future__ import annotations

from ..terminal_text import clip, for_terminal
from .summary import RunSummary


class _Lines:
    """The terminal reporter's section/line, with the text made printable first (the markup is pytest's)."""

    def __init__(self, tr):
        self.tr = tr

    def section(self, title: str, **markup) -> None:
        self.tr.section(for_terminal(title, one_line=True), **markup)

    def line(self, text: str, **markup) -> None:
        self.tr.line(for_terminal(text), **markup)


def make_printable(report) -> None:
    """The text a check's report hands pytest's terminal (its failure, its skip reason, an advisory's
    reason), with control characters shown. The finding itself (results.json, the HTML report) keeps the
    exact text; junit.xml, which gets this same text, could not hold most of them anyway (XML 1.0)."""
    longrepr = report.longrepr
    if isinstance(longrepr, str):
        report.longrepr = for_terminal(longrepr)
    elif isinstance(longrepr, tuple) and len(longrepr) == 3:  # a skip: (path, line, reason)
        report.longrepr = (longrepr[0], longrepr[1], for_terminal(longrepr[2]))
    elif longrepr is not None:  # a traceback (a check that broke): its message may quote machine output
        chain = getattr(longrepr, "chain", None) or [(getattr(longrepr, "reprtraceback", None),
                                                        getattr(longrepr, "reprcrash", None), None)]
        for repr_traceback, repr_crash, _ in chain:
            for entry in getattr(repr_traceback, "reprentries", ()):
                if isinstance(getattr(entry, "lines", None), list):
                    entry.lines[:] = [for_terminal(line) for line in entry.lines]
            if repr_crash is not None:
                repr_crash.message = for_terminal(repr_crash.message)
    if isinstance(getattr(report, "wasxfail", None), str):
        report.wasxfail = for_terminal(report.wasxfail)
    report.sections = [(for_terminal(title), for_terminal(text)) for title, text in report.sections]


def write_verdict(tr, summary: RunSummary, machine, snapshot: str | None, report_path) -> None:
    tr = _Lines(tr)
    tr.section(f"wslgpu-certify: {summary.headline}", sep="=", bold=True,
               green=summary.certified, red=summary.verdict == "NOT CERTIFIED", yellow=summary.verdict == "PARTIAL")
    source = f"snapshot {snapshot}" if machine.replay else f"env {machine.env}"
    tr.line(f"{machine.hostname} ({source}, profile {machine.profile.get('name')}): {summary.tally_text()}")
    for layer, state in summary.layers.items():
        if state.state != "not_selected" or summary.scope:
            tr.line(f"  {layer:<8} {state.words}", red=state.state == "failed", green=state.state == "passed")
    for f in summary.failures:
        tr.line(f"  FAIL {f.id}: {clip(f.message, 160)}", red=True)
        if f.leading_cause is not None:
            tr.line(f"       known cause ({f.leading_cause.id}): {clip(f.leading_cause.cause, 160)}")
        if f.first_step:  # Finding decides the step; a command is never cut
            tr.line(f"       {f.first_step_line}")
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
    tr = _Lines(tr)
    tr.section(f"wslgpu-certify: {certified} of {len(runs)} machines CERTIFIED", sep="=", bold=True,
               green=certified == len(runs), red=certified < len(runs))
    for machine, summary, folder in runs:
        tr.line(f"{machine.machine_id}: {summary.headline} ({summary.tally_text()}) -> {folder}",
                green=summary.certified, red=summary.verdict == "NOT CERTIFIED", yellow=summary.verdict == "PARTIAL")
