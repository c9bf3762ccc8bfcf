"""The one command runner every probe goes through.

It applies the probe timeout, decodes output, runs each distinct command once per
host role (memoized) and hands every result to the recorder when `--record` is on.
How a command reaches its host is an *executor*: a small callable, see executors.py.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Callable, Protocol


@dataclass(frozen=True)
class CommandRecord:
    """What one command did: the unit of evidence, of recording and of replay."""

    command: str
    exit_status: int | None
    stdout: str
    stderr: str
    duration: float
    timed_out: bool = False

    def to_json(self) -> dict:
        data = asdict(self)
        if not self.timed_out:
            del data["timed_out"]
        return data

    @classmethod
    def from_json(cls, command: str, data: dict) -> "CommandRecord":
        return cls(
            command=command,
            exit_status=data.get("exit_status"),
            stdout=data.get("stdout", ""),
            stderr=data.get("stderr", ""),
            duration=float(data.get("duration", 0.0)),
            timed_out=bool(data.get("timed_out", False)),
        )


class Executor(Protocol):
    def __call__(self, command: str, timeout: float) -> CommandRecord: ...


class CommandRunner:
    """Runs commands on one host role, at most once each."""

    def __init__(
        self,
        role: str,
        execute: Executor,
        timeout: float,
        on_result: Callable[[str, CommandRecord], None] | None = None,
    ):
        self.role = role
        self.execute = execute
        self.timeout = timeout
        self.on_result = on_result
        self.executed = 0
        self._cache: dict[str, CommandRecord] = {}
        self._lock = threading.Lock()

    def run(self, command: str) -> CommandRecord:
        with self._lock:
            cached = self._cache.get(command)
        if cached is not None:
            return cached
        record = self.execute(command, self.timeout)
        with self._lock:
            self._cache.setdefault(command, record)
            self.executed += 1
        if self.on_result is not None:
            self.on_result(self.role, record)
        return record
