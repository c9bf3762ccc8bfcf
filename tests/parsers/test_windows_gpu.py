"""Tests for parsers.windows_gpu: nvidia-smi.exe --query-gpu=index,name,driver_model.current,driver_version."""

import pytest

from damage import BYTE_SOUP

from wslgpu_certify.parsers.errors import UnreadableOutput
from wslgpu_certify.parsers.windows_gpu import QUERY, WindowsGpu, parse_query_gpu_driver_model

GARBAGE = BYTE_SOUP

# CSV shape (", " separators, header echoing the query) as in
# https://github.com/triton-inference-server/server/pull/8070; driver models WDDM/TCC as the Windows
# table's TCC/WDDM column shows them (corpus nvidia-smi__windows-exe-*.txt, microsoft/WSL#9099, #9134).
NOHEADER = "0, NVIDIA GeForce RTX 3080, WDDM, 546.33\r\n1, NVIDIA RTX A4000, TCC, 546.33\r\n"
# Our own row for the third driver model nvidia-smi names, MCDM (no transcript found).
WITH_HEADER = "index, name, driver_model.current, driver_version\n0, NVIDIA RTX 2000 Ada Generation, MCDM, 581.57\n"
# Driver model is unavailable where there is no Windows driver model (Linux: netdata/netdata#4892).
NOT_AVAILABLE = "0, NVIDIA GeForce RTX 4070, [N/A], 555.52.01\n"


def test_noheader_two_gpus():
    gpus = parse_query_gpu_driver_model(NOHEADER)
    assert gpus == (
        WindowsGpu(0, "NVIDIA GeForce RTX 3080", "WDDM", "546.33"),
        WindowsGpu(1, "NVIDIA RTX A4000", "TCC", "546.33"),
    )
    assert [g.wddm for g in gpus] == [True, False]


def test_with_header_mcdm():
    assert parse_query_gpu_driver_model(WITH_HEADER) == (WindowsGpu(0, "NVIDIA RTX 2000 Ada Generation", "MCDM", "581.57"),)


def test_driver_model_not_available():
    gpu = parse_query_gpu_driver_model(NOT_AVAILABLE)[0]
    assert gpu.driver_model is None and not gpu.wddm


def test_query_constant_matches_header():
    assert parse_query_gpu_driver_model(QUERY.replace(",", ", ") + "\n" + NOHEADER)[1].driver_model == "TCC"


@pytest.mark.parametrize(
    "text",
    [
        NOHEADER[: len(NOHEADER) // 2],  # second row lost, first row cut
        "0, NVIDIA GeForce RTX 3080, WD\n",
        "0, NVIDIA GeForce RTX 3080, WD, 546.33\n",
        "0, NVIDIA GeForce RTX 3080, WDDM, 546.\n",
        "1, NVIDIA RTX A4000, TCC, 546.33\n",  # row 0 missing
        "index, name, driver_model.current, driver_version\n",
        "",
        GARBAGE,
        "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\n",
        'Field "driver_model.current" is not a valid field to query.\n',
    ],
)
def test_refuses(text):
    with pytest.raises(UnreadableOutput):
        parse_query_gpu_driver_model(text)
