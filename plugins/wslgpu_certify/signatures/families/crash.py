"""An exit status that is a signal: a crash, said as such, with the usual causes on this stack.

A shell reports a process killed by signal N as exit status 128+N (bash, docker's "Exited (139)",
Go's "exit status 139"); Python's subprocess reports it as returncode -N. Numbers and names:
signal(7), https://man7.org/linux/man-pages/man7/signal.7.html (x86/ARM numbering).
"""

from __future__ import annotations

import re

from ..catalog import Step
from ..matcher import Match
from .tables import hit, lines_with

SOURCE = "https://man7.org/linux/man-pages/man7/signal.7.html"
OOM = "https://learn.microsoft.com/en-us/windows/wsl/wsl-config#configuration-settings-for-wslconfig"
NTSTATUS_SOURCE = "https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-erref/596a1078-e883-4972-9bbc-49e60bebca55"
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
_STATUS = re.compile(
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
_WORDS = re.compile(
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


# A Windows process that died of an exception exits with the NTSTATUS code (ntstatus.h; MS-ERREF 2.3.1,
# https://learn.microsoft.com/en-us/openspecs/windows_protocols/ms-erref/596a1078-e883-4972-9bbc-49e60bebca55),
# printed as 0xC..., as a negative int32 (-1073740791) or unsigned (3221226505).
NTSTATUS = {
    0xC0000005: ("STATUS_ACCESS_VIOLATION", "an invalid memory access (the Windows segmentation fault)"),
    0xC0000409: ("STATUS_STACK_BUFFER_OVERRUN", "a fail-fast abort (a failed security check, abort() or a native "
                                                "library's fatal error)"),
    0xC000001D: ("STATUS_ILLEGAL_INSTRUCTION", "an instruction the CPU does not have"),
    0xC00000FD: ("STATUS_STACK_OVERFLOW", "a stack overflow"),
    0xC0000135: ("STATUS_DLL_NOT_FOUND", "a DLL it needs was not found"),
    0xC0000139: ("STATUS_ENTRYPOINT_NOT_FOUND", "a DLL of another version than it was built against"),
    0xC0000142: ("STATUS_DLL_INIT_FAILED", "a DLL failed to initialise"),
    0xC0000374: ("STATUS_HEAP_CORRUPTION", "heap corruption"),
}
_WINDOWS_EXIT = re.compile(r"exit(?:ed)?(?: with)? (?:code|status)[ :=]*(?:(-?\d{9,10})\b[ (]*)?(?:0[xX]([0-9a-fA-F]{8}))?",
                           re.I)


def windows_exit(text: str, command: str | None = None) -> list[Match]:
    """A Windows process's exit code that is an NTSTATUS exception: it crashed, said as such, with what it means."""
    out = []
    for found in _WINDOWS_EXIT.finditer(lines_with(text, ("exit",))):
        number = int(found.group(2), 16) if found.group(2) else int(found.group(1) or 0) & 0xFFFFFFFF
        if number not in NTSTATUS:
            continue
        name, means = NTSTATUS[number]
        rpy2 = "rpy2" in text.lower()
        cause = (f"The Windows process crashed: exit code 0x{number:08X} ({name}), {means}. In a Python process this "
                 "is a native extension or the library it loads (R for rpy2, CUDA/cuDNN DLLs for a framework) "
                 "failing inside the process, not a Python error.")
        fix = [Step(say="Check that the native library matches the package's build (the same R / CUDA version the "
                        "wheel was built for, its DLLs first on PATH), and update the package to its current "
                        "Windows wheel; run it once more under a debugger or with the library's own diagnostics.")]
        if rpy2:
            fix.append(Step(say="For rpy2 on Windows: R's bin folder on PATH and R_HOME set to that R, rpy2's current "
                                "release; python -m rpy2.situation shows what it finds."))
            fix.append(Step(run="python -m rpy2.situation", shell="cmd"))
        layer = "rpy2" if rpy2 else _layer(command)
        out.append(hit("crash", name, layer, cause, "Windows (the process that crashed)", tuple(fix), NTSTATUS_SOURCE,
                       "medium", text, found))
        break
    return out


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
    return hit("crash", name, _layer(command), cause, "the distro", fix, source, "medium" if usual else "low", text, found)


def decode(text: str, command: str | None = None, exit_code: int | None = None) -> list[Match]:
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
