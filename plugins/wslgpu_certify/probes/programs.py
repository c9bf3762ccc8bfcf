"""A command whose program could not be started: never read as the fact being absent.

`sh` answers a missing program with exit 127 ("sh: 1: docker: not found", bash's "docker:
command not found"), one it may not execute with 126 ("Permission denied"); `cmd.exe` with
"'code' is not recognized as an internal or external command" (errorlevel 9009); PowerShell
with "The term 'x' is not recognized as the name of a cmdlet"; the runner itself with 127 and
"No such file or directory: 'cmd.exe'" when the shell or interop binary is missing. Such a
check fails saying which program could not run and how to get it.
"""

from __future__ import annotations

import re

from ..lazy_regex import regex

# How to get a program the probes use (what the guide or the OS provides it with).
_DOCKER_CE = "Install Docker CE in the distro (setup-guide §3.4): https://docs.docker.com/engine/install/ubuntu/"
_INTEROP = ("Windows programs are reached through WSL interop: run the suite inside a WSL distro with interop "
            "enabled ([interop] enabled=true in /etc/wsl.conf), or on Windows with --env=windows")
_DPKG = "{} is Debian/Ubuntu's package manager: the guide's distro is Ubuntu"
HOW_TO_GET = {
    "docker": _DOCKER_CE,
    "dockerd": _DOCKER_CE,
    "nvidia-smi": "nvidia-smi comes with the NVIDIA Windows driver for CUDA on WSL (mapped into /usr/lib/wsl/lib): "
                  "reinstall it from https://developer.nvidia.com/cuda/wsl/download",
    "nvidia-smi.exe": "nvidia-smi.exe comes with the NVIDIA Windows driver: reinstall it from "
                      "https://developer.nvidia.com/cuda/wsl/download",
    "wsl.exe": _INTEROP,
    "cmd.exe": _INTEROP,
    "powershell.exe": _INTEROP,
    "dism.exe": "dism.exe is part of Windows (C:\\Windows\\System32): run from a Windows with System32 on PATH",
    "code": "Install Visual Studio Code on Windows with its `code` command on PATH (the installer's 'Add to PATH')",
    "sudo": "sudo apt-get install -y sudo (as root)",
    "systemctl": "systemctl needs systemd: [boot] systemd=true in /etc/wsl.conf, then wsl --shutdown",
    "pgrep": "sudo apt-get install -y procps",
    "curl": "sudo apt-get install -y curl",
    "dpkg": _DPKG.format("dpkg"),
    "dpkg-query": _DPKG.format("dpkg-query"),
    "python3": "the image has no python3: use the guide's image, or one that provides Python 3",
    "Rscript": "the image has no R (Rscript): use the guide's RStudio image",
}
DEFAULT_HOW = "Install {program}, or put it on PATH for the user the suite runs as"

_ASSIGNMENT = regex(r"^[A-Za-z_][A-Za-z0-9_]*=\S*$")


def program_of(command: str) -> str:
    """The program a command starts: its first word, after any VAR=value assignments."""
    words = command.strip().splitlines()[0].split() if command.strip() else [""]
    words = [w for w in words if not _ASSIGNMENT.match(w)] or [""]
    return words[0].strip("'\"")


def _not_started(text: str, program: str) -> bool:
    name = re.escape(program.rsplit("/", 1)[-1])
    return bool(re.search(rf"(?:^|[\s:/]){name}:? (?:command )?not found|(?:^|[\s:/]){name}: Permission denied"
                          rf"|No such file or directory: '[^']*{name}'|command not found", text, re.M))


def could_not_run(command: str, exit_status: int | None, stderr: str) -> str | None:
    """The program that could not be started, or None when the command ran (whatever it answered)."""
    program = program_of(command)
    windows = re.search(r"'([^']+)' is not recognized as (?:an internal or external command"
                        r"|the name of a cmdlet)|The term '([^']+)' is not recognized", stderr)
    if windows:
        return windows.group(1) or windows.group(2)
    if exit_status in (126, 127) and (not stderr.strip() or _not_started(stderr, program)):
        return program or None
    return None


def how_to_get(program: str) -> str:
    base = program.rsplit("/", 1)[-1]
    return HOW_TO_GET.get(base, DEFAULT_HOW.format(program=program))
