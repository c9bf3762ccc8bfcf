"""Fixes proven in a container: the broken state built for real, the printed fix run as printed, the check green.

For each scenario of SCENARIOS, in a Debian container (fixtures/images/proof, without the network) with the
project installed from this tree as a wheel:
  1. as root, build the broken state (a user, a sudoers file, a ~/.bashrc, a package...);
  2. as the user, `wslgpu-certify --check ID ...`: each check FAILS, reading the container's own files and commands;
  3. as the user, `wslgpu-certify fix results.json`: fix-distro.sh holds each failure's first step, as the
     terminal printed it;
  4. as the user, run fix-distro.sh exactly as written (`set -euo pipefail`: every step must succeed), less its
     last line (certify again: step 5 does that, for the scenario's checks);
  5. the same `--check` run: each check PASSES.
Every check whose catalog entry says `proof = "container"` is proven by a scenario here, and no other
(docs/checks.md prints that mark; proof.py says why the others cannot be proven here).

Harness, not the check's input: the user stands for the distro's default user, with a sudoers.d rule that lets
sudo run without a password (a terminal would ask for it), except where the scenario's broken state is that rule.
Under `env = "wsl"` the container says it is a WSL distro (WSL_DISTRO_NAME, as WSL sets it) for checks that
only apply there; their probes still read the container's own files. Steps for Windows (fix-windows.ps1) are
not run: the checks proven here read only the distro. Where a fix downloads, a stand-in serves the same names
inside the container (fixtures/images/proof/nvidia-stand-in.sh, registry-stand-in.sh: a CA trusted there only);
where it needs systemd, systemd boots as PID 1 (SYSTEMD); fixtures/images/proof/README.md lists every stand-in.

One container per scenario, one image per session. Without a Docker Engine or the proof image's build the
tests skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from ci_guarantees import unavailable

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "plugins"))  # the package may not be installed while it is written

from wslgpu_certify.catalog import REGISTRY, CatalogError, _proof, load_checks  # noqa: E402
from wslgpu_certify.proof import PROVEN  # noqa: E402

# one worker runs them all (under -n): one proof image build, one session image
pytestmark = [pytest.mark.docker, pytest.mark.xdist_group("fixes-proven")]

BUILD = REPO / "fixtures" / "images" / "proof" / "build.sh"
USER = "alice"
HOME = f"/home/{USER}"
SUDO_ALL = f"echo '{USER} ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/proof && chmod 0440 /etc/sudoers.d/proof"
# sudo for every command but dockerd: the state wsl.sudoers.dockerd fails on
SUDO_ALL_BUT_DOCKERD = (f"echo '{USER} ALL=(ALL) NOPASSWD: ALL, !/usr/bin/dockerd' > /etc/sudoers.d/proof && "
                        "chmod 0440 /etc/sudoers.d/proof")
IN_DOCKER_GROUP = f"usermod -a -G docker {USER}"
# The guide's block as the user typed it, without the `disown` line.
BLOCK_WITHOUT_DISOWN = (f"printf '%s\\n' '# Start Docker daemon automatically when logging in if not running.' "
                        "'RUNNING=$(ps aux | grep dockerd | grep -v grep)' 'if [ -z \"$RUNNING\" ]; then' "
                        f"'    sudo dockerd > /dev/null 2>&1 &' 'fi' >> {HOME}/.bashrc && chown {USER}: {HOME}/.bashrc")
# An installed package named as Ubuntu's Linux driver (Debian's archive has none by these names): what
# wsl.driver.no_linux_driver reads is dpkg's database, and the fix must purge it through apt.
UBUNTU_DRIVER_PACKAGE = (
    "mkdir -p /tmp/pkg/DEBIAN && printf '%s\\n' 'Package: libnvidia-compute-535' 'Version: 535.183.01-0ubuntu1' "
    "'Architecture: all' 'Maintainer: proof <proof@localhost>' "
    "'Description: stands in for Ubuntu'\"'\"'s NVIDIA compute driver' > /tmp/pkg/DEBIAN/control && "
    "dpkg-deb -b /tmp/pkg /tmp/libnvidia-compute-535.deb > /dev/null && dpkg -i /tmp/libnvidia-compute-535.deb > /dev/null")
CONTEXT_ELSEWHERE = (f"su {USER} -c 'docker context create desktop-linux --docker "
                     f"host=unix://{HOME}/.docker/desktop/docker.sock > /dev/null && docker context use desktop-linux'")
# nvidia.github.io served inside the container (no network): a key, a list and a signed repository of NVIDIA's shape
NVIDIA_STAND_IN = REPO / "fixtures" / "images" / "proof" / "nvidia-stand-in.sh"

# the guide's registries served inside the container: one tiny image for every name (nvcr.io, Docker Hub)
REGISTRY_STAND_IN = REPO / "fixtures" / "images" / "proof" / "registry-stand-in.sh"

# name: (env, profile, the checks it proves, the broken state: root's shell commands, or a script to run)
SCENARIOS = {
    "login-set-up": ("linux", "documented", ["wsl.user.docker_group", "wsl.sudoers.dockerd", "wsl.autostart"],
                     [SUDO_ALL_BUT_DOCKERD]),
    "block-without-disown": ("linux", "documented", ["wsl.autostart"],
                             [SUDO_ALL, IN_DOCKER_GROUP, BLOCK_WITHOUT_DISOWN]),
    "group-under-current": ("linux", "current", ["wsl.user.docker_group"],
                            [SUDO_ALL]),
    "nvidia-repository": ("linux", "current", ["docker.apt.repositories"], [SUDO_ALL, NVIDIA_STAND_IN]),
    # (dockerd down without systemd: native Linux's fix is `sudo service docker start`, whose init script sets a
    # ulimit this engine's containers may not (no CAP_SYS_RESOURCE here): proven under systemd below instead)
    # under systemd (SYSTEMD: PID 1 in the container, as `[boot] systemd=true` makes it in WSL)
    "dockerd-down-under-systemd": ("linux", "current", ["wsl.dockerd.running"],
                                   [SUDO_ALL, IN_DOCKER_GROUP, "systemctl stop docker.socket docker.service"]),
    "autostart-neither": ("linux", "current", ["wsl.autostart"],
                          [SUDO_ALL, "systemctl disable --now docker.socket docker.service"]),
    # the context Docker Desktop leaves (desktop-linux, its socket in ~/.docker/desktop) with nothing answering there
    "cli-context-elsewhere": ("linux", "current", ["wsl.docker.reachable"],
                              [SUDO_ALL, IN_DOCKER_GROUP, CONTEXT_ELSEWHERE]),
    "images-missing": ("linux", "documented", ["docker.image.nbody.present", "docker.image.tensorflow.present",
                                               "docker.image.rstudio.present"],
                       [SUDO_ALL, IN_DOCKER_GROUP, REGISTRY_STAND_IN]),
    "docker-service-stopped": ("wsl", "current", ["wsl.systemd.docker"],
                               [SUDO_ALL, "systemctl stop docker.socket docker.service"]),
    # a dockerd started by hand left its pid file (here naming a live process, PID 1): docker.service dies at start
    "docker-service-pid-file": ("wsl", "current", ["wsl.systemd.docker"],
                                [SUDO_ALL, "systemctl stop docker.socket docker.service", "echo 1 > /run/docker.pid",
                                 "systemctl start docker.service || true"]),
    "distro-files": ("wsl", "current", ["wsl.systemd.boot", "wsl.driver.no_linux_driver"],
                     [SUDO_ALL, IN_DOCKER_GROUP, "systemctl enable docker", "rm -f /etc/wsl.conf",
                      UBUNTU_DRIVER_PACKAGE]),
}

# What dockerd needs in a container (mounts: SYS_ADMIN; its iptables rules: NET_ADMIN; no AppArmor or seccomp
# profile in the way), not --privileged, which this CI's engine refuses: every scenario that starts dockerd runs
# under systemd (below).
DAEMON_OPTIONS = ["--cap-add", "SYS_ADMIN", "--cap-add", "NET_ADMIN", "--security-opt", "apparmor=unconfined",
                  "--security-opt", "seccomp=unconfined"]
# Scenarios under systemd: it runs as PID 1 (docker.service, its journal), with the host's cgroups read-only.
SYSTEMD = {"dockerd-down-under-systemd", "autostart-neither", "docker-service-stopped", "docker-service-pid-file",
           "cli-context-elsewhere", "images-missing"}
SYSTEMD_OPTIONS = [*DAEMON_OPTIONS, "--tmpfs", "/run", "--tmpfs", "/run/lock", "-v", "/sys/fs/cgroup:/sys/fs/cgroup:ro",
                   "-e", "container=docker"]


# ---- the catalog and the table agree (no Docker needed) ---------------------------------------------------

def test_every_check_marked_proven_has_a_scenario_and_no_other():
    load_checks(REPO / "checks")
    marked = {spec.id for spec in REGISTRY.values() if spec.proof == PROVEN}
    proven = {check for _, _, checks, _ in SCENARIOS.values() for check in checks}
    assert marked == proven


@pytest.mark.parametrize("raw", ["Container", "proven", "", "windows "])
def test_a_proof_the_table_does_not_know_is_a_catalog_error(raw):
    with pytest.raises(CatalogError, match="proof is one of"):
        _proof("wsl.example", "wsl", raw)


def test_an_entry_without_proof_takes_its_layers_default_else_unproven():
    assert [_proof("x.y", layer, None) for layer in ("windows", "gpu", "rpy2", "wsl", "docker")] == \
        ["windows", "gpu", "guide_images", "unproven", "unproven"]


# ---- the containers -----------------------------------------------------------------------------------------

def _unavailable(reason: str):
    unavailable(reason, "a Docker Engine and the proof image")


def _run(argv, timeout=300, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL, **kw)


@pytest.fixture(scope="module")
def session_image(tmp_path_factory):
    """The proof image (built once by its recipe hash) with this tree's wheel installed: one image per session."""
    if shutil.which("docker") is None or _run(["docker", "info"], timeout=60).returncode != 0:
        _unavailable("no Docker Engine answers")
    built = _run(["bash", str(BUILD)], timeout=900)
    if built.returncode != 0:
        _unavailable(f"the proof image did not build: {built.stderr[-1500:]}")
    base = built.stdout.strip().splitlines()[-1]
    root = tmp_path_factory.mktemp("proof")
    source, wheels = root / "source", root / "wheels"
    # what the wheel is built from, copied: the checkout's own build/ folder is tests/project/test_install.py's
    for part in ("pyproject.toml", "README.md", "plugins", "checks", "fixtures/snapshots"):
        copy = shutil.copytree if (REPO / part).is_dir() else shutil.copy
        (source / part).parent.mkdir(parents=True, exist_ok=True)
        copy(REPO / part, source / part, **({"ignore": shutil.ignore_patterns("__pycache__", "*.egg-info")}
                                             if (REPO / part).is_dir() else {}))
    wheel = _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels), str(source)], timeout=600)
    assert wheel.returncode == 0, wheel.stderr[-2000:]
    name = f"wslgpu-proof-install-{uuid.uuid4().hex[:12]}"
    image = f"local/wslgpu-proof-session:{uuid.uuid4().hex[:12]}"
    install = (
        "/opt/wslgpu/bin/pip install -q --no-deps --no-index --disable-pip-version-check /wheels/*.whl && "
        "ln -s /opt/wslgpu/bin/wslgpu-certify /usr/local/bin/wslgpu-certify && "
        # Docker CE (get.docker.com, the guide) installs /usr/bin/dockerd, the path the sudoers rule names;
        # Debian's docker.io has /usr/sbin/dockerd
        "ln -s /usr/sbin/dockerd /usr/bin/dockerd && "
        f"useradd -m -s /bin/bash {USER}")
    made = _run(["docker", "run", "--name", name, "--network", "none", "-v", f"{wheels}:/wheels:ro", base,
                 "bash", "-c", install])
    try:
        assert made.returncode == 0, made.stderr[-2000:]
        committed = _run(["docker", "commit", name, image])
        assert committed.returncode == 0, committed.stderr
    finally:
        _run(["docker", "rm", "-f", name])
    yield image
    _run(["docker", "rmi", "-f", image])


