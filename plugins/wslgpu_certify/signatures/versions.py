"""The component versions an output shows, or a run published: what known_bad_releases.toml is matched against.

Components (releases.COMPONENTS) and where each is read, in the words the tools print:

    driver               nvidia-smi's banner `Driver Version: 552.55` (Windows or WSL: both print the Windows
                         driver's version), nvidia-container-cli info's `NVRM version: 531.18`
    wsl                  wsl --version's `WSL version: 2.3.26.0`
    kernel               /proc/version's `Linux version 5.15.90.1-...`, wsl --version's `Kernel version: ...`
    windows              ver's `Microsoft Windows [Version 10.0.22631.3880]`, wsl --version's `Windows version:`
    docker-desktop       docker version's `Server: Docker Desktop 4.17.1 (101757)`
    docker-engine        docker version's server `Engine:` block, docker info's `Server Version:`
    toolkit              `NVIDIA Container Toolkit CLI version 1.14.3` (nvidia-ctk), `NVIDIA Container Runtime
                         version`, dpkg's / apt's nvidia-container-toolkit line
    libnvidia-container  nvidia-container-cli --version's `cli-version:`, its debug log's `initializing library
                         context (version=1.5.1`, dpkg's libnvidia-container1 line

Pure and bounded: regexes over the lines that hold each component's words (tables.lines_with).
"""

from __future__ import annotations

import re

from ..lazy_regex import regex

# component -> (words a line must hold, patterns whose group 1 is the version), most trusted first
_READERS: dict[str, tuple[tuple[str, ...], tuple[re.Pattern, ...]]] = {
    "driver": (("driver version", "nvrm version"), (
        regex(r"Driver Version:\s*(\d+\.\d+(?:\.\d+)*)", re.I),
        regex(r"^NVRM version:\s*(\d+\.\d+(?:\.\d+)*)", re.I | re.M))),
    "wsl": (("wsl version",), (regex(r"^\s*WSL version:\s*(\d+\.\d+\.\d+(?:\.\d+)?)", re.I | re.M),)),
    "kernel": (("linux version", "kernel version"), (
        regex(r"Linux version (\d+\.\d+\.\d+(?:\.\d+)*)"),
        regex(r"^\s*Kernel version:\s*(\d+\.\d+\.\d+(?:\.\d+)*)", re.I | re.M))),
    "windows": (("microsoft windows [version", "windows version"), (
        regex(r"Microsoft Windows \[Version \d+\.\d+\.(\d+(?:\.\d+)?)\]", re.I),
        regex(r"^\s*Windows version:\s*\d+\.\d+\.(\d+(?:\.\d+)?)", re.I | re.M))),
    "docker-desktop": (("docker desktop",), (regex(r"Server:\s*Docker Desktop (\d+\.\d+\.\d+)", re.I),
                                            regex(r"^\s*Docker Desktop (\d+\.\d+\.\d+) \(\d+\)", re.I | re.M))),
    "docker-engine": (("version",), (
        regex(r"^Server:[^\n]*\n(?:[^\n]*\n){0,2}?\s*Engine:\s*\n\s*Version:\s*(\d+\.\d+\.\d+)", re.M),
        regex(r"^\s*Server Version:\s*(\d+\.\d+\.\d+)", re.M))),
    "toolkit": (("nvidia container", "nvidia-container-toolkit"), (
        regex(r"NVIDIA Container (?:Toolkit CLI|Runtime Hook|Runtime) version (\d+\.\d+\.\d+[\w.~+-]*)"),
        regex(r"^ii\s+nvidia-container-toolkit(?::\w+)?\s+(\d+\.\d+\.\d+[\w.~+-]*)", re.M),
        regex(r"^nvidia-container-toolkit/\S+(?:,\S+)?\s+(\d+\.\d+\.\d+[\w.~+-]*)", re.M))),
    "libnvidia-container": (("cli-version", "library context", "libnvidia-container1"), (
        regex(r"^cli-version:\s*(\d+\.\d+\.\d+[\w.~+-]*)", re.M),
        regex(r"initializing library context \(version=(\d+\.\d+\.\d+[\w.~+-]*)"),
        regex(r"^ii\s+libnvidia-container1(?::\w+)?\s+(\d+\.\d+\.\d+[\w.~+-]*)", re.M),
        regex(r"^libnvidia-container1/\S+(?:,\S+)?\s+(\d+\.\d+\.\d+[\w.~+-]*)", re.M))),
}
# Only the docker-engine reader needs several lines at once (the Server: block): the others read one line.
_WHOLE_TEXT = {"docker-engine"}

# figure a check publishes (checks/*.py publish(...)) -> component; the value is read with the same words
_FIGURES = {"driver": "driver", "toolkit_driver": "driver", "windows_build": "windows", "kernel": "kernel",
            "nvidia-container-toolkit": "toolkit", "nvidia_ctk": "toolkit", "libnvidia-container1": "libnvidia-container"}
_LEADING = regex(r"\d+(?:\.\d+)*")
_STORE_WSL = regex(r"\bWSL (\d+\.\d+\.\d+(?:\.\d+)?)")  # the "wsl" figure: "Store WSL 2.3.26.0, kernel ..."
_DESKTOP = regex(r"Docker Desktop (\d+\.\d+\.\d+)")  # the "docker" figure: "Docker Desktop 4.x, engine 27.3.1"
_ENGINE = regex(r"(?:Community|engine) (\d+\.\d+\.\d+)")


def versions_in(text: str | None) -> dict[str, str]:
    """{component: version} this output shows: each component's first reading, by its most trusted pattern."""
    from .families.tables import lines_with  # the shared bounded line filter

    found: dict[str, str] = {}
    if not text:
        return found
    for component, (words, patterns) in _READERS.items():
        body = text if component in _WHOLE_TEXT else lines_with(text, words)
        if not body:
            continue
        for pattern in patterns:
            hit = pattern.search(body)
            if hit:
                found[component] = hit.group(1)
                break
    return found


def versions_from_figures(figures: dict) -> dict[str, str]:
    """{component: version} from the figures a run's checks published (reports/envelope.py's FACTS)."""
    found: dict[str, str] = {}
    for figure, component in _FIGURES.items():
        value = figures.get(figure)
        number = _LEADING.search(str(value)) if value is not None else None
        if number and component not in found:
            found[component] = number.group(0)
    wsl = _STORE_WSL.search(str(figures.get("wsl") or ""))
    if wsl:
        found["wsl"] = wsl.group(1)
    docker = str(figures.get("docker") or "")
    for component, pattern in (("docker-desktop", _DESKTOP), ("docker-engine", _ENGINE)):
        hit = pattern.search(docker)
        if hit:
            found.setdefault(component, hit.group(1))
    return found
