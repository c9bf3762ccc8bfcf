"""Parsers for GPU tool output: the CUDA nbody benchmark and nvidia-smi."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._text import clean, evidence
from .errors import UnreadableOutput


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


# Format from setup-guide §3.4 and nbody__healthy-*.txt:
#   GPU Device 0: "GeForce RTX 2070" with compute capability 7.5
#   > Compute 7.5 CUDA device: [GeForce RTX 2070]
#   36864 bodies, total time for 10 iterations: 67.554 ms
#   = 201.166 billion interactions per second
#   = 4023.329 single-precision GFLOP/s at 20 flops per interaction
_DEVICE = re.compile(r'GPU Device \d+: "([^"]+)" with compute capability (\d+\.\d+)')
_COMPUTE_DEVICE = re.compile(r"Compute (\d+\.\d+) CUDA device: \[([^\]]+)\]")
_BODIES = re.compile(r"(\d+) bodies, total time for \d+ iterations: ([\d.]+) ms")
_INTERACTIONS = re.compile(r"=\s*([\d.]+) billion interactions per second")
_GFLOPS = re.compile(r"=\s*([\d.]+) (single|double)-precision GFLOP/s")


def parse_nbody(text: str) -> NbodyResult:
    """Read the nbody benchmark result; no GFLOP/s figure means the benchmark did not run."""
    body = clean(text)
    gflops = _GFLOPS.search(body)
    bodies = _BODIES.search(body)
    interactions = _INTERACTIONS.search(body)
    if not (gflops and bodies and interactions):
        # The cause ("only 0 Devices available", "code=35") sits after the usage text; show it.
        raise UnreadableOutput("nbody benchmark result (no GFLOP/s figure)", evidence(text))
    device = _DEVICE.search(body)
    if device:
        name, capability = device.groups()
    else:
        compute = _COMPUTE_DEVICE.search(body)
        if not compute:
            raise UnreadableOutput("nbody GPU device line", evidence(text))
        capability, name = compute.groups()
    return NbodyResult(
        gpu_name=name,
        compute_capability=capability,
        bodies=int(bodies.group(1)),
        total_ms=float(bodies.group(2)),
        interactions_per_second=float(interactions.group(1)),
        gflops=float(gflops.group(1)),
        precision=gflops.group(2),
    )


@dataclass(frozen=True)
class NvidiaSmi:
    """Driver/CUDA versions and GPU names from the default `nvidia-smi` table, or why it failed."""

    driver_version: str | None
    cuda_version: str | None
    gpu_names: tuple[str, ...]
    error: str | None
    smi_version: str | None = None


# "| NVIDIA-SMI 555.52.01   Driver Version: 555.99   CUDA Version: 12.5 |" (nvidia-smi__healthy-wsl-555.52-rtx4070.txt)
_SMI_HEADER = re.compile(r"NVIDIA-SMI\s+(\S+)\s+Driver Version:\s*(\S+)(?:\s+CUDA Version:\s*(\S+))?")
# GPU row: "|   0  Quadro RTX 4000     On   | 00000000:73:00.0 Off |"; Windows shows WDDM/TCC instead of On/Off.
_SMI_GPU_ROW = re.compile(r"^\|\s+(\d+)\s+(.+?)\s+(?:On|Off|WDDM|TCC|N/A)\s+\|\s+[0-9A-Fa-f]+:[0-9A-Fa-f]{2}:", re.M)
_SMI_ERRORS = re.compile(
    r"NVIDIA-SMI has failed[^\n]*|[^\n]*Segmentation fault[^\n]*|Failed to initialize NVML[^\n]*"
    r"|No devices were found|nvidia-smi: (?:command )?not found|Unable to determine the device handle[^\n]*"
)


def parse_nvidia_smi(text: str) -> NvidiaSmi:
    """Read `nvidia-smi`; a header with a later crash keeps both the versions and the error."""
    body = clean(text)
    header = _SMI_HEADER.search(body)
    error = _SMI_ERRORS.search(body)
    if not header and not error:
        raise UnreadableOutput("nvidia-smi", text)

    def version(value: str | None) -> str | None:
        return None if value in (None, "N/A") else value

    return NvidiaSmi(
        driver_version=version(header.group(2)) if header else None,
        cuda_version=version(header.group(3)) if header else None,
        gpu_names=tuple(m.group(2) for m in _SMI_GPU_ROW.finditer(body)),
        error=error.group(0).strip() if error else None,
        smi_version=header.group(1) if header else None,
    )
