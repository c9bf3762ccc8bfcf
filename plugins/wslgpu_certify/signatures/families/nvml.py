"""nvidia-smi's messages about the GPUs NVML enumerates: a GPU it cannot open, and no GPU at all.

    Unable to determine the device handle for GPU0: 0000:C1:00.0: Unknown Error      (newer nvidia-smi)
    Unable to determine the device handle for GPU0000:01:00.0: GPU is lost          (older: the bus id only)
    No devices were found

The text after the bus id is nvmlErrorString()'s, decoded to its nvmlReturn_t by cuda.NVML_TEXTS; what the
messages mean on WSL (a GPU in TCC mode, mixed TCC/WDDM GPUs) is data/nvml_messages.toml, with its sources.
A handle error whose code has its own cause on WSL (GPU is lost, insufficient permissions) keeps that cause.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..matcher import Match
from .cuda import NVML_TEXTS, codes
from .tables import causes, hit, lines_with, steps, table

_HANDLE = re.compile(r"Unable to determine the device handle for GPU ?(?:(\d{1,3}): ?)?"
                     r"([0-9A-Fa-f]{4,8}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-9A-Fa-f])?:? ?([^\n]{0,80})")
_NONE = re.compile(r"^[ \t]*No devices were found[ \t]*$", re.M)
# the codes whose plain cause (cuda_causes.toml) is more specific than "a GPU WSL is not offered"
_OWN_CAUSE = {"NVML_ERROR_GPU_IS_LOST", "NVML_ERROR_NO_PERMISSION", "NVML_ERROR_LIB_RM_VERSION_MISMATCH",
              "NVML_ERROR_DRIVER_NOT_LOADED", "NVML_ERROR_LIBRARY_NOT_FOUND", "NVML_ERROR_INSUFFICIENT_POWER"}


@lru_cache(maxsize=1)
def messages() -> dict[str, dict]:
    data = table("nvml_messages")
    return {row["key"]: {**row, "steps": steps(row["fix"], f"nvml_messages:{row['key']}")} for row in data["message"]}


def decode(text: str) -> list[Match]:
    text = lines_with(text, ("device handle", "no devices were found"))
    handles = list(_HANDLE.finditer(text))
    if handles:
        said = [(m.group(3).strip().rstrip(".") or "no reason given") for m in handles[:8]]
        named = [NVML_TEXTS.get(reason.split(".")[0].strip().lower(), "") for reason in said]
        gpus = ", ".join(f"GPU {m.group(1) or '?'} ({m.group(2) or 'bus id not shown'}): {reason}"
                         for m, reason in zip(handles, said))
        known = next((code for code in named if code in _OWN_CAUSE), "")
        tail = " nvidia-smi then found no devices." if _NONE.search(text) else ""
        head = f"nvidia-smi could not open {len(handles)} GPU(s): {gpus}.{tail}"
        if known and known not in causes("cuda_causes"):  # its own meaning, no WSL cause invented
            meaning = codes()[0][known]
            return [hit("nvml", known, "gpu", f"{head} {known}: {meaning['meaning']}.", "the distro", (),
                        meaning["source"], "low", text, handles[0])]
        row = causes("cuda_causes")[known] if known else messages()["device-handle"]
        return [hit("nvml", known or "device-handle", row["layer"], f"{head} {row['cause']}", row["where"], row["steps"],
                    row["source"], "medium", text, handles[0])]
    none = _NONE.search(text)
    if none:
        row = messages()["no-devices-found"]
        return [hit("nvml", "no-devices-found", row["layer"], row["cause"], row["where"], row["steps"], row["source"],
                    "medium", text, none)]
    return []
