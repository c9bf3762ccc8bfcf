"""One machine's results.json, read into what the fleet needs of it (and nothing more kept).

Formats 2 and 3 are read (docs/results.md). Format 2 names the machine by `machine.hostname`
and has no run id or run state; format 3 has the `run` envelope and `facts`. A document that
cannot be read, or is not a results.json, is a `Reading` with `problem` set, never an exception.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from . import facts as fact_table

FORMATS = ("wslgpu-certify-results/2", "wslgpu-certify-results/3")
SUITE_VERDICTS = ("CERTIFIED", "NOT CERTIFIED", "PARTIAL")
FAILING_OUTCOMES = ("failed", "error")


@dataclass
class Reading:
    path: Path
    problem: str = ""  # why the document cannot be believed (INVALID)
    format: str = ""
    machine_id: str | None = None
    run_id: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    exit_status: int | None = None
    complete: bool = False
    state: str = "finished"
    interrupted_by: str | None = None
    verdict: str = ""
    headline: str = ""
    scope: str = "machine"
    facts: dict = field(default_factory=dict)
    outcomes: dict = field(default_factory=dict)  # check id -> outcome
    failures: list = field(default_factory=list)  # failed/error checks: id, layer, title, message, fix, known_cause

    @property
    def when(self) -> datetime | None:
        return self.finished_at or self.started_at


def parse_time(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def read_results(path: Path) -> Reading:
    try:
        raw = path.read_bytes()
    except OSError as error:
        return Reading(path, problem=f"cannot be read: {error.strerror or error}")
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError) as error:
        return Reading(path, problem=f"is not JSON ({len(raw)} bytes; {str(error).split(':')[0]})")
    if not isinstance(document, dict):
        return Reading(path, problem=f"is not a results.json (a JSON {type(document).__name__})")
    fmt = document.get("format")
    if fmt not in FORMATS:
        return Reading(path, problem=f"has format {str(fmt)[:60]!r}, not one of {', '.join(FORMATS)}")
    if not isinstance(document.get("checks"), list) or document.get("verdict") not in SUITE_VERDICTS:
        return Reading(path, format=fmt, problem="is missing its checks or verdict")
    return _reading(path, fmt, document)


def _reading(path: Path, fmt: str, document: dict) -> Reading:
    reading = Reading(path, format=fmt, verdict=document["verdict"], headline=str(document.get("headline") or document["verdict"]),
                      scope=str(document.get("scope") or "machine"), complete=document.get("complete") is True)
    machine = document.get("machine") if isinstance(document.get("machine"), dict) else {}
    if fmt.endswith("/3"):
        run = document.get("run") if isinstance(document.get("run"), dict) else {}
        reading.machine_id = _text(run.get("machine_id"))
        reading.run_id = _text(run.get("run_id"))
        reading.started_at = parse_time(run.get("started_at"))
        reading.finished_at = parse_time(run.get("finished_at"))
        reading.exit_status = run.get("exit_status") if isinstance(run.get("exit_status"), int) else None
        reading.state = run.get("state") if run.get("state") in ("running", "finished", "interrupted") else "running"
        reading.interrupted_by = _text(run.get("interrupted_by"))
        reading.complete = reading.complete and run.get("complete", True) is True
        reading.facts = fact_table.clean(document.get("facts"))
    else:
        reading.machine_id = _text(machine.get("hostname"))
        reading.finished_at = parse_time(document.get("finished_at"))
        reading.facts = fact_table.facts_from_figures(document["checks"])
    for check in document["checks"]:
        if not isinstance(check, dict) or not isinstance(check.get("id"), str):
            continue
        outcome = str(check.get("outcome"))
        reading.outcomes[check["id"]] = outcome
        if outcome in FAILING_OUTCOMES:
            reading.failures.append(_failure(check))
    return reading


def _failure(check: dict) -> dict:
    remediation = check.get("remediation") if isinstance(check.get("remediation"), dict) else {}
    causes = [c for c in check.get("known_causes") or [] if isinstance(c, dict) and not c.get("advisory")]
    cause = causes[0] if causes else {}
    return {"id": check["id"], "layer": _text(check.get("layer")), "title": _text(check.get("title")),
            "outcome": str(check.get("outcome")), "message": (_text(check.get("message")) or "")[:500],
            "fix": (_text(remediation.get("summary")) or "")[:500],
            "known_cause": {"id": _text(cause.get("id")), "cause": _text(cause.get("cause"))} if cause else None}


def _text(value) -> str | None:
    return value if isinstance(value, str) and value else None
