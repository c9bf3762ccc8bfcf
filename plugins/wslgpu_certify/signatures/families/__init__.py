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
    messages.py   the programs' fixed messages (libnvidia-container's dxcore, docker client/daemon, systemd,
                  iptables' backend, shells' `command not found`): data/messages.toml, each row from its source
    frameworks.py PyTorch, TensorFlow/XLA, JAX, Triton, NCCL, bitsandbytes, ONNX Runtime, cuBLAS/cuDNN status codes
    tables.py     the data/*.toml tables (each with its source) and the one way a decode becomes a Match

`decode()` is the fallback: callers use it (through `after()`) when no catalog signature, or only a `low` one, matched. It returns the matcher's
`Match` records (ids `family.<family>.<code>`), most specific family first. `notes()` returns what is
no failure (wsl.exe warnings, TensorRT missing for TensorFlow). Pure and bounded like the matcher.
"""

from __future__ import annotations

from ..matcher import Match, _prepare
from . import bindings, crash, cuda, frameworks, jupyter, libraries, messages, oci, r, wsl


def decode(text: str | bytes | None, command: str | None = None, exit_code: int | None = None,
           engine: str | None = None) -> list[Match]:
    """What the families decode in this output, each code once: the hook chain's innermost reason first, then
    the programs' fixed messages, CUDA/NVML codes, libraries, bindings, WSL codes, and a crash last (its cause is
    the least specific). `engine`: the profile's docker.engine (a message's fix for the other engine is void)."""
    _, original = _prepare(text)
    if not original.strip():
        return []
    found = oci.decode(original) + r.decode(original) + jupyter.decode(original, command)  # their own words first
    # the chain's innermost reason is decoded already: not again; a chain the hook chain only calls "the hook
    # failed" may still be a program's known message (nvidia-container-cli's device and cgroup errors)
    chains = {match.line for match in found if not match.id.endswith(".hook-failed")}
    for decoded in (_messages(original, command, exit_code, engine), cuda.capability(original), cuda.decode(original),
                    cuda.nvidia_smi_devices(original), frameworks.decode(original),
                    libraries.decode(original)[0], bindings.decode(original),
                    crash.ntstatus_exit(original, command), wsl.decode(original), crash.decode(original, command, exit_code)):
        for match in decoded:
            if match.line not in chains and all(match.id != seen.id for seen in found):
                found.append(match)
    named = {match.line for match in found if not match.id.startswith("family.oci.")}
    crashed = {match.line for match in found if match.id.startswith("family.crash.status-")}  # a Windows exit code
    return [m for m in found if not (m.id.endswith(".hook-failed") and m.line in named)
            and not (m.id.startswith("family.wsl.") and m.line in crashed)]  # is no WSL error


def _messages(text: str, command: str | None, exit_code: int | None, engine: str | None) -> list[Match]:
    """A program's failure message in a command that exited 0 was retried past (a loop waiting for dockerd prints
    `Cannot connect to the Docker daemon` until it answers): no failure then."""
    return [] if exit_code == 0 else messages.decode(text, command, engine)


def after(hits: list[Match], text: str | bytes | None, command: str | None = None,
          exit_code: int | None = None, engine: str | None = None) -> list[Match]:
    """The catalog's `hits`, and the families' decode when the hits only say where to look (every one `low`,
    e.g. toolkit.prestart-hook-failed): a generic signature must not hide the reason a family reads in the same
    output. A specific signature (high or medium) still wins alone."""
    if any(hit.signature.confidence != "low" for hit in hits):
        return hits
    seen = {hit.id for hit in hits}
    return [*hits, *(found for found in decode(text, command, exit_code, engine) if found.id not in seen)]


def notes(text: str | bytes | None) -> list[Match]:
    """What the output shows that is no failure: wsl.exe's warnings, an optional library missing."""
    _, original = _prepare(text)
    if not original.strip():
        return []
    return wsl.warnings(original) + libraries.decode(original)[1]


__all__ = ["after", "decode", "notes"]
