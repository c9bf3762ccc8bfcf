"""Native Linux (--env=linux), honest: facts from the machine, no WSL advice, and a missing NVIDIA driver said once.

fixtures/snapshots/linux-no-driver.json is a Debian 12 box without an NVIDIA GPU recorded with
`--env=linux --record`; the rows below change one recorded answer each. linux-healthy.json is a native
Linux workstation written by hand (current-healthy.json's outputs, its own kernel, NVIDIA's Linux driver). The live test records this
machine the same way and replays the recording: the same outcome and message for every check.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from suite_run import SNAPSHOTS, make_runner, mutated, replay_rows
from wslgpu_certify.parsers.errors import UnreadableOutput
from wslgpu_certify.parsers.gpu import parse_native_driver
from wslgpu_certify.probes import distro
from wslgpu_certify.reports.report_page import _distro

NO_DRIVER = SNAPSHOTS / "linux-no-driver.json"
HEALTHY = SNAPSHOTS / "linux-healthy.json"
DRIVER_PROBE = distro.NATIVE_DRIVER.command
SMOKE_PROBE = distro.CUDA_SMOKE.command
WSL_TEXT = re.compile(r"/usr/lib/wsl|wsl\.exe|Microsoft Store|ms-windows-store", re.I)
# The checks that need the GPU and are blocked by the missing driver: the gpu layer's and the containers' GPU request.
NEEDS_GPU = {"gpu.nbody.runs", "gpu.nbody.device", "gpu.nbody.performance", "gpu.cuda.smoke",
             "jupyter.container.gpu"}


def out(stdout, rc=0):
    return {"exit_status": rc, "stdout": stdout, "stderr": ""}


def driver(devices=(), libcuda=False, smi=None, smi_rc=0):
    """The driver probe's answer: which device nodes are there, libcuda, and `nvidia-smi -L` (None: not installed)."""
    lines = [f"{'present' if p in devices else 'missing'} {p}" for p in ("/dev/nvidiactl", "/dev/nvidia0",
                                                                       "/proc/driver/nvidia/version")]
    lines.append(f"{'present' if libcuda else 'missing'} libcuda.so.1")
    lines += ["nvidia-smi missing"] if smi is None else [*smi.splitlines(), f"nvidia-smi exit {smi_rc}"]
    return out("\n".join(lines) + "\n")


ALL_NODES = ("/dev/nvidiactl", "/dev/nvidia0", "/proc/driver/nvidia/version")
RTX = "GPU 0: NVIDIA GeForce RTX 3070 (UUID: GPU-5a1b2c3d-0000-1111-2222-333344445555)"
SMOKE_OK = out("cuInit 0\ncuDriverGetVersion 0 12050\ncuDeviceGetCount 0 1\ndevice 0 0 NVIDIA GeForce RTX 3070\ndone\n")
UNSERVED = out('PRETTY_NAME="Fedora Linux 39"\nNAME="Fedora Linux"\nID=fedora\nVERSION_ID=39\n')

# name -> (the wsl role's changed answers, the check that must fail, a phrase of its message, of its fix)
ROWS = {
    "no-driver": ({}, "gpu.driver.present", "no NVIDIA driver or GPU on this machine", "sudo ubuntu-drivers install"),
    "nvml-mismatch": ({DRIVER_PROBE: driver(ALL_NODES, True, "Failed to initialize NVML: Driver/library version mismatch",
                                            18)},
                      "gpu.driver.present", "Driver/library version mismatch", "sudo reboot"),
    "no-communication": ({DRIVER_PROBE: driver((), False, "NVIDIA-SMI has failed because it couldn't communicate with "
                                                "the NVIDIA driver. Make sure that the latest NVIDIA driver is installed "
                                                "and running.", 9)},
                         "gpu.driver.present", "couldn't communicate with the NVIDIA driver", "sudo reboot"),
    "no-devices": ({DRIVER_PROBE: driver(("/dev/nvidiactl",), True, "No devices were found", 6)},
                   "gpu.driver.present", "No devices were found", "sudo dmesg"),
    "unserved-release": ({"cat /etc/os-release": UNSERVED}, "wsl.os.release", "fedora39 is not one", "ubuntu.com"),
}
HEALTHY_DRIVER = {DRIVER_PROBE: driver(ALL_NODES, True, RTX), SMOKE_PROBE: SMOKE_OK}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    rows = {name: (mutated(NO_DRIVER, {"wsl": answers} if answers else {}), ()) for name, (answers, *_) in ROWS.items()}
    rows["driver-works"] = (mutated(NO_DRIVER, {"wsl": HEALTHY_DRIVER}), ())
    rows["wsl"] = (SNAPSHOTS / "current-healthy.json", ())
    rows["healthy"] = (HEALTHY, ())
    rows["healthy-driver-gone"] = (mutated(HEALTHY, {"wsl": {DRIVER_PROBE: driver()}}), ())
    rows["standin"] = (NO_DRIVER, ("--cert-profile", "standin"))
    return replay_rows(tmp_path_factory.mktemp("native-linux"), rows)


