"""Parsers for the NVIDIA Container Toolkit's own reports: nvidia-container-cli info and the tools' versions.

Formats and their sources are listed per parser and in docs/modern-formats.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._text import clean, evidence, lines
from .errors import UnreadableOutput
from ..lazy_regex import regex

# --- nvidia-container-cli -k -d /dev/tty info --------------------------------------------------
#
# The debug log is glog-style, "I1010 18:04:36.527738 8259 nvc.c:376] message"; the info block
# follows it. Real transcripts:
#   - WSL, dxcore found, Linux driver libraries selected beside WSL ones (libnvidia-container 1.5.1):
#     https://github.com/NVIDIA/nvidia-container-toolkit/issues/289
#   - WSL, dxcore found, only /usr/lib/wsl libraries (1.11.0): https://github.com/NVIDIA/nvidia-docker/issues/1699
#   - WSL adapter without NVIDIA components (1.14.2): https://github.com/NVIDIA/nvidia-docker/issues/1786
#   - dxcore initialization failed (1.3.0): https://github.com/NVIDIA/nvidia-docker/issues/1400
#   - "load library failed: libnvidia-ml.so.1" (1.5.0~rc.2): https://github.com/NVIDIA/nvidia-docker/issues/1542
#   - plain `info` block on WSL (1.12.1): https://github.com/NVIDIA/nvidia-container-toolkit/issues/53
_GLOG = regex(r"^[IWEF]\d{4} [\d:.]+\s+\d+\s+[\w.]+:\d+\]\s?(.*)$")
_LIB_CONTEXT = regex(r"initializing library context \(version=([^,\s)]+)")
_DXCORE_FAILED = regex(r"dxcore initialization failed", re.I)
_DXCORE_OK = regex(r"dxcore layer initialized successfully|skipping kernel modules load on WSL", re.I)
_WDDM_ADAPTER = regex(r"Creating a new WDDM Adapter", re.I)
# "Core Nvidia component libcuda.so.1.1 not found in /usr/lib/wsl/drivers/<inf dir>" (1.14.2) and
# "Core Nvidia library libnvidia-ml.so.1 not found in ..." (k8s-device-plugin#207, same dxcore.c).
_COMPONENT_MISSING = regex(r"Core Nvidia (?:component|library) (\S+) not found in (\S+)")
_SELECTING = regex(r"^selecting (/\S+)$")
# "nvidia-container-cli: initialization error: load library failed: libnvidia-ml.so.1: cannot open ..."
# "nvidia-container-cli: initialization error: driver error: failed to process request"
_CLI_ERROR = regex(r"nvidia-container-cli: (\w[\w ]*? error: .+)$")
_LOAD_FAILED = regex(r"load library failed: ([^:\s]+)")
_INFO_FIELD = regex(r"^(NVRM version|CUDA version|Device Index|Device Minor|Model|Brand|GPU UUID|Bus Location|Architecture):\s*(.*?)\s*$")
# A Linux NVIDIA driver's libraries carry its version: libnvidia-ml.so.470.57.02, libcuda.so.520.56.06.
# WSL's own (mapped from the Windows driver store) end in .so.1 / .so.1.1 instead.
_DRIVER_VERSIONED = regex(r"\.so\.\d{3}\.\d+(?:\.\d+)?$")
WSL_LIB_ROOT = "/usr/lib/wsl/"


@dataclass(frozen=True)
class ToolkitDevice:
    """One "Device Index" block of `nvidia-container-cli info`."""

    index: int | None
    model: str
    brand: str | None
    uuid: str
    bus_location: str
    architecture: str


@dataclass(frozen=True)
class ContainerCliInfo:
    """What `nvidia-container-cli [-k -d /dev/tty] info` reports, or the error it ended with.

    wsl: True when the debug log shows the dxcore (WSL) route, False when it says dxcore failed and it
    continued as non-WSL, None when no debug log was captured (plain `info`).
    linux_driver_libraries: selected libraries outside /usr/lib/wsl that carry a Linux driver version
    suffix (.so.470.57.02): a Linux NVIDIA driver installed inside the distro, which WSL must not have.
    """

    library_version: str | None
    nvrm_version: str | None
    cuda_version: str | None
    devices: tuple[ToolkitDevice, ...]
    wsl: bool | None
    wddm_adapters: int
    missing_components: tuple[tuple[str, str], ...]  # (library, driver store folder)
    selected: tuple[str, ...]
    linux_driver_libraries: tuple[str, ...]
    error: str | None
    missing_library: str | None = None


def _info_devices(fields: list[tuple[str, str]], text: str) -> tuple[str | None, str | None, tuple[ToolkitDevice, ...]]:
    top: dict[str, str] = {}
    blocks: list[dict[str, str]] = []
    for key, value in fields:
        if key == "Device Index":
            blocks.append({})
        (blocks[-1] if blocks else top)[key] = value
    if not top.get("NVRM version") or not top.get("CUDA version"):
        raise UnreadableOutput("nvidia-container-cli info (NVRM/CUDA version lines)", text)
    if not blocks:
        # A cut after the header reads like a driver with no GPUs; the real tool always lists one here.
        raise UnreadableOutput("nvidia-container-cli info (no Device Index block)", text)
    devices = []
    for block in blocks:
        required = ("Model", "GPU UUID", "Bus Location", "Architecture")
        if not all(block.get(key) for key in required):
            raise UnreadableOutput("nvidia-container-cli info (incomplete device block)", text)
        index = block.get("Device Index", "")
        devices.append(
            ToolkitDevice(
                int(index) if index.isdigit() else None,
                block["Model"],
                block.get("Brand") or None,
                block["GPU UUID"],
                block["Bus Location"],
                block["Architecture"],
            )
        )
    return top["NVRM version"], top["CUDA version"], tuple(devices)


def parse_container_cli_info(text: str) -> ContainerCliInfo:
    """Read `nvidia-container-cli -k -d /dev/tty info` (or plain `info`).

    Complete output ends either in the info block (NVRM/CUDA versions and one block per GPU) or in an
    "nvidia-container-cli: ... error: ..." line; a debug log that stops before both is a truncated
    capture and is refused rather than read as "no devices".
    """
    library_version = None
    wsl: bool | None = None
    adapters = 0
    missing: list[tuple[str, str]] = []
    selected: list[str] = []
    fields: list[tuple[str, str]] = []
    error = missing_library = None
    logged = False
    for line in lines(text):
        stripped = line.strip()
        glog = _GLOG.match(stripped)
        if glog:
            logged = True
            message = glog.group(1)
            if m := _LIB_CONTEXT.search(message):
                library_version = m.group(1)
            if _DXCORE_FAILED.search(message):
                wsl = False
            elif _DXCORE_OK.search(message) or _WDDM_ADAPTER.search(message):
                wsl = True
            adapters += bool(_WDDM_ADAPTER.search(message))
            if m := _COMPONENT_MISSING.search(message):
                missing.append((m.group(1), m.group(2)))
            if m := _SELECTING.match(message):
                selected.append(m.group(1))
            if error is None and (m := _LOAD_FAILED.search(message)):
                missing_library = m.group(1)
            continue
        if m := _CLI_ERROR.search(stripped):
            error = m.group(1)
            if lib := _LOAD_FAILED.search(error):
                missing_library = lib.group(1)
            continue
        if m := _INFO_FIELD.match(stripped):
            fields.append((m.group(1), m.group(2)))
    if error is not None:
        nvrm = cuda = None
        devices: tuple[ToolkitDevice, ...] = ()
    elif fields:
        nvrm, cuda, devices = _info_devices(fields, text)
    else:
        what = "nvidia-container-cli info (log ends before the info block or an error)" if logged else "nvidia-container-cli info"
        raise UnreadableOutput(what, evidence(text, r"error|fail|not found"))
    linux_libs = tuple(p for p in selected if not p.startswith(WSL_LIB_ROOT) and _DRIVER_VERSIONED.search(p))
    return ContainerCliInfo(
        library_version, nvrm, cuda, devices, wsl, adapters, tuple(missing), tuple(selected), linux_libs, error,
        missing_library,
    )


# --- versions --------------------------------------------------------------------------------
#
#   nvidia-ctk --version                  "NVIDIA Container Toolkit CLI version 1.12.0" / "commit: <sha>"
#       (corpus nvidia-ctk__version-1.12.0.txt, https://github.com/NVIDIA/nvidia-container-toolkit/issues/50)
#   nvidia-container-toolkit --version    "NVIDIA Container Runtime Hook version 1.17.1" / "commit: <sha>"
#       (fake-nvidia issue transcripts for 1.10.0 .. 1.20.1, e.g. https://github.com/ssst0n3/fake-nvidia)
#   nvidia-container-runtime --version    "NVIDIA Container Runtime version 1.11.0" / "commit: ..." / runc's lines
#       (https://github.com/OE4T/meta-tegra/pull/1475)
#   nvidia-container-cli --version        "cli-version: 1.12.1" / "lib-version: 1.12.1" / "build date: ..." /
#       "build revision: <sha>" / "build compiler: ..." (https://github.com/NVIDIA/nvidia-container-toolkit/issues/53)
_GO_VERSION = regex(
    r"^NVIDIA Container (Toolkit CLI|Runtime Hook|Runtime) version (\S+)\s*\n\s*commit:[ \t]*(\S*)", re.M
)
_GO_TOOL = {"Toolkit CLI": "nvidia-ctk", "Runtime Hook": "nvidia-container-toolkit", "Runtime": "nvidia-container-runtime"}
_CLI_VERSION_KEY = regex(r"^\s*(cli-version|lib-version|build revision|build date):[ \t]*(\S*)", re.M)


@dataclass(frozen=True)
class ToolkitVersion:
    """A toolkit binary's `--version`: which binary, its version, and the commit it was built from."""

    tool: str
    version: str
    commit: str | None
    lib_version: str | None = None


def parse_toolkit_version(text: str) -> ToolkitVersion:
    """Read `nvidia-ctk`, `nvidia-container-toolkit`, `nvidia-container-runtime` or `nvidia-container-cli` --version.

    The Go binaries always print a "commit:" line after the version; its absence means a cut capture.
    """
    body = clean(text)
    if m := _GO_VERSION.search(body):
        return ToolkitVersion(_GO_TOOL[m.group(1)], m.group(2), m.group(3) or None)
    keys = {k: v for k, v in _CLI_VERSION_KEY.findall(body)}
    if keys.get("cli-version") and keys.get("lib-version") and "build revision" in keys:
        return ToolkitVersion("nvidia-container-cli", keys["cli-version"], keys["build revision"] or None, keys["lib-version"])
    raise UnreadableOutput("NVIDIA Container Toolkit --version", text)
