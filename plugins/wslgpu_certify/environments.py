"""Which machine is being certified, and how each host role is reached from here.

One `Machine` per run: it owns the runners (one per host role), the snapshot being
replayed or recorded, the profile, and the names (user, distro) fixes are filled with.
"""

from __future__ import annotations

import getpass
import os
import platform
import socket
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from . import __version__
from .executors import (
    ReplayExecutor,
    distro_via_wsl_exe,
    local_shell,
    windows_native,
    windows_via_interop,
)
from .runner import CommandRecord, CommandRunner
from .snapshot import Snapshot

ENVS = ("auto", "wsl", "windows", "linux", "replay")
WSL_ENVS = ("wsl", "windows")
NOT_WSL_REASON = "not a WSL machine"


def detect_env() -> str:
    """auto: WSL if the kernel says so, Windows if on Windows, else native Linux."""
    if sys.platform == "win32":
        return "windows"
    try:
        kernel = Path("/proc/version").read_text(errors="replace").lower()
    except OSError:
        kernel = ""
    return "wsl" if "microsoft" in kernel or os.environ.get("WSL_DISTRO_NAME") else "linux"


@dataclass
class Machine:
    env: str  # the env of the machine itself (for replay: the recorded machine's)
    replay: bool
    profile: dict
    timeout: float
    distro: str
    user: str | None
    hostname: str
    snapshot: Snapshot | None = None  # replayed from
    recording: Snapshot | None = None  # recorded into (--record)
    runners: dict[str, CommandRunner] = field(default_factory=dict)
    on_wait: Callable | None = None  # told while a check waits for a slow command (progress.py)

    @property
    def is_wsl(self) -> bool:
        return self.env in WSL_ENVS

    def names(self) -> dict:
        """Values for `{placeholders}` in remediation text."""
        return {"user": self.user or "<USER_NAME>", "distro": self.distro, "profile": self.profile.get("name", ""),
                "reticulate_python": self.profile.get("rstudio", {}).get("reticulate_python", "<PYTHON>"),
                **{f"{role}_image": image for role, image in self.profile.get("images", {}).items()}}

    def _record(self, role: str, record: CommandRecord) -> None:
        if self.recording is not None:
            self.recording.add(role, record)

    def runner(self, role: str, executor=None) -> CommandRunner | None:
        """The runner for a role, made on first use; None when this machine has no such host."""
        if role not in self.runners:
            if self.replay:
                host_roles = ("windows", "wsl") if self.is_wsl else ("wsl",)
                if role not in self.snapshot.hosts and role not in host_roles:
                    return None
                executor = ReplayExecutor(role, self.snapshot.role(role))
            elif executor is None:
                executor = self._live_executor(role)
                if executor is None:
                    return None
            self.runners[role] = CommandRunner(role, executor, self.timeout, self._record)
            self.runners[role].on_wait = self.on_wait
        return self.runners[role]

    def _live_executor(self, role: str):
        if role == "windows":
            return {"wsl": windows_via_interop, "windows": windows_native}.get(self.env, lambda: None)()
        if role == "wsl":
            if self.env == "windows":
                return distro_via_wsl_exe(self.distro, self.user)
            return local_shell()
        return None


def live_machine(env: str, profile: dict, timeout: float, distro: str | None, user: str | None,
                 record: bool) -> Machine:
    env = detect_env() if env == "auto" else env
    machine = Machine(
        env=env, replay=False, profile=profile, timeout=timeout,
        distro=distro or os.environ.get("WSL_DISTRO_NAME") or "Ubuntu",
        user=user or (None if env == "windows" else getpass.getuser()),
        hostname=socket.gethostname(),
    )
    if record:
        machine.recording = Snapshot(metadata={
            "recorded_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "env": env,
            "profile": profile.get("name"),
            "tool_version": __version__,
            "hostname": machine.hostname,
            "distro": machine.distro,
            "user": machine.user,
            "platform": platform.platform(),
        })
    return machine


def replay_machine(snapshot: Snapshot, profile: dict, timeout: float, distro: str | None,
                   user: str | None) -> Machine:
    meta = snapshot.metadata
    return Machine(
        env=meta.get("env", "wsl"), replay=True, profile=profile, timeout=timeout,
        distro=distro or meta.get("distro") or "Ubuntu",
        user=user or meta.get("user"),
        hostname=meta.get("hostname") or "replayed-machine",
        snapshot=snapshot,
    )
