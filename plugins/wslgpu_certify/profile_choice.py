"""`--cert-profile auto` (the default): which bundled profile fits the machine, and why, in one sentence.

Pure: it decides from facts already read (probes/profile_facts.py reads them from a machine or a
snapshot, diagnose/diagnosis.py from a paste), runs nothing, and is decided once per machine, before
any check runs. The rule, in order:

- a replay: the profile its snapshot recorded (metadata "profile"), when that is a bundled one;
- native Linux (--env=linux): `current` (there is no native-Linux profile yet: its Linux, Docker and
  GPU expectations, with the Windows and WSL checks not applicable, as every non-WSL run has them);
- the guide's machine: a 2020 Windows 10 Insider build with GPU-PV, 20150 (GPU compute in WSL's first
  Insider build, Windows blog, 2020-06-17) to 20257, or, when the build could not be read, its 4.19 WSL 2
  kernel: `documented` (setup-guide §3.1: build 20201, kernel 4.19.128);
- Docker Desktop's engine answering (`docker info`'s Operating System is "Docker Desktop", docker/cli
  cli/command/system/info.go): `current-desktop`;
- every other machine (Windows 10 21H2+/Windows 11, Store WSL, anything unread): `current`.

An explicit --cert-profile is used as given; when it contradicts what auto would choose, one warning says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from .lazy_regex import regex

AUTO = "auto"
GUIDE_BUILD = 20201  # setup-guide §3.1: `ver` prints 10.0.20201
GUIDE_BUILDS = range(20150, 20258)  # the 2020 Insider builds with GPU-PV the guide's steps fit
CURRENT_FIRST_BUILD = 19044  # Windows 10 21H2: CUDA on WSL's general availability (profiles/current.toml)
WINDOWS_11_FIRST_BUILD = 22000  # Windows 11 21H2; Windows 10 is 10.0.1xxxx-19045 (and the 2xxxx Insider builds)
_GUIDE_KERNEL = regex(r"4\.19(?:\.|$)")  # WSL 2's 4.19 kernels: 4.19.121 brought /dev/dxg, the guide prints 4.19.128
AUTO_CHOSEN = ("documented", "current", "current-desktop")  # the profiles auto chooses between
FACT_CHARS = 80  # a kernel release or an engine's name quoted in a reason: enough for any real one


@dataclass(frozen=True)
class MachineFacts:
    """What the choice reads: the machine's env and three facts, each None when it could not be read."""

    env: str  # "wsl", "windows", "linux"; "paste" for diagnose
    windows_build: int | None = None
    kernel: str | None = None  # the kernel release, e.g. "5.15.167.4-microsoft-standard-WSL2"
    docker_os: str | None = None  # `docker info`'s Operating System, e.g. "Docker Desktop", "Ubuntu 22.04.5 LTS"


@dataclass(frozen=True)
class ProfileChoice:
    """The profile a run is judged under, why, and (explicit profiles) a warning when the machine reads otherwise."""

    name: str
    reason: str
    chosen_by: str  # "auto" or "--cert-profile"
    warning: str | None = None

    def to_json(self) -> dict:
        return {"name": self.name, "reason": self.reason, "chosen_by": self.chosen_by, "warning": self.warning}

    @classmethod
    def from_json(cls, data: dict) -> "ProfileChoice":
        return cls(data["name"], data["reason"], data["chosen_by"], data.get("warning"))


def windows_words(build: int) -> str:
    if build in GUIDE_BUILDS:
        return f"Windows 10 Insider build {build}"
    return f"Windows {11 if build >= WINDOWS_11_FIRST_BUILD else 10} build {build}"


def is_docker_desktop(docker_os: str | None) -> bool:
    return bool(docker_os) and docker_os.strip().lower().startswith("docker desktop")


def _said(text: str) -> str:
    """A fact as the reason quotes it: read from a machine, a snapshot or a paste, so bounded (the doors that print
    it sanitize or escape it: reports/terminal.py, reports/html_report.py, diagnose)."""
    text = " ".join(str(text).split())
    return text if len(text) <= FACT_CHARS else text[:FACT_CHARS] + "..."


