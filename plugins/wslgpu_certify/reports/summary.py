"""What a run amounts to: its verdict, how many checks ended each way, and each layer's state.

Computed once from the findings, read by every report (terminal, JUnit, results.json, HTML).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..findings import LAYERS, OUTCOMES, Finding, outcome

CERTIFIED = "CERTIFIED"
NOT_CERTIFIED = "NOT CERTIFIED"


@dataclass(frozen=True)
class LayerState:
    outcome: str  # the worst outcome among its checks that ran ("skipped" when none ran, "absent" when none)
    first_failure: str | None  # the first failing check: the root cause to show
    checks: int

    def to_json(self) -> dict:
        return {"outcome": self.outcome, "first_failure": self.first_failure, "checks": self.checks}


def layer_state(findings: list[Finding]) -> LayerState:
    ran = [f.outcome for f in findings if f.outcome != "skipped"]
    worst = max(ran, key=lambda name: outcome(name).severity) if ran else ("skipped" if findings else "absent")
    first_bad = next((f.id for f in findings if f.fails_verdict), None)
    return LayerState(worst, first_bad, len(findings))


class RunSummary:
    def __init__(self, findings: list[Finding]):
        self.findings = sorted(findings, key=lambda f: LAYERS.index(f.layer))
        self.failures = [f for f in self.findings if f.fails_verdict]
        self.verdict = NOT_CERTIFIED if self.failures or not self.findings else CERTIFIED
        self.certified = self.verdict == CERTIFIED
        tally = {name: 0 for name, o in OUTCOMES.items() if o.counted}
        for f in self.findings:
            if f.outcome in tally:
                tally[f.outcome] += 1
        self.counts = tally
        self.layers = {layer: layer_state([f for f in self.findings if f.layer == layer]) for layer in LAYERS}

    def tally_text(self) -> str:
        """`57 passed, 5 skipped`: the non-zero counts."""
        return ", ".join(f"{n} {name}" for name, n in self.counts.items() if n)

    def figures(self) -> dict:
        """Every published figure, the lowest layer's value first (the gpu layer's GPU, not a container's)."""
        merged: dict = {}
        for finding in self.findings:
            for key, value in finding.figures.items():
                merged.setdefault(key, value)
        return merged
