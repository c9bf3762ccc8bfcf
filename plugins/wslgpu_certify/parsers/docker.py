"""Parsers for Docker's output: docker version/info, daemon.json, the engine's errors, the fresh-login poll."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from ._text import VERSION, clean, is_prompt, lines, require_text
from .errors import UnreadableOutput
from ..lazy_regex import regex

# "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?"
# (docker-info__cannot-connect-daemon-unrecognized-service.txt), "Got permission denied while trying
# to connect to the Docker daemon socket ..." (docker-gpu-run__permission-denied-docker-sock-root-owned.txt),
# the Windows client's "error during connect: ...", and Docker Desktop's placeholder `docker` in a distro
# whose WSL integration is off or whose Desktop is not running: "The command 'docker' could not be found
# in this WSL 2 distro. We recommend to activate the WSL integration in Docker Desktop settings."
# (https://github.com/docker/for-win/issues/13088).
_DAEMON_ERROR = regex(
    r"Cannot connect to the Docker daemon|permission denied while trying to connect|error during connect"
    r"|could not be found in this WSL \d distro", re.I
)


def _daemon_error(text: str) -> str | None:
    line = next((line for line in lines(text) if _DAEMON_ERROR.search(line)), None)
    return re.sub(r"^\s*ERROR:\s*", "", line).strip() if line else None


@dataclass(frozen=True)
class DockerVersion:
    """Client and server identity from `docker version`."""

    client_version: str | None
    server_product: str | None
    server_version: str | None
    server_os_arch: str | None
    daemon_error: str | None
    client_os_arch: str | None = None


_KEY_VALUE = regex(r"^(\s*)([^:]+?):\s*(.*?)\s*$")
# GOOS/GOARCH pairs Docker is built for (the Go port list): "linux/amd6" cut short is none of them.
_OS_ARCH = regex(r"(?:linux|windows|darwin|freebsd)/(?:amd64|arm64|arm|386|ppc64le|s390x|riscv64|mips64le)")


def parse_docker_version(text: str) -> DockerVersion:
    """Read `docker version` (docker-info__version-*.txt): "Client:"/"Server:" sections, " Engine:" subsection."""
    section = subsection = None
    sub_indent = 0
    found: dict[tuple[str | None, str | None, str], str] = {}
    products: dict[str, str] = {}
    sections: set[str | None] = set()
    for line in lines(require_text("docker version", text)):
        match = _KEY_VALUE.match(line)
        if not match or is_prompt(line):
            continue
        indent, key, value = len(match.group(1)), match.group(2), match.group(3)
        if indent == 0:
            section = key if key in ("Client", "Server") else None
            sections.add(section)
            subsection = None
            if section and value:
                products[section] = value
            continue
        if subsection and indent <= sub_indent:
            subsection = None
        if not value:  # " Engine:", " containerd:", " runc:" open a component subsection
            subsection, sub_indent = key, indent
            continue
        found.setdefault((section, subsection, key), value)

    def server(key: str) -> str | None:
        # Docker >= 18.09 nests the engine's fields under " Engine:"; older ones list them directly.
        return found.get(("Server", "Engine", key)) or found.get(("Server", None, key))

    client_version = found.get(("Client", None, "Version"))
    daemon_error = _daemon_error(text)
    if client_version is None and server("Version") is None and daemon_error is None:
        raise UnreadableOutput("docker version", text)
    # A "Server:" section is read only whole: its engine gives Version and, after it, OS/Arch in
    # every format from 17.03 to 28.x (docker-info__version-*.txt), so a server cut before its
    # OS/Arch is unreadable, not a server of unknown product. (The client section alone stays
    # "no server": the daemon's error goes to stderr, which the probe may not read.)
    if daemon_error is None and "Server" in sections:
        if server("Version") is None or server("OS/Arch") is None:
            raise UnreadableOutput("docker version (Server section cut before its OS/Arch)", text)
        if not re.fullmatch(VERSION + r"\S*", server("Version")) or not _OS_ARCH.fullmatch(server("OS/Arch")):
            raise UnreadableOutput("docker version (server Version or OS/Arch cut short)", text)
    return DockerVersion(
        client_version=client_version,
        server_product=products.get("Server"),
        server_version=server("Version"),
        server_os_arch=server("OS/Arch"),
        daemon_error=daemon_error,
        client_os_arch=found.get(("Client", None, "OS/Arch")),
    )


@dataclass(frozen=True)
class DockerInfo:
    """Daemon facts from `docker info` (text form)."""

    server_version: str | None
    runtimes: tuple[str, ...]
    default_runtime: str | None
    operating_system: str | None
    kernel_version: str | None
    daemon_error: str | None


def _info_field(body: str, label: str) -> str | None:
    match = re.search(rf"^\s*{label}:[ \t]*(\S.*?)\s*$", body, re.M)
    return match.group(1) if match else None


def parse_docker_info(text: str) -> DockerInfo:
    """Read `docker info` (docker-info__wsl1-kernel-4.4.0-18362-runc-only.txt; newer ones indent fields).

    With a daemon answering, complete output goes on past "Server Version:", "Runtimes:" and
    "Kernel Version:" to "Operating System:", the line that tells Docker Desktop apart (the order of
    docker/cli cli/command/system/info.go, the same from 18.09 to 28.x); output cut before it is
    unreadable, whatever it held before.
    """
    body = require_text("docker info", text)
    runtimes = _info_field(body, "Runtimes")
    info = DockerInfo(
        server_version=_info_field(body, "Server Version"),
        runtimes=tuple(runtimes.split()) if runtimes else (),
        default_runtime=_info_field(body, "Default Runtime"),
        operating_system=_info_field(body, "Operating System"),
        kernel_version=_info_field(body, "Kernel Version"),
        daemon_error=_daemon_error(text),
    )
    if info.server_version is None and info.daemon_error is None:
        raise UnreadableOutput("docker info", text)
    if info.daemon_error is None:
        if any(len(re.findall(rf"^\s*{label}:", body, re.M)) > 1 for label in ("Server Version", "Operating System")):
            raise UnreadableOutput("docker info (its fields printed more than once: output repeated)", body[:400])
        if info.operating_system is None:
            raise UnreadableOutput("docker info (cut before its Operating System line)", text)
        if not re.fullmatch(VERSION + r"\S*", info.server_version):
            raise UnreadableOutput("docker info (Server Version is no version)", info.server_version)
    return info


@dataclass(frozen=True)
class DaemonConfig:
    """The runtime part of /etc/docker/daemon.json (or Docker Desktop's Docker Engine JSON)."""

    runtimes: dict[str, str] = field(default_factory=dict)
    default_runtime: str | None = None


def parse_daemon_json(text: str) -> DaemonConfig:
    """Read daemon.json: runtimes name -> path and "default-runtime"; empty text is an empty config."""
    body = require_text("daemon.json", text).strip()
    if not body:
        # `cat` of a missing file prints nothing on stdout; its exit status is the probe's to judge
        return DaemonConfig()
    try:
        data = json.loads(body)
    except json.JSONDecodeError:
        raise UnreadableOutput("daemon.json (invalid JSON)", text) from None
    if not isinstance(data, dict):
        raise UnreadableOutput("daemon.json (not a JSON object)", text)
    runtimes = data.get("runtimes") or {}
    if not isinstance(runtimes, dict):
        raise UnreadableOutput("daemon.json runtimes", text)
    paths = {name: spec.get("path", "") if isinstance(spec, dict) else "" for name, spec in runtimes.items()}
    return DaemonConfig(paths, data.get("default-runtime"))


# Checked in order: the nvidia-container-cli causes come before generic daemon messages.
_DOCKER_ERRORS = (
    ("no_adapters", r"WSL environment detected but no adapters were found"),
    ("requirement_error", r"nvidia-container-cli: requirement error"),
    ("driver_error", r"initialization error: driver error|dxcore initialization failed|dxcore.*(?:failed|error)"),
    ("no_gpu_driver", r'could not select device driver "[^"]*" with capabilities: \[\[gpu\]\]'),
    ("unknown_runtime", r"unknown or invalid runtime name: nvidia"),
    ("permission_denied", r"permission denied.*docker\.sock"),
    ("daemon_unreachable", r"Cannot connect to the Docker daemon|Is the docker daemon running"),
    ("image_missing", r"Unable to find image|No such image|pull access denied"),
)


def classify_docker_error(text: str) -> str | None:
    """Name the known cause in a failed `docker run`/`docker info` output, or None."""
    body = clean(text)
    for kind, pattern in _DOCKER_ERRORS:
        if re.search(pattern, body, re.I):
            # "Unable to find image ... locally" also precedes every successful first pull.
            if kind == "image_missing" and re.search(r"Downloaded newer image|Pull complete", body):
                continue
            return kind
    return None


@dataclass(frozen=True)
class FreshLogin:
    """What a new login shell saw while waiting for Docker (the --prove-autostart probe)."""

    server_version: str | None  # `docker info --format '{{.ServerVersion}}'` once dockerd answered
    error: str | None  # the last complaint when it never did: daemon down, a sudo prompt...
    sudo_prompted: bool = False


_SERVER_VERSION = regex(r"^\s*(\d+\.\d+\.\d+\S*)\s*$")
# bash -i without a terminal says so on stderr; noise, not a reason
_JOB_CONTROL_NOISE = regex(r"cannot set terminal process group|no job control in this shell", re.I)


def parse_fresh_login(text: str) -> FreshLogin:
    """Read the poll loop's output: a server version line, or the errors printed while it waited."""
    body = [line for line in lines(text) if line.strip() and not _JOB_CONTROL_NOISE.search(line)]
    version = next((m.group(1) for line in body if (m := _SERVER_VERSION.match(line))), None)
    sudo = any(re.search(r"sudo: (?:a password is required|a terminal is required)|\[sudo\] password for", line)
               for line in body)
    if version:
        return FreshLogin(version, None, sudo)
    if not body:
        raise UnreadableOutput("docker answer after a fresh login (no output at all)", text)
    error = _daemon_error("\n".join(body)) or body[-1].strip()
    return FreshLogin(None, error, sudo)


# `docker version`'s server product under Docker Desktop: "Server: Docker Desktop 4.39.0 (184744)"
# (docker-info__version-and-info-context-desktop-linux-docker-desktop-4.39.txt, ...-4.27-windows-client.txt).
_DESKTOP_PRODUCT = regex(r"^Docker Desktop\s+(\d+(?:\.\d+)+)", re.I)


def docker_desktop_version(server_product: str | None) -> str | None:
    """Docker Desktop's own version from the server product line, None for any other engine."""
    match = _DESKTOP_PRODUCT.match((server_product or "").strip())
    return match.group(1) if match else None


NO_DESKTOP_DAEMON_JSON = "wslgpu-certify: no daemon.json"  # what the probe echoes when the file is absent


@dataclass(frozen=True)
class DesktopEngineConfig:
    """Docker Desktop's Docker Engine JSON (%USERPROFILE%\\.docker\\daemon.json, Settings > Docker Engine)."""

    present: bool
    invalid: str | None = None  # why the engine would refuse it: not JSON, not one object
    config: DaemonConfig | None = None


def parse_desktop_daemon_json(text: str) -> DesktopEngineConfig:
    """Read the Windows-side daemon.json as the probe prints it: the file, or the probe's own absent marker.

    Invalid JSON is a finding here, not unreadable output: Docker Desktop's engine refuses to start
    on it ("unable to configure the Docker daemon with file ...").
    """
    body = require_text("Docker Desktop's daemon.json", text).strip()
    if body == NO_DESKTOP_DAEMON_JSON:
        return DesktopEngineConfig(present=False)
    try:
        data = json.loads(body)
    except json.JSONDecodeError as exc:
        return DesktopEngineConfig(present=True, invalid=f"not valid JSON ({exc.msg} at line {exc.lineno})")
    if not isinstance(data, dict):
        return DesktopEngineConfig(present=True, invalid="not one JSON object")
    return DesktopEngineConfig(present=True, config=parse_daemon_json(body))
