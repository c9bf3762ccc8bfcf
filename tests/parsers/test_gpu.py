"""Tests for parsers.gpu over the corpus and the guide's nbody output."""


import pytest

from damage import RANDOM_TEXT

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

GUIDE_RESULT = NbodyResult("GeForce RTX 2070", "7.5", 36864, 67.554, 201.166, 4023.329, cuda_device="GeForce RTX 2070")


def test_nbody_guide_literal():
    assert parse_nbody(GUIDE_NBODY.replace("\n", "\r\n")) == GUIDE_RESULT


@pytest.mark.parametrize(
    "name, expected",
    [
        ("nbody__healthy-rtx2070-build-20201-reference-guide.txt", GUIDE_RESULT),
        (
            "nbody__healthy-docker-desktop-docs-rtx2060-maxq.txt",
            NbodyResult("GeForce RTX 2060 with Max-Q Design", "7.5", 30720, 69.280, 136.219, 2724.379,
                        cuda_device="GeForce RTX 2060 with Max-Q Design"),
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


# Current cuda-samples name the architecture in the "GPU Device" line, the GPU only in the "CUDA device" line
# (issue #11; the "MapSMtoArchName ... Default to use Ampere" line: nbody on an SM 8.9 card with older samples).
@pytest.mark.parametrize("arch_lines", [
    'GPU Device 0: "Ampere" with compute capability 8.6',
    'MapSMtoArchName for SM 8.9 is undefined.  Default to use Ampere\nGPU Device 0: "Ampere" with compute capability 8.9',
])
def test_nbody_current_samples_name_the_gpu_in_the_cuda_device_line(arch_lines):
    capability = arch_lines[-3:]
    text = GUIDE_NBODY.replace('GPU Device 0: "GeForce RTX 2070" with compute capability 7.5', arch_lines).replace(
        "> Compute 7.5 CUDA device: [GeForce RTX 2070]", f"> Compute {capability} CUDA device: [NVIDIA GeForce RTX 3070]")
    result = parse_nbody(text)
    assert result.cuda_device == "NVIDIA GeForce RTX 3070"
    assert result.compute_capability == capability


def test_nbody_without_cuda_device_line_has_no_cuda_device():
    text = GUIDE_NBODY.replace("> Compute 7.5 CUDA device: [GeForce RTX 2070]\n", "")
    assert parse_nbody(text).cuda_device is None


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


# ---- damaged output: what a complete output looks like, and what is refused


# 2 KB of random bytes decoded as text, as a runner would hand over binary output.
GARBAGE = RANDOM_TEXT

# The default table of a Windows-side nvidia-smi.exe (setup-guide §3.3's driver 460.20; columns as in
# nvidia-smi__windows-exe-wddm-two-gpus-517.48.txt).
SMI_TABLE = """\
Tue Nov 24 10:15:02 2020
+-----------------------------------------------------------------------------+
| NVIDIA-SMI 460.20       Driver Version: 460.20       CUDA Version: 11.2     |
|-------------------------------+----------------------+----------------------+
| GPU  Name            TCC/WDDM | Bus-Id        Disp.A | Volatile Uncorr. ECC |
| Fan  Temp  Perf  Pwr:Usage/Cap|         Memory-Usage | GPU-Util  Compute M. |
|                               |                      |               MIG M. |
|===============================+======================+======================|
|   0  GeForce RTX 2070   WDDM  | 00000000:01:00.0  On |                  N/A |
| N/A   45C    P8    10W /  N/A |    512MiB /  8192MiB |      2%      Default |
|                               |                      |                  N/A |
+-------------------------------+----------------------+----------------------+
"""
SMI_ROW_END = SMI_TABLE.index("N/A |\n| N/A   45C") + len("N/A |")


def test_nvidia_smi_table_reads_in_every_encoding():
    expected = NvidiaSmi("460.20", "11.2", ("GeForce RTX 2070",), None, "460.20")
    assert parse_nvidia_smi(SMI_TABLE) == expected
    assert parse_nvidia_smi(SMI_TABLE.replace("\n", "\r\n")) == expected
    assert parse_nvidia_smi("\x00".join(SMI_TABLE.replace("\n", "\r\n"))) == expected  # UTF-16 read as UTF-8


@pytest.mark.parametrize("cut", [0, 60, len(SMI_TABLE) // 2, SMI_ROW_END - 30, SMI_ROW_END - 1])
def test_nvidia_smi_cut_before_the_first_whole_gpu_row_is_unreadable(cut):
    # Cut in half, the header's versions are there but no GPU row: that is not "a driver, no GPU".
    with pytest.raises(UnreadableOutput):
        parse_nvidia_smi(SMI_TABLE[:cut])


def test_nvidia_smi_every_cut_before_the_gpu_row_ends_is_unreadable():
    for cut in range(0, SMI_ROW_END):
        with pytest.raises(UnreadableOutput):
            parse_nvidia_smi(SMI_TABLE[:cut])
    assert parse_nvidia_smi(SMI_TABLE[:SMI_ROW_END]).gpu_names == ("GeForce RTX 2070",)


def test_nvidia_smi_thousands_of_gpus_are_unreadable():
    row = SMI_TABLE.splitlines()[8]
    rows = "\n".join(row.replace("|   0 ", f"| {i:>3} ", 1) for i in range(2000))
    with pytest.raises(UnreadableOutput, match="not plausible"):
        parse_nvidia_smi(SMI_TABLE.replace(row, rows))
    # 64 GPUs (an HGX box is 8) still read
    rows = "\n".join(row.replace("|   0 ", f"| {i:>3} ", 1) for i in range(64))
    assert len(parse_nvidia_smi(SMI_TABLE.replace(row, rows)).gpu_names) == 64


def test_nvidia_smi_repeated_output_is_unreadable():
    # The same table printed over and over (5 MB of it) numbers its GPU 0 again and again.
    with pytest.raises(UnreadableOutput):
        parse_nvidia_smi(SMI_TABLE * 3)


def test_nvidia_smi_garbage_is_unreadable():
    with pytest.raises(UnreadableOutput):
        parse_nvidia_smi(GARBAGE)
    with pytest.raises(UnreadableOutput):
        parse_nvidia_smi(SMI_TABLE + GARBAGE)  # a table followed by binary noise is not vouched for


def test_nvidia_smi_header_versions_must_be_versions():
    with pytest.raises(UnreadableOutput):
        parse_nvidia_smi(SMI_TABLE.replace("Driver Version: 460.20 ", "Driver Version: 4x0.2q "))


def test_nvidia_smi_indented_paste_reads_both_gpus(corpus_text):
    # Each line indented by two spaces in the paste; the second GPU's row is whole, its block cut.
    smi = parse_nvidia_smi(corpus_text("nvidia-smi__windows-exe-wddm-two-gpus-517.48.txt"))
    assert smi.gpu_names == ("NVIDIA GeForce ...", "NVIDIA GeForce ...") and smi.driver_version == "517.48"


def test_nvidia_smi_errors_still_read_without_rows():
    smi = parse_nvidia_smi("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n")
    assert smi.error.startswith("NVIDIA-SMI has failed") and smi.gpu_names == ()


def test_nbody_every_cut_before_the_figure_line_ends_is_unreadable():
    end = GUIDE_NBODY.index("per interaction") + len("per interaction")
    for cut in range(0, end):
        with pytest.raises(UnreadableOutput):
            parse_nbody(GUIDE_NBODY[:cut])
    assert parse_nbody(GUIDE_NBODY[:end]) == GUIDE_RESULT


def test_nbody_garbage_and_utf16():
    with pytest.raises(UnreadableOutput):
        parse_nbody(GARBAGE)
    assert parse_nbody("\x00".join(GUIDE_NBODY.replace("\n", "\r\n"))) == GUIDE_RESULT
