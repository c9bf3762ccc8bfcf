"""An exit status that is a signal: a crash, said as such, with the usual causes on this stack.

A shell reports a process killed by signal N as exit status 128+N (bash, docker's "Exited (139)",
Go's "exit status 139"); Python's subprocess reports it as returncode -N. Numbers and names:
signal(7), https://man7.org/linux/man-pages/man7/signal.7.html (x86/ARM numbering).
"""

from __future__ import annotations

import re

from ..catalog import Step
from ..matcher import Match
from .tables import hit, lines_with, table
from ...lazy_regex import regex

SOURCE = "https://man7.org/linux/man-pages/man7/signal.7.html"
OOM = "https://learn.microsoft.com/en-us/windows/wsl/wsl-config#configuration-settings-for-wslconfig"
# number: (name, what it means, the usual causes on this stack or "", fix steps, source)
SIGNALS = {
    1: ("SIGHUP", "its terminal hung up", "", (), SOURCE),
    2: ("SIGINT", "interrupted (Ctrl+C)", "", (), SOURCE),
    3: ("SIGQUIT", "quit from the keyboard", "", (), SOURCE),
    4: ("SIGILL", "the CPU met an instruction it does not have (Illegal instruction)",
        "a binary built for newer CPU features: TensorFlow wheels since 1.6 need AVX, so an old CPU, or a VM that "
        "hides AVX, crashes at import",
        (Step(run="grep -o -w -m1 avx /proc/cpuinfo", shell="bash"),
         Step(say="No 'avx' printed: use a build made without AVX (conda's, or build from source) or a newer CPU.")),
        "https://www.tensorflow.org/install/pip#hardware_requirements"),
    5: ("SIGTRAP", "a trace/breakpoint trap", "", (), SOURCE),
    6: ("SIGABRT", "it aborted itself (a failed internal check, an uncaught C++ exception, glibc finding heap corruption)",
        "the lines printed just above the abort name the check that failed (a CUDA/cuDNN version check, an assertion)",
        (Step(say="Read the last lines printed before 'Aborted': they name the check; decode that error."),), SOURCE),
    7: ("SIGBUS", "a bus error (a memory-mapped access failed)",
        "in a container most often /dev/shm too small for PyTorch DataLoader workers (Docker gives 64 MB)",
        (Step(say="Run the container with --ipc=host or a larger --shm-size (e.g. docker run --shm-size=8g ...)."),),
        "https://docs.docker.com/reference/cli/docker/container/run/#ipc"),
    8: ("SIGFPE", "an arithmetic error (integer division by zero)", "", (), SOURCE),
    9: ("SIGKILL", "killed outright",
        "out of memory: the Linux OOM killer inside the WSL 2 VM (whose memory .wslconfig's [wsl2] memory= caps) or a "
        "container's --memory limit; or docker kill / a stop that timed out",
        (Step(run="sudo dmesg | grep -i -E 'killed process|out of memory'", shell="bash"),
         Step(say="Give the VM more memory: [wsl2] memory=... in %UserProfile%\\.wslconfig, then wsl --shutdown; "
                  "or lower the job's memory use (batch size, workers)."),), OOM),
    11: ("SIGSEGV", "a segmentation fault (an invalid memory access)",
         "in this stack usually a driver library mismatch (a Linux NVIDIA driver, or an image's libcuda, shadowing "
         "/usr/lib/wsl/lib), a Windows driver release whose WSL nvidia-smi crashes, or a bug in a native extension",
         (Step(run="/usr/lib/wsl/lib/nvidia-smi", shell="bash"), Step(run="dpkg -l | grep -i nvidia", shell="bash"),
          Step(run="nvidia-smi.exe", shell="bash"),
          Step(say="If only the WSL nvidia-smi crashes (the Windows nvidia-smi.exe, which WSL can run, reads the GPU): "
                   "the Windows driver release is one whose WSL nvidia-smi crashes; use nvidia-smi.exe meanwhile and "
                   "change the NVIDIA Windows driver version (a newer release, or back to the last one that worked). "
                   "If the Windows one crashes too, reinstall the driver; remove Linux NVIDIA driver packages inside "
                   "WSL."),),
         "https://docs.nvidia.com/cuda/wsl-user-guide/index.html#known-limitations-for-linux-cuda-applications"),
    13: ("SIGPIPE", "it wrote to a closed pipe", "", (), SOURCE),
    14: ("SIGALRM", "a timer alarm", "", (), SOURCE),
    15: ("SIGTERM", "asked to terminate (docker stop, a timeout, systemd)", "", (), SOURCE),
}
HARMLESS = {2, 13}  # Ctrl+C, and `... | head` closing the pipe: no crash
_STATUS = regex(
    r"(?:exit(?:ed)? (?:status|code)|exited with (?:exit )?code|Exited \(|non-zero exit status|status=|returncode[=:]? ?)"
    r"\s*(-?\d{1,3})\b", re.I)
