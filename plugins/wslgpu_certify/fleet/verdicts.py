"""The fleet verdicts: the one table of what a machine can end as tonight, worst first.

A machine's own run says CERTIFIED / NOT CERTIFIED / PARTIAL (docs/results.md); the fleet adds
what only a fleet can see: a machine that got worse since last night, one that never reported,
one whose report cannot be believed (unreadable, another machine's, another night's).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FleetVerdict:
    name: str
    rank: int  # worst first: lower sorts first
    flag: str  # its name in --fail-on
    colour: str
    meaning: str


VERDICTS = {v.name: v for v in (
    FleetVerdict("REGRESSED", 0, "regressed", "#b71c1c",
                 "a check's outcome got worse, or nbody GFLOP/s dropped beyond the tolerance, since the previous night"),
    FleetVerdict("NOT CERTIFIED", 1, "not-certified", "#c62828",
                 "the machine's own run did not certify it (a check failed, or a PARTIAL or single-layer run)"),
    FleetVerdict("INCOMPLETE", 2, "incomplete", "#6a1b9a",
                 "the run started but did not finish (interrupted, still running, complete: false)"),
    FleetVerdict("INVALID", 3, "invalid", "#4a148c",
                 "a results.json that cannot be believed: not JSON, an unknown format, another machine's id"),
    FleetVerdict("STALE", 4, "stale", "#6d4c41",
                 "a report from another run: older than --max-age, or carrying another run id"),
    FleetVerdict("NO REPORT", 5, "no-report", "#616161",
                 "no results.json for this machine (the CI status, when given, says why)"),
    FleetVerdict("CERTIFIED", 6, "certified", "#2e7d32",
                 "the machine's own run certified it tonight, and nothing got worse since the previous night"),
)}
FAILING = tuple(v.name for v in VERDICTS.values() if v.name != "CERTIFIED")
BY_FLAG = {v.flag: v.name for v in VERDICTS.values()}


def rank(name: str) -> int:
    return VERDICTS[name].rank


def parse_fail_on(text: str) -> frozenset[str]:
    """`regressed,not-certified` -> the verdict names that fail the collect; ValueError names a bad one."""
    names = set()
    for flag in (part.strip().lower() for part in text.split(",") if part.strip()):
        if flag == "all":
            names.update(FAILING)
        elif flag in BY_FLAG and BY_FLAG[flag] != "CERTIFIED":
            names.add(BY_FLAG[flag])
        else:
            choices = ", ".join(v.flag for v in VERDICTS.values() if v.name != "CERTIFIED")
            raise ValueError(f"--fail-on: unknown verdict {flag!r} (choose from {choices}, all)")
    return frozenset(names)
