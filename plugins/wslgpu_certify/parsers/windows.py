"""Parsers for Windows-side command output: ver, dism, wsl.exe and VS Code's extension list."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._text import clean, content_lines, is_prompt, lines, plausible_count, require_text
from .errors import UnreadableOutput
from ..lazy_regex import regex


@dataclass(frozen=True)
class WindowsBuild:
    """Windows version as printed by `ver`, e.g. 10.0.20201.1000."""

    major: int
    minor: int
    build: int
    revision: int | None

    def __str__(self) -> str:
        parts = [self.major, self.minor, self.build] + ([self.revision] if self.revision is not None else [])
        return ".".join(str(p) for p in parts)


# `ver`: "Microsoft Windows [Version 10.0.20201.1000]" (setup-guide §3.1); localized word inside
# the brackets, e.g. "[版本 10.0.18362.207]" (wsl-cli__zh-ver-18362-wsl-l-v-unsupported.txt).
_VER = regex(r"\[\s*[^\]\d\s]+\s+(\d+)\.(\d+)\.(\d+)(?:\.(\d+))?\s*\]")


def parse_ver(text: str) -> WindowsBuild:
    """Read the Windows version from `cmd.exe /c ver` output (first bracketed version wins).

    .NET/PowerShell `OSVersion` strings are deliberately not accepted: without a manifest they
    report a shimmed 6.2.9200 (winver__dotnet-osversion-reports-6.2.9200-on-win10.txt).
    """
    match = _VER.search(require_text("Windows version (ver)", text))
    if not match:
        raise UnreadableOutput("Windows version (ver)", text)
    major, minor, build, rev = match.groups()
    # NT versions are 5.x-10.x and every build since NT 4 has four or five digits (7601, 9600, 20201).
    if not (5 <= int(major) <= 10 and 1000 <= int(build) <= 99999):
        raise UnreadableOutput("Windows version (ver) out of range", match.group(0))
    return WindowsBuild(int(major), int(minor), int(build), int(rev) if rev is not None else None)


@dataclass(frozen=True)
class FeatureState:
    """State of a Windows optional feature per `dism /get-featureinfo`."""

    name: str
    state: str | None
    needs_elevation: bool
    error: str | None = None


_DISM_ELEVATION = regex(r"Error:\s*740\b|requires elevation|elevated permissions are required", re.I)
_DISM_STATE = regex(r"^\s*State\s*:\s*(.+?)\s*$", re.M)
# The states dism prints for a feature (DismPackageFeatureState, learn.microsoft.com/windows-hardware/
# manufacture/desktop/dism/dismpackagefeaturestate-enumeration): a cut value such as "Enab" is none of them.
_DISM_STATES = {
    "not present", "disable pending", "disabled", "disabled with payload removed", "enabled",
    "enable pending", "superseded", "partially installed", "staged", "removed", "installed",
}
_DISM_ERROR = regex(r"^\s*Error:\s*\S.*$", re.M)


def parse_dism_feature_info(text: str, name: str) -> FeatureState:
    """Read `dism.exe /online /get-featureinfo /featurename:NAME` output ("State : Enabled").

    Elevation errors give state=None, needs_elevation=True; other dism errors (e.g. an unknown
    feature name) give state=None with the error line.
    """
    body = require_text(f"dism feature info for {name}", text)
    if _DISM_ELEVATION.search(body):
        return FeatureState(name, None, True, "dism requires an elevated shell")
    state = _DISM_STATE.search(body)
    if state:
        if state.group(1).lower() not in _DISM_STATES:
            raise UnreadableOutput(f"dism feature info for {name} (unknown state)", state.group(0))
        return FeatureState(name, state.group(1), False)
    error = _DISM_ERROR.search(body)
    if error:
        # The message usually follows the "Error: 0x..." line after a blank line.
        rest = [line for line in body[error.end():].split("\n") if line.strip()]
        message = error.group(0).strip() + (": " + rest[0].strip() if rest else "")
        return FeatureState(name, None, False, message)
    raise UnreadableOutput(f"dism feature info for {name}", text)


@dataclass(frozen=True)
class WslStatus:
    """What `wsl --status` reports."""

    default_distribution: str | None
    default_version: int | None
    kernel_version: str | None


def _field(body: str, label: str) -> str | None:
    match = re.search(rf"^\s*{label}\s*[:：]\s*(\S.*?)\s*$", body, re.M | re.I)
    return match.group(1) if match else None


def parse_wsl_status(text: str) -> WslStatus:
    """Read `wsl --status` (wsl-cli__status-default-v2-but-distro-still-wsl1.txt)."""
    body = require_text("wsl --status", text)
    distro = _field(body, "Default Distribution")
    version = _field(body, "Default Version")
    kernel = _field(body, "Kernel version")
    if distro is None and version is None:
        raise UnreadableOutput("wsl --status", text)
    # Every form prints "Default Version: 1|2" after the distribution; the Store form stops there
    # (wsl-cli__status-store-wsl-two-lines-no-kernel.txt, https://github.com/microsoft/WSL/issues/9448).
    # The inbox form goes on ("... was last updated on", "WSL automatic updates are on.") and ends
    # with "Kernel version: X" (wsl-cli__status-default-v2-but-distro-still-wsl1.txt), or with the
    # aka.ms link to the kernel update when none is installed (https://github.com/MicrosoftDocs/WSL/issues/1599).
    # So once anything follows the Default Version line, output cut before that end is unreadable.
    if version is None or not re.fullmatch(r"[12]", version):
        raise UnreadableOutput("wsl --status (no whole Default Version line)", text)
    after = body[re.search(r"^\s*Default Version\s*[:：].*$", body, re.M | re.I).end():]
    goes_on = next((line for line in lines(after) if line.strip()), None)
    if goes_on is not None and not is_prompt(goes_on):
        ends = (kernel and re.match(r"\[?\d+(?:\.\d+)+", kernel)) or re.search(r"aka\.ms/", after)
        if not ends:
            raise UnreadableOutput("wsl --status (cut before its Kernel version line)", text)
    version_number = re.match(r"\d+", version) if version else None
    return WslStatus(distro, int(version_number.group(0)) if version_number else None, kernel)


@dataclass(frozen=True)
class WslDistro:
    """One row of `wsl -l -v`."""

    name: str
    state: str
    version: int
    is_default: bool


_LV_HEADER = regex(r"^\s*NAME\s+STATE\s+VERSION\s*$")
# Distro names cannot contain spaces; states are single words (Running, Stopped, Installing...).
_LV_ROW = regex(r"^\s*(\*)?\s*(\S+)\s+(\S+)\s+(\d+)\s*$")
_NO_DISTROS = regex(r"has no installed distributions", re.I)


def parse_wsl_list_verbose(text: str) -> list[WslDistro]:
    """Read `wsl -l -v`; rows follow the NAME STATE VERSION header, '*' marks the default."""
    all_lines = lines(require_text("wsl -l -v", text))
    start = next((i for i, line in enumerate(all_lines) if _LV_HEADER.match(line)), None)
    if start is None:
        if _NO_DISTROS.search(clean(text)):
            return []
        # Builds before WSL 2 print usage instead (wsl-cli__zh-ver-18362-wsl-l-v-unsupported.txt).
        raise UnreadableOutput("wsl -l -v (no NAME STATE VERSION header)", text)
    distros = []
    for line in all_lines[start + 1:]:
        if not line.strip():
            continue
        row = _LV_ROW.match(line)
        if not row or row.group(4) not in ("1", "2"):
            if not distros:
                # With no distros wsl prints its "no installed distributions" line, never a bare header.
                raise UnreadableOutput("wsl -l -v (header without a whole row)", text)
            break  # the next prompt or unrelated output
        star, name, state, version = row.groups()
        distros.append(WslDistro(name, state, int(version), bool(star)))
    if not distros:
        raise UnreadableOutput("wsl -l -v (header without a whole row)", text)
    return plausible_count("wsl -l -v distros", distros, text, 256)


# Title of `wsl --list`: "Windows Subsystem for Linux Distributions:" or localized, always ending in ':'.
_TITLE = regex(r"[:：]\s*$")
_DEFAULT_SUFFIX = regex(r"\s*[(（][^)）]*[)）]\s*$")  # "(Default)", "(默认)"
_DISTRO_NAME = regex(r"^[\w.\-]+$")


def parse_wsl_list(text: str) -> list[str]:
    """Read `wsl --list`: distro names without the title and the "(Default)" suffix."""
    all_lines = lines(require_text("wsl --list", text))
    title = next((i for i, line in enumerate(all_lines) if _TITLE.search(line) and not is_prompt(line)), None)
    if title is None:
        if _NO_DISTROS.search(clean(text)):
            return []
        body = [line.strip() for line in all_lines if line.strip() and not is_prompt(line)]
    else:
        body = []
        for line in all_lines[title + 1:]:
            if not line.strip() or is_prompt(line):
                break
            body.append(line.strip())
    names = [_DEFAULT_SUFFIX.sub("", line) for line in body]
    if not names or not all(_DISTRO_NAME.match(name) for name in names):
        raise UnreadableOutput("wsl --list", text)
    return plausible_count("wsl --list distros", names, text, 256)


@dataclass(frozen=True)
class WslVersionInfo:
    """What `wsl --version` says: component versions (Store WSL), or that wsl.exe is the inbox one.

    store is False for the inbox wsl.exe of Windows 10/11 builds without the Store package: it has
    no --version and answers with "Invalid command line option: --version" and its usage text.
    """

    wsl_version: str | None
    kernel_version: str | None
    windows_version: str | None
    store: bool = True
    wslg_version: str | None = None
    msrdc_version: str | None = None
    direct3d_version: str | None = None
    dxcore_version: str | None = None


# Store WSL prints seven "label: version" lines in a fixed order (WSL, Kernel, WSLg, MSRDC, Direct3D,
# DXCore, Windows): corpus wsl-cli__version-2.4.8-healthy.txt (docker/for-win#14557),
# wsl-cli__status-and-version-1.1.2-healthy.txt (microsoft/WSL#9633), usbipd-win#727 (1.2.5).
# Labels are localised, the component names are not: Chinese "WSL 版本： 1.0.3.0", "内核版本： ...",
# "Windows版本： ..." with full-width colons (corpus nvidia-smi__wsl-from-powershell-driver-not-loaded-
# wsl-1.0.3-zh.txt, microsoft/WSL#9640); Spanish "Versión de WSL: 2.0.5.0", "Versión de kernel: ...",
# "Versión DXCore: ..." (https://github.com/microsoft/WSL/issues/10671). So lines are keyed by the
# component name in the label; the one label naming none of them is the kernel's.
_VERSION_LINE = regex(r"^\s*(\S[^:：]*?)\s*[:：]\s*(\d[\w.+\-]*)\s*$")
_COMPONENTS = (
    ("wslg", regex(r"\bWSLg\b", re.I)),
    ("msrdc", regex(r"\bMSRDC\b", re.I)),
    ("direct3d", regex(r"\bDirect3D\b", re.I)),
    ("dxcore", regex(r"\bDXCore\b", re.I)),
    ("windows", regex(r"Windows", re.I)),
    ("wsl", regex(r"(?<![A-Za-z])WSL(?![A-Za-z])")),
)
# Inbox wsl.exe: "Invalid command line option: --version" then "Copyright (c) Microsoft Corporation..."
# and "Usage: wsl.exe [Argument] [Options...] [CommandLine]" (microsoft/WSL#10975, MicrosoftDocs/WSL#1679,
# MicrosoftDocs/WSL#2001); localised like "命令行选项无效: -v" / "用法: wsl.exe [参数] ..." (microsoft/WSL#4258).
# Store WSL takes -v as --version, so the inbox refusing -v is the same answer.
_INBOX_ENGLISH = regex(r"^\s*Invalid command line option:\s*(?:--version|-v)\s*$", re.M)
_INBOX_OPTION = regex(r"^\s*\S[^\n]*[:：]\s*(?:--version|-v)\s*$", re.M)
_INBOX_CONTEXT = regex(r"wsl\.exe\s*\[|Microsoft Corporation", re.I)
# The English refusal goes on with the usage text: its whole first line and first section header
# are there in any answer that was not cut short.
_INBOX_USAGE = regex(r"^Usage: wsl(?:\.exe)? \[Argument\] \[Options\.\.\.\] \[CommandLine\]\s*$[\s\S]*"
                     r"^Arguments for running Linux binaries:\s*$", re.M)


def parse_wsl_version(text: str, whole_answer: bool = False) -> WslVersionInfo:
    """Read `wsl --version` (decoded from UTF-16): Store WSL's component lines, or the inbox refusal.

    A paste often holds the refusal's first line alone; `whole_answer` (a command the suite ran
    itself) also wants the usage text that follows it, so an answer cut short is not vouched for.
    """
    body = clean(text)
    # Only a run of consecutive "label: version" lines is the answer: `wsl --status` beside it in a
    # transcript has "Default Version: 2", which must not be read as the kernel's.
    runs: list[dict[str, str]] = [{}]
    for line in body.split("\n"):
        match = _VERSION_LINE.match(line)
        if not match:
            if runs[-1]:
                runs.append({})
            continue
        label, value = match.groups()
        key = next((name for name, pattern in _COMPONENTS if pattern.search(label)), "kernel")
        runs[-1].setdefault(key, value)
    found = next((run for run in runs if "wsl" in run), {})
    if "wsl" in found and "kernel" in found and "windows" in found:
        return WslVersionInfo(
            found["wsl"], found["kernel"], found["windows"], True,
            found.get("wslg"), found.get("msrdc"), found.get("direct3d"), found.get("dxcore"),
        )
    english = _INBOX_ENGLISH.search(body)
    if (english and (not whole_answer or _INBOX_USAGE.search(body))) or (
            not english and _INBOX_OPTION.search(body) and _INBOX_CONTEXT.search(body)):
        return WslVersionInfo(None, None, None, store=False)
    # Seven lines cut short lose "Windows version", the last one: refuse rather than half-read.
    raise UnreadableOutput("wsl --version", text)


# Extension ids are publisher.name; `--show-versions` appends "@1.2.3".
_EXTENSION = regex(r"^([\w-]+\.[\w.-]+?)(?:@\S+)?$")


def parse_code_extensions(text: str) -> list[str]:
    """Read `code --list-extensions`: lowercased extension ids, in order."""
    candidates = content_lines(require_text("code --list-extensions", text))
    ids = [m.group(1).lower() for m in map(_EXTENSION.match, candidates) if m]
    if candidates and not ids:
        # e.g. "'code' is not recognized as an internal or external command"
        raise UnreadableOutput("code --list-extensions", text)
    return ids
