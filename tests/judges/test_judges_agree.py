"""The suite and `diagnose` agree on real transcripts: one judge per check (judges/), so the same checks fail.

Every transcript of the shared corpus (../shared/corpus, WSLGPU_CORPUS) and of tests/real is pasted into
`diagnose` in-process and, part by part, spliced into a copy of today's healthy snapshot
(fixtures/snapshots/current-healthy.json) as the recorded answer of the probe its command stands for; all
of them are then replayed as machines of ONE run of the product (suite_run.replay_rows, `--snapshot FOLDER`).
For each transcript, the checks compared are those diagnose judged (passed or failed, not "cannot tell")
whose replayed evidence holds a spliced command: each must fail both ways or neither.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from suite_run import CORPUS, REPO, SNAPSHOTS, mutated, replay_rows
from wslgpu_certify.diagnose.diagnosis import diagnose
from wslgpu_certify.judges import FAILED, NOT_APPLICABLE
from wslgpu_certify.probes import distro, windows
from wslgpu_certify.profile import load_profile

pytestmark = pytest.mark.xdist_group("judges-agree")  # one worker replays the batch

PROFILE = "current"
HEALTHY = SNAPSHOTS / "current-healthy.json"
NBODY = distro.NBODY.command.replace("{image}", load_profile(PROFILE)["images"]["nbody"])

# diagnose's kind (recognise.KINDS' name) -> the probes that record its output: (host role, command).
# The WSL nvidia-smi and the Windows one print one table of one driver; a kernel is read in the distro and from Windows.
SPLICE = {
    windows.WINDOWS_VER.command: [("windows", windows.WINDOWS_VER.command)],
    windows.WSL_STATUS.command: [("windows", windows.WSL_STATUS.command)],
    windows.WSL_LIST_VERBOSE.command: [("windows", windows.WSL_LIST_VERBOSE.command)],
    "wsl.exe --version": [("windows", windows.WSL_VERSION.command)],
    "nvidia-smi.exe --query-gpu=name,driver_model.current": [("windows", windows.WINDOWS_GPU_DRIVER_MODEL.command)],
    distro.WSL_NVIDIA_SMI.command: [("wsl", distro.WSL_NVIDIA_SMI.command), ("windows", windows.WINDOWS_NVIDIA_SMI.command)],
    distro.KERNEL.command: [("wsl", distro.KERNEL.command), ("windows", "wsl.exe -d Ubuntu -- cat /proc/version")],
    distro.DOCKER_VERSION.command: [("wsl", distro.DOCKER_VERSION.command)],
    distro.DOCKER_INFO.command: [("wsl", distro.DOCKER_INFO.command)],
    distro.DAEMON_JSON.command: [("wsl", distro.DAEMON_JSON.command)],
    distro.DPKG_NVIDIA.command: [("wsl", distro.DPKG_NVIDIA.command), ("wsl", distro.NVIDIA_PACKAGES.command)],
    distro.LOADER_CACHE.command: [("wsl", distro.LOADER_CACHE.command)],
    distro.WSL_DRIVER_DIR.command: [("wsl", distro.WSL_DRIVER_DIR.command)],
    distro.DXG_DEVICE.command: [("wsl", distro.DXG_DEVICE.command)],
    distro.NBODY.command: [("wsl", NBODY)],
    "nvidia-container-cli info": [("wsl", distro.CONTAINER_CLI_INFO.command)],
    "nvidia-ctk --version": [("wsl", distro.NVIDIA_CTK_VERSION.command)],
    "systemctl is-active docker": [("wsl", distro.DOCKER_ACTIVE.command)],
    "docker context show": [("wsl", distro.DOCKER_CONTEXT.command)],
}

# gpu.nvidia_smi.gpu also compares the pasted table's GPUs with the one nbody ran on: spliced without nbody, the
# healthy machine's nbody is made to have run on the table's first GPU, so the replay compares what the paste shows.
HEALTHY_NBODY = json.loads(HEALTHY.read_text(encoding="utf-8"))["hosts"]["wsl"][NBODY]
HEALTHY_GPU = "NVIDIA GeForce RTX 3070"


def nbody_on(gpu_name: str) -> dict:
    name = gpu_name.removesuffix("...").strip()  # a name the table cut: nbody's starts with what it shows
    assert HEALTHY_GPU in HEALTHY_NBODY["stdout"]
    return {**HEALTHY_NBODY, "stdout": HEALTHY_NBODY["stdout"].replace(HEALTHY_GPU, name)}


def made() -> dict[str, str]:
    """Pastes made from the healthy machine's own outputs, one thing changed: the comparison bites without the corpus.
    The first is issue 19's: an nbody paste naming "NVIDIA GeForce RTX 2070" at 1000 GFLOP/s, which diagnose once
    called healthy while the replay failed gpu.nbody.performance."""
    wsl = json.loads(HEALTHY.read_text(encoding="utf-8"))["hosts"]["wsl"]
    nbody = "$ " + distro.NBODY.command.replace("{image}", "nvcr.io/nvidia/k8s/cuda-sample:nbody") + "\n"
    return {
        "made/nbody-rtx2070-1000-gflops": nbody + HEALTHY_NBODY["stdout"].replace(HEALTHY_GPU, "NVIDIA GeForce RTX 2070")
        .replace("10860.036 single-precision", "1000.000 single-precision"),
        "made/nbody-healthy": nbody + HEALTHY_NBODY["stdout"],
        "made/wsl-list-verbose-wsl1": "> wsl -l -v\n  NAME      STATE           VERSION\n* Ubuntu    Running         1\n",
        "made/ldconfig-shadowed": "$ ldconfig -p\n" + wsl[distro.LOADER_CACHE.command]["stdout"].replace(
            "/usr/lib/wsl/lib/libcuda", "/usr/lib/x86_64-linux-gnu/libcuda"),
        "made/daemon-json-no-nvidia": '$ cat /etc/docker/daemon.json\n{\n    "log-driver": "json-file"\n}\n',
        "made/dxg-missing": "$ ls -la /dev/dxg\nls: cannot access '/dev/dxg': No such file or directory\n",
        "made/driver-model-tcc": "> " + windows.WINDOWS_GPU_DRIVER_MODEL.command + "\n0, NVIDIA GeForce RTX 3070, WDDM, "
        "555.99\n1, NVIDIA RTX A6000, TCC, 555.99\n",
        "made/docker-version-desktop": "$ docker version\n" + wsl[distro.DOCKER_VERSION.command]["stdout"].replace(
            "Server: Docker Engine - Community", "Server: Docker Desktop 4.39.0 (184744)"),
    }


def transcripts() -> dict[str, Path | str]:
    """Every transcript: the shared corpus' (when present), tests/real's and the made ones, by set and file."""
    found: dict[str, Path | str] = dict(made())
    for name, folder in (("corpus", CORPUS), ("real", REPO / "tests" / "real")):
        index = folder / "index.yaml"
        if index.is_file():
            found.update({f"{name}/{e['file']}": folder / "raw" / e["file"]
                          for e in yaml.safe_load(index.read_text(encoding="utf-8"))})
    return found


@dataclass
class Row:
    spliced: dict = field(default_factory=dict)  # host -> {command: record}
    judged: dict = field(default_factory=dict)  # check id -> failed (diagnose's verdicts on the spliced parts)
    pasted: set = field(default_factory=set)  # the commands whose record is the transcript's own text
    distro: str | None = None  # the distro a verdict concerns (a failing one first): the machine's, so its check reads it


def row_of(path: Path | str, profile: dict) -> Row:
    """What diagnose judged in the transcript's parts of a splicable kind, and those parts as snapshot records."""
    row, kinds, tables = Row(), set(), []
    for result in diagnose(path if isinstance(path, str) else path.read_bytes(), profile).parts:
        for reading in result.readings:
            if reading.kind not in SPLICE or reading.kind in kinds or not reading.verdicts:
                continue  # a kind no probe records, one already spliced (the first wins), or nothing judged
            kinds.add(reading.kind)
            if reading.kind == distro.WSL_NVIDIA_SMI.command:
                tables.append(reading.record)
            for host, command in SPLICE[reading.kind]:
                row.spliced.setdefault(host, {})[command] = {"exit_status": 0, "stdout": result.part.text,
                                                             "stderr": "", "duration": 0.1}
                row.pasted.add(command)
            for verdict in reading.verdicts:
                if verdict.outcome == NOT_APPLICABLE:  # diagnose cannot tell from this part
                    continue
                before = row.judged.get(verdict.check_id, False)
                row.judged[verdict.check_id] = before or verdict.outcome == FAILED
                if verdict.distro and (row.distro is None or verdict.failed and not before):
                    row.distro = verdict.distro
    smi = next((r for r in tables if r.gpu_names), None)
    if smi is not None and NBODY not in row.spliced.get("wsl", {}):
        row.spliced["wsl"][NBODY] = nbody_on(smi.gpu_names[0])
    return row


