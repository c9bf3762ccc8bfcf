"""What the fleet's reports show at a glance: the root causes, the GPU spread per model, the version spread.

Computed once from the machines' verdicts, and read by fleet.html and the Markdown summary alike.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from statistics import median

from .facts import VERSION_SPREAD

REPORTED = ("CERTIFIED", "NOT CERTIFIED", "REGRESSED")  # a believable, finished report of tonight


@dataclass
class RootCause:
    check: str
    title: str
    layer: str
    fix: str
    known_cause: str | None
    machines: list = field(default_factory=list)


def root_causes(verdicts) -> list[RootCause]:
    """The first failing check of each machine, grouped: most machines first."""
    causes: dict[str, RootCause] = {}
    fixes: dict[str, Counter] = defaultdict(Counter)
    known: dict[str, Counter] = defaultdict(Counter)
    for v in verdicts:
        first = v.root_cause
        if not first or v.verdict not in REPORTED:
            continue
        cause = causes.setdefault(first["id"], RootCause(first["id"], first.get("title") or "", first.get("layer") or "", "", None))
        cause.machines.append(v.machine)
        fixes[first["id"]][first.get("fix") or ""] += 1
        if first.get("known_cause") and first["known_cause"].get("cause"):
            known[first["id"]][first["known_cause"]["cause"]] += 1
    for check, cause in causes.items():
        cause.fix = fixes[check].most_common(1)[0][0]
        cause.known_cause = known[check].most_common(1)[0][0] if known[check] else None
    return sorted(causes.values(), key=lambda c: (-len(c.machines), c.check))


@dataclass
class ModelSpread:
    model: str
    gflops: list  # (value, machine), sorted by value
    baseline: float | None
    median: float

    def quartiles(self) -> tuple[float, float, float, float, float]:
        values = [g for g, _ in self.gflops]
        n = len(values)
        return values[0], values[(n - 1) // 4], self.median, values[(3 * (n - 1)) // 4], values[-1]


def model_spread(verdicts) -> dict[str, ModelSpread]:
    per_model, baselines = defaultdict(list), defaultdict(list)
    for v in verdicts:
        gflops = v.facts.get("nbody_gflops") if v.facts else None
        if v.gpu_model and isinstance(gflops, (int, float)) and v.verdict in REPORTED:
            per_model[v.gpu_model].append((float(gflops), v.machine))
            if isinstance(v.facts.get("nbody_baseline_gflops"), (int, float)):
                baselines[v.gpu_model].append(v.facts["nbody_baseline_gflops"])
    return {model: ModelSpread(model, sorted(values), median(baselines[model]) if baselines[model] else None,
                               median(g for g, _ in values))
            for model, values in sorted(per_model.items(), key=lambda kv: (-len(kv[1]), kv[0]))}


@dataclass
class VersionRow:
    value: str
    machines: int
    not_certified: int

    @property
    def failure_rate(self) -> float:
        return self.not_certified / self.machines if self.machines else 0.0


def version_spread(verdicts) -> dict[str, list[VersionRow]]:
    """Per fact (driver, build, kernel, Docker, toolkit): each value, its machines, and how many are not certified."""
    spread = {}
    for fact, label in VERSION_SPREAD:
        rows: dict[str, VersionRow] = {}
        for v in verdicts:
            if v.verdict not in REPORTED:
                continue
            value = (v.facts or {}).get(fact) or "(not read)"
            row = rows.setdefault(value, VersionRow(value, 0, 0))
            row.machines += 1
            row.not_certified += v.verdict != "CERTIFIED"
        spread[label] = sorted(rows.values(), key=lambda r: (-r.machines, r.value))
    return spread


def slow_for_model(verdict, spread: dict[str, ModelSpread], tolerance: float) -> bool:
    model = spread.get(verdict.gpu_model or "")
    gflops = (verdict.facts or {}).get("nbody_gflops")
    return bool(model and isinstance(gflops, (int, float)) and gflops < model.median * (1 - tolerance))
