"""Parsers for the NVIDIA Container Toolkit: nvidia-container-cli info, versions, config.toml, CDI.

Formats and their sources are listed per parser and in docs/modern-formats.md.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass

from ._text import clean, content_lines, evidence, lines
from .errors import UnreadableOutput

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
_GLOG = re.compile(r"^[IWEF]\d{4} [\d:.]+\s+\d+\s+[\w.]+:\d+\]\s?(.*)$")
_LIB_CONTEXT = re.compile(r"initializing library context \(version=([^,\s)]+)")
_DXCORE_FAILED = re.compile(r"dxcore initialization failed", re.I)
_DXCORE_OK = re.compile(r"dxcore layer initialized successfully|skipping kernel modules load on WSL", re.I)
_WDDM_ADAPTER = re.compile(r"Creating a new WDDM Adapter", re.I)
# "Core Nvidia component libcuda.so.1.1 not found in /usr/lib/wsl/drivers/<inf dir>" (1.14.2) and
# "Core Nvidia library libnvidia-ml.so.1 not found in ..." (k8s-device-plugin#207, same dxcore.c).
_COMPONENT_MISSING = re.compile(r"Core Nvidia (?:component|library) (\S+) not found in (\S+)")
_SELECTING = re.compile(r"^selecting (/\S+)$")
# "nvidia-container-cli: initialization error: load library failed: libnvidia-ml.so.1: cannot open ..."
# "nvidia-container-cli: initialization error: driver error: failed to process request"
_CLI_ERROR = re.compile(r"nvidia-container-cli: (\w[\w ]*? error: .+)$")
_LOAD_FAILED = re.compile(r"load library failed: ([^:\s]+)")
_INFO_FIELD = re.compile(r"^(NVRM version|CUDA version|Device Index|Device Minor|Model|Brand|GPU UUID|Bus Location|Architecture):\s*(.*?)\s*$")
# A Linux NVIDIA driver's libraries carry its version: libnvidia-ml.so.470.57.02, libcuda.so.520.56.06.
# WSL's own (mapped from the Windows driver store) end in .so.1 / .so.1.1 instead.
_DRIVER_VERSIONED = re.compile(r"\.so\.\d{3}\.\d+(?:\.\d+)?$")
_WSL_LIB_ROOT = "/usr/lib/wsl/"


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
    linux_libs = tuple(p for p in selected if not p.startswith(_WSL_LIB_ROOT) and _DRIVER_VERSIONED.search(p))
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
_GO_VERSION = re.compile(
    r"^NVIDIA Container (Toolkit CLI|Runtime Hook|Runtime) version (\S+)\s*\n\s*commit:[ \t]*(\S*)", re.M
)
_GO_TOOL = {"Toolkit CLI": "nvidia-ctk", "Runtime Hook": "nvidia-container-toolkit", "Runtime": "nvidia-container-runtime"}
_CLI_VERSION_KEY = re.compile(r"^\s*(cli-version|lib-version|build revision|build date):[ \t]*(\S*)", re.M)


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


# --- /etc/nvidia-container-runtime/config.toml -----------------------------------------------
#
# `nvidia-ctk config default` writes every key, most commented out; `mode = "auto"` under
# [nvidia-container-runtime] (a real 1.17 file with mode = "legacy": a fake-nvidia issue transcript;
# layout also in https://github.com/NVIDIA/nvidia-container-toolkit/issues/572). Hand-written files
# hold only [nvidia-container-runtime] mode = "cdi" (NixOS / kind scripts in the code corpus).
# Modes: auto, legacy, cdi, csv (runtime docs: https://github.com/NVIDIA/nvidia-container-toolkit/tree/main/cmd/nvidia-container-runtime).
DEFAULT_RUNTIME_MODE = "auto"
_KNOWN_TOP = {
    "nvidia-container-cli", "nvidia-container-runtime", "nvidia-container-runtime-hook", "nvidia-ctk",
    "features", "disable-require", "supported-driver-capabilities", "swarm-resource",
    "accept-nvidia-visible-devices-as-volume-mounts", "accept-nvidia-visible-devices-envvar-when-unprivileged",
}


@dataclass(frozen=True)
class RuntimeConfig:
    """The NVIDIA runtime's mode (and where CDI specs are read from) per config.toml."""

    mode: str
    mode_explicit: bool
    cdi_spec_dirs: tuple[str, ...] | None
    no_cgroups: bool | None
    ldconfig: str | None


def parse_runtime_config(text: str) -> RuntimeConfig:
    """Read /etc/nvidia-container-runtime/config.toml; a commented-out or absent mode is the default "auto"."""
    body = clean(text)
    if not body.strip():
        raise UnreadableOutput("nvidia-container-runtime config.toml (empty)", text)
    try:
        data = tomllib.loads(body)
    except tomllib.TOMLDecodeError as exc:
        raise UnreadableOutput(f"nvidia-container-runtime config.toml ({exc})", text) from None
    if not data or not (set(data) & _KNOWN_TOP):
        # A commented-out-only file parses as {}: without any live key it cannot be told from another file.
        raise UnreadableOutput("nvidia-container-runtime config.toml (no toolkit keys)", text)
    runtime = data.get("nvidia-container-runtime", {})
    cli = data.get("nvidia-container-cli", {})
    mode = runtime.get("mode")
    if mode is not None and not isinstance(mode, str):
        raise UnreadableOutput("nvidia-container-runtime config.toml (mode is not a string)", text)
    cdi = runtime.get("modes", {}).get("cdi", {}) if isinstance(runtime.get("modes"), dict) else {}
    spec_dirs = cdi.get("spec-dirs") if isinstance(cdi, dict) else None
    no_cgroups = cli.get("no-cgroups")
    return RuntimeConfig(
        mode=mode or DEFAULT_RUNTIME_MODE,
        mode_explicit=mode is not None,
        cdi_spec_dirs=tuple(spec_dirs) if isinstance(spec_dirs, list) else None,
        no_cgroups=no_cgroups if isinstance(no_cgroups, bool) else None,
        ldconfig=cli.get("ldconfig") if isinstance(cli.get("ldconfig"), str) else None,
    )


