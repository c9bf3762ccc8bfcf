"""pytest-html additions: the verdict in the title, the stack picture, check columns, fixes.

Reads the same findings as results.json; nothing here knows about any particular check.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

from .findings import LAYERS
from .results import counts, layer_summary, verdict

COLOURS = {"passed": "#2e7d32", "failed": "#c62828", "error": "#6a1b9a", "warning": "#ef6c00",
           "skipped": "#757575", "absent": "#bdbdbd"}
# Figures published by checks that belong in the Environment table, with their labels.
ENVIRONMENT_FIGURES = {"windows_build": "Windows build", "kernel": "WSL kernel", "driver": "NVIDIA driver",
                       "cuda": "CUDA", "gpu": "GPU", "docker": "Docker", "nvidia-container-toolkit": "NVIDIA Container Toolkit",
                       "nbody_gflops": "nbody GFLOP/s"}


def stack_picture(findings: list[dict]) -> str:
    """The seven layers bottom to top, each coloured by its worst outcome, naming its first failure."""
    rows = []
    for layer, info in reversed(list(layer_summary(findings).items())):
        colour = COLOURS.get(info["outcome"], COLOURS["absent"])
        cause = f" &mdash; first failure: <code>{html.escape(info['first_failure'])}</code>" if info["first_failure"] else ""
        rows.append(f'<div class="wslgpu-layer" data-layer="{layer}" data-outcome="{info["outcome"]}" '
                    f'style="background:{colour};color:#fff;margin:2px 0;padding:6px 10px;border-radius:4px">'
                    f'<b>{layer}</b> &middot; {info["outcome"]} ({info["checks"]} checks){cause}</div>')
    return '<div id="wslgpu-stack" style="max-width:760px">' + "".join(rows) + "</div>"


def remediation_html(finding: dict) -> str:
    rem = finding.get("remediation") or {}
    parts = [f'<div class="wslgpu-remediation"><p><b>{html.escape(finding["id"])}</b>: {html.escape(finding["message"])}</p>']
    if rem:
        parts.append(f'<p><b>Why it matters:</b> {html.escape(rem["why"])}</p>')
        if rem.get("commands"):
            where = f' ({html.escape(rem["where"])})' if rem.get("where") else ""
            parts.append(f"<p><b>Fix{where}:</b></p><pre class=\"wslgpu-fix\" style=\"white-space:pre-wrap;overflow-wrap:anywhere\">"
                         + html.escape("\n".join(rem["commands"])) + "</pre>")
        parts += [f'<p>See <a href="{html.escape(link)}">{html.escape(link)}</a></p>' for link in rem.get("links", [])]
    for ev in finding.get("evidence", []):
        parts.append(f"<p><b>Evidence</b> ({html.escape(ev['role'])}): <code>{html.escape(ev['command'])}</code> "
                     f"exited {ev['exit_status']}</p><pre>{html.escape(ev['excerpt'])}</pre>")
    return "".join(parts) + "</div>"


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
        findings = self.state.findings
        machine = self.state.machine
        result = verdict(findings)
        tally = ", ".join(f"{n} {k}" for k, n in counts(findings).items() if n)
        env = "replay" if machine.replay else machine.env
        if self.report is not None:
            self.report.title = f"{machine.hostname}: {result} (env {env}, profile {machine.profile.get('name')})"
            self._environment(findings)
        colour = COLOURS["passed"] if result == "CERTIFIED" else COLOURS["failed"]
        prefix.append(f'<h2 id="wslgpu-verdict" style="color:{colour}">{result}</h2><p>{html.escape(tally)}</p>')
        prefix.append(stack_picture(findings))

    def _environment(self, findings: list[dict]) -> None:
        environment = dict(self.report.data.get("environment", {}) if hasattr(self.report, "data") else {})
        figures: dict[str, str] = {}
        for finding in findings:  # lowest layer first: the gpu layer's GPU, not what a container saw
            for key, value in finding.get("figures", {}).items():
                figures.setdefault(key, str(value))
        environment.update({label: figures[key] for key, label in ENVIRONMENT_FIGURES.items() if key in figures})
        self.report.set_data("environment", environment)

    def pytest_html_results_table_header(self, cells):
        cells.insert(1, '<th class="sortable" data-column-type="check">Check</th>')
        cells.insert(2, '<th class="sortable" data-column-type="layer">Layer</th>')
        cells.insert(3, "<th>Fix</th>")

    def pytest_html_results_table_row(self, report, cells):
        finding = getattr(report, "wslgpu_finding", None) or {}
        fix = ((finding.get("remediation") or {}).get("commands") or [""])[0]
        cells.insert(1, f'<td class="col-check">{html.escape(finding.get("id", ""))}</td>')
        cells.insert(2, f'<td class="col-layer">{html.escape(finding.get("layer", ""))}</td>')
        cells.insert(3, f"<td><code>{html.escape(fix)}</code></td>")


def extras_for(finding: dict, run_directory: Path | None) -> list:
    """pytest-html extras for one finding: full remediation, inline PNG evidence, the nbody chart."""
    from pytest_html import extras

    items = []
    if finding["outcome"] in ("failed", "error", "warning"):
        items.append(extras.html(remediation_html(finding)))
    figures = finding.get("figures", {})
    if {"nbody_gflops", "nbody_baseline_gflops", "nbody_tolerance"} <= set(figures):
        items.append(extras.html(nbody_chart(figures)))
    png = figures.get("png")
    if png and run_directory is not None and (run_directory / png).is_file():
        items.append(extras.png(base64.b64encode((run_directory / png).read_bytes()).decode(), name=png))
    return items
