"""The six outcomes a reader sees, and why each check ended as it did, in words.

results.json keeps the findings' own outcomes (findings.OUTCOMES: passed, failed, skipped, error,
warning, not_applicable) and `coverage.not_run`; every page and terminal line shows the suite's six:

    passed          the machine meets the profile here
    failed          it does not (or the check itself broke: nothing is known)
    warning         an advisory check failed; it never blocks certification
    blocked         it could not run because a check it depends on failed or did not run (named)
    not run         it applies here but did not run (not recorded, unreachable, deselected, interrupted)
    not applicable  it does not apply to this machine, env or profile, or is opt-in (why)

Colours are dark on light or white on dark at WCAG AA contrast (4.5:1 or more, tests/reports/test_report_in_browser.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..findings import Finding


@dataclass(frozen=True)
class ShownOutcome:
    name: str  # a key of SHOWN: also the class and data-outcome of a report row
    label: str  # as a row, a chip and a count say it
    background: str
    colour: str
    meaning: str


SHOWN = {o.name: o for o in (
    ShownOutcome("failed", "failed", "#c62828", "#ffffff", "the machine does not meet the profile here; the fix says how"),
    ShownOutcome("warning", "warning", "#b45309", "#ffffff", "an advisory check failed; it never blocks certification"),
    ShownOutcome("blocked", "blocked", "#6d4c41", "#ffffff", "could not run: a check it depends on failed or did not run"),
    ShownOutcome("not_run", "not run", "#616161", "#ffffff", "applies here but did not run (the reason is given)"),
    ShownOutcome("passed", "passed", "#2e7d32", "#ffffff", "the machine meets the profile here"),
    ShownOutcome("not_applicable", "not applicable", "#eceff1", "#37474f",
                 "does not apply to this machine, env or profile, or is opt-in and was not asked for"),
)}
# How counts are said, worst first after passed: "42 passed, 2 failed, 19 blocked, 13 not applicable".
COUNT_ORDER = ("passed", "failed", "warning", "blocked", "not_run", "not_applicable")


def shown_name(outcome: str, blocked_by: str | None) -> str:
    """The SHOWN name of a finding's outcome: a skip is blocked when it names the check that stopped it, else
    not run; a check that broke (error), or an outcome this version does not know, is failed."""
    if outcome == "skipped":
        return "blocked" if blocked_by else "not_run"
    return outcome if outcome in SHOWN else "failed"


def shown_outcome(finding: Finding) -> str:
    return shown_name(finding.outcome, finding.blocked_by)


def why_words(finding: Finding) -> str:
    """Why the check ended as it did, in one line a reader needs no expanding to see."""
    name = shown_outcome(finding)
    if name == "blocked":
        which = "failed" if finding.blocked_by_failure else "did not run"
        return f"blocked by {finding.blocked_by}, which {which}"
    if finding.outcome == "error":
        return f"the check itself broke: {finding.message}" if finding.message else "the check itself broke"
    if name == "passed":
        return finding.message or "meets the profile"
    return finding.message or SHOWN[name].meaning


def suite_counts(findings: list[Finding], not_run: int) -> dict[str, int]:
    """Every shown outcome's count (zeros included), in COUNT_ORDER; `not_run`: planned checks with no finding."""
    counts = dict.fromkeys(COUNT_ORDER, 0)
    for finding in findings:
        counts[shown_outcome(finding)] += 1
    counts["not_run"] += not_run
    return counts


def counts_text(counts: dict[str, int]) -> str:
    """`42 passed, 2 failed, 19 blocked, 13 not applicable`: the non-zero counts."""
    return ", ".join(f"{n} {SHOWN[name].label}" for name, n in counts.items() if n)


def plural(n: int, one: str, many: str | None = None) -> str:
    """`1 applicable check`, `2 applicable checks`."""
    return f"{n} {one if n == 1 else (many or one + 's')}"
