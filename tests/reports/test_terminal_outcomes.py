"""The terminal in the suite's own words: each failure told once, the last line's counts the verdict's, the
warning named on a CERTIFIED run, `-q` a line per failure with its first fix step, singular and plural right."""

from __future__ import annotations

import re

import pytest

from suite_run import SNAPSHOTS
from wslgpu_certify.findings import Finding
from wslgpu_certify.reports.suite_outcomes import counts_text, plural, suite_counts
from wslgpu_certify.reports.summary import LayerState, PlannedCheck, RunSummary
from wslgpu_certify.terminal_text import clip

PYTEST_COUNTS = re.compile(r"\d+ (skipped|xfailed|xpassed|deselected)\b")


def _last_line(output: str) -> str:
    return output.rstrip().splitlines()[-1].strip("= ")


def _counts(results: dict) -> str:
    """The six outcomes' counts as results.json's checks give them (reports/suite_outcomes.py)."""
    return counts_text(suite_counts([Finding.from_json(c) for c in results["checks"]], len(results["coverage"]["not_run"])))


def test_a_broken_machine_quietly_each_failure_once_with_its_first_step(certify):
    run = certify("--snapshot", str(SNAPSHOTS / "broken-current-systemd-off.json"), "--cert-profile", "current", "-q")
    results = run.results
    failed = [Finding.from_json(c) for c in results["checks"] if c["outcome"] == "failed"]
    assert len(failed) == 2 and run.returncode == 1, run.output[-2000:]
    # -q: the verdict, then one line per failure (and the warning) with its first fix step and its shell
    verdict = run.output[run.output.index("wslgpu-certify: NOT CERTIFIED"):].splitlines()
    assert verdict[1] == "profile current: --cert-profile current, as asked", verdict  # which profile, and why
    del verdict[1]
    for line, finding in zip(verdict[1:], failed):
        assert line == f"FAIL {finding.id}: fix in the distro (bash): {finding.first_step.text}", verdict
    assert verdict[3].startswith("WARN wsl.driver.libcuda_unversioned: fix in the distro (bash): "), verdict
    # each failure told once: no FAILURES section, no short summary line for it, its message nowhere else
    assert "= FAILURES =" not in run.output and "short test summary" not in run.output
    for finding in failed:
        assert run.output.count(finding.id) == 1, (finding.id, run.output[-3000:])
    # the last line: the verdict's counts, in the suite's outcomes
    assert _last_line(run.output).split(" in ")[0] == _counts(results) == \
        "30 passed, 2 failed, 1 warning, 30 blocked, 14 not applicable"
    assert not PYTEST_COUNTS.search(run.output), PYTEST_COUNTS.search(run.output)


def test_a_certified_machine_names_its_warning_and_counts_like_the_verdict(certify):
    run = certify("--snapshot", str(SNAPSHOTS / "current-healthy.json"), "--cert-profile", "current", "-v")
    assert run.returncode == 0 and "wslgpu-certify: CERTIFIED" in run.output, run.output[-2000:]
    warning = Finding.from_json(run.check("wsl.driver.libcuda_unversioned"))
    assert warning.outcome == "warning"
    assert f"  WARN {warning.id} (advisory, does not block certification): {clip(warning.message, 160)}" in run.output
    assert f"       fix in the distro (bash): {warning.first_step.text}" in run.output
    tally = _counts(run.results)
    assert tally == "64 passed, 1 warning, 12 not applicable"
    assert f"modern-workstation (snapshot {SNAPSHOTS / 'current-healthy.json'}, profile current): {tally}" in run.output
    assert _last_line(run.output).split(" in ")[0] == tally
    # -v: each check's status word is one of the suite's
    words = set(re.findall(r" (PASSED|FAILED|WARNING|BLOCKED|NOT RUN|NOT APPLICABLE|SKIPPED|XFAIL|XPASS)\b", run.output))
    assert words == {"PASSED", "WARNING", "NOT APPLICABLE"}, words


