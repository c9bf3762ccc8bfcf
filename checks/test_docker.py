"""Docker layer: Docker CE in the distro, the NVIDIA repositories, packages and runtime, the guide's images (§3.4)."""

import pytest

from wslgpu_certify import CheckFailed, check, not_applicable, publish, read, settle, version_satisfies
from wslgpu_certify.judges import docker as judge
from wslgpu_certify.parsers.docker import docker_desktop_version
from wslgpu_certify.parsers.dpkg import installed
from wslgpu_certify.probes import distro

NVIDIA_PACKAGES = ["nvidia-docker2", "nvidia-container-toolkit", "libnvidia-container1", "libnvidia-container-tools"]
IMAGE_ROLES = ["nbody", "tensorflow", "rstudio"]


@check("docker.engine.community")
def test_engine_is_docker_ce(wsl_host, profile):
    settle(judge.engine_community(read(wsl_host, distro.DOCKER_VERSION), profile))


@check("docker.engine.in_distro")
def test_daemon_runs_in_distro(wsl_host):
    settle(judge.in_distro(read(wsl_host, distro.DOCKER_INFO)))


# ---- Docker Desktop's WSL 2 engine (profile docker.engine = "desktop"): the daemon lives in Docker's own distro

@check("docker.desktop.engine")
def test_engine_is_docker_desktop(wsl_host, profile):
    info = read(wsl_host, distro.DOCKER_INFO)
    version = read(wsl_host, distro.DOCKER_VERSION)
    # `docker info`'s Operating System tells the engines apart in every Desktop release; a Docker Engine
    # installed in the distro answers on /var/run/docker.sock before Desktop's integration can.
    if "docker desktop" not in (info.operating_system or "").lower():
        raise CheckFailed(f"the daemon is {version.server_product or 'Docker Engine'} {version.server_version} on "
                          f"{info.operating_system or 'an unnamed OS'} (this distro), not Docker Desktop's WSL 2 engine",
                          variant="distro_daemon")
    desktop = docker_desktop_version(version.server_product)
    publish("docker", f"Docker Desktop {desktop or '(version not shown)'}, engine {version.server_version}")
    wanted = profile["docker"]["desktop_version"]
    if wanted and desktop is None:
        # a server line without "Docker Desktop <version>" (e.g. "Server: Docker Engine - Community"): nothing to hold
        pytest.skip(f"Docker Desktop's version is not shown (`docker version` prints {version.server_product!r}): "
                    f"cannot hold it to {wanted}")
    if wanted and not version_satisfies(desktop, wanted):
        raise CheckFailed(f"Docker Desktop {desktop} does not satisfy {wanted}", variant="old")


@check("docker.apt.repositories")
def test_nvidia_apt_repositories(wsl_host, profile):
    distribution = read(wsl_host, distro.OS_RELEASE).distribution
    problems, variant = [], None
    for name in profile["docker"]["apt_lists"]:
        content = read(wsl_host, distro.APT_LIST, name=name)
        if content.unsupported:
            # NVIDIA's server answers this instead of a list for a distribution it does not serve
            problems.append(f"{name} says 'Unsupported distribution' for {distribution}")
            variant = "unsupported"
        elif not any("nvidia.github.io" in line for line in content.deb_lines):
            problems.append(f"{name} is missing or holds no `deb https://nvidia.github.io/...` line")
    if problems:
        raise CheckFailed("; ".join(problems), variant=variant)


@check("docker.package.{package}", package=NVIDIA_PACKAGES)
def test_nvidia_package(wsl_host, profile, package):
    found = installed(read(wsl_host, distro.NVIDIA_PACKAGES)).get(package)
    settle(judge.package(package, None if found is None else found.version or "", profile))


@check("docker.runtime.configured")
def test_runtime_in_daemon_json(wsl_host, profile):
    config = read(wsl_host, distro.DAEMON_JSON)
    # Under systemd dockerd is restarted with systemctl, not by killing a hand-started one.
    systemd = "systemd" in profile["wsl"]["autostart"] and bool(read(wsl_host, distro.SYSTEMD_DOCKER))
    settle(judge.runtime_configured(config, profile, systemd))


@check("docker.runtime.registered")
def test_runtime_known_to_daemon(wsl_host):
    settle(judge.runtime_registered(read(wsl_host, distro.DOCKER_INFO)))


@check("docker.image.{role}.present", role=IMAGE_ROLES)
def test_image_present(wsl_host, profile, role, request):
    image = profile["images"][role]
    if read(wsl_host, distro.IMAGE_ID, image=image):
        return
    if not request.config.option.pull:
        raise CheckFailed(f"image {image} is not present locally (the suite pulls only with --pull)", image=image)
    try:
        read(wsl_host, distro.IMAGE_PULL, image=image)
    except CheckFailed as exc:  # the engine's words: no network, no such repository, denied
        raise CheckFailed(f"image {image} is not present locally and --pull failed: {exc}", image=image) from None
    publish("pulled", image)


# ---- the toolkit's own view (today's machines: the profile's [toolkit] nvidia_ctk) -----------------

def _toolkit_view_held(profile) -> None:
    if not profile["toolkit"]["nvidia_ctk"]:
        not_applicable(judge.TOOLKIT_NOT_HELD)


@check("docker.toolkit.ctk")
def test_nvidia_ctk_version(wsl_host, profile):
    _toolkit_view_held(profile)
    settle(judge.toolkit_ctk(read(wsl_host, distro.NVIDIA_CTK_VERSION), profile))


@check("docker.toolkit.sees_gpu")
def test_toolkit_sees_the_wsl_gpu(wsl_host, profile):
    """What libnvidia-container itself finds: the dxcore route, the GPUs, the libraries it would mount."""
    _toolkit_view_held(profile)
    settle(judge.toolkit_sees_gpu(read(wsl_host, distro.CONTAINER_CLI_INFO), profile))


@check("docker.toolkit.mode")
def test_runtime_mode(wsl_host, profile):
    _toolkit_view_held(profile)
    config = read(wsl_host, distro.RUNTIME_CONFIG)
    mode = config.mode if config else "auto"
    publish("toolkit_mode", mode if config else "auto (no config.toml: the runtime's defaults)")
    allowed = profile["toolkit"]["modes"]
    if mode not in allowed:
        raise CheckFailed(f"/etc/nvidia-container-runtime/config.toml sets mode = \"{mode}\", not one of "
                          f"{', '.join(allowed)}")


@check("docker.toolkit.cdi")
def test_cdi_specs(wsl_host, profile):
    """Where containers get the GPU through CDI (profile toolkit.cdi, or the runtime in mode "cdi")."""
    _toolkit_view_held(profile)
    if not profile["toolkit"]["cdi"]:
        config = read(wsl_host, distro.RUNTIME_CONFIG)
        if not config or config.mode != "cdi":
            not_applicable("neither the profile nor the runtime's mode uses CDI (toolkit.cdi, mode = \"cdi\")")
    specs = read(wsl_host, distro.CDI_LIST)
    publish("cdi_devices", ", ".join(specs.devices) or "none")
    if not specs.devices:
        raise CheckFailed("`nvidia-ctk cdi list` finds no CDI device"
                          + (f" ({'; '.join(specs.registry_errors)})" if specs.registry_errors else ""))
    if not any(name.endswith("=all") for name in specs.devices):
        raise CheckFailed(f"the CDI specs name {', '.join(specs.devices)} but no `nvidia.com/gpu=all`, "
                          "the device WSL's generated spec holds")
