"""GPU layer: the guide's nbody benchmark on the GPU, its figure against the profile, nvidia-smi in WSL (§3.4)."""

import re

from wslgpu_certify import CheckFailed, check, not_applicable, publish, read, version_satisfies
from wslgpu_certify.parsers.runs import DockerRunFailure
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
    outcome = _nbody(wsl_host, profile)
    if isinstance(outcome, DockerRunFailure):
        raise CheckFailed(f"`docker run --gpus all` nbody failed ({outcome.kind}): {outcome.detail}",
                          variant=outcome.kind)


@check("gpu.nbody.device")
def test_nbody_device(wsl_host, profile):
    result = _nbody(wsl_host, profile)
    publish("gpu", f"{result.gpu_name} (compute capability {result.compute_capability})")
    minimum = profile["gpu"]["min_compute_capability"]
    if not version_satisfies(result.compute_capability, f">={minimum}"):
        raise CheckFailed(f"{result.gpu_name} has compute capability {result.compute_capability}; "
                          f"the CUDA images need {minimum} or higher")


# Suffixes that mark a laptop part: its figure is its own, never the desktop GPU's of the same number.
_LAPTOP = re.compile(r"\s+(?:with Max-Q Design|Laptop GPU|Max-Q)$", re.I)


def _gpu_key(name: str) -> str:
    """A GPU name as baselines are matched: drivers since about 2021 prefix "NVIDIA " (the guide's 460 did not)."""
    return re.sub(r"\s+", " ", name.strip()).removeprefix("NVIDIA ").casefold()


def nbody_baseline(name: str, baselines: dict) -> tuple[str | None, float | None]:
    """The profile's (name, GFLOP/s) for this GPU: the same name, with or without "NVIDIA ", any case."""
    by_key = {_gpu_key(known): (known, figure) for known, figure in baselines.items()}
    return by_key.get(_gpu_key(name), (None, None))


@check("gpu.nbody.performance")
def test_nbody_performance(wsl_host, profile):
    result = _nbody(wsl_host, profile)
    baselines = profile["gpu"]["nbody_baseline_gflops"]
    tolerance = profile["gpu"]["tolerance"]
    known, baseline = nbody_baseline(result.gpu_name, baselines)
    publish("nbody_gflops", result.gflops)
    if baseline is None:
        desktop, _ = nbody_baseline(_LAPTOP.sub("", result.gpu_name), baselines)
        aside = (f"; the figure for {desktop} is a desktop part's and is not compared with this laptop GPU"
                 if desktop and _LAPTOP.search(result.gpu_name) else "")
        not_applicable(f"{result.gflops:.1f} GFLOP/s measured; the profile has no baseline for {result.gpu_name}"
                       f"{aside} (add it under [gpu.nbody_baseline_gflops])")
    publish("nbody_baseline_gflops", baseline)
    publish("nbody_tolerance", tolerance)
    floor = baseline * (1 - tolerance)
    if result.gflops < floor:
        shortfall = 100 * (1 - result.gflops / baseline)
        raise CheckFailed(f"{result.gflops:.1f} GFLOP/s is {shortfall:.0f} % under the {baseline:.1f} GFLOP/s "
                          f"baseline for {known} (tolerance {tolerance:.0%})")


@check("gpu.nvidia_smi.gpu")
def test_nvidia_smi_sees_gpu(wsl_host, profile):
    smi = read(wsl_host, distro.WSL_NVIDIA_SMI)
    if smi.error or not smi.gpu_names:
        raise CheckFailed(f"nvidia-smi in WSL sees no GPU: {smi.error or 'no GPU rows'}")
    result = _nbody(wsl_host, profile)
    # The GPU's name is nbody's "CUDA device: [...]" line when printed: current samples put the
    # architecture ("Ampere") in their "GPU Device 0:" line.
    ran_on = result.cuda_device or result.gpu_name
    if not any(_same_gpu(name, ran_on) for name in smi.gpu_names):
        raise CheckFailed(f"nvidia-smi sees {', '.join(smi.gpu_names)}, nbody ran on {ran_on}")


def _same_gpu(smi_name: str, nbody_name: str) -> bool:
    """nvidia-smi's table cuts a long name to its column ("NVIDIA GeForce RTX 4070 ..."); older drivers
    and samples drop the "NVIDIA " prefix on one side only ("GeForce RTX 2070")."""
    smi_name, nbody_name = smi_name.strip(), nbody_name.strip()
    if smi_name.endswith("..."):
        return nbody_name.startswith(smi_name[:-3].rstrip()) or ("NVIDIA " + nbody_name).startswith(smi_name[:-3].rstrip())
    return smi_name in nbody_name or nbody_name in smi_name


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
