"""Parsers for GPU tool output: the CUDA nbody benchmark, nvidia-smi, and the native-Linux driver probe."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._text import VERSION, content_lines, evidence, plausible_count, require_text
from .errors import UnreadableOutput
from ..lazy_regex import regex


@dataclass(frozen=True)
class NbodyResult:
    """The figures `nbody -gpu -benchmark` prints (interactions in billions per second)."""

    gpu_name: str
    compute_capability: str
    bodies: int
    total_ms: float
    interactions_per_second: float
    gflops: float
    precision: str = "single"
    # The name in "> Compute 8.6 CUDA device: [NVIDIA GeForce RTX 3070]", when printed. Current cuda-samples
    # print the architecture in the "GPU Device 0:" line instead ("Ampere", or a wrong default for an SM they
    # do not know: "MapSMtoArchName for SM 8.9 is undefined. Default to use Ampere"), so this is the GPU's name.
    cuda_device: str | None = None


# Format from setup-guide §3.4 and nbody__healthy-*.txt:
#   GPU Device 0: "GeForce RTX 2070" with compute capability 7.5
#   > Compute 7.5 CUDA device: [GeForce RTX 2070]
#   36864 bodies, total time for 10 iterations: 67.554 ms
#   = 201.166 billion interactions per second
#   = 4023.329 single-precision GFLOP/s at 20 flops per interaction
# The names cuda-samples' _ConvertSMVer2ArchName prints (helper_cuda.h), never a GPU's name.
ARCHITECTURES = frozenset({"Tesla", "Fermi", "Kepler", "Maxwell", "Pascal", "Volta", "Xavier", "Turing", "Ampere",
                           "Ada", "Hopper", "Blackwell", "Graphics Device"})
_DEVICE = regex(r'GPU Device \d+: "([^"]+)" with compute capability (\d+\.\d+)')
_COMPUTE_DEVICE = regex(r"Compute (\d+\.\d+) CUDA device: \[([^\]]+)\]")
_BODIES = regex(r"(\d+) bodies, total time for \d+ iterations: ([\d.]+) ms")
_INTERACTIONS = regex(r"=\s*([\d.]+) billion interactions per second")
# The figure line is read only whole, up to "per interaction": a cut figure is not a smaller one.
_GFLOPS = regex(r"=\s*(\d+(?:\.\d+)?) (single|double)-precision GFLOP/s at \d+ flops per interaction")


def parse_nbody(text: str) -> NbodyResult:
    """Read the nbody benchmark result; no GFLOP/s figure means the benchmark did not run."""
    body = require_text("nbody benchmark", text)
    gflops = _GFLOPS.search(body)
    bodies = _BODIES.search(body)
    interactions = _INTERACTIONS.search(body)
    if not (gflops and bodies and interactions):
        # The cause ("only 0 Devices available", "code=35") sits after the usage text; show it.
        raise UnreadableOutput("nbody benchmark result (no GFLOP/s figure)", evidence(text))
    # The GPU's name is the one in "> Compute X.Y CUDA device: [NAME]". Newer cuda-samples print the
    # architecture in the "GPU Device 0:" line instead ("Ampere", corpus nbody__healthy-gtx1060-arch-name-
    # format-pascal.txt prints "Pascal"), and for an SM they do not know a wrong one ("MapSMtoArchName for
    # SM 8.9 is undefined.  Default to use Ampere" before `GPU Device 0: "Ampere"` on an RTX 4090:
    # the nbody run in O'Reilly's "Building Generative AI Services with FastAPI", ch. 12). Older samples
    # print the name in both lines (the guide's).
    compute = _COMPUTE_DEVICE.search(body)
    device = _DEVICE.search(body)
    if compute:
        capability, name = compute.groups()
    elif device and device.group(1) not in ARCHITECTURES:
        name, capability = device.groups()
    else:
        raise UnreadableOutput("nbody GPU device line (no `CUDA device: [NAME]` line)", evidence(text))
    return NbodyResult(
        gpu_name=name,
        compute_capability=capability,
        bodies=int(bodies.group(1)),
        total_ms=float(bodies.group(2)),
        interactions_per_second=float(interactions.group(1)),
        gflops=float(gflops.group(1)),
        precision=gflops.group(2),
        cuda_device=compute.group(2) if compute else None,
    )


@dataclass(frozen=True)
class NvidiaSmi:
    """Driver/CUDA versions and GPU names from the default `nvidia-smi` table, or why it failed."""

    driver_version: str | None
    cuda_version: str | None
    gpu_names: tuple[str, ...]
    error: str | None
    smi_version: str | None = None


# "| NVIDIA-SMI 555.52.01   Driver Version: 555.99   CUDA Version: 12.5 |" (nvidia-smi__healthy-wsl-555.52-rtx4070.txt);
# the header line ends with its closing '|', so a cut inside it does not read as a shorter version.
_SMI_HEADER = regex(r"NVIDIA-SMI\s+(\S+)\s+Driver Version:\s*(\S+)(?:\s+CUDA Version:\s*(\S+))?\s*\|")
# GPU row: "|   0  Quadro RTX 4000     On   | 00000000:73:00.0 Off |                  N/A |"; Windows shows
# WDDM/TCC instead of On/Off (nvidia-smi__windows-exe-wddm-two-gpus-517.48.txt, indented there). A row
# counts only when all three columns are there up to the closing '|'.
_SMI_GPU_ROW = regex(
    r"^[ \t]*\|\s+(\d+)\s+(.+?)\s+(?:On|Off|WDDM|TCC|N/A)\s+\|\s+[0-9A-Fa-f]+:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-9A-Fa-f]"
    r"\s+(?:On|Off|N/A)\s+\|[^|\n]*\|[ \t]*$",
    re.M,
)
_SMI_ERRORS = regex(
    # "(?m)^[^\n]*" rather than "[^\n]*": the line's start is found once, not tried at every offset
    r"(?m)NVIDIA-SMI has failed[^\n]*|^[^\n]*Segmentation fault[^\n]*|Failed to initialize NVML[^\n]*"
    r"|No devices were found|nvidia-smi: (?:command )?not found|Unable to determine the device handle[^\n]*"
)


def parse_nvidia_smi(text: str) -> NvidiaSmi:
    """Read `nvidia-smi`; a header with a later crash keeps both the versions and the error.

    Without an error, the header line (up to its closing '|') and at least one GPU row with all
    three columns are required, rows numbered 0, 1, ... and at most MAX_GPUS of them: output cut
    before the first GPU row is unreadable, not "a driver without a GPU". The border closing the
    table is not required: real pastes stop after the last row they care about
    (docker-gpu-run__healthy-pytorch-nvidia-smi-in-container-wsl-1.2.2.txt).
    """
    body = require_text("nvidia-smi", text)
    header = _SMI_HEADER.search(body)
    error = _SMI_ERRORS.search(body)
    if not header and not error:
        raise UnreadableOutput("nvidia-smi", text)
    if header and not all(re.fullmatch(VERSION, v) for v in header.group(1, 2)):
        raise UnreadableOutput("nvidia-smi (header versions)", header.group(0))
    rows = plausible_count("nvidia-smi GPU rows", list(_SMI_GPU_ROW.finditer(body)), evidence(text))
    if not error:
        if not rows:
            raise UnreadableOutput("nvidia-smi (no complete GPU row)", text)
        if [int(m.group(1)) for m in rows] != list(range(len(rows))):
            raise UnreadableOutput("nvidia-smi (GPU rows not numbered 0, 1, ...)", evidence(text))

    def version(value: str | None) -> str | None:
        return None if value in (None, "N/A") else value

    return NvidiaSmi(
        driver_version=version(header.group(2)) if header else None,
        cuda_version=version(header.group(3)) if header else None,
        gpu_names=tuple(m.group(2) for m in rows),
        error=error.group(0).strip() if error else None,
        smi_version=header.group(1) if header else None,
    )


# ---- native Linux: NVIDIA's Linux driver (probes/distro.py, NATIVE_DRIVER)
#
# The probe (probes/distro.py, NATIVE_DRIVER) prints one marker line per fact it looked for, then
# `nvidia-smi -L` and its exit status:
#
#     present /dev/nvidiactl            (the driver's control device: the kernel module is loaded)
#     missing /dev/nvidia0              (the first GPU's device node)
#     missing /proc/driver/nvidia/version
#     missing libcuda.so.1              (in the loader cache: the driver's user-space CUDA library)
#     GPU 0: NVIDIA GeForce RTX 3070 (UUID: GPU-...)     <- `nvidia-smi -L`
#     nvidia-smi exit 0                 (or `nvidia-smi missing` when it is not on PATH)
#
# `nvidia-smi -L` ("--list-gpus: list each of the NVIDIA GPUs in the system, along with their UUIDs",
# nvidia-smi(1)) prints one `GPU <n>: <name> (UUID: ...)` line per GPU; without a working driver it prints
# "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver" or "No devices were found".

LOOKED_FOR = ("/dev/nvidiactl", "/dev/nvidia0", "/proc/driver/nvidia/version", "libcuda.so.1")
_MARKER = regex(r"^(present|missing) (\S+)$")
_GPU_LINE = regex(r"^GPU (\d+): (.+?)(?: \(UUID: [^)]*\))?$")
_SMI_EXIT = regex(r"^nvidia-smi exit (\d{1,3})$")
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
