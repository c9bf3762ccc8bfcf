"""Parser for the suite's CUDA smoke test in the distro: cuInit and the devices, through ctypes on libcuda.so.1."""

from __future__ import annotations

from dataclasses import dataclass

from ._text import content_lines, evidence
from .errors import UnreadableOutput
from ..lazy_regex import regex

# The driver API's CUresult values that cuInit / cuDeviceGetCount / cuDeviceGetName return, from the
# `cudaError_enum` of CUDA's cuda.h (CUDA Driver API reference, "Error Handling":
# https://docs.nvidia.com/cuda/cuda-driver-api/group__CUDA__TYPES.html), each with what it means on WSL 2.
# 35 is not among them: "code=35 (cudaErrorInsufficientDriver)" in nbody's output is the runtime API's.
CU_RESULTS = {
    1: ("CUDA_ERROR_INVALID_VALUE", "the driver refused the call's arguments"),
    2: ("CUDA_ERROR_OUT_OF_MEMORY", "the GPU has no memory left for a context"),
    3: ("CUDA_ERROR_NOT_INITIALIZED", "cuInit did not succeed"),
    4: ("CUDA_ERROR_DEINITIALIZED", "the driver is shutting down"),
    34: ("CUDA_ERROR_STUB_LIBRARY", "a CUDA toolkit's stub libcuda.so (lib64/stubs) was loaded instead of the "
                                    "WSL driver's /usr/lib/wsl/lib/libcuda.so.1"),
    46: ("CUDA_ERROR_DEVICE_UNAVAILABLE", "the GPU is busy or in exclusive-process mode"),
    100: ("CUDA_ERROR_NO_DEVICE", "the driver sees no CUDA GPU: no GPU offered to WSL (a GPU in TCC, a driver "
                                  "without CUDA on WSL, no /dev/dxg) or CUDA_VISIBLE_DEVICES hides them"),
    101: ("CUDA_ERROR_INVALID_DEVICE", "the device ordinal is out of range"),
    304: ("CUDA_ERROR_OPERATING_SYSTEM", "a call into the OS failed: /dev/dxg could not be opened or used"),
    801: ("CUDA_ERROR_NOT_SUPPORTED", "the operation is not supported on this system"),
    802: ("CUDA_ERROR_SYSTEM_NOT_READY", "the system is not ready for CUDA"),
    803: ("CUDA_ERROR_SYSTEM_DRIVER_MISMATCH", "the libcuda loaded does not match the kernel driver: a Linux NVIDIA "
                                              "driver's libcuda inside WSL shadows the WSL one"),
    999: ("CUDA_ERROR_UNKNOWN", "the WSL GPU paravirtualisation failed; often after a Windows driver update or "
                               "sleep until `wsl --shutdown`, or a Windows build/driver without GPU support for WSL"),
}

# The program the probe runs (probes/distro.py, CUDA_SMOKE) prints these lines, then "done":
#   cuInit 0
#   cuDriverGetVersion 0 12060
#   cuDeviceGetCount 0 1
#   device 0 0 NVIDIA GeForce RTX 3070
#   done
# A failed call prints its line with the CUresult and stops there (exit 0 all the same); libcuda.so.1 that
# cannot be loaded is Python's own traceback, ending "OSError: libcuda.so.1: cannot open shared object file...".
_CALL = regex(r"^(cuInit|cuDriverGetVersion|cuDeviceGetCount) (-?\d+)(?: (-?\d+))?$")
_DEVICE = regex(r"^device (\d+) (-?\d+) ?(.*)$")
_DLOPEN = regex(r"^OSError: (?P<detail>.*libcuda\.so[^\s:]*: .+)$")
_PYTHON_ERROR = regex(r"^(?:[A-Za-z]+Error|Traceback \(most recent call last\)):?")


@dataclass(frozen=True)
class CudaSmoke:
    """What the driver API said in the distro, outside any container."""

    loaded: bool  # libcuda.so.1 could be dlopen'ed
    load_error: str | None
    failed_call: str | None  # the first call that did not return CUDA_SUCCESS
    result: int | None  # its CUresult
    driver_version: int | None  # cuDriverGetVersion, e.g. 12060 for CUDA 12.6
    devices: tuple[str, ...]

    @property
    def result_name(self) -> str:
        return CU_RESULTS.get(self.result, (f"CUresult {self.result}", ""))[0]

    @property
    def cause(self) -> str:
        return CU_RESULTS.get(self.result, ("", "a CUresult this suite has no cause for"))[1]

    @property
    def cuda_version(self) -> str | None:
        return f"{self.driver_version // 1000}.{self.driver_version % 1000 // 10}" if self.driver_version else None


def parse_cuda_smoke(text: str) -> CudaSmoke:
    """Read the smoke test's lines; refuse output that stops before its last line without a failed call."""
    rows = content_lines(text)
    for row in rows:
        if m := _DLOPEN.match(row):
            return CudaSmoke(False, m.group("detail"), None, None, None, ())
    version, count, devices = None, None, []
    for row in rows:
        if call := _CALL.match(row):
            name, result, value = call.group(1), int(call.group(2)), call.group(3)
            if result != 0:
                return CudaSmoke(True, None, name, result, version, tuple(devices))
            if value is None and name != "cuInit":
                raise UnreadableOutput("CUDA smoke test (a call's value is missing)", row)
            if name == "cuDriverGetVersion":
                version = int(value)
            elif name == "cuDeviceGetCount":
                count = int(value)
        elif device := _DEVICE.match(row):
            if int(device.group(2)) != 0:
                return CudaSmoke(True, None, "cuDeviceGetName", int(device.group(2)), version, tuple(devices))
            devices.append(device.group(3).strip())
        elif row == "done":
            if count is None or len(devices) != count or not all(devices):
                raise UnreadableOutput("CUDA smoke test (device lines do not match the count)", text)
            return CudaSmoke(True, None, None, None, version, tuple(devices))
        elif _PYTHON_ERROR.match(row):
            raise UnreadableOutput("CUDA smoke test (Python failed)", evidence(text, _PYTHON_ERROR.pattern))
        else:
            raise UnreadableOutput("CUDA smoke test (not its output)", row)
    raise UnreadableOutput("CUDA smoke test (cut before its last line)", text)
