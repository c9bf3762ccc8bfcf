"""Family decoders: decode a FAMILY of errors (a code, a library, a signal), not one transcript's words.

A catalog signature (known_causes.toml) names the words one thread printed; a family decoder reads the
code an error carries and knows every member of its family, seen or not:

    wsl.py        WSL's `Error code: Wsl/.../<code>`, bare HRESULTs (WSL_E_*, HCS_E_*, Win32 0x8007XXXX), wsl.exe warnings
    cuda.py       CUresult, cudaError_t, nvmlReturn_t: by name, by number beside the call, by the text printed;
                  nvidia-smi's `Unable to determine the device handle ...`, `No devices were found`
    crash.py      an exit status that is a signal (134, 137, 139, ..., or -11 from Python): a crash
    libraries.py  a shared library that could not be loaded: who provides it here
    bindings.py   Python modules, R packages, reticulate's bound Python, rpy2's R_HOME
    oci.py        docker run's OCI runtime / hook chain: the innermost reason decides
    frameworks.py PyTorch, TensorFlow/XLA, JAX, Triton, NCCL, bitsandbytes, ONNX Runtime, cuBLAS/cuDNN status codes
    tables.py     the data/*.toml tables (each with its source) and the one way a decode becomes a Match

`decode()` is the fallback: callers use it when no catalog signature matched. It returns the matcher's
`Match` records (ids `family.<family>.<code>`), most specific family first. `notes()` returns what is
no failure (wsl.exe warnings, TensorRT missing for TensorFlow). Pure and bounded like the matcher.
"""

from __future__ import annotations

from ..matcher import Match, _prepare
from . import bindings, crash, cuda, frameworks, libraries, oci, wsl


def decode(text: str | bytes | None, command: str | None = None, exit_code: int | None = None) -> list[Match]:
    """What the families decode in this output, each code once: the hook chain's innermost reason first, then
    CUDA/NVML codes, libraries, bindings, WSL codes, and a crash last (its cause is the least specific)."""
    _, original = _prepare(text)
    if not original.strip():
        return []
    found = oci.decode(original)
    chains = {match.line for match in found}  # the chain's innermost reason is decoded already: not again
    for decoded in (cuda.decode(original), cuda.nvidia_smi_devices(original), frameworks.decode(original), libraries.decode(original)[0], bindings.decode(original),
                    wsl.decode(original), crash.decode(original, command, exit_code)):
        for match in decoded:
            if match.line not in chains and all(match.id != seen.id for seen in found):
                found.append(match)
    return found


def notes(text: str | bytes | None) -> list[Match]:
    """What the output shows that is no failure: wsl.exe's warnings, an optional library missing."""
    _, original = _prepare(text)
    if not original.strip():
        return []
    return wsl.warnings(original) + libraries.decode(original)[1]


__all__ = ["decode", "notes"]
