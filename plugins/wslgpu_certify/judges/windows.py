"""The Windows host's judges: build, WSL's defaults, the distro's WSL version, Docker Desktop's engine, the driver."""

from __future__ import annotations

from ..parsers.docker_context import docker_desktop_engine, is_docker_desktop_distro
from . import PASSED, Verdict, failed, held_to, passed


def build(record, profile) -> Verdict:
    """windows.build: a build the profile lists as known bad, or one older than it asks for."""
    wanted = profile["windows"]
    if record.build in wanted.get("known_bad_builds", []):
        return failed("windows.build", f"Windows build {record.build} is known to break GPU compute in WSL", "known_bad")
    return (held_to("windows.build", f"Windows build {record.build}", str(record.build), wanted["build"])
            or passed("windows.build"))


def default_version(status, profile) -> Verdict:
    """windows.wsl.default_version: `wsl --status`'s default WSL version is the profile's."""
    wanted = profile["windows"].get("default_wsl_version", 2)
    if status.default_version != wanted:
        return failed("windows.wsl.default_version", f"default WSL version is {status.default_version}, not {wanted}")
    return passed("windows.wsl.default_version")


def default_distro(default: str, distro: str) -> Verdict:
    """windows.distro.default: the default distro (`wsl` with no -d lands there) is not Docker Desktop's own."""
    if is_docker_desktop_distro(default):
        return failed("windows.distro.default", f"the default distro is {default}, Docker Desktop's own, not {distro}: "
                      "`wsl` and the tools that open the default distro land in Docker's engine VM")
    return passed("windows.distro.default")


def distro_version(entry) -> Verdict:
    """windows.distro.version: one `wsl -l -v` entry runs as WSL 2."""
    if entry.version != 2:
        return failed("windows.distro.version", f"distro {entry.name} runs as WSL {entry.version}, not WSL 2",
                      distro=entry.name)
    return Verdict("windows.distro.version", PASSED, distro=entry.name)


def desktop_running(distros) -> Verdict:
    """windows.desktop.running: Docker Desktop's WSL 2 engine (its docker-desktop distro) is registered and running."""
    engine = docker_desktop_engine(distros)
    if engine is None:
        listed = ", ".join(d.name for d in distros) or "nothing"
        return failed("windows.desktop.running", f"`wsl -l -v` lists no docker-desktop distro ({listed}): Docker "
                      "Desktop is not installed, or runs the Hyper-V backend, which has no GPU support", "absent")
    facts = (("docker_desktop_distro", f"{engine.state}, WSL {engine.version}"),)
    if engine.state.lower() != "running":
        return failed("windows.desktop.running", f"docker-desktop is {engine.state}: Docker Desktop's engine is not "
                      "running", "stopped", facts=facts)
    return passed("windows.desktop.running", facts)


def wsl_kernel(release: str, numeric: str | None, profile) -> Verdict:
    """windows.wsl.kernel: the kernel WSL runs (read from Windows) is at least the profile's."""
    return (held_to("windows.wsl.kernel", f"WSL kernel {release}", numeric, profile["wsl"]["kernel"])
            or passed("windows.wsl.kernel"))


def nvidia_driver(smi, profile) -> Verdict:
    """windows.nvidia.driver: nvidia-smi reads the driver, and its version is at least the profile's."""
    if smi.error or not smi.driver_version:
        return failed("windows.nvidia.driver", f"nvidia-smi.exe cannot read the driver: {smi.error or 'no driver version'}")
    facts = (("driver", smi.driver_version),)
    return (held_to("windows.nvidia.driver", f"NVIDIA driver {smi.driver_version}", smi.driver_version,
                    profile["windows"]["nvidia_driver"], facts=facts) or passed("windows.nvidia.driver", facts))


def driver_model(gpus, wanted: str) -> Verdict:
    """windows.gpu.driver_model: every GPU under the profile's driver model (WDDM: WSL 2 is offered no other)."""
    facts = (("gpu_driver_models", ", ".join(f"{g.index}: {g.name} {g.driver_model or 'N/A'}" for g in gpus)),)
    others = [g for g in gpus if g.driver_model != wanted]
    if others:
        # One GPU outside WDDM is enough: WSL then finds no GPU at all (microsoft/WSL#13027).
        listed = ", ".join(f"GPU {g.index} ({g.name}) is {g.driver_model or 'without a driver model (N/A)'}"
                           for g in others)
        return failed("windows.gpu.driver_model", f"{listed}, not {wanted}: WSL 2 hands only {wanted} GPUs to the "
                      f"distro, and one GPU outside it can leave NVML in WSL without any GPU",
                      values={"gpu": str(others[0].index)}, facts=facts)
    return passed("windows.gpu.driver_model", facts)
