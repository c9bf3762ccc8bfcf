"""The Docker layer's judges: which engine answers, its NVIDIA runtime, the NVIDIA packages, the toolkit's own view."""

from __future__ import annotations

from . import Verdict, failed, held_to, not_applicable, passed

TOOLKIT_NOT_HELD = "the profile holds the guide's toolkit, which predates nvidia-ctk (set toolkit.nvidia_ctk)"


def reachable(version, profile) -> Verdict:
    """wsl.docker.reachable: the CLI reaches a daemon without sudo (`docker version`'s server, or `docker info`'s)."""
    # Under Docker Desktop an unreachable daemon is Desktop stopped or its WSL integration off.
    unreachable = "desktop" if profile["docker"]["engine"] == "desktop" else None
    if version.daemon_error:
        variant = "permission" if "permission denied" in version.daemon_error.lower() else unreachable
        return failed("wsl.docker.reachable", f"docker cannot reach the daemon: {version.daemon_error}", variant)
    if not version.server_version:
        return failed("wsl.docker.reachable", "`docker version` shows no server: the CLI reaches no daemon", unreachable)
    return passed("wsl.docker.reachable")


def engine_community(version, profile) -> Verdict:
    """docker.engine.community: the daemon is Docker CE (one of the profile's engine products), not Docker Desktop."""
    product = version.server_product or "Docker Engine"
    facts = (("docker", f"{product} {version.server_version}"),)
    if "desktop" in product.lower():
        return failed("docker.engine.community", f"the daemon is {product}, not Docker CE inside the distro", "desktop",
                      facts=facts)
    if product not in profile["docker"]["engine_products"]:
        return failed("docker.engine.community", f"the daemon is {product}, expected one of "
                      f"{', '.join(profile['docker']['engine_products'])}", facts=facts)
    return passed("docker.engine.community", facts)


def in_distro(info) -> Verdict:
    """docker.engine.in_distro: `docker info` answers from a daemon in this distro, not Docker Desktop's VM."""
    if info.daemon_error:
        return failed("docker.engine.in_distro", f"docker info: {info.daemon_error}")
    if "docker desktop" in (info.operating_system or "").lower():
        return failed("docker.engine.in_distro", f"docker talks to {info.operating_system}, not a daemon in this "
                      "distro", "desktop")
    return passed("docker.engine.in_distro")


def runtime_registered(info) -> Verdict:
    """docker.runtime.registered: the running dockerd lists the `nvidia` runtime. A note for diagnose: `--gpus all`
    (Docker 19.03+) needs only the toolkit's hook, no runtime entry (the nvidia-docker README at
    https://github.com/NVIDIA/nvidia-docker/blob/36e7a11c52f300668099ee500791e07302810007/README.md)."""
    if "nvidia" not in info.runtimes:
        return failed("docker.runtime.registered", f"`docker info` lists runtimes {', '.join(info.runtimes) or 'none'}, "
                      "without nvidia", note=True)
    return passed("docker.runtime.registered")


def runtime_configured(config, profile, systemd: bool = False) -> Verdict:
    """docker.runtime.configured: daemon.json registers `nvidia`, running nvidia-container-runtime where nvidia-ctk
    configures it. `systemd`: dockerd runs under systemd here (its restart is systemctl's: the fix's variant)."""
    variant = "systemd" if systemd else None
    if "nvidia" not in config.runtimes:
        return failed("docker.runtime.configured", "/etc/docker/daemon.json registers no `nvidia` runtime", variant,
                      note=True)
    path = config.runtimes["nvidia"] or ""
    # `nvidia-ctk runtime configure` writes "path": "nvidia-container-runtime" (toolkit#378); another binary
    # there (a removed nvidia-docker2's path, a typo) makes every `--runtime nvidia` container fail to start.
    if profile["toolkit"]["nvidia_ctk"] and path.rsplit("/", 1)[-1] != "nvidia-container-runtime":
        return failed("docker.runtime.configured", f"daemon.json's nvidia runtime runs {path or 'nothing'}, not "
                      "nvidia-container-runtime", variant)
    return passed("docker.runtime.configured")


