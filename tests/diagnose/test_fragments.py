"""Pastes are fragments (diagnose/fragments.py): what a cut or filtered output shows, and what it cannot tell.

Families, not single strings: each fragment kind is cut several ways and pasted under several prompt
styles, from the fixture snapshots' outputs and (when ../shared/corpus is here, or WSLGPU_CORPUS names it)
the corpus transcripts; the corpus files are read in place, never copied into the project.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import yaml

from suite_run import CORPUS, SNAPSHOTS
from wslgpu_certify.diagnose.diagnosis import diagnose
from wslgpu_certify.diagnose.render import as_json, as_text
from wslgpu_certify.profile import load_profile

CORPUS_DIR = Path(os.environ.get("WSLGPU_CORPUS", CORPUS))
CURRENT = load_profile("current")
PROMPTS = ["$ ", "user@host:~$ ", "(base) user@DESKTOP-1:/mnt/c/work$ ", "PS C:\\Users\\me> wsl -- ", ""]


def _corpus(verdict: str) -> list[dict]:
    if not (CORPUS_DIR / "index.yaml").is_file():
        pytest.skip(f"the shared corpus is not here ({CORPUS_DIR}): its transcripts are not part of the project")
    return [e for e in yaml.safe_load((CORPUS_DIR / "index.yaml").read_text()) if e["verdict"] == verdict]


def _raw(name: str) -> str:
    return (CORPUS_DIR / "raw" / name).read_text(encoding="utf-8", errors="replace")


def _snapshot_outputs(name: str) -> dict[str, str]:
    data = json.loads((SNAPSHOTS / name).read_text())
    return {command: record.get("stdout") or "" for role in data["hosts"].values()
            for command, record in role.items() if record}


def _answered(name: str) -> dict[str, str]:
    """The outputs of commands that succeeded (exit 0), less the polling loops a run uses to wait for dockerd
    (their output holds the failures they waited out): what a healthy machine's command prints."""
    data = json.loads((SNAPSHOTS / name).read_text())
    return {command: record.get("stdout") or "" for role in data["hosts"].values()
            for command, record in role.items()
            if record and record.get("exit_status") == 0 and "for i in" not in command}


def _paste(prompt: str, command: str, output: str) -> str:
    return (f"{prompt}{command}\n" if prompt else "") + output


def _ids(paste: str, profile=CURRENT) -> list[str]:
    return [f.id for f in diagnose(paste, profile).findings]


# ------------------------------------------------------------------ docker info | grep -i runtime
def _runtime_lines(docker_info: str) -> str:
    return "\n".join(line for line in docker_info.splitlines() if "runtime" in line.lower())


RUNTIME_SOURCES = {  # snapshot -> does its dockerd list the nvidia runtime
    "current-healthy.json": True, "documented-healthy.json": True, "broken-runtime-not-registered.json": False,
}


@pytest.mark.parametrize("prompt", PROMPTS)
@pytest.mark.parametrize("snapshot, registered", RUNTIME_SOURCES.items())
def test_docker_info_runtime_lines_alone_decide_the_registration(snapshot, registered, prompt):
    info = next(text for command, text in _snapshot_outputs(snapshot).items()
                if command.endswith("docker info") and "Runtimes:" in text)
    lines = _runtime_lines(info)
    assert "Runtimes:" in lines and ("nvidia" in lines.split("Runtimes:")[1].split("\n")[0]) == registered
    paste = _paste(prompt, "docker info | grep -i runtime", lines)
    found = diagnose(paste, CURRENT)
    assert ("docker.runtime.registered" in [f.id for f in found.findings]) == (not registered)
    text = as_text(found)
    assert "could not read this part" not in text and "it cannot tell" in text
    assert "no known problem in this output" not in text  # a fragment is never called clean


@pytest.mark.parametrize("lines", [
    " Runtimes: io.containerd.runc.v2 runc\n Default Runtime: runc",
    "Runtimes: runc io.containerd.runc.v2 sysbox-runc\nDefault Runtime: sysbox-runc",
    " Runtimes: runc",
])
def test_runtime_lines_without_nvidia_are_a_finding_with_the_check_fix(lines):
    found = diagnose(lines, CURRENT)
    finding = next(f for f in found.findings if f.id == "docker.runtime.registered")
    assert finding.fix and "nvidia-ctk runtime configure" in " ".join(step.text for step in finding.fix)


