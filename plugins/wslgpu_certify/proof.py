"""Where each check's fix is proven: in a container by tests/test_fixes_proven.py, or why it cannot be here.

A catalog entry names its case with `proof = "<name>"` (a key of PROOF); an entry without one takes its
layer's default (LAYER_DEFAULT), else "unproven". `container` is a promise the test keeps: it builds the broken state in a
Debian container with the project installed, runs the printed fix (`wslgpu-certify fix`'s fix-distro.sh), and
asserts the check failed before and passes after. docs/checks.md prints the short words and the reasons.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Proof:
    short: str  # the docs/checks.md cell
    reason: str  # the legend: what a container here lacks


PROVEN = "container"
PROOF = {
    PROVEN: Proof("proven in a container",
                  "tests/test_fixes_proven.py builds the broken state in a Debian container with the project installed, "
                  "runs the printed fix-distro.sh as the user, and the check fails before and passes after"),
    "windows": Proof("not here: Windows", "its fix runs on Windows (cmd, PowerShell, the Store, a driver installer)"),
    "wsl_kernel": Proof("not here: WSL kernel", "it needs WSL 2's kernel, /dev/dxg or the Windows driver's "
                        "/usr/lib/wsl/lib (its requirements start at wsl.version2), which no container has"),
    "os_release": Proof("not here: another release", "its fix is another distribution release (a new distro)"),
    "blocked": Proof("not here: blocked first", "every broken state a container can hold for it (no dockerd, the "
                     "user outside the docker group, a CLI pointed at another daemon) fails a check it requires "
                     "first, so it is blocked, never failed by itself"),
    "network": Proof("not here: network", "its fix installs Docker CE from get.docker.com, which CI cannot reach"),
    "systemd": Proof("not here: systemd", "it needs systemd as PID 1 (docker.service and its journal); the "
                     "container runs without it"),
    "nvidia_repo": Proof("not here: NVIDIA's repository", "its fix downloads from NVIDIA's servers (nvidia.github.io: "
                         "the key, the lists, the toolkit packages nvidia-ctk and libnvidia-container), which CI "
                         "cannot reach; the checks after it need those packages installed"),
    "registry": Proof("not here: registry", "its fix pulls the guide's images from a registry CI cannot reach"),
    "desktop": Proof("not here: Docker Desktop", "Docker Desktop runs on Windows"),
    "unproven": Proof("not proven yet", "no scenario of tests/test_fixes_proven.py proves it yet, and no reason "
                      "it cannot be was written down (an entry without `proof = ...`)"),
    "gpu": Proof("not here: GPU", "it needs an NVIDIA GPU and its driver; CI has none"),
    "guide_images": Proof("not here: the guide's images", "it runs in the guide's GPU images, started by the "
                          "distro's dockerd (tests/test_containers_live.py runs the CPU stand-in instead)"),
}
LAYER_DEFAULT = {"windows": "windows", "gpu": "gpu", "jupyter": "guide_images", "rstudio": "guide_images",
                 "rpy2": "guide_images"}  # wsl and docker entries name theirs; without one: "unproven"
