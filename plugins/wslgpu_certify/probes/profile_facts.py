"""The profile a machine is judged under, resolved once as the run starts (profile_choice.py says the rule).

The facts are read with the probes the checks use (`cmd.exe /c ver`, the kernel, `docker info`),
through the machine's runners: memoized, so the checks reuse each record, recorded by --record,
answered by a snapshot on replay. A fact that cannot be read is None, never an error here: the
check that reads it says what went wrong.
"""

from __future__ import annotations

from ..placeholders import fill
from ..profile import load_profile
from ..profile_choice import AUTO, AUTO_CHOSEN, MachineFacts, ProfileChoice, choose, explicit, from_snapshot
from .distro import DOCKER_INFO, KERNEL
from .probe import Probe
from .windows import DISTRO_KERNEL_FROM_WINDOWS, WINDOWS_VER


def _read(machine, role: str, probe: Probe, values: dict | None = None):
    """The probe's parsed record, or None (no such host, not recorded, failed, unreadable)."""
    runner = machine.runner(role)
    if runner is None:
        return None
    try:
        record = runner.run(fill(probe.command, values) if values else probe.command)
        if record.timed_out or (probe.ok_exit is not None and record.exit_status not in probe.ok_exit):
            return None
        return probe.parse(record.stdout if probe.text == "stdout" else record.stdout + "\n" + record.stderr)
    except Exception:  # NotRecorded, UnreadableOutput, a program that cannot start: not a fact
        return None


def read_facts(machine) -> MachineFacts:
    """The Windows build, the kernel and Docker's operating system, as far as this machine answers them."""
    if not machine.is_wsl:  # native Linux: only the kernel is named in the reason
        kernel = _read(machine, "wsl", KERNEL)
        return MachineFacts(machine.env, kernel=kernel.release if kernel else None)
    build = _read(machine, "windows", WINDOWS_VER)
    kernel = (_read(machine, "windows", DISTRO_KERNEL_FROM_WINDOWS, {"distro": machine.distro})
              if machine.env == "windows" else _read(machine, "wsl", KERNEL))
    info = _read(machine, "wsl", DOCKER_INFO)
    return MachineFacts(machine.env, windows_build=build.build if build else None,
                        kernel=kernel.release if kernel else None,
                        docker_os=getattr(info, "operating_system", None))


def resolve_profile(machine, asked: str, decided: dict | None = None) -> None:
    """Set `machine.profile` and `machine.profile_choice` for --cert-profile `asked` (a name, a path, or auto).

    `decided`: the choice the xdist controller made (its to_json), so every worker judges under the same one.
    A ProfileError (a missing or invalid profile) goes to the caller, which makes it a usage error.
    """
    if decided is not None:
        choice = ProfileChoice.from_json(decided)
        machine.profile, machine.profile_choice = load_profile(asked if asked != AUTO else choice.name), choice
        return
    recorded = machine.snapshot.metadata.get("profile") if machine.replay else None
    if asked == AUTO:
        choice = from_snapshot(recorded, None) if machine.replay else None
        if choice is None:
            facts = read_facts(machine)
            choice = from_snapshot(recorded, facts) if machine.replay else choose(facts)
        machine.profile = load_profile(choice.name)
    else:
        machine.profile = load_profile(asked)  # first: a bad path is a usage error before anything is read
        fits = from_snapshot(recorded, None) if machine.replay else None
        from_record = fits is not None
        if fits is None and machine.profile.get("name") in AUTO_CHOSEN:
            fits = choose(read_facts(machine))
        choice = explicit(machine.profile.get("name", asked), fits, recorded=from_record)
    machine.profile_choice = choice
    if machine.recording is not None:
        machine.recording.metadata["profile"] = machine.profile.get("name")