# How each shell says a job died of a signal (the words are the shells' own signal descriptions):
#   bash (strsignal, glibc's sys_siglist): `Segmentation fault (core dumped)`, `Killed`, `Aborted`, `Bus error`,
#     alone on the line when interactive, or `./run.sh: line 3:  1234 Segmentation fault      (core dumped) cmd`
#     (`<where>: line N: <pid> <description> [(core dumped)] <command>`) from a script;
#   zsh (Src/signames2.awk's descriptions): `zsh: segmentation fault (core dumped)  cmd` in the foreground, and a
#     job's `[1]    494 segmentation fault  nvidia-smi`; it says `illegal hardware instruction`, `abort`,
#     `killed`, `bus error`, `floating point exception`;
#   Python's faulthandler: `Fatal Python error: Segmentation fault`;
#   gdb: `Program received signal SIGSEGV, Segmentation fault.`, `Program terminated with signal SIGABRT, Aborted.`.
_DESCRIPTIONS = {"segmentation fault": 11, "aborted": 6, "abort": 6, "illegal instruction": 4,
                 "illegal hardware instruction": 4, "bus error": 7, "floating point exception": 8, "killed": 9}
_SAID = "|".join(sorted((re.escape(d) for d in _DESCRIPTIONS), key=len, reverse=True))
_WORDS = regex(
    r"^[ \t]*(?:(?P<bare>Segmentation fault|Aborted|Illegal instruction|Bus error|Floating point exception|Killed)"
    r"(?: \(core dumped\))?[ \t]*$"  # bash, interactive: the description alone
    r"|[^\n]{0,120}?: line \d{1,6}:[ \t]+\d{1,9}[ \t]+(?P<script>" + _SAID + r")\b[ \t]*(?:\(core dumped\))?"
    r"[ \t]*(?P<script_cmd>[^\n]{0,200})"  # bash, from a script: where, pid, description, command
    r"|(?:zsh: |\[\d{1,4}\][ +-]{0,3}[ \t]+\d{1,9}[ \t]+)(?P<zsh>" + _SAID + r")(?: \(core dumped\))?[ \t]+"
    r"(?P<zsh_cmd>\S[^\n]{0,200})"  # zsh: a foreground command, or a job with its pid
    r"|[^\n]{0,120}?\b(?P<core>Segmentation fault|Aborted|Illegal instruction|Bus error|Floating point exception)"
    r" \(core dumped\))"  # a line ending in the description and (core dumped)
    r"|Fatal Python error: (?P<python>Segmentation fault|Aborted|Bus error|Floating point exception|Illegal instruction)"
    r"|<Signals\.(?P<signame>SIG[A-Z]{2,6}): (?P<signum>\d{1,2})>"
    r"|Program (?:received|terminated with) signal (?P<gdb>SIG[A-Z]{2,6})\b", re.M | re.I)
_BY_NAME = {entry[0]: number for number, entry in SIGNALS.items()}


def signal_of(status: int) -> int | None:
    """The signal an exit status reports: 128+N from a shell, -N from Python's subprocess."""
    number = -status if status < 0 else status - 128 if 128 < status < 160 else None
    return number if number in SIGNALS else None


def _layer(command: str | None) -> str:
    words = (command or "").lower()
    return "rstudio" if re.search(r"\b(?:rscript|r|rstudio)\b", words) else "wsl" if words.startswith("wsl") else "gpu"


def _finding(number: int, text: str, found: re.Match, command: str | None, crashed: str = "") -> Match | None:
    if number in HARMLESS:
        return None
    name, means, usual, fix, source = SIGNALS[number]
    program = f"`{crashed}`" if crashed else "The program"
    cause = f"{program} crashed: {name} (signal {number}, exit status {128 + number}): {means}."
    if usual:
        cause += f" Usual causes here: {usual}."
    if "*** caught " in text and number in (4, 7, 11):  # R reported this crash itself: r.py decodes R's report
        return None
    return hit("crash", name, _layer(command), cause, "the distro", fix, source, "medium" if usual else "low", text, found)


