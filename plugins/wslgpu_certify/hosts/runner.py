"""The one command runner every probe goes through.

It applies the probe timeout, decodes output, runs each distinct command once per
host role (memoized) and hands every result to the recorder when `--record` is on.
How a command reaches its host is an *executor*: a small callable, see executors.py.

Slow commands can be started ahead of the check that reads them (`prefetch`): they run
in background threads, at most `parallel` at a time, and `run` of the same command
waits for that result instead of starting it again.

Its callbacks are how the rest of the run hears from it (the runner knows nothing of pytest or
the terminal): `on_result` gets every record (the recorder), and while `run` waits, `on_wait` is
told after FIRST_TICK seconds, then every WAIT_TICK, which commands of this role are still
running (the plugin wires reports/progress.py to it: a person watching sees what a slow check waits for).

It is also the door where every output enters the run: each record, run live or replayed, is
redacted here (redact.py) before anything else sees it (probes and parsers, evidence, known
causes, the recorder), so no report, snapshot or terminal line can hold an unmasked secret.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Callable, Protocol

from ..redact import redact
from .records import CommandRecord

FIRST_TICK = 3.0  # seconds a check waits for a command before the first progress report
WAIT_TICK = 10.0  # seconds between the reports after that


class Executor(Protocol):
    def __call__(self, command: str, timeout: float) -> CommandRecord: ...


@dataclass(frozen=True)
class Running:
    """A command of this role that has started and not finished."""

    label: str
    started: float  # time.monotonic()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


def _named(command: str, label: str) -> str:
    """What a person is told is running: the label, else the command's first line."""
    return label or command.splitlines()[0]


class CommandRunner:
    """Runs commands on one host role, at most once each."""

    def __init__(
        self,
        role: str,
        execute: Executor,
        timeout: float,
        on_result: Callable[[str, CommandRecord], None] | None = None,
        timeout_setting: str = "--probe-timeout",
        on_wait: Callable[[str, str, list[Running]], None] | None = None,
    ):
        self.role = role
        self.execute = execute
        self.timeout = timeout
        self.timeout_setting = timeout_setting  # where a user changes `timeout` (named in a timeout failure)
        self.on_result = on_result
        self.on_wait = on_wait  # (role, awaited label, the role's Running commands)
        self.executed = 0
        self._futures: dict[str, Future] = {}
        self._running: dict[str, Running] = {}
        self._lock = threading.Lock()
        self._slots: threading.BoundedSemaphore | None = None  # made by the first prefetch

    def run(self, command: str, label: str = "", timeout: float | None = None) -> CommandRecord:
        """The command's record: from the memo, from a prefetch in flight, or run now (within
        `timeout` seconds when given, else the runner's)."""
        label = _named(command, label)
        future, mine = self._claim(command)
        if mine:
            self._execute(command, label, future, timeout)
        return self._wait(future, label)

    def prefetch(self, commands: dict[str, str], parallel: int = 4) -> None:
        """Start commands (command -> label) in the background unless already known or running.

        At most `parallel` prefetched commands of this role run at once (the first call sets it).
        """
        with self._lock:
            if self._slots is None:
                self._slots = threading.BoundedSemaphore(max(1, parallel))
        for command, label in commands.items():
            future, mine = self._claim(command)
            if mine:
                threading.Thread(target=self._execute_in_slot, args=(command, _named(command, label), future),
                                 daemon=True, name=f"wslgpu-prefetch-{self.role}").start()

    def running(self) -> list[Running]:
        with self._lock:
            return sorted(self._running.values(), key=lambda r: r.started)

    def _claim(self, command: str) -> tuple[Future, bool]:
        with self._lock:
            future = self._futures.get(command)
            if future is not None:
                return future, False
            future = self._futures[command] = Future()
            return future, True

    def _execute_in_slot(self, command: str, label: str, future: Future) -> None:
        with self._slots:
            self._execute(command, label, future)

    def _execute(self, command: str, label: str, future: Future, timeout: float | None = None) -> None:
        with self._lock:
            self._running[command] = Running(label, time.monotonic())
        try:
            record = self.execute(command, timeout or self.timeout).masked(redact)
        except BaseException as exc:  # NotRecorded under replay, or an executor bug: the reader sees it
            future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        finally:
            with self._lock:
                self._running.pop(command, None)
        with self._lock:
            self.executed += 1
        try:
            if self.on_result is not None:
                self.on_result(self.role, record)
        finally:
            future.set_result(record)

    def _wait(self, future: Future, label: str) -> CommandRecord:
        tick = FIRST_TICK
        while True:
            try:
                return future.result(timeout=tick if self.on_wait else None)
            except FutureTimeout:
                self.on_wait(self.role, label, self.running())
                tick = WAIT_TICK
