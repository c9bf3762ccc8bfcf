"""A probe: a command plus the pure parser that turns its output into a typed record.

`read(host, probe)` is the one way checks get facts. It runs the command through
the host's runner, keeps the evidence for the report, and turns the three ways a
probe can go wrong into verdicts: not recorded -> skipped, timed out or unreadable
-> failed with the command and an excerpt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import pytest

from .. import evidence
from ..findings import CheckFailed, Evidence, FixStep, Remediation
from ..hosts.executors import NotRecorded
from ..hosts.records import CommandRecord
from ..hosts.testinfra_backend import runner_of
from ..lazy_regex import regex
from ..parsers.errors import UnreadableOutput
from ..placeholders import PLACEHOLDER, fill
from ..quoting import Unquotable, quote
from ..redact import redact
from .arguments import BadArgument, Grammar
from .programs import could_not_run, how_to_get

EXCERPT_CHARS = 1200

@dataclass(frozen=True)
class Probe:
    """`command` may hold `{placeholders}` filled by `read(..., **values)`: each one names its grammar in
    `args` (probes/arguments.py) and is quoted for the shell the command runs in (`quoting`, a key of
    quoting.QUOTERS), so a value read from a machine is only ever one literal argument."""

    command: str
    parse: Callable[[str], Any]
    ok_exit: tuple[int, ...] | None = (0,)  # None: any exit code, the parser decides
    text: str = "stdout"  # "stdout" or "both" (stdout then stderr, for errors on stderr)
    label: str = ""  # what a person watching the run is told is running (default: the command's first line)
    timeout: float | None = None  # seconds, when this command may outlast the host's timeout (a pull)
    args: Mapping[str, Grammar] = field(default_factory=dict, hash=False)  # placeholder -> its grammar
    quoting: str = "sh"  # how a value is quoted: the shell (or language) the placeholder stands in


def prefetch(fixture: str, *slow: Probe):
    """Mark a check whose slow probes, run on its host `fixture`, may start in the background.

    The plugin starts them once, as the first container-layer check is set up
    (containers/fixtures.py, prefetch_slow_steps), for every selected check its requirements do not
    block, so independent slow steps overlap; the check itself still reads them with `read`,
    which waits for the result. Only probes read without placeholder values can be prefetched
    (the command must be the one `read` will run).
    """
    for probe in slow:
        if PLACEHOLDER.search(probe.command):
            raise ValueError(f"probe {probe.label or probe.command[:40]!r} has placeholders: it cannot be prefetched")
    return pytest.mark.prefetch(fixture, slow)


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """Head and tail of an output. Outputs arrive masked (the runner's door); the excerpt is masked again,
    cut first, so an 8 MB output costs one pass of the redactor, not two."""
    text = text.strip()
    return redact(text if len(text) <= limit else text[: limit // 2] + "\n[...]\n" + text[-limit // 2:])


_TELLING = regex(r"error|fatal|exception|denied|not found|cannot|no such|refused", re.I)
_NOT_TELLING = regex(r"^Execution halted$")  # R's last words after every `Error in ...`


def telling_line(text: str) -> str:
    """The line of a failed command's output most worth quoting: the last that names an error."""
    found = [line.strip() for line in text.strip().splitlines() if line.strip()]
    named = [line for line in found if _TELLING.search(line) and not _NOT_TELLING.match(line)]
    return (named or found or [""])[-1]


def _size(count: int) -> str:
    return f"{count / 2**20:g} MB" if count >= 2**20 else f"{count} bytes"


def shown(command: str, label: str = "") -> str:
    """A command as a message quotes it: a script passed on stdin by its first line and label."""
    first, _, rest = command.partition("\n")
    return f"`{redact(first)}`" + (f" ({label})" if rest and label else " [script]" if rest else "")


def run(host, command: str, label: str = "", timeout: float | None = None) -> CommandRecord:
    """Run a raw command on a host as evidence; skips when replay lacks it, fails on timeout."""
    runner = runner_of(host)
    try:
        record = runner.run(command, label, timeout)
    except NotRecorded as exc:
        pytest.skip(str(exc))
    buffer = evidence.current()
    buffer.outputs.append((command, "\n".join(filter(None, (record.stdout, record.stderr))), record.exit_status))
    cut_note = f"\n[output cut at {_size(record.cut_at)}]" if record.cut_at else ""
    buffer.evidence.append(Evidence(
        role=runner.role,
        command=redact(command),
        exit_status=record.exit_status,
        excerpt=excerpt("\n".join(filter(None, (record.stdout, record.stderr)))) + cut_note,
        duration=record.duration,
    ))
    if record.timed_out:
        limit = f"{timeout:g} s" if timeout else f"{runner.timeout:g} s ({runner.timeout_setting})"
        raise CheckFailed(f"{shown(command, label)} did not finish within {limit}",
                          variant="timeout")
    if record.cut_at:  # a check never passes on output it could not fully read
        raise CheckFailed(f"{shown(command, label)} printed more than {_size(record.cut_at)} on one stream: output cut "
                          f"at {_size(record.cut_at)} and the command stopped, so what it would have said is unknown",
                          variant="output_cut")
    program = could_not_run(command, record.exit_status, record.stderr)
    if program:
        detail = telling_line(record.stderr) or f"exit {record.exit_status}"
        raise CheckFailed(
            f"could not run `{program}` on {runner.role} ({redact(detail)[:200]}): nothing is known about what "
            f"{shown(command, label)} would have read",
            remediation=Remediation(why=f"The check reads its fact with `{program}`, which could not be started; "
                                        f"until it runs, the fact is unknown (not absent).",
                                    steps=(FixStep(how_to_get(program), None, key=True),)))
    return record


def command_for(probe: Probe, values: dict, replaying: bool = False) -> str:
    """The probe's command with each value parsed by its grammar and quoted; raises BadArgument.

    `replaying`: the values come from a snapshot, which stores secrets as `<REDACTED>` (a grammar
    may accept that there, and only there)."""
    undeclared = sorted(set(values) - set(probe.args))
    if undeclared:  # a programming error: every value that goes into a command has a grammar
        raise ValueError(f"probe {probe.label or probe.command[:40]!r} declares no grammar for {undeclared}")
    quoted = {}
    for name, value in values.items():
        grammar = probe.args[name]
        parsed = grammar.parse(value, replaying)
        try:
            quoted[name] = quote(parsed, probe.quoting)
        except Unquotable as exc:
            raise BadArgument(f"{grammar.what} cannot stand in this command: {exc}") from None
    return fill(probe.command, quoted)


def read(host, probe: Probe, **values) -> Any:
    replaying = getattr(runner_of(host).execute, "replaying", False)  # answered from a snapshot
    try:
        command = command_for(probe, values, replaying)
    except BadArgument as exc:  # the value never reaches a shell: the check fails saying why
        raise CheckFailed(
            f"{shown(probe.command, probe.label)} was not run: {exc}",
            remediation=Remediation(why="A value the check read (from the machine, a container or the profile) does "
                                        "not have the shape the real program gives it, so the suite would not put it "
                                        "into a command: look at where it came from (the quoted output, the profile).",
                                    steps=(FixStep("Read the evidence of the check that produced the value: a "
                                                   "genuine program never prints it in this shape", key=True),))) from None
    record = run(host, command, probe.label, probe.timeout)
    if probe.ok_exit is not None and record.exit_status not in probe.ok_exit:
        detail = telling_line(record.stderr) or telling_line(record.stdout)
        raise CheckFailed(f"{shown(command, probe.label)} exited with {record.exit_status}"
                          + (f": {redact(detail)[:300]}" if detail else ""))
    text = record.stdout if probe.text == "stdout" else "\n".join((record.stdout, record.stderr))
    try:
        return probe.parse(text)
    except UnreadableOutput as exc:
        raise CheckFailed(f"could not read the output of {shown(command, probe.label)} ({exc.what}): "
                          f"{excerpt(exc.excerpt, 300)!r}") from None