def decode(text: str, command: str | None = None, exit_code: int | None = None) -> list[Match]:
    """The signal deaths the text (or the exit status) shows. A Windows program's NTSTATUS exit is `ntstatus_exit`'s,
    which families.decode calls on its own."""
    found: dict[int, Match] = {}
    whole, text = text, lines_with(text, ("exit", "status", "core dumped", "killed", "signals.", "returncode", "fault",
                                          "abort", "illegal", "bus error", "floating point", "with signal",
                                          "received signal"))
    for status in _STATUS.finditer(text):
        number = signal_of(int(status.group(1)))
        if number is not None and number not in found:
            finding = _finding(number, text, status, command)
            if finding:
                found[number] = finding
    for words in _WORDS.finditer(text):
        if words.group("signum"):
            number = int(words.group("signum"))
        elif words.group("gdb"):
            number = _BY_NAME.get(words.group("gdb").upper(), 0)
        else:
            said = next(g for g in (words.group(k) for k in ("bare", "core", "script", "zsh", "python")) if g)
            number = _DESCRIPTIONS[said.lower()]
        crashed = (words.group("zsh_cmd") or words.group("script_cmd") or "").strip()[:80]
        if number in SIGNALS and number not in found:
            finding = _finding(number, text, words, command or crashed or None, crashed)
            if finding:
                found[number] = finding
    number = signal_of(exit_code) if exit_code is not None else None
    if number is not None and number not in found and whole.strip():
        last = re.search(r"[^\n]*\S[^\n]*\s*\Z", whole[-4096:])  # the last line: where the crash cut the output
        finding = _finding(number, whole[-4096:], last, command) if last else None
        if finding:
            found[number] = finding
    return list(found.values())


# A Windows program's exit code that is an NTSTATUS (data/ntstatus.toml): `exit code -1073740791 (0xC0000409)`,
# `exited with code 3221226505`, `returncode=0xC0000005`: the hex value, or the signed/unsigned decimal of one.
_NT_EXIT = regex(r"(?:exit(?:ed)?(?: with)? (?:code|status)|return ?code|returncode)\W{0,4}(?:(-?\d{9,10})\b)?"
                           r"\W{0,4}(?:(0x[0-9a-fA-F]{8})\b)?", re.I)


def ntstatus(value: int) -> dict | None:
    """The data/ntstatus.toml row of a value (a crash code of a Windows process), or None."""
    rows = table("ntstatus")
    return next(({**row, "source": rows["source"]} for row in rows["status"] if int(row["value"], 16) == value), None)


def ntstatus_exit(text: str, command: str | None = None) -> list[Match]:
    """A Windows process that ended with an NTSTATUS crash code: a crash of that program, never a WSL error (its layer:
    the program the text or the command names, else the Windows host)."""
    for found in _NT_EXIT.finditer(lines_with(text, ("exit", "return"))):
        number = found.group(2) or found.group(1)
        if not number:
            continue
        row = ntstatus(int(number, 16) & 0xFFFFFFFF if number.lower().startswith("0x") else int(number) & 0xFFFFFFFF)
        if row is None or row.get("harmless"):
            continue
        layer = ("rpy2" if re.search(r"rpy2", text, re.I) else "rstudio" if re.search(r"\bR\.dll\b|Rterm|R\.exe", text)
                 else "jupyter" if re.search(r"kernel|jupyter|ipykernel", text, re.I)
                 else _layer(command) if command else "windows")
        cause = (f"The Windows process crashed with {row['name']} ({row['value']}): {row['means']}. This is the "
                 "program's own crash code, printed by Windows, not a WSL error."
                 + (f" Usual cause here: {row['usual']}." if row["usual"] else ""))
        fix = (Step(say="Run the failing step alone with the same interpreter and read what it prints last before "
                        "the crash (python -X faulthandler for Python); then update the package whose native code "
                        "crashed, or the program that embeds it, to releases built for each other."),
               Step(run="python -m rpy2.situation", shell="powershell") if layer == "rpy2" else
               Step(say="Check which DLLs the process loads first (the PATH order: conda envs, R's bin folder)."))
        return [hit("crash", row["name"], layer, cause, "the Windows program that crashed", fix, row["source"],
                    "medium" if row["usual"] else "low", found.string, found)]
    return []
