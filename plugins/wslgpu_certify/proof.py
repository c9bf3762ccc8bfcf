"""Where each check's fix is proven: in a container by tests/checks/test_fixes_proven.py, or why it cannot be here.

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
                  "tests/checks/test_fixes_proven.py builds the broken state in a Debian 12 container with the project "
                  "installed (fixtures/images/proof), runs `wslgpu-certify fix`'s fix-distro.sh as the user, as "
                  "written, and the check fails before and passes after; its SCENARIOS name the profile and the "
                  "failure (the fix of that profile and variant is the one proven), and say what stands in for "
                  "what a container lacks"),
    "windows": Proof("not here: Windows", "its fix runs on Windows (cmd, PowerShell, the Store, a driver installer)"),
    "wsl_kernel": Proof("not here: WSL kernel", "it needs WSL 2's kernel, /dev/dxg or the Windows driver's "
                        "/usr/lib/wsl/lib (its requirements start at wsl.version2), which no container has"),
    "os_release": Proof("not here: another release", "its fix is another distribution release (a new distro)"),
    "blocked": Proof("not here: blocked first", "the broken states a container can hold for it (no dockerd, the CLI "
                     "pointed at another socket) fail wsl.docker.reachable first, so it is blocked, never failed by "
                     "itself; the other one (Docker Desktop's engine answering) needs Docker Desktop"),
    "network": Proof("not here: network", "its fix installs Docker CE from get.docker.com, which CI cannot reach"),
    "nvidia_repo": Proof("not here: NVIDIA's packages", "it needs NVIDIA's toolkit packages (nvidia-container-toolkit, "
                         "libnvidia-container, nvidia-ctk), which only NVIDIA's repository serves and CI cannot reach "
                         "(the stand-in that proves docker.apt.repositories serves no packages)"),
    "desktop": Proof("not here: Docker Desktop", "Docker Desktop runs on Windows"),
    "unproven": Proof("not proven yet", "no scenario of tests/checks/test_fixes_proven.py proves it yet, and no reason "
                      "it cannot be was written down (an entry without `proof = ...`)"),
    "gpu": Proof("not here: GPU", "it needs an NVIDIA GPU and its driver; CI has none"),
    "guide_images": Proof("not here: the guide's images", "it runs in the guide's GPU images, started by the "
                          "distro's dockerd (tests/checks/test_containers_live.py runs the CPU stand-in instead)"),
}
LAYER_DEFAULT = {"windows": "windows", "gpu": "gpu", "jupyter": "guide_images", "rstudio": "guide_images",
                 "rpy2": "guide_images"}  # wsl and docker entries name theirs; without one: "unproven"
