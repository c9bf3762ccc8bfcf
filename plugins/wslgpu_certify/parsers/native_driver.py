"""Parser for the native-Linux driver probe: is NVIDIA's Linux driver there, and does it see a GPU?

The probe (probes/distro.py, NATIVE_DRIVER) prints one marker line per fact it looked for, then
`nvidia-smi -L` and its exit status:

    present /dev/nvidiactl            (the driver's control device: the kernel module is loaded)
    missing /dev/nvidia0              (the first GPU's device node)
    missing /proc/driver/nvidia/version
    missing libcuda.so.1              (in the loader cache: the driver's user-space CUDA library)
    GPU 0: NVIDIA GeForce RTX 3070 (UUID: GPU-...)     <- `nvidia-smi -L`
    nvidia-smi exit 0                 (or `nvidia-smi missing` when it is not on PATH)

`nvidia-smi -L` ("--list-gpus: list each of the NVIDIA GPUs in the system, along with their UUIDs",
nvidia-smi(1)) prints one `GPU <n>: <name> (UUID: ...)` line per GPU; without a working driver it prints
"NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver" or "No devices were found".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._text import content_lines, require_text
from .errors import UnreadableOutput

LOOKED_FOR = ("/dev/nvidiactl", "/dev/nvidia0", "/proc/driver/nvidia/version", "libcuda.so.1")
_MARKER = re.compile(r"^(present|missing) (\S+)$")
_GPU_LINE = re.compile(r"^GPU (\d+): (.+?)(?: \(UUID: [^)]*\))?$")
_SMI_EXIT = re.compile(r"^nvidia-smi exit (\d{1,3})$")
MAX_GPUS = 64


@dataclass(frozen=True)
class NativeDriver:
    present: tuple[str, ...]  # of LOOKED_FOR, what is there
    missing: tuple[str, ...]  # ... and what is not
    smi_installed: bool
    smi_exit: int | None  # None when nvidia-smi is not installed
    gpus: tuple[str, ...]  # the names `nvidia-smi -L` listed
    smi_error: str | None  # what nvidia-smi said instead of a GPU list (its first line)

    @property
    def sees_gpu(self) -> bool:
        return self.smi_exit == 0 and bool(self.gpus)

    @property
    def any_trace(self) -> bool:
        """Whether anything of the driver is installed (a device node, the proc file, libcuda, nvidia-smi)."""
        return bool(self.present) or self.smi_installed


def parse_native_driver(text: str) -> NativeDriver:
    """Every looked-for fact must have its marker and the output must end with nvidia-smi's status line:
    output cut short is unreadable, never "no driver"."""
    lines = content_lines(require_text("NVIDIA driver probe", text))
    head = [_MARKER.match(line) for line in lines[:len(LOOKED_FOR)]]
    found = {m.group(2): m.group(1) for m in head if m}
    if not all(head) or sorted(found) != sorted(LOOKED_FOR) or len(lines) <= len(LOOKED_FOR):
        raise UnreadableOutput("NVIDIA driver probe (a marker line is missing)", text)
    last = lines[-1].strip()
    if last == "nvidia-smi missing":
        smi_installed, smi_exit, between = False, None, lines[len(LOOKED_FOR):-1]
    elif _SMI_EXIT.match(last):
        smi_installed, smi_exit = True, int(_SMI_EXIT.match(last).group(1))
        between = lines[len(LOOKED_FOR):-1]
    else:
        raise UnreadableOutput("NVIDIA driver probe (no nvidia-smi status line)", text)
    gpus = tuple(m.group(2) for m in map(_GPU_LINE.match, between) if m)
    if len(gpus) > MAX_GPUS:
        raise UnreadableOutput(f"NVIDIA driver probe (more than {MAX_GPUS} GPUs listed)", text[:2000])
    others = [line for line in between if line and not _GPU_LINE.match(line)]
    return NativeDriver(
        present=tuple(p for p in LOOKED_FOR if found[p] == "present"),
        missing=tuple(p for p in LOOKED_FOR if found[p] == "missing"),
        smi_installed=smi_installed, smi_exit=smi_exit, gpus=gpus,
        smi_error=others[0][:300] if others else None,
    )
