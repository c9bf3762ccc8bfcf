"""Parser for nvidia-smi.exe's CSV query on the Windows side: one row per GPU with its driver model."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._text import content_lines, evidence
from .errors import UnreadableOutput
from ..lazy_regex import regex

# `nvidia-smi.exe --query-gpu=index,name,driver_model.current,driver_version --format=csv[,noheader]`
# CSV with ", " between fields; the header repeats the query names
# ("compute_cap, compute_mode, driver_version, name, index" /
#  "7.0, Default, 570.86.15, NVIDIA TITAN V, 0": https://github.com/triton-inference-server/server/pull/8070).
# driver_model.current is WDDM, TCC or MCDM on Windows (nvidia-smi --help-query-gpu; the TCC/WDDM
# column of the table: corpus nvidia-smi__windows-exe-tcc-wddm-column-526.47.txt, microsoft/WSL#9099)
# and "N/A" on Linux ("Driver Model / Current : N/A" in `nvidia-smi -a`, https://github.com/netdata/netdata/issues/4892).
# Inside WSL the Linux-side nvidia-smi reports WDDM too (corpus nvidia-smi__wsl-nvidia-smi-a-driver-model-
# wddm-510.06.txt, NVIDIA/nvidia-container-toolkit#271). CSV output brackets unavailable values:
# "[N/A]", "[Not Supported]".
QUERY = "index,name,driver_model.current,driver_version"
_COLUMNS = tuple(QUERY.split(","))
_DRIVER_MODELS = ("WDDM", "TCC", "MCDM")
_VERSION = regex(r"^\d{3}\.\d{2,3}(?:\.\d{2})?$")  # 546.33, 550.120, 570.86.15
_UNAVAILABLE = regex(r"^\[(N/A|Not Supported|Unknown Error|Insufficient Permissions)\]$|^N/A$")
_FAILURE = regex(r"NVIDIA-SMI has failed|couldn't communicate with the NVIDIA driver|is not a valid field|is not recognized|No devices were found", re.I)


@dataclass(frozen=True)
class WindowsGpu:
    """One GPU as the Windows driver sees it."""

    index: int
    name: str
    driver_model: str | None  # "WDDM", "TCC", "MCDM"; None where nvidia-smi printed [N/A]
    driver_version: str

    @property
    def wddm(self) -> bool:
        """WSL 2's GPU paravirtualisation needs the GPU under a WDDM driver (CUDA on WSL user guide,
        https://docs.nvidia.com/cuda/wsl-user-guide/); a TCC GPU is not offered to WSL. MCDM is read
        but its standing for WSL is not established by any source here."""
        return self.driver_model == "WDDM"


def parse_query_gpu_driver_model(text: str) -> tuple[WindowsGpu, ...]:
    """Read the CSV rows (header optional) of the driver-model query; refuse short or odd rows."""
    rows = content_lines(text)
    if any(_FAILURE.search(row) for row in rows):
        raise UnreadableOutput("nvidia-smi.exe --query-gpu (nvidia-smi reported an error)", evidence(text, _FAILURE.pattern))
    if rows and [c.strip() for c in rows[0].split(",")] == list(_COLUMNS):
        rows = rows[1:]
    if not rows:
        raise UnreadableOutput("nvidia-smi.exe --query-gpu (no GPU rows)", text)
    gpus = []
    for row in rows:
        cells = [c.strip() for c in row.split(",")]
        if len(cells) != len(_COLUMNS):
            raise UnreadableOutput("nvidia-smi.exe --query-gpu (row without all four fields)", row)
        index, name, model, version = cells
        if not index.isdigit() or not name or not _VERSION.match(version):
            raise UnreadableOutput("nvidia-smi.exe --query-gpu (index/name/driver_version)", row)
        if _UNAVAILABLE.match(model):
            driver_model = None
        elif model in _DRIVER_MODELS:
            driver_model = model
        else:
            raise UnreadableOutput("nvidia-smi.exe --query-gpu (driver model)", row)
        gpus.append(WindowsGpu(int(index), name, driver_model, version))
    if [g.index for g in gpus] != list(range(len(gpus))):
        # nvidia-smi numbers GPUs 0..N-1; a gap means lost rows.
        raise UnreadableOutput("nvidia-smi.exe --query-gpu (GPU indexes not 0..N-1)", text)
    return tuple(gpus)
