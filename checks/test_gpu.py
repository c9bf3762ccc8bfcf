"""GPU layer: the guide's nbody benchmark on the GPU, its figure against the profile, nvidia-smi in WSL (§3.4)."""

from wslgpu_certify import CheckFailed, check, not_applicable, publish, read, version_satisfies
from wslgpu_certify.parsers.runs import DockerRunFailure
from wslgpu_certify.probes import distro, windows


def _nbody(wsl_host, profile):
    return read(wsl_host, distro.NBODY, image=profile["images"]["nbody"])


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


@check("gpu.nbody.performance")
def test_nbody_performance(wsl_host, profile):
    result = _nbody(wsl_host, profile)
    baselines = profile["gpu"]["nbody_baseline_gflops"]
    tolerance = profile["gpu"]["tolerance"]
    baseline = baselines.get(result.gpu_name)
    publish("nbody_gflops", result.gflops)
    if baseline is None:
        not_applicable(f"{result.gflops:.1f} GFLOP/s measured; the profile has no baseline for {result.gpu_name} "
                    f"(add it under [gpu.nbody_baseline_gflops])")
    publish("nbody_baseline_gflops", baseline)
    publish("nbody_tolerance", tolerance)
    floor = baseline * (1 - tolerance)
    if result.gflops < floor:
        shortfall = 100 * (1 - result.gflops / baseline)
        raise CheckFailed(f"{result.gflops:.1f} GFLOP/s is {shortfall:.0f} % under the {baseline:.1f} GFLOP/s "
                          f"baseline for {result.gpu_name} (tolerance {tolerance:.0%})")


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
