"""Pastes are fragments: what a cut or filtered output still shows, and what it cannot tell.

A ticket holds `docker info | grep -i runtime`, an nvidia-smi table cut above its GPU rows, a log that
starts mid-line, the Windows nvidia-smi pasted as `nvidia-smi`, an IPython cell. The project's parsers
refuse such output (a check never passes on output it could not fully read); diagnose still says what
the fragment shows and, plainly, what it cannot decide. One place for each fragment:

    partial(kind, text)           a part whose parser refused it: (facts, check hits, what it cannot tell),
                                  or None when nothing in it can be read
    windows_table_models(text)    the Windows nvidia-smi table's TCC/WDDM or Driver-Model column (whole or cut), or
                                  nvidia-smi -q's Driver Model blocks: (index, name, model) rows
    query_log(text)               nvidia-smi -q / -a: versions and driver models
    python_gpu_probe(text)        an IPython cell's answer to torch.cuda.is_available() / tf's device list
    CANNOT_TELL                   what a whole output of a kind cannot tell alone (shown beside its facts)

Each reader's shape is quoted from a real output (the corpus file named in its comment).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import islice

from .decide import CheckHit
from ..lazy_regex import regex

# nvidia-smi's banner, possibly cut at its start ("A-SMI 555.52.01   Driver Version: 555.99   CUDA Version: 12.5")
# (nvidia-smi__healthy-wsl-555.52-rtx4070.txt): the versions survive the cut of the table below it.
_SMI_BANNER = regex(r"Driver Version:\s*(\d+\.\d+(?:\.\d+)?|N/A)\s+CUDA Version:\s*(\d+\.\d+|N/A|ERR!)")
# The Windows nvidia-smi's table names its driver-model column TCC/WDDM (drivers up to the 55x branch) or
# Driver-Model (555 and later), where the Linux one says Persistence-M; each GPU row carries WDDM, TCC or MCDM after
# the name (nvidia-smi__windows-exe-tcc-wddm-column-526.47.txt; nvidia-smi's documentation, -dm/--driver-model:
# https://docs.nvidia.com/deploy/nvidia-smi/index.html). A pasted table is often cut: a row counts up to its model
# column (the rest of the row, and the closing border, may be missing).
_WINDOWS_HEADER = regex(r"^[ \t]*\|[ \t]*GPU[ \t]+Name[ \t]+(?:TCC/WDDM|Driver-Model)[ \t]*\|", re.M)  # indented when quoted
_WINDOWS_ROW = regex(r"^[ \t]*\|[ \t]+(\d{1,3})[ \t]+(\S[^\n|]{0,80}?)[ \t]+(WDDM|TCC|MCDM)[ \t]*(?:\||$)", re.M)
# nvidia-smi -q (Windows, or WSL's): "    Driver Model\n        Current    : WDDM\n        Pending    : TCC"
# (nvidia-smi__wsl-nvidia-smi-a-driver-model-wddm-510.06.txt), under each GPU's "GPU 00000000:01:00.0" heading.
_QUERY_MODEL = regex(r"^[ \t]*Driver Model[ \t]*\n[ \t]*Current[ \t]*:[ \t]*(WDDM|TCC|MCDM)\b", re.M)
_QUERY_GPU = regex(r"^GPU ([0-9A-Fa-f]{4,8}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.[0-9A-Fa-f])[ \t]*$", re.M)
_QUERY_NAME = regex(r"^[ \t]*Product Name[ \t]*:[ \t]*([^\n]{1,80})$", re.M)
# docker info's runtime lines, alone when piped through `grep -i runtime`
# (docker-info__docker-ce-23.0.3-in-wsl2-runtimes-list-2023-format.txt: " Runtimes: io.containerd.runc.v2 runc").
_RUNTIMES = regex(r"^[ \t]*Runtimes:[ \t]*(\S[^\n]{0,500}?)[ \t]*$", re.M)
_DEFAULT_RUNTIME = regex(r"^\s*Default Runtime:[ \t]*(\S+)", re.M)
_RUNTIME_LINE = regex(r"^\s*(?:Runtimes|Default Runtime|Runtime):", re.I)  # what `grep -i runtime` keeps
_SERVER_VERSION = regex(r"^\s*Server Version:[ \t]*(\S+)", re.M)
# IPython's answer: "Out[2]: False", "Out[3]: []", "Out[4]: [PhysicalDevice(name='/physical_device:GPU:0', ...)]".
_OUT = regex(r"^\s*Out\[\d*\]:\s*(.*)$", re.M)

NVIDIA_SMI = "/usr/lib/wsl/lib/nvidia-smi"  # probes/distro.py's WSL_NVIDIA_SMI.command: the kind's name
DOCKER_INFO = "docker info"

CANNOT_TELL = {
    NVIDIA_SMI: "whether CUDA programs and containers reach the GPU: nvidia-smi reads NVML only",
    "nvidia-smi.exe (the Windows table)": "whether WSL sees the GPU: run nvidia-smi inside the distro",
    "python GPU probe": "why, when the framework sees no GPU: the driver, a container started without "
                        "--gpus all, or a framework built without CUDA; the lines above the answer may say",
}


@dataclass(frozen=True)
class Fragment:
    facts: list[str]
    hits: list[CheckHit]
    cannot_tell: str


def windows_table_models(text: str) -> list[tuple[int, str, str]]:
    """(index, name, driver model) of each GPU of a Windows nvidia-smi table (cut or whole) or of `nvidia-smi -q`'s
    Driver Model blocks; [] for any other output."""
    if _WINDOWS_HEADER.search(text):
        return [(int(m.group(1)), m.group(2).strip(), m.group(3)) for m in islice(_WINDOWS_ROW.finditer(text), 64)]
    rows = []
    for index, model in enumerate(islice(_QUERY_MODEL.finditer(text), 64)):
        before = text[:model.start()]
        heading = list(_QUERY_GPU.finditer(before))
        name = list(_QUERY_NAME.finditer(before, heading[-1].end() if heading else 0))
        label = name[-1].group(1).strip() if name else (heading[-1].group(1) if heading else "?")
        rows.append((index, label, model.group(1)))
    return rows


def driver_model_hits(text: str) -> tuple[list[str], list[CheckHit]]:
    """The Windows table's driver models as facts, and a TCC row as a finding: WSL reaches a GPU only under WDDM."""
    rows = windows_table_models(text)
    if not rows:
        return [], []
    said = ("the Windows nvidia-smi (its TCC/WDDM column)" if _WINDOWS_HEADER.search(text)
            else "nvidia-smi -q's Driver Model")
    facts = [f"{said}: "
             + ", ".join(f"GPU {index} {name} {model}" for index, name, model in rows)]
    tcc = [f"GPU {index} ({name})" for index, name, model in rows if model == "TCC"]
    if not tcc:
        return facts, []
    return facts, [CheckHit("windows.gpu.driver_model", f"{', '.join(tcc)} runs under the TCC driver model: WSL 2 "
                            "is offered GPUs under WDDM only.")]