@pytest.mark.parametrize("n, words", [(0, "0 applicable checks"), (1, "1 applicable check"), (2, "2 applicable checks")])
def test_singular_and_plural(n, words):
    assert plural(n, "applicable check") == words
    assert LayerState("passed", None, None, False, n, n, n).words == f"passed: {n} of {words}"


def test_a_partial_runs_headline_and_tally_are_in_the_suites_words():
    passed = Finding("windows.build", "windows", "Windows build", "passed")
    unrecorded = Finding("windows.wsl", "windows", "WSL", "skipped", "not recorded in this snapshot")
    blocked = Finding("wsl.kernel", "wsl", "kernel", "skipped", "depends on windows.wsl", blocked_by="windows.wsl")
    summary = RunSummary([passed, unrecorded, blocked], [PlannedCheck("gpu.x", "gpu", "x")])
    assert summary.headline == "PARTIAL: 1 of 4 applicable checks ran; not a certification"
    assert summary.tally_text() == "1 passed, 1 blocked, 2 not run"
    assert RunSummary([], [PlannedCheck("gpu.x", "gpu", "x")]).headline == \
        "PARTIAL: 0 of 1 applicable check ran; not a certification"


class _Report:
    """What pytest's terminal reporter keeps of a check's failure: xdist delivers its longrepr as text."""

    when, failed = "call", True

    def __init__(self, check_id: str, text: str, outcome: str = "failed"):
        self.longrepr = text
        self.wslgpu_finding = {"id": check_id, "outcome": outcome, "blocked_by": None}


def test_a_failure_is_told_once_also_when_a_worker_sends_it_as_text():
    from types import SimpleNamespace

    from wslgpu_certify.reports.terminal import ToldInVerdict, speak_suite_outcomes, teststatus, tell_once

    check, other = _Report("docker.x", "docker.x: broke\n\nWhy it matters: ...\x1b[2J"), _Report("y", "AssertionError")
    other.wslgpu_finding = None  # a test of the user's own
    for report in (check, other):
        tell_once(report)
    assert isinstance(check.longrepr, ToldInVerdict) and str(check.longrepr).startswith("docker.x: broke\n\nWhy")
    assert other.longrepr == "AssertionError"  # junit.xml still gets the whole text; the user's own stays pytest's
    lines = []
    check.longrepr.toterminal(SimpleNamespace(line=lines.append))
    assert lines == ["docker.x failed: its cause and first fix step are in the wslgpu-certify verdict; every step and "
                     "the evidence in report.html"]
    seen = []
    reporter = SimpleNamespace(stats={"failed": [check, other], "passed": [1]}, reportchars="fE")
    reporter.summary_failures = lambda: seen.append([r.wslgpu_finding for r in reporter.stats["failed"]])
    reporter.short_test_summary = lambda: seen.append(len(reporter.stats["failed"]))
    reporter.build_summary_stats_line = lambda: ([("1 passed", {"green": True}), ("2 failed", {"red": True}),
                                                  ("2 warning", {"yellow": True})], "red")
    speak_suite_outcomes(reporter)
    reporter.summary_failures()
    reporter.short_test_summary()
    assert seen == [[None], 1] and reporter.stats["failed"] == [check, other]  # left out of both, then restored
    assert reporter.build_summary_stats_line()[0] == [("1 passed", {"green": True, "bold": False}),
                                                      ("2 failed", {"red": True, "bold": True}),
                                                      ("2 warnings", {"yellow": True, "bold": False})]
    assert teststatus(check) == ("failed", "F", "FAILED") and teststatus(other) is None
    check.wslgpu_finding.update(outcome="skipped", blocked_by="docker.x")
    assert teststatus(check) == ("blocked", "b", "BLOCKED")
    check.wslgpu_finding.update(blocked_by=None)
    assert teststatus(check) == ("not run", "n", "NOT RUN")
