"""What a run amounts to: its verdict, how many checks ended each way, and each layer's state.

Computed once from the findings and the plan (every check of the catalog this run was meant
to cover), read by every report (terminal, JUnit, results.json, HTML).

The verdict says no more than the run saw (docs/results.md):
  CERTIFIED      every check that applies here ran and passed (advisory warnings aside);
  NOT CERTIFIED  a check failed or broke;
  PARTIAL        nothing failed, but an applicable check did not run (deselected, blocked by a
                 check that did not run, not recorded, unreachable), or none passed at all:
                 not a certification.
Not applicable checks (env, profile, opt-in not asked for) are neither a pass nor a gap.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..findings import LAYERS, OUTCOMES, Finding
from ..results_format import CERTIFIED, NOT_CERTIFIED, PARTIAL
from .suite_outcomes import counts_text, plural, suite_counts

VERDICT_COLOURS = {CERTIFIED: "#2e7d32", NOT_CERTIFIED: "#c62828", PARTIAL: "#ef6c00"}
NOT_RUN_REASON = "not run: deselected (-k, -m, --check, --layer, a node id or path) or not collected"
INTERRUPTED_REASON = "not run: the run was interrupted (Ctrl-C, SIGTERM, -x) before it"


@dataclass(frozen=True)
class PlannedCheck:
    """A check of the catalog this run was meant to cover, known before (or without) running it."""

    id: str
    layer: str
    title: str
    not_applicable: str | None = None  # why it cannot apply to this machine, when that is known statically


@dataclass(frozen=True)
class LayerStateKind:
    name: str
    colour: str
    meaning: str


LAYER_STATES = {k.name: k for k in (
    LayerStateKind("passed", "#2e7d32", "every check that applies here ran and passed"),
    LayerStateKind("failed", "#c62828", "a check of this layer failed (its first failure is the root cause to fix)"),
    LayerStateKind("blocked", "#8d6e63", "its checks could not run because a check of a lower layer failed or did not run"),
    LayerStateKind("partial", "#ef6c00", "some checks that apply here did not run; nothing failed"),
    LayerStateKind("not_applicable", "#90a4ae", "no check of this layer applies to this machine, env or profile"),
    LayerStateKind("not_selected", "#cfd8dc", "not part of this run (--layer, -k, a path)"),
)}


@dataclass(frozen=True)
class LayerState:
    state: str  # a name in LAYER_STATES
    first_failure: str | None  # the first failing check: the root cause to show
    blocked_by: str | None  # for a blocked layer: the lower layer's check that stopped it
    root_failed: bool  # ... and whether that check failed (else it did not run itself)
    checks: int  # checks of this layer in the run (findings)
    applicable: int  # of those, and of the planned ones that did not run, the ones that apply here
    passed: int  # applicable checks that passed (advisory warnings included)

    @property
    def words(self) -> str:
        if self.state == "failed":
            return f"failed: first failure {self.first_failure}"
        if self.state == "blocked":
            return f"blocked by {self.blocked_by}, which {'failed' if self.root_failed else 'did not run'}"
        if self.state == "partial":
            return f"partial: {self.passed} of {plural(self.applicable, 'applicable check')} passed, the rest did not run"
        if self.state == "passed":
            return f"passed: {self.passed} of {plural(self.applicable, 'applicable check')}"
        return self.state.replace("_", " ")

    def to_json(self) -> dict:
        return {"state": self.state, "first_failure": self.first_failure, "blocked_by": self.blocked_by,
                "blocked_by_failure": self.root_failed if self.blocked_by else None,
                "checks": self.checks, "applicable": self.applicable, "passed": self.passed}


def layer_state(findings: list[Finding], not_run: list[PlannedCheck], layer_of: dict[str, str],
                failed: set[str]) -> LayerState:
    applicable = [f for f in findings if f.outcome != "not_applicable"]
    passed = sum(f.outcome in ("passed", "warning") for f in applicable)
    total = len(applicable) + len(not_run)
    first_bad = next((f.id for f in findings if f.fails_verdict), None)
    gaps = [f for f in applicable if f.is_gap]

    def state(name: str, blocked_by: str | None = None) -> LayerState:
        return LayerState(name, first_bad, blocked_by, blocked_by in failed or any(
            f.blocked_by == blocked_by and f.blocked_by_failure for f in gaps), len(findings), total, passed)

    if not findings and not not_run:
        return state("not_selected")
    if total == 0:
        return state("not_applicable")
    if first_bad:
        return state("failed")
    if not gaps and not not_run:
        return state("passed")
    mine = findings[0].layer if findings else not_run[0].layer
    roots = {f.blocked_by for f in gaps}
    if not not_run and None not in roots and all(layer_of.get(root) != mine for root in roots):
        return state("blocked", gaps[0].blocked_by)
    return state("partial")


class RunSummary:
    """`planned`: every check of the catalog in this run's scope; a planned check with no finding did not run."""

    def __init__(self, findings: list[Finding], planned: list[PlannedCheck] | None = None, scope: str = "",
                 complete: bool = True, running: bool = False):
        self.findings = sorted(findings, key=lambda f: LAYERS.index(f.layer))
        self.scope = scope  # "" for the whole machine, else e.g. "layer gpu"
        self.complete = complete and not running  # False: interrupted (Ctrl-C, SIGTERM, -x); never certified
        self.running = running  # the provisional document of a run that has not finished (reports/envelope.py)
        complete = self.complete
        seen = {f.id for f in self.findings}
        planned = planned or []
        self.not_run = [p for p in planned if p.id not in seen and p.not_applicable is None]
        self.failures = [f for f in self.findings if f.fails_verdict]
        self.gaps = [f for f in self.findings if f.is_gap]
        # a check of this run that could not run because a check failed (one not selected, under --layer)
        self.blocked_by_failure = [f for f in self.gaps if f.blocked_by_failure]
        applicable = [f for f in self.findings if f.outcome != "not_applicable"]
        self.applicable = len(applicable) + len(self.not_run)
        self.passed = sum(f.outcome in ("passed", "warning") for f in applicable)
        if self.failures or self.blocked_by_failure or not complete:
            self.verdict = NOT_CERTIFIED
        elif self.gaps or self.not_run or not self.passed:
            self.verdict = PARTIAL
        else:
            self.verdict = CERTIFIED
        self.certified = self.verdict == CERTIFIED
        tally = {name: 0 for name in OUTCOMES}
        for f in self.findings:
            if f.outcome in tally:
                tally[f.outcome] += 1
        tally["not_run"] = len(self.not_run)
        self.counts = tally  # the findings' own outcomes, as results.json counts them
        self.shown_counts = suite_counts(self.findings, len(self.not_run))  # the six a reader sees
        layer_of = {f.id: f.layer for f in self.findings} | {p.id: p.layer for p in planned}
        self.layers = {layer: layer_state([f for f in self.findings if f.layer == layer],
                                          [p for p in self.not_run if p.layer == layer], layer_of,
                                          {f.id for f in self.failures})
                       for layer in LAYERS}

    @property
    def ran(self) -> int:
        """Applicable checks that reached a verdict (passed, failed, broke, warned)."""
        return self.applicable - len(self.gaps) - len(self.not_run)

    @property
    def headline(self) -> str:
        """The verdict in one line, as the terminal, the report title, results.json and JUnit say it."""
        scope = f"{self.scope}: " if self.scope else ""
        if self.running:
            return (f"{scope}NOT CERTIFIED: the run has not finished (still running, or killed before its end); "
                    f"{plural(self.ran, 'check')} had a verdict when this was written")
        applicable = plural(self.applicable, "applicable check")
        if not self.complete:
            return f"{scope}NOT CERTIFIED: the run was interrupted; {self.ran} of {applicable} ran"
        if self.verdict == PARTIAL:
            return f"{scope}PARTIAL: {self.ran} of {applicable} ran; not a certification"
        if self.verdict == NOT_CERTIFIED and not self.failures:
            root = self.blocked_by_failure[0].blocked_by
            return f"{scope}NOT CERTIFIED: its checks are blocked by {root}, which failed"
        if self.verdict == NOT_CERTIFIED and (self.gaps or self.not_run):
            return (f"{scope}NOT CERTIFIED: {len(self.failures)} failed; "
                    f"{plural(len(self.gaps) + len(self.not_run), 'applicable check')} did not run")
        return f"{scope}{self.verdict}"

    def tally_text(self) -> str:
        """`42 passed, 2 failed, 19 blocked, 13 not applicable`: the non-zero counts, in the six outcomes a
        reader sees (reports/suite_outcomes.py), as the terminal's last line and the report say them."""
        return counts_text(self.shown_counts)

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.outcome == "warning"]

    def figures(self) -> dict:
        """Every published figure, the lowest layer's value first (the gpu layer's GPU, not a container's)."""
        merged: dict = {}
        for finding in self.findings:
            for key, value in finding.figures.items():
                merged.setdefault(key, value)
        return merged

    def coverage_json(self) -> dict:
        return {"applicable": self.applicable, "ran": self.ran,
                "passed": self.passed,
                "not_run": [{"id": p.id, "layer": p.layer, "title": p.title,
                             "reason": NOT_RUN_REASON if self.complete else INTERRUPTED_REASON}
                            for p in self.not_run]}
