"""Each machine's fleet verdict, from what its folder holds, tonight's run id, and last night.

The order of the questions is the order of trust: is there a report (NO REPORT), can it be
believed (INVALID: unreadable, unknown format, another machine's id), is it tonight's (STALE:
another run id, older than --max-age), did the run finish (INCOMPLETE), what did it say (its own
verdict), and did anything get worse since the previous night (REGRESSED).
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from ..findings import outcome
from .ci_status import read_machine_status
from .discover import Candidate
from .documents import Reading, read_results
from .facts import gpu_model
from .untrusted import clip, one_line
from .verdicts import VERDICTS, rank


@dataclass
class Options:
    now: datetime
    out_dir: Path
    run_id: str | None = None
    max_age_s: float | None = None
    tolerance: float = 0.20


@dataclass
class MachineVerdict:
    machine: str
    verdict: str
    reason: str
    expected: bool = True
    format: str | None = None
    suite_verdict: str | None = None
    headline: str | None = None
    run: dict = field(default_factory=dict)
    facts: dict = field(default_factory=dict)
    gpu_model: str | None = None
    root_cause: dict | None = None
    failures: list = field(default_factory=list)
    outcomes: dict = field(default_factory=dict)
    regressions: list = field(default_factory=list)
    previous_verdict: str | None = None
    ci_status: dict | None = None
    results: str | None = None  # relative to the output folder
    report: str | None = None

    def to_json(self) -> dict:
        return asdict(self)


def judge_all(expected: list[str] | None, found: dict[str, list[Candidate]], previous: dict[str, dict],
              statuses: dict[str, dict], options: Options) -> list[MachineVerdict]:
    names = list(expected or [])
    known = set(names)
    verdicts = {}
    for machine in names:
        verdicts[machine] = judge_safely(machine, found.get(machine, []), previous.get(machine), statuses.get(machine), options)
    for machine, candidates in found.items():
        if machine in known:
            continue
        if expected is not None:  # a folder for a machine nobody expects is not read: any job can upload any name
            verdicts.setdefault(machine, MachineVerdict(
                machine, "INVALID", f"folder {clip(candidates[0].folder.name, 80)}/ is not an expected machine's "
                "(--expected): not read", expected=False))
            continue
        verdict = judge_safely(machine, candidates, previous.get(machine), statuses.get(machine), options)
        if verdict.machine in verdicts:  # a bare run folder whose document named a machine already found
            continue
        verdicts[verdict.machine] = verdict
    return sorted(verdicts.values(), key=lambda v: (rank(v.verdict), v.machine))


def judge_safely(machine: str, candidates: list[Candidate], previous, status, options: Options) -> MachineVerdict:
    """judge(), and should a document still find a way to break it, that machine alone is INVALID, saying how."""
    try:
        return judge(machine, candidates, previous, status, options)
    except (Exception, RecursionError) as error:  # noqa: BLE001 -- one machine never stops the fleet view
        return MachineVerdict(machine, "INVALID", one_line(f"its report could not be read ({type(error).__name__}: {error})"))


def judge(machine: str, candidates: list[Candidate], previous: dict | None, status: dict | None,
          options: Options) -> MachineVerdict:
    for candidate in candidates:
        if status is None and candidate.status is not None:
            status = read_machine_status(candidate.status, machine)
    readings = [(c, read_results(c.results)) for c in candidates if c.results is not None]
    if not readings:
        why = "no results.json" + (f" in {candidates[0].folder.name}/" if candidates else " (no folder)")
        if status:
            why = f"{status['status']}: {status['reason']}" if status.get("reason") else f"CI job {status['status']}"
        return MachineVerdict(machine, "NO REPORT", one_line(why), ci_status=status,
                              previous_verdict=_previous_verdict(previous))
    candidate, reading = _pick(readings, options.run_id)
    if candidate.loose and reading.machine_id and _names(candidate.machine, reading.machine_id):
        machine = reading.machine_id
    result = MachineVerdict(machine, "", "", format=reading.format or None, ci_status=status,
                            previous_verdict=_previous_verdict(previous))
    result.results = _relative(reading.path, options.out_dir)
    report = reading.path.with_name("report.html")
    result.report = _relative(report, options.out_dir) if report.is_file() else None
    result.verdict, reason = _verdict(machine, reading, options)
    result.reason = one_line(reason)  # machine text inside: one line, clipped
    if reading.problem or result.verdict == "INVALID":
        return result
    result.suite_verdict, result.headline = reading.verdict, reading.headline
    result.run = {"run_id": reading.run_id, "started_at": _iso(reading.started_at), "finished_at": _iso(reading.finished_at),
                  "exit_status": reading.exit_status, "state": reading.state, "complete": reading.complete}
    result.facts, result.gpu_model = reading.facts, gpu_model(reading.facts.get("gpu"))
    result.outcomes, result.failures = reading.outcomes, reading.failures
    result.root_cause = reading.failures[0] if reading.failures else None
    if result.verdict in ("CERTIFIED", "NOT CERTIFIED") and previous:
        result.regressions = regressions(previous, reading, options.tolerance)
        if result.regressions:
            result.verdict, result.reason = "REGRESSED", "; ".join(result.regressions[:3]) + (
                f" (+{len(result.regressions) - 3} more)" if len(result.regressions) > 3 else "")
    return result


def _verdict(machine: str, reading: Reading, options: Options) -> tuple[str, str]:
    where = reading.path.parent.name + "/results.json"
    if reading.problem:
        return "INVALID", f"{where} {reading.problem}"
    if reading.machine_id != machine:
        return "INVALID", f"{where} is machine {reading.machine_id!r}'s, not {machine!r}'s"
    if options.run_id and reading.format.endswith("/3") and reading.run_id != options.run_id:
        return "STALE", f"from run {reading.run_id or '(none)'}, not tonight's run {options.run_id}"
    when = reading.when
    if options.max_age_s is not None:
        if when is None:
            return "STALE", "carries no time, so it cannot be shown to be tonight's"
        age = (options.now - when).total_seconds()
        if age > options.max_age_s:
            return "STALE", f"finished {age / 3600:.1f} h ago, older than --max-age ({options.max_age_s / 3600:g} h)"
    if reading.state != "finished" or not reading.complete:
        how = {"running": "still running (or died without a word)", "interrupted": f"interrupted by {reading.interrupted_by or 'a signal'}"}
        return "INCOMPLETE", f"the run was {how.get(reading.state, 'stopped early')}: complete is false"
    if reading.scope != "machine":
        return "NOT CERTIFIED", f"a {reading.scope} run certifies one layer, not the machine: {reading.headline}"
    if reading.verdict == "CERTIFIED":
        return "CERTIFIED", reading.headline
    first = reading.failures[0] if reading.failures else None
    return "NOT CERTIFIED", (f"{first['id']}: {first['message']}" if first else reading.headline)


def regressions(previous: dict, reading: Reading, tolerance: float) -> list[str]:
    """What got worse since the previous night's fleet.json entry (the rules of wslgpu-compare)."""
    lines = []
    before = previous.get("outcomes") if isinstance(previous.get("outcomes"), dict) else {}
    for check_id, now in reading.outcomes.items():
        was = before.get(check_id)
        if isinstance(was, str) and was != now and outcome(now).fails_verdict and outcome(now).severity > outcome(was).severity:
            lines.append(f"{check_id}: {was} -> {now}")
    old = (previous.get("facts") or {}).get("nbody_gflops") if isinstance(previous.get("facts"), dict) else None
    new = reading.facts.get("nbody_gflops")
    if isinstance(old, (int, float)) and old > 0 and isinstance(new, (int, float)):
        change = (new - old) / old
        if change < -tolerance:
            lines.append(f"nbody GFLOP/s {old:.0f} -> {new:.0f} ({change:+.0%}, tolerance {tolerance:.0%})")
    return lines


def _pick(readings: list[tuple[Candidate, Reading]], run_id: str | None) -> tuple[Candidate, Reading]:
    """Several reports for one machine (two roots, a re-run): tonight's run id first, then the newest readable."""
    def key(pair):
        reading = pair[1]
        return (not reading.problem, bool(run_id) and reading.run_id == run_id, reading.when.timestamp() if reading.when else 0)
    return max(readings, key=key)


def _previous_verdict(previous: dict | None) -> str | None:
    verdict = (previous or {}).get("verdict")
    return verdict if isinstance(verdict, str) and verdict in VERDICTS else None


def _names(rest: str, machine_id: str) -> bool:
    return rest == machine_id or rest.startswith(machine_id + "-")


def _relative(path: Path, out_dir: Path) -> str:
    try:
        return Path(os.path.relpath(path, out_dir)).as_posix()
    except ValueError:  # another drive on Windows
        return path.as_posix()


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
