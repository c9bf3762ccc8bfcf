"""judges/ for the GPU and Docker layers, shown failing and passing; and diagnose calling the same judges.

tests/judges/test_judges.py holds the version rule and the Windows and distro judges.
"""

from __future__ import annotations

import pytest

from test_judges import CURRENT, DESKTOP, DOCUMENTED, outcome
from wslgpu_certify.diagnose.diagnosis import diagnose
from wslgpu_certify.judges import FAILED, NOT_APPLICABLE, PASSED
from wslgpu_certify.judges import docker, gpu
from wslgpu_certify.parsers.docker import DaemonConfig, DockerInfo, DockerVersion
from wslgpu_certify.parsers.gpu import NbodyResult, NvidiaSmi
from wslgpu_certify.parsers.runs import DockerRunFailure
from wslgpu_certify.parsers.toolkit import ContainerCliInfo, ToolkitDevice, ToolkitVersion


# ---- GPU --------------------------------------------------------------------------------------------------

def nbody(name: str, gflops: float, capability: str = "7.5", device: str | None = None) -> NbodyResult:
    return NbodyResult(name, capability, 36864, 10.0, gflops / 20, gflops, cuda_device=device)


@pytest.mark.parametrize("failure", [DockerRunFailure("no_gpu_driver", 'could not select device driver ""'),
                                     DockerRunFailure("requirement_error", "unsatisfied condition: cuda>=11.2"),
                                     DockerRunFailure("image_missing", "Unable to find image")])
def test_nbody_runs_fails_with_the_engines_kind(failure):
    verdict = gpu.nbody_runs(failure)
    assert outcome(verdict) == FAILED and verdict.variant == failure.kind and failure.detail in verdict.message
    assert outcome(gpu.nbody_runs(nbody("GeForce RTX 2070", 4000))) == PASSED


@pytest.mark.parametrize("capability, expected", [("7.5", PASSED), ("8.6", PASSED), ("3.5", PASSED), ("3.0", FAILED),
                                                  ("2.1", FAILED), ("N/A", FAILED)])
def test_nbody_device(capability, expected):
    assert outcome(gpu.nbody_device(nbody("GeForce GTX", 1000, capability), DOCUMENTED)) == expected


@pytest.mark.parametrize("name, gflops, profile, expected", [
    ("GeForce RTX 2070", 4023.3, DOCUMENTED, PASSED), ("GeForce RTX 2070", 3300, DOCUMENTED, PASSED),
    ("GeForce RTX 2070", 3000, DOCUMENTED, FAILED),
    # issue 19: the name as today's drivers print it ("NVIDIA " prefix) is the same GPU, any case
    ("NVIDIA GeForce RTX 2070", 1000, DOCUMENTED, FAILED), ("NVIDIA GEFORCE RTX 2070", 1000, CURRENT, FAILED),
    ("NVIDIA GeForce RTX 3070", 11000, CURRENT, PASSED),
    ("GeForce RTX 2060 with Max-Q Design", 2700, CURRENT, PASSED),
    ("NVIDIA GeForce RTX 3080 Ti Laptop GPU", 100, CURRENT, NOT_APPLICABLE),  # no baseline: not compared
    ("NVIDIA GeForce RTX 2070", 1000, {**CURRENT, "gpu": {**CURRENT["gpu"], "nbody_baseline_gflops": {}}}, NOT_APPLICABLE)])
def test_nbody_performance(name, gflops, profile, expected):
    verdict = gpu.nbody_performance(nbody(name, gflops), profile)
    assert outcome(verdict) == expected
    assert dict(verdict.facts)["nbody_gflops"] == gflops


def test_a_laptop_gpu_is_never_held_to_the_desktop_parts_figure():
    verdict = gpu.nbody_performance(nbody("NVIDIA GeForce RTX 2070 Laptop GPU", 10), CURRENT)
    assert outcome(verdict) == NOT_APPLICABLE and "desktop part's" in verdict.message


@pytest.mark.parametrize("names, error, ran_on, expected", [
    (("NVIDIA GeForce RTX 3070",), None, None, PASSED), (("NVIDIA GeForce RTX 3070",), None, "NVIDIA GeForce RTX 3070", PASSED),
    (("NVIDIA GeForce RTX 4070 ...",), None, "NVIDIA GeForce RTX 4070 Ti SUPER", PASSED),
    (("GeForce RTX 2070",), None, "NVIDIA GeForce RTX 2070", PASSED),
    (("NVIDIA GeForce RTX 3070",), None, "NVIDIA GeForce RTX 2070", FAILED),
    ((), "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.", None, FAILED),
    ((), None, None, FAILED), ((), "Segmentation fault", "NVIDIA GeForce RTX 3070", FAILED)])
