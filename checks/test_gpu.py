"""GPU layer: the guide's nbody benchmark on the GPU, its figure against the profile, nvidia-smi in WSL (§3.4)."""

from wslgpu_certify import CheckFailed, check, publish, read, settle
from wslgpu_certify.judges import gpu as judge
from wslgpu_certify.probes import distro, windows


def _nbody(wsl_host, profile):
    return read(wsl_host, distro.NBODY, image=profile["images"]["nbody"])


@check("gpu.driver.present")
def test_native_driver(wsl_host):
    """Native Linux only (catalog `env`): NVIDIA's Linux driver is installed and lists a GPU. On WSL the Windows
    driver's checks (windows.nvidia.driver, wsl.gpu.dxg) stand in for it."""
    driver = read(wsl_host, distro.NATIVE_DRIVER)
    if driver.sees_gpu:
        return
    if not driver.any_trace:
        raise CheckFailed("no NVIDIA driver or GPU on this machine: no /dev/nvidia* device, no "
                          "/proc/driver/nvidia/version, no libcuda.so.1 in the loader cache, no nvidia-smi")
    said = (f"nvidia-smi -L exited {driver.smi_exit}" + (f": {driver.smi_error}" if driver.smi_error else "")
            if driver.smi_installed else "nvidia-smi is not installed")
    raise CheckFailed(f"NVIDIA's Linux driver lists no GPU: {said} (present: {', '.join(driver.present) or 'none'}; "
                      f"missing: {', '.join(driver.missing) or 'none'})", variant="not_working")


@check("gpu.nbody.runs")
def test_nbody_runs(wsl_host, profile):
    settle(judge.nbody_runs(_nbody(wsl_host, profile)))


@check("gpu.nbody.device")
def test_nbody_device(wsl_host, profile):
    settle(judge.nbody_device(_nbody(wsl_host, profile), profile))


@check("gpu.nbody.performance")
def test_nbody_performance(wsl_host, profile):
    settle(judge.nbody_performance(_nbody(wsl_host, profile), profile))


@check("gpu.nvidia_smi.gpu")
def test_nvidia_smi_sees_gpu(wsl_host, profile):
    smi = read(wsl_host, distro.WSL_NVIDIA_SMI)
    settle(judge.nvidia_smi_gpu(smi))  # no GPU at all: nbody is not read
    result = _nbody(wsl_host, profile)
    # The GPU's name is nbody's "CUDA device: [...]" line when printed: current samples put the
    # architecture ("Ampere") in their "GPU Device 0:" line.
    settle(judge.nvidia_smi_gpu(smi, result.cuda_device or result.gpu_name))


@check("gpu.nvidia_smi.driver")
def test_nvidia_smi_driver_matches_windows(wsl_host, windows_host):
    inside = read(wsl_host, distro.WSL_NVIDIA_SMI)
    outside = read(windows_host, windows.WINDOWS_NVIDIA_SMI)
    publish("cuda", inside.cuda_version)
    if inside.driver_version != outside.driver_version:
        raise CheckFailed(f"driver {inside.driver_version} in WSL differs from {outside.driver_version} on Windows")


# CUresult -> the variant whose fix is the cause's (checks/gpu.toml); the others get the general fix.
_SMOKE_VARIANTS = {100: "no_device", 34: "stub", 803: "linux_driver", 999: "unknown", 304: "unknown"}


@check("gpu.cuda.smoke")
def test_cuda_in_the_distro(wsl_host):
    """cuInit and the devices through the driver API in the distro itself, outside any container (where a
    profile asks for it: gpu.cuda_smoke, the catalog's applies_when)."""
    smoke = read(wsl_host, distro.CUDA_SMOKE)
    if not smoke.loaded:
        raise CheckFailed(f"python3 could not load libcuda.so.1: {smoke.load_error}", variant="dlopen")
    if smoke.failed_call:
        raise CheckFailed(f"{smoke.failed_call} returned {smoke.result} ({smoke.result_name}): {smoke.cause}",
                          variant=_SMOKE_VARIANTS.get(smoke.result))
    if not smoke.devices:
        raise CheckFailed("cuInit succeeded but cuDeviceGetCount found 0 devices", variant="no_device")
    publish("cuda_devices", ", ".join(smoke.devices))
    publish("cuda_driver_api", smoke.cuda_version)
