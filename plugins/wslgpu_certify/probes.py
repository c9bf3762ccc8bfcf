"""Probes: a command plus the pure parser that turns its output into a typed record.

`read(host, probe)` is the one way checks get facts. It runs the command through
the host's runner, keeps the evidence for the report, and turns the three ways a
probe can go wrong into verdicts: not recorded -> skipped, timed out or unreadable
-> failed with the command and an excerpt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import pytest

from .backends import runner_of
from .executors import NotRecorded
from .findings import CheckFailed, Evidence
from .parsers.errors import UnreadableOutput
from .placeholders import PLACEHOLDER, fill
from .redact import redact
from .runner import CommandRecord

EXCERPT_CHARS = 1200

# What the check that is running now gathered (reset by the plugin before each check).
collected: list[Evidence] = []
figures: dict = {}


def publish(name: str, value) -> None:
    """Hand a figure (a number, a file name under the run folder) to the report."""
    figures[name] = value


@dataclass(frozen=True)
class Probe:
    """`command` may hold `{placeholders}` filled by `read(..., **values)`."""

    command: str
    parse: Callable[[str], Any]
    ok_exit: tuple[int, ...] | None = (0,)  # None: any exit code, the parser decides
    text: str = "stdout"  # "stdout" or "both" (stdout then stderr, for errors on stderr)
    label: str = ""  # what a person watching the run is told is running (default: the command's first line)


def prefetch(fixture: str, *slow: Probe):
    """Mark a check whose slow probes may start in the background once its host `fixture` exists.

    The plugin starts them (container_fixtures.prefetch_slow_probes) for every selected check
    not already blocked by a failed requirement, so independent slow steps overlap; the check
    itself still reads them with `read`, which waits for the result. Only probes read without
    placeholder values can be prefetched (the command must be the one `read` will run).
    """
    for probe in slow:
        if PLACEHOLDER.search(probe.command):
            raise ValueError(f"probe {probe.label or probe.command[:40]!r} has placeholders: it cannot be prefetched")
    return pytest.mark.prefetch(fixture, slow)


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    text = redact(text.strip())
    return text if len(text) <= limit else text[: limit // 2] + "\n[...]\n" + text[-limit // 2:]


def run(host, command: str, label: str = "") -> CommandRecord:
    """Run a raw command on a host as evidence; skips when replay lacks it, fails on timeout."""
    runner = runner_of(host)
    try:
        record = runner.run(command, label)
    except NotRecorded as exc:
        pytest.skip(str(exc))
    collected.append(Evidence(
        role=runner.role,
        command=redact(command),
        exit_status=record.exit_status,
        excerpt=excerpt("\n".join(filter(None, (record.stdout, record.stderr)))),
        duration=record.duration,
    ))
    if record.timed_out:
        raise CheckFailed(f"`{redact(command)}` did not finish within {runner.timeout:g} s ({runner.timeout_setting})",
                          variant="timeout")
    return record


def read(host, probe: Probe, **values: str) -> Any:
    command = fill(probe.command, values)
    record = run(host, command, probe.label)
    if probe.ok_exit is not None and record.exit_status not in probe.ok_exit:
        detail = (record.stderr or record.stdout).strip().splitlines()
        raise CheckFailed(
            f"`{redact(command)}` exited with {record.exit_status}"
            + (f": {redact(detail[-1])[:300]}" if detail else "")
        )
    text = record.stdout if probe.text == "stdout" else "\n".join((record.stdout, record.stderr))
    try:
        return probe.parse(text)
    except UnreadableOutput as exc:
        raise CheckFailed(f"could not read the output of `{redact(command)}` ({exc.what}): "
                          f"{excerpt(exc.excerpt, 300)!r}") from None