def test_nvidia_smi_sees_the_gpu(names, error, ran_on, expected):
    assert outcome(gpu.nvidia_smi_gpu(NvidiaSmi("555.99", "12.5", names, error), ran_on)) == expected


# ---- Docker -----------------------------------------------------------------------------------------------

def version(product=None, server="27.3.1", error=None) -> DockerVersion:
    return DockerVersion("27.3.1", product, server, "linux/amd64" if server else None, error)


@pytest.mark.parametrize("record, profile, expected, variant", [
    (version("Docker Engine - Community"), CURRENT, PASSED, None),
    (version(error="permission denied while trying to connect to the Docker daemon socket"), CURRENT, FAILED, "permission"),
    (version(server=None, error="Cannot connect to the Docker daemon at unix:///var/run/docker.sock."), CURRENT, FAILED, None),
    (version(server=None, error="error during connect: open //./pipe/dockerDesktopLinuxEngine"), DESKTOP, FAILED, "desktop"),
    (version(server=None), CURRENT, FAILED, None)])
def test_docker_reachable(record, profile, expected, variant):
    verdict = docker.reachable(record, profile)
    assert outcome(verdict) == expected and verdict.variant == variant


@pytest.mark.parametrize("product, profile, expected, variant", [
    ("Docker Engine - Community", DOCUMENTED, PASSED, None), ("Docker Desktop 4.39.0 (184744)", DOCUMENTED, FAILED, "desktop"),
    ("Docker Engine - Enterprise", DOCUMENTED, FAILED, None), (None, DOCUMENTED, FAILED, None)])
def test_engine_is_docker_ce(product, profile, expected, variant):
    verdict = docker.engine_community(version(product), profile)
    assert outcome(verdict) == expected and verdict.variant == variant


def info(runtimes=("io.containerd.runc.v2", "nvidia", "runc"), os="Ubuntu 22.04.5 LTS", error=None) -> DockerInfo:
    return DockerInfo("27.3.1", tuple(runtimes), "runc", os, "5.15.167.4-microsoft-standard-WSL2", error)


@pytest.mark.parametrize("record, expected, variant", [
    (info(), PASSED, None), (info(os="Docker Desktop"), FAILED, "desktop"),
    (info(error="Cannot connect to the Docker daemon"), FAILED, None)])
def test_daemon_in_the_distro(record, expected, variant):
    verdict = docker.in_distro(record)
    assert outcome(verdict) == expected and verdict.variant == variant


@pytest.mark.parametrize("runtimes, expected", [(("nvidia", "runc"), PASSED), (("io.containerd.runc.v2", "runc"), FAILED),
                                                ((), FAILED)])
def test_runtime_registered_is_a_note_for_diagnose(runtimes, expected):
    verdict = docker.runtime_registered(info(runtimes))
    assert outcome(verdict) == expected and verdict.note == (expected == FAILED)


@pytest.mark.parametrize("runtimes, profile, systemd, expected, note, variant", [
    ({"nvidia": "nvidia-container-runtime"}, CURRENT, True, PASSED, False, None),
    ({"nvidia": "/usr/bin/nvidia-container-runtime"}, CURRENT, False, PASSED, False, None),
    ({}, CURRENT, True, FAILED, True, "systemd"), ({}, DOCUMENTED, False, FAILED, True, None),
    ({"nvidia": "/usr/bin/nvidia-docker-runtime"}, CURRENT, False, FAILED, False, None),  # the wrong binary: a problem
    ({"nvidia": "/usr/bin/nvidia-docker-runtime"}, DOCUMENTED, False, PASSED, False, None)])  # the guide's era: any path
def test_runtime_configured(runtimes, profile, systemd, expected, note, variant):
    verdict = docker.runtime_configured(DaemonConfig(runtimes), profile, systemd)
    assert (outcome(verdict), verdict.note, verdict.variant) == (expected, note, variant)


@pytest.mark.parametrize("name, found, profile, expected, variant", [
    ("nvidia-container-toolkit", "1.17.3-1", CURRENT, PASSED, None),
    ("nvidia-container-toolkit", "1.12.0-1", CURRENT, FAILED, "upgrade"),
    ("nvidia-docker2", "2.5.0-1", DOCUMENTED, PASSED, None), ("nvidia-docker2", "2.4.0-1", DOCUMENTED, FAILED, None),
    ("nvidia-docker2", None, DOCUMENTED, FAILED, None), ("nvidia-docker2", None, CURRENT, NOT_APPLICABLE, None),
    ("libnvidia-container1", "", CURRENT, FAILED, "upgrade")])  # a version without a number is not passed
