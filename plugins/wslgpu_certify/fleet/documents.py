"""One machine's results.json, read into what the fleet needs of it (and nothing more kept).

Formats 2 and 3 are read (docs/results.md). Format 2 names the machine by `machine.hostname`
and has no run id or run state; format 3 has the `run` envelope and `facts`. A document that
cannot be read, or is not a results.json, is a `Reading` with `problem` set, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..results_format import (CAUSE_FIELDS, CHECK_FIELDS, FAILING_OUTCOMES, MACHINE_FIELDS, READABLE_FORMATS as FORMATS,
                               REMEDIATION_FIELDS, RUN_FIELDS, RUN_STATES, TOP_FIELDS, VERDICTS as SUITE_VERDICTS)
from . import facts as fact_table
from .untrusted import MAX_RESULTS_BYTES, Unusable, clip, one_line, read_json, text as _text

MAX_CHECKS = 2_000  # the bundled catalog has about 63; a --snapshot replay is one machine's
MAX_ID = 120  # characters of a check id kept
MACHINE_ID = 253  # a DNS name's length: a longer id is no machine's
MAX_MESSAGE = 500  # characters of a check's message and fix kept

# The field types checked (wrong_type) are results_format.py's: the writer's and the readers' one table.


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
        document = read_json(path, MAX_RESULTS_BYTES, follow=False)
    except OSError as error:
        return Reading(path, problem=f"cannot be read: {error.strerror or error}")
    except Unusable as error:
        return Reading(path, problem=str(error))
    if not isinstance(document, dict):
        return Reading(path, problem=f"is not a results.json (a JSON {type(document).__name__})")
    fmt = document.get("format")
    if fmt not in FORMATS:
        return Reading(path, problem=f"has format {one_line(str(fmt), 60)!r}, not one of {', '.join(FORMATS)}")
    if not isinstance(document.get("checks"), list) or document.get("verdict") not in SUITE_VERDICTS:
        return Reading(path, format=fmt, problem="is missing its checks or verdict")
    problem = wrong_type(document)
    if problem:
        return Reading(path, format=fmt, problem=problem)
    return _reading(path, fmt, document)


def wrong_type(document: dict) -> str | None:
    """The first field whose type is not the one docs/results.md gives it (null is allowed where optional)."""
    if len(document["checks"]) > MAX_CHECKS:
        return f"has {len(document['checks']):,} checks, more than the {MAX_CHECKS:,} a run can have"
    places = [("", document, TOP_FIELDS)]
    places += [(f"{key}.", document[key], fields) for key, fields in (("run", RUN_FIELDS), ("machine", MACHINE_FIELDS))
               if isinstance(document.get(key), dict)]
    for number, check in enumerate(document["checks"]):
        if not isinstance(check, dict):
            return f"has checks[{number}] that is a JSON {type(check).__name__}, not an object"
        places.append((f"checks[{number}].", check, CHECK_FIELDS))
        if isinstance(check.get("remediation"), dict):
            places.append((f"checks[{number}].remediation.", check["remediation"], REMEDIATION_FIELDS))
        causes = check.get("known_causes")
        for n, cause in enumerate(causes if isinstance(causes, list) else []):
            places.append((f"checks[{number}].known_causes[{n}].", cause, CAUSE_FIELDS) if isinstance(cause, dict)
                          else (f"checks[{number}].known_causes[{n}]", {"": cause}, {"": (dict,)}))
    for prefix, body, fields in places:
        for key, (types, required) in ((k, _spec(v)) for k, v in fields.items()):
            value = body.get(key)
            if value is None and not required:
                continue
            if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
                kind = "missing" if value is None else f"a JSON {_json_kind(value)}"
                return f"has {prefix}{key} {kind}, not {' or '.join(_json_kind(t) for t in types)}"
    return None


def _spec(value) -> tuple[tuple, bool]:
    return (value[0], True) if value[-1] == "required" else (value, False)


def _json_kind(value) -> str:
    kind = value if isinstance(value, type) else type(value)
    return {str: "string", bool: "boolean", int: "integer", float: "number", dict: "object", list: "array"}.get(kind, kind.__name__)


def _reading(path: Path, fmt: str, document: dict) -> Reading:
    reading = Reading(path, format=fmt, verdict=document["verdict"], headline=_text(document.get("headline")) or document["verdict"],
                      scope=_text(document.get("scope"), 40) or "machine", complete=document.get("complete") is True)
    machine = document.get("machine") if isinstance(document.get("machine"), dict) else {}
    if fmt.endswith("/3"):
        run = document.get("run") if isinstance(document.get("run"), dict) else {}
        reading.machine_id = _text(run.get("machine_id"), MACHINE_ID)
        reading.run_id = _text(run.get("run_id"))
        reading.started_at = parse_time(run.get("started_at"))
        reading.finished_at = parse_time(run.get("finished_at"))
        reading.exit_status = run.get("exit_status")
        reading.state = run.get("state") if run.get("state") in RUN_STATES else "running"
        reading.interrupted_by = _text(run.get("interrupted_by"))
        reading.complete = reading.complete and run.get("complete", True) is True
        reading.facts = fact_table.clean(document.get("facts"))
    else:
        reading.machine_id = _text(machine.get("hostname"), MACHINE_ID)
        reading.finished_at = parse_time(document.get("finished_at"))
        reading.facts = fact_table.facts_from_figures(document["checks"])
    for check in document["checks"]:
        outcome = clip(check["outcome"], 40)
        reading.outcomes[clip(check["id"], MAX_ID)] = outcome
        if outcome in FAILING_OUTCOMES:
            reading.failures.append(_failure(check))
    return reading


def _failure(check: dict) -> dict:
    remediation = check.get("remediation") if isinstance(check.get("remediation"), dict) else {}
    causes = [c for c in check.get("known_causes") or [] if not c.get("advisory")]
    cause = causes[0] if causes else {}
    return {"id": clip(check["id"], MAX_ID), "layer": _text(check.get("layer"), 40), "title": _text(check.get("title")),
            "outcome": clip(check["outcome"], 40), "message": _text(check.get("message"), MAX_MESSAGE) or "",
            "fix": _text(remediation.get("summary"), MAX_MESSAGE) or "",
            "known_cause": {"id": _text(cause.get("id")), "cause": _text(cause.get("cause"))} if cause else None}

