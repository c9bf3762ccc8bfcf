"""A testinfra backend over the shared CommandRunner.

Every host the suite hands out (`windows_host`, `wsl_host`, containers) is a real
`testinfra.host.Host`, so `host.file(...)`, `host.package(...)` and friends work in
a user's own checks, and whatever they run is timed out, decoded, memoized and
recorded (or replayed) exactly like the suite's own probes.
"""

from __future__ import annotations

from typing import Any

import testinfra.host
from testinfra.backend import base

from .runner import CommandRunner


class RunnerBackend(base.BaseBackend):
    NAME = "wslgpu"

    def __init__(self, runner: CommandRunner, **kwargs: Any):
        self.runner = runner
        super().__init__(runner.role, **kwargs)

    def get_pytest_id(self) -> str:
        return f"wslgpu://{self.runner.role}"

    def get_encoding(self) -> str:
        return "utf-8"  # the runner already decoded everything

    def run(self, command: str, *args: str, **kwargs: Any) -> base.CommandResult:
        command = self.get_command(command, *args)
        record = self.runner.run(command)
        # testinfra has no notion of a timeout: a timed-out command reads as exit 124, like timeout(1);
        # one whose output passed the cap was killed (SIGKILL, 137): never a success on output cut short
        exit_status = 124 if record.timed_out else 137 if record.cut_at else record.exit_status
        return self.result(exit_status, self.encode(command), record.stdout, record.stderr)


def make_host(runner: CommandRunner) -> testinfra.host.Host:
    return testinfra.host.Host(RunnerBackend(runner))


def runner_of(host: testinfra.host.Host) -> CommandRunner:
    return host.backend.runner
