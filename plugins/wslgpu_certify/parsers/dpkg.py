"""Parsers for Debian's package lists: `dpkg -l` and `dpkg-query -W`, and what a list says about NVIDIA packages."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._text import is_prompt, lines, require_text
from .errors import UnreadableOutput
from ..lazy_regex import regex


@dataclass(frozen=True)
class DpkgPackage:
    """One package as dpkg reports it; status is the two-letter abbreviation ("ii", "rc", "un")."""

    name: str
    version: str | None
    status: str


# `dpkg -l` row: desired+status letters, optional error flag, then name, version, arch, description.
# Long names are cut to the column width, e.g. "libnvidia-compute-460:am"
# (dpkg-nvidia__linux-driver-470-installed-inside-wsl.txt), so the arch suffix is cut at ':'.
_DPKG_L_ROW = regex(r"^([uihrp][ncHUFWti])[R ]?\s+(\S+)\s+(\S+)(?:\s+\S+)?(?:\s.*)?$")
# A whole row goes on past the version to the architecture and a description; "<none>" for "un" rows.
_DPKG_L_WHOLE = regex(r"^[uihrp][ncHUFWti][R ]?\s+\S+\s+\S+\s+(?:[a-z0-9-]+|<none>)\s+\S")
_DPKG_L_START = regex(r"^[uihrp][ncHUFWti][R ]?\s")
# `dpkg-query -W -f='${Package}\t${Version}\t${db:Status-Abbrev}\n'`
# ${db:Status-Abbrev} is want + status letters then the error flag (dpkg-query(1)): "ii ", "rc ", "iHR".
_DPKG_QUERY_ROW = regex(r"^([^\s\t]+)\t([^\t]*)\t([a-zA-Z]{2}[ R]?)\s*$")
_DPKG_NOT_FOUND = regex(r"^dpkg-query: no packages found matching \S+")
_DPKG_HEADER = regex(r"^(Desired=|\|\s*Status=|\|/ Err|\|\|/ Name|\+\+\+-)")


def _bare_name(name: str) -> str:
    return name.split(":", 1)[0]


def parse_dpkg(text: str) -> dict[str, DpkgPackage]:
    """Read `dpkg -l` (maybe grep'd) or `dpkg-query -W -f=...` output into name -> package.

    dpkg never answers a pattern or a package name with nothing: it lists rows, or says
    "dpkg-query: no packages found matching ..." (on stderr, exit 1). So empty output is unreadable,
    as is a table header without its "+++-===" rule, and any row cut before its architecture
    and description (`dpkg -l`) or its status (`dpkg-query`): a listing cut short is not a
    machine without those packages.
    """
    packages: dict[str, DpkgPackage] = {}
    recognised = False
    body = require_text("dpkg package list", text)
    if not body.strip():
        raise UnreadableOutput("dpkg package list (no output: dpkg always prints rows or 'no packages found')", text)
    if re.search(r"^Desired=", body, re.M) and not re.search(r"^\+\+\+-=", body, re.M):
        raise UnreadableOutput("dpkg -l (header cut before its +++-=== rule)", text)
    for line in lines(body):
        if not line.strip() or is_prompt(line):
            continue
        query = _DPKG_QUERY_ROW.match(line)
        table = None if query else _DPKG_L_ROW.match(line)
        if query:
            name, version, status = query.group(1), query.group(2) or None, query.group(3).strip()
        elif table:
            if not _DPKG_L_WHOLE.match(line):
                raise UnreadableOutput("dpkg -l (row cut short)", line)
            name, version, status = table.group(2), table.group(3), table.group(1)
            version = None if version == "<none>" else version
        else:
            if _DPKG_NOT_FOUND.match(line) or _DPKG_HEADER.match(line):
                recognised = True
            elif "\t" in line or _DPKG_L_START.match(line) or packages:
                # Past the first row, every line is a row or dpkg's message (a command echoed before
                # the rows, as in dpkg-nvidia__container-packages-only-no-linux-driver.txt, is not).
                raise UnreadableOutput("dpkg package list (row cut short)", line)
            continue
        recognised = True
        packages[_bare_name(name)] = DpkgPackage(_bare_name(name), version, status)
    if not recognised:
        raise UnreadableOutput("dpkg package list", text)
    return packages


def installed(packages: dict[str, DpkgPackage]) -> dict[str, DpkgPackage]:
    """Only the packages whose status is "ii" (installed and configured)."""
    return {name: pkg for name, pkg in packages.items() if pkg.status == "ii"}


# Userspace or kernel parts of a native Linux NVIDIA driver. Inside WSL these shadow the
# libraries mapped from Windows under /usr/lib/wsl/lib (dpkg-nvidia__linux-driver-470-installed-inside-wsl.txt).
_LINUX_DRIVER = regex(
    r"^(?:nvidia-(?:driver|dkms|kernel-common|kernel-source|kernel|utils|compute-utils|headless(?:-no-dkms)?|firmware)-"
    r"|libnvidia-(?:compute|gl|cfg1|common|decode|encode|extra|fbc1|ifr1)-"
    r"|xserver-xorg-video-nvidia|linux-modules-nvidia-|linux-objects-nvidia-|nvidia-\d+$|cuda-drivers)"
)
# The container toolkit is what the guide installs; never count it as a driver.
_CONTAINER_TOOLKIT = regex(r"^(?:nvidia-docker2|nvidia-container-|libnvidia-container)")


def linux_nvidia_driver_packages(packages: dict[str, DpkgPackage]) -> list[str]:
    """Installed package names that belong to a Linux NVIDIA display/compute driver (sorted)."""
    return sorted(
        name for name in installed(packages) if _LINUX_DRIVER.match(name) and not _CONTAINER_TOOLKIT.match(name)
    )