def _runtimes(text: str) -> Fragment | None:
    found = _RUNTIMES.search(text)
    if not found:
        return None
    runtimes = [name[:60] for name in found.group(1).split()][:20]  # a paste's words, bounded
    default = _DEFAULT_RUNTIME.search(text)
    facts = [f"docker info's runtime lines: runtimes {', '.join(runtimes)}"
             + (f", default runtime {default.group(1)}" if default else "")]
    if "nvidia" in runtimes:
        return Fragment(facts, [], "whether the toolkit's hook works (run a container with --gpus all) or "
                                   "anything else docker info shows: only its runtime lines are here")
    # Asked about the runtimes alone (`docker info | grep -i runtime`), the answer is the finding: the NVIDIA runtime
    # is not registered with this daemon. A whole or cut docker info without it stays a note, as
    # decide_docker.docker_info has it: `--gpus all` needs no runtime entry, and a healthy corpus transcript
    # (docker-info__docker-ce-23.0.3-in-wsl2-runtimes-list-2023-format.txt) lists none.
    asked = all(_RUNTIME_LINE.match(line) for line in text.splitlines() if line.strip())
    hit = CheckHit("docker.runtime.registered", f"The running dockerd lists the runtimes {', '.join(runtimes)}, "
                   "without nvidia: the NVIDIA runtime is not registered with it.", note=not asked)
    return Fragment(facts, [hit], "whether `docker run --gpus all` still works (it needs only the toolkit's hook) "
                                  "or anything else docker info shows: only its runtime lines are here")


