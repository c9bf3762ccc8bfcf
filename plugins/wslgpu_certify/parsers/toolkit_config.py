"""Parsers for how the NVIDIA Container Toolkit is configured: the runtime's config.toml and CDI specs.

Formats and their sources are listed per parser and in docs/modern-formats.md.
"""

from __future__ import annotations

import re
try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10 (Ubuntu 22.04): the same parser, from PyPI
    import tomli as tomllib
from dataclasses import dataclass

from ._text import clean, content_lines, evidence, lines
from .errors import UnreadableOutput
from .toolkit import WSL_LIB_ROOT
from ..lazy_regex import regex


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
_LOGRUS = regex(r"^(?:(INFO|WARN|ERRO|DEBU|FATA)\[\d+\]\s*(.*?)|(?:time=\S+\s+)?level=(\w+)\s+msg=\"(.*?)\"(?:\s.*)?)\s*$")
_LEVELS = {"INFO": "info", "WARN": "warning", "ERRO": "error", "DEBU": "debug", "FATA": "fatal"}
_FOUND = regex(r"^Found (\d+) CDI devices?$")
_CDI_NAME = regex(r"^[A-Za-z0-9][\w.\-]*(?:/[A-Za-z0-9][\w.\-]*)+=[\w.:\-]+$")


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
        return self.mode == "wsl" and bool(self.nvml_library) and not self.nvml_library.startswith(WSL_LIB_ROOT)


_AUTO_MODE = regex(r"Auto-detected mode as ['\"](\w+)['\"]")
_USING_NVML = regex(r"^Using (/\S*libnvidia-ml\.so\S*)$")
_GENERATED = regex(r"Generated CDI spec with version (\S+)")


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


# `cat` of a file that is not there (coreutils' wording; stderr is read with stdout).
_NO_SUCH_FILE = regex(r"^cat: .*: No such file or directory$", re.M)


def parse_runtime_config_file(text: str) -> RuntimeConfig | None:
    """`cat /etc/nvidia-container-runtime/config.toml` (stdout and stderr): None when there is no file.

    Toolkits from 1.14 install no config.toml until `nvidia-ctk config default` writes one
    (NVIDIA/nvidia-container-toolkit#78); without one the runtime runs on its defaults (mode auto).
    """
    found = content_lines(clean(text))
    if len(found) == 1 and _NO_SUCH_FILE.match(found[0]):
        return None
    return parse_runtime_config(text)