def package(name: str, version: str | None, profile) -> Verdict:
    """docker.package.<name>: the NVIDIA package is installed (unless optional) at the profile's version."""
    check_id = f"docker.package.{name}"
    wanted = profile["docker"]["packages"].get(name, "")
    if version is None:
        if wanted == "optional":
            return not_applicable(check_id, f"{name} is not installed and the profile does not require it")
        return failed(check_id, f"{name} is not installed")
    facts = ((name, version),)
    if wanted not in ("", "optional"):
        # Today's toolkit comes without nvidia-docker2 (retired at 1.14): upgrade the package alone.
        found = held_to(check_id, f"{name} {version}", version, wanted,
                        "upgrade" if profile["toolkit"]["nvidia_ctk"] else None, facts=facts)
        if found is not None:
            return found
    return passed(check_id, facts)


def toolkit_ctk(version, profile) -> Verdict:
    """docker.toolkit.ctk: `nvidia-ctk --version` answers as nvidia-ctk, at the profile's version."""
    wanted = profile["toolkit"]["nvidia_ctk"]
    if not wanted:
        return not_applicable("docker.toolkit.ctk", TOOLKIT_NOT_HELD)
    facts = (("nvidia_ctk", version.version),)
    if version.tool != "nvidia-ctk":
        return failed("docker.toolkit.ctk", f"`nvidia-ctk --version` answered as {version.tool}", facts=facts)
    return (held_to("docker.toolkit.ctk", f"nvidia-ctk {version.version}", version.version, wanted, facts=facts)
            or passed("docker.toolkit.ctk", facts))


def toolkit_sees_gpu(info, profile) -> Verdict:
    """docker.toolkit.sees_gpu: what libnvidia-container itself finds: the dxcore route, the GPUs, its libraries."""
    if not profile["toolkit"]["nvidia_ctk"]:
        return not_applicable("docker.toolkit.sees_gpu", TOOLKIT_NOT_HELD)
    if info.wsl is False:
        return failed("docker.toolkit.sees_gpu", "nvidia-container-cli: dxcore initialization failed, so the toolkit "
                      f"takes this for a non-WSL machine{': ' + info.error if info.error else ''}", "no_dxcore")
    if info.error:
        variant = "nvml_missing" if info.missing_library == "libnvidia-ml.so.1" else None
        return failed("docker.toolkit.sees_gpu", f"nvidia-container-cli: {info.error}", variant)
    if info.linux_driver_libraries:
        first = info.linux_driver_libraries[0]
        return failed("docker.toolkit.sees_gpu", "the toolkit selects a Linux NVIDIA driver's libraries beside the WSL "
                      f"ones: {', '.join(info.linux_driver_libraries[:3])}", "linux_libraries", values={"library": first})
    if not info.devices:
        missing = "; ".join(f"{lib} not in {folder}" for lib, folder in info.missing_components)
        return failed("docker.toolkit.sees_gpu", "nvidia-container-cli lists no GPU" + (f" ({missing})" if missing else ""),
                      "no_devices")
    return passed("docker.toolkit.sees_gpu", (("toolkit_driver", info.nvrm_version),
                                              ("toolkit_gpus", ", ".join(d.model for d in info.devices))))


def context_engine(name: str, docker_desktop: bool) -> Verdict:
    """docker.engine.in_distro from the current docker context (the check reads `docker info`; a paste often shows
    `docker context ls`/`show` instead): Docker Desktop's context talks to its VM, not a daemon in the distro."""
    if docker_desktop:
        return failed("docker.engine.in_distro", f"the current docker context {name} is Docker Desktop's, not a "
                      "daemon in this distro", "desktop")
    return passed("docker.engine.in_distro")