def test_a_cut_docker_info_without_nvidia_stays_a_note_not_a_finding():
    """The whole docker info without an nvidia runtime is a note (`--gpus all` needs none); cut, it stays one."""
    info = next(text for command, text in _snapshot_outputs("broken-runtime-not-registered.json").items()
                if command.endswith("docker info") and "Runtimes:" in text)
    cut = info[:info.index("\n", info.index("Runtimes:")) + 1]
    found = diagnose("$ docker info\n" + cut, CURRENT)
    assert "docker.runtime.registered" not in [f.id for f in found.findings]
    assert "docker.runtime.registered" in [f.id for f in found.notes]


# ------------------------------------------------------------------ an nvidia-smi table cut anywhere
def _smi_outputs() -> list[str]:
    found = [text for name in ("current-healthy.json", "documented-healthy.json")
             for command, text in _snapshot_outputs(name).items()
             if command.endswith("nvidia-smi") and "Driver Version" in text]
    assert found
    return found


@pytest.mark.parametrize("prompt", PROMPTS[:4])
def test_an_nvidia_smi_table_cut_at_any_line_says_what_it_shows(prompt):
    for output in _smi_outputs():
        lines = output.splitlines()
        banner = next(i for i, line in enumerate(lines) if "Driver Version" in line)
        for end in range(banner + 1, len(lines) + 1):
            paste = _paste(prompt, "nvidia-smi", "\n".join(lines[:end]))
            found = diagnose(paste, CURRENT)
            assert found.findings == [], (end, [f.id for f in found.findings])
            text = as_text(found)
            assert "could not read this part" not in text, (end, text)
            assert "driver " in text and "it cannot tell" in text, (end, text)


@pytest.mark.parametrize("start", [1, 4, 9, 20])
def test_an_nvidia_smi_banner_cut_mid_line_is_still_read(start):
    output = _smi_outputs()[0]
    lines = output.splitlines()
    banner = next(i for i, line in enumerate(lines) if "Driver Version" in line)
    paste = lines[banner][start:] + "\n" + "\n".join(lines[banner + 1:banner + 3])  # no prompt, no command
    text = as_text(diagnose(paste, CURRENT))
    assert "nvidia-smi banner: driver" in text and "it cannot tell whether nvidia-smi sees a GPU" in text


# ------------------------------------------------------------------ the Windows nvidia-smi under `nvidia-smi`
WINDOWS_TABLE = """+-----------------------------------------------------------------------------+
| NVIDIA-SMI 526.47       Driver Version: 526.47       CUDA Version: 12.0     |
|-------------------------------+----------------------+----------------------+
| GPU  Name            TCC/WDDM | Bus-Id        Disp.A | Volatile Uncorr. ECC |
| Fan  Temp  Perf  Pwr:Usage/Cap|         Memory-Usage | GPU-Util  Compute M. |
|                               |                      |               MIG M. |
|===============================+======================+======================|
|   0  NVIDIA GeForce ... {m0}  | 00000000:0B:00.0 Off |                  N/A |
|  0%   37C    P8    17W / 350W |   1619MiB / 12288MiB |      8%      Default |
+-------------------------------+----------------------+----------------------+
|   1  Tesla T4          {m1}  | 00000000:3B:00.0 Off |                    0 |
| N/A   34C    P8     9W /  70W |      0MiB / 15360MiB |      0%      Default |
+-------------------------------+----------------------+----------------------+
"""


@pytest.mark.parametrize("prompt", ["PS C:\\Users\\me> ", "C:\\Users\\me>", "$ ", ""])
@pytest.mark.parametrize("models, tcc", [(("WDDM", "WDDM"), False), (("WDDM", " TCC"), True), ((" TCC", " TCC"), True)])
def test_a_tcc_row_of_the_windows_table_is_a_finding(prompt, models, tcc):
    paste = _paste(prompt, "nvidia-smi", WINDOWS_TABLE.format(m0=models[0], m1=models[1]))
    found = diagnose(paste, CURRENT)
    assert ("windows.gpu.driver_model" in [f.id for f in found.findings]) == tcc
    assert "the Windows nvidia-smi (its TCC/WDDM column)" in as_text(found)


