"""Tests for parsers.gpu over the corpus and the guide's nbody output."""

import pytest

from wslgpu_certify.parsers.errors import UnreadableOutput
from wslgpu_certify.parsers.gpu import NbodyResult, NvidiaSmi, parse_nbody, parse_nvidia_smi

# setup-guide §3.4, the tail of the documented output.
GUIDE_NBODY = """\
GPU Device 0: "GeForce RTX 2070" with compute capability 7.5

> Compute 7.5 CUDA device: [GeForce RTX 2070]
36864 bodies, total time for 10 iterations: 67.554 ms
= 201.166 billion interactions per second
= 4023.329 single-precision GFLOP/s at 20 flops per interaction
"""

GUIDE_RESULT = NbodyResult("GeForce RTX 2070", "7.5", 36864, 67.554, 201.166, 4023.329)


def test_nbody_guide_literal():
    assert parse_nbody(GUIDE_NBODY.replace("\n", "\r\n")) == GUIDE_RESULT


@pytest.mark.parametrize(
    "name, expected",
    [
        ("nbody__healthy-rtx2070-build-20201-reference-guide.txt", GUIDE_RESULT),
        (
            "nbody__healthy-docker-desktop-docs-rtx2060-maxq.txt",
            NbodyResult("GeForce RTX 2060 with Max-Q Design", "7.5", 30720, 69.280, 136.219, 2724.379),
        ),
    ],
)
def test_nbody_corpus(corpus_text, name, expected):
    assert parse_nbody(corpus_text(name)) == expected


@pytest.mark.parametrize(
    "name, cause",
    [
        ("nbody__only-0-devices-nvidia-disable-require-470.txt", "only 0 Devices available"),
        ("nbody__cuda-sample-blackscholes-code35-insufficient-driver-build-18363.txt", "cudaErrorInsufficientDriver"),
        ("docker-gpu-run__could-not-select-driver-docker-desktop-insider-20257.txt", "could not select device driver"),
    ],
)
def test_nbody_failures_show_cause(corpus_text, name, cause):
    with pytest.raises(UnreadableOutput) as excinfo:
        parse_nbody(corpus_text(name))
    assert cause in excinfo.value.excerpt


def test_nbody_without_device_line_uses_compute_line():
    text = GUIDE_NBODY.split("\n", 1)[1]
    assert parse_nbody(text) == GUIDE_RESULT


def test_nbody_fp64():
    text = GUIDE_NBODY.replace("single-precision", "double-precision")
    assert parse_nbody(text).precision == "double"


def test_nvidia_smi_healthy(corpus_text):
    smi = parse_nvidia_smi(corpus_text("nvidia-smi__healthy-wsl-555.52-rtx4070.txt"))
    assert smi == NvidiaSmi("555.99", "12.5", ("NVIDIA GeForce RTX 4070 ...",), None, "555.52.01")


def test_nvidia_smi_in_container(corpus_text):
    smi = parse_nvidia_smi(corpus_text("docker-gpu-run__healthy-pytorch-nvidia-smi-in-container-wsl-1.2.2.txt"))
    assert smi == NvidiaSmi("527.27", "12.0", ("Quadro RTX 4000",), None, "525.60.07")


@pytest.mark.parametrize(
    "name",
    [
        "nvidia-smi__couldnt-communicate-and-devicequery-100-build-21343.txt",
        "nvidia-smi__wsl1-2019-no-gpu-couldnt-communicate.txt",
    ],
)
def test_nvidia_smi_couldnt_communicate(corpus_text, name):
    smi = parse_nvidia_smi(corpus_text(name))
    assert smi.driver_version is None and smi.gpu_names == ()
    assert smi.error.startswith("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver")


def test_nvidia_smi_segfault_after_header(corpus_text):
    smi = parse_nvidia_smi(corpus_text("nvidia-smi__segfault-in-wsl-libnvidia-ml-driver-552.txt"))
    assert (smi.driver_version, smi.cuda_version, smi.gpu_names) == ("552.55", "12.4", ())
    assert "Segmentation fault" in smi.error


def test_nvidia_smi_windows_wddm_row():
    text = (
        "| NVIDIA-SMI 460.20       Driver Version: 460.20       CUDA Version: 11.2     |\n"
        "|   0  GeForce RTX 2070   WDDM  | 00000000:01:00.0  On |                  N/A |\n"
    )
    assert parse_nvidia_smi(text).gpu_names == ("GeForce RTX 2070",)


@pytest.mark.parametrize(
    "name",
    ["nvidia-smi__dev-dxg-present.txt", "nvidia-smi__ls-usr-lib-wsl-lib-no-libcuda-egpu.txt"],
)
def test_nvidia_smi_unreadable(corpus_text, name):
    with pytest.raises(UnreadableOutput):
        parse_nvidia_smi(corpus_text(name))