def _advice(finding: dict) -> str:
    """What a failure tells the user: its message, known causes, fix and first step."""
    return json.dumps([finding.get(k) for k in ("message", "known_causes", "remediation", "first_step")])


@pytest.mark.parametrize("name", sorted(ROWS))
def test_a_native_linux_failure_has_linux_advice_only(runs, name):
    _, failing, message, fix = ROWS[name]
    run = runs[name]
    assert run.results["verdict"] == "NOT CERTIFIED"
    finding = run.check(failing)
    assert finding["outcome"] == "failed" and message in finding["message"], finding
    assert any(fix in command for command in finding["remediation"]["commands"]), finding["remediation"]
    failures = [c for c in run.results["checks"] if c["outcome"] in ("failed", "warning", "error")]
    assert failures and not [c["id"] for c in failures if WSL_TEXT.search(_advice(c))]


@pytest.mark.parametrize("name", ["no-driver", "nvml-mismatch", "no-communication", "no-devices"])
def test_no_working_driver_is_the_gpu_layers_root_cause_said_once(runs, name):
    run = runs[name]
    checks = {c["id"]: c for c in run.results["checks"]}
    gpu_failures = [i for i, c in checks.items() if c["layer"] == "gpu" and c["outcome"] in ("failed", "error")]
    assert gpu_failures == ["gpu.driver.present"]
    blocked = {i: c["blocked_by"] for i, c in checks.items() if i in NEEDS_GPU and c["outcome"] == "skipped"}
    assert set(blocked) == NEEDS_GPU and set(blocked.values()) == {"gpu.driver.present"}, blocked


def test_facts_come_from_os_release_not_a_wsl_default(runs):
    for name in ("no-driver", "unserved-release"):
        machine = runs[name].results["machine"]
        assert machine["distro"] is None and machine["machine_env"] == "linux"
    assert runs["no-driver"].results["facts"]["distribution"] == "debian12"
    assert runs["unserved-release"].results["facts"]["distribution"] == "fedora39"
    assert "WSL distro" not in runs["no-driver"].output
    # the report page's Distribution row: the release alone on native Linux, the WSL distro's name beside it on WSL
    assert _distro({"distribution": "debian12"}, {"distro": None}) == "debian12"
    assert _distro({"distribution": "ubuntu20.04"}, {"distro": "Ubuntu"}) == "ubuntu20.04 (WSL distro Ubuntu)"


def test_a_working_driver_passes_and_the_next_gap_is_the_image(runs):
    checks = {c["id"]: c for c in runs["driver-works"].results["checks"]}
    assert checks["gpu.driver.present"]["outcome"] == "passed"
    assert checks["gpu.cuda.smoke"]["outcome"] == "passed", checks["gpu.cuda.smoke"]
    assert checks["gpu.nbody.runs"]["blocked_by"] == "docker.image.nbody.present"


def test_a_healthy_native_linux_workstation_is_certified_without_wsl(runs):
    run = runs["healthy"]
    checks = {c["id"]: c for c in run.results["checks"]}
    assert run.results["verdict"] == "CERTIFIED" and run.results["machine"]["distro"] is None
    assert checks["gpu.driver.present"]["outcome"] == "passed"
    assert run.results["facts"]["distribution"] == "ubuntu22.04"
    assert {c["layer"] for c in run.results["checks"] if c["outcome"] == "passed"} >= {"gpu", "jupyter", "rstudio"}


def test_the_driver_gone_from_a_healthy_machine_blocks_every_gpu_check_behind_it(runs):
    """With every image present, the driver is still the one root cause: the GPU request of the containers too."""
    run = runs["healthy-driver-gone"]
    checks = {c["id"]: c for c in run.results["checks"]}
    failed = [i for i, c in checks.items() if c["outcome"] in ("failed", "error")]
    assert failed == ["gpu.driver.present"] and run.results["verdict"] == "NOT CERTIFIED"
    assert {i for i in NEEDS_GPU if checks[i]["blocked_by"] == "gpu.driver.present"} == NEEDS_GPU
    assert checks["jupyter.tensorflow.gpu"]["blocked_by"] == "gpu.driver.present"
    assert checks["jupyter.container.started"]["outcome"] == "passed"  # what needs no GPU still runs