@pytest.mark.parametrize("name", ["nvidia-smi__windows-exe-tcc-wddm-column-526.47.txt",
                                  "nvidia-smi__windows-exe-wddm-two-gpus-517.48.txt"])
def test_the_corpus_windows_tables_read_as_windows_and_wddm(name):
    _corpus("healthy")
    text = as_text(diagnose(_raw(name), CURRENT))
    assert "the Windows nvidia-smi (its TCC/WDDM column)" in text and "TCC driver model" not in text
    assert "WDDM" in text and "it cannot tell whether WSL sees the GPU" in text


def test_the_query_csv_with_a_tcc_gpu_is_a_finding():
    paste = ("PS C:\\> nvidia-smi --query-gpu=index,name,driver_model.current,driver_version --format=csv,noheader\n"
             "0, NVIDIA GeForce RTX 3070, WDDM, 555.99\n1, NVIDIA A100-PCIE-40GB, TCC, 555.99\n")
    assert "windows.gpu.driver_model" in _ids(paste)
    assert "windows.gpu.driver_model" not in _ids(paste.replace("TCC,", "WDDM,"))


# ------------------------------------------------------------------ IPython / Jupyter cells
@pytest.mark.parametrize("cell, answer, no_gpu", [
    ("torch.cuda.is_available()", "False", True),
    ("torch.cuda.is_available()", "True", False),
    ("torch.cuda.device_count()", "0", True),
    ("torch.cuda.device_count()", "2", False),
    ("tf.config.list_physical_devices('GPU')", "[]", True),
    ("tf.config.list_physical_devices('GPU')", "[PhysicalDevice(name='/physical_device:GPU:0', device_type='GPU')]", False),
    ("print(tf.config.experimental.list_physical_devices(\"GPU\"))", "[]", True),
])
@pytest.mark.parametrize("numbered", [1, 12])
def test_an_ipython_cell_answering_no_gpu_is_a_finding(cell, answer, no_gpu, numbered):
    paste = f"In [{numbered - 1}]: import torch, tensorflow as tf\n\nIn [{numbered}]: {cell}\nOut[{numbered}]: {answer}\n"
    found = diagnose(paste, CURRENT)
    assert ("gpu.cuda.smoke" in [f.id for f in found.findings]) == no_gpu
    assert f"the framework answers {answer[:40]}" in as_text(found)


def test_an_ipython_traceback_is_decoded_by_its_family():
    paste = ("In [1]: import torch\n---------------------------------------------------------------------------\n"
             "ModuleNotFoundError                       Traceback (most recent call last)\n"
             "Cell In[1], line 1\n----> 1 import torch\n\nModuleNotFoundError: No module named 'torch'\n")
    found = diagnose(paste, CURRENT)
    assert found.findings and "torch" in " ".join(f.cause + f.seen for f in found.findings)


# ------------------------------------------------------------------ logs cut mid-line, errors with no command
def test_broken_transcripts_cut_into_their_first_line_are_still_named():
    named = total = 0
    for entry in _corpus("broken"):
        raw = _raw(entry["file"])
        if not diagnose(raw, CURRENT).findings or len([l for l in raw.splitlines() if l.strip()]) < 3:
            continue  # a one- or two-line transcript cut into its only line has lost its words
        for cut in (3, 11):
            total += 1
            named += bool(diagnose(raw.lstrip()[cut:], CURRENT).findings)
    assert total > 50 and named >= total - 2, (named, total)


def test_an_error_line_pasted_alone_is_named_like_its_transcript():
    named = total = 0
    for entry in _corpus("broken"):
        raw = _raw(entry["file"])
        first = next((f for f in diagnose(raw, CURRENT).findings if f.signature_id and f.seen), None)
        if first is None:
            continue
        line = next(line for line in raw.splitlines() if first.seen[:60] in line)
        total += 1
        found = diagnose(line, CURRENT)
        named += first.id in [f.id for f in found.findings]
        text = as_text(found)
        assert "could not read this part" not in text
    assert total > 30 and named >= total - 3, (named, total)


