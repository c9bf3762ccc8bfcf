"""WSL distro layer: kernel, GPU device, driver libraries, user set-up and dockerd autostart (guide §3.2-3.5)."""

from wslgpu_certify import CheckFailed, check, not_applicable, publish, read, settle
from wslgpu_certify.judges import docker as docker_judge
from wslgpu_certify.judges import wsl as judge
from wslgpu_certify.probes import distro, windows


@check("wsl.version2")
def test_runs_under_wsl2(wsl_host):
    kernel = read(wsl_host, distro.KERNEL)
    settle(judge.version2(kernel.release, kernel.flavour))


@check("wsl.kernel.version")
def test_kernel_version(wsl_host, profile):
    settle(judge.kernel_version(read(wsl_host, distro.KERNEL), profile))


@check("wsl.gpu.dxg")
def test_dxg_device(wsl_host):
    settle(judge.dxg(read(wsl_host, distro.DXG_DEVICE)))


@check("wsl.driver.libraries")
def test_driver_libraries(wsl_host, profile):
    settle(judge.driver_libraries(set(read(wsl_host, distro.WSL_DRIVER_DIR)), profile))


@check("wsl.driver.loader")
def test_loader_finds_libcuda(wsl_host):
    settle(judge.loader(read(wsl_host, distro.LOADER_CACHE)))


@check("wsl.driver.libcuda_unversioned")
def test_loader_finds_unversioned_libcuda(wsl_host):
    """Programs that dlopen("libcuda.so") (cuda-python, triton, cudarc) find only what the loader cache names so."""
    libraries = read(wsl_host, distro.LOADER_CACHE)
    if "libcuda.so" in libraries:
        publish("libcuda.so", libraries["libcuda.so"])
        return
    listing = read(wsl_host, distro.WSL_LIB_LISTING)
    if listing.present and listing.has_unversioned_libcuda and "libcuda.so" in listing.libcuda_copies:
        # The driver ships libcuda.so, .so.1 and .so.1.1 as regular files with one soname (libcuda.so.1):
        # ldconfig caches regular files only under their soname, and warns "... is not a symbolic link".
        raise CheckFailed(f"the loader cache knows libcuda.so.1 but not libcuda.so: /usr/lib/wsl/lib holds "
                          f"{', '.join(listing.libcuda_copies)} as copies (regular files), not symlinks, so ldconfig "
                          f"caches them only as libcuda.so.1 (and warns 'is not a symbolic link'); dlopen(\"libcuda.so\") "
                          f"fails with 'cannot open shared object file'", variant="copies")
    if listing.present and listing.has_unversioned_libcuda:
        raise CheckFailed("the loader cache has no libcuda.so although /usr/lib/wsl/lib has one (not a copy): the "
                          "cache is older than the directory", variant="stale")
    raise CheckFailed("the loader cache has no libcuda.so and /usr/lib/wsl/lib lists none: dlopen(\"libcuda.so\") fails")


@check("wsl.driver.no_linux_driver")
def test_no_linux_driver_inside(wsl_host):
    settle(judge.no_linux_driver(read(wsl_host, distro.DPKG_NVIDIA)))


@check("wsl.os.release")
def test_distribution_served(wsl_host, profile):
    release = read(wsl_host, distro.OS_RELEASE)
    publish("distribution", release.distribution)
    if release.distribution not in profile["wsl"]["distributions"]:
        raise CheckFailed(f"{release.distribution} is not one the NVIDIA repositories serve "
                          f"({', '.join(profile['wsl']['distributions'])})")


@check("wsl.user.docker_group")
def test_user_in_docker_group(wsl_host, machine):
    if machine.user == "root":
        return  # root reaches /var/run/docker.sock without the group
    groups = read(wsl_host, distro.USER_GROUPS)
    if "docker" not in groups:
        raise CheckFailed(f"user {machine.user or ''} is not in the docker group (groups: {' '.join(groups)})".replace("  ", " "))


def _systemd_starts_docker(wsl_host, profile) -> bool:
    """The profile allows dockerd under systemd and docker.service is enabled there."""
    return "systemd" in profile["wsl"]["autostart"] and read(wsl_host, distro.SYSTEMD_DOCKER)


@check("wsl.sudoers.dockerd")
def test_sudoers_dockerd(wsl_host, profile):
    if _systemd_starts_docker(wsl_host, profile):
        not_applicable("systemd starts dockerd (docker.service is enabled): nobody runs `sudo dockerd`, "
                       "so the NOPASSWD rule is not needed")
    if "systemd" in profile["wsl"]["autostart"] and not read(wsl_host, distro.BASHRC).present:
        not_applicable("no ~/.bashrc block runs `sudo dockerd` (wsl.autostart offers both routes, with this rule)")
    if not read(wsl_host, distro.SUDO_DOCKERD):
        raise CheckFailed("sudo asks for a password to run /usr/bin/dockerd (no NOPASSWD rule)")


@check("wsl.autostart")
def test_dockerd_autostart(wsl_host, profile):
    """One of the profile's routes starts dockerd: systemd's docker.service, or the guide's ~/.bashrc block."""
    allowed = profile["wsl"]["autostart"]
    if _systemd_starts_docker(wsl_host, profile):
        publish("autostart", "systemd (docker.service enabled)")
        return
    block = read(wsl_host, distro.BASHRC)
    if not block.present:
        if "systemd" in allowed:
            raise CheckFailed("dockerd starts neither under systemd (docker.service is not enabled) nor from a "
                              "~/.bashrc block", variant="neither")
        raise CheckFailed("~/.bashrc has no block that starts dockerd when none runs")
    if not block.disowns:
        raise CheckFailed("the ~/.bashrc autostart block starts dockerd but does not `disown` it", variant="no_disown")
    publish("autostart", "the ~/.bashrc block")