def test_a_profile_that_expects_no_driver_rules_the_check_out(runs):
    """The CPU stand-in (profiles/standin.toml: gpu.linux_driver = false): not applicable, so the containers' GPU
    request meets the engine's own refusal (test_containers_live.py), and the next gap is the image."""
    checks = {c["id"]: c for c in runs["standin"].results["checks"]}
    assert checks["gpu.driver.present"]["outcome"] == "not_applicable"
    assert "gpu.linux_driver" in checks["gpu.driver.present"]["message"]
    assert checks["gpu.nbody.runs"]["blocked_by"] == "docker.image.nbody.present"


def test_the_driver_check_is_not_applicable_on_wsl(runs):
    """On WSL the Windows driver projects the GPU: the native-Linux check never applies, never blocks."""
    checks = {c["id"]: c for c in runs["wsl"].results["checks"]}
    assert runs["wsl"].results["verdict"] == "CERTIFIED"
    assert checks["gpu.driver.present"]["outcome"] == "not_applicable"
    assert "native-Linux check" in checks["gpu.driver.present"]["message"]


def test_a_live_native_linux_run_replays_to_the_same_outcomes(tmp_path):
    """This machine, recorded with --env=linux --record and replayed: every check's outcome and message the same."""
    if not Path("/etc/os-release").is_file():
        pytest.skip("this test records a native Linux machine")
    run = make_runner(tmp_path / "live")("--env=linux", "--record", str(tmp_path / "rec.json"))
    live = run.results
    replayed = make_runner(tmp_path / "replay")("--snapshot", str(tmp_path / "rec.json")).results
    assert replayed["machine"]["env"] == "replay" and replayed["machine"]["machine_env"] == "linux"
    pairs = {c["id"]: (c["outcome"], c["message"]) for c in live["checks"]}
    assert pairs == {c["id"]: (c["outcome"], c["message"]) for c in replayed["checks"]}
    assert live["verdict"] == replayed["verdict"] and live["machine"]["distro"] is None
    release = dict(re.findall(r'^(ID|VERSION_ID)="?([^"\n]*)"?$', Path("/etc/os-release").read_text(), re.M))
    assert live["facts"]["distribution"] == release.get("ID", "") + release.get("VERSION_ID", "")
    if not list(Path("/dev").glob("nvidia*")):  # a machine without the driver (this one): said once, as the root
        assert live["verdict"] == "NOT CERTIFIED"
        assert {c["id"]: c["outcome"] for c in live["checks"]}["gpu.driver.present"] == "failed"
        assert not [c["id"] for c in live["checks"] if c["outcome"] == "failed" and WSL_TEXT.search(_advice(c))]


# ---- the probe's parser: every fact marked, or unreadable (never "no driver" from output cut short)

@pytest.mark.parametrize("text, gpus, installed, sees", [
    (driver()["stdout"], (), False, False),
    (driver(ALL_NODES, True, RTX)["stdout"], ("NVIDIA GeForce RTX 3070",), True, True),
    (driver(ALL_NODES, True, RTX + "\nGPU 1: Tesla T4 (UUID: GPU-1)")["stdout"],
     ("NVIDIA GeForce RTX 3070", "Tesla T4"), True, True),
    (driver(("/dev/nvidiactl",), True, "No devices were found", 6)["stdout"], (), True, False),
    (driver((), False, "Failed to initialize NVML: Unknown Error", 255)["stdout"], (), True, False),
    (driver(ALL_NODES, True, RTX, 0)["stdout"].replace("\n", "\r\n"), ("NVIDIA GeForce RTX 3070",), True, True),
])
def test_parse_native_driver(text, gpus, installed, sees):
    found = parse_native_driver(text)
    assert (found.gpus, found.smi_installed, found.sees_gpu) == (gpus, installed, sees)


@pytest.mark.parametrize("text", [
    "",
    "missing /dev/nvidiactl\nmissing /dev/nvidia0\n",  # cut after two markers
    driver()["stdout"].replace("nvidia-smi missing\n", ""),  # no status line
    driver(ALL_NODES, True, RTX)["stdout"].rsplit("\n", 2)[0],  # cut before nvidia-smi's exit status
    "sh: 1: Syntax error: end of file unexpected\n",
    "present /dev/nvidiactl\nmissing /dev/nvidia0\nmissing /dev/nvidia0\nmissing libcuda.so.1\nnvidia-smi missing\n",
])
def test_parse_native_driver_refuses_partial_output(text):
    with pytest.raises(UnreadableOutput):
        parse_native_driver(text)


SHOWN_FAILING = {failing for _, failing, *_ in ROWS.values()}  # test_diagnosis_matrix: every check fails somewhere