def choose(facts: MachineFacts) -> ProfileChoice:
    """The bundled profile that fits a live machine (or a paste, or a snapshot without a recorded profile)."""
    build, kernel = facts.windows_build, _said(facts.kernel) if facts.kernel is not None else None
    if facts.env == "linux":
        return _auto("current", f"native Linux{f' (kernel {kernel})' if kernel else ''}: no native-Linux profile yet "
                                f"-> current, with its Windows and WSL checks not applicable")
    desktop = is_docker_desktop(facts.docker_os)
    if build is not None:
        seen = windows_words(build)
        if build in GUIDE_BUILDS:
            also = "; Docker Desktop answers, which the guide does not use" if desktop else ""
            return _auto("documented", f"{seen}: the guide's 2020 Insider build with GPU-PV ({GUIDE_BUILDS.start}-"
                                       f"{GUIDE_BUILDS.stop - 1}){also} -> documented; --cert-profile current for "
                                       f"today's requirements")
        if build >= GUIDE_BUILDS.stop:
            when = f"newer than the guide's {GUIDE_BUILD}"
        elif build >= CURRENT_FIRST_BUILD:
            when = f"Windows 10 21H2 or later, newer than the guide's Insider {GUIDE_BUILD}"
        else:
            when = f"older than today's {CURRENT_FIRST_BUILD} and not the guide's 2020 Insider build"
    elif kernel is not None and _GUIDE_KERNEL.match(kernel):
        also = "; Docker Desktop answers, which the guide does not use" if desktop else ""
        return _auto("documented", f"kernel {kernel}: the guide's 4.19 WSL 2 kernel (Windows build not read){also} "
                                   f"-> documented; --cert-profile current for today's requirements")
    elif kernel is not None:
        seen, when = f"kernel {kernel}", "newer than the guide's 4.19 (Windows build not read)"
    else:
        seen, when = "Windows build and kernel not read", "today's machines"
    if desktop:
        return _auto("current-desktop", f"{seen}, {when}, Docker Desktop's engine answering (docker info: Operating "
                                        f"System {_said(facts.docker_os)}) -> current-desktop; --cert-profile current "
                                        f"for Docker Engine in the distro")
    return _auto("current", f"{seen}: {when} -> current; --cert-profile documented for the guide exactly")


def from_snapshot(recorded: object, facts: MachineFacts | None) -> ProfileChoice | None:
    """A replay's profile: the one its snapshot recorded when it is bundled; None: decide from its facts
    (`facts` given: that choice, saying the record could not be used)."""
    if isinstance(recorded, str) and recorded in AUTO_CHOSEN + ("standin",):
        return _auto(recorded, f"the snapshot was recorded under profile {recorded} -> {recorded}")
    if facts is None:
        return None
    choice = choose(facts)
    said = (f"the snapshot records profile {_said(repr(recorded))}, which is not bundled (give its .toml with --cert-profile)"
            if recorded else "the snapshot records no profile")
    return _auto(choice.name, f"{said}; its {choice.reason}")


def explicit(name: str, fits: ProfileChoice | None, recorded: bool = False) -> ProfileChoice:
    """An explicit --cert-profile, with one warning line when a bundled one contradicts what fits the machine
    (`recorded`: `fits` is the profile its snapshot recorded)."""
    warning = None
    if fits is not None and name in AUTO_CHOSEN and fits.name != name:
        against = (f"the snapshot, recorded under {fits.name}" if recorded
                   else f"this machine, which reads as {fits.name} ({fits.reason})")
        warning = f"--cert-profile {name} contradicts {against}: judged under {name} as asked"
    return ProfileChoice(name, f"--cert-profile {name}, as asked", "--cert-profile", warning)


def _auto(name: str, reason: str) -> ProfileChoice:
    return ProfileChoice(name, reason, AUTO)
