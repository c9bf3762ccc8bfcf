"""What two parts of one paste show together that neither shows alone.

`wsl --status` / `wsl --version` name the kernel WSL installed (`Kernel version: 5.10.102.1`); `cat /proc/version` /
`uname -r` in the distro name the kernel it runs. They differ when `%UserProfile%\\.wslconfig`'s `[wsl2] kernel=`
boots another kernel (Microsoft's wsl-config page: "An absolute Windows path to a custom Linux kernel"): a kernel
WSL neither ships nor updates, and one built without WSL's dxgkrnl driver offers the distro no /dev/dxg.
Both versions are compared by their leading dotted number (`5.15.153.1-2` and `5.15.153.1-microsoft-standard-WSL2`
are one kernel).
"""

from __future__ import annotations


from ..lazy_regex import regex
from ..parsers.distro import KernelInfo
from ..parsers.windows import WslStatus, WslVersionInfo
from ..signatures.catalog import Signature, Step
from ..signatures.matcher import Match

_NUMBER = regex(r"\d+\.\d+\.\d+(?:\.\d+)?")
SOURCE = "https://learn.microsoft.com/en-us/windows/wsl/wsl-config#configuration-settings-for-wslconfig"
FIX = (
    Step(say="Open %UserProfile%\\.wslconfig and remove the kernel= line under [wsl2] (or point it at a current "
             "build of WSL's own kernel, with dxgkrnl): WSL then boots the kernel it ships and updates."),
    Step(run="wsl.exe --shutdown", shell="powershell"),
    Step(run="cat /proc/version", shell="bash"),
    Step(say="It now shows the kernel wsl --version names (...-microsoft-standard-WSL2)."),
)


def _number(text: str | None) -> str | None:
    found = _NUMBER.search(text or "")
    return found.group(0) if found else None


def kernel_override(readings) -> Match | None:
    """The distro runs another kernel than the one WSL installed (both shown in the paste): a kernel= override."""
    installed = running = None
    for reading in readings:
        record = reading.record
        if isinstance(record, (WslStatus, WslVersionInfo)) and installed is None:
            installed = _number(record.kernel_version)
        elif isinstance(record, KernelInfo) and record.flavour != "wsl1" and running is None:  # a custom build may drop "microsoft"
            running = record.release
    if not installed or not running or _number(running) in (None, installed):
        return None
    cause = (f"The distro runs kernel {running}, but this WSL installed kernel {installed}: a kernel= line in "
             "%UserProfile%\\.wslconfig boots another (custom or old) kernel instead of the one WSL ships and "
             "updates; a kernel built without WSL's dxgkrnl driver offers the distro no /dev/dxg (no GPU).")
    sig = Signature("wsl.kernel-override", "wsl", ("*",), (), cause, "Windows, then the distro", FIX, SOURCE, "medium",
                    wsl_only=True)
    return Match(sig, f"WSL installed {installed}; the distro runs {running}"[:300], "", running)
