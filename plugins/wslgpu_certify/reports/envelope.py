"""results.json's run envelope (who, which run, when, how it ended) and its machine facts for a fleet view.

The envelope is written twice: at session start as a provisional document (`state: running`,
`complete: false`), so a run killed outright (SIGKILL, a runner's power cut) leaves
"started and died", never "no results"; and at the end, `finished` or `interrupted`.
The facts are the published figures a fleet view lists per machine (docs/results.md).
"""

from __future__ import annotations

import os
import re
import signal
from dataclasses import dataclass, field
from datetime import datetime, timezone

import pytest

# fact in results.json -> the figure a check publishes (the lowest layer's value: RunSummary.figures),
# and what is kept of it. Each fact is null when no check of the run published its figure.
FACTS = {
    "windows_build": ("windows_build", None),  # windows.build
    "wsl_version": ("wsl", None),  # windows.wsl.store: `wsl --version`'s WSL version, or the inbox wsl.exe
    "kernel": ("kernel", None),  # windows.wsl.kernel (`wsl --status`), else wsl.kernel.version (/proc/version)
    "driver": ("driver", None),  # windows.nvidia.driver (nvidia-smi.exe)
    "cuda": ("cuda", None),  # gpu.nvidia_smi.driver (nvidia-smi in WSL)
    "docker": ("docker", None),  # docker.engine.community
    "toolkit": ("nvidia-container-toolkit", None),  # docker.package.nvidia-container-toolkit
    "distribution": ("distribution", None),  # wsl.os.release
    # gpu.nbody.device publishes "NAME (compute capability X.Y)"; a container's log names the GPU alone:
    # the fact is the name, so one GPU model is one value whichever check saw it
    "gpu": ("gpu", lambda value: re.sub(r"\s*\(compute capability [^)]*\)\s*$", "", str(value))),
    "nbody_gflops": ("nbody_gflops", None),  # gpu.nbody.performance
    "nbody_baseline_gflops": ("nbody_baseline_gflops", None),  # the profile's baseline for this GPU
}

# The CI's own run number, when no --run-id is given: GitHub Actions, then GitLab CI.
RUN_ID_VARIABLES = ("GITHUB_RUN_ID", "CI_PIPELINE_ID")


def facts(figures: dict) -> dict:
    """The FACTS of one run from its merged figures (RunSummary.figures)."""
    out = {}
    for fact, (figure, keep) in FACTS.items():
        value = figures.get(figure)
        out[fact] = None if value is None else (keep(value) if keep else value)
    return out


def default_run_id() -> str | None:
    return next((os.environ[name] for name in RUN_ID_VARIABLES if os.environ.get(name)), None)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class RunEnvelope:
    machine_id: str
    run_id: str | None
    started_at: str = field(default_factory=_now)
    finished_at: str | None = None  # None while running
    exit_status: int | None = None  # the process's exit code, once known
    interrupted_by: str | None = None  # SIGTERM, KeyboardInterrupt, -x/maxfail, ...

    @property
    def state(self) -> str:
        if self.finished_at is None:
            return "running"
        return "interrupted" if self.interrupted_by else "finished"

    @property
    def complete(self) -> bool:
        return self.state == "finished"

    def finish(self, exit_status: int, interrupted_by: str | None) -> None:
        self.finished_at = _now()
        self.exit_status = int(exit_status)
        self.interrupted_by = interrupted_by

    def to_json(self) -> dict:
        return {"machine_id": self.machine_id, "run_id": self.run_id, "started_at": self.started_at,
                "finished_at": self.finished_at, "exit_status": self.exit_status, "complete": self.complete,
                "state": self.state, "interrupted_by": self.interrupted_by}


def interruption(session: pytest.Session, stopped_by: BaseException | None) -> str | None:
    """What stopped the session early, in the envelope's words; None when it ran to its end.

    `stopped_by`: the exception pytest_keyboard_interrupt saw (Ctrl-C, pytest.exit from a signal
    handler, xdist's Interrupted after -x).
    """
    code = int(session.exitstatus)
    if code >= 128:  # pytest.exit(returncode=128 + signal): the containers' SIGTERM handler, and the like
        try:
            return signal.Signals(code - 128).name
        except ValueError:
            return f"exit status {code}"
    if stopped_by is not None:
        message = str(getattr(stopped_by, "msg", None) or stopped_by)
        # pytest's Session.Interrupted, and xdist's own Interrupted (a KeyboardInterrupt of its own) after -x
        if isinstance(stopped_by, pytest.Session.Interrupted) or type(stopped_by).__name__ == "Interrupted":
            return "-x/maxfail" if message.startswith("stopping after") else f"stopped: {message}"
        if isinstance(stopped_by, pytest.exit.Exception):
            return f"pytest.exit: {message}"
        return type(stopped_by).__name__  # KeyboardInterrupt
    if session.shouldfail:  # -x / --maxfail in one process
        return "-x/maxfail"
    if session.shouldstop:
        return f"stopped: {session.shouldstop}"
    if code == pytest.ExitCode.INTERRUPTED:
        return "KeyboardInterrupt"
    if code == pytest.ExitCode.INTERNAL_ERROR:
        return "internal error"
    return None