def test_nvidia_package(name, found, profile, expected, variant):
    verdict = docker.package(name, found, profile)
    assert outcome(verdict) == expected and verdict.variant == variant


@pytest.mark.parametrize("tool, version_, profile, expected", [
    ("nvidia-ctk", "1.17.3", CURRENT, PASSED), ("nvidia-ctk", "1.12.0", CURRENT, FAILED),
    ("nvidia-container-runtime", "1.17.3", CURRENT, FAILED), ("nvidia-ctk", "1.17.3", DOCUMENTED, NOT_APPLICABLE)])
def test_nvidia_ctk(tool, version_, profile, expected):
    assert outcome(docker.toolkit_ctk(ToolkitVersion(tool, version_, "abc123"), profile)) == expected


def cli_info(**changes) -> ContainerCliInfo:
    device = ToolkitDevice(0, "NVIDIA GeForce RTX 3070", "GeForce", "GPU-1", "00000000:01:00.0", "8.6")
    fields = dict(library_version="1.17.3", nvrm_version="555.99", cuda_version="12.5", devices=(device,), wsl=True,
                  wddm_adapters=1, missing_components=(), selected=(), linux_driver_libraries=(), error=None)
    return ContainerCliInfo(**{**fields, **changes})


@pytest.mark.parametrize("record, profile, expected, variant", [
    (cli_info(), CURRENT, PASSED, None), (cli_info(), DOCUMENTED, NOT_APPLICABLE, None),
    (cli_info(wsl=False, devices=(), error="initialization error: nvml error: driver not loaded"), CURRENT, FAILED, "no_dxcore"),
    (cli_info(devices=(), error="initialization error: WSL environment detected but no adapters were found"), CURRENT, FAILED, None),
    (cli_info(devices=(), error="load library failed: libnvidia-ml.so.1", missing_library="libnvidia-ml.so.1"), CURRENT,
     FAILED, "nvml_missing"),
    (cli_info(linux_driver_libraries=("/usr/lib/x86_64-linux-gnu/libcuda.so.470.57.02",)), CURRENT, FAILED, "linux_libraries"),
    (cli_info(devices=()), CURRENT, FAILED, "no_devices")])
def test_the_toolkit_sees_the_gpu(record, profile, expected, variant):
    verdict = docker.toolkit_sees_gpu(record, profile)
    assert outcome(verdict) == expected and verdict.variant == variant


@pytest.mark.parametrize("name, desktop, expected", [("default", False, PASSED), ("desktop-linux", True, FAILED),
                                                     ("rootless", False, PASSED)])
def test_the_docker_context(name, desktop, expected):
    assert outcome(docker.context_engine(name, desktop)) == expected


# ---- diagnose calls the same judges ------------------------------------------------------------------------

NBODY_PASTE = """$ docker run --rm --gpus all nvcr.io/nvidia/k8s/cuda-sample:nbody nbody -gpu -benchmark
> Windowed mode
> Simulation data stored in video memory
> Single precision floating point simulation
> 1 Devices used for simulation
GPU Device 0: "{name}" with compute capability 7.5

> Compute 7.5 CUDA device: [{name}]
36864 bodies, total time for 10 iterations: 30.000 ms
= 45.296 billion interactions per second
= {gflops} single-precision GFLOP/s at 20 flops per interaction
"""


@pytest.mark.parametrize("name, gflops, failing", [
    ("NVIDIA GeForce RTX 2070", "1000.000", {"gpu.nbody.performance"}),  # issue 19: once "no known problem"
    ("GeForce RTX 2070", "1000.000", {"gpu.nbody.performance"}), ("NVIDIA GeForce RTX 2070", "4023.329", set()),
    ("GeForce RTX 2070", "3900.000", set())])
@pytest.mark.parametrize("profile", [DOCUMENTED, CURRENT])
def test_diagnose_fails_the_checks_the_suite_would(name, gflops, failing, profile):
    found = diagnose(NBODY_PASTE.format(name=name, gflops=gflops), profile)
    assert {f.check_id for f in found.findings if f.check_id} == failing
    judged = {v.check_id: v.outcome for part in found.parts for r in part.readings for v in r.verdicts}
    assert judged == {"gpu.nbody.runs": PASSED, "gpu.nbody.device": PASSED,
                      "gpu.nbody.performance": FAILED if failing else PASSED}
