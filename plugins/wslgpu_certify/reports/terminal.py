"""The verdict section at the end of pytest's terminal output, and the text of the reports pytest prints.

Both are doors to the terminal: a hostname, a reason, a fix filled with machine values, pasted into a line
here, is shown with its control characters visible (terminal_text.py), before pytest adds its colours.

pytest speaks the suite's six outcomes (reports/suite_outcomes.py) here too: each check's status word
(`-v`: BLOCKED, NOT APPLICABLE, ...) and the last line's counts, which agree with the verdict's. A check's
failure is told once, in the verdict section: pytest's FAILURES section gives it one line pointing there
(junit.xml still gets the whole text); a check that broke keeps its traceback there.
"""

from __future__ import annotations

import pytest

from ..terminal_text import clip, for_terminal
from .suite_outcomes import COUNT_ORDER, SHOWN, shown_name
from .summary import RunSummary

# pytest_report_teststatus's (category, letter, word) per shown outcome; the category is what the last line counts.
STATUS = {"passed": ("passed", ".", "PASSED"), "failed": ("failed", "F", "FAILED"), "warning": ("warning", "w", "WARNING"),
          "blocked": ("blocked", "b", "BLOCKED"), "not_run": ("not run", "n", "NOT RUN"),
          "not_applicable": ("not applicable", "-", "NOT APPLICABLE")}
COLOURS = {"passed": "green", "failed": "red", "warning": "yellow", "blocked": "yellow", "not run": "yellow",
           "not applicable": "cyan"}
LABEL_ORDER = [SHOWN[name].label for name in COUNT_ORDER]


def teststatus(report):
    """A check's report in the suite's outcomes (None for anything else: pytest's own words)."""
    data = getattr(report, "wslgpu_finding", None)
    if data is None or report.when == "teardown":
        return None
    return STATUS[shown_name(data.get("outcome", ""), data.get("blocked_by"))]


class ToldInVerdict:
    """A check failure's longrepr: its whole text for junit.xml (str), one line for pytest's FAILURES section."""

    def __init__(self, text: str, check_id: str):
        self.text, self.check_id = text, check_id

    def __str__(self) -> str:
        return self.text

    def toterminal(self, out) -> None:  # pytest-html's log; the terminal's FAILURES section leaves it out
        out.line(for_terminal(f"{self.check_id} failed: its cause and first fix step are in the wslgpu-certify "
                              f"verdict; every step and the evidence in report.html", one_line=True))


def tell_once(report) -> None:
    """A check failure's text (a string: set by the plugin, or sent by an xdist worker) told in the verdict only."""
    data = getattr(report, "wslgpu_finding", None)
    if data and data.get("outcome") == "failed" and report.failed and isinstance(report.longrepr, str):
        report.longrepr = ToldInVerdict(report.longrepr, data.get("id", "?"))


class SuiteOutcomesOnTerminal:
    """Registered in the controller: pytest's terminal speaks the suite's outcomes, and tells a failure once."""

    @pytest.hookimpl(tryfirst=True)
    def pytest_report_teststatus(self, report):
        return teststatus(report)

    @pytest.hookimpl(tryfirst=True)  # before junitxml and the terminal read it
    def pytest_runtest_logreport(self, report) -> None:
        tell_once(report)

    def pytest_sessionstart(self, session) -> None:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            speak_suite_outcomes(reporter)


def speak_suite_outcomes(reporter) -> None:
    """Installed on pytest's terminal reporter at the session's start: a check's failure is told once, in the
    verdict section (pytest's FAILURES section and short summary leave it out; a check that broke, or a test of
    the user's own, stays in them); the last line counts the suite's outcomes, in their order and colours."""
    for name in ("summary_failures", "short_test_summary"):
        setattr(reporter, name, _without_told(reporter, getattr(reporter, name)))
    reporter.build_summary_stats_line = _in_suite_outcomes(reporter, reporter.build_summary_stats_line)


def _without_told(reporter, section):
    def shown() -> None:
        failed = reporter.stats.get("failed")
        if failed:
            reporter.stats["failed"] = [r for r in failed if not isinstance(r.longrepr, ToldInVerdict)]
        try:
            section()
        finally:
            if failed:
                reporter.stats["failed"] = failed
    return shown


def _in_suite_outcomes(reporter, build):
    """`2 failed, 30 passed, 1 warning, 30 blocked`: `1 warning`, `2 warnings`; green when nothing is amiss."""
    order = {label: i for i, label in enumerate(LABEL_ORDER)}

    def ours():
        parts, main = build()
        parts = sorted(parts, key=lambda part: order.get(part[0].split(" ", 1)[-1], len(order)))
        if main != "red":
            main = "yellow" if any(k in reporter.stats for k in ("blocked", "not run")) else main
            main = "green" if main == "yellow" and set(reporter.stats) <= {"passed", "warning", "not applicable", ""} else main
        shown = []
        for text, markup in parts:
            count, _, noun = text.partition(" ")
            if noun == "warning" and count != "1":
                text = f"{count} warnings"
            colour = COLOURS.get(noun, next((k for k in markup if k != "bold"), main))
            shown.append((text, {colour: True, "bold": colour == main}))
        return shown, main
    return ours


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