def _docker_info(text: str) -> Fragment | None:
    found = _runtimes(text)
    if found is not None:
        return found
    server = _SERVER_VERSION.search(text)
    if server:
        return Fragment([f"a cut docker info: server {server.group(1)}"], [],
                        "which engine answers (Docker Desktop or the distro's) or its runtimes: the output is cut "
                        "before its Runtimes and Operating System lines")
    return None


def _nvidia_smi(text: str) -> Fragment | None:
    banner = _SMI_BANNER.search(text)
    facts, hits = driver_model_hits(text)  # a table cut above its banner still shows its driver-model column
    if not banner and not facts:
        return None
    if not banner:  # only the Windows table's rows: what it cannot tell is the Windows table's
        return Fragment(facts, hits, CANNOT_TELL["nvidia-smi.exe (the Windows table)"])
    facts.insert(0, f"the nvidia-smi banner: driver {banner.group(1)}, CUDA {banner.group(2)}")
    return Fragment(facts, hits, "whether nvidia-smi sees a GPU: the table ends before a complete GPU row")


_PARTIAL = {NVIDIA_SMI: _nvidia_smi, DOCKER_INFO: _docker_info}


def partial(kind: str, text: str) -> Fragment | None:
    """What a part its kind's parser refused still shows; None when nothing in it can be read."""
    reader = _PARTIAL.get(kind)
    return reader(text) if reader is not None else None


def fragment_decide(record: Fragment, profile: dict, text: str = ""):
    """A fragment reader's record decides itself (recognise.KINDS' decide for the kinds fragments.py reads)."""
    return list(record.facts), list(record.hits)


_QUERY_VERSION = regex(r"^(Driver|CUDA) Version[ \t]*:[ \t]*(\S{1,20})", re.M)


def query_log(text: str) -> Fragment:
    """`nvidia-smi -q` / `-a` (whole or cut): its driver and CUDA versions and each GPU's driver model (TCC: a finding)."""
    facts, hits = driver_model_hits(text)
    versions = ", ".join(f"{m.group(1).lower()} {m.group(2)}" for m in islice(_QUERY_VERSION.finditer(text), 2))
    if versions:
        facts.insert(0, f"nvidia-smi -q: {versions}")
    return Fragment(facts, hits, "whether CUDA programs reach the GPU, or anything this project does not read in -q's "
                                 "report (it reads the versions and each GPU's driver model)")


# a shell prompt with no command after it, pasted below the answer (`root@0c2c6f58df4f:/usr/bin# `, `(base) me@pc:~$`)
_BARE_PROMPT = regex(r"^(?:\([\w.-]{1,40}\) )?[\w.-]{1,40}@[\w.-]{1,64}:[^\n]{0,200}?[#$]\s*$")


def python_gpu_probe(text: str) -> Fragment:
    """The answer an IPython cell (or a print) gave to a framework's GPU question: GPUs seen, or none.

    Read: `Out[N]: True/False`, a device count, a list (empty, or of PhysicalDevice / device names); else the
    last line. Anything else is said as unread, never judged."""
    outs = _OUT.findall(text)
    answer = (outs[-1] if outs else next((line for line in reversed(text.splitlines())
                                          if line.strip() and not _BARE_PROMPT.match(line)), "")).strip()
    if answer in ("False", "0", "[]", "''", '""'):
        return Fragment([f"the framework answers {answer}: it sees no GPU"],
                        [CheckHit("gpu.cuda.smoke", f"The framework in this cell sees no GPU (it answers {answer}).",
                                  "no_device")], CANNOT_TELL["python GPU probe"])
    if answer in ("True",) or re.fullmatch(r"[1-9]\d{0,2}", answer) or "GPU" in answer or answer.startswith("'/device:"):
        return Fragment([f"the framework answers {answer[:120]}: it sees a GPU"], [],
                        "whether the GPU computes correctly or as fast as it should")
    return Fragment([f"the answer is not read: {answer[:120]!r}"] if answer else ["no answer below the cell"], [],
                    "whether the framework sees a GPU")
