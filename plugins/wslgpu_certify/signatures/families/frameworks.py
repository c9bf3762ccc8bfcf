"""The frameworks' families: PyTorch, TensorFlow/XLA, JAX, Triton, NCCL, bitsandbytes and the CUDA math libraries.

    data/frameworks.toml       the frameworks' own messages, in the catalog's format: a dlopen of the unversioned
                               libcuda.so, bitsandbytes' CUDA set-up, XLA's ptxas, JAX's CUDA backend, Triton,
                               TensorFlow's cuDNN (mismatch, handle) and CUDA diagnostics, PyTorch's DataLoader
                               shared memory, torch/torchvision CUDA skew, NVRTC, ONNX Runtime's CUDA provider,
                               podman asked for a CDI device it cannot resolve
    data/nccl.toml             ncclResult_t: every code, by name (ncclSystemError), by PyTorch's detail line, or by
                               NCCL's text after "NCCL error"/"NCCL failure"; an NCCL older than 2.10.3 is the cause
                               on WSL whatever code it returned (its topology detection fails there)
    data/library_status.toml   cublasStatus_t and cudnnStatus_t by name (cuDNN 9's sub-codes by their parent's name)

and three that need what the output prints beside the error: PyTorch's caching allocator refusing an allocation
smaller than the memory it reports free (a full GPU is the CUDA family's cudaErrorMemoryAllocation), TensorFlow 2.11+
listing no GPU (no GPU build on native Windows since 2.11), and a CUDA build of PyTorch that finds no GPU (a CPU-only
build is messages.toml's family.framework.cpu-only-build).
Each row carries its source; ids are family.<framework>.<what>. Pure and bounded like the matcher.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import lru_cache

from ..catalog import Signature, Step, load_catalog
from ..matcher import Match, match
from .tables import DATA, causes, hit, lines_with, steps, table
from ...lazy_regex import regex

WHERE = "the distro (the Python environment or the image)"


@lru_cache(maxsize=1)
def rows() -> tuple[Signature, ...]:
    return load_catalog(DATA / "frameworks.toml")


def decode(text: str) -> list[Match]:
    """What the framework families read in this output, each id once, the catalog-format rows first."""
    found: dict[str, Match] = {}
    for decoded in (match(text, catalog=rows()), nccl(text), library_status(text), allocation(text),
                    tensorflow_without_gpu(text), pytorch_without_gpu(text)):
        for one in decoded:
            found.setdefault(one.id, one)
    return list(found.values())


def across_parts(text: str) -> list[Match]:
    """The families whose evidence a paste spreads over several commands (`torch.version.cuda` in one, its
    `is_available()` False in the next): read over the whole paste, where no part alone showed a problem."""
    return tensorflow_without_gpu(text) + pytorch_without_gpu(text)


def _wsl_only(found: Match) -> Match:
    """A cause that holds only under WSL (its fix is WSL's): never said of a native Linux machine."""
    return replace(found, signature=replace(found.signature, wsl_only=True))


# ---- NCCL ------------------------------------------------------------------------------------------------------

_NCCL_NAME = regex(r"\bnccl(UnhandledCudaError|SystemError|InternalError|InvalidArgument|InvalidUsage|RemoteError|"
                   r"InProgress|Timeout)\b")
# NCCL's own text (ncclGetErrorString) where a program reports an NCCL failure: PyTorch's "NCCL error in: FILE:LINE,
# <text>, NCCL version X", older PyTorch's "NCCL Error 2: <text>", nccl-tests' "Test NCCL failure FILE:LINE '<text>'"
_NCCL_TEXT = regex(r"NCCL (?:error|failure)\b[^\n]{0,300}?(unhandled cuda error|unhandled system error|internal error|"
                   r"invalid argument|invalid usage|remote process exited or there was a network error|"
                   r"NCCL operation in progress)", re.I)
_NCCL_VERSION = regex(r"\bNCCL version:? v?(\d{1,2})\.(\d{1,3})\.(\d{1,3})")
# what NCCL before 2.10.3 logs in WSL 2 when its topology detection fails (src/graph/xml.cc)
_PCI_REAL_PATH = regex(r"NCCL WARN Could not find real path of /sys/class/pci_bus")


def _version(text: str) -> tuple[int, ...] | None:
    found = _NCCL_VERSION.search(text)
    return tuple(int(part) for part in found.groups()) if found else None


def nccl(text: str) -> list[Match]:
    text = lines_with(text, ("nccl",))
    if not text:
        return []
    by_text = {row["text"].lower(): name for name, row in causes("nccl").items()}
    if found := _NCCL_NAME.search(text):
        name = "nccl" + found.group(1)
    elif found := _NCCL_TEXT.search(text):
        name = by_text.get(found.group(1).lower())
    elif found := _PCI_REAL_PATH.search(text):
        name = "ncclSystemError"
    else:
        return []
    row = causes("nccl")[name]
    version = _version(text)
    old = table("nccl")["wsl_topology"]
    fixed = tuple(int(part) for part in old["fixed_in"].split("."))
    said = (f"NCCL returned {name} ({row['number']}: {row['meaning']})"
            + (f"; NCCL version {'.'.join(map(str, version))}" if version else "") + ". ")
    if (version and version < fixed) or (version is None and _PCI_REAL_PATH.search(text)):
        return [_wsl_only(hit("nccl", "before-" + old["fixed_in"] + "-on-wsl", "gpu", said + old["cause"], WHERE,
                              steps(old["fix"], "nccl:wsl_topology"), old["source"], "high", text, found))]
    return [hit("nccl", name, "gpu", said + row["cause"], WHERE, row["steps"], row["source"], "medium", text, found)]


# ---- cuBLAS / cuDNN status codes ---------------------------------------------------------------------------------

_STATUS = regex(r"\b(CUBLAS|CUDNN)_STATUS_[A-Z0-9_]{2,60}\b")


def status_row(name: str) -> dict | None:
    """The row of a status name, or of its longest listed prefix (cuDNN 9's sub-codes)."""
    rows_by_name = causes("library_status")
    while name and name not in rows_by_name:
        name = name.rpartition("_")[0] if name.count("_") > 2 else ""
    return rows_by_name.get(name)


def library_status(text: str) -> list[Match]:
    text = lines_with(text, ("_status_",))
    out: dict[str, Match] = {}
    for found in _STATUS.finditer(text):
        name = found.group(0)
        if name.endswith("_SUCCESS") or name in out:
            continue
        row = status_row(name)
        library = "cuBLAS" if found.group(1) == "CUBLAS" else "cuDNN"
        if row is None:
            cause = f"{library} returned {name}, a status this project's table does not list (a newer {library} release)."
            out[name] = hit("library-status", name, "gpu", cause, WHERE, (), table("library_status")["source"], "low",
                            text, found)
        else:
            cause = f"{library} returned {name}: {row['meaning']}. {row['cause']}"
            out[name] = hit("library-status", name, "gpu", cause, WHERE, row["steps"], row["source"], "medium", text, found)
    return list(out.values())[:4]


# ---- PyTorch's caching allocator: "CUDA out of memory. Tried to allocate X" (c10/cuda/CUDACachingAllocator.cpp) ---

ALLOCATOR = "https://github.com/pytorch/pytorch/blob/main/c10/cuda/CUDACachingAllocator.cpp"
_TRIED = regex(r"CUDA out of memory\.\s*Tried to allocate (\d+(?:\.\d+)?) ?([KMGT]i?B)", re.I)
# PyTorch 2.1+: "GPU 0 has a total capacity of 95.59 GiB of which 50.40 GiB is free"; before: "(GPU 0; 7.79 GiB total
# capacity; 6.50 GiB already allocated; 3.06 MiB free; ...)"
_FREE = regex(r"of which (\d+(?:\.\d+)?) ?([KMGT]i?B) is free|; (\d+(?:\.\d+)?) ?([KMGT]i?B) free;", re.I)
_UNITS = {"k": 2 ** 10, "m": 2 ** 20, "g": 2 ** 30, "t": 2 ** 40}
_SMALLER = "a smaller batch, context length or KV-cache size (an engine's own memory setting), or a smaller model or quantisation."
_REFUSED = (Step(say="Keep single allocations smaller: " + _SMALLER),
            Step(say="Close GPU-heavy Windows programs, update the NVIDIA Windows driver and WSL, then restart WSL; if "
                     "it persists, run the workload on native Linux, where the Linux driver manages GPU memory."),
            Step(run="wsl --update", shell="powershell"), Step(run="wsl --shutdown", shell="powershell"))


def _bytes(number: str, unit: str) -> float:
    return float(number) * _UNITS[unit[0].lower()]


def allocation(text: str) -> list[Match]:
    """An allocation refused although the allocator's own message says more memory was free than it asked for."""
    text = lines_with(text, ("out of memory", "tried to allocate", " free"))
    tried = _TRIED.search(text)
    free = _FREE.search(text, tried.end()) if tried else None
    if free is None:  # a full GPU, or no free figure printed: the CUDA family's cudaErrorMemoryAllocation says it
        return []
    number, unit = [g for g in free.groups() if g][:2]
    if _bytes(number, unit) <= _bytes(tried.group(1), tried.group(2)):
        return []
    cause = (f"PyTorch asked CUDA for {tried.group(1)} {tried.group(2)} and was refused although the GPU had {number} "
             f"{unit} free: the GPU was not full. Under WSL the Windows driver (WDDM) manages GPU memory and WSL's GPU "
             "driver (dxgkrnl) makes each allocation resident; a large single allocation can be refused there below "
             "the free figure (GPU memory shared with Windows, residency limits).")
    return [_wsl_only(hit("pytorch", "allocation-refused-with-memory-free", "gpu", cause, "the program, then Windows",
                          _REFUSED, ALLOCATOR + " ; https://docs.nvidia.com/cuda/wsl-user-guide/index.html",
                          "low", text, tried))]


# ---- TensorFlow 2.11+ with no GPU: no GPU build on native Windows since 2.11 ---------------------------------------

TF_WINDOWS = "https://www.tensorflow.org/install/pip#windows-native"
# "Tensor Flow Version: 2.12.0", "tensorflow==2.15.1", "tensorflow 2.13.0" (pip list), ">>> tf.__version__" + "'2.16.1'"
_TF_VERSION = regex(r"\b(?:tensor ?flow|tf)(?:[ ._-]{0,2}(?:gpu|version|__version__))?\)?(?: version)?\s*[:=]{0,2}\s*"
                    r"['\"]?v?2\.(\d{1,2})\.\d{1,3}\b", re.I)
# the no-GPU statements of TensorFlow's own guides: "Num GPUs Available: 0" (guide/gpu), "GPU is NOT AVAILABLE"
# (the tutorials' check), and tf.config.list_physical_devices('GPU') answering []
_TF_NO_GPU = regex(r"GPU is NOT AVAILABLE|Num GPUs Available:?\s*0\s*$|list_physical_devices\(\W{1,2}GPU\W{1,2}\)\)?\s*\n"
                   r"(?:>>> )?\s*\[\]\s*$", re.I | re.M)
_TF_FIX = (
    {"say": "On native Windows, TensorFlow 2.10 was the last release with GPU support: run TensorFlow inside WSL 2 "
            "(or stay on tensorflow 2.10 with CUDA 11.2 / cuDNN 8.1 on Windows). In the WSL 2 distro (or a Linux image) "
            "install it with its CUDA libraries:"},
    {"run": "pip install 'tensorflow[and-cuda]'", "shell": "bash"},
    {"run": "python3 -c 'import tensorflow as tf; print(tf.config.list_physical_devices(\"GPU\"))'", "shell": "bash"},
)


def tensorflow_without_gpu(text: str) -> list[Match]:
    text = lines_with(text, ("gpu", "tensor", "tf", "[]", "'2."))
    version, none = _TF_VERSION.search(text), _TF_NO_GPU.search(text)
    if version is None or none is None or int(version.group(1)) < 11:
        return []
    cause = (f"TensorFlow 2.{version.group(1)} lists no GPU. TensorFlow has no GPU build for native Windows since 2.11 "
             "(2.10 was the last): on Windows it runs on the CPU whatever the driver. Inside WSL 2 or Linux, "
             "TensorFlow 2.14+ needs its CUDA libraries, which pip install tensorflow alone does not bring "
             "(the [and-cuda] extra does).")
    return [hit("tensorflow", "no-gpu-since-2-11", "gpu", cause, "Windows, then the distro",
                steps(list(_TF_FIX), "frameworks:tensorflow"), TF_WINDOWS, "medium", text, none)]


# ---- a CUDA build of PyTorch that finds no GPU: torch.cuda.is_available() False, torch.version.cuda a version -----

TORCH_CUDA = "https://pytorch.org/docs/stable/generated/torch.cuda.is_available.html"
# False after `torch.cuda.is_available()` (a REPL or python -c), or torch.utils.collect_env's "Is CUDA available: False"
_TORCH_FALSE = regex(r"torch\.cuda\.is_available\(\)[^\n]{0,80}\n(?:>>> )?[ \t]*False\b|Is CUDA available: False\b"
                     r"|^CUDA available: False\b", re.M)
_TORCH_CUDA = regex(r"torch\.version\.cuda[^\n]{0,80}\n(?:>>> )?[ \t]*'?(\d{2}\.\d)|CUDA used to build PyTorch: (\d{2}\.\d)"
                    r"|^CUDA build: (\d{2}\.\d)|\+cu(\d{3})\b", re.M)
_TORCH_CPU = regex(r"\+cpu\b|CUDA build: None|CUDA used to build PyTorch: None|torch\.version\.cuda[^\n]{0,80}\n"
                   r"(?:>>> )?[ \t]*None\b")
# a shell in a container (docker's 12-hex hostname), or a shell that has no nvidia-smi: no toolkit mounts
_IN_CONTAINER = regex(r"^\S*root@[0-9a-f]{12}:|^[^\n]{0,80}[$#] which nvidia-smi[ \t]*\n[^\n/]*[$#]|nvidia-smi: command not found",
                      re.M)
_NO_GPU_FIX = (
    {"say": "In a container: start it with the GPU requested (docker run --gpus all ...; in a compose file "
            "deploy.resources.reservations.devices with driver: nvidia, capabilities: [gpu]); the NVIDIA Container "
            "Toolkit then mounts /dev/dxg, the driver's libraries and nvidia-smi into it:"},
    {"run": "docker run --rm --gpus all ubuntu nvidia-smi", "shell": "bash"},
    {"say": "In the distro itself: nvidia-smi says whether the driver answers (else its own message names the cause)."},
    {"run": "python3 -c 'import torch; print(torch.version.cuda, torch.cuda.is_available())'", "shell": "bash"},
)


def _answered(text: str, calls: tuple[str, ...]) -> str:
    """The lines holding one of `calls` and the line after each (a REPL's or python -c's answer), at most 64 each."""
    kept = []
    for call in calls:
        at = text.find(call)
        while at != -1 and len(kept) < 128:
            start = text.rfind("\n", 0, at) + 1
            end = text.find("\n", text.find("\n", at) + 1) if text.find("\n", at) != -1 else -1
            kept.append(text[start:end if end != -1 else None])
            at = text.find(call, end) if end != -1 else -1
    return "\n".join(kept)


def pytorch_without_gpu(text: str) -> list[Match]:
    lowered = text.lower()
    if "is_available()" not in lowered and "cuda available: false" not in lowered:
        return []
    # the lines that can hold the evidence: a bounded read of a paste of any size
    text = (lines_with(text, ("cuda available", "cuda used to build", "cuda build", "+cu", "+cpu", "root@",
                              "nvidia-smi")) + "\n" + _answered(text, ("torch.version.cuda", "is_available()")))
    false, build = _TORCH_FALSE.search(text), _TORCH_CUDA.search(text)
    if false is None or build is None or _TORCH_CPU.search(text):  # a CPU-only build: messages.toml says it
        return []
    version = next(group for group in build.groups() if group)
    version = f"{version[:-1]}.{version[-1]}" if "." not in version else version  # +cu121 -> 12.1
    where = ("This shell is in a container with no GPU mounted (no nvidia-smi in it): it was started without the GPU "
             "requested." if _IN_CONTAINER.search(text) else
             "In a container that means it was started without the GPU requested; in the distro, that the driver "
             "does not answer (nvidia-smi says why).")
    cause = (f"PyTorch is a CUDA {version} build but torch.cuda.is_available() is False: the process reaches no GPU. "
             + where)
    return [hit("pytorch", "cuda-build-without-gpu", "gpu", cause, "the container's start command, or the distro",
                steps(list(_NO_GPU_FIX), "frameworks:pytorch"), TORCH_CUDA, "medium", text, false)]