ALL = transcripts()


@pytest.fixture(scope="module")
def agreement(tmp_path_factory):
    """name -> (diagnose's judged checks, the replay's outcomes of those whose evidence holds a spliced command)."""
    profile = load_profile(PROFILE)
    rows = {name: row_of(path, profile) for name, path in ALL.items()}
    rows = {name: row for name, row in rows.items() if row.judged}
    docs = {name: (mutated(HEALTHY, row.spliced, {"profile": PROFILE, **({"distro": row.distro} if row.distro else {})}),
                   ("--cert-profile", PROFILE)) for name, row in rows.items()}
    machines = replay_rows(tmp_path_factory.mktemp("judges-agree"), docs)
    found = {}
    for name, row in rows.items():
        replayed = {c["id"]: c["outcome"] for c in machines[name].results["checks"]
                    if any(e["command"] in row.pasted for e in c.get("evidence", []))}
        found[name] = (row.judged, replayed)
    return found


def test_the_transcripts_are_found():
    if not (CORPUS / "index.yaml").is_file():
        pytest.skip(f"no shared corpus at {CORPUS} (set WSLGPU_CORPUS)")
    assert len([n for n in ALL if n.startswith("corpus/")]) >= 90 and [n for n in ALL if n.startswith("real/")]


def test_the_made_pastes_fail_what_they_change(agreement):
    """The made rows are judged and replayed: each broken one fails its check both ways, the healthy one nothing."""
    failing = {name: {c for c, failed in judged.items() if failed and c in replayed}
               for name, (judged, replayed) in agreement.items() if name.startswith("made/")}
    assert failing == {"made/nbody-rtx2070-1000-gflops": {"gpu.nbody.performance"}, "made/nbody-healthy": set(),
                       "made/wsl-list-verbose-wsl1": {"windows.distro.version"},
                       "made/ldconfig-shadowed": {"wsl.driver.loader"},
                       "made/daemon-json-no-nvidia": {"docker.runtime.configured"}, "made/dxg-missing": {"wsl.gpu.dxg"},
                       "made/driver-model-tcc": {"windows.gpu.driver_model"},
                       "made/docker-version-desktop": {"docker.engine.community"}}


@pytest.mark.parametrize("name", sorted(ALL))
def test_the_same_checks_fail_both_ways(agreement, name):
    if name not in agreement:
        pytest.skip("diagnose judges no check from this transcript (no part a probe records)")
    judged, replayed = agreement[name]
    compared = sorted(set(judged) & set(replayed))
    by_diagnose = {c for c in compared if judged[c]}
    by_replay = {c for c in compared if replayed[c] in ("failed", "error")}
    assert by_diagnose == by_replay, f"compared {compared}: diagnose fails {sorted(by_diagnose)}, replay {sorted(by_replay)}"


def test_the_comparison_covers_many_checks_and_both_outcomes(agreement):
    """The rule bites: many checks are compared, and fail somewhere (with the corpus: 27 checks, 21 of them failing)."""
    compared = {c for judged, replayed in agreement.values() for c in set(judged) & set(replayed)}
    failing = {c for judged, replayed in agreement.values() for c in set(judged) & set(replayed) if judged[c]}
    corpus = any(name.startswith("corpus/") for name in agreement)
    assert len(compared) >= (25 if corpus else 12), sorted(compared)
    assert len(failing) >= (18 if corpus else 8), sorted(failing)
