"""Which probed command a part of a paste came from: by the command its prompt typed, else by its shape.

One row of KINDS per output the suite knows how to read: the probe command it stands for
(probes/windows.py, probes/distro.py), the command lines that print it, the shape of its
output when no command line was pasted, and the project parser that reads it. Add a row
to teach diagnose a new output; nothing else here names a command.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from ..lazy_regex import regex
from ..parsers import apps, docker_context, iptables, loader, systemd, toolkit, windows_gpu
from ..parsers import windows as windows_parsers
from ..probes import distro as distro_probes
from ..probes import windows as windows_probes
from .decide import (described, dpkg, dxg, kernel, ldconfig_cache, ldconfig_warnings, nbody, nvidia_smi,
    query_driver_model, windows_build, wsl_lib, wsl_list, wsl_list_verbose, wsl_status, wsl_version)
from .decide_docker import (alternatives, container_cli_info, context_ls, context_show, daemon_json,
    docker_info, docker_journal, docker_version, systemctl_active, toolkit_version)
from .fragments import fragment_decide, python_gpu_probe, query_log
from .split import Part


@dataclass(frozen=True)
class Kind:
    name: str  # the probe's command, as docs and the report show it
    layer: str
    commands: re.Pattern  # full match on a normalised command (see segments)
    shape: re.Pattern | None  # searched in the output when no command line names the kind
    parse: Callable[[str], Any] | None  # None: recognised, nothing to read from it alone
    decide: Callable | None = None  # decide.py's function for the parsed record: (facts, the judges' verdicts)


def _c(pattern: str) -> re.Pattern:
    return re.compile(pattern)


def _s(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.M)


# Shapes come from real outputs (corpus files named after their command; sources in the parsers).
# Order matters only for shapes: the first that fits a part is its kind, later ones add to it.
KINDS: tuple[Kind, ...] = (
    Kind(windows_probes.WINDOWS_VER.command, "windows", _c(r"(?:cmd /c )?(?:ver|winver)"),
         _s(r"^\s*Microsoft Windows \[[^\]\d]*\d+\.\d+\.\d+"), windows_probes.WINDOWS_VER.parse, windows_build),
    Kind(windows_probes.WSL_STATUS.command, "windows", _c(r"wsl --status"),
         _s(r"^\s*Default (?:Distribution|Version)\s*[:：]\s*\S"), windows_probes.WSL_STATUS.parse, wsl_status),
    Kind(windows_probes.WSL_LIST_VERBOSE.command, "windows",
         _c(r"wsl (?:(?:--list|-l) (?:--verbose|-v)|(?:--verbose|-v) (?:--list|-l)|-lv|-vl)(?: --all)?"),
         _s(r"^\s*NAME\s+STATE\s+VERSION\s*$"), windows_probes.WSL_LIST_VERBOSE.parse, wsl_list_verbose),
    Kind("wsl.exe --version", "windows", _c(r"wsl (?:--version|-v)"),
         _s(r"^[^\n]*\bDXCore\b[^\n]*[:：]\s*\d|^\s*Invalid command line option:\s*(?:--version|-v)\s*$"),
         windows_parsers.parse_wsl_version, wsl_version),
    Kind(windows_probes.WSL_LIST.command, "windows", _c(r"wsl (?:--list|-l)"), None, windows_probes.WSL_LIST.parse, wsl_list),
    Kind("nvidia-smi.exe --query-gpu=name,driver_model.current", "windows",
         _c(r"nvidia-smi --query-gpu=\S*driver_model\S*(?: --format=\S+)?"), None,
         windows_gpu.parse_query_gpu_driver_model, query_driver_model),
    Kind("nvidia-smi -q", "gpu", _c(r"nvidia-smi (?:-a|-q|--query)(?: .*)?"), _s(r"^=+\s*NVSMI LOG\s*=+$"),
         query_log, fragment_decide),
    Kind("nvidia-smi --query-gpu", "gpu", _c(r"nvidia-smi --query-gpu=.*"), None, None),
    Kind(distro_probes.WSL_NVIDIA_SMI.command, "gpu", _c(r"(?:/usr/lib/wsl/lib/)?nvidia-smi"),
         _s(r"NVIDIA-SMI\s+\S+\s+Driver Version:|NVIDIA-SMI has failed|Driver Version:\s*\S+\s+CUDA Version:"
            r"|^[ \t]*\|[ \t]*GPU[ \t]+Name[ \t]+(?:TCC/WDDM|Driver-Model)[ \t]*\|"),  # the Windows table cut above its banner
         distro_probes.WSL_NVIDIA_SMI.parse, nvidia_smi),
    Kind(distro_probes.KERNEL.command, "wsl", _c(r"cat /proc/version|uname -[ar]"),
         _s(r"Linux version \d+\.\d+\S*|^\s*Linux\s+\S+\s+\d+\.\d+\.\d+\S*\s+#"), distro_probes.KERNEL.parse, kernel),
    Kind(distro_probes.DOCKER_VERSION.command, "docker", _c(r"docker version"),
         _s(r"^Client:.*\n(?:.*\n){0,6}?\s+Version:\s+\d"), distro_probes.DOCKER_VERSION.parse, docker_version),
    Kind(distro_probes.DOCKER_INFO.command, "docker", _c(r"docker (?:system )?info"),
         _s(r"^\s*Server Version:\s*\d|^\s*Storage Driver:\s*\S|^\s*Runtimes:\s*\S"), distro_probes.DOCKER_INFO.parse,
         docker_info),
    Kind(distro_probes.DAEMON_JSON.command, "docker", _c(r"cat /etc/docker/daemon\.json"),
         regex(r"\A\s*\{[\s\S]*\"(?:runtimes|default-runtime)\"\s*:"), distro_probes.DAEMON_JSON.parse, daemon_json),
    Kind(distro_probes.DPKG_NVIDIA.command, "wsl", _c(r"dpkg(?:-query)? (?:-l|--list|-W|--show)(?: .*)?"),
         _s(r"^\|\|/ Name|^ii\s+\S*nvidia\S*\s+\d\S*\s"), distro_probes.DPKG_NVIDIA.parse, dpkg),
    Kind(distro_probes.LOADER_CACHE.command, "wsl", _c(r"(?:/sbin/)?ldconfig -p"),
         _s(r"^\d+ libs found in cache|^\s+lib\S+\.so\S*\s+\([^)\n]*\)\s+=>\s+/"), distro_probes.LOADER_CACHE.parse, ldconfig_cache),
    Kind("ldconfig", "wsl", _c(r"(?:/sbin/)?ldconfig(?:\.real)?"),
         _s(r"^(?:/\S*/)?ldconfig(?:\.real)?: /\S+ is not a symbolic link$"), loader.parse_ldconfig_warnings, ldconfig_warnings),
    Kind(distro_probes.WSL_DRIVER_DIR.command, "wsl", _c(r"(?:ls|ll|dir)(?: -\w+)* /usr/lib/wsl/lib/?"),
         _s(r"^(?:[-l][rwxsStT-]{9}\S*\s.*\s)?libd3d12\.so(?:\s|$)"), loader.parse_ls_wsl_lib, wsl_lib),
    Kind(distro_probes.DXG_DEVICE.command, "wsl", _c(r"(?:ls|ll)(?: -\w+)* /dev/dxg"),
         _s(r"^c[rwx-]{9}\S*\s.*\s/dev/dxg$|cannot access '?/dev/dxg'?"), distro_probes.DXG_DEVICE.parse, dxg),
    Kind(distro_probes.NBODY.command, "gpu", _c(r"docker run .*\bnbody\b.*|(?:\./)?nbody(?: .*)?"),
         _s(r"single-precision GFLOP/s|double-precision GFLOP/s|Run \"nbody -benchmark"), distro_probes.NBODY.parse, nbody),
    Kind("nvidia-container-cli info", "docker", _c(r"nvidia-container-cli(?: -\S+)*(?: /dev/tty)? info"),
         _s(r"^NVRM version:\s+\S|^nvidia-container-cli: (?:initialization|detection) error"),
         toolkit.parse_container_cli_info, container_cli_info),
    Kind("nvidia-ctk --version", "docker",
         _c(r"nvidia-(?:ctk|container-cli|container-toolkit|container-runtime) (?:--version|-V|version)"),
         _s(r"^NVIDIA Container (?:Toolkit CLI|Runtime Hook|Runtime) version \d|^cli-version: \d"),
         toolkit.parse_toolkit_version, toolkit_version),
    Kind("systemctl is-active docker", "wsl", _c(r"systemctl is-active docker(?:\.service)?"), None,
         systemd.parse_systemctl_is_active, systemctl_active),
    Kind("journalctl -u docker -n 50 --no-pager", "wsl", _c(r"journalctl\b.*-u ?docker(?:\.service)?.*"),
         _s(r"^\S{1,5} {1,2}\d{1,2} \d\d:\d\d:\d\d \S+ (?:systemd\[1\]|dockerd\[\d+\]): "), systemd.parse_docker_journal, docker_journal),
    Kind("update-alternatives --query iptables", "wsl", _c(r"update-alternatives --(?:query|config|display) iptables"),
         _s(r"^Name: iptables$|There are \d+ choices for the alternative iptables"), iptables.parse_update_alternatives, alternatives),
    Kind("docker context ls", "docker", _c(r"docker context (?:ls|list)"),
         _s(r"^NAME\s+DESCRIPTION\s+DOCKER ENDPOINT"), docker_context.parse_docker_context_ls, context_ls),
    Kind("docker context show", "docker", _c(r"docker context show"), None, docker_context.parse_docker_context_show, context_show),
    Kind("cat /etc/wsl.conf", "wsl", _c(r"cat /etc/wsl\.conf"), _s(r"^\[(?:boot|automount|wsl2?)\]\s*$"),
         systemd.parse_wsl_conf, described),
    Kind("python3 -m rpy2.situation", "rpy2", _c(r"python3? -m rpy2\.situation"),
         _s(r"^rpy2 version:\s*$|^Looking for R's HOME:\s*$"), apps.parse_rpy2_situation, described),
    Kind("TensorFlow's log", "jupyter", _c(r"(?!)"),  # no one command prints it: shape only
         _s(r"Created TensorFlow device \(|Successfully opened dynamic library lib"), apps.parse_tensorflow_log, described),
    Kind("docker run --gpus all", "docker", _c(r"docker run\b.*"), None, None),
    # an IPython cell asking a framework for its GPUs (In [N]: prompts: split.py); its Out[N]: answers it
    Kind("python GPU probe", "gpu", _c(r"(?:print\()?\s*(?:torch\.cuda\.(?:is_available|device_count)|tf\.config\."
                                       r"(?:experimental\.)?list_physical_devices|tf\.test\.(?:is_gpu_available|"
                                       r"gpu_device_name))\(.*\)\s*\)?[\"']?"), None, python_gpu_probe, fragment_decide),
)

_SUDO = regex(r"^(?:sudo(?: -[A-Za-z]+)*(?: -u \S+)? )?(?:(?:env )?[A-Za-z_][A-Za-z0-9_]*=\S* )*")
# wsl [-d NAME] [-u USER] [--cd DIR] [--|-e|--exec] CMD runs CMD in the distro: the distro's kind.
_WSL_RUN = regex(r"^wsl(?: (?:-d|--distribution|-u|--user|--cd) \S+)*(?: (?:--|-e|--exec))? (?!-)(.+)$")
_WSL_DISTRO = regex(r"^wsl(?: (?:-u|--user|--cd) \S+)* (?:-d|--distribution) (\S+)")


def segments(command: str) -> list[str]:
    """The commands of a command line, normalised: `sudo`, `VAR=x`, `.exe`, `wsl -d X --` and pipes' tails dropped.

    >>> segments("sudo dpkg -l | grep nvidia; wsl.exe -d Ubuntu -- cat /proc/version  (inside WSL)")
    ['dpkg -l', 'cat /proc/version']
    """
    command = re.sub(r"\s+\((?:[^()]|\([^()]*\))*\)\s*$", "", command.strip())  # "(inside WSL)"
    found = []
    for segment in re.split(r";|&&|\|\|", command):
        segment = segment.split("|", 1)[0]
        segment = " ".join(re.sub(r"\.exe$", "", word, flags=re.I) for word in segment.split())
        segment = _SUDO.sub("", segment).strip().rstrip("&").strip()
        inner = _WSL_RUN.match(segment)
        if inner and not inner.group(1).startswith("-"):
            segment = _SUDO.sub("", inner.group(1)).strip()
        if segment:
            found.append(segment)
    return found


def distro_named(command: str | None) -> str | None:
    """The distro a `wsl -d NAME ...` command line names."""
    found = _WSL_DISTRO.match(" ".join(re.sub(r"\.exe$", "", w, flags=re.I) for w in (command or "").split()))
    return found.group(1) if found else None


def kinds_of_command(command: str | None) -> list[Kind]:
    """The kinds each command of a line prints, in order, each once."""
    found: list[Kind] = []
    for segment in segments(command or "")[:8]:
        lowered = re.sub(r"\s+", " ", segment.lower())
        kind = next((k for k in KINDS if k.commands.fullmatch(lowered)), None)
        if kind is not None and kind not in found:
            found.append(kind)
    return found


def is_known_command(line: str) -> bool:
    """True when a line is a command this table knows (a bare command pasted above its output)."""
    return bool(kinds_of_command(line))


SHAPE_LIMIT = 200_000  # characters of a part a shape is looked for in: shapes sit near an output's top


def kinds_of_shape(text: str) -> list[Kind]:
    head = text[:SHAPE_LIMIT]
    return [k for k in KINDS if k.shape is not None and k.shape.search(head)]


@dataclass(frozen=True)
class Recognised:
    kind: Kind
    by: str  # "command" or "shape"


def recognise(part: Part) -> list[Recognised]:
    """What a part shows: the kinds its command names (when its output fits), then those its shape shows."""
    by_command = kinds_of_command(part.command)
    by_shape = kinds_of_shape(part.text)
    found = [Recognised(k, "command") for k in by_command]
    # A compound command line ("docker -v; docker info") may name outputs that are not there; a shape
    # seen in the text is added even when the command named another kind.
    found += [Recognised(k, "shape") for k in by_shape if k not in by_command]
    if len(by_command) > 1:  # several commands: keep those whose output is seen, else all
        seen = [r for r in found if r.by == "shape" or r.kind in by_shape or r.kind.shape is None]
        found = seen or found
    return found