def test_healthy_transcripts_cut_anywhere_give_no_finding():
    for entry in _corpus("healthy"):
        raw = _raw(entry["file"])
        for cut in (5, 40, len(raw) // 2):
            found = diagnose(raw[cut:], CURRENT)
            assert found.findings == [], (entry["file"], cut, [f.id for f in found.findings])
            found = diagnose(raw[:len(raw) - cut], CURRENT)
            assert found.findings == [], (entry["file"], -cut, [f.id for f in found.findings])


@pytest.mark.parametrize("name", ["current-healthy.json", "documented-healthy.json", "current-desktop-healthy.json"])
def test_every_healthy_snapshot_output_pasted_whole_or_cut_gives_no_finding(name):
    profile = load_profile(json.loads((SNAPSHOTS / name).read_text())["metadata"]["profile"])
    for command, output in _answered(name).items():
        if not output.strip():
            continue
        short = re.sub(r"^wsl\.exe -d \S+ (?:-e|--) ", "", command)[:200]
        for paste in (f"$ {short}\n{output}", output, output[: len(output) // 2]):
            found = diagnose(paste, profile)
            assert found.findings == [], (command, [(f.id, f.seen) for f in found.findings])


def test_the_json_says_which_parts_are_fragments_and_what_they_cannot_tell():
    document = json.loads(as_json(diagnose("$ docker info | grep -i runtime\n Runtimes: runc\n", CURRENT)))
    kind = document["parts"][0]["kinds"][0]
    assert kind["fragment"] is True and kind["unreadable"] is None and "cannot" not in kind["cannot_tell"][:0]
    assert kind["cannot_tell"].startswith("whether")


# ------------------------------------------------------------------ the suite: damaged output fails, and says why
def test_a_check_on_damaged_output_fails_and_still_names_the_cause_its_evidence_shows(certify, tmp_path):
    """nvidia-smi killed mid-table (exit 137, `Killed`): the check cannot read a GPU row, so it never passes, and
    the crash its evidence shows is named (the suite's rule holds; the fragment is not silent)."""
    data = json.loads((SNAPSHOTS / "current-healthy.json").read_text())
    record = data["hosts"]["wsl"]["/usr/lib/wsl/lib/nvidia-smi"]
    lines = record["stdout"].splitlines()
    banner = next(i for i, line in enumerate(lines) if "Driver Version" in line)
    record.update(stdout="\n".join(lines[:banner + 3]) + "\n", stderr="Killed\n", exit_status=137)
    path = tmp_path / "killed.json"
    path.write_text(json.dumps(data))
    run = certify("--snapshot", str(path), "--cert-profile", "current")
    check = run.check("gpu.nvidia_smi.gpu")
    assert check["outcome"] == "failed" and "could not read" in check["message"]
    assert [k["id"] for k in check["known_causes"]] == ["family.crash.sigkill"]
    assert not check["known_causes"][0]["advisory"]


@pytest.mark.parametrize("paste", [
    "$ docker info | grep -i runtime\n Runtimes: " + "x " * 300_000 + "\n",
    "$ docker info | grep -i runtime\n Runtimes: " + " ".join(f"r{i}" for i in range(200)) + "\n",
    "$ nvidia-smi\n| GPU  Name            TCC/WDDM | Bus-Id |\n" + "|   0  " + "a " * 300_000 + " TCC  |\n",
    "$ nvidia-smi\n| GPU  Name            TCC/WDDM | Bus-Id |\n" + "|   1  Tesla T4   TCC  |\n" * 20_000,
    "In [1]: torch.cuda.is_available()\nOut[1]: " + "F" * 500_000 + "\n",
])
def test_hostile_fragments_are_read_bounded(paste):
    found = diagnose(paste, CURRENT)
    text = as_text(found)
    assert len(text) < 20_000
    for finding in found.findings:
        assert len(finding.cause) < 2_000 and len(finding.seen) < 2_000


# The 555+ Windows table names the column Driver-Model; a pasted table is often cut mid-row or above its banner.
DRIVER_MODEL_TABLE = """+-----------------------------------------------------------------------------------------+
| NVIDIA-SMI 573.42                 Driver Version: 573.42         CUDA Version: 12.8     |
|-----------------------------------------+------------------------+----------------------+
| GPU  Name                  Driver-Model | Bus-Id          Disp.A | Volatile Uncorr. ECC |
| Fan  Temp   Perf          Pwr:Usage/Cap |           Memory-Usage | GPU-Util  Compute M. |
|                                         |                        |               MIG M. |
|=========================================+========================+======================|
|   0  NVIDIA RTX 5000 Ada Gene...  {m0}  |   00000000:17:00.0  On |                  Off |
| 30%   41C    P8             19W /  250W |     812MiB /  32760MiB |      3%      Default |
|                                         |                        |                  N/A |
+-----------------------------------------+------------------------+----------------------+
|   1  NVIDIA H100 PCIe             {m1}  |   00000000:CA:00.0 Off |                    0 |
| N/A   33C    P0             48W /  310W |       1MiB /  81559MiB |      0%      Default |
+-----------------------------------------+------------------------+----------------------+
"""


def _cuts(table: str) -> list[str]:
    """The whole table, cut before its closing border, cut mid-row after the model column, cut above the banner."""
    lines = table.splitlines()
    row1 = next(i for i, line in enumerate(lines) if line.startswith("|   1"))
    return ["\n".join(lines), "\n".join(lines[:-1]), "\n".join(lines[:row1]) + "\n" + lines[row1][:42],
            "\n".join(lines[3:row1 + 1])]


@pytest.mark.parametrize("prompt", ["PS C:\\Users\\me> ", "$ ", ""])
@pytest.mark.parametrize("cut", range(4))
@pytest.mark.parametrize("models, tcc", [(("WDDM", "WDDM"), False), (("WDDM", " TCC"), True), ((" TCC", "MCDM"), True)])
def test_a_tcc_row_of_a_driver_model_table_is_a_finding_cut_or_whole(prompt, cut, models, tcc):
    table = _cuts(DRIVER_MODEL_TABLE.format(m0=models[0], m1=models[1]))[cut]
    found = diagnose(_paste(prompt, "nvidia-smi", table), CURRENT)
    assert ("windows.gpu.driver_model" in [f.id for f in found.findings]) == tcc, as_text(found)
    assert "the Windows nvidia-smi (its TCC/WDDM column)" in as_text(found)


def test_a_linux_table_cut_mid_row_is_no_driver_model():
    table = DRIVER_MODEL_TABLE.replace("Driver-Model", "Persistence-M").format(m0="  On", m1=" Off")
    for cut in _cuts(table):
        found = diagnose(_paste("$ ", "nvidia-smi", cut), CURRENT)
        assert "windows.gpu.driver_model" not in [f.id for f in found.findings]
        assert "TCC/WDDM column" not in as_text(found)


QUERY_LOG = """==============NVSMI LOG==============

Timestamp                                 : Tue Mar  4 10:12:55 2025
Driver Version                            : 572.60
CUDA Version                              : 12.8

Attached GPUs                             : 2
GPU 00000000:01:00.0
    Product Name                          : NVIDIA RTX A2000 12GB
    Display Mode                          : Enabled
    Driver Model
        Current                           : {m0}
        Pending                           : {m0}
GPU 00000000:5E:00.0
    Product Name                          : NVIDIA A40
    Driver Model
        Current                           : {m1}
        Pending                           : WDDM
"""


@pytest.mark.parametrize("prompt", ["PS C:\\> ", "$ "])
@pytest.mark.parametrize("models, tcc", [(("WDDM", "WDDM"), ""), (("WDDM", "TCC"), "GPU 1 (NVIDIA A40)"),
                                         (("TCC", "WDDM"), "GPU 0 (NVIDIA RTX A2000 12GB)")])
def test_nvidia_smi_q_driver_model_blocks(prompt, models, tcc):
    found = diagnose(_paste(prompt, "nvidia-smi -q", QUERY_LOG.format(m0=models[0], m1=models[1])), CURRENT)
    hits = [f for f in found.findings if f.id == "windows.gpu.driver_model"]
    assert bool(hits) == bool(tcc) and (not tcc or tcc in as_text(found)), as_text(found)
    assert "nvidia-smi -q: driver 572.60, cuda 12.8" in as_text(found)


def test_the_mixed_tcc_wddm_nvml_error_is_named_pasted_alone():
    paste = ("Unable to determine the device handle for GPU0: 0000:3B:00.0: Unknown Error\n"
             "Unable to determine the device handle for GPU1: 0000:86:00.0: Unknown Error\nNo devices were found\n")
    for prompt in PROMPTS:
        found = diagnose(_paste(prompt, "nvidia-smi", paste), CURRENT)
        assert "family.nvml.device-handle" in [f.id for f in found.findings], as_text(found)