class Container:
    def __init__(self, image: str, env: str, systemd: bool):
        self.name = f"wslgpu-proof-{uuid.uuid4().hex[:12]}"
        self.env = env
        options, init = (SYSTEMD_OPTIONS, ["/lib/systemd/systemd"]) if systemd else \
            ([], ["sleep", "infinity"])
        started = _run(["docker", "run", "-d", "--name", self.name, "--network", "none", *options, image, *init])
        try:
            # a refused start (an option this engine does not allow) still leaves a created container: removed below
            assert started.returncode == 0, started.stderr
            if systemd:  # booted: its bus answers, then running or degraded (a unit a container cannot start)
                booted = _run(["docker", "exec", self.name, "bash", "-c", "for _ in $(seq 600); do "
                               "systemctl is-system-running --wait 2>/dev/null && exit; sleep 0.1; done"], timeout=120)
                assert booted.stdout.strip().splitlines()[-1:] in (["running"], ["degraded"]), \
                    booted.stdout + booted.stderr
            # sudo resolves the host name (a real machine's /etc/hosts names it)
            self.root("echo \"127.0.1.1 $(hostname)\" >> /etc/hosts")
        except BaseException:
            self.remove()
            raise

    def root(self, command: str | Path) -> str:
        script = command.read_text() if isinstance(command, Path) else None
        argv = ["bash", "-s"] if script is not None else ["bash", "-euo", "pipefail", "-c", command]
        done = subprocess.run(["docker", "exec", "-i", self.name, *argv], input=script or "", capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, f"{command}\n{done.stdout}{done.stderr}"
        return done.stdout

    def user(self, *argv: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        wsl = ["-e", "WSL_DISTRO_NAME=Debian"] if self.env == "wsl" else []
        return subprocess.run(["docker", "exec", "-i", "-u", USER, "-w", HOME, "-e", f"HOME={HOME}", *wsl, self.name,
                               *argv], input=stdin or "", capture_output=True, text=True, timeout=300)

    def certify(self, profile: str, checks: list[str], reports: str) -> tuple[subprocess.CompletedProcess, dict]:
        done = self.user("wslgpu-certify", f"--env={self.env}", "--cert-profile", profile,
                         *[arg for check in checks for arg in ("--check", check)], "--reports-dir", reports)
        document = json.loads(self.user("cat", f"{reports}/latest/results.json").stdout)
        return done, {c["id"]: c for c in document["checks"]}

    def remove(self):
        _run(["docker", "rm", "-f", self.name])


@pytest.fixture
def container_for(session_image):
    made = []

    def start(env: str, systemd: bool) -> Container:
        made.append(Container(session_image, env, systemd))
        return made[-1]
    yield start
    for container in made:
        container.remove()


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_the_printed_fix_makes_the_check_pass(container_for, scenario):
    env, profile, checks, broken = SCENARIOS[scenario]
    box = container_for(env, scenario in SYSTEMD)
    for command in broken:
        box.root(command)

    before, found = box.certify(profile, checks, f"{HOME}/before")
    assert before.returncode == 1, before.stdout[-3000:]
    for check in checks:
        assert found[check]["outcome"] == "failed", (check, found[check]["message"])
        first = found[check]["first_step"]
        assert first["shell"] == "bash", (check, first)
        assert f": {first['run']}" in before.stdout, f"{check}'s first step is not on the terminal"

    wrote = box.user("wslgpu-certify", "fix", f"{HOME}/before/latest/results.json", "--out", f"{HOME}/fix")
    assert wrote.returncode == 0, wrote.stderr
    script = box.user("cat", f"{HOME}/fix/fix-distro.sh").stdout
    lines = script.rstrip("\n").split("\n")
    for check in checks:
        assert found[check]["first_step"]["run"] in lines, f"{check}'s first step is not in fix-distro.sh"
    assert lines[-2] == "# == last: certify again" and lines[-1].startswith("wslgpu-certify "), lines[-2:]
    steps = "\n".join(lines[:-1]) + "\n"
    assert box.user("bash", "-c", f"cat > {HOME}/fix/steps.sh", stdin=steps).returncode == 0
    ran = box.user("bash", f"{HOME}/fix/steps.sh")
    assert ran.returncode == 0, f"the printed fix failed:\n{steps}\n{ran.stdout}{ran.stderr}"

    after, found = box.certify(profile, checks, f"{HOME}/after")
    for check in checks:
        assert found[check]["outcome"] == "passed", (check, found[check]["message"], after.stdout[-2000:])
