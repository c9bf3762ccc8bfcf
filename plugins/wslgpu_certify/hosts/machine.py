"""Which machine is being certified, and how each host role is reached from here.

One `Machine` per run: it owns the runners (one per host role), the snapshot being
replayed or recorded, the profile, and the names (user, distro) fixes are filled with.
How each role is reached, live and on replay, and how long its commands may run, is
decided in one place: the ROLES table below.
"""

from __future__ import annotations

import getpass
import os
import platform
import shutil
import socket
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from .. import __version__
from ..placeholders import StandIn
from .snapshot import Snapshot
from .executors import (
    ReplayExecutor,
    distro_via_wsl_exe,
    local_shell,
    windows_native,
    windows_via_interop,
)
from .records import CommandRecord
from .runner import CommandRunner

ENVS = ("auto", "wsl", "windows", "linux", "replay")
WSL_ENVS = ("wsl", "windows")
NOT_WSL_REASON = "not a WSL machine"
NOT_LINUX_REASON = ("a native-Linux check (--env=linux): under WSL the Windows driver projects the GPU, and "
                    "the windows and wsl layers check it")


def detect_env() -> str:
    """auto: WSL if the kernel says so, Windows if on Windows, else native Linux."""
    if sys.platform == "win32":
        return "windows"
    try:
        kernel = Path("/proc/version").read_text(errors="replace").lower()
    except OSError:
        kernel = ""
    return "wsl" if "microsoft" in kernel or os.environ.get("WSL_DISTRO_NAME") else "linux"


def env_mismatch(env: str) -> str | None:
    """Why this machine cannot be certified under a live `env`, in one line naming what it is and what fits."""
    detected = detect_env()
    if env == "wsl" and detected != "wsl":
        what = "Windows" if detected == "windows" else f"a native Linux kernel ({platform.release()})"
        return (f"--env=wsl: this machine is not a WSL distro, it runs {what}: run the suite inside the WSL distro, "
                f"or use --env={detected}")
    if env == "windows":
        missing = [exe for exe in ("cmd.exe", "wsl.exe") if shutil.which(exe) is None]
        if missing:
            return (f"--env=windows: {' and '.join(missing)} cannot be started here (this machine is "
                    f"{'a WSL distro without interop' if detected == 'wsl' else detected}): "
                    f"run the suite on Windows, or use --env={detected}")
    return None


@dataclass(frozen=True)
class HostRole:
    """How commands of one host role reach it.

    `live` makes the executor on a live machine from the machine (None: not reachable from
    here); roles whose live executor another room owns (the container side) leave it None and
    hand theirs to `Machine.runner`. `replay_present`: under replay the role exists on this
    machine even when the snapshot holds none of its commands (each one then reads as not
    recorded, a skip naming the command); otherwise the role is absent. `timeout`: (profile table, key, default seconds) for commands
    that outlast --probe-timeout, and the setting a timeout message names.
    """

    live: Callable[["Machine"], object | None] | None = None
    replay_present: Callable[["Machine"], bool] = lambda machine: False
    timeout: tuple[str, str, float] | None = None


_DRIVES_CONTAINERS = ("wsl", "linux")  # containers/fixtures.py: no container manager from Windows
DEFAULT_EXEC_TIMEOUT = 300.0  # seconds for one command inside a container (TF import, notebooks, training)

ROLES = {
    "windows": HostRole(
        live=lambda m: {"wsl": windows_via_interop, "windows": windows_native}.get(m.env, lambda: None)(),
        replay_present=lambda m: m.is_wsl),
    "wsl": HostRole(
        live=lambda m: distro_via_wsl_exe(m.distro, m.user) if m.env == "windows" else local_shell(),
        replay_present=lambda m: True),
    # A live run from the distro (or native Linux) drives containers even when none started (their images missing):
    # its replay has these roles too, so a check there is blocked or not applicable as it was live, not "not recorded".
    "docker": HostRole(replay_present=lambda m: m.env in _DRIVES_CONTAINERS),  # `start <role>` / `logs <role>`
    "container": HostRole(timeout=("containers", "exec_timeout", DEFAULT_EXEC_TIMEOUT),  # container:<role>
                          replay_present=lambda m: m.env in _DRIVES_CONTAINERS),
}


