"""Releases known to be bad (signatures/known_bad_releases.toml): the table, the versions read, the matching,
and the suite's and diagnose's use of it. docs/signatures.md, "Known-bad releases".
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from suite_run import REPO, SNAPSHOTS
from wslgpu_certify.diagnose.diagnosis import diagnose
from wslgpu_certify.signatures.known_causes import known_causes
from wslgpu_certify.profile import load_profile
from wslgpu_certify.signatures import releases
from wslgpu_certify.signatures.versions import versions_from_figures, versions_in

SMI_BANNER = ("+-----------------------------------------------------------------------------------------+\n"
              "| NVIDIA-SMI 550.90.07              Driver Version: {driver}         CUDA Version: 12.4     |\n"
              "|-----------------------------------------+------------------------+----------------------+\n")


def test_every_row_loads_names_a_known_component_and_a_public_source():
    rows = releases.load_releases()
    assert 10 <= len(rows) <= 40
    for row in rows:
        assert row.component in releases.COMPONENTS and row.layers and row.fix
        assert row.source.startswith("https://") and all(url.startswith("https://") for url in row.also)
        assert str(row.versions)  # a SpecifierSet: parsed at load


def test_no_row_is_learned_from_a_reserved_thread():
    # ../shared beside the checkout; in a worktree, the folder WSLGPU_CORPUS names sits in it
    shared = Path(os.environ["WSLGPU_CORPUS"]).parent if os.environ.get("WSLGPU_CORPUS") else REPO.parent / "shared"
    reserved_file = shared / "reserved-threads.txt"
    if not reserved_file.is_file():
        pytest.skip(f"the reserved thread list is not here ({reserved_file})")
    reserved = {line.strip().lower() for line in reserved_file.read_text().splitlines()
                if line.strip() and not line.startswith("#")}
    for row in releases.load_releases():
        for url in row.source, *row.also:
            parts = url.lower().removeprefix("https://github.com/").split("/")
            if len(parts) >= 4 and parts[2] in ("issues", "pull"):
                assert f"{parts[0]}/{parts[1]}#{parts[3]}" not in reserved, (row.id, url)


@pytest.mark.parametrize("row, why", [
    ({"component": "bios"}, "component"),
    ({"versions": ">>1.0"}, "versions"),
    ({"layers": ["kitchen"]}, "layers"),
    ({"confidence": "sure"}, "confidence"),
    ({"fix": [{"run": "x", "say": "y"}]}, "fix[0]"),
    ({"colour": "red"}, "colour"),
    ({"source": ""}, "source"),
])
def test_a_malformed_row_is_one_line_naming_the_field(tmp_path, row, why):
    good = {"id": "x", "component": "driver", "versions": ">=1", "layers": ["gpu"], "what": "w",
            "fix": [{"say": "update"}], "source": "https://example.org/", "confidence": "low"}
    table = tmp_path / "bad.toml"
    lines = [f"{key} = {json.dumps(value)}" if not isinstance(value, list) or key != "fix" else
             "fix = [" + ", ".join("{" + ", ".join(f"{k} = {json.dumps(v)}" for k, v in step.items()) + "}"
                                   for step in value) + "]" for key, value in {**good, **row}.items()]
    table.write_text("[[release]]\n" + "\n".join(lines) + "\n")
    with pytest.raises(ValueError) as caught:
        releases.load_releases(table)
    assert why in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize("text, expected", [
    (SMI_BANNER.format(driver="552.55"), {"driver": "552.55"}),
    ("NVRM version:   531.18\nCUDA version:   12.1\n", {"driver": "531.18"}),
    ("WSL version: 2.3.26.0\nKernel version: 5.15.167.4-1\nWindows version: 10.0.26100.2605\n",
     {"wsl": "2.3.26.0", "kernel": "5.15.167.4", "windows": "26100.2605"}),
    ("Microsoft Windows [Version 10.0.21327.1000]\n", {"windows": "21327.1000"}),
    ("Linux version 5.15.90.1-microsoft-standard-WSL2 (oe-user@oe-host)", {"kernel": "5.15.90.1"}),
    ("Client:\n Version:           23.0.1\n\nServer: Docker Desktop 4.17.1 (101757)\n Engine:\n  Version:          20.10.23\n",
     {"docker-desktop": "4.17.1", "docker-engine": "20.10.23"}),
    ("NVIDIA Container Toolkit CLI version 1.12.1\ncommit: 7440a1e\n", {"toolkit": "1.12.1"}),
    ("ii  nvidia-container-toolkit  1.14.3-1  amd64  NVIDIA Container toolkit\n"
     "ii  libnvidia-container1:amd64 1.14.3-1 amd64  NVIDIA container runtime library\n",
     {"toolkit": "1.14.3-1", "libnvidia-container": "1.14.3-1"}),
    ("cli-version: 1.4.0\nlib-version: 1.4.0\n", {"libnvidia-container": "1.4.0"}),
    ("I0828 18:43:18 4993 nvc.c:372] initializing library context (version=1.5.0~rc.2, build=6d9de2b)",
     {"libnvidia-container": "1.5.0~rc.2"}),
    ("no versions here: Driver Version: N/A\n", {}),
])
def test_versions_are_read_from_the_outputs_that_print_them(text, expected):
    assert versions_in(text) == expected


def test_versions_are_read_from_the_figures_a_run_published():
    figures = {"windows_build": "20226.1000", "wsl": "Store WSL 2.3.26.0, kernel 5.15.167.4-1, WSLg 1.0.65",
               "kernel": "5.15.167.4-microsoft-standard-WSL2", "driver": "555.99",
               "docker": "Docker Desktop 4.17.1, engine 20.10.23", "nvidia-container-toolkit": "1.3.0-1"}
    assert versions_from_figures(figures) == {
        "windows": "20226.1000", "wsl": "2.3.26.0", "kernel": "5.15.167.4", "driver": "555.99",
        "docker-desktop": "4.17.1", "docker-engine": "20.10.23", "toolkit": "1.3.0"}
    assert versions_from_figures({"docker": "Docker Engine - Community 27.3.1"}) == {"docker-engine": "27.3.1"}


SEGFAULT = SMI_BANNER.format(driver="552.55") + "Segmentation fault (core dumped)\n"
HOOK = ("docker: Error response from daemon: OCI runtime create failed: ... stderr: nvidia-container-cli: "
        "initialization error: driver error: failed to process request: unknown.")


@pytest.mark.parametrize("versions, layer, text, expected", [
    ({"driver": "552.55"}, "gpu", SEGFAULT, "release.driver-nvidia-smi-segfault"),
    ({"driver": "560.70"}, "gpu", "[1]    494 segmentation fault  nvidia-smi", "release.driver-nvidia-smi-segfault"),
    ({"docker-desktop": "3.3.3"}, "docker", HOOK, "release.docker-desktop-3.3.3-gpu-driver-error"),
    ({"docker-desktop": "4.17.1"}, "jupyter", "timed out waiting for the container", "release.docker-desktop-4.17.1-gpus-hang"),
    ({"libnvidia-container": "1.4.0"}, "docker", HOOK, "release.libnvidia-container-1.4.0-wsl-driver-error"),
    ({"toolkit": "1.12.1"}, "gpu", "the container did not start in 120 s", "release.toolkit-1.12.1-wsl-freeze"),
    ({"windows": "21354.1"}, "wsl", "ls: cannot access '/dev/dxg'", "release.windows-21354-no-gpu-compute"),
    ({"toolkit": "1.18.0"}, "docker", "unresolvable CDI devices nvidia.com/gpu=all", "release.toolkit-1.18-cdi-refresh-not-on-wsl"),
    ({"wsl": "2.4.4.0"}, "windows", "Default Version: 1", "release.wsl-2.4.4-no-default-marker"),
    ({"driver": "581.80"}, "gpu", "misc dxg: dxgk: dxgkio_make_resident: Ioctl failed: -12",
     "release.driver-before-610.74-make-resident-tdr"),
    ({"docker-desktop": "4.24.1"}, "docker", "Cannot connect to the Docker daemon at unix:///var/run/docker.sock",
     "release.docker-desktop-4.24.1-does-not-start"),
    ({"windows": "21286.1000"}, "gpu", "= 2413.997 single-precision GFLOP/s at 20 flops per interaction",
     "release.windows-21286-cuda-slow"),
    ({"libnvidia-container": "1.14.3"}, "docker", "libnvdxgdmal.so.1: cannot open shared object file",
     "release.libnvidia-container-before-1.15-no-libnvdxgdmal"),
])
def test_a_failure_on_a_bad_release_is_explained_by_it(versions, layer, text, expected):
    assert expected in [hit.id for hit in releases.explains(versions, layer, text)]


@pytest.mark.parametrize("versions, layer, text", [
    ({"driver": "537.13"}, "gpu", SEGFAULT),  # the good branch the row names
    ({"driver": "552.55"}, "gpu", "NVIDIA-SMI has failed because it couldn't communicate"),  # not the symptom
    ({"docker-desktop": "3.3.1"}, "docker", HOOK),  # the release rolled back to
    ({"docker-desktop": "4.17.0"}, "gpu", "hang"),
    ({"docker-desktop": "4.17.1"}, "windows", "hang"),  # a Windows check is no layer the row explains
    ({"toolkit": "1.12.0"}, "gpu", "hang"),
    ({"toolkit": "1.19.1"}, "docker", "unresolvable CDI devices nvidia.com/gpu=all"),
    ({"windows": "21359.1"}, "wsl", "ls: cannot access '/dev/dxg'"),
    ({"wsl": "2.4.5.0"}, "windows", "Default Version: 1"),
    ({"driver": "610.74"}, "gpu", "misc dxg: dxgk: dxgkio_make_resident: Ioctl failed: -12"),
    ({"driver": "581.80"}, "gpu", "misc dxg: dxgk: dxgkio_query_adapter_info: Ioctl failed: -22"),
    ({"docker-desktop": "4.24.2"}, "docker", "Cannot connect to the Docker daemon at unix:///var/run/docker.sock"),
    ({"windows": "21286.1000"}, "gpu", "CUDA error: no CUDA-capable device is detected"),  # not its symptom
    ({"libnvidia-container": "1.15.0"}, "docker", "libnvdxgdmal.so.1: cannot open shared object file"),
    ({}, "gpu", SEGFAULT),  # no version shown: no release is named
    ({"driver": "N/A"}, "gpu", SEGFAULT),
])
def test_near_misses_name_no_release(versions, layer, text):
    assert releases.explains(versions, layer, text) == []


def test_only_releases_bad_whatever_the_machine_shows_give_a_note_on_a_pass():
    assert [h.id for h in releases.always_bad({"docker-desktop": "4.17.1"})] == ["release.docker-desktop-4.17.1-gpus-hang"]
    assert releases.always_bad({"driver": "552.55", "docker-desktop": "4.17.0", "toolkit": "1.12.1"}) == []
    note = releases.always_bad({"windows": "21327.1000"})[0]
    assert "Windows build 21327.1000 is a known-bad release" in note.signature.cause
    assert "not a failure" in note.signature.cause


def test_the_suite_orders_signature_then_release_then_family():
    versions = {"driver": "552.55"}
    causes = known_causes([("/usr/lib/wsl/lib/nvidia-smi", SEGFAULT, 139)], advisory=False, versions=versions,
                          layer="gpu")
    ids = [c.id for c in causes]
    assert "release.driver-nvidia-smi-segfault" in ids
    release_at = ids.index("release.driver-nvidia-smi-segfault")
    assert all(not i.startswith("family.") for i in ids[:release_at])
    assert all(not i.startswith("release.") for i in ids[release_at + 1:])
    cause = causes[release_at]
    assert "552.55" in cause.cause and cause.remediation.steps and cause.source.startswith("https://github.com/")
    # the same failure on the good driver: no release
    assert not [c for c in known_causes([("nvidia-smi", SEGFAULT, 139)], advisory=False,
                                        versions={"driver": "537.13"}, layer="gpu") if c.id.startswith("release.")]
    # a pass on a symptom-bound bad release: nothing; on an always-bad one: an advisory note
    assert known_causes([("nvidia-smi", "ok", 0)], advisory=True, versions=versions, layer="gpu") == []
    notes = known_causes([("docker version", "ok", 0)], advisory=True, versions={"docker-desktop": "4.17.1"})
    assert [(c.id, c.advisory) for c in notes] == [("release.docker-desktop-4.17.1-gpus-hang", True)]


def _snapshot(tmp_path: Path, name: str, edit) -> Path:
    data = json.loads((SNAPSHOTS / name).read_text())
    edit(data["hosts"])
    path = tmp_path / name
    path.write_text(json.dumps(data))
    if data.get("extends"):  # an override of another snapshot: the base goes beside it
        (tmp_path / data["extends"]).write_text((SNAPSHOTS / data["extends"]).read_text())
    return path


def test_a_replayed_failure_on_a_bad_driver_names_the_release(certify, tmp_path):
    def crash(hosts):
        record = hosts["wsl"]["/usr/lib/wsl/lib/nvidia-smi"]
        record.update(stdout=SEGFAULT, stderr="", exit_status=139)
        windows = hosts["windows"]["nvidia-smi.exe"]
        windows["stdout"] = windows["stdout"].replace("555.99", "552.55")

    run = certify("--snapshot", str(_snapshot(tmp_path, "current-healthy.json", crash)), "--cert-profile", "current")
    failed = [c for c in run.results["checks"] if c["outcome"] in ("failed", "error")]
    assert failed
    named = [c for c in failed if any(k["id"] == "release.driver-nvidia-smi-segfault" for k in c["known_causes"])]
    assert named, [(c["id"], [k["id"] for k in c["known_causes"]]) for c in failed]
    assert all(not k["advisory"] for c in named for k in c["known_causes"])


def test_a_healthy_machine_on_an_always_bad_release_stays_certified_with_a_note(certify, tmp_path):
    def desktop_4_17_1(hosts):
        for record in hosts["wsl"].values():
            if record and "Docker Desktop 4.35.1" in (record.get("stdout") or ""):
                record["stdout"] = record["stdout"].replace("Docker Desktop 4.35.1 (173168)", "Docker Desktop 4.17.1 (101757)")

    path = _snapshot(tmp_path, "current-desktop-healthy.json", desktop_4_17_1)
    run = certify("--snapshot", str(path), "--cert-profile", "current-desktop")
    assert run.results["verdict"] == "CERTIFIED"
    notes = [(c["id"], c["outcome"], k["advisory"]) for c in run.results["checks"] for k in c["known_causes"]
             if k["id"] == "release.docker-desktop-4.17.1-gpus-hang"]
    assert notes and all(outcome == "passed" and advisory for _, outcome, advisory in notes)


@pytest.mark.parametrize("name", ["current-healthy.json", "current-desktop-healthy.json", "documented-healthy.json"])
def test_the_healthy_snapshots_show_no_bad_release(name):
    data = json.loads((SNAPSHOTS / name).read_text())
    shown: dict[str, str] = {}
    for role in data["hosts"].values():
        for record in role.values():
            shown = {**versions_in((record or {}).get("stdout") or ""), **shown}
    assert len(shown) >= 3  # the snapshots do show versions (an override shows its own): the test can fail
    covering = [row for row in releases.load_releases() if row.covers(shown.get(row.component))]
    # a row may cover today's releases only when it is bound to a symptom (a driver that crashes nvidia-smi on
    # some GPUs): a healthy machine shows none, so it is never named; no row bad whatever the machine shows does
    assert all(row.symptoms and not row.always for row in covering), [row.id for row in covering]
    text = "\n".join(record.get("stdout") or "" for role in data["hosts"].values() for record in role.values() if record)
    assert [row.id for row in covering if row.shows_symptom(text)] == []


@pytest.mark.parametrize("paste, expected", [
    ("$ nvidia-smi\n" + SEGFAULT, "release.driver-nvidia-smi-segfault"),
    ("$ docker version\nServer: Docker Desktop 3.3.3 (64133)\n Engine:\n  Version: 20.10.6\n"
     "$ docker run --rm --gpus all nvcr.io/nvidia/k8s/cuda-sample:nbody nbody -gpu -benchmark\n" + HOOK,
     "release.docker-desktop-3.3.3-gpu-driver-error"),
])
def test_diagnose_names_the_release_a_paste_shows(paste, expected):
    found = diagnose(paste, load_profile("current"))
    ids = [f.id for f in found.findings]
    assert expected in ids, ids
    finding = next(f for f in found.findings if f.id == expected)
    assert finding.fix and finding.source.startswith("https://")


def test_diagnose_explains_an_apparent_failure_by_the_release_that_misreports_it():
    paste = ("PS C:\\> wsl --version\nWSL version: 2.4.4.0\nKernel version: 5.15.167.4-1\n"
             "PS C:\\> wsl --status\nDefault Version: 1\n")
    ids = _diagnosed(paste)
    assert "release.wsl-2.4.4-no-default-marker" in ids
    assert "release.wsl-2.4.4-no-default-marker" not in _diagnosed(paste.replace("2.4.4.0", "2.4.5.0"))


def _diagnosed(paste: str) -> list[str]:
    return [f.id for f in diagnose(paste, load_profile("current")).findings]


def test_diagnose_notes_an_always_bad_release_on_a_healthy_paste():
    paste = "$ docker version\nClient:\n Version: 23.0.1\n\nServer: Docker Desktop 4.17.1 (101757)\n Engine:\n  Version: 20.10.23\n"
    found = diagnose(paste, load_profile("current-desktop"))
    assert found.findings == []
    assert "release.docker-desktop-4.17.1-gpus-hang" in [f.id for f in found.notes]
