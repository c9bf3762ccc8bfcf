"""Who and where a machine is, resolved once as the run starts: its distro, its user, its profile.

Options only name what the command line said (options.py runs no command); what it left open is read
here, through the machine's runners, before any check runs: the distro `wsl -l -v` marks default
(from Windows there is no $WSL_DISTRO_NAME), the distro's default user (from Windows without
--wsl-user: `wsl.exe -d DISTRO -- id -un`), then the profile (profile_facts.py). Nothing changes
them afterwards: every finding, fix and report of the run names the same user and distro.
The reads are memoized like any probe (the checks that read `wsl -l -v` reuse this one run),
recorded by --record and answered by the snapshot on replay.
"""

from __future__ import annotations

import pytest

from ..hosts.executors import NotRecorded
from ..parsers.docker_context import is_docker_desktop_distro
from ..parsers.errors import UnreadableOutput
from ..profile import ProfileError
from .arguments import USER, BadArgument
from .probe import command_for
from .profile_facts import resolve_profile
from .windows import DISTRO_DEFAULT_USER, WSL_LIST_VERBOSE


def default_distro(machine) -> str | None:
    """The distro `wsl.exe --list --verbose` marks with `*` unless it is Docker Desktop's, read through the
    Windows runner; None when it cannot be read or marks none."""
    runner = machine.runner("windows")
    if runner is None:
        return None
    try:
        record = runner.run(WSL_LIST_VERBOSE.command)
        distros = WSL_LIST_VERBOSE.parse(record.stdout) if record.exit_status == 0 else []
    except (NotRecorded, UnreadableOutput):
        return None
    # Docker Desktop's own distro marked default is never the one to certify (windows.distro.default says so)
    return next((d.name for d in distros if d.is_default and not is_docker_desktop_distro(d.name)), None)


def distro_user(machine) -> str | None:
    """The distro's default user, asked of it from Windows; None when it cannot be told (fixes keep <USER_NAME>)."""
    runner = machine.runner("windows")
    if runner is None:
        return None
    try:
        record = runner.run(command_for(DISTRO_DEFAULT_USER, {"distro": machine.distro}, machine.replay))
    except (NotRecorded, BadArgument):  # a distro name no shell line may hold
        return None
    user = record.stdout.strip() if record.exit_status == 0 else ""
    try:
        return USER.parse(user) if user else None
    except BadArgument:  # not a user name: never put in a fix
        return None


def resolve_identity(machine) -> None:
    """Set the distro and user the options left open (`machine.distro_is_fallback`, `machine.user` None)."""
    if machine.distro_is_fallback:
        machine.distro = default_distro(machine) or machine.distro
        machine.distro_is_fallback = False
        if machine.recording is not None:
            machine.recording.metadata["distro"] = machine.distro
    if machine.user is None and machine.is_wsl:
        machine.user = distro_user(machine)


def start_machines(machines: list, asked_profile: str, decided: dict) -> list:
    """Each machine's distro, user and profile, resolved once before any check (`decided`: the xdist
    controller's profile choices by machine id). A profile that cannot be loaded is a one-line usage error."""
    for machine in machines:
        resolve_identity(machine)
        try:
            resolve_profile(machine, asked_profile, decided.get(machine.machine_id))
        except ProfileError as exc:
            raise pytest.UsageError(str(exc)) from None
    return machines