# --- nvidia-ctk cdi list / cdi generate ------------------------------------------------------
#
# nvidia-ctk logs through logrus to stderr: on a terminal "INFO[0000] Found 5 CDI devices", piped
# `time="..." level=info msg="Found 5 CDI devices"`; device names go to stdout one per line
# (cmd/nvidia-ctk/cdi/list/list.go; transcript "Found 5 CDI devices" / nvidia.com/gpu=0..3, all in a
# fake-nvidia issue; the piped form in the corpus file nvidia-ctk__cdi-generate-wsl-libdxcore-not-located-driver-595.71.txt).
# On WSL `cdi generate` makes only nvidia.com/gpu=all (https://github.com/NVIDIA/OpenShell/pull/441).
_LOGRUS = re.compile(r"^(?:(INFO|WARN|ERRO|DEBU|FATA)\[\d+\]\s*(.*?)|(?:time=\S+\s+)?level=(\w+)\s+msg=\"(.*?)\"(?:\s.*)?)\s*$")
_LEVELS = {"INFO": "info", "WARN": "warning", "ERRO": "error", "DEBU": "debug", "FATA": "fatal"}
_FOUND = re.compile(r"^Found (\d+) CDI devices?$")
_CDI_NAME = re.compile(r"^[A-Za-z0-9][\w.\-]*(?:/[A-Za-z0-9][\w.\-]*)+=[\w.:\-]+$")


def _logrus(line: str) -> tuple[str, str] | None:
    m = _LOGRUS.match(line.strip())
    if not m:
        return None
    if m.group(1):
        return _LEVELS[m.group(1)], m.group(2)
    return m.group(3).lower(), m.group(4)


@dataclass(frozen=True)
class CdiList:
    """`nvidia-ctk cdi list`: the CDI device names Docker/Podman can request, e.g. nvidia.com/gpu=all."""

    devices: tuple[str, ...]
    registry_errors: tuple[str, ...]


def parse_cdi_list(text: str) -> CdiList:
    """Read `nvidia-ctk cdi list 2>&1`: the "Found N CDI devices" log line and N names.

    Both streams are needed: stdout alone is empty when there are no devices, which a cut capture
    also looks like. A name count other than N means a truncated capture.
    """
    count = None
    names: list[str] = []
    errors: list[str] = []
    for line in content_lines(text):
        log = _logrus(line)
        if log:
            level, message = log
            if m := _FOUND.match(message):
                count = int(m.group(1))
            elif level in ("warning", "error") and "registry errors were reported" not in message:
                errors.append(message)
            continue
        if _CDI_NAME.match(line):
            names.append(line)
        else:
            raise UnreadableOutput("nvidia-ctk cdi list (unexpected line)", line)
    if count is None or count != len(names):
        raise UnreadableOutput("nvidia-ctk cdi list (no 'Found N CDI devices' line, or fewer names than N)", text)
    return CdiList(tuple(names), tuple(errors))


@dataclass(frozen=True)
class CdiGenerate:
    """What `nvidia-ctk cdi generate` logged: the mode it chose, the NVML it loaded, and how it ended."""

    mode: str | None
    nvml_library: str | None
    spec_version: str | None
    warnings: tuple[str, ...]
    error: str | None

    @property
    def linux_nvml_on_wsl(self) -> bool:
        """WSL mode with a Linux driver's NVML (libnvidia-ml.so.550.120): a Linux driver inside the distro."""
        return self.mode == "wsl" and bool(self.nvml_library) and not self.nvml_library.startswith(_WSL_LIB_ROOT)


_AUTO_MODE = re.compile(r"Auto-detected mode as ['\"](\w+)['\"]")
_USING_NVML = re.compile(r"^Using (/\S*libnvidia-ml\.so\S*)$")
_GENERATED = re.compile(r"Generated CDI spec with version (\S+)")


def parse_cdi_generate(text: str) -> CdiGenerate:
    """Read the log of `nvidia-ctk cdi generate --output=...` (stderr).

    Sources: corpus nvidia-ctk__cdi-generate-*.txt (NVIDIA/nvidia-container-toolkit#972, #1739, PR #1890);
    the end line "Generated CDI spec with version X" is logged after a successful generation
    (cmd/nvidia-ctk/cdi/generate/generate.go); failures end in an error-level line, e.g.
    "failed to generate CDI spec: ... failed to initialize dxcore context" (#452).
    """
    mode = nvml = version = error = None
    warnings: list[str] = []
    for line in lines(text):
        log = _logrus(line)
        if not log:
            continue
        level, message = log
        if m := _AUTO_MODE.search(message):
            mode = m.group(1)
        elif m := _USING_NVML.match(message):
            nvml = m.group(1)
        elif m := _GENERATED.search(message):
            version = m.group(1)
        elif level in ("error", "fatal"):
            error = error or message
        elif level == "warning":
            warnings.append(message)
    if version is None and error is None:
        raise UnreadableOutput("nvidia-ctk cdi generate (log ends before 'Generated CDI spec' or an error)", evidence(text))
    return CdiGenerate(mode, nvml, version, tuple(warnings), error)
