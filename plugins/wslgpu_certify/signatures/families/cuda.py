"""The CUDA family: every CUresult (driver API), cudaError_t (runtime) and nvmlReturn_t (NVML, nvidia-smi)
code, by name, by number next to the call that returned it, and by the text the library prints for it.

nvidia-smi's own device messages are decoded here too (nvidia_smi_devices):

    Unable to determine the device handle for GPU0: 0000:C1:00.0: Unknown Error      (newer nvidia-smi)
    Unable to determine the device handle for GPU0000:01:00.0: GPU is lost          (older: the bus id only)
    No devices were found

the text after the bus id is nvmlErrorString()'s (NVML_TEXTS below); what they mean on WSL is data/nvml_messages.toml.

The tables (data/CUresult.toml, cudaError_t.toml, nvmlReturn_t.toml) are generated from NVIDIA's headers
(bench/family_tables.py); data/cuda_causes.toml says what a code means on WSL 2 and its fix. A code
with no WSL-specific cause is decoded with its header meaning and no invented fix.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..catalog import Step
from ..matcher import Match
from .tables import causes, causes_within, hit, line_at, lines_with, steps, table
from ...lazy_regex import regex

TABLES = ("CUresult", "cudaError_t", "nvmlReturn_t")
# nvmlErrorString()'s text for each code, as nvidia-smi prints it after "Failed to initialize NVML: "
# (libnvidia-ml; the texts as the NVML reference names each nvmlReturn_t:
# https://docs.nvidia.com/deploy/nvml-api/group__nvmlDeviceEnumvs.html)
NVML_TEXTS = {
    "uninitialized": "NVML_ERROR_UNINITIALIZED", "invalid argument": "NVML_ERROR_INVALID_ARGUMENT",
    "not supported": "NVML_ERROR_NOT_SUPPORTED", "insufficient permissions": "NVML_ERROR_NO_PERMISSION",
    "already initialized": "NVML_ERROR_ALREADY_INITIALIZED", "not found": "NVML_ERROR_NOT_FOUND",
    "insufficient size": "NVML_ERROR_INSUFFICIENT_SIZE", "insufficient external power": "NVML_ERROR_INSUFFICIENT_POWER",
    "driver not loaded": "NVML_ERROR_DRIVER_NOT_LOADED", "timeout": "NVML_ERROR_TIMEOUT",
    "interrupt request issue": "NVML_ERROR_IRQ_ISSUE", "nvml shared library not found": "NVML_ERROR_LIBRARY_NOT_FOUND",
    "function not found": "NVML_ERROR_FUNCTION_NOT_FOUND", "corrupted inforom": "NVML_ERROR_CORRUPTED_INFOROM",
    "gpu is lost": "NVML_ERROR_GPU_IS_LOST", "gpu requires restart": "NVML_ERROR_RESET_REQUIRED",
    "gpu access blocked by the operating system": "NVML_ERROR_OPERATING_SYSTEM",
    "driver/library version mismatch": "NVML_ERROR_LIB_RM_VERSION_MISMATCH",
    "in use by another client": "NVML_ERROR_IN_USE", "insufficient memory": "NVML_ERROR_MEMORY",
    "no data": "NVML_ERROR_NO_DATA", "unknown error": "NVML_ERROR_UNKNOWN",
}

# cudaGetErrorString()'s text for the codes a WSL paste shows most (libcudart; the codes' meanings:
# https://docs.nvidia.com/cuda/cuda-runtime-api/group__CUDART__TYPES.html), and PyTorch's "CUDA out of memory"
CUDA_TEXTS = {
    "no cuda-capable device is detected": "cudaErrorNoDevice",
    "cuda driver version is insufficient for cuda runtime version": "cudaErrorInsufficientDriver",
    "system has unsupported display driver / cuda driver combination": "cudaErrorSystemDriverMismatch",
    "forward compatibility was attempted on non supported hw": "cudaErrorCompatNotSupportedOnDevice",
    "the provided ptx was compiled with an unsupported toolchain": "cudaErrorUnsupportedPtxVersion",
    "api call is not supported in the installed cuda driver": "cudaErrorCallRequiresNewerDriver",
    "cuda driver is a stub library": "cudaErrorStubLibrary",
    "named symbol not found": "cudaErrorSymbolNotFound",
    "os call failed or operation not supported on this os": "cudaErrorOperatingSystem",
    "all cuda-capable devices are busy or unavailable": "cudaErrorDevicesUnavailable",
    "no kernel image is available for execution on the device": "cudaErrorNoKernelImageForDevice",
    "cuda out of memory": "cudaErrorMemoryAllocation",
    "cuda error: out of memory": "cudaErrorMemoryAllocation",
    "cuda error: unknown error": "cudaErrorUnknown",
    "cuda error: initialization error": "cudaErrorInitializationError",
}

_NAME = regex(r"(?<![A-Za-z0-9_])(CUDA_ERROR_[A-Z0-9_]{2,60}|cudaError[A-Z][A-Za-z0-9]{1,60}|NVML_ERROR_[A-Z_]{2,60})"
              r"(?![A-Za-z0-9_])")
_NVML = regex(r"(?:Failed to initialize NVML|nvml error): ([^\n]{1,80})", re.I)
# a number next to the CUDA call that returned it: "cuInit returned 100", "cudaGetDeviceCount() ... Error 804: ...",
# "failed call to cuInit: UNKNOWN ERROR (303)", "CUDA error 35", "CUDA Error: 999"
_NUMBER = regex(r"(?<![A-Za-z0-9_])(cu[A-Z][A-Za-z0-9_]{1,60}|cuda[A-Z][A-Za-z0-9_]{1,60}|CUDA)\b[^\n]{0,160}?"
                r"\b(?i:returned|error|err|code|status|result)\W{0,4}(?:\w+ ){0,2}\(?(?<!-)(\d{1,4})(?!\d|\.\d)")
_CUDA_CONTEXT = regex(r"cuda|nvml|gpu|(?<![a-z])cu[A-Z]", re.I)


@lru_cache(maxsize=1)
def codes() -> tuple[dict[str, dict], dict[tuple[str, int], dict], dict[str, str]]:
    """({name: row}, {(table, number): row}, {printed text (lower): name})."""
    by_name, by_number = {}, {}
    for name in TABLES:
        data = table(name)
        for row in data["code"]:
            entry = {**row, "table": name, "source": data["source"]}
            by_name[row["name"]] = entry
            by_number[(name, row["number"])] = entry
    return by_name, by_number, {**NVML_TEXTS, **CUDA_TEXTS}


# CUDA's initialisation: the first call of a program creates the context (cudaGetDeviceCount, cuInit, PyTorch's
# _cuda_init, "CUDA initialization"); a code returned there has a [[within]] row (contexts = ["init"]) when its
# plain meaning (out of memory) misleads at that point: nothing was allocated yet.
_INIT = regex(r"cudaGetDeviceCount|cuInit|cuDeviceGetCount|_cuda_init|CUDA initiali[sz]ation|cudaSetDevice", re.I)


def _within(name: str, line: str) -> dict | None:
    if not _INIT.search(line):
        return None
    return next((row for row in causes_within("cuda_causes") if name in row["names"] and "init" in row["contexts"]), None)


def _finding(row: dict, text: str, found: re.Match, how: str = "") -> Match:
    cause_row = _within(row["name"], line_at(text, found.start())) or causes("cuda_causes").get(row["name"])
    cause = f"{row['name']} ({row['number']}, {row['table']}){how}: {row['meaning']}."
    if cause_row:
        return hit("cuda", row["name"], cause_row["layer"], f"{cause} On WSL: {cause_row['cause']}",
                   cause_row["where"], cause_row["steps"], cause_row["source"], "medium", text, found)
    return hit("cuda", row["name"], "gpu", cause, "the distro", (), row["source"], "low", text, found)


def _unknown(table_name: str, number: int, text: str, found: re.Match) -> Match:
    return hit("cuda", f"{table_name}-{number}", "gpu",
               f"CUDA error {number}: not a {table_name} code of the CUDA 12.6 headers this project reads "
               "(an older or newer CUDA, or another library's code).", "the distro", (),
               table(table_name)["source"], "low", text, found)


# PyTorch's warning: "NVIDIA GeForce RTX 5080 with CUDA capability sm_120 is not compatible with the current PyTorch
# installation. The current PyTorch install supports CUDA capabilities sm_50 sm_60 ... sm_90." (torch/cuda/__init__.py)
_NOT_COMPATIBLE = regex(r"(?:(\S[^\n]{0,80}?) )?with CUDA capability sm_(\d{2,3}) is not compatible with the current "
                        r"PyTorch installation")
_SUPPORTS = regex(r"supports CUDA capabilities((?: sm_\d{2,3}){1,30})")
_SAFE_NAME = regex(r"^[\w .()-]{1,80}$")


def arch_of(sm: int) -> dict | None:
    return next((row for row in table("compute_capability")["arch"] if sm in row["sm"]), None)


def wheel_for(cuda_version: str) -> str:
    """The first PyTorch wheel build (cuXYZ) whose CUDA is at least `cuda_version`."""
    need = tuple(int(part) for part in cuda_version.split("."))
    for wheel in table("compute_capability")["pytorch_wheels"]:
        digits = wheel[2:]
        if (int(digits[:-1]), int(digits[-1])) >= need:
            return wheel
    return table("compute_capability")["pytorch_wheels"][-1]


def capability(text: str) -> list[Match]:
    """PyTorch's `... with CUDA capability sm_XY is not compatible with the current PyTorch installation`: the GPU's
    architecture against the build's list decides the way out (a newer CUDA build for a new GPU, an older release
    for a GPU the build dropped)."""
    text = lines_with(text, ("cuda capabilit",))
    found = _NOT_COMPATIBLE.search(text)
    if not found:
        return []
    sm = int(found.group(2))
    supports = _SUPPORTS.search(text)
    listed = sorted(int(x) for x in re.findall(r"sm_(\d+)", supports.group(1))) if supports else []
    gpu = found.group(1).strip() if found.group(1) and _SAFE_NAME.match(found.group(1).strip()) else "This GPU"
    arch = arch_of(sm)
    if listed and sm < listed[0]:
        cause = (f"{gpu} (compute capability sm_{sm}) is older than every architecture this PyTorch build carries "
                 f"(sm_{listed[0]} and up): the build dropped it.")
        fix = (Step(say=f"Install an older PyTorch release that still built sm_{sm} (its release notes list the "
                        "architectures), or build PyTorch from source with TORCH_CUDA_ARCH_LIST including it."),)
    elif arch is not None:
        wheel = wheel_for(arch["cuda"])
        cause = (f"{gpu} is {arch['family']} (compute capability sm_{sm}), which needs a PyTorch built with CUDA "
                 f"{arch['cuda']} or later; this build carries kernels only for "
                 f"{', '.join(f'sm_{x}' for x in listed) or 'older architectures'}.")
        fix = (Step(run=f"pip install --upgrade torch torchvision torchaudio --index-url https://download.pytorch.org/whl/{wheel}",
                    shell="bash"),
               Step(run="python -c 'import torch; print(torch.version.cuda, torch.cuda.get_arch_list())'", shell="bash"),
               Step(say=f"In an image, use one built on CUDA {arch['cuda']}+ (its PyTorch from the {wheel} index); the "
                        "Windows driver must support that CUDA (nvidia-smi's 'CUDA Version')."))
    else:
        cause = f"{gpu} (compute capability sm_{sm}) is not among the architectures this PyTorch build carries."
        fix = (Step(say="Install a PyTorch build whose CUDA supports this GPU (https://pytorch.org/get-started/locally/)."),)
    return [hit("cuda", f"pytorch-sm-{sm}", "gpu", cause, "the Python environment (or the image)", fix,
                table("compute_capability")["source"], "high", text, found)]


def decode(text: str) -> list[Match]:
    by_name, by_number, texts = codes()
    text = lines_with(text, ("cu", "nvml"))
    found: dict[str, Match] = {}
    for name in _NAME.finditer(text):
        row = by_name.get(name.group(1))
        if row is not None and row["number"] != 0:
            found.setdefault(row["name"], _finding(row, text, name))
    for nvml in _NVML.finditer(text):
        said = nvml.group(1).strip().rstrip(".").lower()
        code = texts.get(said) or NVML_TEXTS.get(said)
        if code and code in by_name:
            found.setdefault(code, _finding(by_name[code], text, nvml, " as nvidia-smi prints it"))
    lowered = text.lower()
    for said, code in texts.items():
        at = lowered.find(said)
        if at == -1 or code in found or said in NVML_TEXTS:
            continue
        line = lowered[lowered.rfind("\n", 0, at) + 1:]
        line = line[:line.find("\n")] if "\n" in line else line
        if _CUDA_CONTEXT.search(line):
            spot = re.compile(re.escape(said), re.I).search(text, at)
            found.setdefault(code, _finding(by_name[code], text, spot, " by its message"))
    for number in _NUMBER.finditer(text):
        call, value = number.group(1), int(number.group(2))
        order = ("CUresult", "cudaError_t") if not call.startswith("cuda") and call != "CUDA" else ("cudaError_t", "CUresult")
        if value == 0:
            continue
        row = next((by_number[(t, value)] for t in order if (t, value) in by_number), None)
        if row is None:
            found.setdefault(f"{order[0]}-{value}", _unknown(order[0], value, text, number))
        else:
            found.setdefault(row["name"], _finding(row, text, number, f" returned by {call}"))
    return list(found.values())


_HANDLE = regex(r"Unable to determine the device handle for GPU ?(?:(\d{1,3}): ?)?"
                r"([0-9A-Fa-f]{4,8}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-9A-Fa-f])?:? ?([^\n]{0,80})")
_NONE = regex(r"^[ \t]*No devices were found[ \t]*$", re.M)
# the codes whose plain cause (cuda_causes.toml) is more specific than "a GPU WSL is not offered"
_OWN_CAUSE = {"NVML_ERROR_GPU_IS_LOST", "NVML_ERROR_NO_PERMISSION", "NVML_ERROR_LIB_RM_VERSION_MISMATCH",
              "NVML_ERROR_DRIVER_NOT_LOADED", "NVML_ERROR_LIBRARY_NOT_FOUND", "NVML_ERROR_INSUFFICIENT_POWER"}


@lru_cache(maxsize=1)
def nvml_messages() -> dict[str, dict]:
    data = table("nvml_messages")
    return {row["key"]: {**row, "steps": steps(row["fix"], f"nvml_messages:{row['key']}")} for row in data["message"]}


def nvidia_smi_devices(text: str) -> list[Match]:
    """nvidia-smi's `Unable to determine the device handle for GPU...: <text>` and `No devices were found`, with
    their WSL causes (data/nvml_messages.toml: a GPU in TCC mode, mixed TCC/WDDM GPUs); a handle error whose
    NVML code has its own cause on WSL (GPU is lost, insufficient permissions) keeps that cause."""
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
        row = causes("cuda_causes")[known] if known else nvml_messages()["device-handle"]
        return [hit("nvml", known or "device-handle", row["layer"], f"{head} {row['cause']}", row["where"], row["steps"],
                    row["source"], "medium", text, handles[0])]
    none = _NONE.search(text)
    if none:
        row = nvml_messages()["no-devices-found"]
        return [hit("nvml", "no-devices-found", row["layer"], row["cause"], row["where"], row["steps"], row["source"],
                    "medium", text, none)]
    return []