def host_role(role: str) -> HostRole:
    """The ROLES entry of a role name ("container:rstudio" is a "container" role)."""
    return ROLES[role.split(":", 1)[0]]


@dataclass
class Machine:
    env: str  # the env of the machine itself (for replay: the recorded machine's)
    replay: bool
    profile: dict
    timeout: float
    distro: str | None  # the WSL distro's name (`wsl -d NAME`); None on native Linux, where there is none
    user: str | None  # None: the distro's default user, when it cannot be told
    hostname: str
    machine_id: str = ""  # its name in results.json and its run folder (--machine-id; default the hostname)
    snapshot: Snapshot | None = None  # replayed from
    snapshot_path: str | None = None  # ... the file it was read from
    recording: Snapshot | None = None  # recorded into (--record)
    runners: dict[str, CommandRunner] = field(default_factory=dict)
    on_wait: Callable | None = None  # every runner's on_wait: told while a check waits for a slow command
    distro_is_fallback: bool = False  # no --distro, none recorded: the default one is read at start (probes/identity.py)
    profile_choice: object = None  # a profile_choice.ProfileChoice: which profile and why (probes/profile_facts.py)

    @property
    def is_wsl(self) -> bool:
        return self.env in WSL_ENVS

    def not_applicable(self, wsl_only: bool, envs: tuple[str, ...] = ()) -> str | None:
        """Why a check does not apply to this machine, or None (`envs`: the catalog's `env`, where it applies)."""
        if wsl_only and not self.is_wsl:
            return f"{NOT_WSL_REASON} (env {self.env}): this check needs --env=wsl or --env=windows"
        if envs and self.env not in envs:
            return (NOT_LINUX_REASON if envs == ("linux",) else
                    f"a check for env {' or '.join(envs)} only; this machine is env {self.env}")
        return None

    def names(self) -> dict:
        """Values for `{placeholders}` in remediation text."""
        return {"user": self.user or StandIn("<USER_NAME>"), "distro": self.distro or StandIn("<DISTRO>"), "profile": self.profile.get("name", ""),
                "reticulate_python": self.profile.get("rstudio", {}).get("reticulate_python", StandIn("<PYTHON>")),
                **{f"{role}_image": image for role, image in self.profile.get("images", {}).items()}}

    def _record(self, role: str, record: CommandRecord) -> None:
        if self.recording is not None:
            self.recording.add(role, record)

    def runner(self, role: str, live=None) -> CommandRunner | None:
        """The runner for a role, made on first use; None when this machine has no such host.

        `live`: the executor of a role whose ROLES entry has no `live` of its own (the containers').
        """
        if role not in self.runners:
            spec = host_role(role)
            if self.replay:
                if role not in self.snapshot.hosts and not spec.replay_present(self):
                    return None
                executor = ReplayExecutor(role, self.snapshot.role(role))
            else:
                executor = spec.live(self) if spec.live else live
                if executor is None:
                    return None
            timeout, setting = self._timeout(spec)
            self.runners[role] = CommandRunner(role, executor, timeout, self._record, setting, self.on_wait)
        return self.runners[role]

    def report_waits(self, on_wait: Callable | None) -> None:
        """Hand `on_wait` to every runner of this machine, made already (the start's reads) or later."""
        self.on_wait = on_wait
        for runner in self.runners.values():
            runner.on_wait = on_wait

    def _timeout(self, spec: HostRole) -> tuple[float, str]:
        """The role's timeout and where a user changes it: --probe-timeout, or a longer profile setting."""
        if spec.timeout is not None:
            table, key, default = spec.timeout
            seconds = float(self.profile.get(table, {}).get(key, default))
            if seconds > self.timeout:
                return seconds, f"[{table}] {key} of the profile"
        return self.timeout, "--probe-timeout"


def live_machine(env: str, profile: dict, timeout: float, distro: str | None, user: str | None,
                 record: bool) -> Machine:
    env = detect_env() if env == "auto" else env
    machine = Machine(
        env=env, replay=False, profile=profile, timeout=timeout,
        distro=None if env == "linux" else distro or os.environ.get("WSL_DISTRO_NAME") or "Ubuntu",
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
        distro=None if meta.get("env", "wsl") == "linux" else distro or meta.get("distro") or "Ubuntu",
        user=user or meta.get("user"),
        hostname=meta.get("hostname") or "replayed-machine",
        snapshot=snapshot,
    )
