"""pytest-html additions: the verdict in the title, the stack picture, check columns, fixes.

Reads the same findings and summary as results.json; nothing here knows about any particular check.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

from ..findings import Finding
from .summary import LAYER_STATES, VERDICT_COLOURS, RunSummary

# Figures published by checks that belong in the Environment table, with their labels.
ENVIRONMENT_FIGURES = {"windows_build": "Windows build", "kernel": "WSL kernel", "driver": "NVIDIA driver",
                       "cuda": "CUDA", "gpu": "GPU", "docker": "Docker", "nvidia-container-toolkit": "NVIDIA Container Toolkit",
                       "nbody_gflops": "nbody GFLOP/s"}


def environment_text(value):
    """A value of the Environment table as text: pytest-html's app.js inserts each value (and each key and value
    of a dict) with innerHTML, so a hostname, distro, GPU name or version from the machine would be markup.
    The row's own key is set as textContent there, and stays as it is."""
    if isinstance(value, dict):
        return {html.escape(str(k)): environment_text(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [environment_text(v) for v in value]
    return value if value is None or isinstance(value, (bool, int, float)) else html.escape(str(value))


def stack_picture(summary: RunSummary) -> str:
    """The seven layers bottom to top, each coloured and worded by its state, naming its root cause."""
    rows = []
    for layer, info in reversed(list(summary.layers.items())):
        kind = LAYER_STATES[info.state]
        rows.append(f'<div class="wslgpu-layer" data-layer="{layer}" data-state="{info.state}" title="{html.escape(kind.meaning)}" '
                    f'style="background:{kind.colour};color:#fff;margin:2px 0;padding:6px 10px;border-radius:4px">'
                    f'<b>{layer}</b> &middot; {html.escape(info.words)}</div>')
    return '<div id="wslgpu-stack" style="max-width:760px">' + "".join(rows) + "</div>"


def nbody_chart(figures: dict) -> str:
    """A small bar chart of measured GFLOP/s against the baseline and the tolerance floor."""
    measured, baseline, tolerance = figures["nbody_gflops"], figures["nbody_baseline_gflops"], figures["nbody_tolerance"]
    top = max(measured, baseline) * 1.1
    floor = baseline * (1 - tolerance)
    bar = lambda label, value, colour: (  # noqa: E731
        f'<div style="margin:2px 0"><span style="display:inline-block;width:90px">{label}</span>'
        f'<span style="display:inline-block;background:{colour};width:{300 * value / top:.0f}px">&nbsp;</span> {value:.1f}</div>')
    return ('<div class="wslgpu-nbody">' + bar("measured", measured, "#1565c0") + bar("baseline", baseline, "#9e9e9e")
            + bar(f"floor (-{tolerance:.0%})", floor, "#e0e0e0") + "</div>")


class HtmlReport:
    """Registered as a plugin only when pytest-html is present."""

    def __init__(self, state):
        self.state = state
        self.report = None

    def pytest_html_report_title(self, report):
        self.report = report
        report.title = f"wslgpu-certify: {self.state.machine.hostname}"

    def pytest_html_results_summary(self, prefix, summary, postfix, session):
        run = self.state.summary()
        machine = self.state.machine
        env = "replay" if machine.replay else machine.env
        if self.report is not None:
            self.report.title = f"{machine.hostname}: {run.verdict} (env {env}, profile {machine.profile.get('name')})"
            self._environment(run)
        prefix.append(f'<h2 id="wslgpu-verdict" style="color:{VERDICT_COLOURS[run.verdict]}">{run.verdict}</h2>'
                      f'<p id="wslgpu-headline">{html.escape(run.headline)}</p><p>{html.escape(run.tally_text())}</p>'
                      + _profile_lines(machine.profile_choice))
        prefix.append(stack_picture(run))

    def _environment(self, run: RunSummary) -> None:
        """The certified machine's facts first; on a replay, this host's (pytest-metadata's) labelled as the replayer."""
        here = dict(self.report.data.get("environment", {}) if hasattr(self.report, "data") else {})
        machine = self.state.machine
        figures = run.figures()
        environment = {"Machine": machine.hostname, **({"Distro": machine.distro} if machine.distro else {})}
        if machine.replay:
            recorded = machine.snapshot.metadata
            environment["Recorded"] = " ".join(str(recorded.get(k, "")) for k in ("recorded_at", "env")).strip() or "?"
        environment.update({label: str(figures[key]) for key, label in ENVIRONMENT_FIGURES.items() if key in figures})
        prefix = "Replayed on: " if machine.replay else ""
        environment.update({f"{prefix}{key}": value for key, value in here.items()})
        self.report.set_data("environment", {key: environment_text(value) for key, value in environment.items()})

    def pytest_html_results_table_html(self, report, data):
        """A check's row log says what it concluded in words: no raw skip tuple (with local paths), and the
        failure's fix once (in the extras below it), not again in pytest's failure text."""
        finding_data = getattr(report, "wslgpu_finding", None)
        if not finding_data:
            return
        finding = Finding.from_json(finding_data)
        words = {"skipped": "Did not run", "not_applicable": "Not applicable", "passed": "Passed"}
        label = words.get(finding.outcome, finding.outcome.capitalize())
        data[:] = [html.escape(f"{label}: {finding.message}" if finding.message else label)]

    def pytest_html_results_table_header(self, cells):
        cells.insert(1, '<th class="sortable" data-column-type="check">Check</th>')
        cells.insert(2, '<th class="sortable" data-column-type="layer">Layer</th>')
        cells.insert(3, "<th>Fix</th>")

    def pytest_html_results_table_row(self, report, cells):
        # pytest-html puts the node id in raw; under --snapshot FOLDER it can hold the folder's path (a received
        # artifact's name, say), and app.js inserts the cell with innerHTML
        test_id = re.fullmatch(r'<td class="col-testId">(.*)</td>', cells[1], re.S) if len(cells) > 1 else None
        if test_id:
            cells[1] = f'<td class="col-testId">{html.escape(test_id[1])}</td>'
        data = getattr(report, "wslgpu_finding", None)
        finding = Finding.from_json(data) if data else None
        cells.insert(1, f'<td class="col-check">{html.escape(finding.id if finding else "")}</td>')
        cells.insert(2, f'<td class="col-layer">{html.escape(finding.layer if finding else "")}</td>')
        step = finding.first_step if finding else None  # Finding decides it; the terminal and JUnit show the same
        where = html.escape(f"{step.label} {step.where}: ") if step else ""
        fix = html.escape(step.text if step else "")
        cells.insert(3, f'<td>{where}<code style="color:#212121">{fix}</code></td>')  # pytest-html's cells are #999


def extras_for(finding: Finding, run_directory: Path | None) -> list:
    """pytest-html extras for one finding: full remediation, inline PNG evidence, the nbody chart."""
    from pytest_html import extras

    items = []
    if finding.outcome in ("failed", "error", "warning") or finding.known_causes:
        items.append(extras.html(finding.to_html()))
    figures = finding.figures
    if {"nbody_gflops", "nbody_baseline_gflops", "nbody_tolerance"} <= set(figures):
        items.append(extras.html(nbody_chart(figures)))
    png = figures.get("png")
    if png and run_directory is not None and (run_directory / png).is_file():
        items.append(extras.png(base64.b64encode((run_directory / png).read_bytes()).decode(), name=png))
    return items


def _profile_lines(choice) -> str:
    """Which profile the run was judged under and why (profile_choice.py); its warning when it contradicts the machine."""
    if choice is None:
        return ""
    lines = f'<p id="wslgpu-profile">profile {html.escape(choice.name)}: {html.escape(choice.reason)}</p>'
    if choice.warning:
        lines += f'<p id="wslgpu-profile-warning">warning: {html.escape(choice.warning)}</p>'
    return lines
