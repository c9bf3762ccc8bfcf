"""The distro's judges: WSL 2's kernel, /dev/dxg, the driver's libraries and the loader, no Linux driver inside."""

from __future__ import annotations

from ..parsers.dpkg import linux_nvidia_driver_packages
from . import Verdict, failed, held_to, not_applicable, passed


def version2(release: str, flavour: str) -> Verdict:
    """wsl.version2: the kernel is WSL 2's (its release names it: `...-microsoft-standard...`)."""
    if flavour != "wsl2":
        what = "WSL 1" if flavour == "wsl1" else "a native Linux kernel"
        return failed("wsl.version2", f"kernel {release} is {what}, not WSL 2", flavour)
    return passed("wsl.version2")


def kernel_version(kernel, profile) -> Verdict:
    """wsl.kernel.version: the distro's kernel is at least the profile's."""
    return (held_to("wsl.kernel.version", f"kernel {kernel.release}", kernel.numeric, profile["wsl"]["kernel"],
                    facts=(("kernel", kernel.release),))
            or passed("wsl.kernel.version", (("kernel", kernel.release),)))


def dxg(present: bool) -> Verdict:
    """wsl.gpu.dxg: the GPU paravirtualisation device is there."""
    if not present:
        return failed("wsl.gpu.dxg", "/dev/dxg is missing: the distro has no GPU paravirtualisation device")
    return passed("wsl.gpu.dxg")


def driver_libraries(names, profile, after: str | None = None, before: str | None = None) -> Verdict:
    """wsl.driver.libraries: /usr/lib/wsl/lib holds every library the profile names.

    `after`, `before`: a listing that may be cut (a paste): `ls` sorts its names, so a wanted name sorting
    between the first and last shown is truly absent; one outside them may only have been cut, and is not judged."""
    wanted = profile["wsl"]["driver_libraries"]
    missing = [n for n in wanted if n not in names]
    known = [n for n in missing if (after is None or n > after) and (before is None or n < before)]
    if known:
        return failed("wsl.driver.libraries", f"/usr/lib/wsl/lib lacks {', '.join(known)}")
    if missing:
        return not_applicable("wsl.driver.libraries", f"the listing may be cut: {', '.join(missing)} would sort "
                              "outside what it shows")
    return passed("wsl.driver.libraries")


def loader(libraries: dict, whole: bool = True) -> Verdict:
    """wsl.driver.loader: the loader cache resolves libcuda.so to the WSL driver under /usr/lib/wsl/lib.

    `whole`: the output is the whole cache (`ldconfig -p`), not a grep of it, in which a name may be missing."""
    paths = [path for name, path in libraries.items() if name.startswith("libcuda.so")]
    if not paths:
        if not whole:
            return not_applicable("wsl.driver.loader", "only a part of the loader cache is shown, without libcuda.so")
        return failed("wsl.driver.loader", "the dynamic loader does not know libcuda.so")
    if not any(path.startswith("/usr/lib/wsl/") for path in paths):
        return failed("wsl.driver.loader", f"the loader resolves libcuda.so to {paths[0]}, not the WSL driver under "
                      "/usr/lib/wsl/lib", "shadowed")
    return passed("wsl.driver.loader")


def no_linux_driver(packages) -> Verdict:
    """wsl.driver.no_linux_driver: no Linux NVIDIA driver package is installed inside WSL (it shadows the Windows one)."""
    drivers = linux_nvidia_driver_packages(packages)
    if drivers:
        return failed("wsl.driver.no_linux_driver",
                      f"a Linux NVIDIA driver is installed inside WSL: {', '.join(sorted(drivers))}")
    return passed("wsl.driver.no_linux_driver")


# ---- wsl.dockerd.running as systemd tells it: the check reads `pgrep dockerd`; a paste often holds systemd's
# view instead (`systemctl is-active docker`, dockerd's journal), judged here for diagnose.

def dockerd_unit(unit) -> Verdict:
    """wsl.dockerd.running from `systemctl is-active docker`: not applicable without systemd, else active or not."""
    if not unit.systemd_running:
        return not_applicable("wsl.dockerd.running", "systemd is not PID 1 in this distro: systemctl cannot tell")
    if unit.active:
        return passed("wsl.dockerd.running")
    return failed("wsl.dockerd.running", f"systemctl says docker is {unit.state}: no dockerd runs in the distro")


def dockerd_journal(journal) -> Verdict:
    """wsl.dockerd.running from dockerd's journal: its last start failed, with the last reason it logged."""
    if journal.last_start == "failed":
        last = next(f for f in reversed(journal.findings) if f.kind != "started")
        return failed("wsl.dockerd.running", f"dockerd failed to start: {last.message[:200]}")
    return passed("wsl.dockerd.running")