def _systemd_route(wsl_host, profile) -> None:
    """The systemd checks apply where the profile allows systemd and the ~/.bashrc block is not the route."""
    if "systemd" not in profile["wsl"]["autostart"]:
        not_applicable("the profile starts dockerd from ~/.bashrc only")
    if not _systemd_starts_docker(wsl_host, profile):
        if read(wsl_host, distro.BASHRC).present:
            not_applicable("dockerd is started by the ~/.bashrc block, not by systemd")
        # Neither route: wsl.autostart fails once, offering both.
        not_applicable("docker.service is not enabled and no ~/.bashrc block starts dockerd (see wsl.autostart)")


@check("wsl.systemd.boot")
def test_wsl_conf_boots_systemd(wsl_host, profile):
    _systemd_route(wsl_host, profile)
    conf = read(wsl_host, distro.WSL_CONF)
    if conf is None or conf.systemd is not True:
        what = "there is no /etc/wsl.conf" if conf is None else "/etc/wsl.conf has no `[boot] systemd=true`"
        raise CheckFailed(f"{what}: WSL starts no systemd, so docker.service never runs")


@check("wsl.systemd.docker")
def test_docker_service_active(wsl_host, profile):
    _systemd_route(wsl_host, profile)
    unit = read(wsl_host, distro.DOCKER_ACTIVE)
    if not unit.systemd_running:
        raise CheckFailed("systemd is not running (PID 1 is WSL's init): restart WSL after setting [boot] "
                          "systemd=true", variant="no_systemd")
    if unit.active:
        return
    journal = read(wsl_host, distro.DOCKER_JOURNAL)
    said = f"docker.service is {unit.state}"
    if journal is None:
        raise CheckFailed(f"{said}; its journal needs sudo, which asks for a password here (not read)")
    if journal.restricted or journal.no_entries:
        raise CheckFailed(f"{said}; the journal shows " + ("only the user's own messages (not dockerd's)"
                                                           if journal.restricted else "no entry for docker"))
    cause = _journal_cause(journal)
    if cause is None:
        last = journal.findings[-1].message if journal.findings else "nothing that names a cause"
        raise CheckFailed(f"{said}; its journal ends with: {last[:300]}")
    kind, message = cause
    if kind == "iptables":
        backend = _iptables_backend(wsl_host) or {"nf_tables": "nft"}.get(journal.iptables_backend or "", journal.iptables_backend)
        publish("iptables", backend or "unknown")
        variant = "iptables_legacy" if backend == "legacy" else "nftables"
        raise CheckFailed(f"{said}: dockerd could not set up its iptables rules (iptables backend: "
                          f"{backend or 'unknown'}): {message[:300]}", variant=variant)
    raise CheckFailed(f"{said}: {message[:300]}", variant=kind.replace("-", "_"))


def _journal_cause(journal):
    """The first finding that names why dockerd died (systemd's own "Failed to start" names none)."""
    for finding in journal.findings:
        if finding.kind in ("iptables", "pid-file", "daemon-json-conflict", "daemon-json"):
            return finding.kind, finding.message
    return None


def _iptables_backend(wsl_host) -> str | None:
    """The iptables alternative ("legacy" / "nft"); None where it cannot be read (the journal's word stands)."""
    try:
        return read(wsl_host, distro.IPTABLES_ALTERNATIVE).iptables_backend
    except CheckFailed:
        return None


@check("wsl.dockerd.running")
def test_dockerd_running(wsl_host, profile):
    if read(wsl_host, distro.DOCKERD_PROCESSES):
        return
    server = read(wsl_host, distro.DOCKER_VERSION).server_product or ""
    if "desktop" in server.lower():
        raise CheckFailed(f"no dockerd runs in the distro; docker talks to {server}", variant="desktop")
    variant = "systemd" if _systemd_starts_docker(wsl_host, profile) else None
    raise CheckFailed("no dockerd process is running in the distro", variant=variant)


@check("wsl.docker.reachable")
def test_docker_reachable_without_sudo(wsl_host, profile):
    settle(docker_judge.reachable(read(wsl_host, distro.DOCKER_VERSION), profile))


@check("wsl.autostart.proof")
def test_docker_answers_after_wsl_shutdown(windows_host, machine):
    """Opt-in (`opt_in = "--prove-autostart"` in its catalog entry): it stops WSL, so it runs only when asked
    (last in this layer: the others read the state before)."""
    read(windows_host, windows.WSL_SHUTDOWN)
    login = read(windows_host, windows.FRESH_LOGIN_DOCKER, distro=machine.distro)
    if login.server_version:
        publish("docker_after_shutdown", login.server_version)
        return
    if login.sudo_prompted:
        raise CheckFailed(f"after `wsl --shutdown`, the login shell's `sudo dockerd` asked for a password; "
                          f"Docker never answered: {login.error}", variant="sudo_prompt")
    raise CheckFailed(f"after `wsl --shutdown`, a new login shell waited 40 s and Docker never answered: {login.error}")