def _step(finding) -> str:
    """`fix in the distro (bash): sudo service docker start`: the first step (Finding.first_step decides it), what it
    is (a fix, or a look) and where it runs; a command is never cut."""
    return finding.first_step_line if finding.first_step is not None and finding.first_step.text else ""


def _findings(tr, summary: RunSummary, quiet: bool, indent: str = "  ") -> None:
    """Each failure (root cause first) with its cause and first fix step, each warning named; `quiet`: a line each."""
    pad = indent + "     "
    for f in summary.failures:
        if quiet:
            tr.line(f"{indent}FAIL {f.id}: {_step(f) or clip(f.message, 160)}", red=True)
            continue
        tr.line(f"{indent}FAIL {f.id}: {clip(f.message, 160)}", red=True)
        if f.leading_cause is not None:
            tr.line(f"{pad}known cause ({f.leading_cause.id}): {clip(f.leading_cause.cause, 160)}")
        if _step(f):
            tr.line(f"{pad}{_step(f)}")
    for f in summary.warnings:
        if quiet:
            tr.line(f"{indent}WARN {f.id}: {_step(f) or clip(f.message, 160)}", yellow=True)
            continue
        tr.line(f"{indent}WARN {f.id} (advisory, does not block certification): {clip(f.message, 160)}", yellow=True)
        if _step(f):
            tr.line(f"{pad}{_step(f)}")


def write_verdict(tr, summary: RunSummary, machine, snapshot: str | None, report_path) -> None:
    """The verdict; each failure with its cause and first fix step, each warning named. `-q`: the headline and
    a line per failure and warning with its first fix step."""
    quiet = getattr(tr.config.option, "verbose", 0) < 0
    tr = _Lines(tr)
    tr.section(f"wslgpu-certify: {summary.headline}", sep="=", bold=True,
               green=summary.certified, red=summary.verdict == "NOT CERTIFIED", yellow=summary.verdict == "PARTIAL")
    choice = machine.profile_choice  # which profile and why (profile_choice.py), first: it frames every line below
    if choice is not None:
        tr.line(f"profile {choice.name}: {choice.reason}")
        if choice.warning:
            tr.line(f"warning: {choice.warning}", yellow=True)
    source = f"snapshot {snapshot}" if machine.replay else f"env {machine.env}"
    if quiet:
        _findings(tr, summary, quiet, indent="")
        tr.line(f"report: {report_path}")
        return
    tr.line(f"{machine.hostname} ({source}, profile {machine.profile.get('name')}): {summary.tally_text()}")
    for layer, state in summary.layers.items():
        if state.state != "not_selected" or summary.scope:
            tr.line(f"  {layer:<8} {state.words}", red=state.state == "failed", green=state.state == "passed")
    _findings(tr, summary, quiet)
    if summary.not_run:
        shown = ", ".join(p.id for p in summary.not_run[:8])
        more = f" and {len(summary.not_run) - 8} more" if len(summary.not_run) > 8 else ""
        tr.line(f"  NOT RUN ({len(summary.not_run)}): {shown}{more}", yellow=True)
    tr.line(f"report: {report_path}" + (" (every fix step, the evidence)" if summary.failures or summary.warnings else ""))
    if not machine.replay and not machine.is_wsl:
        tr.line("Windows/WSL layers do not apply (not a WSL machine). To see a full run: "
                "wslgpu-certify --snapshot documented-healthy")


def write_fleet_verdicts(tr, runs: list) -> None:
    """Several machines in one run: a line per machine (its verdict and folder), each one's failures and warnings
    under it (the only place the terminal tells them), then how many were certified."""
    quiet = getattr(tr.config.option, "verbose", 0) < 0
    certified = sum(summary.certified for _, summary, _ in runs)
    tr = _Lines(tr)
    tr.section(f"wslgpu-certify: {certified} of {len(runs)} machines CERTIFIED", sep="=", bold=True,
               green=certified == len(runs), red=certified < len(runs))
    for machine, summary, folder in runs:
        tr.line(f"{machine.machine_id}: {summary.headline} ({summary.tally_text()}) -> {folder}",
                green=summary.certified, red=summary.verdict == "NOT CERTIFIED", yellow=summary.verdict == "PARTIAL")
        _findings(tr, summary, quiet)
