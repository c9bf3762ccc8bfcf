"""Docker layer: Docker CE in the distro, the NVIDIA repositories, packages and runtime, the guide's images (§3.4)."""

from wslgpu_certify import CheckFailed, check, not_applicable, publish, read, version_satisfies
from wslgpu_certify.parsers.dpkg import installed
from wslgpu_certify.probes import distro

NVIDIA_PACKAGES = ["nvidia-docker2", "nvidia-container-toolkit", "libnvidia-container1", "libnvidia-container-tools"]
IMAGE_ROLES = ["nbody", "tensorflow", "rstudio"]


@check("docker.engine.community")
def test_engine_is_docker_ce(wsl_host, profile):
    version = read(wsl_host, distro.DOCKER_VERSION)
    product = version.server_product or "Docker Engine"
    publish("docker", f"{product} {version.server_version}")
    if "desktop" in product.lower():
        raise CheckFailed(f"the daemon is {product}, not Docker CE inside the distro", variant="desktop")
    if product not in profile["docker"]["engine_products"]:
        raise CheckFailed(f"the daemon is {product}, expected one of {', '.join(profile['docker']['engine_products'])}")


@check("docker.engine.in_distro")
def test_daemon_runs_in_distro(wsl_host):
    info = read(wsl_host, distro.DOCKER_INFO)
    if info.daemon_error:
        raise CheckFailed(f"docker info: {info.daemon_error}")
    if "docker desktop" in (info.operating_system or "").lower():
        raise CheckFailed(f"docker talks to {info.operating_system}, not a daemon in this distro", variant="desktop")


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
    wanted = profile["docker"]["packages"].get(package, "")
    found = installed(read(wsl_host, distro.NVIDIA_PACKAGES)).get(package)
    if found is None:
        if wanted == "optional":
            not_applicable(f"{package} is not installed and the profile does not require it")
        raise CheckFailed(f"{package} is not installed")
    publish(package, found.version)
    if wanted not in ("", "optional") and not version_satisfies(found.version or "", wanted):
        raise CheckFailed(f"{package} {found.version} does not satisfy {wanted}")


@check("docker.runtime.configured")
def test_runtime_in_daemon_json(wsl_host):
    config = read(wsl_host, distro.DAEMON_JSON)
    if "nvidia" not in config.runtimes:
        raise CheckFailed("/etc/docker/daemon.json registers no `nvidia` runtime")


@check("docker.runtime.registered")
def test_runtime_known_to_daemon(wsl_host):
    info = read(wsl_host, distro.DOCKER_INFO)
    if "nvidia" not in info.runtimes:
        raise CheckFailed(f"`docker info` lists runtimes {', '.join(info.runtimes) or 'none'}, without nvidia")


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
